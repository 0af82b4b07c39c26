/* SPDX-License-Identifier: MIT */
/* Locating records by address, starting with the street names: folded to one comparable form
 * (Unicode, case, punctuation, the French and Dutch street-type abbreviations of
 * data/addresses/). Not part of the public API. */
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

#endif
