/* npy.c — the float32 subset of numpy's .npy format (see npy.h). The header
 * is a Python dict literal; only its three keys are read, by searching for
 * them, which is enough for files numpy and ort_run.js write. */
#include "npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, int errlen, const char *path, const char *why) {
    snprintf(err, (size_t)errlen, "%s: %s", path, why);
    return -1;
}

/* The value after "'key':" in the header dict, or NULL. */
static const char *dict_value(const char *hdr, const char *key) {
    const char *p = strstr(hdr, key);
    if (!p) return NULL;
    p = strchr(p + strlen(key), ':');
    if (!p) return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

int npy_load(const char *path, npy_array *a, char *err, int errlen) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, path, "cannot open");
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fclose(f);
        return fail(err, errlen, path, "not a .npy file");
    }
    /* v1 has a 2-byte header length, v2 and v3 a 4-byte one. */
    uint32_t hlen = pre[8] | (uint32_t)pre[9] << 8;
    if (pre[6] >= 2) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fclose(f);
            return fail(err, errlen, path, "truncated header");
        }
        hlen |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    }
    if (hlen > 1 << 20) {
        fclose(f);
        return fail(err, errlen, path, "header too long");
    }
    char *hdr = calloc(1, hlen + 1);
    if (!hdr || fread(hdr, 1, hlen, f) != hlen) {
        free(hdr);
        fclose(f);
        return fail(err, errlen, path, "truncated header");
    }
    const char *descr = dict_value(hdr, "'descr'");
    const char *order = dict_value(hdr, "'fortran_order'");
    const char *shape = dict_value(hdr, "'shape'");
    int ok = descr && order && shape && strncmp(descr, "'<f4'", 5) == 0 &&
             strncmp(order, "False", 5) == 0 && *shape == '(';
    a->count = 1;
    if (ok) {
        const char *p = shape + 1;
        while (*p && *p != ')') {
            char *end;
            long long d = strtoll(p, &end, 10);
            if (end == p) {
                p++; /* separators */
                continue;
            }
            if (a->ndim == NPY_MAX_NDIM || d < 0 || d > (1ll << 31)) {
                ok = 0;
                break;
            }
            a->shape[a->ndim++] = d;
            a->count *= d;
            p = end;
        }
    }
    free(hdr);
    if (!ok) {
        fclose(f);
        return fail(err, errlen, path, "expected a float32 ('<f4'), C-order array");
    }
    size_t bytes = (size_t)a->count * sizeof(float);
    a->data = aligned_alloc(64, bytes ? (bytes + 63) / 64 * 64 : 64);
    if (!a->data) {
        fclose(f);
        return fail(err, errlen, path, "out of memory");
    }
    if (fread(a->data, 1, bytes, f) != bytes) {
        fclose(f);
        npy_free(a);
        return fail(err, errlen, path, "data shorter than the shape says");
    }
    fclose(f);
    return 0;
}

int npy_save(const char *path, const float *data, int ndim, const int64_t *shape,
             char *err, int errlen) {
    char dict[256];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld,%s", (long long)shape[i],
                      i + 1 < ndim ? " " : "");
        count *= shape[i];
    }
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    /* Magic, version and length (10 bytes) plus the dict, padded with
     * spaces to a multiple of 64 and ended by a newline, as numpy does. */
    int total = (10 + n + 1 + 63) / 64 * 64;
    int hlen = total - 10;
    FILE *f = fopen(path, "wb");
    if (!f) return fail(err, errlen, path, "cannot create");
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hlen & 0xff, f);
    fputc(hlen >> 8, f);
    fwrite(dict, 1, (size_t)n, f);
    for (int i = n; i < hlen - 1; i++) fputc(' ', f);
    fputc('\n', f);
    size_t wrote = fwrite(data, sizeof(float), (size_t)count, f);
    if (fclose(f) != 0 || wrote != (size_t)count) return fail(err, errlen, path, "write failed");
    return 0;
}

void npy_free(npy_array *a) {
    free(a->data);
    a->data = NULL;
}
