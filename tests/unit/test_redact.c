/* SPDX-License-Identifier: MIT */
/* Credentials taken out of text: every form of a connection string's password and of a URL's
 * user:password@, alone and inside longer messages; text without credentials unchanged; and the
 * two places that keep text, the context's messages and run_info, applying it. */
#include <stdlib.h>

#include "harness.h"
#include "output/output.h"

static pr_context *ctx;

/* Checks that redacting in gives want, through the copying and the in-place forms. */
#define ASSERT_REDACTS(in, want)                                                                   \
	do {                                                                                       \
		char *got_ = pr_redact_credentials(in);                                            \
		ASSERT_STR_EQ(got_, want);                                                         \
		free(got_);                                                                        \
		char buf_[512];                                                                    \
		snprintf(buf_, sizeof buf_, "%s", in);                                             \
		pr_redact(buf_, buf_);                                                             \
		ASSERT_STR_EQ(buf_, want);                                                         \
	} while (0)

static void test_connection_string_password(void)
{
	ASSERT_REDACTS("PG:dbname=city password=secret host=db", "PG:dbname=city host=db");
	ASSERT_REDACTS("PG:dbname=city host=db password=secret", "PG:dbname=city host=db");
	ASSERT_REDACTS("PG:password=secret dbname=city", "PG:dbname=city");
	ASSERT_REDACTS("PG:dbname=city PASSWORD=secret", "PG:dbname=city");
	ASSERT_REDACTS("PG:dbname=city Password = secret port=5432", "PG:dbname=city port=5432");
	/* libpq reads the word after "password= " as the password. */
	ASSERT_REDACTS("PG:dbname=city password= host=db", "PG:dbname=city");
	ASSERT_REDACTS("PG:dbname=city sslpassword=keypass user=u", "PG:dbname=city user=u");
	ASSERT_REDACTS("PG:dbname=city\tpassword=secret\thost=db", "PG:dbname=city\thost=db");
}

static void test_quoted_password(void)
{
	ASSERT_REDACTS("PG:dbname=city password='a b c' host=db", "PG:dbname=city host=db");
	ASSERT_REDACTS("PG:password='it\\'s a \\\\ secret' dbname=city", "PG:dbname=city");
	ASSERT_REDACTS("PG:dbname=city password=\"a b\"", "PG:dbname=city");
	/* A quote left open: everything after it goes, rather than part of a password kept. */
	ASSERT_REDACTS("PG:dbname=city password='a b host=db", "PG:dbname=city");
}

static void test_inside_messages(void)
{
	ASSERT_REDACTS("parcels: cannot open PG:host=/tmp/pg port=5433 user=u dbname=nosuch "
		       "password=planted-secret-123 as a vector dataset: FATAL: database "
		       "\"nosuch\" does not exist",
		       "parcels: cannot open PG:host=/tmp/pg port=5433 user=u dbname=nosuch as a "
		       "vector dataset: FATAL: database \"nosuch\" does not exist");
	ASSERT_REDACTS("sources.ini line 3 [parcels]: PG:dbname=x password=s1 has no layer "
		       "'p'\nsecond PG:password='s 2' dbname=y line",
		       "sources.ini line 3 [parcels]: PG:dbname=x has no layer 'p'\nsecond "
		       "PG:dbname=y line");
	ASSERT_REDACTS("password=first and then password=second", "and then");
}

static void test_url_password(void)
{
	ASSERT_REDACTS("postgresql://u:p@host/db", "postgresql://u@host/db");
	ASSERT_REDACTS("PG:postgresql://alice:s3cr%40t@db.example:5432/city?sslmode=require",
		       "PG:postgresql://alice@db.example:5432/city?sslmode=require");
	ASSERT_REDACTS("/vsicurl/https://bob:pw@example.org/data/parcels.gpkg",
		       "/vsicurl/https://bob@example.org/data/parcels.gpkg");
	ASSERT_REDACTS("http://u:p@h", "http://u@h");
	ASSERT_REDACTS("ftp://:only-password@host/x", "ftp://@host/x");
	/* An '@' inside the password that was not escaped: up to the last '@'. */
	ASSERT_REDACTS("postgres://u:p@ss@host/db", "postgres://u@host/db");
	ASSERT_REDACTS("cannot read https://u:secret@example.org/a.csv: 404",
		       "cannot read https://u@example.org/a.csv: 404");
	/* The password as a parameter of the URL's query. */
	ASSERT_REDACTS("postgresql://host/db?password=secret&sslmode=require",
		       "postgresql://host/db?sslmode=require");
	ASSERT_REDACTS("postgresql://host/db?sslmode=require&password=secret",
		       "postgresql://host/db?sslmode=require");
	ASSERT_REDACTS("postgresql://host/db?a=1&password=secret&b=2",
		       "postgresql://host/db?a=1&b=2");
}

static void test_text_without_credentials_unchanged(void)
{
	static const char *const unchanged[] = {
	    "",
	    "parcels.gpkg",
	    "/data/city/parcels.gpkg",
	    "PG:dbname=city host=db user=alice port=5432",
	    "postgresql://alice@host/db",
	    "https://example.org:8443/data.csv",
	    "C:\\data\\parcels.gpkg",
	    "the password is not given here",
	    "passwords=3 nopassword passwordless=1 password_file=/etc/key",
	    "a:b@c",
	    "population.csv row 812: date '2024-13-45' is not a date",
	    "Rue de l'Église 12, 1000 Bruxelles",
	};
	for (size_t i = 0; i < sizeof unchanged / sizeof *unchanged; i++)
		ASSERT_REDACTS(unchanged[i], unchanged[i]);
	ASSERT_TRUE(pr_redact_credentials(NULL) == NULL);
}

/* The context's messages and log lines never hold the password, even when the message is longer
 * than the context keeps and the password would fall at the cut. */
static void test_messages_redacted(void)
{
	int r = pr_error(ctx, PR_ENOINPUT, "cannot open %s", "PG:dbname=x password=hunter2");
	ASSERT_INT_EQ(r, PR_ENOINPUT);
	ASSERT_STR_EQ(pr_context_errmsg(ctx), "cannot open PG:dbname=x");
	char padding[PR_ERRMSG_MAX];
	memset(padding, 'x', sizeof padding);
	padding[PR_ERRMSG_MAX - 20] = '\0';
	pr_error(ctx, PR_ENOINPUT, "%s password=hunter2hunter2hunter2", padding);
	ASSERT_TRUE(strstr(pr_context_errmsg(ctx), "hunter") == NULL);
	pr_error_gdal(ctx, PR_ENOINPUT, "cannot open %s", "postgresql://u:hunter2@h/db");
	ASSERT_STR_EQ(pr_context_errmsg(ctx), "cannot open postgresql://u@h/db");
}

static void on_log(void *user, int level, const char *message)
{
	(void)level;
	snprintf(user, 256, "%s", message);
}

static void test_log_redacted(void)
{
	char logged[256] = "";
	pr_context_set_log(ctx, on_log, logged);
	pr_log(ctx, PR_LOG_INFO, "read %s", "PG:dbname=x password='a b' host=h");
	pr_context_set_log(ctx, NULL, NULL);
	ASSERT_STR_EQ(logged, "read PG:dbname=x host=h");
}

static void test_run_info_redacted(void)
{
	pr_kv_list list = {0};
	ASSERT_INT_EQ(pr_kv_add(&list, "parcels.path", "%s", "PG:dbname=x password=hunter2"), 0);
	ASSERT_INT_EQ(pr_kv_add(&list, "previous", "%s", "https://u:hunter2@h/p.gpkg"), 0);
	ASSERT_INT_EQ(pr_kv_add(&list, "as_of", "%s", "2026-01-31"), 0);
	ASSERT_STR_EQ(list.items[0].value, "PG:dbname=x");
	ASSERT_STR_EQ(list.items[1].value, "https://u@h/p.gpkg");
	ASSERT_STR_EQ(list.items[2].value, "2026-01-31");
	pr_kv_free(&list);
}

int main(void)
{
	if (pr_context_new(&ctx) < 0)
		return 1;
	RUN(test_connection_string_password);
	RUN(test_quoted_password);
	RUN(test_inside_messages);
	RUN(test_url_password);
	RUN(test_text_without_credentials_unchanged);
	RUN(test_messages_redacted);
	RUN(test_log_redacted);
	RUN(test_run_info_redacted);
	pr_context_free(ctx);
	return HARNESS_EXIT();
}
