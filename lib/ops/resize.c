/* resize.c — ONNX Resize to a given output shape: nearest (four rounding
 * modes) or linear (separable, every resized dim), with the four
 * coordinate transformations of the ONNX spec.
 *
 * For result index x along a dim resized from length `in` to `out`
 * (scale = out / in, all in float64 as the ONNX reference computes):
 *   half_pixel          (x + 0.5) / scale - 0.5
 *   asymmetric          x / scale
 *   align_corners       out == 1 ? 0 : x * (in - 1) / (out - 1)
 *   pytorch_half_pixel  out == 1 ? 0 : (x + 0.5) / scale - 0.5
 * Source indices are clamped into [0, in - 1], which is what the reference's
 * edge padding amounts to. Linear interpolation weighs the two neighbours
 * floor(c) and floor(c) + 1 by 1 - t and t (t = c - floor(c)), dim by dim
 * from the innermost resized dim outwards, in float32 (float64 for float64
 * data; float16 / bfloat16 are computed in float32 and rounded). Nearest
 * copies the element, so it is exact in every float dtype.
 *
 * The clamps are min/max of the index, which the bounds pass proves in
 * range, so no read is checked at run time. */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* Linear interpolation reads 2^k elements for k resized dims. */
#define MAX_LINEAR_DIMS 8

static tvm_expr f64(tvm_graph *g, double v) { return tvm_const_float(g, TVM_FLOAT64, v); }

/* The source coordinate of result index `it` along one dim. */
static tvm_expr source_coord(tvm_graph *g, tvm_resize_coord coord, tvm_expr it, tvm_expr in,
                             int64_t out) {
    tvm_expr x = tvm_cast(g, TVM_FLOAT64, it);
    int64_t n;
    tvm_expr inf = op_const_value(g, in, &n) ? f64(g, (double)n) : tvm_cast(g, TVM_FLOAT64, in);
    tvm_expr scale = tvm_div(g, f64(g, (double)out), inf);
    switch (coord) {
    case TVM_COORD_ASYMMETRIC:
        return tvm_div(g, x, scale);
    case TVM_COORD_ALIGN_CORNERS:
        if (out == 1) return f64(g, 0);
        return tvm_div(g, tvm_mul(g, x, tvm_sub(g, inf, f64(g, 1))), f64(g, (double)(out - 1)));
    case TVM_COORD_PYTORCH_HALF_PIXEL:
        if (out == 1) return f64(g, 0);
        __attribute__((fallthrough));
    case TVM_COORD_HALF_PIXEL:
    default:
        return tvm_sub(g, tvm_div(g, tvm_add(g, x, f64(g, 0.5)), scale), f64(g, 0.5));
    }
}

/* i clamped into [0, in - 1]. */
static tvm_expr clamp_index(tvm_graph *g, const char *fn, tvm_expr i, tvm_expr in) {
    tvm_expr last = op_dim_add_const(g, fn, in, -1);
    return tvm_max(g, tvm_min(g, i, last), op_i64(g, 0));
}

static tvm_expr nearest_index(tvm_graph *g, const char *fn, tvm_resize_nearest mode, tvm_expr c,
                              tvm_expr in) {
    tvm_expr fl = tvm_floor(g, c), r;
    switch (mode) {
    case TVM_NEAREST_ROUND_PREFER_CEIL:
        r = tvm_select(g, tvm_ge(g, tvm_sub(g, c, fl), f64(g, 0.5)), tvm_add(g, fl, f64(g, 1)), fl);
        break;
    case TVM_NEAREST_FLOOR: r = fl; break;
    case TVM_NEAREST_CEIL: r = tvm_ceil(g, c); break;
    case TVM_NEAREST_ROUND_PREFER_FLOOR:
    default:
        r = tvm_select(g, tvm_gt(g, tvm_sub(g, c, fl), f64(g, 0.5)), tvm_add(g, fl, f64(g, 1)), fl);
        break;
    }
    return clamp_index(g, fn, tvm_cast(g, TVM_INT64, r), in);
}

/* What linear interpolation needs per resized dim. */
typedef struct lin_dim {
    int dim;
    tvm_expr i0, i1; /* clamped neighbour indices */
    tvm_expr w0, w1; /* their weights, in the compute dtype */
} lin_dim;

static tvm_expr interpolate(tvm_graph *g, tvm_tensor x, int ct, const lin_dim *ld, int k,
                            int nlin, tvm_expr *idx) {
    if (k == nlin) return tvm_cast(g, (tvm_dtype)ct, tvm_load(g, x, idx));
    idx[ld[k].dim] = ld[k].i0;
    tvm_expr a = interpolate(g, x, ct, ld, k + 1, nlin, idx);
    idx[ld[k].dim] = ld[k].i1;
    tvm_expr b = interpolate(g, x, ct, ld, k + 1, nlin, idx);
    return tvm_add(g, tvm_mul(g, ld[k].w0, a), tvm_mul(g, ld[k].w1, b));
}

TVMC_API tvm_tensor tvm_op_resize(tvm_graph *g, tvm_tensor x, const int64_t *out_shape,
                                  tvm_resize_mode mode, tvm_resize_coord coord,
                                  tvm_resize_nearest nearest) {
    const char *fn = "tvm_op_resize";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if ((int)mode < TVM_RESIZE_NEAREST || (int)mode > TVM_RESIZE_LINEAR) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: mode %d is not a tvm_resize_mode", fn,
                   (int)mode);
        return NULL_TENSOR;
    }
    if ((int)coord < TVM_COORD_HALF_PIXEL || (int)coord > TVM_COORD_PYTORCH_HALF_PIXEL) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: coord %d is not a tvm_resize_coord", fn,
                   (int)coord);
        return NULL_TENSOR;
    }
    if ((int)nearest < TVM_NEAREST_ROUND_PREFER_FLOOR || (int)nearest > TVM_NEAREST_CEIL) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: nearest %d is not a tvm_resize_nearest",
                   fn, (int)nearest);
        return NULL_TENSOR;
    }
    if (!dtype_is_float(a.dtype)) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: x is %s; resize takes floating-point tensors", fn,
                   dtype_name(a.dtype));
        return NULL_TENSOR;
    }
    if (r > 0 && !out_shape) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: out_shape is NULL but x has rank %d", fn, r);
        return NULL_TENSOR;
    }
    op_shape out = {.ndim = r};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    lin_dim ld[TVM_MAX_NDIM];
    int nlin = 0;
    op_iters(g, r, iters);
    for (int d = 0; d < r; d++) {
        int64_t o = out_shape[d], n;
        tvm_expr in = a.shape.dims[d];
        bool known = op_const_value(g, in, &n);
        if (o < 1) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: out_shape[%d] is %lld; it must be >= 1", fn, d,
                       (long long)o);
            return NULL_TENSOR;
        }
        if (known && n == 0) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: dim %d of x is 0; there is nothing to resize "
                       "from", fn, d);
            return NULL_TENSOR;
        }
        out.dims[d] = op_i64(g, o);
        idx[d] = iters[d];
        if (known && n == o) continue; /* every transformation is the identity here */
        tvm_expr c = source_coord(g, coord, iters[d], in, o);
        if (mode == TVM_RESIZE_NEAREST) {
            idx[d] = nearest_index(g, fn, nearest, c, in);
            continue;
        }
        if (nlin == MAX_LINEAR_DIMS) {
            graph_fail(g, TVM_ERR_UNSUPPORTED, "%s: linear resize of more than %d dims (it "
                       "reads 2^dims elements per result)", fn, MAX_LINEAR_DIMS);
            return NULL_TENSOR;
        }
        tvm_expr fl = tvm_floor(g, c);
        tvm_expr t = tvm_sub(g, c, fl);
        tvm_expr i0 = tvm_cast(g, TVM_INT64, fl);
        int ct = a.dtype == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32;
        ld[nlin] = (lin_dim){
            .dim = d,
            .i0 = clamp_index(g, fn, i0, in),
            .i1 = clamp_index(g, fn, tvm_add(g, i0, op_i64(g, 1)), in),
            .w0 = tvm_cast(g, (tvm_dtype)ct, tvm_sub(g, f64(g, 1), t)),
            .w1 = tvm_cast(g, (tvm_dtype)ct, t),
        };
        nlin++;
    }
    if (g->status != TVM_OK) return NULL_TENSOR;
    tvm_expr body;
    if (nlin == 0) {
        body = tvm_load(g, a.t, idx);
    } else {
        int ct = a.dtype == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32;
        body = tvm_cast(g, a.dtype, interpolate(g, a.t, ct, ld, 0, nlin, idx));
    }
    if (g->status != TVM_OK) return NULL_TENSOR;
    return op_result(g, tvm_compute(g, "resize", r, out.dims, iters, body));
}
