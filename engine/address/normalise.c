/* SPDX-License-Identifier: MIT */
/* Street names to one comparable form: utf8proc folds Unicode (compatibility forms, case,
 * accents), anything but letters and digits separates words, and the abbreviation table of
 * data/addresses/abbreviations.tsv expands street types and titles, including the abbreviated
 * suffixes of Dutch compound names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "address/address.h"

/* The built-in table, embedded by pr-embed at build time. */
extern const unsigned char pr_address_abbreviations[];

typedef struct abbreviation {
	char *word;	 /* folded, one word; without the '-' of a suffix row */
	char *expansion; /* folded, one word or more (one for a suffix row) */
	int line;
} abbreviation;

struct pr_address_norm {
	abbreviation *words; /* sorted by word */
	size_t n_words, words_cap;
	abbreviation *suffixes; /* longest word first */
	size_t n_suffixes, suffixes_cap;
	/* The compound suffixes (the suffix rows' expansions), sorted and distinct: written as
	 * a word of their own they are glued onto the word before. */
	char **glue;
	size_t n_glue, glue_cap;
};

/* Compatibility decomposition (ﬁ is fi, ² is 2, fullwidth letters are letters), full case
 * folding (ß is ss), accents stripped, default-ignorable characters (soft hyphen, zero-width
 * space) dropped so that they do not split a word, and the many dashes, quotes and spaces
 * lumped onto ASCII ones. */
#define FOLD_OPTIONS                                                                               \
	(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |           \
	 UTF8PROC_IGNORE | UTF8PROC_LUMP)

static bool keeps_codepoint(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static bool is_mark(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

/* Room for n more bytes and the NUL in out. */
static inline bool reserve(pr_strbuf *out, size_t n)
{
	return out->len + n + 1 <= out->cap ||
	       pr_grow((void **)&out->data, &out->cap, out->len + n + 1, 1) == 0;
}

/* Appends one codepoint of folded text to out: a letter or digit to the current word (a space
 * first when a new word starts), anything else ends the word. */
static int put_codepoint(pr_strbuf *out, utf8proc_int32_t cp, bool *in_word)
{
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	bool ascii_letter_or_digit = (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
	if (cp < 0x80 && !ascii_letter_or_digit) {
		*in_word = false;
		return 0;
	}
	/* Marks left over (one with nothing to sit on) go, as the stripped ones did. */
	if (cp >= 0x80 && is_mark(cp))
		return 0;
	if (cp >= 0x80 && !keeps_codepoint(cp)) {
		*in_word = false;
		return 0;
	}
	/* A space, and at most four bytes of UTF-8 or the two of a ligature written out. */
	if (!reserve(out, 5))
		return ENOMEM;
	if (!*in_word && out->len > 0)
		out->data[out->len++] = ' ';
	*in_word = true;
	if (cp < 0x80) {
		out->data[out->len++] = (char)cp;
	} else if (cp == 0x153 || cp == 0xe6) {
		/* œ and æ are ligatures, not accented letters: Unicode does not decompose
		 * them, and French writers type "coeur" for "cœur" as often as not. */
		out->data[out->len++] = cp == 0x153 ? 'o' : 'a';
		out->data[out->len++] = 'e';
	} else {
		out->len +=
		    (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out->data + out->len);
	}
	out->data[out->len] = '\0';
	return 0;
}

/* Folds text into words separated by single spaces, into out (which is reset). 0, or an errno
 * value: EILSEQ, E2BIG, ENOMEM. Each character is decomposed on its own, which with these
 * options gives what utf8proc_map would (it only adds the canonical order of the marks, which
 * are all stripped) at a fraction of the cost, and ASCII skips utf8proc altogether: folding
 * is most of the time it takes to look a record up. */
static int fold(const char *text, size_t len, pr_strbuf *out)
{
	out->len = 0;
	if (!reserve(out, len))
		return ENOMEM;
	out->data[0] = '\0';
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;
	bool in_word = false;
	while (left > 0) {
		int r;
		if (*p < 0x80) {
			r = put_codepoint(out, *p, &in_word);
			p++;
			left--;
			if (r)
				return r;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t step = utf8proc_iterate(p, left, &cp);
		if (step <= 0 || cp < 0)
			return EILSEQ;
		p += step;
		left -= step;
		/* The longest full decomposition in Unicode is 18 codepoints. */
		utf8proc_int32_t folded[32];
		int boundclass = 0;
		utf8proc_ssize_t n =
		    utf8proc_decompose_char(cp, folded, 32, FOLD_OPTIONS, &boundclass);
		if (n < 0)
			return n == UTF8PROC_ERROR_NOMEM ? ENOMEM : EILSEQ;
		if (n > 32)
			return E2BIG;
		for (utf8proc_ssize_t i = 0; i < n; i++) {
			r = put_codepoint(out, folded[i], &in_word);
			if (r)
				return r;
		}
	}
	return 0;
}

static int compare_words(const void *a, const void *b)
{
	return strcmp(((const abbreviation *)a)->word, ((const abbreviation *)b)->word);
}

/* Longest first, so that "stwg" is tried before "wg". */
static int compare_suffixes(const void *a, const void *b)
{
	size_t la = strlen(((const abbreviation *)a)->word);
	size_t lb = strlen(((const abbreviation *)b)->word);
	if (la != lb)
		return la > lb ? -1 : 1;
	return compare_words(a, b);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const abbreviation *find_word(const pr_address_norm *norm, const char *word)
{
	abbreviation key = {(char *)word, NULL, 0};
	if (norm->n_words == 0)
		return NULL;
	return bsearch(&key, norm->words, norm->n_words, sizeof key, compare_words);
}

/* A handful of suffixes: a scan is as quick as a search. */
static bool is_glue(const pr_address_norm *norm, const char *word, size_t len)
{
	for (size_t i = 0; i < norm->n_glue; i++)
		if (strlen(norm->glue[i]) == len && memcmp(norm->glue[i], word, len) == 0)
			return true;
	return false;
}

void pr_address_norm_free(pr_address_norm *norm)
{
	if (!norm)
		return;
	for (size_t i = 0; i < norm->n_words; i++) {
		free(norm->words[i].word);
		free(norm->words[i].expansion);
	}
	for (size_t i = 0; i < norm->n_suffixes; i++) {
		free(norm->suffixes[i].word);
		free(norm->suffixes[i].expansion);
	}
	free(norm->words);
	free(norm->suffixes);
	free(norm->glue); /* the strings are the suffix rows' expansions */
	free(norm);
}

/* Folds one field of a table row into a new string; a failure is reported on ctx. */
static int fold_field(pr_context *ctx, const char *name, int line, const char *what,
		      const char *text, size_t len, bool one_word, char **ret)
{
	pr_strbuf sb = {0};
	int r = 0;
	int err = fold(text, len, &sb);
	if (err == ENOMEM) {
		r = PR_ENOMEM;
		goto done;
	}
	if (err) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d: the %s is not UTF-8 text", name, line,
			     what);
		goto done;
	}
	if (sb.len == 0) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d: the %s '%.*s' has no letter or digit",
			     name, line, what, (int)len, text);
		goto done;
	}
	if (one_word && strchr(sb.data, ' ')) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d: the %s '%.*s' is not one word", name,
			     line, what, (int)len, text);
		goto done;
	}
	*ret = sb.data;
	sb.data = NULL;
done:
	pr_strbuf_free(&sb);
	return r;
}

/* Reads one row (the line without its end) into norm. */
static int parse_row(pr_context *ctx, const char *name, int line, const char *text, size_t len,
		     pr_address_norm *norm)
{
	abbreviation row = {NULL, NULL, line};
	int r = 0;
	const char *tab = memchr(text, '\t', len);
	if (!tab) {
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d: expected an abbreviation, a TAB and its expansion", name,
			     line);
		goto done;
	}
	const char *expansion = tab + 1;
	size_t expansion_len = len - (size_t)(expansion - text);
	if (memchr(expansion, '\t', expansion_len)) {
		r = pr_error(ctx, PR_ECONFIG, "%s line %d: more than one TAB", name, line);
		goto done;
	}
	const char *word = text;
	size_t word_len = (size_t)(tab - text);
	while (word_len > 0 && (*word == ' '))
		word++, word_len--;
	bool suffix = word_len > 0 && *word == '-';
	if (suffix)
		word++, word_len--;
	r = fold_field(ctx, name, line, "abbreviation", word, word_len, true, &row.word);
	if (r < 0)
		goto done;
	r = fold_field(ctx, name, line, "expansion", expansion, expansion_len, suffix,
		       &row.expansion);
	if (r < 0)
		goto done;
	if (suffix && strlen(row.word) < 2) {
		/* A one-letter suffix would cut the last letter off ordinary words. */
		r = pr_error(ctx, PR_ECONFIG,
			     "%s line %d: the suffix '-%s' is shorter than two letters", name, line,
			     row.word);
		goto done;
	}
	abbreviation **list = suffix ? &norm->suffixes : &norm->words;
	size_t *n = suffix ? &norm->n_suffixes : &norm->n_words;
	size_t *cap = suffix ? &norm->suffixes_cap : &norm->words_cap;
	if (pr_grow((void **)list, cap, *n + 1, sizeof row) < 0) {
		r = PR_ENOMEM;
		goto done;
	}
	(*list)[(*n)++] = row;
	row.word = row.expansion = NULL;
done:
	free(row.word);
	free(row.expansion);
	return r;
}

/* Two rows for one abbreviation would make the result depend on the order of the file. */
static int check_duplicates(pr_context *ctx, const char *name, const abbreviation *rows, size_t n,
			    const char *prefix)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(rows[i - 1].word, rows[i].word) == 0) {
			int first =
			    rows[i - 1].line < rows[i].line ? rows[i - 1].line : rows[i].line;
			int second =
			    rows[i - 1].line < rows[i].line ? rows[i].line : rows[i - 1].line;
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d: '%s%s' is already abbreviated on line %d",
					name, second, prefix, rows[i].word, first);
		}
	return 0;
}

/* An expansion that is itself an abbreviation would be expanded again when a name that is
 * already written out is normalised, and the two would no longer compare equal. */
static int check_expansions(pr_context *ctx, const char *name, const pr_address_norm *norm,
			    const abbreviation *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *words = strdup(rows[i].expansion);
		if (!words)
			return PR_ENOMEM;
		char *save = NULL;
		for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			const abbreviation *again = find_word(norm, w);
			if (again) {
				int r = pr_error(ctx, PR_ECONFIG,
						 "%s line %d: the expansion '%s' is itself "
						 "abbreviated on line %d",
						 name, rows[i].line, w, again->line);
				free(words);
				return r;
			}
		}
		free(words);
	}
	return 0;
}

int pr_address_norm_parse(pr_context *ctx, const char *name, const char *text,
			  pr_address_norm **ret_norm)
{
	pr_address_norm *norm = calloc(1, sizeof *norm);
	int r = 0;
	if (!norm) {
		r = PR_ENOMEM;
		goto done;
	}
	int line = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *next = end ? end + 1 : p + len;
		line++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		size_t skip = 0;
		while (skip < len && (p[skip] == ' ' || p[skip] == '\t'))
			skip++;
		if (skip < len && p[skip] != '#') {
			r = parse_row(ctx, name, line, p, len, norm);
			if (r < 0)
				goto done;
		}
		p = next;
	}
	/* qsort and bsearch want an array even when it is empty. */
	if (norm->n_words > 0)
		qsort(norm->words, norm->n_words, sizeof *norm->words, compare_words);
	r = check_duplicates(ctx, name, norm->words, norm->n_words, "");
	if (r < 0)
		goto done;
	if (norm->n_suffixes > 0)
		qsort(norm->suffixes, norm->n_suffixes, sizeof *norm->suffixes, compare_suffixes);
	r = check_duplicates(ctx, name, norm->suffixes, norm->n_suffixes, "-");
	if (r < 0)
		goto done;
	r = check_expansions(ctx, name, norm, norm->words, norm->n_words);
	if (r < 0)
		goto done;
	r = check_expansions(ctx, name, norm, norm->suffixes, norm->n_suffixes);
	if (r < 0)
		goto done;
	for (size_t i = 0; i < norm->n_suffixes; i++) {
		if (pr_grow((void **)&norm->glue, &norm->glue_cap, norm->n_glue + 1,
			    sizeof *norm->glue) < 0) {
			r = PR_ENOMEM;
			goto done;
		}
		norm->glue[norm->n_glue++] = norm->suffixes[i].expansion;
	}
	if (norm->n_glue > 0)
		qsort(norm->glue, norm->n_glue, sizeof *norm->glue, compare_strings);
	size_t distinct = 0;
	for (size_t i = 0; i < norm->n_glue; i++)
		if (distinct == 0 || strcmp(norm->glue[distinct - 1], norm->glue[i]) != 0)
			norm->glue[distinct++] = norm->glue[i];
	norm->n_glue = distinct;
	*ret_norm = norm;
	norm = NULL;
done:
	pr_address_norm_free(norm);
	return r;
}

int pr_address_norm_new(pr_context *ctx, pr_address_norm **ret_norm)
{
	return pr_address_norm_parse(ctx, "(built-in) abbreviations.tsv",
				     (const char *)pr_address_abbreviations, ret_norm);
}

/* Appends one word of the result, glued onto the previous one when it is a compound suffix. */
static int emit_word(const pr_address_norm *norm, pr_strbuf *out, const char *word, size_t len)
{
	bool glue = out->len > 0 && is_glue(norm, word, len);
	if (out->len > 0 && !glue && pr_strbuf_append(out, " ", 1) < 0)
		return PR_ENOMEM;
	return pr_strbuf_append(out, word, len);
}

/* The words of folded, expanded through the table, into out. */
static int expand(const pr_address_norm *norm, char *folded, pr_strbuf *out)
{
	char *save = NULL;
	for (char *w = strtok_r(folded, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const abbreviation *a = find_word(norm, w);
		if (a) {
			/* The expansion is folded: words separated by single spaces. */
			for (const char *e = a->expansion; *e;) {
				size_t n = strcspn(e, " ");
				if (emit_word(norm, out, e, n) < 0)
					return PR_ENOMEM;
				e += n + (e[n] == ' ');
			}
			continue;
		}
		size_t len = strlen(w);
		const abbreviation *suffix = NULL;
		for (size_t i = 0; i < norm->n_suffixes && !suffix; i++) {
			size_t sl = strlen(norm->suffixes[i].word);
			if (len >= sl + 2 && memcmp(w + len - sl, norm->suffixes[i].word, sl) == 0)
				suffix = &norm->suffixes[i];
		}
		if (!suffix) {
			if (emit_word(norm, out, w, len) < 0)
				return PR_ENOMEM;
			continue;
		}
		/* The expanded compound ("kerkstraat") is never a suffix of its own to glue. */
		size_t stem = len - strlen(suffix->word);
		if ((out->len > 0 && pr_strbuf_append(out, " ", 1) < 0) ||
		    pr_strbuf_append(out, w, stem) < 0 ||
		    pr_strbuf_append(out, suffix->expansion, strlen(suffix->expansion)) < 0)
			return PR_ENOMEM;
	}
	return 0;
}

char *pr_address_normalise(const pr_address_norm *norm, const char *text)
{
	pr_strbuf folded = {0}, out = {0};
	char *result = NULL;
	int err = 0;
	if (!text) {
		err = EINVAL;
		goto done;
	}
	size_t len = strlen(text);
	if (len > PR_ADDRESS_TEXT_MAX) {
		err = E2BIG;
		goto done;
	}
	err = fold(text, len, &folded);
	if (err)
		goto done;
	if (!norm) {
		result = folded.data;
		folded.data = NULL;
		goto done;
	}
	if (pr_strbuf_append(&out, "", 0) < 0 || expand(norm, folded.data, &out) < 0) {
		err = ENOMEM;
		goto done;
	}
	result = out.data;
	out.data = NULL;
done:
	pr_strbuf_free(&folded);
	pr_strbuf_free(&out);
	if (!result)
		errno = err;
	return result;
}

static bool ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void pr_address_normalise_postcode(const char *text, char ret[PR_ADDRESS_POSTCODE_MAX + 1])
{
	ret[0] = '\0';
	if (!text)
		return;
	const char *start = text, *end = text + strlen(text);
	while (start < end && ascii_space(*start))
		start++;
	while (end > start && ascii_space(end[-1]))
		end--;
	/* A country prefix: one or two letters, then a '-' or spaces before the code's digits. */
	const char *p = start;
	while (p < end && p - start < 3 && ascii_letter(*p))
		p++;
	const char *code = p;
	while (code < end && (*code == '-' || ascii_space(*code)))
		code++;
	if (p > start && p - start <= 2 && code > p && code < end && ascii_digit(*code))
		start = code;
	/* A locality after the code's digits: a separator, then a name of three characters or
	 * more (the two letters of a Dutch postcode stay). */
	if (start < end && ascii_digit(*start)) {
		const char *digits_end = start;
		while (digits_end < end && ascii_digit(*digits_end))
			digits_end++;
		const char *name = digits_end;
		while (name < end && (ascii_space(*name) || *name == '-' || *name == ','))
			name++;
		if (name > digits_end && end - name >= 3 && !ascii_digit(*name))
			end = digits_end;
	}
	if ((size_t)(end - start) > PR_ADDRESS_POSTCODE_MAX)
		return;
	memcpy(ret, start, (size_t)(end - start));
	ret[end - start] = '\0';
}
