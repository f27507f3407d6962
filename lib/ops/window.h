/* window.h — sliding windows along one spatial dim, shared by convolutions
 * and pools: the output extent for given padding, stride and dilation, and
 * the guarded input index of an (output, kernel) position. Padding is never
 * materialised; reads that may fall into it are guarded with tvm_select. */
#ifndef TVMC_OPS_WINDOW_H
#define TVMC_OPS_WINDOW_H

#include "op_util.h"

typedef struct op_window {
    int64_t in;       /* input extent */
    int64_t kernel;   /* taps, >= 1 */
    int64_t stride;   /* >= 1 */
    int64_t dilation; /* >= 1 */
    int64_t pad_lo, pad_hi;
    int64_t out;      /* filled by op_window_init */
} op_window;

/* Computes w->out = floor((in + pads - dilation*(kernel-1) - 1) / stride) + 1
 * (ceil with ceil_mode, dropping a last window that would start in the end
 * padding, as ONNX and PyTorch do). Fails with TVM_ERR_INVALID_ARGUMENT
 * naming fn and spatial dim `dim` when the output would be empty or the
 * arithmetic would overflow. */
bool op_window_init(tvm_graph *g, const char *fn, int dim, op_window *w, bool ceil_mode);

/* Input index o*stride + k*dilation - pad_lo. *guard gets the condition that
 * it lies in [0, in), built only for the sides some (o, k) pair can cross
 * (id 0 when every pair stays inside). */
tvm_expr op_window_index(tvm_graph *g, const op_window *w, tvm_expr o, tvm_expr k,
                         tvm_expr *guard);

/* a && b where either may be absent (id 0). */
tvm_expr op_and(tvm_graph *g, tvm_expr a, tvm_expr b);

/* v * c and v + c as int64 expressions, skipping the identities. */
tvm_expr op_mul_const(tvm_graph *g, tvm_expr v, int64_t c);
tvm_expr op_add_const(tvm_graph *g, tvm_expr v, int64_t c);

#endif
