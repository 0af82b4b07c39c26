/* SPDX-License-Identifier: MIT */
/* Fuzz target: street-name normalisation (with the built-in abbreviation table), house numbers,
 * boxes and postcodes on arbitrary bytes. A name that normalises is valid UTF-8 made of words of
 * letters and digits separated by single spaces; a number or box that parses is within its
 * bounds and parses back to itself from its canonical form; a postcode is trimmed, within its
 * bound, and normalises to itself. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <utf8proc.h>

#include "address/address.h"
#include "standalone.h"

static void check_name(const char *name)
{
	size_t len = strlen(name);
	if (len > 0 && (name[0] == ' ' || name[len - 1] == ' '))
		abort();
	if (strstr(name, "  "))
		abort();
	for (utf8proc_ssize_t i = 0; i < (utf8proc_ssize_t)len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)name + i,
							 (utf8proc_ssize_t)len - i, &cp);
		if (step <= 0)
			abort();
		bool ascii_ok = cp == ' ' || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
		if (cp < 0x80 && !ascii_ok)
			abort();
		i += step;
	}
}

static void check_box(const char *box)
{
	size_t len = strlen(box);
	if (len == 0 || len > 15)
		abort();
	for (size_t i = 0; i < len; i++) {
		char c = box[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
		if (!ok)
			abort();
	}
	char again[16];
	if (!pr_address_parse_box(box, again) || strcmp(again, box) != 0)
		abort();
}

static void check_number(const pr_house_number *hn)
{
	if (hn->number < 1 || hn->number > 99999)
		abort();
	size_t suffix_len = strnlen(hn->suffix, sizeof hn->suffix);
	if (suffix_len >= sizeof hn->suffix)
		abort();
	for (size_t i = 0; i < suffix_len; i++)
		if (hn->suffix[i] < 'a' || hn->suffix[i] > 'z')
			abort();
	if (strnlen(hn->box, sizeof hn->box) >= sizeof hn->box)
		abort();
	if (hn->box[0])
		check_box(hn->box);
	char text[64];
	snprintf(text, sizeof text, "%u%s%s%s", (unsigned)hn->number, hn->suffix,
		 hn->box[0] ? "/" : "", hn->box);
	pr_house_number again;
	if (!pr_address_parse_number(text, &again) || again.number != hn->number ||
	    strcmp(again.suffix, hn->suffix) != 0 || strcmp(again.box, hn->box) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Made once and kept for the life of the process, as libFuzzer runs inputs in a loop. */
	static pr_context *ctx;
	static pr_address_norm *norm;
	if (!norm && (pr_context_new(&ctx) < 0 || pr_address_norm_new(ctx, &norm) < 0))
		abort();
	char text[PR_ADDRESS_TEXT_MAX + 64];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';

	char *name = pr_address_normalise(norm, text);
	if (name)
		check_name(name);
	else if (errno != EILSEQ && errno != E2BIG)
		abort();
	free(name);

	pr_house_number hn;
	if (pr_address_parse_number(text, &hn))
		check_number(&hn);
	char box[16];
	if (pr_address_parse_box(text, box))
		check_box(box);
	/* A postcode is at most PR_ADDRESS_POSTCODE_MAX bytes, trimmed, and stays as it is. */
	char postcode[PR_ADDRESS_POSTCODE_MAX + 1], again[PR_ADDRESS_POSTCODE_MAX + 1];
	pr_address_normalise_postcode(text, postcode);
	size_t len = strlen(postcode);
	if (len > PR_ADDRESS_POSTCODE_MAX ||
	    (len > 0 &&
	     (isspace((unsigned char)postcode[0]) || isspace((unsigned char)postcode[len - 1]))))
		abort();
	pr_address_normalise_postcode(postcode, again);
	if (strcmp(again, postcode) != 0)
		abort();
	return 0;
}
