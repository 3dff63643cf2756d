/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing with pflag's rules (what docker users type), and the help
 * and usage-error texts cobra prints, generated from the command tables.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "units.h"

struct cli_value {
        bool set;
        bool b;
        long long i;
        char *s;
        char **list;
};

struct cli_args {
        const struct cli_command *cmd;
        size_t nopts;
        struct cli_value *vals;
        char **argv;
        size_t argc;
};

static size_t options_count(const struct cli_option *o)
{
        size_t n = 0;

        while (o && o[n].name)
                n++;
        return n;
}

struct cli_args *cli_args_free(struct cli_args *a)
{
        if (!a)
                return NULL;
        for (size_t i = 0; i < a->nopts; i++) {
                free(a->vals[i].s);
                strv_free(a->vals[i].list);
        }
        free(a->vals);
        strv_free(a->argv);
        free(a);
        return NULL;
}

void cli_args_freep(struct cli_args **a)
{
        *a = cli_args_free(*a);
}

int cli_parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

/* "-n, --last" or "--name", as pflag names a flag in its errors. */
static char *flag_desc(const struct cli_option *o)
{
        if (o->shorthand)
                return xasprintf("-%c, --%s", o->shorthand, o->name);
        return xasprintf("--%s", o->name);
}

static int set_value(struct cli_args *a, const struct cli_option *o, struct cli_value *v, const char *value,
                     struct berth_error **err)
{
        int64_t bytes;
        char *end;
        int r = 0;

        switch (o->type) {
        case CLI_OPT_BOOL:
                if (cli_parse_bool(value, &v->b) < 0)
                        r = berth_err_msg(err, EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax",
                                          value);
                break;
        case CLI_OPT_STRING:
                free(v->s);
                v->s = xstrdup(value);
                break;
        case CLI_OPT_INT:
                errno = 0;
                v->i = strtoll(value, &end, 0);
                if (!*value || *end || errno)
                        r = berth_err_msg(err, EINVAL, "strconv.ParseInt: parsing \"%s\": %s", value,
                                          errno == ERANGE ? "value out of range" : "invalid syntax");
                break;
        case CLI_OPT_LIST:
                v->list = strv_push(v->list, value);
                break;
        case CLI_OPT_BYTES:
                r = units_ram_in_bytes(value, &bytes, err);
                v->i = bytes;
                break;
        case CLI_OPT_CALLBACK:
                r = o->cb ? o->cb(a, o, value, err) : 0;
                if (r >= 0)
                        v->list = strv_push(v->list, value);
                break;
        }
        return r;
}

static bool takes_value(const struct cli_option *o)
{
        return o->type != CLI_OPT_BOOL && !(o->type == CLI_OPT_CALLBACK && !o->cb_takes_value);
}

/* Applies one occurrence; value NULL for a bare boolean flag. */
static int apply(struct cli_args *a, const struct cli_option *o, size_t idx, const char *value,
                 struct berth_error **err)
{
        struct cli_value *v = &a->vals[idx];
        int r;

        if (!value)
                value = "true";
        r = set_value(a, o, v, value, err);
        if (r < 0) {
                _cleanup_free_ char *desc = flag_desc(o);
                return berth_err_prefix(err, "invalid argument \"%s\" for \"%s\" flag", value, desc);
        }
        v->set = true;
        return 0;
}

static const struct cli_option *find_long(const struct cli_command *cmd, const char *name, size_t len,
                                          size_t *idx)
{
        const struct cli_option *o = cmd->options;

        for (size_t i = 0; o && o[i].name; i++)
                if (strlen(o[i].name) == len && strncmp(o[i].name, name, len) == 0) {
                        *idx = i;
                        return &o[i];
                }
        return NULL;
}

static const struct cli_option *find_short(const struct cli_command *cmd, char c, size_t *idx)
{
        const struct cli_option *o = cmd->options;

        for (size_t i = 0; o && o[i].name; i++)
                if (o[i].shorthand == c) {
                        *idx = i;
                        return &o[i];
                }
        return NULL;
}

static int parse_long(struct cli_args *a, int argc, char **argv, int *i, bool *help,
                      struct berth_error **err)
{
        const char *s = argv[*i] + 2, *eq = strchr(s, '=');
        size_t len = eq ? (size_t)(eq - s) : strlen(s), idx;
        const struct cli_option *o = find_long(a->cmd, s, len, &idx);

        if (!o) {
                if (len == 4 && strncmp(s, "help", 4) == 0) {
                        *help = true;
                        return 0;
                }
                return berth_err_msg(err, EINVAL, "unknown flag: --%.*s", (int)len, s);
        }
        if (!takes_value(o))
                return apply(a, o, idx, eq ? eq + 1 : NULL, err);
        if (eq)
                return apply(a, o, idx, eq + 1, err);
        if (*i + 1 >= argc)
                return berth_err_msg(err, EINVAL, "flag needs an argument: --%s", o->name);
        return apply(a, o, idx, argv[++*i], err);
}

/* "-it", "-n5", "-n=5", "-n 5", "-a=false". */
static int parse_shorts(struct cli_args *a, int argc, char **argv, int *i, bool *help,
                        struct berth_error **err)
{
        const char *arg = argv[*i];

        for (const char *p = arg + 1; *p; p++) {
                size_t idx;
                const struct cli_option *o = find_short(a->cmd, *p, &idx);
                if (!o) {
                        if (*p == 'h') {
                                *help = true;
                                continue;
                        }
                        return berth_err_msg(err, EINVAL, "unknown shorthand flag: '%c' in %s", *p, arg);
                }
                if (!takes_value(o)) {
                        if (p[1] == '=')
                                return apply(a, o, idx, p + 2, err);
                        int r = apply(a, o, idx, NULL, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (p[1])
                        return apply(a, o, idx, p[1] == '=' ? p + 2 : p + 1, err);
                if (*i + 1 >= argc)
                        return berth_err_msg(err, EINVAL, "flag needs an argument: '%c' in -%c", *p, *p);
                return apply(a, o, idx, argv[++*i], err);
        }
        return 0;
}

static int init_defaults(struct cli_args *a, struct berth_error **err)
{
        const struct cli_option *o = a->cmd->options;

        for (size_t i = 0; i < a->nopts; i++) {
                if (!o[i].def || o[i].type == CLI_OPT_LIST || o[i].type == CLI_OPT_CALLBACK)
                        continue;
                int r = set_value(a, &o[i], &a->vals[i], o[i].def, err);
                if (r < 0)
                        return berth_err_prefix(err, "bad default for --%s", o[i].name);
        }
        return 0;
}

static int parse_loop(struct cli_args *a, int argc, char **argv, bool *help, struct berth_error **err)
{
        bool stop = a->cmd->flags & CLI_STOP_AT_FIRST_ARG;

        for (int i = 0; i < argc; i++) {
                const char *s = argv[i];
                int r = 0;

                if (streq(s, "--")) {
                        for (i++; i < argc; i++)
                                a->argv = strv_push(a->argv, argv[i]);
                        break;
                }
                if (s[0] != '-' || !s[1]) {
                        a->argv = strv_push(a->argv, s);
                        if (stop) {
                                for (i++; i < argc; i++)
                                        a->argv = strv_push(a->argv, argv[i]);
                                break;
                        }
                        continue;
                }
                if (s[1] == '-')
                        r = parse_long(a, argc, argv, &i, help, err);
                else
                        r = parse_shorts(a, argc, argv, &i, help, err);
                if (r < 0)
                        return r;
        }
        a->argc = strv_length(a->argv);
        return 0;
}

int cli_args_parse_quiet(const struct cli_command *cmd, int argc, char **argv, struct cli_args **ret,
                         bool *ret_help, struct berth_error **err)
{
        _cleanup_cli_args_ struct cli_args *a = xmalloc(sizeof(*a));
        bool help = false;
        int r;

        a->cmd = cmd;
        a->nopts = options_count(cmd->options);
        a->vals = xcalloc(a->nopts + 1, sizeof(*a->vals));
        r = init_defaults(a, err);
        if (r < 0)
                return r;
        r = parse_loop(a, argc, argv, &help, err);
        if (r < 0)
                return r;
        *ret_help = help;
        *ret = TAKE_PTR(a);
        return 0;
}

static void print_usage_error(const struct cli_command *cmd, const char *path, const char *msg,
                              const char *verb)
{
        fprintf(stderr, "%s\n\nUsage:  %s%s%s\n\n%s '%s --help' for more information\n", msg, path,
                cmd->usage && *cmd->usage ? " " : "", cmd->usage ? cmd->usage : "", verb, path);
}

/* cobra's positional-argument checks, with docker's wording (cli/required.go). */
static char *check_arg_count(const struct cli_command *cmd, const char *path, size_t n, const char **verb)
{
        int min = cmd->min_args, max = cmd->max_args, argc = (int)n;

        *verb = "Run";
        if (max == 0 && argc > 0)
                return xasprintf("berth: '%s' accepts no arguments", path);
        if (min == max && argc != min)
                return xasprintf("berth: '%s' requires %d argument%s", path, min, min == 1 ? "" : "s");
        if (argc < min && max < 0) {
                *verb = "See";
                return xasprintf("berth: '%s' requires at least %d argument%s", path, min,
                                 min == 1 ? "" : "s");
        }
        if ((argc < min || (max >= 0 && argc > max)) && min > 0)
                return xasprintf("berth: '%s' requires at least %d and at most %d arguments", path, min,
                                 max);
        if (max >= 0 && argc > max)
                return xasprintf("berth: '%s' requires at most %d argument%s", path, max,
                                 max == 1 ? "" : "s");
        return NULL;
}

int cli_args_parse(const struct cli_command *cmd, const char *path, int argc, char **argv,
                   struct cli_args **ret, bool *ret_help)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_cli_args_ struct cli_args *a = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *verb;

        if (cli_args_parse_quiet(cmd, argc, argv, &a, ret_help, &err) < 0) {
                print_usage_error(cmd, path, err->msg, "Run");
                return -CLI_EXIT_ENGINE;
        }
        if (!*ret_help && (msg = check_arg_count(cmd, path, a->argc, &verb))) {
                print_usage_error(cmd, path, msg, verb);
                return -CLI_EXIT_FAILURE;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

size_t cli_argc(const struct cli_args *a)
{
        return a->argc;
}

char **cli_argv(const struct cli_args *a)
{
        static char *empty[] = {NULL};

        return a->argv ? a->argv : empty;
}

static const struct cli_value *lookup(const struct cli_args *a, const char *name)
{
        for (size_t i = 0; i < a->nopts; i++)
                if (streq(a->cmd->options[i].name, name))
                        return &a->vals[i];
        fprintf(stderr, "BUG: command '%s' has no option --%s\n", a->cmd->name, name);
        abort();
}

bool cli_is_set(const struct cli_args *a, const char *name)
{
        return lookup(a, name)->set;
}

bool cli_bool(const struct cli_args *a, const char *name)
{
        return lookup(a, name)->b;
}

const char *cli_string(const struct cli_args *a, const char *name)
{
        return lookup(a, name)->s;
}

long long cli_int(const struct cli_args *a, const char *name)
{
        return lookup(a, name)->i;
}

char **cli_list(const struct cli_args *a, const char *name)
{
        return lookup(a, name)->list;
}

/* ---------------------------------------------------------------- help */

static const char *metavar(const struct cli_option *o)
{
        static const char *const names[] = {
            [CLI_OPT_BOOL] = "",     [CLI_OPT_STRING] = "string", [CLI_OPT_INT] = "int",
            [CLI_OPT_LIST] = "list", [CLI_OPT_BYTES] = "bytes",   [CLI_OPT_CALLBACK] = "string"};

        if (o->metavar)
                return o->metavar;
        if (o->type == CLI_OPT_CALLBACK && !o->cb_takes_value)
                return "";
        return names[o->type];
}

static bool default_is_zero(const struct cli_option *o)
{
        static const char *const zeros[] = {"", "false", "0", "[]", "0B"};

        if (!o->def)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(zeros); i++)
                if (streq(o->def, zeros[i]))
                        return true;
        return false;
}

/* pflag's wrapN: break at the last space before i, or at an embedded newline. */
static size_t wrap_n(const char *s, size_t i, size_t slop, size_t *skip)
{
        size_t len = strlen(s), w = 0, nl = 0;

        *skip = 0;
        if (i + slop > len)
                return len;
        for (size_t k = 0; k < i; k++) {
                if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
                        w = k;
                if (s[k] == '\n' && k > 0)
                        nl = k;
        }
        if (w == 0)
                return len;
        *skip = 1;
        if (nl > 0 && nl < w)
                return nl;
        return w;
}

/* pflag's wrap(i, w, s): usage text wrapped to width w, continuation lines indented by i. */
static void print_wrapped(FILE *f, size_t indent, size_t width, const char *s)
{
        size_t wrap = width - indent, n, skip;

        if (wrap < 24) {
                fputs(s, f); /* docker's 80 columns always leave room; keep the text whole otherwise */
                return;
        }
        wrap -= 5;
        for (bool first = true; *s; first = false) {
                n = wrap_n(s, wrap, 5, &skip);
                if (!first)
                        fprintf(f, "\n%*s", (int)indent, "");
                for (size_t k = 0; k < n; k++) {
                        fputc(s[k], f);
                        if (s[k] == '\n')
                                fprintf(f, "%*s", (int)indent, "");
                }
                s += n + skip;
        }
}

static char *option_head(const struct cli_option *o)
{
        const char *mv = metavar(o);

        if (o->shorthand)
                return xasprintf("  -%c, --%s%s%s", o->shorthand, o->name, *mv ? " " : "", mv);
        return xasprintf("      --%s%s%s", o->name, *mv ? " " : "", mv);
}

static int cmp_option(const void *a, const void *b)
{
        return strcmp((*(const struct cli_option *const *)a)->name,
                      (*(const struct cli_option *const *)b)->name);
}

/* pflag's FlagUsagesWrapped(80): sorted by long name, usage column after the longest head + 3. */
static void print_options(FILE *f, const struct cli_option *opts)
{
        size_t n = options_count(opts), maxlen = 0, k = 0;
        _cleanup_free_ const struct cli_option **sorted = xcalloc(n + 1, sizeof(*sorted));

        for (size_t i = 0; i < n; i++)
                if (!(opts[i].flags & CLI_OPT_HIDDEN))
                        sorted[k++] = &opts[i];
        qsort(sorted, k, sizeof(*sorted), cmp_option);
        for (size_t i = 0; i < k; i++) {
                _cleanup_free_ char *head = option_head(sorted[i]);
                if (strlen(head) > maxlen)
                        maxlen = strlen(head);
        }
        for (size_t i = 0; i < k; i++) {
                const struct cli_option *o = sorted[i];
                _cleanup_free_ char *head = option_head(o), *usage = NULL;
                if (default_is_zero(o))
                        usage = xstrdup(o->help ? o->help : "");
                else if (o->type == CLI_OPT_STRING)
                        usage = xasprintf("%s (default \"%s\")", o->help ? o->help : "", o->def);
                else
                        usage = xasprintf("%s (default %s)", o->help ? o->help : "", o->def);
                fprintf(f, "%-*s   ", (int)maxlen, head);
                print_wrapped(f, maxlen + 3, 80, usage);
                fputc('\n', f);
        }
}

struct alias_ctx {
        FILE *f;
        const struct cli_command *cmd;
};

void cli_print_command_help(FILE *f, const struct cli_command *cmd, const char *path)
{
        _cleanup_free_ char *canon = cli_command_path(cmd);
        bool has_opts = false;

        fprintf(f, "Usage:  %s%s%s\n\n%s\n", path, cmd->usage && *cmd->usage ? " " : "",
                cmd->usage ? cmd->usage : "", cmd->summary);
        if (cmd->aliases && cmd->aliases[0]) {
                fprintf(f, "\nAliases:\n  %s", canon);
                for (size_t i = 0; cmd->aliases[i]; i++)
                        fprintf(f, ", berth %s", cmd->aliases[i]);
                fputc('\n', f);
        }
        for (size_t i = 0; cmd->options && cmd->options[i].name; i++)
                has_opts |= !(cmd->options[i].flags & CLI_OPT_HIDDEN);
        if (has_opts) {
                fputs("\nOptions:\n", f);
                print_options(f, cmd->options);
        }
}

struct listing {
        const char **names;
        const char **summaries;
        size_t n;
};

static void listing_add(struct listing *l, const char *name, const char *summary)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->names[i], name))
                        return;
        l->names = xrealloc(l->names, (l->n + 1) * sizeof(char *));
        l->summaries = xrealloc(l->summaries, (l->n + 1) * sizeof(char *));
        l->names[l->n] = name;
        l->summaries[l->n++] = summary;
}

static void listing_sort(struct listing *l)
{
        /* Insertion sort keeps names and summaries paired; listings are a few dozen lines. */
        for (size_t i = 1; i < l->n; i++)
                for (size_t j = i; j > 0 && strcmp(l->names[j - 1], l->names[j]) > 0; j--) {
                        const char *t = l->names[j];
                        l->names[j] = l->names[j - 1];
                        l->names[j - 1] = t;
                        t = l->summaries[j];
                        l->summaries[j] = l->summaries[j - 1];
                        l->summaries[j - 1] = t;
                }
}

/* cobra: "  %-11s %s", the name column widened to the longest name when it exceeds 11. */
static void listing_print(FILE *f, const char *title, struct listing *l)
{
        size_t pad = 11;

        if (!l->n)
                return;
        for (size_t i = 0; i < l->n; i++)
                if (strlen(l->names[i]) > pad)
                        pad = strlen(l->names[i]);
        fprintf(f, "\n%s:\n", title);
        for (size_t i = 0; i < l->n; i++)
                fprintf(f, "  %-*s %s\n", (int)pad, l->names[i], l->summaries[i]);
        free(l->names);
        free(l->summaries);
        *l = (struct listing){0};
}

struct group_listing {
        const char *group;
        struct listing l;
};

static int collect_group(const struct cli_command *cmd, void *userdata)
{
        struct group_listing *gl = userdata;

        if (cmd->group && streq(cmd->group, gl->group) && !(cmd->flags & CLI_HIDDEN))
                listing_add(&gl->l, cmd->name, cmd->summary);
        return 0;
}

void cli_print_group_help(FILE *f, const char *group)
{
        const struct cli_group *g = cli_group_find(group);
        struct group_listing gl = {.group = group};

        fprintf(f, "Usage:  berth %s COMMAND\n\n%s\n", group, g ? g->summary : "");
        cli_commands_foreach(collect_group, &gl);
        listing_sort(&gl.l);
        listing_print(f, "Commands", &gl.l);
        fprintf(f, "\nRun 'berth %s COMMAND --help' for more information on a command.\n", group);
}

static bool is_common(const char *name)
{
        for (const char *const *c = cli_common_order(); *c; c++)
                if (streq(*c, name))
                        return true;
        return false;
}

/* Top-level words: commands without a group and one-word aliases ("images", "ps", "rmi"). */
static int collect_top(const struct cli_command *cmd, void *userdata)
{
        struct listing *l = userdata;

        if (cmd->flags & CLI_HIDDEN)
                return 0;
        if (!cmd->group && !is_common(cmd->name))
                listing_add(l, cmd->name, cmd->summary);
        for (size_t i = 0; cmd->aliases && cmd->aliases[i]; i++)
                if (!strchr(cmd->aliases[i], ' ') && !is_common(cmd->aliases[i]))
                        listing_add(l, cmd->aliases[i], cmd->summary);
        return 0;
}

const struct cli_option cli_global_options[] = {
    {"debug", 'D', CLI_OPT_BOOL, NULL, NULL, "Enable debug mode"},
    {"log-level", 'l', CLI_OPT_STRING, NULL, "info",
     "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")"},
    {"root", 0, CLI_OPT_STRING, NULL, NULL,
     "Root of the image and container store (default $BERTH_ROOT or /var/lib/berth)"},
    {"runroot", 0, CLI_OPT_STRING, NULL, NULL,
     "Root of the runtime state (default $BERTH_RUNROOT or /run/berth)"},
    {"version", 'v', CLI_OPT_BOOL, NULL, NULL, "Print version information and quit"},
    {NULL},
};

void cli_print_main_help(FILE *f)
{
        struct listing l = {0};

        fputs("Usage:  berth [OPTIONS] COMMAND\n\nA daemonless, Docker-compatible container engine\n", f);
        for (const char *const *c = cli_common_order(); *c; c++) {
                size_t used;
                char *word[] = {(char *)*c, NULL};
                const struct cli_command *cmd = cli_command_find(word, 1, &used);
                if (cmd)
                        listing_add(&l, *c, cmd->summary);
        }
        listing_print(f, "Common Commands", &l);
        for (const struct cli_group *g = cli_groups(); g->name; g++)
                if (cli_group_has_commands(g->name))
                        listing_add(&l, g->name, g->summary);
        listing_sort(&l);
        listing_print(f, "Management Commands", &l);
        cli_commands_foreach(collect_top, &l);
        listing_sort(&l);
        listing_print(f, "Commands", &l);
        fputs("\nGlobal Options:\n", f);
        print_options(f, cli_global_options);
        fputs("\nRun 'berth COMMAND --help' for more information on a command.\n", f);
}

int cli_fail(const struct cli_context *ctx, struct berth_error *err)
{
        fprintf(stderr, "berth: %s\n", err && err->msg ? err->msg : "unknown error");
        return ctx && ctx->cmd && (ctx->cmd->flags & CLI_ERRORS_125) ? CLI_EXIT_ENGINE : CLI_EXIT_FAILURE;
}

int cli_failf(const struct cli_context *ctx, const char *fmt, ...)
{
        struct berth_error e = {.code = EINVAL};
        va_list ap;
        int r;

        va_start(ap, fmt);
        if (vasprintf(&e.msg, fmt, ap) < 0)
                oom();
        va_end(ap);
        r = cli_fail(ctx, &e);
        free(e.msg);
        return r;
}
