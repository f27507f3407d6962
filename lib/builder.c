/* builder.c — the public graph-builder calls: argument checks, sticky
 * errors, and node construction through the hash-consing arena. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "context.h"
#include "fpenv.h"
#include "ir/graph.h"

static const tvm_expr NULL_EXPR = {0};
static const tvm_tensor NULL_TENSOR = {0};

/* Records the first error on the graph (sticky) and in the thread's slot. */

void graph_fail(tvm_graph *g, tvm_status s, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(s, "%s", msg);
    if (g && g->status == TVM_OK) {
        g->status = s;
        free(g->error);
        g->error = strdup(msg);
    }
}

/* Common entry check: a usable graph that has not failed yet. */
bool graph_ok(tvm_graph *g, const char *fn) {
    if (!g) {
        err_set(TVM_ERR_INVALID_ARGUMENT, "%s: graph is NULL", fn);
        return false;
    }
    if (g->status != TVM_OK) {
        err_set(g->status, "%s: the graph already failed: %s", fn, g->error ? g->error : "");
        return false;
    }
    return true;
}

/* Resolves an expression handle or records why it is unusable. */
static uint32_t expr_arg(tvm_graph *g, const char *fn, const char *arg, tvm_expr e) {
    if (e.id == 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument '%s' is the null expression", fn,
                   arg);
        return 0;
    }
    uint32_t idx = graph_expr_index(g, e);
    if (!idx) {
        graph_fail(g, TVM_ERR_INVALID_HANDLE,
                   "%s: argument '%s' (id 0x%08x) is not an expression of this graph", fn, arg,
                   e.id);
        return 0;
    }
    return idx;
}

static uint32_t tensor_arg(tvm_graph *g, const char *fn, const char *arg, tvm_tensor t) {
    if (t.id == 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument '%s' is the null tensor", fn, arg);
        return 0;
    }
    uint32_t idx = graph_tensor_index(g, t);
    if (!idx) {
        graph_fail(g, TVM_ERR_INVALID_HANDLE,
                   "%s: argument '%s' (id 0x%08x) is not a tensor of this graph", fn, arg, t.id);
        return 0;
    }
    return idx;
}

static tvm_expr add_expr(tvm_graph *g, const char *fn, const gx_node *n) {
    if (graph_node_depth(g, n) > GRAPH_MAX_DEPTH) {
        graph_fail(g, TVM_ERR_LIMIT, "%s: the expression would nest deeper than %d levels; "
                   "split it into several computes", fn, GRAPH_MAX_DEPTH);
        return NULL_EXPR;
    }
    uint32_t idx = graph_add_expr(g, n);
    if (!idx) {
        if (g->nexprs >= GRAPH_MAX_NODES)
            graph_fail(g, TVM_ERR_LIMIT, "%s: the graph already holds %u expressions, the "
                       "most a graph can", fn, GRAPH_MAX_NODES - 1);
        else
            graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_EXPR;
    }
    return graph_expr_handle(g, idx);
}

static uint32_t intern(tvm_graph *g, const char *fn, const char *name) {
    uint32_t off = graph_intern_string(g, name);
    if (off == UINT32_MAX)
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: name is longer than 4095 bytes or memory "
                   "is exhausted", fn);
    return off;
}

/* ---- graph --------------------------------------------------------------- */

TVMC_API tvm_graph *tvm_graph_create(tvm_context *ctx) {
    if (!ctx) {
        err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_graph_create: ctx is NULL");
        return NULL;
    }
    tvm_graph *g = graph_new(ctx);
    if (!g) err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_graph_create: out of memory");
    return g;
}

TVMC_API void tvm_graph_destroy(tvm_graph *g) { graph_free(g); }

TVMC_API tvm_status tvm_graph_status(tvm_graph *g) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_graph_status: graph is NULL");
    if (g->status != TVM_OK) err_set_msg(g->error);
    return g->status;
}

/* ---- leaves ---------------------------------------------------------------- */

static tvm_expr make_const(tvm_graph *g, const char *fn, tvm_dtype dtype, bool is_float,
                           int64_t iv, double fv) {
    gx_node n = {.kind = GX_CONST, .dtype = (uint8_t)dtype};
    if (dtype_is_float(dtype)) {
        double v = is_float ? fv : (double)iv;
        if (dtype == TVM_FLOAT32) v = (float)v;
        else if (dtype == TVM_FLOAT16) v = round_f16((float)v);
        else if (dtype == TVM_BFLOAT16) v = round_bf16((float)v);
        n.imm.f = v;
        if (isnan(v)) n.imm.f = NAN; /* one NaN so equal constants hash-cons */
    } else if (dtype == TVM_BOOL) {
        n.imm.i = is_float ? fv != 0.0 : iv != 0;
    } else {
        if (is_float) {
            double lo = (double)dtype_int_min(dtype);
            double hi_excl = dtype == TVM_INT64 ? 9223372036854775808.0
                                                : (double)dtype_int_max(dtype) + 1.0;
            if (!(fv == floor(fv)) || fv < lo || fv >= hi_excl) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                           "%s: value %g is not an integer in the range of %s", fn, fv,
                           dtype_name(dtype));
                return NULL_EXPR;
            }
            iv = (int64_t)fv;
        }
        if (iv < dtype_int_min(dtype) || iv > dtype_int_max(dtype)) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                       "%s: value %lld does not fit %s [%lld, %lld]", fn, (long long)iv,
                       dtype_name(dtype), (long long)dtype_int_min(dtype),
                       (long long)dtype_int_max(dtype));
            return NULL_EXPR;
        }
        n.imm.i = iv;
    }
    return add_expr(g, fn, &n);
}

static bool check_dtype(tvm_graph *g, const char *fn, tvm_dtype dtype) {
    if (!dtype_valid(dtype)) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: dtype %d is not a tvm_dtype", fn, (int)dtype);
        return false;
    }
    return true;
}

/* Conversions to float round to nearest even whatever the host's mode. */
TVMC_API tvm_expr tvm_const_int(tvm_graph *g, tvm_dtype dtype, int64_t value) {
    if (!graph_ok(g, __func__) || !check_dtype(g, __func__, dtype)) return NULL_EXPR;
    fpenv env;
    fpenv_enter(&env);
    tvm_expr r = make_const(g, __func__, dtype, false, value, 0);
    fpenv_leave(&env);
    return r;
}

TVMC_API tvm_expr tvm_const_float(tvm_graph *g, tvm_dtype dtype, double value) {
    if (!graph_ok(g, __func__) || !check_dtype(g, __func__, dtype)) return NULL_EXPR;
    fpenv env;
    fpenv_enter(&env);
    tvm_expr r = make_const(g, __func__, dtype, true, 0, value);
    fpenv_leave(&env);
    return r;
}

static tvm_expr make_var(tvm_graph *g, const char *fn, int kind, const char *name,
                         uint32_t extent) {
    if (!graph_ok(g, fn)) return NULL_EXPR;
    uint32_t off = intern(g, fn, name);
    if (off == UINT32_MAX) return NULL_EXPR;
    gx_node n = {.kind = (uint8_t)kind, .dtype = TVM_INT64, .name = off, .a = extent};
    return add_expr(g, fn, &n);
}

TVMC_API tvm_expr tvm_size_var(tvm_graph *g, const char *name) {
    return make_var(g, __func__, GX_SIZE_VAR, name, 0);
}

TVMC_API tvm_expr tvm_iter_var(tvm_graph *g, const char *name) {
    return make_var(g, __func__, GX_ITER_VAR, name, 0);
}

/* A shape-like expression may hold only integer constants, size variables
 * and arithmetic on them. */
static bool is_shape_expr(const tvm_graph *g, uint32_t e, int depth) {
    const gx_node *n = &g->exprs[e];
    if (depth > 64) return false;
    if (!dtype_is_int(n->dtype)) return false;
    switch (n->kind) {
    case GX_CONST: case GX_SIZE_VAR: return true;
    case GX_BINARY: return is_shape_expr(g, n->a, depth + 1) && is_shape_expr(g, n->b, depth + 1);
    case GX_UNARY: return is_shape_expr(g, n->a, depth + 1);
    case GX_CAST: return is_shape_expr(g, n->a, depth + 1);
    default: return false;
    }
}

/* what names the argument, e.g. "dimension 2" or "extent". */
static bool check_shape_expr(tvm_graph *g, const char *fn, const char *what, uint32_t e) {
    if (!is_shape_expr(g, e, 0)) {
        graph_fail(g, TVM_ERR_SHAPE,
                   "%s: %s must be an integer expression of constants and size variables",
                   fn, what);
        return false;
    }
    const gx_node *n = &g->exprs[e];
    if (n->kind == GX_CONST && n->imm.i < 0) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: %s is negative (%lld)", fn, what,
                   (long long)n->imm.i);
        return false;
    }
    return true;
}

TVMC_API tvm_expr tvm_reduce_axis(tvm_graph *g, const char *name, tvm_expr extent) {
    if (!graph_ok(g, __func__)) return NULL_EXPR;
    uint32_t x = expr_arg(g, __func__, "extent", extent);
    if (!x || !check_shape_expr(g, __func__, "extent", x)) return NULL_EXPR;
    return make_var(g, __func__, GX_REDUCE_AXIS, name, x);
}

TVMC_API tvm_expr tvm_load(tvm_graph *g, tvm_tensor tensor, const tvm_expr *indices) {
    if (!graph_ok(g, __func__)) return NULL_EXPR;
    uint32_t t = tensor_arg(g, __func__, "tensor", tensor);
    if (!t) return NULL_EXPR;
    const gt_node *tn = &g->tensors[t];
    if (tn->ndim > 0 && !indices) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "tvm_load: indices is NULL but tensor '%s' has "
                   "%u dimensions", graph_string(g, tn->name), tn->ndim);
        return NULL_EXPR;
    }
    uint32_t idx[TVM_MAX_NDIM];
    for (uint32_t i = 0; i < tn->ndim; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "indices[%u]", i);
        idx[i] = expr_arg(g, __func__, arg, indices[i]);
        if (!idx[i]) return NULL_EXPR;
        if (!dtype_is_int(g->exprs[idx[i]].dtype)) {
            graph_fail(g, TVM_ERR_DTYPE, "tvm_load: index %u of tensor '%s' has dtype %s; "
                       "indices must be integers", i, graph_string(g, tn->name),
                       dtype_name(g->exprs[idx[i]].dtype));
            return NULL_EXPR;
        }
    }
    gx_node n = {.kind = GX_LOAD, .dtype = tn->dtype, .a = t, .nlist = tn->ndim};
    n.list = graph_pool_add(g, idx, tn->ndim);
    if (n.list == UINT32_MAX) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "tvm_load: out of memory");
        return NULL_EXPR;
    }
    return add_expr(g, __func__, &n);
}

/* ---- operators ------------------------------------------------------------- */

enum { ALLOW_FLOAT = 1, ALLOW_INT = 2, ALLOW_BOOL = 4 };

static int op_allowed(int op) {
    switch (op) {
    case IR_POW: case IR_EXP: case IR_LOG: case IR_SQRT: case IR_RSQRT: case IR_TANH:
    case IR_SIGMOID: case IR_ERF: case IR_FLOOR: case IR_CEIL:
        return ALLOW_FLOAT;
    case IR_AND: case IR_OR: case IR_NOT:
        return ALLOW_BOOL;
    case IR_LT: case IR_LE: case IR_GT: case IR_GE: case IR_EQ: case IR_NE:
        return ALLOW_FLOAT | ALLOW_INT | ALLOW_BOOL;
    default:
        return ALLOW_FLOAT | ALLOW_INT;
    }
}

static bool dtype_allowed(int allowed, int dtype) {
    if (dtype == TVM_BOOL) return allowed & ALLOW_BOOL;
    if (dtype_is_float(dtype)) return allowed & ALLOW_FLOAT;
    return allowed & ALLOW_INT;
}

static const char *allowed_text(int allowed) {
    switch (allowed) {
    case ALLOW_FLOAT: return "floating-point";
    case ALLOW_BOOL: return "bool";
    default: return "numeric (not bool)";
    }
}

static tvm_expr binary(tvm_graph *g, const char *fn, int op, tvm_expr a, tvm_expr b) {
    if (!graph_ok(g, fn)) return NULL_EXPR;
    uint32_t x = expr_arg(g, fn, "a", a);
    if (!x) return NULL_EXPR;
    uint32_t y = expr_arg(g, fn, "b", b);
    if (!y) return NULL_EXPR;
    int dx = g->exprs[x].dtype, dy = g->exprs[y].dtype;
    if (dx != dy) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: operands have different dtypes (%s and %s); "
                   "use tvm_cast", fn, dtype_name(dx), dtype_name(dy));
        return NULL_EXPR;
    }
    if (!dtype_allowed(op_allowed(op), dx)) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: operands are %s but must be %s", fn, dtype_name(dx),
                   allowed_text(op_allowed(op)));
        return NULL_EXPR;
    }
    gx_node n = {.kind = GX_BINARY, .op = (uint8_t)op,
                 .dtype = (uint8_t)(ir_op_is_compare(op) ? TVM_BOOL : dx), .a = x, .b = y};
    return add_expr(g, fn, &n);
}

static tvm_expr unary(tvm_graph *g, const char *fn, int op, tvm_expr a) {
    if (!graph_ok(g, fn)) return NULL_EXPR;
    uint32_t x = expr_arg(g, fn, "a", a);
    if (!x) return NULL_EXPR;
    int dx = g->exprs[x].dtype;
    if (!dtype_allowed(op_allowed(op), dx)) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: operand is %s but must be %s", fn, dtype_name(dx),
                   allowed_text(op_allowed(op)));
        return NULL_EXPR;
    }
    gx_node n = {.kind = GX_UNARY, .op = (uint8_t)op, .dtype = (uint8_t)dx, .a = x};
    return add_expr(g, fn, &n);
}

#define BINARY_API(name, op) \
    TVMC_API tvm_expr name(tvm_graph *g, tvm_expr a, tvm_expr b) { return binary(g, #name, op, a, b); }
#define UNARY_API(name, op) \
    TVMC_API tvm_expr name(tvm_graph *g, tvm_expr a) { return unary(g, #name, op, a); }

BINARY_API(tvm_add, IR_ADD)
BINARY_API(tvm_sub, IR_SUB)
BINARY_API(tvm_mul, IR_MUL)
BINARY_API(tvm_div, IR_DIV)
BINARY_API(tvm_mod, IR_MOD)
BINARY_API(tvm_floordiv, IR_FLOORDIV)
BINARY_API(tvm_floormod, IR_FLOORMOD)
BINARY_API(tvm_min, IR_MIN)
BINARY_API(tvm_max, IR_MAX)
BINARY_API(tvm_pow, IR_POW)
BINARY_API(tvm_lt, IR_LT)
BINARY_API(tvm_le, IR_LE)
BINARY_API(tvm_gt, IR_GT)
BINARY_API(tvm_ge, IR_GE)
BINARY_API(tvm_eq, IR_EQ)
BINARY_API(tvm_ne, IR_NE)
BINARY_API(tvm_and, IR_AND)
BINARY_API(tvm_or, IR_OR)
UNARY_API(tvm_neg, IR_NEG)
UNARY_API(tvm_not, IR_NOT)
UNARY_API(tvm_exp, IR_EXP)
UNARY_API(tvm_log, IR_LOG)
UNARY_API(tvm_sqrt, IR_SQRT)
UNARY_API(tvm_rsqrt, IR_RSQRT)
UNARY_API(tvm_tanh, IR_TANH)
UNARY_API(tvm_sigmoid, IR_SIGMOID)
UNARY_API(tvm_erf, IR_ERF)
UNARY_API(tvm_abs, IR_ABS)
UNARY_API(tvm_floor, IR_FLOOR)
UNARY_API(tvm_ceil, IR_CEIL)

TVMC_API tvm_expr tvm_select(tvm_graph *g, tvm_expr cond, tvm_expr a, tvm_expr b) {
    if (!graph_ok(g, __func__)) return NULL_EXPR;
    uint32_t c = expr_arg(g, __func__, "cond", cond);
    if (!c) return NULL_EXPR;
    uint32_t x = expr_arg(g, __func__, "a", a);
    if (!x) return NULL_EXPR;
    uint32_t y = expr_arg(g, __func__, "b", b);
    if (!y) return NULL_EXPR;
    if (g->exprs[c].dtype != TVM_BOOL) {
        graph_fail(g, TVM_ERR_DTYPE, "tvm_select: cond is %s but must be bool",
                   dtype_name(g->exprs[c].dtype));
        return NULL_EXPR;
    }
    if (g->exprs[x].dtype != g->exprs[y].dtype) {
        graph_fail(g, TVM_ERR_DTYPE, "tvm_select: a and b have different dtypes (%s and %s)",
                   dtype_name(g->exprs[x].dtype), dtype_name(g->exprs[y].dtype));
        return NULL_EXPR;
    }
    gx_node n = {.kind = GX_SELECT, .dtype = g->exprs[x].dtype, .a = c, .b = x, .c = y};
    return add_expr(g, __func__, &n);
}

TVMC_API tvm_expr tvm_cast(tvm_graph *g, tvm_dtype dtype, tvm_expr e) {
    if (!graph_ok(g, __func__) || !check_dtype(g, __func__, dtype)) return NULL_EXPR;
    uint32_t x = expr_arg(g, __func__, "e", e);
    if (!x) return NULL_EXPR;
    if (g->exprs[x].dtype == dtype) return e;
    gx_node n = {.kind = GX_CAST, .dtype = (uint8_t)dtype, .a = x};
    return add_expr(g, __func__, &n);
}

TVMC_API tvm_expr tvm_reduce(tvm_graph *g, tvm_reduce_kind kind, tvm_expr body, int naxes,
                             const tvm_expr *axes) {
    const char *fn = "tvm_reduce";
    if (!graph_ok(g, fn)) return NULL_EXPR;
    if ((int)kind < TVM_REDUCE_SUM || (int)kind > TVM_REDUCE_MAX) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: kind %d is not a tvm_reduce_kind", fn,
                   (int)kind);
        return NULL_EXPR;
    }
    uint32_t b = expr_arg(g, fn, "body", body);
    if (!b) return NULL_EXPR;
    if (g->exprs[b].dtype == TVM_BOOL) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: body is bool; reduce a number (cast it first)", fn);
        return NULL_EXPR;
    }
    if (naxes < 1 || naxes > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: naxes is %d; it must be in [1, %d]", fn,
                   naxes, TVM_MAX_NDIM);
        return NULL_EXPR;
    }
    if (!axes) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axes is NULL", fn);
        return NULL_EXPR;
    }
    uint32_t ax[TVM_MAX_NDIM];
    for (int i = 0; i < naxes; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "axes[%d]", i);
        ax[i] = expr_arg(g, fn, arg, axes[i]);
        if (!ax[i]) return NULL_EXPR;
        if (g->exprs[ax[i]].kind != GX_REDUCE_AXIS) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                       "%s: axes[%d] is not a reduction axis (make it with tvm_reduce_axis)", fn,
                       i);
            return NULL_EXPR;
        }
        for (int j = 0; j < i; j++)
            if (ax[j] == ax[i]) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axis '%s' is listed twice", fn,
                           graph_string(g, g->exprs[ax[i]].name));
                return NULL_EXPR;
            }
    }
    gx_node n = {.kind = GX_REDUCE, .op = (uint8_t)kind, .dtype = g->exprs[b].dtype, .a = b,
                 .nlist = (uint32_t)naxes};
    n.list = graph_pool_add(g, ax, (uint32_t)naxes);
    if (n.list == UINT32_MAX) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_EXPR;
    }
    return add_expr(g, fn, &n);
}

TVMC_API tvm_expr tvm_sum(tvm_graph *g, tvm_expr body, int naxes, const tvm_expr *axes) {
    return tvm_reduce(g, TVM_REDUCE_SUM, body, naxes, axes);
}

/* ---- user functions ------------------------------------------------------------ */

/* The C scalar types a host function may take or return: every compute
 * dtype (float16/bfloat16 have no portable C type). */
static bool check_extern_dtype(tvm_graph *g, const char *fn, const char *what, int dt) {
    if (!dtype_valid(dt)) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: %s (%d) is not a tvm_dtype", fn, what, dt);
        return false;
    }
    if (dt == TVM_FLOAT16 || dt == TVM_BFLOAT16) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: %s is %s, which has no C type; pass float32 "
                   "(tvm_cast) instead", fn, what, dtype_name(dt));
        return false;
    }
    return true;
}

#define EXTERN_MAX_ARGS 8

TVMC_API tvm_expr tvm_call_extern(tvm_graph *g, const char *name, void *fn,
                                  tvm_dtype ret_dtype, int nargs,
                                  const tvm_dtype *arg_dtypes, const tvm_expr *args) {
    const char *api = "tvm_call_extern";
    if (!graph_ok(g, api)) return NULL_EXPR;
    if (!name) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: name is NULL", api);
        return NULL_EXPR;
    }
    if (!fn) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: fn (the function pointer of '%.64s') is "
                   "NULL", api, name);
        return NULL_EXPR;
    }
    if (!check_extern_dtype(g, api, "ret_dtype", ret_dtype)) return NULL_EXPR;
    if (nargs < 0 || nargs > EXTERN_MAX_ARGS) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: nargs is %d; it must be in [0, %d]", api,
                   nargs, EXTERN_MAX_ARGS);
        return NULL_EXPR;
    }
    if (nargs > 0 && (!arg_dtypes || !args)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL but nargs is %d", api,
                   !arg_dtypes ? "arg_dtypes" : "args", nargs);
        return NULL_EXPR;
    }
    uint32_t ops[EXTERN_MAX_ARGS];
    for (int k = 0; k < nargs; k++) {
        char what[32];
        snprintf(what, sizeof what, "arg_dtypes[%d]", k);
        if (!check_extern_dtype(g, api, what, arg_dtypes[k])) return NULL_EXPR;
        snprintf(what, sizeof what, "args[%d]", k);
        ops[k] = expr_arg(g, api, what, args[k]);
        if (!ops[k]) return NULL_EXPR;
        int have = g->exprs[ops[k]].dtype;
        if (have != (int)arg_dtypes[k]) {
            graph_fail(g, TVM_ERR_DTYPE, "%s: argument %d (args[%d]) of '%.64s' is %s but "
                       "arg_dtypes[%d] is %s; use tvm_cast", api, k, k, name, dtype_name(have),
                       k, dtype_name(arg_dtypes[k]));
            return NULL_EXPR;
        }
    }
    uint32_t off = intern(g, api, name);
    if (off == UINT32_MAX) return NULL_EXPR;
    gx_node n = {.kind = GX_CALL, .dtype = (uint8_t)ret_dtype, .name = off,
                 .nlist = (uint32_t)nargs};
    n.imm.i = (int64_t)(intptr_t)fn;
    n.list = graph_pool_add(g, ops, (uint32_t)nargs);
    if (n.list == UINT32_MAX) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", api);
        return NULL_EXPR;
    }
    uint32_t nexprs = g->nexprs;
    tvm_expr r = add_expr(g, api, &n);
    /* an existing call was found: drop the name copy just interned (it is
     * the last string), so repeating a call does not grow the graph */
    if (r.id && g->nexprs == nexprs && off) g->nstrings = off;
    return r;
}

/* ---- tensors ----------------------------------------------------------------- */

static bool check_name_ndim(tvm_graph *g, const char *fn, int ndim) {
    if (ndim < 0 || ndim > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: ndim is %d; it must be in [0, %d]", fn, ndim,
                   TVM_MAX_NDIM);
        return false;
    }
    return true;
}

/* Collects the free iteration variables and reduction axes of expression e
 * (size variables are always allowed) into a sorted-free small set. Variables
 * bound by a reduction inside e are not free. Works on the DAG with a memo of
 * per-node sets so shared subexpressions are visited once. */
typedef struct varset {
    uint32_t *v;
    uint32_t n;
} varset;

static bool varset_add(varset *s, uint32_t x) {
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i] == x) return true;
    uint32_t *nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv) return false;
    s->v = nv;
    s->v[s->n++] = x;
    return true;
}

static bool free_vars(const tvm_graph *g, uint32_t root, varset *out) {
    varset *memo = calloc(root + 1, sizeof *memo);
    bool ok = memo != NULL;
    /* children have smaller indices than parents: process in increasing order
     * over the nodes reachable from root */
    uint8_t *reach = ok ? calloc(root + 1, 1) : NULL;
    ok = ok && reach;
    if (ok) {
        reach[root] = 1;
        for (uint32_t i = root; i >= 1; i--) {
            if (!reach[i]) continue;
            const gx_node *n = &g->exprs[i];
            if (n->kind != GX_LOAD) {
                if (n->a) reach[n->a] = 1;
                if (n->b) reach[n->b] = 1;
                if (n->c) reach[n->c] = 1;
            }
            for (uint32_t k = 0; k < n->nlist; k++) reach[g->pool[n->list + k]] = 1;
        }
        for (uint32_t i = 1; i <= root && ok; i++) {
            if (!reach[i]) continue;
            const gx_node *n = &g->exprs[i];
            varset *s = &memo[i];
            if (n->kind == GX_ITER_VAR || n->kind == GX_REDUCE_AXIS) {
                ok = varset_add(s, i);
                continue;
            }
            uint32_t kids[3] = {n->kind == GX_LOAD ? 0 : n->a, n->b, n->c};
            for (int k = 0; k < 3 && ok; k++)
                for (uint32_t j = 0; kids[k] && j < memo[kids[k]].n && ok; j++)
                    ok = varset_add(s, memo[kids[k]].v[j]);
            for (uint32_t k = 0; k < n->nlist && ok; k++) {
                uint32_t c = g->pool[n->list + k];
                for (uint32_t j = 0; j < memo[c].n && ok; j++) {
                    uint32_t x = memo[c].v[j];
                    if (n->kind == GX_REDUCE) continue; /* axes themselves are bound */
                    ok = varset_add(s, x);
                }
            }
            if (n->kind == GX_REDUCE) { /* remove the axes bound here */
                const uint32_t *ax = g->pool + n->list;
                uint32_t w = 0;
                for (uint32_t j = 0; j < s->n; j++) {
                    bool bound = false;
                    for (uint32_t k = 0; k < n->nlist; k++) bound |= ax[k] == s->v[j];
                    if (!bound) s->v[w++] = s->v[j];
                }
                s->n = w;
            }
        }
    }
    if (ok) {
        *out = memo[root];
        memo[root].v = NULL;
    }
    if (memo)
        for (uint32_t i = 0; i <= root; i++) free(memo[i].v);
    free(memo);
    free(reach);
    return ok;
}

TVMC_API tvm_tensor tvm_placeholder(tvm_graph *g, const char *name, tvm_dtype dtype, int ndim,
                                    const tvm_expr *shape) {
    const char *fn = "tvm_placeholder";
    if (!graph_ok(g, fn) || !check_dtype(g, fn, dtype) || !check_name_ndim(g, fn, ndim))
        return NULL_TENSOR;
    if (ndim > 0 && !shape) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: shape is NULL but ndim is %d", fn, ndim);
        return NULL_TENSOR;
    }
    uint32_t dims[TVM_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "shape[%d]", i);
        dims[i] = expr_arg(g, fn, arg, shape[i]);
        snprintf(arg, sizeof arg, "dimension %d", i);
        if (!dims[i] || !check_shape_expr(g, fn, arg, dims[i])) return NULL_TENSOR;
    }
    gt_node t = {.kind = GT_PLACEHOLDER, .dtype = (uint8_t)dtype, .ndim = (uint16_t)ndim};
    t.name = intern(g, fn, name ? name : "placeholder");
    if (t.name == UINT32_MAX) return NULL_TENSOR;
    t.shape = graph_pool_add(g, dims, (uint32_t)ndim);
    if (t.shape == UINT32_MAX) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_TENSOR;
    }
    uint32_t idx = graph_add_tensor(g, &t);
    if (!idx) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_TENSOR;
    }
    return graph_tensor_handle(g, idx);
}

TVMC_API tvm_tensor tvm_compute(tvm_graph *g, const char *name, int ndim, const tvm_expr *shape,
                                const tvm_expr *iters, tvm_expr body) {
    const char *fn = "tvm_compute";
    if (!graph_ok(g, fn) || !check_name_ndim(g, fn, ndim)) return NULL_TENSOR;
    const char *tname = name ? name : "compute";
    if (ndim > 0 && (!shape || !iters)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL but ndim is %d", fn,
                   !shape ? "shape" : "iters", ndim);
        return NULL_TENSOR;
    }
    uint32_t dims[TVM_MAX_NDIM], its[TVM_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        char arg[32];
        snprintf(arg, sizeof arg, "shape[%d]", i);
        dims[i] = expr_arg(g, fn, arg, shape[i]);
        snprintf(arg, sizeof arg, "dimension %d", i);
        if (!dims[i] || !check_shape_expr(g, fn, arg, dims[i])) return NULL_TENSOR;
        snprintf(arg, sizeof arg, "iters[%d]", i);
        its[i] = expr_arg(g, fn, arg, iters[i]);
        if (!its[i]) return NULL_TENSOR;
        if (g->exprs[its[i]].kind != GX_ITER_VAR) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                       "%s: iters[%d] of '%s' is not an iteration variable (tvm_iter_var)", fn, i,
                       tname);
            return NULL_TENSOR;
        }
        for (int j = 0; j < i; j++)
            if (its[j] == its[i]) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                           "%s: iteration variable '%s' is used for two axes of '%s'", fn,
                           graph_string(g, g->exprs[its[i]].name), tname);
                return NULL_TENSOR;
            }
    }
    uint32_t b = expr_arg(g, fn, "body", body);
    if (!b) return NULL_TENSOR;
    varset fv = {0};
    if (!free_vars(g, b, &fv)) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_TENSOR;
    }
    for (uint32_t k = 0; k < fv.n; k++) {
        uint32_t v = fv.v[k];
        bool axis = false;
        for (int i = 0; i < ndim; i++) axis |= its[i] == v;
        if (!axis) {
            const gx_node *vn = &g->exprs[v];
            if (vn->kind == GX_REDUCE_AXIS)
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                           "%s: the body of '%s' uses reduction axis '%s' outside a reduction "
                           "over it", fn, tname, graph_string(g, vn->name));
            else
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT,
                           "%s: the body of '%s' uses iteration variable '%s', which is not one "
                           "of its axes", fn, tname, graph_string(g, vn->name));
            free(fv.v);
            return NULL_TENSOR;
        }
    }
    free(fv.v);
    gt_node t = {.kind = GT_COMPUTE, .dtype = g->exprs[b].dtype, .ndim = (uint16_t)ndim,
                 .body = b};
    t.name = intern(g, fn, tname);
    if (t.name == UINT32_MAX) return NULL_TENSOR;
    t.shape = graph_pool_add(g, dims, (uint32_t)ndim);
    t.iters = graph_pool_add(g, its, (uint32_t)ndim);
    uint32_t idx = 0;
    if (t.name != UINT32_MAX && t.shape != UINT32_MAX && t.iters != UINT32_MAX)
        idx = graph_add_tensor(g, &t);
    if (!idx) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_TENSOR;
    }
    return graph_tensor_handle(g, idx);
}

/* Constants larger than this are refused (a limit, not an allocation). */
#define MAX_CONSTANT_BYTES ((size_t)1 << 34)

TVMC_API tvm_tensor tvm_constant(tvm_graph *g, const char *name, tvm_dtype dtype, int ndim,
                                 const int64_t *shape, const void *data) {
    const char *fn = "tvm_constant";
    if (!graph_ok(g, fn) || !check_dtype(g, fn, dtype) || !check_name_ndim(g, fn, ndim))
        return NULL_TENSOR;
    if (ndim > 0 && !shape) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: shape is NULL but ndim is %d", fn, ndim);
        return NULL_TENSOR;
    }
    int64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: shape[%d] is negative (%lld)", fn, i,
                       (long long)shape[i]);
            return NULL_TENSOR;
        }
        if (mul_overflow_i64(count, shape[i], &count)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: the element count overflows int64", fn);
            return NULL_TENSOR;
        }
    }
    size_t nbytes;
    if (mul_overflow_size((size_t)count, (size_t)dtype_bytes(dtype), &nbytes) ||
        nbytes > MAX_CONSTANT_BYTES) {
        graph_fail(g, TVM_ERR_LIMIT, "%s: constant '%s' would take more than %zu bytes", fn,
                   name ? name : "", MAX_CONSTANT_BYTES);
        return NULL_TENSOR;
    }
    if (nbytes > 0 && !data) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: data is NULL", fn);
        return NULL_TENSOR;
    }
    uint32_t dims[TVM_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        dims[i] = graph_expr_index(g, tvm_const_int(g, TVM_INT64, shape[i]));
        if (!dims[i]) return NULL_TENSOR;
    }
    gt_node t = {.kind = GT_CONSTANT, .dtype = (uint8_t)dtype, .ndim = (uint16_t)ndim,
                 .nbytes = nbytes};
    t.name = intern(g, fn, name ? name : "constant");
    if (t.name == UINT32_MAX) return NULL_TENSOR;
    t.shape = graph_pool_add(g, dims, (uint32_t)ndim);
    uint32_t idx = 0;
    if (t.shape != UINT32_MAX) t.cbuf = const_buf_new(data, nbytes);
    if (t.cbuf) {
        t.data = t.cbuf->data;
        idx = graph_add_tensor(g, &t);
    }
    if (!idx) {
        const_buf_release(t.cbuf);
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return NULL_TENSOR;
    }
    return graph_tensor_handle(g, idx);
}

TVMC_API tvm_status tvm_tensor_info(tvm_graph *g, tvm_tensor t, int *ndim, tvm_dtype *dtype) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_tensor_info: graph is NULL");
    uint32_t idx = graph_tensor_index(g, t);
    if (!idx)
        return err_set(t.id ? TVM_ERR_INVALID_HANDLE : TVM_ERR_INVALID_ARGUMENT,
                       "tvm_tensor_info: tensor (id 0x%08x) is not a tensor of this graph", t.id);
    if (ndim) *ndim = g->tensors[idx].ndim;
    if (dtype) *dtype = (tvm_dtype)g->tensors[idx].dtype;
    return TVM_OK;
}

TVMC_API tvm_status tvm_expr_dtype(tvm_graph *g, tvm_expr e, tvm_dtype *dtype) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_expr_dtype: graph is NULL");
    if (!dtype) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_expr_dtype: dtype is NULL");
    uint32_t idx = graph_expr_index(g, e);
    if (!idx)
        return err_set(e.id ? TVM_ERR_INVALID_HANDLE : TVM_ERR_INVALID_ARGUMENT,
                       "tvm_expr_dtype: expression (id 0x%08x) is not an expression of this "
                       "graph", e.id);
    *dtype = (tvm_dtype)g->exprs[idx].dtype;
    return TVM_OK;
}

TVMC_API tvm_status tvm_graph_print(tvm_graph *g, int n, const tvm_tensor *tensors, char **text) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_graph_print: graph is NULL");
    if (!text) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_graph_print: text is NULL");
    if (n < 0 || (n > 0 && !tensors))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_graph_print: bad tensor list (n = %d)", n);
    uint32_t *roots = NULL;
    if (n > 0) {
        roots = malloc((size_t)n * sizeof *roots);
        if (!roots) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_graph_print: out of memory");
        for (int i = 0; i < n; i++) {
            roots[i] = graph_tensor_index(g, tensors[i]);
            if (!roots[i]) {
                free(roots);
                return err_set(tensors[i].id ? TVM_ERR_INVALID_HANDLE : TVM_ERR_INVALID_ARGUMENT,
                               "tvm_graph_print: tensors[%d] (id 0x%08x) is not a tensor of "
                               "this graph", i, tensors[i].id);
            }
        }
    }
    strbuf sb = {0};
    graph_print(g, roots, n, &sb);
    free(roots);
    char *s = sb_take(&sb);
    if (!s) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_graph_print: out of memory");
    *text = s;
    return TVM_OK;
}
