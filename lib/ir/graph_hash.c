/* graph_hash.c — the canonical byte form of a computation, the key of the
 * context's function cache. Equal bytes imply the same computation: every
 * record holds kinds, dtypes, operators, immediates, names and canonical
 * operand numbers; variables are numbered in the order they are met. A call
 * of a host function (GX_CALL) carries the function's address in its
 * immediate and its name, so graphs differing only in the callee differ. */
#include <stdlib.h>

#include "graph.h"

/* Appends raw bytes (strbuf is text-oriented; build the key with explicit
 * hex so it stays printable and NUL-free). */
static void put_hex(strbuf *sb, const void *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) sb_printf(sb, "%c%c", hex[b[i] >> 4], hex[b[i] & 15]);
}

tvm_status graph_canonical(const tvm_graph *g, int nin, const uint32_t *inputs, int nout,
                           const uint32_t *outputs, strbuf *out) {
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    uint32_t *tnum = calloc(g->ntensors, sizeof *tnum), *enum_ = calloc(g->nexprs, sizeof *enum_);
    tvm_status st = TVM_OK;
    if (!tmark || !emark || !tnum || !enum_ ||
        !graph_mark_reachable(g, outputs, nout, tmark, emark)) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
        goto out;
    }
    for (int i = 0; i < nin; i++) tmark[inputs[i]] = 1;
    uint32_t nt = 0, ne = 0;
    for (uint32_t t = 1; t < g->ntensors; t++)
        if (tmark[t]) tnum[t] = ++nt;
    for (uint32_t e = 1; e < g->nexprs; e++)
        if (emark[e]) enum_[e] = ++ne;
    /* expressions in creation order: operands always precede their users */
    for (uint32_t e = 1; e < g->nexprs; e++) {
        if (!emark[e]) continue;
        const gx_node *n = &g->exprs[e];
        sb_printf(out, "E%u,%u,%u,%u,%u,%u,", n->kind, n->op, n->dtype,
                  n->kind == GX_LOAD ? tnum[n->a] : enum_[n->a], enum_[n->b], enum_[n->c]);
        put_hex(out, &n->imm, sizeof n->imm);
        /* length-prefixed: a user-chosen name (a call's) must not be able to
         * imitate the rest of a record */
        const char *name = graph_string(g, n->name);
        sb_printf(out, ",%zu:%s,[", strlen(name), name);
        for (uint32_t k = 0; k < n->nlist; k++)
            sb_printf(out, "%u,", enum_[g->pool[n->list + k]]);
        sb_puts(out, "]\n");
    }
    for (uint32_t t = 1; t < g->ntensors; t++) {
        if (!tmark[t]) continue;
        const gt_node *tn = &g->tensors[t];
        sb_printf(out, "T%u,%u,%u,%s,[", tn->kind, tn->dtype, tn->ndim,
                  graph_string(g, tn->name));
        for (uint32_t d = 0; d < tn->ndim; d++) {
            sb_printf(out, "%u,", enum_[g->pool[tn->shape + d]]);
            if (tn->kind == GT_COMPUTE) sb_printf(out, "%u,", enum_[g->pool[tn->iters + d]]);
        }
        sb_printf(out, "],%u", tn->kind == GT_COMPUTE ? enum_[tn->body] : 0);
        if (tn->kind == GT_CONSTANT) {
            /* two independent 64-bit hashes of the bytes (weights can be
             * large), computed once when the constant was made */
            sb_printf(out, ",%zu:%016llx%016llx", tn->nbytes,
                      (unsigned long long)tn->cbuf->hash[0],
                      (unsigned long long)tn->cbuf->hash[1]);
        }
        sb_puts(out, "\n");
    }
    sb_puts(out, "in:");
    for (int i = 0; i < nin; i++) sb_printf(out, "%u,", tnum[inputs[i]]);
    sb_puts(out, "out:");
    for (int i = 0; i < nout; i++) sb_printf(out, "%u,", tnum[outputs[i]]);
    if (out->failed) st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
out:
    free(tmark);
    free(emark);
    free(tnum);
    free(enum_);
    return st;
}
