/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of the per-container supervisor (berth-shim): spawning it,
 * and the requests of attach, wait, stop and kill over its socket. See
 * docs/design/supervisor.md.
 */
#include "container/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/companion.h"
#include "base/spawn.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "container/container-internal.h"
#include "container/container-net-internal.h"
#include "container/oci-config.h"
#include "container/shim-protocol.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "store/image.h"
#include "volume/volume.h"

char *container_runtime_root(struct store *s)
{
        return xasprintf("%s/runtime", s->runroot);
}

int container_start_error_exit_code(int code, const char *msg)
{
        /* Docker's rule, on the runtime's message; the errno when the message says nothing. */
        if (msg && (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory") ||
                    strstr(msg, "No such file or directory")))
                return 127;
        if (msg && (strstr(msg, "permission denied") || strstr(msg, "Permission denied")))
                return 126;
        if (code == ENOENT)
                return 127;
        if (code == EACCES || code == ENOEXEC)
                return 126;
        return 128;
}

/* ---- is the supervisor alive? ---- */

static int read_shim_pid(struct store *s, const char *id, pid_t *ret_pid, unsigned long long *ret_start)
{
        _cleanup_free_ char *dir = container_run_dir(s, id), *buf = NULL;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        unsigned long long start = 0;
        size_t len = 0;
        int pid = 0;

        if (dfd < 0 || read_file_at(dfd, SHIM_PID_FILE, 128, &buf, &len, NULL) < 0)
                return -ESRCH;
        if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0)
                return -ESRCH;
        *ret_pid = pid;
        *ret_start = start;
        return 0;
}

/* The pid file holds the shim's pid and start time: a reused pid (after a reboot, say) does not match. */
bool container_supervisor_alive(struct store *s, const struct container *c)
{
        unsigned long long start, now;
        pid_t pid;

        if (read_shim_pid(s, c->id, &pid, &start) < 0)
                return false;
        now = process_start_time(pid);
        return now != 0 && now == start;
}

int container_supervisor_pidfd(struct store *s, const struct container *c, int *ret_fd)
{
        unsigned long long start;
        pid_t pid;
        int fd;

        if (read_shim_pid(s, c->id, &pid, &start) < 0)
                return -ESRCH;
        fd = sys_pidfd_open(pid, 0);
        if (fd < 0)
                return -errno;
        /* Checked after the open: the pidfd pins this very process, whatever happens to the pid later. */
        if (process_start_time(pid) != start) {
                close(fd);
                return -ESRCH;
        }
        *ret_fd = fd;
        return 0;
}

/* ---- other OCI runtimes (HostConfig.Runtime = "crun", a path, ...) ---- */

const char *container_external_runtime(const struct container *c)
{
        const char *rt = json_string_value(json_object_get(json_object_get(c->record, "HostConfig"), "Runtime"));

        if (!rt || !*rt || streq(rt, "berth") || streq(rt, "berth-runtime"))
                return NULL;
        return rt;
}

char *container_external_runtime_root(struct store *s, const char *runtime)
{
        const char *base = strrchr(runtime, '/');
        return xasprintf("%s/runtime-%s", s->runroot, base ? base + 1 : runtime);
}

int container_external_runtime_run(struct store *s, const char *runtime, const char *const *args,
                                   struct berth_error **err)
{
        _cleanup_free_ char *root = container_external_runtime_root(s, runtime);
        const char *argv[32];
        char msg[2048];
        size_t n = 0, len = 0;
        int pfd[2], status;
        ssize_t k;
        pid_t pid;

        argv[n++] = runtime;
        argv[n++] = "--root";
        argv[n++] = root;
        for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return berth_err(err, errno, "fork");
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        dup2(null, STDOUT_FILENO);
                }
                dup2(pfd[1], STDERR_FILENO);
                execvp(runtime, (char *const *)argv);
                dprintf(STDERR_FILENO, "exec %s: %s", runtime, strerror(errno));
                _exit(127);
        }
        close(pfd[1]);
        while ((k = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) > 0 || (k < 0 && errno == EINTR))
                len += k > 0 ? (size_t)k : 0;
        close(pfd[0]);
        msg[len] = '\0';
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                msg[--len] = '\0';
        return berth_err_msg(err, strstr(msg, "not found") ? ENOENT : EIO, "%s %s: %s", runtime, args[0],
                             len ? msg : "failed");
}

/* ---- stale records ---- */

/*
 * A shim killed between the runtime's cgroup_create and its state file leaves empty cgroups that no
 * runtime state names: remove them by the path oci-config.c gives (/berth/<id>, every hierarchy).
 * rmdir removes only an empty cgroup, so a live one is never touched.
 */
static void cgroup_dirs_remove_empty(const char *id)
{
        _cleanup_free_ char *v1 = xasprintf("/sys/fs/cgroup/*/berth/%s", id);
        _cleanup_free_ char *v2 = xasprintf("/sys/fs/cgroup/berth/%s", id);
        glob_t g = { 0 };

        if (glob(v1, GLOB_NOSORT, NULL, &g) == 0)
                for (size_t i = 0; i < g.gl_pathc; i++)
                        (void)rmdir(g.gl_pathv[i]);
        globfree(&g);
        (void)rmdir(v2);
}

/* Whatever the runtime still holds of the container (its init survives a killed shim), then the rootfs. */
static void runtime_cleanup(struct store *s, struct container *c)
{
        const char *ext = container_external_runtime(c);

        if (ext) {
                const char *args[] = { "delete", "--force", c->id, NULL };
                (void)container_external_runtime_run(s, ext, args, NULL);
        } else {
                _cleanup_free_ char *root = container_runtime_root(s);
                struct runtime_context ctx = { .state_root = root };
                (void)runtime_delete(&ctx, c->id, true, NULL);
                cgroup_dirs_remove_empty(c->id);
        }
        (void)container_rootfs_umount(s, c, NULL);
}

void container_runtime_leftovers_cleanup(struct store *s, struct container *c)
{
        runtime_cleanup(s, c);
}

static void fix_stale_locked(struct store *s, struct container *c)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id);

        if (!container_status_is_live(container_status(c)) || container_supervisor_alive(s, c))
                return;
        runtime_cleanup(s, c);
        container_net_teardown(s, c);
        container_set_state(c, CONTAINER_EXITED, 0, 255, NULL);
        (void)container_save(s, c, NULL);
        (void)rm_rf_at(AT_FDCWD, run, NULL);
}

void container_fix_stale_state(struct store *s, struct container *c)
{
        int lock = -1;

        if (!container_status_is_live(container_status(c)) || container_supervisor_alive(s, c))
                return;
        if (container_lock(s, c->id, &lock, NULL) < 0)
                return;
        if (container_reload(s, c, NULL) == 0)
                fix_stale_locked(s, c);
        container_unlock(lock);
}

/* ---- start ---- */

static void wait_shim_exit(struct store *s, const struct container *c)
{
        _cleanup_close_ int pidfd = -EBADF;
        struct pollfd p;

        if (container_supervisor_pidfd(s, c, &pidfd) < 0)
                return;
        p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        (void)poll(&p, 1, 10000);
}

/*
 * The shim starts detached (spawn_detached: nobody's child, its own session). The held port sockets go to it
 * as fds 4..4+n-1 (--keep-fds n); --berth tells it which berth to run for `container cleanup` when the
 * container stops for good.
 */
static int spawn_shim(struct store *s, const struct container *c, bool attach,
                      const struct container_net_fds *keep, int *ret_ready, struct berth_error **err)
{
        _cleanup_free_ char *shim = companion_find("berth-shim", "BERTH_SHIM");
        _cleanup_free_ char *self = realpath("/proc/self/exe", NULL);
        char nkeep[16];
        const char *argv[] = { shim,   "--root",      s->root, "--runroot", s->runroot, "--id", c->id,
                               "--ready-fd", "3", "--keep-fds", nkeep, "--berth", self ?: "berth",
                               attach ? "--attach" : NULL, NULL };

        snprintf(nkeep, sizeof(nkeep), "%zu", keep->n);
        if (!shim)
                return berth_err_msg(err, ENOENT, "berth-shim not found next to %s (set BERTH_SHIM)",
                                     "the berth binary");
        return spawn_detached(argv, keep->fds, keep->n, false, ret_ready, err);
}

/*
 * EOF on the ready pipe does not always tell a dead shim: an init it left in "created" (the shim killed
 * between create and start) holds a copy of the pipe's write end. So the wait also watches the shim's
 * pid file: once written, a shim gone means no line will come.
 */
static int ready_wait(struct store *s, const struct container *c, int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        unsigned long long start;
        pid_t pid;

        for (;;) {
                int r = poll(&p, 1, 100);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
                /* A line written just before the shim exited still counts. */
                if (r == 0 && read_shim_pid(s, c->id, &pid, &start) == 0 && !container_supervisor_alive(s, c))
                        return poll(&p, 1, 0) > 0 ? 0 : -EPIPE;
        }
}

static int ready_line(struct store *s, const struct container *c, int fd, char *buf, size_t size,
                      struct berth_error **err)
{
        int r = ready_wait(s, c, fd);

        if (r == 0)
                r = shim_read_line(fd, buf, size);

        if (r == -EPIPE)
                return berth_err_msg(err, EIO, "the container supervisor exited before the container started");
        if (r < 0)
                return berth_err(err, -r, "read from the container supervisor");
        return 0;
}

/*
 * A container never started by berth's own runtime, with no runtime state: nothing to clean up (the
 * cleanup reads the state and scans every cgroup hierarchy, ~25 syscalls on the path of every `run`).
 */
static bool never_ran(struct store *s, const struct container *c)
{
        const char *started = json_string_value(json_object_get(json_object_get(c->record, "State"), "StartedAt"));
        _cleanup_free_ char *root = NULL, *state = NULL;

        if (container_external_runtime(c) || !started || strncmp(started, "0001-", 5) != 0)
                return false;
        root = container_runtime_root(s);
        state = xasprintf("%s/%s", root, c->id);
        return access(state, F_OK) < 0 && errno == ENOENT;
}

/* The rootfs, the network and config.json, under the lock. */
static int prepare_bundle(struct store *s, struct container *c, const struct image *held,
                          struct container_net_fds *fds, struct berth_error **err)
{
        const char *image = json_string_value(json_object_get(c->record, "Image"));
        _cleanup_image_ struct image *found = NULL;
        struct image *img = (struct image *)held;
        json_t *spec = NULL;
        int r = 0, vlock = -1;

        if (!img || !image || !streq(img->id, image))
                r = image_lookup(s, image ? image : "", &found, err);
        if (r < 0)
                return r;
        if (found)
                img = found;
        r = container_rootfs_mount(s, c, img, err);
        if (r < 0)
                return r;
        r = container_net_setup(s, c, fds, err);
        if (r < 0)
                return r;
        /* A new anonymous volume exists before the record that names it is saved: a `volume prune`
         * in between must not take it (it holds the lock exclusive while it looks for users). */
        r = volume_lock(s, false, &vlock, err);
        if (r < 0)
                return r;
        r = container_oci_config(s, c, img, &spec, err);
        volume_unlock(vlock);
        json_decref(spec);
        return r;
}

int container_start(struct store *s, struct container *c, const struct container_start_options *o,
                    struct berth_error **err)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id);
        _cleanup_close_ int ready = -EBADF;
        struct container_net_fds fds = { 0 };
        bool net_ours = false;
        char line[4096];
        int lock = -1, r, n = 0;

        r = container_lock(s, c->id, &lock, err);
        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r < 0)
                goto out;
        if (container_supervisor_alive(s, c) && !container_status_is_live(container_status(c)))
                wait_shim_exit(s, c); /* `restart`: the old shim answered the stop and is on its way out */
        if (container_supervisor_alive(s, c)) {
                r = container_status(c) == CONTAINER_PAUSED
                            ? berth_err_msg(err, EBUSY, "cannot start a paused container, try unpause instead")
                            : berth_err_msg(err, EALREADY, "container %s is already running", c->name);
                goto out;
        }
        fix_stale_locked(s, c);
        if (!never_ran(s, c))
                runtime_cleanup(s, c); /* leftovers of a crash: a runtime state dir blocks create */
        /* Saved with config.json (container_oci_config): one fsync'd write of the record, not two. */
        json_object_set_new(c->record, "HasBeenManuallyStopped", json_false());
        r = prepare_bundle(s, c, o ? o->image : NULL, &fds, err);
        net_ours = true; /* until the shim has it: then it releases the network when the container is done */
        if (r < 0)
                goto out;
        (void)rm_rf_at(AT_FDCWD, run, NULL);
        r = mkdir_p(run, 0700, err);
        if (r < 0)
                goto out;
        r = spawn_shim(s, c, o && o->attach, &fds, &ready, err);
        container_net_fds_close(&fds); /* the shim holds the ports now */
        if (r < 0)
                goto out;
        /* "P": the shim owns the container now and takes the lock itself to record the start. */
        r = ready_line(s, c, ready, line, sizeof(line), err);
        if (r < 0)
                goto out;
        if (line[0] == 'E') {
                r = shim_reply_parse(line, &n, err);
                goto out;
        }
        net_ours = false;
        container_unlock(lock);
        lock = -1;
        r = ready_line(s, c, ready, line, sizeof(line), err);
        if (r == 0)
                r = shim_reply_parse(line, &n, err);
out:
        container_net_fds_close(&fds);
        if (r < 0 && net_ours && lock >= 0) {
                container_net_teardown(s, c);
                (void)container_save(s, c, NULL);
        }
        container_unlock(lock);
        if (lock < 0)
                (void)container_reload(s, c, NULL); /* the shim's view: running, or the start error */
        return r;
}

/* ---- wait, stop, kill, pause ---- */

/* No supervisor listens, or it exited with our connection still in its backlog. */
static bool no_supervisor(int r)
{
        return r == -ENOENT || r == -ECONNREFUSED || r == -ENOTDIR || r == -ECONNRESET || r == -EPIPE;
}

static int recorded_exit_code(struct store *s, struct container *c, int *ret, struct berth_error **err)
{
        int r = container_reload(s, c, err);

        if (r < 0)
                return r;
        container_fix_stale_state(s, c);
        *ret = (int)json_integer_value(json_object_get(json_object_get(c->record, "State"), "ExitCode"));
        return 0;
}

int container_wait(struct store *s, struct container *c, int *ret_exit_code, struct berth_error **err)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id);
        _cleanup_error_ struct berth_error *e = NULL;
        int r, code = 0;

        r = shim_call(run, "WAIT\n", &code, &e);
        if (r == 0) {
                *ret_exit_code = code;
                return 0;
        }
        if (!no_supervisor(r) && r != -EPIPE) {
                *err = TAKE_PTR(e);
                return r;
        }
        /* No supervisor (or it exited while answering): the record holds the last exit. */
        return recorded_exit_code(s, c, ret_exit_code, err);
}

static int stop_signal(const struct container *c)
{
        const char *name = json_string_value(json_object_get(json_object_get(c->record, "Config"), "StopSignal"));
        int sig = name && *name ? runtime_signal_parse(name) : SIGTERM;

        return sig > 0 ? sig : SIGTERM;
}

static int stop_timeout(const struct container *c)
{
        json_t *t = json_object_get(json_object_get(c->record, "Config"), "StopTimeout");

        if (!json_is_integer(t))
                t = json_object_get(json_object_get(c->record, "HostConfig"), "StopTimeout");
        return json_is_integer(t) && json_integer_value(t) >= 0 ? (int)json_integer_value(t) : 10;
}

static int not_running(const struct container *c, struct berth_error **err)
{
        return berth_err_msg(err, EBUSY, "Container %s is not running", c->id);
}

int container_stop(struct store *s, struct container *c, int timeout, struct berth_error **err)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id), *req = NULL;
        _cleanup_error_ struct berth_error *e = NULL;
        int r, code = 0;

        req = xasprintf("STOP %d %d\n", stop_signal(c), timeout >= 0 ? timeout : stop_timeout(c));
        r = shim_call(run, req, &code, &e);
        if (r == 0 || r == -EPIPE || no_supervisor(r)) {
                /* No supervisor: nothing runs (a stale record is fixed up on the way). */
                container_fix_stale_state(s, c);
                (void)container_reload(s, c, NULL);
                return 0;
        }
        *err = TAKE_PTR(e);
        return r;
}

int container_kill(struct store *s, struct container *c, int sig, struct berth_error **err)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id), *req = xasprintf("KILL %d\n", sig);
        _cleanup_error_ struct berth_error *e = NULL;
        int r, n = 0;

        r = shim_call(run, req, &n, &e);
        if (r == 0)
                return 0;
        if (no_supervisor(r) || r == -EPIPE) {
                container_fix_stale_state(s, c);
                return not_running(c, err);
        }
        *err = TAKE_PTR(e);
        return r;
}

int container_pause(struct store *s, struct container *c, bool pause, struct berth_error **err)
{
        const char *ext = container_external_runtime(c);
        int lock = -1, r;

        r = container_lock(s, c->id, &lock, err);
        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r < 0)
                goto out;
        if (!container_supervisor_alive(s, c) ||
            (container_status(c) != CONTAINER_RUNNING && container_status(c) != CONTAINER_PAUSED))
                r = not_running(c, err);
        else if (pause && container_status(c) == CONTAINER_PAUSED)
                r = berth_err_msg(err, EBUSY, "Container %s is already paused", c->id);
        else if (!pause && container_status(c) != CONTAINER_PAUSED)
                r = berth_err_msg(err, EBUSY, "Container %s is not paused", c->id);
        if (r < 0)
                goto out;
        if (ext) {
                const char *args[] = { pause ? "pause" : "resume", c->id, NULL };
                r = container_external_runtime_run(s, ext, args, err);
        } else {
                _cleanup_free_ char *root = container_runtime_root(s);
                struct runtime_context ctx = { .state_root = root };
                r = runtime_pause(&ctx, c->id, pause, err);
        }
        if (r == 0) {
                json_t *state = json_object_get(c->record, "State");
                pid_t pid = (pid_t)json_integer_value(json_object_get(state, "Pid"));
                json_t *started = json_incref(json_object_get(state, "StartedAt"));
                container_set_state(c, pause ? CONTAINER_PAUSED : CONTAINER_RUNNING, pid, 0, NULL);
                json_object_set_new(state, "StartedAt", started); /* a pause is not a new start */
                r = container_save(s, c, err);
        }
out:
        container_unlock(lock);
        return r;
}

/* ---- attach ---- */

#define ATTACH_BUF (32u << 10)
#define CTRL_P 0x10
#define CTRL_Q 0x11

struct attach_io {
        int sock, in_fd, out_fd, err_fd, sig_fd;
        bool tty, send_stdin, held_ctrl_p, detached, done;
        int exit_code;
        char out[SHIM_FRAME_HEADER + ATTACH_BUF + 1]; /* one stdin frame on its way to the shim */
        size_t out_len, out_off;
        uint8_t hdr[SHIM_FRAME_HEADER]; /* the frame being received */
        size_t hdr_len;
        enum shim_stream stream;
        uint32_t left;
        char msg[4096]; /* an exit or error payload */
        size_t msg_len;
};

static void queue_frame(struct attach_io *a, enum shim_stream st, const char *data, size_t len)
{
        shim_frame_header((uint8_t *)a->out, st, (uint32_t)len);
        if (len) /* an empty frame (stdin EOF) may come with data == NULL */
                memcpy(a->out + SHIM_FRAME_HEADER, data, len);
        a->out_len = SHIM_FRAME_HEADER + len;
        a->out_off = 0;
}

static void queue_resize(struct attach_io *a)
{
        struct winsize ws;
        char buf[32];
        int n;

        if (ioctl(a->out_fd, TIOCGWINSZ, &ws) < 0 && (a->in_fd < 0 || ioctl(a->in_fd, TIOCGWINSZ, &ws) < 0))
                return;
        n = snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
        queue_frame(a, SHIM_STREAM_RESIZE, buf, (size_t)n);
}

/* Reads the caller's stdin into one frame; ctrl-p ctrl-q detaches (with a tty, as Docker's default keys). */
static void read_stdin(struct attach_io *a)
{
        char buf[ATTACH_BUF], data[ATTACH_BUF + 1];
        size_t n = 0;
        ssize_t k = read(a->in_fd, buf, sizeof(buf));

        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (k <= 0) {
                queue_frame(a, SHIM_STREAM_STDIN, NULL, 0); /* EOF: close the container's stdin */
                a->send_stdin = false;
                return;
        }
        for (ssize_t i = 0; i < k; i++) {
                unsigned char ch = (unsigned char)buf[i];
                if (a->tty && a->held_ctrl_p) {
                        a->held_ctrl_p = false;
                        if (ch == CTRL_Q) {
                                a->detached = a->done = true;
                                return;
                        }
                        data[n++] = CTRL_P;
                }
                if (a->tty && ch == CTRL_P) {
                        a->held_ctrl_p = true; /* held until the next byte tells */
                        continue;
                }
                data[n++] = (char)ch;
        }
        if (n)
                queue_frame(a, SHIM_STREAM_STDIN, data, n);
}

static int frame_done(struct attach_io *a, struct berth_error **err)
{
        char *end = NULL;
        long v;

        a->msg[a->msg_len] = '\0';
        if (a->stream == SHIM_STREAM_EXIT) {
                a->exit_code = (int)strtol(a->msg, NULL, 10);
                a->done = true;
        } else if (a->stream == SHIM_STREAM_ERROR) {
                v = strtol(a->msg, &end, 10);
                if (end && *end == ' ')
                        end++;
                return berth_err_msg(err, v > 0 && v < 4096 ? (int)v : EIO, "%s", end ? end : a->msg);
        }
        return 0;
}

/* Demultiplexes whatever arrived: output frames to out_fd/err_fd, the exit or error frame last. */
static int read_frames(struct attach_io *a, struct berth_error **err)
{
        char buf[ATTACH_BUF];
        ssize_t k = read(a->sock, buf, sizeof(buf));
        size_t i = 0;
        int r;

        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (k <= 0)
                return -EPIPE;
        while (i < (size_t)k) {
                if (a->hdr_len < SHIM_FRAME_HEADER) {
                        a->hdr[a->hdr_len++] = (uint8_t)buf[i++];
                        if (a->hdr_len < SHIM_FRAME_HEADER)
                                continue;
                        if (!shim_frame_parse(a->hdr, &a->stream, &a->left))
                                return berth_err_msg(err, EPROTO, "bad frame from the container supervisor");
                        a->msg_len = 0;
                } else {
                        size_t take = (size_t)k - i < a->left ? (size_t)k - i : a->left;
                        if (a->stream == SHIM_STREAM_STDOUT || a->stream == SHIM_STREAM_STDERR) {
                                int fd = a->stream == SHIM_STREAM_STDERR && !a->tty ? a->err_fd : a->out_fd;
                                if (fd >= 0 && write_all(fd, buf + i, take) < 0 && errno != EPIPE)
                                        return berth_err(err, errno, "write container output");
                        } else {
                                size_t room = sizeof(a->msg) - 1 - a->msg_len;
                                memcpy(a->msg + a->msg_len, buf + i, take < room ? take : room);
                                a->msg_len += take < room ? take : room;
                        }
                        i += take;
                        a->left -= (uint32_t)take;
                }
                if (a->hdr_len == SHIM_FRAME_HEADER && a->left == 0) {
                        a->hdr_len = 0;
                        if ((r = frame_done(a, err)) < 0 || a->done)
                                return r;
                }
        }
        return 0;
}

static int attach_loop(struct attach_io *a, struct berth_error **err)
{
        while (!a->done) {
                struct pollfd p[3] = { { .fd = a->sock, .events = POLLIN }, { .fd = -1 }, { .fd = a->sig_fd } };
                int r;

                if (a->out_len > a->out_off)
                        p[0].events |= POLLOUT;
                else if (a->send_stdin)
                        p[1] = (struct pollfd){ .fd = a->in_fd, .events = POLLIN };
                p[2].events = a->sig_fd >= 0 ? POLLIN : 0;
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_err(err, errno, "poll");
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        r = read_frames(a, err);
                        if (r < 0)
                                return r;
                }
                if ((p[0].revents & POLLOUT) && a->out_len > a->out_off) {
                        ssize_t k = write(a->sock, a->out + a->out_off, a->out_len - a->out_off);
                        if (k < 0 && errno != EAGAIN && errno != EINTR)
                                return -EPIPE;
                        if (k > 0)
                                a->out_off += (size_t)k;
                }
                if (p[1].revents)
                        read_stdin(a);
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(a->sig_fd, &si, sizeof(si)) > 0 && a->out_len <= a->out_off)
                                queue_resize(a);
                }
        }
        return 0;
}

int container_attach(struct store *s, struct container *c, int in_fd, int out_fd, int err_fd, bool interactive,
                     int *ret_exit_code, bool *ret_detached, struct berth_error **err)
{
        _cleanup_free_ char *run = container_run_dir(s, c->id);
        json_t *cfg = json_object_get(c->record, "Config");
        bool open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
        _cleanup_free_ struct attach_io *a = xcalloc(1, sizeof(*a));
        _cleanup_close_ int sock = -EBADF, sig_fd = -EBADF;
        char req[32];
        sigset_t winch, saved;
        bool masked = false;
        int r;

        *a = (struct attach_io){ .in_fd = in_fd, .out_fd = out_fd, .err_fd = err_fd,
                                 .tty = json_is_true(json_object_get(cfg, "Tty")), .sig_fd = -1 };
        a->send_stdin = interactive && open_stdin && in_fd >= 0;
        r = shim_connect(run, &sock, err);
        if (r < 0) {
                if (!no_supervisor(r))
                        return r;
                berth_error_freep(err);
                return berth_err_msg(err, EBUSY, "You cannot attach to a stopped container, start it first");
        }
        snprintf(req, sizeof(req), "ATTACH stdin=%d\n", a->send_stdin ? 1 : 0);
        if (write_all(sock, req, strlen(req)) < 0)
                return berth_err(err, errno, "attach to the container supervisor");
        if (fcntl(sock, F_SETFL, O_NONBLOCK) < 0)
                return berth_err(err, errno, "fcntl");
        a->sock = sock;
        if (a->tty && (isatty(out_fd) || (in_fd >= 0 && isatty(in_fd)))) {
                sigemptyset(&winch);
                sigaddset(&winch, SIGWINCH);
                masked = sigprocmask(SIG_BLOCK, &winch, &saved) == 0;
                sig_fd = masked ? signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK) : -EBADF;
                a->sig_fd = sig_fd;
                queue_resize(a);
        }
        r = attach_loop(a, err);
        if (masked)
                sigprocmask(SIG_SETMASK, &saved, NULL);
        if (r == -EPIPE) {
                /* The supervisor went away without an exit frame (killed): the record's last word. */
                r = recorded_exit_code(s, c, &a->exit_code, err);
        }
        if (r < 0)
                return r;
        *ret_detached = a->detached;
        *ret_exit_code = a->detached ? 0 : a->exit_code;
        return 0;
}
