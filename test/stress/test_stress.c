/* test_stress.c — G8: concurrency stress on one shared context.
 *
 * A pool of 32 "recipes" (8 graph kinds x 4 variants: constants, opt level,
 * target llvm or interp), every one with a symbolic size n. Before any thread
 * starts, the main thread compiles every recipe in a private context and runs
 * it on every size of SIZES: those outputs are the single-threaded reference,
 * and every call made by a worker is compared with it bit for bit.
 *
 *  mixed_small_caches   NTHREADS x NOPS operations on one context with
 *                       shape_cache_capacity 4 and function_cache_capacity 8
 *                       (eviction races lookup): 40% build + compile a random
 *                       recipe (graphs are per thread; identical recipes hit
 *                       the function cache), 50% call a function the thread
 *                       holds or one published in a global pool by another
 *                       thread (retained under the pool lock, released after
 *                       the call), 10% release an owned handle / unpublish a
 *                       pool entry the thread published.
 *  mixed_single_flight  the same with large capacities, after a stampede
 *                       phase in which all threads compile the same recipe and
 *                       then call the same new (function, shape) signature
 *                       behind a barrier, for every recipe. Nothing is evicted,
 *                       so kernels_compiled must equal the number of distinct
 *                       signatures used, and every compile of a recipe must
 *                       return the same function object.
 *  context_create_destroy  4 threads, each creating a context, compiling,
 *                       calling and destroying it (in both orders).
 *  teardown_under_calls a context destroyed while 3 other threads still hold,
 *                       call (including shapes that compile new kernels) and
 *                       finally release functions compiled in it.
 *
 *  fixed_shape_single_flight  all threads compile one constant-shape graph at
 *                       once (its kernel is built by tvm_compile): exactly one
 *                       function and one kernel are built (single flight).
 *
 * Every build: 8 x 200 operations per mixed run, 4 x 50 create/destroy
 * iterations, 200 teardown iterations (see the counts below).
 * `test_stress --soak` runs 16 threads x 2,000 operations per mixed run
 * instead (release build only; exit 77 under sanitizers). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "../check.h"
#include "../tensor_util.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ---- run sizes ------------------------------------------------------------- */

/* The same counts in every build. Sanitizer builds were meant to run fewer,
 * but the time goes into libLLVM, which is not instrumented: on the 2-core
 * machine the whole binary took 16 s (release), 17 s (TSan) and 20 s
 * (ASan+UBSan), and G8 asks for 8 x 200 under TSan. SANITIZED only turns the
 * soak off. Extended tier: --soak (16 x 2,000, release), --teardown=1000
 * (G8's ASan figure: 73 s on a loaded 2-core machine). */
#define MAX_THREADS 16
#define DEF_THREADS 8
#define DEF_OPS 200
#define CREATE_ITERS 50
#define TEARDOWN_ITERS 200
#define SOAK_THREADS 16
#define SOAK_OPS 2000

static int run_threads = DEF_THREADS, run_ops = DEF_OPS;
static int create_iters = CREATE_ITERS, teardown_iters = TEARDOWN_ITERS;


static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- recipes --------------------------------------------------------------------- */

enum {
    K_ADD_MAX,   /* C = max(A + B, c)                       f32 */
    K_MUL_ADD,   /* C = A * B + c                           f32 */
    K_ROW_SUM,   /* S[i] = sum_k A[i, k] * c, A [n, 5]       i32 */
    K_DIV_MOD,   /* C = floordiv(A * c, 3) + floormod(A, c + 2)  i64 */
    K_SIGMOID,   /* T = sigmoid(A * c); C = T + B (two computes) f32 */
    K_SELECT,    /* C = A > c ? A - c : c - A               i32 */
    K_ROW_MAX,   /* M[i] = max_k A[i, k] * c, A [n, 7]       f32 */
    K_CAST,      /* C = int32(A * c) (saturating)            f32 -> i32 */
    NUM_KINDS
};
#define NUM_VARIANTS 4
#define NUM_RECIPES (NUM_KINDS * NUM_VARIANTS) /* 32 */

static const int64_t SIZES[] = {1, 2, 3, 7, 8, 16, 17, 33, 64, 100};
#define NUM_SIZES ((int)(sizeof SIZES / sizeof SIZES[0]))

static int recipe_kind(int r) { return r / NUM_VARIANTS; }
static int recipe_variant(int r) { return r % NUM_VARIANTS; }

static tvm_compile_options recipe_options(int r) {
    int v = recipe_variant(r);
    return tt_options(v == 3 ? "interp" : "llvm", v == 2 ? TVM_OPT_O0 : TVM_OPT_DEFAULT, 0);
}

static int recipe_nin(int r) {
    switch (recipe_kind(r)) {
    case K_ADD_MAX: case K_MUL_ADD: case K_SIGMOID: return 2;
    default: return 1;
    }
}

static tvm_dtype recipe_in_dtype(int r) {
    switch (recipe_kind(r)) {
    case K_ROW_SUM: case K_SELECT: return TVM_INT32;
    case K_DIV_MOD: return TVM_INT64;
    default: return TVM_FLOAT32;
    }
}

static tvm_dtype recipe_out_dtype(int r) {
    switch (recipe_kind(r)) {
    case K_ROW_SUM: case K_SELECT: case K_CAST: return TVM_INT32;
    case K_DIV_MOD: return TVM_INT64;
    default: return TVM_FLOAT32;
    }
}

/* columns of the 2-D input (0: the inputs are 1-D [n]) */
static int recipe_cols(int r) {
    switch (recipe_kind(r)) {
    case K_ROW_SUM: return 5;
    case K_ROW_MAX: return 7;
    default: return 0;
    }
}

typedef struct built {
    tvm_graph *g;
    tvm_tensor in[2];
    tvm_tensor out;
} built;

/* Builds recipe r in a new graph of ctx (one thread owns the graph). The same
 * recipe gives a structurally identical graph in every thread. */
static bool build_recipe_n(tvm_context *ctx, int r, int64_t fixed_n, built *b) {
    tvm_graph *g = tvm_graph_create(ctx);
    b->g = g;
    if (!g) return false;
    int v = recipe_variant(r);
    tvm_expr n = fixed_n ? tvm_const_int(g, TVM_INT64, fixed_n) : tvm_size_var(g, "n");
    tvm_expr i = tvm_iter_var(g, "i");
    int cols = recipe_cols(r);
    tvm_tensor A, B = {0};
    if (cols) {
        tvm_expr shape[2] = {n, tvm_const_int(g, TVM_INT64, cols)};
        A = tvm_placeholder(g, "A", recipe_in_dtype(r), 2, shape);
    } else {
        A = tvm_placeholder(g, "A", recipe_in_dtype(r), 1, &n);
        if (recipe_nin(r) == 2) B = tvm_placeholder(g, "B", recipe_in_dtype(r), 1, &n);
    }
    tvm_expr a = cols ? (tvm_expr){0} : tvm_load(g, A, &i);
    tvm_expr body;
    switch (recipe_kind(r)) {
    case K_ADD_MAX:
        body = tvm_max(g, tvm_add(g, a, tvm_load(g, B, &i)),
                       tvm_const_float(g, TVM_FLOAT32, 0.5 * v - 0.5));
        break;
    case K_MUL_ADD:
        body = tvm_add(g, tvm_mul(g, a, tvm_load(g, B, &i)),
                       tvm_const_float(g, TVM_FLOAT32, 1.25 + v));
        break;
    case K_ROW_SUM: {
        tvm_expr k = tvm_reduce_axis(g, "k", tvm_const_int(g, TVM_INT64, cols));
        tvm_expr e = tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, k}),
                             tvm_const_int(g, TVM_INT32, 3 + 2 * v));
        body = tvm_sum(g, e, 1, &k);
        break;
    }
    case K_DIV_MOD:
        body = tvm_add(g,
                       tvm_floordiv(g, tvm_mul(g, a, tvm_const_int(g, TVM_INT64, 5 + v)),
                                    tvm_const_int(g, TVM_INT64, 3)),
                       tvm_floormod(g, a, tvm_const_int(g, TVM_INT64, v + 2)));
        break;
    case K_SIGMOID: {
        tvm_tensor T = tvm_compute(
            g, "T", 1, &n, &i,
            tvm_sigmoid(g, tvm_mul(g, a, tvm_const_float(g, TVM_FLOAT32, 0.25 * (v + 1)))));
        tvm_expr j = tvm_iter_var(g, "j");
        body = tvm_add(g, tvm_load(g, T, &j), tvm_load(g, B, &j));
        i = j;
        break;
    }
    case K_SELECT: {
        tvm_expr c = tvm_const_int(g, TVM_INT32, 1000 * (v - 1));
        body = tvm_select(g, tvm_gt(g, a, c), tvm_sub(g, a, c), tvm_sub(g, c, a));
        break;
    }
    case K_ROW_MAX: {
        tvm_expr k = tvm_reduce_axis(g, "k", tvm_const_int(g, TVM_INT64, cols));
        tvm_expr e = tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, k}),
                             tvm_const_float(g, TVM_FLOAT32, v - 1.5));
        body = tvm_reduce(g, TVM_REDUCE_MAX, e, 1, &k);
        break;
    }
    default: /* K_CAST */
        body = tvm_cast(g, TVM_INT32, tvm_mul(g, a, tvm_const_float(g, TVM_FLOAT32,
                                                                   3e8 * (v + 1) + 0.5)));
        break;
    }
    b->out = tvm_compute(g, "C", 1, &n, &i, body);
    b->in[0] = A;
    b->in[1] = B;
    return tvm_graph_status(g) == TVM_OK;
}

/* Builds and compiles recipe r in ctx (with a constant n when fixed_n > 0);
 * NULL (with a failure recorded) on error. */
static tvm_function *compile_recipe_n(tvm_context *ctx, int r, int64_t fixed_n,
                                      const char *who) {
    built b;
    tvm_function *fn = NULL;
    if (!build_recipe_n(ctx, r, fixed_n, &b)) {
        check_fail(__FILE__, __LINE__, "%s: building recipe %d: %s", who, r, tvm_last_error());
    } else {
        tvm_compile_options o = recipe_options(r);
        tvm_status s = tvm_compile(b.g, recipe_nin(r), b.in, 1, &b.out, &o, &fn);
        if (s != TVM_OK) {
            check_fail(__FILE__, __LINE__, "%s: compiling recipe %d: %s: %s", who, r,
                       tvm_status_string(s), tvm_last_error());
            fn = NULL;
        }
    }
    tvm_graph_destroy(b.g);
    return fn;
}

static tvm_function *compile_recipe(tvm_context *ctx, int r, const char *who) {
    return compile_recipe_n(ctx, r, 0, who);
}

/* ---- the single-threaded reference ---------------------------------------------- */

typedef struct ref_case {
    tt_tensor *in[2];   /* read-only, shared by all threads */
    tt_tensor *want;    /* output of the main-thread run */
} ref_case;

static ref_case refs[NUM_RECIPES][NUM_SIZES];
static bool refs_ready, refs_failed;

static tt_tensor *alloc_input(int r, int64_t n) {
    int cols = recipe_cols(r);
    return cols ? tt_alloc(recipe_in_dtype(r), 2, TT_SHAPE(n, cols))
                : tt_alloc(recipe_in_dtype(r), 1, &n);
}

static tt_tensor *alloc_output(int r, int64_t n) {
    return tt_alloc(recipe_out_dtype(r), 1, &n);
}

/* Calls fn on reference case (r, s) writing into out. */
static tvm_status call_case(tvm_function *fn, int r, int s, tt_tensor *out) {
    ref_case *rc = &refs[r][s];
    if (recipe_nin(r) == 2)
        return tvm_function_call(fn, (DLTensor *[]){&rc->in[0]->dl, &rc->in[1]->dl, &out->dl},
                                 3);
    return tvm_function_call(fn, (DLTensor *[]){&rc->in[0]->dl, &out->dl}, 2);
}

static bool prepare_refs(void) {
    if (refs_ready) return true;
    if (refs_failed) return false;
    refs_failed = true;
    double t0 = now_s();
    tvm_context *ctx = tt_context();
    if (!ctx) return false;
    bool ok = true;
    for (int r = 0; r < NUM_RECIPES && ok; r++) {
        tvm_function *fn = compile_recipe(ctx, r, "reference");
        if (!fn) {
            ok = false;
            break;
        }
        for (int s = 0; s < NUM_SIZES && ok; s++) {
            ref_case *rc = &refs[r][s];
            int64_t n = SIZES[s];
            uint64_t seed = (uint64_t)(r * 1000 + s);
            for (int k = 0; k < recipe_nin(r); k++) {
                rc->in[k] = alloc_input(r, n);
                if (!rc->in[k]) {
                    ok = false;
                    break;
                }
                switch (recipe_in_dtype(r)) {
                case TVM_INT32: tt_fill_random(rc->in[k], seed + k, -5000, 5000); break;
                case TVM_INT64: tt_fill_random(rc->in[k], seed + k, -1e12, 1e12); break;
                default: tt_fill_random(rc->in[k], seed + k, -8, 8); break;
                }
            }
            rc->want = ok ? alloc_output(r, n) : NULL;
            if (!rc->want) {
                ok = false;
                break;
            }
            tt_fill_bytes(rc->want, 0xcd);
            tvm_status st = call_case(fn, r, s, rc->want);
            if (st != TVM_OK) {
                check_fail(__FILE__, __LINE__, "reference recipe %d n=%lld: %s: %s", r,
                           (long long)n, tvm_status_string(st), tvm_last_error());
                ok = false;
            }
        }
        tvm_function_release(fn);
    }
    tvm_context_destroy(ctx);
    if (!ok) return false;
    printf("  reference: %d recipes x %d sizes on the main thread in %.2f s\n", NUM_RECIPES,
           NUM_SIZES, now_s() - t0);
    refs_failed = false;
    refs_ready = true;
    return true;
}

static void free_refs(void) {
    for (int r = 0; r < NUM_RECIPES; r++)
        for (int s = 0; s < NUM_SIZES; s++) {
            tt_free(refs[r][s].in[0]);
            tt_free(refs[r][s].in[1]);
            tt_free(refs[r][s].want);
        }
    memset(refs, 0, sizeof refs);
    refs_ready = false;
}

/* Runs fn (recipe r) on size index s and compares with the reference. */
static bool run_checked(tvm_function *fn, int r, int s, const char *who) {
    tt_tensor *out = alloc_output(r, SIZES[s]);
    if (!out) {
        check_fail(__FILE__, __LINE__, "%s: out of memory", who);
        return false;
    }
    tt_fill_bytes(out, 0xcd);
    tvm_status st = call_case(fn, r, s, out);
    bool ok = st == TVM_OK;
    if (!ok) {
        check_fail(__FILE__, __LINE__, "%s: recipe %d n=%lld: %s: %s", who, r,
                   (long long)SIZES[s], tvm_status_string(st), tvm_last_error());
    } else if (memcmp(out->dl.data, refs[r][s].want->dl.data, out->nbytes) != 0) {
        int64_t d = tt_first_bit_diff(out, refs[r][s].want);
        check_fail(__FILE__, __LINE__, "%s: recipe %d n=%lld differs from the single-threaded "
                   "run: %s", who, r, (long long)SIZES[s],
                   d >= 0 ? tt_describe_diff(out, refs[r][s].want, d) : "(NaN payload bits)");
        ok = false;
    }
    tt_free(out);
    return ok;
}

static tvm_cache_stats get_stats(tvm_context *ctx) {
    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(tvm_context_stats(ctx, &st));
    return st;
}

/* ---- the mixed workload ------------------------------------------------------------ */

#define OWN_MAX 6

typedef struct mixed_run {
    tvm_context *ctx;
    int nthreads, nops;
    bool no_eviction;                 /* large caches: identity + single-flight checks */
    pthread_barrier_t barrier;
    pthread_mutex_t pool_lock;
    tvm_function *pool[NUM_RECIPES];  /* published functions (one reference each) */
    int pool_owner[NUM_RECIPES];
    _Atomic(tvm_function *) canonical[NUM_RECIPES]; /* no_eviction: first fn seen */
    atomic_uchar used[NUM_RECIPES][NUM_SIZES];      /* signatures called */
    atomic_long compiles, calls, pool_calls, releases, unpublished, mismatches;
} mixed_run;

typedef struct worker {
    mixed_run *run;
    int tid;
    uint64_t rng;
    tvm_function *owned[OWN_MAX];
    int owned_recipe[OWN_MAX];
    int nowned;
    char who[48];
} worker;

static uint32_t rnd(worker *w, uint32_t n) { return (uint32_t)(tt_rand_next(&w->rng) % n); }

static void drop_owned(worker *w, int k) {
    tvm_function_release(w->owned[k]);
    w->nowned--;
    w->owned[k] = w->owned[w->nowned];
    w->owned_recipe[k] = w->owned_recipe[w->nowned];
}

/* In the no-eviction run every compile of a recipe must give one object. */
static void check_identity(worker *w, int r, tvm_function *fn) {
    mixed_run *run = w->run;
    if (!run->no_eviction) return;
    tvm_function *expect = NULL;
    if (!atomic_compare_exchange_strong(&run->canonical[r], &expect, fn) && expect != fn)
        check_fail(__FILE__, __LINE__, "%s: recipe %d compiled to %p, earlier to %p: the "
                   "function cache did not answer an identical graph", w->who, r, (void *)fn,
                   (void *)expect);
}

static void op_compile(worker *w, int r) {
    mixed_run *run = w->run;
    tvm_function *fn = compile_recipe(run->ctx, r, w->who);
    atomic_fetch_add(&run->compiles, 1);
    if (!fn) return;
    check_identity(w, r, fn);
    if (w->nowned == OWN_MAX) {
        drop_owned(w, (int)rnd(w, OWN_MAX));
        atomic_fetch_add(&run->releases, 1);
    }
    w->owned[w->nowned] = fn;
    w->owned_recipe[w->nowned] = r;
    w->nowned++;
    /* publish it for the other threads if the slot is free */
    pthread_mutex_lock(&run->pool_lock);
    if (!run->pool[r]) {
        tvm_function_retain(fn);
        run->pool[r] = fn;
        run->pool_owner[r] = w->tid;
    }
    pthread_mutex_unlock(&run->pool_lock);
}

static void op_call(worker *w) {
    mixed_run *run = w->run;
    tvm_function *fn = NULL;
    int r = -1;
    bool from_pool = false;
    if (w->nowned > 0 && rnd(w, 2) == 0) {
        int k = (int)rnd(w, (uint32_t)w->nowned);
        fn = w->owned[k];
        r = w->owned_recipe[k];
    } else {
        int start = (int)rnd(w, NUM_RECIPES);
        pthread_mutex_lock(&run->pool_lock);
        for (int k = 0; k < NUM_RECIPES; k++) {
            int slot = (start + k) % NUM_RECIPES;
            if (run->pool[slot]) {
                fn = run->pool[slot];
                r = slot;
                tvm_function_retain(fn); /* ours for the call */
                from_pool = true;
                break;
            }
        }
        pthread_mutex_unlock(&run->pool_lock);
        if (!fn && w->nowned > 0) {
            int k = (int)rnd(w, (uint32_t)w->nowned);
            fn = w->owned[k];
            r = w->owned_recipe[k];
        }
    }
    if (!fn) { /* nothing to call yet: compile instead */
        op_compile(w, (int)rnd(w, NUM_RECIPES));
        return;
    }
    int s = (int)rnd(w, NUM_SIZES);
    if (!run_checked(fn, r, s, w->who)) atomic_fetch_add(&run->mismatches, 1);
    atomic_store(&run->used[r][s], 1);
    atomic_fetch_add(&run->calls, 1);
    if (from_pool) {
        atomic_fetch_add(&run->pool_calls, 1);
        tvm_function_release(fn);
    }
}

static void op_release(worker *w) {
    mixed_run *run = w->run;
    if (w->nowned > 0) {
        drop_owned(w, (int)rnd(w, (uint32_t)w->nowned));
        atomic_fetch_add(&run->releases, 1);
    }
    if (rnd(w, 2) == 0) { /* unpublish a pool entry this thread published */
        tvm_function *fn = NULL;
        int start = (int)rnd(w, NUM_RECIPES);
        pthread_mutex_lock(&run->pool_lock);
        for (int k = 0; k < NUM_RECIPES && !fn; k++) {
            int slot = (start + k) % NUM_RECIPES;
            if (run->pool[slot] && run->pool_owner[slot] == w->tid) {
                fn = run->pool[slot];
                run->pool[slot] = NULL;
            }
        }
        pthread_mutex_unlock(&run->pool_lock);
        if (fn) {
            tvm_function_release(fn); /* other threads may be calling it right now */
            atomic_fetch_add(&run->unpublished, 1);
        }
    }
}

/* Stampede: for every recipe, all threads compile it at once, then all call
 * the same new signature at once. */
static void stampede(worker *w) {
    mixed_run *run = w->run;
    for (int r = 0; r < NUM_RECIPES; r++) {
        int s = (r * 3) % NUM_SIZES;
        pthread_barrier_wait(&run->barrier);
        tvm_function *fn = compile_recipe(run->ctx, r, w->who);
        atomic_fetch_add(&run->compiles, 1);
        pthread_barrier_wait(&run->barrier);
        if (!fn) continue;
        check_identity(w, r, fn);
        if (!run_checked(fn, r, s, w->who)) atomic_fetch_add(&run->mismatches, 1);
        atomic_store(&run->used[r][s], 1);
        atomic_fetch_add(&run->calls, 1);
        tvm_function_release(fn);
    }
}

static void *mixed_worker(void *p) {
    worker *w = p;
    mixed_run *run = w->run;
    pthread_barrier_wait(&run->barrier);
    for (int op = 0; op < run->nops; op++) {
        uint32_t dice = rnd(w, 100);
        if (dice < 40)
            op_compile(w, (int)rnd(w, NUM_RECIPES));
        else if (dice < 90)
            op_call(w);
        else
            op_release(w);
        if (check_failures > 50) break; /* something is badly wrong: stop flooding */
    }
    while (w->nowned > 0) drop_owned(w, 0);
    return NULL;
}

static void *stampede_worker(void *p) {
    stampede((worker *)p);
    return NULL;
}

static void run_threads_on(mixed_run *run, void *(*fn)(void *), worker *ws) {
    pthread_t th[MAX_THREADS];
    pthread_barrier_init(&run->barrier, NULL, (unsigned)run->nthreads);
    int started = 0;
    for (int t = 0; t < run->nthreads; t++) {
        ws[t].run = run;
        ws[t].tid = t;
        ws[t].rng = 0x5eed0000u + (uint64_t)t * 7919u + (uint64_t)run->nops;
        ws[t].nowned = 0;
        snprintf(ws[t].who, sizeof ws[t].who, "thread %d", t);
        if (pthread_create(&th[t], NULL, fn, &ws[t]) != 0) {
            check_fail(__FILE__, __LINE__, "pthread_create failed");
            break;
        }
        started++;
    }
    if (started != run->nthreads) abort(); /* the barrier would never open */
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&run->barrier);
}

static mixed_run *mixed_new(int shape_cap, int fn_cap, bool no_eviction) {
    mixed_run *run = calloc(1, sizeof *run);
    if (!run) return NULL;
    tvm_context_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.shape_cache_capacity = shape_cap;
    o.function_cache_capacity = fn_cap;
    if (!CHECK_OK(tvm_context_create(&o, &run->ctx))) {
        free(run);
        return NULL;
    }
    run->nthreads = run_threads;
    run->nops = run_ops;
    run->no_eviction = no_eviction;
    pthread_mutex_init(&run->pool_lock, NULL);
    return run;
}

static void mixed_free(mixed_run *run) {
    for (int r = 0; r < NUM_RECIPES; r++) tvm_function_release(run->pool[r]);
    pthread_mutex_destroy(&run->pool_lock);
    tvm_context_destroy(run->ctx);
    free(run);
}

static int count_used(mixed_run *run) {
    int n = 0;
    for (int r = 0; r < NUM_RECIPES; r++)
        for (int s = 0; s < NUM_SIZES; s++) n += atomic_load(&run->used[r][s]);
    return n;
}

static void print_figures(const char *name, mixed_run *run, int ops, const tvm_cache_stats *st,
                          double secs) {
    printf("  %s: %d threads x %d ops in %.2f s: %ld compiles (%llu built, %llu cache hits), "
           "%ld calls (%ld on pool functions), %ld releases, %ld unpublished; kernels: %llu "
           "compiled, %llu cache hits, %llu evictions; %d distinct signatures called\n",
           name, run->nthreads, ops, secs, atomic_load(&run->compiles),
           (unsigned long long)st->functions_compiled,
           (unsigned long long)st->function_cache_hits, atomic_load(&run->calls),
           atomic_load(&run->pool_calls), atomic_load(&run->releases),
           atomic_load(&run->unpublished), (unsigned long long)st->kernels_compiled,
           (unsigned long long)st->kernel_cache_hits,
           (unsigned long long)st->kernel_cache_evictions, count_used(run));
    fflush(stdout);
}

/* The accounting that holds with or without eviction: every compile is a
 * build or a hit, every call of a symbolic function is a kernel build or a
 * hit, and the operation mix was followed. */
static void check_accounting(mixed_run *run, const tvm_cache_stats *st) {
    CHECK_EQ_INT(st->functions_compiled + st->function_cache_hits, atomic_load(&run->compiles));
    CHECK_EQ_INT(st->kernels_compiled + st->kernel_cache_hits, atomic_load(&run->calls));
    CHECK_EQ_INT(atomic_load(&run->mismatches), 0);
    CHECK(st->function_cache_hits > 0);
}

TEST(mixed_small_caches) {
    CHECK_OR_RETURN(prepare_refs());
    mixed_run *run = mixed_new(4, 8, false);
    CHECK_OR_RETURN(run);
    worker ws[MAX_THREADS];
    double t0 = now_s();
    run_threads_on(run, mixed_worker, ws);
    double dt = now_s() - t0;
    tvm_cache_stats st = get_stats(run->ctx);
    print_figures("small caches (shape 4, function 8)", run, run->nops, &st, dt);
    check_accounting(run, &st);
    long total = atomic_load(&run->compiles) + atomic_load(&run->calls);
    CHECK(total >= (long)run->nthreads * run->nops * 85 / 100); /* the mix ran */
    CHECK(st.kernel_cache_evictions > 0); /* eviction did race lookup */
    /* 32 recipes through an 8-entry function cache: rebuilt after eviction */
    CHECK(st.functions_compiled > 8);
    mixed_free(run);
}

TEST(mixed_single_flight) {
    CHECK_OR_RETURN(prepare_refs());
    mixed_run *run = mixed_new(64, 256, true);
    CHECK_OR_RETURN(run);
    worker ws[MAX_THREADS];
    double t0 = now_s();
    run_threads_on(run, stampede_worker, ws);
    double dt = now_s() - t0;
    tvm_cache_stats st = get_stats(run->ctx);
    print_figures("stampede (all threads compile, then call, each recipe at once)", run,
                  2 * NUM_RECIPES, &st, dt);
    /* every recipe was compiled by all threads at once; each (function,
     * shape) signature was called by all threads at once */
    int distinct = count_used(run);
    CHECK_EQ_INT(distinct, NUM_RECIPES);
    CHECK_EQ_INT(st.kernels_compiled, distinct);
    CHECK_EQ_INT(st.kernel_cache_hits, atomic_load(&run->calls) - distinct);
    CHECK_EQ_INT(st.functions_compiled, NUM_RECIPES);
    uint64_t built_before = st.functions_compiled;

    t0 = now_s();
    run_threads_on(run, mixed_worker, ws);
    dt = now_s() - t0;
    st = get_stats(run->ctx);
    print_figures("large caches (shape 64, function 256), cumulative", run, run->nops, &st, dt);
    check_accounting(run, &st);
    CHECK_EQ_INT(st.kernel_cache_evictions, 0);
    /* single flight: one kernel per distinct signature, however many threads
     * asked for it at once */
    distinct = count_used(run);
    CHECK_EQ_INT(st.kernels_compiled, distinct);
    /* every recipe was cached by the stampede: the mixed phase built nothing */
    CHECK_EQ_INT(st.functions_compiled, built_before);
    printf("  single flight: %d distinct signatures, %llu kernels compiled, %llu evictions\n",
           distinct, (unsigned long long)st.kernels_compiled,
           (unsigned long long)st.kernel_cache_evictions);
    mixed_free(run);
}

/* ---- fixed shapes: the kernel is built by tvm_compile ---------------------------- */

typedef struct fixed_run {
    tvm_context *ctx;
    pthread_barrier_t barrier;
    int nthreads;
    atomic_long calls;
} fixed_run;

typedef struct fixed_args {
    fixed_run *run;
    int tid;
} fixed_args;

/* For every kind (llvm, O3 variant): all threads compile the graph with a
 * constant n at once, then call it; size index (kind * 3) % NUM_SIZES. */
static void *fixed_worker(void *p) {
    fixed_args *a = p;
    fixed_run *run = a->run;
    char who[48];
    snprintf(who, sizeof who, "fixed-shape thread %d", a->tid);
    for (int kind = 0; kind < NUM_KINDS; kind++) {
        int r = kind * NUM_VARIANTS, s = (kind * 3) % NUM_SIZES;
        pthread_barrier_wait(&run->barrier);
        tvm_function *fn = compile_recipe_n(run->ctx, r, SIZES[s], who);
        if (!fn) continue;
        run_checked(fn, r, s, who);
        atomic_fetch_add(&run->calls, 1);
        tvm_function_release(fn);
    }
    return NULL;
}

TEST(fixed_shape_single_flight) {
    CHECK_OR_RETURN(prepare_refs());
    fixed_run run;
    memset(&run, 0, sizeof run);
    run.ctx = tt_context();
    CHECK_OR_RETURN(run.ctx);
    run.nthreads = run_threads;
    pthread_barrier_init(&run.barrier, NULL, (unsigned)run.nthreads);
    pthread_t th[MAX_THREADS];
    fixed_args a[MAX_THREADS];
    for (int t = 0; t < run.nthreads; t++) {
        a[t].run = &run;
        a[t].tid = t;
        if (pthread_create(&th[t], NULL, fixed_worker, &a[t]) != 0) abort();
    }
    for (int t = 0; t < run.nthreads; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&run.barrier);
    tvm_cache_stats st = get_stats(run.ctx);
    printf("  fixed shapes: %d graphs x %d threads compiling at once: %llu functions built, "
           "%llu cache hits, %llu kernels compiled (single flight: %d)\n", NUM_KINDS,
           run.nthreads, (unsigned long long)st.functions_compiled,
           (unsigned long long)st.function_cache_hits, (unsigned long long)st.kernels_compiled,
           NUM_KINDS);
    CHECK_EQ_INT(st.functions_compiled + st.function_cache_hits,
                 (long long)NUM_KINDS * run.nthreads);
    CHECK_EQ_INT(atomic_load(&run.calls), (long long)NUM_KINDS * run.nthreads);
    CHECK_EQ_INT(st.kernel_cache_evictions, 0);
    CHECK_EQ_INT(st.kernels_compiled, NUM_KINDS);
    CHECK_EQ_INT(st.functions_compiled, NUM_KINDS);
    tvm_context_destroy(run.ctx);
}

/* ---- concurrent context creation / destruction ------------------------------------ */

typedef struct cd_args {
    int tid, iters;
} cd_args;

static void *create_destroy_worker(void *p) {
    cd_args *a = p;
    char who[48];
    uint64_t rng = 0xc0ffee + (uint64_t)a->tid;
    for (int it = 0; it < a->iters; it++) {
        snprintf(who, sizeof who, "create/destroy thread %d iteration %d", a->tid, it);
        tvm_context_options o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        o.shape_cache_capacity = (int32_t)(it % 3); /* 0 (default), 1, 2 */
        o.function_cache_capacity = (int32_t)(it % 2);
        tvm_context *ctx = NULL;
        if (!CHECK_OK(tvm_context_create(&o, &ctx))) continue;
        int r = (int)((uint64_t)(a->tid * 13 + it * 5) % NUM_RECIPES);
        tvm_function *fn = compile_recipe(ctx, r, who);
        tvm_function *again = fn ? compile_recipe(ctx, r, who) : NULL;
        if (again && again != fn)
            check_fail(__FILE__, __LINE__, "%s: second compile of recipe %d missed the cache",
                       who, r);
        for (int c = 0; c < 3 && fn; c++)
            run_checked(c == 1 && again ? again : fn, r, (int)(tt_rand_next(&rng) % NUM_SIZES),
                        who);
        if (it % 2) { /* destroy first: the functions keep the code alive */
            tvm_context_destroy(ctx);
            if (fn) run_checked(fn, r, (int)(tt_rand_next(&rng) % NUM_SIZES), who);
            tvm_function_release(again);
            tvm_function_release(fn);
        } else {
            tvm_function_release(fn);
            tvm_function_release(again);
            tvm_context_destroy(ctx);
        }
    }
    return NULL;
}

TEST(context_create_destroy_4_threads) {
    CHECK_OR_RETURN(prepare_refs());
    enum { N = 4 };
    pthread_t th[N];
    cd_args a[N];
    double t0 = now_s();
    for (int t = 0; t < N; t++) {
        a[t].tid = t;
        a[t].iters = create_iters;
        CHECK(pthread_create(&th[t], NULL, create_destroy_worker, &a[t]) == 0);
    }
    for (int t = 0; t < N; t++) pthread_join(th[t], NULL);
    printf("  context create/compile/call/destroy: %d threads x %d iterations in %.2f s\n", N,
           create_iters, now_s() - t0);
}

/* ---- teardown: destroy the context under live functions ------------------------------ */

#define TD_WORKERS 3
#define TD_FNS 2

typedef struct teardown {
    pthread_barrier_t start, done;
    tvm_function *fns[TD_FNS];
    int recipe[TD_FNS];
    int iters;
    atomic_int calls_after_destroy;
    atomic_int destroyed;
} teardown;

typedef struct td_args {
    teardown *td;
    int tid;
} td_args;

static void *teardown_worker(void *p) {
    td_args *a = p;
    teardown *td = a->td;
    char who[64];
    uint64_t rng = 0xdead + (uint64_t)a->tid;
    for (int it = 0; it < td->iters; it++) {
        pthread_barrier_wait(&td->start);
        tvm_function *mine[TD_FNS];
        for (int f = 0; f < TD_FNS; f++) {
            mine[f] = td->fns[f];
            tvm_function_retain(mine[f]);
        }
        pthread_barrier_wait(&td->start); /* main destroys the context from here on */
        snprintf(who, sizeof who, "teardown thread %d iteration %d", a->tid, it);
        for (int c = 0; c < 6; c++) {
            int f = (int)(tt_rand_next(&rng) % TD_FNS);
            /* sizes differ per thread and call: some compile new kernels */
            int s = (int)((tt_rand_next(&rng) + (uint64_t)a->tid) % NUM_SIZES);
            bool after = atomic_load(&td->destroyed);
            run_checked(mine[f], td->recipe[f], s, who);
            if (after) atomic_fetch_add(&td->calls_after_destroy, 1);
        }
        /* the last release may free the context, on this thread */
        for (int f = 0; f < TD_FNS; f++) tvm_function_release(mine[f]);
        pthread_barrier_wait(&td->done);
    }
    return NULL;
}

TEST(teardown_under_calls) {
    CHECK_OR_RETURN(prepare_refs());
    teardown td;
    memset(&td, 0, sizeof td);
    td.iters = teardown_iters;
    pthread_barrier_init(&td.start, NULL, TD_WORKERS + 1);
    pthread_barrier_init(&td.done, NULL, TD_WORKERS + 1);
    pthread_t th[TD_WORKERS];
    td_args a[TD_WORKERS];
    for (int t = 0; t < TD_WORKERS; t++) {
        a[t].td = &td;
        a[t].tid = t;
        if (pthread_create(&th[t], NULL, teardown_worker, &a[t]) != 0) abort();
    }
    double t0 = now_s();
    for (int it = 0; it < td.iters; it++) {
        tvm_context_options o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        o.shape_cache_capacity = it % 2 ? 2 : 0; /* evictions after destroy, too */
        tvm_context *ctx = NULL;
        tvm_status st = tvm_context_create(&o, &ctx);
        if (st != TVM_OK) abort(); /* the workers wait on the barrier */
        for (int f = 0; f < TD_FNS; f++) {
            /* one llvm and one interp recipe, different each iteration */
            int r = (it * 7 + f * 5) % NUM_RECIPES;
            if (f == 1) r = (r / NUM_VARIANTS) * NUM_VARIANTS + 3; /* interp variant */
            else if (recipe_variant(r) == 3) r--;
            td.recipe[f] = r;
            td.fns[f] = compile_recipe(ctx, r, "teardown main");
            if (!td.fns[f]) abort();
        }
        atomic_store(&td.destroyed, 0);
        pthread_barrier_wait(&td.start);
        pthread_barrier_wait(&td.start); /* the workers hold their references */
        if (it % 3 == 0) sched_yield();  /* let some calls start first */
        tvm_context_destroy(ctx);
        atomic_store(&td.destroyed, 1);
        if (it % 2) /* the main thread's references go now or after the workers */
            for (int f = 0; f < TD_FNS; f++) tvm_function_release(td.fns[f]);
        pthread_barrier_wait(&td.done);
        if (!(it % 2))
            for (int f = 0; f < TD_FNS; f++) tvm_function_release(td.fns[f]);
        if (check_failures > 50) {
            td.iters = it + 1; /* workers read iters only at the next barrier */
        }
    }
    for (int t = 0; t < TD_WORKERS; t++) pthread_join(th[t], NULL);
    pthread_barrier_destroy(&td.start);
    pthread_barrier_destroy(&td.done);
    printf("  teardown: %d iterations x %d threads, %d calls made after tvm_context_destroy, "
           "%.2f s\n", td.iters, TD_WORKERS, atomic_load(&td.calls_after_destroy),
           now_s() - t0);
    CHECK(atomic_load(&td.calls_after_destroy) > 0);
}

/* ---- main ------------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    bool soak = false;
    int n = 0;
    char *rest[64];
    for (int i = 0; i < argc && n < 63; i++) {
        if (i > 0 && strcmp(argv[i], "--soak") == 0)
            soak = true;
        else if (i > 0 && strncmp(argv[i], "--teardown=", 11) == 0)
            teardown_iters = atoi(argv[i] + 11) > 0 ? atoi(argv[i] + 11) : TEARDOWN_ITERS;
        else
            rest[n++] = argv[i];
    }
    rest[n] = NULL;
    if (soak) {
        if (SANITIZED) {
            printf("test_stress --soak: release build only (sanitizers make 16 x 2,000 "
                   "operations take too long); skipped\n");
            return 77;
        }
        run_threads = SOAK_THREADS;
        run_ops = SOAK_OPS;
        if (n == 1) { /* only the mixed runs, unless tests were named */
            rest[n++] = "mixed_";
            rest[n] = NULL;
        }
    }
    printf("test_stress: %d threads x %d operations per mixed run%s%s\n", run_threads, run_ops,
           soak ? " (soak)" : "", SANITIZED ? " (sanitizer build)" : "");
    double t0 = now_s();
    int rc = check_run_all(n, rest);
    free_refs();
    printf("test_stress: total %.1f s\n", now_s() - t0);
    return rc;
}
