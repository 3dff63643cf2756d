/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `network` group: create, ls, inspect, rm, prune, connect, disconnect,
 * with docker's flags, output and messages. The networks themselves are
 * libberth's (network/network.h, container/container-net.h).
 *
 * Errors keep the body of Docker's message behind berth's single "berth: "
 * prefix where docker prints "Error response from daemon: " (docs/design/cli.md),
 * and docker's exit codes: 1 for every failure (a missing network, a duplicate
 * name, an overlapping subnet, rm of bridge/host/none or of a network in use,
 * a bad filter), 125 for an unknown flag; with several arguments (inspect, rm)
 * every one is tried and the status is 1 if one failed:
 *   berth network rm nosuch     -> "berth: network nosuch not found", exit 1
 *   berth network rm bridge     -> "berth: bridge is a pre-defined network and cannot be removed", exit 1
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
#include "container/container-net.h"
#include "container/container.h"
#include "engine.h"
#include "format.h"
#include "network/network.h"

/* ---- helpers shared by ls, prune and inspect */

static bool is_predefined(const struct network *n)
{
        return streq(n->name, NETWORK_DEFAULT_NAME) || network_is_builtin_special(n->name);
}

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

static json_t *record_labels(const struct network *n)
{
        json_t *l = json_object_get(n->record, "Labels");
        return json_is_object(l) ? l : NULL;
}

/* "KEY" or "KEY=VALUE" against the network's labels. */
static bool label_match(const struct network *n, const char *filter)
{
        const char *eq = strchr(filter, '=');
        _cleanup_free_ char *key = eq ? strndup(filter, (size_t)(eq - filter)) : xstrdup(filter);
        json_t *v = json_object_get(record_labels(n), key);

        if (!v)
                return false;
        return !eq || streq(json_string_value(v) ?: "", eq + 1);
}

/* label=K[=V] must all match; label!=K[=V] must all not. */
static bool labels_pass(const struct network *n, char *const *filters)
{
        for (size_t i = 0; filters && filters[i]; i++) {
                const char *f = filters[i];
                if (strncmp(f, "label!=", 7) == 0) {
                        if (label_match(n, f + 7))
                                return false;
                } else if (!label_match(n, f + 6)) {
                        return false;
                }
        }
        return true;
}

/* docker's name= and id= are regular expressions searched in the value. */
static bool regex_matches(const char *value, const char *pattern)
{
        regex_t re;
        bool m;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return strstr(value, pattern) != NULL;
        m = regexec(&re, value, 0, NULL, 0) == 0;
        regfree(&re);
        return m;
}

static bool has_endpoints(struct store *s, const struct network *n)
{
        _cleanup_error_ struct berth_error *e = NULL;
        _cleanup_strv_ char **ids = NULL;

        /* When the endpoints cannot be read, count the network as used: never prune it by mistake. */
        if (network_endpoints(s, n, &ids, &e) < 0)
                return true;
        return ids && ids[0];
}

static const char *record_string(const struct network *n, const char *key)
{
        return json_string_value(json_object_get(n->record, key)) ?: "";
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* docker's {{.Labels}}: "k=v,k2=v2" (sorted keys). */
static char *labels_string(const struct network *n)
{
        json_t *labels = record_labels(n);
        const char **keys = xcalloc(json_object_size(labels) + 1, sizeof(*keys));
        char *out = xstrdup("");
        const char *key;
        size_t k = 0;
        json_t *val;

        json_object_foreach (labels, key, val)
                keys[k++] = key;
        qsort(keys, k, sizeof(*keys), cmp_str);
        for (size_t i = 0; i < k; i++) {
                char *s = xasprintf("%s%s%s=%s", out, i ? "," : "", keys[i],
                                    json_string_value(json_object_get(labels, keys[i])) ?: "");
                free(out);
                out = s;
        }
        free(keys);
        return out;
}

/*
 * docker's {{.CreatedAt}} is Go's time.String() of the record's RFC 3339 "Created":
 * "2026-11-28 04:47:58.04270477 +0000 UTC" (fraction without trailing zeros). Records are UTC.
 */
static char *created_string(const char *rfc3339)
{
        _cleanup_free_ char *s = xstrdup(rfc3339);
        char *t = strchr(s, 'T'), *z = strchr(s, 'Z'), *dot;

        if (!t || !z || z[1])
                return xstrdup(rfc3339);
        *t = ' ';
        *z = '\0';
        dot = strchr(s, '.');
        if (dot) {
                size_t len = strlen(s);
                while (len > 0 && s[len - 1] == '0')
                        s[--len] = '\0';
                if (s[len - 1] == '.')
                        s[len - 1] = '\0';
        }
        return xasprintf("%s +0000 UTC", s);
}

/* ---- create */

/* One subnet and one gateway per network, as Docker's bridge driver. */
static int create_one_value(char **list, const char *what, const char **ret, struct berth_error **err)
{
        if (strv_length(list) > 1)
                return berth_err_msg(err, EINVAL, "bridge driver doesn't support multiple %s", what);
        *ret = list ? list[0] : NULL;
        return 0;
}

static int cmd_network_create(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_json_ json_t *labels = NULL, *opts = NULL;
        _cleanup_network_ struct network *n = NULL;
        struct network_create_options o = {
            .name = cli_argv(args)[0],
            .driver = cli_string(args, "driver"),
            .internal = cli_bool(args, "internal"),
        };

        if (create_one_value(cli_list(args, "subnet"), "subnets", &o.subnet, &err) < 0 ||
            create_one_value(cli_list(args, "gateway"), "gateways", &o.gateway, &err) < 0)
                return cli_fail(ctx, err);
        if (o.gateway && !o.subnet)
                return cli_failf(ctx, "every ip-range or gateway must have a corresponding subnet");
        /* -o is recorded in Options; --attachable recorded too, though it means nothing without a swarm. */
        if (kv_to_object(cli_list(args, "label"), false, "--label", &labels, &err) < 0 ||
            kv_to_object(cli_list(args, "opt"), false, "-o, --opt", &opts, &err) < 0)
                return cli_fail(ctx, err);
        o.labels = labels;
        o.options = opts;
        o.attachable = cli_bool(args, "attachable");
        if (engine_store_open(ctx, &s, &err) < 0 || network_create(s, &o, &n, &err) < 0)
                return cli_fail(ctx, err);
        printf("%s\n", n->id);
        return CLI_EXIT_OK;
}

/* ---- ls */

struct ls_filters {
        int dangling; /* -1: any */
        char **names, **ids, **drivers, **labels, **types, **scopes;
};

static int parse_dangling(const char *val, int *ret, struct berth_error **err)
{
        if (streq(val, "true") || streq(val, "1"))
                *ret = 1;
        else if (streq(val, "false") || streq(val, "0"))
                *ret = 0;
        else
                return berth_err_msg(err, EINVAL,
                                     "invalid value for filter 'dangling', must be \"true\" (or \"1\"), or "
                                     "\"false\" (or \"0\")");
        return 0;
}

static int ls_parse_filters(char **list, struct ls_filters *f, struct berth_error **err)
{
        static const struct {
                const char *key;
                size_t off;
        } keys[] = {
            {"name", offsetof(struct ls_filters, names)},     {"id", offsetof(struct ls_filters, ids)},
            {"driver", offsetof(struct ls_filters, drivers)}, {"type", offsetof(struct ls_filters, types)},
            {"scope", offsetof(struct ls_filters, scopes)},
        };

        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '='), *val = eq ? eq + 1 : NULL;
                size_t klen = eq ? (size_t)(eq - list[i]) : 0;
                bool done = false;
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                if (strncmp(list[i], "dangling=", 9) == 0) {
                        if (parse_dangling(val, &f->dangling, err) < 0)
                                return -EINVAL;
                        continue;
                }
                if (strncmp(list[i], "label=", 6) == 0 || strncmp(list[i], "label!=", 7) == 0) {
                        f->labels = strv_push(f->labels, list[i]);
                        continue;
                }
                for (size_t k = 0; k < ARRAY_SIZE(keys) && !done; k++) {
                        char ***slot = (char ***)((char *)f + keys[k].off);
                        if (strlen(keys[k].key) == klen && strncmp(list[i], keys[k].key, klen) == 0) {
                                *slot = strv_push(*slot, val);
                                done = true;
                        }
                }
                if (!done)
                        return berth_err_msg(err, EINVAL, "Invalid filter '%.*s'", (int)klen, list[i]);
        }
        for (size_t i = 0; f->types && f->types[i]; i++)
                if (!streq(f->types[i], "custom") && !streq(f->types[i], "builtin"))
                        return berth_err_msg(err, EINVAL, "invalid filter: 'type'='%s'", f->types[i]);
        return 0;
}

static void ls_filters_done(struct ls_filters *f)
{
        strv_free(f->names);
        strv_free(f->ids);
        strv_free(f->drivers);
        strv_free(f->labels);
        strv_free(f->types);
        strv_free(f->scopes);
}

/* Values of one kind are alternatives (OR); kinds combine (AND), as docker's filters.Args. */
static bool any_match(char *const *values, const char *s, bool regex)
{
        if (!values)
                return true;
        for (size_t i = 0; values[i]; i++)
                if (regex ? regex_matches(s, values[i]) : streq(s, values[i]))
                        return true;
        return false;
}

static bool ls_passes(struct store *s, const struct network *n, const struct ls_filters *f)
{
        bool predefined = is_predefined(n);

        if (!any_match(f->names, n->name, true) || !any_match(f->ids, n->id, true) ||
            !any_match(f->drivers, n->driver, false) || !any_match(f->scopes, "local", false) ||
            !any_match(f->types, predefined ? "builtin" : "custom", false) || !labels_pass(n, f->labels))
                return false;
        /* Docker's dangling: a custom network without containers; predefined ones never dangle. */
        if (f->dangling >= 0 && (!predefined && !has_endpoints(s, n)) != (bool)f->dangling)
                return false;
        return true;
}

static json_t *ls_row(const struct network *n, bool no_trunc)
{
        _cleanup_free_ char *labels = labels_string(n);
        _cleanup_free_ char *created = created_string(record_string(n, "Created"));
        _cleanup_free_ char *id = no_trunc ? xstrdup(n->id) : strndup(n->id, 12);
        bool v6 = json_is_true(json_object_get(n->record, "EnableIPv6"));

        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "CreatedAt", created, "Driver", n->driver,
                         "ID", id, "IPv4", n->subnet ? "true" : "false", "IPv6", v6 ? "true" : "false",
                         "Internal", n->internal ? "true" : "false", "Labels", labels, "Name", n->name,
                         "Scope", record_string(n, "Scope")[0] ? record_string(n, "Scope") : "local");
}

static const struct format_header ls_headers[] = {
    {"ID", "NETWORK ID"},     {"Name", "NAME"}, {"Driver", "DRIVER"},     {"Scope", "SCOPE"},
    {"IPv6", "IPV6"},         {"IPv4", "IPV4"}, {"Internal", "INTERNAL"}, {"Labels", "LABELS"},
    {"CreatedAt", "CREATED"}, {NULL, NULL},
};

static int ls_run(struct store *s, struct cli_args *args, struct berth_error **err)
{
        struct ls_filters f = {.dangling = -1};
        _cleanup_formatter_ struct formatter *fm = NULL;
        struct network **list = NULL;
        const char *user = cli_string(args, "format");
        size_t n = 0;
        int r;

        /* As docker: -q replaces the default table only; a custom --format wins over it. */
        if (cli_bool(args, "quiet") && (!user || !*user || streq(user, "table")))
                user = "{{.ID}}";
        r = ls_parse_filters(cli_list(args, "filter"), &f, err);
        if (r == 0)
                r = formatter_new(user ? user : "", "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                                  ls_headers, &fm, err);
        if (r == 0)
                r = network_list(s, &list, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++) {
                json_t *row;
                if (!ls_passes(s, list[i], &f))
                        continue;
                row = ls_row(list[i], cli_bool(args, "no-trunc"));
                r = formatter_add(fm, row, err);
                json_decref(row);
        }
        if (r == 0)
                r = formatter_flush(fm, stdout, err);
        network_list_free(list, n);
        ls_filters_done(&f);
        return r;
}

static int cmd_network_ls(struct cli_context *ctx, struct cli_args *args)
{
        return engine_with_store(ctx, args, ls_run);
}

/* ---- inspect */

/* Docker's per-container entry, from the container's record of its endpoint on n. */
static json_t *container_entry(const struct container *c, const char *network)
{
        json_t *ep = json_object_get(
            json_object_get(json_object_get(c->record, "NetworkSettings"), "Networks"), network);
        const char *ip = json_string_value(json_object_get(ep, "IPAddress")) ?: "";
        json_int_t len = json_integer_value(json_object_get(ep, "IPPrefixLen"));
        _cleanup_free_ char *cidr = *ip ? xasprintf("%s/%lld", ip, (long long)len) : xstrdup("");

        return json_pack("{s:s,s:s,s:s,s:s,s:s}", "Name", c->name, "EndpointID",
                         json_string_value(json_object_get(ep, "EndpointID")) ?: "", "MacAddress",
                         json_string_value(json_object_get(ep, "MacAddress")) ?: "", "IPv4Address", cidr,
                         "IPv6Address", "");
}

/* {ID: {Name, EndpointID, MacAddress, IPv4Address, IPv6Address}} of the containers attached to n. */
static int containers_object(struct store *s, const struct network *n, json_t **ret,
                             struct berth_error **err)
{
        _cleanup_json_ json_t *o = json_object();
        _cleanup_strv_ char **ids = NULL;
        int r;

        r = network_endpoints(s, n, &ids, err);
        if (r < 0)
                return r;
        for (size_t i = 0; ids && ids[i]; i++) {
                _cleanup_container_ struct container *c = NULL;
                /* An owner whose record is gone (rm racing us) is not shown, as Docker. */
                if (container_load(s, ids[i], &c, NULL) < 0)
                        continue;
                json_object_set_new(o, c->id, container_entry(c, n->name));
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* The record with "Containers" where Docker puts it (before "Options"). */
static int inspect_json(struct store *s, const struct network *n, json_t **ret, struct berth_error **err)
{
        _cleanup_json_ json_t *containers = NULL;
        json_t *out = json_object(), *v;
        const char *key;
        int r;

        r = containers_object(s, n, &containers, err);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        json_object_foreach (n->record, key, v) {
                if (streq(key, "Containers"))
                        continue;
                if (streq(key, "Options"))
                        json_object_set(out, "Containers", containers);
                json_object_set(out, key, v);
        }
        if (!json_object_get(out, "Containers"))
                json_object_set(out, "Containers", containers);
        *ret = out;
        return 0;
}

static int inspect_print(const struct cli_context *ctx, struct format *fmt, json_t *all)
{
        _cleanup_error_ struct berth_error *e = NULL;
        size_t i;
        json_t *j;
        int status = CLI_EXIT_OK;

        if (!fmt) {
                _cleanup_free_ char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
                return status;
        }
        json_array_foreach (all, i, j) {
                if (format_execute(fmt, j, stdout, &e) < 0) {
                        status = cli_fail(ctx, e);
                        berth_error_free(e);
                        e = NULL;
                } else {
                        fputc('\n', stdout);
                }
        }
        return status;
}

static int cmd_network_inspect(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_json_ json_t *all = json_array();
        _cleanup_strv_ char **errors = NULL;
        _cleanup_(format_freep) struct format *fmt = NULL;
        const char *spec = cli_string(args, "format");
        char **argv = cli_argv(args);
        int status;

        /* docker's -f json is the whole array on one line. */
        if (spec && streq(spec, "json"))
                spec = NULL;
        if (spec && *spec && format_compile(spec, &fmt, &err) < 0) {
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return CLI_EXIT_FAILURE;
        }
        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_network_ struct network *n = NULL;
                json_t *j;
                if (network_load(s, argv[i], &n, &e) < 0 || inspect_json(s, n, &j, &e) < 0) {
                        errors = strv_push(errors, e->msg);
                        continue;
                }
                json_array_append_new(all, j);
        }
        if (cli_string(args, "format") && streq(cli_string(args, "format"), "json")) {
                _cleanup_free_ char *text = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
                status = CLI_EXIT_OK;
        } else {
                status = inspect_print(ctx, fmt, all);
        }
        fflush(stdout);
        for (size_t i = 0; errors && errors[i]; i++)
                status = cli_failf(ctx, "%s", errors[i]);
        return status;
}

/* ---- rm */

static int cmd_network_rm(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        char **argv = cli_argv(args);
        int status = CLI_EXIT_OK;

        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_network_ struct network *n = NULL;
                int r = network_load(s, argv[i], &n, &e);
                /* -f: "Do not error if the network does not exist" (docker 25+). */
                if (r == -ENOENT && cli_bool(args, "force"))
                        continue;
                if (r < 0 || network_remove(s, n, &e) < 0) {
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

/* until= (a time or a duration back from now; the last one wins, as Docker), label=, label!=. */
static int prune_parse_filters(char **list, double *until, char ***labels, struct berth_error **err)
{
        for (size_t i = 0; list && list[i]; i++) {
                const char *eq = strchr(list[i], '=');
                if (!eq)
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                if (strncmp(list[i], "label=", 6) == 0 || strncmp(list[i], "label!=", 7) == 0) {
                        *labels = strv_push(*labels, list[i]);
                } else if (strncmp(list[i], "until=", 6) == 0) {
                        if (engine_parse_until(eq + 1, until, err) < 0)
                                return -EINVAL;
                } else {
                        return berth_err_msg(err, EINVAL, "Invalid filter '%.*s'", (int)(eq - list[i]),
                                             list[i]);
                }
        }
        return 0;
}

/* Removes every custom network without containers that passes the filters; their names, sorted. */
static int prune_run(struct store *s, double until, char **labels, char ***ret, struct berth_error **err)
{
        struct network **list = NULL;
        char **names = NULL;
        size_t n = 0;
        int r;

        r = network_list(s, &list, &n, err);
        for (size_t i = 0; r == 0 && i < n; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                struct network *nw = list[i];
                double created = engine_parse_rfc3339(record_string(nw, "Created"));
                if (is_predefined(nw) || !labels_pass(nw, labels) || (until > 0 && created >= until) ||
                    has_endpoints(s, nw))
                        continue;
                /*
                 * One in use by now (a run racing us) is skipped, as Docker skips what it cannot remove.
                 * A real error object: berth_err_prefix() with a NULL one turns every code into EINVAL,
                 * which hides the ENODEV network_remove() tolerates.
                 */
                if (network_remove(s, nw, &e) < 0)
                        continue;
                names = strv_push(names, nw->name);
        }
        network_list_free(list, n);
        *ret = names;
        return r;
}

static int cmd_network_prune(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_strv_ char **labels = NULL, **names = NULL;
        double until = 0;

        if (prune_parse_filters(cli_list(args, "filter"), &until, &labels, &err) < 0)
                return cli_fail(ctx, err);
        if (!cli_bool(args, "force") &&
            !confirm("WARNING! This will remove all custom networks not used by at least one container."))
                return CLI_EXIT_OK;
        if (engine_store_open(ctx, &s, &err) < 0 || prune_run(s, until, labels, &names, &err) < 0)
                return cli_fail(ctx, err);
        if (names) {
                printf("Deleted Networks:\n");
                for (size_t i = 0; names[i]; i++)
                        printf("%s\n", names[i]);
                printf("\n");
        }
        return CLI_EXIT_OK;
}

/* ---- connect, disconnect */

static int cmd_network_connect(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        char **argv = cli_argv(args);

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, argv[1], &c, &err) < 0 ||
            container_network_connect(s, c, argv[0], cli_string(args, "ip"),
                                      (const char *const *)cli_list(args, "alias"), &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

static int cmd_network_disconnect(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        char **argv = cli_argv(args);

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, argv[1], &c, &err) < 0 ||
            container_network_disconnect(s, c, argv[0], cli_bool(args, "force"), &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

/* ---- the table */

#define FORMAT_HELP_JSON                                                                                    \
        "'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go "    \
        "template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting " \
        "output with templates"

static const struct cli_option create_options[] = {
    {"attachable", 0, CLI_OPT_BOOL, NULL, NULL, "Enable manual container attachment"},
    {"driver", 'd', CLI_OPT_STRING, "string", "bridge", "Driver to manage the Network"},
    {"gateway", 0, CLI_OPT_LIST, "strings", NULL, "IPv4 or IPv6 Gateway for the master subnet"},
    {"internal", 0, CLI_OPT_BOOL, NULL, NULL, "Restrict external access to the network"},
    {"label", 'l', CLI_OPT_LIST, "list", NULL, "Set metadata on a network"},
    {"opt", 'o', CLI_OPT_LIST, "map", NULL, "Set driver specific options"},
    {"subnet", 0, CLI_OPT_LIST, "strings", NULL, "Subnet in CIDR format that represents a network segment"},
    {NULL},
};
static const struct cli_option ls_options[] = {
    {"filter", 'f', CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"driver=bridge\")"},
    {"format", 0, CLI_OPT_STRING, "string", NULL,
     "Format output using a custom template:\n'table':            Print output in table format with column "
     "headers (default)\n'table TEMPLATE':   Print output in table format using the given Go "
     "template\n" FORMAT_HELP_JSON},
    {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Do not truncate the output"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only display network IDs"},
    {NULL},
};
static const struct cli_option inspect_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL,
     "Format output using a custom template:\n" FORMAT_HELP_JSON},
    {"verbose", 'v', CLI_OPT_BOOL, NULL, NULL, "Verbose output for diagnostics", CLI_OPT_HIDDEN},
    {NULL},
};
static const struct cli_option rm_options[] = {
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not error if the network does not exist"},
    {NULL},
};
static const struct cli_option prune_options[] = {
    {"filter", 0, CLI_OPT_LIST, "filter", NULL, "Provide filter values (e.g. \"until=<timestamp>\")"},
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Do not prompt for confirmation"},
    {NULL},
};
static const struct cli_option connect_options[] = {
    {"alias", 0, CLI_OPT_LIST, "strings", NULL, "Add network-scoped alias for the container"},
    {"ip", 0, CLI_OPT_STRING, "string", NULL, "IPv4 address (e.g., \"172.30.100.104\")"},
    {NULL},
};
static const struct cli_option disconnect_options[] = {
    {"force", 'f', CLI_OPT_BOOL, NULL, NULL, "Force the container to disconnect from a network"},
    {NULL},
};
static const char *const ls_aliases[] = {"network list", NULL};
static const char *const rm_aliases[] = {"network remove", NULL};

const struct cli_command cli_network_commands[] = {
    {"network", "connect", NULL, "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network",
     connect_options, cmd_network_connect, 0, 2, 2},
    {"network", "create", NULL, "[OPTIONS] NETWORK", "Create a network", create_options, cmd_network_create,
     0, 1, 1},
    {"network", "disconnect", NULL, "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network",
     disconnect_options, cmd_network_disconnect, 0, 2, 2},
    {"network", "inspect", NULL, "[OPTIONS] NETWORK [NETWORK...]",
     "Display detailed information on one or more networks", inspect_options, cmd_network_inspect, 0, 1, -1},
    {"network", "ls", ls_aliases, "[OPTIONS]", "List networks", ls_options, cmd_network_ls, 0, 0, 0},
    {"network", "prune", NULL, "[OPTIONS]", "Remove all unused networks", prune_options, cmd_network_prune,
     0, 0, 0},
    {"network", "rm", rm_aliases, "NETWORK [NETWORK...]", "Remove one or more networks", rm_options,
     cmd_network_rm, 0, 1, -1},
    {NULL},
};
