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
    CHECK_OK_OR_RETURN(tvm_compile(b.g, b.nin, b.in, 1, &b.out, &o, &f));
    char *loop = NULL;
    CHECK_OK(tvm_function_source(f, "loop", &loop));
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
    CHECK_OK_OR_RETURN(tvm_compile(b.g, b.nin, b.in, 1, &b.out, &o, &f));
    char *loop = NULL;
    CHECK_OK(tvm_function_source(f, "loop", &loop));
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
        CHECK_OK_OR_RETURN(tvm_compile(b.g, b.nin, b.in, 1, &b.out, &o, &f));
        char *loop = NULL, *ir = NULL;
        CHECK_OK(tvm_function_source(f, "loop", &loop));
        CHECK_OK(tvm_function_source(f, "llvm", &ir));
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

CHECK_MAIN()
