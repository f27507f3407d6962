/* loop_eval.c — the scalar semantics of ops.h / tvmc.h, evaluated on
 * lp_values. The constant folder and the interpreter both call these, so
 * they are the reference every backend is compared with.
 *
 * Invariants: integer values are held canonically (sign- or zero-extended
 * from their dtype, bool 0/1); float32 values are doubles that are exactly
 * representable as float, and every float32 operation is done in float so it
 * rounds once, as the hardware does. No C undefined behaviour: integer
 * arithmetic is done in uint64_t and wrapped to the dtype. */
#include "loop.h"
#include "exp_f32.h"

#include <math.h>

/* a - q * b must not become an fma: the IR has no contraction. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static inline lp_value vi(int64_t i) {
    lp_value v;
    v.i = i;
    return v;
}

static inline lp_value vf(double f) {
    lp_value v;
    v.f = f;
    return v;
}

static inline lp_value vf32(float f) { return vf((double)f); }

static inline int64_t wrap(int d, uint64_t v) { return dtype_wrap_int(d, (int64_t)v); }

/* ---- floats -------------------------------------------------------------- */

/* NaN-propagating minimum / maximum, -0 < +0 (llvm.minimum / llvm.maximum). */
static double min_f64(double a, double b) {
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a < b) return a;
    if (b < a) return b;
    return signbit(a) ? a : b;
}

static double max_f64(double a, double b) {
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a > b) return a;
    if (b > a) return b;
    return signbit(a) ? b : a;
}

static float min_f32(float a, float b) {
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a < b) return a;
    if (b < a) return b;
    return signbit(a) ? a : b;
}

static float max_f32(float a, float b) {
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a > b) return a;
    if (b > a) return b;
    return signbit(a) ? b : a;
}

static lp_value binary_f32(int op, float x, float y) {
    switch (op) {
    case IR_ADD: return vf32(x + y);
    case IR_SUB: return vf32(x - y);
    case IR_MUL: return vf32(x * y);
    case IR_DIV: return vf32(x / y);
    case IR_MOD: return vf32(fmodf(x, y));
    case IR_FLOORDIV: {
        float q = x / y;
        return vf32(floorf(q));
    }
    case IR_FLOORMOD: {
        float q = x / y;
        q = floorf(q);
        float m = q * y;
        return vf32(x - m);
    }
    case IR_MIN: return vf32(min_f32(x, y));
    case IR_MAX: return vf32(max_f32(x, y));
    case IR_POW: return vf32(powf(x, y));
    case IR_LT: return vi(x < y);
    case IR_LE: return vi(x <= y);
    case IR_GT: return vi(x > y);
    case IR_GE: return vi(x >= y);
    case IR_EQ: return vi(x == y);
    case IR_NE: return vi(x != y);
    case IR_AND: return vi(x != 0 && y != 0);
    case IR_OR: return vi(x != 0 || y != 0);
    default: return vf(0);
    }
}

static lp_value binary_f64(int op, double x, double y) {
    switch (op) {
    case IR_ADD: return vf(x + y);
    case IR_SUB: return vf(x - y);
    case IR_MUL: return vf(x * y);
    case IR_DIV: return vf(x / y);
    case IR_MOD: return vf(fmod(x, y));
    case IR_FLOORDIV: {
        double q = x / y;
        return vf(floor(q));
    }
    case IR_FLOORMOD: {
        double q = x / y;
        q = floor(q);
        double m = q * y;
        return vf(x - m);
    }
    case IR_MIN: return vf(min_f64(x, y));
    case IR_MAX: return vf(max_f64(x, y));
    case IR_POW: return vf(pow(x, y));
    case IR_LT: return vi(x < y);
    case IR_LE: return vi(x <= y);
    case IR_GT: return vi(x > y);
    case IR_GE: return vi(x >= y);
    case IR_EQ: return vi(x == y);
    case IR_NE: return vi(x != y);
    case IR_AND: return vi(x != 0 && y != 0);
    case IR_OR: return vi(x != 0 || y != 0);
    default: return vf(0);
    }
}

/* ---- integers ------------------------------------------------------------ */

/* Integer power with wrap-around (only reachable through hand-built IR:
 * tvmc.h allows pow on floats only). Negative exponents truncate like C. */
static uint64_t ipow(int64_t a, int64_t b) {
    if (b < 0) {
        if (a == 1) return 1;
        if (a == -1) return (b & 1) ? (uint64_t)-1 : 1;
        return 0;
    }
    uint64_t r = 1, x = (uint64_t)a;
    uint64_t e = (uint64_t)b;
    while (e) {
        if (e & 1) r *= x;
        x *= x;
        e >>= 1;
    }
    return r;
}

static lp_value binary_int(int op, int d, int64_t x, int64_t y) {
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    switch (op) {
    case IR_ADD: return vi(wrap(d, ux + uy));
    case IR_SUB: return vi(wrap(d, ux - uy));
    case IR_MUL: return vi(wrap(d, ux * uy));
    case IR_DIV:
        if (y == 0) return vi(0);
        if (y == -1) return vi(wrap(d, 0 - ux)); /* INT_MIN / -1 wraps */
        return vi(wrap(d, (uint64_t)(x / y)));
    case IR_MOD:
        if (y == 0 || y == -1) return vi(0);
        return vi(wrap(d, (uint64_t)(x % y)));
    case IR_FLOORDIV: {
        if (y == 0) return vi(0);
        if (y == -1) return vi(wrap(d, 0 - ux));
        int64_t q = x / y;
        if (x % y != 0 && ((x < 0) != (y < 0))) q--;
        return vi(wrap(d, (uint64_t)q));
    }
    case IR_FLOORMOD: {
        if (y == 0 || y == -1) return vi(0);
        int64_t r = x % y;
        /* |r| < |y| and the signs differ, so r + y cannot overflow */
        if (r != 0 && ((r < 0) != (y < 0))) r += y;
        return vi(wrap(d, (uint64_t)r));
    }
    case IR_MIN: return vi(x < y ? x : y);
    case IR_MAX: return vi(x > y ? x : y);
    case IR_POW: return vi(wrap(d, ipow(x, y)));
    case IR_LT: return vi(x < y);
    case IR_LE: return vi(x <= y);
    case IR_GT: return vi(x > y);
    case IR_GE: return vi(x >= y);
    case IR_EQ: return vi(x == y);
    case IR_NE: return vi(x != y);
    case IR_AND: return vi(x != 0 && y != 0);
    case IR_OR: return vi(x != 0 || y != 0);
    default: return vi(0);
    }
}

lp_value lp_eval_binary(int op, int in, lp_value a, lp_value b) {
    switch (in) {
    case TVM_FLOAT32:
    case TVM_FLOAT16:
    case TVM_BFLOAT16: return binary_f32(op, (float)a.f, (float)b.f);
    case TVM_FLOAT64: return binary_f64(op, a.f, b.f);
    default: return binary_int(op, in, a.i, b.i);
    }
}

/* ---- unary --------------------------------------------------------------- */

static lp_value unary_f32(int op, float x) {
    switch (op) {
    case IR_NEG: return vf32(-x);
    case IR_NOT: return vi(x == 0);
    case IR_EXP: return vf32(ir_exp_f32(x));
    case IR_LOG: return vf32(logf(x));
    case IR_SQRT: return vf32(sqrtf(x));
    case IR_RSQRT: {
        float s = sqrtf(x);
        return vf32(1.0f / s);
    }
    case IR_TANH: return vf32(tanhf(x));
    case IR_SIGMOID: {
        float e = ir_exp_f32(-x);
        float d = 1.0f + e;
        return vf32(1.0f / d);
    }
    case IR_ERF: return vf32(erff(x));
    case IR_ABS: return vf32(fabsf(x));
    case IR_FLOOR: return vf32(floorf(x));
    case IR_CEIL: return vf32(ceilf(x));
    case IR_ROUND_F16: return vf32(round_f16(x));
    case IR_ROUND_BF16: return vf32(round_bf16(x));
    default: return vf32(x);
    }
}

static lp_value unary_f64(int op, double x) {
    switch (op) {
    case IR_NEG: return vf(-x);
    case IR_NOT: return vi(x == 0);
    case IR_EXP: return vf(exp(x));
    case IR_LOG: return vf(log(x));
    case IR_SQRT: return vf(sqrt(x));
    case IR_RSQRT: {
        double s = sqrt(x);
        return vf(1.0 / s);
    }
    case IR_TANH: return vf(tanh(x));
    case IR_SIGMOID: {
        double e = exp(-x);
        double d = 1.0 + e;
        return vf(1.0 / d);
    }
    case IR_ERF: return vf(erf(x));
    case IR_ABS: return vf(fabs(x));
    case IR_FLOOR: return vf(floor(x));
    case IR_CEIL: return vf(ceil(x));
    case IR_ROUND_F16: return vf((double)round_f16((float)x));
    case IR_ROUND_BF16: return vf((double)round_bf16((float)x));
    default: return vf(x);
    }
}

lp_value lp_eval_unary(int op, int dtype, lp_value a) {
    switch (dtype) {
    case TVM_FLOAT32:
    case TVM_FLOAT16:
    case TVM_BFLOAT16: return unary_f32(op, (float)a.f);
    case TVM_FLOAT64: return unary_f64(op, a.f);
    default: break;
    }
    uint64_t ux = (uint64_t)a.i;
    switch (op) {
    case IR_NEG: return vi(wrap(dtype, 0 - ux));
    case IR_NOT: return vi(a.i == 0);
    case IR_ABS: return vi(a.i < 0 ? wrap(dtype, 0 - ux) : a.i);
    default: return a; /* floor/ceil of an integer is itself; math ops are float-only */
    }
}

/* ---- casts --------------------------------------------------------------- */

lp_value lp_eval_cast(int to, int from, lp_value a) {
    bool from_float = dtype_is_float(from);
    switch (to) {
    case TVM_FLOAT32:
        if (from_float) return vf32((float)a.f);
        return vf32((float)a.i); /* one rounding, int64 -> float */
    case TVM_FLOAT16:
        return vf32(round_f16(from_float ? (float)a.f : (float)a.i));
    case TVM_BFLOAT16:
        return vf32(round_bf16(from_float ? (float)a.f : (float)a.i));
    case TVM_FLOAT64:
        if (from_float) return vf(a.f);
        return vf((double)a.i);
    case TVM_BOOL:
        if (from_float) return vi(a.f != 0.0); /* NaN -> true */
        return vi(a.i != 0);
    default:
        if (from_float) return vi(sat_f64_to_int(to, a.f));
        return vi(dtype_wrap_int(to, a.i));
    }
}

/* ---- reductions ---------------------------------------------------------- */

lp_value lp_eval_accum(int reduce_kind, int dtype, lp_value acc, lp_value v) {
    static const uint8_t ops[4] = {
        [TVM_REDUCE_SUM] = IR_ADD,
        [TVM_REDUCE_PROD] = IR_MUL,
        [TVM_REDUCE_MIN] = IR_MIN,
        [TVM_REDUCE_MAX] = IR_MAX,
    };
    if (reduce_kind < 0 || reduce_kind > TVM_REDUCE_MAX) return acc;
    return lp_eval_binary(ops[reduce_kind], dtype, acc, v);
}

/* A contraction step (LP_FUSED): float32 values are held exactly as
 * doubles, so fmaf of the floats is the one rounding of x * y + acc. */
lp_value lp_eval_fma(int dtype, lp_value x, lp_value y, lp_value acc) {
    if (dtype == TVM_FLOAT32) return vf32(fmaf((float)x.f, (float)y.f, (float)acc.f));
    return vf(fma(x.f, y.f, acc.f));
}
