/* entry.c — tvm_function_entry: a constant-shape function's kernel behind a
 * plain C signature, for hosts that call it in a hot loop.
 *
 * tvm_function_call spends its time proving the DLTensors right; with
 * constant shapes the host can promise that once instead (tvmc.h states the
 * promise). What must still happen per call is what the kernel ABI needs
 * (loop.h): the argument array with the constants after the arguments, a
 * workspace, the thread pool, and the default floating-point environment.
 * A JIT-made trampoline (backend.h) turns the host's pointer parameters
 * into the array and calls entry_run, which does the rest. */
#include <stdlib.h>

#include "../fpenv.h"
#include "function.h"

struct tvm_entry {
    tvm_function *fn;           /* referenced */
    spec *s;                    /* referenced: the only specialisation */
    const be_backend *tr_be;    /* the backend that made the trampoline */
    be_trampoline *tr;
    void *ws;                   /* owned workspace (NULL when none is needed) */
    size_t ws_bytes;            /* its size, a multiple of 64 */
    atomic_flag ws_busy;        /* set while a call uses ws */
};

static const char api[] = "tvm_function_entry";

/* The trampoline's target: ptrs holds the arguments, then the constants. */
static int32_t entry_run(void *closure, void *const *ptrs) {
    tvm_entry *e = closure;
    void *ws = e->ws, *tmp = NULL;
    bool holds = false;
    if (ws) {
        /* The common case (no overlapping call) costs one atomic exchange;
         * an overlapping call gets a workspace of its own. */
        holds = !atomic_flag_test_and_set_explicit(&e->ws_busy, memory_order_acquire);
        if (!holds) {
            ws = tmp = aligned_alloc(64, e->ws_bytes);
            if (!tmp)
                return err_set(TVM_ERR_OUT_OF_MEMORY, "direct entry: cannot allocate a "
                               "%zu-byte workspace for a concurrent call", e->ws_bytes);
        }
    }
    fpenv env;
    fpenv_enter(&env);
    int32_t rc = e->fn->be->run(e->s->kernel, ptrs, ws, e->fn->ctx->pool);
    fpenv_leave(&env);
    if (holds) atomic_flag_clear_explicit(&e->ws_busy, memory_order_release);
    free(tmp);
    return rc == 0 ? TVM_OK : (int32_t)fn_kernel_error(e->s, rc, "direct entry");
}

TVMC_API void tvm_entry_destroy(tvm_entry *e) {
    if (!e) return;
    if (e->tr) e->tr_be->trampoline_free(e->tr);
    if (e->s) fn_release_spec(e->fn, e->s);
    free(e->ws);
    if (e->fn) tvm_function_release(e->fn);
    free(e);
}

TVMC_API tvm_status tvm_function_entry(tvm_function *fn, tvm_entry **entry, tvm_entry_fn *code) {
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: fn is NULL", api);
    if (!entry || !code)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL", api, !entry ? "entry" : "code");
    if (fn->nsize > 0)
        return err_set(TVM_ERR_UNSUPPORTED, "%s: the function has %u size variable(s) ('%s', "
                       "...); a direct entry needs constant shapes (compile with constant "
                       "dims, or use tvm_function_call)", api, fn->nsize,
                       fn->tmpl->vars[fn->size_vars[0]].name);
    /* The trampoline is machine code, so it comes from the JIT backend
     * whatever the function's own target is. */
    be_target jit = {.name = "llvm"};
    const be_backend *tr_be;
    void *tr_state;
    tvm_status st = ctx_backend(fn->ctx, &jit, &tr_be, &tr_state);
    if (st != TVM_OK) return st;
    if (!tr_be->trampoline)
        return err_set(TVM_ERR_UNSUPPORTED, "%s: this build cannot make machine code at run "
                       "time", api);

    tvm_entry *e = calloc(1, sizeof *e);
    if (!e) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", api);
    atomic_flag_clear(&e->ws_busy);
    tvm_function_retain(fn);
    e->fn = fn;
    e->tr_be = tr_be;
    int64_t no_key = 0; /* constant shapes: the key is empty */
    st = fn_get_spec(fn, &no_key, &e->s);
    if (st != TVM_OK) {
        e->s = NULL;
        goto fail;
    }
    if (e->s->workspace_bytes > 0) {
        e->ws_bytes = ((size_t)e->s->workspace_bytes + 63) & ~(size_t)63;
        e->ws = aligned_alloc(64, e->ws_bytes);
        if (!e->ws) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "%s: cannot allocate the %zu-byte workspace",
                         api, e->ws_bytes);
            goto fail;
        }
    }
    void (*f)(void) = NULL;
    st = tr_be->trampoline(tr_state, fn->nin + fn->nout, fn->const_data, fn->nconst, entry_run,
                           e, &e->tr, &f);
    if (st != TVM_OK) goto fail;
    *entry = e;
    *code = f;
    return TVM_OK;
fail:
    tvm_entry_destroy(e);
    return st;
}
