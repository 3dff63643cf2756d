/* SPDX-License-Identifier: Apache-2.0 */
/* units.c against the strings docker prints and parses (go-units' own cases). */
#include <stdint.h>

#include "base/error.h"
#include "tap.h"
#include "units.h"

#define KB 1000.0
#define MB (1000.0 * KB)
#define GB (1000.0 * MB)
#define TB (1000.0 * GB)
#define PB (1000.0 * TB)
#define KIB 1024LL
#define MIB (1024LL * KIB)
#define GIB (1024LL * MIB)
#define TIB (1024LL * GIB)
#define PIB (1024LL * TIB)

TEST(human_size)
{
        char b[UNITS_BUF];

        ASSERT_STREQ(units_human_size(b, 0), "0B");
        ASSERT_STREQ(units_human_size(b, 512), "512B");
        ASSERT_STREQ(units_human_size(b, 1000), "1kB");
        ASSERT_STREQ(units_human_size(b, 1024), "1.024kB");
        ASSERT_STREQ(units_human_size(b, 1000000), "1MB");
        ASSERT_STREQ(units_human_size(b, 1048576), "1.049MB");
        ASSERT_STREQ(units_human_size(b, 2 * MB), "2MB");
        ASSERT_STREQ(units_human_size(b, 3.42 * GB), "3.42GB");
        ASSERT_STREQ(units_human_size(b, 5.372 * TB), "5.372TB");
        ASSERT_STREQ(units_human_size(b, 2.22 * PB), "2.22PB");
        ASSERT_STREQ(units_human_size(b, 10000000000000 * PB), "1e+04YB");
}

TEST(human_size_precision3)
{
        char b[UNITS_BUF];

        /* docker images' SIZE column. */
        ASSERT_STREQ(units_human_size_prec(b, 72800000, 3), "72.8MB");
        ASSERT_STREQ(units_human_size_prec(b, 4261234, 3), "4.26MB");
        ASSERT_STREQ(units_human_size_prec(b, 13256, 3), "13.3kB");
        ASSERT_STREQ(units_human_size_prec(b, 999999, 3), "1e+03kB");
        ASSERT_STREQ(units_human_size_prec(b, 0, 3), "0B");
}

TEST(bytes_size)
{
        char b[UNITS_BUF];

        ASSERT_STREQ(units_bytes_size(b, 1024), "1KiB");
        ASSERT_STREQ(units_bytes_size(b, 1024 * 1024), "1MiB");
        ASSERT_STREQ(units_bytes_size(b, 2 * MIB), "2MiB");
        ASSERT_STREQ(units_bytes_size(b, 3.42 * GIB), "3.42GiB");
        ASSERT_STREQ(units_bytes_size(b, 5.372 * TIB), "5.372TiB");
        ASSERT_STREQ(units_bytes_size(b, 2.22 * PIB), "2.22PiB");
        ASSERT_STREQ(units_bytes_size(b, 100), "100B");
}

TEST(human_duration)
{
        const double s = 1, m = 60, h = 3600, day = 24 * h, week = 7 * day, month = 30 * day,
                     year = 365 * day;
        char b[UNITS_BUF];

        ASSERT_STREQ(units_human_duration(b, 0.45), "Less than a second");
        ASSERT_STREQ(units_human_duration(b, 1 * s), "1 second");
        ASSERT_STREQ(units_human_duration(b, 45 * s), "45 seconds");
        ASSERT_STREQ(units_human_duration(b, 59 * s), "59 seconds");
        ASSERT_STREQ(units_human_duration(b, 60 * s), "About a minute");
        ASSERT_STREQ(units_human_duration(b, 3 * m), "3 minutes");
        ASSERT_STREQ(units_human_duration(b, 35 * m + 40 * s), "35 minutes");
        ASSERT_STREQ(units_human_duration(b, 59 * m), "59 minutes");
        ASSERT_STREQ(units_human_duration(b, 1 * h), "About an hour");
        ASSERT_STREQ(units_human_duration(b, 1 * h + 29 * m), "About an hour");
        ASSERT_STREQ(units_human_duration(b, 1 * h + 31 * m), "2 hours");
        ASSERT_STREQ(units_human_duration(b, 3 * h + 29 * m), "3 hours");
        ASSERT_STREQ(units_human_duration(b, 3 * h + 31 * m), "4 hours");
        ASSERT_STREQ(units_human_duration(b, 24 * h), "24 hours");
        ASSERT_STREQ(units_human_duration(b, 1 * day + 12 * h), "36 hours");
        ASSERT_STREQ(units_human_duration(b, 2 * day), "2 days");
        ASSERT_STREQ(units_human_duration(b, 13 * day + 5 * h), "13 days");
        ASSERT_STREQ(units_human_duration(b, 2 * week), "2 weeks");
        ASSERT_STREQ(units_human_duration(b, 4 * week + 3 * day), "4 weeks");
        ASSERT_STREQ(units_human_duration(b, 1 * month), "4 weeks");
        ASSERT_STREQ(units_human_duration(b, 1 * month + 2 * week), "6 weeks");
        ASSERT_STREQ(units_human_duration(b, 2 * month), "2 months");
        ASSERT_STREQ(units_human_duration(b, 5 * month + 2 * week), "5 months");
        ASSERT_STREQ(units_human_duration(b, 24 * month), "24 months");
        ASSERT_STREQ(units_human_duration(b, 24 * month + 2 * week), "2 years");
        ASSERT_STREQ(units_human_duration(b, 3 * year + 2 * month), "3 years");
}

static long long ram(const char *s)
{
        struct berth_error *err = NULL;
        int64_t v = -1;

        if (units_ram_in_bytes(s, &v, &err) < 0) {
                berth_error_free(err);
                return -1;
        }
        return v;
}

static char *ram_err(const char *s)
{
        static char msg[256];
        struct berth_error *err = NULL;
        int64_t v;

        msg[0] = '\0';
        if (units_ram_in_bytes(s, &v, &err) < 0) {
                snprintf(msg, sizeof(msg), "%s", err->msg);
                berth_error_free(err);
        }
        return msg;
}

TEST(ram_in_bytes)
{
        ASSERT_EQ(ram("32"), 32);
        ASSERT_EQ(ram("32b"), 32);
        ASSERT_EQ(ram("32B"), 32);
        ASSERT_EQ(ram("32k"), 32 * KIB);
        ASSERT_EQ(ram("32K"), 32 * KIB);
        ASSERT_EQ(ram("32kb"), 32 * KIB);
        ASSERT_EQ(ram("32Kib"), 32 * KIB);
        ASSERT_EQ(ram("32KIB"), 32 * KIB);
        ASSERT_EQ(ram("512m"), 512 * MIB);
        ASSERT_EQ(ram("1g"), GIB);
        ASSERT_EQ(ram("32Gb"), 32 * GIB);
        ASSERT_EQ(ram("32Tb"), 32 * TIB);
        ASSERT_EQ(ram("32P"), 32 * PIB);
        ASSERT_EQ(ram("32.3"), 32);
        ASSERT_EQ(ram("32.3 mb"), (long long)(32.3 * MIB));
        ASSERT_EQ(ram("0.3MB"), (long long)(0.3 * MIB));
        ASSERT_EQ(ram(""), -1);
        ASSERT_EQ(ram("hello"), -1);
        ASSERT_EQ(ram("-32"), -1);
        ASSERT_EQ(ram(" 32 "), -1);
        ASSERT_EQ(ram("32m b"), -1);
        ASSERT_EQ(ram("32bm"), -1);
        ASSERT_STREQ(ram_err("abc"), "invalid size: 'abc'");
        ASSERT_STREQ(ram_err("-32"), "invalid size: '-32'");
        ASSERT_STREQ(ram_err("32x"), "invalid suffix: 'x'");
        ASSERT_STREQ(ram_err("32m b"), "strconv.ParseFloat: parsing \"32m\": invalid syntax");
}

TEST(from_human_size)
{
        struct berth_error *err = NULL;
        int64_t v = 0;

        ASSERT_OK(units_from_human_size("32k", &v, &err));
        ASSERT_EQ(v, 32000);
        ASSERT_OK(units_from_human_size("1.5GB", &v, &err));
        ASSERT_EQ(v, 1500000000);
        ASSERT_OK(units_from_human_size("10MiB", &v, &err));
        ASSERT_EQ(v, 10000000); /* FromHumanSize keeps decimal multipliers even with "iB" */
        ASSERT_TRUE(units_from_human_size("10Mx", &v, &err) < 0);
        berth_error_free(err);
}

int main(void)
{
        RUN(human_size);
        RUN(human_size_precision3);
        RUN(bytes_size);
        RUN(human_duration);
        RUN(ram_in_bytes);
        RUN(from_human_size);
        TAP_DONE();
}
