/* conv.c — convolutions of the operator library: tvm_op_conv2d, tvm_op_conv1d
 * (one N-d implementation over 1 or 2 spatial dims) and
 * tvm_op_conv_transpose2d.
 *
 * Each op is a single compute whose body sums over the input channels of
 * the output channel's group and the kernel window. Padding is never
 * materialised in the graph (the llvm schedule, schedule_conv.c, makes its
 * own zero-padded copy of the input): reads that can fall into it are
 * guarded with tvm_select, so the fusion pass sees a plain reduction it can
 * hang a bias/activation epilogue on, and bounds inference sees only
 * in-range reads. The transposed convolution is written as a gather (each
 * output sums the kernel taps that land on it) rather than a scatter, which
 * a compute cannot express.
 *
 * Ungrouped conv1d/conv2d read their weights through a packed copy,
 * [ceil(O/16)][Cg][K...][16] (output channels innermost, in blocks of 16,
 * zero-filled past O): the schedule_conv pass vectorises across output
 * channels and needs those 16 weights of one tap contiguous. The packed
 * tensor is a compute over the weights, so constant weights are packed once
 * at compile time (fold_constants), as are weights computed from constants
 * (a transposed or dequantised initializer). Weights that are placeholders,
 * and grouped and depthwise convolutions, read the weights as given: their
 * schedule vectorises across the width.
 *
 * 3x3 stride-1 conv2d layers with constant weights and enough channels and
 * tiles go to Winograd's algorithm instead (conv_winograd.c; the choice is
 * op_winograd_tile's, tvm_conv_attrs.algorithm can force either). */
#include <stdio.h>

#include "conv_winograd.h"
#include "window.h"

/* Output channels per packed weight block: one AVX-512 vector of float32,
 * two AVX2 ones. */
#define CONV_OC_BLOCK 16

/* Validated attributes: every 0 ("default") replaced by its value. */
typedef struct conv_params {
    bool nhwc;
    int algorithm; /* tvm_conv_algorithm */
    int64_t groups;
    int64_t stride[2], dilation[2], pad_lo[2], pad_hi[2], out_pad[2];
} conv_params;

static bool conv_params_read(tvm_graph *g, const char *fn, const tvm_conv_attrs *in, int nsp,
                             conv_params *p) {
    tvm_conv_attrs a;
    if (in) {
        if (!op_read_attrs(g, fn, "attrs", in, sizeof a, &a)) return false;
    } else {
        /* NULL is the zeroed struct: stride 1, no padding, one group, NCHW */
        memset(&a, 0, sizeof a);
    }
    if (a.layout != TVM_LAYOUT_NCHW && a.layout != TVM_LAYOUT_NHWC) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->layout is %d; it must be "
                   "TVM_LAYOUT_NCHW (0) or TVM_LAYOUT_NHWC (1)", fn, a.layout);
        return false;
    }
    if (a.groups < 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->groups is %d; it must be >= 1 (or "
                   "0 for 1)", fn, a.groups);
        return false;
    }
    if (a.algorithm < TVM_CONV_ALGO_AUTO || a.algorithm > TVM_CONV_ALGO_WINOGRAD) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->algorithm is %d; it must be "
                   "TVM_CONV_ALGO_AUTO (0), _DIRECT (1) or _WINOGRAD (2)", fn, a.algorithm);
        return false;
    }
    p->nhwc = a.layout == TVM_LAYOUT_NHWC;
    p->algorithm = a.algorithm;
    p->groups = a.groups ? a.groups : 1;
    for (int d = 0; d < nsp; d++) {
        static const char *const what[] = {"strides", "dilations"};
        int64_t v[2] = {a.strides[d], a.dilations[d]};
        for (int k = 0; k < 2; k++)
            if (v[k] < 0) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->%s[%d] is %lld; it must "
                           "be >= 1 (or 0 for 1)", fn, what[k], d, (long long)v[k]);
                return false;
            }
        p->stride[d] = v[0] ? v[0] : 1;
        p->dilation[d] = v[1] ? v[1] : 1;
        /* pads are {begin of each dim..., end of each dim...} */
        p->pad_lo[d] = a.pads[d];
        p->pad_hi[d] = a.pads[nsp + d];
        p->out_pad[d] = a.output_padding[d];
        if (p->pad_lo[d] < 0 || p->pad_hi[d] < 0) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->pads[%d] is %lld; pads must be "
                       ">= 0", fn, p->pad_lo[d] < 0 ? d : nsp + d,
                       (long long)(p->pad_lo[d] < 0 ? p->pad_lo[d] : p->pad_hi[d]));
            return false;
        }
        if (p->out_pad[d] < 0) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->output_padding[%d] is %lld; it "
                       "must be >= 0", fn, d, (long long)p->out_pad[d]);
            return false;
        }
    }
    return true;
}

/* Rank, dtype and bias checks shared by every convolution. */
static bool conv_operands(tvm_graph *g, const char *fn, int rank, tvm_tensor x, tvm_tensor w,
                          tvm_tensor bias, op_arg *X, op_arg *W, op_arg *B) {
    if (!op_tensor(g, fn, "x", x, X) || !op_tensor(g, fn, "w", w, W) ||
        !op_optional(g, fn, "bias", bias, B))
        return false;
    if (X->shape.ndim != rank || W->shape.ndim != rank) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: '%s' has %d dims; it must have %d", fn,
                   X->shape.ndim != rank ? "x" : "w",
                   X->shape.ndim != rank ? X->shape.ndim : W->shape.ndim, rank);
        return false;
    }
    if (!op_same_numeric(g, fn, X, "x", W, "w")) return false;
    if (B->t.id && !op_same_numeric(g, fn, X, "x", B, "bias")) return false;
    return true;
}

static bool check_bias(tvm_graph *g, const char *fn, const op_arg *B, int64_t channels) {
    int64_t v;
    if (!B->t.id) return true;
    if (B->shape.ndim != 1 || !op_const_value(g, B->shape.dims[0], &v) || v != channels) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'bias' must be 1-D with %lld elements (the output "
                   "channels)", fn, (long long)channels);
        return false;
    }
    return true;
}

static bool check_groups(tvm_graph *g, const char *fn, int64_t groups, int64_t ch,
                         const char *what) {
    if (ch % groups) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->groups (%lld) does not divide the "
                   "%s (%lld)", fn, (long long)groups, what, (long long)ch);
        return false;
    }
    return true;
}

/* The bias element of output channel o added to body, when present. */
static tvm_expr add_bias(tvm_graph *g, tvm_expr body, const op_arg *B, tvm_expr o) {
    return B->t.id ? tvm_add(g, body, tvm_load(g, B->t, &o)) : body;
}

/* wp[ob, ci, k..., l] = w[ob*16 + l, ci, k...] (0 past the last output
 * channel), whatever w's layout (OIHW or HWIO). */
static tvm_tensor pack_weights(tvm_graph *g, const char *name, tvm_tensor w, int dtype, int nsp,
                               int64_t O,
                               int64_t Cg, const op_window *win, int wo, int wi, int wk) {
    int rank = nsp + 3;
    tvm_expr it[5], shape[5], wi_[4];
    op_iters(g, rank, it);
    shape[0] = op_i64(g, (O + CONV_OC_BLOCK - 1) / CONV_OC_BLOCK);
    shape[1] = op_i64(g, Cg);
    for (int d = 0; d < nsp; d++) shape[2 + d] = op_i64(g, win[d].kernel);
    shape[rank - 1] = op_i64(g, CONV_OC_BLOCK);
    tvm_expr o = tvm_add(g, op_mul_const(g, it[0], CONV_OC_BLOCK), it[rank - 1]);
    wi_[wo] = o;
    wi_[wi] = it[1];
    for (int d = 0; d < nsp; d++) wi_[wk + d] = it[2 + d];
    tvm_expr v = tvm_load(g, w, wi_);
    if (O % CONV_OC_BLOCK)
        v = tvm_select(g, tvm_lt(g, o, op_i64(g, O)), v,
                       tvm_const_int(g, dtype, 0));
    char nm[48];
    snprintf(nm, sizeof nm, "%s_wpack", name);
    return tvm_compute(g, nm, rank, shape, it, v);
}

/* conv1d and conv2d: nsp spatial dims. */
static tvm_tensor conv_nd(tvm_graph *g, const char *fn, const char *name, tvm_tensor x,
                          tvm_tensor w, tvm_tensor bias, const tvm_conv_attrs *attrs,
                          int nsp) {
    op_arg X, W, B;
    conv_params p;
    if (!conv_operands(g, fn, nsp + 2, x, w, bias, &X, &W, &B) ||
        !conv_params_read(g, fn, attrs, nsp, &p))
        return (tvm_tensor){0};

    /* where each dim lives: data N C S... / N S... C, weights O I K... / K... I O */
    int xc = p.nhwc ? nsp + 1 : 1, xs = p.nhwc ? 1 : 2;
    int wo = p.nhwc ? nsp + 1 : 0, wi = p.nhwc ? nsp : 1, wk = p.nhwc ? 0 : 2;
    int64_t C, O, Cg;
    if (!op_const_dim(g, fn, "x", xc, X.shape.dims[xc], &C) ||
        !op_const_dim(g, fn, "w", wo, W.shape.dims[wo], &O) ||
        !op_const_dim(g, fn, "w", wi, W.shape.dims[wi], &Cg))
        return (tvm_tensor){0};
    if (!check_groups(g, fn, p.groups, C, "input channels") ||
        !check_groups(g, fn, p.groups, O, "output channels (w's O dim)"))
        return (tvm_tensor){0};
    if (Cg != C / p.groups) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'x' has %lld channels, so with %lld group(s) 'w' "
                   "needs %lld input channels per group, but it has %lld", fn, (long long)C,
                   (long long)p.groups, (long long)(C / p.groups), (long long)Cg);
        return (tvm_tensor){0};
    }
    if (!check_bias(g, fn, &B, O)) return (tvm_tensor){0};

    op_window win[2];
    for (int d = 0; d < nsp; d++) {
        op_window *v = &win[d];
        if (!op_const_dim(g, fn, "x", xs + d, X.shape.dims[xs + d], &v->in) ||
            !op_const_dim(g, fn, "w", wk + d, W.shape.dims[wk + d], &v->kernel))
            return (tvm_tensor){0};
        if (v->kernel < 1) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: kernel dim %d of 'w' is %lld; it must be >= 1",
                       fn, d, (long long)v->kernel);
            return (tvm_tensor){0};
        }
        v->stride = p.stride[d];
        v->dilation = p.dilation[d];
        v->pad_lo = p.pad_lo[d];
        v->pad_hi = p.pad_hi[d];
        if (!op_window_init(g, fn, d, v, false)) return (tvm_tensor){0};
    }

    /* Winograd for the 3x3 stride-1 layers it serves (conv_winograd.c) */
    if (nsp == 2 && !p.nhwc && p.groups == 1 && X.dtype == TVM_FLOAT32 &&
        p.algorithm != TVM_CONV_ALGO_DIRECT && win[0].kernel == 3 && win[1].kernel == 3 &&
        win[0].stride == 1 && win[1].stride == 1 && win[0].dilation == 1 &&
        win[1].dilation == 1 && op_winograd_const_weights(g, w)) {
        wino_conv wc = {x, w, B.t, X.shape.dims[0], C, O, win[0].in, win[1].in,
                        win[0].out, win[1].out, p.pad_lo[0], p.pad_lo[1]};
        int m = op_winograd_tile(&wc, p.algorithm);
        if (m) return op_result(g, op_conv2d_winograd(g, name, &wc, m));
    }

    int rank = nsp + 2;
    tvm_expr shape[4], it[4];
    op_iters(g, rank, it);
    shape[0] = X.shape.dims[0]; /* the batch may be symbolic */
    shape[xc] = op_i64(g, O);
    for (int d = 0; d < nsp; d++) shape[xs + d] = op_i64(g, win[d].out);
    tvm_expr o = it[xc];

    /* reduction over the group's input channels and the kernel window */
    tvm_expr axes[3], rc = tvm_reduce_axis(g, "rc", op_i64(g, Cg));
    axes[0] = rc;
    for (int d = 0; d < nsp; d++)
        axes[1 + d] = tvm_reduce_axis(g, d ? "rw" : "rh", op_i64(g, win[d].kernel));
    /* input channel: the first channel of o's group plus rc */
    tvm_expr ic = rc;
    if (p.groups > 1)
        ic = tvm_add(g, op_mul_const(g, tvm_div(g, o, op_i64(g, O / p.groups)), Cg), rc);

    tvm_expr xi[4], wi_[4], guard = {0};
    xi[0] = it[0];
    xi[xc] = ic;
    for (int d = 0; d < nsp; d++) {
        tvm_expr gd;
        xi[xs + d] = op_window_index(g, &win[d], it[xs + d], axes[1 + d], &gd);
        guard = op_and(g, guard, gd);
        wi_[wk + d] = axes[1 + d];
    }
    wi_[wo] = o;
    wi_[wi] = rc;
    tvm_expr wv;
    /* weights that are not constant (an input, or a compute over one) would
     * be packed on every call (and fusion inlines the copy back into the
     * loads, so nothing is gained): read them as given; the schedule then
     * vectorises across the width */
    bool pack = p.groups == 1 && graph_tensor_is_constant(g, graph_tensor_index(g, w));
    if (pack) {
        tvm_tensor wp = pack_weights(g, name, w, W.dtype, nsp, O, Cg, win, wo, wi, wk);
        tvm_expr blk = op_i64(g, CONV_OC_BLOCK), pi[5];
        pi[0] = tvm_floordiv(g, o, blk);
        pi[1] = rc;
        for (int d = 0; d < nsp; d++) pi[2 + d] = axes[1 + d];
        pi[nsp + 2] = tvm_floormod(g, o, blk);
        wv = tvm_load(g, wp, pi);
    } else {
        wv = tvm_load(g, w, wi_);
    }
    tvm_expr xv = tvm_load(g, x, xi);
    if (guard.id) xv = tvm_select(g, guard, xv, tvm_const_int(g, X.dtype, 0));
    tvm_expr body = tvm_sum(g, tvm_mul(g, xv, wv), nsp + 1, axes);
    body = add_bias(g, body, &B, o);
    return op_result(g, tvm_compute(g, name, rank, shape, it, body));
}

TVMC_API tvm_tensor tvm_op_conv2d(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias,
                                  const tvm_conv_attrs *attrs) {
    return conv_nd(g, "tvm_op_conv2d", "conv2d", x, w, bias, attrs, 2);
}

TVMC_API tvm_tensor tvm_op_conv1d(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias,
                                  const tvm_conv_attrs *attrs) {
    return conv_nd(g, "tvm_op_conv1d", "conv1d", x, w, bias, attrs, 1);
}

TVMC_API tvm_tensor tvm_op_conv_transpose2d(tvm_graph *g, tvm_tensor x, tvm_tensor w,
                                            tvm_tensor bias, const tvm_conv_attrs *attrs) {
    static const char fn[] = "tvm_op_conv_transpose2d";
    op_arg X, W, B;
    conv_params p;
    if (!conv_operands(g, fn, 4, x, w, bias, &X, &W, &B) ||
        !conv_params_read(g, fn, attrs, 2, &p))
        return (tvm_tensor){0};
    if (p.nhwc) {
        graph_fail(g, TVM_ERR_UNSUPPORTED, "%s: attrs->layout is TVM_LAYOUT_NHWC; the "
                   "transposed convolution supports NCHW only", fn);
        return (tvm_tensor){0};
    }
    int64_t C, Cw, Og, in[2], k[2], out[2];
    if (!op_const_dim(g, fn, "x", 1, X.shape.dims[1], &C) ||
        !op_const_dim(g, fn, "w", 0, W.shape.dims[0], &Cw) ||
        !op_const_dim(g, fn, "w", 1, W.shape.dims[1], &Og))
        return (tvm_tensor){0};
    if (Cw != C) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'x' has %lld channels but 'w' (layout [C, O/groups, "
                   "KH, KW]) has %lld in dim 0", fn, (long long)C, (long long)Cw);
        return (tvm_tensor){0};
    }
    if (!check_groups(g, fn, p.groups, C, "input channels")) return (tvm_tensor){0};
    int64_t Cg = C / p.groups, O;
    if (__builtin_mul_overflow(Og, p.groups, &O)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: attrs->groups times w's dim 1 overflows",
                   fn);
        return (tvm_tensor){0};
    }
    if (!check_bias(g, fn, &B, O)) return (tvm_tensor){0};
    for (int d = 0; d < 2; d++) {
        if (!op_const_dim(g, fn, "x", 2 + d, X.shape.dims[2 + d], &in[d]) ||
            !op_const_dim(g, fn, "w", 2 + d, W.shape.dims[2 + d], &k[d]))
            return (tvm_tensor){0};
        if (k[d] < 1) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: kernel dim %d of 'w' is %lld; it must be >= 1",
                       fn, d, (long long)k[d]);
            return (tvm_tensor){0};
        }
        /* the uncropped extent (in-1)*stride + dilation*(k-1) + output_padding + 1
         * must fit int64 (with room) so the gather's source positions do;
         * cropping the pads must leave at least one pixel */
        __int128 full = (__int128)(in[d] > 0 ? in[d] - 1 : 0) * p.stride[d] +
                        (__int128)p.dilation[d] * (k[d] - 1) + p.out_pad[d] + 1;
        __int128 o = full - p.pad_lo[d] - p.pad_hi[d];
        if (in[d] < 1 || o < 1 || full > INT64_MAX / 2) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: spatial dim %d: the output would be "
                       "%s (input %lld, kernel %lld, stride %lld, pads %lld+%lld)", fn, d,
                       full > INT64_MAX / 2 ? "too large" : "smaller than 1", (long long)in[d],
                       (long long)k[d], (long long)p.stride[d], (long long)p.pad_lo[d],
                       (long long)p.pad_hi[d]);
            return (tvm_tensor){0};
        }
        out[d] = (int64_t)o;
    }

    tvm_expr it[4], shape[4];
    op_iters(g, 4, it);
    shape[0] = X.shape.dims[0];
    shape[1] = op_i64(g, O);
    shape[2] = op_i64(g, out[0]);
    shape[3] = op_i64(g, out[1]);
    tvm_expr o = it[1];
    tvm_expr axes[3];
    axes[0] = tvm_reduce_axis(g, "rc", op_i64(g, Cg));
    axes[1] = tvm_reduce_axis(g, "rh", op_i64(g, k[0]));
    axes[2] = tvm_reduce_axis(g, "rw", op_i64(g, k[1]));
    tvm_expr ic = axes[0], oc = o;
    if (p.groups > 1) {
        tvm_expr grp = tvm_div(g, o, op_i64(g, Og));
        ic = tvm_add(g, op_mul_const(g, grp, Cg), axes[0]);
        oc = tvm_mod(g, o, op_i64(g, Og));
    }
    /* gather: output position q receives tap kk from input position
     * (q + pad - kk*dil) / stride when that is an integer inside the input */
    tvm_expr xi[4] = {it[0], ic}, guard = {0};
    for (int d = 0; d < 2; d++) {
        tvm_expr t = op_add_const(g, it[2 + d], p.pad_lo[d]);
        if (k[d] > 1) t = tvm_sub(g, t, op_mul_const(g, axes[1 + d], p.dilation[d]));
        int64_t s = p.stride[d];
        /* t ranges over [pad - dil*(k-1), out-1+pad]; guard only the sides
         * that can leave the input */
        __int128 tmin = (__int128)p.pad_lo[d] - (__int128)p.dilation[d] * (k[d] - 1);
        __int128 tmax = (__int128)out[d] - 1 + p.pad_lo[d];
        if (tmin < 0) guard = op_and(g, guard, tvm_ge(g, t, op_i64(g, 0)));
        tvm_expr idx = t;
        if (s > 1) {
            guard = op_and(g, guard, tvm_eq(g, tvm_floormod(g, t, op_i64(g, s)), op_i64(g, 0)));
            idx = tvm_floordiv(g, t, op_i64(g, s));
        }
        if (tmax / s >= in[d]) guard = op_and(g, guard, tvm_lt(g, idx, op_i64(g, in[d])));
        xi[2 + d] = idx;
    }
    tvm_expr wi_[4] = {ic, oc, axes[1], axes[2]};
    tvm_expr xv = tvm_load(g, x, xi);
    if (guard.id) xv = tvm_select(g, guard, xv, tvm_const_int(g, X.dtype, 0));
    tvm_expr body = tvm_sum(g, tvm_mul(g, xv, tvm_load(g, w, wi_)), 3, axes);
    body = add_bias(g, body, &B, o);
    return op_result(g, tvm_compute(g, "conv_transpose2d", 4, shape, it, body));
}
