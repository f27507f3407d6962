/* llvm_trampoline.c — machine code with a natural C signature in front of a
 * C function that takes an array of pointers (tvm_function_entry).
 *
 * A host wants `int32_t kernel(float *a, float *b, float *c)`; the runtime
 * behind it wants `int32_t run(void *closure, void *const *ptrs)`. C cannot
 * make a closure, so we JIT one:
 *
 *   define i32 @tvmc_tr_N(ptr %p0, ..., ptr %pK) {
 *     %a = alloca [K + 1 + nfixed x ptr]
 *     store %p0 .. %pK, then the fixed pointers (immediates), into %a
 *     %r = call i32 TARGET(ptr CLOSURE, ptr %a)   ; both immediates
 *     ret i32 %r
 *   }
 *
 * Addresses are baked in as constants, so nothing needs symbol resolution
 * and the module links on its own. It costs a handful of stores and one
 * direct call per invocation. */
#include "llvm_internal.h"

#include <stdio.h>
#include <stdlib.h>

struct be_trampoline {
    llvm_state *state;            /* holds a reference */
    LLVMOrcResourceTrackerRef rt; /* the trampoline's code */
};

static LLVMValueRef const_ptr(LLVMContextRef c, const void *p) {
    return LLVMConstIntToPtr(LLVMConstInt(LLVMInt64TypeInContext(c), (uint64_t)(uintptr_t)p, 0),
                             LLVMPointerTypeInContext(c, 0));
}

/* Builds the trampoline's module into m (see the top of the file). */
static void build(LLVMContextRef c, LLVMModuleRef m, const char *name, int nparams,
                  void *const *fixed, int nfixed, be_trampoline_target target, void *closure) {
    LLVMTypeRef t_ptr = LLVMPointerTypeInContext(c, 0), t_i32 = LLVMInt32TypeInContext(c);
    LLVMTypeRef t_i64 = LLVMInt64TypeInContext(c);
    LLVMTypeRef *params = malloc((size_t)(nparams ? nparams : 1) * sizeof *params);
    for (int i = 0; i < nparams; i++) params[i] = t_ptr;
    LLVMValueRef f = LLVMAddFunction(m, name, LLVMFunctionType(t_i32, params, (unsigned)nparams, 0));
    free(params);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(c);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(c, f, "entry"));
    unsigned n = (unsigned)(nparams + nfixed);
    LLVMValueRef arr = LLVMBuildAlloca(b, LLVMArrayType2(t_ptr, n ? n : 1), "ptrs");
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef idx = LLVMConstInt(t_i64, i, 0);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(b, t_ptr, arr, &idx, 1, "");
        LLVMValueRef v = (int)i < nparams ? LLVMGetParam(f, i) : const_ptr(c, fixed[i - (unsigned)nparams]);
        LLVMBuildStore(b, v, slot);
    }
    LLVMTypeRef tt[2] = {t_ptr, t_ptr};
    LLVMTypeRef target_ty = LLVMFunctionType(t_i32, tt, 2, 0);
    LLVMValueRef args[2] = {const_ptr(c, closure), arr};
    LLVMValueRef r = LLVMBuildCall2(b, target_ty, const_ptr(c, (const void *)(uintptr_t)target),
                                    args, 2, "");
    LLVMBuildRet(b, r);
    LLVMDisposeBuilder(b);
}

static void trampoline_free(be_trampoline *t) {
    if (!t) return;
    if (t->rt) llvm_jit_remove(t->state, t->rt);
    if (t->state) llvm_state_release(t->state);
    free(t);
}

tvm_status llvm_trampoline(void *state, int nparams, void *const *fixed, int nfixed,
                           be_trampoline_target target, void *closure, be_trampoline **out,
                           void (**code)(void)) {
    llvm_state *s = state;
    if (!s || nparams < 0 || nfixed < 0 || (nfixed && !fixed) || !target || !out || !code)
        return err_set(TVM_ERR_INTERNAL, "llvm_trampoline: bad argument");
    be_trampoline *t = calloc(1, sizeof *t);
    if (!t) return err_set(TVM_ERR_OUT_OF_MEMORY, "llvm_trampoline: out of memory");
    llvm_state_retain(s);
    t->state = s;
    char name[40];
    snprintf(name, sizeof name, "tvmc_tr_%llu", (unsigned long long)llvm_next_kernel_id(s));

    char *cpu = NULL, *features = NULL;
    llvm_tm *tm = NULL;
    be_target host = {.name = "llvm"};
    LLVMMemoryBufferRef obj = NULL;
    tvm_status st = llvm_resolve_target(s, &host, &cpu, &features);
    if (st == TVM_OK) st = llvm_tm_acquire(s, cpu, features, 2, &tm);
    free(cpu);
    free(features);
    if (st != TVM_OK) goto fail;

    LLVMContextRef c = LLVMContextCreate();
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext(name, c);
    LLVMSetTarget(m, llvm_state_triple(s));
    LLVMSetModuleDataLayout(m, tm->layout);
    build(c, m, name, nparams, fixed, nfixed, target, closure);
    char *msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm->tm, m, LLVMObjectFile, &msg, &obj)) {
        st = err_set(TVM_ERR_COMPILE, "llvm: trampoline code generation failed: %s",
                     msg ? msg : "");
        obj = NULL;
    }
    LLVMDisposeMessage(msg);
    LLVMDisposeModule(m);
    LLVMContextDispose(c);
    llvm_tm_release(s, tm);
    if (st != TVM_OK) goto fail;

    uint64_t addr = 0;
    st = llvm_jit_add_object(s, obj, name, &t->rt, &addr); /* takes obj */
    if (st != TVM_OK) goto fail;
    *code = (void (*)(void))(uintptr_t)addr;
    *out = t;
    return TVM_OK;
fail:
    trampoline_free(t);
    return st;
}

void llvm_trampoline_free(be_trampoline *t) { trampoline_free(t); }
