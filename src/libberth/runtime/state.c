/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "runtime/cgroup.h"

#define STATE_MAX_SIZE (1u << 20)

int state_validate_id(const char *id, struct berth_error **err)
{
        size_t n = strlen(id);

        if (n == 0 || n > 1024)
                return berth_err_msg(err, EINVAL, "invalid container id `%s`: empty or too long", id);
        if (streq(id, ".") || streq(id, ".."))
                return berth_err_msg(err, EINVAL, "invalid container id `%s`", id);
        for (size_t i = 0; i < n; i++) {
                char c = id[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == '+'))
                        return berth_err_msg(err, EINVAL,
                                             "invalid container id `%s`: use letters, digits, _ - . +", id);
        }
        return 0;
}

char *state_dir(const struct runtime_context *ctx, const char *id)
{
        return xasprintf("%s/%s", ctx->state_root, id);
}

int state_dir_create(const struct runtime_context *ctx, const char *id, int *ret_fd, struct berth_error **err)
{
        _cleanup_free_ char *dir = state_dir(ctx, id);
        int r, fd;

        r = mkdir_p(ctx->state_root, 0700, err);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0) {
                if (errno == EEXIST)
                        return berth_err_msg(err, EEXIST, "container `%s` already exists", id);
                return berth_err(err, errno, "mkdir `%s`", dir);
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", dir);
        *ret_fd = fd;
        return 0;
}

int state_write(const struct runtime_context *ctx, const struct runtime_state *st, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/%s/state.json", ctx->state_root, st->id), *text = NULL;
        _cleanup_json_ json_t *j = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "id", st->id, "pid",
                                             (json_int_t)st->pid, "pidStart", (json_int_t)st->pid_start,
                                             "bundle", st->bundle, "rootfs", st->rootfs, "created",
                                             st->created, "owner", st->owner ? st->owner : "",
                                             "started", st->started);

        if (!j)
                oom();
        if (st->annotations)
                json_object_set(j, "annotations", st->annotations);
        if (st->cgroup)
                json_object_set(j, "cgroup", st->cgroup);
        if (st->hooks)
                json_object_set(j, "hooks", st->hooks);
        /* No fsync (fs-util.h): the state root is runtime state (/run), meaningless after a reboot,
         * and it may well be on a disk (0.5-1 ms a write, twice a start). */
        text = json_dumps(j, JSON_COMPACT);
        if (!text)
                oom();
        return write_file_volatile_at(AT_FDCWD, path, text, strlen(text), 0600, err);
}

int state_read(const struct runtime_context *ctx, const char *id, struct runtime_state **ret,
               struct berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct runtime_state *st;
        json_int_t pid = 0, start = 0;
        const char *sid = NULL, *bundle = NULL, *rootfs = NULL, *created = NULL, *owner = NULL;
        int started = 0, r;

        r = state_validate_id(id, err);
        if (r < 0)
                return r;
        path = xasprintf("%s/%s/state.json", ctx->state_root, id);
        r = json_load_path(path, STATE_MAX_SIZE, &j, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                return berth_err_msg(err, ENOENT, "container `%s` does not exist", id);
        }
        if (r < 0)
                return r;
        if (json_unpack(j, "{s:s,s:I,s:I,s:s,s:s,s:s,s?s,s:b}", "id", &sid, "pid", &pid, "pidStart", &start,
                        "bundle", &bundle, "rootfs", &rootfs, "created", &created, "owner", &owner, "started",
                        &started) < 0)
                return berth_err_msg(err, EBADMSG, "`%s` is malformed", path);
        st = xmalloc(sizeof(*st));
        st->id = xstrdup(sid);
        st->pid = (pid_t)pid;
        st->pid_start = (unsigned long long)start;
        st->bundle = xstrdup(bundle);
        st->rootfs = xstrdup(rootfs);
        st->created = xstrdup(created);
        st->owner = xstrdup(owner ? owner : "");
        st->started = started;
        st->annotations = json_incref(json_object_get(j, "annotations"));
        st->cgroup = json_incref(json_object_get(j, "cgroup"));
        st->hooks = json_incref(json_object_get(j, "hooks"));
        *ret = st;
        return 0;
}

struct runtime_state *state_free(struct runtime_state *st)
{
        if (!st)
                return NULL;
        free(st->id);
        free(st->bundle);
        free(st->rootfs);
        free(st->created);
        free(st->owner);
        json_decref(st->annotations);
        json_decref(st->cgroup);
        json_decref(st->hooks);
        free(st);
        return NULL;
}

void state_freep(struct runtime_state **st)
{
        *st = state_free(*st);
}

int state_remove(const struct runtime_context *ctx, const char *id, struct berth_error **err)
{
        _cleanup_free_ char *dir = state_dir(ctx, id);
        return rm_rf_at(AT_FDCWD, dir, err);
}

unsigned long long process_start_time(pid_t pid)
{
        char path[64], buf[1024];
        _cleanup_close_ int fd = -EBADF;
        unsigned long long start = 0;
        ssize_t n;
        char *p;

        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read_all(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* The command name may hold spaces and parentheses: count fields after the last ')'. */
        p = strrchr(buf, ')');
        if (!p)
                return 0;
        p += 2;
        if (p[0] == 'Z' || p[0] == 'X')
                return 0; /* a zombie has exited: the container is stopped */
        for (int field = 3; field < 22 && p; field++) {
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        if (p)
                start = strtoull(p, NULL, 10);
        return start;
}

bool state_init_alive(const struct runtime_state *st)
{
        unsigned long long s = process_start_time(st->pid);
        return s != 0 && s == st->pid_start;
}

enum runtime_status state_status(const struct runtime_state *st)
{
        struct cgroup *cg = NULL;
        bool frozen = false;

        if (!state_init_alive(st))
                return RUNTIME_STATUS_STOPPED;
        if (!st->started)
                return RUNTIME_STATUS_CREATED;
        if (st->cgroup && cgroup_load(st->cgroup, &cg, NULL) == 0) {
                (void)cgroup_is_frozen(cg, &frozen, NULL);
                cgroup_free(cg);
        }
        return frozen ? RUNTIME_STATUS_PAUSED : RUNTIME_STATUS_RUNNING;
}

const char *runtime_status_to_string(enum runtime_status s)
{
        static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
        return names[s];
}

json_t *state_to_oci_json(const struct runtime_state *st, enum runtime_status status)
{
        json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "ociVersion", "1.0.2", "id", st->id, "status",
                              runtime_status_to_string(status), "bundle", st->bundle);
        if (status != RUNTIME_STATUS_STOPPED)
                json_object_set_new(j, "pid", json_integer(st->pid));
        else
                json_object_set_new(j, "pid", json_integer(0));
        json_object_set_new(j, "annotations", st->annotations ? json_incref(st->annotations) : json_object());
        return j;
}
