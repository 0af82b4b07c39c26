/* SPDX-License-Identifier: MIT */
/* SHA-256 fingerprints of the model and the inputs for run_info, through nettle, streaming so
 * that a national input is never held in memory for it; and nettle's HMAC-SHA-256, for the
 * owners' pseudonyms. */
#include <stdio.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "core/core.h"

void pr_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static void to_hex(const uint8_t *digest, char out[65])
{
	pr_hex(digest, SHA256_DIGEST_SIZE, out);
}

void pr_sha256_hex(const void *data, size_t size, char out[65])
{
	struct sha256_ctx sha;
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_init(&sha);
	sha256_update(&sha, size, data);
	sha256_digest(&sha, sizeof digest, digest);
	to_hex(digest, out);
}

void pr_hmac_sha256(const uint8_t *key, size_t key_size, const void *data, size_t size,
		    uint8_t out[PR_SHA256_SIZE])
{
	struct hmac_sha256_ctx hmac;
	hmac_sha256_set_key(&hmac, key_size, key);
	hmac_sha256_update(&hmac, size, data);
	hmac_sha256_digest(&hmac, SHA256_DIGEST_SIZE, out);
	/* Its state holds the key, padded. */
	explicit_bzero(&hmac, sizeof hmac);
}

bool pr_sha256_file(const char *path, char out[65])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	struct sha256_ctx sha;
	uint8_t digest[SHA256_DIGEST_SIZE];
	static __thread uint8_t buf[1 << 16];
	size_t got;
	sha256_init(&sha);
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&sha, got, buf);
	bool ok = !ferror(f);
	fclose(f);
	sha256_digest(&sha, sizeof digest, digest);
	if (ok)
		to_hex(digest, out);
	return ok;
}
