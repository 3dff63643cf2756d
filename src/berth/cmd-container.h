/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container commands, split over cmd-container*.c; the table is in
 * cmd-container.c. Helpers shared by those files are declared here.
 */
#include <stdbool.h>

#include "cli.h"
#include "container/container.h"
#include "store/store.h"

extern const struct cli_option container_run_options[];
extern const struct cli_option container_create_options[];

int cmd_container_run(struct cli_context *ctx, struct cli_args *args);
int cmd_container_create(struct cli_context *ctx, struct cli_args *args);
int cmd_container_ps(struct cli_context *ctx, struct cli_args *args);
int cmd_container_logs(struct cli_context *ctx, struct cli_args *args);
int cmd_container_inspect(struct cli_context *ctx, struct cli_args *args);
int cmd_container_top(struct cli_context *ctx, struct cli_args *args);
int cmd_container_port(struct cli_context *ctx, struct cli_args *args);
int cmd_container_stats(struct cli_context *ctx, struct cli_args *args);
int cmd_container_export(struct cli_context *ctx, struct cli_args *args);
int cmd_container_diff(struct cli_context *ctx, struct cli_args *args);
int cmd_container_commit(struct cli_context *ctx, struct cli_args *args);
int cmd_container_cp(struct cli_context *ctx, struct cli_args *args);
int cmd_container_exec(struct cli_context *ctx, struct cli_args *args);
int cmd_container_update(struct cli_context *ctx, struct cli_args *args);

extern const struct cli_option container_ps_options[];
extern const struct cli_option container_logs_options[];
extern const struct cli_option container_inspect_options[];
extern const struct cli_option container_stats_options[];
extern const struct cli_option container_export_options[];
extern const struct cli_option container_commit_options[];
extern const struct cli_option container_cp_options[];
extern const struct cli_option container_exec_options[];
extern const struct cli_option container_update_options[];

/* The effective status: a container recorded running whose supervisor is gone (reboot) is exited. */
enum container_status ctr_status(struct store *s, const struct container *c);
/*
 * A record saying running whose supervisor is gone (killed, or a reboot): fixed for good, as
 * container_fix_stale_state does (its orphaned init killed, Exited (255) recorded). ps, inspect and
 * stats call it, as Docker's daemon notices a dead shim. True when it was stale.
 */
bool ctr_fix_stale(struct store *s, struct container *c);
/* The record as inspect shows it (State corrected as ctr_status says); a new reference. */
json_t *ctr_inspect_json(struct store *s, const struct container *c);

/*
 * Starts a loaded container and, when attach, stays attached until it exits:
 * returns the exit status the CLI must exit with (the container's, or 125,
 * 126, 127 when it could not start), printing the error. sig_proxy: forward
 * the CLI's signals to the container (without a tty).
 */
/* img: the container's image when the caller holds it (run), else NULL. */
int ctr_start_attached(const struct cli_context *ctx, struct store *s, struct container *c, bool interactive,
                       bool attach_out, bool attach_err, bool sig_proxy, const struct image *img);
/* The exit status for a start error: 127 "not found", 126 "permission denied", else 125 (docker's rule). */
int ctr_start_error_status(const struct berth_error *err);
/* Short (12) or full ID. */
const char *ctr_short_id(const char *id, bool no_trunc, char buf[static 65]);
