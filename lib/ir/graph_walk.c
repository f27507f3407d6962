/* graph_walk.c — the walk over the tensor graph's expression DAGs that the
 * analyses share (graph.h, "walking"), and reachability built on it.
 *
 * Iterative on purpose: an elementwise chain can be as deep as the graph
 * has nodes, far deeper than recursion on the C stack allows. Stamps per
 * node (not cleared between walks) keep a walk that reaches few nodes of a
 * big graph cheap. */
#include "graph.h"

#include <stdlib.h>

/* a stack entry that names a tensor, not an expression (indices need
 * GRAPH_INDEX_BITS bits) */
#define WALK_TENSOR 0x80000000u

bool graph_walk_init(graph_walk *w, const tvm_graph *g) {
    memset(w, 0, sizeof *w);
    w->g = g;
    w->estamp = calloc(g->nexprs, sizeof *w->estamp);
    w->tstamp = calloc(g->ntensors, sizeof *w->tstamp);
    return w->estamp && w->tstamp;
}

void graph_walk_free(graph_walk *w) {
    free(w->estamp);
    free(w->tstamp);
    free(w->stack);
    memset(w, 0, sizeof *w);
}

static bool push(graph_walk *w, uint32_t v) {
    if (!VEC_PUSH_OK(w->stack, w->n, w->cap, UINT32_MAX)) return false;
    w->stack[w->n++] = v;
    return true;
}

/* Pushes what entering tensor t reaches: its shape, and a compute's
 * iteration variables and body. */
static bool push_tensor(graph_walk *w, uint32_t t) {
    const tvm_graph *g = w->g;
    if (w->tstamp[t] == w->tag) return true;
    w->tstamp[t] = w->tag;
    const gt_node *tn = &g->tensors[t];
    bool compute = tn->kind == GT_COMPUTE;
    for (uint32_t d = 0; d < tn->ndim; d++)
        if (!push(w, g->pool[tn->shape + d]) || (compute && !push(w, g->pool[tn->iters + d])))
            return false;
    return !compute || push(w, tn->body);
}

bool graph_walk_run(graph_walk *w, const uint32_t *exprs, uint32_t nexprs,
                    const uint32_t *tensors, uint32_t ntensors, graph_visit_fn visit, void *arg) {
    const tvm_graph *g = w->g;
    if (++w->tag == 0) { /* wrapped around: forget every earlier walk */
        memset(w->estamp, 0, g->nexprs * sizeof *w->estamp);
        memset(w->tstamp, 0, g->ntensors * sizeof *w->tstamp);
        w->tag = 1;
    }
    w->n = 0;
    bool ok = true;
    for (uint32_t i = 0; i < ntensors && ok; i++)
        if (tensors[i]) ok = push(w, WALK_TENSOR | tensors[i]);
    for (uint32_t i = 0; i < nexprs && ok; i++)
        if (exprs[i]) ok = push(w, exprs[i]);
    while (ok && w->n) {
        uint32_t e = w->stack[--w->n];
        if (e & WALK_TENSOR) {
            ok = push_tensor(w, e & ~WALK_TENSOR);
            continue;
        }
        if (w->estamp[e] == w->tag) continue;
        w->estamp[e] = w->tag;
        graph_step step = visit(g, e, arg);
        if (step == GRAPH_STEP_STOP) break;
        if (step == GRAPH_STEP_SKIP) continue;
        const gx_node *x = &g->exprs[e];
        bool load = x->kind == GX_LOAD;
        if (load && step == GRAPH_STEP_ENTER) ok = push(w, WALK_TENSOR | x->a);
        uint32_t kids[3] = {load ? 0 : x->a, x->b, x->c};
        for (int k = 0; k < 3 && ok; k++)
            if (kids[k]) ok = push(w, kids[k]);
        for (uint32_t k = 0; k < x->nlist && ok; k++) ok = push(w, g->pool[x->list + k]);
    }
    w->n = 0;
    return ok;
}

typedef struct reach {
    uint8_t *tmark, *emark;
} reach;

static graph_step mark_reached(const tvm_graph *g, uint32_t e, void *arg) {
    reach *r = arg;
    r->emark[e] = 1;
    if (g->exprs[e].kind == GX_LOAD) r->tmark[g->exprs[e].a] = 1;
    return GRAPH_STEP_ENTER;
}

bool graph_mark_reachable(const tvm_graph *g, const uint32_t *roots, int nroots,
                          uint8_t *tmark, uint8_t *emark) {
    graph_walk w;
    reach r = {tmark, emark};
    bool ok = graph_walk_init(&w, g);
    for (int i = 0; i < nroots && ok; i++)
        if (roots[i]) tmark[roots[i]] = 1;
    ok = ok && graph_walk_run(&w, NULL, 0, roots, (uint32_t)nroots, mark_reached, &r);
    graph_walk_free(&w);
    return ok;
}
