/* pool.c — pooling operators of the operator library: tvm_op_max_pool2d,
 * tvm_op_avg_pool2d and tvm_op_global_pool2d, NCHW or NHWC.
 *
 * Like the convolutions, each is one compute reducing over a window whose
 * padded taps are guarded with tvm_select (never read): max pooling sees the
 * dtype's lowest value there, average pooling sees 0 and divides by the
 * number of taps that count (the padded window with count_include_pad,
 * only the taps inside the input without). That count is computed in
 * closed form from the output position instead of a second reduction. */
#include <math.h>

#include "window.h"

/* The identity of max: what a padded tap contributes. */
static tvm_expr lowest(tvm_graph *g, tvm_dtype dt) {
    switch (dt) {
    case TVM_INT8: return tvm_const_int(g, dt, INT8_MIN);
    case TVM_INT16: return tvm_const_int(g, dt, INT16_MIN);
    case TVM_INT32: return tvm_const_int(g, dt, INT32_MIN);
    case TVM_INT64: return tvm_const_int(g, dt, INT64_MIN);
    case TVM_UINT8: return tvm_const_int(g, dt, 0);
    default: return tvm_const_float(g, dt, -INFINITY);
    }
}

/* Dtype rule of the pools: max takes any number, averages need floats (an
 * integer mean would have to pick a rounding ONNX does not define). */
static bool pool_dtype(tvm_graph *g, const char *fn, const op_arg *X, bool need_float) {
    if (X->dtype == TVM_BOOL || (need_float && !dtype_is_float(X->dtype))) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: 'x' is %s; this pool needs a %s dtype", fn,
                   dtype_name(X->dtype), need_float ? "floating-point" : "numeric (not bool)");
        return false;
    }
    return true;
}

static bool pool_layout(tvm_graph *g, const char *fn, const char *what, int32_t layout) {
    if (layout == TVM_LAYOUT_NCHW || layout == TVM_LAYOUT_NHWC) return true;
    graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s is %d; it must be TVM_LAYOUT_NCHW (0) or "
               "TVM_LAYOUT_NHWC (1)", fn, what, layout);
    return false;
}

/* How many taps of the window at output o fall in [lo, hi): the int64
 * expression max(0, last - first + 1) with first/last the extreme taps
 * inside, or the constant kernel when every window is whole. */
static tvm_expr tap_count(tvm_graph *g, const op_window *w, tvm_expr o, int64_t lo, int64_t hi) {
    __int128 last_tap = (__int128)(w->out - 1) * w->stride + (__int128)(w->kernel - 1) *
                        w->dilation - w->pad_lo;
    if (-w->pad_lo >= lo && last_tap < hi) return op_i64(g, w->kernel);
    int64_t d = w->dilation;
    tvm_expr start = op_add_const(g, op_mul_const(g, o, w->stride), -w->pad_lo);
    /* first = max(0, ceil((lo - start) / d)), last = min(K-1, floor((hi-1-start) / d)) */
    tvm_expr a = tvm_sub(g, op_i64(g, lo), start);
    tvm_expr b = tvm_sub(g, op_i64(g, hi - 1), start);
    if (d > 1) {
        a = tvm_floordiv(g, op_add_const(g, a, d - 1), op_i64(g, d));
        b = tvm_floordiv(g, b, op_i64(g, d));
    }
    tvm_expr first = tvm_max(g, a, op_i64(g, 0));
    tvm_expr last = tvm_min(g, b, op_i64(g, w->kernel - 1));
    return tvm_max(g, op_add_const(g, tvm_sub(g, last, first), 1), op_i64(g, 0));
}

static tvm_tensor pool2d(tvm_graph *g, const char *fn, const char *name, tvm_tensor x,
                         const tvm_pool_attrs *attrs, bool is_max) {
    op_arg X;
    tvm_pool_attrs a;
    if (!op_tensor(g, fn, "x", x, &X) ||
        !op_read_attrs(g, fn, "attrs", attrs, sizeof a, &a) ||
        !pool_layout(g, fn, "attrs->layout", a.layout))
        return (tvm_tensor){0};
    if (a.pad_ != 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->pad_ is %d; it is reserved and "
                   "must be 0", fn, a.pad_);
        return (tvm_tensor){0};
    }
    if (X.shape.ndim != 4) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'x' has %d dims; it must have 4", fn, X.shape.ndim);
        return (tvm_tensor){0};
    }
    if (!pool_dtype(g, fn, &X, !is_max)) return (tvm_tensor){0};
    bool nhwc = a.layout == TVM_LAYOUT_NHWC;
    int xs = nhwc ? 1 : 2, xc = nhwc ? 3 : 1;
    op_window win[2];
    for (int d = 0; d < 2; d++) {
        op_window *v = &win[d];
        if (a.kernel[d] < 1) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->kernel[%d] is %lld; it must be "
                       ">= 1", fn, d, (long long)a.kernel[d]);
            return (tvm_tensor){0};
        }
        if (a.strides[d] < 0 || a.dilations[d] < 0) {
            bool s = a.strides[d] < 0;
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->%s[%d] is %lld; it must be >= 1 "
                       "(or 0 for 1)", fn, s ? "strides" : "dilations", d,
                       (long long)(s ? a.strides[d] : a.dilations[d]));
            return (tvm_tensor){0};
        }
        if (a.pads[d] < 0 || a.pads[2 + d] < 0) {
            int k = a.pads[d] < 0 ? d : 2 + d;
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->pads[%d] is %lld; pads must be "
                       ">= 0", fn, k, (long long)a.pads[k]);
            return (tvm_tensor){0};
        }
        if (!op_const_dim(g, fn, "x", xs + d, X.shape.dims[xs + d], &v->in))
            return (tvm_tensor){0};
        v->kernel = a.kernel[d];
        v->stride = a.strides[d] ? a.strides[d] : 1;
        v->dilation = a.dilations[d] ? a.dilations[d] : 1;
        v->pad_lo = a.pads[d];
        v->pad_hi = a.pads[2 + d];
        if (!op_window_init(g, fn, d, v, a.ceil_mode != 0)) return (tvm_tensor){0};
    }

    tvm_expr it[4], shape[4], xi[4], guard = {0};
    op_iters(g, 4, it);
    shape[0] = X.shape.dims[0];
    shape[xc] = X.shape.dims[xc]; /* channels pass through and may be symbolic */
    xi[0] = it[0];
    xi[xc] = it[xc];
    tvm_expr axes[2];
    for (int d = 0; d < 2; d++) {
        shape[xs + d] = op_i64(g, win[d].out);
        axes[d] = tvm_reduce_axis(g, d ? "rw" : "rh", op_i64(g, win[d].kernel));
        tvm_expr gd;
        xi[xs + d] = op_window_index(g, &win[d], it[xs + d], axes[d], &gd);
        guard = op_and(g, guard, gd);
    }
    tvm_expr xv = tvm_load(g, x, xi), body;
    if (is_max) {
        if (guard.id) xv = tvm_select(g, guard, xv, lowest(g, X.dtype));
        body = tvm_reduce(g, TVM_REDUCE_MAX, xv, 2, axes);
    } else {
        if (guard.id) xv = tvm_select(g, guard, xv, tvm_const_int(g, X.dtype, 0));
        tvm_expr cnt = {0};
        for (int d = 0; d < 2; d++) {
            const op_window *v = &win[d];
            /* taps that count: the padded extent, or only the input */
            int64_t lo = a.count_include_pad ? -v->pad_lo : 0;
            int64_t hi = a.count_include_pad ? v->in + v->pad_hi : v->in;
            tvm_expr c = tap_count(g, v, it[xs + d], lo, hi);
            int64_t cv, prev;
            if (!cnt.id) cnt = c;
            else if (op_const_value(g, c, &cv) && op_const_value(g, cnt, &prev))
                cnt = op_i64(g, cv * prev);
            else cnt = tvm_mul(g, cnt, c);
        }
        body = tvm_div(g, tvm_sum(g, xv, 2, axes), tvm_cast(g, X.dtype, cnt));
    }
    return op_result(g, tvm_compute(g, name, 4, shape, it, body));
}

TVMC_API tvm_tensor tvm_op_max_pool2d(tvm_graph *g, tvm_tensor x, const tvm_pool_attrs *attrs) {
    return pool2d(g, "tvm_op_max_pool2d", "max_pool2d", x, attrs, true);
}

TVMC_API tvm_tensor tvm_op_avg_pool2d(tvm_graph *g, tvm_tensor x, const tvm_pool_attrs *attrs) {
    return pool2d(g, "tvm_op_avg_pool2d", "avg_pool2d", x, attrs, false);
}

TVMC_API tvm_tensor tvm_op_global_pool2d(tvm_graph *g, tvm_tensor x, tvm_op_reduce_kind op,
                                         tvm_layout layout) {
    static const char fn[] = "tvm_op_global_pool2d";
    op_arg X;
    if (!op_tensor(g, fn, "x", x, &X) || !pool_layout(g, fn, "layout", (int32_t)layout))
        return (tvm_tensor){0};
    if (op != TVM_OP_MAX && op != TVM_OP_MEAN) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: op is %d; it must be TVM_OP_MAX or "
                   "TVM_OP_MEAN", fn, (int)op);
        return (tvm_tensor){0};
    }
    if (X.shape.ndim != 4) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'x' has %d dims; it must have 4", fn, X.shape.ndim);
        return (tvm_tensor){0};
    }
    if (!pool_dtype(g, fn, &X, op == TVM_OP_MEAN)) return (tvm_tensor){0};
    bool nhwc = layout == TVM_LAYOUT_NHWC;
    int xs = nhwc ? 1 : 2, xc = nhwc ? 3 : 1;
    tvm_expr it[4], shape[4], xi[4], axes[2];
    op_iters(g, 4, it);
    shape[0] = X.shape.dims[0];
    shape[xc] = X.shape.dims[xc];
    xi[0] = it[0];
    xi[xc] = it[xc];
    /* H and W may be symbolic: the reduction extents are just the dims */
    for (int d = 0; d < 2; d++) {
        shape[xs + d] = op_i64(g, 1);
        axes[d] = tvm_reduce_axis(g, d ? "rw" : "rh", X.shape.dims[xs + d]);
        xi[xs + d] = axes[d];
    }
    tvm_expr xv = tvm_load(g, x, xi), body;
    if (op == TVM_OP_MAX) {
        body = tvm_reduce(g, TVM_REDUCE_MAX, xv, 2, axes);
    } else {
        tvm_expr n = op_numel(g, &X.shape, xs, xs + 2);
        body = tvm_div(g, tvm_sum(g, xv, 2, axes), tvm_cast(g, X.dtype, n));
    }
    return op_result(g, tvm_compute(g, "global_pool2d", 4, shape, it, body));
}
