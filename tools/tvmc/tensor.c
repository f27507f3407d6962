/* tensor.c — host tensors of the command line: allocation, DLPack views,
 * random fill and the printed summary of an output. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

size_t cli_dtype_size(tvm_dtype dt) {
    switch (dt) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    default: return 1;
    }
}

const char *cli_dtype_name(tvm_dtype dt) {
    switch (dt) {
    case TVM_FLOAT32: return "float32";
    case TVM_FLOAT64: return "float64";
    case TVM_FLOAT16: return "float16";
    case TVM_BFLOAT16: return "bfloat16";
    case TVM_INT8: return "int8";
    case TVM_INT16: return "int16";
    case TVM_INT32: return "int32";
    case TVM_INT64: return "int64";
    case TVM_UINT8: return "uint8";
    case TVM_BOOL: return "bool";
    }
    return "unknown";
}

static DLDataType dl_dtype(tvm_dtype dt) {
    DLDataType d = {kDLFloat, (uint8_t)(8 * cli_dtype_size(dt)), 1};
    switch (dt) {
    case TVM_BFLOAT16: d.code = kDLBfloat; break;
    case TVM_INT8: case TVM_INT16: case TVM_INT32: case TVM_INT64: d.code = kDLInt; break;
    case TVM_UINT8: d.code = kDLUInt; break;
    case TVM_BOOL: d.code = kDLUInt; break; /* the header's spelling of bool */
    default: break;
    }
    return d;
}

int64_t cli_numel(int ndim, const int64_t *shape) {
    int64_t n = 1;
    bool zero = false;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return -1;
        if (shape[d] == 0) zero = true;
    }
    if (zero) return 0;
    for (int d = 0; d < ndim; d++) {
        if (n > INT64_MAX / shape[d]) return -1;
        n *= shape[d];
    }
    return n;
}

int cli_tensor_alloc(cli_tensor *t) {
    int64_t n = cli_numel(t->ndim, t->shape);
    size_t es = cli_dtype_size(t->dtype);
    if (n < 0 || (uint64_t)n > (SIZE_MAX - 64) / es) return -1;
    t->nbytes = (size_t)n * es;
    /* kernels require element alignment; 64 bytes also suits vector loads */
    t->data = aligned_alloc(64, (t->nbytes + 63) / 64 * 64 + 64);
    if (!t->data) return -1;
    memset(t->data, 0, t->nbytes);
    return 0;
}

void cli_tensor_free(cli_tensor *t) {
    if (!t) return;
    free(t->name);
    free(t->data);
    t->name = NULL;
    t->data = NULL;
}

void cli_tensors_free(cli_tensor *t, int n) {
    if (!t) return;
    for (int i = 0; i < n; i++) cli_tensor_free(&t[i]);
    free(t);
}

DLTensor *cli_tensor_dl(cli_tensor *t) {
    t->dl = (DLTensor){.data = t->data, .device = {kDLCPU, 0}, .ndim = t->ndim,
                       .dtype = dl_dtype(t->dtype), .shape = t->shape, .strides = NULL,
                       .byte_offset = 0};
    return &t->dl;
}

const char *cli_shape_str(int ndim, const int64_t *shape, char *buf, size_t cap) {
    if (ndim == 0) {
        snprintf(buf, cap, "scalar");
        return buf;
    }
    size_t n = 0;
    buf[0] = '\0';
    for (int d = 0; d < ndim && n < cap; d++) {
        int w = snprintf(buf + n, cap - n, d ? "x%" PRId64 : "%" PRId64, shape[d]);
        if (w < 0) break;
        n += (size_t)w;
    }
    return buf;
}

/* splitmix64: small, seedable, the same on every machine */
static uint64_t next_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) { /* subnormal or zero; values here are never that small */
        if (e < -10) return (uint16_t)sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = (uint32_t)e << 10 | man >> 13, rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float f;
    if (exp == 0) {
        f = ldexpf((float)man, -24);
        return sign ? -f : f;
    }
    uint32_t x = exp == 31 ? (sign | 0x7f800000 | man << 13)
                           : (sign | (exp - 15 + 127) << 23 | man << 13);
    memcpy(&f, &x, 4);
    return f;
}

void cli_tensor_random(cli_tensor *t, uint64_t *state) {
    int64_t n = cli_numel(t->ndim, t->shape);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = next_u64(state);
        float u = (float)((double)(r >> 11) * 0x1.0p-53 * 2.0 - 1.0);
        int64_t k = (int64_t)(r % 10);
        switch (t->dtype) {
        case TVM_FLOAT32: ((float *)t->data)[i] = u; break;
        case TVM_FLOAT64: ((double *)t->data)[i] = (double)(r >> 11) * 0x1.0p-53 * 2.0 - 1.0; break;
        case TVM_FLOAT16: ((uint16_t *)t->data)[i] = f32_to_f16(u); break;
        case TVM_BFLOAT16: {
            uint32_t x;
            memcpy(&x, &u, 4);
            ((uint16_t *)t->data)[i] = (uint16_t)(x >> 16);
            break;
        }
        case TVM_INT8: ((int8_t *)t->data)[i] = (int8_t)k; break;
        case TVM_INT16: ((int16_t *)t->data)[i] = (int16_t)k; break;
        case TVM_INT32: ((int32_t *)t->data)[i] = (int32_t)k; break;
        case TVM_INT64: ((int64_t *)t->data)[i] = k; break;
        case TVM_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)k; break;
        case TVM_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(r & 1); break;
        }
    }
}

double cli_tensor_get(const cli_tensor *t, int64_t i) {
    switch (t->dtype) {
    case TVM_FLOAT32: return ((const float *)t->data)[i];
    case TVM_FLOAT64: return ((const double *)t->data)[i];
    case TVM_FLOAT16: return f16_to_f32(((const uint16_t *)t->data)[i]);
    case TVM_BFLOAT16: {
        uint32_t x = (uint32_t)((const uint16_t *)t->data)[i] << 16;
        float f;
        memcpy(&f, &x, 4);
        return f;
    }
    case TVM_INT8: return ((const int8_t *)t->data)[i];
    case TVM_INT16: return ((const int16_t *)t->data)[i];
    case TVM_INT32: return ((const int32_t *)t->data)[i];
    case TVM_INT64: return (double)((const int64_t *)t->data)[i];
    case TVM_UINT8: case TVM_BOOL: return ((const uint8_t *)t->data)[i];
    }
    return 0;
}

void cli_tensor_print(const cli_tensor *t, int max_values) {
    char sh[512];
    int64_t n = cli_numel(t->ndim, t->shape);
    printf("output '%s': shape %s, %s, %" PRId64 " elements\n", t->name ? t->name : "",
           cli_shape_str(t->ndim, t->shape, sh, sizeof sh), cli_dtype_name(t->dtype), n);
    if (n <= 0) return;
    bool is_float = t->dtype == TVM_FLOAT32 || t->dtype == TVM_FLOAT64 ||
                    t->dtype == TVM_FLOAT16 || t->dtype == TVM_BFLOAT16;
    printf("  values:");
    for (int64_t i = 0; i < n && i < max_values; i++) {
        double v = cli_tensor_get(t, i);
        if (is_float)
            printf(" %.6g", v);
        else
            printf(" %.0f", v);
    }
    printf(n > max_values ? " ...\n" : "\n");
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    int64_t nan = 0, argmax = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = cli_tensor_get(t, i);
        if (isnan(v)) {
            nan++;
            continue;
        }
        if (v > hi) {
            hi = v;
            argmax = i;
        }
        if (v < lo) lo = v;
        sum += v;
    }
    if (nan == n) {
        printf("  stats: all NaN\n");
        return;
    }
    printf("  stats: min %.6g, max %.6g (at flat index %" PRId64 "), mean %.6g", lo, hi, argmax,
           sum / (double)(n - nan));
    if (nan) printf(", %" PRId64 " NaN", nan);
    printf("\n");
}
