/* onnx_ops_math.c — ONNX elementwise and reduction operators the library
 * has no single call for, composed from scalar expressions (Selu, Softplus,
 * Round, IsNaN, ...), libm calls through tvm_call_extern (the trigonometric
 * family), or library reductions (ReduceL2, ReduceLogSumExp, ...); and the
 * library's einsum, (de)quantization and shifts (Einsum, QuantizeLinear,
 * DequantizeLinear, DynamicQuantizeLinear, BitShift). */
#include <math.h>
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

typedef tvm_expr (*scalar_fn)(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v);

/* out[i] = fn(x[i]) over input 0; floats only. */
static tvm_status map_input(onnx_ctx *c, onnx_node *n, scalar_fn fn, bool float_only) {
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg a;
    if (!op_tensor(c->g, "onnx", "input", x, &a)) return onnx_graph_status(c, n);
    if (float_only && !dtype_is_float(a.dtype))
        return onnx_fail(n, TVM_ERR_DTYPE, "input is %s; a float type is needed",
                         dtype_name(a.dtype));
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(c->g, a.shape.ndim, it);
    tvm_dtype work = (tvm_dtype)dtype_compute(a.dtype);
    tvm_expr v = tvm_load(c->g, x, it);
    if (work != a.dtype) v = tvm_cast(c->g, work, v);
    tvm_expr body = fn(c, n, work, v);
    tvm_dtype rt;
    if (tvm_expr_dtype(c->g, body, &rt) == TVM_OK && rt == work && work != a.dtype)
        body = tvm_cast(c->g, a.dtype, body);
    return onnx_set_output(c, n, 0, tvm_compute(c->g, n->proto->op_type, a.shape.ndim,
                                                a.shape.dims, it, body));
}

#define F(v) tvm_const_float(g, dt, (v))

static tvm_expr f_selu(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    double alpha = onnx_attr_f(n, "alpha", 1.67326319217681884765625);
    double gamma = onnx_attr_f(n, "gamma", 1.05070102214813232421875);
    tvm_expr neg = tvm_mul(g, F(alpha), tvm_sub(g, tvm_exp(g, v), F(1)));
    return tvm_mul(g, F(gamma), tvm_select(g, tvm_gt(g, v, F(0)), v, neg));
}

static tvm_expr f_thresholded_relu(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    return tvm_select(g, tvm_gt(g, v, F(onnx_attr_f(n, "alpha", 1.0))), v, F(0));
}

static tvm_expr f_softsign(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    (void)n;
    return tvm_div(g, v, tvm_add(g, F(1), tvm_abs(g, v)));
}

/* log(1 + exp(x)), exact for large x where exp overflows */
static tvm_expr softplus(tvm_graph *g, tvm_dtype dt, tvm_expr v) {
    tvm_expr big = tvm_gt(g, v, F(30));
    return tvm_select(g, big, v, tvm_log(g, tvm_add(g, tvm_exp(g, v), F(1))));
}

static tvm_expr f_softplus(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    (void)n;
    return softplus(c->g, dt, v);
}

static tvm_expr f_mish(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    (void)n;
    return tvm_mul(c->g, v, tvm_tanh(c->g, softplus(c->g, dt, v)));
}

static tvm_expr f_celu(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    double alpha = onnx_attr_f(n, "alpha", 1.0);
    tvm_expr e = tvm_mul(g, F(alpha), tvm_sub(g, tvm_exp(g, tvm_div(g, v, F(alpha))), F(1)));
    return tvm_add(g, tvm_max(g, F(0), v), tvm_min(g, F(0), e));
}

static tvm_expr f_shrink(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    double bias = onnx_attr_f(n, "bias", 0.0), lambd = onnx_attr_f(n, "lambd", 0.5);
    if (!dtype_is_float(dt)) { /* the float attributes as integer constants */
        tvm_expr lo = tvm_const_int(g, dt, onnx_sat_i64(-lambd)),
                 hi = tvm_const_int(g, dt, onnx_sat_i64(lambd));
        tvm_expr b = tvm_const_int(g, dt, onnx_sat_i64(bias));
        return tvm_select(g, tvm_lt(g, v, lo), tvm_add(g, v, b),
                          tvm_select(g, tvm_gt(g, v, hi), tvm_sub(g, v, b), tvm_const_int(g, dt, 0)));
    }
    return tvm_select(g, tvm_lt(g, v, F(-lambd)), tvm_add(g, v, F(bias)),
                      tvm_select(g, tvm_gt(g, v, F(lambd)), tvm_sub(g, v, F(bias)), F(0)));
}

static tvm_expr f_isnan(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    (void)n, (void)dt;
    return tvm_ne(c->g, v, v);
}

static tvm_expr f_isinf(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    bool pos = onnx_attr_i(n, "detect_positive", 1), neg = onnx_attr_i(n, "detect_negative", 1);
    tvm_expr p = tvm_eq(g, v, F(INFINITY)), m = tvm_eq(g, v, F(-INFINITY));
    if (pos && neg) return tvm_or(g, p, m);
    if (pos) return p;
    if (neg) return m;
    return tvm_const_int(g, TVM_BOOL, 0);
}

/* Round half to even: floor(x + 0.5), minus one where that lands on an odd
 * integer exactly halfway. */
static tvm_expr f_round(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    tvm_graph *g = c->g;
    (void)n;
    tvm_expr r = tvm_floor(g, tvm_add(g, v, F(0.5)));
    tvm_expr half = tvm_eq(g, tvm_sub(g, r, v), F(0.5));
    tvm_expr odd = tvm_ne(g, tvm_floormod(g, r, F(2)), F(0));
    return tvm_select(g, tvm_and(g, half, odd), tvm_sub(g, r, F(1)), r);
}

/* libm through extern calls: float32 uses the f-suffixed function. */
static const struct { const char *name; float (*f32)(float); double (*f64)(double); } libm_fns[] = {
    {"Sin", sinf, sin}, {"Cos", cosf, cos}, {"Tan", tanf, tan},
    {"Asin", asinf, asin}, {"Acos", acosf, acos}, {"Atan", atanf, atan},
    {"Sinh", sinhf, sinh}, {"Cosh", coshf, cosh}, {"Asinh", asinhf, asinh},
    {"Acosh", acoshf, acosh}, {"Atanh", atanhf, atanh},
};

static tvm_expr f_libm(onnx_ctx *c, onnx_node *n, tvm_dtype dt, tvm_expr v) {
    for (size_t k = 0; k < ARRAY_LEN(libm_fns); k++)
        if (!strcmp(libm_fns[k].name, n->proto->op_type)) {
            void *fn = dt == TVM_FLOAT64 ? (void *)libm_fns[k].f64 : (void *)libm_fns[k].f32;
            return tvm_call_extern(c->g, libm_fns[k].name, fn, dt, 1, &dt, &v);
        }
    return (tvm_expr){0};
}

static tvm_status op_map(onnx_ctx *c, onnx_node *n) {
    static const struct { const char *name; scalar_fn fn; bool float_only; } maps[] = {
        {"Selu", f_selu, true}, {"ThresholdedRelu", f_thresholded_relu, true},
        {"Softsign", f_softsign, true}, {"Softplus", f_softplus, true},
        {"Mish", f_mish, true}, {"Celu", f_celu, true}, {"Shrink", f_shrink, false},
        {"IsNaN", f_isnan, true}, {"IsInf", f_isinf, true}, {"Round", f_round, true},
    };
    for (size_t k = 0; k < ARRAY_LEN(maps); k++)
        if (!strcmp(maps[k].name, n->proto->op_type))
            return map_input(c, n, maps[k].fn, maps[k].float_only);
    return map_input(c, n, f_libm, true);
}

static tvm_status op_prelu(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, slope;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &slope));
    tvm_dtype dt;
    int xnd, snd;
    tvm_tensor_info(c->g, x, &xnd, &dt);
    tvm_tensor_info(c->g, slope, &snd, NULL);
    if (c->opset < 7 && snd == 1 && xnd > 2) { /* old PRelu: slope [C] runs along axis 1 */
        int64_t shape[TVM_MAX_NDIM] = {-1};
        for (int k = 1; k < xnd - 1; k++) shape[k] = 1;
        slope = tvm_op_reshape(c->g, slope, xnd - 1, shape);
    }
    double zero_d = 0;
    tvm_tensor zero = tvm_constant(c->g, "zero", TVM_FLOAT64, 0, NULL, &zero_d);
    if (dt != TVM_FLOAT64) zero = tvm_op_cast(c->g, zero, dt);
    tvm_tensor neg = tvm_op_binary(c->g, TVM_OP_LESS, x, zero);
    return onnx_set_output(c, n, 0, tvm_op_where(c->g, neg, tvm_op_binary(c->g, TVM_OP_MUL, x, slope),
                                                 x));
}

static tvm_status op_cast_like(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, like;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &like));
    tvm_dtype dt;
    tvm_tensor_info(c->g, like, NULL, &dt);
    return onnx_set_output(c, n, 0, tvm_op_cast(c->g, x, dt));
}

/* ReduceL1 / L2 / SumSquare / LogSum / LogSumExp over the axes attribute
 * (an input from opset 18, which is past the supported range). */
static tvm_status op_reduce_composite(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    int64_t axes[TVM_MAX_NDIM];
    int na;
    TRY(onnx_attr_ints(n, "axes", axes, TVM_MAX_NDIM, &na));
    int ax[TVM_MAX_NDIM];
    for (int k = 0; k < na; k++) ax[k] = onnx_int(axes[k]);
    if (na < 0) na = 0;
    int keep = onnx_int(onnx_attr_i(n, "keepdims", 1));
    const char *t = n->proto->op_type;
    tvm_tensor r;
    if (!strcmp(t, "ReduceL1")) {
        r = tvm_op_reduce(g, TVM_OP_SUM, tvm_op_unary(g, TVM_OP_ABS, x), na, ax, keep);
    } else if (!strcmp(t, "ReduceSumSquare") || !strcmp(t, "ReduceL2")) {
        r = tvm_op_reduce(g, TVM_OP_SUM, tvm_op_binary(g, TVM_OP_MUL, x, x), na, ax, keep);
        if (!strcmp(t, "ReduceL2")) {
            tvm_dtype dt;
            tvm_tensor_info(g, r, NULL, &dt);
            if (dtype_is_float(dt)) {
                r = tvm_op_unary(g, TVM_OP_SQRT, r);
            } else { /* integer L2: sqrt in float64, truncated back */
                r = tvm_op_cast(g, tvm_op_unary(g, TVM_OP_SQRT, tvm_op_cast(g, r, TVM_FLOAT64)), dt);
            }
        }
    } else if (!strcmp(t, "ReduceLogSum")) {
        r = tvm_op_unary(g, TVM_OP_LOG, tvm_op_reduce(g, TVM_OP_SUM, x, na, ax, keep));
    } else { /* LogSumExp, shifted by the maximum so exp cannot overflow */
        tvm_tensor m = tvm_op_reduce(g, TVM_OP_MAX, x, na, ax, 1);
        tvm_tensor e = tvm_op_unary(g, TVM_OP_EXP, tvm_op_binary(g, TVM_OP_SUB, x, m));
        tvm_tensor s = tvm_op_unary(g, TVM_OP_LOG, tvm_op_reduce(g, TVM_OP_SUM, e, na, ax, 1));
        r = tvm_op_binary(g, TVM_OP_ADD, s, m);
        if (!keep) {
            int nd;
            tvm_tensor_info(g, x, &nd, NULL);
            int all[TVM_MAX_NDIM];
            for (int k = 0; k < nd; k++) all[k] = k;
            r = tvm_op_squeeze(g, r, na ? na : nd, na ? ax : all);
        }
    }
    return onnx_set_output(c, n, 0, r);
}

/* Einsum (12): the equation attribute over every input. */
static tvm_status op_einsum(onnx_ctx *c, onnx_node *n) {
    char eq[256];
    const Onnx__AttributeProto *a = onnx_attr(n, "equation");
    if (!a || !a->has_s || a->s.len >= sizeof eq)
        return onnx_fail(n, TVM_ERR_PARSE, "equation is missing or longer than %zu bytes",
                         sizeof eq - 1);
    memcpy(eq, a->s.data, a->s.len);
    eq[a->s.len] = 0;
    if (n->nin < 1 || n->nin > 8)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "%d inputs (1 to 8 are supported)", n->nin);
    tvm_tensor xs[8];
    for (int k = 0; k < n->nin; k++) TRY(onnx_input(c, n, k, &xs[k]));
    return onnx_set_output(c, n, 0, tvm_op_einsum(c->g, eq, n->nin, xs));
}

/* The optional input k, or the null tensor when the model omits it. */
static tvm_status optional_input(onnx_ctx *c, onnx_node *n, int k, tvm_tensor *t) {
    t->id = 0;
    if (k < n->nin && n->in[k]) return onnx_input(c, n, k, t);
    return TVM_OK;
}

/* QuantizeLinear / DequantizeLinear (10; per-axis from 13). */
static tvm_status op_quantize(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, scale, zp;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &scale));
    TRY(optional_input(c, n, 2, &zp));
    int axis = c->opset >= 13 ? onnx_int(onnx_attr_i(n, "axis", 1)) : 1;
    tvm_tensor r;
    if (!strcmp(n->proto->op_type, "QuantizeLinear"))
        r = tvm_op_quantize_linear(c->g, x, scale, zp, axis, zp.id ? 0 : TVM_UINT8);
    else
        r = tvm_op_dequantize_linear(c->g, x, scale, zp, axis);
    return onnx_set_output(c, n, 0, r);
}

/* DynamicQuantizeLinear (11): uint8 with the scale and zero point of x's
 * range widened to hold 0: scale = (max(x, 0) - min(x, 0)) / 255, zero
 * point = saturate(round(-min / scale)). */
static tvm_status op_dynamic_quantize(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    tvm_tensor x;
    TRY(onnx_input(c, n, 0, &x));
    op_arg xa;
    if (!op_tensor(g, "onnx", "input", x, &xa)) return onnx_graph_status(c, n);
    if (xa.dtype != TVM_FLOAT32) return onnx_fail(n, TVM_ERR_DTYPE, "x must be float32");
    tvm_tensor mn = tvm_op_reduce(g, TVM_OP_MIN, x, 0, NULL, 0);
    tvm_tensor mx = tvm_op_reduce(g, TVM_OP_MAX, x, 0, NULL, 0);
    if (g->status != TVM_OK) return onnx_graph_status(c, n);
    tvm_expr zero = tvm_const_float(g, TVM_FLOAT32, 0.0);
    tvm_expr lo = tvm_min(g, tvm_load(g, mn, NULL), zero);
    tvm_expr hi = tvm_max(g, tvm_load(g, mx, NULL), zero);
    tvm_tensor scale = tvm_compute(g, "dq_scale", 0, NULL, NULL,
                                   tvm_div(g, tvm_sub(g, hi, lo),
                                           tvm_const_float(g, TVM_FLOAT32, 255.0)));
    tvm_tensor neg_lo = tvm_compute(g, "dq_neg_min", 0, NULL, NULL, tvm_neg(g, lo));
    tvm_tensor zp = tvm_op_quantize_linear(g, neg_lo, scale, (tvm_tensor){0}, 0, TVM_UINT8);
    tvm_tensor y = tvm_op_quantize_linear(g, x, scale, zp, 0, TVM_UINT8);
    TRY(onnx_set_output(c, n, 1, scale));
    TRY(onnx_set_output(c, n, 2, zp));
    return onnx_set_output(c, n, 0, y);
}

/* BitShift (11): direction "LEFT" or "RIGHT". */
static tvm_status op_bitshift(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, y;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &y));
    char buf[8];
    const char *d = onnx_attr_s(n, "direction", "", buf, sizeof buf);
    if (strcmp(d, "LEFT") && strcmp(d, "RIGHT"))
        return onnx_fail(n, TVM_ERR_PARSE, "direction '%s' (LEFT or RIGHT)", d);
    return onnx_set_output(c, n, 0, tvm_op_bitshift(c->g, x, y, !strcmp(d, "LEFT")));
}

const onnx_op onnx_ops_math[] = {
    {"Selu", 1, op_map}, {"ThresholdedRelu", 10, op_map}, {"Softsign", 1, op_map},
    {"Softplus", 1, op_map}, {"Mish", 18, op_map}, {"Celu", 12, op_map},
    {"Shrink", 9, op_map}, {"IsNaN", 9, op_map}, {"IsInf", 10, op_map},
    {"Round", 11, op_map}, {"Sin", 7, op_map}, {"Cos", 7, op_map}, {"Tan", 7, op_map},
    {"Asin", 7, op_map}, {"Acos", 7, op_map}, {"Atan", 7, op_map}, {"Sinh", 9, op_map},
    {"Cosh", 9, op_map}, {"Asinh", 9, op_map}, {"Acosh", 9, op_map}, {"Atanh", 9, op_map},
    {"PRelu", 1, op_prelu}, {"CastLike", 15, op_cast_like},
    {"ReduceL1", 1, op_reduce_composite}, {"ReduceL2", 1, op_reduce_composite},
    {"ReduceSumSquare", 1, op_reduce_composite}, {"ReduceLogSum", 1, op_reduce_composite},
    {"ReduceLogSumExp", 1, op_reduce_composite},
    {"Einsum", 12, op_einsum}, {"QuantizeLinear", 10, op_quantize},
    {"DequantizeLinear", 10, op_quantize}, {"DynamicQuantizeLinear", 11, op_dynamic_quantize},
    {"BitShift", 11, op_bitshift},
    {NULL, 0, NULL},
};
