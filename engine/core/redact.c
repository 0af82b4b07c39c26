/* SPDX-License-Identifier: MIT */
/* Takes credentials out of text before it is stored or shown: the password of a connection
 * string (PostgreSQL's key = value form, as in GDAL's "PG:dbname=x password=y") and the password
 * of a URL's user:password@. Every message the engine keeps and every run_info value goes
 * through it, so that a password given in a sources file never reaches a file or a terminal. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The end of a key = value pair whose key is the word [start, word_end) when that word is a
 * password key ("password", "sslpassword", any case) followed by '=', else NULL. A value in
 * quotes (libpq's single quotes, or double quotes) ends at the closing quote, a backslash
 * escaping the next character; without quotes it ends at white space, and also at '&' in a
 * URL's query (in_query). A value whose closing quote is missing runs to the end of the text:
 * more is removed rather than part of a password kept. */
static const char *password_pair_end(const char *word_end, size_t word_len, bool in_query)
{
	static const char key[] = "password";
	size_t key_len = sizeof key - 1;
	if (word_len < key_len || strncasecmp(word_end - key_len, key, key_len) != 0)
		return NULL;
	const char *p = word_end;
	while (is_space(*p))
		p++;
	if (*p != '=')
		return NULL;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\'' || *p == '"') {
		char quote = *p++;
		while (*p && *p != quote)
			p += p[0] == '\\' && p[1] ? 2 : 1;
		return *p ? p + 1 : p;
	}
	while (*p && !is_space(*p) && !(in_query && *p == '&'))
		p++;
	return p;
}

/* True when p, pointing at "://", ends a URL's scheme. */
static bool after_scheme(const char *text, const char *p)
{
	return p > text && strncmp(p, "://", 3) == 0 && isalpha((unsigned char)p[-1]);
}

/* Given the start of a URL's authority, the password part of its userinfo: [*ret_start,
 * *ret_end) is ":password" before the '@' (its last one, since a password may hold an '@' that
 * was not escaped). False when the authority has no user:password@. The authority ends at the
 * first '/' or white space. */
static bool url_password(const char *authority, const char **ret_start, const char **ret_end)
{
	const char *end = authority;
	while (*end && *end != '/' && !is_space(*end))
		end++;
	const char *at = NULL;
	for (const char *p = authority; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return false;
	const char *colon = memchr(authority, ':', (size_t)(at - authority));
	if (!colon)
		return false;
	*ret_start = colon;
	*ret_end = at;
	return true;
}

/* In place too: w never passes r, and the character before r that the scan looks at is
 * never one already overwritten (a write lands before r only after a removal moved r on). */
void pr_redact(const char *text, char *out)
{
	const char *r = text;
	char *w = out;
	while (*r) {
		if (*r == ':' && after_scheme(text, r)) {
			const char *start, *end;
			memmove(w, r, 3);
			w += 3;
			r += 3;
			if (url_password(r, &start, &end)) {
				memmove(w, r, (size_t)(start - r));
				w += start - r;
				r = end; /* the '@' stays */
			}
			continue;
		}
		if (!is_word_char(*r) || (r > text && is_word_char(r[-1]))) {
			*w++ = *r++;
			continue;
		}
		const char *word_end = r;
		while (is_word_char(*word_end))
			word_end++;
		bool in_query = r > text && (r[-1] == '?' || r[-1] == '&');
		const char *pair_end =
		    password_pair_end(word_end, (size_t)(word_end - r), in_query);
		if (!pair_end) {
			memmove(w, r, (size_t)(word_end - r));
			w += word_end - r;
			r = word_end;
			continue;
		}
		/* The pair goes with the separator after it, or else the one before it, so that
		 * "a password=x b" becomes "a b" and "a b password=x" becomes "a b". */
		r = pair_end;
		if (in_query && *r == '&')
			r++;
		else if (is_space(*r))
			while (is_space(*r))
				r++;
		else if (in_query && w > out && w[-1] == '&')
			w--;
		else
			while (w > out && is_space(w[-1]))
				w--;
	}
	*w = '\0';
}

char *pr_redact_credentials(const char *text)
{
	char *out = text ? malloc(strlen(text) + 1) : NULL;
	if (out)
		pr_redact(text, out);
	return out;
}
