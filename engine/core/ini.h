/* SPDX-License-Identifier: MIT */
/* INI files through libinih, with line numbers for every key (see ini.c). */
#ifndef PR_INI_H
#define PR_INI_H

#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"

typedef struct pr_ini_pos {
	int line;	   /* line of the key */
	int section_line;  /* line of the current [section] header */
	bool continuation; /* this value continues the previous key on an indented line */
	/* The key's line as read, before libinih cut it: a value that starts with " ;" reaches
	 * the handler empty (libinih reads it as a comment), and a key such as separator can
	 * look here for what was written. */
	const char *raw;
} pr_ini_pos;

/* Called with name and value NULL when a [section] header is read, then once per key. Returns 0
 * to go on, or a negative status (with the context's error set) to stop. */
typedef int (*pr_ini_handler)(void *user, const pr_ini_pos *pos, const char *section,
			      const char *name, const char *value);

/* Parses file; label names it in errors. Returns the handler's failure or PR_ECONFIG for a line
 * that is not INI. */
int pr_ini_parse(pr_context *ctx, const char *label, FILE *file, pr_ini_handler handler,
		 void *user);

/* Stores value in *slot; a second occurrence of the key is an error, except for continuation
 * lines, which are appended on a new line. */
int pr_ini_set_string(pr_context *ctx, const char *label, const pr_ini_pos *pos,
		      const char *section, const char *name, const char *value, char **slot);

#endif
