/* common.c — dtype facts, half-precision rounding, hashing, text buffers. */
#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

bool vec_reserve(void **data, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 16;
    while (ncap < need) ncap *= 2;
    if (ncap > UINT32_MAX) ncap = UINT32_MAX;
    size_t bytes;
    if (mul_overflow_size((size_t)ncap, elem, &bytes)) return false;
    void *p = realloc(*data, bytes);
    if (!p) return false;
    *data = p;
    *cap = (uint32_t)ncap;
    return true;
}

int dtype_bytes(int d) {
    switch (d) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    case TVM_INT8: case TVM_UINT8: case TVM_BOOL: return 1;
    default: return 0;
    }
}

int dtype_bits(int d) { return dtype_bytes(d) * 8; }

const char *dtype_name(int d) {
    static const char *const names[] = {"?", "float32", "float64", "float16", "bfloat16",
                                        "int8", "int16", "int32", "int64", "uint8", "bool"};
    return dtype_valid(d) ? names[d] : "?";
}

int64_t dtype_wrap_int(int d, int64_t v) {
    switch (d) {
    case TVM_INT8: return (int8_t)(uint8_t)(uint64_t)v;
    case TVM_INT16: return (int16_t)(uint16_t)(uint64_t)v;
    case TVM_INT32: return (int32_t)(uint32_t)(uint64_t)v;
    case TVM_UINT8: return (uint8_t)(uint64_t)v;
    case TVM_BOOL: return v != 0;
    default: return v;
    }
}

int64_t dtype_int_min(int d) {
    switch (d) {
    case TVM_INT8: return INT8_MIN;
    case TVM_INT16: return INT16_MIN;
    case TVM_INT32: return INT32_MIN;
    case TVM_INT64: return INT64_MIN;
    default: return 0; /* uint8, bool */
    }
}

int64_t dtype_int_max(int d) {
    switch (d) {
    case TVM_INT8: return INT8_MAX;
    case TVM_INT16: return INT16_MAX;
    case TVM_INT32: return INT32_MAX;
    case TVM_INT64: return INT64_MAX;
    case TVM_UINT8: return UINT8_MAX;
    case TVM_BOOL: return 1;
    default: return 0;
    }
}

int64_t sat_f64_to_int(int d, double v) {
    if (d == TVM_BOOL) return v != 0.0; /* NaN != 0 is true, as in C */
    if (isnan(v)) return 0;
    double lo = (double)dtype_int_min(d), hi = (double)dtype_int_max(d);
    if (v <= lo) return dtype_int_min(d);
    /* (double)INT64_MAX rounds up to 2^63, so compare with >= */
    if (v >= hi) return dtype_int_max(d);
    return (int64_t)v; /* truncation toward zero */
}

/* ---- float16 / bfloat16 ------------------------------------------------- */

uint16_t f32_to_f16_bits(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) /* NaN: keep it quiet, keep top payload bits */
        return (uint16_t)(sign | 0x7e00u | ((absx >> 13) & 0x1ffu));
    if (absx >= 0x477ff000u) /* rounds to >= 65520: overflow to infinity */
        return (uint16_t)(sign | 0x7c00u);
    if (absx < 0x38800000u) { /* below the smallest normal half: subnormal or 0 */
        if (absx < 0x33000000u) return (uint16_t)sign; /* < 2^-25: rounds to 0 */
        uint32_t e = absx >> 23;
        uint32_t m = (absx & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e; /* 14 + (113 - e) - 1 ... gives the half ulp */
        /* value = m * 2^(e-150); half subnormal unit = 2^-24 -> shift = 126 - e */
        uint32_t q = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    /* normal: rebias exponent 127 -> 15, round mantissa 23 -> 10 bits */
    uint32_t r = absx - 0x38000000u; /* exponent -= 112 */
    uint32_t q = r >> 13;
    uint32_t rem = r & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1))) q++;
    return (uint16_t)(sign | q);
}

float f16_bits_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    uint32_t x;
    if (e == 0x1f)
        x = sign | 0x7f800000u | (m << 13);
    else if (e != 0)
        x = sign | ((e + 112) << 23) | (m << 13);
    else if (m == 0)
        x = sign;
    else { /* subnormal half: normalise */
        int s = 0;
        while (!(m & 0x400u)) {
            m <<= 1;
            s++;
        }
        x = sign | ((uint32_t)(113 - s) << 23) | ((m & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}

uint16_t f32_to_bf16_bits(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float bf16_bits_to_f32(uint16_t h) {
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

/* ---- hashing ----------------------------------------------------------- */

/* Word-at-a-time multiply-rotate hashing in the style of xxHash64 (written
 * here, not its reference code): four independent 64-bit lanes each take
 * one 8-byte word of every 32-byte stripe (the lanes overlap in the CPU, so
 * large weights hash at memory speed), then the lanes, the tail words and
 * bytes and the length are folded together and avalanched. Not
 * cryptographic: it keys caches, it does not authenticate. */
#define HK1 0x9e3779b185ebca87ull
#define HK2 0xc2b2ae3d27d4eb4full
#define HK3 0x165667b19e3779f9ull
#define HK4 0x85ebca77c2b2ae63ull

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t hash_round(uint64_t acc, uint64_t w) {
    return rotl64(acc + w * HK2, 31) * HK1;
}
static inline uint64_t load64(const unsigned char *b) {
    uint64_t w;
    memcpy(&w, b, 8);
    return w;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed) {
    const unsigned char *b = p;
    size_t i = 0;
    uint64_t h;
    if (n >= 32) {
        uint64_t v0 = seed + HK1 + HK2, v1 = seed + HK2, v2 = seed, v3 = seed - HK1;
        for (; i + 32 <= n; i += 32) {
            v0 = hash_round(v0, load64(b + i));
            v1 = hash_round(v1, load64(b + i + 8));
            v2 = hash_round(v2, load64(b + i + 16));
            v3 = hash_round(v3, load64(b + i + 24));
        }
        h = rotl64(v0, 1) + rotl64(v1, 7) + rotl64(v2, 12) + rotl64(v3, 18);
        uint64_t lanes[4] = {v0, v1, v2, v3};
        for (int l = 0; l < 4; l++) h = (h ^ hash_round(0, lanes[l])) * HK1 + HK4;
    } else {
        h = seed + HK3;
    }
    h += (uint64_t)n;
    for (; i + 8 <= n; i += 8) h = rotl64(h ^ hash_round(0, load64(b + i)), 27) * HK1 + HK4;
    for (; i < n; i++) h = rotl64(h ^ (b[i] * HK3), 11) * HK1;
    h ^= h >> 33;
    h *= HK2;
    h ^= h >> 29;
    h *= HK3;
    h ^= h >> 32;
    return h;
}

/* ---- strbuf ----------------------------------------------------------------- */

static bool sb_grow(strbuf *sb, size_t extra) {
    if (sb->failed) return false;
    if (sb->len + extra + 1 <= sb->cap) return true;
    size_t ncap = sb->cap ? sb->cap * 2 : 256;
    while (ncap < sb->len + extra + 1) ncap *= 2;
    char *d = realloc(sb->data, ncap);
    if (!d) {
        sb->failed = true;
        return false;
    }
    sb->data = d;
    sb->cap = ncap;
    return true;
}

void sb_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_grow(sb, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_puts(strbuf *sb, const char *s) {
    size_t n = strlen(s);
    if (!sb_grow(sb, n)) return;
    memcpy(sb->data + sb->len, s, n + 1);
    sb->len += n;
}

char *sb_take(strbuf *sb) {
    if (sb->failed) {
        sb_free(sb);
        return NULL;
    }
    if (!sb->data && !sb_grow(sb, 0)) return NULL;
    if (sb->data) sb->data[sb->len] = 0;
    char *d = sb->data;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return d;
}

void sb_free(strbuf *sb) {
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool dtype_matches_dl(int dt, DLDataType d) {
    if (d.lanes != 1) return false;
    switch (dt) {
    case TVM_FLOAT32: return d.code == kDLFloat && d.bits == 32;
    case TVM_FLOAT64: return d.code == kDLFloat && d.bits == 64;
    case TVM_FLOAT16: return d.code == kDLFloat && d.bits == 16;
    case TVM_BFLOAT16: return d.code == kDLBfloat && d.bits == 16;
    case TVM_INT8: return d.code == kDLInt && d.bits == 8;
    case TVM_INT16: return d.code == kDLInt && d.bits == 16;
    case TVM_INT32: return d.code == kDLInt && d.bits == 32;
    case TVM_INT64: return d.code == kDLInt && d.bits == 64;
    case TVM_UINT8: return d.code == kDLUInt && d.bits == 8;
    case TVM_BOOL: return (d.code == kDLUInt || d.code == 6 /* kDLBool */) && d.bits == 8;
    }
    return false;
}

DLDataType dtype_to_dl(int dt) {
    switch (dt) {
    case TVM_FLOAT32: return (DLDataType){kDLFloat, 32, 1};
    case TVM_FLOAT64: return (DLDataType){kDLFloat, 64, 1};
    case TVM_FLOAT16: return (DLDataType){kDLFloat, 16, 1};
    case TVM_BFLOAT16: return (DLDataType){kDLBfloat, 16, 1};
    case TVM_INT8: return (DLDataType){kDLInt, 8, 1};
    case TVM_INT16: return (DLDataType){kDLInt, 16, 1};
    case TVM_INT32: return (DLDataType){kDLInt, 32, 1};
    case TVM_INT64: return (DLDataType){kDLInt, 64, 1};
    default: return (DLDataType){kDLUInt, 8, 1}; /* uint8, bool */
    }
}
