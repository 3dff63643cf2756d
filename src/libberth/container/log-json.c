/* SPDX-License-Identifier: Apache-2.0 */
/* The json-file log: encoding, decoding, the rotating writer (see log-json.h). */
#include "container/log-json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "container/supervisor.h"

static const char hex[] = "0123456789abcdef";

/* Length of a valid UTF-8 sequence at s (Go's rules: no overlongs, no surrogates), 0 if invalid. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
        unsigned c = s[0];
        size_t len;
        unsigned cp;

        if (c < 0xc2 || c > 0xf4)
                return 0;
        len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (n < len)
                return 0;
        cp = c & (0x7f >> len);
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return len;
}

/* JSON string body as Go's encoder writes it: <, >, & and U+2028/9 escaped, bad UTF-8 as U+FFFD. */
static char *escape(char *o, const char *in, size_t len)
{
        const unsigned char *s = (const unsigned char *)in;

        for (size_t i = 0; i < len;) {
                unsigned c = s[i];
                if (c >= 0x80) {
                        size_t l = utf8_valid(s + i, len - i);
                        if (!l) {
                                memcpy(o, "\\ufffd", 6);
                                o += 6;
                                i++;
                        } else if (l == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] & 0xfe) == 0xa8) {
                                memcpy(o, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
                                o += 6;
                                i += 3;
                        } else {
                                memcpy(o, s + i, l);
                                o += l;
                                i += l;
                        }
                        continue;
                }
                i++;
                if (c == '"' || c == '\\') {
                        *o++ = '\\';
                        *o++ = (char)c;
                } else if (c == '\n' || c == '\r' || c == '\t') {
                        *o++ = '\\';
                        *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
                } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        memcpy(o, "\\u00", 4);
                        o[4] = hex[c >> 4];
                        o[5] = hex[c & 15];
                        o += 6;
                } else {
                        *o++ = (char)c;
                }
        }
        return o;
}

static size_t format_time(char *buf, int64_t ns)
{
        time_t sec = (time_t)(ns / 1000000000);
        long frac = (long)(ns % 1000000000);
        struct tm tm;
        size_t n;

        gmtime_r(&sec, &tm);
        n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
        if (frac) {
                n += (size_t)snprintf(buf + n, 16, ".%09ld", frac);
                while (buf[n - 1] == '0') /* Go's RFC3339Nano drops trailing zeros */
                        n--;
        }
        buf[n++] = 'Z';
        return n;
}

size_t log_json_encode(char *buf, const char *log, size_t len, enum log_stream stream, int64_t time_ns)
{
        char *o = buf;

        memcpy(o, "{\"log\":\"", 8);
        o = escape(o + 8, log, len);
        o = stpcpy(o, stream == LOG_STREAM_STDERR ? "\",\"stream\":\"stderr\",\"time\":\""
                                                  : "\",\"stream\":\"stdout\",\"time\":\"");
        o += format_time(o, time_ns);
        o = stpcpy(o, "\"}\n");
        return (size_t)(o - buf);
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int log_json_parse_size(const char *s, uint64_t *ret)
{
        char *end = NULL;
        double v;
        uint64_t mult = 1;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -EINVAL;
        /* Docker's units.RAMInBytes: binary multiples, an optional "b"/"ib" suffix. */
        switch (*end | 0x20) {
        case 'k': mult = 1ull << 10; end++; break;
        case 'm': mult = 1ull << 20; end++; break;
        case 'g': mult = 1ull << 30; end++; break;
        case 't': mult = 1ull << 40; end++; break;
        default: break;
        }
        if ((*end | 0x20) == 'i' && mult > 1)
                end++;
        if ((*end | 0x20) == 'b')
                end++;
        if (*end)
                return -EINVAL;
        *ret = (uint64_t)(v * (double)mult);
        return 0;
}

int log_json_writer_open(struct log_json_writer *w, const char *path, uint64_t max_size, unsigned max_file,
                         struct berth_error **err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        struct stat st;

        *w = (struct log_json_writer){ .dir_fd = -1, .fd = -1, .max_size = max_size, .max_file = max_file };
        if (!slash)
                return berth_err_msg(err, EINVAL, "log path `%s` is not absolute", path);
        *slash = '\0';
        w->name = xstrdup(slash + 1);
        w->dir_fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w->dir_fd < 0)
                return berth_err(err, errno, "open `%s`", dir);
        w->fd = openat(w->dir_fd, w->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (w->fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        if (fstat(w->fd, &st) == 0)
                w->size = (uint64_t)st.st_size;
        if (w->max_file < 1)
                w->max_file = 1;
        return 0;
}

/* -json.log.(n-2) -> .(n-1), ..., -json.log -> .1, then a fresh file; with max-file 1, truncate. */
static int rotate(struct log_json_writer *w)
{
        char from[PATH_MAX], to[PATH_MAX];
        int fd;

        if (w->max_file > 1) {
                for (unsigned i = w->max_file - 1; i > 0; i--) {
                        if (i == 1)
                                snprintf(from, sizeof(from), "%s", w->name);
                        else
                                snprintf(from, sizeof(from), "%s.%u", w->name, i - 1);
                        snprintf(to, sizeof(to), "%s.%u", w->name, i);
                        if (renameat(w->dir_fd, from, w->dir_fd, to) < 0 && errno != ENOENT)
                                return -errno;
                }
                fd = openat(w->dir_fd, w->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        } else {
                fd = openat(w->dir_fd, w->name, O_WRONLY | O_APPEND | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
                return -errno;
        close(w->fd);
        w->fd = fd;
        w->size = 0;
        return 0;
}

static int write_record(struct log_json_writer *w, enum log_stream stream, const char *log, size_t len)
{
        size_t need = 6 * len + 128, n;

        if (w->out_size < need) {
                w->out = xrealloc(w->out, need);
                w->out_size = need;
        }
        n = log_json_encode(w->out, log, len, stream, now_ns());
        if (w->max_size && w->size && w->size + n > w->max_size)
                (void)rotate(w); /* a failed rotation keeps appending: losing output is worse */
        if (write_all(w->fd, w->out, n) < 0)
                return -errno;
        w->size += n;
        return 0;
}

int log_json_write(struct log_json_writer *w, enum log_stream stream, const char *buf, size_t len)
{
        int r = 0;

        while (len > 0) {
                const char *nl = memchr(buf, '\n', len);
                size_t take = nl ? (size_t)(nl - buf) + 1 : len;
                size_t *plen = &w->partial_len[stream];

                if (*plen + take > LOG_JSON_LINE_MAX)
                        take = LOG_JSON_LINE_MAX - *plen;
                if (*plen == 0 && (nl && take == (size_t)(nl - buf) + 1)) {
                        r = write_record(w, stream, buf, take); /* the common case: no copy */
                } else {
                        if (!w->partial[stream])
                                w->partial[stream] = xmalloc(LOG_JSON_LINE_MAX);
                        memcpy(w->partial[stream] + *plen, buf, take);
                        *plen += take;
                        if (w->partial[stream][*plen - 1] == '\n' || *plen == LOG_JSON_LINE_MAX) {
                                r = write_record(w, stream, w->partial[stream], *plen);
                                *plen = 0;
                        }
                }
                buf += take;
                len -= take;
        }
        return r;
}

int log_json_flush(struct log_json_writer *w)
{
        int r = 0;

        for (int s = LOG_STREAM_STDOUT; s <= LOG_STREAM_STDERR; s++) {
                if (w->partial_len[s] && write_record(w, (enum log_stream)s, w->partial[s], w->partial_len[s]) < 0)
                        r = -errno;
                w->partial_len[s] = 0;
        }
        return r;
}

void log_json_writer_close(struct log_json_writer *w)
{
        if (w->fd >= 0)
                close(w->fd);
        if (w->dir_fd >= 0)
                close(w->dir_fd);
        for (int s = 0; s < 3; s++)
                free(w->partial[s]);
        free(w->out);
        free(w->name);
        *w = (struct log_json_writer){ .dir_fd = -1, .fd = -1 };
}

int log_json_parse_time(const char *s, size_t len, int64_t *ret_ns)
{
        struct tm tm = { 0 };
        char buf[64];
        const char *p;
        int64_t frac = 0, scale = 100000000, off = 0;
        time_t t;

        if (len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        p = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -EINVAL;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                        frac += scale > 0 ? (*p - '0') * scale : 0;
        if (*p == '+' || *p == '-') {
                int hh, mm;
                if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
                        return -EINVAL;
                off = (hh * 3600 + mm * 60) * (*p == '-' ? -1 : 1);
                p += 6;
        } else if (*p == 'Z' || *p == 'z') {
                p++;
        }
        if (*p)
                return -EINVAL;
        t = timegm(&tm);
        *ret_ns = ((int64_t)t - off) * 1000000000 + frac;
        return 0;
}

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

static int read_u4(const char *p, const char *end, unsigned *ret)
{
        unsigned v = 0;

        if (end - p < 4)
                return -EBADMSG;
        for (int i = 0; i < 4; i++) {
                int h = hexval(p[i]);
                if (h < 0)
                        return -EBADMSG;
                v = v << 4 | (unsigned)h;
        }
        *ret = v;
        return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
        if (cp < 0x80) {
                *o++ = (char)cp;
        } else if (cp < 0x800) {
                *o++ = (char)(0xc0 | cp >> 6);
                *o++ = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
                *o++ = (char)(0xe0 | cp >> 12);
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
        } else {
                *o++ = (char)(0xf0 | cp >> 18);
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
        }
        return o;
}

/* Unescapes the JSON string starting after its opening quote, in place; *pp ends after the closing quote. */
static int unescape(char **pp, char *end, char **ret, size_t *ret_len)
{
        char *p = *pp, *o = p, *start = p;
        unsigned cp, lo;

        while (p < end && *p != '"') {
                if (*p != '\\') {
                        *o++ = *p++;
                        continue;
                }
                if (++p >= end)
                        return -EBADMSG;
                switch (*p++) {
                case 'n': *o++ = '\n'; break;
                case 't': *o++ = '\t'; break;
                case 'r': *o++ = '\r'; break;
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                case '/': *o++ = '/'; break;
                case '\\': *o++ = '\\'; break;
                case '"': *o++ = '"'; break;
                case 'u':
                        if (read_u4(p, end, &cp) < 0)
                                return -EBADMSG;
                        p += 4;
                        if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                            read_u4(p + 2, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                p += 6;
                        }
                        o = put_utf8(o, cp); /* never longer than the escape it replaces */
                        break;
                default:
                        return -EBADMSG;
                }
        }
        if (p >= end)
                return -EBADMSG;
        *pp = p + 1;
        *ret = start;
        *ret_len = (size_t)(o - start);
        return 0;
}

static char *skip_ws(char *p, char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                p++;
        return p;
}

int log_json_decode(char *line, size_t len, char **ret_log, size_t *ret_log_len, enum log_stream *ret_stream,
                    int64_t *ret_time_ns)
{
        char *p = line, *end = line + len, *key, *val, *log = NULL;
        size_t klen, vlen, log_len = 0;
        enum log_stream stream = LOG_STREAM_STDOUT;
        int64_t t = 0;

        p = skip_ws(p, end);
        if (p >= end || *p++ != '{')
                return -EBADMSG;
        for (;;) {
                p = skip_ws(p, end);
                if (p < end && *p == '}')
                        break;
                if (p >= end || *p++ != '"' || unescape(&p, end, &key, &klen) < 0)
                        return -EBADMSG;
                p = skip_ws(p, end);
                if (p >= end || *p++ != ':')
                        return -EBADMSG;
                p = skip_ws(p, end);
                if (p >= end || *p++ != '"' || unescape(&p, end, &val, &vlen) < 0)
                        return -EBADMSG; /* only string values in this format (attrs are not written) */
                if (klen == 3 && memcmp(key, "log", 3) == 0) {
                        log = val;
                        log_len = vlen;
                } else if (klen == 6 && memcmp(key, "stream", 6) == 0) {
                        stream = vlen == 6 && memcmp(val, "stderr", 6) == 0 ? LOG_STREAM_STDERR : LOG_STREAM_STDOUT;
                } else if (klen == 4 && memcmp(key, "time", 4) == 0) {
                        if (log_json_parse_time(val, vlen, &t) < 0)
                                return -EBADMSG;
                }
                p = skip_ws(p, end);
                if (p < end && *p == ',') {
                        p++;
                        continue;
                }
                if (p < end && *p == '}')
                        break;
                return -EBADMSG;
        }
        if (!log)
                return -EBADMSG;
        *ret_log = log;
        *ret_log_len = log_len;
        *ret_stream = stream;
        *ret_time_ns = t;
        return 0;
}

/* ---- `logs` ---- */

#define READ_CHUNK (64u << 10)

struct log_reader {
        const struct container_logs_options *o;
        int out_fd, err_fd;
        int buf_fd;      /* the fd buf is for */
        char *buf;       /* output, flushed when full or when the fd changes */
        size_t buf_len;
        char *line;      /* input carried over between reads */
        size_t line_len, line_size;
        bool done;       /* --until passed */
};

static int out_flush(struct log_reader *r)
{
        if (r->buf_len && write_all(r->buf_fd, r->buf, r->buf_len) < 0)
                return -errno;
        r->buf_len = 0;
        return 0;
}

static int out_put(struct log_reader *r, int fd, const char *data, size_t len)
{
        int k;

        if ((fd != r->buf_fd || r->buf_len + len > READ_CHUNK) && (k = out_flush(r)) < 0)
                return k;
        r->buf_fd = fd;
        if (len > READ_CHUNK)
                return write_all(fd, data, len) < 0 ? -errno : 0;
        memcpy(r->buf + r->buf_len, data, len);
        r->buf_len += len;
        return 0;
}

static int emit_record(struct log_reader *r, char *rec, size_t len)
{
        enum log_stream stream;
        int64_t t;
        char *log, ts[48];
        size_t log_len;
        int fd, k;

        if (log_json_decode(rec, len, &log, &log_len, &stream, &t) < 0)
                return 0; /* a torn or foreign line: skip it, as Docker's decoder does after a crash */
        if (r->o->since_ns && t < r->o->since_ns)
                return 0;
        if (r->o->until_ns && t > r->o->until_ns) {
                r->done = true;
                return 0;
        }
        fd = stream == LOG_STREAM_STDERR ? r->err_fd : r->out_fd;
        if (r->o->timestamps) {
                /* docker logs -t: RFC3339Nano with a fixed nine-digit fraction */
                time_t sec = (time_t)(t / 1000000000);
                struct tm tm;
                size_t n;
                gmtime_r(&sec, &tm);
                n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
                n += (size_t)snprintf(ts + n, sizeof(ts) - n, ".%09ldZ ", (long)(t % 1000000000));
                if ((k = out_put(r, fd, ts, n)) < 0)
                        return k;
        }
        return out_put(r, fd, log, log_len);
}

/* Reads fd to its current end, emitting every complete record; a torn last line waits for more. */
static int drain_fd(struct log_reader *r, int fd)
{
        for (;;) {
                char *p, *nl;
                ssize_t n;
                int k;

                if (r->line_size - r->line_len < READ_CHUNK) {
                        r->line_size = r->line_len + READ_CHUNK;
                        r->line = xrealloc(r->line, r->line_size);
                }
                n = read(fd, r->line + r->line_len, READ_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                r->line_len += (size_t)n;
                p = r->line;
                while (!r->done && (nl = memchr(p, '\n', r->line_len - (size_t)(p - r->line)))) {
                        if ((k = emit_record(r, p, (size_t)(nl - p))) < 0)
                                return k;
                        p = nl + 1;
                }
                if (r->done)
                        return 0;
                r->line_len -= (size_t)(p - r->line);
                memmove(r->line, p, r->line_len);
        }
}

/* The rotated files that exist, oldest first, then the log itself. */
static char **log_files(const char *path, size_t *ret_n)
{
        size_t n = 0;
        char **files;
        struct stat st;

        while (n < 1000) {
                _cleanup_free_ char *p = xasprintf("%s.%zu", path, n + 1);
                if (stat(p, &st) < 0)
                        break;
                n++;
        }
        files = xcalloc(n + 2, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                files[i] = xasprintf("%s.%zu", path, n - i);
        files[n] = xstrdup(path);
        *ret_n = n + 1;
        return files;
}

/* Where the last `want` (> 0) records start, counting back through the files: (*ret_file, *ret_off). */
static void find_tail(char **files, size_t n, long want, size_t *ret_file, off_t *ret_off)
{
        _cleanup_free_ char *blk = xmalloc(READ_CHUNK);
        long seen = 0;

        *ret_file = 0;
        *ret_off = 0;
        for (size_t f = n; f-- > 0;) {
                _cleanup_close_ int fd = open(files[f], O_RDONLY | O_CLOEXEC);
                struct stat st;
                off_t pos;

                if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0)
                        continue;
                pos = st.st_size;
                while (pos > 0) {
                        size_t len = pos > (off_t)READ_CHUNK ? READ_CHUNK : (size_t)pos;
                        pos -= (off_t)len;
                        if (pread(fd, blk, len, pos) != (ssize_t)len)
                                break;
                        for (size_t i = len; i-- > 0;) {
                                /* Each newline but the file's last one starts the record after it. */
                                if (blk[i] != '\n' || pos + (off_t)i == st.st_size - 1)
                                        continue;
                                if (++seen == want) {
                                        *ret_file = f;
                                        *ret_off = pos + (off_t)i + 1;
                                        return;
                                }
                        }
                }
                if (++seen == want) { /* the file's first record */
                        *ret_file = f;
                        *ret_off = 0;
                        return;
                }
        }
}

static bool same_file(int dir_fd, const char *name, int fd)
{
        struct stat a, b;

        if (fd < 0)
                return false;
        if (fstatat(dir_fd, name, &a, 0) < 0 || fstat(fd, &b) < 0)
                return true; /* nothing new to switch to */
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Follows the log: every change in its directory, until the supervisor (pidfd) exits or --until passes. */
static int follow(struct log_reader *r, const char *path, int *cur, int pidfd)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/'), evbuf[4096];
        _cleanup_close_ int ino = -EBADF, dfd = -EBADF;
        const char *name;
        bool last = false;
        int k;

        *slash = '\0';
        name = slash + 1;
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ino < 0 || dfd < 0 || inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
                return -errno;
        while (!r->done) {
                struct pollfd p[2] = { { .fd = ino, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                int timeout = -1;

                /* Appended between the first read and the watch, or before this wake-up. */
                if (*cur >= 0 && (k = drain_fd(r, *cur)) < 0)
                        return k;
                if (!same_file(dfd, name, *cur)) {
                        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
                        if (fd >= 0) {
                                if (*cur >= 0)
                                        close(*cur);
                                *cur = fd;
                                r->line_len = 0;
                                continue;
                        }
                }
                if ((k = out_flush(r)) < 0 || last)
                        return k;
                if (r->o->until_ns) {
                        int64_t left = r->o->until_ns - now_ns();
                        if (left <= 0)
                                return 0;
                        timeout = left / 1000000 > 86400000 ? 86400000 : (int)(left / 1000000) + 1;
                }
                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        return -errno;
                while (read(ino, evbuf, sizeof(evbuf)) > 0)
                        ;
                if (p[1].revents)
                        last = true; /* one more pass: what the supervisor wrote before it exited */
        }
        return 0;
}

int container_logs(struct store *s, struct container *c, const struct container_logs_options *o, int out_fd,
                   int err_fd, struct berth_error **err)
{
        const char *lp = json_string_value(json_object_get(c->record, "LogPath"));
        _cleanup_free_ char *path = lp && *lp ? xstrdup(lp) : xasprintf("%s/containers/%s/%s-json.log", s->root,
                                                                         c->id, c->id);
        struct log_reader r = { .o = o, .out_fd = out_fd, .err_fd = err_fd, .buf_fd = out_fd };
        _cleanup_close_ int pidfd = -EBADF;
        size_t n = 0, start = 0;
        off_t off = 0;
        char **files = log_files(path, &n);
        int cur = -1, k = 0;

        if (o->follow)
                (void)container_supervisor_pidfd(s, c, &pidfd);
        if (o->tail > 0)
                find_tail(files, n, o->tail, &start, &off);
        else if (o->tail == 0)
                start = n - 1;
        r.buf = xmalloc(READ_CHUNK);
        for (size_t f = start; f < n && k >= 0 && !r.done; f++) {
                int fd = open(files[f], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if (o->tail == 0)
                        off = lseek(fd, 0, SEEK_END); /* --tail 0: nothing old, only what follows */
                else if (f == start && off > 0)
                        (void)lseek(fd, off, SEEK_SET);
                if (o->tail != 0)
                        k = drain_fd(&r, fd);
                r.line_len = 0;
                if (f + 1 == n)
                        cur = fd;
                else
                        close(fd);
        }
        if (k >= 0 && pidfd >= 0 && !r.done)
                k = follow(&r, path, &cur, pidfd);
        if (k >= 0)
                k = out_flush(&r);
        if (cur >= 0)
                close(cur);
        for (size_t i = 0; i < n; i++)
                free(files[i]);
        free(files);
        free(r.buf);
        free(r.line);
        if (k < 0 && k != -EPIPE)
                return berth_err(err, -k, "logs of %s", c->id);
        return 0;
}
