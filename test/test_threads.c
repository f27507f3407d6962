/* test_threads.c — eight threads sharing one context: concurrent calls of one
 * function with varying shapes (one specialisation per shape however many
 * threads ask at once), concurrent building and compiling of overlapping
 * graphs on both targets, concurrent uncached compiles, and thread-local
 * error messages. Every result is checked. Run under TSan by scripts/test.sh. */
#include <pthread.h>
#include <stdio.h>

#include "check.h"
#include "tensor_util.h"

#define NTHREADS 8

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ITERS 6
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define ITERS 6
#endif
#endif
#ifndef ITERS
#define ITERS 24
#endif

static pthread_barrier_t barrier;

static const int64_t shapes[] = {1, 7, 64, 333, 1000, 17, 4096};
#define NUM_SHAPES ((int)(sizeof shapes / sizeof shapes[0]))

/* ---- graphs -------------------------------------------------------------- */

enum { K_ADD_RELU, K_MUL_ADD, K_ROW_SUM, NUM_KINDS };

typedef struct built {
    tvm_graph *g;
    tvm_tensor in[2];
    int nin;
    tvm_tensor out;
} built;

/* Builds graph `kind` over a symbolic n; structurally identical across
 * threads, so the context's function cache is shared. */
static bool build_kind(tvm_context *ctx, int kind, built *b) {
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) return false;
    b->g = g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr i = tvm_iter_var(g, "i");
    switch (kind) {
    case K_ADD_RELU: {
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
        b->out = tvm_compute(g, "C", 1, &n, &i,
                             tvm_max(g, tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &i)),
                                     tvm_const_float(g, TVM_FLOAT32, 0.0)));
        b->in[0] = A;
        b->in[1] = B;
        b->nin = 2;
        break;
    }
    case K_MUL_ADD: {
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
        b->out = tvm_compute(g, "C", 1, &n, &i,
                             tvm_add(g, tvm_mul(g, tvm_load(g, A, &i), tvm_load(g, B, &i)),
                                     tvm_const_float(g, TVM_FLOAT32, 1.5)));
        b->in[0] = A;
        b->in[1] = B;
        b->nin = 2;
        break;
    }
    default: {
        tvm_expr seven = tvm_const_int(g, TVM_INT64, 7);
        tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 2, (tvm_expr[]){n, seven});
        tvm_expr k = tvm_reduce_axis(g, "k", seven);
        b->out = tvm_compute(g, "S", 1, &n, &i,
                             tvm_sum(g, tvm_load(g, A, (tvm_expr[]){i, k}), 1, &k));
        b->in[0] = A;
        b->nin = 1;
        break;
    }
    }
    return tvm_graph_status(g) == TVM_OK;
}

/* Runs fn (a kind-`kind` function) on n elements and checks the result. */
static void run_and_check(tvm_function *fn, int kind, int64_t n, uint64_t seed,
                          const char *who) {
    tt_tensor *a, *b = NULL, *c, *want;
    if (kind == K_ROW_SUM) {
        a = tt_alloc(TVM_INT32, 2, TT_SHAPE(n, 7));
        c = tt_alloc(TVM_INT32, 1, &n);
        want = tt_alloc(TVM_INT32, 1, &n);
        tt_fill_random(a, seed, -100000, 100000);
        for (int64_t r = 0; r < n; r++) {
            int64_t s = 0;
            for (int k = 0; k < 7; k++) s += tt_geti(a, r * 7 + k);
            tt_seti(want, r, s);
        }
    } else {
        a = tt_alloc(TVM_FLOAT32, 1, &n);
        b = tt_alloc(TVM_FLOAT32, 1, &n);
        c = tt_alloc(TVM_FLOAT32, 1, &n);
        want = tt_alloc(TVM_FLOAT32, 1, &n);
        tt_fill_random(a, seed, -10, 10);
        tt_fill_random(b, seed + 1, -10, 10);
        for (int64_t k = 0; k < n; k++) {
            float x = (float)tt_get(a, k), y = (float)tt_get(b, k);
            float r;
            if (kind == K_ADD_RELU) {
                float s = x + y;
                r = s > 0 ? s : 0.0f;
            } else {
                float p = x * y;
                r = p + 1.5f;
            }
            tt_set(want, k, r);
        }
    }
    tt_fill_bytes(c, 0xcd);
    tvm_status s = b ? tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl, &c->dl}, 3)
                     : tvm_function_call(fn, (DLTensor *[]){&a->dl, &c->dl}, 2);
    if (s != TVM_OK) {
        check_fail(__FILE__, __LINE__, "%s: kind %d n=%lld: %s: %s", who, kind, (long long)n,
                   tvm_status_string(s), tvm_last_error());
    } else {
        int64_t d = tt_first_bit_diff(c, want);
        if (d >= 0)
            check_fail(__FILE__, __LINE__, "%s: kind %d n=%lld: %s", who, kind, (long long)n,
                       tt_describe_diff(c, want, d));
    }
    tt_free(a);
    tt_free(b);
    tt_free(c);
    tt_free(want);
}

/* ---- phase 1: one function, many threads, many shapes --------------------- */

typedef struct shared_args {
    tvm_function *fn;
    int tid;
} shared_args;

static void *shared_worker(void *p) {
    shared_args *sa = p;
    char who[32];
    snprintf(who, sizeof who, "shared/thread %d", sa->tid);
    pthread_barrier_wait(&barrier);
    for (int it = 0; it < ITERS; it++) {
        /* all threads ask for the same new shape at about the same time */
        int64_t n = shapes[(it + (sa->tid & 1)) % 5];
        run_and_check(sa->fn, K_ADD_RELU, n, (uint64_t)(sa->tid * 1000 + it), who);
    }
    return NULL;
}

TEST(one_function_called_from_eight_threads) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    built b;
    CHECK_OR_RETURN(build_kind(ctx, K_ADD_RELU, &b));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(b.g, b.nin, b.in, 1, &b.out, NULL, &fn));
    tvm_graph_destroy(b.g);
    pthread_t th[NTHREADS];
    shared_args sa[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        sa[t].fn = fn;
        sa[t].tid = t;
        CHECK(pthread_create(&th[t], NULL, shared_worker, &sa[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);
    /* one specialisation per distinct shape, however many threads raced */
    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(tvm_context_stats(ctx, &st));
    int distinct = ITERS >= 5 ? 5 : ITERS + 1;
    CHECK_EQ_INT(st.kernels_compiled, distinct);
    CHECK_EQ_INT(st.kernel_cache_hits, (uint64_t)NTHREADS * ITERS - distinct);
    CHECK_EQ_INT(st.kernel_cache_evictions, 0);
    tvm_function_release(fn);
    tvm_context_destroy(ctx);
}

/* ---- phase 2: overlapping graphs built and compiled by every thread -------- */

typedef struct build_args {
    tvm_context *ctx;
    int tid;
    int compiles;
} build_args;

static void *build_worker(void *p) {
    build_args *ba = p;
    char who[48];
    pthread_barrier_wait(&barrier);
    for (int it = 0; it < ITERS; it++) {
        int kind = (ba->tid + it) % NUM_KINDS;
        const char *target = tt_targets[(ba->tid / 2 + it) % TT_NUM_TARGETS];
        int64_t n = shapes[(ba->tid * 3 + it) % NUM_SHAPES];
        snprintf(who, sizeof who, "build/thread %d/%s", ba->tid, target);
        built b;
        if (!build_kind(ba->ctx, kind, &b)) {
            check_fail(__FILE__, __LINE__, "%s: building kind %d: %s", who, kind,
                       tvm_last_error());
            tvm_graph_destroy(b.g);
            continue;
        }
        tvm_compile_options o = tt_options(target, 0, 0);
        tvm_function *fn = NULL;
        tvm_status s = tvm_compile(b.g, b.nin, b.in, 1, &b.out, &o, &fn);
        ba->compiles++;
        tvm_graph_destroy(b.g);
        if (s != TVM_OK) {
            check_fail(__FILE__, __LINE__, "%s: compile kind %d: %s: %s", who, kind,
                       tvm_status_string(s), tvm_last_error());
            continue;
        }
        run_and_check(fn, kind, n, (uint64_t)(ba->tid * 7919 + it), who);
        run_and_check(fn, kind, shapes[(it + 1) % NUM_SHAPES], (uint64_t)it, who);
        tvm_function_release(fn);
    }
    return NULL;
}

TEST(eight_threads_build_compile_and_call) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    pthread_t th[NTHREADS];
    build_args ba[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        ba[t].ctx = ctx;
        ba[t].tid = t;
        ba[t].compiles = 0;
        CHECK(pthread_create(&th[t], NULL, build_worker, &ba[t]) == 0);
    }
    int compiles = 0;
    for (int t = 0; t < NTHREADS; t++) {
        pthread_join(th[t], NULL);
        compiles += ba[t].compiles;
    }
    pthread_barrier_destroy(&barrier);
    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(tvm_context_stats(ctx, &st));
    CHECK_EQ_INT(st.functions_compiled + st.function_cache_hits, compiles);
    CHECK(st.functions_compiled >= NUM_KINDS * TT_NUM_TARGETS);
    CHECK(st.function_cache_hits >= 1);
    tvm_context_destroy(ctx);
}

/* ---- phase 3: uncached compiles of distinct fixed-shape graphs ------------ */

static void *nocache_worker(void *p) {
    build_args *ba = p;
    pthread_barrier_wait(&barrier);
    for (int it = 0; it < 3; it++) {
        tvm_graph *g = tvm_graph_create(ba->ctx);
        const int64_t len = 100 + ba->tid;
        tvm_expr n = tvm_const_int(g, TVM_INT64, len);
        tvm_tensor A = tvm_placeholder(g, "A", TVM_INT64, 1, &n);
        tvm_expr i = tvm_iter_var(g, "i");
        int64_t mul = ba->tid * 10 + it;
        tvm_tensor C = tvm_compute(g, "C", 1, &n, &i,
                                   tvm_add(g, tvm_mul(g, tvm_load(g, A, &i),
                                                      tvm_const_int(g, TVM_INT64, mul)),
                                           i));
        tvm_compile_options o = tt_options(tt_targets[it % TT_NUM_TARGETS], TVM_OPT_O2,
                                           TVM_COMPILE_NO_CACHE);
        tvm_function *fn = NULL;
        tvm_status s = tvm_compile(g, 1, &A, 1, &C, &o, &fn);
        tvm_graph_destroy(g);
        if (s != TVM_OK) {
            check_fail(__FILE__, __LINE__, "nocache thread %d: %s: %s", ba->tid,
                       tvm_status_string(s), tvm_last_error());
            continue;
        }
        tt_tensor *a = tt_alloc(TVM_INT64, 1, &len), *c = tt_alloc(TVM_INT64, 1, &len);
        tt_fill_random(a, (uint64_t)mul, -1e9, 1e9);
        s = tvm_function_call(fn, (DLTensor *[]){&a->dl, &c->dl}, 2);
        if (s != TVM_OK)
            check_fail(__FILE__, __LINE__, "nocache thread %d call: %s: %s", ba->tid,
                       tvm_status_string(s), tvm_last_error());
        for (int64_t k = 0; k < len && s == TVM_OK; k++)
            if (tt_geti(c, k) != tt_geti(a, k) * mul + k) {
                check_fail(__FILE__, __LINE__, "nocache thread %d: element %lld wrong",
                           ba->tid, (long long)k);
                break;
            }
        tt_free(a);
        tt_free(c);
        tvm_function_release(fn);
    }
    return NULL;
}

TEST(uncached_compiles_in_parallel) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    pthread_t th[NTHREADS];
    build_args ba[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        ba[t].ctx = ctx;
        ba[t].tid = t;
        CHECK(pthread_create(&th[t], NULL, nocache_worker, &ba[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);
    tvm_context_destroy(ctx);
}

/* ---- phase 4: last-error messages are per thread -------------------------- */

typedef struct err_args {
    tvm_context *ctx;
    int tid;
} err_args;

static void *error_worker(void *p) {
    err_args *ea = p;
    char target[32];
    snprintf(target, sizeof target, "nosuchtarget%d", ea->tid);
    tvm_graph *g = tvm_graph_create(ea->ctx);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_neg(g, tvm_load(g, A, &i)));
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_function *fn = NULL;
    tvm_status s = tvm_compile(g, 1, &A, 1, &C, &o, &fn);
    if (s == TVM_OK) {
        check_fail(__FILE__, __LINE__, "thread %d: target %s accepted", ea->tid, target);
        tvm_function_release(fn);
    }
    pthread_barrier_wait(&barrier); /* every thread has failed once */
    if (!check_contains(tvm_last_error(), target))
        check_fail(__FILE__, __LINE__, "thread %d: last error \"%s\" is not its own (%s)",
                   ea->tid, tvm_last_error(), target);
    tvm_graph_destroy(g);
    return NULL;
}

TEST(last_error_is_thread_local) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    pthread_t th[NTHREADS];
    err_args ea[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++) {
        ea[t].ctx = ctx;
        ea[t].tid = t;
        CHECK(pthread_create(&th[t], NULL, error_worker, &ea[t]) == 0);
    }
    for (int t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);
    tvm_context_destroy(ctx);
}

/* Functions compiled from one graph share its constant bytes: the graph is
 * destroyed first, then every thread calls its own function and releases it
 * at the same moment; the last release frees the bytes (leaks and races
 * show under the sanitizer and valgrind builds). */
typedef struct {
    tvm_function *fn;
    const float *w;
    int64_t n;
} share_args;

static void *share_worker(void *p) {
    share_args *a = p;
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, &a->n), *y = tt_alloc(TVM_FLOAT32, 1, &a->n);
    for (int64_t k = 0; k < a->n; k++) tt_set(x, k, (double)k);
    pthread_barrier_wait(&barrier);
    CHECK_OK(tvm_function_call(a->fn, (DLTensor *[]){&x->dl, &y->dl}, 2));
    int64_t bad = -1;
    for (int64_t k = 0; k < a->n && bad < 0; k++)
        if (tt_get(y, k) != (double)((float)k * a->w[k])) bad = k;
    CHECK_EQ_INT(bad, -1);
    pthread_barrier_wait(&barrier);
    tvm_function_release(a->fn);
    tt_free(x);
    tt_free(y);
    return NULL;
}

TEST(functions_share_constants_across_threads) {
    enum { N = 1000 };
    static float w[N];
    for (int k = 0; k < N; k++) w[k] = (float)(k % 13) - 6.0f;
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    int64_t n = N;
    tvm_expr dn = tvm_const_int(g, TVM_INT64, n), i = tvm_iter_var(g, "i");
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 1, &dn);
    tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 1, &n, w);
    tvm_tensor Y = tvm_compute(g, "Y", 1, &dn, &i, tvm_mul(g, tvm_load(g, X, &i), tvm_load(g, W, &i)));
    pthread_t th[NTHREADS];
    share_args sa[NTHREADS];
    /* NO_CACHE: NTHREADS distinct functions, each holding the bytes */
    tvm_compile_options o = tt_options(NULL, 0, TVM_COMPILE_NO_CACHE);
    int made = 0;
    for (int t = 0; t < NTHREADS; t++) {
        sa[t] = (share_args){.w = w, .n = n};
        if (tvm_compile(g, 1, &X, 1, &Y, &o, &sa[t].fn) == TVM_OK) made++;
    }
    tvm_graph_destroy(g);
    CHECK_EQ_INT(made, NTHREADS);
    if (made != NTHREADS) {
        for (int t = 0; t < NTHREADS; t++) tvm_function_release(sa[t].fn);
        tvm_context_destroy(ctx);
        return;
    }
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (int t = 0; t < NTHREADS; t++)
        CHECK(pthread_create(&th[t], NULL, share_worker, &sa[t]) == 0);
    for (int t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);
    tvm_context_destroy(ctx);
}

CHECK_MAIN()
