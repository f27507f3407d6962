/* c_loops.h — reference loops compiled with gcc -O3 -march=native. */
#ifndef TVMC_BENCH_C_LOOPS_H
#define TVMC_BENCH_C_LOOPS_H

#include <stdint.h>

/* c[i] = max(a[i] + b[i], 0) */
void c_add_relu(const float *restrict a, const float *restrict b, float *restrict c,
                int64_t n);

/* The loops below take nt, the number of OpenMP threads: 1 runs the plain
 * serial loop in the calling thread; more splits the outer loop with
 * `omp parallel for` (when the bench is built with OpenMP; otherwise serial). */

/* C[M,N] = A[M,K] B[K,N], row-major, i-k-j order (the vectorisable naive loop). */
void c_sgemm(int64_t M, int64_t N, int64_t K, const float *restrict A,
             const float *restrict B, float *restrict C, int nt);
/* y[n] = sum_k W[n,k] x[k] */
void c_sgemv(int64_t N, int64_t K, const float *restrict W, const float *restrict x,
             float *restrict y, int nt);
/* d[i] = max(a[i] * b[i] + c[i], 0) */
void c_fma_relu(const float *restrict a, const float *restrict b, const float *restrict c,
                float *restrict d, int64_t n, int nt);
/* STREAM triad: a[i] = b[i] + s * c[i] */
void c_triad(float *restrict a, const float *restrict b, const float *restrict c, float s,
             int64_t n, int nt);
/* Row-wise softmax, layer_norm (gamma, beta per column) and sum of x[rows, cols]. */
void c_softmax(const float *restrict x, float *restrict y, int64_t rows, int64_t cols, int nt);
void c_layer_norm(const float *restrict x, const float *restrict gamma,
                  const float *restrict beta, float *restrict y, int64_t rows, int64_t cols,
                  float eps, int nt);
void c_row_sum(const float *restrict x, float *restrict y, int64_t rows, int64_t cols, int nt);
/* Direct 2-D convolution, batch 1, NCHW data, weights [O, C/groups, KH, KW], no
 * bias: the correctness reference for the conv workloads (not timed). */
void c_conv2d_ref(const float *restrict x, const float *restrict w, float *restrict y,
                  int64_t C, int64_t H, int64_t W, int64_t O, int64_t KH, int64_t KW,
                  int64_t stride, int64_t pad, int64_t groups);
/* Max pooling, NCHW, square window, symmetric padding (padded taps never
 * win): the correctness reference for the pool workload (not timed). */
void c_max_pool2d_ref(const float *restrict x, float *restrict y, int64_t C, int64_t H,
                      int64_t W, int64_t K, int64_t stride, int64_t pad);

#endif
