/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/*
 * Starts argv[0] detached: fork, setsid, fork, exec — nobody's child but init's (or a
 * subreaper's), in its own session, every signal reset. Its fds: /dev/null on 0-2, the write end
 * of a ready pipe on 3, keep[i] on 4+i, nothing else (close-on-exec). cwd "/" when chdir_root (a
 * long-lived program must pin no directory; its paths must then be absolute). *ret_ready is the
 * read end, where the program writes its ready line, or this function "E<errno> exec `PATH`: ..."
 * when the exec fails. The berth supervisor and the networks' resolver start this way.
 */
int spawn_detached(const char *const argv[], const int *keep, size_t n_keep, bool chdir_root, int *ret_ready,
                   struct berth_error **err);
