/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's nftables table (nft.h). Every change is one ruleset text run by
 * libnftables as one transaction; reading is `list table` in JSON with
 * handles, parsed with jansson. Everything written into the ruleset text is
 * validated first (names, addresses), so input can never add a statement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "network/nft.h"

#define TABLE NFT_TABLE_FAMILY " " NFT_TABLE_NAME
/* Regular chains holding the rules added and removed per container / network. */
#define CH_PORTS "published-ports"
#define CH_NAT "outbound-nat"
#define CH_FWD "bridge-forward"
#define CH_GUARD "localnet-guard"
#define CH_ISOLATE "bridge-isolate" /* internal networks' drops, before any network's accepts */
#define COMMENT_MAX 127 /* the kernel keeps at most 128 bytes of a rule's comment, NUL included */

static void nft_ctx_freep(struct nft_ctx **c)
{
        if (*c)
                nft_ctx_free(*c);
        *c = NULL;
}
#define _cleanup_nft_ _cleanup_(nft_ctx_freep)

static int ctx_open(struct nft_ctx **ret, struct berth_error **err)
{
        struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);

        if (!c)
                return berth_err_msg(err, ENOMEM, "nftables: cannot create a context");
        if (nft_ctx_buffer_output(c) < 0 || nft_ctx_buffer_error(c) < 0) {
                nft_ctx_free(c);
                return berth_err_msg(err, ENOMEM, "nftables: cannot buffer output");
        }
        *ret = c;
        return 0;
}

/* The first line of nft's error report, without "Error: ": one line for the user. */
static int nft_error(struct nft_ctx *c, struct berth_error **err)
{
        const char *e = nft_ctx_get_error_buffer(c);
        size_t len;
        int code = EIO;

        if (!e || !*e)
                e = "unknown error";
        if (strncmp(e, "Error: ", 7) == 0)
                e += 7;
        len = strcspn(e, "\n");
        if (memmem(e, len, "Operation not permitted", 23))
                code = EPERM;
        else if (memmem(e, len, "No such file or directory", 25))
                code = ENOENT;
        return berth_err_msg(err, code, "nftables: %.*s", (int)len, e);
}

static int run(struct nft_ctx *c, const char *cmds, struct berth_error **err)
{
        nft_ctx_output_set_flags(c, 0);
        if (nft_run_cmd_from_buffer(c, cmds) != 0)
                return nft_error(c, err);
        return 0;
}

/* berth's table as JSON with handles; *ret NULL if the table does not exist. */
static int list_json(struct nft_ctx *c, json_t **ret, struct berth_error **err)
{
        json_error_t jerr;
        json_t *j;
        int r;

        nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
        if (nft_run_cmd_from_buffer(c, "list table " TABLE) != 0) {
                _cleanup_error_ struct berth_error *e = NULL;

                r = nft_error(c, &e);
                if (r == -ENOENT) {
                        *ret = NULL;
                        return 0;
                }
                if (err)
                        *err = TAKE_PTR(e);
                return r;
        }
        j = json_loads(nft_ctx_get_output_buffer(c), 0, &jerr);
        if (!j)
                return berth_err_msg(err, EBADMSG, "nftables: cannot parse the JSON listing: %s", jerr.text);
        *ret = j;
        return 0;
}

/* Calls fn for every rule of the listing: its chain, handle and comment ("" if none). */
static void foreach_rule(json_t *listing,
                         void (*fn)(const char *chain, long long handle, const char *comment,
                                    void *userdata),
                         void *userdata)
{
        json_t *items = json_object_get(listing, "nftables"), *it, *rule;
        size_t i;

        json_array_foreach (items, i, it) {
                rule = json_object_get(it, "rule");
                if (!rule)
                        continue;
                const char *chain = json_string_value(json_object_get(rule, "chain"));
                const char *comment = json_string_value(json_object_get(rule, "comment"));
                json_t *handle = json_object_get(rule, "handle");

                if (chain && json_is_integer(handle))
                        fn(chain, json_integer_value(handle), comment ? comment : "", userdata);
        }
}

/* ---- validation of everything that goes into the ruleset text ---- */

static bool valid_chars(const char *s, size_t max, const char *extra)
{
        size_t len = strlen(s);

        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool alnum =
                    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');

                if (!alnum && !(extra && strchr(extra, ch)))
                        return false;
        }
        return true;
}

static bool valid_ipv4(const char *s)
{
        struct in_addr a;

        return s && inet_pton(AF_INET, s, &a) == 1;
}

static bool valid_cidr(const char *s)
{
        char ip[INET_ADDRSTRLEN];
        const char *slash = s ? strchr(s, '/') : NULL;
        char *end;
        long prefix;

        if (!slash || (size_t)(slash - s) >= sizeof(ip))
                return false;
        memcpy(ip, s, (size_t)(slash - s));
        ip[slash - s] = '\0';
        errno = 0;
        prefix = strtol(slash + 1, &end, 10);
        return valid_ipv4(ip) && slash[1] && !*end && errno == 0 && prefix >= 0 && prefix <= 32;
}

static int check_network(const struct nft_network *n, struct berth_error **err)
{
        if (!n->name || !valid_chars(n->name, 64, "_.-") || n->name[0] == '_' || n->name[0] == '.' ||
            n->name[0] == '-')
                return berth_err_msg(err, EINVAL, "nftables: invalid network name `%s`", n->name ?: "");
        if (!n->bridge || !valid_chars(n->bridge, 15, "_.-"))
                return berth_err_msg(err, EINVAL, "nftables: invalid bridge name `%s`", n->bridge ?: "");
        if (!valid_cidr(n->subnet))
                return berth_err_msg(err, EINVAL, "nftables: invalid IPv4 subnet `%s`", n->subnet ?: "");
        return 0;
}

static int check_port(const struct nft_port *p, struct berth_error **err)
{
        if (!p->container_id || !valid_chars(p->container_id, 64, NULL))
                return berth_err_msg(err, EINVAL, "nftables: invalid container id `%s`",
                                     p->container_id ?: "");
        if (p->host_ip && *p->host_ip && !valid_ipv4(p->host_ip))
                return berth_err_msg(err, EINVAL, "nftables: invalid IPv4 host address `%s`", p->host_ip);
        if (!valid_ipv4(p->container_ip))
                return berth_err_msg(err, EINVAL, "nftables: invalid IPv4 container address `%s`",
                                     p->container_ip ?: "");
        if (p->host_port == 0 || p->container_port == 0 || !port_proto_to_string(p->proto))
                return berth_err_msg(err, EINVAL,
                                     "nftables: a published port needs both ports and a protocol");
        return 0;
}

/* ---- ruleset text ---- */

static void write_base(FILE *f)
{
        fputs("add table " TABLE "\n"
              "add chain " TABLE " " CH_PORTS "\n"
              "add chain " TABLE " " CH_NAT "\n"
              "add chain " TABLE " " CH_FWD "\n"
              "add chain " TABLE " " CH_GUARD "\n"
              "add chain " TABLE " " CH_ISOLATE "\n"
              "add chain " TABLE " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
              "add chain " TABLE " output { type nat hook output priority -100; policy accept; }\n"
              "add chain " TABLE
              " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
              "add chain " TABLE " forward { type filter hook forward priority filter; policy accept; }\n"
              "add chain " TABLE " raw-prerouting "
              "{ type filter hook prerouting priority raw; policy accept; }\n"
              /* The base chains hold only these jumps: flush and refill keeps them exact. */
              "flush chain " TABLE " prerouting\n"
              "add rule " TABLE " prerouting fib daddr type local jump " CH_PORTS "\n"
              "flush chain " TABLE " output\n"
              "add rule " TABLE " output fib daddr type local jump " CH_PORTS "\n"
              "flush chain " TABLE " postrouting\n"
              "add rule " TABLE " postrouting jump " CH_NAT "\n"
              "flush chain " TABLE " forward\n"
              "add rule " TABLE " forward jump " CH_ISOLATE "\n"
              "add rule " TABLE " forward ct state established,related accept\n"
              "add rule " TABLE " forward jump " CH_FWD "\n"
              "flush chain " TABLE " raw-prerouting\n"
              "add rule " TABLE " raw-prerouting jump " CH_GUARD "\n",
              f);
}

struct rule {
        const char *chain;
        char *comment;
        char *expr;
};

static void rules_free(struct rule *rules, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rules[i].comment);
                free(rules[i].expr);
        }
}

struct comments {
        char **v;
        size_t n;
};

static void collect_comment(const char *chain, long long handle, const char *comment, void *userdata)
{
        struct comments *c = userdata;

        (void)chain;
        (void)handle;
        c->v = xrealloc(c->v, (c->n + 1) * sizeof(char *));
        c->v[c->n++] = xstrdup(comment);
}

static bool comments_have(const struct comments *c, const char *comment)
{
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->v[i], comment))
                        return true;
        return false;
}

static void comments_release(struct comments *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->v[i]);
        free(c->v);
}

static const char *const base_chains[] = {"prerouting", "output", "postrouting", "forward",
                                          "raw-prerouting"};
#define BASE_RULES 7 /* the jumps write_base() puts into base_chains */
static const char *const regular_chains[] = {CH_PORTS, CH_NAT, CH_FWD, CH_GUARD, CH_ISOLATE};

static bool in_list(const char *s, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (streq(s, list[i]))
                        return true;
        return false;
}

/* Does the listing hold all our chains, and the base chains exactly their jumps? */
static bool base_complete(json_t *listing)
{
        json_t *items = json_object_get(listing, "nftables"), *it, *o;
        size_t i, chains = 0, jumps = 0;
        const char *name;

        json_array_foreach (items, i, it) {
                if ((o = json_object_get(it, "chain")) &&
                    (name = json_string_value(json_object_get(o, "name"))))
                        chains += in_list(name, base_chains, ARRAY_SIZE(base_chains)) ||
                                  in_list(name, regular_chains, ARRAY_SIZE(regular_chains));
                else if ((o = json_object_get(it, "rule")) &&
                         (name = json_string_value(json_object_get(o, "chain"))))
                        jumps += in_list(name, base_chains, ARRAY_SIZE(base_chains));
        }
        return chains == ARRAY_SIZE(base_chains) + ARRAY_SIZE(regular_chains) && jumps == BASE_RULES;
}

/*
 * The base (unless already complete and not forced), then every rule whose
 * comment is not in the table yet, in one transaction; nothing to do runs
 * nothing.
 */
static int apply_rules(const struct rule *rules, size_t n, bool force_base, struct berth_error **err)
{
        _cleanup_nft_ struct nft_ctx *c = NULL;
        _cleanup_(json_decrefp) json_t *listing = NULL;
        _cleanup_free_ char *text = NULL;
        struct comments have = {0};
        size_t len = 0;
        FILE *f;
        int r;

        for (size_t i = 0; i < n; i++)
                if (strlen(rules[i].comment) > COMMENT_MAX)
                        return berth_err_msg(err, EINVAL, "nftables: rule comment too long: %s",
                                             rules[i].comment);
        r = ctx_open(&c, err);
        if (r < 0)
                return r;
        r = list_json(c, &listing, err);
        if (r < 0)
                return r;
        if (listing)
                foreach_rule(listing, collect_comment, &have);

        f = open_memstream(&text, &len);
        if (!f)
                abort(); /* out of memory, as xmalloc */
        if (force_base || !listing || !base_complete(listing))
                write_base(f);
        for (size_t i = 0; i < n; i++) {
                if (comments_have(&have, rules[i].comment))
                        continue;
                fprintf(f, "add rule " TABLE " %s %s comment \"%s\"\n", rules[i].chain, rules[i].expr,
                        rules[i].comment);
                collect_comment(NULL, 0, rules[i].comment, &have); /* a repeat in rules[] too */
        }
        fclose(f);
        comments_release(&have);
        if (len == 0)
                return 0;
        return run(c, text, err);
}

struct doomed {
        const char *prefix;
        FILE *f;
};

static void delete_if_owned(const char *chain, long long handle, const char *comment, void *userdata)
{
        struct doomed *d = userdata;

        if (strncmp(comment, d->prefix, strlen(d->prefix)) == 0)
                fprintf(d->f, "delete rule " TABLE " %s handle %lld\n", chain, handle);
}

/* Deletes every rule whose comment starts with prefix, in one transaction. */
static int delete_rules(const char *prefix, struct berth_error **err)
{
        _cleanup_nft_ struct nft_ctx *c = NULL;
        _cleanup_(json_decrefp) json_t *listing = NULL;
        _cleanup_free_ char *text = NULL;
        struct doomed d = {.prefix = prefix};
        size_t len = 0;
        int r;

        r = ctx_open(&c, err);
        if (r < 0)
                return r;
        r = list_json(c, &listing, err);
        if (r < 0 || !listing)
                return r;
        d.f = open_memstream(&text, &len);
        if (!d.f)
                abort();
        foreach_rule(listing, delete_if_owned, &d);
        fclose(d.f);
        if (len == 0)
                return 0;
        return run(c, text, err);
}

/* ---- public ---- */

int nft_ensure_base(struct berth_error **err)
{
        return apply_rules(NULL, 0, true, err);
}

static size_t network_rules(const struct nft_network *n, struct rule out[6])
{
        size_t k = 0;
        char masq[64], hairpin[64];

        /* The subnet is in these two comments: the default bridge is shared by every store on the host, and
         * a store that gives it another subnet must get its own masquerade, not find "net=bridge" taken. */
        snprintf(masq, sizeof(masq), "masquerade %s", n->subnet);
        snprintf(hairpin, sizeof(hairpin), "hairpin %s", n->subnet);

#define RULE(ch, what, ...)                                                                                 \
        out[k++] = (struct rule)                                                                            \
        {                                                                                                   \
                .chain = ch, .comment = xasprintf("net=%s %s", n->name, what),                              \
                .expr = xasprintf(__VA_ARGS__)                                                              \
        }
        if (!n->internal) {
                RULE(CH_NAT, masq, "ip saddr %s oifname != \"%s\" masquerade", n->subnet, n->bridge);
                RULE(CH_FWD, "in", "iifname \"%s\" accept", n->bridge);
                RULE(CH_FWD, "out", "oifname \"%s\" accept", n->bridge);
        } else {
                RULE(CH_ISOLATE, "internal-in", "iifname \"%s\" oifname != \"%s\" drop", n->bridge,
                     n->bridge);
                RULE(CH_ISOLATE, "internal-out", "oifname \"%s\" iifname != \"%s\" drop", n->bridge,
                     n->bridge);
        }
        RULE(CH_NAT, hairpin, "ip saddr %s oifname \"%s\" ct status dnat masquerade", n->subnet,
             n->bridge);
        RULE(CH_NAT, "localhost", "ip saddr 127.0.0.0/8 oifname \"%s\" masquerade", n->bridge);
        RULE(CH_GUARD, "localnet", "iifname \"%s\" ip daddr 127.0.0.0/8 drop", n->bridge);
#undef RULE
        return k;
}

int nft_network_add(const struct nft_network *net, struct berth_error **err)
{
        struct rule rules[6];
        size_t n;
        int r;

        r = check_network(net, err);
        if (r < 0)
                return r;
        n = network_rules(net, rules);
        r = apply_rules(rules, n, false, err);
        rules_free(rules, n);
        if (r < 0)
                return berth_err_prefix(err, "network %s", net->name);
        return 0;
}

int nft_network_remove(const char *name, struct berth_error **err)
{
        _cleanup_free_ char *prefix = NULL;

        if (!name || !valid_chars(name, 64, "_.-"))
                return berth_err_msg(err, EINVAL, "nftables: invalid network name `%s`", name ?: "");
        prefix = xasprintf("net=%s ", name);
        return delete_rules(prefix, err);
}

/* The comment is the whole mapping: the same mapping twice is the same comment. */
static void port_rule(const struct nft_port *p, struct rule *ret)
{
        const char *proto = port_proto_to_string(p->proto);
        const char *host = p->host_ip && *p->host_ip ? p->host_ip : NULL;

        ret->chain = CH_PORTS;
        ret->comment = xasprintf("ctr=%s %s:%u->%s:%u/%s", p->container_id, host ?: "*", p->host_port,
                                 p->container_ip, p->container_port, proto);
        ret->expr = xasprintf("%s%s%s%s dport %u dnat to %s:%u", host ? "ip daddr " : "", host ?: "",
                              host ? " " : "", proto, p->host_port, p->container_ip, p->container_port);
}

int nft_ports_add(const struct nft_port *ports, size_t n, struct berth_error **err)
{
        _cleanup_free_ struct rule *rules = NULL;
        int r;

        for (size_t i = 0; i < n; i++) {
                r = check_port(&ports[i], err);
                if (r < 0)
                        return r;
        }
        rules = xmalloc((n ?: 1) * sizeof(*rules));
        for (size_t i = 0; i < n; i++)
                port_rule(&ports[i], &rules[i]);
        r = apply_rules(rules, n, false, err);
        rules_free(rules, n);
        return r;
}

int nft_port_add(const struct nft_port *p, struct berth_error **err)
{
        return nft_ports_add(p, 1, err);
}

int nft_ports_remove(const char *container_id, struct berth_error **err)
{
        _cleanup_free_ char *prefix = NULL;

        if (!container_id || !valid_chars(container_id, 64, NULL))
                return berth_err_msg(err, EINVAL, "nftables: invalid container id `%s`", container_id ?: "");
        prefix = xasprintf("ctr=%s ", container_id);
        return delete_rules(prefix, err);
}

int nft_list(char **ret, struct berth_error **err)
{
        _cleanup_nft_ struct nft_ctx *c = NULL;
        int r;

        r = ctx_open(&c, err);
        if (r < 0)
                return r;
        r = run(c, "list table " TABLE, err);
        if (r < 0)
                return r;
        *ret = xstrdup(nft_ctx_get_output_buffer(c) ?: "");
        return 0;
}

int nft_table_delete(struct berth_error **err)
{
        _cleanup_nft_ struct nft_ctx *c = NULL;
        int r;

        r = ctx_open(&c, err);
        if (r < 0)
                return r;
        /* add-then-delete in one transaction: no error when the table is absent. */
        return run(c, "add table " TABLE "\ndelete table " TABLE "\n", err);
}

/*
 * dockerd sets the FORWARD policy of iptables' filter table to DROP (and loads br_netfilter, which sends
 * even traffic between two ports of one bridge through it). A drop in another table's forward hook is
 * final, whatever ours says: while dockerd runs, forwarded traffic of berth's bridges needs an accept in
 * DOCKER-USER, the chain Docker keeps for its users and jumps to first. With iptables-nft (Debian's
 * default) that chain is `ip filter DOCKER-USER`; with iptables-legacy it is out of nftables' reach and
 * this does nothing. Only our own rules there are ever touched (comment "berth <bridge> ...").
 */
int nft_docker_user_allow(const struct nft_network *n, struct berth_error **err)
{
        _cleanup_nft_ struct nft_ctx *c = NULL;
        _cleanup_free_ char *mark = NULL, *cmds = NULL;
        const char *out;
        int r;

        r = check_network(n, err);
        if (r < 0)
                return r;
        r = ctx_open(&c, err);
        if (r < 0)
                return r;
        nft_ctx_output_set_flags(c, 0);
        if (nft_run_cmd_from_buffer(c, "list chain ip filter DOCKER-USER") != 0)
                return 0; /* no dockerd rules: nothing to let through */
        out = nft_ctx_get_output_buffer(c);
        mark = xasprintf("\"berth %s ", n->bridge);
        if (out && strstr(out, mark))
                return 0;
        if (n->internal)
                cmds = xasprintf("insert rule ip filter DOCKER-USER iifname \"%s\" oifname \"%s\" accept "
                                 "comment \"berth %s internal\"\n",
                                 n->bridge, n->bridge, n->bridge);
        else
                cmds = xasprintf("insert rule ip filter DOCKER-USER iifname \"%s\" accept comment \"berth %s in\"\n"
                                 "insert rule ip filter DOCKER-USER oifname \"%s\" accept comment \"berth %s out\"\n",
                                 n->bridge, n->bridge, n->bridge, n->bridge);
        r = run(c, cmds, err);
        return r < 0 ? berth_err_prefix(err, "let %s through dockerd's DOCKER-USER chain", n->bridge) : 0;
}
