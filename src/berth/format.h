/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Go text/template subset that docker's --format accepts, evaluated on
 * JSON (jansson) values as Docker evaluates it on decoded JSON maps:
 *   text, {{.Field}}, {{.A.B}}, {{.}}, {{$}}, {{$x := ...}}, {{"str"}}, numbers, true/false,
 *   pipelines {{.X | json}}, parenthesised calls, {{- and -}} trimming, comments,
 *   {{if}}/{{else if}}/{{else}}/{{end}}, {{range [$i, $v :=] .X}}, {{with}},
 *   functions: json join split lower upper title truncate pad (Docker's), and
 *   len index print printf println eq ne lt le gt ge and or not (Go's builtins).
 * A missing map key prints "<no value>", JSON null "<nil>", objects "map[k:v]",
 * arrays "[a b]", as Go prints them. Errors are worded as Go's
 * ("template: :1: function \"foo\" not defined").
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"

struct format;

/* Compiles a raw template (no `table` prefix, no \t processing). */
int format_compile(const char *text, struct format **ret, struct berth_error **err);
/* Appends the output for one value to out. */
int format_execute(const struct format *f, json_t *data, FILE *out, struct berth_error **err);
/* Same, into a new string. */
int format_execute_string(const struct format *f, json_t *data, char **ret, struct berth_error **err);
struct format *format_free(struct format *f);
void format_freep(struct format **f);
#define _cleanup_format_ __attribute__((cleanup(format_freep)))

/*
 * Docker's --format handling on top: "" or "table" select default_format;
 * "json" is {{json .}}; a "table " prefix renders a header row and aligns
 * the columns with the tabwriter; "\t" and "\n" written as two characters
 * become a tab and a newline; every row ends with a newline.
 * headers maps field names to column titles ({"ID", "CONTAINER ID"}, ...,
 * {NULL, NULL}); a field without a title is shown upper-cased.
 */
struct format_header {
        const char *field;
        const char *title;
};

struct formatter;

int formatter_new(const char *user_format, const char *default_format, const struct format_header *headers,
                  struct formatter **ret, struct berth_error **err);
/* True when the format is a `table`: callers may then truncate IDs as Docker does. */
bool formatter_is_table(const struct formatter *fm);
int formatter_add(struct formatter *fm, json_t *row, struct berth_error **err);
/* Writes everything (header first for a table) and resets. */
int formatter_flush(struct formatter *fm, FILE *out, struct berth_error **err);
struct formatter *formatter_free(struct formatter *fm);
void formatter_freep(struct formatter **fm);
#define _cleanup_formatter_ __attribute__((cleanup(formatter_freep)))
