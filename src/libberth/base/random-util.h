/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Docker's ids: 32 random bytes as 64 lower-case hex digits (containers, volumes, networks, endpoints). */
#define RANDOM_ID_LEN 64

/* Fills out[RANDOM_ID_LEN + 1]. Aborts without entropy at all: there is nothing sane to fall back to. */
void random_id(char out[RANDOM_ID_LEN + 1]);
/* The same, allocated. */
char *random_id_new(void);
