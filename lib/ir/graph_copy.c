/* graph_copy.c — a read-only copy of the part of a graph that some tensors
 * reach, compacted. A compiled function keeps one so that its "graph" text
 * is printed only when asked for, and still shows the graph as it was
 * compiled: the caller may destroy the graph first, or keep building on it.
 *
 * Nodes keep their relative order (creation order is dependency order), so
 * the copy prints its tensors in the graph's order; print_ids keeps each
 * expression's index in the graph, so variables print with the same numbers
 * ("i%12") as graph_print of the graph itself. A constant keeps its size and
 * hash (what the printer shows), not its bytes. */
#include <stdlib.h>

#include "graph.h"

typedef struct graph_copy {
    tvm_graph g;        /* first: graph_copy_free gets &copy->g */
    uint32_t *ids;      /* g.print_ids */
    const_buf *consts;  /* the constants' size and hashes (data NULL) */
} graph_copy;

void graph_copy_free(tvm_graph *g) {
    if (!g) return;
    graph_copy *c = (graph_copy *)g;
    free(g->exprs);
    free(g->tensors);
    free(g->pool);
    free(g->strings);
    free(c->ids);
    free(c->consts);
    free(c);
}

/* Appends name `off` of g to c's strings (names are few and short: no
 * sharing); returns its offset in c, 0 for "". */
static uint32_t copy_string(tvm_graph *c, const tvm_graph *g, uint32_t off) {
    if (!off) return 0;
    const char *s = graph_string(g, off);
    size_t n = strlen(s) + 1;
    if (n > UINT32_MAX - c->nstrings ||
        !vec_reserve((void **)&c->strings, &c->cap_strings, c->nstrings + (uint32_t)n, 1))
        return UINT32_MAX;
    memcpy(c->strings + c->nstrings, s, n);
    c->nstrings += (uint32_t)n;
    return c->nstrings - (uint32_t)n;
}

/* Appends list `off` (n expression indices of g) renumbered through enew;
 * returns its offset in c, 0 for an empty list. */
static uint32_t copy_list(tvm_graph *c, const tvm_graph *g, uint32_t off, uint32_t n,
                          const uint32_t *enew) {
    if (!n) return 0;
    if (n > UINT32_MAX - c->npool ||
        !vec_reserve((void **)&c->pool, &c->cap_pool, c->npool + n, sizeof *c->pool))
        return UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) c->pool[c->npool + k] = enew[g->pool[off + k]];
    c->npool += n;
    return c->npool - n;
}

tvm_graph *graph_copy_reachable(const tvm_graph *g, const uint32_t *roots, int nroots,
                                uint32_t *new_roots) {
    graph_copy *cp = calloc(1, sizeof *cp);
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    uint32_t *tnew = calloc(g->ntensors, sizeof *tnew), *enew = calloc(g->nexprs, sizeof *enew);
    bool ok = cp && tmark && emark && tnew && enew &&
              graph_mark_reachable(g, roots, nroots, tmark, emark);
    uint32_t ne = 1, nt = 1, nc = 0;
    for (uint32_t e = 1; ok && e < g->nexprs; e++)
        if (emark[e]) enew[e] = ne++;
    for (uint32_t t = 1; ok && t < g->ntensors; t++)
        if (tmark[t]) {
            tnew[t] = nt++;
            nc += g->tensors[t].kind == GT_CONSTANT;
        }
    tvm_graph *c = cp ? &cp->g : NULL;
    if (ok) {
        c->exprs = calloc(ne, sizeof *c->exprs);
        c->tensors = calloc(nt, sizeof *c->tensors);
        cp->ids = calloc(ne, sizeof *cp->ids);
        cp->consts = calloc(nc ? nc : 1, sizeof *cp->consts);
        c->nexprs = ne;
        c->ntensors = nt;
        c->npool = c->nstrings = 1; /* offset 0: the empty list, "" */
        ok = c->exprs && c->tensors && cp->ids && cp->consts &&
             vec_reserve((void **)&c->pool, &c->cap_pool, 64, sizeof *c->pool) &&
             vec_reserve((void **)&c->strings, &c->cap_strings, 256, 1);
    }
    if (ok) {
        c->pool[0] = 0;
        c->strings[0] = 0;
        c->print_ids = cp->ids;
    }
    for (uint32_t e = 1; ok && e < g->nexprs; e++) {
        if (!emark[e]) continue;
        const gx_node *x = &g->exprs[e];
        gx_node *y = &c->exprs[enew[e]];
        *y = *x;
        y->a = x->kind == GX_LOAD ? tnew[x->a] : enew[x->a];
        y->b = enew[x->b];
        y->c = enew[x->c];
        y->list = copy_list(c, g, x->list, x->nlist, enew);
        y->name = copy_string(c, g, x->name);
        ok = y->list != UINT32_MAX && y->name != UINT32_MAX;
        cp->ids[enew[e]] = e;
    }
    for (uint32_t t = 1, k = 0; ok && t < g->ntensors; t++) {
        if (!tmark[t]) continue;
        const gt_node *x = &g->tensors[t];
        gt_node *y = &c->tensors[tnew[t]];
        *y = *x;
        y->name = copy_string(c, g, x->name);
        y->shape = copy_list(c, g, x->shape, x->ndim, enew);
        y->iters = x->kind == GT_COMPUTE ? copy_list(c, g, x->iters, x->ndim, enew) : 0;
        y->body = enew[x->body];
        y->cbuf = NULL;
        y->data = NULL;
        if (x->kind == GT_CONSTANT && x->cbuf) {
            const_buf *b = &cp->consts[k++];
            b->nbytes = x->cbuf->nbytes;
            b->hash[0] = x->cbuf->hash[0];
            b->hash[1] = x->cbuf->hash[1];
            y->cbuf = b;
        }
        ok = y->name != UINT32_MAX && y->shape != UINT32_MAX && y->iters != UINT32_MAX;
    }
    for (int i = 0; ok && i < nroots; i++) new_roots[i] = tnew[roots[i]];
    free(tmark);
    free(emark);
    free(tnew);
    free(enew);
    if (!ok) {
        graph_copy_free(c);
        return NULL;
    }
    return c;
}
