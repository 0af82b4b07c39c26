/* SPDX-License-Identifier: MIT */
/* Locating records by address: street names folded to one comparable form (Unicode, case,
 * punctuation, the French and Dutch street-type abbreviations of data/addresses/), house numbers
 * and boxes parsed into parts, and an index over the address register that answers a record's
 * address with the contract's match levels, or says why it cannot. Not part of the public API. */
#ifndef PR_ADDRESS_H
#define PR_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "sources/sources.h"

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

/* Longest postcode compared, once normalised; a longer one counts as missing. */
#define PR_ADDRESS_POSTCODE_MAX 15

/* The comparable form of a postcode: the code alone, as written. White space around it goes,
 * and so do a country prefix (one or two letters and a '-' or spaces before the code's digits:
 * "B-1000", "B 1000", "BE-1000") and a locality after its digits (spaces, a '-' or a comma,
 * then a name of three characters or more: "1000 Bruxelles"), so that all of these, and
 * " 1000 ", are "1000". What else a postcode holds stays as written: "1012 AB" (the letters of
 * a Dutch postcode), "SW1A 1AA". "" when text is NULL or blank, or when what remains is longer
 * than PR_ADDRESS_POSTCODE_MAX bytes. The register's postcodes and the records' go through it
 * alike. */
void pr_address_normalise_postcode(const char *text, char ret[PR_ADDRESS_POSTCODE_MAX + 1]);

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

/* ---- the index over the address register --------------------------------------------------- */

/* Street-name columns a register row may have (French, Dutch, German, one spare). */
#define PR_ADDRESS_NAMES_MAX 4
/* Register rows one index may hold; the Belgian register is about 6 million. */
#define PR_ADDRESS_ROWS_MAX 50000000u

/* One row of the address register. Nothing is kept: the index copies what it needs. */
typedef struct pr_address_row {
	/* The names of the row's street, one per language column; NULL or blank when a column is
	 * empty. All of them find the row. */
	const char *streets[PR_ADDRESS_NAMES_MAX];
	/* As pr_address_parse_number reads it, a box inside it included. */
	const char *number;
	/* NULL or blank when none; when given, it wins over a box inside number. */
	const char *box;
	/* NULL or blank when none. */
	const char *postcode;
	/* The address's parcel, -1 when it fits no parcel. */
	int32_t parcel;
} pr_address_row;

typedef struct pr_address_index pr_address_index;

/* An empty index; norm must outlive it. Free with pr_address_index_free(). Rows are added
 * one by one, then the index is finished once before it is looked in. */
int pr_address_index_new(pr_context *ctx, const pr_address_norm *norm,
			 pr_address_index **ret_index);
/* Adds one register row. A row that cannot be used is left out, changing nothing, and
 * *ret_reject says why (PR_REJECT_BAD_ENCODING, PR_REJECT_BAD_NUMBER, PR_REJECT_NO_STREET);
 * NULL when added. Names longer than PR_ADDRESS_TEXT_MAX, or without a letter or digit, are
 * ignored; names that normalise alike count once. Returns 0; PR_EUSAGE for a parcel below -1
 * and PR_EDATA past PR_ADDRESS_ROWS_MAX rows, changing nothing; or PR_ENOMEM (or PR_EDATA
 * past PR_KEY_SET_COUNT_MAX keys), after which the row may be partly indexed and the index is
 * only fit to be freed. The detail is on ctx. */
int pr_address_index_add(pr_context *ctx, pr_address_index *index, const pr_address_row *row,
			 const char **ret_reject);
/* Readies the rows added since the index was made or last finished for lookups: sorts them by
 * house and works out which of them lie on one parcel at each match level. Adding more rows
 * afterwards is allowed; they are found once the index is finished again. Returns 0 (also
 * when nothing was added), or PR_ENOMEM, after which the index is only fit to be freed. */
int pr_address_index_finish(pr_context *ctx, pr_address_index *index);
/* Register rows added (rejected ones not counted), and distinct street names. */
uint64_t pr_address_index_rows(const pr_address_index *index);
size_t pr_address_index_streets(const pr_address_index *index);
/* Accepts NULL. */
void pr_address_index_free(pr_address_index *index);

typedef struct pr_address_match {
	/* 1 to 4: the level that found the address; 0 when the record is rejected.
	 * 1: street + number with suffix + box + postcode; 2: the same without the box;
	 * 3: without the suffix letter either; 4: street + number in another postcode of the
	 * street. */
	int level;
	const char *reject; /* NULL when found, else one of the PR_REJECT_* strings above */
	int32_t parcel;	    /* when found: the address's parcel, -1 when it fits none; else -1 */
	/* The record's normalised box ("" when none), for the store; also filled when the
	 * record is rejected for its street or address. */
	char box[16];
} pr_address_match;

/* Locates a record's address in a finished index. The levels are tried in order (one hash
 * lookup of the street and number, then a binary search among that house's addresses), and
 * the first that finds any register rows decides: rows that all lie on one parcel are a match,
 * rows on different parcels (-1 counting as a parcel of its own) make the record
 * PR_REJECT_AMBIGUOUS_ADDRESS, never a guess. A record's number with a suffix tries level 1
 * and 2 with it and level 3 without; one without a suffix finds every suffix of the number at
 * level 3 (and the plain number at 1 and 2). Level 4 is only tried when the street does not
 * run through the record's postcode (a wrong or missing postcode): when it does, a number
 * found only in another postcode may be a street of the same name in another municipality,
 * and the record is PR_REJECT_UNKNOWN_ADDRESS. A name in no register row is
 * PR_REJECT_UNKNOWN_STREET. The box is box when it is not blank, else the one written inside
 * number ("10 bte 3"). Before any of that, a street that is not UTF-8 is
 * PR_REJECT_BAD_ENCODING, then a number or box that does not parse PR_REJECT_BAD_NUMBER.
 * Safe from several threads at once. Returns 0 with *ret filled, PR_ENOMEM, or PR_EUSAGE when
 * rows were added since the index was last finished. */
int pr_address_lookup(const pr_address_index *index, const char *street, const char *number,
		      const char *box, const char *postcode, pr_address_match *ret);

/* A record's street name as the index knows it. */
typedef struct pr_address_street {
	int64_t street;	   /* its street number, -1 when no register row names it */
	bool bad_encoding; /* the name is not UTF-8 */
} pr_address_street;

/* pr_address_lookup in two steps, for callers that see the same street names on many records:
 * the name (normalising it is most of the time a lookup takes) resolves alike whatever the
 * record, so its result may be kept and given again for every record that writes the street
 * the same way. Both return 0 or PR_ENOMEM; pr_address_lookup_street also PR_EUSAGE when the
 * index is not finished. */
int pr_address_find_street(const pr_address_index *index, const char *street,
			   pr_address_street *ret);
int pr_address_lookup_street(const pr_address_index *index, const pr_address_street *street,
			     const char *number, const char *box, const char *postcode,
			     pr_address_match *ret);

#endif
