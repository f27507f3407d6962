/* test_winograd.c — tvm_op_conv2d's Winograd form (lib/ops/conv_winograd.c)
 * for 3x3 stride-1 convolutions with constant weights: every shape agrees
 * with a float64 direct reference within the tile's error bound, llvm gives
 * the interpreter's bits, odd sizes (tiles overrunning the output, pads 0 to
 * 2, channels off the 16-blocks, batch 2) are cropped right, the
 * force-direct switch gives direct summation's bits, and a bias + batch
 * norm + residual add + ReLU epilogue fuses into the output transform.
 *
 * Error bound (relative to S = max|x| * sum|w| over the output channel's
 * C*9 weights, see max_err): direct summation of C*9 products errs by at
 * most ~9C u S (u = 2^-24), in practice ~sqrt(9C) u S. Winograd sums C
 * products per transform position and combines 36 (16) positions through
 * At, after Bt and G scaled the operands: each position's rounding reaches
 * the output multiplied by the products of the transforms' row sums (for
 * F(4x4) up to 10 in Bt, 18 in At, 0.5 in G: ~10-100x direct's bound; for
 * F(2x2) 2, 3 and 1.5). Measured with uniform [-1, 1) data: F(4x4) up to
 * 8e-7 (C = 64..512), F(2x2) 2e-8, direct 7e-8. The tolerances leave a
 * factor of 5 (F(4x4), direct) to 20 (F(2x2), small C) over those. */
#include <math.h>
#include <stddef.h>

#include "check.h"
#include "tensor_util.h"

/* CHECK with a formatted message */
#define CHECK_MSG(cond, ...) ((cond) ? (void)0 : check_fail(__FILE__, __LINE__, __VA_ARGS__))

#define TOL_F4 4e-6
#define TOL_F2 4e-7
#define TOL_DIRECT 4e-7
#define EPS 1e-5

typedef struct wcase {
    int64_t N, C, H, W, O;
    int64_t pt, pl, pb, pr;
} wcase;

/* the epilogue after the convolution */
enum { PLAIN = 0, FUSED = 1 };

static int64_t out_h(const wcase *c) { return c->H + c->pt + c->pb - 2; }
static int64_t out_w(const wcase *c) { return c->W + c->pl + c->pr - 2; }

typedef struct operands {
    tt_tensor *x, *w, *res, *bn[5]; /* bn: bias, scale, shift, mean, var */
} operands;

static bool operands_make(const wcase *c, operands *o, uint64_t seed) {
    memset(o, 0, sizeof *o);
    o->x = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(c->N, c->C, c->H, c->W));
    o->w = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(c->O, c->C, 3, 3));
    o->res = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(c->N, c->O, out_h(c), out_w(c)));
    bool ok = o->x && o->w && o->res;
    for (int q = 0; q < 5; q++) ok = (o->bn[q] = tt_alloc(TVM_FLOAT32, 1, &c->O)) && ok;
    if (!ok) return false;
    tt_fill_random(o->x, seed, -1, 1);
    tt_fill_random(o->w, seed + 1, -1, 1);
    tt_fill_random(o->res, seed + 2, -1, 1);
    for (int q = 0; q < 5; q++) tt_fill_random(o->bn[q], seed + 3 + q, q == 4 ? 0.5 : -1, 1);
    return true;
}

static void operands_free(operands *o) {
    tt_free(o->x);
    tt_free(o->w);
    tt_free(o->res);
    for (int q = 0; q < 5; q++) tt_free(o->bn[q]);
}

/* Builds the convolution (constant weights, algorithm `algo`), compiles it
 * for `target` and runs it. *wino: the compiled program has Winograd's
 * stages. */
static tt_tensor *run(const wcase *c, int algo, int mode, const char *target, const operands *d,
                      bool *wino) {
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    int64_t OH = out_h(c), OW = out_w(c);
    tvm_expr dims[4];
    const int64_t sx[4] = {c->N, c->C, c->H, c->W}, sy[4] = {c->N, c->O, OH, OW};
    for (int k = 0; k < 4; k++) dims[k] = tvm_const_int(g, TVM_INT64, sx[k]);
    tvm_tensor in[2];
    int nin = 1;
    in[0] = tvm_placeholder(g, "x", TVM_FLOAT32, 4, dims);
    tvm_tensor wt = tvm_constant(g, "w", TVM_FLOAT32, 4, TT_SHAPE(c->O, c->C, 3, 3), d->w->dl.data);
    tvm_tensor bias = {0};
    if (mode == FUSED) bias = tvm_constant(g, "b", TVM_FLOAT32, 1, &c->O, d->bn[0]->dl.data);
    tvm_conv_attrs at = {.struct_size = sizeof at, .pads = {c->pt, c->pl, c->pb, c->pr},
                         .algorithm = algo};
    tvm_tensor y = tvm_op_conv2d(g, in[0], wt, bias, &at);
    if (mode == FUSED) {
        tvm_tensor p[4];
        const char *names[4] = {"scale", "shift", "mean", "var"};
        for (int k = 0; k < 4; k++)
            p[k] = tvm_constant(g, names[k], TVM_FLOAT32, 1, &c->O, d->bn[1 + k]->dl.data);
        y = tvm_op_batch_norm(g, y, p[0], p[1], p[2], p[3], EPS);
        for (int k = 0; k < 4; k++) dims[k] = tvm_const_int(g, TVM_INT64, sy[k]);
        in[nin++] = tvm_placeholder(g, "res", TVM_FLOAT32, 4, dims);
        y = tvm_op_binary(g, TVM_OP_ADD, y, in[1]);
        y = tvm_op_unary(g, TVM_OP_RELU, y);
    }
    tt_tensor *out = tt_alloc(TVM_FLOAT32, 4, sy);
    tvm_function *f = NULL;
    tvm_compile_options o = tt_options(target, 0, 0);
    char *text = NULL;
    CHECK_OK(tvm_graph_status(g));
    CHECK_OK(tt_compile_loop_text(g, nin, in, 1, &y, &o, &f, &text));
    if (f && out) {
        *wino = text && strstr(text, "wino_m") != NULL;
        /* the epilogue is computed where the output transform's sums are:
         * no buffer holds the convolution itself */
        if (mode == FUSED && *wino)
            CHECK_MSG(text && !strstr(text, "conv2d["), "the epilogue did not fuse into the "
                      "output transform");
        DLTensor *args[3] = {&d->x->dl, &d->res->dl, &out->dl};
        if (nin == 1) args[1] = &out->dl;
        CHECK_OK(tvm_function_call(f, args, nin + 1));
    }
    tvm_free(text);
    tvm_function_release(f);
    tvm_graph_destroy(g);
    return out;
}

/* Largest |got - ref| / S over the outputs, with ref the float64 direct
 * convolution (and epilogue) and S = max |x| * sum |w[o]| (the output
 * channel's weights), times the batch-norm scale, plus 1 for the epilogue's
 * own terms. Winograd's rounding scales with the whole input tile, not with
 * the taps that fall inside the image (at a padded corner only 4 of 9 do),
 * so the bound is relative to the largest input, not to the window's sum. */
static double max_err(const wcase *c, int mode, const operands *d, const tt_tensor *got) {
    int64_t OH = out_h(c), OW = out_w(c);
    double err = 0, xmax = 0;
    for (int64_t i = 0; i < d->x->numel; i++)
        if (fabs(tt_get(d->x, i)) > xmax) xmax = fabs(tt_get(d->x, i));
    for (int64_t o = 0; o < c->O; o++) {
        double wsum = 0;
        for (int64_t i = 0; i < c->C * 9; i++) wsum += fabs(tt_get(d->w, o * c->C * 9 + i));
        for (int64_t n = 0; n < c->N; n++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++) {
                    double s = 0, mag = xmax * wsum;
                    for (int64_t ci = 0; ci < c->C; ci++)
                        for (int64_t kh = 0; kh < 3; kh++)
                            for (int64_t kw = 0; kw < 3; kw++) {
                                int64_t iy = oy - c->pt + kh, ix = ox - c->pl + kw;
                                if (iy < 0 || iy >= c->H || ix < 0 || ix >= c->W) continue;
                                s += tt_get(d->x, ((n * c->C + ci) * c->H + iy) * c->W + ix) *
                                     tt_get(d->w, ((o * c->C + ci) * 3 + kh) * 3 + kw);
                            }
                    if (mode == FUSED) {
                        double k = tt_get(d->bn[1], o) / sqrt(tt_get(d->bn[4], o) + EPS);
                        s = (s + tt_get(d->bn[0], o) - tt_get(d->bn[3], o)) * k +
                            tt_get(d->bn[2], o);
                        s += tt_get(d->res, ((n * c->O + o) * OH + oy) * OW + ox);
                        s = s > 0 ? s : 0;
                        mag = mag * fabs(k) + 1;
                    }
                    double e = fabs(tt_get(got, ((n * c->O + o) * OH + oy) * OW + ox) - s) /
                               (mag > 1e-30 ? mag : 1e-30);
                    if (!(e <= err)) err = e; /* NaN counts as the largest */
                }
    }
    return err;
}

/* One case: llvm against the reference; with `interp`, also the
 * interpreter's bits. tile: the tile the case uses (tolerance). */
static void check_case(const wcase *c, int algo, int mode, bool interp, int tile, int k) {
    /* tile 0: the automatic choice keeps direct summation */
    operands d;
    CHECK_OR_RETURN(operands_make(c, &d, 100 + 7 * (uint64_t)k));
    bool wino = false, wino_i = false;
    tt_tensor *got = run(c, algo, mode, "llvm", &d, &wino);
    CHECK_OR_RETURN(got);
    CHECK_MSG(wino == (tile != 0), "case %d (C %lld O %lld %lldx%lld): Winograd stages %s", k,
              (long long)c->C, (long long)c->O, (long long)c->H, (long long)c->W,
              wino ? "present" : "absent");
    double e = max_err(c, mode, &d, got), tol = tile == 4 ? TOL_F4 : tile ? TOL_F2 : TOL_DIRECT;
    CHECK_MSG(e <= tol, "case %d (C %lld O %lld %lldx%lld pads %lld %lld %lld %lld N %lld%s): "
              "error %.3g of sum |x w| > %.3g", k, (long long)c->C, (long long)c->O,
              (long long)c->H, (long long)c->W, (long long)c->pt, (long long)c->pl,
              (long long)c->pb, (long long)c->pr, (long long)c->N, mode ? " fused" : "", e, tol);
    if (interp) {
        tt_tensor *ref = run(c, algo, mode, "interp", &d, &wino_i);
        CHECK(ref && wino_i == wino);
        if (ref) {
            int64_t i = tt_first_bit_diff(got, ref);
            CHECK_MSG(i < 0, "case %d: llvm differs from interp: %s", k,
                      tt_describe_diff(got, ref, i));
        }
        tt_free(ref);
    }
    tt_free(got);
    operands_free(&d);
}

/* ResNet-18's four 3x3 stride-1 layers at full size, chosen automatically
 * (checked against the reference; the interpreter would take minutes): the
 * 7x7 layer has too few tiles and stays direct. */
TEST(resnet_layers_auto) {
    static const wcase cs[] = {
        {1, 64, 56, 56, 64, 1, 1, 1, 1},
        {1, 128, 28, 28, 128, 1, 1, 1, 1},
        {1, 256, 14, 14, 256, 1, 1, 1, 1},
        {1, 512, 7, 7, 512, 1, 1, 1, 1},
    };
    for (int k = 0; k < 4; k++) check_case(&cs[k], TVM_CONV_ALGO_AUTO, PLAIN, false, k < 3 ? 4 : 0, k);
}

/* Odd sizes with Winograd forced: outputs that are not whole tiles, pads 0,
 * 1, 2 and asymmetric, channels off the 16-blocks, batch 2; against the
 * reference and the interpreter. F(4x4) unless the output is narrower. */
TEST(odd_sizes_forced) {
    static const wcase cs[] = {
        /* N  C   H   W   O  pt pl pb pr */
        {1, 3, 7, 7, 4, 1, 1, 1, 1},
        {1, 17, 9, 11, 20, 0, 0, 0, 0},
        {2, 5, 10, 13, 33, 2, 2, 2, 2},
        {1, 16, 6, 5, 16, 1, 2, 0, 1},
        {2, 64, 7, 7, 48, 1, 1, 1, 1},
        {1, 24, 13, 17, 8, 0, 1, 2, 0},
        {1, 7, 4, 4, 9, 0, 0, 0, 0}, /* a 2x2 output: F(2x2) */
        {1, 9, 3, 9, 5, 1, 0, 0, 0}, /* 2x7 */
    };
    for (int k = 0; k < (int)(sizeof cs / sizeof cs[0]); k++) {
        int tile = out_h(&cs[k]) >= 4 && out_w(&cs[k]) >= 4 ? 4 : 2;
        check_case(&cs[k], TVM_CONV_ALGO_WINOGRAD, PLAIN, true, tile, k);
    }
}

/* ResNet's channel counts on small images, bias + batch norm + residual +
 * ReLU after the convolution: the epilogue joins the output transform (no
 * separate kernel stores the convolution) and the values match. */
TEST(fused_epilogue) {
    static const wcase cs[] = {
        {1, 64, 16, 16, 64, 1, 1, 1, 1},
        {2, 128, 15, 13, 128, 1, 1, 1, 1},
    };
    for (int k = 0; k < 2; k++) check_case(&cs[k], TVM_CONV_ALGO_AUTO, FUSED, true, 4, 20 + k);
}

/* TVM_CONV_ALGO_DIRECT: direct summation, the same bits as a convolution
 * whose weights are a placeholder (never routed to Winograd), which the
 * automatic choice would have sent to Winograd (different bits). */
TEST(force_direct) {
    const wcase c = {1, 64, 16, 16, 64, 1, 1, 1, 1};
    operands d;
    CHECK_OR_RETURN(operands_make(&c, &d, 7));
    bool wino[3] = {true, false, true};
    tt_tensor *direct = run(&c, TVM_CONV_ALGO_DIRECT, PLAIN, "llvm", &d, &wino[0]);
    tt_tensor *autom = run(&c, TVM_CONV_ALGO_AUTO, PLAIN, "llvm", &d, &wino[1]);
    /* the same convolution with placeholder weights */
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_tensor in[2];
    in[0] = tvm_placeholder(g, "x", TVM_FLOAT32, 4,
                            (tvm_expr[]){tvm_const_int(g, TVM_INT64, 1),
                                         tvm_const_int(g, TVM_INT64, 64),
                                         tvm_const_int(g, TVM_INT64, 16),
                                         tvm_const_int(g, TVM_INT64, 16)});
    in[1] = tvm_placeholder(g, "w", TVM_FLOAT32, 4,
                            (tvm_expr[]){tvm_const_int(g, TVM_INT64, 64),
                                         tvm_const_int(g, TVM_INT64, 64),
                                         tvm_const_int(g, TVM_INT64, 3),
                                         tvm_const_int(g, TVM_INT64, 3)});
    tvm_conv_attrs at = {.struct_size = sizeof at, .pads = {1, 1, 1, 1}};
    tvm_tensor y = tvm_op_conv2d(g, in[0], in[1], (tvm_tensor){0}, &at);
    tt_tensor *plain = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 64, 16, 16));
    tvm_compile_options o = tt_options("llvm", 0, 0);
    CHECK_OK(tt_compile_run(g, 2, in, 1, &y, &o, (tt_tensor *[]){d.x, d.w, plain}));
    tvm_graph_destroy(g);
    CHECK_OR_RETURN(direct && autom && plain);
    CHECK(!wino[0] && wino[1]);
    int64_t i = tt_first_bit_diff(direct, plain);
    CHECK_MSG(i < 0, "forced direct differs from direct: %s", tt_describe_diff(direct, plain, i));
    CHECK(tt_first_bit_diff(autom, plain) >= 0);
    CHECK(max_err(&c, PLAIN, &d, direct) <= TOL_DIRECT);
    CHECK(max_err(&c, PLAIN, &d, autom) <= TOL_F4);
    tt_free(direct);
    tt_free(autom);
    tt_free(plain);
    operands_free(&d);
}

/* A symbolic batch: the stages carry it as a size variable; called with
 * batch 2. */
TEST(symbolic_batch) {
    const wcase c = {2, 16, 9, 10, 24, 1, 1, 1, 1};
    operands d;
    CHECK_OR_RETURN(operands_make(&c, &d, 41));
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_expr dims[4] = {tvm_size_var(g, "n"), tvm_const_int(g, TVM_INT64, c.C),
                        tvm_const_int(g, TVM_INT64, c.H), tvm_const_int(g, TVM_INT64, c.W)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, dims);
    tvm_tensor w = tvm_constant(g, "w", TVM_FLOAT32, 4, TT_SHAPE(c.O, c.C, 3, 3), d.w->dl.data);
    tvm_conv_attrs at = {.struct_size = sizeof at, .pads = {1, 1, 1, 1},
                         .algorithm = TVM_CONV_ALGO_WINOGRAD};
    tvm_tensor y = tvm_op_conv2d(g, x, w, (tvm_tensor){0}, &at);
    tt_tensor *out = tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(c.N, c.O, out_h(&c), out_w(&c)));
    tvm_compile_options o = tt_options("llvm", 0, 0);
    CHECK_OK(tvm_graph_status(g));
    CHECK(out && tt_compile_run(g, 1, &x, 1, &y, &o, (tt_tensor *[]){d.x, out}) == TVM_OK);
    tvm_graph_destroy(g);
    if (out) {
        double e = max_err(&c, PLAIN, &d, out);
        CHECK_MSG(e <= TOL_F4, "symbolic batch: error %.3g > %.3g", e, TOL_F4);
    }
    tt_free(out);
    operands_free(&d);
}

/* An attrs struct from before the algorithm field reads it as AUTO; an
 * unknown algorithm is an error naming the field. */
TEST(algorithm_attr) {
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_expr d4[4] = {tvm_const_int(g, TVM_INT64, 1), tvm_const_int(g, TVM_INT64, 8),
                      tvm_const_int(g, TVM_INT64, 6), tvm_const_int(g, TVM_INT64, 6)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, d4);
    float wv[8 * 8 * 9] = {0};
    tvm_tensor w = tvm_constant(g, "w", TVM_FLOAT32, 4, TT_SHAPE(8, 8, 3, 3), wv);
    tvm_conv_attrs old = {.struct_size = offsetof(tvm_conv_attrs, algorithm)};
    CHECK(tvm_op_conv2d(g, x, w, (tvm_tensor){0}, &old).id != 0);
    CHECK_OK(tvm_graph_status(g));
    tvm_conv_attrs bad = {.struct_size = sizeof bad, .algorithm = 3};
    CHECK(tvm_op_conv2d(g, x, w, (tvm_tensor){0}, &bad).id == 0);
    CHECK(tvm_graph_status(g) == TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "attrs->algorithm") != NULL);
    tvm_graph_destroy(g);
}

CHECK_MAIN()
