/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Images in and out of the store as files: `import`, `save`, `load`.
 *
 * import: a rootfs tarball (plain, gzip, bzip2, xz or zstd) becomes ONE layer,
 * stored UNCOMPRESSED (application/vnd.oci.image.layer.v1.tar) so its blob
 * digest is its diff ID: docker-archive wants exactly that, save needs no
 * recompression, and a push compresses at upload time anyway.
 *
 * save, docker-archive (the default): the layout Docker >= 25 writes, which
 * is both a docker-archive and an OCI image layout:
 *   blobs/sha256/<hex>   config, manifest and UNCOMPRESSED layers (named by diff ID)
 *   manifest.json        [{"Config":"blobs/sha256/<id>","RepoTags":[..],"Layers":[..]}]
 *   repositories         {"busybox":{"latest":"<top layer hex>"}} (only for tags)
 *   index.json           OCI index, io.containerd.image.name + org.opencontainers.image.ref.name
 *   oci-layout           {"imageLayoutVersion":"1.0.0"}
 * Layers stored compressed are decompressed through a temporary file (tar
 * needs the size up front) and checked against their diff ID.
 *
 * save, oci-archive: an OCI image layout tar with the blobs exactly as stored
 * (manifest digest kept); index.json names each tag with
 * org.opencontainers.image.ref.name = "docker.io/library/busybox:latest"
 * (podman's convention) plus io.containerd.image.name.
 *
 * load: docker-archive (old style "<id>/layer.tar" + "<id>.json", podman's
 * "<diffid>.tar", new style blobs/), OCI archives, optionally gzip/xz/zstd
 * compressed as a whole. The stream is spooled into the blob store first
 * (entries named blobs/sha256/<hex> are verified against their name, others
 * are stored under their computed digest), then manifest.json (preferred, as
 * docker and podman do) or index.json is read, every layer of every image is
 * unpacked (diff IDs checked), and only then are the images registered: a
 * failure registers nothing; blobs already spooled are left to gc.
 */
#include <errno.h>

#include "base/error.h"
#include "store/image.h"
#include "store/store.h"

enum image_archive_format {
        IMAGE_ARCHIVE_DOCKER,
        IMAGE_ARCHIVE_OCI,
        _IMAGE_ARCHIVE_FORMAT_MAX,
        _IMAGE_ARCHIVE_FORMAT_INVALID = -EINVAL,
};

/* "docker-archive" / "oci-archive" (podman's --format names); -EINVAL otherwise. */
enum image_archive_format image_archive_format_from_string(const char *s);

struct image_import_options {
        const char *ref;     /* tag for the new image, or NULL (dangling) */
        char **changes;      /* --change lines (Dockerfile syntax), NULL-terminated, may be NULL */
        const char *message; /* -m: history comment; default "Imported from <source>" */
        const char *source;  /* what the user named: "-" for a file or stdin (as Docker), or the URL */
};

/*
 * `berth import`: reads a rootfs tarball from fd (to EOF), stores it as one
 * uncompressed layer, unpacks it, and creates the image as Docker's import
 * does (architecture from uname, os linux, created now, history entry with
 * the comment, config from the changes). *ret (may be NULL) gets the image.
 * A bad --change line is EINVAL ("xyz is not a valid change command") and is
 * reported before the input is read.
 */
int image_import(struct store *s, int fd, const struct image_import_options *o, struct image **ret,
                 struct berth_error **err);

/*
 * `berth save`: names are references or IDs (as `docker save`): a tag saves
 * that tag, a bare repository name saves every tag of that repository, an ID
 * saves the image untagged. Writes the tar stream to out_fd (not closed).
 */
int image_save(struct store *s, char **names, int out_fd, enum image_archive_format fmt,
               struct berth_error **err);

/*
 * `berth load`: reads an archive from in_fd to EOF. *ret_loaded gets the lines
 * Docker prints: "Loaded image: busybox:latest" per tag, "Loaded image ID:
 * sha256:<hex>" for an untagged image. Bad input is EBADMSG.
 */
int image_load(struct store *s, int in_fd, char ***ret_loaded, struct berth_error **err);

/* The same from a directory (an OCI image layout, or an unpacked docker-archive). */
int image_load_dir(struct store *s, int dir_fd, char ***ret_loaded, struct berth_error **err);
