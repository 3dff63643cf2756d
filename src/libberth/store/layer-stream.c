/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "store/digest.h"
#include "store/layer-stream.h"

#define IN_BUF_SIZE (1U << 20)
#define OUT_BUF_SIZE (1U << 20)
#define RING_SLOTS 8
/* Below this a thread costs more than it overlaps. */
#define PIPELINE_MIN_SIZE (4U << 20)

enum layer_compression {
        LAYER_COMPRESSION_NONE,
        LAYER_COMPRESSION_GZIP,
        LAYER_COMPRESSION_ZSTD,
};

/* Buffers the reader thread fills ahead of the consumer; counters only grow. */
struct ring {
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        uint8_t *buf[RING_SLOTS];
        ssize_t len[RING_SLOTS];
        uint64_t produced, consumed, released;
        bool held, cancel;
};

struct layer_stream {
        int fd;
        enum layer_compression comp;
        struct digest_ctx cdigest, udigest;
        uint64_t csize, usize;
        uint8_t *in;
        size_t in_len, in_pos;
        bool in_eof;
        bool member_done; /* gzip: the current member ended (another may follow) */
        bool pending;     /* the decompressor filled the output: it may hold more without new input */
        bool finished;    /* the decompressor reported the end of the stream */
        z_stream z;
        bool z_ready;
#ifdef HAVE_ISAL
        struct inflate_state *isal;
#endif
        ZSTD_DCtx *zs;
        size_t zs_hint; /* 0 once a zstd frame is complete */
        uint8_t *out;   /* without the ring */
        struct ring *ring;
        struct berth_error *error; /* set by whoever decompresses; read after the end marker */
};

static int stream_fill(struct layer_stream *s)
{
        ssize_t n;

        do
                n = read(s->fd, s->in, IN_BUF_SIZE);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berth_err(&s->error, errno, "read layer");
        if (n == 0)
                s->in_eof = true;
        digest_update(&s->cdigest, s->in, (size_t)n);
        s->csize += (uint64_t)n;
        s->in_len = (size_t)n;
        s->in_pos = 0;
        return 0;
}

static int stream_corrupt(struct layer_stream *s, const char *what)
{
        return berth_err_msg(&s->error, EBADMSG, "corrupt layer: %s", what);
}

#ifdef HAVE_ISAL
static ssize_t step_gzip(struct layer_stream *s, uint8_t *out, size_t cap)
{
        struct inflate_state *st = s->isal;
        size_t avail = s->in_len - s->in_pos;
        int r;

        if (s->member_done) {
                if (avail == 0)
                        return 0;
                /* Another gzip member follows (pigz, concatenated streams): Go's reader accepts them. */
                isal_inflate_reset(st);
                st->crc_flag = ISAL_GZIP;
                s->member_done = false;
        }
        st->next_in = s->in + s->in_pos;
        st->avail_in = (uint32_t)avail;
        st->next_out = out;
        st->avail_out = (uint32_t)cap;
        r = isal_inflate(st);
        s->in_pos = s->in_len - st->avail_in;
        if (r < 0)
                return stream_corrupt(s, r == ISAL_INCORRECT_CHECKSUM ? "gzip checksum mismatch"
                                                                       : "invalid gzip data");
        if (st->block_state == ISAL_BLOCK_FINISH)
                s->member_done = true;
        return (ssize_t)(cap - st->avail_out);
}
#else
static ssize_t step_gzip(struct layer_stream *s, uint8_t *out, size_t cap)
{
        size_t avail = s->in_len - s->in_pos;
        int r;

        if (s->member_done) {
                if (avail == 0)
                        return 0;
                /* Another gzip member follows (pigz, concatenated streams): Go's reader accepts them. */
                if (inflateReset(&s->z) != Z_OK)
                        return stream_corrupt(s, "gzip reset");
                s->member_done = false;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)avail;
        s->z.next_out = out;
        s->z.avail_out = (uInt)cap;
        r = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_len - s->z.avail_in;
        if (r == Z_STREAM_END)
                s->member_done = true;
        else if (r == Z_MEM_ERROR)
                oom();
        else if (r != Z_OK && r != Z_BUF_ERROR)
                return stream_corrupt(s, s->z.msg ? s->z.msg : "invalid gzip data");
        return (ssize_t)(cap - s->z.avail_out);
}
#endif

static ssize_t step_zstd(struct layer_stream *s, uint8_t *out, size_t cap)
{
        ZSTD_inBuffer ib = { s->in, s->in_len, s->in_pos };
        ZSTD_outBuffer ob = { out, cap, 0 };
        size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);

        if (ZSTD_isError(r))
                return stream_corrupt(s, ZSTD_getErrorName(r));
        s->in_pos = ib.pos;
        s->zs_hint = r;
        return (ssize_t)ob.pos;
}

/* Fills out with the next uncompressed bytes: length, 0 at the end, -1 with s->error set. */
static ssize_t stream_step(struct layer_stream *s, uint8_t *out, size_t cap)
{
        for (;;) {
                ssize_t n;

                if (s->in_pos == s->in_len && !s->pending) {
                        if (s->in_eof)
                                break;
                        if (stream_fill(s) < 0)
                                return -1;
                        continue;
                }
                switch (s->comp) {
                case LAYER_COMPRESSION_NONE:
                        n = (ssize_t)(cap < s->in_len - s->in_pos ? cap : s->in_len - s->in_pos);
                        memcpy(out, s->in + s->in_pos, (size_t)n);
                        s->in_pos += (size_t)n;
                        s->usize += (uint64_t)n;
                        return n; /* the diff-id is the compressed digest: no second hash */
                case LAYER_COMPRESSION_GZIP:
                        n = step_gzip(s, out, cap);
                        break;
                case LAYER_COMPRESSION_ZSTD:
                        n = step_zstd(s, out, cap);
                        break;
                default:
                        abort();
                }
                if (n < 0)
                        return -1;
                s->pending = (size_t)n == cap && !s->member_done;
                if (n > 0) {
                        digest_update(&s->udigest, out, (size_t)n);
                        s->usize += (uint64_t)n;
                        return n;
                }
        }
        if (s->comp == LAYER_COMPRESSION_GZIP && !s->member_done)
                return stream_corrupt(s, "truncated gzip stream");
        if (s->comp == LAYER_COMPRESSION_ZSTD && s->zs_hint != 0)
                return stream_corrupt(s, "truncated zstd stream");
        s->finished = true;
        return 0;
}

static void *ring_thread(void *data)
{
        struct layer_stream *s = data;
        struct ring *g = s->ring;

        for (;;) {
                unsigned slot;
                ssize_t n;

                pthread_mutex_lock(&g->mu);
                while (g->produced - g->released >= RING_SLOTS && !g->cancel)
                        pthread_cond_wait(&g->cv, &g->mu);
                if (g->cancel) {
                        pthread_mutex_unlock(&g->mu);
                        return NULL;
                }
                slot = (unsigned)(g->produced % RING_SLOTS);
                pthread_mutex_unlock(&g->mu);

                n = stream_step(s, g->buf[slot], OUT_BUF_SIZE);

                pthread_mutex_lock(&g->mu);
                g->len[slot] = n;
                g->produced++;
                pthread_cond_broadcast(&g->cv);
                pthread_mutex_unlock(&g->mu);
                if (n <= 0)
                        return NULL;
        }
}

static ssize_t ring_read(struct layer_stream *s, const void **ret_buf)
{
        struct ring *g = s->ring;
        unsigned slot;
        ssize_t n;

        pthread_mutex_lock(&g->mu);
        if (g->held) { /* the consumer is done with the previous buffer */
                g->released++;
                g->held = false;
                pthread_cond_broadcast(&g->cv);
        }
        while (g->consumed == g->produced)
                pthread_cond_wait(&g->cv, &g->mu);
        slot = (unsigned)(g->consumed % RING_SLOTS);
        n = g->len[slot];
        if (n > 0) { /* the end marker stays, so later calls see it again */
                g->consumed++;
                g->held = true;
        }
        pthread_mutex_unlock(&g->mu);
        *ret_buf = g->buf[slot];
        return n;
}

static void ring_start(struct layer_stream *s)
{
        struct ring *g = xmalloc(sizeof(*g));

        pthread_mutex_init(&g->mu, NULL);
        pthread_cond_init(&g->cv, NULL);
        for (unsigned i = 0; i < RING_SLOTS; i++)
                g->buf[i] = xmalloc(OUT_BUF_SIZE);
        s->ring = g;
        if (pthread_create(&g->thread, NULL, ring_thread, s) != 0) {
                /* No thread: decompress inline, slower but the same result. */
                for (unsigned i = 0; i < RING_SLOTS; i++)
                        free(g->buf[i]);
                free(g);
                s->ring = NULL;
        }
}

static void ring_stop(struct layer_stream *s)
{
        struct ring *g = s->ring;

        if (!g)
                return;
        pthread_mutex_lock(&g->mu);
        g->cancel = true;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->thread, NULL);
        for (unsigned i = 0; i < RING_SLOTS; i++)
                free(g->buf[i]);
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv);
        free(g);
        s->ring = NULL;
}

ssize_t layer_stream_read(struct layer_stream *s, const void **ret_buf, struct berth_error **err)
{
        ssize_t n;

        if (s->ring) {
                n = ring_read(s, ret_buf);
        } else {
                n = s->finished ? 0 : stream_step(s, s->out, OUT_BUF_SIZE);
                *ret_buf = s->out;
        }
        if (n < 0) {
                /* Keep a copy: libarchive may ask again after we reported the failure. */
                return berth_err_msg(err, berth_error_code(s->error), "%s", s->error->msg);
        }
        return n;
}

int layer_stream_finish(struct layer_stream *s, struct layer_stream_digests *ret, struct berth_error **err)
{
        const void *buf;
        ssize_t n;

        while ((n = layer_stream_read(s, &buf, err)) > 0)
                ;
        if (n < 0)
                return (int)n;
        ring_stop(s); /* the thread has ended: joining orders its writes before our reads */
        digest_final(&s->cdigest, ret->compressed_digest);
        if (s->comp == LAYER_COMPRESSION_NONE)
                memcpy(ret->diff_id, ret->compressed_digest, sizeof(ret->diff_id));
        else
                digest_final(&s->udigest, ret->diff_id);
        ret->compressed_size = s->csize;
        ret->uncompressed_size = s->usize;
        return 0;
}

/* Reads until the magic can be told (a pipe may return fewer bytes at a time). */
static int stream_sniff(struct layer_stream *s, size_t want, struct berth_error **err)
{
        while (!s->in_eof && s->in_len < want) {
                ssize_t n = read(s->fd, s->in + s->in_len, IN_BUF_SIZE - s->in_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "read layer");
                if (n == 0)
                        s->in_eof = true;
                digest_update(&s->cdigest, s->in + s->in_len, (size_t)n);
                s->csize += (uint64_t)n;
                s->in_len += (size_t)n;
        }
        return 0;
}

static void stream_init_decompressor(struct layer_stream *s)
{
        if (s->comp == LAYER_COMPRESSION_GZIP) {
#ifdef HAVE_ISAL
                s->isal = xmalloc(sizeof(*s->isal));
                isal_inflate_init(s->isal);
                s->isal->crc_flag = ISAL_GZIP;
#else
                if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
                        oom();
                s->z_ready = true;
#endif
        } else if (s->comp == LAYER_COMPRESSION_ZSTD) {
                s->zs = ZSTD_createDCtx();
                if (!s->zs)
                        oom();
                s->zs_hint = 1;
        }
}

int layer_stream_open(int fd, struct layer_stream **ret, struct berth_error **err)
{
        static const uint8_t gzip_magic[] = { 0x1f, 0x8b };
        static const uint8_t zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
        static const uint8_t xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
        static const uint8_t bzip2_magic[] = { 'B', 'Z', 'h' };
        struct layer_stream *s = xmalloc(sizeof(*s));
        struct stat st;
        int r;

        s->fd = fd;
        s->in = xmalloc(IN_BUF_SIZE);
        digest_init(&s->cdigest);
        digest_init(&s->udigest);
        r = stream_sniff(s, sizeof(xz_magic), err);
        if (r < 0) {
                layer_stream_free(s);
                return r;
        }
#define HAS_MAGIC(m) (s->in_len >= sizeof(m) && memcmp(s->in, m, sizeof(m)) == 0)
        if (HAS_MAGIC(gzip_magic))
                s->comp = LAYER_COMPRESSION_GZIP;
        else if (HAS_MAGIC(zstd_magic))
                s->comp = LAYER_COMPRESSION_ZSTD;
        else if (HAS_MAGIC(xz_magic) || HAS_MAGIC(bzip2_magic)) {
                r = berth_err_msg(err, EBADMSG, "unsupported layer compression (%s)",
                                  HAS_MAGIC(xz_magic) ? "xz" : "bzip2");
                layer_stream_free(s);
                return r;
        }
#undef HAS_MAGIC
        stream_init_decompressor(s);
        /* Only a file: a stalled pipe or socket would block layer_stream_free() on the thread. */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)PIPELINE_MIN_SIZE)
                ring_start(s);
        if (!s->ring)
                s->out = xmalloc(OUT_BUF_SIZE);
        *ret = s;
        return 0;
}

struct layer_stream *layer_stream_free(struct layer_stream *s)
{
        if (!s)
                return NULL;
        ring_stop(s);
        free(s->in);
        free(s->out);
        if (s->z_ready)
                inflateEnd(&s->z);
#ifdef HAVE_ISAL
        free(s->isal);
#endif
        ZSTD_freeDCtx(s->zs);
        digest_release(&s->cdigest);
        digest_release(&s->udigest);
        berth_error_free(s->error);
        free(s);
        return NULL;
}
