/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's entry point: global flags, then the command word(s) resolved
 * through the command table (commands.c), then the command's own options.
 * Everything printed here mirrors the docker CLI's wording and exit codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "cli.h"
#include "runtime/runtime.h"

static const struct cli_command global_command = {
    .name = "berth",
    .usage = "[OPTIONS] COMMAND",
    .options = cli_global_options,
    .flags = CLI_STOP_AT_FIRST_ARG,
    .max_args = -1,
};

static const char *env_or(const char *name, const char *def)
{
        const char *v = secure_getenv(name);

        return v && *v ? v : def;
}

static int setup_context(struct cli_context *ctx, const struct cli_args *g)
{
        static const char *const levels[] = {"debug", "info", "warn", "error", "fatal"};
        bool known = false;

        ctx->root = cli_string(g, "root") ?: env_or("BERTH_ROOT", "/var/lib/berth");
        ctx->runroot = cli_string(g, "runroot") ?: env_or("BERTH_RUNROOT", "/run/berth");
        ctx->debug = cli_bool(g, "debug");
        ctx->log_level = ctx->debug ? "debug" : cli_string(g, "log-level");
        for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
                known |= streq(levels[i], ctx->log_level);
        if (!known) {
                fprintf(stderr, "berth: unable to parse logging level: %s\n", ctx->log_level);
                return -CLI_EXIT_FAILURE;
        }
        /* The library logs at debug level only (STYLE.md B3); -D shows it on stderr. */
        log_set_target(ctx->debug ? 2 : -1, false, LOG_LEVEL_DEBUG);
        return 0;
}

static int group_without_command(char **words, size_t n)
{
        if (n == 1) {
                /* docker prints the group's help after a blank line and exits 0. */
                fputc('\n', stdout);
                cli_print_group_help(stdout, words[0]);
                return CLI_EXIT_OK;
        }
        if (streq(words[1], "--help") || streq(words[1], "-h")) {
                cli_print_group_help(stdout, words[0]);
                return CLI_EXIT_OK;
        }
        if (words[1][0] == '-') {
                fprintf(stderr,
                        "unknown flag: %s\n\nUsage:  berth %s COMMAND\n\nRun 'berth %s --help' for more "
                        "information\n",
                        words[1], words[0], words[0]);
                return CLI_EXIT_ENGINE;
        }
        fprintf(stderr,
                "berth: unknown command: berth %s %s\n\nUsage:  berth %s\n\nRun 'berth %s --help' for more "
                "information\n",
                words[0], words[1], words[0], words[0]);
        return CLI_EXIT_FAILURE;
}

static char *join_path(char **words, size_t n)
{
        char *path = xstrdup("berth");

        for (size_t i = 0; i < n; i++) {
                char *p = xasprintf("%s %s", path, words[i]);
                free(path);
                path = p;
        }
        return path;
}

static int dispatch(struct cli_context *ctx, char **words, size_t n)
{
        _cleanup_cli_args_ struct cli_args *args = NULL;
        _cleanup_free_ char *path = NULL;
        const struct cli_command *cmd;
        size_t used;
        bool help = false;
        int r;

        cmd = cli_command_find(words, n, &used);
        if (!cmd && cli_group_find(words[0]) && cli_group_has_commands(words[0]))
                return group_without_command(words, n);
        if (!cmd) {
                fprintf(stderr,
                        "berth: unknown command: berth %s\n\nRun 'berth --help' for more information\n",
                        words[0]);
                return CLI_EXIT_FAILURE;
        }
        path = join_path(words, used);
        r = cli_args_parse(cmd, path, (int)(n - used), words + used, &args, &help);
        if (r < 0)
                return -r;
        if (help) {
                cli_print_command_help(stdout, cmd, path);
                return CLI_EXIT_OK;
        }
        ctx->cmd = cmd;
        ctx->path = path;
        return cmd->handler(ctx, args);
}

/* `berth help [COMMAND...]`, as cobra's help command. */
static int help_command(char **words, size_t n)
{
        const struct cli_command *cmd;
        size_t used;

        if (n == 0) {
                cli_print_main_help(stdout);
                return CLI_EXIT_OK;
        }
        cmd = cli_command_find(words, n, &used);
        if (cmd) {
                _cleanup_free_ char *path = join_path(words, used);
                cli_print_command_help(stdout, cmd, path);
        } else if (cli_group_find(words[0]) && cli_group_has_commands(words[0])) {
                cli_print_group_help(stdout, words[0]);
        } else {
                fprintf(stderr, "Unknown help topic [`%s`]\n", words[0]);
                cli_print_main_help(stdout);
        }
        return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
        _cleanup_cli_args_ struct cli_args *g = NULL;
        struct cli_context ctx = {0};
        char **words;
        size_t n;
        bool help = false;
        int r;

        r = cli_args_parse(&global_command, "berth", argc - 1, argv + 1, &g, &help);
        if (r < 0)
                return -r;
        words = cli_argv(g);
        n = cli_argc(g);
        if (cli_bool(g, "version")) {
                cli_print_version_line(stdout);
                return CLI_EXIT_OK;
        }
        if (help || n == 0) {
                cli_print_main_help(stdout);
                return CLI_EXIT_OK;
        }
        r = setup_context(&ctx, g);
        if (r < 0)
                return -r;
        if (streq(words[0], "help"))
                return help_command(words + 1, n - 1);
        /*
         * CVE-2019-5736: `exec` enters a running container, where a process could
         * reach this binary through /proc/PID/exe. Run from a sealed memfd copy.
         */
        if (streq(words[0], "exec") || (n > 1 && streq(words[0], "container") && streq(words[1], "exec"))) {
                _cleanup_error_ struct berth_error *err = NULL;
                if (runtime_ensure_sealed_self(argc, argv, &err) < 0) {
                        fprintf(stderr, "berth: %s\n", err->msg);
                        return 125;
                }
        }
        r = dispatch(&ctx, words, n);
        fflush(stdout);
        return r;
}
