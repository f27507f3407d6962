/* apply_schedule — needs: the loop program lowering just made (one perfect
 * loop nest per stored stage, named by the graph variables of its compute,
 * before simplify folds anything) and schedule_stages' decisions. Keeps:
 * every stored value; rebuilds the nest of each stage the user scheduled
 * (tvm_compile_options.schedule) with its leaf loops in the schedule's order.
 *
 * Each root axis becomes an expression of the leaf loops (split: outer *
 * factor + inner; fuse: fused / extent(inner), fused % extent(inner)) that
 * replaces its variable in the stage's statements. A split whose factor does
 * not divide a known constant extent is guarded: the innermost statements
 * run under `if (outer * factor + inner < extent)`, so the extra iterations
 * of the last block do nothing.
 *
 * A stage with one reduction lowers to `acc = init; for r...: acc += v;
 * out[..] = f(acc)` inside its spatial loops. Without cache_write, every
 * reduction loop must stay inside every spatial loop, and the accumulator
 * stays the scalar it was. With cache_write at leaf c, the spatial loops
 * inside c form a block of local accumulators (constant extents):
 *
 *   for leaves .. c:
 *     for block loops: blk[b] = init
 *     for leaves after c (user order): if (guards) blk[b] = blk[b] + v
 *     for block loops: if (spatial guards) out[..] = f(blk[b])
 *
 * which is what lets a reduction loop run outside spatial loops. The block
 * is combined with the reduction's own operator, so each element still sums
 * its terms in the order its reduction loops run.
 *
 * compute_at: the producer's nest (stored by schedule_stages) moves inside
 * the consumer's loop: it computes the box of the producer the loops inside
 * that loop read (an interval per dimension from the affine read indices,
 * clipped to the producer's shape) into a local buffer the reads then use. */
#include <stdio.h>
#include <stdlib.h>

#include "../schedule.h"
#include "passes.h"

#define MAX_BLOCK_ELEMS 16384
#define MAX_AT_ELEMS 65536
#define MAX_BODY 64

typedef struct actx {
    pass_ctx *pc;
    lp_program *p;
    const tvm_schedule *s;
    const tvm_graph *g;
    lp_id *ext;        /* per axis: its extent expression */
    int64_t *cext;     /* ... its constant value, or -1 */
    uint32_t *origvar; /* per root axis: the lowered loop's variable */
    uint32_t *var;     /* per leaf axis: the loop variable of the section built */
    lp_id *vmap;       /* per program variable: its replacement (0: itself) */
    uint32_t nvmap;
    lp_id *memo;       /* substitution memo, valid while memo_tag == tag */
    uint32_t *memo_tag, nmemo, tag;
    uint32_t acc, blk; /* the stage's accumulator and its block (out section) */
    lp_id bidx[SCHED_MAX_LEAVES];
    uint32_t nb;
    /* compute_at of a producer into the stage being built */
    uint32_t at_buf, at_local;   /* the producer's buffer -> its local box */
    int64_t at_lo[TVM_MAX_NDIM]; /* box start: outer part + at_lo (per dim) */
    uint32_t at_ndim;
    int at_pos;                  /* leaf position whose body computes the box */
    lp_id at_stmt;               /* that computation */
    uint32_t inner_vars[4 * SCHED_MAX_LEAVES]; /* loop variables inside at_pos */
    uint32_t ninner;
    lp_id at_store_idx[TVM_MAX_NDIM]; /* producer stores: the box indices */
    bool at_storing;
    /* the extents of the loops built, for folding (o * f + i) / f into o */
    uint32_t ev_var[8 * SCHED_MAX_LEAVES];
    int64_t ev_ext[8 * SCHED_MAX_LEAVES];
    uint32_t nev;
    tvm_status st;
} actx;

static bool fail(actx *A, tvm_status st, const char *fmt, const char *a, const char *b,
                 const char *c) {
    if (A->st == TVM_OK) {
        char msg[320];
        snprintf(msg, sizeof msg, fmt, a, b, c);
        A->st = err_set(st, "tvm_compile: schedule: %s", msg);
    }
    return false;
}

static const char *tname(const actx *A, uint32_t t) {
    return graph_string(A->g, A->g->tensors[t].name);
}

static lp_id i64(actx *A, int64_t v) { return lp_const_int(A->p, TVM_INT64, v); }

/* The value of a constant int64 expression, or -1. */
static int64_t const_value(const lp_program *p, lp_id e, int depth) {
    const lp_node *n = lp_get(p, e);
    if (depth > 32) return -1;
    if (n->kind == LP_CONST && !dtype_is_float(n->dtype)) return n->imm.i;
    if (n->kind == LP_CAST) return const_value(p, n->a, depth + 1);
    if (n->kind == LP_BINARY) {
        int64_t a = const_value(p, n->a, depth + 1), b = const_value(p, n->b, depth + 1), r;
        if (a < 0 || b < 0) return -1;
        switch (n->op) {
        case IR_ADD: return __builtin_add_overflow(a, b, &r) ? -1 : r;
        case IR_MUL: return __builtin_mul_overflow(a, b, &r) ? -1 : r;
        case IR_SUB: return a - b;
        case IR_DIV: case IR_FLOORDIV: return b ? a / b : -1;
        default: return -1;
        }
    }
    return -1;
}

/* ---- affine index forms (compute_at) -------------------------------------------------- */

#define MAX_TERMS 16
typedef struct affine {
    uint32_t var[MAX_TERMS];
    int64_t coef[MAX_TERMS];
    uint32_t n;
    int64_t c;
    bool ok;
} affine;

static void aff_term(affine *f, uint32_t v, int64_t coef) {
    for (uint32_t k = 0; k < f->n; k++)
        if (f->var[k] == v) {
            if (__builtin_add_overflow(f->coef[k], coef, &f->coef[k])) f->ok = false;
            return;
        }
    if (f->n == MAX_TERMS) {
        f->ok = false;
        return;
    }
    f->var[f->n] = v;
    f->coef[f->n++] = coef;
}

/* f += scale * e for an int64 expression of loop variables, +, -, * const. */
static void aff_add(const lp_program *p, lp_id e, int64_t scale, affine *f, int depth) {
    const lp_node *n = lp_get(p, e);
    if (!f->ok || depth > 64) {
        f->ok = false;
        return;
    }
    int64_t t;
    if (n->kind == LP_CONST && !dtype_is_float(n->dtype)) {
        if (__builtin_mul_overflow(scale, n->imm.i, &t) || __builtin_add_overflow(f->c, t, &f->c))
            f->ok = false;
    } else if (n->kind == LP_VAR) {
        aff_term(f, n->a, scale);
    } else if (n->kind == LP_CAST && !dtype_is_float(lp_get(p, n->a)->dtype)) {
        aff_add(p, n->a, scale, f, depth + 1);
    } else if (n->kind == LP_BINARY && (n->op == IR_ADD || n->op == IR_SUB)) {
        aff_add(p, n->a, scale, f, depth + 1);
        aff_add(p, n->b, n->op == IR_SUB ? -scale : scale, f, depth + 1);
    } else if (n->kind == LP_BINARY && n->op == IR_MUL) {
        int64_t a = const_value(p, n->a, 0), b = const_value(p, n->b, 0);
        if (b >= 0 && !__builtin_mul_overflow(scale, b, &t)) aff_add(p, n->a, t, f, depth + 1);
        else if (a >= 0 && !__builtin_mul_overflow(scale, a, &t)) aff_add(p, n->b, t, f, depth + 1);
        else f->ok = false;
    } else {
        f->ok = false;
    }
}

static bool is_inner(const actx *A, uint32_t v) {
    for (uint32_t k = 0; k < A->ninner; k++)
        if (A->inner_vars[k] == v) return true;
    return false;
}

/* The box index of a producer read at (substituted) index e in dim d: the
 * terms of the loops inside the attach point, plus the constant, minus the
 * box start's constant. */
static lp_id box_index(actx *A, lp_id e, uint32_t d) {
    affine f = {.ok = true};
    aff_add(A->p, e, 1, &f, 0);
    if (!f.ok) return 0;
    lp_id r = lp_const_int(A->p, TVM_INT64, f.c - A->at_lo[d]);
    for (uint32_t k = 0; k < f.n; k++)
        if (f.coef[k] && is_inner(A, f.var[k]))
            r = lp_binary(A->p, IR_ADD, r, lp_binary(A->p, IR_MUL, lp_var_ref(A->p, f.var[k]),
                                                    lp_const_int(A->p, TVM_INT64, f.coef[k])));
    return r;
}

static void note_extent(actx *A, uint32_t var, int64_t ext) {
    if (ext >= 1 && A->nev < sizeof A->ev_var / sizeof *A->ev_var) {
        A->ev_var[A->nev] = var;
        A->ev_ext[A->nev++] = ext;
    }
}

/* a / d or a % d (d > 0 constant) when a = d * q + r with r provably in
 * [0, d) over the loops: q or r, else 0. Makes a read of packed panels
 * through a loop split by the panel width index the panel directly. */
static lp_id fold_divmod(actx *A, int op, lp_id a, int64_t d) {
    affine f = {.ok = true};
    aff_add(A->p, a, 1, &f, 0);
    if (!f.ok || d <= 0) return 0;
    bool floor_op = op == IR_FLOORDIV || op == IR_FLOORMOD;
    bool div = op == IR_DIV || op == IR_FLOORDIV;
    int64_t qc = f.c / d - (f.c % d < 0), rc = f.c - qc * d, lo = rc, hi = rc;
    if (!floor_op && qc < 0) return 0;
    lp_id q = i64(A, qc), r = i64(A, rc);
    for (uint32_t t = 0; t < f.n; t++) {
        int64_t cf = f.coef[t];
        if (!cf) continue;
        lp_id v = lp_var_ref(A->p, f.var[t]);
        if (cf % d == 0) {
            if (!floor_op && cf < 0) return 0;
            q = lp_binary(A->p, IR_ADD, q, lp_binary(A->p, IR_MUL, v, i64(A, cf / d)));
            continue;
        }
        int64_t ext = -1;
        for (uint32_t k = 0; k < A->nev; k++)
            if (A->ev_var[k] == f.var[t]) ext = A->ev_ext[k];
        if (ext < 1) return 0;
        int64_t span;
        if (__builtin_mul_overflow(cf, ext - 1, &span) ||
            __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
            return 0;
        r = lp_binary(A->p, IR_ADD, r, lp_binary(A->p, IR_MUL, v, i64(A, cf)));
    }
    if (lo < 0 || hi >= d) return 0;
    return div ? q : r;
}

/* ---- substitution ------------------------------------------------------------------- */

static lp_id subst(actx *A, lp_id e) {
    if (!e || A->st != TVM_OK) return e;
    if (e < A->nmemo && A->memo_tag[e] == A->tag) return A->memo[e];
    lp_program *p = A->p;
    lp_node n = p->nodes[e];
    lp_id r = e;
    if (n.kind == LP_CONST) return e;
    if (n.kind == LP_VAR) {
        r = n.a < A->nvmap && A->vmap[n.a] ? A->vmap[n.a] : e;
    } else if (n.kind == LP_LOAD && A->blk && n.a == A->acc) {
        r = lp_load(p, A->blk, A->bidx, A->nb);
    } else {
        lp_node m = n;
        bool a_is_id = n.kind == LP_LOAD || n.kind == LP_STORE || n.kind == LP_ACCUM ||
                       n.kind == LP_FOR || n.kind == LP_CALL;
        if (!a_is_id) m.a = subst(A, n.a);
        m.b = subst(A, n.b);
        m.c = subst(A, n.c);
        uint32_t items[LP_CALL_MAX_ARGS > TVM_MAX_NDIM ? LP_CALL_MAX_ARGS : TVM_MAX_NDIM];
        uint32_t *list = items, *heap = NULL;
        if (n.nlist > sizeof items / sizeof *items) {
            heap = malloc(n.nlist * sizeof *heap);
            if (!heap) return fail(A, TVM_ERR_OUT_OF_MEMORY, "out of memory%s%s%s", "", "", ""), 0;
            list = heap;
        }
        bool same = m.a == n.a && m.b == n.b && m.c == n.c;
        for (uint32_t k = 0; k < n.nlist; k++) {
            list[k] = subst(A, p->pool[n.list + k]);
            same &= list[k] == p->pool[n.list + k];
        }
        /* compute_at: the consumer reads, and the producer writes, the box */
        if (n.kind == LP_LOAD && A->at_local && n.a == A->at_buf) {
            for (uint32_t k = 0; k < n.nlist && k < A->at_ndim; k++)
                if (!(list[k] = box_index(A, list[k], k)))
                    return fail(A, TVM_ERR_INTERNAL, "compute_at: a read is not affine%s%s%s",
                                "", "", ""), 0;
            m.a = A->at_local;
            same = false;
        }
        if (n.kind == LP_STORE && A->at_storing && n.a == A->at_buf) {
            for (uint32_t k = 0; k < n.nlist && k < A->at_ndim; k++) list[k] = A->at_store_idx[k];
            m.a = A->at_local;
            same = false;
        }
        lp_id folded = 0;
        if (n.kind == LP_BINARY && (n.op == IR_DIV || n.op == IR_FLOORDIV || n.op == IR_MOD ||
                                    n.op == IR_FLOORMOD) && !dtype_is_float(n.dtype))
            folded = fold_divmod(A, n.op, m.a, const_value(p, m.b, 0));
        if (folded) {
            r = n.dtype == TVM_INT64 ? folded : lp_cast(p, n.dtype, folded);
        } else if (!same) {
            if (n.nlist) m.list = lp_pool_add(p, list, n.nlist);
            r = lp_add(p, &m);
        }
        free(heap);
    }
    if (e < A->nmemo) {
        A->memo[e] = r;
        A->memo_tag[e] = A->tag;
    }
    return r;
}

/* ---- the lowered nest of a stage ----------------------------------------------------- */

/* The one statement inside nested single-statement sequences. */
static lp_id only_stmt(const lp_program *p, lp_id s) {
    while (s && lp_get(p, s)->kind == LP_SEQ && lp_get(p, s)->nlist == 1)
        s = lp_list(p, lp_get(p, s)->list)[0];
    return s;
}

static bool flatten_stmts(const lp_program *p, lp_id s, lp_id *out, uint32_t *n) {
    const lp_node *x = lp_get(p, s);
    if (x->kind == LP_SEQ) {
        for (uint32_t k = 0; k < x->nlist; k++)
            if (!flatten_stmts(p, lp_list(p, x->list)[k], out, n)) return false;
        return true;
    }
    if (*n >= MAX_BODY) return false;
    out[(*n)++] = s;
    return true;
}

typedef struct nest {
    lp_id body[MAX_BODY]; /* statements inside the spatial loops */
    uint32_t nbody;
    int red_at;           /* index in body of the reduction's loop nest (-1: none) */
    lp_id init;           /* acc = init (value) */
    lp_id accum;          /* the LP_ACCUM statement */
    uint32_t acc;
} nest;

/* Matches the stage's nest; fills origvar/ext of its root axes. */
static bool match_stage(actx *A, int k, lp_id kernel, nest *N) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    const gt_node *tn = &A->g->tensors[sched_stage_tensor(st)];
    lp_program *p = A->p;
    const char *nm = tname(A, st->tensor);
    lp_id cur = kernel;
    uint32_t loopvar[TVM_MAX_NDIM];
    lp_id loopext[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < tn->ndim; d++) {
        lp_id l = only_stmt(p, cur);
        const lp_node *x = lp_get(p, l);
        if (x->kind != LP_FOR || p->vars[x->a].graph_var != A->g->pool[tn->iters + d])
            return fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its loop nest holds work between "
                        "its loops (a producer fused as rows or a hoisted reduction)%s%s", nm,
                        "", "");
        loopvar[d] = x->a;
        loopext[d] = x->b;
        cur = x->c;
    }
    *N = (nest){.red_at = -1};
    if (!flatten_stmts(p, cur, N->body, &N->nbody))
        return fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its loop body is too large to "
                    "schedule%s%s", nm, "", "");
    uint32_t rvar[SCHED_MAX_LEAVES];
    lp_id rext[SCHED_MAX_LEAVES];
    if (st->nreduce) {
        uint32_t first = 0;
        for (uint32_t a = 1; a < s->naxes && !first; a++)
            if (s->axes[a].stage == (uint32_t)k && s->axes[a].kind == SA_ROOT &&
                s->axes[a].reduce)
                first = a;
        for (uint32_t b = 1; b < N->nbody && N->red_at < 0; b++) {
            const lp_node *x = lp_get(p, N->body[b]);
            if (x->kind == LP_FOR && p->vars[x->a].graph_var == s->axes[first].gvar)
                N->red_at = (int)b;
        }
        bool ok = N->red_at >= 1;
        const lp_node *init = ok ? lp_get(p, N->body[N->red_at - 1]) : NULL;
        ok = ok && init->kind == LP_STORE && init->nlist == 0 &&
             p->bufs[init->a].kind == LP_BUF_LOCAL;
        lp_id l = ok ? N->body[N->red_at] : 0;
        uint32_t r = 0;
        for (uint32_t a = first; ok && a < s->naxes; a++) {
            if (s->axes[a].stage != (uint32_t)k || s->axes[a].kind != SA_ROOT ||
                !s->axes[a].reduce)
                continue;
            const lp_node *x = lp_get(p, only_stmt(p, l));
            ok = x->kind == LP_FOR && p->vars[x->a].graph_var == s->axes[a].gvar;
            if (!ok) break;
            rvar[r] = x->a;
            rext[r++] = x->b;
            l = x->c;
        }
        const lp_node *acc = ok ? lp_get(p, only_stmt(p, l)) : NULL;
        ok = ok && acc->kind == LP_ACCUM && acc->a == init->a;
        if (!ok || N->red_at != 1)
            return fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its reduction is not the plain "
                        "accumulation loop nest a schedule can reorder%s%s", nm, "", "");
        N->init = init->b;
        N->accum = only_stmt(p, l);
        N->acc = init->a;
    }
    uint32_t d = 0, r = 0;
    for (uint32_t a = 1; a < s->naxes; a++) {
        if (s->axes[a].stage != (uint32_t)k || s->axes[a].kind != SA_ROOT) continue;
        if (s->axes[a].reduce) {
            A->origvar[a] = rvar[r];
            A->ext[a] = rext[r++];
        } else {
            A->origvar[a] = loopvar[d];
            A->ext[a] = loopext[d++];
        }
    }
    return true;
}

/* Extents of the derived axes (created after their sources). */
static void derive_extents(actx *A, int k) {
    const tvm_schedule *s = A->s;
    lp_program *p = A->p;
    for (uint32_t a = 1; a < s->naxes; a++) {
        const sch_axis *x = &s->axes[a];
        if (x->stage != (uint32_t)k) continue;
        if (x->kind == SA_OUTER) {
            lp_id f = i64(A, x->factor);
            A->ext[a] = lp_binary(p, IR_DIV, lp_binary(p, IR_ADD, A->ext[x->src],
                                                       i64(A, x->factor - 1)), f);
        } else if (x->kind == SA_INNER) {
            A->ext[a] = i64(A, x->factor);
        } else if (x->kind == SA_FUSED) {
            A->ext[a] = lp_binary(p, IR_MUL, A->ext[x->src], A->ext[x->src2]);
        }
        A->cext[a] = const_value(p, A->ext[a], 0);
    }
}

/* The value of axis a in terms of the current section's leaf variables. */
static lp_id axis_value(actx *A, uint32_t a, int depth) {
    const sch_axis *x = &A->s->axes[a];
    lp_program *p = A->p;
    if (depth > 2 * SCHED_MAX_LEAVES) return 0;
    if (x->leaf) return lp_var_ref(p, A->var[a]);
    if (x->fused) {
        const sch_axis *f = &A->s->axes[x->fused];
        lp_id fv = axis_value(A, x->fused, depth + 1);
        return lp_binary(p, a == f->src ? IR_DIV : IR_MOD, fv, A->ext[f->src2]);
    }
    lp_id o = axis_value(A, x->outer, depth + 1), i = axis_value(A, x->inner, depth + 1);
    return lp_binary(p, IR_ADD, lp_binary(p, IR_MUL, o, i64(A, A->s->axes[x->outer].factor)), i);
}

/* The guard of the stage's non-dividing splits (spatial ones, and the
 * reduction ones when `reduce`); 0 when none is needed. */
static lp_id guards(actx *A, int k, bool reduce) {
    const tvm_schedule *s = A->s;
    lp_program *p = A->p;
    lp_id cond = 0;
    for (uint32_t a = 1; a < s->naxes; a++) {
        const sch_axis *x = &s->axes[a];
        if (x->stage != (uint32_t)k || x->leaf || x->fused || (x->reduce && !reduce)) continue;
        int64_t f = s->axes[x->outer].factor;
        if (A->cext[a] >= 0 && A->cext[a] % f == 0) continue;
        lp_id c = lp_binary(p, IR_LT, axis_value(A, a, 0), A->ext[a]);
        cond = cond ? lp_binary(p, IR_AND, cond, c) : c;
    }
    return cond;
}

/* Points the root axes' variables at their values in the current section. */
static void bind_roots(actx *A, int k) {
    const tvm_schedule *s = A->s;
    for (uint32_t a = 1; a < s->naxes; a++)
        if (s->axes[a].stage == (uint32_t)k && s->axes[a].kind == SA_ROOT)
            A->vmap[A->origvar[a]] = axis_value(A, a, 0);
    A->tag++;
}

static uint32_t leaf_var(actx *A, uint32_t a) {
    const sch_axis *x = &A->s->axes[a];
    return lp_new_var(A->p, x->name, LP_VAR_LOOP, x->kind == SA_ROOT ? x->gvar : 0);
}

static int loop_kind(const sch_axis *x) {
    switch (x->ann) {
    case SA_ANN_VECTORIZE: return LP_VECTORIZED;
    case SA_ANN_UNROLL: return LP_UNROLLED;
    case SA_ANN_PARALLEL: return LP_PARALLEL;
    default: return LP_SERIAL;
    }
}

/* Wraps body in the leaves at positions [from, to) of stage k. */
static lp_id wrap(actx *A, const sch_stage *st, uint32_t from, uint32_t to, lp_id body) {
    for (uint32_t q = to; q-- > from;) {
        uint32_t a = st->leaves[q];
        if (A->at_stmt && (int)q == A->at_pos) {
            lp_id both[2] = {A->at_stmt, body};
            body = lp_seq(A->p, both, 2);
        }
        body = lp_for(A->p, A->var[a], A->ext[a], loop_kind(&A->s->axes[a]), body);
        if (body) A->p->nodes[body].flags |= LP_SCHEDULED;
        if (body && A->s->axes[a].ann == SA_ANN_PARALLEL) A->p->nodes[body].imm.i = 1;
    }
    return body;
}

static lp_id guarded(actx *A, lp_id cond, lp_id s) { return cond ? lp_if(A->p, cond, s, 0) : s; }

static int combine_op(int reduce_kind) {
    switch (reduce_kind) {
    case TVM_REDUCE_SUM: return IR_ADD;
    case TVM_REDUCE_PROD: return IR_MUL;
    case TVM_REDUCE_MIN: return IR_MIN;
    case TVM_REDUCE_MAX: return IR_MAX;
    default: return 0;
    }
}

/* The checks that need the final loop order (tvmc.h, "Errors"). */
static bool check_order(actx *A, int k, int c) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    const char *nm = tname(A, st->tensor);
    int64_t block = 1;
    uint32_t block_loops = 0;
    for (uint32_t q = 0; q < st->nleaves; q++) {
        const sch_axis *x = &s->axes[st->leaves[q]];
        if (x->ann == SA_ANN_PARALLEL && x->reduce)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "parallel: axis '%s' of stage '%s' is a "
                        "reduction axis; a reduction is not split across threads%s", x->name,
                        nm, "");
        if (x->ann == SA_ANN_PARALLEL && q != 0)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "parallel: axis '%s' of stage '%s' is not "
                        "its outermost loop ('%s' is)", x->name, nm,
                        s->axes[st->leaves[0]].name);
        if (x->ann == SA_ANN_VECTORIZE && x->reduce)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "vectorize: axis '%s' of stage '%s' is a "
                        "reduction loop; it carries the accumulation%s", x->name, nm, "");
        if (x->ann == SA_ANN_VECTORIZE && q + 1 != st->nleaves)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "vectorize: axis '%s' of stage '%s' is not "
                        "its innermost loop ('%s' runs inside it; accumulate a block with "
                        "cache_write to put the reduction outside)", x->name, nm,
                        s->axes[st->leaves[st->nleaves - 1]].name);
        if (x->reduce && (int)q <= c) {
            const sch_axis *y = &s->axes[st->leaves[c]];
            if (st->cache_axis)
                return fail(A, TVM_ERR_INVALID_ARGUMENT, "reduction loop '%s' of stage '%s' "
                            "runs outside its cache_write loop '%s'", x->name, nm, y->name);
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "reduction loop '%s' of stage '%s' runs "
                        "outside spatial loop '%s'; use tvm_sched_cache_write at a spatial "
                        "loop outside it", x->name, nm, y->name);
        }
        if (st->cache_axis && (int)q > c && !x->reduce && ++block_loops > TVM_MAX_NDIM)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: the block of stage '%s' "
                        "inside loop '%s' spans more spatial loops than a buffer has "
                        "dimensions (TVM_MAX_NDIM)%s", nm, s->axes[st->cache_axis].name, "");
        if (st->cache_axis && (int)q > c && !x->reduce) {
            if (A->cext[st->leaves[q]] < 1)
                return fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: loop '%s' of stage '%s' "
                            "inside the block has no constant extent (split it)%s", x->name,
                            nm, "");
            if (A->cext[st->leaves[q]] > MAX_BLOCK_ELEMS ||
                (block *= A->cext[st->leaves[q]]) > MAX_BLOCK_ELEMS)
                return fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: the block of stage '%s' "
                            "inside loop '%s' has more than 16384 elements%s", nm,
                            s->axes[st->cache_axis].name, "");
        }
    }
    return true;
}

static int kernel_index(const pass_ctx *pc, uint32_t t);

/* Collects the loads of buffer buf under statement/expression e. */
static void find_loads(const lp_program *p, lp_id e, uint32_t buf, lp_id *out, uint32_t *n,
                       uint32_t max, int depth) {
    if (!e || depth > 2000) return;
    const lp_node *x = lp_get(p, e);
    if (x->kind == LP_CONST || x->kind == LP_VAR) return;
    if (x->kind == LP_LOAD && x->a == buf) {
        for (uint32_t k = 0; k < *n; k++)
            if (out[k] == e) return;
        if (*n < max) out[(*n)++] = e;
        else out[max - 1] = 0; /* too many: the caller refuses */
        return;
    }
    bool a_is_id = x->kind == LP_LOAD || x->kind == LP_STORE || x->kind == LP_ACCUM ||
                   x->kind == LP_FOR || x->kind == LP_CALL;
    if (!a_is_id) find_loads(p, x->a, buf, out, n, max, depth + 1);
    find_loads(p, x->b, buf, out, n, max, depth + 1);
    find_loads(p, x->c, buf, out, n, max, depth + 1);
    for (uint32_t k = 0; k < x->nlist; k++)
        find_loads(p, lp_list(p, x->list)[k], buf, out, n, max, depth + 1);
}

/* compute_at: if a producer is computed at a loop of stage k, builds the
 * computation of the box of it that the loops inside that loop read (into
 * a local buffer) as A->at_stmt, for wrap to put at the top of that loop's
 * body, and removes the producer's own kernel. */
static bool setup_attach(actx *A, int k, const nest *N, int c, lp_id *kernels) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    lp_program *p = A->p;
    int prod = -1;
    for (uint32_t q = 0; q < s->nstages; q++)
        if (s->stages[q].attach_stage == (uint32_t)k + 1 &&
            A->pc->live[sched_stage_tensor(&s->stages[q])] &&
            !A->pc->folded[sched_stage_tensor(&s->stages[q])]) {
            if (prod >= 0)
                return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: stage '%s' has producers '%s' "
                            "and '%s' computed inside it; one is supported",
                            tname(A, st->tensor), tname(A, s->stages[prod].tensor),
                            tname(A, s->stages[q].tensor));
            prod = (int)q;
        }
    if (prod < 0) return true;
    const sch_stage *sp = &s->stages[prod];
    const char *cn = tname(A, st->tensor), *pn = tname(A, sp->tensor);
    const char *an = s->axes[sp->attach_axis].name;
    if (sp->scheduled)
        return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: producer '%s' has loop primitives of "
                    "its own; a producer computed at '%s' keeps its plain loops%s", pn, cn, "");
    int q = -1;
    for (uint32_t pos = 0; pos < st->nleaves; pos++)
        if (st->leaves[pos] == sp->attach_axis) q = (int)pos;
    if (q < 0)
        return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' is no longer a loop of "
                    "consumer '%s' (it was split or fused afterwards)%s", an, cn, "");
    if (s->axes[sp->attach_axis].ann == SA_ANN_VECTORIZE)
        return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' of consumer '%s' is "
                    "vectorized; its iterations would share the box of '%s'", an, cn, pn);
    if (N->red_at >= 0 && q > c)
        return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' of consumer '%s' runs "
                    "inside its reduction; compute '%s' at a spatial loop outside it", an, cn, pn);
    A->at_pos = q;
    A->ninner = 0;
    for (uint32_t pos = (uint32_t)q + 1; pos < st->nleaves; pos++)
        A->inner_vars[A->ninner++] = A->var[st->leaves[pos]];
    /* the producer's plain nest and its buffer */
    int kp = kernel_index(A->pc, sched_stage_tensor(sp));
    const gt_node *pt = &A->g->tensors[sched_stage_tensor(sp)];
    lp_id cur = kp >= 0 ? kernels[kp] : 0;
    uint32_t pvar[TVM_MAX_NDIM];
    for (uint32_t d = 0; cur && d < pt->ndim; d++) {
        const lp_node *x = lp_get(p, only_stmt(p, cur));
        if (x->kind != LP_FOR || p->vars[x->a].graph_var != A->g->pool[pt->iters + d]) cur = 0;
        else {
            pvar[d] = x->a;
            cur = x->c;
        }
    }
    lp_id pbody[MAX_BODY];
    uint32_t npb = 0, pbuf = 0;
    if (cur && flatten_stmts(p, cur, pbody, &npb))
        for (uint32_t b = 0; b < npb; b++) {
            const lp_node *x = lp_get(p, pbody[b]);
            if (x->kind == LP_STORE && p->bufs[x->a].kind == LP_BUF_WORKSPACE &&
                x->nlist == pt->ndim)
                pbuf = x->a;
        }
    if (!pbuf)
        return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: producer '%s' is not a plain loop nest "
                    "storing one tensor%s%s", pn, "", "");
    /* the box: per dimension, the reads' outer part (equal for every read)
     * plus [lo, hi] over the loops inside the attach point */
    lp_id loads[64];
    uint32_t nl = 0;
    for (uint32_t b = 0; b < N->nbody; b++) find_loads(p, N->body[b], pbuf, loads, &nl, 64, 0);
    if (nl == 0 || !loads[nl - 1])
        return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: consumer '%s' reads producer '%s' in "
                    "no (or too many) places%s", cn, pn, "");
    affine outer[TVM_MAX_NDIM];
    int64_t lo[TVM_MAX_NDIM], hi[TVM_MAX_NDIM], elems = 1;
    for (uint32_t l = 0; l < nl; l++) {
        const lp_node *ld = lp_get(p, loads[l]);
        for (uint32_t d = 0; d < ld->nlist && d < pt->ndim; d++) {
            affine f = {.ok = true}, o = {.ok = true};
            aff_add(p, subst(A, lp_list(p, ld->list)[d]), 1, &f, 0);
            if (!f.ok)
                return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: a read of '%s' in '%s' is not "
                            "an affine function of the loops (fused loops inside '%s'?)", pn, cn,
                            an);
            int64_t l0 = f.c, h0 = f.c;
            for (uint32_t t = 0; t < f.n; t++) {
                if (!f.coef[t]) continue;
                if (!is_inner(A, f.var[t])) {
                    aff_term(&o, f.var[t], f.coef[t]);
                    continue;
                }
                int64_t ext = -1;
                for (uint32_t pos = (uint32_t)q + 1; pos < st->nleaves; pos++)
                    if (A->var[st->leaves[pos]] == f.var[t]) ext = A->cext[st->leaves[pos]];
                if (ext < 1)
                    return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: a loop inside '%s' "
                                "of '%s' has no constant extent, so the box of '%s' has none",
                                an, cn, pn);
                int64_t span;
                if (__builtin_mul_overflow(f.coef[t], ext - 1, &span) ||
                    __builtin_add_overflow(span < 0 ? l0 : h0, span, span < 0 ? &l0 : &h0))
                    return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: the box of '%s' read "
                                "inside '%s' of '%s' overflows", pn, an, cn);
            }
            if (l == 0) {
                outer[d] = o;
                lo[d] = l0;
                hi[d] = h0;
                continue;
            }
            bool same = o.n == outer[d].n;
            for (uint32_t t = 0; same && t < o.n; t++) {
                bool found = false;
                for (uint32_t u = 0; u < outer[d].n; u++)
                    found |= outer[d].var[u] == o.var[t] && outer[d].coef[u] == o.coef[t];
                same = found;
            }
            if (!same)
                return fail(A, TVM_ERR_UNSUPPORTED, "compute_at: the reads of '%s' in '%s' "
                            "move differently with the loops outside '%s'", pn, cn, an);
            if (l0 < lo[d]) lo[d] = l0;
            if (h0 > hi[d]) hi[d] = h0;
        }
    }
    lp_id shape[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < pt->ndim; d++) {
        if (hi[d] - lo[d] >= MAX_AT_ELEMS || (elems *= hi[d] - lo[d] + 1) > MAX_AT_ELEMS)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: the box of '%s' read inside "
                        "'%s' of '%s' has more than 65536 elements", pn, an, cn);
        shape[d] = i64(A, hi[d] - lo[d] + 1);
        A->at_lo[d] = lo[d];
    }
    char name[64];
    snprintf(name, sizeof name, "%s_local", pn);
    lp_buffer lb = {.name = name, .dtype = p->bufs[pbuf].dtype, .kind = LP_BUF_LOCAL,
                    .ndim = pt->ndim, .arg = -1, .elems = elems};
    A->at_local = lp_new_buffer(p, &lb, shape);
    A->at_buf = pbuf;
    A->at_ndim = pt->ndim;
    /* the producer over the box: p_d = outer_d + lo_d + r_d, where in range */
    uint32_t rv[TVM_MAX_NDIM];
    lp_id cond = 0;
    for (uint32_t d = 0; d < pt->ndim; d++) {
        char vn[64];
        snprintf(vn, sizeof vn, "%s.%s", pn, p->vars[pvar[d]].name);
        rv[d] = lp_new_var(p, vn, LP_VAR_LOOP, 0);
        lp_id pd = lp_binary(p, IR_ADD, lp_var_ref(p, rv[d]), i64(A, lo[d]));
        for (uint32_t t = 0; t < outer[d].n; t++)
            pd = lp_binary(p, IR_ADD, pd, lp_binary(p, IR_MUL, lp_var_ref(p, outer[d].var[t]),
                                                   i64(A, outer[d].coef[t])));
        A->vmap[pvar[d]] = pd;
        A->at_store_idx[d] = lp_var_ref(p, rv[d]);
        lp_id in = lp_binary(p, IR_AND, lp_binary(p, IR_GE, pd, i64(A, 0)),
                             lp_binary(p, IR_LT, pd, lp_list(p, p->bufs[pbuf].shape)[d]));
        cond = cond ? lp_binary(p, IR_AND, cond, in) : in;
    }
    A->tag++;
    A->at_storing = true;
    lp_id body = guarded(A, cond, subst(A, lp_seq(p, pbody, npb)));
    A->at_storing = false;
    for (uint32_t d = 0; d < pt->ndim; d++) A->vmap[pvar[d]] = 0;
    A->tag++;
    for (uint32_t d = pt->ndim; d-- > 0;) {
        body = lp_for(p, rv[d], shape[d], LP_SERIAL, body);
        if (body) p->nodes[body].flags |= LP_SCHEDULED;
    }
    A->at_stmt = body;
    kernels[kp] = lp_seq(p, NULL, 0);
    return A->st == TVM_OK;
}

/* Builds the scheduled nest of stage k from its matched nest. */
static lp_id build_stage(actx *A, int k, const nest *N, lp_id *kernels) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    lp_program *p = A->p;
    uint32_t n = st->nleaves;
    int c = -1; /* the leaf the reduction (and its block) sits inside */
    if (st->cache_axis) {
        for (uint32_t q = 0; q < n; q++)
            if (st->leaves[q] == st->cache_axis) c = (int)q;
        if (c < 0)
            return fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: axis '%s' of stage '%s' is no "
                        "longer a loop (it was split or fused after cache_write)%s",
                        s->axes[st->cache_axis].name, tname(A, st->tensor), ""), 0;
    } else {
        for (uint32_t q = 0; q < n; q++)
            if (!s->axes[st->leaves[q]].reduce) c = (int)q;
    }
    if (!check_order(A, k, N->red_at >= 0 ? c : (int)n - 1)) return 0;
    A->nev = 0;
    for (uint32_t q = 0; q < n; q++) {
        A->var[st->leaves[q]] = leaf_var(A, st->leaves[q]);
        note_extent(A, A->var[st->leaves[q]], A->cext[st->leaves[q]]);
    }
    bind_roots(A, k);
    A->at_stmt = 0;
    A->at_local = 0;
    A->at_pos = -1;
    if (!setup_attach(A, k, N, c, kernels)) return 0;
    if (N->red_at < 0) { /* no reduction to place: every loop around the body */
        lp_id body = subst(A, lp_seq(p, N->body, N->nbody));
        return wrap(A, st, 0, n, guarded(A, guards(A, k, false), body));
    }
    lp_id post = lp_seq(p, N->body + 2, N->nbody - 2);
    const lp_node *acc = lp_get(p, N->accum);
    int acc_op = acc->op;
    lp_id value = acc->b;
    if (!st->cache_axis) {
        lp_id red = subst(A, N->accum);
        red = wrap(A, st, (uint32_t)c + 1, n, guarded(A, guards(A, k, true), red));
        lp_id init = lp_store(p, N->acc, NULL, 0, subst(A, N->init));
        lp_id items[3] = {init, red, subst(A, post)};
        lp_id body = guarded(A, guards(A, k, false), lp_seq(p, items, 3));
        return wrap(A, st, 0, (uint32_t)c + 1, body);
    }
    int op = combine_op(acc_op);
    if (!op)
        return fail(A, TVM_ERR_UNSUPPORTED, "cache_write: stage '%s' reduces with an operator a "
                    "block cannot combine%s%s", tname(A, st->tensor), "", ""), 0;
    /* the block: one accumulator per iteration of the spatial loops inside c */
    lp_id shape[SCHED_MAX_LEAVES];
    uint32_t bl[SCHED_MAX_LEAVES], nb = 0;
    for (uint32_t q = (uint32_t)c + 1; q < n; q++)
        if (!s->axes[st->leaves[q]].reduce) {
            bl[nb] = st->leaves[q];
            shape[nb++] = i64(A, A->cext[st->leaves[q]]);
        }
    bool scalar_block = nb == 0; /* cache_write at the innermost spatial loop */
    if (scalar_block) shape[nb++] = i64(A, 1);
    const lp_buffer *ab = &p->bufs[N->acc];
    char name[64];
    snprintf(name, sizeof name, "%s_block", tname(A, st->tensor));
    lp_buffer bb = {.name = name, .dtype = ab->dtype, .kind = LP_BUF_LOCAL,
                    .ndim = (uint16_t)nb, .arg = -1, .elems = 1};
    for (uint32_t d = 0; d < nb; d++) bb.elems *= lp_get(p, shape[d])->imm.i;
    uint32_t blk = lp_new_buffer(p, &bb, shape);
    /* main: the loops inside c in the user's order */
    lp_id idx[SCHED_MAX_LEAVES];
    uint32_t ni = 0;
    if (scalar_block) idx[ni++] = i64(A, 0);
    for (uint32_t q = (uint32_t)c + 1; q < n; q++)
        if (!s->axes[st->leaves[q]].reduce) idx[ni++] = lp_var_ref(p, A->var[st->leaves[q]]);
    lp_id v = subst(A, value);
    lp_id upd = lp_store(p, blk, idx, ni,
                         lp_binary(p, op, lp_load(p, blk, idx, ni), v));
    lp_id g1 = guards(A, k, false), g2 = guards(A, k, true);
    lp_id main = wrap(A, st, (uint32_t)c + 1, n, guarded(A, g2 ? g2 : g1, upd));
    /* init and write-out: fresh loops over the block */
    lp_id sections[2];
    for (int sec = 0; sec < 2; sec++) {
        for (uint32_t b = 0; b < nb && !scalar_block; b++) {
            A->var[bl[b]] = leaf_var(A, bl[b]);
            note_extent(A, A->var[bl[b]], A->cext[bl[b]]);
            if (A->at_local && A->ninner < sizeof A->inner_vars / sizeof *A->inner_vars)
                A->inner_vars[A->ninner++] = A->var[bl[b]]; /* inside the attach point */
        }
        ni = 0;
        if (scalar_block) idx[ni++] = i64(A, 0);
        for (uint32_t b = 0; b < nb && !scalar_block; b++) idx[ni++] = lp_var_ref(p, A->var[bl[b]]);
        lp_id body;
        if (sec == 0) {
            body = lp_store(p, blk, idx, ni, subst(A, N->init));
        } else {
            bind_roots(A, k);
            A->blk = blk;
            A->acc = N->acc;
            memcpy(A->bidx, idx, ni * sizeof *idx);
            A->nb = ni;
            body = guarded(A, guards(A, k, false), subst(A, post));
            A->blk = 0;
        }
        for (uint32_t b = nb; b-- > 0 && !scalar_block;) {
            const sch_axis *x = &s->axes[bl[b]];
            body = lp_for(p, A->var[bl[b]], A->ext[bl[b]],
                          x->ann == SA_ANN_PARALLEL ? LP_SERIAL : loop_kind(x), body);
            if (body) p->nodes[body].flags |= LP_SCHEDULED;
        }
        sections[sec] = body;
    }
    lp_id items[3] = {sections[0], main, sections[1]};
    return wrap(A, st, 0, (uint32_t)c + 1, lp_seq(p, items, 3));
}

/* Index of stored tensor t's kernel in the program's top-level sequence
 * (lower emits one per stored compute, in tensor order), or -1. */
static int kernel_index(const pass_ctx *pc, uint32_t t) {
    const tvm_graph *g = pc->g;
    int k = 0;
    for (uint32_t u = 1; u < g->ntensors; u++) {
        if (!pc->live[u] || g->tensors[u].kind != GT_COMPUTE || pc->fused[u] || pc->folded[u])
            continue;
        if (u == t) return k;
        k++;
    }
    return -1;
}

tvm_status pass_apply_schedule(pass_ctx *pc) {
    const tvm_schedule *s = pc->schedule;
    lp_program *p = pc->p;
    if (!s || !p->body || lp_get(p, p->body)->kind != LP_SEQ) return TVM_OK;
    actx A = {.pc = pc, .p = p, .s = s, .g = pc->g};
    uint32_t nk = lp_get(p, p->body)->nlist;
    lp_id *kernels = malloc((nk ? nk : 1) * sizeof *kernels);
    A.ext = calloc(s->naxes, sizeof *A.ext);
    A.cext = calloc(s->naxes, sizeof *A.cext);
    A.origvar = calloc(s->naxes, sizeof *A.origvar);
    A.var = calloc(s->naxes, sizeof *A.var);
    if (!kernels || !A.ext || !A.cext || !A.origvar || !A.var) {
        A.st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: schedule: out of memory");
        goto out;
    }
    memcpy(kernels, lp_list(p, lp_get(p, p->body)->list), nk * sizeof *kernels);
    for (uint32_t k = 0; k < s->nstages && A.st == TVM_OK; k++) {
        const sch_stage *st = &s->stages[k];
        if (!st->scheduled || st->inlined) continue;
        int ki = kernel_index(pc, sched_stage_tensor(st));
        if (ki < 0) continue; /* folded at compile time, or not needed */
        if ((uint32_t)ki >= nk) {
            A.st = err_set(TVM_ERR_INTERNAL, "tvm_compile: schedule: stage '%s' has no kernel",
                           tname(&A, st->tensor));
            break;
        }
        /* fresh maps: the program grows with every stage */
        free(A.vmap);
        free(A.memo);
        free(A.memo_tag);
        A.nvmap = p->nvars + 1;
        A.nmemo = p->nnodes;
        A.vmap = calloc(A.nvmap, sizeof *A.vmap);
        A.memo = calloc(A.nmemo, sizeof *A.memo);
        A.memo_tag = calloc(A.nmemo, sizeof *A.memo_tag);
        A.tag = 0;
        if (!A.vmap || !A.memo || !A.memo_tag) {
            A.st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: schedule: out of memory");
            break;
        }
        for (uint32_t a = 0; a < s->naxes; a++) A.cext[a] = -1;
        nest N;
        if (!match_stage(&A, (int)k, kernels[ki], &N)) break;
        derive_extents(&A, (int)k);
        lp_id r = build_stage(&A, (int)k, &N, kernels);
        if (A.st != TVM_OK) break;
        if (!r || p->failed) {
            A.st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: schedule: out of memory");
            break;
        }
        kernels[ki] = r;
    }
    if (A.st == TVM_OK) {
        p->body = lp_seq(p, kernels, nk);
        if (!p->body) A.st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: schedule: out of memory");
    }
out:
    free(kernels);
    free(A.ext);
    free(A.cext);
    free(A.origvar);
    free(A.var);
    free(A.vmap);
    free(A.memo);
    free(A.memo_tag);
    return A.st;
}
