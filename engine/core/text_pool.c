/* SPDX-License-Identifier: MIT */
/* Text values stored once: the strings of a column one after the other in one growing buffer,
 * each value a 32-bit offset into it. While most values repeat (owners, categories, streets)
 * a hash table finds the earlier copy; a column of mostly distinct values (ids) stops looking,
 * and the table is freed. Either way a value costs its bytes, its NUL and four bytes, not a
 * pointer and an allocation of its own. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

uint32_t pr_hash_bytes(const void *bytes, size_t len)
{
	/* Eight bytes at a time, each word multiplied into the state, then MurmurHash3's
	 * finaliser (the low bits pick the slot): a byte at a time, hashing the short keys cost
	 * more than finding them. The length goes in first, so that a key and the same key with
	 * NUL bytes after it differ. */
	const unsigned char *key = bytes;
	uint64_t h = 0xcbf29ce484222325u ^ ((uint64_t)len * 0x9e3779b97f4a7c15u);
	while (len > 0) {
		uint64_t w = 0;
		size_t n = len < 8 ? len : 8;
		memcpy(&w, key, n);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
		key += n;
		len -= n;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* Values added before the pool judges whether looking for copies pays, and the share of
 * distinct values (in eighths) above which it stops: beyond it, the table costs more than the
 * copies it saves. */
#define JUDGE_AFTER	65536
#define MOSTLY_DISTINCT 7

void pr_text_pool_free(pr_text_pool *pool)
{
	if (!pool)
		return;
	free(pool->bytes);
	free(pool->slots);
	memset(pool, 0, sizeof *pool);
}

/* From now on values are appended without looking for an earlier copy. */
static void stop_looking(pr_text_pool *pool)
{
	free(pool->slots);
	pool->slots = NULL;
	pool->slot_count = 0;
	pool->plain = true;
}

void pr_text_pool_freeze(pr_text_pool *pool)
{
	stop_looking(pool);
	/* The buffer grew by doubling: give back what it will not use. */
	if (pool->bytes && pool->cap > pool->len) {
		char *b = realloc(pool->bytes, pool->len);
		if (b) {
			pool->bytes = b;
			pool->cap = pool->len;
		}
	}
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const pr_text_pool *pool, const char *s, size_t len, uint32_t hash)
{
	size_t mask = pool->slot_count - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		uint64_t slot = pool->slots[i];
		if (slot == 0)
			return i;
		if ((uint32_t)(slot >> 32) == hash) {
			const char *other = pool->bytes + (uint32_t)slot;
			if (memcmp(other, s, len + 1) == 0)
				return i;
		}
	}
}

int pr_hash_slots_grow(uint64_t **slots, size_t *slot_count, size_t first)
{
	size_t count = *slot_count ? *slot_count * 2 : first;
	uint64_t *grown = calloc(count, sizeof *grown);
	if (!grown)
		return PR_ENOMEM;
	size_t mask = count - 1;
	for (size_t n = 0; n < *slot_count; n++) {
		uint64_t s = (*slots)[n];
		if (s == 0)
			continue;
		size_t i = (uint32_t)(s >> 32) & mask;
		while (grown[i] != 0)
			i = (i + 1) & mask;
		grown[i] = s;
	}
	free(*slots);
	*slots = grown;
	*slot_count = count;
	return 0;
}

int pr_text_pool_add(pr_text_pool *pool, const char *s, uint32_t *ret_ref)
{
	*ret_ref = 0;
	if (!s)
		return 0;
	size_t len = strlen(s);
	pool->added++;
	if (!pool->plain && pool->added == JUDGE_AFTER &&
	    pool->distinct * 8 > pool->added * MOSTLY_DISTINCT)
		stop_looking(pool);
	uint32_t hash = 0;
	size_t slot = 0;
	if (!pool->plain) {
		if ((pool->distinct + 1) * 2 > pool->slot_count &&
		    pr_hash_slots_grow(&pool->slots, &pool->slot_count, 1024) < 0)
			return PR_ENOMEM;
		hash = pr_hash_bytes(s, len);
		slot = probe(pool, s, len, hash);
		if (pool->slots[slot] != 0) {
			*ret_ref = (uint32_t)pool->slots[slot];
			return 0;
		}
	}
	/* Offset 0 is no value: the buffer starts with one NUL byte. Offsets are 32 bits. */
	size_t at = pool->len ? pool->len : 1;
	if (at + len + 1 > UINT32_MAX)
		return PR_ENOMEM;
	if (pr_grow((void **)&pool->bytes, &pool->cap, at + len + 1, 1) < 0)
		return PR_ENOMEM;
	pool->bytes[0] = '\0';
	memcpy(pool->bytes + at, s, len + 1);
	pool->len = at + len + 1;
	pool->distinct++;
	if (!pool->plain)
		pool->slots[slot] = (uint64_t)hash << 32 | at;
	*ret_ref = (uint32_t)at;
	return 0;
}
