/* flatten — needs: constant buffer shapes. Keeps: every access's element;
 * rewrites each load and store from one index per dimension to one int64
 * element offset, row-major (loads keep their check condition and id). */
#include "passes.h"

static lp_id flat_offset(lp_program *p, const lp_buffer *b, const uint32_t *idx) {
    if (b->ndim == 0) return lp_const_int(p, TVM_INT64, 0);
    lp_id off = idx[0];
    for (uint32_t d = 1; d < b->ndim; d++) {
        lp_id extent = lp_list(p, b->shape)[d];
        off = lp_binary(p, IR_ADD, lp_binary(p, IR_MUL, off, extent), idx[d]);
    }
    return off;
}

tvm_status pass_flatten(pass_ctx *pc) {
    lp_program *p = pc->p;
    uint32_t n = p->nnodes; /* nodes added below are index arithmetic only */
    for (uint32_t i = 1; i < n && !p->failed; i++) {
        lp_node *m = &p->nodes[i];
        if (m->kind != LP_LOAD && m->kind != LP_STORE) continue;
        const lp_buffer *b = &p->bufs[m->a];
        uint32_t idx[TVM_MAX_NDIM];
        if (m->nlist > TVM_MAX_NDIM)
            return err_set(TVM_ERR_INTERNAL, "flatten: access with %u indices", m->nlist);
        memcpy(idx, lp_list(p, m->list), m->nlist * sizeof *idx);
        lp_id off = flat_offset(p, b, idx);
        uint32_t list = lp_pool_add(p, &off, 1);
        m = &p->nodes[i]; /* the node array may have moved */
        m->list = list;
        m->nlist = 1;
    }
    if (p->failed) return err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    p->flat = true;
    return TVM_OK;
}
