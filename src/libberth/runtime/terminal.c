/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"

int console_socket_connect(const char *path, int *ret_fd, struct berth_error **err)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF, dirfd = -EBADF;
        _cleanup_free_ char *copy = xstrdup(path), *copy2 = xstrdup(path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return berth_err(err, errno, "socket");
        if (strlen(path) < sizeof(addr.sun_path)) {
                strcpy(addr.sun_path, path);
        } else {
                /* Too long for sun_path: go through the directory's fd. */
                dirfd = open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        return berth_err(err, errno, "open the directory of `%s`", path);
                snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd, basename(copy2));
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return berth_err(err, errno, "connect to console socket `%s`", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int fd_send(int sock, int fd, struct berth_error **err)
{
        char byte = 0, buf[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "send the terminal fd");
        }
        return 0;
}

int fd_recv(int sock, int *ret_fd, struct berth_error **err)
{
        char byte, buf[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf) };
        struct cmsghdr *c;
        ssize_t n;

        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_err(err, errno, "receive the terminal fd");
        c = CMSG_FIRSTHDR(&msg);
        if (n == 0 || !c || c->cmsg_type != SCM_RIGHTS)
                return berth_err_msg(err, EPROTO, "no terminal fd received");
        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return 0;
}

/* As runc: the init's terminal is also /dev/console, which getty-like programs open. */
static int bind_console(int peer, struct berth_error **err)
{
        char src[64];
        int fd;

        fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return errno == EROFS || errno == EEXIST ? 0 : berth_err(err, errno, "create /dev/console");
        close(fd);
        snprintf(src, sizeof(src), "/proc/self/fd/%d", peer);
        if (mount(src, "/dev/console", NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "bind the terminal on /dev/console");
        return 0;
}

int terminal_setup_in_container(int console_fd, unsigned rows, unsigned cols, bool console,
                                struct berth_error **err)
{
        _cleanup_close_ int master = -EBADF, peer = -EBADF;
        int unlock = 0;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return berth_err(err, errno, "open /dev/ptmx");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return berth_err(err, errno, "unlock the pty");
        /* TIOCGPTPEER opens the peer from the master itself: no path under /dev/pts to trust. */
        peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (peer < 0)
                return berth_err(err, errno, "open the pty peer");
        if (rows && cols) {
                struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
                (void)ioctl(master, TIOCSWINSZ, &ws);
        }
        if (console && bind_console(peer, err) < 0)
                return -berth_error_code(*err);
        if (fd_send(console_fd, master, err) < 0)
                return -berth_error_code(*err);
        if (setsid() < 0)
                return berth_err(err, errno, "setsid");
        if (ioctl(peer, TIOCSCTTY, 0) < 0)
                return berth_err(err, errno, "set the controlling terminal");
        for (int i = 0; i < 3; i++)
                if (dup2(peer, i) < 0)
                        return berth_err(err, errno, "dup2 the terminal");
        return 0;
}

static int copy_once(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
                return 1;
        if (n <= 0)
                return 0;
        return write_all(to, buf, (size_t)n) < 0 ? 0 : 1;
}

int terminal_proxy(int master, struct berth_error **err)
{
        struct termios saved, raw;
        bool is_tty = tcgetattr(STDIN_FILENO, &saved) == 0;
        struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
        int nfds = 2;

        if (is_tty) {
                struct winsize ws;
                raw = saved;
                cfmakeraw(&raw);
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                        (void)ioctl(master, TIOCSWINSZ, &ws);
        }
        for (;;) {
                if (poll(p, (nfds_t)nfds, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (!copy_once(master, STDOUT_FILENO))
                                break;
                }
                if (nfds == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        if (!copy_once(STDIN_FILENO, master))
                                nfds = 1; /* stdin closed: keep draining the container's output */
                }
        }
        if (is_tty)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        (void)err;
        return 0;
}
