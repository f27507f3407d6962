/* scatter.c — tvm_op_scatter_elements (ONNX ScatterElements / Scatter) and
 * tvm_op_scatter_nd (ONNX ScatterND), with reductions none, add, mul, max
 * and min.
 *
 * A compute defines each result element from its own position, so a
 * scatter is written from the receiving side: element i looks at every
 * update that could land on it, and combines those whose (wrapped) index
 * equals i's coordinate:
 *   none:     the last matching update (a max-reduction over the update's
 *             row-major position finds it), else x[i];
 *   add/mul:  x[i] + sum / * prod of the matching updates;
 *   max/min:  x[i] combined with the max / min of the matching updates.
 * For ScatterElements only the updates along axis can land on i (the other
 * coordinates are i's own), which keeps the cost at x's size times the
 * indices' dim on axis.
 *
 * Bad indices. An update whose index lies outside [-dim, dim) matches no
 * element, which would silently drop it; ONNX calls such a model invalid
 * and tvmc fails the call instead. The comparison reads the index a second
 * time, at the same position when it is in range and at position -1 when
 * it is not: the same value for a valid index, and for a bad one a
 * data-dependent read outside the indices tensor, which the bounds pass
 * turns into TVM_ERR_OUT_OF_BOUNDS at that point of the call. No read or
 * write ever leaves a tensor. */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

typedef struct scatter_args {
    op_arg x, ix, up;
} scatter_args;

static bool load_args(tvm_graph *g, const char *fn, tvm_tensor x, tvm_tensor indices,
                      tvm_tensor updates, tvm_scatter_reduction red, scatter_args *s) {
    if (!op_tensor(g, fn, "x", x, &s->x) || !op_tensor(g, fn, "indices", indices, &s->ix) ||
        !op_tensor(g, fn, "updates", updates, &s->up))
        return false;
    if (s->ix.dtype != TVM_INT32 && s->ix.dtype != TVM_INT64) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: indices is %s; it must be int32 or int64", fn,
                   dtype_name(s->ix.dtype));
        return false;
    }
    if (!op_same_dtype(g, fn, "x", &s->x, "updates", &s->up)) return false;
    if ((int)red < TVM_SCATTER_NONE || (int)red > TVM_SCATTER_MIN) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: reduction is %d; it must be a "
                   "tvm_scatter_reduction (0..4)", fn, (int)red);
        return false;
    }
    if (red != TVM_SCATTER_NONE && !op_check_dtype(g, fn, "x", s->x.dtype, OP_DT_NUM))
        return false;
    return true;
}

/* The index value read at position `pos` of indices, as int64, wrapped into
 * [0, dim) when negative; `slot` is the entry of pos that the guard moves
 * to -1 for an index outside [-dim, dim) (see the file comment). */
static tvm_expr checked_index(tvm_graph *g, const op_arg *ix, tvm_expr *pos, int slot,
                              tvm_expr dim) {
    tvm_expr v = tvm_load(g, ix->t, pos);
    if (ix->dtype != TVM_INT64) v = tvm_cast(g, TVM_INT64, v);
    tvm_expr ok = tvm_and(g, tvm_ge(g, v, tvm_neg(g, dim)), tvm_lt(g, v, dim));
    tvm_expr keep = pos[slot];
    pos[slot] = tvm_select(g, ok, keep, op_i64(g, -1));
    tvm_expr w = tvm_load(g, ix->t, pos);
    pos[slot] = keep;
    if (ix->dtype != TVM_INT64) w = tvm_cast(g, TVM_INT64, w);
    return tvm_select(g, tvm_lt(g, w, op_i64(g, 0)), tvm_add(g, w, dim), w);
}

/* The identity an unmatched update contributes under reduction `red`. */
static tvm_expr identity(tvm_graph *g, tvm_dtype dt, tvm_scatter_reduction red) {
    bool fl = dtype_is_float(dt);
    switch (red) {
    case TVM_SCATTER_MUL: return tvm_const_int(g, dt, 1);
    case TVM_SCATTER_MAX:
        return fl ? tvm_const_float(g, dt, -__builtin_inf()) : tvm_const_int(g, dt, dtype_int_min(dt));
    case TVM_SCATTER_MIN:
        return fl ? tvm_const_float(g, dt, __builtin_inf()) : tvm_const_int(g, dt, dtype_int_max(dt));
    default: return tvm_const_int(g, dt, 0);
    }
}

/* reduce(kind, body) over naxes axes; the body itself when there are none. */
static tvm_expr reduce_or_self(tvm_graph *g, tvm_reduce_kind kind, tvm_expr body, int naxes,
                               const tvm_expr *axes) {
    return naxes ? tvm_reduce(g, kind, body, naxes, axes) : body;
}

/* The combined value for add/mul/max/min: old OP reduce(match ? upd : id). */
static tvm_expr combine(tvm_graph *g, tvm_dtype dt, tvm_scatter_reduction red, tvm_expr old,
                        tvm_expr match, tvm_expr upd, int naxes, const tvm_expr *axes) {
    tvm_expr body = tvm_select(g, match, upd, identity(g, dt, red));
    switch (red) {
    case TVM_SCATTER_ADD:
        return tvm_add(g, old, reduce_or_self(g, TVM_REDUCE_SUM, body, naxes, axes));
    case TVM_SCATTER_MUL:
        return tvm_mul(g, old, reduce_or_self(g, TVM_REDUCE_PROD, body, naxes, axes));
    case TVM_SCATTER_MAX:
        return tvm_max(g, old, reduce_or_self(g, TVM_REDUCE_MAX, body, naxes, axes));
    default:
        return tvm_min(g, old, reduce_or_self(g, TVM_REDUCE_MIN, body, naxes, axes));
    }
}

TVMC_API tvm_tensor tvm_op_scatter_elements(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                            tvm_tensor updates, int axis,
                                            tvm_scatter_reduction reduction) {
    static const char fn[] = "tvm_op_scatter_elements";
    scatter_args s;
    if (!load_args(g, fn, x, indices, updates, reduction, &s)) return NULL_TENSOR;
    int r = s.x.shape.ndim, ax;
    if (!op_axis(g, fn, axis, r, &ax)) return NULL_TENSOR;
    if (s.ix.shape.ndim != r || s.up.shape.ndim != r) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: x, indices and updates must have one rank (%d, %d, "
                   "%d)", fn, r, s.ix.shape.ndim, s.up.shape.ndim);
        return NULL_TENSOR;
    }
    /* where the updates are narrower than x (dims other than axis), an
     * element outside them receives nothing: its reads use a clamped
     * position and `inside` fails its match. A guard around the whole value
     * would not do: lowering evaluates the reduction outside the select. */
    tvm_expr inside = {0};
    for (int d = 0; d < r; d++) {
        if (!op_dim_equal(s.ix.shape.dims[d], s.up.shape.dims[d])) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: indices and updates differ in dim %d (or are "
                       "not provably equal)", fn, d);
            return NULL_TENSOR;
        }
        if (d == ax || op_dim_equal(s.ix.shape.dims[d], s.x.shape.dims[d])) continue;
        int64_t a, b;
        if (!op_const_value(g, s.ix.shape.dims[d], &a) ||
            !op_const_value(g, s.x.shape.dims[d], &b) || a > b) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: indices dim %d is larger than x's (or not "
                       "provably within it)", fn, d);
            return NULL_TENSOR;
        }
    }
    tvm_expr it[TVM_MAX_NDIM], u[TVM_MAX_NDIM];
    op_iters(g, r, it);
    for (int d = 0; d < r; d++) {
        int64_t e;
        if (op_const_value(g, s.ix.shape.dims[d], &e) && e == 0) /* no updates: a copy */
            return op_result(g, tvm_compute(g, "scatter_elements", r, s.x.shape.dims, it,
                                            tvm_load(g, s.x.t, it)));
    }
    tvm_expr ra = tvm_reduce_axis(g, "r", s.ix.shape.dims[ax]);
    for (int d = 0; d < r; d++) {
        u[d] = d == ax ? ra : it[d];
        if (d == ax || op_dim_equal(s.ix.shape.dims[d], s.x.shape.dims[d])) continue;
        tvm_expr in = tvm_lt(g, it[d], s.ix.shape.dims[d]);
        inside = inside.id ? tvm_and(g, inside, in) : in;
        u[d] = tvm_min(g, it[d], op_dim_add_const(g, fn, s.ix.shape.dims[d], -1));
    }
    tvm_expr dim = s.x.shape.dims[ax];
    tvm_expr match = tvm_eq(g, checked_index(g, &s.ix, u, ax, dim), it[ax]);
    if (inside.id) match = tvm_and(g, inside, match);
    tvm_expr old = tvm_load(g, s.x.t, it);
    tvm_expr val;
    if (reduction == TVM_SCATTER_NONE) {
        tvm_expr j = tvm_reduce(g, TVM_REDUCE_MAX, tvm_select(g, match, ra, op_i64(g, -1)), 1,
                                &ra);
        u[ax] = j;
        val = tvm_select(g, tvm_ge(g, j, op_i64(g, 0)), tvm_load(g, s.up.t, u), old);
    } else {
        val = combine(g, s.x.dtype, reduction, old, match, tvm_load(g, s.up.t, u), 1, &ra);
    }
    return op_result(g, tvm_compute(g, "scatter_elements", r, s.x.shape.dims, it, val));
}

TVMC_API tvm_tensor tvm_op_scatter_nd(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                      tvm_tensor updates, tvm_scatter_reduction reduction) {
    static const char fn[] = "tvm_op_scatter_nd";
    scatter_args s;
    if (!load_args(g, fn, x, indices, updates, reduction, &s)) return NULL_TENSOR;
    int r = s.x.shape.ndim, q = s.ix.shape.ndim;
    if (q < 1) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: indices is 0-d; its last dim holds the index tuples",
                   fn);
        return NULL_TENSOR;
    }
    int64_t m;
    if (!op_const_dim(g, fn, "indices", q - 1, s.ix.shape.dims[q - 1], &m)) return NULL_TENSOR;
    if (m < 1 || m > r) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: index tuples have %lld entries; they must be in "
                   "[1, %d] for x of rank %d", fn, (long long)m, r, r);
        return NULL_TENSOR;
    }
    int nu = q - 1; /* dims of the tuple grid */
    if (s.up.shape.ndim != nu + r - (int)m) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: updates has rank %d; it must be %d (indices.shape[:-1]"
                   " + x.shape[%lld:])", fn, s.up.shape.ndim, nu + r - (int)m, (long long)m);
        return NULL_TENSOR;
    }
    for (int d = 0; d < s.up.shape.ndim; d++) {
        tvm_expr want = d < nu ? s.ix.shape.dims[d] : s.x.shape.dims[d - nu + (int)m];
        if (!op_dim_equal(s.up.shape.dims[d], want)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: updates dim %d does not match indices.shape[:-1]"
                       " + x.shape[%lld:] (or is not provably equal)", fn, d, (long long)m);
            return NULL_TENSOR;
        }
    }
    tvm_expr it[TVM_MAX_NDIM], ra[TVM_MAX_NDIM], pos[TVM_MAX_NDIM], u[TVM_MAX_NDIM];
    op_iters(g, r, it);
    for (int t = 0; t < nu; t++) ra[t] = tvm_reduce_axis(g, "u", s.ix.shape.dims[t]);
    for (int t = 0; t < nu; t++) pos[t] = ra[t];
    tvm_expr match = {0};
    for (int k = 0; k < m; k++) {
        pos[nu] = op_i64(g, k);
        tvm_expr e = tvm_eq(g, checked_index(g, &s.ix, pos, nu, s.x.shape.dims[k]), it[k]);
        match = match.id ? tvm_and(g, match, e) : e;
    }
    for (int t = 0; t < nu; t++) u[t] = ra[t];
    for (int d = (int)m; d < r; d++) u[nu + d - (int)m] = it[d];
    tvm_expr old = tvm_load(g, s.x.t, it);
    tvm_expr val;
    if (reduction == TVM_SCATTER_NONE) {
        /* the last matching tuple in row-major order: its linear position */
        tvm_expr lin = op_i64(g, 0);
        for (int t = 0; t < nu; t++)
            lin = tvm_add(g, tvm_mul(g, lin, s.ix.shape.dims[t]), ra[t]);
        tvm_expr j = reduce_or_self(g, TVM_REDUCE_MAX,
                                    tvm_select(g, match, lin, op_i64(g, -1)), nu, ra);
        tvm_expr rest = j;
        for (int t = nu - 1; t >= 0; t--) {
            u[t] = t ? tvm_floormod(g, rest, s.ix.shape.dims[t]) : rest;
            rest = tvm_floordiv(g, rest, s.ix.shape.dims[t]);
        }
        val = tvm_select(g, tvm_ge(g, j, op_i64(g, 0)), tvm_load(g, s.up.t, u), old);
    } else {
        val = combine(g, s.x.dtype, reduction, old, match, tvm_load(g, s.up.t, u), nu, ra);
    }
    return op_result(g, tvm_compute(g, "scatter_nd", r, s.x.shape.dims, it, val));
}
