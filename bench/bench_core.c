/* bench_core.c — the core figures of tvmc, measured in one run:
 *   (a) compile time of the quickstart kernel, relu(A + B) over a symbolic n
 *       (median of 20 uncached compiles; compile and first call, which
 *       specialises the kernel, reported separately and together);
 *   (b) overhead of tvm_function_call on a 1-element tensor (median ns),
 *       then, for the same kernel compiled with the constant shape [1],
 *       tvm_function_call next to the direct entry (tvm_function_entry),
 *       sampled alternately so machine noise hits both;
 *   (c) fused add+relu over 16M float32 elements: tvmc (all worker threads
 *       and one) next to a plain C loop built with gcc -O3 -march=native,
 *       median of 20 runs, with the ratio.
 *
 *   ninja -C build bench/bench_core && ./build/bench/bench_core
 *
 * Options: --quick (smaller counts, for a smoke run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tvmc.h>

#include "bench_util.h"

#include "c_loops.h"

static DLTensor tensor_1d(float *data, int64_t *shape) {
    DLTensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.device.device_type = kDLCPU;
    t.ndim = 1;
    t.dtype.code = kDLFloat;
    t.dtype.bits = 32;
    t.dtype.lanes = 1;
    t.shape = shape;
    return t;
}

typedef struct kernel {
    tvm_graph *g;
    tvm_tensor in[2], out;
} kernel;

/* The quickstart kernel: C[i] = max(A[i] + B[i], 0) over a symbolic n. */
static kernel build_add_relu_n(tvm_context *ctx, int64_t fixed_n) {
    kernel k;
    k.g = tvm_graph_create(ctx);
    tvm_graph *g = k.g;
    tvm_expr n = fixed_n > 0 ? tvm_const_int(g, TVM_INT64, fixed_n) : tvm_size_var(g, "n");
    k.in[0] = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    k.in[1] = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_load(g, k.in[0], &i), tvm_load(g, k.in[1], &i)),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    k.out = tvm_compute(g, "C", 1, &n, &i, body);
    TRY(tvm_graph_status(g));
    return k;
}

static kernel build_add_relu(tvm_context *ctx) { return build_add_relu_n(ctx, 0); }

static float *alloc_floats(int64_t n) {
    float *p = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv) {
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const int compiles = quick ? 5 : 20;
    const int runs = quick ? 5 : 20;
    const int64_t big = quick ? (1 << 20) : (16 << 20);

    tvm_context *ctx;
    TRY(tvm_context_create(NULL, &ctx));
    tvm_context_options one = {.struct_size = sizeof one, .num_threads = 1};
    tvm_context *ctx1;
    TRY(tvm_context_create(&one, &ctx1));
    printf("tvmc %s, %d worker threads\n\n", tvm_version(), tvm_context_num_threads(ctx));

    /* ---- (a) compile time ---------------------------------------------- */
    kernel k = build_add_relu(ctx);
    /* specialise for 1000 elements: a real loop (vector body and tail), as
     * opposed to n = 1, which folds to straight-line code */
    static float xc[1000], yc[1000], zc[1000];
    int64_t shapec[1] = {1000};
    DLTensor ac = tensor_1d(xc, shapec), bc = tensor_1d(yc, shapec), cc = tensor_1d(zc, shapec);
    DLTensor *argsc[3] = {&ac, &bc, &cc};
    float x1[1] = {1}, y1[1] = {-2}, z1[1];
    int64_t shape1[1] = {1};
    DLTensor a1 = tensor_1d(x1, shape1), b1 = tensor_1d(y1, shape1), c1 = tensor_1d(z1, shape1);
    DLTensor *args1[3] = {&a1, &b1, &c1};
    tvm_compile_options nc = {.struct_size = sizeof nc, .flags = TVM_COMPILE_NO_CACHE};
    double *t_compile = calloc((size_t)compiles, sizeof(double));
    double *t_first = calloc((size_t)compiles, sizeof(double));
    double *t_total = calloc((size_t)compiles, sizeof(double));
    for (int r = 0; r < compiles; r++) {
        tvm_function *f;
        double s0 = now_ns();
        TRY(tvm_compile(k.g, 2, k.in, 1, &k.out, &nc, &f));
        double s1 = now_ns();
        TRY(tvm_function_call(f, argsc, 3));
        double s2 = now_ns();
        t_compile[r] = (s1 - s0) / 1e6;
        t_first[r] = (s2 - s1) / 1e6;
        t_total[r] = (s2 - s0) / 1e6;
        tvm_function_release(f);
    }
    printf("(a) quickstart kernel for n = 1000, median of %d uncached compiles:\n", compiles);
    printf("    tvm_compile %.2f ms + first call (specialise) %.2f ms = %.2f ms\n\n",
           median(t_compile, compiles), median(t_first, compiles), median(t_total, compiles));

    /* ---- (b) call overhead ----------------------------------------------- */
    tvm_function *f;
    TRY(tvm_compile(k.g, 2, k.in, 1, &k.out, NULL, &f));
    for (int r = 0; r < 20000; r++) TRY(tvm_function_call(f, args1, 3));
    enum { SAMPLES = 101, PER_SAMPLE = 2000 };
    double per_call[SAMPLES];
    for (int s = 0; s < SAMPLES; s++) {
        double s0 = now_ns();
        for (int r = 0; r < PER_SAMPLE; r++) tvm_function_call(f, args1, 3);
        per_call[s] = (now_ns() - s0) / PER_SAMPLE;
    }
    if (z1[0] != 0.0f) {
        fprintf(stderr, "wrong result for n = 1: %g\n", (double)z1[0]);
        return 1;
    }
    printf("(b) tvm_function_call on a 1-element tensor: %.0f ns (median of %d x %d calls)\n",
           median(per_call, SAMPLES), SAMPLES, PER_SAMPLE);
    {
        kernel kf = build_add_relu_n(ctx, 1);
        tvm_function *ff;
        TRY(tvm_compile(kf.g, 2, kf.in, 1, &kf.out, NULL, &ff));
        tvm_entry *e;
        tvm_entry_fn code;
        TRY(tvm_function_entry(ff, &e, &code));
        int32_t (*direct)(float *, float *, float *) = (int32_t(*)(float *, float *, float *))code;
        double t_call[SAMPLES], t_direct[SAMPLES];
        for (int r = 0; r < 20000; r++) TRY(tvm_function_call(ff, args1, 3));
        for (int r = 0; r < 20000; r++) TRY(direct(x1, y1, z1));
        for (int s = 0; s < SAMPLES; s++) {
            double s0 = now_ns();
            for (int r = 0; r < PER_SAMPLE; r++) tvm_function_call(ff, args1, 3);
            double s1 = now_ns();
            for (int r = 0; r < PER_SAMPLE; r++) direct(x1, y1, z1);
            double s2 = now_ns();
            t_call[s] = (s1 - s0) / PER_SAMPLE;
            t_direct[s] = (s2 - s1) / PER_SAMPLE;
        }
        if (z1[0] != 0.0f) {
            fprintf(stderr, "wrong result from the direct entry: %g\n", (double)z1[0]);
            return 1;
        }
        double mc = median(t_call, SAMPLES), md = median(t_direct, SAMPLES);
        printf("    constant shape [1]: tvm_function_call %.0f ns, direct entry %.1f ns "
               "(%.1fx less)\n\n", mc, md, mc / md);
        tvm_entry_destroy(e);
        tvm_function_release(ff);
        tvm_graph_destroy(kf.g);
    }

    /* ---- (c) 16M fused add+relu ------------------------------------------ */
    float *a = alloc_floats(big), *b = alloc_floats(big);
    float *c = alloc_floats(big), *ref = alloc_floats(big);
    for (int64_t i = 0; i < big; i++) {
        a[i] = (float)((i * 7919) % 2001 - 1000) * 0.01f;
        b[i] = (float)((i * 104729) % 1999 - 999) * 0.01f;
    }
    memset(c, 0, (size_t)big * sizeof(float));   /* fault the pages in */
    memset(ref, 0, (size_t)big * sizeof(float));
    int64_t shape[1] = {big};
    DLTensor ta = tensor_1d(a, shape), tb = tensor_1d(b, shape), tc = tensor_1d(c, shape);
    DLTensor *args[3] = {&ta, &tb, &tc};

    kernel k1 = build_add_relu(ctx1);
    tvm_function *f1;
    TRY(tvm_compile(k1.g, 2, k1.in, 1, &k1.out, NULL, &f1));

    double *t_all = calloc((size_t)runs, sizeof(double));
    double *t_one = calloc((size_t)runs, sizeof(double));
    double *t_c = calloc((size_t)runs, sizeof(double));
    TRY(tvm_function_call(f, args, 3)); /* specialise + warm */
    TRY(tvm_function_call(f1, args, 3));
    c_add_relu(a, b, ref, big);
    for (int r = 0; r < runs; r++) { /* interleaved, so drift hits all three */
        double s0 = now_ns();
        TRY(tvm_function_call(f, args, 3));
        double s1 = now_ns();
        TRY(tvm_function_call(f1, args, 3));
        double s2 = now_ns();
        c_add_relu(a, b, ref, big);
        double s3 = now_ns();
        t_all[r] = (s1 - s0) / 1e6;
        t_one[r] = (s2 - s1) / 1e6;
        t_c[r] = (s3 - s2) / 1e6;
    }
    if (memcmp(c, ref, (size_t)big * sizeof(float)) != 0) {
        fprintf(stderr, "tvmc and the C loop disagree\n");
        return 1;
    }
    double bytes = 3.0 * (double)big * sizeof(float);
    double m_all = median(t_all, runs), m_one = median(t_one, runs), m_c = median(t_c, runs);
    printf("(c) fused add+relu over %lld float32 elements (median of %d runs):\n",
           (long long)big, runs);
    printf("    %-36s %8.2f ms %7.1f GB/s\n", "gcc -O3 -march=native loop, 1 thread", m_c,
           bytes / m_c / 1e6);
    printf("    %-36s %8.2f ms %7.1f GB/s   %.2fx the C loop's time\n", "tvmc, 1 thread", m_one,
           bytes / m_one / 1e6, m_one / m_c);
    char label[64];
    snprintf(label, sizeof label, "tvmc, %d threads", tvm_context_num_threads(ctx));
    printf("    %-36s %8.2f ms %7.1f GB/s   %.2fx the C loop's time\n", label, m_all,
           bytes / m_all / 1e6, m_all / m_c);

    tvm_function_release(f);
    tvm_function_release(f1);
    tvm_graph_destroy(k.g);
    tvm_graph_destroy(k1.g);
    tvm_context_destroy(ctx);
    tvm_context_destroy(ctx1);
    free(a);
    free(b);
    free(c);
    free(ref);
    free(t_compile);
    free(t_first);
    free(t_total);
    free(t_all);
    free(t_one);
    free(t_c);
    return 0;
}
