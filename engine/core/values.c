/* SPDX-License-Identifier: MIT */
/* Value parsers shared by every reading stage: locale-independent numbers, ISO 8601 and
 * slashed dates (DD/MM/YYYY, MM/DD/YYYY or YYYY/MM/DD) checked against the calendar, numbers
 * with a decimal comma, UTF-8 validity and text made safe to echo in a
 * message, white-space trimming, paths and buffers. */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

char *pr_trim(char *s)
{
	if (!s)
		return s;
	char *start = s;
	while (isspace((unsigned char)*start))
		start++;
	size_t len = strlen(start);
	while (len > 0 && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

bool pr_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* strtod() obeys LC_NUMERIC; a "C" locale object makes the parse the same whatever the
 * process's locale is. Created once; never freed (it lives as long as the process). */
static locale_t c_locale_object;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale_object = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static locale_t c_locale(void)
{
	pthread_once(&c_locale_once, make_c_locale);
	return c_locale_object;
}

bool pr_parse_double(const char *s, double *ret)
{
	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || strlen(s) > 64)
		return false;
	/* Only plain decimal notation: no hex floats, no "nan", no "inf". */
	for (const char *p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+' ||
		      *p == 'e' || *p == 'E' || isspace((unsigned char)*p)))
			return false;
	char *end = NULL;
	errno = 0;
	double v = strtod_l(s, &end, c_locale());
	if (end == s || errno == ERANGE || !isfinite(v))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*ret = v;
	return true;
}

bool pr_parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno == ERANGE)
		return false;
	/* Accept "3.0" from spreadsheets, not "3.5". */
	if (*end == '.') {
		end++;
		while (*end == '0')
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

/* The text of a number written with a decimal comma, in the C form: the comma becomes a point.
 * A dot is refused (it may be a thousands separator: 1.234,5), as is more than one comma. */
static bool decimal_comma_to_point(const char *s, char *buf, size_t size)
{
	if (!s || strlen(s) >= size || strchr(s, '.'))
		return false;
	int commas = 0;
	size_t i = 0;
	for (; s[i]; i++) {
		buf[i] = s[i] == ',' ? '.' : s[i];
		commas += s[i] == ',';
	}
	buf[i] = '\0';
	return commas <= 1;
}

bool pr_parse_double_decimal(const char *s, char decimal, double *ret)
{
	char buf[72];
	if (decimal != ',')
		return pr_parse_double(s, ret);
	return decimal_comma_to_point(s, buf, sizeof buf) && pr_parse_double(buf, ret);
}

bool pr_parse_int64_decimal(const char *s, char decimal, int64_t min, int64_t max, int64_t *ret)
{
	char buf[72];
	if (decimal != ',')
		return pr_parse_int64(s, min, max, ret);
	return decimal_comma_to_point(s, buf, sizeof buf) && pr_parse_int64(buf, min, max, ret);
}

/* Days from civil, after Howard Hinnant's public-domain algorithm. */
int32_t pr_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

void pr_civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	const int era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int yy = (int)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

bool pr_valid_civil(int y, int m, int d)
{
	return y >= 0 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int32_t pr_add_months(int32_t days, int months)
{
	int y, m, d;
	pr_civil_from_days(days, &y, &m, &d);
	int total = y * 12 + (m - 1) + months;
	y = total / 12;
	m = total % 12 + 1;
	int last = days_in_month(y, m);
	return pr_days_from_civil(y, m, d > last ? last : d);
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

/* The time part after a date: THH:MM[:SS[.fff]][Z|±HH[:MM]]. Only checked, not used: the
 * engine works with days. */
static bool time_part(const char *p)
{
	int hh, mm, ss = 0;
	if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &ss))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (hh > 24 || mm > 59 || ss > 60)
		return false;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om = 0;
		p++;
		if (!digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !digits(&p, 2, &om))
			return false;
		if (oh > 14 || om > 59)
			return false;
	}
	return *p == '\0';
}

/* A slashed date's three parts as written: two digits, two digits, four digits (a two-digit
 * year is refused: 01/02/24 could be 1924 or 2024), or with date_format YYYY/MM/DD four, two and
 * two. Returns false when s is not of that shape. */
static bool slashed_parts(const char *p, bool year_first, int *a, int *b, int *c)
{
	if (year_first)
		return digits(&p, 4, a) && *p++ == '/' && digits(&p, 2, b) && *p++ == '/' &&
		       digits(&p, 2, c) && !*p;
	return digits(&p, 2, a) && *p++ == '/' && digits(&p, 2, b) && *p++ == '/' &&
	       digits(&p, 4, c) && !*p;
}

/* Copies s trimmed into buf (size bytes); false when it does not fit. */
static bool trimmed_copy(const char *s, char *buf, size_t size)
{
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len >= size)
		return false;
	memcpy(buf, s, len + 1);
	pr_trim(buf);
	return true;
}

bool pr_parse_civil_as(const char *s, enum pr_date_format format, int *ret_y, int *ret_m,
		       int *ret_d)
{
	char buf[64];
	if (!trimmed_copy(s, buf, sizeof buf))
		return false;
	const char *p = buf;
	int y, m, d;
	bool iso = isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
		   isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && p[4] == '-';
	if (!iso) {
		/* Only the form the source says it writes: 2024/03/05 in a DD/MM/YYYY column
		 * is as wrong as 05/03/2024 in a YYYY/MM/DD one. */
		int a, b, c;
		if (!slashed_parts(p, format == PR_DATE_YMD, &a, &b, &c))
			return false;
		switch (format) {
		case PR_DATE_DMY:
			d = a, m = b, y = c;
			break;
		case PR_DATE_MDY:
			m = a, d = b, y = c;
			break;
		case PR_DATE_YMD:
		default:
			y = a, m = b, d = c;
			break;
		}
	} else {
		if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &m) || *p++ != '-' ||
		    !digits(&p, 2, &d))
			return false;
		if (*p == 'T' || *p == ' ') {
			if (!time_part(p + 1))
				return false;
		} else if (*p) {
			return false;
		}
	}
	if (!pr_valid_civil(y, m, d))
		return false;
	*ret_y = y;
	*ret_m = m;
	*ret_d = d;
	return true;
}

bool pr_parse_civil(const char *s, int *ret_y, int *ret_m, int *ret_d)
{
	return pr_parse_civil_as(s, PR_DATE_DMY, ret_y, ret_m, ret_d);
}

bool pr_date_order_ambiguous(const char *s)
{
	char buf[64];
	int a, b, c;
	if (!trimmed_copy(s, buf, sizeof buf) || !slashed_parts(buf, false, &a, &b, &c))
		return false;
	/* Every month has a 12th day: both orders make a day exactly when both parts are
	 * months. */
	return a >= 1 && a <= 12 && b >= 1 && b <= 12;
}

bool pr_parse_date(const char *s, int32_t *ret_days)
{
	int y, m, d;
	if (!pr_parse_civil(s, &y, &m, &d) || y < 1800 || y > 2200)
		return false;
	*ret_days = pr_days_from_civil(y, m, d);
	return true;
}

/* The length of the UTF-8 sequence at s (n bytes available), or 0 when it is not one: the
 * table of RFC 3629, so overlong forms, surrogates (U+D800-U+DFFF) and code points above
 * U+10FFFF are refused, as are sequences cut short. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

bool pr_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(p + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

size_t pr_utf8_cut(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	if (n >= len)
		return len;
	/* s[n] is the first byte left out: while it continues a sequence, the cut is inside one. */
	while (n > 0 && (p[n] & 0xC0) == 0x80)
		n--;
	return n;
}

const char *pr_text_for_message(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), out = 0;
	if (size == 0)
		return buf;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(p + i, n - i);
		/* Each piece goes whole or not at all: a message never ends inside a character
		 * or an escape. */
		if (len) {
			if (out + len >= size)
				break;
			memcpy(buf + out, p + i, len);
			out += len;
			i += len;
		} else {
			if (out + 4 >= size)
				break;
			snprintf(buf + out, 5, "\\x%02X", p[i]);
			out += 4;
			i++;
		}
	}
	buf[out] = '\0';
	return buf;
}

bool pr_ascii_equal_fold(const char *a, const char *b)
{
	/* By hand: strcasecmp follows the locale, and only ASCII letters fold here. */
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

const char *pr_format_coordinate(double v, char *buf, size_t size)
{
	/* To the centimetre, as coordinates in metres are read; a value far beyond any real
	 * coordinate (1e308 written by a broken export) in exponent notation, so that it prints
	 * in a few characters rather than three hundred digits. */
	if (isfinite(v) && fabs(v) < 1e12)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.17g", v);
	return buf;
}

/* The days pr_date_text has in its table: "YYYY-MM-DD" and its NUL each. */
#define DATE_TEXT_FIRST_YEAR 1800
#define DATE_TEXT_END_YEAR   2200
#define DATE_TEXT_SIZE	     11
static char *date_texts;
static int32_t date_texts_first, date_texts_end;
static pthread_once_t date_texts_once = PTHREAD_ONCE_INIT;

static void make_date_texts(void)
{
	int32_t first = pr_days_from_civil(DATE_TEXT_FIRST_YEAR, 1, 1);
	int32_t end = pr_days_from_civil(DATE_TEXT_END_YEAR, 1, 1);
	char *texts = malloc((size_t)(end - first) * DATE_TEXT_SIZE);
	if (!texts)
		return; /* pr_date_text then says NULL, and its callers format each date */
	for (int32_t d = first; d < end; d++)
		pr_format_date(d, texts + (size_t)(d - first) * DATE_TEXT_SIZE);
	date_texts_first = first;
	date_texts_end = end;
	date_texts = texts;
}

const char *pr_date_text(int32_t days)
{
	pthread_once(&date_texts_once, make_date_texts);
	if (!date_texts || days < date_texts_first || days >= date_texts_end)
		return NULL;
	return date_texts + (size_t)(days - date_texts_first) * DATE_TEXT_SIZE;
}

void pr_format_date(int32_t days, char *buf)
{
	/* By hand rather than snprintf: the store formats millions of dates. */
	int y, m, d;
	pr_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}

double pr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int32_t pr_today(void)
{
	return (int32_t)(time(NULL) / 86400);
}

int pr_grow(void **array, size_t *cap, size_t need, size_t elem_size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*array, ncap * elem_size);
	if (!p)
		return PR_ENOMEM;
	*array = p;
	*cap = ncap;
	return 0;
}

int pr_strbuf_append(pr_strbuf *sb, const char *s, size_t n)
{
	if (pr_grow((void **)&sb->data, &sb->cap, sb->len + n + 1, 1) < 0)
		return PR_ENOMEM;
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return 0;
}

int pr_strbuf_printf(pr_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PR_EINTERNAL;
	if (pr_grow((void **)&sb->data, &sb->cap, sb->len + (size_t)n + 1, 1) < 0)
		return PR_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

void pr_strbuf_free(pr_strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

char *pr_path_relative_to(const char *dir, const char *path)
{
	bool keep = path[0] == '/' || strncmp(path, "/vsi", 4) == 0 || strchr(path, ':') != NULL;
	if (keep || !dir || !*dir || strcmp(dir, ".") == 0)
		return strdup(path);
	size_t n = strlen(dir) + strlen(path) + 2;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", dir, path);
	return out;
}

const char *pr_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

char *pr_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}
