/* SPDX-License-Identifier: Apache-2.0 */
#include "base/time-util.h"

#include <stdio.h>
#include <time.h>

#include "base/xalloc.h"

char *time_now_rfc3339(void)
{
        struct timespec ts;
        char date[32], frac[16] = "";
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
        if (ts.tv_nsec) {
                size_t n = (size_t)snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
                while (n > 1 && frac[n - 1] == '0') /* Go's RFC3339Nano drops trailing zeros */
                        frac[--n] = '\0';
        }
        return xasprintf("%s%sZ", date, frac);
}
