/* nest.c — see nest.h. */
#include <stdlib.h>
#include <string.h>

#include "nest.h"

bool nest_const_extent(const lp_program *p, lp_id e, int64_t *v) {
    const lp_node *n = lp_get(p, e);
    if (n->kind != LP_CONST || n->dtype != TVM_INT64) return false;
    *v = n->imm.i;
    return true;
}

lp_id nest_single(const lp_program *p, lp_id s) {
    while (s && lp_get(p, s)->kind == LP_SEQ && lp_get(p, s)->nlist == 1)
        s = lp_list(p, lp_get(p, s)->list)[0];
    return s;
}

bool nest_match_init(const lp_program *p, lp_id item0, uint32_t *acc, lp_id *init) {
    const lp_node *S = lp_get(p, item0);
    if (S->kind != LP_STORE || p->bufs[S->a].kind != LP_BUF_LOCAL || p->bufs[S->a].ndim != 0)
        return false;
    int dt = dtype_compute(p->bufs[S->a].dtype);
    if ((dt != TVM_FLOAT32 && dt != TVM_FLOAT64) || lp_get(p, S->b)->kind != LP_CONST) return false;
    *acc = S->a;
    *init = S->b;
    return true;
}

bool nest_match_epilogue(const lp_program *p, const lp_id *items, uint32_t n,
                         const uint32_t *ovar, int nout, uint32_t acc, lp_id value,
                         uint8_t *written, uint32_t nbufs, lp_id *rest, uint32_t *nrest,
                         uint32_t cap) {
    memset(written, 0, nbufs);
    *nrest = 0;
    for (uint32_t k = 0; k < n; k++) {
        const lp_node *St = lp_get(p, items[k]);
        if (St->kind != LP_STORE || p->bufs[St->a].kind == LP_BUF_LOCAL || *nrest == cap)
            return false;
        /* each output element stores its own element: all output vars bare */
        for (int u = 0; u < nout; u++) {
            bool has = false;
            for (uint32_t d = 0; d < St->nlist; d++) {
                const lp_node *x = lp_get(p, lp_list(p, St->list)[d]);
                has |= x->kind == LP_VAR && x->a == ovar[u];
            }
            if (!has) return false;
        }
        written[St->a] = 1;
        rest[(*nrest)++] = items[k];
    }
    if (!nest_expr_ok(p, value, 0, written, NEST_ALLOW_SELECTS, 0)) return false;
    for (uint32_t k = 0; k < *nrest; k++) {
        const lp_node *St = lp_get(p, rest[k]);
        if (!nest_expr_ok(p, St->b, acc, written, NEST_ALLOW_SELECTS, 0)) return false;
        for (uint32_t d = 0; d < St->nlist; d++)
            if (!nest_expr_ok(p, lp_list(p, St->list)[d], acc, written, NEST_ALLOW_SELECTS, 0))
                return false;
    }
    return true;
}

static lp_id rewrite_loops(lp_program *p, lp_id s, nest_try_fn try_loop, void *ctx, int depth) {
    if (!s || depth > 64) return s;
    lp_node n = *lp_get(p, s); /* a copy: try_loop may move p->nodes */
    if (n.kind == LP_FOR) {
        lp_id r = try_loop(ctx, s);
        if (r) return r;
        lp_id c = rewrite_loops(p, n.c, try_loop, ctx, depth + 1);
        p->nodes[s].c = c;
    } else if (n.kind == LP_SEQ) {
        for (uint32_t k = 0; k < n.nlist; k++) {
            lp_id c = rewrite_loops(p, p->pool[n.list + k], try_loop, ctx, depth + 1);
            p->pool[n.list + k] = c;
        }
    } else if (n.kind == LP_IF) {
        lp_id b = rewrite_loops(p, n.b, try_loop, ctx, depth + 1);
        p->nodes[s].b = b;
        lp_id c = rewrite_loops(p, n.c, try_loop, ctx, depth + 1);
        p->nodes[s].c = c;
    }
    return s;
}

lp_id nest_rewrite_loops(lp_program *p, lp_id s, nest_try_fn try_loop, void *ctx) {
    return rewrite_loops(p, s, try_loop, ctx, 0);
}

bool nest_flatten_seq(const lp_program *p, lp_id s, lp_id *out, uint32_t *n, uint32_t cap) {
    const lp_node *x = lp_get(p, s);
    if (x->kind != LP_SEQ) {
        if (*n >= cap) return false;
        out[(*n)++] = s;
        return true;
    }
    for (uint32_t k = 0; k < x->nlist; k++)
        if (!nest_flatten_seq(p, lp_list(p, x->list)[k], out, n, cap)) return false;
    return true;
}

bool nest_mentions(const lp_program *p, lp_id e, uint32_t var, int depth) {
    if (!e || depth > 200) return e != 0;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST) return false;
    if (n->kind == LP_VAR) return n->a == var;
    /* `a` of a load or call names a buffer or callee, not an expression */
    if (n->kind != LP_LOAD && n->kind != LP_CALL && nest_mentions(p, n->a, var, depth + 1))
        return true;
    if (nest_mentions(p, n->b, var, depth + 1) || nest_mentions(p, n->c, var, depth + 1))
        return true;
    for (uint32_t k = 0; k < n->nlist; k++)
        if (nest_mentions(p, lp_list(p, n->list)[k], var, depth + 1)) return true;
    return false;
}

bool nest_cloner_init(nest_cloner *c, lp_program *p) {
    *c = (nest_cloner){.p = p, .nmemo = p->nnodes, .nvar_to = p->nvars};
    c->memo = calloc(c->nmemo ? c->nmemo : 1, sizeof *c->memo);
    c->memo_tag = calloc(c->nmemo ? c->nmemo : 1, sizeof *c->memo_tag);
    c->var_to = calloc(c->nvar_to ? c->nvar_to : 1, sizeof *c->var_to);
    c->oom = !c->memo || !c->memo_tag || !c->var_to;
    return !c->oom;
}

void nest_cloner_free(nest_cloner *c) {
    free(c->memo);
    free(c->memo_tag);
    free(c->var_to);
    c->memo = NULL;
    c->memo_tag = NULL;
    c->var_to = NULL;
}

void nest_subst_begin(nest_cloner *c) {
    c->tag++;
    if (c->tag == 0) { /* wrapped: clear the stamps */
        memset(c->memo_tag, 0, c->nmemo * sizeof *c->memo_tag);
        c->tag = 1;
    }
}

lp_id nest_clone(nest_cloner *c, lp_id e) {
    lp_program *p = c->p;
    if (!e) return 0;
    if (e < c->nmemo && c->memo_tag[e] == c->tag) return c->memo[e];
    lp_node n = *lp_get(p, e);
    lp_id r;
    switch (n.kind) {
    case LP_CONST: r = e; break;
    case LP_VAR: r = (n.a < c->nvar_to && c->var_to[n.a]) ? c->var_to[n.a] : e; break;
    default: {
        if (n.kind == LP_LOAD && c->acc && n.a == c->acc) {
            r = c->acc_to;
            break;
        }
        lp_node x = n;
        /* `a` names a variable, buffer or callee for these kinds */
        bool a_is_expr = !(n.kind == LP_VAR || n.kind == LP_LOAD || n.kind == LP_STORE ||
                           n.kind == LP_ACCUM || n.kind == LP_FOR || n.kind == LP_CALL);
        if (a_is_expr) x.a = nest_clone(c, n.a);
        x.b = nest_clone(c, n.b);
        x.c = nest_clone(c, n.c);
        if (n.nlist) {
            lp_id tmp[LP_CALL_MAX_ARGS > TVM_MAX_NDIM ? LP_CALL_MAX_ARGS : TVM_MAX_NDIM];
            if (n.nlist > ARRAY_LEN(tmp)) {
                c->oom = true;
                return 0;
            }
            for (uint32_t k = 0; k < n.nlist; k++) tmp[k] = nest_clone(c, lp_list(p, n.list)[k]);
            x.list = lp_pool_add(p, tmp, n.nlist);
        }
        r = lp_add(p, &x);
    }
    }
    if (e < c->nmemo) {
        c->memo[e] = r;
        c->memo_tag[e] = c->tag;
    }
    return r;
}

static bool list_ok(const lp_program *p, const lp_node *n, uint32_t acc, const uint8_t *written,
                    unsigned allow, int depth) {
    for (uint32_t k = 0; k < n->nlist; k++)
        if (!nest_expr_ok(p, lp_list(p, n->list)[k], acc, written, allow, depth + 1)) return false;
    return true;
}

bool nest_expr_ok(const lp_program *p, lp_id e, uint32_t acc, const uint8_t *written,
                  unsigned allow, int depth) {
    if (!e) return true;
    if (depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    switch (n->kind) {
    case LP_CONST:
    case LP_VAR: return true;
    case LP_LOAD:
        if (p->bufs[n->a].kind == LP_BUF_LOCAL && n->a != acc) return false;
        if (written[n->a] || (n->flags & LP_CHECKED)) return false;
        return list_ok(p, n, acc, written, allow, depth); /* the indices */
    case LP_CALL: return (allow & NEST_ALLOW_CALLS) && list_ok(p, n, acc, written, allow, depth);
    case LP_SELECT:
        if (!(allow & NEST_ALLOW_SELECTS)) return false;
        return nest_expr_ok(p, n->a, acc, written, allow, depth + 1) &&
               nest_expr_ok(p, n->b, acc, written, allow, depth + 1) &&
               nest_expr_ok(p, n->c, acc, written, allow, depth + 1);
    case LP_BINARY:
    case LP_UNARY:
    case LP_CAST:
        return nest_expr_ok(p, n->a, acc, written, allow, depth + 1) &&
               nest_expr_ok(p, n->b, acc, written, allow, depth + 1) &&
               nest_expr_ok(p, n->c, acc, written, allow, depth + 1);
    default: return false;
    }
}
