/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp -> BPF. All the libseccomp work (name resolution, per-arch
 * translation, code generation) happens in the parent before fork; the
 * result is a plain array of struct sock_filter. The container's init then
 * needs a single seccomp() syscall and no allocation, and a later cache can
 * store the program as bytes.
 */
#include "runtime/seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/xalloc.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define WHERE "linux.seccomp"

struct berth_seccomp {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_*, already reduced to what the kernel accepts */
};

static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
        *ctx = NULL;
}

static const struct {
        const char *name;
        uint32_t token;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
#ifdef SCMP_ARCH_RISCV64
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#endif
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
#endif
#ifdef SCMP_ARCH_SHEB
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

/* Names the runtime-spec lists that this libseccomp build cannot translate: skipped, not an error. */
static const char *const arch_known_unsupported[] = {
    "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

enum action_kind {
        ACTION_PLAIN,
        ACTION_WITH_ERRNO, /* SCMP_ACT_ERRNO / SCMP_ACT_TRACE carry a 16-bit value */
        ACTION_UNSUPPORTED,
};

static const struct {
        const char *name;
        uint32_t action;
        enum action_kind kind;
} action_table[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ACTION_PLAIN},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACTION_PLAIN},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACTION_PLAIN},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACTION_PLAIN},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACTION_WITH_ERRNO},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACTION_WITH_ERRNO},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACTION_PLAIN},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACTION_PLAIN},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACTION_UNSUPPORTED},
};

static const struct {
        const char *name;
        enum scmp_compare op;
} op_table[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
        const char *name;
        unsigned int flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static long sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
#ifdef __NR_seccomp
        return syscall(__NR_seccomp, op, flags, args);
#else
        errno = ENOSYS;
        return -1;
#endif
}

/*
 * The kernel validates the flags before it reads the program, so a NULL
 * program answers EFAULT for a known flag and EINVAL for an unknown one,
 * without installing anything (libseccomp probes the same way).
 */
static bool kernel_supports_flag(unsigned int flag)
{
        return sys_seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* WAIT_KILLABLE_RECV only changes how a notify listener waits; without one it is a no-op we accept. */
static bool flag_is_honoured(unsigned int flag)
{
        return flag != SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && kernel_supports_flag(flag);
}

static int parse_flags(json_t *seccomp, unsigned int *ret, struct berth_error **err)
{
        json_t *arr = json_object_get(seccomp, "flags"), *v;
        unsigned int flags = 0;
        size_t i, k;

        if (!arr || json_is_null(arr))
                goto done;
        if (!json_is_array(arr))
                return berth_err_msg(err, EINVAL, "`" WHERE ".flags` must be an array");
        json_array_foreach (arr, i, v) {
                const char *name = json_string_value(v);

                if (!name)
                        return berth_err_msg(err, EINVAL, "`" WHERE ".flags[%zu]` must be a string", i);
                for (k = 0; k < ARRAY_SIZE(flag_table); k++)
                        if (streq(name, flag_table[k].name))
                                break;
                if (k == ARRAY_SIZE(flag_table))
                        return berth_err_msg(err, EINVAL, "`" WHERE ".flags[%zu]`: unknown flag `%s`", i,
                                             name);
                if (flag_is_honoured(flag_table[k].flag))
                        flags |= flag_table[k].flag;
                else
                        log_debug("seccomp: flag %s has no effect here, ignored", name);
        }
done:
        *ret = flags;
        return 0;
}

/* An errno value for ERRNO/TRACE: `errno_key` if present, else EPERM. */
static int parse_errno_ret(json_t *obj, const char *errno_key, const char *where, enum action_kind kind,
                           uint32_t *action, struct berth_error **err)
{
        json_t *v = json_object_get(obj, errno_key);
        long long e = EPERM;

        if (v && !json_is_null(v)) {
                if (!json_is_integer(v))
                        return berth_err_msg(err, EINVAL, "`%s.%s` must be an integer", where, errno_key);
                e = json_integer_value(v);
                if (e < 0 || e > 0xffff)
                        return berth_err_msg(err, EINVAL, "`%s.%s`: %lld is out of range", where, errno_key,
                                             e);
                if (kind != ACTION_WITH_ERRNO)
                        return berth_err_msg(err, EINVAL,
                                             "`%s.%s` is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
                                             where, errno_key);
        }
        if (kind == ACTION_WITH_ERRNO)
                *action |= (uint32_t)e;
        return 0;
}

/* Parses obj[action_key] (and its errno companion) into a libseccomp action value. */
static int parse_action(json_t *obj, const char *action_key, const char *errno_key, const char *where,
                        uint32_t *ret, struct berth_error **err)
{
        json_t *v = json_object_get(obj, action_key);
        const char *name;
        uint32_t action;
        size_t k;
        int r;

        if (!v || json_is_null(v))
                return berth_err_msg(err, EINVAL, "`%s.%s` is required", where, action_key);
        name = json_string_value(v);
        if (!name)
                return berth_err_msg(err, EINVAL, "`%s.%s` must be a string", where, action_key);
        for (k = 0; k < ARRAY_SIZE(action_table); k++)
                if (streq(name, action_table[k].name))
                        break;
        if (k == ARRAY_SIZE(action_table))
                return berth_err_msg(err, EINVAL, "`%s.%s`: unknown action `%s`", where, action_key, name);
        if (action_table[k].kind == ACTION_UNSUPPORTED)
                return berth_err_msg(err, EOPNOTSUPP, "`%s.%s`: action `%s` is not supported", where,
                                     action_key, name);
        action = action_table[k].action;
        r = parse_errno_ret(obj, errno_key, where, action_table[k].kind, &action, err);
        if (r < 0)
                return r;
        *ret = action;
        return 0;
}

static int add_archs(scmp_filter_ctx ctx, json_t *seccomp, struct berth_error **err)
{
        json_t *arr = json_object_get(seccomp, "architectures"), *v;
        size_t i, k;

        if (!arr || json_is_null(arr))
                return 0;
        if (!json_is_array(arr))
                return berth_err_msg(err, EINVAL, "`" WHERE ".architectures` must be an array");
        json_array_foreach (arr, i, v) {
                const char *name = json_string_value(v);
                int r;

                if (!name)
                        return berth_err_msg(err, EINVAL, "`" WHERE ".architectures[%zu]` must be a string",
                                             i);
                for (k = 0; k < ARRAY_SIZE(arch_table); k++)
                        if (streq(name, arch_table[k].name))
                                break;
                if (k == ARRAY_SIZE(arch_table)) {
                        bool known = false;
                        for (k = 0; k < ARRAY_SIZE(arch_known_unsupported); k++)
                                known = known || streq(name, arch_known_unsupported[k]);
                        if (!known)
                                return berth_err_msg(
                                    err, EINVAL, "`" WHERE ".architectures[%zu]`: unknown architecture `%s`",
                                    i, name);
                        log_debug("seccomp: architecture %s unknown to libseccomp, skipped", name);
                        continue;
                }
                r = seccomp_arch_add(ctx, arch_table[k].token);
                if (r < 0 && r != -EEXIST)
                        return berth_err(err, -r, "`" WHERE ".architectures[%zu]`: add `%s`", i, name);
        }
        return 0;
}

static int parse_arg(json_t *a, const char *where, struct scmp_arg_cmp *ret, struct berth_error **err)
{
        json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value");
        json_t *val2 = json_object_get(a, "valueTwo"), *opj = json_object_get(a, "op");
        const char *op = json_string_value(opj);
        size_t k;

        if (!json_is_object(a))
                return berth_err_msg(err, EINVAL, "`%s` must be an object", where);
        if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
                return berth_err_msg(err, EINVAL, "`%s.index` must be an integer from 0 to 5", where);
        if (!json_is_integer(val))
                return berth_err_msg(err, EINVAL, "`%s.value` must be an integer", where);
        if (val2 && !json_is_null(val2) && !json_is_integer(val2))
                return berth_err_msg(err, EINVAL, "`%s.valueTwo` must be an integer", where);
        if (!op)
                return berth_err_msg(err, EINVAL, "`%s.op` must be a string", where);
        for (k = 0; k < ARRAY_SIZE(op_table); k++)
                if (streq(op, op_table[k].name))
                        break;
        if (k == ARRAY_SIZE(op_table))
                return berth_err_msg(err, EINVAL, "`%s.op`: unknown operator `%s`", where, op);
        /* For MASKED_EQ, value is the mask and valueTwo the datum, as libseccomp takes them. */
        *ret = (struct scmp_arg_cmp){
            .arg = (unsigned int)json_integer_value(idx),
            .op = op_table[k].op,
            .datum_a = (scmp_datum_t)json_integer_value(val),
            .datum_b = json_is_integer(val2) ? (scmp_datum_t)json_integer_value(val2) : 0,
        };
        return 0;
}

/*
 * Conditions on different arguments are ANDed in one rule. libseccomp refuses
 * two conditions on the same argument in one rule, so when every condition is
 * on the same argument each becomes its own rule, ORed (runc's documented
 * behaviour, which profiles written for Docker rely on).
 */
static int add_rules(scmp_filter_ctx ctx, int nr, uint32_t action, const struct scmp_arg_cmp *cmps, size_t n)
{
        bool same_index = n > 1;
        size_t i;
        int r;

        for (i = 1; i < n; i++)
                same_index = same_index && cmps[i].arg == cmps[0].arg;
        if (!same_index)
                return seccomp_rule_add_array(ctx, action, nr, (unsigned int)n, cmps);
        for (i = 0; i < n; i++) {
                r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_syscall_entry(scmp_filter_ctx ctx, json_t *entry, size_t idx, uint32_t default_action,
                             struct berth_error **err)
{
        struct scmp_arg_cmp cmps[6 * 4]; /* more than any sane profile; checked below */
        _cleanup_free_ char *where = xasprintf(WHERE ".syscalls[%zu]", idx);
        json_t *names, *args = NULL, *v;
        uint32_t action;
        size_t i, n_cmps = 0;
        int r;

        if (!json_is_object(entry))
                return berth_err_msg(err, EINVAL, "`%s` must be an object", where);
        r = parse_action(entry, "action", "errnoRet", where, &action, err);
        if (r < 0)
                return r;
        r = json_get_array(entry, "args", where, &args, err);
        if (r < 0)
                return r;
        if (args) {
                if (json_array_size(args) > ARRAY_SIZE(cmps))
                        return berth_err_msg(err, EINVAL, "`%s.args`: too many conditions", where);
                json_array_foreach (args, i, v) {
                        _cleanup_free_ char *aw = xasprintf("%s.args[%zu]", where, i);
                        r = parse_arg(v, aw, &cmps[n_cmps++], err);
                        if (r < 0)
                                return r;
                }
        }
        names = json_object_get(entry, "names");
        if (!json_is_array(names))
                return berth_err_msg(err, EINVAL, "`%s.names` must be an array of strings", where);
        json_array_foreach (names, i, v) {
                const char *name = json_string_value(v);
                int nr;

                if (!name)
                        return berth_err_msg(err, EINVAL, "`%s.names[%zu]` must be a string", where, i);
                /* libseccomp refuses a rule that repeats the default; it would be a no-op anyway. */
                if (action == default_action)
                        continue;
                nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: unknown syscall `%s`, skipped", name);
                        continue;
                }
                r = add_rules(ctx, nr, action, cmps, n_cmps);
                if (r < 0)
                        return berth_err(err, -r, "`%s.names[%zu]`: add rule for `%s`", where, i, name);
        }
        return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, json_t *seccomp, uint32_t default_action,
                        struct berth_error **err)
{
        json_t *arr = NULL, *v;
        size_t i;
        int r;

        r = json_get_array(seccomp, "syscalls", WHERE, &arr, err);
        if (r < 0 || !arr)
                return r;
        json_array_foreach (arr, i, v) {
                r = add_syscall_entry(ctx, v, i, default_action, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* libseccomp 2.5 only exports to an fd; a memfd keeps it off the disk. */
static int export_bpf(scmp_filter_ctx ctx, struct berth_seccomp *s, struct berth_error **err)
{
        _cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        struct stat st;
        ssize_t n;
        int r;

        if (fd < 0)
                return berth_err(err, errno, "memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return berth_err(err, -r, "seccomp_export_bpf");
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "fstat seccomp memfd");
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
                return berth_err_msg(err, EIO, "seccomp_export_bpf wrote %lld bytes", (long long)st.st_size);
        s->n_insns = (size_t)st.st_size / sizeof(struct sock_filter);
        /* Fail here, with a message, rather than with a bare EINVAL in the container's init. */
        if (s->n_insns > BPF_MAXINSNS)
                return berth_err_msg(err, E2BIG, "seccomp profile compiles to %zu BPF instructions (max %d)",
                                     s->n_insns, BPF_MAXINSNS);
        s->insns = xmalloc((size_t)st.st_size);
        n = pread(fd, s->insns, (size_t)st.st_size, 0);
        if (n < 0)
                return berth_err(err, errno, "read seccomp memfd");
        if (n != st.st_size)
                return berth_err_msg(err, EIO, "short read of seccomp memfd");
        return 0;
}

static int build_filter(json_t *seccomp, struct berth_seccomp *s, struct berth_error **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        uint32_t default_action;
        int r;

        r = parse_action(seccomp, "defaultAction", "defaultErrnoRet", WHERE, &default_action, err);
        if (r < 0)
                return r;
        ctx = seccomp_init(default_action);
        if (!ctx)
                return berth_err_msg(err, EINVAL, "seccomp_init: `" WHERE ".defaultAction` refused");
        /* We set no_new_privs ourselves, per process.noNewPrivileges; the filter must not force it. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return berth_err(err, -r, "seccomp_attr_set NNP");
        /* Tolerated where unsupported: it only matters for a syscall number of -1. */
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_API_TSKIP, 1);
        r = add_archs(ctx, seccomp, err);
        if (r < 0)
                return r;
        r = add_syscalls(ctx, seccomp, default_action, err);
        if (r < 0)
                return r;
        return export_bpf(ctx, s, err);
}

int berth_seccomp_compile(json_t *seccomp, struct berth_seccomp **ret, struct berth_error **err)
{
        struct berth_seccomp *s;
        json_t *listener;
        unsigned int flags = 0;
        int r;

        if (!json_is_object(seccomp))
                return berth_err_msg(err, EINVAL, "`" WHERE "` must be an object");
        listener = json_object_get(seccomp, "listenerPath");
        if (listener && !json_is_null(listener) &&
            !(json_is_string(listener) && json_string_length(listener) == 0))
                return berth_err_msg(err, EOPNOTSUPP,
                                     "`" WHERE ".listenerPath`: seccomp notify listeners are not supported");
        r = parse_flags(seccomp, &flags, err);
        if (r < 0)
                return r;
        s = xmalloc(sizeof(*s));
        s->flags = flags;
        r = build_filter(seccomp, s, err);
        if (r < 0) {
                berth_seccomp_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/*
 * Runs in the container's init right before execve: one syscall, no
 * allocation on the success path. Without no_new_privs the caller needs
 * CAP_SYS_ADMIN (EACCES otherwise).
 */
int berth_seccomp_load(const struct berth_seccomp *s, struct berth_error **err)
{
        struct sock_fprog prog = {
            .len = (unsigned short)s->n_insns,
            .filter = s->insns,
        };
        long r = sys_seccomp(SECCOMP_SET_MODE_FILTER, s->flags, &prog);

        if (r == 0)
                return 0;
        /* With TSYNC, a positive return is the id of a thread that could not be synchronised. */
        if (r > 0)
                return berth_err_msg(err, EBUSY, "load seccomp filter: thread %ld cannot be synchronised",
                                     r);
        if (errno == ENOSYS && s->flags == 0) {
                if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
                        return 0;
                return berth_err(err, errno, "prctl(PR_SET_SECCOMP)");
        }
        if (errno == EACCES)
                return berth_err(err, errno, "load seccomp filter (needs no_new_privs or CAP_SYS_ADMIN)");
        return berth_err(err, errno, "load seccomp filter (flags 0x%x)", s->flags);
}

struct berth_seccomp *berth_seccomp_free(struct berth_seccomp *s)
{
        if (!s)
                return NULL;
        free(s->insns);
        free(s);
        return NULL;
}

int berth_seccomp_export(const struct berth_seccomp *s, void **ret_buf, size_t *ret_len, unsigned *ret_flags)
{
        size_t len = s->n_insns * sizeof(struct sock_filter);
        void *buf = xmalloc(len);

        memcpy(buf, s->insns, len);
        *ret_buf = buf;
        *ret_len = len;
        *ret_flags = s->flags;
        return 0;
}

int berth_seccomp_from_bpf(const void *buf, size_t len, unsigned flags, struct berth_seccomp **ret,
                           struct berth_error **err)
{
        struct berth_seccomp *s;

        if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return berth_err_msg(err, EINVAL, "a seccomp program of %zu bytes is not whole", len);
        s = xmalloc(sizeof(*s));
        s->n_insns = len / sizeof(struct sock_filter);
        s->insns = xmalloc(len);
        memcpy(s->insns, buf, len);
        /* Only what this kernel accepts, as berth_seccomp_compile reduces them. */
        s->flags = 0;
        for (size_t k = 0; k < ARRAY_SIZE(flag_table); k++)
                if ((flags & flag_table[k].flag) && flag_is_honoured(flag_table[k].flag))
                        s->flags |= flag_table[k].flag;
        *ret = s;
        return 0;
}

json_t *berth_seccomp_features(void)
{
        json_t *j = json_object(), *actions = json_array(), *ops = json_array(), *archs = json_array();
        json_t *known = json_array(), *supported = json_array();
        size_t k;

        for (k = 0; k < ARRAY_SIZE(action_table); k++)
                if (action_table[k].kind != ACTION_UNSUPPORTED)
                        json_array_append_new(actions, json_string(action_table[k].name));
        for (k = 0; k < ARRAY_SIZE(op_table); k++)
                json_array_append_new(ops, json_string(op_table[k].name));
        for (k = 0; k < ARRAY_SIZE(arch_table); k++)
                json_array_append_new(archs, json_string(arch_table[k].name));
        for (k = 0; k < ARRAY_SIZE(flag_table); k++) {
                json_array_append_new(known, json_string(flag_table[k].name));
                if (flag_is_honoured(flag_table[k].flag))
                        json_array_append_new(supported, json_string(flag_table[k].name));
        }
        json_object_set_new(j, "enabled", json_true());
        json_object_set_new(j, "actions", actions);
        json_object_set_new(j, "operators", ops);
        json_object_set_new(j, "archs", archs);
        json_object_set_new(j, "knownFlags", known);
        json_object_set_new(j, "supportedFlags", supported);
        return j;
}
