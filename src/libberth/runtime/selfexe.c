/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736: a process inside a container that can open
 * /proc/<runtime-pid>/exe could rewrite the runtime binary on the host. The
 * runtime therefore runs from a sealed, read-only memfd copy of itself when
 * it enters a container that already runs; writes to a sealed memfd fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/runtime.h"

#define SELF_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool is_sealed(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);
        return seals >= 0 && (seals & SELF_SEALS) == SELF_SEALS;
}

int runtime_ensure_sealed_self(int argc, char **argv, struct berth_error **err)
{
        _cleanup_close_ int self = -EBADF, mem = -EBADF;
        struct stat st;
        off_t off = 0;

        (void)argc;
        self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return berth_err(err, errno, "open /proc/self/exe");
        if (is_sealed(self))
                return 0;
        if (fstat(self, &st) < 0)
                return berth_err(err, errno, "stat /proc/self/exe");
        mem = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mem < 0)
                return berth_err(err, errno, "memfd_create");
        while (off < st.st_size) {
                ssize_t n = sendfile(mem, self, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return berth_err(err, n < 0 ? errno : EIO, "copy the runtime binary");
        }
        if (fcntl(mem, F_ADD_SEALS, SELF_SEALS) < 0)
                return berth_err(err, errno, "seal the runtime copy");
        fexecve(mem, argv, environ);
        return berth_err(err, errno, "re-exec from the sealed copy");
}
