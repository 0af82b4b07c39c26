/* SPDX-License-Identifier: MIT */
/* Storage of the records read from one source: parallel arrays, grown as rows arrive, and the
 * list of rejected rows with their reasons. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/records.h"

int pr_records_init(pr_records *rec, int source, const pr_source_conf *conf)
{
	memset(rec, 0, sizeof *rec);
	rec->source = source;
	const pr_source_def *def = &pr_source_defs[source];
	for (int f = 0; f < def->n_fields; f++) {
		rec->cols[f].type = def->fields[f].type;
		rec->cols[f].present = conf->columns[f] != NULL;
	}
	return 0;
}

/* One per-row array of a pr_records: where its pointer is, and its element size. The pointer
 * is read and written with memcpy, as a void * it is not. */
typedef struct row_array {
	void *at;
	size_t size;
} row_array;

#define ROW_ARRAYS_MAX (5 + PR_MAX_FIELDS)

static void *array_of(const row_array *a)
{
	void *p;
	memcpy(&p, a->at, sizeof p);
	return p;
}

static void set_array(const row_array *a, void *p)
{
	memcpy(a->at, &p, sizeof p);
}

/* The per-row arrays rec has, which growing, counting and reordering go through alike
 * (pr_records_move, on the join's hot path, names them itself): row, parcel and snapped; x and
 * y for a source located by points, until they are let go after the join (parcels have their
 * geometry, keyed records their key); each mapped column's values. Returns how many. */
static int row_arrays(pr_records *rec, row_array *out)
{
	int n = 0;
	out[n++] = (row_array){&rec->row, sizeof *rec->row};
	out[n++] = (row_array){&rec->parcel, sizeof *rec->parcel};
	out[n++] = (row_array){&rec->snapped, sizeof *rec->snapped};
	if (pr_source_defs[rec->source].locate == PR_LOCATE_POINT && (rec->x || rec->cap == 0)) {
		out[n++] = (row_array){&rec->x, sizeof *rec->x};
		out[n++] = (row_array){&rec->y, sizeof *rec->y};
	}
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_column *c = &rec->cols[f];
		if (!c->present)
			continue;
		if (c->type == PR_FT_TEXT)
			out[n++] = (row_array){&c->text_ref, sizeof *c->text_ref};
		else if (c->type == PR_FT_DATE)
			out[n++] = (row_array){&c->date, sizeof *c->date};
		else
			out[n++] = (row_array){&c->num, sizeof *c->num};
	}
	return n;
}

/* Sets every array's room to cap. */
static int records_resize(pr_records *rec, size_t cap)
{
	row_array a[ROW_ARRAYS_MAX];
	int n = row_arrays(rec, a);
	for (int j = 0; j < n; j++) {
		void *p = realloc(array_of(&a[j]), cap * a[j].size);
		if (!p)
			return PR_ENOMEM;
		set_array(&a[j], p);
	}
	rec->cap = cap;
	return 0;
}

int pr_records_reserve(pr_records *rec, size_t need)
{
	if (need <= rec->cap)
		return 0;
	size_t cap = rec->cap ? rec->cap : 1024;
	while (cap < need)
		cap *= 2;
	return records_resize(rec, cap);
}

bool pr_records_reserve_counted(pr_records *rec, int64_t count)
{
	return count > 0 && count <= (int64_t)1 << 27 &&
	       pr_records_reserve(rec, (size_t)count) == 0;
}

void pr_records_shrink(pr_records *rec)
{
	/* Shrinking cannot fail for want of memory in practice; if it does, the room stays. */
	if (rec->cap > rec->n && rec->n > 0)
		(void)records_resize(rec, rec->n);
}

void pr_records_free_rows(pr_records *rec)
{
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_column *c = &rec->cols[f];
		free(c->text_ref);
		free(c->num);
		free(c->date);
		c->text_ref = NULL;
		c->num = NULL;
		c->date = NULL;
		pr_text_pool_free(&c->pool);
	}
	free(rec->row);
	free(rec->x);
	free(rec->y);
	free(rec->parcel);
	free(rec->snapped);
	rec->row = NULL;
	rec->x = rec->y = NULL;
	rec->parcel = NULL;
	rec->snapped = NULL;
	rec->cap = 0;
}

void pr_records_free(pr_records *rec)
{
	if (!rec)
		return;
	pr_records_free_rows(rec);
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_tally_free(rec->unmapped[f]);
		free(rec->unmapped_summary[f]);
	}
	pr_rejects_free(&rec->pending);
	memset(rec, 0, sizeof *rec);
}

size_t pr_records_bytes(const pr_records *rec)
{
	row_array a[ROW_ARRAYS_MAX];
	/* row_arrays only finds the arrays: rec is not changed. */
	int n = row_arrays((pr_records *)rec, a);
	size_t per = 0, bytes = 0;
	for (int j = 0; j < n; j++)
		per += a[j].size;
	for (int f = 0; f < PR_MAX_FIELDS; f++)
		bytes += rec->cols[f].pool.cap +
			 rec->cols[f].pool.slot_count * sizeof *rec->cols[f].pool.slots;
	return bytes + rec->cap * per;
}

/* to[i] = from[order[i]] for elements of size bytes. */
static void gather(char *to, const char *from, const uint32_t *order, size_t n, size_t size)
{
#define GATHER(SIZE)                                                                               \
	for (size_t i = 0; i < n; i++)                                                             \
	memcpy(to + i * (SIZE), from + (size_t)order[i] * (SIZE), (SIZE))
	if (size == 8)
		GATHER(8);
	else if (size == 4)
		GATHER(4);
	else if (size == 1)
		GATHER(1);
	else
		GATHER(size);
#undef GATHER
}

/* The reordering of one sort: each task puts one array in order. */
typedef struct reorder {
	row_array arrays[ROW_ARRAYS_MAX];
	const uint32_t *order;
	size_t n;
} reorder;

static int reorder_array(pr_context *ctx, int j, void *user)
{
	const reorder *ro = user;
	const row_array *a = &ro->arrays[j];
	void *at = array_of(a);
	if (pr_gather(&at, ro->order, ro->n, a->size) < 0)
		return pr_error(ctx, PR_ENOMEM, "out of memory reordering %zu records", ro->n);
	set_array(a, at);
	return 0;
}

int pr_records_sort_by_parcel(pr_context *ctx, pr_records *rec, size_t n_parcels)
{
	size_t n = rec->n;
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		if (rec->parcel[i] < 0 || (size_t)rec->parcel[i] >= n_parcels)
			return 0; /* not joined: nothing to sort by */
		sorted = sorted && (i == 0 || rec->parcel[i - 1] <= rec->parcel[i]);
	}
	if (sorted || n > UINT32_MAX)
		return 0;
	/* A counting sort: stable, so a parcel's records keep the order they were read in. */
	uint32_t *next = calloc(n_parcels + 1, sizeof *next);
	uint32_t *order = malloc(n * sizeof *order);
	if (!next || !order) {
		free(next);
		free(order);
		return pr_error(ctx, PR_ENOMEM, "out of memory putting %zu records in parcel order",
				n);
	}
	for (size_t i = 0; i < n; i++)
		next[rec->parcel[i] + 1]++;
	for (size_t p = 0; p < n_parcels; p++)
		next[p + 1] += next[p];
	for (size_t i = 0; i < n; i++)
		order[next[rec->parcel[i]]++] = (uint32_t)i;
	free(next);
	int r = pr_records_select(ctx, rec, order, n);
	free(order);
	return r;
}

int pr_records_select(pr_context *ctx, pr_records *rec, const uint32_t *order, size_t n)
{
	/* An array per task, on the threads there are: the reordering holds a copy of one
	 * array per thread beside the records. */
	reorder ro = {.order = order, .n = n};
	int n_arrays = row_arrays(rec, ro.arrays);
	int r = pr_parallel(ctx, n_arrays, PR_PARALLEL_POOL, reorder_array, &ro);
	if (r == 0)
		rec->n = rec->cap = n;
	return r;
}

int pr_gather(void **array, const uint32_t *order, size_t n, size_t size)
{
	char *to = malloc((n ? n : 1) * size);
	if (!to)
		return PR_ENOMEM;
	gather(to, *array, order, n, size);
	free(*array);
	*array = to;
	return 0;
}

void pr_records_move(pr_records *rec, size_t to, size_t from)
{
	rec->row[to] = rec->row[from];
	if (rec->x) {
		rec->x[to] = rec->x[from];
		rec->y[to] = rec->y[from];
	}
	rec->parcel[to] = rec->parcel[from];
	rec->snapped[to] = rec->snapped[from];
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_column *c = &rec->cols[f];
		if (!c->present)
			continue;
		if (c->type == PR_FT_TEXT) {
			c->text_ref[to] = c->text_ref[from];
		} else if (c->type == PR_FT_DATE) {
			c->date[to] = c->date[from];
		} else {
			c->num[to] = c->num[from];
		}
	}
}

void pr_records_truncate(pr_records *rec, size_t n)
{
	rec->n = n;
}

int pr_rejects_add(pr_rejects *rj, int source, uint64_t row, const char *reason, const char *fmt,
		   ...)
{
	if (pr_grow((void **)&rj->items, &rj->cap, rj->n + 1, sizeof *rj->items) < 0)
		return PR_ENOMEM;
	char value[512], safe[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	/* The value lands in the output and in messages: valid UTF-8 whatever a caller's %.200s
	 * cut or a source held. */
	pr_text_for_message(value, safe, sizeof safe);
	pr_reject *r = &rj->items[rj->n];
	r->source = source;
	r->row = row;
	r->reason = reason;
	r->value = strdup(safe);
	if (!r->value)
		return PR_ENOMEM;
	rj->n++;
	return 0;
}

void pr_rejects_free(pr_rejects *rj)
{
	if (!rj)
		return;
	for (size_t i = 0; i < rj->n; i++)
		free(rj->items[i].value);
	free(rj->items);
	memset(rj, 0, sizeof *rj);
}

size_t pr_rejects_count(const pr_rejects *rj, int source)
{
	size_t n = 0;
	for (size_t i = 0; i < rj->n; i++)
		n += rj->items[i].source == source;
	return n;
}

size_t pr_parcels_bytes(const pr_parcels *p)
{
	size_t n = p->rec.n, bytes = pr_records_bytes(&p->rec);
	bytes += n * (sizeof *p->area + 4 * sizeof *p->bbox + 2 * sizeof *p->label_xy);
	if (p->wkb_at)
		bytes += (n + 1) * sizeof *p->wkb_at + p->wkb_at[n];
	return bytes;
}

void pr_parcels_free(pr_parcels *p)
{
	if (!p)
		return;
	free(p->wkb);
	free(p->wkb_at);
	free(p->area);
	free(p->bbox);
	free(p->label_xy);
	free(p->srs_wkt);
	pr_records_free(&p->rec);
	memset(p, 0, sizeof *p);
}

/* An open-addressing hash table of words; slots are a power of two, at most half full. */
#define TALLY_MAX_WORDS 100000

struct pr_tally {
	char **word;
	uint64_t *count;
	size_t slots, n;
	uint64_t others; /* rows whose word came after TALLY_MAX_WORDS distinct ones */
};

static uint64_t word_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t tally_slot(const pr_tally *t, const char *word)
{
	size_t i = (size_t)word_hash(word) & (t->slots - 1);
	while (t->word[i] && strcmp(t->word[i], word) != 0)
		i = (i + 1) & (t->slots - 1);
	return i;
}

static int tally_grow(pr_tally *t)
{
	pr_tally bigger = {.slots = t->slots ? t->slots * 2 : 64, .n = t->n, .others = t->others};
	bigger.word = calloc(bigger.slots, sizeof *bigger.word);
	bigger.count = calloc(bigger.slots, sizeof *bigger.count);
	if (!bigger.word || !bigger.count) {
		free(bigger.word);
		free(bigger.count);
		return PR_ENOMEM;
	}
	for (size_t i = 0; i < t->slots; i++)
		if (t->word[i]) {
			size_t j = tally_slot(&bigger, t->word[i]);
			bigger.word[j] = t->word[i];
			bigger.count[j] = t->count[i];
		}
	free(t->word);
	free(t->count);
	*t = bigger;
	return 0;
}

int pr_tally_add(pr_tally **tally, const char *word)
{
	if (!*tally && !(*tally = calloc(1, sizeof **tally)))
		return PR_ENOMEM;
	pr_tally *t = *tally;
	if (2 * (t->n + 1) > t->slots && t->n < TALLY_MAX_WORDS && tally_grow(t) < 0)
		return PR_ENOMEM;
	size_t i = tally_slot(t, word);
	if (!t->word[i]) {
		if (t->n >= TALLY_MAX_WORDS) {
			t->others++;
			return 0;
		}
		if (!(t->word[i] = strdup(word)))
			return PR_ENOMEM;
		t->n++;
	}
	t->count[i]++;
	return 0;
}

typedef struct tally_entry {
	const char *word;
	uint64_t count;
} tally_entry;

static int compare_tally_entry(const void *a, const void *b)
{
	const tally_entry *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->word, y->word);
}

int pr_tally_top(const pr_tally *t, int max, const char **ret_words, uint64_t *ret_counts)
{
	if (!t || t->n == 0 || max <= 0)
		return 0;
	tally_entry *e = malloc(t->n * sizeof *e);
	if (!e)
		return PR_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < t->slots; i++)
		if (t->word[i])
			e[n++] = (tally_entry){t->word[i], t->count[i]};
	qsort(e, n, sizeof *e, compare_tally_entry);
	int top = n < (size_t)max ? (int)n : max;
	for (int i = 0; i < top; i++) {
		ret_words[i] = e[i].word;
		ret_counts[i] = e[i].count;
	}
	free(e);
	return top;
}

char *pr_tally_summary(const pr_tally *t, int max)
{
	const char **words = max > 0 ? malloc((size_t)max * sizeof *words) : NULL;
	uint64_t *counts = max > 0 ? malloc((size_t)max * sizeof *counts) : NULL;
	int n = words && counts ? pr_tally_top(t, max, words, counts) : 0;
	pr_strbuf out = {0};
	int r = 0;
	for (int i = 0; i < n && r == 0; i++)
		r = pr_strbuf_printf(&out, "%s%s (%llu)", i ? ", " : "", words[i],
				     (unsigned long long)counts[i]);
	free(words);
	free(counts);
	if (r < 0) {
		pr_strbuf_free(&out);
		return NULL;
	}
	return out.data;
}

void pr_tally_free(pr_tally *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->slots; i++)
		free(t->word[i]);
	free(t->word);
	free(t->count);
	free(t);
}
