/* SPDX-License-Identifier: MIT */
/* The index over the address register: every register row is filed under one key per match
 * level (street, number, suffix, box, postcode, dropping parts level by level), and each key
 * remembers whether its rows lie on one parcel. A record is then located with one hash lookup
 * per level, never a scan, and never guessed between parcels. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address/address.h"

/* The parcel of a key whose rows lie on different parcels. */
#define PARCELS_DIFFER INT32_MIN

/* What a key in the level set files. The street-in-postcode keys say which postcodes a street
 * runs through, which decides whether level 4 may be tried. */
enum key_kind {
	KEY_STREET_IN_POSTCODE = 0,
	KEY_LEVEL_1 = 1, /* street, number, suffix, box, postcode */
	KEY_LEVEL_2 = 2, /* street, number, suffix, postcode */
	KEY_LEVEL_3 = 3, /* street, number, postcode */
	KEY_LEVEL_4 = 4, /* street, number */
};

struct pr_address_index {
	const pr_address_norm *norm;
	pr_key_set streets; /* normalised street name → street number */
	/* A register names each street on every one of its rows: the names as written, each
	 * with its street number, spare normalising them again. */
	pr_key_set written_names;
	uint32_t *written_streets;
	size_t written_streets_cap;
	pr_key_set keys;      /* kind, street number and parts → key number */
	int32_t *key_parcels; /* per key number: its rows' parcel, or PARCELS_DIFFER */
	size_t key_parcels_cap;
	uint64_t rows;
};

/* A key's bytes: the kind, the street number, then the parts the kind uses, texts prefixed by
 * their length so that no two different part lists make the same bytes. */
typedef struct address_key {
	unsigned char bytes[64];
	size_t len;
} address_key;

static void key_put(address_key *key, const void *data, size_t len)
{
	memcpy(key->bytes + key->len, data, len);
	key->len += len;
}

static void key_put_text(address_key *key, const char *text)
{
	unsigned char len = (unsigned char)strlen(text);
	key_put(key, &len, 1);
	key_put(key, text, len);
}

static void make_key(address_key *key, enum key_kind kind, uint32_t street,
		     const pr_house_number *hn, const char *postcode)
{
	unsigned char kind_byte = (unsigned char)kind;
	key->len = 0;
	key_put(key, &kind_byte, 1);
	key_put(key, &street, sizeof street);
	if (kind != KEY_STREET_IN_POSTCODE)
		key_put(key, &hn->number, sizeof hn->number);
	if (kind == KEY_LEVEL_1 || kind == KEY_LEVEL_2)
		key_put_text(key, hn->suffix);
	if (kind == KEY_LEVEL_1)
		key_put_text(key, hn->box);
	if (kind != KEY_LEVEL_4)
		key_put_text(key, postcode);
}

/* The postcode as compared: trimmed; missing when blank or longer than PR_ADDRESS_POSTCODE_MAX. */
static void normalise_postcode(const char *text, char postcode[PR_ADDRESS_POSTCODE_MAX + 1])
{
	postcode[0] = '\0';
	if (!text)
		return;
	while (isspace((unsigned char)*text))
		text++;
	size_t len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len > PR_ADDRESS_POSTCODE_MAX)
		return;
	memcpy(postcode, text, len);
	postcode[len] = '\0';
}

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
	pr_key_set_init(&index->keys, PR_KEY_SET_COUNT_MAX);
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
	pr_key_set_free(&index->keys);
	free(index->key_parcels);
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

/* Files one key of a row: a new key takes the row's parcel, a known one on another parcel
 * becomes ambiguous. */
static int file_key(pr_context *ctx, pr_address_index *index, const address_key *key,
		    int32_t parcel)
{
	uint32_t number;
	bool added;
	int r = pr_key_set_add(&index->keys, key->bytes, key->len, &number, &added);
	if (r == PR_EDATA)
		return pr_error(ctx, PR_EDATA, "address register too large: more than %zu keys",
				index->keys.max_count);
	if (r < 0)
		return pr_error(ctx, r, "out of memory for the address index");
	if (pr_grow((void **)&index->key_parcels, &index->key_parcels_cap, (size_t)number + 1,
		    sizeof *index->key_parcels) < 0)
		return pr_error(ctx, PR_ENOMEM, "out of memory for the address index");
	if (added)
		index->key_parcels[number] = parcel;
	else if (index->key_parcels[number] != parcel)
		index->key_parcels[number] = PARCELS_DIFFER;
	return 0;
}

/* One street name of a register row: its street number when the name was seen as written
 * before, else its normalised form, filed once the row is known to be usable. */
typedef struct row_name {
	const char *written;
	char *normalised;
	int64_t street;
} row_name;

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
	if (r == PR_EDATA)
		return pr_error(ctx, r, "address register too large: more than %zu street names",
				index->streets.max_count);
	if (r < 0)
		return pr_error(ctx, r, "out of memory for the address index");
	index->written_streets[written] = street;
	name->street = street;
	return 0;
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
	normalise_postcode(row->postcode, postcode);
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
		for (int kind = KEY_STREET_IN_POSTCODE; kind <= KEY_LEVEL_4 && !again; kind++) {
			address_key key;
			make_key(&key, (enum key_kind)kind, (uint32_t)names[i].street, &hn,
				 postcode);
			r = file_key(ctx, index, &key, row->parcel);
			if (r < 0)
				goto done;
		}
	}
	index->rows++;
done:
	for (int i = 0; i < PR_ADDRESS_NAMES_MAX; i++)
		free(names[i].normalised);
	if (r == 0)
		*ret_reject = reject;
	return r;
}

/* The parcel a key's rows lie on, PARCELS_DIFFER, or false when no row has the key. */
static bool find_key(const pr_address_index *index, const address_key *key, int32_t *ret_parcel)
{
	int64_t number = pr_key_set_find(&index->keys, key->bytes, key->len);
	if (number < 0)
		return false;
	*ret_parcel = index->key_parcels[number];
	return true;
}

int pr_address_lookup(const pr_address_index *index, const char *street, const char *number,
		      const char *box, const char *postcode, pr_address_match *ret)
{
	pr_address_match m = {.level = 0, .reject = NULL, .parcel = -1, .box = ""};
	char *name = pr_address_normalise(index->norm, street ? street : "");
	int r = 0;
	if (!name && errno == ENOMEM) {
		r = PR_ENOMEM;
		goto done;
	}
	if (!name && errno == EILSEQ) {
		m.reject = PR_REJECT_BAD_ENCODING;
		goto done;
	}
	pr_house_number hn;
	if (!parse_number_and_box(number, box, &hn)) {
		m.reject = PR_REJECT_BAD_NUMBER;
		goto done;
	}
	memcpy(m.box, hn.box, sizeof m.box);
	/* A name too long for any register row (E2BIG) is in none of them. */
	int64_t found_street =
	    name && *name ? pr_key_set_find(&index->streets, name, strlen(name)) : -1;
	if (found_street < 0) {
		m.reject = PR_REJECT_UNKNOWN_STREET;
		goto done;
	}
	char pc[PR_ADDRESS_POSTCODE_MAX + 1];
	normalise_postcode(postcode, pc);
	address_key key;
	int32_t parcel;
	make_key(&key, KEY_STREET_IN_POSTCODE, (uint32_t)found_street, &hn, pc);
	bool street_in_postcode = find_key(index, &key, &parcel);
	int first = street_in_postcode ? KEY_LEVEL_1 : KEY_LEVEL_4;
	int last = street_in_postcode ? KEY_LEVEL_3 : KEY_LEVEL_4;
	for (int level = first; level <= last; level++) {
		make_key(&key, (enum key_kind)level, (uint32_t)found_street, &hn, pc);
		if (!find_key(index, &key, &parcel))
			continue;
		if (parcel == PARCELS_DIFFER) {
			m.reject = PR_REJECT_AMBIGUOUS_ADDRESS;
		} else {
			m.level = level;
			m.parcel = parcel;
		}
		goto done;
	}
	m.reject = PR_REJECT_UNKNOWN_ADDRESS;
done:
	free(name);
	if (r == 0)
		*ret = m;
	return r;
}
