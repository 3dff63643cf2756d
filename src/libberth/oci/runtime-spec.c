/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/runtime-spec.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/missing.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "oci/caps-table.h"

/* config.json is untrusted input: bounded like every other (STYLE.md B5). */
#define OCI_SPEC_MAX_SIZE (4u << 20)

static const struct {
        const char *name;
        int flag;
        const char *proc;
} ns_table[_OCI_NS_MAX] = {
        [OCI_NS_PID] = { "pid", CLONE_NEWPID, "pid" },
        [OCI_NS_NETWORK] = { "network", CLONE_NEWNET, "net" },
        [OCI_NS_MOUNT] = { "mount", CLONE_NEWNS, "mnt" },
        [OCI_NS_IPC] = { "ipc", CLONE_NEWIPC, "ipc" },
        [OCI_NS_UTS] = { "uts", CLONE_NEWUTS, "uts" },
        [OCI_NS_USER] = { "user", CLONE_NEWUSER, "user" },
        [OCI_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP, "cgroup" },
        [OCI_NS_TIME] = { "time", CLONE_NEWTIME, "time" },
};

int oci_ns_type_from_string(const char *s)
{
        for (int i = 0; i < _OCI_NS_MAX; i++)
                if (streq(ns_table[i].name, s))
                        return i;
        return -EINVAL;
}

const char *oci_ns_type_to_string(int t)
{
        return t >= 0 && t < _OCI_NS_MAX ? ns_table[t].name : NULL;
}

int oci_ns_clone_flag(int t)
{
        return ns_table[t].flag;
}

const char *oci_ns_proc_name(int t)
{
        return ns_table[t].proc;
}

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        { "RLIMIT_AS", RLIMIT_AS },         { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },       { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },   { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int oci_rlimit_from_string(const char *s)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (streq(rlimit_table[i].name, s))
                        return rlimit_table[i].resource;
        return -EINVAL;
}

int oci_cap_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(oci_cap_names); i++)
                if (oci_cap_names[i] && strcasecmp(oci_cap_names[i], name) == 0)
                        return (int)i;
        return -EINVAL;
}

/* Docker's and runc spec's default set: what a container gets unless told otherwise. */
uint64_t oci_caps_default_set(void)
{
        static const int def[] = { CAP_CHOWN_, CAP_DAC_OVERRIDE_, CAP_FSETID_, CAP_FOWNER_, CAP_MKNOD_,
                                   CAP_NET_RAW_, CAP_SETGID_, CAP_SETUID_, CAP_SETFCAP_, CAP_SETPCAP_,
                                   CAP_NET_BIND_SERVICE_, CAP_SYS_CHROOT_, CAP_KILL_, CAP_AUDIT_WRITE_ };
        uint64_t m = 0;
        for (size_t i = 0; i < ARRAY_SIZE(def); i++)
                m |= 1ULL << def[i];
        return m;
}

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} mount_flag_table[] = {
        { "ro", false, MS_RDONLY },          { "rw", true, MS_RDONLY },
        { "nosuid", false, MS_NOSUID },      { "suid", true, MS_NOSUID },
        { "nodev", false, MS_NODEV },        { "dev", true, MS_NODEV },
        { "noexec", false, MS_NOEXEC },      { "exec", true, MS_NOEXEC },
        { "sync", false, MS_SYNCHRONOUS },   { "async", true, MS_SYNCHRONOUS },
        { "dirsync", false, MS_DIRSYNC },    { "mand", false, MS_MANDLOCK },
        { "nomand", true, MS_MANDLOCK },     { "noatime", false, MS_NOATIME },
        { "atime", true, MS_NOATIME },       { "nodiratime", false, MS_NODIRATIME },
        { "diratime", true, MS_NODIRATIME }, { "relatime", false, MS_RELATIME },
        { "norelatime", true, MS_RELATIME }, { "strictatime", false, MS_STRICTATIME },
        { "nostrictatime", true, MS_STRICTATIME }, { "remount", false, MS_REMOUNT },
};

static const struct {
        const char *name;
        unsigned long flag;
} propagation_table[] = {
        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static void data_append(char **data, const char *opt)
{
        char *n = *data ? xasprintf("%s,%s", *data, opt) : xstrdup(opt);
        free(*data);
        *data = n;
}

static bool parse_flag_option(struct oci_mount *m, const char *o)
{
        for (size_t i = 0; i < ARRAY_SIZE(mount_flag_table); i++) {
                if (!streq(mount_flag_table[i].name, o))
                        continue;
                if (mount_flag_table[i].clear) {
                        m->flags &= ~mount_flag_table[i].flag;
                        m->clear_flags |= mount_flag_table[i].flag;
                } else {
                        m->flags |= mount_flag_table[i].flag;
                        m->clear_flags &= ~mount_flag_table[i].flag;
                }
                return true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(propagation_table); i++) {
                if (streq(propagation_table[i].name, o)) {
                        m->propagation = propagation_table[i].flag;
                        return true;
                }
        }
        return false;
}

int oci_mount_parse_options(struct oci_mount *m, struct berth_error **err)
{
        m->flags = m->clear_flags = m->propagation = 0;
        m->bind = m->recursive = false;
        free(m->data);
        m->data = NULL;
        if (m->type && (streq(m->type, "bind") || streq(m->type, "rbind"))) {
                m->bind = true;
                m->recursive = streq(m->type, "rbind");
        }
        for (size_t i = 0; m->options && m->options[i]; i++) {
                const char *o = m->options[i];
                if (streq(o, "bind") || streq(o, "rbind")) {
                        m->bind = true;
                        m->recursive = m->recursive || streq(o, "rbind");
                } else if (streq(o, "tmpcopyup") || streq(o, "copy-symlink") || streq(o, "notmpcopyup")) {
                        continue; /* crun extensions berth does not implement; harmless to ignore */
                } else if (streq(o, "idmap") || streq(o, "ridmap") || strncmp(o, "idmap=", 6) == 0) {
                        return berth_err_msg(err, EOPNOTSUPP, "mount `%s`: option `%s` is not supported",
                                             m->destination, o);
                } else if (!parse_flag_option(m, o)) {
                        if (strchr(o, ','))
                                return berth_err_msg(err, EINVAL, "mount `%s`: option `%s` contains a comma",
                                                     m->destination, o);
                        data_append(&m->data, o);
                }
        }
        return 0;
}

static int parse_mount(json_t *j, size_t idx, struct oci_mount *m, struct berth_error **err)
{
        _cleanup_free_ char *where = xasprintf("mounts[%zu]", idx);
        const char *dest = NULL, *type = NULL, *source = NULL;
        int r;

        if (!json_is_object(j))
                return berth_err_msg(err, EINVAL, "`%s` must be an object", where);
        if ((r = json_get_string(j, "destination", true, where, &dest, err)) < 0 ||
            (r = json_get_string(j, "type", false, where, &type, err)) < 0 ||
            (r = json_get_string(j, "source", false, where, &source, err)) < 0 ||
            (r = json_get_strv(j, "options", where, &m->options, err)) < 0)
                return r;
        if (dest[0] != '/')
                return berth_err_msg(err, EINVAL, "`%s.destination` must be an absolute path: `%s`", where, dest);
        m->destination = xstrdup(dest);
        m->type = xstrdup(type ? type : "");
        m->source = xstrdup(source ? source : "");
        if (json_object_get(j, "uidMappings") || json_object_get(j, "gidMappings"))
                return berth_err_msg(err, EOPNOTSUPP, "`%s`: idmapped mounts are not supported", where);
        return oci_mount_parse_options(m, err);
}

static int parse_cap_list(json_t *caps, const char *key, uint64_t *ret, struct berth_error **err)
{
        json_t *arr = NULL, *v;
        size_t i;
        int r;

        r = json_get_array(caps, key, "process.capabilities", &arr, err);
        if (r < 0)
                return r;
        *ret = 0;
        json_array_foreach (arr, i, v) {
                int c;
                if (!json_is_string(v))
                        return berth_err_msg(err, EINVAL, "`process.capabilities.%s[%zu]` must be a string", key,
                                             i);
                c = oci_cap_from_name(json_string_value(v));
                /* runtime-spec 1.1, as runc and crun: an unknown capability is a warning, not an error. */
                if (c < 0) {
                        log_warning("`process.capabilities.%s`: unknown capability `%s` ignored", key,
                                    json_string_value(v));
                        continue;
                }
                *ret |= 1ULL << c;
        }
        return 0;
}

static int parse_rlimits(json_t *arr, struct oci_process *p, struct berth_error **err)
{
        json_t *v;
        size_t i;

        p->rlimits = xcalloc(json_array_size(arr), sizeof(*p->rlimits));
        json_array_foreach (arr, i, v) {
                json_t *t = json_object_get(v, "type"), *s = json_object_get(v, "soft"),
                       *h = json_object_get(v, "hard");
                int res;
                if (!json_is_string(t) || !json_is_integer(s) || !json_is_integer(h))
                        return berth_err_msg(err, EINVAL,
                                             "`process.rlimits[%zu]` needs a string type and integer soft and hard",
                                             i);
                res = oci_rlimit_from_string(json_string_value(t));
                if (res < 0)
                        return berth_err_msg(err, EINVAL, "`process.rlimits[%zu]`: unknown rlimit `%s`", i,
                                             json_string_value(t));
                p->rlimits[i].resource = res;
                /* JSON carries RLIM_INFINITY as 2^64-1, which jansson clamps to a negative integer. */
                p->rlimits[i].soft = (uint64_t)json_integer_value(s);
                p->rlimits[i].hard = (uint64_t)json_integer_value(h);
                p->n_rlimits++;
        }
        return 0;
}

static int parse_user(json_t *user, struct oci_process *p, struct berth_error **err)
{
        long long uid = 0, gid = 0, umask_v = -1;
        json_t *gids = NULL, *v;
        size_t i;
        int r;

        if ((r = json_get_int64(user, "uid", "process.user", &uid, err)) < 0 ||
            (r = json_get_int64(user, "gid", "process.user", &gid, err)) < 0 ||
            (r = json_get_int64(user, "umask", "process.user", &umask_v, err)) < 0 ||
            (r = json_get_array(user, "additionalGids", "process.user", &gids, err)) < 0)
                return r;
        if (uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1)
                return berth_err_msg(err, EINVAL, "`process.user`: uid and gid must be between 0 and 2^32-2");
        if (json_object_get(user, "username"))
                return berth_err_msg(err, EINVAL, "`process.user.username` is for Windows containers");
        p->uid = (uid_t)uid;
        p->gid = (gid_t)gid;
        if (umask_v >= 0) {
                p->has_umask = true;
                p->umask = (mode_t)(umask_v & 0777);
        }
        if (gids) {
                p->additional_gids = xcalloc(json_array_size(gids), sizeof(gid_t));
                json_array_foreach (gids, i, v) {
                        if (!json_is_integer(v) || json_integer_value(v) < 0)
                                return berth_err_msg(err, EINVAL, "`process.user.additionalGids[%zu]` is invalid",
                                                     i);
                        p->additional_gids[p->n_additional_gids++] = (gid_t)json_integer_value(v);
                }
        }
        return 0;
}

static int parse_process_caps(json_t *caps, struct oci_process *p, struct berth_error **err)
{
        int r;

        p->has_caps = true;
        if ((r = parse_cap_list(caps, "bounding", &p->caps.bounding, err)) < 0 ||
            (r = parse_cap_list(caps, "effective", &p->caps.effective, err)) < 0 ||
            (r = parse_cap_list(caps, "inheritable", &p->caps.inheritable, err)) < 0 ||
            (r = parse_cap_list(caps, "permitted", &p->caps.permitted, err)) < 0 ||
            (r = parse_cap_list(caps, "ambient", &p->caps.ambient, err)) < 0)
                return r;
        return 0;
}

static int parse_process_body(json_t *j, struct oci_process *p, struct berth_error **err)
{
        json_t *user = NULL, *caps = NULL, *rlimits = NULL, *cs = NULL;
        const char *cwd = NULL, *aa = NULL, *se = NULL;
        long long oom = 0;
        int r;

        if (!json_is_object(j))
                return berth_err_msg(err, EINVAL, "`process` must be an object");
        if ((r = json_get_bool(j, "terminal", "process", &p->terminal, err)) < 0 ||
            (r = json_get_strv(j, "args", "process", &p->args, err)) < 0 ||
            (r = json_get_strv(j, "env", "process", &p->env, err)) < 0 ||
            (r = json_get_string(j, "cwd", false, "process", &cwd, err)) < 0 ||
            (r = json_get_object(j, "user", "process", &user, err)) < 0 ||
            (r = json_get_object(j, "capabilities", "process", &caps, err)) < 0 ||
            (r = json_get_array(j, "rlimits", "process", &rlimits, err)) < 0 ||
            (r = json_get_object(j, "consoleSize", "process", &cs, err)) < 0 ||
            (r = json_get_bool(j, "noNewPrivileges", "process", &p->no_new_privileges, err)) < 0 ||
            (r = json_get_string(j, "apparmorProfile", false, "process", &aa, err)) < 0 ||
            (r = json_get_string(j, "selinuxLabel", false, "process", &se, err)) < 0)
                return r;
        if (!p->args || !p->args[0])
                return berth_err_msg(err, EINVAL, "`process.args` must hold at least one element");
        p->cwd = xstrdup(cwd ? cwd : "/");
        if (p->cwd[0] != '/')
                return berth_err_msg(err, EINVAL, "`process.cwd` must be an absolute path: `%s`", p->cwd);
        if (json_object_get(j, "oomScoreAdj")) {
                if ((r = json_get_int64(j, "oomScoreAdj", "process", &oom, err)) < 0)
                        return r;
                if (oom < -1000 || oom > 1000)
                        return berth_err_msg(err, EINVAL, "`process.oomScoreAdj` must be in [-1000, 1000]");
                p->has_oom_score_adj = true;
                p->oom_score_adj = (int)oom;
        }
        if (cs) {
                json_t *h = json_object_get(cs, "height"), *w = json_object_get(cs, "width");
                p->console_height = json_is_integer(h) ? (unsigned)json_integer_value(h) : 0;
                p->console_width = json_is_integer(w) ? (unsigned)json_integer_value(w) : 0;
        }
        p->apparmor_profile = xstrdup(aa);
        p->selinux_label = xstrdup(se);
        if (user && (r = parse_user(user, p, err)) < 0)
                return r;
        if (caps && (r = parse_process_caps(caps, p, err)) < 0)
                return r;
        if (rlimits && (r = parse_rlimits(rlimits, p, err)) < 0)
                return r;
        return 0;
}

struct oci_process *oci_process_free(struct oci_process *p)
{
        if (!p)
                return NULL;
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->additional_gids);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p);
        return NULL;
}

int oci_process_parse(json_t *json, struct oci_process **ret, struct berth_error **err)
{
        struct oci_process *p = xmalloc(sizeof(*p));
        int r = parse_process_body(json, p, err);

        if (r < 0) {
                oci_process_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static int parse_namespaces(json_t *arr, struct oci_spec *s, struct berth_error **err)
{
        json_t *v;
        size_t i;

        json_array_foreach (arr, i, v) {
                const char *type = NULL, *path = NULL;
                _cleanup_free_ char *where = xasprintf("linux.namespaces[%zu]", i);
                int t, r;

                if ((r = json_get_string(v, "type", true, where, &type, err)) < 0 ||
                    (r = json_get_string(v, "path", false, where, &path, err)) < 0)
                        return r;
                t = oci_ns_type_from_string(type);
                if (t < 0)
                        return berth_err_msg(err, EINVAL, "`%s.type`: unknown namespace `%s`", where, type);
                if (s->namespaces[t].present)
                        return berth_err_msg(err, EINVAL, "`%s`: namespace `%s` listed twice", where, type);
                s->namespaces[t].present = true;
                s->namespaces[t].path = xstrdup(path && *path ? path : NULL);
        }
        return 0;
}

static int parse_id_mappings(json_t *arr, const char *key, struct oci_id_mapping **ret, size_t *ret_n,
                             struct berth_error **err)
{
        json_t *v;
        size_t i;

        *ret = xcalloc(json_array_size(arr), sizeof(**ret));
        json_array_foreach (arr, i, v) {
                json_t *c = json_object_get(v, "containerID"), *h = json_object_get(v, "hostID"),
                       *sz = json_object_get(v, "size");
                if (!json_is_integer(c) || !json_is_integer(h) || !json_is_integer(sz) ||
                    json_integer_value(c) < 0 || json_integer_value(h) < 0 || json_integer_value(sz) <= 0)
                        return berth_err_msg(err, EINVAL,
                                             "`linux.%s[%zu]` needs non-negative containerID, hostID and size",
                                             key, i);
                (*ret)[i].container_id = (uint32_t)json_integer_value(c);
                (*ret)[i].host_id = (uint32_t)json_integer_value(h);
                (*ret)[i].size = (uint32_t)json_integer_value(sz);
                (*ret_n)++;
        }
        return 0;
}

static int parse_devices(json_t *arr, struct oci_spec *s, struct berth_error **err)
{
        json_t *v;
        size_t i;

        s->devices = xcalloc(json_array_size(arr), sizeof(*s->devices));
        json_array_foreach (arr, i, v) {
                _cleanup_free_ char *where = xasprintf("linux.devices[%zu]", i);
                struct oci_device *d = &s->devices[s->n_devices];
                const char *path = NULL, *type = NULL;
                long long major = 0, minor = 0, mode = -1, uid = 0, gid = 0;
                int r;

                if ((r = json_get_string(v, "path", true, where, &path, err)) < 0 ||
                    (r = json_get_string(v, "type", true, where, &type, err)) < 0 ||
                    (r = json_get_int64(v, "major", where, &major, err)) < 0 ||
                    (r = json_get_int64(v, "minor", where, &minor, err)) < 0 ||
                    (r = json_get_int64(v, "fileMode", where, &mode, err)) < 0 ||
                    (r = json_get_int64(v, "uid", where, &uid, err)) < 0 ||
                    (r = json_get_int64(v, "gid", where, &gid, err)) < 0)
                        return r;
                if (path[0] != '/')
                        return berth_err_msg(err, EINVAL, "`%s.path` must be absolute: `%s`", where, path);
                if (strlen(type) != 1 || !strchr("cbup", type[0]))
                        return berth_err_msg(err, EINVAL, "`%s.type` must be c, b, u or p: `%s`", where, type);
                d->path = xstrdup(path);
                d->type = type[0];
                d->major = major;
                d->minor = minor;
                d->has_mode = mode >= 0;
                d->file_mode = mode >= 0 ? (mode_t)mode : 0666;
                d->uid = (uid_t)uid;
                d->gid = (gid_t)gid;
                s->n_devices++;
        }
        return 0;
}

/*
 * Only keys that the kernel scopes to a namespace the container owns are
 * allowed, and a value cannot hold a newline: a write to /proc/sys of
 * "1\nkernel.x=y" must never reach another key.
 */
static int validate_sysctl(json_t *obj, const struct oci_spec *s, struct berth_error **err)
{
        const char *key;
        json_t *v;

        json_object_foreach (obj, key, v) {
                if (!json_is_string(v))
                        return berth_err_msg(err, EINVAL, "`linux.sysctl.%s` must be a string", key);
                if (!*key || strstr(key, "..") || key[0] == '.' || key[0] == '/' || strpbrk(key, "\n\r \t"))
                        return berth_err_msg(err, EINVAL, "sysctl `%s`: invalid key", key);
                if (strpbrk(json_string_value(v), "\n\r"))
                        return berth_err_msg(err, EINVAL, "sysctl `%s`: the value holds a newline", key);
                if (strncmp(key, "net.", 4) == 0 || strncmp(key, "net/", 4) == 0) {
                        if (!s->namespaces[OCI_NS_NETWORK].present)
                                return berth_err_msg(err, EPERM,
                                                     "sysctl `%s` needs a network namespace of its own", key);
                } else if (strncmp(key, "kernel.msg", 10) == 0 || strncmp(key, "kernel.sem", 10) == 0 ||
                           strncmp(key, "kernel.shm", 10) == 0 || strncmp(key, "fs.mqueue.", 10) == 0) {
                        if (!s->namespaces[OCI_NS_IPC].present)
                                return berth_err_msg(err, EPERM,
                                                     "sysctl `%s` needs an IPC namespace of its own", key);
                } else if (streq(key, "kernel.hostname") || streq(key, "kernel.domainname")) {
                        if (!s->namespaces[OCI_NS_UTS].present)
                                return berth_err_msg(err, EPERM,
                                                     "sysctl `%s` needs a UTS namespace of its own", key);
                } else {
                        return berth_err_msg(err, EPERM, "sysctl `%s` is not namespaced: refused", key);
                }
        }
        return 0;
}

static int parse_propagation(const char *p, unsigned long *ret, struct berth_error **err)
{
        static const struct {
                const char *name;
                unsigned long flag;
        } t[] = { { "shared", MS_SHARED }, { "slave", MS_SLAVE }, { "private", MS_PRIVATE },
                  { "unbindable", MS_UNBINDABLE } };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                if (streq(p, t[i].name) || (p[0] == 'r' && streq(p + 1, t[i].name))) {
                        *ret = t[i].flag | MS_REC;
                        return 0;
                }
        }
        return berth_err_msg(err, EINVAL, "`linux.rootfsPropagation`: unknown value `%s`", p);
}

static int parse_linux(json_t *l, struct oci_spec *s, struct berth_error **err)
{
        json_t *ns = NULL, *uidm = NULL, *gidm = NULL, *devs = NULL;
        const char *prop = NULL, *cg = NULL, *label = NULL;
        int r;

        if ((r = json_get_array(l, "namespaces", "linux", &ns, err)) < 0 ||
            (r = json_get_array(l, "uidMappings", "linux", &uidm, err)) < 0 ||
            (r = json_get_array(l, "gidMappings", "linux", &gidm, err)) < 0 ||
            (r = json_get_array(l, "devices", "linux", &devs, err)) < 0 ||
            (r = json_get_strv(l, "maskedPaths", "linux", &s->masked_paths, err)) < 0 ||
            (r = json_get_strv(l, "readonlyPaths", "linux", &s->readonly_paths, err)) < 0 ||
            (r = json_get_string(l, "rootfsPropagation", false, "linux", &prop, err)) < 0 ||
            (r = json_get_string(l, "cgroupsPath", false, "linux", &cg, err)) < 0 ||
            (r = json_get_string(l, "mountLabel", false, "linux", &label, err)) < 0 ||
            (r = json_get_object(l, "sysctl", "linux", &s->sysctl, err)) < 0 ||
            (r = json_get_object(l, "resources", "linux", &s->resources, err)) < 0 ||
            (r = json_get_object(l, "seccomp", "linux", &s->seccomp, err)) < 0 ||
            (r = json_get_object(l, "personality", "linux", &s->personality, err)) < 0)
                return r;
        if (ns && (r = parse_namespaces(ns, s, err)) < 0)
                return r;
        if (uidm && (r = parse_id_mappings(uidm, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) < 0)
                return r;
        if (gidm && (r = parse_id_mappings(gidm, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) < 0)
                return r;
        if (devs && (r = parse_devices(devs, s, err)) < 0)
                return r;
        if (prop && *prop && (r = parse_propagation(prop, &s->rootfs_propagation, err)) < 0)
                return r;
        if (s->sysctl && (r = validate_sysctl(s->sysctl, s, err)) < 0)
                return r;
        s->cgroups_path = xstrdup(cg);
        s->mount_label = xstrdup(label);
        if (s->namespaces[OCI_NS_USER].present && !s->namespaces[OCI_NS_USER].path &&
            (!s->n_uid_mappings || !s->n_gid_mappings))
                return berth_err_msg(err, EINVAL, "a new user namespace needs uidMappings and gidMappings");
        return 0;
}

static const char *const hook_keys[_OCI_HOOK_MAX] = {
        [OCI_HOOK_PRESTART] = "prestart",
        [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
        [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
        [OCI_HOOK_START_CONTAINER] = "startContainer",
        [OCI_HOOK_POSTSTART] = "poststart",
        [OCI_HOOK_POSTSTOP] = "poststop",
};

static int parse_hooks(json_t *hooks, struct oci_spec *s, struct berth_error **err)
{
        for (int k = 0; k < _OCI_HOOK_MAX; k++) {
                json_t *arr = NULL, *v;
                size_t i;
                int r;

                if ((r = json_get_array(hooks, hook_keys[k], "hooks", &arr, err)) < 0)
                        return r;
                if (!arr)
                        continue;
                s->hooks.list[k] = xcalloc(json_array_size(arr), sizeof(struct oci_hook));
                json_array_foreach (arr, i, v) {
                        _cleanup_free_ char *where = xasprintf("hooks.%s[%zu]", hook_keys[k], i);
                        struct oci_hook *h = &s->hooks.list[k][i];
                        const char *path = NULL;
                        long long timeout = 0;

                        s->hooks.n[k]++;
                        if ((r = json_get_string(v, "path", true, where, &path, err)) < 0 ||
                            (r = json_get_strv(v, "args", where, &h->args, err)) < 0 ||
                            (r = json_get_strv(v, "env", where, &h->env, err)) < 0 ||
                            (r = json_get_int64(v, "timeout", where, &timeout, err)) < 0)
                                return r;
                        if (path[0] != '/')
                                return berth_err_msg(err, EINVAL, "`%s.path` must be absolute", where);
                        if (json_object_get(v, "timeout") && timeout <= 0)
                                return berth_err_msg(err, EINVAL, "`%s.timeout` must be positive", where);
                        h->path = xstrdup(path);
                        h->timeout = (int)timeout;
                }
        }
        return 0;
}

static int parse_spec_body(json_t *json, struct oci_spec *s, struct berth_error **err)
{
        json_t *root = NULL, *process = NULL, *mounts = NULL, *hooks = NULL, *linux_ = NULL;
        const char *ver = NULL, *path = NULL, *host = NULL, *dom = NULL;
        int r;

        if (!json_is_object(json))
                return berth_err_msg(err, EINVAL, "the configuration must be a JSON object");
        if ((r = json_get_string(json, "ociVersion", true, "config", &ver, err)) < 0 ||
            (r = json_get_object(json, "root", "config", &root, err)) < 0 ||
            (r = json_get_object(json, "process", "config", &process, err)) < 0 ||
            (r = json_get_array(json, "mounts", "config", &mounts, err)) < 0 ||
            (r = json_get_object(json, "hooks", "config", &hooks, err)) < 0 ||
            (r = json_get_object(json, "linux", "config", &linux_, err)) < 0 ||
            (r = json_get_object(json, "annotations", "config", &s->annotations, err)) < 0 ||
            (r = json_get_string(json, "hostname", false, "config", &host, err)) < 0 ||
            (r = json_get_string(json, "domainname", false, "config", &dom, err)) < 0)
                return r;
        if (strncmp(ver, "1.", 2) != 0)
                return berth_err_msg(err, EINVAL, "unsupported ociVersion `%s`", ver);
        s->oci_version = xstrdup(ver);
        if (!root)
                return berth_err_msg(err, EINVAL, "`root` is required on Linux");
        if ((r = json_get_string(root, "path", true, "root", &path, err)) < 0 ||
            (r = json_get_bool(root, "readonly", "root", &s->root_readonly, err)) < 0)
                return r;
        s->root_path = xstrdup(path);
        s->hostname = xstrdup(host);
        s->domainname = xstrdup(dom);
        if (process && (r = oci_process_parse(process, &s->process, err)) < 0)
                return berth_err_prefix(err, "process");
        if (linux_ && (r = parse_linux(linux_, s, err)) < 0)
                return r;
        if (hooks && (r = parse_hooks(hooks, s, err)) < 0)
                return r;
        if (mounts) {
                json_t *v;
                size_t i;
                s->mounts = xcalloc(json_array_size(mounts), sizeof(*s->mounts));
                json_array_foreach (mounts, i, v) {
                        s->n_mounts++;
                        if ((r = parse_mount(v, i, &s->mounts[i], err)) < 0)
                                return r;
                }
        }
        if ((host || dom) && !s->namespaces[OCI_NS_UTS].present)
                return berth_err_msg(err, EINVAL, "a hostname or domainname needs a UTS namespace of its own");
        return 0;
}

int oci_spec_parse(json_t *json, struct oci_spec **ret, struct berth_error **err)
{
        struct oci_spec *s = xmalloc(sizeof(*s));
        int r;

        s->json = json_incref(json);
        r = parse_spec_body(json, s, err);
        if (r < 0) {
                oci_spec_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int oci_spec_load(const char *path, struct oci_spec **ret, struct berth_error **err)
{
        _cleanup_json_ json_t *j = NULL;
        int r;

        r = json_load_path(path, OCI_SPEC_MAX_SIZE, &j, err);
        if (r < 0)
                return r;
        r = oci_spec_parse(j, ret, err);
        if (r < 0)
                return berth_err_prefix(err, "`%s`", path);
        return 0;
}

struct oci_spec *oci_spec_free(struct oci_spec *s)
{
        if (!s)
                return NULL;
        free(s->oci_version);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        oci_process_free(s->process);
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
                free(s->mounts[i].data);
                strv_free(s->mounts[i].options);
        }
        free(s->mounts);
        for (int k = 0; k < _OCI_HOOK_MAX; k++) {
                for (size_t i = 0; i < s->hooks.n[k]; i++) {
                        free(s->hooks.list[k][i].path);
                        strv_free(s->hooks.list[k][i].args);
                        strv_free(s->hooks.list[k][i].env);
                }
                free(s->hooks.list[k]);
        }
        for (int t = 0; t < _OCI_NS_MAX; t++)
                free(s->namespaces[t].path);
        free(s->uid_mappings);
        free(s->gid_mappings);
        strv_free(s->masked_paths);
        strv_free(s->readonly_paths);
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        free(s->cgroups_path);
        free(s->mount_label);
        if (s->json)
                json_decref(s->json);
        free(s);
        return NULL;
}

void oci_spec_freep(struct oci_spec **s)
{
        *s = oci_spec_free(*s);
}
