/* topk.c — tvm_op_topk (ONNX TopK's indices; the values are a gather).
 *
 * Written as two computes by ranking, since a compute cannot sort:
 *   rank[..., i, ...]  = how many elements of i's row come before it: those
 *                        better than x[i] (larger, or smaller), and equal
 *                        ones at a lower position (ONNX's tie rule). The
 *                        ranks of a row are a permutation of 0 .. n-1.
 *   topk[..., j, ...]  = the position whose rank is j (a sum over the row
 *                        that meets exactly one match), for j < k.
 * NaN is ordered above every number (so a NaN is "largest" and never among
 * the smallest), which keeps the order total and the ranks a permutation.
 *
 * When the dim on axis is symbolic it may turn out smaller than k at call
 * time: no rank then matches j and the sum stays -1. The result re-reads the
 * rank at the position found, which adds 0 to a valid position and is a
 * read outside `rank` (TVM_ERR_OUT_OF_BOUNDS) for the -1. */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

static tvm_expr is_nan(tvm_graph *g, tvm_expr v) { return tvm_ne(g, v, v); }

TVMC_API tvm_tensor tvm_op_topk(tvm_graph *g, tvm_tensor x, int64_t k, int axis, int largest) {
    static const char fn[] = "tvm_op_topk";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    if (!op_check_dtype(g, fn, "x", a.dtype, OP_DT_NUM)) return NULL_TENSOR;
    int r = a.shape.ndim, ax;
    if (!op_axis(g, fn, axis, r, &ax)) return NULL_TENSOR;
    tvm_expr n = a.shape.dims[ax];
    int64_t nv = -1;
    bool const_n = op_const_value(g, n, &nv);
    if (k < 0 || (const_n && k > nv)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: k is %lld; it must be in [0, %lld] (the "
                   "dim of x on axis %d)", fn, (long long)k, (long long)(const_n ? nv : 0), ax);
        return NULL_TENSOR;
    }

    /* rank[i] = #{m : x[m] comes before x[i]} */
    tvm_expr it[TVM_MAX_NDIM], xm[TVM_MAX_NDIM];
    op_iters(g, r, it);
    tvm_expr m = tvm_reduce_axis(g, "m", n);
    for (int d = 0; d < r; d++) xm[d] = d == ax ? m : it[d];
    tvm_expr vm = tvm_load(g, a.t, xm), vi = tvm_load(g, a.t, it);
    tvm_expr better = largest ? tvm_gt(g, vm, vi) : tvm_lt(g, vm, vi);
    tvm_expr tie = tvm_eq(g, vm, vi);
    if (dtype_is_float(a.dtype)) {
        tvm_expr nm = is_nan(g, vm), ni = is_nan(g, vi);
        /* NaN above every number: first when largest, last when smallest */
        tvm_expr nan_first = largest ? tvm_and(g, nm, tvm_not(g, ni))
                                     : tvm_and(g, ni, tvm_not(g, nm));
        better = tvm_or(g, better, nan_first);
        tie = tvm_or(g, tie, tvm_and(g, nm, ni));
    }
    tvm_expr before = tvm_or(g, better, tvm_and(g, tie, tvm_lt(g, m, it[ax])));
    tvm_expr count = tvm_sum(g, tvm_cast(g, TVM_INT64, before), 1, &m);
    tvm_tensor rank = tvm_compute(g, "topk_rank", r, a.shape.dims, it, count);
    if (g->status != TVM_OK) return NULL_TENSOR;

    /* topk[j] = the i with rank[i] == j */
    op_shape out = a.shape;
    out.dims[ax] = op_i64(g, k);
    tvm_expr jt[TVM_MAX_NDIM], ri[TVM_MAX_NDIM];
    op_iters(g, r, jt);
    tvm_expr i = tvm_reduce_axis(g, "i", n);
    for (int d = 0; d < r; d++) ri[d] = d == ax ? i : jt[d];
    tvm_expr hit = tvm_eq(g, tvm_load(g, rank, ri), jt[ax]);
    tvm_expr pos = tvm_sub(g, tvm_sum(g, tvm_select(g, hit, tvm_add(g, i, op_i64(g, 1)),
                                                    op_i64(g, 0)), 1, &i),
                           op_i64(g, 1));
    if (!const_n) {
        ri[ax] = pos;
        pos = tvm_add(g, pos, tvm_sub(g, tvm_load(g, rank, ri), jt[ax]));
    }
    return op_result(g, tvm_compute(g, "topk", r, out.dims, jt, pos));
}
