/* onnx_ops.c — ONNX operators that map onto elementwise, reduction and
 * shape operators of the library, plus the import-time ones (Constant,
 * Shape, ConstantOfShape), and the lookup over both tables. */
#include <math.h>
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

static int opset_of(onnx_ctx *c) { return (int)c->opset; }

/* ---- elementwise ------------------------------------------------------- */

static const struct { const char *name; tvm_op_binary_kind k; } binary_ops[] = {
    {"Add", TVM_OP_ADD}, {"Sub", TVM_OP_SUB}, {"Mul", TVM_OP_MUL}, {"Div", TVM_OP_DIV},
    {"Equal", TVM_OP_EQUAL}, {"Less", TVM_OP_LESS}, {"LessOrEqual", TVM_OP_LESS_EQUAL},
    {"Greater", TVM_OP_GREATER}, {"GreaterOrEqual", TVM_OP_GREATER_EQUAL},
    {"And", TVM_OP_AND}, {"Or", TVM_OP_OR}, {"Xor", TVM_OP_XOR},
};

static tvm_status op_binary(onnx_ctx *c, onnx_node *n) {
    tvm_tensor a, b;
    TRY(onnx_input(c, n, 0, &a));
    TRY(onnx_input(c, n, 1, &b));
    if (onnx_attr_i(n, "broadcast", 0) && onnx_attr(n, "axis")) {
        /* opset < 7: b's dims line up with a's from `axis` on, so b gets
         * trailing size-1 dims for numpy broadcasting */
        int an, bn;
        int64_t bd[TVM_MAX_NDIM];
        tvm_tensor_info(c->g, a, &an, NULL);
        TRY(onnx_input_shape(c, n, 1, &bn, NULL, bd));
        int64_t axis = onnx_attr_i(n, "axis", 0);
        if (axis < 0) axis += an;
        if (axis < 0 || axis + bn > an)
            return onnx_fail(n, TVM_ERR_SHAPE, "legacy broadcast axis %lld does not fit",
                             (long long)axis);
        int trail = an - (int)axis - bn;
        if (trail > 0) {
            int axes[TVM_MAX_NDIM];
            for (int k = 0; k < trail; k++) axes[k] = bn + k;
            b = tvm_op_unsqueeze(c->g, b, trail, axes);
        }
    }
    for (size_t k = 0; k < ARRAY_LEN(binary_ops); k++)
        if (!strcmp(binary_ops[k].name, n->proto->op_type))
            return onnx_set_output(c, n, 0, tvm_op_binary(c->g, binary_ops[k].k, a, b));
    return onnx_fail(n, TVM_ERR_INTERNAL, "no binary kind");
}

static tvm_status op_mod(onnx_ctx *c, onnx_node *n) {
    tvm_tensor a, b;
    TRY(onnx_input(c, n, 0, &a));
    TRY(onnx_input(c, n, 1, &b));
    tvm_op_binary_kind k = onnx_attr_i(n, "fmod", 0) ? TVM_OP_MOD : TVM_OP_FLOORMOD;
    return onnx_set_output(c, n, 0, tvm_op_binary(c->g, k, a, b));
}

/* Whether input k is a constant whose every element is exactly v (a
 * scalar exponent, or one repeated per element). */
static bool const_all_equal(const onnx_node *n, int k, double v) {
    const onnx_value *x = k < n->nin ? n->in[k] : NULL;
    if (!x || !x->data) return false;
    int64_t count = 1;
    for (int d = 0; d < x->ndim; d++) count *= x->shape[d];
    for (int64_t i = 0; i < count; i++) {
        double e;
        switch (x->dtype) {
        case TVM_FLOAT32: e = ((const float *)x->data)[i]; break;
        case TVM_FLOAT64: e = ((const double *)x->data)[i]; break;
        case TVM_INT32: e = ((const int32_t *)x->data)[i]; break;
        case TVM_INT64: e = (double)((const int64_t *)x->data)[i]; break;
        default: return false;
        }
        if (e != v) return false;
    }
    return true;
}

/* Pow allows an exponent of another type and integer bases: computed in
 * the base's float type (float64 for integers), then cast back. A float
 * base squared (the variance in every exported LayerNorm and RMSNorm) is
 * x * x: the same correctly rounded value as pow(x, 2), without a libm
 * call per element that also keeps the loop from vectorising well. */
static tvm_status op_pow(onnx_ctx *c, onnx_node *n) {
    tvm_tensor a, b;
    TRY(onnx_input(c, n, 0, &a));
    tvm_dtype da, db;
    tvm_tensor_info(c->g, a, NULL, &da);
    if (dtype_is_float(da) && const_all_equal(n, 1, 2.0)) {
        int an, bn;
        int64_t ad[TVM_MAX_NDIM], bd[TVM_MAX_NDIM];
        TRY(onnx_input_shape(c, n, 0, &an, NULL, ad));
        TRY(onnx_input_shape(c, n, 1, &bn, NULL, bd));
        /* only where the exponent does not broadcast the result larger */
        bool same = bn <= an;
        for (int d = 0; same && d < bn; d++)
            same = bd[bn - 1 - d] == 1 || bd[bn - 1 - d] == ad[an - 1 - d];
        if (same) return onnx_set_output(c, n, 0, tvm_op_binary(c->g, TVM_OP_MUL, a, a));
    }
    TRY(onnx_input(c, n, 1, &b));
    tvm_tensor_info(c->g, b, NULL, &db);
    tvm_dtype work = dtype_is_float(da) ? da : TVM_FLOAT64;
    if (da != work) a = tvm_op_cast(c->g, a, work);
    if (db != work) b = tvm_op_cast(c->g, b, work);
    tvm_tensor r = tvm_op_binary(c->g, TVM_OP_POW, a, b);
    if (work != da) r = tvm_op_cast(c->g, r, da);
    return onnx_set_output(c, n, 0, r);
}

/* Variadic Sum / Min / Max / Mean fold pairwise. */
static tvm_status op_variadic(onnx_ctx *c, onnx_node *n) {
    const char *t = n->proto->op_type;
    tvm_op_binary_kind k = !strcmp(t, "Min") ? TVM_OP_MINIMUM
                           : !strcmp(t, "Max") ? TVM_OP_MAXIMUM : TVM_OP_ADD;
    tvm_tensor acc;
    TRY(onnx_input(c, n, 0, &acc));
    for (int i = 1; i < n->nin; i++) {
        tvm_tensor x;
        TRY(onnx_input(c, n, i, &x));
        acc = tvm_op_binary(c->g, k, acc, x);
    }
    if (!strcmp(t, "Mean") && n->nin > 1) {
        tvm_dtype dt;
        tvm_tensor_info(c->g, acc, NULL, &dt);
        float f32 = (float)n->nin;
        double f64 = n->nin;
        tvm_tensor cnt = tvm_constant(c->g, "count", dt == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32,
                                      0, NULL, dt == TVM_FLOAT64 ? (void *)&f64 : (void *)&f32);
        if (dt != TVM_FLOAT64 && dt != TVM_FLOAT32) cnt = tvm_op_cast(c->g, cnt, dt);
        acc = tvm_op_binary(c->g, TVM_OP_DIV, acc, cnt);
    } else if (n->nin == 1) {
        acc = tvm_op_unary(c->g, TVM_OP_IDENTITY, acc);
    }
    return onnx_set_output(c, n, 0, acc);
}

static tvm_status op_where(onnx_ctx *c, onnx_node *n) {
    tvm_tensor cond, a, b;
    TRY(onnx_input(c, n, 0, &cond));
    TRY(onnx_input(c, n, 1, &a));
    TRY(onnx_input(c, n, 2, &b));
    return onnx_set_output(c, n, 0, tvm_op_where(c->g, cond, a, b));
}

static const struct { const char *name; tvm_op_unary_kind k; } unary_ops[] = {
    {"Relu", TVM_OP_RELU}, {"Sigmoid", TVM_OP_SIGMOID}, {"Tanh", TVM_OP_TANH},
    {"Exp", TVM_OP_EXP}, {"Log", TVM_OP_LOG}, {"Sqrt", TVM_OP_SQRT},
    {"Reciprocal", TVM_OP_RECIPROCAL}, {"Abs", TVM_OP_ABS}, {"Neg", TVM_OP_NEG},
    {"Floor", TVM_OP_FLOOR}, {"Ceil", TVM_OP_CEIL}, {"Erf", TVM_OP_ERF},
    {"Sign", TVM_OP_SIGN}, {"Not", TVM_OP_NOT}, {"Identity", TVM_OP_IDENTITY},
    {"HardSwish", TVM_OP_HARD_SWISH}, {"Gelu", TVM_OP_GELU},
};

static tvm_status op_unary(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    const char *t = n->proto->op_type;
    if (!strcmp(t, "Dropout")) { /* inference: identity; mask unsupported */
        double training = 0;
        if (n->nin > 2 && n->in[2] &&
            (onnx_const_scalar(c, n, 2, "training_mode", &training) != TVM_OK || training))
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "Dropout in training mode");
        TRY(onnx_set_output(c, n, 0, tvm_op_unary(c->g, TVM_OP_IDENTITY, x)));
        if (n->nout > 1 && n->out[1]->name) { /* inference keeps everything: all true */
            op_arg a;
            if (!op_tensor(c->g, "onnx", "input", x, &a)) return onnx_graph_status(c, n);
            tvm_expr it[TVM_MAX_NDIM];
            op_iters(c->g, a.shape.ndim, it);
            TRY(onnx_set_output(c, n, 1, tvm_compute(c->g, "mask", a.shape.ndim, a.shape.dims,
                                                     it, tvm_const_int(c->g, TVM_BOOL, 1))));
        }
        return TVM_OK;
    }
    for (size_t k = 0; k < ARRAY_LEN(unary_ops); k++)
        if (!strcmp(unary_ops[k].name, t)) {
            tvm_op_unary_kind kind = unary_ops[k].k;
            if (kind == TVM_OP_GELU) {
                char buf[16];
                if (!strcmp(onnx_attr_s(n, "approximate", "none", buf, sizeof buf), "tanh"))
                    kind = TVM_OP_GELU_TANH;
            }
            return onnx_set_output(c, n, 0, tvm_op_unary(c->g, kind, x));
        }
    return onnx_fail(n, TVM_ERR_INTERNAL, "no unary kind");
}

static tvm_status op_activation(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    const char *t = n->proto->op_type;
    tvm_tensor r;
    if (!strcmp(t, "LeakyRelu")) r = tvm_op_leaky_relu(c->g, x, onnx_attr_f(n, "alpha", 0.01));
    else if (!strcmp(t, "Elu")) r = tvm_op_elu(c->g, x, onnx_attr_f(n, "alpha", 1.0));
    else r = tvm_op_hard_sigmoid(c->g, x, onnx_attr_f(n, "alpha", 0.2),
                                 onnx_attr_f(n, "beta", 0.5));
    return onnx_set_output(c, n, 0, r);
}

/* Clip: bounds are attributes before opset 11, optional inputs after. */
static tvm_status op_clip(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    double lo = NAN, hi = NAN;
    if (opset_of(c) < 11) {
        lo = onnx_attr_f(n, "min", -INFINITY);
        hi = onnx_attr_f(n, "max", INFINITY);
    } else {
        if (n->nin > 1 && n->in[1]) TRY(onnx_const_scalar(c, n, 1, "min", &lo));
        if (n->nin > 2 && n->in[2]) TRY(onnx_const_scalar(c, n, 2, "max", &hi));
    }
    return onnx_set_output(c, n, 0, tvm_op_clip(c->g, x, lo, hi));
}

static tvm_status op_cast(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t to = onnx_attr_i(n, "to", 0);
    tvm_dtype dt = onnx_dtype((int32_t)to);
    if (!dt)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "cast to %s is not supported",
                         onnx_dtype_name((int32_t)to));
    return onnx_set_output(c, n, 0, tvm_op_cast(c->g, x, dt));
}

/* ---- reductions -------------------------------------------------------- */

static tvm_status op_reduce(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    const char *t = n->proto->op_type;
    tvm_op_reduce_kind k = !strcmp(t, "ReduceSum") ? TVM_OP_SUM
                           : !strcmp(t, "ReduceMean") ? TVM_OP_MEAN
                           : !strcmp(t, "ReduceMax") ? TVM_OP_MAX
                           : !strcmp(t, "ReduceMin") ? TVM_OP_MIN : TVM_OP_PROD;
    int64_t axes[TVM_MAX_NDIM];
    int naxes = -1;
    /* ReduceSum takes axes as an input from opset 13 (the others from 18) */
    if (k == TVM_OP_SUM && opset_of(c) >= 13) {
        if (n->nin > 1 && n->in[1]) TRY(onnx_const_ints(c, n, 1, "axes", axes, TVM_MAX_NDIM, &naxes));
        if (naxes <= 0 && onnx_attr_i(n, "noop_with_empty_axes", 0))
            return onnx_set_output(c, n, 0, tvm_op_unary(c->g, TVM_OP_IDENTITY, x));
    } else {
        TRY(onnx_attr_ints(n, "axes", axes, TVM_MAX_NDIM, &naxes));
    }
    int ax[TVM_MAX_NDIM];
    for (int i = 0; i < naxes; i++) ax[i] = onnx_int(axes[i]);
    int keep = onnx_int(onnx_attr_i(n, "keepdims", 1));
    return onnx_set_output(c, n, 0, tvm_op_reduce(c->g, k, x, naxes < 0 ? 0 : naxes, ax, keep));
}

static tvm_status op_argminmax(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int axis = onnx_int(onnx_attr_i(n, "axis", 0));
    tvm_op_reduce_kind k = !strcmp(n->proto->op_type, "ArgMax") ? TVM_OP_ARGMAX : TVM_OP_ARGMIN;
    int keep = onnx_int(onnx_attr_i(n, "keepdims", 1));
    if (!onnx_attr_i(n, "select_last_index", 0))
        return onnx_set_output(c, n, 0, tvm_op_reduce(c->g, k, x, 1, &axis, keep));
    /* The last extremum is the first one of the reversed axis, counted
     * from the end: (dim - 1) - argmax(reverse(x)). */
    int nd;
    int64_t dims[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &nd, NULL, dims));
    int ax = axis < 0 ? axis + nd : axis;
    if (ax < 0 || ax >= nd || dims[ax] < 1)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "select_last_index needs a constant, "
                         "non-empty dim on the axis");
    int64_t st = -1, en = INT64_MIN, step = -1, last = dims[ax] - 1;
    tvm_tensor rev = tvm_op_slice(c->g, x, 1, &ax, &st, &en, &step);
    tvm_tensor r = tvm_op_reduce(c->g, k, rev, 1, &ax, keep);
    tvm_tensor lt = tvm_constant(c->g, "last", TVM_INT64, 0, NULL, &last);
    return onnx_set_output(c, n, 0, tvm_op_binary(c->g, TVM_OP_SUB, lt, r));
}

/* ---- shape operators ---------------------------------------------------- */

static tvm_status op_reshape(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t shape[TVM_MAX_NDIM];
    int nd;
    TRY(onnx_const_ints(c, n, 1, "shape", shape, TVM_MAX_NDIM, &nd));
    if (onnx_attr_i(n, "allowzero", 0))
        for (int k = 0; k < nd; k++)
            if (shape[k] == 0)
                return onnx_fail(n, TVM_ERR_UNSUPPORTED, "allowzero with a 0 in the shape");
    return onnx_set_output(c, n, 0, tvm_op_reshape(c->g, x, nd, shape));
}

static tvm_status op_transpose(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t perm[TVM_MAX_NDIM];
    int np;
    TRY(onnx_attr_ints(n, "perm", perm, TVM_MAX_NDIM, &np));
    int p[TVM_MAX_NDIM];
    for (int k = 0; k < np; k++) p[k] = onnx_int(perm[k]);
    return onnx_set_output(c, n, 0, tvm_op_transpose(c->g, x, np < 0 ? NULL : p));
}

static tvm_status op_concat(onnx_ctx *c, onnx_node *n) {
    tvm_tensor xs[ONNX_MAX_NODE_IO];
    int m = 0;
    for (int k = 0; k < n->nin; k++)
        if (n->in[k]) TRY(onnx_input(c, n, k, &xs[m++]));
    return onnx_set_output(c, n, 0, tvm_op_concat(c->g, m, xs, onnx_int(onnx_attr_i(n, "axis", 0))));
}

static tvm_status op_split(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t sizes[ONNX_MAX_NODE_IO];
    int ns = -1;
    if (opset_of(c) >= 13) {
        if (n->nin > 1 && n->in[1]) TRY(onnx_const_ints(c, n, 1, "split", sizes, ONNX_MAX_NODE_IO, &ns));
    } else {
        TRY(onnx_attr_ints(n, "split", sizes, ONNX_MAX_NODE_IO, &ns));
    }
    if (ns >= 0 && ns != n->nout)
        return onnx_fail(n, TVM_ERR_SHAPE, "split has %d sizes for %d outputs", ns, n->nout);
    tvm_tensor outs[ONNX_MAX_NODE_IO];
    tvm_status s = tvm_op_split(c->g, x, onnx_int(onnx_attr_i(n, "axis", 0)), n->nout,
                                ns > 0 ? sizes : NULL, outs);
    if (s != TVM_OK) return onnx_graph_status(c, n);
    for (int k = 0; k < n->nout; k++) TRY(onnx_set_output(c, n, k, outs[k]));
    return TVM_OK;
}

static tvm_status op_slice(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t st[TVM_MAX_NDIM], en[TVM_MAX_NDIM], ax[TVM_MAX_NDIM], sp[TVM_MAX_NDIM];
    int ns, ne, na = -1, nsp = -1;
    if (opset_of(c) < 10) {
        TRY(onnx_attr_ints(n, "starts", st, TVM_MAX_NDIM, &ns));
        TRY(onnx_attr_ints(n, "ends", en, TVM_MAX_NDIM, &ne));
        TRY(onnx_attr_ints(n, "axes", ax, TVM_MAX_NDIM, &na));
    } else {
        TRY(onnx_const_ints(c, n, 1, "starts", st, TVM_MAX_NDIM, &ns));
        TRY(onnx_const_ints(c, n, 2, "ends", en, TVM_MAX_NDIM, &ne));
        if (n->nin > 3 && n->in[3]) TRY(onnx_const_ints(c, n, 3, "axes", ax, TVM_MAX_NDIM, &na));
        if (n->nin > 4 && n->in[4]) TRY(onnx_const_ints(c, n, 4, "steps", sp, TVM_MAX_NDIM, &nsp));
    }
    if (ns != ne || (na >= 0 && na != ns) || (nsp >= 0 && nsp != ns))
        return onnx_fail(n, TVM_ERR_SHAPE, "starts, ends, axes and steps differ in length");
    int axes[TVM_MAX_NDIM];
    for (int k = 0; k < ns; k++) axes[k] = na >= 0 ? onnx_int(ax[k]) : k;
    return onnx_set_output(c, n, 0, tvm_op_slice(c->g, x, ns, axes, st, en, nsp >= 0 ? sp : NULL));
}

static tvm_status op_pad(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t pads[2 * TVM_MAX_NDIM];
    int np;
    double value = 0;
    if (opset_of(c) < 11) {
        TRY(onnx_attr_ints(n, "pads", pads, 2 * TVM_MAX_NDIM, &np));
        if (np < 0)
            return onnx_fail(n, TVM_ERR_PARSE, "the pads attribute is missing (opset %lld "
                             "takes pads as an attribute)", (long long)c->opset);
        value = onnx_attr_f(n, "value", 0);
    } else {
        TRY(onnx_const_ints(c, n, 1, "pads", pads, 2 * TVM_MAX_NDIM, &np));
        if (n->nin > 2 && n->in[2]) TRY(onnx_const_scalar(c, n, 2, "constant_value", &value));
    }
    int ndim;
    tvm_tensor_info(c->g, x, &ndim, NULL);
    if (np != 2 * ndim)
        return onnx_fail(n, TVM_ERR_SHAPE, "pads has %d values for rank %d", np, ndim);
    char buf[16];
    const char *mode = onnx_attr_s(n, "mode", "constant", buf, sizeof buf);
    tvm_pad_mode m = !strcmp(mode, "edge") ? TVM_PAD_EDGE
                     : !strcmp(mode, "reflect") ? TVM_PAD_REFLECT : TVM_PAD_CONSTANT;
    if (m == TVM_PAD_CONSTANT && strcmp(mode, "constant"))
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "pad mode '%s'", mode);
    return onnx_set_output(c, n, 0, tvm_op_pad(c->g, x, pads, m, value));
}

static tvm_status op_gather(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, idx;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &idx));
    return onnx_set_output(c, n, 0, tvm_op_gather(c->g, x, idx, onnx_int(onnx_attr_i(n, "axis", 0))));
}

static tvm_status op_expand(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t shape[TVM_MAX_NDIM];
    int nd;
    TRY(onnx_const_ints(c, n, 1, "shape", shape, TVM_MAX_NDIM, &nd));
    return onnx_set_output(c, n, 0, tvm_op_broadcast_to(c->g, x, nd, shape));
}

static tvm_status op_squeeze(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t axes[TVM_MAX_NDIM];
    int na = -1;
    if (opset_of(c) >= 13) {
        if (n->nin > 1 && n->in[1]) TRY(onnx_const_ints(c, n, 1, "axes", axes, TVM_MAX_NDIM, &na));
    } else {
        TRY(onnx_attr_ints(n, "axes", axes, TVM_MAX_NDIM, &na));
    }
    int ax[TVM_MAX_NDIM];
    for (int k = 0; k < na; k++) ax[k] = onnx_int(axes[k]);
    bool sq = !strcmp(n->proto->op_type, "Squeeze");
    if (!sq && na < 0) return onnx_fail(n, TVM_ERR_PARSE, "Unsqueeze needs axes");
    tvm_tensor r = sq ? tvm_op_squeeze(c->g, x, na < 0 ? 0 : na, ax)
                      : tvm_op_unsqueeze(c->g, x, na, ax);
    return onnx_set_output(c, n, 0, r);
}

static tvm_status op_flatten(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    return onnx_set_output(c, n, 0, tvm_op_flatten(c->g, x, onnx_int(onnx_attr_i(n, "axis", 1))));
}

static tvm_status op_tile(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t rep[TVM_MAX_NDIM];
    int nr, ndim;
    TRY(onnx_const_ints(c, n, 1, "repeats", rep, TVM_MAX_NDIM, &nr));
    tvm_tensor_info(c->g, x, &ndim, NULL);
    if (nr != ndim)
        return onnx_fail(n, TVM_ERR_SHAPE, "repeats has %d values for rank %d", nr, ndim);
    return onnx_set_output(c, n, 0, tvm_op_tile(c->g, x, rep));
}

/* ---- values known at import time ---------------------------------------- */

static tvm_status op_constant(onnx_ctx *c, onnx_node *n) {
    const Onnx__AttributeProto *a;
    if (n->nout != 1) /* the tensor's messages name the output */
        return onnx_fail(n, TVM_ERR_PARSE, "a Constant has one output, not %d", n->nout);
    if ((a = onnx_attr(n, "value")) && a->t) {
        tvm_dtype dt;
        int nd;
        int64_t shape[TVM_MAX_NDIM];
        void *data;
        TRY(onnx_tensor_data(a->t, n->proto->output[0], &dt, &nd, shape, &data));
        tvm_status s = onnx_set_const(c, n, 0, dt, nd, shape, data);
        free(data);
        return s;
    }
    if ((a = onnx_attr(n, "value_float")) && a->has_f) {
        float f = a->f;
        return onnx_set_const(c, n, 0, TVM_FLOAT32, 0, NULL, &f);
    }
    if ((a = onnx_attr(n, "value_int")) && a->has_i)
        return onnx_set_const(c, n, 0, TVM_INT64, 0, NULL, &a->i);
    if ((a = onnx_attr(n, "value_floats"))) {
        int64_t len = (int64_t)a->n_floats;
        return onnx_set_const(c, n, 0, TVM_FLOAT32, 1, &len, a->floats);
    }
    if ((a = onnx_attr(n, "value_ints"))) {
        int64_t len = (int64_t)a->n_ints;
        return onnx_set_const(c, n, 0, TVM_INT64, 1, &len, a->ints);
    }
    return onnx_fail(n, TVM_ERR_UNSUPPORTED, "only tensor, float(s) and int(s) values");
}

static tvm_status op_shape_of(onnx_ctx *c, onnx_node *n) {
    int ndim;
    int64_t dims[TVM_MAX_NDIM];
    TRY(onnx_input_shape(c, n, 0, &ndim, NULL, dims));
    int64_t start = onnx_attr_i(n, "start", 0), end = onnx_attr_i(n, "end", ndim);
    if (start < 0) start += ndim;
    if (end < 0) end += ndim;
    start = start < 0 ? 0 : start > ndim ? ndim : start;
    end = end < start ? start : end > ndim ? ndim : end;
    for (int64_t k = start; k < end; k++)
        if (dims[k] < 0)
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "dim %lld of '%s' is symbolic, so its "
                             "shape is not known at import time", (long long)k, n->in[0]->name);
    int64_t len = end - start;
    return onnx_set_const(c, n, 0, TVM_INT64, 1, &len, dims + start);
}

static tvm_status op_size(onnx_ctx *c, onnx_node *n) {
    int ndim;
    int64_t dims[TVM_MAX_NDIM], numel = 1;
    TRY(onnx_input_shape(c, n, 0, &ndim, NULL, dims));
    for (int k = 0; k < ndim; k++) {
        if (dims[k] < 0) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "symbolic dim");
        numel *= dims[k];
    }
    return onnx_set_const(c, n, 0, TVM_INT64, 0, NULL, &numel);
}

static tvm_status op_constant_of_shape(onnx_ctx *c, onnx_node *n) {
    int64_t shape[TVM_MAX_NDIM];
    int nd;
    TRY(onnx_const_ints(c, n, 0, "shape", shape, TVM_MAX_NDIM, &nd));
    tvm_dtype dt = TVM_FLOAT32;
    void *one = NULL;
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    int vnd;
    int64_t vshape[TVM_MAX_NDIM];
    if (a && a->t) TRY(onnx_tensor_data(a->t, "value", &dt, &vnd, vshape, &one));
    int64_t numel = 1;
    for (int k = 0; k < nd; k++) {
        if (shape[k] < 0 || mul_overflow_i64(numel, shape[k], &numel) ||
            numel > ONNX_MAX_FOLD_ELEMS * 256) {
            free(one);
            return onnx_fail(n, TVM_ERR_LIMIT, "shape too large");
        }
    }
    size_t es = (size_t)dtype_bytes(dt);
    uint8_t *data = calloc((size_t)numel + 1, es);
    if (!data) {
        free(one);
        return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    }
    if (one)
        for (int64_t k = 0; k < numel; k++) memcpy(data + (size_t)k * es, one, es);
    tvm_status s = onnx_set_const(c, n, 0, dt, nd, shape, data);
    free(data);
    free(one);
    return s;
}

/* ---- the table ----------------------------------------------------------- */

const onnx_op onnx_ops_basic[] = {
    {"Add", 1, op_binary}, {"Sub", 1, op_binary}, {"Mul", 1, op_binary},
    {"Div", 1, op_binary}, {"Equal", 1, op_binary}, {"Less", 1, op_binary},
    {"LessOrEqual", 12, op_binary}, {"Greater", 1, op_binary},
    {"GreaterOrEqual", 12, op_binary}, {"And", 1, op_binary}, {"Or", 1, op_binary},
    {"Xor", 1, op_binary}, {"Mod", 10, op_mod}, {"Pow", 1, op_pow},
    {"Sum", 1, op_variadic}, {"Min", 1, op_variadic}, {"Max", 1, op_variadic},
    {"Mean", 1, op_variadic}, {"Where", 9, op_where},
    {"Relu", 1, op_unary}, {"Sigmoid", 1, op_unary}, {"Tanh", 1, op_unary},
    {"Exp", 1, op_unary}, {"Log", 1, op_unary}, {"Sqrt", 1, op_unary},
    {"Reciprocal", 1, op_unary}, {"Abs", 1, op_unary}, {"Neg", 1, op_unary},
    {"Floor", 1, op_unary}, {"Ceil", 1, op_unary}, {"Erf", 9, op_unary},
    {"Sign", 9, op_unary}, {"Not", 1, op_unary}, {"Identity", 1, op_unary},
    {"HardSwish", 14, op_unary}, {"Dropout", 1, op_unary},
    {"LeakyRelu", 1, op_activation}, {"Elu", 1, op_activation},
    {"HardSigmoid", 1, op_activation}, {"Clip", 1, op_clip}, {"Cast", 1, op_cast},
    {"ReduceSum", 1, op_reduce}, {"ReduceMean", 1, op_reduce}, {"ReduceMax", 1, op_reduce},
    {"ReduceMin", 1, op_reduce}, {"ReduceProd", 1, op_reduce},
    {"ArgMax", 1, op_argminmax}, {"ArgMin", 1, op_argminmax},
    {"Reshape", 1, op_reshape}, {"Transpose", 1, op_transpose}, {"Concat", 1, op_concat},
    {"Split", 1, op_split}, {"Slice", 1, op_slice}, {"Pad", 1, op_pad},
    {"Gather", 1, op_gather}, {"Expand", 8, op_expand}, {"Squeeze", 1, op_squeeze},
    {"Unsqueeze", 1, op_squeeze}, {"Flatten", 1, op_flatten}, {"Tile", 1, op_tile},
    {"Constant", 1, op_constant}, {"Shape", 1, op_shape_of}, {"Size", 1, op_size},
    {"ConstantOfShape", 9, op_constant_of_shape},
    {NULL, 0, NULL},
};

const onnx_op *onnx_find_op(const char *domain, const char *name, int64_t opset) {
    bool std = !domain || !domain[0] || !strcmp(domain, "ai.onnx");
    bool ms = domain && !strcmp(domain, "com.microsoft");
    if (!name || (!std && !ms)) return NULL;
    /* com.microsoft's Gelu predates the standard one (opset 20) */
    static const onnx_op ms_gelu = {"Gelu", 1, op_unary};
    if (ms) return !strcmp(name, "Gelu") ? &ms_gelu : NULL;
    const onnx_op *tables[] = {onnx_ops_basic, onnx_ops_nn, onnx_ops_loss, onnx_ops_index,
                               onnx_ops_math, onnx_ops_rnn, onnx_ops_control};
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (const onnx_op *op = tables[t]; op->name; op++)
            if (!strcmp(op->name, name) && opset >= op->since) return op;
    return NULL;
}
