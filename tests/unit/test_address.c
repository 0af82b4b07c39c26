/* SPDX-License-Identifier: MIT */
/* Unit tests of address matching: street names folded and expanded through the built-in
 * abbreviation table (and what must stay apart), the table's own errors, house numbers and
 * boxes in every written form and the garbage they refuse, the key set, and the index on a
 * hand-made register at each match level and each reason to reject. Also prints (never
 * asserts) how long 500,000 synthetic register rows take to index and to look up. */
#include <errno.h>
#include <time.h>

#include "address/address.h"
#include "harness.h"

static pr_context *ctx;
static pr_address_norm *norm;

static const char *shown(const char *s)
{
	return s ? s : "(null)";
}

/* The normalised form of text, in a static buffer; "(null: errno N)" when refused. */
static const char *normal(const char *text)
{
	static char buf[4][2048];
	static int turn;
	char *out = buf[turn++ % 4];
	char *n = pr_address_normalise(norm, text);
	if (!n)
		snprintf(out, sizeof buf[0], "(null: errno %d)", errno);
	else
		snprintf(out, sizeof buf[0], "%s", n);
	free(n);
	return out;
}

#define ASSERT_SAME_NAME(a, b) ASSERT_STR_EQ(normal(a), normal(b))
#define ASSERT_OTHER_NAME(a, b)                                                                    \
	do {                                                                                       \
		const char *na_ = normal(a), *nb_ = normal(b);                                     \
		if (strcmp(na_, nb_) == 0) {                                                       \
			FAIL_AT("'%s' and '%s' both normalise to '%s'", a, b, na_);                \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static void test_folding(void)
{
	ASSERT_STR_EQ(normal("Avenue Louise"), "avenue louise");
	ASSERT_STR_EQ(normal("  AVENUE   LOUISE  "), "avenue louise");
	ASSERT_STR_EQ(normal("Chaussée d'Ixelles"), "chaussee d ixelles");
	ASSERT_STR_EQ(normal("Rue de l’Église"), "rue de l eglise"); /* typographic apostrophe */
	ASSERT_STR_EQ(normal("Place Eugène Flagey"), "place eugene flagey");
	ASSERT_STR_EQ(normal("Rue du Sacré-Cœur"), "rue du sacre coeur");
	ASSERT_STR_EQ(normal("Rue du Sacré-Coeur"), "rue du sacre coeur");
	ASSERT_STR_EQ(normal("Rue Ærø"), "rue aerø"); /* æ is a ligature; ø is a letter */
	ASSERT_STR_EQ(normal("Königsstraße"), "konigsstrasse");
	ASSERT_SAME_NAME("KÖNIGSSTRASSE", "Königsstraße");
	ASSERT_STR_EQ(normal("Rue du 1er Mai"), "rue du 1er mai");
	ASSERT_STR_EQ(normal("Rue\u00a0Haute"), "rue haute");	 /* no-break space */
	ASSERT_STR_EQ(normal("Kerk\u00adstraat"), "kerkstraat"); /* soft hyphen: one word */
	ASSERT_STR_EQ(normal("Rue\tdes\r\nTanneurs."), "rue des tanneurs");
	ASSERT_STR_EQ(normal("ＲＵＥ ＨＡＵＴＥ"), "rue haute"); /* fullwidth */
	ASSERT_STR_EQ(normal("Rue Ma\u0301rie"), "rue marie");	 /* combining accent */
	ASSERT_STR_EQ(normal(""), "");
	ASSERT_STR_EQ(normal(" -- ' . "), "");
	/* Without a table: folding only. */
	char *plain = pr_address_normalise(NULL, "Av. Louise");
	ASSERT_STR_EQ(plain, "av louise");
	free(plain);
}

static void test_abbreviations(void)
{
	ASSERT_SAME_NAME("Av. Louise", "Avenue Louise");
	ASSERT_SAME_NAME("Av Louise", "AVENUE LOUISE");
	ASSERT_SAME_NAME("av. louise", "avenue  louise");
	ASSERT_STR_EQ(normal("Av. Louise"), "avenue louise");
	ASSERT_SAME_NAME("Chée de Waterloo", "Chaussée de Waterloo");
	ASSERT_SAME_NAME("CHEE DE WATERLOO", "Chaussée de Waterloo");
	ASSERT_SAME_NAME("Ch. de Waterloo", "Chaussée de Waterloo");
	ASSERT_SAME_NAME("Rue St-Gilles", "Rue Saint-Gilles");
	ASSERT_SAME_NAME("R. Ste-Catherine", "Rue Sainte-Catherine");
	ASSERT_SAME_NAME("Bd Anspach", "Boulevard Anspach");
	ASSERT_SAME_NAME("Boul. Anspach", "Boulevard Anspach");
	ASSERT_SAME_NAME("Pl. Flagey", "Place Flagey");
	ASSERT_SAME_NAME("Sq. Ambiorix", "Square Ambiorix");
	ASSERT_SAME_NAME("Imp. du Pré", "Impasse du Pré");
	ASSERT_SAME_NAME("Gal. de la Reine", "Galerie de la Reine");
	ASSERT_SAME_NAME("Av. Gén. Bernheim", "Avenue Général Bernheim");
	ASSERT_SAME_NAME("Av. du Dr. Decroly", "Avenue du Docteur Decroly");
	ASSERT_SAME_NAME("Kon. Albertlaan", "Koning Albertlaan");
	/* One word for Saint and Sint: a Dutch "St-" finds the register's "Sint-". */
	ASSERT_SAME_NAME("St-Pieterslaan", "Sint-Pieterslaan");
	ASSERT_SAME_NAME("Dr. Decrolylaan", "Dokter Decrolylaan");
}

static void test_dutch_compounds(void)
{
	ASSERT_STR_EQ(normal("Kerkstr."), "kerkstraat");
	ASSERT_SAME_NAME("Kerkstr.", "Kerkstraat");
	ASSERT_SAME_NAME("Kerk str.", "Kerkstraat");
	ASSERT_SAME_NAME("Kerk straat", "Kerkstraat");
	ASSERT_SAME_NAME("Brusselsestwg", "Brusselsesteenweg");
	ASSERT_SAME_NAME("Brusselsestw.", "Brusselsesteenweg");
	ASSERT_SAME_NAME("Brusselse Steenweg", "Brusselsesteenweg");
	/* Decided: a separately written suffix is glued on, so these are one name. */
	ASSERT_STR_EQ(normal("Louiza laan"), "louizalaan");
	ASSERT_SAME_NAME("Louiza laan", "Louizalaan");
	ASSERT_SAME_NAME("Louizaln.", "Louizalaan");
	ASSERT_SAME_NAME("Louiza ln", "Louizalaan");
	ASSERT_SAME_NAME("Flageypln", "Flageyplein");
	ASSERT_SAME_NAME("Hertogendr.", "Hertogendreef");
	/* A suffix with one letter or none before it is not expanded, nor is the type that
	 * starts a name glued onto anything. */
	ASSERT_STR_EQ(normal("Astr"), "astr");
	ASSERT_STR_EQ(normal("Laan van Europa"), "laan van europa");
	ASSERT_STR_EQ(normal("Str."), "straat");
}

static void test_names_kept_apart(void)
{
	ASSERT_OTHER_NAME("Rue de la Loi", "Rue de l'Oie");
	ASSERT_OTHER_NAME("Saint-Gilles", "Rue de Saint-Gilles");
	ASSERT_OTHER_NAME("St-Gilles", "Rue de Saint-Gilles");
	ASSERT_OTHER_NAME("Rue Royale", "Rue Royale Sainte-Marie");
	ASSERT_OTHER_NAME("Rue de la Station", "Rue de la Gare");
	ASSERT_OTHER_NAME("Avenue Louise", "Avenue Louis");
	ASSERT_OTHER_NAME("Kerkstraat", "Kerkplein");
	ASSERT_OTHER_NAME("Rue Haute", "Rue Hautes");
}

static void test_refused_text(void)
{
	errno = 0;
	ASSERT_TRUE(pr_address_normalise(norm, "Rue \xff Haute") == NULL);
	ASSERT_INT_EQ(errno, EILSEQ);
	ASSERT_STR_EQ(normal("\xc0\xaf"), "(null: errno 84)");	   /* overlong '/' */
	ASSERT_STR_EQ(normal("\xed\xa0\x80"), "(null: errno 84)"); /* a surrogate */
	ASSERT_STR_EQ(normal("Rue \xc3"), "(null: errno 84)");	   /* cut in a character */
	char long_name[PR_ADDRESS_TEXT_MAX + 2];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	errno = 0;
	ASSERT_TRUE(pr_address_normalise(norm, long_name) == NULL);
	ASSERT_INT_EQ(errno, E2BIG);
	long_name[PR_ADDRESS_TEXT_MAX] = '\0';
	char *ok = pr_address_normalise(norm, long_name);
	ASSERT_TRUE(ok != NULL);
	ASSERT_INT_EQ(strlen(ok), PR_ADDRESS_TEXT_MAX);
	free(ok);
	errno = 0;
	ASSERT_TRUE(pr_address_normalise(norm, NULL) == NULL);
	ASSERT_INT_EQ(errno, EINVAL);
}

/* A name written out in full comes out unchanged when normalised again. */
static void test_normalising_twice(void)
{
	const char *names[] = {"Av. Louise",	     "Chée de Waterloo", "Kerk str.",
			       "Brusselsestwg",	     "Louiza laan",	 "Rue St-Gilles",
			       "Av. du Dr. Decroly", "Sint-Pieterslaan", "Königsstraße",
			       "Rue du Sacré-Cœur",  "Rpt Schuman"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *once = pr_address_normalise(norm, names[i]);
		ASSERT_TRUE(once != NULL);
		char *twice = pr_address_normalise(norm, once);
		ASSERT_TRUE(twice != NULL);
		if (strcmp(once, twice) != 0)
			FAIL_AT("'%s': '%s' then '%s'", names[i], once, twice);
		free(once);
		free(twice);
	}
}

/* Parses table text expecting failure, and checks the message names what it should. */
static int table_error(const char *text, char *msg, size_t size)
{
	pr_address_norm *n = NULL;
	int r = pr_address_norm_parse(ctx, "t.tsv", text, &n);
	snprintf(msg, size, "%s", pr_context_errmsg(ctx));
	pr_address_norm_free(n);
	return r;
}

static void test_table_errors(void)
{
	char msg[PR_ERRMSG_MAX];
	ASSERT_INT_EQ(table_error("# c\nav avenue\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "t.tsv line 2");
	ASSERT_CONTAINS(msg, "TAB");
	ASSERT_INT_EQ(table_error("av\tavenue\nbd\tboulevard\nAv.\tavenida\n", msg, sizeof msg),
		      PR_ECONFIG);
	ASSERT_CONTAINS(msg, "t.tsv line 3: 'av' is already abbreviated on line 1");
	ASSERT_INT_EQ(table_error("-str\tstraat\n-STR\tstraten\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 2: '-str'");
	ASSERT_INT_EQ(table_error("av\tavenue\nave\tav\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 2: the expansion 'av' is itself abbreviated on line 1");
	ASSERT_INT_EQ(table_error("\n\nr p\true\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 3: the abbreviation 'r p' is not one word");
	ASSERT_INT_EQ(table_error("-s\tstraat\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 1: the suffix '-s' is shorter than two letters");
	ASSERT_INT_EQ(table_error("-str\tgrote straat\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 1: the expansion 'grote straat' is not one word");
	ASSERT_INT_EQ(table_error("av\tave\tnue\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 1: more than one TAB");
	ASSERT_INT_EQ(table_error("av\t...\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 1: the expansion '...' has no letter or digit");
	ASSERT_INT_EQ(table_error("a\xff\tx\n", msg, sizeof msg), PR_ECONFIG);
	ASSERT_CONTAINS(msg, "line 1: the abbreviation is not UTF-8 text");

	/* Comments, blank lines, CRLF ends, a missing last newline, words folded like names. */
	pr_address_norm *n = NULL;
	ASSERT_INT_EQ(pr_address_norm_parse(ctx, "t.tsv",
					    "# a comment\r\n\r\n  # indented\nCHÉE\tChaussée\r\n"
					    "rpt\trond-point\n-STR\tstraat",
					    &n),
		      0);
	char *s = pr_address_normalise(n, "Chee de Wavre, rpt Montgomery, Kerkstr");
	ASSERT_STR_EQ(s, "chaussee de wavre rond point montgomery kerkstraat");
	free(s);
	pr_address_norm_free(n);
}

#define ASSERT_NUMBER(text, n, suffix_, box_)                                                      \
	do {                                                                                       \
		pr_house_number hn_;                                                               \
		memset(&hn_, 0x55, sizeof hn_);                                                    \
		if (!pr_address_parse_number(text, &hn_)) {                                        \
			FAIL_AT("'%s' does not parse", text);                                      \
			return;                                                                    \
		}                                                                                  \
		ASSERT_INT_EQ(hn_.number, n);                                                      \
		ASSERT_STR_EQ(hn_.suffix, suffix_);                                                \
		ASSERT_STR_EQ(hn_.box, box_);                                                      \
	} while (0)

#define ASSERT_NOT_NUMBER(text)                                                                    \
	do {                                                                                       \
		pr_house_number hn_ = {7, "x", "y"};                                               \
		if (pr_address_parse_number(text, &hn_)) {                                         \
			FAIL_AT("'%s' parses as %u '%s' '%s'", shown(text), hn_.number,            \
				hn_.suffix, hn_.box);                                              \
			return;                                                                    \
		}                                                                                  \
		ASSERT_INT_EQ(hn_.number, 7); /* untouched */                                      \
	} while (0)

static void test_house_numbers(void)
{
	ASSERT_NUMBER("10", 10, "", "");
	ASSERT_NUMBER(" 10 ", 10, "", "");
	ASSERT_NUMBER("010", 10, "", "");
	ASSERT_NUMBER("99999", 99999, "", "");
	ASSERT_NUMBER("1", 1, "", "");
	ASSERT_NUMBER("10A", 10, "a", "");
	ASSERT_NUMBER("10 a", 10, "a", "");
	ASSERT_NUMBER("10bis", 10, "bis", "");
	ASSERT_NUMBER("10 BIS", 10, "bis", "");
	ASSERT_NUMBER("10B", 10, "b", ""); /* a lone b is the suffix letter */
	ASSERT_NUMBER("10 b", 10, "b", "");
	ASSERT_NUMBER("10/3", 10, "", "3");
	ASSERT_NUMBER("10 / 3", 10, "", "3");
	ASSERT_NUMBER("10A/2", 10, "a", "2");
	ASSERT_NUMBER("10 bte 3", 10, "", "3");
	ASSERT_NUMBER("10 bte. 3", 10, "", "3");
	ASSERT_NUMBER("10 Bte.3", 10, "", "3");
	ASSERT_NUMBER("10 boîte 3", 10, "", "3");
	ASSERT_NUMBER("10 BOÎTE 3", 10, "", "3");
	ASSERT_NUMBER("10 boite 3", 10, "", "3");
	ASSERT_NUMBER("10 bus 3", 10, "", "3");
	ASSERT_NUMBER("10 box 3", 10, "", "3");
	ASSERT_NUMBER("10 bt 3", 10, "", "3");
	ASSERT_NUMBER("10 bx 3", 10, "", "3");
	ASSERT_NUMBER("10 app. 3", 10, "", "3");
	ASSERT_NUMBER("10, bte 3", 10, "", "3");
	/* Decided: b followed by digits is a box, never the suffix B then a number. */
	ASSERT_NUMBER("10 b3", 10, "", "3");
	ASSERT_NUMBER("10b3", 10, "", "3");
	ASSERT_NUMBER("10 b 3", 10, "", "3");
	ASSERT_NUMBER("10 b. 3", 10, "", "3");
	ASSERT_NUMBER("10B/3", 10, "b", "3");
	ASSERT_NUMBER("10B bus 3", 10, "b", "3");
	ASSERT_NUMBER("10 bte A", 10, "", "a");
	ASSERT_NUMBER("10 bus 0.1", 10, "", "0.1");
	ASSERT_NUMBER("10 bte 03", 10, "", "3");
	ASSERT_NUMBER("10 bte 0", 10, "", "0");
	ASSERT_NUMBER("10-12", 10, "", "");
	ASSERT_NUMBER("10 - 12", 10, "", "");
	ASSERT_NUMBER("10A-12", 10, "a", "");
	ASSERT_NUMBER("10-12 bus 4", 10, "", "4");
	ASSERT_NUMBER("\xef\xbc\x91\xef\xbc\x90", 10, "", ""); /* fullwidth 10 */
	ASSERT_NUMBER("10\xc2\xa0"
		      "bte\xc2\xa0"
		      "3",
		      10, "", "3"); /* no-break spaces */
}

static void test_house_number_garbage(void)
{
	ASSERT_NOT_NUMBER("");
	ASSERT_NOT_NUMBER("   ");
	ASSERT_NOT_NUMBER(NULL);
	ASSERT_NOT_NUMBER("abc");
	ASSERT_NOT_NUMBER("A10");
	ASSERT_NOT_NUMBER("0");
	ASSERT_NOT_NUMBER("000");
	ASSERT_NOT_NUMBER("100000");
	ASSERT_NOT_NUMBER("4294967297"); /* would wrap a 32-bit number to 1 */
	ASSERT_NOT_NUMBER("10.5");
	ASSERT_NOT_NUMBER("10,5");
	ASSERT_NOT_NUMBER("-3");
	ASSERT_NOT_NUMBER("10 bte");
	ASSERT_NOT_NUMBER("10 bus");
	ASSERT_NOT_NUMBER("10/");
	ASSERT_NOT_NUMBER("10-");
	ASSERT_NOT_NUMBER("10-A");
	ASSERT_NOT_NUMBER("10a3");
	ASSERT_NOT_NUMBER("10 bte 3 4");
	ASSERT_NOT_NUMBER("10 abcdefgh"); /* suffix of 8 letters */
	ASSERT_NOT_NUMBER("10 bte 1234567890123456");
	ASSERT_NOT_NUMBER("10 10");
	ASSERT_NOT_NUMBER("10 \xff");
	ASSERT_NOT_NUMBER("10 bte ✓");
	ASSERT_NOT_NUMBER("1000000000000000000000000000000000000000000000000000000000000000001");
}

#define ASSERT_BOX(text, expected)                                                                 \
	do {                                                                                       \
		char box_[16] = "untouched";                                                       \
		if (!pr_address_parse_box(text, box_)) {                                           \
			FAIL_AT("box '%s' does not parse", text);                                  \
			return;                                                                    \
		}                                                                                  \
		ASSERT_STR_EQ(box_, expected);                                                     \
	} while (0)

#define ASSERT_NOT_BOX(text)                                                                       \
	do {                                                                                       \
		char box_[16] = "untouched";                                                       \
		if (pr_address_parse_box(text, box_)) {                                            \
			FAIL_AT("box '%s' parses as '%s'", shown(text), box_);                     \
			return;                                                                    \
		}                                                                                  \
		ASSERT_STR_EQ(box_, "untouched");                                                  \
	} while (0)

static void test_boxes(void)
{
	ASSERT_BOX("3", "3");
	ASSERT_BOX(" 3 ", "3");
	ASSERT_BOX("03", "3"); /* decided: bte 03 and 3 are one box */
	ASSERT_BOX("0003", "3");
	ASSERT_BOX("bte 03", "3");
	ASSERT_BOX("Bus 3", "3");
	ASSERT_BOX("B3", "3");
	ASSERT_BOX("bte B3", "3"); /* every keyword goes: a box reads the same twice */
	ASSERT_BOX("/3", "3");
	ASSERT_BOX("0", "0");
	ASSERT_BOX("00", "0");
	ASSERT_BOX("0.1", "0.1");
	ASSERT_BOX("1.02", "1.02");
	ASSERT_BOX("A", "a");
	ASSERT_BOX("b", "b");
	ASSERT_BOX("RC", "rc");
	ASSERT_BOX("201A", "201a");
	ASSERT_BOX("123456789012345", "123456789012345");
	ASSERT_NOT_BOX("");
	ASSERT_NOT_BOX("  ");
	ASSERT_NOT_BOX(NULL);
	ASSERT_NOT_BOX("bte");
	ASSERT_NOT_BOX("bus");
	ASSERT_NOT_BOX("3 4");
	ASSERT_NOT_BOX("3..4");
	ASSERT_NOT_BOX(".3");
	ASSERT_NOT_BOX("1234567890123456");
	ASSERT_NOT_BOX("3 \xff");
}

static void test_key_set(void)
{
	pr_key_set set;
	pr_key_set_init(&set, 5000);
	uint32_t number = 99;
	bool added = false;
	ASSERT_INT_EQ(pr_key_set_find(&set, "a", 1), -1);
	ASSERT_INT_EQ(pr_key_set_add(&set, "a", 1, &number, &added), 0);
	ASSERT_INT_EQ(number, 0);
	ASSERT_TRUE(added);
	ASSERT_INT_EQ(pr_key_set_add(&set, "", 0, &number, &added), 0); /* the empty key */
	ASSERT_INT_EQ(number, 1);
	ASSERT_INT_EQ(pr_key_set_add(&set, "a\0b", 3, &number, &added), 0); /* bytes, not text */
	ASSERT_INT_EQ(number, 2);
	ASSERT_INT_EQ(pr_key_set_add(&set, "a", 1, &number, &added), 0);
	ASSERT_INT_EQ(number, 0);
	ASSERT_TRUE(!added);
	ASSERT_INT_EQ(pr_key_set_find(&set, "a\0c", 3), -1);
	ASSERT_INT_EQ(pr_key_set_find(&set, "", 0), 1);
	/* Many keys: numbered densely in insertion order, all found after the table grew. */
	char key[32];
	for (int i = 0; i < 4997; i++) {
		int len = snprintf(key, sizeof key, "key %d", i);
		ASSERT_INT_EQ(pr_key_set_add(&set, key, (size_t)len, &number, &added), 0);
		ASSERT_INT_EQ(number, i + 3);
		ASSERT_TRUE(added);
	}
	ASSERT_INT_EQ(set.count, 5000);
	ASSERT_TRUE(set.slot_count >= 2 * set.count); /* at most half full */
	for (int i = 0; i < 4997; i++) {
		int len = snprintf(key, sizeof key, "key %d", i);
		ASSERT_INT_EQ(pr_key_set_find(&set, key, (size_t)len), i + 3);
	}
	ASSERT_INT_EQ(pr_key_set_find(&set, "key 5000", 8), -1);
	/* Bounded: a new key past the limit is refused, a known one still found. */
	ASSERT_INT_EQ(pr_key_set_add(&set, "one more", 8, &number, &added), PR_EDATA);
	ASSERT_INT_EQ(pr_key_set_add(&set, "key 7", 5, &number, &added), 0);
	ASSERT_INT_EQ(number, 10);
	static char huge[PR_KEY_SET_KEY_MAX + 1];
	ASSERT_INT_EQ(pr_key_set_add(&set, huge, sizeof huge, &number, &added), PR_EUSAGE);
	pr_key_set_free(&set);
	pr_key_set_free(&set); /* twice is harmless */
}

/* ---- the index ----------------------------------------------------------------------------- */

static pr_address_index *index_;

typedef struct register_row {
	const char *fr, *nl, *de, *number, *box, *postcode;
	int32_t parcel;
} register_row;

/* A hand-made register; the parcels are small numbers that say which case a row is for. */
static const register_row hand_made[] = {
    {"Avenue Louise", "Louizalaan", NULL, "10", "", "1050", 1},
    /* A house whose rows all carry a box, on one parcel. */
    {"Avenue Louise", "Louizalaan", NULL, "12", "1", "1050", 2},
    {"Avenue Louise", "Louizalaan", NULL, "12", "2", "1050", 2},
    {"Avenue Louise", "Louizalaan", NULL, "12 bte 3", NULL, "1050", 2},
    /* Suffixes on different parcels, on one parcel, and a plain number. */
    {"Avenue Louise", "Louizalaan", NULL, "14A", "", "1050", 3},
    {"Avenue Louise", "Louizalaan", NULL, "14B", "", "1050", 4},
    {"Avenue Louise", "Louizalaan", NULL, "16", "", "1050", 5},
    {"Avenue Louise", "Louizalaan", NULL, "18A", "", "1050", 6},
    {"Avenue Louise", "Louizalaan", NULL, "18B", "", "1050", 6},
    /* The same street and number on two parcels. */
    {"Avenue Louise", "Louizalaan", NULL, "20", "", "1050", 7},
    {"Avenue Louise", "Louizalaan", NULL, "20", "", "1050", 8},
    /* Boxes of one house on two parcels. */
    {"Avenue Louise", "Louizalaan", NULL, "22", "1", "1050", 9},
    {"Avenue Louise", "Louizalaan", NULL, "22", "2", "1050", 10},
    /* An address that fits no parcel. */
    {"Avenue Louise", "Louizalaan", NULL, "24", "", "1050", -1},
    /* The same street in another postcode. */
    {"Avenue Louise", "Louizalaan", NULL, "100", "", "1000", 11},
    /* Homonyms in two municipalities. */
    {"Rue de la Station", "Stationsstraat", NULL, "1", "", "1070", 20},
    {"Rue de la Station", "Stationsstraat", NULL, "2", "", "1070", 21},
    {"Rue de la Station", "Stationsstraat", NULL, "10", "", "1170", 22},
    {"Rue de la Station", "Stationsstraat", NULL, "1", "", "1170", 23},
    {"Rue de Saint-Gilles", "Sint-Gillisstraat", NULL, "5", "", "1060", 30},
    {"Chaussée de Waterloo", "Waterloosesteenweg", NULL, "7", "", "1060", 31},
    {"Rue de la Loi", "Wetstraat", NULL, "16", "", "1000", 40},
    {NULL, "Kerkstraat", NULL, "3", "", "1082", 50},
    {"Rue Royale", "Koningsstraat", "Königsstraße", "2", "", "1000", 60},
};

static int add_row(const register_row *row, const char **ret_reject)
{
	pr_address_row r = {
	    {row->fr, row->nl, row->de, NULL}, row->number, row->box, row->postcode, row->parcel};
	return pr_address_index_add(ctx, index_, &r, ret_reject);
}

static void test_index_build(void)
{
	ASSERT_INT_EQ(pr_address_index_new(ctx, norm, &index_), 0);
	for (size_t i = 0; i < sizeof hand_made / sizeof *hand_made; i++) {
		const char *reject = "unset";
		ASSERT_INT_EQ(add_row(&hand_made[i], &reject), 0);
		ASSERT_TRUE(reject == NULL);
	}
	ASSERT_INT_EQ(pr_address_index_rows(index_), sizeof hand_made / sizeof *hand_made);
	/* FR and NL names, plus one German name. */
	ASSERT_INT_EQ(pr_address_index_streets(index_), 2 * 6 + 1 + 1);

	/* Rows the index cannot use are left out, saying why. */
	const char *reject = NULL;
	register_row bad_number = {"Rue Haute", NULL, NULL, "abc", "", "1000", 70};
	ASSERT_INT_EQ(add_row(&bad_number, &reject), 0);
	ASSERT_STR_EQ(reject, PR_REJECT_BAD_NUMBER);
	register_row bad_box = {"Rue Haute", NULL, NULL, "5", "bte", "1000", 70};
	ASSERT_INT_EQ(add_row(&bad_box, &reject), 0);
	ASSERT_STR_EQ(reject, PR_REJECT_BAD_NUMBER);
	register_row no_street = {"", " ", NULL, "5", "", "1000", 70};
	ASSERT_INT_EQ(add_row(&no_street, &reject), 0);
	ASSERT_STR_EQ(reject, PR_REJECT_NO_STREET);
	register_row bad_text = {"Rue Haute", "Hoog\xffstraat", NULL, "5", "", "1000", 70};
	ASSERT_INT_EQ(add_row(&bad_text, &reject), 0);
	ASSERT_STR_EQ(reject, PR_REJECT_BAD_ENCODING);
	register_row bad_parcel = {"Rue Haute", NULL, NULL, "5", "", "1000", -2};
	ASSERT_INT_EQ(add_row(&bad_parcel, &reject), PR_EUSAGE);
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "parcel -2");
	ASSERT_INT_EQ(pr_address_index_rows(index_), sizeof hand_made / sizeof *hand_made);
	ASSERT_INT_EQ(pr_address_index_finish(ctx, index_), 0);
	ASSERT_INT_EQ(pr_address_index_finish(ctx, index_), 0); /* twice is harmless */
	/* None of the refused rows made "Rue Haute" a known street. */
	pr_address_match m;
	ASSERT_INT_EQ(pr_address_lookup(index_, "Rue Haute", "5", NULL, "1000", &m), 0);
	ASSERT_STR_EQ(m.reject, PR_REJECT_UNKNOWN_STREET);
}

/* Looks a record up; checks its level and parcel, or its reject reason (level 0). */
#define ASSERT_FOUND(street, number, box, postcode, level_, parcel_)                               \
	do {                                                                                       \
		pr_address_match m_;                                                               \
		ASSERT_INT_EQ(pr_address_lookup(index_, street, number, box, postcode, &m_), 0);   \
		if (m_.reject) {                                                                   \
			FAIL_AT("%s %s: rejected as %s", shown(street), shown(number), m_.reject); \
			return;                                                                    \
		}                                                                                  \
		ASSERT_INT_EQ(m_.level, level_);                                                   \
		ASSERT_INT_EQ(m_.parcel, parcel_);                                                 \
	} while (0)

#define ASSERT_REJECTED(street, number, box, postcode, reason)                                     \
	do {                                                                                       \
		pr_address_match m_;                                                               \
		ASSERT_INT_EQ(pr_address_lookup(index_, street, number, box, postcode, &m_), 0);   \
		if (!m_.reject) {                                                                  \
			FAIL_AT("%s %s: found at level %d, parcel %d", shown(street),              \
				shown(number), m_.level, (int)m_.parcel);                          \
			return;                                                                    \
		}                                                                                  \
		ASSERT_STR_EQ(m_.reject, reason);                                                  \
		ASSERT_INT_EQ(m_.level, 0);                                                        \
		ASSERT_INT_EQ(m_.parcel, -1);                                                      \
	} while (0)

static void test_level_1(void)
{
	ASSERT_FOUND("Avenue Louise", "10", NULL, "1050", 1, 1);
	ASSERT_FOUND("Av. Louise", "12 bte 2", NULL, "1050", 1, 2);
	ASSERT_FOUND("AVENUE LOUISE", "12/3", "", " 1050 ", 1, 2); /* box "bte 3" in the register */
	ASSERT_FOUND("Avenue Louise", "12", "1", "1050", 1, 2);
	ASSERT_FOUND("Avenue Louise", "22 bus 1", NULL, "1050", 1, 9);
	ASSERT_FOUND("Avenue Louise", "22", "002", "1050", 1, 10);
	ASSERT_FOUND("Avenue Louise", "14a", NULL, "1050", 1, 3);
	ASSERT_FOUND("Avenue Louise", "14 B", NULL, "1050", 1, 4);
	/* Found, on no parcel: the caller's "outside every parcel". */
	ASSERT_FOUND("Avenue Louise", "24", NULL, "1050", 1, -1);
	ASSERT_FOUND("Rue de la Station", "1", NULL, "1070", 1, 20);
	ASSERT_FOUND("Rue de la Station", "1", NULL, "1170", 1, 23);
	ASSERT_FOUND("Chée de Waterloo", "7", NULL, "1060", 1, 31);
}

static void test_multilingual_streets(void)
{
	/* A record naming the street in Dutch finds the address registered with FR+NL names. */
	ASSERT_FOUND("Louizalaan", "10", NULL, "1050", 1, 1);
	ASSERT_FOUND("Louiza laan", "12 bus 1", NULL, "1050", 1, 2);
	ASSERT_FOUND("Louizaln.", "16", NULL, "1050", 1, 5);
	ASSERT_FOUND("Waterloosestwg", "7", NULL, "1060", 1, 31);
	ASSERT_FOUND("Stationsstr.", "2", NULL, "1070", 1, 21);
	ASSERT_FOUND("Kerkstr.", "3", NULL, "1082", 1, 50);
	ASSERT_FOUND("Koningsstraat", "2", NULL, "1000", 1, 60);
	ASSERT_FOUND("KÖNIGSSTRASSE", "2", NULL, "1000", 1, 60);
	ASSERT_FOUND("St-Gillisstraat", "5", NULL, "1060", 1, 30);
}

static void test_level_2(void)
{
	/* No box, at a house whose register rows all carry one on the same parcel. */
	ASSERT_FOUND("Avenue Louise", "12", NULL, "1050", 2, 2);
	/* A box the register does not know, at a house on one parcel. */
	ASSERT_FOUND("Avenue Louise", "12 bte 9", NULL, "1050", 2, 2);
	ASSERT_FOUND("Avenue Louise", "10 bte 1", NULL, "1050", 2, 1);
	/* A box at a house registered without one. */
	ASSERT_FOUND("Avenue Louise", "16", "4", "1050", 2, 5);
}

static void test_level_3(void)
{
	/* A suffix the register does not know, at a plain number. */
	ASSERT_FOUND("Avenue Louise", "16B", NULL, "1050", 3, 5);
	/* No suffix, at a house whose suffixes all lie on one parcel. */
	ASSERT_FOUND("Avenue Louise", "18", NULL, "1050", 3, 6);
	ASSERT_FOUND("Avenue Louise", "18C bte 2", NULL, "1050", 3, 6);
}

static void test_level_4(void)
{
	/* No postcode, or one the street does not run through: the street's other postcodes. */
	ASSERT_FOUND("Avenue Louise", "100", NULL, "", 4, 11);
	ASSERT_FOUND("Avenue Louise", "100", NULL, NULL, 4, 11);
	ASSERT_FOUND("Avenue Louise", "100", NULL, "1180", 4, 11);
	ASSERT_FOUND("Avenue Louise", "10", NULL, "1180 Uccle", 4, 1);
	ASSERT_FOUND("Rue de la Station", "10", NULL, "", 4, 22);
	ASSERT_FOUND("Rue de la Station", "2", NULL, "1000", 4, 21);
	/* Level 4 drops the suffix and the box too. */
	ASSERT_FOUND("Avenue Louise", "100B bte 2", NULL, "", 4, 11);
	/* In two postcodes on different parcels. */
	ASSERT_REJECTED("Rue de la Station", "1", NULL, "", PR_REJECT_AMBIGUOUS_ADDRESS);
}

static void test_ambiguous(void)
{
	/* The same street and number on two parcels. */
	ASSERT_REJECTED("Avenue Louise", "20", NULL, "1050", PR_REJECT_AMBIGUOUS_ADDRESS);
	/* Suffixes on two parcels, the record without one. */
	ASSERT_REJECTED("Avenue Louise", "14", NULL, "1050", PR_REJECT_AMBIGUOUS_ADDRESS);
	/* Boxes on two parcels, the record without a box or with an unknown one. */
	ASSERT_REJECTED("Avenue Louise", "22", NULL, "1050", PR_REJECT_AMBIGUOUS_ADDRESS);
	ASSERT_REJECTED("Avenue Louise", "22 bte 7", NULL, "1050", PR_REJECT_AMBIGUOUS_ADDRESS);
}

static void test_unknown(void)
{
	ASSERT_REJECTED("Rue Imaginaire", "10", NULL, "1050", PR_REJECT_UNKNOWN_STREET);
	ASSERT_REJECTED("", "10", NULL, "1050", PR_REJECT_UNKNOWN_STREET);
	ASSERT_REJECTED(NULL, "10", NULL, "1050", PR_REJECT_UNKNOWN_STREET);
	ASSERT_REJECTED("Rue de l'Oie", "16", NULL, "1000", PR_REJECT_UNKNOWN_STREET);
	/* The municipality is not part of the street. */
	ASSERT_REJECTED("St-Gilles", "5", NULL, "1060", PR_REJECT_UNKNOWN_STREET);
	ASSERT_REJECTED("Saint-Gilles", "5", NULL, "1060", PR_REJECT_UNKNOWN_STREET);
	ASSERT_FOUND("Rue de St-Gilles", "5", NULL, "1060", 1, 30);
	/* 10 is not 100, nor 1 10. */
	ASSERT_REJECTED("Avenue Louise", "1", NULL, "1050", PR_REJECT_UNKNOWN_ADDRESS);
	ASSERT_REJECTED("Avenue Louise", "100", NULL, "1050", PR_REJECT_UNKNOWN_ADDRESS);
	ASSERT_REJECTED("Avenue Louise", "10", NULL, "1000", PR_REJECT_UNKNOWN_ADDRESS);
	ASSERT_REJECTED("Avenue Louise", "999", NULL, "", PR_REJECT_UNKNOWN_ADDRESS);
	/* A street of the same name in another municipality is not this one: the record's
	 * street runs through its postcode, so the number is not looked for elsewhere. */
	ASSERT_REJECTED("Rue de la Station", "10", NULL, "1070", PR_REJECT_UNKNOWN_ADDRESS);
	ASSERT_REJECTED("Rue de la Station", "2", NULL, "1170", PR_REJECT_UNKNOWN_ADDRESS);
}

static void test_bad_records(void)
{
	ASSERT_REJECTED("Avenue Louise", "abc", NULL, "1050", PR_REJECT_BAD_NUMBER);
	ASSERT_REJECTED("Avenue Louise", "", NULL, "1050", PR_REJECT_BAD_NUMBER);
	ASSERT_REJECTED("Avenue Louise", NULL, NULL, "1050", PR_REJECT_BAD_NUMBER);
	ASSERT_REJECTED("Avenue Louise", "12", "bte", "1050", PR_REJECT_BAD_NUMBER);
	ASSERT_REJECTED("Rue Imaginaire", "0", NULL, "1050", PR_REJECT_BAD_NUMBER);
	ASSERT_REJECTED("Avenue \xc3", "10", NULL, "1050", PR_REJECT_BAD_ENCODING);
	char long_name[PR_ADDRESS_TEXT_MAX + 2];
	memset(long_name, 'a', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	ASSERT_REJECTED(long_name, "10", NULL, "1050", PR_REJECT_UNKNOWN_STREET);
}

static void test_box_argument_wins(void)
{
	/* Decided: the box argument, when not blank, wins over a box inside the number. */
	ASSERT_FOUND("Avenue Louise", "22 bte 1", "2", "1050", 1, 10);
	ASSERT_FOUND("Avenue Louise", "22 bte 1", "  ", "1050", 1, 9);
	ASSERT_FOUND("Avenue Louise", "22/2", "bus 01", "1050", 1, 9);
	pr_address_match m;
	ASSERT_INT_EQ(pr_address_lookup(index_, "Avenue Louise", "22 bte 1", "B2", "1050", &m), 0);
	ASSERT_STR_EQ(m.box, "2");
	ASSERT_INT_EQ(pr_address_lookup(index_, "Rue Imaginaire", "7 bte 03", NULL, "1050", &m), 0);
	ASSERT_STR_EQ(m.box, "3"); /* kept for the store, also when rejected */
	ASSERT_INT_EQ(pr_address_lookup(index_, "Avenue Louise", "10", NULL, "1050", &m), 0);
	ASSERT_STR_EQ(m.box, "");
}

/* A street resolved once and given again finds what a whole lookup finds, reasons in the same
 * order. */
static void test_street_resolved_once(void)
{
	static const struct {
		const char *street, *number, *box, *postcode;
	} records[] = {
	    {"Av. Louise", "12 bte 2", NULL, "1050"},
	    {"Louizalaan", "18", NULL, "1050"},
	    {"Avenue Louise", "100", NULL, ""},
	    {"Avenue Louise", "20", NULL, "1050"},
	    {"Avenue Louise", "999", NULL, "1050"},
	    {"Rue Imaginaire", "7 bte 03", NULL, "1050"},
	    {"Rue Imaginaire", "abc", NULL, "1050"},
	    {"Avenue \xc3", "abc", NULL, "1050"},
	    {NULL, "10", NULL, "1050"},
	    {"Avenue Louise", "12", "bte", "1050"},
	};
	for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
		pr_address_street street;
		pr_address_match whole, in_two;
		ASSERT_INT_EQ(pr_address_lookup(index_, records[i].street, records[i].number,
						records[i].box, records[i].postcode, &whole),
			      0);
		ASSERT_INT_EQ(pr_address_find_street(index_, records[i].street, &street), 0);
		ASSERT_INT_EQ(pr_address_lookup_street(index_, &street, records[i].number,
						       records[i].box, records[i].postcode,
						       &in_two),
			      0);
		ASSERT_INT_EQ(in_two.level, whole.level);
		ASSERT_INT_EQ(in_two.parcel, whole.parcel);
		ASSERT_STR_EQ(in_two.reject ? in_two.reject : "", whole.reject ? whole.reject : "");
		ASSERT_STR_EQ(in_two.box, whole.box);
	}
	pr_address_street street;
	ASSERT_INT_EQ(pr_address_find_street(index_, "Avenue \xc3", &street), 0);
	ASSERT_TRUE(street.bad_encoding);
	ASSERT_INT_EQ(pr_address_find_street(index_, "Rue Imaginaire", &street), 0);
	ASSERT_TRUE(!street.bad_encoding && street.street == -1);
}

/* A register a duplicate row does not change; one that fails mid-way keeps its earlier rows. */
static void test_index_bounds(void)
{
	const char *reject = NULL;
	register_row again = hand_made[0];
	ASSERT_INT_EQ(add_row(&again, &reject), 0);
	ASSERT_TRUE(reject == NULL);
	/* Rows added since the index was finished: no lookup until it is finished again. */
	pr_address_match m;
	ASSERT_INT_EQ(pr_address_lookup(index_, "Avenue Louise", "10", NULL, "1050", &m),
		      PR_EUSAGE);
	ASSERT_INT_EQ(pr_address_index_finish(ctx, index_), 0);
	ASSERT_FOUND("Avenue Louise", "10", NULL, "1050", 1, 1);
	/* Every name column is used. */
	pr_address_row four = {{"Rue A", "B-straat", "C-Straße", "Rue D"}, "1", "", "1000", 80};
	ASSERT_INT_EQ(pr_address_index_add(ctx, index_, &four, &reject), 0);
	ASSERT_TRUE(reject == NULL);
	/* On a parcel of its own, the rows finished before unchanged. */
	ASSERT_INT_EQ(pr_address_index_finish(ctx, index_), 0);
	ASSERT_FOUND("Avenue Louise", "10", NULL, "1050", 1, 1);
	ASSERT_REJECTED("Avenue Louise", "20", NULL, "1050", PR_REJECT_AMBIGUOUS_ADDRESS);
	ASSERT_FOUND("Avenue Louise", "18", NULL, "1050", 3, 6);
	ASSERT_FOUND("Rue D", "1", NULL, "1000", 1, 80);
	ASSERT_FOUND("C Strasse", "1", NULL, "1000", 1, 80);
}

static void test_postcodes(void)
{
	static const char *const cases[][2] = {
	    {"1000", "1000"},
	    {" 1000 ", "1000"},
	    {"B-1000", "1000"},
	    {"B 1000", "1000"},
	    {"b-1000", "1000"},
	    {"BE-1000", "1000"},
	    {"B - 1000", "1000"},
	    {"1000 Bruxelles", "1000"},
	    {"1000 BXL", "1000"},
	    {"1000-Bruxelles", "1000"},
	    {"1000, Bruxelles", "1000"},
	    {"B-1000 Bruxelles-Brussel", "1000"},
	    {"\t1000\t", "1000"},
	    {"1000 Brüssel", "1000"},
	    /* What is part of a postcode stays as written. */
	    {"1012 AB", "1012 AB"},
	    {"NL-1012 AB", "1012 AB"},
	    {"SW1A 1AA", "SW1A 1AA"},
	    {"1000 1", "1000 1"},
	    {"BEL-1000", "BEL-1000"},
	    {"B1000", "B1000"},
	    {"B-", "B-"},
	    {"Bruxelles", "Bruxelles"},
	    /* Missing. */
	    {"", ""},
	    {"   ", ""},
	    {"1000000000000000", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char got[PR_ADDRESS_POSTCODE_MAX + 1];
		pr_address_normalise_postcode(cases[i][0], got);
		ASSERT_STR_EQ(got, cases[i][1]);
	}
	char got[PR_ADDRESS_POSTCODE_MAX + 1] = "x";
	pr_address_normalise_postcode(NULL, got);
	ASSERT_STR_EQ(got, "");

	/* Records: the street runs through 1050, so these are found there, not elsewhere. */
	ASSERT_FOUND("Avenue Louise", "10", NULL, "B-1050", 1, 1);
	ASSERT_FOUND("Avenue Louise", "10", NULL, "B 1050", 1, 1);
	ASSERT_FOUND("Avenue Louise", "10", NULL, "1050 Ixelles", 1, 1);
	ASSERT_FOUND("Avenue Louise", "10", NULL, " 1050 ", 1, 1);
	/* 1000 Bruxelles is 1000, which the street also runs through: not a house there. */
	ASSERT_REJECTED("Avenue Louise", "10", NULL, "1000 Bruxelles", PR_REJECT_UNKNOWN_ADDRESS);
	ASSERT_FOUND("Avenue Louise", "100", NULL, "B-1000 Bruxelles", 1, 11);
	/* The register's side: its postcodes are folded alike. */
	const char *reject = NULL;
	register_row written_out = {"Rue Neuve", "Nieuwstraat",	       NULL, "3",
				    "",		 " B-1000 Bruxelles ", 90};
	ASSERT_INT_EQ(add_row(&written_out, &reject), 0);
	ASSERT_TRUE(reject == NULL);
	ASSERT_INT_EQ(pr_address_index_finish(ctx, index_), 0);
	ASSERT_FOUND("Rue Neuve", "3", NULL, "1000", 1, 90);
	ASSERT_FOUND("Nieuwstraat", "3", NULL, "B 1000", 1, 90);
	ASSERT_FOUND("Rue Neuve", "3", NULL, "1000 Brussel", 1, 90);
	/* Another postcode is still another postcode. */
	ASSERT_FOUND("Rue Neuve", "3", NULL, "B-1050", 4, 90);
	ASSERT_FOUND("Rue Neuve", "3", NULL, "10000", 4, 90);
}

/* ---- timing -------------------------------------------------------------------------------- */

/* 500,000 rows: 5,000 streets named in French and Dutch, 50 houses a street with two boxes
 * each, one parcel a house, postcodes by street. Prints the times; asserts only results. */
static void test_index_timing(void)
{
	enum { ROWS = 500000, STREETS = 5000 };
	pr_address_index *big = NULL;
	ASSERT_INT_EQ(pr_address_index_new(ctx, norm, &big), 0);
	char fr[64], nl[64], number[16], box[8], postcode[8];
	double start = pr_now();
	clock_t cpu_start = clock();
	for (int i = 0; i < ROWS; i++) {
		int street = i % STREETS, row_in_street = i / STREETS;
		snprintf(fr, sizeof fr, "Rue Synthétique %d", street);
		snprintf(nl, sizeof nl, "Synthetische Kerk%dstraat", street);
		snprintf(number, sizeof number, "%d", row_in_street / 2 + 1);
		snprintf(box, sizeof box, "%d", row_in_street % 2 + 1);
		snprintf(postcode, sizeof postcode, "%d", 1000 + street % 19 * 10);
		pr_address_row row = {{fr, nl, NULL, NULL}, number, box, postcode, i / 2};
		const char *reject = NULL;
		int r = pr_address_index_add(ctx, big, &row, &reject);
		if (r < 0 || reject) {
			FAIL_AT("row %d: %d %s", i, r, reject ? reject : pr_context_errmsg(ctx));
			pr_address_index_free(big);
			return;
		}
	}
	if (pr_address_index_finish(ctx, big) < 0) {
		FAIL_AT("finish: %s", pr_context_errmsg(ctx));
		pr_address_index_free(big);
		return;
	}
	double built = pr_now() - start;
	double built_cpu = (double)(clock() - cpu_start) / CLOCKS_PER_SEC;
	start = pr_now();
	cpu_start = clock();
	int found = 0;
	for (int i = 0; i < ROWS; i++) {
		int street = i % STREETS, row_in_street = i / STREETS;
		snprintf(nl, sizeof nl, "Synthetische Kerk%dstr.", street);
		snprintf(number, sizeof number, "%d bus %d", row_in_street / 2 + 1,
			 row_in_street % 2 + 1);
		snprintf(postcode, sizeof postcode, "%d", 1000 + street % 19 * 10);
		pr_address_match m;
		if (pr_address_lookup(big, nl, number, NULL, postcode, &m) == 0 && m.level == 1 &&
		    m.parcel == i / 2)
			found++;
	}
	double looked_up = pr_now() - start;
	double looked_up_cpu = (double)(clock() - cpu_start) / CLOCKS_PER_SEC;
	/* CPU time beside the elapsed: test machines are often shared. */
	printf("  index of %d register rows (%zu street names) built in %.2f s (%.2f s CPU); "
	       "%d lookups in %.2f s (%.2f s CPU)\n",
	       ROWS, pr_address_index_streets(big), built, built_cpu, ROWS, looked_up,
	       looked_up_cpu);
	pr_address_index_free(big);
	ASSERT_INT_EQ(found, ROWS);
}

int main(void)
{
	if (pr_context_new(&ctx) < 0 || pr_address_norm_new(ctx, &norm) < 0) {
		fprintf(stderr, "setup: %s\n", ctx ? pr_context_errmsg(ctx) : "no context");
		return 1;
	}
	RUN(test_folding);
	RUN(test_abbreviations);
	RUN(test_dutch_compounds);
	RUN(test_names_kept_apart);
	RUN(test_refused_text);
	RUN(test_normalising_twice);
	RUN(test_table_errors);
	RUN(test_house_numbers);
	RUN(test_house_number_garbage);
	RUN(test_boxes);
	RUN(test_key_set);
	RUN(test_index_build);
	RUN(test_level_1);
	RUN(test_multilingual_streets);
	RUN(test_level_2);
	RUN(test_level_3);
	RUN(test_level_4);
	RUN(test_ambiguous);
	RUN(test_unknown);
	RUN(test_bad_records);
	RUN(test_box_argument_wins);
	RUN(test_street_resolved_once);
	RUN(test_index_bounds);
	RUN(test_postcodes);
	RUN(test_index_timing);
	pr_address_index_free(index_);
	pr_address_norm_free(norm);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
