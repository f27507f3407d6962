/* function.h — compiled functions: the symbolic template, the argument
 * signature, owned constants, and the cache of shape specialisations. */
#ifndef TVMC_JIT_FUNCTION_H
#define TVMC_JIT_FUNCTION_H

#include <pthread.h>
#include <stdatomic.h>

#include "../context.h"
#include "../ir/loop.h"

typedef enum spec_state { SPEC_PENDING = 0, SPEC_READY, SPEC_FAILED } spec_state;

/* One kernel for one concrete shape signature. Reference counted: the cache
 * holds one reference, every call running it holds one. */
typedef struct spec {
    atomic_int refs;
    int64_t *key;          /* values of the size variables (fn->nsize) */
    spec_state state;      /* guarded by fn->lock */
    tvm_status status;     /* SPEC_FAILED: the error, with its message */
    char *message;
    lp_program *p;         /* the flat program the kernel was built from */
    be_kernel *kernel;
    int64_t workspace_bytes;
    _Atomic(void *) ws_cache; /* a workspace a finished call left for the next
                                 (call.c); freed with the spec */
    uint64_t last_use;
} spec;

/* An argument of the function (input, output) or an owned constant. */
typedef struct fn_arg {
    char *name;
    uint8_t dtype;
    uint16_t ndim;
    uint32_t buf;          /* its buffer in the template program */
} fn_arg;

struct tvm_function {
    atomic_int refs;
    tvm_context *ctx;      /* retained */
    const be_backend *be;
    void *be_state;
    be_options opts;
    uint32_t flags;

    int nin, nout, nconst;
    fn_arg *args;          /* nin + nout */
    void **const_data;     /* nconst: const_bufs[i]->data, or owned (folded, rt_big_alloc) */
    struct const_buf **const_bufs; /* nconst: the graph's buffer, shared; NULL if owned */
    lp_program *tmpl;      /* symbolic template (size variables free) */
    uint32_t *size_vars;   /* template variables that are size variables */
    uint32_t nsize;
    /* the tensor IR as compiled, for tvm_function_source("graph"): a copy of
     * what the outputs reach (graph_copy_reachable), printed when asked */
    tvm_graph *graph;
    uint32_t *graph_roots; /* nout: the outputs in it */
    char *fused_text;      /* kernel groups, for tvm_function_dump("fused") */

    pthread_mutex_t lock;  /* guards specs, tick, latest */
    pthread_cond_t ready;  /* signalled when a pending spec finishes */
    spec **specs;
    uint32_t nspecs, cap_specs;
    uint32_t capacity;
    uint64_t tick;
    spec *latest;          /* most recently compiled (for source); referenced */
    spec *fixed;           /* the only spec when nsize == 0 (no lock needed) */
};

/* Builds a spec for the given size values and runs it through the kernel
 * pipeline and the backend (function.c). */
tvm_status fn_get_spec(tvm_function *fn, const int64_t *key, spec **out);
void fn_release_spec(tvm_function *fn, spec *s);

/* The status and message for a kernel's nonzero return code rc (a failed
 * data-dependent bounds check, or the host's parallel-for failing). */
tvm_status fn_kernel_error(const spec *s, int32_t rc, const char *api);

/* Evaluates an int64 index expression of the template with size variables
 * bound to values (indexed by template variable); false if it references an
 * unbound variable. */
bool fn_eval_index(const lp_program *p, lp_id e, const int64_t *values, const uint8_t *bound,
                   int64_t *out);

/* The "fused" stage's text from the template pipeline's fusion decisions
 * (dump.c); NULL when out of memory. */
struct pass_ctx;
char *fn_fused_text(const tvm_graph *g, const struct pass_ctx *pc);

#endif
