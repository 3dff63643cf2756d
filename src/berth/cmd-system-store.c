/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System commands about the store and the host: `system check` (fsck),
 * `system df` (disk usage, docker's layout) and `info` (docker info's
 * layout, the parts berth has). `version` is in cmd-system.c.
 */
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cli.h"
#include "engine.h"
#include "format.h"
#include "runtime/cgroup.h"
#include "store/fsck.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/reference.h"
#include "units.h"
#include "volume/volume.h"

#define FORMAT_HELP_TABLE                                                                                   \
        "Format output using a custom template:\n"                                                          \
        "'table':            Print output in table format with column headers (default)\n"                  \
        "'table TEMPLATE':   Print output in table format using the given Go template\n"                    \
        "'json':             Print in JSON format\n"                                                        \
        "'TEMPLATE':         Print output using the given Go template.\n"                                   \
        "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output "     \
        "with templates"
#define FORMAT_HELP_NO_TABLE                                                                                \
        "Format output using a custom template:\n"                                                          \
        "'json':             Print in JSON format\n"                                                        \
        "'TEMPLATE':         Print output using the given Go template.\n"                                   \
        "Refer to https://docs.docker.com/go/formatting/ for more information about formatting output "     \
        "with templates"

/* ---- system check */

static void print_problem(const struct store_fsck_problem *p)
{
        printf("%s: %s: %s", store_fsck_kind_to_string(p->kind), p->object, p->message);
        if (p->repair)
                printf(" (repaired: %s)", p->repair);
        putchar('\n');
}

static int cmd_system_check(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL;
        _cleanup_free_ char *summary = NULL;
        bool repair = cli_bool(args, "repair");

        if (engine_store_open(ctx, &s, &err) < 0 ||
            store_fsck(s, repair ? STORE_FSCK_REPAIR : 0, &rep, &err) < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; i < rep->n_problems; i++)
                print_problem(&rep->problems[i]);
        summary = store_fsck_summary(rep);
        printf("%s\n", summary);
        if (rep->n_repaired < rep->n_problems) {
                if (!repair)
                        fprintf(stderr,
                                "berth: the store has problems: run `berth system check --repair`\n");
                return CLI_EXIT_FAILURE;
        }
        return CLI_EXIT_OK;
}

static const struct cli_option check_options[] = {
    {"repair", 0, CLI_OPT_BOOL, NULL, NULL,
     "Remove orphans and partial writes, drop broken images, unpack missing layers again"},
    {NULL},
};

/* ---- system df */

struct df_image {
        struct image *img;
        uint64_t shared; /* bytes of layers another image uses too */
        int containers;
};

struct df {
        struct image **list;
        size_t n;
        struct df_image *rows;
        uint64_t layers_size; /* every unpacked layer of an image once */
        size_t active;
        uint64_t used; /* bytes of images containers use (not reclaimable) */
        json_t *volumes;  /* verbose rows: {Links, Name, Size} */
        size_t n_volumes, volumes_active;
        uint64_t volumes_size, volumes_unused; /* unused: what `volume prune -a` would reclaim */
};

static void df_release(struct df *d)
{
        image_list_free(d->list, d->n);
        free(d->rows);
        json_decref(d->volumes);
}

static size_t chain_users(struct df *d, const char *chain)
{
        size_t users = 0;

        for (size_t i = 0; i < d->n; i++)
                for (size_t j = 0; j < d->list[i]->n_layers; j++)
                        if (streq(d->list[i]->chain_ids[j], chain)) {
                                users++;
                                break;
                        }
        return users;
}

static int df_collect(struct store *s, struct df *d, struct berth_error **err)
{
        _cleanup_strv_ char **seen = NULL;
        int r = image_list(s, &d->list, &d->n, err);

        if (r < 0)
                return r;
        d->rows = xcalloc(d->n + 1, sizeof(*d->rows));
        for (size_t i = 0; i < d->n; i++) {
                struct image *img = d->list[i];
                d->rows[i].img = img;
                if (s->image_in_use)
                        d->rows[i].containers = s->image_in_use(s, img->id, NULL) > 0;
                for (size_t j = 0; j < img->n_layers; j++) {
                        uint64_t size = 0;
                        if (layer_store_size(s, img->chain_ids[j], &size, NULL) < 0)
                                continue;
                        if (chain_users(d, img->chain_ids[j]) > 1)
                                d->rows[i].shared += size;
                        if (!strv_contains(seen, img->chain_ids[j])) {
                                seen = strv_push(seen, img->chain_ids[j]);
                                d->layers_size += size;
                        }
                }
                if (d->rows[i].containers) {
                        d->active++;
                        d->used += img->size - d->rows[i].shared;
                }
        }
        return 0;
}

/* docker's "13.26kB (100%)": the percentage only when there is something at all. */
static char *reclaimable(uint64_t total, uint64_t reclaim)
{
        char h[UNITS_BUF];

        units_human_size(h, (double)reclaim);
        if (total == 0)
                return xstrdup(h);
        return xasprintf("%s (%llu%%)", h, (unsigned long long)(reclaim * 100 / total));
}

static json_t *df_row(const char *type, size_t total, size_t active, uint64_t size, uint64_t reclaim)
{
        _cleanup_free_ char *rec = reclaimable(size, reclaim);
        _cleanup_free_ char *tc = xasprintf("%zu", total), *ac = xasprintf("%zu", active);
        char h[UNITS_BUF];

        /* Keys in Go's order (sorted): {{json .}} prints them as docker does. */
        return json_pack("{s:s,s:s,s:s,s:s,s:s}", "Active", ac, "Reclaimable", rec, "Size",
                         units_human_size(h, (double)size), "TotalCount", tc, "Type", type);
}

static const struct format_header df_headers[] = {
    {"Type", "TYPE"}, {"TotalCount", "TOTAL"},        {"Active", "ACTIVE"},
    {"Size", "SIZE"}, {"Reclaimable", "RECLAIMABLE"}, {NULL, NULL},
};

/* Local Volumes: how many, how many a container uses, their size, and the unused ones' size. */
static int df_volumes(struct store *s, struct df *d, struct berth_error **err)
{
        _cleanup_json_ json_t *usage = NULL;
        struct volume **list = NULL;
        char h[UNITS_BUF];
        int r;

        d->volumes = json_array();
        r = volume_usage(s, &usage, err);
        if (r == 0)
                r = volume_list(s, &list, &d->n_volumes, err);
        for (size_t i = 0; r == 0 && i < d->n_volumes; i++) {
                size_t links = json_array_size(json_object_get(usage, list[i]->name));
                _cleanup_free_ char *lc = xasprintf("%zu", links);
                uint64_t size = 0;
                (void)volume_size(s, list[i]->name, &size, NULL);
                d->volumes_size += size;
                if (links)
                        d->volumes_active++;
                else
                        d->volumes_unused += size;
                json_array_append_new(d->volumes, json_pack("{s:s,s:s,s:s}", "Links", lc, "Name",
                                                            list[i]->name, "Size",
                                                            units_human_size(h, (double)size)));
        }
        volume_list_free(list, d->n_volumes);
        return r;
}

static int df_summary(struct df *d, const char *user, struct berth_error **err)
{
        _cleanup_formatter_ struct formatter *fm = NULL;
        uint64_t reclaim = d->layers_size > d->used ? d->layers_size - d->used : 0;
        json_t *rows[4];
        int r;

        r = formatter_new(user ? user : "",
                          "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                          df_headers, &fm, err);
        if (r < 0)
                return r;
        /* Containers, volumes and the build cache do not exist in berth yet: docker's rows, zero. */
        rows[0] = df_row("Images", d->n, d->active, d->layers_size, reclaim);
        rows[1] = df_row("Containers", 0, 0, 0, 0);
        rows[2] =
            df_row("Local Volumes", d->n_volumes, d->volumes_active, d->volumes_size, d->volumes_unused);
        rows[3] = df_row("Build Cache", 0, 0, 0, 0);
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                if (r == 0)
                        r = formatter_add(fm, rows[i], err);
                json_decref(rows[i]);
        }
        return r < 0 ? r : formatter_flush(fm, stdout, err);
}

static json_t *df_image_row(struct df_image *row)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_free_ char *repo = NULL, *tag = NULL, *containers = xasprintf("%d", row->containers);
        struct image *img = row->img;
        char id[80], since[64], size[UNITS_BUF], shared[UNITS_BUF], unique[UNITS_BUF];
        double created = engine_image_created(img);

        /* docker shows the first tag only. */
        if (img->tags && img->tags[0] && image_ref_parse(img->tags[0], 0, &ref, NULL) == 0) {
                repo = image_ref_familiar_name(ref);
                tag = xstrdup(ref->tag ? ref->tag : "<none>");
        }
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Containers", containers, "CreatedSince",
                         created > 0 ? engine_since(created, since) : "N/A", "ID",
                         engine_short_id(img->id, false, id), "Repository", repo ? repo : "<none>",
                         "SharedSize", units_human_size_prec(shared, (double)row->shared, 3), "Size",
                         units_human_size_prec(size, (double)img->size, 3), "Tag", tag ? tag : "<none>",
                         "UniqueSize", units_human_size_prec(unique, (double)(img->size - row->shared), 3));
}

static const struct format_header df_image_headers[] = {
    {"Repository", "REPOSITORY"},
    {"Tag", "TAG"},
    {"ID", "IMAGE ID"},
    {"CreatedSince", "CREATED"},
    {"Size", "SIZE"},
    {"SharedSize", "SHARED SIZE"},
    {"UniqueSize", "UNIQUE SIZE"},
    {"Containers", "CONTAINERS"},
    {NULL, NULL},
};

static int print_table(const char *user, const char *def, const struct format_header *headers, json_t **rows,
                       size_t n, struct berth_error **err)
{
        _cleanup_formatter_ struct formatter *fm = NULL;
        int r = formatter_new(user, def, headers, &fm, err);

        for (size_t i = 0; r == 0 && i < n; i++)
                r = formatter_add(fm, rows[i], err);
        return r < 0 ? r : formatter_flush(fm, stdout, err);
}

static int df_verbose(struct df *d, const char *user, struct berth_error **err)
{
        static const struct format_header ctr_headers[] = {
            {"ID", "CONTAINER ID"}, {"Image", "IMAGE"},
            {"Command", "COMMAND"}, {"LocalVolumes", "LOCAL VOLUMES"},
            {"Size", "SIZE"},       {"RunningFor", "CREATED"},
            {"Status", "STATUS"},   {"Names", "NAMES"},
            {NULL, NULL},
        };
        static const struct format_header vol_headers[] = {
            {"Name", "VOLUME NAME"}, {"Links", "LINKS"}, {"Size", "SIZE"}, {NULL, NULL}};
        static const struct format_header cache_headers[] = {
            {"ID", "CACHE ID"},
            {"CacheType", "CACHE TYPE"},
            {"Size", "SIZE"},
            {"CreatedSince", "CREATED"},
            {"LastUsedSince", "LAST USED"},
            {"UsageCount", "USAGE"},
            {"Shared", "SHARED"},
            {NULL, NULL},
        };
        bool table = !user || !*user || streq(user, "table");
        json_t **rows = xcalloc(d->n + 1, sizeof(*rows));
        int r;

        for (size_t i = 0; i < d->n; i++)
                rows[i] = df_image_row(&d->rows[i]);
        if (table)
                printf("Images space usage:\n\n");
        r = print_table(
            table ? "" : user,
            "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}"
            "\t{{.UniqueSize}}\t{{.Containers}}",
            df_image_headers, rows, d->n, err);
        for (size_t i = 0; i < d->n; i++)
                json_decref(rows[i]);
        free(rows);
        if (r < 0 || !table)
                return r;
        printf("\nContainers space usage:\n\n");
        r = print_table(
            "",
            "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}"
            "\t{{.Status}}\t{{.Names}}",
            ctr_headers, NULL, 0, err);
        if (r == 0) {
                size_t nv = json_array_size(d->volumes);
                json_t **vrows = xcalloc(nv + 1, sizeof(*vrows));
                for (size_t i = 0; i < nv; i++)
                        vrows[i] = json_array_get(d->volumes, i);
                printf("\nLocal Volumes space usage:\n\n");
                r = print_table("", "table {{.Name}}\t{{.Links}}\t{{.Size}}", vol_headers, vrows, nv, err);
                free(vrows);
        }
        if (r == 0) {
                printf("\nBuild cache usage: 0B\n\n");
                r = print_table(
                    "",
                    "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}"
                    "\t{{.UsageCount}}\t{{.Shared}}",
                    cache_headers, NULL, 0, err);
        }
        return r;
}

static int cmd_system_df(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct df d = {};
        const char *user = cli_string(args, "format");
        int r;

        r = engine_store_open(ctx, &s, &err);
        if (r == 0)
                r = df_collect(s, &d, &err);
        if (r == 0)
                r = df_volumes(s, &d, &err);
        if (r == 0)
                r = cli_bool(args, "verbose") ? df_verbose(&d, user, &err) : df_summary(&d, user, &err);
        df_release(&d);
        return r < 0 ? cli_fail(ctx, err) : CLI_EXIT_OK;
}

static const struct cli_option df_options[] = {
    {"format", 0, CLI_OPT_STRING, "string", NULL, FORMAT_HELP_TABLE},
    {"verbose", 'v', CLI_OPT_BOOL, NULL, NULL, "Show detailed information on space usage"},
    {NULL},
};

/* ---- info */

static char *os_release_name(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
        char line[512];

        if (!f)
                f = fopen("/usr/lib/os-release", "re");
        while (f && fgets(line, sizeof(line), f)) {
                char *v;
                size_t n;
                if (strncmp(line, "PRETTY_NAME=", 12) != 0)
                        continue;
                v = line + 12;
                n = strcspn(v, "\n");
                v[n] = '\0';
                if (*v == '"' || *v == '\'') {
                        v++;
                        n = strlen(v);
                        if (n && (v[n - 1] == '"' || v[n - 1] == '\''))
                                v[n - 1] = '\0';
                }
                return xstrdup(v);
        }
        return xstrdup("Linux");
}

/* docker's names for the filesystem under the store (graphdriver's FsNames). */
static const char *backing_fs(const char *root)
{
        static const struct {
                unsigned long magic;
                const char *name;
        } names[] = {
            {0xEF53, "extfs"},         {0x58465342, "xfs"}, {0x9123683E, "btrfs"},   {0x01021994, "tmpfs"},
            {0x794c7630, "overlayfs"}, {0x2fc12fc1, "zfs"}, {0x65735546, "fuseblk"}, {0x6969, "nfs"},
        };
        struct statfs st;

        if (statfs(root, &st) < 0)
                return "<unknown>";
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if ((unsigned long)st.f_type == names[i].magic)
                        return names[i].name;
        return "<unknown>";
}

static int ncpu(void)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) == 0)
                return CPU_COUNT(&set);
        return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static const char *cgroup_version(void)
{
        _cleanup_error_ struct berth_error *err = NULL;
        enum cgroup_mode m;

        if (cgroup_mode_detect(&m, &err) < 0)
                return "";
        /* Hybrid hosts run containers on the v1 controllers: docker says 1 there too. */
        return m == CGROUP_MODE_UNIFIED ? "2" : "1";
}

static json_t *info_data(struct cli_context *ctx, size_t n_images)
{
        _cleanup_free_ char *os = os_release_name();
        struct utsname u = {};
        struct sysinfo si = {};
        char host[256] = "";

        (void)uname(&u);
        (void)sysinfo(&si);
        (void)gethostname(host, sizeof(host) - 1);
        return json_pack(
            "{s:i,s:i,s:i,s:i,s:I,s:s,s:[[s,s],[s,s],[s,s],[s,s],[s,s]],s:s,s:s,s:s,s:s,s:s,"
            "s:s,s:s,s:i,s:I,s:s,s:s,s:s,s:s,s:{s:{s:s}},s:b,s:b,s:b,s:{s:s,s:b}}",
            "Containers", 0, "ContainersRunning", 0, "ContainersPaused", 0, "ContainersStopped", 0, "Images",
            (json_int_t)n_images, "Driver", "overlay2", "DriverStatus", "Backing Filesystem",
            backing_fs(ctx->root), "Supports d_type", "true", "Using metacopy", "false",
            "Native Overlay Diff", "true", "userxattr", "false", "LoggingDriver", "json-file",
            "CgroupDriver", "cgroupfs", "CgroupVersion", cgroup_version(), "KernelVersion", u.release,
            "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine, "NCPU", ncpu(), "MemTotal",
            (json_int_t)((uint64_t)si.totalram * si.mem_unit), "DockerRootDir", ctx->root, "Name", host,
            "ServerVersion", BERTH_VERSION, "DefaultRuntime", "berth", "Runtimes", "berth", "path",
            "berth-runtime", "Debug", ctx->debug, "Experimental", 0, "LiveRestoreEnabled", 0, "ClientInfo",
            "Version", BERTH_VERSION, "Debug", ctx->debug);
}

static const char *js(json_t *data, const char *key)
{
        return json_string_value(json_object_get(data, key)) ?: "";
}

static long long ji(json_t *data, const char *key)
{
        return json_integer_value(json_object_get(data, key));
}

static void info_print(json_t *d)
{
        char mem[UNITS_BUF];
        json_t *st;
        size_t i;

        printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: %s\n\n", BERTH_VERSION,
               json_is_true(json_object_get(d, "Debug")) ? "true" : "false");
        printf("Server:\n Containers: %lld\n  Running: %lld\n  Paused: %lld\n  Stopped: %lld\n",
               ji(d, "Containers"), ji(d, "ContainersRunning"), ji(d, "ContainersPaused"),
               ji(d, "ContainersStopped"));
        printf(" Images: %lld\n Server Version: %s\n Storage Driver: %s\n", ji(d, "Images"),
               js(d, "ServerVersion"), js(d, "Driver"));
        json_array_foreach (json_object_get(d, "DriverStatus"), i, st)
                printf("  %s: %s\n", json_string_value(json_array_get(st, 0)),
                       json_string_value(json_array_get(st, 1)));
        printf(" Logging Driver: %s\n Cgroup Driver: %s\n Cgroup Version: %s\n", js(d, "LoggingDriver"),
               js(d, "CgroupDriver"), js(d, "CgroupVersion"));
        printf(" Runtimes: berth\n Default Runtime: %s\n", js(d, "DefaultRuntime"));
        printf(" Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n CPUs: %lld\n",
               js(d, "KernelVersion"), js(d, "OperatingSystem"), js(d, "OSType"), js(d, "Architecture"),
               ji(d, "NCPU"));
        printf(" Total Memory: %s\n Name: %s\n", units_bytes_size(mem, (double)ji(d, "MemTotal")),
               js(d, "Name"));
        /* docker prints "Docker Root Dir"; scripts grep for "Root Dir". */
        printf(
            " Berth Root Dir: %s\n Debug Mode: %s\n Experimental: false\n Live Restore Enabled: false\n\n",
            js(d, "DockerRootDir"), json_is_true(json_object_get(d, "Debug")) ? "true" : "false");
}

static int cmd_info(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_json_ json_t *data = NULL;
        _cleanup_format_ struct format *f = NULL;
        const char *spec = cli_string(args, "format");
        struct image **list = NULL;
        size_t n = 0;

        if (engine_store_open(ctx, &s, &err) < 0 || image_list(s, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        image_list_free(list, n);
        data = info_data(ctx, n);
        if (!spec || !*spec) {
                info_print(data);
                return CLI_EXIT_OK;
        }
        if (streq(spec, "json"))
                spec = "{{json .}}";
        if (format_compile(spec, &f, &err) < 0) {
                fprintf(stderr, "template parsing error: %s\n", err->msg);
                return 64;
        }
        if (format_execute(f, data, stdout, &err) < 0)
                return cli_fail(ctx, err);
        fputc('\n', stdout);
        return CLI_EXIT_OK;
}

static const struct cli_option info_options[] = {
    {"format", 'f', CLI_OPT_STRING, "string", NULL, FORMAT_HELP_NO_TABLE},
    {NULL},
};

static const char *const info_aliases[] = {"info", NULL};

const struct cli_command cli_system_store_commands[] = {
    {"system", "check", NULL, "[OPTIONS]", "Verify the store: blob digests, image references, orphans",
     check_options, cmd_system_check, 0, 0, 0},
    {"system", "df", NULL, "[OPTIONS]", "Show berth disk usage", df_options, cmd_system_df, 0, 0, 0},
    {"system", "info", info_aliases, "[OPTIONS]", "Display system-wide information", info_options, cmd_info,
     0, 0, 0},
    {NULL},
};
