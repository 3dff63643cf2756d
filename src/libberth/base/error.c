/* SPDX-License-Identifier: Apache-2.0 */
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int set_error(struct berth_error **err, int code, bool with_strerror, const char *fmt, va_list ap)
{
        char *msg = NULL;

        if (code <= 0)
                code = code < 0 ? -code : EINVAL;
        if (!err)
                return -code;
        if (vasprintf(&msg, fmt, ap) < 0)
                oom();
        if (with_strerror) {
                char *full = NULL;
                if (asprintf(&full, "%s: %s", msg, strerror(code)) < 0)
                        oom();
                free(msg);
                msg = full;
        }
        /* The first error wins: a cleanup path must not hide the real cause. */
        if (*err) {
                free(msg);
                return -code;
        }
        *err = xmalloc(sizeof(**err));
        (*err)->code = code;
        (*err)->msg = msg;
        return -code;
}

int berth_err(struct berth_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int berth_err_msg(struct berth_error **err, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = set_error(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int berth_err_prefix(struct berth_error **err, const char *fmt, ...)
{
        char *prefix = NULL, *full = NULL;
        va_list ap;

        if (!err || !*err)
                return -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&prefix, fmt, ap) < 0)
                oom();
        va_end(ap);
        if (asprintf(&full, "%s: %s", prefix, (*err)->msg) < 0)
                oom();
        free(prefix);
        free((*err)->msg);
        (*err)->msg = full;
        return -(*err)->code;
}

struct berth_error *berth_error_free(struct berth_error *e)
{
        if (e) {
                free(e->msg);
                free(e);
        }
        return NULL;
}

void berth_error_freep(struct berth_error **e)
{
        /* NULL-safe: callers pass their (possibly NULL) err through to drop an expected error. */
        if (e)
                *e = berth_error_free(*e);
}

int berth_error_code(const struct berth_error *e)
{
        return e ? e->code : 0;
}
