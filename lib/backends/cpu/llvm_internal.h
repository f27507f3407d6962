/* llvm_internal.h — what the LLVM code generator (llvm_codegen.c) needs from
 * the per-context JIT state (llvm_jit.c). Only lib/backends/cpu includes it.
 *
 * Threading model (TECH-NOTES §0.2, §1.7): LLJIT created from C must not
 * compile concurrently, so it never compiles. Each compile builds its module
 * in its own LLVMContext, optimises and emits an object with a target machine
 * it has checked out of the state's pool (one thread per TM at a time), and
 * only then hands the object to the single shared LLJIT, whose add / lookup /
 * remove operations are internally locked.
 */
#ifndef TVMC_LLVM_INTERNAL_H
#define TVMC_LLVM_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

#include "../backend.h"

typedef struct llvm_state llvm_state;

/* Naming kernel code for perf (llvm_perfmap.c; TVMC_PERF_MAP=1): scan an
 * object before it is linked (NULL when off), then write its symbols once
 * the address of its exported function (llvm_perfmap_anchor) is known (0:
 * unknown, nothing written); write frees. */
typedef struct llvm_perfmap llvm_perfmap;
bool llvm_perfmap_on(void);
llvm_perfmap *llvm_perfmap_scan(LLVMMemoryBufferRef obj);
const char *llvm_perfmap_anchor(const llvm_perfmap *m);
/* label: what the object computes (e.g. the buffer a part stores), shown
 * after the part's name; NULL for none */
void llvm_perfmap_write(llvm_perfmap *m, uint64_t anchor_addr, const char *label);

/* A target machine checked out of the pool, with the facts a module built for
 * it needs. Used by one thread between acquire and release. */
typedef struct llvm_tm {
    LLVMTargetMachineRef tm;
    LLVMTargetDataRef layout;
    char *cpu;      /* "target-cpu" attribute value */
    char *features; /* "target-features" attribute value */
    int opt_level;  /* 0..3 */
    struct llvm_tm *next; /* pool free list */
} llvm_tm;

/* Per-context state (be_backend.state_new / state_free). The state is
 * reference counted: each kernel holds a reference, so code stays mapped
 * while a kernel outlives its context. */
tvm_status llvm_state_new(void **state);
void llvm_state_free(void *state);
void llvm_state_retain(llvm_state *s);
void llvm_state_release(llvm_state *s);

/* The host triple the JIT links for (owned by the state). */
const char *llvm_state_triple(const llvm_state *s);

/* Resolves a parsed target to the (cpu, features) pair of a target machine:
 * empty mcpu means the host CPU with the host features, with mattr appended;
 * an explicit mcpu uses mattr alone. Both strings are malloc'd. */
tvm_status llvm_resolve_target(llvm_state *s, const be_target *t, char **cpu,
                               char **features);

/* Checks a target machine for (cpu, features, opt_level) out of the pool,
 * creating one when none is free. Release it with llvm_tm_release. */
tvm_status llvm_tm_acquire(llvm_state *s, const char *cpu, const char *features,
                           int opt_level, llvm_tm **out);
void llvm_tm_release(llvm_state *s, llvm_tm *tm);

/* A fresh kernel symbol number, unique within the state's JIT. */
uint64_t llvm_next_kernel_id(llvm_state *s);

/* Adds an object file (takes ownership of obj, even on failure) under a new
 * resource tracker and looks up `symbol` in it. TVM_ERR_COMPILE with the
 * linker's message on failure. */
tvm_status llvm_jit_add_object(llvm_state *s, LLVMMemoryBufferRef obj, const char *symbol,
                               LLVMOrcResourceTrackerRef *rt, uint64_t *addr);
/* The same for n objects that together define `symbol` (they may refer to
 * each other's global symbols), all under one resource tracker. Takes every
 * objs[i] (set to NULL), even on failure. labels (NULL, or one per object,
 * each may be NULL) name the objects in the perf map. */
tvm_status llvm_jit_add_objects(llvm_state *s, LLVMMemoryBufferRef *objs,
                                const char *const *labels, uint32_t n,
                                const char *symbol, LLVMOrcResourceTrackerRef *rt,
                                uint64_t *addr);
/* Unmaps everything added under rt and releases it. */
void llvm_jit_remove(llvm_state *s, LLVMOrcResourceTrackerRef rt);

/* Copies an LLVM error's message into the thread's last error and returns
 * status s; consumes err (which may be NULL). */
tvm_status llvm_err(tvm_status s, const char *what, LLVMErrorRef err);

/* be_llvm.trampoline / trampoline_free (llvm_trampoline.c). */
tvm_status llvm_trampoline(void *state, int nparams, void *const *fixed, int nfixed,
                           be_trampoline_target target, void *closure, be_trampoline **out,
                           void (**code)(void));
void llvm_trampoline_free(be_trampoline *t);

/* Whether glibc's libmvec is loaded (vector libm variants may be called). */
bool llvm_have_libmvec(void);

#endif
