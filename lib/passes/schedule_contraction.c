/* schedule_contraction — needs: constant loop extents (after specialize and
 * simplify), N-d indices (before flatten). Keeps: every stored value bit for
 * bit (each output element still sums its k terms in increasing k, with the
 * same init and the same epilogue); changes only the order in which output
 * elements are computed. The one exception, matrix-vector nests read along
 * k, sums each row in a fixed reassociated order (see schedule_dot).
 *
 * Recognises the loop nest lowering gives a contraction (matmul, dense,
 * batched matmul inside extra outer loops):
 *
 *   for i < M:  for j < N:  { acc = init; for k < K: acc += v(i, j, k);
 *                             out...[i, j...] = f(acc, i, j) }
 *
 * (the i loop may be missing when simplify removed it for M = 1) and
 * register-blocks it:
 *
 *   for i0 < M/MR: for j0 < N/NR:            (then the remainders)
 *     for jj < NR vectorized: accb[ii, jj] = init              (ii < MR, unrolled)
 *     for k < K: for jj < NR vectorized:
 *                  accb[ii, jj] = accb[ii, jj] + v(i0*MR+ii, j0*NR+jj, k)  (ii < MR)
 *     for jj < NR vectorized: f(accb[ii, jj], i0*MR+ii, j0*NR+jj)          (ii < MR)
 *
 * accb is an MR x NR local buffer; every access has a constant row and a
 * column that the vectoriser turns into whole vectors (the jj loops carry
 * their extent as the vector width), so after vectorisation SROA keeps the
 * MR x NR/lanes accumulator vectors in registers across the k loop, and each
 * k step is NR/lanes vector loads of B's row, MR broadcasts of A[i, k] and
 * MR x NR/lanes multiply-adds. The value v of a sum of products carries
 * lowering's LP_FUSED product (loop.h) and stays the right operand of the
 * block's add, so each step is one fma, as in the plain nest the
 * interpreter runs. Rows are unrolled here (one statement per
 * row) rather than by LLVM so that the accumulator rows have constant
 * offsets before any LLVM pass runs.
 *
 * Remainders: one copy of the block code serves all full blocks. When MR
 * does not divide M, the M % MR rows left are one more block with that
 * many accumulator rows, or, for large M, a full block at M - MR
 * overlapping the one before (see column_panel); M < MR is one block of M
 * rows. NR is a power of two <= N (the vectoriser
 * takes only power-of-two widths); a column remainder that rounds up to NR
 * is one more overlapping panel at N - NR, a narrower one a panel of the
 * next power of two at its end. The panel and row loops, and k, are
 * LP_NO_UNROLL: LLVM unrolling a trip count of 2 doubled the code and the
 * compile time.
 *
 * The epilogue f (stores of the fused bias/activation) runs once per output
 * element after its k loop. Reordering output elements is only safe when
 * the epilogue's stores are to buffers that nothing in the nest reads; the
 * matcher checks that and declines anything else (loops, ifs, other
 * reductions in the epilogue, non-float accumulators, min/max/prod).
 *
 * Packing: with enough rows, B's K x NR panel is copied into a contiguous
 * workspace panel before the row blocks run over it (column panels are the
 * outer loop, so the panel stays in L2 while A streams MR rows at a time);
 * this also lets dense's transposed W[j, k] be blocked. A B that is a
 * compile-time constant is packed once instead: tvm_op_matmul / tvm_op_dense
 * read it through bp[j / P, k, j % P] (linalg.c, folded by fold_constants),
 * and a column panel inside one of bp's K x P panels reads it in place, with
 * no per-call copy (see prepacked_load, in_place). P (CONTRACT_MAX_NR) is a multiple of
 * every NR, so only a column remainder can straddle two of them; that one
 * is copied as before, from bp.
 *
 * Threads: the full column panels are one loop at multiples of NR whose
 * iterations write disjoint columns; the packed panel and the accumulator
 * block are private to it (the column remainder has its own). parallelize
 * proves that and runs the loop across threads, each packing into its own
 * slot of the panel buffer. A thread's columns are computed exactly as on
 * one thread, so results do not depend on the thread count. Narrow outputs
 * (one full panel) split their rows into groups instead (schedule_rows).
 *
 * K blocks: when a packed panel would not fit its share of the host's L2
 * (topology.h), k is split into even blocks and the row blocks run once per
 * K block, their running sums parked in a workspace buffer between blocks
 * (see panel()): the sum order of every element is still increasing k.
 *
 * Backends: only targets with vectors ask for this schedule
 * (pass_ctx.vector_bytes > 0); the interpreter runs the plain nest. */
#include <stdlib.h>

#include "../topology.h"
#include "contraction.h"
#include "nest.h"
#include "passes.h"

/* Register blocking: MR rows (contraction.h) by NR columns, NR at most
 * CONTRACT_MAX_NR. */
#define MR CONTRACT_MR
#define ROW_GROUP (16 * MR) /* rows per group when the rows are split (schedule_rows) */

/* K blocking, from the host's cache sizes (topology.h). A block's B panel
 * is K x NR elements (K = 1024, float32: 256 KiB), read once per row block
 * from L2 while A's MR rows stream through L1. When the panel would take
 * more than 1/KC_L2_SHARE of L2 (with 1 MiB of L2: K > 2048), k is split
 * into even blocks that fit: the row blocks run once per K block, parking
 * their running sums in a workspace buffer between blocks. MIN_KC keeps a
 * tiny or misreported L2 from splitting k into slivers. */
#define KC_L2_SHARE 2
#define MIN_KC 128

typedef struct sched {
    lp_program *p;
    pass_ctx *pc;
    nest_cloner cl;     /* the substitution blocks are cloned under */
    uint32_t nbufs;     /* buffers before the pass (matched nests use only these) */
    /* the rows the nest being built covers: row0 .. row0 + rows (row0 = 0:
     * from row 0); all M unless the rows are split into groups */
    lp_id row0;
    int64_t rows;
    /* the column panel being built reads a compile-time packed B in place:
     * its columns are bp[dq, k, dr + jj] (see in_place) */
    bool direct;
    lp_id dq, dr;
    uint8_t *written;   /* the matcher's buffers stored before a nest */
} sched;

/* ---- matching ----------------------------------------------------------- */

/* Whether every load in e that depends on j does so through its last index
 * only: consecutive j are consecutive elements, so the vectorised columns
 * are plain vector loads. A transposed operand (dense's W[j, k]) would be a
 * gather per vector: such nests are blocked only when W is packed into
 * [k, j] panels first (see CONTRACT_PACK_MIN_ROWS), else left alone. */
static bool j_contiguous(const lp_program *p, lp_id e, uint32_t jvar, lp_id skip, int depth) {
    if (!e || e == skip) return true;
    if (depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST || n->kind == LP_VAR) return true;
    if (n->kind == LP_LOAD) {
        for (uint32_t k = 0; k + 1 < n->nlist; k++)
            if (nest_mentions(p, lp_list(p, n->list)[k], jvar, 0)) return false;
        return true;
    }
    if (n->kind == LP_CALL) {
        for (uint32_t k = 0; k < n->nlist; k++)
            if (!j_contiguous(p, lp_list(p, n->list)[k], jvar, skip, depth + 1)) return false;
        return true;
    }
    return j_contiguous(p, n->a, jvar, skip, depth + 1) &&
           j_contiguous(p, n->b, jvar, skip, depth + 1) &&
           j_contiguous(p, n->c, jvar, skip, depth + 1);
}

/* Whether k reaches e only as the bare last index of its loads: the terms
 * of consecutive k are consecutive elements of every operand, so a chunk
 * of k is a plain vector load of each. */
static bool k_contiguous(const lp_program *p, lp_id e, uint32_t kvar, int depth) {
    if (!e) return true;
    if (depth > 200) return false;
    const lp_node *n = lp_get(p, e);
    if (n->kind == LP_CONST) return true;
    if (n->kind == LP_VAR) return n->a != kvar;
    if (n->kind == LP_LOAD) {
        if (n->nlist == 0) return true;
        for (uint32_t k = 0; k + 1 < n->nlist; k++)
            if (nest_mentions(p, lp_list(p, n->list)[k], kvar, 0)) return false;
        const lp_node *last = lp_get(p, lp_list(p, n->list)[n->nlist - 1]);
        return (last->kind == LP_VAR && last->a == kvar) ||
               !nest_mentions(p, lp_list(p, n->list)[n->nlist - 1], kvar, 0);
    }
    if (n->kind == LP_CALL) {
        for (uint32_t k = 0; k < n->nlist; k++)
            if (!k_contiguous(p, lp_list(p, n->list)[k], kvar, depth + 1)) return false;
        return true;
    }
    return k_contiguous(p, n->a, kvar, depth + 1) && k_contiguous(p, n->b, kvar, depth + 1) &&
           k_contiguous(p, n->c, kvar, depth + 1);
}

struct match;
static lp_id packable_load(const lp_program *p, lp_id value, const struct match *m);
static lp_id prepacked_load(const lp_program *p, lp_id value, struct match *m);

/* The parts of a matched nest. */
typedef struct match {
    uint32_t ivar, jvar, kvar; /* ivar = 0: no i loop (M = 1) */
    int64_t M, N, K;
    uint32_t acc;     /* the scalar local accumulator */
    lp_id init;       /* its initial value */
    lp_id value;      /* v(i, j, k) */
    lp_id bload;      /* the one load in v that reads across j (B[.., k, j]), if
                         its other indices depend on neither i nor j: packable */
    lp_id rest[16];   /* the epilogue's stores */
    uint32_t nrest;
    bool dot;         /* a matrix-vector nest read along k (see schedule_dot) */
    lp_id pre;        /* B read as packed at compile time: bp[j / P, k, j % P]
                         (linalg.c's packed_b); its panels are read in place */
    int64_t P;        /* its panel width */
} match;

/* Matches the j loop `jl` (inside i loop `il`, or il = 0). */
static bool match_nest(const lp_program *p, lp_id il, lp_id jl, match *m, uint8_t *written,
                       uint32_t nbufs) {
    *m = (match){0};
    if (il) {
        const lp_node *I = lp_get(p, il);
        if (I->kind != LP_FOR || I->op != LP_SERIAL || !nest_const_extent(p, I->b, &m->M)) return false;
        m->ivar = I->a;
    } else {
        m->M = 1;
    }
    const lp_node *J = lp_get(p, jl);
    if (J->kind != LP_FOR || J->op != LP_SERIAL || !nest_const_extent(p, J->b, &m->N)) return false;
    m->jvar = J->a;
    lp_id items[20];
    uint32_t n = 0;
    if (!nest_flatten_seq(p, J->c, items, &n, 20) || n < 3) return false;
    /* acc = init */
    if (!nest_match_init(p, items[0], &m->acc, &m->init)) return false;
    /* for k: acc += v */
    const lp_node *Kl = lp_get(p, items[1]);
    if (Kl->kind != LP_FOR || Kl->op != LP_SERIAL || !nest_const_extent(p, Kl->b, &m->K) ||
        m->K < 1)
        return false;
    m->kvar = Kl->a;
    const lp_node *A = lp_get(p, nest_single(p, Kl->c));
    if (A->kind != LP_ACCUM || A->a != m->acc || A->op != TVM_REDUCE_SUM) return false;
    m->value = A->b;
    /* the epilogue: stores to non-local buffers */
    memset(written, 0, nbufs);
    for (uint32_t k = 2; k < n; k++) {
        const lp_node *R = lp_get(p, items[k]);
        if (R->kind != LP_STORE || p->bufs[R->a].kind == LP_BUF_LOCAL) return false;
        /* each (i, j) stores its own element (bare i and j among the
         * indices), so reordering, and storing a recomputed element twice,
         * leave the same memory */
        bool has_i = !m->ivar, has_j = false;
        for (uint32_t d = 0; d < R->nlist; d++) {
            const lp_node *x = lp_get(p, lp_list(p, R->list)[d]);
            if (x->kind != LP_VAR) continue;
            has_i |= x->a == m->ivar;
            has_j |= x->a == m->jvar;
        }
        if (!has_i || !has_j) return false;
        written[R->a] = 1;
        m->rest[m->nrest++] = items[k];
    }
    /* v reads neither locals nor written buffers; nor do the epilogue's
     * values and indices (acc excepted) */
    if (!nest_expr_ok(p, m->value, 0, written, NEST_ALLOW_CALLS, 0)) return false;
    m->pre = prepacked_load(p, m->value, m);
    /* a packed B's panel that straddles two of its panels (a column
     * remainder) is still copied per call, from the packed B */
    m->bload = m->pre ? m->pre : packable_load(p, m->value, m);
    if (m->M < CONTRACT_PACK_MIN_ROWS) m->bload = 0; /* not packed */
    /* unpacked, a B read across j must be contiguous in j; or, without an i
     * loop, every read contiguous in k (y[j] = sum_k W[j, k] x[k]) */
    if (!m->bload && !j_contiguous(p, m->value, m->jvar, m->pre, 0)) {
        if (m->ivar || !k_contiguous(p, m->value, m->kvar, 0)) return false;
        m->dot = true;
    }
    for (uint32_t k = 0; k < m->nrest; k++) {
        const lp_node *R = lp_get(p, m->rest[k]);
        if (!nest_expr_ok(p, R->b, m->acc, written, NEST_ALLOW_CALLS, 0)) return false;
        for (uint32_t d = 0; d < R->nlist; d++)
            if (!nest_expr_ok(p, lp_list(p, R->list)[d], m->acc, written, NEST_ALLOW_CALLS, 0))
                return false;
    }
    /* worth it: a vector of columns and more than a handful of terms (dot:
     * try_nest checks K against the vector chunk) */
    return m->dot || (m->N >= 4 && m->K >= 4);
}

/* Collects up to 2 loads in e that mention var (bare node ids). */
static void loads_of(const lp_program *p, lp_id e, uint32_t var, lp_id *out, uint32_t *n,
                     int depth) {
    if (!e || depth > 200 || *n > 2) return;
    const lp_node *x = lp_get(p, e);
    if (x->kind == LP_CONST || x->kind == LP_VAR) return;
    if (x->kind == LP_LOAD) {
        if (nest_mentions(p, e, var, 0)) out[(*n)++] = e;
        return;
    }
    if (x->kind != LP_CALL) loads_of(p, x->a, var, out, n, depth + 1);
    loads_of(p, x->b, var, out, n, depth + 1);
    loads_of(p, x->c, var, out, n, depth + 1);
    for (uint32_t k = 0; k < x->nlist; k++)
        loads_of(p, lp_list(p, x->list)[k], var, out, n, depth + 1);
}

/* The B operand when it can be packed: the only load of v that depends on
 * j, from an argument or workspace buffer, with j a bare index (last: B[k,
 * j]; or not: dense's W[j, k]) and the other indices free of i and j (so
 * one panel serves every row). */
static lp_id packable_load(const lp_program *p, lp_id value, const match *m) {
    lp_id l[3];
    uint32_t n = 0;
    loads_of(p, value, m->jvar, l, &n, 0);
    if (n != 1) return 0;
    const lp_node *x = lp_get(p, l[0]);
    if (x->nlist < 1 || p->bufs[x->a].kind == LP_BUF_LOCAL) return 0;
    uint32_t bare = 0;
    for (uint32_t k = 0; k < x->nlist; k++) {
        lp_id ix = lp_list(p, x->list)[k];
        const lp_node *e = lp_get(p, ix);
        if (e->kind == LP_VAR && e->a == m->jvar) bare++;
        else if (nest_mentions(p, ix, m->jvar, 0)) return 0;
        if (m->ivar && nest_mentions(p, ix, m->ivar, 0)) return 0;
    }
    return bare == 1 ? l[0] : 0;
}

/* B packed at compile time (linalg.c's packed_b): the only load of v that
 * depends on j is bp[j / P, k', j % P] (floor or truncating division: j >=
 * 0), k' free of i and j. Each K x P panel of bp is contiguous, so a column
 * panel inside one of them needs no copy (see in_place). Sets m->P. */
static lp_id prepacked_load(const lp_program *p, lp_id value, match *m) {
    lp_id l[3];
    uint32_t n = 0;
    loads_of(p, value, m->jvar, l, &n, 0);
    if (n != 1) return 0;
    const lp_node *x = lp_get(p, l[0]);
    if (x->nlist != 3 || p->bufs[x->a].kind == LP_BUF_LOCAL) return 0;
    const uint32_t *ix = lp_list(p, x->list);
    const lp_node *d = lp_get(p, ix[0]), *md = lp_get(p, ix[2]);
    if (d->kind != LP_BINARY || md->kind != LP_BINARY ||
        (d->op != IR_FLOORDIV && d->op != IR_DIV) || (md->op != IR_FLOORMOD && md->op != IR_MOD))
        return 0;
    const lp_node *dv = lp_get(p, d->a), *dc = lp_get(p, d->b);
    const lp_node *mv = lp_get(p, md->a), *mc = lp_get(p, md->b);
    if (dv->kind != LP_VAR || mv->kind != LP_VAR || dv->a != m->jvar || mv->a != m->jvar ||
        dc->kind != LP_CONST || mc->kind != LP_CONST || dc->imm.i != mc->imm.i || dc->imm.i < 2)
        return 0;
    if (nest_mentions(p, ix[1], m->jvar, 0) || (m->ivar && nest_mentions(p, ix[1], m->ivar, 0)))
        return 0;
    m->P = dc->imm.i;
    return l[0];
}

/* ---- cloning under a substitution --------------------------------------- */

/* ---- building the blocked nest ------------------------------------------ */

/* A serial loop LLVM keeps rolled: the panel and row-block loops (a
 * trip count of 2 would otherwise be unrolled, doubling the block's code)
 * and the k loop (its body already holds MR x NR/lanes multiply-adds). */
static lp_id rolled_for(lp_program *p, uint32_t var, lp_id extent, lp_id body) {
    lp_id r = lp_for(p, var, extent, LP_SERIAL, body);
    if (r) p->nodes[r].flags |= LP_NO_UNROLL;
    return r;
}

/* accb[row, col] */
static lp_id accb_at(lp_program *p, uint32_t accb, int64_t row, lp_id col) {
    lp_id idx[2] = {nest_i64(p, row), col};
    return lp_load(p, accb, idx, 2);
}

/* psum[blk, row, col]: a row block's partial sums between K blocks. */
static lp_id psum_at(lp_program *p, uint32_t psum, lp_id blk, int64_t row, lp_id col) {
    lp_id idx[3] = {blk, nest_i64(p, row), col};
    return lp_load(p, psum, idx, 3);
}

/* What one pass of the row blocks over a column panel does. */
typedef enum rows_mode {
    ROWS_WHOLE,    /* init, every k, the epilogue: the unblocked nest */
    ROWS_PARTIAL,  /* one K block: from init (first block) or psum, back to psum */
    ROWS_EPILOGUE  /* after the last K block: the epilogue of psum */
} rows_mode;

typedef struct kblock {
    rows_mode mode;
    lp_id kbase;   /* first k of the block (0: k starts at 0) */
    int64_t kext;  /* k steps in the block */
    uint32_t psum; /* ROWS_PARTIAL / ROWS_EPILOGUE: [row blocks, MR, NR] workspace */
    lp_id first;   /* ROWS_PARTIAL: bool, this is the first K block */
} kblock;

/* The accumulators copied to accv for the epilogue, in a loop that always
 * vectorises: an epilogue LLVM cannot vectorise (a libm call) indexes accv
 * by a variable, and would otherwise keep the whole accumulator block out
 * of registers. Then one epilogue loop for all rows (fewer loops for LLVM
 * to vectorise). from(r) is row r's accumulator vector. */
static void epilogue(sched *S, const match *m, uint32_t accv, lp_id ibase, int64_t mr,
                     lp_id col, uint32_t jj, int64_t nr, const lp_id *from, lp_id *out) {
    lp_program *p = S->p;
    int vec = nr > 1 ? LP_VECTORIZED : LP_SERIAL;
    lp_id jjv = lp_var_ref(p, jj);
    lp_id copy[MR], epi[MR * 16];
    uint32_t nepi = 0;
    for (int64_t r = 0; r < mr; r++) {
        lp_id at[2] = {nest_i64(p, r), jjv};
        copy[r] = lp_store(p, accv, at, 2, from[r]);
        if (m->ivar) S->cl.var_to[m->ivar] = ibase ? nest_addc(p, ibase, r) : nest_i64(p, r);
        S->cl.var_to[m->jvar] = col;
        S->cl.acc = m->acc;
        S->cl.acc_to = accb_at(p, accv, r, jjv);
        nest_subst_begin(&S->cl);
        for (uint32_t k = 0; k < m->nrest; k++) epi[nepi++] = nest_clone(&S->cl, m->rest[k]);
    }
    S->cl.var_to[m->ivar] = S->cl.var_to[m->jvar] = 0; /* [0] unused */
    out[0] = lp_for(p, jj, nest_i64(p, nr), vec, lp_seq(p, copy, (uint32_t)mr));
    out[1] = lp_for(p, jj, nest_i64(p, nr), vec, lp_seq(p, epi, nepi));
}

/* One mr x nr block at rows ibase.., columns jbase.. (nr a power of two),
 * row block number blk. pack != 0: the B load of the value reads the
 * packed panel pack[k - kbase, jj]. */
static lp_id block(sched *S, const match *m, const uint32_t *accb2, lp_id ibase, int64_t mr,
                   lp_id blk, lp_id jbase, int64_t nr, uint32_t pack, const kblock *kb) {
    uint32_t accb = accb2[0], accv = accb2[1];
    lp_program *p = S->p;
    uint32_t jj = lp_new_var(p, "jj", LP_VAR_LOOP, 0);
    lp_id jjv = lp_var_ref(p, jj);
    lp_id col = jbase ? lp_binary(p, IR_ADD, jbase, jjv) : jjv;
    int vec = nr > 1 ? LP_VECTORIZED : LP_SERIAL;
    lp_id parts[4], from[MR];
    if (kb->mode == ROWS_EPILOGUE) {
        for (int64_t r = 0; r < mr; r++) from[r] = psum_at(p, kb->psum, blk, r, jjv);
        epilogue(S, m, accv, ibase, mr, col, jj, nr, from, parts);
        return lp_seq(p, parts, 2);
    }
    uint32_t kk = lp_new_var(p, "k", LP_VAR_LOOP, 0);
    lp_id kv = kb->kbase ? lp_binary(p, IR_ADD, kb->kbase, lp_var_ref(p, kk)) : lp_var_ref(p, kk);
    lp_id init[MR], upd[MR];
    lp_id packed = 0;
    if (pack) {
        lp_id at[2] = {lp_var_ref(p, kk), jjv};
        packed = lp_load(p, pack, at, 2);
    } else if (S->direct) { /* the compile-time panel, read in place */
        lp_id at[3] = {S->dq, kv, S->dr ? lp_binary(p, IR_ADD, S->dr, jjv) : jjv};
        packed = lp_load(p, lp_get(p, m->pre)->a, at, 3);
    }
    for (int64_t r = 0; r < mr; r++) {
        lp_id at[2] = {nest_i64(p, r), jjv};
        lp_id start = m->init;
        if (kb->mode == ROWS_PARTIAL) /* later K blocks go on from the stored sums */
            start = lp_select(p, kb->first, m->init, psum_at(p, kb->psum, blk, r, jjv));
        init[r] = lp_store(p, accb, at, 2, start);
        /* i, j, k of this row */
        if (m->ivar) S->cl.var_to[m->ivar] = ibase ? nest_addc(p, ibase, r) : nest_i64(p, r);
        S->cl.var_to[m->jvar] = col;
        S->cl.var_to[m->kvar] = kv;
        S->cl.acc = 0;
        nest_subst_begin(&S->cl);
        if (packed) { /* the B load is the panel's element */
            lp_id key = m->bload ? m->bload : m->pre;
            S->cl.memo[key] = packed;
            S->cl.memo_tag[key] = S->cl.tag;
        }
        lp_id v = nest_clone(&S->cl, m->value);
        upd[r] = lp_store(p, accb, at, 2,
                          lp_binary(p, IR_ADD, accb_at(p, accb, r, jjv), v));
    }
    S->cl.var_to[m->ivar] = S->cl.var_to[m->jvar] = S->cl.var_to[m->kvar] = 0; /* [0] unused */
    parts[0] = lp_for(p, jj, nest_i64(p, nr), vec, lp_seq(p, init, (uint32_t)mr));
    parts[1] = rolled_for(p, kk, nest_i64(p, kb->kext),
                          lp_for(p, jj, nest_i64(p, nr), vec, lp_seq(p, upd, (uint32_t)mr)));
    if (kb->mode == ROWS_PARTIAL) {
        lp_id save[MR];
        for (int64_t r = 0; r < mr; r++) {
            lp_id at[3] = {blk, nest_i64(p, r), jjv};
            save[r] = lp_store(p, kb->psum, at, 3, accb_at(p, accb, r, jjv));
        }
        parts[2] = lp_for(p, jj, nest_i64(p, nr), vec, lp_seq(p, save, (uint32_t)mr));
        return lp_seq(p, parts, 3);
    }
    for (int64_t r = 0; r < mr; r++) from[r] = accb_at(p, accb, r, jjv);
    epilogue(S, m, accv, ibase, mr, col, jj, nr, from, parts + 2);
    return lp_seq(p, parts, 4);
}

/* Columns jbase..+nr of every row. One block of code serves all full row
 * blocks, which keeps LLVM's work, and the compile time, near that of one
 * nest. When MR does not divide M, the rows left over are either
 *  - a last full block at M - MR overlapping the one before (its rows are
 *    computed twice, to the same bits, and stored twice: the epilogue reads
 *    nothing it writes; with K blocks each row block keeps its own partial
 *    sums, so the overlap never adds a K block twice), when the rows
 *    recomputed are under 1 % of M; or
 *  - a second, shorter block (row block number M / MR), which costs its
 *    rows only but is a second copy of the block code (about 8 % more
 *    compile time for BERT's layer). For BERT's M = 128 the overlap
 *    recomputed 4 rows of every 132, 3 % of each matmul's multiply-adds;
 *    with MR = 6, 2 rows still give 8 independent accumulators a k step. */
static lp_id column_panel(sched *S, const match *m, const uint32_t *accb, lp_id jbase, int64_t nr,
                          uint32_t pack, const kblock *kb) {
    lp_program *p = S->p;
    if (!m->ivar) return block(S, m, accb, 0, 1, nest_i64(p, 0), jbase, nr, pack, kb);
    int64_t M = S->rows;
    lp_id r0 = S->row0 ? S->row0 : nest_i64(p, 0);
    if (M <= MR) return block(S, m, accb, r0, M, nest_i64(p, 0), jbase, nr, pack, kb);
    int64_t nblk = M / MR, left = M - nblk * MR;
    bool overlap = left && (MR - left) * 100 < M; /* see above */
    uint32_t i0 = lp_new_var(p, "i0", LP_VAR_LOOP, 0);
    lp_id ib = lp_binary(p, IR_MUL, lp_var_ref(p, i0), nest_i64(p, MR));
    if (overlap) ib = lp_binary(p, IR_MIN, ib, nest_i64(p, M - MR));
    if (S->row0) ib = lp_binary(p, IR_ADD, S->row0, ib);
    lp_id full = rolled_for(p, i0, nest_i64(p, nblk + overlap),
                            block(S, m, accb, ib, MR, lp_var_ref(p, i0), jbase, nr, pack, kb));
    if (!left || overlap) return full;
    /* the rows left over: a block of their own, fewer accumulator rows */
    lp_id lb = nest_i64(p, M - left);
    if (S->row0) lb = lp_binary(p, IR_ADD, S->row0, lb);
    lp_id two[2] = {full, block(S, m, accb, lb, left, nest_i64(p, nblk), jbase, nr, pack, kb)};
    return lp_seq(p, two, 2);
}

/* pack[k, jj] = B[.., kbase + k, jbase + jj] for k < kext: the part of B
 * the blocks of one column panel (and K block) read, made contiguous. */
static lp_id pack_panel(sched *S, const match *m, uint32_t pack, lp_id jbase, int64_t nr,
                        lp_id kbase, int64_t kext) {
    int vec = nr > 1 ? LP_VECTORIZED : LP_SERIAL;
    lp_program *p = S->p;
    uint32_t jj = lp_new_var(p, "jj", LP_VAR_LOOP, 0);
    uint32_t kk = lp_new_var(p, "k", LP_VAR_LOOP, 0);
    S->cl.var_to[m->jvar] = lp_binary(p, IR_ADD, jbase, lp_var_ref(p, jj));
    S->cl.var_to[m->kvar] = kbase ? lp_binary(p, IR_ADD, kbase, lp_var_ref(p, kk))
                               : lp_var_ref(p, kk);
    S->cl.acc = 0;
    nest_subst_begin(&S->cl);
    lp_id v = nest_clone(&S->cl, m->bload);
    S->cl.var_to[m->jvar] = S->cl.var_to[m->kvar] = 0;
    lp_id at[2] = {lp_var_ref(p, kk), lp_var_ref(p, jj)};
    lp_id st = lp_store(p, pack, at, 2, v);
    /* a transposed B (dense's W[j, k]) is read along its rows, k innermost:
     * the other order gathers nr elements K apart for every k */
    const lp_node *bl = lp_get(p, m->bload);
    const lp_node *last = lp_get(p, lp_list(p, bl->list)[bl->nlist - 1]);
    if (!(last->kind == LP_VAR && last->a == m->jvar))
        return lp_for(p, jj, nest_i64(p, nr), LP_SERIAL,
                      lp_for(p, kk, nest_i64(p, kext), LP_SERIAL, st));
    return lp_for(p, kk, nest_i64(p, kext), LP_SERIAL,
                  lp_for(p, jj, nest_i64(p, nr), vec, st));
}

/* The K blocking of a packed panel (see KC_L2_SHARE): nkc blocks of kc k
 * steps, the last one `last` steps. nkc = 1: no blocking. */
typedef struct ksplit {
    int64_t nkc, kc, last;
} ksplit;

static ksplit split_k(const match *m, int64_t NR, int elem) {
    ksplit ks = {1, m->K, m->K};
    if (!m->bload) return ks; /* unpacked (few rows): B is read in place anyway */
    int64_t row = NR * elem, cap = topo_host()->l2_bytes / KC_L2_SHARE / row;
    if (cap < MIN_KC) cap = MIN_KC;
    if (m->K <= cap) return ks;
    ks.nkc = (m->K + cap - 1) / cap;
    ks.kc = (m->K + ks.nkc - 1) / ks.nkc; /* even blocks: no sliver at the end */
    ks.last = m->K - (ks.nkc - 1) * ks.kc;
    return ks;
}

/* New buffers for one column-panel statement: the packed panel and, K
 * blocked, the partial sums. Each top-level statement gets its own, so
 * that the parallel panel loop's scratch is private to it (parallelize
 * gives such buffers one copy per thread). */
static bool panel_buffers(sched *S, const match *m, int64_t NR, const ksplit *ks, bool copy,
                          uint32_t *pack, uint32_t *psum) {
    lp_program *p = S->p;
    *pack = *psum = 0;
    if (!m->bload) return true;
    lp_id pshape[2] = {nest_i64(p, ks->kc), nest_i64(p, NR)};
    lp_buffer pb = {.name = "bpanel", .dtype = (uint8_t)lp_get(p, m->bload)->dtype,
                    .kind = LP_BUF_WORKSPACE, .ndim = 2, .arg = -1, .elems = ks->kc * NR};
    if (copy) *pack = lp_new_buffer(p, &pb, pshape);
    if (ks->nkc > 1) {
        int64_t nblk = m->ivar && S->rows > MR ? (S->rows + MR - 1) / MR : 1;
        lp_id sshape[3] = {nest_i64(p, nblk), nest_i64(p, MR), nest_i64(p, NR)};
        lp_buffer sb = {.name = "psum", .dtype = p->bufs[m->acc].dtype,
                        .kind = LP_BUF_WORKSPACE, .ndim = 3, .arg = -1,
                        .elems = nblk * MR * NR};
        *psum = lp_new_buffer(p, &sb, sshape);
    }
    return !p->failed;
}

/* The MR x NR accumulator block and its copy the epilogue reads (accv),
 * new for each top-level statement: parallelize keeps a loop's locals per
 * thread only when no other statement uses them. */
static bool block_locals(sched *S, const match *m, int64_t NR, uint32_t *accb) {
    lp_program *p = S->p;
    lp_id shape[2] = {nest_i64(p, MR), nest_i64(p, NR)};
    lp_buffer b = {.name = "accb", .dtype = p->bufs[m->acc].dtype, .kind = LP_BUF_LOCAL,
                   .ndim = 2, .arg = -1, .elems = MR * NR};
    accb[0] = lp_new_buffer(p, &b, shape);
    b.name = "accv";
    accb[1] = lp_new_buffer(p, &b, shape);
    return !p->failed;
}

/* Everything for the columns jbase..+nr: pack and run the row blocks, once
 * per K block when K is split. */
static lp_id panel_body(sched *S, const match *m, const uint32_t *accb, lp_id jbase, int64_t nr,
                        uint32_t pack, uint32_t psum, const ksplit *ks);

/* Whether the columns jbase..+nr lie in one panel of a compile-time packed
 * B (m->pre), and if so where: bp[*dq, k, *dr + jj]. jbase is either a
 * constant (a column remainder) or j0 * nr (the full panels; nr, a power
 * of two, divides P whenever P is a power of two >= nr). */
static bool in_place(sched *S, const match *m, lp_id jbase, int64_t nr, lp_id *dq, lp_id *dr) {
    lp_program *p = S->p;
    if (!m->pre) return false;
    const lp_node *jb = lp_get(p, jbase);
    int64_t P = m->P;
    if (jb->kind == LP_CONST) {
        int64_t c = jb->imm.i;
        if (c / P != (c + nr - 1) / P) return false; /* straddles two panels */
        if (dq) *dq = nest_i64(p, c / P), *dr = c % P ? nest_i64(p, c % P) : 0;
        return true;
    }
    if (jb->kind != LP_BINARY || jb->op != IR_MUL || lp_get(p, jb->a)->kind != LP_VAR || P % nr)
        return false;
    if (dq) {
        lp_id j0 = jb->a;
        if (P == nr) {
            *dq = j0;
            *dr = 0;
        } else {
            *dq = lp_binary(p, IR_DIV, j0, nest_i64(p, P / nr));
            *dr = lp_binary(p, IR_MUL, lp_binary(p, IR_MOD, j0, nest_i64(p, P / nr)),
                            nest_i64(p, nr));
        }
    }
    return true;
}

static lp_id panel(sched *S, const match *m, const uint32_t *accb, lp_id jbase, int64_t nr,
                   uint32_t pack, uint32_t psum, const ksplit *ks);

/* The column remainder's panels (0 to 2): at[q], width wd[q]. Normally
 * one panel of the next power of two at N's end (see schedule). With a
 * compile-time packed B, such a panel could straddle two packed panels
 * (e.g. 936..999 across 960) and be copied per call or gathered; the
 * remainder, inside one packed panel, then becomes the largest power of
 * two that fits at its start plus, when columns are left, a panel of
 * their next power of two at N's end (overlapping the first: same bits
 * stored twice). Both lie in the last packed panel (P is a multiple of NR,
 * so the remainder starts on a packed panel's NR-aligned column). */
static int remainder_panels(sched *S, const match *m, int64_t NR, int64_t *at, int64_t *wd) {
    int64_t nfull = m->N / NR, rem = m->N - nfull * NR, w = 1;
    if (!rem) return 0;
    while (w < rem) w *= 2;
    at[0] = m->N - w;
    wd[0] = w;
    if (!m->pre || in_place(S, m, nest_i64(S->p, at[0]), w, 0, 0)) return 1;
    int64_t w1 = 1, w2 = 1;
    while (w1 * 2 <= rem) w1 *= 2;
    at[0] = nfull * NR;
    wd[0] = w1;
    if (rem == w1) return 1;
    while (w2 < rem - w1) w2 *= 2;
    at[1] = m->N - w2;
    wd[1] = w2;
    return 2;
}

/* The remainder's panels (remainder_panels) as one statement. */
static lp_id remainder_cols(sched *S, const match *m, const uint32_t *accb, int np, const int64_t *at,
                       const int64_t *wd, uint32_t pack, uint32_t psum, const ksplit *ks) {
    lp_id r[2];
    uint32_t own[2];
    for (int q = 0; q < np; q++) {
        /* the second panel gets accumulators of its own: the sequence may
         * be spliced into the kernel's top-level one, whose statements the
         * llvm backend compiles as separate parts only when they share no
         * local (a shared one kept MobileNetV2's whole body one module) */
        if (q > 0 && !block_locals(S, m, wd[0], own)) return 0;
        r[q] = panel(S, m, q > 0 ? own : accb, nest_i64(S->p, at[q]), wd[q], pack, psum, ks);
    }
    return np == 1 ? r[0] : lp_seq(S->p, r, 2);
}

/* Whether any remainder panel is copied (not read in place). */
static bool remainder_copies(sched *S, const match *m, int np, const int64_t *at,
                             const int64_t *wd) {
    for (int q = 0; q < np; q++)
        if (!in_place(S, m, nest_i64(S->p, at[q]), wd[q], 0, 0)) return true;
    return false;
}

static lp_id panel(sched *S, const match *m, const uint32_t *accb, lp_id jbase, int64_t nr,
                   uint32_t pack, uint32_t psum, const ksplit *ks) {
    lp_id dq = 0, dr = 0;
    if (!in_place(S, m, jbase, nr, &dq, &dr)) return panel_body(S, m, accb, jbase, nr, pack, psum, ks);
    /* no per-call copy: the row blocks read B's packed panel where it is */
    S->direct = true;
    S->dq = dq;
    S->dr = dr;
    lp_id r = panel_body(S, m, accb, jbase, nr, 0, psum, ks);
    S->direct = false;
    return r;
}

static lp_id panel_body(sched *S, const match *m, const uint32_t *accb, lp_id jbase, int64_t nr,
                        uint32_t pack, uint32_t psum, const ksplit *ks) {
    lp_program *p = S->p;
    if (ks->nkc == 1) {
        kblock kb = {.mode = ROWS_WHOLE, .kext = m->K};
        lp_id body = column_panel(S, m, accb, jbase, nr, pack, &kb);
        if (!pack) return body;
        lp_id two[2] = {pack_panel(S, m, pack, jbase, nr, 0, m->K), body};
        return lp_seq(p, two, 2);
    }
    /* K blocks in increasing k: each output element still sums its terms
     * in the original order, its running sum parked in psum (same dtype as
     * the accumulator, so storing and reloading it is exact) between
     * blocks; the epilogue runs once, after the last block */
    uint32_t kc = lp_new_var(p, "kc", LP_VAR_LOOP, 0);
    lp_id kcv = lp_var_ref(p, kc);
    lp_id kbase = lp_binary(p, IR_MUL, kcv, nest_i64(p, ks->kc));
    kblock kb = {.mode = ROWS_PARTIAL, .kbase = kbase, .kext = ks->kc, .psum = psum,
                 .first = lp_binary(p, IR_EQ, kcv, nest_i64(p, 0))};
    lp_id full[2] = {pack ? pack_panel(S, m, pack, jbase, nr, kbase, ks->kc) : 0,
                     column_panel(S, m, accb, jbase, nr, pack, &kb)};
    lp_id parts[3];
    parts[0] = rolled_for(p, kc, nest_i64(p, ks->nkc - 1), pack ? lp_seq(p, full, 2) : full[1]);
    lp_id lastbase = nest_i64(p, (ks->nkc - 1) * ks->kc);
    kblock kl = {.mode = ROWS_PARTIAL, .kbase = lastbase, .kext = ks->last, .psum = psum,
                 .first = lp_const_int(p, TVM_BOOL, 0)};
    lp_id tail[2] = {pack ? pack_panel(S, m, pack, jbase, nr, lastbase, ks->last) : 0,
                     column_panel(S, m, accb, jbase, nr, pack, &kl)};
    parts[1] = pack ? lp_seq(p, tail, 2) : tail[1];
    kblock ke = {.mode = ROWS_EPILOGUE, .psum = psum};
    parts[2] = column_panel(S, m, accb, jbase, nr, 0, &ke);
    return lp_seq(p, parts, 3);
}

/* The blocked replacement of a matched nest. Column panels outermost, each
 * with its own packed copy of B's K x NR panel that every row block runs
 * over (in L2; A is read MR rows at a time, a few bytes per k step). The
 * full panels are one loop whose iterations write disjoint columns and
 * whose scratch is private: parallelize runs it across threads, each
 * thread packing into its own slot. The column remainder is a statement of
 * its own after it. */
static lp_id schedule_rows(sched *S, const match *m, int64_t NR, int elem);

static lp_id schedule(sched *S, const match *m, int dt) {
    lp_program *p = S->p;
    int lanes = S->pc->vector_bytes / (int)dtype_bytes(dt);
    int64_t NR = (int64_t)lanes * (S->pc->vector_bytes >= 64 ? 4 : 2);
    if (NR > CONTRACT_MAX_NR) NR = CONTRACT_MAX_NR;
    while (NR > m->N) NR /= 2; /* a power of two <= N: blocks may overlap, never overhang */
    S->row0 = 0;
    S->rows = m->M;
    if (m->ivar && m->N / NR < 2 && m->M >= 2 * ROW_GROUP)
        return schedule_rows(S, m, NR, (int)dtype_bytes(m->bload ? lp_get(p, m->bload)->dtype
                                                                   : dt));
    uint32_t accb[2];
    if (!block_locals(S, m, NR, accb)) return 0;
    int elem = (int)dtype_bytes(m->bload ? lp_get(p, m->bload)->dtype : dt);
    ksplit ks = split_k(m, NR, elem);
    int64_t nfull = m->N / NR;
    uint32_t pack, psum;
    uint32_t j0 = lp_new_var(p, "j0", LP_VAR_LOOP, 0);
    lp_id jb = lp_binary(p, IR_MUL, lp_var_ref(p, j0), nest_i64(p, NR));
    if (!panel_buffers(S, m, NR, &ks, !in_place(S, m, jb, NR, 0, 0), &pack, &psum)) return 0;
    /* Columns: NR-wide panels at multiples of NR (no clamp, so the panel
     * loop's stores are provably disjoint). A remainder that needs a full
     * NR-wide vector anyway becomes one more panel at N - NR (overlapping
     * the last one: same bits stored twice); a narrower one a panel of the
     * next power of two at its end. */
    int64_t at[2], wd[2];
    int np = remainder_panels(S, m, NR, at, wd);
    lp_id parts[2];
    uint32_t n = 0;
    parts[n++] = rolled_for(p, j0, nest_i64(p, nfull), panel(S, m, accb, jb, NR, pack, psum, &ks));
    if (np > 0) {
        bool copy = remainder_copies(S, m, np, at, wd);
        if (!panel_buffers(S, m, NR, &ks, copy, &pack, &psum) || !block_locals(S, m, NR, accb))
            return 0;
        parts[n++] = remainder_cols(S, m, accb, np, at, wd, pack, psum, &ks);
    }
    return lp_seq(p, parts, n);
}

/* Narrow outputs (one full column panel): the panel loop has nothing to
 * split, so the rows are grouped instead. Groups of ROW_GROUP rows (whole
 * row blocks, no clamp) are one loop, each group packing its own copy of
 * the panels (a K x NR copy per ROW_GROUP x NR x K of work): parallelize
 * runs the groups across threads. The rows left over are a group of their
 * own after it. (ROW_GROUP is defined with MR.) */

/* Every column panel of rows S->row0 .. + S->rows, in one statement. */
static lp_id row_group(sched *S, const match *m, int64_t NR, const ksplit *ks) {
    lp_program *p = S->p;
    uint32_t accb[2], pack, psum;
    int64_t nfull = m->N / NR, at[2], wd[2];
    int np = remainder_panels(S, m, NR, at, wd);
    uint32_t j0 = lp_new_var(p, "j0", LP_VAR_LOOP, 0);
    lp_id jb = lp_binary(p, IR_MUL, lp_var_ref(p, j0), nest_i64(p, NR));
    bool copy = !in_place(S, m, jb, NR, 0, 0) || remainder_copies(S, m, np, at, wd);
    if (!block_locals(S, m, NR, accb) || !panel_buffers(S, m, NR, ks, copy, &pack, &psum))
        return 0;
    lp_id parts[2];
    uint32_t n = 0;
    parts[n++] = rolled_for(p, j0, nest_i64(p, nfull), panel(S, m, accb, jb, NR, pack, psum, ks));
    if (np > 0) parts[n++] = remainder_cols(S, m, accb, np, at, wd, pack, psum, ks);
    return lp_seq(p, parts, n);
}

static lp_id schedule_rows(sched *S, const match *m, int64_t NR, int elem) {
    lp_program *p = S->p;
    ksplit ks = split_k(m, NR, elem);
    int64_t ngroups = m->M / ROW_GROUP, left = m->M - ngroups * ROW_GROUP;
    uint32_t ig = lp_new_var(p, "ig", LP_VAR_LOOP, 0);
    S->row0 = lp_binary(p, IR_MUL, lp_var_ref(p, ig), nest_i64(p, ROW_GROUP));
    S->rows = ROW_GROUP;
    lp_id parts[2];
    uint32_t n = 0;
    lp_id body = row_group(S, m, NR, &ks);
    if (!body) return 0;
    parts[n++] = rolled_for(p, ig, nest_i64(p, ngroups), body);
    if (left) {
        S->row0 = nest_i64(p, ngroups * ROW_GROUP);
        S->rows = left;
        if (!(parts[n++] = row_group(S, m, NR, &ks))) return 0;
    }
    S->row0 = 0;
    S->rows = m->M;
    return lp_seq(p, parts, n);
}

/* ---- matrix-vector: rows of dot products ----------------------------------
 *
 * y[j] = f(sum_k W[j, k] x[k]) (no i loop; W read along k) has no column
 * block to reuse, and a row's sum is one long dot product: each k chunk of
 * DOT_ROWS rows is read as vectors, so every x vector loaded serves
 * DOT_ROWS rows and DOT_ROWS streams of W are in flight per thread (more
 * memory-level parallelism than one row at a time):
 *
 *   for j0 < N / DOT_ROWS:
 *     for l < V vectorized: dacc[r, l] = -0.0                  (r < DOT_ROWS)
 *     for k0 < K / V: for l < V vectorized:
 *        dacc[r, l] = dacc[r, l] + v(j0*DOT_ROWS + r, k0*V + l)
 *     for l < K % V: dacc[r, l] = dacc[r, l] + v(.., K - K % V + l)
 *     per row: acc = init; for l < V: acc += dacc[r, l]; f(acc)
 *
 * That sums each row in a fixed order other than increasing k (V partial
 * sums, then their total), which loop.h allows for a reduction and which
 * is the same for every thread count: the rows are split across threads,
 * never a row. The nest the pass used to leave alone here was vectorised
 * by LLVM, reassociated too. Rows left over (N % DOT_ROWS) are a block of
 * their own after the loop. */
#define DOT_ROWS 4

/* Rows jbase .. jbase+rows of the dot nest, V-wide chunks of k. */
static lp_id dot_rows(sched *S, const match *m, lp_id jbase, int64_t rows, int64_t V, int dt) {
    lp_program *p = S->p;
    lp_id shape[2] = {nest_i64(p, rows), nest_i64(p, V)};
    lp_buffer b = {.name = "dacc", .dtype = p->bufs[m->acc].dtype, .kind = LP_BUF_LOCAL,
                   .ndim = 2, .arg = -1, .elems = rows * V};
    uint32_t dacc = lp_new_buffer(p, &b, shape);
    lp_buffer g = {.name = "dsum", .dtype = p->bufs[m->acc].dtype, .kind = LP_BUF_LOCAL,
                   .ndim = 0, .arg = -1, .elems = 1};
    uint32_t dsum = lp_new_buffer(p, &g, NULL);
    if (p->failed) return 0;
    uint32_t l = lp_new_var(p, "l", LP_VAR_LOOP, 0);
    uint32_t k0 = lp_new_var(p, "k0", LP_VAR_LOOP, 0);
    lp_id lv = lp_var_ref(p, l);
    int64_t nchunk = m->K / V, krem = m->K - nchunk * V;
    lp_id zero = lp_reduce_identity(p, TVM_REDUCE_SUM, dt);
    lp_id init[DOT_ROWS], upd[DOT_ROWS], tail[DOT_ROWS], parts[3 + 3 * DOT_ROWS];
    uint32_t np = 0;
    for (int64_t r = 0; r < rows; r++) {
        lp_id at[2] = {nest_i64(p, r), lv};
        init[r] = lp_store(p, dacc, at, 2, zero);
        for (int t = 0; t < 2; t++) { /* t = 0: the k0 chunks; 1: the k remainder */
            S->cl.var_to[m->jvar] = nest_addc(p, jbase, r);
            S->cl.var_to[m->kvar] = t == 0 ? lp_binary(p, IR_ADD, lp_binary(p, IR_MUL,
                                              lp_var_ref(p, k0), nest_i64(p, V)), lv)
                                        : nest_addc(p, lv, m->K - krem);
            S->cl.acc = 0;
            nest_subst_begin(&S->cl);
            lp_id v = nest_clone(&S->cl, m->value);
            lp_id st = lp_store(p, dacc, at, 2, lp_binary(p, IR_ADD, lp_load(p, dacc, at, 2), v));
            if (t == 0) upd[r] = st;
            else tail[r] = st;
        }
    }
    parts[np++] = lp_for(p, l, nest_i64(p, V), LP_VECTORIZED, lp_seq(p, init, (uint32_t)rows));
    parts[np++] = rolled_for(p, k0, nest_i64(p, nchunk),
                             lp_for(p, l, nest_i64(p, V), LP_VECTORIZED,
                                    lp_seq(p, upd, (uint32_t)rows)));
    if (krem) parts[np++] = lp_for(p, l, nest_i64(p, krem), LP_SERIAL, lp_seq(p, tail, (uint32_t)rows));
    for (int64_t r = 0; r < rows; r++) {
        lp_id at[2] = {nest_i64(p, r), lv};
        parts[np++] = lp_store(p, dsum, NULL, 0, m->init);
        parts[np++] = lp_for(p, l, nest_i64(p, V), LP_SERIAL,
                             lp_accum(p, dsum, TVM_REDUCE_SUM, lp_load(p, dacc, at, 2)));
        S->cl.var_to[m->jvar] = nest_addc(p, jbase, r);
        S->cl.acc = m->acc;
        S->cl.acc_to = lp_load(p, dsum, NULL, 0);
        nest_subst_begin(&S->cl);
        lp_id epi[16];
        for (uint32_t k = 0; k < m->nrest; k++) epi[k] = nest_clone(&S->cl, m->rest[k]);
        parts[np++] = lp_seq(p, epi, m->nrest);
    }
    S->cl.var_to[m->jvar] = S->cl.var_to[m->kvar] = 0;
    return lp_seq(p, parts, np);
}

static lp_id schedule_dot(sched *S, const match *m, int dt) {
    lp_program *p = S->p;
    int64_t V = (int64_t)(S->pc->vector_bytes / (int)dtype_bytes(dt)) * 4;
    if (V < 2 || m->K < V) return 0; /* a short dot product: LLVM's own loop */
    int64_t nfull = m->N / DOT_ROWS, rem = m->N - nfull * DOT_ROWS;
    lp_id parts[2];
    uint32_t n = 0;
    if (nfull) {
        uint32_t j0 = lp_new_var(p, "j0", LP_VAR_LOOP, 0);
        lp_id jb = lp_binary(p, IR_MUL, lp_var_ref(p, j0), nest_i64(p, DOT_ROWS));
        parts[n++] = rolled_for(p, j0, nest_i64(p, nfull), dot_rows(S, m, jb, DOT_ROWS, V, dt));
    }
    if (rem) parts[n++] = dot_rows(S, m, nest_i64(p, nfull * DOT_ROWS), rem, V, dt);
    return p->failed ? 0 : lp_seq(p, parts, n);
}

/* ---- the walk ------------------------------------------------------------ */

/* The size of statement s expanded as a tree (shared nodes counted at each
 * use), stopping at cap: the matcher's recursive walks are linear in it. */
static uint32_t tree_size(const lp_program *p, lp_id s, uint32_t cap) {
    uint32_t stack[256], n = 0, count = 0;
    stack[n++] = s;
    while (n && count < cap) {
        lp_id e = stack[--n];
        if (!e) continue;
        count++;
        const lp_node *x = lp_get(p, e);
        lp_id kids[3] = {x->a, x->b, x->c};
        if (x->kind == LP_VAR || x->kind == LP_LOAD || x->kind == LP_STORE ||
            x->kind == LP_ACCUM || x->kind == LP_FOR || x->kind == LP_CALL)
            kids[0] = 0; /* a names a variable, buffer or callee there */
        if (x->kind == LP_CONST) continue;
        for (int q = 0; q < 3; q++)
            if (kids[q]) {
                if (n == 256) return cap;
                stack[n++] = kids[q];
            }
        for (uint32_t q = 0; q < x->nlist; q++) {
            if (n == 256) return cap;
            stack[n++] = p->pool[x->list + q];
        }
    }
    return count;
}

static lp_id try_nest(sched *S, lp_id il, lp_id jl, uint8_t *written) {
    /* a nest the user scheduled keeps the user's loops */
    if ((il && (lp_get(S->p, il)->flags & LP_SCHEDULED)) ||
        (jl && (lp_get(S->p, jl)->flags & LP_SCHEDULED)))
        return 0;
    if (tree_size(S->p, il ? il : jl, 4096) >= 4096) return 0; /* too large to match */
    match m;
    if (!match_nest(S->p, il, jl, &m, written, S->nbufs)) return 0;
    int dt = dtype_compute(S->p->bufs[m.acc].dtype);
    if (m.dot) return schedule_dot(S, &m, dt);
    return schedule(S, &m, dt);
}

/* A loop of the walk: the contraction it heads (as its batch loop over an
 * inner i loop, or as the i loop itself) blocked, or 0 (look inside). */
static lp_id try_loop(void *ctx, lp_id s) {
    sched *S = ctx;
    lp_program *p = S->p;
    lp_id inner = nest_single(p, lp_get(p, s)->c);
    lp_id r = 0;
    if (lp_get(p, inner)->kind == LP_FOR) r = try_nest(S, s, inner, S->written);
    if (!r) r = try_nest(S, 0, s, S->written);
    return r;
}

tvm_status pass_schedule_contraction(pass_ctx *pc) {
    lp_program *p = pc->p;
    if (pc->vector_bytes <= 0 || !p->body) return TVM_OK;
    sched S = {.p = p, .pc = pc, .nbufs = p->nbufs};
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
