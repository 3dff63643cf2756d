/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run` and `create`: the flags become Docker's create request (Config and
 * HostConfig, the JSON of POST /containers/create), exactly as the docker CLI
 * builds it, and libberth creates (and starts) the container from that.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "container/supervisor.h"
#include "engine.h"
#include "network/ports.h"
#include "store/builtin-images.h"
#include "store/reference.h"
#include "units.h"

/* clang-format off */
#define RUN_COMMON_OPTIONS                                                                                  \
        {"add-host", 0, CLI_OPT_LIST, "list", NULL, "Add a custom host-to-IP mapping (host:ip)"},           \
        {"attach", 'a', CLI_OPT_LIST, "list", NULL, "Attach to STDIN, STDOUT or STDERR"},                   \
        {"cap-add", 0, CLI_OPT_LIST, "list", NULL, "Add Linux capabilities"},                               \
        {"cap-drop", 0, CLI_OPT_LIST, "list", NULL, "Drop Linux capabilities"},                             \
        {"cpu-shares", 'c', CLI_OPT_INT, NULL, NULL, "CPU shares (relative weight)"},                       \
        {"cpus", 0, CLI_OPT_STRING, "decimal", NULL, "Number of CPUs"},                                     \
        {"cpuset-cpus", 0, CLI_OPT_STRING, NULL, NULL, "CPUs in which to allow execution (0-3, 0,1)"},      \
        {"device", 0, CLI_OPT_LIST, "list", NULL, "Add a host device to the container"},                    \
        {"dns", 0, CLI_OPT_LIST, "list", NULL, "Set custom DNS servers"},                                   \
        {"entrypoint", 0, CLI_OPT_STRING, NULL, NULL, "Overwrite the default ENTRYPOINT of the image"},     \
        {"env", 'e', CLI_OPT_LIST, "list", NULL, "Set environment variables"},                              \
        {"env-file", 0, CLI_OPT_LIST, "list", NULL, "Read in a file of environment variables"},             \
        {"expose", 0, CLI_OPT_LIST, "list", NULL, "Expose a port or a range of ports"},                     \
        {"group-add", 0, CLI_OPT_LIST, "list", NULL, "Add additional groups to join"},                      \
        {"health-cmd", 0, CLI_OPT_STRING, NULL, NULL, "Command to run to check health"},                    \
        {"health-interval", 0, CLI_OPT_STRING, "duration", NULL,                                            \
         "Time between running the check (ms|s|m|h) (default 0s)"},                                         \
        {"health-retries", 0, CLI_OPT_INT, NULL, NULL, "Consecutive failures needed to report unhealthy"},  \
        {"health-start-period", 0, CLI_OPT_STRING, "duration", NULL,                                        \
         "Start period for the container to initialize before starting health-retries countdown "           \
         "(ms|s|m|h) (default 0s)"},                                                                        \
        {"health-timeout", 0, CLI_OPT_STRING, "duration", NULL,                                             \
         "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"},                                 \
        {"hostname", 'h', CLI_OPT_STRING, NULL, NULL, "Container host name"},                               \
        {"init", 0, CLI_OPT_BOOL, NULL, NULL,                                                               \
         "Run an init inside the container that forwards signals and reaps processes"},                     \
        {"interactive", 'i', CLI_OPT_BOOL, NULL, NULL, "Keep STDIN open even if not attached"},             \
        {"label", 'l', CLI_OPT_LIST, "list", NULL, "Set meta data on a container"},                         \
        {"log-driver", 0, CLI_OPT_STRING, NULL, NULL, "Logging driver for the container"},                  \
        {"log-opt", 0, CLI_OPT_LIST, "list", NULL, "Log driver options"},                                   \
        {"memory", 'm', CLI_OPT_BYTES, NULL, NULL, "Memory limit"},                                         \
        {"memory-swap", 0, CLI_OPT_STRING, "bytes", NULL,                                                   \
         "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"},                            \
        {"mount", 0, CLI_OPT_LIST, "mount", NULL, "Attach a filesystem mount to the container"},            \
        {"name", 0, CLI_OPT_STRING, NULL, NULL, "Assign a name to the container"},                          \
        {"network", 0, CLI_OPT_STRING, "network", NULL, "Connect a container to a network"},                \
        {"network-alias", 0, CLI_OPT_LIST, "list", NULL, "Add network-scoped alias for the container"},     \
        {"ip", 0, CLI_OPT_STRING, "string", NULL, "IPv4 address (e.g., 172.30.100.104)"},                   \
        {"mac-address", 0, CLI_OPT_STRING, "string", NULL, "Container MAC address (e.g., 92:d0:c6:0a:29:33)"}, \
        {"no-healthcheck", 0, CLI_OPT_BOOL, NULL, NULL, "Disable any container-specified HEALTHCHECK"},     \
        {"pids-limit", 0, CLI_OPT_INT, NULL, NULL, "Tune container pids limit (set -1 for unlimited)"},     \
        {"privileged", 0, CLI_OPT_BOOL, NULL, NULL, "Give extended privileges to this container"},          \
        {"publish", 'p', CLI_OPT_LIST, "list", NULL, "Publish a container's port(s) to the host"},          \
        {"publish-all", 'P', CLI_OPT_BOOL, NULL, NULL, "Publish all exposed ports to random ports"},        \
        {"pull", 0, CLI_OPT_STRING, NULL, "missing",                                                        \
         "Pull image before running (\"always\", \"missing\", \"never\")"},                                 \
        {"read-only", 0, CLI_OPT_BOOL, NULL, NULL, "Mount the container's root filesystem as read only"},   \
        {"restart", 0, CLI_OPT_STRING, NULL, "no", "Restart policy to apply when a container exits"},       \
        {"rm", 0, CLI_OPT_BOOL, NULL, NULL, "Automatically remove the container when it exits"},            \
        {"runtime", 0, CLI_OPT_STRING, NULL, NULL, "Runtime to use for this container"},                    \
        {"security-opt", 0, CLI_OPT_LIST, "list", NULL, "Security Options"},                                \
        {"shm-size", 0, CLI_OPT_BYTES, NULL, NULL, "Size of /dev/shm"},                                     \
        {"stop-signal", 0, CLI_OPT_STRING, NULL, NULL, "Signal to stop the container"},                     \
        {"stop-timeout", 0, CLI_OPT_INT, NULL, NULL, "Timeout (in seconds) to stop a container"},           \
        {"sysctl", 0, CLI_OPT_LIST, "map", NULL, "Sysctl options"},                                         \
        {"tmpfs", 0, CLI_OPT_LIST, "list", NULL, "Mount a tmpfs directory"},                                \
        {"tty", 't', CLI_OPT_BOOL, NULL, NULL, "Allocate a pseudo-TTY"},                                    \
        {"ulimit", 0, CLI_OPT_LIST, "ulimit", NULL, "Ulimit options"},                                      \
        {"user", 'u', CLI_OPT_STRING, NULL, NULL, "Username or UID (format: <name|uid>[:<group|gid>])"},    \
        {"volume", 'v', CLI_OPT_LIST, "list", NULL, "Bind mount a volume"},                                 \
        {"workdir", 'w', CLI_OPT_STRING, NULL, NULL, "Working directory inside the container"}
/* clang-format on */

const struct cli_option container_run_options[] = {
    RUN_COMMON_OPTIONS,
    {"detach", 'd', CLI_OPT_BOOL, NULL, NULL, "Run container in background and print container ID"},
    {"sig-proxy", 0, CLI_OPT_BOOL, NULL, "true", "Proxy received signals to the process"},
    {NULL},
};

const struct cli_option container_create_options[] = {
    RUN_COMMON_OPTIONS,
    {NULL},
};

/* ---- flag values to JSON */

static int parse_env_file(const char *path, json_t *env, struct berth_error **err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        if (!f)
                return berth_err(err, errno, "open %s", path);
        while ((n = getline(&line, &cap, f)) >= 0) {
                char *l = line;
                while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
                        l[--n] = '\0';
                while (*l == ' ' || *l == '\t')
                        l++;
                if (!*l || *l == '#')
                        continue;
                /* A bare NAME takes the value from our environment (docker's env-file rule). */
                if (!strchr(l, '=')) {
                        const char *v = getenv(l);
                        if (v)
                                json_array_append_new(env, json_sprintf("%s=%s", l, v));
                        continue;
                }
                if (l[0] == '=')
                        return berth_err_msg(err, EINVAL, "invalid environment variable: %s", l);
                json_array_append_new(env, json_string(l));
        }
        return 0;
}

static void add_env(json_t *env, const char *e)
{
        const char *v;

        if (strchr(e, '=')) {
                json_array_append_new(env, json_string(e));
        } else if ((v = getenv(e))) {
                json_array_append_new(env, json_sprintf("%s=%s", e, v));
        }
}

static json_t *kv_object(char **list)
{
        json_t *o = json_object();

        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                _cleanup_free_ char *k = eq ? strndup(list[i], (size_t)(eq - list[i])) : xstrdup(list[i]);
                json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
        }
        return o;
}

static int go_duration_ns(const char *s, const char *flag, json_int_t *ret, struct berth_error **err)
{
        double d;

        if (engine_parse_duration(s, &d) < 0)
                return berth_err_msg(err, EINVAL,
                                     "invalid argument \"%s\" for \"--%s\" flag: time: invalid duration "
                                     "\"%s\"",
                                     s, flag, s);
        *ret = (json_int_t)(d * 1e9);
        return 0;
}

static int parse_healthcheck(struct cli_args *args, json_t *cfg, struct berth_error **err)
{
        static const char *const durs[] = {"health-interval", "health-timeout", "health-start-period"};
        static const char *const keys[] = {"Interval", "Timeout", "StartPeriod"};
        const char *cmd = cli_string(args, "health-cmd");
        bool any = cmd || cli_is_set(args, "health-retries");
        json_t *hc;

        for (size_t i = 0; i < 3; i++)
                any = any || cli_is_set(args, durs[i]);
        if (cli_bool(args, "no-healthcheck")) {
                if (any)
                        return berth_err_msg(err, EINVAL,
                                             "--no-healthcheck conflicts with --health-* options");
                json_object_set_new(cfg, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
                return 0;
        }
        if (!any)
                return 0;
        hc = json_object();
        json_object_set_new(cfg, "Healthcheck", hc);
        if (cmd)
                json_object_set_new(hc, "Test", json_pack("[s,s]", "CMD-SHELL", cmd));
        for (size_t i = 0; i < 3; i++) {
                json_int_t ns = 0;
                const char *v = cli_string(args, durs[i]);
                if (v && go_duration_ns(v, durs[i], &ns, err) < 0)
                        return -EINVAL;
                if (ns < 0)
                        return berth_err_msg(err, EINVAL, "--%s cannot be negative", durs[i]);
                json_object_set_new(hc, keys[i], json_integer(ns));
        }
        if (cli_int(args, "health-retries") < 0)
                return berth_err_msg(err, EINVAL, "--health-retries cannot be negative");
        json_object_set_new(hc, "Retries", json_integer(cli_int(args, "health-retries")));
        return 0;
}

/* "no", "always", "unless-stopped", "on-failure[:N]" (and berth's "on-unhealthy"). */
static int parse_restart(const char *s, json_t *hc, struct berth_error **err)
{
        const char *colon = strchr(s, ':');
        _cleanup_free_ char *name = colon ? strndup(s, (size_t)(colon - s)) : xstrdup(s);
        long max = 0;

        if (!streq(name, "no") && !streq(name, "always") && !streq(name, "unless-stopped") &&
            !streq(name, "on-failure") && !streq(name, "on-unhealthy") && !streq(name, ""))
                return berth_err_msg(err, EINVAL, "invalid restart policy '%s'", name);
        if (colon) {
                char *end;
                if (!streq(name, "on-failure"))
                        return berth_err_msg(err, EINVAL,
                                             "invalid restart policy format: maximum retry count "
                                             "can only be used with 'on-failure'");
                max = strtol(colon + 1, &end, 10);
                if (!colon[1] || *end || max < 0)
                        return berth_err_msg(err, EINVAL,
                                             "invalid restart policy format: maximum retry count "
                                             "must be an integer");
        }
        json_object_set_new(
            hc, "RestartPolicy",
            json_pack("{s:s,s:i}", "Name", streq(name, "") ? "no" : name, "MaximumRetryCount", (int)max));
        return 0;
}

/* --ulimit nofile=1024:2048 (a single value sets both). */
static int parse_ulimits(char **list, json_t *hc, struct berth_error **err)
{
        json_t *arr = json_array();

        json_object_set_new(hc, "Ulimits", arr);
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                char *end, *end2;
                long long soft, hard;
                if (!eq || eq == list[i])
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"--ulimit\" flag: invalid "
                                             "ulimit argument: %s",
                                             list[i], list[i]);
                soft = strtoll(eq + 1, &end, 10);
                hard = *end == ':' ? strtoll(end + 1, &end2, 10) : soft;
                if (end == eq + 1 || (*end && *end != ':') || (*end == ':' && *end2))
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"--ulimit\" flag: invalid "
                                             "ulimit argument: %s",
                                             list[i], list[i]);
                if (soft > hard && hard >= 0)
                        return berth_err_msg(err, EINVAL,
                                             "ulimit soft limit must be less than or equal to hard "
                                             "limit: %lld > %lld",
                                             soft, hard);
                json_array_append_new(arr,
                                      json_pack("{s:s%,s:I,s:I}", "Name", list[i], (size_t)(eq - list[i]),
                                                "Soft", (json_int_t)soft, "Hard", (json_int_t)hard));
        }
        return 0;
}

/* --device /dev/x[:/dev/y[:rwm]] */
static int parse_devices(char **list, json_t *hc, struct berth_error **err)
{
        json_t *arr = json_array();

        json_object_set_new(hc, "Devices", arr);
        for (size_t i = 0; list && list[i]; i++) {
                _cleanup_strv_ char **parts = NULL;
                _cleanup_free_ char *copy = xstrdup(list[i]);
                char *save = NULL;
                for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
                        parts = strv_push(parts, p);
                size_t n = strv_length(parts);
                const char *perm = "rwm", *dst;
                if (n == 0 || n > 3)
                        return berth_err_msg(err, EINVAL, "invalid device specification: %s", list[i]);
                dst = parts[0];
                if (n == 3) {
                        dst = parts[1];
                        perm = parts[2];
                } else if (n == 2) {
                        if (strspn(parts[1], "rwm") == strlen(parts[1]) && parts[1][0] != '/')
                                perm = parts[1];
                        else
                                dst = parts[1];
                }
                json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "PathOnHost", parts[0],
                                                     "PathInContainer", dst, "CgroupPermissions", perm));
        }
        return 0;
}

/* --mount type=bind,source=/a,target=/b,readonly  (docker's csv syntax) */
static int parse_mount(const char *spec, json_t *mounts, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(spec);
        json_t *m = json_pack("{s:s}", "Type", "volume");
        char *save = NULL;

        for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(f, '=');
                const char *v = eq ? eq + 1 : "true";
                if (eq)
                        *eq = '\0';
                if (streq(f, "type"))
                        json_object_set_new(m, "Type", json_string(v));
                else if (streq(f, "source") || streq(f, "src"))
                        json_object_set_new(m, "Source", json_string(v));
                else if (streq(f, "target") || streq(f, "destination") || streq(f, "dst"))
                        json_object_set_new(m, "Target", json_string(v));
                else if (streq(f, "readonly") || streq(f, "ro"))
                        json_object_set_new(m, "ReadOnly", json_boolean(streq(v, "true") || streq(v, "1")));
                else if (streq(f, "tmpfs-size")) {
                        int64_t sz;
                        if (units_ram_in_bytes(v, &sz, err) < 0) {
                                json_decref(m);
                                return -EINVAL;
                        }
                        json_object_set_new(m, "TmpfsOptions",
                                            json_pack("{s:I}", "SizeBytes", (json_int_t)sz));
                } else if (streq(f, "bind-propagation"))
                        json_object_set_new(m, "BindOptions", json_pack("{s:s}", "Propagation", v));
                else if (!streq(f, "consistency") && !streq(f, "volume-nocopy") && !streq(f, "tmpfs-mode")) {
                        json_decref(m);
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"--mount\" flag: "
                                             "unexpected key '%s' in '%s'",
                                             spec, f, f);
                }
        }
        if (!json_object_get(m, "Target")) {
                json_decref(m);
                return berth_err_msg(err, EINVAL,
                                     "invalid argument \"%s\" for \"--mount\" flag: target is "
                                     "required",
                                     spec);
        }
        json_array_append_new(mounts, m);
        return 0;
}

/* -p, with Docker's parser and messages (network/ports.c) -> PortBindings and ExposedPorts. */
static int parse_publish(char **list, json_t *cfg, json_t *hc, struct berth_error **err)
{
        json_t *pb = json_object(), *exposed = json_object_get(cfg, "ExposedPorts");
        struct port_list ports = { 0 };
        int r = 0;

        json_object_set_new(hc, "PortBindings", pb);
        for (size_t i = 0; list && list[i] && r >= 0; i++)
                r = port_parse_spec(list[i], &ports, err);
        for (size_t i = 0; r >= 0 && i < ports.n; i++) {
                const struct port_mapping *m = &ports.items[i];
                _cleanup_free_ char *key = xasprintf("%u/%s", m->container_port, port_proto_to_string(m->proto));
                char hp[16] = "";
                json_t *arr = json_object_get(pb, key);
                if (m->host_port_end > m->host_port)
                        snprintf(hp, sizeof(hp), "%u-%u", m->host_port, m->host_port_end);
                else if (m->host_port)
                        snprintf(hp, sizeof(hp), "%u", m->host_port);
                if (!arr)
                        json_object_set_new(pb, key, arr = json_array());
                json_array_append_new(arr, json_pack("{s:s,s:s}", "HostIp", m->host_ip, "HostPort", hp));
                json_object_set_new(exposed, key, json_object());
        }
        port_list_release(&ports);
        return r;
}

static int parse_resources(struct cli_args *args, json_t *hc, struct berth_error **err)
{
        const char *cpus = cli_string(args, "cpus"), *swap = cli_string(args, "memory-swap");

        json_object_set_new(hc, "Memory", json_integer(cli_int(args, "memory")));
        json_object_set_new(hc, "MemorySwap", json_integer(0));
        if (swap && *swap) {
                int64_t v = -1;
                if (!streq(swap, "-1") && units_ram_in_bytes(swap, &v, err) < 0)
                        return -EINVAL;
                json_object_set_new(hc, "MemorySwap", json_integer(v));
        }
        json_object_set_new(hc, "NanoCpus", json_integer(0));
        if (cpus && *cpus) {
                char *end;
                double v = strtod(cpus, &end);
                if (*end || v < 0)
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"--cpus\" flag: failed to "
                                             "parse %s as a rational number",
                                             cpus, cpus);
                json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(v * 1e9 + 0.5)));
        }
        json_object_set_new(hc, "CpuShares", json_integer(cli_int(args, "cpu-shares")));
        json_object_set_new(hc, "CpusetCpus", json_string(cli_string(args, "cpuset-cpus") ?: ""));
        if (cli_is_set(args, "pids-limit"))
                json_object_set_new(hc, "PidsLimit", json_integer(cli_int(args, "pids-limit")));
        json_object_set_new(hc, "ShmSize", json_integer(cli_int(args, "shm-size")));
        return 0;
}

/* -v SRC:DST[:OPTS] and -v DST (anonymous volume, in Config.Volumes). */
static int parse_volumes(char **list, json_t *cfg, json_t *hc, struct berth_error **err)
{
        json_t *binds = json_array(), *vols = json_object_get(cfg, "Volumes");

        json_object_set_new(hc, "Binds", binds);
        for (size_t i = 0; list && list[i]; i++) {
                const char *v = list[i];
                if (!*v)
                        return berth_err_msg(err, EINVAL, "invalid spec: : empty section between colons");
                if (!strchr(v, ':')) {
                        if (v[0] != '/')
                                return berth_err_msg(err, EINVAL, "invalid volume specification: '%s'", v);
                        json_object_set_new(vols, v, json_object());
                        continue;
                }
                json_array_append_new(binds, json_string(v));
        }
        return 0;
}

static int parse_attach(char **list, json_t *cfg, bool interactive, bool detach, struct berth_error **err)
{
        bool in = interactive, out = !detach, errs = !detach;

        if (list) {
                if (detach)
                        return berth_err_msg(err, EINVAL,
                                             "conflicting options: cannot specify both --attach "
                                             "and --detach");
                in = out = errs = false;
        }
        for (size_t i = 0; list && list[i]; i++) {
                if (strcasecmp(list[i], "stdin") == 0)
                        in = true;
                else if (strcasecmp(list[i], "stdout") == 0)
                        out = true;
                else if (strcasecmp(list[i], "stderr") == 0)
                        errs = true;
                else
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"-a, --attach\" flag: "
                                             "valid streams are STDIN, STDOUT and STDERR",
                                             list[i]);
        }
        json_object_set_new(cfg, "AttachStdin", json_boolean(in));
        json_object_set_new(cfg, "AttachStdout", json_boolean(out));
        json_object_set_new(cfg, "AttachStderr", json_boolean(errs));
        json_object_set_new(cfg, "OpenStdin", json_boolean(interactive));
        json_object_set_new(cfg, "StdinOnce", json_boolean(interactive && in && !detach));
        return 0;
}

static int parse_config(struct cli_args *args, bool detach, json_t *cfg, struct berth_error **err)
{
        char **argv = cli_argv(args), **list;
        const char *ep = cli_string(args, "entrypoint"), *s;
        json_t *env = json_array(), *cmd = json_array();
        int r;

        json_object_set_new(cfg, "Hostname", json_string(cli_string(args, "hostname") ?: ""));
        json_object_set_new(cfg, "Domainname", json_string(""));
        json_object_set_new(cfg, "User", json_string(cli_string(args, "user") ?: ""));
        r = parse_attach(cli_list(args, "attach"), cfg, cli_bool(args, "interactive"), detach, err);
        if (r < 0)
                return r;
        json_object_set_new(cfg, "Tty", json_boolean(cli_bool(args, "tty")));
        json_object_set_new(cfg, "ExposedPorts", json_object());
        list = cli_list(args, "expose");
        for (size_t i = 0; list && list[i]; i++) {
                _cleanup_free_ char *key =
                    strchr(list[i], '/') ? xstrdup(list[i]) : xasprintf("%s/tcp", list[i]);
                json_object_set_new(json_object_get(cfg, "ExposedPorts"), key, json_object());
        }
        list = cli_list(args, "env-file");
        for (size_t i = 0; list && list[i]; i++)
                if ((r = parse_env_file(list[i], env, err)) < 0) {
                        json_decref(env);
                        json_decref(cmd);
                        return r;
                }
        list = cli_list(args, "env");
        for (size_t i = 0; list && list[i]; i++)
                add_env(env, list[i]);
        json_object_set_new(cfg, "Env", env);
        for (size_t i = 1; argv[i]; i++)
                json_array_append_new(cmd, json_string(argv[i]));
        json_object_set_new(cfg, "Cmd", json_array_size(cmd) ? cmd : (json_decref(cmd), json_null()));
        json_object_set_new(cfg, "Image", json_string(argv[0]));
        json_object_set_new(cfg, "Volumes", json_object());
        json_object_set_new(cfg, "WorkingDir", json_string(cli_string(args, "workdir") ?: ""));
        /* --entrypoint "" resets the image's; docker sends [""] for that. */
        if (ep)
                json_object_set_new(cfg, "Entrypoint", *ep ? json_pack("[s]", ep) : json_pack("[s]", ""));
        json_object_set_new(cfg, "Labels", kv_object(cli_list(args, "label")));
        if ((s = cli_string(args, "stop-signal")))
                json_object_set_new(cfg, "StopSignal", json_string(s));
        if (cli_is_set(args, "stop-timeout"))
                json_object_set_new(cfg, "StopTimeout", json_integer(cli_int(args, "stop-timeout")));
        return parse_healthcheck(args, cfg, err);
}

static json_t *strv_json(char **list)
{
        json_t *a = json_array();

        for (size_t i = 0; list && list[i]; i++)
                json_array_append_new(a, json_string(list[i]));
        return a;
}

/*
 * --network, --ip, --network-alias: HostConfig.NetworkMode and Docker's NetworkingConfig (carried in
 * HostConfig to container_create, which checks the network exists).
 */
static int parse_network(struct cli_args *args, json_t *cfg, json_t *hc, struct berth_error **err)
{
        const char *net = cli_string(args, "network"), *ip = cli_string(args, "ip");
        const char *mac = cli_string(args, "mac-address");
        char **aliases = cli_list(args, "network-alias");
        json_t *ep = json_object();

        (void)err;
        if (!net || !*net || streq(net, "default"))
                net = "bridge";
        json_object_set_new(hc, "NetworkMode", json_string(net));
        if (ip && *ip)
                json_object_set_new(ep, "IPAMConfig", json_pack("{s:s}", "IPv4Address", ip));
        if (aliases && aliases[0])
                json_object_set_new(ep, "Aliases", strv_json(aliases));
        if (json_object_size(ep))
                json_object_set_new(hc, "NetworkingConfig", json_pack("{s:{s:o}}", "EndpointsConfig", net, ep));
        else
                json_decref(ep);
        if (mac && *mac)
                json_object_set_new(cfg, "MacAddress", json_string(mac));
        return 0;
}


static int parse_host_config(struct cli_args *args, json_t *cfg, json_t *hc, struct berth_error **err)
{
        char **tmpfs = cli_list(args, "tmpfs"), **mounts = cli_list(args, "mount"), **logopt;
        json_t *tm = json_object(), *ma = json_array();
        int r;

        if ((r = parse_volumes(cli_list(args, "volume"), cfg, hc, err)) < 0 ||
            (r = parse_network(args, cfg, hc, err)) < 0 ||
            (r = parse_publish(cli_list(args, "publish"), cfg, hc, err)) < 0 ||
            (r = parse_restart(cli_string(args, "restart"), hc, err)) < 0 ||
            (r = parse_resources(args, hc, err)) < 0 ||
            (r = parse_ulimits(cli_list(args, "ulimit"), hc, err)) < 0 ||
            (r = parse_devices(cli_list(args, "device"), hc, err)) < 0) {
                json_decref(tm);
                json_decref(ma);
                return r;
        }
        json_object_set_new(hc, "PublishAllPorts", json_boolean(cli_bool(args, "publish-all")));
        logopt = cli_list(args, "log-opt");
        json_object_set_new(hc, "LogConfig",
                            json_pack("{s:s,s:o}", "Type", cli_string(args, "log-driver") ?: "json-file",
                                      "Config", kv_object(logopt)));
        json_object_set_new(hc, "AutoRemove", json_boolean(cli_bool(args, "rm")));
        json_object_set_new(hc, "CapAdd", strv_json(cli_list(args, "cap-add")));
        json_object_set_new(hc, "CapDrop", strv_json(cli_list(args, "cap-drop")));
        json_object_set_new(hc, "Dns", strv_json(cli_list(args, "dns")));
        json_object_set_new(hc, "ExtraHosts", strv_json(cli_list(args, "add-host")));
        json_object_set_new(hc, "GroupAdd", strv_json(cli_list(args, "group-add")));
        json_object_set_new(hc, "Privileged", json_boolean(cli_bool(args, "privileged")));
        json_object_set_new(hc, "ReadonlyRootfs", json_boolean(cli_bool(args, "read-only")));
        json_object_set_new(hc, "SecurityOpt", strv_json(cli_list(args, "security-opt")));
        for (size_t i = 0; tmpfs && tmpfs[i]; i++) {
                const char *colon = strchr(tmpfs[i], ':');
                _cleanup_free_ char *k =
                    colon ? strndup(tmpfs[i], (size_t)(colon - tmpfs[i])) : xstrdup(tmpfs[i]);
                json_object_set_new(tm, k, json_string(colon ? colon + 1 : ""));
        }
        json_object_set_new(hc, "Tmpfs", tm);
        for (size_t i = 0; mounts && mounts[i]; i++)
                if ((r = parse_mount(mounts[i], ma, err)) < 0) {
                        json_decref(ma);
                        return r;
                }
        json_object_set_new(hc, "Mounts", ma);
        json_object_set_new(hc, "Sysctls", kv_object(cli_list(args, "sysctl")));
        json_object_set_new(hc, "Runtime", json_string(cli_string(args, "runtime") ?: "berth"));
        if (cli_bool(args, "init"))
                json_object_set_new(hc, "Init", json_true());
        return 0;
}

/* ---- image: local, built in, or (not yet) pulled */

/* *ret: the image, looked up once and handed on to container_create_with_image. */
static int ensure_image(struct store *s, const char *name, const char *pull, struct image **ret,
                        struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_free_ char *shown = NULL;
        int r;

        if (!streq(pull, "missing") && !streq(pull, "always") && !streq(pull, "never"))
                return berth_err_msg(err, EINVAL,
                                     "invalid pull option: '%s': must be one of \"always\", "
                                     "\"missing\" or \"never\"",
                                     pull);
        r = engine_image_lookup(s, name, &img, err);
        if (r != -ENOENT) {
                *ret = TAKE_PTR(img);
                return r;
        }
        berth_error_freep(err);
        r = builtin_image_ensure(s, name, err);
        if (r < 0)
                return r;
        if (r > 0 || streq(pull, "never"))
                return engine_image_lookup(s, name, ret, err);
        if (image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &ref, NULL) < 0)
                return berth_err_msg(err, EINVAL, "invalid reference format");
        shown = image_ref_familiar_string(ref);
        fprintf(stderr, "Unable to find image '%s' locally\n", shown);
        /* No registry client yet: what docker says when the registry has no such repository. */
        return berth_err_msg(err, ENOENT,
                             "pull access denied for %.*s, repository does not exist or may "
                             "require 'berth login'",
                             (int)strcspn(shown, ":@"), shown);
}

/* ---- create and run */

/* *ret_img (may be NULL): the image, for the start that follows (no second lookup). */
static int create_container(struct cli_context *ctx, struct cli_args *args, bool detach,
                            struct store **ret_s, struct container **ret_c, struct image **ret_img)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *cfg = json_object(), *hc = json_object();
        _cleanup_store_ struct store *s = NULL;
        _cleanup_image_ struct image *img = NULL;
        const char *name = cli_string(args, "name");
        int r;

        r = parse_config(args, detach, cfg, &err);
        if (r == 0)
                r = parse_host_config(args, cfg, hc, &err);
        if (r == 0)
                r = engine_store_open(ctx, &s, &err);
        if (r == 0)
                r = ensure_image(s, cli_argv(args)[0], cli_string(args, "pull"), &img, &err);
        if (r == 0)
                r = container_create_with_image(s, img, cfg, hc, name && *name ? name : NULL, ret_c, &err);
        if (r < 0)
                return cli_fail(ctx, err);
        *ret_s = TAKE_PTR(s);
        if (ret_img)
                *ret_img = TAKE_PTR(img);
        return 0;
}

int cmd_container_create(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        int r = create_container(ctx, args, true, &s, &c, NULL);

        if (r)
                return r;
        printf("%s\n", c->id);
        return CLI_EXIT_OK;
}

static void remove_quietly(struct store *s, struct container *c)
{
        int fd = -1;

        if (container_lock(s, c->id, &fd, NULL) == 0) {
                (void)container_delete(s, c, NULL);
                container_unlock(fd);
        }
}

int cmd_container_run(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_image_ struct image *img = NULL;
        bool detach = cli_bool(args, "detach");
        json_t *cfg;
        int r;

        r = create_container(ctx, args, detach, &s, &c, &img);
        if (r)
                return r;
        if (detach) {
                r = container_start(
                    s, c,
                    &(struct container_start_options){.interactive = cli_bool(args, "interactive"), .image = img},
                    &err);
                if (r < 0) {
                        fprintf(stderr, "berth: %s\n", err->msg);
                        if (cli_bool(args, "rm"))
                                remove_quietly(s, c);
                        return ctr_start_error_status(err);
                }
                printf("%s\n", c->id);
                return CLI_EXIT_OK;
        }
        cfg = json_object_get(c->record, "Config");
        return ctr_start_attached(ctx, s, c, json_is_true(json_object_get(cfg, "AttachStdin")),
                                  json_is_true(json_object_get(cfg, "AttachStdout")),
                                  json_is_true(json_object_get(cfg, "AttachStderr")),
                                  cli_bool(args, "sig-proxy"), img);
}
