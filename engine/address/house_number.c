/* SPDX-License-Identifier: MIT */
/* House numbers and boxes as Belgian registers and forms write them ("10", "10A", "10 bte 3",
 * "10/3", "10 bus 3", "10 b3", "10-12") parsed into number, suffix letters and a normalised box,
 * so that the register and a record compare part by part. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "address/address.h"

/* Longest house number or box text read; the longest real one ("10 boîte 1234") is far below. */
#define NUMBER_TEXT_MAX 64

/* Words that introduce a box: French (boîte, bte, bt), Dutch (bus), English and bpost's short
 * forms (box, bx), and the apartment words forms use for the same thing. A lone "b" introduces
 * a box only when digits follow: otherwise it is the suffix letter B. */
static const char *const box_keywords[] = {"boite", "bte",  "bt",  "bus", "box",
					   "bx",    "appt", "app", "apt", "b"};

/* A lower-case ASCII copy of text in buf, through Unicode folding when text is not ASCII
 * ("boîte" is "boite", a no-break space a space, fullwidth digits digits). false when text is
 * too long, not UTF-8, or not ASCII once folded. */
static bool fold_ascii(const char *text, char buf[NUMBER_TEXT_MAX + 1])
{
	size_t len = strlen(text);
	if (len > NUMBER_TEXT_MAX)
		return false;
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		ascii = ascii && (unsigned char)text[i] < 0x80;
	if (ascii) {
		for (size_t i = 0; i <= len; i++)
			buf[i] = (char)tolower((unsigned char)text[i]);
		return true;
	}
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t n =
	    utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &mapped,
			 UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
			     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_LUMP);
	bool ok = n >= 0 && n <= NUMBER_TEXT_MAX;
	for (utf8proc_ssize_t i = 0; ok && i < n; i++)
		ok = mapped[i] < 0x80;
	if (ok) {
		memcpy(buf, mapped, (size_t)n);
		buf[n] = '\0';
	}
	free(mapped);
	return ok;
}

/* Spaces, tabs and commas ("10, bte 3") between the parts. */
static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

static size_t letters_at(const char *p)
{
	size_t n = 0;
	while (p[n] >= 'a' && p[n] <= 'z')
		n++;
	return n;
}

static bool is_box_keyword(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof box_keywords / sizeof *box_keywords; i++)
		if (strlen(box_keywords[i]) == n && memcmp(box_keywords[i], p, n) == 0)
			return true;
	return false;
}

/* When a box keyword starts at p and a box follows it (after an optional dot and spaces),
 * where that box starts; else NULL. */
static const char *after_box_keyword(const char *p)
{
	size_t n = letters_at(p);
	if (n == 0 || !is_box_keyword(p, n))
		return NULL;
	const char *q = p + n;
	if (*q == '.')
		q++;
	q = skip_spaces(q);
	bool box_follows = n == 1 ? isdigit((unsigned char)*q) : isalnum((unsigned char)*q);
	return box_follows ? q : NULL;
}

/* Reads a box's letters and digits, with single '.' or '-' between them, from *p into box
 * (lower-cased, leading zeros dropped) and moves *p past it. */
static bool read_box_token(const char **p, char box[16])
{
	const char *q = *p;
	char raw[NUMBER_TEXT_MAX + 1];
	size_t n = 0;
	while (isalnum((unsigned char)*q) ||
	       ((*q == '.' || *q == '-') && n > 0 && isalnum((unsigned char)q[1]))) {
		raw[n++] = *q++;
	}
	raw[n] = '\0';
	if (n == 0)
		return false;
	/* "03" and "3" are one box: registers and forms pad box numbers differently. One zero
	 * stays when nothing but a zero or a separator follows ("0", "0.1"). */
	const char *start = raw;
	while (start[0] == '0' && isdigit((unsigned char)start[1]))
		start++;
	if (strlen(start) > 15)
		return false;
	strcpy(box, start);
	*p = q;
	return true;
}

/* A box at p: keywords ("bte 3", "b3"), then its token. Every keyword goes ("bte b3" is box
 * "3"), so that a box read once reads the same again. */
static bool read_box(const char **p, char box[16])
{
	const char *q = *p;
	for (const char *after; (after = after_box_keyword(q));)
		q = after;
	size_t n = letters_at(q);
	/* "bus" with nothing after it is not box "bus"; a lone "b" is box "b". */
	if (n > 1 && is_box_keyword(q, n))
		return false;
	if (!read_box_token(&q, box))
		return false;
	*p = q;
	return true;
}

bool pr_address_parse_box(const char *text, char ret_box[16])
{
	char buf[NUMBER_TEXT_MAX + 1];
	char box[16];
	if (!text || !fold_ascii(text, buf))
		return false;
	const char *p = skip_spaces(buf);
	if (*p == '/')
		p = skip_spaces(p + 1);
	if (!read_box(&p, box))
		return false;
	if (*skip_spaces(p) != '\0')
		return false;
	memcpy(ret_box, box, sizeof box);
	return true;
}

bool pr_address_parse_number(const char *text, pr_house_number *ret)
{
	char buf[NUMBER_TEXT_MAX + 1];
	pr_house_number hn = {0};
	if (!text || !fold_ascii(text, buf))
		return false;
	const char *p = skip_spaces(buf);
	uint32_t number = 0;
	size_t digits = 0;
	for (; isdigit((unsigned char)*p); p++, digits++) {
		/* Leading zeros are allowed ("010"); more than 99999 is refused below. */
		if (number > 99999)
			return false;
		number = number * 10 + (uint32_t)(*p - '0');
	}
	if (digits == 0 || number == 0 || number > 99999)
		return false;
	hn.number = number;
	p = skip_spaces(p);
	if (after_box_keyword(p)) {
		if (!read_box(&p, hn.box))
			return false;
		goto end;
	}
	size_t n = letters_at(p);
	if (n > 0) {
		if ((n > 1 && is_box_keyword(p, n)) || n >= sizeof hn.suffix)
			return false;
		memcpy(hn.suffix, p, n);
		hn.suffix[n] = '\0';
		p = skip_spaces(p + n);
	}
	if (*p == '-') {
		/* A range ("10-12"): the house is its first number. */
		p = skip_spaces(p + 1);
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		p += letters_at(p);
		p = skip_spaces(p);
	}
	if (*p == '/') {
		p = skip_spaces(p + 1);
		if (!read_box(&p, hn.box))
			return false;
	} else if (after_box_keyword(p)) {
		if (!read_box(&p, hn.box))
			return false;
	}
end:
	if (*skip_spaces(p) != '\0')
		return false;
	*ret = hn;
	return true;
}
