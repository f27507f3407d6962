/* pass_manager.c — runs a pipeline: each pass, then (for loop passes)
 * verification, timing and the optional IR dump (TVMC_DUMP_IR=1, stderr). */
#include <stdio.h>
#include <stdlib.h>

#include "passes.h"

static int dump_level = -1;
static pthread_once_t dump_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;

static void read_dump_env(void) {
    const char *v = getenv("TVMC_DUMP_IR");
    dump_level = (v && *v && strcmp(v, "0") != 0) ? 1 : 0;
}

static void dump(const pass_ctx *pc, const char *pipeline, const pass_info *pass,
                 uint64_t ns) {
    strbuf sb = {0};
    sb_printf(&sb, "// ---- %s: after %s (%.3f ms) ----\n", pipeline, pass->name, ns / 1e6);
    if (pass->on_graph) {
        if (pc->g) graph_print(pc->g, pc->outputs, pc->nout, &sb);
        if (pc->fused && pc->g) {
            sb_puts(&sb, "// fusion proposed: stored =");
            for (uint32_t t = 1; t < pc->g->ntensors; t++)
                if (pc->g->tensors[t].kind == GT_COMPUTE && !pc->fused[t])
                    sb_printf(&sb, " %s", graph_string(pc->g, pc->g->tensors[t].name));
            sb_puts(&sb, "; fused =");
            for (uint32_t t = 1; t < pc->g->ntensors; t++)
                if (pc->fused[t]) sb_printf(&sb, " %s", graph_string(pc->g, pc->g->tensors[t].name));
            sb_puts(&sb, "\n");
        }
    } else if (pc->p && pc->group && pc->g && strcmp(pass->name, "lower") == 0) {
        /* the kernel groups as lowering settled them */
        int k = 0;
        for (uint32_t t = 1; t < pc->g->ntensors; t++) {
            if (pc->g->tensors[t].kind != GT_COMPUTE || pc->group[t] != t) continue;
            sb_printf(&sb, "// kernel %d: %s", k++, graph_string(pc->g, pc->g->tensors[t].name));
            const char *sep = " <- fused:";
            for (uint32_t u = 1; u < pc->g->ntensors; u++)
                if (u != t && pc->group[u] == t) {
                    sb_printf(&sb, "%s %s", sep, graph_string(pc->g, pc->g->tensors[u].name));
                    sep = ",";
                }
            sb_puts(&sb, "\n");
        }
        lp_print(pc->p, &sb);
    } else if (pc->p) {
        lp_print(pc->p, &sb);
    }
    char *text = sb_take(&sb);
    if (!text) return;
    pthread_mutex_lock(&dump_lock); /* keep concurrent compiles' dumps apart */
    fputs(text, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&dump_lock);
    free(text);
}

bool pass_dump_enabled(void) {
    pthread_once(&dump_once, read_dump_env);
    return dump_level > 0;
}

void pass_dump_line(const char *text) {
    pthread_mutex_lock(&dump_lock);
    fputs(text, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&dump_lock);
}

tvm_status pass_run_pipeline(pass_ctx *pc, const pass_info *passes, int n,
                             const char *pipeline) {
    pthread_once(&dump_once, read_dump_env);
    for (int i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        tvm_status st = passes[i].run(pc);
        uint64_t dt = now_ns() - t0;
        if (st != TVM_OK) return st;
        if (!passes[i].on_graph) {
            if (!pc->p || pc->p->failed)
                return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory in pass %s", pipeline,
                               passes[i].name);
            st = lp_verify(pc->p);
            if (st != TVM_OK) {
                char msg[900];
                snprintf(msg, sizeof msg, "%s", tvm_last_error());
                /* the verifier's own allocation failing is not a bad pass */
                return err_set(st == TVM_ERR_OUT_OF_MEMORY ? st : TVM_ERR_INTERNAL,
                               "%s: after pass %s: %s", pipeline, passes[i].name, msg);
            }
        }
        if (dump_level > 0) dump(pc, pipeline, &passes[i], dt);
    }
    return TVM_OK;
}
