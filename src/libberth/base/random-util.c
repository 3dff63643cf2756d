/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "base/random-util.h"
#include "base/xalloc.h"

void random_id(char out[RANDOM_ID_LEN + 1])
{
        unsigned char b[RANDOM_ID_LEN / 2];

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                abort();
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

char *random_id_new(void)
{
        char *s = xmalloc(RANDOM_ID_LEN + 1);

        random_id(s);
        return s;
}
