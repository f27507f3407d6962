/* parallelize — needs: a flat, specialised program (constant extents) whose
 * body is the sequence of top-level statements (simplify splices the
 * kernels' sequences); runs before plan_memory, which sizes the per-thread
 * copies of private scratch buffers. Keeps: the program; marks a top-level
 * loop LP_PARALLEL (loop.h) when that is legal and worth a thread hand-off.
 *
 * Legal, for a top-level loop L over i:
 *   - every store to an argument or shared workspace buffer inside L has a
 *     flat index c*i + rest, affine in loop variables with constant
 *     coefficients, where c > 0 and the span of `rest` over its loops is
 *     below c: distinct iterations write disjoint elements; and L loads
 *     nothing it stores there (lowering never reads a kernel's own output);
 *   - a workspace buffer touched only inside L and stored at indices that
 *     do not mention i is per-iteration scratch (a staged fused compute,
 *     lower.c): it gets one copy per thread (slot_bytes), unless the copies
 *     would exceed MAX_PRIVATE_BYTES;
 *   - a local accumulator written inside L must be initialised (a plain
 *     store) inside L and used nowhere else: it is per iteration. Locals
 *     only read inside L (a full reduction placed before the loop) are
 *     shared read-only.
 * Anything else (an unknown index shape, a non-constant extent) keeps the
 * loop serial. Reductions are never split: results do not depend on the
 * thread count.
 *
 * Worth it: the loop's estimated work (iterations times statement sizes) is
 * at least MIN_WORK, so tiny kernels keep their call overhead low. The
 * decision never depends on the thread count, so a 1-thread context runs
 * the very same code as one chunk.
 *
 * TVMC_PARALLEL_MIN_WORK (a whole number, read once) replaces MIN_WORK: the
 * differential tests set 0 so that random small graphs exercise the
 * legality rules and the outlined code. */
#include <stdlib.h>

#include "passes.h"

#define MIN_WORK (1 << 16)            /* ~ tens of microseconds of scalar work */

static pthread_once_t min_work_once = PTHREAD_ONCE_INIT;
static int64_t min_work = MIN_WORK;
static void read_min_work(void) {
    const char *e = getenv("TVMC_PARALLEL_MIN_WORK");
    if (!e || !*e) return;
    char *end = NULL;
    long long v = strtoll(e, &end, 10);
    if (*end == '\0' && v >= 0) min_work = v;
}
#define MAX_PRIVATE_BYTES ((int64_t)64 << 20)
#define INNERMOST_QUANTUM 256         /* multiple of any vector width x interleave */
#define MAX_TERMS 32

/* An int64 index as c + sum coef[k] * var[k] + sum ocoef[k] * opq[k]: the
 * opaque parts are subtrees that are not affine (the clamped row of a
 * register block, min(i0 * 6, M - 6)); check_store_index bounds them by
 * interval arithmetic. */
typedef struct affine {
    uint32_t var[MAX_TERMS];
    int64_t coef[MAX_TERMS];
    uint32_t n;
    lp_id opq[MAX_TERMS];
    int64_t ocoef[MAX_TERMS];
    uint32_t nopq;
    int64_t c;
    bool ok;
} affine;

static void aff_add_opaque(affine *a, lp_id e, int64_t coef) {
    if (a->nopq == MAX_TERMS) {
        a->ok = false;
        return;
    }
    a->opq[a->nopq] = e;
    a->ocoef[a->nopq++] = coef;
}

static void aff_add_term(affine *a, uint32_t var, int64_t coef) {
    for (uint32_t k = 0; k < a->n; k++)
        if (a->var[k] == var) {
            if (__builtin_add_overflow(a->coef[k], coef, &a->coef[k])) a->ok = false;
            return;
        }
    if (a->n == MAX_TERMS) {
        a->ok = false;
        return;
    }
    a->var[a->n] = var;
    a->coef[a->n++] = coef;
}

/* a += scale * e; false (a->ok) when e is not affine in variables. */
static void aff_accum(const lp_program *p, lp_id e, int64_t scale, affine *a, int depth) {
    if (!a->ok) return;
    const lp_node *n = lp_get(p, e);
    if (depth > 64 || n->dtype != TVM_INT64) {
        a->ok = false;
        return;
    }
    int64_t t;
    switch (n->kind) {
    case LP_CONST:
        if (__builtin_mul_overflow(n->imm.i, scale, &t) || __builtin_add_overflow(a->c, t, &a->c))
            a->ok = false;
        return;
    case LP_VAR:
        if (p->vars[n->a].kind != LP_VAR_LOOP) a->ok = false;
        else aff_add_term(a, n->a, scale);
        return;
    case LP_BINARY:
        if (n->op == IR_ADD || n->op == IR_SUB) {
            aff_accum(p, n->a, scale, a, depth + 1);
            if (n->op == IR_SUB && scale == INT64_MIN) a->ok = false;
            else aff_accum(p, n->b, n->op == IR_SUB ? -scale : scale, a, depth + 1);
            return;
        }
        if (n->op == IR_MUL) {
            const lp_node *x = lp_get(p, n->a), *y = lp_get(p, n->b);
            if (y->kind == LP_CONST && !__builtin_mul_overflow(scale, y->imm.i, &t))
                aff_accum(p, n->a, t, a, depth + 1);
            else if (x->kind == LP_CONST && !__builtin_mul_overflow(scale, x->imm.i, &t))
                aff_accum(p, n->b, t, a, depth + 1);
            else
                aff_add_opaque(a, e, scale);
            return;
        }
        aff_add_opaque(a, e, scale);
        return;
    case LP_UNARY:
    case LP_SELECT:
    case LP_CAST: aff_add_opaque(a, e, scale); return;
    default: a->ok = false; return;
    }
}

typedef struct par_ctx {
    lp_program *p;
    uint32_t loop_var;
    int64_t *extent;    /* per variable: constant extent of its loop inside L, -1 */
    int32_t *touch;     /* per buffer: top-level statement index that touches it,
                           -2 when several do */
    uint8_t *stored;    /* per buffer: stored / accumulated inside L */
    uint8_t *loaded;    /* per buffer: loaded inside L */
    uint8_t *inited;    /* per buffer: a plain store inside L (locals) */
    uint8_t *uses_i;    /* per buffer: a store index mentions the loop var */
    uint8_t *disjoint_bad; /* per buffer: a store is not provably disjoint */
    int64_t work;
    uint32_t *seen, tag; /* per node: visited by scan_loads for this loop */
    bool inner_loop;    /* L's body holds a loop */
    bool ok;
} par_ctx;

/* Nodes of an expression, up to a cap: the per-element cost estimate. */
static int64_t expr_size(const lp_program *p, lp_id e, int64_t cap) {
    if (!e || cap <= 0) return 0;
    const lp_node *n = lp_get(p, e);
    int64_t s = 1;
    if (n->kind == LP_CONST || n->kind == LP_VAR) return 1;
    if (n->kind != LP_LOAD && n->kind != LP_CALL) {
        s += expr_size(p, n->a, cap - s);
        s += expr_size(p, n->b, cap - s);
        s += expr_size(p, n->c, cap - s);
    } else if (n->kind == LP_LOAD && (n->flags & LP_CHECKED)) {
        s += expr_size(p, n->b, cap - s);
    }
    if (n->kind != LP_CONST)
        for (uint32_t k = 0; k < n->nlist && s < cap; k++)
            s += expr_size(p, p->pool[n->list + k], cap - s);
    return s;
}

/* Records the loads in expression e (buffers read inside L). */
static void scan_loads(par_ctx *P, lp_id e, int depth) {
    if (!e || !P->ok) return;
    if (depth > 4000) {
        P->ok = false;
        return;
    }
    /* expressions are shared (a DAG): each node once per loop considered */
    if (P->seen[e] == P->tag) return;
    P->seen[e] = P->tag;
    const lp_node *n = lp_get(P->p, e);
    if (n->kind == LP_CONST || n->kind == LP_VAR) return;
    if (n->kind == LP_LOAD) {
        P->loaded[n->a] = 1;
        if (n->flags & LP_CHECKED) scan_loads(P, n->b, depth + 1);
    } else if (n->kind != LP_CALL) {
        scan_loads(P, n->a, depth + 1);
        scan_loads(P, n->b, depth + 1);
        scan_loads(P, n->c, depth + 1);
    }
    for (uint32_t k = 0; k < n->nlist; k++) scan_loads(P, P->p->pool[n->list + k], depth + 1);
}

/* The range [*lo, *hi] of int64 expression e over the loops inside L (and
 * L's own variable); false when e is not made of constants, loop variables
 * of known extent, + - * min max and division by a positive constant. Sets
 * *uses_i when e mentions L's variable. */
static bool index_range(const par_ctx *P, lp_id e, int64_t *lo, int64_t *hi, bool *uses_i,
                        int depth) {
    const lp_program *p = P->p;
    const lp_node *n = lp_get(p, e);
    if (depth > 64 || n->dtype != TVM_INT64) return false;
    if (n->kind == LP_CONST) {
        *lo = *hi = n->imm.i;
        return true;
    }
    if (n->kind == LP_VAR) {
        int64_t ext = P->extent[n->a];
        if (p->vars[n->a].kind != LP_VAR_LOOP || ext < 1) return false;
        if (n->a == P->loop_var) *uses_i = true;
        *lo = 0;
        *hi = ext - 1;
        return true;
    }
    if (n->kind != LP_BINARY) return false;
    int64_t al, ah, bl, bh;
    if (!index_range(P, n->a, &al, &ah, uses_i, depth + 1) ||
        !index_range(P, n->b, &bl, &bh, uses_i, depth + 1))
        return false;
    switch (n->op) {
    case IR_ADD:
        return !add_overflow_i64(al, bl, lo) && !add_overflow_i64(ah, bh, hi);
    case IR_SUB:
        return !__builtin_sub_overflow(al, bh, lo) && !__builtin_sub_overflow(ah, bl, hi);
    case IR_MUL: {
        int64_t c[4];
        if (mul_overflow_i64(al, bl, &c[0]) || mul_overflow_i64(al, bh, &c[1]) ||
            mul_overflow_i64(ah, bl, &c[2]) || mul_overflow_i64(ah, bh, &c[3]))
            return false;
        *lo = *hi = c[0];
        for (int k = 1; k < 4; k++) {
            if (c[k] < *lo) *lo = c[k];
            if (c[k] > *hi) *hi = c[k];
        }
        return true;
    }
    case IR_MIN:
        *lo = al < bl ? al : bl;
        *hi = ah < bh ? ah : bh;
        return true;
    case IR_MAX:
        *lo = al > bl ? al : bl;
        *hi = ah > bh ? ah : bh;
        return true;
    case IR_FLOORDIV:
        /* monotonic in the dividend for a positive constant divisor */
        if (bl != bh || bl <= 0) return false;
        *lo = al >= 0 ? al / bl : -((-al + bl - 1) / bl);
        *hi = ah >= 0 ? ah / bl : -((-ah + bl - 1) / bl);
        return true;
    default: return false;
    }
}

/* The span (largest minus smallest value) of coef * x for x in [lo, hi]. */
static bool term_span(int64_t coef, int64_t lo, int64_t hi, int64_t *span) {
    int64_t w;
    if (__builtin_sub_overflow(hi, lo, &w) || mul_overflow_i64(coef < 0 ? -coef : coef, w, span))
        return false;
    return true;
}

/* Checks a store's index: disjoint across iterations of L, or per-iteration.
 *
 * Disjoint when the index is ci * i + H + Lo where i is L's variable
 * (ci > 0), every term of H is a multiple of some modulus D, and the terms
 * of Lo span less than ci, with ci * (extent - 1) + span(Lo) < D (D = none:
 * no H). Two iterations i != i' writing one element would need
 * ci * (i - i') + Lo - Lo' = 0 modulo D while its size is below D, so
 * ci * (i - i') = Lo' - Lo, which is smaller than ci in size: impossible.
 * That covers row-major blocks split by column (C[row * N + j0 * NR + jj]
 * with j0 the parallel loop) as well as the plain c * i + rest. */
static void check_store_index(par_ctx *P, uint32_t buf, lp_id idx) {
    lp_program *p = P->p;
    affine a = {.ok = true};
    aff_accum(p, idx, 1, &a, 0);
    if (!a.ok) {
        P->disjoint_bad[buf] = 1;
        /* an index we cannot read may still mention i */
        P->uses_i[buf] = 1;
        return;
    }
    /* the terms other than i: coefficient and span */
    int64_t coef[2 * MAX_TERMS], span[2 * MAX_TERMS], ci = 0;
    uint32_t nt = 0;
    bool bad = false;
    for (uint32_t k = 0; k < a.n; k++) {
        if (a.coef[k] == 0) continue;
        if (a.var[k] == P->loop_var) {
            ci = a.coef[k];
            continue;
        }
        int64_t ext = P->extent[a.var[k]];
        if (ext < 1 || !term_span(a.coef[k], 0, ext - 1, &span[nt])) bad = true;
        coef[nt++] = a.coef[k];
    }
    for (uint32_t k = 0; k < a.nopq; k++) {
        int64_t lo, hi;
        bool uses = false;
        if (!index_range(P, a.opq[k], &lo, &hi, &uses, 0)) {
            P->uses_i[buf] = 1;
            bad = true;
            continue;
        }
        if (uses) {
            P->uses_i[buf] = 1;
            bad = true; /* i inside a clamp: not of the form above */
        }
        if (!term_span(a.ocoef[k], lo, hi, &span[nt])) bad = true;
        coef[nt++] = a.ocoef[k];
    }
    if (ci != 0) P->uses_i[buf] = 1;
    if (bad || ci <= 0) {
        P->disjoint_bad[buf] = 1;
        return;
    }
    int64_t reach; /* ci * (extent - 1) */
    if (mul_overflow_i64(ci, P->extent[P->loop_var] - 1, &reach)) {
        P->disjoint_bad[buf] = 1;
        return;
    }
    /* D = none first, then each coefficient larger than ci */
    for (uint32_t d = 0; d <= nt; d++) {
        int64_t D = d == nt ? 0 : (coef[d] < 0 ? -coef[d] : coef[d]);
        if (d < nt && D <= ci) continue;
        int64_t low = 0, total;
        bool fits = true;
        for (uint32_t k = 0; k < nt && fits; k++)
            if (D == 0 || coef[k] % D != 0) fits = !add_overflow_i64(low, span[k], &low);
        if (!fits || low >= ci) continue;
        if (D == 0 || (!add_overflow_i64(reach, low, &total) && total < D)) return;
    }
    P->disjoint_bad[buf] = 1;
}

/* Walks statement s inside L; returns its estimated work. */
static int64_t scan_stmt(par_ctx *P, lp_id s, int depth) {
    if (!s || !P->ok) return 0;
    if (depth > 4000) {
        P->ok = false;
        return 0;
    }
    lp_program *p = P->p;
    const lp_node *n = lp_get(p, s);
    switch (n->kind) {
    case LP_SEQ: {
        int64_t w = 0;
        for (uint32_t k = 0; k < n->nlist; k++) {
            int64_t x = scan_stmt(P, p->pool[n->list + k], depth + 1);
            if (__builtin_add_overflow(w, x, &w)) w = INT64_MAX;
        }
        return w;
    }
    case LP_FOR: {
        if (depth > 0) P->inner_loop = true;
        const lp_node *e = lp_get(p, n->b);
        int64_t ext = e->kind == LP_CONST ? e->imm.i : -1;
        if (ext < 0) P->ok = false;
        P->extent[n->a] = ext;
        int64_t w = scan_stmt(P, n->c, depth + 1), t;
        if (__builtin_mul_overflow(w, ext < 1 ? 1 : ext, &t)) t = INT64_MAX;
        return t;
    }
    case LP_STORE:
    case LP_ACCUM: {
        uint32_t b = n->a;
        P->stored[b] = 1;
        if (n->kind == LP_STORE && p->bufs[b].kind == LP_BUF_LOCAL) P->inited[b] = 1;
        if (n->kind == LP_STORE && p->bufs[b].kind != LP_BUF_LOCAL) {
            if (n->nlist != 1) P->ok = false;
            else {
                check_store_index(P, b, p->pool[n->list]);
                scan_loads(P, p->pool[n->list], depth + 1);
            }
        }
        scan_loads(P, n->b, depth + 1);
        return 1 + expr_size(p, n->b, 256);
    }
    case LP_IF: {
        scan_loads(P, n->a, depth + 1);
        int64_t w = scan_stmt(P, n->b, depth + 1);
        int64_t x = scan_stmt(P, n->c, depth + 1);
        if (__builtin_add_overflow(w, x, &w)) w = INT64_MAX;
        return w + 1;
    }
    default: P->ok = false; return 0;
    }
}

/* Buffers touched by each top-level statement (for "used only inside L"). */
static void mark_touch(lp_program *p, lp_id root, int32_t k, int32_t *touch,
                       uint32_t **stack, uint32_t *cap, uint32_t *seen) {
    uint32_t n = 0;
    if (VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = root;
    while (n) {
        lp_id e = (*stack)[--n];
        /* expressions are shared (a DAG): visit each node once per statement,
         * or the walk is exponential in the nesting */
        if (!e || seen[e] == (uint32_t)k + 1) continue;
        seen[e] = (uint32_t)k + 1;
        const lp_node *x = &p->nodes[e];
        if (x->kind == LP_LOAD || x->kind == LP_STORE || x->kind == LP_ACCUM) {
            int32_t *t = &touch[x->a];
            *t = *t == -1 || *t == k ? k : -2;
        }
        lp_id kids[3] = {x->a, x->b, x->c};
        if (x->kind == LP_VAR || x->kind == LP_LOAD || x->kind == LP_STORE ||
            x->kind == LP_ACCUM || x->kind == LP_FOR || x->kind == LP_CALL)
            kids[0] = 0; /* a names a variable or buffer there */
        for (int q = 0; q < 3; q++)
            if (kids[q] && VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = kids[q];
        if (x->kind != LP_CONST)
            for (uint32_t q = 0; q < x->nlist; q++)
                if (VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = p->pool[x->list + q];
    }
}

/* Decides for top-level statement k (a loop); marks it and its private
 * buffers when parallel. */
static void consider(par_ctx *P, lp_id s, int32_t k) {
    lp_program *p = P->p;
    lp_node *n = &p->nodes[s];
    if (n->kind != LP_FOR || n->op != LP_SERIAL) return;
    /* the user scheduled this nest without `parallel`: it stays serial */
    if (n->flags & LP_SCHEDULED) return;
    const lp_node *e = lp_get(p, n->b);
    if (e->kind != LP_CONST || e->imm.i < 2) return;
    P->tag = (uint32_t)k + 1;
    size_t nb = p->nbufs;
    memset(P->stored, 0, nb);
    memset(P->loaded, 0, nb);
    memset(P->inited, 0, nb);
    memset(P->uses_i, 0, nb);
    memset(P->disjoint_bad, 0, nb);
    for (uint32_t v = 0; v < p->nvars; v++) P->extent[v] = -1;
    P->loop_var = n->a;
    P->extent[n->a] = e->imm.i;
    P->inner_loop = false;
    P->ok = true;
    int64_t w = scan_stmt(P, n->c, 1), work;
    if (!P->ok) return;
    if (__builtin_mul_overflow(w, e->imm.i, &work)) work = INT64_MAX;
    if (work < min_work) return;
    int64_t private_bytes = 0;
    for (uint32_t b = 1; b < nb; b++) {
        const lp_buffer *bf = &p->bufs[b];
        if (!P->stored[b]) continue;
        bool only_here = P->touch[b] == k;
        if (bf->kind == LP_BUF_LOCAL) {
            if (!P->inited[b] || !only_here) return; /* carried across iterations */
            continue;
        }
        if (bf->kind == LP_BUF_WORKSPACE && only_here && !P->uses_i[b]) {
            /* per-iteration scratch: one copy per slot */
            int64_t bytes;
            if (bf->elems < 0 || mul_overflow_i64(bf->elems, dtype_bytes(bf->dtype), &bytes) ||
                add_overflow_i64(bytes, 63, &bytes))
                return;
            bytes &= ~(int64_t)63;
            int64_t all;
            if (mul_overflow_i64(bytes, p->par_slots, &all) ||
                add_overflow_i64(private_bytes, all, &private_bytes) ||
                private_bytes > MAX_PRIVATE_BYTES)
                return;
            continue;
        }
        if (P->disjoint_bad[b] || P->loaded[b]) return;
    }
    /* legal and worth it: commit */
    for (uint32_t b = 1; b < nb; b++) {
        lp_buffer *bf = &p->bufs[b];
        if (P->stored[b] && bf->kind == LP_BUF_WORKSPACE && P->touch[b] == k && !P->uses_i[b])
            bf->slot_bytes = (bf->elems * dtype_bytes(bf->dtype) + 63) & ~(int64_t)63;
    }
    n->op = LP_PARALLEL;
    n->imm.i = P->inner_loop ? 1 : INNERMOST_QUANTUM;
}

tvm_status pass_parallelize(pass_ctx *pc) {
    lp_program *p = pc->p;
    pthread_once(&min_work_once, read_min_work);
    if (p->par_slots < 1) p->par_slots = pc->par_slots < 1 ? 1 : pc->par_slots;
    if (!p->body) return TVM_OK;
    const lp_node *root = lp_get(p, p->body);
    bool seq = root->kind == LP_SEQ;
    int32_t nk = seq ? (int32_t)root->nlist : 1;
    par_ctx P = {.p = p};
    P.extent = malloc((p->nvars ? p->nvars : 1) * sizeof *P.extent);
    P.touch = malloc((p->nbufs ? p->nbufs : 1) * sizeof *P.touch);
    uint8_t *flags = calloc(5, p->nbufs ? p->nbufs : 1);
    uint32_t *stack = NULL, cap = 0;
    tvm_status st = TVM_OK;
    if (!P.extent || !P.touch || !flags) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: parallelize: out of memory");
        goto out;
    }
    P.stored = flags;
    P.loaded = flags + p->nbufs;
    P.inited = flags + 2 * p->nbufs;
    P.uses_i = flags + 3 * p->nbufs;
    P.disjoint_bad = flags + 4 * p->nbufs;
    for (uint32_t b = 0; b < p->nbufs; b++) P.touch[b] = -1;
    uint32_t *seen = calloc(p->nnodes, sizeof *seen);
    if (!seen) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: parallelize: out of memory");
        goto out;
    }
    for (int32_t k = 0; k < nk; k++)
        mark_touch(p, seq ? p->pool[root->list + k] : p->body, k, P.touch, &stack, &cap, seen);
    memset(seen, 0, p->nnodes * sizeof *seen);
    P.seen = seen;
    for (int32_t k = 0; k < nk; k++) consider(&P, seq ? p->pool[root->list + k] : p->body, k);
    free(seen);
out:
    free(P.extent);
    free(P.touch);
    free(flags);
    free(stack);
    return st;
}
