/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health check (Config.Healthcheck), Docker's semantics: one probe at a
 * time, the first one Interval after the start, the next one Interval after
 * the previous one ends; a probe that outlives Timeout is killed and fails;
 * failures during StartPeriod do not count while the status is "starting";
 * Retries consecutive failures make the container unhealthy, one success
 * healthy. State.Health {Status, FailingStreak, Log (last 5)} is written
 * into the record after each probe. berth's `--restart on-unhealthy` stops
 * a container that turns unhealthy; the exit path then restarts it.
 *
 * One timerfd (the next probe, or the running probe's deadline) and the
 * probe's output pipe join the shim's poll loop; the probe is our child
 * (runtime_exec's process is cloned with CLONE_PARENT), reaped by reap().
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "base/xalloc.h"
#include "container/supervisor.h"
#include "runtime/runtime.h"
#include "shim.h"

#define HEALTH_DEFAULT_NS (30LL * 1000000000LL) /* Interval and Timeout */
#define HEALTH_DEFAULT_RETRIES 3
#define HEALTH_MAX_LOG 5
#define HEALTH_MAX_OUTPUT 4096
#define HEALTH_PID_FILE "health.pid"

struct shim_health {
        int timer_fd, out_fd;
        char **args; /* the probe's argv; NULL: no health check */
        int64_t interval_ns, timeout_ns, start_period_ns;
        int retries;
        int64_t started_at; /* monotonic ms of the container's start */
        pid_t pid;          /* the running probe, 0: none */
        bool timed_out;
        bool stopping; /* turned unhealthy under on-unhealthy: the container is being stopped */
        bool restart_wanted;
        char *probe_start; /* RFC 3339 */
        char out[HEALTH_MAX_OUTPUT + 1];
        size_t out_len;
};

static int64_t ns_field(json_t *hc, const char *key, int64_t def)
{
        json_int_t v = json_integer_value(json_object_get(hc, key));
        return v > 0 ? (int64_t)v : def;
}

/* The probe's argv from Test; NULL when there is no check ("NONE", empty, unknown kind). */
static char **probe_args(json_t *test)
{
        const char *kind = json_string_value(json_array_get(test, 0));
        char **args = NULL;
        json_t *v;
        size_t i;

        if (!kind || json_array_size(test) < 2)
                return NULL;
        if (streq(kind, "CMD-SHELL")) {
                const char *cmd = json_string_value(json_array_get(test, 1));
                if (!cmd)
                        return NULL;
                args = strv_push(strv_push(strv_push(NULL, "/bin/sh"), "-c"), cmd);
        } else if (streq(kind, "CMD")) {
                json_array_foreach (test, i, v)
                        if (i > 0 && json_is_string(v))
                                args = strv_push(args, json_string_value(v));
        }
        return args;
}

static void arm(struct shim_health *h, int64_t ns)
{
        struct itimerspec its = {.it_value = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL}};

        if (ns < 0)
                its.it_value = (struct timespec){0}; /* disarm */
        else if (ns == 0)
                its.it_value.tv_nsec = 1; /* 0 would disarm: "now" is 1 ns */
        if (h->timer_fd >= 0)
                (void)timerfd_settime(h->timer_fd, 0, &its, NULL);
}

/* Locks, re-reads and saves the record around an edit of State.Health (the CLI may have written since). */
static void health_record(struct shim *sh, void (*edit)(struct shim *sh, json_t *health, void *data),
                          void *data)
{
        _cleanup_error_ struct berth_error *e = NULL;
        json_t *state, *health;
        int lock = -1;

        if (container_lock(sh->store, sh->id, &lock, &e) < 0)
                return;
        if (container_reload(sh->store, sh->c, &e) == 0) {
                state = json_object_get(sh->c->record, "State");
                health = json_object_get(state, "Health");
                if (!json_is_object(health)) {
                        health =
                            json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
                        json_object_set_new(state, "Health", health);
                }
                edit(sh, health, data);
                (void)container_save(sh->store, sh->c, &e);
        }
        container_unlock(lock);
}

static void edit_starting(struct shim *sh, json_t *health, void *data)
{
        (void)sh;
        (void)data;
        json_object_set_new(health, "Status", json_string("starting"));
        json_object_set_new(health, "FailingStreak", json_integer(0));
        if (!json_is_array(json_object_get(health, "Log")))
                json_object_set_new(health, "Log", json_array());
}

void shim_health_start(struct shim *sh)
{
        json_t *hc = json_object_get(json_object_get(sh->c->record, "Config"), "Healthcheck");
        struct shim_health *h = sh->health;

        if (!h) {
                h = sh->health = xmalloc(sizeof(*h));
                *h = (struct shim_health){.timer_fd = -1, .out_fd = -1};
                h->args = probe_args(json_object_get(hc, "Test"));
                if (!h->args)
                        return;
                h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (h->timer_fd < 0) {
                        strv_free(h->args);
                        h->args = NULL;
                        return;
                }
                h->interval_ns = ns_field(hc, "Interval", HEALTH_DEFAULT_NS);
                h->timeout_ns = ns_field(hc, "Timeout", HEALTH_DEFAULT_NS);
                h->start_period_ns = ns_field(hc, "StartPeriod", 0);
                h->retries = (int)ns_field(hc, "Retries", HEALTH_DEFAULT_RETRIES);
        }
        if (!h->args)
                return;
        h->stopping = h->restart_wanted = false;
        h->started_at = shim_now_ms();
        health_record(sh, edit_starting, NULL);
        /* As Docker: the first probe runs one interval after the start. */
        arm(h, h->interval_ns);
}

static void edit_stopped(struct shim *sh, json_t *health, void *data)
{
        (void)sh;
        (void)data;
        json_object_set_new(health, "Status", json_string("unhealthy"));
}

void shim_health_stop(struct shim *sh)
{
        struct shim_health *h = sh->health;

        if (!h || !h->args)
                return;
        arm(h, -1);
        h->stopping = true;
        if (h->pid > 0) {
                /* Its result no longer matters; reaped here so that a restart starts clean. */
                (void)kill(h->pid, SIGKILL);
                while (waitpid(h->pid, NULL, __WALL) < 0 && errno == EINTR)
                        ;
                h->pid = 0;
        }
        if (h->out_fd >= 0) {
                close(h->out_fd);
                h->out_fd = -1;
        }
        /* As Docker when its monitor stops: a container that is not running is not healthy. */
        health_record(sh, edit_stopped, NULL);
}

bool shim_health_wants_restart(struct shim *sh)
{
        struct shim_health *h = sh->health;
        bool r = h && h->restart_wanted;

        if (h)
                h->restart_wanted = false;
        return r;
}

/* ---- running a probe ---- */

static int probe_spawn_external(struct shim *sh, int out, pid_t *ret, struct berth_error **err)
{
        _cleanup_free_ char *root = container_external_runtime_root(sh->store, sh->ext_runtime);
        _cleanup_free_ char *pidf = xasprintf("%s/" HEALTH_PID_FILE, sh->run_dir);
        char **argv = strv_push(strv_push(strv_push(NULL, sh->ext_runtime), "--root"), root);
        pid_t pid;

        /* --pid-file: on a timeout the process in the container is killed too, not only `RUNTIME exec`. */
        (void)unlink(pidf);
        argv = strv_push(strv_push(strv_push(strv_push(argv, "exec"), "--pid-file"), pidf), sh->id);

        for (char **a = sh->health->args; *a; a++)
                argv = strv_push(argv, *a);
        pid = fork();
        if (pid < 0) {
                strv_free(argv);
                return berth_err(err, errno, "fork");
        }
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                dup2(out, STDOUT_FILENO);
                dup2(out, STDERR_FILENO);
                execvp(argv[0], argv);
                dprintf(STDERR_FILENO, "exec %s: %s", argv[0], strerror(errno));
                _exit(127);
        }
        strv_free(argv);
        *ret = pid;
        return 0;
}

/* berth's runtime in-process: the exec'd process is our child; its stdout/stderr are the pipe. */
static int probe_spawn_builtin(struct shim *sh, int out, pid_t *ret, struct berth_error **err)
{
        struct runtime_context ctx = {.state_root = sh->runtime_root};
        _cleanup_free_ char *pidf = xasprintf("%s/" HEALTH_PID_FILE, sh->run_dir), *buf = NULL;
        struct runtime_exec_options o = {.args = sh->health->args, .detach = true, .pid_file = pidf};
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int status, r;
        size_t len;

        /* The runtime's contract: the process inherits fds 0-2. Ours are /dev/null outside a create. */
        if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
                return berth_err(err, errno, "dup2");
        r = runtime_exec(&ctx, sh->id, &o, &status, err);
        if (null >= 0) {
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, pidf, 64, &buf, &len, err);
        (void)unlink(pidf);
        if (r < 0)
                return r;
        *ret = (pid_t)atoi(buf);
        return *ret > 0 ? 0 : berth_err_msg(err, EIO, "bad pid in `%s`", pidf);
}

static void probe_result(struct shim *sh, int exit_code, const char *output);

static void probe_start(struct shim *sh)
{
        struct shim_health *h = sh->health;
        _cleanup_error_ struct berth_error *e = NULL;
        int p[2], r;
        pid_t pid = 0;

        /* A frozen container cannot answer (and its probe could not be killed): skip this round. */
        if (container_reload(sh->store, sh->c, NULL) == 0 && container_status(sh->c) == CONTAINER_PAUSED) {
                arm(h, h->interval_ns);
                return;
        }
        free(h->probe_start);
        h->probe_start = time_now_rfc3339();
        h->out_len = 0;
        h->timed_out = false;
        if (pipe2(p, O_CLOEXEC) < 0) {
                probe_result(sh, -1, strerror(errno));
                return;
        }
        r = sh->ext_runtime ? probe_spawn_external(sh, p[1], &pid, &e)
                            : probe_spawn_builtin(sh, p[1], &pid, &e);
        close(p[1]);
        if (r < 0) {
                close(p[0]);
                probe_result(sh, container_start_error_exit_code(e ? e->code : EIO, e ? e->msg : NULL),
                             e && e->msg ? e->msg : "health check failed to start");
                return;
        }
        (void)fcntl(p[0], F_SETFL, O_NONBLOCK);
        h->out_fd = p[0];
        h->pid = pid;
        arm(h, h->timeout_ns);
        /* runtime_exec's heap (the parsed config, seccomp) is garbage now. */
        malloc_trim(0);
}

static void output_read(struct shim_health *h)
{
        char buf[4096];
        ssize_t n;

        while ((n = read(h->out_fd, buf, sizeof(buf))) > 0) {
                size_t take = (size_t)n;
                if (take > HEALTH_MAX_OUTPUT - h->out_len)
                        take = HEALTH_MAX_OUTPUT - h->out_len; /* Docker keeps the first 4 KiB */
                memcpy(h->out + h->out_len, buf, take);
                h->out_len += take;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                close(h->out_fd);
                h->out_fd = -1;
        }
}

/* Go's time.Duration String() for the durations people write: 500ms, 1s, 1.5s, 2m0s. */
static void go_duration(int64_t ns, char *buf, size_t size)
{
        if (ns < 1000000000LL && ns % 1000000LL == 0)
                snprintf(buf, size, "%lldms", (long long)(ns / 1000000LL));
        else if (ns < 60 * 1000000000LL && ns % 1000000000LL == 0)
                snprintf(buf, size, "%llds", (long long)(ns / 1000000000LL));
        else if (ns < 60 * 1000000000LL)
                snprintf(buf, size, "%gs", (double)ns / 1e9);
        else
                snprintf(buf, size, "%lldm%gs", (long long)(ns / 60000000000LL),
                         (double)(ns % 60000000000LL) / 1e9);
}

/* The output as a JSON string: bytes that are not valid UTF-8 (or a character cut at 4 KiB) become '?'. */
static json_t *output_json(const char *s)
{
        _cleanup_free_ char *copy = NULL;
        json_t *j = json_string(s);

        if (j)
                return j;
        copy = xstrdup(s);
        for (char *c = copy; *c; c++)
                if ((unsigned char)*c >= 0x80)
                        *c = '?';
        return json_string(copy);
}

struct result {
        int exit_code;
        const char *output;
        bool count_failure;
        const char *status; /* the new status */
};

static void edit_result(struct shim *sh, json_t *health, void *data)
{
        struct shim_health *h = sh->health;
        struct result *res = data;
        json_t *log = json_object_get(health, "Log");
        json_int_t streak = json_integer_value(json_object_get(health, "FailingStreak"));
        const char *status = json_string_value(json_object_get(health, "Status"));
        _cleanup_free_ char *end = time_now_rfc3339();

        if (!json_is_array(log)) {
                log = json_array();
                json_object_set_new(health, "Log", log);
        }
        json_array_append_new(log, json_pack("{s:s,s:s,s:i,s:o}", "Start",
                                             h->probe_start ? h->probe_start : end, "End", end, "ExitCode",
                                             res->exit_code, "Output", output_json(res->output)));
        while (json_array_size(log) > HEALTH_MAX_LOG)
                json_array_remove(log, 0);
        if (res->exit_code == 0) {
                streak = 0;
                status = "healthy";
        } else if (res->count_failure) {
                streak++;
                if (streak >= h->retries)
                        status = "unhealthy";
        }
        json_object_set_new(health, "FailingStreak", json_integer(streak));
        json_object_set_new(health, "Status", json_string(status ? status : "starting"));
        res->status = json_string_value(json_object_get(health, "Status"));
}

static void unhealthy_restart(struct shim *sh)
{
        json_t *rp = json_object_get(json_object_get(sh->c->record, "HostConfig"), "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name"));
        const char *ss =
            json_string_value(json_object_get(json_object_get(sh->c->record, "Config"), "StopSignal"));
        json_t *t = json_object_get(json_object_get(sh->c->record, "Config"), "StopTimeout");
        int sig = ss && *ss ? runtime_signal_parse(ss) : SIGTERM;
        int timeout = json_is_integer(t) ? (int)json_integer_value(t) : 10;

        if (!name || !streq(name, "on-unhealthy") || sh->init_pid <= 0 || sh->phase != PHASE_RUNNING)
                return;
        /* As a `stop` (signal, then SIGKILL after the timeout), but the exit path restarts it. */
        sh->health->stopping = true;
        sh->health->restart_wanted = true;
        (void)kill(sh->init_pid, timeout > 0 && sig > 0 ? sig : SIGKILL);
        if (timeout > 0 && (!sh->kill_at || sh->kill_at > shim_now_ms() + timeout * 1000LL))
                sh->kill_at = shim_now_ms() + timeout * 1000LL;
}

static void probe_result(struct shim *sh, int exit_code, const char *output)
{
        struct shim_health *h = sh->health;
        int64_t ran_ns = (shim_now_ms() - h->started_at) * 1000000LL;
        const char *before = json_string_value(
            json_object_get(json_object_get(json_object_get(sh->c->record, "State"), "Health"), "Status"));
        struct result res = {.exit_code = exit_code, .output = output, .count_failure = true};

        /* During the start period a failure does not count, until a first success. */
        if (ran_ns < h->start_period_ns && (!before || streq(before, "starting")))
                res.count_failure = false;
        health_record(sh, edit_result, &res);
        if (h->stopping)
                return;
        if (res.status && streq(res.status, "unhealthy"))
                unhealthy_restart(sh);
        if (!h->stopping)
                arm(h, h->interval_ns);
}

bool shim_health_reaped(struct shim *sh, pid_t pid, int status)
{
        struct shim_health *h = sh->health;
        char msg[64], d[32];

        if (!h || h->pid <= 0 || pid != h->pid)
                return false;
        h->pid = 0;
        arm(h, -1);
        if (h->out_fd >= 0)
                output_read(h); /* what is left: the probe is gone, but a child of it may hold the pipe */
        if (h->out_fd >= 0) {
                close(h->out_fd);
                h->out_fd = -1;
        }
        if (h->stopping)
                return true;
        if (h->timed_out) {
                go_duration(h->timeout_ns, d, sizeof(d));
                snprintf(msg, sizeof(msg), "Health check exceeded timeout (%s)", d);
                probe_result(sh, -1, msg);
                return true;
        }
        h->out[h->out_len] = '\0';
        probe_result(sh, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status), h->out);
        return true;
}

/* The process `RUNTIME exec` started in the container (it would outlive its runtime process). */
static void ext_probe_kill(struct shim *sh)
{
        _cleanup_free_ char *pidf = xasprintf("%s/" HEALTH_PID_FILE, sh->run_dir), *buf = NULL;
        size_t len;
        pid_t pid;

        if (read_file_at(AT_FDCWD, pidf, 64, &buf, &len, NULL) < 0)
                return;
        pid = (pid_t)atoi(buf);
        if (pid > 1 && pid != sh->init_pid)
                (void)kill(pid, SIGKILL);
        (void)unlink(pidf);
}

/* ---- the poll loop ---- */

void shim_health_pollfds(struct shim *sh, struct pollfd p[2])
{
        struct shim_health *h = sh->health;

        p[0] = (struct pollfd){.fd = h ? h->timer_fd : -1, .events = POLLIN};
        p[1] = (struct pollfd){.fd = h ? h->out_fd : -1, .events = POLLIN};
}

void shim_health_events(struct shim *sh, const struct pollfd p[2])
{
        struct shim_health *h = sh->health;
        uint64_t ticks;

        if (!h)
                return;
        if (p[1].revents && h->out_fd >= 0)
                output_read(h);
        if (!p[0].revents || read(h->timer_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
                return;
        if (h->pid > 0) {
                /* The deadline: kill it; the result is recorded when it is reaped. */
                h->timed_out = true;
                (void)kill(h->pid, SIGKILL);
                if (sh->ext_runtime)
                        ext_probe_kill(sh);
                return;
        }
        if (sh->phase == PHASE_RUNNING && !h->stopping)
                probe_start(sh);
}
