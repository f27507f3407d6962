/* topk.c — tvm_op_topk (ONNX TopK's indices; the values are a gather).
 *
 * The order. Position a of a row comes before position b when x[a] is
 * better (larger, or smaller) or equal with a < b (ONNX's tie rule); NaN is
 * ordered above every number (so a NaN is "largest" and never among the
 * smallest) and NaNs are equal to each other. That is a strict total order
 * on the positions of a row, so "the k first positions" is well defined.
 *
 * A long row (a constant dim on axis): a merge sort written as computes. A compute
 * cannot loop over its own output, but it can gather, so every pass of the
 * sort is one compute that reads the previous one:
 *   runs of width w: the row cut into blocks of w consecutive positions,
 *                    each block's positions in order, cut after k (a run
 *                    holds min(w, k) entries; the last block may be short);
 *   w = 1:           the positions themselves (no tensor);
 *   w -> 2w:         entry t of a merged run is found the way a parallel
 *                    merge finds it ("merge path"): the number of entries
 *                    among the first t that come from the left run is a
 *                    binary search over the diagonal t (a fixed number of
 *                    select steps, log2 of the run length), then one more
 *                    comparison picks the left or the right entry.
 * ceil(log2 n) passes with O(min(w, k)) entries per block and O(log
 * min(w, k)) steps per entry: O(n log^2 k) per row in all, and the run
 * tensors shrink once the runs are longer than k. The last pass (one run,
 * k entries) is the result. Entries past a short run's end hold position 0,
 * so every stored entry is a valid position; run and x loads clamp their
 * index so the bounds pass proves them.
 *
 * The passes cost compile time (about 0.4 s for a row of 100 and 1 s for a
 * row of 8000, mostly LLVM's on the long select chains), so rows up to
 * TOPK_MERGE_MIN positions keep the quadratic ranking below, which compiles
 * as one small kernel and costs little at that size. A symbolic dim on
 * axis leaves the number of passes unknown when the graph is built, so it
 * ranks too:
 *   rank[..., i, ...]  = how many positions of i's row come before i; the
 *                        ranks of a row are a permutation of 0 .. n-1;
 *   topk[..., j, ...]  = the position whose rank is j (a sum over the row
 *                        that meets exactly one match), for j < k.
 * The dim may then turn out smaller than k at call time: no rank matches j
 * and the sum stays -1. The result re-reads the rank at the position found,
 * which adds 0 to a valid position and is a read outside `rank`
 * (TVM_ERR_OUT_OF_BOUNDS) for the -1. */
#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

/* Rows longer than this are merge-sorted; shorter ones ranked. */
#define TOPK_MERGE_MIN 256

typedef struct topk_ctx {
    tvm_graph *g;
    tvm_tensor x;
    int ndim, ax, largest;
    bool is_float;
    tvm_expr n;      /* the dim on axis */
    int64_t k;
} topk_ctx;

static tvm_expr is_nan(tvm_graph *g, tvm_expr v) { return tvm_ne(g, v, v); }

/* Whether position pa (value va) comes before position pb (value vb). */
static tvm_expr before(const topk_ctx *c, tvm_expr va, tvm_expr pa, tvm_expr vb, tvm_expr pb) {
    tvm_graph *g = c->g;
    tvm_expr better = c->largest ? tvm_gt(g, va, vb) : tvm_lt(g, va, vb);
    tvm_expr tie = tvm_eq(g, va, vb);
    if (c->is_float) {
        tvm_expr na = is_nan(g, va), nb = is_nan(g, vb);
        /* NaN above every number: first when largest, last when smallest */
        tvm_expr nan_first = c->largest ? tvm_and(g, na, tvm_not(g, nb))
                                        : tvm_and(g, nb, tvm_not(g, na));
        better = tvm_or(g, better, nan_first);
        tie = tvm_or(g, tie, tvm_and(g, na, nb));
    }
    return tvm_or(g, better, tvm_and(g, tie, tvm_lt(g, pa, pb)));
}

/* x in the row of `it` at position p on axis. */
static tvm_expr x_at(const topk_ctx *c, const tvm_expr *it, tvm_expr p) {
    tvm_expr idx[TVM_MAX_NDIM];
    for (int d = 0; d < c->ndim; d++) idx[d] = d == c->ax ? p : it[d];
    return tvm_load(c->g, c->x, idx);
}

/* ---- long rows: merge passes -------------------------------------------- */

/* Sorted runs of width w, `len` = min(w, k) entries each, `count` runs. */
typedef struct runs {
    tvm_tensor t; /* 0 for w = 1: entry q is position q */
    int64_t w, len, count;
} runs;

static tvm_expr clamp(tvm_graph *g, tvm_expr v, int64_t lo, int64_t hi) {
    return tvm_min(g, tvm_max(g, v, op_i64(g, lo)), op_i64(g, hi));
}

/* The position stored at flat entry q of s (q clamped into s, so a read
 * that the caller discards never leaves it). */
static tvm_expr run_at(const topk_ctx *c, const runs *s, const tvm_expr *it, tvm_expr q) {
    tvm_graph *g = c->g;
    q = clamp(g, q, 0, s->count * s->len - 1);
    if (!s->t.id) return q;
    tvm_expr idx[TVM_MAX_NDIM];
    for (int d = 0; d < c->ndim; d++) idx[d] = d == c->ax ? q : it[d];
    return tvm_load(g, s->t, idx);
}

/* Merges the runs of s pairwise: runs of width 2w, cut after k. */
static runs merge(const topk_ctx *c, const runs *s, int64_t nv, const op_shape *shape,
                  const char *name) {
    tvm_graph *g = c->g;
    runs m = {.w = 2 * s->w};
    m.len = m.w < c->k ? m.w : c->k;
    m.count = (nv + m.w - 1) / m.w;
    op_shape out = *shape;
    out.dims[c->ax] = op_i64(g, m.count * m.len);
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, c->ndim, it);
    tvm_expr q = it[c->ax], L = op_i64(g, m.len), zero = op_i64(g, 0), one = op_i64(g, 1);
    tvm_expr r = tvm_div(g, q, L), t = tvm_mod(g, q, L);
    /* left run: entries a0 .. a0+la of s, right run: b0 .. b0+lb */
    tvm_expr first = tvm_mul(g, r, op_i64(g, 2 * s->w)); /* the left run's first position */
    tvm_expr a0 = tvm_mul(g, r, op_i64(g, 2 * s->len)), b0 = tvm_add(g, a0, op_i64(g, s->len));
    tvm_expr left = tvm_sub(g, op_i64(g, nv), first); /* positions from `first` on */
    tvm_expr la = tvm_min(g, left, op_i64(g, s->len));
    tvm_expr lb = clamp(g, tvm_sub(g, left, op_i64(g, s->w)), 0, s->len);
    /* i = how many of the first t merged entries come from the left run:
     * P(j) = left[j] before right[t-1-j] holds for j < i and fails after,
     * over j in [lo, hi); binary lifting finds i with steps summing to at
     * least len >= hi - lo */
    tvm_expr lo = tvm_max(g, zero, tvm_sub(g, t, lb)), hi = tvm_min(g, t, la);
    tvm_expr i = lo;
    int64_t step = 1;
    while (step * 2 <= s->len) step *= 2;
    for (; step >= 1; step /= 2) {
        tvm_expr j = tvm_add(g, i, op_i64(g, step - 1));
        tvm_expr pa = run_at(c, s, it, tvm_add(g, a0, j));
        tvm_expr pb = run_at(c, s, it, tvm_add(g, b0, tvm_sub(g, tvm_sub(g, t, j), one)));
        tvm_expr ok = tvm_and(g, tvm_lt(g, j, hi),
                              before(c, x_at(c, it, clamp(g, pa, 0, nv - 1)), pa,
                                     x_at(c, it, clamp(g, pb, 0, nv - 1)), pb));
        /* i + step * ok rather than select(ok, i + step, i): i then appears
         * once more per step instead of twice, and passes that walk the
         * expression as a tree stay at 2^steps nodes */
        i = tvm_add(g, i, tvm_mul(g, tvm_cast(g, TVM_INT64, ok), op_i64(g, step)));
    }
    tvm_expr pa = run_at(c, s, it, tvm_add(g, a0, i));
    tvm_expr pb = run_at(c, s, it, tvm_add(g, b0, tvm_sub(g, t, i)));
    tvm_expr take_a = tvm_and(g, tvm_lt(g, i, la),
                              tvm_or(g, tvm_ge(g, tvm_sub(g, t, i), lb),
                                     before(c, x_at(c, it, clamp(g, pa, 0, nv - 1)), pa,
                                            x_at(c, it, clamp(g, pb, 0, nv - 1)), pb)));
    tvm_expr pos = tvm_select(g, take_a, pa, pb);
    pos = tvm_select(g, tvm_lt(g, t, tvm_add(g, la, lb)), pos, zero);
    m.t = tvm_compute(g, name, c->ndim, out.dims, it, pos);
    return m;
}

static tvm_tensor topk_merge(const topk_ctx *c, const op_shape *shape, int64_t nv) {
    tvm_graph *g = c->g;
    if (c->k == 0 || nv <= 1) {
        /* nothing to order: positions 0 .. k-1 (k <= 1 here unless k == 0) */
        op_shape out = *shape;
        out.dims[c->ax] = op_i64(g, c->k);
        tvm_expr it[TVM_MAX_NDIM];
        op_iters(g, c->ndim, it);
        return tvm_compute(g, "topk", c->ndim, out.dims, it, it[c->ax]);
    }
    runs s = {.w = 1, .len = 1, .count = nv};
    while (s.w < nv && g->status == TVM_OK)
        s = merge(c, &s, nv, shape, s.w * 2 >= nv ? "topk" : "topk_runs");
    return s.t;
}

/* ---- short or symbolic rows: ranking ------------------------------------------------ */

static tvm_tensor topk_rank(const topk_ctx *c, const op_shape *shape) {
    tvm_graph *g = c->g;
    int r = c->ndim, ax = c->ax;
    /* rank[i] = #{m : x[m] comes before x[i]} */
    tvm_expr it[TVM_MAX_NDIM], xm[TVM_MAX_NDIM];
    op_iters(g, r, it);
    tvm_expr m = tvm_reduce_axis(g, "m", c->n);
    for (int d = 0; d < r; d++) xm[d] = d == ax ? m : it[d];
    tvm_expr count = tvm_sum(g, tvm_cast(g, TVM_INT64,
                                         before(c, tvm_load(g, c->x, xm), m,
                                                tvm_load(g, c->x, it), it[ax])),
                             1, &m);
    tvm_tensor rank = tvm_compute(g, "topk_rank", r, shape->dims, it, count);
    if (g->status != TVM_OK) return NULL_TENSOR;

    /* topk[j] = the i with rank[i] == j */
    op_shape out = *shape;
    out.dims[ax] = op_i64(g, c->k);
    tvm_expr jt[TVM_MAX_NDIM], ri[TVM_MAX_NDIM];
    op_iters(g, r, jt);
    tvm_expr i = tvm_reduce_axis(g, "i", c->n);
    for (int d = 0; d < r; d++) ri[d] = d == ax ? i : jt[d];
    tvm_expr hit = tvm_eq(g, tvm_load(g, rank, ri), jt[ax]);
    tvm_expr pos = tvm_sub(g, tvm_sum(g, tvm_select(g, hit, tvm_add(g, i, op_i64(g, 1)),
                                                    op_i64(g, 0)), 1, &i),
                           op_i64(g, 1));
    int64_t nv;
    if (!op_const_value(g, c->n, &nv)) {
        ri[ax] = pos;
        pos = tvm_add(g, pos, tvm_sub(g, tvm_load(g, rank, ri), jt[ax]));
    }
    return tvm_compute(g, "topk", r, out.dims, jt, pos);
}

TVMC_API tvm_tensor tvm_op_topk(tvm_graph *g, tvm_tensor x, int64_t k, int axis, int largest) {
    static const char fn[] = "tvm_op_topk";
    op_arg a;
    if (!op_tensor(g, fn, "x", x, &a)) return NULL_TENSOR;
    if (!op_check_dtype(g, fn, "x", a.dtype, OP_DT_NUM)) return NULL_TENSOR;
    int ax;
    if (!op_axis(g, fn, axis, a.shape.ndim, &ax)) return NULL_TENSOR;
    tvm_expr n = a.shape.dims[ax];
    int64_t nv = -1;
    bool const_n = op_const_value(g, n, &nv);
    if (k < 0 || (const_n && k > nv)) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: k is %lld; it must be in [0, %lld] (the "
                   "dim of x on axis %d)", fn, (long long)k, (long long)(const_n ? nv : 0), ax);
        return NULL_TENSOR;
    }
    topk_ctx c = {.g = g, .x = a.t, .ndim = a.shape.ndim, .ax = ax, .largest = largest != 0,
                  .is_float = dtype_is_float(a.dtype), .n = n, .k = k};
    tvm_tensor t = const_n && nv > TOPK_MERGE_MIN ? topk_merge(&c, &a.shape, nv)
                                                  : topk_rank(&c, &a.shape);
    return op_result(g, t);
}
