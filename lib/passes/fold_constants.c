/* fold_constants — needs: a verified graph. Keeps: the graph unchanged;
 * evaluates at compile time every compute that depends only on constants
 * (tvm_constant weights) and feeds the rest of the computation: a
 * transposed, reshaped, padded or packed weight becomes a new constant, so
 * the kernels read it ready-made instead of recomputing it on every call.
 *
 * A compute folds when it is not an output, has no size variable in its
 * shape or body, reads no placeholder (directly or through other computes),
 * is read by a compute that does, and holds at most FOLD_MAX_ELEMS elements
 * (FOLD_MAX_BYTES for all folds together): folding trades the function's
 * memory for call time, and a huge derived constant is not worth it.
 *
 * Evaluation reuses the compiler itself: the folded tensor is compiled as
 * the single output of a function without inputs (the constants it reads
 * become that function's constants) and called once. Small tensors run on
 * the interpreter; large ones are JIT-compiled (llvm targets only).
 *
 * Results: pc->folded[t] owns the values of folded tensor t (from
 * rt_big_alloc); pc->live marks the tensors still needed with folded
 * tensors as leaves; pc->consts lists the constants the kernels take
 * (original constants still read, then the folded tensors). With
 * pc->constant_done (TVM_COMPILE_RELEASE_CONSTANTS), each graph constant
 * only folds read is reported as soon as its last fold has run
 * (adjust_pending), whatever order the folds run in.
 *
 * A constant of one element (shape [], [1], [1, 1], ...) read only at index
 * 0 is not a kernel argument: lowering reads its value as an immediate (a
 * load of c and the literal c are the same value), so the backends can fold
 * it (x / 8 becomes x * 0.125) instead of loading it per element. */
#include <stdio.h>
#include <stdlib.h>

#include "passes.h"
#include "../big_alloc.h"
#include "../context.h"
#include "../jit/function.h"

#define FOLD_MAX_ELEMS ((int64_t)1 << 26)
#define FOLD_MAX_BYTES ((int64_t)1 << 30)
#define FOLD_JIT_ELEMS 65536 /* above this, the interpreter is too slow */
/* Work bounds (lp_work: statement executions). A constant graph may ask for
 * any amount of work (a sum over 2^62 terms is legal); folding it would hang
 * the compile, so beyond these the compute stays in the kernel, where the
 * caller asked for it to run. The interpreter manages ~10^7 statements per
 * second; compiled code ~10^9. */
#define FOLD_INTERP_WORK ((int64_t)1 << 22)
#define FOLD_JIT_WORK ((int64_t)1 << 30)

/* Folding compiles sub-functions with tvm_compile; those must not fold in
 * turn (the producers of a folded tensor are evaluated inside its own
 * compile anyway). */
static _Thread_local int folding;

typedef struct fold_ctx {
    const tvm_graph *g;
    pass_ctx *pc;
    graph_walk walk;
    uint8_t *konst;    /* per tensor: a compute to fold (constant, not an output) */
    uint32_t *pending; /* per tensor, with pc->constant_done: see adjust_pending */
    int delta;         /* adjust_pending's, during its walk */
} fold_ctx;

static graph_step mark_load(const tvm_graph *g, uint32_t e, void *mark) {
    if (g->exprs[e].kind == GX_LOAD) ((uint8_t *)mark)[g->exprs[e].a] = 1;
    return GRAPH_STEP_OPERANDS;
}

static bool adjust_pending(fold_ctx *F, uint32_t t, int delta);

/* Marks live every tensor that compute t reads (t is live and stays a
 * compute). With F->pending (pc->constant_done), a constant compute that
 * becomes live counts as a fold still to come. */
static bool mark_inputs_live(fold_ctx *F, uint32_t t, uint8_t *scratch) {
    const tvm_graph *g = F->g;
    pass_ctx *pc = F->pc;
    if (!graph_walk_run(&F->walk, &g->tensors[t].body, 1, NULL, 0, mark_load, scratch))
        return false;
    bool ok = true;
    for (uint32_t u = 1; u < t; u++) {
        if (!scratch[u]) continue;
        bool fresh = !pc->live[u];
        pc->live[u] = 1;
        if (fresh && F->pending && F->konst[u] && !adjust_pending(F, u, 1)) ok = false;
    }
    memset(scratch, 0, g->ntensors);
    return ok;
}

/* adjust_pending's visit: a load of a graph constant counts; a load of a
 * constant compute leads into that compute, which the fold evaluates too. */
static graph_step count_fold_read(const tvm_graph *g, uint32_t e, void *arg) {
    fold_ctx *F = arg;
    const gx_node *x = &g->exprs[e];
    if (x->kind != GX_LOAD) return GRAPH_STEP_OPERANDS;
    uint32_t u = x->a;
    if (g->tensors[u].kind == GT_CONSTANT) {
        F->pending[u] += (uint32_t)F->delta;
        if (F->delta < 0 && F->pending[u] == 0 && !F->pc->live[u])
            F->pc->constant_done(F->pc->constant_done_arg, u);
        return GRAPH_STEP_OPERANDS;
    }
    return F->konst[u] ? GRAPH_STEP_ENTER : GRAPH_STEP_OPERANDS;
}

/* pc->constant_done: pending[c] counts the reads of constant c (load
 * expressions, through constant computes) by the folds still to be
 * evaluated; a fold adds and later removes the same reads. A constant no
 * fold needs any more and no kernel reads (not live) is reported at once
 * (TVM_COMPILE_RELEASE_CONSTANTS releases it then, so a weight and its
 * packed copy are not both held for the whole compile). adjust_pending adds
 * delta for the reads of evaluating t, reporting the constants that reach 0.
 * A constant is reported at most once: it reaches 0 from the last fold that
 * reads it, and a kernel that reads it keeps it live. */
static bool adjust_pending(fold_ctx *F, uint32_t t, int delta) {
    F->delta = delta;
    return graph_walk_run(&F->walk, &F->g->tensors[t].body, 1, NULL, 0, count_fold_read, F);
}

/* Compiles tensor t alone and runs it once into a new buffer. */
static tvm_status evaluate(pass_ctx *pc, uint32_t t, void **data, size_t *nbytes) {
    tvm_graph *g = (tvm_graph *)pc->g; /* tvm_compile reads the graph only */
    tvm_tensor out = graph_tensor_handle(g, t);
    int64_t shape[TVM_MAX_NDIM];
    int ndim = 0;
    tvm_function *fn = NULL;
    /* first a cheap look at the size: the interpreter's compile is free */
    tvm_compile_options o = {.struct_size = sizeof o, .target = "interp",
                             .flags = TVM_COMPILE_NO_CACHE};
    folding++;
    tvm_status st = tvm_compile(g, 0, NULL, 1, &out, &o, &fn);
    if (st == TVM_OK) st = tvm_function_output_shape(fn, NULL, 0, shape, &ndim);
    int64_t numel = 1;
    for (int d = 0; d < ndim && st == TVM_OK; d++)
        if (mul_overflow_i64(numel, shape[d], &numel)) numel = INT64_MAX;
    if (st == TVM_OK && numel > FOLD_MAX_ELEMS) st = TVM_ERR_LIMIT; /* not folded */
    int64_t work = st == TVM_OK && fn->fixed ? lp_work(fn->fixed->p) : INT64_MAX;
    bool jit_ok = pc->fold_target && *pc->fold_target;
    if (st == TVM_OK && work > (jit_ok ? FOLD_JIT_WORK : FOLD_INTERP_WORK))
        st = TVM_ERR_LIMIT; /* not folded: too long to evaluate */
    if (st == TVM_OK && (numel > FOLD_JIT_ELEMS || work > FOLD_INTERP_WORK) && jit_ok) {
        tvm_function *jit = NULL;
        tvm_compile_options oj = {.struct_size = sizeof oj, .target = pc->fold_target,
                                  .opt_level = TVM_OPT_O1, .flags = TVM_COMPILE_NO_CACHE};
        if (tvm_compile(g, 0, NULL, 1, &out, &oj, &jit) == TVM_OK) {
            tvm_function_release(fn);
            fn = jit;
        } else if (work > FOLD_INTERP_WORK) {
            st = TVM_ERR_LIMIT; /* the interpreter would take too long */
        }
    }
    void *buf = NULL;
    size_t bytes = (size_t)numel * (size_t)dtype_bytes(g->tensors[t].dtype);
    if (st == TVM_OK) {
        buf = rt_big_alloc(bytes);
        if (!buf) st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: folding '%s': out of memory",
                               graph_string(g, g->tensors[t].name));
    }
    if (st == TVM_OK) {
        DLTensor dl = {.data = buf, .device = {kDLCPU, 0}, .ndim = ndim,
                       .dtype = dtype_to_dl(g->tensors[t].dtype), .shape = shape};
        DLTensor *args[1] = {&dl};
        st = tvm_function_call(fn, args, 1);
    }
    tvm_function_release(fn);
    folding--;
    if (st != TVM_OK) {
        rt_big_free(buf);
        return st;
    }
    *data = buf;
    *nbytes = bytes;
    return TVM_OK;
}

tvm_status pass_fold_constants(pass_ctx *pc) {
    const tvm_graph *g = pc->g;
    fold_ctx F = {.g = g, .pc = pc};
    F.konst = calloc(g->ntensors, 1);
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    uint8_t *read_by_live = calloc(g->ntensors, 1);
    pc->folded = calloc(g->ntensors, sizeof *pc->folded);
    pc->folded_bytes = calloc(g->ntensors, sizeof *pc->folded_bytes);
    pc->live = calloc(g->ntensors, 1);
    uint32_t *consts = calloc(g->ntensors, sizeof *consts);
    bool release = pc->constant_done != NULL;
    uint32_t *pending = release ? calloc(g->ntensors, sizeof *pending) : NULL;
    tvm_status st = TVM_OK;
    if (!graph_walk_init(&F.walk, g) || !F.konst || !tmark || !emark || !read_by_live ||
        !pc->folded || !pc->folded_bytes || !pc->live || !consts ||
        (release && !pending) ||
        !graph_mark_reachable(g, pc->outputs, pc->nout, tmark, emark)) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
        goto out;
    }
    /* which computes depend only on constants: the graph's own answer, the
     * one the ops that pack weights ask (an output is computed by the
     * kernel, as asked, even when it is constant) */
    for (uint32_t t = 1; t < g->ntensors && !folding; t++) {
        if (!tmark[t] || g->tensors[t].kind != GT_COMPUTE) continue;
        bool ok = graph_tensor_is_constant(g, t);
        for (int i = 0; i < pc->nout; i++) ok &= pc->outputs[i] != t;
        F.konst[t] = ok;
    }
    /* live tensors, walking back from the outputs and stopping at constant
     * computes (they become leaves if folded) */
    for (int i = 0; i < pc->nout; i++) pc->live[pc->outputs[i]] = 1;
    for (uint32_t t = g->ntensors; t-- > 1;) {
        const gt_node *tn = &g->tensors[t];
        if (!pc->live[t] || tn->kind != GT_COMPUTE || F.konst[t]) continue;
        if (!mark_inputs_live(&F, t, read_by_live)) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
            goto out;
        }
    }
    /* (counted from here on: every live constant compute is a fold to come) */
    F.pending = pending;
    for (uint32_t t = g->ntensors; release && t-- > 1;)
        if (pc->live[t] && F.konst[t] && !adjust_pending(&F, t, 1)) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
            goto out;
        }
    int64_t total = 0;
    bool dump = pass_dump_enabled();
    /* consumers first: when one cannot fold, its producers become live and
     * are folded in their turn */
    for (uint32_t t = g->ntensors; t-- > 1;) {
        if (!pc->live[t] || !F.konst[t] ) continue;
        void *data = NULL;
        size_t bytes = 0;
        tvm_status fs = evaluate(pc, t, &data, &bytes);
        if (fs == TVM_OK && (int64_t)bytes > FOLD_MAX_BYTES - total) {
            rt_big_free(data);
            fs = TVM_ERR_LIMIT;
        }
        if (fs == TVM_OK) {
            pc->folded[t] = data;
            pc->folded_bytes[t] = bytes;
            total += (int64_t)bytes;
            if (dump) {
                char line[160];
                snprintf(line, sizeof line, "// fold_constants: %s folded (%zu bytes)\n",
                         graph_string(g, g->tensors[t].name), bytes);
                pass_dump_line(line);
            }
            if (release && !adjust_pending(&F, t, -1)) {
                st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
                goto out;
            }
            continue;
        }
        if (fs == TVM_ERR_OUT_OF_MEMORY) {
            st = fs;
            goto out;
        }
        /* too large (or not evaluable): it stays a compute; what it reads
         * is live then */
        F.konst[t] = 0;
        if (!mark_inputs_live(&F, t, read_by_live) || (release && !adjust_pending(&F, t, -1))) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
            goto out;
        }
    }
    /* an earlier compile with TVM_COMPILE_RELEASE_CONSTANTS may have dropped
     * the bytes of a constant this one's kernels read */
    for (uint32_t t = 1; t < g->ntensors; t++)
        if (pc->live[t] && !pc->folded[t] && graph_constant_released(&g->tensors[t])) {
            st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: constant '%s' was released by "
                         "an earlier tvm_compile with TVM_COMPILE_RELEASE_CONSTANTS, and this "
                         "computation reads it; build the graph again to compile it",
                         graph_string(g, g->tensors[t].name));
            goto out;
        }
    /* constants read at some index other than a literal 0 stay buffers: an
     * out-of-range read must still be caught, not answered with the value */
    uint8_t *indexed = read_by_live; /* (reused: all zero again here) */
    for (uint32_t e = 1; e < g->nexprs; e++) {
        const gx_node *x = &g->exprs[e];
        if (x->kind != GX_LOAD) continue;
        for (uint32_t k = 0; k < x->nlist; k++) {
            const gx_node *i = &g->exprs[g->pool[x->list + k]];
            if (i->kind != GX_CONST || dtype_is_float(i->dtype) || i->imm.i != 0) indexed[x->a] = 1;
        }
    }
    uint32_t nc = 0;
    for (uint32_t t = 1; t < g->ntensors; t++) {
        const gt_node *tn = &g->tensors[t];
        if (!pc->live[t] || !(tn->kind == GT_CONSTANT || pc->folded[t])) continue;
        size_t bytes = pc->folded[t] ? pc->folded_bytes[t] : tn->cbuf ? tn->cbuf->nbytes : 0;
        if (!indexed[t] && bytes == (size_t)dtype_bytes(tn->dtype)) continue; /* an immediate */
        consts[nc++] = t;
    }
    free((void *)pc->consts);
    pc->consts = consts;
    pc->nconsts = nc;
    consts = NULL;
out:
    free(consts);
    free(F.konst);
    graph_walk_free(&F.walk);
    free(tmark);
    free(emark);
    free(read_by_live);
    free(pending);
    return st;
}
