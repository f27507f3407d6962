/* npz.c — numpy's .npz: a zip archive of NAME.npy entries.
 *
 * Reading trusts nothing: the central directory (found through the end
 * record, and its ZIP64 variant, which numpy.savez uses for every entry's
 * local header) names each entry, its method (stored or deflate), CRC and
 * sizes; every offset and size is checked against the file before use, a
 * declared size over CLI_MAX_ARRAY_BYTES, or beyond what deflate can make
 * of the compressed bytes, is refused before inflating, the inflated bytes
 * must be exactly the declared size (so a zip bomb stops at its own claim),
 * and the CRC must match. Writing produces an uncompressed
 * archive without ZIP64 (archives past 4 GiB are refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_END64_LOC 0x07064b50u
#define MAX_ENTRIES 65536

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

typedef struct zip_entry {
    char name[256];
    uint32_t method, flags, crc;
    uint64_t csize, usize, offset;
} zip_entry;

/* Applies a ZIP64 extended-information extra field (id 1): 64-bit values for
 * exactly those of usize, csize, offset that hold 0xFFFFFFFF, in that order. */
static int apply_zip64(const uint8_t *extra, size_t len, zip_entry *e, bool has_offset,
                       const char *what) {
    size_t i = 0;
    while (i + 4 <= len) {
        uint32_t id = rd16(extra + i), sz = rd16(extra + i + 2);
        if (i + 4 + sz > len) return cli_error("%s: malformed zip extra field", what);
        if (id == 1) {
            const uint8_t *f = extra + i + 4;
            size_t k = 0;
            uint64_t *fields[3] = {&e->usize, &e->csize, has_offset ? &e->offset : NULL};
            for (int j = 0; j < 3; j++) {
                if (!fields[j] || *fields[j] != 0xFFFFFFFFu) continue;
                if (k + 8 > sz) return cli_error("%s: malformed ZIP64 extra field", what);
                *fields[j] = rd64(f + k);
                k += 8;
            }
        }
        i += 4 + sz;
    }
    return 0;
}

/* The end of central directory record: where the directory is and how many
 * entries it has. */
static int find_directory(const uint8_t *buf, size_t len, const char *what, uint64_t *count,
                          uint64_t *cd_off, uint64_t *cd_size) {
    if (len < 22) return cli_error("%s: not a .npz file (too short for a zip archive)", what);
    /* the record is the last 22 bytes plus a comment of up to 65535 */
    size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
    size_t at = SIZE_MAX;
    for (size_t i = len - 22 + 1; i-- > lo;)
        if (rd32(buf + i) == SIG_END && i + 22 + rd16(buf + i + 20) == len) {
            at = i;
            break;
        }
    if (at == SIZE_MAX)
        return cli_error("%s: not a .npz file (no zip end-of-directory record)", what);
    const uint8_t *e = buf + at;
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0)
        return cli_error("%s: multi-disk zip archives are not supported", what);
    *count = rd16(e + 10);
    *cd_size = rd32(e + 12);
    *cd_off = rd32(e + 16);
    if (*count == 0xFFFF || *cd_size == 0xFFFFFFFFu || *cd_off == 0xFFFFFFFFu) {
        /* ZIP64: a locator right before the record points at the 64-bit record */
        if (at < 20 || rd32(buf + at - 20) != SIG_END64_LOC)
            return cli_error("%s: ZIP64 archive without its locator", what);
        uint64_t off = rd64(buf + at - 20 + 8);
        if (off > len || len - off < 56 || rd32(buf + off) != SIG_END64)
            return cli_error("%s: malformed ZIP64 end-of-directory record", what);
        *count = rd64(buf + off + 32);
        *cd_size = rd64(buf + off + 40);
        *cd_off = rd64(buf + off + 48);
    }
    if (*cd_off > len || *cd_size > len - *cd_off)
        return cli_error("%s: zip central directory lies outside the file", what);
    if (*count > MAX_ENTRIES)
        return cli_error("%s: zip archive has %llu entries (at most %d)", what,
                         (unsigned long long)*count, MAX_ENTRIES);
    return 0;
}

static int read_central(const uint8_t *buf, size_t len, uint64_t *pos, uint64_t end,
                        const char *what, zip_entry *e) {
    uint64_t p = *pos;
    if (end - p < 46 || rd32(buf + p) != SIG_CENTRAL)
        return cli_error("%s: malformed zip central directory", what);
    const uint8_t *c = buf + p;
    memset(e, 0, sizeof *e);
    e->flags = rd16(c + 8);
    e->method = rd16(c + 10);
    e->crc = rd32(c + 16);
    e->csize = rd32(c + 20);
    e->usize = rd32(c + 24);
    size_t nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
    e->offset = rd32(c + 42);
    if (end - p - 46 < nlen + xlen + clen)
        return cli_error("%s: malformed zip central directory entry", what);
    if (nlen == 0 || nlen >= sizeof e->name)
        return cli_error("%s: zip entry name of %zu bytes", what, nlen);
    memcpy(e->name, c + 46, nlen);
    e->name[nlen] = '\0';
    if (memchr(e->name, '\0', nlen))
        return cli_error("%s: zip entry name holds a NUL byte", what);
    if (apply_zip64(c + 46 + nlen, xlen, e, true, what) != 0) return -1;
    *pos = p + 46 + nlen + xlen + clen;
    (void)len;
    return 0;
}

/* Checks the local header and returns the entry's bytes (decompressed into
 * a malloc'd buffer when deflated: *owned set). */
static int entry_data(const uint8_t *buf, size_t len, const zip_entry *e, const char *what,
                      const uint8_t **data, uint8_t **owned) {
    *owned = NULL;
    if (e->flags & 1) return cli_error("%s: entry '%s' is encrypted", what, e->name);
    if (e->method != 0 && e->method != 8)
        return cli_error("%s: entry '%s' uses zip method %u (only stored and deflate are "
                         "supported)", what, e->name, e->method);
    if (e->usize > CLI_MAX_ARRAY_BYTES)
        return cli_error("%s: entry '%s' claims %llu bytes, more than the %zu allowed", what,
                         e->name, (unsigned long long)e->usize, CLI_MAX_ARRAY_BYTES);
    if (e->offset > len || len - e->offset < 30 || rd32(buf + e->offset) != SIG_LOCAL)
        return cli_error("%s: entry '%s' has no valid local header", what, e->name);
    const uint8_t *l = buf + e->offset;
    uint64_t start = e->offset + 30 + rd16(l + 26) + (uint64_t)rd16(l + 28);
    if (start > len || len - start < e->csize)
        return cli_error("%s: entry '%s' is truncated", what, e->name);
    const uint8_t *src = buf + start;
    if (e->method == 0) {
        if (e->csize != e->usize)
            return cli_error("%s: stored entry '%s' has different sizes", what, e->name);
        *data = src;
    } else {
        /* deflate expands at most 1032:1; a larger claim cannot be honest,
         * and refusing it keeps a small file from reserving gigabytes */
        if (e->usize / 1032 > e->csize + 64)
            return cli_error("%s: entry '%s' claims %llu bytes from %llu compressed bytes, more "
                             "than deflate can produce (corrupt file or zip bomb)", what,
                             e->name, (unsigned long long)e->usize,
                             (unsigned long long)e->csize);
        uint8_t *out = malloc(e->usize ? e->usize : 1);
        if (!out) return cli_error("%s: out of memory for entry '%s'", what, e->name);
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
            free(out);
            return cli_error("%s: cannot start inflate", what);
        }
        /* feed in chunks: zlib's counters are 32-bit */
        uint64_t in_left = e->csize, out_done = 0;
        const uint8_t *in = src;
        int zr = Z_OK;
        uint8_t spill[1];
        while (zr == Z_OK) {
            if (z.avail_in == 0 && in_left) {
                z.next_in = (Bytef *)in;
                z.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
                in += z.avail_in;
                in_left -= z.avail_in;
            }
            uint64_t room = e->usize - out_done;
            if (room) {
                z.next_out = out + out_done;
                z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
            } else { /* one spare byte detects data past the declared size */
                z.next_out = spill;
                z.avail_out = 1;
            }
            uInt before = z.avail_out;
            zr = inflate(&z, Z_NO_FLUSH);
            uint64_t produced = before - z.avail_out;
            if (!room && produced) {
                zr = Z_DATA_ERROR;
                break;
            }
            out_done += produced;
            if (zr == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) break;
            if (zr == Z_BUF_ERROR) zr = Z_OK;
        }
        inflateEnd(&z);
        if (zr != Z_STREAM_END || out_done != e->usize) {
            free(out);
            return cli_error("%s: entry '%s' does not inflate to its declared %llu bytes "
                             "(corrupt or truncated data)", what, e->name,
                             (unsigned long long)e->usize);
        }
        *owned = out;
        *data = out;
    }
    /* crc32 takes 32-bit lengths */
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t off = 0; off < e->usize;) {
        uInt n = e->usize - off > (1u << 30) ? (1u << 30) : (uInt)(e->usize - off);
        crc = crc32(crc, *data + off, n);
        off += n;
    }
    if ((uint32_t)crc != e->crc) {
        free(*owned);
        *owned = NULL;
        return cli_error("%s: entry '%s' fails its CRC check (corrupt data)", what, e->name);
    }
    return 0;
}

int npz_parse(const uint8_t *buf, size_t len, const char *what, cli_tensor **ts, int *n) {
    uint64_t count = 0, cd_off = 0, cd_size = 0;
    *ts = NULL;
    *n = 0;
    if (find_directory(buf, len, what, &count, &cd_off, &cd_size) != 0) return -1;
    cli_tensor *out = calloc(count ? count : 1, sizeof *out);
    if (!out) return cli_error("%s: out of memory", what);
    int got = 0;
    uint64_t pos = cd_off, end = cd_off + cd_size;
    for (uint64_t i = 0; i < count; i++) {
        zip_entry e;
        if (read_central(buf, len, &pos, end, what, &e) != 0) goto fail;
        size_t nl = strlen(e.name);
        if (nl < 5 || strcmp(e.name + nl - 4, ".npy") != 0) {
            cli_error("%s: entry '%s' is not a .npy array", what, e.name);
            goto fail;
        }
        e.name[nl - 4] = '\0';
        for (int k = 0; k < got; k++)
            if (strcmp(out[k].name, e.name) == 0) {
                cli_error("%s: the array '%s' appears twice", what, e.name);
                goto fail;
            }
        const uint8_t *data = NULL;
        uint8_t *owned = NULL;
        if (entry_data(buf, len, &e, what, &data, &owned) != 0) goto fail;
        char sub[600];
        snprintf(sub, sizeof sub, "%s[%s]", what, e.name);
        int rc = npy_parse(data, e.usize, sub, &out[got]);
        free(owned);
        if (rc != 0) goto fail;
        out[got].name = strdup(e.name);
        if (!out[got++].name) {
            cli_error("%s: out of memory", what);
            goto fail;
        }
    }
    *ts = out;
    *n = got;
    return 0;
fail:
    cli_tensors_free(out, (int)count);
    return -1;
}

int npz_read_file(const char *path, cli_tensor **ts, int *n) {
    uint8_t *buf;
    size_t len;
    if (cli_read_file(path, (size_t)1 << 34, &buf, &len) != 0) return -1;
    int rc = npz_parse(buf, len, path, ts, n);
    free(buf);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v & 0xFFFF); wr16(p + 2, v >> 16); }

int npz_write_file(const char *path, const cli_tensor *ts, int n) {
    uint8_t **blobs = calloc(n ? (size_t)n : 1, sizeof *blobs);
    size_t *sizes = calloc(n ? (size_t)n : 1, sizeof *sizes);
    uint32_t *offs = calloc(n ? (size_t)n : 1, sizeof *offs), *crcs = calloc(n ? (size_t)n : 1, 4);
    uint8_t *zip = NULL;
    int rc = -1;
    if (!blobs || !sizes || !offs || !crcs) {
        cli_error("out of memory writing %s", path);
        goto done;
    }
    uint64_t total = 22;
    for (int i = 0; i < n; i++) {
        if (npy_encode(&ts[i], &blobs[i], &sizes[i]) != 0) goto done;
        size_t nl = strlen(ts[i].name) + 4;
        if (nl > 0xFFFF) {
            cli_error("%s: array name too long", path);
            goto done;
        }
        total += 30 + 46 + 2 * nl + sizes[i];
    }
    if (total > 0xFFFFFFFFu || n > 0xFFFF) {
        cli_error("%s: more than 4 GiB or 65535 arrays; ZIP64 output is not supported", path);
        goto done;
    }
    zip = malloc(total);
    if (!zip) {
        cli_error("out of memory writing %s", path);
        goto done;
    }
    size_t p = 0;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(ts[i].name);
        crcs[i] = (uint32_t)crc32(crc32(0L, Z_NULL, 0), blobs[i], (uInt)sizes[i]);
        offs[i] = (uint32_t)p;
        uint8_t *h = zip + p;
        memset(h, 0, 30);
        wr32(h, SIG_LOCAL);
        wr16(h + 4, 20);                /* version needed: 2.0 */
        wr32(h + 14, crcs[i]);
        wr32(h + 18, (uint32_t)sizes[i]);
        wr32(h + 22, (uint32_t)sizes[i]);
        wr16(h + 26, (uint32_t)nl + 4);
        wr16(h + 10, 0);                /* time: 00:00 */
        wr16(h + 12, 0x21);             /* date: 1980-01-01 */
        p += 30;
        memcpy(zip + p, ts[i].name, nl);
        memcpy(zip + p + nl, ".npy", 4);
        p += nl + 4;
        memcpy(zip + p, blobs[i], sizes[i]);
        p += sizes[i];
    }
    size_t cd = p;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(ts[i].name);
        uint8_t *c = zip + p;
        memset(c, 0, 46);
        wr32(c, SIG_CENTRAL);
        wr16(c + 4, 20);
        wr16(c + 6, 20);
        wr16(c + 14, 0x21);
        wr32(c + 16, crcs[i]);
        wr32(c + 20, (uint32_t)sizes[i]);
        wr32(c + 24, (uint32_t)sizes[i]);
        wr16(c + 28, (uint32_t)nl + 4);
        wr32(c + 42, offs[i]);
        p += 46;
        memcpy(zip + p, ts[i].name, nl);
        memcpy(zip + p + nl, ".npy", 4);
        p += nl + 4;
    }
    uint8_t *e = zip + p;
    memset(e, 0, 22);
    wr32(e, SIG_END);
    wr16(e + 8, (uint32_t)n);
    wr16(e + 10, (uint32_t)n);
    wr32(e + 12, (uint32_t)(p - cd));
    wr32(e + 16, (uint32_t)cd);
    p += 22;
    rc = cli_write_file(path, zip, p);
done:
    if (blobs)
        for (int i = 0; i < n; i++) free(blobs[i]);
    free(blobs);
    free(sizes);
    free(offs);
    free(crcs);
    free(zip);
    return rc;
}
