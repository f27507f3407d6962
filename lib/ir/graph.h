/* graph.h — the tensor IR: expressions and tensors in a per-graph arena.
 *
 * Nodes are stored in flat arrays and named by 32-bit handles. A handle packs
 * a graph tag with the index so a handle from another graph is caught:
 *     bit 31      1 for tensors, 0 for expressions
 *     bits 24..30 the graph's tag (1..127)
 *     bits 0..23  index into the graph's array (0 is unused)
 * Inside the library, node references between nodes are plain indices.
 *
 * Expressions are hash-consed: building the same operator on the same
 * operands twice yields one node. Variables (size, iteration, reduction axis)
 * are never merged: each builder call makes a new one.
 *
 * Semantics: see ops.h. Every expression has a dtype (tvm_dtype); index
 * expressions (variables, shapes) are int64.
 */
#ifndef TVMC_IR_GRAPH_H
#define TVMC_IR_GRAPH_H

#include <stdatomic.h>

#include "../common.h"
#include "ops.h"

#define GRAPH_INDEX_BITS 20
#define GRAPH_INDEX_MASK ((1u << GRAPH_INDEX_BITS) - 1)
#define GRAPH_MAX_TAGS 2048 /* tags 1..2047 */
#define GRAPH_MAX_NODES GRAPH_INDEX_MASK
/* Expressions nest at most this deep (recursive passes stay in a small,
 * bounded stack; the inliner keeps fused bodies under a similar bound). */
#define GRAPH_MAX_DEPTH 1000

typedef enum gx_kind {
    GX_CONST = 1,   /* imm.i (integers, bool) or imm.f (floats) */
    GX_SIZE_VAR,    /* name */
    GX_ITER_VAR,    /* name */
    GX_REDUCE_AXIS, /* name, a = extent expr */
    GX_LOAD,        /* a = tensor index, list = indices (tensor's ndim) */
    GX_BINARY,      /* op, a, b */
    GX_UNARY,       /* op, a */
    GX_SELECT,      /* a = cond, b = then, c = else */
    GX_CAST,        /* a; dtype is the target */
    GX_REDUCE,      /* op = tvm_reduce_kind, a = body, list = axes */
    GX_CALL         /* host C function: imm.i = its address, name = its name,
                       list = arguments (their dtypes are the C parameter
                       types), dtype = the C return type (tvm_call_extern) */
} gx_kind;

typedef struct gx_node {
    uint8_t kind;  /* gx_kind */
    uint8_t op;    /* ir_op or tvm_reduce_kind */
    uint8_t dtype; /* tvm_dtype */
    uint8_t flags; /* GX_F_*: derived from the operands by graph_add_expr */
    uint32_t a, b, c;     /* operand indices (0 = none) */
    uint32_t list, nlist; /* operands in graph->pool[list .. list+nlist) */
    uint32_t name;        /* offset into graph->strings (variables, calls) */
    union {
        int64_t i;
        double f;
    } imm;
    uint32_t depth;       /* 1 + deepest operand: bounds every recursion */
} gx_node;

/* gx_node.flags. Facts about a whole expression DAG, set from the
 * operands' flags when graph_add_expr adds the node (operands exist before
 * the nodes that use them; nodes never change), so asking is O(1). */
#define GX_F_CONSTANT 1 /* no size variable anywhere below, and every load
                           reads a constant tensor (graph_tensor_is_constant) */

typedef enum gt_kind { GT_PLACEHOLDER = 1, GT_COMPUTE, GT_CONSTANT } gt_kind;

/* A constant's bytes: immutable once made, shared by reference count
 * between the graph that made them and every function compiled from it (a
 * function outlives its graph; releases may come from any thread). Hashed
 * once, when made: the hashes are part of the function cache's key. */
typedef struct const_buf {
    atomic_uint refs;
    size_t nbytes;
    uint64_t hash[2]; /* two independent 64-bit hashes of the bytes */
    void *data;
} const_buf;

/* A new buffer holding a copy of nbytes at data (refs = 1); NULL when out
 * of memory. */
const_buf *const_buf_new(const void *data, size_t nbytes);
void const_buf_retain(const_buf *b);
void const_buf_release(const_buf *b); /* NULL is fine */

typedef struct gt_node {
    uint8_t kind;  /* gt_kind */
    uint8_t dtype;
    uint16_t ndim;
    uint32_t name;  /* offset into strings */
    uint32_t shape; /* pool offset: ndim expr indices (int64) */
    uint32_t iters; /* pool offset: ndim iter var indices (compute) */
    uint32_t body;  /* expr index (compute) */
    const_buf *cbuf; /* constant: its bytes (one reference held by the graph) */
    void *data;      /* constant: cbuf->data */
    size_t nbytes;
} gt_node;

struct tvm_graph {
    tvm_context *ctx;
    uint16_t tag;
    tvm_status status;  /* first builder error */
    char *error;        /* its message (malloc'd) */

    gx_node *exprs;     /* [0] unused */
    uint32_t nexprs, cap_exprs;
    gt_node *tensors;   /* [0] unused */
    uint32_t ntensors, cap_tensors;
    uint32_t *pool;     /* operand lists */
    uint32_t npool, cap_pool;
    char *strings;      /* NUL-terminated names; offset 0 is "" */
    uint32_t nstrings, cap_strings;

    uint32_t *hash_slots; /* open addressing over expr indices; 0 = empty */
    uint32_t hash_cap;    /* power of two */
    /* a copy (graph_copy_reachable): each expression's index in the graph it
     * was copied from, printed for variables; NULL in a graph */
    const uint32_t *print_ids;
};

/* ---- handles ------------------------------------------------------------ */
static inline tvm_expr graph_expr_handle(const tvm_graph *g, uint32_t idx) {
    tvm_expr e = {idx ? ((uint32_t)g->tag << GRAPH_INDEX_BITS) | idx : 0};
    return e;
}
static inline tvm_tensor graph_tensor_handle(const tvm_graph *g, uint32_t idx) {
    tvm_tensor t = {idx ? 0x80000000u | ((uint32_t)g->tag << GRAPH_INDEX_BITS) | idx : 0};
    return t;
}
/* Index of an expression handle, or 0 if it does not belong to g. */
static inline uint32_t graph_expr_index(const tvm_graph *g, tvm_expr e) {
    uint32_t idx = e.id & GRAPH_INDEX_MASK;
    if ((e.id >> GRAPH_INDEX_BITS) != g->tag || idx == 0 || idx >= g->nexprs) return 0;
    return idx;
}
static inline uint32_t graph_tensor_index(const tvm_graph *g, tvm_tensor t) {
    uint32_t idx = t.id & GRAPH_INDEX_MASK;
    uint32_t want = (1u << (31 - GRAPH_INDEX_BITS)) | g->tag;
    if ((t.id >> GRAPH_INDEX_BITS) != want || idx == 0 || idx >= g->ntensors) return 0;
    return idx;
}

/* ---- construction (graph.c). All return 0 when out of memory / limits. -- */
tvm_graph *graph_new(tvm_context *ctx);
void graph_free(tvm_graph *g);
uint32_t graph_intern_string(tvm_graph *g, const char *s);
static inline const char *graph_string(const tvm_graph *g, uint32_t off) {
    return g->strings + off;
}
/* Appends n indices to the operand pool; returns the offset (or UINT32_MAX). */
uint32_t graph_pool_add(tvm_graph *g, const uint32_t *v, uint32_t n);
static inline const uint32_t *graph_list(const tvm_graph *g, uint32_t off) {
    return g->pool + off;
}
/* Finds or adds the expression described by *n (hash-consed unless a
 * variable). n->list must already point into the pool when nlist > 0; the
 * pool entries are compared by value. */
uint32_t graph_add_expr(tvm_graph *g, const gx_node *n);
uint32_t graph_add_tensor(tvm_graph *g, const gt_node *t);

/* Drops the graph's reference to the bytes of constant t
 * (TVM_COMPILE_RELEASE_CONSTANTS): its cbuf becomes a stub with the same
 * size and hashes and no data, so the graph still prints and hashes the
 * same, but nothing can compile a read of it again. False when out of
 * memory (the constant then keeps its bytes). No-op for other tensors. */
bool graph_release_constant(tvm_graph *g, uint32_t t);
static inline bool graph_constant_released(const gt_node *tn) {
    return tn->kind == GT_CONSTANT && tn->cbuf && !tn->cbuf->data;
}

/* Depth a node built from these operands would have. */
uint32_t graph_node_depth(const tvm_graph *g, const gx_node *n);

/* ---- builder errors (builder.c) ----------------------------------------- */
/* Records the first error on the graph (sticky) and in the thread's slot. */
void graph_fail(tvm_graph *g, tvm_status s, const char *fmt, ...) TVMC_PRINTF(3, 4);
/* A usable graph that has not failed yet (else sets the thread's error). */
bool graph_ok(tvm_graph *g, const char *fn);

/* ---- walking (graph_walk.c) ----------------------------------------------
 * The one walk over expression DAGs that analyses share: iterative (an
 * explicit stack, so a body as deep as the graph allows is fine), each
 * expression and tensor visited at most once per walk, the visitor deciding
 * at each expression where the walk goes next. */
typedef enum graph_step {
    GRAPH_STEP_OPERANDS = 0, /* into e's operands: a, b, c and the list (a
                                load's a is its tensor, not an operand; a
                                reduction axis's a is its extent) */
    GRAPH_STEP_ENTER,        /* the operands and, for a load, the tensor it
                                reads (graph_walk_run's tensors) */
    GRAPH_STEP_SKIP,         /* not below e */
    GRAPH_STEP_STOP          /* end the walk */
} graph_step;
typedef graph_step (*graph_visit_fn)(const tvm_graph *g, uint32_t e, void *arg);

typedef struct graph_walk {
    const tvm_graph *g;
    uint32_t *estamp, *tstamp; /* per expression / tensor: the last walk to reach it */
    uint32_t tag;              /* the current walk */
    uint32_t *stack;           /* to visit: expressions, and tensors to enter */
    uint32_t n, cap;
} graph_walk;

/* False when out of memory; graph_walk_free accepts a failed or zeroed walk. */
bool graph_walk_init(graph_walk *w, const tvm_graph *g);
void graph_walk_free(graph_walk *w);
/* One walk: calls visit(g, e, arg) once for each expression reached from
 * the expressions exprs[0..nexprs) and the tensors tensors[0..ntensors)
 * (entering a tensor reaches its shape and, for a compute, its iteration
 * variables and body); zero indices are skipped. Nodes reached by earlier
 * walks are visited again. Not reentrant: a visitor must not start another
 * walk on w. False when out of memory (the walk stopped there). */
bool graph_walk_run(graph_walk *w, const uint32_t *exprs, uint32_t nexprs,
                    const uint32_t *tensors, uint32_t ntensors, graph_visit_fn visit, void *arg);

/* ---- analysis ------------------------------------------------------------- */
/* Marks (sets to 1) the tensors and expressions reachable from the root
 * tensors: shapes, iteration variables, bodies, loads, reduction extents.
 * tmark has g->ntensors entries, emark g->nexprs. False when out of memory. */
bool graph_mark_reachable(const tvm_graph *g, const uint32_t *roots, int nroots,
                          uint8_t *tmark, uint8_t *emark);

/* Whether tensor t's values are fixed once the graph is built: t is a
 * tvm_constant, or a compute whose shape and body hold no size variable and
 * read only such tensors (directly or through other computes; never a
 * placeholder). fold_constants evaluates exactly these computes at compile
 * time (unless one is an output or exceeds its size and work bounds), so an
 * op that builds a re-laid copy of a weight (matmul_bpack in linalg.c, the
 * packed conv weights in conv.c) asks this to know that the copy is made once,
 * not on every call. O(ndim). t == 0 is not constant. */
bool graph_tensor_is_constant(const tvm_graph *g, uint32_t t);
/* The same question for expression e (GX_F_CONSTANT); e == 0 (no operand)
 * is constant. */
static inline bool graph_expr_is_constant(const tvm_graph *g, uint32_t e) {
    return !e || (g->exprs[e].flags & GX_F_CONSTANT);
}

/* ---- printing (graph_print.c) --------------------------------------------- */
/* Prints the tensors reachable from roots (all if nroots == 0). */
void graph_print(const tvm_graph *g, const uint32_t *roots, int nroots, strbuf *sb);
void graph_print_expr(const tvm_graph *g, uint32_t e, strbuf *sb);

/* ---- copies (graph_copy.c) ------------------------------------------------
 * A read-only copy of the tensors and expressions reachable from roots,
 * renumbered compactly (new_roots: the roots' indices in it), that prints
 * as graph_print(g, roots) does. It has no context, tag, hash table or
 * constant bytes: only for printing and analysis, never for building or
 * compiling. NULL when out of memory; free with graph_copy_free. */
tvm_graph *graph_copy_reachable(const tvm_graph *g, const uint32_t *roots, int nroots,
                                uint32_t *new_roots);
void graph_copy_free(tvm_graph *copy); /* NULL is fine */

/* ---- canonical form (graph_hash.c) ----------------------------------------
 * A byte string that is equal for two structurally identical computations
 * (same ops, dtypes, shapes, constants and names; variables compared by
 * position), used as the key of the context's function cache. */
tvm_status graph_canonical(const tvm_graph *g, int nin, const uint32_t *inputs,
                           int nout, const uint32_t *outputs, strbuf *out);

#endif
