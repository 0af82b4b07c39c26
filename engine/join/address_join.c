/* SPDX-License-Identifier: MIT */
/* Records located by address: the address register joined to parcels first (an address's
 * parcel is its parcel key when that names a parcel, else its point through the assignment
 * rule), then indexed (engine/address/), then every record of a source located by address
 * matched against it by the contract's levels. A record that finds no address, or finds
 * addresses on different parcels, is a reject with its reason: never a guess. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "address/address.h"
#include "join/join.h"
#include "sources/records.h"

/* Field field's text of row i, or NULL when the field is missing or not mapped. */
static const char *text_of(const pr_records *rec, int field, size_t i)
{
	return field >= 0 ? pr_column_text(&rec->cols[field], i) : NULL;
}

/* The register's parcel keys looked up in chunks on the worker threads. */
typedef struct key_chunks {
	const pr_parcels *parcels;
	pr_records *rec;
	size_t per;
} key_chunks;

static int find_keys(pr_context *ctx, int chunk, void *user)
{
	key_chunks *kc = user;
	const pr_column *keys = &kc->rec->cols[PR_REGISTER_PARCEL];
	size_t start = (size_t)chunk * kc->per;
	size_t end = start + kc->per < kc->rec->n ? start + kc->per : kc->rec->n;
	for (size_t i = start; i < end; i++) {
		/* The rows of a house's boxes come one after the other, with the same key (the
		 * same reference while the pool stores repeated keys once). */
		const char *key = pr_column_text(keys, i);
		const char *before = i > start ? pr_column_text(keys, i - 1) : NULL;
		bool again = key && before && (key == before || strcmp(key, before) == 0);
		kc->rec->parcel[i] =
		    again ? kc->rec->parcel[i - 1] : pr_parcels_find(kc->parcels, key);
	}
	return 0;
}

/* Rows read without a usable point are kept when their key placed them, else rejected for
 * their point as they would have been without a key; their pending rejects are settled. */
static int settle_pending(pr_records *rec, pr_rejects *rejects)
{
	size_t keep = 0, p = 0;
	int r = 0;
	for (size_t i = 0; i < rec->n && r == 0; i++) {
		/* Only the pending rows have no point, in the same order as their rejects. */
		if (isfinite(rec->x[i]) || rec->parcel[i] >= 0) {
			p += !isfinite(rec->x[i]);
			if (keep != i)
				pr_records_move(rec, keep, i);
			keep++;
			continue;
		}
		const pr_reject *why = &rec->pending.items[p++];
		const char *key = pr_column_text(&rec->cols[PR_REGISTER_PARCEL], i);
		r = pr_rejects_add(rejects, rec->source, rec->row[i], why->reason,
				   "%s, and its parcel key '%.100s' names no parcel", why->value,
				   key ? key : "");
	}
	if (r == 0)
		pr_records_truncate(rec, keep);
	pr_rejects_free(&rec->pending);
	return r;
}

int pr_join_register(pr_context *ctx, const pr_parcel_index *index, const pr_parcels *parcels,
		     pr_records *rec, double snap_m, pr_rejects *rejects)
{
	/* The key first: the cadastre's own link between address and parcel. A key that names no
	 * parcel (a parcel left out by where, a stale key) leaves the address to its point. */
	if (rec->cols[PR_REGISTER_PARCEL].present && rec->n > 0) {
		int nthreads = rec->n < 20000 ? 1 : pr_thread_count(ctx);
		key_chunks kc = {parcels, rec, (rec->n + (size_t)nthreads - 1) / nthreads};
		int r = pr_parallel(ctx, (int)((rec->n + kc.per - 1) / kc.per), PR_PARALLEL_POOL,
				    find_keys, &kc);
		if (r == 0 && rec->pending.n > 0)
			r = settle_pending(rec, rejects);
		if (r < 0)
			return r;
	}
	return pr_join_points(ctx, index, rec, snap_m, rejects);
}

int pr_address_index_from_register(pr_context *ctx, const pr_address_norm *norm, pr_records *rec,
				   pr_rejects *rejects, pr_address_index **ret_index)
{
	pr_address_index *index = NULL;
	int r = pr_address_index_new(ctx, norm, &index);
	size_t keep = 0;
	for (size_t i = 0; i < rec->n && r == 0; i++) {
		pr_address_row row = {.parcel = rec->parcel[i]};
		for (int s = 0; s < PR_REGISTER_STREETS; s++)
			row.streets[s] = pr_column_text(&rec->cols[PR_REGISTER_STREET + s], i);
		row.number = pr_column_text(&rec->cols[PR_REGISTER_NUMBER], i);
		row.box = pr_column_text(&rec->cols[PR_REGISTER_BOX], i);
		row.postcode = pr_column_text(&rec->cols[PR_REGISTER_POSTCODE], i);
		const char *reject = NULL;
		r = pr_address_index_add(ctx, index, &row, &reject);
		if (r < 0)
			break;
		if (reject) {
			r = pr_rejects_add(rejects, rec->source, rec->row[i], reject,
					   "street '%.100s' number '%.40s'",
					   row.streets[0] ? row.streets[0] : "",
					   row.number ? row.number : "");
			continue;
		}
		if (keep != i)
			pr_records_move(rec, keep, i);
		keep++;
	}
	if (r == 0)
		r = pr_address_index_finish(ctx, index);
	if (r < 0) {
		pr_address_index_free(index);
		return r;
	}
	pr_records_truncate(rec, keep);
	*ret_index = index;
	return 0;
}

/* Matching in chunks on the worker threads; the index is read-only. A located record gets its
 * parcel and its normalised box in place; the rejects are made afterwards, in row order. */
typedef struct address_chunks {
	const pr_address_index *index;
	pr_records *rec;
	const int *field;     /* the source's address fields, enum pr_address_part */
	const char **reasons; /* per record: why it is rejected, NULL when located */
	uint8_t *levels;      /* per record located: the level that found it */
	/* per record located, when the source has a box column: its normalised box, which the
	 * column takes once the threads are done (its pool is not shared between threads) */
	char (*boxes)[16];
	size_t per;
} address_chunks;

/* The street names a chunk has resolved, each as written: a source names the same few thousand
 * streets on every row, and normalising a name costs more than the rest of the lookup. */
typedef struct street_memo {
	pr_key_set names;
	pr_address_street *found; /* per name number */
	size_t found_cap;
} street_memo;

/* Names a memo keeps at most; others are resolved each time they come. */
#define STREET_MEMO_MAX 65536

static int resolve_street(const pr_address_index *index, street_memo *memo, const char *street,
			  pr_address_street *ret)
{
	size_t len = street ? strlen(street) : 0;
	bool kept = len <= PR_ADDRESS_TEXT_MAX;
	int64_t seen = kept ? pr_key_set_find(&memo->names, street ? street : "", len) : -1;
	if (seen >= 0) {
		*ret = memo->found[seen];
		return 0;
	}
	int r = pr_address_find_street(index, street, ret);
	if (r < 0 || !kept)
		return r;
	uint32_t number;
	bool added;
	r = pr_key_set_add(&memo->names, street ? street : "", len, &number, &added);
	if (r == PR_EDATA) /* the memo is full */
		return 0;
	if (r == 0 && pr_grow((void **)&memo->found, &memo->found_cap, (size_t)number + 1,
			      sizeof *memo->found) < 0)
		r = PR_ENOMEM;
	if (r == 0)
		memo->found[number] = *ret;
	return r;
}

/* The store keeps the normalised box, so that a model can count the distinct boxes registered
 * at an address. 0 or PR_ENOMEM. */
static int keep_box(pr_column *box, size_t i, const char *normal)
{
	const char *now = pr_column_text(box, i);
	if (now && strcmp(now, normal) == 0)
		return 0;
	return pr_text_pool_add(&box->pool, normal[0] ? normal : NULL, &box->text_ref[i]);
}

static int match_chunk(pr_context *ctx, int chunk, void *user)
{
	address_chunks *ac = user;
	pr_records *rec = ac->rec;
	const int *field = ac->field;
	size_t start = (size_t)chunk * ac->per;
	size_t end = start + ac->per < rec->n ? start + ac->per : rec->n;
	street_memo memo = {.found = NULL, .found_cap = 0};
	int r = 0;
	pr_key_set_init(&memo.names, STREET_MEMO_MAX);
	for (size_t i = start; i < end && r == 0; i++) {
		pr_address_street street;
		pr_address_match m;
		r = resolve_street(ac->index, &memo, text_of(rec, field[PR_ADDRESS_STREET], i),
				   &street);
		if (r == 0)
			r = pr_address_lookup_street(
			    ac->index, &street, text_of(rec, field[PR_ADDRESS_NUMBER], i),
			    text_of(rec, field[PR_ADDRESS_BOX], i),
			    text_of(rec, field[PR_ADDRESS_POSTCODE], i), &m);
		if (r < 0)
			break;
		ac->reasons[i] = m.reject ? m.reject : m.parcel < 0 ? PR_REJECT_OUTSIDE : NULL;
		if (ac->reasons[i])
			continue;
		ac->levels[i] = (uint8_t)m.level;
		rec->parcel[i] = m.parcel;
		if (ac->boxes)
			memcpy(ac->boxes[i], m.box, sizeof m.box);
	}
	pr_key_set_free(&memo.names);
	free(memo.found);
	if (r < 0)
		return pr_error(ctx, r, "%s: out of memory matching addresses",
				pr_source_defs[ac->rec->source].name);
	return 0;
}

int pr_join_by_address(pr_context *ctx, const pr_address_index *index, pr_records *rec,
		       pr_rejects *rejects, uint64_t ret_levels[5])
{
	const int *field = pr_source_defs[rec->source].address_field;
	int r = 0;
	memset(ret_levels, 0, 5 * sizeof *ret_levels);
	if (rec->n == 0)
		return 0;
	int nthreads = rec->n < 20000 ? 1 : pr_thread_count(ctx);
	address_chunks ac = {.index = index,
			     .rec = rec,
			     .field = field,
			     .per = (rec->n + (size_t)nthreads - 1) / nthreads};
	ac.reasons = malloc(rec->n * sizeof *ac.reasons);
	ac.levels = malloc(rec->n * sizeof *ac.levels);
	pr_column *box = field[PR_ADDRESS_BOX] >= 0 && rec->cols[field[PR_ADDRESS_BOX]].present
			     ? &rec->cols[field[PR_ADDRESS_BOX]]
			     : NULL;
	if (box)
		ac.boxes = malloc(rec->n * sizeof *ac.boxes);
	if (!ac.reasons || !ac.levels || (box && !ac.boxes)) {
		r = PR_ENOMEM;
		goto done;
	}
	r = pr_parallel(ctx, (int)((rec->n + ac.per - 1) / ac.per), PR_PARALLEL_POOL, match_chunk,
			&ac);
	if (r < 0)
		goto done;
	size_t keep = 0;
	for (size_t i = 0; i < rec->n; i++) {
		if (ac.reasons[i]) {
			const char *street = text_of(rec, field[PR_ADDRESS_STREET], i);
			const char *number = text_of(rec, field[PR_ADDRESS_NUMBER], i);
			const char *postcode = text_of(rec, field[PR_ADDRESS_POSTCODE], i);
			r = pr_rejects_add(rejects, rec->source, rec->row[i], ac.reasons[i],
					   "street '%.100s' number '%.40s' postcode '%.15s'",
					   street ? street : "", number ? number : "",
					   postcode ? postcode : "");
			if (r < 0)
				goto done;
			continue;
		}
		ret_levels[ac.levels[i]]++;
		if (box) {
			r = keep_box(box, i, ac.boxes[i]);
			if (r < 0)
				goto done;
		}
		if (keep != i)
			pr_records_move(rec, keep, i);
		keep++;
	}
	pr_records_truncate(rec, keep);
	pr_progress(ctx, pr_source_defs[rec->source].join_stage, rec->rows_read, rec->rows_read);
done:
	free(ac.reasons);
	free(ac.levels);
	free(ac.boxes);
	return r;
}
