/* SPDX-License-Identifier: Apache-2.0 */
#include "network/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"

/* Requests are small; replies to a GETLINK carry stats and fit well within this. */
#define NL_REQ_SIZE 4096
#define NL_RECV_SIZE 32768

/*
 * Extended ACKs carry the kernel's own explanation ("Invalid MTU"); capped
 * ACKs do not echo our request back. Both are best effort.
 */
static void nl_ext_ack(struct mnl_socket *s)
{
        int one = 1;

        (void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
        (void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
}

int netlink_open(struct netlink *nl, struct berth_error **err)
{
        struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

        if (!s)
                return berth_err(err, errno, "open rtnetlink socket");
        if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
                int e = errno;
                mnl_socket_close(s);
                return berth_err(err, e, "bind rtnetlink socket");
        }
        nl_ext_ack(s);
        nl->sock = s;
        nl->ext_msg[0] = '\0';
        nl->portid = mnl_socket_get_portid(s);
        nl->seq = (unsigned)getpid() << 8; /* any start will do; distinct makes strace readable */
        return 0;
}

int netlink_open_netns(struct netlink *nl, int netns_fd, struct berth_error **err)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (self < 0)
                return berth_err(err, errno, "open `/proc/thread-self/ns/net`");
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return berth_err(err, errno, "enter network namespace (fd %d)", netns_fd);
        r = netlink_open(nl, err);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* Should never happen (we just left it); the caller must not go on in the wrong one. */
                if (r >= 0)
                        netlink_close(nl);
                else
                        berth_error_freep(err);
                return berth_err(err, errno, "return to the original network namespace");
        }
        return r;
}

void netlink_close(struct netlink *nl)
{
        if (nl && nl->sock) {
                mnl_socket_close(nl->sock);
                nl->sock = NULL;
        }
}

static struct nlmsghdr *nl_msg(struct netlink *nl, char *buf, uint16_t type, uint16_t flags)
{
        struct nlmsghdr *nlh;

        memset(buf, 0, NL_REQ_SIZE);
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++nl->seq;
        return nlh;
}

/* What the callbacks of one request share: mnl passes the same pointer to data and control callbacks. */
struct nl_call {
        struct netlink *nl;
        mnl_cb_t cb;
        void *data;
};

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
        struct nl_call *call = data;

        return call->cb ? call->cb(nlh, call->data) : MNL_CB_OK;
}

static int nl_ext_attr_cb(const struct nlattr *attr, void *data)
{
        struct netlink *nl = data;

        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
                snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s", mnl_attr_get_str(attr));
        return MNL_CB_OK;
}

/* The ACK or error: keeps the kernel's message, if any, for nl_err(). */
static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
        struct nl_call *call = data;
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        size_t off = sizeof(*e);

        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
                errno = EBADMSG;
                return MNL_CB_ERROR;
        }
        if (e->error == 0)
                return MNL_CB_STOP;
        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                        off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
                if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
                        (void)mnl_attr_parse(nlh, (unsigned)off, nl_ext_attr_cb, call->nl);
        }
        errno = e->error < 0 ? -e->error : e->error;
        return MNL_CB_ERROR;
}

/* The end of a dump. */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
        (void)nlh;
        (void)data;
        return MNL_CB_STOP;
}

static int nl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
        (void)nlh;
        (void)data;
        errno = ENOSPC;
        return MNL_CB_ERROR;
}

/* Sends one request and reads until its ACK: 0, or -errno from the kernel's answer. */
static int nl_talk(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
        /* A control type left NULL here would be ignored by mnl_cb_run2, not given its default. */
        static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
            [NLMSG_ERROR] = nl_error_cb,
            [NLMSG_DONE] = nl_done_cb,
            [NLMSG_OVERRUN] = nl_overrun_cb,
        };
        _cleanup_free_ char *buf = xmalloc(NL_RECV_SIZE);
        struct nl_call call = {.nl = nl, .cb = cb, .data = data};
        unsigned seq = nlh->nlmsg_seq;

        if (!nl->sock)
                return -EBADF;
        nl->ext_msg[0] = '\0';
        if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_RECV_SIZE);
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                r = mnl_cb_run2(buf, (size_t)n, seq, nl->portid, nl_data_cb, &call, ctl, ARRAY_SIZE(ctl));
                if (r < 0)
                        return errno > 0 ? -errno : -EPROTO;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

static int nl_err(struct netlink *nl, struct berth_error **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "what: strerror", with the kernel's explanation after it when it gave one. */
static int nl_err(struct netlink *nl, struct berth_error **err, int code, const char *fmt, ...)
{
        _cleanup_free_ char *what = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        va_end(ap);
        if (!what)
                oom();
        if (nl->ext_msg[0])
                return berth_err_msg(err, code, "%s: %s (%s)", what, strerror(code), nl->ext_msg);
        return berth_err(err, code, "%s", what);
}

static struct ifinfomsg *nl_put_ifinfo(struct nlmsghdr *nlh, int index)
{
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = index;
        return ifi;
}

static int nl_index_cb(const struct nlmsghdr *nlh, void *data)
{
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

        if (nlh->nlmsg_type == RTM_NEWLINK)
                *(int *)data = ifi->ifi_index;
        return MNL_CB_OK;
}

int netlink_link_index(struct netlink *nl, const char *name, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh = nl_msg(nl, req, RTM_GETLINK, 0);
        int index = 0, r;

        if (strlen(name) >= IFNAMSIZ)
                return berth_err_msg(err, EINVAL, "link name `%s` is longer than %d bytes", name,
                                     IFNAMSIZ - 1);
        nl_put_ifinfo(nlh, 0);
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        r = nl_talk(nl, nlh, nl_index_cb, &index);
        if (r == 0 && index <= 0)
                r = -ENODEV;
        if (r < 0)
                return nl_err(nl, err, -r, "link `%s`", name);
        return index;
}

static int nl_name_attr_cb(const struct nlattr *attr, void *data)
{
        char ***names = data;

        if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
                *names = strv_push(*names, mnl_attr_get_str(attr));
        return MNL_CB_OK;
}

static int nl_names_cb(const struct nlmsghdr *nlh, void *data)
{
        if (nlh->nlmsg_type == RTM_NEWLINK)
                (void)mnl_attr_parse(nlh, sizeof(struct ifinfomsg), nl_name_attr_cb, data);
        return MNL_CB_OK;
}

int netlink_link_names(struct netlink *nl, char ***ret, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh = nl_msg(nl, req, RTM_GETLINK, NLM_F_DUMP);
        _cleanup_strv_ char **names = NULL;
        int r;

        nl_put_ifinfo(nlh, 0);
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        r = nl_talk(nl, nlh, nl_names_cb, &names);
        if (r < 0)
                return nl_err(nl, err, -r, "list links");
        *ret = names ? TAKE_PTR(names) : xcalloc(1, sizeof(char *));
        return 0;
}

void netlink_mac_from_ipv4(struct in_addr ip, uint8_t ret[6])
{
        ret[0] = 0x02;
        ret[1] = 0x42;
        memcpy(ret + 2, &ip.s_addr, 4);
}

/* The request for changing an existing link, found by name. */
static int nl_setlink_start(struct netlink *nl, char *req, const char *name, struct nlmsghdr **ret,
                            struct berth_error **err)
{
        int index = netlink_link_index(nl, name, err);

        if (index < 0)
                return index;
        *ret = nl_msg(nl, req, RTM_NEWLINK, 0);
        nl_put_ifinfo(*ret, index);
        return 0;
}

int netlink_bridge_create(struct netlink *nl, const char *name, unsigned mtu, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh = nl_msg(nl, req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        struct ifinfomsg *ifi = nl_put_ifinfo(nlh, 0);
        struct nlattr *linkinfo;
        int r;

        /* Created up: the kernel applies ifi_flags after registering the device. */
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, linkinfo);
        r = nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return nl_err(nl, err, -r, "create bridge `%s`", name);
        return 0;
}

static void nl_put_veth_peer(struct nlmsghdr *nlh, const char *peer_name, int peer_netns_fd, unsigned mtu)
{
        struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        struct nlattr *data, *peer;

        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer's attributes follow its own ifinfomsg header, as in a RTM_NEWLINK. */
        nl_put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);
}

int netlink_veth_create(struct netlink *nl, const char *host_name, const char *peer_name, int peer_netns_fd,
                        unsigned mtu, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh = nl_msg(nl, req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        int r;

        nl_put_ifinfo(nlh, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
        if (mtu)
                mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        nl_put_veth_peer(nlh, peer_name, peer_netns_fd, mtu);
        r = nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return nl_err(nl, err, -r, "create veth pair `%s`/`%s`", host_name, peer_name);
        return 0;
}

/* Runs a prepared link change and names it in the error. */
static int nl_setlink_finish(struct netlink *nl, struct nlmsghdr *nlh, struct berth_error **err,
                             const char *what, const char *name)
{
        int r = nl_talk(nl, nlh, NULL, NULL);

        if (r < 0)
                return nl_err(nl, err, -r, "%s `%s`", what, name);
        return 0;
}

int netlink_link_set_netns(struct netlink *nl, const char *name, int netns_fd, const char *new_name,
                           struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        int r = nl_setlink_start(nl, req, name, &nlh, err);

        if (r < 0)
                return berth_err_prefix(err, "move to network namespace");
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        if (new_name)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
        return nl_setlink_finish(nl, nlh, err, "move to network namespace", name);
}

int netlink_link_set_up(struct netlink *nl, const char *name, bool up, struct berth_error **err)
{
        const char *what = up ? "set up" : "set down";
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        int r = nl_setlink_start(nl, req, name, &nlh, err);

        if (r < 0)
                return berth_err_prefix(err, "%s", what);
        ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = up ? IFF_UP : 0;
        ifi->ifi_change = IFF_UP;
        return nl_setlink_finish(nl, nlh, err, what, name);
}

int netlink_link_set_mac(struct netlink *nl, const char *name, const uint8_t mac[6],
                         struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        int r = nl_setlink_start(nl, req, name, &nlh, err);

        if (r < 0)
                return berth_err_prefix(err, "set MAC address");
        mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
        return nl_setlink_finish(nl, nlh, err, "set MAC address of", name);
}

int netlink_link_set_mtu(struct netlink *nl, const char *name, unsigned mtu, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        int r = nl_setlink_start(nl, req, name, &nlh, err);

        if (r < 0)
                return berth_err_prefix(err, "set MTU");
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        return nl_setlink_finish(nl, nlh, err, "set MTU of", name);
}

int netlink_link_set_master(struct netlink *nl, const char *name, const char *master,
                            struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        int master_index = 0, r;

        if (master) {
                master_index = netlink_link_index(nl, master, err);
                if (master_index < 0)
                        return berth_err_prefix(err, "attach `%s` to bridge", name);
        }
        r = nl_setlink_start(nl, req, name, &nlh, err);
        if (r < 0)
                return berth_err_prefix(err, "attach to bridge `%s`", master ? master : "(none)");
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
        r = nl_talk(nl, nlh, NULL, NULL);
        if (r < 0 && master)
                return nl_err(nl, err, -r, "attach `%s` to bridge `%s`", name, master);
        if (r < 0)
                return nl_err(nl, err, -r, "detach `%s` from its bridge", name);
        return 0;
}

int netlink_link_delete(struct netlink *nl, const char *name, struct berth_error **err)
{
        char req[NL_REQ_SIZE];
        struct nlmsghdr *nlh;
        int index = netlink_link_index(nl, name, err);

        if (index < 0)
                return berth_err_prefix(err, "delete");
        nlh = nl_msg(nl, req, RTM_DELLINK, 0);
        nl_put_ifinfo(nlh, index);
        return nl_setlink_finish(nl, nlh, err, "delete link", name);
}

static int nl_addr(struct netlink *nl, uint16_t type, uint16_t flags, const char *name, struct in_addr addr,
                   unsigned prefix, struct berth_error **err)
{
        char req[NL_REQ_SIZE], buf[INET_ADDRSTRLEN];
        const char *what = type == RTM_NEWADDR ? "add address" : "delete address";
        int index = netlink_link_index(nl, name, err);
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;
        int r;

        if (prefix > 32)
                return berth_err_msg(err, EINVAL, "%s: invalid prefix length /%u", what, prefix);
        if (index < 0)
                return berth_err_prefix(err, "%s", what);
        nlh = nl_msg(nl, req, type, flags);
        ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (uint8_t)prefix;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (unsigned)index;
        mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
        mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
        if (type == RTM_NEWADDR && prefix < 31) {
                uint32_t mask = prefix == 0 ? 0 : htonl(~((1u << (32 - prefix)) - 1));
                struct in_addr brd = {.s_addr = addr.s_addr | ~mask};
                mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
        }
        r = nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return nl_err(nl, err, -r, "%s %s/%u to `%s`", what,
                              inet_ntop(AF_INET, &addr, buf, sizeof(buf)), prefix, name);
        return 0;
}

int netlink_addr_add(struct netlink *nl, const char *name, struct in_addr addr, unsigned prefix,
                     struct berth_error **err)
{
        return nl_addr(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, name, addr, prefix, err);
}

int netlink_addr_del(struct netlink *nl, const char *name, struct in_addr addr, unsigned prefix,
                     struct berth_error **err)
{
        return nl_addr(nl, RTM_DELADDR, 0, name, addr, prefix, err);
}

int netlink_route_add_default(struct netlink *nl, struct in_addr gateway, struct berth_error **err)
{
        char req[NL_REQ_SIZE], buf[INET_ADDRSTRLEN];
        struct nlmsghdr *nlh = nl_msg(nl, req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        int r;

        rtm->rtm_family = AF_INET;
        rtm->rtm_dst_len = 0;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gateway), &gateway);
        r = nl_talk(nl, nlh, NULL, NULL);
        if (r < 0)
                return nl_err(nl, err, -r, "add default route via %s",
                              inet_ntop(AF_INET, &gateway, buf, sizeof(buf)));
        return 0;
}

int netlink_enable_ip_forward(struct berth_error **err)
{
        static const char path[] = "/proc/sys/net/ipv4/ip_forward";
        _cleanup_free_ char *cur = NULL;
        int r;

        r = read_file_at(AT_FDCWD, path, 64, &cur, NULL, err);
        if (r < 0)
                return r;
        if (cur[0] == '1')
                return 0;
        r = write_file_at(AT_FDCWD, path, "1\n", 2, err);
        return r < 0 ? r : 1;
}
