/* onnx_ops_rnn.c — ONNX RNN, GRU and LSTM, unrolled over a constant
 * sequence length into library operators (matmul, slice, unary
 * activations, elementwise arithmetic, concat).
 *
 * The input projection X·Wᵀ (+ both biases) of every step is one matmul
 * over the whole sequence; each step then adds H(t-1)·Rᵀ and applies its
 * cell. Forward, reverse and bidirectional directions, layouts 0 and 1,
 * initial states, LSTM peepholes and GRU's linear_before_reset are
 * supported, with any of the activations Sigmoid, Tanh and Relu.
 *
 * `clip` bounds the input of every activation (the gates' and LSTM's
 * h(C)) to [-clip, clip], as the specification says.
 *
 * `sequence_lens` (int32 or int64 [batch], import-time or run-time data)
 * gives each batch entry its own length: a step at or past an entry's
 * length leaves its states unchanged and writes 0 to Y, so Y_h / Y_c hold
 * the state of the last valid step (the reverse direction starts at the
 * entry's own last step). Known lengths must lie in [1, seq_length]
 * (TVM_ERR_INVALID_ARGUMENT otherwise); at run time a longer length acts
 * as the full one and a length below 1 leaves the initial states. All
 * lengths known and full: no masking at all.
 *
 * Not supported (TVM_ERR_UNSUPPORTED, naming the attribute): input_forget
 * and activations with parameters. */
#include <stdlib.h>
#include <string.h>

#include "../common.h"
#include "onnx_internal.h"

#define RNN_MAX_STEPS 4096
/* what one unrolled step of one direction is charged against
 * opts->max_nodes: about the ONNX nodes an LSTM step written out takes */
#define RNN_NODES_PER_STEP 16

enum { CELL_RNN, CELL_GRU, CELL_LSTM };

typedef struct rnn_ctx {
    onnx_ctx *c;
    onnx_node *n;
    tvm_graph *g;
    int cell, ngates;   /* gates per cell: 1, 3, 4 */
    int64_t seq, batch, hidden, insize;
    tvm_op_unary_kind act[2][3]; /* per direction: f, g, h */
    bool clip;
    double clip_at;     /* activations see [-clip_at, clip_at] */
    tvm_tensor lens;    /* sequence_lens as int64 [batch, 1]; 0 when all full */
} rnn_ctx;

/* x[start:start+len] along axis */
static tvm_tensor slice1(tvm_graph *g, tvm_tensor x, int axis, int64_t start, int64_t len) {
    int64_t end = start + len;
    return tvm_op_slice(g, x, 1, &axis, &start, &end, NULL);
}

static tvm_status parse_act(rnn_ctx *r, const char *name, tvm_op_unary_kind *k) {
    if (!strcmp(name, "Sigmoid")) *k = TVM_OP_SIGMOID;
    else if (!strcmp(name, "Tanh")) *k = TVM_OP_TANH;
    else if (!strcmp(name, "Relu")) *k = TVM_OP_RELU;
    else return onnx_fail(r->n, TVM_ERR_UNSUPPORTED, "activation '%s'", name);
    return TVM_OK;
}

static tvm_status read_activations(rnn_ctx *r, int ndir) {
    static const tvm_op_unary_kind def[3] = {TVM_OP_SIGMOID, TVM_OP_TANH, TVM_OP_TANH};
    int per = r->cell == CELL_RNN ? 1 : r->cell == CELL_GRU ? 2 : 3;
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 3; k++) r->act[d][k] = r->cell == CELL_RNN ? TVM_OP_TANH : def[k];
    const Onnx__AttributeProto *a = onnx_attr(r->n, "activations");
    if (!a || !a->n_strings) return TVM_OK;
    if (a->n_strings != (size_t)(per * ndir))
        return onnx_fail(r->n, TVM_ERR_PARSE, "activations lists %zu names; %d expected",
                         a->n_strings, per * ndir);
    if (onnx_attr(r->n, "activation_alpha") || onnx_attr(r->n, "activation_beta"))
        return onnx_fail(r->n, TVM_ERR_UNSUPPORTED, "activation_alpha / activation_beta");
    for (int d = 0; d < ndir; d++)
        for (int k = 0; k < per; k++) {
            char name[32];
            const ProtobufCBinaryData *s = &a->strings[d * per + k];
            size_t len = s->len < sizeof name - 1 ? s->len : sizeof name - 1;
            memcpy(name, s->data, len);
            name[len] = 0;
            TRY(parse_act(r, name, &r->act[d][k]));
        }
    return TVM_OK;
}

/* Optional input k, or the null tensor. */
static tvm_status opt_in(rnn_ctx *r, int k, tvm_tensor *t) {
    t->id = 0;
    if (k < r->n->nin && r->n->in[k]) return onnx_input(r->c, r->n, k, t);
    return TVM_OK;
}

/* [dirs, batch, hidden] state of direction d as [batch, hidden], or zeros. */
static tvm_tensor state_of(rnn_ctx *r, tvm_tensor s, int d, tvm_dtype dt) {
    tvm_graph *g = r->g;
    if (s.id) {
        int64_t shape[2] = {r->batch, r->hidden};
        return tvm_op_reshape(g, slice1(g, s, 0, d, 1), 2, shape);
    }
    tvm_expr it[2];
    op_iters(g, 2, it);
    tvm_expr dims[2] = {op_i64(g, r->batch), op_i64(g, r->hidden)};
    return tvm_compute(g, "rnn_zero", 2, dims, it, tvm_const_int(g, dt, 0));
}

/* An activation, its input clipped under the `clip` attribute. */
static tvm_tensor act_of(rnn_ctx *r, tvm_op_unary_kind k, tvm_tensor x) {
    if (r->clip) x = tvm_op_clip(r->g, x, -r->clip_at, r->clip_at);
    return tvm_op_unary(r->g, k, x);
}

/* [batch, 1] bool: step t lies inside each entry's sequence. */
static tvm_tensor step_valid(rnn_ctx *r, int64_t t) {
    tvm_graph *g = r->g;
    tvm_expr it[2];
    op_iters(g, 2, it);
    tvm_expr dims[2] = {op_i64(g, r->batch), op_i64(g, 1)};
    tvm_expr len = tvm_load(g, r->lens, it);
    return tvm_compute(g, "rnn_step_valid", 2, dims, it, tvm_gt(g, len, op_i64(g, t)));
}

/* gate k of a [batch, G*hidden] tensor */
static tvm_tensor gate(rnn_ctx *r, tvm_tensor x, int k) {
    return slice1(r->g, x, 1, k * r->hidden, r->hidden);
}

static tvm_tensor add(tvm_graph *g, tvm_tensor a, tvm_tensor b) {
    return tvm_op_binary(g, TVM_OP_ADD, a, b);
}
static tvm_tensor mul(tvm_graph *g, tvm_tensor a, tvm_tensor b) {
    return tvm_op_binary(g, TVM_OP_MUL, a, b);
}

/* One direction over the whole sequence: fills hs[t] (each [batch, hidden])
 * and the final states. */
static tvm_status run_direction(rnn_ctx *r, int d, bool reverse, tvm_tensor X, tvm_tensor W,
                                tvm_tensor R, tvm_tensor B, tvm_tensor H0, tvm_tensor C0,
                                tvm_tensor P, tvm_dtype dt, tvm_tensor *hs, tvm_tensor *h_last,
                                tvm_tensor *c_last) {
    tvm_graph *g = r->g;
    int64_t G = r->ngates, H = r->hidden;
    int64_t w2[2] = {G * H, r->insize}, r2[2] = {G * H, H}, b1[1] = {2 * G * H};
    tvm_tensor Wd = tvm_op_reshape(g, slice1(g, W, 0, d, 1), 2, w2);
    tvm_tensor Rd = tvm_op_reshape(g, slice1(g, R, 0, d, 1), 2, r2);
    /* X [seq, batch, in] · Wᵀ -> [seq, batch, G*H], plus Wb (+ Rb except
     * GRU's h gate under linear_before_reset, which sits inside r ⊙ (...)) */
    tvm_tensor xw = tvm_op_matmul(g, X, Wd, 0, 1);
    bool lbr = r->cell == CELL_GRU && onnx_attr_i(r->n, "linear_before_reset", 0);
    tvm_tensor Rb = {0};
    if (B.id) {
        tvm_tensor Bd = tvm_op_reshape(g, slice1(g, B, 0, d, 1), 1, b1);
        xw = add(g, xw, slice1(g, Bd, 0, 0, G * H));
        Rb = slice1(g, Bd, 0, G * H, G * H);
        /* GRU adds R's bias gate by gate (h's sits inside r ⊙ (...) under
         * linear_before_reset); the other cells add it with W's */
        if (r->cell != CELL_GRU) xw = add(g, xw, Rb);
    }
    tvm_tensor Pi = {0}, Po = {0}, Pf = {0};
    if (P.id) {
        int64_t p1[1] = {3 * H};
        tvm_tensor Pd = tvm_op_reshape(g, slice1(g, P, 0, d, 1), 1, p1);
        Pi = slice1(g, Pd, 0, 0, H), Po = slice1(g, Pd, 0, H, H), Pf = slice1(g, Pd, 0, 2 * H, H);
    }
    tvm_tensor h = state_of(r, H0, d, dt), cst = {0};
    if (r->cell == CELL_LSTM) cst = state_of(r, C0, d, dt);
    const tvm_op_unary_kind *act = r->act[d];
    int64_t step_shape[2] = {r->batch, G * H};
    tvm_tensor zero = r->lens.id ? state_of(r, (tvm_tensor){0}, 0, dt) : (tvm_tensor){0};
    for (int64_t s = 0; s < r->seq; s++) {
        int64_t t = reverse ? r->seq - 1 - s : s;
        tvm_tensor xt = tvm_op_reshape(g, slice1(g, xw, 0, t, 1), 2, step_shape);
        tvm_tensor hr = tvm_op_matmul(g, h, Rd, 0, 1); /* [batch, G*H] */
        tvm_tensor valid = r->lens.id ? step_valid(r, t) : (tvm_tensor){0};
        tvm_tensor hn; /* the new state where the step is valid */
        if (r->cell == CELL_RNN) {
            hn = act_of(r, act[0], add(g, xt, hr));
        } else if (r->cell == CELL_GRU) {
            tvm_tensor pz = add(g, gate(r, xt, 0), gate(r, hr, 0));
            tvm_tensor pr = add(g, gate(r, xt, 1), gate(r, hr, 1));
            if (Rb.id) {
                pz = add(g, pz, slice1(g, Rb, 0, 0, H));
                pr = add(g, pr, slice1(g, Rb, 0, H, H));
            }
            tvm_tensor z = act_of(r, act[0], pz), rr = act_of(r, act[0], pr);
            tvm_tensor p; /* the recurrent part of the h gate */
            if (lbr) {
                p = gate(r, hr, 2);
                if (Rb.id) p = add(g, p, slice1(g, Rb, 0, 2 * H, H));
                p = mul(g, rr, p);
            } else {
                p = tvm_op_matmul(g, mul(g, rr, h), slice1(g, Rd, 0, 2 * H, H), 0, 1);
                if (Rb.id) p = add(g, p, slice1(g, Rb, 0, 2 * H, H));
            }
            tvm_tensor hh = act_of(r, act[1], add(g, gate(r, xt, 2), p));
            /* H = (1 - z) ⊙ hh + z ⊙ H(t-1) = hh + z ⊙ (H(t-1) - hh) */
            hn = add(g, hh, mul(g, z, tvm_op_binary(g, TVM_OP_SUB, h, hh)));
        } else {
            tvm_tensor pre = add(g, xt, hr); /* gates i, o, f, c */
            tvm_tensor gi = gate(r, pre, 0), go = gate(r, pre, 1), gf = gate(r, pre, 2),
                       gc = gate(r, pre, 3);
            if (Pi.id) {
                gi = add(g, gi, mul(g, Pi, cst));
                gf = add(g, gf, mul(g, Pf, cst));
            }
            tvm_tensor i = act_of(r, act[0], gi), f = act_of(r, act[0], gf);
            tvm_tensor cc = act_of(r, act[1], gc);
            tvm_tensor cn = add(g, mul(g, f, cst), mul(g, i, cc));
            if (Po.id) go = add(g, go, mul(g, Po, cn));
            tvm_tensor o = act_of(r, act[0], go);
            hn = mul(g, o, act_of(r, act[2], cn));
            /* past an entry's end the cell state stays too */
            cst = valid.id ? tvm_op_where(g, valid, cn, cst) : cn;
        }
        if (valid.id) {
            h = tvm_op_where(g, valid, hn, h);
            hs[t] = tvm_op_where(g, valid, hn, zero);
        } else {
            hs[t] = h = hn;
        }
        if (g->status != TVM_OK) return onnx_graph_status(r->c, r->n);
    }
    *h_last = h;
    *c_last = cst;
    return TVM_OK;
}

/* sequence_lens (input 4): checked, and kept as r->lens unless every
 * length is known and full. */
static tvm_status read_lens(rnn_ctx *r) {
    onnx_node *n = r->n;
    int nd;
    tvm_dtype dt;
    int64_t d[TVM_MAX_NDIM];
    TRY(onnx_input_shape(r->c, n, 4, &nd, &dt, d));
    if (dt != TVM_INT32 && dt != TVM_INT64)
        return onnx_fail(n, TVM_ERR_DTYPE, "sequence_lens is %s; it must be int32",
                         dtype_name(dt));
    if (nd != 1 || (d[0] >= 0 && d[0] != r->batch))
        return onnx_fail(n, TVM_ERR_SHAPE, "sequence_lens must have shape [%lld] (batch)",
                         (long long)r->batch);
    onnx_value *v = n->in[4];
    if (v->data) {
        bool full = true;
        for (int64_t b = 0; b < r->batch; b++) {
            int64_t len = dt == TVM_INT64 ? ((const int64_t *)v->data)[b]
                                          : ((const int32_t *)v->data)[b];
            if (len < 1 || len > r->seq)
                return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "sequence_lens[%lld] is %lld; "
                                 "lengths must lie in [1, %lld]", (long long)b, (long long)len,
                                 (long long)r->seq);
            full &= len == r->seq;
        }
        if (full) return TVM_OK;
    }
    tvm_tensor L;
    TRY(onnx_input(r->c, n, 4, &L));
    int64_t b1[2] = {r->batch, 1};
    r->lens = tvm_op_reshape(r->g, tvm_op_cast(r->g, L, TVM_INT64), 2, b1);
    return r->lens.id ? TVM_OK : onnx_graph_status(r->c, n);
}

static tvm_status op_rnn(onnx_ctx *c, onnx_node *n) {
    tvm_graph *g = c->g;
    rnn_ctx r = {.c = c, .n = n, .g = g};
    const char *op = n->proto->op_type;
    r.cell = !strcmp(op, "LSTM") ? CELL_LSTM : !strcmp(op, "GRU") ? CELL_GRU : CELL_RNN;
    r.ngates = r.cell == CELL_LSTM ? 4 : r.cell == CELL_GRU ? 3 : 1;
    if (onnx_attr(n, "clip")) {
        r.clip = true;
        r.clip_at = onnx_attr_f(n, "clip", 0);
        if (!(r.clip_at > 0))
            return onnx_fail(n, TVM_ERR_INVALID_ARGUMENT, "clip is %g; it must be a positive "
                             "float", r.clip_at);
    }
    if (onnx_attr_i(n, "input_forget", 0)) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "input_forget");
    char db[16];
    const char *dir = onnx_attr_s(n, "direction", "forward", db, sizeof db);
    int ndir = !strcmp(dir, "bidirectional") ? 2 : 1;
    bool rev = !strcmp(dir, "reverse");
    if (ndir == 1 && !rev && strcmp(dir, "forward"))
        return onnx_fail(n, TVM_ERR_PARSE, "direction '%s'", dir);
    int layout = c->opset >= 14 ? onnx_int(onnx_attr_i(n, "layout", 0)) : 0;

    tvm_tensor X, W, R, B, H0, C0 = {0}, P = {0};
    TRY(onnx_input(c, n, 0, &X));
    TRY(onnx_input(c, n, 1, &W));
    TRY(onnx_input(c, n, 2, &R));
    TRY(opt_in(&r, 3, &B));
    TRY(opt_in(&r, 5, &H0));
    if (r.cell == CELL_LSTM) {
        TRY(opt_in(&r, 6, &C0));
        TRY(opt_in(&r, 7, &P));
    }
    int nd;
    int64_t xd[TVM_MAX_NDIM];
    tvm_dtype dt;
    TRY(onnx_input_shape(c, n, 0, &nd, &dt, xd));
    if (nd != 3 || xd[0] < 0 || xd[1] < 0 || xd[2] < 0)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "X must be 3-D with constant dims");
    if (!dtype_is_float(dt)) return onnx_fail(n, TVM_ERR_DTYPE, "X must be a float tensor");
    if (layout) { /* [batch, seq, in] -> [seq, batch, in] */
        X = tvm_op_transpose(g, X, (int[]){1, 0, 2});
        int64_t t = xd[0];
        xd[0] = xd[1], xd[1] = t;
    }
    r.seq = xd[0], r.batch = xd[1], r.insize = xd[2];
    r.hidden = onnx_attr_i(n, "hidden_size", -1);
    if (r.hidden < 1) return onnx_fail(n, TVM_ERR_UNSUPPORTED, "hidden_size must be given");
    if (r.seq < 1 || r.seq > RNN_MAX_STEPS)
        return onnx_fail(n, TVM_ERR_UNSUPPORTED, "sequence length %lld (1 to %d unrolled)",
                         (long long)r.seq, RNN_MAX_STEPS);
    TRY(onnx_charge_unrolled(c, n, (uint64_t)r.seq * (uint64_t)ndir * RNN_NODES_PER_STEP,
                             "the sequence"));
    if (n->nin > 4 && n->in[4]) TRY(read_lens(&r));
    if (layout) { /* states [batch, dirs, hidden] -> [dirs, batch, hidden] */
        if (H0.id) H0 = tvm_op_transpose(g, H0, (int[]){1, 0, 2});
        if (C0.id) C0 = tvm_op_transpose(g, C0, (int[]){1, 0, 2});
    }
    TRY(read_activations(&r, ndir));

    tvm_tensor *hs = calloc((size_t)(r.seq * ndir), sizeof *hs);
    if (!hs) return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    tvm_tensor hl[2], cl[2];
    tvm_status st = TVM_OK;
    for (int d = 0; d < ndir && st == TVM_OK; d++)
        st = run_direction(&r, d, rev || d == 1, X, W, R, B, H0, C0, P, dt, hs + d * r.seq,
                           &hl[d], &cl[d]);
    if (st != TVM_OK) {
        free(hs);
        return st;
    }
    /* Y [seq, dirs, batch, hidden]; Y_h, Y_c [dirs, batch, hidden] */
    int64_t y4[4] = {1, 1, r.batch, r.hidden}, s3[3] = {1, r.batch, r.hidden};
    tvm_tensor *steps = calloc((size_t)r.seq, sizeof *steps);
    if (!steps) {
        free(hs);
        return onnx_fail(n, TVM_ERR_OUT_OF_MEMORY, "no memory");
    }
    for (int64_t t = 0; t < r.seq; t++) {
        tvm_tensor per[2];
        for (int d = 0; d < ndir; d++) per[d] = tvm_op_reshape(g, hs[d * r.seq + t], 4, y4);
        steps[t] = ndir == 1 ? per[0] : tvm_op_concat(g, 2, per, 1);
    }
    tvm_tensor Y = r.seq == 1 ? steps[0] : tvm_op_concat(g, (int)r.seq, steps, 0);
    free(steps);
    free(hs);
    tvm_tensor hy[2], cy[2];
    for (int d = 0; d < ndir; d++) {
        hy[d] = tvm_op_reshape(g, hl[d], 3, s3);
        if (r.cell == CELL_LSTM) cy[d] = tvm_op_reshape(g, cl[d], 3, s3);
    }
    tvm_tensor Yh = ndir == 1 ? hy[0] : tvm_op_concat(g, 2, hy, 0);
    tvm_tensor Yc = {0};
    if (r.cell == CELL_LSTM) Yc = ndir == 1 ? cy[0] : tvm_op_concat(g, 2, cy, 0);
    if (layout) {
        Y = tvm_op_transpose(g, Y, (int[]){2, 0, 1, 3});
        Yh = tvm_op_transpose(g, Yh, (int[]){1, 0, 2});
        if (Yc.id) Yc = tvm_op_transpose(g, Yc, (int[]){1, 0, 2});
    }
    TRY(onnx_set_output(c, n, 0, Y));
    TRY(onnx_set_output(c, n, 1, Yh));
    if (r.cell == CELL_LSTM) TRY(onnx_set_output(c, n, 2, Yc));
    return TVM_OK;
}

const onnx_op onnx_ops_rnn[] = {
    {"RNN", 7, op_rnn},
    {"GRU", 7, op_rnn},
    {"LSTM", 7, op_rnn},
    {NULL, 0, NULL},
};
