/* call.c — tvm_function_call and tvm_function_output_shape: every DLTensor
 * is validated and every size variable bound before any kernel runs. */
#include <stdio.h>
#include <stdlib.h>

#include "../big_alloc.h"
#include "../fpenv.h"
#include "function.h"
#include "../threadpool.h"

bool fn_eval_index(const lp_program *p, lp_id e, const int64_t *values, const uint8_t *bound,
                   int64_t *out) {
    const lp_node *n = lp_get(p, e);
    lp_value a, b;
    switch (n->kind) {
    case LP_CONST: *out = n->imm.i; return true;
    case LP_VAR:
        if (!bound[n->a]) return false;
        *out = values[n->a];
        return true;
    case LP_CAST:
        if (!fn_eval_index(p, n->a, values, bound, &a.i)) return false;
        *out = lp_eval_cast(n->dtype, lp_get(p, n->a)->dtype, a).i;
        return true;
    case LP_UNARY:
        if (!fn_eval_index(p, n->a, values, bound, &a.i)) return false;
        *out = lp_eval_unary(n->op, n->dtype, a).i;
        return true;
    case LP_BINARY:
        if (!fn_eval_index(p, n->a, values, bound, &a.i) ||
            !fn_eval_index(p, n->b, values, bound, &b.i))
            return false;
        *out = lp_eval_binary(n->op, lp_get(p, n->a)->dtype, a, b).i;
        return true;
    default: return false;
    }
}

/* Name of a size variable in e that is not bound (for messages). */
static const char *unbound_var(const lp_program *p, lp_id e, const uint8_t *bound) {
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_VAR) return bound[n->a] ? NULL : p->vars[n->a].name;
    const char *r = NULL;
    if (n->kind == LP_BINARY || n->kind == LP_UNARY || n->kind == LP_CAST)
        r = unbound_var(p, n->a, bound);
    if (!r && n->kind == LP_BINARY) r = unbound_var(p, n->b, bound);
    return r;
}

static const char *unbound_name(const lp_program *p, lp_id e, const uint8_t *bound) {
    const char *r = unbound_var(p, e, bound);
    return r ? r : "?";
}

/* Where a size variable got its value, for messages. */
typedef struct binding {
    int arg;
    int dim;
} binding;

typedef struct call_state {
    int64_t *values; /* per template variable */
    uint8_t *bound;
    binding *from;
} call_state;

/* Checks one DLTensor's own properties (nothing that needs other args). */
static tvm_status check_tensor(const tvm_function *fn, const char *api, int i, const DLTensor *t,
                               size_t *nbytes) {
    const fn_arg *a = &fn->args[i];
    const char *role = i < fn->nin ? "input" : "output";
    if (!t) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: argument %d ('%s') is NULL", api, i,
                           a->name);
    if (t->device.device_type != kDLCPU)
        return err_set(TVM_ERR_DEVICE, "%s: %s '%s' is on device type %d; this function runs "
                       "on the CPU (kDLCPU)", api, role, a->name, (int)t->device.device_type);
    if (!dtype_matches_dl(a->dtype, t->dtype))
        return err_set(TVM_ERR_DTYPE, "%s: %s '%s' has DLPack dtype {code %u, bits %u, lanes "
                       "%u} but the function expects %s", api, role, a->name, t->dtype.code,
                       t->dtype.bits, t->dtype.lanes, dtype_name(a->dtype));
    if (t->ndim != a->ndim)
        return err_set(TVM_ERR_SHAPE, "%s: %s '%s' has %d dimensions but the function expects "
                       "%d", api, role, a->name, t->ndim, a->ndim);
    if (t->ndim > 0 && !t->shape)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s '%s' has a NULL shape", api, role,
                       a->name);
    int64_t count = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] < 0)
            return err_set(TVM_ERR_SHAPE, "%s: %s '%s' dimension %d is negative (%lld)", api,
                           role, a->name, d, (long long)t->shape[d]);
        if (mul_overflow_i64(count, t->shape[d], &count))
            return err_set(TVM_ERR_SHAPE, "%s: the element count of %s '%s' overflows int64",
                           api, role, a->name);
    }
    size_t bytes;
    size_t esize = (size_t)dtype_bytes(a->dtype);
    if (mul_overflow_size((size_t)count, esize, &bytes) || bytes > (size_t)INT64_MAX)
        return err_set(TVM_ERR_SHAPE, "%s: the byte size of %s '%s' overflows", api, role,
                       a->name);
    if (t->strides && count > 0) {
        int64_t expect = 1;
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (t->shape[d] != 1 && t->strides[d] != expect)
                return err_set(TVM_ERR_SHAPE, "%s: %s '%s' is not compact row-major: stride "
                               "of dimension %d is %lld, expected %lld (make it contiguous)",
                               api, role, a->name, d, (long long)t->strides[d],
                               (long long)expect);
            expect *= t->shape[d];
        }
    }
    if (count > 0 && !t->data)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s '%s' has NULL data", api, role,
                       a->name);
    uintptr_t base = (uintptr_t)t->data;
    if (base + t->byte_offset < base)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: byte_offset of %s '%s' overflows the "
                       "address", api, role, a->name);
    if (count > 0 && (base + t->byte_offset) % esize != 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: data + byte_offset of %s '%s' is not "
                       "aligned to its %zu-byte elements", api, role, a->name, esize);
    *nbytes = bytes;
    return TVM_OK;
}

/* Binds the size variables that are plain dimensions of the given args, then
 * checks every dimension expression. */
/* partial: the tensors are not all the arguments (output_shape gets only
 * the inputs), so a dimension whose size variable is bound elsewhere is not
 * an error here. */
static tvm_status bind_shapes(const tvm_function *fn, const char *api, DLTensor *const *args,
                              int nargs, bool partial, call_state *cs) {
    const lp_program *p = fn->tmpl;
    for (int i = 0; i < nargs; i++) {
        const lp_buffer *b = &p->bufs[fn->args[i].buf];
        const uint32_t *shape = lp_list(p, b->shape);
        for (int d = 0; d < b->ndim; d++) {
            const lp_node *n = lp_get(p, shape[d]);
            if (n->kind != LP_VAR) continue;
            int64_t v = args[i]->shape[d];
            if (!cs->bound[n->a]) {
                cs->bound[n->a] = 1;
                cs->values[n->a] = v;
                cs->from[n->a] = (binding){i, d};
            } else if (cs->values[n->a] != v) {
                binding f = cs->from[n->a];
                return err_set(TVM_ERR_SHAPE, "%s: size variable '%s' is %lld from '%s' "
                               "dimension %d but %lld from '%s' dimension %d", api,
                               p->vars[n->a].name, (long long)cs->values[n->a],
                               fn->args[f.arg].name, f.dim, (long long)v, fn->args[i].name, d);
            }
        }
    }
    for (int i = 0; i < nargs; i++) {
        const lp_buffer *b = &p->bufs[fn->args[i].buf];
        const uint32_t *shape = lp_list(p, b->shape);
        for (int d = 0; d < b->ndim; d++) {
            int64_t want;
            if (!fn_eval_index(p, shape[d], cs->values, cs->bound, &want)) {
                if (partial) continue;
                return err_set(TVM_ERR_SHAPE, "%s: dimension %d of '%s' depends on size "
                               "variable '%s', which the given tensors do not determine", api,
                               d, fn->args[i].name, unbound_name(p, shape[d], cs->bound));
            }
            if (want != args[i]->shape[d]) {
                strbuf sb = {0};
                lp_print_expr(p, shape[d], &sb);
                tvm_status st = err_set(TVM_ERR_SHAPE, "%s: '%s' dimension %d is %lld but the "
                                        "function expects %lld (%s)", api, fn->args[i].name, d,
                                        (long long)args[i]->shape[d], (long long)want,
                                        sb.data ? sb.data : "?");
                sb_free(&sb);
                return st;
            }
        }
    }
    return TVM_OK;
}

static tvm_status call_state_init(const tvm_function *fn, call_state *cs, void *stack,
                                  size_t stack_bytes) {
    uint32_t nv = fn->tmpl->nvars;
    size_t need = nv * (sizeof(int64_t) + sizeof(binding) + 1);
    char *mem = need <= stack_bytes ? stack : calloc(1, need);
    if (!mem) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_function_call: out of memory");
    memset(mem, 0, need);
    cs->values = (int64_t *)(void *)mem;
    cs->from = (binding *)(void *)(mem + nv * sizeof(int64_t));
    cs->bound = (uint8_t *)(mem + nv * (sizeof(int64_t) + sizeof(binding)));
    return TVM_OK;
}

static void call_state_free(call_state *cs, void *stack) {
    if ((void *)cs->values != stack) free(cs->values);
}

tvm_status fn_kernel_error(const spec *s, int32_t rc, const char *api) {
    const lp_program *p = s->p;
    if (rc == TP_HOST_FAILED)
        return err_set(TVM_ERR_INTERNAL, "%s: the host's parallel_for "
                       "(tvm_context_options.parallel_for) returned failure; no output is "
                       "guaranteed", api);
    if (rc < 1 || (uint32_t)rc >= p->nchecks)
        return err_set(TVM_ERR_INTERNAL, "%s: kernel returned unknown code %d", api, rc);
    const lp_check *c = &p->checks[rc];
    const lp_buffer *b = &p->bufs[c->buffer];
    int64_t extent = 0;
    const lp_node *n = lp_get(p, lp_list(p, b->shape)[c->dim]);
    if (n->kind == LP_CONST) extent = n->imm.i;
    return err_set(TVM_ERR_OUT_OF_BOUNDS, "%s: a data-dependent index into "
                   "tensor '%s' dimension %u is outside [0, %lld); no output is guaranteed",
                   api, b->name, c->dim, (long long)extent);
}

TVMC_API tvm_status tvm_function_call(tvm_function *fn, DLTensor *const *args, int nargs) {
    static const char api[] = "tvm_function_call";
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: fn is NULL", api);
    if (!args) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: args is NULL", api);
    int n = fn->nin + fn->nout;
    if (nargs != n)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: nargs is %d but the function takes %d "
                       "(%d inputs, then %d outputs)", api, nargs, n, fn->nin, fn->nout);
    size_t small_bytes[16];
    size_t *bytes = n <= 16 ? small_bytes : malloc((size_t)n * sizeof *bytes);
    if (!bytes) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", api);
    tvm_status st = TVM_OK;
    for (int i = 0; i < n && st == TVM_OK; i++) st = check_tensor(fn, api, i, args[i], &bytes[i]);
    /* outputs must not overlap any other argument */
    for (int i = fn->nin; i < n && st == TVM_OK; i++) {
        if (!bytes[i]) continue;
        uintptr_t lo = (uintptr_t)args[i]->data + args[i]->byte_offset, hi = lo + bytes[i];
        for (int j = 0; j < n && st == TVM_OK; j++) {
            if (j == i || !bytes[j]) continue;
            uintptr_t lo2 = (uintptr_t)args[j]->data + args[j]->byte_offset;
            uintptr_t hi2 = lo2 + bytes[j];
            if (lo < hi2 && lo2 < hi)
                st = err_set(TVM_ERR_INVALID_ARGUMENT, "%s: output '%s' overlaps %s '%s' in "
                             "memory; outputs must not alias other arguments", api,
                             fn->args[i].name, j < fn->nin ? "input" : "output",
                             fn->args[j].name);
        }
    }
    if (bytes != small_bytes) free(bytes);
    if (st != TVM_OK) return st;

    /* bind size variables and check every dimension, then find the kernel */
    spec *s = NULL;
    char stack[1024];
    call_state cs;
    st = call_state_init(fn, &cs, stack, sizeof stack);
    if (st != TVM_OK) return st;
    st = bind_shapes(fn, api, args, n, false, &cs);
    if (st == TVM_OK) {
        int64_t key[64];
        int64_t *k = fn->nsize <= 64 ? key : malloc(fn->nsize * sizeof *k);
        if (!k) {
            st = err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", api);
        } else {
            for (uint32_t i = 0; i < fn->nsize; i++) k[i] = cs.values[fn->size_vars[i]];
            st = fn_get_spec(fn, k, &s);
            if (k != key) free(k);
        }
    }
    call_state_free(&cs, stack);
    if (st != TVM_OK) return st;

    int total = n + fn->nconst;
    void *small_ptrs[32];
    void **ptrs = total <= 32 ? small_ptrs : malloc((size_t)total * sizeof *ptrs);
    /* The workspace of the last finished call, if no other call holds it: a
     * model's workspace is megabytes, mapped fresh (big_alloc.h) and then
     * faulted in page by page; reused, it costs nothing. Concurrent calls
     * allocate their own; one is kept when they return. */
    void *ws = NULL;
    if (ptrs && s->workspace_bytes > 0) {
        ws = atomic_exchange(&s->ws_cache, NULL);
        if (!ws) {
            ws = rt_big_alloc(((size_t)s->workspace_bytes + 63) & ~(size_t)63);
        }
    }
    if (!ptrs || (s->workspace_bytes > 0 && !ws)) {
        if (ptrs != small_ptrs) free(ptrs);
        fn_release_spec(fn, s);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: cannot allocate the %lld-byte workspace",
                       api, (long long)s->workspace_bytes);
    }
    /* an empty tensor may have NULL data: no arithmetic on a null pointer */
    for (int i = 0; i < n; i++)
        ptrs[i] = args[i]->data ? (char *)args[i]->data + args[i]->byte_offset : NULL;
    for (int i = 0; i < fn->nconst; i++) ptrs[n + i] = fn->const_data[i];
    fpenv env;
    fpenv_enter(&env);
    int32_t rc = fn->be->run(s->kernel, ptrs, ws, fn->ctx->pool);
    fpenv_leave(&env);
    if (rc != 0) st = fn_kernel_error(s, rc, api);
    void *none = NULL;
    if (ws && !atomic_compare_exchange_strong(&s->ws_cache, &none, ws)) rt_big_free(ws);
    if (ptrs != small_ptrs) free(ptrs);
    fn_release_spec(fn, s);
    return st;
}

TVMC_API tvm_status tvm_function_output_shape(tvm_function *fn, DLTensor *const *inputs,
                                              int out_index, int64_t *shape, int *ndim) {
    static const char api[] = "tvm_function_output_shape";
    if (!fn) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: fn is NULL", api);
    if (!shape || !ndim)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL", api, !shape ? "shape" : "ndim");
    if (out_index < 0 || out_index >= fn->nout)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: out_index %d is outside [0, %d)", api,
                       out_index, fn->nout);
    if (fn->nin > 0 && !inputs)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: inputs is NULL", api);
    for (int i = 0; i < fn->nin; i++) {
        const DLTensor *t = inputs[i];
        if (!t) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: inputs[%d] is NULL", api, i);
        if (t->ndim != fn->args[i].ndim)
            return err_set(TVM_ERR_SHAPE, "%s: input '%s' has %d dimensions but the function "
                           "expects %d", api, fn->args[i].name, t->ndim, fn->args[i].ndim);
        if (t->ndim > 0 && !t->shape)
            return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: input '%s' has a NULL shape", api,
                           fn->args[i].name);
        for (int d = 0; d < t->ndim; d++)
            if (t->shape[d] < 0)
                return err_set(TVM_ERR_SHAPE, "%s: input '%s' dimension %d is negative", api,
                               fn->args[i].name, d);
    }
    char stack[1024];
    call_state cs;
    tvm_status st = call_state_init(fn, &cs, stack, sizeof stack);
    if (st != TVM_OK) return st;
    st = bind_shapes(fn, api, inputs, fn->nin, true, &cs);
    const fn_arg *a = &fn->args[fn->nin + out_index];
    const lp_buffer *b = &fn->tmpl->bufs[a->buf];
    int64_t tmp[TVM_MAX_NDIM];
    for (int d = 0; d < b->ndim && st == TVM_OK; d++)
        if (!fn_eval_index(fn->tmpl, lp_list(fn->tmpl, b->shape)[d], cs.values, cs.bound,
                           &tmp[d]))
            st = err_set(TVM_ERR_SHAPE, "%s: dimension %d of output '%s' depends on size "
                         "variable '%s', which the inputs do not determine", api, d, a->name,
                         unbound_name(fn->tmpl, lp_list(fn->tmpl, b->shape)[d], cs.bound));
        else if (tmp[d] < 0)
            st = err_set(TVM_ERR_SHAPE, "%s: dimension %d of output '%s' is %lld for these "
                         "inputs (a crop or slice larger than the input?)", api, d, a->name,
                         (long long)tmp[d]);
    call_state_free(&cs, stack);
    if (st != TVM_OK) return st;
    memcpy(shape, tmp, (size_t)b->ndim * sizeof *shape);
    *ndim = b->ndim;
    return TVM_OK;
}
