/* op_util.h — what every operator of the library (lib/ops/) shares:
 * resolving tensor arguments with their shapes, numpy broadcasting, axis
 * normalisation and small expression helpers. Operators are written with
 * the public builder calls, so they produce ordinary computes that the
 * fusion pass sees through; errors are the builder's sticky graph errors. */
#ifndef TVMC_OPS_OP_UTIL_H
#define TVMC_OPS_OP_UTIL_H

#include "../ir/graph.h"

/* A tensor's shape as expression handles (int64 constants or size-variable
 * expressions). */
typedef struct op_shape {
    int ndim;
    tvm_expr dims[TVM_MAX_NDIM];
} op_shape;

/* An operand: handle, dtype and shape. */
typedef struct op_arg {
    tvm_tensor t;
    tvm_dtype dtype;
    op_shape shape;
} op_arg;

/* Resolves tensor argument `name` of op `fn` (fails the graph for a null or
 * foreign handle). False on error. */
bool op_tensor(tvm_graph *g, const char *fn, const char *name, tvm_tensor t, op_arg *out);
/* Like op_tensor, but a null handle (id 0) is "absent": returns true with
 * out->t.id == 0. */
bool op_optional(tvm_graph *g, const char *fn, const char *name, tvm_tensor t, op_arg *out);

/* int64 constant expression. */
tvm_expr op_i64(tvm_graph *g, int64_t v);
/* True (and *v) when e is an integer constant. */
bool op_const_value(tvm_graph *g, tvm_expr e, int64_t *v);
/* Structural equality of two dims (hash-consing makes it handle equality). */
static inline bool op_dim_equal(tvm_expr a, tvm_expr b) { return a.id == b.id; }

/* numpy broadcast of a and b; TVM_ERR_SHAPE (naming fn) when incompatible
 * or not provably compatible (two different symbolic dims). */
bool op_broadcast_shapes(tvm_graph *g, const char *fn, const op_shape *a, const op_shape *b,
                         op_shape *out);
/* The indices at which an operand of shape `s` is read for the result
 * element `iters` of broadcast shape `out` (aligned right; size-1 dims read 0). */
void op_broadcast_index(tvm_graph *g, const op_shape *s, const op_shape *out,
                        const tvm_expr *iters, tvm_expr *idx);

/* Normalises axis into [0, ndim); fails with TVM_ERR_INVALID_ARGUMENT. */
bool op_axis(tvm_graph *g, const char *fn, int axis, int ndim, int *out);

/* ndim fresh iteration variables named i0, i1, ... */
void op_iters(tvm_graph *g, int ndim, tvm_expr *iters);

/* Element count of a shape as an int64 expression (1 for rank 0). */
tvm_expr op_numel(tvm_graph *g, const op_shape *s, int from, int to);

/* Both operands have one numeric (not bool) dtype; TVM_ERR_DTYPE naming the
 * op and the offending argument otherwise. */
bool op_same_numeric(tvm_graph *g, const char *fn, const op_arg *a, const char *an,
                     const op_arg *b, const char *bn);

/* The value of dim `e` (argument `name`, dim `k`) when it is a constant;
 * otherwise fails with TVM_ERR_SHAPE saying the op needs a constant there. */
bool op_const_dim(tvm_graph *g, const char *fn, const char *name, int k, tvm_expr e,
                  int64_t *v);

/* Reads a versioned attribute struct (first member size_t struct_size) the
 * way tvm_compile reads its options: `in` NULL is TVM_ERR_INVALID_ARGUMENT,
 * a struct_size smaller than a size_t too, one larger than `known` is
 * TVM_ERR_VERSION (a newer header); a smaller size is an older struct whose
 * missing tail reads as zero. `out` gets `known` bytes. */
bool op_read_attrs(tvm_graph *g, const char *fn, const char *name, const void *in,
                   size_t known, void *out);
/* An operand of shape `a` read at result element `iters` of broadcast shape
 * `out` (op_broadcast_index, then tvm_load). */
tvm_expr op_load_broadcast(tvm_graph *g, const op_arg *a, const op_shape *out,
                           const tvm_expr *iters);

/* Dtype classes an operator accepts, for op_check_dtype. */
enum { OP_DT_FLOAT = 1, OP_DT_INT = 2, OP_DT_BOOL = 4, OP_DT_NUM = OP_DT_FLOAT | OP_DT_INT,
       OP_DT_ANY = OP_DT_NUM | OP_DT_BOOL };
/* Fails with TVM_ERR_DTYPE ("fn: argument 'name' is int32 but must be
 * floating-point") unless dtype is in the `allowed` classes. */
bool op_check_dtype(tvm_graph *g, const char *fn, const char *name, tvm_dtype dtype,
                    int allowed);
/* Fails with TVM_ERR_DTYPE unless b has a's dtype (naming both arguments). */
bool op_same_dtype(tvm_graph *g, const char *fn, const char *na, const op_arg *a,
                   const char *nb, const op_arg *b);
/* Shape arithmetic on dims (int64 expressions of constants and size
 * variables). Constants fold, with int64 overflow reported as TVM_ERR_SHAPE
 * naming fn; x * 1, x + 0 and x * 0 fold too (dims are never negative), so
 * equal results stay one hash-consed handle. The null expression on error. */
tvm_expr op_dim_mul(tvm_graph *g, const char *fn, tvm_expr a, tvm_expr b);
tvm_expr op_dim_add(tvm_graph *g, const char *fn, tvm_expr a, tvm_expr b);
/* a + k for a constant k of either sign. */
tvm_expr op_dim_add_const(tvm_graph *g, const char *fn, tvm_expr a, int64_t k);

/* A dim as text for messages: its value, its size variable's name or
 * "<expr>". */
void op_describe_dim(tvm_graph *g, tvm_expr e, char *buf, size_t n);

/* A float constant of x's dtype (f32 for integers is the caller's problem). */
static inline tvm_expr op_fconst(tvm_graph *g, tvm_dtype dt, double v) {
    return tvm_const_float(g, dt, v);
}

/* Whether tensor t depends only on constants, without size variables:
 * fold_constants then evaluates a compute over it once, at compile time. A
 * bounded walk (false past the bound: such a weight is read as given).
 * Defined in linalg.c. */
bool op_const_only(const tvm_graph *g, uint32_t t);

/* The graph is healthy: graph_ok with the op's name. */
static inline bool op_begin(tvm_graph *g, const char *fn) { return graph_ok(g, fn); }

/* The result handle if the graph is still healthy, else the null tensor. */
static inline tvm_tensor op_result(tvm_graph *g, tvm_tensor t) {
    if (!g || g->status != TVM_OK) return (tvm_tensor){0};
    return t;
}

#endif
