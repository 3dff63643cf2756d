/* SPDX-License-Identifier: Apache-2.0 */
/* `exec` (in-process through the runtime library), `update`, and `logs` (container_logs of log-json.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "container/log-json.h"
#include "container/supervisor.h"
#include "engine.h"
#include "runtime/runtime.h"
#include "units.h"

/* ---- exec */

const struct cli_option container_exec_options[] = {
    {"detach", 'd', CLI_OPT_BOOL, NULL, NULL, "Detached mode: run command in the background"},
    {"detach-keys", 0, CLI_OPT_STRING, NULL, NULL, "Override the key sequence for detaching a container"},
    {"env", 'e', CLI_OPT_LIST, "list", NULL, "Set environment variables"},
    {"env-file", 0, CLI_OPT_LIST, "list", NULL, "Read in a file of environment variables"},
    {"interactive", 'i', CLI_OPT_BOOL, NULL, NULL, "Keep STDIN open even if not attached"},
    {"privileged", 0, CLI_OPT_BOOL, NULL, NULL, "Give extended privileges to the command"},
    {"tty", 't', CLI_OPT_BOOL, NULL, NULL, "Allocate a pseudo-TTY"},
    {"user", 'u', CLI_OPT_STRING, NULL, NULL, "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
    {"workdir", 'w', CLI_OPT_STRING, NULL, NULL, "Working directory inside the container"},
    {NULL},
};

static char **read_env_files(char **files, char **env)
{
        for (size_t i = 0; files && files[i]; i++) {
                _cleanup_fclose_ FILE *f = fopen(files[i], "re");
                _cleanup_free_ char *line = NULL;
                size_t cap = 0;
                ssize_t n;
                while (f && (n = getline(&line, &cap, f)) >= 0) {
                        line[strcspn(line, "\r\n")] = '\0';
                        if (*line && *line != '#' && strchr(line, '='))
                                env = strv_push(env, line);
                }
        }
        return env;
}

/* "name[:group]" from the container's /etc/passwd and /etc/group (the runtime takes numbers). */
static char *resolve_user(struct store *s, const struct container *c, const char *user)
{
        _cleanup_free_ char *u = xstrdup(user), *line = NULL;
        char *g = strchr(u, ':');
        long uid = -1, gid = -1;
        size_t cap = 0;

        if (g)
                *g++ = '\0';
        for (int pass = 0; pass < 2; pass++) {
                const char *want = pass ? g : u;
                char *end;
                long *out = pass ? &gid : &uid;
                if (!want)
                        continue;
                *out = strtol(want, &end, 10);
                if (*want && !*end)
                        continue;
                *out = -1;
                _cleanup_free_ char *path =
                    xasprintf("%s/containers/%s/rootfs/etc/%s", s->root, c->id, pass ? "group" : "passwd");
                _cleanup_fclose_ FILE *f = fopen(path, "re");
                while (f && getline(&line, &cap, f) >= 0) {
                        char *name = strtok(line, ":"), *x = strtok(NULL, ":"), *id = strtok(NULL, ":");
                        char *pg = pass ? NULL : strtok(NULL, ":");
                        (void)x;
                        if (name && id && streq(name, want)) {
                                *out = strtol(id, NULL, 10);
                                if (!pass && !g && pg)
                                        gid = strtol(pg, NULL, 10);
                                break;
                        }
                }
                if (*out < 0)
                        return NULL;
        }
        return gid >= 0 ? xasprintf("%ld:%ld", uid, gid) : xasprintf("%ld", uid);
}

/* --runtime crun (any OCI runtime binary): its own `exec`, which both crun and runc spell the same way. The
 * CLI becomes it, so the command's exit status is ours. */
static int exec_external(struct cli_context *ctx, struct store *s, struct container *c,
                         struct cli_args *args, char **env, const char *user, char **caps)
{
        const char *rt = container_external_runtime(c), *cwd = cli_string(args, "workdir");
        _cleanup_free_ char *root = container_external_runtime_root(s, rt);
        _cleanup_strv_ char **argv =
            strv_push(strv_push(strv_push(strv_push(NULL, rt), "--root"), root), "exec");

        if (cli_bool(args, "tty"))
                argv = strv_push(argv, "--tty");
        if (cli_bool(args, "detach"))
                argv = strv_push(argv, "--detach");
        if (cwd && *cwd)
                argv = strv_push(strv_push(argv, "--cwd"), cwd);
        /* crun replaces the process environment with the --env given: the container's first, as docker's,
         * and docker's PATH when neither sets one (the one the container's config.json has). */
        if (env) {
                json_t *cenv = json_object_get(json_object_get(c->record, "Config"), "Env"), *v;
                bool path = false;
                size_t i;
                json_array_foreach (cenv, i, v)
                        path |= json_is_string(v) && strncmp(json_string_value(v), "PATH=", 5) == 0;
                for (char **e = env; *e; e++)
                        path |= strncmp(*e, "PATH=", 5) == 0;
                if (!path)
                        argv =
                            strv_push(strv_push(argv, "--env"),
                                      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
                json_array_foreach (cenv, i, v)
                        if (json_is_string(v))
                                argv = strv_push(strv_push(argv, "--env"), json_string_value(v));
        }
        for (char **e = env; e && *e; e++)
                argv = strv_push(strv_push(argv, "--env"), *e);
        if (user)
                argv = strv_push(strv_push(argv, "--user"), user);
        for (char **k = caps; k && *k; k++)
                argv = strv_push(strv_push(argv, "--cap"), *k);
        argv = strv_push(argv, c->id);
        for (char **a = cli_argv(args) + 1; *a; a++)
                argv = strv_push(argv, *a);
        fflush(stdout);
        execvp(rt, argv);
        return cli_failf(ctx, "exec %s: %s", rt, strerror(errno));
}

int cmd_container_exec(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_free_ char *root = NULL, *user = NULL;
        _cleanup_strv_ char **env = NULL, **caps = NULL;
        char **argv = cli_argv(args);
        const char *u = cli_string(args, "user");
        struct runtime_context rc;
        int status = 0;

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, argv[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (ctr_status(s, c) == CONTAINER_PAUSED)
                return cli_failf(ctx, "container %s is paused, unpause the container before exec", c->id);
        if (ctr_status(s, c) != CONTAINER_RUNNING)
                return cli_failf(ctx, "container %s is not running", c->id);
        if (u && *u && !(user = resolve_user(s, c, u)))
                return cli_failf(ctx, "unable to find user %s: no matching entries in passwd file", u);
        env = read_env_files(cli_list(args, "env-file"), NULL);
        for (char **e = cli_list(args, "env"); e && *e; e++)
                env = strv_push(env, *e);
        if (cli_bool(args, "privileged")) {
                static const char *const all[] = {
                    "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_PTRACE",      "CAP_SYS_MODULE",
                    "CAP_SYS_RAWIO", "CAP_SYS_TIME",  "CAP_SYS_RESOURCE",    "CAP_DAC_READ_SEARCH",
                    "CAP_IPC_LOCK",  "CAP_SYS_BOOT",  "CAP_LINUX_IMMUTABLE", NULL};
                for (size_t i = 0; all[i]; i++)
                        caps = strv_push(caps, all[i]);
        }
        if (!cli_bool(args, "interactive") && !cli_bool(args, "detach")) {
                /* Without -i the command gets no stdin, as docker's exec. */
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        close(null);
                }
        }
        if (container_external_runtime(c))
                return exec_external(ctx, s, c, args, env, user, caps);
        root = xasprintf("%s/runtime", s->runroot);
        rc = (struct runtime_context){.state_root = root};
        struct runtime_exec_options o = {
            .args = argv + 1,
            .tty = cli_bool(args, "tty"),
            .cwd = cli_string(args, "workdir"),
            .env = env,
            .user = user,
            .caps = caps,
            .detach = cli_bool(args, "detach"),
        };
        if (runtime_exec(&rc, c->id, &o, &status, &err) < 0) {
                fprintf(stderr, "berth: %s\n", err->msg);
                return ctr_start_error_status(err) == CLI_EXIT_ENGINE ? CLI_EXIT_FAILURE
                                                                      : ctr_start_error_status(err);
        }
        return status;
}

/* ---- update */

const struct cli_option container_update_options[] = {
    {"cpu-shares", 'c', CLI_OPT_INT, NULL, NULL, "CPU shares (relative weight)"},
    {"cpus", 0, CLI_OPT_STRING, "decimal", NULL, "Number of CPUs"},
    {"cpuset-cpus", 0, CLI_OPT_STRING, NULL, NULL, "CPUs in which to allow execution (0-3, 0,1)"},
    {"memory", 'm', CLI_OPT_BYTES, NULL, NULL, "Memory limit"},
    {"memory-swap", 0, CLI_OPT_STRING, "bytes", NULL,
     "Swap limit equal to memory plus swap: -1 to enable unlimited swap"},
    {"pids-limit", 0, CLI_OPT_INT, NULL, NULL, "Tune container pids limit (set -1 for unlimited)"},
    {"restart", 0, CLI_OPT_STRING, NULL, NULL, "Restart policy to apply when a container exits"},
    {NULL},
};

/* The OCI linux.resources for what was given, and the same in HostConfig. */
static int update_build(struct cli_args *args, json_t *hc, json_t *res, struct berth_error **err)
{
        json_t *mem = json_object(), *cpu = json_object();
        const char *cpus = cli_string(args, "cpus"), *swap = cli_string(args, "memory-swap");

        if (cli_is_set(args, "memory")) {
                json_object_set_new(mem, "limit", json_integer(cli_int(args, "memory")));
                json_object_set_new(hc, "Memory", json_integer(cli_int(args, "memory")));
        }
        if (swap) {
                int64_t v = -1;
                if (!streq(swap, "-1") && units_ram_in_bytes(swap, &v, err) < 0) {
                        json_decref(mem);
                        json_decref(cpu);
                        return -EINVAL;
                }
                json_object_set_new(mem, "swap", json_integer(v));
                json_object_set_new(hc, "MemorySwap", json_integer(v));
        }
        if (cpus) {
                double v = strtod(cpus, NULL);
                json_object_set_new(cpu, "quota", json_integer((json_int_t)(v * 100000)));
                json_object_set_new(cpu, "period", json_integer(100000));
                json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(v * 1e9)));
        }
        if (cli_is_set(args, "cpu-shares")) {
                json_object_set_new(cpu, "shares", json_integer(cli_int(args, "cpu-shares")));
                json_object_set_new(hc, "CpuShares", json_integer(cli_int(args, "cpu-shares")));
        }
        if (cli_string(args, "cpuset-cpus")) {
                json_object_set_new(cpu, "cpus", json_string(cli_string(args, "cpuset-cpus")));
                json_object_set_new(hc, "CpusetCpus", json_string(cli_string(args, "cpuset-cpus")));
        }
        if (cli_is_set(args, "pids-limit")) {
                json_object_set_new(res, "pids",
                                    json_pack("{s:I}", "limit", (json_int_t)cli_int(args, "pids-limit")));
                json_object_set_new(hc, "PidsLimit", json_integer(cli_int(args, "pids-limit")));
        }
        json_object_set_new(res, "memory", mem);
        json_object_set_new(res, "cpu", cpu);
        if (cli_string(args, "restart")) {
                const char *p = cli_string(args, "restart"), *colon = strchr(p, ':');
                json_object_set_new(hc, "RestartPolicy",
                                    json_pack("{s:s%,s:i}", "Name", p,
                                              colon ? (size_t)(colon - p) : strlen(p), "MaximumRetryCount",
                                              colon ? atoi(colon + 1) : 0));
        }
        return 0;
}

int cmd_container_update(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_free_ char *root = NULL;
        int status = CLI_EXIT_OK;

        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        root = xasprintf("%s/runtime", s->runroot);
        for (char **a = cli_argv(args); *a; a++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_container_ struct container *c = NULL;
                _cleanup_json_ json_t *hc = json_object(), *res = json_object();
                struct runtime_context rc = {.state_root = root};
                int fd = -1, r;
                r = container_load(s, *a, &c, &e);
                if (r == 0)
                        r = update_build(args, hc, res, &e);
                if (r == 0 && ctr_status(s, c) == CONTAINER_RUNNING)
                        r = runtime_update(&rc, c->id, res, &e);
                if (r == 0 && (r = container_lock(s, c->id, &fd, &e)) == 0) {
                        if ((r = container_reload(s, c, &e)) == 0) {
                                json_object_update(json_object_get(c->record, "HostConfig"), hc);
                                r = container_save(s, c, &e);
                        }
                        container_unlock(fd);
                }
                if (r < 0) {
                        status = cli_fail(ctx, e);
                        continue;
                }
                printf("%s\n", *a);
        }
        return status;
}

/* ---- logs: docker's json-file, {"log":"...","stream":"stdout","time":"..."} per line */

const struct cli_option container_logs_options[] = {
    {"details", 0, CLI_OPT_BOOL, NULL, NULL, "Show extra details provided to logs"},
    {"follow", 'f', CLI_OPT_BOOL, NULL, NULL, "Follow log output"},
    {"since", 0, CLI_OPT_STRING, NULL, NULL,
     "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)"},
    {"tail", 'n', CLI_OPT_STRING, NULL, "all", "Number of lines to show from the end of the logs"},
    {"timestamps", 't', CLI_OPT_BOOL, NULL, NULL, "Show timestamps"},
    {"until", 0, CLI_OPT_STRING, NULL, NULL,
     "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 "
     "minutes)"},
    {NULL},
};

static int parse_time_opt(const char *v, double *ret, struct berth_error **err)
{
        *ret = 0;
        if (!v || !*v)
                return 0;
        return engine_parse_until(v, ret, err);
}

int cmd_container_logs(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        const char *tail = cli_string(args, "tail");
        struct container_logs_options o = {
            .follow = cli_bool(args, "follow"),
            .timestamps = cli_bool(args, "timestamps"),
            .tail = -1,
        };
        double since, until;

        if (tail && !streq(tail, "all")) {
                char *end;
                long v = strtol(tail, &end, 10);
                if (*tail && !*end && v >= 0)
                        o.tail = v; /* docker: anything else means all */
        }
        if (parse_time_opt(cli_string(args, "since"), &since, &err) < 0 ||
            parse_time_opt(cli_string(args, "until"), &until, &err) < 0)
                return cli_fail(ctx, err);
        o.since_ns = (int64_t)(since * 1e9);
        o.until_ns = (int64_t)(until * 1e9);
        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0 ||
            container_logs(s, c, &o, STDOUT_FILENO, STDERR_FILENO, &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}
