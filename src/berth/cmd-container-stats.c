/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `berth stats`: docker's columns and format fields, from the containers'
 * cgroups and network namespaces (container/stats.h). CPU % needs two
 * samples: --no-stream takes them STATS_INTERVAL_MS apart (docker's daemon
 * takes them a second apart; a quarter of that is plenty for the cgroup's
 * nanosecond counter and keeps the command quick); the stream redraws the
 * table every second, each sample against the one before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "cmd-image.h"
#include "container/stats.h"
#include "container/supervisor.h"
#include "engine.h"
#include "format.h"
#include "units.h"

#define STATS_INTERVAL_MS 250

const struct cli_option container_stats_options[] = {
    {"all", 'a', CLI_OPT_BOOL, NULL, NULL, "Show all containers (default shows just running)"},
    {"format", 0, CLI_OPT_STRING, "string", NULL, IMAGE_FORMAT_HELP_TABLE},
    {"no-stream", 0, CLI_OPT_BOOL, NULL, NULL, "Disable streaming stats and only pull the first result"},
    {"no-trunc", 0, CLI_OPT_BOOL, NULL, NULL, "Do not truncate output"},
    {NULL},
};

static const struct format_header stats_headers[] = {
    {"Container", "CONTAINER"},
    {"ID", "CONTAINER ID"},
    {"Name", "NAME"},
    {"CPUPerc", "CPU %"},
    {"MemUsage", "MEM USAGE / LIMIT"},
    {"MemPerc", "MEM %"},
    {"NetIO", "NET I/O"},
    {"BlockIO", "BLOCK I/O"},
    {"PIDs", "PIDS"},
    {NULL, NULL},
};

#define STATS_DEFAULT_FORMAT                                                                                \
        "table "                                                                                            \
        "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}" \
        "}"

/* One container shown: as named on the command line (docker's .Container), its samples. */
struct stats_entry {
        struct container *c;
        char *shown_as;
        bool have_prev, have_cur;
        struct container_stats prev, cur;
};

static void stats_entries_free(struct stats_entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                container_free(e[i].c);
                free(e[i].shown_as);
        }
        free(e);
}

/* The named containers (an unknown one is an error, as docker says), or every one of the store. */
static int stats_select(struct store *s, char **argv, struct stats_entry **ret, size_t *ret_n,
                        struct berth_error **err)
{
        struct container **list = NULL;
        struct stats_entry *e;
        size_t n = 0;
        int r;

        if (!*argv) {
                r = container_list(s, &list, &n, err);
                if (r < 0)
                        return r;
                e = xcalloc(n ? n : 1, sizeof(*e));
                for (size_t i = 0; i < n; i++)
                        e[i] = (struct stats_entry){.c = list[i], .shown_as = xstrdup(list[i]->id)};
                free(list);
                *ret = e;
                *ret_n = n;
                return 0;
        }
        for (char **a = argv; *a; a++)
                n++;
        e = xcalloc(n, sizeof(*e));
        for (size_t i = 0; i < n; i++) {
                r = container_load(s, argv[i], &e[i].c, err);
                if (r < 0) {
                        stats_entries_free(e, i);
                        return r;
                }
                e[i].shown_as = xstrdup(argv[i]);
        }
        *ret = e;
        *ret_n = n;
        return 0;
}

static pid_t init_pid(const struct container *c)
{
        return (pid_t)json_integer_value(json_object_get(json_object_get(c->record, "State"), "Pid"));
}

/* A new sample of every running entry; the previous one is kept for CPU %. */
static void stats_sample(struct store *s, struct stats_entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                e[i].prev = e[i].cur;
                e[i].have_prev = e[i].have_cur;
                e[i].have_cur = false;
                if (ctr_status(s, e[i].c) != container_status(e[i].c))
                        (void)ctr_fix_stale(s, e[i].c); /* one look decides repair and display (ps) */
                if (container_status(e[i].c) != CONTAINER_RUNNING)
                        continue;
                e[i].have_cur = container_stats_read(init_pid(e[i].c), &e[i].cur, NULL) == 0;
        }
}

static int64_t host_memory(void)
{
        return (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
}

/* docker's row: binary units for memory, decimal with 3 digits for I/O; a stopped container is all zeros. */
static json_t *stats_row(const struct stats_entry *e, bool no_trunc)
{
        struct container_stats z = {0};
        const struct container_stats *st = e->have_cur ? &e->cur : &z;
        int64_t mem = st->mem_usage > 0 ? st->mem_usage : 0;
        int64_t limit = !e->have_cur ? 0 : st->mem_limit > 0 ? st->mem_limit : host_memory();
        double cpu = e->have_cur && e->have_prev ? container_stats_cpu_percent(&e->prev, &e->cur) : 0.0;
        char a[UNITS_BUF], b[UNITS_BUF], idbuf[65];
        _cleanup_free_ char *usage = NULL, *perc = NULL, *cpup = NULL, *net = NULL, *blk = NULL,
                            *pids = NULL;

        usage = xasprintf("%s / %s", units_bytes_size(a, (double)mem), units_bytes_size(b, (double)limit));
        perc = xasprintf("%.2f%%", limit > 0 ? 100.0 * (double)mem / (double)limit : 0.0);
        cpup = xasprintf("%.2f%%", cpu);
        net = xasprintf("%s / %s", units_human_size_prec(a, (double)st->net_rx, 3),
                        units_human_size_prec(b, (double)st->net_tx, 3));
        blk = xasprintf("%s / %s", units_human_size_prec(a, (double)st->blk_read, 3),
                        units_human_size_prec(b, (double)st->blk_write, 3));
        pids = xasprintf("%lld", st->pids > 0 ? (long long)st->pids : 0LL);
        return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "BlockIO", blk, "CPUPerc", cpup,
                         "Container", e->shown_as, "ID", ctr_short_id(e->c->id, no_trunc, idbuf), "MemPerc",
                         perc, "MemUsage", usage, "Name", e->c->name, "NetIO", net, "PIDs", pids);
}

static int stats_print(struct cli_args *args, struct store *s, struct stats_entry *e, size_t n, bool named,
                       struct berth_error **err)
{
        _cleanup_formatter_ struct formatter *fm = NULL;
        int r = formatter_new(cli_string(args, "format"), STATS_DEFAULT_FORMAT, stats_headers, &fm, err);

        for (size_t i = 0; r >= 0 && i < n; i++) {
                /* Named containers show whatever their state; else the running ones (all with -a). */
                if (!named && !cli_bool(args, "all") && ctr_status(s, e[i].c) != CONTAINER_RUNNING)
                        continue;
                json_t *row = stats_row(&e[i], cli_bool(args, "no-trunc"));
                r = formatter_add(fm, row, err);
                json_decref(row);
        }
        if (r >= 0)
                r = formatter_flush(fm, stdout, err);
        fflush(stdout);
        return r;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int cmd_container_stats(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        struct stats_entry *e = NULL;
        char **argv = cli_argv(args);
        bool stream = !cli_bool(args, "no-stream");
        size_t n = 0;
        int r;

        if (engine_store_open(ctx, &s, &err) < 0 || stats_select(s, argv, &e, &n, &err) < 0)
                return cli_fail(ctx, err);
        stats_sample(s, e, n);
        for (size_t i = 0; !stream && i < n; i++)
                if (e[i].have_cur) {
                        /* Something runs: the second sample CPU % needs. */
                        sleep_ms(STATS_INTERVAL_MS);
                        stats_sample(s, e, n);
                        break;
                }
        for (;;) {
                if (stream && isatty(STDOUT_FILENO))
                        fputs("\033[2J\033[H", stdout); /* docker redraws in place */
                r = stats_print(args, s, e, n, *argv != NULL, &err);
                if (r < 0 || !stream)
                        break;
                sleep_ms(1000);
                /* New containers appear in the stream of all containers, as with docker. */
                if (!*argv) {
                        struct stats_entry *fresh = NULL;
                        size_t m = 0;
                        if (stats_select(s, argv, &fresh, &m, NULL) == 0) {
                                for (size_t i = 0; i < m; i++)
                                        for (size_t j = 0; j < n; j++)
                                                if (streq(fresh[i].c->id, e[j].c->id)) {
                                                        fresh[i].cur = e[j].cur;
                                                        fresh[i].have_cur = e[j].have_cur;
                                                }
                                stats_entries_free(e, n);
                                e = fresh;
                                n = m;
                        }
                }
                stats_sample(s, e, n);
        }
        stats_entries_free(e, n);
        if (r < 0)
                return cli_fail(ctx, err);
        return CLI_EXIT_OK;
}
