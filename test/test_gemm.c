/* test_gemm.c — the blocked, K-split and parallel matmul schedules give the
 * interpreter's bits at 1, 2 and 3 threads.
 *
 * schedule_contraction blocks matmul nests into packed column panels that
 * parallelize spreads over threads (each thread packing into its own
 * slot), and splits k into blocks when a packed panel would not fit the
 * host's L2 (topology.h). Every output element still sums its k terms in
 * order, so the llvm results must equal the interpreter's (which runs the
 * plain nest) bit for bit, whatever the thread count. Sizes are odd on
 * purpose: 1, 5, 63, 65, 1000, 2049 columns or terms, remainders of the
 * 6-row blocks and 64-column panels.
 *
 * meson runs this file twice: as is, and as gemm_small_caches under a
 * synthetic hwloc topology with a 64 KB L2, where k is split into blocks
 * of 128 already at K = 300. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "tensor_util.h"

static const int thread_counts[] = {1, 2, 3};
#define NCTX 3
static tvm_context *ctxs[NCTX], *interp_ctx;

static void free_ctxs(void) {
    for (int c = 0; c < NCTX; c++) tvm_context_destroy(ctxs[c]);
    tvm_context_destroy(interp_ctx);
}

static tvm_context *ctx_at(int c) {
    if (!interp_ctx) {
        for (int k = 0; k < NCTX; k++) {
            tvm_context_options o = {.struct_size = sizeof o, .num_threads = thread_counts[k]};
            if (tvm_context_create(&o, &ctxs[k]) != TVM_OK) return NULL;
        }
        interp_ctx = tt_context();
        atexit(free_ctxs);
    }
    return c < 0 ? interp_ctx : ctxs[c];
}

enum { PLAIN, BIAS_RELU };
enum { MATMUL, DENSE, BATCHED, SYMBOLIC, GEMV };

typedef struct gcase {
    int kind;
    tvm_dtype dt;
    int64_t batch, M, N, K;
    int epi;
} gcase;

typedef struct built {
    tvm_graph *g;
    tvm_tensor in[3], out;
    int nin;
} built;

/* out[b.., i, j] = epi(sum_k A[b.., i, k] * B[k, j]) (DENSE: W[j, k]) as a
 * plain compute, the way a user writes it. */
static built build(tvm_context *ctx, const gcase *c) {
    built b = {.g = tvm_graph_create(ctx), .nin = 2};
    tvm_graph *g = b.g;
    tvm_expr dm, dn, dk;
    if (c->kind == SYMBOLIC) {
        dm = tvm_size_var(g, "m");
        dn = tvm_size_var(g, "n");
        dk = tvm_size_var(g, "k");
    } else {
        dm = tvm_const_int(g, TVM_INT64, c->M);
        dn = tvm_const_int(g, TVM_INT64, c->N);
        dk = tvm_const_int(g, TVM_INT64, c->K);
    }
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", dk);
    if (c->kind == BATCHED) {
        tvm_expr db = tvm_const_int(g, TVM_INT64, c->batch), bi = tvm_iter_var(g, "b");
        b.in[0] = tvm_placeholder(g, "A", c->dt, 3, (tvm_expr[]){db, dm, dk});
        b.in[1] = tvm_placeholder(g, "B", c->dt, 3, (tvm_expr[]){db, dk, dn});
        tvm_expr prod = tvm_mul(g, tvm_load(g, b.in[0], (tvm_expr[]){bi, i, k}),
                                tvm_load(g, b.in[1], (tvm_expr[]){bi, k, j}));
        b.out = tvm_compute(g, "C", 3, (tvm_expr[]){db, dm, dn}, (tvm_expr[]){bi, i, j},
                            tvm_sum(g, prod, 1, &k));
        return b;
    }
    if (c->kind == GEMV) { /* y[j] = sum_k W[j, k] x[k] */
        b.in[0] = tvm_placeholder(g, "W", c->dt, 2, (tvm_expr[]){dn, dk});
        b.in[1] = tvm_placeholder(g, "x", c->dt, 1, &dk);
        tvm_expr prod = tvm_mul(g, tvm_load(g, b.in[0], (tvm_expr[]){j, k}),
                                tvm_load(g, b.in[1], &k));
        b.out = tvm_compute(g, "y", 1, &dn, &j, tvm_sum(g, prod, 1, &k));
        if (c->epi == BIAS_RELU) {
            b.in[2] = tvm_placeholder(g, "bias", c->dt, 1, &dn);
            b.nin = 3;
            b.out = tvm_op_unary(g, TVM_OP_RELU, tvm_op_binary(g, TVM_OP_ADD, b.out, b.in[2]));
        }
        return b;
    }
    b.in[0] = tvm_placeholder(g, "A", c->dt, 2, (tvm_expr[]){dm, dk});
    tvm_expr bidx[2] = {k, j};
    if (c->kind == DENSE) {
        b.in[1] = tvm_placeholder(g, "W", c->dt, 2, (tvm_expr[]){dn, dk});
        bidx[0] = j;
        bidx[1] = k;
    } else {
        b.in[1] = tvm_placeholder(g, "B", c->dt, 2, (tvm_expr[]){dk, dn});
    }
    tvm_expr prod = tvm_mul(g, tvm_load(g, b.in[0], (tvm_expr[]){i, k}),
                            tvm_load(g, b.in[1], bidx));
    b.out = tvm_compute(g, "C", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j},
                        tvm_sum(g, prod, 1, &k));
    if (c->epi == BIAS_RELU) {
        b.in[2] = tvm_placeholder(g, "bias", c->dt, 1, &dn);
        b.nin = 3;
        b.out = tvm_op_unary(g, TVM_OP_RELU, tvm_op_binary(g, TVM_OP_ADD, b.out, b.in[2]));
    }
    return b;
}

/* Whether the schedule keeps every sum's order on llvm: it blocks nests
 * with 4 columns and 4 terms or more (a transposed B only when packed, 24
 * rows or more); LLVM may reassociate the k sum of the others (loop.h). */
static bool exact(const gcase *c) {
    if (c->dt == TVM_INT32) return true;
    if (c->kind == GEMV) return c->K < 4; /* rows of dot products: reassociated */
    if (c->N < 4 || c->K < 4) return false;
    return c->kind != DENSE || c->M >= 24;
}

/* Runs case c on interp and on llvm at 1, 2, 3 threads: llvm results equal
 * each other bitwise, and the interpreter's bitwise when exact() (else
 * within 1e-4). */
static void run_case(const gcase *c) {
    char what[128];
    snprintf(what, sizeof what, "kind %d %s %lldx[%lldx%lldx%lld] epi %d", c->kind,
             tt_dtype_name(c->dt), (long long)c->batch, (long long)c->M, (long long)c->N,
             (long long)c->K, c->epi);
    int64_t sa[3], sb[3], so[3];
    int nd = 2, o = 0;
    if (c->kind == BATCHED) {
        sa[0] = sb[0] = so[0] = c->batch;
        nd = 3;
        o = 1;
    }
    sa[o] = c->M, sa[o + 1] = c->K;
    so[o] = c->M, so[o + 1] = c->N;
    if (c->kind == DENSE) sb[o] = c->N, sb[o + 1] = c->K;
    else sb[o] = c->K, sb[o + 1] = c->N;
    int nda = nd, ndb = nd;
    if (c->kind == GEMV) { /* W [N, K], x [K], y [N] */
        sa[0] = c->N, sa[1] = c->K;
        sb[0] = c->K;
        so[0] = c->N;
        ndb = nd = 1;
    }
    tt_tensor *args[4] = {tt_alloc(c->dt, nda, sa), tt_alloc(c->dt, ndb, sb), NULL, NULL};
    int nin = c->epi == BIAS_RELU ? 3 : 2;
    if (nin == 3) args[2] = tt_alloc(c->dt, 1, &c->N);
    tt_tensor *got[NCTX + 1];
    for (int t = 0; t <= NCTX; t++) got[t] = tt_alloc(c->dt, nd, so);
    for (int a = 0; a < nin; a++) {
        CHECK_OR_RETURN(args[a] != NULL);
        if (c->dt == TVM_INT32) tt_fill_random(args[a], 11 + (uint64_t)a, -50, 50);
        else tt_fill_random(args[a], 11 + (uint64_t)a, -1.0, 1.0);
    }
    for (int t = 0; t <= NCTX; t++) {
        CHECK_OR_RETURN(got[t] != NULL);
        tt_fill_bytes(got[t], 0xA5); /* every element must be written */
        built b = build(ctx_at(t - 1), c);
        CHECK_OK_OR_RETURN(tvm_graph_status(b.g));
        args[nin] = got[t];
        tvm_compile_options opt = tt_options(t == 0 ? "interp" : "llvm", 0, 0);
        CHECK_OK(tt_compile_run(b.g, b.nin, b.in, 1, &b.out, &opt, args));
        tvm_graph_destroy(b.g);
    }
    for (int t = 2; t <= NCTX; t++) {
        int64_t d = tt_first_bit_diff(got[t], got[1]);
        if (d >= 0)
            fprintf(stderr, "%s: %d threads vs 1: %s\n", what, thread_counts[t - 1],
                    tt_describe_diff(got[t], got[1], d));
        CHECK(d < 0);
    }
    if (exact(c)) {
        int64_t d = tt_first_bit_diff(got[1], got[0]);
        if (d >= 0) fprintf(stderr, "%s: llvm vs interp: %s\n", what,
                            tt_describe_diff(got[1], got[0], d));
        CHECK(d < 0);
    } else {
        double e = tt_max_rel_diff(got[1], got[0], 1.0);
        if (!(e < 1e-4)) fprintf(stderr, "%s: rel diff %g\n", what, e);
        CHECK(e < 1e-4);
    }
    for (int a = 0; a < nin; a++) tt_free(args[a]);
    for (int t = 0; t <= NCTX; t++) tt_free(got[t]);
}

TEST(gemm_odd_sizes) {
    static const int64_t shapes[][3] = {
        {1, 5, 63},   {5, 65, 1},    {63, 1000, 65}, {65, 63, 5},   {1000, 65, 63},
        {30, 2049, 40}, {7, 3, 2049}, {100, 130, 300}, {24, 64, 4100}, {65, 1, 65},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        gcase c = {MATMUL, TVM_FLOAT32, 1, shapes[s][0], shapes[s][1], shapes[s][2], PLAIN};
        run_case(&c);
    }
}

/* A fused bias + relu runs once per element, after the last K block. */
TEST(gemm_epilogue_k_blocks) {
    static const int64_t shapes[][3] = {{63, 200, 300}, {25, 100, 2049}, {200, 65, 63}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        gcase c = {MATMUL, TVM_FLOAT32, 1, shapes[s][0], shapes[s][1], shapes[s][2], BIAS_RELU};
        run_case(&c);
    }
}

/* Transposed B (packed into panels), batches (the batch loop is the
 * parallel one), size variables specialised per call. */
TEST(gemm_dense_batched_symbolic) {
    const gcase cases[] = {
        {DENSE, TVM_FLOAT32, 1, 63, 130, 300, PLAIN},
        {DENSE, TVM_FLOAT32, 1, 5, 65, 63, BIAS_RELU},
        {BATCHED, TVM_FLOAT32, 3, 30, 65, 300, PLAIN},
        {BATCHED, TVM_FLOAT32, 2, 5, 63, 5, PLAIN},
        {SYMBOLIC, TVM_FLOAT32, 1, 65, 1000, 63, PLAIN},
        {SYMBOLIC, TVM_FLOAT32, 1, 5, 63, 300, BIAS_RELU},
    };
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) run_case(&cases[s]);
}

/* Narrow outputs (fewer than two full column panels) with many rows: the
 * rows are split into groups of 96 instead, each packing its own panels;
 * the row groups are the parallel loop. */
TEST(gemm_narrow_row_groups) {
    const gcase cases[] = {
        {MATMUL, TVM_FLOAT32, 1, 1000, 64, 63, PLAIN},
        {MATMUL, TVM_FLOAT32, 1, 1000, 100, 300, BIAS_RELU},
        {MATMUL, TVM_FLOAT32, 1, 500, 10, 65, PLAIN},
        {MATMUL, TVM_FLOAT32, 1, 200, 5, 2049, BIAS_RELU},
        {MATMUL, TVM_FLOAT32, 1, 192, 127, 5, PLAIN},
        {DENSE, TVM_FLOAT32, 1, 400, 65, 300, PLAIN},
        {BATCHED, TVM_FLOAT32, 2, 300, 64, 70, PLAIN},
        {MATMUL, TVM_FLOAT64, 1, 300, 40, 129, BIAS_RELU},
    };
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) run_case(&cases[s]);
    gcase c = {MATMUL, TVM_FLOAT32, 1, 1000, 100, 300, PLAIN};
    built b = build(ctx_at(1), &c);
    tvm_compile_options o = tt_options("llvm", 0, 0);
    tvm_function *f = NULL;
    char *loop = NULL;
    CHECK_OK(tt_compile_loop_text(b.g, b.nin, b.in, 1, &b.out, &o, &f, &loop));
    CHECK(loop && strstr(loop, "for (ig: int64, 0, 10) parallel") != NULL);
    tvm_free(loop);
    tvm_function_release(f);
    tvm_graph_destroy(b.g);
}

/* y = W x, W read along k: rows of dot products (4 at a time, the rows
 * split across threads), k in 64-wide chunks plus a remainder; and dense
 * with few rows, where each row of x is such a product. */
TEST(gemv_rows) {
    static const int64_t shapes[][2] = {
        {1, 64}, {5, 65}, {63, 300}, {65, 2049}, {1000, 63}, {3, 1000}, {4096, 128},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int e = PLAIN; e <= BIAS_RELU; e++) {
            gcase c = {GEMV, TVM_FLOAT32, 1, 1, shapes[s][0], shapes[s][1], e};
            run_case(&c);
        }
    const gcase cases[] = {
        {GEMV, TVM_FLOAT64, 1, 1, 65, 300, BIAS_RELU},
        {DENSE, TVM_FLOAT32, 1, 1, 65, 300, PLAIN},
        {DENSE, TVM_FLOAT32, 1, 5, 130, 129, BIAS_RELU},
    };
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) run_case(&cases[s]);
    /* the dot rows apply (on llvm) */
    gcase c = {GEMV, TVM_FLOAT32, 1, 1, 1000, 300, PLAIN};
    built b = build(ctx_at(1), &c);
    tvm_compile_options o = tt_options("llvm", 0, 0);
    tvm_function *f = NULL;
    char *loop = NULL;
    CHECK_OK(tt_compile_loop_text(b.g, b.nin, b.in, 1, &b.out, &o, &f, &loop));
    CHECK(loop && strstr(loop, "dacc") && strstr(loop, "for (j0: int64, 0, 250) parallel"));
    tvm_free(loop);
    tvm_function_release(f);
    tvm_graph_destroy(b.g);
}

/* float64 is blocked like float32 (32-wide panels); int32 is declined and
 * stays exact anyway. */
TEST(gemm_other_dtypes) {
    const gcase cases[] = {
        {MATMUL, TVM_FLOAT64, 1, 63, 65, 300, PLAIN},
        {MATMUL, TVM_FLOAT64, 1, 30, 100, 5, BIAS_RELU},
        {MATMUL, TVM_INT32, 1, 63, 65, 300, PLAIN},
    };
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) run_case(&cases[s]);
}

/* The panel loop is the parallel one (outlined code in the LLVM module),
 * with a per-thread packed panel; and it stays parallel with a column
 * remainder (N = 1000: 15 full panels, then one more). */
TEST(gemm_panel_loop_is_parallel) {
    const int64_t ns[] = {256, 1000};
    for (int s = 0; s < 2; s++) {
        gcase c = {MATMUL, TVM_FLOAT32, 1, 96, ns[s], 64, PLAIN};
        built b = build(ctx_at(1), &c);
        tvm_compile_options o = tt_options("llvm", 0, 0);
        tvm_function *f = NULL;
        char *loop = NULL, *ir = NULL;
        CHECK_OK(tt_compile_loop_text(b.g, b.nin, b.in, 1, &b.out, &o, &f, &loop));
        if (f) CHECK_OK(tvm_function_source(f, "llvm", &ir));
        const char *want = ns[s] == 256 ? "for (j0: int64, 0, 4) parallel"
                                        : "for (j0: int64, 0, 15) parallel";
        CHECK(loop && strstr(loop, want) != NULL);
        CHECK(ir && strstr(ir, ".par0") != NULL);
        tvm_free(loop);
        tvm_free(ir);
        tvm_function_release(f);
        tvm_graph_destroy(b.g);
    }
}

/* Contractions round once per step (tvmc.h): with x = 1 + 2^-12, the term
 * x * x = 1 + 2^-11 + 2^-24 is not a float, so after a first term of
 * -(1 + 2^-11) the fused sum is 2^-24 while separate roundings give 0. The
 * two terms sit 64 apart in k (the dot rows' lanes are 64 wide, so they
 * meet in one lane there too). Blocked and packed (24 rows), unblocked
 * (M = 1), rows of dot products, at O0 (llvm.fma) and O3, and on the
 * interpreter; a * b + c written as an expression stays two roundings. */
TEST(contraction_rounds_once) {
    const double x = 1.0 + ldexp(1.0, -12), first = -(1.0 + ldexp(1.0, -11));
    const int64_t K = 128, N = 64;
    const gcase cases[] = {
        {MATMUL, TVM_FLOAT32, 1, 24, N, K, PLAIN},
        {MATMUL, TVM_FLOAT32, 1, 1, N, K, PLAIN},
        {GEMV, TVM_FLOAT32, 1, 1, N, K, PLAIN},
        {MATMUL, TVM_FLOAT64, 1, 24, N, K, PLAIN}, /* float64: fma, not a double rounding */
    };
    const char *targets[] = {"interp", "llvm", "llvm"};
    const int32_t levels[] = {0, TVM_OPT_O0, TVM_OPT_O3};
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) {
        const gcase *c = &cases[s];
        double y = c->dt == TVM_FLOAT64 ? 1.0 + ldexp(1.0, -27) : x;
        double y0 = c->dt == TVM_FLOAT64 ? -(1.0 + ldexp(1.0, -26)) : first;
        double want = c->dt == TVM_FLOAT64 ? ldexp(1.0, -54) : ldexp(1.0, -24);
        int64_t sa[2] = {c->M, K}, sb[2] = {K, N}, so[2] = {c->M, N};
        int nd = 2;
        if (c->kind == GEMV) sa[0] = N, sb[0] = K, so[0] = N, nd = 1;
        tt_tensor *a = tt_alloc(c->dt, 2, sa), *b = tt_alloc(c->dt, nd, sb);
        tt_tensor *out = tt_alloc(c->dt, nd, so);
        CHECK_OR_RETURN(a && b && out); /* zero-filled */
        /* row r of A (W), column j of B (x): k = 0 -> (y0, 1), k = 64 -> (y, y) */
        int64_t rows = c->kind == GEMV ? N : c->M, cols = c->kind == GEMV ? 1 : N;
        for (int64_t r = 0; r < rows; r++) {
            tt_set(a, r * K, y0);
            tt_set(a, r * K + 64, y);
        }
        for (int64_t j = 0; j < cols; j++) {
            tt_set(b, j, 1.0);
            tt_set(b, 64 * cols + j, y);
        }
        for (int t = 0; t < 3; t++) {
            tt_fill_bytes(out, 0xA5);
            built g = build(ctx_at(t == 0 ? -1 : 1), c);
            tt_tensor *args[3] = {a, b, out};
            tvm_compile_options o = tt_options(targets[t], levels[t], 0);
            CHECK_OK(tt_compile_run(g.g, g.nin, g.in, 1, &g.out, &o, args));
            tvm_graph_destroy(g.g);
            int64_t n = out->numel, bad = -1;
            for (int64_t i = 0; i < n && bad < 0; i++)
                if (tt_get(out, i) != want) bad = i;
            if (bad >= 0)
                fprintf(stderr, "case %zu on %s (opt %d): element %lld is %a, want %a\n", s,
                        targets[t], levels[t], (long long)bad, tt_get(out, bad), want);
            CHECK(bad < 0);
        }
        tt_free(a);
        tt_free(b);
        tt_free(out);
    }
    /* d = a * b + c as written: the product is rounded first */
    int64_t n = 1000;
    for (int t = 0; t < 3; t++) {
        tvm_graph *g = tvm_graph_create(ctx_at(t == 0 ? -1 : 1));
        tvm_expr dn = tvm_const_int(g, TVM_INT64, n), i = tvm_iter_var(g, "i");
        tvm_tensor in[3];
        for (int k = 0; k < 3; k++) {
            char nm[2] = {(char)('a' + k), 0};
            in[k] = tvm_placeholder(g, nm, TVM_FLOAT32, 1, &dn);
        }
        tvm_expr body = tvm_add(g, tvm_mul(g, tvm_load(g, in[0], &i), tvm_load(g, in[1], &i)),
                                tvm_load(g, in[2], &i));
        tvm_tensor d = tvm_compute(g, "d", 1, &dn, &i, body);
        tt_tensor *args[4];
        for (int k = 0; k < 4; k++) args[k] = tt_alloc(TVM_FLOAT32, 1, &n);
        CHECK_OR_RETURN(args[0] && args[1] && args[2] && args[3]);
        for (int64_t e = 0; e < n; e++) {
            tt_set(args[0], e, x);
            tt_set(args[1], e, x);
            tt_set(args[2], e, first);
        }
        tvm_compile_options o = tt_options(targets[t], levels[t], 0);
        CHECK_OK(tt_compile_run(g, 3, in, 1, &d, &o, args));
        int64_t bad = -1;
        for (int64_t e = 0; e < n && bad < 0; e++)
            if (tt_get(args[3], e) != 0.0) bad = e;
        if (bad >= 0)
            fprintf(stderr, "a * b + c on %s: element %lld is %a\n", targets[t],
                    (long long)bad, tt_get(args[3], bad));
        CHECK(bad < 0);
        for (int k = 0; k < 4; k++) tt_free(args[k]);
        tvm_graph_destroy(g);
    }
}

/* ---- B a compile-time constant ------------------------------------------
 *
 * tvm_op_matmul / tvm_op_dense read a constant B through a copy packed into
 * 64-column panels (linalg.c), which fold_constants evaluates once; the
 * schedule then reads those panels in place instead of copying B's panel on
 * every call (a column remainder is split so that it never straddles two
 * packed panels). Forms: a constant B [K, N]; a constant
 * transposed B (matmul's transpose_b, ONNX Gemm's transB); dense's W [N,
 * K]; a transpose compute of a constant W (folded); and a placeholder B,
 * which keeps the per-call copy. */
enum { CB_CONST, CB_CONST_T, CB_DENSE, CB_FOLDED, CB_PLACEHOLDER, CB_FORMS };

/* out = A · B for form `form`; B's values from w (in B's own layout: [K, N],
 * or [N, K] for the transposed forms). */
static tvm_tensor const_b_graph(tvm_graph *g, int form, tvm_dtype dt, int64_t M, int64_t N,
                                int64_t K, const tt_tensor *w, tvm_tensor *in, int *nin) {
    bool t = form == CB_CONST_T || form == CB_DENSE || form == CB_FOLDED;
    int64_t ws[2] = {t ? N : K, t ? K : N};
    in[0] = tvm_placeholder(g, "A", dt, 2, (tvm_expr[]){tvm_const_int(g, TVM_INT64, M),
                                                        tvm_const_int(g, TVM_INT64, K)});
    *nin = 1;
    tvm_tensor b;
    if (form == CB_PLACEHOLDER) {
        b = in[1] = tvm_placeholder(g, "B", dt, 2, (tvm_expr[]){tvm_const_int(g, TVM_INT64, K),
                                                                tvm_const_int(g, TVM_INT64, N)});
        *nin = 2;
    } else {
        b = tvm_constant(g, "W", dt, 2, ws, w->dl.data);
    }
    if (form == CB_DENSE) return tvm_op_dense(g, in[0], b, (tvm_tensor){0});
    if (form == CB_FOLDED) return tvm_op_matmul(g, in[0], tvm_op_transpose(g, b, (int[]){1, 0}), 0, 0);
    return tvm_op_matmul(g, in[0], b, 0, form == CB_CONST_T);
}

static void const_b_case(int form, tvm_dtype dt, int64_t M, int64_t N, int64_t K) {
    bool t = form == CB_CONST_T || form == CB_DENSE || form == CB_FOLDED;
    tt_tensor *a = tt_alloc(dt, 2, (int64_t[]){M, K});
    tt_tensor *w = tt_alloc(dt, 2, (int64_t[]){t ? N : K, t ? K : N});
    tt_tensor *got[5];
    for (int r = 0; r < 5; r++) got[r] = tt_alloc(dt, 2, (int64_t[]){M, N});
    CHECK_OR_RETURN(a && w && got[0] && got[1] && got[2] && got[3] && got[4]);
    tt_fill_random(a, 5, -1.0, 1.0);
    tt_fill_random(w, 6, -1.0, 1.0);
    /* runs: interp, llvm at 1/2/3 threads, llvm AVX2 (1 thread) */
    const char *targets[5] = {"interp", "llvm", "llvm", "llvm", "llvm -mattr=-avx512f"};
    const int ctx[5] = {-1, 0, 1, 2, 0};
    for (int r = 0; r < 5; r++) {
        tt_fill_bytes(got[r], 0xA5);
        tvm_graph *g = tvm_graph_create(ctx_at(ctx[r]));
        tvm_tensor in[2];
        int nin;
        tvm_tensor out = const_b_graph(g, form, dt, M, N, K, w, in, &nin);
        CHECK_OK_OR_RETURN(tvm_graph_status(g));
        tvm_compile_options o = tt_options(targets[r], 0, 0);
        tvm_function *f = NULL;
        CHECK_OK_OR_RETURN(tvm_compile(g, nin, in, 1, &out, &o, &f));
        tt_tensor *args[3] = {a, nin == 2 ? w : got[r], got[r]};
        DLTensor *dl[3];
        for (int q = 0; q < nin + 1; q++) dl[q] = &args[q]->dl;
        CHECK_OK(tvm_function_call(f, dl, nin + 1));
        /* the per-call panel copy: kept for a placeholder B (enough rows
         * to pack); gone for a constant B, column remainders included
         * (AVX-512 and AVX2 panels) */
        if ((r == 1 || r == 4) && M >= 24) {
            char *loop = NULL;
            CHECK_OK(tvm_function_source(f, "loop", &loop));
            bool copies = loop && strstr(loop, "bpanel") != NULL;
            CHECK(loop && strstr(loop, "accb") != NULL); /* blocked */
            if (getenv("GEMM_DUMP")) fprintf(stderr, "%s\n", loop);
            if (copies != (form == CB_PLACEHOLDER))
                fprintf(stderr, "form %d [%lldx%lldx%lld] %s: per-call copy %d\n", form,
                        (long long)M, (long long)N, (long long)K, targets[r], copies);
            CHECK(copies == (form == CB_PLACEHOLDER));
            tvm_free(loop);
        }
        tvm_function_release(f);
        tvm_graph_destroy(g);
    }
    /* a transposed B left unpacked (fewer than 24 rows) is read as rows of
     * dot products or by LLVM's own loop, which may reassociate (see
     * exact()); everything else keeps the interpreter's bits */
    bool exact_sum = !((form == CB_CONST_T || form == CB_DENSE) && M < 24);
    for (int r = 1; r < 5; r++) {
        bool bitwise = exact_sum || (r == 2 || r == 3); /* threads: vs run 1 */
        const tt_tensor *want = exact_sum ? got[0] : r == 2 || r == 3 ? got[1] : got[0];
        if (bitwise) {
            int64_t d = tt_first_bit_diff(got[r], want);
            if (d >= 0)
                fprintf(stderr, "form %d %s [%lldx%lldx%lld] run %d: %s\n", form,
                        tt_dtype_name(dt), (long long)M, (long long)N, (long long)K, r,
                        tt_describe_diff(got[r], want, d));
            CHECK(d < 0);
        } else {
            double e = tt_max_rel_diff(got[r], want, 1.0);
            if (!(e < 1e-4)) fprintf(stderr, "form %d run %d: rel diff %g\n", form, r, e);
            CHECK(e < 1e-4);
        }
    }
    tt_free(a);
    tt_free(w);
    for (int r = 0; r < 5; r++) tt_free(got[r]);
}

TEST(gemm_constant_b) {
    /* M, N, K: BERT-like; non-dividing N (a remainder that would straddle
     * two packed panels, and one inside the last); M = 1 and 7 (fewer rows
     * than a per-call copy needs: B stays unpacked); narrow-output row
     * groups; k split into blocks (K > 2048 with a 1 MiB L2, K > 128 under
     * gemm_small_caches) */
    static const int64_t shapes[][3] = {
        {128, 192, 96}, {30, 100, 65}, {25, 72, 33}, {1, 1000, 64},
        {200, 64, 40},  {30, 130, 2100}, {7, 128, 300},
    };
    for (int form = 0; form < CB_FORMS; form++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            const_b_case(form, TVM_FLOAT32, shapes[s][0], shapes[s][1], shapes[s][2]);
    const_b_case(CB_CONST, TVM_FLOAT64, 40, 200, 70);
    const_b_case(CB_DENSE, TVM_FLOAT64, 30, 64, 129);
}

/* ---- the packed copy exists only where it folds --------------------------
 *
 * linalg.c packs B into matmul_bpack only when B is constant
 * (graph_tensor_is_constant), and fold_constants folds exactly such
 * computes; were the two to disagree, the pack would be a stage copied on
 * every call (worse than none: the schedule copies a panel anyway). B forms:
 * a constant; a chain of 300 copies of a constant;
 * a transposed constant that is itself an output (computed by a kernel,
 * while the pack is still folded); a compute over a constant whose body
 * mentions a size variable; a transposed input. Results against a
 * double-precision product. */
enum { PK_CONST, PK_CHAIN, PK_OUTPUT, PK_SYMBOLIC, PK_INPUT, PK_FORMS };

TEST(gemm_pack_only_what_folds) {
    enum { M = 32, N = 80, K = 24, CHAIN = 300 };
    float wd[K * N]; /* B's values, [K, N] */
    uint64_t seed = 9;
    for (int q = 0; q < K * N; q++) wd[q] = (float)(tt_rand_uniform(&seed) * 2 - 1);
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)), *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
    tt_tensor *bin = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(N, K)); /* PK_INPUT's B, transposed */
    CHECK_OR_RETURN(a && ref && bin);
    tt_fill_random(a, 10, -1, 1);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < K; k++) acc += tt_get(a, i * K + k) * wd[k * N + j];
            tt_set(ref, i * N + j, acc);
        }
    for (int j = 0; j < N; j++)
        for (int k = 0; k < K; k++) tt_set(bin, j * K + k, wd[k * N + j]);
    for (int form = 0; form < PK_FORMS; form++) {
        tvm_graph *g = tvm_graph_create(ctx_at(0));
        /* PK_SYMBOLIC: A's rows are n, the size variable in B's body */
        tvm_expr n = tvm_size_var(g, "n");
        tvm_expr dm = form == PK_SYMBOLIC ? n : tvm_const_int(g, TVM_INT64, M),
                 dn = tvm_const_int(g, TVM_INT64, N), dk = tvm_const_int(g, TVM_INT64, K);
        tvm_tensor in[2], outs[2], b;
        int nin = 1, nout = 1;
        in[0] = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
        if (form == PK_INPUT) {
            in[nin++] = tvm_placeholder(g, "BT", TVM_FLOAT32, 2, (tvm_expr[]){dn, dk});
            b = tvm_op_transpose(g, in[1], (int[]){1, 0});
        } else if (form == PK_OUTPUT) {
            float wt[N * K];
            for (int j = 0; j < N; j++)
                for (int k = 0; k < K; k++) wt[j * K + k] = wd[k * N + j];
            b = tvm_op_transpose(g, tvm_constant(g, "WT", TVM_FLOAT32, 2, (int64_t[]){N, K}, wt),
                                 (int[]){1, 0});
            outs[nout++] = b;
        } else {
            b = tvm_constant(g, "W", TVM_FLOAT32, 2, (int64_t[]){K, N}, wd);
            tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), ij[2] = {i, j};
            for (int c = 0; form == PK_CHAIN && c < CHAIN; c++)
                b = tvm_compute(g, "Wc", 2, (tvm_expr[]){dk, dn}, ij, tvm_load(g, b, ij));
            if (form == PK_SYMBOLIC) /* n >= 0 always: the values are W's */
                b = tvm_compute(g, "Wn", 2, (tvm_expr[]){dk, dn}, ij,
                                tvm_select(g, tvm_lt(g, n, tvm_const_int(g, TVM_INT64, 0)),
                                           tvm_const_float(g, TVM_FLOAT32, 0),
                                           tvm_load(g, b, ij)));
        }
        outs[0] = tvm_op_matmul(g, in[0], b, 0, 0);
        CHECK_OK_OR_RETURN(tvm_graph_status(g));
        /* separate kernels, so a pack that did not fold would be one */
        tvm_compile_options o = tt_options("llvm", 0, TVM_COMPILE_NO_INLINE);
        tvm_function *f = NULL;
        CHECK_OK_OR_RETURN(tvm_compile(g, nin, in, nout, outs, &o, &f));
        tt_tensor *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
        tt_tensor *y2 = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(K, N));
        CHECK_OR_RETURN(y && y2);
        DLTensor *dl[4] = {&a->dl, nin == 2 ? &bin->dl : &y->dl, nin == 2 ? &y->dl : &y2->dl,
                           &y2->dl};
        CHECK_OK(tvm_function_call(f, dl, nin + nout));
        /* (after the call: a symbolic function is specialised then) */
        tvm_kernel_plan plan = {.struct_size = sizeof plan};
        CHECK_OK(tvm_function_plan(f, &plan));
        char *loop = NULL;
        CHECK_OK(tvm_function_source(f, "loop", &loop));
        bool packed = loop && strstr(loop, "matmul_bpack") != NULL;
        bool folded = loop && strstr(loop, "matmul_bpack: float32 arg") != NULL;
        bool constant = form == PK_CONST || form == PK_CHAIN || form == PK_OUTPUT;
        /* kernels: the product, plus B's when it is computed per call */
        int kernels = 1 + (form == PK_OUTPUT || form == PK_SYMBOLIC || form == PK_INPUT);
        if (packed != constant || folded != constant || plan.num_kernels != kernels)
            fprintf(stderr, "B form %d: packed %d, pack folded %d, %d kernels\n%s\n", form,
                    packed, folded, plan.num_kernels, loop ? loop : "");
        CHECK(packed == constant);
        CHECK(folded == constant);
        CHECK_EQ_INT(plan.num_kernels, kernels);
        tvm_free(loop);
        double e = tt_max_rel_diff(y, ref, 1.0);
        if (!(e < 1e-5)) fprintf(stderr, "B form %d: rel diff %g\n", form, e);
        CHECK(e < 1e-5);
        if (nout == 2) /* the output copy of B is B */
            for (int q = 0; q < K * N; q++) CHECK(tt_get(y2, q) == wd[q]);
        tt_free(y);
        tt_free(y2);
        tvm_function_release(f);
        tvm_graph_destroy(g);
    }
    tt_free(a);
    tt_free(ref);
    tt_free(bin);
}

CHECK_MAIN()
