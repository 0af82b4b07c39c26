/* SPDX-License-Identifier: MIT */
/* The index over the address register. Every register row becomes one entry per street name,
 * filed under its house (street and number) and holding the numbers its postcode, suffix and
 * box have in small sets of their own. Finishing the index gathers each house's entries, in
 * order of postcode, suffix and box, and works out once, for every match level, whether the
 * rows that level would find lie on one parcel. A record is then located with one hash lookup
 * of its street and number and a binary search among that house's entries: never a scan, and
 * never a guess between parcels. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address/address.h"

/* The parcel of rows that lie on different parcels. */
#define PARCELS_DIFFER INT32_MIN

/* One address of a street name: a register row, or once finished all the rows that give it. */
typedef struct entry {
	uint32_t house;			/* see house_slot */
	uint32_t postcode, suffix, box; /* their numbers in the index's part sets */
	int32_t parcel;			/* of the rows with all of these (level 1) */
	int32_t without_box;		/* of those of the same postcode and suffix (level 2) */
	int32_t without_suffix;		/* of those of the same postcode (level 3) */
} entry;

/* A slot of an open-addressing table keyed by 64 bits: a house (street << 32 | number), or a
 * street and a postcode it runs through (with the top bit set). */
typedef struct house_slot {
	uint64_t key;	/* 0 when empty */
	uint32_t house; /* the house's number, in the order they were first added */
	uint32_t first; /* once finished: the house's entries, entries[first .. first + count) */
	uint32_t count;
	int32_t any_postcode; /* once finished: the parcel of all its rows (level 4) */
} house_slot;

typedef struct house_table {
	house_slot *slots;
	size_t slot_count, count; /* at most half of the slots used */
} house_table;

/* The last house and street-postcode pair a row's n-th street name was filed under: the rows of
 * a house, and of a street, mostly come one after the other. */
typedef struct recent {
	uint64_t house_key, pair_key;
	uint32_t house;
} recent;

struct pr_address_index {
	const pr_address_norm *norm;
	pr_key_set streets; /* normalised street name → street number */
	/* A register names each street on every one of its rows: the names as written, each
	 * with its street number, spare normalising them again. */
	pr_key_set written_names;
	uint32_t *written_streets;
	size_t written_streets_cap;
	/* The parts of an address besides its street and number, each given a number. */
	pr_key_set postcodes, suffixes, boxes;
	house_table houses;
	/* The postcodes each street runs through, which decide whether a record may be looked
	 * for in another postcode (level 4). */
	house_table street_postcodes;
	recent recent[PR_ADDRESS_NAMES_MAX];
	entry *entries;
	size_t n_entries, entries_cap;
	/* False when rows were added since the entries were last sorted by house, postcode,
	 * suffix and box, made distinct, and their levels worked out. */
	bool finished;
	uint64_t rows;
};

/* The house number and box of a row or record: the box argument, when not blank, wins over a
 * box written inside the number. false when either does not parse. */
static bool parse_number_and_box(const char *number, const char *box, pr_house_number *ret)
{
	pr_house_number hn;
	if (!pr_address_parse_number(number, &hn))
		return false;
	if (!pr_blank(box) && !pr_address_parse_box(box, hn.box))
		return false;
	*ret = hn;
	return true;
}

int pr_address_index_new(pr_context *ctx, const pr_address_norm *norm, pr_address_index **ret_index)
{
	pr_address_index *index = calloc(1, sizeof *index);
	if (!index)
		return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
	index->norm = norm;
	pr_key_set_init(&index->streets, PR_KEY_SET_COUNT_MAX);
	pr_key_set_init(&index->written_names, PR_KEY_SET_COUNT_MAX);
	pr_key_set_init(&index->postcodes, PR_KEY_SET_COUNT_MAX);
	pr_key_set_init(&index->suffixes, PR_KEY_SET_COUNT_MAX);
	pr_key_set_init(&index->boxes, PR_KEY_SET_COUNT_MAX);
	index->finished = true;
	*ret_index = index;
	return 0;
}

void pr_address_index_free(pr_address_index *index)
{
	if (!index)
		return;
	pr_key_set_free(&index->streets);
	pr_key_set_free(&index->written_names);
	free(index->written_streets);
	pr_key_set_free(&index->postcodes);
	pr_key_set_free(&index->suffixes);
	pr_key_set_free(&index->boxes);
	free(index->entries);
	free(index->houses.slots);
	free(index->street_postcodes.slots);
	free(index);
}

uint64_t pr_address_index_rows(const pr_address_index *index)
{
	return index->rows;
}

size_t pr_address_index_streets(const pr_address_index *index)
{
	return index->streets.count;
}

/* SplitMix64's finaliser: every bit of the key in the slot. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebu;
	x ^= x >> 31;
	return x;
}

/* The slot holding key, or the empty slot where it would go. */
static house_slot *table_probe(const house_table *t, uint64_t key)
{
	size_t mask = t->slot_count - 1;
	for (size_t i = mix64(key) & mask;; i = (i + 1) & mask)
		if (t->slots[i].key == key || t->slots[i].key == 0)
			return &t->slots[i];
}

static const house_slot *table_find(const house_table *t, uint64_t key)
{
	if (t->count == 0)
		return NULL;
	const house_slot *slot = table_probe(t, key);
	return slot->key == key ? slot : NULL;
}

/* The slot of key, adding it (numbered by the count before it) when it is new. */
static int table_add(house_table *t, uint64_t key, house_slot **ret_slot)
{
	if ((t->count + 1) * 2 > t->slot_count) {
		size_t slot_count = t->slot_count ? t->slot_count * 2 : 1024;
		house_slot *slots = calloc(slot_count, sizeof *slots);
		if (!slots)
			return PR_ENOMEM;
		house_table grown = {slots, slot_count, t->count};
		for (size_t i = 0; i < t->slot_count; i++)
			if (t->slots[i].key != 0)
				*table_probe(&grown, t->slots[i].key) = t->slots[i];
		free(t->slots);
		*t = grown;
	}
	house_slot *slot = table_probe(t, key);
	if (slot->key == 0) {
		*slot = (house_slot){.key = key, .house = (uint32_t)t->count};
		t->count++;
	}
	*ret_slot = slot;
	return 0;
}

static uint64_t house_key(uint32_t street, uint32_t number)
{
	return (uint64_t)street << 32 | number; /* numbers start at 1: never 0 */
}

static uint64_t pair_key(uint32_t street, uint32_t postcode)
{
	return (uint64_t)1 << 63 | (uint64_t)street << 32 | postcode; /* streets are below 2^30 */
}

/* Files one street name of a row: its house and its postcode. */
static int file_entry(pr_context *ctx, pr_address_index *index, recent *recent, uint32_t street,
		      uint32_t number, entry e)
{
	house_slot *slot;
	uint64_t key = house_key(street, number);
	if (recent->house_key != key) {
		if (table_add(&index->houses, key, &slot) < 0)
			return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
		recent->house_key = key;
		recent->house = slot->house;
	}
	key = pair_key(street, e.postcode);
	if (recent->pair_key != key) {
		if (table_add(&index->street_postcodes, key, &slot) < 0)
			return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
		recent->pair_key = key;
	}
	if (pr_grow((void **)&index->entries, &index->entries_cap, index->n_entries + 1,
		    sizeof *index->entries) < 0)
		return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
	e.house = recent->house;
	index->entries[index->n_entries++] = e;
	index->finished = false;
	return 0;
}

/* One street name of a register row: its street number when the name was seen as written
 * before, else its normalised form, filed once the row is known to be usable. */
typedef struct row_name {
	const char *written;
	char *normalised;
	int64_t street;
} row_name;

static int too_large(pr_context *ctx, int r, const char *what, size_t max)
{
	if (r == PR_EDATA)
		return pr_error(ctx, r, "address register too large: more than %zu %s", max, what);
	return pr_error(ctx, r, "out of memory for the address index");
}

/* Files a row's new name under a street number, and the name as written under that number. */
static int file_street(pr_context *ctx, pr_address_index *index, row_name *name)
{
	uint32_t street, written;
	bool added;
	int r = pr_key_set_add(&index->streets, name->normalised, strlen(name->normalised), &street,
			       &added);
	if (r == 0)
		r = pr_key_set_add(&index->written_names, name->written, strlen(name->written),
				   &written, &added);
	if (r == 0 && pr_grow((void **)&index->written_streets, &index->written_streets_cap,
			      (size_t)written + 1, sizeof *index->written_streets) < 0)
		r = PR_ENOMEM;
	if (r < 0)
		return too_large(ctx, r, "street names", index->streets.max_count);
	index->written_streets[written] = street;
	name->street = street;
	return 0;
}

/* The number of a postcode, suffix or box, numbering it when it is new. */
static int file_part(pr_context *ctx, pr_key_set *set, const char *text, const char *what,
		     uint32_t *ret_number)
{
	bool added;
	int r = pr_key_set_add(set, text, strlen(text), ret_number, &added);
	return r < 0 ? too_large(ctx, r, what, set->max_count) : 0;
}

int pr_address_index_add(pr_context *ctx, pr_address_index *index, const pr_address_row *row,
			 const char **ret_reject)
{
	row_name names[PR_ADDRESS_NAMES_MAX] = {{NULL}};
	int n_names = 0;
	const char *reject = NULL;
	int r = 0;
	if (row->parcel < -1) {
		r = pr_error(ctx, PR_EUSAGE, "address register row with parcel %d",
			     (int)row->parcel);
		goto done;
	}
	if (index->rows >= PR_ADDRESS_ROWS_MAX) {
		r = pr_error(ctx, PR_EDATA, "address register too large: more than %u rows",
			     PR_ADDRESS_ROWS_MAX);
		goto done;
	}
	for (int i = 0; i < PR_ADDRESS_NAMES_MAX; i++) {
		const char *written = row->streets[i];
		if (pr_blank(written))
			continue;
		row_name *name = &names[n_names];
		name->written = written;
		name->street = -1;
		int64_t seen = pr_key_set_find(&index->written_names, written, strlen(written));
		if (seen >= 0) {
			name->street = index->written_streets[seen];
			n_names++;
			continue;
		}
		name->normalised = pr_address_normalise(index->norm, written);
		if (!name->normalised && errno == ENOMEM) {
			r = pr_error(ctx, PR_ENOMEM, "out of memory normalising a street name");
			goto done;
		}
		if (!name->normalised && errno == EILSEQ) {
			reject = PR_REJECT_BAD_ENCODING;
			goto done;
		}
		/* Too long to be a street, or without a letter or digit: not a name. */
		if (!name->normalised || !*name->normalised) {
			free(name->normalised);
			name->normalised = NULL;
			continue;
		}
		n_names++;
	}
	if (n_names == 0) {
		reject = PR_REJECT_NO_STREET;
		goto done;
	}
	pr_house_number hn;
	if (!parse_number_and_box(row->number, row->box, &hn)) {
		reject = PR_REJECT_BAD_NUMBER;
		goto done;
	}
	char postcode[PR_ADDRESS_POSTCODE_MAX + 1];
	pr_address_normalise_postcode(row->postcode, postcode);
	entry e = {.parcel = row->parcel};
	r = file_part(ctx, &index->postcodes, postcode, "postcodes", &e.postcode);
	if (r == 0)
		r = file_part(ctx, &index->suffixes, hn.suffix, "suffixes", &e.suffix);
	if (r == 0)
		r = file_part(ctx, &index->boxes, hn.box, "boxes", &e.box);
	if (r < 0)
		goto done;
	for (int i = 0; i < n_names; i++) {
		if (names[i].street < 0) {
			r = file_street(ctx, index, &names[i]);
			if (r < 0)
				goto done;
		}
		/* The French and Dutch names of a street are sometimes the same. */
		bool again = false;
		for (int k = 0; k < i && !again; k++)
			again = names[k].street == names[i].street;
		if (again)
			continue;
		r = file_entry(ctx, index, &index->recent[i], (uint32_t)names[i].street, hn.number,
			       e);
		if (r < 0)
			goto done;
	}
	index->rows++;
done:
	for (int i = 0; i < PR_ADDRESS_NAMES_MAX; i++)
		free(names[i].normalised);
	if (r == 0)
		*ret_reject = reject;
	return r;
}

/* ---- finishing ----------------------------------------------------------------------------- */

/* Rows on one parcel, or on different ones. */
static int32_t parcel_of_both(int32_t a, int32_t b)
{
	return a == b ? a : PARCELS_DIFFER;
}

/* Entries of one house by postcode, suffix and box. */
static int compare_in_house(const entry *a, uint32_t postcode, uint32_t suffix, uint32_t box)
{
	if (a->postcode != postcode)
		return a->postcode < postcode ? -1 : 1;
	if (a->suffix != suffix)
		return a->suffix < suffix ? -1 : 1;
	if (a->box != box)
		return a->box < box ? -1 : 1;
	return 0;
}

static int compare_entries(const void *a, const void *b)
{
	const entry *y = b;
	return compare_in_house(a, y->postcode, y->suffix, y->box);
}

/* The entries of one house in order: insertion for the few boxes of most houses, qsort for a
 * block of flats. */
static void sort_house(entry *e, size_t n)
{
	if (n > 32) {
		qsort(e, n, sizeof *e, compare_entries);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		entry x = e[i];
		size_t k = i;
		for (; k > 0 && compare_entries(&e[k - 1], &x) > 0; k--)
			e[k] = e[k - 1];
		e[k] = x;
	}
}

/* Sorts one house's entries [0, n) and makes them distinct, each address on the parcel of all
 * its rows (the entries finished before stand for their rows: a parcel of both is the same
 * whichever rows it is taken over), then works out levels 2 to 4. Returns how many are kept. */
static size_t finish_house(entry *e, size_t n, int32_t *ret_any_postcode)
{
	sort_house(e, n);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && compare_entries(&e[kept - 1], &e[i]) == 0)
			e[kept - 1].parcel = parcel_of_both(e[kept - 1].parcel, e[i].parcel);
		else
			e[kept++] = e[i];
	}
	int32_t any_postcode = e[0].parcel;
	for (size_t first = 0, end; first < kept; first = end) {
		/* The entries of one postcode (level 3), and of one suffix in it (level 2). */
		int32_t in_postcode = e[first].parcel;
		for (end = first + 1; end < kept && e[end].postcode == e[first].postcode; end++)
			in_postcode = parcel_of_both(in_postcode, e[end].parcel);
		any_postcode = parcel_of_both(any_postcode, in_postcode);
		for (size_t s = first, s_end; s < end; s = s_end) {
			int32_t with_suffix = e[s].parcel;
			for (s_end = s + 1; s_end < end && e[s_end].suffix == e[s].suffix; s_end++)
				with_suffix = parcel_of_both(with_suffix, e[s_end].parcel);
			for (size_t i = s; i < s_end; i++) {
				e[i].without_box = with_suffix;
				e[i].without_suffix = in_postcode;
			}
		}
	}
	*ret_any_postcode = any_postcode;
	return kept;
}

int pr_address_index_finish(pr_context *ctx, pr_address_index *index)
{
	if (index->finished)
		return 0;
	size_t n = index->n_entries, n_houses = index->houses.count;
	entry *sorted = malloc((n ? n : 1) * sizeof *sorted);
	/* Per house: where its entries go, then where they are once made distinct. */
	uint32_t *first = calloc(n_houses + 1, sizeof *first);
	uint32_t *count = malloc((n_houses ? n_houses : 1) * sizeof *count);
	int32_t *any_postcode = malloc((n_houses ? n_houses : 1) * sizeof *any_postcode);
	if (!sorted || !first || !count || !any_postcode) {
		free(sorted);
		free(first);
		free(count);
		free(any_postcode);
		return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
	}
	/* The entries by house: the houses are numbered in the order they came, and so mostly
	 * are the entries, which makes this a copy more than a sort. */
	for (size_t i = 0; i < n; i++)
		first[index->entries[i].house + 1]++;
	for (size_t h = 0; h < n_houses; h++)
		first[h + 1] += first[h];
	for (size_t i = 0; i < n; i++)
		sorted[first[index->entries[i].house]++] = index->entries[i];
	free(index->entries);
	index->entries = sorted;
	index->entries_cap = n;
	size_t kept = 0;
	for (size_t h = 0, start = 0; h < n_houses; h++) {
		/* first[h] is now where house h's entries end. */
		size_t end = first[h];
		memmove(sorted + kept, sorted + start, (end - start) * sizeof *sorted);
		count[h] = (uint32_t)finish_house(sorted + kept, end - start, &any_postcode[h]);
		first[h] = (uint32_t)kept;
		kept += count[h];
		start = end;
	}
	index->n_entries = kept;
	for (size_t i = 0; i < index->houses.slot_count; i++) {
		house_slot *slot = &index->houses.slots[i];
		if (slot->key == 0)
			continue;
		slot->first = first[slot->house];
		slot->count = count[slot->house];
		slot->any_postcode = any_postcode[slot->house];
	}
	free(first);
	free(count);
	free(any_postcode);
	index->finished = true;
	return 0;
}

/* ---- lookups ------------------------------------------------------------------------------- */

/* The first of the entries [lo, hi) of one house not ordered before (postcode, suffix, box). */
static size_t lower_bound(const entry *e, size_t lo, size_t hi, uint32_t postcode, uint32_t suffix,
			  uint32_t box)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare_in_house(&e[mid], postcode, suffix, box) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The deepest level that finds rows of the house (1 to 3, 0 for none) and their parcel, for a
 * record in a postcode the street runs through. Each level's rows include the deeper level's,
 * so the deepest that finds any is the first in the contract's order. */
static int find_in_postcode(const pr_address_index *index, const house_slot *house,
			    uint32_t postcode, const pr_house_number *hn, int32_t *ret_parcel)
{
	const entry *e = index->entries;
	size_t end = (size_t)house->first + house->count;
	size_t at = lower_bound(e, house->first, end, postcode, 0, 0);
	if (at == end || e[at].postcode != postcode)
		return 0;
	*ret_parcel = e[at].without_suffix;
	int64_t suffix = pr_key_set_find(&index->suffixes, hn->suffix, strlen(hn->suffix));
	if (suffix < 0)
		return 3;
	at = lower_bound(e, at, end, postcode, (uint32_t)suffix, 0);
	if (at == end || e[at].postcode != postcode || e[at].suffix != (uint32_t)suffix)
		return 3;
	*ret_parcel = e[at].without_box;
	int64_t box = pr_key_set_find(&index->boxes, hn->box, strlen(hn->box));
	if (box < 0)
		return 2;
	at = lower_bound(e, at, end, postcode, (uint32_t)suffix, (uint32_t)box);
	if (at == end || compare_in_house(&e[at], postcode, (uint32_t)suffix, (uint32_t)box) != 0)
		return 2;
	*ret_parcel = e[at].parcel;
	return 1;
}

int pr_address_find_street(const pr_address_index *index, const char *street,
			   pr_address_street *ret)
{
	pr_address_street found = {.street = -1, .bad_encoding = false};
	char *name = pr_address_normalise(index->norm, street ? street : "");
	if (!name && errno == ENOMEM)
		return PR_ENOMEM;
	/* A name too long for any register row (E2BIG) is in none of them. */
	if (!name && errno == EILSEQ)
		found.bad_encoding = true;
	else if (name && *name)
		found.street = pr_key_set_find(&index->streets, name, strlen(name));
	free(name);
	*ret = found;
	return 0;
}

int pr_address_lookup_street(const pr_address_index *index, const pr_address_street *street,
			     const char *number, const char *box, const char *postcode,
			     pr_address_match *ret)
{
	pr_address_match m = {.level = 0, .reject = NULL, .parcel = -1, .box = ""};
	if (!index->finished)
		return PR_EUSAGE;
	/* A street that is not text comes first, then a number that does not parse; the box
	 * is kept for the store whether or not the street is known. */
	if (street->bad_encoding) {
		m.reject = PR_REJECT_BAD_ENCODING;
		goto done;
	}
	pr_house_number hn;
	if (!parse_number_and_box(number, box, &hn)) {
		m.reject = PR_REJECT_BAD_NUMBER;
		goto done;
	}
	memcpy(m.box, hn.box, sizeof m.box);
	if (street->street < 0) {
		m.reject = PR_REJECT_UNKNOWN_STREET;
		goto done;
	}
	uint32_t found_street = (uint32_t)street->street;
	char pc[PR_ADDRESS_POSTCODE_MAX + 1];
	pr_address_normalise_postcode(postcode, pc);
	int64_t pc_number = pr_key_set_find(&index->postcodes, pc, strlen(pc));
	const house_slot *house = table_find(&index->houses, house_key(found_street, hn.number));
	int level = 0;
	int32_t parcel = -1;
	/* Another postcode is only looked in when the street does not run through the
	 * record's: when it does, the number elsewhere may be a homonym street's. */
	if (house && pc_number >= 0 &&
	    table_find(&index->street_postcodes, pair_key(found_street, (uint32_t)pc_number))) {
		level = find_in_postcode(index, house, (uint32_t)pc_number, &hn, &parcel);
	} else if (house) {
		level = 4;
		parcel = house->any_postcode;
	}
	if (level == 0)
		m.reject = PR_REJECT_UNKNOWN_ADDRESS;
	else if (parcel == PARCELS_DIFFER)
		m.reject = PR_REJECT_AMBIGUOUS_ADDRESS;
	else
		m.level = level, m.parcel = parcel;
done:
	*ret = m;
	return 0;
}

int pr_address_lookup(const pr_address_index *index, const char *street, const char *number,
		      const char *box, const char *postcode, pr_address_match *ret)
{
	pr_address_street found;
	if (!index->finished)
		return PR_EUSAGE;
	int r = pr_address_find_street(index, street, &found);
	return r < 0 ? r : pr_address_lookup_street(index, &found, number, box, postcode, ret);
}
