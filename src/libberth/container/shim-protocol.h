/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The wire format between berth-shim and its clients, on the unix socket
 * $runroot/containers/<id>/attach.sock (SOCK_STREAM).
 *
 * A client sends one request line, then (ATTACH only) framed data:
 *   "ATTACH stdin=0|1\n"    stream output (and stdin when 1) until the exit
 *   "WAIT\n"                 reply once the container is not running
 *   "STOP <signal> <timeout>\n"  stop signal, SIGKILL after timeout s; reply once exited
 *   "KILL <signal>\n"        reply at once
 *   "RESIZE <rows> <cols>\n" reply at once
 * Control replies are one line: "OK <n>\n" (n: the exit code for WAIT and
 * STOP, 0 otherwise) or "E<errno> <message>\n".
 *
 * A frame: [1 byte stream][4 bytes big-endian length][payload]. Streams:
 * 0 stdin (client -> shim; an empty payload closes the container's stdin),
 * 1 stdout, 2 stderr, 3 exit (payload: the exit code in decimal, the last
 * frame), 4 error (payload "<errno> <message>": the container could not
 * start; the last frame), 5 resize (client -> shim, payload "rows cols").
 *
 * The readiness pipe of a new shim carries "P\n" (pid file written, the
 * caller may release the container lock), then "OK\n" or "E<errno> <message>\n".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define SHIM_SOCKET "attach.sock"
#define SHIM_PID_FILE "shim.pid"
#define SHIM_FRAME_HEADER 5
#define SHIM_FRAME_MAX (1u << 20)
#define SHIM_LINE_MAX 256

enum shim_stream {
        SHIM_STREAM_STDIN = 0,
        SHIM_STREAM_STDOUT = 1,
        SHIM_STREAM_STDERR = 2,
        SHIM_STREAM_EXIT = 3,
        SHIM_STREAM_ERROR = 4,
        SHIM_STREAM_RESIZE = 5,
};

enum shim_request_type {
        SHIM_REQ_ATTACH,
        SHIM_REQ_WAIT,
        SHIM_REQ_STOP,
        SHIM_REQ_KILL,
        SHIM_REQ_RESIZE,
};

struct shim_request {
        enum shim_request_type type;
        bool with_stdin;   /* ATTACH */
        int signal;        /* STOP, KILL */
        int timeout;       /* STOP, seconds */
        unsigned rows, cols; /* RESIZE */
};

void shim_frame_header(uint8_t hdr[SHIM_FRAME_HEADER], enum shim_stream stream, uint32_t len);
/* The stream and length of a header; false for an unknown stream or an oversized frame. */
bool shim_frame_parse(const uint8_t hdr[SHIM_FRAME_HEADER], enum shim_stream *ret_stream, uint32_t *ret_len);
/* A whole frame, blocking. */
int shim_frame_write(int fd, enum shim_stream stream, const void *buf, size_t len);

/* line: without its '\n'. -EINVAL on anything else. */
int shim_request_parse(const char *line, struct shim_request *ret);
/* "OK <n>" or "E<errno> <message>" (without '\n') -> n, or the error. */
int shim_reply_parse(const char *line, int *ret_n, struct berth_error **err);

/*
 * Connects to the supervisor's socket in run_dir (through /proc/self/fd: long
 * paths work). -ENOENT or -ECONNREFUSED: no supervisor listens.
 */
int shim_connect(const char *run_dir, int *ret_fd, struct berth_error **err);
/* Sends one request line and reads the one-line reply (blocking). */
int shim_call(const char *run_dir, const char *request, int *ret_n, struct berth_error **err);
/* Reads one '\n'-terminated line byte by byte, so that nothing after it is consumed. */
int shim_read_line(int fd, char *buf, size_t size);
