/* dump.c — tvm_function_dump: the text of one compilation stage copied into
 * a caller's buffer, and the "fused" stage's text, which is recorded at
 * tvm_compile because the fusion decisions are gone once the template is
 * built. Tools (the tvmc command line) and bindings use this instead of
 * TVMC_DUMP_IR, which prints every pass to stderr. */
#include "function.h"

#include <stdio.h>
#include <stdlib.h>

#include "../ir/graph.h"
#include "../passes/passes.h"

/* One line per kernel of the template: the stored tensor it computes and
 * the computes evaluated inside it, then the computes folded into constants.
 * The fusion flags are final here: lower withdraws the ones it refuses. */
char *fn_fused_text(const tvm_graph *g, const pass_ctx *pc) {
    strbuf sb = {0};
    sb_puts(&sb, "// fusion: one line per kernel (stored tensor <- computes evaluated inside "
                 "it)\n");
    int k = 0;
    for (uint32_t t = 1; t < g->ntensors; t++) {
        if (g->tensors[t].kind != GT_COMPUTE || !pc->group || pc->group[t] != t) continue;
        sb_printf(&sb, "kernel %d: %s", k++, graph_string(g, g->tensors[t].name));
        const char *sep = " <- ";
        for (uint32_t u = 1; u < g->ntensors; u++) {
            if (u == t || pc->group[u] != t || g->tensors[u].kind != GT_COMPUTE) continue;
            const char *how = pc->fused && pc->fused[u] == FUSE_STAGED ? " (staged)" : "";
            sb_printf(&sb, "%s%s%s", sep, graph_string(g, g->tensors[u].name), how);
            sep = ", ";
        }
        sb_puts(&sb, "\n");
    }
    if (k == 0) sb_puts(&sb, "(no kernels: every output is a copy of a constant or input)\n");
    bool any = false;
    for (uint32_t t = 1; t < g->ntensors; t++) {
        if (!pc->folded || !pc->folded[t]) continue;
        sb_printf(&sb, "%s %s", any ? "," : "folded at compile time:",
                  graph_string(g, g->tensors[t].name));
        any = true;
    }
    if (any) sb_puts(&sb, "\n");
    return sb_take(&sb);
}

TVMC_API tvm_status tvm_function_dump(tvm_function *fn, const char *stage, char *buf,
                                      size_t cap, size_t *needed) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_dump: fn is NULL");
    if (!stage) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_dump: stage is NULL");
    if (!buf && cap)
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "tvm_function_dump: buf is NULL but cap is %zu (pass 0 to ask for the "
                       "size)", cap);
    if (!buf && !needed)
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "tvm_function_dump: buf and needed are both NULL: nothing to fill");
    char *text = NULL;
    if (strcmp(stage, "fused") == 0) {
        text = strdup(fn->fused_text ? fn->fused_text : "");
        if (!text) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_dump: out of memory");
    } else if (strcmp(stage, "graph") == 0 || strcmp(stage, "loop") == 0 ||
               strcmp(stage, "llvm") == 0 || strcmp(stage, "asm") == 0) {
        tvm_status st = tvm_function_source(fn, stage, &text);
        if (st != TVM_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", tvm_last_error());
            /* keep the reason, name this call */
            const char *m = strncmp(msg, "tvm_function_source: ", 21) == 0 ? msg + 21 : msg;
            return err_set(st, "tvm_function_dump: %s", m);
        }
    } else {
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_dump: stage '%.32s' is not one of "
                       "\"graph\", \"fused\", \"loop\", \"llvm\", \"asm\"", stage);
    }
    size_t n = strlen(text) + 1;
    if (needed) *needed = n;
    tvm_status st = TVM_OK;
    if (buf && cap < n)
        st = err_set(TVM_ERR_LIMIT, "tvm_function_dump: the \"%s\" text needs %zu bytes but "
                     "cap is %zu", stage, n, cap);
    else if (buf)
        memcpy(buf, text, n);
    free(text);
    return st;
}
