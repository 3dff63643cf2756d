/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Local volumes, as Docker's "local" driver keeps them:
 *   $root/volumes/<name>/_data        the content (a container's -v NAME:/dst binds it)
 *   $root/volumes/<name>/volume.json  {CreatedAt, Driver, Labels, Options, Anonymous}, written atomically
 * Making _data is a volume's atomic claim: whoever makes it seeds it from the
 * image and writes volume.json. A volume without volume.json (a concurrent
 * creator not done yet, or an older store) reads as a plain local volume.
 * Removal renames the directory to a dot-name first, so nobody sees half a
 * volume; dot-names are never listed (valid names start with [a-zA-Z0-9]).
 *
 * Anonymous volumes (an image's VOLUME, a bare `-v /path`) carry Docker 23+'s
 * label com.docker.volume.anonymous: `volume prune` takes only those unless
 * -a, and `rm -v` / `--rm` remove them with their container.
 *
 * "In use" means some container record ($root/containers/<id>/container.json)
 * lists the volume in its Mounts. The volume layer sits below the container
 * layer, so it reads those records itself (Id and Mounts only).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "store/store.h"

#define VOLUME_ANONYMOUS_LABEL "com.docker.volume.anonymous"

struct volume {
        char *name;
        char *created_at; /* RFC 3339, seconds, UTC ("2026-11-28T03:15:29Z") */
        json_t *labels;   /* object of strings, or NULL (Docker's null: a volume `run -v NAME:/dst` made) */
        json_t *options;  /* the local driver's type, device, o; or NULL */
        char *mountpoint; /* $root/volumes/<name>/_data */
        bool anonymous;
};

/* Docker's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);
/* A new anonymous volume's name: 64 random hex digits, as Docker's. */
char *volume_name_random(void);

/*
 * `volume create`: name NULL for a generated one, driver NULL or "local"
 * (any other: EINVAL, Docker's "plugin not found"), labels and options
 * objects of strings or NULL. Options are the local driver's: type, device,
 * o (anything else: EINVAL "invalid option"); type/device mount at first use.
 * An existing volume of that name is returned as is (Docker's create is
 * idempotent).
 */
int volume_create(struct store *s, const char *name, const char *driver, json_t *labels, json_t *options,
                  struct volume **ret, struct berth_error **err);
/*
 * A container's use of a volume: creates $root/volumes/<name> unless it
 * exists (marked anonymous if `anonymous`). *ret_created (may be NULL) tells
 * whether this call made it: only the creator seeds it. *ret_data_path (may
 * be NULL) gets the host path of _data. Mounts a type/device volume.
 */
int volume_ensure(struct store *s, const char *name, bool anonymous, bool *ret_created, char **ret_data_path,
                  struct berth_error **err);

/*
 * The volumes lock, $root/volumes/.lock (flock): "in use" is a container
 * record naming the volume, so a removal's check and its delete must not
 * interleave with a record being written. Shared (exclusive = false) while
 * a container records its volumes (container_create); exclusive for
 * volume_remove, volume_prune and volume_remove_anonymous_of, which take it
 * themselves. *ret_fd is the lock; volume_unlock closes it (a no-op on -1).
 */
int volume_lock(struct store *s, bool exclusive, int *ret_fd, struct berth_error **err);
void volume_unlock(int fd);

/* ENOENT with Docker's "get NAME: no such volume". */
int volume_load(struct store *s, const char *name, struct volume **ret, struct berth_error **err);
/* Every volume, sorted by name. */
int volume_list(struct store *s, struct volume ***ret, size_t *ret_n, struct berth_error **err);
struct volume *volume_free(struct volume *v);
void volume_freep(struct volume **v);
void volume_list_free(struct volume **list, size_t n);
#define _cleanup_volume_ __attribute__((cleanup(volume_freep)))

/* "KEY", "KEY=VALUE", "label=...", "label!=..." filters (all must hold; NULL-terminated, may be NULL). */
bool volume_filter_labels(const struct volume *v, char *const *filters);

/* Docker's inspect object: CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope (Go's key order). */
json_t *volume_inspect_json(const struct volume *v);

/* Every volume a container record names: {name: [container IDs]} (one scan for ls, df, prune). */
int volume_usage(struct store *s, json_t **ret_map, struct berth_error **err);
/* IDs of the containers whose Mounts name the volume (*ret_ids may be NULL); returns their count. */
int volume_users(struct store *s, const char *name, char ***ret_ids, struct berth_error **err);
/* Bytes under _data (regular files and symlinks, hard links once). */
int volume_size(struct store *s, const char *name, uint64_t *ret, struct berth_error **err);

/*
 * `volume rm`: ENOENT "get NAME: no such volume" (force: 0, nothing done);
 * EBUSY "remove NAME: volume is in use - [ID, ...]" while a container uses it
 * (even with force, as Docker).
 */
int volume_remove(struct store *s, const char *name, bool force, struct berth_error **err);

/*
 * `volume prune`: removes the unused volumes, anonymous ones only unless
 * all; label_filters "KEY", "KEY=VALUE", "label!=..." as Docker's
 * (NULL-terminated, may be NULL). *ret_names gets what went, *ret_reclaimed
 * its size (both may be NULL).
 */
int volume_prune(struct store *s, bool all, char *const *label_filters, char ***ret_names,
                 uint64_t *ret_reclaimed, struct berth_error **err);

/*
 * `rm -v`, `--rm`: removes the anonymous volumes among a container record's
 * Mounts that no other container uses. Call after the container's record is
 * gone. Named volumes stay. Returns the first failure, after trying them all.
 */
int volume_remove_anonymous_of(struct store *s, json_t *record_mounts, struct berth_error **err);

/*
 * Copies the tree under src_dir_fd into the directory dst_dir_fd, keeping
 * owners, modes, times, symlinks and device nodes; never follows a symlink.
 * The destination directory itself takes the source's owner and mode (a new
 * volume mounted on /var/lib/x looks like the image's /var/lib/x).
 */
int volume_copy_tree(int src_dir_fd, int dst_dir_fd, struct berth_error **err);
