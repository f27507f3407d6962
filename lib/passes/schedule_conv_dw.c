/* schedule_conv_dw — the depthwise convolution schedule: NCHW-style nests
 * whose input window reads one H x W plane per iteration of the outer
 * output loops (depthwise, channel multiplier > 1, batches), the last two
 * output loops being the output rows and columns, strides 1 or 2. Called
 * by schedule_conv for its width-mode nests; keeps every stored bit (each
 * output sums its terms from the same init in the original reduction
 * order, through the same epilogue, reading the same values: padding
 * included).
 *
 * Per plane:
 *   1. copy the plane, zero-padded, into a flat buffer xf, split into
 *      sh x sw phases: phase (a, b) holds the padded plane's rows
 *      sh*i + a and columns sw*j + b (a plain padded copy for stride 1);
 *      each phase is Hh x We (Hh = ceil(Hp/sh), We = ceil(Wp/sw));
 *   2. output (oh, ow) is flat position q = oh*We + ow; its tap at padded
 *      row sh*oh + F, column sw*ow + G (F, G: the tap's own offsets) reads
 *      phase (F%sh, G%sw) at (oh + F/sh, ow + G/sw): xf[q + offset(tap)],
 *      one contiguous run for all rows of the plane at once. So the
 *      reduction is vectorised over q in blocks of 4 x 16 positions
 *      whatever the plane's width, the positions past a row's end (ow >=
 *      OW, at most We - OW per row) computed into the accumulator plane
 *      and never stored. A 7 x 7 output is one block of 64 positions
 *      instead of seven serial 7-wide rows;
 *   3. the epilogue stores (oh, ow) from the accumulator plane, vectorised
 *      along each row.
 *
 * Row mode, rows of MIN_ROW_OW or more, any stride (they fill vectors
 * already, and the accumulator plane's extra pass costs more than flat
 * blocks save): per band of ROW_BAND output rows (band_height), copy the
 * padded rows the band reads into xband (a few KiB: it stays in L1, where
 * a whole 112 x 112 padded plane would not), split into phases as a plane
 * is, then pairs of output rows in blocks of 2 x 4 x 16 positions (a
 * row's last vector ending at the row's end, overlapping the one before),
 * the taps unrolled and the epilogue storing straight from the block's
 * sums.
 *
 * Plane groups (flat mode): when the loop just outside the plane (the
 * channels) divides into G = 8, 4 or 2 planes per group with at least 4
 * groups, the group is the outer loop: xf's fill runs (padding, slack:
 * constant positions) are written once per group and each plane copies
 * only x's elements over them (576x14x14/2, 1 thread: 0.036 -> 0.023 ms).
 * Small planes (MAX_DBL) alternate between two halves of xf, the next
 * plane copied before the current one is computed.
 *
 * The buffers are per-iteration scratch of the outer loop: the
 * parallelize pass gives each thread its own copy. */
#include <stdlib.h>

#include "passes.h"
#include "schedule_conv_dw.h"

#define LANES 16        /* positions per vector statement */
#define NV 4            /* vectors per block: 4 x 16 independent sums */
/* Rows this wide or wider take row mode, whatever the strides (1 thread,
 * 3x3, under load, its taps unrolled, against flat mode: 144x56x56 0.19
 * -> 0.13 ms, 192x28x28 0.054-0.067 -> 0.045-0.054, 96x112x112/2 0.22 ->
 * 0.175, 144x56x56/2 0.082-0.094 -> 0.065-0.068; earlier, with the taps
 * left to LLVM, only stride-1 rows over 64 gained: 32x112x112 0.188 ->
 * 0.147). Narrower rows would leave most of a vector unused. */
#define MIN_ROW_OW LANES
#define ROW_BAND 8  /* row mode: output rows per band */
/* Row mode: output rows per block (2 x 4 vectors of sums), the window's
 * rows and columns unrolled: one padded row's loads then serve both
 * output rows (LLVM merges the equal loads), 12 loads per 18 multiply-adds
 * per vector instead of 18 (32x112x112, 1 thread: 0.14 -> 0.10 ms) */
#define ROW_MR 2
#define MAX_PLANE ((int64_t)1 << 22)
/* Row mode: a block's tap statements up to which the taps are unrolled
 * (3 x 3 over 2 x 4 vectors: 72; 5 x 5: 200) */
#define MAX_UNROLLED 256
/* xf's elements up to which grouped planes alternate between two halves:
 * 7x7 planes (960x7x7, 1 thread: 0.036 -> 0.030 ms), not 14x14 (no gain
 * measured; the halves double the kernel's code and LLVM's time on it) */
#define MAX_DBL 200

typedef struct dws {
    lp_program *p;
    nest_cloner *cl;
    const conv_dw_nest *n;
    uint32_t xbuf, xf, accp, accb;
    int xd, hd, wd;
    lp_id ix[TVM_MAX_NDIM];
    int64_t sh, sw;      /* the window's strides */
    int64_t Hh, We, PL;  /* a phase: Hh x We, PL elements */
    int64_t OH, OW, Q, Qv; /* flat positions: Q used, Qv computed (whole vectors) */
    int64_t xfe;         /* xf's elements: the phases, then zeros */
    uint32_t oh, ow;
    bool rows;           /* row mode (rows of a vector or more): bands, no accp */
    int64_t R, BR;       /* row mode: output rows per band, padded rows read */
    lp_id org;           /* row mode: the band's first padded row (0: flat mode) */
    int64_t orgc;        /* its value when constant, -1 when the band is inside x */
    int mr;              /* row mode: output rows per block */
    int emit;            /* the plane copy's parts built now: EMIT_FILL, EMIT_COPY */
    int64_t G;           /* flat mode: planes per group sharing one fill of xf */
    bool dbl;            /* grouped, small planes: xf in two halves */
    lp_id xoff;          /* the xf half being read or written (0: none) */
} dws;

#define EMIT_FILL 1      /* the fill runs: constant positions and value */
#define EMIT_COPY 2      /* the copies of x */

/* Whether e reads var anywhere but inside node `skip`. */
static bool mentions_outside(const lp_program *p, lp_id e, uint32_t var, lp_id skip, int depth) {
    if (!e || e == skip) return false;
    if (depth > 200) return true;
    const lp_node *n = lp_get(p, e);
    switch (n->kind) {
    case LP_CONST: return false;
    case LP_VAR: return n->a == var;
    case LP_LOAD:
        for (uint32_t k = 0; k < n->nlist; k++)
            if (mentions_outside(p, lp_list(p, n->list)[k], var, skip, depth + 1)) return true;
        return false;
    case LP_SELECT:
    case LP_BINARY:
    case LP_UNARY:
    case LP_CAST:
        return mentions_outside(p, n->a, var, skip, depth + 1) ||
               mentions_outside(p, n->b, var, skip, depth + 1) ||
               mentions_outside(p, n->c, var, skip, depth + 1);
    default: return true;
    }
}

/* An integer index expression of constants and the variables in env. */
static bool eval_i(const lp_program *p, lp_id e, const int64_t *env, const uint8_t *bound,
                   int64_t *out, int depth) {
    if (!e || depth > 100) return false;
    const lp_node *n = lp_get(p, e);
    lp_value a, b;
    int64_t x, y;
    switch (n->kind) {
    case LP_CONST:
        if (dtype_is_float(n->dtype)) return false;
        *out = n->imm.i;
        return true;
    case LP_VAR:
        if (!bound[n->a]) return false;
        *out = env[n->a];
        return true;
    case LP_BINARY:
        if (dtype_is_float(lp_get(p, n->a)->dtype) || !eval_i(p, n->a, env, bound, &x, depth + 1) ||
            !eval_i(p, n->b, env, bound, &y, depth + 1))
            return false;
        a.i = x, b.i = y;
        *out = lp_eval_binary(n->op, lp_get(p, n->a)->dtype, a, b).i;
        return true;
    default: return false;
    }
}

/* Index e is stride * var + f(reductions) over var's range and the
 * reduction ranges, mentioning no other variable; sets *stride. */
static bool affine_in(const dws *D, lp_id e, uint32_t var, int64_t ext, int64_t *stride,
                      int64_t *hi0) {
    const lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    for (int u = 0; u < n->nout; u++)
        if (n->ovar[u] != var && nest_mentions(p, e, n->ovar[u], 0)) return false;
    int64_t combos = ext;
    for (int k = 0; k < n->nred; k++)
        if (__builtin_mul_overflow(combos, n->rext[k], &combos) || combos > (1 << 16)) return false;
    int64_t *env = calloc(p->nvars, sizeof *env);
    uint8_t *bound = calloc(p->nvars, 1);
    bool ok = env && bound;
    if (ok) {
        bound[var] = 1;
        for (int k = 0; k < n->nred; k++) bound[n->rvar[k]] = 1;
    }
    *stride = 1;
    for (int64_t c = 0; c < combos && ok; c++) {
        int64_t rem = c;
        for (int k = n->nred; k-- > 0;) {
            env[n->rvar[k]] = rem % n->rext[k];
            rem /= n->rext[k];
        }
        int64_t v0, v1, vx;
        env[var] = 0;
        ok = eval_i(p, e, env, bound, &v0, 0);
        if (ok && (c == 0 || v0 > *hi0)) *hi0 = v0; /* the largest f */
        if (ok && ext > 1) {
            env[var] = 1;
            ok = eval_i(p, e, env, bound, &v1, 0);
            if (ok && c == 0) *stride = v1 - v0;
            env[var] = rem;
            ok = ok && v1 - v0 == *stride && eval_i(p, e, env, bound, &vx, 0) &&
                 vx - v0 == *stride * rem;
        }
    }
    free(env);
    free(bound);
    return ok && *stride >= 1;
}

/* Row mode's output rows per band: ROW_BAND, or when that does not divide
 * the rows (the last band then overlaps the one before, its rows computed
 * twice) an even divisor up to twice as many (28 rows: 2 x 14, not 4 x 8
 * with 4 rows twice). */
static int64_t band_height(int64_t OH) {
    if (OH <= ROW_BAND) return OH;
    if (OH % ROW_BAND == 0) return ROW_BAND;
    for (int64_t r = 2 * ROW_BAND; r >= 4; r -= 2)
        if (OH % r == 0) return r;
    return ROW_BAND;
}

static uint32_t new_var(lp_program *p, const char *name) {
    return lp_new_var(p, name, LP_VAR_LOOP, 0);
}

static lp_id rolled(lp_program *p, uint32_t var, int64_t extent, lp_id body) {
    lp_id r = lp_for(p, var, nest_i64(p, extent), LP_SERIAL, body);
    if (r) p->nodes[r].flags |= LP_NO_UNROLL;
    return r;
}

/* A lanes loop (vectorised when a power of two): kept rolled, or LLVM
 * unrolls its small body before the vectoriser sees it. */
static lp_id vec_for(lp_program *p, uint32_t var, int lanes, lp_id body) {
    bool vec = lanes > 1 && (lanes & (lanes - 1)) == 0;
    lp_id r = lp_for(p, var, nest_i64(p, lanes), vec ? LP_VECTORIZED : LP_SERIAL, body);
    if (r) p->nodes[r].flags |= LP_NO_UNROLL;
    return r;
}

static lp_id mul(lp_program *p, lp_id a, int64_t c) {
    return c == 1 ? a : lp_binary(p, IR_MUL, a, nest_i64(p, c));
}

/* Index idx of xf in the half D->xoff selects. */
static lp_id xfi(dws *D, lp_id idx) {
    return D->xoff ? lp_binary(D->p, IR_ADD, D->xoff, idx) : idx;
}

/* xf[at + z] = fill for z in [0, len) */
static lp_id fill_run(dws *D, lp_id at, int64_t len) {
    lp_program *p = D->p;
    if (len <= 0 || !(D->emit & EMIT_FILL)) return 0;
    uint32_t z = new_var(p, "pz");
    lp_id idx = xfi(D, lp_binary(p, IR_ADD, at, lp_var_ref(p, z)));
    lp_id fill = lp_get(p, D->n->sel)->c;
    return lp_for(p, z, nest_i64(p, len), LP_SERIAL, lp_store(p, D->xf, &idx, 1, fill));
}

static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

/* xf[rowat + j] = x[.., src row, sw*j + cp - lw] for j in [a, b): serial */
static lp_id copy_run(dws *D, lp_id *src, lp_id rowat, int64_t cp, int64_t a, int64_t b) {
    lp_program *p = D->p;
    if (b <= a || !(D->emit & EMIT_COPY)) return 0;
    uint32_t w = new_var(p, "px");
    lp_id jv = nest_addc(p, lp_var_ref(p, w), a);
    src[D->wd] = nest_addc(p, mul(p, jv, D->sw), cp - D->n->off_lo[D->wd]);
    lp_id dst = xfi(D, lp_binary(p, IR_ADD, rowat, jv));
    return lp_for(p, w, nest_i64(p, b - a), LP_SERIAL,
                  lp_store(p, D->xf, &dst, 1, lp_load(p, D->xbuf, src, (uint32_t)D->xd)));
}

/* One stride-1 row's columns [j0, j1) of x into xf at rowat + j (src:
 * x's index, its row set): appended to row[*nr]. A row of two or more
 * columns goes in vectors of the widest power of two up to 16 columns,
 * the last one ending at the row's end (overlapping: the same values
 * stored twice). */
static void row_copy_s1(dws *D, lp_id *src, lp_id rowat, int64_t j0, int64_t j1, lp_id *row,
                        uint32_t *nr) {
    lp_program *p = D->p;
    int64_t len = j1 - j0, lw = D->n->off_lo[D->wd];
    lp_id s;
    if (!(D->emit & EMIT_COPY)) return;
    if (len < 2) {
        if ((s = copy_run(D, src, rowat, 0, j0, j1))) row[(*nr)++] = s;
        return;
    }
    int L = 1;
    while (L * 2 <= LANES && L * 2 <= len) L *= 2;
    int64_t nfull = len / L;
    uint32_t c = new_var(p, "pc");
    for (int t = 0; t < 2; t++) {
        if (t == 1 && len % L == 0) break;
        lp_id c0 = t == 1       ? nest_i64(p, j1 - L)
                   : nfull == 1 ? nest_i64(p, j0)
                                : nest_addc(p, mul(p, lp_var_ref(p, c), L), j0);
        uint32_t jj = new_var(p, "jj");
        lp_id jv = lp_binary(p, IR_ADD, c0, lp_var_ref(p, jj));
        src[D->wd] = nest_addc(p, jv, -lw);
        lp_id dst = xfi(D, lp_binary(p, IR_ADD, rowat, jv));
        lp_id st = vec_for(p, jj, L, lp_store(p, D->xf, &dst, 1,
                                              lp_load(p, D->xbuf, src, (uint32_t)D->xd)));
        row[(*nr)++] = t == 0 && nfull > 1 ? rolled(p, c, nfull, st) : st;
    }
}

/* Row phase rp of the current plane (outer vars already in cl->var_to),
 * all its column phases cp: xf[phase(rp, cp) + i*We + j] = xpad[sh*i + rp]
 * [sw*j + cp] for i < Hh, j < We, xpad being x with its padding (fill
 * outside x): zero runs around the copied rectangles, so no element needs
 * a test. Stride 1 rows are copied in vectors; at stride 2 one loop
 * stores both column phases from consecutive inputs (one phase alone
 * would be a gather). */
static lp_id phase_copy(dws *D, const lp_id *fixed, int64_t rp) {
    lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    int64_t H = n->xext[D->hd], W = n->xext[D->wd];
    int64_t lh = n->off_lo[D->hd], lw = n->off_lo[D->wd];
    int64_t sw = D->sw;
    /* the phase's rows: a band's phase holds only the rows the band reads */
    int64_t nrows = D->org ? ceil_div(D->BR - rp, D->sh) : D->Hh;
    /* rows i whose input row org + sh*i + rp - lh is inside x, likewise
     * columns (a band inside x: all rows) */
    int64_t org = D->org ? D->orgc : 0;
    int64_t i0 = 0, i1 = nrows;
    if (org >= 0) {
        i0 = ceil_div(lh - rp - org, D->sh), i1 = ceil_div(H + lh - rp - org, D->sh);
        if (i0 < 0) i0 = 0;
        if (i1 > nrows) i1 = nrows;
    }
    int64_t j0[2], j1[2], base[2], jc0 = 0, jc1 = D->We;
    for (int64_t cp = 0; cp < sw; cp++) {
        j0[cp] = ceil_div(lw - cp, sw), j1[cp] = ceil_div(W + lw - cp, sw);
        if (j0[cp] < 0) j0[cp] = 0;
        if (j1[cp] > D->We) j1[cp] = D->We;
        if (j1[cp] < j0[cp]) j1[cp] = j0[cp];
        if (j0[cp] > jc0) jc0 = j0[cp];
        if (j1[cp] < jc1) jc1 = j1[cp];
        base[cp] = (rp * sw + cp) * D->PL;
    }
    lp_id parts[8], row[12], src[TVM_MAX_NDIM], s;
    uint32_t np = 0, nr = 0;
    if (i1 <= i0) {
        for (int64_t cp = 0; cp < sw; cp++)
            if ((s = fill_run(D, nest_i64(p, base[cp]), nrows * D->We))) parts[np++] = s;
        return lp_seq(p, parts, np);
    }
    for (int64_t cp = 0; cp < sw; cp++)
        if ((s = fill_run(D, nest_i64(p, base[cp]), i0 * D->We))) parts[np++] = s;
    uint32_t h = new_var(p, "px");
    lp_id iv = nest_addc(p, lp_var_ref(p, h), i0);
    memcpy(src, fixed, (size_t)D->xd * sizeof *src);
    src[D->hd] = nest_addc(p, mul(p, iv, D->sh), rp - lh);
    if (D->org) src[D->hd] = lp_binary(p, IR_ADD, D->org, src[D->hd]);
    lp_id rowat[2];
    for (int64_t cp = 0; cp < sw; cp++) {
        rowat[cp] = nest_addc(p, mul(p, iv, D->We), base[cp]);
        if ((s = fill_run(D, rowat[cp], j0[cp]))) row[nr++] = s;
        if ((s = fill_run(D, nest_addc(p, rowat[cp], j1[cp]), D->We - j1[cp]))) row[nr++] = s;
    }
    if (sw == 1) {
        row_copy_s1(D, src, rowat[0], j0[0], j1[0], row, &nr);
    } else if (!(D->emit & EMIT_COPY)) {
        /* fills only */
    } else if (n->xext[D->wd] + lw <= 2 * D->We && n->xext[D->wd] >= 2) {
        /* x's row in pairs of columns (2t, 2t + 1), each column to its
         * phase, in one loop hinted for the vectoriser (it loads the
         * pairs whole and splits them); an odd last column alone. All of
         * x's columns land inside the phases: no column is left over */
        int64_t npair = W / 2;
        /* chunks of L pairs (a power of two up to 8: one 16-wide load
         * split in two), the last one ending at the row's end
         * (overlapping: the same values stored twice); a 7-pair row is
         * two 4-pair chunks instead of a 2-wide loop and a scalar tail */
        int L = 1;
        while (L * 2 <= 8 && L * 2 <= npair) L *= 2;
        int64_t nfull = npair / L;
        uint32_t c = new_var(p, "pc");
        /* two chunks, the second overlapping, run as one loop of two
         * (chunk c from c * (npair - L)): a constant start past a row base
         * that is a multiple of 16 becomes an `or` LLVM's vectoriser does
         * not see through (the 14 -> 7 rows were scalar) */
        bool pair2 = nfull == 1 && npair % L;
        for (int t = 0; t < 2 && npair > 0; t++) {
            if (t == 1 && (npair % L == 0 || pair2)) break;
            lp_id c0 = pair2        ? mul(p, lp_var_ref(p, c), npair - L)
                       : t == 1     ? nest_i64(p, npair - L)
                       : nfull == 1 ? nest_i64(p, 0)
                                    : mul(p, lp_var_ref(p, c), L);
            uint32_t w = new_var(p, "jj");
            lp_id tv = lp_binary(p, IR_ADD, c0, lp_var_ref(p, w)), st[2];
            for (int64_t e = 0; e < 2; e++) {
                int64_t pc = e + lw;
                src[D->wd] = nest_addc(p, mul(p, tv, 2), e);
                lp_id dst = xfi(D, nest_addc(p, lp_binary(p, IR_ADD, rowat[pc % 2], tv), pc / 2));
                st[e] = lp_store(p, D->xf, &dst, 1, lp_load(p, D->xbuf, src, (uint32_t)D->xd));
            }
            lp_id jl = vec_for(p, w, L, lp_seq(p, st, 2));
            row[nr++] = pair2 ? rolled(p, c, 2, jl) : t == 0 && nfull > 1 ? rolled(p, c, nfull, jl) : jl;
        }
        if (W % 2) {
            int64_t pc = W - 1 + lw;
            src[D->wd] = nest_i64(p, W - 1);
            lp_id dst = xfi(D, nest_addc(p, rowat[pc % 2], pc / 2));
            row[nr++] = lp_store(p, D->xf, &dst, 1, lp_load(p, D->xbuf, src, (uint32_t)D->xd));
        }
    } else {
        /* the columns both phases copy, in one loop, hinted for the
         * vectoriser (it then loads the pairs whole and splits them:
         * 144x56x56/2 0.17 -> 0.10 ms); each phase's others alone */
        bool common = jc1 > jc0;
        if (common) {
            uint32_t w = new_var(p, "px");
            lp_id jv = nest_addc(p, lp_var_ref(p, w), jc0), st[2];
            for (int64_t cp = 0; cp < 2; cp++) {
                src[D->wd] = nest_addc(p, mul(p, jv, 2), cp - lw);
                lp_id dst = xfi(D, lp_binary(p, IR_ADD, rowat[cp], jv));
                st[cp] = lp_store(p, D->xf, &dst, 1, lp_load(p, D->xbuf, src, (uint32_t)D->xd));
            }
            lp_id jl = lp_for(p, w, nest_i64(p, jc1 - jc0), LP_VECTORIZED, lp_seq(p, st, 2));
            if (jl) p->nodes[jl].flags |= LP_NO_UNROLL;
            row[nr++] = jl;
        }
        for (int64_t cp = 0; cp < 2; cp++) {
            if ((s = copy_run(D, src, rowat[cp], cp, j0[cp], common ? jc0 : j1[cp]))) row[nr++] = s;
            if (common && (s = copy_run(D, src, rowat[cp], cp, jc1, j1[cp]))) row[nr++] = s;
        }
    }
    if (nr) parts[np++] = lp_for(p, h, nest_i64(p, i1 - i0), LP_SERIAL, lp_seq(p, row, nr));
    for (int64_t cp = 0; cp < sw; cp++)
        if ((s = fill_run(D, nest_i64(p, base[cp] + i1 * D->We), (nrows - i1) * D->We)))
            parts[np++] = s;
    return lp_seq(p, parts, np);
}

/* The current plane into xf: its sh*sw phases, then the slack the last
 * vectors read past the end (zeros: those positions are never stored). */
static lp_id plane_copy(dws *D) {
    lp_program *p = D->p;
    lp_id fixed[TVM_MAX_NDIM] = {0};
    nest_subst_begin(D->cl);
    D->cl->acc = 0;
    for (int d = 0; d < D->xd && (D->emit & EMIT_COPY); d++)
        if (d != D->hd && d != D->wd) fixed[d] = nest_clone(D->cl, D->ix[d]);
    lp_id parts[3];
    uint32_t np = 0;
    for (int64_t rp = 0; rp < D->sh; rp++) parts[np++] = phase_copy(D, fixed, rp);
    lp_id s = fill_run(D, nest_i64(p, D->sh * D->sw * D->PL), D->xfe - D->sh * D->sw * D->PL);
    if (s) parts[np++] = s;
    return lp_seq(p, parts, np);
}

/* The read of output (oh, ow) at padded row sh*oh + F, column sw*ow + G
 * is element (oh + F/sh, ow + G/sw) of phase (F%sh, G%sw): at flat q =
 * oh*We + ow plus this offset. */
static lp_id window_offset(dws *D, lp_id F, lp_id G) {
    lp_program *p = D->p;
    lp_id fd = F, gd = G, phase = 0;
    if (D->sh > 1) {
        fd = lp_binary(p, IR_FLOORDIV, F, nest_i64(p, D->sh));
        phase = mul(p, lp_binary(p, IR_FLOORMOD, F, nest_i64(p, D->sh)), D->sw * D->PL);
    }
    if (D->sw > 1) {
        gd = lp_binary(p, IR_FLOORDIV, G, nest_i64(p, D->sw));
        lp_id c = mul(p, lp_binary(p, IR_FLOORMOD, G, nest_i64(p, D->sw)), D->PL);
        phase = phase ? lp_binary(p, IR_ADD, phase, c) : c;
    }
    lp_id off = lp_binary(p, IR_ADD, mul(p, fd, D->We), gd);
    return phase ? lp_binary(p, IR_ADD, phase, off) : off;
}

/* The epilogue's stores of output (ohv, owv) from acc value accv. */
static lp_id epi_stores(dws *D, lp_id ohv, lp_id owv, lp_id accv) {
    lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    nest_cloner *cl = D->cl;
    cl->var_to[D->oh] = ohv;
    cl->var_to[D->ow] = owv;
    cl->acc = n->acc;
    cl->acc_to = accv;
    nest_subst_begin(cl);
    lp_id st[16];
    for (uint32_t k = 0; k < n->nrest; k++) st[k] = nest_clone(cl, n->rest[k]);
    cl->acc = 0;
    cl->acc_to = 0;
    cl->var_to[D->oh] = cl->var_to[D->ow] = 0;
    return lp_seq(p, st, n->nrest);
}

/* One block: nv vectors of `lanes` flat positions from qs, into accp; in
 * row mode (ohv set) positions c0 + [0, nv*lanes) of output rows ohv ..
 * ohv + mr - 1, through the epilogue straight from the block's sums (the
 * reduction then unrolled, so that rows share their loads). The last
 * vector starts at `last` instead of (nv - 1) * lanes: a row's end that is
 * not a whole vector, overlapping the one before (the same bits stored
 * twice). */
static lp_id block(dws *D, lp_id qs, int nv, int lanes, lp_id ohv, lp_id c0, int64_t last) {
    lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    nest_cloner *cl = D->cl;
    uint32_t jj = new_var(p, "jj");
    lp_id jv = lp_var_ref(p, jj);
    uint32_t rv[8];
    for (int k = 0; k < n->nred; k++) rv[k] = new_var(p, "r");
    int mr = ohv ? D->mr : 1, ns = mr * nv;
    /* row mode: the window's taps unrolled here, in the reduction's order,
     * and the block one lanes loop (init, taps, epilogue): the sums stay
     * in registers, and LLVM merges the equal loads of rows sharing a
     * padded row (its unroller keeps a stride-2 tap row loop rolled).
     * Not in flat mode: 576x14x14 0.040 -> 0.16 ms, 1 thread */
    int64_t taps = 1;
    for (int k = 0; k < n->nred; k++) taps *= n->rext[k];
    bool unroll = ohv && taps * ns <= MAX_UNROLLED;
    int64_t nu = unroll ? taps : 1;
    lp_id init[2 * NV], out[2 * NV];
    lp_id *upd = calloc((size_t)(nu * ns + 2 * ns), sizeof *upd);
    if (!upd) {
        p->failed = true;
        return 0;
    }
    for (int sl = 0; sl < ns; sl++) {
        for (int64_t t = 0; t < nu; t++) {
            int m = sl / nv, v = sl % nv;
            lp_id col = nest_addc(p, jv, (int64_t)sl * lanes);
            lp_id pos = nest_addc(p, jv, v == nv - 1 ? last : (int64_t)v * lanes);
            lp_id qm = m ? nest_addc(p, qs, m * D->We) : qs;
            init[sl] = lp_store(p, D->accb, &col, 1, n->init);
            for (int64_t k = n->nred, rem = t; k-- > 0; rem /= n->rext[k])
                cl->var_to[n->rvar[k]] =
                    unroll ? nest_i64(p, rem % n->rext[k]) : lp_var_ref(p, rv[k]);
            cl->var_to[D->oh] = nest_i64(p, 0);
            cl->var_to[D->ow] = nest_i64(p, 0);
            cl->acc = 0;
            nest_subst_begin(cl);
            /* the window read: xf[q + offset(F, G)], F and G the read's own
             * indices at oh = ow = 0, shifted by the padding */
            lp_id hpart = nest_addc(p, nest_clone(cl, D->ix[D->hd]), n->off_lo[D->hd]);
            lp_id wpart = nest_addc(p, nest_clone(cl, D->ix[D->wd]), n->off_lo[D->wd]);
            lp_id at = lp_binary(p, IR_ADD, lp_binary(p, IR_ADD, qm, pos),
                                 window_offset(D, hpart, wpart));
            at = xfi(D, at);
            cl->memo[n->sel] = lp_load(p, D->xf, &at, 1);
            cl->memo_tag[n->sel] = cl->tag;
            lp_id val = nest_clone(cl, n->value);
            upd[ns + t * ns + sl] = lp_store(p, D->accb, &col, 1,
                                             lp_binary(p, IR_ADD, lp_load(p, D->accb, &col, 1), val));
            if (t + 1 < nu) continue;
            if (ohv) {
                lp_id owv = lp_binary(p, IR_ADD, c0, pos);
                lp_id ohm = m ? nest_addc(p, ohv, m) : ohv;
                out[sl] = epi_stores(D, ohm, owv, lp_load(p, D->accb, &col, 1));
            } else {
                lp_id qq = lp_binary(p, IR_ADD, qs, col);
                out[sl] = lp_store(p, D->accp, &qq, 1, lp_load(p, D->accb, &col, 1));
            }
        }
    }
    for (int k = 0; k < n->nred; k++) cl->var_to[n->rvar[k]] = 0;
    cl->var_to[D->oh] = cl->var_to[D->ow] = 0;
    if (unroll) {
        memcpy(upd, init, (size_t)ns * sizeof *upd);
        memcpy(upd + ns + nu * ns, out, (size_t)ns * sizeof *upd);
        lp_id r = vec_for(p, jj, lanes, lp_seq(p, upd, (uint32_t)(nu * ns + 2 * ns)));
        free(upd);
        return r;
    }
    lp_id parts[3];
    parts[0] = vec_for(p, jj, lanes, lp_seq(p, init, (uint32_t)ns));
    lp_id red = vec_for(p, jj, lanes, lp_seq(p, upd + ns, (uint32_t)ns));
    free(upd);
    /* the reduction loops left to LLVM's unroller: a 3 x 3 window's taps
     * then read xf at constant offsets from one base (576x14x14, 1
     * thread: 0.055 -> 0.040 ms against the outer tap loop kept rolled) */
    for (int k = n->nred; k-- > 0;)
        red = lp_for(p, rv[k], nest_i64(p, n->rext[k]), LP_SERIAL, red);
    parts[1] = red;
    parts[2] = vec_for(p, jj, lanes, lp_seq(p, out, (uint32_t)ns));
    return lp_seq(p, parts, 3);
}

/* Flat positions [0, Qv) in whole vectors: blocks of NV vectors, then
 * one block ending at Qv that overlaps the last (its positions recomputed
 * to the same bits); at most NV vectors in all, one block of them. */
static lp_id compute(dws *D) {
    lp_program *p = D->p;
    int64_t nvec = D->Qv / LANES;
    if (nvec <= NV) return block(D, nest_i64(p, 0), (int)nvec, LANES, 0, 0, (nvec - 1) * LANES);
    int64_t B = (int64_t)NV * LANES, nfull = D->Qv / B;
    lp_id parts[2];
    uint32_t np = 0;
    uint32_t b = new_var(p, "q0");
    int64_t last = (NV - 1) * LANES;
    parts[np++] = rolled(p, b, nfull, block(D, mul(p, lp_var_ref(p, b), B), NV, LANES, 0, 0, last));
    if (D->Qv % B) parts[np++] = block(D, nest_i64(p, D->Qv - B), NV, LANES, 0, 0, last);
    return lp_seq(p, parts, np);
}

/* The epilogue of row oh, columns [c0, c0 + lanes). */
static lp_id epi_run(dws *D, lp_id ohv, lp_id c0, int lanes) {
    lp_program *p = D->p;
    uint32_t jj = new_var(p, "jj");
    lp_id owv = lp_binary(p, IR_ADD, c0, lp_var_ref(p, jj));
    lp_id at = lp_binary(p, IR_ADD, mul(p, ohv, D->We), owv);
    return vec_for(p, jj, lanes, epi_stores(D, ohv, owv, lp_load(p, D->accp, &at, 1)));
}

/* Row by row: runs of the widest power of two up to 16 columns, the last
 * one ending at OW (overlapping: the same values stored twice). */
static lp_id epilogue(dws *D) {
    lp_program *p = D->p;
    int L = 1;
    while (L * 2 <= LANES && L * 2 <= D->OW) L *= 2;
    uint32_t r = new_var(p, "oh");
    lp_id ohv = lp_var_ref(p, r);
    int64_t nfull = D->OW / L;
    lp_id parts[2];
    uint32_t np = 0;
    if (nfull == 1) {
        parts[np++] = epi_run(D, ohv, nest_i64(p, 0), L);
    } else {
        uint32_t c = new_var(p, "ow0");
        parts[np++] = rolled(p, c, nfull, epi_run(D, ohv, mul(p, lp_var_ref(p, c), L), L));
    }
    if (D->OW % L) parts[np++] = epi_run(D, ohv, nest_i64(p, D->OW - L), L);
    return rolled(p, r, D->OH, lp_seq(p, parts, np));
}

/* Row mode: the band's padded rows [org, org + BR) of the current plane
 * into xf, in phases as a plane (row i of phase (a, b) at
 * (a*sw + b)*PL + i*We; stride 1: row i at i*We). */
static lp_id band_copy(dws *D, const lp_id *fixed, lp_id org, int64_t orgc) {
    lp_id parts[2];
    D->org = org;
    D->orgc = orgc;
    for (int64_t rp = 0; rp < D->sh; rp++) parts[rp] = phase_copy(D, fixed, rp);
    D->org = 0;
    return lp_seq(D->p, parts, (uint32_t)D->sh);
}

/* Row mode: output rows [oh0, oh0 + R) from the band in xf, each in
 * blocks of NV vectors along the row, the last block ending at OW
 * (overlapping: the same values stored twice). */
static lp_id band_rows(dws *D, lp_id oh0) {
    lp_program *p = D->p;
    int64_t B = (int64_t)NV * LANES, nbf = D->OW / B, rem = D->OW - nbf * B;
    int64_t last = (NV - 1) * LANES;
    uint32_t r = new_var(p, "oh");
    lp_id rv = mul(p, lp_var_ref(p, r), D->mr), ohv = lp_binary(p, IR_ADD, oh0, rv);
    lp_id rowq = mul(p, rv, D->We), parts[2];
    uint32_t np = 0;
    if (nbf == 1) {
        lp_id c0 = nest_i64(p, 0);
        parts[np++] = block(D, rowq, NV, LANES, ohv, c0, last);
    } else if (nbf > 1) {
        uint32_t b = new_var(p, "ow0");
        lp_id c0 = mul(p, lp_var_ref(p, b), B);
        parts[np++] = rolled(p, b, nbf,
                             block(D, lp_binary(p, IR_ADD, rowq, c0), NV, LANES, ohv, c0, last));
    }
    if (rem) {
        /* the rest from nbf*B, its last vector ending at OW (rows of at
         * least a vector: at most NV vectors) */
        int nv = (int)ceil_div(rem, LANES);
        lp_id c0 = nest_i64(p, nbf * B);
        parts[np++] = block(D, lp_binary(p, IR_ADD, rowq, c0), nv, LANES, ohv, c0, rem - LANES);
    }
    return rolled(p, r, D->R / D->mr, lp_seq(p, parts, np));
}

/* Row mode, one plane: bands of R output rows, each copying the BR padded
 * rows it reads (L1-sized) and computing its rows from them. The bands
 * whose rows are all inside x run in one loop; those touching the
 * padding, and the last band (ending at OH, overlapping the one before),
 * on their own. */
static lp_id bands(dws *D) {
    lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    lp_id fixed[TVM_MAX_NDIM] = {0};
    nest_subst_begin(D->cl);
    D->cl->acc = 0;
    for (int d = 0; d < D->xd; d++)
        if (d != D->hd && d != D->wd) fixed[d] = nest_clone(D->cl, D->ix[d]);
    int64_t H = n->xext[D->hd], lh = n->off_lo[D->hd];
    int64_t nb = ceil_div(D->OH, D->R);
    lp_id *parts = calloc((size_t)nb, sizeof *parts);
    if (!parts) {
        p->failed = true;
        return 0;
    }
    uint32_t np = 0;
    int64_t sh = D->sh;
    for (int64_t k = 0; k < nb;) {
        int64_t s0 = k * D->R < D->OH - D->R ? k * D->R : D->OH - D->R;
        if (s0 == k * D->R && sh * s0 >= lh && sh * s0 + D->BR - lh <= H) {
            /* interior bands k .. k2 - 1: every padded row they read is x's */
            int64_t k2 = k + 1;
            while (k2 < nb && k2 * D->R <= D->OH - D->R && sh * k2 * D->R + D->BR - lh <= H) k2++;
            uint32_t bv = new_var(p, "band");
            lp_id oh0 = mul(p, nest_addc(p, lp_var_ref(p, bv), k), D->R);
            lp_id two[2] = {band_copy(D, fixed, mul(p, oh0, sh), -1), band_rows(D, oh0)};
            parts[np++] = rolled(p, bv, k2 - k, lp_seq(p, two, 2));
            k = k2;
            continue;
        }
        lp_id oh0 = nest_i64(p, s0);
        lp_id two[2] = {band_copy(D, fixed, nest_i64(p, sh * s0), sh * s0), band_rows(D, oh0)};
        parts[np++] = lp_seq(p, two, 2);
        k++;
    }
    lp_id r = lp_seq(p, parts, np);
    free(parts);
    return r;
}

/* The outer output loops (original order), the plane's three steps inside. */
static lp_id outer(dws *D, int k) {
    lp_program *p = D->p;
    const conv_dw_nest *n = D->n;
    if (k == n->nout - 2) {
        if (D->rows) return bands(D);
        lp_id three[3] = {plane_copy(D), compute(D), epilogue(D)};
        return lp_seq(p, three, 3);
    }
    uint32_t var = n->ovar[k];
    if (k == n->nout - 3 && !D->rows && D->G > 1 && !D->dbl) {
        /* groups of G planes: xf's fill runs (the padding, the slack) once
         * per group, each plane then copying only x's own elements over
         * the same positions */
        uint32_t gv = new_var(p, "grp"), cv = new_var(p, p->vars[var].name);
        D->cl->var_to[var] = lp_binary(p, IR_ADD, mul(p, lp_var_ref(p, gv), D->G),
                                       lp_var_ref(p, cv));
        D->emit = EMIT_COPY;
        lp_id three[3] = {plane_copy(D), compute(D), epilogue(D)};
        D->cl->var_to[var] = 0;
        D->emit = EMIT_FILL;
        lp_id two[2] = {plane_copy(D), 0};
        D->emit = EMIT_FILL | EMIT_COPY;
        two[1] = lp_for(p, cv, nest_i64(p, D->G), LP_SERIAL, lp_seq(p, three, 3));
        return lp_for(p, gv, nest_i64(p, n->oext[k] / D->G), LP_SERIAL, lp_seq(p, two, 2));
    }
    if (k == n->nout - 3 && !D->rows && D->G > 1) {
        /* groups of G planes: xf's fill runs (the padding, the slack) once
         * per group, each plane then copying only x's own elements over
         * the same positions */
        /* small planes: the same in two halves of xf, planes alternating:
         * the loop copies plane c + 1 (the last one again at the end) into
         * one half before it computes plane c from the other, so that the
         * compute's wide loads never wait on the copy's narrow stores
         * still in flight (MAX_DBL) */
        uint32_t gv = new_var(p, "grp"), cv = new_var(p, p->vars[var].name);
        lp_id g0 = mul(p, lp_var_ref(p, gv), D->G), c2 = mul(p, lp_var_ref(p, cv), 2);
        lp_id parts[4], body[6];
        D->emit = EMIT_FILL;
        parts[0] = plane_copy(D);
        lp_id half = nest_i64(p, D->xfe);
        D->xoff = half;
        parts[1] = plane_copy(D);
        D->emit = EMIT_COPY;
        D->xoff = 0;
        D->cl->var_to[var] = g0;
        parts[2] = plane_copy(D);
        /* pairs of planes (the halves constant: the parallelize pass
         * reads the scratch's indices as affine) */
        for (int e = 0; e < 2; e++) {
            lp_id next = nest_addc(p, c2, e + 1);
            if (e == 1) next = lp_binary(p, IR_MIN, next, nest_i64(p, D->G - 1));
            D->cl->var_to[var] = lp_binary(p, IR_ADD, g0, next);
            D->xoff = e == 0 ? half : 0;
            body[3 * e] = plane_copy(D);
            D->cl->var_to[var] = lp_binary(p, IR_ADD, g0, nest_addc(p, c2, e));
            D->xoff = e == 0 ? 0 : half;
            body[3 * e + 1] = compute(D);
            D->xoff = 0;
            body[3 * e + 2] = epilogue(D);
        }
        D->cl->var_to[var] = 0;
        D->emit = EMIT_FILL | EMIT_COPY;
        parts[3] = lp_for(p, cv, nest_i64(p, D->G / 2), LP_SERIAL, lp_seq(p, body, 6));
        return lp_for(p, gv, nest_i64(p, n->oext[k] / D->G), LP_SERIAL, lp_seq(p, parts, 4));
    }
    uint32_t nv = new_var(p, p->vars[var].name);
    D->cl->var_to[var] = lp_var_ref(p, nv);
    lp_id body = outer(D, k + 1);
    D->cl->var_to[var] = 0;
    return lp_for(p, nv, nest_i64(p, n->oext[k]), LP_SERIAL, body);
}

lp_id conv_dw_schedule(lp_program *p, nest_cloner *cl, const conv_dw_nest *n) {
    if (n->nout < 2 || !n->sel || n->nred < 1 || n->nred > 8 || n->nrest > 16) return 0;
    dws D = {.p = p, .cl = cl, .n = n};
    const lp_node *sel = lp_get(p, n->sel);
    const lp_node *ld = lp_get(p, sel->b);
    if (ld->kind != LP_LOAD || ld->nlist < 2 || ld->nlist > TVM_MAX_NDIM) return 0;
    D.xbuf = ld->a;
    D.xd = (int)ld->nlist;
    memcpy(D.ix, lp_list(p, ld->list), (size_t)D.xd * sizeof *D.ix);
    D.oh = n->ovar[n->nout - 2];
    D.ow = n->ovar[n->nout - 1];
    D.OH = n->oext[n->nout - 2];
    D.OW = n->oext[n->nout - 1];
    /* x's last two dims are the window's rows and columns; the others are
     * fixed per plane (outer output vars only, no padding) */
    D.hd = D.xd - 2;
    D.wd = D.xd - 1;
    for (int d = 0; d < D.xd; d++) {
        if (d == D.hd || d == D.wd) continue;
        if (nest_mentions(p, D.ix[d], D.oh, 0) || nest_mentions(p, D.ix[d], D.ow, 0) ||
            n->off_lo[d] || n->off_hi[d])
            return 0;
        for (int k = 0; k < n->nred; k++)
            if (nest_mentions(p, D.ix[d], n->rvar[k], 0)) return 0;
    }
    int64_t sh, sw, fmax, gmax;
    if (!affine_in(&D, D.ix[D.hd], D.oh, D.OH, &sh, &fmax) ||
        !affine_in(&D, D.ix[D.wd], D.ow, D.OW, &sw, &gmax))
        return 0;
    /* the rest of the value reads the window only through sel */
    if (mentions_outside(p, n->value, D.oh, n->sel, 0) ||
        mentions_outside(p, n->value, D.ow, n->sel, 0))
        return 0;
    int64_t Hp = n->xext[D.hd] + n->off_lo[D.hd] + n->off_hi[D.hd];
    int64_t Wp = n->xext[D.wd] + n->off_lo[D.wd] + n->off_hi[D.wd];
    D.sh = sh;
    D.sw = sw;
    if (sh > 2 || sw > 2) return 0;
    D.rows = D.OW >= MIN_ROW_OW;
    D.Hh = ceil_div(Hp, sh);
    D.We = ceil_div(Wp, sw);
    D.PL = D.Hh * D.We;
    /* every read (oh + F/sh, ow + G/sw) is inside its phase because the
     * padded row sh*oh + F < Hp (likewise columns) */
    if (D.We < D.OW || D.PL * sh * sw > MAX_PLANE) return 0;
    D.emit = EMIT_FILL | EMIT_COPY;
    /* planes per group: the largest of 8, 4, 2 dividing the plane loop's
     * extent that leaves at least 4 groups to share among threads */
    D.G = 1;
    if (n->nout >= 3)
        for (int64_t g = 8; g >= 2 && D.G == 1; g /= 2)
            if (n->oext[n->nout - 3] % g == 0 && n->oext[n->nout - 3] / g >= 4) D.G = g;
    D.Q = (D.OH - 1) * D.We + D.OW;
    D.Qv = ceil_div(D.Q, LANES) * LANES;
    /* the buffer's end: past the phases, the last vectors' reads (the
     * bound a range analysis of the read index finds: each term at its
     * largest) */
    fmax += n->off_lo[D.hd];
    gmax += n->off_lo[D.wd];
    int dt = p->bufs[n->acc].dtype;
    if (D.rows) {
        D.R = band_height(D.OH);
        D.BR = sh * (D.R - 1) + fmax + 1;
        D.Hh = ceil_div(D.BR, sh);
        D.PL = D.Hh * D.We;
        D.mr = D.R % ROW_MR ? 1 : ROW_MR;
        lp_id s3x = nest_i64(p, D.mr * NV * LANES);
        /* a row's last read, column OW - 1 + G, is inside the padded row */
        lp_id sb = nest_i64(p, sh * sw * D.PL);
        lp_buffer b = {.name = "xband", .dtype = p->bufs[D.xbuf].dtype,
                       .kind = LP_BUF_WORKSPACE, .ndim = 1, .arg = -1, .elems = sh * sw * D.PL};
        D.xf = lp_new_buffer(p, &b, &sb);
        b = (lp_buffer){.name = "accb", .dtype = dt, .kind = LP_BUF_LOCAL, .ndim = 1, .arg = -1,
                        .elems = D.mr * NV * LANES};
        D.accb = lp_new_buffer(p, &b, &s3x);
        if (p->failed) return 0;
        return outer(&D, 0);
    }
    int64_t last = D.Qv - 1 + (sh - 1) * sw * D.PL + (sw - 1) * D.PL + fmax / sh * D.We + gmax / sw;
    D.xfe = last + 1 > sh * sw * D.PL ? last + 1 : sh * sw * D.PL;
    D.dbl = D.G > 1 && D.xfe <= MAX_DBL;
    int64_t xfe = D.dbl ? 2 * D.xfe : D.xfe;
    lp_id s1 = nest_i64(p, xfe);
    lp_buffer b = {.name = "xf", .dtype = p->bufs[D.xbuf].dtype, .kind = LP_BUF_WORKSPACE,
                   .ndim = 1, .arg = -1, .elems = xfe};
    D.xf = lp_new_buffer(p, &b, &s1);
    lp_id s2 = nest_i64(p, D.Qv);
    b = (lp_buffer){.name = "accp", .dtype = dt, .kind = LP_BUF_WORKSPACE, .ndim = 1, .arg = -1,
                    .elems = D.Qv};
    D.accp = lp_new_buffer(p, &b, &s2);
    lp_id s3 = nest_i64(p, NV * LANES);
    b = (lp_buffer){.name = "accb", .dtype = dt, .kind = LP_BUF_LOCAL, .ndim = 1, .arg = -1,
                    .elems = NV * LANES};
    D.accb = lp_new_buffer(p, &b, &s3);
    if (p->failed) return 0;
    return outer(&D, 0);
}
