/* exp_f32.h — tvmc's own float32 exp, one algorithm for every CPU path.
 *
 * Why our own: glibc's libmvec exp (what LLVM calls for vectorised
 * llvm.exp) comes only in a 256-bit variant through LLVM's table, costs a
 * call with spills per 8 lanes, and rounds differently from the scalar
 * libm expf used for loop remainders and by the interpreter. This version
 * is branch-free straight-line arithmetic: the LLVM backend emits it inline
 * (llvm_codegen.c, gen_exp_f32), the loop vectoriser widens it to the full
 * SIMD width, and the interpreter and constant folder (loop_eval.c) run
 * the same operations in the same order, so all of them give the same bits.
 *
 * Accuracy: at most 1.09 ulp from the exact exp over every float32 input
 * (checked exhaustively against double exp when the coefficients were
 * fitted); exp(0) == 1 exactly; overflow gives +inf, underflow rounds
 * through the subnormals once, NaN propagates.
 *
 * Algorithm: x = n ln2 + r with n = round(x log2e), |r| <= ln2/2 (+ slop):
 *   n by adding 1.5 * 2^23 (rounds to an integer; its bits give n without a
 *   float->int conversion, which would be poison for NaN in LLVM);
 *   r = (x - n LN2_HI) - n LN2_LO: the first fma is exact, since the
 *   result is a multiple of 2^-24 below 1/2 in magnitude;
 *   exp(r) by a degree-6 polynomial with constant term 1 (a relative
 *   minimax fit on [-0.354, 0.354], max error 2.3e-9), Horner with fmas;
 *   2^n as two normal powers of two 2^floor(n/2) and 2^(n - floor(n/2)), so that the
 *   first product is exact and only the second one rounds, also for
 *   subnormal results. x is clamped to [-104, 89] first, which keeps n in
 *   [-150, 129] and both halves normal. The clamps are written so that a
 *   NaN passes them (x < lo and x > hi are false), and every later step
 *   keeps it NaN. */
#ifndef TVMC_IR_EXP_F32_H
#define TVMC_IR_EXP_F32_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define EXPF_LO (-104.0f)
#define EXPF_HI 89.0f
#define EXPF_MAGIC 0x1.8p23f      /* 1.5 * 2^23 */
#define EXPF_LOG2E 0x1.715476p0f  /* log2(e) rounded */
#define EXPF_NLN2_HI (-0x1.62e43p-1f) /* -ln2 rounded to float */
#define EXPF_NLN2_LO 0x1.05c61p-29f   /* -(ln2 - LN2_HI) rounded */
#define EXPF_NCOEF 6
/* c1 .. c6 of 1 + c1 r + ... + c6 r^6 */
static const float expf_coef[EXPF_NCOEF] = {
    1.0f, 0x1.fffffcp-2f, 0x1.5554p-3f, 0x1.55585ep-5f, 0x1.127528p-7f, 0x1.6ada7ap-10f,
};

static inline float ir_exp_f32(float x) {
    float xc = x < EXPF_LO ? EXPF_LO : x;
    xc = xc > EXPF_HI ? EXPF_HI : xc;
    float t = fmaf(xc, EXPF_LOG2E, EXPF_MAGIC);
    float n = t - EXPF_MAGIC;
    uint32_t tb, mb;
    float magic = EXPF_MAGIC;
    memcpy(&tb, &t, 4);
    memcpy(&mb, &magic, 4);
    int32_t ni = (int32_t)(tb - mb); /* n in [-150, 129] */
    float r = fmaf(n, EXPF_NLN2_HI, xc);
    r = fmaf(n, EXPF_NLN2_LO, r);
    float p = expf_coef[EXPF_NCOEF - 1];
    for (int i = EXPF_NCOEF - 2; i >= 0; i--) p = fmaf(p, r, expf_coef[i]);
    p = fmaf(p, r, 1.0f);
    int32_t n1 = (ni + 256) / 2 - 128, n2 = ni - n1; /* n1 = floor(n / 2) */
    uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    return (p * s1) * s2; /* NaN in, NaN out: the clamps keep it */
}

#endif
