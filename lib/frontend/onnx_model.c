/* onnx_model.c — the public ONNX import API: options and limits, the
 * whole-model checks (opset, unsupported operators listed at once), graph
 * inputs and initializers, the node loop, outputs, and the model
 * description handed to the caller. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../big_alloc.h"
#include "../common.h"
#include "onnx_internal.h"


struct tvm_onnx_model {
    int nin, nout;
    tvm_onnx_value *vals; /* inputs, then outputs */
};

/* Opsets 1-6 import too: their operators are the later ones minus features
 * that are refused node by node (the legacy `broadcast` attribute). */
#define ONNX_MIN_OPSET 1
#define ONNX_MAX_OPSET 17

/* Initializer messages from this size on are parsed one at a time, each
 * just before its graph constant is made, instead of all at once with the
 * model (see onnx_parse_model_lazy): the weights then never exist twice. */
#define ONNX_LAZY_MIN_BYTES 65536

/* The initializers left out of the parse, and what became of them. */
typedef struct lazy_inits {
    onnx_lazy *at;
    size_t n;
    void *discard;              /* the model's bytes when the importer owns them
                                   (rt_big_alloc): a consumed initializer's pages
                                   are handed back at once */
    Onnx__TensorProto **parsed; /* n; freed after the import: the value table
                                   borrows their names */
} lazy_inits;

static void model_free(tvm_onnx_model *m) {
    if (!m) return;
    for (int k = 0; k < m->nin + m->nout; k++) free((char *)m->vals[k].name);
    free(m->vals);
    free(m);
}

TVMC_API void tvm_onnx_model_free(tvm_onnx_model *m) { model_free(m); }

/* Lists every operator no handler covers, in one message. */
static tvm_status check_ops(const Onnx__GraphProto *gp, int64_t opset) {
    strbuf sb = {0};
    int missing = 0;
    for (size_t k = 0; k < gp->n_node; k++) {
        const Onnx__NodeProto *p = gp->node[k];
        const char *dom = p->domain && p->domain[0] ? p->domain : "ai.onnx";
        if (!p->op_type) {
            sb_free(&sb);
            return err_set(TVM_ERR_PARSE, "onnx: node %zu has no op_type", k);
        }
        if (onnx_find_op(p->domain, p->op_type, opset)) continue;
        bool seen = false; /* report each operator once */
        for (size_t j = 0; j < k && !seen; j++) {
            const Onnx__NodeProto *q = gp->node[j];
            seen = !strcmp(q->op_type, p->op_type) &&
                   !strcmp(q->domain ? q->domain : "", p->domain ? p->domain : "");
        }
        if (seen) continue;
        sb_printf(&sb, "%s%s (%s, opset %lld)", missing ? ", " : "", p->op_type, dom,
                  (long long)opset);
        missing++;
    }
    if (!missing) return TVM_OK;
    char *list = sb_take(&sb);
    tvm_status s = err_set(TVM_ERR_UNSUPPORTED, "onnx: %d unsupported operator%s: %s", missing,
                           missing == 1 ? "" : "s", list ? list : "");
    free(list);
    return s;
}

/* Declared type of a graph input or output. */
static tvm_status value_type(const Onnx__ValueInfoProto *vi, const Onnx__TypeProto__Tensor **tt) {
    if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
        !vi->type->tensor_type)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: graph value '%s' is not a tensor "
                       "(sequences, maps and optionals are not supported)", vi->name);
    *tt = vi->type->tensor_type;
    return TVM_OK;
}

typedef struct dim_var { const char *name; tvm_expr e; } dim_var;

static tvm_status add_input(onnx_ctx *c, const Onnx__ValueInfoProto *vi, dim_var *vars,
                            int *nvars) {
    const Onnx__TypeProto__Tensor *tt = NULL;
    tvm_status s = value_type(vi, &tt);
    if (s != TVM_OK) return s;
    tvm_dtype dt = onnx_dtype(tt->elem_type);
    if (!dt)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: input '%s' has element type %s, which tvmc "
                       "has no dtype for", vi->name, onnx_dtype_name(tt->elem_type));
    if (!tt->shape)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: input '%s' has no shape (its rank must be "
                       "known)", vi->name);
    if (tt->shape->n_dim > TVM_MAX_NDIM)
        return err_set(TVM_ERR_LIMIT, "onnx: input '%s' has %zu dims (at most %d)", vi->name,
                       tt->shape->n_dim, TVM_MAX_NDIM);
    tvm_expr dims[TVM_MAX_NDIM];
    for (size_t d = 0; d < tt->shape->n_dim; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (dim->dim_value < 0)
                return err_set(TVM_ERR_PARSE, "onnx: input '%s' dim %zu is %lld", vi->name, d,
                               (long long)dim->dim_value);
            dims[d] = op_i64(c->g, dim->dim_value);
            continue;
        }
        const char *pname =
            dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                    dim->dim_param[0] ? dim->dim_param : NULL;
        int k = 0;
        while (pname && k < *nvars && strcmp(vars[k].name, pname)) k++;
        if (pname && k < *nvars) {
            dims[d] = vars[k].e; /* same dim_param, same size variable */
            continue;
        }
        char anon[128];
        snprintf(anon, sizeof anon, "%.80s_d%zu", vi->name, d);
        dims[d] = tvm_size_var(c->g, pname ? pname : anon);
        if (pname && *nvars < 256) vars[(*nvars)++] = (dim_var){pname, dims[d]};
    }
    onnx_value *v = onnx_new_value(c, vi->name);
    if (!v) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for the value table");
    v->t = tvm_placeholder(c->g, vi->name, dt, (int)tt->shape->n_dim, dims);
    v->dtype = dt;
    v->ndim = (int)tt->shape->n_dim;
    v->is_leaf = true;
    if (!v->t.id) return tvm_graph_status(c->g);
    return TVM_OK;
}

/* Fills a public description of value v (an input or an output). */
static tvm_status describe(onnx_ctx *c, onnx_value *v, tvm_onnx_value *d) {
    op_arg a;
    if (!op_tensor(c->g, "onnx", v->name, v->t, &a)) return tvm_graph_status(c->g);
    memset(d, 0, sizeof *d);
    d->struct_size = sizeof *d;
    d->name = strdup(v->name);
    if (!d->name) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory");
    d->tensor = v->t;
    d->dtype = a.dtype;
    d->ndim = a.shape.ndim;
    for (int k = 0; k < a.shape.ndim; k++) {
        d->dims[k] = a.shape.dims[k];
        if (!op_const_value(c->g, a.shape.dims[k], &d->shape[k])) d->shape[k] = -1;
    }
    return TVM_OK;
}

/* Checks an output's declared type against what the graph computes. */
static tvm_status check_output(const Onnx__ValueInfoProto *vi, const tvm_onnx_value *d) {
    if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) return TVM_OK;
    const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    if (tt->has_elem_type && tt->elem_type && onnx_dtype(tt->elem_type) != d->dtype)
        return err_set(TVM_ERR_DTYPE, "onnx: output '%s' is declared %s but computes %s",
                       vi->name, onnx_dtype_name(tt->elem_type), dtype_name(d->dtype));
    if (!tt->shape) return TVM_OK;
    if ((int)tt->shape->n_dim != d->ndim)
        return err_set(TVM_ERR_SHAPE, "onnx: output '%s' is declared with %zu dims but "
                       "computes %d", vi->name, tt->shape->n_dim, d->ndim);
    for (int k = 0; k < d->ndim; k++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[k];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
            d->shape[k] >= 0 && dim->dim_value != d->shape[k])
            return err_set(TVM_ERR_SHAPE, "onnx: output '%s' dim %d is declared %lld but "
                           "computes %lld", vi->name, k, (long long)dim->dim_value,
                           (long long)d->shape[k]);
    }
    return TVM_OK;
}

/* An initializer enters the value table. Small ones are decoded to host
 * data, which nodes may read at import time (shapes, axes, folding).
 * Larger ones cannot be folded (ONNX_MAX_FOLD_ELEMS), so they become graph
 * constants at once, straight from the parsed bytes, and the parsed copy is
 * freed: a model's weights then exist once in the graph instead of three
 * times (parsed, decoded, graph) by the end of the import. */
static tvm_status add_initializer(onnx_ctx *c, Onnx__TensorProto *t, size_t k, bool borrowed) {
    if (!t->name || !t->name[0])
        return err_set(TVM_ERR_PARSE, "onnx: initializer %zu has no name", k);
    onnx_value *v = onnx_new_value(c, t->name);
    if (!v) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for the value table");
    v->is_leaf = true;
    int64_t count;
    tvm_status s = onnx_tensor_check(t, t->name, &v->dtype, &v->ndim, v->shape, &count);
    if (s != TVM_OK) return s;
    if (count <= ONNX_MAX_FOLD_ELEMS)
        return onnx_tensor_data(t, t->name, &v->dtype, &v->ndim, v->shape, &v->data);
    void *decoded = NULL;
    const void *src = t->raw_data.data; /* raw_data is little-endian, as tvmc's hosts */
    if (!t->has_raw_data || v->dtype == TVM_BOOL) { /* typed fields, or bytes to normalise */
        s = onnx_tensor_data(t, t->name, &v->dtype, &v->ndim, v->shape, &decoded);
        if (s != TVM_OK) return s;
        src = decoded;
    }
    v->t = tvm_constant(c->g, t->name, v->dtype, v->ndim, v->shape, src);
    free(decoded);
    if (!v->t.id) return tvm_graph_status(c->g);
    if (!borrowed) onnx_tensor_release(t);
    return TVM_OK;
}

/* Initializer k, left out of the parse: parsed now with its raw bytes read
 * in place, made a constant, and (when the importer owns the model's
 * bytes) their pages handed back. */
static tvm_status add_lazy_initializer(onnx_ctx *c, lazy_inits *L, size_t i, size_t k) {
    const onnx_lazy *l = &L->at[i];
    bool borrowed;
    Onnx__TensorProto *t = L->parsed[i] = onnx_parse_tensor_borrowed(l->at, l->len, &borrowed);
    if (!t) return TVM_ERR_PARSE; /* message set by the parser */
    tvm_status s = add_initializer(c, t, k, borrowed);
    if (borrowed) onnx_tensor_unborrow(t);
    onnx_tensor_release(t);
    if (L->discard) rt_big_discard(L->discard, (size_t)(l->at - (const uint8_t *)L->discard),
                                   l->len);
    return s;
}

static tvm_status build(onnx_ctx *c, Onnx__ModelProto *m, const tvm_onnx_options *o,
                        lazy_inits *L, tvm_onnx_model **out) {
    c->opset = -1;
    for (size_t k = 0; k < m->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *os = m->opset_import[k];
        if (!os->domain || !os->domain[0] || !strcmp(os->domain, "ai.onnx"))
            c->opset = os->has_version ? os->version : 1;
    }
    if (c->opset < 0 && m->n_opset_import)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: the model only imports opsets of other "
                       "domains (first: '%s')", m->opset_import[0]->domain
                           ? m->opset_import[0]->domain : "");
    if (c->opset < 0)
        return err_set(TVM_ERR_PARSE, "onnx: the model imports no opset of the default domain");
    if (c->opset < ONNX_MIN_OPSET || c->opset > ONNX_MAX_OPSET)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: opset %lld is not supported (%d-%d)",
                       (long long)c->opset, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
    const Onnx__GraphProto *gp = m->graph;
    if (!gp) return err_set(TVM_ERR_PARSE, "onnx: the model has no graph");
    size_t ninit = gp->n_initializer + L->n;
    if (gp->n_node + ninit > (size_t)o->max_nodes)
        return err_set(TVM_ERR_LIMIT, "onnx: %zu nodes and initializers; the limit is %d",
                       gp->n_node + ninit, o->max_nodes);
    c->unrolled_left = (uint64_t)o->max_nodes - (gp->n_node + ninit);
    if (gp->n_sparse_initializer)
        return err_set(TVM_ERR_UNSUPPORTED, "onnx: sparse initializers are not supported");
    tvm_status s = check_ops(gp, c->opset);
    if (s != TVM_OK) return s;

    for (size_t k = 0, parsed = 0, lazy = 0; k < ninit; k++) { /* in the file's order */
        if (lazy < L->n && L->at[lazy].index == k) s = add_lazy_initializer(c, L, lazy++, k);
        else if (parsed < gp->n_initializer)
            s = add_initializer(c, gp->initializer[parsed++], k, false);
        else s = err_set(TVM_ERR_INTERNAL, "onnx: initializer %zu is missing", k);
        if (s != TVM_OK) return s;
    }
    dim_var vars[256];
    int nvars = 0, nin = 0, bound = 0;
    /* value-table slots of the placeholders, in order (bound inputs are
     * constants in between, so the slots are not contiguous) */
    uint32_t *input_slot = c->input_slot = calloc(gp->n_input + 1, sizeof *input_slot);
    if (!input_slot) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory");
    for (size_t k = 0; k < gp->n_input; k++) {
        const Onnx__ValueInfoProto *vi = gp->input[k];
        if (!vi->name || !vi->name[0])
            return err_set(TVM_ERR_PARSE, "onnx: graph input %zu has no name", k);
        if (onnx_lookup(c, vi->name)) continue; /* IR < 4 lists initializers as inputs */
        const tvm_onnx_binding *b = NULL;
        for (int j = 0; j < o->nbindings && !b; j++)
            if (!strcmp(o->bindings[j].name, vi->name)) b = &o->bindings[j];
        if (b) {
            const Onnx__TypeProto__Tensor *tt = NULL;
            s = value_type(vi, &tt);
            if (s != TVM_OK) return s;
            tvm_dtype dt = onnx_dtype(tt->elem_type);
            if (!dt)
                return err_set(TVM_ERR_UNSUPPORTED, "onnx: input '%s' has element type %s",
                               vi->name, onnx_dtype_name(tt->elem_type));
            s = onnx_bind_input(c, vi, dt, b->value);
            if (s != TVM_OK) return s;
            bound++;
            continue;
        }
        input_slot[nin] = c->nvals;
        s = add_input(c, vi, vars, &nvars);
        if (s != TVM_OK) return s;
        nin++;
    }
    if (bound < o->nbindings) { /* some binding named no graph input */
        for (int j = 0; j < o->nbindings; j++) {
            bool found = false;
            for (size_t k = 0; k < gp->n_input && !found; k++)
                found = gp->input[k]->name && !strcmp(gp->input[k]->name, o->bindings[j].name);
            onnx_value *v = found ? onnx_lookup(c, o->bindings[j].name) : NULL;
            if (!found || (v && !v->is_leaf) || (v && v->t.id == 0 && !v->data))
                return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: bindings[%d] names "
                               "'%s', which is not a graph input of the model", j,
                               o->bindings[j].name);
        }
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: a binding names an "
                       "initializer or repeats an input");
    }
    for (size_t k = 0; k < gp->n_node; k++) {
        const Onnx__NodeProto *p = gp->node[k];
        s = onnx_convert_node(c, p, onnx_find_op(p->domain, p->op_type, c->opset));
        if (s != TVM_OK) return s;
    }

    tvm_onnx_model *model = calloc(1, sizeof *model);
    if (!model) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory");
    model->vals = calloc((size_t)nin + gp->n_output + 1, sizeof *model->vals);
    if (!model->vals) {
        free(model);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory");
    }
    for (int k = 0; k < nin && s == TVM_OK; k++) {
        s = describe(c, &c->vals[input_slot[k]], &model->vals[k]);
        if (s == TVM_OK) model->nin++;
    }
    for (size_t k = 0; k < gp->n_output && s == TVM_OK; k++) {
        const Onnx__ValueInfoProto *vi = gp->output[k];
        onnx_value *v = vi->name ? onnx_lookup(c, vi->name) : NULL;
        if (!v) {
            s = err_set(TVM_ERR_PARSE, "onnx: graph output '%s' is not produced by any node",
                        vi->name ? vi->name : "");
            break;
        }
        onnx_tensor(c, v);
        /* Outputs must be computes and distinct: copy leaves and repeats. */
        bool repeated = false;
        for (int j = 0; j < model->nout; j++)
            repeated |= model->vals[model->nin + j].tensor.id == v->t.id;
        if (v->t.id && (v->is_leaf || repeated))
            v->t = tvm_op_unary(c->g, TVM_OP_IDENTITY, v->t);
        if (!v->t.id) {
            s = tvm_graph_status(c->g);
            break;
        }
        s = describe(c, v, &model->vals[model->nin + model->nout]);
        if (s != TVM_OK) break;
        model->nout++;
        s = check_output(vi, &model->vals[model->nin + model->nout - 1]);
    }
    if (s == TVM_OK && tvm_graph_status(c->g) != TVM_OK) s = tvm_graph_status(c->g);
    if (s != TVM_OK) {
        model_free(model);
        return s;
    }
    *out = model;
    return TVM_OK;
}

static tvm_status read_options(const tvm_onnx_options *opts, tvm_onnx_options *o) {
    memset(o, 0, sizeof *o);
    if (opts) {
        if (opts->struct_size < sizeof(size_t))
            return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: opts->struct_size is "
                           "%zu; set it to sizeof(tvm_onnx_options)", opts->struct_size);
        if (opts->struct_size > sizeof *o)
            return err_set(TVM_ERR_VERSION, "tvm_onnx_import: opts->struct_size %zu is newer "
                           "than this library's %zu", opts->struct_size, sizeof *o);
        memcpy(o, opts, opts->struct_size);
    }
    if (o->max_bytes < 0 || o->max_nodes < 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: opts->max_bytes and "
                       "opts->max_nodes must not be negative");
    if (o->flags)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: opts->flags is 0x%x; no "
                       "flags are defined (must be 0)", o->flags);
    if (o->reserved_)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: opts->reserved_ must be 0");
    if (o->nbindings < 0 || o->nbindings > 4096 || (o->nbindings && !o->bindings))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: opts->nbindings is %d with "
                       "bindings %s", o->nbindings, o->bindings ? "set" : "NULL");
    for (int j = 0; j < o->nbindings; j++)
        if (!o->bindings[j].name)
            return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: bindings[%d].name is "
                           "NULL", j);
    if (!o->max_bytes) o->max_bytes = (int64_t)2 << 30;
    if (!o->max_nodes) o->max_nodes = 1000000;
    return TVM_OK;
}

/* The checks both entry points share, then the parse. *m gets the parsed
 * model (owned by the caller) or NULL with the error set; *L the large
 * initializers left in data, which must stay alive until import_parsed. */
static tvm_status parse(tvm_graph *g, const void *data, size_t size, const tvm_onnx_options *o,
                        Onnx__ModelProto **m, lazy_inits *L) {
    memset(L, 0, sizeof *L);
    *m = NULL;
    if (!graph_ok(g, "tvm_onnx_import")) return g->status;
    if (size > (uint64_t)o->max_bytes)
        return err_set(TVM_ERR_LIMIT, "tvm_onnx_import: the model has %zu bytes; the limit "
                       "(opts->max_bytes) is %lld", size, (long long)o->max_bytes);
    if (size == 0)
        return err_set(TVM_ERR_PARSE, "tvm_onnx_import: the model is empty (0 bytes)");
    *m = onnx_parse_model_lazy(data, size, ONNX_LAZY_MIN_BYTES, &L->at, &L->n);
    if (!*m) return TVM_ERR_PARSE; /* message set by the parser */
    L->parsed = calloc(L->n + 1, sizeof *L->parsed);
    if (!L->parsed) {
        onnx_model_free(*m);
        free(L->at);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_onnx_import: no memory");
    }
    return TVM_OK;
}

/* Builds the parsed model into g and frees it (the model is modified on
 * the way: add_initializer frees weights once the graph has them). */
static tvm_status import_parsed(tvm_graph *g, Onnx__ModelProto *m, const tvm_onnx_options *o,
                                lazy_inits *L, tvm_onnx_model **out) {
    onnx_ctx c = {.g = g};
    tvm_status s = build(&c, m, o, L, out);
    for (uint32_t k = 0; k < c.nvals; k++) free(c.vals[k].data);
    free(c.vals);
    free(c.input_slot);
    onnx_model_free(m);
    for (size_t i = 0; i < L->n; i++)
        onnx_tensor_free(L->parsed[i]);
    free(L->parsed);
    free(L->at);
    return s;
}

TVMC_API tvm_status tvm_onnx_import(tvm_graph *g, const void *data, size_t size,
                                    const tvm_onnx_options *opts, tvm_onnx_model **out) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: graph is NULL");
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: out is NULL");
    if (!data && size)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: data is NULL but size is "
                       "%zu", size);
    tvm_onnx_options o;
    tvm_status s = read_options(opts, &o);
    if (s != TVM_OK) return s;
    Onnx__ModelProto *m;
    lazy_inits L;
    s = parse(g, data, size, &o, &m, &L);
    return s == TVM_OK ? import_parsed(g, m, &o, &L, out) : s;
}

TVMC_API tvm_status tvm_onnx_import_file(tvm_graph *g, const char *path,
                                         const tvm_onnx_options *opts, tvm_onnx_model **out) {
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import_file: graph is NULL");
    if (!path) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import_file: path is NULL");
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import_file: out is NULL");
    tvm_onnx_options o;
    tvm_status s = read_options(opts, &o);
    if (s != TVM_OK) return s;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(TVM_ERR_IO, "tvm_onnx_import_file: cannot open '%s': %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(TVM_ERR_IO, "tvm_onnx_import_file: '%s' is not a regular file", path);
    }
    if ((int64_t)st.st_size > o.max_bytes) {
        close(fd);
        return err_set(TVM_ERR_LIMIT, "tvm_onnx_import_file: '%s' has %lld bytes; the limit "
                       "(opts->max_bytes) is %lld", path, (long long)st.st_size,
                       (long long)o.max_bytes);
    }
    /* Read rather than mapped: a mapped file truncated by another process
     * while it is parsed would kill the host with SIGBUS. The weights are
     * read from this buffer one initializer at a time, and each one's pages
     * are handed back once the graph has its copy (rt_big_discard). */
    size_t len = (size_t)st.st_size, got = 0;
    void *buf = rt_big_alloc(len);
    while (buf && got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf)
        return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_onnx_import_file: no memory for %zu bytes",
                       len);
    if (got != len) {
        rt_big_free(buf);
        return err_set(TVM_ERR_IO, "tvm_onnx_import_file: short read of '%s'", path);
    }
    Onnx__ModelProto *m;
    lazy_inits L;
    s = parse(g, buf, len, &o, &m, &L);
    if (s == TVM_OK) {
        L.discard = buf;
        s = import_parsed(g, m, &o, &L, out);
    }
    rt_big_free(buf);
    return s;
}

static tvm_status get_value(const tvm_onnx_model *m, int index, tvm_onnx_value *value,
                            bool output) {
    const char *fn = output ? "tvm_onnx_model_output" : "tvm_onnx_model_input";
    if (!m) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: model is NULL", fn);
    if (!value) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: value is NULL", fn);
    if (value->struct_size < sizeof(size_t))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: value->struct_size is %zu; set it to "
                       "sizeof(tvm_onnx_value)", fn, value->struct_size);
    int count = output ? m->nout : m->nin;
    if (index < 0 || index >= count)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: index %d is out of range [0, %d)", fn,
                       index, count);
    size_t n = value->struct_size < sizeof *value ? value->struct_size : sizeof *value;
    tvm_onnx_value v = m->vals[(output ? m->nin : 0) + index];
    v.struct_size = n;
    memcpy(value, &v, n);
    return TVM_OK;
}

TVMC_API tvm_status tvm_onnx_model_counts(const tvm_onnx_model *m, int *ninputs,
                                          int *noutputs) {
    if (!m) return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_model_counts: model is NULL");
    if (ninputs) *ninputs = m->nin;
    if (noutputs) *noutputs = m->nout;
    return TVM_OK;
}

TVMC_API tvm_status tvm_onnx_model_input(const tvm_onnx_model *m, int index,
                                         tvm_onnx_value *value) {
    return get_value(m, index, value, false);
}

TVMC_API tvm_status tvm_onnx_model_output(const tvm_onnx_model *m, int index,
                                          tvm_onnx_value *value) {
    return get_value(m, index, value, true);
}
