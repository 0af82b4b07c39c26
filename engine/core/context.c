/* SPDX-License-Identifier: MIT */
/* The context of one job: it owns a GEOS handle and keeps GEOS's last error message, keeps the
 * detail of the last failure and forwards progress and log messages to whoever embeds the
 * engine. Also the status table and the error adapters for GDAL and GEOS. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>
#include <gdal.h>
#include <proj.h>
#include <sqlite3.h>
#include <spatialite.h>

#include "core/core.h"
#include "pr_config.h"

static const struct {
	int status;
	const char *name;
	const char *message;
} status_table[] = {
#define STATUS_ROW(name, value, message) {name, #name, message},
    PR_STATUS_LIST(STATUS_ROW)
#undef STATUS_ROW
};

const char *pr_status_name(int status)
{
	for (size_t i = 0; i < sizeof status_table / sizeof *status_table; i++)
		if (status_table[i].status == status)
			return status_table[i].name;
	return "PR_EUNKNOWN";
}

const char *pr_status_message(int status)
{
	for (size_t i = 0; i < sizeof status_table / sizeof *status_table; i++)
		if (status_table[i].status == status)
			return status_table[i].message;
	return "unknown status";
}

void pr_versions(char *buf, size_t size)
{
	snprintf(
	    buf, size, "parcelrisk %s\nGDAL %s\nGEOS %s\nPROJ %d.%d.%d\nSQLite %s\nSpatiaLite %s\n",
	    PR_VERSION, GDALVersionInfo("RELEASE_NAME"), GEOSversion(), PROJ_VERSION_MAJOR,
	    PROJ_VERSION_MINOR, PROJ_VERSION_PATCH, sqlite3_libversion(), spatialite_version());
}

/* GEOS reports errors through a handler; keep the message so that the stage that called GEOS
 * can put it in its own error. */
static void geos_message(const char *message, void *user)
{
	pr_context *ctx = user;
	snprintf(ctx->geos_msg, sizeof ctx->geos_msg, "%s", message);
}

/* A context with its own GEOS handle, whose error messages it keeps. */
static int context_alloc(pr_context **ret_ctx)
{
	pr_context *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		return PR_ENOMEM;
	ctx->geos = GEOS_init_r();
	if (!ctx->geos) {
		free(ctx);
		return PR_ENOMEM;
	}
	GEOSContext_setErrorMessageHandler_r(ctx->geos, geos_message, ctx);
	*ret_ctx = ctx;
	return 0;
}

int pr_context_new(pr_context **ret_ctx)
{
	pr_context *ctx = NULL;
	int r = context_alloc(&ctx);
	if (r < 0)
		return r;
	GDALAllRegister();
	/* Our messages carry GDAL's detail; keep GDAL itself from printing. */
	CPLSetErrorHandler(CPLQuietErrorHandler);
	*ret_ctx = ctx;
	return 0;
}

void pr_context_free(pr_context *ctx)
{
	if (!ctx)
		return;
	GEOS_finish_r(ctx->geos);
	free(ctx);
}

const char *pr_context_errmsg(const pr_context *ctx)
{
	return ctx ? ctx->errmsg : "";
}

void pr_context_set_progress(pr_context *ctx, pr_progress_fn fn, void *user)
{
	ctx->progress = fn;
	ctx->progress_user = user;
}

void pr_context_set_log(pr_context *ctx, pr_log_fn fn, void *user)
{
	ctx->log = fn;
	ctx->log_user = user;
}

void pr_context_set_threads(pr_context *ctx, int threads)
{
	ctx->threads = threads < 0 ? 0 : threads > PR_MAX_THREADS ? PR_MAX_THREADS : threads;
}

int pr_thread_count(const pr_context *ctx)
{
	if (ctx->threads > 0)
		return ctx->threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > PR_MAX_THREADS ? PR_MAX_THREADS : (int)n;
}

/* Keeps text, without its credentials, as the context's message (cut to fit). Credentials go
 * before the cut, so that a cut cannot leave part of a password behind. */
static void set_errmsg(pr_context *ctx, const char *text)
{
	char *clean = pr_redact_credentials(text);
	snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s", clean ? clean : "out of memory");
	free(clean);
}

/* The message fmt makes, followed by ": detail" when detail is not empty. */
static void set_errmsg_va(pr_context *ctx, const char *detail, const char *fmt, va_list ap)
{
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0) {
		set_errmsg(ctx, "out of memory");
		return;
	}
	if (detail && *detail) {
		char *joined = NULL;
		if (asprintf(&joined, "%s: %s", text, detail) >= 0) {
			free(text);
			text = joined;
		}
	}
	set_errmsg(ctx, text);
	free(text);
}

int pr_error(pr_context *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_errmsg_va(ctx, NULL, fmt, ap);
	va_end(ap);
	return status;
}

int pr_error_gdal(pr_context *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_errmsg_va(ctx, CPLGetLastErrorMsg(), fmt, ap);
	va_end(ap);
	CPLErrorReset();
	return status;
}

int pr_error_geos(pr_context *ctx, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_errmsg_va(ctx, ctx->geos_msg, fmt, ap);
	va_end(ap);
	ctx->geos_msg[0] = '\0';
	return status;
}

/* Stages can run in threads that share the embedder's callbacks: one at a time. */
static pthread_mutex_t callback_lock = PTHREAD_MUTEX_INITIALIZER;

void pr_log(pr_context *ctx, int level, const char *fmt, ...)
{
	if (!ctx->log)
		return;
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* The message in full, without its credentials: a log line is read by people. */
	char *clean = pr_redact_credentials(text);
	free(text);
	if (!clean)
		return;
	pthread_mutex_lock(&callback_lock);
	ctx->log(ctx->log_user, level, clean);
	pthread_mutex_unlock(&callback_lock);
	free(clean);
}

void pr_progress(pr_context *ctx, const char *stage, uint64_t done, uint64_t total)
{
	if (!ctx->progress)
		return;
	pthread_mutex_lock(&callback_lock);
	ctx->progress(ctx->progress_user, stage, done, total);
	pthread_mutex_unlock(&callback_lock);
}

int pr_context_child(const pr_context *parent, pr_context **ret_child)
{
	pr_context *child = NULL;
	/* GDAL's drivers and error handler are process-wide, set up by the parent already. */
	int r = context_alloc(&child);
	if (r < 0)
		return r;
	child->progress = parent->progress;
	child->progress_user = parent->progress_user;
	child->log = parent->log;
	child->log_user = parent->log_user;
	child->threads = parent->threads;
	*ret_child = child;
	return 0;
}
