/* test_ops_index.c — the indexing, selection and quantization operators
 * (gather_elements, gather_nd, scatter_elements, scatter_nd, topk, einsum,
 * quantize_linear, dequantize_linear, bitshift) against hand-computed values (the
 * ONNX operator documentation's examples and small cases worked out by
 * hand), on the llvm and interp targets, with their build-time errors and
 * the call-time TVM_ERR_OUT_OF_BOUNDS for indices out of range. */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

static tvm_context *ctx;

/* One operand or the expected result: dtype, shape and values. */
typedef struct io {
    const char *name;
    tvm_dtype dt;
    int nd;
    int64_t sh[4];
    const double *v;
} io;
#define V(...) ((const double[]){__VA_ARGS__})
#define SH(...) {__VA_ARGS__}

typedef tvm_tensor (*build_fn)(tvm_graph *g, const tvm_tensor *in, const void *ud);

static int64_t numel(const io *t) {
    int64_t n = 1;
    for (int d = 0; d < t->nd; d++) n *= t->sh[d];
    return n;
}

/* Builds the op over placeholders of the inputs' shapes, runs it on both
 * targets and checks the call's status (and message) and, on success, every
 * element of the result (exact; NaN equals NaN). */
static void run_case(const char *what, build_fn build, const void *ud, int nin, const io *in,
                     const io *want, tvm_status want_st, const char *needle) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        tvm_graph *g = tvm_graph_create(ctx);
        tvm_tensor ph[4];
        tt_tensor *args[5] = {0};
        for (int k = 0; k < nin; k++) {
            tvm_expr dims[4];
            for (int d = 0; d < in[k].nd; d++) dims[d] = tvm_const_int(g, TVM_INT64, in[k].sh[d]);
            ph[k] = tvm_placeholder(g, in[k].name, in[k].dt, in[k].nd, dims);
            args[k] = tt_alloc(in[k].dt, in[k].nd, in[k].sh);
            for (int64_t i = 0; i < numel(&in[k]); i++) tt_set(args[k], i, in[k].v[i]);
        }
        tvm_tensor out = build(g, ph, ud);
        if (!CHECK(out.id != 0)) {
            fprintf(stderr, "  case %s: build failed\n", what);
            tvm_graph_destroy(g);
            for (int k = 0; k < nin; k++) tt_free(args[k]);
            return;
        }
        args[nin] = tt_alloc(want->dt, want->nd, want->sh);
        tt_fill_bytes(args[nin], 0x5a);
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        tvm_status st = tt_compile_run(g, nin, ph, 1, &out, &o, args);
        if (want_st != TVM_OK) {
            if (!CHECK(st == want_st))
                fprintf(stderr, "  case %s on %s: status %s\n", what, tt_targets[t],
                        tvm_status_string(st));
            else if (needle && !CHECK(check_mentions(tvm_last_error(), needle)))
                fprintf(stderr, "  case %s: message lacks '%s'\n", what, needle);
        } else if (!CHECK(st == TVM_OK)) {
            fprintf(stderr, "  case %s on %s: %s\n", what, tt_targets[t], tvm_last_error());
        } else {
            for (int64_t i = 0; i < numel(want); i++) {
                double got = tt_get(args[nin], i), exp = want->v[i];
                bool same = (isnan(got) && isnan(exp)) || got == exp;
                if (!CHECK(same)) {
                    fprintf(stderr, "  case %s on %s: element %lld is %.9g, expected %.9g\n",
                            what, tt_targets[t], (long long)i, got, exp);
                    break;
                }
            }
        }
        tvm_graph_destroy(g);
        for (int k = 0; k <= nin; k++) tt_free(args[k]);
    }
}

/* ---- gathers ---------------------------------------------------------------- */

static tvm_tensor b_gather_elements(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    return tvm_op_gather_elements(g, in[0], in[1], *(const int *)ud);
}

TEST(gather_elements_values) {
    int ax1 = 1, ax0 = 0;
    io in[2] = {{"x", TVM_FLOAT32, 2, SH(2, 2), V(1, 2, 3, 4)},
                {"indices", TVM_INT64, 2, SH(2, 2), V(0, 0, 1, 0)}};
    io want = {"y", TVM_FLOAT32, 2, SH(2, 2), V(1, 1, 4, 3)};
    run_case("gather_elements axis 1", b_gather_elements, &ax1, 2, in, &want, TVM_OK, NULL);
    /* axis 0, fewer rows than x, negative index (-1 is the last row) */
    io in0[2] = {{"x", TVM_FLOAT32, 2, SH(3, 2), V(1, 2, 3, 4, 5, 6)},
                 {"indices", TVM_INT32, 2, SH(1, 2), V(-1, 1)}};
    io want0 = {"y", TVM_FLOAT32, 2, SH(1, 2), V(5, 4)};
    run_case("gather_elements axis 0", b_gather_elements, &ax0, 2, in0, &want0, TVM_OK, NULL);
    io bad[2] = {{"x", TVM_FLOAT32, 2, SH(2, 2), V(1, 2, 3, 4)},
                 {"indices", TVM_INT64, 2, SH(2, 2), V(0, 2, 1, 0)}};
    run_case("gather_elements index 2 of 2", b_gather_elements, &ax1, 2, bad, &want,
             TVM_ERR_OUT_OF_BOUNDS, "x");
    io bad2[2] = {{"x", TVM_FLOAT32, 2, SH(2, 2), V(1, 2, 3, 4)},
                  {"indices", TVM_INT64, 2, SH(2, 2), V(0, 0, -3, 0)}};
    run_case("gather_elements index -3 of 2", b_gather_elements, &ax1, 2, bad2, &want,
             TVM_ERR_OUT_OF_BOUNDS, "x");
}

static tvm_tensor b_gather_nd(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    return tvm_op_gather_nd(g, in[0], in[1], *(const int *)ud);
}

TEST(gather_nd_values) {
    int b0 = 0, b1 = 1;
    /* the ONNX documentation's examples 1, 2 and 5 */
    io in1[2] = {{"x", TVM_INT32, 2, SH(2, 2), V(0, 1, 2, 3)},
                 {"indices", TVM_INT64, 2, SH(2, 2), V(0, 0, 1, 1)}};
    io w1 = {"y", TVM_INT32, 1, SH(2), V(0, 3)};
    run_case("gather_nd full tuples", b_gather_nd, &b0, 2, in1, &w1, TVM_OK, NULL);
    io in2[2] = {{"x", TVM_INT32, 2, SH(2, 2), V(0, 1, 2, 3)},
                 {"indices", TVM_INT64, 2, SH(2, 1), V(1, -2)}};
    io w2 = {"y", TVM_INT32, 2, SH(2, 2), V(2, 3, 0, 1)};
    run_case("gather_nd slices, negative index", b_gather_nd, &b0, 2, in2, &w2, TVM_OK, NULL);
    io in5[2] = {{"x", TVM_FLOAT32, 3, SH(2, 2, 2), V(0, 1, 2, 3, 4, 5, 6, 7)},
                 {"indices", TVM_INT64, 2, SH(2, 1), V(1, 0)}};
    io w5 = {"y", TVM_FLOAT32, 2, SH(2, 2), V(2, 3, 4, 5)};
    run_case("gather_nd batch_dims 1", b_gather_nd, &b1, 2, in5, &w5, TVM_OK, NULL);
    io bad[2] = {{"x", TVM_INT32, 2, SH(2, 2), V(0, 1, 2, 3)},
                 {"indices", TVM_INT64, 2, SH(2, 2), V(0, 0, 1, 2)}};
    run_case("gather_nd index out of range", b_gather_nd, &b0, 2, bad, &w1,
             TVM_ERR_OUT_OF_BOUNDS, "x");
}

/* ---- scatters ---------------------------------------------------------------- */

typedef struct scatter_ud {
    int axis;
    tvm_scatter_reduction red;
} scatter_ud;

static tvm_tensor b_scatter_elements(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    const scatter_ud *u = ud;
    return tvm_op_scatter_elements(g, in[0], in[1], in[2], u->axis, u->red);
}

TEST(scatter_elements_values) {
    /* ONNX example 1 (axis 0) */
    scatter_ud a0 = {0, TVM_SCATTER_NONE};
    io in1[3] = {{"x", TVM_FLOAT32, 2, SH(3, 3), V(0, 0, 0, 0, 0, 0, 0, 0, 0)},
                 {"indices", TVM_INT64, 2, SH(2, 3), V(1, 0, 2, 0, 2, 1)},
                 {"updates", TVM_FLOAT32, 2, SH(2, 3), V(1, 1.5, 1.25, 2, 2.5, 2.25)}};
    io w1 = {"y", TVM_FLOAT32, 2, SH(3, 3), V(2, 1.5, 0, 1, 0, 2.25, 0, 2.5, 1.25)};
    run_case("scatter_elements axis 0", b_scatter_elements, &a0, 3, in1, &w1, TVM_OK, NULL);
    /* ONNX example 2 (axis 1), negative index */
    scatter_ud a1 = {1, TVM_SCATTER_NONE};
    io in2[3] = {{"x", TVM_FLOAT32, 2, SH(1, 5), V(1, 2, 3, 4, 5)},
                 {"indices", TVM_INT32, 2, SH(1, 2), V(1, -2)},
                 {"updates", TVM_FLOAT32, 2, SH(1, 2), V(1.5, 2.5)}};
    io w2 = {"y", TVM_FLOAT32, 2, SH(1, 5), V(1, 1.5, 3, 2.5, 5)};
    run_case("scatter_elements axis 1", b_scatter_elements, &a1, 3, in2, &w2, TVM_OK, NULL);
    /* duplicates: none keeps the last, add / mul / max / min combine */
    io dup[3] = {{"x", TVM_FLOAT32, 2, SH(1, 4), V(1, 2, 3, 4)},
                 {"indices", TVM_INT64, 2, SH(1, 3), V(1, 1, 3)},
                 {"updates", TVM_FLOAT32, 2, SH(1, 3), V(5, 0.5, 10)}};
    io wn = {"y", TVM_FLOAT32, 2, SH(1, 4), V(1, 0.5, 3, 10)};
    run_case("scatter_elements duplicates none", b_scatter_elements, &a1, 3, dup, &wn, TVM_OK,
             NULL);
    scatter_ud add = {1, TVM_SCATTER_ADD}, mul = {1, TVM_SCATTER_MUL},
               mx = {1, TVM_SCATTER_MAX}, mn = {1, TVM_SCATTER_MIN};
    io wa = {"y", TVM_FLOAT32, 2, SH(1, 4), V(1, 7.5, 3, 14)};
    run_case("scatter_elements add", b_scatter_elements, &add, 3, dup, &wa, TVM_OK, NULL);
    io wm = {"y", TVM_FLOAT32, 2, SH(1, 4), V(1, 5, 3, 40)};
    run_case("scatter_elements mul", b_scatter_elements, &mul, 3, dup, &wm, TVM_OK, NULL);
    io wx = {"y", TVM_FLOAT32, 2, SH(1, 4), V(1, 5, 3, 10)};
    run_case("scatter_elements max", b_scatter_elements, &mx, 3, dup, &wx, TVM_OK, NULL);
    io wi = {"y", TVM_FLOAT32, 2, SH(1, 4), V(1, 0.5, 3, 4)};
    run_case("scatter_elements min", b_scatter_elements, &mn, 3, dup, &wi, TVM_OK, NULL);
    /* integers, and updates narrower than x on the other dim */
    io narrow[3] = {{"x", TVM_INT32, 2, SH(3, 2), V(1, 2, 3, 4, 5, 6)},
                    {"indices", TVM_INT64, 2, SH(2, 1), V(2, 0)},
                    {"updates", TVM_INT32, 2, SH(2, 1), V(70, 80)}};
    io wnar = {"y", TVM_INT32, 2, SH(3, 2), V(80, 2, 3, 4, 70, 6)};
    run_case("scatter_elements narrow updates", b_scatter_elements, &a0, 3, narrow, &wnar,
             TVM_OK, NULL);
    /* an index outside [-dim, dim) fails the call */
    io bad[3] = {{"x", TVM_FLOAT32, 2, SH(1, 4), V(1, 2, 3, 4)},
                 {"indices", TVM_INT64, 2, SH(1, 3), V(1, 4, 3)},
                 {"updates", TVM_FLOAT32, 2, SH(1, 3), V(5, 0.5, 10)}};
    run_case("scatter_elements index 4 of 4", b_scatter_elements, &a1, 3, bad, &wn,
             TVM_ERR_OUT_OF_BOUNDS, "indices");
    run_case("scatter_elements add, index 4 of 4", b_scatter_elements, &add, 3, bad, &wn,
             TVM_ERR_OUT_OF_BOUNDS, "indices");
    io bad2[3] = {{"x", TVM_FLOAT32, 2, SH(1, 4), V(1, 2, 3, 4)},
                  {"indices", TVM_INT64, 2, SH(1, 3), V(1, -5, 3)},
                  {"updates", TVM_FLOAT32, 2, SH(1, 3), V(5, 0.5, 10)}};
    run_case("scatter_elements index -5 of 4", b_scatter_elements, &a1, 3, bad2, &wn,
             TVM_ERR_OUT_OF_BOUNDS, "indices");
}

static tvm_tensor b_scatter_nd(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    return tvm_op_scatter_nd(g, in[0], in[1], in[2], *(const tvm_scatter_reduction *)ud);
}

TEST(scatter_nd_values) {
    tvm_scatter_reduction none = TVM_SCATTER_NONE, add = TVM_SCATTER_ADD, mul = TVM_SCATTER_MUL;
    /* ONNX example 1 */
    io in1[3] = {{"x", TVM_FLOAT32, 1, SH(8), V(1, 2, 3, 4, 5, 6, 7, 8)},
                 {"indices", TVM_INT64, 2, SH(4, 1), V(4, 3, 1, 7)},
                 {"updates", TVM_FLOAT32, 1, SH(4), V(9, 10, 11, 12)}};
    io w1 = {"y", TVM_FLOAT32, 1, SH(8), V(1, 11, 3, 10, 9, 6, 7, 12)};
    run_case("scatter_nd elements", b_scatter_nd, &none, 3, in1, &w1, TVM_OK, NULL);
    /* rows of a matrix, a 2-D grid of tuples, negative index, duplicates */
    io in2[3] = {{"x", TVM_INT32, 2, SH(3, 2), V(1, 2, 3, 4, 5, 6)},
                 {"indices", TVM_INT32, 3, SH(2, 2, 1), V(-1, 0, 0, 2)},
                 {"updates", TVM_INT32, 3, SH(2, 2, 2), V(10, 11, 20, 21, 30, 31, 40, 41)}};
    io w2n = {"y", TVM_INT32, 2, SH(3, 2), V(30, 31, 3, 4, 40, 41)};
    run_case("scatter_nd rows, last wins", b_scatter_nd, &none, 3, in2, &w2n, TVM_OK, NULL);
    io w2a = {"y", TVM_INT32, 2, SH(3, 2), V(51, 54, 3, 4, 55, 58)};
    run_case("scatter_nd rows add", b_scatter_nd, &add, 3, in2, &w2a, TVM_OK, NULL);
    io w2m = {"y", TVM_INT32, 2, SH(3, 2), V(600, 1302, 3, 4, 2000, 2706)};
    run_case("scatter_nd rows mul", b_scatter_nd, &mul, 3, in2, &w2m, TVM_OK, NULL);
    /* one full tuple (indices 1-D): a single element */
    io in3[3] = {{"x", TVM_FLOAT32, 2, SH(2, 2), V(1, 2, 3, 4)},
                 {"indices", TVM_INT64, 1, SH(2), V(1, 0)},
                 {"updates", TVM_FLOAT32, 0, SH(0), V(7)}};
    io w3 = {"y", TVM_FLOAT32, 2, SH(2, 2), V(1, 2, 7, 4)};
    run_case("scatter_nd one tuple", b_scatter_nd, &none, 3, in3, &w3, TVM_OK, NULL);
    io bad[3] = {{"x", TVM_FLOAT32, 1, SH(8), V(1, 2, 3, 4, 5, 6, 7, 8)},
                 {"indices", TVM_INT64, 2, SH(4, 1), V(4, 3, 8, 7)},
                 {"updates", TVM_FLOAT32, 1, SH(4), V(9, 10, 11, 12)}};
    run_case("scatter_nd index 8 of 8", b_scatter_nd, &none, 3, bad, &w1,
             TVM_ERR_OUT_OF_BOUNDS, "indices");
    run_case("scatter_nd add, index 8 of 8", b_scatter_nd, &add, 3, bad, &w1,
             TVM_ERR_OUT_OF_BOUNDS, "indices");
}

/* ---- topk ------------------------------------------------------------------- */

typedef struct topk_ud {
    int64_t k;
    int axis, largest;
    bool values;
} topk_ud;

static tvm_tensor b_topk(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    const topk_ud *u = ud;
    tvm_tensor idx = tvm_op_topk(g, in[0], u->k, u->axis, u->largest);
    return u->values ? tvm_op_gather_elements(g, in[0], idx, u->axis) : idx;
}

TEST(topk_values) {
    /* ties go to the lower index; NaN is the largest value */
    io x[1] = {{"x", TVM_FLOAT32, 2, SH(2, 5), V(1, 3, 3, 2, 0, NAN, 5, -1, 5, 4)}};
    topk_ud l3 = {3, 1, 1, false}, l3v = {3, -1, 1, true};
    io wl = {"i", TVM_INT64, 2, SH(2, 3), V(1, 2, 3, 0, 1, 3)};
    run_case("topk largest indices", b_topk, &l3, 1, x, &wl, TVM_OK, NULL);
    io wlv = {"v", TVM_FLOAT32, 2, SH(2, 3), V(3, 3, 2, NAN, 5, 5)};
    run_case("topk largest values", b_topk, &l3v, 1, x, &wlv, TVM_OK, NULL);
    topk_ud s2 = {2, 1, 0, false};
    io ws = {"i", TVM_INT64, 2, SH(2, 2), V(4, 0, 2, 4)};
    run_case("topk smallest", b_topk, &s2, 1, x, &ws, TVM_OK, NULL);
    /* axis 0, integers */
    io xi[1] = {{"x", TVM_INT32, 2, SH(3, 2), V(1, 6, 5, 2, 3, 4)}};
    topk_ud a0 = {2, 0, 1, false};
    io wa = {"i", TVM_INT64, 2, SH(2, 2), V(1, 0, 2, 2)};
    run_case("topk axis 0", b_topk, &a0, 1, xi, &wa, TVM_OK, NULL);
    topk_ud k0 = {0, 1, 1, false};
    io wk0 = {"i", TVM_INT64, 2, SH(2, 0), V(0)};
    run_case("topk k 0", b_topk, &k0, 1, x, &wk0, TVM_OK, NULL);
}

TEST(topk_errors) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d[2] = {tvm_const_int(g, TVM_INT64, 2), tvm_const_int(g, TVM_INT64, 5)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, d);
    CHECK(tvm_op_topk(g, x, 6, 1, 1).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "k", "6");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d[0] = tvm_const_int(g, TVM_INT64, 2), d[1] = tvm_const_int(g, TVM_INT64, 5);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, d);
    CHECK(tvm_op_topk(g, x, 1, 2, 1).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "axis");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d[0] = tvm_const_int(g, TVM_INT64, 2), d[1] = tvm_const_int(g, TVM_INT64, 5);
    x = tvm_placeholder(g, "x", TVM_BOOL, 2, d);
    CHECK(tvm_op_topk(g, x, 1, 1, 1).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "x", "bool");
    tvm_graph_destroy(g);

    /* a symbolic dim shorter than k is found at call time */
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        g = tvm_graph_create(ctx);
        tvm_expr n = tvm_size_var(g, "n");
        x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &n);
        tvm_tensor i = tvm_op_topk(g, x, 3, 0, 1);
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        tvm_function *fn = NULL;
        CHECK_OK(tvm_compile(g, 1, &x, 1, &i, &o, &fn));
        tvm_graph_destroy(g);
        if (!fn) continue;
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4));
        tt_tensor *r = tt_alloc(TVM_INT64, 1, TT_SHAPE(3));
        double xs[4] = {2, 8, -1, 4};
        for (int k = 0; k < 4; k++) tt_set(a, k, xs[k]);
        CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a->dl, &r->dl}, 2));
        CHECK(tt_geti(r, 0) == 1 && tt_geti(r, 1) == 3 && tt_geti(r, 2) == 0);
        tt_free(a);
        a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(2));
        CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&a->dl, &r->dl}, 2),
                    TVM_ERR_OUT_OF_BOUNDS, "topk_rank");
        tt_free(a);
        tt_free(r);
        tvm_function_release(fn);
    }
}

/* Long rows take the merge-sort path (rows over 256 positions): every row
 * against a reference order built with qsort from ONNX's rules (larger or
 * smaller first, NaN above every number, ties by lower position), on many
 * ties, NaN and signed zeros, both directions, several axes and dtypes, k
 * from 1 to the whole row. */
typedef struct topk_ref {
    const double *v;
    int largest;
} topk_ref;
static topk_ref ref_row;

static int topk_ref_cmp(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    double va = ref_row.v[a], vb = ref_row.v[b];
    int na = isnan(va), nb = isnan(vb);
    /* key: NaN above every number, then the value; smaller key first when
     * smallest, larger first when largest */
    int c = na != nb ? (na ? 1 : -1) : na ? 0 : va < vb ? -1 : va > vb ? 1 : 0;
    if (ref_row.largest) c = -c;
    return c ? c : a < b ? -1 : 1;
}

typedef struct long_case {
    tvm_dtype dt;
    int nd;
    int64_t sh[3];
    int axis, largest;
    int64_t k;
    int distinct; /* values drawn from this many integers (ties), 0: reals */
    double nan_rate;
} long_case;

static void topk_long_case(const long_case *lc) {
    int ax = lc->axis < 0 ? lc->axis + lc->nd : lc->axis;
    int64_t n = lc->sh[ax], numel = 1, outer = 1, inner = 1;
    for (int d = 0; d < lc->nd; d++) {
        numel *= lc->sh[d];
        if (d < ax) outer *= lc->sh[d];
        if (d > ax) inner *= lc->sh[d];
    }
    int64_t osh[3];
    for (int d = 0; d < lc->nd; d++) osh[d] = d == ax ? lc->k : lc->sh[d];
    tt_tensor *x = tt_alloc(lc->dt, lc->nd, lc->sh);
    uint64_t seed = 0x70b4 + (uint64_t)n * 31 + (uint64_t)lc->k;
    for (int64_t i = 0; i < numel; i++) {
        double u = tt_rand_uniform(&seed), v;
        if (lc->distinct) v = (double)(int64_t)(u * lc->distinct) - lc->distinct / 2;
        else v = u * 2 - 1;
        if (tt_is_float(lc->dt)) {
            if (v == 0 && tt_rand_uniform(&seed) < 0.5) v = -0.0; /* -0 ties +0 */
            if (tt_rand_uniform(&seed) < lc->nan_rate) v = NAN;
        }
        tt_set(x, i, v);
    }
    double *row = malloc(sizeof *row * (size_t)n);
    int64_t *order = malloc(sizeof *order * (size_t)n);
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        tvm_graph *g = tvm_graph_create(ctx);
        tvm_expr dims[3];
        for (int d = 0; d < lc->nd; d++) dims[d] = tvm_const_int(g, TVM_INT64, lc->sh[d]);
        tvm_tensor ph = tvm_placeholder(g, "x", lc->dt, lc->nd, dims);
        tvm_tensor idx = tvm_op_topk(g, ph, lc->k, lc->axis, lc->largest);
        tt_tensor *r = tt_alloc(TVM_INT64, lc->nd, osh);
        tt_fill_bytes(r, 0x5a);
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        tt_tensor *args[2] = {x, r};
        tvm_status st = tt_compile_run(g, 1, &ph, 1, &idx, &o, args);
        tvm_graph_destroy(g);
        if (!CHECK(st == TVM_OK)) {
            fprintf(stderr, "  topk n %lld k %lld on %s: %s\n", (long long)n, (long long)lc->k,
                    tt_targets[t], tvm_last_error());
            tt_free(r);
            continue;
        }
        bool ok = true;
        for (int64_t o1 = 0; o1 < outer && ok; o1++)
            for (int64_t i1 = 0; i1 < inner && ok; i1++) {
                for (int64_t p = 0; p < n; p++) {
                    row[p] = tt_get(x, (o1 * n + p) * inner + i1);
                    order[p] = p;
                }
                ref_row = (topk_ref){row, lc->largest};
                qsort(order, (size_t)n, sizeof *order, topk_ref_cmp);
                for (int64_t j = 0; j < lc->k && ok; j++) {
                    int64_t got = tt_geti(r, (o1 * lc->k + j) * inner + i1);
                    if (!CHECK(got == order[j])) {
                        fprintf(stderr, "  topk %s n %lld k %lld axis %d largest %d on %s: "
                                "row (%lld, %lld) entry %lld is %lld, expected %lld\n",
                                tt_dtype_name(lc->dt), (long long)n, (long long)lc->k,
                                lc->axis, lc->largest, tt_targets[t], (long long)o1,
                                (long long)i1, (long long)j, (long long)got,
                                (long long)order[j]);
                        ok = false;
                    }
                }
            }
        tt_free(r);
    }
    free(row);
    free(order);
    tt_free(x);
}

TEST(topk_long_rows) {
    static const long_case cases[] = {
        /* n = 8000: k small and k = n, reals with NaN, both directions */
        {TVM_FLOAT32, 2, {2, 8000}, 1, 1, 10, 0, 0.01},
        {TVM_FLOAT32, 2, {1, 8000}, -1, 0, 8000, 0, 0.01},
        /* many ties (50 values), NaN, signed zeros; n not a power of two */
        {TVM_FLOAT32, 2, {3, 1000}, 1, 1, 1000, 50, 0.05},
        {TVM_FLOAT64, 2, {2, 777}, 1, 0, 300, 9, 0.1},
        /* a middle axis, and axis 0, integers with ties */
        {TVM_FLOAT64, 3, {2, 600, 3}, 1, 0, 7, 20, 0.02},
        {TVM_INT32, 2, {300, 3}, 0, 1, 300, 40, 0},
        {TVM_INT64, 2, {513, 2}, 0, 0, 1, 1000000, 0},
        {TVM_INT64, 1, {1025}, 0, 1, 129, 1000, 0},
        {TVM_INT8, 2, {2, 257}, 1, 1, 256, 7, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) topk_long_case(&cases[i]);
}

/* ---- einsum ------------------------------------------------------------------ */

static tvm_tensor b_einsum(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    const char *eq = ud;
    int n = 1;
    for (const char *p = eq; *p && !(p[0] == '-' && p[1] == '>'); p++) n += *p == ',';
    return tvm_op_einsum(g, eq, n, in);
}

TEST(einsum_values) {
    io mm[2] = {{"a", TVM_FLOAT32, 2, SH(2, 3), V(1, 2, 3, 4, 5, 6)},
                {"b", TVM_FLOAT32, 2, SH(3, 2), V(1, 0, 0, 1, 2, -1)}};
    io wmm = {"y", TVM_FLOAT32, 2, SH(2, 2), V(7, -1, 16, -1)};
    run_case("einsum ij,jk->ik", b_einsum, "ij,jk->ik", 2, mm, &wmm, TVM_OK, NULL);
    run_case("einsum implicit ij,jk", b_einsum, "ij, jk", 2, mm, &wmm, TVM_OK, NULL);
    io wt = {"y", TVM_FLOAT32, 2, SH(2, 2), V(7, 16, -1, -1)};
    run_case("einsum ij,jk->ki", b_einsum, "ij,jk->ki", 2, mm, &wt, TVM_OK, NULL);
    /* attention scores: q [1,2,2,2] . k [1,2,3,2] over d */
    io att[2] = {{"q", TVM_FLOAT32, 4, SH(1, 2, 2, 2), V(1, 0, 0, 1, 1, 1, 2, -1)},
                 {"k", TVM_FLOAT32, 4, SH(1, 2, 3, 2), V(1, 2, 3, 4, 5, 6, 1, 0, 0, 1, 2, 2)}};
    io watt = {"s", TVM_FLOAT32, 4, SH(1, 2, 2, 3), V(1, 3, 5, 2, 4, 6, 1, 1, 4, 2, -1, 2)};
    run_case("einsum bhqd,bhkd->bhqk", b_einsum, "bhqd,bhkd->bhqk", 2, att, &watt, TVM_OK, NULL);
    io sq[1] = {{"a", TVM_FLOAT32, 2, SH(3, 3), V(1, 2, 3, 4, 5, 6, 7, 8, 9)}};
    io wdiag = {"y", TVM_FLOAT32, 1, SH(3), V(1, 5, 9)};
    run_case("einsum ii->i", b_einsum, "ii->i", 1, sq, &wdiag, TVM_OK, NULL);
    io wtrace = {"y", TVM_FLOAT32, 0, SH(0), V(15)};
    run_case("einsum trace ii", b_einsum, "ii", 1, sq, &wtrace, TVM_OK, NULL);
    io wsum = {"y", TVM_FLOAT32, 1, SH(3), V(6, 15, 24)};
    run_case("einsum ij->i", b_einsum, "ij->i", 1, sq, &wsum, TVM_OK, NULL);
    io wbt = {"y", TVM_FLOAT32, 2, SH(3, 3), V(1, 4, 7, 2, 5, 8, 3, 6, 9)};
    run_case("einsum ...ij->...ji", b_einsum, "...ij->...ji", 1, sq, &wbt, TVM_OK, NULL);
    /* broadcast dims: [2,1,2] with [3,2] -> [2,3] */
    io bc[2] = {{"a", TVM_INT32, 3, SH(2, 1, 2), V(1, 2, 3, 4)},
                {"b", TVM_INT32, 2, SH(3, 2), V(1, 1, 2, 0, 0, 3)}};
    io wbc = {"y", TVM_INT32, 2, SH(2, 3), V(3, 2, 6, 7, 6, 12)};
    run_case("einsum ...i,...i->...", b_einsum, "...i,...i->...", 2, bc, &wbc, TVM_OK, NULL);
}

static void einsum_error(const char *eq, int n, int64_t k0, int64_t k1, tvm_status want,
                         const char *needle) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d[2] = {tvm_const_int(g, TVM_INT64, k0), tvm_const_int(g, TVM_INT64, k1)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, d);
    tvm_tensor y = tvm_placeholder(g, "y", TVM_FLOAT32, 2, (tvm_expr[]){d[1], d[1]});
    CHECK(tvm_op_einsum(g, eq, n, (tvm_tensor[]){x, y}).id == 0);
    CHECK_ERROR(tvm_graph_status(g), want, "tvm_op_einsum", needle);
    tvm_graph_destroy(g);
}

TEST(einsum_errors) {
    einsum_error("ij,ik->jk", 2, 2, 3, TVM_ERR_SHAPE, "'i'");
    einsum_error("ij,jk", 1, 2, 3, TVM_ERR_INVALID_ARGUMENT, "terms");
    einsum_error("ij->ik", 1, 2, 3, TVM_ERR_INVALID_ARGUMENT, "'k'");
    einsum_error("i1,jk", 2, 2, 3, TVM_ERR_INVALID_ARGUMENT, "'1'");
    einsum_error("ijk,jk", 2, 2, 3, TVM_ERR_SHAPE, "rank");
    einsum_error("ij->ii", 1, 3, 3, TVM_ERR_INVALID_ARGUMENT, "twice");
    einsum_error("i.j", 1, 3, 3, TVM_ERR_INVALID_ARGUMENT, "'.'");
    einsum_error("ij,jk", 0, 2, 3, TVM_ERR_INVALID_ARGUMENT, "n");
}

/* ---- quantization ------------------------------------------------------------ */

typedef struct quant_ud {
    int axis;
    tvm_dtype dt;
    bool zp;
} quant_ud;

static tvm_tensor b_quantize(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    const quant_ud *u = ud;
    return tvm_op_quantize_linear(g, in[0], in[1], u->zp ? in[2] : (tvm_tensor){0}, u->axis,
                                  u->dt);
}

static tvm_tensor b_dequantize(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    const quant_ud *u = ud;
    return tvm_op_dequantize_linear(g, in[0], in[1], u->zp ? in[2] : (tvm_tensor){0}, u->axis);
}

TEST(quantize_values) {
    /* half to even, saturation, NaN to 0, the float just below one half */
    quant_ud s8 = {0, TVM_INT8, false};
    io in[2] = {{"x", TVM_FLOAT32, 1, SH(10),
                 V(-1.5, -0.5, 0.5, 1.5, 2.5, 300, -300, 0.49999997, NAN, -2.6)},
                {"scale", TVM_FLOAT32, 0, SH(0), V(1)}};
    io w = {"y", TVM_INT8, 1, SH(10), V(-2, 0, 0, 2, 2, 127, -128, 0, 0, -3)};
    run_case("quantize int8", b_quantize, &s8, 2, in, &w, TVM_OK, NULL);
    /* uint8 with a zero point, scale 0.5 */
    quant_ud u8 = {0, 0, true};
    io inz[3] = {{"x", TVM_FLOAT32, 1, SH(6), V(0, 1.25, -1.25, 63.5, 100, -70)},
                 {"scale", TVM_FLOAT32, 1, SH(1), V(0.5)},
                 {"zero_point", TVM_UINT8, 0, SH(0), V(128)}};
    io wz = {"y", TVM_UINT8, 1, SH(6), V(128, 130, 126, 255, 255, 0)};
    run_case("quantize uint8 zero point", b_quantize, &u8, 3, inz, &wz, TVM_OK, NULL);
    /* per axis 1 */
    quant_ud ax = {1, 0, true};
    io ina[3] = {{"x", TVM_FLOAT32, 2, SH(2, 3), V(1, 2, 3, -1, -2, -3)},
                 {"scale", TVM_FLOAT32, 1, SH(3), V(1, 2, 4)},
                 {"zero_point", TVM_INT8, 1, SH(3), V(0, 10, -10)}};
    io wa = {"y", TVM_INT8, 2, SH(2, 3), V(1, 11, -9, -1, 9, -11)};
    run_case("quantize per axis", b_quantize, &ax, 3, ina, &wa, TVM_OK, NULL);
}

TEST(dequantize_values) {
    quant_ud z = {0, 0, true};
    io in[3] = {{"x", TVM_INT8, 1, SH(3), V(-128, 0, 127)},
                {"scale", TVM_FLOAT32, 0, SH(0), V(0.5)},
                {"zero_point", TVM_INT8, 0, SH(0), V(1)}};
    io w = {"y", TVM_FLOAT32, 1, SH(3), V(-64.5, -0.5, 63)};
    run_case("dequantize int8", b_dequantize, &z, 3, in, &w, TVM_OK, NULL);
    quant_ud ax = {0, 0, true};
    io ina[3] = {{"x", TVM_UINT8, 2, SH(2, 2), V(0, 255, 10, 20)},
                 {"scale", TVM_FLOAT32, 1, SH(2), V(1, 0.25)},
                 {"zero_point", TVM_UINT8, 1, SH(2), V(128, 10)}};
    io wa = {"y", TVM_FLOAT32, 2, SH(2, 2), V(-128, 127, 0, 2.5)};
    run_case("dequantize per axis 0", b_dequantize, &ax, 3, ina, &wa, TVM_OK, NULL);
    quant_ud nz = {0, 0, false};
    io in32[2] = {{"x", TVM_INT32, 1, SH(2), V(-1000000, 3)},
                  {"scale", TVM_FLOAT32, 0, SH(0), V(2)}};
    io w32 = {"y", TVM_FLOAT32, 1, SH(2), V(-2000000, 6)};
    run_case("dequantize int32", b_dequantize, &nz, 2, in32, &w32, TVM_OK, NULL);
}

TEST(quantize_errors) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d3 = tvm_const_int(g, TVM_INT64, 3), d2 = tvm_const_int(g, TVM_INT64, 2);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    tvm_tensor s = tvm_placeholder(g, "s", TVM_FLOAT32, 1, &d2);
    CHECK(tvm_op_quantize_linear(g, x, s, (tvm_tensor){0}, 1, TVM_INT8).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_SHAPE, "scale", "axis");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d3);
    s = tvm_placeholder(g, "s", TVM_FLOAT32, 0, NULL);
    tvm_tensor z = tvm_placeholder(g, "z", TVM_INT32, 0, NULL);
    CHECK(tvm_op_quantize_linear(g, x, s, z, 0, 0).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "int32");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d3);
    s = tvm_placeholder(g, "s", TVM_INT32, 0, NULL);
    CHECK(tvm_op_quantize_linear(g, x, s, (tvm_tensor){0}, 0, TVM_INT8).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "scale");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d3);
    s = tvm_placeholder(g, "s", TVM_FLOAT32, 1, &d3);
    CHECK(tvm_op_dequantize_linear(g, x, s, (tvm_tensor){0}, 5).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "x", "float32");
    tvm_graph_destroy(g);
}

/* ---- bit shifts --------------------------------------------------------------- */

static tvm_tensor b_bitshift(tvm_graph *g, const tvm_tensor *in, const void *ud) {
    return tvm_op_bitshift(g, in[0], in[1], *(const int *)ud);
}

TEST(bitshift_values) {
    int left = 1, right = 0;
    io u8[2] = {{"x", TVM_UINT8, 1, SH(6), V(16, 4, 1, 255, 200, 3)},
                {"y", TVM_UINT8, 1, SH(6), V(1, 2, 7, 8, 3, 0)}};
    io wl = {"z", TVM_UINT8, 1, SH(6), V(32, 16, 128, 0, 64, 3)};
    run_case("bitshift uint8 left", b_bitshift, &left, 2, u8, &wl, TVM_OK, NULL);
    io wr = {"z", TVM_UINT8, 1, SH(6), V(8, 1, 0, 0, 25, 3)};
    run_case("bitshift uint8 right", b_bitshift, &right, 2, u8, &wr, TVM_OK, NULL);
    /* signed: arithmetic right shift, broadcast amount, out-of-range amounts */
    io s32[2] = {{"x", TVM_INT32, 2, SH(2, 3), V(-7, 7, -1, 1024, -2147483647 - 1, 5)},
                 {"y", TVM_INT32, 1, SH(3), V(1, 31, 40)}};
    io wsr = {"z", TVM_INT32, 2, SH(2, 3), V(-4, 0, -1, 512, -1, 0)};
    run_case("bitshift int32 right", b_bitshift, &right, 2, s32, &wsr, TVM_OK, NULL);
    io wsl = {"z", TVM_INT32, 2, SH(2, 3), V(-14, -2147483647 - 1, 0, 2048, 0, 0)};
    run_case("bitshift int32 left", b_bitshift, &left, 2, s32, &wsl, TVM_OK, NULL);
    io i64[2] = {{"x", TVM_INT64, 1, SH(3), V(3, -8, 1)},
                 {"y", TVM_INT64, 1, SH(3), V(62, -1, 63)}};
    io w64 = {"z", TVM_INT64, 1, SH(3), V(-4611686018427387904.0, 0, -9223372036854775808.0)};
    run_case("bitshift int64 left", b_bitshift, &left, 2, i64, &w64, TVM_OK, NULL);
}

TEST(bitshift_errors) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d3 = tvm_const_int(g, TVM_INT64, 3);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d3);
    CHECK(tvm_op_bitshift(g, x, x, 1).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "x", "float32");
    tvm_graph_destroy(g);
    g = tvm_graph_create(ctx);
    d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_UINT8, 1, &d3);
    tvm_tensor y = tvm_placeholder(g, "y", TVM_INT32, 1, &d3);
    CHECK(tvm_op_bitshift(g, x, y, 0).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "y", "int32");
    tvm_graph_destroy(g);
}

/* ---- build-time errors of the index ops -------------------------------------- */

TEST(index_op_errors) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    tvm_tensor fi = tvm_placeholder(g, "fi", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    CHECK(tvm_op_gather_elements(g, x, fi, 0).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_DTYPE, "indices", "float32");
    tvm_graph_destroy(g);

    g = tvm_graph_create(ctx);
    d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    tvm_tensor ix = tvm_placeholder(g, "ix", TVM_INT64, 2, (tvm_expr[]){d2, d3});
    CHECK(tvm_op_scatter_elements(g, x, ix, x, 2, TVM_SCATTER_NONE).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "axis");
    tvm_graph_destroy(g);

    g = tvm_graph_create(ctx);
    d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    ix = tvm_placeholder(g, "ix", TVM_INT64, 2, (tvm_expr[]){d2, d3});
    CHECK(tvm_op_scatter_elements(g, x, ix, x, 0, (tvm_scatter_reduction)9).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "reduction");
    tvm_graph_destroy(g);

    g = tvm_graph_create(ctx);
    d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    ix = tvm_placeholder(g, "ix", TVM_INT64, 2, (tvm_expr[]){d2, d3});
    tvm_tensor up = tvm_placeholder(g, "up", TVM_FLOAT32, 2, (tvm_expr[]){d2, d2});
    CHECK(tvm_op_scatter_elements(g, x, ix, up, 0, TVM_SCATTER_ADD).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_SHAPE, "updates");
    tvm_graph_destroy(g);

    g = tvm_graph_create(ctx);
    d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    ix = tvm_placeholder(g, "ix", TVM_INT64, 2, (tvm_expr[]){d2, d3}); /* tuples of 3 > rank 2 */
    up = tvm_placeholder(g, "up", TVM_FLOAT32, 1, &d2);
    CHECK(tvm_op_scatter_nd(g, x, ix, up, TVM_SCATTER_NONE).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_SHAPE, "tuples");
    tvm_graph_destroy(g);

    g = tvm_graph_create(ctx);
    d2 = tvm_const_int(g, TVM_INT64, 2), d3 = tvm_const_int(g, TVM_INT64, 3);
    x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, (tvm_expr[]){d2, d3});
    ix = tvm_placeholder(g, "ix", TVM_INT64, 2, (tvm_expr[]){d2, d2});
    CHECK(tvm_op_gather_nd(g, x, ix, 2).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "batch_dims");
    tvm_graph_destroy(g);
}

int main(int argc, char **argv) {
    ctx = tt_context();
    if (!ctx) return 1;
    int rc = check_run_all(argc, argv);
    tvm_context_destroy(ctx);
    return rc;
}
