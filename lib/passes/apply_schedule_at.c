/* apply_schedule_at.c — compute_at for apply_schedule: the box of a
 * producer that the loops inside the consumer's attach loop read, from the
 * affine forms of the reads (outer part equal for every read, [lo, hi] over
 * the inner loops), computed into a local buffer at the top of that loop. */
#include <stdio.h>
#include <stdlib.h>

#include "apply_schedule.h"

/* ---- affine index forms (compute_at) -------------------------------------------------- */


void sched_aff_term(affine *f, uint32_t v, int64_t coef) {
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
void sched_aff_add(const lp_program *p, lp_id e, int64_t scale, affine *f, int depth) {
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
        sched_aff_term(f, n->a, scale);
    } else if (n->kind == LP_CAST && !dtype_is_float(lp_get(p, n->a)->dtype)) {
        sched_aff_add(p, n->a, scale, f, depth + 1);
    } else if (n->kind == LP_BINARY && (n->op == IR_ADD || n->op == IR_SUB)) {
        sched_aff_add(p, n->a, scale, f, depth + 1);
        sched_aff_add(p, n->b, n->op == IR_SUB ? -scale : scale, f, depth + 1);
    } else if (n->kind == LP_BINARY && n->op == IR_MUL) {
        int64_t a = sched_const_value(p, n->a, 0), b = sched_const_value(p, n->b, 0);
        if (b >= 0 && !__builtin_mul_overflow(scale, b, &t)) sched_aff_add(p, n->a, t, f, depth + 1);
        else if (a >= 0 && !__builtin_mul_overflow(scale, a, &t)) sched_aff_add(p, n->b, t, f, depth + 1);
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
lp_id sched_box_index(actx *A, lp_id e, uint32_t d) {
    affine f = {.ok = true};
    sched_aff_add(A->p, e, 1, &f, 0);
    if (!f.ok) return 0;
    lp_id r = lp_const_int(A->p, TVM_INT64, f.c - A->at_lo[d]);
    for (uint32_t k = 0; k < f.n; k++)
        if (f.coef[k] && is_inner(A, f.var[k]))
            r = lp_binary(A->p, IR_ADD, r, lp_binary(A->p, IR_MUL, lp_var_ref(A->p, f.var[k]),
                                                    lp_const_int(A->p, TVM_INT64, f.coef[k])));
    return r;
}


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
bool sched_attach(actx *A, int k, const nest *N, int c, lp_id *kernels) {
    const tvm_schedule *s = A->s;
    const sch_stage *st = &s->stages[k];
    lp_program *p = A->p;
    int prod = -1;
    for (uint32_t q = 0; q < s->nstages; q++)
        if (s->stages[q].attach_stage == (uint32_t)k + 1 &&
            A->pc->live[sched_stage_tensor(&s->stages[q])] &&
            !A->pc->folded[sched_stage_tensor(&s->stages[q])]) {
            if (prod >= 0)
                return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: stage '%s' has producers '%s' "
                            "and '%s' computed inside it; one is supported",
                            sched_tname(A, st->tensor), sched_tname(A, s->stages[prod].tensor),
                            sched_tname(A, s->stages[q].tensor));
            prod = (int)q;
        }
    if (prod < 0) return true;
    const sch_stage *sp = &s->stages[prod];
    const char *cn = sched_tname(A, st->tensor), *pn = sched_tname(A, sp->tensor);
    const char *an = s->axes[sp->attach_axis].name;
    if (sp->scheduled)
        return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: producer '%s' has loop primitives of "
                    "its own; a producer computed at '%s' keeps its plain loops%s", pn, cn, "");
    int q = -1;
    for (uint32_t pos = 0; pos < st->nleaves; pos++)
        if (st->leaves[pos] == sp->attach_axis) q = (int)pos;
    if (q < 0)
        return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' is no longer a loop of "
                    "consumer '%s' (it was split or fused afterwards)%s", an, cn, "");
    if (s->axes[sp->attach_axis].ann == SA_ANN_VECTORIZE)
        return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' of consumer '%s' is "
                    "vectorized; its iterations would share the box of '%s'", an, cn, pn);
    if (N->red_at >= 0 && q > c)
        return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: axis '%s' of consumer '%s' runs "
                    "inside its reduction; compute '%s' at a spatial loop outside it", an, cn, pn);
    A->at_pos = q;
    A->ninner = 0;
    for (uint32_t pos = (uint32_t)q + 1; pos < st->nleaves; pos++)
        A->inner_vars[A->ninner++] = A->var[st->leaves[pos]];
    /* the producer's plain nest and its buffer */
    int kp = sched_kernel_index(A->pc, sched_stage_tensor(sp));
    const gt_node *pt = &A->g->tensors[sched_stage_tensor(sp)];
    lp_id cur = kp >= 0 ? kernels[kp] : 0;
    uint32_t pvar[TVM_MAX_NDIM];
    for (uint32_t d = 0; cur && d < pt->ndim; d++) {
        const lp_node *x = lp_get(p, sched_only_stmt(p, cur));
        if (x->kind != LP_FOR || p->vars[x->a].graph_var != A->g->pool[pt->iters + d]) cur = 0;
        else {
            pvar[d] = x->a;
            cur = x->c;
        }
    }
    lp_id pbody[MAX_BODY];
    uint32_t npb = 0, pbuf = 0;
    if (cur && sched_flatten_stmts(p, cur, pbody, &npb))
        for (uint32_t b = 0; b < npb; b++) {
            const lp_node *x = lp_get(p, pbody[b]);
            if (x->kind == LP_STORE && p->bufs[x->a].kind == LP_BUF_WORKSPACE &&
                x->nlist == pt->ndim)
                pbuf = x->a;
        }
    if (!pbuf)
        return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: producer '%s' is not a plain loop nest "
                    "storing one tensor%s%s", pn, "", "");
    /* the box: per dimension, the reads' outer part (equal for every read)
     * plus [lo, hi] over the loops inside the attach point */
    lp_id loads[64];
    uint32_t nl = 0;
    for (uint32_t b = 0; b < N->nbody; b++) find_loads(p, N->body[b], pbuf, loads, &nl, 64, 0);
    if (nl == 0 || !loads[nl - 1])
        return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: consumer '%s' reads producer '%s' in "
                    "no (or too many) places%s", cn, pn, "");
    affine outer[TVM_MAX_NDIM];
    int64_t lo[TVM_MAX_NDIM], hi[TVM_MAX_NDIM], elems = 1;
    for (uint32_t l = 0; l < nl; l++) {
        const lp_node *ld = lp_get(p, loads[l]);
        for (uint32_t d = 0; d < ld->nlist && d < pt->ndim; d++) {
            affine f = {.ok = true}, o = {.ok = true};
            sched_aff_add(p, sched_subst(A, lp_list(p, ld->list)[d]), 1, &f, 0);
            if (!f.ok)
                return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: a read of '%s' in '%s' is not "
                            "an affine function of the loops (fused loops inside '%s'?)", pn, cn,
                            an);
            int64_t l0 = f.c, h0 = f.c;
            for (uint32_t t = 0; t < f.n; t++) {
                if (!f.coef[t]) continue;
                if (!is_inner(A, f.var[t])) {
                    sched_aff_term(&o, f.var[t], f.coef[t]);
                    continue;
                }
                int64_t ext = -1;
                for (uint32_t pos = (uint32_t)q + 1; pos < st->nleaves; pos++)
                    if (A->var[st->leaves[pos]] == f.var[t]) ext = A->cext[st->leaves[pos]];
                if (ext < 1)
                    return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: a loop inside '%s' "
                                "of '%s' has no constant extent, so the box of '%s' has none",
                                an, cn, pn);
                int64_t span;
                if (__builtin_mul_overflow(f.coef[t], ext - 1, &span) ||
                    __builtin_add_overflow(span < 0 ? l0 : h0, span, span < 0 ? &l0 : &h0))
                    return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: the box of '%s' read "
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
                return sched_fail(A, TVM_ERR_UNSUPPORTED, "compute_at: the reads of '%s' in '%s' "
                            "move differently with the loops outside '%s'", pn, cn, an);
            if (l0 < lo[d]) lo[d] = l0;
            if (h0 > hi[d]) hi[d] = h0;
        }
    }
    lp_id shape[TVM_MAX_NDIM];
    for (uint32_t d = 0; d < pt->ndim; d++) {
        if (hi[d] - lo[d] >= MAX_AT_ELEMS || (elems *= hi[d] - lo[d] + 1) > MAX_AT_ELEMS)
            return sched_fail(A, TVM_ERR_INVALID_ARGUMENT, "compute_at: the box of '%s' read inside "
                        "'%s' of '%s' has more than 65536 elements", pn, an, cn);
        shape[d] = sched_i64(A, hi[d] - lo[d] + 1);
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
        lp_id pd = lp_binary(p, IR_ADD, lp_var_ref(p, rv[d]), sched_i64(A, lo[d]));
        for (uint32_t t = 0; t < outer[d].n; t++)
            pd = lp_binary(p, IR_ADD, pd, lp_binary(p, IR_MUL, lp_var_ref(p, outer[d].var[t]),
                                                   sched_i64(A, outer[d].coef[t])));
        A->vmap[pvar[d]] = pd;
        A->at_store_idx[d] = lp_var_ref(p, rv[d]);
        lp_id in = lp_binary(p, IR_AND, lp_binary(p, IR_GE, pd, sched_i64(A, 0)),
                             lp_binary(p, IR_LT, pd, lp_list(p, p->bufs[pbuf].shape)[d]));
        cond = cond ? lp_binary(p, IR_AND, cond, in) : in;
    }
    A->tag++;
    A->at_storing = true;
    lp_id body = sched_guarded(A, cond, sched_subst(A, lp_seq(p, pbody, npb)));
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

