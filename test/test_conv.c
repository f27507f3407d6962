/* test_conv.c — the convolution schedule (schedule_conv, with conv.c's packed
 * weights): every configuration (strides, asymmetric pads, dilation, groups,
 * depthwise, channel counts that are not multiples of 16, 1x1, conv1d,
 * NCHW and NHWC, batches) with constant and placeholder weights, with and
 * without a fused bias + batch-norm + ReLU epilogue, gives on llvm the same
 * bits as the interpreter (which runs the plain nest: the schedule keeps
 * each output's sum order) and agrees with a double reference. */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

typedef struct conv_case {
    int64_t N, C, H, W, O, KH, KW;
    int64_t sh, sw, pt, pl, pb, pr, dh, dw, groups;
} conv_case;

static const conv_case cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 3, 7, 7, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {1, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* one channel block */
    {1, 5, 9, 11, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* O = 16 + 4 */
    {2, 3, 8, 9, 35, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},     /* batch 2, stride 2 */
    {1, 2, 10, 11, 3, 3, 2, 3, 2, 2, 0, 1, 3, 1, 1, 1},    /* asymmetric pads, stride 3 */
    {1, 4, 9, 9, 17, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1},     /* dilation 2 */
    {1, 3, 30, 30, 32, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   /* a stem: 7x7/2 pad 3 */
    {1, 64, 14, 14, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},  /* long reduction */
    {1, 24, 5, 29, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   /* 1x1 */
    {1, 7, 6, 6, 18, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},     /* 1x1 strided */
    {1, 8, 40, 37, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},    /* groups 2 */
    {1, 32, 35, 35, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32}, /* depthwise */
    {2, 16, 21, 19, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16}, /* depthwise stride 2 */
    {1, 6, 17, 40, 12, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 6},   /* depthwise x2, 5x5 */
    {1, 4, 1, 50, 20, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 1},    /* a row (H = 1) */
    /* pointwise convolutions of MobileNetV2's sizes (channels mode, not
     * schedule_contraction's batched matmul) */
    {1, 40, 7, 7, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 1x1 at 7x7 */
    {1, 24, 14, 14, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},  /* 1x1 at 14x14 */
    {1, 8, 56, 56, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   /* 1x1 at 56x56 */
    {1, 17, 5, 9, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* odd positions and channels */
    {1, 32, 14, 14, 48, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},  /* 1x1 stride 2 (downsample) */
    {1, 16, 6, 40, 24, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},   /* the same, rows of 20 */
    {2, 9, 3, 23, 13, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* rows of 23, 13 channels */
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* Depthwise at MobileNetV2's sizes and around them (schedule_conv_dw's
 * phase planes for strides 1 and 2, output rows under 16 wide; its row
 * bands beyond): 3x3 pad 1 unless noted. */
static const conv_case dw_cases[] = {
    /* N  C   H    W    O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 8, 7, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},
    {1, 8, 14, 14, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},
    {1, 8, 14, 14, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8},       /* 14 -> 7 */
    {1, 4, 28, 28, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},
    {1, 4, 28, 28, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},
    {1, 3, 56, 56, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},
    {1, 3, 56, 56, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},
    {1, 2, 112, 112, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},     /* row bands */
    {1, 2, 112, 112, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2},     /* 112 -> 56 */
    {1, 5, 9, 13, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5},        /* odd sizes */
    {1, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},         /* under one vector */
    {1, 3, 1, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},         /* one row */
    {1, 4, 15, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},       /* multiplier 2 */
    {1, 3, 13, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},        /* multiplier 2, stride 2 */
    {1, 4, 14, 14, 4, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 4},       /* pads bottom/right only */
    {1, 4, 13, 13, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 4},       /* dilation 2, stride 2 */
    {1, 4, 12, 17, 4, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 4},       /* 5x5 */
    {2, 4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},         /* batch 2 */
    {1, 4, 10, 10, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 4},       /* strides 2 x 1 */
    {1, 4, 10, 10, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 4},       /* no padding */
};
#define NDW ((int)(sizeof dw_cases / sizeof dw_cases[0]))

/* Whether the last llvm compile of run() took schedule_conv_dw's row
 * bands (stride-1 rows over 64 wide). */
static bool last_bands;

/* CLIP6: the epilogue is bias + clip(0, 6) (MobileNet's ReLU6), no BN,
 * with or without EPILOGUE */
enum { CONST_W = 1, NHWC = 2, EPILOGUE = 4, AVX2 = 8, CLIP6 = 16 };

static int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi, int64_t d) {
    return (in + lo + hi - d * (k - 1) - 1) / s + 1;
}

/* element offsets in either layout */
static int64_t at_x(const conv_case *c, bool nhwc, int64_t n, int64_t ch, int64_t y, int64_t x) {
    return nhwc ? ((n * c->H + y) * c->W + x) * c->C + ch : ((n * c->C + ch) * c->H + y) * c->W + x;
}
static int64_t at_w(const conv_case *c, bool nhwc, int64_t o, int64_t ci, int64_t kh, int64_t kw) {
    int64_t cg = c->C / c->groups;
    return nhwc ? ((kh * c->KW + kw) * cg + ci) * c->O + o : ((o * cg + ci) * c->KH + kh) * c->KW + kw;
}
static int64_t at_y(const conv_case *c, bool nhwc, int64_t OH, int64_t OW, int64_t n, int64_t o,
                    int64_t y, int64_t x) {
    return nhwc ? ((n * OH + y) * OW + x) * c->O + o : ((n * c->O + o) * OH + y) * OW + x;
}

#define EPS 1e-5

/* Builds, compiles for `target`, runs; returns the output (caller frees). */
static tt_tensor *run(const conv_case *c, int mode, const char *target, const tt_tensor *x,
                      const tt_tensor *w, const tt_tensor *const *bn, bool *scheduled,
                      bool *planes, bool *channels) {
    bool nhwc = mode & NHWC;
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    int64_t cg = c->C / c->groups;
    int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
    int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
    int64_t sx[4], sw[4], sy[4];
    if (nhwc) {
        memcpy(sx, TT_SHAPE(c->N, c->H, c->W, c->C), sizeof sx);
        memcpy(sw, TT_SHAPE(c->KH, c->KW, cg, c->O), sizeof sw);
        memcpy(sy, TT_SHAPE(c->N, OH, OW, c->O), sizeof sy);
    } else {
        memcpy(sx, TT_SHAPE(c->N, c->C, c->H, c->W), sizeof sx);
        memcpy(sw, TT_SHAPE(c->O, cg, c->KH, c->KW), sizeof sw);
        memcpy(sy, TT_SHAPE(c->N, c->O, OH, OW), sizeof sy);
    }
    tvm_expr dims[4];
    for (int d = 0; d < 4; d++) dims[d] = tvm_const_int(g, TVM_INT64, sx[d]);
    tvm_tensor in[2];
    int nin = 1;
    in[0] = tvm_placeholder(g, "x", TVM_FLOAT32, 4, dims);
    tvm_tensor wt;
    if (mode & CONST_W) {
        wt = tvm_constant(g, "w", TVM_FLOAT32, 4, sw, w->dl.data);
    } else {
        for (int d = 0; d < 4; d++) dims[d] = tvm_const_int(g, TVM_INT64, sw[d]);
        wt = in[nin++] = tvm_placeholder(g, "w", TVM_FLOAT32, 4, dims);
    }
    tvm_tensor bias = {0};
    if (mode & (EPILOGUE | CLIP6)) bias = tvm_constant(g, "b", TVM_FLOAT32, 1, &c->O, bn[0]->dl.data);
    tvm_conv_attrs at = {.struct_size = sizeof at, .layout = nhwc ? TVM_LAYOUT_NHWC : 0,
                         .groups = (int32_t)c->groups, .strides = {c->sh, c->sw},
                         .dilations = {c->dh, c->dw}, .pads = {c->pt, c->pl, c->pb, c->pr}};
    tvm_tensor y = tvm_op_conv2d(g, in[0], wt, bias, &at);
    if ((mode & EPILOGUE) && !nhwc && !(mode & CLIP6)) {
        tvm_tensor p[4];
        const char *names[4] = {"scale", "shift", "mean", "var"};
        for (int k = 0; k < 4; k++)
            p[k] = tvm_constant(g, names[k], TVM_FLOAT32, 1, &c->O, bn[1 + k]->dl.data);
        y = tvm_op_batch_norm(g, y, p[0], p[1], p[2], p[3], EPS);
    }
    if (mode & CLIP6) y = tvm_op_clip(g, y, 0, 6);
    else if (mode & EPILOGUE) y = tvm_op_unary(g, TVM_OP_RELU, y);
    tt_tensor *out = tt_alloc(TVM_FLOAT32, 4, sy);
    tvm_function *f = NULL;
    tvm_compile_options o = tt_options(target, 0, 0);
    char *text = NULL;
    CHECK_OK(tvm_graph_status(g));
    CHECK_OK(tt_compile_loop_text(g, nin, in, 1, &y, &o, &f, &text));
    if (f && out) {
        *scheduled = text && strstr(text, "accb") != NULL;
        /* schedule_conv_dw: phase planes (accp) or row bands (xband) */
        *planes = text && (strstr(text, "accp") || strstr(text, "xband"));
        last_bands = text && strstr(text, "xband") != NULL;
        /* the schedules of packed weights: channel vectors, or (pointwise
         * NCHW convolutions over rows of a vector or more) rows of channels */
        *channels = text && (strstr(text, "accb_oc") || strstr(text, "accb_pw"));
        DLTensor *args[3] = {&((tt_tensor *)x)->dl, &((tt_tensor *)w)->dl, &out->dl};
        if (nin == 1) args[1] = &out->dl;
        CHECK_OK(tvm_function_call(f, args, nin + 1));
    }
    tvm_free(text);
    tvm_function_release(f);
    tvm_graph_destroy(g);
    return out;
}

/* The double reference of the same computation. */
static double reference_max_err(const conv_case *c, int mode, const tt_tensor *x,
                                const tt_tensor *w, const tt_tensor *const *bn,
                                const tt_tensor *got) {
    bool nhwc = mode & NHWC;
    int64_t cg = c->C / c->groups, og = c->O / c->groups;
    int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
    int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
    double err = 0, big = 1e-30;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->O; o++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++) {
                    double s = 0;
                    for (int64_t ci = 0; ci < cg; ci++)
                        for (int64_t kh = 0; kh < c->KH; kh++)
                            for (int64_t kw = 0; kw < c->KW; kw++) {
                                int64_t iy = oy * c->sh - c->pt + kh * c->dh;
                                int64_t ix = ox * c->sw - c->pl + kw * c->dw;
                                if (iy < 0 || iy >= c->H || ix < 0 || ix >= c->W) continue;
                                s += tt_get(x, at_x(c, nhwc, n, o / og * cg + ci, iy, ix)) *
                                     tt_get(w, at_w(c, nhwc, o, ci, kh, kw));
                            }
                    if (mode & (EPILOGUE | CLIP6)) {
                        s += tt_get(bn[0], o);
                        if (mode & CLIP6) {
                            s = s < 0 ? 0 : s > 6 ? 6 : s;
                            goto done;
                        }
                        if (!nhwc)
                            s = (s - tt_get(bn[3], o)) / sqrt(tt_get(bn[4], o) + EPS) *
                                    tt_get(bn[1], o) + tt_get(bn[2], o);
                        s = s > 0 ? s : 0;
                    }
                done:;
                    double d = fabs(tt_get(got, at_y(c, nhwc, OH, OW, n, o, oy, ox)) - s);
                    if (d > err) err = d;
                    if (fabs(s) > big) big = fabs(s);
                }
    return err / big;
}

/* dw: a case of dw_cases (k its index there), checked for the schedule
 * it takes */
static void case_run(const conv_case *c, bool dw, int k, int mode) {
    int64_t cg = c->C / c->groups;
    bool nhwc = mode & NHWC;
    int64_t sx[4] = {c->N, c->C, c->H, c->W}, sw[4] = {c->O, cg, c->KH, c->KW};
    if (nhwc) {
        memcpy(sx, TT_SHAPE(c->N, c->H, c->W, c->C), sizeof sx);
        memcpy(sw, TT_SHAPE(c->KH, c->KW, cg, c->O), sizeof sw);
    }
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 4, sx), *w = tt_alloc(TVM_FLOAT32, 4, sw);
    tt_tensor *bn[5];
    for (int q = 0; q < 5; q++) bn[q] = tt_alloc(TVM_FLOAT32, 1, &c->O);
    CHECK_OR_RETURN(x && w && bn[0] && bn[1] && bn[2] && bn[3] && bn[4]);
    tt_fill_random(x, 11 + (uint64_t)k, -1, 1);
    tt_fill_random(w, 23 + (uint64_t)k, -1, 1);
    for (int q = 0; q < 5; q++) tt_fill_random(bn[q], 31 + (uint64_t)q, q == 4 ? 0.5 : -1, 1);
    bool sched[2] = {false, false}, planes[2] = {false, false}, chan[2] = {false, false};
    tt_tensor *got[2];
    got[0] = run(c, mode, mode & AVX2 ? "llvm -mattr=-avx512f" : "llvm", x, w,
                 (const tt_tensor *const *)bn, &sched[0], &planes[0], &chan[0]);
    bool bands = last_bands;
    got[1] = run(c, mode, "interp", x, w, (const tt_tensor *const *)bn, &sched[1], &planes[1],
                 &chan[1]);
    CHECK_OR_RETURN(got[0] && got[1]);
    char what[96];
    snprintf(what, sizeof what, "%scase %d mode %s%s%s%s", dw ? "dw " : "",
             k, mode & AVX2 ? "avx2 " : "", mode & CONST_W ? "const " : "",
             mode & NHWC ? "NHWC " : "NCHW ",
             mode & CLIP6 ? "+bias/clip6" : mode & EPILOGUE ? "+bias/BN/ReLU" : "");
    /* the interpreter never schedules; llvm always does, except grouped
     * NHWC convolutions other than plain depthwise (their input channel
     * depends on the output channel, the innermost loop: no vector of
     * lanes reads contiguous inputs) */
    bool expect = !(nhwc && c->groups > 1 && !(c->groups == c->C && c->O == c->C));
    if (sched[1] || sched[0] != expect)
        fprintf(stderr, "%s: scheduled llvm %d interp %d\n", what, sched[0], sched[1]);
    CHECK(sched[0] == expect && !sched[1]);
    /* NCHW depthwise with padding takes schedule_conv_dw: phase planes
     * for rows under 16 wide, row bands for the others; a single output
     * row (its loop simplified away) and unpadded windows keep the
     * row-wise one */
    int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
    int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
    bool flat = !nhwc && c->groups == c->C && c->groups > 1 && OH > 1 &&
                (c->pt || c->pl || c->pb || c->pr);
    bool expect_bands = flat && OW >= 16;
    if (dw && (planes[0] != flat || bands != expect_bands))
        fprintf(stderr, "%s: depthwise schedule %d (bands %d), expected %d (bands %d)\n", what,
                planes[0], bands, flat, expect_bands);
    CHECK(!dw || (planes[0] == flat && bands == expect_bands));
    /* ungrouped convolutions over constant (packed) weights take the
     * channel-block schedule, 1x1 ones included */
    bool expect_chan = (mode & CONST_W) && c->groups == 1;
    if (chan[0] != expect_chan)
        fprintf(stderr, "%s: channel blocks %d, expected %d\n", what, chan[0], expect_chan);
    CHECK(chan[0] == expect_chan && !chan[1]);
    int64_t i = tt_first_bit_diff(got[0], got[1]);
    if (i >= 0) fprintf(stderr, "%s: %s\n", what, tt_describe_diff(got[0], got[1], i));
    CHECK(i < 0);
    double e = reference_max_err(c, mode, x, w, (const tt_tensor *const *)bn, got[0]);
    if (!(e < 1e-5)) fprintf(stderr, "%s: relative error %g\n", what, e);
    CHECK(e < 1e-5);
    tt_free(x), tt_free(w), tt_free(got[0]), tt_free(got[1]);
    for (int q = 0; q < 5; q++) tt_free(bn[q]);
}

static void conv_case_run(int k, int mode) { case_run(&cases[k], false, k, mode); }

TEST(conv_nchw_constant_weights) {
    for (int k = 0; k < NCASES; k++) conv_case_run(k, CONST_W);
}

TEST(conv_nchw_placeholder_weights) {
    for (int k = 0; k < NCASES; k++) conv_case_run(k, 0);
}

TEST(conv_nchw_fused_bias_bn_relu) {
    for (int k = 0; k < NCASES; k++) {
        conv_case_run(k, CONST_W | EPILOGUE);
        conv_case_run(k, EPILOGUE);
    }
}

/* bias + clip(0, 6), MobileNetV2's epilogue (CLIP6 adds the bias), in
 * both layouts */
TEST(conv_fused_bias_relu6) {
    for (int k = 0; k < NCASES; k++) {
        conv_case_run(k, CONST_W | CLIP6);
        conv_case_run(k, NHWC | CONST_W | CLIP6);
    }
}

TEST(conv_nhwc) {
    for (int k = 0; k < NCASES; k++) {
        conv_case_run(k, NHWC | CONST_W);
        conv_case_run(k, NHWC);
        conv_case_run(k, NHWC | CONST_W | EPILOGUE);
    }
}

/* The AVX2-sized blocks (two ymm vectors per 16 channels, fewer rows). */
TEST(conv_avx2_target) {
    for (int k = 0; k < NCASES; k += 2) {
        conv_case_run(k, AVX2 | CONST_W | EPILOGUE);
        conv_case_run(k + 1 < NCASES ? k + 1 : k, AVX2);
    }
}

/* Depthwise sizes, NCHW: constant and placeholder weights, plain and with
 * MobileNet's bias + ReLU6 and a BN epilogue; NHWC; the AVX2 target. */
TEST(conv_depthwise_sizes) {
    for (int k = 0; k < NDW; k++) {
        const conv_case *c = &dw_cases[k];
        case_run(c, true, k, CONST_W | EPILOGUE | CLIP6);
        case_run(c, true, k, 0);
        case_run(c, true, k, EPILOGUE | CLIP6);
        case_run(c, true, k, CONST_W | EPILOGUE);
        case_run(c, true, k, NHWC | CONST_W | EPILOGUE | CLIP6);
        case_run(c, true, k, NHWC);
        case_run(c, true, k, AVX2 | CONST_W | EPILOGUE | CLIP6);
    }
}

/* 1x1 stride-2 (and 3) downsamples whose output rows are a vector or
 * wider: the pointwise schedule reads the strided input through a
 * contiguous copy (buffer `xsub`); narrower rows keep channel vectors. */
static const conv_case sub_cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 24, 12, 64, 40, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},  /* rows of 32 */
    {1, 16, 56, 56, 20, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},  /* ResNet's 56 -> 28 */
    {2, 9, 7, 35, 13, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},    /* batch 2, odd sizes */
    {1, 5, 9, 50, 18, 1, 1, 3, 3, 0, 0, 0, 0, 1, 1, 1},    /* stride 3, rows of 17 */
    {1, 6, 10, 40, 17, 1, 1, 1, 2, 0, 0, 0, 0, 1, 1, 1},   /* strides 1 x 2 */
    {1, 8, 14, 14, 24, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},   /* rows of 7: channel vectors */
};
#define NSUB ((int)(sizeof sub_cases / sizeof sub_cases[0]))

/* Whether the llvm loop IR of c (constant weights, NCHW) holds `what`. */
static bool loop_ir_has(const conv_case *c, const char *what) {
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_expr dims[4];
    int64_t sx[4] = {c->N, c->C, c->H, c->W}, sw[4] = {c->O, c->C / c->groups, c->KH, c->KW};
    for (int d = 0; d < 4; d++) dims[d] = tvm_const_int(g, TVM_INT64, sx[d]);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, dims);
    float *wd = calloc((size_t)(sw[0] * sw[1] * sw[2] * sw[3]), sizeof *wd);
    tvm_tensor w = tvm_constant(g, "w", TVM_FLOAT32, 4, sw, wd);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = (int32_t)c->groups,
                         .strides = {c->sh, c->sw}, .dilations = {c->dh, c->dw},
                         .pads = {c->pt, c->pl, c->pb, c->pr}};
    tvm_tensor y = tvm_op_conv2d(g, x, w, (tvm_tensor){0}, &at);
    tvm_compile_options o = tt_options("llvm", 0, 0);
    tvm_function *f = NULL;
    char *text = NULL;
    CHECK_OK(tt_compile_loop_text(g, 1, &x, 1, &y, &o, &f, &text));
    bool has = text && strstr(text, what) != NULL;
    tvm_free(text);
    tvm_function_release(f);
    tvm_graph_destroy(g);
    free(wd);
    return has;
}

TEST(conv_pointwise_strided) {
    for (int k = 0; k < NSUB; k++) {
        const conv_case *c = &sub_cases[k];
        int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
        bool want = OW >= 16 && c->sw > 1;
        bool has = loop_ir_has(c, "xsub");
        if (has != want) fprintf(stderr, "strided case %d: xsub copy %d, expected %d\n", k, has, want);
        CHECK(has == want);
        case_run(c, false, 100 + k, CONST_W);
        case_run(c, false, 100 + k, CONST_W | EPILOGUE);
        case_run(c, false, 100 + k, CONST_W | CLIP6);
        case_run(c, false, 100 + k, 0);
        case_run(c, false, 100 + k, AVX2 | CONST_W | EPILOGUE);
    }
}

/* Padded windows over at most 4 input channels whose output rows are a
 * vector or wider (ResNet's stem: 3 channels, 7x7/2 pad 3): output
 * channels as the block's rows, positions in the vectors (`accb_pw`);
 * a strided row is read from phase planes of the padded copy. Batches
 * (a per-plane copy) and more channels keep channel vectors, at stride 1
 * too (as rows, 64x56x56 -> 64 3x3 ran 1.2-1.3x oneDNN's time against
 * 1.1x: a 56 row fills 3.5 of 4 vectors, 64 channels 10 blocks of 6 and
 * one of 4, and the store saving is small against 576 taps). */
static const conv_case stem_cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 3, 40, 40, 20, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   /* rows of 20 */
    {1, 3, 30, 75, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   /* rows of 38, 64 channels */
    {1, 3, 20, 33, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* stride 1 */
    {1, 2, 30, 60, 8, 5, 5, 3, 3, 2, 1, 0, 2, 1, 1, 1},    /* stride 3, asymmetric pads */
    {1, 4, 21, 40, 16, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1},   /* dilation 2 */
    {1, 1, 9, 37, 7, 3, 4, 1, 2, 0, 1, 2, 0, 1, 1, 1},     /* one channel, 3x4 */
    {2, 3, 20, 40, 18, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1},   /* batch 2: channel vectors */
    {1, 5, 20, 40, 18, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},   /* 5 channels: channel vectors */
    {1, 8, 18, 36, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* 8 channels, stride 1: channel vectors */
};
#define NSTEM ((int)(sizeof stem_cases / sizeof stem_cases[0]))

TEST(conv_stem_windows) {
    for (int k = 0; k < NSTEM; k++) {
        const conv_case *c = &stem_cases[k];
        int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
        bool want = OW >= 16 && c->N == 1 && c->C <= 4;
        bool has = loop_ir_has(c, "accb_pw");
        if (has != want) fprintf(stderr, "stem case %d: rows of channels %d, expected %d\n", k, has, want);
        CHECK(has == want);
        case_run(c, false, 200 + k, CONST_W);
        case_run(c, false, 200 + k, CONST_W | EPILOGUE);
        case_run(c, false, 200 + k, CONST_W | CLIP6);
        case_run(c, false, 200 + k, 0);
        case_run(c, false, 200 + k, AVX2 | CONST_W | EPILOGUE);
    }
}

/* schedule_conv_dw's row bands: rows of 16 or more (stride-2 bands
 * copied in phases), against the interpreter
 * bit for bit. Bands of 8 rows or an even divisor of the rows up to 16:
 * outputs under a band, bands the padding ends inside, a last band
 * overlapping the one before, rows of one block plus a one-vector
 * remainder, rows ending inside a vector (the last one overlapping),
 * kernels taller than the pad, taps unrolled or not (7 x 7). */
static const conv_case band_cases[] = {
    /* N  C   H    W    O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 2, 3, 65, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},        /* one band, OH < 8 */
    {1, 2, 21, 80, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},       /* last band overlaps */
    {1, 3, 17, 129, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},      /* two blocks + 1 */
    {1, 2, 30, 100, 2, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 2},      /* 5x5 */
    {1, 2, 26, 70, 2, 7, 3, 1, 1, 5, 1, 0, 1, 1, 1, 2},       /* uneven pads */
    {1, 2, 19, 90, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2},       /* dilation 2 */
    {2, 2, 9, 66, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},        /* batch 2, multiplier 2 */
    {1, 2, 12, 80, 2, 7, 7, 1, 1, 3, 3, 3, 3, 1, 1, 2},       /* 7x7: taps not unrolled */
    {1, 3, 57, 45, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3},       /* s2: 29 x 23, last band overlaps */
    {1, 2, 40, 66, 2, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 2},       /* s2: 20 x 33, bottom/right pads */
    {1, 2, 30, 70, 2, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 2},       /* s2: 5x5, 15 x 35 */
    {1, 2, 26, 50, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2},       /* s2: dilation 2 */
    {2, 2, 18, 34, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2},       /* s2: batch 2, multiplier 2, 17 wide */
    {1, 2, 20, 40, 2, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2},       /* strides 2 x 1 */
    {1, 2, 12, 70, 2, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 2},       /* strides 1 x 2 */
    {1, 4, 56, 56, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4},       /* s2: 28 rows, bands of 14 */
};

TEST(conv_depthwise_bands) {
    for (int k = 0; k < (int)(sizeof band_cases / sizeof band_cases[0]); k++) {
        const conv_case *c = &band_cases[k];
        case_run(c, true, 100 + k, CONST_W | EPILOGUE | CLIP6);
        case_run(c, true, 100 + k, 0);
        case_run(c, true, 100 + k, EPILOGUE);
        case_run(c, true, 100 + k, AVX2 | CONST_W | EPILOGUE | CLIP6);
        case_run(c, true, 100 + k, NHWC | CONST_W | EPILOGUE | CLIP6);
    }
}

/* schedule_conv_dw's plane groups: the flat mode fills xf's padding once
 * per group of G planes (the largest of 8, 4, 2 dividing the channels
 * that leaves at least 4 groups; loop `grp`), each plane then copying only
 * x's elements over it; planes up to 7x7 or so (MAX_DBL) alternate
 * between two halves of xf, larger ones reuse one. Against the interpreter bit for bit, with stale
 * planes of the group in xf: every group size, none, strides 1 and 2,
 * 5x5 pad 2, uneven pads, batches. */
static const conv_case group_cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 32, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32},    /* G = 8 */
    {1, 48, 14, 14, 48, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 48},    /* G = 8, stride 2 */
    {1, 20, 9, 13, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 20},     /* G = 4, odd sizes */
    {1, 10, 7, 7, 10, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 10},      /* G = 2, 5x5 */
    {1, 7, 12, 12, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 7},       /* no group */
    {2, 16, 10, 10, 16, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 16},    /* batch 2, pads bottom/right */
    {1, 16, 11, 11, 32, 3, 3, 1, 1, 2, 1, 0, 1, 1, 1, 16},    /* multiplier 2, uneven pads */
    {1, 32, 7, 7, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32},      /* G = 8, 7x7: two halves */
    {1, 8, 36, 14, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8},       /* G = 2, xf in one half */
    {1, 16, 24, 24, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16},    /* G = 4, one half, stride 2 */
};

TEST(conv_depthwise_plane_groups) {
    for (int k = 0; k < (int)(sizeof group_cases / sizeof group_cases[0]); k++) {
        const conv_case *c = &group_cases[k];
        int64_t per = c->O, G = 1;
        for (int64_t g = 8; g >= 2 && G == 1; g /= 2)
            if (per % g == 0 && per / g >= 4) G = g;
        bool has = loop_ir_has(c, "grp");
        if (has != (G > 1)) fprintf(stderr, "group case %d: groups %d, expected %d\n", k, has, G > 1);
        CHECK(has == (G > 1));
        case_run(c, true, 300 + k, CONST_W | EPILOGUE | CLIP6);
        case_run(c, true, 300 + k, 0);
        case_run(c, true, 300 + k, EPILOGUE);
        case_run(c, true, 300 + k, AVX2 | CONST_W | EPILOGUE | CLIP6);
    }
    /* the group loop stays the threads' loop (MobileNetV2's sizes: small
     * planes in two halves, larger in one) */
    static const conv_case big[] = {
        {1, 960, 7, 7, 960, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 960},
        {1, 576, 14, 14, 576, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 576},
        {1, 384, 14, 14, 384, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 384},
    };
    static const char *const want[] = {"grp: int64, 0, 120) parallel",
                                       "grp: int64, 0, 72) parallel",
                                       "grp: int64, 0, 48) parallel"};
    for (int k = 0; k < 3; k++) {
        bool par = loop_ir_has(&big[k], want[k]);
        if (!par) fprintf(stderr, "big group case %d: no '%s'\n", k, want[k]);
        CHECK(par);
    }
}

/* Channel vectors over output rows narrower than 8 (ResNet-18's 7x7
 * layers): blocks of several output rows by the row's columns
 * (`accb_oc2d`, up to 28 positions with AVX-512), every position still
 * its own sum in the original order: against the interpreter bit for bit,
 * row remainders, channel counts that are not multiples of 16, stride 2,
 * dilation, batches and unpadded windows included. Wider rows, a single
 * output row and NHWC keep blocks of one row. */
static const conv_case row_block_cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 20, 7, 7, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* 7x7: 4 + 3 rows of 7 */
    {1, 16, 14, 14, 33, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},  /* stride 2 -> 7x7, 33 channels */
    {2, 8, 7, 7, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},     /* batch 2 */
    {1, 4, 11, 5, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* 11 rows of 5: 5 + 5 + 1 */
    {1, 6, 9, 9, 17, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* unpadded: 7x7 */
    {1, 5, 12, 7, 24, 3, 3, 2, 1, 2, 1, 0, 1, 2, 1, 1},    /* asymmetric pads, dilated rows */
    {1, 3, 30, 3, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* 30 rows of 3: 9 x 3 + 3 */
    {1, 8, 1, 7, 16, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 1},     /* one output row: no row blocks */
    {1, 8, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* rows of 14: one row a block */
};

TEST(conv_row_blocks) {
    bool avx512 = __builtin_cpu_supports("avx512f");
    for (int k = 0; k < (int)(sizeof row_block_cases / sizeof row_block_cases[0]); k++) {
        const conv_case *c = &row_block_cases[k];
        int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
        int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
        /* (with AVX2's 6 rows a block, the cost model decides: unchecked) */
        bool want = OW < 8 && OH >= 2;
        bool has = loop_ir_has(c, "accb_oc2d");
        if (avx512 && has != want)
            fprintf(stderr, "row block case %d: %d, expected %d\n", k, has, want);
        CHECK(!avx512 || has == want);
        case_run(c, false, 400 + k, CONST_W);
        case_run(c, false, 400 + k, CONST_W | EPILOGUE);
        case_run(c, false, 400 + k, CONST_W | NHWC);
        case_run(c, false, 400 + k, AVX2 | CONST_W | EPILOGUE);
    }
}

/* Pointwise convolutions over planes of rows narrower than a vector
 * (MobileNetV2's 14x14), or ending in a part vector on planes of up to
 * 1024 positions (28x28; bigger planes in tiles, 56x56): the rows are
 * merged into one flat position, in vectors (`accb_pw`), when the plane
 * fills its vectors to within an eighth; else (7x7: 49 positions in 64
 * lanes) channel vectors. Against
 * the interpreter bit for bit, epilogues included. */
static const conv_case plane_cases[] = {
    /* N  C   H   W   O  KH KW sh sw pt pl pb pr dh dw g */
    {1, 24, 14, 14, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},  /* 196 in 13 vectors */
    {1, 40, 7, 7, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 49: channel vectors */
    {1, 17, 5, 9, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 45 in 3 vectors */
    {2, 9, 8, 12, 13, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* batch 2, 96 positions */
    {1, 5, 3, 3, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* 9: under one vector */
    {1, 8, 20, 10, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 200 in 13 vectors, 6 channels */
    {1, 32, 14, 14, 48, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1},  /* strided: not merged */
    {1, 6, 3, 6, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* 18: one block of 18 rows */
    {2, 11, 7, 7, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* batch 2, 49: 25 + 24 rows */
    {1, 3, 8, 7, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      /* 56, one channel block: by row */
    {1, 3, 8, 7, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* 56: 28 + 28 rows */
    {1, 3, 9, 7, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      /* 63, 5 channels: by row */
    {1, 3, 9, 7, 10, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* 63 in 4 vectors, 2 x 5 rows */
    {2, 3, 9, 7, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},      /* 63, batch 2: merged */
    /* rows of a vector or more ending in a part vector: merged up to 1024 */
    {1, 24, 28, 28, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},  /* 784 in 49 vectors */
    {1, 7, 17, 17, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 289 in 19 vectors */
    {2, 5, 6, 20, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},     /* batch 2, rows of 20 */
    {1, 4, 16, 32, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   /* whole vectors: by row */
    /* bigger planes in tiles of whole vectors that divide the plane */
    {1, 3, 40, 28, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   /* 1120: tiles of 224 */
    {1, 6, 56, 56, 10, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},   /* 3136: tiles of 64 */
    {2, 4, 36, 36, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* batch 2, 1296: 16 x 81 */
    {1, 3, 33, 33, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},    /* 1089: no tile, by row */
};

TEST(conv_pointwise_planes) {
    for (int k = 0; k < (int)(sizeof plane_cases / sizeof plane_cases[0]); k++) {
        const conv_case *c = &plane_cases[k];
        int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
        int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
        int64_t hw = OH * OW, lanes = (hw + 15) / 16 * 16;
        /* batch 1 (no loop around the blocks): only when the channels
         * split into two or more whole blocks, of 3-6 rows (AVX-512; AVX2
         * takes 1) or of 16 channel vectors */
        bool avx512 = __builtin_cpu_supports("avx512f"), rows_divide = !avx512;
        for (int d = 6; d >= 3; d--) rows_divide |= c->O % d == 0 && c->O / d >= 2;
        bool tiled = OW >= 16 && OW % 16 != 0 && hw > 1024 && hw % 16 == 0 && c->sw == 1;
        bool narrow = OW < 16 || (OW % 16 != 0 && hw <= 1024) || tiled;
        bool want = narrow && c->sw == 1 && hw >= 16 && lanes * 8 <= hw * 9 &&
                    (c->N > 1 || rows_divide);
        bool has = loop_ir_has(c, "accb_pw");
        if (OW >= 16) {
            /* rows of a vector or more are pointwise either way: merged,
             * no loop runs over the output rows */
            char rows_loop[48];
            snprintf(rows_loop, sizeof rows_loop, ", 0, %lld) ", (long long)OH);
            has = has && !loop_ir_has(c, rows_loop);
            bool tiles = loop_ir_has(c, "for (tile");
            if (tiles != tiled) fprintf(stderr, "plane case %d: tiles %d, expected %d\n", k, tiles, tiled);
            CHECK(tiles == tiled);
        }
        if (has != want) fprintf(stderr, "plane case %d: flat positions %d, expected %d\n", k, has, want);
        CHECK(has == want);
        /* planes of up to 56 positions that are not merged into vectors:
         * channel vectors over the flat positions in one or two blocks
         * (with AVX-512's registers) */
        bool rows = OW < 16 && c->sw == 1 && hw >= 16 && lanes * 8 > hw * 9 && hw <= 56 &&
                    avx512 && (c->N > 1 || c->O > 16);
        char what[64];
        snprintf(what, sizeof what, "accb_oc: float32 local [%d,", (int)(hw <= 24 ? hw : (hw + 1) / 2));
        has = loop_ir_has(c, what);
        if (has != rows) fprintf(stderr, "plane case %d: %s %d, expected %d\n", k, what, has, rows);
        CHECK(has == rows);
        case_run(c, false, 300 + k, CONST_W);
        case_run(c, false, 300 + k, CONST_W | EPILOGUE);
        case_run(c, false, 300 + k, CONST_W | CLIP6);
        case_run(c, false, 300 + k, 0);
        case_run(c, false, 300 + k, AVX2 | CONST_W | EPILOGUE);
    }
}

CHECK_MAIN()
