/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * berth-shim: the supervisor of one container (docs/design/supervisor.md).
 * One thread, one poll() loop, no timers but deadlines in the poll timeout.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "container/container.h"
#include "container/log-json.h"
#include "container/shim-protocol.h"
#include "store/store.h"

#define SHIM_MAX_CLIENTS 64
#define SHIM_CLIENT_BACKLOG (256u << 10) /* output queued for a slow client before the container waits */
#define SHIM_STDIN_BACKLOG (64u << 10)

struct client {
        int fd;
        bool have_request;   /* the request line has been read */
        bool attach, with_stdin;
        bool wants_exit;     /* WAIT or STOP: reply "OK <code>" at the exit */
        bool closing;        /* close once out is flushed */
        char line[SHIM_LINE_MAX];
        size_t line_len;
        uint8_t hdr[SHIM_FRAME_HEADER]; /* an incoming frame */
        size_t hdr_len;
        enum shim_stream stream;
        uint32_t left;
        char small[64]; /* a resize payload */
        size_t small_len;
        char *out;
        size_t out_len, out_size;
};

enum shim_phase {
        PHASE_CREATED,    /* created, start waits for the first attach (--attach) */
        PHASE_RUNNING,
        PHASE_RESTARTING, /* exited, a restart is due at restart_at */
        PHASE_GONE,       /* exited for good: flush the clients and leave */
};

struct shim {
        struct store *store;
        struct container *c;
        const char *id;
        char *run_dir, *bundle, *runtime_root;
        const char *ext_runtime; /* HostConfig.Runtime: another OCI runtime binary, or NULL */
        int run_dir_fd, listen_fd, sig_fd, ready_fd;
        bool attach_mode;
        bool tty, open_stdin;
        int out_fd, err_fd, in_fd, master; /* our ends of the container's stdio (-1 when absent) */
        char *stdin_buf;
        size_t stdin_len;
        bool stdin_eof;
        pid_t init_pid;
        enum shim_phase phase;
        int exit_code;
        bool manually_stopped;
        bool logging;
        struct log_json_writer log;
        struct client clients[SHIM_MAX_CLIENTS];
        size_t n_clients;
        int64_t kill_at;    /* monotonic ms: SIGKILL after a STOP's timeout; 0: none */
        int64_t restart_at; /* monotonic ms */
        int64_t started_at;
        unsigned backoff_ms;
        struct shim_health *health; /* shim-health.c; NULL until the first start */
        const char *berth_exe;      /* --berth: runs `container cleanup` when the container is done */
        int keep_fds;               /* --keep-fds: the held published ports, fds 4..4+n-1 */
        bool net_released;
};

int64_t shim_now_ms(void);

/* shim-run.c: the container's lifecycle. */
int shim_launch(struct shim *sh, struct berth_error **err);  /* stdio + runtime create */
int shim_begin(struct shim *sh, struct berth_error **err);   /* runtime start + record running */
void shim_start_failed(struct shim *sh, const struct berth_error *e);
void shim_on_exit(struct shim *sh, int status);
void shim_restart_due(struct shim *sh);
void shim_stop(struct shim *sh, struct client *cl, int sig, int timeout);
int shim_kill(struct shim *sh, int sig, struct berth_error **err);
void shim_kill_due(struct shim *sh);

/* shim-health.c: Config.Healthcheck (docs/design/supervisor.md "Health"). */
struct shim_health;
void shim_health_start(struct shim *sh);  /* running: State.Health starting, first probe after Interval */
void shim_health_stop(struct shim *sh);   /* exited: no more probes, a running one is killed */
bool shim_health_wants_restart(struct shim *sh); /* on-unhealthy stopped it: restart (clears the flag) */
bool shim_health_reaped(struct shim *sh, pid_t pid, int status); /* true: pid was the probe */
void shim_health_pollfds(struct shim *sh, struct pollfd p[2]);
void shim_health_events(struct shim *sh, const struct pollfd p[2]);

/* shim-io.c: stdio, output, clients. */
/* console[1] goes to the runtime (tty), console[0] receives the master; -1 without a tty. */
int shim_stdio_setup(struct shim *sh, int console[2], struct berth_error **err);
void shim_stdio_release(struct shim *sh);
void shim_master_set(struct shim *sh, int master);
void shim_output(struct shim *sh, int fd, enum log_stream stream);
void shim_output_drain(struct shim *sh);
bool shim_output_blocked(const struct shim *sh);
void shim_stdin_flush(struct shim *sh);
void shim_client_accept(struct shim *sh);
void shim_client_input(struct shim *sh, struct client *cl);
void shim_client_flush(struct shim *sh, struct client *cl);
void shim_client_send(struct client *cl, const char *data, size_t len);
void shim_client_frame(struct client *cl, enum shim_stream st, const char *data, size_t len);
void shim_client_close(struct shim *sh, struct client *cl);
void shim_clients_exit(struct shim *sh);
void shim_clients_error(struct shim *sh, const struct berth_error *e);
