/* SPDX-License-Identifier: Apache-2.0 */
#include "table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/xalloc.h"

struct table {
        int minwidth, padding;
        char *buf;
        size_t len, cap;
};

struct tw_cell {
        const char *text;
        size_t size;  /* bytes */
        size_t width; /* runes, as Go counts */
};

struct tw_line {
        struct tw_cell *cells;
        size_t ncells;
        bool newline;
};

struct tw {
        const struct table *t;
        struct tw_line *lines;
        size_t nlines;
        size_t *widths;
        FILE *out;
};

struct table *table_new(int minwidth, int padding)
{
        struct table *t = xmalloc(sizeof(*t));

        t->minwidth = minwidth;
        t->padding = padding;
        return t;
}

struct table *table_new_docker(void)
{
        return table_new(TABLE_DOCKER_MINWIDTH, TABLE_DOCKER_PADDING);
}

void table_write(struct table *t, const char *s)
{
        size_t n = strlen(s);

        if (t->len + n + 1 > t->cap) {
                t->cap = (t->len + n + 1) * 2;
                t->buf = xrealloc(t->buf, t->cap);
        }
        memcpy(t->buf + t->len, s, n + 1);
        t->len += n;
}

void table_printf(struct table *t, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                oom();
        va_end(ap);
        table_write(t, s);
}

static size_t utf8_width(const char *s, size_t n)
{
        size_t w = 0;

        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        w++;
        return w;
}

/* Splits the buffer into lines of cells; the text after the last '\n' is a line without newline. */
static void tw_split(struct tw *w, const char *buf, size_t len)
{
        const char *p = buf, *end = buf + len;

        for (;;) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                const char *stop = eol ? eol : end;
                struct tw_line *l;

                w->lines = xrealloc(w->lines, (w->nlines + 1) * sizeof(*w->lines));
                l = &w->lines[w->nlines++];
                *l = (struct tw_line){.newline = eol != NULL};
                for (const char *c = p;;) {
                        const char *tab = memchr(c, '\t', (size_t)(stop - c));
                        const char *cend = tab ? tab : stop;

                        l->cells = xrealloc(l->cells, (l->ncells + 1) * sizeof(*l->cells));
                        l->cells[l->ncells++] =
                            (struct tw_cell){c, (size_t)(cend - c), utf8_width(c, (size_t)(cend - c))};
                        if (!tab)
                                break;
                        c = tab + 1;
                }
                if (!eol)
                        break;
                p = eol + 1;
        }
}

static void tw_write_lines(struct tw *w, size_t ncols, size_t line0, size_t line1)
{
        for (size_t i = line0; i < line1; i++) {
                const struct tw_line *l = &w->lines[i];

                for (size_t j = 0; j < l->ncells; j++) {
                        fwrite(l->cells[j].text, 1, l->cells[j].size, w->out);
                        if (j < ncols)
                                for (size_t k = l->cells[j].width; k < w->widths[j]; k++)
                                        fputc(' ', w->out);
                }
                if (l->newline)
                        fputc('\n', w->out);
        }
}

/*
 * Go's tabwriter format(): a column block is a run of consecutive lines
 * that have a tab-terminated cell in this column; its width is fixed for
 * the block, then the columns to its right are formatted recursively.
 */
static void tw_format(struct tw *w, size_t column, size_t line0, size_t line1)
{
        for (size_t this = line0; this < line1; this ++) {
                size_t width = (size_t)w->t->minwidth;

                if (column + 1 >= w->lines[this].ncells)
                        continue;
                tw_write_lines(w, column, line0, this);
                line0 = this;
                for (; this < line1 && column + 1 < w->lines[this].ncells; this ++) {
                        size_t cw = w->lines[this].cells[column].width + (size_t)w->t->padding;
                        if (cw > width)
                                width = cw;
                }
                w->widths[column] = width;
                tw_format(w, column + 1, line0, this);
                line0 = this;
                if (this >= line1)
                        break;
        }
        tw_write_lines(w, column, line0, line1);
}

static void tw_render(const struct table *t, FILE *out)
{
        struct tw w = {.t = t, .out = out};
        size_t maxcells = 0;

        if (!t->len)
                return;
        tw_split(&w, t->buf, t->len);
        for (size_t i = 0; i < w.nlines; i++)
                if (w.lines[i].ncells > maxcells)
                        maxcells = w.lines[i].ncells;
        w.widths = xcalloc(maxcells, sizeof(*w.widths));
        tw_format(&w, 0, 0, w.nlines);
        for (size_t i = 0; i < w.nlines; i++)
                free(w.lines[i].cells);
        free(w.lines);
        free(w.widths);
}

char *table_render(struct table *t)
{
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        if (!f)
                oom();
        tw_render(t, f);
        if (fclose(f) != 0)
                oom();
        return s;
}

int table_flush(struct table *t, FILE *f)
{
        tw_render(t, f);
        t->len = 0;
        if (t->buf)
                t->buf[0] = '\0';
        return fflush(f) == 0 ? 0 : -errno;
}

struct table *table_free(struct table *t)
{
        if (t) {
                free(t->buf);
                free(t);
        }
        return NULL;
}
