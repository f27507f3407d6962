/* linalg.c — matrix products of the operator library: tvm_op_matmul (numpy
 * matmul) and tvm_op_dense (x · wᵀ + bias). Each is one compute whose body
 * is a sum over the contracted axis, so the fusion pass can hang epilogues
 * (activation, residual add) on it like on any hand-written compute. A
 * constant B (weights) is read through a copy packed into column panels,
 * made once at compile time (see packed_b). */
#include <stdlib.h>

#include "op_util.h"
#include "window.h" /* op_mul_const */

/* Fails unless the contracted dims are provably equal. */
static bool same_k(tvm_graph *g, const char *fn, tvm_expr ka, const char *an, tvm_expr kb,
                   const char *bn) {
    if (op_dim_equal(ka, kb)) return true;
    int64_t va, vb;
    if (op_const_value(g, ka, &va) && op_const_value(g, kb, &vb))
        graph_fail(g, TVM_ERR_SHAPE, "%s: contracted dims differ: %lld in '%s' and %lld in "
                   "'%s'", fn, (long long)va, an, (long long)vb, bn);
    else
        graph_fail(g, TVM_ERR_SHAPE, "%s: contracted dims of '%s' and '%s' are not provably "
                   "equal (symbolic dims must be the same size variable)", fn, an, bn);
    return false;
}

/* Columns per packed weight panel: the widest column panel schedule_contraction
 * blocks (MAX_NR there: 4 AVX-512 vectors of float32). Narrower panels (AVX2's
 * 16 columns, float64's 32) divide it, so every full panel of any target is a
 * contiguous K x NR slice of one packed panel. */
#define MM_PANEL 64

/* (op_util.h) */
bool op_const_only(const tvm_graph *g, uint32_t t) {
    enum { MAX_T = 256, MAX_E = 65536 };
    uint32_t tstack[MAX_T], nt = 0, *es = malloc(MAX_E * sizeof *es);
    uint8_t *seen = calloc(g->ntensors, 1);
    bool ok = es && seen;
    uint32_t visits = 0;
    if (ok) tstack[nt++] = t, seen[t] = 1;
    while (ok && nt) {
        const gt_node *x = &g->tensors[tstack[--nt]];
        if (x->kind == GT_PLACEHOLDER) ok = false;
        if (!ok || x->kind != GT_COMPUTE) continue;
        uint32_t ne = 0;
        es[ne++] = x->body;
        for (uint16_t d = 0; d < x->ndim && ne < MAX_E; d++) es[ne++] = g->pool[x->shape + d];
        while (ok && ne) {
            uint32_t e = es[--ne];
            if (!e) continue;
            if (++visits > MAX_E) { ok = false; break; }
            const gx_node *n = &g->exprs[e];
            if (n->kind == GX_SIZE_VAR) ok = false;
            if (n->kind == GX_LOAD && !seen[n->a]) {
                if (nt == MAX_T) { ok = false; break; }
                seen[n->a] = 1;
                tstack[nt++] = n->a;
            }
            uint32_t kids[3] = {n->kind == GX_LOAD ? 0 : n->a, n->b, n->c};
            for (int k = 0; k < 3; k++)
                if (kids[k]) {
                    if (ne == MAX_E) { ok = false; break; }
                    es[ne++] = kids[k];
                }
            for (uint32_t k = 0; k < n->nlist && ok; k++) {
                if (ne == MAX_E) { ok = false; break; }
                es[ne++] = g->pool[n->list + k];
            }
        }
    }
    free(es);
    free(seen);
    return ok;
}

/* The load of B's element (k, j) for a contraction whose B (2-D, [K, N], or
 * [N, K] when transposed) is a compile-time constant: read through
 * bp[j / MM_PANEL, k, j % MM_PANEL] (0 past column N), a compute over B that
 * fold_constants evaluates once. schedule_contraction recognises that
 * layout and reads its panels in place instead of copying B's panel into a
 * workspace on every call (as ONNX Runtime packs its weights once at
 * session creation). Only float products (the schedule's) with N >= one
 * panel (a narrower B would mostly be padding) and rows (`rows`, the
 * extent of the row loop next to j) not known to be fewer than
 * MM_PACK_MIN_ROWS: the schedule copies no panel for so few rows anyway,
 * and reads a plain W[j, k] as rows of dot products (matrix-vector: the
 * 1000-class layers of ResNet-18 and MobileNetV2). Anything else, or a B
 * that is not constant, is read as given (0 returned). */
#define MM_PACK_MIN_ROWS 24 /* schedule_contraction's PACK_MIN_ROWS */

static tvm_expr packed_b(tvm_graph *g, tvm_tensor b, const op_arg *B, int b_k, int b_n,
                         tvm_expr rows, tvm_expr j, tvm_expr k) {
    int64_t N, K, M;
    if (!rows.id || (op_const_value(g, rows, &M) && M < MM_PACK_MIN_ROWS)) return (tvm_expr){0};
    if ((B->dtype != TVM_FLOAT32 && B->dtype != TVM_FLOAT64) || B->shape.ndim != 2 ||
        !op_const_value(g, B->shape.dims[b_n], &N) || !op_const_value(g, B->shape.dims[b_k], &K) ||
        N < MM_PANEL || K < 1 || !op_const_only(g, graph_tensor_index(g, b)))
        return (tvm_expr){0};
    tvm_expr it[3], shape[3] = {op_i64(g, (N + MM_PANEL - 1) / MM_PANEL), op_i64(g, K),
                                 op_i64(g, MM_PANEL)};
    op_iters(g, 3, it);
    tvm_expr col = tvm_add(g, op_mul_const(g, it[0], MM_PANEL), it[2]), bi[2];
    bi[b_k] = it[1];
    bi[b_n] = col;
    tvm_expr v = tvm_load(g, b, bi);
    if (N % MM_PANEL)
        v = tvm_select(g, tvm_lt(g, col, op_i64(g, N)), v, tvm_const_int(g, B->dtype, 0));
    tvm_tensor bp = tvm_compute(g, "matmul_bpack", 3, shape, it, v);
    tvm_expr blk = op_i64(g, MM_PANEL);
    tvm_expr pi[3] = {tvm_floordiv(g, j, blk), k, tvm_floormod(g, j, blk)};
    return tvm_load(g, bp, pi);
}

TVMC_API tvm_tensor tvm_op_matmul(tvm_graph *g, tvm_tensor a, tvm_tensor b, int transpose_a,
                                  int transpose_b) {
    static const char fn[] = "tvm_op_matmul";
    op_arg A, B;
    if (!op_tensor(g, fn, "a", a, &A) || !op_tensor(g, fn, "b", b, &B)) return (tvm_tensor){0};
    if (A.shape.ndim < 1 || B.shape.ndim < 1) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: '%s' is 0-d; matmul needs at least one dim", fn,
                   A.shape.ndim < 1 ? "a" : "b");
        return (tvm_tensor){0};
    }
    if (!op_same_numeric(g, fn, &A, "a", &B, "b")) return (tvm_tensor){0};

    /* numpy promotes a 1-D a to [1, K] and a 1-D b to [K, 1] and drops the
     * added dim from the result; a transpose flag means nothing for them. */
    bool a1 = A.shape.ndim == 1, b1 = B.shape.ndim == 1;
    int an = A.shape.ndim, bn = B.shape.ndim;
    bool ta = transpose_a && !a1, tb = transpose_b && !b1;
    /* positions (in each operand's own dims) of the row/col/contracted dims */
    int a_m = a1 ? -1 : (ta ? an - 1 : an - 2), a_k = a1 ? 0 : (ta ? an - 2 : an - 1);
    int b_k = b1 ? 0 : (tb ? bn - 1 : bn - 2), b_n = b1 ? -1 : (tb ? bn - 2 : bn - 1);
    if (!same_k(g, fn, A.shape.dims[a_k], "a", B.shape.dims[b_k], "b")) return (tvm_tensor){0};

    op_shape ba = {.ndim = a1 ? 0 : an - 2}, bb = {.ndim = b1 ? 0 : bn - 2}, batch;
    for (int k = 0; k < ba.ndim; k++) ba.dims[k] = A.shape.dims[k];
    for (int k = 0; k < bb.ndim; k++) bb.dims[k] = B.shape.dims[k];
    if (!op_broadcast_shapes(g, fn, &ba, &bb, &batch)) return (tvm_tensor){0};

    op_shape out = batch;
    if (!a1) out.dims[out.ndim++] = A.shape.dims[a_m];
    if (!b1) out.dims[out.ndim++] = B.shape.dims[b_n];
    tvm_expr it[TVM_MAX_NDIM];
    op_iters(g, out.ndim, it);

    tvm_expr k = tvm_reduce_axis(g, "k", A.shape.dims[a_k]);
    tvm_expr ia[TVM_MAX_NDIM], ib[TVM_MAX_NDIM];
    op_broadcast_index(g, &ba, &batch, it, ia);
    op_broadcast_index(g, &bb, &batch, it, ib);
    int row = batch.ndim; /* result index of m (or n when a is 1-D) */
    if (!a1) ia[a_m] = it[row];
    ia[a_k] = k;
    if (!b1) ib[b_n] = it[a1 ? row : row + 1];
    ib[b_k] = k;
    /* rows next to j: a's m (a 1-D a has none: a matrix-vector product) */
    tvm_expr rows = a1 ? (tvm_expr){0} : A.shape.dims[a_m];
    tvm_expr bv = b1 ? (tvm_expr){0} : packed_b(g, b, &B, b_k, b_n, rows, ib[b_n], k);
    if (!bv.id) bv = tvm_load(g, b, ib);
    tvm_expr body = tvm_mul(g, tvm_load(g, a, ia), bv);
    body = tvm_sum(g, body, 1, &k);
    return op_result(g, tvm_compute(g, "matmul", out.ndim, out.dims, it, body));
}

TVMC_API tvm_tensor tvm_op_dense(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias) {
    static const char fn[] = "tvm_op_dense";
    op_arg X, W, Bs;
    if (!op_tensor(g, fn, "x", x, &X) || !op_tensor(g, fn, "w", w, &W) ||
        !op_optional(g, fn, "bias", bias, &Bs))
        return (tvm_tensor){0};
    if (X.shape.ndim < 1) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'x' is 0-d; it needs a last dim K", fn);
        return (tvm_tensor){0};
    }
    if (W.shape.ndim != 2) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: 'w' has %d dims; it must be 2-D [N, K]", fn,
                   W.shape.ndim);
        return (tvm_tensor){0};
    }
    if (!op_same_numeric(g, fn, &X, "x", &W, "w")) return (tvm_tensor){0};
    int xn = X.shape.ndim;
    if (!same_k(g, fn, X.shape.dims[xn - 1], "x", W.shape.dims[1], "w")) return (tvm_tensor){0};
    if (Bs.t.id) {
        if (!op_same_numeric(g, fn, &X, "x", &Bs, "bias")) return (tvm_tensor){0};
        if (Bs.shape.ndim != 1 || !op_dim_equal(Bs.shape.dims[0], W.shape.dims[0])) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: 'bias' must be 1-D with w's dim 0 (N) elements",
                       fn);
            return (tvm_tensor){0};
        }
    }

    op_shape out = X.shape;
    out.dims[xn - 1] = W.shape.dims[0];
    tvm_expr it[TVM_MAX_NDIM], ix[TVM_MAX_NDIM];
    op_iters(g, xn, it);
    tvm_expr k = tvm_reduce_axis(g, "k", X.shape.dims[xn - 1]);
    for (int d = 0; d < xn - 1; d++) ix[d] = it[d];
    ix[xn - 1] = k;
    tvm_expr iw[2] = {it[xn - 1], k};
    tvm_expr rows = xn >= 2 ? X.shape.dims[xn - 2] : (tvm_expr){0};
    tvm_expr wv = packed_b(g, w, &W, 1, 0, rows, it[xn - 1], k);
    if (!wv.id) wv = tvm_load(g, w, iw);
    tvm_expr body = tvm_sum(g, tvm_mul(g, tvm_load(g, x, ix), wv), 1, &k);
    /* the bias joins the same compute: one op, one compute */
    if (Bs.t.id) body = tvm_add(g, body, tvm_load(g, bias, &it[xn - 1]));
    return op_result(g, tvm_compute(g, "dense", xn, out.dims, it, body));
}
