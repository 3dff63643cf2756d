/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The library logs only at debug level (STYLE.md B3); front ends decide where
 * lines go. The OCI runtime CLI sends them to --log in text or json, the
 * format containerd and conmon read errors from.
 */
#include <stdbool.h>

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

/* fd < 0 disables; json selects {"level":..,"msg":..,"time":..} lines. */
void log_set_target(int fd, bool json, enum log_level max);
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_target_fd(void);

#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_warning(...) log_write(LOG_LEVEL_WARNING, __VA_ARGS__)
