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

typedef struct load_of {
    uint32_t t;
    bool found;
} load_of;

static graph_step find_load(const tvm_graph *g, uint32_t e, void *arg) {
    load_of *l = arg;
    const gx_node *x = &g->exprs[e];
    if (x->kind == GX_LOAD && x->a == l->t) {
        l->found = true;
        return GRAPH_STEP_STOP;
    }
    /* an axis's extent is a shape expression: it loads nothing */
    return x->kind == GX_REDUCE_AXIS ? GRAPH_STEP_SKIP : GRAPH_STEP_OPERANDS;
}

/* Whether compute u's body loads tensor t (*found). False when out of
 * memory. */
static bool reads(graph_walk *w, uint32_t u, uint32_t t, bool *found) {
    load_of l = {t, false};
    bool ok = graph_walk_run(w, &w->g->tensors[u].body, 1, NULL, 0, find_load, &l);
    *found = l.found;
    return ok;
}

static graph_step store_ahead(const tvm_graph *g, uint32_t e, void *arg) {
    pass_ctx *pc = arg;
    const gx_node *x = &g->exprs[e];
    if (x->kind == GX_REDUCE_AXIS) return GRAPH_STEP_SKIP;
    if (x->kind != GX_LOAD || !pc->fused[x->a]) return GRAPH_STEP_OPERANDS;
    uint32_t u = x->a;
    if (pc->reduces[u] || pc->fused[u] == FUSE_STAGED) {
        pc->fused[u] = 0;
        return GRAPH_STEP_OPERANDS;
    }
    return GRAPH_STEP_ENTER; /* inlined: what it fuses is t's too */
}

/* Stores the reductions and staged rows stage t would fuse (through the
 * elementwise computes it inlines). False when out of memory. */
static bool plain_nest(pass_ctx *pc, graph_walk *w, uint32_t t) {
    return graph_walk_run(w, &pc->g->tensors[t].body, 1, NULL, 0, store_ahead, pc);
}

tvm_status pass_schedule_stages(pass_ctx *pc) {
    const tvm_schedule *s = pc->schedule;
    const tvm_graph *g = pc->g;
    if (!s) return TVM_OK;
    if (s->g != g || s->ntensors > g->ntensors)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: opts->schedule was made for "
                       "another graph");
    graph_walk w;
    if (!graph_walk_init(&w, g)) {
        graph_walk_free(&w);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    }
    bool ok = true; /* false: a walk ran out of memory */
    tvm_status st = TVM_OK;
    for (uint32_t k = 0; k < s->nstages && ok && st == TVM_OK; k++) {
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
            bool found = false;
            if (!(ok = reads(&w, c, t, &found))) break;
            if (!found) {
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_at: "
                             "consumer '%s' does not read producer '%s'", cn, nm);
                break;
            }
            bool other = false;
            for (uint32_t u = 1; u < g->ntensors && ok && !other; u++)
                if (u != c && pc->live[u] && !pc->folded[u] && g->tensors[u].kind == GT_COMPUTE &&
                    (ok = reads(&w, u, t, &other)) && other)
                    st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: schedule: compute_at: "
                                 "producer '%s' is also read by '%s', not only by consumer "
                                 "'%s'", nm, graph_string(g, g->tensors[u].name), cn);
            if (!ok || st != TVM_OK) break;
            pc->fused[t] = 0;
            ok = plain_nest(pc, &w, t);
            continue;
        }
        if (sg->scheduled) {
            pc->fused[t] = 0;
            ok = plain_nest(pc, &w, t);
        }
    }
    graph_walk_free(&w);
    return ok ? st : err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
}
