/* onnx_ops_nn.c — ONNX neural-network operators: MatMul, Gemm, Conv,
 * ConvTranspose, pools, Softmax / LogSoftmax (with the pre-13 flattening
 * semantics), and the normalisations. */
#include <math.h>
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

static tvm_status op_matmul(onnx_ctx *c, onnx_node *n) {
    tvm_tensor a, b;
    TRY(onnx_input(c, n, 0, &a));
    TRY(onnx_input(c, n, 1, &b));
    return onnx_set_output(c, n, 0, tvm_op_matmul(c->g, a, b, 0, 0));
}

/* A scalar constant of x's dtype. */
static tvm_tensor scalar_like(onnx_ctx *c, tvm_tensor x, double v) {
    tvm_dtype dt;
    tvm_tensor_info(c->g, x, NULL, &dt);
    double d = v;
    tvm_tensor k = tvm_constant(c->g, "scale", TVM_FLOAT64, 0, NULL, &d);
    return dt == TVM_FLOAT64 ? k : tvm_op_cast(c->g, k, dt);
}

static tvm_status op_gemm(onnx_ctx *c, onnx_node *n) {
    tvm_tensor a, b, cc = {0};
    TRY(onnx_input(c, n, 0, &a));
    TRY(onnx_input(c, n, 1, &b));
    if (n->nin > 2 && n->in[2]) TRY(onnx_input(c, n, 2, &cc));
    double alpha = onnx_attr_f(n, "alpha", 1.0), beta = onnx_attr_f(n, "beta", 1.0);
    tvm_tensor r = tvm_op_matmul(c->g, a, b, onnx_int(onnx_attr_i(n, "transA", 0)),
                                 onnx_int(onnx_attr_i(n, "transB", 0)));
    if (alpha != 1.0) r = tvm_op_binary(c->g, TVM_OP_MUL, r, scalar_like(c, r, alpha));
    if (cc.id && beta != 0.0) {
        if (beta != 1.0) cc = tvm_op_binary(c->g, TVM_OP_MUL, cc, scalar_like(c, cc, beta));
        r = tvm_op_binary(c->g, TVM_OP_ADD, r, cc);
    }
    return onnx_set_output(c, n, 0, r);
}

/* Spatial attributes shared by Conv, ConvTranspose and the pools: reads
 * strides, dilations, kernel and pads, resolving auto_pad for the given
 * input dims (SAME_* needs constant spatial dims). */
typedef struct spatial {
    int nsp;                        /* 1, 2 or 3 */
    int64_t kernel[3], strides[3], dilations[3], pads[6]; /* pads: begins, then ends */
} spatial;

static tvm_status read_spatial(onnx_ctx *c, onnx_node *n, int nsp, const int64_t *in_dims,
                               const int64_t *kernel, bool transpose, spatial *sp) {
    (void)c;
    memset(sp, 0, sizeof *sp);
    sp->nsp = nsp;
    int64_t v[8];
    int cnt;
    for (int k = 0; k < nsp; k++) {
        sp->kernel[k] = kernel[k];
        sp->strides[k] = sp->dilations[k] = 1;
    }
    TRY(onnx_attr_ints(n, "strides", v, 8, &cnt));
    for (int k = 0; k < cnt && k < nsp; k++) sp->strides[k] = v[k];
    TRY(onnx_attr_ints(n, "dilations", v, 8, &cnt));
    for (int k = 0; k < cnt && k < nsp; k++) sp->dilations[k] = v[k];
    TRY(onnx_attr_ints(n, "pads", v, 8, &cnt));
    if (cnt >= 0 && cnt != 2 * nsp)
        return onnx_fail(n, TVM_ERR_SHAPE, "pads has %d values for %d spatial dims", cnt, nsp);
    for (int k = 0; k < cnt; k++) sp->pads[k] = v[k];
    char buf[32];
    const char *ap = onnx_attr_s(n, "auto_pad", "NOTSET", buf, sizeof buf);
    if (!strcmp(ap, "VALID")) {
        memset(sp->pads, 0, sizeof sp->pads);
    } else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
        for (int k = 0; k < nsp; k++) {
            if (in_dims[k] < 0)
                return onnx_fail(n, TVM_ERR_UNSUPPORTED, "auto_pad %s needs constant spatial "
                                 "dims", ap);
            int64_t eff = (sp->kernel[k] - 1) * sp->dilations[k] + 1, total;
            if (transpose) {
                int64_t out = in_dims[k] * sp->strides[k];
                total = sp->strides[k] * (in_dims[k] - 1) + eff - out;
            } else {
                int64_t out = (in_dims[k] + sp->strides[k] - 1) / sp->strides[k];
                total = (out - 1) * sp->strides[k] + eff - in_dims[k];
            }
            if (total < 0) total = 0;
            int64_t small = total / 2, big = total - small;
            bool upper = !strcmp(ap, "SAME_UPPER");
            sp->pads[k] = upper ? small : big;
            sp->pads[nsp + k] = upper ? big : small;
        }
    } else if (strcmp(ap, "NOTSET")) {
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "auto_pad '%s'", ap);
    }
    return TVM_OK;
}

/* 3-D convolution and pooling, which the library has no call for: one
 * compute each, reading the input through a guard that yields the pad value
 * outside it. Needs constant shapes. */
static tvm_expr in_window(tvm_graph *g, const spatial *sp, const int64_t *in, const tvm_expr *o,
                          const tvm_expr *r, tvm_expr *pos) {
    tvm_expr ok = {0};
    for (int k = 0; k < sp->nsp; k++) {
        /* pos = o * stride - pad_begin + r * dilation */
        pos[k] = tvm_add(g, tvm_sub(g, tvm_mul(g, o[k], op_i64(g, sp->strides[k])),
                                    op_i64(g, sp->pads[k])),
                         tvm_mul(g, r[k], op_i64(g, sp->dilations[k])));
        tvm_expr in_k = tvm_and(g, tvm_ge(g, pos[k], op_i64(g, 0)),
                                tvm_lt(g, pos[k], op_i64(g, in[k])));
        ok = ok.id ? tvm_and(g, ok, in_k) : in_k;
    }
    return ok;
}

static int64_t window_out(const spatial *sp, int k, int64_t in) {
    int64_t eff = (sp->kernel[k] - 1) * sp->dilations[k] + 1;
    int64_t span = in + sp->pads[k] + sp->pads[sp->nsp + k] - eff;
    return span < 0 ? 0 : span / sp->strides[k] + 1;
}

static tvm_status conv3d(onnx_ctx *c, onnx_node *n, tvm_tensor x, tvm_tensor w, tvm_tensor bias,
                         const int64_t *xd, const int64_t *wd, const spatial *sp, int64_t groups) {
    tvm_graph *g = c->g;
    for (int k = 0; k < 5; k++)
        if (xd[k] < 0) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "3-D Conv needs constant shapes");
    int64_t cg = wd[1], O = wd[0];
    if (groups < 1 || xd[1] != cg * groups || O % groups)
        return onnx_fail(n, TVM_ERR_SHAPE, "channels do not match the weights and groups");
    tvm_expr shape[5] = {op_i64(g, xd[0]), op_i64(g, O)}, it[5], r[4], pos[3];
    for (int k = 0; k < 3; k++) shape[2 + k] = op_i64(g, window_out(sp, k, xd[2 + k]));
    op_iters(g, 5, it);
    r[0] = tvm_reduce_axis(g, "rc", op_i64(g, cg));
    for (int k = 0; k < 3; k++) r[1 + k] = tvm_reduce_axis(g, "rk", op_i64(g, wd[2 + k]));
    tvm_expr ok = in_window(g, sp, xd + 2, it + 2, r + 1, pos);
    tvm_expr ch = tvm_add(g, tvm_mul(g, tvm_floordiv(g, it[1], op_i64(g, O / groups)),
                                     op_i64(g, cg)), r[0]);
    tvm_expr xi[5] = {it[0], ch, pos[0], pos[1], pos[2]};
    tvm_expr wi[5] = {it[1], r[0], r[1], r[2], r[3]};
    tvm_dtype dt;
    tvm_tensor_info(g, x, NULL, &dt);
    tvm_expr prod = tvm_mul(g, tvm_load(g, x, xi), tvm_load(g, w, wi));
    tvm_expr body = tvm_sum(g, tvm_select(g, ok, prod, tvm_const_float(g, dt, 0)), 4, r);
    if (bias.id) body = tvm_add(g, body, tvm_load(g, bias, &it[1]));
    return onnx_set_output(c, n, 0, tvm_compute(g, "conv3d", 5, shape, it, body));
}

static tvm_status pool3d(onnx_ctx *c, onnx_node *n, tvm_tensor x, const int64_t *xd,
                         const spatial *sp, bool mx, bool include_pad) {
    tvm_graph *g = c->g;
    for (int k = 0; k < 5; k++)
        if (xd[k] < 0) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "3-D pooling needs constant shapes");
    tvm_dtype dt;
    tvm_tensor_info(g, x, NULL, &dt);
    tvm_expr shape[5] = {op_i64(g, xd[0]), op_i64(g, xd[1])}, it[5], r[3], pos[3];
    for (int k = 0; k < 3; k++) shape[2 + k] = op_i64(g, window_out(sp, k, xd[2 + k]));
    op_iters(g, 5, it);
    for (int k = 0; k < 3; k++) r[k] = tvm_reduce_axis(g, "rk", op_i64(g, sp->kernel[k]));
    tvm_expr ok = in_window(g, sp, xd + 2, it + 2, r, pos);
    tvm_expr xi[5] = {it[0], it[1], pos[0], pos[1], pos[2]};
    tvm_expr body;
    if (mx) {
        body = tvm_reduce(g, TVM_REDUCE_MAX,
                          tvm_select(g, ok, tvm_load(g, x, xi), tvm_const_float(g, dt, -INFINITY)),
                          3, r);
    } else {
        tvm_expr sum = tvm_sum(g, tvm_select(g, ok, tvm_load(g, x, xi), tvm_const_float(g, dt, 0)),
                               3, r);
        tvm_expr cnt;
        if (include_pad) {
            cnt = tvm_const_float(g, dt, (double)(sp->kernel[0] * sp->kernel[1] * sp->kernel[2]));
        } else {
            tvm_expr r2[3], pos2[3];
            for (int k = 0; k < 3; k++) r2[k] = tvm_reduce_axis(g, "rc", op_i64(g, sp->kernel[k]));
            tvm_expr ok2 = in_window(g, sp, xd + 2, it + 2, r2, pos2);
            cnt = tvm_sum(g, tvm_select(g, ok2, tvm_const_float(g, dt, 1), tvm_const_float(g, dt, 0)),
                          3, r2);
        }
        body = tvm_div(g, sum, cnt);
    }
    return onnx_set_output(c, n, 0, tvm_compute(g, mx ? "max_pool3d" : "avg_pool3d", 5, shape,
                                                it, body));
}

/* The library's pads are {top, left, bottom, right} for 2-D and {begin,
 * end} for 1-D, which is ONNX's order in both cases. */
/* Rank and dims (-1 where symbolic) of a tensor of the graph. */
static tvm_status tensor_dims(onnx_ctx *c, onnx_node *n, tvm_tensor t, int *nd, int64_t *d) {
    op_arg a;
    if (!op_tensor(c->g, "onnx", "input", t, &a)) return onnx_graph_status(c, n);
    *nd = a.shape.ndim;
    for (int k = 0; k < a.shape.ndim; k++)
        if (!op_const_value(c->g, a.shape.dims[k], &d[k])) d[k] = -1;
    return TVM_OK;
}

/* The convolution of node n's attributes over x and w (plus bias): the
 * node's output, or *conv_out when that is not NULL (1-D and 2-D only). */
static tvm_status conv_of(onnx_ctx *c, onnx_node *n, tvm_tensor x, tvm_tensor w,
                          tvm_tensor bias, tvm_tensor *conv_out) {
    int xnd, wnd;
    int64_t xd[TVM_MAX_NDIM], wd[TVM_MAX_NDIM];
    TRY(tensor_dims(c, n, x, &xnd, xd));
    TRY(tensor_dims(c, n, w, &wnd, wd));
    int nsp = xnd - 2;
    if (nsp < 1 || nsp > 3 || wnd != xnd)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "only 1-D, 2-D and 3-D convolutions (input "
                         "rank %d)", xnd);
    bool tr = !strcmp(n->proto->op_type, "ConvTranspose");
    if (tr && nsp != 2)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "only 2-D ConvTranspose");
    spatial sp;
    TRY(read_spatial(c, n, nsp, xd + 2, wd + 2, tr, &sp));
    if (nsp == 3 && conv_out)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "3-D quantized convolution");
    if (nsp == 3) {
        /* conv3d loads the bias with the output's channel index alone, so a
         * bias of another rank would read indices that do not exist */
        if (bias.id) {
            int bnd;
            int64_t bd[TVM_MAX_NDIM];
            TRY(tensor_dims(c, n, bias, &bnd, bd));
            if (bnd != 1 || (bd[0] >= 0 && bd[0] != wd[0]))
                return onnx_fail(n, TVM_ERR_SHAPE, "bias B must be 1-D with %lld elements (one "
                                 "per output channel), not of rank %d", (long long)wd[0], bnd);
        }
        return conv3d(c, n, x, w, bias, xd, wd, &sp, onnx_attr_i(n, "group", 1));
    }
    tvm_conv_attrs a = {.struct_size = sizeof a};
    a.groups = (int32_t)onnx_attr_i(n, "group", 1);
    for (int k = 0; k < nsp; k++) {
        a.strides[k] = sp.strides[k];
        a.dilations[k] = sp.dilations[k];
    }
    memcpy(a.pads, sp.pads, sizeof a.pads);
    if (tr) {
        int64_t v[4];
        int cnt;
        TRY(onnx_attr_ints(n, "output_padding", v, 4, &cnt));
        for (int k = 0; k < cnt && k < 2; k++) a.output_padding[k] = v[k];
        TRY(onnx_attr_ints(n, "output_shape", v, 4, &cnt));
        if (cnt >= 0) { /* explicit output size: pads follow from it */
            for (int k = 0; k < 2 && k < cnt; k++) {
                if (xd[2 + k] < 0)
                    return onnx_fail(n, TVM_ERR_UNSUPPORTED, "output_shape with symbolic dims");
                int64_t total = sp.strides[k] * (xd[2 + k] - 1) + a.output_padding[k] +
                                (wd[2 + k] - 1) * sp.dilations[k] + 1 - v[cnt - 2 + k];
                if (total < 0) { /* a larger output than the kernel covers: extra rows */
                    a.output_padding[k] -= total;
                    total = 0;
                }
                char buf[32];
                bool upper = !strcmp(onnx_attr_s(n, "auto_pad", "NOTSET", buf, sizeof buf),
                                     "SAME_UPPER");
                a.pads[k] = upper ? total / 2 : total - total / 2;
                a.pads[2 + k] = total - a.pads[k];
            }
        }
        return onnx_set_output(c, n, 0, tvm_op_conv_transpose2d(c->g, x, w, bias, &a));
    }
    tvm_tensor r = nsp == 2 ? tvm_op_conv2d(c->g, x, w, bias, &a)
                            : tvm_op_conv1d(c->g, x, w, bias, &a);
    if (!conv_out) return onnx_set_output(c, n, 0, r);
    *conv_out = r;
    return onnx_graph_status(c, n);
}

static tvm_status op_conv(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, w, bias = {0};
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &w));
    if (n->nin > 2 && n->in[2]) TRY(onnx_input(c, n, 2, &bias));
    return conv_of(c, n, x, w, bias, NULL);
}

/* A scalar or 1-D parameter (zero point, scale) of an operand of rank
 * `rank`, shaped to broadcast against it: a 1-D one of more than one element
 * applies along dim `along` (MatMulInteger: A's rows, B's columns;
 * ConvInteger: the filters). */
static tvm_status per_dim(onnx_ctx *c, onnx_node *n, int k, int rank, int along,
                         tvm_tensor *out) {
    tvm_graph *g = c->g;
    tvm_tensor z;
    TRY(onnx_input(c, n, k, &z));
    op_arg za;
    if (!op_tensor(g, "onnx", "input", z, &za)) return onnx_graph_status(c, n);
    int64_t len = 1;
    if (za.shape.ndim > 1 || (za.shape.ndim == 1 && !op_const_value(g, za.shape.dims[0], &len)))
        return onnx_fail(n, TVM_ERR_SHAPE, "input %d must be a scalar or 1-D", k);
    if (len == 1) {
        if (za.shape.ndim == 1) z = tvm_op_reshape(g, z, 0, NULL);
    } else {
        if (rank - along < 1)
            return onnx_fail(n, TVM_ERR_SHAPE, "input %d has %lld values", k, (long long)len);
        int64_t shape[TVM_MAX_NDIM];
        for (int d = 0; d < rank - along; d++) shape[d] = 1;
        shape[0] = len;
        z = tvm_op_reshape(g, z, rank - along, shape);
    }
    *out = z;
    return onnx_graph_status(c, n);
}

/* Input k (int8 / uint8) as int32 minus its zero point (input zk, absent:
 * 0; per_dim's `along`). */
static tvm_status centered(onnx_ctx *c, onnx_node *n, int k, int zk, int along,
                          tvm_tensor *out) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, k, &x));
    op_arg xa;
    if (!op_tensor(g, "onnx", "input", x, &xa)) return onnx_graph_status(c, n);
    if (xa.dtype != TVM_INT8 && xa.dtype != TVM_UINT8)
        return onnx_fail(n, TVM_ERR_DTYPE, "input %d is %s; int8 or uint8 expected", k,
                         dtype_name(xa.dtype));
    tvm_tensor r = tvm_op_cast(g, x, TVM_INT32);
    if (zk < n->nin && n->in[zk]) {
        tvm_tensor z;
        TRY(per_dim(c, n, zk, xa.shape.ndim, along, &z));
        r = tvm_op_binary(g, TVM_OP_SUB, r, tvm_op_cast(g, z, TVM_INT32));
    }
    *out = r;
    return onnx_graph_status(c, n);
}

/* QLinearMatMul / QLinearConv's last step: the int32 accumulator acc times
 * sa * sb (scales of the two operands, shaped by per_dim) requantized with
 * y_scale (input ys) and y_zero_point (input yz). */
static tvm_status requantize(onnx_ctx *c, onnx_node *n, tvm_tensor acc, tvm_tensor sa,
                             tvm_tensor sb, int ys, int yz) {
    tvm_graph *g = c->g;
    tvm_tensor y_scale, y_zp = {0};
    TRY(onnx_input(c, n, ys, &y_scale));
    if (yz < n->nin && n->in[yz]) TRY(onnx_input(c, n, yz, &y_zp));
    tvm_tensor real = tvm_op_binary(g, TVM_OP_MUL, tvm_op_cast(g, acc, TVM_FLOAT32),
                                    tvm_op_binary(g, TVM_OP_MUL, sa, sb));
    return onnx_set_output(c, n, 0, tvm_op_quantize_linear(g, real, y_scale, y_zp, 0,
                                                           y_zp.id ? 0 : TVM_UINT8));
}

/* QLinearMatMul (10): a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp. */
static tvm_status op_qlinear_matmul(onnx_ctx *c, onnx_node *n) {
    int and_, bnd;
    int64_t ad[TVM_MAX_NDIM], bd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &and_, NULL, ad));
    TRY(onnx_input_shape(c, n, 3, &bnd, NULL, bd));
    if (and_ < 2 || bnd < 2) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "1-D operands");
    tvm_tensor a, b, sa, sb;
    TRY(centered(c, n, 0, 2, and_ - 2, &a));
    TRY(centered(c, n, 3, 5, bnd - 1, &b));
    TRY(per_dim(c, n, 1, and_, and_ - 2, &sa));
    TRY(per_dim(c, n, 4, bnd, bnd - 1, &sb));
    return requantize(c, n, tvm_op_matmul(c->g, a, b, 0, 0), sa, sb, 6, 7);
}

/* MatMulInteger (10): (A - a_zero_point) · (B - b_zero_point) in int32. */
static tvm_status op_matmul_integer(onnx_ctx *c, onnx_node *n) {
    int and_, bnd;
    int64_t ad[TVM_MAX_NDIM], bd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &and_, NULL, ad));
    TRY(onnx_input_shape(c, n, 1, &bnd, NULL, bd));
    if (and_ < 2 || bnd < 2)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "1-D operands");
    tvm_tensor a, b;
    TRY(centered(c, n, 0, 2, and_ - 2, &a)); /* per-row zero point of A: dim -2 */
    TRY(centered(c, n, 1, 3, bnd - 1, &b));  /* per-column zero point of B: dim -1 */
    return onnx_set_output(c, n, 0, tvm_op_matmul(c->g, a, b, 0, 0));
}

/* ConvInteger (10): conv of (x - x_zero_point) and (w - w_zero_point) in
 * int32; padding then contributes 0, as padding with the zero point does. */
static tvm_status op_conv_integer(onnx_ctx *c, onnx_node *n) {
    int xnd;
    int64_t xd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &xnd, NULL, xd));
    tvm_tensor x, w;
    TRY(centered(c, n, 0, 2, 0, &x));
    TRY(centered(c, n, 1, 3, 0, &w)); /* per-filter zero point: dim 0 */
    return conv_of(c, n, x, w, (tvm_tensor){0}, NULL);
}

/* QLinearConv (10): x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B
 * (int32, optional); a per-filter w_scale scales output channels. */
static tvm_status op_qlinear_conv(onnx_ctx *c, onnx_node *n) {
    int xnd;
    int64_t xd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &xnd, NULL, xd));
    tvm_tensor x, w, sx, sw, bias = {0}, acc;
    TRY(centered(c, n, 0, 2, 0, &x));
    TRY(centered(c, n, 3, 5, 0, &w));
    TRY(per_dim(c, n, 1, xnd, 0, &sx));
    TRY(per_dim(c, n, 4, xnd, 1, &sw)); /* per output channel: the result's dim 1 */
    if (n->nin > 8 && n->in[8]) TRY(onnx_input(c, n, 8, &bias));
    TRY(conv_of(c, n, x, w, bias, &acc));
    return requantize(c, n, acc, sx, sw, 6, 7);
}

static tvm_status op_pool(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    if (n->nout > 1 && n->out[1]->name)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "the Indices output is not supported");
    int xnd;
    int64_t xd[TVM_MAX_NDIM], kernel[8];
    TRY(onnx_input_shape(c, n, 0, &xnd, NULL, xd));
    int nk;
    TRY(onnx_attr_ints(n, "kernel_shape", kernel, 8, &nk));
    int nsp = xnd - 2;
    if (nsp < 1 || nsp > 3 || nk != nsp)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "only 1-D, 2-D and 3-D pooling (input rank "
                         "%d)", xnd);
    if (onnx_attr_i(n, "storage_order", 0))
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "storage_order=1");
    spatial sp;
    TRY(read_spatial(c, n, nsp, xd + 2, kernel, false, &sp));
    if (nsp == 3) {
        if (onnx_attr_i(n, "ceil_mode", 0))
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "ceil_mode in 3-D pooling");
        return pool3d(c, n, x, xd, &sp, !strcmp(n->proto->op_type, "MaxPool"),
                      onnx_attr_i(n, "count_include_pad", 0) != 0);
    }
    tvm_pool_attrs a = {.struct_size = sizeof a};
    a.ceil_mode = (int32_t)onnx_attr_i(n, "ceil_mode", 0);
    a.count_include_pad = (int32_t)onnx_attr_i(n, "count_include_pad", 0);
    if (nsp == 1) { /* 1-D pooling is 2-D pooling over a height-1 image */
        int h = 2;
        x = tvm_op_unsqueeze(c->g, x, 1, &h);
        sp.kernel[1] = sp.kernel[0], sp.kernel[0] = 1;
        sp.strides[1] = sp.strides[0], sp.strides[0] = 1;
        sp.dilations[1] = sp.dilations[0], sp.dilations[0] = 1;
        int64_t pb = sp.pads[0], pe = sp.pads[1];
        sp.pads[0] = 0, sp.pads[1] = pb, sp.pads[2] = 0, sp.pads[3] = pe;
    }
    for (int k = 0; k < 2; k++) {
        a.kernel[k] = sp.kernel[k];
        a.strides[k] = sp.strides[k];
        a.dilations[k] = sp.dilations[k];
    }
    memcpy(a.pads, sp.pads, sizeof a.pads);
    bool mx = !strcmp(n->proto->op_type, "MaxPool");
    tvm_tensor r = mx ? tvm_op_max_pool2d(c->g, x, &a) : tvm_op_avg_pool2d(c->g, x, &a);
    if (nsp == 1) {
        int h = 2;
        r = tvm_op_squeeze(c->g, r, 1, &h);
    }
    return onnx_set_output(c, n, 0, r);
}

static tvm_status op_global_pool(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int xnd;
    tvm_tensor_info(c->g, x, &xnd, NULL);
    bool mx = !strcmp(n->proto->op_type, "GlobalMaxPool");
    if (xnd == 4)
        return onnx_set_output(c, n, 0, tvm_op_global_pool2d(c->g, x, mx ? TVM_OP_MAX : TVM_OP_MEAN,
                                                              TVM_LAYOUT_NCHW));
    /* any rank: reduce every spatial axis, keeping them */
    int axes[TVM_MAX_NDIM];
    if (xnd < 3) return onnx_fail(n, TVM_ERR_SHAPE, "input rank %d < 3", xnd);
    for (int k = 2; k < xnd; k++) axes[k - 2] = k;
    return onnx_set_output(c, n, 0, tvm_op_reduce(c->g, mx ? TVM_OP_MAX : TVM_OP_MEAN, x,
                                                  xnd - 2, axes, 1));
}

/* Softmax before opset 13 flattens to [prod(dims[:axis]), prod(dims[axis:])]
 * and normalises each row; from 13 it normalises along one axis. */
static tvm_status op_softmax(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    bool lg = !strcmp(n->proto->op_type, "LogSoftmax");
    bool hard = !strcmp(n->proto->op_type, "Hardmax");
    (void)hard;
    int xnd;
    int64_t xd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &xnd, NULL, xd));
    if (c->opset >= 13) {
        int axis = onnx_int(onnx_attr_i(n, "axis", -1));
        return onnx_set_output(c, n, 0, lg ? tvm_op_log_softmax(c->g, x, axis)
                                           : tvm_op_softmax(c->g, x, axis));
    }
    int axis = onnx_int(onnx_attr_i(n, "axis", 1));
    if (axis < 0) axis += xnd;
    if (axis == xnd - 1 || xnd == 0)
        return onnx_set_output(c, n, 0, lg ? tvm_op_log_softmax(c->g, x, -1)
                                           : tvm_op_softmax(c->g, x, -1));
    for (int k = 0; k < xnd; k++)
        if (xd[k] < 0)
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "opset-%lld softmax over several axes "
                             "needs constant dims", (long long)c->opset);
    tvm_tensor f = tvm_op_flatten(c->g, x, axis);
    f = lg ? tvm_op_log_softmax(c->g, f, 1) : tvm_op_softmax(c->g, f, 1);
    return onnx_set_output(c, n, 0, tvm_op_reshape(c->g, f, xnd, xd));
}

/* LayerNormalization when the model also reads Mean and InvStdDev: the
 * normalisation spelled out with reductions (keepdims), computed in float32
 * for float16 / bfloat16 inputs (stash_type 1). */
static tvm_status layer_norm_with_stats(onnx_ctx *c, onnx_node *n, tvm_tensor x,
                                        tvm_tensor gamma, tvm_tensor beta) {
    tvm_graph *g = c->g;
    int nd;
    tvm_dtype dt;
    tvm_tensor_info(g, x, &nd, &dt);
    int axis = onnx_int(onnx_attr_i(n, "axis", -1));
    if (axis < 0) axis += nd;
    if (axis < 0 || axis >= nd) return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "axis out of range");
    tvm_dtype work = dt == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32;
    tvm_tensor xw = dt == work ? x : tvm_op_cast(g, x, work);
    int axes[TVM_MAX_NDIM];
    for (int k = axis; k < nd; k++) axes[k - axis] = k;
    tvm_tensor mean = tvm_op_reduce(g, TVM_OP_MEAN, xw, nd - axis, axes, 1);
    tvm_tensor d = tvm_op_binary(g, TVM_OP_SUB, xw, mean);
    tvm_tensor var = tvm_op_reduce(g, TVM_OP_MEAN, tvm_op_binary(g, TVM_OP_MUL, d, d),
                                   nd - axis, axes, 1);
    double eps = onnx_attr_f(n, "epsilon", 1e-5);
    tvm_tensor e = tvm_constant(g, "epsilon", TVM_FLOAT64, 0, NULL, &eps);
    if (work != TVM_FLOAT64) e = tvm_op_cast(g, e, work);
    tvm_tensor inv = tvm_op_unary(g, TVM_OP_RECIPROCAL,
                                  tvm_op_unary(g, TVM_OP_SQRT, tvm_op_binary(g, TVM_OP_ADD, var, e)));
    tvm_tensor y = tvm_op_binary(g, TVM_OP_MUL, d, inv);
    if (work != dt) y = tvm_op_cast(g, y, dt);
    y = tvm_op_binary(g, TVM_OP_MUL, y, gamma);
    if (beta.id) y = tvm_op_binary(g, TVM_OP_ADD, y, beta);
    TRY(onnx_set_output(c, n, 0, y));
    if (n->nout > 1 && n->out[1]->name) TRY(onnx_set_output(c, n, 1, mean));
    if (n->nout > 2 && n->out[2]->name) TRY(onnx_set_output(c, n, 2, inv));
    return TVM_OK;
}

static tvm_status op_layer_norm(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, gamma, beta = {0};
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &gamma));
    if (n->nin > 2 && n->in[2]) TRY(onnx_input(c, n, 2, &beta));
    bool stats = false;
    for (int k = 1; k < n->nout; k++) stats |= n->out[k]->name != NULL;
    if (stats) return layer_norm_with_stats(c, n, x, gamma, beta);
    return onnx_set_output(c, n, 0, tvm_op_layer_norm(c->g, x, gamma, beta,
                                                      onnx_int(onnx_attr_i(n, "axis", -1)),
                                                      onnx_attr_f(n, "epsilon", 1e-5)));
}

static tvm_status op_batch_norm(onnx_ctx *c, onnx_node *n) {
    tvm_tensor t[5];
    for (int k = 0; k < 5; k++) TRY(onnx_input(c, n, k, &t[k]));
    if (onnx_attr_i(n, "training_mode", 0))
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "training_mode=1");
    for (int k = 1; k < n->nout; k++)
        if (n->out[k]->name)
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "training outputs (running mean/var)");
    return onnx_set_output(c, n, 0, tvm_op_batch_norm(c->g, t[0], t[1], t[2], t[3], t[4],
                                                      onnx_attr_f(n, "epsilon", 1e-5)));
}

static tvm_status op_instance_norm(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, scale, bias;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &scale));
    TRY(onnx_input(c, n, 2, &bias));
    int xnd;
    int64_t xd[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &xnd, NULL, xd));
    if (xnd < 3 || xd[1] < 0)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "needs rank >= 3 and a constant channel dim");
    /* instance norm is group norm with one channel per group */
    return onnx_set_output(c, n, 0, tvm_op_group_norm(c->g, x, scale, bias, (int)xd[1],
                                                      onnx_attr_f(n, "epsilon", 1e-5)));
}

const onnx_op onnx_ops_nn[] = {
    {"MatMul", 1, op_matmul}, {"Gemm", 1, op_gemm},
    {"MatMulInteger", 10, op_matmul_integer}, {"ConvInteger", 10, op_conv_integer},
    {"QLinearMatMul", 10, op_qlinear_matmul}, {"QLinearConv", 10, op_qlinear_conv},
    {"Conv", 1, op_conv}, {"ConvTranspose", 1, op_conv},
    {"MaxPool", 1, op_pool}, {"AveragePool", 1, op_pool},
    {"GlobalAveragePool", 1, op_global_pool}, {"GlobalMaxPool", 1, op_global_pool},
    {"Softmax", 1, op_softmax}, {"LogSoftmax", 1, op_softmax},
    {"LayerNormalization", 17, op_layer_norm}, {"BatchNormalization", 1, op_batch_norm},
    {"InstanceNormalization", 1, op_instance_norm},
    {NULL, 0, NULL},
};
