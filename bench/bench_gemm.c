/* bench_gemm.c — single-thread SGEMM through tvmc: C = A·B for square
 * n = 256, 512, 1024, written three ways (a plain tvm_compute with tvm_sum,
 * tvm_op_matmul, tvm_op_dense with its transposed weight; and the first
 * again with TVM_COMPILE_FAST_MATH), in GFLOP/s
 * (median of timed calls), with the median cold compile time (uncached
 * tvm_compile; constant shapes, so the kernel is built there). With OpenBLAS found at configure time, cblas_sgemm
 * on the same data is printed alongside.
 *
 *   ninja -C build bench/bench_gemm && ./build/bench/bench_gemm [--quick] [n...]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tvmc.h>

#include "bench_util.h"

#ifdef HAVE_CBLAS
#include <cblas.h>
#endif

static DLTensor tensor_2d(float *data, int64_t *shape) {
    DLTensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.device.device_type = kDLCPU;
    t.ndim = 2;
    t.dtype.code = kDLFloat;
    t.dtype.bits = 32;
    t.dtype.lanes = 1;
    t.shape = shape;
    return t;
}

/* FAST: the plain compute with TVM_COMPILE_FAST_MATH (mul+add contract to
 * FMA), to show what contraction is worth. */
enum { PLAIN, MATMUL, DENSE, FAST, NFORMS };
static const char *const form_name[] = {"compute+sum", "op_matmul", "op_dense", "fast-math"};

/* Builds C[n, n] from A[n, n] and B (B[k, j], or W[j, k] for dense). */
static tvm_graph *build(tvm_context *ctx, int form, int64_t n, tvm_tensor *in, tvm_tensor *out) {
    tvm_graph *g = tvm_graph_create(ctx);
    int64_t sh[2] = {n, n};
    tvm_expr dims[2] = {tvm_const_int(g, TVM_INT64, n), tvm_const_int(g, TVM_INT64, n)};
    (void)sh;
    in[0] = tvm_placeholder(g, "A", TVM_FLOAT32, 2, dims);
    in[1] = tvm_placeholder(g, "B", TVM_FLOAT32, 2, dims);
    if (form == PLAIN || form == FAST) {
        tvm_expr it[2] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j")};
        tvm_expr k = tvm_reduce_axis(g, "k", dims[0]);
        tvm_expr ia[2] = {it[0], k}, ib[2] = {k, it[1]};
        tvm_expr prod = tvm_mul(g, tvm_load(g, in[0], ia), tvm_load(g, in[1], ib));
        *out = tvm_compute(g, "C", 2, dims, it, tvm_sum(g, prod, 1, &k));
    } else if (form == MATMUL) {
        *out = tvm_op_matmul(g, in[0], in[1], 0, 0);
    } else {
        *out = tvm_op_dense(g, in[0], in[1], (tvm_tensor){0});
    }
    TRY(tvm_graph_status(g));
    return g;
}

int main(int argc, char **argv) {
    bool quick = false;
    int64_t sizes[8] = {256, 512, 1024};
    int nsizes = 3, given = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--quick")) quick = true;
        else if (given < 8) sizes[given++] = atoll(argv[a]);
    }
    if (given) nsizes = given;
    const int compiles = quick ? 3 : 9;
    tvm_context_options one = {.struct_size = sizeof one, .num_threads = 1};
    tvm_context *ctx;
    TRY(tvm_context_create(&one, &ctx));
    tvm_compile_options nc = {.struct_size = sizeof nc, .flags = TVM_COMPILE_NO_CACHE};
    printf("tvmc %s, single thread, float32\n", tvm_version());
    printf("%6s %-12s %10s %12s %10s\n", "n", "form", "GFLOP/s", "compile ms", "max err");
    for (int s = 0; s < nsizes; s++) {
        int64_t n = sizes[s];
        size_t nn = (size_t)(n * n);
        float *A = malloc(nn * 4), *B = malloc(nn * 4), *Bt = malloc(nn * 4),
              *C = malloc(nn * 4), *R = malloc(nn * 4);
        srand(1);
        for (size_t i = 0; i < nn; i++) A[i] = (float)rand() / RAND_MAX - 0.5f;
        for (size_t i = 0; i < nn; i++) B[i] = (float)rand() / RAND_MAX - 0.5f;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) Bt[j * n + i] = B[i * n + j];
        /* reference in double, rows of C spot-checked */
        int64_t shape[2] = {n, n};
        double flops = 2.0 * (double)n * n * n;
        for (int form = 0; form < NFORMS; form++) {
            double tc[16];
            tvm_function *f = NULL;
            DLTensor a = tensor_2d(A, shape), b = tensor_2d(form == DENSE ? Bt : B, shape),
                     c = tensor_2d(C, shape);
            DLTensor *args[3] = {&a, &b, &c};
            tvm_compile_options fo = nc;
            if (form == FAST) fo.flags |= TVM_COMPILE_FAST_MATH;
            for (int r = 0; r < compiles; r++) {
                tvm_tensor in[2], out;
                tvm_graph *g = build(ctx, form, n, in, &out);
                double t0 = now_ns();
                TRY(tvm_compile(g, 2, in, 1, &out, &fo, &f));
                tc[r] = (now_ns() - t0) / 1e6; /* shapes are constant: the kernel is built here */
                TRY(tvm_function_call(f, args, 3));
                tvm_graph_destroy(g);
                if (r + 1 < compiles) tvm_function_release(f);
            }
            double err = 0;
            for (int64_t i = 0; i < n; i += (n > 64 ? n / 61 : 1))
                for (int64_t j = 0; j < n; j++) {
                    double ref = 0;
                    for (int64_t k = 0; k < n; k++) ref += (double)A[i * n + k] * B[k * n + j];
                    double e = fabs(ref - C[i * n + j]);
                    if (e > err) err = e;
                }
            int reps = quick ? 3 : (n <= 256 ? 41 : n <= 512 ? 15 : 7);
            double t[64];
            for (int r = 0; r < reps; r++) {
                double t0 = now_ns();
                TRY(tvm_function_call(f, args, 3));
                t[r] = now_ns() - t0;
            }
            tvm_function_release(f);
            printf("%6lld %-12s %10.1f %12.1f %10.2g\n", (long long)n, form_name[form],
                   flops / median(t, reps), median(tc, compiles), err);
            fflush(stdout);
        }
#ifdef HAVE_CBLAS
        {
            int reps = quick ? 3 : 15;
            double t[64];
            for (int r = 0; r < reps; r++) {
                double t0 = now_ns();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                            1.0f, A, (int)n, B, (int)n, 0.0f, R, (int)n);
                t[r] = now_ns() - t0;
            }
            printf("%6lld %-12s %10.1f\n", (long long)n, "openblas", flops / median(t, reps));
        }
#endif
        free(A), free(B), free(Bt), free(C), free(R);
    }
    tvm_context_destroy(ctx);
    return 0;
}
