/* onnx_import.c — the value table and the helpers operator handlers use:
 * turning inputs into tensors or import-time constants, recording outputs,
 * reading attributes, and folding nodes whose inputs are all known (so
 * shape subgraphs such as Shape -> Gather -> Concat -> Reshape become the
 * constants Reshape needs). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common.h"
#include "../context.h"
#include "onnx_internal.h"

tvm_status onnx_fail(const onnx_node *n, tvm_status s, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const Onnx__NodeProto *p = n->proto;
    return err_set(s, "onnx: %s node '%s' (output '%s'): %s", p->op_type,
                   p->name ? p->name : "", p->n_output ? p->output[0] : "", msg);
}

tvm_status onnx_graph_status(onnx_ctx *c, onnx_node *n) {
    if (c->g->status == TVM_OK) return TVM_OK;
    return onnx_fail(n, c->g->status, "%s", c->g->error ? c->g->error : "builder error");
}

/* ---- tensors and constants --------------------------------------------- */

tvm_tensor onnx_tensor(onnx_ctx *c, onnx_value *v) {
    if (!v->t.id && v->data) {
        v->t = tvm_constant(c->g, v->name, v->dtype, v->ndim, v->shape, v->data);
        v->is_leaf = true;
    }
    return v->t;
}

tvm_status onnx_input(onnx_ctx *c, onnx_node *n, int k, tvm_tensor *t) {
    if (k >= n->nin || !n->in[k])
        return onnx_fail(n, TVM_ERR_PARSE, "input %d is required but missing", k);
    *t = onnx_tensor(c, n->in[k]);
    return t->id ? TVM_OK : onnx_graph_status(c, n);
}

onnx_value *onnx_new_value(onnx_ctx *c, const char *name) {
    if (!VEC_PUSH_OK(c->vals, c->nvals, c->cap, 1u << 24)) return NULL;
    onnx_value *v = &c->vals[c->nvals++];
    memset(v, 0, sizeof *v);
    v->name = name;
    return v;
}

tvm_status onnx_set_output(onnx_ctx *c, onnx_node *n, int k, tvm_tensor t) {
    if (!t.id) return onnx_graph_status(c, n);
    if (k >= n->nout) return TVM_OK; /* an output the model does not name */
    onnx_value *v = n->out[k];
    int ndim;
    tvm_dtype dt;
    tvm_status s = tvm_tensor_info(c->g, t, &ndim, &dt);
    if (s != TVM_OK) return onnx_fail(n, s, "%s", tvm_last_error());
    v->t = t;
    v->dtype = dt;
    v->ndim = ndim;
    uint32_t idx = graph_tensor_index(c->g, t);
    v->is_leaf = c->g->tensors[idx].kind != GT_COMPUTE;
    return TVM_OK;
}

tvm_status onnx_charge_unrolled(onnx_ctx *c, onnx_node *n, uint64_t nodes, const char *what) {
    c->unrolled += nodes;
    if (c->unrolled > c->unrolled_left)
        return onnx_fail(n, TVM_ERR_LIMIT, "%s: unrolled Loop / Scan bodies and RNN steps come "
                         "to more than the %llu nodes that opts->max_nodes leaves after the "
                         "main graph", what, (unsigned long long)c->unrolled_left);
    return TVM_OK;
}

bool onnx_sub_bytes_ok(onnx_ctx *c, uint64_t bytes) {
    if (!c->body_depth) return true;
    c->sub_bytes += bytes;
    return c->sub_bytes <= ONNX_MAX_SUB_BYTES;
}

tvm_status onnx_set_const(onnx_ctx *c, onnx_node *n, int k, tvm_dtype dt, int ndim,
                          const int64_t *shape, const void *data) {
    if (k >= n->nout) return TVM_OK;
    onnx_value *v = n->out[k];
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) numel *= (size_t)shape[d];
    size_t bytes = numel * (size_t)dtype_bytes(dt);
    if (!onnx_sub_bytes_ok(c, bytes))
        return onnx_fail(n, TVM_ERR_LIMIT, "the model's subgraphs, unrolled, make more than "
                         "%llu MiB of import-time constants",
                         (unsigned long long)(ONNX_MAX_SUB_BYTES >> 20));
    v->data = malloc(bytes ? bytes : 1);
    if (!v->data) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for a constant");
    if (bytes) memcpy(v->data, data, bytes);
    v->dtype = dt;
    v->ndim = ndim;
    if (ndim) memcpy(v->shape, shape, sizeof(int64_t) * (size_t)ndim);
    v->is_leaf = true;
    return TVM_OK;
}

tvm_status onnx_input_shape(onnx_ctx *c, onnx_node *n, int k, int *ndim, tvm_dtype *dt,
                            int64_t *dims) {
    if (k >= n->nin || !n->in[k])
        return onnx_fail(n, TVM_ERR_PARSE, "input %d is required but missing", k);
    onnx_value *v = n->in[k];
    if (v->data && !v->t.id) {
        *ndim = v->ndim;
        if (dt) *dt = v->dtype;
        for (int d = 0; d < v->ndim; d++) dims[d] = v->shape[d];
        return TVM_OK;
    }
    op_arg a;
    if (!op_tensor(c->g, "onnx", "input", v->t, &a)) return onnx_graph_status(c, n);
    *ndim = a.shape.ndim;
    if (dt) *dt = a.dtype;
    for (int d = 0; d < a.shape.ndim; d++)
        if (!op_const_value(c->g, a.shape.dims[d], &dims[d])) dims[d] = -1;
    return TVM_OK;
}

tvm_status onnx_const_ints(onnx_ctx *c, onnx_node *n, int k, const char *what, int64_t *vals,
                           int cap, int *count) {
    (void)c;
    if (k >= n->nin || !n->in[k])
        return onnx_fail(n, TVM_ERR_PARSE, "input %d (%s) is missing", k, what);
    onnx_value *v = n->in[k];
    if (!v->data)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input '%s' (%s) must be known at import "
                         "time (an initializer, a Constant or a foldable shape computation)",
                         v->name, what);
    if (v->dtype != TVM_INT64 && v->dtype != TVM_INT32)
        return onnx_fail(n, TVM_ERR_DTYPE, "input '%s' (%s) is %s, not int64", v->name, what,
                         dtype_name(v->dtype));
    int64_t numel = 1;
    for (int d = 0; d < v->ndim; d++) numel *= v->shape[d];
    if (numel > cap)
        return onnx_fail(n, TVM_ERR_LIMIT, "input '%s' (%s) has %lld values; at most %d",
                         v->name, what, (long long)numel, cap);
    for (int64_t e = 0; e < numel; e++)
        vals[e] = v->dtype == TVM_INT64 ? ((int64_t *)v->data)[e] : ((int32_t *)v->data)[e];
    *count = (int)numel;
    return TVM_OK;
}

tvm_status onnx_const_scalar(onnx_ctx *c, onnx_node *n, int k, const char *what, double *out) {
    (void)c;
    onnx_value *v = k < n->nin ? n->in[k] : NULL;
    if (!v) return onnx_fail(n, TVM_ERR_PARSE, "input %d (%s) is missing", k, what);
    if (!v->data)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input '%s' (%s) must be known at import "
                         "time", v->name, what);
    int64_t numel = 1;
    for (int d = 0; d < v->ndim; d++) numel *= v->shape[d];
    if (numel < 1) return onnx_fail(n, TVM_ERR_SHAPE, "input '%s' (%s) is empty", v->name, what);
    const void *p = v->data;
    switch (v->dtype) {
    case TVM_FLOAT32: *out = *(const float *)p; break;
    case TVM_FLOAT64: *out = *(const double *)p; break;
    case TVM_FLOAT16: *out = f16_bits_to_f32(*(const uint16_t *)p); break;
    case TVM_BFLOAT16: *out = bf16_bits_to_f32(*(const uint16_t *)p); break;
    case TVM_INT8: *out = *(const int8_t *)p; break;
    case TVM_INT16: *out = *(const int16_t *)p; break;
    case TVM_INT32: *out = *(const int32_t *)p; break;
    case TVM_INT64: *out = (double)*(const int64_t *)p; break;
    default: *out = *(const uint8_t *)p; break;
    }
    return TVM_OK;
}

/* ---- attributes -------------------------------------------------------- */

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name) {
    for (size_t k = 0; k < n->proto->n_attribute; k++) {
        const Onnx__AttributeProto *a = n->proto->attribute[k];
        if (a->name && !strcmp(a->name, name)) return a;
    }
    return NULL;
}

int64_t onnx_attr_i(const onnx_node *n, const char *name, int64_t def) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    return a && a->has_i ? a->i : def;
}

double onnx_attr_f(const onnx_node *n, const char *name, double def) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    return a && a->has_f ? a->f : def;
}

const char *onnx_attr_s(const onnx_node *n, const char *name, const char *def, char *buf,
                        size_t cap) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a || !a->has_s) return def;
    size_t len = a->s.len < cap - 1 ? a->s.len : cap - 1;
    memcpy(buf, a->s.data, len);
    buf[len] = 0;
    return buf;
}

tvm_status onnx_attr_ints(const onnx_node *n, const char *name, int64_t *vals, int cap,
                          int *count) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a) {
        *count = -1;
        return TVM_OK;
    }
    if (a->n_ints > (size_t)cap)
        return onnx_fail(n, TVM_ERR_LIMIT, "attribute %s has %zu values; at most %d", name,
                         a->n_ints, cap);
    for (size_t k = 0; k < a->n_ints; k++) vals[k] = a->ints[k];
    *count = (int)a->n_ints;
    return TVM_OK;
}

/* ---- folding ----------------------------------------------------------- */

/* Evaluates output v (a compute whose inputs are all constants) with the
 * interpreter, so later nodes can read it at import time. Failure is not an
 * error: the value simply stays a tensor. */
static void fold_value(onnx_ctx *c, onnx_value *v) {
    op_arg a;
    if (!op_tensor(c->g, "onnx", "fold", v->t, &a)) return;
    int64_t shape[TVM_MAX_NDIM], numel = 1;
    for (int d = 0; d < a.shape.ndim; d++) {
        if (!op_const_value(c->g, a.shape.dims[d], &shape[d])) return;
        numel *= shape[d];
    }
    if (numel > ONNX_MAX_FOLD_ELEMS) return;
    size_t bytes = (size_t)numel * (size_t)dtype_bytes(a.dtype);
    /* past the subgraphs' budget the value simply stays a tensor */
    if (!onnx_sub_bytes_ok(c, bytes)) return;
    tvm_compile_options o = {.struct_size = sizeof o, .target = "interp"};
    tvm_function *fn = NULL;
    if (tvm_compile(c->g, 0, NULL, 1, &v->t, &o, &fn) != TVM_OK) return;
    void *data = malloc(bytes ? bytes : 1);
    DLTensor out = {data, {kDLCPU, 0}, a.shape.ndim,
                    {dtype_is_float(a.dtype)
                         ? (a.dtype == TVM_BFLOAT16 ? kDLBfloat : kDLFloat)
                         : dtype_is_unsigned(a.dtype) ? kDLUInt : kDLInt,
                     (uint8_t)(dtype_bytes(a.dtype) * 8), 1},
                    shape, NULL, 0};
    DLTensor *args[1] = {&out};
    if (data && tvm_function_call(fn, args, 1) == TVM_OK) {
        v->data = data;
        v->ndim = a.shape.ndim;
        memcpy(v->shape, shape, sizeof(int64_t) * (size_t)a.shape.ndim);
        /* later nodes read the value as a new constant (onnx_tensor), not
         * as this compute: otherwise each fold of a chain of constant nodes
         * (an unrolled Loop's) compiles the whole chain before it again */
        v->t = (tvm_tensor){0};
        v->is_leaf = true;
    } else {
        free(data);
    }
    tvm_function_release(fn);
}

/* ---- the node loop ----------------------------------------------------- */

/* The latest value of that name (a name defined twice shadows). */
onnx_value *onnx_lookup(onnx_ctx *c, const char *name) {
    for (uint32_t k = c->nvals; k-- > 0;)
        if (c->vals[k].name && !strcmp(c->vals[k].name, name)) return &c->vals[k];
    return NULL;
}


tvm_status onnx_convert_node(onnx_ctx *c, const Onnx__NodeProto *p, const onnx_op *op) {
    onnx_node n = {.proto = p, .nin = (int)p->n_input, .nout = (int)p->n_output};
    if (p->n_input > ONNX_MAX_NODE_IO || p->n_output > ONNX_MAX_NODE_IO)
        return onnx_fail(&n, TVM_ERR_LIMIT, "more than %d inputs or outputs", ONNX_MAX_NODE_IO);
    bool all_const = true;
    uint32_t slot[ONNX_MAX_NODE_IO];
    for (int k = 0; k < n.nin; k++) {
        const char *name = p->input[k];
        if (!name[0]) continue; /* an omitted optional input */
        onnx_value *v = onnx_lookup(c, name);
        if (!v)
            return onnx_fail(&n, TVM_ERR_PARSE, "input '%s' is not produced by any node, "
                             "initializer or graph input before it", name);
        if (!v->data) all_const = false;
        slot[k] = (uint32_t)(v - c->vals);
        n.in[k] = v;
    }
    /* Outputs get their slots now; the table may move as it grows, so the
     * inputs are pointed at again by slot (not by name: an output may reuse
     * an input's name). */
    uint32_t first = c->nvals;
    for (int k = 0; k < n.nout; k++)
        if (!onnx_new_value(c, p->output[k][0] ? p->output[k] : NULL))
            return onnx_fail(&n, TVM_ERR_OUT_OF_MEMORY, "no memory for the value table");
    for (int k = 0; k < n.nin; k++)
        if (n.in[k]) n.in[k] = &c->vals[slot[k]];
    for (int k = 0; k < n.nout; k++) n.out[k] = &c->vals[first + (uint32_t)k];
    tvm_status s = op->fn(c, &n);
    if (s != TVM_OK) return s;
    for (int k = 0; k < n.nout; k++) {
        onnx_value *v = n.out[k];
        if (!v->name) continue;
        if (!v->t.id && !v->data)
            return onnx_fail(&n, TVM_ERR_UNSUPPORTED, "output %d ('%s') is not supported by "
                             "the importer", k, v->name);
        if (all_const && v->t.id && !v->data) fold_value(c, v);
    }
    return TVM_OK;
}
