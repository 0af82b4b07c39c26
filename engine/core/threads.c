/* SPDX-License-Identifier: MIT */
/* The one way the engine spreads work over threads: numbered tasks taken in order by a few
 * worker threads, the caller among them, each working through its own child context (its own
 * GEOS handle and error message). The first failure in task order becomes the caller's error. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/core.h"

/* What every worker of one pr_parallel call shares. */
typedef struct parallel_run {
	pr_task_fn task;
	void *user;
	int n_tasks;
	atomic_int next;  /* the next task to start */
	atomic_bool stop; /* a task failed: start no more */
} parallel_run;

typedef struct worker {
	parallel_run *run;
	pr_context *ctx;
	pthread_t thread;
	bool started;
	int failed_task; /* the task that failed, its message on ctx; -1 when none did */
	int status;
} worker;

/* Takes tasks in order until none is left or one has failed. A worker stops at its own first
 * failure, so that its context keeps that failure's message. */
static void *work(void *arg)
{
	worker *w = arg;
	parallel_run *run = w->run;
	while (!atomic_load(&run->stop)) {
		int i = atomic_fetch_add(&run->next, 1);
		if (i >= run->n_tasks)
			break;
		int r = run->task(w->ctx, i, run->user);
		if (r < 0) {
			w->failed_task = i;
			w->status = r;
			atomic_store(&run->stop, true);
			break;
		}
	}
	return NULL;
}

int pr_parallel(pr_context *ctx, int n_tasks, enum pr_parallel_mode mode, pr_task_fn task,
		void *user)
{
	parallel_run run = {.task = task, .user = user, .n_tasks = n_tasks};
	worker *workers = NULL;
	int n_workers = 0, r = 0;

	if (n_tasks <= 0)
		return 0;
	atomic_init(&run.next, 0);
	atomic_init(&run.stop, false);
	n_workers = n_tasks;
	if (mode == PR_PARALLEL_POOL && pr_thread_count(ctx) < n_tasks)
		n_workers = pr_thread_count(ctx);
	workers = calloc((size_t)n_workers, sizeof *workers);
	if (!workers)
		return pr_error(ctx, PR_ENOMEM, "out of memory starting %d worker threads",
				n_workers);
	for (int t = 0; t < n_workers; t++) {
		workers[t] = (worker){.run = &run, .failed_task = -1};
		r = pr_context_child(ctx, &workers[t].ctx);
		if (r < 0) {
			r = pr_error(ctx, r, "cannot set up worker thread %d of %d", t + 1,
				     n_workers);
			goto done;
		}
	}

	/* The caller is worker 0. A thread that cannot be created leaves its tasks to the
	 * others: with none created, the caller runs them all, one after the other. */
	for (int t = 1; t < n_workers; t++)
		workers[t].started =
		    pthread_create(&workers[t].thread, NULL, work, &workers[t]) == 0;
	work(&workers[0]);
	for (int t = 1; t < n_workers; t++)
		if (workers[t].started)
			pthread_join(workers[t].thread, NULL);

	/* Tasks start in order and none starts after a failure, so every task before the first
	 * failed one has run: the lowest failed task is the first failure in task order. */
	worker *first = NULL;
	for (int t = 0; t < n_workers; t++)
		if (workers[t].failed_task >= 0 &&
		    (!first || workers[t].failed_task < first->failed_task))
			first = &workers[t];
	if (first)
		r = pr_error(ctx, first->status, "%s", pr_context_errmsg(first->ctx));
done:
	for (int t = 0; t < n_workers; t++)
		pr_context_free(workers[t].ctx);
	free(workers);
	return r;
}
