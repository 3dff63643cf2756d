/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "commands.h"

int cmd_exec(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        enum { OPT_CWD = 256, OPT_PID_FILE, OPT_CONSOLE, OPT_CAP, OPT_PRESERVE, OPT_NNP, OPT_GID, OPT_IGNORE_ARG,
               OPT_IGNORE };
        static const struct option opts[] = {
                { "process", required_argument, NULL, 'p' },
                { "tty", no_argument, NULL, 't' },
                { "cwd", required_argument, NULL, OPT_CWD },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "additional-gids", required_argument, NULL, 'g' },
                { "cap", required_argument, NULL, 'c' },
                { "detach", no_argument, NULL, 'd' },
                { "pid-file", required_argument, NULL, OPT_PID_FILE },
                { "console-socket", required_argument, NULL, OPT_CONSOLE },
                { "preserve-fds", required_argument, NULL, OPT_PRESERVE },
                { "no-new-privs", no_argument, NULL, OPT_NNP },
                { "process-label", required_argument, NULL, OPT_IGNORE_ARG },
                { "apparmor", required_argument, NULL, OPT_IGNORE_ARG },
                { "cgroup", required_argument, NULL, OPT_IGNORE_ARG },
                { "ignore-paused", no_argument, NULL, OPT_IGNORE },
                {},
        };
        struct runtime_exec_options o = {};
        _cleanup_strv_ char **env = NULL, **caps = NULL, **args = NULL;
        int c, status = 0, r;

        for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        command_usage("exec");
                        return 0;
                }
        }
        while ((c = getopt_long(argc, argv, "+p:te:u:g:c:d", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        o.process_file = optarg;
                        break;
                case 't':
                        o.tty = true;
                        break;
                case OPT_CWD:
                        o.cwd = optarg;
                        break;
                case 'e':
                        env = strv_push(env, optarg);
                        break;
                case 'u':
                        o.user = optarg;
                        break;
                case 'c':
                        caps = strv_push(caps, optarg);
                        break;
                case 'd':
                        o.detach = true;
                        break;
                case OPT_PID_FILE:
                        o.pid_file = optarg;
                        break;
                case OPT_CONSOLE:
                        o.console_socket = optarg;
                        break;
                case OPT_PRESERVE:
                        o.preserve_fds = atoi(optarg);
                        break;
                case OPT_NNP:
                        o.no_new_privs = true;
                        break;
                case 'g':
                case OPT_IGNORE_ARG:
                case OPT_IGNORE:
                        break;
                default:
                        return usage_error(err, "exec", "bad option");
                }
        }
        if (optind >= argc)
                return usage_error(err, "exec", "expects a container ID");
        for (int i = optind + 1; i < argc; i++)
                args = strv_push(args, argv[i]);
        if (!o.process_file && !args)
                return usage_error(err, "exec", "expects a command or --process FILE");
        o.env = env;
        o.caps = caps;
        o.args = args;
        r = runtime_exec(ctx, argv[optind], &o, &status, err);
        return r < 0 ? r : status;
}

/* "512m" -> bytes, as runc's --memory takes them. */
static int parse_bytes(const char *s, long long *ret)
{
        char *end;
        double v = strtod(s, &end);
        long long mul = 1;

        if (end == s || v < 0)
                return -EINVAL;
        switch (tolower((unsigned char)*end)) {
        case 'k':
                mul = 1LL << 10;
                break;
        case 'm':
                mul = 1LL << 20;
                break;
        case 'g':
                mul = 1LL << 30;
                break;
        case 't':
                mul = 1LL << 40;
                break;
        case '\0':
                break;
        default:
                return -EINVAL;
        }
        if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && !end[2]))
                return -EINVAL;
        *ret = (long long)(v * (double)mul);
        return 0;
}

static void set_path(json_t *root, const char *section, const char *key, json_t *v)
{
        json_t *s = json_object_get(root, section);
        if (!s) {
                s = json_object();
                json_object_set_new(root, section, s);
        }
        json_object_set_new(s, key, v);
}

int cmd_update(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        static const struct {
                const char *opt, *section, *key;
                int kind; /* 0 bytes, 1 integer, 2 string */
        } map[] = {
                { "memory", "memory", "limit", 0 },        { "memory-reservation", "memory", "reservation", 0 },
                { "memory-swap", "memory", "swap", 0 },    { "cpu-shares", "cpu", "shares", 1 },
                { "cpu-quota", "cpu", "quota", 1 },        { "cpu-period", "cpu", "period", 1 },
                { "cpuset-cpus", "cpu", "cpus", 2 },       { "cpuset-mems", "cpu", "mems", 2 },
                { "pids-limit", "pids", "limit", 1 },      { "blkio-weight", "blockIO", "weight", 1 },
        };
        struct option opts[ARRAY_SIZE(map) + 2] = {};
        _cleanup_json_ json_t *res = json_object();
        int c, idx;

        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        command_usage("update");
                        return 0;
                }
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                opts[i] = (struct option){ map[i].opt, required_argument, NULL, 0 };
        opts[ARRAY_SIZE(map)] = (struct option){ "resources", required_argument, NULL, 'r' };
        while ((c = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
                long long v;
                char *end;
                if (c == 'r') {
                        json_t *file = NULL;
                        int r = streq(optarg, "-") ? (file = json_loadf(stdin, 0, NULL)) ? 0 : -EINVAL
                                                   : json_load_path(optarg, 1u << 20, &file, err);
                        if (r < 0 || !json_is_object(file))
                                return r < 0 && *err ? r : usage_error(err, "update", "bad --resources");
                        json_object_update(res, file);
                        json_decref(file);
                        continue;
                }
                if (c != 0)
                        return usage_error(err, "update", "bad option");
                if (map[idx].kind == 2) {
                        set_path(res, map[idx].section, map[idx].key, json_string(optarg));
                        continue;
                }
                if (map[idx].kind == 0 ? parse_bytes(optarg, &v) < 0 : ((v = strtoll(optarg, &end, 10)), *end))
                        return usage_error(err, "update", "bad value for --%s: `%s`", map[idx].opt, optarg);
                set_path(res, map[idx].section, map[idx].key, json_integer(v));
        }
        if (optind != argc - 1)
                return usage_error(err, "update", "expects exactly one container ID");
        return runtime_update(ctx, argv[optind], res, err);
}
