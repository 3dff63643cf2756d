/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The error object every fallible libberth function fills (see STYLE.md B3).
 * Functions return -errno (or NULL) and set *err; on success *err is untouched.
 * The message is built once where the failure happens and gains context on
 * the way up with berth_err_prefix(); the front end prints it once.
 */
#include <stdarg.h>
#include <stdbool.h>

struct berth_error {
        int code; /* a positive errno value */
        char *msg;
};

/* A failure from a syscall: the message gets ": strerror(code)" appended. */
int berth_err(struct berth_error **err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A failure that is not a syscall's (bad input, protocol): the message stands alone. */
int berth_err_msg(struct berth_error **err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds "context: " in front of the message; returns -code so it can be returned. */
int berth_err_prefix(struct berth_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct berth_error *berth_error_free(struct berth_error *e);
void berth_error_freep(struct berth_error **e);
int berth_error_code(const struct berth_error *e);

#define _cleanup_error_ __attribute__((cleanup(berth_error_freep)))
