/* test_pool_sched.c — the pooling schedule (schedule_pool): max and average
 * pooling (count_include_pad both ways), NCHW and NHWC, strides 1 to 3,
 * symmetric and asymmetric pads, dilation, ceil mode, with and without a
 * fused epilogue, at ResNet/MobileNet and odd sizes: llvm gives the same
 * bits as the interpreter (which runs the plain nest) and as a hand-written
 * reference that combines the taps in the same order, and the loop IR shows
 * that the schedule was taken (its vectorised loop pool_in). */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

typedef struct pool_case {
    int64_t N, C, H, W, KH, KW;
    int64_t sh, sw, pt, pl, pb, pr, dh, dw;
    int ceil;
    bool unscheduled; /* left to the generic loops */
} pool_case;

static const pool_case cases[] = {
    /* N  C    H    W  KH KW sh sw pt pl pb pr dh dw ceil */
    {1, 64, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, false}, /* ResNet's stem pool */
    {1, 3, 13, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, false},    /* stride 1, odd */
    {2, 5, 11, 9, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0, false},     /* no padding, batch 2 */
    {1, 4, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false},    /* ceil mode */
    {1, 3, 20, 23, 5, 3, 2, 1, 2, 1, 2, 1, 2, 1, 0, false},    /* dilation 2, mixed strides */
    {1, 32, 56, 56, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 0, false},   /* asymmetric ("same") pads */
    {1, 2, 5, 40, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, false},     /* stride 3, ceil */
    /* a whole 7x7 plane: one output, no window left to split (a global pool) */
    {1, 16, 7, 7, 7, 7, 1, 1, 0, 0, 0, 0, 1, 1, 0, true},
    {1, 24, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, false},   /* MobileNet-sized, stride 1 */
    {1, 3, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, true},       /* every window padded */
    {1, 3, 4, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, 0, false},      /* mostly padding */
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

enum { MAX = 1, AVG = 2, INCLUDE_PAD = 4, NHWC = 8, RELU = 16, I32 = 32, U8 = 64, PRE_RELU = 128 };

static tvm_dtype dtype_of(int mode) {
    return (mode & I32) ? TVM_INT32 : (mode & U8) ? TVM_UINT8 : TVM_FLOAT32;
}

static int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi, int64_t d,
                       int ceil) {
    int64_t room = in + lo + hi - (d * (k - 1) + 1), out = room / s + 1;
    if (ceil && room % s) {
        out++;
        if ((out - 1) * s >= in + lo) out--;
    }
    return out;
}

static int64_t at(const pool_case *c, bool nhwc, int64_t H, int64_t W, int64_t n, int64_t ch,
                  int64_t y, int64_t x) {
    return nhwc ? ((n * H + y) * W + x) * c->C + ch : ((n * c->C + ch) * H + y) * W + x;
}

/* Taps of one dim's window at output o inside [lo, hi). */
static int64_t taps(int64_t o, int64_t k, int64_t s, int64_t p, int64_t d, int64_t lo,
                    int64_t hi) {
    int64_t n = 0;
    for (int64_t r = 0; r < k; r++) {
        int64_t i = o * s - p + r * d;
        n += i >= lo && i < hi;
    }
    return n;
}

/* The reference: taps in row-then-column order, padded ones contributing
 * the identity (-inf, or +0 to the sum, as pool.c's select does). */
static tt_tensor *reference(const pool_case *c, int mode, const tt_tensor *x, int64_t OH,
                            int64_t OW) {
    bool nhwc = mode & NHWC;
    int64_t sy[4];
    memcpy(sy, nhwc ? TT_SHAPE(c->N, OH, OW, c->C) : TT_SHAPE(c->N, c->C, OH, OW), sizeof sy);
    tt_tensor *y = tt_alloc(TVM_FLOAT32, 4, sy);
    const float *xs = x->dl.data;
    float *ys = y->dl.data;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t ch = 0; ch < c->C; ch++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++) {
                    float acc = (mode & MAX) ? -INFINITY : 0.0f;
                    for (int64_t rh = 0; rh < c->KH; rh++)
                        for (int64_t rw = 0; rw < c->KW; rw++) {
                            int64_t ih = oh * c->sh - c->pt + rh * c->dh;
                            int64_t iw = ow * c->sw - c->pl + rw * c->dw;
                            bool in = ih >= 0 && ih < c->H && iw >= 0 && iw < c->W;
                            float v = in ? xs[at(c, nhwc, c->H, c->W, n, ch, ih, iw)]
                                         : ((mode & MAX) ? -INFINITY : 0.0f);
                            if (in && (mode & PRE_RELU)) v = v > 0 ? v : 0.0f;
                            acc = (mode & MAX) ? (v > acc ? v : acc) : acc + v;
                        }
                    float r = acc;
                    if (mode & AVG) {
                        bool inc = mode & INCLUDE_PAD;
                        int64_t cnt =
                            taps(oh, c->KH, c->sh, c->pt, c->dh, inc ? -c->pt : 0,
                                 inc ? c->H + c->pb : c->H) *
                            taps(ow, c->KW, c->sw, c->pl, c->dw, inc ? -c->pl : 0,
                                 inc ? c->W + c->pr : c->W);
                        r = acc / (float)cnt;
                    }
                    if (mode & RELU) r = r > 0 ? r : 0.0f;
                    ys[at(c, nhwc, OH, OW, n, ch, oh, ow)] = r;
                }
    return y;
}

/* The integer max pool's reference: padded taps are the dtype's lowest
 * value, as in pool.c. */
static tt_tensor *int_reference(const pool_case *c, int mode, const tt_tensor *x, int64_t OH,
                                int64_t OW) {
    bool nhwc = mode & NHWC;
    int64_t sy[4];
    memcpy(sy, nhwc ? TT_SHAPE(c->N, OH, OW, c->C) : TT_SHAPE(c->N, c->C, OH, OW), sizeof sy);
    tt_tensor *y = tt_alloc(x->dtype, 4, sy);
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t ch = 0; ch < c->C; ch++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++) {
                    int64_t acc = tt_int_min(x->dtype);
                    for (int64_t rh = 0; rh < c->KH; rh++)
                        for (int64_t rw = 0; rw < c->KW; rw++) {
                            int64_t ih = oh * c->sh - c->pt + rh * c->dh;
                            int64_t iw = ow * c->sw - c->pl + rw * c->dw;
                            if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                            int64_t v = tt_geti(x, at(c, nhwc, c->H, c->W, n, ch, ih, iw));
                            if (v > acc) acc = v;
                        }
                    tt_seti(y, at(c, nhwc, OH, OW, n, ch, oh, ow), acc);
                }
    return y;
}

static tt_tensor *run(const pool_case *c, int mode, const char *target, const tt_tensor *x,
                      int64_t OH, int64_t OW, bool *scheduled) {
    bool nhwc = mode & NHWC;
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    int64_t sx[4], sy[4];
    memcpy(sx, nhwc ? TT_SHAPE(c->N, c->H, c->W, c->C) : TT_SHAPE(c->N, c->C, c->H, c->W),
           sizeof sx);
    memcpy(sy, nhwc ? TT_SHAPE(c->N, OH, OW, c->C) : TT_SHAPE(c->N, c->C, OH, OW), sizeof sy);
    tvm_expr dims[4];
    for (int d = 0; d < 4; d++) dims[d] = tvm_const_int(g, TVM_INT64, sx[d]);
    tvm_tensor in = tvm_placeholder(g, "x", dtype_of(mode), 4, dims);
    tvm_pool_attrs a = {.struct_size = sizeof a, .layout = nhwc ? TVM_LAYOUT_NHWC : 0,
                        .ceil_mode = c->ceil, .count_include_pad = (mode & INCLUDE_PAD) != 0,
                        .kernel = {c->KH, c->KW}, .strides = {c->sh, c->sw},
                        .dilations = {c->dh, c->dw}, .pads = {c->pt, c->pl, c->pb, c->pr}};
    /* a ReLU before the window is inlined into the pool's read (ResNet's
     * stem: conv + ReLU + max pool) */
    tvm_tensor px = (mode & PRE_RELU) ? tvm_op_unary(g, TVM_OP_RELU, in) : in;
    tvm_tensor y = (mode & MAX) ? tvm_op_max_pool2d(g, px, &a) : tvm_op_avg_pool2d(g, px, &a);
    if (mode & RELU) y = tvm_op_unary(g, TVM_OP_RELU, y);
    tt_tensor *out = tt_alloc(dtype_of(mode), 4, sy);
    tvm_function *f = NULL;
    tvm_compile_options o = tt_options(target, 0, 0);
    CHECK_OK(tvm_graph_status(g));
    char *text = NULL;
    CHECK_OK(tt_compile_loop_text(g, 1, &in, 1, &y, &o, &f, &text));
    *scheduled = text && strstr(text, "pool_in") != NULL;
    tvm_free(text);
    if (f && out) {
        DLTensor *args[2] = {&((tt_tensor *)x)->dl, &out->dl};
        CHECK_OK(tvm_function_call(f, args, 2));
    }
    tvm_function_release(f);
    tvm_graph_destroy(g);
    return out;
}

static void case_run(int k, int mode) {
    const pool_case *c = &cases[k];
    bool nhwc = mode & NHWC;
    int64_t OH = out_dim(c->H, c->KH, c->sh, c->pt, c->pb, c->dh, c->ceil);
    int64_t OW = out_dim(c->W, c->KW, c->sw, c->pl, c->pr, c->dw, c->ceil);
    int64_t sx[4];
    memcpy(sx, nhwc ? TT_SHAPE(c->N, c->H, c->W, c->C) : TT_SHAPE(c->N, c->C, c->H, c->W),
           sizeof sx);
    tt_tensor *x = tt_alloc(dtype_of(mode), 4, sx);
    if (mode & I32) tt_fill_random(x, 1000 + (uint64_t)k * 17 + (uint64_t)mode, -1000, 1000);
    else if (mode & U8) tt_fill_random(x, 1000 + (uint64_t)k * 17 + (uint64_t)mode, 0, 255);
    else tt_fill_random(x, 1000 + (uint64_t)k * 17 + (uint64_t)mode, -2, 2);
    bool sched[2] = {false, false};
    tt_tensor *got = run(c, mode, "llvm", x, OH, OW, &sched[0]);
    tt_tensor *want = run(c, mode, "interp", x, OH, OW, &sched[1]);
    tt_tensor *ref = (mode & (I32 | U8)) ? int_reference(c, mode, x, OH, OW)
                                         : reference(c, mode, x, OH, OW);
    char what[96];
    snprintf(what, sizeof what, "case %d %s %s%s%s%s%s", k, tt_dtype_name(dtype_of(mode)),
             (mode & PRE_RELU) ? "relu+" : "", (mode & MAX) ? "max" : "avg",
             (mode & INCLUDE_PAD) ? " include_pad" : "", nhwc ? " nhwc" : "",
             (mode & RELU) ? " relu" : "");
    if (sched[0] == c->unscheduled || sched[1])
        fprintf(stderr, "%s: scheduled llvm %d interp %d\n", what, sched[0], sched[1]);
    CHECK(sched[0] != c->unscheduled && !sched[1]);
    int64_t i = tt_first_bit_diff(got, want);
    if (i >= 0) fprintf(stderr, "%s vs interp: %s\n", what, tt_describe_diff(got, want, i));
    CHECK(i < 0);
    i = tt_first_bit_diff(got, ref);
    if (i >= 0) fprintf(stderr, "%s vs reference: %s\n", what, tt_describe_diff(got, ref, i));
    CHECK(i < 0);
    tt_free(x);
    tt_free(got);
    tt_free(want);
    tt_free(ref);
}

TEST(pool_sched_max) {
    for (int k = 0; k < NCASES; k++) {
        case_run(k, MAX);
        case_run(k, MAX | NHWC);
    }
}

TEST(pool_sched_avg) {
    for (int k = 0; k < NCASES; k++) {
        case_run(k, AVG);
        case_run(k, AVG | INCLUDE_PAD);
        case_run(k, AVG | NHWC);
        case_run(k, AVG | INCLUDE_PAD | NHWC);
    }
}

/* integer max pooling (int32, uint8: the padding is the dtype's lowest) */
TEST(pool_sched_int) {
    for (int k = 0; k < NCASES; k++) {
        case_run(k, MAX | I32);
        case_run(k, MAX | U8 | NHWC);
    }
}

/* a fused epilogue after the window (ReLU over signed averages and maxima),
 * and a ReLU inlined before it */
TEST(pool_sched_epilogue) {
    for (int k = 0; k < NCASES; k += 2) {
        case_run(k, MAX | RELU);
        case_run(k, AVG | RELU);
        case_run(k, AVG | INCLUDE_PAD | NHWC | RELU);
        case_run(k, PRE_RELU | MAX);
        case_run(k, PRE_RELU | AVG | NHWC);
    }
}

CHECK_MAIN()
