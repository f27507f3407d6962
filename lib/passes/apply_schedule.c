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
 * of the last block do nothing. A factor larger than a known constant
 * extent makes the inner loop that extent (one outer iteration, no guard).
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
 * compute_at (apply_schedule_at.c): the producer's nest (stored by
 * schedule_stages) moves inside the consumer's loop: it computes the box of
 * the producer the loops inside that loop read (an interval per dimension
 * from the affine read indices, clipped to the producer's shape) into a
 * local buffer the reads then use. */
#include <stdio.h>
#include <stdlib.h>

#include "apply_schedule.h"

#define MAX_BLOCK_ELEMS 16384

bool sched_fail(actx *A, tvm_status st, const char *fmt, const char *a, const char *b,
                 const char *c) {
    if (A->st == TVM_OK) {
        char msg[320];
        snprintf(msg, sizeof msg, fmt, a, b, c);
        A->st = err_set(st, "tvm_compile: schedule: %s", msg);
    }
    return false;
}

const char *sched_tname(const actx *A, uint32_t t) {
    return graph_string(A->g, A->g->tensors[t].name);
}

lp_id sched_i64(actx *A, int64_t v) { return lp_const_int(A->p, TVM_INT64, v); }

/* The value of a constant int64 expression, or -1. */
int64_t sched_const_value(const lp_program *p, lp_id e, int depth) {
    const lp_node *n = lp_get(p, e);
    if (depth > 32) return -1;
    if (n->kind == LP_CONST && !dtype_is_float(n->dtype)) return n->imm.i;
    if (n->kind == LP_CAST) return sched_const_value(p, n->a, depth + 1);
    if (n->kind == LP_BINARY) {
        int64_t a = sched_const_value(p, n->a, depth + 1), b = sched_const_value(p, n->b, depth + 1), r;
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
    sched_aff_add(A->p, a, 1, &f, 0);
    if (!f.ok || d <= 0) return 0;
    bool floor_op = op == IR_FLOORDIV || op == IR_FLOORMOD;
    bool div = op == IR_DIV || op == IR_FLOORDIV;
    int64_t qc = f.c / d - (f.c % d < 0), rc = f.c - qc * d, lo = rc, hi = rc;
    if (!floor_op && qc < 0) return 0;
    lp_id q = sched_i64(A, qc), r = sched_i64(A, rc);
    for (uint32_t t = 0; t < f.n; t++) {
        int64_t cf = f.coef[t];
        if (!cf) continue;
        lp_id v = lp_var_ref(A->p, f.var[t]);
        if (cf % d == 0) {
            if (!floor_op && cf < 0) return 0;
            q = lp_binary(A->p, IR_ADD, q, lp_binary(A->p, IR_MUL, v, sched_i64(A, cf / d)));
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
        r = lp_binary(A->p, IR_ADD, r, lp_binary(A->p, IR_MUL, v, sched_i64(A, cf)));
    }
    if (lo < 0 || hi >= d) return 0;
    return div ? q : r;
}

/* ---- substitution ------------------------------------------------------------------- */

lp_id sched_subst(actx *A, lp_id e) {
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
        if (!a_is_id) m.a = sched_subst(A, n.a);
        m.b = sched_subst(A, n.b);
        m.c = sched_subst(A, n.c);
        uint32_t items[LP_CALL_MAX_ARGS > TVM_MAX_NDIM ? LP_CALL_MAX_ARGS : TVM_MAX_NDIM];
        uint32_t *list = items, *heap = NULL;
        if (n.nlist > sizeof items / sizeof *items) {
            heap = malloc(n.nlist * sizeof *heap);
            if (!heap) return sched_fail(A, TVM_ERR_OUT_OF_MEMORY, "out of memory%s%s%s", "", "", ""), 0;
            list = heap;
        }
        bool same = m.a == n.a && m.b == n.b && m.c == n.c;
        for (uint32_t k = 0; k < n.nlist; k++) {
            list[k] = sched_subst(A, p->pool[n.list + k]);
            same &= list[k] == p->pool[n.list + k];
        }
        /* compute_at: the consumer reads, and the producer writes, the box */
        if (n.kind == LP_LOAD && A->at_local && n.a == A->at_buf) {
            for (uint32_t k = 0; k < n.nlist && k < A->at_ndim; k++)
                if (!(list[k] = sched_box_index(A, list[k], k)))
                    return sched_fail(A, TVM_ERR_INTERNAL, "compute_at: a read is not affine%s%s%s",
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
            folded = fold_divmod(A, n.op, m.a, sched_const_value(p, m.b, 0));
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
lp_id sched_only_stmt(const lp_program *p, lp_id s) {
    while (s && lp_get(p, s)->kind == LP_SEQ && lp_get(p, s)->nlist == 1)
        s = lp_list(p, lp_get(p, s)->list)[0];
    return s;
}

bool sched_flatten_stmts(const lp_program *p, lp_id s, lp_id *out, uint32_t *n) {
    const lp_node *x = lp_get(p, s);
    if (x->kind == LP_SEQ) {
        for (uint32_t k = 0; k < x->nlist; k++)
            if (!sched_flatten_stmts(p, lp_list(p, x->list)[k], out, n)) return false;
        return true;
    }
    if (*n >= MAX_BODY) return false;
    out[(*n)++] = s;
    return true;
}


/* Matches the stage's nest; fills origvar/ext of its root axes. */
static bool match_stage(actx *A, int k, lp_id kernel, nest *N) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    const gt_node *tn = &A->g->tensors[sched_stage_tensor(st)];
    lp_program *p = A->p;
    const char *nm = sched_tname(A, st->tensor);
    lp_id cur = kernel;
    uint32_t loopvar[TVM_MAX_NDIM];
    lp_id loopext[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < tn->ndim; d++) {
        lp_id l = sched_only_stmt(p, cur);
        const lp_node *x = lp_get(p, l);
        if (x->kind != LP_FOR || p->vars[x->a].graph_var != A->g->pool[tn->iters + d])
            return sched_fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its loop nest holds work between "
                        "its loops (a producer fused as rows or a hoisted reduction)%s%s", nm,
                        "", "");
        loopvar[d] = x->a;
        loopext[d] = x->b;
        cur = x->c;
    }
    *N = (nest){.red_at = -1};
    if (!sched_flatten_stmts(p, cur, N->body, &N->nbody))
        return sched_fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its loop body is too large to "
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
            const lp_node *x = lp_get(p, sched_only_stmt(p, l));
            ok = x->kind == LP_FOR && p->vars[x->a].graph_var == s->axes[a].gvar;
            if (!ok) break;
            rvar[r] = x->a;
            rext[r++] = x->b;
            l = x->c;
        }
        const lp_node *acc = ok ? lp_get(p, sched_only_stmt(p, l)) : NULL;
        ok = ok && acc->kind == LP_ACCUM && acc->a == init->a;
        if (!ok || N->red_at != 1)
            return sched_fail(A, TVM_ERR_UNSUPPORTED, "stage '%s': its reduction is not the plain "
                        "accumulation loop nest a schedule can reorder%s%s", nm, "", "");
        N->init = init->b;
        N->accum = sched_only_stmt(p, l);
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
            lp_id f = sched_i64(A, x->factor);
            A->ext[a] = lp_binary(p, IR_DIV, lp_binary(p, IR_ADD, A->ext[x->src],
                                                       sched_i64(A, x->factor - 1)), f);
        } else if (x->kind == SA_INNER) {
            /* A factor beyond a constant extent leaves one outer iteration:
             * the inner loop runs the extent, not the factor (a split by
             * 2^31 of 16 points must not loop 2^31 times under a guard). */
            int64_t src = A->cext[x->src];
            A->ext[a] = sched_i64(A, src >= 0 && src < x->factor ? src : x->factor);
        } else if (x->kind == SA_FUSED) {
            A->ext[a] = lp_binary(p, IR_MUL, A->ext[x->src], A->ext[x->src2]);
        }
        A->cext[a] = sched_const_value(p, A->ext[a], 0);
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
    return lp_binary(p, IR_ADD, lp_binary(p, IR_MUL, o, sched_i64(A, A->s->axes[x->outer].factor)), i);
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
        if (A->cext[a] >= 0 && (A->cext[a] % f == 0 || A->cext[a] < f)) continue;
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

lp_id sched_guarded(actx *A, lp_id cond, lp_id s) { return cond ? lp_if(A->p, cond, s, 0) : s; }

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
    const char *nm = sched_tname(A, st->tensor);
    int64_t block = 1;
    uint32_t block_loops = 0;
    for (uint32_t q = 0; q < st->nleaves; q++) {
        const sch_axis *x = &s->axes[st->leaves[q]];
        if (x->ann == SA_ANN_PARALLEL && x->reduce)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "parallel: axis '%s' of stage '%s' is a "
                        "reduction axis; a reduction is not split across threads%s", x->name,
                        nm, "");
        if (x->ann == SA_ANN_PARALLEL && q != 0)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "parallel: axis '%s' of stage '%s' is not "
                        "its outermost loop ('%s' is)", x->name, nm,
                        s->axes[st->leaves[0]].name);
        if (x->ann == SA_ANN_VECTORIZE && x->reduce)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "vectorize: axis '%s' of stage '%s' is a "
                        "reduction loop; it carries the accumulation%s", x->name, nm, "");
        if (x->ann == SA_ANN_VECTORIZE && q + 1 != st->nleaves)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "vectorize: axis '%s' of stage '%s' is not "
                        "its innermost loop ('%s' runs inside it; accumulate a block with "
                        "cache_write to put the reduction outside)", x->name, nm,
                        s->axes[st->leaves[st->nleaves - 1]].name);
        if (x->reduce && (int)q <= c) {
            const sch_axis *y = &s->axes[st->leaves[c]];
            if (st->cache_axis)
                return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "reduction loop '%s' of stage '%s' "
                            "runs outside its cache_write loop '%s'", x->name, nm, y->name);
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "reduction loop '%s' of stage '%s' runs "
                        "outside spatial loop '%s'; use tvm_sched_cache_write at a spatial "
                        "loop outside it", x->name, nm, y->name);
        }
        if (st->cache_axis && (int)q > c && !x->reduce && ++block_loops > TVM_MAX_NDIM)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: the block of stage '%s' "
                        "inside loop '%s' spans more spatial loops than a buffer has "
                        "dimensions (TVM_MAX_NDIM)%s", nm, s->axes[st->cache_axis].name, "");
        if (st->cache_axis && (int)q > c && !x->reduce) {
            if (A->cext[st->leaves[q]] < 1)
                return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: loop '%s' of stage '%s' "
                            "inside the block has no constant extent (split it)%s", x->name,
                            nm, "");
            if (A->cext[st->leaves[q]] > MAX_BLOCK_ELEMS ||
                (block *= A->cext[st->leaves[q]]) > MAX_BLOCK_ELEMS)
                return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: the block of stage '%s' "
                            "inside loop '%s' has more than 16384 elements%s", nm,
                            s->axes[st->cache_axis].name, "");
        }
    }
    return true;
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
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "cache_write: axis '%s' of stage '%s' is no "
                        "longer a loop (it was split or fused after cache_write)%s",
                        s->axes[st->cache_axis].name, sched_tname(A, st->tensor), ""), 0;
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
    if (!sched_attach(A, k, N, c, kernels)) return 0;
    if (N->red_at < 0) { /* no reduction to place: every loop around the body */
        lp_id body = sched_subst(A, lp_seq(p, N->body, N->nbody));
        return wrap(A, st, 0, n, sched_guarded(A, guards(A, k, false), body));
    }
    lp_id post = lp_seq(p, N->body + 2, N->nbody - 2);
    const lp_node *acc = lp_get(p, N->accum);
    int acc_op = acc->op;
    lp_id value = acc->b;
    if (!st->cache_axis) {
        lp_id red = sched_subst(A, N->accum);
        red = wrap(A, st, (uint32_t)c + 1, n, sched_guarded(A, guards(A, k, true), red));
        lp_id init = lp_store(p, N->acc, NULL, 0, sched_subst(A, N->init));
        lp_id items[3] = {init, red, sched_subst(A, post)};
        lp_id body = sched_guarded(A, guards(A, k, false), lp_seq(p, items, 3));
        return wrap(A, st, 0, (uint32_t)c + 1, body);
    }
    int op = combine_op(acc_op);
    if (!op)
        return sched_fail(A, TVM_ERR_UNSUPPORTED, "cache_write: stage '%s' reduces with an operator a "
                    "block cannot combine%s%s", sched_tname(A, st->tensor), "", ""), 0;
    /* the block: one accumulator per iteration of the spatial loops inside c */
    lp_id shape[SCHED_MAX_LEAVES];
    uint32_t bl[SCHED_MAX_LEAVES], nb = 0;
    for (uint32_t q = (uint32_t)c + 1; q < n; q++)
        if (!s->axes[st->leaves[q]].reduce) {
            bl[nb] = st->leaves[q];
            shape[nb++] = sched_i64(A, A->cext[st->leaves[q]]);
        }
    bool scalar_block = nb == 0; /* cache_write at the innermost spatial loop */
    if (scalar_block) shape[nb++] = sched_i64(A, 1);
    const lp_buffer *ab = &p->bufs[N->acc];
    char name[64];
    snprintf(name, sizeof name, "%s_block", sched_tname(A, st->tensor));
    lp_buffer bb = {.name = name, .dtype = ab->dtype, .kind = LP_BUF_LOCAL,
                    .ndim = (uint16_t)nb, .arg = -1, .elems = 1};
    for (uint32_t d = 0; d < nb; d++) bb.elems *= lp_get(p, shape[d])->imm.i;
    uint32_t blk = lp_new_buffer(p, &bb, shape);
    /* main: the loops inside c in the user's order */
    lp_id idx[SCHED_MAX_LEAVES];
    uint32_t ni = 0;
    if (scalar_block) idx[ni++] = sched_i64(A, 0);
    for (uint32_t q = (uint32_t)c + 1; q < n; q++)
        if (!s->axes[st->leaves[q]].reduce) idx[ni++] = lp_var_ref(p, A->var[st->leaves[q]]);
    lp_id v = sched_subst(A, value);
    lp_id upd = lp_store(p, blk, idx, ni,
                         lp_binary(p, op, lp_load(p, blk, idx, ni), v));
    lp_id g1 = guards(A, k, false), g2 = guards(A, k, true);
    lp_id main = wrap(A, st, (uint32_t)c + 1, n, sched_guarded(A, g2 ? g2 : g1, upd));
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
        if (scalar_block) idx[ni++] = sched_i64(A, 0);
        for (uint32_t b = 0; b < nb && !scalar_block; b++) idx[ni++] = lp_var_ref(p, A->var[bl[b]]);
        lp_id body;
        if (sec == 0) {
            body = lp_store(p, blk, idx, ni, sched_subst(A, N->init));
        } else {
            bind_roots(A, k);
            A->blk = blk;
            A->acc = N->acc;
            memcpy(A->bidx, idx, ni * sizeof *idx);
            A->nb = ni;
            body = sched_guarded(A, guards(A, k, false), sched_subst(A, post));
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
int sched_kernel_index(const pass_ctx *pc, uint32_t t) {
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
        int ki = sched_kernel_index(pc, sched_stage_tensor(st));
        if (ki < 0) continue; /* folded at compile time, or not needed */
        if ((uint32_t)ki >= nk) {
            A.st = err_set(TVM_ERR_INTERNAL, "tvm_compile: schedule: stage '%s' has no kernel",
                           sched_tname(&A, st->tensor));
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
