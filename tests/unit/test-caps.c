/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capabilities are applied in a forked child (they cannot be undone), which
 * reports the result of the calls and its /proc/self/status sets through a
 * pipe. Needs root to hold the capabilities it then drops.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/caps.h"
#include "tap.h"

#define BIT(c) ((uint64_t)1 << (c))

struct child_report {
        int r;
        char msg[512];
        uint64_t inh, prm, eff, bnd, amb;
};

static uint64_t status_field(const char *key)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        size_t n = strlen(key);

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, key, n) == 0 && line[n] == ':')
                        return strtoull(line + n + 1, NULL, 16);
        return UINT64_MAX;
}

/*
 * Runs bounding then caps_apply in a child (and caps_apply(then) after it, if
 * given) and fills *rep. Returns 0 if the child reported.
 */
static int run_child2(const struct oci_caps *caps, const struct oci_caps *then, struct child_report *rep)
{
        int p[2], status;
        pid_t pid;
        ssize_t n;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct berth_error *err = NULL;
                struct child_report c = {};

                close(p[0]);
                c.r = caps_apply_bounding(caps, &err);
                if (c.r >= 0)
                        c.r = caps_apply(caps, &err);
                if (c.r >= 0 && then)
                        c.r = caps_apply(then, &err);
                if (err)
                        snprintf(c.msg, sizeof(c.msg), "%s", err->msg);
                c.inh = status_field("CapInh");
                c.prm = status_field("CapPrm");
                c.eff = status_field("CapEff");
                c.bnd = status_field("CapBnd");
                c.amb = status_field("CapAmb");
                n = write(p[1], &c, sizeof(c));
                _exit(n == sizeof(c) ? 0 : 1);
        }
        close(p[1]);
        n = read(p[0], rep, sizeof(*rep));
        close(p[0]);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ECHILD;
        return n == sizeof(*rep) ? 0 : -EIO;
}

static int run_child(const struct oci_caps *caps, struct child_report *rep)
{
        return run_child2(caps, NULL, rep);
}

TEST(last_cap_matches_proc)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int v = -1;

        ASSERT_TRUE(f);
        ASSERT_EQ(fscanf(f, "%d", &v), 1);
        ASSERT_EQ(caps_last_cap(), v);
        /* Cached: the same answer again. */
        ASSERT_EQ(caps_last_cap(), v);
        ASSERT_TRUE(v >= CAP_AUDIT_READ);
        /* The kernel agrees: the last cap is readable, the next one is not. */
        ASSERT_TRUE(prctl(PR_CAPBSET_READ, (unsigned long)v, 0, 0, 0) >= 0);
        ASSERT_TRUE(prctl(PR_CAPBSET_READ, (unsigned long)v + 1, 0, 0, 0) < 0);
}

TEST(small_set)
{
        struct oci_caps caps = {
            .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .effective = BIT(CAP_CHOWN),
            .permitted = BIT(CAP_CHOWN),
            .inheritable = 0,
            .ambient = 0,
        };
        struct child_report rep = {};

        ASSERT_OK(run_child(&caps, &rep));
        if (rep.r < 0)
                TAP_FAIL("child failed: %s", rep.msg);
        ASSERT_EQ(rep.bnd, BIT(CAP_CHOWN) | BIT(CAP_KILL));
        ASSERT_EQ(rep.eff, BIT(CAP_CHOWN));
        ASSERT_EQ(rep.prm, BIT(CAP_CHOWN));
        ASSERT_EQ(rep.inh, 0);
        ASSERT_EQ(rep.amb, 0);
}

TEST(caps_above_last_are_ignored)
{
        struct oci_caps caps = {
            .bounding = BIT(CAP_CHOWN) | BIT(63),
            .effective = BIT(CAP_CHOWN) | BIT(63),
            .permitted = BIT(CAP_CHOWN) | BIT(63),
            .inheritable = BIT(63),
            .ambient = BIT(63),
        };
        struct child_report rep = {};

        ASSERT_TRUE(caps_last_cap() < 63);
        ASSERT_OK(run_child(&caps, &rep));
        if (rep.r < 0)
                TAP_FAIL("child failed: %s", rep.msg);
        ASSERT_EQ(rep.bnd, BIT(CAP_CHOWN));
        ASSERT_EQ(rep.eff, BIT(CAP_CHOWN));
        ASSERT_EQ(rep.amb, 0);
}

TEST(ambient_raised)
{
        struct oci_caps caps = {
            .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .inheritable = BIT(CAP_KILL),
            .ambient = BIT(CAP_KILL),
        };
        struct child_report rep = {};

        ASSERT_OK(run_child(&caps, &rep));
        if (rep.r < 0)
                TAP_FAIL("child failed: %s", rep.msg);
        ASSERT_EQ(rep.inh, BIT(CAP_KILL));
        ASSERT_EQ(rep.amb, BIT(CAP_KILL));
}

/* As runc: an ambient cap that is not also inheritable is skipped, not an error. */
TEST(ambient_without_inheritable_is_skipped)
{
        struct oci_caps caps = {
            .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .permitted = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .inheritable = BIT(CAP_CHOWN),
            .ambient = BIT(CAP_KILL),
        };
        struct child_report rep = {};

        ASSERT_OK(run_child(&caps, &rep));
        if (rep.r < 0)
                TAP_FAIL("child failed: %s", rep.msg);
        ASSERT_EQ(rep.inh, BIT(CAP_CHOWN));
        ASSERT_EQ(rep.amb, 0);
}

TEST(permitted_cannot_grow)
{
        struct oci_caps first = {
            .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
            .effective = BIT(CAP_CHOWN),
            .permitted = BIT(CAP_CHOWN),
        };
        struct oci_caps then = first;
        struct child_report rep = {};

        then.permitted |= BIT(CAP_KILL);
        ASSERT_OK(run_child2(&first, &then, &rep));
        ASSERT_EQ(rep.r, -EPERM);
        if (!strstr(rep.msg, "capset"))
                TAP_FAIL("unexpected error: %s", rep.msg);
        ASSERT_EQ(rep.prm, BIT(CAP_CHOWN));
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        RUN(last_cap_matches_proc);
        RUN(small_set);
        RUN(caps_above_last_are_ignored);
        RUN(ambient_raised);
        RUN(ambient_without_inheritable_is_skipped);
        RUN(permitted_cannot_grow);
        TAP_DONE();
}
