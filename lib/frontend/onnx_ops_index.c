/* onnx_ops_index.c — ONNX operators whose elements are chosen by position
 * (GatherElements, GatherND, ScatterElements / Scatter, ScatterND, TopK,
 * Compress, Trilu, CumSum, Hardmax, EyeLike, DepthToSpace, SpaceToDepth, Resize,
 * Upsample, GridSample):
 * library calls, computes over the result's iteration variables, or
 * reshape / transpose chains. */
#include <math.h>
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

static tvm_status arg_of(onnx_ctx *c, onnx_node *n, tvm_tensor t, op_arg *a) {
    return op_tensor(c->g, "onnx", "input", t, a) ? TVM_OK : onnx_graph_status(c, n);
}

/* GatherElements through the library (its out-of-range check included). */
static tvm_status op_gather_elements(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, idx;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &idx));
    return onnx_set_output(c, n, 0, tvm_op_gather_elements(c->g, x, idx,
                                                            onnx_int(onnx_attr_i(n, "axis", 0))));
}

/* GatherND (11; batch_dims from 12). */
static tvm_status op_gather_nd(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, idx;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &idx));
    int b = c->opset >= 12 ? onnx_int(onnx_attr_i(n, "batch_dims", 0)) : 0;
    return onnx_set_output(c, n, 0, tvm_op_gather_nd(c->g, x, idx, b));
}

/* The reduction attribute of ScatterElements / ScatterND: from opset 16
 * ("none", "add", "mul"; "max", "min" from 18). */
static tvm_status scatter_reduction(onnx_ctx *c, onnx_node *n, tvm_scatter_reduction *r) {
    char buf[16];
    const char *s = onnx_attr_s(n, "reduction", "none", buf, sizeof buf);
    if (c->opset < 16 && strcmp(s, "none"))
        return onnx_fail(n, TVM_ERR_PARSE, "reduction '%s' before opset 16", s);
    if (!strcmp(s, "none")) *r = TVM_SCATTER_NONE;
    else if (!strcmp(s, "add")) *r = TVM_SCATTER_ADD;
    else if (!strcmp(s, "mul")) *r = TVM_SCATTER_MUL;
    else if (!strcmp(s, "max") && c->opset >= 18) *r = TVM_SCATTER_MAX;
    else if (!strcmp(s, "min") && c->opset >= 18) *r = TVM_SCATTER_MIN;
    else return onnx_fail(n, TVM_ERR_UNSUPPORTED, "reduction '%s' (opset %lld)", s,
                          (long long)c->opset);
    return TVM_OK;
}

/* ScatterElements (11) and its older name Scatter (9, 10). */
static tvm_status op_scatter_elements(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, idx, upd;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &idx));
    TRY(onnx_input(c, n, 2, &upd));
    tvm_scatter_reduction r = TVM_SCATTER_NONE;
    if (!strcmp(n->proto->op_type, "ScatterElements")) TRY(scatter_reduction(c, n, &r));
    return onnx_set_output(c, n, 0, tvm_op_scatter_elements(c->g, x, idx, upd,
                                                            onnx_int(onnx_attr_i(n, "axis", 0)), r));
}

static tvm_status op_scatter_nd(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, idx, upd;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &idx));
    TRY(onnx_input(c, n, 2, &upd));
    tvm_scatter_reduction r;
    TRY(scatter_reduction(c, n, &r));
    return onnx_set_output(c, n, 0, tvm_op_scatter_nd(c->g, x, idx, upd, r));
}

/* TopK: k an attribute (1-9) or a constant input (10+); largest and sorted
 * from 11. The result is always sorted, which sorted=0 allows. */
static tvm_status op_topk(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t k;
    if (c->opset >= 10) {
        int cnt;
        TRY(onnx_const_ints(c, n, 1, "K", &k, 1, &cnt));
        if (cnt != 1) return onnx_fail(n, TVM_ERR_SHAPE, "K must hold one value");
    } else {
        k = onnx_attr_i(n, "k", -1);
    }
    int axis = onnx_int(onnx_attr_i(n, "axis", -1));
    int largest = c->opset >= 11 ? onnx_int(onnx_attr_i(n, "largest", 1)) : 1;
    if (k < 0 || k > INT32_MAX) return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "k is %lld",
                                                 (long long)k);
    tvm_tensor idx = tvm_op_topk(c->g, x, k, axis, largest);
    TRY(onnx_set_output(c, n, 1, idx));
    return onnx_set_output(c, n, 0, tvm_op_gather_elements(c->g, x, idx, axis));
}

/* Compress: the slices along axis (the elements of the flattened input
 * without axis) where condition is true. The result's length is the number
 * of trues, so condition must be known at import time (like Reshape's
 * shape); the positions become a constant index list for a Gather. A
 * condition shorter than the dim drops the slices past its end, as ONNX
 * says; a true past the end of a constant dim is an error. */
static tvm_status op_compress(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    onnx_value *cv = n->nin > 1 ? n->in[1] : NULL;
    if (!cv) return onnx_fail(n, TVM_ERR_PARSE, "input 1 (condition) is missing");
    if (!cv->data)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input '%s' (condition) must be known at "
                         "import time (the result's length is its number of trues)", cv->name);
    if (cv->dtype != TVM_BOOL)
        return onnx_fail(n, TVM_ERR_DTYPE, "condition '%s' is %s, not bool", cv->name,
                         dtype_name(cv->dtype));
    if (cv->ndim != 1)
        return onnx_fail(n, TVM_ERR_SHAPE, "condition '%s' has rank %d, not 1", cv->name,
                         cv->ndim);
    op_arg xa;
    TRY(arg_of(c, n, x, &xa));
    int ax = 0;
    if (onnx_attr(n, "axis")) {
        if (!op_axis(g, "Compress", onnx_int(onnx_attr_i(n, "axis", 0)), xa.shape.ndim, &ax))
            return onnx_graph_status(c, n);
    } else {
        x = tvm_op_reshape(g, x, 1, (const int64_t[]){-1});
        TRY(arg_of(c, n, x, &xa));
    }
    int64_t dim = -1, len = cv->shape[0], m = 0;
    op_const_value(g, xa.shape.dims[ax], &dim);
    const uint8_t *cond = cv->data;
    int64_t *pos = malloc(sizeof *pos * (size_t)(len > 0 ? len : 1));
    if (!pos) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "out of memory");
    for (int64_t i = 0; i < len; i++) {
        if (!cond[i]) continue;
        if (dim >= 0 && i >= dim) {
            free(pos);
            return onnx_fail(n, TVM_ERR_SHAPE, "condition '%s' is true at %lld, past the "
                             "input's dim %lld", cv->name, (long long)i, (long long)dim);
        }
        pos[m++] = i;
    }
    tvm_tensor idx = tvm_constant(g, "compress_positions", TVM_INT64, 1, &m, pos);
    free(pos);
    return onnx_set_output(c, n, 0, tvm_op_gather(g, x, idx, ax));
}

/* Keeps the upper (or lower) triangle of the last two dims, shifted by k. */
static tvm_status op_trilu(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg xa;
    TRY(arg_of(c, n, x, &xa));
    int nd = xa.shape.ndim;
    if (nd < 2) return onnx_fail(n, TVM_ERR_SHAPE, "input rank %d < 2", nd);
    int64_t k = 0;
    int cnt;
    if (n->nin > 1 && n->in[1]) TRY(onnx_const_ints(c, n, 1, "k", &k, 1, &cnt));
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    tvm_expr diff = tvm_sub(g, it[nd - 1], it[nd - 2]); /* j - i */
    tvm_expr keep = onnx_attr_i(n, "upper", 1) ? tvm_ge(g, diff, op_i64(g, k))
                                                : tvm_le(g, diff, op_i64(g, k));
    tvm_expr zero = xa.dtype == TVM_BOOL ? tvm_const_int(g, TVM_BOOL, 0)
                                         : tvm_const_int(g, xa.dtype, 0);
    return onnx_set_output(c, n, 0, tvm_compute(g, "trilu", nd, xa.shape.dims, it,
                                                tvm_select(g, keep, tvm_load(g, x, it), zero)));
}

/* out[i] = sum of x over positions j along axis with j <= i (j < i when
 * exclusive; mirrored when reverse). Quadratic in the axis length. */
static tvm_status op_cumsum(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg xa;
    TRY(arg_of(c, n, x, &xa));
    int64_t ax;
    int cnt;
    TRY(onnx_const_ints(c, n, 1, "axis", &ax, 1, &cnt));
    int axis;
    if (!op_axis(g, "CumSum", (int)ax, xa.shape.ndim, &axis)) return onnx_graph_status(c, n);
    bool excl = onnx_attr_i(n, "exclusive", 0), rev = onnx_attr_i(n, "reverse", 0);
    tvm_expr it[TVM_MAX_NDIM], xi[TVM_MAX_NDIM];
    op_iters(g, xa.shape.ndim, it);
    tvm_expr r = tvm_reduce_axis(g, "j", xa.shape.dims[axis]);
    for (int k = 0; k < xa.shape.ndim; k++) xi[k] = k == axis ? r : it[k];
    tvm_expr i = it[axis];
    tvm_expr in = rev ? (excl ? tvm_gt(g, r, i) : tvm_ge(g, r, i))
                      : (excl ? tvm_lt(g, r, i) : tvm_le(g, r, i));
    tvm_expr body = tvm_select(g, in, tvm_load(g, x, xi), tvm_const_int(g, xa.dtype, 0));
    return onnx_set_output(c, n, 0, tvm_compute(g, "cumsum", xa.shape.ndim, xa.shape.dims, it,
                                                tvm_sum(g, body, 1, &r)));
}

/* 1 where the element is its row's first maximum along axis, else 0. */
static tvm_status op_hardmax(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg xa;
    TRY(arg_of(c, n, x, &xa));
    int nd = xa.shape.ndim;
    if (c->opset < 13 && onnx_attr_i(n, "axis", 1) != nd - 1 && onnx_attr_i(n, "axis", 1) != -1)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "opset < 13 Hardmax over flattened axes");
    int axis;
    if (!op_axis(g, "Hardmax", onnx_int(onnx_attr_i(n, "axis", -1)), nd, &axis))
        return onnx_graph_status(c, n);
    tvm_tensor am = tvm_op_reduce(g, TVM_OP_ARGMAX, x, 1, &axis, 1);
    tvm_expr it[TVM_MAX_NDIM], ai[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    for (int k = 0; k < nd; k++) ai[k] = k == axis ? op_i64(g, 0) : it[k];
    tvm_expr hit = tvm_eq(g, tvm_load(g, am, ai), it[axis]);
    tvm_expr body = tvm_cast(g, xa.dtype, hit);
    return onnx_set_output(c, n, 0, tvm_compute(g, "hardmax", nd, xa.shape.dims, it, body));
}

static tvm_status op_eye_like(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg xa;
    TRY(arg_of(c, n, x, &xa));
    if (xa.shape.ndim != 2) return onnx_fail(n, TVM_ERR_SHAPE, "input must be 2-D");
    tvm_dtype dt = xa.dtype;
    const Onnx__AttributeProto *a = onnx_attr(n, "dtype");
    if (a && a->has_i && !(dt = onnx_dtype((int32_t)a->i)))
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "dtype %s", onnx_dtype_name((int32_t)a->i));
    tvm_expr it[2];
    op_iters(g, 2, it);
    tvm_expr on = tvm_eq(g, tvm_sub(g, it[1], it[0]), op_i64(g, onnx_attr_i(n, "k", 0)));
    return onnx_set_output(c, n, 0, tvm_compute(g, "eye", 2, xa.shape.dims, it,
                                                tvm_cast(g, dt, on)));
}

/* DepthToSpace / SpaceToDepth as reshape -> transpose -> reshape. */
static tvm_status op_depth_space(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int nd;
    int64_t d[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &nd, NULL, d));
    int64_t b = onnx_attr_i(n, "blocksize", 0);
    if (nd != 4 || b < 1 || d[0] < 0 || d[1] < 0 || d[2] < 0 || d[3] < 0)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "needs a 4-D input of constant shape and "
                         "blocksize >= 1");
    int64_t N = d[0], C = d[1], H = d[2], W = d[3];
    tvm_tensor r;
    if (!strcmp(n->proto->op_type, "DepthToSpace")) {
        char buf[8];
        bool crd = !strcmp(onnx_attr_s(n, "mode", "DCR", buf, sizeof buf), "CRD");
        if (C % (b * b)) return onnx_fail(n, TVM_ERR_SHAPE, "channels not divisible");
        int64_t s6[6];
        int perm[6];
        if (crd) {
            int64_t t[6] = {N, C / (b * b), b, b, H, W};
            int p[6] = {0, 1, 4, 2, 5, 3};
            memcpy(s6, t, sizeof t), memcpy(perm, p, sizeof p);
        } else {
            int64_t t[6] = {N, b, b, C / (b * b), H, W};
            int p[6] = {0, 3, 4, 1, 5, 2};
            memcpy(s6, t, sizeof t), memcpy(perm, p, sizeof p);
        }
        r = tvm_op_transpose(g, tvm_op_reshape(g, x, 6, s6), perm);
        int64_t o[4] = {N, C / (b * b), H * b, W * b};
        r = tvm_op_reshape(g, r, 4, o);
    } else {
        if (H % b || W % b) return onnx_fail(n, TVM_ERR_SHAPE, "spatial dims not divisible");
        int64_t s6[6] = {N, C, H / b, b, W / b, b};
        int perm[6] = {0, 3, 5, 1, 2, 4};
        r = tvm_op_transpose(g, tvm_op_reshape(g, x, 6, s6), perm);
        int64_t o[4] = {N, C * b * b, H / b, W / b};
        r = tvm_op_reshape(g, r, 4, o);
    }
    return onnx_set_output(c, n, 0, r);
}

/* Resize (opset 10: X, scales; 11+: X, roi, scales, sizes). */
static tvm_status op_resize(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int nd;
    int64_t d[TVM_MAX_NDIM], out[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &nd, NULL, d));
    int si = c->opset >= 11 ? 2 : 1, zi = 3;
    int64_t sizes[TVM_MAX_NDIM];
    int ns = 0;
    if (c->opset >= 11 && n->nin > zi && n->in[zi])
        TRY(onnx_const_ints(c, n, zi, "sizes", sizes, TVM_MAX_NDIM, &ns));
    if (ns) {
        if (ns != nd) return onnx_fail(n, TVM_ERR_SHAPE, "sizes has %d values for rank %d", ns, nd);
        memcpy(out, sizes, sizeof(int64_t) * (size_t)nd);
    } else {
        onnx_value *sv = n->nin > si ? n->in[si] : NULL;
        if (!sv) return onnx_fail(n, TVM_ERR_PARSE, "neither scales nor sizes is given");
        if (!sv->data)
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input '%s' (scales) must be known at "
                             "import time", sv->name);
        if (sv->dtype != TVM_FLOAT32)
            return onnx_fail(n, TVM_ERR_DTYPE, "scales must be float32");
        /* the element count, not shape[0]: a [2, 0] tensor has no values to
         * read (saturated above TVM_MAX_NDIM, so it cannot overflow) */
        int64_t cnt = 1;
        for (int k = 0; k < sv->ndim; k++)
            cnt = !cnt || !sv->shape[k] ? 0
                  : cnt > TVM_MAX_NDIM || sv->shape[k] > TVM_MAX_NDIM ? TVM_MAX_NDIM + 1
                                                                       : cnt * sv->shape[k];
        if (cnt != nd) return onnx_fail(n, TVM_ERR_SHAPE, "scales must have %d values", nd);
        for (int k = 0; k < nd; k++) {
            if (d[k] < 0) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "symbolic input dims");
            double scale = ((float *)sv->data)[k];
            /* ONNX wants scales > 0; a huge or NaN scale would make the int64
             * conversion below undefined */
            if (!(scale > 0) || !((double)d[k] * scale < 0x1p62))
                return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "scale %g of dim %d", scale, k);
            out[k] = (int64_t)((double)d[k] * scale);
            /* the library maps coordinates with out/in; ONNX with the scale */
            if (d[k] && out[k] != d[k] && (double)out[k] / (double)d[k] != scale)
                return onnx_fail(n, TVM_ERR_UNSUPPORTED, "scale %g of dim %d is not the ratio "
                                 "of the output and input sizes", scale, k);
        }
    }
    char mb[16], cb[32], nb[32];
    const char *mode = onnx_attr_s(n, "mode", "nearest", mb, sizeof mb);
    const char *coord = onnx_attr_s(n, "coordinate_transformation_mode",
                                    c->opset >= 11 ? "half_pixel" : "asymmetric", cb, sizeof cb);
    /* Upsample picks the source element by floor (it has no nearest_mode) */
    bool upsample = !strcmp(n->proto->op_type, "Upsample");
    const char *near = onnx_attr_s(n, "nearest_mode", upsample ? "floor" : "round_prefer_floor",
                                   nb, sizeof nb);
    tvm_resize_mode m;
    if (!strcmp(mode, "nearest")) m = TVM_RESIZE_NEAREST;
    else if (!strcmp(mode, "linear")) m = TVM_RESIZE_LINEAR;
    else return onnx_fail(n, TVM_ERR_UNSUPPORTED, "mode '%s'", mode);
    tvm_resize_coord ct;
    if (!strcmp(coord, "half_pixel")) ct = TVM_COORD_HALF_PIXEL;
    else if (!strcmp(coord, "asymmetric")) ct = TVM_COORD_ASYMMETRIC;
    else if (!strcmp(coord, "align_corners")) ct = TVM_COORD_ALIGN_CORNERS;
    else if (!strcmp(coord, "pytorch_half_pixel")) ct = TVM_COORD_PYTORCH_HALF_PIXEL;
    else return onnx_fail(n, TVM_ERR_UNSUPPORTED, "coordinate_transformation_mode '%s'", coord);
    tvm_resize_nearest nm;
    if (!strcmp(near, "round_prefer_floor")) nm = TVM_NEAREST_ROUND_PREFER_FLOOR;
    else if (!strcmp(near, "round_prefer_ceil")) nm = TVM_NEAREST_ROUND_PREFER_CEIL;
    else if (!strcmp(near, "floor")) nm = TVM_NEAREST_FLOOR;
    else if (!strcmp(near, "ceil")) nm = TVM_NEAREST_CEIL;
    else return onnx_fail(n, TVM_ERR_UNSUPPORTED, "nearest_mode '%s'", near);
    if (onnx_attr_i(n, "exclude_outside", 0))
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "exclude_outside=1");
    return onnx_set_output(c, n, 0, tvm_op_resize(c->g, x, out, m, ct, nm));
}

/* out[..., j (at axis), ...] = indices[...] == j ? on : off, with negative
 * indices counting back from depth. */
static tvm_status op_one_hot(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor idx, values;
    TRY(onnx_input(c, n, 0, &idx));
    TRY(onnx_input(c, n, 2, &values));
    double depth_d;
    TRY(onnx_const_scalar(c, n, 1, "depth", &depth_d));
    int64_t depth = onnx_sat_i64(depth_d); /* NaN and the infinities fail below */
    if (depth < 1 || depth > (int64_t)1 << 31)
        return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "depth %g", depth_d);
    op_arg ia, va;
    TRY(arg_of(c, n, idx, &ia));
    TRY(arg_of(c, n, values, &va));
    int nd = ia.shape.ndim + 1;
    if (nd > TVM_MAX_NDIM) return onnx_fail(n, TVM_ERR_LIMIT, "rank too large");
    /* values is [off, on]: a rank-1 tensor of two elements (it is read at
     * [0] and [1] below) */
    int64_t nvals;
    if (va.shape.ndim != 1 || !op_const_value(g, va.shape.dims[0], &nvals) || nvals != 2)
        return onnx_fail(n, TVM_ERR_SHAPE, "values must have shape [2]");
    int axis = onnx_int(onnx_attr_i(n, "axis", -1));
    if (axis < 0) axis += nd;
    if (axis < 0 || axis >= nd) return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "axis out of range");
    tvm_expr shape[TVM_MAX_NDIM], it[TVM_MAX_NDIM], ii[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    for (int k = 0, j = 0; k < nd; k++) {
        if (k == axis) {
            shape[k] = op_i64(g, depth);
            continue;
        }
        shape[k] = ia.shape.dims[j];
        ii[j++] = it[k];
    }
    tvm_expr v = tvm_load(g, idx, ii);
    if (dtype_is_float(ia.dtype)) v = tvm_cast(g, TVM_INT64, tvm_floor(g, v));
    else if (ia.dtype != TVM_INT64) v = tvm_cast(g, TVM_INT64, v);
    v = tvm_select(g, tvm_lt(g, v, op_i64(g, 0)), tvm_add(g, v, op_i64(g, depth)), v);
    tvm_expr on = tvm_load(g, values, (tvm_expr[]){op_i64(g, 1)});
    tvm_expr off = tvm_load(g, values, (tvm_expr[]){op_i64(g, 0)});
    return onnx_set_output(c, n, 0, tvm_compute(g, "one_hot", nd, shape, it,
                                                tvm_select(g, tvm_eq(g, v, it[axis]), on, off)));
}

/* Range of constant scalars, evaluated at import time. */
static tvm_status op_range(onnx_ctx *c, onnx_node *n) {
    double st, lim, dl;
    TRY(onnx_const_scalar(c, n, 0, "start", &st));
    TRY(onnx_const_scalar(c, n, 1, "limit", &lim));
    TRY(onnx_const_scalar(c, n, 2, "delta", &dl));
    tvm_dtype dt = n->in[0]->dtype;
    if (dl == 0) return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "delta is 0");
    double cnt = ceil((lim - st) / dl);
    if (!(cnt >= 0)) cnt = 0;
    if (cnt > ONNX_MAX_FOLD_ELEMS * 16)
        return onnx_fail(n, TVM_ERR_LIMIT, "%g elements", cnt);
    int64_t len = (int64_t)cnt;
    /* integer ranges: every value start + k * delta must fit the dtype (a
     * double outside it has no defined conversion) */
    if (len > 0 && dtype_is_int(dt)) {
        double hi = dt == TVM_INT16 ? 32767.0 : dt == TVM_INT32 ? 2147483647.0 : 4.6e18;
        double last = st + (double)(len - 1) * dl;
        if (!(fabs(st) <= hi && fabs(dl) <= hi && fabs(last) <= hi))
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT,
                             "start %g, delta %g: values outside %s", st, dl, dtype_name(dt));
    }
    size_t es = (size_t)dtype_bytes(dt);
    uint8_t *buf = calloc((size_t)len + 1, es);
    if (!buf) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    for (int64_t k = 0; k < len; k++) {
        double v = st + (double)k * dl;
        switch (dt) {
        case TVM_FLOAT32: ((float *)buf)[k] = (float)((float)st + (float)k * (float)dl); break;
        case TVM_FLOAT64: ((double *)buf)[k] = v; break;
        case TVM_INT16: ((int16_t *)buf)[k] = (int16_t)v; break;
        case TVM_INT32: ((int32_t *)buf)[k] = (int32_t)v; break;
        case TVM_INT64: ((int64_t *)buf)[k] = (int64_t)st + k * (int64_t)dl; break;
        default:
            free(buf);
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "Range of %s", dtype_name(dt));
        }
    }
    tvm_status s = onnx_set_const(c, n, 0, dt, 1, &len, buf);
    free(buf);
    return s;
}

/* GridSample (opset 16: X [N, C, H, W], grid [N, H_out, W_out, 2]). */
static tvm_status op_grid_sample(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, grid;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &grid));
    char mb[16], pb[16];
    const char *mode = onnx_attr_s(n, "mode", "bilinear", mb, sizeof mb);
    const char *pad = onnx_attr_s(n, "padding_mode", "zeros", pb, sizeof pb);
    int64_t align = onnx_attr_i(n, "align_corners", 0);
    tvm_grid_sample_mode m;
    tvm_grid_sample_padding p;
    if (!strcmp(mode, "bilinear")) m = TVM_GRID_SAMPLE_BILINEAR;
    else if (!strcmp(mode, "nearest")) m = TVM_GRID_SAMPLE_NEAREST;
    else if (!strcmp(mode, "bicubic")) m = TVM_GRID_SAMPLE_BICUBIC;
    else return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "mode '%s' (bilinear, nearest or "
                          "bicubic)", mode);
    if (!strcmp(pad, "zeros")) p = TVM_GRID_PAD_ZEROS;
    else if (!strcmp(pad, "border")) p = TVM_GRID_PAD_BORDER;
    else if (!strcmp(pad, "reflection")) p = TVM_GRID_PAD_REFLECTION;
    else return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "padding_mode '%s' (zeros, border or "
                          "reflection)", pad);
    if (align != 0 && align != 1)
        return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "align_corners is %lld; it must be 0 or 1",
                         (long long)align);
    return onnx_set_output(c, n, 0, tvm_op_grid_sample(c->g, x, grid, m, p, (int)align));
}

const onnx_op onnx_ops_index[] = {
    {"OneHot", 9, op_one_hot},
    {"Range", 11, op_range},
    {"GatherElements", 11, op_gather_elements},
    {"GatherND", 11, op_gather_nd},
    {"Scatter", 9, op_scatter_elements},
    {"ScatterElements", 11, op_scatter_elements},
    {"ScatterND", 11, op_scatter_nd},
    {"TopK", 1, op_topk},
    {"Compress", 9, op_compress},
    {"Trilu", 14, op_trilu},
    {"CumSum", 11, op_cumsum},
    {"Hardmax", 1, op_hardmax},
    {"EyeLike", 9, op_eye_like},
    {"DepthToSpace", 1, op_depth_space},
    {"SpaceToDepth", 1, op_depth_space},
    {"Resize", 10, op_resize},
    {"Upsample", 9, op_resize}, /* opset 9: Resize (10) with its scales input */
    {"GridSample", 16, op_grid_sample},
    {NULL, 0, NULL},
};
