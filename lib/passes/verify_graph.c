/* verify_graph — needs: the graph and the compile's input/output lists.
 * Keeps: the graph unchanged; fills pc->consts with the constants reached. */
#include <stdlib.h>

#include "passes.h"

tvm_status pass_verify_graph(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    for (int i = 0; i < pc->nin; i++) {
        const gt_node *t = &g->tensors[pc->inputs[i]];
        if (t->kind != GT_PLACEHOLDER)
            return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: inputs[%d] ('%s') is not a "
                           "placeholder", i, graph_string(g, t->name));
        for (int j = 0; j < i; j++)
            if (pc->inputs[j] == pc->inputs[i])
                return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: inputs[%d] repeats "
                               "inputs[%d] ('%s')", i, j, graph_string(g, t->name));
    }
    for (int i = 0; i < pc->nout; i++) {
        const gt_node *t = &g->tensors[pc->outputs[i]];
        if (t->kind != GT_COMPUTE)
            return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: outputs[%d] ('%s') is not a "
                           "computed tensor (tvm_compute)", i, graph_string(g, t->name));
        for (int j = 0; j < i; j++)
            if (pc->outputs[j] == pc->outputs[i])
                return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: outputs[%d] repeats "
                               "outputs[%d] ('%s')", i, j, graph_string(g, t->name));
    }
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    uint32_t *consts = calloc(g->ntensors, sizeof *consts);
    tvm_status st = TVM_OK;
    if (!tmark || !emark || !consts ||
        !graph_mark_reachable(g, pc->outputs, pc->nout, tmark, emark)) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
        goto out;
    }
    pc->nconsts = 0;
    for (uint32_t t = 1; t < g->ntensors && st == TVM_OK; t++) {
        if (!tmark[t]) continue;
        const gt_node *tn = &g->tensors[t];
        if (tn->kind == GT_CONSTANT) consts[pc->nconsts++] = t;
        if (tn->kind != GT_PLACEHOLDER) continue;
        bool listed = false;
        for (int i = 0; i < pc->nin; i++) listed |= pc->inputs[i] == t;
        if (!listed)
            st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: placeholder '%s' is used to "
                         "compute the outputs but is not among the inputs",
                         graph_string(g, tn->name));
    }
    if (pc->nconsts > 4096 && st == TVM_OK)
        st = err_set(TVM_ERR_LIMIT, "tvm_compile: more than 4096 constant tensors");
out:
    free(tmark);
    free(emark);
    if (st == TVM_OK) {
        pc->consts = consts;
    } else {
        free(consts);
    }
    return st;
}
