/* onnx_ops_control.c — ONNX If, Loop and Scan, whose bodies are subgraphs,
 * imported without control flow in the graph:
 *
 *   If    a condition known at import time imports only the chosen branch;
 *         otherwise both branches are imported and each output is selected
 *         elementwise (ONNX branches have no side effects), which needs the
 *         two branches' outputs to have the same dtypes and shapes.
 *   Loop  unrolled when the trip count M is known at import time and the
 *         loop condition (the cond input and each iteration's cond output)
 *         is too: a loop that stops on run-time data is not imported.
 *   Scan  unrolled over the constant length of its scan axes (Scan-8 over
 *         its batch too, with sequence_lens absent or all full).
 *
 * A subgraph sees the enclosing graph's values by name. Its nodes are
 * converted into the same value table, after its initializers and its
 * inputs (copies of the values passed in); when it is done its values are
 * made nameless, so a later node of the enclosing graph cannot see them.
 * The table may move while a body is converted, so the node's inputs and
 * outputs are remembered by slot and pointed at again afterwards.
 * Unrolling is bounded: iterations times body nodes at most
 * CONTROL_MAX_UNROLLED per Loop or Scan, and over the whole model (nested
 * bodies multiply) at most CONTROL_MAX_SUB_NODES subgraph nodes plus bound
 * body inputs (and no more than opts->max_nodes leaves after the main
 * graph: onnx_charge_unrolled) and ONNX_MAX_SUB_BYTES of import-time
 * constants made inside subgraphs (each unrolled iteration decodes its own
 * initializers and copies the constant values passed in);
 * TVM_ERR_UNSUPPORTED or TVM_ERR_LIMIT beyond. */
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "onnx_internal.h"

/* body nodes one unrolled Loop or Scan may convert in all */
#define CONTROL_MAX_UNROLLED 65536
/* subgraph nodes plus bound inputs one model may convert in all */
#define CONTROL_MAX_SUB_NODES 65536u

typedef struct node_slots {
    uint32_t in[ONNX_MAX_NODE_IO], out[ONNX_MAX_NODE_IO];
} node_slots;

static void save_slots(const onnx_ctx *c, const onnx_node *n, node_slots *s) {
    for (int k = 0; k < n->nin; k++) s->in[k] = n->in[k] ? (uint32_t)(n->in[k] - c->vals) : 0;
    for (int k = 0; k < n->nout; k++) s->out[k] = (uint32_t)(n->out[k] - c->vals);
}

static void restore_slots(const onnx_ctx *c, onnx_node *n, const node_slots *s) {
    for (int k = 0; k < n->nin; k++)
        if (n->in[k]) n->in[k] = &c->vals[s->in[k]];
    for (int k = 0; k < n->nout; k++) n->out[k] = &c->vals[s->out[k]];
}

static const Onnx__GraphProto *graph_attr(const onnx_node *n, const char *name) {
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    return a && a->g ? a->g : NULL;
}

/* A nameless value holding a copy of host data; its slot in *slot. */
static tvm_status new_const(onnx_ctx *c, onnx_node *n, tvm_dtype dt, int ndim,
                            const int64_t *shape, const void *data, size_t bytes,
                            uint32_t *slot) {
    onnx_value *v = onnx_new_value(c, NULL);
    if (!v) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for the value table");
    v->data = malloc(bytes ? bytes : 1);
    if (!v->data) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for a constant");
    if (bytes) memcpy(v->data, data, bytes);
    v->dtype = dt;
    v->ndim = ndim;
    for (int d = 0; d < ndim; d++) v->shape[d] = shape[d];
    v->is_leaf = true;
    *slot = (uint32_t)(v - c->vals);
    return TVM_OK;
}

/* A nameless value for tensor t. */
static tvm_status new_tensor(onnx_ctx *c, onnx_node *n, tvm_tensor t, uint32_t *slot) {
    if (!t.id) return onnx_graph_status(c, n);
    onnx_value *v = onnx_new_value(c, NULL);
    if (!v) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for the value table");
    v->t = t;
    tvm_status s = tvm_tensor_info(c->g, t, &v->ndim, &v->dtype);
    if (s != TVM_OK) return onnx_fail(n, s, "%s", tvm_last_error());
    *slot = (uint32_t)(v - c->vals);
    return TVM_OK;
}

static int64_t value_numel(const onnx_value *v) {
    int64_t e = 1;
    for (int d = 0; d < v->ndim; d++) e *= v->shape[d];
    return e;
}

/* The value at slot src under a new name (data copied). */
static tvm_status bind_copy(onnx_ctx *c, onnx_node *n, const char *name, uint32_t src) {
    onnx_value from = c->vals[src]; /* the table may move below */
    onnx_value *v = onnx_new_value(c, name);
    if (!v) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for the value table");
    *v = from;
    v->name = name;
    if (from.data) {
        size_t bytes = (size_t)value_numel(&from) * (size_t)dtype_bytes(from.dtype);
        v->data = NULL; /* not from's: the table frees what v holds */
        c->sub_bytes += bytes;
        if (c->sub_bytes > ONNX_MAX_SUB_BYTES)
            return onnx_fail(n, TVM_ERR_LIMIT, "the model's subgraphs, unrolled, make more "
                             "than %llu MiB of import-time constants",
                             (unsigned long long)(ONNX_MAX_SUB_BYTES >> 20));
        v->data = malloc(bytes ? bytes : 1);
        if (!v->data) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for a constant");
        if (bytes) memcpy(v->data, from.data, bytes);
    }
    return TVM_OK;
}

/* Converts subgraph gp (what: how messages call it) with its inputs bound
 * to the values at slots args; the slots of its outputs go to outs. */
static tvm_status run_body(onnx_ctx *c, onnx_node *n, const Onnx__GraphProto *gp,
                           const char *what, int nargs, const uint32_t *args, uint32_t *outs) {
    if ((int)gp->n_input != nargs)
        return onnx_fail(n, TVM_ERR_PARSE, "%s has %zu inputs; %d expected", what, gp->n_input,
                         nargs);
    if (gp->n_sparse_initializer)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "%s has sparse initializers", what);
    c->sub_nodes += gp->n_node + (size_t)nargs;
    if (c->sub_nodes > CONTROL_MAX_SUB_NODES)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "the model's subgraphs, unrolled, convert more "
                         "than %u nodes and bound inputs", CONTROL_MAX_SUB_NODES);
    TRY(onnx_charge_unrolled(c, n, gp->n_node + (size_t)nargs, what));
    uint32_t mark = c->nvals;
    tvm_status s = TVM_OK;
    for (size_t k = 0; k < gp->n_initializer && s == TVM_OK; k++) {
        Onnx__TensorProto *t = gp->initializer[k];
        if (!t->name || !t->name[0])
            return onnx_fail(n, TVM_ERR_PARSE, "initializer %zu of %s has no name", k, what);
        tvm_dtype dt;
        int nd;
        int64_t shape[TVM_MAX_NDIM], count;
        TRY(onnx_tensor_check(t, t->name, &dt, &nd, shape, &count));
        c->sub_bytes += (uint64_t)count * (uint64_t)dtype_bytes(dt);
        if (c->sub_bytes > ONNX_MAX_SUB_BYTES)
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "the model's subgraphs, unrolled, decode "
                             "more than %llu MiB of initializers",
                             (unsigned long long)(ONNX_MAX_SUB_BYTES >> 20));
        onnx_value *v = onnx_new_value(c, t->name);
        if (!v) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory for the value table");
        v->is_leaf = true;
        s = onnx_tensor_data(t, t->name, &v->dtype, &v->ndim, v->shape, &v->data);
    }
    for (int k = 0; k < nargs && s == TVM_OK; k++) {
        const char *name = gp->input[k]->name;
        if (!name || !name[0])
            return onnx_fail(n, TVM_ERR_PARSE, "input %d of %s has no name", k, what);
        s = bind_copy(c, n, name, args[k]);
    }
    c->body_depth++;
    for (size_t k = 0; k < gp->n_node && s == TVM_OK; k++) {
        const Onnx__NodeProto *p = gp->node[k];
        const onnx_op *op = p->op_type ? onnx_find_op(p->domain, p->op_type, c->opset) : NULL;
        if (!p->op_type)
            s = onnx_fail(n, TVM_ERR_PARSE, "node %zu of %s has no op_type", k, what);
        else if (!op)
            s = onnx_fail(n, TVM_ERR_UNSUPPORTED, "%s uses operator %s (%s, opset %lld), "
                          "which is not supported", what, p->op_type,
                          p->domain && p->domain[0] ? p->domain : "ai.onnx",
                          (long long)c->opset);
        else
            s = onnx_convert_node(c, p, op);
    }
    c->body_depth--;
    if (s != TVM_OK) return s;
    for (size_t k = 0; k < gp->n_output; k++) {
        const char *name = gp->output[k]->name;
        onnx_value *v = name ? onnx_lookup(c, name) : NULL;
        if (!v)
            return onnx_fail(n, TVM_ERR_PARSE, "output '%s' of %s is not produced in it",
                             name ? name : "", what);
        outs[k] = (uint32_t)(v - c->vals);
    }
    for (uint32_t k = mark; k < c->nvals; k++) c->vals[k].name = NULL;
    return TVM_OK;
}

/* Node output k is the value at slot src. */
static tvm_status set_from(onnx_ctx *c, onnx_node *n, int k, uint32_t src) {
    onnx_value v = c->vals[src];
    if (v.data) return onnx_set_const(c, n, k, v.dtype, v.ndim, v.shape, v.data);
    return onnx_set_output(c, n, k, v.t);
}

/* The first element of a value known at import time, as a truth value. */
static bool truth(const onnx_value *v) {
    size_t b = (size_t)dtype_bytes(v->dtype);
    for (size_t k = 0; k < b; k++)
        if (((const uint8_t *)v->data)[k]) return true;
    return false;
}

static tvm_status need_scalar_cond(onnx_node *n, const onnx_value *v, const char *what) {
    if (v->dtype != TVM_BOOL)
        return onnx_fail(n, TVM_ERR_DTYPE, "%s is %s; it must be bool", what,
                         dtype_name(v->dtype));
    if (v->data && value_numel(v) != 1)
        return onnx_fail(n, TVM_ERR_SHAPE, "%s has %lld elements; it must have one", what,
                         (long long)value_numel(v));
    return TVM_OK;
}

/* ---- If -------------------------------------------------------------------- */

/* then / else outputs of one If output selected by the run-time cond. */
static tvm_status select_output(onnx_ctx *c, onnx_node *n, int k, tvm_tensor cond, uint32_t ts,
                                uint32_t es) {
    tvm_graph *g = c->g;
    tvm_tensor t = onnx_tensor(c, &c->vals[ts]), e = onnx_tensor(c, &c->vals[es]);
    op_arg a, b;
    if (!op_tensor(g, "onnx", "then", t, &a) || !op_tensor(g, "onnx", "else", e, &b))
        return onnx_graph_status(c, n);
    bool same = a.dtype == b.dtype && a.shape.ndim == b.shape.ndim;
    for (int d = 0; same && d < a.shape.ndim; d++)
        same = op_dim_equal(a.shape.dims[d], b.shape.dims[d]);
    if (!same)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "output %d: the branches give %s of rank %d "
                         "and %s of rank %d, or dims that differ; with a condition known only "
                         "at run time both branches must give the same dtypes and shapes", k,
                         dtype_name(a.dtype), a.shape.ndim, dtype_name(b.dtype), b.shape.ndim);
    return onnx_set_output(c, n, k, tvm_op_where(g, cond, t, e));
}

static tvm_status op_if(onnx_ctx *c, onnx_node *n) {
    const Onnx__GraphProto *br[2] = {graph_attr(n, "then_branch"), graph_attr(n, "else_branch")};
    if (!br[0] || !br[1])
        return onnx_fail(n, TVM_ERR_PARSE, "the graph attributes then_branch and else_branch "
                         "are required");
    for (int b = 0; b < 2; b++)
        if ((int)br[b]->n_output != n->nout)
            return onnx_fail(n, TVM_ERR_PARSE, "%s has %zu outputs; the node %d",
                             b ? "else_branch" : "then_branch", br[b]->n_output, n->nout);
    if (n->nin < 1 || !n->in[0])
        return onnx_fail(n, TVM_ERR_PARSE, "input 0 (cond) is required but missing");
    TRY(need_scalar_cond(n, n->in[0], "cond"));
    node_slots ns;
    save_slots(c, n, &ns);
    uint32_t outs[2][ONNX_MAX_NODE_IO];
    if (n->in[0]->data) { /* import only the branch taken */
        int b = truth(n->in[0]) ? 0 : 1;
        tvm_status s = run_body(c, n, br[b], b ? "else_branch" : "then_branch", 0, NULL, outs[0]);
        restore_slots(c, n, &ns);
        if (s != TVM_OK) return s;
        for (int k = 0; k < n->nout; k++) TRY(set_from(c, n, k, outs[0][k]));
        return TVM_OK;
    }
    for (int b = 0; b < 2; b++) {
        tvm_status s = run_body(c, n, br[b], b ? "else_branch" : "then_branch", 0, NULL, outs[b]);
        restore_slots(c, n, &ns);
        if (s != TVM_OK) return s;
    }
    tvm_tensor cond;
    TRY(onnx_input(c, n, 0, &cond));
    op_arg ca;
    if (!op_tensor(c->g, "onnx", "cond", cond, &ca)) return onnx_graph_status(c, n);
    for (int d = 0; d < ca.shape.ndim; d++) {
        int64_t v;
        if (!op_const_value(c->g, ca.shape.dims[d], &v) || v != 1)
            return onnx_fail(n, TVM_ERR_SHAPE, "cond must hold one element (dim %d is not 1)",
                             d);
    }
    cond = tvm_op_reshape(c->g, cond, 0, NULL); /* rank 0: broadcasts to any output */
    for (int k = 0; k < n->nout; k++) {
        TRY(select_output(c, n, k, cond, outs[0][k], outs[1][k]));
        restore_slots(c, n, &ns);
    }
    return TVM_OK;
}

/* ---- Loop and Scan: stacking per-iteration outputs ------------------------- */

/* The steps (one tensor per iteration, in order; reversed when reverse)
 * stacked along a new axis into *out; k names the node output in messages. */
static tvm_status stack(onnx_ctx *c, onnx_node *n, int k, tvm_tensor *steps, int64_t cnt,
                        int64_t axis, bool reverse, tvm_tensor *out) {
    tvm_graph *g = c->g;
    if (cnt == 0)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "output %d: no iterations, so the scan output "
                         "has no shape to give it", k);
    if (cnt > INT_MAX) return onnx_fail(n, TVM_ERR_LIMIT, "too many iterations");
    int rank;
    if (tvm_tensor_info(g, steps[0], &rank, NULL) != TVM_OK) return onnx_graph_status(c, n);
    if (axis < -(rank + 1) || axis > rank)
        return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "scan output axis %lld for a rank-%d "
                         "result", (long long)axis, rank + 1);
    int ax = (int)(axis < 0 ? axis + rank + 1 : axis);
    if (reverse)
        for (int64_t i = 0; i < cnt / 2; i++) {
            tvm_tensor t = steps[i];
            steps[i] = steps[cnt - 1 - i];
            steps[cnt - 1 - i] = t;
        }
    for (int64_t i = 0; i < cnt; i++) steps[i] = tvm_op_unsqueeze(g, steps[i], 1, &ax);
    *out = cnt == 1 ? steps[0] : tvm_op_concat(g, (int)cnt, steps, ax);
    return out->id ? TVM_OK : onnx_graph_status(c, n);
}

static tvm_status stack_output(onnx_ctx *c, onnx_node *n, int k, tvm_tensor *steps, int64_t cnt,
                               int64_t axis, bool reverse) {
    tvm_tensor out;
    TRY(stack(c, n, k, steps, cnt, axis, reverse, &out));
    return onnx_set_output(c, n, k, out);
}

/* The import-time value of optional input k, in the message format the
 * other handlers use for a value that must be known at import time. */
static tvm_status const_input(onnx_node *n, int k, const char *what, const onnx_value **v) {
    *v = n->in[k];
    if (!(*v)->data)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input '%s' (%s) must be known at import time "
                         "(a Loop is unrolled; one that stops on run-time data is not "
                         "supported)", (*v)->name, what);
    return TVM_OK;
}

/* ---- Loop ------------------------------------------------------------------ */

static tvm_status op_loop(onnx_ctx *c, onnx_node *n) {
    const Onnx__GraphProto *body = graph_attr(n, "body");
    if (!body) return onnx_fail(n, TVM_ERR_PARSE, "the graph attribute body is required");
    if (n->nin < 2)
        return onnx_fail(n, TVM_ERR_PARSE, "Loop has %d inputs; M and cond (either may be an "
                         "empty name) come first", n->nin);
    int ncar = n->nin - 2;
    int nscan = (int)body->n_output - 1 - ncar;
    if (nscan < 0 || n->nout > ncar + nscan)
        return onnx_fail(n, TVM_ERR_PARSE, "the body has %zu outputs for %d loop-carried "
                         "values and the node %d outputs", body->n_output, ncar, n->nout);
    if (!n->in[0])
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "no trip count M: the loop stops on its "
                         "condition alone, which only run-time data decides");
    int64_t trip;
    int cnt;
    TRY(onnx_const_ints(c, n, 0, "M", &trip, 1, &cnt));
    if (cnt != 1) return onnx_fail(n, TVM_ERR_SHAPE, "M has %d elements; it must have one", cnt);
    bool keep = true;
    if (n->in[1]) {
        const onnx_value *cv;
        TRY(need_scalar_cond(n, n->in[1], "cond"));
        TRY(const_input(n, 1, "cond", &cv));
        keep = truth(cv);
    }
    if (trip < 0 || !keep) trip = 0;
    int64_t nodes = body->n_node ? (int64_t)body->n_node : 1;
    if (trip > CONTROL_MAX_UNROLLED / nodes)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "M is %lld with %lld body nodes; at most %d "
                         "body nodes are unrolled", (long long)trip, (long long)nodes,
                         CONTROL_MAX_UNROLLED);
    for (int j = 0; j < ncar; j++)
        if (!n->in[2 + j])
            return onnx_fail(n, TVM_ERR_PARSE, "loop-carried input %d is missing", 2 + j);
    node_slots ns;
    save_slots(c, n, &ns);
    uint32_t cur[ONNX_MAX_NODE_IO], args[ONNX_MAX_NODE_IO + 2], outs[ONNX_MAX_NODE_IO];
    if (body->n_output > ONNX_MAX_NODE_IO)
        return onnx_fail(n, TVM_ERR_LIMIT, "the body has more than %d outputs", ONNX_MAX_NODE_IO);
    for (int j = 0; j < ncar; j++) cur[j] = ns.in[2 + j];
    tvm_tensor *steps = nscan ? calloc((size_t)(trip ? trip : 1) * (size_t)nscan, sizeof *steps)
                              : NULL;
    if (nscan && !steps) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    tvm_status s = TVM_OK;
    int64_t done = 0;
    for (int64_t i = 0; i < trip && s == TVM_OK; i++) {
        bool yes = true;
        s = new_const(c, n, TVM_INT64, 0, NULL, &i, sizeof i, &args[0]);
        if (s == TVM_OK) s = new_const(c, n, TVM_BOOL, 0, NULL, &yes, 1, &args[1]);
        for (int j = 0; j < ncar; j++) args[2 + j] = cur[j];
        if (s == TVM_OK) s = run_body(c, n, body, "the Loop body", ncar + 2, args, outs);
        if (s != TVM_OK) break;
        for (int j = 0; j < ncar; j++) cur[j] = outs[1 + j];
        for (int k = 0; k < nscan && s == TVM_OK; k++) {
            steps[i * nscan + k] = onnx_tensor(c, &c->vals[outs[1 + ncar + k]]);
            if (!steps[i * nscan + k].id) s = onnx_graph_status(c, n);
        }
        done++;
        const onnx_value *co = &c->vals[outs[0]];
        if (s == TVM_OK && !co->data)
            s = onnx_fail(n, TVM_ERR_UNSUPPORTED, "the body's condition output is not known at "
                          "import time: the loop stops on run-time data");
        if (s == TVM_OK) s = need_scalar_cond(n, co, "the body's condition output");
        if (s == TVM_OK && !truth(co)) break;
    }
    restore_slots(c, n, &ns);
    for (int j = 0; j < ncar && s == TVM_OK; j++) s = set_from(c, n, j, cur[j]);
    tvm_tensor *col = nscan ? calloc((size_t)(done ? done : 1), sizeof *col) : NULL;
    if (nscan && !col && s == TVM_OK) s = onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    for (int k = 0; k < nscan && s == TVM_OK; k++) {
        if (ncar + k >= n->nout || !n->out[ncar + k]->name) continue;
        for (int64_t i = 0; i < done; i++) col[i] = steps[i * nscan + k];
        s = stack_output(c, n, ncar + k, col, done, 0, false);
    }
    free(col);
    free(steps);
    return s;
}

/* ---- Scan (opset 9+) ------------------------------------------------------- */

/* An ints attribute of `want` values (absent: all def) into vals. */
static tvm_status scan_ints(onnx_node *n, const char *name, int want, int64_t def,
                            int64_t *vals) {
    int cnt;
    TRY(onnx_attr_ints(n, name, vals, ONNX_MAX_NODE_IO, &cnt));
    if (cnt < 0) {
        for (int k = 0; k < want; k++) vals[k] = def;
        return TVM_OK;
    }
    if (cnt != want)
        return onnx_fail(n, TVM_ERR_PARSE, "%s has %d values; %d expected", name, cnt, want);
    return TVM_OK;
}

/* What one unrolled scan needs. */
typedef struct scan_spec {
    const Onnx__GraphProto *body;
    int nst, m, nscan;
    int64_t len;
    const int *axis;        /* of each scan input */
    const int64_t *in_dir;  /* 1: scanned from the end */
} scan_spec;

/* The states start as the values at slots st, the scan inputs are the
 * tensors xs: the final states' slots go to fin, scan output k of step t to
 * steps[k * len + t]. */
static tvm_status scan_run(onnx_ctx *c, onnx_node *n, const scan_spec *sp, const uint32_t *st,
                           const tvm_tensor *xs, uint32_t *fin, tvm_tensor *steps) {
    tvm_graph *g = c->g;
    uint32_t args[ONNX_MAX_NODE_IO], outs[ONNX_MAX_NODE_IO];
    int nst = sp->nst;
    for (int j = 0; j < nst; j++) fin[j] = st[j];
    for (int64_t t = 0; t < sp->len; t++) {
        for (int j = 0; j < nst; j++) args[j] = fin[j];
        for (int j = 0; j < sp->m; j++) {
            int64_t at = sp->in_dir[j] ? sp->len - 1 - t : t, end = at + 1;
            tvm_tensor sl = tvm_op_slice(g, xs[j], 1, &sp->axis[j], &at, &end, NULL);
            TRY(new_tensor(c, n, tvm_op_squeeze(g, sl, 1, &sp->axis[j]), &args[nst + j]));
        }
        TRY(run_body(c, n, sp->body, "the Scan body", nst + sp->m, args, outs));
        for (int j = 0; j < nst; j++) fin[j] = outs[j];
        for (int k = 0; k < sp->nscan; k++) {
            steps[k * sp->len + t] = onnx_tensor(c, &c->vals[outs[nst + k]]);
            if (!steps[k * sp->len + t].id) return onnx_graph_status(c, n);
        }
    }
    return TVM_OK;
}

/* Scan-8: states [batch, ...], scan inputs [batch, seq, ...], each batch
 * entry scanned on its own (unrolled over batch and sequence); the final
 * states, then the scan outputs, stacked over the batch go to res. */
static tvm_status scan8(onnx_ctx *c, onnx_node *n, scan_spec *sp, int64_t batch,
                        const tvm_tensor *st, const tvm_tensor *xs, tvm_tensor *steps,
                        tvm_tensor *res) {
    tvm_graph *g = c->g;
    int nst = sp->nst, zero = 0;
    tvm_tensor *fin_b = calloc((size_t)batch * (size_t)(nst + sp->nscan) + 1, sizeof *fin_b);
    if (!fin_b) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    tvm_status s = TVM_OK;
    for (int64_t b = 0; b < batch && s == TVM_OK; b++) {
        uint32_t st_b[ONNX_MAX_NODE_IO], fin[ONNX_MAX_NODE_IO];
        tvm_tensor xs_b[ONNX_MAX_NODE_IO];
        int64_t end = b + 1;
        for (int j = 0; j < nst && s == TVM_OK; j++)
            s = new_tensor(c, n, tvm_op_squeeze(g, tvm_op_slice(g, st[j], 1, &zero, &b, &end,
                                                                 NULL), 1, &zero), &st_b[j]);
        for (int j = 0; j < sp->m; j++)
            xs_b[j] = tvm_op_squeeze(g, tvm_op_slice(g, xs[j], 1, &zero, &b, &end, NULL), 1,
                                     &zero);
        if (s == TVM_OK) s = scan_run(c, n, sp, st_b, xs_b, fin, steps);
        for (int j = 0; j < nst && s == TVM_OK; j++) {
            fin_b[j * batch + b] = onnx_tensor(c, &c->vals[fin[j]]);
            if (!fin_b[j * batch + b].id) s = onnx_graph_status(c, n);
        }
        /* this entry's scan outputs, [seq, ...] each */
        for (int k = 0; k < sp->nscan && s == TVM_OK; k++)
            s = stack(c, n, nst + k, steps + k * sp->len, sp->len, 0, false,
                      &fin_b[(nst + k) * batch + b]);
    }
    /* stacked over the batch; the node's outputs are set by the caller,
     * once its slots are pointed at again */
    for (int j = 0; j < nst + sp->nscan && s == TVM_OK; j++)
        s = stack(c, n, j, fin_b + j * batch, batch, 0, false, &res[j]);
    free(fin_b);
    return s;
}

static tvm_status op_scan(onnx_ctx *c, onnx_node *n) {
    bool v8 = c->opset < 9;
    int first = v8 ? 1 : 0; /* Scan-8's sequence_lens comes first */
    const Onnx__GraphProto *body = graph_attr(n, "body");
    if (!body) return onnx_fail(n, TVM_ERR_PARSE, "the graph attribute body is required");
    int64_t m64 = onnx_attr_i(n, "num_scan_inputs", -1);
    if (m64 < 1 || m64 > n->nin - first)
        return onnx_fail(n, TVM_ERR_PARSE, "num_scan_inputs is %lld for %d inputs",
                         (long long)m64, n->nin - first);
    int m = (int)m64, nst = n->nin - first - m;
    int nscan = (int)body->n_output - nst;
    if (nscan < 0 || n->nout > nst + nscan || body->n_output > ONNX_MAX_NODE_IO)
        return onnx_fail(n, TVM_ERR_PARSE, "the body has %zu outputs for %d states and the "
                         "node %d outputs", body->n_output, nst, n->nout);
    int64_t in_dir[ONNX_MAX_NODE_IO], out_dir[ONNX_MAX_NODE_IO], in_ax[ONNX_MAX_NODE_IO],
        out_ax[ONNX_MAX_NODE_IO];
    /* Scan-8 scans axis 1 and has only `directions`: Scan-9's axes and
     * directions on it would be read as if they were Scan-9's (an axis 0
     * sliced the batch: a wrong answer) */
    static const char *const scan9_only[] = {"scan_input_axes", "scan_output_axes",
                                             "scan_input_directions", "scan_output_directions"};
    for (int k = 0; v8 && k < 4; k++) {
        int cnt;
        TRY(onnx_attr_ints(n, scan9_only[k], in_ax, ONNX_MAX_NODE_IO, &cnt));
        if (cnt >= 0)
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "%s is not an attribute of Scan-8 "
                             "(opset %lld); Scan-9 added it", scan9_only[k], (long long)c->opset);
    }
    TRY(scan_ints(n, v8 ? "directions" : "scan_input_directions", m, 0, in_dir));
    TRY(scan_ints(n, "scan_output_directions", nscan, 0, out_dir));
    /* Scan-8 scans axis 1 of [batch, seq, ...] */
    TRY(scan_ints(n, "scan_input_axes", m, v8 ? 1 : 0, in_ax));
    TRY(scan_ints(n, "scan_output_axes", nscan, 0, out_ax));
    int64_t len = -1, batch = -1;
    int axis[ONNX_MAX_NODE_IO];
    for (int j = first; j < n->nin; j++)
        if (!n->in[j]) return onnx_fail(n, TVM_ERR_PARSE, "input %d is missing", j);
    for (int j = 0; j < m; j++) {
        int nd;
        int64_t d[TVM_MAX_NDIM];
        TRY(onnx_input_shape(c, n, first + nst + j, &nd, NULL, d));
        if (in_ax[j] < -nd || in_ax[j] >= nd || nd == 0 || (v8 && nd < 2))
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "scan_input_axes[%d] is %lld for "
                             "rank %d", j, (long long)in_ax[j], nd);
        if (in_dir[j] != 0 && in_dir[j] != 1)
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "scan_input_directions[%d] is %lld",
                             j, (long long)in_dir[j]);
        axis[j] = (int)(in_ax[j] < 0 ? in_ax[j] + nd : in_ax[j]);
        int64_t l = d[axis[j]];
        if (l < 0 || (v8 && d[0] < 0))
            return onnx_fail(n, TVM_ERR_UNSUPPORTED, "scan input %d has a symbolic length or "
                             "batch; Scan is unrolled over constant ones", j);
        if ((len >= 0 && l != len) || (v8 && batch >= 0 && d[0] != batch))
            return onnx_fail(n, TVM_ERR_SHAPE, "scan inputs have different lengths or batches");
        len = l;
        if (v8) batch = d[0];
    }
    for (int k = 0; k < nscan; k++)
        if (out_dir[k] != 0 && (v8 || out_dir[k] != 1))
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "scan_output_directions[%d] is %lld",
                             k, (long long)out_dir[k]);
    if (v8 && n->in[0]) { /* sequence_lens: only all full */
        int64_t lens[1024];
        int cnt;
        TRY(onnx_const_ints(c, n, 0, "sequence_lens", lens, 1024, &cnt));
        for (int k = 0; k < cnt; k++)
            if (lens[k] != len)
                return onnx_fail(n, TVM_ERR_UNSUPPORTED, "sequence_lens[%d] is %lld, not the "
                                 "full length %lld", k, (long long)lens[k], (long long)len);
    }
    int64_t nodes = body->n_node ? (int64_t)body->n_node : 1, reps = v8 ? batch : 1;
    int64_t cap = CONTROL_MAX_UNROLLED / nodes;
    /* each factor first: dims up to 2^62 would overflow the product */
    if (len > cap || reps > cap || len * reps > cap)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "%lld steps times %lld batch entries with "
                         "%lld body nodes; at most %d body nodes are unrolled", (long long)len,
                         (long long)reps, (long long)nodes, CONTROL_MAX_UNROLLED);
    node_slots ns;
    save_slots(c, n, &ns);
    tvm_tensor xs[ONNX_MAX_NODE_IO], st[ONNX_MAX_NODE_IO];
    for (int j = 0; j < m; j++) TRY(onnx_input(c, n, first + nst + j, &xs[j]));
    if (v8)
        for (int j = 0; j < nst; j++) TRY(onnx_input(c, n, first + j, &st[j]));
    tvm_tensor *steps = calloc((size_t)(len ? len : 1) * (size_t)(nscan ? nscan : 1),
                               sizeof *steps);
    if (!steps) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    scan_spec sp = {.body = body, .nst = nst, .m = m, .nscan = nscan, .len = len, .axis = axis,
                    .in_dir = in_dir};
    tvm_status s;
    if (v8) {
        for (int j = 0; j < m; j++) axis[j]--; /* the batch dim is sliced off first */
        tvm_tensor res[ONNX_MAX_NODE_IO];
        s = scan8(c, n, &sp, batch, st, xs, steps, res);
        restore_slots(c, n, &ns);
        for (int j = 0; j < nst + nscan && s == TVM_OK; j++)
            if (j < n->nout) s = onnx_set_output(c, n, j, res[j]);
        free(steps);
        return s;
    }
    uint32_t fin[ONNX_MAX_NODE_IO];
    s = scan_run(c, n, &sp, ns.in, xs, fin, steps);
    restore_slots(c, n, &ns);
    for (int j = 0; j < nst && s == TVM_OK; j++) s = set_from(c, n, j, fin[j]);
    for (int k = 0; k < nscan && s == TVM_OK; k++) {
        if (nst + k >= n->nout || !n->out[nst + k]->name) continue;
        s = stack_output(c, n, nst + k, steps + k * len, len, out_ax[k], out_dir[k] == 1);
    }
    free(steps);
    return s;
}

const onnx_op onnx_ops_control[] = {
    {"If", 1, op_if},
    {"Loop", 1, op_loop},
    {"Scan", 8, op_scan},
    {NULL, 0, NULL},
};
