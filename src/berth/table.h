/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Go's text/tabwriter as the docker CLI drives it: cells end at '\t', lines
 * at '\n'; each column is as wide as its widest cell plus `padding`, never
 * narrower than `minwidth`; the text after a line's last tab is not a cell
 * of any column and is never padded. Columns are aligned per block of
 * consecutive lines that have that column, exactly as Go does.
 */
#include <stdio.h>

struct table;

/* docker: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0) */
#define TABLE_DOCKER_MINWIDTH 10
#define TABLE_DOCKER_PADDING 3

struct table *table_new(int minwidth, int padding);
/* table_new(TABLE_DOCKER_MINWIDTH, TABLE_DOCKER_PADDING) */
struct table *table_new_docker(void);
/* Appends raw text (cells and lines are split at render time). */
void table_write(struct table *t, const char *s);
void table_printf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The aligned text; the caller frees it. The table may be written to again afterwards. */
char *table_render(struct table *t);
/* Renders to f and empties the table. */
int table_flush(struct table *t, FILE *f);
struct table *table_free(struct table *t);
