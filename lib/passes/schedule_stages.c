/* schedule_stages — needs: fuse's decisions. Keeps: the graph; overrides
 * fusion where the user's schedule (pc->schedule) says where a stage is
 * computed: an inlined stage is fused into its readers; a stage with loop
 * primitives, and a compute_at producer, is stored by its own plain nest
 * (what apply_schedule rebuilds), so the reductions and staged rows the
 * default would fuse into it are stored too. Checks that the schedule
 * belongs to the graph and that compute_at / compute_inline can hold. */
#include "../schedule.h"
#include "passes.h"

#include <stdlib.h>

static bool is_output(const pass_ctx *pc, uint32_t t) {
    for (int i = 0; i < pc->nout; i++)
        if (pc->outputs[i] == t) return true;
    return false;
}

/* Whether compute u's body loads tensor t. */
static bool reads(const tvm_graph *g, uint32_t u, uint32_t t, uint8_t *seen) {
    uint32_t *stack = NULL, n = 0, cap = 0;
    bool found = false;
    memset(seen, 0, g->nexprs);
    if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->tensors[u].body;
    while (n && !found) {
        uint32_t e = stack[--n];
        if (!e || seen[e]) continue;
        seen[e] = 1;
        const gx_node *x = &g->exprs[e];
        if (x->kind == GX_LOAD && x->a == t) found = true;
        uint32_t kids[3] = {x->kind == GX_LOAD ? 0 : x->a, x->b, x->c};
        if (x->kind == GX_CONST || x->kind == GX_REDUCE_AXIS) kids[0] = 0;
        for (int k = 0; k < 3; k++)
            if (kids[k] && VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = kids[k];
        if (x->kind != GX_CONST)
            for (uint32_t k = 0; k < x->nlist; k++)
                if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->pool[x->list + k];
    }
    free(stack);
    return found;
}

/* Stores the reductions and staged rows stage t would fuse (through the
 * elementwise computes it inlines). */
static void plain_nest(pass_ctx *pc, uint32_t t, uint8_t *seen) {
    const tvm_graph *g = pc->g;
    uint32_t *stack = NULL, n = 0, cap = 0;
    memset(seen, 0, g->nexprs);
    if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->tensors[t].body;
    while (n) {
        uint32_t e = stack[--n];
        if (!e || seen[e]) continue;
        seen[e] = 1;
        const gx_node *x = &g->exprs[e];
        if (x->kind == GX_LOAD && pc->fused[x->a]) {
            uint32_t u = x->a;
            if (pc->reduces[u] || pc->fused[u] == FUSE_STAGED) pc->fused[u] = 0;
            else if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->tensors[u].body;
        }
        uint32_t kids[3] = {x->kind == GX_LOAD ? 0 : x->a, x->b, x->c};
        if (x->kind == GX_CONST || x->kind == GX_REDUCE_AXIS) kids[0] = 0;
        for (int k = 0; k < 3; k++)
            if (kids[k] && VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = kids[k];
        if (x->kind != GX_CONST)
            for (uint32_t k = 0; k < x->nlist; k++)
                if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = g->pool[x->list + k];
    }
    free(stack);
}

tvm_status pass_schedule_stages(pass_ctx *pc) {
    const tvm_schedule *s = pc->schedule;
    const tvm_graph *g = pc->g;
    if (!s) return TVM_OK;
    if (s->g != g || s->ntensors > g->ntensors)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: opts->schedule was made for "
                       "another graph");
    uint8_t *seen = malloc(g->nexprs ? g->nexprs : 1);
    if (!seen) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    tvm_status st = TVM_OK;
    for (uint32_t k = 0; k < s->nstages && st == TVM_OK; k++) {
        const sch_stage *sg = &s->stages[k];
        uint32_t t = sched_stage_tensor(sg);
        const char *nm = graph_string(g, g->tensors[t].name);
        if (!pc->live[t] || pc->folded[t]) continue; /* not computed at run time */
        if (sg->pack_of && !sg->scheduled) { /* panels: stored, read by the consumer */
            pc->fused[t] = 0;
            continue;
        }
        if (sg->inlined) {
            if (sg->scheduled)
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: stage '%s' is "
                             "inlined and also has loop primitives (or producers computed at "
                             "its loops); an inlined stage has no loops", nm);
            else if (is_output(pc, t))
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_inline: "
                             "stage '%s' is an output; outputs are stored", nm);
            else
                pc->fused[t] = FUSE_INLINE;
            continue;
        }
        if (sg->attach_stage) {
            uint32_t c = sched_stage_tensor(&s->stages[sg->attach_stage - 1]);
            const char *cn = graph_string(g, g->tensors[c].name);
            if (is_output(pc, t)) {
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_at: "
                             "producer '%s' is an output; outputs are stored", nm);
                break;
            }
            if (!reads(g, c, t, seen)) {
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_at: "
                             "consumer '%s' does not read producer '%s'", cn, nm);
                break;
            }
            for (uint32_t u = 1; u < g->ntensors; u++)
                if (u != c && pc->live[u] && !pc->folded[u] &&
                    g->tensors[u].kind == GT_COMPUTE && reads(g, u, t, seen)) {
                    st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_at: "
                                 "producer '%s' is also read by '%s', not only by consumer "
                                 "'%s'", nm, graph_string(g, g->tensors[u].name), cn);
                    break;
                }
            pc->fused[t] = 0;
            plain_nest(pc, t, seen);
            continue;
        }
        if (sg->scheduled) {
            pc->fused[t] = 0;
            plain_nest(pc, t, seen);
        }
    }
    free(seen);
    return st;
}
