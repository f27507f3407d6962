/* window.c — sliding-window geometry shared by conv and pool (see window.h). */
#include "window.h"

bool op_window_init(tvm_graph *g, const char *fn, int dim, op_window *w, bool ceil_mode) {
    /* attributes come from the caller unchecked in size: the geometry is
     * worked out in 128 bits, and the padded extent and the dilated kernel
     * must fit int64 so every index expression the kernel evaluates does */
    __int128 total = (__int128)w->in + w->pad_lo + w->pad_hi;
    __int128 span = (__int128)w->dilation * (w->kernel - 1) + 1;
    if (total > INT64_MAX || span > INT64_MAX) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: spatial dim %d: padding, dilation and "
                   "kernel size overflow int64", fn, dim);
        return false;
    }
    __int128 room = total - span;
    if (room < 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: spatial dim %d: the output would be "
                   "smaller than 1 (input %lld plus padding %lld+%lld is less than the "
                   "dilated kernel %lld)", fn, dim, (long long)w->in, (long long)w->pad_lo,
                   (long long)w->pad_hi, (long long)span);
        return false;
    }
    __int128 out = room / w->stride + 1;
    if (ceil_mode && room % w->stride) {
        out++;
        /* the last window must start inside the input or the begin padding */
        if ((out - 1) * w->stride >= (__int128)w->in + w->pad_lo) out--;
    }
    w->out = (int64_t)out;
    return true;
}

tvm_expr op_mul_const(tvm_graph *g, tvm_expr v, int64_t c) {
    return c == 1 ? v : tvm_mul(g, v, op_i64(g, c));
}

tvm_expr op_add_const(tvm_graph *g, tvm_expr v, int64_t c) {
    if (c == 0) return v;
    return c > 0 ? tvm_add(g, v, op_i64(g, c)) : tvm_sub(g, v, op_i64(g, -c));
}

tvm_expr op_and(tvm_graph *g, tvm_expr a, tvm_expr b) {
    if (!a.id) return b;
    if (!b.id) return a;
    return tvm_and(g, a, b);
}

tvm_expr op_window_index(tvm_graph *g, const op_window *w, tvm_expr o, tvm_expr k,
                         tvm_expr *guard) {
    tvm_expr idx = op_mul_const(g, o, w->stride);
    if (w->kernel > 1) idx = tvm_add(g, idx, op_mul_const(g, k, w->dilation));
    idx = op_add_const(g, idx, -w->pad_lo);
    /* the smallest index is -pad_lo (o = k = 0); the largest is at the last
     * output and last tap */
    __int128 hi = (__int128)(w->out - 1) * w->stride +
                  (__int128)(w->kernel - 1) * w->dilation - w->pad_lo;
    tvm_expr c = {0};
    if (w->pad_lo > 0) c = tvm_ge(g, idx, op_i64(g, 0));
    if (hi >= w->in) c = op_and(g, c, tvm_lt(g, idx, op_i64(g, w->in)));
    *guard = c;
    return idx;
}
