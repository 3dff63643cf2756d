/* SPDX-License-Identifier: Apache-2.0 */
/* The parent side of the lifecycle: create, start, run, state, delete. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/time-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/sha256.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/terminal.h"

/* Everything create holds until the init reports ready; released on every path. */
struct create_job {
        struct oci_spec *spec;
        struct cgroup_resources *res;
        struct berth_seccomp *seccomp;
        struct cgroup *cgroup;
        char *bundle, *rootfs;
        int state_fd, start_fd, console_fd, sync_fd;
        pid_t pid;
        bool state_created;
        /* The cgroup was made before the clone; the init joins its v1 hierarchies itself. */
        bool cgroup_self_join;
};

static void create_job_release(const struct runtime_context *ctx, const char *id, struct create_job *j,
                               bool failed)
{
        if (failed && j->pid > 0) {
                kill(j->pid, SIGKILL);
                (void)waitpid(j->pid, NULL, __WALL);
        }
        if (failed && j->cgroup)
                (void)cgroup_destroy(j->cgroup, NULL);
        if (failed && j->state_created)
                (void)state_remove(ctx, id, NULL);
        cgroup_free(j->cgroup);
        berth_seccomp_free(j->seccomp);
        cgroup_resources_free(j->res);
        oci_spec_free(j->spec);
        free(j->bundle);
        free(j->rootfs);
        for (int *fd = &j->state_fd; fd <= &j->sync_fd; fd++)
                if (*fd >= 0)
                        close(*fd);
}

static int start_socket_listen(int state_fd, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return berth_err(err, errno, "socket");
        /* Through the directory fd: a long --root cannot overflow sun_path. */
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/start.sock", state_fd);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0)
                return berth_err(err, errno, "bind the start socket");
        return TAKE_FD(fd);
}

/*
 * Like runc and crun: the devices every container gets (and those listed in
 * linux.devices) stay allowed whatever linux.resources.devices denies, or the
 * runtime could not even create /dev/null after the usual "deny all".
 */
static json_t *resources_with_default_devices(const struct oci_spec *s)
{
        static const struct {
                char type;
                int major, minor;
        } defaults[] = { { 'c', 1, 3 }, { 'c', 1, 5 }, { 'c', 1, 7 },  { 'c', 1, 8 },  { 'c', 1, 9 },
                         { 'c', 5, 0 }, { 'c', 5, 1 }, { 'c', 5, 2 },  { 'c', 136, -1 } };
        json_t *res = s->resources ? json_deep_copy(s->resources) : json_object();
        json_t *devs = json_object_get(res, "devices");
        char type[2] = { 0 };

        if (!json_is_array(devs)) {
                devs = json_array();
                json_object_set_new(res, "devices", devs);
        }
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
                json_t *rule = json_pack("{s:b,s:s,s:i,s:s}", "allow", 1, "type", (type[0] = defaults[i].type, type),
                                         "major", defaults[i].major, "access", "rwm");
                if (defaults[i].minor >= 0)
                        json_object_set_new(rule, "minor", json_integer(defaults[i].minor));
                json_array_append_new(devs, rule);
        }
        for (size_t i = 0; i < s->n_devices; i++) {
                type[0] = s->devices[i].type == 'u' ? 'c' : s->devices[i].type;
                json_array_append_new(devs, json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type", type, "major",
                                                      (json_int_t)s->devices[i].major, "minor",
                                                      (json_int_t)s->devices[i].minor, "access", "rwm"));
        }
        return res;
}

/*
 * BEGIN container/oci-config (the engine's seccomp cache): the annotation
 * io.berth.seccomp.bpf = "PATH#sha256:HEX" names a filter the engine
 * compiled from this very profile. It is used only when linux.seccomp still
 * hashes to HEX (compact, sorted keys: the engine's serialisation) and the
 * file is whole; anything else falls back to compiling.
 */
static int seccomp_from_cache(const struct oci_spec *spec, struct berth_seccomp **ret)
{
        const char *ann = json_string_value(json_object_get(spec->annotations, "io.berth.seccomp.bpf"));
        const char *hash = ann ? strrchr(ann, '#') : NULL;
        _cleanup_free_ char *text = NULL, *path = NULL, *buf = NULL;
        unsigned flags = 0;
        char hex[2 * SHA256_DIGEST_SIZE + 1];
        size_t len = 0;

        if (!hash || strncmp(hash + 1, "sha256:", 7) != 0)
                return -ENOENT;
        text = json_dumps(spec->seccomp, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
                return -EIO;
        /* In-tree SHA-256, not libcrypto: this is the supervisor's only hash, and libcrypto would
         * add ~3 MiB to its resident set. */
        sha256_hex(text, strlen(text), hex);
        if (!streq(hex, hash + 8))
                return -ESTALE;
        path = strndup(ann, (size_t)(hash - ann));
        if (!path || read_file_at(AT_FDCWD, path, 1u << 20, &buf, &len, NULL) < 0 || len < 8 ||
            memcmp(buf, "BSF1", 4) != 0)
                return -ENOENT;
        for (int i = 0; i < 4; i++)
                flags |= (unsigned)(unsigned char)buf[4 + i] << (8 * i);
        return berth_seccomp_from_bpf(buf + 8, len - 8, flags, ret, NULL);
}
/* END container/oci-config */

static int create_load(const struct runtime_create_options *o, struct create_job *j, struct berth_error **err)
{
        _cleanup_free_ char *config = NULL, *root = NULL;
        char buf[PATH_MAX];
        int r;

        if (!realpath(o->bundle ? o->bundle : ".", buf))
                return berth_err(err, errno, "bundle `%s`", o->bundle ? o->bundle : ".");
        j->bundle = xstrdup(buf);
        config = o->config ? xstrdup(o->config) : xasprintf("%s/config.json", j->bundle);
        r = oci_spec_load(config, &j->spec, err);
        if (r < 0)
                return r;
        root = j->spec->root_path[0] == '/' ? xstrdup(j->spec->root_path)
                                            : xasprintf("%s/%s", j->bundle, j->spec->root_path);
        if (!realpath(root, buf))
                return berth_err(err, errno, "rootfs `%s`", root);
        j->rootfs = xstrdup(buf);
        if (!j->spec->namespaces[OCI_NS_MOUNT].present)
                return berth_err_msg(err, EINVAL, "berth needs a mount namespace: add one to linux.namespaces");
        if (j->spec->process && j->spec->process->terminal && !o->console_socket && j->console_fd < 0)
                return berth_err_msg(err, EINVAL, "process.terminal is set: --console-socket is required");
        if (j->spec->resources) {
                _cleanup_json_ json_t *res = resources_with_default_devices(j->spec);
                r = cgroup_resources_parse(res, &j->res, err);
                if (r < 0)
                        return r;
        }
        /* container/oci-config: a cached filter first (seccomp_from_cache above). */
        if (j->spec->seccomp && seccomp_from_cache(j->spec, &j->seccomp) < 0 &&
            (r = berth_seccomp_compile(j->spec->seccomp, &j->seccomp, err)) < 0)
                return berth_err_prefix(err, "seccomp");
        return 0;
}

/*
 * The single-clone path makes the cgroup first, so that the init is cloned
 * straight into it (cgroup.h: cgroup_clone_target). *ret_fd is for
 * CLONE_INTO_CGROUP, or -1 when the host has no cgroup2 for it.
 */
static int create_cgroup_early(const char *id, bool systemd, struct create_job *j, int *ret_fd,
                               struct berth_error **err)
{
        int r;

        *ret_fd = -1;
        r = cgroup_create(id, j->spec->cgroups_path, systemd, j->res, 0, &j->cgroup, err);
        if (r < 0)
                return r;
        j->cgroup_self_join = true;
        return cgroup_clone_target(j->cgroup, ret_fd, err);
}

static int create_fork(const struct runtime_create_options *o, struct create_job *j, int cgroup_fd,
                       struct berth_error **err)
{
        const struct oci_spec *s = j->spec;
        int sv[2];
        bool userns = s->namespaces[OCI_NS_USER].present;
        struct init_config c = {
                .spec = s,
                .rootfs = j->rootfs,
                .bundle = j->bundle,
                .no_pivot = o->no_pivot,
                .start_fd = j->start_fd,
                .console_fd = j->console_fd,
                .preserve_fds = o->preserve_fds,
                .seccomp = j->seccomp,
                .double_fork = userns || s->namespaces[OCI_NS_PID].path,
                .create_hooks = s->hooks.n[OCI_HOOK_PRESTART] || s->hooks.n[OCI_HOOK_CREATE_RUNTIME],
        };
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return berth_err(err, errno, "socketpair");
        if (c.double_fork) {
                pid = fork();
        } else {
                /* One clone creates every namespace: the child is already the container's pid 1. */
                struct berth_clone_args args = {
                        .flags = ns_new_flags(s, false) & ~(unsigned long)CLONE_NEWCGROUP,
                        .exit_signal = SIGCHLD,
                };
                if (cgroup_fd >= 0) {
                        args.flags |= CLONE_INTO_CGROUP;
                        args.cgroup = (uint64_t)cgroup_fd;
                }
                pid = (pid_t)sys_clone3(&args, sizeof(args));
                if (pid < 0 && cgroup_fd >= 0 && errno != ENOSYS) {
                        /* Not clonable into (e.g. an old kernel's EINVAL): the parent moves it in later. */
                        j->cgroup_self_join = false;
                        args.flags &= ~CLONE_INTO_CGROUP;
                        args.cgroup = 0;
                        pid = (pid_t)sys_clone3(&args, sizeof(args));
                }
                if (pid < 0 && errno == ENOSYS) {
                        j->cgroup_self_join = false;
                        pid = fork(); /* TODO unreachable on our kernels; keeps old ones working */
                }
        }
        if (pid < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                return berth_err(err, e, "clone the container init");
        }
        if (pid == 0) {
                close(sv[0]);
                c.sync_fd = sv[1];
                if (chdir(j->bundle) < 0)
                        _exit(1);
                init_main(&c);
        }
        close(sv[1]);
        j->sync_fd = sv[0];
        j->pid = pid;
        return 0;
}

/* The double-fork path: id maps for the new user namespace, then the real init's pid. */
static int create_wait_pid(struct create_job *j, struct berth_error **err)
{
        pid_t middle = j->pid, init_pid = 0;
        int r;

        if (j->spec->namespaces[OCI_NS_USER].present && !j->spec->namespaces[OCI_NS_USER].path) {
                r = sync_expect(j->sync_fd, SYNC_USERNS, NULL, err);
                if (r < 0)
                        return r;
                r = ns_write_id_maps(middle, j->spec, err);
                if (r < 0)
                        return berth_err_prefix(err, "user namespace");
                r = sync_send(j->sync_fd, SYNC_USERNS_DONE, 0, err);
                if (r < 0)
                        return r;
        }
        r = sync_expect(j->sync_fd, SYNC_PID, &init_pid, err);
        if (r < 0)
                return r;
        if (init_pid != middle) {
                (void)waitpid(middle, NULL, 0);
                j->pid = init_pid;
        }
        return 0;
}

static json_t *creating_state(const char *id, struct create_job *j)
{
        json_t *st = json_pack("{s:s,s:s,s:s,s:i,s:s}", "ociVersion", "1.0.2", "id", id, "status", "creating",
                               "pid", (int)j->pid, "bundle", j->bundle);
        json_object_set(st, "annotations", j->spec->annotations ? j->spec->annotations : json_object());
        return st;
}

static int create_setup_init(struct runtime_context *ctx, const char *id, struct create_job *j,
                             struct berth_error **err)
{
        _cleanup_free_ char *cg_json = NULL;
        json_t *cgj;
        int r;

        if (j->spec->namespaces[OCI_NS_USER].present || j->spec->namespaces[OCI_NS_PID].path) {
                r = create_wait_pid(j, err);
                if (r < 0)
                        return r;
        }
        if (!j->cgroup)
                r = cgroup_create(id, j->spec->cgroups_path, ctx->systemd_cgroup, j->res, j->pid, &j->cgroup,
                                  err);
        else if (!j->cgroup_self_join)
                r = cgroup_enter(j->cgroup, j->pid, err);
        else
                r = 0;
        if (r < 0)
                return r;
        cgj = cgroup_to_json(j->cgroup);
        if (j->cgroup_self_join)
                json_object_set_new(cgj, "selfJoin", json_true());
        cg_json = json_dumps(cgj, JSON_COMPACT);
        json_decref(cgj);
        r = sync_send_payload(j->sync_fd, SYNC_CGROUP_DONE, cg_json ? cg_json : "", err);
        if (r < 0)
                return r;
        if (j->spec->hooks.n[OCI_HOOK_PRESTART] || j->spec->hooks.n[OCI_HOOK_CREATE_RUNTIME]) {
                _cleanup_json_ json_t *st = creating_state(id, j);
                r = sync_expect(j->sync_fd, SYNC_PREPIVOT, NULL, err);
                if (r < 0)
                        return r;
                r = hooks_run(j->spec->hooks.list[OCI_HOOK_PRESTART], j->spec->hooks.n[OCI_HOOK_PRESTART],
                              "prestart", st, err);
                if (r == 0)
                        r = hooks_run(j->spec->hooks.list[OCI_HOOK_CREATE_RUNTIME],
                                      j->spec->hooks.n[OCI_HOOK_CREATE_RUNTIME], "createRuntime", st, err);
                if (r < 0)
                        return r;
                r = sync_send(j->sync_fd, SYNC_HOOKS_DONE, 0, err);
                if (r < 0)
                        return r;
        }
        return sync_expect(j->sync_fd, SYNC_READY, NULL, err);
}

static int create_record(struct runtime_context *ctx, const struct runtime_create_options *o,
                         struct create_job *j, struct berth_error **err)
{
        _cleanup_free_ char *created = time_now_rfc3339();
        struct runtime_state st = {
                .id = (char *)o->id,
                .pid = j->pid,
                .pid_start = process_start_time(j->pid),
                .bundle = j->bundle,
                .rootfs = j->rootfs,
                .created = created,
                .owner = "root",
                .annotations = j->spec->annotations,
                .cgroup = cgroup_to_json(j->cgroup),
                .hooks = json_object_get(j->spec->json, "hooks"),
        };
        int r;

        r = state_write(ctx, &st, err);
        json_decref(st.cgroup);
        if (r < 0)
                return r;
        if (o->pid_file) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", (int)j->pid);
                r = write_file_atomic_at(AT_FDCWD, o->pid_file, buf, strlen(buf), 0644, err);
                if (r < 0)
                        return berth_err_prefix(err, "pid file");
        }
        return 0;
}

static int create_with_console(struct runtime_context *ctx, const struct runtime_create_options *o,
                               int console_fd, pid_t *ret_pid, struct berth_error **err)
{
        struct create_job j = { .state_fd = -1, .start_fd = -1, .console_fd = console_fd, .sync_fd = -1 };
        int r;

        r = state_validate_id(o->id, err);
        if (r < 0)
                return r;
        r = create_load(o, &j, err);
        if (r < 0)
                goto fail;
        if (j.spec->process && j.spec->process->terminal && j.console_fd < 0) {
                r = console_socket_connect(o->console_socket, &j.console_fd, err);
                if (r < 0)
                        goto fail;
        }
        r = state_dir_create(ctx, o->id, &j.state_fd, err);
        if (r < 0)
                goto fail;
        j.state_created = true;
        r = j.start_fd = start_socket_listen(j.state_fd, err);
        if (r < 0)
                goto fail;
        if (!j.spec->namespaces[OCI_NS_USER].present && !j.spec->namespaces[OCI_NS_PID].path) {
                _cleanup_close_ int cgroup_fd = -1;
                r = create_cgroup_early(o->id, ctx->systemd_cgroup, &j, &cgroup_fd, err);
                if (r < 0)
                        goto fail;
                r = create_fork(o, &j, cgroup_fd, err);
        } else {
                r = create_fork(o, &j, -1, err);
        }
        if (r < 0)
                goto fail;
        r = create_setup_init(ctx, o->id, &j, err);
        if (r < 0)
                goto fail;
        r = create_record(ctx, o, &j, err);
        if (r < 0)
                goto fail;
        *ret_pid = j.pid;
        if (console_fd >= 0)
                j.console_fd = -1; /* the caller's */
        create_job_release(ctx, o->id, &j, false);
        return 0;
fail:
        if (console_fd >= 0)
                j.console_fd = -1;
        create_job_release(ctx, o->id, &j, true);
        return r;
}

int runtime_create_console_fd(struct runtime_context *ctx, const struct runtime_create_options *o,
                              int console_fd, pid_t *ret_pid, struct berth_error **err)
{
        return create_with_console(ctx, o, console_fd, ret_pid, err);
}

int runtime_create(struct runtime_context *ctx, const struct runtime_create_options *o, pid_t *ret_pid,
                   struct berth_error **err)
{
        return create_with_console(ctx, o, -1, ret_pid, err);
}
