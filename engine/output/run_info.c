/* SPDX-License-Identifier: MIT */
/* The run_info table: how an output was made (as-of date, model and sources with their SHA-256,
 * each input's rows read, joined and rejected, library versions, timings), as key and value
 * rows in the order the run added them. Written last, so that it holds the writing's timings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/writer.h"

int pr_kv_add(pr_kv_list *list, const char *key, const char *fmt, ...)
{
	if (pr_grow((void **)&list->items, &list->cap, list->n + 1, sizeof *list->items) < 0)
		return PR_ENOMEM;
	pr_kv *kv = &list->items[list->n];
	char *value = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&value, fmt, ap);
	va_end(ap);
	kv->key = strdup(key);
	if (n < 0 || !kv->key) {
		free(kv->key);
		if (n >= 0)
			free(value);
		return PR_ENOMEM;
	}
	/* Values name paths and connection strings: no password is ever written. */
	pr_redact(value, value);
	kv->value = value;
	list->n++;
	return 0;
}

void pr_kv_free(pr_kv_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->items[i].key);
		free(list->items[i].value);
	}
	free(list->items);
	memset(list, 0, sizeof *list);
}

enum { F_KEY, F_VALUE };

static const pr_field_spec fields[] = {
    [F_KEY] = {"key", OFTString},
    [F_VALUE] = {"value", OFTString},
};

static int fill(pr_writer *w, OGRLayerH layer, const pr_output *out)
{
	const pr_kv_list *info = out->run_info;
	int r = 0;
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
	for (size_t i = 0; i < info->n && !r; i++) {
		OGR_F_SetFID(feat, OGRNullFID);
		OGR_F_SetFieldString(feat, F_KEY, info->items[i].key);
		OGR_F_SetFieldString(feat, F_VALUE, info->items[i].value);
		r = pr_writer_create_feature(w, layer, feat);
	}
	OGR_F_Destroy(feat);
	return r;
}

const pr_layer_def pr_layer_run_info = {
    .name = "run_info",
    .geometry = wkbNone,
    .description = "How this file was made: as-of date, inputs, counts, versions, timings",
    .fields = PR_FIELDS(fields),
    .fill = fill,
    .after_indexes = true,
};
