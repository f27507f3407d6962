/* schedule_conv — needs: constant loop extents (after specialize and
 * simplify), N-d indices (before flatten and bounds). Keeps: every stored
 * value bit for bit: each output element sums its terms in the original
 * reduction order (input channel, then kernel row, then kernel column),
 * from the same init, through the same epilogue, reading the same values
 * (padding included); only the order in which output elements are computed
 * changes. So the llvm result equals the interpreter's exactly.
 *
 * Recognises the nest lowering gives a convolution (conv2d/conv1d with a
 * fused bias/BN/activation/residual epilogue):
 *
 *   for u1: ... for uk:  { acc = init; for r1: ... for rm: acc += v;
 *                          out[.. u1 .. uk ..] = f(acc) }
 *
 * and register-blocks it one of two ways:
 *
 *   channels (ungrouped, weights read through the packed [O/16][Cg][K..][16]
 *   copy conv.c makes): the output-channel loop o becomes a loop over blocks
 *   of 16 channels (one AVX-512 vector), the innermost other loop (the
 *   output width) is cut into blocks of MR positions, and each block keeps
 *   MR accumulator vectors in registers over the whole reduction: per tap,
 *   one contiguous weight vector, MR broadcast inputs, MR multiply-adds (the
 *   direct convolution of oneDNN's and NCNN's packed kernels, as loop IR);
 *   rows narrower than 8 (7x7) are blocked with the output rows around
 *   them, R rows x M columns a block (see block_shape);
 *
 *   width (depthwise and grouped convolutions, placeholder weights): the
 *   innermost output loop is vectorised, 4 x 16 positions per block,
 *   WIDTH_MR rows at a time; the weight of a tap is a broadcast;
 *
 *   pointwise (an unpadded 1x1 convolution over packed weights whose output
 *   rows, NCHW, are at least 16 wide): width mode whose block rows are 6
 *   output channels, each weight a broadcast from the packed copy, so that
 *   inputs are loaded and outputs stored as whole vectors. A strided 1x1
 *   (a downsample) reads a contiguous copy of the elements it reads (xsub,
 *   made once per call); a padded window over at most 4 input channels
 *   (ResNet's stem) is scheduled the same way, its strided row read from
 *   phase planes of the padded copy: xpad[.., r, ph, j] holds padded
 *   column stride * j + ph, so tap t of output column v reads plane
 *   t % stride at column v + t / stride, contiguous in v. Rows narrower
 *   than a vector (14x14) are merged into one flat position p over the
 *   plane when every access reads [.., h, w] of rows W wide: h = p / W,
 *   w = p % W, which simplify folds back into p once flattened.
 *   Planes of at most 56 positions that would waste lanes (7x7) keep
 *   channel vectors, merged the same way into one or two blocks of rows.
 *
 * Nests over packed weights are scheduled before schedule_contraction
 * (pass_schedule_conv_packed), which would take a 1x1 convolution for a
 * batched matmul; the others after it (pass_schedule_conv).
 *
 * Padding. The input read is select(guard, x[..], 0). The guard must test
 * exactly that the read's own indices are inside x (what conv.c builds):
 * the nest then first copies x into a zero-padded workspace buffer xpad
 * (once per call; per channel plane in width mode, so that the plane is hot
 * in L2 when it is read) and the blocks read xpad without any test: the
 * same values, and the bounds pass proves every read from the loop ranges.
 * Nests with any other guard (a transposed convolution's stride test) are
 * left alone.
 *
 * Nest order: the output loops keep their original order (o replaced by its
 * block loop at the same place), so the outermost loop still has the
 * largest output stride and the parallelize pass splits it across threads
 * (NCHW: channel blocks; NHWC: rows), as it does the padding copy's.
 * Pointwise nests are the exception: their channel blocks are innermost
 * (one output row's inputs stay in L1 for all of them) and the threads
 * split the rows.
 *
 * Backends: only targets with vectors ask for it (pass_ctx.vector_bytes >
 * 0); the interpreter runs the plain nest, the reference of the tests.
 *
 * Files: schedule_conv_match.c recognises the nest (a cmatch); this file
 * builds the blocks from it; schedule_conv_dw.c builds the depthwise
 * (channel-plane) ones. */
#include <stdlib.h>

#include "nest.h"
#include "passes.h"
#include "schedule_conv_dw.h"
#include "schedule_conv_match.h"

typedef struct sched sched;
struct sched {
    lp_program *p;
    pass_ctx *pc;
    nest_cloner cl;     /* the substitution blocks are cloned under */
    uint32_t nbufs;
    const cmatch *m;
    uint32_t accb, accv;
    uint32_t xpad;       /* the zero-padded copy of the input */
    uint32_t xs;         /* the contiguous copy of a strided pointwise read */
    int mr, nv, lanes;   /* the block shape (channels with r2: mr columns) */
    int mr2;             /* channels with r2: rows of r2 per full block */
    lp_id hbase;         /* channels with r2: this block's first r2 row, */
    int hrows;           /* its rows of r2, */
    int bcols;           /* and its columns */
    lp_id wr_base;       /* width mode: the current block of rows */
    int wr_mr;
    lp_id tile;          /* a tiled merged plane: the current tile's index */
    uint8_t *written;    /* the matcher's buffers stored before a nest */
    bool packed;         /* this run's nests: channels mode, or width mode */
};

/* ---- cloning under a substitution --------------------------------------- */

struct sched;
static lp_id pad_copy(struct sched *S, int d, lp_id *dst, lp_id *src, lp_id fill);

static lp_id rolled_for(lp_program *p, uint32_t var, int64_t extent, lp_id body) {
    lp_id r = lp_for(p, var, nest_i64(p, extent), LP_SERIAL, body);
    if (r) p->nodes[r].flags |= LP_NO_UNROLL;
    return r;
}

static lp_id new_loop_var(lp_program *p, const char *name) {
    return lp_new_var(p, name, LP_VAR_LOOP, 0);
}

/* Seeds the clone of the guarded read: the padded copy at the shifted
 * indices (fixed dims of a per-plane copy at 0). Call after new_subst with
 * var_to set. */
static void seed_padded_read(sched *S) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    if (!m->sel) return;
    /* copy the index ids first: cloning grows (moves) the node and pool arrays */
    lp_id src[TVM_MAX_NDIM], idx[TVM_MAX_NDIM];
    memcpy(src, lp_list(p, lp_get(p, lp_get(p, m->sel)->b)->list), (size_t)m->xdims * sizeof *src);
    int last = m->xdims - 1;
    lp_id t = 0;
    if (m->phase > 1) {
        /* the row index is phase * v + t: t is the index at v = 0, cloned
         * under its own substitution (the memo must not keep it) */
        uint32_t v = m->ovar[m->v];
        lp_id keep = S->cl.var_to[v];
        S->cl.var_to[v] = nest_i64(p, 0);
        nest_subst_begin(&S->cl);
        t = nest_addc(p, nest_clone(&S->cl, src[last]), m->off_lo[last]);
        S->cl.var_to[v] = keep;
        nest_subst_begin(&S->cl);
    }
    for (int d = 0; d < m->xdims; d++)
        idx[d] = m->per_plane && m->fixed[d] ? nest_i64(p, 0)
                                             : nest_addc(p, nest_clone(&S->cl, src[d]), m->off_lo[d]);
    uint32_t n = (uint32_t)m->xdims;
    if (m->phase > 1) {
        /* phase plane t % phase, column v + t / phase */
        lp_id ph = nest_i64(p, m->phase);
        idx[last] = lp_binary(p, IR_FLOORMOD, t, ph);
        idx[last + 1] = lp_binary(p, IR_ADD, S->cl.var_to[m->ovar[m->v]],
                                  lp_binary(p, IR_FLOORDIV, t, ph));
        n++;
    }
    S->cl.memo[m->sel] = lp_load(p, S->xpad, idx, n);
    S->cl.memo_tag[m->sel] = S->cl.tag;
}

/* The phase planes of the padded input, xpad[.., r, ph, j] = the padded
 * x[.., r, phase * j + ph]: the whole copy filled with the padding value,
 * then the inside copied, per phase the columns that fall inside x (no
 * element needs a test). A copy of the input's size, once per call. */
static lp_id phase_copy(sched *S) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    int last = m->xdims - 1;
    int64_t s = m->phase, W = m->xext[last], off = m->off_lo[last];
    lp_id fill = lp_get(p, m->sel)->c;
    lp_id dst[TVM_MAX_NDIM + 1], src[TVM_MAX_NDIM], parts[1 + 8];
    uint32_t q[TVM_MAX_NDIM + 1], n = 0;
    /* the fill: every element */
    for (int d = 0; d <= m->xdims; d++) {
        q[d] = new_loop_var(p, "pz");
        dst[d] = lp_var_ref(p, q[d]);
    }
    lp_id body = lp_store(p, S->xpad, dst, (uint32_t)m->xdims + 1, fill);
    for (int d = m->xdims; d >= 0; d--) {
        int64_t e = d < last ? m->xext[d] + m->off_lo[d] + m->off_hi[d]
                  : d == last ? s : (W + off + m->off_hi[last] + s - 1) / s;
        body = lp_for(p, q[d], nest_i64(p, e), LP_SERIAL, body);
    }
    parts[n++] = body;
    /* the inside, one nest per phase */
    for (int64_t ph = 0; ph < s && ph < 8; ph++) {
        int64_t jlo = off - ph > 0 ? (off - ph + s - 1) / s : 0;
        int64_t jhi = (W - 1 + off - ph) / s; /* last j with s*j + ph - off < W */
        if (jhi < jlo) continue;
        for (int d = 0; d < m->xdims; d++) q[d] = new_loop_var(p, "px");
        for (int d = 0; d < last; d++) {
            src[d] = lp_var_ref(p, q[d]);
            dst[d] = nest_addc(p, src[d], m->off_lo[d]);
        }
        lp_id jv = nest_addc(p, lp_var_ref(p, q[last]), jlo);
        dst[last] = nest_i64(p, ph);
        dst[last + 1] = jv;
        src[last] = nest_addc(p, lp_binary(p, IR_MUL, jv, nest_i64(p, s)), ph - off);
        body = lp_store(p, S->xpad, dst, (uint32_t)m->xdims + 1,
                        lp_load(p, m->xbuf, src, (uint32_t)m->xdims));
        for (int d = last; d >= 0; d--)
            body = lp_for(p, q[d], nest_i64(p, d < last ? m->xext[d] : jhi - jlo + 1), LP_SERIAL,
                          body);
        parts[n++] = body;
    }
    return lp_seq(p, parts, n);
}

/* Seeds the clone of a strided pointwise read: the contiguous copy at the
 * substituted vars. Call after new_subst with var_to set. */
static void seed_subsampled_read(sched *S) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    if (!m->xsub) return;
    lp_id idx[TVM_MAX_NDIM];
    for (int d = 0; d < m->xsub_dims; d++) {
        uint32_t v = m->xsub_var[d];
        idx[d] = !v ? nest_i64(p, 0) : S->cl.var_to[v] ? S->cl.var_to[v] : lp_var_ref(p, v);
    }
    S->cl.memo[m->xsub] = lp_load(p, S->xs, idx, (uint32_t)m->xsub_dims);
    S->cl.memo_tag[m->xsub] = S->cl.tag;
}

/* The copy xs[q_0, .., q_d] = x[the read's indices at the vars = q], one
 * loop per dim with a var (innermost: the row, contiguous stores). */
static lp_id subsample_copy(sched *S) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    lp_id src[TVM_MAX_NDIM], dst[TVM_MAX_NDIM];
    uint32_t q[TVM_MAX_NDIM];
    const lp_node *L = lp_get(p, m->xsub);
    uint32_t xbuf = L->a;
    memcpy(src, lp_list(p, L->list), (size_t)m->xsub_dims * sizeof *src); /* cloning moves the pool */
    S->cl.acc = 0;
    for (int d = 0; d < m->xsub_dims; d++) {
        q[d] = 0;
        if (!m->xsub_var[d]) {
            dst[d] = nest_i64(p, 0);
            continue;
        }
        q[d] = new_loop_var(p, "pq");
        dst[d] = lp_var_ref(p, q[d]);
        S->cl.var_to[m->xsub_var[d]] = dst[d];
    }
    nest_subst_begin(&S->cl);
    for (int d = 0; d < m->xsub_dims; d++) src[d] = nest_clone(&S->cl, src[d]);
    for (int d = 0; d < m->xsub_dims; d++)
        if (m->xsub_var[d]) S->cl.var_to[m->xsub_var[d]] = 0;
    lp_id body = lp_store(p, S->xs, dst, (uint32_t)m->xsub_dims,
                          lp_load(p, xbuf, src, (uint32_t)m->xsub_dims));
    for (int d = m->xsub_dims; d-- > 0;)
        if (q[d]) body = lp_for(p, q[d], nest_i64(p, m->xsub_ext[d]), LP_SERIAL, body);
    return body;
}

/* accb[row, col] */
static lp_id acc_at(lp_program *p, uint32_t buf, int64_t row, lp_id col) {
    lp_id idx[2] = {nest_i64(p, row), col};
    return lp_load(p, buf, idx, 2);
}

/* The substitution of the output vars for row `row`, vector `vv`, lane jj
 * of a block whose rows start at rbase and whose vectorised var starts at
 * vbase (channels: vbase is the block of 16 channels, an index into the
 * packed weights). */
static void set_vars(sched *S, lp_id rbase, int64_t row, lp_id vbase, int64_t vv, lp_id jj) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    if (m->r >= 0 && m->r2 >= 0) { /* row-major over the block's R x M positions */
        S->cl.var_to[m->ovar[m->r2]] = nest_addc(p, S->hbase, row / S->bcols);
        S->cl.var_to[m->ovar[m->r]] = nest_addc(p, rbase, row % S->bcols);
    } else if (m->r >= 0)
        S->cl.var_to[m->ovar[m->r]] = nest_addc(p, rbase, row);
    if (m->r >= 0 && m->flat_h && m->mode == MODE_CHANNELS) {
        lp_id pos = S->cl.var_to[m->ovar[m->r]], W = nest_i64(p, m->flat_w);
        S->cl.var_to[m->flat_h] = lp_binary(p, IR_FLOORDIV, pos, W);
        S->cl.var_to[m->ovar[m->r]] = lp_binary(p, IR_FLOORMOD, pos, W);
    }
    if (m->mode == MODE_CHANNELS) {
        lp_id blk = nest_addc(p, vbase, vv);
        S->cl.var_to[m->ovar[m->v]] =
            lp_binary(p, IR_ADD, lp_binary(p, IR_MUL, blk, nest_i64(p, OC_BLOCK)), jj);
    } else {
        lp_id pos = lp_binary(p, IR_ADD, nest_addc(p, vbase, vv * OC_BLOCK), jj);
        S->cl.var_to[m->ovar[m->v]] = pos;
        if (m->flat_tile)
            pos = lp_binary(p, IR_ADD, lp_binary(p, IR_MUL, S->tile, nest_i64(p, m->flat_tile)), pos);
        if (m->flat_h) {
            lp_id W = nest_i64(p, m->flat_w);
            S->cl.var_to[m->flat_h] = lp_binary(p, IR_FLOORDIV, pos, W);
            S->cl.var_to[m->ovar[m->v]] = lp_binary(p, IR_FLOORMOD, pos, W);
        }
    }
}

/* One block: mr rows from rbase (ignored without a row var), nv vectors of
 * `lanes` lanes from vbase. */
static lp_id block(sched *S, lp_id rbase, int mr, lp_id vbase, int nv, int lanes) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    uint32_t jj = new_loop_var(p, "jj");
    lp_id jjv = lp_var_ref(p, jj);
    /* the vectoriser takes power-of-two widths only (a narrow row of a
     * width-mode nest has another width: LLVM handles it as plain code) */
    int vec = lanes > 1 && (lanes & (lanes - 1)) == 0 ? LP_VECTORIZED : LP_SERIAL;
    uint32_t rv[MAX_RED];
    for (int k = 0; k < m->nred; k++) rv[k] = new_loop_var(p, "r");
    int nst = mr * nv;
    lp_id *init = calloc((size_t)nst, sizeof *init), *upd = calloc((size_t)nst, sizeof *upd);
    lp_id *copy = calloc((size_t)nst, sizeof *copy);
    lp_id *epi = calloc((size_t)nst * (m->nrest + 1), sizeof *epi);
    if (!init || !upd || !copy || !epi) {
        S->cl.oom = true;
        free(init), free(upd), free(copy), free(epi);
        return 0;
    }
    uint32_t nepi = 0;
    for (int r = 0; r < mr; r++)
        for (int vv = 0; vv < nv; vv++) {
            int q = r * nv + vv;
            lp_id col = nest_addc(p, jjv, (int64_t)vv * lanes);
            lp_id at[2] = {nest_i64(p, r), col};
            init[q] = lp_store(p, S->accb, at, 2, m->init);
            set_vars(S, rbase, r, vbase, vv, jjv);
            for (int k = 0; k < m->nred; k++) S->cl.var_to[m->rvar[k]] = lp_var_ref(p, rv[k]);
            S->cl.acc = 0;
            nest_subst_begin(&S->cl);
            if (m->mode == MODE_CHANNELS) {
                S->cl.memo[m->wdiv] = nest_addc(p, vbase, vv);
                S->cl.memo_tag[m->wdiv] = S->cl.tag;
                S->cl.memo[m->wmod] = jjv;
                S->cl.memo_tag[m->wmod] = S->cl.tag;
            }
            seed_padded_read(S);
            seed_subsampled_read(S);
            lp_id v = nest_clone(&S->cl, m->value);
            upd[q] = lp_store(p, S->accb, at, 2,
                              lp_binary(p, IR_ADD, acc_at(p, S->accb, r, col), v));
            copy[q] = lp_store(p, S->accv, at, 2, acc_at(p, S->accb, r, col));
            S->cl.acc = m->acc;
            S->cl.acc_to = acc_at(p, S->accv, r, col);
            nest_subst_begin(&S->cl);
            lp_id ep[16];
            for (uint32_t k = 0; k < m->nrest; k++) ep[k] = nest_clone(&S->cl, m->rest[k]);
            lp_id st = lp_seq(p, ep, m->nrest);
            if (m->mode == MODE_CHANNELS && m->oext[m->v] % OC_BLOCK) {
                /* lanes past the last channel: computed, never stored */
                st = lp_if(p, lp_binary(p, IR_LT, S->cl.var_to[m->ovar[m->v]], nest_i64(p, m->oext[m->v])),
                           st, 0);
            }
            epi[nepi++] = st;
        }
    for (int u = 0; u < m->nout; u++)
        if (u == m->v || u == m->r || u == m->r2) S->cl.var_to[m->ovar[u]] = 0;
    if (m->flat_h) S->cl.var_to[m->flat_h] = 0;
    for (int k = 0; k < m->nred; k++) S->cl.var_to[m->rvar[k]] = 0;
    lp_id parts[4];
    parts[0] = lp_for(p, jj, nest_i64(p, lanes), vec, lp_seq(p, init, (uint32_t)nst));
    lp_id red = lp_for(p, jj, nest_i64(p, lanes), vec, lp_seq(p, upd, (uint32_t)nst));
    for (int k = m->nred; k-- > 0;)
        red = m->mode == MODE_WIDTH && k > 0 ? lp_for(p, rv[k], nest_i64(p, m->rext[k]), LP_SERIAL, red)
                                             : rolled_for(p, rv[k], m->rext[k], red);
    parts[1] = red;
    parts[2] = lp_for(p, jj, nest_i64(p, lanes), vec, lp_seq(p, copy, (uint32_t)nst));
    bool masked = m->mode == MODE_CHANNELS && m->oext[m->v] % OC_BLOCK;
    parts[3] = lp_for(p, jj, nest_i64(p, lanes), masked ? LP_SERIAL : vec, lp_seq(p, epi, nepi));
    free(init), free(upd), free(copy), free(epi);
    return lp_seq(p, parts, 4);
}

/* The blocked var's range [from, to) in blocks of `step` positions (full
 * blocks in a loop, the remainder as one smaller block at its constant
 * start): rows (channels mode) or vector lanes (width mode). */
static lp_id runs(sched *S, int64_t from, int64_t to, lp_id vbase) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    lp_id parts[4];
    uint32_t n = 0;
    int64_t len = to - from;
    if (len <= 0) return 0;
    if (m->mode == MODE_CHANNELS) {
        if (m->r < 0) return block(S, 0, 1, vbase, S->nv, OC_BLOCK);
        int64_t nfull = len / S->mr, rem = len % S->mr;
        int h = m->r2 >= 0 ? S->hrows : 1; /* a block's rows: h x its columns */
        if (nfull > 0) {
            uint32_t b = new_loop_var(p, "ow0");
            lp_id base = nest_addc(p, lp_binary(p, IR_MUL, lp_var_ref(p, b), nest_i64(p, S->mr)), from);
            S->bcols = S->mr;
            parts[n++] = rolled_for(p, b, nfull, block(S, base, h * S->mr, vbase, S->nv, OC_BLOCK));
        }
        if (rem > 0) {
            S->bcols = (int)rem;
            parts[n++] = block(S, nest_i64(p, from + nfull * S->mr), h * (int)rem, vbase, S->nv,
                               OC_BLOCK);
        }
    } else {
        int64_t w = (int64_t)WIDTH_NV * OC_BLOCK;
        int64_t nfull = len / w, rem = len % w;
        if (nfull > 0) {
            uint32_t b = new_loop_var(p, "ow0");
            lp_id base = nest_addc(p, lp_binary(p, IR_MUL, lp_var_ref(p, b), nest_i64(p, w)), from);
            parts[n++] = rolled_for(p, b, nfull,
                                    block(S, S->wr_base, S->wr_mr, base, WIDTH_NV, OC_BLOCK));
        }
        int64_t start = from + nfull * w;
        if (nfull > 0 && rem > 0 && (rem % OC_BLOCK || rem < 3 * OC_BLOCK) &&
            !(m->flat_h && rem < OC_BLOCK)) {
            /* one more full block ending at `to`, overlapping the last (its
             * positions are recomputed to the same bits and stored twice):
             * blocks of one or two vectors were measured to lose their
             * vectorisation (LLVM unrolls their small lanes loop first) */
            parts[n++] = block(S, S->wr_base, S->wr_mr, nest_i64(p, to - w), WIDTH_NV, OC_BLOCK);
            rem = 0;
        }
        if (rem >= OC_BLOCK) {
            parts[n++] = block(S, S->wr_base, S->wr_mr, nest_i64(p, start), (int)(rem / OC_BLOCK),
                               OC_BLOCK);
            start += rem / OC_BLOCK * OC_BLOCK;
            rem %= OC_BLOCK;
        }
        if (rem > 0) {
            if (len >= OC_BLOCK) /* one vector ending at `to`, overlapping the last */
                parts[n++] = block(S, S->wr_base, S->wr_mr, nest_i64(p, to - OC_BLOCK), 1, OC_BLOCK);
            else
                parts[n++] = block(S, S->wr_base, S->wr_mr, nest_i64(p, start), 1, (int)rem);
        }
    }
    return n ? lp_seq(p, parts, n) : 0;
}

/* The blocked var: rows in channels mode, lanes in width mode. */
static lp_id inner(sched *S, lp_id vbase) {
    const cmatch *m = S->m;
    int u = m->mode == MODE_CHANNELS ? m->r : m->v;
    return runs(S, 0, u < 0 ? 1 : m->oext[u], vbase);
}

/* Output loops from index k inward, in their original order; the
 * vectorised var's loop (channels) becomes the loop over channel blocks,
 * the blocked var's loop is `inner`. */
static lp_id outer(sched *S, int k, lp_id vbase) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    /* pointwise: the channel blocks innermost, so that the input rows of
     * one output row stay in L1 for all of them */
    int rk = m->pointwise ? m->nout : m->r;
    if (m->mode == MODE_WIDTH && m->r >= 0 && k == rk) { /* blocks of rows */
        int64_t E = m->oext[m->r], mr = S->mr, nfull = E / mr, rem = E % mr;
        lp_id parts[2];
        uint32_t n = 0;
        if (nfull) {
            uint32_t rb = new_loop_var(p, "oh0");
            S->wr_base = lp_binary(p, IR_MUL, lp_var_ref(p, rb), nest_i64(p, mr));
            S->wr_mr = (int)mr;
            parts[n++] = rolled_for(p, rb, nfull,
                                    m->pointwise ? inner(S, vbase) : outer(S, k + 1, vbase));
        }
        if (rem) {
            S->wr_base = nest_i64(p, nfull * mr);
            S->wr_mr = (int)rem;
            parts[n++] = m->pointwise ? inner(S, vbase) : outer(S, k + 1, vbase);
        }
        return lp_seq(p, parts, n);
    }
    if (k == m->nout) return inner(S, vbase);
    if (m->mode == MODE_CHANNELS && k == m->r2) { /* blocks of mr2 rows, then the rest */
        int64_t E = m->oext[k], nfull = E / S->mr2, rem = E % S->mr2;
        lp_id parts[2];
        uint32_t n = 0;
        if (nfull) {
            uint32_t rb = new_loop_var(p, "oh0");
            S->hbase = lp_binary(p, IR_MUL, lp_var_ref(p, rb), nest_i64(p, S->mr2));
            S->hrows = S->mr2;
            parts[n++] = rolled_for(p, rb, nfull, outer(S, k + 1, vbase));
        }
        if (rem) {
            S->hbase = nest_i64(p, nfull * S->mr2);
            S->hrows = (int)rem;
            parts[n++] = outer(S, k + 1, vbase);
        }
        return lp_seq(p, parts, n);
    }
    if (k == m->r || (m->mode == MODE_WIDTH && k == m->v)) return outer(S, k + 1, vbase);
    if (m->mode == MODE_CHANNELS && k == m->v) {
        int64_t nob = m->nvec / S->nv;
        uint32_t ob = new_loop_var(p, "ob");
        lp_id vb = lp_binary(p, IR_MUL, lp_var_ref(p, ob), nest_i64(p, S->nv));
        return rolled_for(p, ob, nob, outer(S, k + 1, vb));
    }
    uint32_t var = m->ovar[k];
    uint32_t nv_ = new_loop_var(p, m->flat_tile && var == m->flat_h ? "tile" : p->vars[var].name);
    S->cl.var_to[var] = lp_var_ref(p, nv_);
    if (m->flat_tile && var == m->flat_h) S->tile = lp_var_ref(p, nv_);
    lp_id body = outer(S, k + 1, vbase);
    if (k == 0 && m->per_plane) { /* this plane's padded copy */
        lp_id dst[TVM_MAX_NDIM], src[TVM_MAX_NDIM], ix[TVM_MAX_NDIM];
        memcpy(ix, lp_list(p, lp_get(p, lp_get(p, m->sel)->b)->list),
               (size_t)m->xdims * sizeof *ix); /* cloning moves the pool */
        S->cl.acc = 0;
        nest_subst_begin(&S->cl);
        for (int d = 0; d < m->xdims; d++)
            if (m->fixed[d]) src[d] = nest_clone(&S->cl, ix[d]);
        lp_id two[2] = {pad_copy(S, 0, dst, src, lp_get(p, m->sel)->c), body};
        body = lp_seq(p, two, 2);
    }
    S->cl.var_to[var] = 0;
    return lp_for(p, nv_, nest_i64(p, m->oext[k]), LP_SERIAL, body);
}


/* xpad[j] = x[j - off_lo] inside, the select's else value (zero) in the
 * padding: per dim, the low padding, the copied range (recursing into the
 * next dims) and the high padding, so no element needs a test. */
static lp_id pad_fill(sched *S, int d, lp_id *idx, lp_id fill) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    if (d == m->xdims) return lp_store(p, S->xpad, idx, (uint32_t)m->xdims, fill);
    if (m->per_plane && m->fixed[d]) {
        idx[d] = nest_i64(p, 0);
        return pad_fill(S, d + 1, idx, fill);
    }
    uint32_t v = new_loop_var(p, "pz");
    idx[d] = lp_var_ref(p, v);
    lp_id body = pad_fill(S, d + 1, idx, fill);
    return lp_for(p, v, nest_i64(p, m->xext[d] + m->off_lo[d] + m->off_hi[d]), LP_SERIAL, body);
}

static lp_id pad_copy(sched *S, int d, lp_id *dst, lp_id *src, lp_id fill) {
    const cmatch *m = S->m;
    lp_program *p = S->p;
    if (d == m->xdims)
        return lp_store(p, S->xpad, dst, (uint32_t)m->xdims,
                        lp_load(p, m->xbuf, src, (uint32_t)m->xdims));
    if (m->per_plane && m->fixed[d]) { /* src[d] set by the caller */
        dst[d] = nest_i64(p, 0);
        return pad_copy(S, d + 1, dst, src, fill);
    }
    lp_id parts[3];
    uint32_t n = 0;
    int64_t cut[4] = {0, m->off_lo[d], m->off_lo[d] + m->xext[d],
                      m->off_lo[d] + m->xext[d] + m->off_hi[d]};
    for (int q = 0; q < 3; q++) {
        if (cut[q + 1] <= cut[q]) continue;
        uint32_t v = new_loop_var(p, "px");
        dst[d] = nest_addc(p, lp_var_ref(p, v), cut[q]);
        lp_id body;
        if (q == 1) {
            src[d] = lp_var_ref(p, v);
            body = pad_copy(S, d + 1, dst, src, fill);
        } else { /* a padding slab: the remaining dims in full */
            lp_id idx[TVM_MAX_NDIM];
            memcpy(idx, dst, sizeof idx);
            body = pad_fill(S, d + 1, idx, fill);
        }
        parts[n++] = lp_for(p, v, nest_i64(p, cut[q + 1] - cut[q]), LP_SERIAL, body);
    }
    return lp_seq(p, parts, n);
}

/* Width mode: the per-plane depthwise schedule first (schedule_conv_dw.c). */
static lp_id schedule_dw(sched *S, const cmatch *m) {
    conv_dw_nest d = {.nout = m->nout, .nred = m->nred, .ovar = m->ovar, .rvar = m->rvar,
                      .oext = m->oext, .rext = m->rext, .acc = m->acc, .init = m->init,
                      .value = m->value, .sel = m->sel, .rest = m->rest, .nrest = m->nrest,
                      .xext = m->xext, .off_lo = m->off_lo, .off_hi = m->off_hi};
    return conv_dw_schedule(S->p, &S->cl, &d);
}

/* The cost of covering E positions in blocks of b (whole blocks, then the
 * rest): per block, its multiply-adds (at least MIN_SUMS: fewer leave the
 * FMA pipes waiting on their chains) plus BLOCK_COST for the weight
 * vector each tap loads and the block's loop. Rough, in multiply-add
 * units of one tap; only compares shapes of one nest. */
#define MIN_SUMS 8
#define BLOCK_COST 4
static int64_t shape_cost(int64_t E_h, int64_t R, int64_t E_w, int64_t M) {
    int64_t hs[2] = {E_h / R, E_h % R ? 1 : 0}, hr[2] = {R, E_h % R};
    int64_t ws[2] = {E_w / M, E_w % M ? 1 : 0}, wr[2] = {M, E_w % M};
    int64_t c = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            int64_t acc = hr[a] * wr[b];
            if (!hs[a] || !ws[b]) continue;
            c += hs[a] * ws[b] * ((acc > MIN_SUMS ? acc : MIN_SUMS) + BLOCK_COST);
        }
    return c;
}

/* Channels mode over rows narrower than MIN_SUMS (ResNet-18's 7x7 3x3
 * layers: seven blocks of 7 sums per plane): the output rows outside the
 * blocked columns (NCHW's h, channel blocks outside it) are blocked too,
 * each block R rows x M columns of positions, the shape shape_cost finds
 * cheapest among blocks of up to `most` sums (float32 on AVX-512: 28, as
 * each multiply-add takes its broadcast input from memory and the weight
 * vector is the only other register; 7x7: 4 x 7 and 3 x 7 rows, no
 * spills; measured 3-7% faster than seven blocks of 7 at 512 -> 512).
 * Wider rows keep blocks of one row: 2-D blocks over 14-, 28- and 56-wide
 * rows (3 x 8, 4 x 6, ...) ran 1-2% slower than 14, 24 + 4 and
 * 24 + 24 + 8 there. Every position keeps its own accumulator and
 * reduction order, so the bits do not change. */
static void block_shape(sched *S, cmatch *m, int most) {
    int u = m->r - 1;
    if (m->flat_h || m->pointwise || u < 0 || u == m->v || m->v > u) return;
    int64_t E_h = m->oext[u], E_w = m->oext[m->r];
    if (E_h < 2 || E_w >= MIN_SUMS) return;
    int64_t best = shape_cost(E_h, 1, E_w, S->mr), bm = 0, br = 0;
    /* widest first: of equal costs, the one with fewer input rows per tap */
    for (int64_t M = E_w < most ? E_w : most; M >= 1; M--) {
        int64_t R = most / M < E_h ? most / M : E_h;
        if (R < 2) continue;
        int64_t c = shape_cost(E_h, R, E_w, M);
        if (c < best) best = c, bm = M, br = R;
    }
    if (!bm) return;
    m->r2 = u;
    S->mr = (int)bm;
    S->mr2 = (int)br;
}

static lp_id schedule(sched *S, cmatch *m) {
    lp_program *p = S->p;
    if (m->mode == MODE_WIDTH && m->sel && !m->pointwise) {
        lp_id r = schedule_dw(S, m);
        if (r) return r;
    }
    int dt = dtype_compute(p->bufs[m->acc].dtype);
    int vb = S->pc->vector_bytes;
    /* accumulator registers: 24 of AVX-512's 32 (4 left for the weights
     * and a broadcast), 12 of AVX2's 16 */
    int budget = conv_acc_budget(vb);
    int regs16 = (int)(OC_BLOCK * dtype_bytes(dt) + vb - 1) / vb; /* registers per 16 lanes */
    S->m = m;
    S->lanes = OC_BLOCK;
    if (m->mode == MODE_CHANNELS) {
        /* one vector of channels by many positions: measured on Zen 4
         * (64x56x56 and 256x14x14 3x3, 3x224x224 7x7/2), 1 x 16..24 ran
         * 1.3-1.4x faster than 2 x 8..12: half the weight loads per
         * multiply-add, and the input broadcasts come straight from L1 */
        S->nv = 1;
        S->mr = budget / (S->nv * regs16);
        if (S->mr > MAX_MR) S->mr = MAX_MR;
        if (S->mr < 1) S->mr = 1;
        /* rows: a divisor of the width near the most that fit, so that the
         * width needs no remainder block (one copy of the block code) */
        if (m->r >= 0) {
            int64_t E = m->oext[m->r];
            if (E <= S->mr) S->mr = (int)E;
            else
                for (int mr = S->mr; mr * 3 >= S->mr * 2; mr--)
                    if (E % mr == 0) {
                        S->mr = mr;
                        break;
                    }
            /* a merged plane: two blocks, their rows constants */
            if (m->flat_h && E > S->mr) S->mr = (int)((E + 1) / 2);
            block_shape(S, m, regs16 == 1 && vb >= 64 ? MAX_MR : budget / regs16);
        }
    } else {
        S->nv = WIDTH_NV;
        S->mr = 1;
        S->wr_base = 0;
        S->wr_mr = 1;
        if (m->pointwise) {
            /* output channels: 6 x 4 vectors fill AVX-512's 24 accumulators */
            S->mr = budget / (WIDTH_NV * regs16);
            if (S->mr < 1) S->mr = 1;
            if (S->mr > m->oext[m->r]) S->mr = (int)m->oext[m->r];
            /* a merged plane of batch 1: whole blocks (see match_nest) */
            if (m->flat_h && m->nout == 2) S->mr = conv_pw_rows(vb, dt, m->oext[m->r]);
        }
        /* rows of the padded input: several output rows per block, more
         * independent sums in flight (each is a chain of K*K additions) */
        if (m->sel && m->nout >= 2 && !m->pointwise && !(m->per_plane && m->nout - 2 == 0)) {
            m->r = m->nout - 2;
            S->mr = WIDTH_MR;
            if (S->mr > m->oext[m->r]) S->mr = (int)m->oext[m->r];
        }
    }
    int cols = (S->nv > WIDTH_NV ? S->nv : WIDTH_NV) * OC_BLOCK;
    int64_t arows = (int64_t)S->mr * (m->r2 >= 0 ? S->mr2 : 1);
    lp_id shape[2] = {nest_i64(p, arows), nest_i64(p, cols)};
    /* channels mode's accumulators are named apart (test_conv tells the
     * schedules by them) */
    lp_buffer b = {.name = m->mode == MODE_CHANNELS ? (m->r2 >= 0 ? "accb_oc2d" : "accb_oc")
                           : m->pointwise ? "accb_pw" : "accb",
                   .dtype = p->bufs[m->acc].dtype, .kind = LP_BUF_LOCAL,
                   .ndim = 2, .arg = -1, .elems = arows * cols};
    S->accb = lp_new_buffer(p, &b, shape);
    b.name = "accv";
    S->accv = lp_new_buffer(p, &b, shape);
    if (p->failed) return 0;
    lp_id pre = 0;
    if (m->sel) {
        lp_id pshape[TVM_MAX_NDIM + 1];
        int64_t el = 1;
        int nd = m->xdims;
        for (int d = 0; d < m->xdims; d++) {
            int64_t e = m->per_plane && m->fixed[d] ? 1 : m->xext[d] + m->off_lo[d] + m->off_hi[d];
            if (d == m->xdims - 1 && m->phase > 1) { /* [phase][columns / phase] */
                pshape[d] = nest_i64(p, m->phase);
                e = (e + m->phase - 1) / m->phase;
                el *= m->phase;
                nd++;
                d++;
            }
            pshape[d] = nest_i64(p, e);
            el *= e;
        }
        lp_buffer pb = {.name = "xpad", .dtype = p->bufs[m->xbuf].dtype,
                        .kind = LP_BUF_WORKSPACE, .ndim = (uint16_t)nd, .arg = -1,
                        .elems = el};
        S->xpad = lp_new_buffer(p, &pb, pshape);
        if (p->failed) return 0;
        if (m->phase > 1) {
            pre = phase_copy(S);
        } else if (!m->per_plane) {
            lp_id dst[TVM_MAX_NDIM], src[TVM_MAX_NDIM];
            pre = pad_copy(S, 0, dst, src, lp_get(p, m->sel)->c);
        }
    }
    if (m->xsub) {
        lp_id xshape[TVM_MAX_NDIM];
        int64_t el = 1;
        for (int d = 0; d < m->xsub_dims; d++) {
            xshape[d] = nest_i64(p, m->xsub_ext[d]);
            el *= m->xsub_ext[d];
        }
        lp_buffer xb = {.name = "xsub", .dtype = p->bufs[lp_get(p, m->xsub)->a].dtype,
                        .kind = LP_BUF_WORKSPACE, .ndim = (uint16_t)m->xsub_dims, .arg = -1,
                        .elems = el};
        S->xs = lp_new_buffer(p, &xb, xshape);
        if (p->failed) return 0;
        pre = subsample_copy(S);
    }
    lp_id body = outer(S, 0, nest_i64(p, 0));
    if (!pre) return body;
    lp_id two[2] = {pre, body};
    return lp_seq(p, two, 2);
}

/* ---- the walk ------------------------------------------------------------ */

/* A loop of the walk: its blocked replacement when it is a convolution
 * nest of this run, itself when it is one of the other run's, 0 (look
 * inside) when it is none. */
static lp_id try_loop(void *ctx, lp_id s) {
    sched *S = ctx;
    lp_program *p = S->p;
    cmatch m;
    if (!conv_match_nest(p, s, &m, S->written, S->nbufs, S->pc->vector_bytes)) return 0;
    /* the run before schedule_contraction takes the packed nests only; the
     * run after it the others */
    if (m.packed != S->packed) return s;
    lp_id r = schedule(S, &m);
    return r && !S->cl.oom && !p->failed ? r : s;
}

static tvm_status run(pass_ctx *pc, bool packed) {
    lp_program *p = pc->p;
    if (pc->vector_bytes <= 0 || !p->body) return TVM_OK;
    sched S = {.p = p, .pc = pc, .nbufs = p->nbufs, .packed = packed};
    bool cloner_ok = nest_cloner_init(&S.cl, p);
    uint8_t *written = calloc(p->nbufs, 1);
    tvm_status st = TVM_OK;
    if (!cloner_ok || !written) {
        st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    } else {
        S.written = written;
        p->body = nest_rewrite_loops(p, p->body, try_loop, &S);
        if (p->failed || S.cl.oom) st = err_set(TVM_ERR_OUT_OF_MEMORY, "out of memory");
    }
    nest_cloner_free(&S.cl);
    free(written);
    return st;
}

/* Convolutions over packed weights (channels mode) run before
 * schedule_contraction: a 1x1 convolution is also a batched matmul to it
 * (channels as the batch), blocked over a 7- or 14-wide output row. */
tvm_status pass_schedule_conv_packed(pass_ctx *pc) { return run(pc, true); }

/* The others (width mode) after it, which keeps batched matmuls (three
 * output loops, one reduction, like a 1x1 convolution over placeholder
 * weights) with schedule_contraction. */
tvm_status pass_schedule_conv(pass_ctx *pc) { return run(pc, false); }
