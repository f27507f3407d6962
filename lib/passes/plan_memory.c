/* plan_memory — needs: element counts of every buffer; the program body is
 * the sequence of kernels in execution order. Keeps: the program; gives each
 * intermediate (workspace) buffer a 64-byte-aligned offset and sets the
 * workspace size and the unshared total.
 *
 * An intermediate lives from the first top-level statement (a kernel, or a
 * part of one) that touches it to the last.
 * Two intermediates whose lifetimes overlap get disjoint ranges; others may
 * share memory. Offsets come from the greedy-by-size heuristic (largest
 * buffer first, each at the lowest offset that does not collide with an
 * already placed buffer alive at the same time), which on chains of layers
 * reaches or comes close to the peak of the live set. */
#include <stdlib.h>

#include "passes.h"

#define MAX_WORKSPACE ((int64_t)1 << 40)

typedef struct interval {
    uint32_t buf;
    int32_t first, last; /* kernel indices; first = -1: never touched */
    int64_t bytes;
    int64_t offset;
} interval;

/* Marks kernel k in the lifetime of every workspace buffer its tree uses. */
static void touch(const lp_program *p, lp_id root, int32_t k, interval *iv, uint32_t **stack,
                  uint32_t *cap, uint32_t *seen) {
    uint32_t n = 0;
    if (VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = root;
    while (n) {
        lp_id e = (*stack)[--n];
        /* shared expression nodes (a DAG): once per statement */
        if (!e || seen[e] == (uint32_t)k + 1) continue;
        seen[e] = (uint32_t)k + 1;
        const lp_node *x = &p->nodes[e];
        if ((x->kind == LP_LOAD || x->kind == LP_STORE) &&
            p->bufs[x->a].kind == LP_BUF_WORKSPACE) {
            interval *v = &iv[x->a];
            if (v->first < 0) v->first = k;
            v->last = k;
        }
        lp_id kids[3] = {x->a, x->b, x->c};
        if (x->kind == LP_VAR || x->kind == LP_LOAD || x->kind == LP_STORE ||
            x->kind == LP_ACCUM || x->kind == LP_FOR || x->kind == LP_CALL)
            kids[0] = 0; /* a names a variable or buffer there */
        for (int q = 0; q < 3; q++)
            if (kids[q] && VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = kids[q];
        if (x->kind != LP_CONST)
            for (uint32_t q = 0; q < x->nlist; q++)
                if (VEC_PUSH_OK(*stack, n, *cap, UINT32_MAX)) (*stack)[n++] = p->pool[x->list + q];
    }
}

static int by_size_desc(const void *a, const void *b) {
    const interval *x = *(const interval *const *)a, *y = *(const interval *const *)b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    return x->buf < y->buf ? -1 : x->buf > y->buf;
}

static int by_offset(const void *a, const void *b) {
    const interval *x = *(const interval *const *)a, *y = *(const interval *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

tvm_status pass_plan_memory(pass_ctx *pc) {
    lp_program *p = pc->p;
    const lp_node *root = &p->nodes[p->body];
    bool seq = root->kind == LP_SEQ;
    int32_t nk = seq ? (int32_t)root->nlist : 1;
    interval *iv = calloc(p->nbufs, sizeof *iv);
    interval **order = calloc(p->nbufs, sizeof *order);
    interval **live = calloc(p->nbufs, sizeof *live);
    uint32_t *stack = NULL, cap = 0;
    tvm_status st = TVM_OK;
    if (!iv || !order || !live) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: planning memory: out of memory");
        goto out;
    }
    int64_t total = 0;
    uint32_t n = 0;
    for (uint32_t b = 1; b < p->nbufs; b++) {
        lp_buffer *buf = &p->bufs[b];
        iv[b] = (interval){.buf = b, .first = -1, .last = -1};
        if (buf->kind != LP_BUF_WORKSPACE) continue;
        int64_t bytes;
        bool bad = mul_overflow_i64(buf->elems, dtype_bytes(buf->dtype), &bytes) ||
                   add_overflow_i64(bytes, 63, &bytes);
        /* private scratch of a parallel loop: one copy per slot */
        if (!bad && buf->slot_bytes > 0)
            bad = mul_overflow_i64(buf->slot_bytes, p->par_slots < 1 ? 1 : p->par_slots,
                                   &bytes) || add_overflow_i64(bytes, 63, &bytes);
        if (bad || bytes > MAX_WORKSPACE - total) {
            st = err_set(TVM_ERR_LIMIT, "intermediate tensor '%s' needs more workspace than "
                         "the 1 TiB limit", buf->name);
            goto out;
        }
        iv[b].bytes = bytes & ~(int64_t)63;
        total += iv[b].bytes;
        order[n++] = &iv[b];
    }
    uint32_t *seen = calloc(p->nnodes, sizeof *seen);
    if (!seen) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: planning memory: out of memory");
        goto out;
    }
    for (int32_t k = 0; k < nk; k++)
        touch(p, seq ? p->pool[root->list + k] : p->body, k, iv, &stack, &cap, seen);
    free(seen);
    qsort(order, n, sizeof *order, by_size_desc);
    int64_t peak = 0;
    for (uint32_t i = 0; i < n; i++) {
        interval *v = order[i];
        if (v->first < 0) { /* never touched (its kernel simplified away) */
            v->offset = 0;
            continue;
        }
        uint32_t nl = 0;
        for (uint32_t j = 0; j < i; j++) {
            interval *u = order[j];
            if (u->first >= 0 && u->first <= v->last && v->first <= u->last) live[nl++] = u;
        }
        qsort(live, nl, sizeof *live, by_offset);
        int64_t off = 0;
        for (uint32_t j = 0; j < nl; j++) {
            if (live[j]->offset - off >= v->bytes) break; /* fits in the gap */
            if (live[j]->offset + live[j]->bytes > off) off = live[j]->offset + live[j]->bytes;
        }
        v->offset = off;
        if (off + v->bytes > peak) peak = off + v->bytes;
    }
    for (uint32_t i = 0; i < n; i++) p->bufs[order[i]->buf].offset = order[i]->offset;
    /* the lower bound any plan meets: the largest live set */
    int64_t live_peak = 0;
    for (int32_t k = 0; k < nk; k++) {
        int64_t live_bytes = 0;
        for (uint32_t i = 0; i < n; i++)
            if (order[i]->first >= 0 && order[i]->first <= k && k <= order[i]->last)
                live_bytes += order[i]->bytes;
        if (live_bytes > live_peak) live_peak = live_bytes;
    }
    p->peak_live_bytes = live_peak;
    p->workspace_bytes = peak;
    p->intermediate_bytes = total;
    p->num_intermediates = (int32_t)n;
out:
    free(iv);
    free(order);
    free(live);
    free(stack);
    return st;
}
