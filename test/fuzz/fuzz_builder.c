/* fuzz_builder.c — libFuzzer target for the public API (RELIABILITY.md G3,
 * target 3): a byte stream becomes a sequence of graph-builder calls, then
 * tvm_graph_status, tvm_compile (O0, target "llvm" or "interp" unless the
 * input says otherwise) and, when that succeeds, tvm_function_output_shape
 * and tvm_function_call on small tensors.
 *
 * Every status is accepted; what counts as a finding is
 *   - anything the sanitizers report (ASan, UBSan, LSan), a crash or a hang;
 *   - a failing call whose tvm_last_error() is empty or longer than 1023
 *     characters, or a status outside the tvm_status enum;
 *   - TVM_ERR_INTERNAL (documented as "a bug in tvmc") unless the environment
 *     sets TVMC_FUZZ_ALLOW_INTERNAL=1;
 *   - a builder call that returns the null handle while tvm_graph_status()
 *     says TVM_OK, or a handle after the graph has failed (sticky errors);
 *   - a call that succeeds once and then fails, or gives different output
 *     bits, for the same inputs; a call that changes its input tensors.
 * Findings abort with __builtin_trap() after one line on stderr.
 *
 * The operator library (tvm_op_*) gets arbitrary attributes: axes and counts
 * out of range, extreme strides, pads, kernels and shapes, invalid enums and
 * struct sizes, NULL attrs, absent optional tensors, any dtypes and ranks; every
 * array it reads is as long as the header documents (their values are
 * anything). tvm_call_extern calls fixed pure functions of this file with
 * their true signatures; only the argument dtypes and the counts / dtypes
 * that must be refused are hostile.
 *
 * Tensors passed to tvm_function_call are always backed by memory of the size
 * they claim (their buffer ends exactly at the claimed end, so ASan sees any
 * overrun), so a kernel that reads or writes outside them is a library bug,
 * never a harness lie. Calls are skipped when an estimate of the work exceeds
 * a small budget (so legitimately huge loops are not reported as timeouts).
 *
 * ---- input format (test/fuzz/make_corpus.py writes seeds in it) -----------
 * Every read past the end of the input yields 0.
 *
 *   header:  H [T] [O] [X]
 *     H bits 0-1  target: 0 "llvm", 1 "interp", 2 NULL (default), 3 table[T]
 *       bit  2    TVM_COMPILE_FAST_MATH      bit 3  TVM_COMPILE_NO_INLINE
 *       bit  4    TVM_COMPILE_NO_CACHE
 *       bits 5-6  3: opt level from O (else O0)
 *       bit  7    hostile options from X (bad struct_size / opt / flags / NULL)
 *   ops:     OPCODE operands...   (at most MAX_OPS ops; bytes 0..246 are
 *            OPCODE % NOPS, bytes 247..255 the operator library and
 *            tvm_call_extern: see OP_X_* and op_extern / op_x_*)
 *   compile: C (see compile_and_run)
 *   calls:   see run_calls
 *
 *   A "pick" (one byte, sometimes more) names an existing handle: b < 0xF0
 *   takes the b-th newest handle (mod count) that fits what the operand
 *   needs, so 0 is "the newest fitting one"; 0xF0.. are hostile handles (null,
 *   other tag, index out of range, another live graph's, a destroyed graph's,
 *   a tensor id as an expression, raw 32 bits) and 0xF7.. take any handle.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvmc.h"

/* ====================================================================== */
/* Limits                                                                  */
/* ====================================================================== */

#define MAX_OPS 256
#define MAX_SX 2048      /* shadow expressions per input */
#define MAX_ST 96        /* shadow tensors per input */
#define MAX_LIST 8192    /* shared index / axis lists */
#define MAX_VARS 64      /* iteration variables + reduction axes (bit masks) */
#define MAX_SIZEVARS 64
#define ARR 48           /* room for ndim up to 42 plus slack */
#define MAX_CALL_ELEMS 256
#define WORK_BUDGET (1u << 16)
#define OP_WORK_BUDGET (1u << 22)        /* see op_eval */
#define OP_WORK_BUDGET_INTERP (1u << 19)
#define COST_CAP ((uint64_t)1 << 40)
/* Forged handles flip bits at and above FORGE_SHIFT (the graph tag in this
 * version: 11 bits above a 20-bit index) or set every bit below it. */
#define FORGE_SHIFT 20
#define FORGE_INDEX ((1u << FORGE_SHIFT) - 1)

/* ====================================================================== */
/* Byte reader                                                             */
/* ====================================================================== */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t rd_u8(reader *r) {
    if (r->n == 0) return 0;
    r->n--;
    return *r->p++;
}
static uint16_t rd_u16(reader *r) {
    uint16_t lo = rd_u8(r);
    return (uint16_t)(lo | (uint16_t)rd_u8(r) << 8);
}
static uint32_t rd_u32(reader *r) {
    uint32_t lo = rd_u16(r);
    return lo | (uint32_t)rd_u16(r) << 16;
}
static uint64_t rd_u64(reader *r) {
    uint64_t lo = rd_u32(r);
    return lo | (uint64_t)rd_u32(r) << 32;
}

/* ====================================================================== */
/* Oracles                                                                 */
/* ====================================================================== */

static bool g_allow_internal;
/* TVMC_FUZZ_AVOID_KNOWN: steer around open findings (each use names its
 * finding). 001 (NULL data of an empty tensor) is fixed since f3ec54d. */
static bool g_avoid_known;

static void finding(const char *what, const char *where) {
    fprintf(stderr, "fuzz_builder: FINDING: %s in %s (last error: \"%.300s\")\n", what, where,
            tvm_last_error() ? tvm_last_error() : "(NULL)");
    fflush(stderr);
    __builtin_trap();
}

static void check_message(const char *where) {
    const char *m = tvm_last_error();
    if (!m) finding("tvm_last_error() is NULL", where);
    size_t n = strnlen(m, 4096);
    if (n == 0) finding("empty error message", where);
    if (n > 1023) finding("error message longer than 1023 characters", where);
}

static tvm_status check_status(tvm_status st, const char *where) {
    if ((int)st < (int)TVM_OK || (int)st > (int)TVM_ERR_INVALID_HANDLE)
        finding("status outside the tvm_status enum", where);
    if (st != TVM_OK) {
        check_message(where);
        if (st == TVM_ERR_INTERNAL && !g_allow_internal)
            finding("TVM_ERR_INTERNAL (\"a bug in tvmc\")", where);
    }
    return st;
}

/* ====================================================================== */
/* Shadow of the graph being built                                        */
/* ====================================================================== */

enum { SX_CONST, SX_FCONST, SX_SIZE, SX_ITER, SX_RAXIS, SX_LOAD, SX_BIN, SX_UN, SX_SELECT,
       SX_CAST, SX_REDUCE, SX_CALL };
enum { ST_PH, ST_COMP, ST_CONST };

/* binary and unary builder functions, in the order of the opcode tables */
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MOD, B_FLOORDIV, B_FLOORMOD, B_MIN, B_MAX, B_POW, B_LT,
       B_LE, B_GT, B_GE, B_EQ, B_NE, B_AND, B_OR, NBIN };
enum { U_NEG, U_NOT, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_TANH, U_SIGMOID, U_ERF, U_ABS, U_FLOOR,
       U_CEIL, NUN };

typedef tvm_expr (*bin_fn)(tvm_graph *, tvm_expr, tvm_expr);
typedef tvm_expr (*un_fn)(tvm_graph *, tvm_expr);
static const bin_fn bin_fns[NBIN] = {tvm_add, tvm_sub, tvm_mul, tvm_div, tvm_mod,
                                     tvm_floordiv, tvm_floormod, tvm_min, tvm_max, tvm_pow,
                                     tvm_lt, tvm_le, tvm_gt, tvm_ge, tvm_eq, tvm_ne, tvm_and,
                                     tvm_or};
static const char *const bin_names[NBIN] = {
    "tvm_add", "tvm_sub", "tvm_mul", "tvm_div", "tvm_mod", "tvm_floordiv", "tvm_floormod",
    "tvm_min", "tvm_max", "tvm_pow", "tvm_lt", "tvm_le", "tvm_gt", "tvm_ge", "tvm_eq",
    "tvm_ne", "tvm_and", "tvm_or"};
static const un_fn un_fns[NUN] = {tvm_neg, tvm_not, tvm_exp, tvm_log, tvm_sqrt, tvm_rsqrt,
                                  tvm_tanh, tvm_sigmoid, tvm_erf, tvm_abs, tvm_floor,
                                  tvm_ceil};
static const char *const un_names[NUN] = {
    "tvm_neg", "tvm_not", "tvm_exp", "tvm_log", "tvm_sqrt", "tvm_rsqrt", "tvm_tanh",
    "tvm_sigmoid", "tvm_erf", "tvm_abs", "tvm_floor", "tvm_ceil"};

typedef struct sx {
    tvm_expr h;
    uint8_t kind, op, dtype;
    bool shape;       /* integer expression of constants and size variables */
    int32_t a, b, c;  /* children; LOAD: a = shadow tensor; RAXIS: a = extent */
    int32_t list, nlist; /* LOAD indices / REDUCE axes, in g_list */
    int32_t var;      /* SIZE: size-variable number; ITER / RAXIS: slot */
    int64_t ival;
    uint64_t freev;   /* iteration variables / reduction axes used freely */
    uint64_t tmask;   /* shadow tensors (< 64) whose placeholders are read */
} sx;

typedef struct stn {
    tvm_tensor h;
    uint8_t kind, dtype;
    int ndim;
    int32_t dims[TVM_MAX_NDIM];  /* shadow exprs; -1: constant cdims[] */
    int64_t cdims[TVM_MAX_NDIM];
    int32_t body;
    uint64_t phmask;             /* placeholders (shadow tensor bits) read */
    /* results of tvm_op_* (kind ST_COMP, no shadow body or dims): inputs in
     * g_list[oin .. oin + noin) (noin < 0: an input we cannot follow); the
     * element bound is prod(first nprod inputs) * growth + sum(inputs)
     * (growth 0: at most the sum of the inputs); per element: 8 + extra
     * (+ sum(inputs) when reducing) + the per-element cost of the inputs.
     * Loose, but honest: no shapes are inferred here. */
    bool isop, reducing;
    int32_t oin, noin, nprod;
    uint64_t growth, extra;
} stn;

typedef struct fz {
    tvm_context *ctx;
    tvm_graph *g;        /* the graph under test */
    tvm_graph *g2;       /* a second live graph: foreign handles */
    bool failed;         /* g has recorded an error */
    sx xs[MAX_SX];
    int nx;
    stn ts[MAX_ST];
    int nt;
    int32_t list[MAX_LIST];
    int nlist;
    int nvars;           /* iteration-variable / reduction-axis slots used */
    int64_t sizev[MAX_SIZEVARS];
    int nsize;
    /* hostile material */
    tvm_expr foreign_e[4];
    tvm_tensor foreign_t[2];
    tvm_expr stale_e[4];
    tvm_tensor stale_t[2];
    /* compile options */
    tvm_compile_options opts;
    const tvm_compile_options *popts;
    uint32_t lcg;
} fz;

static fz F; /* one per process; reset per input */

/* ---- dtypes -------------------------------------------------------------- */

static bool dt_valid(int d) { return d >= TVM_FLOAT32 && d <= TVM_BOOL; }
static bool dt_int(int d) {
    return d == TVM_INT8 || d == TVM_INT16 || d == TVM_INT32 || d == TVM_INT64 ||
           d == TVM_UINT8;
}
static size_t dt_size(int d) {
    switch (d) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    default: return 1;
    }
}
static DLDataType dt_dl(int d) {
    DLDataType t = {kDLFloat, 32, 1};
    switch (d) {
    case TVM_FLOAT32: t.code = kDLFloat; t.bits = 32; break;
    case TVM_FLOAT64: t.code = kDLFloat; t.bits = 64; break;
    case TVM_FLOAT16: t.code = kDLFloat; t.bits = 16; break;
    case TVM_BFLOAT16: t.code = kDLBfloat; t.bits = 16; break;
    case TVM_INT8: t.code = kDLInt; t.bits = 8; break;
    case TVM_INT16: t.code = kDLInt; t.bits = 16; break;
    case TVM_INT32: t.code = kDLInt; t.bits = 32; break;
    case TVM_INT64: t.code = kDLInt; t.bits = 64; break;
    case TVM_UINT8: case TVM_BOOL: t.code = kDLUInt; t.bits = 8; break;
    }
    return t;
}
static int64_t dt_min(int d) {
    switch (d) {
    case TVM_INT8: return INT8_MIN;
    case TVM_INT16: return INT16_MIN;
    case TVM_INT32: return INT32_MIN;
    case TVM_INT64: return INT64_MIN;
    default: return 0;
    }
}
/* two's-complement wrap of v to an integer dtype */
static int64_t wrap(int d, uint64_t v) {
    switch (d) {
    case TVM_INT8: return (int8_t)(uint8_t)v;
    case TVM_INT16: return (int16_t)(uint16_t)v;
    case TVM_INT32: return (int32_t)(uint32_t)v;
    case TVM_UINT8: return (uint8_t)v;
    case TVM_BOOL: return v != 0;
    default: return (int64_t)v;
    }
}

/* ---- operand selectors ---------------------------------------------------- */

static int sel_dtype(reader *r) {
    static const int bad[8] = {0, 11, -1, 42, 127, 128, INT32_MIN, INT32_MAX};
    uint8_t b = rd_u8(r);
    return b < 0xF8 ? 1 + b % 10 : bad[b - 0xF8];
}

static const char *sel_name(reader *r) {
    static char long300[301], long5000[5001];
    static const char *const names[14] = {
        "A", "B", "C", "x", "y", "i", "j", "k", "n", "m", NULL, "",
        "%s%s%n%p%999999999d", "quote\" back\\slash\nnewline \xc3\xa9\xff"};
    if (!long300[0]) {
        memset(long300, 'L', 300);
        memset(long5000, 'X', 5000);
    }
    uint8_t b = rd_u8(r);
    if (b == 0xFF) return long5000; /* longer than the 4095-byte limit */
    if (b == 0xFE) return long300;
    return names[b % 14];
}

static const int64_t ispecial[16] = {
    0, 1, -1, 2, 127, 128, 255, 256, -128, 32767, -32768, INT32_MAX, INT32_MIN,
    (int64_t)1 << 32, INT64_MAX, INT64_MIN};

/* An integer constant for dtype d. Small values are wrapped into d. */
static int64_t sel_int(reader *r, int d) {
    uint8_t b = rd_u8(r);
    int64_t v;
    if (b < 0x40) v = (int64_t)b - 8;
    else if (b < 0x80) v = ispecial[b & 15];
    else if (b < 0xC0) v = (int64_t)rd_u64(r);
    else return ispecial[b & 15]; /* unwrapped: may not fit d */
    return dt_int(d) ? wrap(d, (uint64_t)v) : v;
}

static double sel_float(reader *r) {
    static const double fs[16] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-40, 65504.0, 65520.0,
                                  3.4028234663852886e38, 1e300, 88.72, -88.72, 1e-8,
                                  2.2250738585072014e-308, 0.0, 0.0};
    uint8_t b = rd_u8(r);
    if (b < 0x40) return ((int)b - 16) * 0.5;
    if (b < 0x80) {
        int k = b & 15;
        if (k == 14) return NAN;
        if (k == 15) return (b & 16) ? -INFINITY : INFINITY;
        return fs[k];
    }
    uint64_t bits = rd_u64(r);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* ndim for tensors: mostly 0..4, sometimes 28..42 (the limit is 32). */
static int sel_ndim(reader *r, bool *null_shape) {
    uint8_t b = rd_u8(r);
    *null_shape = false;
    if (b < 0xF0) return b % 5;
    if (b == 0xFF) {
        *null_shape = true;
        return 2;
    }
    return 28 + (b - 0xF0);
}

/* ---- shadow bookkeeping --------------------------------------------------- */

typedef bool (*pred_fn)(const sx *);
static bool p_any(const sx *x) { (void)x; return true; }
static bool p_int(const sx *x) { return dt_int(x->dtype); }
static bool p_bool(const sx *x) { return x->dtype == TVM_BOOL; }
static bool p_num(const sx *x) { return x->dtype != TVM_BOOL; }
static bool p_shape(const sx *x) { return x->shape; }
static bool p_iter(const sx *x) { return x->kind == SX_ITER; }
static bool p_raxis(const sx *x) { return x->kind == SX_RAXIS; }
static int g_want_dtype;
static bool p_dtype(const sx *x) { return x->dtype == g_want_dtype; }

/* k-th newest shadow expression satisfying p (mod the count), or -1. */
static int nth_newest(int k, pred_fn p) {
    int count = 0;
    for (int i = 0; i < F.nx; i++) count += p(&F.xs[i]);
    if (count == 0) return -1;
    k %= count;
    for (int i = F.nx - 1; i >= 0; i--)
        if (p(&F.xs[i]) && k-- == 0) return i;
    return -1;
}

/* Picks an expression handle; *idx gets its shadow index or -1. */
static tvm_expr pick_expr(reader *r, pred_fn p, int *idx) {
    uint8_t b = rd_u8(r);
    int i = -1;
    *idx = -1;
    if (b < 0xF0 || b >= 0xF7) {
        int k = b < 0xF0 ? b : rd_u8(r);
        if (b < 0xF0) i = nth_newest(k, p);
        if (i < 0) i = nth_newest(k, p_any);
        if (i < 0) return (tvm_expr){0};
        *idx = i;
        return F.xs[i].h;
    }
    tvm_expr base = F.nx ? F.xs[F.nx - 1].h : (tvm_expr){0x00100001u};
    switch (b) {
    case 0xF0: return (tvm_expr){0};
    case 0xF1: { /* same index, other high bits (another graph's tag) */
        uint32_t x = rd_u8(r);
        return (tvm_expr){base.id ^ (x < 0x80 ? (1u + x) << FORGE_SHIFT : (x & 0x7Fu) << 24)};
    }
    case 0xF2: return (tvm_expr){base.id | FORGE_INDEX};
    case 0xF3: return F.foreign_e[rd_u8(r) % 4];
    case 0xF4: return F.stale_e[rd_u8(r) % 4];
    case 0xF5: return (tvm_expr){F.nt ? F.ts[F.nt - 1].h.id : 0x80000001u};
    default: return (tvm_expr){rd_u32(r)};
    }
}

static tvm_tensor pick_tensor(reader *r, int *idx) {
    uint8_t b = rd_u8(r);
    *idx = -1;
    if (b < 0xF0 || b >= 0xF7) {
        if (F.nt == 0) return (tvm_tensor){0};
        int k = (b < 0xF0 ? b : rd_u8(r)) % F.nt;
        *idx = F.nt - 1 - k;
        return F.ts[*idx].h;
    }
    tvm_tensor base = F.nt ? F.ts[F.nt - 1].h : (tvm_tensor){0x80100001u};
    switch (b) {
    case 0xF0: return (tvm_tensor){0};
    case 0xF1: {
        uint32_t x = rd_u8(r);
        return (tvm_tensor){base.id ^ (x < 0x80 ? (1u + x) << FORGE_SHIFT : (x & 0x7Fu) << 24)};
    }
    case 0xF2: return (tvm_tensor){base.id | FORGE_INDEX};
    case 0xF3: return F.foreign_t[rd_u8(r) % 2];
    case 0xF4: return F.stale_t[rd_u8(r) % 2];
    case 0xF5: return (tvm_tensor){F.nx ? F.xs[F.nx - 1].h.id : 1u}; /* an expression id */
    default: return (tvm_tensor){rd_u32(r)};
    }
}

/* ---- C reproducer output (TVMC_FUZZ_EMIT=1) -------------------------------
 * With TVMC_FUZZ_EMIT=1 every API call is also written to stderr as C (the
 * body of a main() over `ctx`, `g`, the foreign graph `g2` and the handles of
 * make_other_graphs), which is how the reproducers in LEDGER.md were made. */
static bool g_emit;
#define EMIT(...) do { if (g_emit) fprintf(stderr, __VA_ARGS__); } while (0)
static char g_call[16384]; /* text of the builder call being made */
#define CALLTEXT(...) do { if (g_emit) snprintf(g_call, sizeof g_call, __VA_ARGS__); } while (0)

static char rot_buf[64][512];
static unsigned rot_k;
static char *rot(void) { return rot_buf[rot_k++ % 64]; }

static const char *E(int idx, tvm_expr h) {
    char *b = rot();
    if (idx >= 0) { snprintf(b, 512, "x%d", idx); return b; }
    for (int k = 0; k < 4; k++) {
        if (h.id && h.id == F.foreign_e[k].id) { snprintf(b, 512, "foreign_e%d", k); return b; }
        if (h.id && h.id == F.stale_e[k].id) { snprintf(b, 512, "stale_e%d", k); return b; }
    }
    snprintf(b, 512, "(tvm_expr){0x%08xu}", h.id);
    return b;
}
static const char *T(int idx, tvm_tensor h) {
    char *b = rot();
    if (idx >= 0) { snprintf(b, 512, "t%d", idx); return b; }
    for (int k = 0; k < 2; k++) {
        if (h.id && h.id == F.foreign_t[k].id) { snprintf(b, 512, "foreign_t%d", k); return b; }
        if (h.id && h.id == F.stale_t[k].id) { snprintf(b, 512, "stale_t%d", k); return b; }
    }
    snprintf(b, 512, "(tvm_tensor){0x%08xu}", h.id);
    return b;
}
/* "(tvm_expr[]){a, b}" for n picked handles, or "NULL" */
static const char *EL(int n, const tvm_expr *h, const int *idx) {
    char *b = rot();
    if (!h) return "NULL";
    size_t o = (size_t)snprintf(b, 512, "(tvm_expr[]){");
    for (int k = 0; k < n && o < 480; k++)
        o += (size_t)snprintf(b + o, 512 - o, "%s%s", k ? ", " : "", E(idx[k], h[k]));
    snprintf(b + o, 512 - o, n ? "}" : "0}");
    return b;
}
static const char *S(const char *s) {
    char *b = rot();
    if (!s) return "NULL";
    size_t n = strlen(s);
    if (n > 100) { snprintf(b, 512, "long%zu", n); return b; }
    size_t o = 0;
    b[o++] = '"';
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '"' || c == '\\') o += (size_t)snprintf(b + o, 512 - o, "\\%c", c);
        else if (c < 32 || c >= 127) o += (size_t)snprintf(b + o, 512 - o, "\\%03o", c);
        else b[o++] = (char)c;
    }
    b[o++] = '"';
    b[o] = 0;
    return b;
}
static const char *D(double v) {
    char *b = rot();
    if (isnan(v)) return "NAN";
    if (isinf(v)) return v < 0 ? "-INFINITY" : "INFINITY";
    snprintf(b, 512, "%a", v);
    return b;
}
static void emit_result(uint32_t id, const char *kind, int idx, const char *prefix) {
    if (!g_emit) return;
    if (id) fprintf(stderr, "    %s %s%d = %s;\n", kind, prefix, idx, g_call);
    else fprintf(stderr, "    %s; /* -> null: %s */\n", g_call, tvm_last_error());
}

/* Checks the sticky-error contract after a builder call that returned id. */
static bool after_build(uint32_t id, const char *fn) {
    if (id == 0) {
        check_message(fn);
        tvm_status st = check_status(tvm_graph_status(F.g), "tvm_graph_status");
        if (st == TVM_OK) finding("builder returned the null handle but the graph is OK", fn);
        F.failed = true;
        return false;
    }
    if (F.failed) finding("builder returned a handle after the graph failed", fn);
    return true;
}

static int push_expr(tvm_expr h, uint8_t kind, const char *fn) {
    emit_result(h.id, "tvm_expr", F.nx, "x");
    if (!after_build(h.id, fn) || F.nx >= MAX_SX) return -1;
    tvm_dtype d = 0;
    if (check_status(tvm_expr_dtype(F.g, h, &d), "tvm_expr_dtype") != TVM_OK)
        finding("tvm_expr_dtype fails on a handle the builder just returned", fn);
    if (!dt_valid((int)d)) finding("tvm_expr_dtype gives an invalid dtype", fn);
    sx *x = &F.xs[F.nx];
    memset(x, 0, sizeof *x);
    x->h = h;
    x->kind = kind;
    x->dtype = (uint8_t)d;
    x->a = x->b = x->c = -1;
    x->var = -1;
    return F.nx++;
}

static int push_tensor(tvm_tensor h, uint8_t kind, const char *fn) {
    emit_result(h.id, "tvm_tensor", F.nt, "t");
    if (!after_build(h.id, fn) || F.nt >= MAX_ST) return -1;
    int nd = -1;
    tvm_dtype d = 0;
    if (check_status(tvm_tensor_info(F.g, h, &nd, &d), "tvm_tensor_info") != TVM_OK)
        finding("tvm_tensor_info fails on a handle the builder just returned", fn);
    if (nd < 0 || nd > TVM_MAX_NDIM || !dt_valid((int)d))
        finding("tvm_tensor_info gives an invalid rank or dtype", fn);
    stn *t = &F.ts[F.nt];
    memset(t, 0, sizeof *t);
    t->h = h;
    t->kind = kind;
    t->dtype = (uint8_t)d;
    t->ndim = nd;
    t->body = -1;
    for (int i = 0; i < TVM_MAX_NDIM; i++) t->dims[i] = -1;
    return F.nt++;
}

static uint64_t xfree(int i) { return i >= 0 ? F.xs[i].freev : 0; }
static uint64_t xtmask(int i) { return i >= 0 ? F.xs[i].tmask : 0; }
static bool xshape(int i) { return i >= 0 && F.xs[i].shape; }

/* ====================================================================== */
/* Evaluation of shape expressions and a work estimate                     */
/* ====================================================================== */

static int64_t ev_val[MAX_SX];
static uint8_t ev_state[MAX_SX]; /* 0 unknown yet, 1 known, 2 not computable */
static uint64_t cost_memo[MAX_SX];
static uint8_t cost_done[MAX_SX];
static uint64_t op_elems_memo[MAX_ST], op_pe_memo[MAX_ST];
static uint8_t op_done[MAX_ST];

static void eval_reset(void) {
    memset(ev_state, 0, sizeof ev_state);
    memset(cost_done, 0, sizeof cost_done);
    memset(op_done, 0, sizeof op_done);
}

static bool ev_bin(int op, int d, int64_t x, int64_t y, int64_t *out) {
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    int64_t mn = dt_min(d);
    switch (op) {
    case B_ADD: *out = wrap(d, ux + uy); return true;
    case B_SUB: *out = wrap(d, ux - uy); return true;
    case B_MUL: *out = wrap(d, ux * uy); return true;
    case B_MIN: *out = x < y ? x : y; return true;
    case B_MAX: *out = x > y ? x : y; return true;
    case B_DIV: case B_FLOORDIV:
        if (y == 0) { *out = 0; return true; }
        if (y == -1) { *out = wrap(d, 0 - ux); return true; }
        if (x == mn && mn == INT64_MIN) { /* y != -1: no overflow */ }
        {
            int64_t q = x / y;
            if (op == B_FLOORDIV && (x % y != 0) && ((x < 0) != (y < 0))) q--;
            *out = wrap(d, (uint64_t)q);
        }
        return true;
    case B_MOD: case B_FLOORMOD:
        if (y == 0 || y == -1) { *out = 0; return true; }
        {
            int64_t m = x % y;
            if (op == B_FLOORMOD && m != 0 && ((m < 0) != (y < 0))) m += y;
            *out = wrap(d, (uint64_t)m);
        }
        return true;
    default: return false;
    }
}

/* Value of an integer shape expression under the current size values. */
static bool eval_int(int e, int64_t *out) {
    if (e < 0) return false;
    if (ev_state[e] == 1) { *out = ev_val[e]; return true; }
    if (ev_state[e] == 2) return false;
    ev_state[e] = 2;
    const sx *x = &F.xs[e];
    int64_t a, b, v;
    bool ok = false;
    if (!dt_int(x->dtype)) return false;
    switch (x->kind) {
    case SX_CONST: v = x->ival; ok = true; break;
    case SX_SIZE: v = F.sizev[x->var]; ok = true; break;
    case SX_BIN: ok = eval_int(x->a, &a) && eval_int(x->b, &b) && ev_bin(x->op, x->dtype, a, b, &v); break;
    case SX_UN:
        ok = eval_int(x->a, &a);
        if (ok && x->op == U_NEG) v = wrap(x->dtype, 0 - (uint64_t)a);
        else if (ok && x->op == U_ABS) v = a < 0 ? wrap(x->dtype, 0 - (uint64_t)a) : a;
        else ok = false;
        break;
    case SX_CAST:
        ok = eval_int(x->a, &a);
        if (ok) v = wrap(x->dtype, (uint64_t)a);
        break;
    default: break;
    }
    if (!ok) return false;
    ev_val[e] = v;
    ev_state[e] = 1;
    *out = v;
    return true;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a + b > COST_CAP ? COST_CAP : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) {
    if (a == 0 || b == 0) return 0;
    return a > COST_CAP / b ? COST_CAP : a * b;
}

static void op_eval(int t);
static uint64_t tensor_elems(int t) {
    const stn *s = &F.ts[t];
    if (s->isop) {
        op_eval(t);
        return op_elems_memo[t];
    }
    uint64_t n = 1;
    for (int d = 0; d < s->ndim && d < TVM_MAX_NDIM; d++) {
        int64_t v;
        if (s->dims[d] < 0) v = s->cdims[d];
        else if (!eval_int(s->dims[d], &v)) return COST_CAP;
        n = sat_mul(n, v < 0 ? 0 : (uint64_t)v);
    }
    return n;
}

static uint64_t expr_cost(int e);
static uint64_t tensor_body_cost(int t) {
    if (F.ts[t].isop) {
        op_eval(t);
        return op_pe_memo[t];
    }
    return F.ts[t].kind == ST_COMP ? expr_cost(F.ts[t].body) : 0;
}

/* Bounds of an operator-library result (see stn): elements and per-element
 * cost, under the current size values. */
static void op_eval(int t) {
    if (op_done[t]) return;
    op_done[t] = 1;
    op_elems_memo[t] = COST_CAP;
    op_pe_memo[t] = COST_CAP;
    const stn *s = &F.ts[t];
    if (s->noin < 0) return;
    uint64_t prod = 1, sum = 0, pe = 8;
    for (int k = 0; k < s->noin; k++) {
        int in = F.list[s->oin + k];
        if (in < 0 || in >= t) continue; /* an absent optional tensor */
        uint64_t e = tensor_elems(in);
        if (k < s->nprod) prod = sat_mul(prod, e ? e : 1);
        sum = sat_add(sum, e);
        pe = sat_add(pe, tensor_body_cost(in));
    }
    pe = sat_add(pe, s->extra);
    if (s->reducing) pe = sat_add(pe, sum);
    op_elems_memo[t] = sat_add(sat_mul(prod, s->growth), sum);
    op_pe_memo[t] = pe;
}

/* Estimated operations per evaluation of e, counting inlined producers. */
static uint64_t expr_cost(int e) {
    if (e < 0) return COST_CAP;
    if (cost_done[e]) return cost_memo[e];
    cost_done[e] = 1;
    cost_memo[e] = COST_CAP; /* cycles cannot happen; be safe */
    const sx *x = &F.xs[e];
    uint64_t c = 1;
    switch (x->kind) {
    case SX_LOAD:
        for (int k = 0; k < x->nlist; k++) c = sat_add(c, expr_cost(F.list[x->list + k]));
        if (x->a >= 0) c = sat_add(c, tensor_body_cost(x->a));
        break;
    case SX_BIN: c = sat_add(c, sat_add(expr_cost(x->a), expr_cost(x->b))); break;
    case SX_UN: case SX_CAST: c = sat_add(c, expr_cost(x->a)); break;
    case SX_SELECT:
        c = sat_add(c, sat_add(expr_cost(x->a), sat_add(expr_cost(x->b), expr_cost(x->c))));
        break;
    case SX_CALL:
        for (int k = 0; k < x->nlist; k++) c = sat_add(c, sat_add(1, expr_cost(F.list[x->list + k])));
        break;
    case SX_REDUCE: {
        uint64_t ext = 1;
        for (int k = 0; k < x->nlist; k++) {
            int ax = F.list[x->list + k];
            int64_t v;
            if (!eval_int(F.xs[ax].a, &v)) ext = COST_CAP;
            else ext = sat_mul(ext, v < 0 ? 0 : (uint64_t)v);
        }
        c = sat_add(c, sat_mul(ext ? ext : 1, expr_cost(x->a)));
        break;
    }
    default: break;
    }
    cost_memo[e] = c;
    return c;
}

static uint64_t graph_work(void) {
    uint64_t w = 0;
    for (int t = 0; t < F.nt; t++)
        if (F.ts[t].kind == ST_COMP)
            w = sat_add(w, sat_mul(tensor_elems(t) ? tensor_elems(t) : 1, tensor_body_cost(t)));
    return w;
}

/* ====================================================================== */
/* Builder operations                                                      */
/* ====================================================================== */

enum { OP_END, OP_CONST_INT, OP_CONST_FLOAT, OP_SIZE_VAR, OP_ITER_VAR, OP_REDUCE_AXIS,
       OP_LOAD, OP_BINARY, OP_UNARY, OP_SELECT, OP_CAST, OP_REDUCE, OP_SUM, OP_PLACEHOLDER,
       OP_COMPUTE, OP_CONSTANT, OP_QUERY, OP_NULL_GRAPH, OP_MID_COMPILE, NOPS };
/* Opcode bytes 0 .. 246 are OPCODE % NOPS as before (the first 13 * NOPS
 * values); the last 9 byte values, which used to mean OP_END .. OP_SELECT,
 * select the operator library and tvm_call_extern (OP_X_BASE + b - 247). */
#define OP_X_FIRST_BYTE (13 * NOPS)
enum { OP_X_EXTERN = 100, OP_X_ELEM, OP_X_REDUCE, OP_X_LINALG, OP_X_CONV, OP_X_POOL, OP_X_NORM,
       OP_X_SHAPE, OP_X_SHAPE2 };

static int new_var(reader *r, int kind, int extent) {
    if (F.nvars >= MAX_VARS) return -1;
    const char *name = sel_name(r);
    tvm_expr h;
    const char *fn;
    if (kind == SX_ITER) {
        CALLTEXT("tvm_iter_var(g, %s)", S(name));
        h = tvm_iter_var(F.g, name);
        fn = "tvm_iter_var";
    } else {
        tvm_expr ext = extent >= 0 ? F.xs[extent].h : (tvm_expr){0};
        CALLTEXT("tvm_reduce_axis(g, %s, %s)", S(name), E(extent, ext));
        h = tvm_reduce_axis(F.g, name, ext);
        fn = "tvm_reduce_axis";
    }
    int i = push_expr(h, (uint8_t)kind, fn);
    if (i < 0) return -1;
    F.xs[i].var = F.nvars;
    F.xs[i].freev = (uint64_t)1 << F.nvars;
    F.xs[i].a = extent;
    F.nvars++;
    return i;
}

static void op_reduce(reader *r, bool sum) {
    int kind = TVM_REDUCE_SUM;
    if (!sum) {
        uint8_t k = rd_u8(r);
        static const int bad[4] = {-1, 4, 100, INT32_MIN};
        kind = k < 0xFC ? k % 4 : bad[k - 0xFC];
    }
    int bi;
    tvm_expr body = pick_expr(r, p_num, &bi);
    uint8_t mode = rd_u8(r);
    tvm_expr axes[ARR];
    int ax_idx[ARR];
    int naxes = 0;
    const tvm_expr *paxes = axes;
    if (mode < 0xE0) { /* the free reduction axes of the body, else a new one */
        int ei;
        tvm_expr ext = pick_expr(r, p_shape, &ei);
        uint64_t fv = xfree(bi);
        for (int i = 0; i < F.nx && naxes < TVM_MAX_NDIM; i++)
            if (F.xs[i].kind == SX_RAXIS && (fv >> F.xs[i].var & 1)) {
                ax_idx[naxes] = i;
                axes[naxes++] = F.xs[i].h;
            }
        if (naxes == 0) {
            (void)ext;
            int a = new_var(r, SX_RAXIS, ei);
            if (a < 0) return;
            ax_idx[naxes] = a;
            axes[naxes++] = F.xs[a].h;
        }
    } else { /* raw: any count, any handles */
        uint8_t n = rd_u8(r);
        naxes = n < 0xF0 ? 1 + n % 4 : (n == 0xF0 ? 0 : n == 0xF1 ? -1 : 30 + (n - 0xF2));
        if (mode == 0xFF) paxes = NULL;
        for (int i = 0; i < naxes && i < ARR; i++) axes[i] = pick_expr(r, p_raxis, &ax_idx[i]);
    }
    if (sum) CALLTEXT("tvm_sum(g, %s, %d, %s)", E(bi, body), naxes,
                      EL(naxes < 0 ? 0 : naxes, paxes, ax_idx));
    else CALLTEXT("tvm_reduce(g, %d, %s, %d, %s)", kind, E(bi, body), naxes,
                  EL(naxes < 0 ? 0 : naxes, paxes, ax_idx));
    tvm_expr h = sum ? tvm_sum(F.g, body, naxes, paxes) : tvm_reduce(F.g, kind, body, naxes, paxes);
    int i = push_expr(h, SX_REDUCE, sum ? "tvm_sum" : "tvm_reduce");
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->a = bi;
    x->op = (uint8_t)kind;
    uint64_t bound = 0;
    if (F.nlist + naxes <= MAX_LIST && naxes > 0) {
        x->list = F.nlist;
        x->nlist = naxes;
        for (int k = 0; k < naxes; k++) {
            F.list[F.nlist++] = ax_idx[k];
            if (ax_idx[k] >= 0) bound |= F.xs[ax_idx[k]].freev;
            if (ax_idx[k] < 0) x->nlist = 0; /* unknown axis: cost unknown */
        }
    }
    x->freev = xfree(bi) & ~bound;
    x->tmask = xtmask(bi);
}

static void op_load(reader *r) {
    int ti;
    tvm_tensor t = pick_tensor(r, &ti);
    uint8_t mode = rd_u8(r);
    int nd = ti >= 0 ? F.ts[ti].ndim : mode % 4;
    tvm_expr idx[ARR];
    int ii[ARR];
    const tvm_expr *pidx = idx;
    if (mode >= 0xF0 && mode < 0xF8) pidx = NULL;
    for (int k = 0; k < nd && k < ARR && pidx; k++)
        idx[k] = pick_expr(r, mode >= 0xF8 ? p_any : p_int, &ii[k]);
    CALLTEXT("tvm_load(g, %s, %s)", T(ti, t), EL(nd, pidx, ii));
    int i = push_expr(tvm_load(F.g, t, pidx), SX_LOAD, "tvm_load");
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->a = ti;
    if (ti >= 0 && F.nlist + nd <= MAX_LIST) {
        x->list = F.nlist;
        x->nlist = nd;
        for (int k = 0; k < nd; k++) F.list[F.nlist++] = ii[k];
    }
    for (int k = 0; k < nd; k++) {
        x->freev |= xfree(ii[k]);
        x->tmask |= xtmask(ii[k]);
    }
    if (ti >= 0 && ti < 64) {
        if (F.ts[ti].kind == ST_PH) x->tmask |= (uint64_t)1 << ti;
        else x->tmask |= F.ts[ti].phmask;
    }
}

static void op_binary(reader *r) {
    int f = rd_u8(r) % NBIN;
    int ai, bi;
    tvm_expr a = pick_expr(r, p_any, &ai);
    g_want_dtype = ai >= 0 ? F.xs[ai].dtype : TVM_FLOAT32;
    tvm_expr b = pick_expr(r, p_dtype, &bi);
    CALLTEXT("%s(g, %s, %s)", bin_names[f], E(ai, a), E(bi, b));
    int i = push_expr(bin_fns[f](F.g, a, b), SX_BIN, bin_names[f]);
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->op = (uint8_t)f;
    x->a = ai;
    x->b = bi;
    x->shape = dt_int(x->dtype) && xshape(ai) && xshape(bi);
    x->freev = xfree(ai) | xfree(bi);
    x->tmask = xtmask(ai) | xtmask(bi);
}

static void op_unary(reader *r) {
    int f = rd_u8(r) % NUN;
    int ai;
    tvm_expr a = pick_expr(r, p_any, &ai);
    CALLTEXT("%s(g, %s)", un_names[f], E(ai, a));
    int i = push_expr(un_fns[f](F.g, a), SX_UN, un_names[f]);
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->op = (uint8_t)f;
    x->a = ai;
    x->shape = dt_int(x->dtype) && xshape(ai);
    x->freev = xfree(ai);
    x->tmask = xtmask(ai);
}

static void op_select(reader *r) {
    int ci, ai, bi;
    tvm_expr c = pick_expr(r, p_bool, &ci);
    tvm_expr a = pick_expr(r, p_any, &ai);
    g_want_dtype = ai >= 0 ? F.xs[ai].dtype : TVM_FLOAT32;
    tvm_expr b = pick_expr(r, p_dtype, &bi);
    CALLTEXT("tvm_select(g, %s, %s, %s)", E(ci, c), E(ai, a), E(bi, b));
    int i = push_expr(tvm_select(F.g, c, a, b), SX_SELECT, "tvm_select");
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->a = ci;
    x->b = ai;
    x->c = bi;
    x->freev = xfree(ci) | xfree(ai) | xfree(bi);
    x->tmask = xtmask(ci) | xtmask(ai) | xtmask(bi);
}

static void op_cast(reader *r) {
    int d = sel_dtype(r);
    int ai;
    tvm_expr a = pick_expr(r, p_any, &ai);
    CALLTEXT("tvm_cast(g, %d, %s)", d, E(ai, a));
    tvm_expr h = tvm_cast(F.g, (tvm_dtype)d, a);
    if (h.id != 0 && ai >= 0 && h.id == a.id) { /* cast to its own dtype returns e */
        EMIT("    /* %s returns its operand */\n", g_call);
        after_build(h.id, "tvm_cast");
        return;
    }
    int i = push_expr(h, SX_CAST, "tvm_cast");
    if (i < 0) return;
    sx *x = &F.xs[i];
    x->a = ai;
    x->shape = dt_int(x->dtype) && xshape(ai);
    x->freev = xfree(ai);
    x->tmask = xtmask(ai);
}

static void op_placeholder(reader *r) {
    const char *name = sel_name(r);
    int d = sel_dtype(r);
    bool null_shape;
    int nd = sel_ndim(r, &null_shape);
    tvm_expr shape[ARR];
    int si[ARR];
    for (int k = 0; k < nd && !null_shape; k++) shape[k] = pick_expr(r, p_shape, &si[k]);
    CALLTEXT("tvm_placeholder(g, %s, %d, %d, %s)", S(name), d, nd,
             EL(nd, null_shape ? NULL : shape, si));
    int t = push_tensor(tvm_placeholder(F.g, name, (tvm_dtype)d, nd, null_shape ? NULL : shape),
                        ST_PH, "tvm_placeholder");
    if (t < 0) return;
    for (int k = 0; k < nd && k < TVM_MAX_NDIM; k++) F.ts[t].dims[k] = si[k];
}

static void op_compute(reader *r) {
    const char *name = sel_name(r);
    uint8_t mode = rd_u8(r);
    int bi;
    tvm_expr body = pick_expr(r, p_any, &bi);
    tvm_expr shape[ARR], iters[ARR];
    int si[ARR];
    int nd = 0;
    const tvm_expr *pshape = shape, *piters = iters;
    if (mode < 0xE0) {
        /* a well-formed compute: reduce free reduction axes, iterate over the
         * free iteration variables (in creation order) plus fresh ones */
        uint8_t spec = rd_u8(r);
        uint64_t fv = xfree(bi);
        uint64_t rfree = 0;
        for (int i = 0; i < F.nx; i++)
            if (F.xs[i].kind == SX_RAXIS && (fv >> F.xs[i].var & 1)) rfree |= 1;
        if (rfree && bi >= 0) {
            tvm_expr axes[TVM_MAX_NDIM];
            int ax_idx[TVM_MAX_NDIM];
            int na = 0;
            int b2 = bi;
            if (F.xs[bi].dtype == TVM_BOOL) {
                CALLTEXT("tvm_cast(g, TVM_INT32, %s)", E(bi, body));
                int c = push_expr(tvm_cast(F.g, TVM_INT32, body), SX_CAST, "tvm_cast");
                if (c < 0) return;
                F.xs[c].a = bi;
                F.xs[c].freev = xfree(bi);
                F.xs[c].tmask = xtmask(bi);
                b2 = c;
            }
            for (int i = 0; i < F.nx && na < TVM_MAX_NDIM; i++)
                if (F.xs[i].kind == SX_RAXIS && (fv >> F.xs[i].var & 1)) {
                    ax_idx[na] = i;
                    axes[na++] = F.xs[i].h;
                }
            CALLTEXT("tvm_sum(g, %s, %d, %s)", E(b2, F.xs[b2].h), na, EL(na, axes, ax_idx));
            int s = push_expr(tvm_sum(F.g, F.xs[b2].h, na, axes), SX_REDUCE, "tvm_sum");
            if (s < 0) return;
            sx *x = &F.xs[s];
            x->a = b2;
            x->op = TVM_REDUCE_SUM;
            uint64_t bound = 0;
            if (F.nlist + na <= MAX_LIST) {
                x->list = F.nlist;
                x->nlist = na;
                for (int k = 0; k < na; k++) {
                    F.list[F.nlist++] = ax_idx[k];
                    bound |= F.xs[ax_idx[k]].freev;
                }
            }
            x->freev = xfree(b2) & ~bound;
            x->tmask = xtmask(b2);
            bi = s;
            body = x->h;
            fv = x->freev;
        }
        int iv[ARR];
        for (int i = 0; i < F.nx && nd < TVM_MAX_NDIM + 2; i++)
            if (F.xs[i].kind == SX_ITER && (fv >> F.xs[i].var & 1)) iv[nd++] = i;
        int extra = spec & 3;
        for (int k = 0; k < extra && nd < ARR; k++) {
            int v = new_var(r, SX_ITER, -1);
            if (v < 0) return;
            iv[nd++] = v;
        }
        int ti = -1;
        if (spec & 4) pick_tensor(r, &ti);
        for (int k = 0; k < nd; k++) {
            iters[k] = F.xs[iv[k]].h;
            if (ti >= 0 && k < F.ts[ti].ndim) {
                if (F.ts[ti].dims[k] >= 0) {
                    si[k] = F.ts[ti].dims[k];
                } else { /* a constant tensor's dimension: the same int64 constant */
                    CALLTEXT("tvm_const_int(g, TVM_INT64, %lldll)", (long long)F.ts[ti].cdims[k]);
                    si[k] = push_expr(tvm_const_int(F.g, TVM_INT64, F.ts[ti].cdims[k]), SX_CONST,
                                      "tvm_const_int");
                    if (si[k] < 0) return;
                    F.xs[si[k]].ival = F.ts[ti].cdims[k];
                    F.xs[si[k]].shape = true;
                }
                shape[k] = F.xs[si[k]].h;
            } else {
                shape[k] = pick_expr(r, p_shape, &si[k]);
            }
        }
    } else { /* raw */
        bool null_shape;
        nd = sel_ndim(r, &null_shape);
        for (int k = 0; k < nd; k++) {
            shape[k] = pick_expr(r, p_shape, &si[k]);
            int ii;
            iters[k] = pick_expr(r, p_iter, &ii);
        }
        if (mode == 0xFF) pshape = NULL;
        if (mode == 0xFE || null_shape) piters = NULL;
    }
    if (g_emit) {
        int ii[ARR];
        for (int k = 0; k < nd && k < ARR; k++) {
            ii[k] = -1;
            for (int j = F.nx - 1; j >= 0 && piters; j--)
                if (F.xs[j].h.id == iters[k].id) { ii[k] = j; break; }
        }
        CALLTEXT("tvm_compute(g, %s, %d, %s, %s, %s)", S(name), nd, EL(nd, pshape, si),
                 EL(nd, piters, ii), E(bi, body));
    }
    int t = push_tensor(tvm_compute(F.g, name, nd, pshape, piters, body), ST_COMP, "tvm_compute");
    if (t < 0) return;
    stn *s = &F.ts[t];
    s->body = bi;
    for (int k = 0; k < nd && k < TVM_MAX_NDIM; k++) s->dims[k] = si[k];
    s->phmask = xtmask(bi);
}

static void op_constant(reader *r) {
    static const int64_t bigdims[16] = {-1, -100, INT64_MAX, (int64_t)1 << 32, (int64_t)1 << 40,
                                        0, 65, 1000, 1 << 20, INT64_MIN, 3, (int64_t)1 << 62,
                                        1 << 16, 7, 1 << 10, 2};
    const char *name = sel_name(r);
    int d = sel_dtype(r);
    bool null_shape;
    int nd = sel_ndim(r, &null_shape);
    int64_t shape[ARR];
    for (int k = 0; k < nd; k++) {
        uint8_t b = rd_u8(r);
        shape[k] = b < 0xF0 ? b % 5 : bigdims[b - 0xF0];
    }
    uint8_t dmode = rd_u8(r);
    /* element count and bytes, if small enough to supply honestly */
    uint64_t count = 1;
    bool small = true;
    for (int k = 0; k < nd && !null_shape; k++) {
        if (shape[k] < 0) { small = false; break; }
        if (__builtin_mul_overflow(count, (uint64_t)shape[k], &count)) { small = false; break; }
    }
    size_t nbytes = 0;
    if (small && (count > 4096 || !dt_valid(d))) small = false;
    if (small) nbytes = (size_t)count * dt_size(d);
    void *data = NULL;
    if (small && nbytes > 0 && dmode < 0xF0) {
        data = malloc(nbytes);
        if (!data) return;
        uint8_t *p = data;
        for (size_t k = 0; k < nbytes; k++) {
            uint8_t v = r->n ? rd_u8(r) : (uint8_t)((F.lcg = F.lcg * 1103515245u + 12345u) >> 16);
            p[k] = d == TVM_BOOL ? (v & 1) : v;
        }
    } else if (small && nbytes == 0 && dmode >= 0xF8) {
        data = malloc(1); /* zero elements: a non-NULL pointer is fine too */
        if (!data) return;
    }
    /* small && nbytes > 0 && dmode >= 0xF0: NULL data, which must be refused */
    /* !small: only NULL data is safe to pass (the library must refuse first) */
    if (g_emit) {
        static unsigned nconst;
        char *sh = rot();
        size_t o = (size_t)snprintf(sh, 512, "(int64_t[]){");
        for (int k = 0; k < nd && o < 480; k++)
            o += (size_t)snprintf(sh + o, 512 - o, "%s%lldll", k ? ", " : "", (long long)shape[k]);
        snprintf(sh + o, 512 - o, nd ? "}" : "0}");
        char dn[32] = "NULL";
        if (data) {
            snprintf(dn, sizeof dn, "cdata%u", nconst++);
            fprintf(stderr, "    static const uint8_t %s[] = {", dn);
            for (size_t k = 0; k < nbytes; k++) fprintf(stderr, "%s%u", k ? "," : "", ((uint8_t *)data)[k]);
            fprintf(stderr, "%s};\n", nbytes ? "" : "0");
        }
        CALLTEXT("tvm_constant(g, %s, %d, %d, %s, %s)", S(name), d, nd, null_shape ? "NULL" : sh, dn);
    }
    int t = push_tensor(tvm_constant(F.g, name, (tvm_dtype)d, nd, null_shape ? NULL : shape, data),
                        ST_CONST, "tvm_constant");
    free(data);
    if (t < 0) return;
    for (int k = 0; k < nd && k < TVM_MAX_NDIM; k++) F.ts[t].cdims[k] = shape[k];
}

static void op_query(reader *r) {
    uint8_t sub = rd_u8(r);
    int idx;
    EMIT("    /* query %d (variant %d): not written out */\n", (sub & 7) % 6, sub >> 3);
    switch ((sub & 7) % 6) { /* bits 0-2: which call; bits 3-7: variants */
    case 0: {
        tvm_tensor t = pick_tensor(r, &idx);
        int nd;
        tvm_dtype d;
        bool outs = (sub >> 3) & 1;
        check_status(tvm_tensor_info(F.g, t, outs ? NULL : &nd, outs ? NULL : &d),
                     "tvm_tensor_info");
        break;
    }
    case 1: {
        tvm_expr e = pick_expr(r, p_any, &idx);
        tvm_dtype d;
        check_status(tvm_expr_dtype(F.g, e, ((sub >> 3) & 1) ? NULL : &d), "tvm_expr_dtype");
        break;
    }
    case 2: {
        char *text = NULL;
        tvm_tensor ts[2];
        int n = 0;
        const tvm_tensor *pt = ts;
        switch ((sub >> 3) % 5) {
        case 0: n = 0; break;
        case 1: n = 1; ts[0] = pick_tensor(r, &idx); break;
        case 2: n = -1; break;
        case 3: n = 2; pt = NULL; break;
        case 4: n = 2; ts[0] = pick_tensor(r, &idx); ts[1] = pick_tensor(r, &idx); break;
        }
        tvm_status st = check_status(tvm_graph_print(F.g, n, pt, ((sub >> 6) == 3) ? NULL : &text),
                                     "tvm_graph_print");
        if (st == TVM_OK && !text) finding("tvm_graph_print OK without text", "tvm_graph_print");
        tvm_free(text);
        break;
    }
    case 3: check_status(tvm_graph_status(F.g), "tvm_graph_status"); break;
    case 4: {
        tvm_cache_stats cs;
        memset(&cs, 0, sizeof cs);
        cs.struct_size = ((sub >> 3) & 1) ? 0 : sizeof cs;
        check_status(tvm_context_stats(F.ctx, &cs), "tvm_context_stats");
        break;
    }
    case 5: {
        const char *s = tvm_status_string((tvm_status)((int)rd_u8(r) - 2));
        if (!s || !*s) finding("tvm_status_string gives an empty string", "tvm_status_string");
        if (!tvm_version() || !*tvm_version()) finding("empty version", "tvm_version");
        break;
    }
    }
}

/* A builder call on a NULL graph: the null handle and a message. */
static void op_null_graph(reader *r) {
    uint8_t f = rd_u8(r);
    int idx;
    tvm_expr e = pick_expr(r, p_any, &idx);
    tvm_tensor t = {F.nt ? F.ts[F.nt - 1].h.id : 0};
    uint32_t id = 1;
    const char *fn = "?";
    int64_t one = 1;
    switch (f % 16) {
    case 0: id = tvm_const_int(NULL, TVM_INT32, 1).id; fn = "tvm_const_int"; break;
    case 1: id = tvm_const_float(NULL, TVM_FLOAT32, 1).id; fn = "tvm_const_float"; break;
    case 2: id = tvm_size_var(NULL, "n").id; fn = "tvm_size_var"; break;
    case 3: id = tvm_iter_var(NULL, "i").id; fn = "tvm_iter_var"; break;
    case 4: id = tvm_reduce_axis(NULL, "k", e).id; fn = "tvm_reduce_axis"; break;
    case 5: id = tvm_load(NULL, t, &e).id; fn = "tvm_load"; break;
    case 6: id = bin_fns[f / 16 % NBIN](NULL, e, e).id; fn = bin_names[f / 16 % NBIN]; break;
    case 7: id = un_fns[f / 16 % NUN](NULL, e).id; fn = un_names[f / 16 % NUN]; break;
    case 8: id = tvm_select(NULL, e, e, e).id; fn = "tvm_select"; break;
    case 9: id = tvm_cast(NULL, TVM_INT32, e).id; fn = "tvm_cast"; break;
    case 10: id = tvm_reduce(NULL, TVM_REDUCE_MAX, e, 1, &e).id; fn = "tvm_reduce"; break;
    case 11: id = tvm_placeholder(NULL, "A", TVM_FLOAT32, 1, &e).id; fn = "tvm_placeholder"; break;
    case 12: id = tvm_compute(NULL, "C", 1, &e, &e, e).id; fn = "tvm_compute"; break;
    case 13: id = tvm_constant(NULL, "W", TVM_INT64, 1, &one, &one).id; fn = "tvm_constant"; break;
    case 14: {
        tvm_function *out = NULL;
        tvm_status st = check_status(tvm_compile(NULL, 0, NULL, 1, &t, NULL, &out), "tvm_compile");
        if (st == TVM_OK || out) finding("tvm_compile(NULL graph) succeeded", "tvm_compile");
        return;
    }
    case 15: {
        if (check_status(tvm_graph_status(NULL), "tvm_graph_status") == TVM_OK)
            finding("tvm_graph_status(NULL) is OK", "tvm_graph_status");
        tvm_graph_destroy(NULL);
        tvm_function_release(NULL);
        tvm_free(NULL);
        return;
    }
    }
    if (id != 0) finding("builder call on a NULL graph returned a handle", fn);
    check_message(fn);
}

/* ====================================================================== */
/* Operator library (tvm_op_*) and tvm_call_extern                         */
/* ====================================================================== */

/* Pure host functions for tvm_call_extern. Every call declares the real C
 * signature of its function (lying about it would be the caller's fault);
 * only the arguments' dtypes and the counts/dtypes that must be refused are
 * hostile. */
static float fz_half_plus_one(float x) { return x * 0.5f + 1.0f; }
static double fz_scale(double x, int32_t k) { return x * (double)(k & 7) - 0.25; }
static int32_t fz_table(int64_t i) {
    static const int32_t tab[8] = {3, 1, 4, 1, 5, 9, 2, 6};
    return tab[i < 0 ? 0 : i > 7 ? 7 : i];
}
static uint8_t fz_xor8(uint8_t a, int8_t b) { return (uint8_t)(a ^ (uint8_t)b); }
static bool fz_not(bool b) { return !b; }
static int64_t fz_answer(void) { return 42; }
static int16_t fz_mix(int16_t a, float b, double c) {
    return (int16_t)(a / 2 + (b > 0.0f) + (c > 0.0));
}

typedef struct ext_sig {
    const char *name;
    void *fn;
    int ret, nargs, args[3];
} ext_sig;
#define FNP(f) ((void *)(uintptr_t)(f))
static const ext_sig ext_sigs[7] = {
    {"fz_half_plus_one", FNP(fz_half_plus_one), TVM_FLOAT32, 1, {TVM_FLOAT32}},
    {"fz_scale", FNP(fz_scale), TVM_FLOAT64, 2, {TVM_FLOAT64, TVM_INT32}},
    {"fz_table", FNP(fz_table), TVM_INT32, 1, {TVM_INT64}},
    {"fz_xor8", FNP(fz_xor8), TVM_UINT8, 2, {TVM_UINT8, TVM_INT8}},
    {"fz_not", FNP(fz_not), TVM_BOOL, 1, {TVM_BOOL}},
    {"fz_answer", FNP(fz_answer), TVM_INT64, 0, {0}},
    {"fz_mix", FNP(fz_mix), TVM_INT16, 3, {TVM_INT16, TVM_FLOAT32, TVM_FLOAT64}},
};

/* tvm_call_extern: F S [N] [A..] args...
 *   F % 7  the function; S bit 0: name from sel_name (else its own name);
 *   S bit 1: cast each picked argument to the declared dtype first;
 *   S bits 2-4: 0-4 honest, 5 bad count N, 6 bad ret dtype, 7 bad arg dtype */
static void op_extern(reader *r) {
    const ext_sig *sg = &ext_sigs[rd_u8(r) % 7];
    uint8_t s = rd_u8(r);
    const char *name = (s & 1) ? sel_name(r) : sg->name;
    int nargs = sg->nargs, ret = sg->ret;
    int dts[ARR];
    tvm_expr args[ARR];
    int ai[ARR];
    for (int k = 0; k < ARR; k++) {
        dts[k] = k < sg->nargs ? sg->args[k] : TVM_INT32;
        ai[k] = -1;
        args[k] = (tvm_expr){0};
    }
    switch ((s >> 2) & 7) {
    case 5: { static const int bad[4] = {-1, 9, 40, INT32_MIN}; nargs = bad[rd_u8(r) & 3]; break; }
    case 6: { static const int bad[4] = {TVM_FLOAT16, TVM_BFLOAT16, 0, 11}; ret = bad[rd_u8(r) & 3]; break; }
    case 7:
        if (sg->nargs > 0) {
            static const int bad[4] = {TVM_FLOAT16, TVM_BFLOAT16, -1, 42};
            uint8_t b = rd_u8(r);
            dts[b % sg->nargs] = bad[(b >> 4) & 3];
        }
        break;
    default: break;
    }
    for (int k = 0; k < sg->nargs; k++) {
        g_want_dtype = dts[k];
        args[k] = pick_expr(r, p_dtype, &ai[k]);
        if ((s & 2) && ai[k] >= 0 && dt_valid(dts[k]) && F.xs[ai[k]].dtype != dts[k]) {
            CALLTEXT("tvm_cast(g, %d, %s)", dts[k], E(ai[k], args[k]));
            int c = push_expr(tvm_cast(F.g, (tvm_dtype)dts[k], args[k]), SX_CAST, "tvm_cast");
            if (c < 0) return;
            F.xs[c].a = ai[k];
            F.xs[c].freev = xfree(ai[k]);
            F.xs[c].tmask = xtmask(ai[k]);
            ai[k] = c;
            args[k] = F.xs[c].h;
        }
    }
    if (g_emit) {
        char *b = rot();
        size_t o = (size_t)snprintf(b, 512, "(tvm_dtype[]){");
        for (int k = 0; k < 8 && o < 480; k++) o += (size_t)snprintf(b + o, 512 - o, "%s%d", k ? ", " : "", dts[k]);
        snprintf(b + o, 512 - o, "}");
        int na = nargs < 0 ? 0 : nargs > 8 ? 8 : nargs;
        CALLTEXT("tvm_call_extern(g, %s, (void *)(uintptr_t)%s, %d, %d, %s, %s)", S(name), sg->name,
                 ret, nargs, b, EL(na, args, ai));
    }
    tvm_expr h = tvm_call_extern(F.g, name, sg->fn, (tvm_dtype)ret, nargs, (const tvm_dtype *)dts,
                                 args);
    int i = push_expr(h, SX_CALL, "tvm_call_extern");
    if (i < 0) return;
    sx *x = &F.xs[i];
    if (x->dtype != ret) finding("tvm_call_extern's dtype is not ret_dtype", "tvm_call_extern");
    if (F.nlist + sg->nargs <= MAX_LIST) {
        x->list = F.nlist;
        x->nlist = sg->nargs;
        for (int k = 0; k < sg->nargs; k++) F.list[F.nlist++] = ai[k];
    }
    for (int k = 0; k < sg->nargs; k++) {
        x->freev |= xfree(ai[k]);
        x->tmask |= xtmask(ai[k]);
    }
}

/* ---- attribute selectors -------------------------------------------------- */

static uint64_t uabs(int64_t v) { return v < 0 ? 0 - (uint64_t)v : (uint64_t)v; }

/* int64 attribute: mostly -1 .. 6, sometimes extreme */
static int64_t sel_attr(reader *r) {
    static const int64_t sp[16] = {0, 1, -1, 2, 3, -2, INT64_MAX, INT64_MIN, (int64_t)1 << 40,
                                   INT32_MAX, INT32_MIN, -((int64_t)1 << 40), 1 << 20, 4,
                                   (int64_t)1 << 62, 65536};
    uint8_t b = rd_u8(r);
    if (b < 0xC0) return (int64_t)(b % 8) - 1;
    if (b < 0xF0) return sp[b & 15];
    return (int64_t)rd_u64(r);
}
/* an axis: mostly -5 .. 5 */
static int sel_axis(reader *r) {
    static const int sp[8] = {INT32_MIN, INT32_MAX, 32, -33, 33, -32, 1000000, -1000000};
    uint8_t b = rd_u8(r);
    return b < 0xE0 ? (int)(b % 11) - 5 : sp[b & 7];
}
/* an enum value below n, or an invalid one */
static int sel_enum(reader *r, int n) {
    static const int bad[8] = {-1, 0, 100, INT32_MIN, INT32_MAX, 1, 2, 0};
    uint8_t b = rd_u8(r);
    if (b < 0xF8) return b % n;
    return b == 0xF9 ? n : b == 0xFE ? n + 1 : bad[b - 0xF8];
}
/* a count of array entries: 0 .. 4 mostly; -1, 33 or 40 (arrays hold ARR) */
static int sel_count(reader *r, int lo) {
    static const int bad[4] = {-1, 33, 40, 0};
    uint8_t b = rd_u8(r);
    return b < 0xF0 ? lo + b % (5 - lo) : bad[b & 3];
}
/* a tensor operand that may be absent (b == 0xEF: the null handle) */
static tvm_tensor pick_opt(reader *r, int *idx) {
    if (r->n && *r->p == 0xEF) {
        rd_u8(r);
        *idx = -1;
        return (tvm_tensor){0};
    }
    return pick_tensor(r, idx);
}
static int tndim(int ti) { return ti >= 0 ? F.ts[ti].ndim : 4; }

static const char *IA(int n, const int *v) {
    char *b = rot();
    if (!v) return "NULL";
    size_t o = (size_t)snprintf(b, 512, "(int[]){");
    for (int k = 0; k < n && o < 480; k++) o += (size_t)snprintf(b + o, 512 - o, "%s%d", k ? ", " : "", v[k]);
    snprintf(b + o, 512 - o, n > 0 ? "}" : "0}");
    return b;
}
static const char *LA(int n, const int64_t *v) {
    char *b = rot();
    if (!v) return "NULL";
    size_t o = (size_t)snprintf(b, 512, "(int64_t[]){");
    for (int k = 0; k < n && o < 470; k++)
        o += (size_t)snprintf(b + o, 512 - o, "%s%lldll", k ? ", " : "", (long long)v[k]);
    snprintf(b + o, 512 - o, n > 0 ? "}" : "0}");
    return b;
}

/* Records an op result: ins are shadow indices of the operand tensors (hs
 * their handles: a non-null handle we cannot follow makes the cost unknown). */
static int push_op(tvm_tensor h, const char *fn, int n, const int *ins, const tvm_tensor *hs,
                   uint64_t growth, uint64_t extra, bool reducing) {
    int t = push_tensor(h, ST_COMP, fn);
    if (t < 0) return -1;
    stn *s = &F.ts[t];
    s->isop = true;
    s->nprod = n;
    s->growth = growth;
    s->extra = extra;
    s->reducing = reducing;
    s->noin = -1;
    if (F.nlist + n > MAX_LIST) return t;
    s->oin = F.nlist;
    s->noin = n;
    for (int k = 0; k < n; k++) {
        F.list[F.nlist++] = ins[k];
        if (ins[k] < 0 && hs[k].id != 0) s->noin = -1;
        if (ins[k] >= 0 && ins[k] < 64)
            s->phmask |= F.ts[ins[k]].kind == ST_PH ? (uint64_t)1 << ins[k] : F.ts[ins[k]].phmask;
        else if (ins[k] >= 64 && F.ts[ins[k]].kind != ST_CONST)
            s->noin = -1; /* placeholders past the mask: cannot be compiled honestly */
    }
    return t;
}

static int64_t growth_prod(int n, const int64_t *v, bool plus_one) {
    uint64_t g = 1;
    for (int k = 0; k < n; k++) {
        uint64_t a = uabs(v[k]);
        g = sat_mul(g, plus_one ? sat_add(a, 1) : (a ? a : 1));
    }
    return (int64_t)g;
}

/* elementwise: binary, where, unary, leaky_relu, elu, hard_sigmoid, clip, cast */
static void op_x_elem(reader *r) {
    uint8_t k = rd_u8(r);
    int ix[3] = {-1, -1, -1};
    tvm_tensor hx[3] = {{0}, {0}, {0}};
    tvm_tensor h = {0};
    const char *fn = "?";
    int n = 1;
    uint64_t growth = 0;
    switch (k % 8) {
    case 0: {
        int op = sel_enum(r, 19);
        hx[0] = pick_tensor(r, &ix[0]);
        hx[1] = pick_tensor(r, &ix[1]);
        n = 2;
        growth = 1;
        fn = "tvm_op_binary";
        CALLTEXT("tvm_op_binary(g, %d, %s, %s)", op, T(ix[0], hx[0]), T(ix[1], hx[1]));
        h = tvm_op_binary(F.g, (tvm_op_binary_kind)op, hx[0], hx[1]);
        break;
    }
    case 1:
        for (int j = 0; j < 3; j++) hx[j] = pick_tensor(r, &ix[j]);
        n = 3;
        growth = 1;
        fn = "tvm_op_where";
        CALLTEXT("tvm_op_where(g, %s, %s, %s)", T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]));
        h = tvm_op_where(F.g, hx[0], hx[1], hx[2]);
        break;
    case 2: {
        int op = sel_enum(r, 20);
        hx[0] = pick_tensor(r, &ix[0]);
        fn = "tvm_op_unary";
        CALLTEXT("tvm_op_unary(g, %d, %s)", op, T(ix[0], hx[0]));
        h = tvm_op_unary(F.g, (tvm_op_unary_kind)op, hx[0]);
        break;
    }
    case 3: case 4: {
        hx[0] = pick_tensor(r, &ix[0]);
        double a = sel_float(r);
        fn = k % 8 == 3 ? "tvm_op_leaky_relu" : "tvm_op_elu";
        CALLTEXT("%s(g, %s, %s)", fn, T(ix[0], hx[0]), D(a));
        h = k % 8 == 3 ? tvm_op_leaky_relu(F.g, hx[0], a) : tvm_op_elu(F.g, hx[0], a);
        break;
    }
    case 5: case 6: {
        hx[0] = pick_tensor(r, &ix[0]);
        double a = sel_float(r), b = sel_float(r);
        fn = k % 8 == 5 ? "tvm_op_hard_sigmoid" : "tvm_op_clip";
        CALLTEXT("%s(g, %s, %s, %s)", fn, T(ix[0], hx[0]), D(a), D(b));
        h = k % 8 == 5 ? tvm_op_hard_sigmoid(F.g, hx[0], a, b) : tvm_op_clip(F.g, hx[0], a, b);
        break;
    }
    case 7: {
        hx[0] = pick_tensor(r, &ix[0]);
        int d = sel_dtype(r);
        fn = "tvm_op_cast";
        CALLTEXT("tvm_op_cast(g, %s, %d)", T(ix[0], hx[0]), d);
        h = tvm_op_cast(F.g, hx[0], (tvm_dtype)d);
        break;
    }
    }
    push_op(h, fn, n, ix, hx, growth, 0, false);
}

static void op_x_reduce(reader *r) {
    int op = sel_enum(r, 7);
    int ix;
    tvm_tensor x = pick_tensor(r, &ix);
    int naxes = sel_count(r, 0);
    int axes[ARR];
    for (int k = 0; k < ARR; k++) axes[k] = k < naxes ? sel_axis(r) : 0;
    static const int keeps[4] = {0, 1, 2, -1};
    int keep = keeps[rd_u8(r) & 3];
    CALLTEXT("tvm_op_reduce(g, %d, %s, %d, %s, %d)", op, T(ix, x), naxes,
             IA(naxes < 0 ? 0 : naxes, axes), keep);
    tvm_tensor h = tvm_op_reduce(F.g, (tvm_op_reduce_kind)op, x, naxes, axes, keep);
    push_op(h, "tvm_op_reduce", 1, &ix, &x, 0, 0, true);
}

static void op_x_linalg(reader *r) {
    uint8_t k = rd_u8(r);
    int ix[3] = {-1, -1, -1};
    tvm_tensor hx[3] = {{0}, {0}, {0}};
    tvm_tensor h;
    if (k & 1) {
        hx[0] = pick_tensor(r, &ix[0]);
        hx[1] = pick_tensor(r, &ix[1]);
        static const int tv[4] = {0, 1, 2, -1};
        int ta = tv[(k >> 1) & 3], tb = tv[(k >> 3) & 3];
        CALLTEXT("tvm_op_matmul(g, %s, %s, %d, %d)", T(ix[0], hx[0]), T(ix[1], hx[1]), ta, tb);
        h = tvm_op_matmul(F.g, hx[0], hx[1], ta, tb);
        push_op(h, "tvm_op_matmul", 2, ix, hx, 1, 0, true);
    } else {
        hx[0] = pick_tensor(r, &ix[0]);
        hx[1] = pick_tensor(r, &ix[1]);
        hx[2] = pick_opt(r, &ix[2]);
        CALLTEXT("tvm_op_dense(g, %s, %s, %s)", T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]));
        h = tvm_op_dense(F.g, hx[0], hx[1], hx[2]);
        int t = push_op(h, "tvm_op_dense", 3, ix, hx, 1, 0, true);
        if (t >= 0) F.ts[t].nprod = 2;
    }
}

static size_t sel_struct_size(reader *r, size_t full) {
    uint8_t b = rd_u8(r);
    if (b < 0xF8) return full;
    static const size_t bad[8] = {0, 4, 8, 12, 16, 24, 1000, SIZE_MAX};
    return b == 0xFF ? full + 8 : bad[b & 7];
}

static const char *conv_text(const tvm_conv_attrs *a) {
    if (!a) return "NULL";
    char *b = rot();
    snprintf(b, 512, "&(tvm_conv_attrs){%zu, %d, %d, {%lldll, %lldll}, {%lldll, %lldll}, "
             "{%lldll, %lldll, %lldll, %lldll}, {%lldll, %lldll}}",
             a->struct_size, a->layout, a->groups, (long long)a->strides[0],
             (long long)a->strides[1], (long long)a->dilations[0], (long long)a->dilations[1],
             (long long)a->pads[0], (long long)a->pads[1], (long long)a->pads[2],
             (long long)a->pads[3], (long long)a->output_padding[0],
             (long long)a->output_padding[1]);
    return b;
}

/* conv2d / conv1d / conv_transpose2d: K x w bias? attrs */
static void op_x_conv(reader *r) {
    uint8_t k = rd_u8(r);
    int ix[3];
    tvm_tensor hx[3];
    hx[0] = pick_tensor(r, &ix[0]);
    hx[1] = pick_tensor(r, &ix[1]);
    hx[2] = pick_opt(r, &ix[2]);
    tvm_conv_attrs a;
    memset(&a, 0, sizeof a);
    a.struct_size = sel_struct_size(r, sizeof a);
    a.layout = sel_enum(r, 2);
    uint8_t gb = rd_u8(r);
    a.groups = gb < 0xF0 ? (int32_t)(gb % 5) : (int32_t)sel_attr(r);
    uint8_t which = rd_u8(r); /* which attributes are set (zero = default) */
    for (int j = 0; j < 2; j++) {
        if (which & 1) a.strides[j] = sel_attr(r);
        if (which & 2) a.dilations[j] = sel_attr(r);
        if (which & 8) a.output_padding[j] = sel_attr(r);
    }
    if (which & 4)
        for (int j = 0; j < 4; j++) a.pads[j] = sel_attr(r);
    const tvm_conv_attrs *pa = (which & 0xF0) == 0xF0 ? NULL : &a;
    tvm_tensor h;
    const char *fn;
    uint64_t growth;
    switch (k % 3) {
    case 0:
        fn = "tvm_op_conv2d";
        growth = sat_mul(1 + uabs(a.pads[0]) + uabs(a.pads[2]), 1 + uabs(a.pads[1]) + uabs(a.pads[3]));
        CALLTEXT("%s(g, %s, %s, %s, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]), conv_text(pa));
        h = tvm_op_conv2d(F.g, hx[0], hx[1], hx[2], pa);
        break;
    case 1:
        fn = "tvm_op_conv1d";
        growth = 1 + uabs(a.pads[0]) + uabs(a.pads[1]);
        CALLTEXT("%s(g, %s, %s, %s, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]), conv_text(pa));
        h = tvm_op_conv1d(F.g, hx[0], hx[1], hx[2], pa);
        break;
    default: {
        fn = "tvm_op_conv_transpose2d";
        uint64_t g0 = 1, g1 = 1;
        g0 = sat_add(g0, sat_add(uabs(a.strides[0]), sat_add(uabs(a.dilations[0]), sat_add(uabs(a.output_padding[0]), sat_add(uabs(a.pads[0]), uabs(a.pads[2]))))));
        g1 = sat_add(g1, sat_add(uabs(a.strides[1]), sat_add(uabs(a.dilations[1]), sat_add(uabs(a.output_padding[1]), sat_add(uabs(a.pads[1]), uabs(a.pads[3]))))));
        growth = sat_mul(g0, g1);
        CALLTEXT("%s(g, %s, %s, %s, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]), conv_text(pa));
        h = tvm_op_conv_transpose2d(F.g, hx[0], hx[1], hx[2], pa);
        break;
    }
    }
    int t = push_op(h, fn, 3, ix, hx, growth, 0, true);
    if (t >= 0) F.ts[t].nprod = 2; /* N*O*OH*OW <= |x| * |w| * growth */
}

/* max_pool2d / avg_pool2d / global_pool2d */
static void op_x_pool(reader *r) {
    uint8_t k = rd_u8(r);
    int ix;
    tvm_tensor x = pick_tensor(r, &ix), h;
    if (k % 3 == 2) {
        int op = sel_enum(r, 7);
        int layout = sel_enum(r, 2);
        CALLTEXT("tvm_op_global_pool2d(g, %s, %d, %d)", T(ix, x), op, layout);
        h = tvm_op_global_pool2d(F.g, x, (tvm_op_reduce_kind)op, (tvm_layout)layout);
        push_op(h, "tvm_op_global_pool2d", 1, &ix, &x, 0, 0, true);
        return;
    }
    tvm_pool_attrs a;
    memset(&a, 0, sizeof a);
    a.struct_size = sel_struct_size(r, sizeof a);
    a.layout = sel_enum(r, 2);
    uint8_t fl = rd_u8(r);
    a.ceil_mode = fl & 1;
    a.count_include_pad = (fl >> 1) & 1;
    if (fl >= 0xF0) a.pad_ = (int32_t)(fl & 7) - 3;
    if (fl >= 0xE0 && fl < 0xF0) { a.ceil_mode = 7; a.count_include_pad = -1; }
    for (int j = 0; j < 2; j++) a.kernel[j] = sel_attr(r);
    uint8_t which = rd_u8(r);
    for (int j = 0; j < 2; j++) {
        if (which & 1) a.strides[j] = sel_attr(r);
        if (which & 2) a.dilations[j] = sel_attr(r);
    }
    if (which & 4)
        for (int j = 0; j < 4; j++) a.pads[j] = sel_attr(r);
    const tvm_pool_attrs *pa = (which & 0xF0) == 0xF0 ? NULL : &a;
    const char *fn = k % 3 == 0 ? "tvm_op_max_pool2d" : "tvm_op_avg_pool2d";
    if (g_emit) {
        char *b = rot();
        if (pa)
            snprintf(b, 512, "&(tvm_pool_attrs){%zu, %d, %d, %d, %d, {%lldll, %lldll}, {%lldll, %lldll}, "
                     "{%lldll, %lldll}, {%lldll, %lldll, %lldll, %lldll}}",
                     a.struct_size, a.layout, a.ceil_mode, a.count_include_pad, a.pad_,
                     (long long)a.kernel[0], (long long)a.kernel[1], (long long)a.strides[0],
                     (long long)a.strides[1], (long long)a.dilations[0], (long long)a.dilations[1],
                     (long long)a.pads[0], (long long)a.pads[1], (long long)a.pads[2],
                     (long long)a.pads[3]);
        else snprintf(b, 512, "NULL");
        CALLTEXT("%s(g, %s, %s)", fn, T(ix, x), b);
    }
    h = k % 3 == 0 ? tvm_op_max_pool2d(F.g, x, pa) : tvm_op_avg_pool2d(F.g, x, pa);
    uint64_t growth = sat_mul(2 + uabs(a.pads[0]) + uabs(a.pads[2]), 2 + uabs(a.pads[1]) + uabs(a.pads[3]));
    uint64_t extra = sat_mul(1 + uabs(a.kernel[0]), 1 + uabs(a.kernel[1]));
    push_op(h, fn, 1, &ix, &x, growth, extra, false); /* extra: the window */
}

/* softmax, log_softmax, layer_norm, batch_norm, group_norm */
static void op_x_norm(reader *r) {
    uint8_t k = rd_u8(r);
    int ix[5] = {-1, -1, -1, -1, -1};
    tvm_tensor hx[5] = {{0}, {0}, {0}, {0}, {0}}, h;
    const char *fn;
    int n = 1;
    hx[0] = pick_tensor(r, &ix[0]);
    switch (k % 5) {
    case 0: case 1: {
        int axis = sel_axis(r);
        fn = k % 5 == 0 ? "tvm_op_softmax" : "tvm_op_log_softmax";
        CALLTEXT("%s(g, %s, %d)", fn, T(ix[0], hx[0]), axis);
        h = k % 5 == 0 ? tvm_op_softmax(F.g, hx[0], axis) : tvm_op_log_softmax(F.g, hx[0], axis);
        break;
    }
    case 2: {
        hx[1] = pick_opt(r, &ix[1]);
        hx[2] = pick_opt(r, &ix[2]);
        n = 3;
        int axis = sel_axis(r);
        double eps = sel_float(r);
        fn = "tvm_op_layer_norm";
        CALLTEXT("%s(g, %s, %s, %s, %d, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]),
                 axis, D(eps));
        h = tvm_op_layer_norm(F.g, hx[0], hx[1], hx[2], axis, eps);
        break;
    }
    case 3: {
        for (int j = 1; j < 5; j++) hx[j] = pick_opt(r, &ix[j]);
        n = 5;
        double eps = sel_float(r);
        fn = "tvm_op_batch_norm";
        CALLTEXT("%s(g, %s, %s, %s, %s, %s, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]),
                 T(ix[2], hx[2]), T(ix[3], hx[3]), T(ix[4], hx[4]), D(eps));
        h = tvm_op_batch_norm(F.g, hx[0], hx[1], hx[2], hx[3], hx[4], eps);
        break;
    }
    default: {
        hx[1] = pick_opt(r, &ix[1]);
        hx[2] = pick_opt(r, &ix[2]);
        n = 3;
        int groups = (int)sel_attr(r);
        double eps = sel_float(r);
        fn = "tvm_op_group_norm";
        CALLTEXT("%s(g, %s, %s, %s, %d, %s)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), T(ix[2], hx[2]),
                 groups, D(eps));
        h = tvm_op_group_norm(F.g, hx[0], hx[1], hx[2], groups, eps);
        break;
    }
    }
    push_op(h, fn, n, ix, hx, 0, 0, k % 5 != 3); /* batch norm: elementwise */
}

/* shape operators: first set reshape, transpose, concat, split, slice, pad,
 * gather; second set broadcast_to, squeeze, unsqueeze, flatten, tile, resize */
static void op_x_shape(reader *r, bool second) {
    uint8_t k = rd_u8(r);
    int which = second ? 7 + k % 6 : k % 7;
    int ix[ARR];
    tvm_tensor hx[ARR];
    for (int j = 0; j < ARR; j++) { ix[j] = -1; hx[j] = (tvm_tensor){0}; }
    hx[0] = pick_tensor(r, &ix[0]);
    int nd = tndim(ix[0]);
    int64_t v[2 * ARR];
    int iv[ARR];
    memset(v, 0, sizeof v);
    memset(iv, 0, sizeof iv);
    tvm_tensor h = {0};
    const char *fn = "?";
    int n = 1;
    uint64_t growth = 0, extra = 0;
    switch (which) {
    case 0: { /* reshape */
        int cnt = sel_count(r, 0);
        for (int j = 0; j < cnt && j < ARR; j++) v[j] = sel_attr(r);
        uint64_t g = 1;
        for (int j = 0; j < cnt && j < ARR; j++) if (v[j] > 0) g = sat_mul(g, (uint64_t)v[j]);
        growth = g;
        fn = "tvm_op_reshape";
        CALLTEXT("%s(g, %s, %d, %s)", fn, T(ix[0], hx[0]), cnt, LA(cnt < 0 ? 0 : cnt, v));
        h = tvm_op_reshape(F.g, hx[0], cnt, v);
        break;
    }
    case 1: { /* transpose: a permutation by swaps, raw axes, or NULL */
        uint8_t m = rd_u8(r);
        for (int j = 0; j < ARR; j++) iv[j] = j;
        if (m < 0xC0) {
            int ns = m % 4;
            for (int s = 0; s < ns && nd > 1; s++) {
                uint8_t b = rd_u8(r);
                int p = b % nd, q = (b >> 4) % nd, t = iv[p];
                iv[p] = iv[q];
                iv[q] = t;
            }
        } else if (m < 0xF0) {
            for (int j = 0; j < nd && j < ARR; j++) iv[j] = sel_axis(r);
        }
        const int *perm = m >= 0xF0 ? NULL : iv;
        fn = "tvm_op_transpose";
        CALLTEXT("%s(g, %s, %s)", fn, T(ix[0], hx[0]), IA(nd, perm));
        h = tvm_op_transpose(F.g, hx[0], perm);
        break;
    }
    case 2: { /* concat */
        int cnt = sel_count(r, 1);
        for (int j = 1; j < cnt && j < ARR; j++) hx[j] = pick_tensor(r, &ix[j]);
        int axis = sel_axis(r);
        n = cnt < 0 ? 0 : cnt > ARR ? ARR : cnt;
        fn = "tvm_op_concat";
        if (g_emit) {
            char *b = rot();
            size_t o = (size_t)snprintf(b, 512, "(tvm_tensor[]){");
            for (int j = 0; j < n && o < 480; j++) o += (size_t)snprintf(b + o, 512 - o, "%s%s", j ? ", " : "", T(ix[j], hx[j]));
            snprintf(b + o, 512 - o, "}");
            CALLTEXT("%s(g, %d, %s, %d)", fn, cnt, b, axis);
        }
        h = tvm_op_concat(F.g, cnt, hx, axis);
        break;
    }
    case 3: { /* split: writes n handles on success only */
        int axis = sel_axis(r);
        int cnt = sel_count(r, 1);
        uint8_t m = rd_u8(r);
        for (int j = 0; j < cnt && j < ARR; j++) v[j] = m & 1 ? sel_attr(r) : 0;
        const int64_t *sizes = (m & 1) ? v : NULL;
        tvm_tensor outs[ARR];
        for (int j = 0; j < ARR; j++) outs[j] = (tvm_tensor){0xDEADBEEFu};
        EMIT("    { tvm_tensor outs[%d]; st = tvm_op_split(g, %s, %d, %d, %s, outs); } ",
             ARR, T(ix[0], hx[0]), axis, cnt, LA(cnt < 0 ? 0 : cnt, sizes));
        tvm_status st = check_status(tvm_op_split(F.g, hx[0], axis, cnt, sizes, outs), "tvm_op_split");
        EMIT("/* -> %s %s */\n", tvm_status_string(st), st ? tvm_last_error() : "");
        if (st != TVM_OK) {
            for (int j = 0; j < ARR; j++)
                if (outs[j].id != 0xDEADBEEFu) finding("tvm_op_split failed but wrote outs", "tvm_op_split");
            after_build(0, "tvm_op_split");
            return;
        }
        if (cnt < 1 || cnt > ARR) finding("tvm_op_split accepted a bad count", "tvm_op_split");
        if (tvm_graph_status(F.g) != TVM_OK) finding("tvm_op_split OK on a failed graph", "tvm_op_split");
        for (int j = 0; j < cnt; j++) {
            snprintf(g_call, sizeof g_call, "/* tvm_op_split out %d */ (tvm_tensor){0x%08xu}", j, outs[j].id);
            if (outs[j].id == 0) finding("tvm_op_split OK with a null out", "tvm_op_split");
            push_op(outs[j], "tvm_op_split", 1, ix, hx, 0, 0, false);
        }
        return;
    }
    case 4: { /* slice */
        int cnt = sel_count(r, 0);
        int64_t st_[ARR], en[ARR], sp[ARR];
        for (int j = 0; j < ARR; j++) { st_[j] = en[j] = 0; sp[j] = 1; }
        uint8_t m = rd_u8(r);
        for (int j = 0; j < cnt && j < ARR; j++) {
            iv[j] = sel_axis(r);
            st_[j] = sel_attr(r);
            en[j] = sel_attr(r);
            if (m & 1) sp[j] = sel_attr(r);
        }
        const int64_t *psteps = (m & 1) ? sp : NULL;
        int c0 = cnt < 0 ? 0 : cnt;
        fn = "tvm_op_slice";
        CALLTEXT("%s(g, %s, %d, %s, %s, %s, %s)", fn, T(ix[0], hx[0]), cnt, IA(c0, iv), LA(c0, st_),
                 LA(c0, en), LA(c0, psteps));
        h = tvm_op_slice(F.g, hx[0], cnt, iv, st_, en, psteps);
        break;
    }
    case 5: { /* pad */
        int m = sel_enum(r, 3);
        double val = sel_float(r);
        for (int j = 0; j < 2 * nd && j < 2 * ARR; j++) v[j] = sel_attr(r);
        uint64_t g = 1;
        for (int j = 0; j < nd && j < ARR; j++) g = sat_mul(g, sat_add(1, sat_add(uabs(v[j]), uabs(v[nd + j]))));
        growth = g;
        fn = "tvm_op_pad";
        CALLTEXT("%s(g, %s, %s, %d, %s)", fn, T(ix[0], hx[0]), LA(2 * nd, v), m, D(val));
        h = tvm_op_pad(F.g, hx[0], v, (tvm_pad_mode)m, val);
        break;
    }
    case 6: { /* gather */
        hx[1] = pick_tensor(r, &ix[1]);
        int axis = sel_axis(r);
        n = 2;
        growth = 1;
        fn = "tvm_op_gather";
        CALLTEXT("%s(g, %s, %s, %d)", fn, T(ix[0], hx[0]), T(ix[1], hx[1]), axis);
        h = tvm_op_gather(F.g, hx[0], hx[1], axis);
        break;
    }
    case 7: { /* broadcast_to */
        int cnt = sel_count(r, 0);
        for (int j = 0; j < cnt && j < ARR; j++) v[j] = sel_attr(r);
        growth = (uint64_t)growth_prod(cnt < 0 ? 0 : cnt > ARR ? ARR : cnt, v, true);
        fn = "tvm_op_broadcast_to";
        CALLTEXT("%s(g, %s, %d, %s)", fn, T(ix[0], hx[0]), cnt, LA(cnt < 0 ? 0 : cnt, v));
        h = tvm_op_broadcast_to(F.g, hx[0], cnt, v);
        break;
    }
    case 8: case 9: { /* squeeze / unsqueeze */
        int cnt = sel_count(r, 0);
        for (int j = 0; j < cnt && j < ARR; j++) iv[j] = sel_axis(r);
        fn = which == 8 ? "tvm_op_squeeze" : "tvm_op_unsqueeze";
        CALLTEXT("%s(g, %s, %d, %s)", fn, T(ix[0], hx[0]), cnt, IA(cnt < 0 ? 0 : cnt, iv));
        h = which == 8 ? tvm_op_squeeze(F.g, hx[0], cnt, iv) : tvm_op_unsqueeze(F.g, hx[0], cnt, iv);
        break;
    }
    case 10: { /* flatten */
        int axis = sel_axis(r);
        fn = "tvm_op_flatten";
        CALLTEXT("%s(g, %s, %d)", fn, T(ix[0], hx[0]), axis);
        h = tvm_op_flatten(F.g, hx[0], axis);
        break;
    }
    case 11: { /* tile */
        for (int j = 0; j < nd && j < ARR; j++) v[j] = sel_attr(r);
        growth = (uint64_t)growth_prod(nd, v, false);
        fn = "tvm_op_tile";
        CALLTEXT("%s(g, %s, %s)", fn, T(ix[0], hx[0]), LA(nd, v));
        h = tvm_op_tile(F.g, hx[0], v);
        break;
    }
    default: { /* resize */
        for (int j = 0; j < nd && j < ARR; j++) v[j] = sel_attr(r);
        int mode = sel_enum(r, 2), coord = sel_enum(r, 4), near = sel_enum(r, 4);
        growth = (uint64_t)growth_prod(nd, v, false);
        extra = 256;
        fn = "tvm_op_resize";
        CALLTEXT("%s(g, %s, %s, %d, %d, %d)", fn, T(ix[0], hx[0]), LA(nd, v), mode, coord, near);
        h = tvm_op_resize(F.g, hx[0], v, (tvm_resize_mode)mode, (tvm_resize_coord)coord,
                          (tvm_resize_nearest)near);
        break;
    }
    }
    push_op(h, fn, n, ix, hx, growth, extra, which == 12);
}

/* ====================================================================== */
/* Compile and call                                                        */
/* ====================================================================== */

/* Placeholders (shadow indices) read by the given tensors, in creation order. */
static int reachable_inputs(const int *outs, int nout, int *ins) {
    uint64_t m = 0;
    for (int k = 0; k < nout; k++)
        if (outs[k] >= 0 && outs[k] < 64) m |= F.ts[outs[k]].phmask;
    int n = 0;
    for (int t = 0; t < F.nt && t < 64; t++)
        if (m >> t & 1) ins[n++] = t;
    return n;
}

static int newest_compute(int skip) {
    for (int t = F.nt - 1; t >= 0; t--)
        if (F.ts[t].kind == ST_COMP && skip-- == 0) return t;
    return -1;
}

typedef struct argbuf {
    DLTensor dl;
    int64_t shape[ARR];
    int64_t strides[ARR];
    uint8_t *mem;     /* allocation; data points into it */
    size_t alloc;
    size_t nbytes;    /* bytes of the claimed shape */
    int64_t count;
    bool valid;       /* meant to be accepted */
    bool too_big;     /* a legal shape above MAX_CALL_ELEMS: skip the call */
} argbuf;

static void fill_bytes(reader *r, uint8_t *p, size_t n, int dtype) {
    for (size_t k = 0; k < n; k++) {
        uint8_t v = r->n ? rd_u8(r) : (uint8_t)((F.lcg = F.lcg * 1103515245u + 12345u) >> 16);
        p[k] = dtype == TVM_BOOL ? (v & 1) : v;
    }
}

/* Sets up a DLTensor of dtype/ndim/shape claimed, possibly malformed by the
 * input; its memory always covers what it claims. */
static void make_arg(reader *r, argbuf *a, int dtype, int ndim, const int64_t *shape,
                     bool is_output, argbuf *alias) {
    memset(a, 0, sizeof *a);
    a->valid = true;
    a->dl.device.device_type = kDLCPU;
    a->dl.dtype = dt_dl(dtype);
    a->dl.ndim = ndim;
    a->dl.shape = a->shape;
    for (int d = 0; d < ndim && d < ARR; d++) a->shape[d] = shape[d];
    uint8_t m = rd_u8(r);
    int mal = m >= 0xE8 ? m - 0xE8 : -1;
    bool null_if_empty = (m & 1) && !g_avoid_known; /* finding 001 */
    size_t esize = dt_size(dtype);
    size_t offset = 0;
    size_t misalign = 0;
    switch (mal) {
    case 2: a->dl.device.device_type = kDLCUDA; a->valid = false; break;
    case 3: a->dl.device.device_id = 3; break;
    case 4: a->dl.dtype.code = (uint8_t)(a->dl.dtype.code == kDLFloat ? kDLInt : kDLFloat);
            a->valid = false; break;
    case 5: a->dl.dtype.bits = (uint8_t)(a->dl.dtype.bits == 8 ? 16 : 8); a->valid = false; break;
    case 6: a->dl.dtype.lanes = 4; a->valid = false; break;
    case 7: if (ndim < ARR - 1) { a->shape[ndim] = 1; a->dl.ndim = ndim + 1; a->valid = false; }
            break;
    case 8: if (ndim > 0) { a->dl.ndim = ndim - 1; a->valid = false; } break;
    case 9: a->dl.ndim = -1; a->valid = false; break;
    case 11: if (ndim > 0) { a->shape[0] = (int64_t)((uint64_t)a->shape[0] + 1); a->valid = false; }
             break;
    case 12: if (ndim > 0 && a->shape[ndim - 1] != 0) { a->shape[ndim - 1] = 0; a->valid = false; }
             break;
    case 13: if (ndim > 0) { a->shape[0] = -1 - a->shape[0]; a->valid = false; } break;
    case 14: if (ndim >= 2) { a->shape[0] = a->shape[1] = INT64_MAX / 2; a->valid = false; }
             else if (ndim == 1) { a->shape[0] = INT64_MIN; a->valid = false; }
             break;
    case 18: offset = esize * (1 + (m & 3)); break;
    case 19: if (esize > 1) { offset = 1; a->valid = false; } break;
    case 22: if (dtype == TVM_BOOL) a->dl.dtype.code = 6; /* kDLBool */
             else if (dtype == TVM_BFLOAT16) { a->dl.dtype.code = kDLFloat; a->valid = false; }
             else if (dtype == TVM_UINT8) { a->dl.dtype.code = kDLInt; a->valid = false; }
             break;
    case 23: if (esize > 1) { misalign = 1; a->valid = false; } break;
    default: break;
    }
    /* element count of the claimed shape (as the library would compute it) */
    int64_t count = 1;
    bool huge = false; /* negative or overflowing: the library must refuse it */
    for (int d = 0; d < a->dl.ndim && d < ARR; d++) {
        if (a->shape[d] < 0 || __builtin_mul_overflow(count, a->shape[d], &count)) {
            huge = true;
            break;
        }
    }
    if (!huge && count > MAX_CALL_ELEMS) { /* legitimately large: no call */
        a->too_big = true;
        count = 0;
    }
    a->count = huge ? 0 : count;
    a->nbytes = huge ? 0 : (size_t)count * esize;
    if (huge) {
        /* claims more than we give: must be refused before any kernel runs;
         * back it with one element so a wrong acceptance faults in ASan */
        a->valid = false;
        a->alloc = esize;
    } else {
        a->alloc = a->nbytes + offset + misalign;
    }
    if (a->alloc > 0) {
        a->mem = malloc(a->alloc);
        if (!a->mem) abort();
        if (is_output) memset(a->mem, 0xA5, a->alloc);
        else fill_bytes(r, a->mem, a->alloc, dtype);
        a->dl.data = a->mem + misalign;
        a->dl.byte_offset = offset;
    } else { /* zero elements: NULL data is allowed, so is any pointer */
        a->dl.data = null_if_empty ? NULL : (void *)a->strides;
    }
    switch (mal) {
    case 1: if (a->count > 0) { a->dl.data = NULL; a->dl.byte_offset = 0; a->valid = false; }
            break;
    case 10: if (ndim > 0) { a->dl.shape = NULL; a->valid = false; } break;
    case 15: case 16: case 17: {
        uint64_t s = 1; /* wrapping: shapes may be absurd here */
        for (int d = a->dl.ndim - 1; d >= 0 && d < ARR; d--) {
            a->strides[d] = (int64_t)s;
            s *= a->shape[d] > 0 ? (uint64_t)a->shape[d] : 1u;
        }
        bool changed = false;
        for (int d = 0; d < a->dl.ndim && d < ARR && mal != 15; d++)
            if (a->shape[d] > 1) {
                uint64_t st = (uint64_t)a->strides[d];
                a->strides[d] = (int64_t)(mal == 16 ? st * 2 : 0 - st);
                changed = true;
                break;
            }
        if (changed && a->count > 0) a->valid = false;
        a->dl.strides = a->strides;
        break;
    }
    case 20: if (a->count > 0) { a->dl.byte_offset = UINT64_MAX - 3; a->valid = false; } break;
    case 21: if (is_output && alias && alias->dl.data && a->count > 0) {
                 a->dl.data = alias->dl.data; a->dl.byte_offset = alias->dl.byte_offset;
                 a->valid = false;
             }
             break;
    default: break;
    }
}

static void emit_arg(int i, const argbuf *args, int n) {
    const argbuf *a = &args[i];
    const DLTensor *t = &a->dl;
    EMIT("    int64_t s%d[] = {", i);
    for (int d = 0; d < (t->ndim > 0 ? t->ndim : 0) && d < ARR; d++)
        EMIT("%s%lldll", d ? ", " : "", (long long)a->shape[d]);
    EMIT("%s};\n", t->ndim > 0 ? "" : "0");
    if (t->strides) {
        EMIT("    int64_t st%d[] = {", i);
        for (int d = 0; d < t->ndim && d < ARR; d++)
            EMIT("%s%lldll", d ? ", " : "", (long long)a->strides[d]);
        EMIT("%s};\n", t->ndim > 0 ? "" : "0");
    }
    char data[64] = "NULL";
    if (a->mem) {
        EMIT("    static uint8_t m%d[] = {", i);
        for (size_t k = 0; k < a->alloc; k++) EMIT("%s%u", k ? "," : "", a->mem[k]);
        EMIT("};\n");
    }
    if (t->data) {
        snprintf(data, sizeof data, "(void *)&dummy /* any pointer */");
        for (int j = 0; j < n; j++)
            if (args[j].mem && (uint8_t *)t->data >= args[j].mem &&
                (uint8_t *)t->data <= args[j].mem + args[j].alloc)
                snprintf(data, sizeof data, "m%d + %td", j, (uint8_t *)t->data - args[j].mem);
    }
    EMIT("    DLTensor a%d = {.data = %s, .device = {%d, %d}, .ndim = %d, .dtype = {%u, %u, %u},\n"
         "                   .shape = %s%d, .strides = %s%d, .byte_offset = %lluull};\n",
         i, data, (int)t->device.device_type, t->device.device_id, t->ndim, t->dtype.code,
         t->dtype.bits, t->dtype.lanes, t->shape ? "s" : "NULL + 0*", i,
         t->strides ? "st" : "NULL + 0*", i, (unsigned long long)t->byte_offset);
}

static void free_args(argbuf *a, int n) {
    for (int i = 0; i < n; i++) free(a[i].mem);
}

/* Graphs with operator-library results get a larger budget: their work bound
 * (op_eval) is loose by orders of magnitude, as it infers no shapes. The
 * interpreter is slower, so it gets less. */
static bool has_ops(void) {
    for (int t = 0; t < F.nt; t++)
        if (F.ts[t].isop) return true;
    return false;
}
static uint64_t op_budget(void) {
    const char *tg = F.popts ? F.opts.target : NULL;
    return tg && strncmp(tg, "interp", 6) == 0 ? OP_WORK_BUDGET_INTERP : OP_WORK_BUDGET;
}

static void run_calls(reader *r, tvm_function *fn, const int *in_t, int nin, const int *out_t,
                      int nout) {
    int fin = -1, fout = -1;
    check_status(tvm_function_num_args(fn, &fin, &fout), "tvm_function_num_args");
    if (fin != nin || fout != nout) finding("tvm_function_num_args disagrees with tvm_compile",
                                            "tvm_function_num_args");
    int n = nin + nout;
    uint8_t cmode = rd_u8(r);
    if (cmode >= 0xF8) { /* hostile call shapes */
        DLTensor *none[1] = {NULL};
        if (check_status(tvm_function_call(NULL, none, 1), "tvm_function_call") == TVM_OK ||
            check_status(tvm_function_call(fn, NULL, n), "tvm_function_call") == TVM_OK)
            finding("tvm_function_call accepted NULL", "tvm_function_call");
        int64_t shp[TVM_MAX_NDIM];
        int nd;
        check_status(tvm_function_output_shape(fn, NULL, nout, shp, &nd),
                     "tvm_function_output_shape");
        check_status(tvm_function_output_shape(fn, NULL, 0, NULL, &nd),
                     "tvm_function_output_shape");
        check_status(tvm_function_arg_info(fn, (cmode & 1) ? -1 : n, NULL, NULL),
                     "tvm_function_arg_info");
    }
    int ncalls = 1 + cmode % 3;
    argbuf *args = calloc((size_t)(n ? n : 1), sizeof *args);
    DLTensor **ptrs = calloc((size_t)(n ? n : 1) + 1, sizeof *ptrs);
    uint8_t **snap = calloc((size_t)(n ? n : 1), sizeof *snap);
    if (!args || !ptrs || !snap) abort();
    for (int c = 0; c < ncalls; c++) {
        if (c > 0 && (rd_u8(r) & 1))
            for (int v = 0; v < F.nsize; v++) F.sizev[v] = rd_u8(r) % 6;
        eval_reset();
        bool affordable = graph_work() <= (has_ops() ? op_budget() : WORK_BUDGET);
        for (int i = 0; i < n; i++) {
            tvm_dtype d = 0;
            int nd = 0;
            check_status(tvm_function_arg_info(fn, i, &d, &nd), "tvm_function_arg_info");
            if (!dt_valid((int)d) || nd < 0 || nd > TVM_MAX_NDIM)
                finding("tvm_function_arg_info gives an invalid dtype or rank",
                        "tvm_function_arg_info");
            int64_t shape[ARR] = {0};
            bool known = true;
            if (i < nin) {
                const stn *t = &F.ts[in_t[i]];
                for (int k = 0; k < nd && k < t->ndim; k++)
                    known &= eval_int(t->dims[k], &shape[k]);
            } else {
                int64_t s2[TVM_MAX_NDIM];
                int nd2 = -1;
                tvm_status st = check_status(
                    tvm_function_output_shape(fn, ptrs, i - nin, s2, &nd2),
                    "tvm_function_output_shape");
                if (st == TVM_OK) {
                    if (nd2 != nd) finding("output_shape rank differs from arg_info",
                                           "tvm_function_output_shape");
                    for (int k = 0; k < nd; k++) shape[k] = s2[k];
                } else {
                    const stn *t = &F.ts[out_t[i - nin]];
                    for (int k = 0; k < nd && k < t->ndim; k++) {
                        if (t->dims[k] < 0) shape[k] = t->cdims[k];
                        else known &= eval_int(t->dims[k], &shape[k]);
                    }
                }
            }
            if (!known)
                for (int k = 0; k < nd; k++) shape[k] = k & 1;
            make_arg(r, &args[i], (int)d, nd, shape, i >= nin, nin > 0 ? &args[0] : NULL);
            ptrs[i] = &args[i].dl;
        }
        /* malformed pointer list */
        int nargs = n;
        uint8_t pm = rd_u8(r);
        if (pm == 0xFF && n > 0) { ptrs[pm % n] = NULL; }
        else if (pm == 0xFE) { nargs = n + 1; ptrs[n] = ptrs[0]; }
        else if (pm == 0xFD && n > 0) { nargs = n - 1; }
        for (int i = 0; i < n; i++) affordable &= !args[i].too_big;
        if (!affordable) { /* legitimately heavy (or unknown): not a finding */
            free_args(args, n);
            continue;
        }
        for (int i = 0; i < nin; i++) {
            free(snap[i]);
            snap[i] = NULL;
            if (args[i].mem) {
                snap[i] = malloc(args[i].alloc);
                if (!snap[i]) abort();
                memcpy(snap[i], args[i].mem, args[i].alloc);
            }
        }
        if (g_emit) {
            for (int i = 0; i < n; i++) emit_arg(i, args, n);
            EMIT("    st = tvm_function_call(fn, (DLTensor *[]){");
            for (int i = 0; i < nargs; i++)
                EMIT("%s%s%d", i ? ", " : "", ptrs[i] ? "&a" : "NULL /* a", i);
            EMIT("}, %d);\n", nargs);
        }
        tvm_status st = check_status(tvm_function_call(fn, ptrs, nargs), "tvm_function_call");
        EMIT("    /* -> %s %s */\n", tvm_status_string(st), st ? tvm_last_error() : "");
        if (g_emit && st == TVM_OK)
            for (int i = nin; i < n; i++) {
                EMIT("    /* output %d: ", i);
                if (args[i].dl.data)
                    for (size_t k = 0; k < args[i].nbytes; k++)
                        EMIT("%02x", ((uint8_t *)args[i].dl.data + args[i].dl.byte_offset)[k]);
                EMIT(" */\n");
            }
        for (int i = 0; i < nin; i++)
            if (snap[i] && memcmp(snap[i], args[i].mem, args[i].alloc) != 0)
                finding("a call modified an input tensor", "tvm_function_call");
        /* some malformations are legal (explicit compact strides, an aligned
         * byte_offset, kDLBool): acceptance is not a finding by itself; a
         * kernel touching memory it was not given is (ASan). */
        if (st == TVM_OK) {
            /* same inputs again: same status and same bits */
            /* compare only the elements (not the byte_offset / misalignment
             * bytes in front of them) */
            uint8_t **first = calloc((size_t)(n ? n : 1), sizeof *first);
            if (!first) abort();
            for (int i = nin; i < n; i++)
                if (args[i].mem && args[i].nbytes && args[i].dl.data) {
                    uint8_t *el = (uint8_t *)args[i].dl.data + args[i].dl.byte_offset;
                    first[i] = malloc(args[i].nbytes);
                    if (!first[i]) abort();
                    memcpy(first[i], el, args[i].nbytes);
                    memset(el, 0x5A, args[i].nbytes);
                }
            EMIT("    /* the same call again must give the same bits */\n");
            tvm_status st2 = check_status(tvm_function_call(fn, ptrs, nargs), "tvm_function_call");
            if (st2 != TVM_OK) finding("second identical call failed", "tvm_function_call");
            for (int i = nin; i < n; i++)
                if (first[i]) {
                    uint8_t *el = (uint8_t *)args[i].dl.data + args[i].dl.byte_offset;
                    if (memcmp(first[i], el, args[i].nbytes) != 0) {
                        if (g_emit) {
                            EMIT("    /* output %d, first call: ", i);
                            for (size_t k = 0; k < args[i].nbytes; k++) EMIT("%02x", first[i][k]);
                            EMIT("\n       second call: ");
                            for (size_t k = 0; k < args[i].nbytes; k++) EMIT("%02x", el[k]);
                            EMIT(" */\n");
                        }
                        finding("two identical calls gave different output bits",
                                "tvm_function_call");
                    }
                }
            for (int i = nin; i < n; i++) free(first[i]);
            free(first);
        }
        free_args(args, n);
    }
    for (int i = 0; i < n; i++) free(snap[i]);
    free(snap);
    free(args);
    free(ptrs);

    uint8_t extra = rd_u8(r);
    if (extra & 1) {
        static const char *const kinds[8] = {"graph", "loop", "llvm", "asm", "", "LOOP", NULL,
                                             "graph\0x"};
        char *text = NULL;
        const char *k = kinds[(extra >> 1) & 7];
        EMIT("    { char *text = NULL; st = tvm_function_source(fn, %s, %s); tvm_free(text); }\n",
             S(k), (extra & 0x10) ? "NULL" : "&text");
        tvm_status st = check_status(tvm_function_source(fn, k, (extra & 0x10) ? NULL : &text),
                                     "tvm_function_source");
        EMIT("    /* -> %s %s */\n", tvm_status_string(st), st ? tvm_last_error() : "");
        if (st == TVM_OK && (!text)) finding("tvm_function_source OK without text",
                                             "tvm_function_source");
        if (st == TVM_OK && (extra & 0x10)) finding("tvm_function_source accepted NULL text",
                                                    "tvm_function_source");
        tvm_free(text);
    }
    if (extra & 0x20) {
        check_status(tvm_function_retain(fn), "tvm_function_retain");
        tvm_function_release(fn);
    }
}

/* Compiles g with the current options; outs/ins are shadow tensor indices
 * (or -1 for hostile handles in hs). Returns the function or NULL. */
static tvm_function *compile_graph(int nin, const tvm_tensor *ins, int nout,
                                   const tvm_tensor *outs, bool null_ins, bool null_outs) {
    tvm_function *fn = NULL;
    if (g_emit) {
        EMIT("    tvm_function_release(fn);\n    fn = NULL;\n");
        EMIT("    st = tvm_compile(g, %d, ", nin);
        for (int pass = 0; pass < 2; pass++) {
            int cnt = pass ? nout : nin;
            const tvm_tensor *hs = pass ? outs : ins;
            if ((pass ? null_outs : null_ins) || cnt <= 0 || cnt > ARR) EMIT("NULL");
            else {
                EMIT("(tvm_tensor[]){");
                for (int k = 0; k < cnt; k++) {
                    int idx = -1;
                    for (int t = 0; t < F.nt; t++)
                        if (F.ts[t].h.id == hs[k].id) idx = t;
                    EMIT("%s%s", k ? ", " : "", T(idx, hs[k]));
                }
                EMIT("}");
            }
            if (!pass) EMIT(", %d, ", nout);
        }
        EMIT(", %s, &fn);\n", F.popts ? "&opts" : "NULL");
    }
    tvm_status st = check_status(tvm_compile(F.g, nin, null_ins ? NULL : ins, nout,
                                             null_outs ? NULL : outs, F.popts, &fn),
                                 "tvm_compile");
    EMIT("    /* -> %s %s */\n", tvm_status_string(st), st ? tvm_last_error() : "");
    if (st == TVM_OK && !fn) finding("tvm_compile OK without a function", "tvm_compile");
    if (st != TVM_OK && fn) finding("tvm_compile failed but set *out", "tvm_compile");
    if (F.failed && st == TVM_OK) finding("tvm_compile of a failed graph succeeded", "tvm_compile");
    return st == TVM_OK ? fn : NULL;
}

static void op_mid_compile(reader *r) {
    uint8_t m = rd_u8(r);
    int out = newest_compute(m % 3);
    if (out < 0) return;
    int ins[64];
    int nin = reachable_inputs(&out, 1, ins);
    tvm_tensor ih[64], oh = F.ts[out].h;
    for (int k = 0; k < nin; k++) ih[k] = F.ts[ins[k]].h;
    tvm_function *fn = compile_graph(nin, ih, 1, &oh, false, false);
    tvm_function_release(fn);
}

static void compile_and_run(reader *r) {
    uint8_t c = rd_u8(r);
    int outs[ARR], ins[64 + 2];
    tvm_tensor oh[ARR], ih[64 + 2];
    int nout = 0, nin = 0;
    bool null_ins = false, null_outs = false;
    bool raw = (c & 3) == 3;
    if (!raw) {
        switch (c & 3) {
        case 0: outs[0] = newest_compute(0); nout = outs[0] >= 0; break;
        case 1: { /* subset of computes by a bit mask */
            uint16_t mask = rd_u16(r);
            for (int t = F.nt - 1, k = 0; t >= 0 && nout < 8 && k < 16; t--) {
                if (F.ts[t].kind != ST_COMP) continue;
                if ((mask >> k) & 1) outs[nout++] = t;
                k++;
            }
            if (nout == 0) { outs[0] = newest_compute(0); nout = outs[0] >= 0; }
            break;
        }
        case 2:
            outs[0] = newest_compute(0);
            outs[1] = newest_compute(1);
            nout = outs[0] < 0 ? 0 : outs[1] < 0 ? 1 : 2;
            break;
        }
        nin = reachable_inputs(outs, nout, ins);
        switch ((c >> 2) & 3) {
        case 1: /* reversed order */
            for (int k = 0; k < nin / 2; k++) {
                int t = ins[k];
                ins[k] = ins[nin - 1 - k];
                ins[nin - 1 - k] = t;
            }
            break;
        case 2: { /* an extra placeholder that nothing reads, or a duplicate */
            for (int t = 0; t < F.nt; t++)
                if (F.ts[t].kind == ST_PH) {
                    bool used = false;
                    for (int k = 0; k < nin; k++) used |= ins[k] == t;
                    if (!used || (c & 0x40)) { ins[nin++] = t; break; }
                }
            break;
        }
        case 3: if (nin > 0) nin--; break; /* a missing input */
        }
        for (int k = 0; k < nout; k++) oh[k] = F.ts[outs[k]].h;
        for (int k = 0; k < nin; k++) ih[k] = F.ts[ins[k]].h;
        if (c & 0x80) { /* an output that is also an input, or a placeholder as output */
            if (nout > 0 && nin > 0 && (c & 0x10)) { oh[nout] = ih[0]; outs[nout] = ins[0]; nout++; }
            else if (nout > 0 && nin > 0) { ih[nin] = oh[0]; ins[nin] = outs[0]; nin++; }
        }
    } else { /* raw lists: any handles, any counts */
        uint8_t a = rd_u8(r), b = rd_u8(r);
        nin = a < 0xF0 ? a % 4 : (a == 0xF0 ? -1 : a == 0xF1 ? 4097 : 5);
        nout = b < 0xF0 ? b % 4 : (b == 0xF0 ? -1 : b == 0xF1 ? 4097 : 5);
        null_ins = (c & 0x10) != 0;
        null_outs = (c & 0x20) != 0;
        for (int k = 0; k < nin && k < ARR; k++) { ih[k] = pick_tensor(r, &ins[k]); }
        for (int k = 0; k < nout && k < ARR; k++) { oh[k] = pick_tensor(r, &outs[k]); }
        if (nin > ARR || nout > ARR) null_ins = null_outs = true; /* never read past arrays */
    }
    if (nout == 0 && !raw) {
        /* nothing to compute: still exercise the "nout" check */
        tvm_function *fn = compile_graph(0, ih, 0, oh, false, false);
        tvm_function_release(fn);
        return;
    }
    tvm_function *fn = compile_graph(nin, ih, nout, oh, null_ins, null_outs);
    if (!fn) {
        DLTensor *none[1] = {NULL};
        check_status(tvm_function_call(NULL, none, 0), "tvm_function_call");
        return;
    }
    /* a function from a raw list: only call it when all handles are ours */
    bool known = nin >= 0 && nout >= 0;
    for (int k = 0; k < nin && known; k++) known = ins[k] >= 0 && F.ts[ins[k]].kind == ST_PH;
    for (int k = 0; k < nout && known; k++) known = outs[k] >= 0 && F.ts[outs[k]].kind == ST_COMP;
    if (known) run_calls(r, fn, ins, nin, outs, nout);
    tvm_function_release(fn);
}

/* ====================================================================== */
/* Per-input setup                                                         */
/* ====================================================================== */

static void read_header(reader *r) {
    static const char *const targets[20] = {
        "llvm -mcpu=x86-64", "llvm -mcpu=generic", "interp", "llvm ", " llvm", "llvm -mcpu=bogus",
        "llvm -mattr=-sse2", "llvm -mattr=-avx", "cuda", "", "llvm -mtriple=aarch64-linux-gnu",
        "llvm -mcpu=x86-64 -mattr=+sse4.2", "llvm -foo", "interp -mcpu=x86-64", "llvm -mcpu=",
        "llvm\t-mcpu=x86-64", "llvm -mtriple=x86_64-pc-linux-gnu",
        "llvm -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64", "llvm -mtriple=x86_64-linux-musl",
        "llvm -mtriple=garbage -mattr=+sse2"};
    uint8_t h = rd_u8(r);
    memset(&F.opts, 0, sizeof F.opts);
    F.opts.struct_size = sizeof F.opts;
    F.popts = &F.opts;
    switch (h & 3) {
    case 0: F.opts.target = "llvm"; break;
    case 1: F.opts.target = "interp"; break;
    case 2: F.opts.target = NULL; break;
    case 3: F.opts.target = targets[rd_u8(r) % 20]; break;
    }
    if (h & 4) F.opts.flags |= TVM_COMPILE_FAST_MATH;
    if (h & 8) F.opts.flags |= TVM_COMPILE_NO_INLINE;
    if (h & 16) F.opts.flags |= TVM_COMPILE_NO_CACHE;
    F.opts.opt_level = TVM_OPT_O0;
    if (((h >> 5) & 3) == 3) {
        static const int levels[4] = {TVM_OPT_O1, TVM_OPT_O2, TVM_OPT_O3, TVM_OPT_DEFAULT};
        F.opts.opt_level = levels[rd_u8(r) % 4];
    }
    if (h & 0x80) {
        uint8_t x = rd_u8(r);
        switch (x % 6) {
        case 0: F.opts.struct_size = 0; break;
        case 1: F.opts.struct_size = sizeof F.opts + 8; break;
        case 2: F.opts.opt_level = 7; break;
        case 3: F.opts.opt_level = -2; break;
        case 4: F.opts.flags |= 0x100; break;
        case 5: F.popts = NULL; break; /* defaults: O3 */
        }
    }
}

/* A destroyed graph (stale handles) and a live second graph (foreign ones). */
static void make_other_graphs(void) {
    tvm_graph *g0 = tvm_graph_create(F.ctx);
    if (!g0) finding("tvm_graph_create failed", "tvm_graph_create");
    tvm_expr four = tvm_const_int(g0, TVM_INT64, 4);
    F.stale_e[0] = tvm_const_float(g0, TVM_FLOAT32, 1.0);
    F.stale_e[1] = tvm_iter_var(g0, "i");
    F.stale_e[2] = four;
    F.stale_t[0] = tvm_placeholder(g0, "S", TVM_FLOAT32, 1, &four);
    F.stale_e[3] = tvm_load(g0, F.stale_t[0], &F.stale_e[1]);
    F.stale_t[1] = tvm_compute(g0, "T", 1, &four, &F.stale_e[1], F.stale_e[3]);
    tvm_graph_destroy(g0);

    F.g2 = tvm_graph_create(F.ctx);
    if (!F.g2) finding("tvm_graph_create failed", "tvm_graph_create");
    tvm_expr two = tvm_const_int(F.g2, TVM_INT64, 2);
    F.foreign_e[0] = tvm_const_float(F.g2, TVM_FLOAT32, 2.0);
    F.foreign_e[1] = tvm_iter_var(F.g2, "i");
    F.foreign_e[2] = two;
    F.foreign_t[0] = tvm_placeholder(F.g2, "F", TVM_FLOAT32, 1, &two);
    F.foreign_e[3] = tvm_load(F.g2, F.foreign_t[0], &F.foreign_e[1]);
    F.foreign_t[1] = tvm_compute(F.g2, "G", 1, &two, &F.foreign_e[1], F.foreign_e[3]);
}

static void destroy_context(void) {
    tvm_graph_destroy(F.g2);
    tvm_graph_destroy(F.g);
    F.g = F.g2 = NULL;
    tvm_context_destroy(F.ctx);
    F.ctx = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *s = getenv("TVMC_FUZZ_ALLOW_INTERNAL");
    g_allow_internal = s && *s && *s != '0';
    s = getenv("TVMC_FUZZ_EMIT");
    g_emit = s && *s && *s != '0';
    s = getenv("TVMC_FUZZ_AVOID_KNOWN");
    g_avoid_known = s && *s && *s != '0';
    tvm_context_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.num_threads = 2;
    o.function_cache_capacity = 16; /* small caches: eviction paths get exercised */
    o.shape_cache_capacity = 2;
    if (tvm_context_create(&o, &F.ctx) != TVM_OK) {
        fprintf(stderr, "fuzz_builder: tvm_context_create: %s\n", tvm_last_error());
        abort();
    }
    atexit(destroy_context); /* LSan then sees what the context failed to free */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!F.ctx) LLVMFuzzerInitialize(NULL, NULL);
    reader r = {data, size};
    tvm_context *ctx = F.ctx;
    memset(&F, 0, sizeof F);
    F.ctx = ctx;
    F.lcg = 0x9E3779B9u ^ (uint32_t)size;
    read_header(&r);
    if (g_emit) {
        EMIT("/* reproducer written by fuzz_builder (TVMC_FUZZ_EMIT=1) */\n"
             "#include <math.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n"
             "#include <tvmc.h>\n\nint main(void) {\n"
             "    static char long300[301], long5000[5001];\n"
             "    static int dummy;\n"
             "    memset(long300, 'L', 300);\n    memset(long5000, 'X', 5000);\n"
             "    tvm_context_options co = {sizeof co, 2, 16, 2, 0};\n"
             "    tvm_context *ctx;\n    tvm_context_create(&co, &ctx);\n");
        if (F.popts)
            EMIT("    tvm_compile_options opts = {%s%zu, %s, %d, 0x%xu};\n",
                 F.opts.struct_size == sizeof F.opts ? "sizeof opts + 0*" : "",
                 F.opts.struct_size, S(F.opts.target), F.opts.opt_level, F.opts.flags);
        EMIT("    /* a destroyed graph and a live foreign one (make_other_graphs) */\n"
             "    tvm_graph *g0 = tvm_graph_create(ctx);\n"
             "    tvm_expr stale_e2 = tvm_const_int(g0, TVM_INT64, 4);\n"
             "    tvm_expr stale_e0 = tvm_const_float(g0, TVM_FLOAT32, 1.0);\n"
             "    tvm_expr stale_e1 = tvm_iter_var(g0, \"i\");\n"
             "    tvm_tensor stale_t0 = tvm_placeholder(g0, \"S\", TVM_FLOAT32, 1, &stale_e2);\n"
             "    tvm_expr stale_e3 = tvm_load(g0, stale_t0, &stale_e1);\n"
             "    tvm_tensor stale_t1 = tvm_compute(g0, \"T\", 1, &stale_e2, &stale_e1, stale_e3);\n"
             "    tvm_graph_destroy(g0);\n"
             "    tvm_graph *g2 = tvm_graph_create(ctx);\n"
             "    tvm_expr foreign_e2 = tvm_const_int(g2, TVM_INT64, 2);\n"
             "    tvm_expr foreign_e0 = tvm_const_float(g2, TVM_FLOAT32, 2.0);\n"
             "    tvm_expr foreign_e1 = tvm_iter_var(g2, \"i\");\n"
             "    tvm_tensor foreign_t0 = tvm_placeholder(g2, \"F\", TVM_FLOAT32, 1, &foreign_e2);\n"
             "    tvm_expr foreign_e3 = tvm_load(g2, foreign_t0, &foreign_e1);\n"
             "    tvm_tensor foreign_t1 = tvm_compute(g2, \"G\", 1, &foreign_e2, &foreign_e1, "
             "foreign_e3);\n"
             "    tvm_graph *g = tvm_graph_create(ctx);\n"
             "    tvm_function *fn = NULL;\n    tvm_status st = TVM_OK;\n");
    }
    make_other_graphs();
    F.g = tvm_graph_create(F.ctx);
    if (!F.g) finding("tvm_graph_create failed", "tvm_graph_create");

    for (int ops = 0; ops < MAX_OPS && r.n > 0; ops++) {
        uint8_t ob = rd_u8(&r);
        int op = ob < OP_X_FIRST_BYTE ? ob % NOPS : OP_X_EXTERN + (ob - OP_X_FIRST_BYTE);
        if (op == OP_END) break;
        switch (op) {
        case OP_CONST_INT: {
            int d = sel_dtype(&r);
            int64_t v = sel_int(&r, d);
            CALLTEXT("tvm_const_int(g, %d, %lldll)", d, (long long)v);
            int i = push_expr(tvm_const_int(F.g, (tvm_dtype)d, v), SX_CONST, "tvm_const_int");
            if (i >= 0) {
                F.xs[i].ival = dt_int(F.xs[i].dtype) ? v : 0;
                F.xs[i].shape = dt_int(F.xs[i].dtype);
            }
            break;
        }
        case OP_CONST_FLOAT: {
            int d = sel_dtype(&r);
            double v = sel_float(&r);
            CALLTEXT("tvm_const_float(g, %d, %s)", d, D(v));
            int i = push_expr(tvm_const_float(F.g, (tvm_dtype)d, v), SX_FCONST, "tvm_const_float");
            if (i >= 0 && dt_int(F.xs[i].dtype)) { /* integral and in range, or it failed */
                if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0 && v == floor(v)))
                    finding("tvm_const_float accepted a value no integer dtype holds",
                            "tvm_const_float");
                F.xs[i].kind = SX_CONST;
                F.xs[i].ival = (int64_t)v;
                F.xs[i].shape = true;
            }
            break;
        }
        case OP_SIZE_VAR: {
            const char *name = sel_name(&r);
            uint8_t v = rd_u8(&r);
            if (F.nsize >= MAX_SIZEVARS) break;
            CALLTEXT("tvm_size_var(g, %s)", S(name));
            int i = push_expr(tvm_size_var(F.g, name), SX_SIZE, "tvm_size_var");
            if (i >= 0) {
                F.xs[i].var = F.nsize;
                F.xs[i].shape = true;
                F.sizev[F.nsize++] = v < 0xF0 ? v % 6 : 6 + (v - 0xF0);
            }
            break;
        }
        case OP_ITER_VAR: new_var(&r, SX_ITER, -1); break;
        case OP_REDUCE_AXIS: { /* extent pick, then name */
            int ei;
            tvm_expr ext = pick_expr(&r, p_shape, &ei);
            if (F.nvars >= MAX_VARS) break;
            const char *name = sel_name(&r);
            CALLTEXT("tvm_reduce_axis(g, %s, %s)", S(name), E(ei, ext));
            int i = push_expr(tvm_reduce_axis(F.g, name, ext), SX_RAXIS, "tvm_reduce_axis");
            if (i >= 0) {
                F.xs[i].var = F.nvars;
                F.xs[i].freev = (uint64_t)1 << F.nvars;
                F.xs[i].a = ei;
                F.nvars++;
            }
            break;
        }
        case OP_LOAD: op_load(&r); break;
        case OP_BINARY: op_binary(&r); break;
        case OP_UNARY: op_unary(&r); break;
        case OP_SELECT: op_select(&r); break;
        case OP_CAST: op_cast(&r); break;
        case OP_REDUCE: op_reduce(&r, false); break;
        case OP_SUM: op_reduce(&r, true); break;
        case OP_PLACEHOLDER: op_placeholder(&r); break;
        case OP_COMPUTE: op_compute(&r); break;
        case OP_CONSTANT: op_constant(&r); break;
        case OP_QUERY: op_query(&r); break;
        case OP_NULL_GRAPH: op_null_graph(&r); break;
        case OP_MID_COMPILE: op_mid_compile(&r); break;
        case OP_X_EXTERN: op_extern(&r); break;
        case OP_X_ELEM: op_x_elem(&r); break;
        case OP_X_REDUCE: op_x_reduce(&r); break;
        case OP_X_LINALG: op_x_linalg(&r); break;
        case OP_X_CONV: op_x_conv(&r); break;
        case OP_X_POOL: op_x_pool(&r); break;
        case OP_X_NORM: op_x_norm(&r); break;
        case OP_X_SHAPE: op_x_shape(&r, false); break;
        case OP_X_SHAPE2: op_x_shape(&r, true); break;
        }
    }
    tvm_status st = check_status(tvm_graph_status(F.g), "tvm_graph_status");
    if ((st != TVM_OK) != F.failed) finding("tvm_graph_status disagrees with the handles",
                                            "tvm_graph_status");
    compile_and_run(&r);

    tvm_graph_destroy(F.g);
    tvm_graph_destroy(F.g2);
    F.g = F.g2 = NULL;
    EMIT("    tvm_function_release(fn);\n    tvm_graph_destroy(g);\n    tvm_graph_destroy(g2);\n"
         "    tvm_context_destroy(ctx);\n    (void)st; (void)dummy; (void)stale_t1; "
         "(void)foreign_t1;\n    return 0;\n}\n");
    return 0;
}
