/* SPDX-License-Identifier: MIT */
/* INI parsing for the sources and model files: libinih does the parsing; this adapter counts
 * lines so that every error can name one, marks continuation lines of multi-line values, and
 * refuses over-long lines that libinih would otherwise split silently. */
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "core/ini.h"

typedef struct ini_state {
	FILE *file;
	const char *label;
	pr_context *ctx;
	pr_ini_handler handler;
	void *user;
	pr_ini_pos pos;
	bool last_was_key;
	int status;
	char **seen;   /* "section\037key" of every key so far: none may come twice */
	char raw[512]; /* the line being parsed, as read */
	size_t n_seen, cap_seen;
} ini_state;

/* Fails when section and name were given before (a second weight would silently win). */
static int check_once(ini_state *st, const char *section, const char *name)
{
	char *key = NULL;
	if (asprintf(&key, "%s\037%s", section, name) < 0)
		return PR_ENOMEM;
	for (size_t i = 0; i < st->n_seen; i++)
		if (strcmp(st->seen[i], key) == 0) {
			free(key);
			return pr_error(st->ctx, PR_ECONFIG,
					"%s line %d [%s]: key '%s' is given twice", st->label,
					st->pos.line, section, name);
		}
	if (pr_grow((void **)&st->seen, &st->cap_seen, st->n_seen + 1, sizeof *st->seen) < 0) {
		free(key);
		return PR_ENOMEM;
	}
	st->seen[st->n_seen++] = key;
	return 0;
}

static char *read_line(char *str, int num, void *stream)
{
	ini_state *st = stream;
	char *s = fgets(str, num, st->file);
	if (!s)
		return NULL;
	st->pos.line++;
	snprintf(st->raw, sizeof st->raw, "%s", s);
	st->pos.raw = st->raw;
	size_t len = strlen(s);
	if (len + 1 >= (size_t)num && s[len - 1] != '\n' && !feof(st->file)) {
		st->status = pr_error(st->ctx, PR_ECONFIG,
				      "%s line %d: line longer than %d characters; continue a long "
				      "value on indented lines",
				      st->label, st->pos.line, num - 2);
		return NULL;
	}
	const char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	bool indented = p != s;
	bool empty = *p == '\0' || *p == '\n' || *p == '\r' || *p == ';' || *p == '#';
	st->pos.continuation = indented && !empty && st->last_was_key;
	/* An indented "[...]" inside a multi-line value is value, not a section. */
	if (*p == '[' && !st->pos.continuation) {
		st->pos.section_line = st->pos.line;
		/* Tell the handler a section opens, so that one without keys is still seen. */
		const char *end = strchr(p + 1, ']');
		if (end && end - p - 1 >= 50) {
			/* libinih keeps 49 characters of a section name and would cut it. */
			st->status = pr_error(st->ctx, PR_ECONFIG,
					      "%s line %d: section name longer than 49 characters",
					      st->label, st->pos.line);
			return NULL;
		}
		if (end && st->status == 0) {
			char section[256];
			size_t n = (size_t)(end - p - 1) < sizeof section - 1
				       ? (size_t)(end - p - 1)
				       : sizeof section - 1;
			memcpy(section, p + 1, n);
			section[n] = '\0';
			int r = st->handler(st->user, &st->pos, section, NULL, NULL);
			if (r < 0) {
				st->status = r;
				return NULL;
			}
		}
	}
	if (!empty && !st->pos.continuation)
		st->last_was_key = *p != '[';
	return s;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
	ini_state *st = user;
	if (!*section) {
		st->status =
		    pr_error(st->ctx, PR_ECONFIG, "%s line %d: key '%s' comes before any [section]",
			     st->label, st->pos.line, name);
		return 0;
	}
	int r = st->pos.continuation ? 0 : check_once(st, section, name);
	if (r == 0)
		r = st->handler(st->user, &st->pos, section, name, value);
	if (r < 0) {
		st->status = r;
		return 0;
	}
	return 1;
}

int pr_ini_parse(pr_context *ctx, const char *label, FILE *file, pr_ini_handler handler, void *user)
{
	/* Report the first error, not what parsing past it makes of the next lines. */
	ini_stop_on_first_error = true;
	ini_state st = {.file = file, .label = label, .ctx = ctx, .handler = handler, .user = user};
	int line = ini_parse_stream(read_line, &st, handle, &st);
	for (size_t i = 0; i < st.n_seen; i++)
		free(st.seen[i]);
	free(st.seen);
	if (st.status < 0)
		return st.status;
	if (line != 0)
		return pr_error(ctx, PR_ECONFIG,
				"%s line %d: not an INI line (expected [section] or key = value)",
				label, line < 0 ? st.pos.line : line);
	return 0;
}

int pr_ini_set_string(pr_context *ctx, const char *label, const pr_ini_pos *pos,
		      const char *section, const char *name, const char *value, char **slot)
{
	if (*slot && !pos->continuation)
		return pr_error(ctx, PR_ECONFIG, "%s line %d [%s]: key '%s' is given twice", label,
				pos->line, section, name);
	if (*slot) {
		/* A continuation line of a multi-line value: join with a newline. */
		size_t n = strlen(*slot) + strlen(value) + 2;
		char *joined = malloc(n);
		if (!joined)
			return PR_ENOMEM;
		snprintf(joined, n, "%s\n%s", *slot, value);
		free(*slot);
		*slot = joined;
		return 0;
	}
	*slot = strdup(value);
	return *slot ? 0 : PR_ENOMEM;
}
