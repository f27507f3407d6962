/* loop_verify.c — checks the invariants of loop.h on a whole program:
 * node references, expression vs statement positions, dtypes, variable
 * scoping, index counts before/after flattening, the buffer and check tables.
 *
 * Expressions may be shared (a DAG). Each expression node is checked once
 * per "scope generation": the generation advances whenever a loop variable
 * goes out of scope, so a node checked earlier in the same generation was
 * checked under a subset of the variables bound now and is still valid. */
#include "loop.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define VERIFY_MAX_DEPTH 4000

typedef struct vctx {
    const lp_program *p;
    uint8_t *bound;  /* per variable: bound by an enclosing FOR */
    uint32_t *stamp; /* per node: generation in which it was checked */
    uint32_t gen;
    bool in_shapes; /* checking buffer shapes: size variables always allowed */
} vctx;

static const char *kind_name(int k) {
    static const char *const names[] = {"none", "const", "var", "load", "binary",
                                        "unary", "select", "cast", "call", "for", "store",
                                        "accum", "if", "seq"};
    return (k >= 0 && k <= LP_SEQ) ? names[k] : "<bad kind>";
}

/* Formats the failure, naming the node and showing its text. */
static tvm_status fail(const vctx *v, lp_id id, const char *fmt, ...) TVMC_PRINTF(3, 4);
static tvm_status fail(const vctx *v, lp_id id, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const lp_program *p = v->p;
    if (id == 0 || id >= p->nnodes)
        return err_set(TVM_ERR_INTERNAL, "loop IR verify: %s", msg);
    int k = p->nodes[id].kind;
    char text[160] = "";
    if (k >= LP_CONST && k <= LP_CALL) {
        strbuf sb = {0};
        lp_print_expr(p, id, &sb);
        if (sb.data && !sb.failed) {
            if (sb.len > 120)
                snprintf(text, sizeof text, " `%.120s...`", sb.data);
            else
                snprintf(text, sizeof text, " `%s`", sb.data);
        }
        sb_free(&sb);
    }
    return err_set(TVM_ERR_INTERNAL, "loop IR verify: node %u (%s)%s: %s", id, kind_name(k),
                   text, msg);
}

static bool is_compute_dtype(int d) {
    return dtype_valid(d) && d != TVM_FLOAT16 && d != TVM_BFLOAT16;
}

static bool list_ok(const lp_program *p, uint32_t list, uint32_t n) {
    return n == 0 || (uint64_t)list + n <= p->npool;
}

static tvm_status v_expr(vctx *v, lp_id e, int depth);

/* The indices of a load or store of buffer `buf` at node `id`. */
static tvm_status v_indices(vctx *v, lp_id id, uint32_t buf, uint32_t list, uint32_t n,
                            int depth) {
    const lp_program *p = v->p;
    if (buf == 0 || buf >= p->nbufs) return fail(v, id, "buffer %u out of range", buf);
    const lp_buffer *b = &p->bufs[buf];
    if (!list_ok(p, list, n)) return fail(v, id, "index list out of the pool");
    if (p->flat) {
        if (n != 1)
            return fail(v, id, "flat program but %u indices into buffer %s", n, b->name);
    } else if (n != b->ndim) {
        return fail(v, id, "%u indices into buffer %s of %u dimensions", n, b->name,
                    (unsigned)b->ndim);
    }
    for (uint32_t k = 0; k < n; k++) {
        lp_id ix = p->pool[list + k];
        tvm_status s = v_expr(v, ix, depth + 1);
        if (s) return s;
        if (p->nodes[ix].dtype != TVM_INT64)
            return fail(v, id, "index %u into %s is %s, not int64", k, b->name,
                        dtype_name(p->nodes[ix].dtype));
    }
    if (p->flat && b->kind == LP_BUF_LOCAL && b->ndim == 0) {
        const lp_node *ix = &p->nodes[p->pool[list]];
        if (ix->kind != LP_CONST || ix->imm.i != 0)
            return fail(v, id, "local buffer %s indexed by something other than 0",
                        b->name);
    }
    return TVM_OK;
}

static tvm_status v_expr(vctx *v, lp_id e, int depth) {
    const lp_program *p = v->p;
    if (e == 0 || e >= p->nnodes) return fail(v, 0, "expression node %u out of range", e);
    if (depth > VERIFY_MAX_DEPTH) return fail(v, e, "expression nested too deeply");
    const lp_node *n = &p->nodes[e];
    if (n->kind < LP_CONST || n->kind > LP_CALL)
        return fail(v, e, "statement where an expression is expected");
    if (v->stamp[e] == v->gen) return TVM_OK;
    if (!is_compute_dtype(n->dtype))
        return fail(v, e, "dtype %s (%d) is not a compute dtype", dtype_name(n->dtype),
                    n->dtype);
    tvm_status s;
    int d = n->dtype;
    switch (n->kind) {
    case LP_CONST:
        if (dtype_is_float(d)) {
            if (d == TVM_FLOAT32 && !isnan(n->imm.f) && (double)(float)n->imm.f != n->imm.f)
                return fail(v, e, "float32 constant %.17g is not a float", n->imm.f);
        } else if (dtype_wrap_int(d, n->imm.i) != n->imm.i) {
            return fail(v, e, "constant %lld does not fit %s", (long long)n->imm.i,
                        dtype_name(d));
        }
        break;
    case LP_VAR: {
        if (n->a == 0 || n->a >= p->nvars)
            return fail(v, e, "variable %u out of range", n->a);
        const lp_var *var = &p->vars[n->a];
        if (d != TVM_INT64) return fail(v, e, "variable %s is not int64", var->name);
        if (var->kind == LP_VAR_SIZE) {
            if (p->flat && !v->in_shapes)
                return fail(v, e, "size variable %s left in a flat program", var->name);
        } else if (var->kind == LP_VAR_LOOP) {
            if (!v->bound[n->a])
                return fail(v, e, "loop variable %s used outside its loop", var->name);
        } else {
            return fail(v, e, "variable %s has bad kind %d", var->name, var->kind);
        }
        break;
    }
    case LP_LOAD: {
        if (n->a == 0 || n->a >= p->nbufs) return fail(v, e, "buffer %u out of range", n->a);
        const lp_buffer *b = &p->bufs[n->a];
        if (d != dtype_compute(b->dtype))
            return fail(v, e, "load of %s buffer %s has dtype %s", dtype_name(b->dtype),
                        b->name, dtype_name(d));
        if ((s = v_indices(v, e, n->a, n->list, n->nlist, depth))) return s;
        if (n->flags & LP_CHECKED) {
            if (n->c == 0 || n->c >= p->nchecks)
                return fail(v, e, "check id %u out of range", n->c);
            if (p->checks[n->c].buffer != n->a)
                return fail(v, e, "check #%u describes buffer %u, not %s", n->c,
                            p->checks[n->c].buffer, b->name);
            if ((s = v_expr(v, n->b, depth + 1))) return s;
            if (p->nodes[n->b].dtype != TVM_BOOL)
                return fail(v, e, "bounds condition is %s, not bool",
                            dtype_name(p->nodes[n->b].dtype));
        }
        break;
    }
    case LP_BINARY: {
        int op = n->op;
        if (!ir_op_is_binary(op)) return fail(v, e, "op %d is not a binary op", op);
        if ((s = v_expr(v, n->a, depth + 1)) || (s = v_expr(v, n->b, depth + 1))) return s;
        int da = p->nodes[n->a].dtype, db = p->nodes[n->b].dtype;
        if (da != db)
            return fail(v, e, "operands of %s are %s and %s", ir_op_name(op), dtype_name(da),
                        dtype_name(db));
        if (ir_op_is_compare(op)) {
            if (d != TVM_BOOL) return fail(v, e, "comparison gives %s, not bool", dtype_name(d));
        } else if (d != da) {
            return fail(v, e, "%s of %s operands gives %s", ir_op_name(op), dtype_name(da),
                        dtype_name(d));
        }
        if ((op == IR_AND || op == IR_OR) && da != TVM_BOOL)
            return fail(v, e, "%s on %s operands", ir_op_name(op), dtype_name(da));
        if (op >= IR_ADD && op <= IR_POW && da == TVM_BOOL)
            return fail(v, e, "arithmetic %s on bool", ir_op_name(op));
        if (op == IR_POW && !dtype_is_float(da))
            return fail(v, e, "pow on %s", dtype_name(da));
        if ((n->flags & LP_FUSED) && (op != IR_MUL || !dtype_is_float(da)))
            return fail(v, e, "fused %s of %s operands (only float products fuse)",
                        ir_op_name(op), dtype_name(da));
        break;
    }
    case LP_UNARY: {
        int op = n->op;
        if (!ir_op_is_unary(op)) return fail(v, e, "op %d is not a unary op", op);
        if ((s = v_expr(v, n->a, depth + 1))) return s;
        int da = p->nodes[n->a].dtype;
        if (d != da)
            return fail(v, e, "%s of %s gives %s", ir_op_name(op), dtype_name(da),
                        dtype_name(d));
        if (op == IR_NOT) {
            if (da != TVM_BOOL) return fail(v, e, "! on %s", dtype_name(da));
        } else if (op == IR_NEG || op == IR_ABS) {
            if (da == TVM_BOOL) return fail(v, e, "%s on bool", ir_op_name(op));
        } else if (op == IR_ROUND_F16 || op == IR_ROUND_BF16) {
            if (da != TVM_FLOAT32) return fail(v, e, "%s on %s", ir_op_name(op), dtype_name(da));
        } else if (!dtype_is_float(da)) {
            return fail(v, e, "%s on %s", ir_op_name(op), dtype_name(da));
        }
        break;
    }
    case LP_SELECT:
        if ((s = v_expr(v, n->a, depth + 1)) || (s = v_expr(v, n->b, depth + 1)) ||
            (s = v_expr(v, n->c, depth + 1)))
            return s;
        if (p->nodes[n->a].dtype != TVM_BOOL)
            return fail(v, e, "select condition is %s, not bool",
                        dtype_name(p->nodes[n->a].dtype));
        if (p->nodes[n->b].dtype != d || p->nodes[n->c].dtype != d)
            return fail(v, e, "select of %s has arms %s and %s", dtype_name(d),
                        dtype_name(p->nodes[n->b].dtype), dtype_name(p->nodes[n->c].dtype));
        break;
    case LP_CAST:
        if ((s = v_expr(v, n->a, depth + 1))) return s;
        break;
    case LP_CALL:
        if (n->a == 0 || n->a >= p->ncallees) return fail(v, e, "callee %u out of range", n->a);
        if (n->nlist > LP_CALL_MAX_ARGS)
            return fail(v, e, "call of %s with %u arguments (at most %d)",
                        p->callees[n->a].name, n->nlist, LP_CALL_MAX_ARGS);
        if (!list_ok(p, n->list, n->nlist)) return fail(v, e, "argument list out of the pool");
        for (uint32_t k = 0; k < n->nlist; k++)
            if ((s = v_expr(v, p->pool[n->list + k], depth + 1))) return s;
        break;
    default: break;
    }
    v->stamp[e] = v->gen;
    return TVM_OK;
}

static tvm_status v_stmt(vctx *v, lp_id st, int depth) {
    const lp_program *p = v->p;
    if (st == 0 || st >= p->nnodes) return fail(v, 0, "statement node %u out of range", st);
    if (depth > VERIFY_MAX_DEPTH) return fail(v, st, "statements nested too deeply");
    const lp_node *n = &p->nodes[st];
    tvm_status s;
    switch (n->kind) {
    case LP_FOR: {
        uint32_t var = n->a;
        if (var == 0 || var >= p->nvars) return fail(v, st, "loop variable %u out of range", var);
        if (p->vars[var].kind != LP_VAR_LOOP)
            return fail(v, st, "loop over %s, which is not a loop variable", p->vars[var].name);
        if (v->bound[var])
            return fail(v, st, "loop variable %s bound again inside its own loop",
                        p->vars[var].name);
        if (n->op > LP_UNROLLED) return fail(v, st, "bad loop kind %d", n->op);
        if ((s = v_expr(v, n->b, depth + 1))) return s;
        if (p->nodes[n->b].dtype != TVM_INT64)
            return fail(v, st, "extent of loop %s is %s, not int64", p->vars[var].name,
                        dtype_name(p->nodes[n->b].dtype));
        v->bound[var] = 1;
        s = v_stmt(v, n->c, depth + 1);
        v->bound[var] = 0;
        v->gen++; /* the scope shrank: expressions checked inside need a recheck */
        return s;
    }
    case LP_STORE: {
        if ((s = v_indices(v, st, n->a, n->list, n->nlist, depth))) return s;
        const lp_buffer *b = &p->bufs[n->a];
        if ((s = v_expr(v, n->b, depth + 1))) return s;
        if (p->nodes[n->b].dtype != dtype_compute(b->dtype))
            return fail(v, st, "store of %s into %s buffer %s",
                        dtype_name(p->nodes[n->b].dtype), dtype_name(b->dtype), b->name);
        return TVM_OK;
    }
    case LP_ACCUM: {
        if (n->a == 0 || n->a >= p->nbufs) return fail(v, st, "buffer %u out of range", n->a);
        const lp_buffer *b = &p->bufs[n->a];
        if (b->kind != LP_BUF_LOCAL)
            return fail(v, st, "accumulation into %s, which is not a local buffer", b->name);
        if (n->op > TVM_REDUCE_MAX) return fail(v, st, "bad reduce kind %d", n->op);
        if ((s = v_expr(v, n->b, depth + 1))) return s;
        if (p->nodes[n->b].dtype != dtype_compute(b->dtype))
            return fail(v, st, "accumulation of %s into %s buffer %s",
                        dtype_name(p->nodes[n->b].dtype), dtype_name(b->dtype), b->name);
        return TVM_OK;
    }
    case LP_IF:
        if ((s = v_expr(v, n->a, depth + 1))) return s;
        if (p->nodes[n->a].dtype != TVM_BOOL)
            return fail(v, st, "if condition is %s, not bool", dtype_name(p->nodes[n->a].dtype));
        if ((s = v_stmt(v, n->b, depth + 1))) return s;
        if (n->c && (s = v_stmt(v, n->c, depth + 1))) return s;
        return TVM_OK;
    case LP_SEQ:
        if (!list_ok(p, n->list, n->nlist)) return fail(v, st, "statement list out of the pool");
        for (uint32_t k = 0; k < n->nlist; k++)
            if ((s = v_stmt(v, p->pool[n->list + k], depth + 1))) return s;
        return TVM_OK;
    default: return fail(v, st, "expression where a statement is expected");
    }
}

static tvm_status v_tables(vctx *v) {
    const lp_program *p = v->p;
    for (uint32_t k = 1; k < p->nbufs; k++) {
        const lp_buffer *b = &p->bufs[k];
        const char *name = b->name ? b->name : "?";
        if (!dtype_valid(b->dtype))
            return fail(v, 0, "buffer %s has bad dtype %d", name, b->dtype);
        switch (b->kind) {
        case LP_BUF_ARG:
            if (b->arg < 0 || b->arg >= p->nargs)
                return fail(v, 0, "buffer %s is arg %d of %d", name, (int)b->arg, p->nargs);
            break;
        case LP_BUF_WORKSPACE:
            if (b->offset < 0) return fail(v, 0, "buffer %s has a negative offset", name);
            break;
        case LP_BUF_LOCAL: /* a scalar accumulator, or a block of them with a constant
                              shape (schedule_contraction's register block) */
            if (b->ndim != 0 && b->elems < 1)
                return fail(v, 0, "local buffer %s has %u dimensions but no element count",
                            name, (unsigned)b->ndim);
            break;
        default: return fail(v, 0, "buffer %s has bad kind %d", name, b->kind);
        }
        if (!list_ok(p, b->shape, b->ndim)) return fail(v, 0, "shape of %s out of the pool", name);
        for (uint32_t d = 0; d < b->ndim; d++) {
            lp_id e = p->pool[b->shape + d];
            tvm_status s = v_expr(v, e, 0);
            if (s) return s;
            if (p->nodes[e].dtype != TVM_INT64)
                return fail(v, e, "dimension %u of %s is not int64", d, name);
        }
    }
    for (uint32_t k = 1; k < p->ncallees; k++)
        if (!p->callees[k].fn || !p->callees[k].name)
            return fail(v, 0, "callee #%u has no %s", k, p->callees[k].fn ? "name" : "address");
    for (uint32_t k = 1; k < p->nchecks; k++) {
        const lp_check *c = &p->checks[k];
        if (c->buffer == 0 || c->buffer >= p->nbufs)
            return fail(v, 0, "check #%u names buffer %u", k, c->buffer);
        if (c->dim >= p->bufs[c->buffer].ndim)
            return fail(v, 0, "check #%u names dimension %u of %s (%u dimensions)", k, c->dim,
                        p->bufs[c->buffer].name, (unsigned)p->bufs[c->buffer].ndim);
    }
    return TVM_OK;
}

tvm_status lp_verify(const lp_program *p) {
    if (!p) return err_set(TVM_ERR_INTERNAL, "loop IR verify: no program");
    if (p->failed) return err_set(TVM_ERR_OUT_OF_MEMORY, "loop IR: out of memory while building");
    vctx v = {.p = p, .gen = 1};
    v.bound = calloc(p->nvars ? p->nvars : 1, 1);
    v.stamp = calloc(p->nnodes ? p->nnodes : 1, sizeof *v.stamp);
    tvm_status s;
    if (!v.bound || !v.stamp) {
        s = err_set(TVM_ERR_OUT_OF_MEMORY, "loop IR verify: out of memory");
        goto done;
    }
    v.in_shapes = true;
    s = v_tables(&v);
    v.in_shapes = false;
    v.gen++; /* shape expressions were checked under different rules */
    if (s) goto done;
    if (p->body == 0) {
        s = fail(&v, 0, "program has no body");
        goto done;
    }
    s = v_stmt(&v, p->body, 0);
done:
    free(v.bound);
    free(v.stamp);
    return s;
}
