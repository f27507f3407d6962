/* test_parallel.c — parallel loops and the context's thread pool.
 *
 * Every result of a kernel whose outer loop runs in parallel must equal,
 * bit for bit, the same graph in a 1-thread context, in contexts of other
 * sizes and under a host parallel-for that splits the work its own way;
 * against the interp backend too wherever the values are exact (sums of
 * small integers, elementwise IEEE arithmetic); transcendental kernels
 * (softmax, layer_norm) are compared with interp within 1e-5 (LLVM and libm
 * round exp differently, with or without threads). Also: out-of-bounds
 * gathers, many host threads on one context, nested calls, destroy, the
 * TVMC_NUM_THREADS variable, the host callback and fork. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "tensor_util.h"

typedef struct built {
    int nin;
    tvm_tensor in[3];
    tvm_tensor out;
} built;
typedef void (*builder)(tvm_graph *g, built *b);

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

/* ---- graphs ---------------------------------------------------------------- */

#define EW_N (1 << 20)
static void build_add_relu(tvm_graph *g, built *b) {
    tvm_expr n = c64(g, EW_N), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_expr v = tvm_max(g, tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &i)),
                         tvm_const_float(g, TVM_FLOAT32, 0.0));
    *b = (built){2, {A, B}, tvm_compute(g, "C", 1, &n, &i, v)};
}

#define RS_R 513
#define RS_C 301
static void build_row_sum(tvm_graph *g, built *b) {
    tvm_expr sh[2] = {c64(g, RS_R), c64(g, RS_C)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, sh);
    tvm_expr i = tvm_iter_var(g, "i"), k = tvm_reduce_axis(g, "k", sh[1]);
    tvm_expr ik[2] = {i, k};
    *b = (built){1, {X}, tvm_compute(g, "S", 1, sh, &i, tvm_sum(g, tvm_load(g, X, ik), 1, &k))};
}

#define SM_R 300
#define SM_C 777
static void build_softmax(tvm_graph *g, built *b) {
    tvm_expr sh[2] = {c64(g, SM_R), c64(g, SM_C)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, sh);
    *b = (built){1, {X}, tvm_op_softmax(g, X, 1)};
}

/* softmax written out as test_fusion does: E = exp(x - max) is read by the
 * sum and by the division, so lowering stages one row of E per iteration of
 * the row loop (tvm_op_softmax recomputes exp instead). */
static void build_staged_softmax(tvm_graph *g, built *b) {
    tvm_expr sh[2] = {c64(g, SM_R), c64(g, SM_C)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, sh);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", sh[1]), k2 = tvm_reduce_axis(g, "k2", sh[1]);
    tvm_expr ik[2] = {i, k}, ij[2] = {i, j}, ik2[2] = {i, k2};
    tvm_tensor M = tvm_compute(g, "M", 1, sh, &i,
                               tvm_reduce(g, TVM_REDUCE_MAX, tvm_load(g, X, ik), 1, &k));
    tvm_tensor E = tvm_compute(g, "E", 2, sh, ij,
                               tvm_exp(g, tvm_sub(g, tvm_load(g, X, ij), tvm_load(g, M, &i))));
    tvm_tensor S = tvm_compute(g, "S", 1, sh, &i, tvm_sum(g, tvm_load(g, E, ik2), 1, &k2));
    *b = (built){1, {X}, tvm_compute(g, "Y", 2, sh, ij,
                                     tvm_div(g, tvm_load(g, E, ij), tvm_load(g, S, &i)))};
}

static void build_layer_norm(tvm_graph *g, built *b) {
    tvm_expr sh[2] = {c64(g, SM_R), c64(g, SM_C)};
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, sh);
    tvm_tensor G = tvm_placeholder(g, "G", TVM_FLOAT32, 1, &sh[1]);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &sh[1]);
    *b = (built){3, {X, G, B}, tvm_op_layer_norm(g, X, G, B, 1, 1e-5)};
}

#define GA_ROWS 1000
#define GA_COLS 64
#define GA_IDX 4096
static void build_gather(tvm_graph *g, built *b) {
    tvm_expr sh[2] = {c64(g, GA_ROWS), c64(g, GA_COLS)}, ni = c64(g, GA_IDX);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, sh);
    tvm_tensor I = tvm_placeholder(g, "I", TVM_INT64, 1, &ni);
    *b = (built){2, {X, I}, tvm_op_gather(g, X, I, 0)};
}

/* ---- running a graph in a given context ------------------------------------- */

typedef struct runner {
    tvm_context *ctx;
    tvm_graph *g;
    tvm_function *fn;
    built b;
} runner;

static bool runner_open(runner *r, tvm_context *ctx, builder make, const char *target) {
    *r = (runner){.ctx = ctx, .g = tvm_graph_create(ctx)};
    if (!r->g) return false;
    make(r->g, &r->b);
    tvm_compile_options o = tt_options(target, 0, 0);
    CHECK_OK(tvm_compile(r->g, r->b.nin, r->b.in, 1, &r->b.out, &o, &r->fn));
    return r->fn != NULL;
}

static void runner_close(runner *r) {
    tvm_function_release(r->fn);
    tvm_graph_destroy(r->g);
}

static tvm_status runner_call(runner *r, tt_tensor *const *ins, tt_tensor *out) {
    DLTensor *args[4];
    for (int k = 0; k < r->b.nin; k++) args[k] = &ins[k]->dl;
    args[r->b.nin] = &out->dl;
    return tvm_function_call(r->fn, args, r->b.nin + 1);
}

/* Whether the compiled kernel holds an outlined parallel loop. */
static bool is_parallel(runner *r) {
    char *src = NULL;
    if (tvm_function_source(r->fn, "llvm", &src) != TVM_OK) return false;
    bool par = strstr(src, ".par0") != NULL;
    tvm_free(src);
    return par;
}

static tvm_context *make_ctx(int threads, tvm_parallel_for_fn host, void *user) {
    tvm_context_options o = {.struct_size = sizeof o, .num_threads = threads,
                             .parallel_for = host, .parallel_user = user};
    tvm_context *ctx = NULL;
    CHECK_OK(tvm_context_create(&o, &ctx));
    return ctx;
}

/* Runs make() in ctx on the inputs into out; returns the status. */
static tvm_status run_once(tvm_context *ctx, builder make, const char *target,
                           tt_tensor *const *ins, tt_tensor *out, bool *parallel) {
    runner r;
    if (!runner_open(&r, ctx, make, target)) {
        tvm_graph_destroy(r.g);
        return TVM_ERR_INTERNAL;
    }
    tvm_status st = runner_call(&r, ins, out);
    if (parallel) *parallel = strcmp(target, "llvm") == 0 && is_parallel(&r);
    runner_close(&r);
    return st;
}

/* A host parallel-for that runs every range on the calling thread, one
 * index at a time, last first (a legal, deliberately odd split). */
static atomic_int host_calls;
static int reverse_host(void *user, int64_t n, tvm_parallel_task fn, void *task, int max) {
    (void)max;
    atomic_fetch_add(&host_calls, 1);
    CHECK(user == (void *)&host_calls);
    for (int64_t i = n; i-- > 0;) fn(task, i, i + 1);
    return 0;
}

/* A host parallel-for on two fresh threads, halves of the range. */
typedef struct half {
    tvm_parallel_task fn;
    void *task;
    int64_t lo, hi;
} half;
static void *half_main(void *arg) {
    half *h = arg;
    h->fn(h->task, h->lo, h->hi);
    return NULL;
}
static int threads_host(void *user, int64_t n, tvm_parallel_task fn, void *task, int max) {
    (void)user;
    (void)max;
    atomic_fetch_add(&host_calls, 1);
    half h[2] = {{fn, task, 0, n / 2}, {fn, task, n / 2, n}};
    pthread_t t[2];
    bool made[2];
    for (int k = 0; k < 2; k++) {
        made[k] = pthread_create(&t[k], NULL, half_main, &h[k]) == 0;
        if (!made[k]) half_main(&h[k]); /* no thread: run it here */
    }
    for (int k = 0; k < 2; k++)
        if (made[k]) pthread_join(t[k], NULL);
    return 0;
}

static int failing_host(void *user, int64_t n, tvm_parallel_task fn, void *task, int max) {
    (void)user, (void)n, (void)fn, (void)task, (void)max;
    return 1;
}

/* Compares out against the 1-thread llvm result (bitwise) in contexts of
 * 2, 3 and 4 threads and under both host parallel-fors, and against interp
 * (bitwise when `exact`, else within tol). */
static void check_everywhere(const char *what, builder make, tt_tensor *const *ins,
                             const int64_t *oshape, int ondim, bool exact, double tol) {
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, ondim, oshape);
    tt_tensor *got = tt_alloc(TVM_FLOAT32, ondim, oshape);
    tvm_context *one = make_ctx(1, NULL, NULL);
    bool par = false;
    CHECK_OK(run_once(one, make, "llvm", ins, ref, &par));
    CHECK(par); /* the same code runs as one chunk */
    tvm_context_destroy(one);
    for (int threads = 2; threads <= 4; threads++) {
        tvm_context *ctx = make_ctx(threads, NULL, NULL);
        tt_fill_bytes(got, 0xab);
        CHECK_OK(run_once(ctx, make, "llvm", ins, got, &par));
        CHECK(par);
        int64_t d = tt_first_bit_diff(got, ref);
        if (d >= 0) check_fail(__FILE__, __LINE__, "%s, %d threads: %s", what, threads,
                               tt_describe_diff(got, ref, d));
        tvm_context_destroy(ctx);
    }
    tvm_parallel_for_fn hosts[2] = {reverse_host, threads_host};
    for (int h = 0; h < 2; h++) {
        int before = atomic_load(&host_calls);
        tvm_context *ctx = make_ctx(4, hosts[h], &host_calls);
        tt_fill_bytes(got, 0xcd);
        CHECK_OK(run_once(ctx, make, "llvm", ins, got, NULL));
        CHECK(atomic_load(&host_calls) > before); /* the host ran the loop */
        int64_t d = tt_first_bit_diff(got, ref);
        if (d >= 0) check_fail(__FILE__, __LINE__, "%s, host parallel-for %d: %s", what, h,
                               tt_describe_diff(got, ref, d));
        tvm_context_destroy(ctx);
    }
    tvm_context *ictx = make_ctx(4, NULL, NULL);
    CHECK_OK(run_once(ictx, make, "interp", ins, got, NULL));
    if (exact) {
        int64_t d = tt_first_bit_diff(got, ref);
        if (d >= 0) check_fail(__FILE__, __LINE__, "%s vs interp: %s", what,
                               tt_describe_diff(got, ref, d));
    } else {
        double rel = tt_max_rel_diff(got, ref, 1.0);
        if (!(rel <= tol)) check_fail(__FILE__, __LINE__, "%s vs interp: diff %g", what, rel);
    }
    tvm_context_destroy(ictx);
    tt_free(ref);
    tt_free(got);
}

/* Fills t with small integers (exact in any summation order). */
static void fill_ints(tt_tensor *t, uint64_t seed, int lo, int hi) {
    uint64_t s = seed;
    for (int64_t i = 0; i < t->numel; i++)
        tt_set(t, i, lo + (int)(tt_rand_uniform(&s) * (hi - lo + 1)));
}

TEST(elementwise_bitwise_equal) {
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_fill_random(a, 1, -10, 10);
    tt_fill_random(b, 2, -10, 10);
    check_everywhere("add+relu", build_add_relu, (tt_tensor *[]){a, b}, TT_SHAPE(EW_N), 1,
                     true, 0);
    tt_free(a);
    tt_free(b);
}

TEST(reduction_rows_bitwise_equal) {
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(RS_R, RS_C));
    fill_ints(x, 3, -100, 100);
    check_everywhere("row sum", build_row_sum, (tt_tensor *[]){x}, TT_SHAPE(RS_R), 1, true, 0);
    tt_free(x);
}

TEST(softmax_staged_bitwise_equal) {
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
    tt_fill_random(x, 4, -6, 6);
    /* the staged row of E needs a private copy per thread */
    tvm_context *ctx = make_ctx(3, NULL, NULL);
    runner r;
    if (runner_open(&r, ctx, build_staged_softmax, "llvm")) {
        tt_tensor *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
        CHECK_OK(runner_call(&r, (tt_tensor *[]){x}, y));
        tvm_kernel_plan plan = {.struct_size = sizeof plan};
        CHECK_OK(tvm_function_plan(r.fn, &plan));
        CHECK_EQ_INT(plan.num_kernels, 1);
        CHECK(plan.workspace_bytes >= 3 * SM_C * 4); /* three slots of one row */
        CHECK(is_parallel(&r));
        tt_free(y);
    }
    runner_close(&r);
    tvm_context_destroy(ctx);
    check_everywhere("staged softmax", build_staged_softmax, (tt_tensor *[]){x},
                     TT_SHAPE(SM_R, SM_C), 2, false, 1e-5);
    check_everywhere("tvm_op_softmax", build_softmax, (tt_tensor *[]){x}, TT_SHAPE(SM_R, SM_C),
                     2, false, 1e-5);
    tt_free(x);
}

TEST(layer_norm_bitwise_equal) {
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
    tt_tensor *g = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(SM_C));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(SM_C));
    tt_fill_random(x, 5, -3, 3);
    tt_fill_random(g, 6, 0.5, 1.5);
    tt_fill_random(b, 7, -1, 1);
    check_everywhere("layer_norm", build_layer_norm, (tt_tensor *[]){x, g, b},
                     TT_SHAPE(SM_R, SM_C), 2, false, 1e-4);
    tt_free(x);
    tt_free(g);
    tt_free(b);
}

TEST(out_of_bounds_gather_is_an_error) {
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(GA_ROWS, GA_COLS));
    tt_tensor *idx = tt_alloc(TVM_INT64, 1, TT_SHAPE(GA_IDX));
    tt_tensor *y = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(GA_IDX, GA_COLS));
    tt_fill_random(x, 8, -1, 1);
    for (int64_t i = 0; i < GA_IDX; i++) tt_seti(idx, i, (i * 7) % GA_ROWS);
    const int64_t bad_at[3] = {0, GA_IDX / 2 + 3, GA_IDX - 1};
    for (int threads = 1; threads <= 4; threads += 3)
        for (int k = 0; k < 3; k++) {
            tvm_context *ctx = make_ctx(threads, NULL, NULL);
            tt_seti(idx, bad_at[k], GA_ROWS + 5);
            bool par = false;
            tvm_status st = run_once(ctx, build_gather, "llvm", (tt_tensor *[]){x, idx}, y, &par);
            CHECK(par);
            CHECK_EQ_INT(st, TVM_ERR_OUT_OF_BOUNDS);
            CHECK(strstr(tvm_last_error(), "'X'") != NULL);
            tt_seti(idx, bad_at[k], 1);
            CHECK_OK(run_once(ctx, build_gather, "llvm", (tt_tensor *[]){x, idx}, y, NULL));
            tvm_context_destroy(ctx);
        }
    tt_free(x);
    tt_free(idx);
    tt_free(y);
}

/* ---- many host threads -------------------------------------------------------- */

typedef struct shared_run {
    runner *ew, *sm;
    tt_tensor *a, *b, *x, *ew_ref, *sm_ref;
} shared_run;

static void *hammer(void *arg) {
    shared_run *s = arg;
    tt_tensor *y1 = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *y2 = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
    for (int it = 0; it < 10; it++) {
        CHECK_OK(runner_call(s->ew, (tt_tensor *[]){s->a, s->b}, y1));
        CHECK(tt_first_bit_diff(y1, s->ew_ref) < 0);
        CHECK_OK(runner_call(s->sm, (tt_tensor *[]){s->x}, y2));
        CHECK(tt_first_bit_diff(y2, s->sm_ref) < 0);
    }
    tt_free(y1);
    tt_free(y2);
    return NULL;
}

TEST(many_host_threads_one_context) {
    tvm_context *ctx = make_ctx(2, NULL, NULL);
    runner ew, sm;
    CHECK_OR_RETURN(runner_open(&ew, ctx, build_add_relu, "llvm"));
    CHECK_OR_RETURN(runner_open(&sm, ctx, build_staged_softmax, "llvm"));
    shared_run s = {.ew = &ew, .sm = &sm};
    s.a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    s.b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    s.x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
    s.ew_ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    s.sm_ref = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(SM_R, SM_C));
    tt_fill_random(s.a, 9, -1, 1);
    tt_fill_random(s.b, 10, -1, 1);
    tt_fill_random(s.x, 11, -5, 5);
    CHECK_OK(runner_call(&ew, (tt_tensor *[]){s.a, s.b}, s.ew_ref));
    CHECK_OK(runner_call(&sm, (tt_tensor *[]){s.x}, s.sm_ref));
    enum { NT = 6 };
    pthread_t th[NT];
    for (int t = 0; t < NT; t++) CHECK(pthread_create(&th[t], NULL, hammer, &s) == 0);
    for (int t = 0; t < NT; t++) pthread_join(th[t], NULL);
    runner_close(&ew);
    runner_close(&sm);
    tvm_context_destroy(ctx);
    tt_free(s.a), tt_free(s.b), tt_free(s.x), tt_free(s.ew_ref), tt_free(s.sm_ref);
}

/* ---- nested calls -------------------------------------------------------------- */

static runner *nested_inner;
static tt_tensor *nested_a, *nested_b;
static atomic_int nested_ok, nested_runs;

/* Called by a parallel kernel on every element; on zeros it runs another
 * parallel kernel of the same context (a nested parallel-for). */
static float nested_cb(float x) {
    if (x == 0.0f) {
        tt_tensor *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
        atomic_fetch_add(&nested_runs, 1);
        if (runner_call(nested_inner, (tt_tensor *[]){nested_a, nested_b}, y) == TVM_OK &&
            tt_get(y, 5) == fmax(tt_get(nested_a, 5) + tt_get(nested_b, 5), 0))
            atomic_fetch_add(&nested_ok, 1);
        tt_free(y);
    }
    return x + 1.0f;
}

#define NEST_N 100000
static void build_nested(tvm_graph *g, built *b) {
    tvm_expr n = c64(g, NEST_N), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_dtype dt = TVM_FLOAT32;
    tvm_expr arg = tvm_load(g, A, &i);
    tvm_expr v = tvm_call_extern(g, "nested_cb", (void *)nested_cb, TVM_FLOAT32, 1, &dt, &arg);
    *b = (built){1, {A}, tvm_compute(g, "C", 1, &n, &i, tvm_mul(g, v, v))};
}

TEST(nested_parallel_calls_run) {
    tvm_context *ctx = make_ctx(2, NULL, NULL);
    runner inner, outer;
    CHECK_OR_RETURN(runner_open(&inner, ctx, build_add_relu, "llvm"));
    CHECK_OR_RETURN(runner_open(&outer, ctx, build_nested, "llvm"));
    CHECK(is_parallel(&outer));
    nested_inner = &inner;
    nested_a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    nested_b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_fill_random(nested_a, 12, -1, 1);
    tt_fill_random(nested_b, 13, -1, 1);
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(NEST_N));
    tt_tensor *y = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(NEST_N));
    tt_fill_random(x, 14, 1, 2);
    tt_set(x, 10, 0), tt_set(x, NEST_N / 2 + 10, 0), tt_set(x, NEST_N - 1, 0);
    CHECK_OK(runner_call(&outer, (tt_tensor *[]){x}, y));
    CHECK(atomic_load(&nested_runs) >= 3); /* the callee may be called more than once */
    CHECK_EQ_INT(atomic_load(&nested_ok), atomic_load(&nested_runs));
    CHECK(tt_get(y, 10) == 1.0);
    runner_close(&inner);
    runner_close(&outer);
    tvm_context_destroy(ctx);
    tt_free(x), tt_free(y), tt_free(nested_a), tt_free(nested_b);
}

/* ---- lifetime, options, environment ---------------------------------------------- */

static int count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

TEST(destroy_joins_idle_workers) {
    int before = count_threads();
    tvm_context *ctx = make_ctx(4, NULL, NULL);
    CHECK_EQ_INT(tvm_context_num_threads(ctx), 4);
    CHECK_EQ_INT(count_threads(), before); /* lazily started */
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    CHECK_OK(run_once(ctx, build_add_relu, "llvm", (tt_tensor *[]){a, b}, c, NULL));
    CHECK_EQ_INT(count_threads(), before + 3);
    usleep(20000); /* the workers are asleep now */
    tvm_context_destroy(ctx);
    CHECK_EQ_INT(count_threads(), before);
    tt_free(a), tt_free(b), tt_free(c);
}

TEST(num_threads_environment_variable) {
    const char *old = getenv("TVMC_NUM_THREADS");
    char *saved = old ? strdup(old) : NULL;
    setenv("TVMC_NUM_THREADS", "3", 1);
    tvm_context *ctx = make_ctx(0, NULL, NULL);
    CHECK_EQ_INT(tvm_context_num_threads(ctx), 3);
    tvm_context_destroy(ctx);
    ctx = make_ctx(2, NULL, NULL); /* an explicit option wins */
    CHECK_EQ_INT(tvm_context_num_threads(ctx), 2);
    tvm_context_destroy(ctx);
    setenv("TVMC_NUM_THREADS", "lots", 1); /* malformed: ignored */
    ctx = make_ctx(0, NULL, NULL);
    CHECK(tvm_context_num_threads(ctx) >= 1);
    tvm_context_destroy(ctx);
    if (saved) setenv("TVMC_NUM_THREADS", saved, 1);
    else unsetenv("TVMC_NUM_THREADS");
    free(saved);
    CHECK_EQ_INT(tvm_context_num_threads(NULL), 0);
}

TEST(host_parallel_for_errors) {
    tvm_context_options o = {.struct_size = sizeof o, .parallel_user = &host_calls};
    tvm_context *ctx = NULL;
    CHECK_EQ_INT(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "parallel_user") != NULL);
    /* an older caller's struct (without the new fields) still works */
    o = (tvm_context_options){.struct_size = offsetof(tvm_context_options, parallel_for)};
    CHECK_OK(tvm_context_create(&o, &ctx));
    tvm_context_destroy(ctx);
    ctx = make_ctx(2, failing_host, NULL);
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    CHECK_EQ_INT(run_once(ctx, build_add_relu, "llvm", (tt_tensor *[]){a, b}, c, NULL),
                 TVM_ERR_INTERNAL);
    CHECK(strstr(tvm_last_error(), "parallel_for") != NULL);
    tvm_context_destroy(ctx);
    tt_free(a), tt_free(b), tt_free(c);
}

TEST(fork_after_parallel_call) {
#ifdef __SANITIZE_THREAD__
    /* TSan cannot follow a child that starts threads after a multi-threaded
     * fork ("not supported. Dying"); the plain and ASan builds run this */
    TEST_SKIP_RETURN("fork with threads is not supported under ThreadSanitizer");
#endif
    tvm_context *ctx = make_ctx(2, NULL, NULL);
    runner r;
    CHECK_OR_RETURN(runner_open(&r, ctx, build_add_relu, "llvm"));
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_tensor *ref = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(EW_N));
    tt_fill_random(a, 15, -1, 1);
    tt_fill_random(b, 16, -1, 1);
    CHECK_OK(runner_call(&r, (tt_tensor *[]){a, b}, ref)); /* the workers run now */
    for (int k = 0; k < 3; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(30); /* a deadlock kills the child */
            int ok = 1;
            for (int it = 0; it < 3; it++) {
                if (runner_call(&r, (tt_tensor *[]){a, b}, c) != TVM_OK) ok = 0;
                if (tt_first_bit_diff(c, ref) >= 0) ok = 0;
            }
            _exit(ok ? 0 : 3);
        }
        CHECK_OR_RETURN(pid > 0);
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK_OK(runner_call(&r, (tt_tensor *[]){a, b}, c)); /* the parent's pool still works */
        CHECK(tt_first_bit_diff(c, ref) < 0);
    }
    runner_close(&r);
    tvm_context_destroy(ctx);
    tt_free(a), tt_free(b), tt_free(c), tt_free(ref);
}

CHECK_MAIN()
