/* lower — needs: a verified graph and the inline decisions. Keeps: nothing
 * of the graph; produces pc->p, a symbolic loop program: one loop nest per
 * materialised tensor in dependency order, inlined computes substituted at
 * their loads, each reduction as a local accumulator with its own loops.
 * Buffers 1..nin+nout are the arguments in order, then the constants, then
 * the intermediates (workspace). */
#include <stdlib.h>

#include "passes.h"

#define MAX_DEPTH 1600 /* GRAPH_MAX_DEPTH plus a fused prologue */

typedef struct lower_ctx {
    const tvm_graph *g;
    pass_ctx *pc;
    lp_program *p;
    uint32_t *tbuf;     /* graph tensor -> buffer (0: inlined) */
    uint32_t *svar;     /* graph size variable -> program variable */
    lp_id *env;         /* graph iteration variable / axis -> its value */
    lp_id *memo;        /* graph expression -> lowered value ... */
    uint32_t *memo_gen; /* ... valid while the environment generation matches */
    uint32_t gen, next_gen;
    lp_id *stmts;       /* statement stack; blocks are suffixes of it */
    uint32_t nstmts, cap_stmts;
    tvm_status st;
    int depth;
} lower_ctx;

static bool fail(lower_ctx *L, tvm_status st, const char *what) {
    if (L->st == TVM_OK) L->st = err_set(st, "tvm_compile: lowering: %s", what);
    return false;
}

static void emit(lower_ctx *L, lp_id s) {
    if (!s) {
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return;
    }
    if (!VEC_PUSH_OK(L->stmts, L->nstmts, L->cap_stmts, UINT32_MAX)) {
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return;
    }
    L->stmts[L->nstmts++] = s;
}

/* Closes the block that started at `base`: its statements become one. */
static lp_id close_block(lower_ctx *L, uint32_t base) {
    lp_id s = lp_seq(L->p, L->stmts + base, L->nstmts - base);
    L->nstmts = base;
    return s;
}

static uint32_t enter_env(lower_ctx *L) {
    uint32_t saved = L->gen;
    L->gen = ++L->next_gen;
    return saved;
}

static lp_id lower_expr(lower_ctx *L, uint32_t e);

static lp_id lower_index(lower_ctx *L, uint32_t e) {
    return lp_cast(L->p, TVM_INT64, lower_expr(L, e));
}

/* Shape expressions mention only constants and size variables. */
static lp_id lower_shape(lower_ctx *L, uint32_t e) { return lower_index(L, e); }

static lp_id lower_load(lower_ctx *L, const gx_node *n) {
    const tvm_graph *g = L->g;
    const gt_node *t = &g->tensors[n->a];
    lp_id idx[TVM_MAX_NDIM];
    for (uint32_t k = 0; k < n->nlist; k++) idx[k] = lower_index(L, g->pool[n->list + k]);
    if (L->tbuf[n->a]) return lp_load(L->p, L->tbuf[n->a], idx, n->nlist);
    /* inlined compute: its body with its axes bound to the indices */
    lp_id saved[TVM_MAX_NDIM];
    const uint32_t *iters = g->pool + t->iters;
    for (uint32_t k = 0; k < t->ndim; k++) {
        saved[k] = L->env[iters[k]];
        L->env[iters[k]] = idx[k];
    }
    uint32_t outer = enter_env(L);
    lp_id r = lower_expr(L, t->body);
    L->gen = outer;
    for (uint32_t k = 0; k < t->ndim; k++) L->env[iters[k]] = saved[k];
    /* an inlined value is rounded exactly as storing it would round it */
    if (t->dtype == TVM_FLOAT16) r = lp_unary(L->p, IR_ROUND_F16, r);
    if (t->dtype == TVM_BFLOAT16) r = lp_unary(L->p, IR_ROUND_BF16, r);
    return r;
}

static lp_id lower_reduce(lower_ctx *L, const gx_node *n) {
    const tvm_graph *g = L->g;
    lp_program *p = L->p;
    int cd = dtype_compute(n->dtype);
    lp_buffer ab = {.name = "acc", .dtype = (uint8_t)cd, .kind = LP_BUF_LOCAL, .elems = 1};
    uint32_t acc = lp_new_buffer(p, &ab, NULL);
    emit(L, lp_store(p, acc, NULL, 0, lp_reduce_identity(p, n->op, cd)));
    const uint32_t *axes = g->pool + n->list;
    uint32_t vars[TVM_MAX_NDIM];
    lp_id extents[TVM_MAX_NDIM], saved[TVM_MAX_NDIM];
    for (uint32_t k = 0; k < n->nlist; k++) {
        const gx_node *ax = &g->exprs[axes[k]];
        extents[k] = lower_shape(L, ax->a);
        vars[k] = lp_new_var(p, graph_string(g, ax->name), LP_VAR_LOOP, axes[k]);
        saved[k] = L->env[axes[k]];
        L->env[axes[k]] = lp_var_ref(p, vars[k]);
    }
    uint32_t outer = enter_env(L);
    uint32_t base = L->nstmts;
    lp_id v = lower_expr(L, n->a);
    emit(L, lp_accum(p, acc, n->op, v));
    lp_id body = close_block(L, base);
    L->gen = outer;
    for (uint32_t k = n->nlist; k-- > 0;) {
        body = lp_for(p, vars[k], extents[k], LP_SERIAL, body);
        L->env[axes[k]] = saved[k];
    }
    emit(L, body);
    return lp_load(p, acc, NULL, 0);
}

/* A host function call: the arguments lowered in order, the callee as is. */
static lp_id lower_call(lower_ctx *L, const gx_node *n) {
    lp_id args[LP_CALL_MAX_ARGS];
    if (n->nlist > LP_CALL_MAX_ARGS) { /* the builder allows at most 8 */
        fail(L, TVM_ERR_INTERNAL, "a call with more than 8 arguments");
        return 0;
    }
    for (uint32_t k = 0; k < n->nlist; k++) args[k] = lower_expr(L, L->g->pool[n->list + k]);
    return lp_call(L->p, graph_string(L->g, n->name), (void *)(intptr_t)n->imm.i, n->dtype,
                   args, n->nlist);
}

static lp_id lower_expr(lower_ctx *L, uint32_t e) {
    if (L->st != TVM_OK) return 0;
    if (L->memo_gen[e] == L->gen && L->memo[e]) return L->memo[e];
    if (++L->depth > MAX_DEPTH) {
        fail(L, TVM_ERR_LIMIT, "the fused expression nests deeper than 1600 levels");
        L->depth--;
        return 0;
    }
    const tvm_graph *g = L->g;
    const gx_node *n = &g->exprs[e];
    lp_program *p = L->p;
    lp_id r = 0;
    switch (n->kind) {
    case GX_CONST:
        r = dtype_is_float(n->dtype) ? lp_const_float(p, dtype_compute(n->dtype), n->imm.f)
                                     : lp_const_int(p, n->dtype, n->imm.i);
        break;
    case GX_SIZE_VAR:
        if (!L->svar[e]) L->svar[e] = lp_new_var(p, graph_string(g, n->name), LP_VAR_SIZE, e);
        r = lp_var_ref(p, L->svar[e]);
        break;
    case GX_ITER_VAR:
    case GX_REDUCE_AXIS:
        r = L->env[e];
        if (!r) fail(L, TVM_ERR_INTERNAL, "a variable is used outside its scope");
        break;
    case GX_LOAD: r = lower_load(L, n); break;
    case GX_BINARY: {
        lp_id a = lower_expr(L, n->a);
        r = lp_binary(p, n->op, a, lower_expr(L, n->b));
        break;
    }
    case GX_UNARY: r = lp_unary(p, n->op, lower_expr(L, n->a)); break;
    case GX_SELECT: {
        lp_id c = lower_expr(L, n->a);
        lp_id a = lower_expr(L, n->b);
        r = lp_select(p, c, a, lower_expr(L, n->c));
        break;
    }
    case GX_CAST: {
        lp_id x = lower_expr(L, n->a);
        if (n->dtype == TVM_FLOAT16)
            r = lp_unary(p, IR_ROUND_F16, lp_cast(p, TVM_FLOAT32, x));
        else if (n->dtype == TVM_BFLOAT16)
            r = lp_unary(p, IR_ROUND_BF16, lp_cast(p, TVM_FLOAT32, x));
        else
            r = lp_cast(p, n->dtype, x);
        break;
    }
    case GX_REDUCE: r = lower_reduce(L, n); break;
    case GX_CALL: r = lower_call(L, n); break;
    default: fail(L, TVM_ERR_INTERNAL, "unknown expression kind");
    }
    L->depth--;
    if (!r) fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
    L->memo[e] = r;
    L->memo_gen[e] = L->gen;
    return r;
}

static uint32_t add_buffer(lower_ctx *L, uint32_t t, int kind, int arg) {
    const gt_node *tn = &L->g->tensors[t];
    lp_id shape[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < tn->ndim; d++) shape[d] = lower_shape(L, L->g->pool[tn->shape + d]);
    lp_buffer b = {.name = graph_string(L->g, tn->name), .dtype = tn->dtype,
                   .kind = (uint8_t)kind, .ndim = tn->ndim, .arg = arg, .elems = -1};
    uint32_t id = lp_new_buffer(L->p, &b, shape);
    L->tbuf[t] = id;
    return id;
}

/* One loop nest computing every element of materialised tensor t. */
static lp_id lower_tensor(lower_ctx *L, uint32_t t) {
    const tvm_graph *g = L->g;
    const gt_node *tn = &g->tensors[t];
    lp_program *p = L->p;
    const uint32_t *iters = g->pool + tn->iters;
    uint32_t vars[TVM_MAX_NDIM];
    lp_id idx[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < tn->ndim; d++) {
        vars[d] = lp_new_var(p, graph_string(g, g->exprs[iters[d]].name), LP_VAR_LOOP,
                             iters[d]);
        idx[d] = lp_var_ref(p, vars[d]);
        L->env[iters[d]] = idx[d];
    }
    uint32_t outer = enter_env(L);
    uint32_t base = L->nstmts;
    lp_id v = lower_expr(L, tn->body);
    emit(L, lp_store(p, L->tbuf[t], idx, tn->ndim, v));
    lp_id body = close_block(L, base);
    L->gen = outer;
    const lp_buffer *b = &p->bufs[L->tbuf[t]];
    for (uint32_t d = tn->ndim; d-- > 0;) {
        body = lp_for(p, vars[d], lp_list(p, b->shape)[d], LP_SERIAL, body);
        L->env[iters[d]] = 0;
    }
    return body;
}

tvm_status pass_lower(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    lower_ctx L = {.g = g, .pc = pc};
    L.p = lp_new();
    L.tbuf = calloc(g->ntensors, sizeof *L.tbuf);
    L.svar = calloc(g->nexprs, sizeof *L.svar);
    L.env = calloc(g->nexprs, sizeof *L.env);
    L.memo = calloc(g->nexprs, sizeof *L.memo);
    L.memo_gen = calloc(g->nexprs, sizeof *L.memo_gen);
    L.gen = L.next_gen = 1;
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    if (!L.p || !L.tbuf || !L.svar || !L.env || !L.memo || !L.memo_gen || !tmark || !emark ||
        !graph_mark_reachable(g, pc->outputs, pc->nout, tmark, emark)) {
        fail(&L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    lp_program *p = L.p;
    p->fast_math = (pc->flags & TVM_COMPILE_FAST_MATH) != 0;
    int arg = 0;
    for (int i = 0; i < pc->nin; i++) add_buffer(&L, pc->inputs[i], LP_BUF_ARG, arg++);
    for (int i = 0; i < pc->nout; i++) add_buffer(&L, pc->outputs[i], LP_BUF_ARG, arg++);
    for (uint32_t i = 0; i < pc->nconsts; i++) add_buffer(&L, pc->consts[i], LP_BUF_ARG, arg++);
    p->nargs = arg;
    for (uint32_t t = 1; t < g->ntensors; t++)
        if (tmark[t] && g->tensors[t].kind == GT_COMPUTE && !pc->inlined[t] && !L.tbuf[t])
            add_buffer(&L, t, LP_BUF_WORKSPACE, -1);
    /* tensor indices are creation order, hence dependency order */
    for (uint32_t t = 1; t < g->ntensors && L.st == TVM_OK; t++)
        if (tmark[t] && g->tensors[t].kind == GT_COMPUTE && !pc->inlined[t])
            emit(&L, lower_tensor(&L, t));
    if (L.st == TVM_OK) p->body = close_block(&L, 0);
    if (L.st == TVM_OK && (p->failed || !p->body))
        fail(&L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
out:
    if (L.st == TVM_OK) {
        pc->p = L.p;
    } else {
        lp_free(L.p);
    }
    free(L.tbuf);
    free(L.svar);
    free(L.env);
    free(L.memo);
    free(L.memo_gen);
    free(L.stmts);
    free(tmark);
    free(emark);
    return L.st;
}
