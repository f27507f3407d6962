/* fuse — needs: a verified graph. Keeps: the graph unchanged; decides which
 * computes are evaluated inside the kernel of their consumers (pc->fused[t])
 * instead of being stored. Every compute that is not fused is the anchor of
 * one kernel (one loop nest); whatever is fused into it is its prologue
 * (producers inlined at their loads) or its epilogue (the anchor's value is
 * computed where the consumer needs it).
 *
 * The rules, TVM's fusion in spirit:
 *   - outputs are always stored;
 *   - an injective compute (no reduction) fuses into its consumers, inlined
 *     at every load, unless that would recompute work: pure data movement
 *     (transpose, pad, slice: no value arithmetic) always inlines; a compute
 *     read more than once per element (a broadcast, or inside a consumer's
 *     reduction such as a conv's input) or, when it is expensive
 *     (transcendental functions, user calls), at several places is staged
 *     instead (FUSE_STAGED): computed
 *     once per outer iteration of the consumer into a small buffer, like
 *     Halide's compute_at — softmax's exp(x - max) is computed once per
 *     element into a row buffer that the sum and the division both read.
 *     Lowering stores it as its own kernel when staging does not fit.
 *     Cheap producers (add, mul, relu, casts, index math) are always
 *     recomputed: memory traffic costs more than a few instructions;
 *   - a compute holding a reduction (matmul, conv, pool, a norm's statistics)
 *     is proposed for fusion into its consumer; lowering accepts it only
 *     where every element is then computed exactly once (read at bare loop
 *     variables of the consumer's outer loops, in one kernel), and stores it
 *     otherwise (see lower.c). This is what makes softmax, layer_norm and
 *     matmul + bias + GELU single kernels. A kernel holds at most one
 *     contraction (matmul, conv: a reduction streaming an operand such as
 *     weights once per outer iteration): two would stream both operands per
 *     iteration and lose the cache reuse each has on its own;
 *   - a contraction is fed and read only through memory or its epilogue:
 *     an operand it reads inside its reduction that computes values (GELU's
 *     erf, softmax, a bias add, another contraction) is stored, so the
 *     producer is computed once with its own epilogue (matmul + bias + GELU
 *     as one kernel) and the contraction keeps its register-blocked
 *     schedule; pure data movement (reshape, transpose) between the two
 *     still inlines. A contraction that would be evaluated inside another
 *     kernel's reduction or staging loop (a matmul under layer_norm's
 *     statistics) is stored too: there it would run a row at a time. A
 *     reduction counts as a contraction also when it revisits the elements
 *     of two operands (batched matmul: Q.K^T and P.V per attention head);
 *   - fused chains stay under FUSE_MAX_DEPTH expression levels so recursive
 *     passes keep a bounded stack;
 *   - TVM_COMPILE_NO_INLINE turns fusion off: every compute is stored.
 */
#include <stdlib.h>

#include "passes.h"

#define FUSE_MAX_DEPTH 500

typedef struct fuse_ctx {
    const tvm_graph *g;
    uint32_t *eff;      /* per tensor: fused expression depth */
    uint32_t *cost;     /* per tensor: transcendental ops in its fused body */
    uint32_t *sites;    /* per tensor: distinct load nodes reading it */
    uint8_t *reuse;     /* per tensor: some read revisits elements */
    uint8_t *reduce;    /* per tensor: the body holds a reduction */
    uint8_t *contract;  /* per tensor: a contraction (see is_contraction) */
    uint8_t *operand;   /* per tensor: read inside a contraction's reduction */
    uint8_t *in_reduce; /* per tensor: evaluated inside some consumer's reduction */
    uint32_t *own;      /* per tensor: value arithmetic of its own body */
    uint32_t *reads;    /* tensors the current consumer reads under a reduction,
                         * as 2 * tensor + (1 if the read revisits elements) */
    uint32_t nreads, cap_reads;
    uint32_t *tstamp;   /* per tensor: stamps for counting distinct operands */
    uint32_t *stamp;    /* per expr: visit stamps */
    uint32_t *scope;    /* per expr: reduction axes in scope when last visited + 1 */
    uint32_t tag;
    graph_walk walk;    /* the index and body walks below */
    bool oom;           /* a walk or the reads list ran out of memory */
} fuse_ctx;

/* Operations worth not recomputing: transcendental functions and calls of
 * user functions (of unknown cost). */
static bool is_transcendental(const gx_node *x) {
    if (x->kind == GX_CALL) return true;
    if (x->kind == GX_UNARY)
        return x->op == IR_EXP || x->op == IR_LOG || x->op == IR_TANH ||
               x->op == IR_SIGMOID || x->op == IR_ERF;
    return x->kind == GX_BINARY && x->op == IR_POW;
}

/* What evaluating node x costs, roughly in simple instructions: value
 * arithmetic counts, index arithmetic (int64) and data movement (loads,
 * selects of loaded values) do not; transcendental functions and user calls
 * count as many. */
static uint32_t op_cost(const tvm_graph *g, const gx_node *x) {
    if (is_transcendental(x)) return 8;
    if (x->kind == GX_BINARY || x->kind == GX_UNARY || x->kind == GX_CAST) {
        int in = g->exprs[x->a].dtype;
        return in == TVM_INT64 ? 0 : 1;
    }
    return 0;
}

typedef struct mention {
    uint32_t v;
    bool found;
} mention;

static graph_step find_var(const tvm_graph *g, uint32_t e, void *arg) {
    mention *m = arg;
    if (e == m->v) {
        m->found = true;
        return GRAPH_STEP_STOP;
    }
    /* a load's indices are another tensor's: its value is data, not ours */
    return g->exprs[e].kind == GX_LOAD ? GRAPH_STEP_SKIP : GRAPH_STEP_OPERANDS;
}

/* Whether expression e mentions variable v outside loads. */
static bool mentions(fuse_ctx *F, uint32_t e, uint32_t v) {
    mention m = {v, false};
    if (!graph_walk_run(&F->walk, &e, 1, NULL, 0, find_var, &m)) F->oom = true;
    return m.found;
}

static graph_step count_var(const tvm_graph *g, uint32_t e, void *arg) {
    const gx_node *x = &g->exprs[e];
    if (x->kind == GX_ITER_VAR || x->kind == GX_REDUCE_AXIS) {
        ++*(uint32_t *)arg;
        return GRAPH_STEP_SKIP;
    }
    return x->kind == GX_LOAD ? GRAPH_STEP_SKIP /* data-dependent: no variable of ours */
                              : GRAPH_STEP_OPERANDS;
}

/* Counts the distinct loop variables (iteration variables and reduction
 * axes) that the n index expressions idx mention outside loads. */
static uint32_t index_vars(fuse_ctx *F, const uint32_t *idx, uint32_t n) {
    uint32_t count = 0;
    if (!graph_walk_run(&F->walk, idx, n, NULL, 0, count_var, &count)) F->oom = true;
    return count;
}

/* Walks consumer c's body, recording for every tensor it loads: load sites,
 * whether the read revisits elements, and (into c's summary) the cost and
 * depth of the fused producers. `axes` = reduction axes in scope. */
static void scan(fuse_ctx *F, uint32_t c, uint32_t e, uint32_t axes, const uint8_t *fused) {
    const tvm_graph *g = F->g;
    if (!e) return;
    /* a node is revisited only with more reduction axes in scope (which can
     * only add reuse), so the walk is at most depth x nodes */
    if (F->stamp[e] == F->tag && F->scope[e] >= axes + 1) return;
    bool first = F->stamp[e] != F->tag;
    F->stamp[e] = F->tag;
    F->scope[e] = axes + 1;
    const gx_node *x = &g->exprs[e];
    if (first) {
        F->cost[c] += op_cost(g, x);
        F->own[c] += op_cost(g, x);
    }
    if (x->kind == GX_LOAD) {
        uint32_t p = x->a;
        const gt_node *pt = &g->tensors[p];
        if (first) {
            F->sites[p]++;
            if (fused[p]) {
                F->cost[c] += F->cost[p];
                if (F->eff[p] > F->eff[c]) F->eff[c] = F->eff[p];
            }
        }
        /* a contraction: inside a reduction, it reads a tensor whose index
         * ignores the consumer's outermost loop (a matmul's or conv's
         * weights), i.e. it streams an operand once per outer iteration */
        const gt_node *ct = &g->tensors[c];
        if (axes > 0 && ct->ndim > 0 && x->nlist > 0) {
            uint32_t outer = graph_list(g, ct->iters)[0];
            bool uses = false;
            for (uint32_t k = 0; k < x->nlist && !uses; k++)
                uses = mentions(F, graph_list(g, x->list)[k], outer);
            if (!uses) F->contract[c] = 1;
        }
        uint32_t want = g->tensors[c].ndim + axes;
        bool revisits = index_vars(F, graph_list(g, x->list), x->nlist) < want;
        if (pt->kind == GT_COMPUTE && revisits) F->reuse[p] = 1;
        if (axes > 0) {
            if (VEC_PUSH_OK(F->reads, F->nreads, F->cap_reads, UINT32_MAX))
                F->reads[F->nreads++] = 2 * p + revisits;
            else
                F->oom = true;
        }
        for (uint32_t k = 0; k < x->nlist; k++)
            scan(F, c, graph_list(g, x->list)[k], axes, fused);
        return;
    }
    if (x->kind == GX_REDUCE) {
        F->reduce[c] = 1;
        scan(F, c, x->a, axes + x->nlist, fused);
        return;
    }
    if (x->kind == GX_REDUCE_AXIS) return;
    scan(F, c, x->a, axes, fused);
    scan(F, c, x->b, axes, fused);
    scan(F, c, x->c, axes, fused);
    for (uint32_t k = 0; k < x->nlist; k++)
        scan(F, c, graph_list(g, x->list)[k], axes, fused);
}

typedef struct in_reduce_mark {
    fuse_ctx *F;
    bool pass_operand;
} in_reduce_mark;

static graph_step mark_load(const tvm_graph *g, uint32_t e, void *arg) {
    in_reduce_mark *m = arg;
    const gx_node *x = &g->exprs[e];
    if (x->kind == GX_LOAD) {
        m->F->in_reduce[x->a] = 1;
        m->F->operand[x->a] |= m->pass_operand;
    }
    return GRAPH_STEP_OPERANDS;
}

/* Tensor t is inlined where a consumer's reduction reads it: what t loads
 * is evaluated inside that reduction too. Marks t's direct producers (the
 * loads anywhere in t's body, indices included). False when out of memory. */
static bool mark_in_reduce(fuse_ctx *F, uint32_t t, bool pass_operand) {
    in_reduce_mark m = {F, pass_operand};
    return graph_walk_run(&F->walk, &F->g->tensors[t].body, 1, NULL, 0, mark_load, &m);
}

tvm_status pass_fuse(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    fuse_ctx F = {.g = g};
    pc->fused = calloc(g->ntensors, 1);
    F.eff = calloc(g->ntensors, sizeof *F.eff);
    F.cost = calloc(g->ntensors, sizeof *F.cost);
    F.sites = calloc(g->ntensors, sizeof *F.sites);
    F.reuse = calloc(g->ntensors, 1);
    F.reduce = calloc(g->ntensors, 1);
    F.contract = calloc(g->ntensors, 1);
    F.operand = calloc(g->ntensors, 1);
    F.own = calloc(g->ntensors, sizeof *F.own);
    F.in_reduce = calloc(g->ntensors, 1);
    F.tstamp = calloc(g->ntensors, sizeof *F.tstamp);
    F.stamp = calloc(g->nexprs, sizeof *F.stamp);
    F.scope = calloc(g->nexprs, sizeof *F.scope);
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    tvm_status st = TVM_OK;
    bool walk_ok = graph_walk_init(&F.walk, g);
    if (!walk_ok || !pc->fused || !F.eff || !F.cost || !F.sites || !F.reuse || !F.reduce ||
        !F.contract || !F.operand || !F.own || !F.in_reduce || !F.tstamp || !F.stamp ||
        !F.scope || !tmark || !emark) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
        goto out;
    }
    memcpy(tmark, pc->live, g->ntensors); /* folded tensors are leaves now */
    for (uint32_t t = 1; t < g->ntensors; t++)
        if (pc->folded[t]) tmark[t] = 0;
    if (pc->flags & TVM_COMPILE_NO_INLINE) goto out;
    /* Tensors only load earlier tensors (creation order is dependency
     * order): one forward sweep sees every producer summarised before its
     * consumers. A producer's decision needs all its consumers scanned, so
     * decisions are made in a second, backward sweep. */
    for (uint32_t t = 1; t < g->ntensors; t++) {
        const gt_node *tn = &g->tensors[t];
        if (!tmark[t] || tn->kind != GT_COMPUTE) continue;
        F.tag = t;
        F.nreads = 0;
        /* tentatively treat every injective producer as fused for the
         * cost/depth summary; the backward sweep corrects it */
        scan(&F, t, tn->body, 0, pc->fused);
        if (F.oom) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
            goto out;
        }
        F.eff[t] += g->exprs[tn->body].depth;
        /* a reduction revisiting the elements of two operands (each
         * element of A and of B meets many of the other's: matmul, batched
         * matmul, conv) is a contraction too, even when every operand
         * follows the outermost loop (a batch or head dimension) */
        uint32_t revisited = 0;
        for (uint32_t k = 0; k < F.nreads; k++) {
            uint32_t p = F.reads[k] >> 1;
            if ((F.reads[k] & 1) && F.tstamp[p] != t) {
                F.tstamp[p] = t;
                revisited++;
            }
        }
        if (revisited >= 2) F.contract[t] = 1;
        for (uint32_t k = 0; k < F.nreads; k++) {
            uint32_t p = F.reads[k] >> 1;
            F.in_reduce[p] = 1;
            if (F.contract[t]) F.operand[p] = 1;
        }
        /* provisional: injective computes count as fused for their consumers */
        pc->fused[t] = !F.reduce[t];
    }
    for (uint32_t t = g->ntensors; t-- > 1;) {
        const gt_node *tn = &g->tensors[t];
        if (!tmark[t] || tn->kind != GT_COMPUTE) continue;
        bool output = false;
        for (int i = 0; i < pc->nout; i++) output |= pc->outputs[i] == t;
        bool fuse, stage = false;
        if (output || F.eff[t] > FUSE_MAX_DEPTH) fuse = false;
        else if (F.operand[t] && (F.reduce[t] || F.own[t] > 0))
            fuse = false; /* a contraction's operand that computes values */
        else if (F.contract[t] && F.in_reduce[t])
            fuse = false; /* would run inside another reduction, a row at a time */
        else if (F.reduce[t]) fuse = true; /* proposed; lowering confirms */
        else if (F.operand[t] && F.own[t] == 0)
            fuse = true; /* a contraction's operand moved (a transpose): inline */
        else if (F.cost[t] == 0) fuse = true; /* data movement: always inline */
        else if (!F.reuse[t] && (F.sites[t] <= 1 || F.cost[t] <= 4)) fuse = true;
        else fuse = stage = true;
        pc->fused[t] = !fuse ? 0 : stage ? FUSE_STAGED : FUSE_INLINE;
        /* data movement inlined into a contraction passes the operand role
         * on: a transposed matmul result is still stored, with its epilogue */
        bool pass_operand = F.operand[t] && !stage && F.own[t] == 0;
        if (fuse && (F.in_reduce[t] || pass_operand) && !mark_in_reduce(&F, t, pass_operand)) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
            goto out;
        }
    }
out:
    if (st == TVM_OK && (pc->flags & TVM_COMPILE_NO_INLINE))
        memset(pc->fused, 0, g->ntensors);
    free(F.eff);
    free(F.cost);
    free(F.sites);
    free(F.reuse);
    free(F.operand);
    free(F.own);
    free(F.in_reduce);
    free(F.tstamp);
    free(F.reads);
    if (st == TVM_OK) {
        pc->reduces = F.reduce;
        pc->contracts = F.contract;
    } else {
        free(F.reduce);
        free(F.contract);
    }
    free(F.stamp);
    free(F.scope);
    graph_walk_free(&F.walk);
    free(tmark);
    free(emark);
    return st;
}
