/* elementwise.c — elementwise operators of the library: binary arithmetic,
 * comparisons and logic with numpy broadcasting, where, unary activations
 * and math, leaky_relu / elu / hard_sigmoid, clip and cast.
 *
 * Every operator is one compute over the (broadcast) result shape whose body
 * loads the operands and combines them with the scalar builder calls, so the
 * fusion pass can inline it into its consumers. Dtype rules are checked here,
 * before any builder call, so the error names the operator and the argument
 * rather than the scalar call underneath. */
#include <math.h>
#include <stdio.h>

#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* ---- binary ---------------------------------------------------------------- */

static const struct {
    const char *name; /* the result compute's name */
    int allowed;      /* OP_DT_* classes of the operands */
} BINARY[] = {
    [TVM_OP_ADD] = {"add", OP_DT_NUM},
    [TVM_OP_SUB] = {"subtract", OP_DT_NUM},
    [TVM_OP_MUL] = {"multiply", OP_DT_NUM},
    [TVM_OP_DIV] = {"divide", OP_DT_NUM},
    [TVM_OP_POW] = {"power", OP_DT_FLOAT},
    [TVM_OP_MINIMUM] = {"minimum", OP_DT_NUM},
    [TVM_OP_MAXIMUM] = {"maximum", OP_DT_NUM},
    [TVM_OP_MOD] = {"mod", OP_DT_NUM},
    [TVM_OP_FLOORMOD] = {"floor_mod", OP_DT_NUM},
    [TVM_OP_FLOORDIV] = {"floor_divide", OP_DT_NUM},
    [TVM_OP_LESS] = {"less", OP_DT_ANY},
    [TVM_OP_LESS_EQUAL] = {"less_equal", OP_DT_ANY},
    [TVM_OP_GREATER] = {"greater", OP_DT_ANY},
    [TVM_OP_GREATER_EQUAL] = {"greater_equal", OP_DT_ANY},
    [TVM_OP_EQUAL] = {"equal", OP_DT_ANY},
    [TVM_OP_NOT_EQUAL] = {"not_equal", OP_DT_ANY},
    [TVM_OP_AND] = {"logical_and", OP_DT_BOOL},
    [TVM_OP_OR] = {"logical_or", OP_DT_BOOL},
    [TVM_OP_XOR] = {"logical_xor", OP_DT_BOOL},
};
#define NUM_BINARY ((int)(sizeof BINARY / sizeof BINARY[0]))

static tvm_expr binary_body(tvm_graph *g, tvm_op_binary_kind op, tvm_expr a, tvm_expr b) {
    switch (op) {
    case TVM_OP_ADD: return tvm_add(g, a, b);
    case TVM_OP_SUB: return tvm_sub(g, a, b);
    case TVM_OP_MUL: return tvm_mul(g, a, b);
    case TVM_OP_DIV: return tvm_div(g, a, b);
    case TVM_OP_POW: return tvm_pow(g, a, b);
    case TVM_OP_MINIMUM: return tvm_min(g, a, b);
    case TVM_OP_MAXIMUM: return tvm_max(g, a, b);
    case TVM_OP_MOD: return tvm_mod(g, a, b);
    case TVM_OP_FLOORMOD: return tvm_floormod(g, a, b);
    case TVM_OP_FLOORDIV: return tvm_floordiv(g, a, b);
    case TVM_OP_LESS: return tvm_lt(g, a, b);
    case TVM_OP_LESS_EQUAL: return tvm_le(g, a, b);
    case TVM_OP_GREATER: return tvm_gt(g, a, b);
    case TVM_OP_GREATER_EQUAL: return tvm_ge(g, a, b);
    case TVM_OP_EQUAL: return tvm_eq(g, a, b);
    case TVM_OP_NOT_EQUAL: return tvm_ne(g, a, b);
    case TVM_OP_AND: return tvm_and(g, a, b);
    case TVM_OP_OR: return tvm_or(g, a, b);
    case TVM_OP_XOR: return tvm_ne(g, a, b); /* on bools, xor is inequality */
    }
    return (tvm_expr){0};
}

TVMC_API tvm_tensor tvm_op_binary(tvm_graph *g, tvm_op_binary_kind op, tvm_tensor a,
                                  tvm_tensor b) {
    const char *fn = "tvm_op_binary";
    if (!op_begin(g, fn)) return NULL_TENSOR;
    if ((int)op < 0 || (int)op >= NUM_BINARY) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'op' (%d) is not a "
                   "tvm_op_binary_kind", fn, (int)op);
        return NULL_TENSOR;
    }
    char fnk[64]; /* the dtype error names the kind as well */
    snprintf(fnk, sizeof fnk, "%s (%s)", fn, BINARY[op].name);
    op_arg A, B;
    if (!op_tensor(g, fn, "a", a, &A) || !op_tensor(g, fn, "b", b, &B)) return NULL_TENSOR;
    if (!op_same_dtype(g, fnk, "a", &A, "b", &B) ||
        !op_check_dtype(g, fnk, "a", A.dtype, BINARY[op].allowed))
        return NULL_TENSOR;
    op_shape out;
    if (!op_broadcast_shapes(g, fn, &A.shape, &B.shape, &out)) return NULL_TENSOR;
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, out.ndim, it);
    tvm_expr body = binary_body(g, op, op_load_broadcast(g, &A, &out, it),
                                op_load_broadcast(g, &B, &out, it));
    return op_result(g, tvm_compute(g, BINARY[op].name, out.ndim, out.dims, it, body));
}

TVMC_API tvm_tensor tvm_op_where(tvm_graph *g, tvm_tensor cond, tvm_tensor a, tvm_tensor b) {
    const char *fn = "tvm_op_where";
    op_arg C, A, B;
    if (!op_tensor(g, fn, "cond", cond, &C) || !op_tensor(g, fn, "a", a, &A) ||
        !op_tensor(g, fn, "b", b, &B))
        return NULL_TENSOR;
    if (!op_check_dtype(g, fn, "cond", C.dtype, OP_DT_BOOL) ||
        !op_same_dtype(g, fn, "a", &A, "b", &B))
        return NULL_TENSOR;
    /* numpy broadcasts the three together; pairwise broadcasting is
     * associative, so (cond, a) then b gives the same shape and errors. */
    op_shape ca, out;
    if (!op_broadcast_shapes(g, fn, &C.shape, &A.shape, &ca) ||
        !op_broadcast_shapes(g, fn, &ca, &B.shape, &out))
        return NULL_TENSOR;
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, out.ndim, it);
    tvm_expr body = tvm_select(g, op_load_broadcast(g, &C, &out, it),
                               op_load_broadcast(g, &A, &out, it),
                               op_load_broadcast(g, &B, &out, it));
    return op_result(g, tvm_compute(g, "where", out.ndim, out.dims, it, body));
}

/* ---- unary ------------------------------------------------------------------ */

static const struct {
    const char *name;
    int allowed;
} UNARY[] = {
    [TVM_OP_RELU] = {"relu", OP_DT_NUM},
    [TVM_OP_SIGMOID] = {"sigmoid", OP_DT_FLOAT},
    [TVM_OP_TANH] = {"tanh", OP_DT_FLOAT},
    [TVM_OP_SILU] = {"silu", OP_DT_FLOAT},
    [TVM_OP_GELU] = {"gelu", OP_DT_FLOAT},
    [TVM_OP_GELU_TANH] = {"gelu_tanh", OP_DT_FLOAT},
    [TVM_OP_HARD_SWISH] = {"hard_swish", OP_DT_FLOAT},
    [TVM_OP_EXP] = {"exp", OP_DT_FLOAT},
    [TVM_OP_LOG] = {"log", OP_DT_FLOAT},
    [TVM_OP_SQRT] = {"sqrt", OP_DT_FLOAT},
    [TVM_OP_RSQRT] = {"rsqrt", OP_DT_FLOAT},
    [TVM_OP_RECIPROCAL] = {"reciprocal", OP_DT_FLOAT},
    [TVM_OP_ABS] = {"abs", OP_DT_NUM},
    [TVM_OP_NEG] = {"negative", OP_DT_NUM},
    [TVM_OP_FLOOR] = {"floor", OP_DT_FLOAT},
    [TVM_OP_CEIL] = {"ceil", OP_DT_FLOAT},
    [TVM_OP_ERF] = {"erf", OP_DT_FLOAT},
    [TVM_OP_SIGN] = {"sign", OP_DT_NUM},
    [TVM_OP_NOT] = {"logical_not", OP_DT_BOOL},
    [TVM_OP_IDENTITY] = {"identity", OP_DT_ANY},
};
#define NUM_UNARY ((int)(sizeof UNARY / sizeof UNARY[0]))

/* A constant of x's dtype (float16/bfloat16 constants round to the storage
 * type, as the values they combine with were). */
static tvm_expr k(tvm_graph *g, tvm_dtype dt, double v) { return op_fconst(g, dt, v); }

static tvm_expr unary_body(tvm_graph *g, tvm_op_unary_kind op, tvm_dtype dt, tvm_expr x) {
    switch (op) {
    case TVM_OP_RELU: return tvm_max(g, x, tvm_const_int(g, dt, 0));
    case TVM_OP_SIGMOID: return tvm_sigmoid(g, x);
    case TVM_OP_TANH: return tvm_tanh(g, x);
    case TVM_OP_SILU: return tvm_mul(g, x, tvm_sigmoid(g, x));
    case TVM_OP_GELU: /* x/2 * (1 + erf(x / sqrt 2)) */
        return tvm_mul(g, tvm_mul(g, x, k(g, dt, 0.5)),
                       tvm_add(g, k(g, dt, 1), tvm_erf(g, tvm_mul(g, x, k(g, dt, M_SQRT1_2)))));
    case TVM_OP_GELU_TANH: { /* x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
        tvm_expr x3 = tvm_mul(g, tvm_mul(g, x, x), x);
        tvm_expr inner = tvm_mul(g, k(g, dt, M_2_SQRTPI * M_SQRT1_2),
                                 tvm_add(g, x, tvm_mul(g, k(g, dt, 0.044715), x3)));
        return tvm_mul(g, tvm_mul(g, x, k(g, dt, 0.5)),
                       tvm_add(g, k(g, dt, 1), tvm_tanh(g, inner)));
    }
    case TVM_OP_HARD_SWISH: { /* x * max(0, min(1, x/6 + 1/2)) */
        tvm_expr t = tvm_add(g, tvm_div(g, x, k(g, dt, 6)), k(g, dt, 0.5));
        return tvm_mul(g, x, tvm_max(g, k(g, dt, 0), tvm_min(g, k(g, dt, 1), t)));
    }
    case TVM_OP_EXP: return tvm_exp(g, x);
    case TVM_OP_LOG: return tvm_log(g, x);
    case TVM_OP_SQRT: return tvm_sqrt(g, x);
    case TVM_OP_RSQRT: return tvm_rsqrt(g, x);
    case TVM_OP_RECIPROCAL: return tvm_div(g, k(g, dt, 1), x);
    case TVM_OP_ABS: return tvm_abs(g, x);
    case TVM_OP_NEG: return tvm_neg(g, x);
    case TVM_OP_FLOOR: return tvm_floor(g, x);
    case TVM_OP_CEIL: return tvm_ceil(g, x);
    case TVM_OP_ERF: return tvm_erf(g, x);
    case TVM_OP_SIGN: {
        /* numpy: 1, -1, 0 for either zero, NaN stays NaN (x == x is false
         * only for NaN; integers never take that branch). */
        tvm_expr zero = tvm_const_int(g, dt, 0);
        tvm_expr rest = dtype_is_float(dt) ? tvm_select(g, tvm_eq(g, x, x), zero, x) : zero;
        return tvm_select(g, tvm_gt(g, x, zero), tvm_const_int(g, dt, 1),
                          tvm_select(g, tvm_lt(g, x, zero),
                                     dt == TVM_UINT8 ? zero : tvm_const_int(g, dt, -1), rest));
    }
    case TVM_OP_NOT: return tvm_not(g, x);
    case TVM_OP_IDENTITY: return x;
    }
    return (tvm_expr){0};
}

/* The attributes an elementwise body needs besides x: the unary kind or the
 * cast target, and up to two numbers (alpha/beta, lo/hi). */
typedef struct elem_attrs {
    int kind;
    double a, b;
} elem_attrs;

/* out = f(x) elementwise over x's shape: the shared tail of the unary ops. */
typedef tvm_expr (*elem_fn)(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at);

static tvm_tensor map_unary(tvm_graph *g, const char *name, const op_arg *X, elem_fn f,
                            const elem_attrs *at) {
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, X->shape.ndim, it);
    tvm_expr body = f(g, X->dtype, tvm_load(g, X->t, it), at);
    return op_result(g, tvm_compute(g, name, X->shape.ndim, X->shape.dims, it, body));
}

static tvm_tensor unary_float_op(tvm_graph *g, const char *fn, const char *name, tvm_tensor x,
                                 elem_fn f, const elem_attrs *at) {
    op_arg X;
    if (!op_tensor(g, fn, "x", x, &X) || !op_check_dtype(g, fn, "x", X.dtype, OP_DT_FLOAT))
        return NULL_TENSOR;
    return map_unary(g, name, &X, f, at);
}

static tvm_expr unary_map(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at) {
    return unary_body(g, (tvm_op_unary_kind)at->kind, dt, x);
}

TVMC_API tvm_tensor tvm_op_unary(tvm_graph *g, tvm_op_unary_kind op, tvm_tensor x) {
    const char *fn = "tvm_op_unary";
    if (!op_begin(g, fn)) return NULL_TENSOR;
    if ((int)op < 0 || (int)op >= NUM_UNARY) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'op' (%d) is not a "
                   "tvm_op_unary_kind", fn, (int)op);
        return NULL_TENSOR;
    }
    /* the dtype error names the kind: one entry point serves twenty ops */
    char fnk[64];
    snprintf(fnk, sizeof fnk, "%s (%s)", fn, UNARY[op].name);
    op_arg X;
    if (!op_tensor(g, fn, "x", x, &X) ||
        !op_check_dtype(g, fnk, "x", X.dtype, UNARY[op].allowed))
        return NULL_TENSOR;
    elem_attrs at = {.kind = op};
    return map_unary(g, UNARY[op].name, &X, unary_map, &at);
}

/* ---- parameterised activations ---------------------------------------------- */

static tvm_expr leaky_relu_map(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at) {
    tvm_expr zero = k(g, dt, 0);
    return tvm_select(g, tvm_ge(g, x, zero), x, tvm_mul(g, k(g, dt, at->a), x));
}

TVMC_API tvm_tensor tvm_op_leaky_relu(tvm_graph *g, tvm_tensor x, double alpha) {
    elem_attrs at = {.a = alpha};
    return unary_float_op(g, "tvm_op_leaky_relu", "leaky_relu", x, leaky_relu_map, &at);
}

static tvm_expr elu_map(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at) {
    tvm_expr em1 = tvm_sub(g, tvm_exp(g, x), k(g, dt, 1));
    return tvm_select(g, tvm_ge(g, x, k(g, dt, 0)), x, tvm_mul(g, k(g, dt, at->a), em1));
}

TVMC_API tvm_tensor tvm_op_elu(tvm_graph *g, tvm_tensor x, double alpha) {
    elem_attrs at = {.a = alpha};
    return unary_float_op(g, "tvm_op_elu", "elu", x, elu_map, &at);
}

static tvm_expr hard_sigmoid_map(tvm_graph *g, tvm_dtype dt, tvm_expr x,
                                 const elem_attrs *at) {
    tvm_expr t = tvm_add(g, tvm_mul(g, k(g, dt, at->a), x), k(g, dt, at->b));
    return tvm_max(g, k(g, dt, 0), tvm_min(g, k(g, dt, 1), t));
}

TVMC_API tvm_tensor tvm_op_hard_sigmoid(tvm_graph *g, tvm_tensor x, double alpha,
                                        double beta) {
    elem_attrs at = {.a = alpha, .b = beta};
    return unary_float_op(g, "tvm_op_hard_sigmoid", "hard_sigmoid", x, hard_sigmoid_map, &at);
}

/* ---- clip ------------------------------------------------------------------- */

/* The bound as a constant of integer dtype dt: a lower bound rounds up and an
 * upper bound down (so an integer lies within the real bounds exactly when it
 * lies within the rounded ones), both saturated to the dtype's range, which
 * the result already lies in. */
static tvm_expr int_bound(tvm_graph *g, tvm_dtype dt, double v, bool lower) {
    double r = lower ? ceil(v) : floor(v);
    double lo = (double)dtype_int_min(dt), hi = (double)dtype_int_max(dt);
    if (r <= lo) return tvm_const_int(g, dt, dtype_int_min(dt));
    if (r >= hi) return tvm_const_int(g, dt, dtype_int_max(dt));
    return tvm_const_int(g, dt, (int64_t)r);
}

static tvm_expr clip_map(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at) {
    double lo = at->a, hi = at->b;
    bool fl = dtype_is_float(dt);
    /* NaN bounds mean "no bound": leave that side out */
    if (!isnan(lo)) x = tvm_max(g, x, fl ? k(g, dt, lo) : int_bound(g, dt, lo, true));
    if (!isnan(hi)) x = tvm_min(g, x, fl ? k(g, dt, hi) : int_bound(g, dt, hi, false));
    return x;
}

TVMC_API tvm_tensor tvm_op_clip(tvm_graph *g, tvm_tensor x, double lo, double hi) {
    const char *fn = "tvm_op_clip";
    op_arg X;
    if (!op_tensor(g, fn, "x", x, &X) || !op_check_dtype(g, fn, "x", X.dtype, OP_DT_NUM))
        return NULL_TENSOR;
    elem_attrs at = {.a = lo, .b = hi};
    return map_unary(g, "clip", &X, clip_map, &at);
}

/* ---- cast ------------------------------------------------------------------- */

static tvm_expr cast_map(tvm_graph *g, tvm_dtype dt, tvm_expr x, const elem_attrs *at) {
    (void)dt;
    return tvm_cast(g, (tvm_dtype)at->kind, x);
}

TVMC_API tvm_tensor tvm_op_cast(tvm_graph *g, tvm_tensor x, tvm_dtype dtype) {
    const char *fn = "tvm_op_cast";
    op_arg X;
    if (!op_tensor(g, fn, "x", x, &X)) return NULL_TENSOR;
    if (!dtype_valid(dtype)) {
        /* the core reports an unknown dtype as a dtype error (tvm_cast,
         * tvm_placeholder); the operator keeps that convention */
        graph_fail(g, TVM_ERR_DTYPE, "%s: argument 'dtype' (%d) is not a tvm_dtype", fn,
                   (int)dtype);
        return NULL_TENSOR;
    }
    elem_attrs at = {.kind = dtype};
    return map_unary(g, "cast", &X, cast_map, &at);
}
