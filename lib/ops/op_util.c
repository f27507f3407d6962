/* op_util.c — shared helpers of the operator library (see op_util.h). */
#include <stdio.h>
#include <string.h>

#include "op_util.h"

static bool resolve(tvm_graph *g, const char *fn, const char *name, tvm_tensor t,
                    op_arg *out) {
    uint32_t idx = graph_tensor_index(g, t);
    if (!idx) {
        graph_fail(g, TVM_ERR_INVALID_HANDLE,
                   "%s: argument '%s' (id 0x%08x) is not a tensor of this graph", fn, name,
                   t.id);
        return false;
    }
    const gt_node *tn = &g->tensors[idx];
    out->t = t;
    out->dtype = (tvm_dtype)tn->dtype;
    out->shape.ndim = tn->ndim;
    for (uint32_t d = 0; d < tn->ndim; d++) {
        uint32_t e = graph_list(g, tn->shape)[d];
        tvm_expr dim = graph_expr_handle(g, e);
        /* A compute may have dims of another integer dtype (an int32
         * constant, say); operators do their index maths in int64. */
        if (g->exprs[e].dtype != TVM_INT64) {
            int64_t v;
            dim = op_const_value(g, dim, &v) ? op_i64(g, v) : tvm_cast(g, TVM_INT64, dim);
            if (!dim.id) return false;
        }
        out->shape.dims[d] = dim;
    }
    return true;
}

bool op_tensor(tvm_graph *g, const char *fn, const char *name, tvm_tensor t, op_arg *out) {
    if (!graph_ok(g, fn)) return false;
    if (t.id == 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument '%s' is the null tensor", fn,
                   name);
        return false;
    }
    return resolve(g, fn, name, t, out);
}

bool op_optional(tvm_graph *g, const char *fn, const char *name, tvm_tensor t, op_arg *out) {
    if (!graph_ok(g, fn)) return false;
    if (t.id == 0) {
        out->t = t;
        out->shape.ndim = 0;
        out->dtype = 0;
        return true;
    }
    return resolve(g, fn, name, t, out);
}

tvm_expr op_i64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

bool op_const_value(tvm_graph *g, tvm_expr e, int64_t *v) {
    uint32_t idx = graph_expr_index(g, e);
    if (!idx || g->exprs[idx].kind != GX_CONST || dtype_is_float(g->exprs[idx].dtype))
        return false;
    *v = g->exprs[idx].imm.i;
    return true;
}

void op_describe_dim(tvm_graph *g, tvm_expr e, char *buf, size_t n) {
    int64_t v;
    uint32_t idx = graph_expr_index(g, e);
    if (op_const_value(g, e, &v))
        snprintf(buf, n, "%lld", (long long)v);
    else if (idx && g->exprs[idx].kind == GX_SIZE_VAR)
        snprintf(buf, n, "%s", graph_string(g, g->exprs[idx].name));
    else
        snprintf(buf, n, "<expr>");
}

bool op_broadcast_shapes(tvm_graph *g, const char *fn, const op_shape *a, const op_shape *b,
                         op_shape *out) {
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    out->ndim = n;
    for (int k = 0; k < n; k++) {
        int ia = a->ndim - n + k, ib = b->ndim - n + k;
        if (ia < 0) { out->dims[k] = b->dims[ib]; continue; }
        if (ib < 0) { out->dims[k] = a->dims[ia]; continue; }
        tvm_expr da = a->dims[ia], db = b->dims[ib];
        int64_t va, vb;
        bool ca = op_const_value(g, da, &va), cb = op_const_value(g, db, &vb);
        if (op_dim_equal(da, db)) out->dims[k] = da;
        else if (ca && va == 1) out->dims[k] = db;
        else if (cb && vb == 1) out->dims[k] = da;
        else {
            char sa[64], sb[64];
            op_describe_dim(g, da, sa, sizeof sa);
            op_describe_dim(g, db, sb, sizeof sb);
            graph_fail(g, TVM_ERR_SHAPE,
                       "%s: shapes do not broadcast: dim %d is %s in one operand and %s in "
                       "the other%s", fn, k, sa, sb,
                       ca && cb ? "" : " (symbolic dims must be the same size variable)");
            return false;
        }
    }
    return true;
}

void op_broadcast_index(tvm_graph *g, const op_shape *s, const op_shape *out,
                        const tvm_expr *iters, tvm_expr *idx) {
    for (int k = 0; k < s->ndim; k++) {
        int o = out->ndim - s->ndim + k;
        int64_t v;
        if (op_const_value(g, s->dims[k], &v) && v == 1 && !op_dim_equal(s->dims[k], out->dims[o]))
            idx[k] = op_i64(g, 0);
        else
            idx[k] = iters[o];
    }
}

bool op_axis(tvm_graph *g, const char *fn, int axis, int ndim, int *out) {
    if (axis < -ndim || axis >= ndim || ndim == 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axis %d is out of range for a tensor of "
                   "rank %d", fn, axis, ndim);
        return false;
    }
    *out = axis < 0 ? axis + ndim : axis;
    return true;
}

void op_iters(tvm_graph *g, int ndim, tvm_expr *iters) {
    for (int k = 0; k < ndim; k++) {
        char name[16];
        snprintf(name, sizeof name, "i%d", k);
        iters[k] = tvm_iter_var(g, name);
    }
}

tvm_expr op_numel(tvm_graph *g, const op_shape *s, int from, int to) {
    tvm_expr n = op_i64(g, 1);
    for (int k = from; k < to; k++) {
        int64_t v;
        if (op_const_value(g, s->dims[k], &v) && v == 1) continue;
        int64_t nv;
        if (op_const_value(g, n, &nv) && nv == 1) n = s->dims[k];
        else n = tvm_mul(g, n, s->dims[k]);
    }
    return n;
}

bool op_const_dim(tvm_graph *g, const char *fn, const char *name, int k, tvm_expr e,
                  int64_t *v) {
    if (op_const_value(g, e, v)) return true;
    char s[64];
    op_describe_dim(g, e, s, sizeof s);
    graph_fail(g, TVM_ERR_SHAPE, "%s: dim %d of '%s' is symbolic (%s); this op needs it to be "
               "a constant", fn, k, name, s);
    return false;
}

bool op_read_attrs(tvm_graph *g, const char *fn, const char *name, const void *in,
                   size_t known, void *out) {
    memset(out, 0, known);
    if (!in) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: '%s' is NULL", fn, name);
        return false;
    }
    size_t size;
    memcpy(&size, in, sizeof size); /* struct_size is the first member */
    if (size < sizeof(size_t)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s->struct_size is %zu; set it to "
                   "sizeof the struct", fn, name, size);
        return false;
    }
    if (size > known) {
        graph_fail(g, TVM_ERR_VERSION, "%s: %s->struct_size is %zu but this library knows %zu "
                   "bytes; it is older than the header you built with", fn, name, size, known);
        return false;
    }
    memcpy(out, in, size);
    return true;
}

bool op_same_numeric(tvm_graph *g, const char *fn, const op_arg *a, const char *an,
                     const op_arg *b, const char *bn) {
    /* products and sums of bools are not defined, and mixing dtypes would need
     * an implicit cast, which the library never makes */
    if (a->dtype == TVM_BOOL || b->dtype == TVM_BOOL) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: '%s' is bool; cast it to a number first", fn,
                   a->dtype == TVM_BOOL ? an : bn);
        return false;
    }
    if (a->dtype != b->dtype) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: '%s' is %s but '%s' is %s; cast one of them", fn, an,
                   dtype_name(a->dtype), bn, dtype_name(b->dtype));
        return false;
    }
    return true;
}

tvm_expr op_load_broadcast(tvm_graph *g, const op_arg *a, const op_shape *out,
                           const tvm_expr *iters) {
    tvm_expr idx[TVM_MAX_NDIM];
    op_broadcast_index(g, &a->shape, out, iters, idx);
    return tvm_load(g, a->t, idx);
}

static const char *class_text(int allowed) {
    switch (allowed) {
    case OP_DT_FLOAT: return "floating-point";
    case OP_DT_BOOL: return "bool";
    case OP_DT_NUM: return "a number (not bool)";
    case OP_DT_FLOAT | OP_DT_BOOL: return "floating-point or bool";
    default: return "a supported dtype";
    }
}

bool op_check_dtype(tvm_graph *g, const char *fn, const char *name, tvm_dtype dtype,
                    int allowed) {
    int cls = dtype == TVM_BOOL ? OP_DT_BOOL : dtype_is_float(dtype) ? OP_DT_FLOAT : OP_DT_INT;
    if (allowed & cls) return true;
    graph_fail(g, TVM_ERR_DTYPE, "%s: argument '%s' is %s but must be %s", fn, name,
               dtype_name(dtype), class_text(allowed));
    return false;
}

bool op_same_dtype(tvm_graph *g, const char *fn, const char *na, const op_arg *a,
                   const char *nb, const op_arg *b) {
    if (a->dtype == b->dtype) return true;
    graph_fail(g, TVM_ERR_DTYPE, "%s: arguments '%s' (%s) and '%s' (%s) have different "
               "dtypes; cast one first", fn, na, dtype_name(a->dtype), nb,
               dtype_name(b->dtype));
    return false;
}

tvm_expr op_dim_mul(tvm_graph *g, const char *fn, tvm_expr a, tvm_expr b) {
    int64_t va, vb, r;
    bool ca = op_const_value(g, a, &va), cb = op_const_value(g, b, &vb);
    if (ca && cb) {
        if (mul_overflow_i64(va, vb, &r)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: the dim %lld * %lld overflows int64", fn,
                       (long long)va, (long long)vb);
            return (tvm_expr){0};
        }
        return op_i64(g, r);
    }
    if ((ca && va == 0) || (cb && vb == 0)) return op_i64(g, 0);
    if (ca && va == 1) return b;
    if (cb && vb == 1) return a;
    return tvm_mul(g, a, b);
}

tvm_expr op_dim_add(tvm_graph *g, const char *fn, tvm_expr a, tvm_expr b) {
    int64_t va, vb, r;
    bool ca = op_const_value(g, a, &va), cb = op_const_value(g, b, &vb);
    if (ca && cb) {
        if (add_overflow_i64(va, vb, &r)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: the dim %lld + %lld overflows int64", fn,
                       (long long)va, (long long)vb);
            return (tvm_expr){0};
        }
        return op_i64(g, r);
    }
    if (ca && va == 0) return b;
    if (cb && vb == 0) return a;
    return tvm_add(g, a, b);
}

tvm_expr op_dim_add_const(tvm_graph *g, const char *fn, tvm_expr a, int64_t k) {
    int64_t va;
    if (k == 0) return a;
    if (op_const_value(g, a, &va) || k > 0 || k == INT64_MIN) return op_dim_add(g, fn, a, op_i64(g, k));
    /* a - |k| reads better than a + (-k) in printed IR */
    return tvm_sub(g, a, op_i64(g, -k));
}
