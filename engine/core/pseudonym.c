/* SPDX-License-Identifier: MIT */
/* Keyed pseudonyms for owners: "own-" and the first 12 hex digits of HMAC-SHA-256 (nettle's)
 * over the owner's name folded as street names are, with a key kept in a file of its own. The
 * same owner gets the same pseudonym every month while the key stays the same, so a planner can
 * follow a portfolio; without the key nobody can test a name against a pseudonym. Also the key
 * file: making one (keygen) and reading one with the checks that keep it private. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address/address.h"
#include "core/core.h"

/* The key is the key file's bytes, less one line end at the end ("\n" or "\r\n"): keygen's 64
 * hex digits are used as they are, as text, not decoded, so that a key made another way (such
 * as `head -c 32 /dev/urandom`) works too. At least this many bytes: */
#define KEY_MIN_BYTES 32
/* A key file longer than this is not one (a data file named by mistake). */
#define KEY_MAX_BYTES 4096
/* What keygen writes: this many random bytes, as twice as many hex digits and a newline. */
#define KEYGEN_BYTES 32

void pr_pseudonym_key_free(pr_pseudonym_key *key)
{
	if (!key)
		return;
	if (key->bytes) {
		explicit_bzero(key->bytes, key->size);
		free(key->bytes);
	}
	key->bytes = NULL;
	key->size = 0;
}

int pr_pseudonym_key_load(pr_context *ctx, const char *path, pr_pseudonym_key *key)
{
	uint8_t buf[KEY_MAX_BYTES + 1];
	size_t n = 0;
	int fd = -1, r = 0;
	struct stat st;

	if (!path || !*path)
		return pr_error(ctx, PR_ECONFIG,
				"no pseudonym key file: give one as [run] pseudonym_key_file (make "
				"one with parcelrisk keygen FILE)");
	/* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = pr_error(ctx, PR_ECONFIG, "pseudonym key file %s: cannot open it: %s%s", path,
			     strerror(errno),
			     errno == ENOENT ? " (make one with parcelrisk keygen FILE)" : "");
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		r = pr_error(ctx, PR_ECONFIG, "pseudonym key file %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		r = pr_error(ctx, PR_ECONFIG, "pseudonym key file %s is not a regular file", path);
		goto done;
	}
	if (st.st_mode & 007) {
		r = pr_error(ctx, PR_ECONFIG,
			     "pseudonym key file %s is open to others (mode %04o): whoever reads "
			     "it can test names against the pseudonyms; chmod 600 it, or 640 for "
			     "a group",
			     path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, sizeof buf - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = pr_error(ctx, PR_ECONFIG, "pseudonym key file %s: cannot read it: %s",
				     path, strerror(errno));
			goto done;
		}
		if (got == 0 || (n += (size_t)got) == sizeof buf)
			break;
	}
	if (n > KEY_MAX_BYTES) {
		r = pr_error(ctx, PR_ECONFIG,
			     "pseudonym key file %s is larger than %d bytes: not a key file", path,
			     KEY_MAX_BYTES);
		goto done;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n -= n > 1 && buf[n - 2] == '\r' ? 2 : 1;
	if (n < KEY_MIN_BYTES) {
		r = pr_error(ctx, PR_ECONFIG,
			     "pseudonym key file %s holds %zu bytes of key, fewer than %d (make "
			     "one with parcelrisk keygen FILE)",
			     path, n, KEY_MIN_BYTES);
		goto done;
	}
	key->bytes = malloc(n);
	if (!key->bytes) {
		r = PR_ENOMEM;
		goto done;
	}
	memcpy(key->bytes, buf, n);
	key->size = n;
done:
	explicit_bzero(buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int pr_pseudonym(const pr_pseudonym_key *key, const char *owner, char out[PR_PSEUDONYM_SIZE])
{
	out[0] = '\0';
	if (!owner || !*owner)
		return 0;
	/* Folded as street names are (case, accents, punctuation, spacing), without the street
	 * abbreviations (no table). Text the folding refuses (not UTF-8, or longer than any name)
	 * is used as it is, so that its pseudonym is stable too. */
	char *folded = pr_address_normalise(NULL, owner);
	if (!folded && errno == ENOMEM)
		return PR_ENOMEM;
	const char *name = folded ? folded : owner;
	if (!*name) {
		free(folded);
		return 0;
	}
	uint8_t digest[PR_SHA256_SIZE];
	pr_hmac_sha256(key->bytes, key->size, name, strlen(name), digest);
	free(folded);
	memcpy(out, "own-", 4);
	pr_hex(digest, (PR_PSEUDONYM_SIZE - 5) / 2, out + 4);
	return 0;
}

/* Writes all of buf to fd. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t done = write(fd, buf, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		buf += done;
		n -= (size_t)done;
	}
	return true;
}

int pr_keygen(pr_context *ctx, const char *path)
{
	uint8_t random[KEYGEN_BYTES];
	char text[2 * KEYGEN_BYTES + 2];
	int r = 0;

	/* getrandom() waits for the kernel's pool at boot, and answers up to 256 bytes whole. */
	ssize_t got;
	do
		got = getrandom(random, sizeof random, 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof random)
		return pr_error(ctx, PR_EINTERNAL, "cannot draw random bytes for a key: %s",
				got < 0 ? strerror(errno) : "too few");
	pr_hex(random, sizeof random, text);
	explicit_bzero(random, sizeof random);
	strcat(text, "\n");

	/* Never over an existing file (a new key changes every pseudonym), nor through a link. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = errno == EEXIST ? pr_error(ctx, PR_ECANTCREAT,
					       "%s exists: keygen never replaces a key, since a "
					       "new key changes every pseudonym; to replace it, "
					       "remove it first",
					       path)
				    : pr_error(ctx, PR_ECANTCREAT, "cannot create %s: %s", path,
					       strerror(errno));
		goto done;
	}
	if (!write_all(fd, text, strlen(text)) || fsync(fd) != 0) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto done;
	}
	if (close(fd) != 0) {
		r = pr_error(ctx, PR_ECANTCREAT, "cannot write %s: %s", path, strerror(errno));
		unlink(path);
	}
done:
	explicit_bzero(text, sizeof text);
	return r;
}
