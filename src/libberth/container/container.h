/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Containers: records on disk, names, lookup. A container's record is the
 * JSON Docker's `inspect` shows (Id, Created, Path, Args, State, Image, Name,
 * Config, HostConfig, Mounts, ...), so `inspect`, the Engine API and the
 * CLI share one shape. On disk:
 *   $root/containers/<id>/container.json   the record, written atomically
 *   $root/containers/<id>/.lock            flock: every read-modify-write of the record
 *   $root/containers/<id>/{upper,work,rootfs}/   overlay upper, work and mount point
 *   $root/containers/<id>/hostname, hosts, resolv.conf
 *   $root/containers/<id>/<id>-json.log    the json-file log (with .1 .2 rotations)
 *   $root/containers/names/<name> -> <id>  a symlink: creating it is the name's atomic claim
 *   $runroot/containers/<id>/              the supervisor's pid file and attach socket (gone at reboot)
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "store/store.h"

#define CONTAINER_ID_LEN 64

enum container_status {
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_PAUSED,
        CONTAINER_RESTARTING,
        CONTAINER_REMOVING,
        CONTAINER_EXITED,
        CONTAINER_DEAD,
};

struct container {
        char id[CONTAINER_ID_LEN + 1];
        char *name; /* without Docker's leading '/' */
        json_t *record;
};

/*
 * Creates a container from Docker's create request: config (Image, Cmd,
 * Entrypoint, Env, ...) and host_config (Binds, RestartPolicy, Memory, ...),
 * name NULL for a generated adjective_surname. The image must exist. A taken
 * name: EEXIST with Docker's message ("Conflict. The container name "/x" is
 * already in use by container "<id>". You have to remove (or rename) that
 * container to be able to reuse that name.").
 */
int container_create(struct store *s, json_t *config, json_t *host_config, const char *name,
                     struct container **ret, struct berth_error **err);
struct image;
/* The same with the image the caller already looked up (config's Image names it): `run` looks it up once. */
int container_create_with_image(struct store *s, const struct image *img, json_t *config, json_t *host_config,
                                const char *name, struct container **ret, struct berth_error **err);
/* By full ID, unique ID prefix, or name (with or without '/'). ENOENT: "No such container: X". */
int container_load(struct store *s, const char *ref, struct container **ret, struct berth_error **err);
/* Every container, newest first. */
int container_list(struct store *s, struct container ***ret, size_t *ret_n, struct berth_error **err);
struct container *container_free(struct container *c);
void container_freep(struct container **c);
void container_list_free(struct container **list, size_t n);

/* flock on the container's .lock; container_unlock releases. */
int container_lock(struct store *s, const char *id, int *ret_fd, struct berth_error **err);
void container_unlock(int fd);
/* Writes the record atomically (caller holds the lock). */
int container_save(struct store *s, struct container *c, struct berth_error **err);
/* Re-reads the record from disk (after taking the lock). */
int container_reload(struct store *s, struct container *c, struct berth_error **err);
/* Removes the record, name and directories (the container must not run; volumes are the caller's). */
int container_delete(struct store *s, struct container *c, struct berth_error **err);
int container_rename(struct store *s, struct container *c, const char *new_name, struct berth_error **err);

/* Host paths. */
char *container_dir(struct store *s, const char *id);
char *container_run_dir(struct store *s, const char *id);

/* State helpers over record.State. */
enum container_status container_status(const struct container *c);
const char *container_status_name(enum container_status st);
/* Running, paused or restarting: a supervisor owns it (what rm without -f, prune and stale repair test). */
bool container_status_is_live(enum container_status st);
/* Sets State for a status change; exit_code used for EXITED, pid for RUNNING. */
void container_set_state(struct container *c, enum container_status st, pid_t pid, int exit_code,
                         const char *error);

/* Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool container_name_valid(const char *name);
/* adjective_surname, as Docker's namesgenerator. */
char *container_name_generate(void);

/* The store's image_in_use hook: rmi refuses an image a container uses. */
int container_image_in_use(struct store *s, const char *image_id, char **ret_container);

#define _cleanup_container_ __attribute__((cleanup(container_freep)))
