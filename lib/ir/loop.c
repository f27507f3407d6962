/* loop.c — building loop-IR programs in their arena. */
#include "loop.h"

#include <math.h>
#include <stdlib.h>

#define LP_MAX_NODES (1u << 28)

lp_program *lp_new(void) {
    lp_program *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    /* index 0 of every table is the "none" entry */
    p->nnodes = p->nvars = p->nbufs = p->nchecks = p->ncallees = 1;
    if (!vec_reserve((void **)&p->nodes, &p->cap_nodes, 64, sizeof *p->nodes) ||
        !vec_reserve((void **)&p->vars, &p->cap_vars, 8, sizeof *p->vars) ||
        !vec_reserve((void **)&p->bufs, &p->cap_bufs, 8, sizeof *p->bufs) ||
        !vec_reserve((void **)&p->checks, &p->cap_checks, 4, sizeof *p->checks) ||
        !vec_reserve((void **)&p->callees, &p->cap_callees, 1, sizeof *p->callees)) {
        lp_free(p);
        return NULL;
    }
    memset(&p->nodes[0], 0, sizeof p->nodes[0]);
    memset(&p->vars[0], 0, sizeof p->vars[0]);
    memset(&p->bufs[0], 0, sizeof p->bufs[0]);
    memset(&p->checks[0], 0, sizeof p->checks[0]);
    memset(&p->callees[0], 0, sizeof p->callees[0]);
    return p;
}

void lp_free(lp_program *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->nstrings; i++) free(p->strings[i]);
    free(p->strings);
    free(p->nodes);
    free(p->pool);
    free(p->vars);
    free(p->bufs);
    free(p->checks);
    free(p->callees);
    free(p);
}

const char *lp_strdup(lp_program *p, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (!c || !VEC_PUSH_OK(p->strings, p->nstrings, p->cap_strings, UINT32_MAX)) {
        free(c);
        p->failed = true;
        return "";
    }
    memcpy(c, s, n);
    p->strings[p->nstrings++] = c;
    return c;
}

uint32_t lp_pool_add(lp_program *p, const uint32_t *v, uint32_t n) {
    if (n == 0) return 0;
    if (p->npool + (uint64_t)n > LP_MAX_NODES ||
        !vec_reserve((void **)&p->pool, &p->cap_pool, p->npool + n, sizeof *p->pool)) {
        p->failed = true;
        return 0;
    }
    uint32_t off = p->npool;
    memcpy(p->pool + off, v, n * sizeof *v);
    p->npool += n;
    return off;
}

lp_id lp_add(lp_program *p, const lp_node *n) {
    if (p->failed || !VEC_PUSH_OK(p->nodes, p->nnodes, p->cap_nodes, LP_MAX_NODES)) {
        p->failed = true;
        return 0;
    }
    p->nodes[p->nnodes] = *n;
    return p->nnodes++;
}

lp_id lp_const_int(lp_program *p, int dtype, int64_t v) {
    lp_node n = {.kind = LP_CONST, .dtype = (uint8_t)dtype};
    if (dtype_is_float(dtype))
        n.imm.f = (double)v;
    else
        n.imm.i = dtype_wrap_int(dtype, v);
    return lp_add(p, &n);
}

lp_id lp_const_float(lp_program *p, int dtype, double v) {
    lp_node n = {.kind = LP_CONST, .dtype = (uint8_t)dtype};
    if (dtype == TVM_FLOAT32)
        n.imm.f = (double)(float)v;
    else if (dtype == TVM_FLOAT64)
        n.imm.f = v;
    else
        n.imm.i = sat_f64_to_int(dtype, v);
    return lp_add(p, &n);
}

lp_id lp_var_ref(lp_program *p, uint32_t var) {
    lp_node n = {.kind = LP_VAR, .dtype = TVM_INT64, .a = var};
    return lp_add(p, &n);
}

lp_id lp_binary(lp_program *p, int op, lp_id a, lp_id b) {
    if (!a || !b) return 0;
    uint8_t dt = ir_op_is_compare(op) ? TVM_BOOL : p->nodes[a].dtype;
    lp_node n = {.kind = LP_BINARY, .op = (uint8_t)op, .dtype = dt, .a = a, .b = b};
    return lp_add(p, &n);
}

lp_id lp_unary(lp_program *p, int op, lp_id a) {
    if (!a) return 0;
    lp_node n = {.kind = LP_UNARY, .op = (uint8_t)op, .dtype = p->nodes[a].dtype, .a = a};
    return lp_add(p, &n);
}

lp_id lp_select(lp_program *p, lp_id c, lp_id a, lp_id b) {
    if (!c || !a || !b) return 0;
    lp_node n = {.kind = LP_SELECT, .dtype = p->nodes[a].dtype, .a = c, .b = a, .c = b};
    return lp_add(p, &n);
}

lp_id lp_cast(lp_program *p, int dtype, lp_id a) {
    if (!a) return 0;
    if (p->nodes[a].dtype == dtype) return a;
    lp_node n = {.kind = LP_CAST, .dtype = (uint8_t)dtype, .a = a};
    return lp_add(p, &n);
}

lp_id lp_load(lp_program *p, uint32_t buf, const lp_id *idx, uint32_t nidx) {
    for (uint32_t i = 0; i < nidx; i++)
        if (!idx[i]) return 0;
    lp_node n = {.kind = LP_LOAD, .dtype = (uint8_t)dtype_compute(p->bufs[buf].dtype),
                 .a = buf, .nlist = nidx};
    n.list = lp_pool_add(p, idx, nidx);
    return lp_add(p, &n);
}

lp_id lp_for(lp_program *p, uint32_t var, lp_id extent, int kind, lp_id body) {
    if (!extent || !body) return 0;
    lp_node n = {.kind = LP_FOR, .op = (uint8_t)kind, .a = var, .b = extent, .c = body};
    return lp_add(p, &n);
}

lp_id lp_store(lp_program *p, uint32_t buf, const lp_id *idx, uint32_t nidx, lp_id value) {
    if (!value) return 0;
    for (uint32_t i = 0; i < nidx; i++)
        if (!idx[i]) return 0;
    lp_node n = {.kind = LP_STORE, .a = buf, .b = value, .nlist = nidx};
    n.list = lp_pool_add(p, idx, nidx);
    return lp_add(p, &n);
}

lp_id lp_accum(lp_program *p, uint32_t buf, int reduce_kind, lp_id value) {
    if (!value) return 0;
    lp_node n = {.kind = LP_ACCUM, .op = (uint8_t)reduce_kind, .a = buf, .b = value};
    return lp_add(p, &n);
}

lp_id lp_if(lp_program *p, lp_id cond, lp_id then_s, lp_id else_s) {
    if (!cond || !then_s) return 0;
    lp_node n = {.kind = LP_IF, .a = cond, .b = then_s, .c = else_s};
    return lp_add(p, &n);
}

lp_id lp_seq(lp_program *p, const lp_id *stmts, uint32_t nstmts) {
    for (uint32_t i = 0; i < nstmts; i++)
        if (!stmts[i]) return 0;
    lp_node n = {.kind = LP_SEQ, .nlist = nstmts};
    n.list = lp_pool_add(p, stmts, nstmts);
    return lp_add(p, &n);
}

/* The callee entry of (fn, name), added on first use: a kernel calling one
 * function from many places lists it once. */
static uint32_t callee_id(lp_program *p, const char *name, void *fn) {
    if (!name) name = "";
    for (uint32_t k = 1; k < p->ncallees; k++)
        if (p->callees[k].fn == fn && strcmp(p->callees[k].name, name) == 0) return k;
    if (p->failed || !VEC_PUSH_OK(p->callees, p->ncallees, p->cap_callees, LP_MAX_NODES)) {
        p->failed = true;
        return 0;
    }
    const char *own = lp_strdup(p, name);
    p->callees[p->ncallees].name = own;
    p->callees[p->ncallees].fn = fn;
    return p->ncallees++;
}

lp_id lp_call(lp_program *p, const char *name, void *fn, int dtype, const lp_id *args,
              uint32_t nargs) {
    for (uint32_t i = 0; i < nargs; i++)
        if (!args[i]) return 0;
    uint32_t c = callee_id(p, name, fn);
    if (!c) return 0;
    lp_node n = {.kind = LP_CALL, .dtype = (uint8_t)dtype, .a = c, .nlist = nargs};
    n.list = lp_pool_add(p, args, nargs);
    return lp_add(p, &n);
}

uint32_t lp_new_var(lp_program *p, const char *name, int kind, uint32_t graph_var) {
    if (p->failed || !VEC_PUSH_OK(p->vars, p->nvars, p->cap_vars, LP_MAX_NODES)) {
        p->failed = true;
        return 0;
    }
    lp_var *v = &p->vars[p->nvars];
    v->name = lp_strdup(p, name);
    v->kind = (uint8_t)kind;
    v->graph_var = graph_var;
    return p->nvars++;
}

uint32_t lp_new_buffer(lp_program *p, const lp_buffer *b, const lp_id *shape) {
    if (p->failed || !VEC_PUSH_OK(p->bufs, p->nbufs, p->cap_bufs, LP_MAX_NODES)) {
        p->failed = true;
        return 0;
    }
    lp_buffer nb = *b;
    nb.name = lp_strdup(p, b->name);
    nb.shape = lp_pool_add(p, shape, b->ndim);
    p->bufs[p->nbufs] = nb;
    return p->nbufs++;
}

uint32_t lp_new_check(lp_program *p, uint32_t buf, uint32_t dim) {
    if (p->failed || !VEC_PUSH_OK(p->checks, p->nchecks, p->cap_checks, 1u << 20)) {
        p->failed = true;
        return 0;
    }
    p->checks[p->nchecks].buffer = buf;
    p->checks[p->nchecks].dim = dim;
    return p->nchecks++;
}

lp_id lp_reduce_identity(lp_program *p, int kind, int dtype) {
    switch (kind) {
    case TVM_REDUCE_SUM: return lp_const_int(p, dtype, 0);
    case TVM_REDUCE_PROD: return lp_const_int(p, dtype, 1);
    case TVM_REDUCE_MIN:
        return dtype_is_float(dtype) ? lp_const_float(p, dtype, INFINITY)
                                     : lp_const_int(p, dtype, dtype_int_max(dtype));
    default:
        return dtype_is_float(dtype) ? lp_const_float(p, dtype, -INFINITY)
                                     : lp_const_int(p, dtype, dtype_int_min(dtype));
    }
}

static int64_t sat_mul(int64_t a, int64_t b) {
    if (a <= 0 || b <= 0) return 0;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

static int64_t sat_add(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

/* Work of statement s run `times` times; depth bounds the recursion. */
static int64_t work_of(const lp_program *p, lp_id s, int64_t times, int depth) {
    if (s == 0 || s >= p->nnodes || times == 0) return 0;
    if (depth > 256) return INT64_MAX;
    const lp_node *n = lp_get(p, s);
    switch (n->kind) {
    case LP_FOR: {
        const lp_node *e = n->b && n->b < p->nnodes ? lp_get(p, n->b) : NULL;
        int64_t ext = e && e->kind == LP_CONST ? e->imm.i : INT64_MAX;
        return work_of(p, n->c, sat_mul(times, ext), depth + 1);
    }
    case LP_SEQ: {
        int64_t w = 0;
        const uint32_t *l = lp_list(p, n->list);
        for (uint32_t k = 0; k < n->nlist; k++) w = sat_add(w, work_of(p, l[k], times, depth + 1));
        return w;
    }
    case LP_IF: /* both branches: an upper bound */
        return sat_add(sat_add(times, work_of(p, n->b, times, depth + 1)),
                       work_of(p, n->c, times, depth + 1));
    default:
        return times;
    }
}

int64_t lp_work(const lp_program *p) { return work_of(p, p->body, 1, 0); }
