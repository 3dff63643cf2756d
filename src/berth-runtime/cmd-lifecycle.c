/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "commands.h"

static bool want_help(int argc, char **argv, const char *cmd)
{
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        break;
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        command_usage(cmd);
                        return true;
                }
        }
        return false;
}

static int parse_create_options(int argc, char **argv, const char *cmd, struct runtime_create_options *o,
                                bool *detach, struct berth_error **err)
{
        enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_PRESERVE, OPT_NO_KEYRING, OPT_CONFIG,
               OPT_IGNORE };
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "pid-file", required_argument, NULL, OPT_PID_FILE },
                { "console-socket", required_argument, NULL, OPT_CONSOLE },
                { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
                { "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
                { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
                { "config", required_argument, NULL, OPT_CONFIG },
                { "detach", no_argument, NULL, 'd' },
                { "no-subreaper", no_argument, NULL, OPT_IGNORE },
                { "keep", no_argument, NULL, OPT_IGNORE },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case OPT_NO_PIVOT:
                        o->no_pivot = true;
                        break;
                case OPT_NO_KEYRING:
                        o->no_new_keyring = true;
                        break;
                case OPT_PRESERVE:
                        o->preserve_fds = atoi(optarg);
                        if (o->preserve_fds < 0)
                                return usage_error(err, cmd, "--preserve-fds must be >= 0");
                        break;
                case OPT_CONFIG:
                        o->config = optarg;
                        break;
                case 'd':
                        if (!detach)
                                return usage_error(err, cmd, "unknown option --detach");
                        *detach = true;
                        break;
                case OPT_IGNORE:
                        break;
                default:
                        return usage_error(err, cmd, "bad option");
                }
        }
        if (optind != argc - 1)
                return usage_error(err, cmd, "expects exactly one container ID");
        o->id = argv[optind];
        return 0;
}

int cmd_create(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        struct runtime_create_options o = {};
        pid_t pid;
        int r;

        if (want_help(argc, argv, "create"))
                return 0;
        r = parse_create_options(argc, argv, "create", &o, NULL, err);
        if (r < 0)
                return r;
        return runtime_create(ctx, &o, &pid, err);
}

int cmd_run(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        struct runtime_create_options o = {};
        bool detach = false;
        int status = 0, r;

        if (want_help(argc, argv, "run"))
                return 0;
        r = parse_create_options(argc, argv, "run", &o, &detach, err);
        if (r < 0)
                return r;
        r = runtime_run(ctx, &o, detach, &status, err);
        return r < 0 ? r : status;
}

/* Commands of the form `cmd ID`. */
static int one_id(int argc, char **argv, const char *cmd, const char **ret, struct berth_error **err)
{
        if (argc != 2 || argv[1][0] == '-')
                return usage_error(err, cmd, "expects exactly one container ID");
        *ret = argv[1];
        return 0;
}

int cmd_start(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        const char *id = NULL;
        int r;

        if (want_help(argc, argv, "start"))
                return 0;
        r = one_id(argc, argv, "start", &id, err);
        return r < 0 ? r : runtime_start(ctx, id, err);
}

static void print_json(json_t *j)
{
        char *s = json_dumps(j, JSON_INDENT(2));
        if (s) {
                puts(s);
                free(s);
        }
}

int cmd_state(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        _cleanup_json_ json_t *j = NULL;
        const char *id = NULL;
        int r;

        if (want_help(argc, argv, "state"))
                return 0;
        r = one_id(argc, argv, "state", &id, err);
        if (r == 0)
                r = runtime_state(ctx, id, &j, err);
        if (r == 0)
                print_json(j);
        return r;
}

int cmd_kill(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, {} };
        bool all = false;
        int sig = SIGTERM, c;

        if (want_help(argc, argv, "kill"))
                return 0;
        while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
                if (c != 'a')
                        return usage_error(err, "kill", "bad option");
                all = true;
        }
        if (optind >= argc || argc - optind > 2)
                return usage_error(err, "kill", "expects a container ID and an optional signal");
        if (argc - optind == 2) {
                sig = runtime_signal_parse(argv[optind + 1]);
                if (sig < 0)
                        return berth_err_msg(err, EINVAL, "kill: unknown signal `%s`", argv[optind + 1]);
        }
        return runtime_kill(ctx, argv[optind], sig, all, err);
}

int cmd_delete(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, {} };
        bool force = false;
        int c;

        if (want_help(argc, argv, "delete"))
                return 0;
        while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
                if (c != 'f')
                        return usage_error(err, "delete", "bad option");
                force = true;
        }
        if (optind != argc - 1)
                return usage_error(err, "delete", "expects exactly one container ID");
        return runtime_delete(ctx, argv[optind], force, err);
}

static int parse_format(int argc, char **argv, const char *cmd, bool *json, bool *quiet, struct berth_error **err)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
                if (c == 'f' && (streq(optarg, "json") || streq(optarg, "table")))
                        *json = streq(optarg, "json");
                else if (c == 'q' && quiet)
                        *quiet = true;
                else
                        return usage_error(err, cmd, "bad option");
        }
        return 0;
}

int cmd_list(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        _cleanup_json_ json_t *arr = NULL;
        bool json = false, quiet = false;
        json_t *v;
        size_t i;
        int r;

        if (want_help(argc, argv, "list"))
                return 0;
        r = parse_format(argc, argv, "list", &json, &quiet, err);
        if (r == 0)
                r = runtime_list(ctx, &arr, err);
        if (r < 0)
                return r;
        if (json) {
                print_json(arr);
                return 0;
        }
        if (!quiet)
                printf("%-24s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        json_array_foreach (arr, i, v) {
                const char *id = json_string_value(json_object_get(v, "id"));
                if (quiet) {
                        puts(id);
                        continue;
                }
                printf("%-24s %-8lld %-10s %-40s %-30s %s\n", id,
                       (long long)json_integer_value(json_object_get(v, "pid")),
                       json_string_value(json_object_get(v, "status")),
                       json_string_value(json_object_get(v, "bundle")),
                       json_string_value(json_object_get(v, "created")),
                       json_string_value(json_object_get(v, "owner")));
        }
        return 0;
}

/*
 * Like runc: the table is ps(1)'s own ("ps -ef" unless options follow the
 * ID), filtered to the container's processes by the PID column.
 */
static int ps_table(pid_t *pids, size_t n, char **ps_args, struct berth_error **err)
{
        _cleanup_strv_ char **argv = strv_push(NULL, "ps");
        _cleanup_fclose_ FILE *in = NULL;
        char line[4096];
        int fds[2], pid_col = -1, status;
        pid_t child;

        if (!ps_args || !ps_args[0])
                argv = strv_push(argv, "-ef");
        for (size_t i = 0; ps_args && ps_args[i]; i++)
                argv = strv_push(argv, ps_args[i]);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        child = fork();
        if (child == 0) {
                dup2(fds[1], STDOUT_FILENO);
                execvp("ps", argv);
                _exit(127);
        }
        close(fds[1]);
        if (child < 0) {
                close(fds[0]);
                return berth_err(err, errno, "fork");
        }
        in = fdopen(fds[0], "r");
        while (in && fgets(line, sizeof(line), in)) {
                _cleanup_free_ char *copy = xstrdup(line);
                char *save = NULL, *tok = strtok_r(copy, " \t\n", &save);
                long pid = -1;
                if (pid_col < 0) {
                        for (int c = 0; tok; c++, tok = strtok_r(NULL, " \t\n", &save))
                                if (streq(tok, "PID"))
                                        pid_col = c;
                        fputs(line, stdout);
                        continue;
                }
                for (int c = 0; tok && c < pid_col; c++)
                        tok = strtok_r(NULL, " \t\n", &save);
                if (tok)
                        pid = strtol(tok, NULL, 10);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == pid)
                                fputs(line, stdout);
        }
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        if (pid_col < 0)
                return berth_err_msg(err, EINVAL, "ps: no PID column in the output of ps");
        return 0;
}

int cmd_ps(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        _cleanup_free_ pid_t *pids = NULL;
        bool json = false;
        size_t n = 0;
        int r;

        if (want_help(argc, argv, "ps"))
                return 0;
        r = parse_format(argc, argv, "ps", &json, NULL, err);
        if (r < 0)
                return r;
        if (optind >= argc)
                return usage_error(err, "ps", "expects a container ID");
        r = runtime_ps(ctx, argv[optind], &pids, &n, err);
        if (r < 0)
                return r;
        if (!json)
                return ps_table(pids, n, argv + optind + 1, err);
        printf("[");
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
        return 0;
}

int cmd_pause(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        const char *id = NULL;
        int r;

        if (want_help(argc, argv, "pause"))
                return 0;
        r = one_id(argc, argv, "pause", &id, err);
        return r < 0 ? r : runtime_pause(ctx, id, true, err);
}

int cmd_resume(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        const char *id = NULL;
        int r;

        if (want_help(argc, argv, "resume"))
                return 0;
        r = one_id(argc, argv, "resume", &id, err);
        return r < 0 ? r : runtime_pause(ctx, id, false, err);
}
