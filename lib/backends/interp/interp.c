/* interp.c — the reference interpreter: runs a flat loop program with the
 * scalar semantics of loop_eval.c, so every other backend can be compared
 * with it.
 *
 * compile() turns the statement tree into a linear register code (no
 * recursion and no allocation per node at run time). Within one statement a
 * shared expression node is evaluated once; nothing is reused across
 * statements, since a store may change what a load reads. Every select
 * evaluates only its chosen side. Registers: [loop vars][local buffers]
 * [constants][temporaries]; run() allocates a fresh register file per call,
 * so a kernel is reentrant and callable from many threads at once.
 *
 * Host calls (LP_CALL) go through libffi: each call site gets its ffi_cif
 * prepared once here and is called with ffi_call at run time.
 *
 * run() returns 0, the id of the first failed bounds check, or -1 when an
 * unchecked access falls outside a buffer whose element count is known (a
 * compiler bug: the bounds pass should have proved or checked it). */
#include "../backend.h"

#include <ffi.h>
#include <math.h>
#include <stdlib.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

enum {
    I_END,
    I_MOV,       /* d = a */
    I_SEL,       /* d = t ? a : b (operands already evaluated) */
    I_BIN,       /* d = op(a, b), operand dtype dt */
    I_ADD_I64,
    I_SUB_I64,
    I_MUL_I64,
    I_ADD_F32,
    I_SUB_F32,
    I_MUL_F32,
    I_ADD_F64,
    I_SUB_F64,
    I_MUL_F64,
    I_FMA,       /* d = fma(a, b, t), dtype dt: a contraction step (loop.h, LP_FUSED) */
    I_UN,        /* d = op(a), dtype dt */
    I_CAST,      /* d = cast a from dt2 to dt */
    I_CHECK,     /* if !a: return t */
    I_LOAD,      /* d = buffer b (storage dtype dt) at offset a */
    I_STORE,     /* buffer b (storage dtype dt) at offset a = d */
    I_LSTORE,    /* local d = a, rounded to storage dtype dt */
    I_ACCUM,     /* local d = accum op of (d, a), compute dtype dt2, storage dt */
    I_JMPF,      /* if !a: goto t */
    I_JMP,       /* goto t */
    I_LOOP_INIT, /* d = 0; if d >= a: goto t */
    I_LOOP_NEXT, /* if ++d < a: goto t */
    I_CALL,      /* d = call of site a (argument registers in the site) */
    I_NCODES
};

/* which fields of an instruction name registers: 1 = d, 2 = a, 4 = b, 8 = t */
static const uint8_t reg_fields[I_NCODES] = {
    [I_MOV] = 3, [I_SEL] = 15, [I_BIN] = 7, [I_ADD_I64] = 7, [I_SUB_I64] = 7,
    [I_MUL_I64] = 7, [I_ADD_F32] = 7, [I_SUB_F32] = 7, [I_MUL_F32] = 7,
    [I_ADD_F64] = 7, [I_SUB_F64] = 7, [I_MUL_F64] = 7, [I_FMA] = 15, [I_UN] = 3, [I_CAST] = 3,
    [I_CHECK] = 2, [I_LOAD] = 3, [I_STORE] = 3, [I_LSTORE] = 3, [I_ACCUM] = 3,
    [I_JMPF] = 2, [I_LOOP_INIT] = 3, [I_LOOP_NEXT] = 3, [I_CALL] = 1,
};

typedef struct insn {
    uint8_t code, op, dt, dt2;
    uint32_t d, a, b, t;
} insn;

/* One LP_CALL evaluation point. The cif points into `types`, so a site does
 * not move once prepared. */
typedef struct call_site {
    ffi_cif cif;
    ffi_type *types[LP_CALL_MAX_ARGS];
    void *fn;
    uint32_t nargs;
    uint8_t ret_dt;
    uint8_t arg_dt[LP_CALL_MAX_ARGS];
    uint32_t regs[LP_CALL_MAX_ARGS]; /* argument registers */
} call_site;

struct be_kernel {
    const lp_program *p;
    call_site *calls;
    uint32_t ncalls;
    insn *code;
    uint32_t ncode;
    lp_value *consts; /* initial values of the constant registers */
    uint32_t nconsts, const_base, nregs, nbufs;
    int64_t *lim;     /* per buffer: element count, INT64_MAX if unknown */
    int64_t local_bytes; /* the local blocks (ndim > 0) of one run, 8-byte aligned each */
};

/* ---- compiler -------------------------------------------------------------- */

/* During compilation, constant and temporary registers carry a tag and are
 * renumbered once their counts are known. */
#define TAG_CONST 0x80000000u
#define TAG_TEMP 0x40000000u
#define TAG_MASK 0xc0000000u
#define MAX_REGS 0x3fffffffu

typedef struct cc {
    const lp_program *p;
    insn *code;
    uint32_t ncode, cap_code;
    lp_value *consts;
    uint32_t nconsts, cap_consts;
    uint32_t *const_reg; /* per node: tagged register of a constant, 0 = none */
    uint32_t *avail;     /* per node: register holding its value in this statement */
    uint32_t *log;       /* nodes set in avail, to undo */
    uint32_t nlog, cap_log;
    uint32_t top, max_top; /* temporaries */
    call_site *calls;
    uint32_t ncalls, cap_calls;
    bool oom;
} cc;

static uint32_t emit(cc *c, insn in) {
    if (c->oom || !VEC_PUSH_OK(c->code, c->ncode, c->cap_code, MAX_REGS)) {
        c->oom = true;
        return 0;
    }
    c->code[c->ncode] = in;
    return c->ncode++;
}

static uint32_t new_temp(cc *c) {
    uint32_t r = c->top++;
    if (c->top > c->max_top) c->max_top = c->top;
    if (c->top >= MAX_REGS) c->oom = true;
    return TAG_TEMP | r;
}

static void set_avail(cc *c, lp_id e, uint32_t reg) {
    if (c->oom || !VEC_PUSH_OK(c->log, c->nlog, c->cap_log, UINT32_MAX)) {
        c->oom = true;
        return;
    }
    c->avail[e] = reg;
    c->log[c->nlog++] = e;
}

static void undo_avail(cc *c, uint32_t mark) {
    while (c->nlog > mark) c->avail[c->log[--c->nlog]] = 0;
}

static uint32_t local_reg(const lp_program *p, uint32_t buf) { return p->nvars + buf; }

static uint32_t const_reg(cc *c, lp_id e) {
    if (c->const_reg[e]) return c->const_reg[e];
    if (!VEC_PUSH_OK(c->consts, c->nconsts, c->cap_consts, MAX_REGS)) {
        c->oom = true;
        return 0;
    }
    memcpy(&c->consts[c->nconsts], &c->p->nodes[e].imm, sizeof(lp_value));
    c->const_reg[e] = TAG_CONST | c->nconsts++;
    return c->const_reg[e];
}

static bool is_trivial(const cc *c, lp_id e) {
    int k = c->p->nodes[e].kind;
    return k == LP_CONST || k == LP_VAR || c->avail[e] != 0;
}

static uint32_t bin_code(int op, int dt) {
    if (dt == TVM_INT64) {
        if (op == IR_ADD) return I_ADD_I64;
        if (op == IR_SUB) return I_SUB_I64;
        if (op == IR_MUL) return I_MUL_I64;
    } else if (dt == TVM_FLOAT32) {
        if (op == IR_ADD) return I_ADD_F32;
        if (op == IR_SUB) return I_SUB_F32;
        if (op == IR_MUL) return I_MUL_F32;
    } else if (dt == TVM_FLOAT64) {
        if (op == IR_ADD) return I_ADD_F64;
        if (op == IR_SUB) return I_SUB_F64;
        if (op == IR_MUL) return I_MUL_F64;
    }
    return I_BIN;
}

static uint32_t cc_expr(cc *c, lp_id e);

/* fma(x, y, register add) of the fused product mul = x * y, in a new
 * temporary. */
static uint32_t cc_fma(cc *c, lp_id mul, uint32_t add) {
    const lp_node *m = &c->p->nodes[mul];
    uint32_t rx = cc_expr(c, m->a), ry = cc_expr(c, m->b);
    uint32_t d = new_temp(c);
    emit(c, (insn){.code = I_FMA, .dt = m->dtype, .d = d, .a = rx, .b = ry, .t = add});
    return d;
}

/* Emits code computing e; returns the register that holds it. */
static uint32_t cc_expr(cc *c, lp_id e) {
    const lp_program *p = c->p;
    if (c->oom) return 0;
    if (c->avail[e]) return c->avail[e];
    const lp_node n = p->nodes[e];
    uint32_t d;
    switch (n.kind) {
    case LP_CONST: return const_reg(c, e);
    case LP_VAR: return n.a;
    case LP_LOAD: {
        const lp_buffer *b = &p->bufs[n.a];
        if (n.flags & LP_CHECKED) {
            uint32_t rc = cc_expr(c, n.b);
            emit(c, (insn){.code = I_CHECK, .a = rc, .t = n.c});
        }
        if (b->kind == LP_BUF_LOCAL && b->ndim == 0) {
            d = local_reg(p, n.a); /* statements write locals only after reading */
            break;
        }
        /* other buffers, and local blocks (memory of the run, see interp_run) */
        uint32_t ri = cc_expr(c, p->pool[n.list]);
        d = new_temp(c);
        emit(c, (insn){.code = I_LOAD, .dt = b->dtype, .d = d, .a = ri, .b = n.a});
        break;
    }
    case LP_BINARY: {
        if (n.op == IR_ADD && lp_is_fused_mul(p, n.b)) { /* fma(x, y, a) */
            uint32_t ra = cc_expr(c, n.a);
            d = cc_fma(c, n.b, ra);
            break;
        }
        uint32_t ra = cc_expr(c, n.a), rb = cc_expr(c, n.b);
        int dt = p->nodes[n.a].dtype;
        d = new_temp(c);
        emit(c, (insn){.code = (uint8_t)bin_code(n.op, dt), .op = n.op, .dt = (uint8_t)dt,
                       .d = d, .a = ra, .b = rb});
        break;
    }
    case LP_UNARY: {
        uint32_t ra = cc_expr(c, n.a);
        d = new_temp(c);
        emit(c, (insn){.code = I_UN, .op = n.op, .dt = n.dtype, .d = d, .a = ra});
        break;
    }
    case LP_CAST: {
        uint32_t ra = cc_expr(c, n.a);
        d = new_temp(c);
        emit(c, (insn){.code = I_CAST, .dt = n.dtype, .dt2 = p->nodes[n.a].dtype, .d = d,
                       .a = ra});
        break;
    }
    case LP_SELECT: {
        uint32_t rc = cc_expr(c, n.a);
        if (is_trivial(c, n.b) && is_trivial(c, n.c)) {
            uint32_t ra = cc_expr(c, n.b), rb = cc_expr(c, n.c);
            d = new_temp(c);
            emit(c, (insn){.code = I_SEL, .d = d, .a = ra, .b = rb, .t = rc});
            break;
        }
        d = new_temp(c);
        uint32_t mark = c->nlog;
        uint32_t jf = emit(c, (insn){.code = I_JMPF, .a = rc});
        uint32_t ra = cc_expr(c, n.b);
        emit(c, (insn){.code = I_MOV, .d = d, .a = ra});
        undo_avail(c, mark);
        uint32_t jend = emit(c, (insn){.code = I_JMP});
        if (!c->oom) c->code[jf].t = c->ncode;
        uint32_t rb = cc_expr(c, n.c);
        emit(c, (insn){.code = I_MOV, .d = d, .a = rb});
        undo_avail(c, mark);
        if (!c->oom) c->code[jend].t = c->ncode;
        break;
    }
    case LP_CALL: {
        call_site cs = {.fn = p->callees[n.a].fn, .nargs = n.nlist, .ret_dt = n.dtype};
        for (uint32_t k = 0; k < n.nlist && k < LP_CALL_MAX_ARGS; k++) {
            lp_id arg = p->pool[n.list + k];
            cs.regs[k] = cc_expr(c, arg);
            cs.arg_dt[k] = p->nodes[arg].dtype;
        }
        if (c->oom || !VEC_PUSH_OK(c->calls, c->ncalls, c->cap_calls, MAX_REGS)) {
            c->oom = true;
            return 0;
        }
        uint32_t site = c->ncalls;
        c->calls[c->ncalls++] = cs;
        d = new_temp(c);
        emit(c, (insn){.code = I_CALL, .d = d, .a = site});
        break;
    }
    default: c->oom = true; return 0; /* unreachable on a verified program */
    }
    set_avail(c, e, d);
    return d;
}

/* Starts a statement's expressions: temporaries from base, nothing reused. */
static void begin_stmt(cc *c, uint32_t base) {
    undo_avail(c, 0);
    c->top = base;
}

static void cc_stmt(cc *c, lp_id s, uint32_t base) {
    const lp_program *p = c->p;
    if (c->oom) return;
    const lp_node n = p->nodes[s];
    switch (n.kind) {
    case LP_FOR: {
        begin_stmt(c, base);
        uint32_t re = cc_expr(c, n.b);
        uint32_t ext = new_temp(c); /* a copy: the body may change what re holds */
        emit(c, (insn){.code = I_MOV, .d = ext, .a = re});
        uint32_t body_base = c->top;
        uint32_t init = emit(c, (insn){.code = I_LOOP_INIT, .d = n.a, .a = ext});
        uint32_t start = c->ncode;
        cc_stmt(c, n.c, body_base);
        emit(c, (insn){.code = I_LOOP_NEXT, .d = n.a, .a = ext, .t = start});
        if (!c->oom) c->code[init].t = c->ncode;
        return;
    }
    case LP_STORE: {
        const lp_buffer *b = &p->bufs[n.a];
        begin_stmt(c, base);
        if (b->kind == LP_BUF_LOCAL && b->ndim == 0) {
            uint32_t rv = cc_expr(c, n.b);
            emit(c, (insn){.code = I_LSTORE, .dt = b->dtype, .d = local_reg(p, n.a), .a = rv});
            return;
        }
        uint32_t ri = cc_expr(c, p->pool[n.list]);
        uint32_t rv = cc_expr(c, n.b);
        emit(c, (insn){.code = I_STORE, .dt = b->dtype, .d = rv, .a = ri, .b = n.a});
        return;
    }
    case LP_ACCUM: {
        const lp_buffer *b = &p->bufs[n.a];
        begin_stmt(c, base);
        if (n.op == TVM_REDUCE_SUM && lp_is_fused_mul(p, n.b)) { /* acc = fma(x, y, acc) */
            uint32_t rv = cc_fma(c, n.b, local_reg(p, n.a));
            emit(c, (insn){.code = I_LSTORE, .dt = b->dtype, .d = local_reg(p, n.a), .a = rv});
            return;
        }
        uint32_t rv = cc_expr(c, n.b);
        emit(c, (insn){.code = I_ACCUM, .op = n.op, .dt = b->dtype,
                       .dt2 = (uint8_t)dtype_compute(b->dtype), .d = local_reg(p, n.a),
                       .a = rv});
        return;
    }
    case LP_IF: {
        begin_stmt(c, base);
        uint32_t rc = cc_expr(c, n.a);
        uint32_t jf = emit(c, (insn){.code = I_JMPF, .a = rc});
        cc_stmt(c, n.b, base);
        if (n.c) {
            uint32_t jend = emit(c, (insn){.code = I_JMP});
            if (!c->oom) c->code[jf].t = c->ncode;
            cc_stmt(c, n.c, base);
            if (!c->oom) c->code[jend].t = c->ncode;
        } else if (!c->oom) {
            c->code[jf].t = c->ncode;
        }
        return;
    }
    case LP_SEQ:
        for (uint32_t k = 0; k < n.nlist && !c->oom; k++) cc_stmt(c, p->pool[n.list + k], base);
        return;
    default: c->oom = true; return;
    }
}

static uint32_t relocate(uint32_t r, uint32_t const_base, uint32_t temp_base) {
    if (r & TAG_CONST) return const_base + (r & ~TAG_MASK);
    if (r & TAG_TEMP) return temp_base + (r & ~TAG_MASK);
    return r;
}

static ffi_type *ffi_type_of(int dt) {
    switch (dt) {
    case TVM_FLOAT32: return &ffi_type_float;
    case TVM_FLOAT64: return &ffi_type_double;
    case TVM_INT8: return &ffi_type_sint8;
    case TVM_INT16: return &ffi_type_sint16;
    case TVM_INT32: return &ffi_type_sint32;
    case TVM_INT64: return &ffi_type_sint64;
    case TVM_UINT8: return &ffi_type_uint8;
    case TVM_BOOL: return &ffi_type_uint8; /* C bool: one byte, 0 or 1 */
    default: return NULL;
    }
}

/* Prepares every call site's cif once the site table has its final address. */
static tvm_status prep_calls(call_site *calls, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        call_site *cs = &calls[i];
        ffi_type *rt = ffi_type_of(cs->ret_dt);
        bool ok = rt != NULL && cs->nargs <= LP_CALL_MAX_ARGS;
        for (uint32_t k = 0; k < cs->nargs && ok; k++) {
            cs->types[k] = ffi_type_of(cs->arg_dt[k]);
            ok = cs->types[k] != NULL;
        }
        if (!ok || ffi_prep_cif(&cs->cif, FFI_DEFAULT_ABI, cs->nargs, rt, cs->types) != FFI_OK)
            return err_set(TVM_ERR_COMPILE, "interp: libffi cannot describe a call of a host "
                           "function returning %s with %u arguments", dtype_name(cs->ret_dt),
                           cs->nargs);
    }
    return TVM_OK;
}

static void interp_destroy(be_kernel *k) {
    if (!k) return;
    free(k->calls);
    free(k->code);
    free(k->consts);
    free(k->lim);
    free(k);
}

static tvm_status interp_compile(void *state, const lp_program *p, const be_options *o,
                                 be_kernel **out) {
    if (!p || !out) return err_set(TVM_ERR_INVALID_ARGUMENT, "interp: no program");
    if (!p->flat) return err_set(TVM_ERR_INTERNAL, "interp: the program is not flat");
    tvm_status s = lp_verify(p);
    if (s) return s;
    if ((uint64_t)p->nvars + p->nbufs >= (1u << 29))
        return err_set(TVM_ERR_LIMIT, "interp: too many variables and buffers");

    cc c = {.p = p};
    be_kernel *k = calloc(1, sizeof *k);
    c.const_reg = calloc(p->nnodes, sizeof *c.const_reg);
    c.avail = calloc(p->nnodes, sizeof *c.avail);
    s = TVM_OK;
    if (!k || !c.const_reg || !c.avail) goto fail;

    cc_stmt(&c, p->body, 0);
    emit(&c, (insn){.code = I_END});
    if (c.oom) goto fail;

    k->p = p;
    k->nbufs = p->nbufs;
    k->const_base = p->nvars + p->nbufs;
    uint32_t temp_base = k->const_base + c.nconsts;
    if ((uint64_t)temp_base + c.max_top >= MAX_REGS) {
        s = err_set(TVM_ERR_LIMIT, "interp: the kernel needs too many registers");
        goto fail;
    }
    k->nregs = temp_base + c.max_top;
    for (uint32_t i = 0; i < c.ncode; i++) {
        insn *in = &c.code[i];
        uint8_t f = reg_fields[in->code];
        if (f & 1) in->d = relocate(in->d, k->const_base, temp_base);
        if (f & 2) in->a = relocate(in->a, k->const_base, temp_base);
        if (f & 4) in->b = relocate(in->b, k->const_base, temp_base);
        if (f & 8) in->t = relocate(in->t, k->const_base, temp_base);
    }
    for (uint32_t i = 0; i < c.ncalls; i++)
        for (uint32_t a = 0; a < c.calls[i].nargs; a++)
            c.calls[i].regs[a] = relocate(c.calls[i].regs[a], k->const_base, temp_base);
    k->calls = c.calls; /* final address: the cifs may point into it now */
    k->ncalls = c.ncalls;
    c.calls = NULL;
    if ((s = prep_calls(k->calls, k->ncalls)) != TVM_OK) goto fail;
    k->lim = malloc(sizeof *k->lim * p->nbufs);
    if (!k->lim) goto fail;
    for (uint32_t b = 0; b < p->nbufs; b++)
        k->lim[b] = (b > 0 && p->bufs[b].elems >= 0) ? p->bufs[b].elems : INT64_MAX;
    k->local_bytes = 0;
    for (uint32_t b = 1; b < p->nbufs; b++)
        if (p->bufs[b].kind == LP_BUF_LOCAL && p->bufs[b].ndim > 0)
            k->local_bytes += (p->bufs[b].elems * (int64_t)dtype_bytes(p->bufs[b].dtype) + 7) & ~7;

    k->code = c.code;
    k->ncode = c.ncode;
    k->consts = c.consts;
    k->nconsts = c.nconsts;
    free(c.const_reg);
    free(c.avail);
    free(c.log);
    *out = k;
    return TVM_OK;

fail:
    free(c.const_reg);
    free(c.avail);
    free(c.log);
    free(c.calls);
    free(c.code);
    free(c.consts);
    interp_destroy(k);
    if (s == TVM_OK)
        s = err_set(TVM_ERR_OUT_OF_MEMORY, "interp: out of memory compiling the kernel");
    return s;
}

/* ---- run time ------------------------------------------------------------ */

static inline lp_value load_elem(const char *base, int dt, int64_t off) {
    lp_value v;
    size_t o = (size_t)off;
    switch (dt) {
    case TVM_FLOAT32: {
        float f;
        memcpy(&f, base + o * 4, 4);
        v.f = f;
        return v;
    }
    case TVM_FLOAT64: memcpy(&v.f, base + o * 8, 8); return v;
    case TVM_FLOAT16: {
        uint16_t h;
        memcpy(&h, base + o * 2, 2);
        v.f = f16_bits_to_f32(h);
        return v;
    }
    case TVM_BFLOAT16: {
        uint16_t h;
        memcpy(&h, base + o * 2, 2);
        v.f = bf16_bits_to_f32(h);
        return v;
    }
    case TVM_INT8: v.i = (int8_t)base[o]; return v;
    case TVM_INT16: {
        int16_t x;
        memcpy(&x, base + o * 2, 2);
        v.i = x;
        return v;
    }
    case TVM_INT32: {
        int32_t x;
        memcpy(&x, base + o * 4, 4);
        v.i = x;
        return v;
    }
    case TVM_INT64: memcpy(&v.i, base + o * 8, 8); return v;
    case TVM_UINT8: v.i = (uint8_t)base[o]; return v;
    case TVM_BOOL: v.i = base[o] != 0; return v;
    default: v.i = 0; return v;
    }
}

static inline void store_elem(char *base, int dt, int64_t off, lp_value v) {
    size_t o = (size_t)off;
    switch (dt) {
    case TVM_FLOAT32: {
        float f = (float)v.f;
        memcpy(base + o * 4, &f, 4);
        return;
    }
    case TVM_FLOAT64: memcpy(base + o * 8, &v.f, 8); return;
    case TVM_FLOAT16: {
        uint16_t h = f32_to_f16_bits((float)v.f);
        memcpy(base + o * 2, &h, 2);
        return;
    }
    case TVM_BFLOAT16: {
        uint16_t h = f32_to_bf16_bits((float)v.f);
        memcpy(base + o * 2, &h, 2);
        return;
    }
    case TVM_INT8: case TVM_UINT8: base[o] = (char)(uint8_t)(uint64_t)v.i; return;
    case TVM_INT16: {
        uint16_t x = (uint16_t)(uint64_t)v.i;
        memcpy(base + o * 2, &x, 2);
        return;
    }
    case TVM_INT32: {
        uint32_t x = (uint32_t)(uint64_t)v.i;
        memcpy(base + o * 4, &x, 4);
        return;
    }
    case TVM_INT64: memcpy(base + o * 8, &v.i, 8); return;
    case TVM_BOOL: base[o] = v.i != 0; return;
    default: return;
    }
}

/* A value stored in a local buffer of storage dtype dt. */
static inline lp_value round_storage(int dt, lp_value v) {
    if (dt == TVM_FLOAT16) v.f = round_f16((float)v.f);
    else if (dt == TVM_BFLOAT16) v.f = round_bf16((float)v.f);
    else if (dt == TVM_BOOL) v.i = v.i != 0;
    return v;
}

/* A C scalar of any argument or return type. libffi widens integer results
 * narrower than a register to ffi_arg / ffi_sarg, so results are read
 * through those. */
typedef union c_scalar {
    float f32;
    double f64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    ffi_arg ua;
    ffi_sarg sa;
} c_scalar;

static inline void to_c(int dt, lp_value v, c_scalar *out) {
    switch (dt) {
    case TVM_FLOAT32: out->f32 = (float)v.f; return;
    case TVM_FLOAT64: out->f64 = v.f; return;
    case TVM_INT8: out->i8 = (int8_t)v.i; return;
    case TVM_INT16: out->i16 = (int16_t)v.i; return;
    case TVM_INT32: out->i32 = (int32_t)v.i; return;
    case TVM_INT64: out->i64 = v.i; return;
    case TVM_UINT8: out->u8 = (uint8_t)v.i; return;
    case TVM_BOOL: out->u8 = v.i != 0; return;
    default: out->i64 = 0; return;
    }
}

/* The canonical lp_value (loop_eval.c) of a returned C value. */
static inline lp_value from_c(int dt, const c_scalar *r) {
    lp_value v;
    switch (dt) {
    case TVM_FLOAT32: v.f = r->f32; return v;
    case TVM_FLOAT64: v.f = r->f64; return v;
    case TVM_INT8: v.i = (int8_t)r->sa; return v;
    case TVM_INT16: v.i = (int16_t)r->sa; return v;
    case TVM_INT32: v.i = (int32_t)r->sa; return v;
    case TVM_INT64: v.i = r->i64; return v;
    case TVM_UINT8: v.i = (uint8_t)r->ua; return v;
    case TVM_BOOL: v.i = (uint8_t)r->ua != 0; return v;
    default: v.i = 0; return v;
    }
}

static void call_host(const call_site *cs, const lp_value *r, lp_value *out) {
    c_scalar args[LP_CALL_MAX_ARGS], ret;
    void *argp[LP_CALL_MAX_ARGS];
    for (uint32_t k = 0; k < cs->nargs; k++) {
        to_c(cs->arg_dt[k], r[cs->regs[k]], &args[k]);
        argp[k] = &args[k];
    }
    memset(&ret, 0, sizeof ret);
    /* ffi_call only reads the cif, so one site serves many threads */
    ffi_call((ffi_cif *)&cs->cif, FFI_FN(cs->fn), &ret, argp);
    *out = from_c(cs->ret_dt, &ret);
}

#define STACK_REGS 512
#define STACK_BUFS 64

static int32_t exec(const be_kernel *k, lp_value *r, char **base) {
    const insn *code = k->code;
    const int64_t *lim = k->lim;
    uint32_t pc = 0;
    for (;;) {
        const insn *in = &code[pc++];
        switch (in->code) {
        case I_END: return 0;
        case I_MOV: r[in->d] = r[in->a]; break;
        case I_SEL: r[in->d] = r[in->t].i ? r[in->a] : r[in->b]; break;
        case I_BIN: r[in->d] = lp_eval_binary(in->op, in->dt, r[in->a], r[in->b]); break;
        case I_ADD_I64: r[in->d].i = (int64_t)((uint64_t)r[in->a].i + (uint64_t)r[in->b].i); break;
        case I_SUB_I64: r[in->d].i = (int64_t)((uint64_t)r[in->a].i - (uint64_t)r[in->b].i); break;
        case I_MUL_I64: r[in->d].i = (int64_t)((uint64_t)r[in->a].i * (uint64_t)r[in->b].i); break;
        case I_ADD_F32: {
            float x = (float)r[in->a].f + (float)r[in->b].f;
            r[in->d].f = x;
            break;
        }
        case I_SUB_F32: {
            float x = (float)r[in->a].f - (float)r[in->b].f;
            r[in->d].f = x;
            break;
        }
        case I_MUL_F32: {
            float x = (float)r[in->a].f * (float)r[in->b].f;
            r[in->d].f = x;
            break;
        }
        case I_ADD_F64: r[in->d].f = r[in->a].f + r[in->b].f; break;
        case I_SUB_F64: r[in->d].f = r[in->a].f - r[in->b].f; break;
        case I_MUL_F64: r[in->d].f = r[in->a].f * r[in->b].f; break;
        case I_FMA: r[in->d] = lp_eval_fma(in->dt, r[in->a], r[in->b], r[in->t]); break;
        case I_UN: r[in->d] = lp_eval_unary(in->op, in->dt, r[in->a]); break;
        case I_CAST: r[in->d] = lp_eval_cast(in->dt, in->dt2, r[in->a]); break;
        case I_CHECK:
            if (!r[in->a].i) return (int32_t)in->t;
            break;
        case I_LOAD: {
            int64_t off = r[in->a].i;
            if ((uint64_t)off >= (uint64_t)lim[in->b]) return -1;
            r[in->d] = load_elem(base[in->b], in->dt, off);
            break;
        }
        case I_STORE: {
            int64_t off = r[in->a].i;
            if ((uint64_t)off >= (uint64_t)lim[in->b]) return -1;
            store_elem(base[in->b], in->dt, off, r[in->d]);
            break;
        }
        case I_LSTORE: r[in->d] = round_storage(in->dt, r[in->a]); break;
        case I_ACCUM:
            r[in->d] = round_storage(in->dt, lp_eval_accum(in->op, in->dt2, r[in->d], r[in->a]));
            break;
        case I_JMPF:
            if (!r[in->a].i) pc = in->t;
            break;
        case I_JMP: pc = in->t; break;
        case I_LOOP_INIT:
            r[in->d].i = 0;
            if (r[in->a].i <= 0) pc = in->t;
            break;
        case I_LOOP_NEXT:
            if (++r[in->d].i < r[in->a].i) pc = in->t;
            break;
        case I_CALL: call_host(&k->calls[in->a], r, &r[in->d]); break;
        default: return -1;
        }
    }
}

/* Parallel loops run serially here, in order, with workspace slot 0: the
 * reference results every other backend must match bit for bit. */
static int32_t interp_run(const be_kernel *k, void *const *args, void *workspace, void *rt) {
    (void)rt;
    lp_value stack_regs[STACK_REGS];
    char *stack_bases[STACK_BUFS];
    lp_value *r = stack_regs;
    char **base = stack_bases;
    void *heap = NULL;
    if (k->nregs > STACK_REGS || k->nbufs > STACK_BUFS) {
        heap = malloc(sizeof(lp_value) * k->nregs + sizeof(char *) * k->nbufs);
        if (!heap) return -1;
        r = heap;
        base = (char **)(r + k->nregs);
    }
    memset(r, 0, sizeof(lp_value) * k->nregs);
    char *locals = NULL; /* local blocks: private to this run, like the registers */
    if (k->local_bytes > 0 && !(locals = calloc(1, (size_t)k->local_bytes))) {
        free(heap);
        return -1;
    }
    int64_t local_off = 0;
    if (k->nconsts) memcpy(r + k->const_base, k->consts, sizeof(lp_value) * k->nconsts);
    const lp_program *p = k->p;
    base[0] = NULL;
    for (uint32_t b = 1; b < k->nbufs; b++) {
        const lp_buffer *bf = &p->bufs[b];
        if (bf->kind == LP_BUF_ARG)
            base[b] = args ? (char *)args[bf->arg] : NULL;
        else if (bf->kind == LP_BUF_WORKSPACE)
            base[b] = workspace ? (char *)workspace + bf->offset : NULL;
        else if (bf->ndim > 0) {
            base[b] = locals + local_off;
            local_off += (bf->elems * (int64_t)dtype_bytes(bf->dtype) + 7) & ~7;
        } else
            base[b] = NULL;
    }
    int32_t rc = exec(k, r, base);
    free(locals);
    free(heap);
    return rc;
}

static tvm_status interp_source(const be_kernel *k, const char *stage, char **text) {
    return err_set(TVM_ERR_UNSUPPORTED, "the interp backend has no '%s' stage",
                   stage ? stage : "(null)");
}

const be_backend be_interp = {
    .name = "interp",
    .compile = interp_compile,
    .run = interp_run,
    .source = interp_source,
    .destroy = interp_destroy,
    .state_new = NULL,
    .state_free = NULL,
};
