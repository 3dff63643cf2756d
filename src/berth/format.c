/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Go text/template subset over jansson values (see format.h). The
 * template is parsed once into a tree of nodes and executed per row; the
 * behaviours that scripts depend on (missing keys, nil, map printing,
 * error wording) follow Go's, since docker users' scripts grep them.
 */
#include "format.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "table.h"

enum arg_kind {
        ARG_DOT,
        ARG_FIELD,
        ARG_VAR,
        ARG_STRING,
        ARG_INT,
        ARG_REAL,
        ARG_BOOL,
        ARG_NIL,
        ARG_FUNC,
        ARG_PIPE
};

struct pipe;
struct exec;

typedef int (*func_fn)(struct exec *x, json_t **args, size_t n, json_t **ret);

struct func {
        const char *name;
        func_fn fn;
        int min, max;   /* argument counts; max -1 = variadic */
        bool header_id; /* in a table header, returns its first argument (Docker's HeaderFunctions) */
};

struct arg {
        enum arg_kind kind;
        char *str;     /* string value, variable or function name */
        char **fields; /* .A.B chain applied to the value */
        size_t nfields;
        long long i;
        double d;
        const struct func *func;
        struct pipe *pipe;
        char *src; /* the operand as written, for error messages */
        int line, col;
};

struct cmd {
        struct arg *args;
        size_t nargs;
};

struct pipe {
        struct cmd *cmds;
        size_t ncmds;
        char *vars[2];
        size_t nvars;
};

enum node_kind { NODE_TEXT, NODE_ACTION, NODE_IF, NODE_RANGE, NODE_WITH };

struct list {
        struct node **nodes;
        size_t n;
};

struct node {
        enum node_kind kind;
        char *text;
        size_t len;
        struct pipe *pipe;
        struct list body, alt;
};

struct format {
        struct list root;
};

/* ---------------------------------------------------------------- freeing */

static void pipe_free(struct pipe *p);

static void arg_release(struct arg *a)
{
        free(a->str);
        free(a->src);
        for (size_t i = 0; i < a->nfields; i++)
                free(a->fields[i]);
        free(a->fields);
        pipe_free(a->pipe);
}

static void pipe_free(struct pipe *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->ncmds; i++) {
                for (size_t j = 0; j < p->cmds[i].nargs; j++)
                        arg_release(&p->cmds[i].args[j]);
                free(p->cmds[i].args);
        }
        free(p->cmds);
        free(p->vars[0]);
        free(p->vars[1]);
        free(p);
}

static void list_release(struct list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                struct node *n = l->nodes[i];
                free(n->text);
                pipe_free(n->pipe);
                list_release(&n->body);
                list_release(&n->alt);
                free(n);
        }
        free(l->nodes);
        *l = (struct list){0};
}

struct format *format_free(struct format *f)
{
        if (f) {
                list_release(&f->root);
                free(f);
        }
        return NULL;
}

void format_freep(struct format **f)
{
        *f = format_free(*f);
}

/* ---------------------------------------------------------------- parser */

enum term { TERM_EOF, TERM_END, TERM_ELSE, TERM_ELSE_IF };

struct parser {
        const char *src;
        const char *p;
        const char *line_start;
        int line;
        bool trim_next; /* the last action ended with " -}}" */
        char **vars;    /* variables in scope, for "undefined variable" */
        size_t nvars;
        struct berth_error **err;
};

static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                oom();
        va_end(ap);
        return berth_err_msg(ps->err, EINVAL, "template: :%d: %s", ps->line, msg);
}

static const struct func *func_lookup(const char *name);
static int parse_pipe(struct parser *ps, bool in_parens, bool allow_decl, struct pipe **ret);
static int parse_list(struct parser *ps, struct list *l, enum term *ret_term);

static void list_add(struct list *l, struct node *n)
{
        l->nodes = xrealloc(l->nodes, (l->n + 1) * sizeof(*l->nodes));
        l->nodes[l->n++] = n;
}

static void advance(struct parser *ps, size_t n)
{
        for (size_t i = 0; i < n && *ps->p; i++, ps->p++)
                if (*ps->p == '\n') {
                        ps->line++;
                        ps->line_start = ps->p + 1;
                }
}

static void skip_space(struct parser *ps)
{
        while (*ps->p && isspace((unsigned char)*ps->p))
                advance(ps, 1);
}

static bool is_ident_char(char c)
{
        return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* At "}}" or " -}}" (the space before the dash is consumed by skip_space already). */
static bool at_close(struct parser *ps)
{
        return strncmp(ps->p, "}}", 2) == 0 ||
               (strncmp(ps->p, "-}}", 3) == 0 && ps->p > ps->src && isspace((unsigned char)ps->p[-1]));
}

static int expect_close(struct parser *ps, const char *what)
{
        skip_space(ps);
        if (!*ps->p)
                return perr(ps, "unclosed action");
        if (!at_close(ps))
                return perr(ps, "unexpected \"%c\" in %s", *ps->p, what);
        ps->trim_next = *ps->p == '-';
        advance(ps, ps->trim_next ? 3 : 2);
        return 0;
}

static char *read_ident(struct parser *ps)
{
        const char *s = ps->p;

        while (is_ident_char(*ps->p))
                ps->p++;
        return strndup(s, (size_t)(ps->p - s)) ?: (oom(), NULL);
}

/* ".A.B.C" after an operand. */
static int parse_fields(struct parser *ps, struct arg *a)
{
        while (*ps->p == '.' && is_ident_char(ps->p[1])) {
                ps->p++;
                a->fields = xrealloc(a->fields, (a->nfields + 1) * sizeof(char *));
                a->fields[a->nfields++] = read_ident(ps);
        }
        if (*ps->p == '.')
                return perr(ps, "unexpected . after term \"%s\"", a->src ? a->src : "");
        return 0;
}

static int parse_quoted(struct parser *ps, struct arg *a)
{
        char quote = *ps->p++;
        _cleanup_free_ char *buf = xmalloc(strlen(ps->p) + 1);
        size_t n = 0;

        for (;;) {
                char c = *ps->p;
                if (!c || (c == '\n' && quote == '"'))
                        return perr(ps, "unterminated quoted string");
                ps->p++;
                if (c == quote)
                        break;
                if (c == '\\' && quote == '"') {
                        char e = *ps->p++;
                        static const char from[] = "ntr\\\"abfv", to[] = "\n\t\r\\\"\a\b\f\v";
                        const char *k = e ? strchr(from, e) : NULL;
                        if (!k)
                                return perr(ps, "invalid syntax: unknown escape \\%c", e ? e : ' ');
                        c = to[k - from];
                }
                buf[n++] = c;
        }
        buf[n] = '\0';
        a->kind = ARG_STRING;
        a->str = TAKE_PTR(buf);
        return 0;
}

static int parse_number(struct parser *ps, struct arg *a)
{
        const char *s = ps->p;
        char *end;

        errno = 0;
        a->i = strtoll(s, &end, 0);
        a->kind = ARG_INT;
        if (*end == '.' || *end == 'e' || *end == 'E' || errno) {
                a->d = strtod(s, &end);
                a->kind = ARG_REAL;
        }
        if (is_ident_char(*end) || *end == '.')
                return perr(ps, "bad number syntax: \"%.*s\"", (int)(strcspn(s, " }|)")), s);
        ps->p = end;
        return 0;
}

static bool var_known(struct parser *ps, const char *name)
{
        if (streq(name, "$"))
                return true;
        for (size_t i = 0; i < ps->nvars; i++)
                if (streq(ps->vars[i], name))
                        return true;
        return false;
}

static int parse_var(struct parser *ps, struct arg *a)
{
        ps->p++;
        _cleanup_free_ char *id = read_ident(ps);
        a->kind = ARG_VAR;
        a->str = xasprintf("$%s", id);
        if (!var_known(ps, a->str))
                return perr(ps, "undefined variable \"%s\"", a->str);
        return parse_fields(ps, a);
}

static int parse_ident(struct parser *ps, struct arg *a)
{
        _cleanup_free_ char *id = read_ident(ps);

        if (streq(id, "true") || streq(id, "false")) {
                a->kind = ARG_BOOL;
                a->i = streq(id, "true");
        } else if (streq(id, "nil")) {
                a->kind = ARG_NIL;
        } else {
                a->func = func_lookup(id);
                if (!a->func)
                        return perr(ps, "function \"%s\" not defined", id);
                a->kind = ARG_FUNC;
                a->str = TAKE_PTR(id);
        }
        return 0;
}

static int parse_operand(struct parser *ps, struct arg *a)
{
        const char *start = ps->p;
        char c = *ps->p;
        int r;

        a->line = ps->line;
        a->col = (int)(ps->p - ps->line_start); /* Go: the byte offset within the line */
        if (c == '.' && !is_ident_char(ps->p[1])) {
                ps->p++;
                a->kind = ARG_DOT;
                r = 0;
        } else if (c == '.') {
                a->kind = ARG_FIELD;
                r = parse_fields(ps, a);
        } else if (c == '$') {
                r = parse_var(ps, a);
        } else if (c == '"' || c == '`') {
                r = parse_quoted(ps, a);
        } else if (isdigit((unsigned char)c) ||
                   ((c == '-' || c == '+') && isdigit((unsigned char)ps->p[1]))) {
                r = parse_number(ps, a);
        } else if (isalpha((unsigned char)c) || c == '_') {
                r = parse_ident(ps, a);
        } else if (c == '(') {
                ps->p++;
                a->kind = ARG_PIPE;
                r = parse_pipe(ps, true, false, &a->pipe);
                if (r >= 0)
                        r = parse_fields(ps, a);
        } else if (!c) {
                return perr(ps, "unclosed action");
        } else {
                return perr(ps, "unexpected \"%c\" in operand", c);
        }
        if (r < 0)
                return r;
        a->src = strndup(start, (size_t)(ps->p - start)) ?: (oom(), NULL);
        return 0;
}

/* "$x :=" or "$i, $v :=" at the start of a pipeline; leaves the cursor alone otherwise. */
static void parse_decl(struct parser *ps, struct pipe *p)
{
        const char *save = ps->p, *save_start = ps->line_start;
        int line = ps->line;
        char *names[2] = {NULL, NULL};
        size_t n = 0;

        while (n < 2 && *ps->p == '$') {
                ps->p++;
                _cleanup_free_ char *id = read_ident(ps);
                names[n++] = xasprintf("$%s", id);
                skip_space(ps);
                if (*ps->p != ',')
                        break;
                ps->p++;
                skip_space(ps);
        }
        if (n > 0 && (strncmp(ps->p, ":=", 2) == 0 || (*ps->p == '=' && ps->p[1] != '='))) {
                advance(ps, *ps->p == ':' ? 2 : 1);
                p->vars[0] = names[0];
                p->vars[1] = names[1];
                p->nvars = n;
                return;
        }
        free(names[0]);
        free(names[1]);
        ps->p = save;
        ps->line = line;
        ps->line_start = save_start;
}

static void declare_vars(struct parser *ps, const struct pipe *p)
{
        for (size_t i = 0; i < p->nvars; i++) {
                ps->vars = xrealloc(ps->vars, (ps->nvars + 1) * sizeof(char *));
                ps->vars[ps->nvars++] = p->vars[i];
        }
}

static int parse_cmd(struct parser *ps, bool in_parens, struct cmd *c)
{
        for (;;) {
                skip_space(ps);
                if (!*ps->p)
                        return perr(ps, "unclosed action");
                if (*ps->p == '|' || (in_parens ? *ps->p == ')' : at_close(ps)))
                        break;
                c->args = xrealloc(c->args, (c->nargs + 1) * sizeof(*c->args));
                c->args[c->nargs] = (struct arg){0};
                int r = parse_operand(ps, &c->args[c->nargs++]);
                if (r < 0)
                        return r;
        }
        if (c->nargs == 0)
                return perr(ps, "missing value for command");
        return 0;
}

/* A pipeline up to "}}" (left unconsumed) or through ")". */
static int parse_pipe(struct parser *ps, bool in_parens, bool allow_decl, struct pipe **ret)
{
        struct pipe *p = xmalloc(sizeof(*p));
        int r;

        skip_space(ps);
        if (allow_decl)
                parse_decl(ps, p);
        for (;;) {
                p->cmds = xrealloc(p->cmds, (p->ncmds + 1) * sizeof(*p->cmds));
                p->cmds[p->ncmds] = (struct cmd){0};
                r = parse_cmd(ps, in_parens, &p->cmds[p->ncmds++]);
                if (r < 0) {
                        pipe_free(p);
                        return r;
                }
                if (*ps->p != '|')
                        break;
                ps->p++;
        }
        if (in_parens)
                ps->p++;
        *ret = p;
        return 0;
}

static int parse_control(struct parser *ps, enum node_kind kind, struct node **ret);

/* The tail of {{if}}/{{range}}/{{with}}: body, optional {{else}} or {{else if}}, {{end}}. */
static int parse_body(struct parser *ps, struct node *n)
{
        size_t mark = ps->nvars;
        enum term t;
        int r;

        declare_vars(ps, n->pipe);
        r = parse_list(ps, &n->body, &t);
        if (r >= 0 && t == TERM_ELSE) {
                r = parse_list(ps, &n->alt, &t);
                if (r >= 0 && t != TERM_END)
                        r = perr(ps, "expected end; found %s", t == TERM_EOF ? "EOF" : "{{else}}");
        } else if (r >= 0 && t == TERM_ELSE_IF) {
                struct node *nested = NULL;
                if (n->kind != NODE_IF)
                        r = perr(ps, "unexpected \"if\" in else");
                else if ((r = parse_control(ps, NODE_IF, &nested)) >= 0)
                        list_add(&n->alt, nested);
        } else if (r >= 0 && t != TERM_END) {
                r = perr(ps, "unexpected EOF");
        }
        ps->nvars = mark;
        return r;
}

static int parse_control(struct parser *ps, enum node_kind kind, struct node **ret)
{
        static const char *const names[] = {[NODE_IF] = "if", [NODE_RANGE] = "range", [NODE_WITH] = "with"};
        struct node *n = xmalloc(sizeof(*n));
        int r;

        n->kind = kind;
        skip_space(ps);
        if (at_close(ps)) {
                free(n);
                return perr(ps, "missing value for %s", names[kind]);
        }
        r = parse_pipe(ps, false, true, &n->pipe);
        if (r >= 0)
                r = expect_close(ps, names[kind]);
        if (r >= 0)
                r = parse_body(ps, n);
        if (r < 0) {
                struct list tmp = {0};
                list_add(&tmp, n);
                list_release(&tmp);
                return r;
        }
        *ret = n;
        return 0;
}

static void add_text(struct parser *ps, struct list *l, const char *s, size_t len, bool trim_right)
{
        if (ps->trim_next)
                while (len && isspace((unsigned char)*s))
                        s++, len--;
        if (trim_right)
                while (len && isspace((unsigned char)s[len - 1]))
                        len--;
        ps->trim_next = false;
        if (!len)
                return;
        struct node *n = xmalloc(sizeof(*n));
        n->kind = NODE_TEXT;
        n->text = strndup(s, len) ?: (oom(), NULL);
        n->len = len;
        list_add(l, n);
}

static int skip_comment(struct parser *ps)
{
        const char *end = strstr(ps->p + 2, "*/");

        if (!end)
                return perr(ps, "unclosed comment");
        advance(ps, (size_t)(end + 2 - ps->p));
        return expect_close(ps, "comment");
}

/* One action after "{{": a keyword (returned through term) or a pipeline node added to l. */
static int parse_action(struct parser *ps, struct list *l, enum term *term)
{
        static const char *const unsupported[] = {"define", "template", "block", "break", "continue"};
        const char *save;
        struct node *n = NULL;
        int r;

        *term = TERM_EOF; /* meaning: none */
        if (strncmp(ps->p, "/*", 2) == 0)
                return skip_comment(ps);
        skip_space(ps);
        save = ps->p;
        if (isalpha((unsigned char)*ps->p)) {
                _cleanup_free_ char *kw = read_ident(ps);
                if (streq(kw, "end")) {
                        *term = TERM_END;
                        return expect_close(ps, "end");
                }
                if (streq(kw, "else")) {
                        skip_space(ps);
                        if (strncmp(ps->p, "if", 2) == 0 && !is_ident_char(ps->p[2])) {
                                ps->p += 2;
                                *term = TERM_ELSE_IF;
                                return 0;
                        }
                        *term = TERM_ELSE;
                        return expect_close(ps, "else");
                }
                for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
                        if (streq(kw, unsupported[i]))
                                return perr(ps, "{{%s}} is not supported", kw);
                if (streq(kw, "if") || streq(kw, "range") || streq(kw, "with")) {
                        r = parse_control(ps,
                                          kw[0] == 'i'   ? NODE_IF
                                          : kw[0] == 'r' ? NODE_RANGE
                                                         : NODE_WITH,
                                          &n);
                        if (r >= 0)
                                list_add(l, n);
                        return r;
                }
                ps->p = save;
        }
        n = xmalloc(sizeof(*n));
        n->kind = NODE_ACTION;
        r = parse_pipe(ps, false, true, &n->pipe);
        if (r >= 0)
                r = expect_close(ps, "command");
        list_add(l, n); /* freed with the list on error */
        if (r >= 0)
                declare_vars(ps, n->pipe);
        return r;
}

static int parse_list(struct parser *ps, struct list *l, enum term *ret_term)
{
        for (;;) {
                const char *open = strstr(ps->p, "{{");
                bool trim_left;
                enum term t;
                int r;

                if (!open) {
                        add_text(ps, l, ps->p, strlen(ps->p), false);
                        advance(ps, strlen(ps->p));
                        *ret_term = TERM_EOF;
                        return 0;
                }
                trim_left = open[2] == '-' && isspace((unsigned char)open[3]);
                add_text(ps, l, ps->p, (size_t)(open - ps->p), trim_left);
                advance(ps, (size_t)(open - ps->p) + (trim_left ? 4 : 2));
                r = parse_action(ps, l, &t);
                if (r < 0)
                        return r;
                if (t != TERM_EOF) {
                        *ret_term = t;
                        return 0;
                }
        }
}

int format_compile(const char *text, struct format **ret, struct berth_error **err)
{
        struct parser ps = {.src = text, .p = text, .line_start = text, .line = 1, .err = err};
        _cleanup_format_ struct format *f = xmalloc(sizeof(*f));
        enum term t;
        int r;

        r = parse_list(&ps, &f->root, &t);
        free(ps.vars);
        if (r < 0)
                return r;
        if (t != TERM_EOF)
                return perr(&ps, "unexpected {{%s}}", t == TERM_END ? "end" : "else");
        *ret = TAKE_PTR(f);
        return 0;
}

/* ---------------------------------------------------------------- values */

/*
 * Values are owned json_t references; NULL is Go's "no value" (a missing
 * map key), distinct from JSON null (Go's nil interface, printed "<nil>").
 */
static void print_float(FILE *out, double v)
{
        char buf[64];
        int prec, exp10;

        /* Go's %v: the shortest digits that round-trip; exponent form when exp < -4 || exp >= 21. */
        for (prec = 1; prec < 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
        exp10 = atoi(strchr(buf, 'e') + 1);
        if (exp10 < -4 || exp10 >= 21)
                fputs(buf, out);
        else
                fprintf(out, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, v);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's map printing sorts keys. */
static const char **sorted_keys(json_t *obj, size_t *ret_n)
{
        const char **keys = xcalloc(json_object_size(obj) + 1, sizeof(char *));
        const char *k;
        json_t *v;
        size_t n = 0;

        json_object_foreach (obj, k, v)
                keys[n++] = k;
        qsort(keys, n, sizeof(char *), cmp_str);
        *ret_n = n;
        return keys;
}

static void print_value(FILE *out, json_t *v)
{
        size_t i, n;
        json_t *e;

        if (!v) {
                fputs("<no value>", out);
                return;
        }
        switch (json_typeof(v)) {
        case JSON_STRING:
                fwrite(json_string_value(v), 1, json_string_length(v), out);
                break;
        case JSON_INTEGER:
                fprintf(out, "%lld", (long long)json_integer_value(v));
                break;
        case JSON_REAL:
                print_float(out, json_real_value(v));
                break;
        case JSON_TRUE:
        case JSON_FALSE:
                fputs(json_is_true(v) ? "true" : "false", out);
                break;
        case JSON_NULL:
                fputs("<nil>", out);
                break;
        case JSON_ARRAY:
                fputc('[', out);
                json_array_foreach (v, i, e) {
                        if (i)
                                fputc(' ', out);
                        print_value(out, e);
                }
                fputc(']', out);
                break;
        case JSON_OBJECT: {
                _cleanup_free_ const char **keys = sorted_keys(v, &n);
                fputs("map[", out);
                for (i = 0; i < n; i++) {
                        fprintf(out, "%s%s:", i ? " " : "", keys[i]);
                        print_value(out, json_object_get(v, keys[i]));
                }
                fputc(']', out);
                break;
        }
        }
}

static char *value_string(json_t *v)
{
        char *s = NULL;
        size_t n = 0;
        FILE *f;

        if (v && json_is_string(v))
                return xstrdup(json_string_value(v));
        f = open_memstream(&s, &n);
        if (!f)
                oom();
        print_value(f, v);
        if (fclose(f) != 0)
                oom();
        return s;
}

static bool truth(json_t *v)
{
        if (!v)
                return false;
        switch (json_typeof(v)) {
        case JSON_STRING:
                return json_string_length(v) > 0;
        case JSON_INTEGER:
                return json_integer_value(v) != 0;
        case JSON_REAL:
                return json_real_value(v) != 0;
        case JSON_TRUE:
                return true;
        case JSON_ARRAY:
                return json_array_size(v) > 0;
        case JSON_OBJECT:
                return json_object_size(v) > 0;
        case JSON_FALSE:
        case JSON_NULL:
                break;
        }
        return false;
}

/* ---------------------------------------------------------------- execution */

struct var {
        const char *name;
        json_t *v;
};

struct exec {
        json_t *root;
        FILE *out;
        bool header;
        struct var *vars;
        size_t nvars;
        const struct arg *at; /* the operand being evaluated, for errors */
        struct berth_error **err;
};

static int xerr(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xerr(struct exec *x, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                oom();
        va_end(ap);
        if (!x->at)
                return berth_err_msg(x->err, EINVAL, "template: %s", msg);
        return berth_err_msg(x->err, EINVAL, "template: :%d:%d: executing \"\" at <%s>: %s", x->at->line,
                             x->at->col, x->at->src ? x->at->src : "", msg);
}

static void var_push(struct exec *x, const char *name, json_t *v)
{
        x->vars = xrealloc(x->vars, (x->nvars + 1) * sizeof(*x->vars));
        x->vars[x->nvars++] = (struct var){name, json_incref(v)};
}

static void vars_pop_to(struct exec *x, size_t mark)
{
        while (x->nvars > mark)
                json_decref(x->vars[--x->nvars].v);
}

static json_t *var_get(struct exec *x, const char *name)
{
        for (size_t i = x->nvars; i > 0; i--)
                if (streq(x->vars[i - 1].name, name))
                        return x->vars[i - 1].v;
        return x->root; /* "$" */
}

static char *upper_dup(const char *s)
{
        char *u = xstrdup(s);
        for (char *p = u; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        return u;
}

/* One field step, with Go's rules: missing stays missing, nil and non-maps are errors. */
static int field_step(struct exec *x, json_t *v, const char *name, json_t **ret)
{
        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (x->header) {
                /* A header row evaluates fields on the title map; deeper fields keep the title. */
                if (json_is_object(v)) {
                        json_t *t = json_object_get(v, name);
                        _cleanup_free_ char *u = t ? NULL : upper_dup(name);
                        *ret = t ? json_incref(t) : json_string(u);
                } else
                        *ret = json_incref(v);
                return 0;
        }
        if (json_is_null(v))
                return xerr(x, "nil pointer evaluating interface {}.%s", name);
        if (!json_is_object(v))
                return xerr(x, "can't evaluate field %s in type interface {}", name);
        *ret = json_incref(json_object_get(v, name));
        return 0;
}

/* Takes ownership of v. */
static int apply_fields(struct exec *x, json_t *v, const struct arg *a, json_t **ret)
{
        for (size_t i = 0; i < a->nfields; i++) {
                json_t *next = NULL;
                int r = field_step(x, v, a->fields[i], &next);
                json_decref(v);
                if (r < 0)
                        return r;
                v = next;
        }
        *ret = v;
        return 0;
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **ret);
static int call_func(struct exec *x, const struct arg *fa, json_t *dot, const struct arg *args, size_t nargs,
                     json_t *final, bool has_final, json_t **ret);

static int eval_arg(struct exec *x, json_t *dot, const struct arg *a, json_t **ret)
{
        json_t *v = NULL;
        int r;

        x->at = a;
        switch (a->kind) {
        case ARG_DOT:
        case ARG_FIELD:
                v = json_incref(dot);
                break;
        case ARG_VAR:
                v = json_incref(var_get(x, a->str));
                break;
        case ARG_STRING:
                v = json_string(a->str);
                break;
        case ARG_INT:
                v = json_integer(a->i);
                break;
        case ARG_REAL:
                v = json_real(a->d);
                break;
        case ARG_BOOL:
                v = json_boolean(a->i);
                break;
        case ARG_NIL:
                v = json_null();
                break;
        case ARG_FUNC:
                return call_func(x, a, dot, NULL, 0, NULL, false, ret);
        case ARG_PIPE:
                r = eval_pipe(x, dot, a->pipe, &v);
                if (r < 0)
                        return r;
                break;
        }
        x->at = a;
        return apply_fields(x, v, a, ret);
}

static int eval_cmd(struct exec *x, json_t *dot, const struct cmd *c, json_t *final, bool has_final,
                    json_t **ret)
{
        if (c->args[0].kind == ARG_FUNC)
                return call_func(x, &c->args[0], dot, c->args + 1, c->nargs - 1, final, has_final, ret);
        if (c->nargs > 1 || has_final) {
                x->at = &c->args[0];
                return xerr(x, "can't give argument to non-function %s", c->args[0].src);
        }
        return eval_arg(x, dot, &c->args[0], ret);
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **ret)
{
        json_t *v = NULL;

        for (size_t i = 0; i < p->ncmds; i++) {
                json_t *next = NULL;
                int r = eval_cmd(x, dot, &p->cmds[i], v, i > 0, &next);
                json_decref(v);
                if (r < 0)
                        return r;
                v = next;
        }
        *ret = v;
        return 0;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l);

static int exec_range(struct exec *x, json_t *dot, const struct node *n, json_t *v)
{
        size_t mark = x->nvars, i, nkeys;
        const struct pipe *p = n->pipe;
        json_t *e;
        int r = 0;

        if (truth(v) && !json_is_array(v) && !json_is_object(v)) {
                _cleanup_free_ char *s = value_string(v);
                return xerr(x, "range can't iterate over %s", s);
        }
        if (!truth(v))
                return exec_list(x, dot, &n->alt);
        if (json_is_array(v)) {
                json_array_foreach (v, i, e) {
                        _cleanup_json_ json_t *idx = json_integer((json_int_t)i);
                        if (p->nvars == 2)
                                var_push(x, p->vars[0], idx);
                        if (p->nvars)
                                var_push(x, p->vars[p->nvars - 1], e);
                        r = exec_list(x, e, &n->body);
                        vars_pop_to(x, mark);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        _cleanup_free_ const char **keys = sorted_keys(v, &nkeys);
        for (i = 0; i < nkeys; i++) {
                _cleanup_json_ json_t *key = json_string(keys[i]);
                e = json_object_get(v, keys[i]);
                if (p->nvars == 2)
                        var_push(x, p->vars[0], key);
                if (p->nvars)
                        var_push(x, p->vars[p->nvars - 1], e);
                r = exec_list(x, e, &n->body);
                vars_pop_to(x, mark);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int exec_node(struct exec *x, json_t *dot, const struct node *n)
{
        _cleanup_json_ json_t *v = NULL;
        size_t mark = x->nvars;
        int r;

        if (n->kind == NODE_TEXT) {
                fwrite(n->text, 1, n->len, x->out);
                return 0;
        }
        r = eval_pipe(x, dot, n->pipe, &v);
        if (r < 0)
                return r;
        if (n->kind == NODE_ACTION) {
                /* A declaration prints nothing; the variable lives until the enclosing {{end}}. */
                if (n->pipe->nvars)
                        var_push(x, n->pipe->vars[0], v);
                else
                        print_value(x->out, v);
                return 0;
        }
        if (n->kind == NODE_RANGE) {
                r = exec_range(x, dot, n, v);
        } else {
                if (n->pipe->nvars)
                        var_push(x, n->pipe->vars[0], v);
                if (truth(v))
                        r = exec_list(x, n->kind == NODE_WITH ? v : dot, &n->body);
                else
                        r = exec_list(x, dot, &n->alt);
        }
        vars_pop_to(x, mark);
        return r;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l)
{
        size_t mark = x->nvars;
        int r = 0;

        for (size_t i = 0; i < l->n && r >= 0; i++)
                r = exec_node(x, dot, l->nodes[i]);
        vars_pop_to(x, mark);
        return r;
}

static int format_exec(const struct format *f, json_t *data, bool header, FILE *out,
                       struct berth_error **err)
{
        struct exec x = {.root = data, .out = out, .header = header, .err = err};
        int r = exec_list(&x, data, &f->root);

        vars_pop_to(&x, 0);
        free(x.vars);
        return r;
}

int format_execute(const struct format *f, json_t *data, FILE *out, struct berth_error **err)
{
        return format_exec(f, data, false, out, err);
}

int format_execute_string(const struct format *f, json_t *data, char **ret, struct berth_error **err)
{
        char *s = NULL;
        size_t n = 0;
        FILE *out = open_memstream(&s, &n);
        int r;

        if (!out)
                oom();
        r = format_execute(f, data, out, err);
        if (fclose(out) != 0)
                oom();
        if (r < 0) {
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

/* ---------------------------------------------------------------- functions */

static int fn_json(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        /* encoding/json with SetEscapeHTML(false), trailing newline trimmed; no value is null. */
        _cleanup_free_ char *s = json_dumps(a[0] ? a[0] : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
        *ret = json_string(s ? s : "null");
        return 0;
}

static int fn_join(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        _cleanup_free_ char *sep = value_string(a[1]), *s = NULL;
        size_t len = 0, i;
        json_t *e;
        FILE *f;

        (void)n;
        if (!a[0] || !json_is_array(a[0]))
                return xerr(x, "error calling join: wrong type for value; expected []string");
        f = open_memstream(&s, &len);
        if (!f)
                oom();
        json_array_foreach (a[0], i, e) {
                if (i)
                        fputs(sep, f);
                print_value(f, e);
        }
        if (fclose(f) != 0)
                oom();
        *ret = json_string(s);
        return 0;
}

static int fn_split(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        _cleanup_free_ char *s = value_string(a[0]), *sep = value_string(a[1]);
        json_t *arr = json_array();
        const char *p = s, *q;

        (void)x, (void)n;
        if (!*sep) {
                /* strings.Split(s, "") splits into UTF-8 sequences. */
                for (p = s; *p;) {
                        q = p + 1;
                        while (((unsigned char)*q & 0xc0) == 0x80)
                                q++;
                        json_array_append_new(arr, json_stringn(p, (size_t)(q - p)));
                        p = q;
                }
        } else {
                while ((q = strstr(p, sep))) {
                        json_array_append_new(arr, json_stringn(p, (size_t)(q - p)));
                        p = q + strlen(sep);
                }
                json_array_append_new(arr, json_string(p));
        }
        *ret = arr;
        return 0;
}

static int map_string(json_t **a, json_t **ret, int (*conv)(int), bool title)
{
        _cleanup_free_ char *s = value_string(a[0]);
        bool prev_sep = true;

        for (char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if (!title)
                        *p = (char)conv(c);
                else if (prev_sep)
                        *p = (char)toupper(c);
                /* strings.Title: letters, digits, '_' and non-ASCII continue a word. */
                prev_sep = !(isalnum(c) || c == '_' || c >= 0x80);
        }
        *ret = json_string(s);
        return 0;
}

static int fn_lower(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        return map_string(a, ret, tolower, false);
}

static int fn_upper(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        return map_string(a, ret, toupper, false);
}

static int fn_title(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        return map_string(a, ret, toupper, true);
}

static int want_int(struct exec *x, const char *fn, json_t *v, long long *ret)
{
        if (!v || !json_is_integer(v))
                return xerr(x, "error calling %s: wrong type for value; expected int", fn);
        *ret = json_integer_value(v);
        return 0;
}

static int fn_truncate(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        _cleanup_free_ char *s = value_string(a[0]);
        long long len = 0;
        int r = want_int(x, "truncate", a[1], &len);

        (void)n;
        if (r < 0)
                return r;
        if (len >= 0 && (size_t)len < strlen(s))
                s[len] = '\0';
        *ret = json_string(s);
        return 0;
}

static int fn_pad(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        _cleanup_free_ char *s = value_string(a[0]);
        long long pre = 0, suf = 0;
        int r;

        (void)n;
        if ((r = want_int(x, "pad", a[1], &pre)) < 0 || (r = want_int(x, "pad", a[2], &suf)) < 0)
                return r;
        if (!*s) {
                *ret = json_string("");
                return 0;
        }
        _cleanup_free_ char *out = xasprintf("%*s%s%*s", (int)pre, "", s, (int)suf, "");
        *ret = json_string(out);
        return 0;
}

static int fn_len(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)n;
        if (a[0] && json_is_string(a[0]))
                *ret = json_integer((json_int_t)json_string_length(a[0]));
        else if (a[0] && json_is_array(a[0]))
                *ret = json_integer((json_int_t)json_array_size(a[0]));
        else if (a[0] && json_is_object(a[0]))
                *ret = json_integer((json_int_t)json_object_size(a[0]));
        else
                return xerr(x, "error calling len: len of %s", a[0] ? "type interface {}" : "nil pointer");
        return 0;
}

static int fn_index(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        json_t *v = a[0];

        for (size_t i = 1; i < n; i++) {
                if (!v || json_is_null(v))
                        return xerr(x, "error calling index: index of untyped nil");
                if (json_is_object(v)) {
                        _cleanup_free_ char *k = value_string(a[i]);
                        v = json_object_get(v, k);
                        if (!v) {
                                /* Docker's typed maps (Labels, Options) yield "" for a missing key. */
                                *ret = json_string("");
                                return 0;
                        }
                } else if (json_is_array(v)) {
                        long long k = 0;
                        int r = want_int(x, "index", a[i], &k);
                        if (r < 0)
                                return r;
                        if (k < 0 || (size_t)k >= json_array_size(v))
                                return xerr(x, "error calling index: index out of range: %lld", k);
                        v = json_array_get(v, (size_t)k);
                } else {
                        return xerr(x, "error calling index: can't index item of type interface {}");
                }
        }
        *ret = json_incref(v);
        return 0;
}

static void sprint(FILE *f, json_t **a, size_t n, bool ln)
{
        for (size_t i = 0; i < n; i++) {
                /* fmt.Sprint puts a space between operands when neither is a string; Sprintln always. */
                bool str = a[i] && json_is_string(a[i]), prev = i && a[i - 1] && json_is_string(a[i - 1]);
                if (i && (ln || (!str && !prev)))
                        fputc(' ', f);
                print_value(f, a[i]);
        }
        if (ln)
                fputc('\n', f);
}

static int fn_print_common(json_t **a, size_t n, json_t **ret, bool ln)
{
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        if (!f)
                oom();
        sprint(f, a, n, ln);
        if (fclose(f) != 0)
                oom();
        *ret = json_string(s);
        free(s);
        return 0;
}

static int fn_print(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x;
        return fn_print_common(a, n, ret, false);
}

static int fn_println(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x;
        return fn_print_common(a, n, ret, true);
}

/* printf with the verbs scripts use: %s %v %d %q %%, with the '-' and '0' flags, width and precision. */
static void printf_verb(FILE *f, const char *spec, size_t speclen, char verb, json_t *v)
{
        _cleanup_free_ char *s = NULL;
        bool left = false, zero = false;
        long width = 0, prec = -1;
        size_t i = 0, len;

        for (; i < speclen && strchr("-+ #0", spec[i]); i++) {
                left |= spec[i] == '-';
                zero |= spec[i] == '0';
        }
        width = strtol(spec + i, NULL, 10);
        if (memchr(spec, '.', speclen))
                prec = strtol((const char *)memchr(spec, '.', speclen) + 1, NULL, 10);
        if (verb == 'd' && v && json_is_integer(v))
                s = xasprintf("%lld", (long long)json_integer_value(v));
        else if (verb == 'q')
                s = json_dumps(v ? v : json_null(), JSON_ENCODE_ANY);
        else
                s = value_string(v);
        len = strlen(s);
        if (prec >= 0 && verb != 'd' && (size_t)prec < len)
                len = (size_t)prec;
        for (long k = (long)len; !left && k < width; k++)
                fputc(zero && verb == 'd' ? '0' : ' ', f);
        fwrite(s, 1, len, f);
        for (long k = (long)len; left && k < width; k++)
                fputc(' ', f);
}

static int fn_printf(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        _cleanup_free_ char *fmt = value_string(a[0]);
        char *s = NULL;
        size_t len = 0, next = 1;
        FILE *f = open_memstream(&s, &len);

        (void)x;
        if (!f)
                oom();
        for (const char *p = fmt; *p; p++) {
                size_t speclen;
                if (*p != '%' || !p[1]) {
                        fputc(*p, f);
                        continue;
                }
                p++;
                speclen = strspn(p, "-+ #0123456789.");
                if (p[speclen] == '%') {
                        fputc('%', f);
                } else if (next < n) {
                        printf_verb(f, p, speclen, p[speclen], a[next++]);
                } else {
                        fprintf(f, "%%!%c(MISSING)", p[speclen]);
                }
                p += speclen;
                if (!*p)
                        break;
        }
        if (fclose(f) != 0)
                oom();
        *ret = json_string(s);
        free(s);
        return 0;
}

/* eq/ne/lt/...: numbers compare by value across integer and real; strings bytewise. */
static int compare(struct exec *x, json_t *a, json_t *b, int *ret)
{
        if (a && b && json_is_number(a) && json_is_number(b)) {
                double da = json_number_value(a), db = json_number_value(b);
                if (json_is_integer(a) && json_is_integer(b))
                        *ret = (json_integer_value(a) > json_integer_value(b)) -
                               (json_integer_value(a) < json_integer_value(b));
                else
                        *ret = (da > db) - (da < db);
                return 0;
        }
        if (a && b && json_is_string(a) && json_is_string(b)) {
                *ret = strcmp(json_string_value(a), json_string_value(b));
                return 0;
        }
        return xerr(x, "error calling compare: incompatible types for comparison");
}

static bool equal(json_t *a, json_t *b)
{
        if (a && b && json_is_number(a) && json_is_number(b))
                return json_number_value(a) == json_number_value(b);
        if (!a || !b)
                return (!a || json_is_null(a)) && (!b || json_is_null(b));
        return json_equal(a, b);
}

static int fn_eq(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        bool eq = false;

        (void)x;
        for (size_t i = 1; i < n && !eq; i++)
                eq = equal(a[0], a[i]);
        *ret = json_boolean(eq);
        return 0;
}

static int fn_ne(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        *ret = json_boolean(!equal(a[0], a[1]));
        return 0;
}

static int fn_cmp(struct exec *x, json_t **a, json_t **ret, bool (*ok)(int))
{
        int c = 0, r = compare(x, a[0], a[1], &c);

        if (r < 0)
                return r;
        *ret = json_boolean(ok(c));
        return 0;
}

static bool is_lt(int c)
{
        return c < 0;
}
static bool is_le(int c)
{
        return c <= 0;
}
static bool is_gt(int c)
{
        return c > 0;
}
static bool is_ge(int c)
{
        return c >= 0;
}

static int fn_lt(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)n;
        return fn_cmp(x, a, ret, is_lt);
}

static int fn_le(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)n;
        return fn_cmp(x, a, ret, is_le);
}

static int fn_gt(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)n;
        return fn_cmp(x, a, ret, is_gt);
}

static int fn_ge(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)n;
        return fn_cmp(x, a, ret, is_ge);
}

/* and/or return the deciding operand, as Go's do. */
static int fn_and(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        size_t i;

        (void)x;
        for (i = 0; i < n - 1 && truth(a[i]); i++)
                ;
        *ret = json_incref(a[i]);
        return 0;
}

static int fn_or(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        size_t i;

        (void)x;
        for (i = 0; i < n - 1 && !truth(a[i]); i++)
                ;
        *ret = json_incref(a[i]);
        return 0;
}

static int fn_not(struct exec *x, json_t **a, size_t n, json_t **ret)
{
        (void)x, (void)n;
        *ret = json_boolean(!truth(a[0]));
        return 0;
}

static const struct func funcs[] = {
    {"json", fn_json, 1, 1, true},
    {"join", fn_join, 2, 2, true},
    {"split", fn_split, 2, 2, true},
    {"lower", fn_lower, 1, 1, true},
    {"upper", fn_upper, 1, 1, true},
    {"title", fn_title, 1, 1, true},
    {"truncate", fn_truncate, 2, 2, true},
    {"pad", fn_pad, 3, 3, false},
    {"len", fn_len, 1, 1, false},
    {"index", fn_index, 1, -1, true},
    {"print", fn_print, 0, -1, false},
    {"printf", fn_printf, 1, -1, false},
    {"println", fn_println, 0, -1, false},
    {"eq", fn_eq, 2, -1, false},
    {"ne", fn_ne, 2, 2, false},
    {"lt", fn_lt, 2, 2, false},
    {"le", fn_le, 2, 2, false},
    {"gt", fn_gt, 2, 2, false},
    {"ge", fn_ge, 2, 2, false},
    {"and", fn_and, 1, -1, false},
    {"or", fn_or, 1, -1, false},
    {"not", fn_not, 1, 1, false},
};

static const struct func *func_lookup(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
                if (streq(funcs[i].name, name))
                        return &funcs[i];
        return NULL;
}

static int call_func(struct exec *x, const struct arg *fa, json_t *dot, const struct arg *args, size_t nargs,
                     json_t *final, bool has_final, json_t **ret)
{
        const struct func *fn = fa->func;
        size_t n = nargs + has_final, i;
        json_t **vals = xcalloc(n + 1, sizeof(json_t *));
        int r = 0;

        for (i = 0; i < nargs && r >= 0; i++)
                r = eval_arg(x, dot, &args[i], &vals[i]);
        if (has_final)
                vals[nargs] = json_incref(final);
        x->at = fa;
        if (r >= 0 && ((int)n < fn->min || (fn->max >= 0 && (int)n > fn->max))) {
                if (fn->min == fn->max)
                        r = xerr(x, "wrong number of args for %s: want %d got %zu", fn->name, fn->min, n);
                else
                        r = xerr(x, "wrong number of args for %s: want at least %d got %zu", fn->name,
                                 fn->min, n);
        }
        if (r >= 0 && x->header && fn->header_id)
                *ret = json_incref(vals[0]);
        else if (r >= 0)
                r = fn->fn(x, vals, n, ret);
        for (i = 0; i < n; i++)
                json_decref(vals[i]);
        free(vals);
        return r;
}

/* ---------------------------------------------------------------- docker's --format */

struct formatter {
        struct format *tmpl;
        bool table;
        json_t *titles;
        char *rows;
        size_t len;
        FILE *buf;
};

static char *docker_preformat(const char *s, bool *ret_table)
{
        char *out, *w;
        size_t n;

        /* formatter.Format.IsTable(): a "table" prefix, then Trim(" ") and the \t, \n replacer. */
        *ret_table = strncmp(s, "table", 5) == 0;
        if (*ret_table)
                s += 5;
        while (*s == ' ')
                s++;
        n = strlen(s);
        while (n && s[n - 1] == ' ')
                n--;
        out = w = xmalloc(n + 1);
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
                        *w++ = s[++i] == 't' ? '\t' : '\n';
                        continue;
                }
                *w++ = s[i];
        }
        *w = '\0';
        return out;
}

int formatter_new(const char *user_format, const char *default_format, const struct format_header *headers,
                  struct formatter **ret, struct berth_error **err)
{
        struct formatter *fm;
        const char *spec = user_format;
        _cleanup_free_ char *text = NULL;
        bool table;
        int r;

        if (!spec || !*spec || streq(spec, "table"))
                spec = default_format ? default_format : "{{json .}}";
        else if (streq(spec, "json"))
                spec = "{{json .}}";
        text = docker_preformat(spec, &table);
        fm = xmalloc(sizeof(*fm));
        r = format_compile(text, &fm->tmpl, err);
        if (r < 0) {
                free(fm);
                return r;
        }
        fm->table = table;
        fm->titles = json_object();
        for (size_t i = 0; headers && headers[i].field; i++)
                json_object_set_new(fm->titles, headers[i].field, json_string(headers[i].title));
        fm->buf = open_memstream(&fm->rows, &fm->len);
        if (!fm->buf)
                oom();
        *ret = fm;
        return 0;
}

bool formatter_is_table(const struct formatter *fm)
{
        return fm->table;
}

int formatter_add(struct formatter *fm, json_t *row, struct berth_error **err)
{
        int r = format_execute(fm->tmpl, row, fm->buf, err);

        if (r < 0)
                return r;
        fputc('\n', fm->buf);
        return 0;
}

int formatter_flush(struct formatter *fm, FILE *out, struct berth_error **err)
{
        int r = 0;

        if (fflush(fm->buf) != 0)
                oom();
        if (fm->table) {
                struct table *t = table_new_docker();
                char *hdr = NULL;
                size_t n = 0;
                FILE *h = open_memstream(&hdr, &n);
                if (!h)
                        oom();
                r = format_exec(fm->tmpl, fm->titles, true, h, err);
                fputc('\n', h);
                if (fclose(h) != 0)
                        oom();
                if (r >= 0) {
                        table_write(t, hdr);
                        table_write(t, fm->rows ? fm->rows : "");
                        r = table_flush(t, out);
                }
                free(hdr);
                table_free(t);
        } else {
                fwrite(fm->rows, 1, fm->len, out);
        }
        /* A fresh stream: rewinding one would leave its old size behind. */
        fclose(fm->buf);
        free(fm->rows);
        fm->rows = NULL;
        fm->len = 0;
        fm->buf = open_memstream(&fm->rows, &fm->len);
        if (!fm->buf)
                oom();
        return r;
}

struct formatter *formatter_free(struct formatter *fm)
{
        if (fm) {
                if (fm->buf)
                        fclose(fm->buf);
                free(fm->rows);
                json_decref(fm->titles);
                format_free(fm->tmpl);
                free(fm);
        }
        return NULL;
}

void formatter_freep(struct formatter **fm)
{
        *fm = formatter_free(*fm);
}
