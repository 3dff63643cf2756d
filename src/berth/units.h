/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Human sizes and durations exactly as Docker prints and parses them (its
 * go-units package): `docker images` SIZE, `docker ps` STATUS and CREATED,
 * and the -m/--memory, --shm-size style arguments.
 */
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define UNITS_BUF 32

/* Decimal units (B kB MB GB TB PB ...) with `precision` significant digits: HumanSizeWithPrecision. */
char *units_human_size_prec(char buf[static UNITS_BUF], double size, int precision);
/* HumanSize: precision 4 ("4.256MB"). `docker images` uses precision 3 ("72.8MB"). */
char *units_human_size(char buf[static UNITS_BUF], double size);
/* Binary units (B KiB MiB GiB ...), precision 4: BytesSize ("1.5GiB"). */
char *units_bytes_size(char buf[static UNITS_BUF], double size);
/* HumanDuration: "Less than a second", "About a minute", "3 days", "2 years". */
char *units_human_duration(char buf[static UNITS_BUF], double seconds);

/* RAMInBytes: "512m", "1g", "10MB" with binary multipliers (Docker's -m). */
int units_ram_in_bytes(const char *s, int64_t *ret, struct berth_error **err);
/* FromHumanSize: the same syntax with decimal multipliers (k = 1000). */
int units_from_human_size(const char *s, int64_t *ret, struct berth_error **err);
