/* SPDX-License-Identifier: MIT */
/* A bounded open-addressing hash table of byte-string keys, numbering each distinct key in the
 * order it was first added: the address index keeps its street names and its level keys in
 * such sets, and its values in plain arrays indexed by those numbers. */
#include <stdlib.h>
#include <string.h>

#include "address/address.h"

/* A record in bytes: the key's length, its number, then the key. */
#define RECORD_HEADER (sizeof(uint16_t) + sizeof(uint32_t))

void pr_key_set_init(pr_key_set *set, size_t max_count)
{
	memset(set, 0, sizeof *set);
	set->max_count = max_count < PR_KEY_SET_COUNT_MAX ? max_count : PR_KEY_SET_COUNT_MAX;
}

void pr_key_set_free(pr_key_set *set)
{
	if (!set)
		return;
	free(set->slots);
	free(set->bytes);
	size_t max_count = set->max_count;
	memset(set, 0, sizeof *set);
	set->max_count = max_count;
}

static bool record_is(const pr_key_set *set, uint64_t slot, const unsigned char *key, size_t len)
{
	const unsigned char *record = set->bytes + (uint32_t)slot - 1;
	uint16_t record_len;
	memcpy(&record_len, record, sizeof record_len);
	return record_len == len && memcmp(record + RECORD_HEADER, key, len) == 0;
}

static uint32_t record_number(const pr_key_set *set, uint64_t slot)
{
	uint32_t number;
	memcpy(&number, set->bytes + (uint32_t)slot - 1 + sizeof(uint16_t), sizeof number);
	return number;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const pr_key_set *set, const unsigned char *key, size_t len, uint32_t hash)
{
	size_t mask = set->slot_count - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		uint64_t s = set->slots[i];
		if (s == 0 || ((uint32_t)(s >> 32) == hash && record_is(set, s, key, len)))
			return i;
	}
}

int64_t pr_key_set_find(const pr_key_set *set, const void *key, size_t len)
{
	if (set->count == 0 || len > PR_KEY_SET_KEY_MAX)
		return -1;
	uint64_t s = set->slots[probe(set, key, len, pr_hash_bytes(key, len))];
	return s == 0 ? -1 : (int64_t)record_number(set, s);
}

int pr_key_set_add(pr_key_set *set, const void *key, size_t len, uint32_t *ret_number,
		   bool *ret_added)
{
	if (len > PR_KEY_SET_KEY_MAX)
		return PR_EUSAGE;
	uint32_t hash = pr_hash_bytes(key, len);
	size_t slot = 0;
	if (set->count > 0) {
		slot = probe(set, key, len, hash);
		if (set->slots[slot] != 0) {
			*ret_number = record_number(set, set->slots[slot]);
			*ret_added = false;
			return 0;
		}
	}
	/* Offsets in the slots are 32 bits. */
	if (set->count >= set->max_count || set->bytes_len + RECORD_HEADER + len >= UINT32_MAX)
		return PR_EDATA;
	if (pr_grow((void **)&set->bytes, &set->bytes_cap, set->bytes_len + RECORD_HEADER + len,
		    1) < 0)
		return PR_ENOMEM;
	/* At most half full: linear probing stays short, and a miss meets an empty slot soon.
	 * The empty slot found above moves when the slots grow. */
	if ((set->count + 1) * 2 > set->slot_count) {
		if (pr_hash_slots_grow(&set->slots, &set->slot_count, 16) < 0)
			return PR_ENOMEM;
		slot = probe(set, key, len, hash);
	}
	unsigned char *record = set->bytes + set->bytes_len;
	uint16_t record_len = (uint16_t)len;
	uint32_t number = (uint32_t)set->count;
	memcpy(record, &record_len, sizeof record_len);
	memcpy(record + sizeof record_len, &number, sizeof number);
	if (len > 0)
		memcpy(record + RECORD_HEADER, key, len);
	set->slots[slot] = (uint64_t)hash << 32 | (uint64_t)(set->bytes_len + 1);
	set->bytes_len += RECORD_HEADER + len;
	set->count++;
	*ret_number = number;
	*ret_added = true;
	return 0;
}
