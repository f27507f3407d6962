/* onnx_internal.h — what the ONNX importer's files share: the value table
 * (ONNX value name -> tensor, with host data for values known at import
 * time), the node being converted, attribute and constant-input readers,
 * and the operator table's shape. Not installed. */
#ifndef TVMC_FRONTEND_ONNX_INTERNAL_H
#define TVMC_FRONTEND_ONNX_INTERNAL_H

#include <limits.h>

#include "../ops/op_util.h"
#include "onnx.pb-c.h"

/* Limits that keep hostile files from costing unbounded time or memory. */
#define ONNX_MAX_DEPTH 64          /* nested messages (subgraphs in attributes) */
#define ONNX_MAX_FOLD_ELEMS 65536  /* largest tensor evaluated at import time */
#define ONNX_MAX_NODE_IO 64        /* inputs or outputs of one node */
/* import-time constant bytes all subgraphs of a model may make, unrolled */
#define ONNX_MAX_SUB_BYTES ((uint64_t)256 << 20)

/* Returns a failed status to the caller (the converters' error path: the
 * message is already set where the failure happened). */
#define TRY(x)                                                                 \
    do {                                                                       \
        tvm_status s_ = (x);                                                   \
        if (s_ != TVM_OK) return s_;                                           \
    } while (0)

/* A value of the model. `t` is its tensor (0 while only host data exists:
 * onnx_tensor makes the constant on first use). `data` holds its elements
 * (row-major, tvmc dtype layout) when the value is known at import time. */
typedef struct onnx_value {
    const char *name;              /* borrowed from the parsed model */
    tvm_tensor t;
    tvm_dtype dtype;
    int ndim;
    int64_t shape[TVM_MAX_NDIM];   /* valid when data != NULL */
    void *data;                    /* owned; NULL when not constant */
    bool is_leaf;                  /* placeholder or constant, not a compute */
} onnx_value;

typedef struct onnx_ctx {
    tvm_graph *g;
    int64_t opset;                 /* of the default domain */
    onnx_value *vals;
    uint32_t nvals, cap;
    uint32_t *input_slot;          /* value-table slot of each placeholder input */
    /* what subgraphs (If / Loop / Scan bodies, unrolled, at any nesting)
     * have converted so far: nodes plus bound inputs, and bytes of
     * import-time constants (initializers decoded, values copied in,
     * results of Constant nodes and folding) */
    uint64_t sub_nodes, sub_bytes;
    /* nodes that unrolling added (Loop / Scan bodies, RNN steps: see
     * onnx_charge_unrolled), and opts->max_nodes less the main graph's
     * nodes and initializers, which they may not exceed */
    uint64_t unrolled, unrolled_left;
    int body_depth;                /* > 0 while a subgraph is converted */
} onnx_ctx;

/* The node being converted: its resolved inputs (NULL for an omitted
 * optional input) and the tensors / constants its handler produced. */
typedef struct onnx_node {
    const Onnx__NodeProto *proto;
    int nin, nout;                 /* as written in the model */
    onnx_value *in[ONNX_MAX_NODE_IO];
    onnx_value *out[ONNX_MAX_NODE_IO]; /* filled by onnx_set_* */
} onnx_node;

/* An operator handler: reads n's inputs and attributes, sets its outputs.
 * Returns TVM_OK or an error with the message set (err_set). */
typedef tvm_status (*onnx_op_fn)(onnx_ctx *c, onnx_node *n);

typedef struct onnx_op {
    const char *name;
    int since;                     /* first opset the handler knows */
    onnx_op_fn fn;
} onnx_op;

/* onnx_ops*.c: the tables, searched by onnx_find_op. */
extern const onnx_op onnx_ops_basic[];
extern const onnx_op onnx_ops_nn[];
extern const onnx_op onnx_ops_loss[];
extern const onnx_op onnx_ops_index[];
extern const onnx_op onnx_ops_math[];
extern const onnx_op onnx_ops_rnn[];
extern const onnx_op onnx_ops_control[];
const onnx_op *onnx_find_op(const char *domain, const char *name, int64_t opset);

/* ---- onnx_parse.c ---------------------------------------------------------- */

/* A large initializer left out of the parse (onnx_parse_model_lazy): the
 * bytes of its TensorProto message inside the model's bytes, and its index
 * among the graph's initializers as written. */
typedef struct onnx_lazy {
    size_t index;
    const uint8_t *at;
    size_t len;
} onnx_lazy;
/* Unpacks a ModelProto after checking nesting depth, except that the main
 * graph's initializer messages of min_bytes or more are not unpacked (protobuf-c would copy every weight
 * out of the model's bytes): *lazy (malloc'd, *nlazy entries in index
 * order) says where they are, for onnx_parse_tensor one at a time while
 * the data stays alive. Every other initializer stays in
 * graph->initializer, in order. NULL with an error set. */
Onnx__ModelProto *onnx_parse_model_lazy(const uint8_t *data, size_t size, size_t min_bytes,
                                        onnx_lazy **lazy, size_t *nlazy);
/* Unpacks a TensorProto. NULL with an error set. */
Onnx__TensorProto *onnx_parse_tensor(const uint8_t *data, size_t size);
/* The tvmc dtype of an ONNX TensorProto.DataType; 0 when tvmc has none. */
tvm_dtype onnx_dtype(int32_t onnx_type);
const char *onnx_dtype_name(int32_t onnx_type);
/* Checks a TensorProto (dtype, dims, data present and filling its shape)
 * and reports its dtype, rank, shape and element count. `what` names it in
 * messages. */
tvm_status onnx_tensor_check(const Onnx__TensorProto *t, const char *what, tvm_dtype *dtype,
                             int *ndim, int64_t *shape, int64_t *count);
/* Decodes a TensorProto into host data (malloc'd, *data; NULL for zero
 * elements is allowed), with dtype, rank and shape (checked as above). */
tvm_status onnx_tensor_data(const Onnx__TensorProto *t, const char *what, tvm_dtype *dtype,
                            int *ndim, int64_t *shape, void **data);
/* onnx_parse_tensor without copying raw_data: with *borrowed set, the
 * message's raw_data points into data, and onnx_tensor_unborrow must drop
 * it before anything frees the message's storage. */
Onnx__TensorProto *onnx_parse_tensor_borrowed(const uint8_t *data, size_t size, bool *borrowed);
void onnx_tensor_unborrow(Onnx__TensorProto *t);
/* Free what the functions above return (NULL is fine). */
void onnx_model_free(Onnx__ModelProto *m);
void onnx_tensor_free(Onnx__TensorProto *t);
/* Frees a parsed TensorProto's element storage once its values live
 * elsewhere (the graph's constant), so a model's weights are not held
 * twice while the rest imports. */
void onnx_tensor_release(Onnx__TensorProto *t);

/* ---- onnx_import.c / onnx_bind.c: the value table and the node loop ------- */

/* Converts one node with its operator's handler, then folds outputs whose
 * inputs are all known. */
tvm_status onnx_convert_node(onnx_ctx *c, const Onnx__NodeProto *p, const onnx_op *op);

onnx_value *onnx_lookup(onnx_ctx *c, const char *name);
onnx_value *onnx_new_value(onnx_ctx *c, const char *name);
/* Graph input vi (element type dt) becomes the constant t (checked, copied). */
tvm_status onnx_bind_input(onnx_ctx *c, const Onnx__ValueInfoProto *vi, tvm_dtype dt,
                           const DLTensor *t);

/* ---- onnx_import.c: helpers for the handlers ------------------------------- */

/* The tensor of value v (makes the constant for a host-only value). */
tvm_tensor onnx_tensor(onnx_ctx *c, onnx_value *v);
/* Input k as a tensor; an error naming the node when it is absent. */
tvm_status onnx_input(onnx_ctx *c, onnx_node *n, int k, tvm_tensor *t);
/* Output k is tensor t (a fresh compute or any tensor of the graph). */
tvm_status onnx_set_output(onnx_ctx *c, onnx_node *n, int k, tvm_tensor t);
/* Output k is the host data given (copied); no tensor is made until used. */
/* Charges `nodes` graph nodes that unrolling a Loop, Scan or RNN adds to
 * the caller's opts->max_nodes: the importer's and the builder's cost grows
 * faster than linearly with the graph, so a few hundred bytes of model must
 * not make a graph larger than the caller allows. TVM_ERR_LIMIT beyond. */
tvm_status onnx_charge_unrolled(onnx_ctx *c, onnx_node *n, uint64_t nodes, const char *what);
/* Counts bytes of import-time constant data made inside a subgraph
 * against the model's budget (each unrolled iteration makes its own);
 * false when the budget is spent. Always true outside subgraphs. */
bool onnx_sub_bytes_ok(onnx_ctx *c, uint64_t bytes);
tvm_status onnx_set_const(onnx_ctx *c, onnx_node *n, int k, tvm_dtype dt, int ndim,
                          const int64_t *shape, const void *data);
/* The graph's status after a builder call, with the graph's message. */
tvm_status onnx_graph_status(onnx_ctx *c, onnx_node *n);

/* Input k read as int64 values at import time (int32/int64 constant data);
 * at most cap. TVM_ERR_UNSUPPORTED when the input is not constant. */
tvm_status onnx_const_ints(onnx_ctx *c, onnx_node *n, int k, const char *what, int64_t *vals,
                           int cap, int *count);
/* Input k's scalar value (first element) as double, for constant inputs. */
tvm_status onnx_const_scalar(onnx_ctx *c, onnx_node *n, int k, const char *what, double *v);
/* Rank, dtype and dims (-1 where symbolic) of input k. */
tvm_status onnx_input_shape(onnx_ctx *c, onnx_node *n, int k, int *ndim, tvm_dtype *dt,
                            int64_t *dims);

/* Attributes (absent: the default). */
const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name);
int64_t onnx_attr_i(const onnx_node *n, const char *name, int64_t def);
double onnx_attr_f(const onnx_node *n, const char *name, double def);
/* The string attribute into buf (def when absent). */
const char *onnx_attr_s(const onnx_node *n, const char *name, const char *def, char *buf,
                        size_t cap);
/* The ints attribute: count (-1 when absent), copied into vals (at most cap;
 * more is an error). */
tvm_status onnx_attr_ints(const onnx_node *n, const char *name, int64_t *vals, int cap,
                          int *count);

/* An error naming the node (op type and output name). */
tvm_status onnx_fail(const onnx_node *n, tvm_status s, const char *fmt, ...) TVMC_PRINTF(3, 4);

/* ---- saturating conversions ---------------------------------------------
 * Numbers from a model (attributes, constant inputs) are narrowed to the
 * types the operator library takes by saturating, never by a plain cast:
 * converting a double outside the target type is undefined behaviour, and
 * wrapping an int64 could land a huge value on a valid one. A saturated
 * value is then refused by the range check that follows (the importer's or
 * the operator's). */

/* An int64 value as an int (axes, perms, flags): INT_MIN / INT_MAX outside. */
static inline int onnx_int(int64_t v) {
    return v < INT_MIN ? INT_MIN : v > INT_MAX ? INT_MAX : (int)v;
}

/* A double as an int64, truncated toward zero: +-2^62 beyond that (room
 * for a sum of two), 0 for NaN. */
static inline int64_t onnx_sat_i64(double x) {
    return !(x == x) ? 0 : x > 0x1p62 ? (int64_t)1 << 62 : x < -0x1p62 ? -((int64_t)1 << 62)
                                                                        : (int64_t)x;
}

#endif
