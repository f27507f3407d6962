/* reduce.c — tvm_op_reduce: sum, mean, max, min, prod over a set of axes
 * (keepdims or not) and argmax / argmin over one axis.
 *
 * sum/mean/max/min/prod are one compute whose body is a tvm_reduce over one
 * reduction axis per reduced dim. float16/bfloat16 sums and products
 * accumulate in float32 (as numpy does) and round once at the end. argmax is
 * two computes: the max itself, then the smallest index whose element equals
 * it or is NaN (the max is NaN exactly when a NaN is present, so the first
 * NaN wins, like numpy). */
#include <stdio.h>

#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

static const char *const REDUCE_NAME[] = {
    [TVM_OP_SUM] = "sum", [TVM_OP_MEAN] = "mean", [TVM_OP_MAX] = "max", [TVM_OP_MIN] = "min",
    [TVM_OP_PROD] = "prod", [TVM_OP_ARGMAX] = "argmax", [TVM_OP_ARGMIN] = "argmin",
};
#define NUM_REDUCE ((int)(sizeof REDUCE_NAME / sizeof REDUCE_NAME[0]))

/* What a reduction of x looks like: which dims go, the result shape, and for
 * each input dim the result dim it maps to (-1 if reduced away). */
typedef struct reduce_plan {
    bool reduced[TVM_MAX_NDIM];
    int out_pos[TVM_MAX_NDIM];
    int nreduced;
    op_shape out;
} reduce_plan;

static void plan_output(const op_arg *X, bool keepdims, tvm_graph *g, reduce_plan *p) {
    p->out.ndim = 0;
    p->nreduced = 0;
    for (int d = 0; d < X->shape.ndim; d++) {
        p->out_pos[d] = -1;
        if (p->reduced[d]) {
            p->nreduced++;
            if (!keepdims) continue;
            p->out_pos[d] = p->out.ndim;
            p->out.dims[p->out.ndim++] = op_i64(g, 1);
        } else {
            p->out_pos[d] = p->out.ndim;
            p->out.dims[p->out.ndim++] = X->shape.dims[d];
        }
    }
}

/* The indices reading x for result element `it`: result iterators on kept
 * dims, fresh reduction axes (written to ax, *nax of them) on reduced dims.
 * Each reduction gets its own axes. */
static void reduce_index(tvm_graph *g, const op_arg *X, const reduce_plan *p,
                         const tvm_expr *it, tvm_expr *idx, tvm_expr *ax, int *nax) {
    *nax = 0;
    for (int d = 0; d < X->shape.ndim; d++) {
        if (p->reduced[d]) {
            char name[16];
            snprintf(name, sizeof name, "k%d", d);
            idx[d] = ax[(*nax)++] = tvm_reduce_axis(g, name, X->shape.dims[d]);
        } else {
            idx[d] = it[p->out_pos[d]];
        }
    }
}

/* Resolves `axes` into p->reduced; false (graph failed) on a bad list. */
static bool parse_axes(tvm_graph *g, const char *fn, const op_arg *X, int naxes,
                       const int *axes, reduce_plan *p) {
    int ndim = X->shape.ndim;
    for (int d = 0; d < TVM_MAX_NDIM; d++) p->reduced[d] = naxes == 0;
    if (naxes < 0 || naxes > ndim) { /* more axes than dims must repeat one */
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'naxes' is %d; it must be in "
                   "[0, %d]", fn, naxes, ndim);
        return false;
    }
    if (naxes > 0 && !axes) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'axes' is NULL but naxes is %d",
                   fn, naxes);
        return false;
    }
    int first[TVM_MAX_NDIM];
    for (int k = 0; k < naxes; k++) {
        int a;
        char what[64];
        snprintf(what, sizeof what, "%s: axes[%d]", fn, k);
        if (!op_axis(g, what, axes[k], ndim, &a)) return false;
        if (p->reduced[a]) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axis %d is listed twice in 'axes' "
                       "(axes[%d] = %d and axes[%d] = %d)", fn, a, first[a], axes[first[a]], k,
                       axes[k]);
            return false;
        }
        p->reduced[a] = true;
        first[a] = k;
    }
    return true;
}

/* The first index along the reduced axis where x equals the extreme m (or is
 * NaN): a min-reduction over select(hit, k, extent). Every non-empty axis has
 * a hit; an empty one (numpy raises) gives min's identity, INT64_MAX. */
static tvm_tensor arg_extreme(tvm_graph *g, tvm_op_reduce_kind op, const op_arg *X,
                              const reduce_plan *p) {
    tvm_reduce_kind ext = op == TVM_OP_ARGMAX ? TVM_REDUCE_MAX : TVM_REDUCE_MIN;
    tvm_expr it[TVM_MAX_NDIM], idx[TVM_MAX_NDIM], ax[TVM_MAX_NDIM];
    int nax;
    /* bool has no reduction; 0/1 as uint8 orders the same way */
    tvm_dtype vdt = X->dtype == TVM_BOOL ? TVM_UINT8 : X->dtype;

    op_iters(g, p->out.ndim, it);
    reduce_index(g, X, p, it, idx, ax, &nax);
    tvm_expr v = tvm_cast(g, vdt, tvm_load(g, X->t, idx));
    tvm_tensor m = tvm_compute(g, op == TVM_OP_ARGMAX ? "argmax_max" : "argmin_min",
                               p->out.ndim, p->out.dims, it, tvm_reduce(g, ext, v, nax, ax));

    tvm_expr it2[TVM_MAX_NDIM];
    op_iters(g, p->out.ndim, it2);
    reduce_index(g, X, p, it2, idx, ax, &nax);
    int axis = 0;
    while (axis < X->shape.ndim && !p->reduced[axis]) axis++;
    tvm_expr x = tvm_cast(g, vdt, tvm_load(g, X->t, idx));
    tvm_expr hit = tvm_eq(g, x, tvm_load(g, m, it2));
    if (dtype_is_float(vdt)) hit = tvm_or(g, hit, tvm_ne(g, x, x));
    tvm_expr extent = X->shape.dims[axis];
    tvm_expr body = tvm_select(g, hit, ax[0], extent);
    return tvm_compute(g, REDUCE_NAME[op], p->out.ndim, p->out.dims, it2,
                       tvm_reduce(g, TVM_REDUCE_MIN, body, nax, ax));
}

TVMC_API tvm_tensor tvm_op_reduce(tvm_graph *g, tvm_op_reduce_kind op, tvm_tensor x, int naxes,
                                  const int *axes, int keepdims) {
    const char *fn = "tvm_op_reduce";
    if (!op_begin(g, fn)) return NULL_TENSOR;
    if ((int)op < 0 || (int)op >= NUM_REDUCE) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'op' (%d) is not a "
                   "tvm_op_reduce_kind", fn, (int)op);
        return NULL_TENSOR;
    }
    op_arg X;
    reduce_plan p;
    if (!op_tensor(g, fn, "x", x, &X) || !parse_axes(g, fn, &X, naxes, axes, &p))
        return NULL_TENSOR;
    bool arg = op == TVM_OP_ARGMAX || op == TVM_OP_ARGMIN;
    if (arg && naxes != 1) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s takes exactly one axis; argument "
                   "'naxes' is %d", fn, REDUCE_NAME[op], naxes);
        return NULL_TENSOR;
    }
    char fnk[64];
    snprintf(fnk, sizeof fnk, "%s (%s)", fn, REDUCE_NAME[op]);
    int allowed = op == TVM_OP_MEAN ? OP_DT_FLOAT : arg ? OP_DT_ANY : OP_DT_NUM;
    if (!op_check_dtype(g, fnk, "x", X.dtype, allowed)) return NULL_TENSOR;
    plan_output(&X, keepdims != 0, g, &p);
    if (arg) return op_result(g, arg_extreme(g, op, &X, &p));

    tvm_expr it[TVM_MAX_NDIM], idx[TVM_MAX_NDIM], ax[TVM_MAX_NDIM];
    int nax;
    op_iters(g, p.out.ndim, it);
    reduce_index(g, &X, &p, it, idx, ax, &nax);
    tvm_expr v = tvm_load(g, X.t, idx);
    tvm_expr body;
    if (nax == 0) {
        /* a rank-0 x over "all axes": one element, the reduction is a copy */
        body = v;
    } else if (op == TVM_OP_MAX || op == TVM_OP_MIN) {
        body = tvm_reduce(g, op == TVM_OP_MAX ? TVM_REDUCE_MAX : TVM_REDUCE_MIN, v, nax, ax);
    } else {
        tvm_dtype acc = (tvm_dtype)dtype_compute(X.dtype); /* f16/bf16 add up in f32 */
        v = tvm_cast(g, acc, v);
        body = tvm_reduce(g, op == TVM_OP_PROD ? TVM_REDUCE_PROD : TVM_REDUCE_SUM, v, nax, ax);
        if (op == TVM_OP_MEAN) {
            /* count of the reduced elements, symbolic when the dims are; an
             * empty mean is 0 / 0 = NaN */
            op_shape rs = {0};
            for (int d = 0; d < X.shape.ndim; d++)
                if (p.reduced[d]) rs.dims[rs.ndim++] = X.shape.dims[d];
            tvm_expr count = op_numel(g, &rs, 0, rs.ndim);
            body = tvm_div(g, body, tvm_cast(g, acc, count));
        }
        body = tvm_cast(g, X.dtype, body);
    }
    return op_result(g, tvm_compute(g, REDUCE_NAME[op], p.out.ndim, p.out.dims, it, body));
}
