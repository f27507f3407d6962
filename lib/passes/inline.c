/* inline — needs: a verified graph. Keeps: the graph unchanged; sets
 * pc->inlined[t] for every compute that is evaluated inside its consumers
 * instead of being stored (the first fusion): injective computes (no
 * reduction) that are not outputs, as long as the fused expression stays
 * under INLINE_MAX_DEPTH levels — deeper chains are materialised so the
 * recursive passes keep a bounded stack. */
#include <stdlib.h>

#include "passes.h"

#define INLINE_MAX_DEPTH 500

/* Largest fused depth contributed by the inlined tensors the body loads;
 * *reduce tells whether the body holds a reduction. */
static uint32_t inlined_load_depth(const tvm_graph *g, uint32_t root, const uint8_t *inlined,
                                   const uint32_t *eff, uint32_t *stamp, uint32_t tag,
                                   bool *reduce) {
    uint32_t *stack = NULL, n = 0, cap = 0, best = 0;
    if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = root;
    while (n) {
        uint32_t e = stack[--n];
        if (!e || stamp[e] == tag) continue;
        stamp[e] = tag;
        const gx_node *x = &g->exprs[e];
        if (x->kind == GX_LOAD && inlined[x->a] && eff[x->a] > best) best = eff[x->a];
        if (x->kind == GX_REDUCE) *reduce = true;
        uint32_t kids[3] = {x->kind == GX_LOAD ? 0 : x->a, x->b, x->c};
        for (int k = 0; k < 3; k++)
            if (kids[k] && VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = kids[k];
        for (uint32_t k = 0; k < x->nlist; k++)
            if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->pool[x->list + k];
    }
    free(stack);
    return best;
}

tvm_status pass_inline(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    pc->inlined = calloc(g->ntensors, 1);
    uint32_t *eff = calloc(g->ntensors, sizeof *eff);
    uint32_t *stamp = calloc(g->nexprs, sizeof *stamp);
    if (!pc->inlined || !eff || !stamp) {
        free(eff);
        free(stamp);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    }
    if (!(pc->flags & TVM_COMPILE_NO_INLINE)) {
        for (uint32_t t = 1; t < g->ntensors; t++) {
            const gt_node *tn = &g->tensors[t];
            if (tn->kind != GT_COMPUTE) continue;
            bool output = false;
            for (int i = 0; i < pc->nout; i++) output |= pc->outputs[i] == t;
            if (output) continue;
            /* tensors only load earlier tensors, so eff[] of those is final */
            bool reduce = false;
            eff[t] = g->exprs[tn->body].depth +
                     inlined_load_depth(g, tn->body, pc->inlined, eff, stamp, t, &reduce);
            if (!reduce && eff[t] <= INLINE_MAX_DEPTH) pc->inlined[t] = 1;
        }
    }
    free(eff);
    free(stamp);
    return TVM_OK;
}
