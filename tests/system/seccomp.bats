#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# seccomp: linux.seccomp profiles (default action, errnoRet, argument conditions).

load helpers

setup() {
        berth_setup
        require_runtime
}

@test "seccomp: a denied syscall returns errnoRet inside" {
        make_bundle "$BUNDLE" /init syscall-errno mkdir /tmp/x
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 13
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet returns EPERM" {
        make_bundle "$BUNDLE" /init syscall-errno mkdir /tmp/x
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 1
}

@test "seccomp: the filter is reported in /proc/self/status" {
        make_bundle "$BUNDLE" /init status
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO"}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_line_match '^Seccomp:[[:space:]]+2$'
}

@test "seccomp: argument conditions (personality(0xffffffff) allowed, others denied)" {
        make_bundle "$BUNDLE" /init syscall-errno personality 8
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 38,
                            args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 38
        set_args /init syscall-errno personality 0
        run rt run --bundle "$BUNDLE" "$(new_cid)"
        assert_status 0
        assert_output 0
}

@test "seccomp: default action errno, allow-list" {
        # Deny everything but what a static binary needs to print and exit.
        make_bundle "$BUNDLE" /init syscall-errno unshare
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
                syscalls: [{names: ["write", "writev", "exit", "exit_group", "brk", "mmap", "munmap",
                        "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
                        "readlink", "readlinkat", "uname", "getrandom", "mprotect", "newfstatat", "fstat",
                        "ioctl", "close", "execve", "futex", "rt_sigaction", "rt_sigprocmask",
                        "capget", "capset", "prctl", "setgroups", "setuid", "setgid", "setresuid",
                        "setresgid", "getuid", "getgid", "geteuid", "getegid", "getpid", "getppid",
                        "fchown", "fcntl", "openat", "read", "chdir", "getcwd", "close_range", "dup3",
                        "keyctl", "statx", "stat", "lstat", "access", "faccessat", "faccessat2", "fstatfs",
                        "statfs", "epoll_pwait", "epoll_ctl", "epoll_create1", "sched_yield", "nanosleep",
                        "clock_gettime", "sigaltstack", "rt_sigreturn", "gettid", "tgkill", "madvise",
                        "pipe2", "openat2", "sched_getaffinity", "getdents64", "lseek", "pread64"],
                        action: "SCMP_ACT_ALLOW"}]}'
        run rt run --bundle "$BUNDLE" "$CID"
        assert_status 0
        assert_output 1
}

@test "seccomp: an unknown action is refused" {
        make_bundle "$BUNDLE" /init true
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_BOGUS"}'
        run rt run --bundle "$BUNDLE" "$CID"
        [ "$status" -ne 0 ]
}

@test "seccomp: the filter applies to exec'd processes too" {
        make_bundle "$BUNDLE" /init pause
        spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 28}]}'
        start_bg "$CID"
        run rt exec "$CID" /init syscall-errno mkdir /tmp/y
        assert_status 0
        assert_output 28
}
