/* function.c — tvm_compile, function lifetime, the shape-specialisation
 * cache (single flight: one compile per signature, other callers wait) and
 * source inspection. */
#include "function.h"
#include "../schedule.h"

#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "../fpenv.h"
#include "../ir/graph.h"
#include "../big_alloc.h"
#include "../passes/passes.h"

/* ---- specialisations -------------------------------------------------------- */

void fn_release_spec(tvm_function *fn, spec *s) {
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    if (s->kernel) fn->be->destroy(s->kernel);
    rt_big_free(atomic_load(&s->ws_cache));
    lp_free(s->p);
    free(s->key);
    free(s->message);
    free(s);
}

static bool key_equal(const int64_t *a, const int64_t *b, uint32_t n) {
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* A big compile (a whole model) leaves tens of MiB of freed memory behind
 * in glibc's arenas: LLVM's modules and passes, on the compile helper
 * threads' arenas too, which the caller's later allocations never reuse.
 * That memory stays resident and adds to the process's peak when the first
 * call then allocates its workspace; give it back to the system. Only after
 * a compile long enough (COMPILE_TRIM_NS) that the trim (a walk over the
 * arenas, about a millisecond for a model) costs nothing in comparison. */
#define COMPILE_TRIM_NS 50000000ull
static void release_compile_memory(uint64_t compile_ns) {
#ifdef __GLIBC__
    if (compile_ns >= COMPILE_TRIM_NS) malloc_trim(0);
#else
    (void)compile_ns;
#endif
}

/* Runs the kernel pipeline and the backend for one signature. */
static tvm_status build_spec(tvm_function *fn, spec *s) {
    int64_t *values = calloc(fn->tmpl->nvars ? fn->tmpl->nvars : 1, sizeof *values);
    if (!values) return err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t i = 0; i < fn->nsize; i++) values[fn->size_vars[i]] = s->key[i];
    /* below O2 LLVM does not vectorise: vector-sized schedules would only
     * add code */
    pass_ctx pc = {.p = fn->tmpl, .flags = fn->flags, .size_values = values,
                   .par_slots = fn->ctx->num_threads,
                   .vector_bytes = fn->opts.opt_level >= 2 ? be_vector_bytes(&fn->opts.target)
                                                           : 0};
    fpenv env; /* constant folding rounds like the kernels: to nearest even */
    fpenv_enter(&env);
    tvm_status st = pass_build_kernel(&pc);
    free(values);
    if (st != TVM_OK) {
        fpenv_leave(&env);
        if (pc.p != fn->tmpl) lp_free(pc.p);
        return st;
    }
    s->p = pc.p;
    s->workspace_bytes = pc.p->workspace_bytes;
    uint64_t t0 = now_ns();
    st = fn->be->compile(fn->be_state, s->p, &fn->opts, &s->kernel);
    if (st == TVM_OK) atomic_fetch_add(&fn->ctx->kernels_compiled, 1);
    fpenv_leave(&env);
    release_compile_memory(now_ns() - t0);
    if (pass_dump_enabled()) {
        char line[160];
        snprintf(line, sizeof line, "// ---- kernel: backend %s at O%d (%.3f ms)%s ----\n",
                 fn->be->name, fn->opts.opt_level, (now_ns() - t0) / 1e6,
                 st == TVM_OK ? "" : " failed");
        pass_dump_line(line);
    }
    return st;
}

static void evict_one(tvm_function *fn) {
    /* least recently used entry that is not being compiled */
    uint32_t victim = UINT32_MAX;
    for (uint32_t i = 0; i < fn->nspecs; i++) {
        if (fn->specs[i]->state == SPEC_PENDING) continue;
        if (victim == UINT32_MAX || fn->specs[i]->last_use < fn->specs[victim]->last_use)
            victim = i;
    }
    if (victim == UINT32_MAX) return;
    spec *s = fn->specs[victim];
    fn->specs[victim] = fn->specs[--fn->nspecs];
    atomic_fetch_add(&fn->ctx->kernel_cache_evictions, 1);
    fn_release_spec(fn, s); /* running calls keep their own reference */
}

tvm_status fn_get_spec(tvm_function *fn, const int64_t *key, spec **out) {
    if (fn->nsize == 0 && fn->fixed) {
        atomic_fetch_add(&fn->fixed->refs, 1);
        *out = fn->fixed;
        return TVM_OK;
    }
    pthread_mutex_lock(&fn->lock);
    spec *s = NULL;
    for (uint32_t i = 0; i < fn->nspecs; i++)
        if (key_equal(fn->specs[i]->key, key, fn->nsize)) {
            s = fn->specs[i];
            break;
        }
    if (s) {
        atomic_fetch_add(&s->refs, 1);
        s->last_use = ++fn->tick;
        while (s->state == SPEC_PENDING) pthread_cond_wait(&fn->ready, &fn->lock);
        pthread_mutex_unlock(&fn->lock);
        atomic_fetch_add(&fn->ctx->kernel_cache_hits, 1);
        if (s->state == SPEC_FAILED) {
            tvm_status st = err_set(s->status, "%s", s->message ? s->message : "");
            fn_release_spec(fn, s);
            return st;
        }
        *out = s;
        return TVM_OK;
    }
    /* miss: publish a pending entry, compile outside the lock */
    s = calloc(1, sizeof *s);
    int64_t *k = malloc((fn->nsize ? fn->nsize : 1) * sizeof *k);
    if (!s || !k) {
        pthread_mutex_unlock(&fn->lock);
        free(s);
        free(k);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_call: out of memory");
    }
    if (fn->nsize) memcpy(k, key, fn->nsize * sizeof *k);
    s->key = k;
    atomic_init(&s->refs, 2); /* the cache's and ours */
    s->state = SPEC_PENDING;
    s->last_use = ++fn->tick;
    while (fn->nspecs >= fn->capacity && fn->nspecs > 0) {
        uint32_t before = fn->nspecs;
        evict_one(fn);
        if (fn->nspecs == before) break; /* everything is pending */
    }
    bool cached = VEC_PUSH_OK(fn->specs, fn->nspecs, fn->cap_specs, UINT32_MAX);
    if (cached)
        fn->specs[fn->nspecs++] = s;
    else
        atomic_store(&s->refs, 1);
    pthread_mutex_unlock(&fn->lock);

    tvm_status st = build_spec(fn, s);

    pthread_mutex_lock(&fn->lock);
    if (st == TVM_OK) {
        s->state = SPEC_READY;
        if (fn->latest) fn_release_spec(fn, fn->latest);
        atomic_fetch_add(&s->refs, 1);
        fn->latest = s;
    } else {
        s->state = SPEC_FAILED;
        s->status = st;
        s->message = strdup(tvm_last_error());
    }
    pthread_cond_broadcast(&fn->ready);
    pthread_mutex_unlock(&fn->lock);
    if (st != TVM_OK) {
        fn_release_spec(fn, s);
        return st;
    }
    *out = s;
    return TVM_OK;
}


/* ---- lifetime ----------------------------------------------------------------- */

static void fn_free(tvm_function *fn) {
    for (uint32_t i = 0; i < fn->nspecs; i++) fn_release_spec(fn, fn->specs[i]);
    if (fn->latest) fn_release_spec(fn, fn->latest);
    if (fn->fixed) fn_release_spec(fn, fn->fixed);
    free(fn->specs);
    if (fn->args)
        for (int i = 0; i < fn->nin + fn->nout; i++) free(fn->args[i].name);
    free(fn->args);
    if (fn->const_data)
        for (int i = 0; i < fn->nconst; i++) {
            if (fn->const_bufs && fn->const_bufs[i]) const_buf_release(fn->const_bufs[i]);
            else rt_big_free(fn->const_data[i]); /* folded (fold_constants) */
        }
    free(fn->const_data);
    free(fn->const_bufs);
    lp_free(fn->tmpl);
    free(fn->size_vars);
    graph_copy_free(fn->graph);
    free(fn->graph_roots);
    free(fn->fused_text);
    pthread_mutex_destroy(&fn->lock);
    pthread_cond_destroy(&fn->ready);
    tvm_context *ctx = fn->ctx;
    free(fn);
    if (ctx) ctx_release(ctx);
}

TVMC_API tvm_status tvm_function_retain(tvm_function *fn) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_retain: fn is NULL");
    atomic_fetch_add(&fn->refs, 1);
    return TVM_OK;
}

TVMC_API void tvm_function_release(tvm_function *fn) {
    if (fn && atomic_fetch_sub(&fn->refs, 1) == 1) fn_free(fn);
}

/* ---- tvm_compile ------------------------------------------------------------------ */

static tvm_status parse_options(const tvm_compile_options *opts, be_options *bo,
                                uint32_t *flags, const tvm_schedule **schedule) {
    tvm_compile_options o = {0};
    if (opts) {
        if (opts->struct_size < sizeof(size_t))
            return err_set(TVM_ERR_INVALID_ARGUMENT,
                           "tvm_compile: opts->struct_size is %zu; set it to "
                           "sizeof(tvm_compile_options)", opts->struct_size);
        if (opts->struct_size > sizeof o)
            return err_set(TVM_ERR_VERSION,
                           "tvm_compile: opts->struct_size is %zu but this library knows %zu "
                           "bytes; it is older than the header you built with",
                           opts->struct_size, sizeof o);
        memcpy(&o, opts, opts->struct_size);
    }
    memset(bo, 0, sizeof *bo);
    tvm_status st = be_parse_target(o.target, &bo->target);
    if (st != TVM_OK) return st;
    switch (o.opt_level) {
    case TVM_OPT_DEFAULT: bo->opt_level = 3; break;
    case TVM_OPT_O0: bo->opt_level = 0; break;
    case TVM_OPT_O1: case TVM_OPT_O2: case TVM_OPT_O3: bo->opt_level = o.opt_level; break;
    default:
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "tvm_compile: opt_level is %d; use TVM_OPT_O0..TVM_OPT_O3 or 0",
                       o.opt_level);
    }
    const uint32_t known = TVM_COMPILE_FAST_MATH | TVM_COMPILE_NO_INLINE | TVM_COMPILE_NO_CACHE |
                           TVM_COMPILE_RELEASE_CONSTANTS;
    if (o.flags & ~known)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: unknown flags 0x%x",
                       o.flags & ~known);
    bo->fast_math = (o.flags & TVM_COMPILE_FAST_MATH) != 0;
    *flags = o.flags;
    *schedule = o.schedule;
    return TVM_OK;
}

static tvm_status resolve_tensors(tvm_graph *g, const char *what, int n, const tvm_tensor *t,
                                  uint32_t *out) {
    for (int i = 0; i < n; i++) {
        out[i] = graph_tensor_index(g, t[i]);
        if (!out[i])
            return err_set(t[i].id ? TVM_ERR_INVALID_HANDLE : TVM_ERR_INVALID_ARGUMENT,
                           "tvm_compile: %s[%d] (id 0x%08x) is not a tensor of this graph", what,
                           i, t[i].id);
    }
    return TVM_OK;
}

/* pass_ctx.constant_done for TVM_COMPILE_RELEASE_CONSTANTS: the compile no
 * longer reads constant t (the function holds the folded copies made from
 * it), so the graph drops its bytes now rather than after the compile. Out
 * of memory for the stub only keeps the bytes. */
static void release_constant(void *g, uint32_t t) { (void)graph_release_constant(g, t); }

/* Creates the function object from a built template. */
static tvm_status make_function(tvm_graph *g, pass_ctx *pc, const be_options *bo,
                                uint32_t flags, tvm_function **out) {
    tvm_function *fn = calloc(1, sizeof *fn);
    if (!fn) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    atomic_init(&fn->refs, 1);
    pthread_mutex_init(&fn->lock, NULL);
    pthread_cond_init(&fn->ready, NULL);
    ctx_retain(g->ctx);
    fn->ctx = g->ctx;
    fn->opts = *bo;
    fn->flags = flags;
    fn->nin = pc->nin;
    fn->nout = pc->nout;
    fn->nconst = (int)pc->nconsts;
    fn->tmpl = pc->p;
    pc->p = NULL;
    fn->capacity = (uint32_t)g->ctx->shape_cache_capacity;
    tvm_status st = ctx_backend(g->ctx, &bo->target, &fn->be, &fn->be_state);
    if (st != TVM_OK) goto fail;

    int nargs = fn->nin + fn->nout;
    fn->args = calloc((size_t)nargs, sizeof *fn->args);
    fn->const_data = calloc(fn->nconst ? (size_t)fn->nconst : 1, sizeof *fn->const_data);
    fn->const_bufs = calloc(fn->nconst ? (size_t)fn->nconst : 1, sizeof *fn->const_bufs);
    fn->size_vars = calloc(fn->tmpl->nvars ? fn->tmpl->nvars : 1, sizeof *fn->size_vars);
    if (!fn->args || !fn->const_data || !fn->const_bufs || !fn->size_vars) goto oom;
    /* the template's buffers 1..nargs+nconst are the arguments, in order */
    for (int i = 0; i < nargs; i++) {
        uint32_t t = i < fn->nin ? pc->inputs[i] : pc->outputs[i - fn->nin];
        const gt_node *tn = &g->tensors[t];
        fn->args[i].name = strdup(graph_string(g, tn->name));
        if (!fn->args[i].name) goto oom;
        fn->args[i].dtype = tn->dtype;
        fn->args[i].ndim = tn->ndim;
        fn->args[i].buf = (uint32_t)i + 1;
    }
    for (int i = 0; i < fn->nconst; i++) {
        uint32_t t = pc->consts[i];
        if (pc->folded && pc->folded[t]) { /* computed at compile time: take it */
            fn->const_data[i] = pc->folded[t];
            pc->folded[t] = NULL;
            continue;
        }
        /* the graph's bytes, shared (immutable): the graph may be destroyed
         * first, the last of the two frees them */
        const gt_node *tn = &g->tensors[t];
        if (!tn->cbuf || !tn->cbuf->data) { /* fold_constants reports it first */
            st = err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: constant '%s' was released",
                         graph_string(g, tn->name));
            goto fail;
        }
        const_buf_retain(tn->cbuf);
        fn->const_bufs[i] = tn->cbuf;
        fn->const_data[i] = tn->cbuf->data;
    }
    /* every size variable must be a dimension of some argument, so a call can
     * bind it */
    for (uint32_t v = 1; v < fn->tmpl->nvars; v++) {
        if (fn->tmpl->vars[v].kind != LP_VAR_SIZE) continue;
        bool direct = false;
        for (int i = 0; i < nargs && !direct; i++) {
            const lp_buffer *b = &fn->tmpl->bufs[fn->args[i].buf];
            for (uint32_t d = 0; d < b->ndim && !direct; d++) {
                const lp_node *n = lp_get(fn->tmpl, lp_list(fn->tmpl, b->shape)[d]);
                direct = n->kind == LP_VAR && n->a == v;
            }
        }
        if (!direct) {
            st = err_set(TVM_ERR_SHAPE,
                         "tvm_compile: size variable '%s' is not a dimension of any input or "
                         "output, so no call could determine it", fn->tmpl->vars[v].name);
            goto fail;
        }
        fn->size_vars[fn->nsize++] = v;
    }
    fn->graph_roots = malloc((size_t)pc->nout * sizeof *fn->graph_roots);
    if (fn->graph_roots)
        fn->graph = graph_copy_reachable(g, pc->outputs, pc->nout, fn->graph_roots);
    fn->fused_text = fn_fused_text(g, pc);
    if (!fn->graph || !fn->fused_text) goto oom;
    if (fn->nsize == 0) { /* constant shapes: build the kernel now */
        spec *s;
        st = fn_get_spec(fn, NULL, &s);
        if (st != TVM_OK) goto fail;
        fn->fixed = s; /* keep our reference as the fixed one */
    }
    atomic_fetch_add(&g->ctx->functions_compiled, 1);
    *out = fn;
    return TVM_OK;
oom:
    st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
fail:
    tvm_function_release(fn);
    return st;
}

TVMC_API tvm_status tvm_compile(tvm_graph *g, int nin, const tvm_tensor *inputs, int nout,
                                const tvm_tensor *outputs, const tvm_compile_options *opts,
                                tvm_function **out) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: graph is NULL");
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: out is NULL");
    if (g->status != TVM_OK)
        return err_set(g->status, "tvm_compile: the graph has an error: %s",
                       g->error ? g->error : "");
    if (nin < 0 || nin > 4096)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: nin is %d; it must be in "
                       "[0, 4096]", nin);
    if (nout < 1 || nout > 4096)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: nout is %d; it must be in "
                       "[1, 4096]", nout);
    if (nin > 0 && !inputs)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: inputs is NULL");
    if (!outputs) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: outputs is NULL");

    be_options bo;
    uint32_t flags = 0;
    const tvm_schedule *schedule = NULL;
    tvm_status st = parse_options(opts, &bo, &flags, &schedule);
    if (st != TVM_OK) return st;
    if (schedule && schedule->g != g)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_compile: opts->schedule was made for "
                       "another graph");

    uint32_t *idx = malloc((size_t)(nin + nout) * sizeof *idx);
    if (!idx) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    st = resolve_tensors(g, "inputs", nin, inputs, idx);
    if (st == TVM_OK) st = resolve_tensors(g, "outputs", nout, outputs, idx + nin);
    /* a schedule that packs an output's operand compiles its rewrite */
    for (int i = 0; st == TVM_OK && schedule && schedule->g == g && i < nout; i++)
        idx[nin + i] = sched_output(schedule, idx[nin + i]);
    if (st != TVM_OK) {
        free(idx);
        return st;
    }

    /* the cache key: canonical graph + everything that changes the code */
    strbuf key = {0};
    st = graph_canonical(g, nin, idx, nout, idx + nin, &key);
    if (st == TVM_OK) {
        sb_printf(&key, "|target=%s|cpu=%s|attr=%s|O%d|flags=%u", bo.target.name,
                  bo.target.mcpu, bo.target.mattr, bo.opt_level,
                  flags & ~(TVM_COMPILE_NO_CACHE | TVM_COMPILE_RELEASE_CONSTANTS));
        /* a schedule changes the loops: part of the key */
        if (schedule) sched_key(schedule, &key);
        if (key.failed) st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_compile: out of memory");
    }
    bool use_cache = st == TVM_OK && !(flags & TVM_COMPILE_NO_CACHE);
    if (use_cache) {
        tvm_function *hit = ctx_fcache_acquire(g->ctx, key.data, key.len);
        if (hit) {
            atomic_fetch_add(&g->ctx->function_cache_hits, 1);
            sb_free(&key);
            free(idx);
            *out = hit;
            return TVM_OK;
        }
    }
    tvm_function *fn = NULL;
    /* large constant folds are JIT-compiled for the same CPU */
    char fold_target[400] = "";
    if (strcmp(bo.target.name, "llvm") == 0)
        snprintf(fold_target, sizeof fold_target, "llvm%s%s%s%s",
                 bo.target.mcpu[0] ? " -mcpu=" : "", bo.target.mcpu,
                 bo.target.mattr[0] ? " -mattr=" : "", bo.target.mattr);
    pass_ctx pc = {.g = g, .nin = nin, .nout = nout, .inputs = idx, .outputs = idx + nin,
                   .flags = flags, .schedule = schedule,
                   .fold_target = fold_target};
    if (flags & TVM_COMPILE_RELEASE_CONSTANTS) {
        pc.constant_done = release_constant;
        pc.constant_done_arg = g;
    }
    if (st == TVM_OK) {
        fpenv env;
        fpenv_enter(&env);
        st = pass_build_template(&pc);
        fpenv_leave(&env);
    }
    if (st == TVM_OK) st = make_function(g, &pc, &bo, flags, &fn);
    lp_free(pc.p);
    if (pc.folded)
        for (uint32_t t = 0; t < g->ntensors; t++) rt_big_free(pc.folded[t]);
    free(pc.folded);
    free(pc.folded_bytes);
    free(pc.live);
    free(pc.fused);
    free(pc.reduces);
    free(pc.contracts);
    free(pc.group);
    free((void *)pc.consts);
    free(idx);
    /* publish even on failure: threads waiting for this key go on */
    if (use_cache) ctx_fcache_publish(g->ctx, key.data, key.len, st == TVM_OK ? fn : NULL);
    sb_free(&key);
    if (st != TVM_OK) return st;
    *out = fn;
    return TVM_OK;
}

/* ---- introspection ------------------------------------------------------------------ */

TVMC_API tvm_status tvm_function_num_args(tvm_function *fn, int *nin, int *nout) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_num_args: fn is NULL");
    if (nin) *nin = fn->nin;
    if (nout) *nout = fn->nout;
    return TVM_OK;
}

TVMC_API tvm_status tvm_function_arg_info(tvm_function *fn, int index, tvm_dtype *dtype,
                                          int *ndim) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_arg_info: fn is NULL");
    if (index < 0 || index >= fn->nin + fn->nout)
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "tvm_function_arg_info: index %d is outside [0, %d)", index,
                       fn->nin + fn->nout);
    if (dtype) *dtype = (tvm_dtype)fn->args[index].dtype;
    if (ndim) *ndim = fn->args[index].ndim;
    return TVM_OK;
}

TVMC_API tvm_status tvm_function_source(tvm_function *fn, const char *kind, char **text) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: fn is NULL");
    if (!kind) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: kind is NULL");
    if (!text) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: text is NULL");
    if (strcmp(kind, "graph") == 0) { /* (the copy is immutable: any thread may print it) */
        strbuf sb = {0};
        graph_print(fn->graph, fn->graph_roots, fn->nout, &sb);
        char *s = sb_take(&sb);
        if (!s) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_source: out of memory");
        *text = s;
        return TVM_OK;
    }
    bool loop = strcmp(kind, "loop") == 0;
    if (!loop && strcmp(kind, "llvm") != 0 && strcmp(kind, "asm") != 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: kind '%.32s' is not "
                       "one of \"graph\", \"loop\", \"llvm\", \"asm\"", kind);
    pthread_mutex_lock(&fn->lock);
    spec *s = fn->latest;
    if (s) atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&fn->lock);
    tvm_status st = TVM_OK;
    if (loop) {
        strbuf sb = {0};
        lp_print(s ? s->p : fn->tmpl, &sb);
        char *out = sb_take(&sb);
        if (out)
            *text = out;
        else
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_source: out of memory");
    } else if (!s) {
        st = err_set(TVM_ERR_INVALID_ARGUMENT,
                     "tvm_function_source: the function has symbolic shapes and no kernel yet; "
                     "call it once to specialise it, then ask for \"%s\"", kind);
    } else {
        st = fn->be->source(s->kernel, kind, text);
    }
    fn_release_spec(fn, s);
    return st;
}

TVMC_API tvm_status tvm_function_plan(tvm_function *fn, tvm_kernel_plan *plan) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_plan: fn is NULL");
    if (!plan) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_plan: plan is NULL");
    if (plan->struct_size < sizeof(size_t))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_plan: plan->struct_size is %zu; "
                       "set it to sizeof(tvm_kernel_plan)", plan->struct_size);
    pthread_mutex_lock(&fn->lock);
    spec *s = fn->latest;
    if (s) atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&fn->lock);
    if (!s)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_plan: the function has symbolic "
                       "shapes and no kernel yet; call it once to specialise it");
    tvm_kernel_plan r = {.struct_size = sizeof r,
                         .num_kernels = s->p->num_kernels,
                         .num_intermediates = s->p->num_intermediates,
                         .workspace_bytes = s->p->workspace_bytes,
                         .intermediate_bytes = s->p->intermediate_bytes,
                         .peak_live_bytes = s->p->peak_live_bytes};
    fn_release_spec(fn, s);
    size_t n = plan->struct_size < sizeof r ? plan->struct_size : sizeof r;
    size_t keep = plan->struct_size;
    memcpy(plan, &r, n);
    plan->struct_size = keep;
    return TVM_OK;
}
