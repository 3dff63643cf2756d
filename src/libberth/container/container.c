/* SPDX-License-Identifier: Apache-2.0 */
#include "container/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/time-util.h"
#include "base/random-util.h"
#include "base/xalloc.h"
#include "container/container-internal.h"
#include "container/container-net-internal.h"
#include "store/image.h"
#include "volume/volume.h"

#define RECORD_MAX (16u << 20)

char *container_dir(struct store *s, const char *id)
{
        return xasprintf("%s/containers/%s", s->root, id);
}

char *container_run_dir(struct store *s, const char *id)
{
        return xasprintf("%s/containers/%s", s->runroot, id);
}

int containers_dir_open(struct store *s, int *ret_fd, struct berth_error **err)
{
        int fd;

        if (mkdirat(s->root_fd, "containers", 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir containers");
        fd = openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open containers");
        if (mkdirat(fd, "names", 0700) < 0 && errno != EEXIST) {
                close(fd);
                return berth_err(err, errno, "mkdir containers/names");
        }
        *ret_fd = fd;
        return 0;
}

struct container *container_free(struct container *c)
{
        if (!c)
                return NULL;
        free(c->name);
        json_decref(c->record);
        free(c);
        return NULL;
}

void container_freep(struct container **c)
{
        *c = container_free(*c);
}

void container_list_free(struct container **list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                container_free(list[i]);
        free(list);
}

static bool is_id(const char *s)
{
        if (strlen(s) != CONTAINER_ID_LEN)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static int record_read(int dir_fd, const char *id, struct container **ret, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/container.json", id), *buf = NULL;
        struct container *c;
        json_error_t jerr;
        const char *name;
        size_t len = 0;
        json_t *j;
        int r;

        r = read_file_at(dir_fd, path, RECORD_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        j = json_loadb(buf, len, 0, &jerr);
        if (!j)
                return berth_err_msg(err, EBADMSG, "container %s: record is corrupt: %s", id, jerr.text);
        name = json_string_value(json_object_get(j, "Name"));
        c = xmalloc(sizeof(*c));
        snprintf(c->id, sizeof(c->id), "%s", id);
        c->name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "");
        c->record = j;
        *ret = c;
        return 0;
}

int container_reload(struct store *s, struct container *c, struct berth_error **err)
{
        _cleanup_close_ int dir = -EBADF;
        struct container *fresh = NULL;
        int r;

        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        r = record_read(dir, c->id, &fresh, err);
        if (r < 0)
                return r;
        json_decref(c->record);
        free(c->name);
        c->record = TAKE_PTR(fresh->record);
        c->name = TAKE_PTR(fresh->name);
        container_free(fresh);
        return 0;
}

int container_save(struct store *s, struct container *c, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/container.json", c->id), *text = NULL;
        _cleanup_close_ int dir = -EBADF;
        int r;

        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        text = json_dumps(c->record, JSON_COMPACT);
        if (!text)
                oom();
        /*
         * The record of a --rm container is not fsynced (create, start, running, exited: 5 fsyncs a
         * run): its supervisor deletes it when the container ends, and after a power loss a torn
         * record of it is one `rm -f` would have removed anyway. Other records keep the fsync: they
         * are the container's existence and its last state across a reboot.
         */
        if (json_is_true(json_object_get(json_object_get(c->record, "HostConfig"), "AutoRemove")))
                return write_file_volatile_at(dir, path, text, strlen(text), 0600, err);
        return write_file_atomic_at(dir, path, text, strlen(text), 0600, err);
}

int container_lock(struct store *s, const char *id, int *ret_fd, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("%s/containers/%s/.lock", s->root, id);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

        if (fd < 0)
                return errno == ENOENT ? berth_err_msg(err, ENOENT, "No such container: %s", id)
                                       : berth_err(err, errno, "lock container %s", id);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return berth_err(err, e, "lock container %s", id);
                }
        }
        *ret_fd = fd;
        return 0;
}

void container_unlock(int fd)
{
        if (fd >= 0)
                close(fd);
}

/* A name resolves through its symlink in containers/names. */
static int resolve_name(int dir_fd, const char *name, char id[CONTAINER_ID_LEN + 1])
{
        _cleanup_free_ char *link = xasprintf("names/%s", name[0] == '/' ? name + 1 : name);
        ssize_t n = readlinkat(dir_fd, link, id, CONTAINER_ID_LEN);

        if (n != CONTAINER_ID_LEN)
                return -ENOENT;
        id[n] = '\0';
        return is_id(id) ? 0 : -ENOENT;
}

static int resolve_prefix(int dir_fd, const char *prefix, char id[CONTAINER_ID_LEN + 1], struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        bool found = false;

        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return berth_err(err, errno, "read containers");
        }
        while ((de = readdir(d))) {
                if (!is_id(de->d_name) || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
                        continue;
                if (found)
                        return berth_err_msg(err, EINVAL, "multiple IDs found with provided prefix: %s", prefix);
                memcpy(id, de->d_name, CONTAINER_ID_LEN + 1); /* is_id(): exactly 64 chars */
                found = true;
        }
        return found ? 0 : -ENOENT;
}

int container_load(struct store *s, const char *ref, struct container **ret, struct berth_error **err)
{
        _cleanup_close_ int dir = -EBADF;
        char id[CONTAINER_ID_LEN + 1];
        int r;

        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        if (is_id(ref)) {
                snprintf(id, sizeof(id), "%s", ref);
        } else if (resolve_name(dir, ref, id) < 0) {
                r = *ref ? resolve_prefix(dir, ref, id, err) : -ENOENT;
                if (r == -ENOENT)
                        return berth_err_msg(err, ENOENT, "No such container: %s", ref);
                if (r < 0)
                        return r;
        }
        r = record_read(dir, id, ret, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                return berth_err_msg(err, ENOENT, "No such container: %s", ref);
        }
        return r;
}

static int by_created_desc(const void *a, const void *b)
{
        const struct container *x = *(struct container *const *)a, *y = *(struct container *const *)b;
        const char *cx = json_string_value(json_object_get(x->record, "Created"));
        const char *cy = json_string_value(json_object_get(y->record, "Created"));
        return strcmp(cy ? cy : "", cx ? cx : "");
}

int container_list(struct store *s, struct container ***ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_close_ int dir = -EBADF;
        struct container **list = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r, fd;

        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return berth_err(err, errno, "read containers");
        }
        while ((de = readdir(d))) {
                struct container *c = NULL;
                /* A record half gone (rm in progress, crash) is skipped, not an error for the whole list. */
                if (!is_id(de->d_name) || record_read(dir, de->d_name, &c, NULL) < 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        list = xrealloc(list, cap * sizeof(*list));
                }
                list[n++] = c;
        }
        if (n)
                qsort(list, n, sizeof(*list), by_created_desc);
        *ret = list;
        *ret_n = n;
        return 0;
}

/* The name's claim is the symlink itself: symlinkat fails with EEXIST for the second claimant. */
static int claim_name(int dir, const char *name, const char *id, struct berth_error **err)
{
        _cleanup_free_ char *link = xasprintf("names/%s", name);
        char other[CONTAINER_ID_LEN + 1];

        if (symlinkat(id, dir, link) == 0)
                return 0;
        if (errno != EEXIST)
                return berth_err(err, errno, "claim the name %s", name);
        if (resolve_name(dir, name, other) < 0)
                snprintf(other, sizeof(other), "%s", "?");
        return berth_err_msg(err, EEXIST,
                             "Conflict. The container name \"/%s\" is already in use by container \"%s\". You "
                             "have to remove (or rename) that container to be able to reuse that name.",
                             name, other);
}

static int create_dirs(int dir, const char *id, struct berth_error **err)
{
        static const char *const sub[] = { "upper", "work", "rootfs" };
        _cleanup_close_ int cfd = -EBADF;

        if (mkdirat(dir, id, 0700) < 0)
                return berth_err(err, errno, "mkdir container %s", id);
        cfd = openat(dir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cfd < 0)
                return berth_err(err, errno, "open container %s", id);
        for (size_t i = 0; i < sizeof(sub) / sizeof(*sub); i++)
                if (mkdirat(cfd, sub[i], 0755) < 0)
                        return berth_err(err, errno, "mkdir container %s/%s", id, sub[i]);
        return 0;
}

/* -v NAME:/dst or --mount (volume) as given: the record names volumes that `volume rm` must see. */
static bool names_volumes(json_t *host_config)
{
        return json_array_size(json_object_get(host_config, "Binds")) > 0 ||
               json_array_size(json_object_get(host_config, "Mounts")) > 0;
}

/* What needs neither the store nor the image: Docker checks these first. */
static int check_request(json_t *config, const char *name, struct berth_error **err)
{
        const char *image = json_string_value(json_object_get(config, "Image"));

        if (!image || !*image)
                return berth_err_msg(err, EINVAL, "No image specified");
        if (name && !container_name_valid(name[0] == '/' ? name + 1 : name))
                return berth_err_msg(err, EINVAL,
                                     "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                     name);
        return 0;
}

int container_create(struct store *s, json_t *config, json_t *host_config, const char *name,
                     struct container **ret, struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        const char *image = json_string_value(json_object_get(config, "Image"));
        int r;

        r = check_request(config, name, err);
        if (r < 0)
                return r;
        r = image_lookup(s, image, &img, err);
        if (r < 0)
                return r;
        return container_create_with_image(s, img, config, host_config, name, ret, err);
}

int container_create_with_image(struct store *s, const struct image *img, json_t *config, json_t *host_config,
                                const char *name, struct container **ret, struct berth_error **err)
{
        _cleanup_free_ char *gen = NULL, *dirpath = NULL;
        _cleanup_close_ int dir = -EBADF;
        char id[CONTAINER_ID_LEN + 1];
        struct container *c;
        int r;

        r = check_request(config, name, err);
        if (r < 0)
                return r;
        r = container_net_check_request(s, host_config, err);
        if (r < 0)
                return r;
        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        random_id(id);
        if (!name)
                for (int tries = 0; tries < 100; tries++) {
                        free(gen);
                        gen = container_name_generate();
                        r = claim_name(dir, gen, id, NULL);
                        if (r == 0)
                                break;
                }
        else
                r = claim_name(dir, name[0] == '/' ? name + 1 : name, id, err);
        if (r < 0)
                return err && *err ? r : berth_err_msg(err, EEXIST, "could not generate a free container name");
        name = name ? (name[0] == '/' ? name + 1 : name) : gen;
        dirpath = container_dir(s, id);
        c = xmalloc(sizeof(*c));
        snprintf(c->id, sizeof(c->id), "%s", id);
        c->name = xstrdup(name);
        c->record = container_record_new(id, name, config, host_config, img->config, img->id, dirpath);
        if (!json_string_length(json_object_get(c->record, "Path"))) {
                r = berth_err_msg(err, EINVAL, "No command specified");
        } else if ((r = create_dirs(dir, id, err)) == 0) {
                int vlock = -1;
                /* Its volumes are in use from the record on: no `volume rm` checks between. */
                if (names_volumes(host_config))
                        r = volume_lock(s, false, &vlock, err);
                if (r == 0)
                        r = container_save(s, c, err);
                volume_unlock(vlock);
        }
        if (r < 0) {
                _cleanup_free_ char *link = xasprintf("names/%s", name);
                (void)unlinkat(dir, link, 0);
                (void)rm_rf_at(dir, id, NULL);
                container_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int container_delete(struct store *s, struct container *c, struct berth_error **err)
{
        _cleanup_free_ char *rootfs = xasprintf("%s/containers/%s/rootfs", s->root, c->id);
        _cleanup_free_ char *link = xasprintf("names/%s", c->name), *run = container_run_dir(s, c->id);
        _cleanup_close_ int dir = -EBADF;
        char owner[CONTAINER_ID_LEN + 1];
        int r;

        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        container_runtime_leftovers_cleanup(s, c);
        if (s->container_net_release)
                s->container_net_release(s, c->id, c->record);
        (void)umount2(rootfs, MNT_DETACH);
        /* Only our own name: after a rename race the link may already be someone else's. */
        if (resolve_name(dir, c->name, owner) == 0 && streq(owner, c->id))
                (void)unlinkat(dir, link, 0);
        (void)rm_rf_at(AT_FDCWD, run, NULL);
        return rm_rf_at(dir, c->id, err);
}

int container_rename(struct store *s, struct container *c, const char *new_name, struct berth_error **err)
{
        _cleanup_free_ char *old_link = xasprintf("names/%s", c->name);
        _cleanup_close_ int dir = -EBADF;
        int r;

        if (new_name[0] == '/')
                new_name++;
        if (!container_name_valid(new_name))
                return berth_err_msg(err, EINVAL,
                                     "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                     new_name);
        r = containers_dir_open(s, &dir, err);
        if (r < 0)
                return r;
        r = claim_name(dir, new_name, c->id, err);
        if (r < 0)
                return r;
        json_object_set_new(c->record, "Name", json_sprintf("/%s", new_name));
        r = container_save(s, c, err);
        if (r < 0) {
                _cleanup_free_ char *new_link = xasprintf("names/%s", new_name);
                (void)unlinkat(dir, new_link, 0);
                json_object_set_new(c->record, "Name", json_sprintf("/%s", c->name));
                return r;
        }
        (void)unlinkat(dir, old_link, 0);
        free(c->name);
        c->name = xstrdup(new_name);
        return 0;
}

static const char *const status_names[] = {
        [CONTAINER_CREATED] = "created",   [CONTAINER_RUNNING] = "running",
        [CONTAINER_PAUSED] = "paused",     [CONTAINER_RESTARTING] = "restarting",
        [CONTAINER_REMOVING] = "removing", [CONTAINER_EXITED] = "exited",
        [CONTAINER_DEAD] = "dead",
};

const char *container_status_name(enum container_status st)
{
        return status_names[st];
}

bool container_status_is_live(enum container_status st)
{
        return st == CONTAINER_RUNNING || st == CONTAINER_PAUSED || st == CONTAINER_RESTARTING;
}

enum container_status container_status(const struct container *c)
{
        const char *s = json_string_value(json_object_get(json_object_get(c->record, "State"), "Status"));

        for (size_t i = 0; s && i < sizeof(status_names) / sizeof(*status_names); i++)
                if (streq(s, status_names[i]))
                        return (enum container_status)i;
        return CONTAINER_DEAD;
}

void container_set_state(struct container *c, enum container_status st, pid_t pid, int exit_code,
                         const char *error)
{
        json_t *state = json_object_get(c->record, "State");
        _cleanup_free_ char *now = time_now_rfc3339();

        json_object_set_new(state, "Status", json_string(status_names[st]));
        json_object_set_new(state, "Running", json_boolean(st == CONTAINER_RUNNING || st == CONTAINER_PAUSED));
        json_object_set_new(state, "Paused", json_boolean(st == CONTAINER_PAUSED));
        json_object_set_new(state, "Restarting", json_boolean(st == CONTAINER_RESTARTING));
        json_object_set_new(state, "Dead", json_boolean(st == CONTAINER_DEAD));
        json_object_set_new(state, "Pid", json_integer(st == CONTAINER_RUNNING || st == CONTAINER_PAUSED ? pid : 0));
        json_object_set_new(state, "Error", json_string(error ? error : ""));
        if (st == CONTAINER_RUNNING && pid > 0) {
                json_object_set_new(state, "StartedAt", json_string(now));
                json_object_set_new(state, "ExitCode", json_integer(0));
        }
        if (st == CONTAINER_EXITED || st == CONTAINER_DEAD) {
                json_object_set_new(state, "ExitCode", json_integer(exit_code));
                json_object_set_new(state, "FinishedAt", json_string(now));
        }
}

int container_image_in_use(struct store *s, const char *image_id, char **ret_container)
{
        struct container **list = NULL;
        size_t n = 0;
        int found = 0;

        if (container_list(s, &list, &n, NULL) < 0)
                return 0;
        for (size_t i = 0; i < n && !found; i++) {
                const char *img = json_string_value(json_object_get(list[i]->record, "Image"));
                if (img && streq(img, image_id)) {
                        found = 1;
                        if (ret_container)
                                *ret_container = xstrdup(list[i]->id);
                }
        }
        container_list_free(list, n);
        return found;
}
