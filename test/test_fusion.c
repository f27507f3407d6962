/* test_fusion.c — the fusion pass and the memory planner, through the C API.
 *
 * Each case builds a multi-stage computation from plain computes, compiles
 * it fused (default) and unfused (TVM_COMPILE_NO_INLINE) for both targets,
 * and checks: the outputs against a C reference loop, fused against unfused,
 * the number of kernels tvm_function_plan reports (softmax, layer_norm and
 * matmul + bias + GELU are one kernel each), and the planned workspace
 * against the sizes of the live intermediates. */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

static tvm_context *ctx;
static void destroy_ctx(void) { tvm_context_destroy(ctx); }
#define CTX (ctx ? ctx : (ctx = tt_context(), atexit(destroy_ctx), ctx))

/* Compiles, runs on args and returns the plan; fn released. */
static bool run(tvm_graph *g, int nin, const tvm_tensor *in, int nout, const tvm_tensor *out,
                const char *target, uint32_t flags, tt_tensor *const *args,
                tvm_kernel_plan *plan) {
    tvm_compile_options o = tt_options(target, 0, flags);
    tvm_function *fn = NULL;
    tvm_status st = tvm_compile(g, nin, in, nout, out, &o, &fn);
    CHECK_STATUS(st, TVM_OK);
    if (st != TVM_OK) return false;
    DLTensor *dl[16];
    for (int i = 0; i < nin + nout; i++) dl[i] = &args[i]->dl;
    st = tvm_function_call(fn, dl, nin + nout);
    CHECK_STATUS(st, TVM_OK);
    *plan = (tvm_kernel_plan){.struct_size = sizeof *plan};
    if (st == TVM_OK) CHECK_OK(tvm_function_plan(fn, plan));
    tvm_function_release(fn);
    return st == TVM_OK;
}

static void check_close(const tt_tensor *got, const tt_tensor *want, double tol,
                        const char *what) {
    double r = tt_max_rel_diff(got, want, 1e-3);
    if (!(r <= tol))
        check_fail(__FILE__, __LINE__, "%s: max relative difference %g > %g", what, r, tol);
}

/* Runs fused and unfused on both targets; checks against ref, returns the
 * fused llvm plan and the unfused one. */
static void run_all(tvm_graph *g, int nin, const tvm_tensor *in, const tvm_tensor *out,
                    tt_tensor **args, const tt_tensor *ref, double tol, const char *what,
                    tvm_kernel_plan *fused, tvm_kernel_plan *unfused) {
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int f = 0; f < 2; f++) {
            tvm_kernel_plan plan;
            tt_fill_bytes(args[nin], 0xa5);
            if (!run(g, nin, in, 1, out, tt_targets[t], f ? TVM_COMPILE_NO_INLINE : 0, args,
                     &plan))
                continue;
            char name[128];
            snprintf(name, sizeof name, "%s [%s%s]", what, tt_targets[t], f ? ", unfused" : "");
            check_close(args[nin], ref, tol, name);
            /* the plan is never below the live peak nor above the unshared sum */
            CHECK(plan.peak_live_bytes <= plan.workspace_bytes);
            CHECK(plan.workspace_bytes <= plan.intermediate_bytes);
            if (t == 0) *(f ? unfused : fused) = plan;
        }
}

TEST(softmax_is_one_kernel) {
    /* M = max_k X[i,k]; E = exp(X - M); S = sum_k E; Y = E / S */
    int64_t n = 37, m = 129;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr shape[2] = {tvm_const_int(g, TVM_INT64, n), tvm_const_int(g, TVM_INT64, m)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, shape);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", shape[1]), k2 = tvm_reduce_axis(g, "k2", shape[1]);
    tvm_expr ik[2] = {i, k}, ij[2] = {i, j}, ik2[2] = {i, k2};
    tvm_tensor M = tvm_compute(g, "M", 1, shape, &i,
                               tvm_reduce(g, TVM_REDUCE_MAX, tvm_load(g, X, ik), 1, &k));
    tvm_tensor E = tvm_compute(g, "E", 2, shape, ij,
                               tvm_exp(g, tvm_sub(g, tvm_load(g, X, ij), tvm_load(g, M, &i))));
    tvm_tensor S = tvm_compute(g, "S", 1, shape, &i, tvm_sum(g, tvm_load(g, E, ik2), 1, &k2));
    tvm_tensor Y = tvm_compute(g, "Y", 2, shape, ij,
                               tvm_div(g, tvm_load(g, E, ij), tvm_load(g, S, &i)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m));
    tt_fill_random(x, 7, -8, 8);
    for (int64_t r = 0; r < n; r++) {
        double mx = -INFINITY, s = 0;
        for (int64_t c = 0; c < m; c++) mx = fmax(mx, tt_get(x, r * m + c));
        for (int64_t c = 0; c < m; c++) s += exp(tt_get(x, r * m + c) - mx);
        for (int64_t c = 0; c < m; c++) tt_set(ref, r * m + c, exp(tt_get(x, r * m + c) - mx) / s);
    }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-5, "softmax", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(unfused.num_kernels, 4);
    /* fused: one staged row of E (m floats, 64-byte aligned) per thread of
     * the context when the row loop runs in parallel */
    CHECK(fused.workspace_bytes <= 1024 * tvm_context_num_threads(CTX));
    /* unfused: E (n*m*4) plus the row statistics */
    CHECK(unfused.intermediate_bytes >= n * m * 4);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(layer_norm_is_one_kernel) {
    /* mean, centred (cheap, inlined), var, y = xc * rsqrt(var + eps) * g + b */
    int64_t n = 19, m = 77;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr nv = tvm_size_var(g, "n"), mv = tvm_size_var(g, "m");
    tvm_expr shape[2] = {nv, mv};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, shape);
    tvm_tensor G = tvm_placeholder(g, "G", TVM_FLOAT32, 1, &mv);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &mv);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", mv), k2 = tvm_reduce_axis(g, "k2", mv);
    tvm_expr ik[2] = {i, k}, ij[2] = {i, j}, ik2[2] = {i, k2};
    tvm_expr count = tvm_cast(g, TVM_FLOAT32, mv);
    tvm_tensor Mean = tvm_compute(g, "mean", 1, shape, &i,
                                  tvm_div(g, tvm_sum(g, tvm_load(g, X, ik), 1, &k), count));
    tvm_tensor XC = tvm_compute(g, "xc", 2, shape, ij,
                                tvm_sub(g, tvm_load(g, X, ij), tvm_load(g, Mean, &i)));
    tvm_expr d = tvm_load(g, XC, ik2);
    tvm_tensor Var = tvm_compute(g, "var", 1, shape, &i,
                                 tvm_div(g, tvm_sum(g, tvm_mul(g, d, d), 1, &k2), count));
    tvm_expr inv = tvm_rsqrt(g, tvm_add(g, tvm_load(g, Var, &i),
                                        tvm_const_float(g, TVM_FLOAT32, 1e-5)));
    tvm_tensor Y = tvm_compute(g, "y", 2, shape, ij,
                               tvm_add(g, tvm_mul(g, tvm_mul(g, tvm_load(g, XC, ij), inv),
                                                  tvm_load(g, G, &j)),
                                       tvm_load(g, B, &j)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m)), *gg = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(m));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(m)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m));
    tt_fill_random(x, 3, -4, 4);
    tt_fill_random(gg, 4, 0.5, 2);
    tt_fill_random(b, 5, -1, 1);
    for (int64_t r = 0; r < n; r++) {
        double mu = 0, var = 0;
        for (int64_t c = 0; c < m; c++) mu += tt_get(x, r * m + c);
        mu /= m;
        for (int64_t c = 0; c < m; c++) var += pow(tt_get(x, r * m + c) - mu, 2);
        var /= m;
        for (int64_t c = 0; c < m; c++)
            tt_set(ref, r * m + c, (tt_get(x, r * m + c) - mu) / sqrt(var + 1e-5) * tt_get(gg, c) +
                                       tt_get(b, c));
    }
    tt_tensor *args[4] = {x, gg, b, y};
    tvm_tensor in[3] = {X, G, B};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 3, in, &Y, args, ref, 1e-4, "layer_norm", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(fused.workspace_bytes, 0);
    CHECK_EQ_INT(unfused.num_kernels, 4);
    tt_free(x); tt_free(gg); tt_free(b); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(matmul_bias_gelu_is_one_kernel) {
    int64_t M = 23, K = 31, N = 45;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dk = tvm_const_int(g, TVM_INT64, K),
             dn = tvm_const_int(g, TVM_INT64, N);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    tvm_tensor W = tvm_placeholder(g, "W", TVM_FLOAT32, 2, (tvm_expr[]){dk, dn});
    tvm_tensor Bias = tvm_placeholder(g, "bias", TVM_FLOAT32, 1, &dn);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dk);
    tvm_expr ij[2] = {i, j};
    tvm_tensor C = tvm_compute(g, "matmul", 2, (tvm_expr[]){dm, dn}, ij,
                               tvm_sum(g, tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, k}),
                                                  tvm_load(g, W, (tvm_expr[]){k, j})), 1, &k));
    tvm_tensor D = tvm_compute(g, "biased", 2, (tvm_expr[]){dm, dn}, ij,
                               tvm_add(g, tvm_load(g, C, ij), tvm_load(g, Bias, &j)));
    tvm_expr v = tvm_load(g, D, ij);
    tvm_expr half = tvm_const_float(g, TVM_FLOAT32, 0.5), one = tvm_const_float(g, TVM_FLOAT32, 1);
    tvm_tensor Y = tvm_compute(
        g, "gelu", 2, (tvm_expr[]){dm, dn}, ij,
        tvm_mul(g, tvm_mul(g, half, v),
                tvm_add(g, one, tvm_erf(g, tvm_mul(g, v, tvm_const_float(g, TVM_FLOAT32,
                                                                         0.7071067811865476))))));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)), *w = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(K, N));
    tt_tensor *bb = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(N)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
    tt_fill_random(a, 1, -1, 1);
    tt_fill_random(w, 2, -1, 1);
    tt_fill_random(bb, 3, -1, 1);
    for (int64_t r = 0; r < M; r++)
        for (int64_t c = 0; c < N; c++) {
            double s = 0;
            for (int64_t q = 0; q < K; q++) s += tt_get(a, r * K + q) * tt_get(w, q * N + c);
            s += tt_get(bb, c);
            tt_set(ref, r * N + c, 0.5 * s * (1 + erf(s / sqrt(2.0))));
        }
    tt_tensor *args[4] = {a, w, bb, y};
    tvm_tensor in[3] = {A, W, Bias};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 3, in, &Y, args, ref, 1e-3, "matmul+bias+gelu", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(fused.workspace_bytes, 0);
    CHECK_EQ_INT(unfused.num_kernels, 3);
    tt_free(a); tt_free(w); tt_free(bb); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(normalise_by_total_sum) {
    /* Y[i, j] = X[i, j] / sum(X): the total runs once, before the loops */
    int64_t n = 9, m = 13;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr shape[2] = {tvm_const_int(g, TVM_INT64, n), tvm_const_int(g, TVM_INT64, m)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT64, 2, shape);
    tvm_expr r0 = tvm_reduce_axis(g, "r0", shape[0]), r1 = tvm_reduce_axis(g, "r1", shape[1]);
    tvm_tensor T = tvm_compute(g, "total", 0, NULL, NULL,
                               tvm_sum(g, tvm_load(g, X, (tvm_expr[]){r0, r1}), 2,
                                       (tvm_expr[]){r0, r1}));
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr ij[2] = {i, j};
    tvm_tensor Y = tvm_compute(g, "Y", 2, shape, ij,
                               tvm_div(g, tvm_load(g, X, ij), tvm_load(g, T, NULL)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT64, 2, TT_SHAPE(n, m)), *y = tt_alloc(TVM_FLOAT64, 2, TT_SHAPE(n, m));
    tt_tensor *ref = tt_alloc(TVM_FLOAT64, 2, TT_SHAPE(n, m));
    tt_fill_random(x, 11, 0, 1);
    double s = 0;
    for (int64_t q = 0; q < n * m; q++) s += tt_get(x, q);
    for (int64_t q = 0; q < n * m; q++) tt_set(ref, q, tt_get(x, q) / s);
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-12, "x / sum(x)", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(unfused.num_kernels, 2);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(refused_fusions_are_stored_and_correct) {
    /* R[j] = sum_k X[k, j] read at Y[i, j] (inner loop: it would be recomputed
     * per i) and T[i, j] = exp(X[i, j]) read transposed: both must be stored
     * and the results stay right */
    int64_t n = 11, m = 6;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dn = tvm_const_int(g, TVM_INT64, n), dm = tvm_const_int(g, TVM_INT64, m);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){dn, dm});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dn);
    tvm_tensor R = tvm_compute(g, "colsum", 1, &dm, &j,
                               tvm_sum(g, tvm_load(g, X, (tvm_expr[]){k, j}), 1, &k));
    tvm_tensor T = tvm_compute(g, "ex", 2, (tvm_expr[]){dn, dm}, (tvm_expr[]){i, j},
                               tvm_exp(g, tvm_load(g, X, (tvm_expr[]){i, j})));
    tvm_expr a = tvm_iter_var(g, "a"), b = tvm_iter_var(g, "b");
    /* Y[a, b] (m x n) = ex[b, a] + ex[b, 0] + colsum[a] */
    tvm_tensor Y = tvm_compute(
        g, "Y", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){a, b},
        tvm_add(g, tvm_add(g, tvm_load(g, T, (tvm_expr[]){b, a}),
                           tvm_load(g, T, (tvm_expr[]){b, tvm_const_int(g, TVM_INT64, 0)})),
                tvm_load(g, R, &a)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(n, m)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(m, n));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(m, n));
    tt_fill_random(x, 5, -2, 2);
    for (int64_t p = 0; p < m; p++)
        for (int64_t q = 0; q < n; q++) {
            double cs = 0;
            for (int64_t r = 0; r < n; r++) cs += tt_get(x, r * m + p);
            tt_set(ref, p * n + q, exp(tt_get(x, q * m + p)) + exp(tt_get(x, q * m)) + cs);
        }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-5, "refused", &fused, &unfused);
    /* colsum[a] at Y[a, b] is fine (a is the outer loop): fused; ex is read
     * at [b, a] and [b, 0]: no shared leading loop, so it is stored */
    CHECK_EQ_INT(fused.num_kernels, 2);
    CHECK_EQ_INT(unfused.num_kernels, 3);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(chain_shares_workspace) {
    /* X -> h1 -> h2 -> ... -> h6 -> Y, every stage its own kernel (expensive
     * and read twice, so staged... or stored when unfused): at most two
     * intermediates are alive at once, so the workspace holds two */
    int64_t n = 1000;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dn = tvm_const_int(g, TVM_INT64, n);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &dn);
    tvm_tensor cur = X;
    for (int s = 0; s < 6; s++) {
        tvm_expr i = tvm_iter_var(g, "i");
        char name[8];
        snprintf(name, sizeof name, "h%d", s);
        cur = tvm_compute(g, name, 1, &dn, &i, tvm_tanh(g, tvm_load(g, cur, &i)));
    }
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor Y = tvm_compute(g, "Y", 1, &dn, &i, tvm_neg(g, tvm_load(g, cur, &i)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n)), *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
    tt_fill_random(x, 9, -3, 3);
    for (int64_t q = 0; q < n; q++) {
        double v = tt_get(x, q);
        for (int s = 0; s < 6; s++) v = (float)tanh(v);
        tt_set(ref, q, -v);
    }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-5, "tanh chain", &fused, &unfused);
    /* fused: single reads, so everything inlines into one kernel */
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(fused.workspace_bytes, 0);
    CHECK_EQ_INT(unfused.num_kernels, 7);
    CHECK_EQ_INT(unfused.num_intermediates, 6);
    int64_t one = ((n * 4 + 63) / 64) * 64;
    CHECK_EQ_INT(unfused.intermediate_bytes, 6 * one);
    /* live sets are {h0}, {h0,h1}, {h1,h2}, ..., {h5}: peak two buffers */
    CHECK_EQ_INT(unfused.workspace_bytes, 2 * one);
    CHECK_EQ_INT(unfused.peak_live_bytes, 2 * one);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

/* Whether llvm's loop IR for X -> Y lacks the text `what` (a buffer name). */
static bool loop_text_lacks(tvm_graph *g, tvm_tensor X, tvm_tensor Y, const char *what) {
    tvm_function *fn = NULL;
    tvm_compile_options o = tt_options("llvm", 0, 0);
    char *text = NULL;
    bool ok = tt_compile_loop_text(g, 1, &X, 1, &Y, &o, &fn, &text) == TVM_OK && text &&
              !strstr(text, what);
    tvm_free(text);
    tvm_function_release(fn);
    return ok;
}

TEST(expensive_operand_of_a_matmul_is_the_first_matmuls_epilogue) {
    /* M = X . W1; H = erf(M + 1); Y = H . W2 (a transformer's FFN): H
     * is stored by the first matmul's kernel (matmul + erf epilogue), not
     * staged row by row inside the second matmul's loops */
    int64_t M = 24, K = 16, N = 40, P = 8;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dk = tvm_const_int(g, TVM_INT64, K),
             dn = tvm_const_int(g, TVM_INT64, N), dp = tvm_const_int(g, TVM_INT64, P);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    float w1[16 * 40], w2[40 * 8];
    uint64_t st = 7;
    for (int q = 0; q < 16 * 40; q++) w1[q] = (float)(tt_rand_uniform(&st) - 0.5);
    for (int q = 0; q < 40 * 8; q++) w2[q] = (float)(tt_rand_uniform(&st) - 0.5);
    tvm_tensor W1 = tvm_constant(g, "W1", TVM_FLOAT32, 2, (int64_t[]){K, N}, w1);
    tvm_tensor W2 = tvm_constant(g, "W2", TVM_FLOAT32, 2, (int64_t[]){N, P}, w2);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", dk), n = tvm_reduce_axis(g, "n", dn);
    tvm_tensor Mm = tvm_compute(
        g, "M", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j},
        tvm_sum(g, tvm_mul(g, tvm_load(g, X, (tvm_expr[]){i, k}),
                           tvm_load(g, W1, (tvm_expr[]){k, j})), 1, &k));
    tvm_expr a = tvm_iter_var(g, "a"), b = tvm_iter_var(g, "b");
    tvm_tensor Hm = tvm_compute(
        g, "H", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){a, b},
        tvm_erf(g, tvm_add(g, tvm_load(g, Mm, (tvm_expr[]){a, b}),
                           tvm_const_float(g, TVM_FLOAT32, 1))));
    tvm_tensor Y = tvm_compute(g, "Y", 2, (tvm_expr[]){dm, dp}, (tvm_expr[]){a, b},
                               tvm_sum(g, tvm_mul(g, tvm_load(g, Hm, (tvm_expr[]){a, n}),
                                                  tvm_load(g, W2, (tvm_expr[]){n, b})), 1, &n));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, P));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, P));
    tt_fill_random(x, 3, -1, 1);
    for (int64_t r = 0; r < M; r++)
        for (int64_t c = 0; c < P; c++) {
            double s = 0;
            for (int64_t q = 0; q < N; q++) {
                double h = 1;
                for (int64_t p = 0; p < K; p++) h += tt_get(x, r * K + p) * w1[p * N + q];
                s += erf(h) * w2[q * P + c];
            }
            tt_set(ref, r * P + c, s);
        }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-4, "ffn", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 2);
    CHECK_EQ_INT(unfused.num_kernels, 3);
    CHECK(loop_text_lacks(g, X, Y, "H_stage")); /* erf(H) is stored, not staged */
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(attention_matmuls_get_kernels_of_their_own) {
    /* per head b: S = Q . Q^T; E = exp(S / 4); O = E . Q. Both batched
     * matmuls revisit two operands (contractions); E, their go-between,
     * is the first one's epilogue, and the second reads it from memory */
    int64_t B = 3, T = 10, D = 8;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr db = tvm_const_int(g, TVM_INT64, B), dt = tvm_const_int(g, TVM_INT64, T),
             dd = tvm_const_int(g, TVM_INT64, D);
    tvm_tensor Q = tvm_placeholder(g, "Q", TVM_FLOAT32, 3, (tvm_expr[]){db, dt, dd});
    tvm_expr h = tvm_iter_var(g, "h"), i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", dd), m = tvm_reduce_axis(g, "m", dt);
    tvm_tensor S = tvm_compute(
        g, "S", 3, (tvm_expr[]){db, dt, dt}, (tvm_expr[]){h, i, j},
        tvm_sum(g, tvm_mul(g, tvm_load(g, Q, (tvm_expr[]){h, i, k}),
                           tvm_load(g, Q, (tvm_expr[]){h, j, k})), 1, &k));
    tvm_tensor E = tvm_compute(g, "E", 3, (tvm_expr[]){db, dt, dt}, (tvm_expr[]){h, i, j},
                               tvm_exp(g, tvm_div(g, tvm_load(g, S, (tvm_expr[]){h, i, j}),
                                                  tvm_const_float(g, TVM_FLOAT32, 4))));
    tvm_tensor O = tvm_compute(
        g, "O", 3, (tvm_expr[]){db, dt, dd}, (tvm_expr[]){h, i, j},
        tvm_sum(g, tvm_mul(g, tvm_load(g, E, (tvm_expr[]){h, i, m}),
                           tvm_load(g, Q, (tvm_expr[]){h, m, j})), 1, &m));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *q = tt_alloc(TVM_FLOAT32, 3, TT_SHAPE(B, T, D)), *o = tt_alloc(TVM_FLOAT32, 3, TT_SHAPE(B, T, D));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 3, TT_SHAPE(B, T, D));
    tt_fill_random(q, 11, -1, 1);
#define QV(b_, t_, d_) tt_get(q, ((b_) * T + (t_)) * D + (d_))
    for (int64_t bb = 0; bb < B; bb++)
        for (int64_t r = 0; r < T; r++)
            for (int64_t c = 0; c < D; c++) {
                double s = 0;
                for (int64_t mm = 0; mm < T; mm++) {
                    double sc = 0;
                    for (int64_t p = 0; p < D; p++) sc += QV(bb, r, p) * QV(bb, mm, p);
                    s += exp(sc / 4) * QV(bb, mm, c);
                }
                tt_set(ref, (bb * T + r) * D + c, s);
            }
#undef QV
    tt_tensor *args[2] = {q, o};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &Q, &O, args, ref, 1e-4, "attention", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 2);
    CHECK_EQ_INT(unfused.num_kernels, 3);
    CHECK(loop_text_lacks(g, Q, O, "_stage"));
    tt_free(q); tt_free(o); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(constant_weights_fold_at_compile_time) {
    /* Y = X . transpose(W) + tile(b): the transposed weight and the bias
     * expression depend on constants only, so they are evaluated once at
     * compile time; even unfused the function runs a single kernel. Two
     * sizes: one evaluated by the interpreter, one (> 65536 elements) by a
     * JIT-compiled fold on llvm targets. */
    static const int64_t sizes[2][3] = {{5, 7, 9}, {3, 301, 257}};
    for (int sz = 0; sz < 2; sz++) {
        int64_t M = sizes[sz][0], K = sizes[sz][1], N = sizes[sz][2];
        tvm_graph *g = tvm_graph_create(CTX);
        float *wd = malloc((size_t)(N * K) * sizeof *wd), *bd = malloc((size_t)N * sizeof *bd);
        uint64_t st = 42;
        for (int64_t q = 0; q < N * K; q++) wd[q] = (float)(tt_rand_uniform(&st) * 2 - 1);
        for (int64_t q = 0; q < N; q++) bd[q] = (float)(tt_rand_uniform(&st) * 2 - 1);
        tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 2, (int64_t[]){N, K}, wd);
        tvm_tensor B = tvm_constant(g, "b", TVM_FLOAT32, 1, &N, bd);
        tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dk = tvm_const_int(g, TVM_INT64, K),
                 dn = tvm_const_int(g, TVM_INT64, N);
        tvm_expr a = tvm_iter_var(g, "a"), c = tvm_iter_var(g, "c");
        tvm_tensor WT = tvm_compute(g, "WT", 2, (tvm_expr[]){dk, dn}, (tvm_expr[]){a, c},
                                    tvm_load(g, W, (tvm_expr[]){c, a}));
        tvm_tensor B2 = tvm_compute(g, "b2", 1, &dn, &c,
                                    tvm_mul(g, tvm_load(g, B, &c),
                                            tvm_const_float(g, TVM_FLOAT32, 2)));
        tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
        tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dk);
        tvm_tensor Y = tvm_compute(
            g, "Y", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j},
            tvm_add(g, tvm_sum(g, tvm_mul(g, tvm_load(g, X, (tvm_expr[]){i, k}),
                                          tvm_load(g, WT, (tvm_expr[]){k, j})), 1, &k),
                    tvm_load(g, B2, &j)));
        CHECK_OK_OR_RETURN(tvm_graph_status(g));
        tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
        tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
        tt_fill_random(x, 77, -1, 1);
        for (int64_t r = 0; r < M; r++)
            for (int64_t q = 0; q < N; q++) {
                double s2 = 0;
                for (int64_t p = 0; p < K; p++) s2 += tt_get(x, r * K + p) * wd[q * K + p];
                tt_set(ref, r * N + q, s2 + 2.0 * bd[q]);
            }
        free(wd); /* the graph copied it; the function holds its own folds */
        free(bd);
        tt_tensor *args[2] = {x, y};
        tvm_kernel_plan fused = {0}, unfused = {0};
        run_all(g, 1, &X, &Y, args, ref, 1e-3, "folded weights", &fused, &unfused);
        CHECK_EQ_INT(fused.num_kernels, 1);
        CHECK_EQ_INT(unfused.num_kernels, 1); /* WT and b2 are constants now */
        CHECK_EQ_INT(unfused.workspace_bytes, 0);
        /* the loop IR reads WT as a constant argument (one kernel: none writes it) */
        tvm_function *fn = NULL;
        tvm_compile_options o = tt_options("llvm", 0, TVM_COMPILE_NO_INLINE);
        char *text = NULL;
        CHECK_OK(tt_compile_loop_text(g, 1, &X, 1, &Y, &o, &fn, &text));
        if (text) CHECK_STR_CONTAINS(text, "WT: float32 arg 2");
        tvm_free(text);
        tvm_function_release(fn);
        tt_free(x); tt_free(y); tt_free(ref);
        tvm_graph_destroy(g);
    }
}

TEST(symbolic_constant_computes_are_not_folded) {
    /* a compute of a constant whose shape mentions a size variable cannot be
     * evaluated at compile time: it stays a kernel and still works */
    tvm_graph *g = tvm_graph_create(CTX);
    float cd[4] = {1, 2, 3, 4};
    tvm_tensor C = tvm_constant(g, "C", TVM_FLOAT32, 1, (int64_t[]){4}, cd);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor R = tvm_compute(g, "R", 1, &n, &i,
                               tvm_exp(g, tvm_load(g, C, (tvm_expr[]){tvm_floormod(
                                                             g, i, tvm_const_int(g, TVM_INT64, 4))})));
    tvm_expr j = tvm_iter_var(g, "j");
    tvm_tensor Y = tvm_compute(g, "Y", 1, &n, &j,
                               tvm_add(g, tvm_load(g, X, &j), tvm_load(g, R, &j)));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(10)), *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(10));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(10));
    tt_fill_random(x, 1, -1, 1);
    for (int q = 0; q < 10; q++) tt_set(ref, q, tt_get(x, q) + (float)exp(cd[q % 4]));
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-6, "symbolic constant compute", &fused, &unfused);
    CHECK_EQ_INT(unfused.num_kernels, 2);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(constant_computes_fold_within_a_work_bound) {
    /* R[i] = sum_k C[(i + k) % 4] depends on constants only. With 1.5M terms
     * per element (6M statements, past the interpreter's bound) the fold
     * runs JIT-compiled on llvm; on interp, whose folds run on the
     * interpreter, it stays a kernel. Either way the result is exact: every
     * partial sum is an integer below 2^24. With 2^40 terms per element the
     * compile must not try to evaluate it (it would run for hours): R stays
     * a kernel, which the caller asked for, and the compile returns. */
    for (int huge = 0; huge < 2; huge++) {
        tvm_graph *g = tvm_graph_create(CTX);
        float cd[4] = {1, 2, 3, 4};
        int64_t terms = huge ? (int64_t)1 << 40 : (int64_t)3 << 19;
        tvm_tensor C = tvm_constant(g, "C", TVM_FLOAT32, 1, (int64_t[]){4}, cd);
        tvm_expr four = tvm_const_int(g, TVM_INT64, 4);
        tvm_expr i = tvm_iter_var(g, "i"), k = tvm_reduce_axis(g, "k", tvm_const_int(g, TVM_INT64, terms));
        tvm_expr idx = tvm_floormod(g, tvm_add(g, i, k), four);
        tvm_tensor R = tvm_compute(g, "R", 1, &four, &i,
                                   tvm_sum(g, tvm_load(g, C, &idx), 1, &k));
        tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &four);
        tvm_expr j = tvm_iter_var(g, "j");
        tvm_tensor Y = tvm_compute(g, "Y", 1, &four, &j,
                                   tvm_add(g, tvm_load(g, X, &j), tvm_load(g, R, &j)));
        CHECK_OK_OR_RETURN(tvm_graph_status(g));
        for (int t = 0; t < TT_NUM_TARGETS; t++) {
            tvm_compile_options o = tt_options(tt_targets[t], 0, TVM_COMPILE_NO_INLINE);
            tvm_function *fn = NULL;
            CHECK_OK(tvm_compile(g, 1, &X, 1, &Y, &o, &fn));
            if (!fn) continue;
            tvm_kernel_plan plan = {.struct_size = sizeof plan};
            CHECK_OK(tvm_function_plan(fn, &plan));
            bool interp = strcmp(tt_targets[t], "interp") == 0;
            /* folded: one kernel (Y); kept: R's kernel too */
            CHECK_EQ_INT(plan.num_kernels, huge || interp ? 2 : 1);
            if (!huge) {
                tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4)), *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4));
                for (int q = 0; q < 4; q++) tt_set(x, q, (float)q);
                DLTensor *dl[2] = {&x->dl, &y->dl};
                CHECK_OK(tvm_function_call(fn, dl, 2));
                /* each residue appears terms / 4 times: the sum is (terms / 4) * 10 */
                for (int q = 0; q < 4; q++) CHECK_EQ_INT((int64_t)tt_get(y, q), q + (terms / 4) * 10);
                tt_free(x); tt_free(y);
            }
            tvm_function_release(fn);
        }
        tvm_graph_destroy(g);
    }
}

TEST(one_element_constants_are_immediates) {
    /* constants of shape [], [1] and [1, 1] read at index 0 become literals
     * in the loop IR (no load, no kernel argument), in an elementwise
     * expression and in a reduction and its epilogue; values chosen so every
     * step is exact, so the results are compared bit for bit */
    int64_t R = 3, C = 5;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dr = tvm_const_int(g, TVM_INT64, R), dc = tvm_const_int(g, TVM_INT64, C);
    tvm_expr zero = tvm_const_int(g, TVM_INT64, 0);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){dr, dc});
    float eight = 8, half = 0.5f, three = 3;
    tvm_tensor A = tvm_constant(g, "scal_a", TVM_FLOAT32, 0, NULL, &eight);
    tvm_tensor B = tvm_constant(g, "scal_b", TVM_FLOAT32, 1, (int64_t[]){1}, &half);
    tvm_tensor D = tvm_constant(g, "scal_d", TVM_FLOAT32, 2, (int64_t[]){1, 1}, &three);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", dc);
    tvm_expr a = tvm_load(g, A, NULL);
    tvm_expr d = tvm_load(g, D, (tvm_expr[]){zero, zero});
    /* S[i] = sum_k X[i, k] * d; Y[i, j] = X[i, j] / a + b * S[i] */
    tvm_tensor S = tvm_compute(g, "S", 1, &dr, &i,
                               tvm_sum(g, tvm_mul(g, tvm_load(g, X, (tvm_expr[]){i, k}), d), 1,
                                       &k));
    tvm_expr i2 = tvm_iter_var(g, "i2");
    tvm_tensor Y = tvm_compute(
        g, "Y", 2, (tvm_expr[]){dr, dc}, (tvm_expr[]){i2, j},
        tvm_add(g, tvm_div(g, tvm_load(g, X, (tvm_expr[]){i2, j}), a),
                tvm_mul(g, tvm_load(g, B, &zero), tvm_load(g, S, &i2))));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    CHECK(loop_text_lacks(g, X, Y, "scal_a"));
    CHECK(loop_text_lacks(g, X, Y, "scal_b"));
    CHECK(loop_text_lacks(g, X, Y, "scal_d"));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(3, 5)), *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(3, 5));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(3, 5));
    for (int q = 0; q < 15; q++) tt_set(x, q, (float)(q % 7 - 3));
    for (int r = 0; r < 3; r++) {
        float sum = 0;
        for (int c = 0; c < 5; c++) sum += tt_get(x, r * 5 + c) * 3;
        for (int c = 0; c < 5; c++) tt_set(ref, r * 5 + c, tt_get(x, r * 5 + c) / 8 + 0.5f * sum);
    }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 0, "one-element constants", &fused, &unfused);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(one_element_constant_read_at_a_computed_index_stays_a_buffer) {
    /* C[i mod 1] is C[0], but only a literal index 0 makes the constant an
     * immediate: any other index keeps the load (and its bounds check) */
    tvm_graph *g = tvm_graph_create(CTX);
    float cd = 2.5f;
    tvm_tensor Cst = tvm_constant(g, "scal_c", TVM_FLOAT32, 1, (int64_t[]){1}, &cd);
    tvm_expr n = tvm_const_int(g, TVM_INT64, 6);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor Y = tvm_compute(
        g, "Y", 1, &n, &i,
        tvm_mul(g, tvm_load(g, X, &i),
                tvm_load(g, Cst, (tvm_expr[]){tvm_floormod(g, i, tvm_const_int(g, TVM_INT64, 1))})));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    CHECK(!loop_text_lacks(g, X, Y, "scal_c"));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(6)), *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(6));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(6));
    for (int q = 0; q < 6; q++) {
        tt_set(x, q, (float)q - 2);
        tt_set(ref, q, ((float)q - 2) * 2.5f);
    }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 0, "one-element constant at a computed index", &fused,
            &unfused);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

/* The fusion text ("fused" stage) of llvm's compile of X -> Y (malloc'd);
 * NULL when the compile fails. Free with free(). */
static char *fused_text(tvm_graph *g, tvm_tensor X, tvm_tensor Y) {
    tvm_function *fn = NULL;
    tvm_compile_options o = tt_options("llvm", 0, 0);
    CHECK_OK(tvm_compile(g, 1, &X, 1, &Y, &o, &fn));
    if (!fn) return NULL;
    size_t need = 0;
    char *text = NULL;
    CHECK_OK(tvm_function_dump(fn, "fused", NULL, 0, &need));
    if (need && (text = malloc(need)) &&
        tvm_function_dump(fn, "fused", text, need, NULL) != TVM_OK) {
        free(text);
        text = NULL;
    }
    tvm_function_release(fn);
    return text;
}

/* i wrapped in `levels` additions of +1 and -1 (even levels: still i),
 * nested to the right: a walk that pushes both operands of each addition
 * holds one pending constant per level before it reaches i at the bottom. */
static tvm_expr deep_index(tvm_graph *g, tvm_expr i, int levels) {
    tvm_expr e = i;
    for (int k = levels; k-- > 0;)
        e = tvm_add(g, tvm_const_int(g, TVM_INT64, k % 2 ? -1 : 1), e);
    return e;
}

TEST(deep_index_still_inlines_a_producer_read_once_per_element) {
    /* P = exp(X); Y[i] = P[i + 1 - 1 + ... ] + 1: each element of P is read
     * once, so the expensive P is inlined, not staged, however deep the
     * index (fusion's heuristics once walked indices with a 64-entry stack
     * and lost i below it, which looked like a broadcast) */
    int64_t n = 37;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dn = tvm_const_int(g, TVM_INT64, n);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &dn);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_tensor P = tvm_compute(g, "P", 1, &dn, &i, tvm_exp(g, tvm_load(g, X, &i)));
    tvm_expr idx = deep_index(g, j, 100);
    tvm_expr one = tvm_const_float(g, TVM_FLOAT32, 1);
    tvm_tensor Y = tvm_compute(g, "Y", 1, &dn, &j, tvm_add(g, tvm_load(g, P, &idx), one));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
    tt_tensor *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n)), *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
    tt_fill_random(x, 5, -2, 2);
    for (int64_t q = 0; q < n; q++) tt_set(ref, q, exp(tt_get(x, q)) + 1);
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-5, "deep index", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(unfused.num_kernels, 2);
    char *text = fused_text(g, X, Y);
    CHECK(text != NULL);
    if (text) CHECK_STR_CONTAINS(text, "kernel 0: Y <- P\n");
    free(text);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(deep_index_under_a_reduction_is_not_a_contraction) {
    /* A = 2 X; Y[i] = sum_k A[i + 1 - 1 + ..., k]: every load follows the
     * outer loop i and meets each element of A once, so Y is a plain row
     * sum (not a contraction, whose computed operands are stored) and A
     * is inlined into it */
    int64_t m = 9, kk = 23;
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr dm = tvm_const_int(g, TVM_INT64, m), dk = tvm_const_int(g, TVM_INT64, kk);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    tvm_expr a = tvm_iter_var(g, "a"), b = tvm_iter_var(g, "b"), i = tvm_iter_var(g, "i");
    tvm_expr k = tvm_reduce_axis(g, "k", dk);
    tvm_tensor A = tvm_compute(g, "A", 2, (tvm_expr[]){dm, dk}, (tvm_expr[]){a, b},
                               tvm_mul(g, tvm_load(g, X, (tvm_expr[]){a, b}),
                                       tvm_const_float(g, TVM_FLOAT32, 2)));
    tvm_expr idx = deep_index(g, i, 100);
    tvm_tensor Y = tvm_compute(g, "Y", 1, &dm, &i,
                               tvm_sum(g, tvm_load(g, A, (tvm_expr[]){idx, k}), 1, &k));
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(m, kk));
    tt_tensor *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(m)), *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(m));
    tt_fill_random(x, 9, -1, 1);
    for (int64_t r = 0; r < m; r++) {
        double s = 0;
        for (int64_t c = 0; c < kk; c++) s += 2 * tt_get(x, r * kk + c);
        tt_set(ref, r, s);
    }
    tt_tensor *args[2] = {x, y};
    tvm_kernel_plan fused = {0}, unfused = {0};
    run_all(g, 1, &X, &Y, args, ref, 1e-5, "deep index sum", &fused, &unfused);
    CHECK_EQ_INT(fused.num_kernels, 1);
    CHECK_EQ_INT(unfused.num_kernels, 2);
    char *text = fused_text(g, X, Y);
    CHECK(text != NULL);
    if (text) CHECK_STR_CONTAINS(text, "kernel 0: Y <- A\n");
    free(text);
    tt_free(x); tt_free(y); tt_free(ref);
    tvm_graph_destroy(g);
}

TEST(plan_errors) {
    tvm_graph *g = tvm_graph_create(CTX);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor Y = tvm_compute(g, "Y", 1, &n, &i, tvm_exp(g, tvm_load(g, X, &i)));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &X, 1, &Y, NULL, &fn));
    tvm_kernel_plan plan = {.struct_size = sizeof plan};
    CHECK_ERROR(tvm_function_plan(NULL, &plan), TVM_ERR_INVALID_ARGUMENT, "fn");
    CHECK_ERROR(tvm_function_plan(fn, NULL), TVM_ERR_INVALID_ARGUMENT, "plan");
    CHECK_ERROR(tvm_function_plan(fn, &plan), TVM_ERR_INVALID_ARGUMENT, "call it once");
    plan.struct_size = 0;
    CHECK_ERROR(tvm_function_plan(fn, &plan), TVM_ERR_INVALID_ARGUMENT, "struct_size");
    /* a smaller (older) struct gets only its fields */
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(5)), *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(5));
    DLTensor *dl[2] = {&x->dl, &y->dl};
    CHECK_OK(tvm_function_call(fn, dl, 2));
    struct { size_t struct_size; int32_t num_kernels; int32_t canary; } small = {
        offsetof(tvm_kernel_plan, num_intermediates), 0, 12345};
    CHECK_OK(tvm_function_plan(fn, (tvm_kernel_plan *)&small));
    CHECK_EQ_INT(small.num_kernels, 1);
    CHECK_EQ_INT(small.canary, 12345);
    tt_free(x); tt_free(y);
    tvm_function_release(fn);
    tvm_graph_destroy(g);
}

CHECK_MAIN()
