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

/* Sets every array's room to cap. */
static int records_resize(pr_records *rec, size_t cap)
{
#define GROW(ptr)                                                                                  \
	do {                                                                                       \
		void *p_ = realloc((ptr), cap * sizeof *(ptr));                                    \
		if (!p_)                                                                           \
			return PR_ENOMEM;                                                          \
		(ptr) = p_;                                                                        \
	} while (0)
	GROW(rec->row);
	/* Only points have coordinates: parcels have their geometry, keyed records their key. */
	if (pr_source_defs[rec->source].locate == PR_LOCATE_POINT) {
		GROW(rec->x);
		GROW(rec->y);
	}
	GROW(rec->parcel);
	GROW(rec->snapped);
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_column *c = &rec->cols[f];
		if (!c->present)
			continue;
		if (c->type == PR_FT_TEXT)
			GROW(c->text_ref);
		else if (c->type == PR_FT_DATE)
			GROW(c->date);
		else
			GROW(c->num);
	}
#undef GROW
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

void pr_records_shrink(pr_records *rec)
{
	/* Shrinking cannot fail for want of memory in practice; if it does, the room stays. */
	if (rec->cap > rec->n && rec->n > 0)
		(void)records_resize(rec, rec->n);
}

void pr_records_free(pr_records *rec)
{
	if (!rec)
		return;
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		pr_column *c = &rec->cols[f];
		free(c->text_ref);
		pr_text_pool_free(&c->pool);
		free(c->num);
		free(c->date);
		pr_tally_free(rec->unmapped[f]);
		free(rec->unmapped_summary[f]);
	}
	free(rec->row);
	free(rec->x);
	free(rec->y);
	free(rec->parcel);
	free(rec->snapped);
	pr_rejects_free(&rec->pending);
	memset(rec, 0, sizeof *rec);
}

size_t pr_records_bytes(const pr_records *rec)
{
	size_t per = sizeof *rec->row + sizeof *rec->parcel + sizeof *rec->snapped;
	size_t bytes = 0;
	if (rec->x)
		per += sizeof *rec->x + sizeof *rec->y;
	for (int f = 0; f < PR_MAX_FIELDS; f++) {
		const pr_column *c = &rec->cols[f];
		if (c->text_ref)
			per += sizeof *c->text_ref;
		if (c->date)
			per += sizeof *c->date;
		if (c->num)
			per += sizeof *c->num;
		bytes += c->pool.cap + c->pool.slot_count * sizeof *c->pool.slots;
	}
	return bytes + rec->cap * per;
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

void pr_parcels_release_rings(pr_parcels *p)
{
	free(p->ring_first);
	free(p->ring_start);
	free(p->xy);
	p->ring_first = p->ring_start = NULL;
	p->xy = NULL;
	p->n_rings = p->n_xy = 0;
}

size_t pr_parcels_bytes(const pr_parcels *p)
{
	size_t n = p->rec.n, bytes = pr_records_bytes(&p->rec);
	bytes += n * (sizeof *p->area + 4 * sizeof *p->bbox + 2 * sizeof *p->label_xy);
	if (p->wkb_at)
		bytes += (n + 1) * sizeof *p->wkb_at + p->wkb_at[n];
	if (p->ring_first)
		bytes += (n + 1) * sizeof *p->ring_first +
			 (p->n_rings + 1) * sizeof *p->ring_start + 2 * p->n_xy * sizeof *p->xy;
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
	free(p->ring_first);
	free(p->ring_start);
	free(p->xy);
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
