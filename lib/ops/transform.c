/* transform.c — the shape operators of include/tvmc.h: reshape, transpose,
 * concat, split, slice, pad, gather, broadcast_to, squeeze, unsqueeze,
 * flatten and tile, with ONNX semantics.
 *
 * Each operator is one compute whose body is a load of its input at indices
 * computed from the result's iteration variables, so the fusion pass inlines
 * it into its consumers and no data moves at run time unless a kernel
 * boundary needs it. Boundaries (padding, concatenation) are select guards
 * written as `i CMP constant` per iteration variable: the bounds pass reads
 * exactly that form to prove the guarded reads in range, and a guarded read
 * never executes out of range.
 *
 * Shapes may hold size variables. Where an operator needs to compare or
 * divide element counts (reshape, flatten), dims are factored into a
 * constant times a multiset of symbolic factors, so n * 6 == (n * 2) * 3 is
 * provable; a relation that cannot be proven at build time is an error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* ---- small helpers --------------------------------------------------------- */

/* A NULL array argument that must hold count > 0 entries. */
static bool need_array(tvm_graph *g, const char *fn, const char *what, const void *p,
                       int64_t count) {
    if (count > 0 && !p) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL but must hold %lld %s", fn,
                   what, (long long)count, count == 1 ? "entry" : "entries");
        return false;
    }
    return true;
}

static bool is_const(tvm_graph *g, tvm_expr e, int64_t v) {
    int64_t c;
    return op_const_value(g, e, &c) && c == v;
}

/* The result compute: element iters of shape is body. */
static tvm_tensor emit(tvm_graph *g, const char *name, const op_shape *shape,
                       const tvm_expr *iters, tvm_expr body) {
    if (g->status != TVM_OK) return NULL_TENSOR;
    return op_result(g, tvm_compute(g, name, shape->ndim, shape->dims, iters, body));
}

/* Normalises axes[0..n) against rank ndim and refuses duplicates. */
static bool axes_list(tvm_graph *g, const char *fn, int n, const int *axes, int ndim, int *out) {
    bool seen[TVM_MAX_NDIM] = {false};
    for (int k = 0; k < n; k++) {
        if (axes[k] < -ndim || axes[k] >= ndim) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axes[%d] is %d, out of range for rank "
                       "%d", fn, k, axes[k], ndim);
            return false;
        }
        out[k] = axes[k] < 0 ? axes[k] + ndim : axes[k];
        if (seen[out[k]]) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axes[%d] (%d) repeats an earlier axis",
                       fn, k, axes[k]);
            return false;
        }
        seen[out[k]] = true;
    }
    return true;
}

/* ---- factored element counts ------------------------------------------------ */

/* A product of dims as c * atom[0] * atom[1] * ..., atoms being symbolic
 * dims (expression indices, kept sorted so equal products compare equal).
 * Multiplication nodes of earlier shape arithmetic are looked through. */
#define MAX_ATOMS 64
typedef struct factors {
    int64_t c;
    int n;
    bool overflow; /* the constant part overflowed int64 */
    bool complex;  /* too many atoms to track */
    uint32_t atom[MAX_ATOMS];
} factors;

static void fac_one(factors *f) {
    f->c = 1;
    f->n = 0;
    f->overflow = f->complex = false;
}

static void fac_add_atom(factors *f, uint32_t a) {
    if (f->n >= MAX_ATOMS) {
        f->complex = true;
        return;
    }
    int k = f->n++;
    while (k > 0 && f->atom[k - 1] > a) {
        f->atom[k] = f->atom[k - 1];
        k--;
    }
    f->atom[k] = a;
}

static void fac_mul_idx(tvm_graph *g, factors *f, uint32_t e, int depth) {
    const gx_node *n = &g->exprs[e];
    if (n->kind == GX_CONST) {
        if (mul_overflow_i64(f->c, n->imm.i, &f->c)) f->overflow = true;
        return;
    }
    if (n->kind == GX_BINARY && n->op == IR_MUL && depth < 16) {
        fac_mul_idx(g, f, n->a, depth + 1);
        fac_mul_idx(g, f, n->b, depth + 1);
        return;
    }
    fac_add_atom(f, e);
}

static void fac_mul(tvm_graph *g, factors *f, tvm_expr dim) {
    uint32_t e = graph_expr_index(g, dim);
    if (e) fac_mul_idx(g, f, e, 0);
}

static void fac_of(tvm_graph *g, const op_shape *s, int from, int to, factors *f) {
    fac_one(f);
    for (int k = from; k < to; k++) fac_mul(g, f, s->dims[k]);
}

static bool fac_equal(const factors *a, const factors *b) {
    if (a->c == 0 && b->c == 0) return true; /* both empty, whatever the atoms */
    if (a->c != b->c || a->n != b->n) return false;
    for (int k = 0; k < a->n; k++)
        if (a->atom[k] != b->atom[k]) return false;
    return true;
}

/* q = b / a when a provably divides b (false otherwise). */
static bool fac_div(const factors *b, const factors *a, factors *q) {
    if (a->c == 0) return false;
    fac_one(q);
    if (b->c == 0) {
        q->c = 0; /* 0 / anything nonzero */
        return true;
    }
    if (b->c % a->c != 0) return false;
    q->c = b->c / a->c;
    int i = 0;
    for (int k = 0; k < b->n; k++) {
        if (i < a->n && a->atom[i] == b->atom[k]) {
            i++;
            continue;
        }
        if (i < a->n && a->atom[i] < b->atom[k]) return false; /* a has an atom b lacks */
        q->atom[q->n++] = b->atom[k];
    }
    return i == a->n;
}

static tvm_expr fac_expr(tvm_graph *g, const char *fn, const factors *f) {
    tvm_expr e = op_i64(g, f->c);
    if (f->c == 0) return e;
    for (int k = 0; k < f->n; k++) e = op_dim_mul(g, fn, e, graph_expr_handle(g, f->atom[k]));
    return e;
}

static void fac_text(tvm_graph *g, const factors *f, char *buf, size_t cap) {
    size_t len = (size_t)snprintf(buf, cap, "%lld", (long long)f->c);
    if (f->c == 1 && f->n > 0) len = 0, buf[0] = '\0';
    for (int k = 0; k < f->n && len + 2 < cap; k++) {
        char d[64];
        op_describe_dim(g, graph_expr_handle(g, f->atom[k]), d, sizeof d);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "*" : "", d);
    }
}

/* Checks that the element count of s can be represented. */
static bool numel_ok(tvm_graph *g, const char *fn, const char *what, const factors *f) {
    if (f->overflow) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: the element count of %s overflows int64", fn, what);
        return false;
    }
    if (f->complex) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: the element count of %s has more than %d symbolic "
                   "factors", fn, what, MAX_ATOMS);
        return false;
    }
    return true;
}

/* ---- index maps for reshape and flatten ------------------------------------- */

/* The row-major offset of iters[list[0..n)] within dims[list[...]]. */
static tvm_expr ravel(tvm_graph *g, const op_shape *s, const tvm_expr *iters, const int *list,
                      int n) {
    tvm_expr flat = iters[list[0]];
    for (int k = 1; k < n; k++)
        flat = tvm_add(g, tvm_mul(g, flat, s->dims[list[k]]), iters[list[k]]);
    return flat;
}

/* Splits the offset flat into indices idx[list[...]] of dims s[list[...]].
 * The outermost index needs no modulo and the innermost no division. */
static void unravel(tvm_graph *g, const char *fn, tvm_expr flat, const op_shape *s,
                    const int *list, int n, tvm_expr *idx) {
    tvm_expr stride = op_i64(g, 1);
    for (int k = n - 1; k >= 0; k--) {
        tvm_expr d = s->dims[list[k]];
        tvm_expr q = k == n - 1 ? flat : tvm_floordiv(g, flat, stride);
        idx[list[k]] = k == 0 ? q : tvm_floormod(g, q, d);
        if (k > 0) stride = op_dim_mul(g, fn, stride, d);
    }
}

/* Result of shape `out` holding x's elements in row-major order; the counts
 * must already be proven equal. Dims are matched in groups of equal
 * products (as [n, 6] -> [n, 2, 3] is {n}->{n}, {6}->{2, 3}) so that an
 * untouched dim keeps its plain index; size-1 dims take no part. */
static tvm_tensor reshape_to(tvm_graph *g, const char *fn, const char *name, const op_arg *a,
                             const op_shape *out) {
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, out->ndim, iters);
    int in_list[TVM_MAX_NDIM], out_list[TVM_MAX_NDIM], nin = 0, nout = 0;
    bool has_zero = false;
    for (int k = 0; k < a->shape.ndim; k++) {
        idx[k] = op_i64(g, 0);
        if (is_const(g, a->shape.dims[k], 1)) continue;
        has_zero |= is_const(g, a->shape.dims[k], 0);
        in_list[nin++] = k;
    }
    for (int k = 0; k < out->ndim; k++) {
        if (is_const(g, out->dims[k], 1)) continue;
        has_zero |= is_const(g, out->dims[k], 0);
        out_list[nout++] = k;
    }
    int i = 0, j = 0;
    while (i < nin && j < nout && !has_zero) {
        int gi = i, gj = j;
        factors fin, fout, t;
        fac_one(&fin);
        fac_one(&fout);
        fac_mul(g, &fin, a->shape.dims[in_list[i++]]);
        bool grouped = false;
        for (;;) {
            if (j > gj && fac_equal(&fin, &fout)) {
                grouped = true;
                break;
            }
            if (j < nout && fac_div(&fin, &fout, &t) && !fac_equal(&fin, &fout))
                fac_mul(g, &fout, out->dims[out_list[j++]]);
            else if (i < nin && fac_div(&fout, &fin, &t))
                fac_mul(g, &fin, a->shape.dims[in_list[i++]]);
            else
                break;
        }
        if (!grouped) { /* no clean boundary: the rest is one group */
            i = gi;
            j = gj;
            break;
        }
        unravel(g, fn, ravel(g, out, iters, out_list + gj, j - gj), &a->shape, in_list + gi,
                i - gi, idx);
    }
    if (i < nin && j < nout)
        unravel(g, fn, ravel(g, out, iters, out_list + j, nout - j), &a->shape, in_list + i,
                nin - i, idx);
    /* Dims left on one side only happen when the other side's count is 0
     * or 1: their index stays 0 (nothing is read when the count is 0). */
    if (g->status != TVM_OK) return NULL_TENSOR;
    return emit(g, name, out, iters, tvm_load(g, a->t, idx));
}

/* ---- reshape, flatten, squeeze, unsqueeze ---------------------------------- */

TVMC_API tvm_tensor tvm_op_reshape(tvm_graph *g, tvm_tensor x, int ndim, const int64_t *shape) {
    const char *fn = "tvm_op_reshape";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    if (ndim < 0 || ndim > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: ndim is %d; it must be in [0, %d]", fn,
                   ndim, TVM_MAX_NDIM);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "shape", shape, ndim)) return NULL_TENSOR;
    op_shape out = {.ndim = ndim};
    factors known, in, q;
    fac_one(&known);
    int infer = -1;
    for (int k = 0; k < ndim; k++) {
        int64_t v = shape[k];
        if (v == -1) {
            if (infer >= 0) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: shape[%d] and shape[%d] are both -1; "
                           "at most one dim is inferred", fn, infer, k);
                return NULL_TENSOR;
            }
            infer = k;
            continue;
        }
        if (v < -1) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: shape[%d] is %lld; dims are >= 0, or -1 (inferred)",
                       fn, k, (long long)v);
            return NULL_TENSOR;
        }
        if (v == 0) { /* ONNX allowzero = 0: copy the input dim */
            if (k >= a.shape.ndim) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: shape[%d] is 0 (copy x's dim %d) "
                           "but x has rank %d", fn, k, k, a.shape.ndim);
                return NULL_TENSOR;
            }
            out.dims[k] = a.shape.dims[k];
        } else {
            out.dims[k] = op_i64(g, v);
        }
        fac_mul(g, &known, out.dims[k]);
    }
    fac_of(g, &a.shape, 0, a.shape.ndim, &in);
    if (!numel_ok(g, fn, "x", &in) || !numel_ok(g, fn, "shape", &known)) return NULL_TENSOR;
    char tin[256], tknown[256];
    fac_text(g, &in, tin, sizeof tin);
    fac_text(g, &known, tknown, sizeof tknown);
    if (infer >= 0) {
        if (known.c == 0) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: shape[%d] is -1 but the other dims hold no "
                       "elements, so it cannot be inferred", fn, infer);
            return NULL_TENSOR;
        }
        if (!fac_div(&in, &known, &q)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: cannot infer shape[%d] (-1): x has %s elements, "
                       "%s divisible by the %s of the other dims", fn, infer, tin,
                       in.n || known.n ? "not provably" : "not", tknown);
            return NULL_TENSOR;
        }
        out.dims[infer] = fac_expr(g, fn, &q);
    } else if (!fac_equal(&in, &known)) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: x has %s elements but shape holds %s%s", fn, tin,
                   tknown, in.n || known.n ? " (not provably equal)" : "");
        return NULL_TENSOR;
    }
    if (g->status != TVM_OK) return NULL_TENSOR;
    return reshape_to(g, fn, "reshape", &a, &out);
}

TVMC_API tvm_tensor tvm_op_flatten(tvm_graph *g, tvm_tensor x, int axis) {
    const char *fn = "tvm_op_flatten";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if (axis < -r || axis > r) { /* ONNX: axis may equal the rank */
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axis %d is out of range [%d, %d] for a "
                   "tensor of rank %d", fn, axis, -r, r, r);
        return NULL_TENSOR;
    }
    if (axis < 0) axis += r;
    factors lo, hi;
    fac_of(g, &a.shape, 0, axis, &lo);
    fac_of(g, &a.shape, axis, r, &hi);
    if (!numel_ok(g, fn, "x", &lo) || !numel_ok(g, fn, "x", &hi)) return NULL_TENSOR;
    op_shape out = {.ndim = 2};
    out.dims[0] = fac_expr(g, fn, &lo);
    out.dims[1] = fac_expr(g, fn, &hi);
    if (g->status != TVM_OK) return NULL_TENSOR;
    return reshape_to(g, fn, "flatten", &a, &out);
}

TVMC_API tvm_tensor tvm_op_squeeze(tvm_graph *g, tvm_tensor x, int naxes, const int *axes) {
    const char *fn = "tvm_op_squeeze";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if (naxes < 0 || naxes > r) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: naxes is %d; it must be in [0, %d] (the "
                   "rank of x)", fn, naxes, r);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "axes", axes, naxes)) return NULL_TENSOR;
    bool drop[TVM_MAX_NDIM] = {false};
    if (naxes == 0) {
        for (int k = 0; k < r; k++) drop[k] = is_const(g, a.shape.dims[k], 1);
    } else {
        int ax[TVM_MAX_NDIM];
        if (!axes_list(g, fn, naxes, axes, r, ax)) return NULL_TENSOR;
        for (int k = 0; k < naxes; k++) {
            tvm_expr d = a.shape.dims[ax[k]];
            if (!is_const(g, d, 1)) {
                char t[64];
                op_describe_dim(g, d, t, sizeof t);
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: axes[%d] names dim %d of x, which "
                           "is %s%s, not 1", fn, k, ax[k], t,
                           op_const_value(g, d, &(int64_t){0}) ? "" : " (symbolic)");
                return NULL_TENSOR;
            }
            drop[ax[k]] = true;
        }
    }
    op_shape out = {0};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    for (int k = 0; k < r; k++)
        if (!drop[k]) out.dims[out.ndim++] = a.shape.dims[k];
    op_iters(g, out.ndim, iters);
    for (int k = 0, o = 0; k < r; k++) idx[k] = drop[k] ? op_i64(g, 0) : iters[o++];
    return emit(g, "squeeze", &out, iters, tvm_load(g, a.t, idx));
}

TVMC_API tvm_tensor tvm_op_unsqueeze(tvm_graph *g, tvm_tensor x, int naxes, const int *axes) {
    const char *fn = "tvm_op_unsqueeze";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if (naxes < 0 || naxes > TVM_MAX_NDIM - r) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: naxes is %d; with x of rank %d it must be "
                   "in [0, %d]", fn, naxes, r, TVM_MAX_NDIM - r);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "axes", axes, naxes)) return NULL_TENSOR;
    int rout = r + naxes, ax[TVM_MAX_NDIM];
    /* ONNX: the positions are axes of the result */
    if (!axes_list(g, fn, naxes, axes, rout, ax)) return NULL_TENSOR;
    bool added[TVM_MAX_NDIM] = {false};
    for (int k = 0; k < naxes; k++) added[ax[k]] = true;
    op_shape out = {.ndim = rout};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, rout, iters);
    for (int k = 0, i = 0; k < rout; k++) {
        if (added[k]) {
            out.dims[k] = op_i64(g, 1);
        } else {
            out.dims[k] = a.shape.dims[i];
            idx[i++] = iters[k];
        }
    }
    return emit(g, "unsqueeze", &out, iters, tvm_load(g, a.t, idx));
}

/* ---- transpose, broadcast_to, tile ------------------------------------------ */

TVMC_API tvm_tensor tvm_op_transpose(tvm_graph *g, tvm_tensor x, const int *perm) {
    const char *fn = "tvm_op_transpose";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim, p[TVM_MAX_NDIM];
    bool seen[TVM_MAX_NDIM] = {false};
    for (int k = 0; k < r; k++) {
        int v = perm ? perm[k] : r - 1 - k;
        if (v < -r || v >= r) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: perm[%d] is %d, out of range for rank "
                       "%d", fn, k, v, r);
            return NULL_TENSOR;
        }
        p[k] = v < 0 ? v + r : v;
        if (seen[p[k]]) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: perm is not a permutation: perm[%d] "
                       "repeats axis %d", fn, k, p[k]);
            return NULL_TENSOR;
        }
        seen[p[k]] = true;
    }
    op_shape out = {.ndim = r};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, r, iters);
    for (int k = 0; k < r; k++) {
        out.dims[k] = a.shape.dims[p[k]];
        idx[p[k]] = iters[k];
    }
    return emit(g, "transpose", &out, iters, tvm_load(g, a.t, idx));
}

TVMC_API tvm_tensor tvm_op_broadcast_to(tvm_graph *g, tvm_tensor x, int ndim,
                                        const int64_t *shape) {
    const char *fn = "tvm_op_broadcast_to";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    if (ndim < 0 || ndim > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: ndim is %d; it must be in [0, %d]", fn,
                   ndim, TVM_MAX_NDIM);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "shape", shape, ndim)) return NULL_TENSOR;
    op_shape want = {.ndim = ndim}, out;
    for (int k = 0; k < ndim; k++) {
        if (shape[k] < 0) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: shape[%d] is negative (%lld)", fn, k,
                       (long long)shape[k]);
            return NULL_TENSOR;
        }
        want.dims[k] = op_i64(g, shape[k]);
    }
    if (!op_broadcast_shapes(g, fn, &a.shape, &want, &out)) return NULL_TENSOR;
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, out.ndim, iters);
    op_broadcast_index(g, &a.shape, &out, iters, idx);
    return emit(g, "broadcast_to", &out, iters, tvm_load(g, a.t, idx));
}

TVMC_API tvm_tensor tvm_op_tile(tvm_graph *g, tvm_tensor x, const int64_t *repeats) {
    const char *fn = "tvm_op_tile";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if (!need_array(g, fn, "repeats", repeats, r)) return NULL_TENSOR;
    op_shape out = {.ndim = r};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, r, iters);
    for (int k = 0; k < r; k++) {
        if (repeats[k] < 0) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: repeats[%d] is negative (%lld)", fn, k,
                       (long long)repeats[k]);
            return NULL_TENSOR;
        }
        out.dims[k] = op_dim_mul(g, fn, a.shape.dims[k], op_i64(g, repeats[k]));
        if (g->status != TVM_OK) return NULL_TENSOR;
        /* the result is empty when a repeat is 0: any index will do */
        idx[k] = repeats[k] > 1 ? tvm_floormod(g, iters[k], a.shape.dims[k]) : iters[k];
    }
    return emit(g, "tile", &out, iters, tvm_load(g, a.t, idx));
}

/* Concat inputs and split outputs: no more than a graph's tensors. */
#define MAX_PARTS ((int)GRAPH_MAX_NODES - 1)

/* ---- concat and split ------------------------------------------------------- */

/* The select tree over parts lo..hi of a concatenation: a balanced binary
 * search on the axis index, so the depth is log2(n) and each part's read
 * sits under `i >= offset[k] && i < offset[k + 1]` guards. */
static tvm_expr concat_tree(tvm_graph *g, const op_arg *parts, const tvm_expr *offset, int lo,
                            int hi, int axis, const tvm_expr *iters) {
    if (lo == hi) {
        tvm_expr idx[TVM_MAX_NDIM];
        for (int k = 0; k < parts[lo].shape.ndim; k++) idx[k] = iters[k];
        if (!is_const(g, offset[lo], 0)) idx[axis] = tvm_sub(g, iters[axis], offset[lo]);
        return tvm_load(g, parts[lo].t, idx);
    }
    int mid = lo + (hi - lo + 1) / 2;
    tvm_expr left = concat_tree(g, parts, offset, lo, mid - 1, axis, iters);
    tvm_expr right = concat_tree(g, parts, offset, mid, hi, axis, iters);
    return tvm_select(g, tvm_lt(g, iters[axis], offset[mid]), left, right);
}

TVMC_API tvm_tensor tvm_op_concat(tvm_graph *g, int n, const tvm_tensor *xs, int axis) {
    const char *fn = "tvm_op_concat";
    if (!op_begin(g, fn)) return NULL_TENSOR;
    if (n < 1) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: n is %d; at least one tensor is needed",
                   fn, n);
        return NULL_TENSOR;
    }
    if (n > MAX_PARTS) {
        graph_fail(g, TVM_ERR_LIMIT, "%s: n is %d; a graph holds at most %d parts", fn, n,
                   MAX_PARTS);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "xs", xs, n)) return NULL_TENSOR;
    op_arg *parts = malloc((size_t)n * sizeof *parts);
    tvm_expr *offset = malloc(((size_t)n + 1) * sizeof *offset);
    tvm_tensor result = NULL_TENSOR;
    if (!parts || !offset) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory for %d parts", fn, n);
        goto out;
    }
    int ax = 0;
    for (int k = 0; k < n; k++) {
        char name[32];
        snprintf(name, sizeof name, "xs[%d]", k);
        if (!op_tensor(g, fn, name, xs[k], &parts[k])) goto out;
        if (k == 0 && !op_axis(g, fn, axis, parts[0].shape.ndim, &ax)) goto out;
        if (parts[k].dtype != parts[0].dtype) {
            graph_fail(g, TVM_ERR_DTYPE, "%s: xs[%d] is %s but xs[0] is %s", fn, k,
                       dtype_name(parts[k].dtype), dtype_name(parts[0].dtype));
            goto out;
        }
        if (parts[k].shape.ndim != parts[0].shape.ndim) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: xs[%d] has rank %d but xs[0] has rank %d", fn, k,
                       parts[k].shape.ndim, parts[0].shape.ndim);
            goto out;
        }
        for (int d = 0; d < parts[0].shape.ndim; d++) {
            if (d == ax || op_dim_equal(parts[k].shape.dims[d], parts[0].shape.dims[d])) continue;
            char t0[64], tk[64];
            op_describe_dim(g, parts[0].shape.dims[d], t0, sizeof t0);
            op_describe_dim(g, parts[k].shape.dims[d], tk, sizeof tk);
            graph_fail(g, TVM_ERR_SHAPE, "%s: dim %d of xs[%d] is %s but %s in xs[0]; only the "
                       "axis %d dims may differ", fn, d, k, tk, t0, ax);
            goto out;
        }
    }
    offset[0] = op_i64(g, 0);
    for (int k = 0; k < n; k++) {
        offset[k + 1] = op_dim_add(g, fn, offset[k], parts[k].shape.dims[ax]);
        if (g->status != TVM_OK) goto out;
    }
    op_shape shape = parts[0].shape;
    shape.dims[ax] = offset[n];
    tvm_expr iters[TVM_MAX_NDIM];
    op_iters(g, shape.ndim, iters);
    result = emit(g, "concat", &shape, iters, concat_tree(g, parts, offset, 0, n - 1, ax, iters));
out:
    free(parts);
    free(offset);
    return result;
}

TVMC_API tvm_status tvm_op_split(tvm_graph *g, tvm_tensor x, int axis, int n,
                                 const int64_t *sizes, tvm_tensor *outs) {
    const char *fn = "tvm_op_split";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return g ? g->status : TVM_ERR_INVALID_ARGUMENT;
    int ax;
    if (!op_axis(g, fn, axis, a.shape.ndim, &ax)) return g->status;
    if (n < 1) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: n is %d; at least one part is needed", fn, n);
        return g->status;
    }
    if (n > MAX_PARTS) {
        graph_fail(g, TVM_ERR_LIMIT, "%s: n is %d; a graph holds at most %d tensors", fn, n,
                   MAX_PARTS);
        return g->status;
    }
    if (!outs) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: outs is NULL", fn);
        return g->status;
    }
    int64_t dim;
    if (!op_const_value(g, a.shape.dims[ax], &dim)) {
        char t[64];
        op_describe_dim(g, a.shape.dims[ax], t, sizeof t);
        graph_fail(g, TVM_ERR_SHAPE, "%s: dim %d of x (axis %d) is symbolic (%s); split needs a "
                   "constant dim on its axis", fn, ax, axis, t);
        return g->status;
    }
    if (!sizes && dim % n != 0) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: dim %d of x is %lld, which does not split into %d "
                   "equal parts (give sizes)", fn, ax, (long long)dim, n);
        return g->status;
    }
    if (sizes) {
        int64_t sum = 0;
        for (int k = 0; k < n; k++) {
            if (sizes[k] < 0) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: sizes[%d] is negative (%lld)", fn, k,
                           (long long)sizes[k]);
                return g->status;
            }
            if (add_overflow_i64(sum, sizes[k], &sum) || sum > dim) {
                graph_fail(g, TVM_ERR_SHAPE, "%s: sizes[0..%d] already sum past dim %d of x "
                           "(%lld)", fn, k, ax, (long long)dim);
                return g->status;
            }
        }
        if (sum != dim) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: sizes sum to %lld but dim %d of x is %lld", fn,
                       (long long)sum, ax, (long long)dim);
            return g->status;
        }
    }
    /* outs is written only once every part exists (untouched on failure) */
    tvm_tensor *made = malloc((size_t)n * sizeof *made);
    if (!made) {
        graph_fail(g, TVM_ERR_OUT_OF_MEMORY, "%s: out of memory for %d parts", fn, n);
        return g->status;
    }
    int64_t offset = 0;
    for (int k = 0; k < n && g->status == TVM_OK; k++) {
        int64_t size = sizes ? sizes[k] : dim / n;
        op_shape shape = a.shape;
        shape.dims[ax] = op_i64(g, size);
        tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
        op_iters(g, shape.ndim, iters);
        for (int d = 0; d < shape.ndim; d++) idx[d] = iters[d];
        if (offset) idx[ax] = tvm_add(g, iters[ax], op_i64(g, offset));
        made[k] = emit(g, "split", &shape, iters, tvm_load(g, a.t, idx));
        offset += size;
    }
    if (g->status == TVM_OK) memcpy(outs, made, (size_t)n * sizeof *made);
    free(made);
    return g->status;
}

/* ---- slice ------------------------------------------------------------------ */

/* ONNX Slice on one axis of extent dim: the first index and the count. */
static void slice_range(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
                        int64_t *count) {
    if (start < 0) start += dim; /* cannot overflow: dim >= 0 */
    if (end < 0) end += dim;
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
    } else {
        start = start < 0 ? 0 : start > dim - 1 ? dim - 1 : start;
        end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
    }
    /* the span is at most dim + 1 and |step| may be 2^63: unsigned maths */
    uint64_t span = step > 0 ? (end > start ? (uint64_t)(end - start) : 0)
                             : (start > end ? (uint64_t)(start - end) : 0);
    uint64_t mag = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;
    *first = start;
    *count = (int64_t)((span + mag - 1) / mag);
}

TVMC_API tvm_tensor tvm_op_slice(tvm_graph *g, tvm_tensor x, int naxes, const int *axes,
                                 const int64_t *starts, const int64_t *ends,
                                 const int64_t *steps) {
    const char *fn = "tvm_op_slice";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim, ax[TVM_MAX_NDIM];
    if (naxes < 0 || naxes > r) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: naxes is %d; it must be in [0, %d] (the "
                   "rank of x)", fn, naxes, r);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "axes", axes, naxes) || !need_array(g, fn, "starts", starts, naxes) ||
        !need_array(g, fn, "ends", ends, naxes) || !axes_list(g, fn, naxes, axes, r, ax))
        return NULL_TENSOR;
    op_shape out = a.shape;
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    op_iters(g, r, iters);
    for (int d = 0; d < r; d++) idx[d] = iters[d];
    for (int k = 0; k < naxes; k++) {
        int64_t step = steps ? steps[k] : 1, dim, first, count;
        if (step == 0) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: steps[%d] is 0", fn, k);
            return NULL_TENSOR;
        }
        int d = ax[k];
        if (!op_const_value(g, a.shape.dims[d], &dim)) {
            char t[64];
            op_describe_dim(g, a.shape.dims[d], t, sizeof t);
            graph_fail(g, TVM_ERR_SHAPE, "%s: axes[%d] names dim %d of x, which is symbolic (%s); "
                       "slice needs constant dims on the sliced axes", fn, k, d, t);
            return NULL_TENSOR;
        }
        slice_range(dim, starts[k], ends[k], step, &first, &count);
        out.dims[d] = op_i64(g, count);
        /* with at most one element the step never applies (and may be huge) */
        tvm_expr e = step != 1 ? tvm_mul(g, iters[d], op_i64(g, step)) : iters[d];
        if (count <= 1) idx[d] = op_i64(g, first);
        else idx[d] = first ? tvm_add(g, e, op_i64(g, first)) : e;
    }
    return emit(g, "slice", &out, iters, tvm_load(g, a.t, idx));
}

/* ---- pad -------------------------------------------------------------------- */

/* The pad value as a constant of x's dtype; integers must hold it exactly. */
static tvm_expr pad_value(tvm_graph *g, const char *fn, tvm_dtype dt, double v) {
    if (dtype_is_int(dt)) {
        double lo = (double)dtype_int_min(dt);
        double hi_excl = dt == TVM_INT64 ? 9223372036854775808.0 : (double)dtype_int_max(dt) + 1;
        if (!(v == floor(v)) || v < lo || v >= hi_excl) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: value %g is not representable as %s",
                       fn, v, dtype_name(dt));
            return (tvm_expr){0};
        }
        return tvm_const_int(g, dt, (int64_t)v);
    }
    if (dt == TVM_BOOL) return tvm_const_int(g, dt, v != 0);
    return tvm_const_float(g, dt, v);
}

TVMC_API tvm_tensor tvm_op_pad(tvm_graph *g, tvm_tensor x, const int64_t *pads,
                               tvm_pad_mode mode, double value) {
    const char *fn = "tvm_op_pad";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    int r = a.shape.ndim;
    if ((int)mode < TVM_PAD_CONSTANT || (int)mode > TVM_PAD_REFLECT) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: mode %d is not a tvm_pad_mode", fn,
                   (int)mode);
        return NULL_TENSOR;
    }
    if (!need_array(g, fn, "pads", pads, 2 * r)) return NULL_TENSOR;
    tvm_expr fill = {0};
    if (mode == TVM_PAD_CONSTANT && !(fill = pad_value(g, fn, a.dtype, value)).id)
        return NULL_TENSOR;
    op_shape out = {.ndim = r};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM], inside = {0};
    op_iters(g, r, iters);
    static const char *const mode_name[] = {"constant", "edge", "reflect"};
    for (int d = 0; d < r; d++) {
        int64_t p0 = pads[d], p1 = pads[d + r], total, n = -1;
        tvm_expr dim = a.shape.dims[d];
        bool known = op_const_value(g, dim, &n);
        if (add_overflow_i64(p0, p1, &total)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: pads[%d] + pads[%d] overflows int64", fn, d, d + r);
            return NULL_TENSOR;
        }
        out.dims[d] = op_dim_add_const(g, fn, dim, total);
        if (g->status != TVM_OK) return NULL_TENSOR;
        int64_t size;
        if (op_const_value(g, out.dims[d], &size) && size < 0) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: pads[%d] = %lld and pads[%d] = %lld crop dim %d "
                       "of x (%lld) below zero", fn, d, (long long)p0, d + r, (long long)p1, d,
                       (long long)n);
            return NULL_TENSOR;
        }
        if (known && (p0 > 0 || p1 > 0) && mode != TVM_PAD_CONSTANT &&
            (n == 0 || (mode == TVM_PAD_REFLECT && (p0 >= n || p1 >= n)))) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %s padding of dim %d (%lld) by "
                       "pads[%d] = %lld and pads[%d] = %lld needs %s", fn, mode_name[mode], d,
                       (long long)n, d, (long long)p0, d + r, (long long)p1,
                       mode == TVM_PAD_EDGE ? "a non-empty dim" : "pads smaller than the dim");
            return NULL_TENSOR;
        }
        /* x's index: i - p0 inside; the padded sides depend on the mode.
         * Conditions compare the iteration variable with a constant (after
         * specialisation), the form the bounds pass narrows ranges by. */
        tvm_expr i = iters[d];
        tvm_expr j = p0 ? tvm_sub(g, i, op_i64(g, p0)) : i;
        tvm_expr end = p1 > 0 ? op_dim_add_const(g, fn, dim, p0) : (tvm_expr){0}; /* p0 + n */
        if (p1 > 0 && g->status != TVM_OK) return NULL_TENSOR;
        switch (mode) {
        case TVM_PAD_CONSTANT: {
            tvm_expr c = {0};
            if (p0 > 0) c = tvm_ge(g, i, op_i64(g, p0));
            if (p1 > 0) {
                tvm_expr hi = tvm_lt(g, i, end);
                c = c.id ? tvm_and(g, c, hi) : hi;
            }
            if (c.id) inside = inside.id ? tvm_and(g, inside, c) : c;
            idx[d] = j;
            break;
        }
        case TVM_PAD_EDGE:
            if (p0 > 0) j = tvm_max(g, j, op_i64(g, 0));
            if (p1 > 0) j = tvm_min(g, j, op_dim_add_const(g, fn, dim, -1));
            idx[d] = j;
            break;
        case TVM_PAD_REFLECT:
            /* before: x[p0 - i]; after: x[2 (n - 1) - (i - p0)] */
            if (p1 > 0) {
                int64_t shift;
                if (__builtin_sub_overflow(p0, 2, &shift)) {
                    graph_fail(g, TVM_ERR_SHAPE, "%s: pads[%d] = %lld overflows the reflected "
                               "index", fn, d, (long long)p0);
                    return NULL_TENSOR;
                }
                tvm_expr two_n = op_dim_mul(g, fn, dim, op_i64(g, 2));
                tvm_expr base = op_dim_add_const(g, fn, two_n, shift);
                if (g->status != TVM_OK) return NULL_TENSOR;
                j = tvm_select(g, tvm_ge(g, i, end), tvm_sub(g, base, i), j);
            }
            if (p0 > 0)
                j = tvm_select(g, tvm_lt(g, i, op_i64(g, p0)), tvm_sub(g, op_i64(g, p0), i), j);
            idx[d] = j;
            break;
        }
    }
    tvm_expr body = tvm_load(g, a.t, idx);
    if (inside.id) body = tvm_select(g, inside, body, fill);
    return emit(g, "pad", &out, iters, body);
}

/* ---- gather ------------------------------------------------------------------ */

TVMC_API tvm_tensor tvm_op_gather(tvm_graph *g, tvm_tensor x, tvm_tensor indices, int axis) {
    const char *fn = "tvm_op_gather";
    op_arg a, ix;
    if (!op_tensor(g, fn, "x", x, &a) || !op_tensor(g, fn, "indices", indices, &ix))
        return NULL_TENSOR;
    int ax;
    if (!op_axis(g, fn, axis, a.shape.ndim, &ax)) return NULL_TENSOR;
    if (ix.dtype != TVM_INT32 && ix.dtype != TVM_INT64) {
        graph_fail(g, TVM_ERR_DTYPE, "%s: indices is %s; it must be int32 or int64", fn,
                   dtype_name(ix.dtype));
        return NULL_TENSOR;
    }
    int q = ix.shape.ndim, r = a.shape.ndim + q - 1;
    if (r > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: the result would have rank %d (x rank %d + indices "
                   "rank %d - 1); at most %d", fn, r, a.shape.ndim, q, TVM_MAX_NDIM);
        return NULL_TENSOR;
    }
    op_shape out = {.ndim = r};
    tvm_expr iters[TVM_MAX_NDIM], idx[TVM_MAX_NDIM], iidx[TVM_MAX_NDIM];
    op_iters(g, r, iters);
    for (int k = 0; k < ax; k++) {
        out.dims[k] = a.shape.dims[k];
        idx[k] = iters[k];
    }
    for (int k = 0; k < q; k++) {
        out.dims[ax + k] = ix.shape.dims[k];
        iidx[k] = iters[ax + k];
    }
    for (int k = ax + 1; k < a.shape.ndim; k++) {
        out.dims[k + q - 1] = a.shape.dims[k];
        idx[k] = iters[k + q - 1];
    }
    /* Negative indices count from the end. The read is data-dependent, so
     * the kernel checks it where it happens: an index outside [-dim, dim)
     * fails the call with TVM_ERR_OUT_OF_BOUNDS instead of reading. */
    tvm_expr v = tvm_cast(g, TVM_INT64, tvm_load(g, ix.t, iidx));
    idx[ax] = tvm_select(g, tvm_lt(g, v, op_i64(g, 0)), tvm_add(g, v, a.shape.dims[ax]), v);
    return emit(g, "gather", &out, iters, tvm_load(g, a.t, idx));
}
