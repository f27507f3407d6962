/* schedule_conv_match.c — the recognising half of schedule_conv: whether
 * a loop nest is a convolution it can block, and how (channel vectors,
 * width, pointwise; the padded, strided or flat-plane read), as a cmatch
 * the building half (schedule_conv.c) turns into blocks. Reads the
 * program only. */
#include <stdlib.h>

#include "schedule_conv_match.h"

/* ---- small helpers -------------------------------------------------------- */

/* Evaluates an index/bool expression of constants and bound loop variables
 * (env[var], bound[var]); false when it holds anything else. */
static bool eval(const lp_program *p, lp_id e, const int64_t *env, const uint8_t *bound,
                 lp_value *out, int depth) {
    if (!e || depth > 100) return false;
    const lp_node *n = lp_get(p, e);
    lp_value a, b, c;
    switch (n->kind) {
    case LP_CONST: out->i = n->imm.i; if (dtype_is_float(n->dtype)) out->f = n->imm.f; return true;
    case LP_VAR:
        if (!bound[n->a]) return false;
        out->i = env[n->a];
        return true;
    case LP_BINARY:
        if (dtype_is_float(lp_get(p, n->a)->dtype)) return false;
        if (!eval(p, n->a, env, bound, &a, depth + 1) || !eval(p, n->b, env, bound, &b, depth + 1))
            return false;
        *out = lp_eval_binary(n->op, lp_get(p, n->a)->dtype, a, b);
        return true;
    case LP_UNARY:
        if (dtype_is_float(n->dtype) || !eval(p, n->a, env, bound, &a, depth + 1)) return false;
        *out = lp_eval_unary(n->op, n->dtype, a);
        return true;
    case LP_SELECT:
        if (dtype_is_float(n->dtype) || !eval(p, n->a, env, bound, &a, depth + 1) ||
            !eval(p, n->b, env, bound, &b, depth + 1) || !eval(p, n->c, env, bound, &c, depth + 1))
            return false;
        *out = a.i ? b : c;
        return true;
    default: return false;
    }
}

/* ---- matching ----------------------------------------------------------- */

/* The packed weight load: indices [o/16, .., o%16] with o an output var and
 * the middle indices free of output vars. Sets m->v, wdiv, wmod. */
static bool find_packed(const lp_program *p, lp_id e, cmatch *m, int depth) {
    if (!e || depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST || n->kind == LP_VAR) return false;
    if (n->kind == LP_LOAD) {
        if (n->nlist < 3) return false;
        const uint32_t *ix = lp_list(p, n->list);
        const lp_node *d = lp_get(p, ix[0]), *md = lp_get(p, ix[n->nlist - 1]);
        if (d->kind != LP_BINARY || md->kind != LP_BINARY ||
            (d->op != IR_FLOORDIV && d->op != IR_DIV) ||
            (md->op != IR_FLOORMOD && md->op != IR_MOD))
            return false;
        const lp_node *dv = lp_get(p, d->a), *dc = lp_get(p, d->b);
        const lp_node *mv = lp_get(p, md->a), *mc = lp_get(p, md->b);
        if (dv->kind != LP_VAR || mv->kind != LP_VAR || dv->a != mv->a || dc->kind != LP_CONST ||
            mc->kind != LP_CONST || dc->imm.i != OC_BLOCK || mc->imm.i != OC_BLOCK)
            return false;
        int v = -1;
        for (int k = 0; k < m->nout; k++)
            if (m->ovar[k] == dv->a) v = k;
        if (v < 0) return false;
        for (uint32_t k = 1; k + 1 < n->nlist; k++)
            for (int q = 0; q < m->nout; q++)
                if (nest_mentions(p, ix[k], m->ovar[q], 0)) return false;
        if (p->bufs[n->a].ndim < 1) return false;
        m->v = v;
        m->wdiv = ix[0];
        m->wmod = ix[n->nlist - 1];
        return true;
    }
    if (n->kind != LP_CALL && find_packed(p, n->a, m, depth + 1)) return true;
    return find_packed(p, n->b, m, depth + 1) || find_packed(p, n->c, m, depth + 1);
}

/* Every load of e reads var at most in its last index, there as var (or
 * var times a small stride) plus terms free of var, or not at all; `wdiv`/`wmod` nodes are
 * allowed (the packed weight). */
static bool unit_stride(const lp_program *p, lp_id e, uint32_t var, const cmatch *m, int depth) {
    if (!e) return true;
    if (depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST || n->kind == LP_VAR) return true;
    if (n->kind == LP_LOAD) {
        const uint32_t *ix = lp_list(p, n->list);
        for (uint32_t k = 0; k < n->nlist; k++) {
            lp_id x = ix[k];
            if (x == m->wdiv || x == m->wmod || !nest_mentions(p, x, var, 0)) continue;
            if (k + 1 != n->nlist) return false;
            /* var + a + b ... (no scaling of var) */
            while (lp_get(p, x)->kind == LP_BINARY &&
                   (lp_get(p, x)->op == IR_ADD || lp_get(p, x)->op == IR_SUB)) {
                const lp_node *y = lp_get(p, x);
                bool in_a = nest_mentions(p, y->a, var, 0), in_b = nest_mentions(p, y->b, var, 0);
                if (in_a == in_b || (in_b && y->op == IR_SUB)) return false;
                x = in_a ? y->a : y->b;
            }
            /* a strided window (stride 2): var * c, loaded with a stride */
            const lp_node *y = lp_get(p, x);
            if (y->kind == LP_BINARY && y->op == IR_MUL && lp_get(p, y->b)->kind == LP_CONST &&
                lp_get(p, y->b)->imm.i > 0 && lp_get(p, y->b)->imm.i <= 4)
                x = y->a;
            if (lp_get(p, x)->kind != LP_VAR) return false;
        }
        return true;
    }
    if (n->kind == LP_CALL) return false;
    return unit_stride(p, n->a, var, m, depth + 1) && unit_stride(p, n->b, var, m, depth + 1) &&
           unit_stride(p, n->c, var, m, depth + 1);
}

/* The load of e whose last index reads var scaled (var * c, c > 1, plus
 * terms free of var): a strided window's read; 0 if none. */
static lp_id find_strided(const lp_program *p, lp_id e, uint32_t var, int depth) {
    if (!e || depth > 200) return 0;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST || n->kind == LP_VAR || n->kind == LP_CALL) return 0;
    if (n->kind == LP_LOAD) {
        if (!n->nlist) return 0;
        lp_id x = lp_list(p, n->list)[n->nlist - 1];
        while (lp_get(p, x)->kind == LP_BINARY &&
               (lp_get(p, x)->op == IR_ADD || lp_get(p, x)->op == IR_SUB)) {
            const lp_node *y = lp_get(p, x);
            x = nest_mentions(p, y->a, var, 0) ? y->a : y->b;
        }
        const lp_node *y = lp_get(p, x);
        if (y->kind == LP_BINARY && y->op == IR_MUL && lp_get(p, y->a)->kind == LP_VAR &&
            lp_get(p, y->a)->a == var && lp_get(p, y->b)->kind == LP_CONST &&
            lp_get(p, y->b)->imm.i > 1)
            return e;
        return 0;
    }
    lp_id r = find_strided(p, n->a, var, depth + 1);
    if (!r) r = find_strided(p, n->b, var, depth + 1);
    if (!r) r = find_strided(p, n->c, var, depth + 1);
    return r;
}

/* A strided pointwise read goes through a contiguous copy when each of its
 * indices reads at most one nest var, no var twice: then xs[v_0, .., v_d]
 * (the copy indexed by the vars themselves) holds exactly the elements the
 * nest reads, and the copy is the read's own index arithmetic. */
static bool subsample_input(const lp_program *p, cmatch *m, lp_id ld) {
    const lp_node *L = lp_get(p, ld);
    if (L->nlist > TVM_MAX_NDIM || p->bufs[L->a].kind == LP_BUF_LOCAL) return false;
    const uint32_t *ix = lp_list(p, L->list);
    int64_t elems = 1;
    for (uint32_t d = 0; d < L->nlist; d++) {
        uint32_t var = 0;
        int64_t ext = 1;
        for (int u = 0; u < m->nout + m->nred; u++) {
            uint32_t v = u < m->nout ? m->ovar[u] : m->rvar[u - m->nout];
            if (!nest_mentions(p, ix[d], v, 0)) continue;
            if (var) return false;
            for (uint32_t e = 0; e < d; e++)
                if (m->xsub_var[e] == v) return false;
            var = v;
            ext = u < m->nout ? m->oext[u] : m->rext[u - m->nout];
        }
        m->xsub_var[d] = var;
        m->xsub_ext[d] = ext;
        if (__builtin_mul_overflow(elems, ext, &elems) || elems > ((int64_t)1 << 26)) return false;
    }
    m->xsub = ld;
    m->xsub_dims = (int)L->nlist;
    return true;
}

/* The first select whose then-side is a load and else-side a constant. */
static lp_id find_guard(const lp_program *p, lp_id e, int depth) {
    if (!e || depth > 200) return 0;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_SELECT && lp_get(p, n->b)->kind == LP_LOAD &&
        lp_get(p, n->c)->kind == LP_CONST)
        return e;
    if (n->kind != LP_BINARY && n->kind != LP_UNARY && n->kind != LP_CAST &&
        n->kind != LP_SELECT)
        return 0;
    lp_id r = find_guard(p, n->a, depth + 1);
    if (!r) r = find_guard(p, n->b, depth + 1);
    if (!r) r = find_guard(p, n->c, depth + 1);
    return r;
}

static bool split_and(const lp_program *p, lp_id c, cmatch *m) {
    const lp_node *n = lp_get(p, c);
    if (n->kind == LP_BINARY && n->op == IR_AND)
        return split_and(p, n->a, m) && split_and(p, n->b, m);
    if (m->nterms >= MAX_TERMS) return false;
    m->term[m->nterms++] = c;
    return true;
}

/* Structural equality of two index expressions. */
static bool same_expr(const lp_program *p, lp_id a, lp_id b, int depth) {
    if (a == b) return true;
    if (!a || !b || depth > 50) return false;
    const lp_node *x = lp_get(p, a), *y = lp_get(p, b);
    if (x->kind != y->kind || x->op != y->op || x->dtype != y->dtype || x->nlist != y->nlist)
        return false;
    switch (x->kind) {
    case LP_CONST: return x->imm.i == y->imm.i;
    case LP_VAR: return x->a == y->a;
    case LP_BINARY: return same_expr(p, x->a, y->a, depth + 1) && same_expr(p, x->b, y->b, depth + 1);
    default: return false;
    }
}

/* The range of index expression e over the loops of the nest (every
 * variable it mentions must be an output or reduction variable). */
static bool index_range(const lp_program *p, const cmatch *m, lp_id e, int64_t *lo, int64_t *hi) {
    uint32_t vars[MAX_OUT + MAX_RED];
    int64_t ext[MAX_OUT + MAX_RED];
    int nv = 0;
    for (int u = 0; u < m->nout; u++)
        if (nest_mentions(p, e, m->ovar[u], 0)) vars[nv] = m->ovar[u], ext[nv++] = m->oext[u];
    for (int k = 0; k < m->nred; k++)
        if (nest_mentions(p, e, m->rvar[k], 0)) vars[nv] = m->rvar[k], ext[nv++] = m->rext[k];
    int64_t combos = 1;
    for (int k = 0; k < nv; k++)
        if (__builtin_mul_overflow(combos, ext[k], &combos) || combos > (1 << 20)) return false;
    int64_t *env = calloc(p->nvars, sizeof *env);
    uint8_t *bound = calloc(p->nvars, 1);
    bool ok = env && bound;
    for (int k = 0; k < nv && ok; k++) bound[vars[k]] = 1;
    for (int64_t c = 0; c < combos && ok; c++) {
        int64_t rem = c;
        for (int k = nv; k-- > 0;) {
            env[vars[k]] = rem % ext[k];
            rem /= ext[k];
        }
        lp_value v;
        if (!eval(p, e, env, bound, &v, 0)) ok = false;
        else if (c == 0) *lo = *hi = v.i;
        else {
            if (v.i < *lo) *lo = v.i;
            if (v.i > *hi) *hi = v.i;
        }
    }
    free(env);
    free(bound);
    return ok;
}

/* Whether the guard is exactly "every index of the read is inside the
 * buffer" (tests `e >= 0` and `e < extent` on the read's own indices):
 * then reading a zero-padded copy of the buffer gives the same values, and
 * the convolution needs no tests at all. Fills the padding amounts. */
static bool pad_input(const lp_program *p, cmatch *m) {
    const lp_node *sel = lp_get(p, m->sel);
    const lp_node *ld = lp_get(p, sel->b);
    const lp_buffer *xb = &p->bufs[ld->a];
    if (xb->kind == LP_BUF_LOCAL || ld->nlist != xb->ndim || ld->nlist > TVM_MAX_NDIM ||
        lp_get(p, sel->c)->dtype != ld->dtype)
        return false;
    m->xbuf = ld->a;
    m->xdims = (int)ld->nlist;
    const uint32_t *ix = lp_list(p, ld->list);
    bool has_lo[TVM_MAX_NDIM] = {0}, has_hi[TVM_MAX_NDIM] = {0};
    int64_t elems = 1;
    for (int d = 0; d < m->xdims; d++) {
        if (!nest_const_extent(p, lp_list(p, xb->shape)[d], &m->xext[d])) return false;
        m->off_lo[d] = m->off_hi[d] = 0;
    }
    for (int t = 0; t < m->nterms; t++) {
        const lp_node *c = lp_get(p, m->term[t]);
        if (c->kind != LP_BINARY || (c->op != IR_GE && c->op != IR_LT)) return false;
        const lp_node *k = lp_get(p, c->b);
        if (k->kind != LP_CONST) return false;
        int d = 0;
        while (d < m->xdims && !same_expr(p, c->a, ix[d], 0)) d++;
        if (d == m->xdims) return false;
        if (c->op == IR_GE && k->imm.i == 0) has_lo[d] = true;
        else if (c->op == IR_LT && k->imm.i == m->xext[d]) has_hi[d] = true;
        else return false;
    }
    for (int d = 0; d < m->xdims; d++) {
        int64_t lo = 0, hi = 0;
        if (!index_range(p, m, ix[d], &lo, &hi)) return false;
        /* an untested side must be in range already */
        if ((lo < 0 && !has_lo[d]) || (hi >= m->xext[d] && !has_hi[d])) return false;
        if (lo < 0) m->off_lo[d] = -lo;
        if (hi >= m->xext[d]) m->off_hi[d] = hi - (m->xext[d] - 1);
        if (m->off_lo[d] > (1 << 20) || m->off_hi[d] > (1 << 20)) return false;
        int64_t ext = m->xext[d] + m->off_lo[d] + m->off_hi[d];
        if (__builtin_mul_overflow(elems, ext, &elems) || elems > ((int64_t)1 << 26)) return false;
    }
    if (m->mode == MODE_WIDTH && m->nout >= 2) {
        /* fixed dims: read by the first output loop's var alone (or by
         * nothing); every other dim must not depend on that var */
        bool ok = true, any = false;
        for (int d = 0; d < m->xdims && ok; d++) {
            bool red = false, other = false, first = nest_mentions(p, ix[d], m->ovar[0], 0);
            for (int k = 0; k < m->nred; k++) red |= nest_mentions(p, ix[d], m->rvar[k], 0);
            for (int u = 1; u < m->nout; u++) other |= nest_mentions(p, ix[d], m->ovar[u], 0);
            m->fixed[d] = !red && !other && !m->off_lo[d] && !m->off_hi[d];
            if (first && !m->fixed[d]) ok = false;
            any |= first;
        }
        m->per_plane = ok && any;
    }
    return true;
}

/* One access (a load, or a store's buffer and indices) of the flat-plane
 * test: it reads h and w, if at all, as its last two indices [.., h, w] of
 * a buffer whose rows are exactly W wide, so that h * W + w is one
 * contiguous position in it. */
static bool flat_index(const lp_program *p, uint32_t buf, const uint32_t *ix, uint32_t n,
                       uint32_t h, uint32_t w, int64_t W) {
    bool any = false;
    for (uint32_t k = 0; k < n; k++)
        any |= nest_mentions(p, ix[k], h, 0) || nest_mentions(p, ix[k], w, 0);
    if (!any) return true;
    const lp_buffer *b = &p->bufs[buf];
    int64_t bw = 0;
    if (n < 2 || b->ndim != n || !nest_const_extent(p, lp_list(p, b->shape)[n - 1], &bw) ||
        bw != W)
        return false;
    const lp_node *xh = lp_get(p, ix[n - 2]), *xw = lp_get(p, ix[n - 1]);
    if (xh->kind != LP_VAR || xh->a != h || xw->kind != LP_VAR || xw->a != w) return false;
    for (uint32_t k = 0; k + 2 < n; k++)
        if (nest_mentions(p, ix[k], h, 0) || nest_mentions(p, ix[k], w, 0)) return false;
    return true;
}

/* Whether every use of h and w in e is such an access (no other use). */
static bool flat_expr(const lp_program *p, lp_id e, uint32_t h, uint32_t w, int64_t W,
                      int depth) {
    if (!e) return true;
    if (depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST) return true;
    if (n->kind == LP_VAR) return n->a != h && n->a != w;
    if (n->kind == LP_LOAD)
        return flat_index(p, n->a, lp_list(p, n->list), n->nlist, h, w, W);
    if (n->kind == LP_CALL) {
        for (uint32_t k = 0; k < n->nlist; k++)
            if (!flat_expr(p, lp_list(p, n->list)[k], h, w, W, depth + 1)) return false;
        return true;
    }
    return flat_expr(p, n->a, h, w, W, depth + 1) && flat_expr(p, n->b, h, w, W, depth + 1) &&
           flat_expr(p, n->c, h, w, W, depth + 1);
}

/* A pointwise nest over rows narrower than a vector whose plane (h, w) =
 * (ovar[u], ovar[u + 1]) is contiguous in every access: merges the two
 * loops into one over the flat position (see cmatch.flat_h). Channel
 * vectors would store each output with a scatter: measured at 96x14x14 ->
 * 576 and 320x7x7 -> 1280, 1.1-1.4x oneDNN's time. */
static bool flatten_plane(const lp_program *p, cmatch *m, int u, int64_t tile) {
    uint32_t h = m->ovar[u], w = m->ovar[u + 1];
    int64_t W = m->oext[u + 1];
    if (!flat_expr(p, m->value, h, w, W, 0)) return false;
    for (uint32_t k = 0; k < m->nrest; k++) {
        const lp_node *St = lp_get(p, m->rest[k]);
        if (!flat_index(p, St->a, lp_list(p, St->list), St->nlist, h, w, W) ||
            !flat_expr(p, St->b, h, w, W, 0))
            return false;
    }
    m->flat_h = h;
    m->flat_w = W;
    if (tile) { /* keep both loops: tiles of the plane, positions of a tile */
        m->flat_tile = tile;
        m->oext[u] = m->oext[u] * W / tile;
        m->oext[u + 1] = tile;
        return true;
    }
    m->oext[u] *= W;
    m->ovar[u] = w;
    m->loops[u] = m->loops[u + 1];
    for (int k = u + 1; k + 1 < m->nout; k++) {
        m->ovar[k] = m->ovar[k + 1];
        m->oext[k] = m->oext[k + 1];
        m->loops[k] = m->loops[k + 1];
    }
    m->nout--;
    return true;
}

/* Accumulator registers of a block: 24 of AVX-512's 32 (4 left for the
 * weights and a broadcast), 12 of AVX2's 16. */
int conv_acc_budget(int vector_bytes) { return vector_bytes >= 64 ? 24 : 12; }

/* The tile of a merged plane bigger than PW_FLAT_MAX: the most positions,
 * up to PW_TILE_MAX, in whole blocks of WIDTH_NV vectors that divide the
 * plane (56x56: 64); else whole vectors, at least three; 0 if none
 * divides it. */
static int64_t pw_tile(int64_t hw) {
    int64_t best = 0;
    for (int64_t t = OC_BLOCK; t <= PW_TILE_MAX; t += OC_BLOCK)
        if (hw % t == 0 && (t % (WIDTH_NV * OC_BLOCK) == 0 || best % (WIDTH_NV * OC_BLOCK) != 0 ||
                              best == 0))
            best = t;
    /* tiles of one or two vectors would be blocks of few sums: by row */
    return best >= 3 * OC_BLOCK ? best : 0;
}

/* Pointwise rows (output channels) per block of a merged plane with no
 * loop outside its channels: the most that fit, down to half of that,
 * that divide the O channels into two or more blocks; 0 if none does. */
int conv_pw_rows(int vector_bytes, int dt, int64_t O) {
    int regs16 = (int)(OC_BLOCK * dtype_bytes(dt) + vector_bytes - 1) / vector_bytes;
    int most = conv_acc_budget(vector_bytes) / (WIDTH_NV * regs16);
    if (most < 1) most = 1;
    for (int mr = most; mr * 2 >= most; mr--)
        if (O % mr == 0 && O / mr >= 2) return mr;
    return 0;
}

bool conv_match_nest(const lp_program *p, lp_id top, cmatch *m, uint8_t *written,
                     uint32_t nbufs, int vector_bytes) {
    *m = (cmatch){.v = -1, .r = -1, .r2 = -1};
    lp_id s = top;
    for (;;) {
        const lp_node *L = lp_get(p, s);
        /* a nest the user scheduled (LP_SCHEDULED) keeps the user's loops */
        if (L->kind != LP_FOR || L->op != LP_SERIAL || (L->flags & LP_SCHEDULED) ||
            m->nout == MAX_OUT ||
            !nest_const_extent(p, L->b, &m->oext[m->nout]) || m->oext[m->nout] < 1)
            return false;
        m->loops[m->nout] = s;
        m->ovar[m->nout++] = L->a;
        lp_id in = nest_single(p, L->c);
        if (lp_get(p, in)->kind != LP_FOR) break;
        s = in;
    }
    lp_id items[20];
    uint32_t n = 0;
    if (!nest_flatten_seq(p, lp_get(p, s)->c, items, &n, 20) || n < 3 ||
        !nest_match_init(p, items[0], &m->acc, &m->init))
        return false;
    lp_id r = items[1];
    for (;;) {
        const lp_node *R = lp_get(p, r);
        if (R->kind != LP_FOR) break;
        if (R->op != LP_SERIAL || m->nred == MAX_RED || !nest_const_extent(p, R->b, &m->rext[m->nred]) ||
            m->rext[m->nred] < 1)
            return false;
        m->rvar[m->nred++] = R->a;
        r = nest_single(p, R->c);
    }
    const lp_node *A = lp_get(p, r);
    if (m->nred == 0 || A->kind != LP_ACCUM || A->a != m->acc || A->op != TVM_REDUCE_SUM)
        return false;
    m->value = A->b;
    if (!nest_match_epilogue(p, items + 2, n - 2, m->ovar, m->nout, m->acc, m->value, written,
                             nbufs, m->rest, &m->nrest, 16))
        return false;
    /* a convolution: a guarded window read, a two-level reduction, packed
     * weights, or (a 1x1 convolution) three output loops */
    m->sel = find_guard(p, m->value, 0);
    if (!m->sel && m->nred < 2 && m->nout < 3 && !find_packed(p, m->value, m, 0)) return false;
    m->v = -1;
    m->wdiv = m->wmod = 0;
    if (find_packed(p, m->value, m, 0)) {
        m->mode = MODE_CHANNELS;
        /* the other reads are broadcasts: they must not depend on o */
        uint32_t ov = m->ovar[m->v];
        if (!unit_stride(p, m->value, ov, m, 0)) return false;
        if (m->sel && nest_mentions(p, m->sel, ov, 0)) return false;
        for (int u = m->nout; u-- > 0;)
            if (u != m->v) {
                m->r = u;
                break;
            }
        m->nvec = (m->oext[m->v] + OC_BLOCK - 1) / OC_BLOCK;
        m->packed = true;
        /* Pointwise: a 1x1 unpadded convolution whose channels are not the
         * innermost output dim (NCHW) and whose innermost dim is a row of
         * at least one vector. Channel vectors would store each output
         * with a strided scatter (measured at 96x14x14 -> 576: a fifth of
         * the time, more with shorter reductions); instead the row is
         * vectorised and the block's rows are output channels, each
         * weight a broadcast from the packed copy: contiguous input loads
         * and output stores. Narrower rows (7, 14) keep channel vectors. */
        int in = m->nout - 1;
        /* A padded window over few input channels (ResNet's 7x7/2 stem
         * over 3 channels) the same way, its strided row read from phase
         * planes of the padded copy: channel vectors spent a fifth of the
         * stem's time in the scattered stores (measured by leaving them
         * out: 2.5 -> 2.0 ms) */
        lp_id pld = m->sel ? lp_get(p, m->sel)->b : 0;
        bool window = m->sel && m->nred > 1 && m->rext[0] <= 4 && m->v != in &&
                      m->oext[in] >= OC_BLOCK && !nest_mentions(p, m->sel, m->ovar[m->v], 0) &&
                      unit_stride(p, m->value, m->ovar[in], m, 0);
        if (window) {
            lp_id sl = find_strided(p, pld, m->ovar[in], 0);
            if (sl) {
                const lp_node *L = lp_get(p, sl);
                lp_id x = lp_list(p, L->list)[L->nlist - 1];
                while (lp_get(p, x)->kind == LP_BINARY && lp_get(p, x)->op != IR_MUL)
                    x = nest_mentions(p, lp_get(p, x)->a, m->ovar[in], 0) ? lp_get(p, x)->a
                                                                         : lp_get(p, x)->b;
                m->phase = lp_get(p, lp_get(p, x)->b)->imm.i;
            }
        }
        /* rows narrower than a vector, of a plane that fills its vectors
         * to within an eighth (14x14: 196 positions in 13 vectors; 7x7
         * would compute 64 lanes for 49 and ran 1.35x oneDNN's time
         * against 1.08x with channel vectors) */
        int64_t hw = 0;
        bool small = !m->sel && m->nred == 1 && in >= 1 && m->v < in - 1 &&
                     !__builtin_mul_overflow(m->oext[in - 1], m->oext[in], &hw) &&
                     hw >= OC_BLOCK && hw <= ((int64_t)1 << 30);
        /* rows of a vector or more that end in a part vector (28: 16 + 12)
         * too, on planes up to PW_FLAT_MAX: a row then gave one vector per
         * block, 6 sums in flight and a broadcast per multiply-add
         * (192x28x28 -> 32, 1 thread: 1.97x oneDNN's time) */
        int64_t tile = 0;
        if (small && m->oext[in] >= OC_BLOCK) {
            tile = hw > PW_FLAT_MAX && m->oext[in] % OC_BLOCK ? pw_tile(hw) : 0;
            small = m->oext[in] % OC_BLOCK != 0 && hw <= PW_FLAT_MAX;
        }
        if (tile && flatten_plane(p, m, in - 1, tile)) {
            /* rows of tile positions: pointwise width mode below */
        } else
            tile = 0;
        bool plane = small && (hw + OC_BLOCK - 1) / OC_BLOCK * OC_BLOCK * 8 <= hw * 9;
        /* A plane of at most two blocks of rows (7x7) keeps channel
         * vectors, its rows the flat positions: two blocks of 24-25 rows
         * instead of seven of 7 (fewer weight loads per multiply-add, more
         * sums in flight), every row's position a constant; float32 on
         * AVX-512 only (up to 28 accumulators of one register each) */
        bool chan_plane = small && !plane && hw <= 2 * MAX_MR && vector_bytes >= 64 &&
                          OC_BLOCK * dtype_bytes(dtype_compute(p->bufs[m->acc].dtype)) <=
                              vector_bytes;
        /* Merged, a nest whose only other output loop is o (batch 1) has
         * no loop around its blocks when o takes a single block loop
         * iteration or needs a remainder block: then the blocks, whose
         * statements share their accumulators, would lie at the top of
         * the kernel, which keeps the code generator from compiling its
         * nests as separate functions (measured: MobileNetV2's compile
         * doubled, 7 -> 13 s). So o must split into two or more whole
         * blocks: 16 channels (channel vectors), pw_rows rows (pointwise) */
        if (small && in == 2) {
            int64_t O = m->oext[m->v];
            int dt = dtype_compute(p->bufs[m->acc].dtype);
            if (chan_plane && O <= OC_BLOCK) chan_plane = false;
            if (plane && !conv_pw_rows(vector_bytes, dt, O)) plane = false;
        }
        if ((plane || chan_plane) && flatten_plane(p, m, in - 1, 0)) {
            in--;
            if (chan_plane) {
                m->r = in;
                return true;
            }
        }
        if (window || (!m->sel && m->nred == 1 && m->v != in && m->oext[in] >= OC_BLOCK &&
                       unit_stride(p, m->value, m->ovar[in], m, 0))) {
            /* a strided row (a 1x1 stride-2 downsample) is read through
             * a contiguous copy made once per call: its vectors would be
             * gathers (measured at 64x56x56 -> 128, stride 2: 20x slower
             * than oneDNN with them); otherwise it keeps channel vectors */
            lp_id ld = window ? 0 : find_strided(p, m->value, m->ovar[in], 0);
            if (!ld || subsample_input(p, m, ld)) {
                m->mode = MODE_WIDTH;
                m->pointwise = true;
                m->r = m->v;
                m->v = in;
                m->wdiv = m->wmod = 0;
            }
        }
        /* a merged plane is scheduled as positions only */
        if (m->flat_h && !m->pointwise) return false;
    } else {
        m->mode = MODE_WIDTH;
        m->v = m->nout - 1;
        if (!unit_stride(p, m->value, m->ovar[m->v], m, 0)) return false;
    }
    /* a guarded read must be a padded window (see pad_input) */
    if (m->sel && !(split_and(p, lp_get(p, m->sel)->a, m) && pad_input(p, m))) return false;
    if (m->pointwise && m->sel && (m->per_plane || m->xdims < 2)) {
        /* a per-plane copy (batches) has no phase planes: channel vectors */
        int in = m->v;
        m->mode = MODE_CHANNELS;
        m->pointwise = m->per_plane = false;
        m->phase = 0;
        find_packed(p, m->value, m, 0);
        m->r = in;
    }
    return true;
}
