/* conv_winograd.c — 3x3 stride-1 convolution by Winograd's minimal filtering
 * F(m x m, 3 x 3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016), for constant weights.
 *
 * The output is cut into m x m tiles; tile (th, tw) needs the alpha x alpha
 * (alpha = m + 2) input patch d at rows th*m.., columns tw*m.. of the
 * zero-padded input. With the transform matrices Bt (alpha x alpha), G
 * (alpha x 3) and At (m x alpha):
 *
 *   Y_tile = At [ sum_c (G g_oc G^T) .* (Bt d_c B) ] A
 *
 * so the 9*C multiply-adds per output of direct summation become C per
 * alpha*alpha / (m*m) outputs: 2.25 C for m = 4, 4 C for m = 2, plus the
 * transforms, whose cost does not grow with C. Six computes:
 *
 *   U [xi, eta, o, c]      = G g[o, c] G^T            (constant: folded once)
 *   V1[n, c, xi, th, x]    = sum_k Bt[xi, k] d[th*m + k, x]        (rows)
 *   V [n, c, xi, eta, t]   = sum_l Bt[eta, l] V1[n, c, xi, th, tw*m + l]
 *   M [xi, eta, n, o, t]   = sum_c U[xi, eta, o, c] V[n, c, xi, eta, t]
 *   Z [n, o, r, eta, t]    = sum_xi At[r, xi] M[xi, eta, n, o, t]   (rows)
 *   Y [n, o, h, w]         = sum_eta At[w % m, eta] Z[n, o, h % m, eta, t(h, w)]
 *
 * The transforms keep the channel outermost (after n), so their parallel
 * loop runs over the 64..512 channels, not over the alpha or m transform
 * rows: 6 or 4 rows leave the thread pool no room to balance, and each
 * thread streams the whole input (or M) once per row, where a channel's
 * working set (its padded input plane, its 36 x T slice of M) stays in the
 * core's cache across the transform rows.
 * Only the GEMM, whose batch is (xi, eta), keeps the rows outermost; it
 * packs its column operand V anyway, so V's channel stride costs nothing
 * there. With the channel outermost, fusion also moves the zero padding of
 * the input into V1's per-channel loop.
 *
 * (t = th*TW + tw is the tile; Y crops the tiles to the output.) M is one
 * batched matrix product per (xi, eta, n): rows o, columns t, contracted c,
 * the nest schedule_contraction register-blocks; U is its row operand, read
 * as given (rows are broadcast, never packed). Each transform applies its
 * matrix along one direction and reads its operand along the tile or column
 * index, so the vectorised loop reads contiguous memory except where the
 * tile index has to be split (V's columns, Y's). The transform coefficients
 * depend on an index of the compute (xi, r, w % m), so they are loads from
 * small constant tables, not literals: a compute has one body for all its
 * elements. Every stage is a reduction read through other indices than its
 * own loops, so fusion stores each (the GEMM's operand V must not be
 * recomputed per output channel), and Y, the last, takes the epilogue that
 * follows the convolution (bias, batch norm, residual add, ReLU).
 *
 * Accuracy: U, V and the products are formed in float32; the transforms'
 * coefficients (up to 8 in At, 5 in Bt for m = 4) grow the rounding error
 * by a bounded factor over direct summation (see test_winograd.c). U is
 * computed in float64 from the float32 weights and rounded once. */
#include <stdio.h>

#include "conv_winograd.h"
#include "window.h"

/* Transform matrices, row-major, for m = 2 (alpha 4) and m = 4 (alpha 6),
 * with the interpolation points 0, +-1 (m = 2) and 0, +-1, +-2 (m = 4). */
static const double BT2[4 * 4] = {
    1, 0, -1, 0,
    0, 1, 1, 0,
    0, -1, 1, 0,
    0, 1, 0, -1,
};
static const double G2[4 * 3] = {
    1, 0, 0,
    0.5, 0.5, 0.5,
    0.5, -0.5, 0.5,
    0, 0, 1,
};
static const double AT2[2 * 4] = {
    1, 1, 1, 0,
    0, 1, -1, -1,
};
static const double BT4[6 * 6] = {
    4, 0, -5, 0, 1, 0,
    0, -4, -4, 1, 1, 0,
    0, 4, -4, -1, 1, 0,
    0, -2, -1, 2, 1, 0,
    0, 2, -1, -2, 1, 0,
    0, 4, 0, -5, 0, 1,
};
static const double G4[6 * 3] = {
    1.0 / 4, 0, 0,
    -1.0 / 6, -1.0 / 6, -1.0 / 6,
    -1.0 / 6, 1.0 / 6, -1.0 / 6,
    1.0 / 24, 1.0 / 12, 1.0 / 6,
    1.0 / 24, -1.0 / 12, 1.0 / 6,
    0, 0, 1,
};
static const double AT4[4 * 6] = {
    1, 1, 1, 1, 1, 0,
    0, 1, -1, 2, -2, 0,
    0, 1, 1, 4, 4, 0,
    0, 1, -1, 8, -8, 1,
};

/* Automatic selection: both channel counts at least this. Below it the
 * transforms, whose cost per output does not shrink with C, outweigh the
 * GEMM's savings (measured: bench_perf's wino rows). */
#define WINO_MIN_CHANNELS 64
/* and at least this many 4x4 tiles per image (14x14 outputs: 16) */
#define WINO_MIN_TILES 16

bool op_winograd_const_weights(const tvm_graph *g, tvm_tensor w) {
    return graph_tensor_is_constant(g, graph_tensor_index(g, w));
}

int op_winograd_tile(const wino_conv *c, int algo) {
    if (algo == TVM_CONV_ALGO_DIRECT) return 0;
    if (algo == TVM_CONV_ALGO_WINOGRAD) return c->OH >= 4 && c->OW >= 4 ? 4 : 2;
    /* automatic: measured against the direct schedule (bench_perf, ResNet-18
     * layers): see WINO_MIN_CHANNELS */
    if (c->C < WINO_MIN_CHANNELS || c->O < WINO_MIN_CHANNELS) return 0;
    /* the tiles are the product's columns: too few of them and the product
     * runs on short vectors while streaming 4x the weights */
    if (((c->OH + 3) / 4) * ((c->OW + 3) / 4) < WINO_MIN_TILES) return 0;
    return 4;
}

/* A constant table of the matrix `m` (rows x cols) in dtype dt. */
static tvm_tensor table(tvm_graph *g, const char *name, tvm_dtype dt, const double *m, int rows,
                        int cols) {
    float f[36];
    int64_t shape[2] = {rows, cols};
    if (dt == TVM_FLOAT64) return tvm_constant(g, name, dt, 2, shape, m);
    for (int k = 0; k < rows * cols; k++) f[k] = (float)m[k];
    return tvm_constant(g, name, dt, 2, shape, f);
}

static tvm_expr at2(tvm_graph *g, tvm_tensor t, tvm_expr a, tvm_expr b) {
    tvm_expr ix[2] = {a, b};
    return tvm_load(g, t, ix);
}

tvm_tensor op_conv2d_winograd(tvm_graph *g, const char *name, const wino_conv *c, int m) {
    const int alpha = m + 2;
    const double *bt = m == 4 ? BT4 : BT2, *gm = m == 4 ? G4 : G2, *at = m == 4 ? AT4 : AT2;
    const int64_t TH = (c->OH + m - 1) / m, TW = (c->OW + m - 1) / m, T = TH * TW;
    const int64_t XW = TW * m + 2; /* input columns the tiles read */
    tvm_tensor tb = table(g, "wino_bt", TVM_FLOAT32, bt, alpha, alpha);
    tvm_tensor tg = table(g, "wino_g", TVM_FLOAT64, gm, alpha, 3);
    tvm_tensor ta = table(g, "wino_at", TVM_FLOAT32, at, m, alpha);
    tvm_expr ea = op_i64(g, alpha), em = op_i64(g, m);
    tvm_expr it[6], sh[6];
    char nm[64];

    /* U[xi, eta, o, c] = sum_{k, l} G[xi, k] w[o, c, k, l] G[eta, l] in
     * float64, rounded once */
    op_iters(g, 4, it);
    sh[0] = sh[1] = ea;
    sh[2] = op_i64(g, c->O);
    sh[3] = op_i64(g, c->C);
    tvm_expr u = {0};
    for (int k = 0; k < 3; k++)
        for (int l = 0; l < 3; l++) {
            tvm_expr wi[4] = {it[2], it[3], op_i64(g, k), op_i64(g, l)};
            tvm_expr term = tvm_mul(g, at2(g, tg, it[0], op_i64(g, k)),
                                    tvm_cast(g, TVM_FLOAT64, tvm_load(g, c->w, wi)));
            term = tvm_mul(g, term, at2(g, tg, it[1], op_i64(g, l)));
            u = u.id ? tvm_add(g, u, term) : term;
        }
    snprintf(nm, sizeof nm, "%s_wino_u", name);
    tvm_tensor U = tvm_compute(g, nm, 4, sh, it, tvm_cast(g, TVM_FLOAT32, u));

    /* V1[n, c, xi, th, x]: Bt along the rows of the zero-padded input */
    op_iters(g, 5, it);
    sh[0] = c->batch;
    sh[1] = op_i64(g, c->C);
    sh[2] = ea;
    sh[3] = op_i64(g, TH);
    sh[4] = op_i64(g, XW);
    tvm_expr k = tvm_reduce_axis(g, "wk", ea);
    tvm_expr row = op_add_const(g, tvm_add(g, op_mul_const(g, it[3], m), k), -c->pad_top);
    tvm_expr col = op_add_const(g, it[4], -c->pad_left);
    tvm_expr zero = op_i64(g, 0);
    /* rows past H appear when the tiles overrun the output or the bottom
     * padding; columns likewise */
    tvm_expr guard = tvm_and(g, tvm_and(g, tvm_ge(g, row, zero), tvm_lt(g, row, op_i64(g, c->H))),
                             tvm_and(g, tvm_ge(g, col, zero), tvm_lt(g, col, op_i64(g, c->W))));
    tvm_expr xi[4] = {it[0], it[1], row, col};
    tvm_expr xv = tvm_select(g, guard, tvm_load(g, c->x, xi), tvm_const_float(g, TVM_FLOAT32, 0));
    tvm_expr body = tvm_sum(g, tvm_mul(g, at2(g, tb, it[2], k), xv), 1, &k);
    snprintf(nm, sizeof nm, "%s_wino_v1", name);
    tvm_tensor V1 = tvm_compute(g, nm, 5, sh, it, body);

    /* V[n, c, xi, eta, t]: Bt along the columns of each tile */
    op_iters(g, 5, it);
    sh[0] = c->batch;
    sh[1] = op_i64(g, c->C);
    sh[2] = sh[3] = ea;
    sh[4] = op_i64(g, T);
    tvm_expr l = tvm_reduce_axis(g, "wl", ea), etw = op_i64(g, TW);
    tvm_expr v1i[5] = {it[0], it[1], it[2], tvm_floordiv(g, it[4], etw),
                       tvm_add(g, op_mul_const(g, tvm_floormod(g, it[4], etw), m), l)};
    body = tvm_sum(g, tvm_mul(g, at2(g, tb, it[3], l), tvm_load(g, V1, v1i)), 1, &l);
    snprintf(nm, sizeof nm, "%s_wino_v", name);
    tvm_tensor V = tvm_compute(g, nm, 5, sh, it, body);

    /* M[xi, eta, n, o, t] = sum_c U[xi, eta, o, c] V[xi, eta, n, c, t]:
     * a batched matrix product (rows o, columns t) */
    op_iters(g, 5, it);
    sh[0] = sh[1] = ea;
    sh[2] = c->batch;
    sh[3] = op_i64(g, c->O);
    tvm_expr rc = tvm_reduce_axis(g, "rc", op_i64(g, c->C));
    tvm_expr ui[4] = {it[0], it[1], it[3], rc}, vi[5] = {it[2], rc, it[0], it[1], it[4]};
    body = tvm_sum(g, tvm_mul(g, tvm_load(g, U, ui), tvm_load(g, V, vi)), 1, &rc);
    snprintf(nm, sizeof nm, "%s_wino_m", name);
    tvm_tensor M = tvm_compute(g, nm, 5, sh, it, body);

    /* Z[n, o, r, eta, t]: At along the rows */
    op_iters(g, 5, it);
    sh[0] = c->batch;
    sh[1] = op_i64(g, c->O);
    sh[2] = em;
    sh[3] = ea;
    tvm_expr rx = tvm_reduce_axis(g, "wxi", ea);
    tvm_expr mi[5] = {rx, it[3], it[0], it[1], it[4]};
    body = tvm_sum(g, tvm_mul(g, at2(g, ta, it[2], rx), tvm_load(g, M, mi)), 1, &rx);
    snprintf(nm, sizeof nm, "%s_wino_z", name);
    tvm_tensor Z = tvm_compute(g, nm, 5, sh, it, body);

    /* Y[n, o, h, w]: At along the columns, cropped to the output */
    op_iters(g, 4, it);
    sh[0] = c->batch;
    sh[1] = op_i64(g, c->O);
    sh[2] = op_i64(g, c->OH);
    sh[3] = op_i64(g, c->OW);
    tvm_expr re = tvm_reduce_axis(g, "weta", ea);
    tvm_expr t = tvm_add(g, op_mul_const(g, tvm_floordiv(g, it[2], em), TW),
                         tvm_floordiv(g, it[3], em));
    tvm_expr zi[5] = {it[0], it[1], tvm_floormod(g, it[2], em), re, t};
    body = tvm_sum(g, tvm_mul(g, at2(g, ta, tvm_floormod(g, it[3], em), re), tvm_load(g, Z, zi)),
                   1, &re);
    if (c->bias.id) body = tvm_add(g, body, tvm_load(g, c->bias, &it[1]));
    return tvm_compute(g, name, 4, sh, it, body);
}
