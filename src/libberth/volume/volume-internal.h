/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "volume/volume.h"

/* volume-mount.c: a volume with the local driver's type/device options gets its device on _data. */
int volume_mount_device(const struct volume *v, struct berth_error **err);
/* Undoes it before removal (nothing to do for a plain directory). */
void volume_umount_device(const struct volume *v);
