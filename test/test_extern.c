/* test_extern.c — tvm_call_extern: host C functions called from kernels.
 *
 * Every kernel runs through llvm at O3 and O0 and through interp, and is
 * compared bit for bit with a plain C loop that calls the same function (so
 * the reference is exact whatever the function computes). Covered: float,
 * double, int8..int64, uint8 and bool parameters and results (narrow integer
 * arguments cross the ABI with their sign), zero-argument functions, a table
 * lookup, a call inside a reduction, inside a guarded select arm (the
 * function must never see arguments the program does not compute), inside a
 * fused producer, feeding a data-dependent index, symbolic shapes, the
 * function cache (graphs differing only in the callee), printing, and the
 * builder's errors. */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "check.h"
#include "tensor_util.h"

/* ========================================================================= */
/* Host functions                                                             */
/* ========================================================================= */

/* A custom activation with float rounding in every step. */
static float act(float x) { return x > 0.0f ? x * 1.5f + 0.25f : x * x * 0.125f - 1.0f; }
static float act2(float x) { return x * 3.0f - 2.0f; }

static double f_di(double x, int32_t k) { return x * (double)k + (double)(k % 3) / 7.0; }

static const int32_t table[16] = {7,  -3, 11, 0,  42, -100, 5,  9,
                                  13, 2,  -8, 64, 1,  77,   -1, 31};
static int32_t lut(int64_t k) { return table[k & 15]; }

/* Defined only on [0, 16): a call outside the domain is counted. */
static atomic_int bad_calls;
static int32_t guarded(int64_t k) {
    if (k < 0 || k >= 16) {
        atomic_fetch_add(&bad_calls, 1);
        return 0;
    }
    return table[k];
}

static bool in_band(float x, bool flip) {
    bool r = x > -0.5f && x < 0.5f;
    return flip ? !r : r;
}

/* int8 / uint8 / int16 arguments must arrive with their sign (or without). */
static int8_t mix8(int8_t a, uint8_t b, int16_t c) {
    return (int8_t)(uint8_t)((int)a * 3 + (int)b - (c >> 2));
}
static uint8_t u8_of(int8_t a) { return (uint8_t)(a < 0 ? 200 + a : a); }
static int16_t widen16(int8_t a, int8_t b) { return (int16_t)((int)a * (int)b); }
static int64_t fold64(int64_t a, int32_t b) {
    return (int64_t)((uint64_t)a * 0x9e3779b97f4a7c15ull) ^ (int64_t)b;
}

/* Eight parameters of every kind: some travel on the stack. */
static double eight(int8_t a, uint8_t b, int16_t c, int32_t d, int64_t e, float f, double g,
                    bool h) {
    return (double)a * 1e6 + (double)b * 1e3 + (double)c + (double)d * 1e-3 +
           (double)(e % 1000) * 1e-6 + (double)f * 0.5 + g * 0.25 + (h ? 100.0 : -100.0);
}
static int64_t sum8(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f,
                    int64_t g, int64_t h) {
    uint64_t r = (uint64_t)a - 2 * (uint64_t)b + 3 * (uint64_t)c - 4 * (uint64_t)d +
                 5 * (uint64_t)e - 6 * (uint64_t)f + 7 * (uint64_t)g - 8 * (uint64_t)h;
    return (int64_t)r; /* wraps: g is a 64-bit hash */
}

static double pi_ish(void) { return 3.14159265358979; }
static bool always(void) { return true; }
static int64_t seven(void) { return 7; }

/* ========================================================================= */
/* Harness                                                                    */
/* ========================================================================= */

typedef struct cfg {
    const char *target;
    int32_t opt;
    const char *label;
} cfg;

static const cfg cfgs[] = {
    {"llvm", TVM_OPT_O3, "llvm O3"},
    {"llvm", TVM_OPT_O0, "llvm O0"},
    {"interp", TVM_OPT_DEFAULT, "interp"},
};
#define NCFG ((int)(sizeof cfgs / sizeof cfgs[0]))

#define MAXA 8

/* Compiles outs from ins for every configuration, runs on in_data and
 * compares each output bitwise with want[k]. */
static void check_all(int line, const char *what, tvm_graph *g, int nin, const tvm_tensor *ins,
                      tt_tensor *const *in_data, int nout, const tvm_tensor *outs,
                      tt_tensor *const *want) {
    if (tvm_graph_status(g) != TVM_OK) {
        check_fail(__FILE__, line, "%s: graph error: %s", what, tvm_last_error());
        return;
    }
    for (int c = 0; c < NCFG; c++) {
        tt_tensor *args[MAXA];
        for (int k = 0; k < nin; k++) args[k] = in_data[k];
        for (int k = 0; k < nout; k++) {
            args[nin + k] = tt_alloc(want[k]->dtype, want[k]->dl.ndim, want[k]->shape);
            tt_fill_bytes(args[nin + k], 0xcd);
        }
        tvm_compile_options o = tt_options(cfgs[c].target, cfgs[c].opt, 0);
        tvm_status s = tt_compile_run(g, nin, ins, nout, outs, &o, args);
        if (s != TVM_OK) {
            check_fail(__FILE__, line, "%s [%s]: %s: %s", what, cfgs[c].label,
                       tvm_status_string(s), tvm_last_error());
        } else {
            for (int k = 0; k < nout; k++) {
                int64_t d = tt_first_bit_diff(args[nin + k], want[k]);
                if (d >= 0)
                    check_fail(__FILE__, line, "%s [%s] output %d: %s", what, cfgs[c].label, k,
                               tt_describe_diff(args[nin + k], want[k], d));
            }
        }
        for (int k = 0; k < nout; k++) tt_free(args[nin + k]);
    }
}
#define CHECK_ALL(...) check_all(__LINE__, __VA_ARGS__)

typedef struct fixture {
    tvm_context *ctx;
    tvm_graph *g;
} fixture;

static bool open_fx(fixture *f) {
    f->ctx = tt_context();
    f->g = f->ctx ? tvm_graph_create(f->ctx) : NULL;
    return f->g != NULL;
}

static void close_fx(fixture *f) {
    tvm_graph_destroy(f->g);
    tvm_context_destroy(f->ctx);
}

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

static tvm_expr call1(tvm_graph *g, const char *name, void *fn, tvm_dtype rt, tvm_dtype at,
                      tvm_expr a) {
    return tvm_call_extern(g, name, fn, rt, 1, &at, &a);
}

/* ========================================================================= */
/* Scalar types                                                               */
/* ========================================================================= */

/* C[i] = act(A[i]) over a symbolic n, several sizes (one compiled function
 * per target, specialised per size). */
TEST(activation_float_symbolic) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr body = call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32, tvm_load(g, A, &i));
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, body);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    static const int64_t sizes[] = {0, 1, 7, 64, 1003};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, &sizes[s]);
        tt_tensor *want = tt_alloc(TVM_FLOAT32, 1, &sizes[s]);
        tt_fill_random(a, 11 + s, -4, 4);
        for (int64_t k = 0; k < sizes[s]; k++)
            ((float *)want->dl.data)[k] = act(((float *)a->dl.data)[k]);
        CHECK_ALL("act", g, 1, &A, &a, 1, &C, &want);
        tt_free(a);
        tt_free(want);
    }
    close_fx(&f);
}

/* C[i, j] = f(A[i, j], B[j]): double and int32 parameters. */
TEST(double_int32_two_args) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
    tvm_expr shape[2] = {m, n};
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT64, 2, shape);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_INT32, 1, &n);
    tvm_expr it[2] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j")};
    tvm_dtype at[2] = {TVM_FLOAT64, TVM_INT32};
    tvm_expr args[2] = {tvm_load(g, A, it), tvm_load(g, B, &it[1])};
    tvm_expr body = tvm_call_extern(g, "f_di", (void *)f_di, TVM_FLOAT64, 2, at, args);
    tvm_tensor C = tvm_compute(g, "C", 2, shape, it, body);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh[2] = {5, 13};
    tt_tensor *a = tt_alloc(TVM_FLOAT64, 2, sh), *b = tt_alloc(TVM_INT32, 1, &sh[1]);
    tt_tensor *want = tt_alloc(TVM_FLOAT64, 2, sh);
    tt_fill_random(a, 3, -100, 100);
    tt_fill_random(b, 4, -1000, 1000);
    for (int64_t r = 0; r < sh[0]; r++)
        for (int64_t c = 0; c < sh[1]; c++)
            ((double *)want->dl.data)[r * sh[1] + c] =
                f_di(((double *)a->dl.data)[r * sh[1] + c], ((int32_t *)b->dl.data)[c]);
    tt_tensor *in[2] = {a, b};
    tvm_tensor ins[2] = {A, B};
    CHECK_ALL("f_di", g, 2, ins, in, 1, &C, &want);
    tt_free(a);
    tt_free(b);
    tt_free(want);
    close_fx(&f);
}

/* C[i] = lut(A[i]): a function reading its own static table. */
TEST(table_lookup) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 100);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor C = tvm_compute(
        g, "C", 1, &n, &i, call1(g, "lut", (void *)lut, TVM_INT32, TVM_INT64, tvm_load(g, A, &i)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 100;
    tt_tensor *a = tt_alloc(TVM_INT64, 1, &sh), *want = tt_alloc(TVM_INT32, 1, &sh);
    tt_fill_random(a, 5, -1000, 1000);
    for (int64_t k = 0; k < sh; k++)
        ((int32_t *)want->dl.data)[k] = lut(((int64_t *)a->dl.data)[k]);
    CHECK_ALL("lut", g, 1, &A, &a, 1, &C, &want);
    tt_free(a);
    tt_free(want);
    close_fx(&f);
}

/* Bool parameters and results: C[i] = in_band(A[i], B[i]) and a bool call
 * used as a select condition. */
TEST(bool_args_and_result) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_BOOL, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_dtype at[2] = {TVM_FLOAT32, TVM_BOOL};
    tvm_expr args[2] = {tvm_load(g, A, &i), tvm_load(g, B, &i)};
    tvm_expr band = tvm_call_extern(g, "in_band", (void *)in_band, TVM_BOOL, 2, at, args);
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, band);
    tvm_expr j = tvm_iter_var(g, "j");
    tvm_expr args2[2] = {tvm_load(g, A, &j), tvm_not(g, tvm_load(g, B, &j))};
    tvm_expr band2 = tvm_call_extern(g, "in_band", (void *)in_band, TVM_BOOL, 2, at, args2);
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &j,
                               tvm_select(g, band2, tvm_load(g, A, &j),
                                          tvm_const_float(g, TVM_FLOAT32, -9)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 257;
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, &sh), *b = tt_alloc(TVM_BOOL, 1, &sh);
    tt_tensor *wc = tt_alloc(TVM_BOOL, 1, &sh), *wd = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_fill_random(a, 6, -1, 1);
    tt_fill_random(b, 7, 0, 1);
    for (int64_t k = 0; k < sh; k++) {
        float x = ((float *)a->dl.data)[k];
        bool fl = ((uint8_t *)b->dl.data)[k] != 0;
        ((uint8_t *)wc->dl.data)[k] = in_band(x, fl);
        ((float *)wd->dl.data)[k] = in_band(x, !fl) ? x : -9.0f;
    }
    tt_tensor *in[2] = {a, b}, *want[2] = {wc, wd};
    tvm_tensor ins[2] = {A, B}, outs[2] = {C, D};
    CHECK_ALL("in_band", g, 2, ins, in, 2, outs, want);
    tt_free(a);
    tt_free(b);
    tt_free(wc);
    tt_free(wd);
    close_fx(&f);
}

/* int8 / uint8 / int16 / int64 parameters and results over every int8 and
 * uint8 value, so a missing sign or zero extension shows. */
TEST(narrow_integers) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 256);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT8, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_UINT8, 1, &n);
    tvm_tensor S = tvm_placeholder(g, "S", TVM_INT16, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), b = tvm_load(g, B, &i), s = tvm_load(g, S, &i);
    tvm_dtype t3[3] = {TVM_INT8, TVM_UINT8, TVM_INT16};
    tvm_expr a3[3] = {a, b, s};
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               tvm_call_extern(g, "mix8", (void *)mix8, TVM_INT8, 3, t3, a3));
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &i,
                               call1(g, "u8_of", (void *)u8_of, TVM_UINT8, TVM_INT8, a));
    tvm_dtype t2[2] = {TVM_INT8, TVM_INT8};
    tvm_expr rev = tvm_load(g, A, (tvm_expr[]){tvm_sub(g, c64(g, 255), i)});
    tvm_expr a2[2] = {a, rev};
    tvm_tensor E = tvm_compute(g, "E", 1, &n, &i,
                               tvm_call_extern(g, "widen16", (void *)widen16, TVM_INT16, 2, t2,
                                               a2));
    tvm_dtype t64[2] = {TVM_INT64, TVM_INT32};
    tvm_expr a64[2] = {tvm_cast(g, TVM_INT64, s), tvm_cast(g, TVM_INT32, b)};
    tvm_tensor F = tvm_compute(g, "F", 1, &n, &i,
                               tvm_call_extern(g, "fold64", (void *)fold64, TVM_INT64, 2, t64,
                                               a64));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 256;
    tt_tensor *ta = tt_alloc(TVM_INT8, 1, &sh), *tb = tt_alloc(TVM_UINT8, 1, &sh);
    tt_tensor *ts = tt_alloc(TVM_INT16, 1, &sh);
    tt_tensor *wc = tt_alloc(TVM_INT8, 1, &sh), *wd = tt_alloc(TVM_UINT8, 1, &sh);
    tt_tensor *we = tt_alloc(TVM_INT16, 1, &sh), *wf = tt_alloc(TVM_INT64, 1, &sh);
    tt_fill_random(ts, 8, -32768, 32767);
    int8_t *pa = ta->dl.data;
    uint8_t *pb = tb->dl.data;
    int16_t *ps = ts->dl.data;
    for (int k = 0; k < 256; k++) {
        pa[k] = (int8_t)(k - 128);
        pb[k] = (uint8_t)(255 - k);
    }
    for (int k = 0; k < 256; k++) {
        ((int8_t *)wc->dl.data)[k] = mix8(pa[k], pb[k], ps[k]);
        ((uint8_t *)wd->dl.data)[k] = u8_of(pa[k]);
        ((int16_t *)we->dl.data)[k] = widen16(pa[k], pa[255 - k]);
        ((int64_t *)wf->dl.data)[k] = fold64(ps[k], pb[k]);
    }
    tt_tensor *in[3] = {ta, tb, ts}, *want[4] = {wc, wd, we, wf};
    tvm_tensor ins[3] = {A, B, S}, outs[4] = {C, D, E, F};
    CHECK_ALL("narrow ints", g, 3, ins, in, 4, outs, want);
    tt_free(ta);
    tt_free(tb);
    tt_free(ts);
    tt_free(wc);
    tt_free(wd);
    tt_free(we);
    tt_free(wf);
    close_fx(&f);
}

/* Zero-argument functions (double and bool results), also as the whole
 * body of a 0-d compute. */
TEST(zero_args) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT64, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr pi = tvm_call_extern(g, "pi_ish", (void *)pi_ish, TVM_FLOAT64, 0, NULL, NULL);
    tvm_expr yes = tvm_call_extern(g, "always", (void *)always, TVM_BOOL, 0, NULL, NULL);
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               tvm_select(g, yes, tvm_mul(g, tvm_load(g, A, &i), pi),
                                          tvm_const_float(g, TVM_FLOAT64, 0)));
    tvm_tensor P = tvm_compute(g, "P", 0, NULL, NULL, pi);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 33;
    tt_tensor *a = tt_alloc(TVM_FLOAT64, 1, &sh), *wc = tt_alloc(TVM_FLOAT64, 1, &sh);
    tt_tensor *wp = tt_alloc(TVM_FLOAT64, 0, NULL);
    tt_fill_random(a, 9, -10, 10);
    for (int64_t k = 0; k < sh; k++)
        ((double *)wc->dl.data)[k] = always() ? ((double *)a->dl.data)[k] * pi_ish() : 0.0;
    ((double *)wp->dl.data)[0] = pi_ish();
    tt_tensor *want[2] = {wc, wp};
    tvm_tensor outs[2] = {C, P};
    CHECK_ALL("zero args", g, 1, &A, &a, 2, outs, want);
    tt_free(a);
    tt_free(wc);
    tt_free(wp);
    close_fx(&f);
}

/* eight(...) with one argument of each type, and sum8 of eight int64 values,
 * one of them itself a call (nesting). */
TEST(eight_arguments_and_nesting) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i), x = tvm_load(g, X, &i);
    tvm_dtype t8[8] = {TVM_INT8, TVM_UINT8, TVM_INT16, TVM_INT32,
                       TVM_INT64, TVM_FLOAT32, TVM_FLOAT64, TVM_BOOL};
    tvm_expr a8[8] = {tvm_cast(g, TVM_INT8, a), tvm_cast(g, TVM_UINT8, a),
                      tvm_cast(g, TVM_INT16, a), tvm_cast(g, TVM_INT32, a), a, x,
                      tvm_cast(g, TVM_FLOAT64, x), tvm_gt(g, x, tvm_const_float(g, TVM_FLOAT32, 0))};
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               tvm_call_extern(g, "eight", (void *)eight, TVM_FLOAT64, 8, t8, a8));
    tvm_dtype ti[8];
    tvm_expr ai[8];
    for (int k = 0; k < 8; k++) {
        ti[k] = TVM_INT64;
        ai[k] = tvm_add(g, a, c64(g, k * 1000));
    }
    tvm_dtype t2[2] = {TVM_INT64, TVM_INT32};
    tvm_expr inner[2] = {a, tvm_const_int(g, TVM_INT32, 5)};
    ai[6] = tvm_call_extern(g, "fold64", (void *)fold64, TVM_INT64, 2, t2, inner);
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &i,
                               tvm_call_extern(g, "sum8", (void *)sum8, TVM_INT64, 8, ti, ai));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 77;
    tt_tensor *ta = tt_alloc(TVM_INT64, 1, &sh), *tx = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_tensor *wc = tt_alloc(TVM_FLOAT64, 1, &sh), *wd = tt_alloc(TVM_INT64, 1, &sh);
    tt_fill_random(ta, 17, -100000, 100000);
    tt_fill_random(tx, 18, -5, 5);
    for (int64_t k = 0; k < sh; k++) {
        int64_t v = ((int64_t *)ta->dl.data)[k];
        float xv = ((float *)tx->dl.data)[k];
        ((double *)wc->dl.data)[k] = eight((int8_t)v, (uint8_t)v, (int16_t)v, (int32_t)v, v, xv,
                                           (double)xv, xv > 0.0f);
        int64_t s[8];
        for (int j = 0; j < 8; j++) s[j] = v + j * 1000;
        s[6] = fold64(v, 5);
        ((int64_t *)wd->dl.data)[k] = sum8(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    }
    tt_tensor *in[2] = {ta, tx}, *want[2] = {wc, wd};
    tvm_tensor ins[2] = {A, X}, outs[2] = {C, D};
    CHECK_ALL("eight args", g, 2, ins, in, 2, outs, want);
    tt_free(ta);
    tt_free(tx);
    tt_free(wc);
    tt_free(wd);
    close_fx(&f);
}

/* ========================================================================= */
/* Calls inside fused code                                                    */
/* ========================================================================= */

/* S[i] = sum_k lut(A[i, k]) (int32: exact in any order) and
 * M[i] = max_k act(X[i, k]) (max is exact in any order). */
TEST(inside_reduction) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
    tvm_expr shape[2] = {m, n};
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 2, shape);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, shape);
    tvm_expr i = tvm_iter_var(g, "i"), k = tvm_reduce_axis(g, "k", n);
    tvm_expr ik[2] = {i, k};
    tvm_expr s = tvm_sum(g, call1(g, "lut", (void *)lut, TVM_INT32, TVM_INT64,
                                  tvm_load(g, A, ik)), 1, &k);
    tvm_tensor S = tvm_compute(g, "S", 1, &m, &i, s);
    tvm_expr mx = tvm_reduce(g, TVM_REDUCE_MAX,
                             call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32,
                                   tvm_load(g, X, ik)), 1, &k);
    tvm_tensor M = tvm_compute(g, "M", 1, &m, &i, mx);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh[2] = {9, 37};
    tt_tensor *a = tt_alloc(TVM_INT64, 2, sh), *x = tt_alloc(TVM_FLOAT32, 2, sh);
    tt_tensor *ws = tt_alloc(TVM_INT32, 1, sh), *wm = tt_alloc(TVM_FLOAT32, 1, sh);
    tt_fill_random(a, 10, 0, 100000);
    tt_fill_random(x, 11, -3, 3);
    for (int64_t r = 0; r < sh[0]; r++) {
        int32_t acc = 0;
        float best = -INFINITY;
        for (int64_t c = 0; c < sh[1]; c++) {
            acc = (int32_t)((uint32_t)acc + (uint32_t)lut(((int64_t *)a->dl.data)[r * sh[1] + c]));
            float v = act(((float *)x->dl.data)[r * sh[1] + c]);
            if (v > best) best = v;
        }
        ((int32_t *)ws->dl.data)[r] = acc;
        ((float *)wm->dl.data)[r] = best;
    }
    tt_tensor *in[2] = {a, x}, *want[2] = {ws, wm};
    tvm_tensor ins[2] = {A, X}, outs[2] = {S, M};
    CHECK_ALL("reduction", g, 2, ins, in, 2, outs, want);
    tt_free(a);
    tt_free(x);
    tt_free(ws);
    tt_free(wm);
    close_fx(&f);
}

/* C[i] = (0 <= A[i] < 16) ? guarded(A[i]) : -1, and a padding guard
 * select(i > 0, act(X[i - 1]), 0): the function only ever sees arguments of
 * the chosen side. */
TEST(inside_select_arm) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i);
    tvm_expr ok = tvm_and(g, tvm_ge(g, a, c64(g, 0)), tvm_lt(g, a, c64(g, 16)));
    tvm_expr call = call1(g, "guarded", (void *)guarded, TVM_INT32, TVM_INT64, a);
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               tvm_select(g, ok, call, tvm_const_int(g, TVM_INT32, -1)));
    tvm_expr prev = tvm_load(g, X, (tvm_expr[]){tvm_sub(g, i, c64(g, 1))});
    tvm_tensor D = tvm_compute(
        g, "D", 1, &n, &i,
        tvm_select(g, tvm_gt(g, i, c64(g, 0)),
                   call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32, prev),
                   tvm_const_float(g, TVM_FLOAT32, 0)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 301;
    tt_tensor *ta = tt_alloc(TVM_INT64, 1, &sh), *tx = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_tensor *wc = tt_alloc(TVM_INT32, 1, &sh), *wd = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_fill_random(ta, 12, -40, 40);
    tt_fill_random(tx, 13, -2, 2);
    for (int64_t k = 0; k < sh; k++) {
        int64_t v = ((int64_t *)ta->dl.data)[k];
        ((int32_t *)wc->dl.data)[k] = (v >= 0 && v < 16) ? table[v] : -1;
        ((float *)wd->dl.data)[k] = k > 0 ? act(((float *)tx->dl.data)[k - 1]) : 0.0f;
    }
    atomic_store(&bad_calls, 0);
    tt_tensor *in[2] = {ta, tx}, *want[2] = {wc, wd};
    tvm_tensor ins[2] = {A, X}, outs[2] = {C, D};
    CHECK_ALL("select arm", g, 2, ins, in, 2, outs, want);
    CHECK_EQ_INT(atomic_load(&bad_calls), 0);
    tt_free(ta);
    tt_free(tx);
    tt_free(wc);
    tt_free(wd);
    close_fx(&f);
}

/* B = act(A) fused into C = B[i] * 2 + B[n - 1 - i], with and without
 * fusion (NO_INLINE materialises B). */
TEST(fused_producer) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                               call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32,
                                     tvm_load(g, A, &i)));
    tvm_expr rj = tvm_sub(g, tvm_sub(g, n, c64(g, 1)), j);
    tvm_tensor C = tvm_compute(
        g, "C", 1, &n, &j,
        tvm_add(g, tvm_mul(g, tvm_load(g, B, &j), tvm_const_float(g, TVM_FLOAT32, 2)),
                tvm_load(g, B, &rj)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 50;
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, &sh), *want = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_fill_random(a, 14, -3, 3);
    const float *pa = a->dl.data;
    for (int64_t k = 0; k < sh; k++)
        ((float *)want->dl.data)[k] = act(pa[k]) * 2.0f + act(pa[sh - 1 - k]);
    CHECK_ALL("fused", g, 1, &A, &a, 1, &C, &want);
    tt_tensor *got = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_tensor *args[2] = {a, got};
    tvm_compile_options o = tt_options("llvm", 0, TVM_COMPILE_NO_INLINE);
    CHECK_OK(tt_compile_run(g, 1, &A, 1, &C, &o, args));
    CHECK_EQ_INT(tt_first_bit_diff(got, want), -1);
    tt_free(got);
    tt_free(a);
    tt_free(want);
    close_fx(&f);
}

/* The result of a call as an index: C[i] = T[lut(A[i])]. The bounds pass
 * cannot know the range, so the read is checked at run time. */
TEST(result_as_index) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 40), m = c64(g, 101);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
    tvm_tensor T = tvm_placeholder(g, "T", TVM_FLOAT32, 1, &m);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr idx = tvm_add(g, tvm_cast(g, TVM_INT64, call1(g, "lut", (void *)lut, TVM_INT32,
                                                            TVM_INT64, tvm_load(g, A, &i))),
                           c64(g, 100));
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_load(g, T, &idx));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sa = 40, st = 101;
    tt_tensor *a = tt_alloc(TVM_INT64, 1, &sa), *t = tt_alloc(TVM_FLOAT32, 1, &st);
    tt_tensor *want = tt_alloc(TVM_FLOAT32, 1, &sa);
    tt_fill_random(t, 15, -1, 1);
    /* indices 1 and 5 of the table are -3 and -100: 97 and 0, in range */
    for (int64_t k = 0; k < sa; k++) {
        ((int64_t *)a->dl.data)[k] = (k % 2) ? 1 : 5;
        ((float *)want->dl.data)[k] = ((float *)t->dl.data)[lut((k % 2) ? 1 : 5) + 100];
    }
    tt_tensor *in[2] = {a, t};
    tvm_tensor ins[2] = {A, T};
    CHECK_ALL("index", g, 2, ins, in, 1, &C, &want);
    /* table[4] = 42: index 142 is out of range for every target */
    ((int64_t *)a->dl.data)[17] = 4;
    for (int c = 0; c < NCFG; c++) {
        tt_tensor *got = tt_alloc(TVM_FLOAT32, 1, &sa);
        tt_tensor *args[3] = {a, t, got};
        tvm_compile_options o = tt_options(cfgs[c].target, cfgs[c].opt, 0);
        CHECK_ERROR(tt_compile_run(g, 2, ins, 1, &C, &o, args), TVM_ERR_OUT_OF_BOUNDS, "T");
        tt_free(got);
    }
    tt_free(a);
    tt_free(t);
    tt_free(want);
    close_fx(&f);
}

/* Constant arguments: the call is made at run time, never folded away. */
TEST(constant_arguments) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 4);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_dtype at[2] = {TVM_FLOAT64, TVM_INT32};
    tvm_expr args[2] = {tvm_const_float(g, TVM_FLOAT64, 2.5), tvm_const_int(g, TVM_INT32, -7)};
    tvm_expr call = tvm_call_extern(g, "f_di", (void *)f_di, TVM_FLOAT64, 2, at, args);
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_add(g, call, tvm_cast(g, TVM_FLOAT64, i)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    int64_t sh = 4;
    tt_tensor *want = tt_alloc(TVM_FLOAT64, 1, &sh);
    for (int k = 0; k < 4; k++) ((double *)want->dl.data)[k] = f_di(2.5, -7) + (double)k;
    CHECK_ALL("constant args", g, 0, NULL, NULL, 1, &C, &want);
    tt_free(want);
    close_fx(&f);
}

/* ========================================================================= */
/* Identity: hash-consing, function cache, printing                           */
/* ========================================================================= */

TEST(hash_consing) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr x = tvm_const_float(g, TVM_FLOAT32, 1.5);
    tvm_expr a = call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32, x);
    tvm_expr b = call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32, x);
    tvm_expr c = call1(g, "act2", (void *)act2, TVM_FLOAT32, TVM_FLOAT32, x);
    tvm_expr d = call1(g, "other", (void *)act, TVM_FLOAT32, TVM_FLOAT32, x);
    tvm_expr e = call1(g, "act", (void *)act, TVM_FLOAT32, TVM_FLOAT32,
                       tvm_const_float(g, TVM_FLOAT32, 2.5));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    CHECK(a.id != 0 && a.id == b.id);
    CHECK(c.id != a.id);
    CHECK(d.id != a.id);
    CHECK(e.id != a.id);
    tvm_dtype dt = 0;
    CHECK_OK(tvm_expr_dtype(g, a, &dt));
    CHECK_EQ_INT(dt, TVM_FLOAT32);
    /* every call keeps its own name after the consed repeats (b) */
    tvm_expr sum = tvm_add(g, tvm_add(g, a, c), tvm_add(g, d, e));
    tvm_tensor T = tvm_compute(g, "T", 0, NULL, NULL, sum);
    char *text = NULL;
    CHECK_OK_OR_RETURN(tvm_graph_print(g, 1, &T, &text));
    CHECK_STR_CONTAINS(text, "((extern act(1.5) + extern act2(1.5)) + "
                             "(extern other(1.5) + extern act(2.5)))");
    tvm_free(text);
    close_fx(&f);
}

/* Builds C[i] = fn(A[i]) named name in a fresh graph of ctx and runs it on
 * a; returns the compiled function (caller releases). */
static tvm_function *build_unary(tvm_context *ctx, const char *name, void *fn,
                                 const char *target, tt_tensor *a, tt_tensor *out) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               call1(g, name, fn, TVM_FLOAT32, TVM_FLOAT32, tvm_load(g, A, &i)));
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_function *f = NULL;
    tvm_status s = tvm_compile(g, 1, &A, 1, &C, &o, &f);
    tvm_graph_destroy(g); /* a compiled function outlives its graph */
    if (!CHECK_OK(s)) return NULL;
    DLTensor *dl[2] = {&a->dl, &out->dl};
    CHECK_OK(tvm_function_call(f, dl, 2));
    return f;
}

TEST(function_cache_tells_callees_apart) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    int64_t sh = 21;
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, &sh);
    tt_fill_random(a, 16, -2, 2);
    for (int t = 0; t < 2; t++) {
        const char *target = t ? "interp" : "llvm";
        tt_tensor *o1 = tt_alloc(TVM_FLOAT32, 1, &sh), *o2 = tt_alloc(TVM_FLOAT32, 1, &sh);
        tt_tensor *o3 = tt_alloc(TVM_FLOAT32, 1, &sh), *o4 = tt_alloc(TVM_FLOAT32, 1, &sh);
        tvm_cache_stats before = {.struct_size = sizeof before}, after = before;
        CHECK_OK(tvm_context_stats(ctx, &before));
        /* same name, different functions; then same function, another name */
        tvm_function *f1 = build_unary(ctx, "act", (void *)act, target, a, o1);
        tvm_function *f2 = build_unary(ctx, "act", (void *)act2, target, a, o2);
        tvm_function *f3 = build_unary(ctx, "renamed", (void *)act, target, a, o3);
        tvm_function *f4 = build_unary(ctx, "act", (void *)act, target, a, o4);
        CHECK_OK(tvm_context_stats(ctx, &after));
        CHECK(f1 && f2 && f1 != f2 && f3 != f1);
        CHECK(f4 == f1); /* the identical graph is a cache hit */
        CHECK_EQ_INT(after.functions_compiled - before.functions_compiled, 3);
        CHECK_EQ_INT(after.function_cache_hits - before.function_cache_hits, 1);
        for (int64_t k = 0; k < sh; k++) {
            float x = ((float *)a->dl.data)[k];
            CHECK(((float *)o1->dl.data)[k] == act(x));
            CHECK(((float *)o2->dl.data)[k] == act2(x));
            CHECK(((float *)o3->dl.data)[k] == act(x));
            CHECK(((float *)o4->dl.data)[k] == act(x));
        }
        tvm_function_release(f1);
        tvm_function_release(f2);
        tvm_function_release(f3);
        tvm_function_release(f4);
        tt_free(o1);
        tt_free(o2);
        tt_free(o3);
        tt_free(o4);
    }
    tt_free(a);
    tvm_context_destroy(ctx);
}

TEST(printing) {
    fixture f;
    CHECK_OR_RETURN(open_fx(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 8);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                               call1(g, "my_act", (void *)act, TVM_FLOAT32, TVM_FLOAT32,
                                     tvm_load(g, A, &i)));
    char *text = NULL;
    CHECK_OK_OR_RETURN(tvm_graph_print(g, 1, &C, &text));
    CHECK_STR_CONTAINS(text, "extern my_act(A[i");
    tvm_free(text);
    for (int c = 0; c < NCFG; c++) {
        tvm_compile_options o = tt_options(cfgs[c].target, cfgs[c].opt, 0);
        tvm_function *fn = NULL;
        CHECK_OK(tt_compile_loop_text(g, 1, &A, 1, &C, &o, &fn, &text));
        CHECK_STR_CONTAINS(text, "extern my_act(");
        tvm_free(text);
        if (fn && strcmp(cfgs[c].target, "llvm") == 0) {
            text = NULL;
            CHECK_OK(tvm_function_source(fn, "llvm", &text));
            CHECK_STR_CONTAINS(text, "inttoptr");
            tvm_free(text);
            text = NULL;
            CHECK_OK(tvm_function_source(fn, "asm", &text)); /* the IR parses again */
            tvm_free(text);
        }
        tvm_function_release(fn);
    }
    close_fx(&f);
}

/* ========================================================================= */
/* Errors                                                                     */
/* ========================================================================= */

TEST(errors) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_dtype f32 = TVM_FLOAT32;
    tvm_dtype at9[9];
    tvm_expr args9[9];
#define FRESH(g) \
    tvm_graph *g = tvm_graph_create(ctx); \
    tvm_expr x_##g = tvm_const_float(g, TVM_FLOAT32, 1); \
    (void)x_##g
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", NULL, f32, 1, &f32, &x_g),
                          TVM_ERR_INVALID_ARGUMENT, "fn", "NULL");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, NULL, (void *)act, f32, 1, &f32, &x_g),
                          TVM_ERR_INVALID_ARGUMENT, "name", "NULL");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        for (int k = 0; k < 9; k++) {
            at9[k] = f32;
            args9[k] = x_g;
        }
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 9, at9, args9),
                          TVM_ERR_INVALID_ARGUMENT, "nargs", "9");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, -1, &f32, &x_g),
                          TVM_ERR_INVALID_ARGUMENT, "nargs", "-1");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, NULL, &x_g),
                          TVM_ERR_INVALID_ARGUMENT, "arg_dtypes", "NULL");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, &f32, NULL),
                          TVM_ERR_INVALID_ARGUMENT, "args", "NULL");
        tvm_graph_destroy(g);
    }
    {   /* the second argument's dtype disagrees: the message names index 1 */
        FRESH(g);
        tvm_dtype at[2] = {TVM_FLOAT64, TVM_INT32};
        tvm_expr args[2] = {tvm_const_float(g, TVM_FLOAT64, 1), tvm_const_int(g, TVM_INT64, 2)};
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "f_di", (void *)f_di, TVM_FLOAT64, 2, at, args),
                          TVM_ERR_DTYPE, "argument 1", "int64", "int32");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        tvm_dtype h = TVM_FLOAT16;
        tvm_expr xh = tvm_cast(g, TVM_FLOAT16, x_g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, &h, &xh),
                          TVM_ERR_DTYPE, "arg_dtypes[0]", "float16");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, TVM_BFLOAT16, 1, &f32, &x_g),
                          TVM_ERR_DTYPE, "ret_dtype", "bfloat16");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, (tvm_dtype)0, 1, &f32, &x_g),
                          TVM_ERR_DTYPE, "ret_dtype");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        tvm_dtype bad = (tvm_dtype)77;
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, &bad, &x_g),
                          TVM_ERR_DTYPE, "arg_dtypes[0]");
        tvm_graph_destroy(g);
    }
    {
        FRESH(g);
        tvm_expr null = {0};
        (void)x_g;
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, &f32, &null),
                          TVM_ERR_INVALID_ARGUMENT, "args[0]");
        tvm_graph_destroy(g);
    }
    {   /* a handle of another graph */
        FRESH(g);
        FRESH(h);
        (void)x_g;
        CHECK_BUILD_ERROR(g, tvm_call_extern(g, "act", (void *)act, f32, 1, &f32, &x_h),
                          TVM_ERR_INVALID_HANDLE, "args[0]");
        tvm_graph_destroy(h);
        tvm_graph_destroy(g);
    }
    {   /* sticky: an earlier error stays the graph's error */
        FRESH(g);
        (void)tvm_const_int(g, TVM_INT8, 999);
        tvm_expr r = tvm_call_extern(g, "act", (void *)act, f32, 1, &f32, &x_g);
        CHECK_EQ_INT(r.id, 0);
        CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "999");
        tvm_graph_destroy(g);
    }
    CHECK_BUILD_ERROR(NULL, tvm_call_extern(NULL, "act", (void *)act, f32, 0, NULL, NULL),
                      TVM_ERR_INVALID_ARGUMENT, "graph");
    {   /* a call is not a shape expression */
        FRESH(g);
        tvm_expr dim = tvm_call_extern(g, "seven", (void *)seven, TVM_INT64, 0, NULL, NULL);
        (void)x_g;
        CHECK_BUILD_ERROR(g, tvm_placeholder(g, "P", TVM_FLOAT32, 1, &dim), TVM_ERR_SHAPE,
                          "dimension 0");
        tvm_graph_destroy(g);
    }
#undef FRESH
    tvm_context_destroy(ctx);
}

CHECK_MAIN()
