/* inline — needs: a verified graph. Keeps: the graph unchanged; sets
 * pc->inlined[t] for every compute that is evaluated inside its consumers
 * instead of being stored (the first fusion: injective computes, i.e.
 * without a reduction, that are not outputs). */
#include <stdlib.h>

#include "passes.h"

tvm_status pass_inline(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    pc->inlined = calloc(g->ntensors, 1);
    if (!pc->inlined) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    if (pc->flags & TVM_COMPILE_NO_INLINE) return TVM_OK;
    for (uint32_t t = 1; t < g->ntensors; t++) {
        const gt_node *tn = &g->tensors[t];
        if (tn->kind != GT_COMPUTE) continue;
        bool output = false;
        for (int i = 0; i < pc->nout; i++) output |= pc->outputs[i] == t;
        if (!output && !graph_expr_has_reduce(g, tn->body)) pc->inlined[t] = 1;
    }
    return TVM_OK;
}
