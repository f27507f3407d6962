/* bounds — needs: a specialised, simplified program (constant extents and
 * shapes, indices per dimension). Keeps: every load's semantics. Infers the
 * interval of each load index over its loops (Halide-style bounds
 * inference). A read whose interval lies inside the tensor needs nothing.
 * A read that is certainly executed, with an index whose interval is exact
 * (its ends are reached) and leaves the tensor, is an error now, before any
 * kernel runs. Every other read it cannot prove is flagged LP_CHECKED with a
 * condition and a check id, and a select holding such a read becomes lazy.
 * A read proven in range only under a select's condition (a padding guard
 * such as select(i > 0, A[i - 1], 0)) gets its indices clamped into the
 * tensor, as Halide's boundary conditions do: backends may evaluate both
 * sides of a select, and the clamped read is then harmless and vectorises.
 * A select with a host call (LP_CALL) in an arm is lazy too: the function
 * is called only with arguments the program really computes.
 *
 * Expressions are DAGs (a binary search is a chain of selects, each reading
 * the previous step several times), so a node's interval is memoised while
 * the loop ranges it was computed under hold (a generation bumped on every
 * range change); a memoised node replays whether it held a checked read or
 * a host call, which is all an enclosing select asks of it. */
#include <stdlib.h>

#include "passes.h"

typedef struct ival {
    int64_t lo, hi;
    bool exact;       /* lo and hi are reached by some iteration */
    uint64_t vars;    /* loop variables used (bit v % 64), for exactness */
} ival;

typedef struct bctx {
    lp_program *p;
    int64_t *lo, *hi; /* current range of each loop variable */
    tvm_status st;
    int conditional;  /* > 0 inside a select arm or an if */
    int speculative;  /* > 0 inside a select arm whose guard narrowed a range */
    uint32_t nchecked;
    uint32_t ncalls;  /* host calls met: a select arm holding one becomes lazy */
    uint32_t gen;     /* bumped whenever a loop variable's range changes */
    uint32_t nmemo;   /* nodes covered by the memo (those built here are not) */
    uint32_t *memo_gen; /* per node: the generation its memo entry is valid for */
    ival *memo;
    uint8_t *memo_flags; /* 1: it held a checked read, 2: a host call */
} bctx;

static ival unknown(int dtype) {
    if (dtype_is_int(dtype) || dtype == TVM_BOOL)
        return (ival){dtype_int_min(dtype), dtype_int_max(dtype), false, 0};
    return (ival){INT64_MIN, INT64_MAX, false, 0};
}

static bool disjoint(ival a, ival b) { return (a.vars & b.vars) == 0; }

static ival iv_add(ival a, ival b, bool sub) {
    int64_t lo, hi;
    bool ov = sub ? (__builtin_sub_overflow(a.lo, b.hi, &lo) | __builtin_sub_overflow(a.hi, b.lo, &hi))
                  : (__builtin_add_overflow(a.lo, b.lo, &lo) | __builtin_add_overflow(a.hi, b.hi, &hi));
    if (ov) return unknown(TVM_INT64);
    return (ival){lo, hi, a.exact && b.exact && disjoint(a, b), a.vars | b.vars};
}

static ival iv_mul(ival a, ival b) {
    int64_t c[4];
    if (__builtin_mul_overflow(a.lo, b.lo, &c[0]) | __builtin_mul_overflow(a.lo, b.hi, &c[1]) |
        __builtin_mul_overflow(a.hi, b.lo, &c[2]) | __builtin_mul_overflow(a.hi, b.hi, &c[3]))
        return unknown(TVM_INT64);
    ival r = {c[0], c[0], false, a.vars | b.vars};
    for (int i = 1; i < 4; i++) {
        if (c[i] < r.lo) r.lo = c[i];
        if (c[i] > r.hi) r.hi = c[i];
    }
    /* scaling by a constant keeps the ends reached */
    bool aconst = a.lo == a.hi, bconst = b.lo == b.hi;
    r.exact = (aconst && b.exact) || (bconst && a.exact);
    return r;
}

static int64_t floordiv64(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static ival eval(bctx *B, lp_id e);

static ival eval_binary(bctx *B, lp_node n) {
    ival a = eval(B, n.a), b = eval(B, n.b);
    if (n.dtype != TVM_INT64) return unknown(n.dtype);
    bool bpos_const = b.lo == b.hi && b.lo > 0;
    switch (n.op) {
    case IR_ADD: return iv_add(a, b, false);
    case IR_SUB: return iv_add(a, b, true);
    case IR_MUL: return iv_mul(a, b);
    case IR_DIV:
        if (!bpos_const || a.lo < 0) break;
        __attribute__((fallthrough)); /* truncation is floor for non-negatives */
    case IR_FLOORDIV:
        if (!bpos_const) break;
        return (ival){floordiv64(a.lo, b.lo), floordiv64(a.hi, b.lo), a.exact, a.vars};
    case IR_MOD:
        if (!bpos_const || a.lo < 0) break;
        __attribute__((fallthrough));
    case IR_FLOORMOD: {
        if (!bpos_const) break;
        int64_t c = b.lo;
        if (floordiv64(a.lo, c) == floordiv64(a.hi, c)) {
            int64_t base = floordiv64(a.lo, c) * c;
            return (ival){a.lo - base, a.hi - base, a.exact, a.vars};
        }
        return (ival){0, c - 1, a.exact, a.vars};
    }
    case IR_MIN:
        return (ival){a.lo < b.lo ? a.lo : b.lo, a.hi < b.hi ? a.hi : b.hi,
                      a.exact && b.exact && disjoint(a, b), a.vars | b.vars};
    case IR_MAX:
        return (ival){a.lo > b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi,
                      a.exact && b.exact && disjoint(a, b), a.vars | b.vars};
    default: break;
    }
    return unknown(TVM_INT64);
}

/* Narrows loop-variable ranges from the conjuncts of a condition known to be
 * true, for the forms `v + k CMP c` and `c CMP v + k` (padding guards).
 * Records the old ranges in saved[] so the caller can restore them. */
typedef struct saved_range {
    uint32_t var;
    int64_t lo, hi;
} saved_range;

static bool as_var_plus_const(const lp_program *p, lp_id e, uint32_t *var, int64_t *k) {
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_VAR) {
        *var = n->a;
        *k = 0;
        return true;
    }
    if (n->kind == LP_BINARY && (n->op == IR_ADD || n->op == IR_SUB)) {
        const lp_node *a = lp_get(p, n->a), *b = lp_get(p, n->b);
        if (a->kind == LP_VAR && b->kind == LP_CONST) {
            *var = a->a;
            *k = n->op == IR_ADD ? b->imm.i : -b->imm.i;
            return b->imm.i != INT64_MIN;
        }
    }
    return false;
}

static int negate_compare(int op) {
    switch (op) {
    case IR_LT: return IR_GE;
    case IR_LE: return IR_GT;
    case IR_GT: return IR_LE;
    case IR_GE: return IR_LT;
    case IR_EQ: return IR_NE;
    default: return IR_EQ; /* NE */
    }
}

/* truth: the value cond is known to have (true in a then-arm, false in an
 * else-arm). Looks through `!`, `&&` (when true) and `||` (when false). */
static void refine(bctx *B, lp_id cond, bool truth, saved_range *saved, int *nsaved, int max) {
    const lp_program *p = B->p;
    const lp_node *n = lp_get(p, cond);
    if (n->kind == LP_UNARY && n->op == IR_NOT) {
        refine(B, n->a, !truth, saved, nsaved, max);
        return;
    }
    if (n->kind != LP_BINARY) return;
    if ((n->op == IR_AND && truth) || (n->op == IR_OR && !truth)) {
        lp_id x = n->a, y = n->b;
        refine(B, x, truth, saved, nsaved, max);
        refine(B, y, truth, saved, nsaved, max);
        return;
    }
    if (!ir_op_is_compare(n->op) || lp_get(p, n->a)->dtype != TVM_INT64) return;
    uint32_t v;
    int64_t k, c;
    int op = truth ? n->op : negate_compare(n->op);
    if (as_var_plus_const(p, n->a, &v, &k) && lp_get(p, n->b)->kind == LP_CONST) {
        c = lp_get(p, n->b)->imm.i;
    } else if (as_var_plus_const(p, n->b, &v, &k) && lp_get(p, n->a)->kind == LP_CONST) {
        c = lp_get(p, n->a)->imm.i; /* c OP v+k  ==  v+k OP' c */
        op = op == IR_LT ? IR_GT : op == IR_LE ? IR_GE : op == IR_GT ? IR_LT
           : op == IR_GE ? IR_LE : op;
    } else {
        return;
    }
    if (p->vars[v].kind != LP_VAR_LOOP || *nsaved >= max) return;
    int64_t bound;
    if (__builtin_sub_overflow(c, k, &bound)) return; /* v OP c - k */
    if (bound == INT64_MIN || bound == INT64_MAX) return;
    int64_t lo = B->lo[v], hi = B->hi[v];
    switch (op) {
    case IR_LT: if (bound - 1 < hi) hi = bound - 1; break;
    case IR_LE: if (bound < hi) hi = bound; break;
    case IR_GT: if (bound + 1 > lo) lo = bound + 1; break;
    case IR_GE: if (bound > lo) lo = bound; break;
    case IR_EQ: lo = hi = bound; break;
    default: return;
    }
    saved[*nsaved] = (saved_range){v, B->lo[v], B->hi[v]};
    (*nsaved)++;
    B->gen++;
    B->lo[v] = lo;
    B->hi[v] = hi;
}

static void restore(bctx *B, saved_range *saved, int nsaved) {
    if (nsaved > 0) B->gen++;
    while (nsaved-- > 0) {
        B->lo[saved[nsaved].var] = saved[nsaved].lo;
        B->hi[saved[nsaved].var] = saved[nsaved].hi;
    }
}

/* Rewrites a read's indices to min(max(i, 0), extent - 1). A tensor with an
 * empty dimension has nothing to clamp to: the select must be lazy then. */
static void clamp_load(bctx *B, lp_id id, const lp_node *n) {
    lp_program *p = B->p;
    const lp_buffer *buf = &p->bufs[n->a];
    uint32_t idx[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < n->nlist; d++) {
        int64_t extent = lp_get(p, lp_list(p, buf->shape)[d])->imm.i;
        if (extent <= 0) {
            B->nchecked++; /* forces the enclosing select to be lazy */
            return;
        }
        lp_id ix = lp_list(p, n->list)[d];
        ix = lp_binary(p, IR_MAX, ix, lp_const_int(p, TVM_INT64, 0));
        idx[d] = lp_binary(p, IR_MIN, ix, lp_const_int(p, TVM_INT64, extent - 1));
    }
    uint32_t list = lp_pool_add(p, idx, n->nlist);
    if (p->failed) return;
    p->nodes[id].list = list;
    p->nodes[id].flags |= LP_CLAMPED;
}

/* Note: building condition nodes may move p->nodes, so nodes are read by
 * value here and in eval/walk, never through a pointer kept across a call. */
static void check_load(bctx *B, lp_id id) {
    lp_program *p = B->p;
    const lp_node n = *lp_get(p, id);
    const lp_buffer *buf = &p->bufs[n.a];
    if (buf->kind == LP_BUF_LOCAL) return;
    lp_id cond = 0;
    uint32_t first = UINT32_MAX;
    for (uint32_t d = 0; d < n.nlist; d++) {
        lp_id ix = lp_list(p, n.list)[d];
        ival r = eval(B, ix);
        const lp_node *dn = lp_get(p, lp_list(p, buf->shape)[d]);
        int64_t extent = dn->imm.i;
        if (r.lo >= 0 && r.hi < extent && r.lo <= r.hi) continue;
        if (r.lo > r.hi) continue; /* empty range: the read never happens */
        if (r.exact && !B->conditional) {
            if (B->st == TVM_OK)
                B->st = err_set(TVM_ERR_OUT_OF_BOUNDS,
                                "out-of-bounds read: tensor '%s' dimension %u is read at "
                                "indices [%lld, %lld] but its extent is %lld", buf->name, d,
                                (long long)r.lo, (long long)r.hi, (long long)extent);
            return;
        }
        lp_id ok = lp_binary(p, IR_AND, lp_binary(p, IR_GE, ix, lp_const_int(p, TVM_INT64, 0)),
                             lp_binary(p, IR_LT, ix, lp_const_int(p, TVM_INT64, extent)));
        cond = cond ? lp_binary(p, IR_AND, cond, ok) : ok;
        if (first == UINT32_MAX) first = d;
    }
    if (!cond) {
        if (B->speculative > 0 && !(n.flags & LP_CLAMPED)) clamp_load(B, id, &n);
        return;
    }
    /* in place, so every use of this read is checked */
    if (n.flags & LP_CHECKED) {
        lp_id both = lp_binary(p, IR_AND, n.b, cond);
        p->nodes[id].b = both;
    } else {
        uint32_t check = lp_new_check(p, n.a, first);
        p->nodes[id].flags |= LP_CHECKED;
        p->nodes[id].b = cond;
        p->nodes[id].c = check;
    }
    B->nchecked++;
}

static ival eval_node(bctx *B, lp_id e);

static ival eval(bctx *B, lp_id e) {
    bool memo = e < B->nmemo;
    if (memo && B->memo_gen[e] == B->gen) {
        B->nchecked += B->memo_flags[e] & 1;
        B->ncalls += B->memo_flags[e] >> 1;
        return B->memo[e];
    }
    uint32_t checked = B->nchecked, calls = B->ncalls;
    ival r = eval_node(B, e);
    if (memo) {
        B->memo_gen[e] = B->gen;
        B->memo[e] = r;
        B->memo_flags[e] = (uint8_t)((B->nchecked != checked) | (B->ncalls != calls) << 1);
    }
    return r;
}

static ival eval_node(bctx *B, lp_id e) {
    lp_program *p = B->p;
    const lp_node n = *lp_get(p, e);
    switch (n.kind) {
    case LP_CONST:
        if (n.dtype == TVM_INT64 || dtype_is_int(n.dtype) || n.dtype == TVM_BOOL)
            return (ival){n.imm.i, n.imm.i, true, 0};
        return unknown(n.dtype);
    case LP_VAR: {
        uint32_t v = n.a;
        if (p->vars[v].kind != LP_VAR_LOOP) return unknown(TVM_INT64);
        return (ival){B->lo[v], B->hi[v], true, 1ull << (v % 64)};
    }
    case LP_LOAD:
        for (uint32_t d = 0; d < n.nlist; d++) eval(B, lp_list(p, n.list)[d]);
        check_load(B, e);
        return unknown(n.dtype);
    case LP_BINARY: return eval_binary(B, n);
    case LP_UNARY: eval(B, n.a); return unknown(n.dtype);
    case LP_CALL: /* opaque; its arguments may read tensors */
        for (uint32_t k = 0; k < n.nlist; k++) eval(B, lp_list(p, n.list)[k]);
        B->ncalls++;
        return unknown(n.dtype);
    case LP_CAST: {
        ival a = eval(B, n.a);
        int from = lp_get(p, n.a)->dtype;
        if (n.dtype == TVM_INT64 && (dtype_is_int(from) || from == TVM_BOOL)) return a;
        return unknown(n.dtype);
    }
    case LP_SELECT: {
        eval(B, n.a);
        uint32_t before = B->nchecked, calls_before = B->ncalls;
        saved_range saved[16];
        int nsaved = 0;
        B->conditional++;
        refine(B, n.a, true, saved, &nsaved, 16);
        B->speculative += nsaved > 0;
        ival a = eval(B, n.b);
        B->speculative -= nsaved > 0;
        restore(B, saved, nsaved);
        nsaved = 0;
        refine(B, n.a, false, saved, &nsaved, 16);
        B->speculative += nsaved > 0;
        ival b = eval(B, n.c);
        B->speculative -= nsaved > 0;
        restore(B, saved, nsaved);
        B->conditional--;
        /* a host function may be defined only where its guard holds (a table
         * lookup), so it is never called for the side not chosen */
        if (B->nchecked != before || B->ncalls != calls_before) p->nodes[e].flags |= LP_LAZY;
        return (ival){a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi, false,
                      a.vars | b.vars};
    }
    default: return unknown(TVM_INT64);
    }
}

static void walk(bctx *B, lp_id s) {
    lp_program *p = B->p;
    const lp_node n = *lp_get(p, s);
    switch (n.kind) {
    case LP_SEQ:
        for (uint32_t i = 0; i < n.nlist && B->st == TVM_OK; i++) walk(B, lp_list(p, n.list)[i]);
        break;
    case LP_FOR: {
        const lp_node *ext = lp_get(p, n.b);
        uint32_t v = n.a;
        if (ext->kind != LP_CONST) {
            if (B->st == TVM_OK)
                B->st = err_set(TVM_ERR_INTERNAL, "bounds: loop '%s' has no constant extent",
                                p->vars[v].name);
            return;
        }
        if (ext->imm.i <= 0) return; /* never runs */
        B->gen++;
        B->lo[v] = 0;
        B->hi[v] = ext->imm.i - 1;
        walk(B, n.c);
        break;
    }
    case LP_STORE:
        for (uint32_t i = 0; i < n.nlist; i++) eval(B, lp_list(p, n.list)[i]);
        eval(B, n.b);
        break;
    case LP_ACCUM: eval(B, n.b); break;
    case LP_IF: {
        eval(B, n.a);
        saved_range saved[16];
        int nsaved = 0;
        B->conditional++;
        refine(B, n.a, true, saved, &nsaved, 16);
        walk(B, n.b);
        restore(B, saved, nsaved);
        nsaved = 0;
        refine(B, n.a, false, saved, &nsaved, 16);
        if (n.c) walk(B, n.c);
        restore(B, saved, nsaved);
        B->conditional--;
        break;
    }
    default: break;
    }
}

tvm_status pass_bounds(pass_ctx *pc) {
    lp_program *p = pc->p;
    bctx B = {.p = p, .gen = 1, .nmemo = p->nnodes};
    B.lo = calloc(p->nvars, sizeof *B.lo);
    B.hi = calloc(p->nvars, sizeof *B.hi);
    B.memo_gen = calloc(B.nmemo, sizeof *B.memo_gen);
    B.memo = malloc(B.nmemo * sizeof *B.memo);
    B.memo_flags = malloc(B.nmemo);
    if (B.lo && B.hi && B.memo_gen && B.memo && B.memo_flags) walk(&B, p->body);
    else B.st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    free(B.lo);
    free(B.hi);
    free(B.memo_gen);
    free(B.memo);
    free(B.memo_flags);
    return B.st;
}
