/* SPDX-License-Identifier: MIT */
/* The run_info table: how an output was made (as-of date, model and sources with their SHA-256,
 * each input's rows read, joined and rejected, library versions, timings), as key and value
 * rows in the order the run added them. Written last, so that it holds the writing's timings.
 * The public output keeps the rows added with pr_kv_add_public: versions, the as-of date and
 * counts, no paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/writer.h"

static int kv_add(pr_kv_list *list, bool public, const char *key, const char *fmt, va_list ap)
{
	if (pr_grow((void **)&list->items, &list->cap, list->n + 1, sizeof *list->items) < 0)
		return PR_ENOMEM;
	pr_kv *kv = &list->items[list->n];
	char *value = NULL;
	int n = vasprintf(&value, fmt, ap);
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
	kv->public = public;
	list->n++;
	return 0;
}

int pr_kv_add(pr_kv_list *list, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kv_add(list, false, key, fmt, ap);
	va_end(ap);
	return r;
}

int pr_kv_add_public(pr_kv_list *list, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = kv_add(list, true, key, fmt, ap);
	va_end(ap);
	return r;
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

enum { F_KEY, F_VALUE, F_PUBLIC };

static const pr_field_spec fields[] = {
    [F_KEY] = {"key", OFTString},
    [F_VALUE] = {"value", OFTString},
    [F_PUBLIC] = {"public", OFTInteger, .kind = PR_FIELD_PUBLIC},
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
		OGR_F_SetFieldInteger(feat, F_PUBLIC, info->items[i].public);
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
    .share = {PR_SHARE_NAMED, PR_SHARE_PSEUDONYMOUS, PR_SHARE_PUBLIC},
};
