/* context.c — context lifetime, options, backend states, function cache. */
#include "context.h"

#include <stdlib.h>

#include "jit/function.h"

#define DEFAULT_FUNCTION_CACHE 256
#define DEFAULT_SHAPE_CACHE 64
#define MAX_THREADS 1024

/* TVMC_NUM_THREADS, when set to a whole number in [1, MAX_THREADS]; 0
 * otherwise (then hwloc decides). A malformed value is ignored rather than
 * failing context creation: the environment is not an argument. */
static int env_threads(void) {
    const char *e = getenv("TVMC_NUM_THREADS");
    if (!e || !*e) return 0;
    char *end = NULL;
    long v = strtol(e, &end, 10);
    if (*end != '\0' || v < 1 || v > MAX_THREADS) return 0;
    return (int)v;
}

TVMC_API tvm_status tvm_context_create(const tvm_context_options *opts, tvm_context **out) {
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_create: out is NULL");
    tvm_context_options o = {0};
    if (opts) {
        if (opts->struct_size < sizeof(size_t))
            return err_set(TVM_ERR_INVALID_ARGUMENT,
                           "tvm_context_create: opts->struct_size is %zu; set it to "
                           "sizeof(tvm_context_options)", opts->struct_size);
        if (opts->struct_size > sizeof o)
            return err_set(TVM_ERR_VERSION,
                           "tvm_context_create: opts->struct_size is %zu but this library "
                           "knows %zu bytes; it is older than the header you built with",
                           opts->struct_size, sizeof o);
        memcpy(&o, opts, opts->struct_size);
    }
    if (o.num_threads < 0 || o.num_threads > MAX_THREADS)
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "tvm_context_create: num_threads is %d; it must be in [0, %d]",
                       o.num_threads, MAX_THREADS);
    if (o.function_cache_capacity < 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_create: function_cache_capacity "
                       "is %d; it must not be negative", o.function_cache_capacity);
    if (o.shape_cache_capacity < 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_create: shape_cache_capacity is "
                       "%d; it must not be negative", o.shape_cache_capacity);
    if (o.flags != 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_create: flags must be 0");
    if (!o.parallel_for && o.parallel_user)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_create: parallel_user is set but "
                       "parallel_for is NULL");
    tvm_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_context_create: out of memory");
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return err_set(TVM_ERR_INTERNAL, "tvm_context_create: mutex init failed");
    }
    if (pthread_cond_init(&ctx->fcache_ready, NULL) != 0) {
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return err_set(TVM_ERR_INTERNAL, "tvm_context_create: condition variable init failed");
    }
    atomic_init(&ctx->refs, 1);
    /* start contexts at different tags so handles rarely match across them */
    ctx->next_tag = (uint32_t)((now_ns() ^ (uintptr_t)ctx) % 2047);
    if (o.num_threads == 0) o.num_threads = env_threads();
    if (o.num_threads == 0) o.num_threads = tp_physical_cores();
    ctx->num_threads = o.num_threads;
    ctx->pool = tp_create(o.num_threads, o.parallel_for, o.parallel_user);
    if (!ctx->pool) {
        pthread_cond_destroy(&ctx->fcache_ready);
        pthread_mutex_destroy(&ctx->lock);
        free(ctx);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_context_create: out of memory");
    }
    ctx->function_cache_capacity =
        o.function_cache_capacity ? o.function_cache_capacity : DEFAULT_FUNCTION_CACHE;
    ctx->shape_cache_capacity = o.shape_cache_capacity ? o.shape_cache_capacity
                                                       : DEFAULT_SHAPE_CACHE;
    *out = ctx;
    return TVM_OK;
}

uint16_t ctx_acquire_tag(tvm_context *ctx) {
    pthread_mutex_lock(&ctx->lock);
    uint16_t tag = 0;
    for (uint32_t k = 0; k < 2047 && !tag; k++) {
        uint32_t t = ctx->next_tag % 2047 + 1;
        ctx->next_tag = t; /* the next search starts after this one */
        if (!ctx->tag_live[t]) tag = (uint16_t)t;
    }
    if (!tag) tag = (uint16_t)(ctx->next_tag % 2047 + 1); /* 2047 live graphs: share */
    if (ctx->tag_live[tag] < UINT8_MAX) ctx->tag_live[tag]++;
    pthread_mutex_unlock(&ctx->lock);
    return tag;
}

void ctx_release_tag(tvm_context *ctx, uint16_t tag) {
    pthread_mutex_lock(&ctx->lock);
    if (tag < 2048 && ctx->tag_live[tag] > 0 && ctx->tag_live[tag] < UINT8_MAX)
        ctx->tag_live[tag]--;
    pthread_mutex_unlock(&ctx->lock);
}

void ctx_retain(tvm_context *ctx) { atomic_fetch_add(&ctx->refs, 1); }

void ctx_release(tvm_context *ctx) {
    if (atomic_fetch_sub(&ctx->refs, 1) != 1) return;
    if (ctx->be_state[0] && be_interp.state_free) be_interp.state_free(ctx->be_state[0]);
    if (ctx->be_state[1] && be_llvm.state_free) be_llvm.state_free(ctx->be_state[1]);
    tp_destroy(ctx->pool); /* no call runs: the last function is gone */
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->fcache_ready);
    free(ctx->fcache);
    free(ctx);
}

TVMC_API void tvm_context_destroy(tvm_context *ctx) {
    if (!ctx) return;
    /* Drop the cache's references first: cached functions hold the context,
     * so the context can only go once they are released. */
    pthread_mutex_lock(&ctx->lock);
    fcache_entry *entries = ctx->fcache;
    uint32_t n = ctx->nfcache;
    ctx->fcache = NULL;
    ctx->nfcache = ctx->cap_fcache = 0;
    pthread_mutex_unlock(&ctx->lock);
    for (uint32_t i = 0; i < n; i++) {
        free(entries[i].key);
        tvm_function_release(entries[i].fn); /* NULL for a pending entry */
    }
    free(entries);
    ctx_release(ctx);
}

TVMC_API int tvm_context_num_threads(const tvm_context *ctx) {
    if (!ctx) {
        err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_num_threads: ctx is NULL");
        return 0;
    }
    return ctx->num_threads;
}

TVMC_API tvm_status tvm_context_stats(const tvm_context *ctx, tvm_cache_stats *stats) {
    if (!ctx) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_stats: ctx is NULL");
    if (!stats) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_stats: stats is NULL");
    if (stats->struct_size < sizeof(size_t))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_context_stats: stats->struct_size is "
                       "%zu; set it to sizeof(tvm_cache_stats)", stats->struct_size);
    tvm_cache_stats s = {.struct_size = sizeof s};
    s.functions_compiled = atomic_load(&ctx->functions_compiled);
    s.function_cache_hits = atomic_load(&ctx->function_cache_hits);
    s.kernels_compiled = atomic_load(&ctx->kernels_compiled);
    s.kernel_cache_hits = atomic_load(&ctx->kernel_cache_hits);
    s.kernel_cache_evictions = atomic_load(&ctx->kernel_cache_evictions);
    size_t n = stats->struct_size < sizeof s ? stats->struct_size : sizeof s;
    size_t keep = stats->struct_size;
    memcpy(stats, &s, n);
    stats->struct_size = keep;
    return TVM_OK;
}

tvm_status ctx_backend(tvm_context *ctx, const be_target *t, const be_backend **be,
                       void **state) {
    int slot;
    if (strcmp(t->name, "interp") == 0) {
        *be = &be_interp;
        slot = 0;
    } else if (strcmp(t->name, "llvm") == 0) {
        *be = &be_llvm;
        slot = 1;
    } else {
        return err_set(TVM_ERR_UNSUPPORTED, "target '%s' is not supported by this build",
                       t->name);
    }
    tvm_status st = TVM_OK;
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->be_state[slot] && (*be)->state_new) st = (*be)->state_new(&ctx->be_state[slot]);
    *state = ctx->be_state[slot];
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

static uint64_t key_hash(const char *key, size_t len) { return hash_bytes(key, len, 0); }

static fcache_entry *fcache_find(tvm_context *ctx, const char *key, size_t len, uint64_t h) {
    for (uint32_t i = 0; i < ctx->nfcache; i++) {
        fcache_entry *e = &ctx->fcache[i];
        if (e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0) return e;
    }
    return NULL;
}

tvm_function *ctx_fcache_acquire(tvm_context *ctx, const char *key, size_t len) {
    uint64_t h = key_hash(key, len);
    tvm_function *fn = NULL, *evicted = NULL;
    pthread_mutex_lock(&ctx->lock);
    for (;;) {
        fcache_entry *e = fcache_find(ctx, key, len, h);
        if (e && e->fn) { /* hit */
            e->last_use = ++ctx->tick;
            fn = e->fn;
            tvm_function_retain(fn);
            break;
        }
        if (e) { /* another thread is building it */
            pthread_cond_wait(&ctx->fcache_ready, &ctx->lock);
            continue;
        }
        /* miss: publish a pending entry for this key */
        char *copy = malloc(len ? len : 1);
        if (!copy) break;
        memcpy(copy, key, len);
        uint32_t slot = ctx->nfcache;
        if (ctx->nfcache >= (uint32_t)ctx->function_cache_capacity) {
            slot = UINT32_MAX; /* evict the least recently used finished entry */
            for (uint32_t i = 0; i < ctx->nfcache; i++)
                if (ctx->fcache[i].fn &&
                    (slot == UINT32_MAX || ctx->fcache[i].last_use < ctx->fcache[slot].last_use))
                    slot = i;
            if (slot != UINT32_MAX) {
                evicted = ctx->fcache[slot].fn;
                free(ctx->fcache[slot].key);
            }
        }
        if (slot == ctx->nfcache) {
            if (VEC_PUSH_OK(ctx->fcache, ctx->nfcache, ctx->cap_fcache, UINT32_MAX))
                ctx->nfcache++;
            else
                slot = UINT32_MAX;
        }
        if (slot == UINT32_MAX)
            free(copy); /* not cached: the caller builds without an entry */
        else
            ctx->fcache[slot] = (fcache_entry){copy, len, h, NULL, ++ctx->tick};
        break;
    }
    pthread_mutex_unlock(&ctx->lock);
    if (evicted) tvm_function_release(evicted);
    return fn;
}

void ctx_fcache_publish(tvm_context *ctx, const char *key, size_t len, tvm_function *fn) {
    uint64_t h = key_hash(key, len);
    pthread_mutex_lock(&ctx->lock);
    fcache_entry *e = fcache_find(ctx, key, len, h);
    if (e && !e->fn) {
        if (fn) {
            tvm_function_retain(fn); /* the cache's reference */
            e->fn = fn;
            e->last_use = ++ctx->tick;
        } else { /* failed: drop the entry so a later call tries again */
            free(e->key);
            *e = ctx->fcache[--ctx->nfcache];
        }
    }
    pthread_cond_broadcast(&ctx->fcache_ready);
    pthread_mutex_unlock(&ctx->lock);
}
