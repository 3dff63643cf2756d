/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-shim --root DIR --runroot DIR --id ID --ready-fd N [--attach]
 *
 * The per-container supervisor, started by container_start() (never by
 * hand): it creates and starts the container in-process, keeps its stdio,
 * logs its output, serves attach.sock, and records its exit. See
 * docs/design/supervisor.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <link.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "container/supervisor.h"
#include "runtime/state.h"
#include "shim.h"

static void ready(struct shim *sh, const char *line)
{
        if (sh->ready_fd >= 0)
                (void)write_all(sh->ready_fd, line, strlen(line));
}

static void ready_done(struct shim *sh, const struct berth_error *e)
{
        char line[1024];

        if (sh->ready_fd < 0)
                return;
        if (e)
                snprintf(line, sizeof(line), "E%d %s\n", e->code, e->msg ? e->msg : "error");
        else
                snprintf(line, sizeof(line), "OK\n");
        ready(sh, line);
        close(sh->ready_fd);
        sh->ready_fd = -1;
}

static int write_pid_file(struct shim *sh, struct berth_error **err)
{
        char buf[64];

        snprintf(buf, sizeof(buf), "%d %llu\n", (int)getpid(), process_start_time(getpid()));
        /* No fsync: the runroot does not outlive a reboot, and neither does this pid. */
        return write_file_volatile_at(sh->run_dir_fd, SHIM_PID_FILE, buf, strlen(buf), 0644, err);
}

static int listen_socket(struct shim *sh, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return berth_err(err, errno, "socket");
        (void)unlinkat(sh->run_dir_fd, SHIM_SOCKET, 0);
        /* Through the directory fd: a long --runroot cannot overflow sun_path. */
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/" SHIM_SOCKET, sh->run_dir_fd);
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
                int e = errno;
                close(fd);
                return berth_err(err, e, "bind the attach socket");
        }
        sh->listen_fd = fd;
        return 0;
}

static int signals_setup(struct shim *sh, struct berth_error **err)
{
        sigset_t set;

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return berth_err(err, errno, "sigprocmask");
        sh->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sh->sig_fd < 0)
                return berth_err(err, errno, "signalfd");
        /* The init of a user-namespaced container is a grandchild: as subreaper, its exit is still ours. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                return berth_err(err, errno, "PR_SET_CHILD_SUBREAPER");
        return 0;
}

static int config_from_record(struct shim *sh, struct berth_error **err)
{
        json_t *cfg = json_object_get(sh->c->record, "Config");
        json_t *lc = json_object_get(json_object_get(sh->c->record, "HostConfig"), "LogConfig");
        const char *type = json_string_value(json_object_get(lc, "Type"));
        const char *path = json_string_value(json_object_get(sh->c->record, "LogPath"));
        const char *ms = json_string_value(json_object_get(json_object_get(lc, "Config"), "max-size"));
        const char *mf = json_string_value(json_object_get(json_object_get(lc, "Config"), "max-file"));
        uint64_t max_size = LOG_JSON_DEFAULT_MAX_SIZE;
        unsigned max_file = LOG_JSON_DEFAULT_MAX_FILE;

        sh->tty = json_is_true(json_object_get(cfg, "Tty"));
        sh->open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
        /* A copy: the record is replaced by every container_reload(). */
        sh->ext_runtime = xstrdup(container_external_runtime(sh->c));
        if (ms && log_json_parse_size(ms, &max_size) < 0)
                max_size = LOG_JSON_DEFAULT_MAX_SIZE;
        if (mf && atoi(mf) > 0)
                max_file = (unsigned)atoi(mf);
        if ((type && streq(type, "none")) || !path)
                return 0;
        if (log_json_writer_open(&sh->log, path, max_size, max_file, err) < 0)
                return berth_err_prefix(err, "log");
        sh->logging = true;
        return 0;
}

static void reap(struct shim *sh)
{
        struct signalfd_siginfo si;
        int status;
        pid_t p;

        while (read(sh->sig_fd, &si, sizeof(si)) == sizeof(si))
                ; /* SIGTERM, SIGINT, SIGHUP: the shim outlives its session; only `stop` ends the container */
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
                if (p == sh->init_pid && sh->init_pid > 0)
                        shim_on_exit(sh, status);
                else
                        (void)shim_health_reaped(sh, p, status);
}

enum { FD_SIG, FD_LISTEN, FD_OUT, FD_ERR, FD_MASTER, FD_IN, FD_HEALTH, FD_HEALTH_OUT, FD_CLIENTS };

static int poll_timeout(const struct shim *sh)
{
        int64_t now = shim_now_ms(), due = 0;

        if (sh->kill_at)
                due = sh->kill_at;
        if (sh->restart_at && (!due || sh->restart_at < due))
                due = sh->restart_at;
        if (!due)
                return -1;
        return due <= now ? 0 : (int)(due - now);
}

static void loop_once(struct shim *sh)
{
        struct pollfd p[FD_CLIENTS + SHIM_MAX_CLIENTS];
        bool blocked = shim_output_blocked(sh), stdin_full = sh->stdin_len > SHIM_STDIN_BACKLOG;
        size_t n = sh->n_clients;
        int64_t now;

        p[FD_SIG] = (struct pollfd){ .fd = sh->sig_fd, .events = POLLIN };
        p[FD_LISTEN] = (struct pollfd){ .fd = sh->listen_fd, .events = POLLIN };
        p[FD_OUT] = (struct pollfd){ .fd = blocked ? -1 : sh->out_fd, .events = POLLIN };
        p[FD_ERR] = (struct pollfd){ .fd = blocked ? -1 : sh->err_fd, .events = POLLIN };
        p[FD_MASTER] = (struct pollfd){ .fd = blocked ? -1 : sh->master, .events = POLLIN };
        p[FD_IN] = (struct pollfd){ .fd = sh->stdin_len ? (sh->tty ? sh->master : sh->in_fd) : -1, .events = POLLOUT };
        if (p[FD_IN].fd == p[FD_MASTER].fd)
                p[FD_IN].fd = -1, p[FD_MASTER].events |= sh->stdin_len ? POLLOUT : 0;
        shim_health_pollfds(sh, &p[FD_HEALTH]);
        for (size_t i = 0; i < n; i++)
                p[FD_CLIENTS + i] = (struct pollfd){ .fd = sh->clients[i].fd,
                                                     .events = (short)((stdin_full ? 0 : POLLIN) |
                                                                       (sh->clients[i].out_len ? POLLOUT : 0)) };
        if (poll(p, FD_CLIENTS + n, poll_timeout(sh)) < 0)
                return;
        if (p[FD_OUT].revents)
                shim_output(sh, sh->out_fd, LOG_STREAM_STDOUT);
        if (p[FD_ERR].revents)
                shim_output(sh, sh->err_fd, LOG_STREAM_STDERR);
        if (p[FD_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
                shim_output(sh, sh->master, LOG_STREAM_STDOUT);
        if (p[FD_IN].revents || (p[FD_MASTER].revents & POLLOUT))
                shim_stdin_flush(sh);
        /* Backwards: closing a client moves the last one into its slot, already handled. */
        for (size_t i = n; i-- > 0;) {
                struct client *cl = &sh->clients[i];
                if (p[FD_CLIENTS + i].revents & (POLLIN | POLLHUP | POLLERR)) {
                        size_t before = sh->n_clients;
                        shim_client_input(sh, cl);
                        if (sh->n_clients < before)
                                continue;
                }
                if (cl->out_len || cl->closing)
                        shim_client_flush(sh, cl);
        }
        if (p[FD_LISTEN].revents)
                shim_client_accept(sh);
        shim_health_events(sh, &p[FD_HEALTH]);
        if (p[FD_SIG].revents)
                reap(sh);
        now = shim_now_ms();
        if (sh->kill_at && sh->kill_at <= now)
                shim_kill_due(sh);
        if (sh->restart_at && sh->restart_at <= now && sh->phase == PHASE_RESTARTING)
                shim_restart_due(sh);
}

/* The last words: replies and exit frames go out (bounded: a stuck client cannot keep us). */
static void final_flush(struct shim *sh)
{
        int64_t deadline = shim_now_ms() + 2000;

        while (sh->n_clients && shim_now_ms() < deadline) {
                struct pollfd p[SHIM_MAX_CLIENTS];
                size_t n = sh->n_clients;
                for (size_t i = 0; i < n; i++) {
                        sh->clients[i].closing = true;
                        p[i] = (struct pollfd){ .fd = sh->clients[i].fd, .events = POLLOUT };
                }
                if (poll(p, n, 100) < 0)
                        break;
                for (size_t i = n; i-- > 0;)
                        if (p[i].revents)
                                shim_client_flush(sh, &sh->clients[i]);
        }
}

/*
 * The create code (spec parsing, namespaces, mounts, seccomp) ran once and
 * is not needed while the shim only relays output and waits: drop its pages
 * from this process's page tables so the resident set is what the wait loop
 * touches (supervisor VmRSS 1.4 -> ~0.5 MiB). Only read-only PT_LOADs (code,
 * constants): they are never written, so MADV_DONTNEED just unmaps pages the
 * page cache still holds (shared by every shim); a page used again faults
 * back in from there. Writable segments (data, relocated pointers) are kept.
 */
static int drop_segment_pages(struct dl_phdr_info *info, size_t size, void *data)
{
        long page = sysconf(_SC_PAGESIZE);

        (void)size, (void)data;
        for (int i = 0; i < info->dlpi_phnum; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
                uintptr_t start, end;
                if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
                        continue;
                start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(page - 1);
                end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + (uintptr_t)page - 1) &
                      ~(uintptr_t)(page - 1);
                (void)madvise((void *)start, end - start, MADV_DONTNEED);
        }
        return 1; /* the executable comes first; libraries (none when static) are left alone */
}

static void shim_shrink(void)
{
        /* create's heap (the parsed spec, seccomp) is garbage from now on: give it back. */
        malloc_trim(0);
        if (!getenv("BERTH_SHIM_NO_SHRINK"))
                (void)dl_iterate_phdr(drop_segment_pages, NULL);
}

static void usage(void)
{
        fprintf(stderr, "usage: berth-shim --root DIR --runroot DIR --id ID [--ready-fd N] [--attach] [--keep-fds N]\n"
                        "       [--berth PATH]\n"
                        "(started by berth; not meant to be run by hand)\n");
        exit(2);
}

static void parse_args(int argc, char **argv, struct shim *sh, const char **root, const char **runroot)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },   { "runroot", required_argument, NULL, 'R' },
                { "id", required_argument, NULL, 'i' },     { "ready-fd", required_argument, NULL, 'f' },
                { "attach", no_argument, NULL, 'a' },       { "keep-fds", required_argument, NULL, 'k' },
                { "berth", required_argument, NULL, 'b' },  { NULL, 0, NULL, 0 },
        };
        int ch;

        while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (ch) {
                case 'r': *root = optarg; break;
                case 'R': *runroot = optarg; break;
                case 'i': sh->id = optarg; break;
                case 'f': sh->ready_fd = atoi(optarg); break;
                case 'a': sh->attach_mode = true; break;
                case 'k': sh->keep_fds = atoi(optarg); break;
                case 'b': sh->berth_exe = optarg; break;
                default: usage();
                }
        }
        if (!*root || !*runroot || !sh->id || sh->keep_fds < 0 || sh->keep_fds > 4096)
                usage();
        /* Held here for the container's life, never handed on: not to the runtime, not to the container. */
        for (int fd = 4; fd < 4 + sh->keep_fds; fd++)
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int setup(struct shim *sh, const char *root, const char *runroot, struct berth_error **err)
{
        int r;

        r = store_open(root, runroot, &sh->store, err);
        if (r < 0)
                return r;
        sh->run_dir = container_run_dir(sh->store, sh->id);
        sh->bundle = xasprintf("%s/containers/%s", root, sh->id);
        sh->run_dir_fd = open(sh->run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sh->run_dir_fd < 0)
                return berth_err(err, errno, "open `%s`", sh->run_dir);
        if ((r = write_pid_file(sh, err)) < 0 || (r = signals_setup(sh, err)) < 0 ||
            (r = listen_socket(sh, err)) < 0)
                return r;
        r = container_load(sh->store, sh->id, &sh->c, err);
        if (r < 0)
                return r;
        ready(sh, "P\n");
        r = config_from_record(sh, err);
        if (r < 0)
                return r;
        if (sh->ext_runtime)
                sh->runtime_root = container_external_runtime_root(sh->store, sh->ext_runtime);
        else
                sh->runtime_root = container_runtime_root(sh->store);
        return 0;
}

int main(int argc, char **argv)
{
        static struct shim shim = { .run_dir_fd = -1, .listen_fd = -1, .sig_fd = -1, .ready_fd = -1,
                                    .out_fd = -1, .err_fd = -1, .in_fd = -1, .master = -1 };
        struct shim *sh = &shim;
        _cleanup_error_ struct berth_error *e = NULL;
        const char *root = NULL, *runroot = NULL;

        parse_args(argc, argv, sh, &root, &runroot);
        if (setup(sh, root, runroot, &e) < 0) {
                ready_done(sh, e);
                return 1;
        }
        if (shim_launch(sh, &e) < 0) {
                shim_start_failed(sh, e);
                ready_done(sh, e);
                return 1;
        }
        if (!sh->attach_mode && shim_begin(sh, &e) < 0) {
                shim_start_failed(sh, e);
                ready_done(sh, e);
                return 1;
        }
        ready_done(sh, NULL);
        shim_shrink();
        while (sh->phase != PHASE_GONE)
                loop_once(sh);
        final_flush(sh);
        if (sh->logging)
                log_json_writer_close(&sh->log);
        (void)unlinkat(sh->run_dir_fd, SHIM_SOCKET, 0);
        (void)unlinkat(sh->run_dir_fd, SHIM_PID_FILE, 0);
        (void)rmdir(sh->run_dir);
        return 0;
}
