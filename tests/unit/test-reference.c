/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references against what Docker does with the same input. The
 * expected errors were checked against the docker 28.2 CLI (`docker tag x
 * REF` parses REF before it contacts the daemon); the canonical forms follow
 * distribution/reference's normalize_test.go and reference_test.go.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/xalloc.h"
#include "store/reference.h"
#include "tap.h"

#define HEX64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX32 "0123456789abcdef0123456789abcdef"
#define UHEX64 "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
#define D256 "sha256:" HEX64

#define E_FORMAT "invalid reference format"
#define E_LOWER(x) "invalid reference format: repository name (" x ") must be lowercase"

struct ref_case {
        const char *in;
        const char *canonical; /* NULL: an error is expected */
        const char *familiar_name;
        const char *familiar_string;
        const char *error;
};

static const struct ref_case cases[] = {
    /* Docker Hub, every spelling of the same official image */
    {"busybox", "docker.io/library/busybox:latest", "busybox", "busybox:latest", NULL},
    {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox", "busybox:1.36", NULL},
    {"library/busybox", "docker.io/library/busybox:latest", "busybox", "busybox:latest", NULL},
    {"docker.io/busybox", "docker.io/library/busybox:latest", "busybox", "busybox:latest", NULL},
    {"docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox", "busybox:1.36", NULL},
    {"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox", "busybox:latest",
     NULL},
    {"index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox", "busybox:latest", NULL},
    {"docker.io/library", "docker.io/library/library:latest", "library", "library:latest", NULL},
    /* Hub namespaces; "library/" is only stripped when nothing is nested under it */
    {"user/app", "docker.io/user/app:latest", "user/app", "user/app:latest", NULL},
    {"docker.io/user/app:v1", "docker.io/user/app:v1", "user/app", "user/app:v1", NULL},
    {"library/foo/bar", "docker.io/library/foo/bar:latest", "library/foo/bar", "library/foo/bar:latest",
     NULL},
    {"a/b/c/d", "docker.io/a/b/c/d:latest", "a/b/c/d", "a/b/c/d:latest", NULL},
    /* other registries */
    {"localhost/app", "localhost/app:latest", "localhost/app", "localhost/app:latest", NULL},
    {"localhost:5000/app:tag", "localhost:5000/app:tag", "localhost:5000/app", "localhost:5000/app:tag",
     NULL},
    {"127.0.0.1:5000/ns/app", "127.0.0.1:5000/ns/app:latest", "127.0.0.1:5000/ns/app",
     "127.0.0.1:5000/ns/app:latest", NULL},
    {"my.registry.io/a/b/c:tag", "my.registry.io/a/b/c:tag", "my.registry.io/a/b/c",
     "my.registry.io/a/b/c:tag", NULL},
    {"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app", "[::1]:5000/app:latest", NULL},
    {"[2001:db8::1]/app", "[2001:db8::1]/app:latest", "[2001:db8::1]/app", "[2001:db8::1]/app:latest", NULL},
    {"example.com/library/busybox", "example.com/library/busybox:latest", "example.com/library/busybox",
     "example.com/library/busybox:latest", NULL},
    {"xn--bcher-kva.example:443/x", "xn--bcher-kva.example:443/x:latest", "xn--bcher-kva.example:443/x",
     "xn--bcher-kva.example:443/x:latest", NULL},
    {"quay.io/podman/stable:v4.9.3-rc_1", "quay.io/podman/stable:v4.9.3-rc_1", "quay.io/podman/stable",
     "quay.io/podman/stable:v4.9.3-rc_1", NULL},
    /* a first component that is not lowercase is a registry; Docker allows capitals there */
    {"Foo/bar", "Foo/bar:latest", "Foo/bar", "Foo/bar:latest", NULL},
    {"Registry.Example.COM:5000/app", "Registry.Example.COM:5000/app:latest",
     "Registry.Example.COM:5000/app", "Registry.Example.COM:5000/app:latest", NULL},
    /* a dotted first component that is no hostname stays in the path, with no domain */
    {"a_b.c/foo", "a_b.c/foo:latest", "a_b.c/foo", "a_b.c/foo:latest", NULL},
    /* single components are always Hub names, even when they look like hosts */
    {"localhost", "docker.io/library/localhost:latest", "localhost", "localhost:latest", NULL},
    {"localhost:5000", "docker.io/library/localhost:5000", "localhost", "localhost:5000", NULL},
    {"example.com", "docker.io/library/example.com:latest", "example.com", "example.com:latest", NULL},
    {"sha256:" HEX64, "docker.io/library/sha256:" HEX64, "sha256", "sha256:" HEX64, NULL},
    {HEX64 ":tag", "docker.io/library/" HEX64 ":tag", HEX64, HEX64 ":tag", NULL},
    /* separators */
    {"foo__bar", "docker.io/library/foo__bar:latest", "foo__bar", "foo__bar:latest", NULL},
    {"foo-----bar.baz_qux", "docker.io/library/foo-----bar.baz_qux:latest", "foo-----bar.baz_qux",
     "foo-----bar.baz_qux:latest", NULL},
    /* tags */
    {"foo:TAG", "docker.io/library/foo:TAG", "foo", "foo:TAG", NULL},
    {"foo:_x", "docker.io/library/foo:_x", "foo", "foo:_x", NULL},
    {"foo:1.0-a.b__c", "docker.io/library/foo:1.0-a.b__c", "foo", "foo:1.0-a.b__c", NULL},
    /* digests: no default tag is added; a tag and a digest are both kept */
    {"name@" D256, "docker.io/library/name@" D256, "name", "name@" D256, NULL},
    {"name:tag@" D256, "docker.io/library/name:tag@" D256, "name", "name:tag@" D256, NULL},
    {"localhost:5000/a/b@" D256, "localhost:5000/a/b@" D256, "localhost:5000/a/b",
     "localhost:5000/a/b@" D256, NULL},
    {"foo@sha512:" HEX64 HEX64, "docker.io/library/foo@sha512:" HEX64 HEX64, "foo",
     "foo@sha512:" HEX64 HEX64, NULL},
    {"foo@sha384:" HEX64 HEX32, "docker.io/library/foo@sha384:" HEX64 HEX32, "foo",
     "foo@sha384:" HEX64 HEX32, NULL},

    /* case: Docker reports the name up to the first ':' (the digest's included) */
    {"Foo", NULL, NULL, NULL, E_LOWER("library/Foo")},
    {"FOO:tag", NULL, NULL, NULL, E_LOWER("library/FOO")},
    {"library/Debian", NULL, NULL, NULL, E_LOWER("library/Debian")},
    {"docker.io/Foo/bar", NULL, NULL, NULL, E_LOWER("Foo/bar")},
    {"example.com/Foo:tag", NULL, NULL, NULL, E_LOWER("Foo")},
    {"localhost:5000/App", NULL, NULL, NULL, E_LOWER("App")},
    {"foo@SHA256:" HEX64, NULL, NULL, NULL, E_LOWER("library/foo@SHA256")},
    {"Foo@" D256, NULL, NULL, NULL, E_LOWER("library/Foo@sha256")},
    {"busyb\xc3\x89x", NULL, NULL, NULL, E_LOWER("library/busyb\xc3\x89x")}, /* É */
    {"foo\xff", NULL, NULL, NULL, E_LOWER("library/foo\xff")},               /* not UTF-8 */
    {"foo:\xe2\x84\xaa", NULL, NULL, NULL,
     "repository name must be lowercase"},          /* KELVIN SIGN lowers to k */
    {"busyb\xc3\xa9x", NULL, NULL, NULL, E_FORMAT}, /* é */
    {"ex\xc3\xa4mple.com/app", NULL, NULL, NULL, E_FORMAT},
    {"\xc3\x89XAMPLE/app", NULL, NULL, NULL, E_FORMAT},

    /* 64 hex digits alone are an image ID, never a name */
    {HEX64, NULL, NULL, NULL,
     "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings"},

    /* malformed */
    {"", NULL, NULL, NULL, E_FORMAT},
    {"foo:", NULL, NULL, NULL, E_FORMAT},
    {":tag", NULL, NULL, NULL, E_FORMAT},
    {"foo//bar", NULL, NULL, NULL, E_FORMAT},
    {"/foo", NULL, NULL, NULL, E_FORMAT},
    {"foo/", NULL, NULL, NULL, E_FORMAT},
    {"-foo", NULL, NULL, NULL, E_FORMAT},
    {"foo/-bar", NULL, NULL, NULL, E_FORMAT},
    {"foo-/bar", NULL, NULL, NULL, E_FORMAT},
    {"foo..bar", NULL, NULL, NULL, E_FORMAT},
    {"foo___bar", NULL, NULL, NULL, E_FORMAT},
    {"foo._bar", NULL, NULL, NULL, E_FORMAT},
    {"foo:.tag", NULL, NULL, NULL, E_FORMAT},
    {"foo:-tag", NULL, NULL, NULL, E_FORMAT},
    {"foo:t/ag", NULL, NULL, NULL, E_FORMAT},
    {"foo bar", NULL, NULL, NULL, E_FORMAT},
    {"foo\n", NULL, NULL, NULL, E_FORMAT},
    {"foo:a:b", NULL, NULL, NULL, E_FORMAT},
    {"foo:5000/bar:tag:tag2", NULL, NULL, NULL, E_FORMAT},
    {"localhost:abc/app", NULL, NULL, NULL, E_FORMAT},
    {"[fe80::1]:/app", NULL, NULL, NULL, E_FORMAT},
    {"[fe80::1%eth0]:5000/app", NULL, NULL, NULL, E_FORMAT},
    {"[]/app", NULL, NULL, NULL, E_FORMAT},
    {"foo.-bar.com/app", NULL, NULL, NULL, E_FORMAT},
    {"foo@", NULL, NULL, NULL, E_FORMAT},
    {"foo:tag@", NULL, NULL, NULL, E_FORMAT},
    {"@" D256, NULL, NULL, NULL, E_FORMAT},
    {"foo@sha256:abc", NULL, NULL, NULL, E_FORMAT},
    {"foo@" D256 "@" D256, NULL, NULL, NULL, E_FORMAT},
    {"foo@sha256:" HEX64 "g", NULL, NULL, NULL, E_FORMAT},

    /* digests that pass the grammar but not go-digest */
    {"foo@sha256:" HEX32, NULL, NULL, NULL, "invalid checksum digest length"},
    {"foo@sha256:" HEX64 "00", NULL, NULL, NULL, "invalid checksum digest length"},
    {"foo@sha256:" UHEX64, NULL, NULL, NULL, "invalid checksum digest format"},
    {"foo:bar@SHA256:" HEX64, NULL, NULL, NULL, "invalid checksum digest format"},
    {"foo@md5:" HEX32, NULL, NULL, NULL, "unsupported digest algorithm"},
    {"foo@sha256+b64:" HEX64, NULL, NULL, NULL, "unsupported digest algorithm"},
};

static char *repeat(char c, size_t n)
{
        char *s = xmalloc(n + 1);

        memset(s, c, n);
        s[n] = '\0';
        return s;
}

static const char *shown(const char *s)
{
        return s ? s : "(null)";
}

/* Returns false (and says why) when the parse does not give exactly what the case expects. */
static bool check_case(const struct ref_case *c)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_image_ref_ struct image_ref *r = NULL;
        _cleanup_free_ char *canon = NULL, *fname = NULL, *fstring = NULL;
        int k = image_ref_parse(c->in, IMAGE_REF_DEFAULT_TAG, &r, &err);

        if (!c->canonical) {
                if (k != -EINVAL || !err || err->code != EINVAL || strcmp(err->msg, c->error) != 0 || r) {
                        printf("# [%s]: r=%d msg=\"%s\", expected \"%s\"\n", c->in, k, err ? err->msg : "",
                               c->error);
                        return false;
                }
                return true;
        }
        if (k < 0) {
                printf("# [%s]: unexpected error \"%s\"\n", c->in, err ? err->msg : "");
                return false;
        }
        canon = image_ref_string(r);
        fname = image_ref_familiar_name(r);
        fstring = image_ref_familiar_string(r);
        if (!streq(canon, c->canonical) || !streq(fname, c->familiar_name) ||
            !streq(fstring, c->familiar_string) || err) {
                printf("# [%s]: got %s | %s | %s, expected %s | %s | %s\n", c->in, canon, fname, fstring,
                       c->canonical, c->familiar_name, shown(c->familiar_string));
                return false;
        }
        return true;
}

TEST(reference_table)
{
        unsigned failed = 0;

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                if (!check_case(&cases[i]))
                        failed++;
        ASSERT_EQ(failed, 0);
}

/* The canonical string of a parsed reference parses back to itself. */
TEST(canonical_round_trip)
{
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_image_ref_ struct image_ref *a = NULL, *b = NULL;
                _cleanup_free_ char *sa = NULL, *sb = NULL;

                if (!cases[i].canonical)
                        continue;
                ASSERT_OK(image_ref_parse(cases[i].in, 0, &a, NULL));
                sa = image_ref_string(a);
                ASSERT_OK(image_ref_parse(sa, 0, &b, NULL));
                sb = image_ref_string(b);
                ASSERT_STREQ(sb, sa);
        }
}

TEST(fields)
{
        _cleanup_image_ref_ struct image_ref *r = NULL, *d = NULL, *e = NULL;
        _cleanup_free_ char *name = NULL;

        ASSERT_OK(image_ref_parse("localhost:5000/ns/app:v2@" D256, 0, &r, NULL));
        ASSERT_STREQ(r->domain, "localhost:5000");
        ASSERT_STREQ(r->path, "ns/app");
        ASSERT_STREQ(r->tag, "v2");
        ASSERT_STREQ(r->digest, D256);
        name = image_ref_name(r);
        ASSERT_STREQ(name, "localhost:5000/ns/app");

        /* the path-only case: the domain is empty, never NULL */
        ASSERT_OK(image_ref_parse("a_b.c/foo", 0, &d, NULL));
        ASSERT_STREQ(d->domain, "");
        ASSERT_STREQ(d->path, "a_b.c/foo");

        ASSERT_OK(image_ref_parse("debian", 0, &e, NULL));
        ASSERT_STREQ(e->domain, "docker.io");
        ASSERT_STREQ(e->path, "library/debian");
        ASSERT_TRUE(!e->tag && !e->digest);
}

/* TagNameOnly: "latest" only when there is neither a tag nor a digest. */
TEST(default_tag_flag)
{
        _cleanup_image_ref_ struct image_ref *a = NULL, *b = NULL, *c = NULL;
        _cleanup_free_ char *sa = NULL, *sb = NULL, *sc = NULL;

        ASSERT_OK(image_ref_parse("busybox", 0, &a, NULL));
        sa = image_ref_string(a);
        ASSERT_STREQ(sa, "docker.io/library/busybox");
        ASSERT_OK(image_ref_parse("busybox@" D256, IMAGE_REF_DEFAULT_TAG, &b, NULL));
        sb = image_ref_string(b);
        ASSERT_STREQ(sb, "docker.io/library/busybox@" D256);
        ASSERT_TRUE(!b->tag);
        ASSERT_OK(image_ref_parse("busybox:1", IMAGE_REF_DEFAULT_TAG, &c, NULL));
        sc = image_ref_string(c);
        ASSERT_STREQ(sc, "docker.io/library/busybox:1");
}

static int parse_msg(const char *s, char **ret_msg)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_image_ref_ struct image_ref *r = NULL;
        int k = image_ref_parse(s, IMAGE_REF_DEFAULT_TAG, &r, &err);

        *ret_msg = err ? xstrdup(err->msg) : NULL;
        return k;
}

/* The 255 limit is on the path ("library/" included), not on the domain. */
TEST(name_length_limit)
{
        _cleanup_free_ char *ok = repeat('a', 247), *long1 = repeat('a', 248), *msg = NULL, *msg2 = NULL;
        _cleanup_free_ char *ns = NULL, *host = NULL, *longhost = NULL, *msg3 = NULL;
        _cleanup_free_ char *p255 = repeat('b', 255), *p256 = repeat('b', 256), *label = repeat('h', 300);

        ASSERT_OK(parse_msg(ok, &msg));
        ASSERT_EQ(parse_msg(long1, &msg2), -EINVAL);
        ASSERT_STREQ(msg2, "repository name must not be more than 255 characters");

        host = xasprintf("example.com/%s", p255);
        ASSERT_OK(parse_msg(host, &msg3));
        ns = xasprintf("example.com/%s", p256);
        free(msg3);
        ASSERT_EQ(parse_msg(ns, &msg3), -EINVAL);
        ASSERT_STREQ(msg3, "repository name must not be more than 255 characters");

        longhost = xasprintf("%s.com/app", label);
        free(msg3);
        ASSERT_OK(parse_msg(longhost, &msg3));
}

TEST(tag_length_limit)
{
        _cleanup_free_ char *t128 = repeat('t', 128), *t129 = repeat('t', 129);
        _cleanup_free_ char *a = xasprintf("foo:%s", t128), *b = xasprintf("foo:%s", t129);
        _cleanup_free_ char *m1 = NULL, *m2 = NULL;

        ASSERT_OK(parse_msg(a, &m1));
        ASSERT_EQ(parse_msg(b, &m2), -EINVAL);
        ASSERT_STREQ(m2, E_FORMAT);
}

TEST(null_err_and_untouched_ret)
{
        struct image_ref *r = (struct image_ref *)0x1;

        ASSERT_EQ(image_ref_parse("Foo", 0, &r, NULL), -EINVAL);
        ASSERT_TRUE(r == (struct image_ref *)0x1);
        image_ref_freep(NULL);
        ASSERT_TRUE(image_ref_free(NULL) == NULL);
}

TEST(image_ids)
{
        _cleanup_free_ char *h65 = xasprintf("%sa", HEX64);

        ASSERT_TRUE(image_id_like(HEX64));
        ASSERT_TRUE(image_id_like(D256));
        ASSERT_TRUE(image_id_like("e3b0"));
        ASSERT_TRUE(image_id_like("0"));
        ASSERT_TRUE(image_id_like("sha256:e3"));
        ASSERT_TRUE(!image_id_like(""));
        ASSERT_TRUE(!image_id_like("sha256:"));
        ASSERT_TRUE(!image_id_like("E3B0"));
        ASSERT_TRUE(!image_id_like("busybox"));
        ASSERT_TRUE(!image_id_like("e3b0:tag"));
        ASSERT_TRUE(!image_id_like("sha512:e3b0"));
        ASSERT_TRUE(!image_id_like(h65));
}

int main(void)
{
        RUN(reference_table);
        RUN(canonical_round_trip);
        RUN(fields);
        RUN(default_tag_flag);
        RUN(name_length_limit);
        RUN(tag_length_limit);
        RUN(null_err_and_untouched_ret);
        RUN(image_ids);
        TAP_DONE();
}
