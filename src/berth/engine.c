/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the command files (see engine.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "container/container-net.h"
#include "container/container.h"
#include "engine.h"
#include "store/reference.h"
#include "units.h"

int engine_store_open(const struct cli_context *ctx, struct store **ret, struct berth_error **err)
{
        int r = store_open(ctx->root, ctx->runroot, ret, err);

        /* rmi and prune keep the images containers use. */
        if (r >= 0) {
                (*ret)->image_in_use = container_image_in_use;
                (*ret)->container_net_release = container_net_release;
        }
        return r;
}

int engine_with_store(struct cli_context *ctx, struct cli_args *args,
                      int (*fn)(struct store *s, struct cli_args *args, struct berth_error **err))
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;

        if (engine_store_open(ctx, &s, &err) < 0 || fn(s, args, &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

void engine_reword_no_such_image(const char *name, bool keep_as_typed, struct berth_error **err)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_free_ char *shown = NULL;

        if (!err || !*err || berth_error_code(*err) != ENOENT || !(*err)->msg ||
            strncmp((*err)->msg, "No such image", 13) != 0)
                return;
        /* Docker names a reference with its tag, but an ID (or a save argument) as typed. */
        if (!keep_as_typed && !image_id_like(name) &&
            image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &ref, NULL) == 0)
                shown = image_ref_familiar_string(ref);
        free((*err)->msg);
        (*err)->msg = xasprintf("No such image: %s", shown ? shown : name);
}

int engine_image_lookup(struct store *s, const char *name, struct image **ret, struct berth_error **err)
{
        int r = image_lookup(s, name, ret, err);

        if (r < 0)
                engine_reword_no_such_image(name, false, err);
        return r;
}

static int digits(const char **p, int n)
{
        int v = 0;

        for (int i = 0; i < n; i++, (*p)++) {
                if (!isdigit((unsigned char)**p))
                        return -1;
                v = v * 10 + (**p - '0');
        }
        return v;
}

/* "2006-01-02", then optionally "T15:04:05[.frac][Z|±hh:mm]"; local times are UTC (Docker uses local). */
double engine_parse_rfc3339(const char *s)
{
        struct tm tm = {0};
        const char *p = s;
        double frac = 0, t;
        int off = 0;

        if (!s)
                return -1;
        tm.tm_year = digits(&p, 4) - 1900;
        if (*p++ != '-' || (tm.tm_mon = digits(&p, 2) - 1) < 0 || *p++ != '-' ||
            (tm.tm_mday = digits(&p, 2)) < 0)
                return -1;
        if (*p == 'T' || *p == 't' || *p == ' ') {
                p++;
                if ((tm.tm_hour = digits(&p, 2)) < 0 || *p++ != ':' || (tm.tm_min = digits(&p, 2)) < 0 ||
                    *p++ != ':' || (tm.tm_sec = digits(&p, 2)) < 0)
                        return -1;
                if (*p == '.') {
                        char *end;
                        frac = strtod(p, &end);
                        p = end;
                }
                if (*p == 'Z' || *p == 'z') {
                        p++;
                } else if (*p == '+' || *p == '-') {
                        int sign = *p++ == '-' ? -1 : 1, h = digits(&p, 2), m;
                        if (h < 0 || *p++ != ':' || (m = digits(&p, 2)) < 0)
                                return -1;
                        off = sign * (h * 3600 + m * 60);
                }
        }
        if (*p || tm.tm_year < -1900)
                return -1;
        t = (double)timegm(&tm);
        return t + frac - off;
}

double engine_image_created(const struct image *img)
{
        double t = engine_parse_rfc3339(json_string_value(json_object_get(img->config, "created")));

        return t < 0 ? 0 : t;
}

/* Go's time.ParseDuration: a sequence of decimal numbers each with a unit (ns us µs ms s m h). */
int engine_parse_duration(const char *s, double *ret)
{
        static const struct {
                const char *unit;
                double secs;
        } units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3},
                     {"s", 1},     {"m", 60},    {"h", 3600}};
        const char *p = s;
        double total = 0, sign = 1;

        if (*p == '-' || *p == '+')
                sign = *p++ == '-' ? -1 : 1;
        if (streq(p, "0")) {
                *ret = 0;
                return 0;
        }
        if (!*p)
                return -EINVAL;
        while (*p) {
                char *end;
                double v;
                size_t best = 0, bi = 0;
                if (!isdigit((unsigned char)*p) && *p != '.')
                        return -EINVAL;
                v = strtod(p, &end);
                if (end == p)
                        return -EINVAL;
                p = end;
                for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                        size_t l = strlen(units[i].unit);
                        if (strncmp(p, units[i].unit, l) == 0 && l > best) {
                                best = l;
                                bi = i;
                        }
                }
                if (!best)
                        return -EINVAL;
                total += v * units[bi].secs;
                p += best;
        }
        *ret = sign * total;
        return 0;
}

int engine_parse_until(const char *s, double *ret, struct berth_error **err)
{
        double d, t;
        char *end;

        if (engine_parse_duration(s, &d) == 0) {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                *ret = (double)now.tv_sec + now.tv_nsec / 1e9 - d;
                return 0;
        }
        t = engine_parse_rfc3339(s);
        if (t >= 0) {
                *ret = t;
                return 0;
        }
        errno = 0;
        t = strtod(s, &end);
        if (*s && !*end && errno == 0 && isdigit((unsigned char)*s)) {
                *ret = t;
                return 0;
        }
        return berth_err_msg(err, EINVAL, "failed to parse value as time or duration: \"%s\"", s);
}

bool engine_labels_match(const struct image *img, const char *filter)
{
        json_t *labels = json_object_get(json_object_get(img->config, "config"), "Labels");
        const char *eq = strchr(filter, '=');
        _cleanup_free_ char *key = eq ? xasprintf("%.*s", (int)(eq - filter), filter) : xstrdup(filter);
        json_t *v = json_object_get(labels, key);

        if (!v)
                return false;
        return !eq || streq(json_string_value(v) ?: "", eq + 1);
}

const char *engine_short_id(const char *id, bool no_trunc, char buf[static 80])
{
        const char *hex =
            strncmp(id, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) == 0 ? id + strlen(DIGEST_PREFIX) : id;

        snprintf(buf, 80, "%s", no_trunc ? id : hex);
        if (!no_trunc)
                buf[12 < strlen(buf) ? 12 : strlen(buf)] = '\0';
        return buf;
}

char *engine_since(double t, char buf[static 64])
{
        char d[UNITS_BUF];
        struct timespec now;
        double secs;

        clock_gettime(CLOCK_REALTIME, &now);
        secs = (double)now.tv_sec + now.tv_nsec / 1e9 - t;
        snprintf(buf, 64, "%s ago", units_human_duration(d, secs < 0 ? 0 : secs));
        return buf;
}
