/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container record to a running container: a busybox image imported into
 * a fresh store, container_create with Docker's Config/HostConfig,
 * container_rootfs_mount + container_oci_config, then the real runtime.
 * The container writes what it sees into a bind-mounted host dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "container/container.h"
#include "container/oci-config-internal.h"
#include "container/oci-config.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "store/archive.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/store.h"
#include "tap.h"

static char tmp[] = "/var/tmp/test-oci-config-XXXXXX";
static struct store *store;
static char *out_dir;

static int sh(const char *cmd)
{
        int st;
        pid_t pid = fork();

        if (pid == 0) {
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &st, 0) < 0)
                return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void print_err(const char *what, struct berth_error *e)
{
        printf("# %s: %s\n", what, e ? e->msg : "?");
}

static int import_busybox(void)
{
        _cleanup_free_ char *cmd = xasprintf(
            "set -e; r=%s/rootfs; mkdir -p $r/bin $r/etc $r/proc $r/sys $r/dev $r/tmp $r/data $r/out; "
            "cp /bin/busybox $r/bin/busybox; for a in $(/bin/busybox --list); do [ $a = busybox ] || ln -sf busybox $r/bin/$a; done; "
            "printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n' "
            "> $r/etc/passwd; printf 'root:x:0:\\nstaff:x:50:nobody\\nnogroup:x:65534:\\n' > $r/etc/group; "
            "echo seeded > $r/data/seed; chown 65534:65534 $r/data; chmod 0750 $r/data; "
            "tar -C $r -cf %s/busybox.tar .",
            tmp, tmp);
        _cleanup_free_ char *tar = xasprintf("%s/busybox.tar", tmp);
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct image_import_options o = { .ref = "test/busybox:latest", .source = "-" };

        if (access("/bin/busybox", X_OK) < 0 || sh(cmd) != 0)
                return -1;
        fd = open(tar, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || image_import(store, fd, &o, NULL, &err) < 0) {
                print_err("import", err);
                return -1;
        }
        return 0;
}

/* Creates a container of image ref with the given Cmd and HostConfig (JSON text); NULL on failure. */
static struct container *make(const char *ref, const char *cmd, const char *extra_config, const char *host_config)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_json_ json_t *cfg = json_pack("{s:s,s:[s,s,s]}", "Image", ref, "Cmd", "sh", "-c", cmd);
        _cleanup_json_ json_t *hc = json_loads(host_config ? host_config : "{}", 0, NULL);
        _cleanup_json_ json_t *extra = json_loads(extra_config ? extra_config : "{}", 0, NULL);
        struct container *c = NULL;

        json_object_update(cfg, extra);
        if (container_create(store, cfg, hc, NULL, &c, &err) < 0) {
                print_err("container_create", err);
                return NULL;
        }
        return c;
}

static int prepare(struct container *c, json_t **ret_spec, struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        const char *image = json_string_value(json_object_get(c->record, "Image"));
        int r;

        r = image_lookup(store, image, &img, err);
        if (r < 0)
                return r;
        r = container_rootfs_mount(store, c, img, err);
        if (r < 0)
                return r;
        return container_oci_config(store, c, img, ret_spec, err);
}

/* Prepares and runs c to completion; returns its exit status (or -1). */
static int run(struct container *c)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *dir = container_dir(store, c->id), *state = xasprintf("%s/state", tmp);
        struct runtime_context ctx = { .state_root = state };
        struct runtime_create_options o = { .id = c->id, .bundle = dir };
        json_t *spec = NULL;
        int status = -1;

        if (prepare(c, &spec, &err) < 0) {
                print_err("prepare", err);
                return -1;
        }
        json_decref(spec);
        fflush(stdout);
        if (runtime_run(&ctx, &o, false, &status, &err) < 0) {
                print_err("runtime_run", err);
                status = -1;
        }
        (void)container_rootfs_umount(store, c, NULL);
        return status;
}

static char *out(const char *name)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", out_dir, name);
        char *text = NULL;
        size_t len = 0;

        if (read_file_at(AT_FDCWD, p, 1 << 20, &text, &len, NULL) < 0)
                return xstrdup("<missing>");
        while (len && text[len - 1] == '\n')
                text[--len] = '\0';
        return text;
}

static char *binds(const char *more)
{
        return xasprintf("{\"Binds\":[\"%s:/out\"%s%s]}", out_dir, more ? "," : "", more ? more : "");
}

TEST(runs_a_command_with_etc_files)
{
        _cleanup_free_ char *hc = binds(NULL), *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
        _cleanup_container_ struct container *c =
            make("test/busybox", "echo hello > /out/r1; hostname > /out/r2; grep -c localhost /etc/hosts > /out/r3;"
                                 "echo $HOSTNAME:$HOME:$PATH > /out/r4",
                 NULL, hc);

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        r1 = out("r1");
        ASSERT_STREQ(r1, "hello");
        r2 = out("r2");
        ASSERT_TRUE(strncmp(r2, c->id, 12) == 0 && strlen(r2) == 12);
        r3 = out("r3");
        ASSERT_STREQ(r3, "2");
        r4 = out("r4");
        ASSERT_TRUE(strncmp(r4, c->id, 12) == 0);
        ASSERT_TRUE(strstr(r4, ":/root:/usr/local/sbin:") != NULL);
}

TEST(user_nobody_resolves)
{
        _cleanup_free_ char *hc = binds(NULL), *ids = NULL;
        _cleanup_container_ struct container *c =
            make("test/busybox", "echo $(id -u):$(id -g):$(id -G) > /out/ids", "{\"User\":\"nobody\"}", hc);

        ASSERT_TRUE(c != NULL);
        ASSERT_OK(chmod(out_dir, 0777));
        ASSERT_EQ(run(c), 0);
        ids = out("ids");
        /* nobody's own group, staff (50) from /etc/group membership. */
        ASSERT_STREQ(ids, "65534:65534:65534 50");
}

TEST(unknown_user_fails)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = make("test/busybox", "true", "{\"User\":\"nosuch\"}", NULL);
        json_t *spec = NULL;

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(prepare(c, &spec, &err), -EINVAL);
        ASSERT_TRUE(strstr(err->msg, "unable to find user nosuch") != NULL);
        (void)container_rootfs_umount(store, c, NULL);
}

static unsigned long long cap_eff(const char *text)
{
        const char *p = strstr(text, "CapEff:");
        return p ? strtoull(p + 7, NULL, 16) : 0;
}

TEST(cap_add_and_drop)
{
        _cleanup_free_ char *hc = xasprintf("{\"Binds\":[\"%s:/out\"],\"CapAdd\":[\"NET_ADMIN\"],"
                                            "\"CapDrop\":[\"CAP_CHOWN\",\"kill\"]}",
                                            out_dir),
                            *st = NULL;
        _cleanup_container_ struct container *c = make("test/busybox", "cat /proc/self/status > /out/st", NULL, hc);
        unsigned long long eff;

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        st = out("st");
        eff = cap_eff(st);
        ASSERT_TRUE(eff & (1ULL << 12));   /* NET_ADMIN */
        ASSERT_TRUE(!(eff & (1ULL << 0))); /* CHOWN */
        ASSERT_TRUE(!(eff & (1ULL << 5))); /* KILL */
        ASSERT_TRUE(eff & (1ULL << 1));    /* DAC_OVERRIDE stays */
        ASSERT_TRUE(!(eff & (1ULL << 21))); /* no SYS_ADMIN */
}

TEST(privileged_has_all_caps)
{
        _cleanup_free_ char *hc = xasprintf("{\"Binds\":[\"%s:/out\"],\"Privileged\":true}", out_dir), *st = NULL,
                            *own = NULL;
        _cleanup_container_ struct container *c =
            make("test/busybox", "cat /proc/self/status > /out/st; unshare -U true && echo ok > /out/uns", NULL, hc);

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        /* Every capability we hold ourselves (root here lacks CAP_SYS_RESOURCE: no one can grant it). */
        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &own, NULL, NULL));
        st = out("st");
        ASSERT_EQ(cap_eff(st), cap_eff(own));
        ASSERT_TRUE(cap_eff(st) & (1ULL << 21)); /* SYS_ADMIN */
}

TEST(default_seccomp_denies_namespaces_and_mount)
{
        _cleanup_free_ char *hc = binds(NULL), *hc2 = NULL, *a = NULL, *b = NULL;
        _cleanup_container_ struct container *c = make(
            "test/busybox",
            "unshare -U true 2>/out/uerr; echo $? > /out/u; mount -t tmpfs t /mnt 2>/out/merr; echo $? > /out/m;"
            "ls / > /dev/null && echo fine > /out/ok",
            NULL, hc);
        _cleanup_container_ struct container *d = NULL;
        _cleanup_free_ char *uerr = NULL, *ok = NULL;

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        a = out("u");
        ASSERT_STREQ(a, "1");
        uerr = out("uerr");
        ASSERT_TRUE(strstr(uerr, "Operation not permitted") != NULL);
        b = out("m");
        ASSERT_TRUE(!streq(b, "0"));
        ok = out("ok");
        ASSERT_STREQ(ok, "fine");
        /* The same unshare works once seccomp is off: it was the filter that refused it. */
        hc2 = xasprintf("{\"Binds\":[\"%s:/out\"],\"SecurityOpt\":[\"seccomp=unconfined\"]}", out_dir);
        d = make("test/busybox", "unshare -U true; echo $? > /out/u2", NULL, hc2);
        ASSERT_TRUE(d != NULL);
        ASSERT_EQ(run(d), 0);
        free(a);
        a = out("u2");
        ASSERT_STREQ(a, "0");
}

TEST(seccomp_cache_file)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = make("test/busybox", "true", NULL, NULL);
        _cleanup_json_ json_t *spec = NULL;
        const char *ann, *hash;
        _cleanup_free_ char *path = NULL;

        ASSERT_TRUE(c != NULL);
        ASSERT_OK(prepare(c, &spec, &err));
        (void)container_rootfs_umount(store, c, NULL);
        ASSERT_TRUE(json_is_object(json_object_get(json_object_get(spec, "linux"), "seccomp")));
        ann = json_string_value(json_object_get(json_object_get(spec, "annotations"), "io.berth.seccomp.bpf"));
        ASSERT_TRUE(ann != NULL);
        hash = strchr(ann, '#');
        ASSERT_TRUE(hash && strncmp(hash, "#sha256:", 8) == 0);
        path = strndup(ann, (size_t)(hash - ann));
        ASSERT_OK(access(path, R_OK));
}

/* Proof that the runtime loads the cached program: swap in an allow-all one, unshare then works. */
TEST(runtime_uses_cached_filter)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *hc = binds(NULL), *r = NULL, *path = NULL, *buf = NULL;
        _cleanup_container_ struct container *c = make("test/busybox", "unshare -U true; echo $? > /out/t", NULL, hc);
        _cleanup_json_ json_t *spec = NULL, *allow = json_pack("{s:s}", "defaultAction", "SCMP_ACT_ALLOW");
        struct berth_seccomp *sc = NULL;
        void *insns = NULL;
        size_t len = 0;
        unsigned flags = 0;
        const char *ann;

        ASSERT_TRUE(c != NULL);
        ASSERT_OK(prepare(c, &spec, &err));
        ann = json_string_value(json_object_get(json_object_get(spec, "annotations"), "io.berth.seccomp.bpf"));
        ASSERT_TRUE(ann != NULL);
        path = strndup(ann, (size_t)(strchr(ann, '#') - ann));
        ASSERT_OK(berth_seccomp_compile(allow, &sc, &err));
        ASSERT_OK(berth_seccomp_export(sc, &insns, &len, &flags));
        berth_seccomp_free(sc);
        buf = xmalloc(len + 8);
        memcpy(buf, "BSF1\0\0\0\0", 8);
        memcpy(buf + 8, insns, len);
        free(insns);
        ASSERT_OK(write_file_atomic_at(AT_FDCWD, path, buf, len + 8, 0600, &err));
        ASSERT_EQ(run(c), 0);
        ASSERT_OK(unlink(path)); /* the next container compiles the real one again */
        r = out("t");
        ASSERT_STREQ(r, "0");
}

TEST(memory_limit_in_cgroup)
{
        _cleanup_free_ char *hc = xasprintf("{\"Binds\":[\"%s:/out\"],\"Memory\":67108864,\"PidsLimit\":77}",
                                            out_dir),
                            *m = NULL;
        /* v1: the container's memory cgroup is /sys/fs/cgroup/memory/<path from /proc/self/cgroup>; v2: one file. */
        _cleanup_container_ struct container *c = make(
            "test/busybox",
            "p=$(grep -E '(:memory:|^0::)' /proc/self/cgroup | head -1 | cut -d: -f3);"
            "for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory$p/memory.limit_in_bytes "
            "/sys/fs/cgroup/memory.max /sys/fs/cgroup$p/memory.max; do [ -r $f ] && cat $f > /out/mem && break; "
            "done; true",
            NULL, hc);

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        m = out("mem");
        ASSERT_STREQ(m, "67108864");
}

TEST(named_volume_seeded_and_persists)
{
        _cleanup_free_ char *hc = binds("\"vol1:/data\""), *a = NULL, *b = NULL, *seed = NULL, *own = NULL;
        _cleanup_container_ struct container *c1 =
            make("test/busybox", "cat /data/seed > /out/a; echo kept > /data/k", NULL, hc);
        _cleanup_container_ struct container *c2 = make("test/busybox", "cat /data/k > /out/b", NULL, hc);
        struct stat st;
        json_t *m;

        ASSERT_TRUE(c1 && c2);
        ASSERT_EQ(run(c1), 0);
        a = out("a");
        ASSERT_STREQ(a, "seeded");
        ASSERT_EQ(run(c2), 0);
        b = out("b");
        ASSERT_STREQ(b, "kept");
        /* The volume's root took the image's /data owner and mode. */
        seed = xasprintf("%s/root/volumes/vol1/_data", tmp);
        ASSERT_OK(stat(seed, &st));
        ASSERT_EQ(st.st_uid, 65534u);
        ASSERT_EQ(st.st_mode & 07777, 0750u);
        /* Recorded as Docker's inspect shows it. */
        m = json_array_get(json_object_get(c2->record, "Mounts"), 1);
        ASSERT_STREQ(json_string_value(json_object_get(m, "Type")), "volume");
        ASSERT_STREQ(json_string_value(json_object_get(m, "Name")), "vol1");
        ASSERT_STREQ(json_string_value(json_object_get(m, "Destination")), "/data");
        ASSERT_STREQ(json_string_value(json_object_get(m, "Driver")), "local");
        ASSERT_TRUE(json_is_true(json_object_get(m, "RW")));
        own = xasprintf("%s/k", seed);
        ASSERT_OK(access(own, F_OK));
}

TEST(bind_creates_missing_host_dir_and_ro)
{
        _cleanup_free_ char *newdir = xasprintf("%s/made-by-v", tmp), *more = xasprintf("\"%s:/m:ro\"", newdir);
        _cleanup_free_ char *hc = binds(more), *r = NULL;
        _cleanup_container_ struct container *c =
            make("test/busybox", "touch /m/x 2>/dev/null; echo $? > /out/ro", NULL, hc);
        struct stat st;

        ASSERT_TRUE(c != NULL);
        ASSERT_EQ(run(c), 0);
        ASSERT_OK(stat(newdir, &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));
        r = out("ro");
        ASSERT_STREQ(r, "1");
}

/* 120 one-file layers through image_create: beyond what one mount(2) option page holds. */
TEST(many_layers_mount)
{
        enum { N = 120 };
        _cleanup_error_ struct berth_error *err = NULL;
        struct image_layer_desc *descs = xmalloc(N * sizeof(*descs));
        char chain[DIGEST_STRING_MAX] = "";
        _cleanup_image_ struct image *img = NULL;
        _cleanup_json_ json_t *cfg = json_pack("{s:s,s:s,s:{s:[s]}}", "architecture", "amd64", "os", "linux",
                                               "config", "Cmd", "true");
        _cleanup_container_ struct container *c = NULL;
        _cleanup_free_ char *top = NULL, *bottom = NULL, *dir = NULL;
        int ok = 1;

        for (int i = 0; i < N && ok; i++) {
                _cleanup_free_ char *cmd = xasprintf("set -e; d=%s/l%d; mkdir -p $d; echo %d > $d/top; touch $d/f%d;"
                                                     "tar -C $d -cf %s/l%d.tar .",
                                                     tmp, i, i, i, tmp, i);
                _cleanup_free_ char *tar = xasprintf("%s/l%d.tar", tmp, i);
                _cleanup_close_ int fd = -EBADF;
                char next[DIGEST_STRING_MAX];
                ok = sh(cmd) == 0 && (fd = open(tar, O_RDONLY | O_CLOEXEC)) >= 0 &&
                     blob_put_fd(store, fd, NULL, descs[i].digest, &descs[i].size, &err) == 0 &&
                     layer_store_ensure(store, i ? chain : NULL, descs[i].digest, descs[i].digest, next, NULL,
                                        &err) == 0;
                memcpy(descs[i].diff_id, descs[i].digest, sizeof(descs[i].diff_id));
                descs[i].media_type = MEDIA_OCI_LAYER;
                memcpy(chain, next, sizeof(chain));
        }
        if (!ok)
                print_err("layer", err);
        ASSERT_TRUE(ok);
        ASSERT_OK(image_create(store, cfg, descs, N, "test/many:latest", &img, &err));
        free(descs);
        ASSERT_EQ(img->n_layers, (size_t)N);
        c = make("test/many", "true", NULL, NULL);
        ASSERT_TRUE(c != NULL);
        ASSERT_OK(container_rootfs_mount(store, c, img, &err));
        ASSERT_OK(container_rootfs_mount(store, c, img, &err)); /* idempotent */
        dir = container_dir(store, c->id);
        top = xasprintf("%s/rootfs/top", dir);
        bottom = xasprintf("%s/rootfs/f0", dir);
        {
                _cleanup_free_ char *text = NULL;
                ASSERT_OK(read_file_at(AT_FDCWD, top, 64, &text, NULL, &err));
                ASSERT_STREQ(text, "119\n");
        }
        ASSERT_OK(access(bottom, F_OK));
        ASSERT_OK(container_rootfs_umount(store, c, &err));
        ASSERT_TRUE(access(bottom, F_OK) < 0);
        ASSERT_OK(container_rootfs_umount(store, c, &err));
        /* Without "lowerdir+": one option string of short links in layers/l/, still under a page. */
        rootfs_mount_force_legacy = true;
        ok = container_rootfs_mount(store, c, img, &err) == 0;
        rootfs_mount_force_legacy = false;
        if (!ok)
                print_err("legacy mount", err);
        ASSERT_TRUE(ok);
        {
                _cleanup_free_ char *text = NULL;
                ASSERT_OK(read_file_at(AT_FDCWD, top, 64, &text, NULL, &err));
                ASSERT_STREQ(text, "119\n");
        }
        ASSERT_OK(access(bottom, F_OK));
        ASSERT_OK(container_rootfs_umount(store, c, &err));
}

int main(void)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *root = NULL, *run_dir = NULL, *cmd = NULL;

        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root\n");
                return 77;
        }
        if (!mkdtemp(tmp))
                return 1;
        root = xasprintf("%s/root", tmp);
        run_dir = xasprintf("%s/run", tmp);
        out_dir = xasprintf("%s/out", tmp);
        if (mkdir(out_dir, 0755) < 0 || store_open(root, run_dir, &store, &err) < 0 || import_busybox() < 0) {
                printf("1..0 # SKIP no store or no busybox: %s\n", err ? err->msg : "");
                return 77;
        }
        RUN(runs_a_command_with_etc_files);
        RUN(user_nobody_resolves);
        RUN(unknown_user_fails);
        RUN(cap_add_and_drop);
        RUN(privileged_has_all_caps);
        RUN(default_seccomp_denies_namespaces_and_mount);
        RUN(seccomp_cache_file);
        RUN(runtime_uses_cached_filter);
        RUN(memory_limit_in_cgroup);
        RUN(named_volume_seeded_and_persists);
        RUN(bind_creates_missing_host_dir_and_ro);
        RUN(many_layers_mount);
        store_free(store);
        cmd = xasprintf("for m in $(grep -o '%s[^ ]*rootfs' /proc/self/mounts); do umount -l $m; done; rm -rf %s",
                        tmp, tmp);
        (void)sh(cmd);
        free(out_dir);
        TAP_DONE();
}
