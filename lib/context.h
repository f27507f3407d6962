/* context.h — the context object: options, the function cache, per-backend
 * state, statistics. Shared by all threads; everything mutable is under
 * `lock` or atomic. */
#ifndef TVMC_CONTEXT_H
#define TVMC_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>

#include "backends/backend.h"
#include "common.h"
#include "threadpool.h"

typedef struct fcache_entry {
    char *key;           /* canonical graph bytes + options */
    size_t key_len;
    uint64_t hash;
    tvm_function *fn;    /* holds one reference; NULL while being compiled */
    uint64_t last_use;
} fcache_entry;

struct tvm_context {
    atomic_int refs;     /* the user's reference + one per live function */
    int num_threads;
    tp_pool *pool;       /* parallel loops; workers start on first use */
    int function_cache_capacity;
    int shape_cache_capacity;

    pthread_mutex_t lock; /* guards the function cache and backend states */
    pthread_cond_t fcache_ready; /* a pending function cache entry finished */
    fcache_entry *fcache;
    uint32_t nfcache, cap_fcache;
    uint64_t tick;

    void *be_state[2];   /* [0] interp, [1] llvm; created on first use */

    uint8_t tag_live[2048]; /* graph handle tags in use (index = tag) */
    uint32_t next_tag;

    atomic_uint_fast64_t functions_compiled, function_cache_hits;
    atomic_uint_fast64_t kernels_compiled, kernel_cache_hits, kernel_cache_evictions;
};

/* Graph handle tags: a tag no live graph of this context holds, preferring
 * the one used longest ago (graph.h explains handles). */
uint16_t ctx_acquire_tag(tvm_context *ctx);
void ctx_release_tag(tvm_context *ctx, uint16_t tag);

/* Reference counting: functions keep their context (and its JIT) alive. */
void ctx_retain(tvm_context *ctx);
void ctx_release(tvm_context *ctx);

/* The backend for a parsed target, with its per-context state created on
 * first use. */
tvm_status ctx_backend(tvm_context *ctx, const be_target *t, const be_backend **be,
                       void **state);

/* Function cache, single flight: acquire returns the cached function with a
 * new reference, or NULL when the caller is to build it — then an entry for
 * the key is pending and the caller must publish (fn, or NULL on failure).
 * Callers asking for a pending key wait for it; after a failed build one of
 * them builds in turn. Without memory for an entry, acquire returns NULL and
 * publish does nothing. */
tvm_function *ctx_fcache_acquire(tvm_context *ctx, const char *key, size_t len);
void ctx_fcache_publish(tvm_context *ctx, const char *key, size_t len, tvm_function *fn);

#endif
