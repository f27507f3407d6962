#!/usr/bin/python3
"""Writes test/onnx/rnn_cases/node/*: ONNX RNN / GRU / LSTM models with the
directions, layouts and options the ONNX backend test data does not cover
(reverse, bidirectional, layout 1 with states, GRU linear_before_reset,
Relu activations), each with one test_data_set_0 whose outputs come from the
numpy reference below, written from the operator definitions in the ONNX
specification. onnx_conformance runs them like the backend test data.

Run from the repository root: /usr/bin/python3 test/onnx/make_rnn_cases.py
"""
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_cases", "node")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACT = {"Sigmoid": sigmoid, "Tanh": np.tanh, "Relu": lambda x: np.maximum(x, 0)}


def run_dir(cell, x, w, r, b, h0, c0, p, acts, reverse, lbr, clip=None):
    """One direction; x [seq, batch, in]; returns Y [seq, batch, H], h, c.
    clip bounds the input of every activation to [-clip, clip]."""
    seq = x.shape[0]
    hid = r.shape[1]
    act = (lambda a: a) if clip is None else \
        (lambda a: lambda v: a(np.clip(v, -clip, clip)))
    f = act(ACT[acts[0]])
    g = act(ACT[acts[1]]) if len(acts) > 1 else None
    hh = act(ACT[acts[2]]) if len(acts) > 2 else None
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    wb = b[: gates * hid] if b is not None else np.zeros(gates * hid, np.float32)
    rb = b[gates * hid:] if b is not None else np.zeros(gates * hid, np.float32)
    h = h0.copy()
    c = c0.copy() if c0 is not None else None
    ys = [None] * seq
    order = range(seq - 1, -1, -1) if reverse else range(seq)
    for t in order:
        xt = x[t]
        if cell == "RNN":
            h = f(xt @ w.T + h @ r.T + wb + rb)
        elif cell == "GRU":
            wz, wr, wh = np.split(w, 3)
            rz, rr, rh = np.split(r, 3)
            wbz, wbr, wbh = np.split(wb, 3)
            rbz, rbr, rbh = np.split(rb, 3)
            z = f(xt @ wz.T + h @ rz.T + wbz + rbz)
            rt = f(xt @ wr.T + h @ rr.T + wbr + rbr)
            if lbr:
                ht = g(xt @ wh.T + rt * (h @ rh.T + rbh) + wbh)
            else:
                ht = g(xt @ wh.T + (rt * h) @ rh.T + rbh + wbh)
            h = (1 - z) * ht + z * h
        else:
            wi, wo, wf, wc = np.split(w, 4)
            ri, ro, rf, rc = np.split(r, 4)
            wbi, wbo, wbf, wbc = np.split(wb, 4)
            rbi, rbo, rbf, rbc = np.split(rb, 4)
            pi, po, pf = (np.split(p, 3) if p is not None
                          else (np.zeros(hid, np.float32),) * 3)
            i = f(xt @ wi.T + h @ ri.T + pi * c + wbi + rbi)
            fg = f(xt @ wf.T + h @ rf.T + pf * c + wbf + rbf)
            ct = g(xt @ wc.T + h @ rc.T + wbc + rbc)
            c = fg * c + i * ct
            o = f(xt @ wo.T + h @ ro.T + po * c + wbo + rbo)
            h = o * hh(c)
        ys[t] = h
    return np.stack(ys), h, c


def make_case(name, cell, seq, batch, insize, hid, direction="forward", layout=0,
              bias=True, states=False, peep=False, lbr=0, acts=None, seed=0):
    rng = np.random.default_rng(seed)
    ndir = 2 if direction == "bidirectional" else 1
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    rnd = lambda *s: rng.uniform(-1, 1, s).astype(np.float32)
    x = rnd(seq, batch, insize)
    w = rnd(ndir, gates * hid, insize)
    r = rnd(ndir, gates * hid, hid)
    b = rnd(ndir, 2 * gates * hid) if bias else None
    h0 = rnd(ndir, batch, hid) if states else np.zeros((ndir, batch, hid), np.float32)
    c0 = (rnd(ndir, batch, hid) if states else np.zeros((ndir, batch, hid), np.float32)) \
        if cell == "LSTM" else None
    p = rnd(ndir, 3 * hid) if peep else None
    per = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
    acts_all = acts if acts else per[cell] * ndir
    npa = len(per[cell])
    ys, hs, cs = [], [], []
    for d in range(ndir):
        y, h, c = run_dir(cell, x, w[d], r[d], b[d] if bias else None, h0[d],
                          c0[d] if c0 is not None else None, p[d] if peep else None,
                          acts_all[d * npa:(d + 1) * npa],
                          direction == "reverse" or d == 1, lbr)
        ys.append(y)
        hs.append(h)
        cs.append(c)
    Y = np.stack(ys, 1)          # [seq, dirs, batch, hid]
    Yh = np.stack(hs)            # [dirs, batch, hid]
    Yc = np.stack(cs) if cell == "LSTM" else None
    xin, h0in, c0in = x, h0, c0
    if layout:
        xin = x.transpose(1, 0, 2)
        h0in = h0.transpose(1, 0, 2)
        c0in = c0.transpose(1, 0, 2) if c0 is not None else None
        Y = Y.transpose(2, 0, 1, 3)
        Yh = Yh.transpose(1, 0, 2)
        Yc = Yc.transpose(1, 0, 2) if Yc is not None else None

    feeds = [("X", xin), ("W", w), ("R", r)]
    names = ["X", "W", "R", "B" if bias else ""]
    if bias:
        feeds.append(("B", b))
    names.append("")  # sequence_lens
    if states or peep:
        names.append("initial_h")
        feeds.append(("initial_h", h0in))
        if cell == "LSTM":
            names.append("initial_c")
            feeds.append(("initial_c", c0in))
    if peep:
        names.append("P")
        feeds.append(("P", p))
    while names and names[-1] == "":
        names.pop()
    outs = [("Y", Y), ("Y_h", Yh)] + ([("Y_c", Yc)] if cell == "LSTM" else [])
    attrs = {"hidden_size": hid, "direction": direction}
    if layout:
        attrs["layout"] = layout
    if lbr:
        attrs["linear_before_reset"] = lbr
    if acts:
        attrs["activations"] = acts
    node = helper.make_node(cell, names, [o[0] for o in outs], **attrs)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in feeds],
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in outs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    onnx.save(model, os.path.join(d, "model.onnx"))
    for k, (n, v) in enumerate(feeds):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.ascontiguousarray(v), n).SerializeToString())
    for k, (n, v) in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.ascontiguousarray(v.astype(np.float32)),
                                             n).SerializeToString())


def main():
    make_case("test_rnn_reverse", "RNN", 4, 2, 3, 5, "reverse", seed=1)
    make_case("test_rnn_bidirectional_relu", "RNN", 3, 2, 3, 4, "bidirectional",
              acts=["Relu", "Tanh"], states=True, seed=2)
    make_case("test_gru_bidirectional", "GRU", 3, 2, 4, 3, "bidirectional", states=True, seed=3)
    make_case("test_gru_linear_before_reset", "GRU", 4, 3, 2, 3, lbr=1, seed=4)
    make_case("test_gru_reverse_layout1", "GRU", 3, 2, 3, 4, "reverse", layout=1, states=True,
              seed=5)
    make_case("test_lstm_bidirectional_peepholes", "LSTM", 3, 2, 3, 4, "bidirectional",
              states=True, peep=True, seed=6)
    make_case("test_lstm_reverse_layout1", "LSTM", 4, 2, 2, 3, "reverse", layout=1,
              states=True, seed=7)
    make_case("test_lstm_no_bias", "LSTM", 2, 1, 3, 2, bias=False, seed=8)


if __name__ == "__main__":
    main()
