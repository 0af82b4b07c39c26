/* SPDX-License-Identifier: MIT */
/* SHA-256 fingerprints of the model and the inputs for run_info, through nettle, streaming so
 * that a national input is never held in memory for it. */
#include <stdio.h>

#include <nettle/sha2.h>

#include "core/core.h"

static void to_hex(const uint8_t *digest, char out[65])
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
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
