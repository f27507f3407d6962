/* loop.h — the loop IR: what lowering produces and backends consume.
 *
 * A program (lp_program) is one kernel: a statement tree over buffers, in a
 * per-compile arena. Statements and expressions share one node array; a node
 * is named by its index (0 = none).
 *
 * Semantics every pass and backend may assume:
 *   - Expression dtypes are compute dtypes: float32, float64, int8, int16,
 *     int32, int64, uint8, bool (never float16/bfloat16: those are storage
 *     dtypes of buffers). Scalar ops follow ops.h.
 *   - Index expressions (loop variables, extents, indices) are int64.
 *   - LP_LOAD of a float16/bfloat16 buffer yields the float32 value;
 *     LP_STORE to such a buffer rounds the float32 value to nearest even.
 *     LP_LOAD of a bool buffer yields (byte != 0).
 *   - A loop runs its variable over [0, extent) in increasing order for
 *     LP_SERIAL and LP_UNROLLED (a hint to unroll it fully; its iterations
 *     may depend on each other, as a user schedule's unrolled reduction
 *     loop does); LP_PARALLEL and LP_VECTORIZED are hints whose iterations
 *     are independent, so a backend may run them in any order or at once.
 *   - LP_PARALLEL (set by the parallelize pass, on top-level loops only):
 *     iterations write disjoint elements and read nothing another iteration
 *     writes; LP_BUF_LOCAL buffers written inside are per iteration (the
 *     backend gives each thread its own), local buffers only read inside
 *     are shared; workspace buffers with slot_bytes > 0 are per-iteration
 *     scratch, and a chunk of iterations run by one thread uses one slot
 *     (slot < p->par_slots). Chunk boundaries are multiples of imm.i, so a
 *     vectorised innermost loop splits the same way whatever the thread
 *     count (bitwise-equal results).
 *   - LP_ACCUM combines into a local accumulator; the combination order of a
 *     reduction is unspecified, so backends may reassociate accumulations
 *     (floating-point sum/prod may be vectorised), deterministically.
 *   - Contractions round once per step (tvmc.h): a float IR_MUL flagged
 *     LP_FUSED (set by lower on the value of a sum whose body is a product)
 *     is not rounded on its own where it is the value of a TVM_REDUCE_SUM
 *     LP_ACCUM or the right operand b of a float IR_ADD: there the update is
 *     acc = fma(x, y, acc), resp. fma(x, y, a), with one rounding (C
 *     fmaf/fma). Anywhere else it is an ordinary product. Passes that turn
 *     an accumulation into `acc + value` (the default schedules,
 *     cache_write) keep the value as operand b, so the flag travels with
 *     it; a pass may drop the flag only where the product is exact (x * 1).
 *     The printer shows such updates as fma(x, y, acc).
 *   - Before flattening, loads and stores carry one index per buffer
 *     dimension. After the flatten pass (p->flat), they carry exactly one
 *     int64 element offset.
 *   - A load flagged LP_CHECKED (set by the bounds pass) carries in `b` a
 *     bool expression that is true when the access is in bounds: when it is
 *     false the kernel stops at once and returns the check id `c` (>= 1).
 *   - LP_SELECT flagged LP_LAZY must evaluate only the chosen side (one side
 *     holds a checked load). Unflagged selects may evaluate both sides.
 *   - LP_CALL calls a host C function (tvm_call_extern) whose parameters have
 *     the C types of its argument dtypes and whose result has the C type of
 *     the node's dtype (bool is C bool). The function is pure: passes may
 *     call it fewer or more times (CSE, dropping unused values), but never
 *     fold it, and never call it with arguments the program does not
 *     compute: the bounds pass makes a select with a call in an arm lazy.
 *   - Kernel ABI for every backend: int32_t entry(void *const *args,
 *     void *workspace, void *rt); args[i] is the data pointer of buffer arg
 *     i (already offset by byte_offset); workspace is p->workspace_bytes
 *     bytes, 64-byte aligned (NULL when 0); rt is the context's thread pool,
 *     handed to tp_parallel_loop (threadpool.h) by parallel loops. Returns
 *     0, or the id of the failed check (TP_HOST_FAILED: the host's
 *     parallel-for failed).
 */
#ifndef TVMC_IR_LOOP_H
#define TVMC_IR_LOOP_H

#include "../common.h"
#include "ops.h"

typedef uint32_t lp_id;

typedef enum lp_kind {
    /* expressions */
    LP_CONST = 1, /* imm.i (ints, bool) or imm.f (floats) */
    LP_VAR,       /* a = variable index into p->vars */
    LP_LOAD,      /* a = buffer; list = indices; flags LP_CHECKED: b = cond, c = check id */
    LP_BINARY,    /* op = ir_op; a, b */
    LP_UNARY,     /* op = ir_op; a */
    LP_SELECT,    /* a = cond, b = then, c = else; flags LP_LAZY */
    LP_CAST,      /* a; dtype is the target (cast rules of tvmc.h) */
    LP_CALL,      /* a = callee (p->callees); list = arguments; dtype = return */
    /* statements */
    LP_FOR,       /* a = variable, b = extent (int64 expr), c = body; op = lp_loop_kind;
                     LP_PARALLEL: imm.i = chunk quantum (see below) */
    LP_STORE,     /* a = buffer; list = indices; b = value */
    LP_ACCUM,     /* a = buffer (LP_BUF_LOCAL); op = tvm_reduce_kind; b = value */
    LP_IF,        /* a = cond, b = then, c = else (0 = none) */
    LP_SEQ        /* list = statements, in order */
} lp_kind;

typedef enum lp_loop_kind {
    LP_SERIAL = 0,
    LP_PARALLEL = 1,
    LP_VECTORIZED = 2,
    LP_UNROLLED = 3
} lp_loop_kind;

#define LP_CHECKED 0x1u /* LP_LOAD: bounds check in b, check id in c */
#define LP_LAZY 0x2u    /* LP_SELECT: evaluate only the chosen side */
#define LP_CLAMPED 0x4u /* LP_LOAD: indices clamped into the buffer (bounds pass) */
#define LP_NO_UNROLL 0x8u /* LP_FOR: a hint: keep the loop rolled (its body is
                             already wide; copies would only cost compile time) */
#define LP_SCHEDULED 0x10u /* LP_FOR: built from the user's schedule
                              (apply_schedule): the default schedules leave it
                              as it is */
#define LP_FUSED 0x20u /* LP_BINARY IR_MUL (float): added with one rounding
                          where it is accumulated (see above) */

typedef struct lp_node {
    uint8_t kind;  /* lp_kind */
    uint8_t op;    /* ir_op / lp_loop_kind / tvm_reduce_kind */
    uint8_t dtype; /* expressions: compute dtype; statements: 0 */
    uint8_t flags;
    uint32_t a, b, c;
    uint32_t list, nlist; /* operands in p->pool */
    union {
        int64_t i;
        double f;
    } imm;
} lp_node;

typedef enum lp_var_kind { LP_VAR_LOOP = 1, LP_VAR_SIZE } lp_var_kind;

typedef struct lp_var {
    const char *name; /* owned by p->strings */
    uint8_t kind;     /* lp_var_kind */
    uint32_t graph_var; /* the tensor-IR variable it came from (0 if none) */
} lp_var;

typedef enum lp_buf_kind {
    LP_BUF_ARG = 1,   /* args[arg]: inputs, outputs, then constants */
    LP_BUF_WORKSPACE, /* (char *)workspace + offset */
    LP_BUF_LOCAL      /* private to the kernel: a scalar accumulator (ndim 0),
                         or a block of them with a constant shape */
} lp_buf_kind;

typedef struct lp_buffer {
    const char *name; /* owned by p->strings */
    uint8_t dtype;    /* storage dtype (float16/bfloat16 allowed) */
    uint8_t kind;     /* lp_buf_kind */
    uint16_t ndim;
    int32_t arg;      /* LP_BUF_ARG: index into args */
    uint32_t shape;   /* pool offset: ndim int64 extent expressions */
    int64_t offset;   /* LP_BUF_WORKSPACE: byte offset, 64-byte aligned */
    int64_t elems;    /* element count once shapes are constant (-1 before) */
    int64_t slot_bytes; /* LP_BUF_WORKSPACE private to each iteration of a
                           parallel loop: p->par_slots copies, slot s at
                           offset + s * slot_bytes (0: one shared copy) */
} lp_buffer;

/* A host function called by LP_CALL nodes. */
typedef struct lp_callee {
    const char *name; /* owned by p->strings */
    void *fn;
} lp_callee;

#define LP_CALL_MAX_ARGS 8

typedef struct lp_check {
    uint32_t buffer; /* which buffer */
    uint32_t dim;    /* which dimension */
} lp_check;

typedef struct lp_program {
    lp_node *nodes;  /* [0] unused */
    uint32_t nnodes, cap_nodes;
    uint32_t *pool;
    uint32_t npool, cap_pool;
    lp_var *vars;    /* [0] unused */
    uint32_t nvars, cap_vars;
    lp_buffer *bufs; /* [0] unused */
    uint32_t nbufs, cap_bufs;
    lp_check *checks; /* [0] unused; check id k describes checks[k] */
    uint32_t nchecks, cap_checks;
    lp_callee *callees; /* [0] unused; one entry per distinct (fn, name) */
    uint32_t ncallees, cap_callees;
    char **strings;  /* owned names */
    uint32_t nstrings, cap_strings;

    lp_id body;      /* root statement */
    int nargs;       /* number of kernel args (inputs + outputs + constants) */
    int64_t workspace_bytes;    /* planned peak of the intermediates (plan_memory) */
    int64_t intermediate_bytes; /* their sizes summed, without sharing */
    int64_t peak_live_bytes;    /* the largest set alive at one time */
    int32_t num_kernels;        /* top-level loop nests (plan_memory) */
    int32_t num_intermediates;
    int32_t par_slots;          /* copies of the private workspace buffers: the
                                   most chunks a parallel loop runs in (>= 1) */
    bool flat;       /* indices flattened to one element offset */
    bool fast_math;  /* TVM_COMPILE_FAST_MATH */
    bool failed;     /* an allocation failed while building */
} lp_program;

/* ---- construction (loop.c). Node builders return 0 and set p->failed on
 * allocation failure; callers check p->failed once at the end. ----------- */
lp_program *lp_new(void);
void lp_free(lp_program *p);
const char *lp_strdup(lp_program *p, const char *s);
uint32_t lp_pool_add(lp_program *p, const uint32_t *v, uint32_t n);
static inline const uint32_t *lp_list(const lp_program *p, uint32_t off) {
    return p->pool + off;
}
static inline const lp_node *lp_get(const lp_program *p, lp_id id) { return &p->nodes[id]; }

lp_id lp_add(lp_program *p, const lp_node *n);
lp_id lp_const_int(lp_program *p, int dtype, int64_t v);
lp_id lp_const_float(lp_program *p, int dtype, double v);
lp_id lp_var_ref(lp_program *p, uint32_t var);
lp_id lp_binary(lp_program *p, int op, lp_id a, lp_id b); /* dtype from op/a */
lp_id lp_unary(lp_program *p, int op, lp_id a);
lp_id lp_select(lp_program *p, lp_id c, lp_id a, lp_id b);
lp_id lp_cast(lp_program *p, int dtype, lp_id a);
lp_id lp_load(lp_program *p, uint32_t buf, const lp_id *idx, uint32_t n);
lp_id lp_for(lp_program *p, uint32_t var, lp_id extent, int kind, lp_id body);
lp_id lp_store(lp_program *p, uint32_t buf, const lp_id *idx, uint32_t n, lp_id value);
lp_id lp_accum(lp_program *p, uint32_t buf, int reduce_kind, lp_id value);
lp_id lp_if(lp_program *p, lp_id cond, lp_id then_s, lp_id else_s);
lp_id lp_seq(lp_program *p, const lp_id *stmts, uint32_t n);
/* A call of host function fn (named name) returning dtype. */
lp_id lp_call(lp_program *p, const char *name, void *fn, int dtype, const lp_id *args,
              uint32_t n);
uint32_t lp_new_var(lp_program *p, const char *name, int kind, uint32_t graph_var);
uint32_t lp_new_buffer(lp_program *p, const lp_buffer *b, const lp_id *shape);
uint32_t lp_new_check(lp_program *p, uint32_t buf, uint32_t dim);

/* Identity value of a reduction for a compute dtype (tvmc.h semantics). */
lp_id lp_reduce_identity(lp_program *p, int reduce_kind, int dtype);

/* An estimate of the work of running p once: the number of statement
 * executions (stores, accumulations) with every loop's extent multiplied
 * in. Extents that are not constants count as INT64_MAX; the result
 * saturates at INT64_MAX. Used to refuse compile-time evaluation that would
 * take hours (a sum over 2^63 terms is a valid graph). */
int64_t lp_work(const lp_program *p);

/* ---- printing (loop_print.c) ------------------------------------------- */
void lp_print(const lp_program *p, strbuf *sb);
void lp_print_expr(const lp_program *p, lp_id e, strbuf *sb);

/* ---- verification (loop_verify.c): dtypes, operand kinds, variable
 * scoping, flat/unflat index counts. TVM_ERR_INTERNAL with a message. ----- */
tvm_status lp_verify(const lp_program *p);

/* ---- scalar evaluation shared by the folder and the interpreter --------
 * A value is an int64 (ints, bool) or a double (float32 values are held
 * exactly as doubles and rounded to float after every operation). */
typedef union lp_value {
    int64_t i;
    double f;
} lp_value;
/* Applies op to operands of dtype `in` producing dtype `out` (tvmc.h rules). */
lp_value lp_eval_binary(int op, int in, lp_value a, lp_value b);
lp_value lp_eval_unary(int op, int dtype, lp_value a);
lp_value lp_eval_cast(int to, int from, lp_value a);
lp_value lp_eval_accum(int reduce_kind, int dtype, lp_value acc, lp_value v);
/* x * y + acc with one rounding (float32: fmaf, float64: fma). */
lp_value lp_eval_fma(int dtype, lp_value x, lp_value y, lp_value acc);

/* Whether e is a product that an add consuming it fuses (LP_FUSED). */
static inline bool lp_is_fused_mul(const lp_program *p, lp_id e) {
    if (e == 0 || e >= p->nnodes) return false;
    const lp_node *n = lp_get(p, e);
    return n->kind == LP_BINARY && n->op == IR_MUL && (n->flags & LP_FUSED) &&
           (n->dtype == TVM_FLOAT32 || n->dtype == TVM_FLOAT64);
}

#endif
