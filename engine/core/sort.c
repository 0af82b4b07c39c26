/* SPDX-License-Identifier: MIT */
/* Radix sorting of 64-bit values by their high 32 bits (see core.h): least significant byte
 * first, one counting pass for all four bytes, and no pass for a byte that every key shares
 * (the high bytes of keys over a small range). */
#include <string.h>

#include "core/core.h"

void pr_sort_by_high_u32(uint64_t *a, uint64_t *tmp, size_t n)
{
	size_t count[4][256];
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++) {
		uint32_t key = (uint32_t)(a[i] >> 32);
		for (int d = 0; d < 4; d++)
			count[d][(key >> (8 * d)) & 0xff]++;
	}
	uint64_t *src = a, *dst = tmp;
	for (int d = 0; d < 4 && n > 0; d++) {
		unsigned shift = 32 + 8 * (unsigned)d;
		if (count[d][(src[0] >> shift) & 0xff] == n)
			continue;
		size_t at = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[d][b];
			count[d][b] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[d][(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

uint32_t pr_float_sort_key(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u & 0x80000000u ? ~u : u | 0x80000000u;
}
