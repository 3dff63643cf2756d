/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-test-init: the static payload of the system tests (crun's tests/init
 * pattern). It runs as /init inside test containers, so the tests depend on no
 * image and no shell. argv[1] picks a subcommand; every subcommand prints a
 * stable, line-oriented answer that the bats files compare. Any error exits 2
 * with a message on stderr, so a test can tell "the check failed" from "the
 * payload could not run".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fputs("berth-test-init: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(2);
}

static void need(int argc, int n, const char *usage)
{
        if (argc < n)
                die("usage: %s", usage);
}

static long parse_long(const char *s)
{
        char *end = NULL;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0')
                die("not a number: `%s`", s);
        return v;
}

static int cat_file(const char *path, const char *filter_prefixes[])
{
        char line[4096];
        FILE *f = fopen(path, "re");

        if (!f)
                die("open `%s`: %s", path, strerror(errno));
        while (fgets(line, sizeof(line), f)) {
                bool keep = filter_prefixes == NULL;

                for (size_t i = 0; !keep && filter_prefixes[i]; i++)
                        keep = strncmp(line, filter_prefixes[i], strlen(filter_prefixes[i])) == 0;
                if (keep)
                        fputs(line, stdout);
        }
        if (ferror(f))
                die("read `%s`: %s", path, strerror(errno));
        fclose(f);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_ls(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;

        if (!d)
                die("opendir `%s`: %s", path, strerror(errno));
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                names = realloc(names, (n + 1) * sizeof(*names));
                if (!names || !(names[n] = strdup(de->d_name)))
                        die("out of memory");
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
                puts(names[i]);
                free(names[i]);
        }
        free(names);
        return 0;
}

static int cmd_status(void)
{
        static const char *keep[] = { "Cap", "NoNewPrivs", "Seccomp:", "Uid", "Gid", "Groups", NULL };

        return cat_file("/proc/self/status", keep);
}

static int cmd_caps(void)
{
        static const char *keep[] = { "Cap", NULL };

        return cat_file("/proc/self/status", keep);
}

static int cmd_hostname(void)
{
        struct utsname u;

        if (uname(&u) < 0)
                die("uname: %s", strerror(errno));
        printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
        return 0;
}

static void print_rlimit(const char *name, int resource)
{
        struct rlimit rl;

        if (getrlimit(resource, &rl) < 0)
                die("getrlimit %s: %s", name, strerror(errno));
        printf("%s", name);
        if (rl.rlim_cur == RLIM_INFINITY)
                printf(" soft=unlimited");
        else
                printf(" soft=%llu", (unsigned long long)rl.rlim_cur);
        if (rl.rlim_max == RLIM_INFINITY)
                printf(" hard=unlimited\n");
        else
                printf(" hard=%llu\n", (unsigned long long)rl.rlim_max);
}

static int cmd_rlimits(void)
{
        print_rlimit("RLIMIT_NOFILE", RLIMIT_NOFILE);
        print_rlimit("RLIMIT_NPROC", RLIMIT_NPROC);
        print_rlimit("RLIMIT_CORE", RLIMIT_CORE);
        print_rlimit("RLIMIT_STACK", RLIMIT_STACK);
        print_rlimit("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
        print_rlimit("RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE);
        return 0;
}

static int cmd_env(char **envp)
{
        for (; *envp; envp++)
                puts(*envp);
        return 0;
}

static int cmd_cwd(void)
{
        char buf[PATH_MAX];

        if (!getcwd(buf, sizeof(buf)))
                die("getcwd: %s", strerror(errno));
        puts(buf);
        return 0;
}

static int cmd_sleep(const char *secs)
{
        long n = parse_long(secs);
        struct timespec ts = { .tv_sec = n, .tv_nsec = 0 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        return 0;
}

/* Try the named operation and print the errno it failed with (0 = allowed). */
static int cmd_syscall_errno(const char *name, const char *arg)
{
        int r;

        errno = 0;
        if (strcmp(name, "mkdir") == 0) {
                r = mkdir(arg ? arg : "/tmp/berth-test-mkdir", 0755);
        } else if (strcmp(name, "personality") == 0) {
                r = personality(arg ? (unsigned long)parse_long(arg) : 0xffffffffUL);
        } else if (strcmp(name, "unshare") == 0) {
                r = unshare(CLONE_NEWUTS);
        } else if (strcmp(name, "chmod") == 0) {
                r = chmod(arg ? arg : "/", 0755);
        } else if (strcmp(name, "getcwd") == 0) {
                char buf[PATH_MAX];
                r = getcwd(buf, sizeof(buf)) ? 0 : -1;
        } else if (strcmp(name, "sethostname") == 0) {
                r = sethostname("x", 1);
        } else if (strcmp(name, "chown") == 0) {
                r = chown(arg ? arg : "/tmp", 0, 0);
        } else {
                die("unknown syscall `%s`", name);
        }
        printf("%d\n", r < 0 ? errno : 0);
        return 0;
}

static int cmd_write(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(text);

        if (fd < 0)
                die("open `%s`: %s", path, strerror(errno));
        if (write(fd, text, len) != (ssize_t)len)
                die("write `%s`: %s", path, strerror(errno));
        if (close(fd) < 0)
                die("close `%s`: %s", path, strerror(errno));
        return 0;
}

/* List open fds with their targets; the fd of the directory stream is skipped. */
static int cmd_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int self;

        if (!d)
                die("opendir /proc/self/fd: %s", strerror(errno));
        self = dirfd(d);
        while ((de = readdir(d))) {
                char path[PATH_MAX], target[PATH_MAX];
                ssize_t n;

                if (de->d_name[0] == '.' || atoi(de->d_name) == self)
                        continue;
                snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
                n = readlink(path, target, sizeof(target) - 1);
                if (n < 0)
                        snprintf(target, sizeof(target), "?(%s)", strerror(errno));
                else
                        target[n] = '\0';
                printf("%s %s\n", de->d_name, target);
        }
        closedir(d);
        return 0;
}

/*
 * Die of signal SIG. The init of a pid namespace ignores signals it sends
 * itself, but not a fault the kernel raises: as pid 1 only SIGSEGV works, and
 * it is produced by a real bad memory access.
 */
static int cmd_kill_self(const char *sig)
{
        int s = (int)parse_long(sig);

        fflush(stdout);
        signal(s, SIG_DFL);
        if (s == SIGSEGV) {
                /* volatile: the compiler must neither see nor drop the bad address. */
                volatile uintptr_t addr = 8;

                *(volatile int *)addr = 1;
        }
        if (getpid() == 1)
                die("pid 1 cannot kill itself with signal %d (use 11)", s);
        if (kill(getpid(), s) < 0)
                die("kill: %s", strerror(errno));
        pause();
        return 3;
}

static int cmd_umask(void)
{
        mode_t m = umask(0);

        umask(m);
        printf("%04o\n", (unsigned)m);
        return 0;
}

/*
 * CVE-2019-5736: a process inside the container tries to open the runtime's
 * binary for writing through /proc/PID/exe of a runtime process that enters the
 * container (exec). It keeps O_PATH handles and retries the write-open until
 * the deadline. Success means the runtime binary could be overwritten.
 */
#define MAX_TARGETS 1000

static int cmd_attack_exe(const char *secs)
{
        long deadline = time(NULL) + (secs ? parse_long(secs) : 10);
        struct stat self_st;
        int fds[MAX_TARGETS], pids[MAX_TARGETS];
        size_t nfds = 0, seen = 0;

        if (stat("/proc/self/exe", &self_st) < 0)
                die("stat /proc/self/exe: %s", strerror(errno));
        printf("ATTACK-READY\n");
        fflush(stdout);
        while (time(NULL) < deadline) {
                DIR *d = opendir("/proc");
                struct dirent *de;

                if (!d)
                        die("opendir /proc: %s", strerror(errno));
                while ((de = readdir(d)) && nfds < MAX_TARGETS) {
                        char path[64];
                        struct stat st;
                        int pid = atoi(de->d_name), fd;
                        bool known = false;

                        if (pid <= 0 || pid == getpid())
                                continue;
                        for (size_t i = 0; i < nfds; i++)
                                known |= pids[i] == pid;
                        if (known)
                                continue;
                        snprintf(path, sizeof(path), "/proc/%d/exe", pid);
                        if (stat(path, &st) < 0)
                                continue;
                        if (st.st_dev == self_st.st_dev && st.st_ino == self_st.st_ino)
                                continue;
                        fd = open(path, O_PATH | O_CLOEXEC);
                        if (fd < 0)
                                continue;
                        fds[nfds] = fd;
                        pids[nfds++] = pid;
                        seen++;
                }
                closedir(d);
                for (size_t i = 0; i < nfds; i++) {
                        char path[64];
                        int wfd;

                        snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
                        wfd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
                        if (wfd >= 0) {
                                /* Do not damage anything: we only prove the open worked. */
                                close(wfd);
                                printf("ATTACK-SUCCEEDED %d\n", pids[i]);
                                return 0;
                        }
                }
                usleep(100);
        }
        printf("ATTACK-FAILED seen=%zu\n", seen);
        return 0;
}

static int cmd_read_cgroup(const char *file)
{
        char path[PATH_MAX];

        if (strstr(file, ".."))
                die("bad cgroup file `%s`", file);
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", file);
        return cat_file(path, NULL);
}

static int cmd_isatty(void)
{
        printf("stdin=%d stdout=%d stderr=%d\n", isatty(0), isatty(1), isatty(2));
        return 0;
}

/* udp-echo PORT: answers every datagram on PORT with "echo:" and the datagram (busybox has no udp server). */
static int cmd_udp_echo(const char *port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parse_long(port)) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        char buf[2048];

        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                die("udp-echo: %s", strerror(errno));
        for (;;) {
                struct sockaddr_in from;
                socklen_t len = sizeof(from);
                ssize_t n = recvfrom(fd, buf + 5, sizeof(buf) - 5, 0, (struct sockaddr *)&from, &len);
                if (n < 0)
                        continue;
                memcpy(buf, "echo:", 5);
                (void)sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&from, len);
        }
}

int main(int argc, char **argv, char **envp)
{
        const char *cmd;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2)
                die("usage: berth-test-init COMMAND [ARGS...]");
        cmd = argv[1];

        if (strcmp(cmd, "true") == 0)
                return 0;
        if (strcmp(cmd, "udp-echo") == 0) {
                need(argc, 3, "udp-echo PORT");
                return cmd_udp_echo(argv[2]);
        }
        if (strcmp(cmd, "false") == 0)
                return 1;
        if (strcmp(cmd, "exit") == 0) {
                need(argc, 3, "exit N");
                return (int)parse_long(argv[2]);
        }
        if (strcmp(cmd, "echo") == 0) {
                for (int i = 2; i < argc; i++)
                        printf("%s%s", i > 2 ? " " : "", argv[i]);
                putchar('\n');
                return 0;
        }
        if (strcmp(cmd, "cat") == 0) {
                need(argc, 3, "cat FILE");
                return cat_file(argv[2], NULL);
        }
        if (strcmp(cmd, "ls") == 0) {
                need(argc, 3, "ls DIR");
                return cmd_ls(argv[2]);
        }
        if (strcmp(cmd, "status") == 0)
                return cmd_status();
        if (strcmp(cmd, "caps") == 0)
                return cmd_caps();
        if (strcmp(cmd, "uidmap") == 0) {
                printf("uid_map:\n");
                cat_file("/proc/self/uid_map", NULL);
                printf("gid_map:\n");
                return cat_file("/proc/self/gid_map", NULL);
        }
        if (strcmp(cmd, "hostname") == 0)
                return cmd_hostname();
        if (strcmp(cmd, "rlimits") == 0)
                return cmd_rlimits();
        if (strcmp(cmd, "mountinfo") == 0)
                return cat_file("/proc/self/mountinfo", NULL);
        if (strcmp(cmd, "cwd") == 0)
                return cmd_cwd();
        if (strcmp(cmd, "env") == 0)
                return cmd_env(envp);
        if (strcmp(cmd, "pid") == 0) {
                printf("%d\n", (int)getpid());
                return 0;
        }
        if (strcmp(cmd, "sleep") == 0) {
                need(argc, 3, "sleep N");
                return cmd_sleep(argv[2]);
        }
        if (strcmp(cmd, "pause") == 0) {
                for (;;)
                        pause();
        }
        if (strcmp(cmd, "syscall-errno") == 0) {
                need(argc, 3, "syscall-errno NAME [ARG]");
                return cmd_syscall_errno(argv[2], argc > 3 ? argv[3] : NULL);
        }
        if (strcmp(cmd, "write") == 0) {
                need(argc, 4, "write FILE TEXT");
                return cmd_write(argv[2], argv[3]);
        }
        if (strcmp(cmd, "fds") == 0)
                return cmd_fds();
        if (strcmp(cmd, "kill-self") == 0) {
                need(argc, 3, "kill-self SIG");
                return cmd_kill_self(argv[2]);
        }
        if (strcmp(cmd, "umask") == 0)
                return cmd_umask();
        if (strcmp(cmd, "isatty") == 0)
                return cmd_isatty();
        if (strcmp(cmd, "attack-exe") == 0)
                return cmd_attack_exe(argc > 2 ? argv[2] : NULL);
        if (strcmp(cmd, "read-cgroup") == 0) {
                need(argc, 3, "read-cgroup FILE");
                return cmd_read_cgroup(argv[2]);
        }
        die("unknown command `%s`", cmd);
}
