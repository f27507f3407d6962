/* util.c — PRNG, dtype helpers (with an independent float16 / bfloat16
 * implementation), element access, coverage tables and text buffers. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"

/* ---- PRNG ------------------------------------------------------------------ */

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void rng_seed(rng *r, uint64_t seed) {
    r->s = splitmix64(seed);
    if (r->s == 0) r->s = 0x2545f4914f6cdd1dull;
}

uint64_t rng_next(rng *r) {
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)((rng_next(r) >> 32) % n); }

double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

bool rng_chance(rng *r, double p) { return rng_unit(r) < p; }

int rng_weighted(rng *r, const int *w, int n) {
    int total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    if (total <= 0) return -1;
    int x = (int)rng_below(r, (uint32_t)total);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

uint64_t case_seed(uint64_t s, uint64_t k) { return splitmix64(s ^ splitmix64(k + 0x51ed)); }

/* ---- dtypes ------------------------------------------------------------------ */

const tvm_dtype ALL_DTYPES[10] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16,
                                  TVM_INT8,    TVM_INT16,   TVM_INT32,   TVM_INT64,
                                  TVM_UINT8,   TVM_BOOL};

const char *dt_name(tvm_dtype d) {
    static const char *n[NDT] = {"?", "float32", "float64", "float16", "bfloat16", "int8",
                                 "int16", "int32", "int64", "uint8", "bool"};
    return (int)d > 0 && (int)d < NDT ? n[d] : "?";
}

const char *dt_enum(tvm_dtype d) {
    static const char *n[NDT] = {"?", "TVM_FLOAT32", "TVM_FLOAT64", "TVM_FLOAT16",
                                 "TVM_BFLOAT16", "TVM_INT8", "TVM_INT16", "TVM_INT32",
                                 "TVM_INT64", "TVM_UINT8", "TVM_BOOL"};
    return (int)d > 0 && (int)d < NDT ? n[d] : "?";
}

size_t dt_size(tvm_dtype d) {
    switch (d) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    default: return 1;
    }
}

bool dt_is_float(tvm_dtype d) { return d >= TVM_FLOAT32 && d <= TVM_BFLOAT16; }
bool dt_is_int(tvm_dtype d) { return d >= TVM_INT8 && d <= TVM_UINT8; }

int64_t dt_min(tvm_dtype d) {
    switch (d) {
    case TVM_INT8: return INT8_MIN;
    case TVM_INT16: return INT16_MIN;
    case TVM_INT32: return INT32_MIN;
    case TVM_INT64: return INT64_MIN;
    default: return 0;
    }
}

int64_t dt_max(tvm_dtype d) {
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

double dt_unit(tvm_dtype d) {
    switch (d) {
    case TVM_FLOAT32: return 0x1p-24;
    case TVM_FLOAT64: return 0x1p-53;
    case TVM_FLOAT16: return 0x1p-11;
    case TVM_BFLOAT16: return 0x1p-8;
    default: return 0;
    }
}

DLDataType dt_dl(tvm_dtype d) {
    DLDataType t = {.lanes = 1, .bits = (uint8_t)(dt_size(d) * 8)};
    switch (d) {
    case TVM_FLOAT32: case TVM_FLOAT64: case TVM_FLOAT16: t.code = kDLFloat; break;
    case TVM_BFLOAT16: t.code = kDLBfloat; break;
    case TVM_UINT8: case TVM_BOOL: t.code = kDLUInt; break;
    default: t.code = kDLInt; break;
    }
    return t;
}

/* float16: 1 sign, 5 exponent, 10 mantissa bits; round to nearest even. */
uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u); /* NaN */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to inf */
    if (ax < 0x38800000u) {                                   /* subnormal or zero */
        /* value = ax as float; f16 subnormal unit is 2^-24 */
        float a;
        memcpy(&a, &ax, 4);
        double q = (double)a * 16777216.0; /* in units of 2^-24, exact in double */
        double r = nearbyint(q);           /* default rounding: nearest even */
        return (uint16_t)(sign | (uint32_t)r);
    }
    uint32_t e = (ax >> 23) - 127 + 15;
    uint32_t m = ax & 0x7fffffu;
    uint32_t h = (e << 10) | (m >> 13);
    uint32_t rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ffu;
    float r;
    if (e == 0) {
        r = (float)m * 0x1p-24f;
        if (sign) r = -r;
        return r;
    }
    uint32_t x;
    if (e == 31) x = sign | 0x7f800000u | (m << 13);
    else x = sign | ((e - 15 + 127) << 23) | (m << 13);
    memcpy(&r, &x, 4);
    return r;
}

uint16_t f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
    uint32_t lsb = (x >> 16) & 1;
    x += 0x7fffu + lsb;
    return (uint16_t)(x >> 16);
}

float bf16_to_f32(uint16_t h) {
    uint32_t x = (uint32_t)h << 16;
    float r;
    memcpy(&r, &x, 4);
    return r;
}

double elem_f(tvm_dtype d, const void *p, int64_t i) {
    switch (d) {
    case TVM_FLOAT32: return ((const float *)p)[i];
    case TVM_FLOAT64: return ((const double *)p)[i];
    case TVM_FLOAT16: return f16_to_f32(((const uint16_t *)p)[i]);
    case TVM_BFLOAT16: return bf16_to_f32(((const uint16_t *)p)[i]);
    default: return (double)elem_i(d, p, i);
    }
}

int64_t elem_i(tvm_dtype d, const void *p, int64_t i) {
    switch (d) {
    case TVM_INT8: return ((const int8_t *)p)[i];
    case TVM_INT16: return ((const int16_t *)p)[i];
    case TVM_INT32: return ((const int32_t *)p)[i];
    case TVM_INT64: return ((const int64_t *)p)[i];
    case TVM_UINT8: case TVM_BOOL: return ((const uint8_t *)p)[i];
    default: return (int64_t)elem_f(d, p, i);
    }
}

uint64_t elem_bits(tvm_dtype d, const void *p, int64_t i) {
    switch (dt_size(d)) {
    case 8: return ((const uint64_t *)p)[i];
    case 4: return ((const uint32_t *)p)[i];
    case 2: return ((const uint16_t *)p)[i];
    default: return ((const uint8_t *)p)[i];
    }
}

void elem_set_f(tvm_dtype d, void *p, int64_t i, double v) {
    switch (d) {
    case TVM_FLOAT32: ((float *)p)[i] = (float)v; break;
    case TVM_FLOAT64: ((double *)p)[i] = v; break;
    case TVM_FLOAT16: ((uint16_t *)p)[i] = f32_to_f16((float)v); break;
    case TVM_BFLOAT16: ((uint16_t *)p)[i] = f32_to_bf16((float)v); break;
    default: elem_set_i(d, p, i, (int64_t)v); break;
    }
}

void elem_set_i(tvm_dtype d, void *p, int64_t i, int64_t v) {
    switch (d) {
    case TVM_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
    case TVM_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
    case TVM_INT32: ((int32_t *)p)[i] = (int32_t)v; break;
    case TVM_INT64: ((int64_t *)p)[i] = v; break;
    case TVM_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case TVM_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    default: elem_set_f(d, p, i, (double)v); break;
    }
}

/* ---- coverage ------------------------------------------------------------------ */

const char *opk_name(int k) {
    static const char *n[NOPK] = {
#define X(n) #n,
        OPK_BINARY(X) OPK_UNARY(X) OPK_OTHER(X)
#undef X
    };
    return k >= 0 && k < NOPK ? n[k] : "?";
}

const char *api_name(int a) {
    static const char *n[NAPI] = {
#define X(n) #n,
        API_LIST(X)
#undef X
    };
    return a >= 0 && a < NAPI ? n[a] : "?";
}

bool opk_legal(int k, tvm_dtype d) {
    bool fl = dt_is_float(d), in = dt_is_int(d), bo = d == TVM_BOOL;
    switch (k) {
    case OPK_ADD: case OPK_SUB: case OPK_MUL: case OPK_DIV: case OPK_MOD: case OPK_FLOORDIV:
    case OPK_FLOORMOD: case OPK_MIN: case OPK_MAX: case OPK_NEG: case OPK_ABS: case OPK_SUM:
    case OPK_PROD: case OPK_RMIN: case OPK_RMAX:
        return fl || in;
    case OPK_POW: case OPK_EXP: case OPK_LOG: case OPK_SQRT: case OPK_RSQRT: case OPK_TANH:
    case OPK_SIGMOID: case OPK_ERF: case OPK_FLOOR: case OPK_CEIL:
        return fl;
    case OPK_AND: case OPK_OR: case OPK_NOT: return bo;
    case OPK_LT: case OPK_LE: case OPK_GT: case OPK_GE: case OPK_EQ: case OPK_NE:
    case OPK_SELECT: case OPK_LOAD: case OPK_CONST: case OPK_CAST:
        return true;
    default: return false;
    }
}

const int64_t TAILS[NTAILS] = {7, 8, 9, 15, 16, 17, 31, 33};

int tail_index(int64_t v) {
    for (int i = 0; i < NTAILS; i++)
        if (TAILS[i] == v) return i;
    return -1;
}

void coverage_merge(coverage *into, const coverage *from) {
    uint8_t *a = (uint8_t *)into;
    const uint8_t *b = (const uint8_t *)from;
    for (size_t i = 0; i < sizeof *into; i++) a[i] |= b[i];
}

int coverage_missing(const coverage *c, char *buf, size_t cap) {
    int missing = 0;
    size_t n = 0;
#define ADD(...)                                                          \
    do {                                                                  \
        missing++;                                                        \
        if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); \
    } while (0)
    for (int k = 0; k < NOPK; k++) {
        if (k == OPK_CAST) continue;
        for (int i = 0; i < 10; i++) {
            tvm_dtype d = ALL_DTYPES[i];
            if (opk_legal(k, d) && !c->op[k][d]) ADD("  op %s x %s\n", opk_name(k), dt_name(d));
        }
    }
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++) {
            tvm_dtype f = ALL_DTYPES[i], t = ALL_DTYPES[j];
            if (f != t && !c->cast[f][t]) ADD("  cast %s -> %s\n", dt_name(f), dt_name(t));
        }
    for (int k = 0; k < NOPK; k++)
        for (int t = 0; t < NTAILS; t++)
            if (!c->tail[k][t])
                ADD("  op %s with innermost extent %lld\n", opk_name(k), (long long)TAILS[t]);
    for (int a = 0; a < NAPI; a++)
        if (!c->api[a]) ADD("  builder function %s\n", api_name(a));
#undef ADD
    if (n >= cap && cap) buf[cap - 1] = 0;
    return missing;
}

/* The systematic prefix: every legal (op kind, dtype) pair, every cast, then
 * the (op kind, tail) combinations those did not reach. */
#define MAX_SYSTEMATIC 1024
static forced_op systematic[MAX_SYSTEMATIC];
static int nsystematic = -1;

static void build_systematic(void) {
    int n = 0;
    uint8_t tail_seen[NOPK][NTAILS] = {{0}};
    for (int k = 0; k < NOPK; k++) {
        for (int i = 0; i < 10; i++) {
            tvm_dtype d = ALL_DTYPES[i];
            if (k == OPK_CAST) {
                for (int j = 0; j < 10; j++) {
                    if (ALL_DTYPES[j] == d) continue;
                    int t = n % NTAILS;
                    systematic[n++] = (forced_op){k, d, ALL_DTYPES[j], TAILS[t]};
                    tail_seen[k][t] = 1;
                }
            } else if (opk_legal(k, d)) {
                int t = n % NTAILS;
                systematic[n++] = (forced_op){k, d, d, TAILS[t]};
                tail_seen[k][t] = 1;
            }
        }
    }
    for (int k = 0; k < NOPK; k++) {
        int rot = 0;
        for (int t = 0; t < NTAILS; t++) {
            if (tail_seen[k][t]) continue;
            tvm_dtype d = TVM_FLOAT32;
            for (int tries = 0; tries < 10; tries++) {
                d = ALL_DTYPES[(rot++) % 10];
                if (opk_legal(k, d)) break;
            }
            tvm_dtype to = k == OPK_CAST ? (d == TVM_INT32 ? TVM_FLOAT32 : TVM_INT32) : d;
            systematic[n++] = (forced_op){k, d, to, TAILS[t]};
        }
    }
    nsystematic = n;
}

int systematic_count(void) {
    if (nsystematic < 0) build_systematic();
    return nsystematic;
}

forced_op systematic_case(int k) {
    if (nsystematic < 0) build_systematic();
    if (k < 0 || k >= nsystematic) return (forced_op){-1, 0, 0, 0};
    return systematic[k];
}

/* ---- text ------------------------------------------------------------------------ */

void sb_addf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        va_end(ap2);
        return;
    }
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + (size_t)need + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            va_end(ap2);
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)need;
}

void sb_flush(sbuf *b, int fd) {
    size_t off = 0;
    while (off < b->n) {
        ssize_t w = write(fd, b->p + off, b->n - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    b->n = 0;
    if (b->p) b->p[0] = 0;
}

void sb_release(sbuf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
