/* SPDX-License-Identifier: MIT */
/* Private core of the engine: the context every stage works through, the error adapters, the
 * one helper that runs work on threads, and the small value parsers (numbers, dates) shared by
 * the reading stages. Not part of the public API. */
#ifndef PR_CORE_H
#define PR_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geos_c.h>

#include "parcelrisk/parcelrisk.h"

#define PR_ERRMSG_MAX  1024
#define PR_MAX_THREADS 64

/* Everything here belongs to one thread at a time: a worker thread works through a child
 * context (pr_context_child, pr_parallel). */
struct pr_context {
	GEOSContextHandle_t geos; /* owned; its error handler fills geos_msg */
	char geos_msg[512];	  /* GEOS's last error message, "" when none: see pr_error_geos */
	char errmsg[PR_ERRMSG_MAX];
	pr_progress_fn progress;
	void *progress_user;
	pr_log_fn log;
	void *log_user;
	int threads;
};

/* A context for a worker thread: its own GEOS handle and error message, the parent's
 * callbacks (called under a lock) and thread count. Free with pr_context_free(). */
int pr_context_child(const pr_context *parent, pr_context **ret_child);

/* Records the detail of a failure on the context and returns status, so that callers can write
 * `return pr_error(ctx, PR_ECONFIG, "...")`. */
int pr_error(pr_context *ctx, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, appending GDAL's last error message when there is one. */
int pr_error_gdal(pr_context *ctx, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, appending GEOS's last error message on this context when there is one (and
 * forgetting it): for a GEOS call made with ctx->geos that failed. */
int pr_error_geos(pr_context *ctx, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pr_log(pr_context *ctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pr_progress(pr_context *ctx, const char *stage, uint64_t done, uint64_t total);

/* Number of worker threads to use (the context's setting, else the number of cores). */
int pr_thread_count(const pr_context *ctx);

/* ---- threads ------------------------------------------------------------------------------- */

/* Task index of pr_parallel, run with the worker's own context: its GEOS handle is the one to
 * use, and a failure is returned as a negative status with its detail on ctx (pr_error...).
 * Tasks must not depend on which thread runs them or in which order they finish. */
typedef int (*pr_task_fn)(pr_context *ctx, int index, void *user);

enum pr_parallel_mode {
	/* Up to pr_thread_count() threads share the tasks: work split into chunks. */
	PR_PARALLEL_POOL,
	/* A thread for every task, whatever the thread setting: a few long tasks that should
	 * overlap, such as reading each source. */
	PR_PARALLEL_EACH,
};

/* Runs task(worker_ctx, i, user) for every i in [0, n_tasks) and returns when all are done.
 * The calling thread is one of the workers; each worker has its own child context
 * (pr_context_child). Tasks start in index order; when a thread cannot be created the other
 * workers, the caller included, take its tasks. After a task fails no more tasks start.
 * Returns 0, or the status of the first failed task in index order with its message copied
 * onto ctx. */
int pr_parallel(pr_context *ctx, int n_tasks, enum pr_parallel_mode mode, pr_task_fn task,
		void *user);

/* ---- values -------------------------------------------------------------------------------- */

/* Removes leading and trailing white space in place; returns s. */
char *pr_trim(char *s);
/* True when s is NULL or only white space. */
bool pr_blank(const char *s);

/* Parses a decimal number independently of the locale, the whole string (surrounding spaces
 * allowed) and nothing else; rejects NaN and infinities. */
bool pr_parse_double(const char *s, double *ret);
/* The same for a whole number in [min, max]. */
bool pr_parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);
/* The same two with the source's decimal mark: '.' as above, or ',' (4,35 is 4.35; a value
 * holding a dot, or two commas, is refused: 1.234,5 could be a thousand). */
bool pr_parse_double_decimal(const char *s, char decimal, double *ret);
bool pr_parse_int64_decimal(const char *s, char decimal, int64_t min, int64_t max, int64_t *ret);

/* The order in which a source writes slashed dates (its date_format); ISO 8601 is always read. */
enum pr_date_format {
	PR_DATE_DMY = 0, /* DD/MM/YYYY, the default */
	PR_DATE_MDY,	 /* MM/DD/YYYY */
	PR_DATE_YMD,	 /* YYYY/MM/DD */
};

/* Parses an ISO 8601 date or date-time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], a space in
 * place of the T) or DD/MM/YYYY, checking that the day exists, into year, month and day: any
 * four-digit year (what is plausible is the caller's rule). */
bool pr_parse_civil(const char *s, int *ret_y, int *ret_m, int *ret_d);
/* The same with the slashed form of format in place of DD/MM/YYYY (two-digit days and months,
 * four-digit years; ISO 8601 is read whatever the format). */
bool pr_parse_civil_as(const char *s, enum pr_date_format format, int *ret_y, int *ret_m,
		       int *ret_d);
/* True when s is a slashed date NN/NN/YYYY that is a real day read day-first and month-first
 * alike (neither part above 12): its order cannot be told from the value. */
bool pr_date_order_ambiguous(const char *s);
/* The same for the years 1800 to 2200 (dates a user gives: as_of, --as-of). Returns days since
 * 1970-01-01. */
bool pr_parse_date(const char *s, int32_t *ret_days);
/* True when year y (0 to 9999), month m and day d make a day of the Gregorian calendar. */
bool pr_valid_civil(int y, int m, int d);
/* Formats days since 1970-01-01 as YYYY-MM-DD into buf (11 bytes at least). */
void pr_format_date(int32_t days, char *buf);
/* The same text for a day from 1800-01-01 to 2199-12-31, from a table made once (the working
 * store serves tens of millions of dates), NUL-terminated; NULL for a day outside. */
const char *pr_date_text(int32_t days);
int32_t pr_days_from_civil(int y, int m, int d);
void pr_civil_from_days(int32_t days, int *y, int *m, int *d);
/* A month count added to a day, the day of the month kept (clamped to the month's length). */
int32_t pr_add_months(int32_t days, int months);
/* Seconds on a monotonic clock, for stage timings. */
double pr_now(void);
/* Today in UTC, as days since 1970-01-01. */
int32_t pr_today(void);

/* True when the n bytes at s are valid UTF-8: no stray or missing continuation byte, no
 * overlong form, no surrogate, nothing above U+10FFFF. */
bool pr_utf8_valid(const char *s, size_t n);
/* The largest length not above n at which the valid UTF-8 text s can be cut without splitting a
 * character (strlen(s) when n is beyond it). */
size_t pr_utf8_cut(const char *s, size_t n);
/* Copies text from a source into buf (size bytes) for a message or a reject: valid UTF-8 as it
 * is, every other byte as \xHH, so the message stays valid UTF-8; as much as fits, never ending
 * inside a character or an escape. s may be NULL (""). Returns buf. */
const char *pr_text_for_message(const char *s, char *buf, size_t size);
/* True when a and b are equal after folding ASCII letters to lower case (other bytes as they
 * are, whatever the locale). */
bool pr_ascii_equal_fold(const char *a, const char *b);
/* Formats a coordinate in metres for a message: to the centimetre, or as %.17g when it is not
 * finite or far beyond any real coordinate (1e308 prints short). Returns buf. */
const char *pr_format_coordinate(double v, char *buf, size_t size);

/* ---- growable buffers ---------------------------------------------------------------------- */

typedef struct pr_strbuf {
	char *data;
	size_t len;
	size_t cap;
} pr_strbuf;

int pr_strbuf_append(pr_strbuf *sb, const char *s, size_t n);
int pr_strbuf_printf(pr_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pr_strbuf_free(pr_strbuf *sb);

/* Grows *array (of elem_size elements, *cap of them) to hold at least need; 0 or PR_ENOMEM. */
int pr_grow(void **array, size_t *cap, size_t need, size_t elem_size);

/* ---- sorting -------------------------------------------------------------------------------- */

/* Sorts the n values of a by their high 32 bits (a sort key; the low 32 bits usually carry
 * where the value came from), keeping the order of equal keys: a radix sort, linear where qsort
 * was most of a national run's spatial sorts. tmp holds n values too. */
void pr_sort_by_high_u32(uint64_t *a, uint64_t *tmp, size_t n);

/* A float's bits as an unsigned key that orders as the floats do (-0 before +0); a NaN goes
 * after +inf, or before -inf when its sign bit is set. */
uint32_t pr_float_sort_key(float f);

/* ---- text stored once ---------------------------------------------------------------------- */

/* A hash of len bytes: spread in its low bits, for power-of-two tables. */
uint32_t pr_hash_bytes(const void *bytes, size_t len);
/* Open-addressing tables whose slots hold a hash in their high 32 bits (0: empty): doubles
 * *slots (to first when there are none) and places every slot again by its hash, linear
 * probing. 0 or PR_ENOMEM. */
int pr_hash_slots_grow(uint64_t **slots, size_t *slot_count, size_t first);

/* The text values of one column (core/text_pool.c): NUL-terminated strings one after the other
 * in bytes, each value referred to by its offset, 0 for no value. Repeated values are stored
 * once while the hash table of slots shows they repeat; a column of mostly distinct values
 * stops looking for copies. A reference stays valid as the pool grows; a pointer from
 * pr_text_pool_get only until the next add. */
typedef struct pr_text_pool {
	char *bytes;
	size_t len, cap;
	uint64_t *slots; /* hash << 32 | offset; 0 when empty */
	size_t slot_count;
	uint64_t added, distinct;
	bool plain; /* no longer looking for copies */
} pr_text_pool;

/* Stores s (NULL: no value, reference 0) and gives its reference; 0, or PR_ENOMEM (also when
 * the pool would pass 4 GiB, which references cannot reach). */
int pr_text_pool_add(pr_text_pool *pool, const char *s, uint32_t *ret_ref);
static inline const char *pr_text_pool_get(const pr_text_pool *pool, uint32_t ref)
{
	return ref ? pool->bytes + ref : NULL;
}
/* Done adding: the hash table goes, the buffer shrinks to what it holds. Adding stays
 * possible (without looking for copies). */
void pr_text_pool_freeze(pr_text_pool *pool);
void pr_text_pool_free(pr_text_pool *pool);

/* Joins dir and a path relative to it, unless path is absolute or a connection string
 * ("PG:...", "/vsi..."). The caller frees the result. */
char *pr_path_relative_to(const char *dir, const char *path);
/* The folder part of path ("." when none). The caller frees the result. */
char *pr_dirname(const char *path);
/* The file name part of path: a pointer into path. */
const char *pr_basename(const char *path);

/* ---- credentials --------------------------------------------------------------------------- */

/* Writes text into out (at least strlen(text) + 1 bytes) without the credentials it holds, as
 * pr_redact_credentials() does. The result is never longer, and out may be text itself. */
void pr_redact(const char *text, char *out);

/* SHA-256 of a buffer or of a file's content, as 64 hex digits and a NUL. */
void pr_sha256_hex(const void *data, size_t size, char out[65]);
bool pr_sha256_file(const char *path, char out[65]);
/* HMAC-SHA-256 of data with key (RFC 2104, nettle's), as 32 bytes. */
#define PR_SHA256_SIZE 32
void pr_hmac_sha256(const uint8_t *key, size_t key_size, const void *data, size_t size,
		    uint8_t out[PR_SHA256_SIZE]);
/* Writes n bytes as 2n lower-case hex digits and a NUL into out. */
void pr_hex(const uint8_t *bytes, size_t n, char *out);

/* ---- pseudonyms ---------------------------------------------------------------------------- */

#define PR_PSEUDONYM_SIZE 17 /* "own-" + 12 hex digits + NUL */

/* The key of the owners' pseudonyms, as read from its file. */
typedef struct pr_pseudonym_key {
	uint8_t *bytes;
	size_t size;
} pr_pseudonym_key;

/* Reads the key file at path into *key (freed with pr_pseudonym_key_free()). The key is the
 * file's bytes less one line end at the end ("\n" or "\r\n"): the 64 hex digits keygen writes
 * are the key as they are, as text, not decoded. PR_ECONFIG, with a message naming the file and
 * saying what to do, when path is NULL or empty, the file is missing or unreadable, is not a
 * regular file, is open to others (any of the mode's bits 007: group access is allowed),
 * holds fewer than 32 bytes of key or more than 4096 bytes. *key is written only on success. */
int pr_pseudonym_key_load(pr_context *ctx, const char *path, pr_pseudonym_key *key);
/* Zeroes and frees the key's bytes; accepts NULL and a zeroed or freed key. */
void pr_pseudonym_key_free(pr_pseudonym_key *key);
/* The pseudonym of owner: "own-" and the first 12 hex digits of HMAC-SHA-256(key, name), the
 * name folded as street names are (pr_address_normalise() without the abbreviation table:
 * case, accents, punctuation and spacing), so that "DUPONT  Jean" and "Dupont Jean" get the same
 * pseudonym, but "Jean Dupont" another. A name the folding refuses (not UTF-8, longer than
 * PR_ADDRESS_TEXT_MAX) is used as it is. out is "" for a NULL owner or one without letters or
 * digits (the caller writes NULL). 0, or PR_ENOMEM (out ""). */
int pr_pseudonym(const pr_pseudonym_key *key, const char *owner, char out[PR_PSEUDONYM_SIZE]);

#endif
