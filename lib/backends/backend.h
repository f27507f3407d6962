/* backend.h — the one interface between the compiler and code generators.
 * Only the backend folders include LLVM, Vulkan or CUDA headers. */
#ifndef TVMC_BACKEND_H
#define TVMC_BACKEND_H

#include "../ir/loop.h"

typedef struct be_kernel be_kernel; /* backend-private */
typedef struct be_trampoline be_trampoline; /* backend-private */

/* What a trampoline calls: ptrs holds the trampoline's parameters, then its
 * fixed pointers. */
typedef int32_t (*be_trampoline_target)(void *closure, void *const *ptrs);

/* Parsed target string ("llvm -mcpu=znver4 -mattr=+avx2"). */
typedef struct be_target {
    char name[16];     /* "llvm", "interp" */
    char mcpu[64];     /* "" = host */
    char mattr[256];   /* "" = host features (when mcpu is "" too) */
} be_target;

typedef struct be_options {
    be_target target;
    int opt_level; /* 0..3 */
    bool fast_math;
} be_options;

typedef struct be_backend {
    const char *name;
    /* Compiles the program. The program is flat (p->flat) and verified; the
     * kernel may keep a pointer to p: the caller keeps p alive until after
     * destroy. `state` is the backend's per-context state (see state_new). */
    tvm_status (*compile)(void *state, const lp_program *p, const be_options *o,
                          be_kernel **out);
    /* Runs the kernel with the loop-IR kernel ABI (loop.h); rt is the
     * context's thread pool for its parallel loops (NULL: serially).
     * Thread-safe. */
    int32_t (*run)(const be_kernel *k, void *const *args, void *workspace, void *rt);
    /* Source text of a stage ("llvm", "asm"); TVM_ERR_UNSUPPORTED if the
     * backend has no such stage. *text is malloc'd. */
    tvm_status (*source)(const be_kernel *k, const char *stage, char **text);
    void (*destroy)(be_kernel *k);
    /* Optional (NULL: the backend cannot make machine code at run time).
     * Builds int32_t f(void *p0, ..., void *p[nparams-1]) that stores its
     * parameters and then the nfixed pointers `fixed` into one array and
     * returns target(closure, array): a natural C signature in front of a
     * C function that takes an array (tvm_function_entry). *code is f;
     * it stays callable until trampoline_free. */
    tvm_status (*trampoline)(void *state, int nparams, void *const *fixed, int nfixed,
                             be_trampoline_target target, void *closure,
                             be_trampoline **out, void (**code)(void));
    void (*trampoline_free)(be_trampoline *t);
    /* Per-context state (JIT session, target-machine pool); created lazily on
     * first use, freed with the context. May be NULL. */
    tvm_status (*state_new)(void **state);
    void (*state_free)(void *state);
} be_backend;

extern const be_backend be_interp;
extern const be_backend be_llvm;

/* Parses a TVM-style target string. TVM_ERR_INVALID_ARGUMENT /
 * TVM_ERR_UNSUPPORTED with a message naming the bad part. */
tvm_status be_parse_target(const char *s, be_target *out);

/* Vector register width in bytes the target compiles for (host features
 * unless -mcpu/-mattr say otherwise): 64 AVX-512, 32 AVX2, 16 otherwise;
 * 0 for the interpreter. Loop schedules size their blocks by it. */
int be_vector_bytes(const be_target *t);

#endif
