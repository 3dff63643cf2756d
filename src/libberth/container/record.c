/* SPDX-License-Identifier: Apache-2.0 */
/* A new container's record: Docker's create request merged with the image's config. */
#include <string.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/time-util.h"
#include "base/xalloc.h"
#include "container/container-internal.h"
#include "container/container-net-internal.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

/*
 * Docker merges the health check field by field: `--health-interval 1s` on an
 * image with a HEALTHCHECK keeps the image's test and changes the interval.
 */
static void merge_healthcheck(json_t *cfg, json_t *img)
{
        static const char *const fields[] = { "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries" };
        json_t *hc = json_object_get(cfg, "Healthcheck");

        if (!json_is_object(img))
                return;
        if (!json_is_object(hc)) {
                json_object_set_new(cfg, "Healthcheck", json_deep_copy(img));
                return;
        }
        if (!json_array_size(json_object_get(hc, "Test")) && json_object_get(img, "Test"))
                json_object_set(hc, "Test", json_object_get(img, "Test"));
        for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
                json_t *v = json_object_get(hc, fields[i]), *iv = json_object_get(img, fields[i]);
                if ((!v || (json_is_integer(v) && json_integer_value(v) == 0)) && iv)
                        json_object_set(hc, fields[i], iv);
        }
}

/* The request wins; the image fills what the request leaves empty (Docker's merge). */
static void merge_from_image(json_t *cfg, json_t *img)
{
        static const char *const scalars[] = { "User", "WorkingDir", "StopSignal" };
        static const char *const maps[] = { "ExposedPorts", "Volumes", "Labels" };
        json_t *env = json_object_get(img, "Env"), *renv = json_object_get(cfg, "Env");

        for (size_t i = 0; i < sizeof(scalars) / sizeof(*scalars); i++) {
                const char *v = json_string_value(json_object_get(cfg, scalars[i]));
                json_t *iv = json_object_get(img, scalars[i]);
                if ((!v || !*v) && json_is_string(iv))
                        json_object_set(cfg, scalars[i], iv);
        }
        for (size_t i = 0; i < sizeof(maps) / sizeof(*maps); i++) {
                json_t *iv = json_object_get(img, maps[i]), *cv = json_object_get(cfg, maps[i]);
                if (!json_is_object(iv))
                        continue;
                if (!json_is_object(cv)) {
                        json_object_set_new(cfg, maps[i], json_deep_copy(iv));
                        continue;
                }
                json_object_update_missing(cv, iv);
        }
        if (json_is_array(env)) {
                /* Image variables first; a request variable of the same name replaces it. */
                json_t *out = json_deep_copy(env), *v;
                size_t i;
                json_array_foreach (renv, i, v) {
                        const char *kv = json_string_value(v);
                        size_t klen = kv ? strcspn(kv, "=") : 0, j;
                        json_t *o;
                        bool replaced = false;
                        json_array_foreach (out, j, o) {
                                const char *okv = json_string_value(o);
                                if (okv && strncmp(okv, kv, klen) == 0 && (okv[klen] == '=' || !okv[klen])) {
                                        json_array_set(out, j, v);
                                        replaced = true;
                                        break;
                                }
                        }
                        if (!replaced)
                                json_array_append(out, v);
                }
                json_object_set_new(cfg, "Env", out);
        }
        /* An entrypoint given on the command line drops the image's Cmd (Docker). */
        if (!json_object_get(cfg, "Entrypoint") || json_is_null(json_object_get(cfg, "Entrypoint"))) {
                json_object_set(cfg, "Entrypoint", json_object_get(img, "Entrypoint") ?: json_null());
                if (!json_array_size(json_object_get(cfg, "Cmd")))
                        json_object_set(cfg, "Cmd", json_object_get(img, "Cmd") ?: json_null());
        }
        merge_healthcheck(cfg, json_object_get(img, "Healthcheck"));
}

static void path_and_args(json_t *cfg, json_t *record)
{
        json_t *argv = json_array(), *v;
        size_t i;

        json_array_foreach (json_object_get(cfg, "Entrypoint"), i, v)
                json_array_append(argv, v);
        json_array_foreach (json_object_get(cfg, "Cmd"), i, v)
                json_array_append(argv, v);
        json_object_set_new(record, "Path", json_array_size(argv) ? json_incref(json_array_get(argv, 0))
                                                                   : json_string(""));
        json_array_remove(argv, 0);
        json_object_set_new(record, "Args", argv);
}

json_t *container_record_new(const char *id, const char *name, json_t *config, json_t *host_config,
                             json_t *image_config, const char *image_id, const char *dir)
{
        _cleanup_free_ char *created = time_now_rfc3339(), *hostname = xasprintf("%.12s", id);
        json_t *cfg = json_deep_copy(config), *r, *epc;

        merge_from_image(cfg, json_object_get(image_config, "config"));
        if (!json_string_length(json_object_get(cfg, "Hostname")))
                json_object_set_new(cfg, "Hostname", json_string(hostname));
        r = json_pack("{s:s,s:s,s:{s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s},s:s,s:s,s:i,s:s,s:s}", "Id",
                      id, "Created", created, "State", "Status", "created", "Running", 0, "Paused", 0,
                      "Restarting", 0, "OOMKilled", 0, "Dead", 0, "Removing", 0, "Pid", 0, "ExitCode", 0,
                      "Error", "", "StartedAt", ZERO_TIME, "FinishedAt", ZERO_TIME, "Image", image_id, "Name",
                      name, "RestartCount", 0, "Driver", "overlay2", "Platform", "linux");
        json_object_set_new(r, "Name", json_sprintf("/%s", name));
        path_and_args(cfg, r);
        json_object_set_new(r, "ResolvConfPath", json_sprintf("%s/resolv.conf", dir));
        json_object_set_new(r, "HostnamePath", json_sprintf("%s/hostname", dir));
        json_object_set_new(r, "HostsPath", json_sprintf("%s/hosts", dir));
        json_object_set_new(r, "LogPath", json_sprintf("%s/%s-json.log", dir, id));
        json_object_set_new(r, "HostConfig", host_config ? json_deep_copy(host_config) : json_object());
        /* Docker's create request carries NetworkingConfig beside HostConfig; here it rides inside it. */
        epc = json_incref(json_object_get(json_object_get(json_object_get(r, "HostConfig"), "NetworkingConfig"),
                                          "EndpointsConfig"));
        json_object_del(json_object_get(r, "HostConfig"), "NetworkingConfig");
        container_net_record_init(r, epc);
        json_decref(epc);
        json_object_set_new(r, "Mounts", json_array());
        json_object_set_new(r, "Config", cfg);
        json_object_set_new(r, "GraphDriver",
                            json_pack("{s:s,s:{s:o,s:o,s:o}}", "Name", "overlay2", "Data", "UpperDir",
                                      json_sprintf("%s/upper", dir), "WorkDir", json_sprintf("%s/work", dir),
                                      "MergedDir", json_sprintf("%s/rootfs", dir)));
        return r;
}
