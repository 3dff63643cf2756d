/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local driver's options, as Docker's: `-o type=tmpfs -o device=tmpfs
 * -o o=size=100m`, or `-o type=none -o device=/srv/x -o o=bind`. The device
 * goes on _data the first time a container uses the volume and stays there
 * until the volume is removed (Docker unmounts when the last user stops; a
 * mount left in place costs nothing and survives until the next boot).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "volume/volume-internal.h"

static const struct {
        const char *name;
        unsigned long set, clear;
} mount_flags[] = {
    {"bind", MS_BIND, 0},     {"rbind", MS_BIND | MS_REC, 0}, {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},     {"nosuid", MS_NOSUID, 0},       {"nodev", MS_NODEV, 0},
    {"noexec", MS_NOEXEC, 0}, {"suid", 0, MS_NOSUID},         {"dev", 0, MS_NODEV},
    {"exec", 0, MS_NOEXEC},   {"noatime", MS_NOATIME, 0},     {"relatime", MS_RELATIME, 0},
    {"defaults", 0, 0},
};

/* "o": mount(8) flags become mount(2) flags, the rest is the filesystem's data. */
static char *parse_o(const char *o, unsigned long *flags)
{
        _cleanup_free_ char *copy = xstrdup(o ? o : "");
        char *data = xstrdup(""), *save = NULL;

        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                bool known = false;
                for (size_t i = 0; i < ARRAY_SIZE(mount_flags); i++)
                        if (streq(t, mount_flags[i].name)) {
                                *flags = (*flags | mount_flags[i].set) & ~mount_flags[i].clear;
                                known = true;
                        }
                if (!known) {
                        char *n = xasprintf("%s%s%s", data, *data ? "," : "", t);
                        free(data);
                        data = n;
                }
        }
        return data;
}

static bool is_mountpoint(const char *path)
{
        _cleanup_free_ char *parent = xasprintf("%s/..", path);
        struct stat a, b;

        return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int volume_mount_device(const struct volume *v, struct berth_error **err)
{
        const char *type = json_string_value(json_object_get(v->options, "type"));
        const char *device = json_string_value(json_object_get(v->options, "device"));
        const char *o = json_string_value(json_object_get(v->options, "o"));
        _cleanup_free_ char *data = NULL;
        unsigned long flags = 0;

        if (!type || !device || is_mountpoint(v->mountpoint))
                return 0;
        data = parse_o(o, &flags);
        if (mount(device, v->mountpoint, streq(type, "none") ? NULL : type, flags, *data ? data : NULL) < 0)
                return berth_err(err, errno,
                                 "error while mounting volume '%s': failed to mount local volume: "
                                 "mount %s:%s, flags: 0x%lx, data: %s",
                                 v->mountpoint, device, v->mountpoint, flags, data);
        return 0;
}

void volume_umount_device(const struct volume *v)
{
        if (json_object_get(v->options, "type"))
                while (is_mountpoint(v->mountpoint) && umount2(v->mountpoint, MNT_DETACH) == 0)
                        ;
}
