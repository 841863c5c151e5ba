// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Following the program where it goes, without its help: the agent's
 * own dlopen() and dlclose() come before libc's (it is preloaded) and
 * have the library trace the objects loaded since; its exec functions
 * write out what the process recorded before the image is replaced
 * (the new image loads the agent again: LD_PRELOAD and TEXTPOKE_* are
 * in its environment, put back when the caller's environment lost them);
 * _exit() writes it out too, since it skips the destructors, and removes
 * the control socket's file; an exec stops the control server (its file
 * would outlive it) and starts it again when the exec fails.
 * posix_spawn() and posix_spawnp() put the agent's variables back into
 * the child's environment too.  fork() needs nothing here (agent.c's
 * fork handler), nor does system(), whose child gets the environment.
 *
 * A child of vfork() shares the parent's memory: it must not touch the
 * agent's state, and is recognised by its pid.
 */
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_internal.h"
#include "ctl_server.h"

static void *next_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

AGENT_API void *dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	void *h;

	if (!real)
		real = (void *(*)(const char *, int))next_fn("dlopen");
	if (!real)
		return NULL;
	h = real(file, mode);
	if (h && getpid() == agent_pid)
		agent_objects_changed();
	return h;
}

AGENT_API int dlclose(void *handle)
{
	static int (*real)(void *);
	int ret;

	if (!real)
		real = (int (*)(void *))next_fn("dlclose");
	if (!real)
		return -1;
	ret = real(handle);
	if (!ret && getpid() == agent_pid)
		agent_objects_changed();
	return ret;
}

/* The variables a child needs to load the agent as its parent did. */
static const char *const inherited[] = {
	"LD_PRELOAD", "TEXTPOKE_DIR", "TEXTPOKE_FILTER", "TEXTPOKE_NOTRACE",
	"TEXTPOKE_DEPTH", "TEXTPOKE_TIME_FILTER", "TEXTPOKE_TIDS", "TEXTPOKE_VERBOSE",
	"TEXTPOKE_PLT",
};

static bool has_var(char *const envp[], const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return true;
	return false;
}

/*
 * @envp with the agent's variables it lacks, from this process's
 * environment; @envp itself when it lacks none (or memory ran out).
 */
static char *const *child_env(char *const envp[], char ***owned)
{
	size_t n = 0, add = 0, i;
	char **env;

	*owned = NULL;
	while (envp && envp[n])
		n++;
	for (i = 0; i < sizeof(inherited) / sizeof(*inherited); i++)
		if (getenv(inherited[i]) && !has_var(envp, inherited[i]))
			add++;
	if (!add)
		return envp;
	env = malloc((n + add + 1) * sizeof(*env));
	if (!env)
		return envp;
	if (n)
		memcpy(env, envp, n * sizeof(*env));
	for (i = 0; i < sizeof(inherited) / sizeof(*inherited); i++) {
		const char *v = getenv(inherited[i]);

		if (v && !has_var(envp, inherited[i]) &&
		    asprintf(&env[n], "%s=%s", inherited[i], v) >= 0)
			n++;
	}
	env[n] = NULL;
	*owned = env;
	return env;
}

static void free_env(char **env, char *const *orig)
{
	size_t i, n = 0;

	if (!env)
		return;
	while (orig && orig[n])
		n++;
	for (i = n; env[i]; i++)
		free(env[i]);
	free(env);
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

static int exec_traced(const char *name, const char *path, char *const argv[],
		       char *const envp[])
{
	execve_fn real = (execve_fn)next_fn(name);
	char **owned = NULL;
	char *const *env;
	bool served;
	int ret, saved;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (getpid() != agent_pid)	/* a vfork() child: hands off */
		return real(path, argv, envp);
	env = child_env(envp, &owned);
	/* no socket of this pid left to a new image that may not serve it */
	served = !agent_ctl_stop();
	agent_suspend();
	ret = real(path, argv, env);
	saved = errno;
	agent_resume();
	if (served)
		agent_ctl_start();
	free_env(owned, envp);
	errno = saved;
	return ret;
}

AGENT_API int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_traced("execve", path, argv, envp);
}

AGENT_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_traced("execvpe", file, argv, envp);
}

AGENT_API int execv(const char *path, char *const argv[])
{
	return exec_traced("execve", path, argv, environ);
}

AGENT_API int execvp(const char *file, char *const argv[])
{
	return exec_traced("execvpe", file, argv, environ);
}

/* The execl family: its arguments into an array, then as above. */
static char **collect_args(const char *arg0, va_list ap, char ***envp)
{
	size_t n = 1, cap = 16;
	char **argv = malloc(cap * sizeof(*argv)), **grown;
	const char *a;

	if (!argv)
		return NULL;
	argv[0] = (char *)arg0;
	do {
		a = va_arg(ap, const char *);
		if (n == cap) {
			grown = realloc(argv, (cap *= 2) * sizeof(*argv));
			if (!grown) {
				free(argv);
				return NULL;
			}
			argv = grown;
		}
		argv[n++] = (char *)a;
	} while (a);
	if (envp)
		*envp = va_arg(ap, char **);
	return argv;
}

static int execl_common(const char *name, const char *path, const char *arg0,
			va_list ap, bool with_env)
{
	char **env = environ, **argv;
	int ret;

	argv = collect_args(arg0, ap, with_env ? &env : NULL);
	if (!argv) {
		errno = ENOMEM;
		return -1;
	}
	ret = exec_traced(name, path, argv, env);
	free(argv);
	return ret;
}

AGENT_API int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common("execve", path, arg, ap, false);
	va_end(ap);
	return ret;
}

AGENT_API int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common("execvpe", file, arg, ap, false);
	va_end(ap);
	return ret;
}

AGENT_API int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = execl_common("execve", path, arg, ap, true);
	va_end(ap);
	return ret;
}

AGENT_API void _exit(int status)
{
	void (*real)(int) = (void (*)(int))next_fn("_exit");

	if (getpid() == agent_pid) {
		agent_finish();
		agent_ctl_gone();
	}
	if (real)
		real(status);
	_Exit(status);
}

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static int spawn_traced(const char *name, pid_t *pid, const char *path,
			const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	spawn_fn real = (spawn_fn)next_fn(name);
	char **owned = NULL;
	char *const *env;
	int ret;

	if (!real)
		return ENOSYS;
	if (getpid() != agent_pid)
		return real(pid, path, actions, attr, argv, envp);
	env = child_env(envp, &owned);
	ret = real(pid, path, actions, attr, argv, env);
	free_env(owned, envp);
	return ret;
}

AGENT_API int posix_spawn(pid_t *pid, const char *path,
			  const posix_spawn_file_actions_t *actions,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_traced("posix_spawn", pid, path, actions, attr, argv, envp);
}

AGENT_API int posix_spawnp(pid_t *pid, const char *file,
			   const posix_spawn_file_actions_t *actions,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_traced("posix_spawnp", pid, file, actions, attr, argv, envp);
}
