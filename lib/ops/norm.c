/* norm.c — softmax, log_softmax, layer_norm, batch_norm and group_norm.
 *
 * Each normaliser is several plain computes: the statistics, each a compute
 * whose body is one reduction (max, sum, sum of squared deviations), and an
 * elementwise result that reads them. The fusion pass decides how to merge
 * them into kernels; nothing here is fused by hand.
 *
 * float16/bfloat16 inputs are widened to float32 for every statistic and for
 * the result expression, which is rounded once when stored. Variances are
 * two-pass (sum of squared deviations from the mean), which stays accurate
 * when the mean is large compared with the spread. */
#include <math.h>
#include <stdio.h>

#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* x[idx] in the compute dtype (float32 for float16/bfloat16). */
static tvm_expr cload(tvm_graph *g, const op_arg *X, const tvm_expr *idx) {
    return tvm_cast(g, (tvm_dtype)dtype_compute(X->dtype), tvm_load(g, X->t, idx));
}

static tvm_expr square(tvm_graph *g, tvm_expr v) { return tvm_mul(g, v, v); }

/* A finite, non-negative epsilon; anything else is a bad attribute. */
static bool check_epsilon(tvm_graph *g, const char *fn, double eps) {
    if (isfinite(eps) && eps >= 0) return true;
    graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'epsilon' is %g; it must be finite "
               "and >= 0", fn, eps);
    return false;
}

/* ---- softmax ---------------------------------------------------------------- */

/* The indices of x for reduced-shape element `r` (x's dims without `axis`)
 * with `k` on the axis. */
static void with_axis(int ndim, int axis, const tvm_expr *r, tvm_expr k, tvm_expr *idx) {
    for (int d = 0; d < ndim; d++) idx[d] = d < axis ? r[d] : d == axis ? k : r[d - 1];
}

static tvm_tensor softmax_impl(tvm_graph *g, const char *fn, const char *name, tvm_tensor x,
                               int axis, bool log_out) {
    op_arg X;
    int ax;
    if (!op_tensor(g, fn, "x", x, &X) || !op_check_dtype(g, fn, "x", X.dtype, OP_DT_FLOAT) ||
        !op_axis(g, fn, axis, X.shape.ndim, &ax))
        return NULL_TENSOR;
    int nd = X.shape.ndim;
    tvm_expr extent = X.shape.dims[ax];
    op_shape rs = {.ndim = nd - 1};
    for (int d = 0; d < nd; d++)
        if (d != ax) rs.dims[d < ax ? d : d - 1] = X.shape.dims[d];
    char nm[64];
    tvm_expr r[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];

    /* m = max over the axis: subtracting it keeps exp() from overflowing */
    op_iters(g, rs.ndim, r);
    tvm_expr k = tvm_reduce_axis(g, "k", extent);
    with_axis(nd, ax, r, k, idx);
    snprintf(nm, sizeof nm, "%s_max", name);
    tvm_tensor m = tvm_compute(g, nm, rs.ndim, rs.dims, r,
                               tvm_reduce(g, TVM_REDUCE_MAX, cload(g, &X, idx), 1, &k));

    /* e = exp(x - m) as a tensor of its own (softmax): the fusion pass
     * stages it, so exp runs once per element and the sum and the division
     * both read the staged row */
    tvm_expr it[TVM_MAX_NDIM];
    tvm_tensor et = {0};
    if (!log_out) {
        op_iters(g, nd, it);
        for (int d = 0; d < nd; d++)
            if (d != ax) r[d < ax ? d : d - 1] = it[d];
        snprintf(nm, sizeof nm, "%s_exp", name);
        et = tvm_compute(g, nm, nd, X.shape.dims, it,
                         tvm_exp(g, tvm_sub(g, cload(g, &X, it), tvm_load(g, m, r))));
    }

    /* s = sum over the axis of exp(x - m) */
    op_iters(g, rs.ndim, r);
    k = tvm_reduce_axis(g, "k", extent);
    with_axis(nd, ax, r, k, idx);
    tvm_expr e = log_out ? tvm_exp(g, tvm_sub(g, cload(g, &X, idx), tvm_load(g, m, r)))
                         : tvm_load(g, et, idx);
    snprintf(nm, sizeof nm, "%s_sum", name);
    tvm_tensor s = tvm_compute(g, nm, rs.ndim, rs.dims, r, tvm_sum(g, e, 1, &k));

    tvm_dtype cdt = (tvm_dtype)dtype_compute(X.dtype);
    /* result: e * (1 / s), or (x - m) - log(s); the reciprocal is
     * loop-invariant, so each element costs a multiply, not a division */
    op_iters(g, nd, it);
    for (int d = 0; d < nd; d++)
        if (d != ax) r[d < ax ? d : d - 1] = it[d];
    tvm_expr sv = tvm_load(g, s, r);
    tvm_expr body = log_out ? tvm_sub(g, tvm_sub(g, cload(g, &X, it), tvm_load(g, m, r)),
                                      tvm_log(g, sv))
                            : tvm_mul(g, tvm_load(g, et, it),
                                      tvm_div(g, tvm_const_float(g, cdt, 1.0), sv));
    body = tvm_cast(g, X.dtype, body);
    return op_result(g, tvm_compute(g, name, nd, X.shape.dims, it, body));
}

TVMC_API tvm_tensor tvm_op_softmax(tvm_graph *g, tvm_tensor x, int axis) {
    return softmax_impl(g, "tvm_op_softmax", "softmax", x, axis, false);
}

TVMC_API tvm_tensor tvm_op_log_softmax(tvm_graph *g, tvm_tensor x, int axis) {
    return softmax_impl(g, "tvm_op_log_softmax", "log_softmax", x, axis, true);
}

/* ---- shared: statistics over a group of elements ------------------------------ */

/* Where the elements of one statistic come from: statistic element `s`
 * (stat-shape iterators) and reduction axes `k` give the x indices. */
typedef void (*gather_fn)(tvm_graph *g, const void *ctx, const tvm_expr *s, const tvm_expr *k,
                          tvm_expr *idx);

/* sum(x) and sum((x - sum(x)/count)^2) over the group of every statistic
 * element, as two computes named <name>_sum and <name>_sqsum (compute
 * dtype). */
static void moments(tvm_graph *g, const char *name, const op_arg *X, const op_shape *st,
                    int nk, const tvm_expr *extents, gather_fn gather, const void *ctx,
                    tvm_expr count, tvm_tensor *sum, tvm_tensor *sqsum) {
    tvm_expr s[TVM_MAX_NDIM], k[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    char nm[64];
    for (int pass = 0; pass < 2; pass++) {
        op_iters(g, st->ndim, s);
        for (int j = 0; j < nk; j++) {
            char an[16];
            snprintf(an, sizeof an, "k%d", j);
            k[j] = tvm_reduce_axis(g, an, extents[j]);
        }
        gather(g, ctx, s, k, idx);
        tvm_expr v = cload(g, X, idx);
        if (pass == 1) v = square(g, tvm_sub(g, v, tvm_div(g, tvm_load(g, *sum, s), count)));
        snprintf(nm, sizeof nm, pass ? "%s_sqsum" : "%s_sum", name);
        tvm_expr body = nk ? tvm_sum(g, v, nk, k) : v; /* no reduced dims: one element */
        tvm_tensor t = tvm_compute(g, nm, st->ndim, st->dims, s, body);
        if (pass == 0) *sum = t;
        else *sqsum = t;
    }
}

/* (v - mean) * (1 / sqrt(var + eps)) with mean = sum / count, var = sqsum / count. */
static tvm_expr normalise(tvm_graph *g, tvm_dtype cdt, tvm_expr v, tvm_expr sum, tvm_expr sqsum,
                          tvm_expr count, double eps) {
    tvm_expr mean = tvm_div(g, sum, count);
    tvm_expr var = tvm_div(g, sqsum, count);
    /* times 1/sqrt (loop-invariant, computed once per statistic after
     * hoisting) rather than a division per element: a vector division costs
     * several multiplies' throughput */
    return tvm_mul(g, tvm_sub(g, v, mean),
                   tvm_rsqrt(g, tvm_add(g, var, tvm_const_float(g, cdt, eps))));
}

/* An optional affine parameter p of x's dtype whose shape broadcasts to
 * `target` without enlarging it (every dim equal or 1, rank not above). */
static bool check_param(tvm_graph *g, const char *fn, const char *name, const op_arg *P,
                        const op_arg *X, const op_shape *target, const char *what) {
    if (P->t.id == 0) return true;
    if (!op_same_dtype(g, fn, "x", X, name, P)) return false;
    bool ok = P->shape.ndim <= target->ndim;
    for (int d = 0; ok && d < P->shape.ndim; d++) {
        tvm_expr pd = P->shape.dims[d], td = target->dims[target->ndim - P->shape.ndim + d];
        int64_t v;
        ok = op_dim_equal(pd, td) || (op_const_value(g, pd, &v) && v == 1);
    }
    if (!ok) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: argument '%s' (rank %d) does not broadcast to %s "
                   "(rank %d): its dims must equal those of %s or be 1", fn, name,
                   P->shape.ndim, what, target->ndim, what);
        return false;
    }
    return true;
}

/* y * p[...] (or + p[...]) for a present parameter read at broadcast index. */
static tvm_expr affine(tvm_graph *g, tvm_expr y, const op_arg *P, const op_shape *target,
                       const tvm_expr *it, bool add) {
    if (P->t.id == 0) return y;
    tvm_expr pv = tvm_cast(g, (tvm_dtype)dtype_compute(P->dtype),
                           op_load_broadcast(g, P, target, it));
    return add ? tvm_add(g, y, pv) : tvm_mul(g, y, pv);
}

/* ---- layer_norm ----------------------------------------------------------------- */

typedef struct { int axis, ndim; } ln_ctx;

/* statistic element s = x's leading dims, k = the normalised dims */
static void ln_gather(tvm_graph *g, const void *ctx, const tvm_expr *s, const tvm_expr *k,
                      tvm_expr *idx) {
    (void)g;
    const ln_ctx *c = ctx;
    for (int d = 0; d < c->ndim; d++) idx[d] = d < c->axis ? s[d] : k[d - c->axis];
}

TVMC_API tvm_tensor tvm_op_layer_norm(tvm_graph *g, tvm_tensor x, tvm_tensor gamma,
                                      tvm_tensor beta, int axis, double epsilon) {
    const char *fn = "tvm_op_layer_norm";
    op_arg X, G, B;
    int ax;
    if (!op_tensor(g, fn, "x", x, &X) || !op_optional(g, fn, "gamma", gamma, &G) ||
        !op_optional(g, fn, "beta", beta, &B) ||
        !op_check_dtype(g, fn, "x", X.dtype, OP_DT_FLOAT) ||
        !op_axis(g, fn, axis, X.shape.ndim, &ax) || !check_epsilon(g, fn, epsilon))
        return NULL_TENSOR;
    int nd = X.shape.ndim;
    op_shape inner = {.ndim = nd - ax}, outer = {.ndim = ax};
    for (int d = 0; d < nd; d++) {
        if (d < ax) outer.dims[d] = X.shape.dims[d];
        else inner.dims[d - ax] = X.shape.dims[d];
    }
    if (!check_param(g, fn, "gamma", &G, &X, &inner, "the normalised shape x[axis:]") ||
        !check_param(g, fn, "beta", &B, &X, &inner, "the normalised shape x[axis:]"))
        return NULL_TENSOR;
    tvm_dtype cdt = (tvm_dtype)dtype_compute(X.dtype);
    tvm_expr count = tvm_cast(g, cdt, op_numel(g, &X.shape, ax, nd));
    ln_ctx c = {ax, nd};
    tvm_tensor s1, s2;
    moments(g, "layer_norm", &X, &outer, inner.ndim, inner.dims, ln_gather, &c, count, &s1,
            &s2);

    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    tvm_expr y = normalise(g, cdt, cload(g, &X, it), tvm_load(g, s1, it), tvm_load(g, s2, it),
                           count, epsilon);
    y = affine(g, y, &G, &inner, it + ax, false);
    y = affine(g, y, &B, &inner, it + ax, true);
    return op_result(g, tvm_compute(g, "layer_norm", nd, X.shape.dims, it,
                                    tvm_cast(g, X.dtype, y)));
}

/* ---- batch_norm ----------------------------------------------------------------- */

/* x must be (N, C, ...): rank >= 2. */
static bool check_nc(tvm_graph *g, const char *fn, const op_arg *X) {
    if (X->shape.ndim >= 2) return true;
    graph_fail(g, TVM_ERR_SHAPE, "%s: argument 'x' has rank %d; it must be (N, C, ...) with "
               "rank >= 2", fn, X->shape.ndim);
    return false;
}

/* A per-channel parameter: x's dtype and shape [C]. */
static bool check_channel_param(tvm_graph *g, const char *fn, const char *name,
                                const op_arg *P, const op_arg *X) {
    if (P->t.id == 0) return true;
    if (!op_same_dtype(g, fn, "x", X, name, P)) return false;
    if (P->shape.ndim != 1 || !op_dim_equal(P->shape.dims[0], X->shape.dims[1])) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: argument '%s' must have shape [C], C being dim 1 of "
                   "x (rank %d given%s)", fn, name, P->shape.ndim,
                   P->shape.ndim == 1 ? ", with another size" : "");
        return false;
    }
    return true;
}

TVMC_API tvm_tensor tvm_op_batch_norm(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                      tvm_tensor bias, tvm_tensor mean, tvm_tensor var,
                                      double epsilon) {
    const char *fn = "tvm_op_batch_norm";
    op_arg X, S, B, M, V;
    if (!op_tensor(g, fn, "x", x, &X) || !op_tensor(g, fn, "scale", scale, &S) ||
        !op_tensor(g, fn, "bias", bias, &B) || !op_tensor(g, fn, "mean", mean, &M) ||
        !op_tensor(g, fn, "var", var, &V) ||
        !op_check_dtype(g, fn, "x", X.dtype, OP_DT_FLOAT) || !check_nc(g, fn, &X) ||
        !check_channel_param(g, fn, "scale", &S, &X) ||
        !check_channel_param(g, fn, "bias", &B, &X) ||
        !check_channel_param(g, fn, "mean", &M, &X) ||
        !check_channel_param(g, fn, "var", &V, &X) || !check_epsilon(g, fn, epsilon))
        return NULL_TENSOR;
    int nd = X.shape.ndim;
    tvm_dtype cdt = (tvm_dtype)dtype_compute(X.dtype);
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    tvm_expr c = it[1];
    tvm_expr y = tvm_div(g, tvm_sub(g, cload(g, &X, it), cload(g, &M, &c)),
                         tvm_sqrt(g, tvm_add(g, cload(g, &V, &c),
                                             tvm_const_float(g, cdt, epsilon))));
    y = tvm_add(g, tvm_mul(g, y, cload(g, &S, &c)), cload(g, &B, &c));
    return op_result(g, tvm_compute(g, "batch_norm", nd, X.shape.dims, it,
                                    tvm_cast(g, X.dtype, y)));
}

/* ---- group_norm ----------------------------------------------------------------- */

typedef struct { int ndim; tvm_expr cg; } gn_ctx;

/* statistic element s = (n, group); k = (channel in group, spatial dims...) */
static void gn_gather(tvm_graph *g, const void *ctx, const tvm_expr *s, const tvm_expr *k,
                      tvm_expr *idx) {
    const gn_ctx *c = ctx;
    idx[0] = s[0];
    idx[1] = tvm_add(g, tvm_mul(g, s[1], c->cg), k[0]);
    for (int d = 2; d < c->ndim; d++) idx[d] = k[d - 1];
}

TVMC_API tvm_tensor tvm_op_group_norm(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                      tvm_tensor bias, int groups, double epsilon) {
    const char *fn = "tvm_op_group_norm";
    op_arg X, S, B;
    if (!op_tensor(g, fn, "x", x, &X) || !op_optional(g, fn, "scale", scale, &S) ||
        !op_optional(g, fn, "bias", bias, &B) ||
        !op_check_dtype(g, fn, "x", X.dtype, OP_DT_FLOAT) || !check_nc(g, fn, &X) ||
        !check_channel_param(g, fn, "scale", &S, &X) ||
        !check_channel_param(g, fn, "bias", &B, &X) || !check_epsilon(g, fn, epsilon))
        return NULL_TENSOR;
    int64_t C;
    if (!op_const_value(g, X.shape.dims[1], &C)) {
        /* groups must divide C, which cannot be proven for a size variable */
        graph_fail(g, TVM_ERR_SHAPE, "%s: the channel dim (dim 1) of argument 'x' must be a "
                   "constant so that 'groups' can be checked to divide it", fn);
        return NULL_TENSOR;
    }
    if (groups < 1 || C % groups != 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: argument 'groups' (%d) must be >= 1 and "
                   "divide the %lld channels of x", fn, groups, (long long)C);
        return NULL_TENSOR;
    }
    int nd = X.shape.ndim;
    tvm_dtype cdt = (tvm_dtype)dtype_compute(X.dtype);
    gn_ctx c = {nd, op_i64(g, C / groups)};
    op_shape st = {.ndim = 2, .dims = {X.shape.dims[0], op_i64(g, groups)}};
    tvm_expr extents[TVM_MAX_NDIM];
    extents[0] = c.cg;
    for (int d = 2; d < nd; d++) extents[d - 1] = X.shape.dims[d];
    op_shape group = {.ndim = nd - 1};
    for (int j = 0; j < nd - 1; j++) group.dims[j] = extents[j];
    tvm_expr count = tvm_cast(g, cdt, op_numel(g, &group, 0, group.ndim));
    tvm_tensor s1, s2;
    moments(g, "group_norm", &X, &st, nd - 1, extents, gn_gather, &c, count, &s1, &s2);

    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, nd, it);
    tvm_expr si[2] = {it[0], tvm_floordiv(g, it[1], c.cg)};
    tvm_expr y = normalise(g, cdt, cload(g, &X, it), tvm_load(g, s1, si), tvm_load(g, s2, si),
                           count, epsilon);
    op_shape cs = {.ndim = 1, .dims = {X.shape.dims[1]}};
    y = affine(g, y, &S, &cs, it + 1, false);
    y = affine(g, y, &B, &cs, it + 1, true);
    return op_result(g, tvm_compute(g, "group_norm", nd, X.shape.dims, it,
                                    tvm_cast(g, X.dtype, y)));
}
