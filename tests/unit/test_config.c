/* SPDX-License-Identifier: MIT */
/* Unit tests of the sources file: a good file with every key, and each kind of configuration
 * error naming the file, the line and the key. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "sources/sources.h"

static char dir[] = "/tmp/pr-test-config-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text as a sources file; returns the status and leaves the message in msg. */
static int load(const char *text, char *msg, size_t size, pr_sources **ret)
{
	pr_context *ctx = NULL;
	pr_context_new(&ctx);
	pr_sources *s = NULL;
	int r = pr_sources_load(ctx, write_file("sources.ini", text), &s);
	snprintf(msg, size, "%s", pr_context_errmsg(ctx));
	if (ret)
		*ret = s;
	else
		pr_sources_free(s);
	pr_context_free(ctx);
	return r;
}

/* The good file is the sources file synth writes (data/synth/sources.ini: every key, comment
 * lines first) with an inline comment added after a value. Returns it in a buffer the caller
 * frees; NULL when the file cannot be read, is over 4 KB or lacks the as_of line. */
static char *read_good_file(void)
{
	static const char plain[] = "as_of = 2026-11-01\n";
	static const char commented[] = "as_of = 2026-11-01            ; reference date\n";
	char file[4096];
	FILE *f = fopen(SYNTH_SOURCES_INI, "rb");
	if (!f)
		return NULL;
	size_t n = fread(file, 1, sizeof file, f);
	fclose(f);
	if (n == sizeof file)
		return NULL;
	file[n] = '\0';
	const char *at = strstr(file, plain);
	char *text = at ? malloc(n + sizeof commented) : NULL;
	if (text)
		sprintf(text, "%.*s%s%s", (int)(at - file), file, commented, at + strlen(plain));
	return text;
}

/* The line number of the first line of text that starts with prefix; 0 when there is none. */
static int line_starting_with(const char *text, const char *prefix)
{
	int number = 1;
	for (const char *p = text; *p; number++) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return number;
		const char *end_of_line = strchr(p, '\n');
		if (!end_of_line)
			break;
		p = end_of_line + 1;
	}
	return 0;
}

static void test_good_file(void)
{
	char msg[1024];
	char *good = read_good_file();
	if (!good) {
		FAIL_AT("%s: unreadable, over 4 KB or without 'as_of = 2026-11-01'",
			SYNTH_SOURCES_INI);
		return;
	}
	pr_sources *s = NULL;
	int status = load(good, msg, sizeof msg, &s);
	int population_line = line_starting_with(good, "[population]");
	free(good);
	ASSERT_INT_EQ(status, 0);
	ASSERT_STR_EQ(s->as_of, "2026-11-01");
	ASSERT_STR_EQ(s->crs, "EPSG:31370");
	ASSERT_STR_EQ(s->src[PR_SRC_PARCELS].where, "use <> 'road'");
	ASSERT_STR_EQ(s->src[PR_SRC_PARCELS].columns[0], "capakey");
	ASSERT_CONTAINS(s->src[PR_SRC_PARCELS].path, "parcels.gpkg");
	ASSERT_TRUE(s->src[PR_SRC_PARCELS].path[0] == '/'); /* resolved against the file */
	ASSERT_DBL_NEAR(s->src[PR_SRC_COMPLAINTS].snap_m, 25, 0);
	ASSERT_STR_EQ(s->src[PR_SRC_COMPLAINTS].x, "lon");
	ASSERT_STR_EQ(s->src[PR_SRC_POPULATION].columns[3], "left");
	ASSERT_STR_EQ(s->src[PR_SRC_INSPECTIONS].columns[2], "outcome");
	ASSERT_TRUE(population_line > 0);
	ASSERT_INT_EQ(s->src[PR_SRC_POPULATION].line, population_line);
	pr_sources_free(s);
}

static void expect_error(const char *text, int status, const char *needle)
{
	char msg[1024];
	int r = load(text, msg, sizeof msg, NULL);
	if (r != status)
		FAIL_AT("status %d, expected %d (%s)", r, status, msg);
	else if (!strstr(msg, needle))
		FAIL_AT("message '%s' lacks '%s'", msg, needle);
}

static void test_unknown_key(void)
{
	expect_error("[parcels]\npath = p.gpkg\nid = capakey\ncolour = red\n", PR_ECONFIG,
		     "line 4 [parcels]: unknown key 'colour'");
}

static void test_unknown_section(void)
{
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[owners]\npath = o.csv\n", PR_ECONFIG,
		     "line 4: unknown section [owners]");
}

static void test_missing_section(void)
{
	expect_error("[run]\ncrs = EPSG:31370\n", PR_ECONFIG, "missing section [parcels]");
}

static void test_missing_key(void)
{
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[population]\n", PR_ECONFIG,
		     "line 4 [population]: missing key 'path'");
	expect_error("[run]\ncrs = EPSG:31370\n\n[parcels]\npath = p.gpkg\n", PR_ECONFIG,
		     "line 4 [parcels]: missing key 'id'");
	expect_error("[parcels]\nid = capakey\n", PR_ECONFIG,
		     "line 1 [parcels]: missing key 'path'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[inspections]\npath = i.csv\ndate = d\n",
		     PR_ECONFIG, "line 4 [inspections]: missing key 'parcel'");
}

static void test_unknown_crs(void)
{
	expect_error("[run]\ncrs = EPSG:999999\n[parcels]\npath = p.gpkg\nid = c\n", PR_ECONFIG,
		     "line 2 [run]: crs 'EPSG:999999' is not a known CRS");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[complaints]\npath = c.csv\nx = lon\ny = "
		     "lat\ncrs = WGS85\n",
		     PR_ECONFIG, "line 8 [complaints]: crs 'WGS85' is not a known CRS");
}

static void test_geographic_working_crs(void)
{
	expect_error("[run]\ncrs = EPSG:4326\n[parcels]\npath = p.gpkg\nid = c\n", PR_ECONFIG,
		     "line 2 [run]: the working crs 'EPSG:4326' is geographic");
}

static void test_feet_working_crs(void)
{
	expect_error("[run]\ncrs = EPSG:2249\n[parcels]\npath = p.gpkg\nid = c\n", PR_ECONFIG,
		     "not metres");
}

static void test_bad_values(void)
{
	expect_error("[run]\nas_of = 2026-02-30\n[parcels]\npath = p.gpkg\nid = c\n", PR_ECONFIG,
		     "line 2 [run]: as_of '2026-02-30' is not a date");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[population]\npath = p.csv\nx = x\ny = "
		     "y\nsnap_m = ten\n",
		     PR_ECONFIG, "line 8 [population]: snap_m 'ten'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\nid = d\n", PR_ECONFIG,
		     "line 4 [parcels]: key 'id' is given twice");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[population]\npath = p.csv\nsnap_m = "
		     "10\nsnap_m = 20\n",
		     PR_ECONFIG, "line 7 [population]: key 'snap_m' is given twice");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[population]\npath = p.csv\nx = x\n",
		     PR_ECONFIG, "give both x and y");
	expect_error("[parcels\npath = p.gpkg\n", PR_ECONFIG, "line 1: not an INI line");
}

/* The keys of "Reading real exports": separator (with libinih's comment rule worked around),
 * encoding, decimal, date_format, and mapped words. */
/* [addresses]: a street listed over several columns fills street, street_2...; a point source
 * with street and number is located by address, and needs the register, both keys, and no x/y. */
static void test_address_keys(void)
{
	char msg[1024];
	pr_sources *s = NULL;
	int r = load("[parcels]\npath = p.gpkg\nid = c\n"
		     "[addresses]\npath = a.txt\nx = x\ny = y\nnumber = n\n"
		     "street = name_fr , name_nl,name_de\n"
		     "[population]\npath = p.csv\nstreet = rue\nnumber = numero\n",
		     msg, sizeof msg, &s);
	ASSERT_INT_EQ(r, 0);
	const pr_source_conf *a = &s->src[PR_SRC_ADDRESSES];
	ASSERT_STR_EQ(a->columns[PR_REGISTER_STREET], "name_fr");
	ASSERT_STR_EQ(a->columns[PR_REGISTER_STREET + 1], "name_nl");
	ASSERT_STR_EQ(a->columns[PR_REGISTER_STREET + 2], "name_de");
	ASSERT_TRUE(a->columns[PR_REGISTER_STREET + 3] == NULL);
	ASSERT_TRUE(s->src[PR_SRC_POPULATION].by_address);
	ASSERT_TRUE(!s->src[PR_SRC_COMPLAINTS].by_address);
	pr_sources_free(s);
	s = NULL;

	r = load("[parcels]\npath = p.gpkg\nid = c\n"
		 "[addresses]\npath = a.txt\nnumber = n\nstreet = a, b, c, d, e\n",
		 msg, sizeof msg, NULL);
	ASSERT_INT_EQ(r, PR_ECONFIG);
	ASSERT_CONTAINS(msg, "street lists more than 4 columns");
	r = load("[parcels]\npath = p.gpkg\nid = c\n"
		 "[population]\npath = p.csv\nstreet = rue\nnumber = numero\n",
		 msg, sizeof msg, NULL);
	ASSERT_INT_EQ(r, PR_ECONFIG);
	ASSERT_CONTAINS(msg, "no [addresses] section");
	r = load("[parcels]\npath = p.gpkg\nid = c\n[addresses]\npath = a.txt\nstreet = s\n"
		 "number = n\n[population]\npath = p.csv\nstreet = rue\n",
		 msg, sizeof msg, NULL);
	ASSERT_INT_EQ(r, PR_ECONFIG);
	ASSERT_CONTAINS(msg, "needs both street and number");
	r = load("[parcels]\npath = p.gpkg\nid = c\n[addresses]\npath = a.txt\nstreet = s\n"
		 "number = n\n[population]\npath = p.csv\nstreet = rue\nnumber = no\n"
		 "x = x\ny = y\n",
		 msg, sizeof msg, NULL);
	ASSERT_INT_EQ(r, PR_ECONFIG);
	ASSERT_CONTAINS(msg, "not both");
	r = load("[parcels]\npath = p.gpkg\nid = c\n[addresses]\npath = a.txt\nstreet = s\n", msg,
		 sizeof msg, NULL);
	ASSERT_INT_EQ(r, PR_ECONFIG);
	ASSERT_CONTAINS(msg, "missing key 'number'");
}

static void test_export_keys(void)
{
	char msg[1024];
	pr_sources *s = NULL;
	int r = load("[parcels]\npath = p.gpkg\nid = c\n"
		     "[complaints]\npath = c.csv\nseparator = ;\nencoding = CP1252\n"
		     "decimal = ,\ndate_format = MM/DD/YYYY\ncategory = cat\n"
		     "category.humidity = Humidité, VOCHT\ncategory.smell = odeurs\n"
		     "[inspections]\npath = i.txt\nseparator = |\nparcel = k\n"
		     "outcome.closure = Fermeture, interdiction de location\n"
		     "[population]\npath = p.tsv\nseparator = tab\n",
		     msg, sizeof msg, &s);
	ASSERT_INT_EQ(r, 0);
	const pr_source_conf *c = &s->src[PR_SRC_COMPLAINTS];
	ASSERT_INT_EQ(c->separator, ';');
	ASSERT_STR_EQ(c->encoding, "CP1252");
	ASSERT_INT_EQ(c->decimal, ',');
	ASSERT_INT_EQ(c->date_format, PR_DATE_MDY);
	ASSERT_TRUE(c->date_format_set);
	/* Mapped words are kept normalised as street names are. */
	ASSERT_INT_EQ(c->vocab[1].n, 3);
	ASSERT_STR_EQ(c->vocab[1].items[0].word, "humidite");
	ASSERT_STR_EQ(c->vocab[1].items[0].canonical, "humidity");
	ASSERT_STR_EQ(c->vocab[1].items[1].word, "vocht");
	ASSERT_STR_EQ(c->vocab[1].items[2].canonical, "smell");
	ASSERT_INT_EQ(s->src[PR_SRC_INSPECTIONS].separator, '|');
	ASSERT_INT_EQ(s->src[PR_SRC_INSPECTIONS].decimal, '.');
	ASSERT_INT_EQ(s->src[PR_SRC_INSPECTIONS].date_format, PR_DATE_DMY);
	ASSERT_STR_EQ(s->src[PR_SRC_INSPECTIONS].vocab[PR_INSPECTION_OUTCOME].items[1].word,
		      "interdiction de location");
	ASSERT_INT_EQ(s->src[PR_SRC_POPULATION].separator, '\t');
	pr_sources_free(s);

	/* "separator = ;" reaches libinih's handler empty; the line as written says ';'. */
	s = NULL;
	ASSERT_INT_EQ(load("[parcels]\npath = p.gpkg\nid = c\nseparator = ; semicolons\n", msg,
			   sizeof msg, &s),
		      0);
	ASSERT_INT_EQ(s->src[PR_SRC_PARCELS].separator, ';');
	pr_sources_free(s);
	s = NULL;
	ASSERT_INT_EQ(load("[parcels]\npath = p.gpkg\nid = c\nseparator=;\n", msg, sizeof msg, &s),
		      0);
	ASSERT_INT_EQ(s->src[PR_SRC_PARCELS].separator, ';');
	pr_sources_free(s);
	s = NULL;
	ASSERT_INT_EQ(
	    load("[parcels]\npath = p.gpkg\nid = c\nseparator = semicolon\n", msg, sizeof msg, &s),
	    0);
	ASSERT_INT_EQ(s->src[PR_SRC_PARCELS].separator, ';');
	pr_sources_free(s);
}

static void test_export_key_errors(void)
{
	expect_error("[parcels]\npath = p.gpkg\nid = c\nseparator =\n", PR_ECONFIG,
		     "line 4 [parcels]: separator '' is not one of");
	expect_error("[parcels]\npath = p.gpkg\nid = c\nseparator = :\n", PR_ECONFIG,
		     "line 4 [parcels]: separator ':'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n\nencoding = KLINGON-8\n", PR_ECONFIG,
		     "line 5 [parcels]: encoding 'KLINGON-8' is not one iconv knows");
	expect_error("[parcels]\npath = p.gpkg\nid = c\ndecimal = comma\n", PR_ECONFIG,
		     "line 4 [parcels]: decimal 'comma' is not . or ,");
	expect_error("[parcels]\npath = p.gpkg\nid = c\ndate_format = DD/MM/YY\n", PR_ECONFIG,
		     "line 4 [parcels]: date_format 'DD/MM/YY' is not one of");
	/* A closed vocabulary: only its own canonical words. */
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[inspections]\npath = i.csv\nparcel = "
		     "k\noutcome.shut = fermeture\n",
		     PR_ECONFIG, "line 7 [inspections]: 'shut' is not a canonical outcome");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[inspections]\npath = i.csv\nparcel = "
		     "k\noutcome.major = grave\noutcome.minor = Grave\n",
		     PR_ECONFIG,
		     "line 8 [inspections]: 'Grave' cannot be both outcome 'major' and "
		     "'minor'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[inspections]\npath = i.csv\nparcel = "
		     "k\noutcome.major = minor\n",
		     PR_ECONFIG, "cannot be both outcome 'minor' and 'major'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[inspections]\npath = i.csv\nparcel = "
		     "k\ndate.x = y\n",
		     PR_ECONFIG, "line 7 [inspections]: unknown key 'date.x'");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[complaints]\npath = c.csv\n"
		     "category.fire = , ,\n",
		     PR_ECONFIG, "line 6 [complaints]: category.fire names no word");
	expect_error("[parcels]\npath = p.gpkg\nid = c\n[complaints]\npath = c.csv\n"
		     "category.fire = feu, ?!\n",
		     PR_ECONFIG, "'?!' is not a word to map");
}

/* [run] pseudonym_key_file: a path resolved against the sources file's folder like the
 * sources', absolute paths kept; the file itself is not read when the sources are loaded. */
static void test_pseudonym_key_file(void)
{
	char msg[1024], want[600];
	pr_sources *s = NULL;
	static const char base[] = "[parcels]\npath = p.gpkg\nid = capakey\n";
	char text[256];
	snprintf(text, sizeof text, "[run]\npseudonym_key_file = keys/owners.key\n%s", base);
	ASSERT_INT_EQ(load(text, msg, sizeof msg, &s), 0);
	snprintf(want, sizeof want, "%s/keys/owners.key", dir);
	ASSERT_STR_EQ(s->pseudonym_key_file, want);
	pr_sources_free(s);
	snprintf(text, sizeof text, "[run]\npseudonym_key_file = /etc/parcelrisk/k\n%s", base);
	ASSERT_INT_EQ(load(text, msg, sizeof msg, &s), 0);
	ASSERT_STR_EQ(s->pseudonym_key_file, "/etc/parcelrisk/k");
	pr_sources_free(s);
	ASSERT_INT_EQ(load(base, msg, sizeof msg, &s), 0);
	ASSERT_TRUE(s->pseudonym_key_file == NULL);
	pr_sources_free(s);
	snprintf(text, sizeof text, "[run]\npseudonym_key_file =\n%s", base);
	expect_error(text, PR_ECONFIG, "line 2 [run]: pseudonym_key_file names no file");
	snprintf(text, sizeof text, "[run]\npseudonym_key_file = a\npseudonym_key_file = b\n%s",
		 base);
	expect_error(text, PR_ECONFIG, "line 3 [run]: key 'pseudonym_key_file' is given twice");
	expect_error("[run]\npseudonym_key = a\n", PR_ECONFIG, "pseudonym_key_file)");
}

static void test_missing_file(void)
{
	pr_context *ctx = NULL;
	pr_context_new(&ctx);
	pr_sources *s = NULL;
	ASSERT_INT_EQ(pr_sources_load(ctx, "/nonexistent/sources.ini", &s), PR_ENOINPUT);
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "/nonexistent/sources.ini");
	pr_context_free(ctx);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 2;
	RUN(test_good_file);
	RUN(test_unknown_key);
	RUN(test_unknown_section);
	RUN(test_missing_section);
	RUN(test_missing_key);
	RUN(test_unknown_crs);
	RUN(test_geographic_working_crs);
	RUN(test_feet_working_crs);
	RUN(test_bad_values);
	RUN(test_missing_file);
	RUN(test_address_keys);
	RUN(test_export_keys);
	RUN(test_export_key_errors);
	RUN(test_pseudonym_key_file);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	return HARNESS_EXIT();
}
