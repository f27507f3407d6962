/* llvm_jit.c — per-context LLVM state: the shared LLJIT that links kernel
 * objects, and the pool of target machines compiles check out.
 *
 * Compiles run concurrently, one target machine and one LLVMContext each;
 * the LLJIT only links finished objects (TECH-NOTES §0.2, §1.5). Every
 * kernel's object lives under its own resource tracker, so destroying a
 * kernel unmaps its code. */
#include "llvm_internal.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Target.h>
#include <dlfcn.h>
#include <pthread.h>
#include <llvm-c/Support.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Idle target machines kept per context. A compile that finds none free for
 * its key creates one; extra machines beyond this are disposed on release. */
#define TM_POOL_MAX 16
/* Dead symbol-pool entries are swept after this many kernel removals. */
#define SWEEP_EVERY 256u

struct llvm_state {
    atomic_int refs;
    LLVMOrcLLJITRef jit;
    LLVMOrcJITDylibRef main_jd;
    LLVMTargetRef target;
    char *triple;
    char *host_cpu;
    char *host_features;
    atomic_uint_fast64_t next_id;
    atomic_uint removals;
    pthread_mutex_t lock; /* guards pool and npool */
    llvm_tm *pool;
    int npool;
};

/* ---- process-wide LLVM initialisation ------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static bool have_mvec;

bool llvm_have_libmvec(void) { return have_mvec; }

static void init_native_target(void) {
    /* glibc's libmvec holds vector versions of expf, logf, erff, tanhf ...
     * (8 and 16 lanes). With it loaded into the process, the loop vectorizer
     * may call them (one call per 8 or 16 elements instead of per element);
     * without it (not glibc), kernels call the scalar libm functions. */
    have_mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_GLOBAL) != NULL;
    init_ok = !LLVMInitializeNativeTarget() && !LLVMInitializeNativeAsmPrinter() &&
              !LLVMInitializeNativeAsmParser();
    /* LLVM 19.1's SLP vectorizer miscompiles some of our kernels (wrong
     * lanes for C[i,j] = A[i,j] - A[j,7]) and can read freed memory while
     * compiling a bfloat16 min-reduction (test/diff/repro/transpose_sub.c,
     * slp_crash.c). PassBuilderOptionsSetSLPVectorization(0) does not keep it
     * out of default<O3>, so switch it off through its command-line flag.
     * This is process-wide for libLLVM-19; the loop vectorizer stays on. */
    const char *argv[] = {"tvmc", "-vectorize-slp=false", "-vector-library=LIBMVEC-X86"};
    LLVMParseCommandLineOptions(have_mvec ? 3 : 2, argv, NULL);
}

/* ---- errors -------------------------------------------------------------- */

/* Link-time failures (an unresolved symbol, say) reach the session's error
 * reporter, while the lookup itself only says "failed to materialize". The
 * reporter runs on the thread that links, which is the one looking up. */
static _Thread_local char session_msg[512];

static void report_session_error(void *ctx, LLVMErrorRef err) {
    (void)ctx;
    char *m = LLVMGetErrorMessage(err); /* consumes err */
    snprintf(session_msg, sizeof session_msg, "%s", m ? m : "");
    LLVMDisposeErrorMessage(m);
}

tvm_status llvm_err(tvm_status s, const char *what, LLVMErrorRef err) {
    char *m = err ? LLVMGetErrorMessage(err) : NULL;
    err_set(s, "%s: %s", what, m ? m : "unknown LLVM error");
    if (m) LLVMDisposeErrorMessage(m);
    return s;
}

static char *dup_llvm_message(char *m) { /* takes an LLVM message, returns a malloc'd copy */
    char *c = m ? strdup(m) : NULL;
    if (m) LLVMDisposeMessage(m);
    return c;
}

/* ---- state --------------------------------------------------------------- */

static void tm_dispose(llvm_tm *t) {
    if (!t) return;
    if (t->layout) LLVMDisposeTargetData(t->layout);
    if (t->tm) LLVMDisposeTargetMachine(t->tm);
    free(t->cpu);
    free(t->features);
    free(t);
}

static void state_destroy(llvm_state *s) {
    while (s->pool) {
        llvm_tm *t = s->pool;
        s->pool = t->next;
        tm_dispose(t);
    }
    if (s->jit) {
        LLVMErrorRef e = LLVMOrcDisposeLLJIT(s->jit);
        if (e) LLVMConsumeError(e);
    }
    pthread_mutex_destroy(&s->lock);
    free(s->triple);
    free(s->host_cpu);
    free(s->host_features);
    free(s);
}

tvm_status llvm_state_new(void **out) {
    if (!out) return err_set(TVM_ERR_INTERNAL, "llvm_state_new: NULL out");
    pthread_once(&init_once, init_native_target);
    if (!init_ok)
        return err_set(TVM_ERR_UNSUPPORTED,
                       "target 'llvm': this LLVM build cannot generate code for the host");
    llvm_state *s = calloc(1, sizeof *s);
    if (!s) return err_set(TVM_ERR_OUT_OF_MEMORY, "target 'llvm': out of memory");
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return err_set(TVM_ERR_INTERNAL, "target 'llvm': cannot create a mutex");
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->next_id, 0);
    atomic_init(&s->removals, 0);

    tvm_status st;
    LLVMErrorRef e = LLVMOrcCreateLLJIT(&s->jit, NULL);
    if (e) {
        s->jit = NULL;
        st = llvm_err(TVM_ERR_COMPILE, "target 'llvm': cannot create the JIT", e);
        goto fail;
    }
    LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(s->jit),
                                            report_session_error, s);
    s->main_jd = LLVMOrcLLJITGetMainJITDylib(s->jit);
    s->triple = strdup(LLVMOrcLLJITGetTripleString(s->jit));
    s->host_cpu = dup_llvm_message(LLVMGetHostCPUName());
    s->host_features = dup_llvm_message(LLVMGetHostCPUFeatures());
    if (!s->triple || !s->host_cpu || !s->host_features) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "target 'llvm': out of memory");
        goto fail;
    }
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(s->triple, &s->target, &msg)) {
        st = err_set(TVM_ERR_UNSUPPORTED, "target 'llvm': no LLVM target for '%s': %s",
                     s->triple, msg ? msg : "");
        LLVMDisposeMessage(msg);
        goto fail;
    }
    if (msg) LLVMDisposeMessage(msg);
    *out = s;
    return TVM_OK;
fail:
    state_destroy(s);
    return st;
}

void llvm_state_retain(llvm_state *s) { atomic_fetch_add(&s->refs, 1); }

void llvm_state_release(llvm_state *s) {
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) state_destroy(s);
}

void llvm_state_free(void *state) { llvm_state_release(state); }

const char *llvm_state_triple(const llvm_state *s) { return s->triple; }

uint64_t llvm_next_kernel_id(llvm_state *s) { return atomic_fetch_add(&s->next_id, 1); }

/* ---- target resolution and the target-machine pool ----------------------- */

tvm_status llvm_resolve_target(llvm_state *s, const be_target *t, char **cpu,
                               char **features) {
    const char *c = t->mcpu[0] ? t->mcpu : s->host_cpu;
    char *f;
    if (t->mcpu[0]) {
        f = strdup(t->mattr);
    } else if (t->mattr[0]) { /* host features, then the user's overrides */
        size_t n = strlen(s->host_features) + strlen(t->mattr) + 2;
        f = malloc(n);
        if (f) snprintf(f, n, "%s%s%s", s->host_features, s->host_features[0] ? "," : "",
                        t->mattr);
    } else {
        f = strdup(s->host_features);
    }
    char *cc = strdup(c);
    if (!f || !cc) {
        free(f);
        free(cc);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "target 'llvm': out of memory");
    }
    *cpu = cc;
    *features = f;
    return TVM_OK;
}

static LLVMCodeGenOptLevel codegen_level(int opt_level) {
    switch (opt_level) {
    case 0: return LLVMCodeGenLevelNone;
    case 1: return LLVMCodeGenLevelLess;
    case 2: return LLVMCodeGenLevelDefault;
    default: return LLVMCodeGenLevelAggressive;
    }
}

static bool tm_matches(const llvm_tm *t, const char *cpu, const char *features, int opt) {
    return t->opt_level == opt && strcmp(t->cpu, cpu) == 0 &&
           strcmp(t->features, features) == 0;
}

tvm_status llvm_tm_acquire(llvm_state *s, const char *cpu, const char *features,
                           int opt_level, llvm_tm **out) {
    pthread_mutex_lock(&s->lock);
    for (llvm_tm **pp = &s->pool; *pp; pp = &(*pp)->next) {
        if (tm_matches(*pp, cpu, features, opt_level)) {
            llvm_tm *t = *pp;
            *pp = t->next;
            s->npool--;
            pthread_mutex_unlock(&s->lock);
            t->next = NULL;
            *out = t;
            return TVM_OK;
        }
    }
    pthread_mutex_unlock(&s->lock);

    llvm_tm *t = calloc(1, sizeof *t);
    if (!t) return err_set(TVM_ERR_OUT_OF_MEMORY, "target 'llvm': out of memory");
    t->cpu = strdup(cpu);
    t->features = strdup(features);
    t->opt_level = opt_level;
    if (!t->cpu || !t->features) {
        tm_dispose(t);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "target 'llvm': out of memory");
    }
    /* PIC + small code model is what LLJIT itself uses with JITLink on ELF:
     * external calls (expf, ...) go through GOT/PLT stubs the linker makes. */
    t->tm = LLVMCreateTargetMachine(s->target, s->triple, cpu, features,
                                    codegen_level(opt_level), LLVMRelocPIC,
                                    LLVMCodeModelSmall);
    if (!t->tm) {
        tm_dispose(t);
        return err_set(TVM_ERR_COMPILE,
                       "target 'llvm': cannot create a target machine for cpu '%s'", cpu);
    }
    t->layout = LLVMCreateTargetDataLayout(t->tm);
    *out = t;
    return TVM_OK;
}

void llvm_tm_release(llvm_state *s, llvm_tm *t) {
    if (!t) return;
    pthread_mutex_lock(&s->lock);
    if (s->npool < TM_POOL_MAX) {
        t->next = s->pool;
        s->pool = t;
        s->npool++;
        t = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    tm_dispose(t);
}

/* ---- linking ------------------------------------------------------------- */

/* Objects of one kernel named for perf (TVMC_PERF_MAP); a kernel has one
 * per part, a dozen or so for a whole model. */
#define PERFMAP_OBJECTS 256

tvm_status llvm_jit_add_objects(llvm_state *s, LLVMMemoryBufferRef *objs,
                                const char *const *labels, uint32_t n, const char *symbol, LLVMOrcResourceTrackerRef *rt,
                                uint64_t *addr) {
    LLVMOrcResourceTrackerRef r = LLVMOrcJITDylibCreateResourceTracker(s->main_jd);
    session_msg[0] = '\0';
    LLVMErrorRef e = NULL;
    llvm_perfmap *maps[PERFMAP_OBJECTS] = {0};
    for (uint32_t i = 0; i < n; i++) {
        LLVMMemoryBufferRef obj = objs[i];
        objs[i] = NULL;
        if (!e && i < PERFMAP_OBJECTS) maps[i] = llvm_perfmap_scan(obj);
        if (!e) e = LLVMOrcLLJITAddObjectFileWithRT(s->jit, r, obj); /* takes obj */
        else LLVMDisposeMemoryBuffer(obj);
    }
    if (e) {
        for (uint32_t i = 0; i < n && i < PERFMAP_OBJECTS; i++) llvm_perfmap_write(maps[i], 0, NULL);
        llvm_jit_remove(s, r);
        return llvm_err(TVM_ERR_COMPILE, "llvm: cannot add the kernel object", e);
    }
    LLVMOrcExecutorAddress a = 0;
    e = LLVMOrcLLJITLookup(s->jit, &a, symbol);
    if (e || !a) {
        char *m = e ? LLVMGetErrorMessage(e) : NULL;
        tvm_status st = err_set(TVM_ERR_COMPILE, "llvm: linking kernel '%s' failed: %s%s%s",
                                symbol, m ? m : "symbol not found",
                                session_msg[0] ? ": " : "", session_msg);
        if (m) LLVMDisposeErrorMessage(m);
        for (uint32_t i = 0; i < n && i < PERFMAP_OBJECTS; i++) llvm_perfmap_write(maps[i], 0, NULL);
        llvm_jit_remove(s, r);
        return st;
    }
    /* the objects are linked now: their exported functions have addresses */
    for (uint32_t i = 0; i < n && i < PERFMAP_OBJECTS; i++) {
        LLVMOrcExecutorAddress pa = 0;
        const char *anchor = llvm_perfmap_anchor(maps[i]);
        if (anchor) {
            LLVMErrorRef le = LLVMOrcLLJITLookup(s->jit, &pa, anchor);
            if (le) LLVMConsumeError(le), pa = 0;
        }
        llvm_perfmap_write(maps[i], pa, labels ? labels[i] : NULL);
    }
    *rt = r;
    *addr = a;
    return TVM_OK;
}

tvm_status llvm_jit_add_object(llvm_state *s, LLVMMemoryBufferRef obj, const char *symbol,
                               LLVMOrcResourceTrackerRef *rt, uint64_t *addr) {
    return llvm_jit_add_objects(s, &obj, NULL, 1, symbol, rt, addr);
}

void llvm_jit_remove(llvm_state *s, LLVMOrcResourceTrackerRef rt) {
    if (!rt) return;
    LLVMErrorRef e = LLVMOrcResourceTrackerRemove(rt);
    if (e) LLVMConsumeError(e);
    LLVMOrcReleaseResourceTracker(rt);
    if (atomic_fetch_add(&s->removals, 1) % SWEEP_EVERY == SWEEP_EVERY - 1)
        LLVMOrcSymbolStringPoolClearDeadEntries(LLVMOrcExecutionSessionGetSymbolStringPool(
            LLVMOrcLLJITGetExecutionSession(s->jit)));
}
