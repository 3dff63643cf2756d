/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device rules on cgroup v2. v2 has no devices.allow/deny: the kernel runs a
 * BPF_PROG_TYPE_CGROUP_DEVICE program on every device access (open, mknod)
 * and the access is allowed when it returns 1. We generate that program from
 * the OCI rules: the rules are tested from the last to the first and the first
 * match decides (so the last matching rule wins, as in the spec), and nothing
 * matching means deny.
 *
 * A rule's access is a set of r/w/m. An allow rule matches a request whose
 * access it fully covers; a deny rule matches a request that asks for any of
 * its access. So "allow a; deny c 1:3 w" refuses an open of /dev/null for
 * read-write but allows it read-only, as the v1 devices controller does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "runtime/cgroup-internal.h"

/* Not in base/syscalls.h yet; it belongs there (see the module report). */
static int sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
#ifdef __NR_bpf
        return (int)syscall(__NR_bpf, cmd, attr, size);
#else
        errno = ENOSYS;
        return -1;
#endif
}

struct prog {
        struct bpf_insn *insns;
        size_t n, cap;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        if (p->n == p->cap) {
                p->cap = p->cap ? p->cap * 2 : 64;
                p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
        }
        p->insns[p->n++] =
            (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* The registers the prologue fills from struct bpf_cgroup_dev_ctx. */
enum { R_CTX = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5, R_TMP = 1 };

static void emit_prologue(struct prog *p)
{
        /* access_type is (access << 16) | type; r1 (the ctx) is free after these loads. */
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R_TYPE, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, access_type),
             0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R_ACCESS, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, access_type),
             0);
        emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R_CTX, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
}

static int32_t access_mask(const char *access)
{
        int32_t m = 0;

        if (strchr(access, 'm'))
                m |= BPF_DEVCG_ACC_MKNOD;
        if (strchr(access, 'r'))
                m |= BPF_DEVCG_ACC_READ;
        if (strchr(access, 'w'))
                m |= BPF_DEVCG_ACC_WRITE;
        return m;
}

static bool rule_matches_all(const struct cgroup_device_rule *d)
{
        return d->type == 'a' && access_mask(d->access) == 7;
}

/*
 * One rule: a run of "if not this, jump to the next rule" tests, then return
 * the verdict. The jumps are emitted with offset 0 and patched once the
 * block's length is known.
 */
static void emit_rule(struct prog *p, const struct cgroup_device_rule *d)
{
        size_t jumps[4], n_jumps = 0;
        int32_t mask = access_mask(d->access);

        if (d->type != 'a') {
                int32_t t = d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
                jumps[n_jumps++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_TYPE, 0, 0, t);
        }
        if (mask != 7) {
                emit(p, BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
                emit(p, BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, d->allow ? ~mask & 7 : mask);
                jumps[n_jumps++] = p->n;
                emit(p, BPF_JMP32 | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R_TMP, 0, 0, 0);
        }
        if (d->type != 'a' && d->major >= 0) {
                jumps[n_jumps++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int32_t)(uint32_t)d->major);
        }
        if (d->type != 'a' && d->minor >= 0) {
                jumps[n_jumps++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int32_t)(uint32_t)d->minor);
        }
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        for (size_t i = 0; i < n_jumps; i++)
                p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

static void build_program(struct prog *p, const struct cgroup_device_rule *rules, size_t n)
{
        size_t first = 0;
        bool catch_all = false;

        /*
         * A rule matching everything hides all rules before it, and the
         * default after it: the verifier refuses unreachable instructions.
         */
        for (size_t i = n; i > 0 && !catch_all; i--)
                if (rule_matches_all(&rules[i - 1]))
                        first = i - 1, catch_all = true;
        emit_prologue(p);
        for (size_t i = n; i > first; i--)
                emit_rule(p, &rules[i - 1]);
        if (!catch_all) {
                emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
                emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        }
}

static int prog_load(struct prog *p, int *ret_fd, struct berth_error **err)
{
        static char log[4096];
        union bpf_attr attr;
        int fd;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)p->insns;
        attr.insn_cnt = (uint32_t)p->n;
        attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        log[0] = '\0';
        fd = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
        if (fd < 0 && errno == ENOSPC) {
                /* The verifier log overflowed; the program may still be fine. Load it without a log. */
                attr.log_buf = 0, attr.log_size = 0, attr.log_level = 0;
                fd = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
        }
        if (fd < 0)
                return berth_err(err, errno, "load the device cgroup BPF program (%zu instructions)%s%.300s",
                                 p->n, log[0] ? ": " : "", log);
        *ret_fd = fd;
        return 0;
}

/* The programs attached before ours, to detach once ours is in place (no window without rules). */
static int query_attached(int cg_fd, uint32_t *ids, uint32_t *n)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)cg_fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = *n;
        if (sys_bpf(BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
                return -errno;
        *n = attr.query.prog_cnt;
        return 0;
}

static void detach_old(int cg_fd, const uint32_t *ids, uint32_t n)
{
        for (uint32_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = -EBADF;
                union bpf_attr attr;

                memset(&attr, 0, sizeof(attr));
                attr.prog_id = ids[i];
                fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
                if (fd < 0) {
                        log_debug("cgroup: cannot get BPF program %u: %m", ids[i]);
                        continue;
                }
                memset(&attr, 0, sizeof(attr));
                attr.target_fd = (uint32_t)cg_fd;
                attr.attach_bpf_fd = (uint32_t)fd;
                attr.attach_type = BPF_CGROUP_DEVICE;
                if (sys_bpf(BPF_PROG_DETACH, &attr, sizeof(attr)) < 0)
                        log_debug("cgroup: cannot detach BPF program %u: %m", ids[i]);
        }
}

int cgroup_bpf_apply_devices(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                             struct berth_error **err)
{
        _cleanup_close_ int cg_fd = -EBADF, prog_fd = -EBADF;
        _cleanup_free_ struct bpf_insn *insns = NULL;
        struct prog p = {0};
        uint32_t old[64], n_old = ARRAY_SIZE(old);
        union bpf_attr attr;
        int r;

        build_program(&p, rules, n);
        insns = p.insns;
        cg_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg_fd < 0)
                return berth_err(err, errno, "open `%s`", dir);
        r = prog_load(&p, &prog_fd, err);
        if (r < 0)
                return r;
        if (query_attached(cg_fd, old, &n_old) < 0)
                n_old = 0;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cg_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
                return berth_err(err, errno, "attach the device cgroup BPF program to `%s`", dir);
        detach_old(cg_fd, old, n_old);
        return 0;
}
