/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "commands.h"
#include "oci/runtime-spec.h"

int cmd_spec(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "rootless", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_json_ json_t *spec = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        const char *bundle = ".";
        bool rootless = false;
        int c, fd;

        (void)ctx;
        while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
                if (c == 'b')
                        bundle = optarg;
                else if (c == 'r')
                        rootless = true;
                else if (c == 'h') {
                        command_usage("spec");
                        return 0;
                } else
                        return usage_error(err, "spec", "bad option");
        }
        spec = oci_spec_default(rootless);
        path = xasprintf("%s/config.json", bundle);
        text = json_dumps(spec, JSON_INDENT(2));
        /* Like runc: never overwrite a config the user already has. */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return berth_err(err, errno, "create `%s`", path);
        if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0) {
                close(fd);
                return berth_err(err, errno, "write `%s`", path);
        }
        close(fd);
        return 0;
}

int cmd_features(struct runtime_context *ctx, int argc, char **argv, struct berth_error **err)
{
        _cleanup_json_ json_t *f = runtime_features();
        char *s;

        (void)ctx;
        (void)err;
        if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                command_usage("features");
                return 0;
        }
        s = json_dumps(f, JSON_INDENT(2));
        puts(s);
        free(s);
        return 0;
}
