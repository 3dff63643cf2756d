/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The berth-runtime command table: one handler per OCI runtime CLI command. */
#include "base/error.h"
#include "runtime/runtime.h"

struct command {
        const char *name;
        const char *usage;
        const char *summary;
        int (*run)(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
        bool seal; /* runs from a sealed copy of the binary (enters a live container) */
};

int cmd_create(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_start(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_run(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_state(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_kill(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_delete(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_list(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_ps(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_pause(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_resume(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_update(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_exec(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_spec(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);
int cmd_features(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err);

/* Prints the usage of the command being run (for --help and usage errors). */
void command_usage(const char *name);
/* A usage error: message, then exit status 1 through the caller. */
int usage_error(struct berth_error **err, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
