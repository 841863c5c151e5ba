#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Render bench/REPORT.md and its plots from what bench/run.sh measured.

    report.py --data DIR --out DIR ARCH...

DIR/ARCH/data.tsv holds run<TAB>metric<TAB>value lines, DIR/ARCH/machine.tsv
what the runs ran on, DIR/timing.tsv when make bench started and when its
measurements ended (epoch seconds).  Every number of the report is the median over the
runs, with the spread (lowest to highest) where there was more than one;
counts are exact and shown once.  The plots go to OUT/plots/.
"""
import argparse
import os
import statistics

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

SIZES = [1, 10, 100, 1000, 10000, 100000]
FUNC_SIZES = [1000, 10000, 100000]
BACKENDS = ['nosync', 'breakpoint', 'stop_machine', 'auto']
ENABLE_GOAL_MS = 5
ENABLE_FIRST_GOAL_MS = 15
DISABLE_GOAL_MS = 5
# Instructions per traced call over the plain call, full and light
# contract: x86-64, and arm64 / riscv64 (counted under qemu).
CALL_GOAL_X86 = (60, 40)
CALL_GOAL_EMULATED = (45, 35)
# The NOPs a never-traced entry runs, which a plain call does not: what
# "over the plain call" adds back to "over never traced" under qemu.
ENTRY_NOPS = {'arm64': 2, 'riscv': 4, 'x86': 5}
CALL_STATES = [
    ('off', 'never traced (the entry NOPs)'),
    ('disabled', 'disabled after tracing'),
    ('ops1', '1 ops, empty callback (full contract)'),
    ('ops1_light', '1 ops, light contract (`TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY`)'),
    ('ops1_99', '1 ops here, 99 on 99 other functions'),
    ('list100', '100 ops on this function (list)'),
]
ENABLE_GOAL_SYNCS = 3
BUDGET_MIN = 15

# What each step of a registration that the profile names does.
PROFILE_STEPS = {
    'ops_resolve': 'the functions the ops\'s filters name (one pass over the names)',
    'ftrace_glob_match': 'one glob against one name (plain and prefix globs compared)',
    'ftrace_set_sort': 'sort the set (one pass when already sorted)',
    'set_diff': 'the functions that change: one ordered walk over both sets',
    'changes_commit': 'turn the entries on: build the batch and commit it',
    'batch_add_word': 'engine: add one ops slot to the batch (three words)',
    'ftrace_func_find_next': 'find a function\'s record (a cursor, a search per object)',
    'maps_for_sites': 'engine: the mappings (cached view checked once per run of sites)',
    'check_sites': 'engine: sort (when out of order) and check the sites against the text',
    'words_check': 'engine: check the slots against the text and the sites',
    'words_store': 'engine: store the ops slots',
    'tp_batch_add': 'engine: add one site to the batch (decode, copy)',
    'decode_all': 'engine: decode the new (and expected) instructions',
    'tp_batch_commit': 'engine: commit (sort, validate, protocol)',
    'backend_check': 'engine: can the backend make every transition',
    'text_open': 'engine: make the page runs writable (mprotect window)',
    'bp_commit': 'engine: the breakpoint protocol itself (writes, 3 syncs)',
    'text_store_words': 'engine: the stores into the text',
    'inflight_publish': 'engine: publish the sites in the in-flight table',
    'inflight_unpublish': 'engine: remove them again',
    'ftrace_func_find': 'find a function\'s record (a binary search per call)',
    'ops_wants': 'does the ops trace this function (its filters)',
    'fnmatch': 'glob matching of symbol names (libc)',
    'qsort': 'sorting (libc)',
}


class Arch:
    """The measurements and the machine of one architecture."""

    def __init__(self, path, name):
        self.name = name
        self.values = {}
        self.by_run = {}
        self.machine = {}
        with open(os.path.join(path, 'data.tsv')) as f:
            for line in f:
                parts = line.rstrip('\n').split('\t')
                if len(parts) == 3:
                    self.values.setdefault(parts[1], []).append(float(parts[2]))
                    self.by_run.setdefault(parts[1], {})[parts[0]] = float(parts[2])
        with open(os.path.join(path, 'machine.tsv')) as f:
            for line in f:
                key, _, value = line.rstrip('\n').partition('\t')
                self.machine[key] = value
        self.emulated = 'qemu' in self.machine

    def has(self, metric):
        return metric in self.values

    def median(self, metric):
        v = self.values.get(metric)
        return statistics.median(v) if v else None

    def spread(self, metric):
        v = self.values.get(metric)
        return (min(v), max(v)) if v else None

    def ratio(self, metric, base):
        """The median over the runs of metric / base, each ratio within one run."""
        a, b = self.by_run.get(metric, {}), self.by_run.get(base, {})
        r = [a[run] / b[run] for run in a if run in b and b[run]]
        return statistics.median(r) if r else None

    def describe(self):
        m = self.machine
        s = f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, Linux {m.get('kernel', '?')}"
        if self.emulated:
            s += f", under {m.get('qemu', 'qemu')}"
        return s


def num(x, digits=3):
    """A number with about @digits significant digits, no exponent."""
    if x is None:
        return 'n/a'
    if x == 0:
        return '0'
    if abs(x) >= 10 ** digits:
        return f'{x:,.0f}'
    return f'{x:.{digits}g}' if abs(x) >= 1e-3 else f'{x:.2e}'


def timed(a, metric, scale=1.0):
    """median [lowest-highest] of a time, or n/a."""
    m = a.median(metric)
    if m is None:
        return 'n/a'
    lo, hi = a.spread(metric)
    if len(a.values[metric]) == 1:
        return num(m * scale)
    return f'{num(m * scale)} [{num(lo * scale)}–{num(hi * scale)}]'


def cpu_ms(a, metric):
    """A difference of CPU times, which the kernel counts in whole ms here."""
    m = a.median(metric)
    if m is not None and m < 1:
        return '< 1 (below what CPU time resolves)'
    return timed(a, metric)


def times(ratio):
    return num(ratio)


def count(a, metric):
    m = a.median(metric) if a else None
    return 'n/a' if m is None else num(m)


def log_log_axes(ax, xlabel, ylabel):
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()


def table(header, rows):
    out = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    out += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(out) + '\n'


class Report:
    def __init__(self, arches, out):
        self.arches = arches
        self.native = next((a for a in arches if not a.emulated), None)
        self.emulated = [a for a in arches if a.emulated]
        self.out = out
        self.plots = os.path.join(out, 'plots')
        os.makedirs(self.plots, exist_ok=True)
        self.lines = []
        self.goals = []

    def add(self, text=''):
        self.lines.append(text)

    def figure(self, fig, name, caption):
        fig.tight_layout()
        fig.savefig(os.path.join(self.plots, name), dpi=100)
        plt.close(fig)
        machine = self.native.describe() if self.native else ''
        self.add(f'![{caption}](plots/{name})\n')
        self.add(f'*{caption} Measured on {machine}.*\n')

    def goal(self, what, met, detail):
        self.goals.append((what, 'met' if met else '**not met**', detail))

    # --- sections -------------------------------------------------------------

    def machines(self):
        self.add('## Machines\n')
        rows = []
        for a in self.arches:
            m = a.machine
            how = f"under `{m.get('runner', '')}`: counts only" if a.emulated \
                else f"natively, {m.get('runs', '?')} runs"
            rows.append([a.name, m.get('cpu', '?'), m.get('cores', '?'), m.get('kernel', '?'),
                         m.get('qemu', '—'), how, m.get('date', '?')])
        self.add(table(['arch', 'CPU', 'cores', 'kernel', 'emulator', 'how', 'date'], rows))
        n = self.native
        if n:
            self.add(f"Compilers: gcc {n.machine.get('gcc', '?')}, clang "
                     f"{n.machine.get('clang', '?')}; {n.machine.get('uftrace', 'no uftrace')}.\n")
        self.add('Times are the median over the runs, with the lowest and highest in brackets; '
                 'ratios (x ...) are taken within each run, then their median; '
                 'counts (syncs, mprotect calls, instructions) are exact and the same in every run. '
                 'Under qemu only counts are reported: its times say nothing about the '
                 'architecture.\n')

    def single(self):
        self.add('## Single poke\n')
        self.add('One `tp_poke()` of one site (NOP to jump and back, 400 times), per backend. '
                 'nosync is refused on x86-64 (`-EINVAL`): no x86 transition is safe without a '
                 'sync.\n')
        header = ['backend']
        if self.native:
            header += [f'{self.native.name} µs', f'{self.native.name} p10–p90 µs']
        for a in self.arches:
            header += [f'{a.name} syncs', f'{a.name} mprotects']
        rows = []
        for b in BACKENDS:
            row = [b]
            if self.native:
                n = self.native
                row.append(timed(n, f'single.{b}.us'))
                p10, p90 = n.median(f'single.{b}.us_p10'), n.median(f'single.{b}.us_p90')
                row.append(f'{num(p10)}–{num(p90)}' if p10 is not None else 'n/a')
            for a in self.arches:
                row += [count(a, f'single.{b}.syncs'), count(a, f'single.{b}.mprotects')]
            rows.append(row)
        self.add(table(header, rows))
        if self.native:
            self.single_plot()
        self.add('System calls of one poke (strace -f natively, the emulator\'s -strace '
                 'otherwise), between two marks the benchmark makes. *membarrier* counts the '
                 'cross-core syncs and the grace period of urcu-bp, which uses membarrier too; '
                 '*openat*/*getdents64*/*read* are the scans of /proc/self/task (every thread\'s '
                 'signal mask before a breakpoint batch, every thread to park for stop_machine); '
                 'the maps cache (docs/engine.md) spares /proc/self/maps.\n')
        header = ['backend'] + [f'{a.name} syscalls' for a in self.arches]
        rows = []
        for b in BACKENDS:
            row = [b]
            for a in self.arches:
                total = a.median(f'syscalls.{b}.total')
                if total is None:
                    row.append('n/a')
                    continue
                parts = sorted(((k.split('.')[2], int(a.median(k))) for k in a.values
                                if k.startswith(f'syscalls.{b}.') and not k.endswith('.total')),
                               key=lambda p: (-p[1], p[0]))
                row.append(f'**{int(total)}**: ' + ', '.join(f'{name} {c}' for name, c in parts))
            rows.append(row)
        self.add(table(header, rows))

    def single_plot(self):
        n = self.native
        shown = [b for b in BACKENDS if n.has(f'single.{b}.us')]
        med = [n.median(f'single.{b}.us') for b in shown]
        low = [m - n.median(f'single.{b}.us_p10') for b, m in zip(shown, med)]
        high = [n.median(f'single.{b}.us_p90') - m for b, m in zip(shown, med)]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.bar(shown, med, yerr=[low, high], capsize=6, color='tab:blue')
        for i, m in enumerate(med):
            ax.text(i, m, f' {num(m)}', ha='left', va='bottom')
        ax.set_ylabel('µs per poke')
        self.figure(fig, 'single_poke.png',
                    f'Single poke on {n.name}: median time of one `tp_poke()` per backend, '
                    'whiskers from the 10th to the 90th percentile of 400 pokes (no other '
                    'thread running).')

    def batches(self):
        n = self.native
        self.add('## Batch scaling\n')
        self.add('One `tp_batch_commit()` of N sites (NOP to jump, then back), no other thread '
                 'running. *total* includes `tp_batch_new()`/`tp_batch_add()`; *commit* is the '
                 'protocol alone.\n')
        if n:
            header = ['backend', 'N', 'total ms', 'ns per site', 'commit ms', 'syncs', 'mprotects']
            rows = []
            for b in BACKENDS:
                for s in SIZES:
                    if not n.has(f'batch.{b}.{s}.ms'):
                        continue
                    per_site = n.median(f'batch.{b}.{s}.ms') * 1e6 / s
                    rows.append([b, f'{s:,}', timed(n, f'batch.{b}.{s}.ms'), num(per_site),
                                 timed(n, f'batch.{b}.{s}.commit_ms'),
                                 count(n, f'batch.{b}.{s}.syncs'),
                                 count(n, f'batch.{b}.{s}.mprotects')])
            self.add(f'### {n.name} (native)\n')
            self.add(table(header, rows))
            self.batch_plot()
        for a in self.emulated:
            self.add(f'### {a.name} (under qemu: counts)\n')
            header = ['backend'] + [f'N={s:,} syncs / mprotects' for s in SIZES]
            rows = []
            for b in BACKENDS:
                if not a.has(f'batch.{b}.1.syncs'):
                    continue
                rows.append([b] + [f"{count(a, f'batch.{b}.{s}.syncs')} / "
                                   f"{count(a, f'batch.{b}.{s}.mprotects')}" for s in SIZES])
            self.add(table(header, rows))
        self.profile_table('profile_batch', 'Where a batch of 100k sites spends its time',
                           'two breakpoint batches of 100,000 sites (NOP to jump, and back)',
                           200000, 'site')
        flat, detail = True, []
        for a in self.arches:
            for b in BACKENDS:
                syncs = [a.median(f'batch.{b}.{s}.syncs') for s in SIZES]
                if None in syncs or b == 'auto':
                    continue
                flat = flat and len(set(syncs)) == 1
                detail.append(f'{a.name} {b} {num(syncs[0])}' if len(set(syncs)) == 1
                              else f'{a.name} {b} {num(syncs[0])} to {num(syncs[-1])}')
        if detail:
            self.goal('One protocol per batch: syncs do not grow from 1 to 100,000 sites', flat,
                      ', '.join(detail))

    def batch_plot(self):
        n = self.native
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for b in BACKENDS:
            xs = [s for s in SIZES if n.has(f'batch.{b}.{s}.ms')]
            if not xs:
                continue
            total = [n.median(f'batch.{b}.{s}.ms') for s in xs]
            left.plot(xs, total, marker='o', label=b)
            right.plot(xs, [t * 1e6 / s for t, s in zip(total, xs)], marker='o', label=b)
        log_log_axes(left, 'sites per batch', 'total time per batch (ms)')
        log_log_axes(right, 'sites per batch', 'time per site (ns)')
        self.figure(fig, 'batch_scaling.png',
                    f'Batch scaling on {n.name}: median time of one batch commit (with adding '
                    'the sites) and time per site, for 1 to 100,000 sites, per backend.')

    def stall(self):
        n = self.native
        if not n or not n.has('stall.idle.p50_ns'):
            return
        workers = num(n.median('stall.workers'))
        self.add('## Worker stall\n')
        self.add(f'{workers} worker thread(s) (the CPUs less one, for the poking thread) read '
                 'CLOCK_MONOTONIC in a tight loop that calls a site of the batch; every gap '
                 'between two reads is counted. Each phase lasts 1.5 s: *idle* with no batch, '
                 'then batches of 10,000 sites and the workers\' site back to back with each '
                 'backend. On a shared 2-CPU machine the maximum is often the scheduler\'s, '
                 'not the protocol\'s: compare with *idle*.\n')
        phases = ['idle'] + [b for b in BACKENDS if n.has(f'stall.{b}.p50_ns')]
        rows = []
        for p in phases:
            rows.append([p, count(n, f'stall.{p}.batches') if p != 'idle' else '—'] +
                        [timed(n, f'stall.{p}.{q}_ns') for q in ('p50', 'p99', 'p999', 'max')] +
                        [count(n, f'stall.{p}.samples')])
        self.add(table(['phase', 'batches', 'p50 ns', 'p99 ns', 'p99.9 ns', 'max ns', 'gaps'],
                       rows))
        fig, ax = plt.subplots(figsize=(8, 4))
        quantiles = ['p50', 'p99', 'p999', 'max']
        width = 0.8 / len(phases)
        for i, p in enumerate(phases):
            ax.bar([q + i * width for q in range(len(quantiles))],
                   [n.median(f'stall.{p}.{q}_ns') for q in quantiles], width, label=p)
        ax.set_xticks([q + width * (len(phases) - 1) / 2 for q in range(len(quantiles))])
        ax.set_xticklabels(['p50', 'p99', 'p99.9', 'max'])
        ax.set_yscale('log')
        ax.set_ylabel('gap between two clock reads (ns)')
        ax.grid(True, axis='y', which='both', alpha=0.3)
        ax.legend()
        self.figure(fig, 'worker_stall.png',
                    f'Worker stall on {n.name}: percentiles of the gaps a worker thread sees in '
                    'a tight loop, with no batch and during back-to-back batches of 10,000 sites '
                    'per backend (log scale, median over the runs).')

    def trap(self):
        n = self.native
        if not n or not n.has('trap.trapped.p50_ns'):
            return
        self.add('## Trap cost\n')
        self.add('One thread calls a function whose site is in flight in breakpoint batches of '
                 '100,000 sites; each call is timed and sorted by whether the engine emulated a '
                 'trap during it. The round trip is the kernel\'s SIGTRAP delivery, the in-flight '
                 'table lookup, the emulation and the return.\n')
        rows = [[label, timed(n, f'trap.{k}.p50_ns'), timed(n, f'trap.{k}.p99_ns'),
                 count(n, f'trap.{k}.samples')]
                for label, k in (('call through an in-flight site (trapped)', 'trapped'),
                                 ('the same call, no trap', 'plain'))]
        self.add(table(['call', 'p50 ns', 'p99 ns', 'calls'], rows))

    def static_keys(self):
        n = self.native
        if not n:
            return
        self.add('## Static keys\n')
        self.add('ns per call of a function that does nothing but the check (and counts when it '
                 'is on), best of five runs of 10^8 calls, and instructions per call counted by '
                 'callgrind (exact). The LTTng-UST row is a tracepoint with no session enabling '
                 'it (liblttng-ust-dev ' + ('built and measured' if n.has('sk.lttng_off.ns')
                                            else 'not available: not measured') + '), in a '
                 'program of its own; its empty-function row is that program\'s. Its on path '
                 'is not measured: enabling it takes an LTTng session daemon (lttng-tools), '
                 'and its cost is then that of recording the event.\n')
        rows = [
            ['empty function', timed(n, 'sk.empty.ns'), '—', count(n, 'ir.call_empty')],
            ['static branch, off', timed(n, 'sk.key_off.ns'),
             times(n.ratio('sk.key_off.ns', 'sk.flag_off.ns')), count(n, 'ir.call_static_branch')],
            ['`if (flag)`, off', timed(n, 'sk.flag_off.ns'), '1', count(n, 'ir.call_flag_test')],
            ['static branch, on', timed(n, 'sk.key_on.ns'),
             times(n.ratio('sk.key_on.ns', 'sk.flag_on.ns')), '—'],
            ['`if (flag)`, on', timed(n, 'sk.flag_on.ns'), '1', '—'],
            ['LTTng-UST tracepoint, disabled', timed(n, 'sk.lttng_off.ns'),
             times(n.ratio('sk.lttng_off.ns', 'sk.flag_off.ns')),
             count(n, 'ir.call_lttng_tracepoint')],
            ['empty function (LTTng program)', timed(n, 'sk.lttng_empty.ns'), '—', '—'],
        ]
        self.add(table(['variant', 'ns per call', 'x `if (flag)` in the same state',
                        'instructions per call (off)'], rows))
        key, flag = n.median('ir.call_static_branch'), n.median('ir.call_flag_test')
        lttng = n.median('ir.call_lttng_tracepoint')
        if key is not None and flag is not None:
            self.goal('Static branch, off: cheaper than `if (flag)`' +
                      (' and an LTTng-UST tracepoint' if lttng else ''),
                      key < flag and (lttng is None or key < lttng),
                      f'{num(key)} instructions per call against {num(flag)}' +
                      (f' and {num(lttng)}' if lttng else '') + ' (its `ret` included)')
        labels = ['empty', 'static branch', 'if (flag)', 'LTTng tracepoint']
        irs = [n.median(k) for k in ('ir.call_empty', 'ir.call_static_branch',
                                     'ir.call_flag_test', 'ir.call_lttng_tracepoint')]
        if None not in irs[:3]:
            fig, ax = plt.subplots(figsize=(7, 3.5))
            shown = [(lab, v) for lab, v in zip(labels, irs) if v is not None]
            ax.bar([s[0] for s in shown], [s[1] for s in shown], color='tab:blue')
            for i, (_, v) in enumerate(shown):
                ax.text(i, v, num(v), ha='center', va='bottom')
            ax.set_ylabel('instructions per call (callgrind)')
            self.figure(fig, 'static_keys.png',
                        'Static keys, off path: instructions per call of a function that only '
                        'checks, against `if (flag)` and an LTTng-UST tracepoint\'s disabled '
                        'check; each counts the function\'s `ret`, which is all the empty '
                        'function has.')

    def tracing(self):
        n = self.native
        self.add('## Function tracing\n')
        if n and n.has('call.textpoke.off.ns'):
            self.calls_table(n)
        self.emulated_calls_table()
        self.enable_table()
        self.profile_table('profile', 'Where enabling 100k functions spends its time',
                           'one warm `tp_register_ftrace_function()` of 100,000 functions',
                           100000, 'function')

    def calls_table(self, n):
        self.add('### Per call\n')
        self.add('ns per call of the same one-line function `bench_target()`, best of five runs '
                 '(textpoke and XRay with an empty callback), and instructions per call of the '
                 'measuring loop counted by callgrind (exact; uftrace cannot run under valgrind '
                 'here). *CALL_OPS flatness*: one ops on the function costs the same whether 99 '
                 'other ops trace 99 other functions; 100 ops on the one function go through the '
                 'list ops.\n')
        rows = [
            ['plain call (no instrumentation)', '—', 'call.plain', 'call_plain'],
            ['textpoke', 'never traced (five 1-byte NOPs)', 'call.textpoke.off', 'call_textpoke_off'],
            ['textpoke', 'disabled after tracing (one NOP5)', 'call.textpoke.disabled',
             'call_textpoke_disabled'],
            ['textpoke', '1 ops, empty callback (full contract)', 'call.textpoke.ops1',
             'call_textpoke_ops1'],
            ['textpoke', '1 ops, light contract (`TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY`)',
             'call.textpoke.ops1_light', 'call_textpoke_ops1_light'],
            ['textpoke', '1 ops here, 99 on 99 other functions', 'call.textpoke.ops1_99',
             'call_textpoke_ops1_99'],
            ['textpoke', '100 ops on this function (list)', 'call.textpoke.list100',
             'call_textpoke_list100'],
            ['uftrace 0.13', 'not patched (five 1-byte NOPs, `-fpatchable-function-entry=5`)',
             'call.uftrace.off', None],
            ['uftrace 0.13', '`uftrace record -P bench_target` (records entry and exit)',
             'call.uftrace.on', None],
            ['textpoke record', '`textpoke record -F bench_target` (the agent records entry '
             'and exit)', 'call.agent.on', None],
            ['plain call through the PLT', 'into a shared object built without flags',
             'call.plt.plain', None],
            ['uftrace 0.13', '`uftrace record -F bench_target`, at the PLT (caller built '
             'with `-pg`)', 'call.plt.uftrace', None],
            ['textpoke record', '`textpoke record -F bench_target`, at the PLT (the agent\'s '
             'GOT stub)', 'call.plt.agent', None],
            ['clang XRay', 'not patched (sled)', 'call.xray.off', 'call_xray_off'],
            ['clang XRay', 'patched, empty handler', 'call.xray.on', 'call_xray_on'],
        ]
        plain_ir = n.median('ir.call_plain')
        rows = [[tracer, state, timed(n, f'{key}.ns'), times(n.ratio(f'{key}.ns', 'call.plain.ns')),
                 count(n, f'ir.{ir}') if ir else 'n/a',
                 num(n.median(f'ir.{ir}') - plain_ir) if ir and n.has(f'ir.{ir}') and plain_ir
                 else 'n/a']
                for tracer, state, key, ir in rows]
        self.add(table(['tracer', 'state', 'ns per call', 'x plain call', 'instructions per call',
                        'instructions over the plain call'], rows))
        agent_vs_uftrace = n.ratio('call.agent.on.ns', 'call.uftrace.on.ns')
        if agent_vs_uftrace:
            self.add(f'A call recorded by `textpoke record` (its agent writes entry and exit, '
                     f'as uftrace does) costs {num(agent_vs_uftrace)} times one recorded by '
                     f'`uftrace record` (median over the runs of each run\'s ratio).\n')
        plt_vs_uftrace = n.ratio('call.plt.agent.ns', 'call.plt.uftrace.ns')
        if plt_vs_uftrace:
            self.add(f'A call into a shared object recorded at the PLT by `textpoke record` '
                     f'costs {num(plt_vs_uftrace)} times one recorded there by `uftrace record` '
                     f'(median over the runs of each run\'s ratio).\n')
        light = n.median('ir.call_textpoke_ops1_light')
        for what, ir, goal in (('full contract', n.median('ir.call_textpoke_ops1'), CALL_GOAL_X86[0]),
                               ('light contract', light, CALL_GOAL_X86[1])):
            if ir and plain_ir:
                self.goal(f'{n.name}: 1 ops, {what}: ≤ {goal} instructions over the plain call',
                          ir - plain_ir <= goal, f'{num(ir - plain_ir)} (callgrind)')
        one, many = n.median('ir.call_textpoke_ops1'), n.median('ir.call_textpoke_ops1_99')
        one_ns, many_ns = n.median('call.textpoke.ops1.ns'), n.median('call.textpoke.ops1_99.ns')
        if one and many:
            self.goal('CALL_OPS flatness: 1 ops costs the same with 99 other ops registered',
                      abs(many / one - 1) <= 0.01,
                      f'{num(one)} vs {num(many)} instructions per call (callgrind); '
                      f'{num(one_ns)} vs {num(many_ns)} ns')
        keys = [('plain', 'call.plain.ns'), ('textpoke off', 'call.textpoke.off.ns'),
                ('textpoke disabled', 'call.textpoke.disabled.ns'),
                ('textpoke 1 ops', 'call.textpoke.ops1.ns'),
                ('textpoke 1 light', 'call.textpoke.ops1_light.ns'),
                ('textpoke 1+99', 'call.textpoke.ops1_99.ns'),
                ('textpoke 100 list', 'call.textpoke.list100.ns'),
                ('uftrace off', 'call.uftrace.off.ns'), ('uftrace record', 'call.uftrace.on.ns'),
                ('textpoke record', 'call.agent.on.ns'),
                ('XRay off', 'call.xray.off.ns'), ('XRay on', 'call.xray.on.ns')]
        shown = [(lab, n.median(k)) for lab, k in keys if n.has(k)]
        fig, ax = plt.subplots(figsize=(9, 4))
        colours = ['grey' if 'plain' in lab else 'tab:blue' if 'textpoke' in lab
                   else 'tab:orange' if 'uftrace' in lab else 'tab:green' for lab, _ in shown]
        ax.bar([s[0] for s in shown], [s[1] for s in shown], color=colours)
        ax.set_yscale('log')
        ax.set_ylabel('ns per call (log)')
        ax.tick_params(axis='x', rotation=30)
        self.figure(fig, 'tracing_per_call.png',
                    'Function tracing, per call: the same one-line function plain, under '
                    'textpoke (disabled, 1 ops, 1 ops among 100, 100 ops on it), uftrace 0.13 '
                    'and clang XRay.')

    def emulated_calls_table(self):
        arches = [a for a in self.emulated if a.has('ir.call_textpoke_ops1')]
        if not arches:
            return
        self.add('### Per call, arm64 and riscv64 (counted under qemu)\n')
        self.add('Instructions per call of the same loop, counted by a qemu TCG plugin '
                 '(`bench/qemu_insn_count.c`, `bench/insn_per_call.sh`): the difference between '
                 'runs of 2N and N calls in each state, so exact. *Over the plain call*: over '
                 'never traced, plus the entry NOPs a never-traced call runs (' +
                 ', '.join(f'{a.name} {ENTRY_NOPS.get(a.name, 0)}' for a in arches) + '). '
                 'qemu\'s default arm64 CPU has SVE: those arm64 counts are of the SVE '
                 'trampoline (Z0-Z7 and P0-P3 kept whole); *without SVE* is the same under '
                 '`-cpu neoverse-n1` (Q0-Q7). XRay and uftrace do not run there.\n')
        # Columns: each arch, and arm64 once more without SVE (-cpu neoverse-n1).
        columns = [(a, suffix, a.name + (' without SVE' if suffix else ''))
                   for a in arches for suffix in ('', '_nosve')
                   if a.has(f'ir.call_textpoke_ops1{suffix}')]
        header = ['state'] + [f'{name} {h}' for _, _, name in columns
                              for h in ('instructions per call', 'over the plain call')]
        rows = []
        for key, label in CALL_STATES:
            row = [label]
            for a, suffix, _ in columns:
                ir = a.median(f'ir.call_textpoke_{key}{suffix}')
                off = a.median(f'ir.call_textpoke_off{suffix}')
                plain = off - ENTRY_NOPS.get(a.name, 0) if off is not None else None
                row += [count(a, f'ir.call_textpoke_{key}{suffix}'),
                        num(ir - plain) if ir is not None and plain is not None else 'n/a']
            rows.append(row)
        self.add(table(header, rows))
        for a, suffix, name in columns:
            plain = a.median(f'ir.call_textpoke_off{suffix}') - ENTRY_NOPS.get(a.name, 0)
            for what, key, goal in (('full contract', 'ops1', CALL_GOAL_EMULATED[0]),
                                    ('light contract', 'ops1_light', CALL_GOAL_EMULATED[1])):
                ir = a.median(f'ir.call_textpoke_{key}{suffix}')
                if ir is not None:
                    self.goal(f'{name}: 1 ops, {what}: ≤ {goal} instructions over the plain call',
                              ir - plain <= goal, f'{num(ir - plain)} (qemu plugin count)')
        fig, ax = plt.subplots(figsize=(8, 4))
        width = 0.8 / len(arches)
        keys = [k for k, _ in CALL_STATES if k != 'list100']
        for i, a in enumerate(arches):
            ys = [a.median(f'ir.call_textpoke_{k}') or 0 for k in keys]
            ax.bar([x + i * width for x in range(len(keys))], ys, width, label=a.name)
        ax.set_xticks([x + width * (len(arches) - 1) / 2 for x in range(len(keys))])
        ax.set_xticklabels(keys, rotation=20)
        ax.set_ylabel('instructions per call')
        ax.legend()
        self.figure(fig, 'tracing_per_call_emulated.png',
                    'Function tracing, instructions per call on arm64 and riscv64 (qemu plugin '
                    'count), per state; the list of 100 ops is left out of the plot.')

    def enable_table(self):
        n = self.native
        self.add('### Time to enable N functions\n')
        self.add('N generated one-line functions (`bench/gen_funcs.py`), each program holding '
                 'exactly those N and the 100 of the per-call measurement. textpoke: '
                 '`tp_register_ftrace_function()` of one ops whose filter `bench_gen_*` names '
                 'the N; the first registration also initialises the sites (stop_machine), the '
                 'next ones are the warm median. uftrace: the CPU time (user and system, least of '
                 'five) of `uftrace record -P .` of a program that exits at once, less that of '
                 '`-P` naming no function: what patching adds (the wall time of a process start '
                 'on this shared machine varies by more than that). XRay: `__xray_patch()` / '
                 '`__xray_unpatch()` of every instrumented function. Neither peer has a '
                 'cross-thread protocol: uftrace patches at start-up, before `main()`, while the '
                 'process has one thread; XRay writes each sled in place and relies on the '
                 'store being atomic. textpoke enables functions of a running multi-threaded '
                 'process with the breakpoint protocol (x86-64) or nosync stores (arm64, '
                 'riscv64).\n')
        if n:
            rows = []
            for s in FUNC_SIZES:
                t = f'enable.{s}.textpoke'
                rows.append([f'{s:,}', timed(n, f'{t}.first_on.ms'), timed(n, f'{t}.on.ms'),
                             timed(n, f'{t}.off.ms'), count(n, f'{t}.on.ir'),
                             count(n, f'{t}.off.ir'), count(n, f'{t}.on.syncs'),
                             count(n, f'{t}.on.mprotects'), cpu_ms(n, f'enable.{s}.uftrace.on.ms'),
                             timed(n, f'enable.{s}.xray.on.ms'),
                             timed(n, f'enable.{s}.xray.off.ms')])
            self.add(f'{n.name} (native), ms:\n')
            self.add('Instructions per function: callgrind over one warm enable and one '
                     'disable of the N (everything the call runs, divided by N).\n')
            self.add(table(['N', 'textpoke first enable', 'textpoke enable', 'textpoke disable',
                            'instructions per function enabled',
                            'instructions per function disabled', 'syncs', 'mprotects', 'uftrace patch', 'XRay patch', 'XRay unpatch'],
                           rows))
            on = n.median('enable.100000.textpoke.on.ms')
            syncs = n.median('enable.100000.textpoke.on.syncs')
            if on is not None:
                self.goal(f'100k function entries enabled in ≤ {ENABLE_GOAL_MS} ms on x86-64',
                          on <= ENABLE_GOAL_MS,
                          f'{num(on)} ms warm '
                          f'({num(n.median("enable.100000.textpoke.on.ir"))} instructions '
                          'per function)')
                first = n.median('enable.100000.textpoke.first_on.ms')
                if first is not None:
                    self.goal(f'... the first time (with site init) in ≤ {ENABLE_FIRST_GOAL_MS} ms',
                              first <= ENABLE_FIRST_GOAL_MS, f'{num(first)} ms')
                off = n.median('enable.100000.textpoke.off.ms')
                if off is not None:
                    self.goal(f'100k function entries disabled in ≤ {DISABLE_GOAL_MS} ms',
                              off <= DISABLE_GOAL_MS,
                              f'{num(off)} ms '
                              f'({num(n.median("enable.100000.textpoke.off.ir"))} instructions '
                              'per function)')
                self.goal(f'... with ≤ {ENABLE_GOAL_SYNCS} syncs', syncs <= ENABLE_GOAL_SYNCS,
                          f'{num(syncs)} syncs, '
                          f'{num(n.median("enable.100000.textpoke.on.mprotects"))} mprotect calls')
            self.enable_plot()
        for a in self.emulated:
            rows = []
            for s in FUNC_SIZES:
                t = f'enable.{s}.textpoke'
                if a.has(f'{t}.on.syncs'):
                    rows.append([f'{s:,}', count(a, f'{t}.first_on.syncs'),
                                 count(a, f'{t}.first_on.mprotects'), count(a, f'{t}.on.syncs'),
                                 count(a, f'{t}.on.mprotects'), count(a, f'{t}.off.syncs')])
            if rows:
                self.add(f'{a.name} (under qemu: counts):\n')
                self.add(table(['N', 'first enable syncs', 'first enable mprotects',
                                'enable syncs', 'enable mprotects', 'disable syncs'], rows))

    def enable_plot(self):
        n = self.native
        fig, ax = plt.subplots(figsize=(7, 4))
        for label, key in (('textpoke (warm)', 'textpoke.on'),
                           ('textpoke (first, with site init)', 'textpoke.first_on'),
                           ('uftrace -P . (CPU time)', 'uftrace.on'),
                           ('XRay __xray_patch', 'xray.on')):
            # uftrace's CPU time below 1 ms is below what the kernel
            # resolves: not drawn.
            xs = [s for s in FUNC_SIZES if n.has(f'enable.{s}.{key}.ms') and
                  (key != 'uftrace.on' or n.median(f'enable.{s}.{key}.ms') >= 1)]
            if xs:
                ax.plot(xs, [n.median(f'enable.{s}.{key}.ms') for s in xs],
                        marker='o', label=label)
        ax.axhline(ENABLE_GOAL_MS, color='red', linestyle='--', label=f'goal: {ENABLE_GOAL_MS} ms')
        log_log_axes(ax, 'functions enabled', 'ms')
        self.figure(fig, 'tracing_enable.png',
                    f'Time to enable N functions on {n.name}: textpoke (first and warm), '
                    'uftrace 0.13\'s dynamic patching and clang XRay, median over the runs.')

    def profile_table(self, prefix, title, what, units, unit):
        """callgrind's view of one profiled call: by step, then by function."""
        n = self.native
        if not n or not n.has(f'{prefix}.total_ir'):
            return
        self.add(f'### {title}\n')
        total = n.median(f'{prefix}.total_ir')
        self.add(f'callgrind over {what}: {num(total / 1e6)} million instructions '
                 f'({num(total / units)} per {unit}).\n')
        steps = sorted(((k.split('.')[1], n.median(k)) for k in n.values
                        if k.startswith(f'{prefix}_steps.')), key=lambda r: -r[1])
        if steps:
            self.add('By step, callees included (steps nest, so the shares overlap):\n')
            self.add(table(['step', 'what it does', '% of instructions'],
                           [[f'`{f}`', PROFILE_STEPS.get(f, ''), num(p)] for f, p in steps]))
        rows = sorted(((k[len(prefix) + 1:-len('.pct')], n.median(k)) for k in n.values
                       if k.startswith(f'{prefix}.') and k.endswith('.pct')),
                      key=lambda r: -r[1])
        self.add('By function, callees excluded:\n')
        self.add(table(['function', '% of instructions'], [[f'`{f}`', num(p)] for f, p in rows]))

    def events(self):
        n = self.native
        if not n or not n.has('events.none.ns'):
            return
        self.add('## Events\n')
        self.add('The cost of a PRE+POST pair\'s emission, per event, on the engine\'s own '
                 'emission path (no text written).\n')
        rows = [[label, timed(n, f'events.{key}.ns'),
                 times(n.ratio(f'events.{key}.ns', 'events.callback.ns'))]
                for label, key in (('nobody listens', 'none'),
                                   ('one empty subscriber callback', 'callback'),
                                   ('perf.data writer, batches of 1,000 sites', 'perf_data_1000'),
                                   ('perf.data writer, batches of 1 site', 'perf_data_1'))]
        self.add(table(['sink', 'ns per event', 'x empty callback'], rows))
        self.add(f"perf.data writer throughput: {timed(n, 'events.perf_data_1000.mevents_per_s')} "
                 'million events per second in batches of 1,000.\n')

    def attach(self):
        n = self.native
        if not n or not n.has('attach.inject.ms'):
            return
        self.add('## Attach and control\n')
        self.add('`textpoke attach` loading the agent into a running program of four busy '
                 'threads (the selftests\' target, bench/attach.sh), then requests on its '
                 'control socket, each through a `textpoke-ctl` process (its start included).\n')
        rows = [[label, timed(n, metric)] for label, metric in (
            ('attach: seize, dlopen() of the agent and its server, put back', 'attach.inject.ms'),
            ('attach: the whole command', 'attach.total.ms'),
            ('ctl status request', 'ctl.status.ms'),
            ('ctl trace or untrace of one function (one batch)', 'ctl.trace.ms'))]
        self.add(table(['what', 'ms'], rows))

    def pt_decode(self):
        n = self.native
        if not n or not n.has('pt.image.ns_per_insn'):
            return
        self.add('## Intel PT decoding\n')
        self.add('tp-decode\'s path (libipt reading code through the time-indexed code image, '
                 'the trace cut where a change happens) against libipt decoding the same trace '
                 'with a static image (the program\'s text as a file section), in one run of '
                 '`bench/pt_bench.c`: '
                 f"{num(n.median('pt.insns'))} instructions of the PT tests' traced function, "
                 'the image changing its NOP5 every 1,000 calls. Debian ships no ptxed or '
                 'ptdump.\n')
        self.add(table(['decoder', 'ns per instruction'],
                       [['tp-decode --format pt (code image)', timed(n, 'pt.image.ns_per_insn')],
                        ['libipt, static image', timed(n, 'pt.static.ns_per_insn')]]))
        self.add(f"Ratio within a run: {times(n.median('pt.image.ratio'))} the time of the "
                 'static decode.\n')

    def coresight(self):
        n = self.native
        if not n or not n.has('decode_cs.tp_decode.ms'):
            return
        self.add('## CoreSight decoding\n')
        self.add('`tp-decode --snapshot` against OpenCSD\'s `trc_pkt_lister -decode_only` on the '
                 'largest OpenCSD snapshot beside the source tree (every trace ID to element '
                 f"text, {count(n, 'decode_cs.bytes')} bytes of trace, "
                 f"{count(n, 'decode_cs.elements')} elements); each time the least of three "
                 'runs, the ratio within each run (bench/decode_cs.sh).\n')
        self.add(table(['decoder', 'ms', 'x trc_pkt_lister'],
                       [['tp-decode', timed(n, 'decode_cs.tp_decode.ms'),
                         times(n.ratio('decode_cs.tp_decode.ms', 'decode_cs.trc_pkt_lister.ms'))],
                        ['trc_pkt_lister', timed(n, 'decode_cs.trc_pkt_lister.ms'), '1']]))

    def method(self):
        self.add('## How the peers were built and run\n')
        self.add('* The same source is measured under every tracer: `bench/ftrace_funcs.c` (the '
                 'measured `bench_target()` and 99 others) and the measuring loops at `-O2`, '
                 'the N generated functions at `-O1`.\n'
                 '* textpoke: the library\'s `ftrace_cflags` (here `'
                 + (self.native.machine.get('ftrace_cflags', '?') if self.native else '?') +
                 '`), gcc.\n'
                 '* uftrace 0.13 (Debian), dynamic tracing (`uftrace record -P`), gcc with '
                 '`-fpatchable-function-entry=5`. uftrace takes every record of '
                 '`__patchable_function_entries` for a function\'s entry: with the library\'s '
                 '`13,8` layout it writes its call into the 8 bytes before the function, which '
                 'never run (it reports the functions patched, and traces nothing), so its '
                 'programs use the layout it supports.\n'
                 '* clang XRay: clang 14 with `-fxray-instrument '
                 '-fxray-instrumentation-bundle=function-entry -fxray-instruction-threshold=1` '
                 '(entry sleds in every function, however small), linked by `clang++` for the '
                 'XRay runtime; the handler is set with `__xray_set_handler()`.\n'
                 '* callgrind runs with `--smc-check=all`: without it valgrind keeps running the '
                 'code as it was before a poke.\n'
                 '* Times are natively only; worker stall and trap cost need real threads on '
                 'real cores and are not measured under qemu.\n')

    def budget(self, started, finished):
        if not started or not finished:
            return
        minutes = (finished - started) / 60
        self.goal(f'`make bench` in under {BUDGET_MIN} minutes', minutes < BUDGET_MIN,
                  f'{minutes:.1f} minutes for this run of make bench, its bootstrap step and builds '
                  'included')

    def render(self, started, finished):
        self.machines()
        self.single()
        self.batches()
        self.stall()
        self.trap()
        self.static_keys()
        self.tracing()
        self.events()
        self.attach()
        self.pt_decode()
        self.coresight()
        self.method()
        self.budget(started, finished)
        body = self.lines
        self.lines = ['# textpoke benchmarks\n',
                      'Generated by `make bench` (bench/run.sh measures, bench/report.py '
                      'renders); do not edit. Benchmarks are measurements, never tests.\n',
                      '## Goals\n',
                      table(['goal', 'verdict', 'measured'], self.goals)]
        self.lines += body
        with open(os.path.join(self.out, 'REPORT.md'), 'w') as f:
            f.write('\n'.join(self.lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('arches', nargs='+')
    args = p.parse_args()
    timing = {}
    path = os.path.join(args.data, 'timing.tsv')
    if os.path.exists(path):
        with open(path) as f:
            timing = dict(line.rstrip('\n').split('\t') for line in f if '\t' in line)
    arches = [Arch(os.path.join(args.data, a), a) for a in args.arches
              if os.path.exists(os.path.join(args.data, a, 'data.tsv'))]
    Report(arches, args.out).render(float(timing['started']) if 'started' in timing else None,
                                    float(timing['finished']) if 'finished' in timing else None)


if __name__ == '__main__':
    main()
