/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chase_at against a hostile tree: absolute symlinks, ".." escapes, loops,
 * CHASE_MKDIR through symlinks. Every test runs twice: through openat2 and
 * through the forced user-space walk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/xalloc.h"
#include "tap.h"
#include "test-util.h"

static char tmp[64];  /* the test's own directory */
static char root[96]; /* tmp/root: the "container" root */
static char outside[96];
static int root_fd = -EBADF;
static int created; /* a counter for unique names across both runs */


/*
 * root/etc/marker            a file that exists only inside
 * root/abs -> /etc           absolute symlink: must land on root/etc
 * root/up -> ../../..        climbs: clamped at root
 * root/up2 -> ../../../../etc
 * root/a/b/rel -> ../../etc  a relative link that stays inside
 * root/loop1 <-> root/loop2, root/self -> self
 * root/file                  a regular file
 * tmp/outside/secret         a host file next to root (reachable only by escaping)
 */
static void setup(void)
{
        snprintf(tmp, sizeof(tmp), "/tmp/berth-test-chase-XXXXXX");
        if (!mkdtemp(tmp)) {
                printf("Bail out! mkdtemp: %m\n");
                exit(1);
        }
        snprintf(root, sizeof(root), "%s/root", tmp);
        snprintf(outside, sizeof(outside), "%s/outside", tmp);
        sh_or_bail("set -e; cd %s; mkdir -p root/etc root/a/b outside; echo in > root/etc/marker;"
           "echo host > outside/secret; touch root/file;"
           "ln -s /etc root/abs; ln -s ../../.. root/up; ln -s ../../../../etc root/up2;"
           "ln -s ../../etc root/a/b/rel; ln -s loop2 root/loop1; ln -s loop1 root/loop2;"
           "ln -s self root/self; ln -s ../outside root/dotdot-out; ln -s %s root/hostabs",
           tmp, outside);
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                printf("Bail out! open root: %m\n");
                exit(1);
        }
}

static int chase(const char *path, unsigned flags, int *fd)
{
        _cleanup_error_ struct berth_error *e = NULL;
        int r = chase_at(root_fd, path, flags, fd, &e);

        if (r < 0 && !e)
                return -9999; /* failure without an error object: a bug too */
        if (r >= 0 && e)
                return -9998;
        return r;
}

/* Whether fd is the same inode as root/rel. */
static bool is_inside(int fd, const char *rel)
{
        char p[512];
        struct stat a, b;

        snprintf(p, sizeof(p), "%s/%s", root, rel);
        return fstat(fd, &a) == 0 && lstat(p, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool host_exists(const char *dir, const char *name)
{
        char p[256];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return lstat(p, &st) == 0;
}

#define DUAL(name)                                                                                          \
        static void name##_body(void);                                                                      \
        TEST(name##_openat2)                                                                                \
        {                                                                                                   \
                chase_set_force_fallback(false);                                                            \
                name##_body();                                                                              \
        }                                                                                                   \
        TEST(name##_fallback)                                                                               \
        {                                                                                                   \
                chase_set_force_fallback(true);                                                             \
                name##_body();                                                                              \
                chase_set_force_fallback(false);                                                            \
        }                                                                                                   \
        static void name##_body(void)

DUAL(absolute_symlink_stays_inside)
{
        _cleanup_close_ int fd = -EBADF, fd2 = -EBADF, fd3 = -EBADF;

        ASSERT_OK(chase("/abs/marker", 0, &fd));
        ASSERT_TRUE(is_inside(fd, "etc/marker"));
        ASSERT_OK(chase("/etc", 0, &fd2));
        ASSERT_TRUE(is_inside(fd2, "etc"));
        /* The host's /etc/passwd is not in root/etc. */
        ASSERT_EQ(chase("/abs/passwd", 0, &fd3), -ENOENT);
}

DUAL(dotdot_is_clamped)
{
        _cleanup_close_ int a = -EBADF, b = -EBADF, c = -EBADF, d = -EBADF, e = -EBADF;

        ASSERT_OK(chase("/../../../etc/marker", 0, &a));
        ASSERT_TRUE(is_inside(a, "etc/marker"));
        ASSERT_OK(chase("up", 0, &b));
        ASSERT_TRUE(is_inside(b, "."));
        ASSERT_OK(chase("up/etc/marker", 0, &c));
        ASSERT_TRUE(is_inside(c, "etc/marker"));
        ASSERT_OK(chase("up2/marker", 0, &d));
        ASSERT_TRUE(is_inside(d, "etc/marker"));
        ASSERT_OK(chase("a/b/rel/marker", 0, &e));
        ASSERT_TRUE(is_inside(e, "etc/marker"));
}

DUAL(no_escape_to_siblings)
{
        _cleanup_close_ int fd = -EBADF;

        /* ../outside from root must not reach tmp/outside. */
        ASSERT_EQ(chase("dotdot-out/secret", 0, &fd), -ENOENT);
        ASSERT_EQ(chase("/../outside/secret", 0, &fd), -ENOENT);
        /* An absolute link naming the host path of tmp/outside is read inside root. */
        ASSERT_EQ(chase("hostabs/secret", 0, &fd), -ENOENT);
}

DUAL(symlink_loops)
{
        _cleanup_close_ int fd = -EBADF;

        ASSERT_EQ(chase("loop1", 0, &fd), -ELOOP);
        ASSERT_EQ(chase("self/x", 0, &fd), -ELOOP);
        ASSERT_EQ(chase("loop1", CHASE_MKDIR, &fd), -ELOOP);
}

DUAL(nofollow_and_errors)
{
        _cleanup_close_ int a = -EBADF, b = -EBADF;
        struct stat st;

        ASSERT_OK(chase("abs", CHASE_NOFOLLOW, &a));
        ASSERT_OK(fstatat(a, "", &st, AT_EMPTY_PATH));
        ASSERT_TRUE(S_ISLNK(st.st_mode));
        /* NOFOLLOW is about the last component only. */
        ASSERT_OK(chase("abs/marker", CHASE_NOFOLLOW, &b));
        ASSERT_TRUE(is_inside(b, "etc/marker"));
        ASSERT_EQ(chase("missing", 0, &a), -ENOENT);
        ASSERT_EQ(chase("file/x", 0, &a), -ENOTDIR);
}

DUAL(mkdir_through_symlinks_stays_inside)
{
        _cleanup_close_ int a = -EBADF, b = -EBADF, c = -EBADF, d = -EBADF;
        char name[64], rel[256];
        struct stat st;
        int n = created++;

        /* root/tmp-link -> /../../<tmp>/outside/made-N: the walk must create it under root. */
        snprintf(name, sizeof(name), "esc%d", n);
        sh_or_bail("ln -s /../../..%s/outside/made%d %s/%s", tmp, n, root, name);
        snprintf(rel, sizeof(rel), "%s/sub/dir", name);
        ASSERT_OK(chase(rel, CHASE_MKDIR, &a));
        ASSERT_TRUE(!host_exists(outside, "made0") && !host_exists(outside, "made1"));
        snprintf(rel, sizeof(rel), ".%s/outside/made%d/sub/dir", tmp, n);
        ASSERT_TRUE(is_inside(a, rel));
        ASSERT_OK(fstat(a, &st));
        ASSERT_TRUE(S_ISDIR(st.st_mode));

        /* Through "..": up/../newfileN is root/newfileN, created as a file. */
        snprintf(rel, sizeof(rel), "up/../../newfile%d", n);
        ASSERT_OK(chase(rel, CHASE_MKDIR | CHASE_MKFILE_LAST, &b));
        snprintf(rel, sizeof(rel), "newfile%d", n);
        ASSERT_TRUE(is_inside(b, rel));
        ASSERT_OK(fstat(b, &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));

        /* An absolute link to /etc: mkdir lands in root/etc. */
        snprintf(rel, sizeof(rel), "/abs/made%d", n);
        ASSERT_OK(chase(rel, CHASE_MKDIR, &c));
        snprintf(rel, sizeof(rel), "etc/made%d", n);
        ASSERT_TRUE(is_inside(c, rel));
        ASSERT_TRUE(!host_exists("/etc", "made0") && !host_exists("/etc", "made1"));

        /* Existing path: no creation, same inode. */
        ASSERT_OK(chase("etc/marker", CHASE_MKDIR | CHASE_MKFILE_LAST, &d));
        ASSERT_TRUE(is_inside(d, "etc/marker"));
}

DUAL(fd_reopen_works)
{
        _cleanup_close_ int a = -EBADF, b = -EBADF;
        char buf[8] = {0};

        ASSERT_OK(chase("/abs/marker", 0, &a));
        b = fd_reopen(a, O_RDONLY, NULL);
        ASSERT_OK(b);
        ASSERT_EQ(read(b, buf, sizeof(buf) - 1), 3);
        ASSERT_STREQ(buf, "in\n");
}

int main(void)
{
        setup();
        RUN(absolute_symlink_stays_inside_openat2);
        RUN(absolute_symlink_stays_inside_fallback);
        RUN(dotdot_is_clamped_openat2);
        RUN(dotdot_is_clamped_fallback);
        RUN(no_escape_to_siblings_openat2);
        RUN(no_escape_to_siblings_fallback);
        RUN(symlink_loops_openat2);
        RUN(symlink_loops_fallback);
        RUN(nofollow_and_errors_openat2);
        RUN(nofollow_and_errors_fallback);
        RUN(mkdir_through_symlinks_stays_inside_openat2);
        RUN(mkdir_through_symlinks_stays_inside_fallback);
        RUN(fd_reopen_works_openat2);
        RUN(fd_reopen_works_fallback);
        closep(&root_fd);
        sh_or_bail("rm -rf %s", tmp);
        TAP_DONE();
}
