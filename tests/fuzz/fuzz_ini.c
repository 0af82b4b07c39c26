/* SPDX-License-Identifier: MIT */
/* Fuzz target: the sources file and the model file parsers on arbitrary text. Either parses or
 * fails with a message; never a crash, a leak or a hang. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sources/sources.h"
#include "standalone.h"
#include "model/model.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pr_context *ctx;
	if (!ctx && pr_context_new(&ctx) < 0)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	pr_model *model = NULL;
	if (pr_model_parse(ctx, "fuzz.ini", text, &model) == 0)
		pr_model_free(model);

	/* The sources parser reads a file: an anonymous one. */
	int fd = memfd_create("sources.ini", 0);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			char path[64];
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
			pr_sources *sources = NULL;
			if (pr_sources_load(ctx, path, &sources) == 0)
				pr_sources_free(sources);
		}
		close(fd);
	}
	free(text);
	return 0;
}
