/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `volume` group: create, ls, inspect, rm, prune, with docker's flags,
 * output and messages. The volumes themselves are libberth's (volume/volume.h).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cli.h"
#include "engine.h"
#include "format.h"
#include "units.h"
#include "volume/volume.h"

/* ---- create */

/* "KEY=VALUE" (or "KEY" for a label, whose value is then empty) into an object. */
static int kv_to_object(char **list, bool value_required, const char *flag, json_t **ret,
                        struct berth_error **err)
{
        _cleanup_json_ json_t *o = json_object();

        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                _cleanup_free_ char *key = eq ? strndup(list[i], (size_t)(eq - list[i])) : xstrdup(list[i]);
                if ((!eq && value_required) || !*key)
                        return berth_err_msg(err, EINVAL,
                                             "invalid argument \"%s\" for \"%s\" flag: invalid key "
                                             "value pair format",
                                             list[i], flag);
                json_object_set_new(o, key, json_string(eq ? eq + 1 : ""));
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int cmd_volume_create(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_json_ json_t *labels = NULL, *opts = NULL;
        _cleanup_volume_ struct volume *v = NULL;
        const char *name = cli_argc(args) ? cli_argv(args)[0] : cli_string(args, "name");

        if (cli_argc(args) && cli_is_set(args, "name") && !streq(cli_string(args, "name"), name))
                return cli_failf(ctx,
                                 "conflicting options: either specify --name or provide positional arg, "
                                 "not both");
        if (kv_to_object(cli_list(args, "label"), false, "--label", &labels, &err) < 0 ||
            kv_to_object(cli_list(args, "opt"), true, "-o, --opt", &opts, &err) < 0 ||
            engine_store_open(ctx, &s, &err) < 0 ||
            volume_create(s, name && *name ? name : NULL, cli_string(args, "driver"), labels, opts, &v,
                          &err) < 0)
                return cli_fail(ctx, err);
        printf("%s\n", v->name);
        return CLI_EXIT_OK;
}

/* ---- ls */

struct ls_filters {
        int dangling; /* -1: any */
        char **names, **drivers, **labels;
};

static int ls_parse_filters(char **list, struct ls_filters *f, struct berth_error **err)
{
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '='), *val = eq ? eq + 1 : NULL;
                bool b;
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                if (strncmp(list[i], "dangling=", 9) == 0) {
                        if (cli_parse_bool(val, &b) < 0)
                                return berth_err_msg(err, EINVAL, "invalid filter 'dangling=%s'", val);
                        f->dangling = b;
                } else if (strncmp(list[i], "name=", 5) == 0) {
                        f->names = strv_push(f->names, val);
                } else if (strncmp(list[i], "driver=", 7) == 0) {
                        f->drivers = strv_push(f->drivers, val);
                } else if (strncmp(list[i], "label=", 6) == 0 || strncmp(list[i], "label!=", 7) == 0) {
                        f->labels = strv_push(f->labels, list[i]);
                } else {
                        return berth_err_msg(err, EINVAL, "invalid filter '%.*s'", (int)(eq - list[i]),
                                             list[i]);
                }
        }
        return 0;
}

static void ls_filters_done(struct ls_filters *f)
{
        strv_free(f->names);
        strv_free(f->drivers);
        strv_free(f->labels);
}

/* docker's name= is a regular expression searched in the name ("free", "^v-", "prod$"). */
static bool name_matches(const char *name, const char *pattern)
{
        regex_t re;
        bool m;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return strstr(name, pattern) != NULL;
        m = regexec(&re, name, 0, NULL, 0) == 0;
        regfree(&re);
        return m;
}

/* Filters of one kind are alternatives (OR), kinds combine (AND), as docker's filters.Args. */
static bool ls_passes(const struct volume *v, json_t *usage, const struct ls_filters *f)
{
        bool ok = !f->names;

        if (f->dangling >= 0 && (json_object_get(usage, v->name) == NULL) != (bool)f->dangling)
                return false;
        for (size_t i = 0; f->names && f->names[i]; i++)
                ok = ok || name_matches(v->name, f->names[i]);
        if (!ok)
                return false;
        ok = !f->drivers;
        for (size_t i = 0; f->drivers && f->drivers[i]; i++)
                ok = ok || streq(f->drivers[i], "local");
        return ok && volume_filter_labels(v, f->labels);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* docker's volume row: {{.Labels}} is "k=v,k2=v2" (sorted keys). */
static json_t *ls_row(const struct volume *v)
{
        _cleanup_free_ char *labels = xstrdup("");
        const char **keys = xcalloc(json_object_size(v->labels) + 1, sizeof(*keys));
        const char *key;
        size_t n = 0;
        json_t *val;

        json_object_foreach (v->labels, key, val)
                keys[n++] = key;
        qsort(keys, n, sizeof(*keys), cmp_str);
        for (size_t i = 0; i < n; i++) {
                char *s = xasprintf("%s%s%s=%s", labels, i ? "," : "", keys[i],
                                    json_string_value(json_object_get(v->labels, keys[i])) ?: "");
                free(labels);
                labels = s;
        }
        free(keys);
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Availability", "N/A", "Driver",
                         "local", "Group", "N/A", "Labels", labels, "Links", "N/A", "Mountpoint",
                         v->mountpoint, "Name", v->name, "Scope", "local", "Size", "N/A", "Status", "N/A");
}

static const struct format_header ls_headers[] = {
    {"Driver", "DRIVER"}, {"Name", "VOLUME NAME"}, {"Scope", "SCOPE"}, {"Mountpoint", "MOUNTPOINT"},
    {"Labels", "LABELS"}, {"Links", "LINKS"},      {"Size", "SIZE"},   {NULL, NULL},
};

static int ls_run(struct store *s, struct cli_args *args, struct berth_error **err)
{
        struct ls_filters f = {.dangling = -1};
        _cleanup_formatter_ struct formatter *fm = NULL;
        _cleanup_json_ json_t *usage = NULL;
        struct volume **list = NULL;
        const char *user = cli_bool(args, "quiet") ? "{{.Name}}" : cli_string(args, "format");
        size_t n = 0;
        int r;

        r = ls_parse_filters(cli_list(args, "filter"), &f, err);
        if (r == 0)
                r = formatter_new(user ? user : "", "table {{.Driver}}\t{{.Name}}", ls_headers, &fm, err);
        if (r == 0)
                r = volume_usage(s, &usage, err);
        if (r == 0)
                r = volume_list(s, &list, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++) {
                json_t *row;
                if (!ls_passes(list[i], usage, &f))
                        continue;
                row = ls_row(list[i]);
                r = formatter_add(fm, row, err);
                json_decref(row);
        }
        if (r == 0)
                r = formatter_flush(fm, stdout, err);
        volume_list_free(list, n);
        ls_filters_done(&f);
        return r;
}

static int cmd_volume_ls(struct cli_context *ctx, struct cli_args *args)
{
        return engine_with_store(ctx, args, ls_run);
}

/* ---- inspect */

static int cmd_volume_inspect(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_json_ json_t *all = json_array();
        _cleanup_strv_ char **errors = NULL;
        _cleanup_(format_freep) struct format *fmt = NULL;
        const char *spec = cli_string(args, "format");
        char **argv = cli_argv(args);
        int status = CLI_EXIT_OK;

        if (spec && streq(spec, "json"))
                spec = "{{json .}}";
        if (spec && *spec && format_compile(spec, &fmt, &err) < 0) {
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return CLI_EXIT_FAILURE;
        }
        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_volume_ struct volume *v = NULL;
                json_t *j;
                if (volume_load(s, argv[i], &v, &e) < 0) {
                        errors = strv_push(errors, e->msg);
                        continue;
                }
                j = volume_inspect_json(v);
                if (!fmt) {
                        json_array_append_new(all, j);
                        continue;
                }
                if (format_execute(fmt, j, stdout, &e) < 0)
                        status = cli_fail(ctx, e);
                else
                        fputc('\n', stdout);
                json_decref(j);
        }
        if (!fmt) {
                _cleanup_free_ char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
        }
        fflush(stdout);
        for (size_t i = 0; errors && errors[i]; i++)
                status = cli_failf(ctx, "%s", errors[i]);
        return status;
}

/* ---- rm */

static int cmd_volume_rm(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        char **argv = cli_argv(args);
        int status = CLI_EXIT_OK;

        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                if (volume_remove(s, argv[i], cli_bool(args, "force"), &e) < 0) {
                        status = cli_fail(ctx, e);
                        continue;
                }
                printf("%s\n", argv[i]);
                fflush(stdout);
        }
        return status;
}

/* ---- prune */

static bool confirm(const char *warning)
{
        char line[64] = "";

        printf("%s\nAre you sure you want to continue? [y/N] ", warning);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0');
}

/* label=, label!=, and the API's all=true (what -a sends). */
static int prune_parse_filters(char **list, bool *all, char ***labels, struct berth_error **err)
{
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                if (strncmp(list[i], "label=", 6) == 0 || strncmp(list[i], "label!=", 7) == 0) {
                        *labels = strv_push(*labels, list[i]);
                } else if (strncmp(list[i], "all=", 4) == 0) {
                        if (cli_parse_bool(eq + 1, all) < 0)
                                return berth_err_msg(err, EINVAL, "invalid filter 'all=%s'", eq + 1);
                } else {
                        return berth_err_msg(err, EINVAL, "invalid filter '%.*s'", (int)(eq - list[i]),
                                             list[i]);
                }
        }
        return 0;
}

static int cmd_volume_prune(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_strv_ char **labels = NULL, **names = NULL;
        bool all = cli_bool(args, "all");
        char human[UNITS_BUF];
        uint64_t freed = 0;

        if (prune_parse_filters(cli_list(args, "filter"), &all, &labels, &err) < 0)
                return cli_fail(ctx, err);
        if (!cli_bool(args, "force") &&
            !confirm(all ? "WARNING! This will remove all local volumes not used by at least one container."
                         : "WARNING! This will remove anonymous local volumes not used by at least one "
                           "container."))
                return CLI_EXIT_OK;
        if (engine_store_open(ctx, &s, &err) < 0 || volume_prune(s, all, labels, &names, &freed, &err) < 0)
                return cli_fail(ctx, err);
        if (names) {
                printf("Deleted Volumes:\n");
                for (size_t i = 0; names[i]; i++)
                        printf("%s\n", names[i]);
                printf("\n");
        }
        printf("Total reclaimed space: %s\n", units_human_size(human, (double)freed));
        return CLI_EXIT_OK;
}

/* ---- the table */

static const struct cli_option create_options[] = {
    {"driver", 'd', CLI_OPT_STRING, "string", "local", "Specify volume driver name"},
    {"label", 0, CLI_OPT_LIST, "list", NULL, "Set metadata for a volume"},
    {"name", 0, CLI_OPT_STRING, "string", NULL, "Specify volume name", CLI_OPT_HIDDEN},
    {"opt", 'o', CLI_OPT_LIST, "map", NULL, "Set driver specific options"},
    {NULL},
};
static const struct cli_option ls_options[] = {
    {"filter", 'f', CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"dangling=true\")"},
    {"format", 0, CLI_OPT_STRING, "string", NULL,
     "Format output using a custom template:\n'table':            Print output in table format with column "
     "headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n"
     "'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go "
     "template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting "
     "output "
     "with templates"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only display volume names"},
    {NULL},
};
static const struct cli_option inspect_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL,
     "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         "
     "Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more "
     "information about formatting output with templates"},
    {NULL},
};
static const struct cli_option rm_options[] = {
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Force the removal of one or more volumes"},
    {NULL},
};
static const struct cli_option prune_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Remove all unused volumes, not just anonymous ones"},
    {"filter", 0, CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"label=<label>\")"},
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not prompt for confirmation"},
    {NULL},
};
static const char *const ls_aliases[] = {"volume list", NULL};
static const char *const rm_aliases[] = {"volume remove", NULL};

const struct cli_command cli_volume_commands[] = {
    {"volume", "create", NULL, "[OPTIONS] [VOLUME]", "Create a volume", create_options, cmd_volume_create, 0,
     0, 1},
    {"volume", "inspect", NULL, "[OPTIONS] VOLUME [VOLUME...]",
     "Display detailed information on one or more volumes", inspect_options, cmd_volume_inspect, 0, 1, -1},
    {"volume", "ls", ls_aliases, "[OPTIONS]", "List volumes", ls_options, cmd_volume_ls, 0, 0, 0},
    {"volume", "prune", NULL, "[OPTIONS]", "Remove unused local volumes", prune_options, cmd_volume_prune, 0,
     0, 0},
    {"volume", "rm", rm_aliases, "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", rm_options,
     cmd_volume_rm, 0, 1, -1},
    {NULL},
};
