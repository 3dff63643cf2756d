/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the parent (create/exec) and the child (container init) share. */
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "oci/runtime-spec.h"
#include "runtime/runtime.h"

struct berth_seccomp;
struct cgroup;

/* Messages on the parent <-> init sync socket (SOCK_SEQPACKET: one message per send). */
enum sync_type {
        SYNC_PID = 1,         /* child -> parent: the init's pid (double-fork path) */
        SYNC_USERNS,          /* child -> parent: in the new user namespace, write the id maps */
        SYNC_USERNS_DONE,     /* parent -> child */
        SYNC_CGROUP_DONE,     /* parent -> child: init is in its cgroup */
        SYNC_PREPIVOT,        /* child -> parent: mounts done, run prestart/createRuntime hooks */
        SYNC_HOOKS_DONE,      /* parent -> child */
        SYNC_READY,           /* child -> parent: waiting for start */
        SYNC_ERROR,           /* child -> parent: setup failed, msg follows */
};

struct sync_msg {
        int type;
        int code;
        pid_t pid;
        char msg[3072];
};

int sync_send(int fd, int type, pid_t pid, struct berth_error **err);
/* With a NUL-terminated payload (the cgroup JSON for the init). */
int sync_send_payload(int fd, int type, const char *payload, struct berth_error **err);
int sync_send_error(int fd, const struct berth_error *e);
/* Waits for a message of type want; a SYNC_ERROR becomes *err. ret_payload may be NULL. */
int sync_expect(int fd, int want, pid_t *ret_pid, struct berth_error **err);
int sync_expect_payload(int fd, int want, char **ret_payload, struct berth_error **err);

/* Everything the init needs, prepared by the parent before the fork. */
struct init_config {
        const struct oci_spec *spec;
        const char *rootfs;
        const char *bundle;
        bool no_pivot;
        int sync_fd;
        int start_fd;   /* listening socket `start` connects to */
        int console_fd; /* -1 without a terminal */
        int preserve_fds;
        struct berth_seccomp *seccomp;
        struct cgroup *cgroup; /* filled in the parent, visible to a forked child by copy */
        bool double_fork;      /* user namespace path: the child forks the real init */
        bool create_hooks;     /* prestart/createRuntime hooks to wait for */
};

/* The child side of create; never returns. */
__attribute__((noreturn)) void init_main(struct init_config *c);

/*
 * The last steps of every container process, init or exec: rlimits, user and
 * groups, capabilities, no_new_privs, seccomp, fd hygiene, execve. Returns
 * only on failure. path is the resolved executable.
 */
int process_finish(const struct oci_process *p, const struct berth_seccomp *seccomp, int preserve_fds,
                   struct berth_error **err);
/* Resolves args[0] through PATH from the process env, as execvp would, inside the current root. */
int process_find_executable(const struct oci_process *p, char **ret, struct berth_error **err);
/* process.env, plus HOME from the container's /etc/passwd when it has none (as runc and crun). */
char **process_exec_env(const struct oci_process *p);
/* Changes to cwd, resolved inside "/", and checks it did not escape (CVE-2024-21626). */
int process_chdir(const char *cwd, struct berth_error **err);

/* Namespaces. */
unsigned long ns_new_flags(const struct oci_spec *s, bool with_user);
/* setns() to every namespace with a path, user first; skip_mask: types not to join here. */
int ns_join_paths(const struct oci_spec *s, unsigned skip_mask, struct berth_error **err);
int ns_write_id_maps(pid_t pid, const struct oci_spec *s, struct berth_error **err);

int sysctl_apply(json_t *sysctl, struct berth_error **err);

/* create, with a console fd the caller made (foreground `run -t` without --console-socket). */
int runtime_create_console_fd(struct runtime_context *ctx, const struct runtime_create_options *o,
                              int console_fd, pid_t *ret_pid, struct berth_error **err);
