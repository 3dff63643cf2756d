/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup module against the real kernel (suite 'priv': needs root).
 * Limits are read back from the cgroupfs files themselves, not from our
 * own structures, so a write that silently went nowhere fails here.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "runtime/cgroup-internal.h"
#include "runtime/cgroup.h"
#include "tap.h"

static enum cgroup_mode mode;

static void cgroup_cleanup(struct cgroup **cg)
{
        if (!*cg)
                return;
        (void)cgroup_kill_all(*cg, SIGKILL, NULL);
        (void)cgroup_destroy(*cg, NULL);
        *cg = cgroup_free(*cg);
}
#define _cleanup_cgroup_ _cleanup_(cgroup_cleanup)

static void resources_cleanup(struct cgroup_resources **r)
{
        *r = cgroup_resources_free(*r);
}
#define _cleanup_res_ _cleanup_(resources_cleanup)

static void error_cleanup(struct berth_error **e)
{
        *e = berth_error_free(*e);
}

/* Reads a cgroupfs file, without the trailing newline; NULL if it cannot be read. */
static char *readf(const char *dir, const char *file)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        char *buf = NULL;

        if (read_file_at(AT_FDCWD, p, 1 << 16, &buf, NULL, NULL) < 0)
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
}

static bool exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        return access(p, F_OK) == 0;
}

static pid_t fork_sleeper(void)
{
        pid_t pid = fork();

        if (pid == 0) {
                for (;;)
                        pause();
        }
        return pid;
}

static int parse_str(const char *json, struct cgroup_resources **ret, struct berth_error **err)
{
        json_t *j = json_loads(json, 0, NULL);
        int r;

        if (!j)
                return -EBADMSG;
        r = cgroup_resources_parse(j, ret, err);
        json_decref(j);
        return r;
}

/* ---- cgroupsPath mapping and validation ---- */

static int map(const char *path, bool systemd, char **ret, struct berth_error **err)
{
        return cgroup_path_from_spec("ctr1", path, systemd, ret, err);
}

TEST(test_path_mapping)
{
        static const struct {
                const char *in;
                bool systemd;
                const char *out;
        } ok[] = {
            {NULL, false, "berth/ctr1"},
            {"", false, "berth/ctr1"},
            {"/docker/ctr1", false, "docker/ctr1"},
            {"//a//./b/", false, "a/b"},
            {"rel/x", false, "berth/rel/x"},
            {"machine.slice:libpod:ctr1", true, "machine.slice/libpod-ctr1.scope"},
            {"user-1000.slice:libpod:ctr1", true, "user.slice/user-1000.slice/libpod-ctr1.scope"},
            {":docker:ctr1", true, "system.slice/docker-ctr1.scope"},
            {"/libpod_parent/ctr1", true, "libpod_parent/ctr1"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                _cleanup_free_ char *out = NULL;
                _cleanup_error_ struct berth_error *err = NULL;
                ASSERT_OK(map(ok[i].in, ok[i].systemd, &out, &err));
                ASSERT_STREQ(out, ok[i].out);
        }
}

TEST(test_path_validation)
{
        static const struct {
                const char *in;
                bool systemd;
                const char *msg;
        } bad[] = {
            {"/a/../b", false, "must not contain \"..\""},
            {"..", false, "must not contain \"..\""},
            {"x/../../etc", false, "must not contain \"..\""},
            {"/", false, "root cgroup"},
            {"machine.slice:libpod", true, "slice:prefix:name"},
            {"machine.slice:libpod:..", true, "invalid cgroupsPath"},
            {"machine.slice:libpod:a/b", true, "invalid cgroupsPath"},
            {"../x.slice:libpod:a", true, "invalid systemd slice"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *out = NULL;
                _cleanup_error_ struct berth_error *err = NULL;
                ASSERT_EQ(map(bad[i].in, bad[i].systemd, &out, &err), -EINVAL);
                ASSERT_TRUE(err && strstr(err->msg, bad[i].msg));
                ASSERT_TRUE(out == NULL);
        }
        {
                _cleanup_free_ char *out = NULL;
                _cleanup_error_ struct berth_error *err = NULL;
                ASSERT_EQ(cgroup_path_from_spec("../x", NULL, false, &out, &err), -EINVAL);
        }
}

/* ---- linux.resources parsing ---- */

TEST(test_parse_full)
{
        _cleanup_res_ struct cgroup_resources *r = NULL;
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(parse_str("{\"memory\":{\"limit\":67108864,\"reservation\":1048576,\"swap\":134217728,"
                            "\"kernel\":-1,\"swappiness\":10,\"disableOOMKiller\":false},"
                            "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0\","
                            "\"mems\":\"0\"},\"pids\":{\"limit\":10},\"blockIO\":{\"weight\":500},"
                            "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
                            "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                            "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"wr\"},"
                            "{\"allow\":true,\"type\":\"b\",\"major\":null,\"minor\":-1}],"
                            "\"unified\":{\"memory.high\":\"max\"},\"network\":{\"classID\":1}}",
                            &r, &err));
        ASSERT_TRUE(r->mem_limit.set && r->mem_limit.v == 67108864);
        ASSERT_EQ(r->mem_swap.v, 134217728);
        ASSERT_EQ(r->mem_swappiness.v, 10);
        ASSERT_EQ(r->cpu_shares.v, 512);
        ASSERT_EQ(r->cpu_quota.v, 50000);
        ASSERT_STREQ(r->cpus, "0");
        ASSERT_EQ(r->pids_limit.v, 10);
        ASSERT_EQ(r->n_hugepages, 1);
        ASSERT_STREQ(r->hugepages[0].page_size, "2MB");
        ASSERT_EQ(r->n_devices, 3);
        ASSERT_EQ(r->devices[0].type, 'a');
        ASSERT_TRUE(!r->devices[0].allow);
        ASSERT_STREQ(r->devices[1].access, "rw");
        ASSERT_EQ(r->devices[1].minor, 3);
        ASSERT_EQ(r->devices[2].major, -1);
        ASSERT_STREQ(r->devices[2].access, "rwm");
        ASSERT_EQ(r->n_unified, 1);
        ASSERT_STREQ(r->unified_keys[0], "memory.high");
}

TEST(test_parse_errors)
{
        static const struct {
                const char *json, *msg;
        } bad[] = {
            {"{\"memory\":{\"limit\":\"64m\"}}", "`linux.resources.memory.limit` must be an integer"},
            {"{\"memory\":[]}", "`linux.resources.memory` must be an object"},
            {"{\"memory\":{\"swappiness\":101}}", "swappiness"},
            {"{\"cpu\":{\"cpus\":0}}", "`linux.resources.cpu.cpus` must be a string"},
            {"{\"cpu\":{\"shares\":-5}}", "must not be negative"},
            {"{\"pids\":{\"limit\":1.5}}", "`linux.resources.pids.limit` must be an integer"},
            {"{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "`linux.resources.devices[0].type`"},
            {"{\"devices\":[{\"type\":\"c\"}]}", "`linux.resources.devices[0].allow` is required"},
            {"{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "access"},
            {"{\"hugepageLimits\":[{\"limit\":1}]}", "pageSize` is required"},
            {"{\"unified\":{\"memory.max\":5}}", "`linux.resources.unified.memory.max` must be a string"},
            {"{\"unified\":{\"../x.max\":\"1\"}}", "invalid key"},
            {"[1]", "`linux.resources` must be an object"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_res_ struct cgroup_resources *r = NULL;
                _cleanup_error_ struct berth_error *err = NULL;
                ASSERT_EQ(parse_str(bad[i].json, &r, &err), -EINVAL);
                if (!err || !strstr(err->msg, bad[i].msg))
                        TAP_FAIL("%s: got `%s`", bad[i].json, err ? err->msg : "(none)");
        }
}

/* ---- the lifecycle on the real cgroupfs ---- */

static char *file_of(struct cgroup *cg, const char *ctl, const char *file)
{
        if (mode == CGROUP_MODE_UNIFIED)
                return readf(cg->unified_dir, file);
        for (size_t i = 0; i < cg->n_h; i++)
                if (streq(cg->h[i].name, ctl))
                        return readf(cg->h[i].dir, file);
        return NULL;
}

static bool in_cgroup(pid_t pid, const char *path)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/cgroup", (int)pid), *buf = NULL, *needle = NULL;

        if (read_file_at(AT_FDCWD, p, 1 << 16, &buf, NULL, NULL) < 0)
                return false;
        needle = xasprintf(":/%s\n", path);
        return strstr(buf, needle) != NULL;
}

static bool all_dirs_gone(struct cgroup *cg)
{
        for (size_t i = 0; i < cg->n_h; i++)
                if (access(cg->h[i].dir, F_OK) == 0)
                        return false;
        return !cg->unified_dir || access(cg->unified_dir, F_OK) < 0;
}

TEST(test_lifecycle)
{
        _cleanup_child_ pid_t child = 0;
        _cleanup_cgroup_ struct cgroup *cg = NULL, *loaded = NULL;
        _cleanup_res_ struct cgroup_resources *r = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-%d", (int)getpid());
        _cleanup_free_ char *v = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        json_t *j;
        size_t n = 0;
        bool frozen = false;
        int status;

        ASSERT_OK(parse_str("{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":10},"
                            "\"cpu\":{\"shares\":512,\"cpus\":\"0\"}}",
                            &r, &err));
        child = fork_sleeper();
        ASSERT_TRUE(child > 0);
        if (cgroup_create(id, NULL, false, r, child, &cg, &err) < 0)
                TAP_FAIL("create: %s", err->msg);
        ASSERT_TRUE(in_cgroup(child, cg->path));

        if (mode == CGROUP_MODE_UNIFIED) {
                ASSERT_STREQ(v = file_of(cg, "memory", "memory.max"), "67108864");
                free(TAKE_PTR(v));
                ASSERT_STREQ(v = file_of(cg, "cpu", "cpu.weight"), "20");
        } else {
                ASSERT_STREQ(v = file_of(cg, "memory", "memory.limit_in_bytes"), "67108864");
                free(TAKE_PTR(v));
                ASSERT_STREQ(v = file_of(cg, "cpu", "cpu.shares"), "512");
        }
        free(TAKE_PTR(v));
        ASSERT_STREQ(v = file_of(cg, "pids", "pids.max"), "10");
        free(TAKE_PTR(v));
        ASSERT_STREQ(v = file_of(cg, "cpuset", "cpuset.cpus"), "0");

        /* A later process (kill, delete) finds the cgroup from the state alone. */
        j = cgroup_to_json(cg);
        ASSERT_OK(cgroup_load(j, &loaded, &err));
        json_decref(j);
        ASSERT_STREQ(loaded->path, cg->path);

        ASSERT_OK(cgroup_freeze(loaded, true, &err));
        ASSERT_OK(cgroup_is_frozen(cg, &frozen, &err));
        ASSERT_TRUE(frozen);
        if (mode != CGROUP_MODE_UNIFIED) {
                free(TAKE_PTR(v));
                ASSERT_STREQ(v = file_of(cg, "freezer", "freezer.state"), "FROZEN");
        }
        ASSERT_OK(cgroup_freeze(loaded, false, &err));
        ASSERT_OK(cgroup_is_frozen(cg, &frozen, &err));
        ASSERT_TRUE(!frozen);

        ASSERT_OK(cgroup_pids(loaded, &pids, &n, &err));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(pids[0], child);

        /* The cgroup is busy while its process lives. */
        ASSERT_EQ(rmdir(cg->h ? cg->h[0].dir : cg->unified_dir), -1);

        ASSERT_OK(cgroup_kill_all(loaded, SIGKILL, &err));
        ASSERT_EQ(waitpid(child, &status, 0), child);
        child = 0;
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ASSERT_OK(cgroup_destroy(loaded, &err));
        ASSERT_TRUE(all_dirs_gone(cg));
        /* Destroying twice is fine (ENOENT). */
        ASSERT_OK(cgroup_destroy(cg, &err));
}

/* The limits of a running cgroup change through cgroup_update, memory and swap in either order. */
TEST(test_update)
{
        _cleanup_cgroup_ struct cgroup *cg = NULL;
        _cleanup_res_ struct cgroup_resources *r1 = NULL, *r2 = NULL, *r3 = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-upd-%d", (int)getpid()), *v = NULL;
        bool v1 = mode != CGROUP_MODE_UNIFIED;

        ASSERT_OK(parse_str("{\"memory\":{\"limit\":67108864,\"swap\":134217728}}", &r1, &err));
        ASSERT_OK(parse_str("{\"memory\":{\"limit\":16777216,\"swap\":33554432},\"pids\":{\"limit\":0}}",
                            &r2, &err));
        ASSERT_OK(parse_str("{\"memory\":{\"limit\":268435456,\"swap\":536870912}}", &r3, &err));
        if (cgroup_create(id, "/berth-test/upd", false, r1, 0, &cg, &err) < 0)
                TAP_FAIL("create: %s", err->msg);
        ASSERT_STREQ(cg->path, "berth-test/upd");
        if (cgroup_update(cg, r2, &err) < 0)
                TAP_FAIL("update down: %s", err->msg);
        ASSERT_STREQ(v = file_of(cg, "memory", v1 ? "memory.limit_in_bytes" : "memory.max"), "16777216");
        free(TAKE_PTR(v));
        ASSERT_STREQ(v = file_of(cg, "pids", "pids.max"), "max");
        free(TAKE_PTR(v));
        if (cgroup_update(cg, r3, &err) < 0)
                TAP_FAIL("update up: %s", err->msg);
        ASSERT_STREQ(v = file_of(cg, "memory", v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max"),
                     v1 ? "536870912" : "268435456");
        ASSERT_OK(cgroup_destroy(cg, &err));
        (void)rmdir("/sys/fs/cgroup/unified/berth-test");
        for (size_t i = 0; i < cg->n_h; i++) {
                _cleanup_free_ char *parent = xasprintf("%s/berth-test", cg->h[i].mount);
                (void)rmdir(parent);
        }
        if (!v1)
                (void)rmdir("/sys/fs/cgroup/berth-test");
}

TEST(test_unavailable)
{
        _cleanup_cgroup_ struct cgroup *cg = NULL;
        _cleanup_res_ struct cgroup_resources *r = NULL, *u = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-na-%d", (int)getpid());

        /* A page size this machine does not have. */
        ASSERT_OK(parse_str("{\"hugepageLimits\":[{\"pageSize\":\"3MB\",\"limit\":0}]}", &r, &err));
        ASSERT_TRUE(cgroup_create(id, NULL, false, r, 0, &cg, &err) < 0);
        ASSERT_TRUE(cg == NULL);
        ASSERT_TRUE(strstr(err->msg, "hugepage size `3MB` is not supported"));
        error_cleanup(&err);
        {
                _cleanup_free_ char *p =
                    xasprintf("/sys/fs/cgroup/%s/berth/%s", mode == CGROUP_MODE_UNIFIED ? "" : "memory", id);
                ASSERT_TRUE(access(p, F_OK) < 0); /* the failed create left nothing behind */
        }
        if (mode == CGROUP_MODE_UNIFIED)
                return;
        /* linux.resources.unified has nowhere to go on v1 controllers. */
        ASSERT_OK(parse_str("{\"unified\":{\"memory.high\":\"max\"}}", &u, &err));
        ASSERT_TRUE(cgroup_create(id, NULL, false, u, 0, &cg, &err) < 0);
        ASSERT_TRUE(strstr(err->msg, "needs cgroup v2"));
}

/* hugetlb: a v1 hierarchy, or on this hybrid layout the unified mount. */
TEST(test_hugetlb)
{
        _cleanup_cgroup_ struct cgroup *cg = NULL;
        _cleanup_res_ struct cgroup_resources *r = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-huge-%d", (int)getpid()), *v = NULL;

        if (access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) < 0)
                return;
        ASSERT_OK(parse_str("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}", &r, &err));
        if (cgroup_create(id, NULL, false, r, 0, &cg, &err) < 0) {
                /* Only acceptable when no hierarchy has hugetlb at all, and then it must say so. */
                ASSERT_TRUE(strstr(err->msg, "cgroup controller `hugetlb` is not available"));
                return;
        }
        if (cg->unified_dir && exists(cg->unified_dir, "hugetlb.2MB.max"))
                v = readf(cg->unified_dir, "hugetlb.2MB.max");
        else
                v = file_of(cg, "hugetlb", "hugetlb.2MB.limit_in_bytes");
        ASSERT_STREQ(v, "4194304");
}

/* A child that opens path with flags once told to, and reports errno as its exit code. */
static pid_t fork_opener(int *ret_go, const char *const *paths, const int *flags, size_t n)
{
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                char c;
                int mask = 0;
                close(p[1]);
                if (read(p[0], &c, 1) != 1)
                        _exit(100);
                for (size_t i = 0; i < n; i++) {
                        int fd = open(paths[i], flags[i] | O_CLOEXEC);
                        if (fd >= 0)
                                mask |= 1 << i;
                        else if (errno != EPERM)
                                _exit(101);
                        close(fd);
                }
                _exit(mask);
        }
        close(p[0]);
        *ret_go = p[1];
        return pid;
}

static int run_opener(pid_t *child, int go)
{
        int status;

        if (write(go, "x", 1) != 1)
                return -1;
        close(go);
        if (waitpid(*child, &status, 0) != *child)
                return -1;
        *child = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *const dev_paths[] = {"/dev/null", "/dev/null", "/dev/zero", "/dev/zero"};
static const int dev_flags[] = {O_RDONLY, O_WRONLY, O_RDONLY, O_RDWR};

/* Deny all, allow /dev/null fully and /dev/zero read-only: last match wins as in the spec. */
static const char devices_json[] =
    "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rw\"},"
    "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"w\"}]}";

TEST(test_devices)
{
        _cleanup_child_ pid_t child = 0;
        _cleanup_cgroup_ struct cgroup *cg = NULL;
        _cleanup_res_ struct cgroup_resources *r = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-dev-%d", (int)getpid()), *list = NULL;
        int go = -1;

        ASSERT_OK(parse_str(devices_json, &r, &err));
        child = fork_opener(&go, dev_paths, dev_flags, ARRAY_SIZE(dev_paths));
        ASSERT_TRUE(child > 0);
        if (cgroup_create(id, NULL, false, r, child, &cg, &err) < 0)
                TAP_FAIL("create: %s", err->msg);
        if (mode != CGROUP_MODE_UNIFIED) {
                _cleanup_free_ char *path = NULL;
                for (size_t i = 0; i < cg->n_h; i++)
                        if (streq(cg->h[i].name, "devices"))
                                path = xasprintf("%s/devices.list", cg->h[i].dir);
                ASSERT_OK(read_file_at(AT_FDCWD, path, 1 << 16, &list, NULL, &err));
                ASSERT_TRUE(list && strstr(list, "c 1:3 rwm") && strstr(list, "c 1:5 r") &&
                            !strstr(list, "a *:*"));
        }
        /* null r, null w, zero r allowed; zero rw denied. */
        ASSERT_EQ(run_opener(&child, go), 0x7);
}

/* The BPF program alone, on any cgroup2 mount (the unified one on hybrid hosts). */
TEST(test_devices_bpf)
{
        _cleanup_child_ pid_t child = 0;
        _cleanup_res_ struct cgroup_resources *r = NULL, *r2 = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        const char *root = mode == CGROUP_MODE_UNIFIED ? CGROUP_ROOT : CGROUP_UNIFIED_HYBRID;
        _cleanup_free_ char *dir =
            xasprintf("%s/berth-test-bpf-%d", mode == CGROUP_MODE_V1 ? "/nonexistent" : root, (int)getpid());
        int go = -1;

        if (mode == CGROUP_MODE_V1)
                return;
        ASSERT_OK(parse_str(devices_json, &r, &err));
        ASSERT_OK(parse_str("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                            "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]}",
                            &r2, &err));
        ASSERT_TRUE(mkdir(dir, 0755) == 0 || errno == EEXIST);
        if (cgroup_bpf_apply_devices(dir, r->devices, r->n_devices, &err) < 0) {
                (void)rmdir(dir);
                TAP_FAIL("bpf: %s", err->msg);
        }
        child = fork_opener(&go, dev_paths, dev_flags, ARRAY_SIZE(dev_paths));
        ASSERT_OK(cgroup_write_pid(dir, child, &err));
        ASSERT_EQ(run_opener(&child, go), 0x7);

        /* Replacing the rules detaches the old program: allow all but writing /dev/null. */
        ASSERT_OK(cgroup_bpf_apply_devices(dir, r2->devices, r2->n_devices, &err));
        child = fork_opener(&go, dev_paths, dev_flags, ARRAY_SIZE(dev_paths));
        ASSERT_OK(cgroup_write_pid(dir, child, &err));
        ASSERT_EQ(run_opener(&child, go), 0xd);
        ASSERT_OK(cgroup_rmdir(dir, &err));
}

/* The container's view: a read-only tmpfs of read-only binds of its own cgroups. */
static int mount_child(struct cgroup *cg, const char *target)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *lim = NULL, *probe = NULL, *buf = NULL;
        const char *limfile = mode == CGROUP_MODE_UNIFIED ? "memory.max" : "memory/memory.limit_in_bytes";
        struct berth_error *err = NULL;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 10;
        fd = open(target, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 11;
        if (cgroup_mount_in_rootfs(cg, fd, true, MS_NOSUID | MS_NODEV | MS_NOEXEC, &err) < 0) {
                printf("# %s\n", err->msg);
                return 12;
        }
        lim = xasprintf("%s/%s", target, limfile);
        if (read_file_at(AT_FDCWD, lim, 4096, &buf, NULL, NULL) < 0 || strncmp(buf, "67108864", 8) != 0)
                return 13;
        if (write_file_at(AT_FDCWD, lim, "1", 1, &err) >= 0 || err->code != EROFS)
                return 14;
        probe = xasprintf("%s/newdir", target);
        if (mode != CGROUP_MODE_UNIFIED) {
                _cleanup_free_ char *link = xasprintf("%s/systemd", target);
                if (mkdir(probe, 0755) == 0 || errno != EROFS)
                        return 15;
                if (access(link, F_OK) < 0 && access("/sys/fs/cgroup/systemd", F_OK) == 0)
                        return 16;
        }
        return 0;
}

TEST(test_mount_in_rootfs)
{
        _cleanup_cgroup_ struct cgroup *cg = NULL;
        _cleanup_res_ struct cgroup_resources *r = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *id = xasprintf("test-cgroup-mnt-%d", (int)getpid());
        char target[] = "/tmp/test-cgroup-mnt-XXXXXX";
        pid_t pid;
        int status;

        ASSERT_OK(parse_str("{\"memory\":{\"limit\":67108864}}", &r, &err));
        if (cgroup_create(id, NULL, false, r, 0, &cg, &err) < 0)
                TAP_FAIL("create: %s", err->msg);
        ASSERT_TRUE(mkdtemp(target));
        fflush(stdout);
        pid = fork();
        if (pid == 0)
                _exit(mount_child(cg, target));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        (void)rmdir(target);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
        struct berth_error *err = NULL;

        RUN(test_path_mapping);
        RUN(test_path_validation);
        RUN(test_parse_full);
        RUN(test_parse_errors);
        if (geteuid() != 0)
                TAP_DONE();
        if (cgroup_mode_detect(&mode, &err) < 0) {
                printf("# %s\n", err->msg);
                TAP_SKIP_ALL("no usable cgroupfs");
        }
        RUN(test_lifecycle);
        RUN(test_update);
        RUN(test_unavailable);
        RUN(test_hugetlb);
        RUN(test_devices);
        RUN(test_devices_bpf);
        RUN(test_mount_in_rootfs);
        TAP_DONE();
}
