#!/usr/bin/python3
"""Writes test/onnx/op_cases/node/*: ONNX models for operators and options
the ONNX backend test data covers thinly or not at all (GridSample in every
mode x padding x align_corners with sampling points far outside the image;
RNN / GRU / LSTM with per-batch sequence_lens and clip, the cells'
references from make_rnn_cases.py; If with a run-time or constant
condition, Loop and Scan unrolled, nested, with outer-scope values), each
with one
test_data_set_0 whose outputs come from the numpy references below, written
from the operator definitions in the ONNX specification. onnx_conformance
runs them like the backend test data.

Run from the repository root: /usr/bin/python3 test/onnx/make_op_cases.py
"""
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

from make_rnn_cases import run_dir

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_cases", "node")

# ---- GridSample (opset 16) --------------------------------------------------

CUBIC_A = -0.75


def unnormalize(v, size, align):
    return (v + 1) / 2 * (size - 1) if align else ((v + 1) * size - 1) / 2


def reflect(v, twice_lo, twice_hi):
    if twice_lo == twice_hi:
        return 0.0
    lo, span = twice_lo / 2, (twice_hi - twice_lo) / 2
    v = abs(v - lo)
    extra, flips = np.fmod(v, span), np.floor(v / span)
    return extra + lo if flips % 2 == 0 else span - extra + lo


def pad_coord(v, size, padding, align):
    if padding == "border":
        return min(size - 1, max(v, 0))
    if padding == "reflection":
        v = reflect(v, 0, 2 * (size - 1)) if align else reflect(v, -1, 2 * size - 1)
        return min(size - 1, max(v, 0))
    return v


def cubic_weights(t):
    a = CUBIC_A
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(x, grid, mode, padding, align):
    n_, c_, h_, w_ = x.shape
    ho, wo = grid.shape[1:3]
    y = np.zeros((n_, c_, ho, wo))

    def at(n, c, yy, xx):
        yy, xx = int(np.floor(yy)), int(np.floor(xx))
        return float(x[n, c, yy, xx]) if 0 <= yy < h_ and 0 <= xx < w_ else 0.0

    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                gx, gy = float(grid[n, i, j, 0]), float(grid[n, i, j, 1])
                ix, iy = unnormalize(gx, w_, align), unnormalize(gy, h_, align)
                for c in range(c_):
                    if mode == "bicubic":
                        x0, y0 = np.floor(ix), np.floor(iy)
                        wx, wy = cubic_weights(ix - x0), cubic_weights(iy - y0)
                        y[n, c, i, j] = sum(
                            wy[a] * wx[b] * at(n, c, pad_coord(y0 - 1 + a, h_, padding, align),
                                               pad_coord(x0 - 1 + b, w_, padding, align))
                            for a in range(4) for b in range(4))
                        continue
                    px, py = pad_coord(ix, w_, padding, align), pad_coord(iy, h_, padding, align)
                    if mode == "nearest":
                        y[n, c, i, j] = at(n, c, np.rint(py), np.rint(px))
                        continue
                    x0, y0 = np.floor(px), np.floor(py)
                    tx, ty = px - x0, py - y0
                    y[n, c, i, j] = ((1 - tx) * (1 - ty) * at(n, c, y0, x0)
                                     + tx * (1 - ty) * at(n, c, y0, x0 + 1)
                                     + (1 - tx) * ty * at(n, c, y0 + 1, x0)
                                     + tx * ty * at(n, c, y0 + 1, x0 + 1))
    return y.astype(x.dtype)


def save_case(name, node, feeds, outs, opset, inits=(), nodes=None):
    ttype = lambda v: helper.np_dtype_to_tensor_dtype(v.dtype) \
        if hasattr(helper, "np_dtype_to_tensor_dtype") else \
        onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype]
    graph = helper.make_graph(
        nodes if nodes is not None else [node], name,
        [helper.make_tensor_value_info(k, ttype(v), v.shape) for k, v in feeds],
        [helper.make_tensor_value_info(k, ttype(v), v.shape) for k, v in outs],
        list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    onnx.save(model, os.path.join(d, "model.onnx"))
    for k, (n, v) in enumerate(feeds):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.array(v, order="C"), n).SerializeToString())
    for k, (n, v) in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.array(v, order="C"), n).SerializeToString())


def gridsample_case(mode, padding, align, shape=(2, 2, 3, 4), out_hw=(3, 5), dtype=np.float32,
                    seed=0, spread=2.5, suffix=""):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape).astype(dtype)
    grid = rng.uniform(-spread, spread, (shape[0],) + out_hw + (2,)).astype(dtype)
    y = grid_sample(x, grid, mode, padding, align)
    node = helper.make_node("GridSample", ["X", "grid"], ["Y"], mode=mode,
                            padding_mode=padding, align_corners=align)
    name = "test_gridsample_%s_%s_align%d%s" % (mode, padding, align, suffix)
    save_case(name, node, [("X", x), ("grid", grid)], [("Y", y)], 16)


def gridsample_cases():
    seed = 10
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (0, 1):
                gridsample_case(mode, padding, align, seed=seed)
                seed += 1
    # a 1-pixel-wide image: reflection's span is 0 under align_corners
    gridsample_case("bilinear", "reflection", 1, shape=(1, 2, 3, 1), seed=40, suffix="_width1")
    gridsample_case("bicubic", "reflection", 0, shape=(1, 1, 2, 1), seed=41, suffix="_width1")
    gridsample_case("bicubic", "border", 1, dtype=np.float64, seed=42, suffix="_float64")


# ---- RNN / GRU / LSTM: sequence_lens and clip --------------------------------

def rnn_case(name, cell, seq, batch, insize, hid, lens, direction="forward", clip=None,
             layout=0, lens_input=False, seed=0):
    """lens: per-batch lengths (None: no sequence_lens). Each batch entry is
    its own run of the reference over its first lens[b] steps: Y is 0 past
    them, Y_h / Y_c the state at the entry's last step (a reverse direction
    starts there). lens_input: sequence_lens is a graph input, not an
    initializer (known only at run time)."""
    rng = np.random.default_rng(seed)
    ndir = 2 if direction == "bidirectional" else 1
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[cell]
    rnd = lambda *s: rng.uniform(-1, 1, s).astype(np.float32)
    x, w, r = rnd(seq, batch, insize), rnd(ndir, gates * hid, insize), rnd(ndir, gates * hid, hid)
    b = rnd(ndir, 2 * gates * hid)
    h0 = rnd(ndir, batch, hid)
    c0 = rnd(ndir, batch, hid) if cell == "LSTM" else None
    per = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"], "LSTM": ["Sigmoid", "Tanh", "Tanh"]}[cell]
    Y = np.zeros((seq, ndir, batch, hid), np.float32)
    Yh = np.zeros((ndir, batch, hid), np.float32)
    Yc = np.zeros((ndir, batch, hid), np.float32)
    for d in range(ndir):
        for e in range(batch):
            n = lens[e] if lens is not None else seq
            y, h, c = run_dir(cell, x[:n, e:e + 1], w[d], r[d], b[d], h0[d, e:e + 1],
                              c0[d, e:e + 1] if c0 is not None else None, None, per,
                              direction == "reverse" or d == 1, 0, clip)
            Y[:n, d, e] = y[:, 0]
            Yh[d, e] = h[0]
            if c is not None:
                Yc[d, e] = c[0]
    xin, h0in, c0in = x, h0, c0
    if layout:
        xin, h0in = x.transpose(1, 0, 2), h0.transpose(1, 0, 2)
        c0in = c0.transpose(1, 0, 2) if c0 is not None else None
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    feeds = [("X", xin), ("W", w), ("R", r), ("B", b)]
    names = ["X", "W", "R", "B", ""]
    inits = []
    if lens is not None:
        sl = np.array(lens, np.int32)
        names[4] = "sequence_lens"
        if lens_input:
            feeds.append(("sequence_lens", sl))
        else:
            inits.append(numpy_helper.from_array(sl, "sequence_lens"))
    names.append("initial_h")
    feeds.append(("initial_h", h0in))
    if cell == "LSTM":
        names.append("initial_c")
        feeds.append(("initial_c", c0in))
    outs = [("Y", Y), ("Y_h", Yh)] + ([("Y_c", Yc)] if cell == "LSTM" else [])
    attrs = {"hidden_size": hid, "direction": direction}
    if clip is not None:
        attrs["clip"] = clip
    if layout:
        attrs["layout"] = layout
    node = helper.make_node(cell, names, [o[0] for o in outs], **attrs)
    save_case(name, node, feeds, outs, 14, inits=inits)


def rnn_cases():
    rnn_case("test_rnn_seq_lens", "RNN", 4, 3, 2, 3, [4, 1, 2], seed=50)
    rnn_case("test_rnn_seq_lens_reverse_clip", "RNN", 4, 3, 2, 3, [2, 4, 3], "reverse",
             clip=0.5, seed=51)
    rnn_case("test_gru_seq_lens_bidirectional", "GRU", 5, 3, 3, 2, [3, 5, 1], "bidirectional",
             seed=52)
    rnn_case("test_gru_seq_lens_input_layout1", "GRU", 3, 2, 2, 4, [2, 3], layout=1,
             lens_input=True, seed=53)
    rnn_case("test_lstm_seq_lens_bidirectional", "LSTM", 4, 3, 2, 3, [1, 4, 2],
             "bidirectional", seed=54)
    rnn_case("test_lstm_seq_lens_input_reverse", "LSTM", 3, 2, 3, 2, [2, 1], "reverse",
             lens_input=True, seed=55)
    rnn_case("test_lstm_clip", "LSTM", 3, 2, 3, 4, None, clip=0.3, seed=56)
    rnn_case("test_gru_clip_full_lens", "GRU", 3, 2, 2, 3, [3, 3], clip=0.8, seed=57)


# ---- If, Loop, Scan ---------------------------------------------------------

F = TensorProto.FLOAT
vi = helper.make_tensor_value_info
npt = numpy_helper.from_array


def body(nodes, name, inputs, outputs, inits=()):
    return helper.make_graph(nodes, name, inputs, outputs, list(inits))


def if_case(name, cond):
    """cond is a graph input (run-time: both branches, selected). The
    branches define a value 't' of their own while the enclosing graph has
    a 't' used after the If: the branch's must not leak out."""
    rng = np.random.default_rng(60)
    x = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (3,)).astype(np.float32)
    then_b = body([helper.make_node("Mul", ["x", "two"], ["t"]),
                   helper.make_node("Add", ["t", "w"], ["then_y"])], "then",
                  [], [vi("then_y", F, [2, 3])], [npt(np.array(2, np.float32), "two")])
    else_b = body([helper.make_node("Relu", ["x"], ["t"]),
                   helper.make_node("Sub", ["t", "one"], ["else_y"])], "else",
                  [], [vi("else_y", F, [2, 3])], [npt(np.array(1, np.float32), "one")])
    nodes = [helper.make_node("Add", ["x", "one_outer"], ["t"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=then_b, else_branch=else_b),
             helper.make_node("Mul", ["t", "y"], ["z"])]
    t = x + 1
    y = x * 2 + w if cond else np.maximum(x, 0) - 1
    save_case(name, None, [("cond", np.array(cond)), ("x", x)],
              [("y", y.astype(np.float32)), ("z", (t * y).astype(np.float32))], 13,
              inits=[npt(w, "w"), npt(np.array(1, np.float32), "one_outer")], nodes=nodes)


def if_const_case():
    """A constant condition: only the else branch is imported, so the
    branches may give different shapes."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    then_b = body([helper.make_node("ReduceSum", ["x"], ["r"], keepdims=0)], "then", [],
                  [vi("r", F, [])])
    else_b = body([helper.make_node("Neg", ["x"], ["n"])], "else", [], [vi("n", F, [2, 3])])
    nodes = [helper.make_node("If", ["c"], ["y"], then_branch=then_b, else_branch=else_b)]
    save_case("test_if_constant_cond_shapes_differ", None, [("x", x)], [("y", -x)], 13,
              inits=[npt(np.array(False), "c")], nodes=nodes)


def loop_case():
    """M = 5, stopped early by the body's condition (iter < 2: three
    iterations); the body reads the outer x and chooses between two
    branches by the iteration number (an If nested in the Loop, its
    condition folded per iteration); a scan output."""
    rng = np.random.default_rng(61)
    x = rng.uniform(-1, 1, (3,)).astype(np.float32)
    y0 = rng.uniform(-1, 1, (3,)).astype(np.float32)
    then_b = body([helper.make_node("Mul", ["x", "fi"], ["a"])], "then", [], [vi("a", F, [3])])
    else_b = body([helper.make_node("Sub", ["y_in", "x"], ["a"])], "else", [],
                  [vi("a", F, [3])])
    lb = body([helper.make_node("Less", ["i", "two"], ["cond_out"]),
               helper.make_node("Cast", ["i"], ["fi"], to=F),
               helper.make_node("Equal", ["i", "one"], ["is1"]),
               helper.make_node("If", ["is1"], ["a"], then_branch=then_b, else_branch=else_b),
               helper.make_node("Add", ["y_in", "a"], ["y_out"]),
               helper.make_node("Mul", ["y_out", "y_out"], ["sq"])],
              "loop_body",
              [vi("i", TensorProto.INT64, []), vi("c_in", TensorProto.BOOL, []),
               vi("y_in", F, [3])],
              [vi("cond_out", TensorProto.BOOL, []), vi("y_out", F, [3]), vi("sq", F, [3])],
              [npt(np.array(2, np.int64), "two"), npt(np.array(1, np.int64), "one")])
    nodes = [helper.make_node("Loop", ["M", "", "y0"], ["y", "sqs"], body=lb)]
    y, sqs = y0.copy(), []
    for i in range(5):
        a = x * np.float32(i) if i == 1 else y - x
        y = y + a
        sqs.append(y * y)
        if not i < 2:
            break
    save_case("test_loop_unrolled_early_stop_nested_if", None, [("x", x), ("y0", y0)],
              [("y", y), ("sqs", np.stack(sqs))], 13,
              inits=[npt(np.array(5, np.int64), "M")], nodes=nodes)


def scan_case():
    """Opset 11 Scan: a scanned along axis 1, b along axis 0 in reverse;
    one scan output along axis 0, one along axis 1 in reverse."""
    rng = np.random.default_rng(62)
    s0 = rng.uniform(-1, 1, (2,)).astype(np.float32)
    a = rng.uniform(-1, 1, (2, 4)).astype(np.float32)
    b = rng.uniform(-1, 1, (4, 2)).astype(np.float32)
    sb = body([helper.make_node("Mul", ["at", "bt"], ["p"]),
               helper.make_node("Add", ["s", "p"], ["s_out"]),
               helper.make_node("Identity", ["s_out"], ["o1"])],
              "scan_body", [vi("s", F, [2]), vi("at", F, [2]), vi("bt", F, [2])],
              [vi("s_out", F, [2]), vi("o1", F, [2]), vi("p", F, [2])])
    nodes = [helper.make_node("Scan", ["s0", "a", "b"], ["s", "o1", "o2"], body=sb,
                              num_scan_inputs=2, scan_input_axes=[1, 0],
                              scan_input_directions=[0, 1], scan_output_axes=[0, 1],
                              scan_output_directions=[0, 1])]
    s, o1, o2 = s0.copy(), [], []
    for t in range(4):
        p = a[:, t] * b[3 - t]
        s = s + p
        o1.append(s)
        o2.append(p)
    o2 = np.stack(o2[::-1], 1)
    save_case("test_scan_axes_directions", None, [("s0", s0), ("a", a), ("b", b)],
              [("s", s), ("o1", np.stack(o1)), ("o2", o2)], 11, nodes=nodes)


def scan8_case():
    """Opset 8 Scan: batch 2 (each entry scanned on its own), the scan
    input read in reverse, sequence_lens given and all full."""
    rng = np.random.default_rng(63)
    s0 = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    x = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    sb = body([helper.make_node("Mul", ["s", "xt"], ["p"]),
               helper.make_node("Add", ["p", "xt"], ["s_out"]),
               helper.make_node("Neg", ["s_out"], ["o"])],
              "scan_body", [vi("s", F, [3]), vi("xt", F, [3])],
              [vi("s_out", F, [3]), vi("o", F, [3])])
    nodes = [helper.make_node("Scan", ["lens", "s0", "x"], ["s", "o"], body=sb,
                              num_scan_inputs=1, directions=[1])]
    s_fin, o = np.zeros_like(s0), np.zeros_like(x)
    for e in range(2):
        st = s0[e]
        for t in range(4):
            xt = x[e, 3 - t]
            st = st * xt + xt
            o[e, t] = -st
        s_fin[e] = st
    save_case("test_scan8_batch_reverse", None, [("s0", s0), ("x", x)],
              [("s", s_fin), ("o", o)], 8, inits=[npt(np.array([4, 4], np.int32), "lens")],
              nodes=nodes)


def control_cases():
    if_case("test_if_runtime_cond_true", True)
    if_case("test_if_runtime_cond_false", False)
    if_const_case()
    loop_case()
    scan_case()
    scan8_case()


def main():
    gridsample_cases()
    rnn_cases()
    control_cases()


if __name__ == "__main__":
    main()
