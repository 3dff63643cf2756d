/* SPDX-License-Identifier: Apache-2.0 */
/* format.c (Go template subset, docker's --format) and table.c (Go's tabwriter), exact strings. */
#include <jansson.h>
#include <stdlib.h>

#include "base/error.h"
#include "format.h"
#include "table.h"
#include "tap.h"

static json_t *data;

/* Renders tmpl on data; returns a static copy of the output, or of the error message prefixed "ERR:". */
static const char *render(const char *tmpl)
{
        static char out[4096];
        struct berth_error *err = NULL;
        struct format *f = NULL;
        char *s = NULL;

        if (format_compile(tmpl, &f, &err) < 0 || format_execute_string(f, data, &s, &err) < 0) {
                snprintf(out, sizeof(out), "ERR:%s", err->msg);
                berth_error_free(err);
        } else {
                snprintf(out, sizeof(out), "%s", s);
        }
        free(s);
        format_free(f);
        return out;
}

static void setup(void)
{
        json_error_t e;

        data =
            json_loads("{\"ID\":\"0123456789abcdef\",\"Name\":\"web\",\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
                       "\"Cmd\":[\"sleep\",\"60\"],\"State\":{\"Status\":\"running\",\"Pid\":42,"
                       "\"Health\":null},\"Size\":1234,\"Ratio\":0.5,\"Big\":1e21,\"Empty\":\"\","
                       "\"Mounts\":[{\"Source\":\"/a\"},{\"Source\":\"/b\"}],\"Flag\":true}",
                       0, &e);
}

TEST(fields)
{
        ASSERT_STREQ(render("{{.Name}}"), "web");
        ASSERT_STREQ(render("id={{.ID}} pid={{.State.Pid}}"), "id=0123456789abcdef pid=42");
        ASSERT_STREQ(render("{{.Nope}}"), "<no value>");
        ASSERT_STREQ(render("{{.Nope.Deeper}}"), "<no value>");
        ASSERT_STREQ(render("{{.State.Health}}"), "<nil>");
        ASSERT_STREQ(render("{{.Flag}} {{.Size}} {{.Ratio}} {{.Big}}"), "true 1234 0.5 1e+21");
        ASSERT_STREQ(render("{{$.Name}}{{.}}"),
                     "webmap[Big:1e+21 Cmd:[sleep 60] Empty: Flag:true ID:0123456789abcdef "
                     "Labels:map[a:1 b:2] Mounts:[map[Source:/a] map[Source:/b]] "
                     "Name:web Ratio:0.5 Size:1234 State:map[Health:<nil> Pid:42 "
                     "Status:running]]");
}

TEST(go_printing)
{
        ASSERT_STREQ(render("{{.Labels}}"), "map[a:1 b:2]");
        ASSERT_STREQ(render("{{.Cmd}}"), "[sleep 60]");
        ASSERT_STREQ(render("{{.Mounts}}"), "[map[Source:/a] map[Source:/b]]");
}

TEST(json_func)
{
        ASSERT_STREQ(render("{{json .Labels}}"), "{\"b\":\"2\",\"a\":\"1\"}");
        ASSERT_STREQ(render("{{json .Cmd}}"), "[\"sleep\",\"60\"]");
        ASSERT_STREQ(render("{{json .Name}}"), "\"web\"");
        ASSERT_STREQ(render("{{json .Nope}}"), "null");
        ASSERT_STREQ(render("{{.State | json}}"), "{\"Status\":\"running\",\"Pid\":42,\"Health\":null}");
}

TEST(functions)
{
        ASSERT_STREQ(render("{{join .Cmd \" \"}}"), "sleep 60");
        ASSERT_STREQ(render("{{index .Labels \"a\"}}|{{index .Labels \"zz\"}}|{{index .Cmd 1}}"), "1||60");
        ASSERT_STREQ(render("{{upper .Name}} {{lower \"AbC\"}} {{title \"hello wide-world_x\"}}"),
                     "WEB abc Hello Wide-World_x");
        ASSERT_STREQ(render("{{index (split \"a:b:c\" \":\") 2}} {{len (split \"a:b\" \":\")}}"), "c 2");
        ASSERT_STREQ(render("{{len .Cmd}} {{len .Labels}} {{len .Name}}"), "2 2 3");
        ASSERT_STREQ(render("{{truncate .ID 12}}|{{pad .Name 1 2}}|{{pad .Empty 1 2}}|"),
                     "0123456789ab| web  ||");
        ASSERT_STREQ(render("{{println .Name .Size}}"), "web 1234\n");
        ASSERT_STREQ(render("{{print .Size .Size}}{{print \"a\" \"b\"}}"), "1234 1234ab");
        ASSERT_STREQ(render("{{printf \"%-5s|%3d|%q\" .Name .Size .Name}}"), "web  |1234|\"web\"");
        ASSERT_STREQ(render("{{if and .Flag (eq .State.Status \"running\" \"paused\")}}up{{end}}"), "up");
        ASSERT_STREQ(render("{{if or .Empty .Nope}}x{{else}}y{{end}} {{not .Flag}}"), "y false");
        ASSERT_STREQ(
            render("{{if gt .Size 1000}}big{{end}}{{if lt .State.Pid 10}}small{{end}}{{ne .Name \"x\"}}"),
            "bigtrue");
}

TEST(control)
{
        ASSERT_STREQ(render("{{if .Empty}}a{{else if .Flag}}b{{else}}c{{end}}"), "b");
        ASSERT_STREQ(render("{{range .Mounts}}{{.Source}},{{end}}"), "/a,/b,");
        ASSERT_STREQ(render("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}"), "a=1;b=2;");
        ASSERT_STREQ(render("{{range $i, $c := .Cmd}}{{$i}}:{{$c}} {{end}}"), "0:sleep 1:60 ");
        ASSERT_STREQ(render("{{range .Nope}}x{{else}}none{{end}}"), "none");
        ASSERT_STREQ(render("{{with .State}}{{.Status}}{{end}}{{with .Empty}}x{{else}}-{{end}}"),
                     "running-");
        ASSERT_STREQ(render("{{$n := .Name}}{{range .Cmd}}{{$n}}{{end}}"), "webweb");
        ASSERT_STREQ(render("a  {{- .Name -}}  b {{/* a comment */}}c"), "awebb c");
        ASSERT_STREQ(render("{{\"quo\\\"ted\\n\"}}{{`raw\\n`}}"), "quo\"ted\nraw\\n");
}

TEST(errors)
{
        ASSERT_STREQ(render("{{.Name"), "ERR:template: :1: unclosed action");
        ASSERT_STREQ(render("{{foo .Name}}"), "ERR:template: :1: function \"foo\" not defined");
        ASSERT_STREQ(render("{{if .Name}}x"), "ERR:template: :1: unexpected EOF");
        ASSERT_STREQ(render("x{{end}}"), "ERR:template: :1: unexpected {{end}}");
        ASSERT_STREQ(render("a\n{{$x}}"), "ERR:template: :2: undefined variable \"$x\"");
        ASSERT_STREQ(render("{{}}"), "ERR:template: :1: missing value for command");
        ASSERT_STREQ(
            render("{{join .Cmd}}"),
            "ERR:template: :1:2: executing \"\" at <join>: wrong number of args for join: want 2 got 1");
        ASSERT_STREQ(
            render("{{.Name.X}}"),
            "ERR:template: :1:2: executing \"\" at <.Name.X>: can't evaluate field X in type interface {}");
        ASSERT_STREQ(render("{{.State.Health.Status}}"),
                     "ERR:template: :1:2: executing \"\" at <.State.Health.Status>: nil pointer evaluating "
                     "interface {}.Status");
        ASSERT_STREQ(
            render("{{index .Cmd 5}}"),
            "ERR:template: :1:2: executing \"\" at <index>: error calling index: index out of range: 5");
}

static const struct format_header ps_headers[] = {
    {"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"}, {"CreatedSince", "CREATED"},
    {"Status", "STATUS"},   {"Ports", "PORTS"}, {"Names", "NAMES"},     {NULL, NULL},
};

#define PS_DEFAULT                                                                                          \
        "table "                                                                                            \
        "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.CreatedSince}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}"

static const char *run_formatter(const char *user, const char *const *rows)
{
        static char out[4096];
        struct berth_error *err = NULL;
        struct formatter *fm = NULL;
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        int r = formatter_new(user, PS_DEFAULT, ps_headers, &fm, &err);

        for (size_t i = 0; r >= 0 && rows[i]; i++) {
                json_t *row = json_loads(rows[i], 0, NULL);
                r = formatter_add(fm, row, &err);
                json_decref(row);
        }
        if (r >= 0)
                r = formatter_flush(fm, f, &err);
        fclose(f);
        if (r < 0)
                snprintf(out, sizeof(out), "ERR:%s", err->msg);
        else
                snprintf(out, sizeof(out), "%s", s);
        berth_error_free(err);
        formatter_free(fm);
        free(s);
        return out;
}

TEST(docker_table)
{
        const char *none[] = {NULL};
        const char *rows[] = {
            "{\"ID\":\"3f2a1b4c5d6e\",\"Image\":\"debian\",\"Command\":\"\\\"sleep 60\\\"\","
            "\"CreatedSince\":\"2 minutes ago\",\"Status\":\"Up 2 "
            "minutes\",\"Ports\":\"\",\"Names\":\"web\"}",
            NULL,
        };

        /* docker ps on an empty host prints exactly this header. */
        ASSERT_STREQ(run_formatter("", none),
                     "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
        ASSERT_STREQ(
            run_formatter("table", rows),
            "CONTAINER ID   IMAGE     COMMAND      CREATED         STATUS         PORTS     NAMES\n"
            "3f2a1b4c5d6e   debian    \"sleep 60\"   2 minutes ago   Up 2 minutes             web\n");
        ASSERT_STREQ(run_formatter("table {{.Names}}\\t{{.Status}}", rows),
                     "NAMES     STATUS\nweb       Up 2 minutes\n");
        ASSERT_STREQ(run_formatter("{{.Names}}\\t{{.ID}}", rows), "web\t3f2a1b4c5d6e\n");
        ASSERT_STREQ(run_formatter("json", rows),
                     "{\"ID\":\"3f2a1b4c5d6e\",\"Image\":\"debian\",\"Command\":\"\\\"sleep 60\\\"\","
                     "\"CreatedSince\":\"2 minutes ago\",\"Status\":\"Up 2 "
                     "minutes\",\"Ports\":\"\",\"Names\":\"web\"}\n");
        /* Header functions return their argument, as docker's HeaderFunctions do. */
        ASSERT_STREQ(run_formatter("table {{upper .Names}}\\t{{.Label}}", rows),
                     "NAMES     LABEL\nWEB       <no value>\n");
        ASSERT_STREQ(run_formatter("{{.Names", rows), "ERR:template: :1: unclosed action");
}

static const char *tab(const char *in, int minwidth, int padding)
{
        static char out[4096];
        struct table *t = table_new(minwidth, padding);
        char *s;

        table_write(t, in);
        s = table_render(t);
        snprintf(out, sizeof(out), "%s", s);
        free(s);
        table_free(t);
        return out;
}

TEST(tabwriter)
{
        ASSERT_STREQ(tab("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n", 10, 3),
                     "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
        ASSERT_STREQ(tab("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
                         "busybox\tlatest\tabcdef123456\t2 days ago\t4.26MB\n",
                         10, 3),
                     "REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\n"
                     "busybox      latest    abcdef123456   2 days ago   4.26MB\n");
        /* Go's column blocks: a line without a cell in a column ends that column's block. */
        ASSERT_STREQ(tab("a\tb\tc\nxxxxxxxxxxxx\tyy\nz\n", 0, 1), "a            b c\nxxxxxxxxxxxx yy\nz\n");
        ASSERT_STREQ(tab("a\tb\nno tabs\nccc\td\n", 0, 1), "a b\nno tabs\nccc d\n");
        /* Runes, not bytes, make the width; an empty cell still pads; text without newline is kept. */
        ASSERT_STREQ(tab("é\tx\nab\ty\n\tz\nend", 0, 2), "é   x\nab  y\n    z\nend");
        ASSERT_STREQ(tab("", 10, 3), "");
}

int main(void)
{
        setup();
        RUN(fields);
        RUN(go_printing);
        RUN(json_func);
        RUN(functions);
        RUN(control);
        RUN(errors);
        RUN(docker_table);
        RUN(tabwriter);
        json_decref(data);
        TAP_DONE();
}
