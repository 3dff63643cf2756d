/* SPDX-License-Identifier: Apache-2.0 */
/* The container's lifecycle in the shim: create, start, exit, restart policy, stop and kill, records. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "container/container-net-internal.h"
#include "container/supervisor.h"
#include "runtime/runtime-internal.h"
#include "runtime/runtime.h"
#include "runtime/terminal.h"
#include "shim.h"
#include "volume/volume.h"


int64_t shim_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every record change: lock, re-read (the CLI may have written since), change, save. */
typedef void (*record_edit)(struct shim *sh, struct container *c);

static int record_update(struct shim *sh, record_edit edit)
{
        _cleanup_error_ struct berth_error *e = NULL;
        int lock = -1, r;

        r = container_lock(sh->store, sh->id, &lock, &e);
        if (r < 0)
                return r;
        r = container_reload(sh->store, sh->c, &e);
        if (r == 0) {
                edit(sh, sh->c);
                r = container_save(sh->store, sh->c, &e);
        }
        container_unlock(lock);
        return r;
}

/* ---- other OCI runtimes: their CLI, with the container's stdio on fds 0-2 ---- */

static int ext_console_listen(struct shim *sh, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return berth_err(err, errno, "socket");
        (void)unlinkat(sh->run_dir_fd, "console.sock", 0);
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/console.sock", sh->run_dir);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
                int e = errno;
                close(fd);
                return berth_err(err, e, "bind `%s`", addr.sun_path);
        }
        return fd;
}

static int ext_create(struct shim *sh, pid_t *ret_pid, struct berth_error **err)
{
        _cleanup_free_ char *root = container_external_runtime_root(sh->store, sh->ext_runtime);
        _cleanup_free_ char *pidf = xasprintf("%s/init.pid", sh->run_dir), *logf = xasprintf("%s/runtime.log", sh->run_dir);
        _cleanup_free_ char *cons = xasprintf("%s/console.sock", sh->run_dir), *buf = NULL;
        const char *argv[] = { sh->ext_runtime, "--root", root, "--log", logf, "create", "--bundle", sh->bundle,
                               "--pid-file", pidf, sh->tty ? "--console-socket" : sh->id, sh->tty ? cons : NULL,
                               sh->tty ? sh->id : NULL, NULL };
        _cleanup_close_ int lfd = -EBADF;
        int status;
        size_t len;
        pid_t pid;

        if (sh->tty && (lfd = ext_console_listen(sh, err)) < 0)
                return lfd;
        pid = fork();
        if (pid < 0)
                return berth_err(err, errno, "fork");
        if (pid == 0) {
                execvp(sh->ext_runtime, (char *const *)argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (read_file_at(AT_FDCWD, logf, 1 << 16, &buf, &len, NULL) == 0 && len) {
                        char *last;
                        while (len && buf[len - 1] == '\n')
                                buf[--len] = '\0';
                        last = strrchr(buf, '\n');
                        return berth_err_msg(err, strstr(buf, "not found") ? ENOENT : EIO, "%s",
                                             last ? last + 1 : buf);
                }
                return berth_err_msg(err, WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : EIO,
                                     "%s create failed", sh->ext_runtime);
        }
        if (sh->tty) {
                _cleanup_close_ int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                int master = -1;
                if (conn < 0 || fd_recv(conn, &master, err) < 0)
                        return err && *err ? -1 : berth_err(err, errno, "receive the console");
                shim_master_set(sh, master);
        }
        free(buf);
        buf = NULL;
        if (read_file_at(AT_FDCWD, pidf, 64, &buf, &len, err) < 0)
                return -1;
        *ret_pid = (pid_t)atoi(buf);
        return 0;
}

static int ext_simple(struct shim *sh, const char *verb, const char *arg, struct berth_error **err)
{
        const char *args[] = { verb, sh->id, arg, NULL };

        if (streq(verb, "delete")) {
                args[1] = "--force";
                args[2] = sh->id;
        }
        return container_external_runtime_run(sh->store, sh->ext_runtime, args, err);
}

/* ---- create and start ---- */

int shim_launch(struct shim *sh, struct berth_error **err)
{
        struct runtime_context ctx = { .state_root = sh->runtime_root };
        struct runtime_create_options o = { .id = sh->id, .bundle = sh->bundle };
        int console[2], r, master = -1;
        pid_t pid = 0;

        r = shim_stdio_setup(sh, console, err);
        if (r < 0) {
                shim_stdio_release(sh);
                return r;
        }
        if (sh->ext_runtime)
                r = ext_create(sh, &pid, err);
        else
                r = runtime_create_console_fd(&ctx, &o, console[1], &pid, err);
        shim_stdio_release(sh);
        if (console[1] >= 0)
                close(console[1]);
        if (r == 0 && console[0] >= 0 && !sh->ext_runtime) {
                r = fd_recv(console[0], &master, err);
                if (r == 0)
                        shim_master_set(sh, master);
        }
        if (console[0] >= 0)
                close(console[0]);
        if (r < 0) {
                shim_output_drain(sh);
                return r;
        }
        sh->init_pid = pid;
        sh->phase = PHASE_CREATED;
        return 0;
}

static void edit_running(struct shim *sh, struct container *c)
{
        container_set_state(c, CONTAINER_RUNNING, sh->init_pid, 0, NULL);
}

int shim_begin(struct shim *sh, struct berth_error **err)
{
        struct runtime_context ctx = { .state_root = sh->runtime_root };
        int r;

        r = sh->ext_runtime ? ext_simple(sh, "start", NULL, err) : runtime_start(&ctx, sh->id, err);
        if (r < 0)
                return r;
        sh->phase = PHASE_RUNNING;
        sh->started_at = shim_now_ms();
        (void)record_update(sh, edit_running);
        shim_health_start(sh);
        return 0;
}

static void runtime_gone(struct shim *sh)
{
        struct runtime_context ctx = { .state_root = sh->runtime_root };

        if (sh->ext_runtime)
                (void)ext_simple(sh, "delete", NULL, NULL);
        else
                (void)runtime_delete(&ctx, sh->id, true, NULL);
}

static const struct berth_error *failed_start;

static void edit_start_failed(struct shim *sh, struct container *c)
{
        json_t *state = json_object_get(c->record, "State");
        const struct berth_error *e = failed_start;

        (void)sh;
        /* Docker leaves a container that could not start as created, with the code and the reason. */
        container_set_state(c, CONTAINER_CREATED, 0, 0, e && e->msg ? e->msg : "start failed");
        json_object_set_new(state, "ExitCode",
                            json_integer(container_start_error_exit_code(e ? e->code : EIO, e ? e->msg : NULL)));
}

/* No port rules to remove: the namespace, addresses and names, without exec'ing berth (a few ms less). */
static void release_network_here(struct shim *sh)
{
        bool autorm = json_is_true(json_object_get(json_object_get(sh->c->record, "HostConfig"), "AutoRemove"));
        int lock = -1;

        if (container_lock(sh->store, sh->id, &lock, NULL) < 0)
                return;
        if (container_reload(sh->store, sh->c, NULL) == 0) {
                container_net_teardown_local(sh->store, sh->c);
                if (!autorm) /* --rm: the record goes right after */
                        (void)container_save(sh->store, sh->c, NULL);
        }
        container_unlock(lock);
}

/*
 * The container is done for good: its published ports (the held sockets) and its network go, through
 * `berth container cleanup` (the network code needs libnftables, which this lean process does not
 * load). Before the exit is reported, so that a `stop` or `run` that returns leaves the ports free.
 */
static void release_network(struct shim *sh)
{
        const char *key = json_string_value(
            json_object_get(json_object_get(sh->c->record, "NetworkSettings"), "SandboxKey"));
        pid_t pid;
        int status;

        if (sh->net_released)
                return;
        sh->net_released = true;
        for (int fd = 4; fd < 4 + sh->keep_fds; fd++)
                close(fd);
        if (!key || !*key)
                return;
        if (!container_net_has_ports(sh->c) || !sh->berth_exe) {
                release_network_here(sh);
                return;
        }
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0 && (dup2(null, 0) < 0 || dup2(null, 1) < 0))
                        _exit(127);
                execl(sh->berth_exe, sh->berth_exe, "--root", sh->store->root, "--runroot", sh->store->runroot,
                      "container", "cleanup", sh->id, (char *)NULL);
                _exit(127);
        }
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
}

/* Not here for good: the container is gone, the rootfs unmounted, --rm honoured. */
static void finish(struct shim *sh)
{
        _cleanup_free_ char *rootfs = xasprintf("%s/containers/%s/rootfs", sh->store->root, sh->id);
        bool autorm = json_is_true(json_object_get(json_object_get(sh->c->record, "HostConfig"), "AutoRemove"));
        int lock = -1;

        sh->phase = PHASE_GONE;
        release_network(sh);
        /* container_rootfs_umount's job, inline: the shim does not link the image store for one umount2. */
        (void)umount2(rootfs, MNT_DETACH);
        if (autorm && container_lock(sh->store, sh->id, &lock, NULL) == 0) {
                /* Its anonymous volumes go with it (rm -v), named ones stay, as docker's --rm. */
                if (container_reload(sh->store, sh->c, NULL) == 0 &&
                    container_delete(sh->store, sh->c, NULL) == 0)
                        (void)volume_remove_anonymous_of(sh->store, json_object_get(sh->c->record, "Mounts"),
                                                         NULL);
                container_unlock(lock);
        }
}

void shim_start_failed(struct shim *sh, const struct berth_error *e)
{
        sh->exit_code = container_start_error_exit_code(e ? e->code : EIO, e ? e->msg : NULL);
        runtime_gone(sh);
        shim_output_drain(sh);
        failed_start = e;
        (void)record_update(sh, edit_start_failed);
        failed_start = NULL;
        shim_clients_error(sh, e);
        finish(sh);
}

/* ---- exit and the restart policy ---- */

static bool should_restart(struct shim *sh)
{
        json_t *hc = json_object_get(sh->c->record, "HostConfig"), *rp = json_object_get(hc, "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name"));
        json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
        json_int_t count = json_integer_value(json_object_get(sh->c->record, "RestartCount"));

        if (sh->manually_stopped || json_is_true(json_object_get(sh->c->record, "HasBeenManuallyStopped")))
                return false;
        if (json_is_true(json_object_get(hc, "AutoRemove")) || !name)
                return false;
        if (streq(name, "always") || streq(name, "unless-stopped"))
                return true;
        if (streq(name, "on-failure"))
                return sh->exit_code != 0 && (max <= 0 || count < max);
        /* berth's "on-unhealthy": the health check stopped it (shim-health.c); any other exit is final. */
        if (streq(name, "on-unhealthy"))
                return shim_health_wants_restart(sh);
        return false;
}

static void edit_exited(struct shim *sh, struct container *c)
{
        container_set_state(c, CONTAINER_EXITED, 0, sh->exit_code, NULL);
        if (sh->manually_stopped)
                json_object_set_new(c->record, "HasBeenManuallyStopped", json_true());
}

static void edit_restarting(struct shim *sh, struct container *c)
{
        json_t *state = json_object_get(c->record, "State");

        edit_exited(sh, c);
        json_object_set_new(state, "Status", json_string("restarting"));
        json_object_set_new(state, "Restarting", json_true());
        json_object_set_new(state, "Running", json_true()); /* as Docker during the backoff */
        json_object_set_new(c->record, "RestartCount",
                            json_integer(json_integer_value(json_object_get(c->record, "RestartCount")) + 1));
}

void shim_on_exit(struct shim *sh, int status)
{
        int64_t ran;

        sh->exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        sh->init_pid = 0;
        sh->kill_at = 0;
        shim_health_stop(sh);
        shim_output_drain(sh);
        runtime_gone(sh);
        /* The record may be gone (rm -f raced us): then there is nothing left to restart. */
        if (record_update(sh, edit_exited) < 0) {
                release_network(sh);
                shim_clients_exit(sh);
                sh->phase = PHASE_GONE;
                return;
        }
        if (!should_restart(sh)) {
                release_network(sh);
                shim_clients_exit(sh);
                finish(sh);
                return;
        }
        shim_clients_exit(sh);
        /* Docker's backoff: 100 ms doubling to 1 min, back to 100 ms after 10 s of running. */
        ran = shim_now_ms() - sh->started_at;
        if (ran >= 10000 || sh->backoff_ms == 0)
                sh->backoff_ms = 100;
        sh->restart_at = shim_now_ms() + sh->backoff_ms;
        sh->backoff_ms = sh->backoff_ms * 2 > 60000 ? 60000 : sh->backoff_ms * 2;
        sh->phase = PHASE_RESTARTING;
        (void)record_update(sh, edit_restarting);
}

void shim_restart_due(struct shim *sh)
{
        _cleanup_error_ struct berth_error *e = NULL;

        sh->restart_at = 0;
        if (shim_launch(sh, &e) < 0 || shim_begin(sh, &e) < 0) {
                if (sh->phase == PHASE_CREATED)
                        runtime_gone(sh);
                shim_start_failed(sh, e);
        }
}

/* ---- stop and kill ---- */

static void edit_stopped_by_hand(struct shim *sh, struct container *c)
{
        (void)sh;
        json_object_set_new(c->record, "HasBeenManuallyStopped", json_true());
}

static void edit_thawed(struct shim *sh, struct container *c)
{
        json_t *state = json_object_get(c->record, "State");
        json_t *started = json_incref(json_object_get(state, "StartedAt"));

        container_set_state(c, CONTAINER_RUNNING, sh->init_pid, 0, NULL);
        json_object_set_new(state, "StartedAt", started);
}

static void thaw(struct shim *sh)
{
        struct runtime_context ctx = { .state_root = sh->runtime_root };

        if (container_status(sh->c) != CONTAINER_PAUSED)
                return;
        if ((sh->ext_runtime ? ext_simple(sh, "resume", NULL, NULL) : runtime_pause(&ctx, sh->id, false, NULL)) == 0)
                (void)record_update(sh, edit_thawed);
}

void shim_stop(struct shim *sh, struct client *cl, int sig, int timeout)
{
        sh->manually_stopped = true;
        (void)record_update(sh, edit_stopped_by_hand);
        if (sh->phase == PHASE_RESTARTING) {
                /* Between two runs: the stop cancels the restart. */
                sh->restart_at = 0;
                (void)record_update(sh, edit_exited);
                finish(sh);
        }
        if (sh->phase != PHASE_RUNNING && sh->phase != PHASE_CREATED) {
                char line[32];
                snprintf(line, sizeof(line), "OK %d\n", sh->exit_code);
                shim_client_send(cl, line, strlen(line));
                cl->closing = true;
                return;
        }
        cl->wants_exit = true;
        if (sh->init_pid > 0)
                (void)kill(sh->init_pid, timeout > 0 ? sig : SIGKILL);
        thaw(sh); /* a frozen process cannot act on its signal */
        if (timeout > 0 && (!sh->kill_at || sh->kill_at > shim_now_ms() + timeout * 1000LL))
                sh->kill_at = shim_now_ms() + timeout * 1000LL;
}

void shim_kill_due(struct shim *sh)
{
        sh->kill_at = 0;
        if (sh->init_pid > 0)
                (void)kill(sh->init_pid, SIGKILL);
}

int shim_kill(struct shim *sh, int sig, struct berth_error **err)
{
        const char *ss = json_string_value(json_object_get(json_object_get(sh->c->record, "Config"), "StopSignal"));
        int stop_sig = ss && *ss ? runtime_signal_parse(ss) : SIGTERM;

        if (sh->phase != PHASE_RUNNING || sh->init_pid <= 0)
                return berth_err_msg(err, EBUSY, "Container %s is not running", sh->id);
        /* As Docker: killing with the stop signal or SIGKILL is a manual stop (no restart follows). */
        if (sig == SIGKILL || sig == stop_sig) {
                sh->manually_stopped = true;
                (void)record_update(sh, edit_stopped_by_hand);
        }
        if (kill(sh->init_pid, sig) < 0)
                return berth_err(err, errno, "kill container %s", sh->id);
        if (sig == SIGKILL)
                thaw(sh);
        return 0;
}
