/* SPDX-License-Identifier: MIT */
/* The streets and the address register of the Brussels-shaped city (synth --registers brussels).
 * A street runs a few blocks along a line of the grid and takes a French and a Dutch name (a few
 * a German one too) from a vocabulary of Brussels streets, unique within the postcode of the
 * commune it starts in; a lot takes its house number from where it starts along the street, odd
 * on one side and even on the other, a few with a letter ("13A"). addresses.txt holds one row per
 * address, or per box of a subdivided house, as the consolidated BeSt Address file does. Nothing
 * here draws from s->rng, so the city stays the simple variant's. */
#include <stdlib.h>

#include "synth/synth_internal.h"

/* Streets of Brussels under their French and Dutch names, a few with a German one. */
static const struct {
	const char *fr, *nl, *de;
	bool masculine; /* boulevard, quai, square: "Petit boulevard ..." */
} street_names[] = {
    {"Rue de la Loi", "Wetstraat", "Gesetzstraße", false},
    {"Avenue Louise", "Louizalaan", NULL, false},
    {"Chaussée de Waterloo", "Waterloosesteenweg", NULL, false},
    {"Rue Saint-Gilles", "Sint-Gillisstraat", NULL, false},
    {"Rue Haute", "Hoogstraat", NULL, false},
    {"Rue de Brabant", "Brabantstraat", NULL, false},
    {"Chaussée de Gand", "Gentsesteenweg", NULL, false},
    {"Rue de la Senne", "Zennestraat", NULL, false},
    {"Rue Gray", "Graystraat", NULL, false},
    {"Chaussée de Haecht", "Haachtsesteenweg", NULL, false},
    {"Rue de Mérode", "Merodestraat", NULL, false},
    {"Rue Brogniez", "Brogniezstraat", NULL, false},
    {"Rue Fransman", "Fransmanstraat", NULL, false},
    {"Rue des Palais", "Paleizenstraat", NULL, false},
    {"Rue Vanderstraeten", "Vanderstraetenstraat", NULL, false},
    {"Rue de Ribaucourt", "Ribaucourtstraat", NULL, false},
    {"Boulevard Léopold II", "Leopold II-laan", NULL, true},
    {"Rue du Progrès", "Vooruitgangstraat", NULL, false},
    {"Rue Dethy", "Dethystraat", NULL, false},
    {"Rue de Liverpool", "Liverpoolstraat", NULL, false},
    {"Avenue de Stalingrad", "Stalingradlaan", NULL, false},
    {"Boulevard Anspach", "Anspachlaan", NULL, true},
    {"Chaussée d'Ixelles", "Elsensesteenweg", NULL, false},
    {"Rue de l'Étuve", "Stoofstraat", NULL, false},
    {"Place Flagey", "Flageyplein", NULL, false},
    {"Quai aux Briques", "Baksteenkaai", NULL, true},
    {"Rue Antoine Dansaert", "Antoine Dansaertstraat", NULL, false},
    {"Chaussée de Louvain", "Leuvensesteenweg", NULL, false},
    {"Avenue de la Couronne", "Kroonlaan", NULL, false},
    {"Rue de la Victoire", "Overwinningsstraat", NULL, false},
    {"Place Sainte-Catherine", "Sint-Katelijneplein", NULL, false},
    {"Rue Blaes", "Blaesstraat", NULL, false},
    {"Chaussée de Ninove", "Ninoofsesteenweg", NULL, false},
    {"Rue Royale", "Koningsstraat", "Königsstraße", false},
    {"Boulevard du Midi", "Zuidlaan", NULL, true},
    {"Rue de Flandre", "Vlaamsesteenweg", NULL, false},
    {"Rue du Marché aux Herbes", "Grasmarkt", NULL, false},
    {"Avenue Brugmann", "Brugmannlaan", NULL, false},
    {"Chaussée d'Alsemberg", "Alsembergsesteenweg", NULL, false},
    {"Rue Américaine", "Amerikaansestraat", NULL, false},
    {"Avenue du Parc", "Parklaan", NULL, false},
    {"Rue de la Colonne", "Kolomstraat", NULL, false},
    {"Rue Picard", "Picardstraat", NULL, false},
    {"Rue de Laeken", "Lakensestraat", NULL, false},
    {"Avenue de la Toison d'Or", "Guldenvlieslaan", NULL, false},
    {"Rue Émile Féron", "Emile Feronstraat", NULL, false},
    {"Rue des Éperonniers", "Spoormakersstraat", NULL, false},
    {"Boulevard Général Jacques", "Generaal Jacqueslaan", NULL, true},
    {"Rue Saint-Bernard", "Sint-Bernardusstraat", NULL, false},
    {"Chaussée de Wavre", "Waversesteenweg", NULL, false},
    {"Rue Malibran", "Malibranstraat", NULL, false},
    {"Square Ambiorix", "Ambiorixsquare", NULL, true},
    {"Avenue de Jette", "Jetselaan", NULL, false},
    {"Rue Théodore Verhaegen", "Théodore Verhaegenstraat", NULL, false},
    {"Drève de Lorraine", "Lotharingendreef", NULL, false},
    {"Rue Marie-Christine", "Maria-Christinastraat", NULL, false},
    {"Chaussée de Mons", "Bergensesteenweg", NULL, false},
    {"Rue Saint-Lazare", "Sint-Lazarusstraat", NULL, false},
    {"Rue de Birmingham", "Birminghamstraat", NULL, false},
};
#define NAME_COUNT (sizeof street_names / sizeof *street_names)

/* When a commune has used every name, the names come back with a qualifier, as old towns have
 * a "Petite rue des Bouchers" beside the "Rue des Bouchers". */
static const struct {
	const char *feminine, *masculine, *nl;
} qualifiers[] = {
    {"", "", ""},
    {"Petite", "Petit", "Kleine"},
    {"Nouvelle", "Nouveau", "Nieuwe"},
    {"Vieille", "Vieux", "Oude"},
    {"Grande", "Grand", "Grote"},
};
#define QUALIFIER_COUNT (sizeof qualifiers / sizeof *qualifiers)

/* The nineteen communes of Brussels, by postcode; the City of Brussels has four. */
static const struct {
	uint16_t postcode;
	const char *fr, *nl;
} communes[] = {
    {1000, "Bruxelles", "Brussel"},
    {1020, "Bruxelles", "Brussel"},
    {1030, "Schaerbeek", "Schaarbeek"},
    {1040, "Etterbeek", "Etterbeek"},
    {1050, "Ixelles", "Elsene"},
    {1060, "Saint-Gilles", "Sint-Gillis"},
    {1070, "Anderlecht", "Anderlecht"},
    {1080, "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"},
    {1081, "Koekelberg", "Koekelberg"},
    {1082, "Berchem-Sainte-Agathe", "Sint-Agatha-Berchem"},
    {1083, "Ganshoren", "Ganshoren"},
    {1090, "Jette", "Jette"},
    {1120, "Bruxelles", "Brussel"},
    {1130, "Bruxelles", "Brussel"},
    {1140, "Evere", "Evere"},
    {1150, "Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe"},
    {1160, "Auderghem", "Oudergem"},
    {1170, "Watermael-Boitsfort", "Watermaal-Bosvoorde"},
    {1180, "Uccle", "Ukkel"},
    {1190, "Forest", "Vorst"},
    {1200, "Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"},
    {1210, "Saint-Josse-ten-Noode", "Sint-Joost-ten-Node"},
};
_Static_assert(sizeof communes / sizeof *communes ==
		   sizeof((synth *)0)->commune_streets / sizeof *((synth *)0)->commune_streets,
	       "one street counter per commune");

/* The city on a 5 x 5 map of communes, north row first, roughly as they lie around the
 * centre: Laeken and Neder-Over-Heembeek north, Anderlecht west, Uccle south, the Woluwes east.
 * Communes on two squares share their postcode's names. */
static const uint8_t commune_map[5][5] = {
    {10, 11, 1, 12, 13},  /* Ganshoren, Jette, Laeken, Neder-Over-Heembeek, Haren */
    {9, 8, 21, 2, 14},	  /* Berchem, Koekelberg, Saint-Josse, Schaerbeek, Evere */
    {6, 7, 0, 3, 20},	  /* Anderlecht, Molenbeek, the Pentagon, Etterbeek, W.-St-Lambert */
    {6, 5, 0, 4, 15},	  /* Anderlecht, Saint-Gilles, the Pentagon, Ixelles, W.-St-Pierre */
    {19, 19, 18, 17, 16}, /* Forest, Forest, Uccle, Watermael-Boitsfort, Auderghem */
};

/* Street segments the whole city may have, so that no commune runs out of names: streets run
 * longer in a larger city. */
#define STREET_SEGMENTS_MAX 3000
/* A house number per 5 m of frontage: lots are at least 5 m wide, so no two share one. */
#define NUMBER_STEP 500
/* Shares, drawn from s->text_rng. */
#define ADDRESS_WITHOUT_KEY 0.08 /* register rows whose parcel key is not filled in */
#define NUMBER_WITH_SUFFIX  25	 /* one numbered bucket in this many carries a letter */
#define BOXES_LETTERED	    5	 /* one subdivided house in this many letters its boxes */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int synth_plan_streets(synth *s)
{
	int64_t rows = s->nrows_estimate, cols = s->ncols;
	int64_t blocks = 4;
	while (blocks < rows + cols && (rows + 1) * ((cols + blocks - 1) / blocks) +
					       (cols + 1) * ((rows + blocks - 1) / blocks) >
					   STREET_SEGMENTS_MAX)
		blocks++;
	s->segment_blocks = blocks;
	int64_t longest = blocks * (CELL_W > CELL_H ? CELL_W : CELL_H);
	s->max_number = (uint32_t)(2 * (longest / NUMBER_STEP) + 2);
	s->number_span = 10;
	while (s->number_span <= s->max_number + 20)
		s->number_span *= 10;
	s->tpl_address.street = -1;
	pr_rng_seed(&s->text_rng, s->seed ^ 0x61646472657373ull);
	return 0;
}

/* The segment of street in front of one side of a lot of block (row, col): its index in
 * s->segment_street, the coordinate it starts at along the street, the commune it starts in,
 * and whether the lot is on the side of the street numbered odd. Streets along x are numbered
 * west to east, odd on their north side; streets along y south to north, odd on their east
 * side. */
static int64_t street_segment(const synth *s, int side, int64_t row, int64_t col,
			      int64_t *ret_start, int *ret_commune, bool *ret_odd)
{
	int64_t blocks = s->segment_blocks;
	int64_t index, map_row, map_col;
	if (side == SIDE_S || side == SIDE_N) {
		int64_t line = side == SIDE_S ? row : row + 1;
		int64_t segment = col / blocks;
		index = 2 * (line * ((s->ncols + blocks - 1) / blocks) + segment);
		*ret_start = s->x0 + segment * blocks * CELL_W;
		*ret_odd = side == SIDE_S;
		map_row = line;
		map_col = segment * blocks;
	} else {
		int64_t line = side == SIDE_W ? col : col + 1;
		int64_t segment = row / blocks;
		index = 2 * (segment * (s->ncols + 1) + line) + 1;
		*ret_start = s->y0 + segment * blocks * CELL_H;
		*ret_odd = side == SIDE_W;
		map_row = segment * blocks;
		map_col = line;
	}
	int64_t x = map_col * 5 / s->ncols, y = map_row * 5 / s->nrows_estimate;
	*ret_commune = commune_map[4 - (y > 4 ? 4 : y)][x > 4 ? 4 : x];
	return index;
}

/* Whether the lot starting in this 5 m bucket of a street side takes the previous bucket's
 * number with a letter ("13A" after "13"). A function of the place only, so that the lot before
 * knows it. */
static bool bucket_has_suffix(const synth *s, int64_t segment, bool odd, int64_t bucket)
{
	if (bucket < 1)
		return false;
	uint64_t h = mix64(s->seed ^ mix64((uint64_t)segment * 2 + odd) ^
			   (uint64_t)bucket * 0x9e3779b97f4a7c15ULL);
	return h % NUMBER_WITH_SUFFIX == 0;
}

static int name_street(synth *s, int commune, int32_t *ret_street)
{
	if (pr_grow((void **)&s->streets, &s->street_cap, s->street_count + 1, sizeof *s->streets))
		return pr_error(s->ctx, PR_ENOMEM, "out of memory");
	/* Each commune starts at another name, so that not every one has a "Rue de la Loi". */
	uint32_t slot = s->commune_streets[commune]++;
	street *st = &s->streets[s->street_count];
	st->name = (uint16_t)((slot + (uint32_t)commune * 7) % NAME_COUNT);
	st->qualifier = (uint8_t)(slot / NAME_COUNT % QUALIFIER_COUNT);
	st->commune = (uint8_t)commune;
	st->round = slot / (uint32_t)(NAME_COUNT * QUALIFIER_COUNT);
	*ret_street = (int32_t)s->street_count++;
	return 0;
}

int synth_locate_address(synth *s, parcel *p)
{
	street_address *a = &p->address;
	*a = (street_address){.street = -1};
	if (!p->lot.front)
		return 0;
	const rect *r = &p->lot.r[0];
	int64_t row = ((r->y0 + r->y1) / 2 - s->y0) / CELL_H;
	int64_t col = ((r->x0 + r->x1) / 2 - s->x0) / CELL_W;
	int64_t start;
	int commune;
	bool odd;
	int64_t segment = street_segment(s, p->addr_side, row, col, &start, &commune, &odd);
	if ((size_t)segment >= s->segment_cap) {
		size_t old = s->segment_cap;
		if (pr_grow((void **)&s->segment_street, &s->segment_cap, (size_t)segment + 1,
			    sizeof *s->segment_street))
			return pr_error(s->ctx, PR_ENOMEM, "out of memory");
		memset(s->segment_street + old, 0,
		       (s->segment_cap - old) * sizeof *s->segment_street);
	}
	if (!s->segment_street[segment]) {
		int32_t named = -1;
		int ret = name_street(s, commune, &named);
		if (ret)
			return ret;
		s->segment_street[segment] = named + 1;
	}
	a->street = s->segment_street[segment] - 1;
	int64_t along = p->addr_side & (SIDE_S | SIDE_N) ? r->x0 : r->y0;
	int64_t bucket = (along - start) / NUMBER_STEP;
	uint32_t first = s->streets[a->street].round * s->number_span + (odd ? 1 : 2);
	if (bucket_has_suffix(s, segment, odd, bucket)) {
		a->number = first + 2 * (uint32_t)(bucket - 1);
		a->suffix = 'A';
	} else {
		a->number = first + 2 * (uint32_t)bucket;
	}
	a->next_has_suffix = bucket_has_suffix(s, segment, odd, bucket + 1);
	return 0;
}

uint32_t synth_unused_number(const synth *s, const street_address *a, int which)
{
	uint32_t round = a->street >= 0 ? s->streets[a->street].round : 0;
	return round * s->number_span + s->max_number + 11 + 2 * (uint32_t)which;
}

void synth_street_name(const synth *s, int32_t index, int language, char *buf, size_t size)
{
	if (index < 0) {
		snprintf(buf, size, "%s", "");
		return;
	}
	const street *st = &s->streets[index];
	const char *fr = street_names[st->name].fr;
	const char *qualifier = street_names[st->name].masculine
				    ? qualifiers[st->qualifier].masculine
				    : qualifiers[st->qualifier].feminine;
	if (language == 0 && st->qualifier)
		/* "Petite rue de la Loi": the street's kind loses its capital. */
		snprintf(buf, size, "%s %c%s", qualifier, fr[0] - 'A' + 'a', fr + 1);
	else if (language == 0)
		snprintf(buf, size, "%s", fr);
	else if (language == 1 && st->qualifier)
		snprintf(buf, size, "%s %s", qualifiers[st->qualifier].nl,
			 street_names[st->name].nl);
	else if (language == 1)
		snprintf(buf, size, "%s", street_names[st->name].nl);
	else
		snprintf(buf, size, "%s",
			 !st->qualifier && street_names[st->name].de ? street_names[st->name].de
								     : "");
}

uint32_t synth_street_postcode(const synth *s, int32_t index)
{
	return index < 0 ? communes[0].postcode : communes[s->streets[index].commune].postcode;
}

void synth_put_house_number(line *l, const street_address *a)
{
	put_uint(l, a->number, 1);
	if (a->suffix)
		put_char(l, a->suffix);
}

void synth_address_text(const synth *s, const parcel *p, char *buf, size_t size)
{
	if (p->address.street < 0) {
		snprintf(buf, size, "%s", "");
		return;
	}
	char name[128];
	synth_street_name(s, p->address.street, 0, name, sizeof name);
	if (p->address.suffix)
		snprintf(buf, size, "%s %u%c", name, p->address.number, p->address.suffix);
	else
		snprintf(buf, size, "%s %u", name, p->address.number);
}

bool synth_boxes_lettered(const synth *s, const parcel *p)
{
	uint64_t place = (uint64_t)(uint32_t)p->address.street << 32 | p->address.number;
	return p->dwellings >= 2 && p->dwellings <= 8 &&
	       mix64(s->seed ^ mix64(place)) % BOXES_LETTERED == 0;
}

/* address_id|streetname_fr|streetname_nl|streetname_de|house_number|box_number|postcode|
 * municipality_fr|municipality_nl|x|y|capakey */
static void write_address_row(synth *s, const street_address *a, const char *box, int64_t x,
			      int64_t y, const char *key)
{
	line l = {.len = 0};
	char name[128];
	put_uint(&l, s->out[OUT_ADDRESSES].rows + 1, 1);
	for (int language = 0; language < 3; language++) {
		synth_street_name(s, a->street, language, name, sizeof name);
		put_char(&l, '|');
		put_str(&l, name);
	}
	put_char(&l, '|');
	synth_put_house_number(&l, a);
	put_char(&l, '|');
	put_str(&l, box);
	put_char(&l, '|');
	int commune = s->streets[a->street].commune;
	put_uint(&l, communes[commune].postcode, 4);
	put_char(&l, '|');
	put_str(&l, communes[commune].fr);
	put_char(&l, '|');
	put_str(&l, communes[commune].nl);
	put_char(&l, '|');
	put_fixed(&l, x, 2);
	put_char(&l, '|');
	put_fixed(&l, y, 2);
	put_char(&l, '|');
	put_str(&l, key);
	put_char(&l, '\n');
	emit_line(s, OUT_ADDRESSES, &l);
}

void synth_write_address_rows(synth *s, const parcel *p)
{
	if (p->address.street < 0)
		return;
	if (s->twins < 2 && p->has_key) {
		s->twin[s->twins].address = p->address;
		s->twin[s->twins].x = p->addr_x;
		s->twin[s->twins].y = p->addr_y;
		memcpy(s->twin[s->twins].key, p->key, sizeof p->key);
		s->twins++;
	}
	/* Some rows lack the parcel key, so that both ways to a parcel are used: the key, and the
	 * address point inside the lot. */
	const char *key = pr_rng_chance(&s->text_rng, ADDRESS_WITHOUT_KEY) ? "" : p->key;
	if (p->dwellings < 2) {
		write_address_row(s, &p->address, "", p->addr_x, p->addr_y, key);
		return;
	}
	bool letters = synth_boxes_lettered(s, p);
	for (int i = 1; i <= p->dwellings; i++) {
		char box[12];
		if (letters)
			snprintf(box, sizeof box, "%c", 'A' + i - 1);
		else
			snprintf(box, sizeof box, "%d", i);
		write_address_row(s, &p->address, box, p->addr_x, p->addr_y, key);
	}
}

/* A made-up number on the first parcel's street, held by the register on the first two parcels
 * with an address, as registers do hold a few duplicates: a row giving it is ambiguous. */
void synth_write_twin_addresses(synth *s)
{
	if (s->twins == 0)
		return;
	street_address a = s->twin[0].address;
	a.number = synth_unused_number(s, &a, 1);
	a.suffix = '\0';
	for (int i = 0; i < 2; i++) {
		int t = i < s->twins ? i : 0;
		write_address_row(s, &a, "", s->twin[t].x, s->twin[t].y, s->twin[t].key);
	}
}

void synth_free_streets(synth *s)
{
	free(s->segment_street);
	free(s->streets);
	s->segment_street = NULL;
	s->streets = NULL;
}
