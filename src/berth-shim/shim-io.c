/* SPDX-License-Identifier: Apache-2.0 */
/* The container's stdio, its output (log + attached clients), and the socket clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "shim.h"

static char iobuf[16384]; /* one read of container output; static: no heap churn, few pages */

static int null_fd(void)
{
        static int fd = -1;

        if (fd < 0)
                fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        return fd;
}

static void set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);

        if (fl >= 0)
                (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/*
 * The init inherits the shim's fds 0, 1 and 2 (the runtime's contract), so
 * the container's ends of the pipes go there for the duration of create;
 * shim_stdio_release puts /dev/null back. With a tty, the init makes the
 * pty itself and sends us the master over console[1].
 */
int shim_stdio_setup(struct shim *sh, int console[2], struct berth_error **err)
{
        int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 };

        console[0] = console[1] = -1;
        if (sh->tty) {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0)
                        return berth_err(err, errno, "socketpair");
                return 0;
        }
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || (sh->open_stdin && pipe2(in, O_CLOEXEC) < 0)) {
                int e = errno;
                for (int *fd = out; fd < out + 2; fd++)
                        if (*fd >= 0)
                                close(*fd);
                for (int *fd = errp; fd < errp + 2; fd++)
                        if (*fd >= 0)
                                close(*fd);
                return berth_err(err, e, "pipe");
        }
        if (dup2(in[0] >= 0 ? in[0] : null_fd(), STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
            dup2(errp[1], STDERR_FILENO) < 0)
                return berth_err(err, errno, "dup2");
        close(out[1]);
        close(errp[1]);
        if (in[0] >= 0)
                close(in[0]);
        sh->out_fd = out[0];
        sh->err_fd = errp[0];
        sh->in_fd = in[1];
        set_nonblock(sh->out_fd);
        set_nonblock(sh->err_fd);
        if (sh->in_fd >= 0)
                set_nonblock(sh->in_fd);
        sh->stdin_eof = false;
        sh->stdin_len = 0;
        return 0;
}

void shim_stdio_release(struct shim *sh)
{
        (void)sh;
        for (int fd = 0; fd <= 2; fd++)
                (void)dup2(null_fd(), fd);
}

void shim_master_set(struct shim *sh, int master)
{
        sh->master = master;
        set_nonblock(master);
        if (sh->open_stdin)
                sh->in_fd = -1; /* stdin goes to the master */
}

/* 1: data, 0: would block, -1: closed (EOF, or EIO on a pty whose last slave closed). */
static int output_once(struct shim *sh, int *fd, enum log_stream stream)
{
        ssize_t n = read(*fd, iobuf, sizeof(iobuf));

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                if (*fd == sh->master) {
                        /* The master doubles as stdin: keep it until the exit, just stop reading it. */
                        sh->master = -1;
                }
                close(*fd);
                *fd = -1;
                return -1;
        }
        if (sh->logging)
                (void)log_json_write(&sh->log, stream, iobuf, (size_t)n);
        for (size_t i = 0; i < sh->n_clients; i++)
                if (sh->clients[i].attach && !sh->clients[i].closing)
                        shim_client_frame(&sh->clients[i], (enum shim_stream)stream, iobuf, (size_t)n);
        return 1;
}

void shim_output(struct shim *sh, int fd, enum log_stream stream)
{
        int *p = fd == sh->out_fd ? &sh->out_fd : fd == sh->err_fd ? &sh->err_fd : &sh->master;

        (void)output_once(sh, p, stream);
}

/* After the exit: what is still in the pipes (non-blocking; a leftover writer cannot hold us). */
void shim_output_drain(struct shim *sh)
{
        while (sh->out_fd >= 0 && output_once(sh, &sh->out_fd, LOG_STREAM_STDOUT) > 0)
                ;
        while (sh->err_fd >= 0 && output_once(sh, &sh->err_fd, LOG_STREAM_STDERR) > 0)
                ;
        while (sh->master >= 0 && output_once(sh, &sh->master, LOG_STREAM_STDOUT) > 0)
                ;
        if (sh->logging)
                (void)log_json_flush(&sh->log);
        for (int *fd = &sh->out_fd; fd <= &sh->master; fd++)
                if (*fd >= 0) {
                        close(*fd);
                        *fd = -1;
                }
}

bool shim_output_blocked(const struct shim *sh)
{
        for (size_t i = 0; i < sh->n_clients; i++)
                if (sh->clients[i].out_len > SHIM_CLIENT_BACKLOG)
                        return true;
        return false;
}

void shim_stdin_flush(struct shim *sh)
{
        int fd = sh->tty ? sh->master : sh->in_fd;

        if (fd < 0) {
                sh->stdin_len = 0;
                return;
        }
        while (sh->stdin_len) {
                ssize_t n = write(fd, sh->stdin_buf, sh->stdin_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        sh->stdin_len = 0; /* the container closed its stdin */
                        break;
                }
                memmove(sh->stdin_buf, sh->stdin_buf + n, sh->stdin_len - (size_t)n);
                sh->stdin_len -= (size_t)n;
        }
        if (sh->stdin_eof && !sh->tty && sh->in_fd >= 0) {
                close(sh->in_fd);
                sh->in_fd = -1;
        }
}

/* ---- clients ---- */

void shim_client_accept(struct shim *sh)
{
        int fd = accept4(sh->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (fd < 0)
                return;
        if (sh->n_clients == SHIM_MAX_CLIENTS) {
                close(fd);
                return;
        }
        sh->clients[sh->n_clients++] = (struct client){ .fd = fd };
}

void shim_client_close(struct shim *sh, struct client *cl)
{
        size_t i = (size_t)(cl - sh->clients);
        bool stdin_once = json_is_true(json_object_get(json_object_get(sh->c->record, "Config"), "StdinOnce"));

        /* docker run -i: the container's stdin closes with the client that fed it. */
        if (cl->with_stdin && stdin_once && sh->phase == PHASE_RUNNING) {
                sh->stdin_eof = true;
                shim_stdin_flush(sh);
        }
        close(cl->fd);
        free(cl->out);
        sh->clients[i] = sh->clients[--sh->n_clients];
}

void shim_client_flush(struct shim *sh, struct client *cl)
{
        size_t off = 0;

        while (off < cl->out_len) {
                ssize_t n = write(cl->fd, cl->out + off, cl->out_len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        cl->out_len = off = 0;
                        cl->closing = true; /* gone: drop what it did not read */
                        break;
                }
                off += (size_t)n;
        }
        memmove(cl->out, cl->out + off, cl->out_len - off);
        cl->out_len -= off;
        if (cl->closing && cl->out_len == 0)
                shim_client_close(sh, cl);
}

void shim_client_send(struct client *cl, const char *data, size_t len)
{
        if (cl->out_len + len > cl->out_size) {
                cl->out_size = (cl->out_len + len) * 2;
                cl->out = xrealloc(cl->out, cl->out_size);
        }
        memcpy(cl->out + cl->out_len, data, len);
        cl->out_len += len;
}

void shim_client_frame(struct client *cl, enum shim_stream st, const char *data, size_t len)
{
        uint8_t hdr[SHIM_FRAME_HEADER];

        shim_frame_header(hdr, st, (uint32_t)len);
        shim_client_send(cl, (const char *)hdr, sizeof(hdr));
        shim_client_send(cl, data, len);
}

static void reply_error(struct client *cl, int code, const char *msg)
{
        char line[512];
        int n = snprintf(line, sizeof(line), "E%d %s\n", code, msg);

        shim_client_send(cl, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
        cl->closing = true;
}

static void reply_ok(struct client *cl, int n)
{
        char line[32];

        snprintf(line, sizeof(line), "OK %d\n", n);
        shim_client_send(cl, line, strlen(line));
        cl->closing = true;
}

static bool container_exited(const struct shim *sh)
{
        return sh->phase == PHASE_GONE || sh->phase == PHASE_RESTARTING;
}

static void resize(struct shim *sh, unsigned rows, unsigned cols)
{
        struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

        if (sh->master >= 0)
                (void)ioctl(sh->master, TIOCSWINSZ, &ws);
}

static void request(struct shim *sh, struct client *cl)
{
        _cleanup_error_ struct berth_error *e = NULL;
        struct shim_request req;

        if (shim_request_parse(cl->line, &req) < 0)
                return reply_error(cl, EINVAL, "bad request");
        switch (req.type) {
        case SHIM_REQ_ATTACH:
                cl->attach = true;
                cl->with_stdin = req.with_stdin;
                if (container_exited(sh)) {
                        char code[16];
                        snprintf(code, sizeof(code), "%d", sh->exit_code);
                        shim_client_frame(cl, SHIM_STREAM_EXIT, code, strlen(code));
                        cl->closing = true;
                } else if (sh->phase == PHASE_CREATED && shim_begin(sh, &e) < 0) {
                        shim_start_failed(sh, e); /* sends the error frame to this client too */
                }
                return;
        case SHIM_REQ_WAIT:
                if (container_exited(sh))
                        return reply_ok(cl, sh->exit_code);
                cl->wants_exit = true;
                return;
        case SHIM_REQ_STOP:
                return shim_stop(sh, cl, req.signal, req.timeout);
        case SHIM_REQ_KILL:
                if (shim_kill(sh, req.signal, &e) < 0)
                        return reply_error(cl, e->code, e->msg);
                return reply_ok(cl, 0);
        case SHIM_REQ_RESIZE:
                resize(sh, req.rows, req.cols);
                return reply_ok(cl, 0);
        }
}

static void frame(struct shim *sh, struct client *cl, const char *data, size_t len)
{
        unsigned rows, cols;

        if (cl->stream == SHIM_STREAM_STDIN && cl->with_stdin) {
                if (cl->hdr_len == SHIM_FRAME_HEADER && cl->left == 0 && len == 0 && !cl->small_len) {
                        sh->stdin_eof = true; /* an empty frame */
                        shim_stdin_flush(sh);
                        return;
                }
                if (sh->phase != PHASE_RUNNING && sh->phase != PHASE_CREATED)
                        return;
                if (!sh->stdin_buf)
                        sh->stdin_buf = xmalloc(SHIM_STDIN_BACKLOG + sizeof(iobuf));
                if (sh->stdin_len + len <= SHIM_STDIN_BACKLOG + sizeof(iobuf)) {
                        memcpy(sh->stdin_buf + sh->stdin_len, data, len);
                        sh->stdin_len += len;
                }
                shim_stdin_flush(sh);
        } else if (cl->stream == SHIM_STREAM_RESIZE) {
                size_t take = len < sizeof(cl->small) - 1 - cl->small_len ? len : sizeof(cl->small) - 1 - cl->small_len;
                memcpy(cl->small + cl->small_len, data, take);
                cl->small_len += take;
                if (cl->left == 0) {
                        cl->small[cl->small_len] = '\0';
                        if (sscanf(cl->small, "%u %u", &rows, &cols) == 2)
                                resize(sh, rows, cols);
                        cl->small_len = 0;
                }
        }
}

/* Only clients with room in the container's stdin are read: backpressure instead of unbounded buffers. */
void shim_client_input(struct shim *sh, struct client *cl)
{
        ssize_t n = read(cl->fd, iobuf, sizeof(iobuf));
        size_t i = 0;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                cl->closing = true;
                cl->out_len = 0;
                shim_client_close(sh, cl);
                return;
        }
        while (i < (size_t)n && !cl->have_request) {
                char ch = iobuf[i++];
                if (ch == '\n') {
                        cl->line[cl->line_len] = '\0';
                        cl->have_request = true;
                        request(sh, cl);
                } else if (cl->line_len + 1 < sizeof(cl->line)) {
                        cl->line[cl->line_len++] = ch;
                }
        }
        while (i < (size_t)n && cl->attach) {
                if (cl->hdr_len < SHIM_FRAME_HEADER) {
                        cl->hdr[cl->hdr_len++] = (uint8_t)iobuf[i++];
                        if (cl->hdr_len < SHIM_FRAME_HEADER)
                                continue;
                        if (!shim_frame_parse(cl->hdr, &cl->stream, &cl->left)) {
                                cl->closing = true;
                                return;
                        }
                        if (cl->left == 0) {
                                frame(sh, cl, NULL, 0);
                                cl->hdr_len = 0;
                        }
                        continue;
                }
                size_t take = (size_t)n - i < cl->left ? (size_t)n - i : cl->left;
                cl->left -= (uint32_t)take;
                frame(sh, cl, iobuf + i, take);
                i += take;
                if (cl->left == 0)
                        cl->hdr_len = 0;
        }
}

void shim_clients_exit(struct shim *sh)
{
        char code[16];

        snprintf(code, sizeof(code), "%d", sh->exit_code);
        for (size_t i = 0; i < sh->n_clients; i++) {
                struct client *cl = &sh->clients[i];
                if (cl->attach) {
                        shim_client_frame(cl, SHIM_STREAM_EXIT, code, strlen(code));
                        cl->closing = true;
                } else if (cl->wants_exit) {
                        reply_ok(cl, sh->exit_code);
                }
        }
}

void shim_clients_error(struct shim *sh, const struct berth_error *e)
{
        char msg[1024];
        int n = snprintf(msg, sizeof(msg), "%d %s", e ? e->code : EIO, e && e->msg ? e->msg : "start failed");

        for (size_t i = 0; i < sh->n_clients; i++) {
                struct client *cl = &sh->clients[i];
                if (cl->attach) {
                        shim_client_frame(cl, SHIM_STREAM_ERROR, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
                        cl->closing = true;
                } else if (cl->wants_exit) {
                        reply_ok(cl, sh->exit_code);
                }
        }
}
