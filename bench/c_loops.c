/* c_loops.c — the plain C loops tvmc is measured against. Built on its own
 * with -O3 -march=native (bench/meson.build), the way a user would compile
 * the hand-written alternative. No -ffast-math: like tvmc, these loops keep
 * IEEE semantics, so a single-accumulator float sum would not be vectorised
 * (gcc may not reassociate it); the sums below therefore keep 16 partial
 * accumulators, which is what a careful C programmer writes. */
#include "c_loops.h"

#include <math.h>

void c_add_relu(const float *restrict a, const float *restrict b, float *restrict c,
                int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float s = a[i] + b[i];
        c[i] = s > 0.0f ? s : 0.0f;
    }
}

void c_sgemm(int64_t M, int64_t N, int64_t K, const float *restrict A,
             const float *restrict B, float *restrict C, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t i = 0; i < M; i++) {
        float *restrict c = C + i * N;
        for (int64_t j = 0; j < N; j++) c[j] = 0.0f;
        for (int64_t k = 0; k < K; k++) {
            float a = A[i * K + k];
            const float *restrict b = B + k * N;
            for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
}

/* sum of x[k] * y[k] with 16 independent partial sums (one AVX-512 vector) */
static float dot16(const float *restrict x, const float *restrict y, int64_t n) {
    float acc[16] = {0};
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[k + l] * y[k + l];
    float s = 0.0f;
    for (int l = 0; l < 16; l++) s += acc[l];
    for (; k < n; k++) s += x[k] * y[k];
    return s;
}

static float sum16(const float *restrict x, int64_t n) {
    float acc[16] = {0};
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[k + l];
    float s = 0.0f;
    for (int l = 0; l < 16; l++) s += acc[l];
    for (; k < n; k++) s += x[k];
    return s;
}

void c_sgemv(int64_t N, int64_t K, const float *restrict W, const float *restrict x,
             float *restrict y, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t n = 0; n < N; n++) y[n] = dot16(W + n * K, x, K);
}

void c_fma_relu(const float *restrict a, const float *restrict b, const float *restrict c,
                float *restrict d, int64_t n, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float s = a[i] * b[i] + c[i];
        d[i] = s > 0.0f ? s : 0.0f;
    }
}

void c_triad(float *restrict a, const float *restrict b, const float *restrict c, float s,
             int64_t n, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

void c_softmax(const float *restrict x, float *restrict y, int64_t rows, int64_t cols, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * cols;
        float *restrict yr = y + r * cols;
        float m = -INFINITY;
        for (int64_t c = 0; c < cols; c++) m = fmaxf(m, xr[c]);
        for (int64_t c = 0; c < cols; c++) yr[c] = expf(xr[c] - m);
        float inv = 1.0f / sum16(yr, cols);
        for (int64_t c = 0; c < cols; c++) yr[c] *= inv;
    }
}

void c_layer_norm(const float *restrict x, const float *restrict gamma,
                  const float *restrict beta, float *restrict y, int64_t rows, int64_t cols,
                  float eps, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * cols;
        float *restrict yr = y + r * cols;
        float mean = sum16(xr, cols) / (float)cols;
        float acc[16] = {0};
        int64_t c = 0;
        for (; c + 16 <= cols; c += 16)
            for (int l = 0; l < 16; l++) {
                float d = xr[c + l] - mean;
                acc[l] += d * d;
            }
        float var = 0.0f;
        for (int l = 0; l < 16; l++) var += acc[l];
        for (; c < cols; c++) var += (xr[c] - mean) * (xr[c] - mean);
        float rs = 1.0f / sqrtf(var / (float)cols + eps);
        for (c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * rs * gamma[c] + beta[c];
    }
}

void c_row_sum(const float *restrict x, float *restrict y, int64_t rows, int64_t cols, int nt) {
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < rows; r++) y[r] = sum16(x + r * cols, cols);
}

void c_conv2d_ref(const float *restrict x, const float *restrict w, float *restrict y,
                  int64_t C, int64_t H, int64_t W, int64_t O, int64_t KH, int64_t KW,
                  int64_t stride, int64_t pad, int64_t groups) {
    int64_t OH = (H + 2 * pad - KH) / stride + 1, OW = (W + 2 * pad - KW) / stride + 1;
    int64_t cg = C / groups, og = O / groups;
#pragma omp parallel for schedule(static)
    for (int64_t o = 0; o < O; o++) {
        int64_t c0 = (o / og) * cg;
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++) {
                double s = 0.0; /* double: a reference, not a contender */
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t kh = 0; kh < KH; kh++) {
                        int64_t ih = oh * stride - pad + kh;
                        if (ih < 0 || ih >= H) continue;
                        for (int64_t kw = 0; kw < KW; kw++) {
                            int64_t iw = ow * stride - pad + kw;
                            if (iw < 0 || iw >= W) continue;
                            s += (double)x[((c0 + c) * H + ih) * W + iw] *
                                 w[((o * cg + c) * KH + kh) * KW + kw];
                        }
                    }
                y[(o * OH + oh) * OW + ow] = (float)s;
            }
    }
}

void c_max_pool2d_ref(const float *restrict x, float *restrict y, int64_t C, int64_t H,
                      int64_t W, int64_t K, int64_t stride, int64_t pad) {
    int64_t OH = (H + 2 * pad - K) / stride + 1, OW = (W + 2 * pad - K) / stride + 1;
    for (int64_t c = 0; c < C; c++)
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++) {
                float m = -INFINITY;
                for (int64_t kh = 0; kh < K; kh++) {
                    int64_t ih = oh * stride - pad + kh;
                    if (ih < 0 || ih >= H) continue;
                    for (int64_t kw = 0; kw < K; kw++) {
                        int64_t iw = ow * stride - pad + kw;
                        if (iw >= 0 && iw < W && x[(c * H + ih) * W + iw] > m)
                            m = x[(c * H + ih) * W + iw];
                    }
                }
                y[(c * OH + oh) * OW + ow] = m;
            }
}
