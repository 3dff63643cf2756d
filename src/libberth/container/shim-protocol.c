/* SPDX-License-Identifier: Apache-2.0 */
/* The shim's wire format: frames, request lines and replies (see shim-protocol.h). */
#include "container/shim-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "runtime/runtime.h"

void shim_frame_header(uint8_t hdr[SHIM_FRAME_HEADER], enum shim_stream stream, uint32_t len)
{
        hdr[0] = (uint8_t)stream;
        hdr[1] = (uint8_t)(len >> 24);
        hdr[2] = (uint8_t)(len >> 16);
        hdr[3] = (uint8_t)(len >> 8);
        hdr[4] = (uint8_t)len;
}

bool shim_frame_parse(const uint8_t hdr[SHIM_FRAME_HEADER], enum shim_stream *ret_stream, uint32_t *ret_len)
{
        uint32_t len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];

        if (hdr[0] > SHIM_STREAM_RESIZE || len > SHIM_FRAME_MAX)
                return false;
        *ret_stream = (enum shim_stream)hdr[0];
        *ret_len = len;
        return true;
}

int shim_frame_write(int fd, enum shim_stream stream, const void *buf, size_t len)
{
        uint8_t hdr[SHIM_FRAME_HEADER];

        if (len > SHIM_FRAME_MAX)
                return -EMSGSIZE;
        shim_frame_header(hdr, stream, (uint32_t)len);
        if (write_all(fd, hdr, sizeof(hdr)) < 0 || (len && write_all(fd, buf, len) < 0))
                return -errno;
        return 0;
}

static int parse_uint(const char *s, char **end, long max)
{
        long v;

        errno = 0;
        v = strtol(s, end, 10);
        if (errno || *end == s || v < 0 || v > max)
                return -EINVAL;
        return (int)v;
}

int shim_request_parse(const char *line, struct shim_request *ret)
{
        struct shim_request r = { 0 };
        char *end = NULL;
        int a, b;

        if (strncmp(line, "ATTACH stdin=", 13) == 0 && (line[13] == '0' || line[13] == '1') && !line[14]) {
                r.type = SHIM_REQ_ATTACH;
                r.with_stdin = line[13] == '1';
        } else if (streq(line, "WAIT")) {
                r.type = SHIM_REQ_WAIT;
        } else if (strncmp(line, "KILL ", 5) == 0) {
                r.type = SHIM_REQ_KILL;
                if ((r.signal = parse_uint(line + 5, &end, 64)) <= 0 || *end)
                        return -EINVAL;
        } else if (strncmp(line, "STOP ", 5) == 0) {
                r.type = SHIM_REQ_STOP;
                if ((r.signal = parse_uint(line + 5, &end, 64)) <= 0 || *end != ' ')
                        return -EINVAL;
                if ((r.timeout = parse_uint(end + 1, &end, 1 << 30)) < 0 || *end)
                        return -EINVAL;
        } else if (strncmp(line, "RESIZE ", 7) == 0) {
                r.type = SHIM_REQ_RESIZE;
                if ((a = parse_uint(line + 7, &end, 65535)) < 0 || *end != ' ')
                        return -EINVAL;
                if ((b = parse_uint(end + 1, &end, 65535)) < 0 || *end)
                        return -EINVAL;
                r.rows = (unsigned)a;
                r.cols = (unsigned)b;
        } else {
                return -EINVAL;
        }
        *ret = r;
        return 0;
}

int shim_reply_parse(const char *line, int *ret_n, struct berth_error **err)
{
        char *end = NULL;
        long v;

        if (strncmp(line, "OK", 2) == 0) {
                v = line[2] == ' ' ? strtol(line + 3, &end, 10) : 0;
                *ret_n = (int)v;
                return 0;
        }
        if (line[0] == 'E') {
                v = strtol(line + 1, &end, 10);
                if (end && *end == ' ')
                        end++;
                return berth_err_msg(err, v > 0 && v < 4096 ? (int)v : EIO, "%s", end && *end ? end : "error");
        }
        return berth_err_msg(err, EPROTO, "unexpected reply from the container supervisor: %.64s", line);
}

int shim_connect(const char *run_dir, int *ret_fd, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;

        dfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "open `%s`", run_dir);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "socket");
        snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/" SHIM_SOCKET, dfd);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return berth_err(err, errno, "connect to the container supervisor");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int shim_read_line(int fd, char *buf, size_t size)
{
        size_t n = 0;

        while (n + 1 < size) {
                ssize_t k = read(fd, buf + n, 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EPIPE;
                if (buf[n] == '\n') {
                        buf[n] = '\0';
                        return (int)n;
                }
                n++;
        }
        return -EMSGSIZE;
}

int shim_call(const char *run_dir, const char *request, int *ret_n, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        char line[SHIM_LINE_MAX + 64];
        int r;

        r = shim_connect(run_dir, &fd, err);
        if (r < 0)
                return r;
        if (write_all(fd, request, strlen(request)) < 0)
                return berth_err(err, errno, "talk to the container supervisor");
        r = shim_read_line(fd, line, sizeof(line));
        if (r < 0)
                return berth_err(err, -r, "read the container supervisor's reply");
        return shim_reply_parse(line, ret_n, err);
}
