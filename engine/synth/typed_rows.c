/* SPDX-License-Identifier: MIT */
/* Rows as Brussels exports hold them (synth --registers brussels): the population register
 * located by address, its streets written as people type them (either language, abbreviated,
 * in any case, the box in its own column or inside the number), and the words of complaint forms
 * and inspection reports as clerks type them; all in CP1252 with CRLF, as a spreadsheet saves
 * them. Every choice of wording is drawn from s->text_rng, so the city is the simple variant's. */
#include <errno.h>

#include "synth/synth_internal.h"

/* Shares of the ways a street, number or box is written. */
#define TYPED_DUTCH		 0.40 /* the Dutch name rather than the French */
#define TYPED_ABBREVIATED	 0.35 /* the street's kind abbreviated: "Av.", "Chée", "str." */
#define TYPED_SUFFIX_APART	 0.20 /* of those in Dutch, "Waterloose Stwg" for "...stwg" */
#define TYPED_SAINT_ABBREVIATED	 0.50 /* "St-Gilles", "St-Gillisstraat" */
#define TYPED_TYPOGRAPHIC	 0.20 /* "l’Étuve": the typographic apostrophe */
#define TYPED_DOUBLE_SPACE	 0.03
#define TYPED_BOX_GIVEN		 0.85 /* at a subdivided house, the household gives its box */
#define TYPED_BOX_UNKNOWN	 0.04 /* of those, a box the register does not list */
#define TYPED_BOX_UNLISTED	 0.03 /* a box given at a house the register lists without boxes */
#define TYPED_BOX_APART		 0.50 /* the box in its own column, not inside the number */
#define TYPED_LETTER_ADDED	 0.01 /* "13B" for 13: a letter the register does not have */
#define TYPED_ROOMS_PER_DWELLING 3    /* a crowded slum is let room by room, a box per room */

enum text_case { CASE_AS_IS, CASE_UPPER, CASE_LOWER, CASE_PLAIN };

/* U+00C0 to U+00FF (UTF-8 C3 80 to C3 BF) without their accent; '-' where there is none to
 * drop. */
static const char plain_letters[] =
    "AAAAAA-CEEEEIIII-NOOOOO-OUUUUY--aaaaaa-ceeeeiiii-nooooo-ouuuuy-y";
_Static_assert(sizeof plain_letters == 65, "one letter per code point from U+00C0 to U+00FF");

/* Changes the case of text in place, or drops its accents. The words here are ASCII and
 * Latin-1 letters; other characters are kept as they are. */
static void apply_case(char *text, enum text_case mode)
{
	char *out = text;
	for (const char *in = text; *in;) {
		unsigned char c = (unsigned char)in[0];
		if (c == 0xC3 && in[1]) {
			unsigned char d = (unsigned char)in[1];
			if (mode == CASE_PLAIN && d >= 0x80 && d <= 0xBF &&
			    plain_letters[d - 0x80] != '-') {
				*out++ = plain_letters[d - 0x80];
				in += 2;
				continue;
			}
			if (mode == CASE_UPPER && d >= 0xA0 && d <= 0xBE && d != 0xB7)
				d -= 0x20;
			if (mode == CASE_LOWER && d >= 0x80 && d <= 0x9E && d != 0x97)
				d += 0x20;
			*out++ = (char)c;
			*out++ = (char)d;
			in += 2;
			continue;
		}
		if (mode == CASE_UPPER && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (mode == CASE_LOWER && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		*out++ = (char)c;
		in++;
	}
	*out = '\0';
}

static void capitalise(char *text)
{
	unsigned char *t = (unsigned char *)text;
	if (t[0] >= 'a' && t[0] <= 'z')
		t[0] = (unsigned char)(t[0] - 'a' + 'A');
	else if (t[0] == 0xC3 && t[1] >= 0xA0 && t[1] <= 0xBE && t[1] != 0xB7)
		t[1] -= 0x20;
}

/* Replaces len bytes at `at` in buf (of size bytes) by `to`, if it fits. */
static bool replace_span(char *buf, size_t size, char *at, size_t len, const char *to)
{
	size_t tail = strlen(at + len), n = strlen(to);
	if ((size_t)(at - buf) + n + tail + 1 > size)
		return false;
	memmove(at + n, at + len, tail + 1);
	memcpy(at, to, n);
	return true;
}

/* The first `word` standing alone ("Rue de ...", "Petite rue de ..."), abbreviated. */
static bool abbreviate_word(char *buf, size_t size, const char *word, const char *to)
{
	size_t len = strlen(word);
	for (char *at = strstr(buf, word); at; at = strstr(at + 1, word))
		if ((at == buf || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\0'))
			return replace_span(buf, size, at, len, to);
	return false;
}

/* The first word starting with `prefix` ("Saint-Gilles"), its prefix abbreviated. */
static bool abbreviate_prefix(char *buf, size_t size, const char *prefix, const char *to)
{
	for (char *at = strstr(buf, prefix); at; at = strstr(at + 1, prefix))
		if (at == buf || at[-1] == ' ')
			return replace_span(buf, size, at, strlen(prefix), to);
	return false;
}

/* A Dutch street's kind, at the end of its name ("Wetstraat"), abbreviated. */
static bool abbreviate_suffix(char *buf, size_t size, const char *suffix, const char *to)
{
	size_t n = strlen(buf), len = strlen(suffix);
	if (n <= len || strcmp(buf + n - len, suffix) != 0)
		return false;
	return replace_span(buf, size, buf + n - len, len, to);
}

/* The French kinds of street and how they are shortened. */
static const char *const french_abbreviations[][2] = {
    {"Rue", "R."},	 {"rue", "r."},	      {"Avenue", "Av."},    {"avenue", "av."},
    {"Boulevard", "Bd"}, {"boulevard", "bd"}, {"Chaussée", "Chée"}, {"chaussée", "chée"},
    {"Place", "Pl."},	 {"place", "pl."},    {"Square", "Sq."},    {"square", "sq."},
};

bool synth_put_typed_street(synth *s, line *l, int32_t index)
{
	pr_rng *rng = &s->text_rng;
	char name[160];
	bool dutch = pr_rng_chance(rng, TYPED_DUTCH);
	synth_street_name(s, index, dutch ? 1 : 0, name, sizeof name);
	if (pr_rng_chance(rng, TYPED_ABBREVIATED)) {
		if (dutch) {
			bool apart = pr_rng_chance(rng, TYPED_SUFFIX_APART);
			if (!abbreviate_suffix(name, sizeof name, "straat",
					       apart ? " Str." : "str."))
				abbreviate_suffix(name, sizeof name, "steenweg",
						  apart ? " Stwg" : "stwg");
		} else {
			size_t n = sizeof french_abbreviations / sizeof *french_abbreviations;
			for (size_t i = 0; i < n; i++)
				if (abbreviate_word(name, sizeof name, french_abbreviations[i][0],
						    french_abbreviations[i][1]))
					break;
		}
	}
	if (pr_rng_chance(rng, TYPED_SAINT_ABBREVIATED)) {
		if (dutch)
			abbreviate_prefix(name, sizeof name, "Sint-", "St-");
		else if (!abbreviate_prefix(name, sizeof name, "Sainte-", "Ste-"))
			abbreviate_prefix(name, sizeof name, "Saint-", "St-");
	}
	char *apostrophe = strchr(name, '\'');
	if (apostrophe && pr_rng_chance(rng, TYPED_TYPOGRAPHIC))
		replace_span(name, sizeof name, apostrophe, 1, "\xe2\x80\x99");
	double u = pr_rng_uniform(rng);
	apply_case(name, u < 0.10   ? CASE_UPPER
			 : u < 0.20 ? CASE_LOWER
			 : u < 0.28 ? CASE_PLAIN
				    : CASE_AS_IS);
	char *space = strchr(name, ' ');
	if (space && pr_rng_chance(rng, TYPED_DOUBLE_SPACE))
		replace_span(name, sizeof name, space, 1, "  ");
	put_str(l, name);
	return dutch;
}

void synth_put_typed_word(synth *s, line *l, const char *word)
{
	char text[64];
	snprintf(text, sizeof text, "%s", word);
	double u = pr_rng_uniform(&s->text_rng);
	if (u < 0.12)
		capitalise(text);
	else if (u < 0.18)
		apply_case(text, CASE_PLAIN);
	else if (u < 0.21)
		apply_case(text, CASE_UPPER);
	put_str(l, text);
}

/* rue;numero;boite;cp;menage;personnes;date_inscription;date_départ */
void synth_write_typed_household(synth *s, const parcel *p, int persons, int32_t registered,
				 int32_t left)
{
	pr_rng *rng = &s->text_rng;
	const street_address *a = &p->address;
	line l = {.len = 0};
	bool dutch = synth_put_typed_street(s, &l, a->street);
	put_char(&l, ';');

	/* The register lists a subdivided house box by box. A crowded slum is let room by room,
	 * and its households give the boxes of rooms that no permit and no register lists. */
	char box[8] = "";
	int boxes = p->dwellings >= 2 ? p->dwellings : 0;
	bool rooms = p->signals & SIGNAL_CROWDED;
	int given =
	    rooms ? TYPED_ROOMS_PER_DWELLING * (p->dwellings > 1 ? p->dwellings : 1) : boxes;
	if (pr_rng_chance(rng, given ? TYPED_BOX_GIVEN : TYPED_BOX_UNLISTED)) {
		int i = given ? (int)pr_rng_range(rng, 1, given) : 1;
		if (boxes && !rooms && pr_rng_chance(rng, TYPED_BOX_UNKNOWN))
			i = boxes + (int)pr_rng_range(rng, 1, 3);
		if (boxes && synth_boxes_lettered(s, p))
			snprintf(box, sizeof box, "%c", 'A' + i - 1);
		else
			snprintf(box, sizeof box, "%d", i);
	}
	put_uint(&l, a->number, 1);
	if (a->suffix)
		put_char(&l, pr_rng_chance(rng, 0.2) ? (char)(a->suffix - 'A' + 'a') : a->suffix);
	else if (!a->next_has_suffix && pr_rng_chance(rng, TYPED_LETTER_ADDED))
		put_char(&l, 'B');
	bool box_apart = !box[0] || pr_rng_chance(rng, TYPED_BOX_APART);
	if (!box_apart) {
		/* "12/3" only for a numbered box: "12/B" reads like a letter of the number. */
		bool numbered = box[0] >= '0' && box[0] <= '9';
		double u = pr_rng_uniform(rng);
		if (dutch)
			put_str(&l, u < 0.3 && numbered ? "/" : " bus ");
		else
			put_str(&l, u < 0.35 && numbered ? "/"
				    : u < 0.8		 ? " bte "
				    : u < 0.9		 ? " boîte "
							 : " Bte ");
		put_str(&l, box);
	}
	put_char(&l, ';');
	if (box_apart)
		put_str(&l, box);
	put_char(&l, ';');
	put_uint(&l, synth_street_postcode(s, a->street), 4);
	put_str(&l, ";H");
	put_uint(&l, ++s->households, 9);
	put_char(&l, ';');
	put_uint(&l, (uint64_t)persons, 1);
	put_char(&l, ';');
	put_date(&l, registered, true);
	put_char(&l, ';');
	if (left != PR_DATE_NULL)
		put_date(&l, left, true);
	synth_emit_cp1252(s, OUT_POPULATION, &l, false);
}

void synth_emit_cp1252(synth *s, int output, const line *l, bool header)
{
	/* CP1252 takes one byte per character, never more than UTF-8. */
	char out[sizeof l->data + 2];
	char *in = (char *)l->data, *o = out;
	size_t in_left = l->len, out_left = sizeof out - 2;
	iconv(s->to_cp1252, NULL, NULL, NULL, NULL);
	while (in_left > 0 && iconv(s->to_cp1252, &in, &in_left, &o, &out_left) == (size_t)-1) {
		/* A character CP1252 lacks: a word of the vocabularies is wrong. pr_synth fails
		 * once the files are written; meanwhile the character is skipped. */
		s->encoding_failures++;
		if (errno != EILSEQ || out_left == 0)
			break;
		*o++ = '?';
		out_left--;
		do {
			in++;
			in_left--;
		} while (in_left > 0 && ((unsigned char)*in & 0xC0) == 0x80);
	}
	*o++ = '\r';
	*o++ = '\n';
	fwrite(out, 1, (size_t)(o - out), s->out[output].f);
	if (!header)
		s->out[output].rows++;
}
