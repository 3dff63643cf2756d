/* SPDX-License-Identifier: Apache-2.0 */
#include "base/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/xalloc.h"

static int log_fd = -1;
static bool log_json;
static enum log_level log_max = LOG_LEVEL_WARNING;

void oom(void)
{
        static const char msg[] = "berth: out of memory\n";
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                oom();
        va_end(ap);
        return s;
}

void log_set_target(int fd, bool json, enum log_level max)
{
        log_fd = fd;
        log_json = json;
        log_max = max;
}

int log_target_fd(void)
{
        return log_fd;
}

void log_write(enum log_level level, const char *fmt, ...)
{
        static const char *const names[] = { "error", "warning", "info", "debug" };
        char *msg = NULL, *line = NULL;
        char stamp[64];
        struct timespec ts;
        struct tm tm;
        va_list ap;

        if (log_fd < 0 || level > log_max)
                return;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                oom();
        va_end(ap);
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        /* RFC 3339 with a zone: containerd parses this field with Go's time.RFC3339. */
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (log_json) {
                json_t *o = json_pack("{s:s,s:s,s:s}", "level", names[level], "msg", msg, "time", stamp);
                char *s = json_dumps(o, JSON_COMPACT);
                line = xasprintf("%s\n", s);
                free(s);
                json_decref(o);
        } else {
                line = xasprintf("%s %s: %s\n", stamp, names[level], msg);
        }
        (void)write_all(log_fd, line, strlen(line));
        free(line);
        free(msg);
}
