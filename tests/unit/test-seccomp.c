/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles are compiled here and loaded in forked children (a filter cannot
 * be removed). A child runs a probe and exits with 0, or with the number of
 * the check that failed, or with 100 + errno if the load itself failed.
 * Loading without no_new_privs needs CAP_SYS_ADMIN: suite 'priv'.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "runtime/seccomp.h"
#include "tap.h"

static void seccomp_freep(struct berth_seccomp **s)
{
        *s = berth_seccomp_free(*s);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_freep)

static struct berth_seccomp *compile_str(const char *text, int *ret_r, char **ret_msg)
{
        _cleanup_json_ json_t *j = json_loads(text, 0, NULL);
        _cleanup_error_ struct berth_error *err = NULL;
        struct berth_seccomp *s = NULL;

        if (!j) {
                *ret_r = -EBADMSG;
                return NULL;
        }
        *ret_r = berth_seccomp_compile(j, &s, &err);
        if (ret_msg)
                *ret_msg = err ? strdup(err->msg) : NULL;
        return s;
}

/* Loads s in a child and runs probe there; returns the child's wait status. */
static int run_child(const struct berth_seccomp *s, int (*probe)(void))
{
        int status = -1;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct berth_error *err = NULL;
                int r = berth_seccomp_load(s, &err);
                if (r < 0)
                        _exit(100 + (-r & 0x7f));
                _exit(probe());
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return status;
}

#define ASSERT_CHILD_OK(s, probe)                                                                           \
        do {                                                                                                \
                int _st = run_child((s), (probe));                                                          \
                if (!WIFEXITED(_st) || WEXITSTATUS(_st) != 0)                                               \
                        TAP_FAIL("child status %#x (exit %d, signal %d)", _st,                              \
                                 WIFEXITED(_st) ? WEXITSTATUS(_st) : -1,                                    \
                                 WIFSIGNALED(_st) ? WTERMSIG(_st) : -1);                                    \
        } while (0)

static int probe_mkdir_errno(void)
{
        if (syscall(SYS_getpid) != getpid() || getpid() <= 0)
                return 1;
        errno = 0;
        if (mkdir("/tmp/berth-test-seccomp-dir", 0700) == 0 || errno != EOPNOTSUPP)
                return 2;
        errno = 0;
        if (mkdirat(AT_FDCWD, "/tmp/berth-test-seccomp-dir", 0700) == 0 || errno != EOPNOTSUPP)
                return 3;
        return 0;
}

TEST(errno_rule)
{
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r;

        s = compile_str(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
            "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
            "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":95}]}",
            &r, NULL);
        ASSERT_OK(r);
        ASSERT_CHILD_OK(s, probe_mkdir_errno);
}

static int probe_personality(void)
{
        errno = 0;
        if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EPERM)
                return 1;
        /* Other values pass: 0 (PER_LINUX) returns the previous persona. */
        if (syscall(SYS_personality, 0UL) < 0)
                return 2;
        /* Two conditions on the same argument are ORed: both 0x20008 and 0x0400000 are refused. */
        errno = 0;
        if (syscall(SYS_personality, 0x20008UL) != -1 || errno != EACCES)
                return 3;
        errno = 0;
        if (syscall(SYS_personality, 0x0400000UL) != -1 || errno != EACCES)
                return 4;
        /* MASKED_EQ on umask's arg0: (mode & 0700) == 0700 is refused, others pass. */
        errno = 0;
        if (syscall(SYS_umask, 0777UL) != -1 || errno != EROFS)
                return 5;
        if (syscall(SYS_umask, 0022UL) < 0)
                return 6;
        return 0;
}

TEST(argument_conditions)
{
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r;

        s = compile_str(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
            "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
            " \"args\":[{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
            "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
            " \"args\":[{\"index\":0,\"value\":131080,\"op\":\"SCMP_CMP_EQ\"},"
            "           {\"index\":0,\"value\":4194304,\"op\":\"SCMP_CMP_EQ\"}]},"
            "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":30,"
            " \"args\":[{\"index\":0,\"value\":448,\"valueTwo\":448,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}",
            &r, NULL);
        ASSERT_OK(r);
        ASSERT_CHILD_OK(s, probe_personality);
}

static int probe_allow_list(void)
{
        if (syscall(SYS_getpid) <= 0)
                return 1;
        errno = 0;
        if (syscall(SYS_getppid) != -1 || errno != EPERM)
                return 2;
        errno = 0;
        if (syscall(SYS_getuid) != -1 || errno != ENOSYS)
                return 3;
        return 0;
}

TEST(default_errno_allow_list)
{
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r;

        /* defaultErrnoRet absent: EPERM. getuid gets its own errno to show rule order does not matter. */
        s = compile_str("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
                        "{\"names\":[\"getpid\",\"exit\",\"exit_group\",\"rt_sigreturn\",\"write\","
                        /* what a sanitizer runtime may call in the child */
                        "\"sigaltstack\",\"mmap\",\"munmap\",\"mprotect\",\"madvise\",\"rt_sigaction\","
                        "\"rt_sigprocmask\",\"brk\",\"futex\",\"gettid\",\"prctl\",\"read\",\"close\","
                        "\"openat\",\"readlink\",\"sched_yield\",\"getrandom\"],"
                        " \"action\":\"SCMP_ACT_ALLOW\"}]}",
                        &r, NULL);
        ASSERT_OK(r);
        ASSERT_CHILD_OK(s, probe_allow_list);
}

static int probe_getppid(void)
{
        /* No core dump from the SIGSYS. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        syscall(SYS_getppid);
        return 0;
}

TEST(kill_process)
{
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r, st;

        s = compile_str("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                        "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}",
                        &r, NULL);
        ASSERT_OK(r);
        st = run_child(s, probe_getppid);
        ASSERT_TRUE(WIFSIGNALED(st));
        ASSERT_EQ(WTERMSIG(st), SIGSYS);
}

static int probe_nothing(void)
{
        return syscall(SYS_getpid) > 0 ? 0 : 1;
}

TEST(flags_and_unknown_names)
{
        _cleanup_free_ char *msg = NULL;
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r;

        s = compile_str("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":null,"
                        "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\","
                        "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
                        "\"syscalls\":[{\"names\":[\"no_such_syscall_berth\",\"getppid\"],"
                        "\"action\":\"SCMP_ACT_LOG\"},"
                        "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                        &r, &msg);
        if (r < 0)
                TAP_FAIL("compile: %s", msg);
        ASSERT_CHILD_OK(s, probe_nothing);
}

/* Unprivileged and without no_new_privs the kernel refuses; with it, it accepts. */
TEST(needs_nnp_when_unprivileged)
{
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r, st;
        pid_t pid;

        s = compile_str("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", &r, NULL);
        ASSERT_OK(r);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                struct berth_error *err = NULL;

                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(1);
                if (berth_seccomp_load(s, &err) != -EACCES || !strstr(err->msg, "no_new_privs"))
                        _exit(2);
                berth_error_free(err);
                err = NULL;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(3);
                _exit(berth_seccomp_load(s, &err) == 0 ? 0 : 4);
        }
        ASSERT_EQ(waitpid(pid, &st, 0), pid);
        ASSERT_TRUE(WIFEXITED(st));
        ASSERT_EQ(WEXITSTATUS(st), 0);
}

static void check_error(const char *text, int code, const char *expect)
{
        _cleanup_free_ char *msg = NULL;
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        int r;

        s = compile_str(text, &r, &msg);
        if (r != -code || !msg || !strstr(msg, expect)) {
                printf("# for %s\n#  got %d \"%s\", expected %d \"%s\"\n", text, r, msg ? msg : "(null)",
                       -code, expect);
                tap_cur_failed = 1;
        }
}

TEST(malformed)
{
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                    "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_FOO\"}]}",
                    EINVAL, "`linux.seccomp.syscalls[3].action`: unknown action `SCMP_ACT_FOO`");
        check_error("{\"syscalls\":[]}", EINVAL, "`linux.seccomp.defaultAction` is required");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]}", EINVAL,
                    "`linux.seccomp.architectures[0]`: unknown architecture `SCMP_ARCH_Z80`");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_FOO\"]}", EINVAL,
                    "`linux.seccomp.flags[0]`: unknown flag `SECCOMP_FILTER_FLAG_FOO`");
        check_error(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
            "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
            EINVAL, "`linux.seccomp.syscalls[0].args[0].index` must be an integer from 0 to 5");
        check_error(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
            "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
            EINVAL, "`linux.seccomp.syscalls[0].args[0].op`: unknown operator `SCMP_CMP_XX`");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"read\","
                    "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                    EINVAL, "`linux.seccomp.syscalls[0].names` must be an array");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                    "\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":5}]}",
                    EINVAL, "`linux.seccomp.syscalls[0].errnoRet` is only valid with");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
                    "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                    EOPNOTSUPP, "action `SCMP_ACT_NOTIFY` is not supported");
        check_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\"}", EOPNOTSUPP,
                    "`linux.seccomp.listenerPath`: seccomp notify listeners are not supported");
        check_error("[]", EINVAL, "`linux.seccomp` must be an object");
}

/*
 * Docker's default profile shape: three x86 architectures, one big allow
 * list of a few hundred names (some unknown to libseccomp), a few rules
 * with argument conditions, default ERRNO.
 */
static json_t *docker_like_profile(size_t *ret_names)
{
        json_t *p = json_pack("{s:s, s:i, s:[s,s,s]}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
                              1, "architectures", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        json_t *names = json_array(), *syscalls = json_array();
        uint32_t native = seccomp_arch_native();

        for (int nr = 0; nr < 600; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(native, nr);
                if (name && !streq(name, "getppid"))
                        json_array_append_new(names, json_string(name));
                free(name);
        }
        json_array_append_new(names, json_string("some_future_syscall"));
        *ret_names = json_array_size(names);
        json_array_append_new(syscalls, json_pack("{s:o, s:s}", "names", names, "action", "SCMP_ACT_ALLOW"));
        json_array_append_new(syscalls,
                              json_pack("{s:[s], s:s, s:[{s:i, s:I, s:i, s:s}]}", "names", "clone", "action",
                                        "SCMP_ACT_ALLOW", "args", "index", 0, "value",
                                        (json_int_t)2114060288, "valueTwo", 0, "op", "SCMP_CMP_MASKED_EQ"));
        for (int i = 0; i < 3; i++) {
                static const json_int_t persona[] = {0, 8, 0xffffffff};
                json_array_append_new(syscalls,
                                      json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", "personality",
                                                "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value",
                                                persona[i], "op", "SCMP_CMP_EQ"));
        }
        json_object_set_new(p, "syscalls", syscalls);
        return p;
}

static int probe_docker(void)
{
        errno = 0;
        if (syscall(SYS_getppid) != -1 || errno != EPERM)
                return 1;
        return syscall(SYS_getpid) > 0 ? 0 : 2;
}

TEST(docker_profile_compiles_fast)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_seccomp_ struct berth_seccomp *s = NULL;
        struct timespec a, b;
        size_t n_names = 0;
        json_t *p = docker_like_profile(&n_names);
        double ms;
        int r;

        ASSERT_TRUE(n_names > 300);
        clock_gettime(CLOCK_MONOTONIC, &a);
        r = berth_seccomp_compile(p, &s, &err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        json_decref(p);
        if (r < 0)
                TAP_FAIL("compile: %s", err->msg);
        ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        printf("# %zu names compiled in %.1f ms\n", n_names, ms);
        ASSERT_TRUE(ms < 2000);
        ASSERT_CHILD_OK(s, probe_docker);
}

static bool array_has(json_t *arr, const char *s)
{
        json_t *v;
        size_t i;

        json_array_foreach (arr, i, v)
                if (json_is_string(v) && streq(json_string_value(v), s))
                        return true;
        return false;
}

TEST(features)
{
        _cleanup_json_ json_t *f = berth_seccomp_features();

        ASSERT_TRUE(json_is_true(json_object_get(f, "enabled")));
        ASSERT_TRUE(array_has(json_object_get(f, "actions"), "SCMP_ACT_ERRNO"));
        ASSERT_TRUE(array_has(json_object_get(f, "actions"), "SCMP_ACT_KILL_PROCESS"));
        ASSERT_TRUE(!array_has(json_object_get(f, "actions"), "SCMP_ACT_NOTIFY"));
        ASSERT_TRUE(array_has(json_object_get(f, "operators"), "SCMP_CMP_MASKED_EQ"));
        ASSERT_TRUE(array_has(json_object_get(f, "archs"), "SCMP_ARCH_X86_64"));
        ASSERT_TRUE(array_has(json_object_get(f, "knownFlags"), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
        /* Kernel 6.18 knows all three. */
        ASSERT_TRUE(array_has(json_object_get(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_TSYNC"));
        ASSERT_TRUE(array_has(json_object_get(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG"));
        ASSERT_TRUE(array_has(json_object_get(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("loading a filter without no_new_privs needs root");
        RUN(errno_rule);
        RUN(argument_conditions);
        RUN(default_errno_allow_list);
        RUN(kill_process);
        RUN(flags_and_unknown_names);
        RUN(needs_nnp_when_unprivileged);
        RUN(malformed);
        RUN(docker_profile_compiles_fast);
        RUN(features);
        TAP_DONE();
}
