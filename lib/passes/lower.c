/* lower — needs: a verified graph and the fusion decisions. Keeps: nothing
 * of the graph; produces pc->p, a symbolic loop program: one kernel (loop
 * nest) per stored tensor in dependency order, fused computes substituted at
 * their loads, each reduction as a local accumulator with its own loops.
 * Buffers 1..nin+nout are the arguments in order, then the constants, then
 * the intermediates (workspace).
 *
 * Placement. Statements are collected per loop level (the kernel root, one
 * level per loop of the tensor, one per reduction axis). A reduction's
 * accumulator loop is placed at the outermost level where everything it
 * reads is defined: the loop variables and accumulators it uses. So in
 * softmax, out[i, j] = exp(x[i, j] - max_k x[i, k]) / sum_k ..., the max and
 * the sum run once per row, before the loop over j, not once per element.
 *
 * Fused reductions. fuse proposes computing a reduction tensor R inside its
 * consumer; lowering accepts that only when every element of R is computed
 * once: each load of R reads it at distinct bare loop variables that are
 * exactly the outermost levels of the kernel (R[i] in a loop nest i, j, or
 * R[i, j] in i, j), all loads of R sit in one kernel and share one
 * accumulator. Otherwise lowering withdraws the proposal (R is stored, its
 * own kernel) and starts again. */
#include <stdio.h>
#include <stdlib.h>

#include "passes.h"

#define MAX_DEPTH 1600 /* GRAPH_MAX_DEPTH plus a fused prologue */

/* One loop level: statements placed inside loop `var` (0: the kernel root)
 * and before its inner loop. `inst` tells reopenings apart. */
typedef struct level {
    uint32_t var;
    uint32_t inst;
    uint32_t parent;  /* the level this one runs inside (staging nests skip the
                         levels between their prefix and the point of use) */
    uint32_t depth;   /* loops around it at run time: 0 for the kernel root */
    lp_id *stmts;
    uint32_t n, cap;
} level;

/* A fused reduction tensor computed for indices `vars`; valid while level
 * `lvl` is open with instance `inst`. */
typedef struct fused_memo {
    uint32_t tensor;
    uint32_t nvars;
    uint32_t vars[TVM_MAX_NDIM];
    lp_id value;
    uint32_t lvl, inst;
} fused_memo;

typedef struct acc_place {
    int32_t lvl; /* level index + 1 (0: not placed) */
    uint32_t inst;
} acc_place;

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
    level *levels;      /* open loop levels, outermost first; [0] = kernel root */
    uint32_t nlevels, cap_levels;
    uint32_t next_inst;
    acc_place *acc;     /* local buffer -> where its accumulator loop sits */
    uint32_t cap_acc;
    uint32_t *stamp;    /* per loop node: visit stamp of needed_level */
    uint32_t cap_stamp, stamp_tag;
    fused_memo *memo_r; /* fused reductions already computed in open levels */
    uint32_t nmemo_r, cap_memo_r;
    uint32_t *times;    /* per graph tensor: fused reduction lowerings */
    uint32_t kernel;    /* the stored tensor whose kernel is being lowered */
    uint32_t *group;    /* pc->group */
    uint32_t refused;   /* a fused tensor whose fusion is withdrawn (see above) */
    uint32_t refused_cap; /* ... or whose staging prefix must shrink to this */
    bool refused_store;  /* ... or that must be stored, not staged */
    bool heavy;          /* the kernel being lowered holds a contraction */
    uint32_t in_select;  /* lowering inside a select arm (a guarded read) */
    uint8_t *ahead;      /* per graph tensor: runs_ahead memo */
    graph_walk ahead_walk; /* runs_ahead's walk over a body */
    uint32_t *ahead_todo; /* runs_ahead: producers still to ask, one segment */
    uint32_t nahead_todo, cap_ahead_todo; /* per open call, innermost last */
    uint32_t *stage_cap; /* per graph tensor: longest staging prefix allowed */
    tvm_status st;
    int depth;
} lower_ctx;

static bool fail(lower_ctx *L, tvm_status st, const char *what) {
    if (L->st == TVM_OK) L->st = err_set(st, "tvm_compile: lowering: %s", what);
    return false;
}

static bool push_stmt(lower_ctx *L, level *lv, lp_id s) {
    if (!s) return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
    if (!VEC_PUSH_OK(lv->stmts, lv->n, lv->cap, UINT32_MAX))
        return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
    lv->stmts[lv->n++] = s;
    return true;
}

/* Appends a statement to the innermost open level. */
static void emit(lower_ctx *L, lp_id s) {
    if (L->nlevels) push_stmt(L, &L->levels[L->nlevels - 1], s);
}

/* Opens a level for loop `var` running inside level `parent`. */
static void open_level_in(lower_ctx *L, uint32_t var, uint32_t parent) {
    if (!VEC_PUSH_OK(L->levels, L->nlevels, L->cap_levels, UINT32_MAX)) {
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return;
    }
    uint32_t depth = L->nlevels ? L->levels[parent].depth + 1 : 0;
    L->levels[L->nlevels++] = (level){.var = var, .inst = ++L->next_inst,
                                      .parent = L->nlevels ? parent : 0, .depth = depth};
}

static void open_level(lower_ctx *L, uint32_t var) {
    open_level_in(L, var, L->nlevels ? L->nlevels - 1 : 0);
}

/* Whether level lv encloses the innermost level at run time. */
static bool on_chain(const lower_ctx *L, uint32_t lv) {
    uint32_t k = L->nlevels - 1;
    for (;;) {
        if (k == lv) return true;
        if (k == 0 || k < lv) return false;
        k = L->levels[k].parent;
    }
}

/* Closes the innermost level: its statements become one. */
static lp_id close_level(lower_ctx *L) {
    level *lv = &L->levels[--L->nlevels];
    lp_id s = lp_seq(L->p, lv->stmts, lv->n);
    free(lv->stmts);
    *lv = (level){0};
    return s;
}

/* Level index whose loop is `var`, or 0 when no open level iterates it. */
static uint32_t level_of_var(const lower_ctx *L, uint32_t var) {
    for (uint32_t k = L->nlevels; k-- > 1;)
        if (L->levels[k].var == var) return k;
    return 0;
}

/* The outermost open level at which statement or expression s can run:
 * the deepest level among the loop variables and accumulators it reads. */
static uint32_t needed_level(lower_ctx *L, lp_id root) {
    lp_program *p = L->p;
    if (p->nnodes > L->cap_stamp) {
        uint32_t cap = L->cap_stamp;
        if (!vec_reserve((void **)&L->stamp, &cap, p->nnodes, sizeof *L->stamp)) {
            fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
            return L->nlevels - 1;
        }
        memset(L->stamp + L->cap_stamp, 0, (cap - L->cap_stamp) * sizeof *L->stamp);
        L->cap_stamp = cap;
    }
    uint32_t tag = ++L->stamp_tag, best = 0;
    uint32_t *stack = NULL, n = 0, cap = 0;
    bool lost = false; /* a node left unvisited (out of memory) */
    if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = root;
    else lost = true;
    while (n && !lost) {
        lp_id e = stack[--n];
        if (!e || L->stamp[e] == tag) continue;
        L->stamp[e] = tag;
        const lp_node *x = &p->nodes[e];
        uint32_t lv = 0;
        if (x->kind == LP_VAR) lv = level_of_var(L, x->a);
        /* an accumulator (or staging buffer) placed in a level that has
         * since closed lies inside the statement being placed: it adds no
         * constraint */
        if (x->kind == LP_LOAD && x->a < L->cap_acc &&
            L->acc[x->a].lvl > 0 && (uint32_t)L->acc[x->a].lvl - 1 < L->nlevels &&
            L->levels[L->acc[x->a].lvl - 1].inst == L->acc[x->a].inst)
            lv = (uint32_t)L->acc[x->a].lvl - 1;
        if (lv > best) best = lv;
        lp_id kids[3] = {x->a, x->b, x->c};
        if (x->kind == LP_VAR || x->kind == LP_LOAD || x->kind == LP_ACCUM ||
            x->kind == LP_STORE || x->kind == LP_FOR || x->kind == LP_CALL)
            kids[0] = 0; /* a is a variable / buffer index there */
        for (int k = 0; k < 3; k++)
            if (kids[k]) {
                if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = kids[k];
                else lost = true;
            }
        for (uint32_t k = 0; x->kind != LP_CONST && k < x->nlist; k++) {
            if (VEC_PUSH_OK(stack, n, cap, UINT32_MAX)) stack[n++] = p->pool[x->list + k];
            else lost = true;
        }
    }
    free(stack);
    if (lost) { /* the innermost level is always safe; the lowering fails anyway */
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return L->nlevels ? L->nlevels - 1 : 0;
    }
    return best;
}

/* Places statement s at the outermost level it can run at; returns it. */
static uint32_t place(lower_ctx *L, lp_id s) {
    uint32_t lv = needed_level(L, s);
    if (L->nlevels) push_stmt(L, &L->levels[lv], s);
    return lv;
}

static bool note_acc(lower_ctx *L, uint32_t acc, uint32_t lv) {
    if (acc >= L->cap_acc) {
        uint32_t old = L->cap_acc;
        if (!vec_reserve((void **)&L->acc, &L->cap_acc, acc + 1, sizeof *L->acc))
            return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        memset(L->acc + old, 0, (L->cap_acc - old) * sizeof *L->acc);
    }
    L->acc[acc] = (acc_place){(int32_t)lv + 1, L->levels[lv].inst};
    return true;
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

/* Withdraws the fusion of tensor t (see the header comment); a staged
 * tensor may instead retry with a shorter staging prefix `cap`. */
static lp_id refuse_cap(lower_ctx *L, uint32_t t, uint32_t cap) {
    if (L->st == TVM_OK) {
        L->refused = t;
        L->refused_cap = cap;
        L->st = TVM_ERR_INTERNAL; /* pass_lower retries; never reaches the user */
    }
    return 0;
}

static lp_id refuse(lower_ctx *L, uint32_t t) { return refuse_cap(L, t, 0); }

/* A second contraction in one kernel: t gets a kernel of its own. */
static lp_id refuse_store(lower_ctx *L, uint32_t t) {
    if (L->st == TVM_OK) L->refused_store = true;
    return refuse_cap(L, t, 0);
}

/* Counts a contraction lowered into the current kernel; false if it would
 * be the second. */
static bool take_contraction(lower_ctx *L, uint32_t t) {
    if (!L->pc->contracts[t]) return true;
    if (L->heavy) return false;
    L->heavy = true;
    return true;
}

/* For a load of a fused reduction tensor at idx: checks the "computed once"
 * rule; fills vars with the loop variables. False: the fusion is refused. */
static bool once_per_element(lower_ctx *L, const lp_id *idx, uint32_t n, uint32_t *vars) {
    uint64_t seen = 0; /* loop depths 1..n used, as bits */
    for (uint32_t k = 0; k < n; k++) {
        const lp_node *x = &L->p->nodes[idx[k]];
        if (x->kind != LP_VAR) return false;
        uint32_t lv = level_of_var(L, x->a);
        if (lv < 1 || !on_chain(L, lv)) return false;
        uint32_t d = L->levels[lv].depth;
        if (d < 1 || d > n || (seen >> d & 1)) return false;
        seen |= (uint64_t)1 << d;
        vars[k] = x->a;
    }
    return true; /* n distinct depths among 1..n: exactly the outermost n loops */
}

static lp_id lower_fused(lower_ctx *L, const gx_node *n, const lp_id *idx);

typedef struct ahead_scan {
    lower_ctx *L;
    uint32_t t;
    bool found, oom;
} ahead_scan;

/* A load in t's body: of a tensor known to run ahead (found, the walk
 * stops), known not to, or not yet known (kept in L->ahead_todo, to ask
 * once the walk is over: asking starts another walk). */
static graph_step note_ahead(const tvm_graph *g, uint32_t e, void *arg) {
    ahead_scan *a = arg;
    lower_ctx *L = a->L;
    const gx_node *x = &g->exprs[e];
    if (x->kind != GX_LOAD || x->a == a->t || !L->pc->fused[x->a]) return GRAPH_STEP_OPERANDS;
    uint32_t u = x->a;
    if (L->pc->fused[u] == FUSE_STAGED || L->pc->reduces[u] || L->ahead[u] == 2) {
        a->found = true;
        return GRAPH_STEP_STOP;
    }
    if (!L->ahead[u]) {
        if (!VEC_PUSH_OK(L->ahead_todo, L->nahead_todo, L->cap_ahead_todo, UINT32_MAX)) {
            a->oom = true;
            return GRAPH_STEP_STOP;
        }
        L->ahead_todo[L->nahead_todo++] = u;
    }
    return GRAPH_STEP_OPERANDS;
}

/* Whether evaluating fused tensor t runs loops ahead of the expression that
 * reads it: t is staged or a reduction, or fuses one. Memoised per lowering
 * attempt in L->ahead (0 unknown, 1 no, 2 yes). Out of memory fails the
 * lowering (L->st). */
static bool runs_ahead(lower_ctx *L, uint32_t t) {
    const pass_ctx *pc = L->pc;
    if (!pc->fused[t]) return false;
    if (pc->fused[t] == FUSE_STAGED || pc->reduces[t]) return true;
    if (L->ahead[t]) return L->ahead[t] == 2;
    L->ahead[t] = 1; /* tensors only read earlier ones: no cycle */
    uint32_t base = L->nahead_todo;
    ahead_scan a = {L, t, false, false};
    if (!graph_walk_run(&L->ahead_walk, &L->g->tensors[t].body, 1, NULL, 0, note_ahead, &a) ||
        a.oom) {
        L->nahead_todo = base;
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    /* the producers' own questions push past this call's segment and pop
     * back to its end before returning */
    for (uint32_t k = base, end = L->nahead_todo; k < end && !a.found; k++)
        a.found = runs_ahead(L, L->ahead_todo[k]);
    L->nahead_todo = base;
    L->ahead[t] = a.found ? 2 : 1;
    return a.found;
}

/* A staged compute E read at E[i, rest]: the loop nest computing E[i, :]
 * into a buffer of E's trailing dims runs once per outer iteration i (placed
 * like a reduction), and the load reads that buffer at rest. The prefix is
 * the leading indices that are bare variables of the kernel's outermost
 * loops, in order; every load of E must share it, else the prefix shrinks
 * (and the lowering restarts) until nothing is left and E is stored. */
static lp_id lower_staged(lower_ctx *L, const gx_node *n, const lp_id *idx) {
    const tvm_graph *g = L->g;
    lp_program *p = L->p;
    uint32_t t = n->a;
    const gt_node *tn = &g->tensors[t];
    uint32_t pre = 0, vars[TVM_MAX_NDIM];
    uint32_t at = 0; /* the level of the last prefix loop */
    while (pre < n->nlist && pre < L->stage_cap[t]) {
        const lp_node *x = &p->nodes[idx[pre]];
        if (x->kind != LP_VAR) break;
        uint32_t lv = level_of_var(L, x->a);
        if (lv < 1 || !on_chain(L, lv) || L->levels[lv].depth != pre + 1) break;
        vars[pre] = x->a;
        at = lv;
        pre++;
    }
    if (pre == 0) return refuse(L, t);
    lp_id rest[TVM_MAX_NDIM];
    for (uint32_t k = pre; k < n->nlist; k++) rest[k - pre] = idx[k];
    for (uint32_t m = 0; m < L->nmemo_r; m++) {
        const fused_memo *f = &L->memo_r[m];
        if (f->tensor != t || f->lvl >= L->nlevels || L->levels[f->lvl].inst != f->inst)
            continue;
        uint32_t common = 0;
        while (common < pre && common < f->nvars && f->vars[common] == vars[common]) common++;
        if (common != pre || f->nvars != pre) return refuse_cap(L, t, common);
        return lp_load(p, f->value, rest, n->nlist - pre);
    }
    if (L->times[t]++) return refuse(L, t); /* staged in a second kernel: store it */
    if (!take_contraction(L, t)) return refuse_store(L, t);
    /* the staging buffer: E's trailing dims */
    lp_id shape[TVM_MAX_NDIM];
    for (uint32_t d = pre; d < tn->ndim; d++)
        shape[d - pre] = lower_shape(L, g->pool[tn->shape + d]);
    char name[80];
    snprintf(name, sizeof name, "%s_stage", graph_string(g, tn->name));
    lp_buffer sb = {.name = name, .dtype = tn->dtype, .kind = LP_BUF_WORKSPACE,
                    .ndim = (uint16_t)(tn->ndim - pre), .arg = -1, .elems = -1};
    uint32_t buf = lp_new_buffer(p, &sb, shape);
    /* its loop nest, E's body with the prefix bound to the kernel's loops */
    const uint32_t *iters = g->pool + tn->iters;
    lp_id saved[TVM_MAX_NDIM], sidx[TVM_MAX_NDIM];
    uint32_t svars[TVM_MAX_NDIM];
    for (uint32_t k = 0; k < tn->ndim; k++) saved[k] = L->env[iters[k]];
    for (uint32_t k = 0; k < pre; k++) L->env[iters[k]] = idx[k];
    for (uint32_t k = pre; k < tn->ndim; k++) {
        svars[k] = lp_new_var(p, graph_string(g, g->exprs[iters[k]].name), LP_VAR_LOOP,
                              iters[k]);
        sidx[k - pre] = lp_var_ref(p, svars[k]);
        L->env[iters[k]] = sidx[k - pre];
        /* the staging nest runs inside the prefix loops, not where E is read */
        open_level_in(L, svars[k], k == pre ? at : L->nlevels - 1);
    }
    uint32_t outer = enter_env(L);
    lp_id v = lower_expr(L, tn->body);
    lp_id body = lp_store(p, buf, sidx, tn->ndim - pre, v);
    L->gen = outer;
    for (uint32_t k = tn->ndim; k-- > pre;) {
        emit(L, body);
        body = lp_for(p, svars[k], shape[k - pre], LP_SERIAL, close_level(L));
    }
    for (uint32_t k = 0; k < tn->ndim; k++) L->env[iters[k]] = saved[k];
    if (L->st != TVM_OK) return 0;
    place(L, body);
    note_acc(L, buf, at); /* readers run inside the prefix loops */
    /* the staged values stay valid while the prefix loops are open */
    fused_memo f = {.tensor = t, .nvars = pre, .value = buf, .lvl = at,
                    .inst = L->levels[at].inst};
    memcpy(f.vars, vars, pre * sizeof *vars);
    if (!VEC_PUSH_OK(L->memo_r, L->nmemo_r, L->cap_memo_r, UINT32_MAX))
        return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory"), 0;
    L->memo_r[L->nmemo_r++] = f;
    return lp_load(p, buf, rest, n->nlist - pre);
}

/* A constant without a buffer: fold_constants left out of the kernel
 * arguments a one-element constant read only at index 0, so its value is
 * the literal, in its own dtype (float16 / bfloat16 widened to float32 as a
 * load would widen them). */
static lp_id lower_scalar_constant(lower_ctx *L, uint32_t t) {
    const gt_node *tn = &L->g->tensors[t];
    const void *d = L->pc->folded[t] ? L->pc->folded[t] : tn->cbuf ? tn->cbuf->data : NULL;
    if (!d) return fail(L, TVM_ERR_INTERNAL, "a constant has no values"), 0;
    lp_program *p = L->p;
    switch (tn->dtype) {
    case TVM_FLOAT32: { float v; memcpy(&v, d, sizeof v); return lp_const_float(p, TVM_FLOAT32, v); }
    case TVM_FLOAT64: { double v; memcpy(&v, d, sizeof v); return lp_const_float(p, TVM_FLOAT64, v); }
    case TVM_FLOAT16:
    case TVM_BFLOAT16: {
        uint16_t h;
        memcpy(&h, d, sizeof h);
        float v = tn->dtype == TVM_FLOAT16 ? f16_bits_to_f32(h) : bf16_bits_to_f32(h);
        return lp_const_float(p, TVM_FLOAT32, v);
    }
    case TVM_INT8: { int8_t v; memcpy(&v, d, sizeof v); return lp_const_int(p, tn->dtype, v); }
    case TVM_INT16: { int16_t v; memcpy(&v, d, sizeof v); return lp_const_int(p, tn->dtype, v); }
    case TVM_INT32: { int32_t v; memcpy(&v, d, sizeof v); return lp_const_int(p, tn->dtype, v); }
    case TVM_INT64: { int64_t v; memcpy(&v, d, sizeof v); return lp_const_int(p, tn->dtype, v); }
    case TVM_UINT8:
    case TVM_BOOL: return lp_const_int(p, tn->dtype, *(const uint8_t *)d);
    default: return fail(L, TVM_ERR_INTERNAL, "a constant has an unknown dtype"), 0;
    }
}

static lp_id lower_load(lower_ctx *L, const gx_node *n) {
    const tvm_graph *g = L->g;
    lp_id idx[TVM_MAX_NDIM];
    for (uint32_t k = 0; k < n->nlist; k++) idx[k] = lower_index(L, g->pool[n->list + k]);
    if (L->tbuf[n->a]) return lp_load(L->p, L->tbuf[n->a], idx, n->nlist);
    if (g->tensors[n->a].kind == GT_CONSTANT || L->pc->folded[n->a])
        return lower_scalar_constant(L, n->a);
    uint32_t t = n->a;
    if (L->group) L->group[t] = L->kernel;
    /* a staged or reduced tensor runs ahead of the expression that reads
     * it, outside any select guarding the read (pad's select(i < n, X[i],
     * 0)), where it could read out of range: the tensor read under the
     * guard is stored instead (with what it fuses, in its own kernel) */
    if (L->in_select && runs_ahead(L, t)) return refuse_store(L, t);
    if (L->pc->fused[t] == FUSE_STAGED) return lower_staged(L, n, idx);
    if (!L->pc->reduces[t]) return lower_fused(L, n, idx);
    if (!L->times[t] && !take_contraction(L, t)) return refuse_store(L, t);
    /* a fused reduction: computed once per element, shared by every load */
    uint32_t vars[TVM_MAX_NDIM];
    if (!once_per_element(L, idx, n->nlist, vars)) return refuse(L, t);
    for (uint32_t m = 0; m < L->nmemo_r; m++) {
        const fused_memo *f = &L->memo_r[m];
        if (f->tensor != t || f->lvl >= L->nlevels || L->levels[f->lvl].inst != f->inst ||
            memcmp(f->vars, vars, n->nlist * sizeof *vars) != 0)
            continue;
        return f->value;
    }
    if (L->times[t]++) return refuse(L, t); /* a second copy: stage or store it */
    lp_id r = lower_fused(L, n, idx);
    if (L->st != TVM_OK) return 0;
    fused_memo f = {.tensor = t, .nvars = n->nlist, .value = r};
    memcpy(f.vars, vars, n->nlist * sizeof *vars);
    f.lvl = needed_level(L, r);
    f.inst = L->levels[f.lvl].inst;
    if (!VEC_PUSH_OK(L->memo_r, L->nmemo_r, L->cap_memo_r, UINT32_MAX))
        return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory"), 0;
    L->memo_r[L->nmemo_r++] = f;
    return r;
}

/* A fused compute: its body with its axes bound to the indices. */
static lp_id lower_fused(lower_ctx *L, const gx_node *n, const lp_id *idx) {
    const tvm_graph *g = L->g;
    const gt_node *t = &g->tensors[n->a];
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
    /* a fused value is rounded exactly as storing it would round it */
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
    lp_id init = lp_store(p, acc, NULL, 0, lp_reduce_identity(p, n->op, cd));
    const uint32_t *axes = g->pool + n->list;
    uint32_t vars[TVM_MAX_NDIM];
    lp_id extents[TVM_MAX_NDIM], saved[TVM_MAX_NDIM];
    for (uint32_t k = 0; k < n->nlist; k++) {
        const gx_node *ax = &g->exprs[axes[k]];
        extents[k] = lower_shape(L, ax->a);
        vars[k] = lp_new_var(p, graph_string(g, ax->name), LP_VAR_LOOP, axes[k]);
        saved[k] = L->env[axes[k]];
        L->env[axes[k]] = lp_var_ref(p, vars[k]);
        open_level(L, vars[k]);
    }
    uint32_t outer = enter_env(L);
    lp_id v = lower_expr(L, n->a);
    /* a sum of products is a contraction: each step is one fma (tvmc.h) */
    if (n->op == TVM_REDUCE_SUM && v && lp_get(p, v)->kind == LP_BINARY &&
        lp_get(p, v)->op == IR_MUL && dtype_is_float(lp_get(p, v)->dtype)) {
        lp_node m = *lp_get(p, v); /* a copy: v may be shared */
        m.flags |= LP_FUSED;
        v = lp_add(p, &m);
    }
    emit(L, lp_accum(p, acc, n->op, v));
    L->gen = outer;
    lp_id body = 0;
    for (uint32_t k = n->nlist; k-- > 0;) {
        if (body) emit(L, body);
        body = lp_for(p, vars[k], extents[k], LP_SERIAL, close_level(L));
        L->env[axes[k]] = saved[k];
    }
    lp_id both[2] = {init, body};
    if (L->st != TVM_OK) return 0;
    note_acc(L, acc, place(L, lp_seq(p, both, 2)));
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
        if (!r && p->failed) fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory"); /* lp_var_ref */
        else if (!r) fail(L, TVM_ERR_INTERNAL, "a variable is used outside its scope");
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
        L->in_select++;
        lp_id a = lower_expr(L, n->b);
        r = lp_select(p, c, a, lower_expr(L, n->c));
        L->in_select--;
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

/* The kernel computing every element of stored tensor t: its loop nest
 * with whatever is fused into it. */
static lp_id lower_tensor(lower_ctx *L, uint32_t t) {
    const tvm_graph *g = L->g;
    const gt_node *tn = &g->tensors[t];
    lp_program *p = L->p;
    const uint32_t *iters = g->pool + tn->iters;
    uint32_t vars[TVM_MAX_NDIM];
    lp_id idx[TVM_MAX_NDIM];
    L->kernel = t;
    L->heavy = L->pc->contracts[t];
    open_level(L, 0);
    for (uint32_t d = 0; d < tn->ndim; d++) {
        vars[d] = lp_new_var(p, graph_string(g, g->exprs[iters[d]].name), LP_VAR_LOOP,
                             iters[d]);
        idx[d] = lp_var_ref(p, vars[d]);
        L->env[iters[d]] = idx[d];
        open_level(L, vars[d]);
    }
    /* out of memory: levels or buffers are missing (the caller gives up on
     * this attempt when L->st is set, and counts a 0 kernel as out of memory) */
    if (L->st != TVM_OK || p->failed) return 0;
    uint32_t outer = enter_env(L);
    lp_id v = lower_expr(L, tn->body);
    emit(L, lp_store(p, L->tbuf[t], idx, tn->ndim, v));
    L->gen = outer;
    if (L->st != TVM_OK || p->failed) return 0;
    const lp_buffer *b = &p->bufs[L->tbuf[t]];
    for (uint32_t d = tn->ndim; d-- > 0;) {
        lp_id body = lp_for(p, vars[d], lp_list(p, b->shape)[d], LP_SERIAL, close_level(L));
        emit(L, body);
        L->env[iters[d]] = 0;
    }
    return close_level(L);
}

static void lower_free(lower_ctx *L) {
    free(L->tbuf);
    free(L->svar);
    free(L->env);
    free(L->memo);
    free(L->memo_gen);
    while (L->nlevels) free(L->levels[--L->nlevels].stmts);
    free(L->levels);
    free(L->acc);
    free(L->stamp);
    free(L->memo_r);
    free(L->times);
    free(L->ahead);
    graph_walk_free(&L->ahead_walk);
    free(L->ahead_todo);
}

/* One lowering attempt with the current fusion decisions. */
static tvm_status lower_once(pass_ctx *pc, const uint8_t *tmark, uint32_t *stage_cap,
                             lower_ctx *L) {
    const tvm_graph *g = pc->g;
    *L = (lower_ctx){.g = g, .pc = pc, .group = pc->group, .stage_cap = stage_cap};
    L->p = lp_new();
    L->tbuf = calloc(g->ntensors, sizeof *L->tbuf);
    L->svar = calloc(g->nexprs, sizeof *L->svar);
    L->env = calloc(g->nexprs, sizeof *L->env);
    L->memo = calloc(g->nexprs, sizeof *L->memo);
    L->memo_gen = calloc(g->nexprs, sizeof *L->memo_gen);
    L->times = calloc(g->ntensors, sizeof *L->times);
    L->ahead = calloc(g->ntensors, 1);
    bool walk_ok = graph_walk_init(&L->ahead_walk, g);
    L->gen = L->next_gen = 1;
    if (!L->p || !L->tbuf || !L->svar || !L->env || !L->memo || !L->memo_gen || !L->times ||
        !L->ahead || !walk_ok)
        return fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory"), L->st;
    lp_program *p = L->p;
    p->fast_math = (pc->flags & TVM_COMPILE_FAST_MATH) != 0;
    int arg = 0;
    for (int i = 0; i < pc->nin; i++) add_buffer(L, pc->inputs[i], LP_BUF_ARG, arg++);
    for (int i = 0; i < pc->nout; i++) add_buffer(L, pc->outputs[i], LP_BUF_ARG, arg++);
    for (uint32_t i = 0; i < pc->nconsts; i++) add_buffer(L, pc->consts[i], LP_BUF_ARG, arg++);
    p->nargs = arg;
    for (uint32_t t = 1; t < g->ntensors; t++)
        if (tmark[t] && g->tensors[t].kind == GT_COMPUTE && !pc->fused[t] && !L->tbuf[t] &&
            !pc->folded[t]) /* (folded ones are constants or immediates) */
            add_buffer(L, t, LP_BUF_WORKSPACE, -1);
    /* tensor indices are creation order, hence dependency order */
    lp_id *kernels = NULL;
    uint32_t nk = 0, cap = 0;
    for (uint32_t t = 1; t < g->ntensors && L->st == TVM_OK; t++)
        if (tmark[t] && g->tensors[t].kind == GT_COMPUTE && !pc->fused[t] && !pc->folded[t]) {
            if (pc->group) pc->group[t] = t;
            lp_id k = lower_tensor(L, t);
            if (L->st != TVM_OK) break;
            if (!k || !VEC_PUSH_OK(kernels, nk, cap, UINT32_MAX))
                fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
            else
                kernels[nk++] = k;
        }
    if (L->st == TVM_OK) p->body = lp_seq(p, kernels, nk);
    p->num_kernels = (int32_t)nk;
    free(kernels);
    if (L->st == TVM_OK && (p->failed || !p->body))
        fail(L, TVM_ERR_OUT_OF_MEMORY, "out of memory");
    return L->st;
}

tvm_status pass_lower(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    const uint8_t *tmark = pc->live; /* folded tensors are leaves */
    pc->group = calloc(g->ntensors, sizeof *pc->group);
    uint32_t *stage_cap = malloc(g->ntensors * sizeof *stage_cap);
    tvm_status st = TVM_OK;
    if (!pc->group || !stage_cap) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: lowering: out of memory");
        goto out;
    }
    for (uint32_t t = 0; t < g->ntensors; t++) stage_cap[t] = TVM_MAX_NDIM;
    /* each refusal stores one more tensor or shortens a staging prefix, so
     * this ends (at most ntensors * (TVM_MAX_NDIM + 1) attempts) */
    for (;;) {
        lower_ctx L;
        st = lower_once(pc, tmark, stage_cap, &L);
        uint32_t refused = st == TVM_OK ? 0 : L.refused, cap = L.refused_cap;
        bool store = L.refused_store;
        if (st == TVM_OK) pc->p = L.p;
        else lp_free(L.p);
        lower_free(&L);
        if (!refused) break;
        if (store) pc->fused[refused] = 0;
        else if (cap > 0 && cap < stage_cap[refused]) stage_cap[refused] = cap;
        else if (pc->fused[refused] == FUSE_INLINE && pc->reduces[refused])
            pc->fused[refused] = FUSE_STAGED; /* read in several ways: stage rows */
        else pc->fused[refused] = 0;
        memset(pc->group, 0, g->ntensors * sizeof *pc->group);
    }
out:
    free(stage_cap);
    return st;
}
