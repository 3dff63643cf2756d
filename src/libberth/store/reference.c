/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, parsed the way Docker parses them (the rules of
 * github.com/distribution/reference: ParseNormalizedNamed, then Parse, then
 * go-digest's Validate), so that every input Docker accepts means the same
 * image here and every input it refuses gets the same message.
 *
 * The grammar is matched by hand rather than with <regex.h>: every part of
 * it splits on a fixed character ('@', the last ':', the first '/'), so each
 * piece can be checked alone in linear time, with no locale involved.
 */
#include "store/reference.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <wctype.h>

#include "base/cleanup.h"
#include "base/xalloc.h"

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define DEFAULT_TAG "latest"
#define REPOSITORY_NAME_MAX 255
#define TAG_MAX 128

#define ERR_FORMAT "invalid reference format"

/* A slice of the input: the grammar is checked on pieces, never on copies. */
struct span {
        const char *p;
        size_t n;
};

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
        return is_alpha(c) || is_digit(c);
}

/* Go's \w: ASCII only. */
static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static bool is_xdigit_any(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_hex_lower(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool span_eq(struct span s, const char *lit)
{
        return strlen(lit) == s.n && memcmp(s.p, lit, s.n) == 0;
}

static const char *span_chr(struct span s, char c)
{
        return memchr(s.p, c, s.n);
}

/*
 * pathComponent: [a-z0-9]+ runs joined by exactly one of ".", "_", "__" or
 * any number of "-"; it starts and ends with an alphanumeric.
 */
static bool match_path_component(struct span s)
{
        size_t i = 0;

        if (s.n == 0 || !is_lower_alnum(s.p[0]))
                return false;
        while (i < s.n) {
                size_t start = i, len;

                if (is_lower_alnum(s.p[i])) {
                        i++;
                        continue;
                }
                while (i < s.n && (s.p[i] == '.' || s.p[i] == '_' || s.p[i] == '-'))
                        i++;
                len = i - start;
                if (i == s.n || !is_lower_alnum(s.p[i]))
                        return false;
                if (len == 1)
                        continue; /* ".", "_" or "-" */
                if (len == 2 && s.p[start] == '_' && s.p[start + 1] == '_')
                        continue;
                for (size_t k = start; k < i; k++)
                        if (s.p[k] != '-')
                                return false;
        }
        return true;
}

/* remoteName: path components separated by single slashes. */
static bool match_remote_name(struct span s)
{
        while (s.n > 0) {
                const char *slash = span_chr(s, '/');
                size_t len = slash ? (size_t)(slash - s.p) : s.n;

                if (!match_path_component((struct span){s.p, len}))
                        return false;
                if (!slash)
                        return true;
                s.p += len + 1;
                s.n -= len + 1;
                if (s.n == 0)
                        return false; /* a trailing slash */
        }
        return false;
}

/* domainNameComponent: alphanumerics and inner hyphens, either case. */
static bool match_domain_component(struct span s)
{
        if (s.n == 0 || !is_alnum(s.p[0]) || !is_alnum(s.p[s.n - 1]))
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (!is_alnum(s.p[i]) && s.p[i] != '-')
                        return false;
        return true;
}

static bool match_domain_name(struct span s)
{
        for (;;) {
                const char *dot = span_chr(s, '.');
                size_t len = dot ? (size_t)(dot - s.p) : s.n;

                if (!match_domain_component((struct span){s.p, len}))
                        return false;
                if (!dot)
                        return true;
                s.p += len + 1;
                s.n -= len + 1;
        }
}

/* optionalPort: nothing, or ':' and at least one digit. */
static bool match_optional_port(struct span s)
{
        if (s.n == 0)
                return true;
        if (s.p[0] != ':' || s.n == 1)
                return false;
        for (size_t i = 1; i < s.n; i++)
                if (!is_digit(s.p[i]))
                        return false;
        return true;
}

/* domainAndPort: (domainName | "[" [a-fA-F0-9:]+ "]") optionalPort. */
static bool match_domain_and_port(struct span s)
{
        size_t host_len;

        if (s.n > 0 && s.p[0] == '[') {
                const char *close = span_chr(s, ']');

                if (!close || close == s.p + 1)
                        return false;
                for (const char *c = s.p + 1; c < close; c++)
                        if (!is_xdigit_any(*c) && *c != ':')
                                return false;
                host_len = (size_t)(close - s.p) + 1;
        } else {
                const char *colon = span_chr(s, ':');

                host_len = colon ? (size_t)(colon - s.p) : s.n;
                if (!match_domain_name((struct span){s.p, host_len}))
                        return false;
        }
        return match_optional_port((struct span){s.p + host_len, s.n - host_len});
}

/*
 * namePat, split as anchoredNameRegexp splits it: the optional domain group
 * is greedy, so the first component is the domain whenever it can be one;
 * otherwise the whole name is a path and the domain is empty.
 */
static bool match_name(struct span s, struct span *ret_domain, struct span *ret_path)
{
        const char *slash = span_chr(s, '/');

        if (slash) {
                struct span d = {s.p, (size_t)(slash - s.p)};
                struct span rest = {slash + 1, s.n - d.n - 1};

                if (match_domain_and_port(d) && match_remote_name(rest)) {
                        *ret_domain = d;
                        *ret_path = rest;
                        return true;
                }
        }
        if (!match_remote_name(s))
                return false;
        *ret_domain = (struct span){s.p, 0};
        *ret_path = s;
        return true;
}

/* tag: [\w][\w.-]{0,127} */
static bool match_tag(struct span s)
{
        if (s.n == 0 || s.n > TAG_MAX || !is_word(s.p[0]))
                return false;
        for (size_t i = 1; i < s.n; i++)
                if (!is_word(s.p[i]) && s.p[i] != '.' && s.p[i] != '-')
                        return false;
        return true;
}

/* digestPat: [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [[:xdigit:]]{32,} */
static bool match_digest(struct span s)
{
        size_t i = 0;

        for (;;) {
                if (i >= s.n || !is_alpha(s.p[i]))
                        return false;
                while (i < s.n && is_alnum(s.p[i]))
                        i++;
                if (i < s.n && (s.p[i] == '-' || s.p[i] == '_' || s.p[i] == '+' || s.p[i] == '.')) {
                        i++;
                        continue;
                }
                break;
        }
        if (i >= s.n || s.p[i] != ':' || s.n - i - 1 < 32)
                return false;
        for (i++; i < s.n; i++)
                if (!is_xdigit_any(s.p[i]))
                        return false;
        return true;
}

struct ref_parts {
        struct span domain, path, tag, digest;
        bool has_tag, has_digest;
};

/*
 * The anchored referencePat. Nothing but the digest can follow '@' and a
 * ':' inside a name is always followed by a '/' (a port, an IPv6 address),
 * so '@' and then the last ':' not followed by '/' split it unambiguously.
 */
static bool match_reference(const char *s, struct ref_parts *ret)
{
        struct ref_parts p = {};
        struct span name = {s, strlen(s)};
        const char *at = strchr(s, '@');
        const char *colon;

        if (at) {
                p.has_digest = true;
                p.digest = (struct span){at + 1, name.n - (size_t)(at - s) - 1};
                name.n = (size_t)(at - s);
                if (!match_digest(p.digest))
                        return false;
        }
        colon = memrchr(name.p, ':', name.n);
        if (colon && !memchr(colon, '/', name.n - (size_t)(colon - s))) {
                p.has_tag = true;
                p.tag = (struct span){colon + 1, name.n - (size_t)(colon - s) - 1};
                name.n = (size_t)(colon - s);
                if (!match_tag(p.tag))
                        return false;
        }
        if (!match_name(name, &p.domain, &p.path))
                return false;
        *ret = p;
        return true;
}

/* Go's unicode.ToLower needs the Unicode case tables: glibc's C.UTF-8 has them. */
static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
        utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static uint32_t to_lower_rune(uint32_t c)
{
        if (c < 0x80)
                return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
        pthread_once(&utf8_locale_once, utf8_locale_init);
        /* Without the locale a non-ASCII letter is taken as lowercase: only an error message differs. */
        if (!utf8_locale)
                return c;
        return (uint32_t)towlower_l((wint_t)c, utf8_locale);
}

/*
 * One rune of UTF-8 as Go decodes it: overlong forms, surrogates and values
 * past U+10FFFF are invalid. Returns the length, 0 when invalid.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret)
{
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        size_t len;
        uint32_t c;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0)
                len = 2, c = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                len = 3, c = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                len = 4, c = s[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

/*
 * strings.ToLower(s) == s: no rune changes under Unicode lowering. Go turns
 * invalid UTF-8 into U+FFFD, so such bytes make the string "not lowercase".
 */
static bool span_is_lowercase(struct span s)
{
        for (size_t i = 0; i < s.n;) {
                uint32_t c;
                size_t len = utf8_decode((const unsigned char *)s.p + i, s.n - i, &c);

                if (len == 0 || to_lower_rune(c) != c)
                        return false;
                i += len;
        }
        return true;
}

/*
 * strings.ToLower(s), but only when the result is ASCII: the grammar is all
 * ASCII, so a lowered string with any other rune cannot match it anyway.
 */
static char *ascii_lowered(const char *s)
{
        size_t n = strlen(s), o = 0;
        _cleanup_free_ char *out = xmalloc(n + 1);

        for (size_t i = 0; i < n;) {
                uint32_t c, l;
                size_t len = utf8_decode((const unsigned char *)s + i, n - i, &c);

                if (len == 0)
                        return NULL;
                l = to_lower_rune(c);
                if (l >= 0x80)
                        return NULL;
                out[o++] = (char)l;
                i += len;
        }
        out[o] = '\0';
        return TAKE_PTR(out);
}

/* go-digest's Digest.Validate with sha256, sha384 and sha512 registered (as in Docker's binaries). */
static int validate_digest(struct span d, struct berth_error **err)
{
        static const struct {
                const char *name;
                size_t hex_len;
        } algos[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
        const char *colon = span_chr(d, ':');
        struct span alg = {d.p, (size_t)(colon - d.p)};
        struct span enc = {colon + 1, d.n - alg.n - 1};

        for (size_t i = 0; i < ARRAY_SIZE(algos); i++) {
                if (!span_eq(alg, algos[i].name))
                        continue;
                if (enc.n != algos[i].hex_len)
                        return berth_err_msg(err, EINVAL, "invalid checksum digest length");
                for (size_t k = 0; k < enc.n; k++)
                        if (!is_hex_lower(enc.p[k]))
                                return berth_err_msg(err, EINVAL, "invalid checksum digest format");
                return 0;
        }
        /* Not available: go-digest's DigestRegexp decides between the two errors. */
        for (size_t k = 0; k < alg.n; k++)
                if (is_alpha(alg.p[k]) && !is_lower_alnum(alg.p[k]))
                        return berth_err_msg(err, EINVAL, "invalid checksum digest format");
        return berth_err_msg(err, EINVAL, "unsupported digest algorithm");
}

static char *span_dup(struct span s)
{
        char *r = xmalloc(s.n + 1);

        memcpy(r, s.p, s.n);
        r[s.n] = '\0';
        return r;
}

/* Go's Parse() on a string that already carries its domain. */
static int parse_full(const char *s, struct image_ref **ret, struct berth_error **err)
{
        struct ref_parts p;
        struct image_ref *r;

        if (!match_reference(s, &p)) {
                _cleanup_free_ char *lower = ascii_lowered(s);

                if (lower && !streq(lower, s) && match_reference(lower, &p))
                        return berth_err_msg(err, EINVAL, "repository name must be lowercase");
                return berth_err_msg(err, EINVAL, ERR_FORMAT);
        }
        if (p.path.n > REPOSITORY_NAME_MAX)
                return berth_err_msg(err, EINVAL, "repository name must not be more than %d characters",
                                     REPOSITORY_NAME_MAX);
        if (p.has_digest && validate_digest(p.digest, err) < 0)
                return -EINVAL;

        r = xmalloc(sizeof(*r));
        r->domain = span_dup(p.domain);
        r->path = span_dup(p.path);
        r->tag = p.has_tag ? span_dup(p.tag) : NULL;
        r->digest = p.has_digest ? span_dup(p.digest) : NULL;
        *ret = r;
        return 0;
}

/*
 * splitDockerDomain: the first component is a registry when it is
 * "localhost", contains '.' or ':', or is not lowercase (a Hub namespace
 * never has capitals); otherwise the name is on Docker Hub, where a single
 * component lives under "library/". index.docker.io is docker.io.
 */
static void split_docker_domain(const char *s, char **ret_domain, char **ret_remainder)
{
        const char *slash = strchr(s, '/');
        struct span first;
        _cleanup_free_ char *domain = NULL;
        const char *rest;

        first = (struct span){s, slash ? (size_t)(slash - s) : 0};
        if (slash && (span_eq(first, "localhost") || span_chr(first, '.') || span_chr(first, ':') ||
                      !span_is_lowercase(first))) {
                domain = span_eq(first, LEGACY_DEFAULT_DOMAIN) ? xstrdup(DEFAULT_DOMAIN) : span_dup(first);
                rest = slash + 1;
        } else {
                domain = xstrdup(DEFAULT_DOMAIN);
                rest = s;
        }
        if (streq(domain, DEFAULT_DOMAIN) && !strchr(rest, '/'))
                *ret_remainder = xasprintf(OFFICIAL_REPO_PREFIX "%s", rest);
        else
                *ret_remainder = xstrdup(rest);
        *ret_domain = TAKE_PTR(domain);
}

/* anchoredIdentifierRegexp: a bare 64-hex image ID. */
static bool is_identifier(const char *s)
{
        size_t n = strlen(s);

        if (n != 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_hex_lower(s[i]))
                        return false;
        return true;
}

/* ParseNormalizedNamed(), plus TagNameOnly() when asked. */
int image_ref_parse(const char *s, unsigned flags, struct image_ref **ret, struct berth_error **err)
{
        _cleanup_free_ char *domain = NULL, *remainder = NULL, *full = NULL;
        struct image_ref *r = NULL;
        struct span remote;
        const char *colon;
        int k;

        if (is_identifier(s))
                return berth_err_msg(
                    err, EINVAL, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
                    s);
        split_docker_domain(s, &domain, &remainder);

        /* Docker checks the case up to the first ':' only, digest included: its message shows that. */
        colon = strchr(remainder, ':');
        remote = (struct span){remainder, colon ? (size_t)(colon - remainder) : strlen(remainder)};
        if (!span_is_lowercase(remote))
                return berth_err_msg(err, EINVAL, ERR_FORMAT ": repository name (%.*s) must be lowercase",
                                     (int)remote.n, remote.p);

        full = xasprintf("%s/%s", domain, remainder);
        k = parse_full(full, &r, err);
        if (k < 0)
                return k;
        if ((flags & IMAGE_REF_DEFAULT_TAG) && !r->tag && !r->digest)
                r->tag = xstrdup(DEFAULT_TAG);
        *ret = r;
        return 0;
}

struct image_ref *image_ref_free(struct image_ref *r)
{
        if (!r)
                return NULL;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        free(r);
        return NULL;
}

void image_ref_freep(struct image_ref **r)
{
        if (r && *r)
                *r = image_ref_free(*r);
}

/* domain/path, or the path alone when the domain is empty (a first component Docker keeps in the path). */
static char *join_name(const char *domain, const char *path)
{
        if (!domain || !*domain)
                return xstrdup(path);
        return xasprintf("%s/%s", domain, path);
}

static char *with_suffixes(char *name, const struct image_ref *r)
{
        char *s = xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ?: "", r->digest ? "@" : "",
                            r->digest ?: "");
        free(name);
        return s;
}

char *image_ref_name(const struct image_ref *r)
{
        return join_name(r->domain, r->path);
}

char *image_ref_string(const struct image_ref *r)
{
        return with_suffixes(image_ref_name(r), r);
}

/* familiarizeName: drop "docker.io/", and "library/" when nothing is nested under it. */
char *image_ref_familiar_name(const struct image_ref *r)
{
        const char *path = r->path;

        if (!r->domain || !streq(r->domain, DEFAULT_DOMAIN))
                return join_name(r->domain, r->path);
        /* "library/x" but not "library/x/y": the prefix's slash is the last one. */
        if (strncmp(path, OFFICIAL_REPO_PREFIX, strlen(OFFICIAL_REPO_PREFIX)) == 0 &&
            strrchr(path, '/') == path + strlen(OFFICIAL_REPO_PREFIX) - 1)
                path += strlen(OFFICIAL_REPO_PREFIX);
        return xstrdup(path);
}

char *image_ref_familiar_string(const struct image_ref *r)
{
        return with_suffixes(image_ref_familiar_name(r), r);
}

bool image_id_like(const char *s)
{
        size_t n;

        if (strncmp(s, "sha256:", 7) == 0)
                s += 7;
        n = strlen(s);
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_hex_lower(s[i]))
                        return false;
        return true;
}
