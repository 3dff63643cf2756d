/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime-spec features document (features.md): what this runtime understands. */
#include "base/cleanup.h"
#include "oci/caps-table.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"

json_t *runtime_features(void)
{
        json_t *caps = json_array();
        json_t *f;

        for (size_t i = 0; i < ARRAY_SIZE(oci_cap_names); i++)
                json_array_append_new(caps, json_string(oci_cap_names[i]));
        f = json_pack("{s:s,s:s,s:[s,s,s,s,s,s],s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s]}",
                      "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", "prestart", "createRuntime",
                      "createContainer", "startContainer", "poststart", "poststop", "mountOptions", "async",
                      "atime", "bind", "dev", "diratime", "dirsync", "exec", "mand", "noatime", "nodev",
                      "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime", "nosuid", "private",
                      "rbind", "relatime", "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw",
                      "shared", "slave", "strictatime", "suid", "sync");
        json_object_set_new(f, "linux",
                            json_pack("{s:[s,s,s,s,s,s,s,s],s:o,s:{s:b,s:b},s:{s:b},s:o,s:{s:b}}", "namespaces",
                                      "cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time",
                                      "capabilities", caps, "cgroup", "v1", 1, "v2", 1, "apparmor", "enabled", 0,
                                      "seccomp", berth_seccomp_features(), "selinux", "enabled", 0));
        json_object_set_new(f, "annotations", json_pack("{s:s}", "org.opencontainers.runtime-spec.features",
                                                          "berth"));
        return f;
}
