/* test_entry.c — tvm_function_entry: the direct entry gives the bits
 * tvm_function_call gives (on both targets, with constants, intermediates
 * and parallel loops), from several threads at once through one entry, and
 * refuses what it cannot serve. */
#include <pthread.h>

#include "check.h"
#include "tensor_util.h"

typedef int32_t (*entry2)(void *, void *);

static tvm_expr cdim(tvm_graph *g, int64_t n) { return tvm_const_int(g, TVM_INT64, n); }

/* y = max(a * b + c, 0) over n float32. */
static tvm_function *compile_fma_relu(tvm_context *ctx, const char *target, int64_t n) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d = cdim(g, n), i = tvm_iter_var(g, "i");
    tvm_tensor a = tvm_placeholder(g, "a", TVM_FLOAT32, 1, &d);
    tvm_tensor b = tvm_placeholder(g, "b", TVM_FLOAT32, 1, &d);
    tvm_tensor c = tvm_placeholder(g, "c", TVM_FLOAT32, 1, &d);
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_mul(g, tvm_load(g, a, &i), tvm_load(g, b, &i)),
                                       tvm_load(g, c, &i)),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    tvm_tensor y = tvm_compute(g, "y", 1, &d, &i, body);
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_function *fn = NULL;
    tvm_status st = tvm_compile(g, 3, (tvm_tensor[]){a, b, c}, 1, &y, &o, &fn);
    tvm_graph_destroy(g);
    return st == TVM_OK ? fn : NULL;
}

/* y = exp(x + w) - x * w with w a constant, compiled without fusion so the
 * sum is an intermediate in the workspace between two kernels. */
static float w_data[257];
static tvm_function *compile_const_two_kernels(tvm_context *ctx, const char *target) {
    tvm_graph *g = tvm_graph_create(ctx);
    const int64_t n = 257;
    for (int k = 0; k < n; k++) w_data[k] = (float)k / 97.0f - 1.0f;
    tvm_expr d = cdim(g, n), i = tvm_iter_var(g, "i");
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d);
    tvm_tensor w = tvm_constant(g, "w", TVM_FLOAT32, 1, &n, w_data);
    tvm_tensor s = tvm_compute(g, "s", 1, &d, &i,
                               tvm_exp(g, tvm_add(g, tvm_load(g, x, &i), tvm_load(g, w, &i))));
    tvm_expr j = tvm_iter_var(g, "j");
    tvm_tensor y = tvm_compute(g, "y", 1, &d, &j,
                               tvm_sub(g, tvm_load(g, s, &j),
                                       tvm_mul(g, tvm_load(g, x, &j), tvm_load(g, w, &j))));
    tvm_compile_options o = tt_options(target, 0, TVM_COMPILE_NO_INLINE);
    tvm_function *fn = NULL;
    tvm_status st = tvm_compile(g, 1, &x, 1, &y, &o, &fn);
    tvm_graph_destroy(g);
    return st == TVM_OK ? fn : NULL;
}

static void check_same_bits(const tt_tensor *got, const tt_tensor *want) {
    int64_t k = tt_first_bit_diff(got, want);
    CHECK(k < 0);
    if (k >= 0) fprintf(stderr, "  %s\n", tt_describe_diff(got, want, k));
}

/* Entry and call on the same random inputs, for n elements. */
static void fma_relu_matches_call(const char *target, int64_t n) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_function *fn = compile_fma_relu(ctx, target, n);
    CHECK_OR_RETURN(fn);
    tt_tensor *t[5];
    for (int k = 0; k < 5; k++) t[k] = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
    for (int k = 0; k < 3; k++) tt_fill_random(t[k], 11 + k, -2, 2);
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&t[0]->dl, &t[1]->dl, &t[2]->dl, &t[3]->dl}, 4));
    tvm_entry *e = NULL;
    tvm_entry_fn code = NULL;
    CHECK_OK(tvm_function_entry(fn, &e, &code));
    CHECK(e && code);
    tvm_function_release(fn); /* the entry keeps the function alive */
    if (code) {
        int32_t (*f)(float *, float *, float *, float *) =
            (int32_t(*)(float *, float *, float *, float *))code;
        CHECK(f(t[0]->dl.data, t[1]->dl.data, t[2]->dl.data, t[4]->dl.data) == TVM_OK);
        check_same_bits(t[4], t[3]);
    }
    tvm_entry_destroy(e);
    for (int k = 0; k < 5; k++) tt_free(t[k]);
    tvm_context_destroy(ctx);
}

TEST(entry_equals_call_llvm) { fma_relu_matches_call("llvm", 1000); }
TEST(entry_equals_call_interp) { fma_relu_matches_call("interp", 333); }
/* Big enough for a parallel loop on the context's pool. */
TEST(entry_equals_call_parallel) { fma_relu_matches_call("llvm", 1 << 20); }

static void const_two_kernels(const char *target) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_function *fn = compile_const_two_kernels(ctx, target);
    CHECK_OR_RETURN(fn);
    tvm_kernel_plan plan = {.struct_size = sizeof plan};
    CHECK_OK(tvm_function_plan(fn, &plan));
    CHECK(plan.num_kernels == 2 && plan.workspace_bytes > 0);
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
    tt_tensor *want = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
    tt_tensor *got = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
    tt_fill_random(x, 5, -1, 1);
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&x->dl, &want->dl}, 2));
    tvm_entry *e = NULL;
    tvm_entry_fn code = NULL;
    CHECK_OK(tvm_function_entry(fn, &e, &code));
    if (code) {
        CHECK(((entry2)code)(x->dl.data, got->dl.data) == TVM_OK);
        check_same_bits(got, want);
    }
    tvm_entry_destroy(e);
    tvm_function_release(fn);
    tt_free(x);
    tt_free(want);
    tt_free(got);
    tvm_context_destroy(ctx);
}

TEST(entry_constants_and_workspace_llvm) { const_two_kernels("llvm"); }
TEST(entry_constants_and_workspace_interp) { const_two_kernels("interp"); }

/* ---- several threads through one entry ----------------------------------- */

#define NT 6
#define ROUNDS 300

typedef struct worker {
    entry2 f;
    const tt_tensor *x, *want;
    tt_tensor *got;
    int bad;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    for (int r = 0; r < ROUNDS; r++) {
        memset(w->got->dl.data, 0, w->got->nbytes);
        if (w->f(w->x->dl.data, w->got->dl.data) != TVM_OK ||
            tt_first_bit_diff(w->got, w->want) >= 0)
            w->bad++;
    }
    return NULL;
}

/* The function has a workspace: overlapping calls must not share it. */
TEST(entry_called_from_several_threads) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_function *fn = compile_const_two_kernels(ctx, "llvm");
    CHECK_OR_RETURN(fn);
    tvm_entry *e = NULL;
    tvm_entry_fn code = NULL;
    CHECK_OK(tvm_function_entry(fn, &e, &code));
    worker w[NT];
    pthread_t th[NT];
    tt_tensor *bufs[3 * NT];
    for (int k = 0; k < NT && code; k++) {
        tt_tensor *x = bufs[3 * k] = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
        tt_tensor *want = bufs[3 * k + 1] = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
        bufs[3 * k + 2] = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(257));
        tt_fill_random(x, 100 + k, -1, 1); /* each thread its own inputs */
        CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&x->dl, &want->dl}, 2));
        w[k] = (worker){(entry2)code, x, want, bufs[3 * k + 2], 0};
    }
    for (int k = 0; k < NT && code; k++) CHECK(pthread_create(&th[k], NULL, worker_main, &w[k]) == 0);
    for (int k = 0; k < NT && code; k++) {
        pthread_join(th[k], NULL);
        CHECK(w[k].bad == 0);
        for (int b = 0; b < 3; b++) tt_free(bufs[3 * k + b]);
    }
    tvm_entry_destroy(e);
    tvm_function_release(fn);
    tvm_context_destroy(ctx);
}

/* ---- statuses --------------------------------------------------------------- */

TEST(entry_reports_a_bad_gather_index) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d8 = cdim(g, 8), d3 = cdim(g, 3);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 1, &d8);
    tvm_tensor idx = tvm_placeholder(g, "idx", TVM_INT32, 1, &d3);
    tvm_tensor y = tvm_op_gather(g, x, idx, 0);
    tvm_compile_options o = tt_options("llvm", 0, 0);
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 2, (tvm_tensor[]){x, idx}, 1, &y, &o, &fn));
    tvm_graph_destroy(g);
    CHECK_OR_RETURN(fn);
    tvm_entry *e = NULL;
    tvm_entry_fn code = NULL;
    CHECK_OK(tvm_function_entry(fn, &e, &code));
    float xs[8] = {0, 1, 2, 3, 4, 5, 6, 7}, ys[3] = {0};
    int32_t good[3] = {7, -1, 2}, bad[3] = {1, 8, 0};
    if (code) {
        int32_t (*f)(float *, int32_t *, float *) = (int32_t(*)(float *, int32_t *, float *))code;
        CHECK(f(xs, good, ys) == TVM_OK);
        CHECK(ys[0] == 7 && ys[1] == 7 && ys[2] == 2);
        CHECK_ERROR(f(xs, bad, ys), TVM_ERR_OUT_OF_BOUNDS, "x");
    }
    tvm_entry_destroy(e);
    tvm_function_release(fn);
    tvm_context_destroy(ctx);
}

TEST(entry_errors) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_function *fn = compile_fma_relu(ctx, "llvm", 4);
    CHECK_OR_RETURN(fn);
    tvm_entry *e = (tvm_entry *)(uintptr_t)1;
    tvm_entry_fn code = NULL;
    CHECK_ERROR(tvm_function_entry(NULL, &e, &code), TVM_ERR_INVALID_ARGUMENT, "fn");
    CHECK_ERROR(tvm_function_entry(fn, NULL, &code), TVM_ERR_INVALID_ARGUMENT, "entry");
    CHECK_ERROR(tvm_function_entry(fn, &e, NULL), TVM_ERR_INVALID_ARGUMENT, "code");
    CHECK(e == (tvm_entry *)(uintptr_t)1 && code == NULL); /* untouched on failure */
    tvm_function_release(fn);

    /* symbolic shapes: nothing to take the sizes from */
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor a = tvm_placeholder(g, "a", TVM_FLOAT32, 1, &n);
    tvm_tensor b = tvm_compute(g, "b", 1, &n, &i, tvm_neg(g, tvm_load(g, a, &i)));
    CHECK_OK(tvm_compile(g, 1, &a, 1, &b, NULL, &fn));
    tvm_graph_destroy(g);
    CHECK_ERROR(tvm_function_entry(fn, &e, &code), TVM_ERR_UNSUPPORTED, "size", "n",
                "tvm_function_call");
    tvm_function_release(fn);
    tvm_entry_destroy(NULL);
    tvm_context_destroy(ctx);
}

CHECK_MAIN()
