/* SPDX-License-Identifier: MIT */
/* One run at a time per output: a lock on a hidden file beside the output (.NAME.lock), held for
 * the whole run, so that a monthly job started twice fails clearly instead of racing. The lock
 * file stays (removing it would let two runs lock different files); temporaries that a killed
 * run left behind are removed once the lock is held, since no other run can be writing them. */
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/output.h"

char *pr_output_beside(const char *path, const char *suffix)
{
	char *dir = pr_dirname(path);
	char *out = NULL;
	if (dir && asprintf(&out, "%s/.%s%s", dir, pr_basename(path), suffix) < 0)
		out = NULL;
	free(dir);
	return out;
}

char *pr_output_temporary(const char *path, const char *extension)
{
	char suffix[64];
	snprintf(suffix, sizeof suffix, ".%ld.tmp.%s", (long)getpid(), extension);
	return pr_output_beside(path, suffix);
}

/* Removes ".NAME.<pid>.tmp.gpkg" (and its SQLite journal) beside out_path: exactly this
 * output's temporaries, never another output's whose name merely starts the same. */
static void remove_stale_temporaries(const char *out_path)
{
	char *dir = pr_dirname(out_path);
	const char *base = pr_basename(out_path);
	DIR *d = dir ? opendir(dir) : NULL;
	size_t n = strlen(base);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		const char *name = e->d_name;
		if (name[0] != '.' || strncmp(name + 1, base, n) != 0 || name[1 + n] != '.')
			continue;
		const char *p = name + n + 2;
		if (!isdigit((unsigned char)*p))
			continue;
		while (isdigit((unsigned char)*p))
			p++;
		if (strcmp(p, ".tmp.gpkg") != 0 && strcmp(p, ".tmp.gpkg-journal") != 0 &&
		    strcmp(p, ".tmp.gpkg-wal") != 0 && strcmp(p, ".tmp.gpkg-shm") != 0)
			continue;
		char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, name) >= 0) {
			unlink(path);
			free(path);
		}
	}
	if (d)
		closedir(d);
	free(dir);
}

int pr_output_lock(pr_context *ctx, const char *out_path, int *ret_fd)
{
	char *lock_path = pr_output_beside(out_path, ".lock");
	int r = 0, fd = -1;
	if (!lock_path) {
		r = PR_ENOMEM;
		goto done;
	}
	/* Never through a link: a link planted at the lock's name would make the run create or
	 * truncate a file elsewhere. */
	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot create %s: %s%s", lock_path,
			     strerror(errno),
			     errno == ELOOP ? " (it is a symbolic link; remove it)" : "");
		goto done;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK
			? pr_error(ctx, PR_EBUSY,
				   "another parcelrisk run is writing %s (it holds %s); wait for "
				   "it to finish or write elsewhere with -o",
				   out_path, lock_path)
			: pr_error(ctx, PR_ECANTCREAT, "cannot lock %s: %s", lock_path,
				   strerror(errno));
		goto done;
	}
	remove_stale_temporaries(out_path);
	*ret_fd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	free(lock_path);
	return r;
}

void pr_output_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}

int pr_output_commit(pr_context *ctx, const char *tmp, const char *path)
{
	/* The data on disk before the name: after a power cut the old file or the whole new one,
	 * never a new name on missing data. */
	int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) != 0) {
		int r = pr_error(ctx, PR_ECANTCREAT, "cannot flush %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* Created under a narrowed umask already (pr_output_umask_narrow); checked here, so that
	 * no output is moved into place readable by others whatever made it. */
	struct stat st;
	if (fstat(fd, &st) != 0 || ((st.st_mode & 07777 & ~PR_OUTPUT_MODE) &&
				    fchmod(fd, st.st_mode & PR_OUTPUT_MODE) != 0)) {
		int r = pr_error(ctx, PR_ECANTCREAT, "cannot make %s private: %s", tmp,
				 strerror(errno));
		close(fd);
		return r;
	}
	close(fd);
	if (rename(tmp, path) != 0)
		return pr_error(ctx, PR_ECANTCREAT, "cannot move %s into place as %s: %s", tmp,
				path, strerror(errno));
	char *dir = pr_dirname(path);
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		fsync(dfd); /* best effort: some file systems refuse it on folders */
		close(dfd);
	}
	free(dir);
	return 0;
}
