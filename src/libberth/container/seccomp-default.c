/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's own default seccomp profile. The lists below are grouped by what
 * the calls do, so a reviewer can tell why each one is there. Names unknown
 * to libseccomp or to an architecture are skipped by the compiler, so the
 * lists can name calls of every architecture we build for.
 */
#include "container/seccomp-default.h"

#include <errno.h>
#include <sched.h>

#include "base/xalloc.h"
#include "oci/caps-table.h"

#define END NULL

/* Files, directories and their metadata. */
static const char *const sc_files[] = {
        "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
        "pwritev2", "open", "openat", "openat2", "close", "close_range", "creat", "lseek", "_llseek",
        "dup", "dup2", "dup3", "pipe", "pipe2", "fcntl", "fcntl64", "flock", "fsync", "fdatasync", "sync",
        "syncfs", "sync_file_range", "sync_file_range2", "arm_sync_file_range", "truncate", "truncate64",
        "ftruncate", "ftruncate64", "fallocate", "fadvise64", "fadvise64_64", "arm_fadvise64_64",
        "readahead", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "ioctl",
        "stat", "stat64", "fstat", "fstat64", "lstat", "lstat64", "newfstatat", "fstatat64", "statx",
        "statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat", "faccessat2", "chmod",
        "fchmod", "fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown",
        "lchown32", "utime", "utimes", "utimensat", "utimensat_time64", "futimesat", "umask", "getxattr",
        "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr", "llistxattr",
        "flistxattr", "removexattr", "lremovexattr", "fremovexattr", "getxattrat", "setxattrat",
        "listxattrat", "removexattrat", "mkdir", "mkdirat", "rmdir", "rename", "renameat", "renameat2",
        "link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat", "readlink", "readlinkat",
        "getdents", "getdents64", "chdir", "fchdir", "getcwd", "mknod", "mknodat", "memfd_create",
        "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "cachestat",
        END,
};

/* Memory. */
static const char *const sc_memory[] = {
        "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "pkey_mprotect", "pkey_alloc",
        "pkey_free", "madvise", "mincore", "mlock", "mlock2", "mlockall", "munlock", "munlockall", "msync",
        "membarrier", "remap_file_pages", "map_shadow_stack", "mseal", END,
};

/* Processes, threads, signals, credentials inside the container's own namespaces. */
static const char *const sc_process[] = {
        "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "waitpid", "kill",
        "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "rt_sigpending",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
        "rt_sigsuspend", "sigaltstack", "signal", "sigaction", "sigprocmask", "sigpending", "sigsuspend",
        "signalfd", "signalfd4", "pause", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp",
        "getsid", "setsid", "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid",
        "getegid32", "setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid",
        "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32", "getresuid", "getresuid32",
        "getresgid", "getresgid32", "setfsuid", "setfsuid32", "setfsgid", "setfsgid32", "getgroups",
        "getgroups32", "setgroups", "setgroups32", "capget", "capset", "prctl", "arch_prctl",
        "set_tid_address", "set_robust_list", "get_robust_list", "futex", "futex_time64", "futex_waitv",
        "futex_wait", "futex_wake", "futex_requeue", "sched_yield", "sched_getaffinity",
        "sched_setaffinity", "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
        "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_getattr", "sched_setattr", "getpriority", "setpriority",
        "getrlimit", "setrlimit", "prlimit64", "ugetrlimit", "getrusage", "times", "uname", "sysinfo",
        "getrandom", "rseq", "restart_syscall", "seccomp", "ioprio_get", "ioprio_set", "pidfd_open",
        "pidfd_send_signal", "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev",
        "set_thread_area", "get_thread_area", "set_tls", "cacheflush", "breakpoint", "alarm", "getitimer",
        "setitimer", "getcpu", "sethostname", "setdomainname", "landlock_create_ruleset",
        "landlock_add_rule", "landlock_restrict_self", "lsm_get_self_attr", "lsm_list_modules",
        "lsm_set_self_attr", END,
};

/* Clocks, timers and waiting. */
static const char *const sc_time[] = {
        "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
        "clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "timer_create", "timer_delete",
        "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timer_getoverrun",
        "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
        "select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old",
        "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "io_setup", "io_destroy", "io_getevents",
        "io_pgetevents", "io_pgetevents_time64", "io_submit", "io_cancel", END,
};

/* Sockets (socket() itself is below: no vsock) and System V / POSIX IPC. */
static const char *const sc_ipc[] = {
        "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername",
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "recvmmsg_time64", "shutdown",
        "setsockopt", "getsockopt", "socketcall", "send", "recv", "shmget", "shmat", "shmdt", "shmctl",
        "semget", "semop", "semtimedop", "semtimedop_time64", "semctl", "msgget", "msgsnd", "msgrcv",
        "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_notify", "mq_getsetattr", "ipc", END,
};

/* Calls a capability unlocks: the kernel checks the capability too; the filter adds depth. */
static const char *const sc_sys_admin[] = {
        "mount", "umount", "umount2", "pivot_root", "unshare", "setns", "clone", "clone3", "fsopen",
        "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr", "quotactl",
        "quotactl_fd", "lookup_dcookie", "name_to_handle_at", "fanotify_init", "fanotify_mark", "swapon",
        "swapoff", "bpf", "perf_event_open", "syslog", "listmount", "statmount", END,
};
static const char *const sc_sys_module[] = { "init_module", "finit_module", "delete_module", END };
static const char *const sc_sys_boot[] = { "reboot", "kexec_load", "kexec_file_load", END };
static const char *const sc_sys_pacct[] = { "acct", END };
static const char *const sc_sys_time[] = {
        "settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime",
        "clock_adjtime64", END,
};
static const char *const sc_sys_rawio[] = { "iopl", "ioperm", END };
static const char *const sc_sys_nice[] = {
        "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages",
        END,
};
static const char *const sc_sys_ptrace[] = { "kcmp", "process_madvise", END };
static const char *const sc_tty_config[] = { "vhangup", END };
static const char *const sc_dac_read_search[] = { "open_by_handle_at", END };
static const char *const sc_sys_chroot[] = { "chroot", END };
static const char *const sc_bpf[] = { "bpf", END };
static const char *const sc_perfmon[] = { "perf_event_open", END };
static const char *const sc_syslog[] = { "syslog", END };

/* CAP_* numbers not in oci/caps-table.h's short enum. */
enum {
        C_DAC_READ_SEARCH = 2,
        C_SYS_MODULE = 16,
        C_SYS_RAWIO = 17,
        C_SYS_PTRACE = 19,
        C_SYS_PACCT = 20,
        C_SYS_ADMIN = 21,
        C_SYS_BOOT = 22,
        C_SYS_NICE = 23,
        C_SYS_TIME = 25,
        C_SYS_TTY_CONFIG = 26,
        C_SYSLOG = 34,
        C_PERFMON = 38,
        C_BPF = 39,
};

static const struct {
        int cap;
        const char *const *names;
} cap_groups[] = {
        { C_SYS_ADMIN, sc_sys_admin },       { C_SYS_MODULE, sc_sys_module },
        { C_SYS_BOOT, sc_sys_boot },         { C_SYS_PACCT, sc_sys_pacct },
        { C_SYS_TIME, sc_sys_time },         { C_SYS_RAWIO, sc_sys_rawio },
        { C_SYS_NICE, sc_sys_nice },         { C_SYS_PTRACE, sc_sys_ptrace },
        { C_SYS_TTY_CONFIG, sc_tty_config }, { C_DAC_READ_SEARCH, sc_dac_read_search },
        { CAP_SYS_CHROOT_, sc_sys_chroot },  { C_BPF, sc_bpf },
        { C_PERFMON, sc_perfmon },           { C_SYSLOG, sc_syslog },
};

#define CLONE_NEW_MASK                                                                                      \
        ((json_int_t)(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |           \
                      CLONE_NEWNET | CLONE_NEWCGROUP))
#define AF_VSOCK_ 40

static json_t *names_array(const char *const *names)
{
        json_t *a = json_array();

        for (; *names; names++)
                json_array_append_new(a, json_string(*names));
        return a;
}

static json_t *rule(const char *const *names, json_t *args)
{
        json_t *r = json_pack("{s:o,s:s}", "names", names_array(names), "action", "SCMP_ACT_ALLOW");

        if (args)
                json_object_set_new(r, "args", args);
        return r;
}

static json_t *arg(int index, json_int_t value, json_int_t value_two, const char *op)
{
        return json_pack("{s:i,s:I,s:I,s:s}", "index", index, "value", value, "valueTwo", value_two, "op", op);
}

static json_t *architectures(void)
{
#if defined(__x86_64__) || defined(__i386__)
        return json_pack("[s,s,s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
#elif defined(__aarch64__) || defined(__arm__)
        return json_pack("[s,s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
#else
        return json_array(); /* the native architecture only */
#endif
}

/* Without CAP_SYS_ADMIN: clone only without namespace flags; clone3 hides its flags, so ENOSYS (libc falls back). */
static void add_unprivileged_clone(json_t *sys)
{
        static const char *const clone[] = { "clone", END }, *const clone3[] = { "clone3", END };

#if defined(__s390x__) || defined(__s390__)
        int flags_arg = 1; /* s390 swaps clone's first two arguments */
#else
        int flags_arg = 0;
#endif
        json_array_append_new(
            sys, rule(clone, json_pack("[o]", arg(flags_arg, CLONE_NEW_MASK, 0, "SCMP_CMP_MASKED_EQ"))));
        json_array_append_new(sys, json_pack("{s:o,s:s,s:i}", "names", names_array(clone3), "action",
                                             "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
}

json_t *seccomp_default_profile(uint64_t caps)
{
        static const char *const *const always[] = { sc_files, sc_memory, sc_process, sc_time, sc_ipc };
        static const char *const personality[] = { "personality", END }, *const socket[] = { "socket", END };
        /* Linux default, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query value. */
        static const json_int_t personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
        json_t *sys = json_array(), *pargs = json_array();

        for (size_t i = 0; i < sizeof(always) / sizeof(*always); i++)
                json_array_append_new(sys, rule(always[i], NULL));
        for (size_t i = 0; i < sizeof(personas) / sizeof(*personas); i++)
                json_array_append_new(pargs, arg(0, personas[i], 0, "SCMP_CMP_EQ"));
        json_array_append_new(sys, rule(personality, pargs));
        /* vsock reaches the hypervisor, outside any network namespace. */
        json_array_append_new(sys, rule(socket, json_pack("[o]", arg(0, AF_VSOCK_, 0, "SCMP_CMP_NE"))));
        for (size_t i = 0; i < sizeof(cap_groups) / sizeof(*cap_groups); i++)
                if (caps & (1ULL << cap_groups[i].cap))
                        json_array_append_new(sys, rule(cap_groups[i].names, NULL));
        if (!(caps & (1ULL << C_SYS_ADMIN)))
                add_unprivileged_clone(sys);
        return json_pack("{s:s,s:i,s:o,s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
                         "architectures", architectures(), "syscalls", sys);
}
