/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The least of named volumes that `run -v NAME:/dst` needs: a local volume is
 * the directory $root/volumes/<name>/_data. The `volume` command group reuses
 * these and adds metadata (labels, drivers, options) on top.
 */
#include <stdbool.h>

#include "base/error.h"
#include "store/store.h"

/* Docker's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);
/* A new anonymous volume's name: 64 random hex digits, as Docker's. */
char *volume_name_random(void);
/*
 * Creates $root/volumes/<name>/_data unless it exists. *ret_created (may be
 * NULL) tells whether this call made it: only the creator seeds it.
 * *ret_data_path (may be NULL) gets the host path of _data.
 */
int volume_ensure(struct store *s, const char *name, bool *ret_created, char **ret_data_path,
                  struct berth_error **err);
/*
 * Copies the tree under src_dir_fd into the directory dst_dir_fd, keeping
 * owners, modes, times, symlinks and device nodes; never follows a symlink.
 * The destination directory itself takes the source's owner and mode (a new
 * volume mounted on /var/lib/x looks like the image's /var/lib/x).
 */
int volume_copy_tree(int src_dir_fd, int dst_dir_fd, struct berth_error **err);
