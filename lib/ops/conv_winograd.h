/* conv_winograd.h — the Winograd form of tvm_op_conv2d (conv_winograd.c),
 * which conv.c routes eligible layers to. */
#ifndef TVMC_OPS_CONV_WINOGRAD_H
#define TVMC_OPS_CONV_WINOGRAD_H

#include "op_util.h"

/* A 3x3, stride-1, undilated, ungrouped NCHW float32 convolution whose
 * sizes are known (the batch may be symbolic). */
typedef struct wino_conv {
    tvm_tensor x, w, bias; /* bias: id 0 when absent */
    tvm_expr batch;        /* x's dim 0 */
    int64_t C, O, H, W, OH, OW;
    int64_t pad_top, pad_left;
} wino_conv;

/* The output tile the automatic selection would use for this layer: 4
 * (F(4x4, 3x3)), 2 (F(2x2, 3x3)) or 0 (direct convolution is faster).
 * `algo` is the caller's tvm_conv_attrs.algorithm. */
int op_winograd_tile(const wino_conv *c, int algo);

/* Whether w depends only on constants (no placeholder, no size variable),
 * so the weight transform folds at compile time. */
bool op_winograd_const_weights(const tvm_graph *g, tvm_tensor w);

/* The convolution as Winograd F(m x m, 3 x 3) stages (m = 2 or 4); the
 * result [N, O, OH, OW] is a compute named `name`, with the bias added. */
tvm_tensor op_conv2d_winograd(tvm_graph *g, const char *name, const wino_conv *c, int m);

#endif
