/* SPDX-License-Identifier: Apache-2.0 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const decimal_abbrs[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
static const char *const binary_abbrs[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

/* Divides by base while it can, as getSizeAndUnit does (so 999.95kB stays kB and rounds to "1e+03kB"). */
static char *custom_size(char buf[static UNITS_BUF], double size, int precision, double base,
                         const char *const *abbrs, size_t n)
{
        size_t i = 0;

        while (size >= base && i < n - 1) {
                size /= base;
                i++;
        }
        /* Go's %.*g and C's agree for these magnitudes (no exponent below 1e21 differs). */
        snprintf(buf, UNITS_BUF, "%.*g%s", precision, size, abbrs[i]);
        return buf;
}

char *units_human_size_prec(char buf[static UNITS_BUF], double size, int precision)
{
        return custom_size(buf, size, precision, 1000.0, decimal_abbrs, 9);
}

char *units_human_size(char buf[static UNITS_BUF], double size)
{
        return units_human_size_prec(buf, size, 4);
}

char *units_bytes_size(char buf[static UNITS_BUF], double size)
{
        return custom_size(buf, size, 4, 1024.0, binary_abbrs, 9);
}

char *units_human_duration(char buf[static UNITS_BUF], double d)
{
        long long seconds = (long long)d, minutes = (long long)(d / 60), hours;

        if (seconds < 1)
                snprintf(buf, UNITS_BUF, "Less than a second");
        else if (seconds == 1)
                snprintf(buf, UNITS_BUF, "1 second");
        else if (seconds < 60)
                snprintf(buf, UNITS_BUF, "%lld seconds", seconds);
        else if (minutes == 1)
                snprintf(buf, UNITS_BUF, "About a minute");
        else if (minutes < 60)
                snprintf(buf, UNITS_BUF, "%lld minutes", minutes);
        else if ((hours = (long long)(d / 3600 + 0.5)) == 1)
                snprintf(buf, UNITS_BUF, "About an hour");
        else if (hours < 48)
                snprintf(buf, UNITS_BUF, "%lld hours", hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, UNITS_BUF, "%lld days", hours / 24);
        else if (hours < 24 * 30 * 2)
                snprintf(buf, UNITS_BUF, "%lld weeks", hours / 24 / 7);
        else if (hours < 24 * 365 * 2)
                snprintf(buf, UNITS_BUF, "%lld months", hours / 24 / 30);
        else
                snprintf(buf, UNITS_BUF, "%lld years", (long long)(d / 3600) / 24 / 365);
        return buf;
}

static int64_t unit_multiplier(char c, bool binary)
{
        static const char order[] = "kmgtp";
        const char *p = strchr(order, c);
        int64_t m = 1;

        if (!p || !c)
                return 0;
        for (long i = 0; i <= p - order; i++)
                m *= binary ? 1024 : 1000;
        return m;
}

/* go-units parseSize: number, optional single space, then b | k | kb | kib (any case). */
static int parse_size(const char *s, bool binary, int64_t *ret, struct berth_error **err)
{
        const char *p, *sep = NULL, *sfx_start;
        char num[64], sfx[8];
        char *end;
        double size;
        int64_t mul;
        size_t n;

        for (p = s; *p; p++)
                if (isdigit((unsigned char)*p) || *p == '.' || *p == ' ')
                        sep = p;
        if (!sep)
                return berth_err_msg(err, EINVAL, "invalid size: '%s'", s);
        n = (size_t)(sep - s) + (*sep != ' ');
        sfx_start = sep + 1;
        if (n >= sizeof(num))
                return berth_err_msg(err, EINVAL, "strconv.ParseFloat: parsing \"%.*s\": value out of range",
                                     (int)n, s);
        memcpy(num, s, n);
        num[n] = '\0';
        errno = 0;
        size = strtod(num, &end);
        if (!*num || *end || isspace((unsigned char)*num) || errno)
                return berth_err_msg(err, EINVAL, "strconv.ParseFloat: parsing \"%s\": invalid syntax", num);
        if (size < 0)
                return berth_err_msg(err, EINVAL, "invalid size: '%s'", s);
        if (!*sfx_start) {
                *ret = (int64_t)size;
                return 0;
        }
        if (strlen(sfx_start) > 3)
                goto bad_suffix;
        for (n = 0; sfx_start[n]; n++)
                sfx[n] = (char)tolower((unsigned char)sfx_start[n]);
        sfx[n] = '\0';
        if (sfx[0] == 'b') {
                if (n > 1)
                        goto bad_suffix;
                *ret = (int64_t)size;
                return 0;
        }
        mul = unit_multiplier(sfx[0], binary);
        if (!mul || (n == 2 && sfx[1] != 'b') || (n == 3 && strcmp(sfx + 1, "ib") != 0))
                goto bad_suffix;
        *ret = (int64_t)(size * (double)mul);
        return 0;
bad_suffix:
        for (n = 0; sfx_start[n] && n < 3; n++)
                sfx[n] = (char)tolower((unsigned char)sfx_start[n]);
        sfx[n] = '\0';
        /* Go lowercases only a suffix it kept (<= 3 bytes); a longer one is quoted as given. */
        return berth_err_msg(err, EINVAL, "invalid suffix: '%s'", strlen(sfx_start) > 3 ? sfx_start : sfx);
}

int units_ram_in_bytes(const char *s, int64_t *ret, struct berth_error **err)
{
        return parse_size(s, true, ret, err);
}

int units_from_human_size(const char *s, int64_t *ret, struct berth_error **err)
{
        return parse_size(s, false, ret, err);
}
