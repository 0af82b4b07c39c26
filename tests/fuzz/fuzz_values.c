/* SPDX-License-Identifier: MIT */
/* Fuzz target: the value parsers (numbers, whole numbers, dates) on arbitrary text. Dates that
 * parse must format back to a real calendar day. */
#include <string.h>

#include "core/core.h"
#include "standalone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	double d;
	int64_t i;
	int32_t days;
	pr_parse_double(text, &d);
	pr_parse_int64(text, -1000000000, 1000000000, &i);
	if (pr_parse_date(text, &days)) {
		char back[16];
		int32_t again;
		pr_format_date(days, back);
		if (!pr_parse_date(back, &again) || again != days)
			abort();
	}
	char copy[256];
	memcpy(copy, text, n + 1);
	pr_trim(copy);
	return 0;
}
