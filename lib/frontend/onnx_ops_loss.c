/* onnx_ops_loss.c — NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss,
 * written as computes: each element reads the input at the class its
 * target names (a data-dependent, bounds-checked load), guarded by a
 * select so an ignored target never reads anything. */
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

/* NLL of log-probabilities x [N, C, d...] for targets t [N, d...] with
 * optional class weights w [C]. Writes the loss (per reduction) to *loss. */
static tvm_status nll(onnx_ctx *c, onnx_node *n, tvm_tensor x, tvm_tensor t, tvm_tensor w,
                      tvm_tensor *loss) {
    tvm_graph *g = c->g;
    op_arg xa, ta;
    if (!op_tensor(g, "onnx", "input", x, &xa) || !op_tensor(g, "onnx", "target", t, &ta))
        return onnx_graph_status(c, n);
    if (xa.shape.ndim < 2 || ta.shape.ndim != xa.shape.ndim - 1)
        return onnx_fail(n, TVM_ERR_SHAPE, "input rank %d and target rank %d do not fit "
                         "[N, C, d...] / [N, d...]", xa.shape.ndim, ta.shape.ndim);
    if (!dtype_is_int(ta.dtype))
        return onnx_fail(n, TVM_ERR_DTYPE, "target must be an integer tensor");
    char buf[16];
    const char *red = onnx_attr_s(n, "reduction", "mean", buf, sizeof buf);
    if (strcmp(red, "mean") && strcmp(red, "sum") && strcmp(red, "none"))
        return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "reduction '%s'", red);
    const Onnx__AttributeProto *iia = onnx_attr(n, "ignore_index");
    bool has_ii = iia && iia->has_i;
    int nd = ta.shape.ndim;
    tvm_expr it[TVM_MAX_NDIM], xi[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    tvm_expr cls = tvm_load(g, t, it);
    if (ta.dtype != TVM_INT64) cls = tvm_cast(g, TVM_INT64, cls);
    xi[0] = it[0];
    xi[1] = cls;
    for (int k = 1; k < nd; k++) xi[k + 1] = it[k];
    tvm_expr weight = w.id ? tvm_load(g, w, &cls) : tvm_const_float(g, xa.dtype, 1.0);
    tvm_expr val = tvm_neg(g, tvm_mul(g, tvm_load(g, x, xi), weight));
    tvm_expr zero = tvm_const_float(g, xa.dtype, 0.0);
    tvm_expr ignored = has_ii ? tvm_eq(g, cls, tvm_const_int(g, TVM_INT64, iia->i)) : (tvm_expr){0};
    if (has_ii) {
        val = tvm_select(g, ignored, zero, val);
        weight = tvm_select(g, ignored, zero, weight);
    }
    tvm_tensor per = tvm_compute(g, "nll", nd, ta.shape.dims, it, val);
    if (!strcmp(red, "none")) {
        *loss = per;
        return onnx_graph_status(c, n);
    }
    tvm_tensor sum = tvm_op_reduce(g, TVM_OP_SUM, per, 0, NULL, 0);
    if (!strcmp(red, "sum")) {
        *loss = sum;
        return onnx_graph_status(c, n);
    }
    tvm_expr it2[TVM_MAX_NDIM];
    op_iters(g, nd, it2);
    /* the same weight expression over fresh iteration variables */
    tvm_expr cls2 = tvm_load(g, t, it2);
    if (ta.dtype != TVM_INT64) cls2 = tvm_cast(g, TVM_INT64, cls2);
    tvm_expr w2 = w.id ? tvm_load(g, w, &cls2) : tvm_const_float(g, xa.dtype, 1.0);
    if (has_ii)
        w2 = tvm_select(g, tvm_eq(g, cls2, tvm_const_int(g, TVM_INT64, iia->i)), zero, w2);
    tvm_tensor wt = tvm_compute(g, "nll_weight", nd, ta.shape.dims, it2, w2);
    tvm_tensor wsum = tvm_op_reduce(g, TVM_OP_SUM, wt, 0, NULL, 0);
    *loss = tvm_op_binary(g, TVM_OP_DIV, sum, wsum);
    return onnx_graph_status(c, n);
}

static tvm_status op_nll(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, t, w = {0}, loss;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &t));
    if (n->nin > 2 && n->in[2]) TRY(onnx_input(c, n, 2, &w));
    TRY(nll(c, n, x, t, w, &loss));
    return onnx_set_output(c, n, 0, loss);
}

static tvm_status op_softmax_ce(onnx_ctx *c, onnx_node *n) {
    tvm_tensor x, t, w = {0}, loss;
    TRY(onnx_input(c, n, 0, &x));
    TRY(onnx_input(c, n, 1, &t));
    if (n->nin > 2 && n->in[2]) TRY(onnx_input(c, n, 2, &w));
    tvm_tensor lp = tvm_op_log_softmax(c->g, x, 1);
    if (!lp.id) return onnx_graph_status(c, n);
    TRY(nll(c, n, lp, t, w, &loss));
    TRY(onnx_set_output(c, n, 0, loss));
    if (n->nout > 1 && n->out[1]->name) TRY(onnx_set_output(c, n, 1, lp));
    return TVM_OK;
}

const onnx_op onnx_ops_loss[] = {
    {"NegativeLogLikelihoodLoss", 12, op_nll},
    {"SoftmaxCrossEntropyLoss", 12, op_softmax_ce},
    {NULL, 0, NULL},
};
