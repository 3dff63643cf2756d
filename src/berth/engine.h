/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Small helpers shared by the command files: open the store that --root and
 * --runroot name, find an image with Docker's error wording, and parse the
 * times and filters several commands accept. Presentation only: the engine
 * itself is libberth.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "cli.h"
#include "store/image.h"
#include "store/store.h"

/* store_open(ctx->root, ctx->runroot), creating the directories on first use. */
int engine_store_open(const struct cli_context *ctx, struct store **ret, struct berth_error **err);

/* The body of a command that needs the store and nothing else first: open it, run fn, print its error. */
int engine_with_store(struct cli_context *ctx, struct cli_args *args,
                      int (*fn)(struct store *s, struct cli_args *args, struct berth_error **err));

/*
 * image_lookup, with Docker's message for a miss: a name that parses as a
 * reference is shown with its default tag ("No such image: foo:latest"),
 * an ID as typed.
 */
int engine_image_lookup(struct store *s, const char *name, struct image **ret, struct berth_error **err);
/* The same ENOENT rewording for an error another function returned (rmi, save). */
void engine_reword_no_such_image(const char *name, bool keep_as_typed, struct berth_error **err);

/* Seconds since the epoch of an RFC 3339 time ("2024-01-02T03:04:05.123Z", offsets too); -1 if invalid. */
double engine_parse_rfc3339(const char *s);
/* The image's creation time (config "created"), or 0. */
double engine_image_created(const struct image *img);

/*
 * Docker's --filter until=: a Go duration ("24h", "1h30m", "10m") counted
 * back from now, an RFC 3339 time, a date "2006-01-02", or Unix seconds.
 */
int engine_parse_until(const char *s, double *ret, struct berth_error **err);

/* Go's time.ParseDuration ("1h30m", "500ms", "0"), in seconds; -EINVAL if invalid. */
int engine_parse_duration(const char *s, double *ret);

/* "KEY" or "KEY=VALUE" against an image's config labels. */
bool engine_labels_match(const struct image *img, const char *filter);

/* "12 hex chars" of "sha256:<hex>" (or the whole ID with no_trunc). */
const char *engine_short_id(const char *id, bool no_trunc, char buf[static 80]);

/* Adds a Go-style "2 days ago" for a time in the past. */
char *engine_since(double t, char buf[static 64]);
