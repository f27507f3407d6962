/* plan_memory — needs: element counts of every buffer. Keeps: the program;
 * gives each intermediate (workspace) buffer a 64-byte-aligned offset and
 * sets the workspace size. Every intermediate gets its own slot for now;
 * liveness-based reuse comes with multi-kernel functions. */
#include "passes.h"

#define MAX_WORKSPACE ((int64_t)1 << 40)

tvm_status pass_plan_memory(pass_ctx *pc) {
    lp_program *p = pc->p;
    int64_t total = 0;
    for (uint32_t b = 1; b < p->nbufs; b++) {
        lp_buffer *buf = &p->bufs[b];
        if (buf->kind != LP_BUF_WORKSPACE) continue;
        int64_t bytes;
        if (mul_overflow_i64(buf->elems, dtype_bytes(buf->dtype), &bytes) ||
            add_overflow_i64(bytes, 63, &bytes) || bytes > MAX_WORKSPACE - total)
            return err_set(TVM_ERR_LIMIT, "intermediate tensor '%s' needs more workspace than "
                           "the 1 TiB limit", buf->name);
        buf->offset = total;
        total += bytes & ~(int64_t)63;
    }
    p->workspace_bytes = total;
    return TVM_OK;
}
