/* SPDX-License-Identifier: Apache-2.0 */
/* `ps`, `inspect` (containers), `port`, `top`, `stats`: what docker shows about containers. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "cmd-image.h"
#include "container/supervisor.h"
#include "engine.h"
#include "format.h"
#include "runtime/runtime.h"
#include "units.h"

#define PS_DEFAULT                                                                                          \
        "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

static const struct format_header ps_headers[] = {
    {"ID", "CONTAINER ID"},
    {"Image", "IMAGE"},
    {"Command", "COMMAND"},
    {"RunningFor", "CREATED"},
    {"CreatedAt", "CREATED AT"},
    {"Status", "STATUS"},
    {"Ports", "PORTS"},
    {"Names", "NAMES"},
    {"Size", "SIZE"},
    {"Labels", "LABELS"},
    {"Mounts", "MOUNTS"},
    {"Networks", "NETWORKS"},
    {"LocalVolumes", "LOCAL VOLUMES"},
    {"State", "STATE"},
    {"Platform", "PLATFORM"},
    {NULL, NULL},
};

const struct cli_option container_ps_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Show all containers (default shows just running)"},
    {"filter", 'f', CLI_OPT_LIST, "filter", NULL, "Filter output based on conditions provided"},
    {"format", 0, CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_TABLE},
    {"last", 'n', CLI_OPT_INT, NULL, "-1", "Show n last created containers (includes all states)"},
    {"latest", 'l', CLI_OPT_BOOL, NULL, NULL, "Show the latest created container (includes all states)"},
    {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Don't truncate output"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Only display container IDs"},
    {"size", 's', CLI_OPT_BOOL, NULL, NULL, "Display total file sizes"},
    {NULL},
};

static json_t *state_of(const struct container *c)
{
        return json_object_get(c->record, "State");
}

static double state_time(const struct container *c, const char *key)
{
        return engine_parse_rfc3339(json_string_value(json_object_get(state_of(c), key)));
}

static double now_secs(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "Up 2 minutes", "Exited (0) 5 seconds ago", "Created", as docker's State.String(). */
static char *status_text(struct store *s, const struct container *c)
{
        enum container_status st = ctr_status(s, c);
        const char *health =
            json_string_value(json_object_get(json_object_get(state_of(c), "Health"), "Status"));
        long code = (long)json_integer_value(json_object_get(state_of(c), "ExitCode"));
        char d[UNITS_BUF];
        double t;

        if (st != container_status(c))
                code = 255;
        switch (st) {
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED:
                units_human_duration(d, now_secs() - state_time(c, "StartedAt"));
                if (st == CONTAINER_PAUSED)
                        return xasprintf("Up %s (Paused)", d);
                if (health && *health && !streq(health, "none"))
                        return xasprintf("Up %s (%s%s)", d, streq(health, "starting") ? "health: " : "",
                                         health);
                return xasprintf("Up %s", d);
        case CONTAINER_RESTARTING:
                units_human_duration(d, now_secs() - state_time(c, "FinishedAt"));
                return xasprintf("Restarting (%ld) %s ago", code, d);
        case CONTAINER_REMOVING:
                return xstrdup("Removal In Progress");
        case CONTAINER_DEAD:
                return xstrdup("Dead");
        case CONTAINER_CREATED:
                return xstrdup("Created");
        case CONTAINER_EXITED:
                t = state_time(c, st != container_status(c) ? "StartedAt" : "FinishedAt");
                if (t <= 0)
                        return xstrdup("Created");
                units_human_duration(d, now_secs() - t);
                return xasprintf("Exited (%ld) %s ago", code, d);
        }
        return xstrdup("");
}

/* Go's strconv.Quote for the printable text docker shows. */
static char *go_quote(const char *s)
{
        size_t n = strlen(s);
        char *out = xmalloc(n * 4 + 3), *p = out;

        *p++ = '"';
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if (ch == '"' || ch == '\\') {
                        *p++ = '\\';
                        *p++ = (char)ch;
                } else if (ch == '\n') {
                        p = stpcpy(p, "\\n");
                } else if (ch == '\t') {
                        p = stpcpy(p, "\\t");
                } else if (ch < 0x20 || ch == 0x7f) {
                        p += sprintf(p, "\\x%02x", ch);
                } else {
                        *p++ = (char)ch;
                }
        }
        *p++ = '"';
        *p = '\0';
        return out;
}

/* docker's Ellipsis: at most max runes, the last one "…". */
static char *ellipsis(const char *s, size_t max)
{
        size_t runes = 0, i;

        for (i = 0; s[i]; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        runes++;
        if (runes <= max)
                return xstrdup(s);
        runes = 0;
        for (i = 0; s[i]; i++) {
                if (((unsigned char)s[i] & 0xc0) != 0x80 && ++runes == max)
                        break;
        }
        return xasprintf("%.*s…", (int)i, s);
}

static char *command_text(const struct container *c, bool trunc)
{
        _cleanup_free_ char *full = xstrdup(json_string_value(json_object_get(c->record, "Path")) ?: "");
        _cleanup_free_ char *cut = NULL;
        json_t *v;
        size_t i;

        /* docker's list.go quotes the arguments that hold a space. */
        json_array_foreach (json_object_get(c->record, "Args"), i, v) {
                const char *a = json_string_value(v) ?: "";
                char *n = strchr(a, ' ') ? xasprintf("%s '%s'", full, a) : xasprintf("%s %s", full, a);
                free(full);
                full = n;
        }
        cut = trunc ? ellipsis(full, 20) : xstrdup(full);
        return go_quote(cut);
}

static char *labels_text(const struct container *c)
{
        json_t *labels = json_object_get(json_object_get(c->record, "Config"), "Labels"), *v;
        _cleanup_strv_ char **keys = NULL;
        char *out = xstrdup("");
        const char *k;

        json_object_foreach (labels, k, v)
                keys = strv_push(keys, k);
        for (size_t i = 0; keys && keys[i]; i++) {
                char *n = xasprintf("%s%s%s=%s", out, i ? "," : "", keys[i],
                                    json_string_value(json_object_get(labels, keys[i])) ?: "");
                free(out);
                out = n;
        }
        return out;
}

static uint64_t du_total;
static int du_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)path;
        (void)flag;
        (void)ftw;
        if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
                du_total += (uint64_t)st->st_size;
        return 0;
}

static uint64_t dir_size(const char *path)
{
        du_total = 0;
        (void)nftw(path, du_cb, 32, FTW_PHYS);
        return du_total;
}

static char *size_text(struct store *s, const struct container *c)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ char *upper = xasprintf("%s/containers/%s/upper", s->root, c->id);
        uint64_t rw = dir_size(upper), virt = rw;
        char a[UNITS_BUF], b[UNITS_BUF];

        if (image_lookup(s, json_string_value(json_object_get(c->record, "Image")) ?: "", &img, NULL) == 0)
                virt += img->size;
        return xasprintf("%s (virtual %s)", units_human_size(a, (double)rw),
                         units_human_size(b, (double)virt));
}

static char *mounts_text(const struct container *c)
{
        json_t *mounts = json_object_get(c->record, "Mounts"), *m;
        char *out = xstrdup("");
        size_t i;

        json_array_foreach (mounts, i, m) {
                const char *n = json_string_value(json_object_get(m, "Name"));
                if (!n || !*n)
                        n = json_string_value(json_object_get(m, "Source")) ?: "";
                char *x = xasprintf("%s%s%s", out, *out ? "," : "", n);
                free(out);
                out = x;
        }
        return out;
}

static int port_key_cmp(const void *a, const void *b)
{
        const char *x = *(const char *const *)a, *y = *(const char *const *)b;
        long px = strtol(x, NULL, 10), py = strtol(y, NULL, 10);

        return px != py ? (px < py ? -1 : 1) : strcmp(x, y);
}

/* Docker's PORTS: "127.0.0.1:8080->80/tcp, 81/udp", by port number; NetworkSettings.Ports of a running one. */
static char *ports_text(const struct container *c)
{
        json_t *ports = json_object_get(json_object_get(c->record, "NetworkSettings"), "Ports"), *arr, *b;
        _cleanup_free_ const char **keys = xcalloc(json_object_size(ports) + 1, sizeof(*keys));
        char *out = xstrdup("");
        const char *k;
        size_t n = 0, i;

        json_object_foreach (ports, k, arr)
                keys[n++] = k;
        qsort(keys, n, sizeof(*keys), port_key_cmp);
        for (size_t j = 0; j < n; j++) {
                arr = json_object_get(ports, keys[j]);
                if (!json_array_size(arr)) {
                        char *x = xasprintf("%s%s%s", out, *out ? ", " : "", keys[j]);
                        free(out);
                        out = x;
                        continue;
                }
                json_array_foreach (arr, i, b) {
                        char *x = xasprintf("%s%s%s:%s->%s", out, *out ? ", " : "",
                                            json_string_value(json_object_get(b, "HostIp")) ?: "",
                                            json_string_value(json_object_get(b, "HostPort")) ?: "", keys[j]);
                        free(out);
                        out = x;
                }
        }
        return out;
}

static json_t *ps_row(struct store *s, const struct container *c, bool trunc, bool with_size)
{
        _cleanup_free_ char *cmd = command_text(c, trunc), *status = status_text(s, c),
                            *labels = labels_text(c);
        _cleanup_free_ char *mounts = mounts_text(c), *size = with_size ? size_text(s, c) : xstrdup("");
        _cleanup_free_ char *ports = ports_text(c);
        double created = engine_parse_rfc3339(json_string_value(json_object_get(c->record, "Created")));
        json_t *cfg = json_object_get(c->record, "Config");
        char idbuf[65], since[64], at[64];
        time_t t = (time_t)created;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
        engine_since(created, since);
        return json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Command", cmd, "CreatedAt", at,
            "ID", ctr_short_id(c->id, !trunc, idbuf), "Image",
            json_string_value(json_object_get(cfg, "Image")) ?: "", "Labels", labels, "LocalVolumes", "0",
            "Mounts", mounts, "Names", c->name, "Networks",
            json_string_value(json_object_get(json_object_get(c->record, "HostConfig"), "NetworkMode"))
                ?: "",
            "Ports", ports, "RunningFor", since, "Size", size, "State", container_status_name(ctr_status(s, c)),
            "Status", status);
}

/* ---- filters */

struct ps_filter {
        char *key, *value;
};

static bool filter_one(struct store *s, struct container **all, size_t n, const struct container *c,
                       const char *key, const char *val)
{
        json_t *cfg = json_object_get(c->record, "Config");

        if (streq(key, "status"))
                return streq(val, container_status_name(ctr_status(s, c)));
        if (streq(key, "name")) {
                regex_t re;
                bool m;
                if (regcomp(&re, val[0] == '/' ? val + 1 : val, REG_EXTENDED | REG_NOSUB) != 0)
                        return false;
                m = regexec(&re, c->name, 0, NULL, 0) == 0;
                regfree(&re);
                return m;
        }
        if (streq(key, "id"))
                return strncmp(c->id, val, strlen(val)) == 0;
        if (streq(key, "label")) {
                const char *eq = strchr(val, '=');
                json_t *labels = json_object_get(cfg, "Labels");
                _cleanup_free_ char *k = eq ? strndup(val, (size_t)(eq - val)) : xstrdup(val);
                const char *v = json_string_value(json_object_get(labels, k));
                return v && (!eq || streq(v, eq + 1));
        }
        if (streq(key, "exited"))
                return ctr_status(s, c) == CONTAINER_EXITED &&
                       json_integer_value(json_object_get(state_of(c), "ExitCode")) == atoll(val);
        if (streq(key, "ancestor")) {
                _cleanup_image_ struct image *img = NULL;
                const char *iid = json_string_value(json_object_get(c->record, "Image")) ?: "";
                if (streq(json_string_value(json_object_get(cfg, "Image")) ?: "", val))
                        return true;
                return image_lookup(s, val, &img, NULL) == 0 && streq(img->id, iid);
        }
        if (streq(key, "before") || streq(key, "since")) {
                const char *ref_created = NULL,
                           *mine = json_string_value(json_object_get(c->record, "Created"));
                for (size_t i = 0; i < n; i++)
                        if (streq(all[i]->name, val) || strncmp(all[i]->id, val, strlen(val)) == 0)
                                ref_created = json_string_value(json_object_get(all[i]->record, "Created"));
                if (!ref_created || !mine)
                        return false;
                return streq(key, "before") ? strcmp(mine, ref_created) < 0 : strcmp(mine, ref_created) > 0;
        }
        if (streq(key, "volume")) {
                json_t *m;
                size_t i;
                json_array_foreach (json_object_get(c->record, "Mounts"), i, m) {
                        const char *name = json_string_value(json_object_get(m, "Name"));
                        const char *dst = json_string_value(json_object_get(m, "Destination"));
                        if ((name && streq(name, val)) || (dst && streq(dst, val)))
                                return true;
                }
                return false;
        }
        if (streq(key, "health")) {
                const char *h =
                    json_string_value(json_object_get(json_object_get(state_of(c), "Health"), "Status"));
                return streq(h ? h : "none", val);
        }
        if (streq(key, "network"))
                return streq(json_string_value(
                                 json_object_get(json_object_get(c->record, "HostConfig"), "NetworkMode"))
                                 ?: "",
                             val);
        return false;
}

static const char *const filter_keys[] = {"status", "name",      "id",      "label",  "exited",  "ancestor",
                                          "before", "since",     "volume",  "health", "network", "publish",
                                          "expose", "isolation", "is-task", NULL};

/* Same key: any value matches (OR); different keys: all must match (AND), as docker's filters.Args. */
static bool filters_match(struct store *s, struct container **all, size_t n, const struct container *c,
                          char **filters)
{
        for (size_t k = 0; filter_keys[k]; k++) {
                bool seen = false, any = false;
                for (size_t i = 0; filters && filters[i]; i++) {
                        size_t kl = strcspn(filters[i], "=");
                        if (strlen(filter_keys[k]) != kl || strncmp(filters[i], filter_keys[k], kl) != 0)
                                continue;
                        seen = true;
                        any = any || filter_one(s, all, n, c, filter_keys[k],
                                                filters[i] + kl + (filters[i][kl] ? 1 : 0));
                }
                if (seen && !any)
                        return false;
        }
        return true;
}

static int check_filters(char **filters, struct berth_error **err)
{
        for (size_t i = 0; filters && filters[i]; i++) {
                size_t kl = strcspn(filters[i], "=");
                bool ok = false;
                if (!filters[i][kl])
                        return berth_err_msg(err, EINVAL, "bad format of filter (expected name=value)");
                for (size_t k = 0; filter_keys[k]; k++)
                        ok = ok ||
                             (strlen(filter_keys[k]) == kl && strncmp(filters[i], filter_keys[k], kl) == 0);
                if (!ok)
                        return berth_err_msg(err, EINVAL, "invalid filter '%.*s'", (int)kl, filters[i]);
                if (strncmp(filters[i], "status=", 7) == 0) {
                        const char *v = filters[i] + 7;
                        if (!streq(v, "created") && !streq(v, "running") && !streq(v, "paused") &&
                            !streq(v, "restarting") && !streq(v, "removing") && !streq(v, "exited") &&
                            !streq(v, "dead"))
                                return berth_err_msg(err, EINVAL, "invalid filter 'status=%s'", v);
                }
        }
        return 0;
}

int cmd_container_ps(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_formatter_ struct formatter *fm = NULL;
        struct container **list = NULL;
        char **filters = cli_list(args, "filter");
        const char *fmt = cli_string(args, "format");
        bool all = cli_bool(args, "all"), quiet = cli_bool(args, "quiet"),
             trunc = !cli_bool(args, "no-trunc");
        bool size = cli_bool(args, "size");
        long long last = cli_bool(args, "latest") ? 1 : cli_int(args, "last");
        size_t n = 0, shown = 0;
        int r;

        if (last > 0)
                all = true;
        if (filters && check_filters(filters, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; filters && filters[i]; i++)
                if (strncmp(filters[i], "status=", 7) == 0 || strncmp(filters[i], "exited=", 7) == 0)
                        all = true;
        if (quiet && (!fmt || !*fmt))
                fmt = "{{.ID}}";
        r = formatter_new(fmt, size ? PS_DEFAULT "\t{{.Size}}" : PS_DEFAULT, ps_headers, &fm, &err);
        if (r < 0)
                return cli_fail(ctx, err);
        if (engine_store_open(ctx, &s, &err) < 0 || container_list(s, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; i < n && (last <= 0 || (long long)shown < last); i++) {
                enum container_status st;
                /* One look at the supervisor decides both the repair and what is shown: with two, one
                 * that died in between was shown Exited with its orphan left running. */
                st = ctr_status(s, list[i]);
                if (st != container_status(list[i]) && ctr_fix_stale(s, list[i]))
                        st = ctr_status(s, list[i]);
                if (!all && !container_status_is_live(st))
                        continue;
                if (!filters_match(s, list, n, list[i], filters))
                        continue;
                shown++;
                json_t *row = ps_row(s, list[i], trunc, size || (fmt && strstr(fmt, ".Size")));
                r = formatter_add(fm, row, &err);
                json_decref(row);
                if (r < 0)
                        break;
        }
        container_list_free(list, n);
        if (r < 0 || formatter_flush(fm, stdout, &err) < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}

/* ---- inspect */

const struct cli_option container_inspect_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_NO_TABLE},
    {"size", 's', CLI_OPT_BOOL, NULL, NULL, "Display total file sizes"},
    {NULL},
};

int cmd_container_inspect(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_format_ struct format *f = NULL;
        _cleanup_json_ json_t *all = json_array();
        _cleanup_strv_ char **errors = NULL;
        const char *spec = cli_string(args, "format");
        int status = CLI_EXIT_OK;

        if (spec && streq(spec, "json"))
                spec = "{{json .}}";
        if (spec && *spec && format_compile(spec, &f, &err) < 0) {
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return CLI_EXIT_FAILURE;
        }
        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        for (char **a = cli_argv(args); *a; a++) {
                _cleanup_error_ struct berth_error *e = NULL;
                _cleanup_container_ struct container *c = NULL;
                if (container_load(s, *a, &c, &e) < 0) {
                        errors = strv_push(errors, e->msg);
                        continue;
                }
                (void)ctr_fix_stale(s, c);
                json_t *j = ctr_inspect_json(s, c);
                if (f) {
                        if (format_execute(f, j, stdout, &e) < 0) {
                                json_decref(j);
                                return cli_fail(ctx, e);
                        }
                        fputc('\n', stdout);
                        json_decref(j);
                } else {
                        json_array_append_new(all, j);
                }
        }
        if (!f) {
                _cleanup_free_ char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
                printf("%s\n", text ? text : "[]");
        }
        fflush(stdout);
        for (size_t i = 0; errors && errors[i]; i++)
                status = cli_failf(ctx, "%s", errors[i]);
        return status;
}

/* ---- port */

int cmd_container_port(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        const char *want = cli_argv(args)[1], *k;
        json_t *pb, *arr, *b;
        bool any = false;
        size_t i;

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (ctr_status(s, c) != CONTAINER_RUNNING)
                return CLI_EXIT_OK;
        /* What the container got (a -P or a range picks its host port at start), not what was asked. */
        pb = json_object_get(json_object_get(c->record, "NetworkSettings"), "Ports");
        json_object_foreach (pb, k, arr) {
                _cleanup_free_ char *w =
                    want ? (strchr(want, '/') ? xstrdup(want) : xasprintf("%s/tcp", want)) : NULL;
                if (w && !streq(w, k))
                        continue;
                json_array_foreach (arr, i, b) {
                        const char *ip = json_string_value(json_object_get(b, "HostIp")) ?: "";
                        const char *hp = json_string_value(json_object_get(b, "HostPort")) ?: "";
                        if (want)
                                printf("%s:%s\n", *ip ? ip : "0.0.0.0", hp);
                        else
                                printf("%s -> %s:%s\n", k, *ip ? ip : "0.0.0.0", hp);
                        any = true;
                }
        }
        if (want && !any)
                return cli_failf(ctx, "No public port '%s' published for %s", want, cli_argv(args)[0]);
        return CLI_EXIT_OK;
}

/* ---- top: the host's ps -ef, filtered to the container's processes (as dockerd does) */

static struct runtime_context runtime_ctx(struct store *s, char **buf)
{
        *buf = xasprintf("%s/runtime", s->runroot);
        return (struct runtime_context){.state_root = *buf};
}

/* Runs ps with the user's arguments as its argv (never through a shell: they are the user's words, not
 * a command line) and returns a stream on its stdout; *pid is the child to reap. */
static FILE *top_spawn_ps(char **user_args, pid_t *pid)
{
        _cleanup_strv_ char **argv = NULL;
        int fds[2];
        FILE *f;

        argv = strv_push(argv, "ps");
        if (!user_args[0])
                argv = strv_push(argv, "-ef");
        for (char **a = user_args; *a; a++)
                argv = strv_push(argv, *a);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return NULL;
        fflush(stdout);
        *pid = fork();
        if (*pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return NULL;
        }
        if (*pid == 0) {
                if (dup2(fds[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execvp("ps", argv);
                fprintf(stderr, "ps: %s\n", strerror(errno));
                _exit(127);
        }
        close(fds[1]);
        f = fdopen(fds[0], "re");
        if (!f)
                close(fds[0]);
        return f;
}

/* --runtime crun (any OCI runtime binary): its `ps --format json ID`, a JSON array of host pids (runc's and
 * crun's common contract). */
static int top_external_pids(struct store *s, const struct container *c, pid_t **ret, size_t *ret_n,
                             struct berth_error **err)
{
        const char *rt = container_external_runtime(c);
        _cleanup_free_ char *root = container_external_runtime_root(s, rt), *out = NULL;
        const char *argv[] = {rt, "--root", root, "ps", "--format", "json", c->id, NULL};
        json_t *arr;
        size_t len = 0, cap = 0;
        int fds[2], status = 0;
        ssize_t k;
        pid_t child;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        child = fork();
        if (child < 0) {
                close(fds[0]);
                close(fds[1]);
                return berth_err(err, errno, "fork");
        }
        if (child == 0) {
                if (dup2(fds[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execvp(rt, (char *const *)argv);
                _exit(127);
        }
        close(fds[1]);
        for (;;) {
                if (len + 4096 > cap)
                        out = xrealloc(out, cap = cap * 2 + 4096);
                k = read(fds[0], out + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        close(fds[0]);
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        out = out ? out : xstrdup("");
        out[len] = 0;
        arr = json_loads(out, 0, NULL);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !json_is_array(arr)) {
                json_decref(arr);
                return berth_err_msg(err, EIO, "%s ps %s failed", rt, c->id);
        }
        *ret = xmalloc((json_array_size(arr) + 1) * sizeof(pid_t));
        *ret_n = json_array_size(arr);
        for (size_t i = 0; i < *ret_n; i++)
                (*ret)[i] = (pid_t)json_integer_value(json_array_get(arr, i));
        json_decref(arr);
        return 0;
}

int cmd_container_top(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_free_ char *root = NULL, *line = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        struct runtime_context rc;
        size_t n = 0, cap = 0;
        pid_t child = -1;
        FILE *p;
        bool first = true;

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (ctr_status(s, c) != CONTAINER_RUNNING && ctr_status(s, c) != CONTAINER_PAUSED)
                return cli_failf(ctx, "container %s is not running", c->id);
        rc = runtime_ctx(s, &root);
        if (container_external_runtime(c) ? top_external_pids(s, c, &pids, &n, &err) < 0
                                          : runtime_ps(&rc, c->id, &pids, &n, &err) < 0)
                return cli_fail(ctx, err);
        p = top_spawn_ps(cli_argv(args) + 1, &child);
        if (!p)
                return cli_failf(ctx, "ps: %s", strerror(errno));
        while (getline(&line, &cap, p) >= 0) {
                char *tok;
                long pid;
                if (first) {
                        fputs(line, stdout);
                        first = false;
                        continue;
                }
                tok = line + strspn(line, " ");
                tok += strcspn(tok, " "); /* UID */
                pid = strtol(tok, NULL, 10);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == pid)
                                fputs(line, stdout);
        }
        fclose(p);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
                ;
        return CLI_EXIT_OK;
}
