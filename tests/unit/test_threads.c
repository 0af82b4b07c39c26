/* SPDX-License-Identifier: MIT */
/* Unit tests of pr_parallel: every task runs once, each worker through its own context and GEOS
 * handle, the first failure in task order is the one reported (with GEOS's message when a GEOS
 * call failed), and PR_PARALLEL_EACH runs all tasks at once whatever the thread setting. */
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "core/core.h"
#include "harness.h"

typedef struct counts {
	const pr_context *parent;
	atomic_int runs[200];
	atomic_int foreign; /* tasks that saw the parent's context or GEOS handle */
	atomic_int running;
} counts;

static int count_task(pr_context *ctx, int index, void *user)
{
	counts *c = user;
	atomic_fetch_add(&c->runs[index], 1);
	if (ctx == c->parent || ctx->geos == c->parent->geos || !ctx->geos)
		atomic_fetch_add(&c->foreign, 1);
	return 0;
}

static void test_every_task_once(void)
{
	pr_context *ctx = NULL;
	ASSERT_INT_EQ(pr_context_new(&ctx), 0);
	static counts c;
	c.parent = ctx;
	for (int threads = 1; threads <= 4; threads++) {
		for (int i = 0; i < 200; i++)
			atomic_store(&c.runs[i], 0);
		pr_context_set_threads(ctx, threads);
		ASSERT_INT_EQ(pr_parallel(ctx, 200, PR_PARALLEL_POOL, count_task, &c), 0);
		for (int i = 0; i < 200; i++)
			ASSERT_INT_EQ(atomic_load(&c.runs[i]), 1);
	}
	ASSERT_INT_EQ(atomic_load(&c.foreign), 0);
	ASSERT_INT_EQ(pr_parallel(ctx, 0, PR_PARALLEL_POOL, count_task, &c), 0);
	pr_context_free(ctx);
}

/* Tasks 30 and 60 fail; task 30 is the first in task order whichever thread ran it. */
static int failing_task(pr_context *ctx, int index, void *user)
{
	(void)user;
	if (index == 30)
		return pr_error(ctx, PR_EDATA, "task %d failed", index);
	if (index == 60)
		return pr_error(ctx, PR_EINTERNAL, "task %d failed", index);
	return 0;
}

static void test_first_failure_in_task_order(void)
{
	pr_context *ctx = NULL;
	ASSERT_INT_EQ(pr_context_new(&ctx), 0);
	for (int round = 0; round < 50; round++) {
		pr_context_set_threads(ctx, 1 + round % 4);
		ASSERT_INT_EQ(pr_parallel(ctx, 100, PR_PARALLEL_POOL, failing_task, NULL),
			      PR_EDATA);
		ASSERT_STR_EQ(pr_context_errmsg(ctx), "task 30 failed");
	}
	pr_context_free(ctx);
}

/* A GEOS call that fails on the worker's handle: its message reaches the caller's error. */
static int geos_task(pr_context *ctx, int index, void *user)
{
	(void)user;
	GEOSGeometry *g = GEOSGeomFromWKT_r(ctx->geos, "POLYGON((0 0, 1 1");
	if (!g)
		return pr_error_geos(ctx, PR_EINTERNAL, "task %d: GEOS could not read a polygon",
				     index);
	GEOSGeom_destroy_r(ctx->geos, g);
	return 0;
}

static void test_geos_message_reaches_caller(void)
{
	pr_context *ctx = NULL;
	ASSERT_INT_EQ(pr_context_new(&ctx), 0);
	pr_context_set_threads(ctx, 2);
	ASSERT_INT_EQ(pr_parallel(ctx, 4, PR_PARALLEL_POOL, geos_task, NULL), PR_EINTERNAL);
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "task 0: GEOS could not read a polygon: ");
	ASSERT_CONTAINS(pr_context_errmsg(ctx), "ParseException");
	pr_context_free(ctx);
}

/* Each task waits until all four run at once; with fewer threads it gives up after 10 s. */
static int meeting_task(pr_context *ctx, int index, void *user)
{
	counts *c = user;
	atomic_fetch_add(&c->running, 1);
	time_t start = time(NULL);
	while (atomic_load(&c->running) < 4) {
		if (time(NULL) - start > 10)
			return pr_error(ctx, PR_EINTERNAL, "task %d ran alone", index);
		sched_yield();
	}
	return 0;
}

static void test_each_task_its_own_thread(void)
{
	pr_context *ctx = NULL;
	ASSERT_INT_EQ(pr_context_new(&ctx), 0);
	pr_context_set_threads(ctx, 1);
	static counts c;
	atomic_store(&c.running, 0);
	ASSERT_INT_EQ(pr_parallel(ctx, 4, PR_PARALLEL_EACH, meeting_task, &c), 0);
	pr_context_free(ctx);
}

int main(void)
{
	RUN(test_every_task_once);
	RUN(test_first_failure_in_task_order);
	RUN(test_geos_message_reaches_caller);
	RUN(test_each_task_its_own_thread);
	return HARNESS_EXIT();
}
