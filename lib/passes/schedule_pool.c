/* schedule_pool — needs: constant loop extents (after specialize and
 * simplify), N-d indices (before flatten and bounds). Keeps: every stored
 * value bit for bit: each output combines its window's taps in the
 * original order (kernel row, then column) from the same init, through the
 * same epilogue, reading the same values; only the order in which output
 * elements are computed changes, and the padding test is dropped where it
 * is known to pass. So the llvm result equals the interpreter's exactly.
 *
 * Recognises the nest lowering gives a pooling window (max or average,
 * NCHW or NHWC, any stride, padding, dilation; pool.c's compute):
 *
 *   for u1: ... for uk: { acc = init; for r1: ... for rm:
 *                           acc (max|+)= select(guard, x[..], fill)
 *                         out[.. u1 .. uk ..] = f(acc) }
 *
 * (or a plain x[..] read, without padding), the read maybe through an
 * inlined elementwise op of that one load (a ReLU fused before the pool),
 * some index of the load mixing an output and a reduction variable (a
 * window). Each conjunct of the guard depends on
 * one output loop (the output row or column) and the reduction loops; for
 * each such loop the values where every window tap passes form the
 * interior [lo, hi). Every output loop with a border is split in three:
 * the border parts keep the original guarded body, one output at a time;
 * the interior part recurses, so that the innermost loop (the output
 * columns in NCHW, the channels in NHWC) is reached only with every outer
 * window dimension inside. There its interior is one vectorised loop
 * (variable pool_in) whose body is the window folded tap by tap, unrolled,
 * in registers, each tap read without a test (strided loads at stride 2,
 * which the vectoriser deinterleaves), then the fused epilogue. (A first
 * version kept per-lane accumulators in a local array updated per tap:
 * LLVM 19 left that loop scalar, 2x slower than the generic nest.)
 *
 * Windows of more than MAX_TAPS taps, windows no output loop moves (a
 * global pool, or a pool whose output is 1x1) and nests where no output
 * has its whole window inside keep the generic loops. Runs before
 * schedule_conv, whose width mode would otherwise take average pools (a
 * guarded sum) through its padded copy: 64x112x112 3x3/2 at 1 thread,
 * 0.18 ms there against 0.09 ms here (measured under load).
 *
 * Nest order is kept, so the parallelize pass splits the outermost heavy
 * loop (channels in NCHW) as before. Loops the user scheduled
 * (LP_SCHEDULED) are left alone. Only targets with vectors ask for it
 * (pass_ctx.vector_bytes > 0); the interpreter runs the plain nest, the
 * reference of the tests. */
#include <stdlib.h>

#include "nest.h"
#include "passes.h"

#define MAX_OUT 5     /* output loops of a matched nest */
#define MAX_RED 4     /* reduction loops */
#define MAX_TERMS 16  /* guard conjuncts */
#define MAX_REST 16   /* epilogue stores */
#define MAX_TAPS 64   /* window taps unrolled into one expression */
#define MAX_EVAL (1 << 20)

typedef struct pmatch {
    uint32_t ovar[MAX_OUT];
    int64_t oext[MAX_OUT];
    int nout;
    uint32_t rvar[MAX_RED];
    int64_t rext[MAX_RED];
    int nred;
    uint32_t acc;
    int kind;            /* TVM_REDUCE_MAX or TVM_REDUCE_SUM */
    lp_id init, value;
    lp_id sel;           /* the guarded read (value itself), or 0 */
    lp_id load;          /* the window read (maybe through an elementwise op) */
    lp_id rest[MAX_REST];
    uint32_t nrest;
    lp_id term[MAX_TERMS];
    int nterms;
    /* per output loop: the interior [lo, hi) where every tap passes the
     * guard (lo = 0, hi = extent: no border) */
    int64_t lo[MAX_OUT], hi[MAX_OUT];
} pmatch;

typedef struct psched {
    lp_program *p;
    nest_cloner cl;
    const pmatch *m;
    uint8_t *written; /* the matcher's buffers stored before a nest */
    uint32_t nbufs;
} psched;

/* ---- matching ----------------------------------------------------------- */

/* An index/bool expression of constants and bound loop variables. */
static bool eval(const lp_program *p, lp_id e, const int64_t *env, const uint8_t *bound,
                 int64_t *out, int depth) {
    if (!e || depth > 100) return false;
    const lp_node *n = lp_get(p, e);
    lp_value a, b;
    int64_t x, y;
    switch (n->kind) {
    case LP_CONST:
        if (dtype_is_float(n->dtype)) return false;
        *out = n->imm.i;
        return true;
    case LP_VAR:
        if (!bound[n->a]) return false;
        *out = env[n->a];
        return true;
    case LP_BINARY:
        if (dtype_is_float(lp_get(p, n->a)->dtype) || !eval(p, n->a, env, bound, &x, depth + 1) ||
            !eval(p, n->b, env, bound, &y, depth + 1))
            return false;
        a.i = x, b.i = y;
        *out = lp_eval_binary(n->op, lp_get(p, n->a)->dtype, a, b).i;
        return true;
    case LP_UNARY:
        if (dtype_is_float(n->dtype) || !eval(p, n->a, env, bound, &x, depth + 1)) return false;
        a.i = x;
        *out = lp_eval_unary(n->op, n->dtype, a).i;
        return true;
    default: return false;
    }
}

static bool split_and(const lp_program *p, lp_id c, pmatch *m) {
    const lp_node *n = lp_get(p, c);
    if (n->kind == LP_BINARY && n->op == IR_AND)
        return split_and(p, n->a, m) && split_and(p, n->b, m);
    if (m->nterms >= MAX_TERMS) return false;
    m->term[m->nterms++] = c;
    return true;
}

/* Whether every guard conjunct over output loop u (or over no output loop,
 * when u < 0) holds at u = t for every reduction combination. */
static bool all_pass(const lp_program *p, const pmatch *m, int u, int64_t t, int64_t *env,
                     uint8_t *bound) {
    int64_t combos = 1;
    for (int k = 0; k < m->nred; k++) combos *= m->rext[k];
    if (u >= 0) {
        bound[m->ovar[u]] = 1;
        env[m->ovar[u]] = t;
    }
    bool ok = true;
    for (int64_t c = 0; c < combos && ok; c++) {
        int64_t rem = c;
        for (int k = m->nred; k-- > 0;) {
            env[m->rvar[k]] = rem % m->rext[k];
            rem /= m->rext[k];
        }
        for (int j = 0; j < m->nterms && ok; j++) {
            lp_id e = m->term[j];
            bool mine = true;
            for (int w = 0; w < m->nout; w++)
                if (nest_mentions(p, e, m->ovar[w], 0)) mine = w == u;
            if (u < 0) {
                for (int w = 0; w < m->nout; w++) mine &= !nest_mentions(p, e, m->ovar[w], 0);
            }
            if (!mine) continue;
            int64_t v;
            ok = eval(p, e, env, bound, &v, 0) && v;
        }
    }
    if (u >= 0) bound[m->ovar[u]] = 0;
    return ok;
}

/* The interior of each output loop (see the top); false when a conjunct
 * depends on two output loops, fails without any, or a loop has no
 * interior at all (nothing to gain). */
static bool interiors(const lp_program *p, pmatch *m) {
    for (int u = 0; u < m->nout; u++) m->lo[u] = 0, m->hi[u] = m->oext[u];
    if (!m->nterms) return true;
    int64_t combos = 1;
    for (int k = 0; k < m->nred; k++)
        if (__builtin_mul_overflow(combos, m->rext[k], &combos) || combos > 4096) return false;
    for (int j = 0; j < m->nterms; j++) {
        int owners = 0;
        for (int w = 0; w < m->nout; w++) owners += nest_mentions(p, m->term[j], m->ovar[w], 0);
        if (owners > 1) return false;
    }
    int64_t *env = calloc(p->nvars ? p->nvars : 1, sizeof *env);
    uint8_t *bound = calloc(p->nvars ? p->nvars : 1, 1);
    bool ok = env && bound;
    for (int k = 0; k < m->nred && ok; k++) bound[m->rvar[k]] = 1;
    ok = ok && all_pass(p, m, -1, 0, env, bound);
    for (int u = 0; u < m->nout && ok; u++) {
        if (m->oext[u] * combos > MAX_EVAL) {
            ok = false;
            break;
        }
        int64_t lo = -1, hi = -1;
        for (int64_t t = 0; t < m->oext[u] && ok; t++) {
            bool in = all_pass(p, m, u, t, env, bound);
            if (in && lo < 0) lo = t;
            if (in) {
                if (hi >= 0 && hi != t) ok = false; /* not one run */
                hi = t + 1;
            }
        }
        if (lo < 0) ok = false;
        m->lo[u] = lo;
        m->hi[u] = hi;
    }
    free(env);
    free(bound);
    return ok;
}

/* Whether e is built of constants, unary, binary and cast nodes and loads,
 * with at most one load (*ld). */
static bool one_load(const lp_program *p, lp_id e, lp_id *ld, int depth) {
    if (!e) return true;
    if (depth > 50) return false;
    const lp_node *n = lp_get(p, e);
    switch (n->kind) {
    case LP_CONST: return true;
    case LP_LOAD:
        if (*ld) return false;
        *ld = e;
        return true;
    case LP_BINARY:
    case LP_UNARY:
    case LP_CAST:
        return one_load(p, n->a, ld, depth + 1) && one_load(p, n->b, ld, depth + 1);
    default: return false;
    }
}

static bool match_nest(const lp_program *p, lp_id top, pmatch *m, uint8_t *written,
                       uint32_t nbufs) {
    *m = (pmatch){0};
    lp_id s = top;
    for (;;) {
        const lp_node *L = lp_get(p, s);
        if (L->kind != LP_FOR || L->op != LP_SERIAL || (L->flags & LP_SCHEDULED) ||
            m->nout == MAX_OUT || !nest_const_extent(p, L->b, &m->oext[m->nout]) ||
            m->oext[m->nout] < 1)
            return false;
        m->ovar[m->nout++] = L->a;
        lp_id in = nest_single(p, L->c);
        if (lp_get(p, in)->kind != LP_FOR) break;
        s = in;
    }
    lp_id items[MAX_REST + 2];
    uint32_t n = 0;
    if (!nest_flatten_seq(p, lp_get(p, s)->c, items, &n, MAX_REST + 2) || n < 3) return false;
    const lp_node *S = lp_get(p, items[0]);
    if (S->kind != LP_STORE || p->bufs[S->a].kind != LP_BUF_LOCAL || p->bufs[S->a].ndim != 0 ||
        lp_get(p, S->b)->kind != LP_CONST)
        return false;
    m->acc = S->a;
    m->init = S->b;
    lp_id r = items[1];
    for (;;) {
        const lp_node *R = lp_get(p, r);
        if (R->kind != LP_FOR) break;
        if (R->op != LP_SERIAL || (R->flags & LP_SCHEDULED) || m->nred == MAX_RED ||
            !nest_const_extent(p, R->b, &m->rext[m->nred]) || m->rext[m->nred] < 1)
            return false;
        m->rvar[m->nred++] = R->a;
        r = nest_single(p, R->c);
    }
    const lp_node *A = lp_get(p, r);
    int64_t taps = 1;
    for (int k = 0; k < m->nred; k++) taps *= m->rext[k];
    if (taps > MAX_TAPS || m->nred == 0 || A->kind != LP_ACCUM || A->a != m->acc ||
        (A->op != TVM_REDUCE_SUM && A->op != TVM_REDUCE_MAX))
        return false;
    m->kind = A->op;
    m->value = A->b;
    /* the value is the window read, maybe through an inlined elementwise
     * op (a ReLU fused before a max pool): select(guard, f(x[..]), const)
     * or f(x[..]) with f of one load and constants (a convolution's
     * product has two loads: not a pool) */
    const lp_node *V = lp_get(p, m->value);
    lp_id read = m->value;
    if (V->kind == LP_SELECT && lp_get(p, V->c)->kind == LP_CONST) {
        m->sel = m->value;
        read = V->b;
        if (!split_and(p, V->a, m)) return false;
    }
    m->load = read;
    lp_id ld = 0;
    if (!one_load(p, read, &ld, 0) || !ld) return false;
    const lp_node *X = lp_get(p, ld);
    if (p->bufs[X->a].kind == LP_BUF_LOCAL || (X->flags & LP_CHECKED)) return false;
    /* a window: some index mixes an output and a reduction loop (a plain
     * reduction over whole dims, a global pool, is not one) */
    bool window = false;
    for (uint32_t d = 0; d < X->nlist; d++) {
        lp_id ix = lp_list(p, X->list)[d];
        bool o = false, red = false;
        for (int u = 0; u < m->nout; u++) o |= nest_mentions(p, ix, m->ovar[u], 0);
        for (int k = 0; k < m->nred; k++) red |= nest_mentions(p, ix, m->rvar[k], 0);
        window |= o && red;
    }
    if (!window) return false;
    if (!nest_match_epilogue(p, items + 2, n - 2, m->ovar, m->nout, m->acc, m->value, written,
                             nbufs, m->rest, &m->nrest, MAX_REST))
        return false;
    return interiors(p, m);
}

/* ---- building ------------------------------------------------------------- */

static uint32_t new_var(lp_program *p, uint32_t like) {
    return lp_new_var(p, p->vars[like].name, LP_VAR_LOOP, 0);
}

/* var_to[ovar[k]] = fresh + from */
static lp_id bind(psched *S, int k, uint32_t fresh, int64_t from) {
    lp_id e = nest_addc(S->p, lp_var_ref(S->p, fresh), from);
    S->cl.var_to[S->m->ovar[k]] = e;
    return e;
}

/* One output, as the original body (guard kept): all output vars bound. */
static lp_id point(psched *S) {
    lp_program *p = S->p;
    const pmatch *m = S->m;
    nest_cloner *cl = &S->cl;
    uint32_t rv[MAX_RED];
    for (int k = 0; k < m->nred; k++) {
        rv[k] = new_var(p, m->rvar[k]);
        cl->var_to[m->rvar[k]] = lp_var_ref(p, rv[k]);
    }
    cl->acc = 0;
    nest_subst_begin(cl);
    lp_id red = lp_accum(p, m->acc, m->kind, nest_clone(cl, m->value));
    for (int k = m->nred; k-- > 0;) red = lp_for(p, rv[k], nest_i64(p, m->rext[k]), LP_SERIAL, red);
    for (int k = 0; k < m->nred; k++) cl->var_to[m->rvar[k]] = 0;
    nest_subst_begin(cl);
    lp_id st[MAX_REST + 2];
    uint32_t ns = 0;
    st[ns++] = lp_store(p, m->acc, NULL, 0, m->init);
    st[ns++] = red;
    for (uint32_t k = 0; k < m->nrest; k++) st[ns++] = nest_clone(cl, m->rest[k]);
    return lp_seq(p, st, ns);
}

/* Output loops k.. over [from, to) for loop k and whole ranges inside,
 * one output at a time (a border). */
static lp_id scalar_nest(psched *S, int k, int64_t from, int64_t to) {
    lp_program *p = S->p;
    const pmatch *m = S->m;
    if (to <= from) return 0;
    uint32_t v = new_var(p, m->ovar[k]);
    bind(S, k, v, from);
    lp_id body = k + 1 < m->nout ? scalar_nest(S, k + 1, 0, m->oext[k + 1]) : point(S);
    S->cl.var_to[m->ovar[k]] = 0;
    return lp_for(p, v, nest_i64(p, to - from), LP_SERIAL, body);
}

/* The innermost loop over [from, to), every other window dim inside: one
 * vectorised loop whose body folds the window's taps, unrolled in their
 * original order (op(..op(op(init, t0), t1).., tn)), in registers, and
 * stores the epilogue of the result; each tap is read without a test.
 * A run too short for vectors (NHWC with 3 channels) is the same loop,
 * serial. */
static lp_id vectors(psched *S, int64_t from, int64_t to) {
    lp_program *p = S->p;
    const pmatch *m = S->m;
    nest_cloner *cl = &S->cl;
    int64_t len = to - from;
    if (len <= 0) return 0;
    int in = m->nout - 1;
    uint32_t jj = lp_new_var(p, "pool_in", LP_VAR_LOOP, 0);
    cl->var_to[m->ovar[in]] = nest_addc(p, lp_var_ref(p, jj), from);
    int op = m->kind == TVM_REDUCE_MAX ? IR_MAX : IR_ADD;
    lp_id acc = m->init;
    int64_t combos = 1;
    for (int k = 0; k < m->nred; k++) combos *= m->rext[k];
    for (int64_t c = 0; c < combos; c++) {
        int64_t rem = c;
        for (int k = m->nred; k-- > 0;) {
            cl->var_to[m->rvar[k]] = nest_i64(p, rem % m->rext[k]);
            rem /= m->rext[k];
        }
        cl->acc = 0;
        nest_subst_begin(cl);
        /* inside: the guarded read is the read */
        lp_id x = nest_clone(cl, m->load);
        if (m->sel) {
            cl->memo[m->sel] = x;
            cl->memo_tag[m->sel] = cl->tag;
        }
        acc = lp_binary(p, op, acc, nest_clone(cl, m->value));
    }
    for (int k = 0; k < m->nred; k++) cl->var_to[m->rvar[k]] = 0;
    cl->acc = m->acc;
    cl->acc_to = acc;
    nest_subst_begin(cl);
    lp_id st[MAX_REST];
    for (uint32_t k = 0; k < m->nrest; k++) st[k] = nest_clone(cl, m->rest[k]);
    cl->acc = 0;
    cl->acc_to = 0;
    cl->var_to[m->ovar[in]] = 0;
    lp_id r = lp_for(p, jj, nest_i64(p, len), len >= 4 ? LP_VECTORIZED : LP_SERIAL,
                     lp_seq(p, st, m->nrest));
    if (r) p->nodes[r].flags |= LP_NO_UNROLL;
    return r;
}

/* Output loop k and those inside, every loop before k inside its interior. */
static lp_id build(psched *S, int k) {
    lp_program *p = S->p;
    const pmatch *m = S->m;
    int64_t lo = m->lo[k], hi = m->hi[k];
    lp_id parts[3], s;
    uint32_t np = 0;
    if ((s = scalar_nest(S, k, 0, lo))) parts[np++] = s;
    if (k == m->nout - 1) {
        if ((s = vectors(S, lo, hi))) parts[np++] = s;
    } else {
        uint32_t v = new_var(p, m->ovar[k]);
        bind(S, k, v, lo);
        lp_id body = build(S, k + 1);
        S->cl.var_to[m->ovar[k]] = 0;
        parts[np++] = lp_for(p, v, nest_i64(p, hi - lo), LP_SERIAL, body);
    }
    if ((s = scalar_nest(S, k, hi, m->oext[k]))) parts[np++] = s;
    return np == 1 ? parts[0] : lp_seq(p, parts, np);
}

static lp_id schedule(psched *S, const pmatch *m) {
    S->m = m;
    return build(S, 0);
}

/* ---- the walk ------------------------------------------------------------ */

/* A loop of the walk: its blocked replacement when it is a pooling nest
 * (itself if scheduling it failed), 0 (look inside) when it is not one. */
static lp_id try_loop(void *ctx, lp_id s) {
    psched *S = ctx;
    lp_program *p = S->p;
    pmatch m;
    if (!match_nest(p, s, &m, S->written, S->nbufs)) return 0;
    lp_id r = schedule(S, &m);
    return r && !S->cl.oom && !p->failed ? r : s;
}

tvm_status pass_schedule_pool(pass_ctx *pc) {
    lp_program *p = pc->p;
    if (pc->vector_bytes <= 0 || !p->body) return TVM_OK;
    psched S = {.p = p};
    uint32_t nbufs = p->nbufs;
    bool cloner_ok = nest_cloner_init(&S.cl, p);
    uint8_t *written = calloc(nbufs ? nbufs : 1, 1);
    tvm_status st = TVM_OK;
    if (!cloner_ok || !written) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        S.written = written;
        S.nbufs = nbufs;
        p->body = nest_rewrite_loops(p, p->body, try_loop, &S);
        if (p->failed || S.cl.oom) st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    nest_cloner_free(&S.cl);
    free(written);
    return st;
}
