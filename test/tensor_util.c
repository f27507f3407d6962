/* tensor_util.c — see tensor_util.h. Deliberately independent of lib/: the
 * float16/bfloat16 conversions here are the tests' own reference. */
#include "tensor_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const tt_targets[TT_NUM_TARGETS] = {"llvm", "interp"};

size_t tt_elem_size(tvm_dtype dtype) {
    switch (dtype) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    case TVM_INT8: case TVM_UINT8: case TVM_BOOL: return 1;
    }
    return 0;
}

DLDataType tt_dl_dtype(tvm_dtype dtype) {
    DLDataType d = {0, 0, 1};
    switch (dtype) {
    case TVM_FLOAT32: d.code = kDLFloat; d.bits = 32; break;
    case TVM_FLOAT64: d.code = kDLFloat; d.bits = 64; break;
    case TVM_FLOAT16: d.code = kDLFloat; d.bits = 16; break;
    case TVM_BFLOAT16: d.code = kDLBfloat; d.bits = 16; break;
    case TVM_INT8: d.code = kDLInt; d.bits = 8; break;
    case TVM_INT16: d.code = kDLInt; d.bits = 16; break;
    case TVM_INT32: d.code = kDLInt; d.bits = 32; break;
    case TVM_INT64: d.code = kDLInt; d.bits = 64; break;
    case TVM_UINT8: d.code = kDLUInt; d.bits = 8; break;
    case TVM_BOOL: d.code = kDLUInt; d.bits = 8; break;
    }
    return d;
}

bool tt_is_float(tvm_dtype d) {
    return d == TVM_FLOAT32 || d == TVM_FLOAT64 || d == TVM_FLOAT16 || d == TVM_BFLOAT16;
}

bool tt_is_signed_int(tvm_dtype d) {
    return d == TVM_INT8 || d == TVM_INT16 || d == TVM_INT32 || d == TVM_INT64;
}

const char *tt_dtype_name(tvm_dtype d) {
    switch (d) {
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
    return "?";
}

int64_t tt_int_min(tvm_dtype d) {
    switch (d) {
    case TVM_INT8: return INT8_MIN;
    case TVM_INT16: return INT16_MIN;
    case TVM_INT32: return INT32_MIN;
    case TVM_INT64: return INT64_MIN;
    default: return 0;
    }
}

int64_t tt_int_max(tvm_dtype d) {
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

int64_t tt_wrap(tvm_dtype d, int64_t v) {
    switch (d) {
    case TVM_INT8: return (int8_t)(uint8_t)v;
    case TVM_INT16: return (int16_t)(uint16_t)v;
    case TVM_INT32: return (int32_t)(uint32_t)v;
    case TVM_UINT8: return (uint8_t)v;
    case TVM_BOOL: return v != 0;
    default: return v;
    }
}

/* ---- float16 / bfloat16 ------------------------------------------------- */

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

uint16_t tt_f32_to_f16(float f) {
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t exp = (x >> 23) & 0xffu;
    uint32_t man = x & 0x7fffffu;
    if (exp == 0xff) /* inf or NaN (NaN stays quiet NaN) */
        return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0));
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00u); /* overflow -> inf */
    if (e <= 0) {
        /* subnormal half (or zero): value = man_full * 2^(exp-150); half unit
         * is 2^-24, so shift right by 126 - exp - 0 ... computed below. */
        if (e < -10) return sign; /* below half of the smallest subnormal */
        uint32_t full = man | 0x800000u;
        int shift = 14 - e; /* 14..24 */
        uint32_t q = full >> shift;
        uint32_t rem = full & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(sign | q); /* q may carry into the exponent: fine */
    }
    uint32_t q = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1))) q++; /* may round to inf */
    return (uint16_t)(sign | q);
}

float tt_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        float v = ldexpf((float)man, -24);
        return sign ? -v : v;
    }
    return bits_f32(sign | ((exp - 15 + 127) << 23) | (man << 13));
}

uint16_t tt_f32_to_bf16(float f) {
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* NaN */
    uint32_t lsb = (x >> 16) & 1u;
    x += 0x7fffu + lsb;
    return (uint16_t)(x >> 16);
}

float tt_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

float tt_round_to(tvm_dtype d, float f) {
    if (d == TVM_FLOAT16) return tt_f16_to_f32(tt_f32_to_f16(f));
    if (d == TVM_BFLOAT16) return tt_bf16_to_f32(tt_f32_to_bf16(f));
    return f;
}

/* ---- tensors ------------------------------------------------------------- */

tt_tensor *tt_alloc(tvm_dtype dtype, int ndim, const int64_t *shape) {
    if (ndim < 0 || ndim > TVM_MAX_NDIM) return NULL;
    tt_tensor *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->dtype = dtype;
    t->numel = 1;
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = shape[d];
        t->numel *= shape[d] > 0 ? shape[d] : 0;
    }
    int64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        t->strides[d] = s;
        s *= shape[d] > 0 ? shape[d] : 1;
    }
    t->nbytes = (size_t)t->numel * tt_elem_size(dtype);
    /* guard pages on both sides; the data touches one of them */
    static unsigned counter;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (t->nbytes + page - 1) / page * page;
    if (body == 0) body = page;
    size_t len = body + 2 * page;
    unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    if (map == MAP_FAILED) {
        free(t);
        return NULL;
    }
    mprotect(map, page, PROT_NONE);
    mprotect(map + page + body, page, PROT_NONE);
    bool at_end = (__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED) & 1) == 0;
    /* element sizes divide the page size, so both placements are aligned */
    void *data = at_end ? map + page + body - t->nbytes : map + page;
    t->map = map;
    t->map_len = len;
    t->dl.data = data;
    t->dl.device.device_type = kDLCPU;
    t->dl.device.device_id = 0;
    t->dl.ndim = ndim;
    t->dl.dtype = tt_dl_dtype(dtype);
    t->dl.shape = t->shape;
    t->dl.strides = NULL;
    t->dl.byte_offset = 0;
    return t;
}

void tt_free(tt_tensor *t) {
    if (!t) return;
    munmap(t->map, t->map_len);
    free(t);
}

static const unsigned char *elem_ptr(const tt_tensor *t, int64_t i) {
    return (const unsigned char *)t->dl.data + t->dl.byte_offset +
           (size_t)i * tt_elem_size(t->dtype);
}

uint64_t tt_bits(const tt_tensor *t, int64_t i) {
    uint64_t u = 0;
    memcpy(&u, elem_ptr(t, i), tt_elem_size(t->dtype)); /* little endian */
    return u;
}

double tt_get(const tt_tensor *t, int64_t i) {
    const unsigned char *p = elem_ptr(t, i);
    switch (t->dtype) {
    case TVM_FLOAT32: { float v; memcpy(&v, p, 4); return v; }
    case TVM_FLOAT64: { double v; memcpy(&v, p, 8); return v; }
    case TVM_FLOAT16: { uint16_t v; memcpy(&v, p, 2); return tt_f16_to_f32(v); }
    case TVM_BFLOAT16: { uint16_t v; memcpy(&v, p, 2); return tt_bf16_to_f32(v); }
    default: return (double)tt_geti(t, i);
    }
}

int64_t tt_geti(const tt_tensor *t, int64_t i) {
    const unsigned char *p = elem_ptr(t, i);
    switch (t->dtype) {
    case TVM_INT8: { int8_t v; memcpy(&v, p, 1); return v; }
    case TVM_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
    case TVM_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
    case TVM_INT64: { int64_t v; memcpy(&v, p, 8); return v; }
    case TVM_UINT8: case TVM_BOOL: return *p;
    default: return (int64_t)tt_get(t, i);
    }
}

void tt_set(tt_tensor *t, int64_t i, double v) {
    unsigned char *p = (unsigned char *)elem_ptr(t, i);
    switch (t->dtype) {
    case TVM_FLOAT32: { float f = (float)v; memcpy(p, &f, 4); return; }
    case TVM_FLOAT64: memcpy(p, &v, 8); return;
    case TVM_FLOAT16: { uint16_t h = tt_f32_to_f16((float)v); memcpy(p, &h, 2); return; }
    case TVM_BFLOAT16: { uint16_t h = tt_f32_to_bf16((float)v); memcpy(p, &h, 2); return; }
    default: tt_seti(t, i, (int64_t)v); return;
    }
}

void tt_seti(tt_tensor *t, int64_t i, int64_t v) {
    unsigned char *p = (unsigned char *)elem_ptr(t, i);
    switch (t->dtype) {
    case TVM_INT8: { int8_t x = (int8_t)tt_wrap(TVM_INT8, v); memcpy(p, &x, 1); return; }
    case TVM_INT16: { int16_t x = (int16_t)tt_wrap(TVM_INT16, v); memcpy(p, &x, 2); return; }
    case TVM_INT32: { int32_t x = (int32_t)tt_wrap(TVM_INT32, v); memcpy(p, &x, 4); return; }
    case TVM_INT64: memcpy(p, &v, 8); return;
    case TVM_UINT8: case TVM_BOOL: *p = (unsigned char)tt_wrap(t->dtype, v); return;
    default: tt_set(t, i, (double)v); return;
    }
}

uint64_t tt_rand_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double tt_rand_uniform(uint64_t *state) {
    return (double)(tt_rand_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

void tt_fill_random(tt_tensor *t, uint64_t seed, double lo, double hi) {
    uint64_t st = seed;
    for (int64_t i = 0; i < t->numel; i++) {
        if (tt_is_float(t->dtype)) {
            tt_set(t, i, lo + (hi - lo) * tt_rand_uniform(&st));
        } else {
            int64_t span = (int64_t)(hi - lo) + 1;
            int64_t v = (int64_t)lo + (int64_t)(tt_rand_next(&st) % (uint64_t)span);
            tt_seti(t, i, v);
        }
    }
}

void tt_fill_bytes(tt_tensor *t, unsigned char byte) {
    memset((unsigned char *)t->dl.data + t->dl.byte_offset, byte, t->nbytes);
}

static bool is_nan_elem(const tt_tensor *t, int64_t i) {
    return tt_is_float(t->dtype) && isnan(tt_get(t, i));
}

int64_t tt_first_bit_diff(const tt_tensor *a, const tt_tensor *b) {
    if (a->numel != b->numel || a->dtype != b->dtype) return 0;
    for (int64_t i = 0; i < a->numel; i++) {
        if (tt_bits(a, i) == tt_bits(b, i)) continue;
        if (is_nan_elem(a, i) && is_nan_elem(b, i)) continue;
        return i;
    }
    return -1;
}

double tt_max_rel_diff(const tt_tensor *a, const tt_tensor *b, double floor) {
    if (a->numel != b->numel) return INFINITY;
    double worst = 0;
    for (int64_t i = 0; i < a->numel; i++) {
        double x = tt_get(a, i), y = tt_get(b, i);
        if (isnan(x) || isnan(y)) {
            if (isnan(x) && isnan(y)) continue;
            return INFINITY;
        }
        if (x == y) continue; /* also equal infinities */
        if (isinf(x) || isinf(y)) return INFINITY;
        double den = fabs(y) > floor ? fabs(y) : floor;
        double r = fabs(x - y) / den;
        if (r > worst) worst = r;
    }
    return worst;
}

tvm_compile_options tt_options(const char *target, int32_t opt_level, uint32_t flags) {
    tvm_compile_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.target = target;
    o.opt_level = opt_level;
    o.flags = flags;
    return o;
}

tvm_context *tt_context(void) {
    tvm_context *ctx = NULL;
    tvm_status s = tvm_context_create(NULL, &ctx);
    if (s != TVM_OK) {
        fprintf(stderr, "tvm_context_create failed: %s: %s\n", tvm_status_string(s),
                tvm_last_error());
        return NULL;
    }
    return ctx;
}

static tvm_context *shared_ctx;
static void shared_ctx_free(void) { tvm_context_destroy(shared_ctx); }

tvm_context *tt_shared_context(void) {
    if (!shared_ctx) {
        shared_ctx = tt_context();
        atexit(shared_ctx_free);
    }
    return shared_ctx;
}

tvm_status tt_compile_run(tvm_graph *g, int nin, const tvm_tensor *inputs, int nout,
                          const tvm_tensor *outputs, const tvm_compile_options *opts,
                          tt_tensor *const *args) {
    tvm_function *fn = NULL;
    tvm_status s = tvm_compile(g, nin, inputs, nout, outputs, opts, &fn);
    if (s != TVM_OK) return s;
    DLTensor *dl[2 * TVM_MAX_NDIM];
    int n = nin + nout;
    if (n > (int)(sizeof dl / sizeof dl[0])) {
        tvm_function_release(fn);
        return TVM_ERR_INVALID_ARGUMENT;
    }
    for (int k = 0; k < n; k++) dl[k] = &args[k]->dl;
    s = tvm_function_call(fn, dl, n);
    tvm_function_release(fn);
    return s;
}

tvm_status tt_compile_loop_text(tvm_graph *g, int nin, const tvm_tensor *inputs, int nout,
                                const tvm_tensor *outputs, const tvm_compile_options *opts,
                                tvm_function **fn, char **text) {
    *fn = NULL;
    *text = NULL;
    tvm_status s = tvm_compile(g, nin, inputs, nout, outputs, opts, fn);
    return s == TVM_OK ? tvm_function_source(*fn, "loop", text) : s;
}

const char *tt_describe_diff(const tt_tensor *got, const tt_tensor *want, int64_t i) {
    static char buf[256];
    if (i < 0) return "no difference";
    if (tt_is_float(got->dtype))
        snprintf(buf, sizeof buf, "element %lld: got %.9g (bits 0x%llx), want %.9g (bits 0x%llx)",
                 (long long)i, tt_get(got, i), (unsigned long long)tt_bits(got, i),
                 tt_get(want, i), (unsigned long long)tt_bits(want, i));
    else
        snprintf(buf, sizeof buf, "element %lld: got %lld, want %lld", (long long)i,
                 (long long)tt_geti(got, i), (long long)tt_geti(want, i));
    return buf;
}
