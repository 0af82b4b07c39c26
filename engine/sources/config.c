/* SPDX-License-Identifier: MIT */
/* The sources file: which dataset holds each source and which of its columns are the canonical
 * fields the model is written against. Parsed with libinih; every error names the file, the line
 * and the key, and nothing is accepted silently (unknown sections and keys are errors). */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address/address.h"
#include "core/ini.h"
#include "sources/sources.h"

/* The closed vocabulary of inspection outcomes. */
static const char *const outcome_words[] = {"none", "minor", "major", "closure", NULL};
/* The canonical complaint categories: an open vocabulary (other values are kept as written). */
static const char *const category_words[] = {"insalubrity", "overcrowding", "humidity",
					     "electricity", "fire",	    "noise",
					     "waste",	    "other",	    NULL};

/* Every date field holds a day from 1800-01-01 to 2100-12-31. */
#define PLAUSIBLE_DATE .range = PR_RANGE_FIXED, .min = 18000101, .max = 21001231

/* The fields a point source is located by when it has no coordinates (see [addresses]). */
#define ADDRESS_FIELDS                                                                             \
	{"street", PR_FT_TEXT, false}, {"number", PR_FT_TEXT, false}, {"box", PR_FT_TEXT, false},  \
	{                                                                                          \
		"postcode", PR_FT_TEXT, false                                                      \
	}

/* One row per source kind: everything else (sections, keys, stages, store tables, output
 * columns) is derived from it. The plausible ranges and vocabularies are the contract's, here
 * and nowhere else. */
const pr_source_def pr_source_defs[PR_SRC_COUNT] = {
    [PR_SRC_PARCELS] =
	{.name = "parcels",
	 .locate = PR_LOCATE_SELF,
	 .key_label = "parcel id",
	 .join_stage = "join parcels",
	 .n_fields = PR_PARCEL_FIELD_COUNT,
	 .fields = {[PR_PARCEL_ID] = {"id", PR_FT_TEXT, true},
		    [PR_PARCEL_OWNER] = {"owner", PR_FT_TEXT, false},
		    [PR_PARCEL_FLOOR_AREA] = {"floor_area_m2", PR_FT_REAL, false,
					      .range = PR_RANGE_FIXED, .min = 1, .max = 1000000},
		    [PR_PARCEL_DWELLINGS] = {"dwellings", PR_FT_INT, false, .range = PR_RANGE_FIXED,
					     .min = 0, .max = 10000},
		    /* Up to five years after the as-of year: buildings planned. */
		    [PR_PARCEL_BUILD_YEAR] = {"build_year", PR_FT_INT, false,
					      .range = PR_RANGE_AS_OF_YEAR, .min = 1000, .max = 5},
		    [PR_PARCEL_ADDRESS] = {"address", PR_FT_TEXT, false}}},
    [PR_SRC_POPULATION] = {.name = "population",
			   .locate = PR_LOCATE_POINT,
			   .join_stage = "join population",
			   .records_column = "population_records",
			   .address_field = {4, 5, 6, 7},
			   .n_fields = 8,
			   .fields = {{"household", PR_FT_TEXT, false},
				      {"persons", PR_FT_INT, false, .range = PR_RANGE_FIXED,
				       .min = 1, .max = 99},
				      {"registered", PR_FT_DATE, false, PLAUSIBLE_DATE},
				      {"left", PR_FT_DATE, false, PLAUSIBLE_DATE},
				      ADDRESS_FIELDS}},
    [PR_SRC_COMPLAINTS] = {.name = "complaints",
			   .locate = PR_LOCATE_POINT,
			   .join_stage = "join complaints",
			   .records_column = "complaints_records",
			   .address_field = {2, 3, 4, 5},
			   .n_fields = 6,
			   .fields = {{"date", PR_FT_DATE, false, PLAUSIBLE_DATE},
				      {"category", PR_FT_TEXT, false, .vocabulary = category_words,
				       .open_vocabulary = true},
				      ADDRESS_FIELDS}},
    [PR_SRC_INSPECTIONS] =
	{.name = "inspections",
	 .locate = PR_LOCATE_KEY,
	 .key_field = PR_INSPECTION_PARCEL,
	 .key_label = "parcel key",
	 .join_stage = "join inspections",
	 .records_column = "inspections_records",
	 .n_fields = 3,
	 .fields = {[PR_INSPECTION_PARCEL] = {"parcel", PR_FT_TEXT, true},
		    [PR_INSPECTION_DATE] = {"date", PR_FT_DATE, false, PLAUSIBLE_DATE},
		    [PR_INSPECTION_OUTCOME] = {"outcome", PR_FT_TEXT, false,
					       .vocabulary = outcome_words}},
	 .address_field = {-1, -1, -1, -1}},
    /* No records column: the register describes addresses, not what happens at them (a model
     * counts a parcel's addresses or boxes from table addresses). */
    [PR_SRC_ADDRESSES] = {.name = "addresses",
			  .locate = PR_LOCATE_POINT,
			  .key_field = PR_REGISTER_PARCEL,
			  .key_label = "address's parcel key",
			  .join_stage = "join addresses",
			  .address_field = {-1, -1, -1, -1},
			  .n_fields = 8,
			  .fields = {[PR_REGISTER_STREET] = {"street", PR_FT_TEXT, true,
							     .columns = PR_REGISTER_STREETS},
				     [PR_REGISTER_STREET + 1] = {"street_2", PR_FT_TEXT, false},
				     [PR_REGISTER_STREET + 2] = {"street_3", PR_FT_TEXT, false},
				     [PR_REGISTER_STREET + 3] = {"street_4", PR_FT_TEXT, false},
				     [PR_REGISTER_NUMBER] = {"number", PR_FT_TEXT, true},
				     [PR_REGISTER_BOX] = {"box", PR_FT_TEXT, false},
				     [PR_REGISTER_POSTCODE] = {"postcode", PR_FT_TEXT, false},
				     [PR_REGISTER_PARCEL] = {"parcel", PR_FT_TEXT, false}}},
};

int pr_source_by_name(const char *name)
{
	for (int k = 0; k < PR_SRC_COUNT; k++)
		if (strcmp(pr_source_defs[k].name, name) == 0)
			return k;
	return -1;
}

typedef struct parse_state {
	const char *path;
	pr_sources *sources;
	pr_context *ctx;
} parse_state;

static int set_string(parse_state *st, const pr_ini_pos *pos, char **slot, const char *section,
		      const char *name, const char *value)
{
	return pr_ini_set_string(st->ctx, st->path, pos, section, name, value, slot);
}

/* A share written as a percentage, "5%", "0.5%" or "100%", into a fraction. A percentage sign is
 * required: "5" could mean 5% or 500%. */
static int parse_share(parse_state *st, const pr_ini_pos *pos, const char *section,
		       const char *value, double *ret)
{
	char number[64];
	size_t len = strlen(value);
	double v = -1;
	if (len > 1 && len < sizeof number && value[len - 1] == '%') {
		memcpy(number, value, len - 1);
		number[len - 1] = '\0';
		if (!pr_parse_double(number, &v))
			v = -1;
	}
	if (v < 0 || v > 100)
		return pr_error(
		    st->ctx, PR_ECONFIG,
		    "%s line %d [%s]: max_rejected '%s' is not a percentage from 0%% to "
		    "100%% (such as 5%% or 0.5%%)",
		    st->path, pos->line, section, value);
	*ret = v / 100;
	return 0;
}

/* separator: one of the characters a delimited text is split on, or its name. libinih reads
 * " ;" as the start of a comment, so "separator = ;" arrives empty: the line as written tells
 * it from "separator =". */
static int parse_separator(parse_state *st, const pr_ini_pos *pos, const char *section,
			   const char *value, pr_source_conf *c)
{
	static const struct {
		const char *name;
		char ch;
	} known[] = {{",", ','},     {";", ';'},	 {"|", '|'},   {"tab", '\t'},
		     {"comma", ','}, {"semicolon", ';'}, {"pipe", '|'}};
	char written[16] = "";
	if (pr_blank(value) && pos->raw) {
		const char *eq = strchr(pos->raw, '=');
		if (eq) {
			eq++;
			while (*eq == ' ' || *eq == '\t')
				eq++;
			if (*eq == ';')
				value = ";";
		}
	}
	snprintf(written, sizeof written, "%s", value);
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (pr_ascii_equal_fold(written, known[i].name)) {
			c->separator = known[i].ch;
			c->separator_line = pos->line;
			return 0;
		}
	return pr_error(st->ctx, PR_ECONFIG,
			"%s line %d [%s]: separator '%s' is not one of , ; | tab (or comma, "
			"semicolon, pipe)",
			st->path, pos->line, section, value);
}

static int parse_date_format(parse_state *st, const pr_ini_pos *pos, const char *section,
			     const char *value, pr_source_conf *c)
{
	static const struct {
		const char *name;
		enum pr_date_format format;
	} known[] = {
	    {"DD/MM/YYYY", PR_DATE_DMY}, {"MM/DD/YYYY", PR_DATE_MDY}, {"YYYY/MM/DD", PR_DATE_YMD}};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (pr_ascii_equal_fold(value, known[i].name)) {
			c->date_format = known[i].format;
			c->date_format_set = true;
			return 0;
		}
	return pr_error(st->ctx, PR_ECONFIG,
			"%s line %d [%s]: date_format '%s' is not one of DD/MM/YYYY, MM/DD/YYYY, "
			"YYYY/MM/DD (ISO dates YYYY-MM-DD are always read)",
			st->path, pos->line, section, value);
}

/* `<field>.<canonical> = word, word`: a site's words for a canonical value of a text field,
 * normalised as street names are. A closed vocabulary allows only its own canonical words. */
static int parse_vocab_key(parse_state *st, const pr_ini_pos *pos, const char *section,
			   const pr_source_def *def, pr_source_conf *c, const char *name,
			   const char *value)
{
	const char *dot = strchr(name, '.');
	int f = -1;
	for (int g = 0; g < def->n_fields; g++)
		if (strlen(def->fields[g].name) == (size_t)(dot - name) &&
		    strncmp(def->fields[g].name, name, (size_t)(dot - name)) == 0)
			f = g;
	const char *canonical = dot + 1;
	if (f < 0 || def->fields[f].type != PR_FT_TEXT)
		return pr_error(st->ctx, PR_ECONFIG,
				"%s line %d [%s]: unknown key '%s' (a mapping of values is "
				"<field>.<canonical word> = word, word, for a text field of [%s])",
				st->path, pos->line, section, name, section);
	const pr_field_def *fd = &def->fields[f];
	if (!*canonical)
		return pr_error(st->ctx, PR_ECONFIG,
				"%s line %d [%s]: '%s' names no canonical word after the dot",
				st->path, pos->line, section, name);
	if (fd->vocabulary && !fd->open_vocabulary) {
		bool known = false;
		for (const char *const *w = fd->vocabulary; *w; w++)
			known = known || strcmp(*w, canonical) == 0;
		if (!known) {
			pr_strbuf words = {0};
			for (const char *const *w = fd->vocabulary; *w; w++)
				pr_strbuf_printf(&words, "%s%s", words.len ? ", " : "", *w);
			int r = pr_error(st->ctx, PR_ECONFIG,
					 "%s line %d [%s]: '%s' is not a canonical %s (the %s "
					 "of an %s is one of %s)",
					 st->path, pos->line, section, canonical, fd->name,
					 fd->name, section, words.data ? words.data : "");
			pr_strbuf_free(&words);
			return r;
		}
	}
	pr_vocab_map *map = &c->vocab[f];
	char *copy = strdup(value);
	if (!copy)
		return PR_ENOMEM;
	int r = 0, n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w && r == 0; w = strtok_r(NULL, ",", &save)) {
		if (pr_blank(w))
			continue;
		char *word = pr_address_normalise(st->sources->norm, w);
		if (!word || !*word) {
			char shown[128];
			r = pr_error(st->ctx,
				     word	       ? PR_ECONFIG
				     : errno == ENOMEM ? PR_ENOMEM
						       : PR_ECONFIG,
				     "%s line %d [%s]: %s: '%s' is not a word to map (no letter or "
				     "digit, not UTF-8, or too long)",
				     st->path, pos->line, section, name,
				     pr_text_for_message(pr_trim(w), shown, sizeof shown));
			free(word);
			break;
		}
		n++;
		/* A word may map onto one canonical word only, and may not be another. */
		const char *other = NULL;
		for (size_t i = 0; i < map->n && !other; i++)
			if (strcmp(map->items[i].word, word) == 0 &&
			    strcmp(map->items[i].canonical, canonical) != 0)
				other = map->items[i].canonical;
		for (const char *const *v = fd->vocabulary; v && *v && !other; v++)
			if (strcmp(*v, canonical) != 0 && strcmp(*v, word) == 0)
				other = *v;
		if (other) {
			r = pr_error(st->ctx, PR_ECONFIG,
				     "%s line %d [%s]: '%s' cannot be both %s '%s' and '%s'",
				     st->path, pos->line, section, pr_trim(w), fd->name, other,
				     canonical);
			free(word);
			break;
		}
		if (pr_grow((void **)&map->items, &map->cap, map->n + 1, sizeof *map->items) < 0 ||
		    !(map->items[map->n].canonical = strdup(canonical))) {
			free(word);
			r = PR_ENOMEM;
			break;
		}
		map->items[map->n++].word = word;
	}
	free(copy);
	if (r == 0 && n == 0)
		r = pr_error(st->ctx, PR_ECONFIG, "%s line %d [%s]: %s names no word", st->path,
			     pos->line, section, name);
	return r;
}

double pr_source_max_rejected(const pr_sources *sources, int source)
{
	if (sources->src[source].max_rejected >= 0)
		return sources->src[source].max_rejected;
	return sources->max_rejected;
}

/* A key that may list several columns ("street = streetname_fr, streetname_nl"): each fills
 * the next field from f on, at most count of them. */
static int set_columns(parse_state *st, const pr_ini_pos *pos, pr_source_conf *c, int f, int count,
		       const char *section, const char *name, const char *value)
{
	char *list = strdup(value), *save = NULL;
	int n = 0, r = 0;
	if (!list)
		return PR_ENOMEM;
	for (char *col = strtok_r(list, ",", &save); col && r == 0;
	     col = strtok_r(NULL, ",", &save)) {
		pr_trim(col);
		if (!*col)
			continue;
		if (n == count)
			r = pr_error(st->ctx, PR_ECONFIG,
				     "%s line %d [%s]: %s lists more than %d columns", st->path,
				     pos->line, section, name, count);
		else
			r = set_string(st, pos, &c->columns[f + n++], section, name, col);
	}
	free(list);
	return r;
}

static int handle_key(void *user, const pr_ini_pos *pos, const char *section, const char *name,
		      const char *value)
{
	parse_state *st = user;
	pr_sources *s = st->sources;
	if (!name && strcmp(section, "run") == 0)
		return 0;
	if (strcmp(section, "run") == 0) {
		if (strcmp(name, "as_of") == 0) {
			s->as_of_line = pos->line;
			return set_string(st, pos, &s->as_of, section, name, value);
		}
		if (strcmp(name, "crs") == 0) {
			s->crs_line = pos->line;
			return set_string(st, pos, &s->crs, section, name, value);
		}
		if (strcmp(name, "max_rejected") == 0)
			return parse_share(st, pos, section, value, &s->max_rejected);
		if (strcmp(name, "pseudonym_key_file") == 0) {
			if (pr_blank(value))
				return pr_error(
				    st->ctx, PR_ECONFIG,
				    "%s line %d [run]: pseudonym_key_file names no file", st->path,
				    pos->line);
			return set_string(st, pos, &s->pseudonym_key_file, section, name, value);
		}
		if (strcmp(name, "time_limit_s") == 0) {
			double v;
			if (!pr_parse_double(value, &v) || v <= 0 || v > 604800)
				return pr_error(
				    st->ctx, PR_ECONFIG,
				    "%s line %d [run]: time_limit_s '%s' is not a number "
				    "of seconds from 0 to 604800 (a week)",
				    st->path, pos->line, value);
			s->time_limit_s = v;
			return 0;
		}
		return pr_error(st->ctx, PR_ECONFIG,
				"%s line %d [run]: unknown key '%s' (known: as_of, crs, "
				"max_rejected, time_limit_s, pseudonym_key_file)",
				st->path, pos->line, name);
	}
	int k = pr_source_by_name(section);
	if (k < 0) {
		pr_strbuf known = {0};
		pr_strbuf_printf(&known, "run");
		for (int j = 0; j < PR_SRC_COUNT; j++)
			pr_strbuf_printf(&known, ", %s", pr_source_defs[j].name);
		int r =
		    pr_error(st->ctx, PR_ECONFIG, "%s line %d: unknown section [%s] (known: %s)",
			     st->path, pos->line, section, known.data ? known.data : "");
		pr_strbuf_free(&known);
		return r;
	}
	const pr_source_def *def = &pr_source_defs[k];
	bool points = def->locate == PR_LOCATE_POINT;
	pr_source_conf *c = &s->src[k];
	if (!c->present) {
		c->present = true;
		c->line = pos->section_line;
	}
	if (!name)
		return 0;
	if (strcmp(name, "path") == 0)
		return set_string(st, pos, &c->path, section, name, value);
	if (strcmp(name, "layer") == 0)
		return set_string(st, pos, &c->layer, section, name, value);
	if (strcmp(name, "where") == 0)
		return set_string(st, pos, &c->where, section, name, value);
	if (strcmp(name, "crs") == 0) {
		c->crs_line = pos->line;
		return set_string(st, pos, &c->crs, section, name, value);
	}
	if (strcmp(name, "max_rejected") == 0)
		return parse_share(st, pos, section, value, &c->max_rejected);
	if (strcmp(name, "separator") == 0) {
		if (c->separator)
			return pr_error(st->ctx, PR_ECONFIG,
					"%s line %d [%s]: key 'separator' is given twice", st->path,
					pos->line, section);
		return parse_separator(st, pos, section, value, c);
	}
	if (strcmp(name, "encoding") == 0) {
		c->encoding_line = pos->line;
		return set_string(st, pos, &c->encoding, section, name, value);
	}
	if (strcmp(name, "decimal") == 0) {
		if (strcmp(value, ".") != 0 && strcmp(value, ",") != 0)
			return pr_error(st->ctx, PR_ECONFIG,
					"%s line %d [%s]: decimal '%s' is not . or ,", st->path,
					pos->line, section, value);
		c->decimal = value[0];
		return 0;
	}
	if (strcmp(name, "date_format") == 0)
		return parse_date_format(st, pos, section, value, c);
	if (strchr(name, '.'))
		return parse_vocab_key(st, pos, section, def, c, name, value);
	if (points && strcmp(name, "x") == 0)
		return set_string(st, pos, &c->x, section, name, value);
	if (points && strcmp(name, "y") == 0)
		return set_string(st, pos, &c->y, section, name, value);
	if (points && strcmp(name, "snap_m") == 0) {
		double v;
		if (!pr_parse_double(value, &v) || v < 0 || v > 1000) {
			return pr_error(st->ctx, PR_ECONFIG,
					"%s line %d [%s]: snap_m '%s' is not a distance in metres "
					"between 0 and 1000",
					st->path, pos->line, section, value);
		}
		c->snap_m = v;
		return 0;
	}
	for (int f = 0; f < def->n_fields; f++)
		if (strcmp(name, def->fields[f].name) == 0) {
			if (pr_blank(value)) {
				return pr_error(st->ctx, PR_ECONFIG,
						"%s line %d [%s]: field '%s' names no column",
						st->path, pos->line, section, name);
			}
			if (def->fields[f].columns > 1)
				return set_columns(st, pos, c, f, def->fields[f].columns, section,
						   name, value);
			return set_string(st, pos, &c->columns[f], section, name, value);
		}
	pr_strbuf known = {0};
	pr_strbuf_printf(&known,
			 "path, layer, where, crs, max_rejected, separator, encoding, decimal, "
			 "date_format%s",
			 points ? ", x, y, snap_m" : "");
	for (int f = 0; f < def->n_fields; f++)
		pr_strbuf_printf(&known, ", %s", def->fields[f].name);
	for (int f = 0; f < def->n_fields; f++)
		if (def->fields[f].type == PR_FT_TEXT)
			pr_strbuf_printf(&known, ", %s.<canonical>", def->fields[f].name);
	int r = pr_error(st->ctx, PR_ECONFIG, "%s line %d [%s]: unknown key '%s' (known: %s)",
			 st->path, pos->line, section, name, known.data ? known.data : "");
	pr_strbuf_free(&known);
	return r;
}

OGRSpatialReferenceH pr_srs_from_user(const char *text)
{
	OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
	if (!srs)
		return NULL;
	if (OSRSetFromUserInput(srs, text) != OGRERR_NONE) {
		OSRRelease(srs);
		return NULL;
	}
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	return srs;
}

const char *pr_srs_not_metric(OGRSpatialReferenceH srs)
{
	if (OSRIsGeographic(srs))
		return "is geographic (degrees)";
	if (!OSRIsProjected(srs))
		return "is not a projected CRS";
	char *unit = NULL;
	double to_metre = OSRGetLinearUnits(srs, &unit);
	if (to_metre < 0.999999 || to_metre > 1.000001) {
		static __thread char why[128];
		snprintf(why, sizeof why, "measures in %s, not metres",
			 unit ? unit : "another unit");
		return why;
	}
	return NULL;
}

void pr_srs_label(OGRSpatialReferenceH srs, char *buf, size_t size)
{
	const char *auth = OSRGetAuthorityName(srs, NULL);
	const char *code = OSRGetAuthorityCode(srs, NULL);
	if (auth && code) {
		snprintf(buf, size, "%s:%s", auth, code);
		return;
	}
	/* Datasets often carry a CRS without its code; ask PROJ for the best match. */
	if (OSRAutoIdentifyEPSG(srs) == OGRERR_NONE && (code = OSRGetAuthorityCode(srs, NULL))) {
		snprintf(buf, size, "EPSG:%s", code);
		return;
	}
	const char *name = OSRGetName(srs);
	snprintf(buf, size, "%s", name ? name : "unknown CRS");
}

static int check_crs(pr_context *ctx, const char *path, int line, const char *section,
		     const char *value, bool working)
{
	OGRSpatialReferenceH srs = pr_srs_from_user(value);
	if (!srs)
		return pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: crs '%s' is not a known CRS",
				path, line, section, value);
	const char *why = working ? pr_srs_not_metric(srs) : NULL;
	int r = 0;
	if (why)
		r = pr_error(
		    ctx, PR_ECONFIG,
		    "%s line %d [%s]: the working crs '%s' %s; it must be a projected CRS in "
		    "metres, such as EPSG:31370 or EPSG:3812",
		    path, line, section, value, why);
	OSRRelease(srs);
	return r;
}

/* After parsing: required sections and keys, CRSs that exist, a date that parses. */
static int validate(pr_context *ctx, pr_sources *s)
{
	if (!s->src[PR_SRC_PARCELS].present)
		return pr_error(ctx, PR_ECONFIG, "%s: missing section [parcels]", s->file);
	if (s->crs) {
		int r = check_crs(ctx, s->file, s->crs_line, "run", s->crs, true);
		if (r < 0)
			return r;
	}
	if (s->as_of) {
		int32_t d;
		if (!pr_parse_date(s->as_of, &d))
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [run]: as_of '%s' is not a date (YYYY-MM-DD)",
					s->file, s->as_of_line, s->as_of);
	}
	/* Only resolved here: the key is read by the runs that need it (planners). */
	if (s->pseudonym_key_file) {
		char *resolved = pr_path_relative_to(s->dir, s->pseudonym_key_file);
		if (!resolved)
			return PR_ENOMEM;
		free(s->pseudonym_key_file);
		s->pseudonym_key_file = resolved;
	}
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		pr_source_conf *c = &s->src[k];
		const pr_source_def *def = &pr_source_defs[k];
		if (!c->present)
			continue;
		if (!c->path)
			return pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: missing key 'path'",
					s->file, c->line, def->name);
		for (int f = 0; f < def->n_fields; f++)
			if (def->fields[f].required && !c->columns[f])
				return pr_error(
				    ctx, PR_ECONFIG,
				    "%s line %d [%s]: missing key '%s' (the column holding "
				    "the %s)",
				    s->file, c->line, def->name, def->fields[f].name,
				    f == def->key_field && def->key_label ? def->key_label
									  : def->fields[f].name);
		const int *addr = def->address_field;
		c->by_address =
		    def->locate == PR_LOCATE_POINT && addr[0] >= 0 &&
		    (c->columns[addr[PR_ADDRESS_STREET]] || c->columns[addr[PR_ADDRESS_NUMBER]]);
		if (c->by_address && (c->x || c->y))
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [%s]: give x and y, or street and number, not "
					"both",
					s->file, c->line, def->name);
		if (c->by_address &&
		    (!c->columns[addr[PR_ADDRESS_STREET]] || !c->columns[addr[PR_ADDRESS_NUMBER]]))
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [%s]: a source located by address needs both "
					"street and number",
					s->file, c->line, def->name);
		if (c->by_address && !s->src[PR_SRC_ADDRESSES].present)
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [%s]: located by address (street, number), but "
					"the sources file has no [addresses] section (the address "
					"register)",
					s->file, c->line, def->name);
		if (def->locate == PR_LOCATE_POINT && (!c->x) != (!c->y))
			return pr_error(ctx, PR_ECONFIG,
					"%s line %d [%s]: give both x and y, or neither to use the "
					"layer's geometry",
					s->file, c->line, def->name);
		if (c->crs) {
			int r = check_crs(ctx, s->file, c->crs_line, def->name, c->crs, false);
			if (r < 0)
				return r;
		}
		if (c->encoding) {
			iconv_t cd = iconv_open("UTF-8", c->encoding);
			if (cd == (iconv_t)-1)
				return pr_error(ctx, PR_ECONFIG,
						"%s line %d [%s]: encoding '%s' is not one iconv "
						"knows (such as CP1252, ISO-8859-1 or UTF-8)",
						s->file, c->encoding_line, def->name, c->encoding);
			iconv_close(cd);
		}
		char *resolved = pr_path_relative_to(s->dir, c->path);
		if (!resolved)
			return PR_ENOMEM;
		free(c->path);
		c->path = resolved;
	}
	return 0;
}

int pr_sources_load(pr_context *ctx, const char *path, pr_sources **ret_sources)
{
	pr_sources *s = NULL;
	FILE *f = NULL;
	int r = 0;

	f = fopen(path, "r");
	if (!f) {
		r = pr_error(ctx, errno == ENOENT ? PR_ENOINPUT : PR_ECONFIG,
			     "cannot open sources file %s: %s", path, strerror(errno));
		goto done;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		r = PR_ENOMEM;
		goto done;
	}
	s->max_rejected = PR_DEFAULT_MAX_REJECTED;
	s->time_limit_s = PR_DEFAULT_TIME_LIMIT_S;
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		s->src[k].max_rejected = -1;
		s->src[k].decimal = '.';
	}
	r = pr_address_norm_new(ctx, &s->norm);
	if (r < 0)
		goto done;
	s->file = strdup(path);
	s->dir = pr_dirname(path);
	if (!s->file || !s->dir) {
		r = PR_ENOMEM;
		goto done;
	}
	parse_state st = {.path = path, .sources = s, .ctx = ctx};
	r = pr_ini_parse(ctx, path, f, handle_key, &st);
	if (r < 0)
		goto done;
	r = validate(ctx, s);
	if (r < 0)
		goto done;
	*ret_sources = s;
	s = NULL;
done:
	if (f)
		fclose(f);
	pr_sources_free(s);
	return r;
}

void pr_sources_free(pr_sources *s)
{
	if (!s)
		return;
	for (int k = 0; k < PR_SRC_COUNT; k++) {
		pr_source_conf *c = &s->src[k];
		free(c->path);
		free(c->layer);
		free(c->where);
		free(c->crs);
		free(c->x);
		free(c->y);
		for (int f = 0; f < PR_MAX_FIELDS; f++) {
			free(c->columns[f]);
			for (size_t i = 0; i < c->vocab[f].n; i++) {
				free(c->vocab[f].items[i].word);
				free(c->vocab[f].items[i].canonical);
			}
			free(c->vocab[f].items);
		}
		free(c->encoding);
	}
	pr_address_norm_free(s->norm);
	free(s->file);
	free(s->dir);
	free(s->crs);
	free(s->as_of);
	free(s->pseudonym_key_file);
	free(s);
}
