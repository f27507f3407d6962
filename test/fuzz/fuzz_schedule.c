/* fuzz_schedule.c — libFuzzer target for the schedule API (tvmc.h,
 * "Schedules"; RELIABILITY.md G3): a byte stream becomes a small random
 * graph of computes (elementwise, broadcast by modulo, transposes, shifted
 * stencil reads, reductions, matmuls, constants), then a random schedule of
 * it (split / tile / reorder / fuse / vectorize / parallel / unroll /
 * cache_write / compute_inline / compute_at / pack with hostile factors,
 * dims and axes, stale axes a split replaced, axes of other stages, forged
 * handles, placeholders as stages, a schedule of another graph), compiled on
 * the llvm and interp targets.
 *
 * Oracles (a finding prints one line starting "fuzz_schedule: FINDING:" and
 * traps), besides the sanitizers, crashes and hangs:
 *   - a failing call whose tvm_last_error() is empty or over 1023 characters,
 *     or a status outside tvm_status; TVM_ERR_INTERNAL (unless
 *     TVMC_FUZZ_ALLOW_INTERNAL=1);
 *   - a scheduled function whose outputs differ from the unscheduled one's,
 *     compiled with TVM_COMPILE_NO_CACHE on interp, on the same inputs (equal
 *     bits; NaN equals NaN). The values are small integers, so float sums are
 *     exact in any order; when an f32 reference holds a magnitude above 2^22
 *     (rounding could depend on the order a schedule may legally change) the
 *     comparison is skipped.
 *
 * TVMC_FUZZ_VERBOSE=1 prints every checked status and message to stderr.
 *
 * ---- input format (every read past the end yields 0) -----------------------
 *   H              bit 0: dtype (0 f32, 1 i32); bit 1: O3 (else O0);
 *                  bit 2: schedule of another graph passed to compile;
 *                  bit 3: second output; bit 4: NO_CACHE on the scheduled
 *                  compiles
 *   D0 D1 D2 D3    dim slots: DIMS[b % NDIMS]; shapes name slots
 *   NIN            1 + NIN % 3 placeholders, each: RANK (1 + b % 3) then one
 *                  slot byte per dim
 *   NST            1 + NST % 6 stages, each: KIND then operands (see build_stage)
 *   NOPS           NOPS % 24 schedule primitives (see sched_op)
 *   SEED           4 bytes: input values
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvmc.h"

#define MAX_T 16     /* tensors: placeholders, constants, stages */
#define MAX_AX 128   /* axis handles remembered */
#define MAX_ELEMS 512

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t rd(reader *r) {
    if (r->n == 0) return 0;
    r->n--;
    return *r->p++;
}

/* ---- oracles --------------------------------------------------------------- */

static bool g_allow_internal;
static bool g_verbose; /* TVMC_FUZZ_VERBOSE=1: every status on stderr */
static tvm_context *g_ctx;

static void finding(const char *what, const char *where) {
    fprintf(stderr, "fuzz_schedule: FINDING: %s (%s)\n", what, where);
    fflush(stderr);
    __builtin_trap();
}

/* Checks a status and the message that goes with it; returns st. */
static tvm_status check(tvm_status st, const char *where) {
    if ((int)st < TVM_OK || (int)st > TVM_ERR_INVALID_HANDLE) finding("status outside tvm_status", where);
    if (g_verbose)
        fprintf(stderr, "  %s: %s%s%s\n", where, tvm_status_string(st),
                st == TVM_OK ? "" : ": ", st == TVM_OK ? "" : tvm_last_error());
    if (st == TVM_OK) return st;
    const char *m = tvm_last_error();
    size_t len = m ? strlen(m) : 0;
    if (len == 0) finding("failure with an empty message", where);
    if (len > 1023) finding("message longer than 1023 characters", where);
    if (st == TVM_ERR_INTERNAL && !g_allow_internal) {
        fprintf(stderr, "fuzz_schedule: %s: %s\n", where, m);
        finding("TVM_ERR_INTERNAL", where);
    }
    return st;
}

/* ---- the graph ------------------------------------------------------------- */

static const int64_t DIMS[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17};
#define NDIMS ((int)(sizeof DIMS / sizeof DIMS[0]))

typedef struct tens {
    tvm_tensor t;
    int ndim;
    int64_t dims[3];
    bool compute;
    int niters, nred;             /* the stage's own axes */
    tvm_expr iters[3], red[1];
} tens;

typedef struct state {
    tvm_graph *g;
    tvm_dtype dt;
    int64_t slot[4];
    tens t[MAX_T];
    int nt, nin;
    tvm_tensor in[MAX_T];
    int nconst;
} state;

static int64_t elems(const tens *x) {
    int64_t n = 1;
    for (int i = 0; i < x->ndim; i++) n *= x->dims[i];
    return n;
}

static tvm_expr cint(state *s, int64_t v) { return tvm_const_int(s->g, TVM_INT64, v); }
static tvm_expr cval(state *s, int v) {
    return s->dt == TVM_FLOAT32 ? tvm_const_float(s->g, TVM_FLOAT32, v)
                                : tvm_const_int(s->g, TVM_INT32, v);
}

/* Reads x at idx (x's rank entries) with index d reduced into range: the
 * index itself when its range (ext[d]) matches, else floormod by x's dim (a
 * broadcast; not affine, which compute_at and pack must refuse or handle). */
static tvm_expr load_fit(state *s, const tens *x, const tvm_expr *idx, const int64_t *ext) {
    tvm_expr ix[3];
    for (int d = 0; d < x->ndim; d++) {
        if (ext[d] == x->dims[d]) ix[d] = idx[d];
        else if (x->dims[d] == 1) ix[d] = cint(s, 0);
        else ix[d] = tvm_floormod(s->g, idx[d], cint(s, x->dims[d]));
    }
    return tvm_load(s->g, x->t, ix);
}

static tvm_expr binop(state *s, int k, tvm_expr a, tvm_expr b) {
    switch (k % 5) {
    case 0: return tvm_add(s->g, a, b);
    case 1: return tvm_sub(s->g, a, b);
    case 2: return tvm_mul(s->g, a, b);
    case 3: return tvm_min(s->g, a, b);
    default: return tvm_max(s->g, a, b);
    }
}

static bool add_tensor(state *s, const tens *x) {
    if (x->t.id == 0 || s->nt >= MAX_T) return false;
    s->t[s->nt++] = *x;
    return true;
}

/* One stage. KIND % 7:
 *   0 X Y OP     elementwise OP(X, Y) over X's shape (Y fitted by load_fit)
 *   1 X C        X * C + 1 (C small), a select on X > 0 when C is odd
 *   2 X          transpose of the last two dims (rank >= 2, else a copy)
 *   3 X R        reduction of X's last dim (R % 3: sum, min, max)
 *   4 X Y        matmul of X[m, k] and Y[k', n] (Y's row index fitted)
 *   5 X          stencil: X[i] + X[min(i + 1, n - 1)] along the last dim
 *   6 RANK slots a constant tensor (values from its index) */
static void build_stage(state *s, reader *r) {
    int kind = rd(r) % 7;
    tens o = {.compute = true};
    char name[16];
    snprintf(name, sizeof name, "S%d", s->nt);
    if (kind == 6) {
        int rank = 1 + rd(r) % 2;
        tens c = {.ndim = rank};
        int64_t n = 1;
        for (int d = 0; d < rank; d++) n *= c.dims[d] = s->slot[rd(r) % 4];
        float fv[MAX_ELEMS];
        int32_t iv[MAX_ELEMS];
        if (n > MAX_ELEMS) return;
        for (int64_t i = 0; i < n; i++) fv[i] = (float)(iv[i] = (int32_t)(i % 5) - 2);
        c.t = tvm_constant(s->g, name, s->dt, rank, c.dims,
                           s->dt == TVM_FLOAT32 ? (const void *)fv : (const void *)iv);
        s->nconst++;
        add_tensor(s, &c);
        return;
    }
    if (s->nt == 0) return;
    const tens *x = &s->t[rd(r) % s->nt];
    if (x->ndim == 0 && (kind == 3 || kind == 5)) return; /* no last dim */
    o.ndim = x->ndim;
    memcpy(o.dims, x->dims, sizeof o.dims);
    static const char *const in[] = {"i", "j", "k"};
    for (int d = 0; d < 3; d++) o.iters[d] = tvm_iter_var(s->g, in[d]);
    tvm_expr body = {0};
    switch (kind) {
    case 0: {
        const tens *y = &s->t[rd(r) % s->nt];
        int op = rd(r);
        /* align y's dims to x's from the right */
        tvm_expr idx[3];
        int64_t ext[3];
        for (int d = 0; d < y->ndim; d++) {
            int xd = x->ndim - y->ndim + d;
            if (xd >= 0) idx[d] = o.iters[xd], ext[d] = x->dims[xd];
            else idx[d] = cint(s, 0), ext[d] = 1;
        }
        body = binop(s, op, load_fit(s, x, o.iters, x->dims), load_fit(s, y, idx, ext));
        break;
    }
    case 1: {
        int c = rd(r) % 4 - 1;
        tvm_expr v = load_fit(s, x, o.iters, x->dims);
        body = tvm_add(s->g, tvm_mul(s->g, v, cval(s, c)), cval(s, 1));
        if (c & 1) body = tvm_select(s->g, tvm_gt(s->g, v, cval(s, 0)), body, v);
        break;
    }
    case 2: {
        tvm_expr idx[3];
        memcpy(idx, o.iters, sizeof idx);
        if (x->ndim >= 2) {
            int a = x->ndim - 2, b = x->ndim - 1;
            o.dims[a] = x->dims[b], o.dims[b] = x->dims[a];
            idx[a] = o.iters[b], idx[b] = o.iters[a];
        }
        body = tvm_load(s->g, x->t, idx);
        break;
    }
    case 3: {
        int rk = rd(r) % 3;
        tvm_expr ra = tvm_reduce_axis(s->g, "r", cint(s, x->dims[x->ndim - 1]));
        tvm_expr idx[3];
        memcpy(idx, o.iters, sizeof idx);
        idx[x->ndim - 1] = ra;
        tvm_expr v = tvm_load(s->g, x->t, idx);
        static const tvm_reduce_kind K[] = {TVM_REDUCE_SUM, TVM_REDUCE_MIN, TVM_REDUCE_MAX};
        body = tvm_reduce(s->g, K[rk], v, 1, &ra);
        o.ndim = x->ndim - 1;
        o.red[0] = ra;
        o.nred = 1;
        break;
    }
    case 4: {
        const tens *y = &s->t[rd(r) % s->nt];
        if (x->ndim != 2 || y->ndim != 2) return;
        int64_t k = x->dims[1];
        tvm_expr ra = tvm_reduce_axis(s->g, "r", cint(s, k));
        tvm_expr xi[2] = {o.iters[0], ra};
        tvm_expr yi[2] = {ra, o.iters[1]};
        int64_t ye[2] = {k, y->dims[1]};
        body = tvm_sum(s->g, tvm_mul(s->g, tvm_load(s->g, x->t, xi), load_fit(s, y, yi, ye)), 1,
                       &ra);
        o.dims[1] = y->dims[1];
        o.red[0] = ra;
        o.nred = 1;
        break;
    }
    case 5: {
        int last = x->ndim - 1;
        tvm_expr idx[3];
        memcpy(idx, o.iters, sizeof idx);
        idx[last] = tvm_min(s->g, tvm_add(s->g, o.iters[last], cint(s, 1)),
                            cint(s, x->dims[last] - 1));
        body = tvm_add(s->g, tvm_load(s->g, x->t, o.iters), tvm_load(s->g, x->t, idx));
        break;
    }
    }
    tvm_expr shape[3];
    for (int d = 0; d < o.ndim; d++) shape[d] = cint(s, o.dims[d]);
    o.niters = o.ndim;
    o.t = tvm_compute(s->g, name, o.ndim, shape, o.iters, body);
    if (elems(&o) <= MAX_ELEMS) add_tensor(s, &o);
}

/* ---- the schedule ---------------------------------------------------------- */

typedef struct axes {
    tvm_expr h[MAX_AX];
    int n;
} axes;

static void remember(axes *a, tvm_expr e) {
    if (e.id != 0 && a->n < MAX_AX) a->h[a->n++] = e;
}

static const int64_t FACTORS[] = {1, 2, 3, 4, 5, 7, 8, 16, 17, 0, -1, 32,
                                  (int64_t)1 << 31, ((int64_t)1 << 31) + 1, INT64_MAX, 1000};

static int64_t pick_factor(reader *r) { return FACTORS[rd(r) % 16]; }

/* An axis: b < 0xF0 the b-th remembered handle (any stage's, stale ones
 * too), else forged. */
static tvm_expr pick_axis(reader *r, const axes *a, const state *s) {
    uint8_t b = rd(r);
    if (b < 0xF0 && a->n > 0) return a->h[b % a->n];
    switch (b & 7) {
    case 0: return (tvm_expr){0};
    case 1: return (tvm_expr){0xFFFFFFFFu};
    case 2: return (tvm_expr){s->t[0].t.id}; /* a tensor id as an axis */
    case 3: return (tvm_expr){a->n ? a->h[0].id ^ 0x80000000u : 1};
    default: return (tvm_expr){(uint32_t)rd(r) << 24 | rd(r)};
    }
}

/* A stage: any tensor (placeholders and constants too), or forged. */
static tvm_tensor pick_stage(reader *r, const state *s) {
    uint8_t b = rd(r);
    if (b < 0xF8) return s->t[b % s->nt].t;
    if (b == 0xF8) return (tvm_tensor){0};
    return (tvm_tensor){(uint32_t)b << 20 | rd(r)};
}

/* One primitive: OP % 12 then its operands. Every status is accepted. */
static void sched_op(tvm_schedule *sc, state *s, axes *a, reader *r) {
    int op = rd(r) % 12;
    tvm_tensor st = pick_stage(r, s);
    tvm_expr o1 = {0}, o2 = {0}, o3 = {0}, o4 = {0};
    switch (op) {
    case 0: {
        tvm_expr ax = pick_axis(r, a, s);
        if (check(tvm_sched_split(sc, st, ax, pick_factor(r), &o1, &o2), "split") == TVM_OK)
            remember(a, o1), remember(a, o2);
        break;
    }
    case 1: {
        tvm_expr x = pick_axis(r, a, s), y = pick_axis(r, a, s);
        int64_t xf = pick_factor(r), yf = pick_factor(r);
        if (check(tvm_sched_tile(sc, st, x, y, xf, yf, &o1, &o2, &o3, &o4), "tile") == TVM_OK)
            remember(a, o1), remember(a, o2), remember(a, o3), remember(a, o4);
        break;
    }
    case 2: {
        int n = rd(r) % 8; /* 0 and 7 (one axis twice, or too few loops) are hostile */
        tvm_expr l[8];
        for (int i = 0; i < n; i++) l[i] = pick_axis(r, a, s);
        bool null_list = n == 1 && (rd(r) & 1);
        check(tvm_sched_reorder(sc, st, n, null_list ? NULL : l), "reorder");
        break;
    }
    case 3: {
        tvm_expr x = pick_axis(r, a, s), y = pick_axis(r, a, s);
        if (check(tvm_sched_fuse(sc, st, x, y, &o1), "fuse") == TVM_OK) remember(a, o1);
        break;
    }
    case 4: check(tvm_sched_vectorize(sc, st, pick_axis(r, a, s)), "vectorize"); break;
    case 5: check(tvm_sched_parallel(sc, st, pick_axis(r, a, s)), "parallel"); break;
    case 6: check(tvm_sched_unroll(sc, st, pick_axis(r, a, s)), "unroll"); break;
    case 7: check(tvm_sched_cache_write(sc, st, pick_axis(r, a, s)), "cache_write"); break;
    case 8: check(tvm_sched_compute_inline(sc, st), "compute_inline"); break;
    case 9: {
        tvm_tensor cons = pick_stage(r, s);
        check(tvm_sched_compute_at(sc, st, cons, pick_axis(r, a, s)), "compute_at");
        break;
    }
    case 10: {
        tvm_tensor operand = pick_stage(r, s);
        int dim = (int)(int8_t)rd(r) % 5;
        int64_t block = pick_factor(r);
        tvm_tensor packed = {0};
        if (check(tvm_sched_pack(sc, st, operand, dim, block, &packed), "pack") == TVM_OK &&
            packed.id != 0 && s->nt < MAX_T) {
            /* the packed stage may be scheduled like any other */
            tens p = {.t = packed, .compute = true};
            add_tensor(s, &p);
        }
        break;
    }
    default: {
        /* hostile pointers: NULL outs are refused, a fuse with a split's
         * stale outer handle etc. come from pick_axis */
        tvm_expr ax = pick_axis(r, a, s);
        check(tvm_sched_split(sc, st, ax, 2, NULL, &o2), "split NULL outer");
        check(tvm_sched_split(NULL, st, ax, 2, &o1, &o2), "split NULL schedule");
        break;
    }
    }
}

/* ---- running --------------------------------------------------------------- */

typedef struct buf {
    DLTensor dl;
    int64_t shape[3];
    void *data;
} buf;

static void make_buf(buf *b, const tens *x, tvm_dtype dt) {
    memset(b, 0, sizeof *b);
    memcpy(b->shape, x->dims, sizeof b->shape);
    size_t n = (size_t)elems(x);
    b->data = malloc(n ? n * 4 : 1);
    b->dl.data = b->data;
    b->dl.device = (DLDevice){kDLCPU, 0};
    b->dl.ndim = x->ndim;
    b->dl.dtype = (DLDataType){dt == TVM_FLOAT32 ? kDLFloat : kDLInt, 32, 1};
    b->dl.shape = b->shape;
}

static uint32_t rng_next(uint32_t *x) {
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    return *x;
}

/* Runs fn on the inputs into outs (fresh buffers); returns the status. */
static tvm_status run(tvm_function *fn, buf *ins, int nin, buf *outs, const tens *ot, int nout,
                      tvm_dtype dt, const char *where) {
    DLTensor *args[MAX_T + 2];
    for (int i = 0; i < nin; i++) args[i] = &ins[i].dl;
    for (int i = 0; i < nout; i++) {
        make_buf(&outs[i], &ot[i], dt);
        memset(outs[i].data, 0xA5, (size_t)elems(&ot[i]) * 4);
        args[nin + i] = &outs[i].dl;
    }
    return check(tvm_function_call(fn, args, nin + nout), where);
}

static bool same(const buf *a, const buf *b, int64_t n, tvm_dtype dt, bool *skip) {
    for (int64_t i = 0; i < n; i++) {
        if (dt == TVM_FLOAT32) {
            float x = ((float *)a->data)[i], y = ((float *)b->data)[i];
            if (isnan(x) && isnan(y)) continue;
            if (fabsf(x) > 4194304.0f) *skip = true;
            if (memcmp(&x, &y, 4) != 0) {
                if (*skip) continue;
                fprintf(stderr, "fuzz_schedule: element %lld: scheduled %a, unscheduled %a\n",
                        (long long)i, (double)y, (double)x);
                return false;
            }
        } else if (((int32_t *)a->data)[i] != ((int32_t *)b->data)[i]) {
            fprintf(stderr, "fuzz_schedule: element %lld: scheduled %d, unscheduled %d\n",
                    (long long)i, ((int32_t *)b->data)[i], ((int32_t *)a->data)[i]);
            return false;
        }
    }
    return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *ai = getenv("TVMC_FUZZ_ALLOW_INTERNAL");
    g_allow_internal = ai && *ai == '1';
    const char *vb = getenv("TVMC_FUZZ_VERBOSE");
    g_verbose = vb && *vb == '1';
    tvm_context_options o = {.struct_size = sizeof o, .num_threads = 2};
    if (tvm_context_create(&o, &g_ctx) != TVM_OK) {
        fprintf(stderr, "fuzz_schedule: tvm_context_create: %s\n", tvm_last_error());
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ctx) LLVMFuzzerInitialize(NULL, NULL);
    reader r = {data, size};
    uint8_t h = rd(&r);
    state s = {.dt = (h & 1) ? TVM_INT32 : TVM_FLOAT32};
    s.g = tvm_graph_create(g_ctx);
    if (!s.g) return 0;
    for (int i = 0; i < 4; i++) s.slot[i] = DIMS[rd(&r) % NDIMS];

    int nin = 1 + rd(&r) % 3;
    for (int i = 0; i < nin; i++) {
        tens x = {.ndim = 1 + rd(&r) % 3};
        tvm_expr shape[3];
        for (int d = 0; d < x.ndim; d++) shape[d] = cint(&s, x.dims[d] = s.slot[rd(&r) % 4]);
        char name[16];
        snprintf(name, sizeof name, "A%d", i);
        x.t = tvm_placeholder(s.g, name, s.dt, x.ndim, shape);
        if (elems(&x) <= MAX_ELEMS && add_tensor(&s, &x)) s.in[s.nin++] = x.t;
    }
    int nst = 1 + rd(&r) % 6;
    for (int i = 0; i < nst; i++) build_stage(&s, &r);
    if (check(tvm_graph_status(s.g), "graph") != TVM_OK) goto done_graph;

    /* outputs: the newest compute, and maybe an earlier one */
    tens ot[2];
    tvm_tensor outs[2];
    int nout = 0;
    for (int i = s.nt - 1; i >= 0 && nout < 1; i--)
        if (s.t[i].compute) ot[nout] = s.t[i], outs[nout++] = s.t[i].t;
    if (nout == 0) goto done_graph;
    if (h & 8)
        for (int i = 0; i < s.nt; i++)
            if (s.t[i].compute && s.t[i].t.id != outs[0].id) {
                ot[nout] = s.t[i], outs[nout++] = s.t[i].t;
                break;
            }
    /* every placeholder reached must be an input: pass them all; a graph
     * where one is unreached compiles all the same */
    int ntens = s.nt;

    tvm_schedule *sc = NULL;
    if (check(tvm_schedule_create(s.g, nout, outs, &sc), "schedule_create") != TVM_OK)
        goto done_graph;
    axes a = {.n = 0};
    for (int i = 0; i < s.nt; i++) {
        for (int d = 0; d < s.t[i].niters; d++) remember(&a, s.t[i].iters[d]);
        for (int d = 0; d < s.t[i].nred; d++) remember(&a, s.t[i].red[d]);
    }
    int nops = rd(&r) % 24;
    for (int i = 0; i < nops; i++) sched_op(sc, &s, &a, &r);

    /* a schedule of another graph (same shapes) is refused at compile */
    tvm_graph *g2 = NULL;
    tvm_schedule *foreign = NULL;
    if (h & 4) {
        g2 = tvm_graph_create(g_ctx);
        tvm_expr n = tvm_const_int(g2, TVM_INT64, 4), i = tvm_iter_var(g2, "i");
        tvm_tensor p = tvm_placeholder(g2, "P", TVM_FLOAT32, 1, &n);
        tvm_tensor c = tvm_compute(g2, "C", 1, &n, &i, tvm_load(g2, p, &i));
        check(tvm_schedule_create(g2, 1, &c, &foreign), "foreign schedule_create");
    }

    uint32_t seed = 0;
    for (int i = 0; i < 4; i++) seed = seed << 8 | rd(&r);
    seed |= 1;
    buf ins[MAX_T];
    for (int i = 0; i < s.nin; i++) {
        const tens *x = NULL;
        for (int k = 0; k < ntens; k++)
            if (s.t[k].t.id == s.in[i].id) x = &s.t[k];
        make_buf(&ins[i], x, s.dt);
        for (int64_t e = 0; e < elems(x); e++) {
            int v = (int)(rng_next(&seed) % 7) - 3;
            if (s.dt == TVM_FLOAT32) ((float *)ins[i].data)[e] = (float)v;
            else ((int32_t *)ins[i].data)[e] = v;
        }
    }

    tvm_function *ref = NULL;
    tvm_compile_options ro = {.struct_size = sizeof ro, .target = "interp",
                              .opt_level = TVM_OPT_O0, .flags = TVM_COMPILE_NO_CACHE};
    if (check(tvm_compile(s.g, s.nin, s.in, nout, outs, &ro, &ref), "compile unscheduled") ==
        TVM_OK) {
        buf rout[2];
        tvm_status rs = run(ref, ins, s.nin, rout, ot, nout, s.dt, "call unscheduled");
        static const char *const targets[] = {"interp", "llvm"};
        for (int ti = 0; ti < 2; ti++) {
            tvm_compile_options so = {.struct_size = sizeof so, .target = targets[ti],
                                      .opt_level = (h & 2) ? TVM_OPT_O3 : TVM_OPT_O0,
                                      .flags = (h & 16) ? TVM_COMPILE_NO_CACHE : 0,
                                      .schedule = foreign ? foreign : sc};
            tvm_function *fn = NULL;
            tvm_status cs = check(tvm_compile(s.g, s.nin, s.in, nout, outs, &so, &fn),
                                  targets[ti]);
            if (foreign && cs == TVM_OK) finding("another graph's schedule accepted", targets[ti]);
            if (cs != TVM_OK) continue;
            buf sout[2];
            tvm_status ss = run(fn, ins, s.nin, sout, ot, nout, s.dt, "call scheduled");
            if (rs == TVM_OK && ss == TVM_OK) {
                bool skip = false;
                for (int o = 0; o < nout; o++)
                    if (!same(&rout[o], &sout[o], elems(&ot[o]), s.dt, &skip))
                        finding("scheduled output differs from the unscheduled one",
                                targets[ti]);
            }
            for (int o = 0; o < nout; o++) free(sout[o].data);
            tvm_function_release(fn);
        }
        for (int o = 0; o < nout; o++) free(rout[o].data);
        tvm_function_release(ref);
    }
    for (int i = 0; i < s.nin; i++) free(ins[i].data);
    tvm_schedule_destroy(foreign);
    tvm_graph_destroy(g2);
    tvm_schedule_destroy(sc);
done_graph:
    tvm_graph_destroy(s.g);
    return 0;
}
