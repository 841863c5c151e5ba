// SPDX-License-Identifier: GPL-2.0
/*
 * Writing an OpenCSD snapshot: snapshot.ini lists the devices and the
 * trace metadata; the trace buffer is raw source data (no formatter).
 */
#include <errno.h>
#include <stdio.h>

#include "etm/etm_decode.h"
#include "snapshot.h"

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "we");
}

static int close_checked(FILE *f, int err)
{
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

static int write_bytes(const char *dir, const char *name, const void *bytes, size_t len)
{
	FILE *f = open_in(dir, name);

	if (!f)
		return -errno;
	return close_checked(f, fwrite(bytes, 1, len, f) == len ? 0 : -EIO);
}

static int write_text(const char *dir, const char *name, const char *text)
{
	FILE *f = open_in(dir, name);

	if (!f)
		return -errno;
	return close_checked(f, fputs(text, f) < 0 ? -EIO : 0);
}

static int write_core(const char *dir, const struct snapshot_memory *mem)
{
	FILE *f = open_in(dir, "cpu_0.ini");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "[device]\nname=cpu_0\nclass=core\ntype=ARM-AA64\n\n"
		      "[regs]\nPC(size:64)=0\nSP(size:64)=0\n\n"
		      "[dump1]\nfile=code.bin\naddress=0x%llx\nlength=0x%zx\n",
		      (unsigned long long)mem->addr, mem->len) < 0 ? -EIO : 0;
	return close_checked(f, err);
}

static int write_etm(const char *dir, const ocsd_etmv4_cfg *cfg)
{
	FILE *f = open_in(dir, "etm_0.ini");
	int err;

	if (!f)
		return -errno;
	err = fputs("[device]\nname=ETM_0\nclass=trace_source\ntype=ETM4\n\n[regs]\n", f) < 0 ?
	      -EIO : etm_config_write(f, cfg);
	return close_checked(f, err);
}

int snapshot_write(const char *dir, const ocsd_etmv4_cfg *cfg, const void *trace, size_t len,
		   const struct snapshot_memory *mem)
{
	int err;

	err = write_text(dir, "snapshot.ini",
			 "[snapshot]\nversion=1.0\n\n[device_list]\n"
			 "device0=cpu_0.ini\ndevice1=etm_0.ini\n\n[trace]\nmetadata=trace.ini\n");
	if (!err)
		err = write_text(dir, "trace.ini",
				 "[trace_buffers]\nbuffers=buffer0\n\n"
				 "[buffer0]\nname=ETB_0\nfile=trace.bin\nformat=source_data\n\n"
				 "[source_buffers]\nETM_0=ETB_0\n\n"
				 "[core_trace_sources]\ncpu_0=ETM_0\n");
	if (!err)
		err = write_core(dir, mem);
	if (!err)
		err = write_etm(dir, cfg);
	if (!err)
		err = write_bytes(dir, "trace.bin", trace, len);
	if (!err)
		err = write_bytes(dir, "code.bin", mem->bytes, mem->len);
	return err;
}
