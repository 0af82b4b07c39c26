/* SPDX-License-Identifier: MIT */
/* Locating records by address: street names folded to one comparable form (Unicode, case,
 * punctuation, the French and Dutch street-type abbreviations of data/addresses/), and house
 * numbers and boxes parsed into parts. Not part of the public API. */
#ifndef PR_ADDRESS_H
#define PR_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* ---- names --------------------------------------------------------------------------------- */

/* Longest text pr_address_normalise accepts, in bytes; no street name comes near it. */
#define PR_ADDRESS_TEXT_MAX 1024

/* The abbreviation table: read-only once made, so threads may share it. */
typedef struct pr_address_norm pr_address_norm;

/* Parses the built-in table (data/addresses/abbreviations.tsv, embedded at build time). Free
 * with pr_address_norm_free(). */
int pr_address_norm_new(pr_context *ctx, pr_address_norm **ret_norm);
/* Parses a table given as text; name is what errors call it ("abbreviations.tsv line 12: ...").
 * One row a line: a word, a TAB and its expansion; blank lines and lines starting with # are
 * skipped. A word starting with '-' is an abbreviated suffix of Dutch compounds ("-str straat":
 * "Kerkstr" is "kerkstraat"); the expansions of such rows are the compound suffixes, which a
 * separate word glues back onto the word before it ("Louiza laan" is "louizalaan"). Words and
 * expansions go through the same folding as the names, so "chée" and "chee" are one row. A
 * wrong row is PR_ECONFIG naming its line; out of memory PR_ENOMEM. */
int pr_address_norm_parse(pr_context *ctx, const char *name, const char *text,
			  pr_address_norm **ret_norm);
/* Accepts NULL. */
void pr_address_norm_free(pr_address_norm *norm);

/* The comparable form of a street name (or of any vocabulary value): Unicode NFKD, case folded
 * (ß is "ss"), marks stripped (é is e), the ligatures œ and æ written oe and ae; every character
 * that is not a letter or a digit (punctuation, hyphens, apostrophes, symbols, spaces) separates
 * words, and the words are joined by single spaces without leading or trailing ones. Each word
 * found in the table is replaced by its expansion ("av" → "avenue", "st" → "saint"); a word not
 * in the table that ends in an abbreviated suffix gets the suffix expanded ("kerkstr" →
 * "kerkstraat"), keeping at least two characters before it; a word that is a compound suffix
 * ("laan", or "ln" expanded) is glued onto the word before it. norm may be NULL: folding only,
 * no table. "" for a name without letters or digits. The caller frees the result with free().
 * NULL on failure, with errno EILSEQ when text is not valid UTF-8, E2BIG when it is longer than
 * PR_ADDRESS_TEXT_MAX bytes, ENOMEM when memory ran out, EINVAL when text is NULL. */
char *pr_address_normalise(const pr_address_norm *norm, const char *text);

/* ---- house numbers ------------------------------------------------------------------------- */

typedef struct pr_house_number {
	uint32_t number; /* 1 to 99999 */
	char suffix[8];	 /* lower-case letters ("a", "bis"), "" when none */
	char box[16];	 /* normalised box (see pr_address_parse_box), "" when none */
} pr_house_number;

/* Parses a house number as Belgian registers and forms write it, surrounding spaces and case
 * ignored, commas read as spaces:
 *   "10"                          10
 *   "10A", "10 a", "10bis"        10, suffix "a" / "bis" (1 to 7 letters)
 *   "10/3", "10 / 3", "10A/2"     box after a slash
 *   "10 bte 3", "10 bte. 3", "10 boîte 3", "10 bus 3", "10 box 3", "10 bt 3", "10 bx 3",
 *   "10 app 3", "10 appt 3", "10 apt 3"                       a box after a keyword
 *   "10 b3", "10b3", "10 b 3", "10 b. 3"   a 'b' followed by digits is a box (bpost's short form
 *                                 of "bus"/"boîte"), never the suffix letter B: house 10B, box 3
 *                                 is "10B/3" or "10B bus 3"; "10 b" and "10B" alone are suffix b
 *   "10-12", "10 - 12"            a range: the first number, no suffix or box from the second
 * The suffix, the range and the box come in that order, each optional; leading zeros of the
 * number are ignored ("010" is 10). Refused: empty text, anything else around the parts
 * ("abc", "10.5", "10 bte", "10a3"), 0, numbers above 99999, text that is not UTF-8 or longer
 * than 64 bytes. Writes *ret only on success. */
bool pr_address_parse_number(const char *text, pr_house_number *ret);

/* Parses a box as a register's box column or a record's box field writes it: "3", "03", "A",
 * "0.1", "RC", or with a keyword or slash as in a house number ("bte 3", "bus 3", "b3", "/3").
 * The box is letters and digits, with single '.' or '-' between them; it is lower-cased and
 * its leading zeros dropped (one zero stays: "0", "0.1"), so "bte 03", "3" and "B3" are all box
 * "3". At most 15 characters once normalised. Refused: blank text (no box is not a box), a
 * keyword alone, anything else. Writes ret_box only on success. */
bool pr_address_parse_box(const char *text, char ret_box[16]);

/* ---- the key set --------------------------------------------------------------------------- */

/* A bounded open-addressing hash table of byte-string keys, each given a dense number (0, 1, ...
 * in insertion order) that callers use to index their own arrays of values. Linear probing over
 * a power-of-two array of slots kept at most half full; each slot holds the key's hash beside
 * where its record is, so a probe that meets another key rarely reads that key. The records
 * (length, number, key bytes) follow each other in one growing buffer. Lookups do not modify
 * the set, so threads may share a finished one. */
typedef struct pr_key_set {
	uint64_t *slots; /* hash << 32 | (offset of the record in bytes + 1); 0 when empty */
	size_t slot_count;
	size_t count;
	unsigned char *bytes;
	size_t bytes_len, bytes_cap;
	size_t max_count;
} pr_key_set;

/* Longest key, in bytes. */
#define PR_KEY_SET_KEY_MAX 65535
/* Most keys a set may be made to hold. */
#define PR_KEY_SET_COUNT_MAX ((size_t)1 << 30)

/* An empty set that will hold at most max_count keys (at most PR_KEY_SET_COUNT_MAX). Free
 * with pr_key_set_free(). */
void pr_key_set_init(pr_key_set *set, size_t max_count);
/* Accepts a set that was only initialised, or zeroed. */
void pr_key_set_free(pr_key_set *set);
/* The number of key, or -1 when it is not in the set. */
int64_t pr_key_set_find(const pr_key_set *set, const void *key, size_t len);
/* The number of key, adding it when it is not in the set yet (*ret_added says which). 0, or
 * PR_ENOMEM, PR_EDATA when the set already holds max_count keys or 4 GiB of records,
 * PR_EUSAGE for a key longer than PR_KEY_SET_KEY_MAX. */
int pr_key_set_add(pr_key_set *set, const void *key, size_t len, uint32_t *ret_number,
		   bool *ret_added);

#endif
