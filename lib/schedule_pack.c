/* schedule_pack.c — tvm_sched_pack: re-laying an operand into panels.
 *
 * Packing is a graph rewrite, so the rest of the compiler sees ordinary
 * computes: a new compute holds the panels,
 *   packed[o, rest..., in] = select(o * block + in < n, X[.., o * block + in, ..], 0)
 * and the consumer is replaced (for tvm_compile; the user's handle stays the
 * name of the stage) by a copy whose reads X[e] become
 *   packed[e_d / block, e_rest..., e_d % block].
 * A packed constant is a compute of constants: fold_constants evaluates it
 * at compile time and the function owns the panels. A packed input is a
 * stage stored before the consumer on every call. apply_schedule folds the
 * (o * block + in) / block of a consumer loop split by block back into o. */
#include <stdio.h>
#include <stdlib.h>

#include "schedule.h"

/* Rewrites expression e, replacing loads of tensor x by loads of packed;
 * 0 when out of memory (no node is built over a lost operand). */
static uint32_t rewrite(tvm_graph *g, uint32_t e, uint32_t x, uint32_t packed, int dim,
                        int64_t block, uint32_t *memo, int depth) {
    if (!e || depth > GRAPH_MAX_DEPTH + 8) return e;
    if (memo[e]) return memo[e];
    gx_node n = g->exprs[e];
    uint32_t r = e;
    if (n.kind == GX_LOAD && n.a == x) {
        uint32_t nd = n.nlist;
        tvm_expr idx[TVM_MAX_NDIM + 1];
        tvm_expr b = tvm_const_int(g, TVM_INT64, block);
        uint32_t k = 0;
        tvm_expr ed = graph_expr_handle(g, rewrite(g, g->pool[n.list + (uint32_t)dim], x, packed,
                                                   dim, block, memo, depth + 1));
        idx[k++] = tvm_floordiv(g, ed, b);
        for (uint32_t d = 0; d < nd; d++)
            if (d != (uint32_t)dim)
                idx[k++] = graph_expr_handle(g, rewrite(g, g->pool[n.list + d], x, packed, dim,
                                                        block, memo, depth + 1));
        idx[k++] = tvm_floormod(g, ed, b);
        r = graph_expr_index(g, tvm_load(g, graph_tensor_handle(g, packed), idx));
    } else if (n.kind != GX_CONST && n.kind != GX_SIZE_VAR && n.kind != GX_ITER_VAR &&
               n.kind != GX_REDUCE_AXIS) {
        gx_node m = n;
        bool same = true;
        if (n.kind != GX_LOAD) {
            m.a = rewrite(g, n.a, x, packed, dim, block, memo, depth + 1);
            same &= m.a == n.a;
        }
        m.b = rewrite(g, n.b, x, packed, dim, block, memo, depth + 1);
        m.c = rewrite(g, n.c, x, packed, dim, block, memo, depth + 1);
        same &= m.b == n.b && m.c == n.c;
        if ((n.kind != GX_LOAD && n.a && !m.a) || (n.b && !m.b) || (n.c && !m.c)) return 0;
        if (n.nlist && n.kind != GX_REDUCE) { /* a reduction's list is its axes */
            uint32_t *list = malloc(n.nlist * sizeof *list);
            if (!list) return 0;
            for (uint32_t k = 0; k < n.nlist; k++) {
                list[k] = rewrite(g, g->pool[n.list + k], x, packed, dim, block, memo, depth + 1);
                same &= list[k] == g->pool[n.list + k];
                if (!list[k]) { /* (pool entries are never 0) */
                    free(list);
                    return 0;
                }
            }
            if (!same) m.list = graph_pool_add(g, list, n.nlist);
            free(list);
            if (m.list == UINT32_MAX) return 0;
        }
        if (!same) r = graph_add_expr(g, &m);
    }
    memo[e] = r;
    return r;
}

typedef struct operand_load {
    uint32_t x;
    bool found;
} operand_load;

static graph_step find_operand(const tvm_graph *g, uint32_t e, void *arg) {
    operand_load *l = arg;
    const gx_node *y = &g->exprs[e];
    if (y->kind == GX_LOAD && y->a == l->x) {
        l->found = true;
        return GRAPH_STEP_STOP;
    }
    /* an axis's extent is a shape expression: it loads nothing */
    return y->kind == GX_REDUCE_AXIS ? GRAPH_STEP_SKIP : GRAPH_STEP_OPERANDS;
}

TVMC_API tvm_status tvm_sched_pack(tvm_schedule *s, tvm_tensor consumer, tvm_tensor operand,
                                   int dim, int64_t block, tvm_tensor *packed) {
    const char *fn = "tvm_sched_pack";
    if (!s) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: s is NULL", fn);
    if (!packed) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: packed is NULL", fn);
    int k = sched_get_stage(s, fn, "consumer", consumer);
    if (k < 0) return s->last;
    tvm_graph *g = s->g;
    sch_stage *st = &s->stages[k];
    uint32_t c = st->packed_as ? st->packed_as : st->tensor;
    const char *cn = graph_string(g, g->tensors[st->tensor].name);
    bool is_out = false;
    for (uint32_t i = 0; i < s->nout; i++) is_out |= s->outputs[i] == st->tensor;
    if (!is_out)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: consumer '%s' is not an output of the "
                       "schedule; only an output's operands are packed", fn, cn);
    uint32_t x = graph_tensor_index(g, operand);
    if (!x || x >= s->ntensors)
        return err_set(TVM_ERR_INVALID_HANDLE, "%s: operand (id 0x%08x) is not a tensor of the "
                       "schedule's graph", fn, operand.id);
    const gt_node *xt = &g->tensors[x];
    const char *xn = graph_string(g, xt->name);
    if (xt->kind == GT_COMPUTE)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: operand '%s' is a compute; pack an input "
                       "placeholder or a constant", fn, xn);
    if (dim < 0 || dim >= (int)xt->ndim)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: dim is %d but operand '%s' has %u "
                       "dimensions", fn, dim, xn, (unsigned)xt->ndim);
    if (block <= 0 || block > (1 << 20))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: block is %lld for operand '%s'; it must "
                       "be in [1, 1048576]", fn, (long long)block, xn);
    if (xt->ndim + 1 > TVM_MAX_NDIM)
        return err_set(TVM_ERR_LIMIT, "%s: operand '%s' already has %d dimensions; its panels "
                       "would have one more than tvmc allows", fn, xn, TVM_MAX_NDIM);
    /* direct reads of x in the consumer's body */
    graph_walk w;
    operand_load l = {x, false};
    bool ok = graph_walk_init(&w, g) &&
              graph_walk_run(&w, &g->tensors[c].body, 1, NULL, 0, find_operand, &l);
    graph_walk_free(&w);
    if (!ok) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    bool reads = l.found;
    if (!reads)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: consumer '%s' does not read operand '%s'",
                       fn, cn, xn);
    /* the panels */
    char name[96];
    tvm_expr shape[TVM_MAX_NDIM], iters[TVM_MAX_NDIM], src[TVM_MAX_NDIM];
    tvm_expr b = tvm_const_int(g, TVM_INT64, block);
    tvm_expr nd = graph_expr_handle(g, g->pool[xt->shape + (uint32_t)dim]);
    uint32_t r = 0;
    snprintf(name, sizeof name, "%.60s_pack_o", xn);
    iters[r] = tvm_iter_var(g, name);
    shape[r++] = tvm_floordiv(g, tvm_add(g, nd, tvm_const_int(g, TVM_INT64, block - 1)), b);
    for (uint32_t d = 0; d < xt->ndim; d++) {
        if (d == (uint32_t)dim) continue;
        snprintf(name, sizeof name, "%.60s_pack_%u", xn, d);
        iters[r] = tvm_iter_var(g, name);
        src[d] = iters[r];
        shape[r++] = graph_expr_handle(g, g->pool[xt->shape + d]);
    }
    snprintf(name, sizeof name, "%.60s_pack_i", xn);
    iters[r] = tvm_iter_var(g, name);
    shape[r++] = b;
    tvm_expr pos = tvm_add(g, tvm_mul(g, iters[0], b), iters[r - 1]);
    src[dim] = pos;
    tvm_dtype dt = (tvm_dtype)xt->dtype;
    bool fl = dt == TVM_FLOAT32 || dt == TVM_FLOAT64 || dt == TVM_FLOAT16 || dt == TVM_BFLOAT16;
    tvm_expr zero = fl ? tvm_const_float(g, dt, 0) : tvm_const_int(g, dt, 0);
    tvm_expr body = tvm_select(g, tvm_lt(g, pos, nd), tvm_load(g, operand, src), zero);
    snprintf(name, sizeof name, "%.60s_packed", xn);
    tvm_tensor pk = tvm_compute(g, name, (int)r, shape, iters, body);
    if (g->status != TVM_OK || !pk.id)
        return err_set(g->status ? g->status : TVM_ERR_INTERNAL, "%s: building the panels of "
                       "'%s' failed: %s", fn, xn, g->error ? g->error : "");
    /* the consumer, reading the panels */
    uint32_t pidx = graph_tensor_index(g, pk);
    uint32_t *memo = calloc(g->nexprs + 64, sizeof *memo);
    if (!memo) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    gt_node ct = g->tensors[c];
    uint32_t nbody = rewrite(g, ct.body, x, pidx, dim, block, memo, 0);
    free(memo);
    ct.body = nbody;
    uint32_t c2 = nbody && g->status == TVM_OK ? graph_add_tensor(g, &ct) : 0;
    if (!c2)
        return err_set(g->status ? g->status : TVM_ERR_OUT_OF_MEMORY, "%s: rewriting consumer "
                       "'%s' failed", fn, cn);
    /* both are part of what the schedule's outputs need now */
    uint8_t *reach = realloc(s->reach, g->ntensors);
    if (!reach) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    memset(reach + s->ntensors, 0, g->ntensors - s->ntensors);
    s->reach = reach;
    s->ntensors = g->ntensors;
    s->reach[pidx] = s->reach[c2] = 1;
    st = &s->stages[k];
    st->packed_as = c2;
    int kp = sched_get_stage(s, fn, "packed", pk);
    if (kp < 0) return s->last;
    s->stages[kp].pack_of = x;
    *packed = pk;
    return TVM_OK;
}

uint32_t sched_output(const tvm_schedule *s, uint32_t t) {
    int k = sched_find_stage(s, t);
    return k >= 0 && s->stages[k].packed_as ? s->stages[k].packed_as : t;
}
