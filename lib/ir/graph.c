/* graph.c — the tensor-IR arena: growable node arrays, interned names and
 * hash-consing of expressions. */
#include "graph.h"

#include <stdlib.h>

#include "../big_alloc.h"
#include "../context.h"

tvm_graph *graph_new(tvm_context *ctx) {
    tvm_graph *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->ctx = ctx;
    g->tag = ctx_acquire_tag(ctx);
    g->nexprs = g->ntensors = 1; /* index 0 is the null handle */
    g->npool = 1;                /* pool offset 0 means "empty list" */
    g->nstrings = 1;             /* offset 0 is "" */
    if (!vec_reserve((void **)&g->exprs, &g->cap_exprs, 64, sizeof *g->exprs) ||
        !vec_reserve((void **)&g->tensors, &g->cap_tensors, 16, sizeof *g->tensors) ||
        !vec_reserve((void **)&g->pool, &g->cap_pool, 64, sizeof *g->pool) ||
        !vec_reserve((void **)&g->strings, &g->cap_strings, 256, 1)) {
        graph_free(g);
        return NULL;
    }
    memset(&g->exprs[0], 0, sizeof g->exprs[0]);
    memset(&g->tensors[0], 0, sizeof g->tensors[0]);
    g->pool[0] = 0;
    g->strings[0] = 0;
    return g;
}

void graph_free(tvm_graph *g) {
    if (!g) return;
    ctx_release_tag(g->ctx, g->tag);
    for (uint32_t i = 1; i < g->ntensors; i++) const_buf_release(g->tensors[i].cbuf);
    free(g->exprs);
    free(g->tensors);
    free(g->pool);
    free(g->strings);
    free(g->hash_slots);
    free(g->error);
    free(g);
}

const_buf *const_buf_new(const void *data, size_t nbytes) {
    const_buf *b = malloc(sizeof *b);
    if (!b) return NULL;
    b->data = rt_big_alloc(nbytes);
    if (!b->data) {
        free(b);
        return NULL;
    }
    if (nbytes) memcpy(b->data, data, nbytes);
    atomic_init(&b->refs, 1);
    b->nbytes = nbytes;
    b->hash[0] = hash_bytes(b->data, nbytes, 1);
    b->hash[1] = hash_bytes(b->data, nbytes, 0x5bd1e995);
    return b;
}

void const_buf_retain(const_buf *b) { atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed); }

void const_buf_release(const_buf *b) {
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    rt_big_free(b->data);
    free(b);
}

bool graph_release_constant(tvm_graph *g, uint32_t t) {
    gt_node *tn = &g->tensors[t];
    if (tn->kind != GT_CONSTANT || !tn->cbuf || !tn->cbuf->data) return true;
    /* the stub keeps what the function cache's key and the printers read
     * (size, hashes); functions that share the bytes keep their references */
    const_buf *stub = malloc(sizeof *stub);
    if (!stub) return false;
    atomic_init(&stub->refs, 1);
    stub->nbytes = tn->cbuf->nbytes;
    stub->hash[0] = tn->cbuf->hash[0];
    stub->hash[1] = tn->cbuf->hash[1];
    stub->data = NULL;
    const_buf_release(tn->cbuf);
    tn->cbuf = stub;
    tn->data = NULL;
    return true;
}

uint32_t graph_intern_string(tvm_graph *g, const char *s) {
    if (!s || !*s) return 0;
    size_t n = strlen(s) + 1;
    if (n > 4096 || g->nstrings + n > UINT32_MAX / 2) return UINT32_MAX;
    if (!vec_reserve((void **)&g->strings, &g->cap_strings, g->nstrings + (uint32_t)n, 1))
        return UINT32_MAX;
    uint32_t off = g->nstrings;
    memcpy(g->strings + off, s, n);
    g->nstrings += (uint32_t)n;
    return off;
}

uint32_t graph_pool_add(tvm_graph *g, const uint32_t *v, uint32_t n) {
    if (n == 0) return 0;
    if (g->npool + (uint64_t)n > GRAPH_MAX_NODES * 4ull ||
        !vec_reserve((void **)&g->pool, &g->cap_pool, g->npool + n, sizeof *g->pool))
        return UINT32_MAX;
    uint32_t off = g->npool;
    memcpy(g->pool + off, v, n * sizeof *v);
    g->npool += n;
    return off;
}

static bool is_variable(int kind) {
    return kind == GX_SIZE_VAR || kind == GX_ITER_VAR || kind == GX_REDUCE_AXIS;
}

static uint64_t expr_hash(const tvm_graph *g, const gx_node *n) {
    uint64_t h = hash_mix(0, ((uint64_t)n->kind << 16) | ((uint64_t)n->op << 8) | n->dtype);
    h = hash_mix(h, n->a);
    h = hash_mix(h, n->b);
    h = hash_mix(h, n->c);
    h = hash_mix(h, (uint64_t)n->imm.i);
    for (uint32_t i = 0; i < n->nlist; i++) h = hash_mix(h, g->pool[n->list + i]);
    /* a call's name is part of its identity (printing, the function cache);
     * every builder call interns its own copy, so compare the text */
    if (n->kind == GX_CALL) {
        const char *s = graph_string(g, n->name);
        h = hash_mix(h, hash_bytes(s, strlen(s), 0));
    }
    return h;
}

static bool expr_equal(const tvm_graph *g, const gx_node *x, const gx_node *y) {
    if (x->kind != y->kind || x->op != y->op || x->dtype != y->dtype || x->a != y->a ||
        x->b != y->b || x->c != y->c || x->imm.i != y->imm.i || x->nlist != y->nlist)
        return false;
    for (uint32_t i = 0; i < x->nlist; i++)
        if (g->pool[x->list + i] != g->pool[y->list + i]) return false;
    if (x->kind == GX_CALL &&
        strcmp(graph_string(g, x->name), graph_string(g, y->name)) != 0)
        return false;
    return true;
}

static bool rehash(tvm_graph *g, uint32_t ncap) {
    uint32_t *slots = calloc(ncap, sizeof *slots);
    if (!slots) return false;
    for (uint32_t i = 1; i < g->nexprs; i++) {
        if (is_variable(g->exprs[i].kind)) continue;
        uint32_t s = (uint32_t)expr_hash(g, &g->exprs[i]) & (ncap - 1);
        while (slots[s]) s = (s + 1) & (ncap - 1);
        slots[s] = i;
    }
    free(g->hash_slots);
    g->hash_slots = slots;
    g->hash_cap = ncap;
    return true;
}

uint32_t graph_node_depth(const tvm_graph *g, const gx_node *n) {
    uint32_t d = 0;
    uint32_t kids[3] = {n->kind == GX_LOAD ? 0 : n->a, n->b, n->c};
    for (int k = 0; k < 3; k++)
        if (kids[k] && g->exprs[kids[k]].depth > d) d = g->exprs[kids[k]].depth;
    for (uint32_t k = 0; k < n->nlist; k++) {
        uint32_t c = g->pool[n->list + k];
        if (g->exprs[c].depth > d) d = g->exprs[c].depth;
    }
    return d + 1;
}

bool graph_tensor_is_constant(const tvm_graph *g, uint32_t t) {
    if (!t || t >= g->ntensors) return false;
    const gt_node *tn = &g->tensors[t];
    if (tn->kind == GT_CONSTANT) return true;
    if (tn->kind != GT_COMPUTE || !graph_expr_is_constant(g, tn->body)) return false;
    for (uint32_t d = 0; d < tn->ndim; d++)
        if (!graph_expr_is_constant(g, g->pool[tn->shape + d])) return false;
    return true;
}

/* n's flags from its operands' (a load's tensor included). */
static uint8_t expr_flags(const tvm_graph *g, const gx_node *n) {
    bool k = n->kind != GX_SIZE_VAR && (n->kind != GX_LOAD || graph_tensor_is_constant(g, n->a));
    uint32_t kids[3] = {n->kind == GX_LOAD ? 0 : n->a, n->b, n->c};
    for (int i = 0; i < 3 && k; i++) k = graph_expr_is_constant(g, kids[i]);
    for (uint32_t i = 0; i < n->nlist && k; i++) k = graph_expr_is_constant(g, g->pool[n->list + i]);
    return k ? GX_F_CONSTANT : 0;
}

uint32_t graph_add_expr(tvm_graph *g, const gx_node *n) {
    bool consed = !is_variable(n->kind);
    uint32_t slot = 0;
    if (consed) {
        /* keep the load factor below 1/2 */
        if ((g->nexprs + 1) * 2 > g->hash_cap &&
            !rehash(g, g->hash_cap ? g->hash_cap * 2 : 256))
            return 0;
        slot = (uint32_t)expr_hash(g, n) & (g->hash_cap - 1);
        for (uint32_t e; (e = g->hash_slots[slot]) != 0; slot = (slot + 1) & (g->hash_cap - 1))
            if (expr_equal(g, &g->exprs[e], n)) return e;
    }
    if (!VEC_PUSH_OK(g->exprs, g->nexprs, g->cap_exprs, GRAPH_MAX_NODES)) return 0;
    uint32_t idx = g->nexprs++;
    g->exprs[idx] = *n;
    g->exprs[idx].depth = graph_node_depth(g, n);
    g->exprs[idx].flags = expr_flags(g, n);
    if (consed) g->hash_slots[slot] = idx;
    return idx;
}

uint32_t graph_add_tensor(tvm_graph *g, const gt_node *t) {
    if (!VEC_PUSH_OK(g->tensors, g->ntensors, g->cap_tensors, GRAPH_MAX_NODES)) return 0;
    g->tensors[g->ntensors] = *t;
    return g->ntensors++;
}
