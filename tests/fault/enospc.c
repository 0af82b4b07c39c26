/* SPDX-License-Identifier: MIT */
/* A full disk, for tests: preloaded (LD_PRELOAD), it lets writes to files whose path contains
 * PR_FAULT_PATH through until PR_FAULT_BYTES bytes have been written to them, then fails every
 * further one with ENOSPC, as a disk that fills up during a run would. It wraps the calls GDAL
 * and SQLite write through: fwrite (GDAL's files), write, pwrite and pwrite64. (The project's
 * build defines _GNU_SOURCE, which dlsym's RTLD_NEXT needs.) */
/* Both pwrite and pwrite64 are wrapped by name: the 64-bit file-offset renaming would make them
 * one symbol. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_llong written;

/* True when fd is a file this fault applies to. */
static bool targeted(int fd)
{
	const char *pattern = getenv("PR_FAULT_PATH");
	if (!pattern || fd < 0)
		return false;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	return strstr(path, pattern) != NULL;
}

/* Counts size bytes against the budget; false once the disk is "full". */
static bool room_for(int fd, size_t size)
{
	if (!targeted(fd))
		return true;
	const char *budget = getenv("PR_FAULT_BYTES");
	long long limit = budget ? atoll(budget) : 0;
	if (atomic_fetch_add(&written, (long long)size) + (long long)size <= limit)
		return true;
	errno = ENOSPC;
	return false;
}

size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f)
{
	static size_t (*real)(const void *, size_t, size_t, FILE *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fwrite");
	if (!room_for(fileno(f), size * n))
		return 0;
	return real(ptr, size, n, f);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	if (!room_for(fd, count))
		return -1;
	return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite");
	if (!room_for(fd, count))
		return -1;
	return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset)
{
	static ssize_t (*real)(int, const void *, size_t, off64_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite64");
	if (!room_for(fd, count))
		return -1;
	return real(fd, buf, count, offset);
}
