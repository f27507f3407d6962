/* quantize.c — tvm_op_quantize_linear and tvm_op_dequantize_linear (ONNX
 * QuantizeLinear / DequantizeLinear), per tensor or per axis.
 *
 * Quantization rounds half to even. There is no rounding operator in the
 * IR, so it is built from floor: with f = floor(v) and d = v - f (exact in
 * binary floating point), v rounds up when d > 0.5, or when d == 0.5 and f
 * is odd. Adding 0.5 before the floor would not do: v + 0.5 itself rounds
 * (0.49999997f + 0.5f is 1.0f). The zero point is added to the rounded
 * value and tvm_cast's float -> int saturation clamps to the target range
 * (and maps NaN to 0). */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* Reads scale / zero_point (per tensor: rank 0 or one element; per axis:
 * rank 1 with x's dim on axis) at result position it. */
static bool param_load(tvm_graph *g, const char *fn, const char *name, const op_arg *p,
                       const op_arg *x, int ax, const tvm_expr *it, tvm_expr *out) {
    int64_t len;
    if (p->shape.ndim == 0) {
        *out = tvm_load(g, p->t, NULL);
        return true;
    }
    if (p->shape.ndim == 1 && op_const_value(g, p->shape.dims[0], &len) && len == 1) {
        *out = tvm_load(g, p->t, (tvm_expr[]){op_i64(g, 0)});
        return true;
    }
    if (p->shape.ndim != 1) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: '%s' has rank %d; it must be a scalar, one element "
                   "or 1-D with x's dim on axis", fn, name, p->shape.ndim);
        return false;
    }
    /* per axis: only now does the axis matter */
    int a;
    if (!op_axis(g, fn, ax, x->shape.ndim, &a)) return false;
    if (!op_dim_equal(p->shape.dims[0], x->shape.dims[a])) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: '%s' is 1-D but its dim is not x's dim on axis %d "
                   "(or not provably equal)", fn, name, ax);
        return false;
    }
    *out = tvm_load(g, p->t, &it[a]);
    return true;
}

/* round half to even of a float expression of compute dtype dt */
static tvm_expr round_even(tvm_graph *g, tvm_dtype dt, tvm_expr v) {
    tvm_expr f = tvm_floor(g, v);
    tvm_expr d = tvm_sub(g, v, f);
    tvm_expr half = tvm_const_float(g, dt, 0.5);
    tvm_expr odd = tvm_ne(g, tvm_floormod(g, f, tvm_const_float(g, dt, 2.0)),
                          tvm_const_float(g, dt, 0.0));
    tvm_expr up = tvm_or(g, tvm_gt(g, d, half), tvm_and(g, tvm_eq(g, d, half), odd));
    return tvm_select(g, up, tvm_add(g, f, tvm_const_float(g, dt, 1.0)), f);
}

/* Shared argument checks: x, scale, optional zero_point and the axis. */
static bool common_args(tvm_graph *g, const char *fn, tvm_tensor x, tvm_tensor scale,
                        tvm_tensor zero_point, int axis, op_arg *xa, op_arg *sa, op_arg *za,
                        int *ax) {
    if (!op_tensor(g, fn, "x", x, xa) || !op_tensor(g, fn, "scale", scale, sa) ||
        !op_optional(g, fn, "zero_point", zero_point, za))
        return false;
    *ax = axis; /* checked where a per-axis parameter uses it */
    return op_check_dtype(g, fn, "scale", sa->dtype, OP_DT_FLOAT);
}

TVMC_API tvm_tensor tvm_op_quantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                           tvm_tensor zero_point, int axis, tvm_dtype dtype) {
    static const char fn[] = "tvm_op_quantize_linear";
    op_arg xa, sa, za;
    int ax;
    if (!common_args(g, fn, x, scale, zero_point, axis, &xa, &sa, &za, &ax)) return NULL_TENSOR;
    if (!op_check_dtype(g, fn, "x", xa.dtype, OP_DT_FLOAT)) return NULL_TENSOR;
    tvm_dtype out = dtype;
    if (za.t.id) {
        if (dtype && dtype != za.dtype) {
            graph_fail(g, TVM_ERR_DTYPE, "%s: dtype is %s but zero_point is %s", fn,
                       dtype_name(dtype), dtype_name(za.dtype));
            return NULL_TENSOR;
        }
        out = za.dtype;
    }
    if (out != TVM_INT8 && out != TVM_UINT8) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: the result dtype is %s; it must be int8 or uint8 "
                   "(dtype, or zero_point's dtype)", fn, out ? dtype_name(out) : "unset");
        return NULL_TENSOR;
    }
    tvm_expr it[TVM_MAX_NDIM], s, z = {0};
    op_iters(g, xa.shape.ndim, it);
    if (!param_load(g, fn, "scale", &sa, &xa, ax, it, &s)) return NULL_TENSOR;
    if (za.t.id && !param_load(g, fn, "zero_point", &za, &xa, ax, it, &z)) return NULL_TENSOR;
    tvm_dtype ct = xa.dtype == TVM_FLOAT64 || sa.dtype == TVM_FLOAT64 ? TVM_FLOAT64 : TVM_FLOAT32;
    tvm_expr v = tvm_load(g, xa.t, it);
    if (xa.dtype != ct) v = tvm_cast(g, ct, v);
    if (sa.dtype != ct) s = tvm_cast(g, ct, s);
    v = round_even(g, ct, tvm_div(g, v, s));
    if (z.id) v = tvm_add(g, v, tvm_cast(g, ct, z));
    return op_result(g, tvm_compute(g, "quantize_linear", xa.shape.ndim, xa.shape.dims, it,
                                    tvm_cast(g, out, v)));
}

TVMC_API tvm_tensor tvm_op_dequantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                             tvm_tensor zero_point, int axis) {
    static const char fn[] = "tvm_op_dequantize_linear";
    op_arg xa, sa, za;
    int ax;
    if (!common_args(g, fn, x, scale, zero_point, axis, &xa, &sa, &za, &ax)) return NULL_TENSOR;
    if (xa.dtype != TVM_INT8 && xa.dtype != TVM_UINT8 && xa.dtype != TVM_INT32) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: x is %s; it must be int8, uint8 or int32", fn,
                   dtype_name(xa.dtype));
        return NULL_TENSOR;
    }
    if (za.t.id && !op_same_dtype(g, fn, "x", &xa, "zero_point", &za)) return NULL_TENSOR;
    tvm_expr it[TVM_MAX_NDIM], s, z = {0};
    op_iters(g, xa.shape.ndim, it);
    if (!param_load(g, fn, "scale", &sa, &xa, ax, it, &s)) return NULL_TENSOR;
    if (za.t.id && !param_load(g, fn, "zero_point", &za, &xa, ax, it, &z)) return NULL_TENSOR;
    /* the difference in int32 is exact for every int8 / uint8 pair; int32
     * x is computed in int64 (ONNX asks for zero_point 0 there) */
    tvm_dtype it_dt = xa.dtype == TVM_INT32 ? TVM_INT64 : TVM_INT32;
    tvm_expr v = tvm_cast(g, it_dt, tvm_load(g, xa.t, it));
    if (z.id) v = tvm_sub(g, v, tvm_cast(g, it_dt, z));
    tvm_dtype ct = dtype_compute(sa.dtype);
    tvm_expr r = tvm_mul(g, tvm_cast(g, (tvm_dtype)ct, v), sa.dtype == ct ? s : tvm_cast(g, (tvm_dtype)ct, s));
    if ((int)ct != (int)sa.dtype) r = tvm_cast(g, sa.dtype, r);
    return op_result(g, tvm_compute(g, "dequantize_linear", xa.shape.ndim, xa.shape.dims, it,
                                    r));
}
