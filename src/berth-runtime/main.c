/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-runtime: the OCI runtime command line (the contract crun and runc
 * share), so podman (--runtime) and dockerd (--add-runtime) can drive berth.
 * Parse, call libberth's runtime, print.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "commands.h"

static const struct command commands[] = {
        { "create", "[OPTIONS] ID", "create a container from a bundle", cmd_create, false },
        { "start", "ID", "start a created container", cmd_start, false },
        { "run", "[OPTIONS] ID", "create and start a container", cmd_run, false },
        { "state", "ID", "print the state of a container as JSON", cmd_state, false },
        { "kill", "[--all] ID [SIGNAL]", "send a signal to the container's init (default SIGTERM)", cmd_kill,
          false },
        { "delete", "[--force] ID", "delete a container", cmd_delete, false },
        { "list", "[--format table|json] [--quiet]", "list containers", cmd_list, false },
        { "ps", "[--format table|json] ID", "list the processes of a container", cmd_ps, false },
        { "pause", "ID", "freeze every process of a container", cmd_pause, false },
        { "resume", "ID", "thaw a paused container", cmd_resume, false },
        { "update", "[OPTIONS] ID", "change a container's resource limits", cmd_update, false },
        { "exec", "[OPTIONS] ID [COMMAND ARGS...]", "run a process inside a running container", cmd_exec,
          true },
        { "spec", "[--bundle DIR] [--rootless]", "write a default config.json", cmd_spec, false },
        { "features", "", "print the features this runtime supports as JSON", cmd_features, false },
};

static const struct command *current;

void command_usage(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (streq(commands[i].name, name))
                        printf("Usage: berth-runtime %s %s\n\n%s\n", name, commands[i].usage,
                               commands[i].summary);
}

int usage_error(struct berth_error **err, const char *cmd, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                oom();
        va_end(ap);
        return berth_err_msg(err, EINVAL, "%s: %s (see `berth-runtime %s --help`)", cmd, msg, cmd);
}

static void print_help(void)
{
        printf("Usage: berth-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
               "berth's OCI runtime: the runc/crun command line over libberth.\n\n"
               "Global options:\n"
               "  --root DIR            state directory (default /run/berth-runtime)\n"
               "  --log FILE            write log lines (and errors) to FILE\n"
               "  --log-format FORMAT   text (default) or json\n"
               "  --systemd-cgroup      accept systemd-style cgroupsPath (slice:prefix:name)\n"
               "  --debug               log debug messages\n"
               "  -v, --version         print the version\n"
               "  -h, --help            print this help\n\nCommands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
}

static void print_version(void)
{
        printf("berth-runtime version %s\nspec: 1.1.0\n+SECCOMP +CAP +CGROUPV1 +CGROUPV2 +USERNS\n",
               BERTH_VERSION);
}

struct global_options {
        const char *log_path;
        bool log_json, debug;
};

static int parse_global(int argc, char **argv, struct runtime_context *ctx, struct global_options *g)
{
        enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_SYSTEMD, OPT_DEBUG, OPT_IGNORE_ARG, OPT_IGNORE };
        static const struct option opts[] = {
                { "root", required_argument, NULL, OPT_ROOT },
                { "log", required_argument, NULL, OPT_LOG },
                { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
                { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
                { "debug", no_argument, NULL, OPT_DEBUG },
                { "rootless", required_argument, NULL, OPT_IGNORE_ARG },
                { "criu", required_argument, NULL, OPT_IGNORE_ARG },
                { "cgroup-manager", required_argument, NULL, OPT_IGNORE_ARG },
                { "version", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        /* '+': stop at the command name, whose options are its own. */
        while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        ctx->state_root = optarg;
                        break;
                case OPT_LOG:
                        g->log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        if (!streq(optarg, "text") && !streq(optarg, "json")) {
                                fprintf(stderr, "berth-runtime: --log-format must be text or json\n");
                                exit(1);
                        }
                        g->log_json = streq(optarg, "json");
                        break;
                case OPT_SYSTEMD:
                        ctx->systemd_cgroup = true;
                        break;
                case OPT_DEBUG:
                        g->debug = true;
                        break;
                case OPT_IGNORE_ARG:
                case OPT_IGNORE:
                        break;
                case 'v':
                        print_version();
                        exit(0);
                case 'h':
                        print_help();
                        exit(0);
                default:
                        fprintf(stderr, "berth-runtime: see `berth-runtime --help`\n");
                        exit(1);
                }
        }
        return optind;
}

static void open_log(const struct global_options *g)
{
        int fd;

        if (!g->log_path)
                return;
        fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0)
                log_set_target(fd, g->log_json, g->debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING);
}

int main(int argc, char **argv)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct runtime_context ctx = { .state_root = "/run/berth-runtime" };
        struct global_options g = {};
        int first, r;

        first = parse_global(argc, argv, &ctx, &g);
        if (first >= argc) {
                print_help();
                return 1;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (streq(commands[i].name, argv[first]))
                        current = &commands[i];
        if (!current) {
                fprintf(stderr, "berth-runtime: unknown command `%s` (see `berth-runtime --help`)\n",
                        argv[first]);
                return 1;
        }
        if (current->seal && runtime_ensure_sealed_self(argc, argv, &err) < 0) {
                fprintf(stderr, "berth-runtime: %s\n", err->msg);
                return 1;
        }
        open_log(&g);
        optind = 0; /* reset getopt for the command's own options */
        r = current->run(&ctx, argc - first, argv + first, &err);
        if (r < 0) {
                fprintf(stderr, "berth-runtime: %s\n", err ? err->msg : strerror(-r));
                log_write(LOG_LEVEL_ERROR, "%s", err ? err->msg : strerror(-r));
                return 1;
        }
        return r;
}
