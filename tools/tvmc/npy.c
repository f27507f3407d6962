/* npy.c — numpy's .npy format, read and written without numpy.
 *
 * A file is the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), the header
 * length (2 bytes little-endian in version 1, 4 bytes after), and a header
 * that is a Python dict literal such as
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ended by '\n', then the raw elements. The reader
 * accepts exactly that dict (the three keys, once each), little-endian or
 * byte-order-free dtypes that tvmc has, and C order; everything else is a
 * one-line error. Sizes are checked before anything is allocated, so a
 * header that claims a huge shape costs nothing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_HEADER 65536 /* numpy itself refuses headers over 10 KB by default */

/* numpy dtype strings (without the byte-order character) <-> tvmc dtypes */
static const struct { const char *code; tvm_dtype dt; } npy_types[] = {
    {"f4", TVM_FLOAT32}, {"f8", TVM_FLOAT64}, {"f2", TVM_FLOAT16},
    {"i1", TVM_INT8},    {"i2", TVM_INT16},   {"i4", TVM_INT32},
    {"i8", TVM_INT64},   {"u1", TVM_UINT8},   {"b1", TVM_BOOL},
};

/* ---- a tiny reader for the header's dict literal ---------------------------- */

typedef struct hdr_reader {
    const char *s, *end;
    const char *what;
} hdr_reader;

static void skip_space(hdr_reader *r) {
    while (r->s < r->end && (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r'))
        r->s++;
}

static bool eat(hdr_reader *r, char c) {
    skip_space(r);
    if (r->s < r->end && *r->s == c) {
        r->s++;
        return true;
    }
    return false;
}

/* A quoted string ('...' or "..."), no escapes (numpy writes none). */
static int read_string(hdr_reader *r, char *out, size_t cap) {
    skip_space(r);
    if (r->s >= r->end || (*r->s != '\'' && *r->s != '"'))
        return cli_error("%s: malformed .npy header: expected a quoted string", r->what);
    char q = *r->s++;
    size_t n = 0;
    while (r->s < r->end && *r->s != q) {
        if (*r->s == '\\' || n + 1 >= cap)
            return cli_error("%s: malformed .npy header: unexpected string", r->what);
        out[n++] = *r->s++;
    }
    if (r->s >= r->end) return cli_error("%s: malformed .npy header: unterminated string",
                                         r->what);
    r->s++;
    out[n] = '\0';
    return 0;
}

static int read_word(hdr_reader *r, char *out, size_t cap) {
    skip_space(r);
    size_t n = 0;
    while (r->s < r->end && isalnum((unsigned char)*r->s) && n + 1 < cap) out[n++] = *r->s++;
    out[n] = '\0';
    return n ? 0 : cli_error("%s: malformed .npy header: expected a value", r->what);
}

/* (d0, d1, ...) with Python's tuple spelling: "()", "(3,)", "(2, 3)". */
static int read_shape(hdr_reader *r, int *ndim, int64_t *shape) {
    if (!eat(r, '('))
        return cli_error("%s: malformed .npy header: 'shape' is not a tuple", r->what);
    *ndim = 0;
    for (;;) {
        if (eat(r, ')')) return 0;
        skip_space(r);
        if (r->s >= r->end || !isdigit((unsigned char)*r->s))
            return cli_error("%s: malformed .npy header: shape entries must be non-negative "
                             "integers", r->what);
        int64_t v = 0;
        while (r->s < r->end && isdigit((unsigned char)*r->s)) {
            if (v > (INT64_MAX - 9) / 10)
                return cli_error("%s: .npy shape has a dimension too large", r->what);
            v = v * 10 + (*r->s++ - '0');
        }
        /* Python ints may carry an L suffix in files written by Python 2 */
        if (r->s < r->end && *r->s == 'L') r->s++;
        if (*ndim >= TVM_MAX_NDIM)
            return cli_error("%s: .npy shape has more than %d dimensions", r->what,
                             TVM_MAX_NDIM);
        shape[(*ndim)++] = v;
        if (eat(r, ',')) continue;
        if (eat(r, ')')) return 0;
        return cli_error("%s: malformed .npy header: bad shape tuple", r->what);
    }
}

static int parse_descr(const char *descr, const char *what, tvm_dtype *dt) {
    char order = descr[0];
    const char *code = descr + 1;
    if (order == '>')
        return cli_error("%s: big-endian data ('%s') is not supported; convert it with "
                         "arr.astype(arr.dtype.newbyteorder('<'))", what, descr);
    if (order != '<' && order != '|' && order != '=')
        return cli_error("%s: unsupported .npy dtype '%s'", what, descr);
    for (size_t k = 0; k < sizeof npy_types / sizeof npy_types[0]; k++)
        if (strcmp(code, npy_types[k].code) == 0) {
            *dt = npy_types[k].dt;
            return 0;
        }
    return cli_error("%s: unsupported .npy dtype '%s' (tvmc reads float16/32/64, int8/16/32/64, "
                     "uint8 and bool)", what, descr);
}

static int parse_header(const char *h, size_t len, const char *what, cli_tensor *t) {
    hdr_reader r = {h, h + len, what};
    bool seen[3] = {false, false, false};
    if (!eat(&r, '{')) return cli_error("%s: malformed .npy header: not a dict", what);
    for (;;) {
        if (eat(&r, '}')) break;
        char key[32];
        if (read_string(&r, key, sizeof key) != 0) return -1;
        if (!eat(&r, ':')) return cli_error("%s: malformed .npy header: expected ':'", what);
        int k = strcmp(key, "descr") == 0 ? 0 : strcmp(key, "fortran_order") == 0 ? 1
              : strcmp(key, "shape") == 0 ? 2 : -1;
        if (k < 0) return cli_error("%s: .npy header has an unknown key '%s'", what, key);
        if (seen[k]) return cli_error("%s: .npy header repeats the key '%s'", what, key);
        seen[k] = true;
        if (k == 0) {
            skip_space(&r);
            if (r.s < r.end && *r.s == '[')
                return cli_error("%s: structured .npy dtypes are not supported", what);
            char descr[32];
            if (read_string(&r, descr, sizeof descr) != 0) return -1;
            if (parse_descr(descr, what, &t->dtype) != 0) return -1;
        } else if (k == 1) {
            char word[16];
            if (read_word(&r, word, sizeof word) != 0) return -1;
            if (strcmp(word, "True") == 0)
                return cli_error("%s: Fortran-order arrays are not supported; save "
                                 "numpy.ascontiguousarray(arr)", what);
            if (strcmp(word, "False") != 0)
                return cli_error("%s: malformed .npy header: fortran_order is '%s'", what,
                                 word);
        } else {
            if (read_shape(&r, &t->ndim, t->shape) != 0) return -1;
        }
        if (eat(&r, ',')) continue;
        if (eat(&r, '}')) break;
        return cli_error("%s: malformed .npy header: expected ',' or '}'", what);
    }
    skip_space(&r);
    if (r.s != r.end) return cli_error("%s: malformed .npy header: text after the dict", what);
    if (!seen[0] || !seen[1] || !seen[2])
        return cli_error("%s: .npy header lacks the key '%s'", what,
                         !seen[0] ? "descr" : !seen[1] ? "fortran_order" : "shape");
    return 0;
}

int npy_parse(const uint8_t *buf, size_t len, const char *what, cli_tensor *t) {
    memset(t, 0, sizeof *t);
    if (len < 10 || memcmp(buf, NPY_MAGIC, 6) != 0)
        return cli_error("%s: not a .npy file (bad magic)", what);
    int major = buf[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return cli_error("%s: truncated .npy header", what);
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
               (size_t)buf[11] << 24;
        start = 12;
    } else {
        return cli_error("%s: unsupported .npy version %d.%d", what, major, buf[7]);
    }
    if (hlen > NPY_MAX_HEADER)
        return cli_error("%s: .npy header of %zu bytes is larger than the %d allowed", what,
                         hlen, NPY_MAX_HEADER);
    if (len - start < hlen) return cli_error("%s: truncated .npy header", what);
    const char *h = (const char *)buf + start;
    if (hlen == 0 || h[hlen - 1] != '\n')
        return cli_error("%s: malformed .npy header: it must end with a newline", what);
    for (size_t i = 0; i < hlen; i++)
        if (h[i] == '\0' || ((unsigned char)h[i] >= 0x80 && major < 3))
            return cli_error("%s: malformed .npy header: non-ASCII byte", what);
    if (parse_header(h, hlen, what, t) != 0) return -1;
    int64_t n = cli_numel(t->ndim, t->shape);
    size_t esize = cli_dtype_size(t->dtype);
    size_t avail = len - start - hlen;
    if (n < 0 || (uint64_t)n > CLI_MAX_ARRAY_BYTES / esize) {
        char sh[256];
        return cli_error("%s: .npy shape %s is too large", what,
                         cli_shape_str(t->ndim, t->shape, sh, sizeof sh));
    }
    size_t need = (size_t)n * esize;
    if (avail < need)
        return cli_error("%s: truncated .npy data: %zu of %zu bytes", what, avail, need);
    if (avail > need)
        return cli_error("%s: .npy file has %zu bytes after its data", what, avail - need);
    if (cli_tensor_alloc(t) != 0) return cli_error("%s: out of memory", what);
    if (need) memcpy(t->data, buf + start + hlen, need);
    if (t->dtype == TVM_BOOL) /* numpy bools are 0/1; anything else would be UB in kernels */
        for (size_t i = 0; i < need; i++) ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
    return 0;
}

int npy_encode(const cli_tensor *t, uint8_t **out, size_t *len) {
    tvm_dtype dt = t->dtype == TVM_BFLOAT16 ? TVM_FLOAT32 : t->dtype;
    const char *descr = NULL;
    for (size_t k = 0; k < sizeof npy_types / sizeof npy_types[0]; k++)
        if (npy_types[k].dt == dt) descr = npy_types[k].code;
    if (!descr) return cli_error("cannot write dtype %s to .npy", cli_dtype_name(t->dtype));
    char shape[TVM_MAX_NDIM * 22 + 8];
    size_t sl = 0;
    shape[sl++] = '(';
    for (int d = 0; d < t->ndim; d++)
        sl += (size_t)snprintf(shape + sl, sizeof shape - sl, "%lld,%s", (long long)t->shape[d],
                               d + 1 < t->ndim ? " " : "");
    if (t->ndim > 1) sl--; /* "(2, 3)" but "(3,)" */
    shape[sl++] = ')';
    shape[sl] = '\0';
    char dict[sizeof shape + 96];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, "
                      "'shape': %s, }", descr[1] == '1' ? '|' : '<', descr, shape);
    /* pad so that the data starts on a 64-byte boundary, as numpy does */
    size_t pre = 10, hlen = (size_t)dl + 1;
    int major = 1;
    if (pre + hlen + 63 > 65535) { major = 2; pre = 12; }
    size_t total_hdr = (pre + hlen + 63) / 64 * 64;
    hlen = total_hdr - pre;
    int64_t n = cli_numel(t->ndim, t->shape);
    size_t esize = cli_dtype_size(dt);
    size_t nbytes = (size_t)n * esize;
    uint8_t *b = malloc(total_hdr + nbytes);
    if (!b) return cli_error("out of memory writing %s", t->name ? t->name : "a tensor");
    memcpy(b, NPY_MAGIC, 6);
    b[6] = (uint8_t)major;
    b[7] = 0;
    if (major == 1) {
        b[8] = (uint8_t)hlen;
        b[9] = (uint8_t)(hlen >> 8);
    } else {
        for (int i = 0; i < 4; i++) b[8 + i] = (uint8_t)(hlen >> (8 * i));
    }
    memset(b + pre, ' ', hlen);
    memcpy(b + pre, dict, (size_t)dl);
    b[total_hdr - 1] = '\n';
    if (t->dtype == TVM_BFLOAT16) { /* widen: bfloat16 is float32's top half */
        for (int64_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)((const uint16_t *)t->data)[i] << 16;
            memcpy(b + total_hdr + i * 4, &bits, 4);
        }
    } else if (nbytes) {
        memcpy(b + total_hdr, t->data, nbytes);
    }
    *out = b;
    *len = total_hdr + nbytes;
    return 0;
}

int npy_read_file(const char *path, cli_tensor *t) {
    uint8_t *buf;
    size_t len;
    if (cli_read_file(path, CLI_MAX_ARRAY_BYTES + NPY_MAX_HEADER + 16, &buf, &len) != 0)
        return -1;
    int rc = npy_parse(buf, len, path, t);
    free(buf);
    return rc;
}

int npy_write_file(const char *path, const cli_tensor *t) {
    uint8_t *buf;
    size_t len;
    if (npy_encode(t, &buf, &len) != 0) return -1;
    int rc = cli_write_file(path, buf, len);
    free(buf);
    return rc;
}
