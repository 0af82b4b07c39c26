/* SPDX-License-Identifier: MIT */
/* The text files of the synthetic city: population.csv, complaints.csv, inspections.csv,
 * truth.csv and truth_history.csv written line by line into temporaries (pr_synth() renames them at
 * the end), the malformed rows planted in the first three and listed in planted_rejects.csv, and
 * sources.ini; with the Brussels-shaped registers also addresses.txt, and the first three as
 * Brussels exports them (CP1252, ';', CRLF, French and Dutch, located by address). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "synth/synth_internal.h"

#define STDIO_BUFFER (1u << 20)

static const char *const kind_names[] = {
    "normal", "commercial", "slum", "student", "large_family", "social", "bar", "road",
};

static const char *const output_names[] = {
    "population.csv",	 "complaints.csv",	"inspections.csv", "truth.csv",
    "truth_history.csv", "planted_rejects.csv", "addresses.txt",   "sources.ini",
};

static const char *const output_headers[] = {
    "x,y,household,persons,registered,left\n",
    "lon,lat,received,category\n",
    "capakey,inspected,outcome\n",
    "parcel,is_slum,kind\n",
    "parcel,slum_since\n",
    "source,row,reason\n",
    NULL,
    "",
};

/* The Brussels-shaped registers' headers, in UTF-8 here; the first three are written in CP1252
 * with CRLF. */
static const char *const brussels_headers[] = {
    "rue;numero;boite;cp;menage;personnes;date_inscription;date_départ",
    "lon;lat;date_plainte;catégorie",
    "capakey;date_visite;resultat",
    "parcel,is_slum,kind\n",
    "parcel,slum_since\n",
    "source,row,reason\n",
    "address_id|streetname_fr|streetname_nl|streetname_de|house_number|box_number|postcode|"
    "municipality_fr|municipality_nl|x|y|capakey\n",
    "",
};
_Static_assert(sizeof output_names / sizeof *output_names == OUT_COUNT &&
		   sizeof output_headers / sizeof *output_headers == OUT_COUNT &&
		   sizeof brussels_headers / sizeof *brussels_headers == OUT_COUNT,
	       "one name and header per output");

/* The malformed rows planted in each CSV, at fixed data rows (1 = the first line after the
 * header); a file shorter than that gets them at its end. */
static const planted_row planted_simple[] = {
    {OUT_POPULATION, 5, PLANT_NO_COORDINATES, "no coordinates", 0},
    {OUT_POPULATION, 12, PLANT_BAD_COORDINATES, "bad coordinates", 0},
    {OUT_POPULATION, 20, PLANT_BAD_DATE, "bad date", 0},
    {OUT_POPULATION, 33, PLANT_BAD_NUMBER, "bad number", 0},
    {OUT_COMPLAINTS, 4, PLANT_NO_COORDINATES, "no coordinates", 0},
    {OUT_COMPLAINTS, 9, PLANT_BAD_DATE, "bad date", 0},
    {OUT_INSPECTIONS, 2, PLANT_UNKNOWN_ID, "unknown parcel id", 0},
    {OUT_INSPECTIONS, 3, PLANT_BAD_DATE, "bad date", 0},
};

/* The Brussels-shaped registers plant the address path's rejects in the population register
 * where the simple one plants coordinates and a number, on the same rows, so that both
 * population files have the same rows: row for row, the same households. */
static const planted_row planted_brussels[] = {
    {OUT_POPULATION, 5, PLANT_UNKNOWN_STREET, "unknown street", 0},
    {OUT_POPULATION, 12, PLANT_UNKNOWN_ADDRESS, "unknown address", 0},
    {OUT_POPULATION, 20, PLANT_BAD_DATE, "bad date", 0},
    {OUT_POPULATION, 33, PLANT_AMBIGUOUS_ADDRESS, "ambiguous address", 0},
    {OUT_COMPLAINTS, 4, PLANT_NO_COORDINATES, "no coordinates", 0},
    {OUT_COMPLAINTS, 9, PLANT_BAD_DATE, "bad date", 0},
    {OUT_INSPECTIONS, 2, PLANT_UNKNOWN_ID, "unknown parcel id", 0},
    {OUT_INSPECTIONS, 3, PLANT_BAD_DATE, "bad date", 0},
    {OUT_INSPECTIONS, 5, PLANT_UNKNOWN_VALUE, "unknown value", 0},
};
_Static_assert(sizeof planted_simple / sizeof *planted_simple <= PLANTED_MAX &&
		   sizeof planted_brussels / sizeof *planted_brussels <= PLANTED_MAX,
	       "PLANTED_MAX holds every template");

static bool brussels(const synth *s)
{
	return s->registers == PR_SYNTH_REGISTERS_BRUSSELS;
}

/* Opens each text file as a temporary beside its final name and writes its header; arms the rows
 * to plant in the CSVs. */
int synth_open_outputs(synth *s, const char *dir)
{
	if (brussels(s)) {
		memcpy(s->planted, planted_brussels, sizeof planted_brussels);
		s->planted_count = sizeof planted_brussels / sizeof *planted_brussels;
	} else {
		memcpy(s->planted, planted_simple, sizeof planted_simple);
		s->planted_count = sizeof planted_simple / sizeof *planted_simple;
	}
	for (int i = 0; i < OUT_COUNT; i++) {
		out_file *o = &s->out[i];
		if (i == OUT_ADDRESSES && !brussels(s))
			continue;
		o->path = pr_path_relative_to(dir, output_names[i]);
		size_t n = o->path ? strlen(o->path) + 5 : 0;
		o->tmp_path = o->path ? malloc(n) : NULL;
		o->buffer = malloc(STDIO_BUFFER);
		if (!o->path || !o->tmp_path || !o->buffer)
			return pr_error(s->ctx, PR_ENOMEM, "out of memory");
		snprintf(o->tmp_path, n, "%s.tmp", o->path);
		o->f = fopen(o->tmp_path, "wb");
		if (!o->f)
			return pr_error(s->ctx, PR_ECANTCREAT, "cannot create %s: %s", o->tmp_path,
					strerror(errno));
		setvbuf(o->f, o->buffer, _IOFBF, STDIO_BUFFER);
		if (brussels(s) && i <= OUT_INSPECTIONS) {
			line l = {.len = 0};
			put_str(&l, brussels_headers[i]);
			synth_emit_cp1252(s, i, &l, true);
		} else {
			fputs(brussels(s) ? brussels_headers[i] : output_headers[i], o->f);
		}
	}
	return 0;
}

int synth_close_output(synth *s, out_file *o)
{
	if (!o->f)
		return 0;
	bool failed = ferror(o->f) != 0;
	int saved = errno;
	if (fclose(o->f) != 0) {
		failed = true;
		saved = errno;
	}
	o->f = NULL;
	if (failed)
		return pr_error(s->ctx, PR_ECANTCREAT, "cannot write %s: %s", o->tmp_path,
				strerror(saved ? saved : EIO));
	return 0;
}

/* ---- planted malformed rows ---------------------------------------------------------------- */

/* A planted row of the Brussels-shaped registers, where the simple ones plant their own. */
static void write_planted_brussels(synth *s, planted_row *p)
{
	line l = {.len = 0};
	char street[160];
	switch (p->output) {
	case OUT_POPULATION: {
		street_address a = s->tpl_address;
		if (p->variant == PLANT_AMBIGUOUS_ADDRESS) {
			a = s->twin[0].address;
			a.number = synth_unused_number(s, &a, 1);
			a.suffix = '\0';
		} else if (p->variant == PLANT_UNKNOWN_ADDRESS) {
			a.number = synth_unused_number(s, &a, 0);
			a.suffix = '\0';
		}
		if (p->variant == PLANT_UNKNOWN_STREET) {
			/* A street of Molenbeek, not in this city's vocabulary. */
			put_str(&l, "Rue des Quatre-Vents;7");
		} else {
			synth_street_name(s, a.street, 0, street, sizeof street);
			put_str(&l, street);
			put_char(&l, ';');
			synth_put_house_number(&l, &a);
		}
		put_str(&l, ";;");
		put_uint(&l, synth_street_postcode(s, a.street), 4);
		put_str(&l, ";H");
		put_uint(&l, ++s->households, 9);
		put_str(&l, ";2;");
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "30/02/2023");
		else
			put_date(&l, s->as_of - 400, true);
		put_char(&l, ';');
		break;
	}
	case OUT_COMPLAINTS:
		if (p->variant == PLANT_NO_COORDINATES) {
			put_char(&l, ';');
		} else {
			put_fixed_with(&l, llround(s->tpl_lon * 1e7), 7, ',');
			put_char(&l, ';');
			put_fixed_with(&l, llround(s->tpl_lat * 1e7), 7, ',');
		}
		put_char(&l, ';');
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "31/04/2025");
		else
			put_date(&l, s->as_of - 200, true);
		put_str(&l, ";bruit");
		break;
	default: /* OUT_INSPECTIONS */
		if (p->variant == PLANT_UNKNOWN_ID) {
			put_str(&l, "21999Z9999/99Z999;");
			put_date(&l, s->as_of - 600, true);
			put_str(&l, ";mineure");
		} else if (p->variant == PLANT_UNKNOWN_VALUE) {
			put_str(&l, s->tpl_key);
			put_char(&l, ';');
			put_date(&l, s->as_of - 300, true);
			/* Pending: no outcome of the closed vocabulary. */
			put_str(&l, ";à revoir");
		} else {
			put_str(&l, s->tpl_key);
			put_str(&l, ";31/02/2024;aucune");
		}
		break;
	}
	synth_emit_cp1252(s, p->output, &l, false);
	p->row = s->out[p->output].rows;
}

static void write_planted(synth *s, planted_row *p)
{
	if (brussels(s)) {
		write_planted_brussels(s, p);
		return;
	}
	line l = {.len = 0};
	switch (p->output) {
	case OUT_POPULATION:
		if (p->variant == PLANT_NO_COORDINATES) {
			put_str(&l, ",");
		} else {
			if (p->variant == PLANT_BAD_COORDINATES)
				put_str(&l, "abc");
			else
				put_fixed(&l, s->tpl_x, 2);
			put_char(&l, ',');
			put_fixed(&l, s->tpl_y, 2);
		}
		put_str(&l, ",H");
		put_uint(&l, ++s->households, 9);
		put_str(&l, p->variant == PLANT_BAD_NUMBER ? ",three," : ",2,");
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "2023-02-30");
		else
			put_date(&l, s->as_of - 400, false);
		put_str(&l, ",\n");
		break;
	case OUT_COMPLAINTS:
		if (p->variant == PLANT_NO_COORDINATES) {
			put_str(&l, ",");
		} else {
			put_fixed(&l, llround(s->tpl_lon * 1e7), 7);
			put_char(&l, ',');
			put_fixed(&l, llround(s->tpl_lat * 1e7), 7);
		}
		put_char(&l, ',');
		if (p->variant == PLANT_BAD_DATE)
			put_str(&l, "2025-13-01");
		else
			put_date(&l, s->as_of - 200, false);
		put_str(&l, ",noise\n");
		break;
	default: /* OUT_INSPECTIONS */
		if (p->variant == PLANT_UNKNOWN_ID) {
			/* Division 21999 is never used for real parcels. */
			put_str(&l, "21999Z9999/99Z999,");
			put_date(&l, s->as_of - 600, false);
			put_str(&l, ",minor\n");
		} else {
			put_str(&l, s->tpl_key);
			put_str(&l, ",31/02/2024,none\n");
		}
		break;
	}
	emit_line(s, p->output, &l);
	p->row = s->out[p->output].rows;
}

/* Writes the planted rows of output that are due before its next row, or all remaining ones at
 * the end of the file. */
void synth_flush_planted(synth *s, int output, bool at_end)
{
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < s->planted_count; i++) {
			planted_row *p = &s->planted[i];
			if (p->output != output || p->row != 0)
				continue;
			if (at_end || p->at == s->out[output].rows + 1) {
				write_planted(s, p);
				again = true;
			}
		}
	}
}

void synth_write_planted_rejects(synth *s)
{
	static const char *const source_names[] = {"population", "complaints", "inspections"};
	for (size_t i = 0; i < s->planted_count; i++) {
		const planted_row *p = &s->planted[i];
		line l = {.len = 0};
		put_str(&l, source_names[p->output]);
		put_char(&l, ',');
		put_uint(&l, p->row, 1);
		put_char(&l, ',');
		put_str(&l, p->reason);
		put_char(&l, '\n');
		emit_line(s, OUT_REJECTS, &l);
	}
}

/* ---- truth and sources --------------------------------------------------------------------- */

void synth_write_truth(synth *s, const parcel *p)
{
	if (!p->has_key)
		return;
	line l = {.len = 0};
	put_str(&l, p->key);
	put_str(&l, p->kind == KIND_SLUM ? ",1," : ",0,");
	put_str(&l, kind_names[p->kind]);
	put_char(&l, '\n');
	emit_line(s, OUT_TRUTH, &l);
	if (p->slum_since == PR_DATE_NULL)
		return;
	l.len = 0;
	put_str(&l, p->key);
	put_char(&l, ',');
	put_date(&l, p->slum_since, false);
	put_char(&l, '\n');
	emit_line(s, OUT_HISTORY, &l);
}

/* The sources file is data/synth/sources.ini, embedded at build time, so that the unit tests of
 * the sources file load the very text synth writes; the Brussels-shaped registers' is
 * data/synth/sources-brussels.ini. Their first comment lines are about that file; this city's
 * file starts with a line naming its parcels and seed instead. */
extern const unsigned char pr_synth_sources[];
extern const unsigned char pr_synth_sources_brussels[];

int synth_write_sources_ini(synth *s)
{
	FILE *f = s->out[OUT_SOURCES].f;
	const char *sections =
	    (const char *)(brussels(s) ? pr_synth_sources_brussels : pr_synth_sources);
	while (*sections == ';') {
		const char *end_of_line = strchr(sections, '\n');
		sections = end_of_line ? end_of_line + 1 : sections + strlen(sections);
	}
	const char *noise = s->complaints == PR_SYNTH_COMPLAINTS_NOISE ? ", complaints=noise" : "";
	if (brussels(s))
		fprintf(
		    f,
		    "; Brussels-shaped synthetic city generated by parcelrisk synth --registers "
		    "brussels (parcels=%" PRIu32 ", seed=%" PRIu64 "%s).\n",
		    s->target, s->seed, noise);
	else
		fprintf(f,
			"; Synthetic city generated by parcelrisk synth (parcels=%" PRIu32
			", seed=%" PRIu64 "%s).\n",
			s->target, s->seed, noise);
	fputs(sections, f);
	return 0;
}
