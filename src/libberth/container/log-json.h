/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Docker's json-file log driver: one JSON object per line,
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-28T02:13:04.92885Z"}
 * in $root/containers/<id>/<id>-json.log, rotated by size into -json.log.1,
 * .2, ... (max-size, default 10m; max-file, default 3: Docker's unbounded
 * default fills disks). The writer lives in berth-shim; the reader serves
 * `logs` (follow, tail, since/until, timestamps).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "container/container.h"

#define LOG_JSON_LINE_MAX 16384 /* a partial line is flushed at this size, as Docker does */
#define LOG_JSON_DEFAULT_MAX_SIZE (10u << 20)
#define LOG_JSON_DEFAULT_MAX_FILE 3

enum log_stream { LOG_STREAM_STDOUT = 1, LOG_STREAM_STDERR = 2 };

struct log_json_writer {
        int dir_fd;
        char *name; /* the file name in dir_fd */
        int fd;
        uint64_t size;
        uint64_t max_size; /* 0: never rotate */
        unsigned max_file;
        char *partial[3]; /* per stream: the unfinished line */
        size_t partial_len[3];
        char *out; /* the encoding buffer, reused */
        size_t out_size;
};

/* Opens (appends to) path. */
int log_json_writer_open(struct log_json_writer *w, const char *path, uint64_t max_size, unsigned max_file,
                         struct berth_error **err);
/* Appends container output: one record per complete line, partial lines at LOG_JSON_LINE_MAX. */
int log_json_write(struct log_json_writer *w, enum log_stream stream, const char *buf, size_t len);
/* Writes the unfinished lines out (at the container's exit). */
int log_json_flush(struct log_json_writer *w);
void log_json_writer_close(struct log_json_writer *w);
/* The options of HostConfig.LogConfig.Config: max-size ("10m", "512k", "1g", bytes) and max-file. */
int log_json_parse_size(const char *s, uint64_t *ret);

/* Encodes one record (the JSON and its '\n') into buf, which must hold 6 * len + 128 bytes. */
size_t log_json_encode(char *buf, const char *log, size_t len, enum log_stream stream, int64_t time_ns);
/* Decodes one record; *ret_log points into a buffer owned by the caller's line (decoded in place). */
int log_json_decode(char *line, size_t len, char **ret_log, size_t *ret_log_len, enum log_stream *ret_stream,
                    int64_t *ret_time_ns);
/* RFC 3339 (with optional fraction and offset) -> unix nanoseconds. */
int log_json_parse_time(const char *s, size_t len, int64_t *ret_ns);

struct container_logs_options {
        bool follow;
        bool timestamps;
        long tail;        /* -1: all */
        int64_t since_ns; /* 0: unset */
        int64_t until_ns; /* 0: unset */
};

/*
 * `logs`: writes the container's log to out_fd (stdout records) and err_fd
 * (stderr records); with follow, keeps going (inotify, no polling) until the
 * supervisor exits.
 */
int container_logs(struct store *s, struct container *c, const struct container_logs_options *o, int out_fd,
                   int err_fd, struct berth_error **err);
