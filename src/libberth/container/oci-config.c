/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container record (Docker's Config + HostConfig) to the OCI config.json
 * the runtime runs, with Docker's defaults. The process part (argv, env,
 * user, rlimits) and the linux part (namespaces, paths, resources) live
 * here; mounts, capabilities, seccomp and devices in oci-config-*.c.
 */
#include "container/oci-config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/companion.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "container/container-net-internal.h"
#include "container/oci-config-internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ETC_FILE_MAX (4u << 20)
#define CGROUP2_MAGIC 0x63677270

const char *hc_string(json_t *hc, const char *key)
{
        return json_string_value(json_object_get(hc, key));
}

long long hc_int(json_t *hc, const char *key)
{
        return json_integer_value(json_object_get(hc, key));
}

bool hc_bool(json_t *hc, const char *key)
{
        return json_is_true(json_object_get(hc, key));
}

/* ---- user and groups, from the container's /etc/passwd and /etc/group ---- */

static char *read_etc(int rootfs_fd, const char *path)
{
        _cleanup_close_ int pfd = -EBADF;
        _cleanup_free_ char *proc = NULL;
        char *text = NULL;
        struct stat st;

        /* Resolved inside the rootfs: an image's symlinked /etc/passwd cannot point at the host's. */
        if (chase_at(rootfs_fd, path, 0, &pfd, NULL) < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
                return NULL; /* and a fifo there would block us */
        proc = xasprintf("/proc/self/fd/%d", pfd);
        if (read_file_at(AT_FDCWD, proc, ETC_FILE_MAX, &text, NULL, NULL) < 0)
                return NULL;
        return text;
}

static bool parse_id(const char *s, unsigned long *ret)
{
        char *end;
        unsigned long v;

        if (!*s || strspn(s, "0123456789") != strlen(s))
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || v > 0xfffffffeUL)
                return false;
        *ret = v;
        return true;
}

/* Finds a line of a colon file whose field 0 (name) or field 2 (id) matches; returns its fields. */
static char **colon_find(const char *text, const char *name, const unsigned long *id)
{
        _cleanup_free_ char *copy = xstrdup(text ? text : "");
        char *save = NULL;

        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char **f = NULL, *p = line, *c;
                unsigned long v;
                for (;;) {
                        c = strchr(p, ':');
                        if (c)
                                *c = '\0';
                        f = strv_push(f, p);
                        if (!c)
                                break;
                        p = c + 1;
                }
                if (strv_length(f) >= 3 && ((name && streq(f[0], name)) ||
                                            (id && parse_id(f[2], &v) && v == *id)))
                        return f;
                strv_free(f);
        }
        return NULL;
}

struct user {
        unsigned long uid, gid;
        char *name; /* NULL when the uid has no passwd entry */
        char *home;
        json_t *gids;
};

static int group_resolve(const char *group_text, const char *g, unsigned long *ret, struct berth_error **err)
{
        _cleanup_strv_ char **f = NULL;

        if (parse_id(g, ret))
                return 0;
        f = colon_find(group_text, g, NULL);
        if (!f || !parse_id(f[2], ret))
                return berth_err_msg(err, EINVAL, "unable to find group %s: no matching entries in group file", g);
        return 0;
}

/* Config.User: "", "uid", "name", "uid:gid", "name:group", ... as runc's user lookup resolves them. */
static int user_resolve(struct oci_build *b, struct user *u, struct berth_error **err)
{
        const char *spec = json_string_value(json_object_get(b->config, "User"));
        _cleanup_free_ char *passwd = read_etc(b->rootfs_fd, "/etc/passwd"), *group = read_etc(b->rootfs_fd, "/etc/group");
        _cleanup_free_ char *user = xstrdup(spec && *spec ? spec : "0"), *grp = NULL;
        _cleanup_strv_ char **pw = NULL;
        char *colon = strchr(user, ':');
        json_t *v;
        size_t i;
        int r;

        if (colon) {
                *colon = '\0';
                grp = xstrdup(colon + 1);
        }
        u->gids = json_array();
        if (parse_id(user, &u->uid)) {
                pw = colon_find(passwd, NULL, &u->uid);
        } else {
                pw = colon_find(passwd, user, NULL);
                if (!pw || !parse_id(pw[2], &u->uid))
                        return berth_err_msg(err, EINVAL, "unable to find user %s: no matching entries in passwd file",
                                             user);
        }
        u->gid = 0;
        if (pw && strv_length(pw) >= 4)
                (void)parse_id(pw[3], &u->gid);
        u->name = pw ? xstrdup(pw[0]) : NULL;
        u->home = xstrdup(pw && strv_length(pw) >= 6 && *pw[5] ? pw[5] : "/");
        if (grp && (r = group_resolve(group, grp, &u->gid, err)) < 0)
                return r;
        /* Supplementary groups: the user's memberships (unless a group was named), then --group-add. */
        if (u->name && !grp && group) {
                _cleanup_free_ char *copy = xstrdup(group);
                char *save = NULL;
                for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        char *members = strrchr(line, ':'), *s2 = NULL, *gidf;
                        unsigned long g;
                        if (!members || !(gidf = strchr(line, ':')) || !(gidf = strchr(gidf + 1, ':')))
                                continue;
                        *members++ = '\0';
                        if (!parse_id(gidf + 1, &g) || g == u->gid)
                                continue;
                        for (char *m = strtok_r(members, ",", &s2); m; m = strtok_r(NULL, ",", &s2))
                                if (streq(m, u->name))
                                        json_array_append_new(u->gids, json_integer((json_int_t)g));
                }
        }
        json_array_foreach (json_object_get(b->host_config, "GroupAdd"), i, v) {
                unsigned long g;
                if (!json_string_value(v))
                        continue;
                if ((r = group_resolve(group, json_string_value(v), &g, err)) < 0)
                        return r;
                json_array_append_new(u->gids, json_integer((json_int_t)g));
        }
        return 0;
}

static void user_release(struct user *u)
{
        free(u->name);
        free(u->home);
        json_decref(u->gids);
}

/* ---- process ---- */

static void env_set(json_t *env, const char *kv)
{
        size_t klen = strcspn(kv, "="), i;
        json_t *v;

        json_array_foreach (env, i, v) {
                const char *o = json_string_value(v);
                if (o && strncmp(o, kv, klen) == 0 && (o[klen] == '=' || !o[klen])) {
                        json_array_set_new(env, i, json_string(kv));
                        return;
                }
        }
        json_array_append_new(env, json_string(kv));
}

static bool env_has(json_t *env, const char *key)
{
        size_t klen = strlen(key), i;
        json_t *v;

        json_array_foreach (env, i, v) {
                const char *o = json_string_value(v);
                if (o && strncmp(o, key, klen) == 0 && o[klen] == '=')
                        return true;
        }
        return false;
}

/* Docker's order: PATH, HOSTNAME, TERM (with -t), then Config.Env replacing or adding; HOME from passwd. */
static json_t *process_env(struct oci_build *b, const struct user *u)
{
        json_t *env = json_array(), *v;
        const char *host = json_string_value(json_object_get(b->config, "Hostname"));
        size_t i;

        json_array_append_new(env, json_string(DEFAULT_PATH));
        json_array_append_new(env, json_sprintf("HOSTNAME=%s", host ? host : ""));
        if (json_is_true(json_object_get(b->config, "Tty")))
                json_array_append_new(env, json_string("TERM=xterm"));
        json_array_foreach (json_object_get(b->config, "Env"), i, v)
                if (json_string_value(v) && strchr(json_string_value(v), '='))
                        env_set(env, json_string_value(v));
        if (!env_has(env, "HOME"))
                json_array_append_new(env, json_sprintf("HOME=%s", u->home));
        return env;
}

static const char *const rlimit_names[] = { "cpu",   "fsize",  "data",   "stack", "core",   "rss",
                                            "nproc", "nofile", "memlock", "as",   "locks", "sigpending",
                                            "msgqueue", "nice", "rtprio", "rttime" };

static int process_rlimits(struct oci_build *b, json_t *process, struct berth_error **err)
{
        json_t *arr = json_array(), *v;
        size_t i;

        json_array_foreach (json_object_get(b->host_config, "Ulimits"), i, v) {
                const char *name = json_string_value(json_object_get(v, "Name"));
                _cleanup_free_ char *type = NULL;
                size_t k;
                for (k = 0; name && k < ARRAY_SIZE(rlimit_names); k++)
                        if (strcasecmp(name, rlimit_names[k]) == 0)
                                break;
                if (!name || k == ARRAY_SIZE(rlimit_names)) {
                        json_decref(arr);
                        return berth_err_msg(err, EINVAL, "invalid ulimit type: %s", name ? name : "");
                }
                type = xasprintf("RLIMIT_%s", rlimit_names[k]);
                for (char *p = type; *p; p++)
                        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
                json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "type", type, "soft",
                                                     json_integer_value(json_object_get(v, "Soft")), "hard",
                                                     json_integer_value(json_object_get(v, "Hard"))));
        }
        /* No default rlimits: the container inherits ours (root here cannot raise a hard limit). */
        if (json_array_size(arr))
                json_object_set_new(process, "rlimits", arr);
        else
                json_decref(arr);
        return 0;
}

static bool no_new_privileges(json_t *hc)
{
        json_t *v;
        size_t i;
        bool on = false;

        json_array_foreach (json_object_get(hc, "SecurityOpt"), i, v) {
                const char *o = json_string_value(v);
                if (!o || strncmp(o, "no-new-privileges", 17) != 0)
                        continue;
                if (!o[17])
                        on = true;
                else if (o[17] == ':' || o[17] == '=')
                        on = streq(o + 18, "true") || streq(o + 18, "1");
        }
        return on;
}

static int build_process(struct oci_build *b, json_t *spec, struct berth_error **err)
{
        json_t *args = json_array(), *v, *process;
        const char *wd = json_string_value(json_object_get(b->config, "WorkingDir"));
        struct user u = { 0 };
        size_t i;
        int r;

        r = user_resolve(b, &u, err);
        if (r < 0) {
                user_release(&u);
                json_decref(args);
                return r;
        }
        json_array_append(args, json_object_get(b->c->record, "Path"));
        json_array_foreach (json_object_get(b->c->record, "Args"), i, v)
                json_array_append(args, v);
        process = json_pack("{s:b,s:{s:I,s:I},s:o,s:o,s:s}", "terminal",
                            json_is_true(json_object_get(b->config, "Tty")), "user", "uid", (json_int_t)u.uid, "gid",
                            (json_int_t)u.gid, "args", args, "env", process_env(b, &u), "cwd", wd && *wd ? wd : "/");
        if (json_array_size(u.gids))
                json_object_set(json_object_get(process, "user"), "additionalGids", u.gids);
        user_release(&u);
        json_object_set_new(spec, "process", process);
        if (no_new_privileges(b->host_config))
                json_object_set_new(process, "noNewPrivileges", json_true());
        if (hc_int(b->host_config, "OomScoreAdj"))
                json_object_set_new(process, "oomScoreAdj", json_integer(hc_int(b->host_config, "OomScoreAdj")));
        if ((r = process_rlimits(b, process, err)) < 0)
                return r;
        return oci_config_caps(b, process, err);
}

/* ---- linux ---- */

static bool cgroup_unified(void)
{
        struct statfs sfs;
        return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_MAGIC;
}

static void build_namespaces(struct oci_build *b, json_t *linux_, const char *netns)
{
        json_t *ns = json_array();
        const char *pid = hc_string(b->host_config, "PidMode"), *ipc = hc_string(b->host_config, "IpcMode");
        const char *uts = hc_string(b->host_config, "UTSMode"), *cg = hc_string(b->host_config, "CgroupnsMode");

        if (!pid || !streq(pid, "host"))
                json_array_append_new(ns, json_pack("{s:s}", "type", "pid"));
        if (!ipc || !streq(ipc, "host"))
                json_array_append_new(ns, json_pack("{s:s}", "type", "ipc"));
        if (!uts || !streq(uts, "host"))
                json_array_append_new(ns, json_pack("{s:s}", "type", "uts"));
        json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
        if (netns)
                /* Made and plugged in by container-net.c before the runtime runs, or another container's:
                 * joined, not created. */
                json_array_append_new(ns, json_pack("{s:s,s:s}", "type", "network", "path", netns));
        else if (!b->host_network)
                json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
        /* Docker's default: a private cgroup namespace on cgroup v2, the host's on v1 (and hybrid). */
        if (cg && *cg ? streq(cg, "private") : cgroup_unified())
                json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
        json_object_set_new(linux_, "namespaces", ns);
}

static bool swap_limit_supported(void)
{
        return cgroup_unified() ? access("/sys/fs/cgroup/memory.swap.max", F_OK) == 0 ||
                                          access("/sys/fs/cgroup/init.scope/memory.swap.max", F_OK) == 0 ||
                                          access("/sys/fs/cgroup/system.slice/memory.swap.max", F_OK) == 0
                                : access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
}

static int build_resources(struct oci_build *b, json_t *linux_, struct berth_error **err)
{
        json_t *hc = b->host_config, *res = json_object(), *mem = json_object(), *cpu = json_object();
        long long memory = hc_int(hc, "Memory"), swap = hc_int(hc, "MemorySwap"), nano = hc_int(hc, "NanoCpus");
        const char *cpus = hc_string(hc, "CpusetCpus"), *mems = hc_string(hc, "CpusetMems");

        json_object_set_new(linux_, "resources", res);
        if (memory > 0)
                json_object_set_new(mem, "limit", json_integer(memory));
        if (hc_int(hc, "MemoryReservation") > 0)
                json_object_set_new(mem, "reservation", json_integer(hc_int(hc, "MemoryReservation")));
        /* Docker: swap defaults to as much again as the memory limit; -1 is unlimited. */
        if (memory > 0 && swap_limit_supported()) {
                if (swap == 0)
                        swap = memory * 2;
                json_object_set_new(mem, "swap", json_integer(swap < 0 ? -1 : swap));
        }
        if (json_object_size(mem))
                json_object_set_new(res, "memory", mem);
        else
                json_decref(mem);
        if (nano > 0 && (hc_int(hc, "CpuQuota") > 0 || hc_int(hc, "CpuPeriod") > 0)) {
                json_decref(cpu);
                return berth_err_msg(err, EINVAL,
                                     "Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (nano > 0) {
                json_object_set_new(cpu, "period", json_integer(100000));
                json_object_set_new(cpu, "quota", json_integer(nano * 100000 / 1000000000LL));
        }
        if (hc_int(hc, "CpuQuota") > 0)
                json_object_set_new(cpu, "quota", json_integer(hc_int(hc, "CpuQuota")));
        if (hc_int(hc, "CpuPeriod") > 0)
                json_object_set_new(cpu, "period", json_integer(hc_int(hc, "CpuPeriod")));
        if (hc_int(hc, "CpuShares") > 0)
                json_object_set_new(cpu, "shares", json_integer(hc_int(hc, "CpuShares")));
        if (cpus && *cpus)
                json_object_set_new(cpu, "cpus", json_string(cpus));
        if (mems && *mems)
                json_object_set_new(cpu, "mems", json_string(mems));
        if (json_object_size(cpu))
                json_object_set_new(res, "cpu", cpu);
        else
                json_decref(cpu);
        if (hc_int(hc, "PidsLimit") > 0)
                json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)hc_int(hc, "PidsLimit")));
        if (hc_int(hc, "BlkioWeight") > 0)
                json_object_set_new(res, "blockIO", json_pack("{s:I}", "weight", (json_int_t)hc_int(hc, "BlkioWeight")));
        return oci_config_devices(b, linux_, res, err);
}

static const char *const masked_paths[] = {
        "/proc/asound",       "/proc/acpi",        "/proc/interrupts", "/proc/kcore",
        "/proc/keys",         "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug",  "/proc/scsi",        "/sys/firmware",    "/sys/devices/virtual/powercap",
};
static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_t *str_array(const char *const *v, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

static int build_linux(struct oci_build *b, json_t *spec, struct berth_error **err)
{
        json_t *linux_ = json_object(), *sysctl = json_object_get(b->host_config, "Sysctls");
        const char *host = json_string_value(json_object_get(b->config, "Hostname"));
        const char *domain = json_string_value(json_object_get(b->config, "Domainname"));

        _cleanup_free_ char *netns = NULL;
        int r = container_net_join_path(b->store, b->c, &netns, err);

        if (r < 0) {
                json_decref(linux_);
                return r;
        }
        json_object_set_new(spec, "linux", linux_);
        build_namespaces(b, linux_, netns);
        if (host && *host)
                json_object_set_new(spec, "hostname", json_string(host));
        if (domain && *domain)
                json_object_set_new(spec, "domainname", json_string(domain));
        if (!b->privileged) {
                json_object_set_new(linux_, "maskedPaths", str_array(masked_paths, ARRAY_SIZE(masked_paths)));
                json_object_set_new(linux_, "readonlyPaths", str_array(readonly_paths, ARRAY_SIZE(readonly_paths)));
        }
        if (json_is_object(sysctl) && json_object_size(sysctl))
                json_object_set(linux_, "sysctl", sysctl);
        json_object_set_new(linux_, "cgroupsPath", json_sprintf("/berth/%s", b->c->id));
        return build_resources(b, linux_, err);
}

/* ---- the whole ---- */

static void host_network_hostname(struct oci_build *b)
{
        char host[256];
        const char *h = json_string_value(json_object_get(b->config, "Hostname"));

        /* Docker: with the host's network the container is named as the host, unless -h said otherwise. */
        if (!b->host_network || (h && strncmp(h, b->c->id, strlen(h)) != 0))
                return;
        if (gethostname(host, sizeof(host)) == 0) {
                host[sizeof(host) - 1] = '\0';
                json_object_set_new(b->config, "Hostname", json_string(host));
        }
}

/*
 * ---- --init (HostConfig.Init): berth-init as PID 1, Docker's docker-init way ----
 * The static binary is bind-mounted read-only at /sbin/berth-init and put in
 * front of the args. Found through $BERTH_INIT, else next to the running
 * executable (installed side by side, or the build tree).
 */
#define BERTH_INIT_PATH "/sbin/berth-init"

static int add_init(struct oci_build *b, json_t *spec, struct berth_error **err)
{
        json_t *args = json_object_get(json_object_get(spec, "process"), "args");
        _cleanup_free_ char *path = NULL;

        if (!hc_bool(b->host_config, "Init"))
                return 0;
        path = companion_find("berth-init", "BERTH_INIT");
        if (!path)
                return berth_err_msg(err, ENOENT, "--init: berth-init not found next to the berth binary "
                                                  "(set BERTH_INIT)");
        json_array_append_new(json_object_get(spec, "mounts"),
                              json_pack("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", BERTH_INIT_PATH, "type",
                                        "bind", "source", path, "options", "bind", "ro", "nosuid", "nodev"));
        json_array_insert_new(args, 0, json_string("--"));
        json_array_insert_new(args, 0, json_string(BERTH_INIT_PATH));
        return 0;
}

static int build(struct oci_build *b, json_t **ret, struct berth_error **err)
{
        json_t *spec = json_pack("{s:s,s:{s:s,s:b}}", "ociVersion", "1.0.2-dev", "root", "path", "rootfs",
                                 "readonly", hc_bool(b->host_config, "ReadonlyRootfs"));
        int r;

        host_network_hostname(b);
        if ((r = build_process(b, spec, err)) < 0 || (r = build_linux(b, spec, err)) < 0 ||
            (r = container_etc_files_write(b, err)) < 0 || (r = oci_config_mounts(b, spec, err)) < 0 ||
            (r = oci_config_seccomp(b, spec, err)) < 0 || (r = add_init(b, spec, err)) < 0) {
                json_decref(spec);
                return r;
        }
        /* The sysfs of a privileged container is writable, so is its cgroupfs (set in the mounts). */
        *ret = spec;
        return 0;
}

int container_oci_config(struct store *s, struct container *c, struct image *img, json_t **ret,
                         struct berth_error **err)
{
        _cleanup_free_ char *dir = container_dir(s, c->id), *rootfs = NULL, *path = NULL, *text = NULL;
        const char *net;
        json_t *spec = NULL;
        struct oci_build b = {
                .store = s,
                .c = c,
                .img = img,
                .config = json_object_get(c->record, "Config"),
                .host_config = json_object_get(c->record, "HostConfig"),
                .dir = dir,
                .rootfs_fd = -EBADF,
        };
        int r;

        if (!json_is_object(b.config) || !json_is_object(b.host_config))
                return berth_err_msg(err, EBADMSG, "container %s: record without Config or HostConfig", c->id);
        net = hc_string(b.host_config, "NetworkMode");
        b.host_network = net && streq(net, "host");
        b.privileged = hc_bool(b.host_config, "Privileged");
        /* The image's /etc/passwd and VOLUME contents are read through the mounted overlay. */
        r = container_rootfs_mount(s, c, img, err);
        if (r < 0)
                return r;
        rootfs = xasprintf("%s/rootfs", dir);
        b.rootfs_fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (b.rootfs_fd < 0)
                return berth_err(err, errno, "open `%s`", rootfs);
        r = build(&b, &spec, err);
        close(b.rootfs_fd);
        if (r < 0)
                return berth_err_prefix(err, "container %.12s", c->id);
        /* No fsync (fs-util.h): config.json is built again at every start. */
        text = json_dumps(spec, JSON_COMPACT);
        if (!text)
                oom();
        path = xasprintf("%s/config.json", dir);
        r = write_file_volatile_at(AT_FDCWD, path, text, strlen(text), 0600, err);
        if (r >= 0)
                r = container_save(s, c, err);
        if (r < 0) {
                json_decref(spec);
                return r;
        }
        if (ret)
                *ret = spec;
        else
                json_decref(spec);
        return 0;
}
