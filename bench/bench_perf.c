/* bench_perf.c — tvmc side by side with the CPU alternatives, in one process
 * and one run: OpenBLAS (cblas_sgemm / cblas_sgemv), oneDNN (matmul and
 * convolution primitives) and plain C loops built with gcc -O3 -march=native
 * (bench/c_loops.c). For each workload and thread count it prints the median
 * time after warm-up, GFLOP/s or GB/s, the time ratio tvmc / alternative
 * (> 1: tvmc is slower) and tvmc's cold compile time (TVM_COMPILE_NO_CACHE,
 * median of a few compiles), checks every tvmc result against the reference
 * and ends with a markdown summary table.
 *
 *   ninja -C build bench/bench_perf && ./build/bench/bench_perf
 *
 * Options: --quick (small subset, few repeats: the meson benchmark() smoke
 * run), --filter NAME (workloads whose name contains NAME), --threads 1|all.
 * Exit status 1 when any result mismatches. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tvmc.h>

#include "bench_util.h"
#include "c_loops.h"

#ifdef _OPENMP
#include <omp.h>
#endif
#if HAVE_OPENBLAS
#include <cblas.h>
#endif
#if HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

/* ---- options, timing ---------------------------------------------------- */

static bool quick;
static const char *filter;
static int all_threads;        /* tvmc's worker count for num_threads = 0 */
static int mismatches;
static tvm_context *ctx_one, *ctx_all;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef void (*run_fn)(void *arg);

typedef struct meas {
    double ms; /* median per call */
    int n;     /* timed calls */
} meas;

/* Warm-up, then up to max_reps timed calls, fewer when they would exceed the
 * time budget (naive tvmc kernels take seconds on the large SGEMMs; at least
 * one timed call always runs after the warm-up). */
static meas measure(run_fn run, void *arg) {
    const double budget = quick ? 0.2 : 1.0;
    const int max_reps = quick ? 5 : 21;
    double t0 = now_s();
    run(arg);
    double first = now_s() - t0;
    /* A call longer than twice the budget (the naive large SGEMMs: tens of
     * seconds) is its own sample: inputs and outputs are already paged in and
     * at that length the cache state of the first call does not matter; n = 0
     * marks it in the output. */
    if (first > 2 * budget) {
        sleep_ms(quick ? 20 : 100);
        return (meas){first * 1e3, 0};
    }
    /* short kernels: keep warming up for 50 ms (caches, pages, clocks) */
    for (int w = 0; w < 50 && now_s() - t0 < 0.05; w++) run(arg);
    int n = first > 0 ? (int)(budget / first) : max_reps;
    if (n > max_reps) n = max_reps;
    if (n < 1) n = 1;
    double *t = malloc((size_t)n * sizeof *t);
    for (int r = 0; r < n; r++) {
        double s = now_s();
        run(arg);
        t[r] = (now_s() - s) * 1e3;
    }
    meas m = {median(t, n), n};
    free(t);
    /* OpenBLAS and OpenMP workers spin for a while after a call before they
     * sleep; pause so they do not steal cores from the next contender. */
    sleep_ms(quick ? 20 : 100);
    return m;
}

static float *alloc_floats(int64_t n) {
    float *p = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(p, 0, (size_t)n * sizeof(float)); /* fault the pages in */
    return p;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float *random_floats(int64_t n, float lo, float hi) {
    float *p = alloc_floats(n);
    for (int64_t i = 0; i < n; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        p[i] = lo + (hi - lo) * (float)((double)(rng >> 11) / 9007199254740992.0);
    }
    return p;
}

/* max |x - ref| relative to max |ref| (absolute when ref is all small) */
static double rel_err(const float *x, const float *ref, int64_t n) {
    double d = 0, m = 1e-3;
    for (int64_t i = 0; i < n; i++) {
        double e = fabs((double)x[i] - ref[i]);
        if (!(e <= d)) d = e; /* NaN propagates */
        if (fabs(ref[i]) > m) m = fabs(ref[i]);
    }
    return d / m;
}

/* ---- reporting ----------------------------------------------------------- */

typedef struct workload {
    char name[48];  /* for --filter and the summary */
    char desc[128];
    double flops;   /* per call; 0: memory-bound, report GB/s */
    double bytes;   /* bytes that must move per call */
    int nt;         /* threads of this pass */
    /* the reference the tvmc rows are compared with */
    char ref_name[48];
    double ref_ms;
    /* a second one some targets name (SGEMM: oneDNN; GEMV: the triad
     * bound); 0: none */
    char ref2_name[64];
    double ref2_ms;
} workload;

typedef struct summary_row {
    char work[48], impl[40], ref[64];
    int nt;
    double ms, rate, ref_ms, ref_rate, compile_ms;
    bool gflops, ok;
} summary_row;

static summary_row summary[256];
static int nsummary;
/* the tvmc rows against the workload's second reference */
static summary_row summary2[128];
static int nsummary2;

static double rate_of(const workload *w, double ms) {
    return (w->flops > 0 ? w->flops : w->bytes) / (ms * 1e-3) / 1e9;
}

static const char *unit_of(const workload *w) { return w->flops > 0 ? "GFLOP/s" : "GB/s"; }

/* timed calls; "1*": the warm-up call itself (see measure) */
static const char *calls_str(meas m) {
    static char buf[16];
    if (m.n == 0)
        snprintf(buf, sizeof buf, "1*");
    else
        snprintf(buf, sizeof buf, "%d", m.n);
    return buf;
}

static bool selected(const char *name) { return !filter || strstr(name, filter); }

static void header(const workload *w) {
    printf("\n%s  [%d thread%s]\n", w->desc, w->nt, w->nt == 1 ? "" : "s");
    printf("  %-34s %10s %10s %8s %12s %11s  %s\n", "implementation", "median ms",
           unit_of(w), "calls", "tvmc/this", "compile ms", "check");
}

/* An alternative's row; the first one reported with is_ref becomes the
 * reference of the tvmc rows that follow. */
static void report_alt(workload *w, const char *impl, meas m, bool is_ref, const char *check) {
    printf("  %-34s %10.3f %10.2f %8s %12s %11s  %s\n", impl, m.ms, rate_of(w, m.ms),
           calls_str(m), "", "", check ? check : "");
    if (is_ref && w->ref_ms == 0) {
        snprintf(w->ref_name, sizeof w->ref_name, "%s", impl);
        w->ref_ms = m.ms;
    }
}

/* The bound for memory-bound rows: bytes / triad bandwidth. */
static void report_bound(workload *w, double triad_gbs) {
    double ms = w->bytes / (triad_gbs * 1e9) * 1e3;
    printf("  %-34s %10.3f %10.2f %8s %12s %11s  (%.1f MB / triad %.1f GB/s)\n",
           "bound: bytes / triad GB/s", ms, triad_gbs, "", "", "", w->bytes / 1e6, triad_gbs);
    snprintf(w->ref_name, sizeof w->ref_name, "bytes/triad (%.1f GB/s)", triad_gbs);
    w->ref_ms = ms;
}

static void report_tvmc(workload *w, const char *impl, meas m, double compile_ms, double err,
                        double tol) {
    bool ok = err <= tol;
    char ratio[32] = "";
    if (w->ref_ms > 0) snprintf(ratio, sizeof ratio, "%.2fx", m.ms / w->ref_ms);
    char check[64];
    if (ok)
        snprintf(check, sizeof check, "ok (err %.1e)", err);
    else
        snprintf(check, sizeof check, "MISMATCH (err %.3g > %.1g)", err, tol);
    printf("  %-34s %10.3f %10.2f %8s %12s %11.2f  %s\n", impl, m.ms, rate_of(w, m.ms),
           calls_str(m), ratio, compile_ms, check);
    if (!ok) {
        mismatches++;
        fprintf(stderr, "!!! MISMATCH: %s, %s, %d thread(s): relative error %.3g > %.1g\n",
                w->name, impl, w->nt, err, tol);
    }
    if (nsummary < (int)(sizeof summary / sizeof summary[0])) {
        summary_row *s = &summary[nsummary++];
        snprintf(s->work, sizeof s->work, "%s", w->name);
        snprintf(s->impl, sizeof s->impl, "%s", impl);
        snprintf(s->ref, sizeof s->ref, "%s", w->ref_ms > 0 ? w->ref_name : "-");
        s->nt = w->nt;
        s->ms = m.ms;
        s->rate = rate_of(w, m.ms);
        s->ref_ms = w->ref_ms;
        s->ref_rate = w->ref_ms > 0 ? rate_of(w, w->ref_ms) : 0;
        s->compile_ms = compile_ms;
        s->gflops = w->flops > 0;
        s->ok = ok;
        if (w->ref2_ms > 0 && nsummary2 < (int)(sizeof summary2 / sizeof summary2[0])) {
            summary2[nsummary2] = *s;
            s = &summary2[nsummary2++];
            snprintf(s->ref, sizeof s->ref, "%s", w->ref2_name);
            s->ref_ms = w->ref2_ms;
            s->ref_rate = rate_of(w, w->ref2_ms);
        }
    }
}

/* ---- tvmc plumbing -------------------------------------------------------- */

typedef struct tgraph {
    tvm_graph *g;
    int nin;
    tvm_tensor in[3], out;
} tgraph;

typedef struct tcall {
    tvm_function *fn;
    int nargs;
    DLTensor t[4];
    DLTensor *args[4];
    int64_t shapes[4][4];
} tcall;

static tvm_context *ctx_for(int nt) { return nt == 1 ? ctx_one : ctx_all; }

static tvm_expr cdim(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

static tvm_tensor placeholder(tvm_graph *g, const char *name, int ndim, const int64_t *shape) {
    tvm_expr s[4];
    for (int d = 0; d < ndim; d++) s[d] = cdim(g, shape[d]);
    return tvm_placeholder(g, name, TVM_FLOAT32, ndim, s);
}

/* Compiles g (constant shapes: tvm_compile builds the kernel itself), cold:
 * the median of a few uncached compiles goes to *compile_ms; the last
 * function is kept for timing. */
static tvm_function *compile(tgraph *tg, double *compile_ms) {
    TRY(tvm_graph_status(tg->g));
    const int n = quick ? 1 : 3;
    double t[3];
    tvm_compile_options o = {.struct_size = sizeof o, .flags = TVM_COMPILE_NO_CACHE};
    tvm_function *fn = NULL;
    for (int r = 0; r < n; r++) {
        if (fn) tvm_function_release(fn);
        double s = now_s();
        TRY(tvm_compile(tg->g, tg->nin, tg->in, 1, &tg->out, &o, &fn));
        t[r] = (now_s() - s) * 1e3;
    }
    *compile_ms = median(t, n);
    return fn;
}

static void targ(tcall *c, int i, float *data, int ndim, const int64_t *shape) {
    memcpy(c->shapes[i], shape, (size_t)ndim * sizeof *shape);
    c->t[i] = (DLTensor){.data = data, .device = {kDLCPU, 0}, .ndim = ndim,
                         .dtype = {kDLFloat, 32, 1}, .shape = c->shapes[i]};
    c->args[i] = &c->t[i];
    if (i + 1 > c->nargs) c->nargs = i + 1;
}

static void run_tvmc(void *arg) {
    tcall *c = arg;
    TRY(tvm_function_call(c->fn, c->args, c->nargs));
}

/* Compiles, measures and reports one tvmc variant; args are set by the
 * caller in c (the function is filled in here). The graph is destroyed. */
static void tvmc_variant(workload *w, const char *impl, tgraph tg, tcall *c, const float *out,
                         const float *ref, int64_t nout, double tol) {
    double compile_ms;
    c->fn = compile(&tg, &compile_ms);
    meas m = measure(run_tvmc, c);
    report_tvmc(w, impl, m, compile_ms, rel_err(out, ref, nout), tol);
    tvm_function_release(c->fn);
    tvm_graph_destroy(tg.g);
}

/* ---- thread control of the alternatives ----------------------------------- */

static void set_alt_threads(int nt) {
#if HAVE_OPENBLAS
    openblas_set_num_threads(nt);
#endif
#ifdef _OPENMP
    /* oneDNN (Debian's build uses the OpenMP runtime, libgomp) takes its
     * thread count from the calling thread's omp_get_max_threads(), both when
     * a primitive is created (blocking choices) and when it runs. */
    omp_set_num_threads(nt);
#endif
}

/* ---- oneDNN plumbing ---------------------------------------------------------- */

#if HAVE_DNNL
static dnnl_engine_t eng;
static dnnl_stream_t strm;

#define DN(call)                                                               \
    do {                                                                       \
        dnnl_status_t s_ = (call);                                             \
        if (s_ != dnnl_success) {                                              \
            fprintf(stderr, "%s failed: oneDNN status %d\n", #call, (int)s_);  \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

typedef struct dnn_call {
    dnnl_primitive_t p;
    int nargs;
    dnnl_exec_arg_t args[3];
} dnn_call;

static void run_dnn(void *arg) {
    dnn_call *c = arg;
    DN(dnnl_primitive_execute(c->p, strm, c->nargs, c->args));
    DN(dnnl_stream_wait(strm));
}

static dnnl_memory_t dnn_mem(const dnnl_memory_desc_t *md, void *ptr) {
    dnnl_memory_t m;
    DN(dnnl_memory_create(&m, md, eng, ptr ? ptr : DNNL_MEMORY_ALLOCATE));
    return m;
}

static void dnn_md(dnnl_memory_desc_t *md, int ndim, const int64_t *dims, dnnl_format_tag_t tag) {
    dnnl_dims_t d;
    for (int i = 0; i < ndim; i++) d[i] = dims[i];
    DN(dnnl_memory_desc_init_by_tag(md, ndim, d, dnnl_f32, tag));
}

/* Copies between two memories of possibly different layouts (not timed). */
static void dnn_reorder(dnnl_memory_t from, dnnl_memory_t to) {
    const dnnl_memory_desc_t *fmd, *tmd;
    DN(dnnl_memory_get_memory_desc(from, &fmd));
    DN(dnnl_memory_get_memory_desc(to, &tmd));
    dnnl_primitive_desc_t pd;
    DN(dnnl_reorder_primitive_desc_create(&pd, fmd, eng, tmd, eng, NULL));
    dnnl_primitive_t p;
    DN(dnnl_primitive_create(&p, pd));
    dnn_call c = {p, 2, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}};
    run_dnn(&c);
    dnnl_primitive_destroy(p);
    dnnl_primitive_desc_destroy(pd);
}

/* A memory layout as a tag: dims by stride, outermost first; a dim split
 * into an inner block is upper case and the block follows, as oneDNN writes
 * them (e.g. nChw16c, OIhw16i16o). */
static void dnn_layout(const dnnl_memory_desc_t *md, const char *letters, char *out, size_t cap) {
    if (md->format_kind != dnnl_blocked) {
        snprintf(out, cap, "(not blocked)");
        return;
    }
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    int order[DNNL_MAX_NDIMS], nd = md->ndims;
    for (int i = 0; i < nd; i++) order[i] = i;
    for (int i = 0; i < nd; i++) /* selection sort by stride, descending */
        for (int j = i + 1; j < nd; j++)
            if (b->strides[order[j]] > b->strides[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    size_t k = 0;
    for (int i = 0; i < nd && k + 1 < cap; i++) {
        bool blocked = false;
        for (int j = 0; j < b->inner_nblks; j++) blocked |= b->inner_idxs[j] == order[i];
        char ch = letters[order[i]];
        out[k++] = blocked ? (char)(ch - 'a' + 'A') : ch;
    }
    out[k] = 0;
    for (int j = 0; j < b->inner_nblks; j++)
        k += (size_t)snprintf(out + k, k < cap ? cap - k : 0, "%lld%c",
                              (long long)b->inner_blks[j], letters[b->inner_idxs[j]]);
}

static const char *dnn_impl(dnnl_primitive_desc_t pd) {
    const char *s = "?";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s);
    return s;
}

/* oneDNN matmul: dst[M,N] = src[M,K] weights[K,N]; weights given row-major
 * [K,N] (w_kn) or as [N,K] (transposed storage, tag ba). Created after the
 * thread count is set (it picks its blocking for that many threads). */
static meas dnn_matmul(int64_t M, int64_t N, int64_t K, float *a, float *w, bool w_nk,
                       float *dst, const char **impl) {
    dnnl_memory_desc_t amd, wmd, dmd;
    dnn_md(&amd, 2, (int64_t[]){M, K}, dnnl_ab);
    dnn_md(&wmd, 2, (int64_t[]){K, N}, w_nk ? dnnl_ba : dnnl_ab);
    dnn_md(&dmd, 2, (int64_t[]){M, N}, dnnl_ab);
    dnnl_matmul_desc_t desc;
    DN(dnnl_matmul_desc_init(&desc, &amd, &wmd, NULL, &dmd));
    dnnl_primitive_desc_t pd;
    DN(dnnl_primitive_desc_create(&pd, &desc, NULL, eng, NULL));
    dnnl_primitive_t p;
    DN(dnnl_primitive_create(&p, pd));
    static char name[64];
    snprintf(name, sizeof name, "%s", dnn_impl(pd));
    *impl = name;
    dnnl_memory_t am = dnn_mem(&amd, a), wm = dnn_mem(&wmd, w), dm = dnn_mem(&dmd, dst);
    dnn_call c = {p, 3, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dm}}};
    meas m = measure(run_dnn, &c);
    dnnl_memory_destroy(am);
    dnnl_memory_destroy(wm);
    dnnl_memory_destroy(dm);
    dnnl_primitive_destroy(p);
    dnnl_primitive_desc_destroy(pd);
    return m;
}
#endif

/* ---- GEMM and GEMV ------------------------------------------------------------ */

#if HAVE_OPENBLAS
typedef struct blas_gemm {
    int M, N, K;
    const float *A, *B;
    float *C;
} blas_gemm;

static void run_sgemm(void *arg) {
    blas_gemm *b = arg;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b->M, b->N, b->K, 1.0f, b->A, b->K,
                b->B, b->N, 0.0f, b->C, b->N);
}

static void run_sgemv(void *arg) {
    blas_gemm *b = arg; /* y[N] = W[N,K] x: M unused */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, b->N, b->K, 1.0f, b->A, b->K, b->B, 1, 0.0f, b->C,
                1);
}
#endif

typedef struct c_gemm {
    int64_t M, N, K;
    const float *A, *B;
    float *C;
    int nt;
} c_gemm;

static void run_c_sgemm(void *arg) {
    c_gemm *g = arg;
    c_sgemm(g->M, g->N, g->K, g->A, g->B, g->C, g->nt);
}

static void run_c_sgemv(void *arg) {
    c_gemm *g = arg;
    c_sgemv(g->N, g->K, g->A, g->B, g->C, g->nt);
}

/* C[i, j] = sum_k A[i, k] B[k, j], written as a plain compute: the form the
 * default schedule has to make fast on its own. */
static tgraph g_gemm_compute(int nt, int64_t M, int64_t N, int64_t K) {
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 2};
    tvm_graph *g = t.g;
    t.in[0] = placeholder(g, "A", 2, (int64_t[]){M, K});
    t.in[1] = placeholder(g, "B", 2, (int64_t[]){K, N});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr k = tvm_reduce_axis(g, "k", cdim(g, K));
    tvm_expr prod = tvm_mul(g, tvm_load(g, t.in[0], (tvm_expr[]){i, k}),
                            tvm_load(g, t.in[1], (tvm_expr[]){k, j}));
    t.out = tvm_compute(g, "C", 2, (tvm_expr[]){cdim(g, M), cdim(g, N)}, (tvm_expr[]){i, j},
                        tvm_sum(g, prod, 1, &k));
    return t;
}

static tgraph g_gemm_op(int nt, int64_t M, int64_t N, int64_t K, bool dense) {
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 2};
    t.in[0] = placeholder(t.g, "A", 2, (int64_t[]){M, K});
    if (dense) { /* weights [N, K], as a linear layer stores them */
        t.in[1] = placeholder(t.g, "W", 2, (int64_t[]){N, K});
        t.out = tvm_op_dense(t.g, t.in[0], t.in[1], (tvm_tensor){0});
    } else {
        t.in[1] = placeholder(t.g, "B", 2, (int64_t[]){K, N});
        t.out = tvm_op_matmul(t.g, t.in[0], t.in[1], 0, 0);
    }
    return t;
}

/* The same with constant weights (a model's initializers): B (or W = B^T)
 * is packed once at compile time, not copied per call. */
static tgraph g_gemm_const(int nt, int64_t M, int64_t N, int64_t K, bool dense, const float *b) {
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
    t.in[0] = placeholder(t.g, "A", 2, (int64_t[]){M, K});
    if (dense) {
        tvm_tensor w = tvm_constant(t.g, "W", TVM_FLOAT32, 2, (int64_t[]){N, K}, b);
        t.out = tvm_op_dense(t.g, t.in[0], w, (tvm_tensor){0});
    } else {
        tvm_tensor w = tvm_constant(t.g, "B", TVM_FLOAT32, 2, (int64_t[]){K, N}, b);
        t.out = tvm_op_matmul(t.g, t.in[0], w, 0, 0);
    }
    return t;
}

static float *transpose(const float *b, int64_t rows, int64_t cols) {
    float *t = alloc_floats(rows * cols);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) t[c * rows + r] = b[r * cols + c];
    return t;
}

static void wl_gemm(int nt, int64_t M, int64_t N, int64_t K) {
    workload w = {.flops = 2.0 * M * N * K, .bytes = 4.0 * (M * K + K * N + M * N), .nt = nt};
    if (M == N && N == K)
        snprintf(w.name, sizeof w.name, "sgemm_%lld", (long long)M);
    else
        snprintf(w.name, sizeof w.name, "sgemm_%lldx%lldx%lld", (long long)M, (long long)N,
                 (long long)K);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: C[%lld,%lld] = A[%lld,%lld] B[%lld,%lld] (M x N x K), "
             "%.2f GFLOP", w.name, (long long)M, (long long)N, (long long)M, (long long)K,
             (long long)K, (long long)N, w.flops / 1e9);
    header(&w);
    float *A = random_floats(M * K, -1, 1), *B = random_floats(K * N, -1, 1);
    float *Bt = transpose(B, K, N);
    float *ref = alloc_floats(M * N), *out = alloc_floats(M * N);
    const double tol = 1e-4;

#if HAVE_OPENBLAS
    blas_gemm bg = {(int)M, (int)N, (int)K, A, B, ref};
    report_alt(&w, "OpenBLAS cblas_sgemm", measure(run_sgemm, &bg), true, "reference");
#endif
#if HAVE_DNNL
    {
        const char *impl;
        meas m = dnn_matmul(M, N, K, A, B, false, out, &impl);
        char name[64], check[48];
        snprintf(name, sizeof name, "oneDNN matmul (%s)", impl);
        if (w.ref_ms == 0) memcpy(ref, out, (size_t)(M * N) * sizeof *ref);
        snprintf(check, sizeof check, "err %.1e", rel_err(out, ref, M * N));
        report_alt(&w, name, m, true, check);
        snprintf(w.ref2_name, sizeof w.ref2_name, "%s", name);
        w.ref2_ms = m.ms;
    }
#endif
    {
        c_gemm cg = {M, N, K, A, B, out, nt};
        meas m = measure(run_c_sgemm, &cg);
        if (w.ref_ms == 0) memcpy(ref, out, (size_t)(M * N) * sizeof *ref);
        char check[48];
        snprintf(check, sizeof check, "err %.1e", rel_err(out, ref, M * N));
        report_alt(&w, "gcc -O3 loop (i-k-j)", m, true, check);
    }

    int64_t sa[2] = {M, K}, sb[2] = {K, N}, sbt[2] = {N, K}, sc[2] = {M, N};
    tcall c = {0};
    targ(&c, 0, A, 2, sa);
    targ(&c, 1, B, 2, sb);
    targ(&c, 2, out, 2, sc);
    memset(out, 0, (size_t)(M * N) * sizeof *out);
    tvmc_variant(&w, "tvmc compute + tvm_sum", g_gemm_compute(nt, M, N, K), &c, out, ref, M * N,
                 tol);
    memset(out, 0, (size_t)(M * N) * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_matmul", g_gemm_op(nt, M, N, K, false), &c, out, ref, M * N,
                 tol);
    targ(&c, 1, Bt, 2, sbt);
    memset(out, 0, (size_t)(M * N) * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_dense (W = B^T)", g_gemm_op(nt, M, N, K, true), &c, out, ref,
                 M * N, tol);
    tcall cc = {0}; /* constant weights: A and the output only */
    targ(&cc, 0, A, 2, sa);
    targ(&cc, 1, out, 2, sc);
    memset(out, 0, (size_t)(M * N) * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_matmul (constant B)", g_gemm_const(nt, M, N, K, false, B), &cc,
                 out, ref, M * N, tol);
    memset(out, 0, (size_t)(M * N) * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_dense (constant W)", g_gemm_const(nt, M, N, K, true, Bt), &cc,
                 out, ref, M * N, tol);
    free(A);
    free(B);
    free(Bt);
    free(ref);
    free(out);
}

static double measure_triad(int nt);

static void wl_gemv(int nt, int64_t N, int64_t K) {
    workload w = {.flops = 2.0 * N * K, .bytes = 4.0 * (N * K + K + N), .nt = nt};
    snprintf(w.name, sizeof w.name, "gemv_1x%lldx%lld", (long long)N, (long long)K);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: y[%lld] = W[%lld,%lld] x[%lld], %.0f MFLOP, "
             "%.0f MiB of W (GB/s = GFLOP/s x 2)", w.name, (long long)N, (long long)N,
             (long long)K, (long long)K, w.flops / 1e6, 4.0 * N * K / 1048576.0);
    header(&w);
    float *W = random_floats(N * K, -1, 1), *x = random_floats(K, -1, 1);
    float *ref = alloc_floats(N), *out = alloc_floats(N);
    const double tol = 1e-4;
#if HAVE_OPENBLAS
    blas_gemm bg = {1, (int)N, (int)K, W, x, ref};
    report_alt(&w, "OpenBLAS cblas_sgemv", measure(run_sgemv, &bg), true, "reference");
#endif
#if HAVE_DNNL
    {
        const char *impl;
        meas m = dnn_matmul(1, N, K, x, W, true, out, &impl);
        char name[64], check[48];
        snprintf(name, sizeof name, "oneDNN matmul (%s)", impl);
        if (w.ref_ms == 0) memcpy(ref, out, (size_t)N * sizeof *ref);
        snprintf(check, sizeof check, "err %.1e", rel_err(out, ref, N));
        report_alt(&w, name, m, true, check);
    }
#endif
    {
        c_gemm cg = {1, N, K, W, x, out, nt};
        meas m = measure(run_c_sgemv, &cg);
        if (w.ref_ms == 0) memcpy(ref, out, (size_t)N * sizeof *ref);
        char check[48];
        snprintf(check, sizeof check, "err %.1e", rel_err(out, ref, N));
        report_alt(&w, "gcc -O3 loop (16 partial sums)", m, true, check);
    }
    {
        /* the bound: W read once at the STREAM-triad bandwidth */
        double gbs = measure_triad(nt);
        w.ref2_ms = w.bytes / (gbs * 1e9) * 1e3;
        snprintf(w.ref2_name, sizeof w.ref2_name, "bytes/triad (%.1f GB/s)", gbs);
        printf("  %-34s %10.3f %10.2f %8s %12s %11s  (%.1f MB / triad %.1f GB/s)\n",
               "bound: bytes / triad GB/s", w.ref2_ms, rate_of(&w, w.ref2_ms), "", "", "",
               w.bytes / 1e6, gbs);
    }

    /* plain compute: y[n] = sum_k W[n, k] x[k] */
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 2};
    {
        tvm_graph *g = t.g;
        t.in[0] = placeholder(g, "W", 2, (int64_t[]){N, K});
        t.in[1] = placeholder(g, "x", 1, &K);
        tvm_expr n = tvm_iter_var(g, "n"), k = tvm_reduce_axis(g, "k", cdim(g, K));
        tvm_expr prod = tvm_mul(g, tvm_load(g, t.in[0], (tvm_expr[]){n, k}),
                                tvm_load(g, t.in[1], &k));
        t.out = tvm_compute(g, "y", 1, (tvm_expr[]){cdim(g, N)}, &n, tvm_sum(g, prod, 1, &k));
    }
    int64_t sw[2] = {N, K}, sx1[2] = {1, K}, sy1[2] = {1, N};
    tcall c = {0};
    targ(&c, 0, W, 2, sw);
    targ(&c, 1, x, 1, &K);
    targ(&c, 2, out, 1, &N);
    memset(out, 0, (size_t)N * sizeof *out);
    tvmc_variant(&w, "tvmc compute + tvm_sum", t, &c, out, ref, N, tol);

    /* tvm_op_matmul(W, x) with x 1-D (numpy promotion) */
    t = (tgraph){.g = tvm_graph_create(ctx_for(nt)), .nin = 2};
    t.in[0] = placeholder(t.g, "W", 2, (int64_t[]){N, K});
    t.in[1] = placeholder(t.g, "x", 1, &K);
    t.out = tvm_op_matmul(t.g, t.in[0], t.in[1], 0, 0);
    memset(out, 0, (size_t)N * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_matmul(W, x)", t, &c, out, ref, N, tol);

    /* tvm_op_dense(x[1, K], W[N, K]) */
    t = (tgraph){.g = tvm_graph_create(ctx_for(nt)), .nin = 2};
    t.in[0] = placeholder(t.g, "x", 2, sx1);
    t.in[1] = placeholder(t.g, "W", 2, sw);
    t.out = tvm_op_dense(t.g, t.in[0], t.in[1], (tvm_tensor){0});
    c = (tcall){0};
    targ(&c, 0, x, 2, sx1);
    targ(&c, 1, W, 2, sw);
    targ(&c, 2, out, 2, sy1);
    memset(out, 0, (size_t)N * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_dense", t, &c, out, ref, N, tol);
    free(W);
    free(x);
    free(ref);
    free(out);
}

/* ---- memory-bound workloads ------------------------------------------------------ */

typedef struct c_stream {
    float *a, *b, *c, *d;
    const float *gamma, *beta;
    int64_t n, rows, cols;
    int nt;
} c_stream;

static void run_c_triad(void *arg) {
    c_stream *s = arg;
    c_triad(s->d, s->a, s->b, 3.0f, s->n, s->nt);
}
static void run_c_fma_relu(void *arg) {
    c_stream *s = arg;
    c_fma_relu(s->a, s->b, s->c, s->d, s->n, s->nt);
}
static void run_c_softmax(void *arg) {
    c_stream *s = arg;
    c_softmax(s->a, s->d, s->rows, s->cols, s->nt);
}
static void run_c_layer_norm(void *arg) {
    c_stream *s = arg;
    c_layer_norm(s->a, s->gamma, s->beta, s->d, s->rows, s->cols, 1e-5f, s->nt);
}
static void run_c_row_sum(void *arg) {
    c_stream *s = arg;
    c_row_sum(s->a, s->d, s->rows, s->cols, s->nt);
}

static const int64_t stream_n = 16 << 20;
static double triad_gbs[2]; /* [0]: 1 thread, [1]: all; measured by the fused workload */

/* STREAM-style triad bandwidth at nt threads (three 64 MiB arrays; STREAM
 * counts 3 x 4 bytes per element, no write-allocate traffic). */
static double measure_triad(int nt) {
    double *slot = &triad_gbs[nt == 1 ? 0 : 1];
    if (*slot > 0) return *slot;
    int64_t n = quick ? stream_n / 4 : stream_n;
    c_stream s = {.a = random_floats(n, -1, 1), .b = random_floats(n, -1, 1),
                  .d = alloc_floats(n), .n = n, .nt = nt};
    meas m = measure(run_c_triad, &s);
    *slot = 12.0 * (double)n / (m.ms * 1e-3) / 1e9;
    free(s.a);
    free(s.b);
    free(s.d);
    return *slot;
}

/* d = max(a*b + c, 0) over n float32. */
static tgraph fused_graph(int nt, int64_t n) {
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 3};
    tvm_graph *g = t.g;
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr v[3];
    const char *names[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        t.in[k] = placeholder(g, names[k], 1, &n);
        v[k] = tvm_load(g, t.in[k], &i);
    }
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_mul(g, v[0], v[1]), v[2]),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    t.out = tvm_compute(g, "d", 1, (tvm_expr[]){cdim(g, n)}, &i, body);
    return t;
}

static void wl_fused(int nt) {
    int64_t n = quick ? stream_n / 4 : stream_n;
    workload w = {.bytes = 16.0 * (double)n, .nt = nt};
    snprintf(w.name, sizeof w.name, "fused_fma_relu_%lldM", (long long)(n >> 20));
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: d = max(a*b + c, 0) over %lld float32 (%.0f MiB moved)",
             w.name, (long long)n, w.bytes / 1048576.0);
    double bw = measure_triad(nt);
    header(&w);
    c_stream s = {.a = random_floats(n, -1, 1), .b = random_floats(n, -1, 1),
                  .c = random_floats(n, -1, 1), .d = alloc_floats(n), .n = n, .nt = nt};
    {
        workload tw = w;
        tw.bytes = 12.0 * (double)n;
        char name[48];
        snprintf(name, sizeof name, "STREAM triad, gcc loop");
        printf("  %-34s %10.3f %10.2f %8s %12s %11s  (a = b + s*c, 3 x %.0f MiB)\n", name,
               tw.bytes / (bw * 1e9) * 1e3, bw, "", "", "", 4.0 * n / 1048576.0);
    }
    report_bound(&w, bw);
    float *ref = alloc_floats(n), *out = s.d;
    s.d = ref;
    report_alt(&w, "gcc -O3 loop, same expression", measure(run_c_fma_relu, &s), false, "");
    s.d = out;

    tcall c = {0};
    targ(&c, 0, s.a, 1, &n);
    targ(&c, 1, s.b, 1, &n);
    targ(&c, 2, s.c, 1, &n);
    targ(&c, 3, out, 1, &n);
    /* tolerance: either side may contract a*b + c into an FMA */
    tvmc_variant(&w, "tvmc compute", fused_graph(nt, n), &c, out, ref, n, 1e-6);
    /* the same with ordinary stores: what the non-temporal stores of an
     * output larger than the last-level cache gain (llvm_codegen.c); the
     * variable is read when compiling, and compile() bypasses the cache */
    const char *was = getenv("TVMC_NONTEMPORAL");
    char *saved = was ? strdup(was) : NULL;
    setenv("TVMC_NONTEMPORAL", "0", 1);
    tvmc_variant(&w, "tvmc, ordinary stores", fused_graph(nt, n), &c, out, ref, n, 1e-6);
    if (saved) setenv("TVMC_NONTEMPORAL", saved, 1);
    else unsetenv("TVMC_NONTEMPORAL");
    free(saved);
    free(s.a);
    free(s.b);
    free(s.c);
    free(out);
    free(ref);
}

enum norm_kind { SOFTMAX, LAYER_NORM, ROW_SUM };

static void wl_rows(int nt, enum norm_kind kind, int64_t rows, int64_t cols) {
    static const char *names[] = {"softmax", "layer_norm", "row_sum"};
    int64_t nout = kind == ROW_SUM ? rows : rows * cols;
    workload w = {.bytes = 4.0 * (double)(rows * cols + nout), .nt = nt};
    snprintf(w.name, sizeof w.name, "%s_%lldx%lld", names[kind], (long long)rows,
             (long long)cols);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: over rows of x[%lld,%lld], %.1f MiB must move",
             w.name, (long long)rows, (long long)cols, w.bytes / 1048576.0);
    double bw = measure_triad(nt);
    header(&w);
    report_bound(&w, bw);
    c_stream s = {.a = random_floats(rows * cols, -4, 4), .gamma = random_floats(cols, 0.5f, 1.5f),
                  .beta = random_floats(cols, -0.5f, 0.5f), .rows = rows, .cols = cols, .nt = nt};
    float *ref = alloc_floats(nout), *out = alloc_floats(nout);
    s.d = ref;
    static const run_fn cruns[] = {run_c_softmax, run_c_layer_norm, run_c_row_sum};
    report_alt(&w, kind == ROW_SUM ? "gcc -O3 loop (16 partial sums)" : "gcc -O3 loop",
               measure(cruns[kind], &s), false, "");

    int64_t sx[2] = {rows, cols};
    tcall c = {0};
    targ(&c, 0, s.a, 2, sx);
    targ(&c, 1, out, kind == ROW_SUM ? 1 : 2, kind == ROW_SUM ? &rows : sx);
    const double tol = 1e-4;
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
    t.in[0] = placeholder(t.g, "x", 2, sx);
    if (kind == SOFTMAX) {
        t.out = tvm_op_softmax(t.g, t.in[0], -1);
        tvmc_variant(&w, "tvmc tvm_op_softmax", t, &c, out, ref, nout, tol);
    } else if (kind == LAYER_NORM) {
        tvm_tensor gamma = tvm_constant(t.g, "gamma", TVM_FLOAT32, 1, &cols, s.gamma);
        tvm_tensor beta = tvm_constant(t.g, "beta", TVM_FLOAT32, 1, &cols, s.beta);
        t.out = tvm_op_layer_norm(t.g, t.in[0], gamma, beta, -1, 1e-5);
        tvmc_variant(&w, "tvmc tvm_op_layer_norm", t, &c, out, ref, nout, tol);
    } else {
        tvm_graph *g = t.g;
        tvm_expr r = tvm_iter_var(g, "r"), k = tvm_reduce_axis(g, "k", cdim(g, cols));
        t.out = tvm_compute(g, "y", 1, (tvm_expr[]){cdim(g, rows)}, &r,
                            tvm_sum(g, tvm_load(g, t.in[0], (tvm_expr[]){r, k}), 1, &k));
        tvmc_variant(&w, "tvmc compute + tvm_sum", t, &c, out, ref, nout, tol);
        t = (tgraph){.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
        t.in[0] = placeholder(t.g, "x", 2, sx);
        t.out = tvm_op_reduce(t.g, TVM_OP_SUM, t.in[0], 1, (int[]){1}, 0);
        memset(out, 0, (size_t)nout * sizeof *out);
        tvmc_variant(&w, "tvmc tvm_op_reduce(SUM)", t, &c, out, ref, nout, tol);
    }
    free(s.a);
    free((void *)s.gamma);
    free((void *)s.beta);
    free(ref);
    free(out);
}

/* ---- topk ------------------------------------------------------------------------ */

/* ONNX TopK's indices over rows of x[rows, n] (largest first, ties by lower
 * position), against the C library's qsort of each row's positions, which
 * is what a C program would call; a second tvmc row builds the same op with
 * a symbolic n, which keeps the O(n^2) ranking (the code before the merge
 * passes), for the before/after ratio in one run. */
typedef struct c_topk {
    const float *x;
    int64_t rows, n, k;
    int64_t *perm, *out;
} c_topk;

static const float *topk_row;
static int topk_cmp(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    float va = topk_row[a], vb = topk_row[b];
    if (va != vb) return va > vb ? -1 : 1; /* no NaN in the bench data */
    return a < b ? -1 : 1;
}

static void run_c_topk(void *arg) {
    c_topk *c = arg;
    for (int64_t r = 0; r < c->rows; r++) {
        topk_row = c->x + r * c->n;
        for (int64_t i = 0; i < c->n; i++) c->perm[i] = i;
        qsort(c->perm, (size_t)c->n, sizeof *c->perm, topk_cmp);
        memcpy(c->out + r * c->k, c->perm, (size_t)c->k * sizeof *c->out);
    }
}

static void wl_topk(int nt, int64_t rows, int64_t n, int64_t k) {
    workload w = {.bytes = 4.0 * (double)(rows * n) + 8.0 * (double)(rows * k), .nt = nt};
    snprintf(w.name, sizeof w.name, "topk_%lldx%lld_k%lld", (long long)rows, (long long)n,
             (long long)k);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: indices of the %lld largest of each row of x[%lld,%lld]",
             w.name, (long long)k, (long long)rows, (long long)n);
    header(&w);
    c_topk c = {.x = random_floats(rows * n, -1, 1), .rows = rows, .n = n, .k = k};
    c.perm = malloc((size_t)n * sizeof *c.perm);
    c.out = malloc((size_t)(rows * k) * sizeof *c.out);
    report_alt(&w, "C qsort per row (gcc -O3)", measure(run_c_topk, &c), true, "");
    int64_t *out = malloc((size_t)(rows * k) * sizeof *out);
    int64_t sx[2] = {rows, n}, so[2] = {rows, k};
    for (int variant = 0; variant < 2; variant++) {
        tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
        tvm_expr dims[2] = {cdim(t.g, rows), variant ? tvm_size_var(t.g, "n") : cdim(t.g, n)};
        t.in[0] = tvm_placeholder(t.g, "x", TVM_FLOAT32, 2, dims);
        t.out = tvm_op_topk(t.g, t.in[0], k, 1, 1);
        tcall tc = {0};
        targ(&tc, 0, (float *)c.x, 2, sx);
        targ(&tc, 1, (float *)out, 2, so);
        tc.t[1].dtype = (DLDataType){kDLInt, 64, 1};
        memset(out, 0xff, (size_t)(rows * k) * sizeof *out);
        double compile_ms;
        tc.fn = compile(&t, &compile_ms);
        meas m = measure(run_tvmc, &tc);
        int64_t wrong = 0;
        for (int64_t i = 0; i < rows * k; i++) wrong += out[i] != c.out[i];
        report_tvmc(&w, variant ? "tvmc tvm_op_topk, symbolic n (rank)"
                                : "tvmc tvm_op_topk (merge passes)",
                    m, compile_ms, (double)wrong, 0);
        tvm_function_release(tc.fn);
        tvm_graph_destroy(t.g);
    }
    free((void *)c.x);
    free(c.perm);
    free(c.out);
    free(out);
}

/* ---- conv2d ------------------------------------------------------------------------ */

static void wl_conv(int nt, const char *tag, int64_t C, int64_t HW, int64_t O, int64_t KS,
                    int64_t stride, int64_t pad, int64_t groups) {
    int64_t OHW = (HW + 2 * pad - KS) / stride + 1, cg = C / groups;
    workload w = {.flops = 2.0 * O * OHW * OHW * cg * KS * KS, .nt = nt};
    snprintf(w.name, sizeof w.name, "conv_%s", tag);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: 1x%lldx%lldx%lld -> %lld, %lldx%lld stride %lld pad "
             "%lld%s, %.0f MFLOP", w.name, (long long)C, (long long)HW, (long long)HW,
             (long long)O, (long long)KS, (long long)KS, (long long)stride, (long long)pad,
             groups > 1 ? ", depthwise" : "", w.flops / 1e6);
    header(&w);
    int64_t nx = C * HW * HW, nw = O * cg * KS * KS, ny = O * OHW * OHW;
    float *x = random_floats(nx, -1, 1), *wt = random_floats(nw, -0.2f, 0.2f);
    float *ref = alloc_floats(ny), *out = alloc_floats(ny);
    c_conv2d_ref(x, wt, ref, C, HW, HW, O, KS, KS, stride, pad, groups);
    const double tol = 1e-4;
#if HAVE_DNNL
    {
        /* Let oneDNN pick its layouts (format_tag_any: blocked, e.g. nChw16c
         * with AVX-512); the reorders from and to NCHW are not timed. */
        dnnl_memory_desc_t xa, wa, ya, xu, wu, yu;
        int64_t dx[4] = {1, C, HW, HW}, dy[4] = {1, O, OHW, OHW};
        int64_t dw[5] = {groups, O / groups, cg, KS, KS};
        dnn_md(&xa, 4, dx, dnnl_format_tag_any);
        dnn_md(&ya, 4, dy, dnnl_format_tag_any);
        dnn_md(&xu, 4, dx, dnnl_nchw);
        dnn_md(&yu, 4, dy, dnnl_nchw);
        if (groups > 1) {
            dnn_md(&wa, 5, dw, dnnl_format_tag_any);
            dnn_md(&wu, 5, dw, dnnl_goihw);
        } else {
            dnn_md(&wa, 4, dw + 1, dnnl_format_tag_any);
            dnn_md(&wu, 4, dw + 1, dnnl_oihw);
        }
        dnnl_dims_t st = {stride, stride}, pl = {pad, pad}, pr = {pad, pad};
        dnnl_convolution_desc_t desc;
        DN(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_inference,
                                              dnnl_convolution_direct, &xa, &wa, NULL, &ya, st,
                                              pl, pr));
        dnnl_primitive_desc_t pd;
        DN(dnnl_primitive_desc_create(&pd, &desc, NULL, eng, NULL));
        dnnl_primitive_t p;
        DN(dnnl_primitive_create(&p, pd));
        const dnnl_memory_desc_t *xq = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
        const dnnl_memory_desc_t *wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        const dnnl_memory_desc_t *yq = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
        dnnl_memory_t xum = dnn_mem(&xu, x), wum = dnn_mem(&wu, wt), yum = dnn_mem(&yu, out);
        dnnl_memory_t xm = dnn_mem(xq, NULL), wm = dnn_mem(wq, NULL), ym = dnn_mem(yq, NULL);
        dnn_reorder(xum, xm);
        dnn_reorder(wum, wm);
        dnn_call c = {p, 3, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}}};
        meas m = measure(run_dnn, &c);
        dnn_reorder(ym, yum);
        char lx[32], lw[32], ly[32], name[64], check[128];
        dnn_layout(xq, "nchw", lx, sizeof lx);
        dnn_layout(wq, groups > 1 ? "goihw" : "oihw", lw, sizeof lw);
        dnn_layout(yq, "nchw", ly, sizeof ly);
        snprintf(name, sizeof name, "oneDNN conv (%s)", dnn_impl(pd));
        double err = rel_err(out, ref, ny);
        snprintf(check, sizeof check, "err %.1e; %s/%s->%s", err, lx, lw, ly);
        report_alt(&w, name, m, true, check);
        if (err > tol) {
            mismatches++;
            fprintf(stderr, "!!! MISMATCH: %s: oneDNN vs the C reference: %.3g\n", w.name, err);
        }
        dnnl_memory_destroy(xum);
        dnnl_memory_destroy(wum);
        dnnl_memory_destroy(yum);
        dnnl_memory_destroy(xm);
        dnnl_memory_destroy(wm);
        dnnl_memory_destroy(ym);
        dnnl_primitive_destroy(p);
        dnnl_primitive_desc_destroy(pd);
    }
#endif
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
    int64_t sx[4] = {1, C, HW, HW}, sw[4] = {O, cg, KS, KS}, sy[4] = {1, O, OHW, OHW};
    t.in[0] = placeholder(t.g, "x", 4, sx);
    tvm_tensor wc = tvm_constant(t.g, "w", TVM_FLOAT32, 4, sw, wt);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = (int32_t)groups,
                         .strides = {stride, stride}, .pads = {pad, pad, pad, pad}};
    t.out = tvm_op_conv2d(t.g, t.in[0], wc, (tvm_tensor){0}, &at);
    tcall c = {0};
    targ(&c, 0, x, 4, sx);
    targ(&c, 1, out, 4, sy);
    memset(out, 0, (size_t)ny * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_conv2d (NCHW)", t, &c, out, ref, ny, tol);
    if (KS == 3 && stride == 1 && groups == 1) {
        /* the layers the automatic choice may send to Winograd
         * (conv_winograd.c): both algorithms forced, in the same run */
        static const struct { int algo; const char *name; } alg[2] = {
            {TVM_CONV_ALGO_DIRECT, "tvmc tvm_op_conv2d (NCHW, direct)"},
            {TVM_CONV_ALGO_WINOGRAD, "tvmc tvm_op_conv2d (NCHW, winograd)"}};
        for (int k = 0; k < 2; k++) {
            tgraph ta = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
            ta.in[0] = placeholder(ta.g, "x", 4, sx);
            tvm_tensor wa = tvm_constant(ta.g, "w", TVM_FLOAT32, 4, sw, wt);
            tvm_conv_attrs aa = at;
            aa.algorithm = alg[k].algo;
            ta.out = tvm_op_conv2d(ta.g, ta.in[0], wa, (tvm_tensor){0}, &aa);
            memset(out, 0, (size_t)ny * sizeof *out);
            tvmc_variant(&w, alg[k].name, ta, &c, out, ref, ny, tol);
        }
    }
    if (groups > 1 && groups == C && O == C) {
        /* depthwise NHWC too (vectorised over channels; oneDNN's own
         * choice above is nhwc): x, w and the reference transposed, the
         * transposes not timed */
        float *xh = alloc_floats(nx), *wh = alloc_floats(nw), *refh = alloc_floats(ny);
        for (int64_t ch = 0; ch < C; ch++) {
            for (int64_t i = 0; i < HW * HW; i++) xh[i * C + ch] = x[ch * HW * HW + i];
            for (int64_t i = 0; i < OHW * OHW; i++) refh[i * C + ch] = ref[ch * OHW * OHW + i];
            for (int64_t i = 0; i < KS * KS; i++) wh[i * C + ch] = wt[ch * KS * KS + i];
        }
        tgraph th = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
        int64_t hx[4] = {1, HW, HW, C}, hw[4] = {KS, KS, 1, O}, hy[4] = {1, OHW, OHW, O};
        th.in[0] = placeholder(th.g, "x", 4, hx);
        tvm_tensor wch = tvm_constant(th.g, "w", TVM_FLOAT32, 4, hw, wh);
        at.layout = TVM_LAYOUT_NHWC;
        th.out = tvm_op_conv2d(th.g, th.in[0], wch, (tvm_tensor){0}, &at);
        tcall ch = {0};
        targ(&ch, 0, xh, 4, hx);
        targ(&ch, 1, out, 4, hy);
        memset(out, 0, (size_t)ny * sizeof *out);
        tvmc_variant(&w, "tvmc tvm_op_conv2d (NHWC)", th, &ch, out, refh, ny, tol);
        free(xh);
        free(wh);
        free(refh);
    }
    free(x);
    free(wt);
    free(ref);
    free(out);
}

/* ---- pooling ----------------------------------------------------------------------- */

/* Max pooling, batch 1, NCHW (ResNet's stem pool: 3x3 stride 2 pad 1 over
 * 64x112x112). oneDNN on the same plain layout is the reference; its
 * blocked layout (nChw16c, reorders not timed) is shown too. */
static void wl_max_pool(int nt, const char *tag, int64_t C, int64_t HW, int64_t KS,
                        int64_t stride, int64_t pad) {
    int64_t OHW = (HW + 2 * pad - KS) / stride + 1;
    workload w = {.bytes = 4.0 * C * (HW * HW + OHW * OHW), .nt = nt};
    snprintf(w.name, sizeof w.name, "max_pool_%s", tag);
    if (!selected(w.name)) return;
    snprintf(w.desc, sizeof w.desc, "%s: 1x%lldx%lldx%lld, %lldx%lld stride %lld pad %lld, "
             "%.1f MB", w.name, (long long)C, (long long)HW, (long long)HW, (long long)KS,
             (long long)KS, (long long)stride, (long long)pad, w.bytes / 1e6);
    header(&w);
    int64_t nx = C * HW * HW, ny = C * OHW * OHW;
    float *x = random_floats(nx, -1, 1);
    float *ref = alloc_floats(ny), *out = alloc_floats(ny);
    c_max_pool2d_ref(x, ref, C, HW, HW, KS, stride, pad);
#if HAVE_DNNL
    for (int blocked = 0; blocked < 2; blocked++) {
        dnnl_memory_desc_t xa, ya, xu, yu;
        int64_t dx[4] = {1, C, HW, HW}, dy[4] = {1, C, OHW, OHW};
        dnnl_format_tag_t tag16 = blocked ? dnnl_nChw16c : dnnl_nchw;
        dnn_md(&xa, 4, dx, tag16);
        dnn_md(&ya, 4, dy, tag16);
        dnn_md(&xu, 4, dx, dnnl_nchw);
        dnn_md(&yu, 4, dy, dnnl_nchw);
        dnnl_dims_t st = {stride, stride}, k = {KS, KS}, dil = {0, 0}, pl = {pad, pad},
                    pr = {pad, pad};
        dnnl_pooling_v2_desc_t desc;
        DN(dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, dnnl_pooling_max,
                                             &xa, &ya, st, k, dil, pl, pr));
        dnnl_primitive_desc_t pd;
        DN(dnnl_primitive_desc_create(&pd, &desc, NULL, eng, NULL));
        dnnl_primitive_t p;
        DN(dnnl_primitive_create(&p, pd));
        dnnl_memory_t xum = dnn_mem(&xu, x), yum = dnn_mem(&yu, out);
        dnnl_memory_t xm = dnn_mem(&xa, NULL), ym = dnn_mem(&ya, NULL);
        dnn_reorder(xum, xm);
        dnn_call c = {p, 2, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DST, ym}}};
        meas m = measure(run_dnn, &c);
        dnn_reorder(ym, yum);
        char name[64], check[64];
        snprintf(name, sizeof name, "oneDNN pool %s (%s)", blocked ? "nChw16c" : "nchw",
                 dnn_impl(pd));
        double err = rel_err(out, ref, ny);
        snprintf(check, sizeof check, "err %.1e", err);
        report_alt(&w, name, m, !blocked, check);
        if (err > 0) {
            mismatches++;
            fprintf(stderr, "!!! MISMATCH: %s: oneDNN vs the C reference: %.3g\n", w.name, err);
        }
        dnnl_memory_destroy(xum);
        dnnl_memory_destroy(yum);
        dnnl_memory_destroy(xm);
        dnnl_memory_destroy(ym);
        dnnl_primitive_destroy(p);
        dnnl_primitive_desc_destroy(pd);
    }
#endif
    tgraph t = {.g = tvm_graph_create(ctx_for(nt)), .nin = 1};
    int64_t sx[4] = {1, C, HW, HW}, sy[4] = {1, C, OHW, OHW};
    t.in[0] = placeholder(t.g, "x", 4, sx);
    tvm_pool_attrs at = {.struct_size = sizeof at, .kernel = {KS, KS},
                         .strides = {stride, stride}, .pads = {pad, pad, pad, pad}};
    t.out = tvm_op_max_pool2d(t.g, t.in[0], &at);
    tcall c = {0};
    targ(&c, 0, x, 4, sx);
    targ(&c, 1, out, 4, sy);
    memset(out, 0, (size_t)ny * sizeof *out);
    tvmc_variant(&w, "tvmc tvm_op_max_pool2d (NCHW)", t, &c, out, ref, ny, 0);
    free(x);
    free(ref);
    free(out);
}

/* ---- main ---------------------------------------------------------------------------- */

static void run_pass(int nt) {
    set_alt_threads(nt);
#if HAVE_DNNL
    /* a fresh stream per pass; primitives are created after the thread count */
    DN(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
#endif
    printf("\n================ %d thread%s ================\n", nt, nt == 1 ? "" : "s");
    if (quick) {
        wl_gemm(nt, 256, 256, 256);
        wl_gemm(nt, 128, 3072, 768);
        wl_gemv(nt, 4096, 4096);
        wl_fused(nt);
        wl_rows(nt, LAYER_NORM, 1024, 768);
        wl_conv(nt, "256x14x14_3x3", 256, 14, 256, 3, 1, 1, 1);
    } else {
        static const int64_t sq[] = {256, 512, 1024, 2048};
        for (int i = 0; i < 4; i++) wl_gemm(nt, sq[i], sq[i], sq[i]);
        wl_gemm(nt, 128, 3072, 768);
        wl_gemm(nt, 128, 768, 3072); /* BERT-base FFN 2 */
        wl_gemm(nt, 128, 768, 768);  /* BERT-base Q, K, V and output projections */
        wl_gemm(nt, 384, 1024, 1024);
        wl_gemv(nt, 4096, 4096);
        wl_fused(nt);
        wl_rows(nt, SOFTMAX, 4096, 1024);
        wl_rows(nt, LAYER_NORM, 4096, 768);
        wl_rows(nt, ROW_SUM, 4096, 4096);
        wl_conv(nt, "64x56x56_3x3", 64, 56, 64, 3, 1, 1, 1);
        wl_conv(nt, "3x224x224_7x7s2", 3, 224, 64, 7, 2, 3, 1);
        /* MobileNetV2's stem: 3 channels, 3x3/2 */
        wl_conv(nt, "3x224x224_3x3s2", 3, 224, 32, 3, 2, 1, 1);
        wl_conv(nt, "256x14x14_3x3", 256, 14, 256, 3, 1, 1, 1);
        /* ResNet-18's other 3x3 stride-1 layers (with 64x56x56 and
         * 256x14x14 above: the four Winograd serves) */
        wl_conv(nt, "128x28x28_3x3", 128, 28, 128, 3, 1, 1, 1);
        wl_conv(nt, "512x7x7_3x3", 512, 7, 512, 3, 1, 1, 1);
        wl_conv(nt, "dw32x112x112_3x3", 32, 112, 32, 3, 1, 1, 32);
        /* MobileNetV2's small depthwise layers: 14x14 stride 1 and 2 */
        wl_conv(nt, "dw576x14x14_3x3", 576, 14, 576, 3, 1, 1, 576);
        wl_conv(nt, "dw576x14x14_3x3s2", 576, 14, 576, 3, 2, 1, 576);
        wl_conv(nt, "dw144x56x56_3x3", 144, 56, 144, 3, 1, 1, 144);
        wl_conv(nt, "dw192x28x28_3x3", 192, 28, 192, 3, 1, 1, 192);
        wl_conv(nt, "dw96x112x112_3x3s2", 96, 112, 96, 3, 2, 1, 96);
        wl_conv(nt, "dw144x56x56_3x3s2", 144, 56, 144, 3, 2, 1, 144);
        wl_conv(nt, "dw960x7x7_3x3", 960, 7, 960, 3, 1, 1, 960);
        /* MobileNetV2's pointwise convolutions: small planes, many channels */
        wl_conv(nt, "24x56x56_1x1", 24, 56, 144, 1, 1, 0, 1);
        wl_conv(nt, "144x56x56_1x1", 144, 56, 24, 1, 1, 0, 1);
        wl_conv(nt, "32x28x28_1x1", 32, 28, 192, 1, 1, 0, 1);
        /* rows of 28 (not whole vectors): the projections back to 32 channels */
        wl_conv(nt, "192x28x28_1x1", 192, 28, 32, 1, 1, 0, 1);
        wl_conv(nt, "144x28x28_1x1", 144, 28, 32, 1, 1, 0, 1);
        /* the 112x112 expansion, MobileNetV2's biggest pointwise output */
        wl_conv(nt, "16x112x112_1x1", 16, 112, 96, 1, 1, 0, 1);
        wl_conv(nt, "96x14x14_1x1", 96, 14, 576, 1, 1, 0, 1);
        wl_conv(nt, "320x7x7_1x1", 320, 7, 1280, 1, 1, 0, 1);
        /* more of MobileNetV2's 14x14 and 7x7 pointwise layers (planes of
         * rows narrower than a vector) */
        wl_conv(nt, "64x14x14_1x1", 64, 14, 384, 1, 1, 0, 1);
        wl_conv(nt, "384x14x14_1x1", 384, 14, 64, 1, 1, 0, 1);
        wl_conv(nt, "160x7x7_1x1", 160, 7, 960, 1, 1, 0, 1);
        wl_conv(nt, "960x7x7_1x1", 960, 7, 160, 1, 1, 0, 1);
        /* ResNet-18's downsample shortcuts: 1x1 stride 2 */
        wl_conv(nt, "64x56x56_1x1s2", 64, 56, 128, 1, 2, 0, 1);
        wl_conv(nt, "128x28x28_1x1s2", 128, 28, 256, 1, 2, 0, 1);
        wl_conv(nt, "256x14x14_1x1s2", 256, 14, 512, 1, 2, 0, 1);
        /* ResNet-18's other direct 3x3 convolutions: stride 2 into each
         * stage, stride 1 at 28x28 and 7x7 */
        wl_conv(nt, "64x56x56_3x3s2", 64, 56, 128, 3, 2, 1, 1);
        wl_conv(nt, "128x28x28_3x3s2", 128, 28, 256, 3, 2, 1, 1);
        wl_conv(nt, "256x14x14_3x3s2", 256, 14, 512, 3, 2, 1, 1);
        wl_conv(nt, "128x28x28_3x3", 128, 28, 128, 3, 1, 1, 1);
        wl_conv(nt, "512x7x7_3x3", 512, 7, 512, 3, 1, 1, 1);
        wl_max_pool(nt, "64x112x112_3x3s2", 64, 112, 3, 2, 1);
        wl_topk(nt, 16, 8000, 10);
        wl_topk(nt, 16, 8000, 8000);
    }
#if HAVE_DNNL
    dnnl_stream_destroy(strm);
#endif
}

static void print_summary(void) {
    printf("\n## summary (ratio = tvmc time / reference time; > 1: tvmc slower)\n\n");
    printf("| workload | threads | tvmc variant | tvmc ms | tvmc rate | reference | ref ms | "
           "ref rate | ratio | compile ms |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < nsummary; i++) {
        summary_row *s = &summary[i];
        const char *u = s->gflops ? "GFLOP/s" : "GB/s";
        printf("| %s | %d | %s | %.3f | %.2f %s | %s | %.3f | %.2f %s | %.2fx%s | %.1f |\n",
               s->work, s->nt, s->impl, s->ms, s->rate, u, s->ref, s->ref_ms, s->ref_rate, u,
               s->ref_ms > 0 ? s->ms / s->ref_ms : 0, s->ok ? "" : " MISMATCH", s->compile_ms);
    }
    if (!nsummary2) return;
    printf("\n## second references (SGEMM: oneDNN; GEMV: bytes / STREAM-triad bandwidth)\n\n");
    printf("| workload | threads | tvmc variant | tvmc ms | second reference | ref ms | ratio |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < nsummary2; i++) {
        summary_row *s = &summary2[i];
        printf("| %s | %d | %s | %.3f | %s | %.3f | %.2fx |\n", s->work, s->nt, s->impl, s->ms,
               s->ref, s->ref_ms, s->ms / s->ref_ms);
    }
}

int main(int argc, char **argv) {
    const char *threads = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "1") == 0 || strcmp(argv[i + 1], "all") == 0)) {
            threads = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--quick] [--filter NAME] [--threads 1|all]\n", argv[0]);
            return 2;
        }
    }
    tvm_context_options one = {.struct_size = sizeof one, .num_threads = 1};
    tvm_context_options all = {.struct_size = sizeof all, .num_threads = 0};
    TRY(tvm_context_create(&one, &ctx_one));
    TRY(tvm_context_create(&all, &ctx_all));
    all_threads = tvm_context_num_threads(ctx_all);

    printf("bench_perf: tvmc %s; all cores = %d threads (tvmc num_threads = 0)%s\n",
           tvm_version(), all_threads, quick ? "; --quick" : "");
#if HAVE_OPENBLAS
    printf("OpenBLAS: %s (core %s)\n", openblas_get_config(), openblas_get_corename());
#else
    printf("OpenBLAS: NOT BUILT IN (libopenblas-dev missing at configure time)\n");
#endif
#if HAVE_DNNL
    const dnnl_version_t *v = dnnl_version();
    printf("oneDNN: %d.%d.%d, CPU runtime %s (threads via omp_set_num_threads)\n", v->major,
           v->minor, v->patch,
           v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_THREADPOOL ? "threadpool" : "other");
    DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
#else
    printf("oneDNN: NOT BUILT IN (libdnnl-dev missing at configure time)\n");
#endif
#ifndef _OPENMP
    printf("OpenMP: not available, gcc loops run on 1 thread in the all-cores pass\n");
#endif
    printf("timing: median after warm-up, at most %d calls or ~%.1f s per implementation; "
           "calls 1*: a single call over %.1f s, timed as the warm-up itself\n",
           quick ? 5 : 21, quick ? 0.2 : 1.0, quick ? 0.4 : 2.0);
    /* The figures are only as good as the machine is quiet: say how busy it was. */
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la) {
        if (!fgets(load, sizeof load, la)) snprintf(load, sizeof load, "?");
        fclose(la);
    }
    printf("load average at start: %s", load);

    if (!threads || strcmp(threads, "1") == 0) run_pass(1);
    if (!threads || strcmp(threads, "all") == 0) run_pass(all_threads);
    print_summary();

#if HAVE_DNNL
    dnnl_engine_destroy(eng);
#endif
    tvm_context_destroy(ctx_one);
    tvm_context_destroy(ctx_all);
    if (mismatches) {
        fprintf(stderr, "\n!!! %d MISMATCH(ES): see above\n", mismatches);
        return 1;
    }
    return 0;
}
