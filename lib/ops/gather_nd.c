/* gather_nd.c — the element-wise and tuple gathers of include/tvmc.h:
 * tvm_op_gather_elements (ONNX GatherElements) and tvm_op_gather_nd (ONNX
 * GatherND).
 *
 * Both are one compute whose body loads x at indices read from the indices
 * tensor. Those loads are data-dependent, so the bounds pass checks them
 * where they happen: an index outside the tensor fails the call with
 * TVM_ERR_OUT_OF_BOUNDS naming x and the dimension, as tvm_op_gather does. */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

static bool index_dtype(tvm_graph *g, const char *fn, const op_arg *ix) {
    if (ix->dtype == TVM_INT32 || ix->dtype == TVM_INT64) return true;
    graph_fail(g, TVM_ERR_DTYPE, "%s: indices is %s; it must be int32 or int64", fn,
               dtype_name(ix->dtype));
    return false;
}

/* v (int32/int64) as int64, with a negative value counting back from dim. */
static tvm_expr wrap_index(tvm_graph *g, tvm_expr v, tvm_dtype dt, tvm_expr dim) {
    if (dt != TVM_INT64) v = tvm_cast(g, TVM_INT64, v);
    return tvm_select(g, tvm_lt(g, v, op_i64(g, 0)), tvm_add(g, v, dim), v);
}

/* indices' dim d must not exceed x's: reading x at the result's own
 * position there must stay in x. Symbolic dims must be the same one. */
static bool dim_within(tvm_graph *g, const char *fn, int d, tvm_expr id, tvm_expr xd) {
    if (op_dim_equal(id, xd)) return true;
    int64_t a, b;
    if (op_const_value(g, id, &a) && op_const_value(g, xd, &b)) {
        if (a <= b) return true;
        graph_fail(g, TVM_ERR_SHAPE, "%s: indices dim %d is %lld, larger than x's (%lld)", fn,
                   d, (long long)a, (long long)b);
        return false;
    }
    graph_fail(g, TVM_ERR_SHAPE, "%s: indices dim %d is not provably within x's dim %d "
               "(symbolic dims must be the same size variable)", fn, d, d);
    return false;
}

TVMC_API tvm_tensor tvm_op_gather_elements(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                           int axis) {
    static const char fn[] = "tvm_op_gather_elements";
    op_arg a, ix;
    if (!op_tensor(g, fn, "x", x, &a) || !op_tensor(g, fn, "indices", indices, &ix))
        return NULL_TENSOR;
    if (!index_dtype(g, fn, &ix)) return NULL_TENSOR;
    int r = a.shape.ndim, ax;
    if (!op_axis(g, fn, axis, r, &ax)) return NULL_TENSOR;
    if (ix.shape.ndim != r) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: indices has rank %d but x has rank %d; they must "
                   "be equal", fn, ix.shape.ndim, r);
        return NULL_TENSOR;
    }
    for (int d = 0; d < r; d++)
        if (d != ax && !dim_within(g, fn, d, ix.shape.dims[d], a.shape.dims[d]))
            return NULL_TENSOR;
    tvm_expr it[TVM_MAX_NDIM], xi[TVM_MAX_NDIM];
    op_iters(g, r, it);
    for (int d = 0; d < r; d++) xi[d] = it[d];
    xi[ax] = wrap_index(g, tvm_load(g, ix.t, it), ix.dtype, a.shape.dims[ax]);
    return op_result(g, tvm_compute(g, "gather_elements", r, ix.shape.dims, it,
                                    tvm_load(g, a.t, xi)));
}

TVMC_API tvm_tensor tvm_op_gather_nd(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                     int batch_dims) {
    static const char fn[] = "tvm_op_gather_nd";
    op_arg a, ix;
    if (!op_tensor(g, fn, "x", x, &a) || !op_tensor(g, fn, "indices", indices, &ix))
        return NULL_TENSOR;
    if (!index_dtype(g, fn, &ix)) return NULL_TENSOR;
    int r = a.shape.ndim, q = ix.shape.ndim, b = batch_dims;
    if (q < 1) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: indices is 0-d; its last dim holds the index tuples",
                   fn);
        return NULL_TENSOR;
    }
    if (b < 0 || b >= q || b > r) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: batch_dims is %d; it must be in [0, %d) "
                   "(indices rank %d, x rank %d)", fn, b, q < r + 1 ? q : r + 1, q, r);
        return NULL_TENSOR;
    }
    int64_t m;
    if (!op_const_dim(g, fn, "indices", q - 1, ix.shape.dims[q - 1], &m)) return NULL_TENSOR;
    if (m < 1 || b + m > r) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: index tuples have %lld entries; with batch_dims %d "
                   "they must be in [1, %d] for x of rank %d", fn, (long long)m, b, r - b, r);
        return NULL_TENSOR;
    }
    for (int d = 0; d < b; d++)
        if (!op_dim_equal(ix.shape.dims[d], a.shape.dims[d])) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: batch dim %d differs between x and indices "
                       "(or is not provably equal)", fn, d);
            return NULL_TENSOR;
        }
    int orank = q - 1 + r - b - (int)m;
    if (orank > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: the result would have rank %d; at most %d", fn,
                   orank, TVM_MAX_NDIM);
        return NULL_TENSOR;
    }
    op_shape out = {.ndim = orank};
    for (int d = 0; d < q - 1; d++) out.dims[d] = ix.shape.dims[d];
    for (int d = b + (int)m; d < r; d++) out.dims[q - 1 + d - b - (int)m] = a.shape.dims[d];
    tvm_expr it[TVM_MAX_NDIM], xi[TVM_MAX_NDIM], ii[TVM_MAX_NDIM];
    op_iters(g, orank, it);
    for (int d = 0; d < q - 1; d++) ii[d] = it[d];
    for (int d = 0; d < b; d++) xi[d] = it[d];
    for (int k = 0; k < m; k++) {
        ii[q - 1] = op_i64(g, k);
        xi[b + k] = wrap_index(g, tvm_load(g, ix.t, ii), ix.dtype, a.shape.dims[b + k]);
    }
    for (int d = b + (int)m; d < r; d++) xi[d] = it[q - 1 + d - b - (int)m];
    return op_result(g, tvm_compute(g, "gather_nd", orank, out.dims, it,
                                    tvm_load(g, a.t, xi)));
}
