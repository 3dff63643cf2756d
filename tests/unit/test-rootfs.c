/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs_prepare/pivot/finalize on the real kernel (suite 'priv', needs
 * root). Each scenario runs in a forked child with its own mount namespace,
 * builds a container view of a tiny busybox rootfs and checks it from the
 * inside; the child reports through a pipe and its exit status. Hostile
 * rootfs scenarios check that the host (core_pattern, /etc, directories next
 * to the rootfs) is untouched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/missing.h"
#include "runtime/mounts-internal.h"
#include "runtime/rootfs.h"
#include "tap.h"
#include "test-util.h"

static char tmp[64];     /* the test directory on the host */
static char rootfs[128]; /* tmp/rootfs */
static int rep = -1;     /* in a child: the report pipe */


/* Child-side assertions: report the first failure and leave the scenario. */
#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (!(x)) {                                                                                 \
                        dprintf(rep, "%s:%d: `%s` failed (errno: %s)", __FILE__, __LINE__, #x,              \
                                strerror(errno));                                                           \
                        return 1;                                                                           \
                }                                                                                           \
        } while (0)
#define CHECK_BERTH(call)                                                                                   \
        do {                                                                                                \
                struct berth_error *err = NULL;                                                             \
                if ((call) < 0) {                                                                           \
                        dprintf(rep, "%s:%d: `%s`: %s", __FILE__, __LINE__, #call, err ? err->msg : "?");   \
                        return 1;                                                                           \
                }                                                                                           \
        } while (0)

/* Runs fn in a child in a new mount namespace; the child's report lands in msg. */
static int run_child(int (*fn)(void *), void *arg, char *msg, size_t n)
{
        int p[2], status;
        ssize_t got, total = 0;
        pid_t pid;

        msg[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(p[0]);
                rep = p[1];
                alarm(30); /* a hung scenario dies instead of hanging the suite */
                if (unshare(CLONE_NEWNS) < 0) {
                        dprintf(rep, "unshare: %s", strerror(errno));
                        _exit(1);
                }
                _exit(fn(arg));
        }
        close(p[1]);
        while (total < (ssize_t)n - 1 && (got = read(p[0], msg + total, n - 1 - total)) > 0)
                total += got;
        msg[total] = '\0';
        close(p[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (WIFSIGNALED(status)) {
                snprintf(msg + total, n - total, " (killed by signal %d)", WTERMSIG(status));
                return 1;
        }
        return WEXITSTATUS(status);
}

#define RUN_CHILD(fn, arg)                                                                                  \
        do {                                                                                                \
                char _msg[2048];                                                                            \
                int _r = run_child(fn, arg, _msg, sizeof(_msg));                                            \
                if (_r != 0)                                                                                \
                        TAP_FAIL("scenario failed (%d): %s", _r, _msg);                                     \
        } while (0)

static void make_rootfs(void)
{
        sh_or_bail("set -e; cd %s; rm -rf rootfs outside; mkdir -p rootfs/bin rootfs/proc rootfs/sys rootfs/dev "
           "rootfs/etc/secretdir rootfs/tmp rootfs/data rootfs/ro hostdata hostro;"
           "cp /bin/busybox rootfs/bin/busybox; echo secret > rootfs/etc/secret; touch "
           "rootfs/etc/secretdir/x;"
           "echo rootfs > rootfs/etc/marker; echo container > rootfs/etc/hostname; echo ro > hostro/f;"
           "echo from-host > hostname-file; echo '|/bin/evil %%p' > evil",
           tmp);
}

static struct oci_mount mnt(const char *dest, const char *type, const char *src, unsigned long flags,
                            const char *data, bool bind)
{
        return (struct oci_mount){
            .destination = (char *)dest,
            .type = (char *)type,
            .source = (char *)src,
            .flags = flags,
            .data = (char *)data,
            .bind = bind,
            .recursive = bind,
        };
}

static bool read_text(const char *path, char *buf, size_t n)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t r;

        if (fd < 0)
                return false;
        r = read(fd, buf, n - 1);
        if (r < 0)
                return false;
        buf[r] = '\0';
        return true;
}

/* The fstype and mount options of the topmost mount at mp, from mountinfo. */
static bool mountinfo_find(const char *mp, char *fstype, char *opts)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        bool found = false;

        if (!f)
                return false;
        while (fgets(line, sizeof(line), f)) {
                char point[1024], o[512], type[64];
                char *sep = strstr(line, " - ");

                if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s %511s", point, o) != 2 ||
                    sscanf(sep + 3, "%63s", type) != 1)
                        continue;
                if (strcmp(point, mp) != 0)
                        continue;
                strcpy(fstype, type);
                strcpy(opts, o);
                found = true;
        }
        return found;
}

static bool has_opt(const char *opts, const char *opt)
{
        size_t n = strlen(opt);

        for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                        return true;
        return false;
}

static bool is_chardev(const char *path, unsigned ma, unsigned mi)
{
        struct stat st;

        return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == ma &&
               minor(st.st_rdev) == mi;
}

static bool link_is(const char *path, const char *target)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);

        if (n < 0)
                return false;
        buf[n] = '\0';
        return strcmp(buf, target) == 0;
}

static bool dir_is_empty(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *e;

        if (!d)
                return false;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        return false;
        return true;
}

static bool open_fails_with(const char *path, int flags, int err)
{
        int fd = open(path, flags | O_CLOEXEC, 0644);

        if (fd >= 0) {
                close(fd);
                return false;
        }
        return errno == err;
}

static bool run_busybox(const char *applet, const char *arg)
{
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 1);
                dup2(null, 2);
                execl("/bin/busybox", "busybox", applet, arg, (char *)NULL);
                _exit(127);
        }
        return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- a Docker-like container ---- */

static char *full_masked[] = {"/etc/secret",      "/etc/secretdir",  "/proc/kcore",
                              "/proc/timer_list", "/does/not/exist", NULL};
static char *full_readonly[] = {"/proc/sys", "/proc/bus", "/proc/sysrq-trigger", NULL};

static int child_full(void *arg)
{
        char src_ro[192], src_file[192], type[64], opts[512], buf[256];
        struct oci_mount mounts[12];
        struct oci_device devs[1] = {
            {.path = "/dev/sub/mynull",
             .type = 'c',
             .major = 1,
             .minor = 3,
             .file_mode = 0640,
             .has_mode = true},
        };
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs, .no_pivot = arg != NULL};
        struct statfs sfs;
        struct stat st;
        size_t n = 0;

        snprintf(src_ro, sizeof(src_ro), "%s/hostro", tmp);
        snprintf(src_file, sizeof(src_file), "%s/hostname-file", tmp);
        mounts[n++] = mnt("/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, false);
        mounts[n++] =
            mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", false);
        mounts[n++] = mnt("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                          "newinstance,ptmxmode=0666,mode=0620,gid=5", false);
        mounts[n++] = mnt("/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777", false);
        mounts[n++] = mnt("/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, false);
        mounts[n++] =
            mnt("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL, false);
        mounts[n++] = mnt("/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
                          NULL, false);
        mounts[n++] = mnt("/data", "bind", "hostdata", 0, NULL, true); /* relative to the bundle (cwd) */
        mounts[n++] = mnt("/ro", "none", src_ro, MS_RDONLY, NULL, true);
        mounts[n++] = mnt("/etc/hostname", "bind", src_file, 0, NULL, true);
        mounts[n++] = mnt("//newdir/./deep/", "tmpfs", "tmpfs", 0, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = n;
        spec.devices = devs;
        spec.n_devices = 1;
        spec.masked_paths = full_masked;
        spec.readonly_paths = full_readonly;
        spec.root_readonly = true;

        CHECK(chdir(tmp) == 0);
        CHECK_BERTH(rootfs_prepare(&spec, &o, &err));
        CHECK_BERTH(rootfs_pivot(&spec, &o, &err));
        CHECK_BERTH(rootfs_finalize(&spec, &err));

        /* The view is the rootfs, with every mount in place. */
        CHECK(read_text("/etc/marker", buf, sizeof(buf)) && strcmp(buf, "rootfs\n") == 0);
        CHECK(read_text("/etc/hostname", buf, sizeof(buf)) && strcmp(buf, "from-host\n") == 0);
        CHECK(mountinfo_find("/proc", type, opts) && strcmp(type, "proc") == 0);
        CHECK(has_opt(opts, "nosuid") && has_opt(opts, "noexec") && has_opt(opts, "nodev"));
        CHECK(statfs("/proc", &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC);
        CHECK(mountinfo_find("/dev", type, opts) && strcmp(type, "tmpfs") == 0);
        CHECK(mountinfo_find("/dev/pts", type, opts) && strcmp(type, "devpts") == 0);
        CHECK(mountinfo_find("/dev/shm", type, opts) && strcmp(type, "tmpfs") == 0);
        CHECK(mountinfo_find("/dev/mqueue", type, opts) && strcmp(type, "mqueue") == 0);
        CHECK(mountinfo_find("/sys", type, opts) && strcmp(type, "sysfs") == 0 && has_opt(opts, "ro"));
        CHECK(mountinfo_find("/sys/fs/cgroup", type, opts) && has_opt(opts, "ro"));
        CHECK(mountinfo_find("/data", type, opts) && has_opt(opts, "rw"));
        CHECK(mountinfo_find("/ro", type, opts) && has_opt(opts, "ro"));
        CHECK(mountinfo_find("/etc/hostname", type, opts));
        CHECK(mountinfo_find("/newdir/deep", type, opts) && strcmp(type, "tmpfs") == 0);
        CHECK(mountinfo_find("/", type, opts) && has_opt(opts, "ro"));

        /* Read-only root, writable volume, read-only bind (and its submounts: cgroupfs). */
        CHECK(open_fails_with("/newfile", O_WRONLY | O_CREAT, EROFS));
        CHECK(open_fails_with("/ro/f", O_WRONLY, EROFS));
        CHECK(mkdir("/sys/fs/cgroup/berth-test-must-fail", 0755) < 0 && errno == EROFS);
        if (stat("/sys/fs/cgroup/memory", &st) == 0) {
                int r = mkdir("/sys/fs/cgroup/memory/berth-test-must-fail", 0755);
                if (r == 0)
                        rmdir("/sys/fs/cgroup/memory/berth-test-must-fail");
                CHECK(r < 0 && errno == EROFS);
        }
        {
                _cleanup_close_ int fd = open("/data/hello", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                CHECK(fd >= 0 && write(fd, "hi", 2) == 2);
        }

        /* Masked paths. */
        CHECK(read_text("/etc/secret", buf, sizeof(buf)) && buf[0] == '\0');
        CHECK(dir_is_empty("/etc/secretdir"));
        CHECK(mkdir("/etc/secretdir/x", 0755) < 0 && errno == EROFS);
        CHECK(access("/proc/kcore", F_OK) < 0 || is_chardev("/proc/kcore", 1, 3));
        CHECK(is_chardev("/proc/timer_list", 1, 3));

        /* Read-only paths: /proc/sys refuses writers (the open alone is the test; nothing is written). */
        CHECK(open_fails_with("/proc/sys/kernel/hostname", O_WRONLY, EROFS));
        CHECK(access("/proc/sysrq-trigger", F_OK) < 0 ||
              open_fails_with("/proc/sysrq-trigger", O_WRONLY, EROFS));
        CHECK(mountinfo_find("/proc/sys", type, opts) && has_opt(opts, "ro") && has_opt(opts, "nosuid"));

        /* Devices and links. */
        CHECK(is_chardev("/dev/null", 1, 3) && is_chardev("/dev/zero", 1, 5) &&
              is_chardev("/dev/full", 1, 7));
        CHECK(is_chardev("/dev/random", 1, 8) && is_chardev("/dev/urandom", 1, 9) &&
              is_chardev("/dev/tty", 5, 0));
        CHECK(stat("/dev/null", &st) == 0 && (st.st_mode & 07777) == 0666);
        CHECK(is_chardev("/dev/sub/mynull", 1, 3));
        CHECK(stat("/dev/sub/mynull", &st) == 0 && (st.st_mode & 07777) == 0640);
        CHECK(link_is("/dev/fd", "/proc/self/fd") && link_is("/dev/stdin", "/proc/self/fd/0"));
        CHECK(link_is("/dev/stdout", "/proc/self/fd/1") && link_is("/dev/stderr", "/proc/self/fd/2"));
        CHECK(link_is("/dev/ptmx", "pts/ptmx"));
        {
                _cleanup_close_ int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                CHECK(fd >= 0 && write(fd, "x", 1) == 1);
        }

        /* A program runs from the rootfs. */
        CHECK(run_busybox("cat", "/etc/marker"));
        CHECK(!run_busybox("touch", "/etc/nope"));
        return 0;
}

TEST(docker_like_container)
{
        char p[256];
        struct stat st;

        make_rootfs();
        RUN_CHILD(child_full, NULL);
        /* The volume was the host's directory. */
        snprintf(p, sizeof(p), "%s/hostdata/hello", tmp);
        ASSERT_OK(stat(p, &st));
}

TEST(docker_like_container_no_pivot)
{
        make_rootfs();
        RUN_CHILD(child_full, "no-pivot");
}

/* ---- hostile rootfs ---- */

static char core_before[4096];

static void hostile_rootfs(void)
{
        make_rootfs();
        sh_or_bail("set -e; cd %s/rootfs; ln -s /proc/sys/kernel/core_pattern dev/null;"
           "ln -s /../../../..%s/outside esc; ln -s /../../etc etclink; ln -s ../../../../etc/passwd "
           "passwdlink",
           tmp, tmp);
        if (!read_text("/proc/sys/kernel/core_pattern", core_before, sizeof(core_before)))
                core_before[0] = '\0';
}

static bool core_pattern_untouched(void)
{
        char now[4096];

        return read_text("/proc/sys/kernel/core_pattern", now, sizeof(now)) && strcmp(now, core_before) == 0;
}

/* A bind whose destination /dev/null is a symlink into procfs must be refused. */
static int child_bind_onto_devnull(void *arg)
{
        char evil[192];
        struct oci_mount mounts[2];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        struct berth_error *err = NULL;
        int r;

        (void)arg;
        snprintf(evil, sizeof(evil), "%s/evil", tmp);
        mounts[0] = mnt("/proc", "proc", "proc", 0, NULL, false);
        mounts[1] = mnt("/dev/null", "bind", evil, 0, NULL, true);
        spec.mounts = mounts;
        spec.n_mounts = 2;
        r = rootfs_prepare(&spec, &o, &err);
        CHECK(r == -EPERM);
        CHECK(err && strstr(err->msg, "procfs"));
        return 0;
}

TEST(hostile_devnull_symlink_as_mount_target)
{
        hostile_rootfs();
        RUN_CHILD(child_bind_onto_devnull, NULL);
        ASSERT_TRUE(core_pattern_untouched());
}

/* A device node where the image put a symlink must be refused, not created through it. */
static int child_device_over_symlink(void *arg)
{
        struct oci_device devs[1] = {{.path = "/dev/null", .type = 'c', .major = 1, .minor = 3}};
        struct oci_mount mounts[1];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        struct berth_error *err = NULL;

        (void)arg;
        mounts[0] = mnt("/proc", "proc", "proc", 0, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = 1;
        spec.devices = devs;
        spec.n_devices = 1;
        CHECK(rootfs_prepare(&spec, &o, &err) == -EEXIST);
        CHECK(err && strstr(err->msg, "symlink"));
        return 0;
}

TEST(hostile_devnull_symlink_as_device)
{
        char p[256];
        struct stat st;

        hostile_rootfs();
        RUN_CHILD(child_device_over_symlink, NULL);
        ASSERT_TRUE(core_pattern_untouched());
        snprintf(p, sizeof(p), "%s/dev/null", rootfs);
        ASSERT_OK(lstat(p, &st));
        ASSERT_TRUE(S_ISLNK(st.st_mode));
}

/* Masking with a /dev/null that is a symlink to core_pattern must fail, never bind core_pattern. */
static char *mask_secret[] = {"/etc/secret", NULL};

static int child_mask_with_fake_devnull(void *arg)
{
        struct oci_mount mounts[1];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        struct berth_error *e = NULL;
        struct statfs sfs;
        char buf[64];

        (void)arg;
        mounts[0] = mnt("/proc", "proc", "proc", 0, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = 1;
        spec.masked_paths = mask_secret;
        CHECK_BERTH(rootfs_prepare(&spec, &o, &err));
        CHECK_BERTH(rootfs_pivot(&spec, &o, &err));
        CHECK(rootfs_finalize(&spec, &e) == -EPERM);
        CHECK(e && strstr(e->msg, "1:3"));
        CHECK(statfs("/etc/secret", &sfs) == 0 && sfs.f_type != PROC_SUPER_MAGIC);
        CHECK(read_text("/etc/secret", buf, sizeof(buf)) && strcmp(buf, "secret\n") == 0);
        return 0;
}

TEST(hostile_devnull_symlink_when_masking)
{
        hostile_rootfs();
        RUN_CHILD(child_mask_with_fake_devnull, NULL);
        ASSERT_TRUE(core_pattern_untouched());
}

/* Destinations through "/../.." symlinks and mkdir through them stay inside the rootfs. */
static int child_escape(void *arg)
{
        char evil[192], p[256], buf[4096], passwd_before[4096];
        struct oci_mount mounts[3];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        struct stat etc_before, etc_after, pw_before, pw_after;
        struct statfs sfs;

        (void)arg;
        snprintf(evil, sizeof(evil), "%s/evil", tmp);
        mounts[0] = mnt("/esc/sub", "tmpfs", "tmpfs", 0, NULL, false);
        mounts[1] = mnt("/etclink", "tmpfs", "tmpfs", 0, NULL, false);
        mounts[2] = mnt("/passwdlink", "bind", evil, 0, NULL, true);
        spec.mounts = mounts;
        spec.n_mounts = 3;
        CHECK(stat("/etc", &etc_before) == 0 && stat("/etc/passwd", &pw_before) == 0);
        CHECK(read_text("/etc/passwd", passwd_before, sizeof(passwd_before)));
        CHECK_BERTH(rootfs_prepare(&spec, &o, &err));
        /* Still before the pivot: this child sees the host's tree, which must be as it was. */
        CHECK(stat("/etc", &etc_after) == 0 && etc_after.st_dev == etc_before.st_dev &&
              etc_after.st_ino == etc_before.st_ino);
        CHECK(stat("/etc/passwd", &pw_after) == 0 && pw_after.st_dev == pw_before.st_dev &&
              pw_after.st_ino == pw_before.st_ino);
        CHECK(read_text("/etc/passwd", buf, sizeof(buf)) && strcmp(buf, passwd_before) == 0);
        CHECK(statfs("/etc", &sfs) == 0 && sfs.f_type != TMPFS_MAGIC);
        /* ...and the mounts landed inside the rootfs. */
        snprintf(p, sizeof(p), "%s/etc", rootfs);
        CHECK(statfs(p, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC);
        snprintf(p, sizeof(p), "%s%s/outside/sub", rootfs, tmp);
        CHECK(statfs(p, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC);
        return 0;
}

TEST(hostile_symlinks_out_of_rootfs)
{
        char p[256];
        struct stat st;

        hostile_rootfs();
        RUN_CHILD(child_escape, NULL);
        snprintf(p, sizeof(p), "%s/outside", tmp);
        ASSERT_TRUE(lstat(p, &st) < 0 && errno == ENOENT);
        ASSERT_TRUE(core_pattern_untouched());
}

/* A sysfs target reached through a symlink from outside /sys is refused too. */
static int child_sysfs_symlink(void *arg)
{
        struct oci_mount mounts[2];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        struct berth_error *err = NULL;

        (void)arg;
        mounts[0] = mnt("/sys", "sysfs", "sysfs", MS_RDONLY, NULL, false);
        mounts[1] = mnt("/kernel-knob", "tmpfs", "tmpfs", 0, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = 2;
        CHECK(rootfs_prepare(&spec, &o, &err) == -EPERM);
        CHECK(err && strstr(err->msg, "sysfs"));
        return 0;
}

TEST(hostile_symlink_into_sysfs)
{
        make_rootfs();
        sh_or_bail("ln -s /sys/kernel %s/kernel-knob", rootfs);
        RUN_CHILD(child_sysfs_symlink, NULL);
}

/* ---- a user namespace: no mknod, locked mount flags, sysfs only by rbind ---- */

static char *userns_masked[] = {"/etc/secret", NULL};
static char *userns_readonly[] = {"/proc/sys", NULL};

static int userns_scenario(void)
{
        struct oci_mount mounts[5];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        char type[64], opts[512], buf[64];
        struct stat st;

        mounts[0] = mnt("/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, false);
        mounts[1] = mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755", false);
        mounts[2] = mnt("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL, false);
        mounts[3] = mnt("/data", "bind", "hostdata", MS_NOSUID, NULL, true);
        mounts[4] = mnt("/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NODEV, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = 5;
        spec.namespaces[OCI_NS_USER].present = true;
        spec.namespaces[OCI_NS_PID].present = true;
        spec.masked_paths = userns_masked;
        spec.readonly_paths = userns_readonly;
        spec.root_readonly = true;
        CHECK(chdir(tmp) == 0);
        CHECK_BERTH(rootfs_prepare(&spec, &o, &err));
        CHECK_BERTH(rootfs_pivot(&spec, &o, &err));
        CHECK_BERTH(rootfs_finalize(&spec, &err));
        /* Device nodes are the host's, bound onto files. */
        CHECK(is_chardev("/dev/null", 1, 3) && is_chardev("/dev/urandom", 1, 9));
        CHECK(mountinfo_find("/dev/null", type, opts));
        CHECK(mountinfo_find("/sys", type, opts) && strcmp(type, "sysfs") == 0 && has_opt(opts, "ro"));
        CHECK(stat("/sys/kernel", &st) == 0);
        CHECK(read_text("/etc/secret", buf, sizeof(buf)) && buf[0] == '\0');
        CHECK(open_fails_with("/newfile", O_WRONLY | O_CREAT, EROFS));
        CHECK(open_fails_with("/proc/sys/kernel/hostname", O_WRONLY, EROFS));
        CHECK(mountinfo_find("/data", type, opts) && has_opt(opts, "nosuid") && has_opt(opts, "rw"));
        return 0;
}

/* Becomes root of a new user namespace (mapped to the host's root) with its own mount and pid namespaces. */
static int child_userns(void *arg)
{
        int status;
        pid_t pid;

        (void)arg;
        CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) == 0);
        {
                _cleanup_close_ int fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
                CHECK(fd >= 0 && write(fd, "deny", 4) == 4);
        }
        {
                _cleanup_close_ int u = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
                _cleanup_close_ int g = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
                CHECK(u >= 0 && write(u, "0 0 1", 5) == 5);
                CHECK(g >= 0 && write(g, "0 0 1", 5) == 5);
        }
        pid = fork(); /* pid 1 of the new pid namespace, so proc may be mounted */
        CHECK(pid >= 0);
        if (pid == 0)
                _exit(userns_scenario());
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        return WEXITSTATUS(status);
}

TEST(user_namespace_container)
{
        make_rootfs();
        RUN_CHILD(child_userns, NULL);
}

/* rootfsPropagation "shared": pivot_root still works, and nothing leaks into the host's mounts. */
static int child_shared(void *arg)
{
        struct oci_mount mounts[2];
        struct oci_spec spec = {0};
        struct rootfs_options o = {.rootfs = rootfs};
        char type[64], opts[512], line[1024];
        bool shared = false;

        (void)arg;
        mounts[0] = mnt("/proc", "proc", "proc", 0, NULL, false);
        mounts[1] = mnt("/dev", "tmpfs", "tmpfs", 0, NULL, false);
        spec.mounts = mounts;
        spec.n_mounts = 2;
        spec.rootfs_propagation = MS_SHARED;
        /* Like a systemd host: every mount shared (here only in this child's namespace). */
        CHECK(mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL) == 0);
        CHECK_BERTH(rootfs_prepare(&spec, &o, &err));
        CHECK_BERTH(rootfs_pivot(&spec, &o, &err));
        CHECK_BERTH(rootfs_finalize(&spec, &err));
        CHECK(mountinfo_find("/dev", type, opts) && strcmp(type, "tmpfs") == 0);
        {
                _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
                CHECK(f);
                while (fgets(line, sizeof(line), f))
                        if (strstr(line, " / r") && strstr(line, " shared:"))
                                shared = true;
        }
        CHECK(shared);
        return 0;
}

TEST(shared_rootfs_propagation)
{
        char info[65536] = "";

        make_rootfs();
        RUN_CHILD(child_shared, NULL);
        ASSERT_TRUE(read_text("/proc/self/mountinfo", info, sizeof(info)));
        ASSERT_TRUE(strstr(info, tmp) == NULL);
}

/* The same attacks against chase_at's user-space walk (kernels without openat2). */
TEST(hostile_scenarios_with_chase_fallback)
{
        chase_set_force_fallback(true);
        hostile_rootfs();
        RUN_CHILD(child_bind_onto_devnull, NULL);
        hostile_rootfs();
        RUN_CHILD(child_device_over_symlink, NULL);
        hostile_rootfs();
        RUN_CHILD(child_mask_with_fake_devnull, NULL);
        hostile_rootfs();
        RUN_CHILD(child_escape, NULL);
        ASSERT_TRUE(core_pattern_untouched());
        make_rootfs();
        RUN_CHILD(child_full, NULL);
        chase_set_force_fallback(false);
}

/* ---- pure helpers (no privilege) ---- */

TEST(path_prefix_rules)
{
        ASSERT_TRUE(mount_path_under("/proc", "proc"));
        ASSERT_TRUE(mount_path_under("//proc/sys/", "proc"));
        ASSERT_TRUE(mount_path_under("/./proc/./sys", "proc"));
        ASSERT_TRUE(mount_path_under("proc", "proc"));
        ASSERT_TRUE(!mount_path_under("/procx", "proc"));
        ASSERT_TRUE(!mount_path_under("/dev/null", "proc"));
        ASSERT_TRUE(!mount_path_under("/proc/../dev/null", "proc"));
        ASSERT_TRUE(!mount_path_under("/../proc", "proc"));
        ASSERT_TRUE(mount_path_is("/dev/", "dev"));
        ASSERT_TRUE(mount_path_is("//dev/.", "dev"));
        ASSERT_TRUE(!mount_path_is("/dev/pts", "dev"));
        ASSERT_TRUE(mount_path_is("/dev/pts", "dev/pts"));
}

int main(void)
{
        RUN(path_prefix_rules);
        if (geteuid() != 0 || access("/bin/busybox", X_OK) < 0) {
                printf("# SKIP the container scenarios: need root and /bin/busybox (busybox-static)\n");
                TAP_DONE();
        }
        snprintf(tmp, sizeof(tmp), "/tmp/berth-test-rootfs-XXXXXX");
        if (!mkdtemp(tmp)) {
                printf("Bail out! mkdtemp: %m\n");
                return 1;
        }
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", tmp);
        RUN(docker_like_container);
        RUN(docker_like_container_no_pivot);
        RUN(hostile_devnull_symlink_as_mount_target);
        RUN(hostile_devnull_symlink_as_device);
        RUN(hostile_devnull_symlink_when_masking);
        RUN(hostile_symlinks_out_of_rootfs);
        RUN(hostile_symlink_into_sysfs);
        RUN(hostile_scenarios_with_chase_fallback);
        RUN(user_namespace_container);
        RUN(shared_rootfs_propagation);
        sh_or_bail("rm -rf %s", tmp);
        TAP_DONE();
}
