/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A tiny TAP producer for unit tests (STYLE.md B7). Each TEST() is one TAP
 * line; an assertion failure prints file:line and fails that test only.
 * Exit 77 means skip (meson's convention).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed, tap_cur_failed __attribute__((unused));

#define TEST(name) static void name(void)

#define TAP_FAIL(fmt, ...)                                                                 \
        do {                                                                               \
                printf("# %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);            \
                tap_cur_failed = 1;                                                        \
                return;                                                                    \
        } while (0)

#define ASSERT_TRUE(x)                                                                     \
        do {                                                                               \
                if (!(x))                                                                  \
                        TAP_FAIL("assertion `%s` failed", #x);                             \
        } while (0)
#define ASSERT_OK(x)                                                                       \
        do {                                                                               \
                long _r = (long)(x);                                                       \
                if (_r < 0)                                                                \
                        TAP_FAIL("`%s` failed: %ld", #x, _r);                              \
        } while (0)
#define ASSERT_EQ(a, b)                                                                    \
        do {                                                                               \
                long long _a = (long long)(a), _b = (long long)(b);                        \
                if (_a != _b)                                                              \
                        TAP_FAIL("`%s` == %lld, expected %lld", #a, _a, _b);               \
        } while (0)
#define ASSERT_STREQ(a, b)                                                                 \
        do {                                                                               \
                const char *_a = (a), *_b = (b);                                           \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                     \
                        TAP_FAIL("`%s` is \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
                                 _b ? _b : "(null)");                                      \
        } while (0)

#define RUN(fn)                                                                            \
        do {                                                                               \
                tap_cur_failed = 0;                                                        \
                fn();                                                                      \
                tap_n++;                                                                   \
                if (tap_cur_failed)                                                        \
                        tap_failed++;                                                      \
                printf("%s %d - %s\n", tap_cur_failed ? "not ok" : "ok", tap_n, #fn);      \
                fflush(stdout);                                                            \
        } while (0)

#define TAP_SKIP_ALL(why)                                                                  \
        do {                                                                               \
                printf("1..0 # SKIP %s\n", why);                                           \
                exit(77);                                                                  \
        } while (0)

#define TAP_DONE()                                                                         \
        do {                                                                               \
                printf("1..%d\n", tap_n);                                                  \
                return tap_failed ? 1 : 0;                                                 \
        } while (0)
