/* SPDX-License-Identifier: MIT */
/* Owners' pseudonyms: the HMAC against RFC 4231's test vector, pseudonyms against values
 * computed outside the engine (Python's hmac), their stability and the folding of names; the key
 * file that keygen makes, and each key file that loading refuses. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "core/core.h"

static pr_context *ctx;
static char dir[] = "/tmp/pr-unit-pseudonym-XXXXXX";

/* The path of name in the test's folder (one static buffer). */
static const char *in_dir(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* Writes text to name in the test's folder with mode; returns its path. */
static const char *write_key(const char *name, const char *text, mode_t mode)
{
	const char *path = in_dir(name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return path;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* RFC 4231, test case 2. */
static void test_hmac_rfc4231(void)
{
	uint8_t digest[PR_SHA256_SIZE];
	char hex[2 * PR_SHA256_SIZE + 1];
	const char *data = "what do ya want for nothing?";
	pr_hmac_sha256((const uint8_t *)"Jefe", 4, data, strlen(data), digest);
	pr_hex(digest, sizeof digest, hex);
	ASSERT_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static const char key_text[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Expected values from Python: hmac.new(key, folded name, sha256).hexdigest()[:12]. */
static void test_pseudonym_values(void)
{
	pr_pseudonym_key key = {(uint8_t *)key_text, strlen(key_text)};
	char out[PR_PSEUDONYM_SIZE];
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont Jean", out), 0);
	ASSERT_STR_EQ(out, "own-66e75d42bddd");
	ASSERT_INT_EQ(pr_pseudonym(&key, "Société Immobilière Bruxelloise", out), 0);
	ASSERT_STR_EQ(out, "own-dd595976efeb"); /* "societe immobiliere bruxelloise" */
	pr_pseudonym_key jefe = {(uint8_t *)"Jefe", 4};
	ASSERT_INT_EQ(pr_pseudonym(&jefe, "What do ya want for nothing?", out), 0);
	ASSERT_STR_EQ(out, "own-a0f14ba01801");
	ASSERT_INT_EQ((int)strlen(out), PR_PSEUDONYM_SIZE - 1);
}

/* Case, accents, punctuation and spacing are folded; word order and street abbreviations are
 * not (an owner "St Pierre" is not "Saint Pierre"). */
static void test_pseudonym_folding(void)
{
	pr_pseudonym_key key = {(uint8_t *)key_text, strlen(key_text)};
	char a[PR_PSEUDONYM_SIZE], b[PR_PSEUDONYM_SIZE];
	static const char *const same[] = {"DUPONT  Jean", " dupont jean ", "Dupont, Jean",
					   "Dupont-Jean", "DUPONT\tJEAN"};
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont Jean", a), 0);
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		ASSERT_INT_EQ(pr_pseudonym(&key, same[i], b), 0);
		ASSERT_STR_EQ(b, a);
	}
	ASSERT_INT_EQ(pr_pseudonym(&key, "Jean Dupont", b), 0);
	ASSERT_TRUE(strcmp(a, b) != 0);
	ASSERT_INT_EQ(pr_pseudonym(&key, "Société Générale", a), 0);
	ASSERT_INT_EQ(pr_pseudonym(&key, "SOCIETE GENERALE", b), 0);
	ASSERT_STR_EQ(b, a);
	ASSERT_INT_EQ(pr_pseudonym(&key, "St Pierre", a), 0);
	ASSERT_INT_EQ(pr_pseudonym(&key, "Saint Pierre", b), 0);
	ASSERT_TRUE(strcmp(a, b) != 0);
	/* Another key, another pseudonym. */
	pr_pseudonym_key other = {(uint8_t *)"another key of thirty-two bytes!", 32};
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont Jean", a), 0);
	ASSERT_INT_EQ(pr_pseudonym(&other, "Dupont Jean", b), 0);
	ASSERT_TRUE(strcmp(a, b) != 0);
	/* No owner, or one without letters or digits: no pseudonym. */
	ASSERT_INT_EQ(pr_pseudonym(&key, NULL, a), 0);
	ASSERT_STR_EQ(a, "");
	ASSERT_INT_EQ(pr_pseudonym(&key, "", a), 0);
	ASSERT_STR_EQ(a, "");
	ASSERT_INT_EQ(pr_pseudonym(&key, " - ", a), 0);
	ASSERT_STR_EQ(a, "");
	/* Text that is not UTF-8 still gets a stable pseudonym of its own. */
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont \xe9", a), 0);
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont \xe9", b), 0);
	ASSERT_TRUE(strncmp(a, "own-", 4) == 0);
	ASSERT_STR_EQ(b, a);
}

/* keygen's file: mode 0600, 64 hex digits and a newline, loaded as a 64-byte key; a second
 * keygen on the same path is refused and leaves the key as it was. */
static void test_keygen(void)
{
	const char *path = in_dir("made.key");
	char first[128] = "", again[128] = "";
	ASSERT_INT_EQ(pr_keygen(ctx, path), 0);
	struct stat st;
	ASSERT_INT_EQ(stat(path, &st), 0);
	ASSERT_INT_EQ(st.st_mode & 07777, 0600);
	FILE *f = fopen(path, "rb");
	ASSERT_TRUE(f != NULL);
	size_t n = fread(first, 1, sizeof first - 1, f);
	fclose(f);
	ASSERT_INT_EQ(n, 65);
	ASSERT_INT_EQ(strspn(first, "0123456789abcdef"), 64);
	ASSERT_TRUE(first[64] == '\n');
	pr_pseudonym_key key = {0};
	ASSERT_INT_EQ(pr_pseudonym_key_load(ctx, path, &key), 0);
	ASSERT_INT_EQ(key.size, 64);
	ASSERT_TRUE(memcmp(key.bytes, first, 64) == 0);
	pr_pseudonym_key_free(&key);
	ASSERT_TRUE(key.bytes == NULL);
	pr_pseudonym_key_free(&key); /* twice is harmless */

	ASSERT_INT_EQ(pr_keygen(ctx, path), PR_ECANTCREAT);
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "exists");
	f = fopen(path, "rb");
	ASSERT_TRUE(f != NULL);
	n = fread(again, 1, sizeof again - 1, f);
	fclose(f);
	ASSERT_STR_EQ(again, first);
	/* Two keys made one after the other differ. */
	ASSERT_INT_EQ(pr_keygen(ctx, in_dir("other.key")), 0);
	f = fopen(in_dir("other.key"), "rb");
	ASSERT_TRUE(f != NULL);
	n = fread(again, 1, sizeof again - 1, f);
	fclose(f);
	ASSERT_TRUE(strcmp(again, first) != 0);
}

/* Loading refuses with PR_ECONFIG, naming the file; the key is left untouched. */
static void expect_refused(const char *path, const char *why)
{
	pr_pseudonym_key key = {(uint8_t *)"untouched", 9};
	int r = pr_pseudonym_key_load(ctx, path, &key);
	if (r != PR_ECONFIG)
		FAIL_AT("%s: status %d, expected PR_ECONFIG (%s)", path, r, pr_context_errmsg(ctx));
	else if (!strstr(pr_context_errmsg(ctx), path) || !strstr(pr_context_errmsg(ctx), why))
		FAIL_AT("message '%s' lacks '%s' or '%s'", pr_context_errmsg(ctx), path, why);
	else if (key.size != 9)
		FAIL_AT("%s: the key was written on failure", path);
}

static void test_key_load_failures(void)
{
	char text[64];
	/* 31 bytes and a newline: one short. */
	snprintf(text, sizeof text, "%.31s\n", key_text);
	expect_refused(write_key("short.key", text, 0600), "fewer than 32");
	expect_refused(write_key("empty.key", "", 0600), "fewer than 32");
	expect_refused(write_key("others.key", key_text, 0644), "open to others");
	expect_refused(write_key("writable.key", key_text, 0602), "open to others");
	expect_refused(in_dir("missing.key"), "No such file");
	expect_refused(dir, "not a regular file");
	char big[5000];
	memset(big, 'k', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	expect_refused(write_key("big.key", big, 0600), "not a key file");
	pr_pseudonym_key key = {0};
	ASSERT_INT_EQ(pr_pseudonym_key_load(ctx, NULL, &key), PR_ECONFIG);
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "pseudonym_key_file");
}

/* What loads: exactly 32 bytes, group-readable, a CRLF end; the line end is not part of the
 * key, so the same key written with or without it gives the same pseudonyms. */
static void test_key_load_accepts(void)
{
	char text[80];
	pr_pseudonym_key key = {0};
	snprintf(text, sizeof text, "%.32s", key_text);
	ASSERT_INT_EQ(pr_pseudonym_key_load(ctx, write_key("32.key", text, 0600), &key), 0);
	ASSERT_INT_EQ(key.size, 32);
	pr_pseudonym_key_free(&key);
	snprintf(text, sizeof text, "%s\r\n", key_text);
	ASSERT_INT_EQ(pr_pseudonym_key_load(ctx, write_key("crlf.key", text, 0640), &key), 0);
	ASSERT_INT_EQ(key.size, 64);
	char out[PR_PSEUDONYM_SIZE];
	ASSERT_INT_EQ(pr_pseudonym(&key, "Dupont Jean", out), 0);
	ASSERT_STR_EQ(out, "own-66e75d42bddd");
	pr_pseudonym_key_free(&key);
}

int main(void)
{
	if (pr_context_new(&ctx) < 0 || !mkdtemp(dir))
		return 2;
	RUN(test_hmac_rfc4231);
	RUN(test_pseudonym_values);
	RUN(test_pseudonym_folding);
	RUN(test_keygen);
	RUN(test_key_load_failures);
	RUN(test_key_load_accepts);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
