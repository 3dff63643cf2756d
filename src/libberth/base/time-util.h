/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Now as Go's time.RFC3339Nano prints it in UTC ("2026-11-28T02:13:04.92885Z"): the form Docker writes. */
char *time_now_rfc3339(void);
