/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The image commands, split over cmd-image*.c; the table is in cmd-image.c. */
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "cli.h"
#include "store/store.h"

/* docker's FormatHelp texts, as pflag wraps them. */
#define IMAGE_FORMAT_HELP_TABLE                                                                             \
        "Format output using a custom template:\n"                                                          \
        "'table':            Print output in table format with column headers (default)\n"                  \
        "'table TEMPLATE':   Print output in table format using the given Go template\n"                    \
        "'json':             Print in JSON format\n"                                                        \
        "'TEMPLATE':         Print output using the given Go template.\n"                                   \
        "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output "     \
        "with templates"
#define IMAGE_FORMAT_HELP_NO_TABLE                                                                          \
        "Format output using a custom template:\n"                                                          \
        "'json':             Print in JSON format\n"                                                        \
        "'TEMPLATE':         Print output using the given Go template.\n"                                   \
        "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output "     \
        "with templates"

extern const struct cli_option image_history_options[];
extern const struct cli_option image_inspect_options[];
extern const struct cli_option inspect_options[];
extern const struct cli_option image_import_options[];
extern const struct cli_option image_save_options[];
extern const struct cli_option image_load_options[];

int cmd_image_history(struct cli_context *ctx, struct cli_args *args);
int cmd_image_inspect(struct cli_context *ctx, struct cli_args *args);
int cmd_inspect(struct cli_context *ctx, struct cli_args *args);
int cmd_image_import(struct cli_context *ctx, struct cli_args *args);
int cmd_image_save(struct cli_context *ctx, struct cli_args *args);
int cmd_image_load(struct cli_context *ctx, struct cli_args *args);

/*
 * image prune's removal without its output (system prune prints it): removes the dangling images (all
 * unused ones with all), images a container uses stay; appends docker's "Untagged:"/"Deleted:" lines to
 * *lines and the freed bytes to *freed.
 */
int image_prune_unused(struct store *s, bool all, char ***lines, uint64_t *freed, struct berth_error **err);
