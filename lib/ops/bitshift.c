/* bitshift.c — tvm_op_bitshift (ONNX BitShift) without a shift operator in
 * the IR: x << y is x * 2^y (integer multiplication wraps exactly like a
 * shift), a logical x >> y of an unsigned x is x / 2^y, an arithmetic one
 * of a signed x is floordiv(x, 2^y). 2^y is read from a constant table of
 * the dtype's bit width indexed by y clamped into it; amounts outside
 * [0, bits) select the all-bits-out result instead. For a signed dtype,
 * 2^(bits-1) is the minimum value, which still multiplies right (it wraps)
 * but does not divide as a power of two, so right shifts by bits-1 take the
 * all-bits-out value as well (0 or -1: the same result). */
#include "op_util.h"

TVMC_API tvm_tensor tvm_op_bitshift(tvm_graph *g, tvm_tensor x, tvm_tensor y, int left) {
    static const char fn[] = "tvm_op_bitshift";
    op_arg a, b;
    if (!op_tensor(g, fn, "x", x, &a) || !op_tensor(g, fn, "y", y, &b)) return (tvm_tensor){0};
    if (!op_check_dtype(g, fn, "x", a.dtype, OP_DT_INT)) return (tvm_tensor){0};
    if (!op_same_dtype(g, fn, "x", &a, "y", &b)) return (tvm_tensor){0};
    op_shape out;
    if (!op_broadcast_shapes(g, fn, &a.shape, &b.shape, &out)) return (tvm_tensor){0};
    tvm_dtype dt = a.dtype;
    int bits = dtype_bits(dt);
    bool sgn = !dtype_is_unsigned(dt);
    /* 2^k for k < bits, stored as the dtype's integers */
    union {
        uint8_t u8[8];
        uint16_t u16[16];
        uint32_t u32[32];
        uint64_t u64[64];
    } buf;
    for (int k = 0; k < bits; k++) {
        uint64_t v = (uint64_t)1 << k;
        if (bits == 8) buf.u8[k] = (uint8_t)v;
        else if (bits == 16) buf.u16[k] = (uint16_t)v;
        else if (bits == 32) buf.u32[k] = (uint32_t)v;
        else buf.u64[k] = v;
    }
    int64_t tshape[1] = {bits};
    tvm_tensor pow2 = tvm_constant(g, "pow2", dt, 1, tshape, &buf);
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, out.ndim, it);
    tvm_expr xv = op_load_broadcast(g, &a, &out, it), yv = op_load_broadcast(g, &b, &out, it);
    tvm_expr s = tvm_cast(g, TVM_INT64, yv);
    tvm_expr lim = op_i64(g, left || !sgn ? bits : bits - 1);
    tvm_expr inside = tvm_and(g, tvm_ge(g, s, op_i64(g, 0)), tvm_lt(g, s, lim));
    tvm_expr k = tvm_min(g, tvm_max(g, s, op_i64(g, 0)), op_i64(g, bits - 1));
    tvm_expr p = tvm_load(g, pow2, &k);
    tvm_expr zero = tvm_const_int(g, dt, 0);
    tvm_expr body;
    if (left) {
        body = tvm_select(g, inside, tvm_mul(g, xv, p), zero);
    } else {
        tvm_expr out_all = sgn ? tvm_select(g, tvm_lt(g, xv, zero), tvm_const_int(g, dt, -1), zero)
                               : zero;
        body = tvm_select(g, inside, sgn ? tvm_floordiv(g, xv, p) : tvm_div(g, xv, p), out_all);
    }
    return op_result(g, tvm_compute(g, "bitshift", out.ndim, out.dims, it, body));
}
