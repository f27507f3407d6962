/* specialize — needs: the symbolic template (pc->p, not modified: other
 * threads read it) and the value of every size variable. Keeps: the same
 * node numbering; produces a new program whose size variables are
 * constants and whose buffer shapes are constants with known element
 * counts. */
#include <stdlib.h>

#include "../jit/function.h"
#include "passes.h"

static void *dup_array(const void *src, size_t n, size_t elem) {
    void *d = malloc(n ? n * elem : 1);
    if (d && n) memcpy(d, src, n * elem);
    return d;
}

tvm_status pass_specialize(pass_ctx *pc) {
    const lp_program *t = pc->p;
    lp_program *p = lp_new();
    if (!p) return err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    uint8_t *bound = calloc(t->nvars ? t->nvars : 1, 1);
    free(p->nodes);
    free(p->vars);
    free(p->bufs);
    free(p->callees);
    p->nodes = dup_array(t->nodes, t->nnodes, sizeof *t->nodes);
    p->pool = dup_array(t->pool, t->npool, sizeof *t->pool);
    p->vars = dup_array(t->vars, t->nvars, sizeof *t->vars);
    p->bufs = dup_array(t->bufs, t->nbufs, sizeof *t->bufs);
    p->callees = dup_array(t->callees, t->ncallees, sizeof *t->callees);
    p->nnodes = p->cap_nodes = t->nnodes;
    p->npool = p->cap_pool = t->npool;
    p->nvars = p->cap_vars = t->nvars;
    p->nbufs = p->cap_bufs = t->nbufs;
    p->ncallees = p->cap_callees = t->ncallees;
    p->body = t->body;
    p->nargs = t->nargs;
    p->fast_math = t->fast_math;
    p->num_kernels = t->num_kernels;
    if (!bound || !p->nodes || !p->pool || !p->vars || !p->bufs || !p->callees) {
        free(bound);
        lp_free(p);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    /* names are owned per program */
    for (uint32_t v = 1; v < p->nvars; v++) p->vars[v].name = lp_strdup(p, t->vars[v].name);
    for (uint32_t b = 1; b < p->nbufs; b++) p->bufs[b].name = lp_strdup(p, t->bufs[b].name);
    for (uint32_t k = 1; k < p->ncallees; k++)
        p->callees[k].name = lp_strdup(p, t->callees[k].name);
    for (uint32_t v = 1; v < t->nvars; v++)
        if (t->vars[v].kind == LP_VAR_SIZE) bound[v] = 1;

    /* size variables become constants, in place (same numbering) */
    for (uint32_t i = 1; i < p->nnodes; i++) {
        lp_node *n = &p->nodes[i];
        if (n->kind == LP_VAR && t->vars[n->a].kind == LP_VAR_SIZE) {
            int64_t v = pc->size_values[n->a];
            *n = (lp_node){.kind = LP_CONST, .dtype = TVM_INT64, .imm.i = v};
        }
    }
    /* buffer shapes: evaluate to constants, count elements */
    tvm_status st = TVM_OK;
    for (uint32_t b = 1; b < p->nbufs && st == TVM_OK; b++) {
        lp_buffer *buf = &p->bufs[b];
        if (buf->kind == LP_BUF_LOCAL && buf->ndim == 0) { /* (user schedules' blocks
                                                             have constant shapes) */
            buf->elems = 1;
            continue;
        }
        lp_id dims[TVM_MAX_NDIM];
        int64_t count = 1;
        for (uint32_t d = 0; d < buf->ndim; d++) {
            int64_t v;
            if (!fn_eval_index(t, lp_list(t, t->bufs[b].shape)[d], pc->size_values, bound, &v)) {
                st = err_set(TVM_ERR_INTERNAL, "specialize: shape of '%s' is not computable",
                             buf->name);
                break;
            }
            if (v < 0) {
                st = err_set(TVM_ERR_SHAPE, "tensor '%s' dimension %u would be negative (%lld) "
                             "for these shapes", buf->name, d, (long long)v);
                break;
            }
            if (mul_overflow_i64(count, v, &count)) {
                st = err_set(TVM_ERR_SHAPE, "the element count of tensor '%s' overflows int64",
                             buf->name);
                break;
            }
            dims[d] = lp_const_int(p, TVM_INT64, v);
        }
        if (st == TVM_OK) {
            buf->shape = lp_pool_add(p, dims, buf->ndim);
            buf->elems = count;
        }
    }
    free(bound);
    if (st == TVM_OK && p->failed) st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    if (st != TVM_OK) {
        lp_free(p);
        return st;
    }
    pc->p = p; /* the template stays with its owner */
    return TVM_OK;
}
