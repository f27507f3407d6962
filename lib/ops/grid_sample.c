/* grid_sample.c — ONNX GridSample (opset 16): x [N, C, H, W] sampled at the
 * normalised locations grid [N, Ho, Wo, 2] (x then y, -1 .. 1), giving
 * [N, C, Ho, Wo], with bilinear, nearest or bicubic interpolation and
 * zeros, border or reflection padding.
 *
 * A grid value g becomes a pixel coordinate of a dim of length `size`:
 *   align_corners = 1   (g + 1) / 2 * (size - 1)   (-1, 1: the corner centres)
 *   align_corners = 0   ((g + 1) * size - 1) / 2   (-1, 1: the corner edges)
 * Bilinear and nearest pad the coordinate itself (border clamps it into
 * [0, size - 1]; reflection folds it back over the image's extent, then
 * clamps); bicubic pads each of its 16 taps instead, as the ONNX and PyTorch
 * definitions do. Whatever tap still lies outside the image reads 0 (with
 * zeros padding that is the padding; otherwise only taps of weight 0 get
 * there), and so does a NaN coordinate. Nearest rounds half to even. Bicubic is cubic convolution with
 * A = -0.75.
 *
 * Coordinates and weights are computed in float32 (float64 for float64 x).
 * Tap indices come from data, so every read is guarded twice: the select
 * reads only in-bounds taps, and the index is clamped into the image so the
 * bounds pass proves the load in range without a run-time check. The float
 * coordinate is clamped to a few pixels around the image before its int64
 * conversion, which keeps huge or infinite grid values defined (those taps
 * are outside either way). */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

#define BICUBIC_A (-0.75)

typedef struct gs_ctx {
    tvm_graph *g;
    const char *fn;
    tvm_tensor x;
    tvm_dtype ct;              /* compute dtype */
    tvm_grid_sample_padding pad;
    bool align;
    tvm_expr n, c;             /* result iterators that index x directly */
    tvm_expr dim[2];           /* H, W (int64 dims of x) */
    tvm_expr fdim[2];          /* the same as ct values */
} gs_ctx;

static tvm_expr fc(const gs_ctx *s, double v) { return tvm_const_float(s->g, s->ct, v); }

/* grid value v along dim d -> pixel coordinate */
static tvm_expr unnormalize(const gs_ctx *s, tvm_expr v, int d) {
    tvm_graph *g = s->g;
    tvm_expr p1 = tvm_add(g, v, fc(s, 1));
    if (s->align) return tvm_mul(g, tvm_div(g, p1, fc(s, 2)), tvm_sub(g, s->fdim[d], fc(s, 1)));
    return tvm_div(g, tvm_sub(g, tvm_mul(g, p1, s->fdim[d]), fc(s, 1)), fc(s, 2));
}

/* v clamped into [lo, hi] (max / min, so NaN stays NaN) */
static tvm_expr clampf(const gs_ctx *s, tvm_expr v, tvm_expr lo, tvm_expr hi) {
    return tvm_max(s->g, tvm_min(s->g, v, hi), lo);
}

/* Folds v back into [lo, hi] (lo = twice_lo / 2, hi = twice_hi / 2) as a
 * mirror would: every crossing of an edge flips the direction. */
static tvm_expr reflect(const gs_ctx *s, tvm_expr v, tvm_expr twice_lo, tvm_expr twice_hi) {
    tvm_graph *g = s->g;
    tvm_expr lo = tvm_div(g, twice_lo, fc(s, 2));
    tvm_expr span = tvm_div(g, tvm_sub(g, twice_hi, twice_lo), fc(s, 2));
    tvm_expr a = tvm_abs(g, tvm_sub(g, v, lo));
    /* a size-1 dim under align_corners has span 0: everything maps to 0;
     * the select keeps the division by 0 from being evaluated */
    tvm_expr safe = tvm_select(g, tvm_eq(g, span, fc(s, 0)), fc(s, 1), span);
    tvm_expr extra = tvm_floormod(g, a, safe);
    tvm_expr flips = tvm_floor(g, tvm_div(g, a, safe));
    tvm_expr even = tvm_eq(g, tvm_floormod(g, flips, fc(s, 2)), fc(s, 0));
    tvm_expr r = tvm_select(g, even, tvm_add(g, extra, lo), tvm_add(g, tvm_sub(g, safe, extra), lo));
    return tvm_select(g, tvm_eq(g, span, fc(s, 0)), fc(s, 0), r);
}

/* Padding of a coordinate along dim d (the identity for zeros). */
static tvm_expr pad_coord(const gs_ctx *s, tvm_expr v, int d) {
    tvm_graph *g = s->g;
    if (s->pad == TVM_GRID_PAD_ZEROS) return v;
    tvm_expr last = tvm_sub(g, s->fdim[d], fc(s, 1));
    if (s->pad == TVM_GRID_PAD_REFLECTION) {
        if (s->align)
            v = reflect(s, v, fc(s, 0), tvm_mul(g, last, fc(s, 2)));
        else
            v = reflect(s, v, fc(s, -1), tvm_sub(g, tvm_mul(g, s->fdim[d], fc(s, 2)), fc(s, 1)));
    }
    return clampf(s, v, fc(s, 0), last);
}

/* w * x[n, c, y, x] at integral float coordinates; 0 outside the image,
 * whatever the weight (an infinite coordinate has a NaN weight) and for a
 * NaN coordinate. w null: weight 1. */
static tvm_expr tap(const gs_ctx *s, tvm_expr fy, tvm_expr fx, tvm_expr w) {
    tvm_graph *g = s->g;
    tvm_expr f[2] = {fy, fx}, idx[4] = {s->n, s->c}, inside = {0};
    for (int d = 0; d < 2; d++) {
        tvm_expr v = clampf(s, f[d], fc(s, -4), tvm_add(g, s->fdim[d], fc(s, 4)));
        tvm_expr i = tvm_cast(g, TVM_INT64, v);
        tvm_expr last = op_dim_add_const(g, s->fn, s->dim[d], -1);
        tvm_expr in = tvm_and(g, tvm_eq(g, v, v), /* not NaN */
                              tvm_and(g, tvm_ge(g, i, op_i64(g, 0)), tvm_le(g, i, last)));
        inside = d ? tvm_and(g, inside, in) : in;
        idx[2 + d] = tvm_max(g, tvm_min(g, i, last), op_i64(g, 0));
    }
    tvm_expr v = tvm_cast(g, s->ct, tvm_load(g, s->x, idx));
    return tvm_select(g, inside, w.id ? tvm_mul(g, w, v) : v, fc(s, 0));
}

/* Round half to even (floor(v + 0.5), one less on an odd integer reached
 * from exactly halfway). */
static tvm_expr round_even(const gs_ctx *s, tvm_expr v) {
    tvm_graph *g = s->g;
    tvm_expr r = tvm_floor(g, tvm_add(g, v, fc(s, 0.5)));
    tvm_expr half = tvm_eq(g, tvm_sub(g, r, v), fc(s, 0.5));
    tvm_expr odd = tvm_ne(g, tvm_floormod(g, r, fc(s, 2)), fc(s, 0));
    return tvm_select(g, tvm_and(g, half, odd), tvm_sub(g, r, fc(s, 1)), r);
}

/* Cubic convolution weights of the taps -1, 0, 1, 2 at fraction t, with
 * the kernel's polynomials factored at their roots:
 *   |d| <= 1:     (A + 2)|d|^3 - (A + 3)|d|^2 + 1 = (|d| - 1)((A + 2)|d|^2 - |d| - 1)
 *   1 < |d| < 2:  A(|d|^3 - 5|d|^2 + 8|d| - 4)   = A(|d| - 1)(|d| - 2)^2
 * so a weight near 0 is a product of small factors, not O(1) terms that
 * cancel (which in float32 left ~1e-6 of absolute error). */
static void cubic_weights(const gs_ctx *s, tvm_expr t, tvm_expr w[4]) {
    tvm_graph *g = s->g;
    tvm_expr u = tvm_sub(g, fc(s, 1), t); /* 1 - t */
    /* d = t + 1 and d = 2 - t: A t (1 - t)^2 and A (1 - t) t^2 */
    w[0] = tvm_mul(g, fc(s, BICUBIC_A), tvm_mul(g, t, tvm_mul(g, u, u)));
    w[3] = tvm_mul(g, fc(s, BICUBIC_A), tvm_mul(g, u, tvm_mul(g, t, t)));
    /* d = t and d = 1 - t: (d - 1)((A + 2) d^2 - d - 1) */
    tvm_expr d[2] = {t, u};
    for (int k = 0; k < 2; k++) {
        tvm_expr q = tvm_sub(g, tvm_sub(g, tvm_mul(g, fc(s, BICUBIC_A + 2), tvm_mul(g, d[k], d[k])),
                                        d[k]), fc(s, 1));
        w[1 + k] = tvm_mul(g, tvm_sub(g, d[k], fc(s, 1)), q);
    }
}

static tvm_expr bilinear(const gs_ctx *s, tvm_expr py, tvm_expr px) {
    tvm_graph *g = s->g;
    tvm_expr y0 = tvm_floor(g, py), x0 = tvm_floor(g, px);
    tvm_expr ty = tvm_sub(g, py, y0), tx = tvm_sub(g, px, x0);
    tvm_expr y1 = tvm_add(g, y0, fc(s, 1)), x1 = tvm_add(g, x0, fc(s, 1));
    tvm_expr uy = tvm_sub(g, fc(s, 1), ty), ux = tvm_sub(g, fc(s, 1), tx);
    tvm_expr top = tvm_add(g, tap(s, y0, x0, tvm_mul(g, uy, ux)), tap(s, y0, x1, tvm_mul(g, uy, tx)));
    tvm_expr bot = tvm_add(g, tap(s, y1, x0, tvm_mul(g, ty, ux)), tap(s, y1, x1, tvm_mul(g, ty, tx)));
    return tvm_add(g, top, bot);
}

static tvm_expr bicubic(const gs_ctx *s, tvm_expr iy, tvm_expr ix) {
    tvm_graph *g = s->g;
    tvm_expr y0 = tvm_floor(g, iy), x0 = tvm_floor(g, ix);
    tvm_expr wy[4], wx[4], ty[4], tx[4];
    cubic_weights(s, tvm_sub(g, iy, y0), wy);
    cubic_weights(s, tvm_sub(g, ix, x0), wx);
    for (int k = 0; k < 4; k++) {
        ty[k] = pad_coord(s, tvm_add(g, y0, fc(s, k - 1)), 0);
        tx[k] = pad_coord(s, tvm_add(g, x0, fc(s, k - 1)), 1);
    }
    tvm_expr sum = {0};
    for (int i = 0; i < 4; i++) {
        tvm_expr row = {0};
        for (int j = 0; j < 4; j++) {
            tvm_expr t = tap(s, ty[i], tx[j], tvm_mul(g, wy[i], wx[j]));
            row = j ? tvm_add(g, row, t) : t;
        }
        sum = i ? tvm_add(g, sum, row) : row;
    }
    return sum;
}

TVMC_API tvm_tensor tvm_op_grid_sample(tvm_graph *g, tvm_tensor x, tvm_tensor grid,
                                       tvm_grid_sample_mode mode,
                                       tvm_grid_sample_padding padding, int align_corners) {
    const char *fn = "tvm_op_grid_sample";
    op_arg a, gr;
    if (!op_tensor(g, fn, "x", x, &a) || !op_tensor(g, fn, "grid", grid, &gr)) return NULL_TENSOR;
    if ((int)mode < TVM_GRID_SAMPLE_BILINEAR || (int)mode > TVM_GRID_SAMPLE_BICUBIC) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: mode %d is not a tvm_grid_sample_mode", fn,
                   (int)mode);
        return NULL_TENSOR;
    }
    if ((int)padding < TVM_GRID_PAD_ZEROS || (int)padding > TVM_GRID_PAD_REFLECTION) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: padding %d is not a "
                   "tvm_grid_sample_padding", fn, (int)padding);
        return NULL_TENSOR;
    }
    if (align_corners != 0 && align_corners != 1) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: align_corners is %d; it must be 0 or 1",
                   fn, align_corners);
        return NULL_TENSOR;
    }
    if (!op_check_dtype(g, fn, "x", a.dtype, OP_DT_FLOAT) ||
        !op_check_dtype(g, fn, "grid", gr.dtype, OP_DT_FLOAT))
        return NULL_TENSOR;
    if (a.shape.ndim != 4) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: x has rank %d; it must be 4 (N, C, H, W)", fn,
                   a.shape.ndim);
        return NULL_TENSOR;
    }
    if (gr.shape.ndim != 4) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: grid has rank %d; it must be 4 (N, H_out, W_out, 2)",
                   fn, gr.shape.ndim);
        return NULL_TENSOR;
    }
    int64_t two, nx, ng;
    if (!op_const_value(g, gr.shape.dims[3], &two) || two != 2) {
        char buf[32];
        op_describe_dim(g, gr.shape.dims[3], buf, sizeof buf);
        graph_fail(g, TVM_ERR_SHAPE, "%s: the last dim of grid is %s; it must be 2 (x, y)", fn,
                   buf);
        return NULL_TENSOR;
    }
    bool kx = op_const_value(g, a.shape.dims[0], &nx), kg = op_const_value(g, gr.shape.dims[0], &ng);
    if (!op_dim_equal(a.shape.dims[0], gr.shape.dims[0]) && !(kx && kg && nx == ng)) {
        char bx[32], bg[32];
        op_describe_dim(g, a.shape.dims[0], bx, sizeof bx);
        op_describe_dim(g, gr.shape.dims[0], bg, sizeof bg);
        graph_fail(g, TVM_ERR_SHAPE, "%s: x has batch %s but grid has batch %s", fn, bx, bg);
        return NULL_TENSOR;
    }
    gs_ctx s = {.g = g, .fn = fn, .x = a.t, .pad = padding, .align = align_corners == 1,
                .ct = a.dtype == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32};
    tvm_expr it[4]; /* n, c, h, w of the result */
    op_iters(g, 4, it);
    s.n = it[0], s.c = it[1];
    for (int d = 0; d < 2; d++) {
        s.dim[d] = a.shape.dims[2 + d];
        int64_t v;
        s.fdim[d] = op_const_value(g, s.dim[d], &v) ? fc(&s, (double)v)
                                                    : tvm_cast(g, s.ct, s.dim[d]);
    }
    /* grid[n, h, w, 0] is x (along W), [.., 1] is y (along H) */
    tvm_expr gi[4] = {it[0], it[2], it[3], op_i64(g, 0)};
    tvm_expr gx = tvm_cast(g, s.ct, tvm_load(g, gr.t, gi));
    gi[3] = op_i64(g, 1);
    tvm_expr gy = tvm_cast(g, s.ct, tvm_load(g, gr.t, gi));
    tvm_expr iy = unnormalize(&s, gy, 0), ix = unnormalize(&s, gx, 1), body;
    if (mode == TVM_GRID_SAMPLE_BICUBIC) {
        body = bicubic(&s, iy, ix);
    } else {
        iy = pad_coord(&s, iy, 0), ix = pad_coord(&s, ix, 1);
        body = mode == TVM_GRID_SAMPLE_NEAREST ? tap(&s, round_even(&s, iy), round_even(&s, ix),
                                                     (tvm_expr){0})
                                               : bilinear(&s, iy, ix);
    }
    body = tvm_cast(g, a.dtype, body);
    if (g->status != TVM_OK) return NULL_TENSOR;
    tvm_expr shape[4] = {a.shape.dims[0], a.shape.dims[1], gr.shape.dims[1], gr.shape.dims[2]};
    return op_result(g, tvm_compute(g, "grid_sample", 4, shape, it, body));
}
