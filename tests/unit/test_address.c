/* SPDX-License-Identifier: MIT */
/* Unit tests of address matching: street names folded and expanded through the built-in
 * abbreviation table (and what must stay apart), the table's own errors, house numbers and
 * boxes in every written form and the garbage they refuse, and the key set. */
#include <errno.h>

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
	pr_address_norm_free(norm);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
