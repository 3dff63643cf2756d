/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container group: lifecycle commands (start, stop, restart, kill, rm,
 * wait, rename, pause, unpause, attach, container prune), the helpers the
 * other cmd-container-*.c files share, and the table of every container
 * command. run/create are in cmd-container-run.c, ps/logs/inspect/top/port/
 * stats in cmd-container-ps.c, export/diff/commit/cp in cmd-container-fs.c,
 * exec/update in cmd-container-exec.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "container/container-net.h"
#include "container/supervisor.h"
#include "engine.h"
#include "runtime/runtime.h"
#include "units.h"
#include "volume/volume.h"

/* ---- shared helpers */

const char *ctr_short_id(const char *id, bool no_trunc, char buf[static 65])
{
        snprintf(buf, 65, "%.*s", no_trunc ? 64 : 12, id);
        return buf;
}

enum container_status ctr_status(struct store *s, const struct container *c)
{
        enum container_status st = container_status(c);

        if (container_status_is_live(st) &&
            !container_supervisor_alive(s, c))
                return CONTAINER_EXITED;
        return st;
}

bool ctr_fix_stale(struct store *s, struct container *c)
{
        if (ctr_status(s, c) == container_status(c))
                return false;
        /* Its supervisor died (kill -9, OOM): kill the orphaned init, unmount, record Exited (255). */
        container_fix_stale_state(s, c);
        return true;
}

json_t *ctr_inspect_json(struct store *s, const struct container *c)
{
        json_t *j = json_deep_copy(c->record);
        enum container_status st = container_status(c);

        /* After a reboot: what `start` will find (docker shows 255 for a container that died with its
         * daemon). */
        if (ctr_status(s, c) != st) {
                struct container tmp = {.record = j};
                container_set_state(&tmp, CONTAINER_EXITED, 0, 255, NULL);
                json_object_set_new(
                    json_object_get(j, "State"), "FinishedAt",
                    json_incref(json_object_get(json_object_get(c->record, "State"), "StartedAt")));
        }
        return j;
}

int ctr_start_error_status(const struct berth_error *err)
{
        const char *m = err && err->msg ? err->msg : "";

        /* docker's rule, on the runtime's message. */
        if (strstr(m, "executable file not found") || strstr(m, "no such file or directory"))
                return CLI_EXIT_NOT_FOUND;
        if (strstr(m, "permission denied"))
                return CLI_EXIT_CANNOT_EXEC;
        return CLI_EXIT_ENGINE;
}

/* --rm: the container and its anonymous volumes (named volumes stay), as docker's. */
static void remove_now(struct store *s, struct container *c)
{
        int fd = -1;

        if (container_lock(s, c->id, &fd, NULL) == 0) {
                (void)container_reload(s, c, NULL);
                if (container_delete(s, c, NULL) == 0)
                        (void)volume_remove_anonymous_of(s, json_object_get(c->record, "Mounts"), NULL);
                container_unlock(fd);
        }
}

/* --rm: the supervisor removes the container; docker's CLI returns once it is gone. */
static void wait_removed(struct store *s, struct container *c)
{
        for (int i = 0; i < 500; i++) {
                _cleanup_container_ struct container *again = NULL;
                if (container_load(s, c->id, &again, NULL) < 0)
                        return;
                if (ctr_status(s, again) != CONTAINER_RUNNING && !container_supervisor_alive(s, again) &&
                    i > 50)
                        break;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        remove_now(s, c);
}

/*
 * --sig-proxy: while attached without a tty, the signals the CLI receives go
 * to the container (with a tty, ^C is a byte the terminal sends). A thread
 * waits for them with sigwait; the attach loop never sees them.
 */
struct sig_proxy {
        struct store *s;
        struct container *c;
        sigset_t set;
        pthread_t thread;
        bool running;
};

static void *sig_proxy_main(void *userdata)
{
        struct sig_proxy *p = userdata;
        int sig;

        while (sigwait(&p->set, &sig) == 0) {
                if (sig == SIGUSR2 && !p->running)
                        break;
                (void)container_kill(p->s, p->c, sig, NULL);
        }
        return NULL;
}

static void sig_proxy_start(struct sig_proxy *p, struct store *s, struct container *c)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

        *p = (struct sig_proxy){.s = s, .c = c};
        sigemptyset(&p->set);
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                sigaddset(&p->set, sigs[i]);
        if (pthread_sigmask(SIG_BLOCK, &p->set, NULL) != 0)
                return;
        p->running = true;
        if (pthread_create(&p->thread, NULL, sig_proxy_main, p) != 0)
                p->running = false;
}

static void sig_proxy_stop(struct sig_proxy *p)
{
        if (!p->running)
                return;
        p->running = false;
        pthread_kill(p->thread, SIGUSR2);
        pthread_join(p->thread, NULL);
}

int ctr_start_attached(const struct cli_context *ctx, struct store *s, struct container *c, bool interactive,
                       bool attach_out, bool attach_err, bool sig_proxy, const struct image *img)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int devnull = -EBADF;
        json_t *cfg = json_object_get(c->record, "Config");
        bool tty = json_is_true(json_object_get(cfg, "Tty")), raw = false, detached = false;
        bool autorm = json_is_true(json_object_get(json_object_get(c->record, "HostConfig"), "AutoRemove"));
        struct sig_proxy proxy = {0};
        struct termios saved;
        int r, code = 0;

        (void)ctx;
        r = container_start(
            s, c, &(struct container_start_options){.attach = true, .interactive = interactive, .image = img},
            &err);
        if (r < 0) {
                fprintf(stderr, "berth: %s\n", err->msg);
                if (autorm)
                        remove_now(s, c);
                return ctr_start_error_status(err);
        }
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (tty && interactive && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        if (sig_proxy && !tty)
                sig_proxy_start(&proxy, s, c);
        r = container_attach(s, c, interactive ? STDIN_FILENO : -1, attach_out ? STDOUT_FILENO : devnull,
                             attach_err ? STDERR_FILENO : devnull, interactive, &code, &detached, &err);
        sig_proxy_stop(&proxy);
        if (raw)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (r < 0) {
                fprintf(stderr, "berth: %s\n", err->msg);
                if (autorm)
                        wait_removed(s, c);
                return ctr_start_error_status(err);
        }
        if (detached)
                return CLI_EXIT_OK;
        if (autorm)
                wait_removed(s, c);
        return code;
}

/* Runs fn on every argument; docker prints what succeeded on stdout, errors on stderr, exit 1 if one failed.
 */
typedef int (*each_fn)(struct store *s, struct container *c, struct cli_args *args,
                       struct berth_error **err);

static int for_each_container(struct cli_context *ctx, struct cli_args *args, each_fn fn, bool echo)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        int status = CLI_EXIT_OK;

        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (char **a = cli_argv(args); *a; a++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_container_ struct container *c = NULL;
                if (container_load(s, *a, &c, &e) < 0 || fn(s, c, args, &e) < 0) {
                        status = cli_fail(ctx, e);
                        continue;
                }
                if (echo)
                        printf("%s\n", *a);
                fflush(stdout);
        }
        return status;
}

/* ---- start, stop, restart, kill */

static int do_start(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        enum container_status st = ctr_status(s, c);

        if (st == CONTAINER_RUNNING || st == CONTAINER_PAUSED)
                return 0; /* docker: starting a running container is a no-op */
        return container_start(
            s, c, &(struct container_start_options){.interactive = cli_bool(args, "interactive")}, err);
}

static int cmd_container_start(struct cli_context *ctx, struct cli_args *args)
{
        if (cli_bool(args, "attach") || cli_bool(args, "interactive")) {
                _cleanup_error_ struct berth_error *err = NULL;
                _cleanup_store_ struct store *s = NULL;
                _cleanup_container_ struct container *c = NULL;
                if (cli_argc(args) > 1)
                        return cli_failf(ctx, "you cannot start and attach multiple containers at once");
                if (engine_store_open(ctx, &s, &err) < 0 ||
                    container_load(s, cli_argv(args)[0], &c, &err) < 0)
                        return cli_fail(ctx, err);
                return ctr_start_attached(ctx, s, c, cli_bool(args, "interactive"), true, true, true, NULL);
        }
        return for_each_container(ctx, args, do_start, true);
}

static int stop_timeout(struct cli_args *args)
{
        return cli_is_set(args, "time") ? (int)cli_int(args, "time") : -1;
}

static int do_stop(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        enum container_status st = ctr_status(s, c);

        if (!container_status_is_live(st))
                return 0;
        return container_stop(s, c, stop_timeout(args), err);
}

static int cmd_container_stop(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_stop, true);
}

static int do_restart(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        int r = do_stop(s, c, args, err);

        if (r < 0)
                return r;
        r = container_reload(s, c, err);
        if (r < 0)
                return r;
        return container_start(s, c, &(struct container_start_options){0}, err);
}

static int cmd_container_restart(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_restart, true);
}

static int do_kill(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        const char *sig = cli_string(args, "signal");
        int n = sig && *sig ? runtime_signal_parse(sig) : SIGKILL;

        if (n <= 0)
                return berth_err_msg(err, EINVAL, "invalid signal: %s", sig);
        if (ctr_status(s, c) != CONTAINER_RUNNING && ctr_status(s, c) != CONTAINER_PAUSED)
                return berth_err_msg(err, EINVAL, "cannot kill container: %s: container %s is not running",
                                     c->name, c->id);
        return container_kill(s, c, n, err);
}

static int cmd_container_kill(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_kill, true);
}

/* ---- rm, prune */

/* volumes (rm -v): the anonymous volumes no other container uses go too; a failure there is not rm's. */
static int remove_container(struct store *s, struct container *c, bool force, bool volumes,
                            struct berth_error **err)
{
        enum container_status st = ctr_status(s, c);
        int fd = -1, r, code;

        if (container_status_is_live(st)) {
                if (!force)
                        return berth_err_msg(err, EBUSY,
                                             "cannot remove container \"/%s\": container is %s: stop the "
                                             "container before removing or force remove",
                                             c->name, st == CONTAINER_PAUSED ? "paused" : "running");
                if (st == CONTAINER_PAUSED)
                        (void)container_pause(s, c, false, NULL);
                (void)container_kill(s, c, SIGKILL, NULL);
                (void)container_wait(s, c, &code, NULL);
        }
        r = container_lock(s, c->id, &fd, err);
        if (r < 0)
                return r;
        r = container_delete(s, c, err);
        container_unlock(fd);
        if (r == 0 && volumes)
                (void)volume_remove_anonymous_of(s, json_object_get(c->record, "Mounts"), NULL);
        return r;
}

static int do_rm(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        return remove_container(s, c, cli_bool(args, "force"), cli_bool(args, "volumes"), err);
}

static int cmd_container_rm(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_rm, true);
}

static int cmd_container_prune(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct container **list = NULL;
        size_t n = 0;
        bool header = false;

        if (!cli_bool(args, "force")) {
                char line[16] = "";
                printf("WARNING! This will remove all stopped containers.\nAre you sure you want to "
                       "continue? [y/N] ");
                fflush(stdout);
                if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
                        return CLI_EXIT_OK;
        }
        if (engine_store_open(ctx, &s, &err) < 0 || container_list(s, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; i < n; i++) {
                enum container_status st = ctr_status(s, list[i]);
                if (container_status_is_live(st))
                        continue;
                if (remove_container(s, list[i], false, false, NULL) < 0)
                        continue;
                if (!header)
                        printf("Deleted Containers:\n");
                header = true;
                printf("%s\n", list[i]->id);
        }
        if (header)
                printf("\n");
        printf("Total reclaimed space: 0B\n");
        container_list_free(list, n);
        return CLI_EXIT_OK;
}

/* ---- wait, rename, pause, attach */

static int do_wait(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        int code = 0, r;

        (void)args;
        if (ctr_status(s, c) == CONTAINER_RUNNING || ctr_status(s, c) == CONTAINER_PAUSED) {
                r = container_wait(s, c, &code, err);
                if (r < 0)
                        return r;
        } else {
                code = (int)json_integer_value(
                    json_object_get(json_object_get(c->record, "State"), "ExitCode"));
        }
        printf("%d\n", code);
        return 0;
}

static int cmd_container_wait(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_wait, false);
}

/* ---- system boot: what dockerd does for restart policies when it starts (contrib/systemd/) */

/* Docker's rule at daemon start: always, or unless-stopped when not stopped by hand; never a container that
 * was only created (HasBeenStartedBefore). */
static bool boot_wanted(const struct container *c)
{
        json_t *rp = json_object_get(json_object_get(c->record, "HostConfig"), "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name")) ?: "";
        const char *started =
            json_string_value(json_object_get(json_object_get(c->record, "State"), "StartedAt"));

        if (!started || strncmp(started, "0001-01-01", 10) == 0)
                return false;
        if (streq(name, "always"))
                return true;
        return streq(name, "unless-stopped") &&
               !json_is_true(json_object_get(c->record, "HasBeenManuallyStopped"));
}

/* Hidden: what the supervisor runs once its container is done for good (container-net.h). */
static int cmd_container_cleanup(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;

        if (engine_store_open(ctx, &s, &err) < 0 || container_net_cleanup(s, cli_argv(args)[0], &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

static int cmd_system_boot(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct container **list = NULL;
        size_t n = 0;
        int ret = CLI_EXIT_OK;

        (void)args;
        if (engine_store_open(ctx, &s, &err) < 0 || container_list(s, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = n; i-- > 0;) { /* oldest first, as they were started */
                struct container *c = list[i];
                _cleanup_error_ struct berth_error *e = NULL;

                if (container_supervisor_alive(s, c))
                        continue;
                /* A record still saying running after the reboot: Exited (255), its rootfs unmounted. */
                container_fix_stale_state(s, c);
                if (container_reload(s, c, &e) < 0 || !boot_wanted(c))
                        continue;
                if (container_start(s, c, &(struct container_start_options){0}, &e) < 0 &&
                    e->code != EALREADY) {
                        fprintf(stderr, "Error response from daemon: %s: %s\n", c->name, e->msg);
                        ret = CLI_EXIT_FAILURE;
                        continue;
                }
                printf("%s\n", c->name);
        }
        container_list_free(list, n);
        return ret;
}

static int cmd_container_rename(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        char **argv = cli_argv(args);
        int fd = -1, r;

        if (!*argv[1])
                return cli_failf(ctx, "Neither old nor new names may be empty");
        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, argv[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (streq(c->name, argv[1][0] == '/' ? argv[1] + 1 : argv[1]))
                return cli_failf(ctx, "Renaming a container with the same name as its current name");
        r = container_lock(s, c->id, &fd, &err);
        if (r == 0 && (r = container_reload(s, c, &err)) == 0)
                r = container_rename(s, c, argv[1], &err);
        container_unlock(fd);
        if (r < 0) {
                if (err && err->msg && strstr(err->msg, "Conflict."))
                        return cli_failf(ctx, "Error when allocating new name: %s", err->msg);
                return cli_fail(ctx, err);
        }
        return CLI_EXIT_OK;
}

static int do_pause(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        (void)args;
        if (ctr_status(s, c) == CONTAINER_PAUSED)
                return berth_err_msg(err, EINVAL, "container %s is already paused", c->id);
        if (ctr_status(s, c) != CONTAINER_RUNNING)
                return berth_err_msg(err, EINVAL, "container %s is not running", c->id);
        return container_pause(s, c, true, err);
}

static int do_unpause(struct store *s, struct container *c, struct cli_args *args, struct berth_error **err)
{
        (void)args;
        if (ctr_status(s, c) != CONTAINER_PAUSED)
                return berth_err_msg(err, EINVAL, "container %s is not paused", c->id);
        return container_pause(s, c, false, err);
}

static int cmd_container_pause(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_pause, true);
}

static int cmd_container_unpause(struct cli_context *ctx, struct cli_args *args)
{
        return for_each_container(ctx, args, do_unpause, true);
}

static int cmd_container_attach(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        bool detached = false, in = !cli_bool(args, "no-stdin");
        int code = 0, r;

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (ctr_status(s, c) != CONTAINER_RUNNING)
                return cli_failf(ctx, "You cannot attach to a stopped container, start it first");
        in = in && json_is_true(json_object_get(json_object_get(c->record, "Config"), "OpenStdin"));
        r = container_attach(s, c, in ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO, in, &code,
                             &detached, &err);
        if (r < 0)
                return cli_fail(ctx, err);
        return detached ? CLI_EXIT_OK : code;
}

/* ---- the table */

static const struct cli_option start_options[] = {
    {"attach", 'a', CLI_OPT_BOOL, NULL, NULL, "Attach STDOUT/STDERR and forward signals"},
    {"detach-keys", 0, CLI_OPT_STRING, NULL, NULL, "Override the key sequence for detaching a container"},
    {"interactive", 'i', CLI_OPT_BOOL, NULL, NULL, "Attach container's STDIN"},
    {NULL},
};
static const struct cli_option stop_options[] = {
    {"signal", 's', CLI_OPT_STRING, NULL, NULL, "Signal to send to the container"},
    {"time", 't', CLI_OPT_INT, NULL, NULL, "Seconds to wait before killing the container"},
    {NULL},
};
static const struct cli_option kill_options[] = {
    {"signal", 's', CLI_OPT_STRING, NULL, NULL, "Signal to send to the container"},
    {NULL},
};
static const struct cli_option rm_options[] = {
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Force the removal of a running container (uses SIGKILL)"},
    {"link", 'l', CLI_OPT_BOOL, NULL, NULL, "Remove the specified link"},
    {"volumes", 'v', CLI_OPT_BOOL, NULL, NULL, "Remove anonymous volumes associated with the container"},
    {NULL},
};
static const struct cli_option prune_options[] = {
    {"filter", 0, CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"until=<timestamp>\")"},
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not prompt for confirmation"},
    {NULL},
};
static const struct cli_option attach_options[] = {
    {"detach-keys", 0, CLI_OPT_STRING, NULL, NULL, "Override the key sequence for detaching a container"},
    {"no-stdin", 0, CLI_OPT_BOOL, NULL, NULL, "Do not attach STDIN"},
    {"sig-proxy", 0, CLI_OPT_BOOL, NULL, "true", "Proxy all received signals to the process"},
    {NULL},
};

#define ALIASES(n, ...) static const char *const n##_aliases[] = {__VA_ARGS__, NULL}
ALIASES(run, "run");
ALIASES(create, "create");
ALIASES(start, "start");
ALIASES(stop, "stop");
ALIASES(restart, "restart");
ALIASES(kill, "kill");
ALIASES(rm, "container remove", "rm");
ALIASES(ps, "container list", "container ps", "ps");
ALIASES(logs, "logs");
ALIASES(wait, "wait");
ALIASES(rename, "rename");
ALIASES(pause, "pause");
ALIASES(unpause, "unpause");
ALIASES(attach, "attach");
ALIASES(exec, "exec");
ALIASES(export, "export");
ALIASES(diff, "diff");
ALIASES(commit, "commit");
ALIASES(top, "top");
ALIASES(port, "port");
ALIASES(cp, "cp");
ALIASES(stats, "stats");
ALIASES(update, "update");

#define RUN_FLAGS (CLI_STOP_AT_FIRST_ARG | CLI_ERRORS_125)
const struct cli_command cli_container_commands[] = {
    {"container", "attach", attach_aliases, "[OPTIONS] CONTAINER",
     "Attach local standard input, output, and error streams to a running container", attach_options,
     cmd_container_attach, 0, 1, 1},
    {"container", "commit", commit_aliases, "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
     "Create a new image from a container's changes", container_commit_options, cmd_container_commit, 0, 1,
     2},
    {"container", "cp", cp_aliases,
     "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- "
     "CONTAINER:DEST_PATH",
     "Copy files/folders between a container and the local filesystem", container_cp_options,
     cmd_container_cp, 0, 2, 2},
    {"container", "create", create_aliases, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
     container_create_options, cmd_container_create, RUN_FLAGS, 1, -1},
    {"container", "diff", diff_aliases, "CONTAINER",
     "Inspect changes to files or directories on a container's filesystem", NULL, cmd_container_diff, 0, 1,
     1},
    {"container", "exec", exec_aliases, "[OPTIONS] CONTAINER COMMAND [ARG...]",
     "Execute a command in a running container", container_exec_options, cmd_container_exec,
     CLI_STOP_AT_FIRST_ARG, 2, -1},
    {"container", "export", export_aliases, "[OPTIONS] CONTAINER",
     "Export a container's filesystem as a tar archive", container_export_options, cmd_container_export, 0,
     1, 1},
    {"container", "inspect", NULL, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Display detailed information on one or more containers", container_inspect_options,
     cmd_container_inspect, 0, 1, -1},
    {"container", "kill", kill_aliases, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Kill one or more running containers", kill_options, cmd_container_kill, 0, 1, -1},
    {"container", "logs", logs_aliases, "[OPTIONS] CONTAINER", "Fetch the logs of a container",
     container_logs_options, cmd_container_logs, 0, 1, 1},
    {"container", "ls", ps_aliases, "[OPTIONS]", "List containers", container_ps_options, cmd_container_ps,
     0, 0, 0},
    {"container", "pause", pause_aliases, "CONTAINER [CONTAINER...]",
     "Pause all processes within one or more containers", NULL, cmd_container_pause, 0, 1, -1},
    {"container", "port", port_aliases, "CONTAINER [PRIVATE_PORT[/PROTO]]",
     "List port mappings or a specific mapping for the container", NULL, cmd_container_port, 0, 1, 2},
    {"container", "prune", NULL, "[OPTIONS]", "Remove all stopped containers", prune_options,
     cmd_container_prune, 0, 0, 0},
    {"container", "rename", rename_aliases, "CONTAINER NEW_NAME", "Rename a container", NULL,
     cmd_container_rename, 0, 2, 2},
    {"container", "restart", restart_aliases, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Restart one or more containers", stop_options, cmd_container_restart, 0, 1, -1},
    {"container", "rm", rm_aliases, "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
     rm_options, cmd_container_rm, 0, 1, -1},
    {"container", "run", run_aliases, "[OPTIONS] IMAGE [COMMAND] [ARG...]",
     "Create and run a new container from an image", container_run_options, cmd_container_run, RUN_FLAGS, 1,
     -1},
    {"container", "start", start_aliases, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Start one or more stopped containers", start_options, cmd_container_start, 0, 1, -1},
    {"container", "stats", stats_aliases, "[OPTIONS] [CONTAINER...]",
     "Display a live stream of container(s) resource usage statistics", container_stats_options,
     cmd_container_stats, 0, 0, -1},
    {"container", "stop", stop_aliases, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Stop one or more running containers", stop_options, cmd_container_stop, 0, 1, -1},
    {"container", "top", top_aliases, "CONTAINER [ps OPTIONS]",
     "Display the running processes of a container", NULL, cmd_container_top, CLI_STOP_AT_FIRST_ARG, 1, -1},
    {"container", "unpause", unpause_aliases, "CONTAINER [CONTAINER...]",
     "Unpause all processes within one or more containers", NULL, cmd_container_unpause, 0, 1, -1},
    {"container", "update", update_aliases, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Update configuration of one or more containers", container_update_options, cmd_container_update, 0, 1,
     -1},
    {"container", "wait", wait_aliases, "CONTAINER [CONTAINER...]",
     "Block until one or more containers stop, then print their exit codes", NULL, cmd_container_wait, 0, 1,
     -1},
    {"container", "cleanup", NULL, "CONTAINER",
     "Release the network of a container that stopped for good (run by its supervisor)", NULL,
     cmd_container_cleanup, CLI_HIDDEN, 1, 1},
    {"system", "boot", NULL, "",
     "Start the containers whose restart policy asks for it at boot (always, unless-stopped)", NULL,
     cmd_system_boot, CLI_HIDDEN, 0, 0},
    {NULL},
};
