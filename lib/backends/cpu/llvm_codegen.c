/* llvm_codegen.c — the LLVM CPU backend: flat loop IR -> LLVM IR -> object
 * -> linked into the context's JIT (see llvm_internal.h for the threading).
 *
 * Each compile builds one module in a fresh LLVMContext:
 *   static i32 @NAME.body(ptr noalias %arg0, ..., ptr noalias %workspace)
 *   i32 @NAME(ptr %args, ptr %workspace)   ; loads args[i], calls the body
 * A parallel loop (LP_PARALLEL, top level) becomes
 *   static i32 @NAME.parK.body(ptr noalias %buf1, ..., i64 %begin, i64 %end)
 *   static i32 @NAME.parK(ptr %closure, i64 %begin, i64 %end, i64 %slot)
 * and the body calls tp_parallel_loop(rt, @NAME.parK, closure, extent,
 * slots, quantum) instead of looping (threadpool.h). The closure is the
 * array of the pointers of the buffers the loop touches; parK offsets
 * private scratch by its slot and calls parK.body, where locals written in
 * the loop are fresh allocas (per thread) and everything else comes from
 * the closure.
 * The body follows the semantics blocks of loop.h, ops.h and tvmc.h exactly
 * (the interpreter implements the same rules and tests compare bits). No
 * fast-math flags are set except `reassoc` on floating sum/prod
 * accumulations (their order is unspecified), or `fast` everywhere when the
 * program asks for fast math. Contraction steps (LP_FUSED) are fused
 * multiply-adds, as the interpreter's fmaf/fma. */
#include "llvm_internal.h"
#include "../../big_alloc.h"
#include "../../threadpool.h"
#include "../../ir/exp_f32.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

struct be_kernel {
    int32_t (*fn)(void *const *args, void *workspace, void *rt);
    llvm_state *state;              /* holds a reference */
    LLVMOrcResourceTrackerRef rt;   /* the kernel's code */
    /* What the "llvm" and "asm" texts are made again from (see kernel_text):
     * the program (kept alive by the caller until destroy, backend.h) and
     * every input of code generation that is not in it. */
    const lp_program *p;
    bool fast;
    int64_t nt_min_bytes;           /* non-temporal threshold the compile used */
    char *cpu, *features;           /* target machine key */
    int opt_level;
    char name[32];
};

/* ======================================================================= */
/* Code generation state                                                    */
/* ======================================================================= */

typedef struct cg {
    const lp_program *p;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn;      /* the body function */
    LLVMValueRef *bufptr; /* [nbufs] base pointer of each buffer */
    LLVMValueRef *var;    /* [nvars] current value of each loop variable */
    /* Per-node memo, valid while the node's statement is being generated
     * (memo_gen == gen) and the lazy-select arm it was made in is still open
     * (scope_open[memo_scope]): such a value dominates the insertion point.
     * It keeps shared subexpressions linear instead of exponential. */
    LLVMValueRef *memo;
    uint32_t *memo_gen, *memo_scope;
    uint32_t gen;
    uint8_t *scope_open;
    uint32_t nscopes, cap_scopes, scope;
    bool fast; /* fast-math flags on every float operation */
    bool avx2, avx512; /* target features: which libmvec variants may be called */
    bool fmuladd; /* contraction steps as llvm.fmuladd (see gen_fma) */
    LLVMValueRef used[32]; /* vector variants declared (kept in llvm.compiler.used) */
    unsigned nused;
    LLVMValueRef rt;      /* the body's thread-pool parameter */
    const llvm_tm *tm;    /* for function attributes */
    const char *name;     /* the kernel's symbol (outlined loops add a suffix) */
    uint32_t nparallel;   /* parallel loops outlined so far */
    bool in_parallel;     /* generating an outlined loop body */
    /* Non-temporal stores (see that section): arg buffers of at least this
     * many bytes are candidates (0: never). While the aligned copy of a loop
     * is generated, store nt_store addresses nt_base + (var - nt_first). */
    int64_t nt_min_bytes;
    uint8_t *nt_read;     /* [nbufs] buffers the program loads from */
    lp_id nt_store;
    uint32_t nt_var;
    LLVMValueRef nt_base, nt_first;
    LLVMTypeRef t_i1, t_i8, t_i16, t_i32, t_i64, t_f16, t_f32, t_f64, t_ptr;
    /* PART_WHOLE: the whole program in one module; PART_CALLER: the body
     * calls NAME.partK, defined in other modules; K >= 0: this module only
     * defines NAME.partK (see "big programs") */
    int64_t part;
    const uint32_t *part_start; /* a big program's parts (split_parts) */
    uint32_t nparts;
    tvm_status st; /* first failure */
} cg;

#define PART_WHOLE (-1)
#define PART_CALLER (-2)

static LLVMValueRef fail(cg *g, tvm_status s, const char *fmt, ...) TVMC_PRINTF(3, 4);
static LLVMValueRef fail(cg *g, tvm_status s, const char *fmt, ...) {
    if (g->st == TVM_OK) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        g->st = err_set(s, "llvm codegen: %s", msg);
    }
    return NULL;
}
#define BAD_NODE(g, what, id) fail((g), TVM_ERR_INTERNAL, "%s (node %u)", (what), (unsigned)(id))

static LLVMTypeRef ty_compute(cg *g, int dt) {
    switch (dt) {
    case TVM_BOOL: return g->t_i1;
    case TVM_INT8: case TVM_UINT8: return g->t_i8;
    case TVM_INT16: return g->t_i16;
    case TVM_INT32: return g->t_i32;
    case TVM_INT64: return g->t_i64;
    case TVM_FLOAT32: return g->t_f32;
    case TVM_FLOAT64: return g->t_f64;
    default: return NULL; /* float16/bfloat16 are storage only */
    }
}

static LLVMTypeRef ty_mem(cg *g, int dt) {
    switch (dt) {
    case TVM_BOOL: return g->t_i8;
    case TVM_FLOAT16: return g->t_f16;
    case TVM_BFLOAT16: return g->t_i16;
    default: return ty_compute(g, dt);
    }
}

static bool is_fdt(int dt) { return dt == TVM_FLOAT32 || dt == TVM_FLOAT64; }
static bool is_udt(int dt) { return dt == TVM_UINT8 || dt == TVM_BOOL; }

/* Marks a floating-point instruction with the program's fast-math flags
 * plus `extra`. Constant-folded results are not instructions. */
static LLVMValueRef fpf(cg *g, LLVMValueRef v, LLVMFastMathFlags extra) {
    LLVMFastMathFlags f = (g->fast ? LLVMFastMathAll : 0) | extra;
    if (f && v && LLVMIsAInstruction(v) && LLVMCanValueUseFastMathFlags(v))
        LLVMSetFastMathFlags(v, f);
    return v;
}
static LLVMValueRef fp(cg *g, LLVMValueRef v) { return fpf(g, v, 0); }

static LLVMValueRef ci(LLVMTypeRef t, int64_t v) {
    return LLVMConstInt(t, (unsigned long long)v, 1);
}

static LLVMValueRef call_intrinsic(cg *g, const char *name, LLVMTypeRef *tys, unsigned ntys,
                                   LLVMValueRef *args, unsigned nargs) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (!id) return fail(g, TVM_ERR_INTERNAL, "unknown intrinsic %s", name);
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->mod, id, tys, ntys);
    LLVMTypeRef ft = LLVMIntrinsicGetType(g->ctx, id, tys, ntys);
    return LLVMBuildCall2(g->b, ft, f, args, nargs, "");
}
static LLVMValueRef intr1(cg *g, const char *name, LLVMValueRef a) {
    LLVMTypeRef t = LLVMTypeOf(a);
    return fp(g, call_intrinsic(g, name, &t, 1, &a, 1));
}
static LLVMValueRef intr2(cg *g, const char *name, LLVMValueRef a, LLVMValueRef b) {
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return fp(g, call_intrinsic(g, name, &t, 1, args, 2));
}

/* A contraction step (loop.h, LP_FUSED): x * y + acc, rounded once. Where
 * the target has FMA and instruction selection runs (opt_level >= 2: never
 * FastISel), llvm.fmuladd is always selected as the fused instruction, and
 * LLVM's vectoriser treats a reduction of it like one of fadd (it does not
 * for llvm.fma); elsewhere llvm.fma, a library call if need be. */
static LLVMValueRef gen_fma(cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef acc,
                            LLVMFastMathFlags extra) {
    LLVMTypeRef t = LLVMTypeOf(x);
    LLVMValueRef args[3] = {x, y, acc};
    return fpf(g, call_intrinsic(g, g->fmuladd ? "llvm.fmuladd" : "llvm.fma", &t, 1, args, 3),
               extra);
}

/* An arithmetic fence around a widened float16 value: the value as is, but
 * opaque to algebraic rewrites. Other values pass through (a fence would
 * also stop vectorisation). */
static LLVMValueRef fence(cg *g, LLVMValueRef a) {
    if (!LLVMIsAInstruction(a) || LLVMGetInstructionOpcode(a) != LLVMFPExt ||
        LLVMTypeOf(LLVMGetOperand(a, 0)) != g->t_f16)
        return a;
    return intr1(g, "llvm.arithmetic.fence", a);
}

/* A libm function with no intrinsic (erff / erf). It does not touch memory
 * or errno, which lets LLVM hoist and CSE it like an intrinsic. */
/* Vector variants of libm functions in glibc's libmvec (loaded by
 * llvm_jit.c) that LLVM 19's own libmvec table lacks. A call site naming
 * them (the vector-function ABI attribute) lets the loop vectorizer call
 * 8 or 16 lanes at a time instead of the scalar function per element. */
typedef struct mvec_variant {
    const char *scalar;
    const char *avx2;   /* 256-bit: 8 floats / 4 doubles */
    const char *avx512; /* 512-bit: 16 floats / 8 doubles */
    unsigned lanes;     /* lanes of the 256-bit variant */
} mvec_variant;

static const mvec_variant mvec_variants[] = {
    {"erff", "_ZGVdN8v_erff", "_ZGVeN16v_erff", 8},
    {"tanhf", "_ZGVdN8v_tanhf", "_ZGVeN16v_tanhf", 8},
    {"erf", "_ZGVdN4v_erf", "_ZGVeN8v_erf", 4},
    {"tanh", "_ZGVdN4v_tanh", "_ZGVeN8v_tanh", 4},
};

static void add_libm_attrs(cg *g, LLVMValueRef f) {
    const char *attrs[] = {"nounwind", "willreturn", "nosync", "nofree"};
    for (size_t i = 0; i < ARRAY_LEN(attrs); i++)
        LLVMAddAttributeAtIndex(
            f, LLVMAttributeFunctionIndex,
            LLVMCreateEnumAttribute(
                g->ctx, LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i])), 0));
    /* memory(none): the memory-effects encoding 0 is "no access" */
    LLVMAddAttributeAtIndex(
        f, LLVMAttributeFunctionIndex,
        LLVMCreateEnumAttribute(g->ctx, LLVMGetEnumAttributeKindForName("memory", 6), 0));
}

/* Declares vector variant `name` taking and returning `lanes` x t. */
static void declare_variant(cg *g, const char *name, LLVMTypeRef t, unsigned lanes) {
    if (LLVMGetNamedFunction(g->mod, name) || g->nused >= ARRAY_LEN(g->used)) return;
    LLVMTypeRef vt = LLVMVectorType(t, lanes);
    LLVMValueRef f = LLVMAddFunction(g->mod, name, LLVMFunctionType(vt, &vt, 1, 0));
    add_libm_attrs(g, f);
    g->used[g->nused++] = f;
}

/* A loop the loop IR marks vectorized with a constant extent up to 64 is
 * vectorised at that width (loop_metadata), wider than any libmvec
 * variant; with no variant of that width the vectoriser would call the
 * scalar function once per lane. So for the widths above the widest real
 * variant (up to 64 lanes) the module defines NAME_vW, which splits its
 * argument into pieces of the real variant's width and calls it on each. */
#define MAX_VECTOR_WIDTH 64

static void define_split_variant(cg *g, const char *name, const char *base, LLVMTypeRef t,
                                 unsigned base_lanes, unsigned lanes) {
    if (LLVMGetNamedFunction(g->mod, name) || g->nused >= ARRAY_LEN(g->used)) return;
    LLVMValueRef bf = LLVMGetNamedFunction(g->mod, base);
    if (!bf) return;
    LLVMTypeRef vt = LLVMVectorType(t, lanes), bt = LLVMVectorType(t, base_lanes);
    LLVMTypeRef bft = LLVMFunctionType(bt, &bt, 1, 0);
    LLVMValueRef f = LLVMAddFunction(g->mod, name, LLVMFunctionType(vt, &vt, 1, 0));
    LLVMSetLinkage(f, LLVMInternalLinkage);
    add_libm_attrs(g, f);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(g->ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(g->ctx, f, "entry"));
    LLVMValueRef x = LLVMGetParam(f, 0), parts[MAX_VECTOR_WIDTH];
    LLVMValueRef mask[MAX_VECTOR_WIDTH];
    unsigned np = lanes / base_lanes;
    for (unsigned k = 0; k < np; k++) {
        for (unsigned i = 0; i < base_lanes; i++) mask[i] = ci(g->t_i32, k * base_lanes + i);
        LLVMValueRef piece = LLVMBuildShuffleVector(b, x, LLVMGetPoison(vt),
                                                    LLVMConstVector(mask, base_lanes), "");
        parts[k] = LLVMBuildCall2(b, bft, bf, &piece, 1, "");
    }
    /* concatenate pairwise until one vector of `lanes` remains */
    for (unsigned w = base_lanes; np > 1; w *= 2, np /= 2) {
        for (unsigned i = 0; i < 2 * w; i++) mask[i] = ci(g->t_i32, i);
        for (unsigned k = 0; k < np / 2; k++)
            parts[k] = LLVMBuildShuffleVector(b, parts[2 * k], parts[2 * k + 1],
                                              LLVMConstVector(mask, 2 * w), "");
    }
    LLVMBuildRet(b, parts[0]);
    LLVMDisposeBuilder(b);
    g->used[g->nused++] = f;
}

static LLVMValueRef call_libm(cg *g, const char *name, LLVMValueRef a) {
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMTypeRef ft = LLVMFunctionType(t, &t, 1, 0);
    LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
    if (!f) {
        f = LLVMAddFunction(g->mod, name, ft);
        add_libm_attrs(g, f);
    }
    LLVMValueRef call = LLVMBuildCall2(g->b, ft, f, &a, 1, "");
    for (size_t i = 0; i < ARRAY_LEN(mvec_variants) && g->avx2; i++) {
        const mvec_variant *v = &mvec_variants[i];
        if (strcmp(v->scalar, name) != 0) continue;
        char list[512];
        int n = snprintf(list, sizeof list, "_ZGV_LLVM_N%uv_%s(%s)", v->lanes, name, v->avx2);
        declare_variant(g, v->avx2, t, v->lanes);
        const char *widest = v->avx2;
        unsigned wl = v->lanes;
        if (g->avx512) {
            n += snprintf(list + n, sizeof list - (size_t)n, ",_ZGV_LLVM_N%uv_%s(%s)",
                          2 * v->lanes, name, v->avx512);
            declare_variant(g, v->avx512, t, 2 * v->lanes);
            widest = v->avx512;
            wl = 2 * v->lanes;
        }
        for (unsigned w = 2 * wl; w <= MAX_VECTOR_WIDTH; w *= 2) {
            char split[64];
            snprintf(split, sizeof split, "tvmc_%s_v%u", name, w);
            define_split_variant(g, split, widest, t, wl, w);
            if (!LLVMGetNamedFunction(g->mod, split)) break; /* out of slots */
            n += snprintf(list + n, sizeof list - (size_t)n, ",_ZGV_LLVM_N%uv_%s(%s)", w, name,
                          split);
        }
        LLVMAddCallSiteAttribute(
            call, LLVMAttributeFunctionIndex,
            LLVMCreateStringAttribute(g->ctx, "vector-function-abi-variant", 27, list,
                                      (unsigned)n));
    }
    return fp(g, call);
}

/* float32 exp inline, the operations of ir_exp_f32 (exp_f32.h) in the same
 * order, so the interpreter gives the same bits; straight-line code the
 * loop vectoriser widens to the full SIMD width (no library call). No
 * fast-math flags, even under fast math: reassociation would undo the
 * rounding trick that finds n. */
static LLVMValueRef gen_exp_f32(cg *g, LLVMValueRef x) {
    LLVMBuilderRef b = g->b;
    LLVMTypeRef f = g->t_f32, i32 = g->t_i32;
#define F(v) LLVMConstReal(f, (double)(v))
    LLVMValueRef lo = F(EXPF_LO), hi = F(EXPF_HI), magic = F(EXPF_MAGIC);
    LLVMValueRef xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, x, lo, ""), lo, x, "");
    xc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, xc, hi, ""), hi, xc, "");
    LLVMTypeRef ft = f;
    LLVMValueRef a3[3] = {xc, F(EXPF_LOG2E), magic};
    LLVMValueRef t = call_intrinsic(g, "llvm.fma", &ft, 1, a3, 3);
    LLVMValueRef n = LLVMBuildFSub(b, t, magic, "");
    LLVMValueRef ni = LLVMBuildSub(b, LLVMBuildBitCast(b, t, i32, ""),
                                   LLVMBuildBitCast(b, magic, i32, ""), "");
    LLVMValueRef r = call_intrinsic(g, "llvm.fma", &ft, 1,
                                    (LLVMValueRef[]){n, F(EXPF_NLN2_HI), xc}, 3);
    r = call_intrinsic(g, "llvm.fma", &ft, 1, (LLVMValueRef[]){n, F(EXPF_NLN2_LO), r}, 3);
    LLVMValueRef p = F(expf_coef[EXPF_NCOEF - 1]);
    for (int i = EXPF_NCOEF - 2; i >= 0; i--)
        p = call_intrinsic(g, "llvm.fma", &ft, 1, (LLVMValueRef[]){p, r, F(expf_coef[i])}, 3);
    p = call_intrinsic(g, "llvm.fma", &ft, 1, (LLVMValueRef[]){p, r, F(1.0f)}, 3);
    LLVMValueRef n1 = LLVMBuildAShr(b, ni, ci(i32, 1), ""); /* floor(n / 2) */
    LLVMValueRef n2 = LLVMBuildSub(b, ni, n1, "");
    LLVMValueRef s1 = LLVMBuildBitCast(
        b, LLVMBuildShl(b, LLVMBuildAdd(b, n1, ci(i32, 127), ""), ci(i32, 23), ""), f, "");
    LLVMValueRef s2 = LLVMBuildBitCast(
        b, LLVMBuildShl(b, LLVMBuildAdd(b, n2, ci(i32, 127), ""), ci(i32, 23), ""), f, "");
    return LLVMBuildFMul(b, LLVMBuildFMul(b, p, s1, ""), s2, "");
#undef F
}

/* exp: our own for float32, llvm.exp (libmvec when vectorised) otherwise */
static LLVMValueRef gen_exp(cg *g, LLVMValueRef a) {
    if (LLVMTypeOf(a) == g->t_f32) return gen_exp_f32(g, a);
    return intr1(g, "llvm.exp", a);
}

/* Keeps the declared vector variants alive until the loop vectorizer has
 * had its chance to call them (global DCE would drop unused declarations). */
static void keep_variants(cg *g) {
    if (!g->nused) return;
    LLVMTypeRef at = LLVMArrayType(g->t_ptr, g->nused);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, at, "llvm.compiler.used");
    LLVMSetLinkage(gv, LLVMAppendingLinkage);
    LLVMSetSection(gv, "llvm.metadata");
    LLVMSetInitializer(gv, LLVMConstArray(g->t_ptr, g->used, g->nused));
}

/* ---- float16 / bfloat16 storage ------------------------------------------ */

/* float32 -> bfloat16 bits, round to nearest even; NaN -> (x >> 16) | 0x40.
 * Exactly f32_to_bf16_bits in common.c. */
static LLVMValueRef ir_f32_to_bf16(cg *g, LLVMValueRef f) {
    LLVMBuilderRef b = g->b;
    LLVMTypeRef i32 = g->t_i32;
    LLVMValueRef x = LLVMBuildBitCast(b, f, i32, "");
    LLVMValueRef absx = LLVMBuildAnd(b, x, ci(i32, 0x7fffffff), "");
    LLVMValueRef isnan = LLVMBuildICmp(b, LLVMIntUGT, absx, ci(i32, 0x7f800000), "");
    LLVMValueRef hi = LLVMBuildLShr(b, x, ci(i32, 16), "");
    LLVMValueRef nanv = LLVMBuildOr(b, hi, ci(i32, 0x40), "");
    LLVMValueRef lsb = LLVMBuildAnd(b, hi, ci(i32, 1), "");
    LLVMValueRef r = LLVMBuildAdd(b, LLVMBuildAdd(b, x, ci(i32, 0x7fff), ""), lsb, "");
    LLVMValueRef rv = LLVMBuildLShr(b, r, ci(i32, 16), "");
    LLVMValueRef sel = LLVMBuildSelect(b, isnan, nanv, rv, "");
    return LLVMBuildTrunc(b, sel, g->t_i16, "");
}

static LLVMValueRef ir_bf16_to_f32(cg *g, LLVMValueRef h) {
    LLVMValueRef x = LLVMBuildZExt(g->b, h, g->t_i32, "");
    x = LLVMBuildShl(g->b, x, ci(g->t_i32, 16), "");
    return LLVMBuildBitCast(g->b, x, g->t_f32, "");
}

/* Converts a loaded memory value of storage dtype dt to its compute value. */
static LLVMValueRef from_mem(cg *g, int dt, LLVMValueRef v) {
    switch (dt) {
    case TVM_BOOL: return LLVMBuildICmp(g->b, LLVMIntNE, v, ci(g->t_i8, 0), "");
    case TVM_FLOAT16: return fp(g, LLVMBuildFPExt(g->b, v, g->t_f32, ""));
    case TVM_BFLOAT16: return ir_bf16_to_f32(g, v);
    default: return v;
    }
}

/* Converts a compute value to the memory representation of storage dtype dt. */
static LLVMValueRef to_mem(cg *g, int dt, LLVMValueRef v) {
    switch (dt) {
    case TVM_BOOL: return LLVMBuildZExt(g->b, v, g->t_i8, "");
    case TVM_FLOAT16: return fp(g, LLVMBuildFPTrunc(g->b, v, g->t_f16, ""));
    case TVM_BFLOAT16: return ir_f32_to_bf16(g, v);
    default: return v;
    }
}

/* ======================================================================= */
/* Expressions                                                              */
/* ======================================================================= */

static LLVMValueRef gen_expr(cg *g, lp_id e);

static bool push_scope(cg *g, uint32_t *saved) {
    if (!VEC_PUSH_OK(g->scope_open, g->nscopes, g->cap_scopes, UINT32_MAX)) {
        fail(g, TVM_ERR_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    *saved = g->scope;
    g->scope = g->nscopes;
    g->scope_open[g->nscopes++] = 1;
    return true;
}

static void pop_scope(cg *g, uint32_t saved) {
    g->scope_open[g->scope] = 0;
    g->scope = saved;
}

/* Integer division family (ops.h): a zero divisor gives 0, MIN / -1 wraps to
 * MIN and MIN % -1 is 0. The hardware divide only ever sees a divisor that
 * is neither 0 nor -1, so it cannot trap. */
static LLVMValueRef gen_int_div(cg *g, int op, bool is_unsigned, LLVMValueRef a,
                                LLVMValueRef d) {
    LLVMBuilderRef b = g->b;
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef zero = LLVMConstNull(t), one = LLVMConstInt(t, 1, 0);
    LLVMValueRef dz = LLVMBuildICmp(b, LLVMIntEQ, d, zero, "");
    if (is_unsigned) { /* floor and truncation agree */
        LLVMValueRef safe = LLVMBuildSelect(b, dz, one, d, "");
        if (op == IR_DIV || op == IR_FLOORDIV)
            return LLVMBuildSelect(b, dz, zero, LLVMBuildUDiv(b, a, safe, ""), "");
        return LLVMBuildURem(b, a, safe, ""); /* x % 1 == 0 covers d == 0 */
    }
    LLVMValueRef dm1 = LLVMBuildICmp(b, LLVMIntEQ, d, LLVMConstAllOnes(t), "");
    LLVMValueRef safe = LLVMBuildSelect(b, LLVMBuildOr(b, dz, dm1, ""), one, d, "");
    LLVMValueRef q = LLVMBuildSDiv(b, a, safe, "");
    LLVMValueRef r = LLVMBuildSRem(b, a, safe, ""); /* 0 when d is 0 or -1 */
    if (op == IR_MOD) return r;
    /* floor adjustment: remainder nonzero with the sign opposite to d's */
    LLVMValueRef adj =
        LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntNE, r, zero, ""),
                     LLVMBuildICmp(b, LLVMIntSLT, LLVMBuildXor(b, r, d, ""), zero, ""), "");
    if (op == IR_FLOORMOD) return LLVMBuildSelect(b, adj, LLVMBuildAdd(b, r, d, ""), r, "");
    if (op == IR_FLOORDIV) q = LLVMBuildSub(b, q, LLVMBuildZExt(b, adj, t, ""), "");
    LLVMValueRef neg = LLVMBuildSub(b, zero, a, ""); /* a / -1, wrapping */
    return LLVMBuildSelect(b, dz, zero, LLVMBuildSelect(b, dm1, neg, q, ""), "");
}

static LLVMValueRef gen_binary_op(cg *g, int op, int dt, LLVMValueRef a, LLVMValueRef c,
                                  lp_id id) {
    LLVMBuilderRef b = g->b;
    if (is_fdt(dt)) {
        switch (op) {
        case IR_ADD: return fp(g, LLVMBuildFAdd(b, a, c, ""));
        case IR_SUB: return fp(g, LLVMBuildFSub(b, a, c, ""));
        case IR_MUL: return fp(g, LLVMBuildFMul(b, a, c, ""));
        case IR_DIV: return fp(g, LLVMBuildFDiv(b, a, c, ""));
        case IR_MOD: return fp(g, LLVMBuildFRem(b, a, c, "")); /* C fmod */
        case IR_FLOORDIV:
            return intr1(g, "llvm.floor", fp(g, LLVMBuildFDiv(b, a, c, "")));
        case IR_FLOORMOD: { /* a - floor(a / b) * b, no contraction */
            LLVMValueRef fl = intr1(g, "llvm.floor", fp(g, LLVMBuildFDiv(b, a, c, "")));
            return fp(g, LLVMBuildFSub(b, a, fp(g, LLVMBuildFMul(b, fl, c, "")), ""));
        }
        /* NaN-propagating. The fences stop instcombine from narrowing
         * min(fpext(half), fpext(half)) to llvm.minimum.f16, whose vector
         * lowering in LLVM 19 (x86 without AVX512-FP16) drops NaNs. */
        case IR_MIN: return intr2(g, "llvm.minimum", fence(g, a), fence(g, c));
        case IR_MAX: return intr2(g, "llvm.maximum", fence(g, a), fence(g, c));
        case IR_POW: return intr2(g, "llvm.pow", a, c); /* powf / pow */
        case IR_LT: return fp(g, LLVMBuildFCmp(b, LLVMRealOLT, a, c, ""));
        case IR_LE: return fp(g, LLVMBuildFCmp(b, LLVMRealOLE, a, c, ""));
        case IR_GT: return fp(g, LLVMBuildFCmp(b, LLVMRealOGT, a, c, ""));
        case IR_GE: return fp(g, LLVMBuildFCmp(b, LLVMRealOGE, a, c, ""));
        case IR_EQ: return fp(g, LLVMBuildFCmp(b, LLVMRealOEQ, a, c, ""));
        case IR_NE: return fp(g, LLVMBuildFCmp(b, LLVMRealUNE, a, c, ""));
        default: return BAD_NODE(g, "operator not defined on floats", id);
        }
    }
    bool u = is_udt(dt);
    switch (op) {
    case IR_ADD: return LLVMBuildAdd(b, a, c, "");
    case IR_SUB: return LLVMBuildSub(b, a, c, "");
    case IR_MUL: return LLVMBuildMul(b, a, c, "");
    case IR_DIV: case IR_MOD: case IR_FLOORDIV: case IR_FLOORMOD:
        return gen_int_div(g, op, u, a, c);
    case IR_MIN: return intr2(g, u ? "llvm.umin" : "llvm.smin", a, c);
    case IR_MAX: return intr2(g, u ? "llvm.umax" : "llvm.smax", a, c);
    case IR_LT: return LLVMBuildICmp(b, u ? LLVMIntULT : LLVMIntSLT, a, c, "");
    case IR_LE: return LLVMBuildICmp(b, u ? LLVMIntULE : LLVMIntSLE, a, c, "");
    case IR_GT: return LLVMBuildICmp(b, u ? LLVMIntUGT : LLVMIntSGT, a, c, "");
    case IR_GE: return LLVMBuildICmp(b, u ? LLVMIntUGE : LLVMIntSGE, a, c, "");
    case IR_EQ: return LLVMBuildICmp(b, LLVMIntEQ, a, c, "");
    case IR_NE: return LLVMBuildICmp(b, LLVMIntNE, a, c, "");
    case IR_AND: return LLVMBuildAnd(b, a, c, "");
    case IR_OR: return LLVMBuildOr(b, a, c, "");
    default: return BAD_NODE(g, "operator not defined on integers", id);
    }
}

static LLVMValueRef gen_unary_op(cg *g, int op, int dt, LLVMValueRef a, lp_id id) {
    LLVMBuilderRef b = g->b;
    if (is_fdt(dt)) {
        LLVMTypeRef t = LLVMTypeOf(a);
        switch (op) {
        case IR_NEG: return fp(g, LLVMBuildFNeg(b, a, ""));
        case IR_EXP: return gen_exp(g, a);
        case IR_LOG: return intr1(g, "llvm.log", a);
        case IR_SQRT: return intr1(g, "llvm.sqrt", a);
        case IR_RSQRT: /* an exact division, never an rsqrt estimate */
            return fp(g, LLVMBuildFDiv(b, LLVMConstReal(t, 1.0), intr1(g, "llvm.sqrt", a), ""));
        case IR_TANH: return call_libm(g, dt == TVM_FLOAT32 ? "tanhf" : "tanh", a);
        case IR_SIGMOID: { /* 1 / (1 + exp(-x)) */
            LLVMValueRef ex = gen_exp(g, fp(g, LLVMBuildFNeg(b, a, "")));
            LLVMValueRef den = fp(g, LLVMBuildFAdd(b, LLVMConstReal(t, 1.0), ex, ""));
            return fp(g, LLVMBuildFDiv(b, LLVMConstReal(t, 1.0), den, ""));
        }
        case IR_ERF: return call_libm(g, dt == TVM_FLOAT32 ? "erff" : "erf", a);
        case IR_ABS: return intr1(g, "llvm.fabs", a);
        case IR_FLOOR: return intr1(g, "llvm.floor", a);
        case IR_CEIL: return intr1(g, "llvm.ceil", a);
        case IR_ROUND_F16:
            return fp(g, LLVMBuildFPExt(b, fp(g, LLVMBuildFPTrunc(b, a, g->t_f16, "")), t, ""));
        case IR_ROUND_BF16: {
            if (dt != TVM_FLOAT32) a = fp(g, LLVMBuildFPTrunc(b, a, g->t_f32, ""));
            LLVMValueRef r = ir_bf16_to_f32(g, ir_f32_to_bf16(g, a));
            return dt == TVM_FLOAT32 ? r : fp(g, LLVMBuildFPExt(b, r, t, ""));
        }
        default: return BAD_NODE(g, "unary operator not defined on floats", id);
        }
    }
    switch (op) {
    case IR_NEG: return LLVMBuildSub(b, LLVMConstNull(LLVMTypeOf(a)), a, "");
    case IR_NOT: return LLVMBuildNot(b, a, "");
    case IR_ABS: /* wraps: abs(MIN) == MIN */
        if (is_udt(dt)) return a;
        return call_intrinsic(g, "llvm.abs", (LLVMTypeRef[]){LLVMTypeOf(a)}, 1,
                              (LLVMValueRef[]){a, LLVMConstInt(g->t_i1, 0, 0)}, 2);
    default: return BAD_NODE(g, "unary operator not defined on integers", id);
    }
}

/* Casts (tvmc.h): float -> int saturates with NaN -> 0; anything -> bool is
 * x != 0 (NaN -> true); int -> int wraps; bool -> number is 0 or 1. */
static LLVMValueRef gen_cast(cg *g, int to, int from, LLVMValueRef v, lp_id id) {
    LLVMBuilderRef b = g->b;
    LLVMTypeRef tt = ty_compute(g, to);
    if (!tt || !ty_compute(g, from)) return BAD_NODE(g, "cast between non-compute dtypes", id);
    if (to == from) return v;
    if (is_fdt(from) && is_fdt(to))
        return fp(g, to == TVM_FLOAT64 ? LLVMBuildFPExt(b, v, tt, "")
                                       : LLVMBuildFPTrunc(b, v, tt, ""));
    if (is_fdt(from)) {
        if (to == TVM_BOOL)
            return fp(g, LLVMBuildFCmp(b, LLVMRealUNE, v, LLVMConstReal(LLVMTypeOf(v), 0.0), ""));
        LLVMTypeRef tys[2] = {tt, LLVMTypeOf(v)};
        return call_intrinsic(g, to == TVM_UINT8 ? "llvm.fptoui.sat" : "llvm.fptosi.sat", tys,
                              2, &v, 1);
    }
    if (is_fdt(to))
        return fp(g, is_udt(from) ? LLVMBuildUIToFP(b, v, tt, "") : LLVMBuildSIToFP(b, v, tt, ""));
    if (to == TVM_BOOL) return LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
    unsigned fb = LLVMGetIntTypeWidth(LLVMTypeOf(v)), tb = LLVMGetIntTypeWidth(tt);
    if (tb < fb) return LLVMBuildTrunc(b, v, tt, "");
    if (tb > fb) return is_udt(from) ? LLVMBuildZExt(b, v, tt, "") : LLVMBuildSExt(b, v, tt, "");
    return v; /* int8 <-> uint8: same bits */
}

static LLVMValueRef gen_const(cg *g, const lp_node *n, lp_id id) {
    LLVMTypeRef t = ty_compute(g, n->dtype);
    if (!t) return BAD_NODE(g, "constant of a storage-only dtype", id);
    if (is_fdt(n->dtype)) return LLVMConstReal(t, n->imm.f);
    if (n->dtype == TVM_BOOL) return LLVMConstInt(t, n->imm.i != 0, 0);
    unsigned bits = LLVMGetIntTypeWidth(t);
    uint64_t v = (uint64_t)n->imm.i;
    if (bits < 64) v &= (1ull << bits) - 1; /* the value wrapped to the dtype */
    return LLVMConstInt(t, v, 0);
}

/* Address of element `idx` of buffer `buf` (flat element offset). */
static LLVMValueRef elem_ptr(cg *g, uint32_t buf, lp_id idx_node, lp_id id) {
    const lp_program *p = g->p;
    if (buf == 0 || buf >= p->nbufs || !g->bufptr[buf]) return BAD_NODE(g, "bad buffer", id);
    LLVMValueRef idx = gen_expr(g, idx_node);
    if (!idx) return NULL;
    if (LLVMTypeOf(idx) != g->t_i64) return BAD_NODE(g, "index is not int64", id);
    return LLVMBuildInBoundsGEP2(g->b, ty_mem(g, p->bufs[buf].dtype), g->bufptr[buf], &idx, 1,
                                 "");
}

static LLVMValueRef load_elem(cg *g, uint32_t buf, LLVMValueRef ptr) {
    int dt = g->p->bufs[buf].dtype;
    LLVMValueRef v = LLVMBuildLoad2(g->b, ty_mem(g, dt), ptr, "");
    LLVMSetAlignment(v, (unsigned)dtype_bytes(dt));
    return from_mem(g, dt, v);
}

static void store_elem(cg *g, uint32_t buf, LLVMValueRef ptr, LLVMValueRef v) {
    int dt = g->p->bufs[buf].dtype;
    LLVMValueRef s = LLVMBuildStore(g->b, to_mem(g, dt, v), ptr);
    LLVMSetAlignment(s, (unsigned)dtype_bytes(dt));
}

static LLVMValueRef gen_load(cg *g, const lp_node *n, lp_id id) {
    if (n->nlist != 1) return BAD_NODE(g, "load of a program that is not flat", id);
    if (n->flags & LP_CHECKED) { /* out of bounds: return the check id at once */
        LLVMValueRef ok = gen_expr(g, n->b);
        if (!ok) return NULL;
        if (LLVMTypeOf(ok) != g->t_i1) return BAD_NODE(g, "check is not bool", id);
        LLVMBasicBlockRef okb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "check.ok");
        LLVMBasicBlockRef fb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "check.fail");
        LLVMBuildCondBr(g->b, ok, okb, fb);
        LLVMPositionBuilderAtEnd(g->b, fb);
        LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, n->c, 0));
        LLVMPositionBuilderAtEnd(g->b, okb);
    }
    LLVMValueRef ptr = elem_ptr(g, n->a, lp_list(g->p, n->list)[0], id);
    return ptr ? load_elem(g, n->a, ptr) : NULL;
}

static LLVMValueRef gen_select(cg *g, const lp_node *n, lp_id id) {
    LLVMValueRef c = gen_expr(g, n->a);
    if (!c) return NULL;
    if (!(n->flags & LP_LAZY)) {
        LLVMValueRef t = gen_expr(g, n->b), f = t ? gen_expr(g, n->c) : NULL;
        if (!f) return NULL;
        return fp(g, LLVMBuildSelect(g->b, c, t, f, ""));
    }
    /* only the chosen side runs: branches and a phi */
    LLVMBasicBlockRef tb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.then");
    LLVMBasicBlockRef fb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.else");
    LLVMBasicBlockRef mb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.end");
    LLVMBuildCondBr(g->b, c, tb, fb);
    LLVMValueRef vals[2];
    LLVMBasicBlockRef ends[2];
    LLVMBasicBlockRef starts[2] = {tb, fb};
    lp_id arms[2] = {n->b, n->c};
    for (int i = 0; i < 2; i++) {
        uint32_t saved;
        LLVMPositionBuilderAtEnd(g->b, starts[i]);
        if (!push_scope(g, &saved)) return NULL;
        vals[i] = gen_expr(g, arms[i]);
        pop_scope(g, saved);
        if (!vals[i]) return NULL;
        ends[i] = LLVMGetInsertBlock(g->b);
        LLVMBuildBr(g->b, mb);
    }
    LLVMPositionBuilderAtEnd(g->b, mb);
    if (LLVMTypeOf(vals[0]) != LLVMTypeOf(vals[1])) return BAD_NODE(g, "select arms differ", id);
    LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(vals[0]), "");
    LLVMAddIncoming(phi, vals, ends, 2);
    return phi;
}

static void call_attr(cg *g, LLVMValueRef call, LLVMAttributeIndex idx, const char *name) {
    LLVMAddCallSiteAttribute(
        call, idx,
        LLVMCreateEnumAttribute(g->ctx, LLVMGetEnumAttributeKindForName(name, strlen(name)), 0));
}

/* A host function (tvm_call_extern), called through its address with the C
 * ABI as clang emits it: int8/int16 arguments `signext`, uint8 `zeroext`,
 * bool as `i1 zeroext` (the callee may rely on the caller widening them).
 * Results are read in their own width (no extension is assumed of the
 * callee); a bool result is taken as its byte != 0. tvmc.h makes the
 * function pure, so the call is memory(none), nounwind and willreturn: LLVM
 * may CSE it or hoist it out of loops. It is not speculatable, so LLVM never
 * calls it on a path the program does not take (a lazy select's other arm). */
static LLVMValueRef gen_call(cg *g, const lp_node *n, lp_id id) {
    const lp_program *p = g->p;
    if (n->a == 0 || n->a >= p->ncallees || !p->callees[n->a].fn)
        return BAD_NODE(g, "call of a bad callee", id);
    if (n->nlist > LP_CALL_MAX_ARGS) return BAD_NODE(g, "call with too many arguments", id);
    LLVMValueRef args[LP_CALL_MAX_ARGS];
    LLVMTypeRef tys[LP_CALL_MAX_ARGS];
    const uint32_t *l = lp_list(p, n->list);
    for (uint32_t k = 0; k < n->nlist; k++) {
        args[k] = gen_expr(g, l[k]);
        if (!args[k]) return NULL;
        tys[k] = LLVMTypeOf(args[k]);
    }
    LLVMTypeRef rt = n->dtype == TVM_BOOL ? g->t_i8 : ty_compute(g, n->dtype);
    if (!rt) return BAD_NODE(g, "call returning a storage-only dtype", id);
    LLVMTypeRef ft = LLVMFunctionType(rt, tys, n->nlist, 0);
    uintptr_t addr = (uintptr_t)p->callees[n->a].fn;
    LLVMValueRef callee = LLVMConstIntToPtr(LLVMConstInt(g->t_i64, (unsigned long long)addr, 0),
                                            g->t_ptr);
    const char *nm = p->callees[n->a].name ? p->callees[n->a].name : "";
    LLVMValueRef call = LLVMBuildCall2(g->b, ft, callee, args, n->nlist, nm);
    for (uint32_t k = 0; k < n->nlist; k++) {
        int dt = lp_get(p, l[k])->dtype;
        if (dt == TVM_INT8 || dt == TVM_INT16) call_attr(g, call, k + 1, "signext");
        if (dt == TVM_UINT8 || dt == TVM_BOOL) call_attr(g, call, k + 1, "zeroext");
    }
    call_attr(g, call, LLVMAttributeFunctionIndex, "nounwind");
    call_attr(g, call, LLVMAttributeFunctionIndex, "willreturn");
    call_attr(g, call, LLVMAttributeFunctionIndex, "memory"); /* encoding 0: memory(none) */
    if (n->dtype == TVM_BOOL) return LLVMBuildICmp(g->b, LLVMIntNE, call, ci(g->t_i8, 0), "");
    return call;
}

static LLVMValueRef gen_expr_uncached(cg *g, const lp_node *n, lp_id e) {
    const lp_program *p = g->p;
    switch (n->kind) {
    case LP_CONST: return gen_const(g, n, e);
    case LP_VAR:
        if (n->a == 0 || n->a >= p->nvars) return BAD_NODE(g, "bad variable", e);
        if (!g->var[n->a])
            return fail(g, TVM_ERR_INTERNAL, "variable '%s' is not bound here (node %u)",
                        p->vars[n->a].name ? p->vars[n->a].name : "?", (unsigned)e);
        return g->var[n->a];
    case LP_LOAD: return gen_load(g, n, e);
    case LP_BINARY: {
        if (!ir_op_is_binary(n->op)) return BAD_NODE(g, "bad binary operator", e);
        if (n->op == IR_ADD && lp_is_fused_mul(p, n->b)) { /* fma(x, y, a) */
            const lp_node *m = lp_get(p, n->b);
            LLVMValueRef a = gen_expr(g, n->a), x = a ? gen_expr(g, m->a) : NULL;
            LLVMValueRef y = x ? gen_expr(g, m->b) : NULL;
            if (!y) return NULL;
            if (LLVMTypeOf(a) != LLVMTypeOf(x) || LLVMTypeOf(x) != LLVMTypeOf(y))
                return BAD_NODE(g, "operand types differ", e);
            return gen_fma(g, x, y, a, 0);
        }
        LLVMValueRef a = gen_expr(g, n->a), b = a ? gen_expr(g, n->b) : NULL;
        if (!b) return NULL;
        if (LLVMTypeOf(a) != LLVMTypeOf(b)) return BAD_NODE(g, "operand types differ", e);
        return gen_binary_op(g, n->op, lp_get(p, n->a)->dtype, a, b, e);
    }
    case LP_UNARY: {
        if (!ir_op_is_unary(n->op)) return BAD_NODE(g, "bad unary operator", e);
        LLVMValueRef a = gen_expr(g, n->a);
        return a ? gen_unary_op(g, n->op, lp_get(p, n->a)->dtype, a, e) : NULL;
    }
    case LP_SELECT: return gen_select(g, n, e);
    case LP_CAST: {
        LLVMValueRef a = gen_expr(g, n->a);
        return a ? gen_cast(g, n->dtype, lp_get(p, n->a)->dtype, a, e) : NULL;
    }
    case LP_CALL: return gen_call(g, n, e);
    default: return BAD_NODE(g, "statement where an expression was expected", e);
    }
}

static LLVMValueRef gen_expr(cg *g, lp_id e) {
    if (g->st != TVM_OK) return NULL;
    if (e == 0 || e >= g->p->nnodes) return BAD_NODE(g, "bad expression id", e);
    if (g->memo_gen[e] == g->gen && g->scope_open[g->memo_scope[e]]) return g->memo[e];
    LLVMValueRef v = gen_expr_uncached(g, lp_get(g->p, e), e);
    if (v) {
        LLVMTypeRef want = ty_compute(g, lp_get(g->p, e)->dtype);
        if (LLVMTypeOf(v) != want) return BAD_NODE(g, "expression has the wrong dtype", e);
        g->memo[e] = v;
        g->memo_gen[e] = g->gen;
        g->memo_scope[e] = g->scope;
    }
    return v;
}

/* ======================================================================= */
/* Statements                                                               */
/* ======================================================================= */

static bool gen_stmt(cg *g, lp_id s);

static LLVMMetadataRef md_str(cg *g, const char *s) {
    return LLVMMDStringInContext2(g->ctx, s, strlen(s));
}

/* Loop metadata on the back edge: the loop IR's hints (vectorize, unroll),
 * and on every loop "the loops the vectoriser makes are not unrolled": the
 * vectoriser already interleaves, and fully unrolling a vector loop over a
 * modest constant extent doubles code-generation time for little gain.
 * Scalar loops keep LLVM's unrolling. */
/* The head and tail of a loop split for non-temporal stores: fewer than 64
 * and 256 bytes of output, kept scalar and rolled (small code, quick
 * compile). */
#define LOOP_SCALAR_PART (-1)

static void loop_metadata(cg *g, LLVMValueRef backedge, int kind, lp_id extent, int flags) {
    LLVMMetadataRef ops[6];
    unsigned n = 0;
    LLVMMetadataRef tmp = LLVMTemporaryMDNode(g->ctx, NULL, 0);
    ops[n++] = tmp;
    if (kind == LOOP_SCALAR_PART) {
        LLVMMetadataRef kv[2] = {md_str(g, "llvm.loop.vectorize.enable"),
                                 LLVMValueAsMetadata(LLVMConstInt(g->t_i1, 0, 0))};
        ops[n++] = LLVMMDNodeInContext2(g->ctx, kv, 2);
        LLVMMetadataRef un = md_str(g, "llvm.loop.unroll.disable");
        ops[n++] = LLVMMDNodeInContext2(g->ctx, &un, 1);
    } else if (kind == LP_VECTORIZED) {
        LLVMMetadataRef kv[2] = {md_str(g, "llvm.loop.vectorize.enable"),
                                 LLVMValueAsMetadata(LLVMConstInt(g->t_i1, 1, 0))};
        ops[n++] = LLVMMDNodeInContext2(g->ctx, kv, 2);
        /* a constant power-of-two extent up to 64 is one vector of that
         * width: the loop disappears and the values it touches (a register
         * block) become whole vectors */
        const lp_node *e = lp_get(g->p, extent);
        if (e->kind == LP_CONST && e->imm.i >= 2 && e->imm.i <= 64 &&
            (e->imm.i & (e->imm.i - 1)) == 0) {
            LLVMMetadataRef w[2] = {md_str(g, "llvm.loop.vectorize.width"),
                                    LLVMValueAsMetadata(LLVMConstInt(g->t_i32,
                                                                     (unsigned long long)e->imm.i, 0))};
            ops[n++] = LLVMMDNodeInContext2(g->ctx, w, 2);
        }
        /* a small body would otherwise be fully unrolled before the
         * vectoriser sees the loop, and stay scalar */
        if (flags & LP_NO_UNROLL) {
            LLVMMetadataRef kv = md_str(g, "llvm.loop.unroll.disable");
            ops[n++] = LLVMMDNodeInContext2(g->ctx, &kv, 1);
        }
    } else if (kind == LP_UNROLLED) {
        LLVMMetadataRef kv = md_str(g, "llvm.loop.unroll.full");
        ops[n++] = LLVMMDNodeInContext2(g->ctx, &kv, 1);
    } else if (flags & LP_NO_UNROLL) {
        LLVMMetadataRef kv = md_str(g, "llvm.loop.unroll.disable");
        ops[n++] = LLVMMDNodeInContext2(g->ctx, &kv, 1);
    }
    LLVMMetadataRef dis = md_str(g, "llvm.loop.unroll.disable");
    LLVMMetadataRef follow[2] = {md_str(g, "llvm.loop.vectorize.followup_all"),
                                 LLVMMDNodeInContext2(g->ctx, &dis, 1)};
    ops[n++] = LLVMMDNodeInContext2(g->ctx, follow, 2);
    LLVMMetadataRef loop_id = LLVMMDNodeInContext2(g->ctx, ops, n);
    LLVMMetadataReplaceAllUsesWith(tmp, loop_id); /* self reference; frees tmp */
    LLVMSetMetadata(backedge, LLVMGetMDKindIDInContext(g->ctx, "llvm.loop", 9),
                    LLVMMetadataAsValue(g->ctx, loop_id));
}

/* LLVM fully unrolls a nest of constant-extent loops when its estimate says
 * the copies simplify (a constant stored value, offsets that fold): an
 * 8x15x8 nest of byte stores became one block of 960 stores, 3x15x33x2 one
 * of 2970, and x86 instruction selection, whose store merging compares
 * the stores of a block pairwise, took minutes on them. A serial loop whose
 * full unrolling would copy more than UNROLL_MAX_STMTS statements stays
 * rolled; the loops inside it may still unroll. No normal kernel unrolls
 * this far: the schedules mark the blocks they want unrolled LP_UNROLLED. */
#define UNROLL_MAX_STMTS 256
/* Only loops of few trips get the cap: LLVM fully unrolls a loop of more
 * trips only when its body is tiny (its plain size threshold), and the cap
 * must not take its partial unrolling from a long innermost loop. */
#define UNROLL_CAP_TRIPS 16

/* The statements s becomes once LLVM unrolls every constant-extent loop it
 * may; saturates above UNROLL_MAX_STMTS. */
static int64_t unrolled_stmts(const lp_program *p, lp_id s) {
    if (!s) return 0;
    const lp_node *n = lp_get(p, s);
    int64_t c = 0;
    switch (n->kind) {
    case LP_SEQ: {
        const uint32_t *l = lp_list(p, n->list);
        for (uint32_t i = 0; i < n->nlist && c <= UNROLL_MAX_STMTS; i++)
            c += unrolled_stmts(p, l[i]);
        return c;
    }
    case LP_IF: return unrolled_stmts(p, n->b) + unrolled_stmts(p, n->c);
    case LP_FOR: {
        c = unrolled_stmts(p, n->c);
        const lp_node *e = lp_get(p, n->b);
        /* rolled: a runtime extent, a vectorised loop (one vector or a
         * vector loop), a loop kept rolled or run in parallel */
        if (e->kind != LP_CONST || n->op == LP_VECTORIZED || n->op == LP_PARALLEL ||
            (n->flags & LP_NO_UNROLL) || c > UNROLL_MAX_STMTS)
            return c;
        return e->imm.i > UNROLL_MAX_STMTS ? UNROLL_MAX_STMTS + 1 : c * e->imm.i;
    }
    default: return 1;
    }
}

static bool gen_loop(cg *g, const lp_node *n, LLVMValueRef start, LLVMValueRef ext, int kind);
static bool gen_parallel_for(cg *g, const lp_node *n, lp_id id, LLVMValueRef ext);

/* for (i = 0; i < extent; i++) body — extent evaluated once, before the loop. */
static bool gen_for(cg *g, const lp_node *n, lp_id id) {
    const lp_program *p = g->p;
    if (n->a == 0 || n->a >= p->nvars) return BAD_NODE(g, "bad loop variable", id), false;
    LLVMValueRef ext = gen_expr(g, n->b);
    if (!ext) return false;
    if (LLVMTypeOf(ext) != g->t_i64) return BAD_NODE(g, "loop extent is not int64", id), false;
    if (n->op == LP_PARALLEL && !g->in_parallel) return gen_parallel_for(g, n, id, ext);
    /* a parallel loop inside another runs as a plain loop of its thread */
    int kind = n->op == LP_PARALLEL ? LP_SERIAL : n->op;
    return gen_loop(g, n, LLVMConstInt(g->t_i64, 0, 0), ext, kind);
}

/* for (i = start; i < ext; i++) n's body, with n's loop variable. */
static bool gen_loop_range(cg *g, const lp_node *n, LLVMValueRef start, LLVMValueRef ext,
                           int kind) {
    const lp_program *p = g->p;
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "for.head");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "for.body");
    LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "for.end");
    LLVMBuildBr(g->b, head);
    LLVMPositionBuilderAtEnd(g->b, head);
    const char *vname = p->vars[n->a].name ? p->vars[n->a].name : "i";
    LLVMValueRef iv = LLVMBuildPhi(g->b, g->t_i64, vname);
    LLVMAddIncoming(iv, &start, &pre, 1);
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, iv, ext, ""), body, end);
    LLVMPositionBuilderAtEnd(g->b, body);
    LLVMValueRef saved = g->var[n->a];
    g->var[n->a] = iv;
    bool ok = gen_stmt(g, n->c);
    g->var[n->a] = saved;
    if (!ok) return false;
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    /* iv < extent <= INT64_MAX, so the increment cannot overflow */
    LLVMValueRef next = LLVMBuildNUWAdd(g->b, iv, LLVMConstInt(g->t_i64, 1, 0), "");
    LLVMSetNSW(next, 1);
    LLVMValueRef br = LLVMBuildBr(g->b, head);
    int flags = n->flags;
    if (kind == LP_SERIAL && lp_get(p, n->b)->kind == LP_CONST) {
        int64_t c = unrolled_stmts(p, n->c), e = lp_get(p, n->b)->imm.i;
        if (c > 0 && e <= UNROLL_CAP_TRIPS && c * e > UNROLL_MAX_STMTS) flags |= LP_NO_UNROLL;
    }
    loop_metadata(g, br, kind, n->b, flags);
    LLVMAddIncoming(iv, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(g->b, end);
    return true;
}

/* ======================================================================= */
/* Non-temporal stores                                                      */
/* ======================================================================= */
/* An output larger than the last-level cache cannot stay cached, so storing
 * it through the cache costs a read of every line before it is written (and
 * evicts the inputs). Non-temporal stores write whole lines straight to
 * memory: for the fused max(a*b + c, 0) over 16M floats they take ~0.8x
 * the time (bench/README.md). They need aligned vector stores, which the
 * loop vectoriser only makes from a pointer it knows to be aligned, and it
 * refuses to vectorise a store already marked non-temporal. So a loop whose
 * body stores such an output at a unit-stride index (var, or var + an
 * expression without var) is generated three times:
 *
 *   [start, a0)  until the store address is 64-byte aligned, scalar;
 *   [a0, a1)     a multiple of 256 bytes, the store addressed from
 *                ptrmask(p(a0), -64) (== p(a0)), so LLVM derives the
 *                alignment of every vector store itself, then an sfence;
 *   [a1, ext)    the rest (under 256 bytes), scalar.
 *
 * When the loop's body is the store alone, head and tail are one scalar
 * loop run after the aligned part (gen_loop_head_tail): each copy of the
 * body costs compile time.
 *
 * After optimisation, mark_nontemporal puts !nontemporal on the vector
 * stores addressed from that ptrmask whose alignment covers their size.
 * Where the split falls depends on the output's address, so which elements
 * the vector body computes does too: only values that vector and scalar
 * code compute identically qualify (IEEE arithmetic, sqrt, min/max, casts,
 * selects; no libm calls such as exp, whose vector variants round
 * differently, no host functions, no fast math). Results stay
 * bit-identical to ordinary stores.
 * TVMC_NONTEMPORAL=0 turns this off, =1 uses it for outputs of any size
 * (tests; measuring the gain); unset, outputs of at least the last-level
 * cache size (hwloc) qualify. x86 only (the sfence). */

/* Whether index expression e is built from constants and loop variables
 * other than var only (so it is invariant in var's loop). */
static bool index_without_var(const lp_program *p, lp_id e, uint32_t var, int depth) {
    if (depth > 64) return false;
    const lp_node *n = lp_get(p, e);
    switch (n->kind) {
    case LP_CONST: return true;
    case LP_VAR: return n->a != var;
    case LP_CAST:
    case LP_UNARY: return index_without_var(p, n->a, var, depth + 1);
    case LP_BINARY:
        return index_without_var(p, n->a, var, depth + 1) &&
               index_without_var(p, n->b, var, depth + 1);
    default: return false;
    }
}

/* Whether value e is computed bit-identically by vector and scalar code. */
static bool same_in_vectors(const lp_program *p, lp_id e, int depth) {
    if (depth > 256) return false;
    const lp_node *n = lp_get(p, e);
    switch (n->kind) {
    case LP_CONST:
    case LP_VAR:
    case LP_LOAD: return true; /* (indices are integer expressions) */
    case LP_CAST: return same_in_vectors(p, n->a, depth + 1);
    case LP_SELECT:
        return same_in_vectors(p, n->a, depth + 1) && same_in_vectors(p, n->b, depth + 1) &&
               same_in_vectors(p, n->c, depth + 1);
    case LP_BINARY:
        return n->op != IR_POW && same_in_vectors(p, n->a, depth + 1) &&
               same_in_vectors(p, n->b, depth + 1);
    case LP_UNARY:
        switch (n->op) {
        case IR_EXP: case IR_LOG: case IR_TANH: case IR_SIGMOID: case IR_ERF: return false;
        default: return same_in_vectors(p, n->a, depth + 1);
        }
    default: return false; /* host calls */
    }
}

/* Whether store s writes a large argument buffer at index var (+ x) that
 * the program never reads back (a blocked matmul adds into its output
 * tile by tile: that must stay in the cache). */
static bool nt_candidate(const cg *g, lp_id s, uint32_t var) {
    const lp_program *p = g->p;
    const lp_node *n = lp_get(p, s);
    if (n->kind != LP_STORE || n->nlist != 1 || n->a == 0 || n->a >= p->nbufs) return false;
    if (g->nt_read[n->a] || !same_in_vectors(p, n->b, 0)) return false;
    const lp_buffer *b = &p->bufs[n->a];
    if (b->kind != LP_BUF_ARG) return false;
    /* elems may be huge (a shape no call could allocate): saturate */
    int64_t bytes;
    if (__builtin_mul_overflow(b->elems, (int64_t)dtype_bytes(b->dtype), &bytes)) bytes = INT64_MAX;
    if (bytes < g->nt_min_bytes) return false;
    const lp_node *ix = lp_get(p, lp_list(p, n->list)[0]);
    if (ix->kind == LP_VAR) return ix->a == var;
    if (ix->kind != LP_BINARY || ix->op != IR_ADD) return false;
    const lp_node *l = lp_get(p, ix->a), *r = lp_get(p, ix->b);
    if (l->kind == LP_VAR && l->a == var) return index_without_var(p, ix->b, var, 0);
    if (r->kind == LP_VAR && r->a == var) return index_without_var(p, ix->a, var, 0);
    return false;
}

/* The candidate store among the statements of loop n's body (not inside
 * nested loops or ifs), or 0. A loop of a constant extent under 1 KiB of
 * output (a register block's columns) is left alone: the split would only
 * break its few vector stores into scalar ones. */
static lp_id nt_store_of(const cg *g, const lp_node *n) {
    const lp_program *p = g->p;
    const lp_node *body = lp_get(p, n->c), *ext = lp_get(p, n->b);
    lp_id found = 0;
    if (body->kind == LP_STORE) {
        found = nt_candidate(g, n->c, n->a) ? n->c : 0;
    } else if (body->kind == LP_SEQ) {
        const uint32_t *l = lp_list(p, body->list);
        for (uint32_t i = 0; i < body->nlist && !found; i++)
            if (nt_candidate(g, l[i], n->a)) found = l[i];
    }
    if (found && ext->kind == LP_CONST &&
        ext->imm.i < 1024 / dtype_bytes(p->bufs[lp_get(p, found)->a].dtype))
        return 0;
    return found;
}

/* The head [start, start + peel) and the tail [a1, ext) of a non-temporal
 * loop as one scalar loop: j runs over [0, peel + ext - a1) and n's variable
 * is start + j for j < peel, else a1 + (j - peel). One copy of the body
 * instead of two (each copy costs LLVM optimisation and code-generation
 * time). Only for a body that is the store alone: its iterations are then
 * independent, so running the head after the aligned part changes nothing. */
static bool gen_loop_head_tail(cg *g, const lp_node *n, LLVMValueRef start, LLVMValueRef peel,
                               LLVMValueRef a1, LLVMValueRef ext) {
    LLVMTypeRef i64 = g->t_i64;
    LLVMValueRef total = LLVMBuildAdd(g->b, peel, LLVMBuildSub(g->b, ext, a1, ""), "nt.rest");
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "nt.rest.head");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "nt.rest.body");
    LLVMBasicBlockRef end = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "nt.rest.end");
    LLVMBuildBr(g->b, head);
    LLVMPositionBuilderAtEnd(g->b, head);
    LLVMValueRef j = LLVMBuildPhi(g->b, i64, "j");
    LLVMValueRef zero = ci(i64, 0);
    LLVMAddIncoming(j, &zero, &pre, 1);
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, j, total, ""), body, end);
    LLVMPositionBuilderAtEnd(g->b, body);
    LLVMValueRef in_head = LLVMBuildICmp(g->b, LLVMIntSLT, j, peel, "");
    LLVMValueRef iv = LLVMBuildSelect(g->b, in_head, LLVMBuildAdd(g->b, start, j, ""),
                                      LLVMBuildAdd(g->b, a1, LLVMBuildSub(g->b, j, peel, ""), ""),
                                      "");
    LLVMValueRef saved = g->var[n->a];
    g->var[n->a] = iv;
    bool ok = gen_stmt(g, n->c);
    g->var[n->a] = saved;
    if (!ok) return false;
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMValueRef next = LLVMBuildNUWAdd(g->b, j, ci(i64, 1), "");
    LLVMSetNSW(next, 1);
    LLVMValueRef br = LLVMBuildBr(g->b, head);
    loop_metadata(g, br, LOOP_SCALAR_PART, n->b, n->flags);
    LLVMAddIncoming(j, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(g->b, end);
    return true;
}

static bool gen_loop(cg *g, const lp_node *n, LLVMValueRef start, LLVMValueRef ext, int kind) {
    lp_id st = g->nt_min_bytes > 0 && !g->nt_store ? nt_store_of(g, n) : 0;
    if (!st) return gen_loop_range(g, n, start, ext, kind);
    const lp_program *p = g->p;
    const lp_node *s = lp_get(p, st);
    int dt = p->bufs[s->a].dtype;
    int64_t es = dtype_bytes(dt);
    LLVMTypeRef i64 = g->t_i64;
    /* the store's address at var = start, outside the loop */
    LLVMValueRef saved = g->var[n->a];
    g->var[n->a] = start;
    g->gen++;
    LLVMValueRef p_start = elem_ptr(g, s->a, lp_list(p, s->list)[0], st);
    g->var[n->a] = saved;
    g->gen++; /* nothing computed with var = start is reused in the loop */
    if (!p_start) return false;
    LLVMValueRef addr = LLVMBuildPtrToInt(g->b, p_start, i64, "");
    LLVMValueRef count = LLVMBuildSub(g->b, ext, start, "");
    count = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, count, ci(i64, 0), ""), count,
                            ci(i64, 0), "");
    LLVMValueRef to_line = LLVMBuildAnd(g->b, LLVMBuildNeg(g->b, addr, ""), ci(i64, 63), "");
    LLVMValueRef peel = LLVMBuildUDiv(g->b, to_line, ci(i64, es), "");
    peel = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntULT, peel, count, ""), peel, count, "");
    /* an element address that is not a multiple of the element size (the
     * caller broke the contract) never reaches a line start: no aligned part */
    LLVMValueRef odd = LLVMBuildICmp(g->b, LLVMIntNE,
                                     LLVMBuildAnd(g->b, addr, ci(i64, es - 1), ""), ci(i64, 0), "");
    peel = LLVMBuildSelect(g->b, odd, count, peel, "peel");
    LLVMValueRef a0 = LLVMBuildAdd(g->b, start, peel, "nt.begin");
    LLVMValueRef rest = LLVMBuildSub(g->b, count, peel, "");
    LLVMValueRef a1 = LLVMBuildAdd(g->b, a0, LLVMBuildAnd(g->b, rest, ci(i64, -(256 / es)), ""),
                                   "nt.end");
    bool store_only = n->c == st; /* the body is the store alone */
    if (!store_only && !gen_loop_range(g, n, start, a0, LOOP_SCALAR_PART)) return false;

    LLVMValueRef pu = LLVMBuildInBoundsGEP2(g->b, ty_mem(g, dt), p_start, &peel, 1, "");
    LLVMTypeRef mt[2] = {g->t_ptr, i64};
    LLVMValueRef margs[2] = {pu, ci(i64, -64)};
    LLVMValueRef p0 = call_intrinsic(g, "llvm.ptrmask", mt, 2, margs, 2);
    if (!p0) return false;
    g->nt_store = st;
    g->nt_var = n->a;
    g->nt_base = p0;
    g->nt_first = a0;
    bool ok = gen_loop_range(g, n, a0, a1, kind);
    g->nt_store = 0;
    if (!ok) return false;
    /* non-temporal stores are weakly ordered: drain them before anything
     * (the pool's completion count) can tell another thread they are done */
    if (!call_intrinsic(g, "llvm.x86.sse.sfence", NULL, 0, NULL, 0)) return false;
    if (store_only) return gen_loop_head_tail(g, n, start, peel, a1, ext);
    return gen_loop_range(g, n, a1, ext, LOOP_SCALAR_PART);
}

/* Whether v is, through GEPs, an address computed from an llvm.ptrmask
 * result (only gen_loop makes those). */
static bool from_nt_base(LLVMValueRef v) {
    for (int depth = 0; v && depth < 16; depth++) {
        if (LLVMIsAGetElementPtrInst(v)) {
            v = LLVMGetOperand(v, 0);
            continue;
        }
        if (!LLVMIsACallInst(v)) return false;
        LLVMValueRef callee = LLVMGetCalledValue(v);
        size_t len = 0;
        const char *name = callee ? LLVMGetValueName2(callee, &len) : "";
        return len >= 12 && strncmp(name, "llvm.ptrmask", 12) == 0;
    }
    return false;
}

/* Marks the aligned vector stores of the non-temporal loops (after
 * optimisation, when the vectoriser has made them and LLVM has proven
 * their alignment). */
static void mark_nontemporal(cg *g, LLVMTargetDataRef layout) {
    unsigned kind = LLVMGetMDKindIDInContext(g->ctx, "nontemporal", 11);
    LLVMMetadataRef one = LLVMValueAsMetadata(LLVMConstInt(g->t_i32, 1, 0));
    LLVMValueRef node = LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, &one, 1));
    for (LLVMValueRef f = LLVMGetFirstFunction(g->mod); f; f = LLVMGetNextFunction(f))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                if (!LLVMIsAStoreInst(i)) continue;
                LLVMTypeRef t = LLVMTypeOf(LLVMGetOperand(i, 0));
                if (LLVMGetTypeKind(t) != LLVMVectorTypeKind) continue;
                unsigned long long size = LLVMStoreSizeOfType(layout, t);
                if (LLVMGetAlignment(i) < size || !from_nt_base(LLVMGetOperand(i, 1))) continue;
                LLVMSetMetadata(i, kind, node);
            }
}

/* Marks every buffer the program loads from. */
static uint8_t *buffers_read(const lp_program *p) {
    uint8_t *r = calloc(p->nbufs ? p->nbufs : 1, 1);
    if (!r) return NULL;
    for (uint32_t i = 1; i < p->nnodes; i++)
        if (p->nodes[i].kind == LP_LOAD && p->nodes[i].a < p->nbufs) r[p->nodes[i].a] = 1;
    return r;
}

/* Bytes from which an output is stored non-temporally (0: never). */
static int64_t nt_threshold(const char *triple) {
    if (strncmp(triple, "x86_64", 6) != 0) return 0;
    const char *e = getenv("TVMC_NONTEMPORAL");
    if (e && e[0] == '0') return 0;
    if (e && e[0] == '1') return 1;
    return tp_llc_bytes();
}

static void add_fn_attrs(cg *g, LLVMValueRef f, const llvm_tm *tm);

/* Marks the local buffers that statement s stores or accumulates into. */
static void written_locals(const lp_program *p, lp_id s, uint8_t *w, int depth) {
    if (!s || depth > 4000) return;
    const lp_node *n = lp_get(p, s);
    switch (n->kind) {
    case LP_SEQ:
        for (uint32_t k = 0; k < n->nlist; k++) written_locals(p, p->pool[n->list + k], w, depth + 1);
        break;
    case LP_FOR: written_locals(p, n->c, w, depth + 1); break;
    case LP_IF:
        written_locals(p, n->b, w, depth + 1);
        written_locals(p, n->c, w, depth + 1);
        break;
    case LP_STORE:
    case LP_ACCUM:
        if (n->a < p->nbufs && p->bufs[n->a].kind == LP_BUF_LOCAL) w[n->a] = 1;
        break;
    default: break;
    }
}

static void stmt_buffers(const lp_program *p, lp_id e, uint32_t stmt, uint32_t *mark,
                         uint32_t *first, uint32_t *seen, bool *deep, int depth);

/* A parallel loop: outlines its body (see the header comment) and calls the
 * runtime; a nonzero result (a failed check) returns from the kernel. */
static bool gen_parallel_for(cg *g, const lp_node *n, lp_id id, LLVMValueRef ext) {
    const lp_program *p = g->p;
    LLVMContextRef c = g->ctx;
    /* The closure and parK.body's parameters are the buffers the loop
     * touches only: a whole model has hundreds of buffers, and passing every
     * one to every parallel loop made each of a big program's modules carry
     * hundreds of noalias parameters, loads and stores through the
     * optimiser (most of the compile time of a small nest). */
    uint32_t *used = calloc(p->nbufs ? p->nbufs : 1, sizeof *used);
    uint32_t *seen = calloc(p->nnodes ? p->nnodes : 1, sizeof *seen);
    uint32_t *ub = malloc((p->nbufs ? p->nbufs : 1) * sizeof *ub); /* closure slot -> buffer */
    uint8_t *priv_local = calloc(p->nbufs ? p->nbufs : 1, 1);
    LLVMTypeRef *pt = malloc((p->nbufs + 2) * sizeof *pt);
    LLVMValueRef *vals = malloc((p->nbufs + 1) * sizeof *vals);
    LLVMValueRef *inner_ptr = calloc(p->nbufs ? p->nbufs : 1, sizeof *inner_ptr);
    if (!used || !seen || !ub || !priv_local || !pt || !vals || !inner_ptr) {
        free(used), free(seen), free(ub), free(priv_local), free(pt), free(vals), free(inner_ptr);
        return fail(g, TVM_ERR_OUT_OF_MEMORY, "out of memory"), false;
    }
    bool too_deep = false;
    stmt_buffers(p, id, 0, used, NULL, seen, &too_deep, 0);
    uint32_t nb = 0;
    for (uint32_t i = 1; i < p->nbufs; i++)
        if (used[i] || too_deep) ub[nb++] = i; /* too deep to walk: pass all */
    free(used), free(seen);
    written_locals(p, n->c, priv_local, 0);
    uint32_t k = g->nparallel++;
    char fname[96];
    LLVMBasicBlockRef caller_bb = LLVMGetInsertBlock(g->b);
    LLVMValueRef caller_fn = g->fn;
    LLVMValueRef *caller_ptr = g->bufptr;
    const llvm_tm *attrs = g->tm;

    /* i32 parK.body(ptr noalias buf..., i64 begin, i64 end). noalias holds:
     * outputs never overlap other arguments (call.c), buffers touched by one
     * top-level statement have disjoint workspace ranges (plan_memory),
     * private slots are disjoint, and shared pointers are only read. */
    for (uint32_t j = 0; j < nb; j++) pt[j] = g->t_ptr;
    pt[nb] = pt[nb + 1] = g->t_i64;
    LLVMTypeRef body_ty = LLVMFunctionType(g->t_i32, pt, nb + 2, 0);
    snprintf(fname, sizeof fname, "%s.par%u.body", g->name, k);
    LLVMValueRef bf = LLVMAddFunction(g->mod, fname, body_ty);
    LLVMSetLinkage(bf, LLVMInternalLinkage);
    add_fn_attrs(g, bf, attrs);
    unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (uint32_t j = 0; j < nb; j++)
        LLVMAddAttributeAtIndex(bf, j + 1, LLVMCreateEnumAttribute(c, noalias, 0));
    /* kept out of line: inlining would turn the parameters' noalias into
     * scope metadata the vectoriser reads less reliably; the call is once
     * per chunk */
    LLVMAddAttributeAtIndex(bf, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(c, LLVMGetEnumAttributeKindForName("noinline", 8), 0));
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(c, bf, "entry"));
    for (uint32_t j = 0; j < nb; j++) {
        uint32_t i = ub[j];
        const lp_buffer *b = &p->bufs[i];
        if (b->kind == LP_BUF_LOCAL && priv_local[i]) {
            /* the same shape as in the kernel body: a scalar or an array */
            LLVMTypeRef t = ty_mem(g, b->dtype);
            if (b->ndim > 0) t = LLVMArrayType2(t, (uint64_t)b->elems);
            LLVMValueRef a = LLVMBuildAlloca(g->b, t, b->name ? b->name : "");
            LLVMSetAlignment(a, b->ndim > 0 ? 64 : (unsigned)dtype_bytes(b->dtype));
            inner_ptr[i] = a;
        } else {
            inner_ptr[i] = LLVMGetParam(bf, j);
        }
    }
    g->fn = bf;
    g->bufptr = inner_ptr;
    g->in_parallel = true;
    bool ok = gen_loop(g, n, LLVMGetParam(bf, nb), LLVMGetParam(bf, nb + 1), LP_SERIAL);
    g->in_parallel = false;
    g->bufptr = caller_ptr;
    g->fn = caller_fn;
    if (ok) LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, 0, 0));

    /* i32 parK(ptr closure, i64 begin, i64 end, i64 slot) */
    LLVMTypeRef wt[4] = {g->t_ptr, g->t_i64, g->t_i64, g->t_i64};
    LLVMTypeRef wrap_ty = LLVMFunctionType(g->t_i32, wt, 4, 0);
    snprintf(fname, sizeof fname, "%s.par%u", g->name, k);
    LLVMValueRef wf = ok ? LLVMAddFunction(g->mod, fname, wrap_ty) : NULL;
    if (wf) {
        LLVMSetLinkage(wf, LLVMInternalLinkage);
        add_fn_attrs(g, wf, attrs);
        LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(c, wf, "entry"));
        LLVMValueRef clo = LLVMGetParam(wf, 0), slot = LLVMGetParam(wf, 3);
        for (uint32_t j = 0; j < nb; j++) {
            LLVMValueRef idx = LLVMConstInt(g->t_i64, j, 0);
            LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, g->t_ptr, clo, &idx, 1, "");
            LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_ptr, at, "");
            LLVMSetAlignment(v, 8);
            const lp_buffer *b = &p->bufs[ub[j]];
            if (b->kind == LP_BUF_WORKSPACE && b->slot_bytes > 0) {
                LLVMValueRef off = LLVMBuildMul(
                    g->b, slot, LLVMConstInt(g->t_i64, (unsigned long long)b->slot_bytes, 0), "");
                v = LLVMBuildInBoundsGEP2(g->b, g->t_i8, v, &off, 1, "");
            }
            vals[j] = v;
        }
        vals[nb] = LLVMGetParam(wf, 1);
        vals[nb + 1] = LLVMGetParam(wf, 2);
        LLVMBuildRet(g->b, LLVMBuildCall2(g->b, body_ty, bf, vals, nb + 2, ""));
    }

    /* back in the kernel body: the closure, then the runtime call */
    LLVMPositionBuilderAtEnd(g->b, caller_bb);
    if (ok) {
        LLVMTypeRef arr = LLVMArrayType2(g->t_ptr, nb ? nb : 1);
        LLVMValueRef clo = LLVMBuildAlloca(g->b, arr, "closure");
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t i = ub[j];
            LLVMValueRef idx = LLVMConstInt(g->t_i64, j, 0);
            LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, g->t_ptr, clo, &idx, 1, "");
            bool fresh = p->bufs[i].kind == LP_BUF_LOCAL && priv_local[i];
            LLVMValueRef v = fresh || !caller_ptr[i] ? LLVMConstNull(g->t_ptr) : caller_ptr[i];
            LLVMSetAlignment(LLVMBuildStore(g->b, v, at), 8);
        }
        /* int32_t tp_parallel_loop(void *rt, body, closure, n, slots, quantum),
         * called at its address like a host function (gen_call) */
        LLVMTypeRef rt_args[6] = {g->t_ptr, g->t_ptr, g->t_ptr, g->t_i64, g->t_i64, g->t_i64};
        LLVMTypeRef rt_ty = LLVMFunctionType(g->t_i32, rt_args, 6, 0);
        uintptr_t addr = (uintptr_t)&tp_parallel_loop;
        LLVMValueRef callee = LLVMConstIntToPtr(
            LLVMConstInt(g->t_i64, (unsigned long long)addr, 0), g->t_ptr);
        int64_t quantum = n->imm.i < 1 ? 1 : n->imm.i;
        LLVMValueRef cargs[6] = {g->rt, wf, clo, ext,
                                 LLVMConstInt(g->t_i64, (unsigned long long)(p->par_slots < 1 ? 1 : p->par_slots), 0),
                                 LLVMConstInt(g->t_i64, (unsigned long long)quantum, 0)};
        LLVMValueRef rc = LLVMBuildCall2(g->b, rt_ty, callee, cargs, 6, "");
        LLVMBasicBlockRef okb = LLVMAppendBasicBlockInContext(c, g->fn, "par.ok");
        LLVMBasicBlockRef fb = LLVMAppendBasicBlockInContext(c, g->fn, "par.fail");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, rc, LLVMConstInt(g->t_i32, 0, 0), ""),
                        okb, fb);
        LLVMPositionBuilderAtEnd(g->b, fb);
        LLVMBuildRet(g->b, rc);
        LLVMPositionBuilderAtEnd(g->b, okb);
    }
    (void)id;
    free(ub), free(priv_local), free(pt), free(vals), free(inner_ptr);
    return ok;
}

static bool gen_if(cg *g, const lp_node *n) {
    LLVMValueRef c = gen_expr(g, n->a);
    if (!c) return false;
    LLVMBasicBlockRef tb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "if.then");
    LLVMBasicBlockRef eb = n->c ? LLVMAppendBasicBlockInContext(g->ctx, g->fn, "if.else") : NULL;
    LLVMBasicBlockRef mb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "if.end");
    LLVMBuildCondBr(g->b, c, tb, eb ? eb : mb);
    LLVMPositionBuilderAtEnd(g->b, tb);
    if (!gen_stmt(g, n->b)) return false;
    LLVMBuildBr(g->b, mb);
    if (eb) {
        LLVMPositionBuilderAtEnd(g->b, eb);
        if (!gen_stmt(g, n->c)) return false;
        LLVMBuildBr(g->b, mb);
    }
    LLVMPositionBuilderAtEnd(g->b, mb);
    return true;
}

/* acc = acc (+ * min max) value. Float sum/prod carry `reassoc`: the order
 * of a reduction is unspecified, and this lets LLVM vectorise it. */
static bool gen_accum(cg *g, const lp_node *n, lp_id id) {
    const lp_program *p = g->p;
    if (n->a == 0 || n->a >= p->nbufs || p->bufs[n->a].kind != LP_BUF_LOCAL)
        return BAD_NODE(g, "accumulation into a non-local buffer", id), false;
    /* a contraction step: acc = fma(x, y, acc) (loop.h, LP_FUSED) */
    const lp_node *m = n->op == TVM_REDUCE_SUM && lp_is_fused_mul(p, n->b) ? lp_get(p, n->b) : NULL;
    LLVMValueRef v = m ? gen_expr(g, m->a) : gen_expr(g, n->b);
    LLVMValueRef y = m && v ? gen_expr(g, m->b) : NULL;
    if (!v || (m && !y)) return false;
    int dt = lp_get(p, n->b)->dtype;
    if (dtype_compute(p->bufs[n->a].dtype) != dt)
        return BAD_NODE(g, "accumulator dtype differs from the value's", id), false;
    LLVMValueRef ptr = g->bufptr[n->a];
    LLVMValueRef acc = load_elem(g, n->a, ptr);
    LLVMBuilderRef b = g->b;
    LLVMValueRef r;
    bool f = is_fdt(dt), u = is_udt(dt);
    switch (n->op) {
    case TVM_REDUCE_SUM:
        r = m ? gen_fma(g, v, y, acc, LLVMFastMathAllowReassoc)
            : f ? fpf(g, LLVMBuildFAdd(b, acc, v, ""), LLVMFastMathAllowReassoc)
              : LLVMBuildAdd(b, acc, v, "");
        break;
    case TVM_REDUCE_PROD:
        r = f ? fpf(g, LLVMBuildFMul(b, acc, v, ""), LLVMFastMathAllowReassoc)
              : LLVMBuildMul(b, acc, v, "");
        break;
    /* a widened float16 value is fenced as in IR_MIN/IR_MAX: LLVM 19 would
     * narrow the comparison to half, whose vector lowering drops NaN */
    case TVM_REDUCE_MIN:
        r = f ? intr2(g, "llvm.minimum", acc, fence(g, v))
              : intr2(g, u ? "llvm.umin" : "llvm.smin", acc, v);
        break;
    case TVM_REDUCE_MAX:
        r = f ? intr2(g, "llvm.maximum", acc, fence(g, v))
              : intr2(g, u ? "llvm.umax" : "llvm.smax", acc, v);
        break;
    default: return BAD_NODE(g, "bad reduction kind", id), false;
    }
    if (!r) return false;
    store_elem(g, n->a, ptr, r);
    return true;
}

static bool gen_stmt(cg *g, lp_id s) {
    const lp_program *p = g->p;
    if (g->st != TVM_OK) return false;
    if (s == 0 || s >= p->nnodes) return BAD_NODE(g, "bad statement id", s), false;
    const lp_node *n = lp_get(p, s);
    g->gen++; /* values of earlier statements may be stale (stores between) */
    switch (n->kind) {
    case LP_SEQ: {
        const uint32_t *l = lp_list(p, n->list);
        for (uint32_t i = 0; i < n->nlist; i++)
            if (!gen_stmt(g, l[i])) return false;
        return true;
    }
    case LP_STORE: {
        if (n->nlist != 1) return BAD_NODE(g, "store of a program that is not flat", s), false;
        LLVMValueRef ptr;
        if (s == g->nt_store) { /* the aligned copy of a non-temporal loop */
            LLVMValueRef off = LLVMBuildSub(g->b, g->var[g->nt_var], g->nt_first, "");
            ptr = LLVMBuildInBoundsGEP2(g->b, ty_mem(g, p->bufs[n->a].dtype), g->nt_base, &off,
                                        1, "");
        } else {
            ptr = elem_ptr(g, n->a, lp_list(p, n->list)[0], s);
        }
        LLVMValueRef v = ptr ? gen_expr(g, n->b) : NULL;
        if (!v) return false;
        if (LLVMTypeOf(v) != ty_compute(g, dtype_compute(p->bufs[n->a].dtype)))
            return BAD_NODE(g, "stored value has the wrong dtype", s), false;
        store_elem(g, n->a, ptr, v);
        return true;
    }
    case LP_ACCUM: return gen_accum(g, n, s);
    case LP_FOR: return gen_for(g, n, s);
    case LP_IF: return gen_if(g, n);
    default: return BAD_NODE(g, "expression where a statement was expected", s), false;
    }
}

/* ======================================================================= */
/* Module                                                                   */
/* ======================================================================= */

static void add_fn_attrs(cg *g, LLVMValueRef f, const llvm_tm *tm) {
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(g->ctx, "target-cpu", 10, tm->cpu,
                                                      (unsigned)strlen(tm->cpu)));
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(g->ctx, "target-features", 15,
                                                      tm->features,
                                                      (unsigned)strlen(tm->features)));
    LLVMAddAttributeAtIndex(
        f, LLVMAttributeFunctionIndex,
        LLVMCreateEnumAttribute(g->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
}

/* ---- big programs: one module per top-level statement ---------------------
 *
 * A whole model lowers to one program whose body is a sequence of loop
 * nests. As one LLVM function it costs time superlinear in its size (loop
 * strength reduction, register allocation, GVN over megabytes of IR: a
 * MobileNetV2 body took 20 s). The body's statements are then cut into
 * parts, each its own module that exports NAME.partK with the kernel ABI
 * (an internal body takes only the argument buffers the part touches,
 * noalias), and one more module exports NAME, which calls the parts in order
 * and returns the first nonzero status. The modules compile in parallel,
 * each with its own LLVMContext and target machine, and link together under
 * one resource tracker. Nothing a nest computes changes, so results are
 * bitwise the same.
 *
 * A part is one statement, or the run of statements from the first to the
 * last that use some local buffer: a local lives in its function's frame,
 * so every statement that uses it stays in one part (a contraction's column
 * panels and their remainder share their accumulators; one shared local no
 * longer keeps a whole model in one module). */

/* Programs with fewer nodes are compiled as one function. */
#define SPLIT_MIN_NODES 4096
/* At most this many threads compile one program's modules. */
#define COMPILE_THREADS_MAX 8

/* Marks (mark[b] = stmt + 1) the buffers that node e reads or writes, and
 * for a local not seen before (first[b] == 0, when first is given) sets
 * first[b] = stmt + 1. seen[] holds the stamp of the statement that visited
 * a node, so shared subexpressions are walked once per statement. *deep:
 * nested too deeply to walk (the caller then does not split). */
static void stmt_buffers(const lp_program *p, lp_id e, uint32_t stmt, uint32_t *mark,
                         uint32_t *first, uint32_t *seen, bool *deep, int depth) {
    if (!e || e >= p->nnodes || seen[e] == stmt + 1) return;
    if (depth > 4000) {
        *deep = true;
        return;
    }
    seen[e] = stmt + 1;
    const lp_node *n = lp_get(p, e);
    const uint32_t *l = n->nlist ? lp_list(p, n->list) : NULL;
    uint32_t buf = 0;
#define WALK(x) stmt_buffers(p, (x), stmt, mark, first, seen, deep, depth + 1)
    switch (n->kind) {
    case LP_LOAD:
        buf = n->a;
        if (n->flags & LP_CHECKED) WALK(n->b);
        break;
    case LP_BINARY:
        WALK(n->b);
        /* fall through */
    case LP_UNARY:
    case LP_CAST: WALK(n->a); break;
    case LP_SELECT:
    case LP_IF:
        WALK(n->a);
        WALK(n->b);
        WALK(n->c);
        break;
    case LP_FOR:
        WALK(n->b);
        WALK(n->c);
        break;
    case LP_STORE:
    case LP_ACCUM:
        buf = n->a;
        WALK(n->b);
        break;
    default: break; /* LP_CONST, LP_VAR; LP_CALL and LP_SEQ: the list below */
    }
    for (uint32_t k = 0; k < n->nlist; k++) WALK(l[k]);
#undef WALK
    if (buf && buf < p->nbufs) {
        if (first && p->bufs[buf].kind == LP_BUF_LOCAL && !first[buf]) first[buf] = stmt + 1;
        mark[buf] = stmt + 1;
    }
}

/* The parts of a big program (see above): part k is statements start[k] ..
 * start[k + 1] - 1 of the body, start[*nparts] the statement count. NULL
 * (*nparts = 0) when the program is compiled as one function: small, not a
 * sequence, fewer than two parts, out of memory or too deep to walk. */
static uint32_t *split_parts(const lp_program *p, uint32_t *nparts) {
    *nparts = 0;
    const lp_node *n = lp_get(p, p->body);
    if (n->kind != LP_SEQ || n->nlist < 2 || p->nnodes < SPLIT_MIN_NODES) return NULL;
    uint32_t ns = n->nlist, np = 0;
    uint32_t *mark = calloc(p->nbufs ? p->nbufs : 1, sizeof *mark);
    uint32_t *first = calloc(p->nbufs ? p->nbufs : 1, sizeof *first);
    uint32_t *seen = calloc(p->nnodes, sizeof *seen);
    uint32_t *end = malloc(ns * sizeof *end), *start = malloc((ns + 1) * sizeof *start);
    bool deep = !mark || !first || !seen || !end || !start;
    const uint32_t *l = lp_list(p, n->list);
    for (uint32_t k = 0; k < ns && !deep; k++) {
        end[k] = k;
        stmt_buffers(p, l[k], k, mark, first, seen, &deep, 0);
    }
    if (!deep) {
        /* after the walk mark[b] is the last statement that uses b */
        for (uint32_t b = 1; b < p->nbufs; b++)
            if (first[b] && mark[b] - 1 > end[first[b] - 1]) end[first[b] - 1] = mark[b] - 1;
        uint32_t reach = 0; /* the last statement the current part must hold */
        for (uint32_t k = 0; k < ns; k++) {
            if (k == 0 || k > reach) start[np++] = k;
            if (end[k] > reach) reach = end[k];
        }
        start[np] = ns;
    }
    free(mark);
    free(first);
    free(seen);
    free(end);
    if (deep || np < 2) {
        free(start);
        return NULL;
    }
    *nparts = np;
    return start;
}

static void part_name(const cg *g, uint32_t k, char *out, size_t n) {
    snprintf(out, n, "%s.part%u", g->name, k);
}

/* Defines NAME.partK, statements part_start[k] .. part_start[k + 1] - 1 of
 * the body sequence, with the kernel ABI and external linkage (the body's
 * module calls it). */
static tvm_status define_part(cg *g, uint32_t k) {
    const lp_program *p = g->p;
    LLVMContextRef c = g->ctx;
    const lp_node *seq = lp_get(p, p->body);
    if (k >= g->nparts || g->part_start[k + 1] > seq->nlist)
        return err_set(TVM_ERR_INTERNAL, "llvm codegen: bad part %u", k);
    const uint32_t *stmts = lp_list(p, seq->list);
    uint32_t s0 = g->part_start[k], s1 = g->part_start[k + 1];
    /* the part's parameters: the argument buffers it touches, the
     * workspace and the thread pool */
    uint32_t *mark = calloc(p->nbufs ? p->nbufs : 1, sizeof *mark);
    uint32_t *seen = calloc(p->nnodes ? p->nnodes : 1, sizeof *seen);
    int *param = malloc((p->nargs ? (size_t)p->nargs : 1) * sizeof *param);
    int *arg_of = malloc((size_t)(p->nargs + 2) * sizeof *arg_of);
    LLVMTypeRef *pt = malloc((size_t)(p->nargs + 2) * sizeof *pt);
    LLVMValueRef *args = malloc((size_t)(p->nargs + 2) * sizeof *args);
    tvm_status st = TVM_OK;
    if (!mark || !seen || !param || !arg_of || !pt || !args) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "llvm codegen: out of memory");
        goto done;
    }
    bool deep = false; /* (split_parts walked these statements already) */
    for (uint32_t q = s0; q < s1; q++) stmt_buffers(p, stmts[q], q, mark, NULL, seen, &deep, 0);
    for (int a = 0; a < p->nargs; a++) param[a] = -1;
    unsigned np = 0;
    for (uint32_t i = 1; i < p->nbufs; i++) {
        const lp_buffer *bf = &p->bufs[i];
        if (bf->kind != LP_BUF_ARG || !mark[i]) continue;
        if (bf->arg < 0 || bf->arg >= p->nargs) {
            st = err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has bad arg %d",
                         bf->name ? bf->name : "", (int)bf->arg);
            goto done;
        }
        if (param[bf->arg] < 0) {
            arg_of[np] = bf->arg;
            param[bf->arg] = (int)np++;
        }
    }
    unsigned ws = np, rtp = np + 1;
    for (unsigned i = 0; i < np + 2; i++) pt[i] = g->t_ptr;
    LLVMTypeRef body_ty = LLVMFunctionType(g->t_i32, pt, np + 2, 0);
    char sym[64], fname[80];
    part_name(g, k, sym, sizeof sym);
    snprintf(fname, sizeof fname, "%s.body", sym);
    LLVMValueRef f = LLVMAddFunction(g->mod, fname, body_ty);
    LLVMSetLinkage(f, LLVMInternalLinkage);
    add_fn_attrs(g, f, g->tm);
    unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (unsigned i = 0; i < np + 2; i++)
        LLVMAddAttributeAtIndex(f, i + 1, LLVMCreateEnumAttribute(c, noalias, 0));
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(c, f, "entry"));
    for (uint32_t i = 1; i < p->nbufs; i++) {
        const lp_buffer *bf = &p->bufs[i];
        const char *bn = bf->name ? bf->name : "";
        g->bufptr[i] = NULL;
        if (!dtype_valid(bf->dtype)) {
            st = err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has a bad dtype", bn);
            goto done;
        }
        if (bf->kind == LP_BUF_ARG) {
            if (mark[i]) {
                g->bufptr[i] = LLVMGetParam(f, (unsigned)param[bf->arg]);
                LLVMSetValueName2(g->bufptr[i], bn, strlen(bn));
            }
        } else if (bf->kind == LP_BUF_WORKSPACE) {
            if (bf->offset < 0 || bf->offset > p->workspace_bytes) {
                st = err_set(TVM_ERR_INTERNAL,
                             "llvm codegen: buffer '%s' lies outside the workspace", bn);
                goto done;
            }
            LLVMValueRef off = LLVMConstInt(g->t_i64, (unsigned long long)bf->offset, 0);
            g->bufptr[i] = LLVMBuildInBoundsGEP2(g->b, g->t_i8, LLVMGetParam(f, ws), &off, 1, bn);
        } else if (bf->kind == LP_BUF_LOCAL) {
            if (!mark[i]) continue;
            LLVMTypeRef t = ty_mem(g, bf->dtype);
            if (bf->ndim > 0) t = LLVMArrayType2(t, (uint64_t)bf->elems);
            LLVMValueRef a = LLVMBuildAlloca(g->b, t, bn);
            LLVMSetAlignment(a, bf->ndim > 0 ? 64 : (unsigned)dtype_bytes(bf->dtype));
            g->bufptr[i] = a;
        } else {
            st = err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has a bad kind", bn);
            goto done;
        }
    }
    g->fn = f;
    g->rt = LLVMGetParam(f, rtp);
    for (uint32_t q = s0; q < s1; q++)
        if (!gen_stmt(g, stmts[q])) {
            st = g->st ? g->st : TVM_ERR_INTERNAL;
            goto done;
        }
    LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, 0, 0));

    /* i32 NAME.partK(ptr args, ptr workspace, ptr rt): the kernel ABI */
    LLVMTypeRef et[3] = {g->t_ptr, g->t_ptr, g->t_ptr};
    LLVMValueRef ef = LLVMAddFunction(g->mod, sym, LLVMFunctionType(g->t_i32, et, 3, 0));
    add_fn_attrs(g, ef, g->tm);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(c, ef, "entry"));
    for (unsigned i = 0; i < np; i++) {
        LLVMValueRef idx = LLVMConstInt(g->t_i64, (unsigned long long)arg_of[i], 0);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(g->b, g->t_ptr, LLVMGetParam(ef, 0), &idx, 1, "");
        args[i] = LLVMBuildLoad2(g->b, g->t_ptr, slot, "");
        LLVMSetAlignment(args[i], 8);
    }
    args[ws] = LLVMGetParam(ef, 1);
    args[rtp] = LLVMGetParam(ef, 2);
    LLVMBuildRet(g->b, LLVMBuildCall2(g->b, body_ty, f, args, np + 2, ""));
    keep_variants(g);
done:
    free(mark), free(seen), free(param), free(arg_of), free(pt), free(args);
    return st;
}

/* The exported entry of a big program: calls NAME.part0, NAME.part1, ...
 * (defined in the other modules) in order and returns the first nonzero
 * status. */
static tvm_status build_caller(cg *g, const char *name) {
    LLVMTypeRef et[3] = {g->t_ptr, g->t_ptr, g->t_ptr};
    LLVMTypeRef ty = LLVMFunctionType(g->t_i32, et, 3, 0);
    LLVMValueRef ef = LLVMAddFunction(g->mod, name, ty);
    add_fn_attrs(g, ef, g->tm);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, ef, "entry"));
    LLVMValueRef args[3] = {LLVMGetParam(ef, 0), LLVMGetParam(ef, 1), LLVMGetParam(ef, 2)};
    for (uint32_t k = 0; k < g->nparts; k++) {
        char sym[64];
        part_name(g, k, sym, sizeof sym);
        LLVMValueRef f = LLVMAddFunction(g->mod, sym, ty);
        add_fn_attrs(g, f, g->tm);
        LLVMValueRef rc = LLVMBuildCall2(g->b, ty, f, args, 3, "");
        LLVMBasicBlockRef okb = LLVMAppendBasicBlockInContext(g->ctx, ef, "part.ok");
        LLVMBasicBlockRef fb = LLVMAppendBasicBlockInContext(g->ctx, ef, "part.fail");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, rc, LLVMConstInt(g->t_i32, 0, 0), ""),
                        okb, fb);
        LLVMPositionBuilderAtEnd(g->b, fb);
        LLVMBuildRet(g->b, rc);
        LLVMPositionBuilderAtEnd(g->b, okb);
    }
    LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, 0, 0));
    return TVM_OK;
}

/* i32 SYM(ptr args, ptr workspace, ptr rt), the kernel ABI of loop.h:
 * loads the argument pointers and calls body, whose parameters are noalias. */
static tvm_status build_entry(cg *g, const char *sym, LLVMTypeRef body_ty, LLVMValueRef body) {
    unsigned np = (unsigned)g->p->nargs + 2;
    LLVMTypeRef et[3] = {g->t_ptr, g->t_ptr, g->t_ptr};
    LLVMValueRef ef = LLVMAddFunction(g->mod, sym, LLVMFunctionType(g->t_i32, et, 3, 0));
    add_fn_attrs(g, ef, g->tm);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, ef, "entry"));
    LLVMValueRef *args = malloc(np * sizeof *args);
    if (!args) return err_set(TVM_ERR_OUT_OF_MEMORY, "llvm codegen: out of memory");
    for (unsigned i = 0; i + 2 < np; i++) {
        LLVMValueRef idx = LLVMConstInt(g->t_i64, i, 0);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(g->b, g->t_ptr, LLVMGetParam(ef, 0), &idx, 1, "");
        args[i] = LLVMBuildLoad2(g->b, g->t_ptr, slot, "");
        LLVMSetAlignment(args[i], 8);
    }
    args[np - 2] = LLVMGetParam(ef, 1);
    args[np - 1] = LLVMGetParam(ef, 2);
    LLVMValueRef r = LLVMBuildCall2(g->b, body_ty, body, args, np, "");
    free(args);
    LLVMBuildRet(g->b, r);
    return TVM_OK;
}

/* Builds the body function and the exported entry wrapper. */
static tvm_status build_module(cg *g, const llvm_tm *tm, const char *name) {
    const lp_program *p = g->p;
    LLVMContextRef c = g->ctx;
    g->t_i1 = LLVMInt1TypeInContext(c);
    g->t_i8 = LLVMInt8TypeInContext(c);
    g->t_i16 = LLVMInt16TypeInContext(c);
    g->t_i32 = LLVMInt32TypeInContext(c);
    g->t_i64 = LLVMInt64TypeInContext(c);
    g->t_f16 = LLVMHalfTypeInContext(c);
    g->t_f32 = LLVMFloatTypeInContext(c);
    g->t_f64 = LLVMDoubleTypeInContext(c);
    g->t_ptr = LLVMPointerTypeInContext(c, 0);

    if (p->nargs < 0 || p->nargs > 65536)
        return err_set(TVM_ERR_INTERNAL, "llvm codegen: bad argument count %d", p->nargs);
    g->tm = tm;
    g->name = name;
    /* the arguments, then the workspace, then the thread pool */
    unsigned np = (unsigned)p->nargs + 2;
    LLVMTypeRef *pt = malloc(np * sizeof *pt);
    if (!pt) return err_set(TVM_ERR_OUT_OF_MEMORY, "llvm codegen: out of memory");
    for (unsigned i = 0; i < np; i++) pt[i] = g->t_ptr;
    LLVMTypeRef body_ty = LLVMFunctionType(g->t_i32, pt, np, 0);
    free(pt);
    if (g->part >= 0) return define_part(g, (uint32_t)g->part);
    if (g->part == PART_CALLER) return build_caller(g, name);
    char body_name[48];
    snprintf(body_name, sizeof body_name, "%s.body", name);
    g->fn = LLVMAddFunction(g->mod, body_name, body_ty);
    LLVMSetLinkage(g->fn, LLVMInternalLinkage);
    add_fn_attrs(g, g->fn, tm);
    unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
    for (unsigned i = 0; i < np; i++)
        LLVMAddAttributeAtIndex(g->fn, i + 1, LLVMCreateEnumAttribute(c, noalias, 0));
    LLVMSetValueName2(LLVMGetParam(g->fn, np - 2), "workspace", 9);
    g->rt = LLVMGetParam(g->fn, np - 1);
    LLVMSetValueName2(g->rt, "rt", 2);

    /* buffer base pointers and accumulators, all in the entry block */
    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(c, g->fn, "entry");
    LLVMPositionBuilderAtEnd(g->b, entry);
    for (uint32_t i = 1; i < p->nbufs; i++) {
        const lp_buffer *bf = &p->bufs[i];
        const char *bn = bf->name ? bf->name : "";
        if (!dtype_valid(bf->dtype))
            return err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has a bad dtype", bn);
        switch (bf->kind) {
        case LP_BUF_ARG:
            if (bf->arg < 0 || bf->arg >= p->nargs)
                return err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has bad arg %d",
                               bn, (int)bf->arg);
            g->bufptr[i] = LLVMGetParam(g->fn, (unsigned)bf->arg);
            LLVMSetValueName2(g->bufptr[i], bn, strlen(bn)); /* readable "llvm" source */
            break;
        case LP_BUF_WORKSPACE: {
            if (bf->offset < 0 || bf->offset > p->workspace_bytes)
                return err_set(TVM_ERR_INTERNAL,
                               "llvm codegen: buffer '%s' lies outside the workspace", bn);
            LLVMValueRef off = LLVMConstInt(g->t_i64, (unsigned long long)bf->offset, 0);
            g->bufptr[i] = LLVMBuildInBoundsGEP2(g->b, g->t_i8, LLVMGetParam(g->fn, np - 2),
                                                 &off, 1, bn);
            break;
        }
        case LP_BUF_LOCAL: { /* a scalar, or an array SROA splits into registers */
            LLVMTypeRef t = ty_mem(g, bf->dtype);
            if (bf->ndim > 0) t = LLVMArrayType2(t, (uint64_t)bf->elems);
            LLVMValueRef a = LLVMBuildAlloca(g->b, t, bn);
            LLVMSetAlignment(a, bf->ndim > 0 ? 64 : (unsigned)dtype_bytes(bf->dtype));
            g->bufptr[i] = a;
            break;
        }
        default:
            return err_set(TVM_ERR_INTERNAL, "llvm codegen: buffer '%s' has a bad kind", bn);
        }
    }
    if (p->body && !gen_stmt(g, p->body)) {
        return g->st ? g->st : TVM_ERR_INTERNAL;
    }
    LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, 0, 0));

    tvm_status st = build_entry(g, name, body_ty, g->fn);
    keep_variants(g);
    return st;
}

static const char *pipeline_for(int opt_level) {
    switch (opt_level) {
    case 0: return "default<O0>";
    case 1: return "default<O1>";
    case 2: return "default<O2>";
    default: return "default<O3>";
    }
}

/* Verifies and optimises g->mod with tm. */
static tvm_status optimise(cg *g, llvm_tm *tm) {
    char *msg = NULL;
    if (LLVMVerifyModule(g->mod, LLVMReturnStatusAction, &msg)) {
        tvm_status st = err_set(TVM_ERR_INTERNAL, "llvm codegen: invalid module: %s",
                                msg ? msg : "");
        LLVMDisposeMessage(msg);
        return st;
    }
    LLVMDisposeMessage(msg);
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    bool vec = tm->opt_level >= 2;
    LLVMPassBuilderOptionsSetLoopVectorization(opts, vec);
    LLVMPassBuilderOptionsSetSLPVectorization(opts, 0);
    LLVMPassBuilderOptionsSetLoopInterleaving(opts, vec);
    LLVMPassBuilderOptionsSetLoopUnrolling(opts, vec);
    LLVMErrorRef e = LLVMRunPasses(g->mod, pipeline_for(tm->opt_level), tm->tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) return llvm_err(TVM_ERR_COMPILE, "llvm: optimisation failed", e);
    return TVM_OK;
}

/* The loop IR's vectorisation hints are hints: a hinted loop LLVM cannot
 * vectorise (a libm call in a fused epilogue) stays scalar, silently.
 * LLVM's default handler would print "loop not vectorized" warnings and
 * remarks on the user's stderr; only errors are worth printing. */
static void diagnostic(LLVMDiagnosticInfoRef di, void *unused) {
    (void)unused;
    if (LLVMGetDiagInfoSeverity(di) != LLVMDSError) return;
    char *d = LLVMGetDiagInfoDescription(di);
    fprintf(stderr, "tvmc: llvm: %s\n", d ? d : "error");
    LLVMDisposeMessage(d);
}

/* TVMC_DUMP_IR also prints where each LLVM compile spends its time. */
static bool dump_times(void) {
    const char *v = getenv("TVMC_DUMP_IR");
    return v && v[0] && strcmp(v, "0") != 0;
}

static void kernel_free(be_kernel *k) {
    if (!k) return;
    if (k->rt) llvm_jit_remove(k->state, k->rt);
    free(k->cpu);
    free(k->features);
    if (k->state) llvm_state_release(k->state);
    free(k);
}

/* One LLVM module to build, optimise and emit: the whole program, or for a
 * big program the body that calls the parts, or one part. */
typedef struct cg_unit {
    int64_t part;            /* PART_WHOLE, PART_CALLER or a part index */
    LLVMMemoryBufferRef obj; /* EMIT_OBJECT: the object file */
    char *text;              /* EMIT_LLVM, EMIT_ASM: the module's text (malloc'd) */
    tvm_status st;
    char msg[512];           /* the failure's message, from the thread that had it */
} cg_unit;

/* What a job makes of each optimised module. A compile makes objects; the
 * texts are made on request only (printing every module's IR at every
 * compile cost time and kept megabytes for a model nobody dumps). The same
 * program, options and kernel name give the same optimised module. */
enum { EMIT_OBJECT, EMIT_LLVM, EMIT_ASM };

typedef struct cg_job {
    llvm_state *s;
    const lp_program *p;
    const be_kernel *k;
    int emit;
    cg_unit *units;
    uint32_t nunits;
    const uint32_t *part_start; /* split_parts; NULL: one module */
    uint32_t nparts;
    atomic_uint next;   /* next unit to claim */
    atomic_bool failed; /* stop claiming */
} cg_job;

static tvm_status compile_unit(const cg_job *j, cg_unit *u) {
    const lp_program *p = j->p;
    const be_kernel *k = j->k;
    llvm_state *s = j->s;
    llvm_tm *tm = NULL;
    cg g = {.p = p, .fast = k->fast, .gen = 1, .part = u->part, .part_start = j->part_start,
            .nparts = j->nparts};
    tvm_status st = llvm_tm_acquire(s, k->cpu, k->features, k->opt_level, &tm);
    if (st != TVM_OK) return st;
    g.avx2 = llvm_have_libmvec() && strstr(k->features, "+avx2") != NULL;
    g.avx512 = strstr(k->features, "+avx512f") != NULL;
    g.fmuladd = k->opt_level >= 2 && strstr(k->features, "+fma") != NULL;

    g.bufptr = calloc(p->nbufs ? p->nbufs : 1, sizeof *g.bufptr);
    g.var = calloc(p->nvars ? p->nvars : 1, sizeof *g.var);
    /* per node of the whole program, but a part of a split program writes
     * only its own nodes' entries: mapped, the rest never becomes resident
     * (a whole model: 169k nodes, 2.7 MB per unit compiled at once) */
    g.memo = rt_big_calloc(p->nnodes ? p->nnodes : 1, sizeof *g.memo);
    g.memo_gen = rt_big_calloc(p->nnodes ? p->nnodes : 1, sizeof *g.memo_gen);
    g.memo_scope = rt_big_calloc(p->nnodes ? p->nnodes : 1, sizeof *g.memo_scope);
    if (!g.bufptr || !g.var || !g.memo || !g.memo_gen || !g.memo_scope ||
        !VEC_PUSH_OK(g.scope_open, g.nscopes, g.cap_scopes, UINT32_MAX)) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "llvm_compile: out of memory");
        goto done;
    }
    g.scope_open[g.nscopes++] = 1; /* scope 0: the whole function, always open */

    g.ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(g.ctx, diagnostic, NULL);
    g.mod = LLVMModuleCreateWithNameInContext(k->name, g.ctx);
    g.b = LLVMCreateBuilderInContext(g.ctx);
    LLVMSetTarget(g.mod, llvm_state_triple(s));
    LLVMSetModuleDataLayout(g.mod, tm->layout);
    g.nt_min_bytes = k->nt_min_bytes;
    if (g.nt_min_bytes > 0 && !(g.nt_read = buffers_read(p))) g.nt_min_bytes = 0;
    uint64_t t0 = now_ns(), t1 = t0, t2 = t0, t3 = t0;
    st = build_module(&g, tm, k->name);
    t1 = now_ns();
    if (st == TVM_OK) st = optimise(&g, tm);
    if (st == TVM_OK && g.nt_min_bytes > 0) mark_nontemporal(&g, tm->layout);
    t2 = now_ns();
    if (st == TVM_OK && j->emit == EMIT_LLVM) {
        char *ir = LLVMPrintModuleToString(g.mod);
        u->text = ir ? strdup(ir) : NULL;
        LLVMDisposeMessage(ir);
        if (!u->text) st = err_set(TVM_ERR_OUT_OF_MEMORY, "llvm: out of memory");
    } else if (st == TVM_OK) {
        bool obj = j->emit == EMIT_OBJECT;
        LLVMMemoryBufferRef out = NULL;
        char *msg = NULL;
        if (LLVMTargetMachineEmitToMemoryBuffer(tm->tm, g.mod, obj ? LLVMObjectFile
                                                : LLVMAssemblyFile, &msg, &out)) {
            st = err_set(TVM_ERR_COMPILE, "llvm: %s generation failed: %s",
                         obj ? "code" : "assembly", msg ? msg : "");
            out = NULL;
        }
        LLVMDisposeMessage(msg);
        if (out && obj) {
            u->obj = out;
        } else if (out) {
            size_t n = LLVMGetBufferSize(out);
            if ((u->text = malloc(n + 1))) {
                memcpy(u->text, LLVMGetBufferStart(out), n);
                u->text[n] = '\0';
            } else {
                st = err_set(TVM_ERR_OUT_OF_MEMORY, "llvm: out of memory");
            }
            LLVMDisposeMemoryBuffer(out);
        }
        t3 = now_ns();
    }
    if (st == TVM_OK && j->emit == EMIT_OBJECT && dump_times()) {
        char what[32] = "";
        if (u->part >= 0) snprintf(what, sizeof what, ".part%lld", (long long)u->part);
        fprintf(stderr, "// llvm %s%s: build %.2f ms, optimise %.2f ms, codegen %.2f ms, "
                "object %zu bytes\n", k->name, what, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                (t3 - t2) / 1e6, u->obj ? LLVMGetBufferSize(u->obj) : (size_t)0);
    }

done:
    if (g.b) LLVMDisposeBuilder(g.b);
    if (g.mod) LLVMDisposeModule(g.mod);
    if (g.ctx) LLVMContextDispose(g.ctx);
    free(g.bufptr);
    free(g.var);
    rt_big_free(g.memo);
    rt_big_free(g.memo_gen);
    rt_big_free(g.memo_scope);
    free(g.scope_open);
    free(g.nt_read);
    llvm_tm_release(s, tm);
    return st;
}

/* Claims units until none is left or one failed. Each unit has its own
 * LLVMContext and target machine (TECH-NOTES §0.2). */
static void *compile_units(void *arg) {
    cg_job *j = arg;
    while (!atomic_load(&j->failed)) {
        uint32_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nunits) break;
        cg_unit *u = &j->units[i];
        u->st = compile_unit(j, u);
        if (u->st != TVM_OK) {
            snprintf(u->msg, sizeof u->msg, "%s", tvm_last_error());
            atomic_store(&j->failed, true);
        }
    }
    return NULL;
}

/* Helper threads for a big program's modules: the cores beyond the caller's. */
static uint32_t compile_helpers(uint32_t nunits) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > COMPILE_THREADS_MAX) n = COMPILE_THREADS_MAX;
    if (n > (long)nunits) n = (long)nunits;
    return (uint32_t)(n - 1);
}

/* Makes every unit of the kernel's program (j->units[i].part set) on the
 * calling thread and, for a big program, helper threads; the first failure's
 * status and message. */
static tvm_status run_units(cg_job *j, bool split) {
    atomic_init(&j->next, 0);
    atomic_init(&j->failed, false);
    pthread_t helper[COMPILE_THREADS_MAX];
    uint32_t nhelp = 0, want = split ? compile_helpers(j->nunits) : 0;
    while (nhelp < want && pthread_create(&helper[nhelp], NULL, compile_units, j) == 0)
        nhelp++; /* fewer helpers than wanted only takes longer */
    compile_units(j);
    for (uint32_t i = 0; i < nhelp; i++) pthread_join(helper[i], NULL);
    for (uint32_t i = 0; i < j->nunits; i++)
        if (j->units[i].st != TVM_OK) return err_set(j->units[i].st, "%s", j->units[i].msg);
    return TVM_OK;
}

/* The units of job j's program: one module, or for a big program the
 * caller, then one per part (j->part_start, j->nparts set). NULL when out of
 * memory. */
static cg_unit *make_units(cg_job *j) {
    j->nunits = j->nparts ? j->nparts + 1 : 1;
    cg_unit *u = calloc(j->nunits, sizeof *u);
    if (!u) return NULL;
    u[0].part = j->nparts ? PART_CALLER : PART_WHOLE;
    for (uint32_t i = 1; i < j->nunits; i++) u[i].part = i - 1;
    return u;
}

static void free_units(cg_unit *u, uint32_t n) {
    for (uint32_t i = 0; u && i < n; i++) {
        if (u[i].obj) LLVMDisposeMemoryBuffer(u[i].obj);
        free(u[i].text);
    }
    free(u);
}

/* The buffer statement s stores last that outlives the statement: not a
 * local, not a per-iteration scratch copy (0: none). */
static uint32_t last_stored(const lp_program *p, lp_id s, uint32_t found, int depth) {
    if (!s || depth > 4000) return found;
    const lp_node *n = lp_get(p, s);
    switch (n->kind) {
    case LP_SEQ:
        for (uint32_t k = 0; k < n->nlist; k++)
            found = last_stored(p, lp_list(p, n->list)[k], found, depth + 1);
        return found;
    case LP_FOR: return last_stored(p, n->c, found, depth + 1);
    case LP_IF: return last_stored(p, n->c, last_stored(p, n->b, found, depth + 1), depth + 1);
    case LP_STORE:
        if (n->a < p->nbufs && p->bufs[n->a].kind != LP_BUF_LOCAL && !p->bufs[n->a].slot_bytes)
            return n->a;
        return found;
    default: return found;
    }
}

#define LABEL_BYTES 64

/* Perf map labels (TVMC_PERF_MAP): each unit's last stored buffer, named
 * as the loop printer names it (a shared name takes the buffer's number:
 * clip_116), so a whole model's profile reads as its layers. NULL when
 * the map is off; labels[i] points into the same allocation. */
static const char **unit_labels(const cg_job *j) {
    if (!llvm_perfmap_on()) return NULL;
    const lp_program *p = j->p;
    const char **l = calloc(j->nunits, sizeof *l + LABEL_BYTES);
    if (!l) return NULL;
    char *text = (char *)(l + j->nunits);
    const lp_node *body = p->body ? lp_get(p, p->body) : NULL;
    for (uint32_t i = 0; i < j->nunits; i++) {
        int64_t k = j->units[i].part;
        uint32_t b = 0;
        if (k == PART_WHOLE) b = last_stored(p, p->body, 0, 0);
        else if (k >= 0 && body && body->kind == LP_SEQ)
            for (uint32_t s = j->part_start[k]; s < j->part_start[k + 1]; s++)
                b = last_stored(p, lp_list(p, body->list)[s], b, 0);
        const char *name = b ? p->bufs[b].name : NULL;
        if (!name || !*name) continue;
        bool shared = false;
        for (uint32_t o = 1; o < p->nbufs && !shared; o++)
            shared = o != b && p->bufs[o].name && strcmp(p->bufs[o].name, name) == 0;
        char *t = text + (size_t)i * LABEL_BYTES;
        if (shared) snprintf(t, LABEL_BYTES, "%s_%u", name, b);
        else snprintf(t, LABEL_BYTES, "%s", name);
        l[i] = t;
    }
    return l;
}

static tvm_status llvm_compile(void *state, const lp_program *p, const be_options *o,
                               be_kernel **out) {
    llvm_state *s = state;
    if (!s || !p || !o || !out) return err_set(TVM_ERR_INTERNAL, "llvm_compile: NULL argument");
    if (!p->flat) return err_set(TVM_ERR_INTERNAL, "llvm_compile: the program is not flat");
    if (p->failed) return err_set(TVM_ERR_INTERNAL, "llvm_compile: the program is incomplete");

    be_kernel *k = calloc(1, sizeof *k);
    if (!k) return err_set(TVM_ERR_OUT_OF_MEMORY, "llvm_compile: out of memory");
    llvm_state_retain(s);
    k->state = s;
    k->opt_level = o->opt_level < 0 ? 0 : o->opt_level > 3 ? 3 : o->opt_level;
    snprintf(k->name, sizeof k->name, "tvmc_k_%llu",
             (unsigned long long)llvm_next_kernel_id(s));
    k->p = p;
    k->fast = o->fast_math || p->fast_math;
    /* read once: the texts made later must see the threshold this compile saw */
    k->nt_min_bytes = k->fast ? 0 : nt_threshold(llvm_state_triple(s));

    cg_job j = {.s = s, .p = p, .k = k, .emit = EMIT_OBJECT};
    LLVMMemoryBufferRef *objs = NULL;
    uint32_t *parts = NULL;
    tvm_status st = llvm_resolve_target(s, &o->target, &k->cpu, &k->features);
    if (st != TVM_OK) goto done;
    parts = p->body ? split_parts(p, &j.nparts) : NULL;
    j.part_start = parts;
    j.units = make_units(&j);
    objs = calloc(j.nunits, sizeof *objs);
    if (!j.units || !objs) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "llvm_compile: out of memory");
        goto done;
    }
    st = run_units(&j, j.nparts > 0);
    for (uint32_t i = 0; i < j.nunits && st == TVM_OK; i++)
        if (!j.units[i].obj) st = err_set(TVM_ERR_INTERNAL, "llvm_compile: a module is missing");
    if (st == TVM_OK) {
        for (uint32_t i = 0; i < j.nunits; i++) {
            objs[i] = j.units[i].obj;
            j.units[i].obj = NULL;
        }
        uint64_t addr = 0;
        const char **labels = unit_labels(&j);
        st = llvm_jit_add_objects(s, objs, labels, j.nunits, k->name, &k->rt,
                                  &addr); /* takes objs */
        free(labels);
        if (st == TVM_OK) k->fn = (int32_t(*)(void *const *, void *, void *))(uintptr_t)addr;
    }

done:
    free_units(j.units, j.nunits);
    free(parts);
    free(objs);
    if (st != TVM_OK) {
        kernel_free(k);
        return st;
    }
    *out = k;
    return TVM_OK;
}

static int32_t llvm_run(const be_kernel *k, void *const *args, void *workspace, void *rt) {
    return k->fn(args, workspace, rt);
}

/* All the kernel's modules, one after the other ("llvm" or "asm"), made
 * again from the program: the same modules the compile emitted as objects. */
static tvm_status kernel_text(const be_kernel *k, bool assembly, char **text) {
    const lp_program *p = k->p;
    cg_job j = {.s = k->state, .p = p, .k = k, .emit = assembly ? EMIT_ASM : EMIT_LLVM};
    uint32_t *parts = p->body ? split_parts(p, &j.nparts) : NULL;
    j.part_start = parts;
    j.units = make_units(&j);
    if (!j.units) {
        free(parts);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_source: out of memory");
    }
    tvm_status st = run_units(&j, j.nparts > 0);
    strbuf sb = {0};
    for (uint32_t i = 0; i < j.nunits && st == TVM_OK; i++)
        if (j.units[i].text) sb_puts(&sb, j.units[i].text);
    free_units(j.units, j.nunits);
    free(parts);
    if (st == TVM_OK) {
        char *t = sb_take(&sb);
        if (!t) st = err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_source: out of memory");
        else *text = t;
    }
    sb_free(&sb);
    return st;
}

static tvm_status llvm_source(const be_kernel *k, const char *stage, char **text) {
    if (!k || !text) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: NULL argument");
    if (!stage) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_function_source: NULL kind");
    if (strcmp(stage, "llvm") == 0) return kernel_text(k, false, text);
    if (strcmp(stage, "asm") == 0) return kernel_text(k, true, text);
    if (strcmp(stage, "graph") == 0 || strcmp(stage, "loop") == 0)
        return err_set(TVM_ERR_UNSUPPORTED, "tvm_function_source: the llvm backend has no "
                       "'%s' stage", stage);
    return err_set(TVM_ERR_INVALID_ARGUMENT,
                   "tvm_function_source: unknown kind '%.32s' (expected \"graph\", \"loop\", "
                   "\"llvm\" or \"asm\")", stage);
}

static void llvm_destroy(be_kernel *k) { kernel_free(k); }

const be_backend be_llvm = {
    .name = "llvm",
    .compile = llvm_compile,
    .run = llvm_run,
    .source = llvm_source,
    .destroy = llvm_destroy,
    .trampoline = llvm_trampoline,
    .trampoline_free = llvm_trampoline_free,
    .state_new = llvm_state_new,
    .state_free = llvm_state_free,
};
