/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "base/json-util.h"
#include "oci/runtime-spec.h"
#include "tap.h"

static int parse(const char *text, struct oci_spec **ret, struct berth_error **err)
{
        json_t *j = json_loads(text, 0, NULL);
        int r;

        if (!j)
                return -EBADMSG;
        r = oci_spec_parse(j, ret, err);
        json_decref(j);
        return r;
}

#define MINIMAL "\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}"

TEST(default_spec_parses)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;
        _cleanup_json_ json_t *j = oci_spec_default(false);

        ASSERT_OK(oci_spec_parse(j, &s, &err));
        ASSERT_STREQ(s->root_path, "rootfs");
        ASSERT_TRUE(s->root_readonly);
        ASSERT_STREQ(s->process->args[0], "sh");
        ASSERT_TRUE(s->namespaces[OCI_NS_PID].present);
        ASSERT_TRUE(!s->namespaces[OCI_NS_USER].present);
        ASSERT_EQ(s->n_mounts, 7);
        ASSERT_STREQ(s->mounts[1].destination, "/dev");
        ASSERT_STREQ(s->mounts[1].data, "mode=755,size=65536k");
        ASSERT_EQ(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
        ASSERT_EQ(s->process->n_rlimits, 1);
        ASSERT_EQ(s->process->rlimits[0].resource, RLIMIT_NOFILE);
        ASSERT_EQ(s->process->caps.bounding, (1ULL << 29) | (1ULL << 5) | (1ULL << 10));
}

TEST(rootless_default_has_user_namespace)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;
        _cleanup_json_ json_t *j = oci_spec_default(true);

        ASSERT_OK(oci_spec_parse(j, &s, &err));
        ASSERT_TRUE(s->namespaces[OCI_NS_USER].present);
        ASSERT_EQ(s->n_uid_mappings, 1);
}

TEST(mount_options)
{
        struct oci_mount m = { .destination = "/x", .type = "none" };
        _cleanup_error_ struct berth_error *err = NULL;
        char *opts[] = { "rbind", "ro", "nosuid", "rw", "rslave", "size=1m", "uid=5", NULL };

        m.options = opts;
        ASSERT_OK(oci_mount_parse_options(&m, &err));
        ASSERT_TRUE(m.bind && m.recursive);
        ASSERT_EQ(m.flags, MS_NOSUID);
        ASSERT_EQ(m.clear_flags, MS_RDONLY);
        ASSERT_EQ(m.propagation, MS_SLAVE | MS_REC);
        ASSERT_STREQ(m.data, "size=1m,uid=5");
        free(m.data);
}

TEST(namespaces_and_paths)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;

        ASSERT_OK(parse("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
                        "{\"type\":\"mount\"}]}}",
                        &s, &err));
        ASSERT_STREQ(s->namespaces[OCI_NS_NETWORK].path, "/run/netns/x");
        ASSERT_TRUE(s->namespaces[OCI_NS_MOUNT].present && !s->namespaces[OCI_NS_MOUNT].path);
        ASSERT_EQ(oci_ns_clone_flag(OCI_NS_NETWORK), CLONE_NEWNET);
}

static void expect_error(const char *text, int code, const char *needle)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;
        int r = parse(text, &s, &err);

        if (r != -code) {
                printf("# %s: got %d, expected %d (%s)\n", text, r, -code, err ? err->msg : "");
                tap_cur_failed = 1;
                return;
        }
        if (!err || !strstr(err->msg, needle)) {
                printf("# %s: message `%s` lacks `%s`\n", text, err ? err->msg : "", needle);
                tap_cur_failed = 1;
        }
}

TEST(bad_input_is_named)
{
        expect_error("{\"root\":{\"path\":\"r\"}}", EINVAL, "ociVersion");
        expect_error("{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"r\"}}", EINVAL, "unsupported ociVersion");
        expect_error("{\"ociVersion\":\"1.0.2\"}", EINVAL, "`root` is required");
        expect_error("{" MINIMAL ",\"process\":{\"args\":[]}}", EINVAL, "process.args");
        expect_error("{" MINIMAL ",\"process\":{\"args\":[\"x\"],\"cwd\":\"rel\"}}", EINVAL, "absolute");
        expect_error("{" MINIMAL ",\"process\":{\"args\":[\"x\"],\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\","
                     "\"soft\":1,\"hard\":1}]}}",
                     EINVAL, "RLIMIT_BOGUS");
        expect_error("{" MINIMAL ",\"mounts\":[{\"destination\":\"rel\"}]}", EINVAL, "absolute");
        expect_error("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", EINVAL, "bogus");
        expect_error("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}", EINVAL, "uidMappings");
        expect_error("{" MINIMAL ",\"hostname\":\"h\"}", EINVAL, "UTS namespace");
        expect_error("{" MINIMAL ",\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}}", EINVAL, "absolute");
        expect_error("{" MINIMAL ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]}}", EINVAL,
                     "c, b, u or p");
}

TEST(sysctl_cannot_be_smuggled)
{
        /* Only namespaced keys; no newline in a value; no ".." in a key. */
        expect_error("{" MINIMAL ",\"linux\":{\"sysctl\":{\"kernel.core_pattern\":\"|/x\"}}}", EPERM,
                     "not namespaced");
        expect_error("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
                     "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\\nkernel.core_pattern=|/x\"}}}",
                     EINVAL, "newline");
        expect_error("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
                     "\"sysctl\":{\"net/../../kernel/core_pattern\":\"x\"}}}",
                     EINVAL, "invalid key");
        expect_error("{" MINIMAL ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}", EPERM,
                     "network namespace");
}

TEST(sysctl_namespaced_accepted)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;

        ASSERT_OK(parse("{" MINIMAL ",\"linux\":{\"namespaces\":[{\"type\":\"network\"},{\"type\":\"ipc\"}],"
                        "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"100\"}}}",
                        &s, &err));
        ASSERT_EQ(json_object_size(s->sysctl), 2);
}

TEST(unknown_capability_is_ignored)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;

        ASSERT_OK(parse("{" MINIMAL ",\"process\":{\"args\":[\"x\"],\"capabilities\":{\"bounding\":"
                        "[\"CAP_NOPE\",\"CAP_KILL\"]}}}",
                        &s, &err));
        ASSERT_EQ(s->process->caps.bounding, 1ULL << 5);
}

TEST(names_tables)
{
        ASSERT_EQ(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
        ASSERT_EQ(oci_cap_from_name("cap_kill"), 5);
        ASSERT_EQ(oci_cap_from_name("CAP_NOTHING"), -EINVAL);
        ASSERT_EQ(oci_rlimit_from_string("RLIMIT_NPROC"), RLIMIT_NPROC);
        ASSERT_EQ(oci_ns_type_from_string("cgroup"), OCI_NS_CGROUP);
        ASSERT_EQ(__builtin_popcountll(oci_caps_default_set()), 14);
}

TEST(rlimit_infinity_as_uint64)
{
        /* Docker writes RLIM_INFINITY as 2^64-1, beyond jansson's int64. */
        static const char text[] = "{" MINIMAL ",\"process\":{\"args\":[\"x\"],\"env\":[\"A=18446744073709551615\"],"
                                   "\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,"
                                   "\"soft\":18446744073709551615}]}}";
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_spec_ struct oci_spec *s = NULL;
        char path[] = "/tmp/berth-spec-XXXXXX";
        int fd = mkstemp(path);

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, text, strlen(text)), (long)strlen(text));
        close(fd);
        ASSERT_OK(oci_spec_load(path, &s, &err));
        unlink(path);
        ASSERT_TRUE(s->process->rlimits[0].hard == RLIM_INFINITY);
        ASSERT_TRUE(s->process->rlimits[0].soft == RLIM_INFINITY);
        ASSERT_STREQ(s->process->env[0], "A=18446744073709551615");
}

int main(void)
{
        RUN(default_spec_parses);
        RUN(rootless_default_has_user_namespace);
        RUN(mount_options);
        RUN(namespaces_and_paths);
        RUN(bad_input_is_named);
        RUN(sysctl_cannot_be_smuggled);
        RUN(sysctl_namespaced_accepted);
        RUN(unknown_capability_is_ignored);
        RUN(names_tables);
        RUN(rlimit_infinity_as_uint64);
        TAP_DONE();
}
