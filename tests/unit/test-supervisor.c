/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-container supervisor with real containers (suite priv): a busybox
 * image imported from /bin/busybox, detached and attached starts, exit
 * codes, the json-file log, stop, restart policy, --rm, a killed shim, and
 * the shim's resident set. Plus the log codec and the wire format.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "container/container.h"
#include "container/log-json.h"
#include "container/shim-protocol.h"
#include "container/supervisor.h"
#include "store/archive.h"
#include "store/store.h"
#include "tap.h"
#include "test-util.h"

static char tmp[] = "/var/tmp/test-supervisor-XXXXXX";
static struct store *store;


static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void)
{
        _cleanup_free_ char *root = xasprintf("%s/root", tmp), *run = xasprintf("%s/run", tmp);
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *tar = xasprintf("%s/rootfs.tar", tmp);
        struct image_import_options io = { .ref = "busybox:latest", .source = "-" };
        _cleanup_close_ int fd = -EBADF;

        if (sh("set -e; cd %s; mkdir -p r/bin r/etc r/proc r/sys r/dev r/tmp; cp /bin/busybox r/bin/; "
               "for a in sh echo sleep cat true false yes head; do ln -s busybox r/bin/$a; done; "
               "echo 'root:x:0:0:root:/root:/bin/sh' > r/etc/passwd; echo 'root:x:0:' > r/etc/group; "
               "tar --numeric-owner -C r -cf rootfs.tar .", tmp) != 0)
                return -1;
        if (store_open(root, run, &store, &err) < 0) {
                printf("# store_open: %s\n", err->msg);
                return -1;
        }
        store->image_in_use = container_image_in_use;
        fd = open(tar, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || image_import(store, fd, &io, NULL, &err) < 0) {
                printf("# import: %s\n", err ? err->msg : strerror(errno));
                return -1;
        }
        return 0;
}

/* A container from `sh -c script` with host_config given as JSON text (may be NULL). */
static struct container *make(const char *script, const char *host_config, bool tty, bool open_stdin)
{
        _cleanup_error_ struct berth_error *err = NULL;
        json_t *cfg = json_pack("{s:s,s:[s,s,s],s:b,s:b,s:b}", "Image", "busybox:latest", "Cmd", "/bin/sh", "-c",
                                script, "Tty", tty, "OpenStdin", open_stdin, "StdinOnce", open_stdin);
        json_t *hc = host_config ? json_loads(host_config, 0, NULL) : json_object();
        struct container *c = NULL;

        if (container_create(store, cfg, hc, NULL, &c, &err) < 0)
                printf("# container_create: %s\n", err->msg);
        json_decref(cfg);
        json_decref(hc);
        return c;
}

static int start(struct container *c, bool attach)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container_start_options o = { .attach = attach };
        int r = container_start(store, c, &o, &err);

        if (r < 0)
                printf("# container_start: %s\n", err->msg);
        return r;
}

static int wait_code(struct container *c)
{
        _cleanup_error_ struct berth_error *err = NULL;
        int code = -1;

        if (container_wait(store, c, &code, &err) < 0) {
                printf("# container_wait: %s\n", err->msg);
                return -1;
        }
        return code;
}

static char *read_log(struct container *c, bool timestamps, long tail, char **ret_err)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container_logs_options o = { .tail = tail, .timestamps = timestamps };
        _cleanup_free_ char *po = xasprintf("%s/out", tmp), *pe = xasprintf("%s/err", tmp);
        _cleanup_close_ int fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        _cleanup_close_ int fe = open(pe, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        char *out = NULL, *errs = NULL;
        size_t len;

        if (container_logs(store, c, &o, fo, fe, &err) < 0) {
                printf("# container_logs: %s\n", err->msg);
                return NULL;
        }
        (void)read_file_at(AT_FDCWD, pe, 1 << 20, &errs, &len, NULL);
        (void)read_file_at(AT_FDCWD, po, 1 << 20, &out, &len, NULL);
        *ret_err = errs;
        return out;
}

static json_t *state_of(struct container *c)
{
        (void)container_reload(store, c, NULL);
        return json_object_get(c->record, "State");
}

static void remove_container(struct container *c)
{
        int lock = -1;

        if (!c)
                return;
        if (container_lock(store, c->id, &lock, NULL) == 0) {
                (void)container_delete(store, c, NULL);
                container_unlock(lock);
        }
        container_free(c);
}

TEST(protocol)
{
        uint8_t hdr[SHIM_FRAME_HEADER];
        enum shim_stream st;
        uint32_t len;
        struct shim_request rq;
        _cleanup_error_ struct berth_error *err = NULL;
        int n = -1;

        shim_frame_header(hdr, SHIM_STREAM_STDERR, 70000);
        ASSERT_TRUE(shim_frame_parse(hdr, &st, &len));
        ASSERT_EQ(st, SHIM_STREAM_STDERR);
        ASSERT_EQ(len, 70000);
        hdr[0] = 9;
        ASSERT_TRUE(!shim_frame_parse(hdr, &st, &len));
        ASSERT_OK(shim_request_parse("STOP 15 10", &rq));
        ASSERT_EQ(rq.type, SHIM_REQ_STOP);
        ASSERT_EQ(rq.signal, 15);
        ASSERT_EQ(rq.timeout, 10);
        ASSERT_OK(shim_request_parse("ATTACH stdin=1", &rq));
        ASSERT_TRUE(rq.with_stdin);
        ASSERT_OK(shim_request_parse("RESIZE 24 80", &rq));
        ASSERT_EQ(rq.cols, 80);
        ASSERT_EQ(shim_request_parse("KILL x", &rq), -EINVAL);
        ASSERT_EQ(shim_request_parse("STOP 15", &rq), -EINVAL);
        ASSERT_OK(shim_reply_parse("OK 137", &n, &err));
        ASSERT_EQ(n, 137);
        ASSERT_EQ(shim_reply_parse("E2 exec: \"x\": executable file not found in $PATH", &n, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "exec: \"x\": executable file not found in $PATH");
}

TEST(log_codec)
{
        char buf[512], *log;
        size_t n, ll;
        enum log_stream st;
        int64_t t, t2;
        uint64_t sz;

        /* Go's encoder: <>& and control characters as \u00XX, bad UTF-8 as U+FFFD. */
        n = log_json_encode(buf, "a\"<b>\t\x01\xff\xc3\xa9\n", 11, LOG_STREAM_STDERR, 1700000000123456000LL);
        buf[n] = '\0';
        ASSERT_STREQ(buf, "{\"log\":\"a\\\"\\u003cb\\u003e\\t\\u0001\\ufffd\xc3\xa9\\n\",\"stream\":\"stderr\","
                          "\"time\":\"2023-11-14T22:13:20.123456Z\"}\n");
        ASSERT_OK(log_json_decode(buf, n - 1, &log, &ll, &st, &t));
        ASSERT_EQ(ll, 13);
        ASSERT_TRUE(memcmp(log, "a\"<b>\t\x01\xef\xbf\xbd\xc3\xa9\n", 13) == 0);
        ASSERT_EQ(st, LOG_STREAM_STDERR);
        ASSERT_EQ(t, 1700000000123456000LL);
        ASSERT_OK(log_json_parse_time("2023-11-14T23:13:20.5+01:00", 27, &t2));
        ASSERT_EQ(t2, 1700000000500000000LL);
        ASSERT_OK(log_json_parse_size("10m", &sz));
        ASSERT_EQ(sz, 10 << 20);
        ASSERT_OK(log_json_parse_size("512k", &sz));
        ASSERT_EQ(sz, 512 << 10);
        ASSERT_TRUE(log_json_parse_size("12q", &sz) < 0);
}

TEST(log_rotation)
{
        _cleanup_free_ char *path = xasprintf("%s/rot/x-json.log", tmp), *p1 = xasprintf("%s.1", path);
        _cleanup_free_ char *p2 = xasprintf("%s.2", path), *p3 = xasprintf("%s.3", path);
        _cleanup_error_ struct berth_error *err = NULL;
        struct log_json_writer w;
        char line[100];
        struct stat st;

        ASSERT_EQ(sh("mkdir -p %s/rot", tmp), 0);
        ASSERT_OK(log_json_writer_open(&w, path, 1000, 3, &err));
        for (int i = 0; i < 100; i++) {
                snprintf(line, sizeof(line), "line %d\n", i);
                ASSERT_OK(log_json_write(&w, LOG_STREAM_STDOUT, line, strlen(line)));
        }
        /* A partial line waits for its end... */
        ASSERT_OK(log_json_write(&w, LOG_STREAM_STDOUT, "par", 3));
        ASSERT_OK(log_json_write(&w, LOG_STREAM_STDOUT, "tial\n", 5));
        log_json_writer_close(&w);
        ASSERT_OK(stat(path, &st));
        ASSERT_TRUE(st.st_size <= 1000);
        ASSERT_OK(stat(p1, &st));
        ASSERT_TRUE(st.st_size <= 1000 && st.st_size > 800);
        ASSERT_OK(stat(p2, &st));
        ASSERT_TRUE(stat(p3, &st) < 0);
        ASSERT_EQ(sh("tail -n1 %s | grep -q '\"log\":\"partial\\\\n\"'", path), 0);
        /* Oldest first across .2, .1 and the log, ending with the newest line. */
        ASSERT_EQ(sh("cat %s %s %s | grep -o 'line [0-9]*' | cut -d' ' -f2 | sort -n -c && "
                     "cat %s %s %s | grep -o 'line [0-9]*' | tail -n1 | grep -qx 'line 99'",
                     p2, p1, path, p2, p1, path), 0);
}

TEST(detached_exit_code_and_log)
{
        _cleanup_free_ char *out = NULL, *errs = NULL;
        struct container *c = make("echo out; echo err >&2; exit 3", NULL, false, false);
        json_t *state;

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        /* It may have exited already (Pid 0 again): that it started shows in StartedAt. */
        ASSERT_EQ(wait_code(c), 3);
        state = state_of(c);
        ASSERT_TRUE(strcmp(json_string_value(json_object_get(state, "StartedAt")), "0001-01-01T00:00:00Z") != 0);
        state = state_of(c);
        ASSERT_STREQ(json_string_value(json_object_get(state, "Status")), "exited");
        ASSERT_EQ(json_integer_value(json_object_get(state, "ExitCode")), 3);
        out = read_log(c, false, -1, &errs);
        ASSERT_STREQ(out, "out\n");
        ASSERT_STREQ(errs, "err\n");
        /* Waiting again, with the supervisor gone: the record's code. */
        for (int i = 0; i < 200 && container_supervisor_alive(store, c); i++)
                usleep(10000);
        ASSERT_TRUE(!container_supervisor_alive(store, c));
        ASSERT_EQ(wait_code(c), 3);
        remove_container(c);
}

static int attach_to_files(struct container *c, bool interactive, int in_fd, char **ret_out, char **ret_err,
                           struct berth_error **err)
{
        _cleanup_free_ char *po = xasprintf("%s/aout", tmp), *pe = xasprintf("%s/aerr", tmp);
        _cleanup_close_ int fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        _cleanup_close_ int fe = open(pe, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool detached = false;
        int code = -1, r;
        size_t len;

        r = container_attach(store, c, in_fd, fo, fe, interactive, &code, &detached, err);
        if (r < 0)
                return r;
        (void)read_file_at(AT_FDCWD, po, 1 << 20, ret_out, &len, NULL);
        (void)read_file_at(AT_FDCWD, pe, 1 << 20, ret_err, &len, NULL);
        return code;
}

TEST(attached)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *out = NULL, *errs = NULL;
        struct container *c = make("echo hello; echo oops >&2; exit 5", NULL, false, false);

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, true));
        /* Nothing runs before the client is there: no output can be lost. */
        ASSERT_STREQ(json_string_value(json_object_get(state_of(c), "Status")), "created");
        ASSERT_EQ(attach_to_files(c, false, -1, &out, &errs, &err), 5);
        ASSERT_STREQ(out, "hello\n");
        ASSERT_STREQ(errs, "oops\n");
        remove_container(c);
}

TEST(attached_stdin)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *out = NULL, *errs = NULL;
        struct container *c = make("cat; echo done", NULL, false, true);
        int p[2];

        ASSERT_TRUE(c);
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        ASSERT_EQ(write(p[1], "abc\n", 4), 4);
        close(p[1]);
        ASSERT_OK(start(c, true));
        ASSERT_EQ(attach_to_files(c, true, p[0], &out, &errs, &err), 0);
        close(p[0]);
        ASSERT_STREQ(out, "abc\ndone\n");
        remove_container(c);
}

TEST(attached_tty)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *out = NULL, *errs = NULL;
        struct container *c = make("echo tty; echo to-err >&2; [ -t 1 ] && exit 7", NULL, true, false);

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, true));
        ASSERT_EQ(attach_to_files(c, false, -1, &out, &errs, &err), 7);
        /* One stream with a tty, and the terminal's CRLF. */
        ASSERT_STREQ(out, "tty\r\nto-err\r\n");
        ASSERT_STREQ(errs, "");
        remove_container(c);
}

TEST(not_found)
{
        _cleanup_error_ struct berth_error *err = NULL;
        json_t *cfg = json_pack("{s:s,s:[s]}", "Image", "busybox:latest", "Cmd", "nosuch");
        struct container_start_options o = { 0 };
        struct container *c = NULL;
        json_t *state;

        ASSERT_OK(container_create(store, cfg, NULL, NULL, &c, &err));
        json_decref(cfg);
        ASSERT_TRUE(container_start(store, c, &o, &err) < 0);
        printf("# %s\n", err->msg);
        ASSERT_TRUE(strstr(err->msg, "executable file not found") != NULL);
        ASSERT_EQ(container_start_error_exit_code(err->code, err->msg), 127);
        state = state_of(c);
        ASSERT_EQ(json_integer_value(json_object_get(state, "ExitCode")), 127);
        ASSERT_TRUE(strstr(json_string_value(json_object_get(state, "Error")), "not found") != NULL);
        remove_container(c);
}

static pid_t shim_pid(struct container *c)
{
        _cleanup_free_ char *p = xasprintf("%s/containers/%s/shim.pid", store->runroot, c->id), *buf = NULL;
        size_t len;

        if (read_file_at(AT_FDCWD, p, 100, &buf, &len, NULL) < 0)
                return -1;
        return atoi(buf);
}

static long rss_kb(pid_t pid)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/status", (int)pid), *buf = NULL;
        size_t len;
        char *v;

        if (read_file_at(AT_FDCWD, p, 1 << 16, &buf, &len, NULL) < 0 || !(v = strstr(buf, "VmRSS:")))
                return -1;
        return strtol(v + 6, NULL, 10);
}

static void wait_gone(struct container *c)
{
        for (int i = 0; i < 1000 && container_supervisor_alive(store, c); i++)
                usleep(10000);
}

TEST(stop_and_rss)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container *c = make("exec sleep 1000", NULL, false, false);
        double t0;
        pid_t pid;
        int code;

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        ASSERT_TRUE(container_supervisor_alive(store, c));
        pid = shim_pid(c);
        ASSERT_TRUE(pid > 0);
        usleep(200000);
        printf("# berth-shim VmRSS: %ld kB\n", rss_kb(pid));
        if (getenv("BERTH_TEST_SMAPS"))
                (void)sh("grep -E 'Rss|Anon' /proc/%d/status; awk '/^[0-9a-f]+-/{name=$6} /^Rss:/{r[name]+=$2} "
                         "END{for(n in r) if (r[n]) print \"# \" r[n] \" kB \" n}' /proc/%d/smaps | sort -rn", (int)pid, (int)pid);
        /* sleep as pid 1 ignores SIGTERM: SIGKILL after the 1 s timeout. */
        t0 = now_s();
        ASSERT_OK(container_stop(store, c, 1, &err));
        ASSERT_TRUE(now_s() - t0 < 5);
        ASSERT_TRUE(now_s() - t0 >= 0.9);
        code = wait_code(c);
        ASSERT_TRUE(code == 137 || code == 143);
        ASSERT_EQ(json_integer_value(json_object_get(state_of(c), "ExitCode")), code);
        ASSERT_TRUE(json_is_true(json_object_get(c->record, "HasBeenManuallyStopped")));
        /* Stopping a stopped container is nothing to do; starting it again works (restart). */
        ASSERT_OK(container_stop(store, c, 1, &err));
        ASSERT_OK(start(c, false));
        ASSERT_STREQ(json_string_value(json_object_get(state_of(c), "Status")), "running");
        ASSERT_TRUE(!json_is_true(json_object_get(c->record, "HasBeenManuallyStopped")));
        ASSERT_OK(container_kill(store, c, SIGKILL, &err));
        ASSERT_EQ(wait_code(c), 137);
        wait_gone(c);
        ASSERT_TRUE(container_kill(store, c, SIGKILL, &err) < 0);
        ASSERT_EQ(err->code, EBUSY);
        remove_container(c);
}

TEST(restart_on_failure)
{
        struct container *c = make("echo run; exit 1", "{\"RestartPolicy\":{\"Name\":\"on-failure\","
                                                       "\"MaximumRetryCount\":2}}", false, false);
        _cleanup_free_ char *out = NULL, *errs = NULL;
        json_t *state;

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        wait_gone(c);
        ASSERT_TRUE(!container_supervisor_alive(store, c));
        state = state_of(c);
        ASSERT_EQ(json_integer_value(json_object_get(c->record, "RestartCount")), 2);
        ASSERT_STREQ(json_string_value(json_object_get(state, "Status")), "exited");
        ASSERT_EQ(json_integer_value(json_object_get(state, "ExitCode")), 1);
        out = read_log(c, false, -1, &errs);
        ASSERT_STREQ(out, "run\nrun\nrun\n");
        remove_container(c);
}

TEST(auto_remove)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container *c = make("exit 0", "{\"AutoRemove\":true}", false, false), *again = NULL;
        _cleanup_free_ char *dir = NULL;
        int i;

        ASSERT_TRUE(c);
        dir = xasprintf("%s/containers/%s", store->root, c->id);
        ASSERT_OK(start(c, false));
        for (i = 0; i < 500 && access(dir, F_OK) == 0; i++)
                usleep(10000);
        ASSERT_TRUE(access(dir, F_OK) < 0);
        ASSERT_EQ(container_load(store, c->id, &again, &err), -ENOENT);
        container_free(c);
}

TEST(killed_shim)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container *c = make("exec sleep 1000", NULL, false, false);
        pid_t pid, init;
        int lock = -1;

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        init = (pid_t)json_integer_value(json_object_get(json_object_get(c->record, "State"), "Pid"));
        pid = shim_pid(c);
        ASSERT_TRUE(pid > 0 && init > 0);
        ASSERT_OK(kill(pid, SIGKILL));
        for (int i = 0; i < 200 && container_supervisor_alive(store, c); i++)
                usleep(10000);
        ASSERT_TRUE(!container_supervisor_alive(store, c));
        ASSERT_STREQ(json_string_value(json_object_get(state_of(c), "Status")), "running");
        container_fix_stale_state(store, c);
        ASSERT_STREQ(json_string_value(json_object_get(state_of(c), "Status")), "exited");
        ASSERT_EQ(json_integer_value(json_object_get(state_of(c), "ExitCode")), 255);
        /* The orphaned init is gone too. */
        for (int i = 0; i < 200 && kill(init, 0) == 0; i++)
                usleep(10000);
        ASSERT_TRUE(kill(init, 0) < 0);
        ASSERT_OK(container_lock(store, c->id, &lock, &err));
        ASSERT_OK(container_delete(store, c, &err));
        container_unlock(lock);
        container_free(c);
}

TEST(logs_tail_timestamps)
{
        _cleanup_free_ char *out = NULL, *errs = NULL, *out2 = NULL, *errs2 = NULL;
        struct container *c = make("for i in 1 2 3 4 5; do echo $i; done; echo e >&2", NULL, false, false);

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        ASSERT_EQ(wait_code(c), 0);
        out = read_log(c, false, 3, &errs);
        /* The last three records over both streams: 4, 5 and e. */
        ASSERT_STREQ(out, "4\n5\n");
        ASSERT_STREQ(errs, "e\n");
        free(out);
        free(errs);
        out = read_log(c, false, 0, &errs);
        ASSERT_STREQ(out, "");
        out2 = read_log(c, true, 1, &errs2);
        /* 2026-01-02T03:04:05.123456789Z e */
        ASSERT_EQ(strlen(errs2), 31 + 2);
        ASSERT_TRUE(errs2[10] == 'T' && errs2[29] == 'Z' && errs2[30] == ' ');
        remove_container(c);
}

TEST(logs_follow)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container_logs_options o = { .tail = -1, .follow = true };
        struct container *c = make("echo first; sleep 1; echo second", NULL, false, false);
        _cleanup_free_ char *po = xasprintf("%s/fout", tmp), *out = NULL;
        _cleanup_close_ int fo = open(po, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        size_t len;
        double t0;

        ASSERT_TRUE(c);
        ASSERT_OK(start(c, false));
        t0 = now_s();
        ASSERT_OK(container_logs(store, c, &o, fo, fo, &err));
        /* Returned when the supervisor exited, with what came later. */
        ASSERT_TRUE(now_s() - t0 > 0.5);
        ASSERT_OK(read_file_at(AT_FDCWD, po, 1 << 16, &out, &len, NULL));
        ASSERT_STREQ(out, "first\nsecond\n");
        remove_container(c);
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        if (access("/bin/busybox", X_OK) < 0)
                TAP_SKIP_ALL("needs /bin/busybox (busybox-static)");
        if (!mkdtemp(tmp))
                TAP_SKIP_ALL("mkdtemp");
        if (!getenv("BERTH_SHIM")) {
                char self[PATH_MAX];
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                if (n > 0) {
                        self[n] = '\0';
                        *strrchr(self, '/') = '\0';
                        _cleanup_free_ char *p = xasprintf("%s/../../src/berth-shim/berth-shim", self);
                        setenv("BERTH_SHIM", p, 1);
                }
        }
        RUN(protocol);
        RUN(log_codec);
        RUN(log_rotation);
        if (setup() < 0) {
                printf("not ok - setup\n");
                return 1;
        }
        RUN(detached_exit_code_and_log);
        RUN(attached);
        RUN(attached_stdin);
        RUN(attached_tty);
        RUN(not_found);
        RUN(stop_and_rss);
        RUN(restart_on_failure);
        RUN(auto_remove);
        RUN(killed_shim);
        RUN(logs_tail_timestamps);
        RUN(logs_follow);
        store_free(store);
        if (!getenv("BERTH_TEST_KEEP"))
                (void)sh("umount -l %s/root/containers/*/rootfs 2>/dev/null; rm -rf %s", tmp, tmp);
        TAP_DONE();
}
