/* simplify.c — constant folding and exact algebraic rules on the loop IR.
 * Needs: a verified program (flat or not, size variables allowed). Keeps:
 * the exact semantics of loop.h, bit for bit (no float reassociation, NaN,
 * -0.0, wrap-around, x/0 == 0) and every bounds check that could fire.
 *
 * The rewrite is bottom-up: each old node maps to its simplified node (memo)
 * and new nodes are appended to the same arena; p->body is set to the new
 * root at the end. A loop of extent 1 is replaced by its body with the loop
 * variable bound to 0 (a substitution table consulted at LP_VAR); since the
 * substitution changes what a node means, memo entries are tagged with an
 * epoch that advances whenever the substitution set changes. */
#include "passes.h"

#include <math.h>
#include <stdlib.h>

#define SAME_EXPR_DEPTH 12

typedef struct sctx {
    lp_program *p;
    uint32_t nold;      /* nodes that existed before the pass */
    uint32_t *memo;     /* old id -> new id */
    uint32_t *memo_ep;  /* epoch of each memo entry */
    uint32_t epoch;
    lp_id *subst;       /* per variable: replacement expression, 0 = none */
    uint8_t *chk;       /* per node: 0 unknown, 1 no checked load, 2 has one */
    uint32_t nchk;
    uint32_t *stack;    /* scratch for operand lists */
    uint32_t nstack, cap_stack;
    lp_id zero64, empty;
    bool oom;
} sctx;

/* ---- small helpers ------------------------------------------------------- */

static inline lp_node nd(const sctx *s, lp_id id) { return s->p->nodes[id]; }
static inline int dt_of(const sctx *s, lp_id id) { return s->p->nodes[id].dtype; }
static inline bool is_const(const sctx *s, lp_id id) {
    return id && s->p->nodes[id].kind == LP_CONST;
}

static lp_value cval(const sctx *s, lp_id id) {
    lp_value v;
    memcpy(&v, &s->p->nodes[id].imm, sizeof v);
    return v;
}

static bool is_int_const(const sctx *s, lp_id id, int64_t v) {
    return is_const(s, id) && !dtype_is_float(dt_of(s, id)) && s->p->nodes[id].imm.i == v;
}

static bool is_float_const(const sctx *s, lp_id id, double v) {
    if (!is_const(s, id) || !dtype_is_float(dt_of(s, id))) return false;
    double f = s->p->nodes[id].imm.f;
    return f == v && signbit(f) == signbit(v);
}

static bool push(sctx *s, uint32_t v) {
    if (!VEC_PUSH_OK(s->stack, s->nstack, s->cap_stack, UINT32_MAX)) {
        s->oom = true;
        return false;
    }
    s->stack[s->nstack++] = v;
    return true;
}

static lp_id mk_const(sctx *s, int dtype, lp_value v) {
    lp_node n = {.kind = LP_CONST, .dtype = (uint8_t)dtype};
    memcpy(&n.imm, &v, sizeof v);
    return lp_add(s->p, &n);
}

static lp_id mk_int(sctx *s, int dtype, int64_t v) {
    lp_value x;
    x.i = dtype_wrap_int(dtype, v);
    return mk_const(s, dtype, x);
}

static lp_id mk_bool(sctx *s, bool v) { return mk_int(s, TVM_BOOL, v); }

static lp_id mk_bin(sctx *s, int op, int dtype, lp_id a, lp_id b) {
    if (!a || !b) return 0;
    lp_node n = {.kind = LP_BINARY, .op = (uint8_t)op, .dtype = (uint8_t)dtype, .a = a, .b = b};
    return lp_add(s->p, &n);
}

static lp_id empty_seq(sctx *s) {
    if (!s->empty) s->empty = lp_seq(s->p, NULL, 0);
    return s->empty;
}

static bool is_empty(const sctx *s, lp_id id) {
    return id && s->p->nodes[id].kind == LP_SEQ && s->p->nodes[id].nlist == 0;
}

/* Whether evaluating e may fail a bounds check (so e may not be dropped). */
static bool has_check(sctx *s, lp_id e) {
    const lp_program *p = s->p;
    if (e == 0 || e >= p->nnodes) return false;
    if (e >= s->nchk) {
        uint32_t ncap = p->nnodes + p->nnodes / 2 + 16;
        uint8_t *c = realloc(s->chk, ncap);
        if (!c) return true; /* conservative */
        memset(c + s->nchk, 0, ncap - s->nchk);
        s->chk = c;
        s->nchk = ncap;
    }
    if (s->chk[e]) return s->chk[e] == 2;
    lp_node n = nd(s, e);
    bool r = false;
    switch (n.kind) {
    case LP_LOAD:
        r = (n.flags & LP_CHECKED) != 0;
        for (uint32_t k = 0; k < n.nlist && !r; k++) r = has_check(s, p->pool[n.list + k]);
        break;
    case LP_BINARY: r = has_check(s, n.a) || has_check(s, n.b); break;
    case LP_UNARY:
    case LP_CAST: r = has_check(s, n.a); break;
    case LP_SELECT: r = has_check(s, n.a) || has_check(s, n.b) || has_check(s, n.c); break;
    case LP_CALL:
        for (uint32_t k = 0; k < n.nlist && !r; k++) r = has_check(s, p->pool[n.list + k]);
        break;
    default: break;
    }
    s->chk[e] = r ? 2 : 1;
    return r;
}

/* Structural equality of two pure expressions (same value when evaluated at
 * the same point). Conservative: false when unsure or too deep. */
static bool same_expr(const sctx *s, lp_id a, lp_id b, int depth) {
    if (a == b) return true;
    if (!a || !b || depth > SAME_EXPR_DEPTH) return false;
    const lp_program *p = s->p;
    lp_node x = nd(s, a), y = nd(s, b);
    if (x.kind != y.kind || x.dtype != y.dtype || x.op != y.op || x.flags != y.flags)
        return false;
    switch (x.kind) {
    case LP_CONST: return memcmp(&x.imm, &y.imm, sizeof x.imm) == 0;
    case LP_VAR: return x.a == y.a;
    case LP_LOAD:
        if (x.a != y.a || x.nlist != y.nlist) return false;
        if ((x.flags & LP_CHECKED) && (x.c != y.c || !same_expr(s, x.b, y.b, depth + 1)))
            return false;
        for (uint32_t k = 0; k < x.nlist; k++)
            if (!same_expr(s, p->pool[x.list + k], p->pool[y.list + k], depth + 1)) return false;
        return true;
    case LP_BINARY: return same_expr(s, x.a, y.a, depth + 1) && same_expr(s, x.b, y.b, depth + 1);
    case LP_UNARY:
    case LP_CAST: return same_expr(s, x.a, y.a, depth + 1);
    case LP_SELECT:
        return same_expr(s, x.a, y.a, depth + 1) && same_expr(s, x.b, y.b, depth + 1) &&
               same_expr(s, x.c, y.c, depth + 1);
    case LP_CALL: /* the callee is pure: same function, same arguments, same value */
        if (x.a != y.a || x.nlist != y.nlist) return false;
        for (uint32_t k = 0; k < x.nlist; k++)
            if (!same_expr(s, p->pool[x.list + k], p->pool[y.list + k], depth + 1)) return false;
        return true;
    default: return false;
    }
}

/* ---- integer chains ------------------------------------------------------ */

/* x + c in canonical form: x itself for c == 0, x - |c| for negative c. */
static lp_id add_const(sctx *s, int dt, lp_id x, int64_t c) {
    c = dtype_wrap_int(dt, c);
    if (c == 0) return x;
    if (c < 0 && c != dtype_int_min(dt))
        return mk_bin(s, IR_SUB, dt, x, mk_int(s, dt, -c));
    return mk_bin(s, IR_ADD, dt, x, mk_int(s, dt, c));
}

/* If e is x + c or x - c (c constant), sets *x and the signed *c. */
static bool split_add(const sctx *s, lp_id e, lp_id *x, int64_t *c) {
    lp_node n = nd(s, e);
    if (n.kind != LP_BINARY || (n.op != IR_ADD && n.op != IR_SUB) || !is_const(s, n.b) ||
        is_const(s, n.a))
        return false;
    *x = n.a;
    int64_t v = s->p->nodes[n.b].imm.i;
    *c = n.op == IR_ADD ? v : (int64_t)(0 - (uint64_t)v);
    return true;
}

/* The position split into a row and a column and joined again, as
 * flatten writes an access [.., q / W, q % W] of rows W wide (a merged
 * loop, schedule_conv): (Y + q / W) * W + q % W, with Y absent or on
 * either side of the sum, is Y * W + q. Exact for every q and W > 0, with
 * floor or truncating division alike (q = (q / W) * W + q % W holds for
 * each pair), and in wrapping arithmetic, a ring (the sum is only
 * regrouped). One copy of q is dropped: the other keeps its checks. Returns
 * 0 when a + b is not of this form. */
static lp_id join_div_mod(sctx *s, int dt, lp_id a, lp_id b) {
    lp_node m = nd(s, b), x = nd(s, a);
    if (m.kind != LP_BINARY || (m.op != IR_FLOORMOD && m.op != IR_MOD) || !is_const(s, m.b) ||
        x.kind != LP_BINARY || x.op != IR_MUL || !is_const(s, x.b))
        return 0;
    int64_t W = cval(s, m.b).i;
    if (W <= 0 || cval(s, x.b).i != W) return 0;
    int div = m.op == IR_FLOORMOD ? IR_FLOORDIV : IR_DIV;
    lp_id q = m.a, y = 0, d = x.a;
    lp_node dn = nd(s, d);
    if (dn.kind == LP_BINARY && dn.op == IR_ADD) { /* Y + q / W or q / W + Y */
        lp_node l = nd(s, dn.a), r = nd(s, dn.b);
        if (l.kind == LP_BINARY && l.op == div && same_expr(s, l.a, q, 0) &&
            is_int_const(s, l.b, W)) {
            y = dn.b;
        } else if (r.kind == LP_BINARY && r.op == div && same_expr(s, r.a, q, 0) &&
                   is_int_const(s, r.b, W)) {
            y = dn.a;
        } else {
            return 0;
        }
    } else if (!(dn.kind == LP_BINARY && dn.op == div && same_expr(s, dn.a, q, 0) &&
                 is_int_const(s, dn.b, W))) {
        return 0;
    }
    if (!y) return q;
    return mk_bin(s, IR_ADD, dt, mk_bin(s, IR_MUL, dt, y, x.b), q);
}

/* ---- expressions --------------------------------------------------------- */

static lp_id simp_expr(sctx *s, lp_id e);

static lp_id simp_binary(sctx *s, lp_id old, lp_node n, lp_id a, lp_id b) {
    int op = n.op;
    int dt = dt_of(s, a);
    /* (a fused product stays unrounded for the add that consumes it, loop.h) */
    if (is_const(s, a) && is_const(s, b) && !(n.flags & LP_FUSED))
        return mk_const(s, n.dtype, lp_eval_binary(op, dt, cval(s, a), cval(s, b)));

    if (dtype_is_int(dt)) {
        /* constants to the right of commutative ops */
        if ((op == IR_ADD || op == IR_MUL || op == IR_MIN || op == IR_MAX || op == IR_EQ ||
             op == IR_NE) && is_const(s, a)) {
            lp_id t = a;
            a = b;
            b = t;
        }
        int64_t c;
        lp_id x;
        switch (op) {
        case IR_ADD:
            if (is_int_const(s, b, 0)) return a;
            if (is_const(s, b) && split_add(s, a, &x, &c))
                return add_const(s, dt, x, (int64_t)((uint64_t)c + (uint64_t)cval(s, b).i));
            if ((x = join_div_mod(s, dt, a, b)) || (x = join_div_mod(s, dt, b, a))) return x;
            break;
        case IR_SUB:
            if (is_int_const(s, b, 0)) return a;
            if (is_const(s, b) && split_add(s, a, &x, &c))
                return add_const(s, dt, x, (int64_t)((uint64_t)c - (uint64_t)cval(s, b).i));
            if (same_expr(s, a, b, 0) && !has_check(s, a)) return mk_int(s, dt, 0);
            break;
        case IR_MUL:
            if (is_int_const(s, b, 1)) return a;
            if (is_int_const(s, b, 0) && !has_check(s, a)) return b;
            if (is_const(s, b)) {
                lp_node an = nd(s, a);
                if (an.kind == LP_BINARY && an.op == IR_MUL && is_const(s, an.b) &&
                    !is_const(s, an.a)) {
                    int64_t m = dtype_wrap_int(
                        dt, (int64_t)((uint64_t)cval(s, an.b).i * (uint64_t)cval(s, b).i));
                    if (m == 1) return an.a;
                    if (m == 0 && !has_check(s, an.a)) return mk_int(s, dt, 0);
                    return mk_bin(s, IR_MUL, dt, an.a, mk_int(s, dt, m));
                }
            }
            break;
        case IR_DIV:
        case IR_FLOORDIV:
            if (is_int_const(s, b, 1)) return a;
            break;
        case IR_MOD:
        case IR_FLOORMOD:
            if (is_int_const(s, b, 1) && !has_check(s, a)) return mk_int(s, dt, 0);
            break;
        case IR_MIN:
        case IR_MAX:
            if (same_expr(s, a, b, 0)) return a;
            break;
        case IR_EQ:
        case IR_LE:
        case IR_GE:
            if (same_expr(s, a, b, 0) && !has_check(s, a)) return mk_bool(s, true);
            break;
        case IR_NE:
        case IR_LT:
        case IR_GT:
            if (same_expr(s, a, b, 0) && !has_check(s, a)) return mk_bool(s, false);
            break;
        default: break;
        }
    } else if (dt == TVM_BOOL) {
        if (is_const(s, a) && op != IR_LT && op != IR_LE && op != IR_GT && op != IR_GE) {
            lp_id t = a; /* and, or, eq, ne are commutative */
            a = b;
            b = t;
        }
        if (is_const(s, b)) {
            bool bv = cval(s, b).i != 0;
            if ((op == IR_AND && bv) || (op == IR_OR && !bv) || (op == IR_EQ && bv) ||
                (op == IR_NE && !bv))
                return a;
            if ((op == IR_AND || op == IR_OR) && !has_check(s, a)) return b;
        }
        if ((op == IR_AND || op == IR_OR) && same_expr(s, a, b, 0)) return a;
    } else if (dt == TVM_FLOAT32 || dt == TVM_FLOAT64) {
        /* only rules that are exact for every input, NaN and -0.0 included */
        switch (op) {
        case IR_MUL:
            if (is_float_const(s, b, 1.0)) return a;
            if (is_float_const(s, a, 1.0)) return b;
            break;
        case IR_DIV:
            if (is_float_const(s, b, 1.0)) return a;
            break;
        case IR_ADD:
            if (is_float_const(s, b, -0.0)) return a;
            if (is_float_const(s, a, -0.0)) return b;
            break;
        case IR_SUB:
            if (is_float_const(s, b, 0.0)) return a;
            break;
        default: break;
        }
    }
    if (a == n.a && b == n.b) return old;
    lp_node m = n;
    m.a = a;
    m.b = b;
    return lp_add(s->p, &m);
}

static lp_id simp_unary(sctx *s, lp_id old, lp_node n, lp_id a) {
    if (is_const(s, a)) return mk_const(s, n.dtype, lp_eval_unary(n.op, n.dtype, cval(s, a)));
    lp_node an = nd(s, a);
    if ((n.op == IR_NOT || n.op == IR_NEG) && an.kind == LP_UNARY && an.op == n.op)
        return an.a; /* !!x == x; -(-x) == x, wrapping and NaN sign included */
    if (a == n.a) return old;
    lp_node m = n;
    m.a = a;
    return lp_add(s->p, &m);
}

static lp_id simp_load(sctx *s, lp_id old, lp_node n) {
    const lp_program *p = s->p;
    uint32_t start = s->nstack;
    bool changed = false;
    for (uint32_t k = 0; k < n.nlist; k++) {
        lp_id ix = p->pool[n.list + k];
        lp_id nx = simp_expr(s, ix);
        changed |= nx != ix;
        if (!push(s, nx)) break;
    }
    lp_node m = n;
    if (n.flags & LP_CHECKED) {
        m.b = simp_expr(s, n.b);
        changed |= m.b != n.b;
        if (is_const(s, m.b) && cval(s, m.b).i != 0) {
            m.flags &= (uint8_t)~LP_CHECKED;
            m.b = m.c = 0;
            changed = true;
        }
    }
    lp_id r = old;
    if (changed && !s->oom) {
        m.list = n.nlist ? lp_pool_add(s->p, s->stack + start, n.nlist) : 0;
        r = lp_add(s->p, &m);
    }
    s->nstack = start;
    return r;
}

static bool simp_list(sctx *s, uint32_t list, uint32_t n);

/* A host call is opaque: its arguments are simplified, the call itself is
 * never folded (the function is not run at compile time). */
static lp_id simp_call(sctx *s, lp_id old, lp_node n) {
    uint32_t start = s->nstack;
    bool changed = simp_list(s, n.list, n.nlist);
    lp_id r = old;
    for (uint32_t k = 0; k < n.nlist && !s->oom; k++)
        if (!s->stack[start + k]) r = 0;
    if (s->oom) {
        r = 0;
    } else if (r && changed) {
        lp_node m = n;
        m.list = n.nlist ? lp_pool_add(s->p, s->stack + start, n.nlist) : 0;
        r = lp_add(s->p, &m);
    }
    s->nstack = start;
    return r;
}

static lp_id simp_expr(sctx *s, lp_id e) {
    lp_program *p = s->p;
    if (e == 0 || p->failed || s->oom) return 0;
    if (e >= s->nold) return e; /* made by this pass: already simple */
    if (s->memo_ep[e] == s->epoch) return s->memo[e];
    lp_node n = nd(s, e);
    lp_id r;
    switch (n.kind) {
    case LP_CONST: r = e; break;
    case LP_VAR: r = (n.a < p->nvars && s->subst[n.a]) ? s->subst[n.a] : e; break;
    case LP_LOAD: r = simp_load(s, e, n); break;
    case LP_CALL: r = simp_call(s, e, n); break;
    case LP_BINARY: {
        lp_id a = simp_expr(s, n.a);
        lp_id b = simp_expr(s, n.b);
        r = (a && b) ? simp_binary(s, e, n, a, b) : 0;
        break;
    }
    case LP_UNARY: {
        lp_id a = simp_expr(s, n.a);
        r = a ? simp_unary(s, e, n, a) : 0;
        break;
    }
    case LP_CAST: {
        lp_id a = simp_expr(s, n.a);
        if (!a) {
            r = 0;
        } else if (dt_of(s, a) == n.dtype) {
            r = a;
        } else if (is_const(s, a)) {
            r = mk_const(s, n.dtype, lp_eval_cast(n.dtype, dt_of(s, a), cval(s, a)));
        } else if (a == n.a) {
            r = e;
        } else {
            lp_node m = n;
            m.a = a;
            r = lp_add(p, &m);
        }
        break;
    }
    case LP_SELECT: {
        lp_id c = simp_expr(s, n.a);
        if (!c) {
            r = 0;
        } else if (is_const(s, c)) {
            /* only the chosen side is evaluated: drop the other one */
            r = simp_expr(s, cval(s, c).i ? n.b : n.c);
        } else {
            lp_id a = simp_expr(s, n.b), b = simp_expr(s, n.c);
            if (!a || !b) {
                r = 0;
            } else if (same_expr(s, a, b, 0) && !has_check(s, c)) {
                r = a;
            } else if (c == n.a && a == n.b && b == n.c) {
                r = e;
            } else {
                lp_node m = n;
                m.a = c;
                m.b = a;
                m.c = b;
                r = lp_add(p, &m);
            }
        }
        break;
    }
    default: r = e; break; /* a statement: the verifier reports it */
    }
    s->memo[e] = r;
    s->memo_ep[e] = s->epoch;
    return r;
}

/* ---- statements ---------------------------------------------------------- */

static lp_id simp_stmt(sctx *s, lp_id st);

/* Rewrites an index list onto the scratch stack; returns whether it changed. */
static bool simp_list(sctx *s, uint32_t list, uint32_t n) {
    bool changed = false;
    for (uint32_t k = 0; k < n; k++) {
        lp_id ix = s->p->pool[list + k];
        lp_id nx = simp_expr(s, ix);
        changed |= nx != ix;
        if (!push(s, nx)) break;
    }
    return changed;
}

static lp_id simp_for(sctx *s, lp_id st, lp_node n) {
    lp_program *p = s->p;
    lp_id ext = simp_expr(s, n.b);
    if (!ext) return 0;
    if (is_const(s, ext)) {
        int64_t e = cval(s, ext).i;
        if (e <= 0) return empty_seq(s);
        if (e == 1 && n.a < p->nvars && !s->subst[n.a]) {
            if (!s->zero64) s->zero64 = mk_int(s, TVM_INT64, 0);
            s->subst[n.a] = s->zero64;
            s->epoch++;
            lp_id body = simp_stmt(s, n.c);
            s->subst[n.a] = 0;
            s->epoch++;
            return body;
        }
    }
    lp_id body = simp_stmt(s, n.c);
    if (!body) return 0;
    if (is_empty(s, body) && !has_check(s, ext)) return body;
    if (ext == n.b && body == n.c) return st;
    lp_id r = lp_for(p, n.a, ext, n.op, body);
    if (r) p->nodes[r].flags = n.flags; /* LP_NO_UNROLL */
    return r;
}

static lp_id simp_if(sctx *s, lp_id st, lp_node n) {
    lp_id c = simp_expr(s, n.a);
    if (!c) return 0;
    if (is_const(s, c)) {
        if (cval(s, c).i) return simp_stmt(s, n.b);
        return n.c ? simp_stmt(s, n.c) : empty_seq(s);
    }
    lp_id t = simp_stmt(s, n.b);
    lp_id f = n.c ? simp_stmt(s, n.c) : 0;
    if (!t || (n.c && !f)) return 0;
    if (f && is_empty(s, f)) f = 0;
    if (is_empty(s, t)) {
        if (!f) return has_check(s, c) ? lp_if(s->p, c, t, 0) : t;
        /* if (c) {} else F  ->  if (!c) F */
        lp_node cn = nd(s, c);
        if (cn.kind == LP_UNARY && cn.op == IR_NOT) {
            c = cn.a;
        } else {
            lp_node m = {.kind = LP_UNARY, .op = IR_NOT, .dtype = TVM_BOOL, .a = c};
            c = lp_add(s->p, &m);
        }
        t = f;
        f = 0;
    }
    if (c == n.a && t == n.b && f == n.c) return st;
    return lp_if(s->p, c, t, f);
}

static lp_id simp_seq(sctx *s, lp_id st, lp_node n) {
    lp_program *p = s->p;
    uint32_t start = s->nstack;
    bool changed = false;
    for (uint32_t k = 0; k < n.nlist; k++) {
        lp_id old = p->pool[n.list + k];
        lp_id ns = simp_stmt(s, old);
        if (!ns) {
            s->nstack = start;
            return 0;
        }
        if (ns != old) changed = true;
        lp_node m = nd(s, ns);
        if (m.kind == LP_SEQ) { /* splice nested sequences (empty ones vanish) */
            changed = true;
            for (uint32_t j = 0; j < m.nlist; j++) push(s, p->pool[m.list + j]);
        } else {
            push(s, ns);
        }
    }
    uint32_t cnt = s->nstack - start;
    lp_id r;
    if (s->oom)
        r = 0;
    else if (cnt == 0)
        r = empty_seq(s);
    else if (cnt == 1)
        r = s->stack[start];
    else if (!changed)
        r = st;
    else
        r = lp_seq(p, s->stack + start, cnt);
    s->nstack = start;
    return r;
}

static lp_id simp_stmt(sctx *s, lp_id st) {
    lp_program *p = s->p;
    if (st == 0 || p->failed || s->oom) return 0;
    if (st >= s->nold) return st;
    lp_node n = nd(s, st);
    switch (n.kind) {
    case LP_FOR: return simp_for(s, st, n);
    case LP_IF: return simp_if(s, st, n);
    case LP_SEQ: return simp_seq(s, st, n);
    case LP_STORE: {
        uint32_t start = s->nstack;
        bool changed = simp_list(s, n.list, n.nlist);
        lp_id v = simp_expr(s, n.b);
        lp_id r = st;
        if (!v || s->oom) {
            r = 0;
        } else if (changed || v != n.b) {
            lp_node m = n;
            m.b = v;
            m.list = n.nlist ? lp_pool_add(p, s->stack + start, n.nlist) : 0;
            r = lp_add(p, &m);
        }
        s->nstack = start;
        return r;
    }
    case LP_ACCUM: {
        lp_id v = simp_expr(s, n.b);
        if (!v) return 0;
        if (v == n.b) return st;
        lp_node m = n;
        m.b = v;
        return lp_add(p, &m);
    }
    default: return st; /* an expression: the verifier reports it */
    }
}

/* ---- entry point --------------------------------------------------------- */

tvm_status pass_simplify(pass_ctx *pc) {
    lp_program *p = pc->p;
    if (!p) return err_set(TVM_ERR_INTERNAL, "simplify: no program");
    if (p->failed) return err_set(TVM_ERR_OUT_OF_MEMORY, "simplify: out of memory");
    sctx s = {.p = p, .nold = p->nnodes, .epoch = 1};
    s.memo = malloc(sizeof *s.memo * p->nnodes);
    s.memo_ep = calloc(p->nnodes, sizeof *s.memo_ep);
    s.subst = calloc(p->nvars ? p->nvars : 1, sizeof *s.subst);
    tvm_status st = TVM_OK;
    if (!s.memo || !s.memo_ep || !s.subst) {
        s.oom = true;
        goto done;
    }

    /* buffer shapes: int64 expressions of constants and size variables */
    for (uint32_t b = 1; b < p->nbufs && !s.oom && !p->failed; b++) {
        uint32_t nd_ = p->bufs[b].ndim, start = s.nstack;
        if (nd_ && simp_list(&s, p->bufs[b].shape, nd_) && !s.oom && !p->failed) {
            uint32_t off = lp_pool_add(p, s.stack + start, nd_);
            if (!p->failed) p->bufs[b].shape = off;
        }
        s.nstack = start;
    }

    lp_id body = simp_stmt(&s, p->body);
    if (body && !s.oom && !p->failed) p->body = body;
    else if (!s.oom && !p->failed)
        st = err_set(TVM_ERR_INTERNAL, "simplify: could not rewrite the program body");

done:
    if (s.oom || p->failed) st = err_set(TVM_ERR_OUT_OF_MEMORY, "simplify: out of memory");
    free(s.memo);
    free(s.memo_ep);
    free(s.subst);
    free(s.chk);
    free(s.stack);
    return st;
}
