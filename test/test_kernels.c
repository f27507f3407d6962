/* test_kernels.c — compiled kernels against C reference loops, through both
 * targets ("llvm" and "interp"), which must also agree with each other:
 * bitwise (two NaNs count as equal) for integer and non-reduction kernels,
 * within a small relative tolerance for float reductions and for the
 * transcendental functions (exp, log, tanh, sigmoid, erf, rsqrt, pow), whose
 * last-bit accuracy the header does not pin down. The reference follows the
 * semantics block of tvmc.h. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "tensor_util.h"

/* ========================================================================= */
/* Harness                                                                    */
/* ========================================================================= */

typedef struct tol {
    double rel;   /* 0: bitwise */
    double floor; /* denominators below this use it instead (absolute error) */
} tol;

static const tol EXACT = {0, 0};

/* Tolerance for a transcendental result of a float dtype. */
static tol tol_transcendental(tvm_dtype dt) {
    switch (dt) {
    case TVM_FLOAT64: return (tol){1e-12, 1e-300};
    case TVM_FLOAT16: return (tol){2e-3, 1e-4};
    case TVM_BFLOAT16: return (tol){1.6e-2, 1e-30};
    default: return (tol){1e-5, 1e-30};
    }
}

#define MAX_OUTS 48

static bool compare_outputs(int line, const char *what, const char *target, int k,
                            const tt_tensor *got, const tt_tensor *want, tol t,
                            const char *against) {
    if (t.rel == 0 || !tt_is_float(got->dtype)) {
        int64_t d = tt_first_bit_diff(got, want);
        if (d >= 0) {
            check_fail(__FILE__, line, "%s [%s] output %d differs from %s: %s", what, target,
                       k, against, tt_describe_diff(got, want, d));
            return false;
        }
        return true;
    }
    double r = tt_max_rel_diff(got, want, t.floor);
    if (!(r <= t.rel)) {
        /* find the worst element for the message */
        int64_t worst = 0;
        double wr = -1;
        for (int64_t i = 0; i < got->numel; i++) {
            double x = tt_get(got, i), y = tt_get(want, i);
            double e = (isnan(x) != isnan(y) || (isinf(x) || isinf(y)) ? (x == y ? 0 : INFINITY)
                        : fabs(x - y) / fmax(fabs(y), t.floor));
            if (isnan(x) && isnan(y)) e = 0;
            if (e > wr) { wr = e; worst = i; }
        }
        check_fail(__FILE__, line, "%s [%s] output %d differs from %s by %g (tol %g): %s",
                   what, target, k, against, r, t.rel, tt_describe_diff(got, want, worst));
        return false;
    }
    return true;
}

/* Compiles outputs from inputs for each target (with flags), runs them on
 * in_data, and compares every output with want[k] and with the first
 * target's result. tols may be NULL (all exact). */
static void run_check_impl(int line, const char *what, tvm_graph *g, int nin,
                           const tvm_tensor *ins, tt_tensor *const *in_data, int nout,
                           const tvm_tensor *outs, tt_tensor *const *want, const tol *tols,
                           uint32_t flags) {
    if (!CHECK(nout <= MAX_OUTS && nin + nout <= 64)) return;
    if (tvm_graph_status(g) != TVM_OK) {
        check_fail(__FILE__, line, "%s: graph error %s: %s", what,
                   tvm_status_string(tvm_graph_status(g)), tvm_last_error());
        return;
    }
    tt_tensor *first[MAX_OUTS] = {0};
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        tt_tensor *args[64];
        tt_tensor *got[MAX_OUTS];
        for (int k = 0; k < nin; k++) args[k] = in_data[k];
        for (int k = 0; k < nout; k++) {
            got[k] = tt_alloc(want[k]->dtype, want[k]->dl.ndim, want[k]->shape);
            tt_fill_bytes(got[k], 0xcd);
            args[nin + k] = got[k];
        }
        tvm_compile_options o = tt_options(tt_targets[t], 0, flags);
        tvm_status s = tt_compile_run(g, nin, ins, nout, outs, &o, args);
        if (s != TVM_OK) {
            check_fail(__FILE__, line, "%s [%s]: %s: %s", what, tt_targets[t],
                       tvm_status_string(s), tvm_last_error());
            for (int k = 0; k < nout; k++) tt_free(got[k]);
            continue;
        }
        for (int k = 0; k < nout; k++) {
            tol tk = tols ? tols[k] : EXACT;
            compare_outputs(line, what, tt_targets[t], k, got[k], want[k], tk, "reference");
            if (t > 0 && first[k])
                compare_outputs(line, what, tt_targets[t], k, got[k], first[k], tk,
                                tt_targets[0]);
        }
        if (t == 0) {
            for (int k = 0; k < nout; k++) first[k] = got[k];
        } else {
            for (int k = 0; k < nout; k++) tt_free(got[k]);
        }
    }
    for (int k = 0; k < nout; k++) tt_free(first[k]);
}

#define RUN_CHECK(...) run_check_impl(__LINE__, __VA_ARGS__)

typedef struct fixture {
    tvm_context *ctx;
    tvm_graph *g;
} fixture;

static bool fixture_open(fixture *f) {
    f->ctx = tt_context();
    f->g = f->ctx ? tvm_graph_create(f->ctx) : NULL;
    return f->g != NULL;
}

static void fixture_close(fixture *f) {
    tvm_graph_destroy(f->g);
    tvm_context_destroy(f->ctx);
}

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

static const tvm_dtype all_dtypes[] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16,
                                       TVM_INT8,    TVM_INT16,   TVM_INT32,   TVM_INT64,
                                       TVM_UINT8,   TVM_BOOL};
#define NUM_DTYPES ((int)(sizeof all_dtypes / sizeof all_dtypes[0]))

/* ========================================================================= */
/* Reference semantics                                                        */
/* ========================================================================= */

enum binop {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_FLOORDIV, OP_FLOORMOD, OP_MIN, OP_MAX,
    OP_POW, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_NUM_BINOPS
};

static const struct {
    const char *name;
    tvm_expr (*build)(tvm_graph *, tvm_expr, tvm_expr);
    bool compare;
} binops[OP_NUM_BINOPS] = {
    [OP_ADD] = {"add", tvm_add, false},
    [OP_SUB] = {"sub", tvm_sub, false},
    [OP_MUL] = {"mul", tvm_mul, false},
    [OP_DIV] = {"div", tvm_div, false},
    [OP_MOD] = {"mod", tvm_mod, false},
    [OP_FLOORDIV] = {"floordiv", tvm_floordiv, false},
    [OP_FLOORMOD] = {"floormod", tvm_floormod, false},
    [OP_MIN] = {"min", tvm_min, false},
    [OP_MAX] = {"max", tvm_max, false},
    [OP_POW] = {"pow", tvm_pow, false},
    [OP_LT] = {"lt", tvm_lt, true},
    [OP_LE] = {"le", tvm_le, true},
    [OP_GT] = {"gt", tvm_gt, true},
    [OP_GE] = {"ge", tvm_ge, true},
    [OP_EQ] = {"eq", tvm_eq, true},
    [OP_NE] = {"ne", tvm_ne, true},
};

static int64_t ref_int_binop(int op, tvm_dtype dt, int64_t a, int64_t b) {
    const bool is_signed = tt_is_signed_int(dt);
    const int64_t mn = tt_int_min(dt);
    const bool overflow_div = is_signed && a == mn && b == -1;
    switch (op) {
    case OP_ADD: return tt_wrap(dt, (int64_t)((uint64_t)a + (uint64_t)b));
    case OP_SUB: return tt_wrap(dt, (int64_t)((uint64_t)a - (uint64_t)b));
    case OP_MUL: return tt_wrap(dt, (int64_t)((uint64_t)a * (uint64_t)b));
    case OP_DIV:
        if (b == 0) return 0;
        if (overflow_div) return mn;
        return a / b;
    case OP_MOD:
        if (b == 0 || overflow_div) return 0;
        return a % b;
    case OP_FLOORDIV: {
        if (b == 0) return 0;
        if (overflow_div) return mn;
        int64_t q = a / b;
        if (a % b != 0 && ((a < 0) != (b < 0))) q--;
        return q;
    }
    case OP_FLOORMOD: {
        if (b == 0 || overflow_div) return 0;
        int64_t r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        return r;
    }
    case OP_MIN: return a < b ? a : b;
    case OP_MAX: return a > b ? a : b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    }
    return 0;
}

static double ref_f64_binop(int op, double x, double y) {
    switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    case OP_MOD: return fmod(x, y);
    case OP_FLOORDIV: return floor(x / y);
    case OP_FLOORMOD: { double q = floor(x / y); double p = q * y; return x - p; }
    case OP_MIN: return (isnan(x) || isnan(y)) ? NAN : (x < y ? x : y);
    case OP_MAX: return (isnan(x) || isnan(y)) ? NAN : (x > y ? x : y);
    case OP_POW: return pow(x, y);
    case OP_LT: return x < y;
    case OP_LE: return x <= y;
    case OP_GT: return x > y;
    case OP_GE: return x >= y;
    case OP_EQ: return x == y;
    case OP_NE: return x != y;
    }
    return 0;
}

/* float32, float16 and bfloat16 compute in float32. */
static float ref_f32_binop(int op, float x, float y) {
    switch (op) {
    case OP_ADD: return x + y;
    case OP_SUB: return x - y;
    case OP_MUL: return x * y;
    case OP_DIV: return x / y;
    case OP_MOD: return fmodf(x, y);
    case OP_FLOORDIV: return floorf(x / y);
    case OP_FLOORMOD: { float q = floorf(x / y); float p = q * y; return x - p; }
    case OP_MIN: return (isnan(x) || isnan(y)) ? NAN : (x < y ? x : y);
    case OP_MAX: return (isnan(x) || isnan(y)) ? NAN : (x > y ? x : y);
    case OP_POW: return (float)pow((double)x, (double)y);
    case OP_LT: return x < y;
    case OP_LE: return x <= y;
    case OP_GT: return x > y;
    case OP_GE: return x >= y;
    case OP_EQ: return x == y;
    case OP_NE: return x != y;
    }
    return 0;
}

enum unop {
    UOP_NEG, UOP_ABS, UOP_FLOOR, UOP_CEIL, UOP_SQRT, UOP_EXP, UOP_LOG, UOP_RSQRT,
    UOP_TANH, UOP_SIGMOID, UOP_ERF, UOP_NUM
};

static const struct {
    const char *name;
    tvm_expr (*build)(tvm_graph *, tvm_expr);
    bool transcendental;
} unops[UOP_NUM] = {
    [UOP_NEG] = {"neg", tvm_neg, false},
    [UOP_ABS] = {"abs", tvm_abs, false},
    [UOP_FLOOR] = {"floor", tvm_floor, false},
    [UOP_CEIL] = {"ceil", tvm_ceil, false},
    [UOP_SQRT] = {"sqrt", tvm_sqrt, false},
    [UOP_EXP] = {"exp", tvm_exp, true},
    [UOP_LOG] = {"log", tvm_log, true},
    [UOP_RSQRT] = {"rsqrt", tvm_rsqrt, true},
    [UOP_TANH] = {"tanh", tvm_tanh, true},
    [UOP_SIGMOID] = {"sigmoid", tvm_sigmoid, true},
    [UOP_ERF] = {"erf", tvm_erf, true},
};

static double ref_f64_unop(int op, double x) {
    switch (op) {
    case UOP_NEG: return -x;
    case UOP_ABS: return fabs(x);
    case UOP_FLOOR: return floor(x);
    case UOP_CEIL: return ceil(x);
    case UOP_SQRT: return sqrt(x);
    case UOP_EXP: return exp(x);
    case UOP_LOG: return log(x);
    case UOP_RSQRT: return 1.0 / sqrt(x);
    case UOP_TANH: return tanh(x);
    case UOP_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case UOP_ERF: return erf(x);
    }
    return 0;
}

static float ref_f32_unop(int op, float x) {
    switch (op) {
    case UOP_NEG: return -x;
    case UOP_ABS: return fabsf(x);
    case UOP_FLOOR: return floorf(x);
    case UOP_CEIL: return ceilf(x);
    case UOP_SQRT: return sqrtf(x);
    default: return (float)ref_f64_unop(op, (double)x); /* nearly correctly rounded */
    }
}

static int64_t ref_int_unop(int op, tvm_dtype dt, int64_t a) {
    if (op == UOP_NEG) return tt_wrap(dt, (int64_t)(0 - (uint64_t)a));
    if (op == UOP_ABS) return a < 0 ? tt_wrap(dt, (int64_t)(0 - (uint64_t)a)) : a;
    return 0;
}

/* The cast rule: float -> int truncates and saturates, NaN -> 0; int -> int
 * wraps; anything -> bool is x != 0; floats round to nearest even. */
static void ref_cast(tt_tensor *dst, int64_t k, const tt_tensor *src, int64_t ks) {
    tvm_dtype to = dst->dtype;
    if (tt_is_float(src->dtype)) {
        double v = tt_get(src, ks);
        if (to == TVM_BOOL) {
            tt_seti(dst, k, v != 0);
        } else if (to == TVM_FLOAT64) {
            tt_set(dst, k, v);
        } else if (tt_is_float(to)) {
            tt_set(dst, k, (double)(float)v);
        } else if (isnan(v)) {
            tt_seti(dst, k, 0);
        } else {
            double t = trunc(v);
            int64_t mx = tt_int_max(to), mn = tt_int_min(to);
            if (t >= (double)mx + 1.0) tt_seti(dst, k, mx);
            else if (t < (double)mn) tt_seti(dst, k, mn);
            else tt_seti(dst, k, (int64_t)t);
        }
    } else {
        int64_t v = tt_geti(src, ks);
        if (to == TVM_BOOL) tt_seti(dst, k, v != 0);
        else if (to == TVM_FLOAT64) tt_set(dst, k, (double)v);
        else if (tt_is_float(to)) tt_set(dst, k, (double)(float)v);
        else tt_seti(dst, k, v);
    }
}

/* ---- special values ------------------------------------------------------ */

static const double float_specials[] = {0.0,    1.0,   -1.0,    0.5,      -2.5,
                                        3.0,    7.25,  -7.0,    1000.0,   1e-3,
                                        65504.0, INFINITY, -INFINITY, NAN};
#define NUM_FLOAT_SPECIALS ((int)(sizeof float_specials / sizeof float_specials[0]))

static const double unary_specials[] = {0.0,  -0.0, 0.5,  -0.5, 1.0,   -1.0,
                                        2.5,  -3.75, 10.0, -10.0, 88.0, 100.0,
                                        1e-3, 0.1,  INFINITY, -INFINITY, NAN};
#define NUM_UNARY_SPECIALS ((int)(sizeof unary_specials / sizeof unary_specials[0]))

static const double cast_float_specials[] = {
    0.0,    -0.0,    1.0,     -1.0,   0.5,    -0.5,     1.5,      -1.5,  2.5,   127.9,
    128.0,  -128.5,  255.5,   256.0,  300.0,  -300.0,   32767.5,  40000.0, 65504.0,
    65520.0, 1e10,   -1e10,   2147483648.0, -2147483904.0, 9.3e18, -9.3e18, 3e38,
    1e-8,   0.1,     INFINITY, -INFINITY, NAN};
#define NUM_CAST_FLOAT_SPECIALS ((int)(sizeof cast_float_specials / sizeof cast_float_specials[0]))

/* Fills out[] with the interesting integers of dtype dt; returns the count. */
static int int_specials(tvm_dtype dt, int64_t *out) {
    int n = 0;
    if (dt == TVM_BOOL) {
        out[n++] = 0;
        out[n++] = 1;
        return n;
    }
    if (dt == TVM_UINT8) {
        const int64_t u[] = {0, 1, 2, 3, 7, 100, 127, 128, 200, 254, 255};
        for (size_t k = 0; k < sizeof u / sizeof u[0]; k++) out[n++] = u[k];
        return n;
    }
    const int64_t base[] = {0, 1, -1, 2, -2, 3, -3, 7, -7, 100, -100};
    for (size_t k = 0; k < sizeof base / sizeof base[0]; k++) out[n++] = base[k];
    out[n++] = tt_int_min(dt);
    out[n++] = tt_int_max(dt);
    out[n++] = tt_int_min(dt) + 1;
    out[n++] = tt_int_max(dt) - 1;
    return n;
}

/* Writes special value k of dtype dt (floats: from list) into t[i]. */
static int specials_for(tvm_dtype dt, const double *fl, int nfl, double *fout,
                        int64_t *iout) {
    if (tt_is_float(dt)) {
        for (int k = 0; k < nfl; k++) fout[k] = fl[k];
        return nfl;
    }
    return int_specials(dt, iout);
}

static void set_special(tt_tensor *t, int64_t i, const double *fv, const int64_t *iv, int k) {
    if (tt_is_float(t->dtype)) tt_set(t, i, fv[k]);
    else tt_seti(t, i, iv[k]);
}

/* ========================================================================= */
/* Self-check of the reference conversions                                    */
/* ========================================================================= */

TEST(reference_half_conversions_are_right) {
    CHECK_EQ_INT(tt_f32_to_f16(1.0f), 0x3c00);
    CHECK_EQ_INT(tt_f32_to_f16(-2.0f), 0xc000);
    CHECK_EQ_INT(tt_f32_to_f16(65504.0f), 0x7bff);
    CHECK_EQ_INT(tt_f32_to_f16(65519.0f), 0x7bff);
    CHECK_EQ_INT(tt_f32_to_f16(65520.0f), 0x7c00);          /* rounds to inf */
    CHECK_EQ_INT(tt_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);   /* tie -> even */
    CHECK_EQ_INT(tt_f32_to_f16(1.0f + 0x1p-10f + 0x1p-11f), 0x3c02); /* tie -> even (up) */
    CHECK_EQ_INT(tt_f32_to_f16(0x1p-24f), 0x0001);          /* smallest subnormal */
    CHECK_EQ_INT(tt_f32_to_f16(0x1p-25f), 0x0000);          /* tie -> even (zero) */
    CHECK_EQ_INT(tt_f32_to_f16(0x1.8p-25f), 0x0001);
    CHECK_EQ_INT(tt_f32_to_f16(0x1p-14f), 0x0400);          /* smallest normal */
    CHECK_EQ_INT(tt_f32_to_f16(0x1.ff8p-15f), 0x03ff);      /* largest subnormal */
    CHECK_EQ_INT(tt_f32_to_f16(0x1.ffcp-15f), 0x0400);      /* tie rounds up to the smallest normal */
    CHECK_EQ_INT(tt_f32_to_f16(INFINITY), 0x7c00);
    CHECK(isnan(tt_f16_to_f32(tt_f32_to_f16(NAN))));
    CHECK(tt_f16_to_f32(0x0001) == 0x1p-24f);
    CHECK(tt_f16_to_f32(0x3555) == 0x1.554p-2f);
    CHECK_EQ_INT(tt_f32_to_bf16(1.0f), 0x3f80);
    CHECK_EQ_INT(tt_f32_to_bf16(0x1.01p0f), 0x3f80);        /* tie -> even */
    CHECK_EQ_INT(tt_f32_to_bf16(0x1.03p0f), 0x3f82);        /* tie -> even (up) */
    CHECK_EQ_INT(tt_f32_to_bf16(3.3961776e38f), 0x7f80);    /* overflow -> inf */
    CHECK(isnan(tt_bf16_to_f32(tt_f32_to_bf16(NAN))));
    CHECK(tt_bf16_to_f32(0x4049) == 3.140625f);
}

/* ========================================================================= */
/* Elementwise: every op on every dtype                                       */
/* ========================================================================= */

/* One graph per dtype: output k is binop k applied to every pair of special
 * values (A holds the left operands, B the right ones). */
static void check_binops_on(tvm_dtype dt) {
    double fv[64];
    int64_t iv[64];
    int ns = specials_for(dt, float_specials, NUM_FLOAT_SPECIALS, fv, iv);
    int64_t n = (int64_t)ns * ns;
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", dt, 1, &N);
    tvm_tensor B = tvm_placeholder(g, "B", dt, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i);
    tt_tensor *ta = tt_alloc(dt, 1, &n), *tb = tt_alloc(dt, 1, &n);
    for (int64_t k = 0; k < n; k++) {
        set_special(ta, k, fv, iv, (int)(k / ns));
        set_special(tb, k, fv, iv, (int)(k % ns));
    }
    tvm_tensor outs[OP_NUM_BINOPS];
    tt_tensor *want[OP_NUM_BINOPS];
    tol tols[OP_NUM_BINOPS];
    int nout = 0;
    for (int op = 0; op < OP_NUM_BINOPS; op++) {
        if (op == OP_POW && !tt_is_float(dt)) continue;
        tvm_dtype odt = binops[op].compare ? TVM_BOOL : dt;
        char name[32];
        snprintf(name, sizeof name, "C_%s", binops[op].name);
        outs[nout] = tvm_compute(g, name, 1, &N, &i, binops[op].build(g, a, b));
        want[nout] = tt_alloc(odt, 1, &n);
        tols[nout] = op == OP_POW ? tol_transcendental(dt) : EXACT;
        for (int64_t k = 0; k < n; k++) {
            if (!tt_is_float(dt)) {
                tt_seti(want[nout], k, ref_int_binop(op, dt, tt_geti(ta, k), tt_geti(tb, k)));
            } else if (dt == TVM_FLOAT64) {
                tt_set(want[nout], k, ref_f64_binop(op, tt_get(ta, k), tt_get(tb, k)));
            } else {
                float r = ref_f32_binop(op, (float)tt_get(ta, k), (float)tt_get(tb, k));
                if (binops[op].compare) tt_seti(want[nout], k, r != 0);
                else tt_set(want[nout], k, r);
            }
        }
        nout++;
    }
    char what[64];
    snprintf(what, sizeof what, "binary ops on %s", tt_dtype_name(dt));
    RUN_CHECK(what, g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, nout, outs, want,
              tols, 0);
    for (int k = 0; k < nout; k++) tt_free(want[k]);
    tt_free(ta);
    tt_free(tb);
    fixture_close(&f);
}

TEST(binary_ops_float32) { check_binops_on(TVM_FLOAT32); }
TEST(binary_ops_float64) { check_binops_on(TVM_FLOAT64); }
TEST(binary_ops_float16) { check_binops_on(TVM_FLOAT16); }
TEST(binary_ops_bfloat16) { check_binops_on(TVM_BFLOAT16); }
TEST(binary_ops_int8) { check_binops_on(TVM_INT8); }
TEST(binary_ops_int16) { check_binops_on(TVM_INT16); }
TEST(binary_ops_int32) { check_binops_on(TVM_INT32); }
TEST(binary_ops_int64) { check_binops_on(TVM_INT64); }
TEST(binary_ops_uint8) { check_binops_on(TVM_UINT8); }

static void check_unops_on(tvm_dtype dt) {
    double fv[64];
    int64_t iv[64];
    int64_t n = specials_for(dt, unary_specials, NUM_UNARY_SPECIALS, fv, iv);
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", dt, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i);
    tt_tensor *ta = tt_alloc(dt, 1, &n);
    for (int64_t k = 0; k < n; k++) set_special(ta, k, fv, iv, (int)k);
    tvm_tensor outs[UOP_NUM];
    tt_tensor *want[UOP_NUM];
    tol tols[UOP_NUM];
    int nout = 0;
    for (int op = 0; op < UOP_NUM; op++) {
        if (!tt_is_float(dt) && op != UOP_NEG && op != UOP_ABS) continue;
        char name[32];
        snprintf(name, sizeof name, "C_%s", unops[op].name);
        outs[nout] = tvm_compute(g, name, 1, &N, &i, unops[op].build(g, a));
        want[nout] = tt_alloc(dt, 1, &n);
        tols[nout] = unops[op].transcendental ? tol_transcendental(dt) : EXACT;
        for (int64_t k = 0; k < n; k++) {
            if (!tt_is_float(dt)) tt_seti(want[nout], k, ref_int_unop(op, dt, tt_geti(ta, k)));
            else if (dt == TVM_FLOAT64) tt_set(want[nout], k, ref_f64_unop(op, tt_get(ta, k)));
            else tt_set(want[nout], k, ref_f32_unop(op, (float)tt_get(ta, k)));
        }
        nout++;
    }
    char what[64];
    snprintf(what, sizeof what, "unary ops on %s", tt_dtype_name(dt));
    RUN_CHECK(what, g, 1, &A, &ta, nout, outs, want, tols, 0);
    for (int k = 0; k < nout; k++) tt_free(want[k]);
    tt_free(ta);
    fixture_close(&f);
}

TEST(unary_ops_float32) { check_unops_on(TVM_FLOAT32); }
TEST(unary_ops_float64) { check_unops_on(TVM_FLOAT64); }
TEST(unary_ops_float16) { check_unops_on(TVM_FLOAT16); }
TEST(unary_ops_bfloat16) { check_unops_on(TVM_BFLOAT16); }
TEST(unary_ops_int8) { check_unops_on(TVM_INT8); }
TEST(unary_ops_int16) { check_unops_on(TVM_INT16); }
TEST(unary_ops_int32) { check_unops_on(TVM_INT32); }
TEST(unary_ops_int64) { check_unops_on(TVM_INT64); }
TEST(unary_ops_uint8) { check_unops_on(TVM_UINT8); }

/* erf and tanh in a loop vectorised at a constant width of 16, 32 or 64
 * lanes (a fused matmul epilogue's register block is such a loop): wider
 * than any libmvec variant, so the backend calls its own split variants,
 * which must hand every lane its own result. Each lane gets a different
 * input; both targets against the C library. */
static void check_wide_libm(tvm_dtype dt, int64_t width) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr dims[2] = {c64(g, 3), c64(g, width)};
    tvm_tensor A = tvm_placeholder(g, "A", dt, 2, dims);
    tvm_expr it[2] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j")};
    tvm_expr a = tvm_load(g, A, it);
    tvm_tensor outs[2] = {tvm_compute(g, "E", 2, dims, it, tvm_erf(g, a)),
                          tvm_compute(g, "T", 2, dims, it, tvm_tanh(g, a))};
    int64_t shape[2] = {3, width};
    tt_tensor *ta = tt_alloc(dt, 2, shape);
    tt_fill_random(ta, 7 + (uint64_t)width, -3, 3);
    tt_tensor *want[2] = {tt_alloc(dt, 2, shape), tt_alloc(dt, 2, shape)};
    for (int64_t k = 0; k < ta->numel; k++) {
        double x = tt_get(ta, k);
        tt_set(want[0], k, dt == TVM_FLOAT64 ? erf(x) : (double)erff((float)x));
        tt_set(want[1], k, dt == TVM_FLOAT64 ? tanh(x) : (double)tanhf((float)x));
    }
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 2, outs, &s), TVM_OK);
    for (int k = 0; k < 2 && s; k++) CHECK_STATUS(tvm_sched_vectorize(s, outs[k], it[1]), TVM_OK);
    for (int t = 0; t < TT_NUM_TARGETS && s; t++) {
        tt_tensor *got[2] = {tt_alloc(dt, 2, shape), tt_alloc(dt, 2, shape)};
        tt_tensor *args[3] = {ta, got[0], got[1]};
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        o.schedule = s;
        CHECK_STATUS(tt_compile_run(g, 1, &A, 2, outs, &o, args), TVM_OK);
        char what[64];
        snprintf(what, sizeof what, "erf/tanh %s vectorised x%lld", tt_dtype_name(dt),
                 (long long)width);
        for (int k = 0; k < 2; k++) {
            compare_outputs(__LINE__, what, tt_targets[t], k, got[k], want[k],
                            tol_transcendental(dt), "the C library");
            tt_free(got[k]);
        }
    }
    tvm_schedule_destroy(s);
    for (int k = 0; k < 2; k++) tt_free(want[k]);
    tt_free(ta);
    fixture_close(&f);
}

TEST(erf_tanh_wide_vector_loops) {
    for (int64_t w = 16; w <= 64; w *= 2) {
        check_wide_libm(TVM_FLOAT32, w);
        check_wide_libm(TVM_FLOAT64, w);
    }
}

/* float32 exp and sigmoid: the LLVM backend emits tvmc's own exp inline
 * (vectorised, with a scalar remainder) and the interpreter runs the same
 * operations, so the two must agree bit for bit on every input, in the
 * vector body and in the tail alike; and exp must stay within 2 ulp of the
 * exact value (double exp), with exact 1 at 0, +inf above ~88.72, correctly
 * reached subnormals and 0 below ~-103.97, NaN propagated. Inputs: a sweep
 * of float bit patterns across [-110, 95] plus the specials; n is odd so
 * the loop has a remainder. */
static double ulp_f32(double v) {
    v = fabs(v);
    if (v < 0x1p-126) return 0x1p-149;
    int e;
    frexp(v, &e);
    return ldexp(1.0, e - 24);
}

TEST(exp_float32_llvm_interp_bitwise) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    const int64_t n = 300001;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor outs[2] = {tvm_compute(g, "E", 1, &N, &i, tvm_exp(g, tvm_load(g, A, &i))),
                          tvm_compute(g, "S", 1, &N, &i, tvm_sigmoid(g, tvm_load(g, A, &i)))};
    tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, &n);
    const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 88.72f, 88.73f, -87.33f, -103.9f,
                              -103.98f, -104.5f, 0x1p-149f, -0x1p-149f, INFINITY, -INFINITY,
                              NAN, 0.5f * 0.6931472f, -0.5f * 0.6931472f};
    int ns = (int)(sizeof specials / sizeof specials[0]);
    for (int64_t k = 0; k < n; k++) {
        if (k < ns) { tt_set(ta, k, specials[k]); continue; }
        /* positives 0 .. 95 and negatives 0 .. -110, by bit pattern */
        double t = (double)(k - ns) / (double)(n - ns);
        float hi = t < 0.5 ? 95.0f : -110.0f;
        uint32_t hb;
        memcpy(&hb, &hi, 4);
        uint32_t bits = (uint32_t)((double)(hb & 0x7fffffffu) * fmod(2 * t, 1.0)) |
                        (hb & 0x80000000u);
        float x;
        memcpy(&x, &bits, 4);
        tt_set(ta, k, x);
    }
    tt_tensor *got[2][2];
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        got[t][0] = tt_alloc(TVM_FLOAT32, 1, &n);
        got[t][1] = tt_alloc(TVM_FLOAT32, 1, &n);
        tt_tensor *args[3] = {ta, got[t][0], got[t][1]};
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        CHECK(tt_compile_run(g, 1, &A, 2, outs, &o, args) == TVM_OK);
    }
    for (int k = 0; k < 2; k++) {
        int64_t d = tt_first_bit_diff(got[1][k], got[0][k]);
        if (d >= 0)
            check_fail(__FILE__, __LINE__, "%s: %s differs from %s: %s", k ? "sigmoid" : "exp",
                       tt_targets[1], tt_targets[0], tt_describe_diff(got[1][k], got[0][k], d));
    }
    double worst = 0;
    int64_t wi = 0;
    for (int64_t k = 0; k < n; k++) {
        double x = tt_get(ta, k), y = tt_get(got[0][0], k), ref = exp(x);
        if (isnan(x)) { CHECK(isnan(y)); continue; }
        if ((float)ref == INFINITY || (float)ref == 0.0f) {
            if (!CHECK(y == (double)(float)ref)) break;
            continue;
        }
        double e = fabs(y - ref) / ulp_f32(ref);
        if (e > worst) { worst = e; wi = k; }
    }
    if (!(worst <= 2.0))
        check_fail(__FILE__, __LINE__, "exp(%a) = %a is %.2f ulp from %a", tt_get(ta, wi),
                   tt_get(got[0][0], wi), worst, exp(tt_get(ta, wi)));
    CHECK(tt_get(got[0][0], 0) == 1.0 && tt_get(got[0][0], 1) == 1.0);
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 2; k++) tt_free(got[t][k]);
    tt_free(ta);
    fixture_close(&f);
}

/* Casts from one dtype to all ten, over that dtype's special values. */
static void check_casts_from(tvm_dtype from) {
    double fv[64];
    int64_t iv[64];
    int64_t n = specials_for(from, cast_float_specials, NUM_CAST_FLOAT_SPECIALS, fv, iv);
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", from, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i);
    tt_tensor *ta = tt_alloc(from, 1, &n);
    for (int64_t k = 0; k < n; k++) set_special(ta, k, fv, iv, (int)k);
    tvm_tensor outs[NUM_DTYPES];
    tt_tensor *want[NUM_DTYPES];
    for (int d = 0; d < NUM_DTYPES; d++) {
        char name[32];
        snprintf(name, sizeof name, "to_%s", tt_dtype_name(all_dtypes[d]));
        outs[d] = tvm_compute(g, name, 1, &N, &i, tvm_cast(g, all_dtypes[d], a));
        want[d] = tt_alloc(all_dtypes[d], 1, &n);
        for (int64_t k = 0; k < n; k++) ref_cast(want[d], k, ta, k);
    }
    char what[64];
    snprintf(what, sizeof what, "casts from %s", tt_dtype_name(from));
    RUN_CHECK(what, g, 1, &A, &ta, NUM_DTYPES, outs, want, NULL, 0);
    for (int d = 0; d < NUM_DTYPES; d++) tt_free(want[d]);
    tt_free(ta);
    fixture_close(&f);
}

TEST(casts_from_float32) { check_casts_from(TVM_FLOAT32); }
TEST(casts_from_float64) { check_casts_from(TVM_FLOAT64); }
TEST(casts_from_float16) { check_casts_from(TVM_FLOAT16); }
TEST(casts_from_bfloat16) { check_casts_from(TVM_BFLOAT16); }
TEST(casts_from_int8) { check_casts_from(TVM_INT8); }
TEST(casts_from_int16) { check_casts_from(TVM_INT16); }
TEST(casts_from_int32) { check_casts_from(TVM_INT32); }
TEST(casts_from_int64) { check_casts_from(TVM_INT64); }
TEST(casts_from_uint8) { check_casts_from(TVM_UINT8); }
TEST(casts_from_bool) { check_casts_from(TVM_BOOL); }

TEST(logic_and_select_on_bool) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    const int64_t n = 4;
    tvm_expr N = c64(g, n);
    tvm_tensor P = tvm_placeholder(g, "P", TVM_BOOL, 1, &N);
    tvm_tensor Q = tvm_placeholder(g, "Q", TVM_BOOL, 1, &N);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_INT32, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr p = tvm_load(g, P, &i), q = tvm_load(g, Q, &i), x = tvm_load(g, X, &i);
    tvm_tensor outs[6] = {
        tvm_compute(g, "and", 1, &N, &i, tvm_and(g, p, q)),
        tvm_compute(g, "or", 1, &N, &i, tvm_or(g, p, q)),
        tvm_compute(g, "not", 1, &N, &i, tvm_not(g, p)),
        tvm_compute(g, "sel", 1, &N, &i, tvm_select(g, p, x, tvm_neg(g, x))),
        tvm_compute(g, "selb", 1, &N, &i, tvm_select(g, q, p, tvm_not(g, p))), /* xnor */
        tvm_compute(g, "cmp", 1, &N, &i,
                    tvm_and(g, tvm_gt(g, x, tvm_const_int(g, TVM_INT32, 1)), tvm_not(g, q))),
    };
    tt_tensor *tp = tt_alloc(TVM_BOOL, 1, &n), *tq = tt_alloc(TVM_BOOL, 1, &n);
    tt_tensor *tx = tt_alloc(TVM_INT32, 1, &n);
    tt_tensor *want[6];
    for (int k = 0; k < 6; k++) want[k] = tt_alloc(k == 3 ? TVM_INT32 : TVM_BOOL, 1, &n);
    for (int64_t k = 0; k < n; k++) {
        int pv = (int)(k >> 1) & 1, qv = (int)k & 1;
        tt_seti(tp, k, pv);
        tt_seti(tq, k, qv);
        tt_seti(tx, k, k + 1);
        tt_seti(want[0], k, pv && qv);
        tt_seti(want[1], k, pv || qv);
        tt_seti(want[2], k, !pv);
        tt_seti(want[3], k, pv ? k + 1 : -(k + 1));
        tt_seti(want[4], k, pv == qv);
        tt_seti(want[5], k, (k + 1 > 1) && !qv);
    }
    RUN_CHECK("logic and select", g, 3, (tvm_tensor[]){P, Q, X}, (tt_tensor *[]){tp, tq, tx},
              6, outs, want, NULL, 0);
    for (int k = 0; k < 6; k++) tt_free(want[k]);
    tt_free(tp);
    tt_free(tq);
    tt_free(tx);
    fixture_close(&f);
}

/* select(A > B, A, B) and the clamp of A into [B, 100] on every number dtype */
TEST(select_on_every_number_dtype) {
    for (int d = 0; d < NUM_DTYPES; d++) {
        tvm_dtype dt = all_dtypes[d];
        if (dt == TVM_BOOL) continue;
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_graph *g = f.g;
        double fv[64];
        int64_t iv[64];
        int ns = specials_for(dt, float_specials, NUM_FLOAT_SPECIALS, fv, iv);
        int64_t n = (int64_t)ns * ns;
        tvm_expr N = c64(g, n);
        tvm_tensor A = tvm_placeholder(g, "A", dt, 1, &N);
        tvm_tensor B = tvm_placeholder(g, "B", dt, 1, &N);
        tvm_expr i = tvm_iter_var(g, "i");
        tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i);
        tvm_expr hundred = tvm_const_int(g, dt, 100);
        tvm_tensor outs[2] = {
            tvm_compute(g, "S", 1, &N, &i, tvm_select(g, tvm_gt(g, a, b), a, b)),
            tvm_compute(g, "T", 1, &N, &i,
                        tvm_select(g, tvm_lt(g, a, b), b,
                                   tvm_select(g, tvm_gt(g, a, hundred), hundred, a))),
        };
        tt_tensor *ta = tt_alloc(dt, 1, &n), *tb = tt_alloc(dt, 1, &n);
        tt_tensor *want[2] = {tt_alloc(dt, 1, &n), tt_alloc(dt, 1, &n)};
        for (int64_t k = 0; k < n; k++) {
            set_special(ta, k, fv, iv, (int)(k / ns));
            set_special(tb, k, fv, iv, (int)(k % ns));
            if (tt_is_float(dt)) {
                double x = tt_get(ta, k), y = tt_get(tb, k);
                tt_set(want[0], k, x > y ? x : y);
                tt_set(want[1], k, x < y ? y : (x > 100 ? 100 : x));
            } else {
                int64_t x = tt_geti(ta, k), y = tt_geti(tb, k);
                tt_seti(want[0], k, x > y ? x : y);
                tt_seti(want[1], k, x < y ? y : (x > 100 ? 100 : x));
            }
        }
        char what[64];
        snprintf(what, sizeof what, "select on %s", tt_dtype_name(dt));
        RUN_CHECK(what, g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 2, outs, want,
                  NULL, 0);
        tt_free(want[0]);
        tt_free(want[1]);
        tt_free(ta);
        tt_free(tb);
        fixture_close(&f);
    }
}

/* A longer elementwise chain in float16: intermediates stay in float32 and
 * only the stored result is rounded. */
TEST(float16_chain_rounds_once_at_the_store) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    const int64_t n = 257;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT16, 1, &N);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT16, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i);
    tvm_expr third = tvm_const_float(g, TVM_FLOAT16, 1.0 / 3.0);
    /* (a * b + a) / third - b, with a float16 constant */
    tvm_expr e = tvm_sub(g, tvm_div(g, tvm_add(g, tvm_mul(g, a, b), a), third), b);
    tvm_tensor C = tvm_compute(g, "C", 1, &N, &i, e);
    tvm_tensor D = tvm_compute(g, "D", 1, &N, &i, tvm_cast(g, TVM_BFLOAT16, e));
    tt_tensor *ta = tt_alloc(TVM_FLOAT16, 1, &n), *tb = tt_alloc(TVM_FLOAT16, 1, &n);
    tt_fill_random(ta, 11, -40, 40);
    tt_fill_random(tb, 12, -3, 3);
    tt_tensor *want[2] = {tt_alloc(TVM_FLOAT16, 1, &n), tt_alloc(TVM_BFLOAT16, 1, &n)};
    float t3 = tt_round_to(TVM_FLOAT16, (float)(1.0 / 3.0));
    for (int64_t k = 0; k < n; k++) {
        float x = (float)tt_get(ta, k), y = (float)tt_get(tb, k);
        float p = x * y;
        float s = p + x;
        float d = s / t3;
        float r = d - y;
        tt_set(want[0], k, r);
        tt_set(want[1], k, r);
    }
    RUN_CHECK("float16 chain", g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 2,
              (tvm_tensor[]){C, D}, want, NULL, 0);
    tt_free(want[0]);
    tt_free(want[1]);
    tt_free(ta);
    tt_free(tb);
    fixture_close(&f);
}

/* ========================================================================= */
/* Shapes, broadcasting and index arithmetic                                  */
/* ========================================================================= */

TEST(broadcast_outer_sum_and_column_read) {
    const int64_t shapes[][2] = {{5, 7}, {1, 33}, {17, 1}, {0, 4}};
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
    tvm_expr three = c64(g, 3);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &m);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_tensor M = tvm_placeholder(g, "M", TVM_INT32, 2, (tvm_expr[]){m, three});
    tvm_tensor X = tvm_placeholder(g, "X", TVM_INT32, 2, (tvm_expr[]){m, n});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr mn[2] = {m, n}, ij[2] = {i, j};
    /* C[i,j] = A[i] + B[j] */
    tvm_tensor C = tvm_compute(g, "C", 2, mn, ij,
                               tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &j)));
    /* D[i,j] = M[i,0] * X[i,j] + M[i,2] */
    tvm_expr m0 = tvm_load(g, M, (tvm_expr[]){i, c64(g, 0)});
    tvm_expr m2 = tvm_load(g, M, (tvm_expr[]){i, c64(g, 2)});
    tvm_tensor D = tvm_compute(g, "D", 2, mn, ij,
                               tvm_add(g, tvm_mul(g, m0, tvm_load(g, X, ij)), m2));
    /* E[j,i] = X[i,j] (transpose: index order differs from storage order) */
    tvm_tensor E = tvm_compute(g, "E", 2, (tvm_expr[]){n, m}, (tvm_expr[]){j, i},
                               tvm_load(g, X, ij));
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t sm = shapes[s][0], sn = shapes[s][1];
        tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, &sm), *tb = tt_alloc(TVM_FLOAT32, 1, &sn);
        tt_tensor *tm = tt_alloc(TVM_INT32, 2, TT_SHAPE(sm, 3));
        tt_tensor *tx = tt_alloc(TVM_INT32, 2, TT_SHAPE(sm, sn));
        tt_fill_random(ta, 1 + s, -10, 10);
        tt_fill_random(tb, 2 + s, -10, 10);
        tt_fill_random(tm, 3 + s, -100, 100);
        tt_fill_random(tx, 4 + s, -1000, 1000);
        tt_tensor *want[3] = {tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(sm, sn)),
                              tt_alloc(TVM_INT32, 2, TT_SHAPE(sm, sn)),
                              tt_alloc(TVM_INT32, 2, TT_SHAPE(sn, sm))};
        for (int64_t a = 0; a < sm; a++)
            for (int64_t b = 0; b < sn; b++) {
                tt_set(want[0], a * sn + b, (float)tt_get(ta, a) + (float)tt_get(tb, b));
                int32_t d = (int32_t)((uint32_t)tt_geti(tm, a * 3) * (uint32_t)tt_geti(tx, a * sn + b) +
                                      (uint32_t)tt_geti(tm, a * 3 + 2));
                tt_seti(want[1], a * sn + b, d);
                tt_seti(want[2], b * sm + a, tt_geti(tx, a * sn + b));
            }
        char what[64];
        snprintf(what, sizeof what, "broadcast %lldx%lld", (long long)sm, (long long)sn);
        RUN_CHECK(what, g, 4, (tvm_tensor[]){A, B, M, X}, (tt_tensor *[]){ta, tb, tm, tx}, 3,
                  (tvm_tensor[]){C, D, E}, want, NULL, 0);
        for (int k = 0; k < 3; k++) tt_free(want[k]);
        tt_free(ta);
        tt_free(tb);
        tt_free(tm);
        tt_free(tx);
    }
    fixture_close(&f);
}

/* Index arithmetic: reversal, strided reads, floordiv/floormod on indices. */
TEST(index_arithmetic_reverse_stride_and_tiles) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr two = c64(g, 2), one = c64(g, 1), four = c64(g, 4);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, (tvm_expr[]){tvm_mul(g, n, two)});
    tvm_tensor T = tvm_placeholder(g, "T", TVM_INT16, 2, (tvm_expr[]){n, four});
    tvm_expr i = tvm_iter_var(g, "i");
    /* R[i] = A[2n - 1 - i] over 2n, S[i] = A[2i + 1] over n */
    tvm_expr n2 = tvm_mul(g, n, two);
    tvm_tensor R = tvm_compute(g, "R", 1, &n2, &i,
                               tvm_load(g, A, (tvm_expr[]){tvm_sub(g, tvm_sub(g, n2, one), i)}));
    tvm_tensor S = tvm_compute(g, "S", 1, &n, &i,
                               tvm_load(g, A, (tvm_expr[]){tvm_add(g, tvm_mul(g, i, two), one)}));
    /* F[i] = T[i / 4, i % 4] over 4n (flatten through floordiv/floormod) */
    tvm_expr n4 = tvm_mul(g, n, four);
    tvm_tensor F = tvm_compute(g, "F", 1, &n4, &i,
                               tvm_load(g, T, (tvm_expr[]){tvm_floordiv(g, i, four),
                                                           tvm_floormod(g, i, four)}));
    const int64_t sizes[] = {1, 3, 17};
    for (size_t s = 0; s < 3; s++) {
        int64_t sn = sizes[s];
        tt_tensor *ta = tt_alloc(TVM_INT64, 1, TT_SHAPE(2 * sn));
        tt_tensor *tt = tt_alloc(TVM_INT16, 2, TT_SHAPE(sn, 4));
        tt_fill_random(ta, 40 + s, -1e9, 1e9);
        tt_fill_random(tt, 50 + s, -30000, 30000);
        tt_tensor *want[3] = {tt_alloc(TVM_INT64, 1, TT_SHAPE(2 * sn)),
                              tt_alloc(TVM_INT64, 1, TT_SHAPE(sn)),
                              tt_alloc(TVM_INT16, 1, TT_SHAPE(4 * sn))};
        for (int64_t k = 0; k < 2 * sn; k++) tt_seti(want[0], k, tt_geti(ta, 2 * sn - 1 - k));
        for (int64_t k = 0; k < sn; k++) tt_seti(want[1], k, tt_geti(ta, 2 * k + 1));
        for (int64_t k = 0; k < 4 * sn; k++) tt_seti(want[2], k, tt_geti(tt, k));
        RUN_CHECK("index arithmetic", g, 2, (tvm_tensor[]){A, T}, (tt_tensor *[]){ta, tt}, 3,
                  (tvm_tensor[]){R, S, F}, want, NULL, 0);
        for (int k = 0; k < 3; k++) tt_free(want[k]);
        tt_free(ta);
        tt_free(tt);
    }
    fixture_close(&f);
}

/* ========================================================================= */
/* Reductions                                                                 */
/* ========================================================================= */

/* Tolerance of a float sum or product, by output dtype (the order of
 * combination is unspecified; narrow outputs may round either way). */
static tol reduction_tol(tvm_dtype dt) {
    switch (dt) {
    case TVM_FLOAT64: return (tol){1e-12, 1e-300};
    case TVM_FLOAT16: return (tol){2e-3, 1e-4};
    case TVM_BFLOAT16: return (tol){1.6e-2, 1e-30};
    default: return (tol){2e-5, 1e-30};
    }
}

static const tvm_reduce_kind reduce_kinds[4] = {TVM_REDUCE_SUM, TVM_REDUCE_PROD,
                                                TVM_REDUCE_MIN, TVM_REDUCE_MAX};
static const char *const reduce_names[4] = {"sum", "prod", "min", "max"};

/* B[i] = reduce over the last `naxes` dims of A (shape rows x dims...), for
 * each kind, in dtype dt. */
static void check_reduce(tvm_dtype dt, int naxes, const int64_t *dims) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    const int64_t rows = 5;
    int64_t shape[4] = {rows};
    tvm_expr sh[4] = {c64(g, rows)};
    int64_t inner = 1;
    for (int a = 0; a < naxes; a++) {
        shape[1 + a] = dims[a];
        sh[1 + a] = c64(g, dims[a]);
        inner *= dims[a];
    }
    tvm_tensor A = tvm_placeholder(g, "A", dt, 1 + naxes, sh);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr ax[3], idx[4] = {i};
    for (int a = 0; a < naxes; a++) {
        char name[8];
        snprintf(name, sizeof name, "k%d", a);
        ax[a] = tvm_reduce_axis(g, name, sh[1 + a]);
        idx[1 + a] = ax[a];
    }
    tvm_expr body = tvm_load(g, A, idx);
    tvm_tensor outs[5];
    tol tols[5];
    for (int r = 0; r < 4; r++) {
        outs[r] = tvm_compute(g, reduce_names[r], 1, sh, &i,
                              tvm_reduce(g, reduce_kinds[r], body, naxes, ax));
        bool order_free = !tt_is_float(dt) || r >= 2; /* int wrap and min/max */
        tols[r] = order_free ? EXACT : reduction_tol(dt);
    }
    outs[4] = tvm_compute(g, "sum2", 1, sh, &i, tvm_sum(g, body, naxes, ax));
    tols[4] = tols[0];

    tt_tensor *ta = tt_alloc(dt, 1 + naxes, shape);
    if (tt_is_float(dt)) {
        tt_fill_random(ta, 77 + naxes, 0.5, 1.5); /* no cancellation */
    } else {
        tt_fill_random(ta, 77 + naxes, -3, 3);
        for (int64_t k = 0; k < ta->numel; k++) /* keep products interesting */
            if (tt_geti(ta, k) == 0) tt_seti(ta, k, 2);
    }
    tt_tensor *want[5];
    for (int r = 0; r < 5; r++) want[r] = tt_alloc(dt, 1, &shape[0]);
    for (int64_t row = 0; row < rows; row++) {
        double fs = 0, fp = 1, fmn = INFINITY, fmx = -INFINITY;
        int64_t is = 0, ip = 1, imn = tt_int_max(dt), imx = tt_int_min(dt);
        for (int64_t k = 0; k < inner; k++) {
            int64_t at = row * inner + k;
            if (tt_is_float(dt)) {
                double v = tt_get(ta, at);
                fs += v;
                fp *= v;
                fmn = fmin(fmn, v);
                fmx = fmax(fmx, v);
            } else {
                int64_t v = tt_geti(ta, at);
                is = tt_wrap(dt, (int64_t)((uint64_t)is + (uint64_t)v));
                ip = tt_wrap(dt, (int64_t)((uint64_t)ip * (uint64_t)v));
                imn = v < imn ? v : imn;
                imx = v > imx ? v : imx;
            }
        }
        if (tt_is_float(dt)) {
            tt_set(want[0], row, fs);
            tt_set(want[1], row, fp);
            tt_set(want[2], row, fmn);
            tt_set(want[3], row, fmx);
            tt_set(want[4], row, fs);
        } else {
            tt_seti(want[0], row, is);
            tt_seti(want[1], row, ip);
            tt_seti(want[2], row, imn);
            tt_seti(want[3], row, imx);
            tt_seti(want[4], row, is);
        }
    }
    char what[64];
    snprintf(what, sizeof what, "reduce %s over %d axes", tt_dtype_name(dt), naxes);
    RUN_CHECK(what, g, 1, &A, &ta, 5, outs, want, tols, 0);
    for (int r = 0; r < 5; r++) tt_free(want[r]);
    tt_free(ta);
    fixture_close(&f);
}

TEST(reduce_one_axis) {
    const int64_t d[1] = {37};
    check_reduce(TVM_FLOAT32, 1, d);
    check_reduce(TVM_INT32, 1, d);
    check_reduce(TVM_FLOAT64, 1, d);
}

TEST(reduce_two_axes) {
    const int64_t d[2] = {7, 9};
    check_reduce(TVM_FLOAT32, 2, d);
    check_reduce(TVM_INT64, 2, d);
}

TEST(reduce_three_axes) {
    const int64_t d[3] = {4, 5, 6};
    check_reduce(TVM_FLOAT32, 3, d);
    check_reduce(TVM_INT32, 3, d);
    check_reduce(TVM_INT8, 3, d); /* sums and products wrap */
}

TEST(reduce_float16_input_accumulates_in_float32) {
    const int64_t d[1] = {300};
    check_reduce(TVM_FLOAT16, 1, d);
    check_reduce(TVM_BFLOAT16, 1, d);
}

/* An empty reduction yields the identity of its kind. */
TEST(empty_reduction_gives_identity) {
    const tvm_dtype dts[] = {TVM_FLOAT32, TVM_INT32, TVM_UINT8, TVM_FLOAT64};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
        tvm_dtype dt = dts[d];
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_graph *g = f.g;
        tvm_expr m = tvm_size_var(g, "m"), kx = tvm_size_var(g, "kx");
        tvm_tensor A = tvm_placeholder(g, "A", dt, 2, (tvm_expr[]){m, kx});
        tvm_expr i = tvm_iter_var(g, "i");
        tvm_expr k = tvm_reduce_axis(g, "k", kx);
        tvm_expr body = tvm_load(g, A, (tvm_expr[]){i, k});
        tvm_tensor outs[4];
        for (int r = 0; r < 4; r++)
            outs[r] = tvm_compute(g, reduce_names[r], 1, &m, &i,
                                  tvm_reduce(g, reduce_kinds[r], body, 1, &k));
        const int64_t rows = 3;
        tt_tensor *ta = tt_alloc(dt, 2, TT_SHAPE(rows, 0));
        tt_tensor *want[4];
        for (int r = 0; r < 4; r++) want[r] = tt_alloc(dt, 1, &rows);
        for (int64_t row = 0; row < rows; row++) {
            if (tt_is_float(dt)) {
                tt_set(want[0], row, 0.0);
                tt_set(want[1], row, 1.0);
                tt_set(want[2], row, INFINITY);
                tt_set(want[3], row, -INFINITY);
            } else {
                tt_seti(want[0], row, 0);
                tt_seti(want[1], row, 1);
                tt_seti(want[2], row, tt_int_max(dt));
                tt_seti(want[3], row, tt_int_min(dt));
            }
        }
        char what[64];
        snprintf(what, sizeof what, "empty reduction %s", tt_dtype_name(dt));
        RUN_CHECK(what, g, 1, &A, &ta, 4, outs, want, NULL, 0);
        for (int r = 0; r < 4; r++) tt_free(want[r]);
        tt_free(ta);
        fixture_close(&f);
    }
}

/* A 0-d output: the sum of a whole 2-d tensor, and a reduction used inside a
 * larger expression (mean = sum / count). */
TEST(scalar_output_and_reduction_inside_expression) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr r = c64(g, 6), c = c64(g, 11);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 2, (tvm_expr[]){r, c});
    tvm_expr k0 = tvm_reduce_axis(g, "k0", r), k1 = tvm_reduce_axis(g, "k1", c);
    tvm_tensor S = tvm_compute(g, "S", 0, NULL, NULL,
                               tvm_sum(g, tvm_load(g, A, (tvm_expr[]){k0, k1}), 2,
                                       (tvm_expr[]){k0, k1}));
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr kk = tvm_reduce_axis(g, "kk", c);
    tvm_expr rowsum = tvm_sum(g, tvm_cast(g, TVM_FLOAT64, tvm_load(g, A, (tvm_expr[]){i, kk})),
                              1, &kk);
    tvm_tensor M = tvm_compute(g, "M", 1, &r, &i,
                               tvm_add(g, tvm_div(g, rowsum, tvm_const_float(g, TVM_FLOAT64, 11.0)),
                                       tvm_const_float(g, TVM_FLOAT64, 0.25)));
    tt_tensor *ta = tt_alloc(TVM_INT32, 2, TT_SHAPE(6, 11));
    tt_fill_random(ta, 5, -1000, 1000);
    tt_tensor *want[2] = {tt_alloc(TVM_INT32, 0, NULL), tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(6))};
    int64_t total = 0;
    for (int64_t a = 0; a < 6; a++) {
        int64_t rs = 0;
        for (int64_t b = 0; b < 11; b++) rs += tt_geti(ta, a * 11 + b);
        total += rs;
        tt_set(want[1], a, (double)rs / 11.0 + 0.25); /* integer sums are exact in f64 */
    }
    tt_seti(want[0], 0, total);
    RUN_CHECK("scalar output", g, 1, &A, &ta, 2, (tvm_tensor[]){S, M}, want, NULL, 0);
    tt_free(want[0]);
    tt_free(want[1]);
    tt_free(ta);
    fixture_close(&f);
}

/* ========================================================================= */
/* Matmul, softmax, constants                                                 */
/* ========================================================================= */

static tvm_tensor build_matmul(tvm_graph *g, tvm_dtype dt, tvm_expr M, tvm_expr K, tvm_expr N,
                               tvm_tensor *A, tvm_tensor *B) {
    *A = tvm_placeholder(g, "A", dt, 2, (tvm_expr[]){M, K});
    *B = tvm_placeholder(g, "B", dt, 2, (tvm_expr[]){K, N});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", K);
    tvm_expr prod = tvm_mul(g, tvm_load(g, *A, (tvm_expr[]){i, k}),
                            tvm_load(g, *B, (tvm_expr[]){k, j}));
    return tvm_compute(g, "C", 2, (tvm_expr[]){M, N}, (tvm_expr[]){i, j},
                       tvm_sum(g, prod, 1, &k));
}

static void matmul_reference(const tt_tensor *a, const tt_tensor *b, tt_tensor *c, int64_t m,
                             int64_t k, int64_t n) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            if (tt_is_float(c->dtype)) {
                double s = 0;
                for (int64_t p = 0; p < k; p++) s += tt_get(a, i * k + p) * tt_get(b, p * n + j);
                tt_set(c, i * n + j, s);
            } else {
                uint64_t s = 0;
                for (int64_t p = 0; p < k; p++)
                    s += (uint64_t)tt_geti(a, i * k + p) * (uint64_t)tt_geti(b, p * n + j);
                tt_seti(c, i * n + j, (int64_t)s);
            }
        }
}

TEST(matmul_constant_shapes) {
    const tvm_dtype dts[] = {TVM_FLOAT32, TVM_INT32};
    const int64_t m = 37, k = 29, n = 41;
    for (int d = 0; d < 2; d++) {
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_tensor A, B;
        tvm_tensor C = build_matmul(f.g, dts[d], c64(f.g, m), c64(f.g, k), c64(f.g, n), &A, &B);
        tt_tensor *ta = tt_alloc(dts[d], 2, TT_SHAPE(m, k));
        tt_tensor *tb = tt_alloc(dts[d], 2, TT_SHAPE(k, n));
        double range = dts[d] == TVM_INT32 ? 1000 : 1;
        tt_fill_random(ta, 91, -range, range);
        tt_fill_random(tb, 92, -range, range);
        tt_tensor *want = tt_alloc(dts[d], 2, TT_SHAPE(m, n));
        matmul_reference(ta, tb, want, m, k, n);
        tol t = {1e-5, 1.0}; /* absolute 1e-5 for |c| < 1 */
        RUN_CHECK(dts[d] == TVM_INT32 ? "matmul int32" : "matmul float32", f.g, 2,
                  (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 1, &C, &want, &t, 0);
        tt_free(want);
        tt_free(ta);
        tt_free(tb);
        fixture_close(&f);
    }
}

TEST(matmul_symbolic_shapes) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_tensor A, B;
    tvm_tensor C = build_matmul(g, TVM_FLOAT32, tvm_size_var(g, "M"), tvm_size_var(g, "K"),
                                tvm_size_var(g, "N"), &A, &B);
    const int64_t shapes[][3] = {{1, 1, 1}, {8, 16, 32}, {13, 70, 3}, {4, 0, 5}};
    for (size_t s = 0; s < 4; s++) {
        int64_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        tt_tensor *ta = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(m, k));
        tt_tensor *tb = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(k, n));
        tt_fill_random(ta, 100 + s, -1, 1);
        tt_fill_random(tb, 200 + s, -1, 1);
        tt_tensor *want = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(m, n));
        matmul_reference(ta, tb, want, m, k, n);
        tol t = {1e-5, 1.0};
        RUN_CHECK("matmul symbolic", g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 1, &C,
                  &want, &t, 0);
        tt_free(want);
        tt_free(ta);
        tt_free(tb);
    }
    fixture_close(&f);
}

/* softmax over rows written by hand: max-reduce, exp, sum, divide. */
TEST(softmax_by_hand) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr R = tvm_size_var(g, "rows"), Cn = tvm_size_var(g, "cols");
    tvm_expr rc[2] = {R, Cn};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, rc);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr ij[2] = {i, j};
    tvm_expr k = tvm_reduce_axis(g, "k", Cn);
    tvm_tensor Mx = tvm_compute(g, "rowmax", 1, &R, &i,
                                tvm_reduce(g, TVM_REDUCE_MAX,
                                           tvm_load(g, X, (tvm_expr[]){i, k}), 1, &k));
    tvm_tensor E = tvm_compute(g, "e", 2, rc, ij,
                               tvm_exp(g, tvm_sub(g, tvm_load(g, X, ij), tvm_load(g, Mx, &i))));
    tvm_expr k2 = tvm_reduce_axis(g, "k2", Cn);
    tvm_tensor S = tvm_compute(g, "rowsum", 1, &R, &i,
                               tvm_sum(g, tvm_load(g, E, (tvm_expr[]){i, k2}), 1, &k2));
    tvm_tensor Y = tvm_compute(g, "softmax", 2, rc, ij,
                               tvm_div(g, tvm_load(g, E, ij), tvm_load(g, S, &i)));
    const int64_t shapes[][2] = {{7, 129}, {1, 1}, {3, 1000}};
    for (size_t s = 0; s < 3; s++) {
        int64_t rows = shapes[s][0], cols = shapes[s][1];
        tt_tensor *tx = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(rows, cols));
        tt_fill_random(tx, 300 + s, -8, 8);
        tt_tensor *want = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(rows, cols));
        for (int64_t a = 0; a < rows; a++) {
            double mx = -INFINITY, sum = 0;
            for (int64_t b = 0; b < cols; b++) mx = fmax(mx, tt_get(tx, a * cols + b));
            for (int64_t b = 0; b < cols; b++) sum += exp(tt_get(tx, a * cols + b) - mx);
            for (int64_t b = 0; b < cols; b++)
                tt_set(want, a * cols + b, exp(tt_get(tx, a * cols + b) - mx) / sum);
        }
        tol t = {2e-5, 1e-30};
        RUN_CHECK("softmax", g, 1, &X, &tx, 1, &Y, &want, &t, 0);
        RUN_CHECK("softmax no-inline", g, 1, &X, &tx, 1, &Y, &want, &t, TVM_COMPILE_NO_INLINE);
        tt_free(want);
        tt_free(tx);
    }
    fixture_close(&f);
}

TEST(constant_tensor_in_a_compute) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    enum { ROWS = 4, COLS = 3 };
    const float w[ROWS * COLS] = {1, -2, 0.5f, 3, 0, -1, 2.25f, 4, -8, 0.125f, 7, 1};
    const int32_t bias[ROWS] = {10, -20, 30, -40};
    tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 2, (const int64_t[]){ROWS, COLS}, w);
    tvm_tensor Bc = tvm_constant(g, "bias", TVM_INT32, 1, (const int64_t[]){ROWS}, bias);
    tvm_expr rows = c64(g, ROWS), cols = c64(g, COLS);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &cols);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr k = tvm_reduce_axis(g, "k", cols);
    /* Y[i] = sum_k W[i,k] * X[k] + float(bias[i]) */
    tvm_expr dot = tvm_sum(g, tvm_mul(g, tvm_load(g, W, (tvm_expr[]){i, k}), tvm_load(g, X, &k)),
                           1, &k);
    tvm_tensor Y = tvm_compute(g, "Y", 1, &rows, &i,
                               tvm_add(g, dot, tvm_cast(g, TVM_FLOAT32, tvm_load(g, Bc, &i))));
    /* Z[i] = bias[i] * 3 (a constant tensor read elementwise) */
    tvm_tensor Z = tvm_compute(g, "Z", 1, &rows, &i,
                               tvm_mul(g, tvm_load(g, Bc, &i), tvm_const_int(g, TVM_INT32, 3)));
    tt_tensor *tx = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(COLS));
    tt_set(tx, 0, 2.0);
    tt_set(tx, 1, -1.0);
    tt_set(tx, 2, 4.0);
    tt_tensor *want[2] = {tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(ROWS)),
                          tt_alloc(TVM_INT32, 1, TT_SHAPE(ROWS))};
    for (int r = 0; r < ROWS; r++) {
        double s = 0;
        for (int c = 0; c < COLS; c++) s += (double)w[r * COLS + c] * tt_get(tx, c);
        tt_set(want[0], r, s + bias[r]); /* every partial sum is exact */
        tt_seti(want[1], r, bias[r] * 3);
    }
    RUN_CHECK("constant tensor", g, 1, &X, &tx, 2, (tvm_tensor[]){Y, Z}, want, NULL, 0);
    tt_free(want[0]);
    tt_free(want[1]);
    tt_free(tx);
    fixture_close(&f);
}

/* ========================================================================= */
/* Symbolic shapes and the function API                                       */
/* ========================================================================= */

/* relu(A + B) over a symbolic n: the quickstart kernel. */
static tvm_tensor build_add_relu(tvm_graph *g, tvm_tensor *A, tvm_tensor *B) {
    tvm_expr n = tvm_size_var(g, "n");
    *A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    *B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_load(g, *A, &i), tvm_load(g, *B, &i)),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    return tvm_compute(g, "C", 1, &n, &i, body);
}

static void add_relu_reference(const tt_tensor *a, const tt_tensor *b, tt_tensor *c) {
    for (int64_t k = 0; k < c->numel; k++) {
        float s = (float)tt_get(a, k) + (float)tt_get(b, k);
        tt_set(c, k, s > 0 ? s : 0.0f);
    }
}

static uint64_t stat(tvm_context *ctx, int which) {
    tvm_cache_stats s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    if (tvm_context_stats(ctx, &s) != TVM_OK) return UINT64_MAX;
    switch (which) {
    case 0: return s.functions_compiled;
    case 1: return s.function_cache_hits;
    case 2: return s.kernels_compiled;
    case 3: return s.kernel_cache_hits;
    default: return s.kernel_cache_evictions;
    }
}
enum { ST_FN_COMPILED, ST_FN_HITS, ST_K_COMPILED, ST_K_HITS, ST_K_EVICT };

TEST(one_symbolic_function_five_shapes) {
    const int64_t sizes[5] = {0, 1, 17, 33, 1000};
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_tensor A, B;
        tvm_tensor C = build_add_relu(f.g, &A, &B);
        tvm_function *fn = NULL;
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        CHECK_OK_OR_RETURN(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn));
        uint64_t k0 = stat(f.ctx, ST_K_COMPILED);
        for (int round = 0; round < 2; round++) {
            uint64_t before = stat(f.ctx, ST_K_COMPILED);
            for (int s = 0; s < 5; s++) {
                int64_t n = sizes[s];
                tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, &n), *tb = tt_alloc(TVM_FLOAT32, 1, &n);
                tt_tensor *tc = tt_alloc(TVM_FLOAT32, 1, &n), *want = tt_alloc(TVM_FLOAT32, 1, &n);
                tt_fill_random(ta, 7 * s + round, -5, 5);
                tt_fill_random(tb, 9 * s + round, -5, 5);
                tt_fill_bytes(tc, 0xcd);
                add_relu_reference(ta, tb, want);
                int64_t shape_out[TVM_MAX_NDIM];
                int nd = -1;
                CHECK_OK(tvm_function_output_shape(fn, (DLTensor *[]){&ta->dl, &tb->dl}, 0,
                                                   shape_out, &nd));
                CHECK_EQ_INT(nd, 1);
                CHECK_EQ_INT(shape_out[0], n);
                CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&ta->dl, &tb->dl, &tc->dl}, 3));
                int64_t d = tt_first_bit_diff(tc, want);
                if (d >= 0)
                    check_fail(__FILE__, __LINE__, "[%s] n=%lld: %s", tt_targets[t],
                               (long long)n, tt_describe_diff(tc, want, d));
                tt_free(ta);
                tt_free(tb);
                tt_free(tc);
                tt_free(want);
            }
            if (round == 1) /* the second round reuses every specialisation */
                CHECK_EQ_INT(stat(f.ctx, ST_K_COMPILED), before);
        }
        CHECK(stat(f.ctx, ST_K_COMPILED) - k0 >= 4); /* one per shape (n = 0 may skip) */
        CHECK(stat(f.ctx, ST_K_HITS) >= 4);
        if (t == 0) {
            const char *kinds[] = {"loop", "llvm", "asm", "graph"};
            for (int k = 0; k < 4; k++) {
                char *text = NULL;
                CHECK_OK(tvm_function_source(fn, kinds[k], &text));
                CHECK(text != NULL && strlen(text) > 0);
                if (text && k == 1) CHECK_STR_CONTAINS(text, "define");
                tvm_free(text);
            }
        }
        tvm_function_release(fn);
        fixture_close(&f);
    }
}

/* The "llvm" and "asm" texts are made again from the kernel's program when
 * asked for: asking twice gives the same text, and a program compiled as
 * several modules (a 3x3 convolution over 64 channels: its padding and its
 * convolution nests) shows every module in both texts. */
static char *source_of(tvm_function *fn, const char *kind) {
    char *text = NULL;
    CHECK_OK(tvm_function_source(fn, kind, &text));
    return text;
}

/* Whether a line of IR text that begins with "define" names sym. */
static bool defines(const char *ir, const char *sym) {
    for (const char *l = ir; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *end = strchr(l, '\n'), *at = strstr(l, sym);
        if (strncmp(l, "define", 6) == 0 && at && (!end || at < end)) return true;
    }
    return false;
}

TEST(source_texts_made_on_request) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    int64_t sx[4] = {1, 64, 56, 56}, sw[4] = {64, 64, 3, 3};
    float *w = calloc(64 * 64 * 9, sizeof *w);
    CHECK_OR_RETURN(w != NULL);
    for (int q = 0; q < 64 * 64 * 9; q++) w[q] = (float)(q % 7) - 3.0f;
    tvm_expr s[4];
    for (int d = 0; d < 4; d++) s[d] = c64(g, sx[d]);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, s);
    tvm_tensor wt = tvm_constant(g, "w", TVM_FLOAT32, 4, sw, w);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = 1, .strides = {1, 1},
                         .pads = {1, 1, 1, 1}};
    tvm_tensor y = tvm_op_conv2d(g, x, wt, (tvm_tensor){0}, &at);
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 1, &x, 1, &y, NULL, &fn));
    free(w);
    if (!fn) {
        fixture_close(&f);
        return;
    }
    char *ll = source_of(fn, "llvm"), *ll2 = source_of(fn, "llvm");
    char *as = source_of(fn, "asm"), *as2 = source_of(fn, "asm");
    if (ll && ll2 && as && as2) {
        CHECK_STR_CONTAINS(ll, "define");
        CHECK(strcmp(ll, ll2) == 0);
        CHECK(strcmp(as, as2) == 0);
        /* the modules that define the nests, not only the one that calls them */
        CHECK(defines(ll, ".part0("));
        CHECK(defines(ll, ".part1("));
        CHECK_STR_CONTAINS(as, ".part0:");
        CHECK_STR_CONTAINS(as, ".part1:");
    }
    tvm_free(ll), tvm_free(ll2), tvm_free(as), tvm_free(as2);
    tvm_function_release(fn);
    fixture_close(&f);
}

/* A big program (4096 nodes or more) is compiled as several modules, one per
 * part of its body, even when some of its top-level statements share local
 * buffers: a matmul with 4 rows and a column remainder (N = 100: two
 * overlapping 64-column panels) is blocked into statements that share
 * their accumulators, next to a 3x3 convolution over 64 channels. Those
 * statements must stay in one part (each module has its own frame: split
 * apart, a part would read accumulators it never set), the rest is split;
 * results are compared with the interpreter. */
TEST(big_program_with_shared_locals_is_split) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    enum { M = 4, N = 100, K = 64 };
    tt_tensor *wm = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(K, N));
    tt_tensor *wc = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(64, 64, 3, 3));
    tt_tensor *in[2] = {tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)),
                        tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 64, 28, 28))};
    tt_tensor *out[2][2];
    for (int r = 0; r < 2; r++) {
        out[r][0] = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
        out[r][1] = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 64, 28, 28));
    }
    CHECK_OR_RETURN(wm && wc && in[0] && in[1] && out[0][0] && out[0][1] && out[1][0] &&
                    out[1][1]);
    tt_fill_random(wm, 1, -1, 1);
    tt_fill_random(wc, 2, -1, 1);
    tt_fill_random(in[0], 3, -1, 1);
    tt_fill_random(in[1], 4, -1, 1);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){c64(g, M), c64(g, K)});
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4,
                                   (tvm_expr[]){c64(g, 1), c64(g, 64), c64(g, 28), c64(g, 28)});
    tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 2, (int64_t[]){K, N}, wm->dl.data);
    tvm_tensor C = tvm_constant(g, "C", TVM_FLOAT32, 4, (int64_t[]){64, 64, 3, 3}, wc->dl.data);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = 1, .strides = {1, 1},
                         .pads = {1, 1, 1, 1}};
    tvm_tensor outs[2] = {tvm_op_matmul(g, A, W, 0, 0),
                          tvm_op_conv2d(g, x, C, (tvm_tensor){0}, &at)};
    tvm_tensor ins[2] = {A, x};
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    const char *targets[2] = {"interp", "llvm"};
    char *ll = NULL;
    for (int r = 0; r < 2; r++) {
        tvm_compile_options o = tt_options(targets[r], 0, 0);
        tvm_function *fn = NULL;
        CHECK_OK(tvm_compile(g, 2, ins, 2, outs, &o, &fn));
        if (!fn) continue;
        DLTensor *dl[4] = {&in[0]->dl, &in[1]->dl, &out[r][0]->dl, &out[r][1]->dl};
        CHECK_OK(tvm_function_call(fn, dl, 4));
        if (r == 1) ll = source_of(fn, "llvm");
        tvm_function_release(fn);
    }
    /* the caller and at least three parts: the two panels' statements, the
     * convolution's */
    CHECK(ll && defines(ll, ".part0(") && defines(ll, ".part1(") && defines(ll, ".part2("));
    tvm_free(ll);
    for (int k = 0; k < 2; k++)
        compare_outputs(__LINE__, "split program", "llvm", k, out[1][k], out[0][k],
                        (tol){1e-5, 1e-3}, "interp");
    tt_free(wm), tt_free(wc), tt_free(in[0]), tt_free(in[1]);
    for (int r = 0; r < 2; r++) tt_free(out[r][0]), tt_free(out[r][1]);
    fixture_close(&f);
}

TEST(output_shape_from_input_shapes) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 1, &m);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_INT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr two = c64(g, 2);
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){m, n}, (tvm_expr[]){i, j},
                               tvm_sub(g, tvm_load(g, A, &i), tvm_load(g, B, &j)));
    /* D has 2m + 1 elements: D[i] = A[i / 2] for i < 2m, else 0 (guarded) */
    tvm_expr len = tvm_add(g, tvm_mul(g, m, two), c64(g, 1));
    tvm_expr guard = tvm_lt(g, i, tvm_mul(g, m, two));
    tvm_tensor D = tvm_compute(g, "D", 1, &len, &i,
                               tvm_select(g, guard,
                                          tvm_load(g, A, (tvm_expr[]){tvm_floordiv(g, i, two)}),
                                          tvm_const_int(g, TVM_INT32, 0)));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 2, (tvm_tensor[]){C, D}, NULL, &fn));
    tt_tensor *ta = tt_alloc(TVM_INT32, 1, TT_SHAPE(6)), *tb = tt_alloc(TVM_INT32, 1, TT_SHAPE(9));
    int64_t shape[TVM_MAX_NDIM];
    int nd = -1;
    CHECK_OK(tvm_function_output_shape(fn, (DLTensor *[]){&ta->dl, &tb->dl}, 0, shape, &nd));
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_INT(shape[0], 6);
    CHECK_EQ_INT(shape[1], 9);
    CHECK_OK(tvm_function_output_shape(fn, (DLTensor *[]){&ta->dl, &tb->dl}, 1, shape, &nd));
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(shape[0], 13);
    /* run it too */
    tt_fill_random(ta, 1, -50, 50);
    tt_fill_random(tb, 2, -50, 50);
    tt_tensor *want[2] = {tt_alloc(TVM_INT32, 2, TT_SHAPE(6, 9)), tt_alloc(TVM_INT32, 1, TT_SHAPE(13))};
    for (int64_t a = 0; a < 6; a++)
        for (int64_t b = 0; b < 9; b++) tt_seti(want[0], a * 9 + b, tt_geti(ta, a) - tt_geti(tb, b));
    for (int64_t a = 0; a < 13; a++) tt_seti(want[1], a, a < 12 ? tt_geti(ta, a / 2) : 0);
    RUN_CHECK("output shapes", g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 2,
              (tvm_tensor[]){C, D}, want, NULL, 0);
    tt_free(want[0]);
    tt_free(want[1]);
    tt_free(ta);
    tt_free(tb);
    tvm_function_release(fn);
    fixture_close(&f);
}

/* A size variable that appears only in an output's shape is bound from it. */
TEST(size_var_bound_from_output) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n"), r = tvm_size_var(g, "r");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    /* C[j, i] = A[i] + j, with r rows chosen by the caller's output */
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){r, n}, (tvm_expr[]){j, i},
                               tvm_add(g, tvm_load(g, A, &i), tvm_cast(g, TVM_FLOAT32, j)));
    tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(5));
    tt_fill_random(ta, 3, -1, 1);
    tt_tensor *want = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(3, 5));
    for (int64_t a = 0; a < 3; a++)
        for (int64_t b = 0; b < 5; b++) tt_set(want, a * 5 + b, (float)tt_get(ta, b) + (float)a);
    RUN_CHECK("size var from output", g, 1, &A, &ta, 1, &C, &want, NULL, 0);
    tt_free(want);
    tt_free(ta);
    fixture_close(&f);
}

TEST(compile_cache_returns_the_same_function) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_tensor A, B;
    tvm_tensor C = build_add_relu(f.g, &A, &B);
    tvm_function *f1 = NULL, *f2 = NULL, *f3 = NULL, *f4 = NULL, *f5 = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, NULL, &f1));
    CHECK_EQ_INT(stat(f.ctx, ST_FN_COMPILED), 1);
    CHECK_OK(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, NULL, &f2));
    CHECK(f1 == f2);
    CHECK_EQ_INT(stat(f.ctx, ST_FN_HITS), 1);
    /* a structurally identical graph built separately hits the cache too */
    tvm_graph *g2 = tvm_graph_create(f.ctx);
    tvm_tensor A2, B2;
    tvm_tensor C2 = build_add_relu(g2, &A2, &B2);
    CHECK_OK(tvm_compile(g2, 2, (tvm_tensor[]){A2, B2}, 1, &C2, NULL, &f3));
    CHECK(f3 == f1);
    tvm_graph_destroy(g2);
    /* NO_CACHE builds a new function */
    tvm_compile_options nc = tt_options(NULL, 0, TVM_COMPILE_NO_CACHE);
    CHECK_OK(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, &nc, &f4));
    CHECK(f4 != NULL && f4 != f1);
    /* another target is another function */
    tvm_compile_options in = tt_options("interp", 0, 0);
    CHECK_OK(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, &in, &f5));
    CHECK(f5 != NULL && f5 != f1);
    /* every reference is released separately; the function works until the last */
    tvm_function_release(f1);
    tvm_function_release(f2);
    tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3)), *tb = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
    tt_tensor *tc = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3)), *want = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
    tt_fill_random(ta, 1, -1, 1);
    tt_fill_random(tb, 2, -1, 1);
    add_relu_reference(ta, tb, want);
    if (f3) {
        CHECK_OK(tvm_function_call(f3, (DLTensor *[]){&ta->dl, &tb->dl, &tc->dl}, 3));
        CHECK(tt_first_bit_diff(tc, want) < 0);
    }
    tvm_function_release(f3);
    tvm_function_release(f4);
    tvm_function_release(f5);
    tt_free(ta);
    tt_free(tb);
    tt_free(tc);
    tt_free(want);
    fixture_close(&f);
}

/* Y = X + C for a constant C of n floats holding data. */
static tvm_tensor build_add_const(tvm_graph *g, int64_t n, const float *data, tvm_tensor *X) {
    tvm_expr dn = c64(g, n), i = tvm_iter_var(g, "i");
    *X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &dn);
    tvm_tensor C = tvm_constant(g, "C", TVM_FLOAT32, 1, &n, data);
    return tvm_compute(g, "Y", 1, &dn, &i, tvm_add(g, tvm_load(g, *X, &i), tvm_load(g, C, &i)));
}

/* Runs fn on x = 0..n-1 and checks y = x + want. */
static void check_add_const(tvm_function *fn, int64_t n, const float *want) {
    tt_tensor *tx = tt_alloc(TVM_FLOAT32, 1, &n), *ty = tt_alloc(TVM_FLOAT32, 1, &n);
    for (int64_t k = 0; k < n; k++) tt_set(tx, k, (double)k);
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&tx->dl, &ty->dl}, 2));
    int64_t bad = -1;
    for (int64_t k = 0; k < n && bad < 0; k++)
        if (tt_get(ty, k) != (double)((float)k + want[k])) bad = k;
    CHECK_EQ_INT(bad, -1);
    tt_free(tx);
    tt_free(ty);
}

TEST(constants_key_the_compile_cache_by_their_bytes) {
    /* 203 floats = 25 hashed 32-byte stripes, one 8-byte word and 4 bytes:
     * a change in any part must give another function; equal bytes in
     * another graph (another allocation) the same one. Every function
     * keeps working after its graph is gone (the bytes are shared, not
     * copied). */
    enum { N = 203 };
    static float d[N], e[N], f2[N], h[N];
    for (int k = 0; k < N; k++) d[k] = (float)(k % 17) * 0.25f - 1.0f;
    memcpy(e, d, sizeof d);
    memcpy(f2, d, sizeof d);
    memcpy(h, d, sizeof d);
    ((unsigned char *)e)[sizeof e - 1] ^= 0x01; /* the last tail byte */
    f2[101] = -f2[101] + 0.5f;                  /* a stripe word */
    h[200] += 1.0f;                             /* the tail word */
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx != NULL);
    const float *datas[4] = {d, e, f2, h};
    tvm_function *fns[5] = {0};
    for (int v = 0; v < 5; v++) {
        tvm_graph *g = tvm_graph_create(ctx);
        tvm_tensor X, Y = build_add_const(g, N, datas[v % 4], &X);
        CHECK_OK(tvm_compile(g, 1, &X, 1, &Y, NULL, &fns[v]));
        tvm_graph_destroy(g);
    }
    CHECK(fns[4] == fns[0]); /* the same bytes, made again */
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++) CHECK(fns[a] != fns[b]);
    for (int v = 0; v < 4; v++)
        if (fns[v]) check_add_const(fns[v], N, datas[v]);
    for (int v = 0; v < 5; v++) tvm_function_release(fns[v]);
    tvm_context_destroy(ctx);
}

/* A fixed-shape, reduction-free kernel: every opt level, NO_INLINE and an
 * explicit CPU name give the same bits. */
TEST(opt_levels_no_inline_and_mcpu_agree) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    const int64_t n = 1031;
    tvm_expr N = c64(g, n);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &N);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &N);
    tvm_tensor Cc = tvm_placeholder(g, "Cc", TVM_FLOAT32, 1, &N);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i), c = tvm_load(g, Cc, &i);
    /* T1 = a*b + c ; T2 = T1 / (|a| + 1) - floor(b) ; out = max(min(T2, 50), -50) */
    tvm_tensor T1 = tvm_compute(g, "T1", 1, &N, &i, tvm_add(g, tvm_mul(g, a, b), c));
    tvm_expr t1 = tvm_load(g, T1, &i);
    tvm_tensor T2 = tvm_compute(g, "T2", 1, &N, &i,
                                tvm_sub(g, tvm_div(g, t1, tvm_add(g, tvm_abs(g, a),
                                                                  tvm_const_float(g, TVM_FLOAT32, 1))),
                                        tvm_floor(g, b)));
    tvm_expr t2 = tvm_load(g, T2, &i);
    tvm_tensor O = tvm_compute(g, "O", 1, &N, &i,
                               tvm_max(g, tvm_min(g, t2, tvm_const_float(g, TVM_FLOAT32, 50)),
                                       tvm_const_float(g, TVM_FLOAT32, -50)));
    tt_tensor *in[3] = {tt_alloc(TVM_FLOAT32, 1, &n), tt_alloc(TVM_FLOAT32, 1, &n),
                        tt_alloc(TVM_FLOAT32, 1, &n)};
    for (int k = 0; k < 3; k++) tt_fill_random(in[k], 500 + k, -100, 100);
    tt_tensor *want = tt_alloc(TVM_FLOAT32, 1, &n);
    for (int64_t k = 0; k < n; k++) {
        float x = (float)tt_get(in[0], k), y = (float)tt_get(in[1], k), z = (float)tt_get(in[2], k);
        float p = x * y;
        float s1 = p + z;
        float den = fabsf(x) + 1.0f;
        float q = s1 / den;
        float s2 = q - floorf(y);
        float r = s2 < 50 ? s2 : 50;
        r = r > -50 ? r : -50;
        tt_set(want, k, r);
    }
    const int32_t levels[] = {TVM_OPT_O0, TVM_OPT_O1, TVM_OPT_O2, TVM_OPT_O3, TVM_OPT_DEFAULT};
    for (size_t l = 0; l < 5; l++) {
        for (int flags = 0; flags < 2; flags++) {
            tt_tensor *got = tt_alloc(TVM_FLOAT32, 1, &n);
            tvm_compile_options o = tt_options("llvm", levels[l],
                                               flags ? TVM_COMPILE_NO_INLINE : 0);
            CHECK_OK(tt_compile_run(g, 3, (tvm_tensor[]){A, B, Cc}, 1, &O, &o,
                                    (tt_tensor *[]){in[0], in[1], in[2], got}));
            int64_t d = tt_first_bit_diff(got, want);
            if (d >= 0)
                check_fail(__FILE__, __LINE__, "opt level %d flags %d: %s", levels[l], flags,
                           tt_describe_diff(got, want, d));
            tt_free(got);
        }
    }
    RUN_CHECK("no-inline both targets", g, 3, (tvm_tensor[]){A, B, Cc}, in, 1, &O, &want, NULL,
              TVM_COMPILE_NO_INLINE);
    /* intermediates as outputs too */
    tt_tensor *w3[3] = {tt_alloc(TVM_FLOAT32, 1, &n), tt_alloc(TVM_FLOAT32, 1, &n), want};
    for (int64_t k = 0; k < n; k++) {
        float x = (float)tt_get(in[0], k), y = (float)tt_get(in[1], k), z = (float)tt_get(in[2], k);
        float p = x * y;
        float s1 = p + z;
        float den = fabsf(x) + 1.0f;
        tt_set(w3[0], k, s1);
        tt_set(w3[1], k, s1 / den - floorf(y));
    }
    RUN_CHECK("intermediates as outputs", g, 3, (tvm_tensor[]){A, B, Cc}, in, 3,
              (tvm_tensor[]){T1, T2, O}, w3, NULL, 0);
#if defined(__x86_64__)
    {
        tt_tensor *got = tt_alloc(TVM_FLOAT32, 1, &n);
        tvm_compile_options o = tt_options("llvm -mcpu=x86-64", 0, 0);
        CHECK_OK(tt_compile_run(g, 3, (tvm_tensor[]){A, B, Cc}, 1, &O, &o,
                                (tt_tensor *[]){in[0], in[1], in[2], got}));
        CHECK(tt_first_bit_diff(got, want) < 0);
        tt_free(got);
    }
#endif
    tt_free(w3[0]);
    tt_free(w3[1]);
    tt_free(want);
    for (int k = 0; k < 3; k++) tt_free(in[k]);
    fixture_close(&f);
}

/* Reductions at every opt level agree within a tolerance. */
TEST(opt_levels_agree_on_a_reduction) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_tensor A, B;
    tvm_tensor C = build_matmul(f.g, TVM_FLOAT32, c64(f.g, 9), c64(f.g, 300), c64(f.g, 5), &A, &B);
    tt_tensor *ta = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(9, 300));
    tt_tensor *tb = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(300, 5));
    tt_fill_random(ta, 1, -1, 1);
    tt_fill_random(tb, 2, -1, 1);
    tt_tensor *want = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(9, 5));
    matmul_reference(ta, tb, want, 9, 300, 5);
    const int32_t levels[] = {TVM_OPT_O0, TVM_OPT_O1, TVM_OPT_O2, TVM_OPT_O3};
    for (int l = 0; l < 4; l++) {
        tt_tensor *got = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(9, 5));
        tt_tensor *again = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(9, 5));
        tvm_compile_options o = tt_options("llvm", levels[l], 0);
        tvm_function *fn = NULL;
        CHECK_OK(tvm_compile(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn));
        if (fn) {
            CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&ta->dl, &tb->dl, &got->dl}, 3));
            CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&ta->dl, &tb->dl, &again->dl}, 3));
        }
        CHECK(tt_max_rel_diff(got, want, 1.0) <= 1e-5);
        CHECK(tt_first_bit_diff(got, again) < 0); /* same function, same bits */
        tvm_function_release(fn);
        tt_free(got);
        tt_free(again);
    }
    tvm_compile_options fm = tt_options("llvm", 0, TVM_COMPILE_FAST_MATH);
    tt_tensor *got = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(9, 5));
    CHECK_OK(tt_compile_run(f.g, 2, (tvm_tensor[]){A, B}, 1, &C, &fm,
                            (tt_tensor *[]){ta, tb, got}));
    CHECK(tt_max_rel_diff(got, want, 1.0) <= 1e-5);
    tt_free(got);
    tt_free(want);
    tt_free(ta);
    tt_free(tb);
    fixture_close(&f);
}

/* select(i > 0, A[i-1], 0) never reads A[-1]. */
TEST(guarded_read_shifts_right) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr prev = tvm_load(g, A, (tvm_expr[]){tvm_sub(g, i, c64(g, 1))});
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                               tvm_select(g, tvm_gt(g, i, c64(g, 0)), prev,
                                          tvm_const_float(g, TVM_FLOAT32, 0)));
    const int64_t sizes[] = {1, 2, 100};
    for (int s = 0; s < 3; s++) {
        int64_t sn = sizes[s];
        tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, &sn);
        tt_fill_random(ta, 9 + s, -3, 3);
        tt_tensor *want = tt_alloc(TVM_FLOAT32, 1, &sn);
        for (int64_t k = 0; k < sn; k++) tt_set(want, k, k > 0 ? tt_get(ta, k - 1) : 0.0);
        RUN_CHECK("guarded read", g, 1, &A, &ta, 1, &B, &want, NULL, 0);
        tt_free(want);
        tt_free(ta);
    }
    fixture_close(&f);
}

/* C[i] = A[B[i]]: a data-dependent gather, checked where it happens. */
TEST(gather_in_range_and_out_of_range) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_graph *g = f.g;
        tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT64, 1, &m);
        tvm_tensor Idx = tvm_placeholder(g, "Idx", TVM_INT32, 1, &n);
        tvm_expr i = tvm_iter_var(g, "i");
        tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                                   tvm_load(g, A, (tvm_expr[]){tvm_load(g, Idx, &i)}));
        tvm_function *fn = NULL;
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        CHECK_OK_OR_RETURN(tvm_compile(g, 2, (tvm_tensor[]){A, Idx}, 1, &C, &o, &fn));
        tt_tensor *ta = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(10));
        tt_tensor *ti = tt_alloc(TVM_INT32, 1, TT_SHAPE(25));
        tt_tensor *tc = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(25));
        for (int k = 0; k < 10; k++) tt_set(ta, k, k * 1.5 - 3);
        for (int k = 0; k < 25; k++) tt_seti(ti, k, (k * 7) % 10);
        DLTensor *args[3] = {&ta->dl, &ti->dl, &tc->dl};
        CHECK_OK(tvm_function_call(fn, args, 3));
        for (int k = 0; k < 25; k++) CHECK(tt_get(tc, k) == ((k * 7) % 10) * 1.5 - 3);
        tt_seti(ti, 13, 10); /* one past the end */
        CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_OUT_OF_BOUNDS, "A", "0");
        tt_seti(ti, 13, -1);
        CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_OUT_OF_BOUNDS, "A", "0");
        tt_seti(ti, 13, 3);
        CHECK_OK(tvm_function_call(fn, args, 3)); /* the function still works */
        tvm_function_release(fn);
        tt_free(ta);
        tt_free(ti);
        tt_free(tc);
        fixture_close(&f);
    }
}

/* Integer division by zero inside a kernel returns 0 instead of trapping,
 * also in a loop the backend may vectorise. */
TEST(integer_division_by_zero_never_traps) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_INT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i);
    tvm_tensor outs[4] = {tvm_compute(g, "D", 1, &n, &i, tvm_div(g, a, b)),
                          tvm_compute(g, "M", 1, &n, &i, tvm_mod(g, a, b)),
                          tvm_compute(g, "FD", 1, &n, &i, tvm_floordiv(g, a, b)),
                          tvm_compute(g, "FM", 1, &n, &i, tvm_floormod(g, a, b))};
    const int64_t len = 1000;
    tt_tensor *ta = tt_alloc(TVM_INT32, 1, &len), *tb = tt_alloc(TVM_INT32, 1, &len);
    tt_fill_random(ta, 3, -1000000, 1000000);
    tt_fill_random(tb, 4, -3, 3);
    tt_seti(ta, 5, INT32_MIN);
    tt_seti(tb, 5, -1);
    tt_tensor *want[4];
    const int ops[4] = {OP_DIV, OP_MOD, OP_FLOORDIV, OP_FLOORMOD};
    for (int o = 0; o < 4; o++) {
        want[o] = tt_alloc(TVM_INT32, 1, &len);
        for (int64_t k = 0; k < len; k++)
            tt_seti(want[o], k, ref_int_binop(ops[o], TVM_INT32, tt_geti(ta, k), tt_geti(tb, k)));
    }
    RUN_CHECK("division by zero", g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 4, outs,
              want, NULL, 0);
    for (int o = 0; o < 4; o++) tt_free(want[o]);
    tt_free(ta);
    tt_free(tb);
    fixture_close(&f);
}

/* Functions stay valid after their context is destroyed. */
TEST(function_outlives_its_context) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = c64(g, 64);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               tvm_mul(g, tvm_load(g, A, &i), tvm_const_int(g, TVM_INT64, -3)));
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 1, &A, 1, &C, NULL, &fn));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
    if (!fn) return;
    tt_tensor *ta = tt_alloc(TVM_INT64, 1, TT_SHAPE(64)), *tc = tt_alloc(TVM_INT64, 1, TT_SHAPE(64));
    tt_fill_random(ta, 8, -1e6, 1e6);
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&ta->dl, &tc->dl}, 2));
    for (int k = 0; k < 64; k++) CHECK(tt_geti(tc, k) == tt_geti(ta, k) * -3);
    tvm_function_release(fn);
    tt_free(ta);
    tt_free(tc);
}

/* Larger than any vector width and any tile: 3-d elementwise over odd sizes
 * with a size variable in every position. */
TEST(three_d_elementwise_odd_sizes) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr d0 = tvm_size_var(g, "d0"), d1 = tvm_size_var(g, "d1"), d2 = tvm_size_var(g, "d2");
    tvm_expr sh[3] = {d0, d1, d2};
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT64, 3, sh);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_UINT8, 3, sh);
    tvm_expr it[3] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j"), tvm_iter_var(g, "k")};
    tvm_expr e = tvm_mul(g, tvm_load(g, A, it), tvm_cast(g, TVM_FLOAT64, tvm_load(g, B, it)));
    tvm_tensor C = tvm_compute(g, "C", 3, sh, it, e);
    const int64_t shapes[][3] = {{3, 5, 7}, {1, 1, 1}, {2, 0, 3}, {9, 11, 65}};
    for (int s = 0; s < 4; s++) {
        tt_tensor *ta = tt_alloc(TVM_FLOAT64, 3, shapes[s]);
        tt_tensor *tb = tt_alloc(TVM_UINT8, 3, shapes[s]);
        tt_fill_random(ta, 60 + s, -1e3, 1e3);
        tt_fill_random(tb, 70 + s, 0, 255);
        tt_tensor *want = tt_alloc(TVM_FLOAT64, 3, shapes[s]);
        for (int64_t k = 0; k < want->numel; k++)
            tt_set(want, k, tt_get(ta, k) * (double)tt_geti(tb, k));
        RUN_CHECK("3-d elementwise", g, 2, (tvm_tensor[]){A, B}, (tt_tensor *[]){ta, tb}, 1, &C,
                  &want, NULL, 0);
        tt_free(want);
        tt_free(ta);
        tt_free(tb);
    }
    fixture_close(&f);
}

/* The vectorised transcendental functions (glibc's libmvec on llvm) handle
 * special values like the scalar libm: long arrays put NaN, infinities,
 * zeros, denormals, huge and tiny values into the vector lanes, at every
 * position modulo 16, and the results must match C's libm (within the
 * transcendental tolerance; NaN where libm gives NaN, exact infinities). */
TEST(vector_math_special_values) {
    static const double specials[] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e-40, -1e-40,
                                      88.7, 89.0, -87.3, -104.0, 1e30, -1e30, 0.5, -3.0,
                                      20.0, -20.0, 1e-8};
    enum { N = 1000 };
    const tvm_dtype dts[2] = {TVM_FLOAT32, TVM_FLOAT64};
    for (int di = 0; di < 2; di++) {
        tvm_dtype dt = dts[di];
        for (int fi = 0; fi < 5; fi++) {
            tvm_context *ctx = tt_context();
            tvm_graph *g = tvm_graph_create(ctx);
            tvm_expr n = tvm_const_int(g, TVM_INT64, N), i = tvm_iter_var(g, "i");
            tvm_tensor A = tvm_placeholder(g, "A", dt, 1, &n);
            tvm_expr x = tvm_load(g, A, &i);
            tvm_expr e = fi == 0 ? tvm_exp(g, x) : fi == 1 ? tvm_log(g, x)
                       : fi == 2 ? tvm_erf(g, x) : fi == 3 ? tvm_tanh(g, x) : tvm_sigmoid(g, x);
            tvm_tensor B = tvm_compute(g, "B", 1, &n, &i, e);
            tt_tensor *a = tt_alloc(dt, 1, TT_SHAPE(N)), *b = tt_alloc(dt, 1, TT_SHAPE(N));
            tt_fill_random(a, 99 + (uint64_t)fi, -5, 5);
            for (int k = 0; k < N; k += 7) tt_set(a, k, specials[(k / 7) % (int)(sizeof specials / sizeof specials[0])]);
            tvm_compile_options o = tt_options("llvm", 0, 0);
            tt_tensor *args[2] = {a, b};
            CHECK_OK(tt_compile_run(g, 1, &A, 1, &B, &o, args));
            for (int k = 0; k < N; k++) {
                double v = tt_get(a, k), got = tt_get(b, k);
                if (dt == TVM_FLOAT32) v = (float)v;
                double want = fi == 0 ? exp(v) : fi == 1 ? log(v) : fi == 2 ? erf(v)
                            : fi == 3 ? tanh(v) : 1.0 / (1.0 + exp(-v));
                if (dt == TVM_FLOAT32) want = (float)want;
                bool ok = (isnan(want) && isnan(got)) || (isinf(want) && got == want) ||
                          (!isinf(want) && !isnan(want) &&
                           fabs(got - want) <= 1e-5 * fmax(fabs(want), 1e-30) + 1e-37);
                if (!ok) {
                    check_fail(__FILE__, __LINE__, "%s %s(%.9g) = %.9g, libm says %.9g (at %d)",
                               tt_dtype_name(dt),
                               (const char *[]){"exp", "log", "erf", "tanh", "sigmoid"}[fi], v,
                               got, want, k);
                    break;
                }
            }
            tt_free(a);
            tt_free(b);
            tvm_graph_destroy(g);
            tvm_context_destroy(ctx);
        }
    }
}

CHECK_MAIN()
