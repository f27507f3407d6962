"""ONNX importer: GridSample, RNN sequence_lens / clip, If / Loop / Scan —
malformed nodes are refused with the right error and a message naming what
was wrong (the numerical cases are test/onnx/make_op_cases.py's)."""
import numpy as np
import pytest

import tvmc
from tvmc import frontend

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

F = TensorProto.FLOAT
vi = helper.make_tensor_value_info


def _import(nodes, inputs, outputs, inits=(), opset=16):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    try:
        return frontend.from_onnx(m.SerializeToString())
    except tvmc.UnsupportedError as e:
        if "without the ONNX importer" in str(e):
            pytest.skip("libtvmc built without the ONNX importer")
        raise


def _grid_sample(xshape, gshape, **attrs):
    node = helper.make_node("GridSample", ["x", "grid"], ["y"], **attrs)
    return _import([node], [vi("x", F, xshape), vi("grid", F, gshape)], [vi("y", F, None)])


def test_grid_sample_runs():
    with tvmc.Graph():
        ins, outs = _grid_sample([1, 1, 2, 2], [1, 1, 2, 2], align_corners=1)
        f = tvmc.build(ins + outs)
    x = np.array([1, 2, 3, 4], "float32").reshape(1, 1, 2, 2)
    grid = np.array([[-1, -1], [0, 0]], "float32").reshape(1, 1, 2, 2)
    np.testing.assert_allclose(f.run(x, grid), [[[[1, 2.5]]]])


def test_grid_sample_symbolic_image_size():
    """H and W as size variables: the coordinate transform reads them at
    run time (align_corners 1: -1 and 1 are the corner pixels)."""
    with tvmc.Graph():
        ins, outs = _grid_sample([1, 1, "h", "w"], [1, 1, 2, 2], align_corners=1)
        f = tvmc.build(ins + outs)
    grid = np.array([[-1, -1], [1, 1]], "float32").reshape(1, 1, 2, 2)
    for h, w in ((2, 2), (3, 5)):
        x = np.arange(h * w, dtype="float32").reshape(1, 1, h, w)
        np.testing.assert_array_equal(f.run(x, grid), [[[[0, h * w - 1]]]])


@pytest.mark.parametrize("xshape,gshape,attrs,err,words", [
    ([1, 1, 2, 2], [1, 1, 2, 2], {"mode": "linear"}, tvmc.InvalidArgumentError, "mode 'linear'"),
    ([1, 1, 2, 2], [1, 1, 2, 2], {"padding_mode": "wrap"}, tvmc.InvalidArgumentError, "padding_mode 'wrap'"),
    ([1, 1, 2, 2], [1, 1, 2, 2], {"align_corners": 2}, tvmc.InvalidArgumentError, "align_corners is 2"),
    ([1, 2, 2], [1, 1, 2, 2], {}, tvmc.ShapeError, "rank 3"),
    ([1, 1, 2, 2], [1, 1, 2, 3], {}, tvmc.ShapeError, "must be 2"),
    ([2, 1, 2, 2], [3, 1, 2, 2], {}, tvmc.ShapeError, "batch"),
])
def test_grid_sample_bad_nodes(xshape, gshape, attrs, err, words):
    with tvmc.Graph():
        with pytest.raises(err, match=words):
            _grid_sample(xshape, gshape, **attrs)


def _gru(lens=None, lens_type=TensorProto.INT32, lens_shape=(2,), as_input=False, **attrs):
    """GRU over X [3, 2, 2] (seq, batch, in), hidden 2."""
    w = helper.make_tensor("W", F, [1, 6, 2], [0.1] * 12)
    r = helper.make_tensor("R", F, [1, 6, 2], [0.2] * 12)
    inits, inputs = [w, r], [vi("X", F, [3, 2, 2])]
    names = ["X", "W", "R", ""]
    if lens is not None or as_input:
        names.append("L")
        if as_input:
            inputs.append(vi("L", lens_type, list(lens_shape)))
        else:
            inits.append(helper.make_tensor("L", lens_type, list(lens_shape), lens))
    node = helper.make_node("GRU", names, ["Y", "Y_h"], hidden_size=2, **attrs)
    return _import([node], inputs, [vi("Y", F, None), vi("Y_h", F, None)], inits, opset=14)


def test_rnn_run_time_sequence_lens():
    """Lengths only known at run time: past its length an entry's Y is 0
    and its Y_h stays at the last valid step's state; a length beyond the
    sequence acts as the full one, a length of 0 keeps the initial state."""
    with tvmc.Graph():
        ins, outs = _gru(as_input=True)
        f = tvmc.build(ins + outs)
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 2, 2)
    y_full, h_full = f.run(x, np.array([3, 3], "int32"))
    y, h = f.run(x, np.array([1, 7], "int32"))
    np.testing.assert_array_equal(y[1:, :, 0], 0)
    np.testing.assert_array_equal(y[0, :, 0], y_full[0, :, 0])
    np.testing.assert_array_equal(h[:, 0], y_full[0, :, 0])
    np.testing.assert_array_equal(y[:, :, 1], y_full[:, :, 1])
    np.testing.assert_array_equal(h[:, 1], h_full[:, 1])
    y, h = f.run(x, np.array([0, -5], "int32"))
    np.testing.assert_array_equal(y, 0)
    np.testing.assert_array_equal(h, 0)  # the initial state (absent: zeros)


@pytest.mark.parametrize("kw,err,words", [
    ({"lens": [0, 3]}, tvmc.InvalidArgumentError, r"sequence_lens\[0\] is 0"),
    ({"lens": [3, 4]}, tvmc.InvalidArgumentError, r"sequence_lens\[1\] is 4"),
    ({"lens": [3, 3, 3], "lens_shape": (3,)}, tvmc.ShapeError, "shape"),
    ({"as_input": True, "lens_shape": (2, 1)}, tvmc.ShapeError, "shape"),
    ({"as_input": True, "lens_type": F}, tvmc.DTypeError, "float32"),
    ({"clip": -1.0}, tvmc.InvalidArgumentError, "clip is -1"),
    ({"clip": 0.0}, tvmc.InvalidArgumentError, "clip is 0"),
])
def test_rnn_bad_sequence_lens_and_clip(kw, err, words):
    with tvmc.Graph():
        with pytest.raises(err, match=words):
            _gru(**kw)


B, I64 = TensorProto.BOOL, TensorProto.INT64


def _branch(name, nodes, out, shape, inits=()):
    return helper.make_graph(nodes, name, [], [vi(out, F, shape)], list(inits))


def _if(then_b, else_b, cond_type=B, **extra):
    attrs = {"then_branch": then_b, "else_branch": else_b}
    attrs.update(extra)
    attrs = {k: v for k, v in attrs.items() if v is not None}
    node = helper.make_node("If", ["c"], ["y"], **attrs)
    return _import([node], [vi("c", cond_type, []), vi("x", F, [2, 3])], [vi("y", F, None)],
                   opset=13)


NEG = _branch("neg", [helper.make_node("Neg", ["x"], ["n"])], "n", [2, 3])
SUM = _branch("sum", [helper.make_node("ReduceSum", ["x"], ["r"], keepdims=0)], "r", [])


def test_if_run_time_cond_selects():
    with tvmc.Graph():
        ins, outs = _if(NEG, _branch("abs", [helper.make_node("Abs", ["x"], ["a"])], "a",
                                     [2, 3]))
        f = tvmc.build(ins + outs)
    x = np.array([[-1, 2, -3], [4, -5, 6]], "float32")
    np.testing.assert_array_equal(f.run(np.array(True), x), -x)
    np.testing.assert_array_equal(f.run(np.array(False), x), np.abs(x))


def _loop(m=None, cond=None, body_nodes=None, m_input=False, cond_out="c_in"):
    """Loop over y [3] adding x each iteration (body reads the outer x)."""
    nodes = body_nodes or [helper.make_node("Add", ["y_in", "x"], ["y_out"])]
    nodes = nodes + [helper.make_node("Identity", [cond_out], ["c_out"])]
    lb = helper.make_graph(nodes, "body",
                           [vi("i", I64, []), vi("c_in", B, []), vi("y_in", F, [3])],
                           [vi("c_out", B, []), vi("y_out", F, [3])])
    inits, inputs = [], [vi("x", F, [3]), vi("y0", F, [3])]
    if m is not None:
        inits.append(helper.make_tensor("M", I64, [], [m]))
    if m_input:
        inputs.append(vi("M", I64, []))
    if cond is not None:
        inits.append(helper.make_tensor("cond", B, [], [cond]))
    node = helper.make_node("Loop", ["M" if m is not None or m_input else "",
                                     "cond" if cond is not None else "", "y0"], ["y"], body=lb)
    return _import([node], inputs, [vi("y", F, None)], inits, opset=13)


def test_loop_unrolled_runs():
    with tvmc.Graph():
        ins, outs = _loop(m=4)
        f = tvmc.build(ins + outs)
    x, y0 = np.array([1, 2, 3], "float32"), np.array([0.5, 0, -1], "float32")
    np.testing.assert_array_equal(f.run(x, y0), y0 + 4 * x)
    with tvmc.Graph():  # a false condition: no iteration, y is y0
        ins, outs = _loop(m=4, cond=False)
        f = tvmc.build(ins + outs)
    np.testing.assert_array_equal(f.run(x, y0), y0)


def _scan(**attrs):
    sb = helper.make_graph([helper.make_node("Add", ["s", "xt"], ["s_out"])], "body",
                           [vi("s", F, [2]), vi("xt", F, [2])], [vi("s_out", F, [2])])
    attrs.setdefault("num_scan_inputs", 1)
    node = helper.make_node("Scan", ["s0", "xs"], ["s"], body=sb, **attrs)
    return _import([node], [vi("s0", F, [2]), vi("xs", F, [3, 2])], [vi("s", F, None)],
                   opset=11)


def _scan8(lens, **attrs):
    sb = helper.make_graph([helper.make_node("Add", ["s", "xt"], ["s_out"])], "body",
                           [vi("s", F, [2]), vi("xt", F, [2])], [vi("s_out", F, [2])])
    node = helper.make_node("Scan", ["lens", "s0", "xs"], ["s"], body=sb, num_scan_inputs=1,
                            **attrs)
    return _import([node], [vi("s0", F, [2, 2]), vi("xs", F, [2, 3, 2])], [vi("s", F, None)],
                   [helper.make_tensor("lens", TensorProto.INT32, [2], lens)], opset=8)


def test_scan8_runs_per_batch_entry():
    with tvmc.Graph():
        ins, outs = _scan8([3, 3])
        f = tvmc.build(ins + outs)
    s0 = np.array([[1, 2], [3, 4]], "float32")
    xs = np.arange(12, dtype="float32").reshape(2, 3, 2)
    np.testing.assert_array_equal(f.run(s0, xs), s0 + xs.sum(1))


@pytest.mark.parametrize("build,err,words", [
    (lambda: _scan8([3, 2]), tvmc.UnsupportedError, r"sequence_lens\[1\] is 2"),
    # Scan-9's attributes on Scan-8 (an axis 0 would slice the batch)
    (lambda: _scan8([3, 3], scan_input_axes=[0]), tvmc.InvalidArgumentError,
     "scan_input_axes is not an attribute of Scan-8"),
    (lambda: _scan8([3, 3], scan_output_directions=[0]), tvmc.InvalidArgumentError,
     "scan_output_directions is not an attribute of Scan-8"),
    # If
    (lambda: _if(NEG, SUM), tvmc.UnsupportedError, "same dtypes and shapes"),
    (lambda: _if(NEG, None), tvmc.ParseError, "else_branch"),
    (lambda: _if(NEG, NEG, cond_type=TensorProto.INT32), tvmc.DTypeError, "cond is int32"),
    (lambda: _if(NEG, _branch("bad", [helper.make_node("NonZero", ["x"], ["z"])], "z",
                              [2, 1])),
     tvmc.UnsupportedError, "operator NonZero"),
    (lambda: _if(NEG, _branch("bad", [helper.make_node("Neg", ["x"], ["n"])], "q", [2, 3])),
     tvmc.ParseError, "output 'q' of else_branch"),
    # Loop
    (lambda: _loop(), tvmc.UnsupportedError, "no trip count"),
    (lambda: _loop(m_input=True), tvmc.UnsupportedError, "'M' .* must be known at import"),
    (lambda: _loop(m=10**9), tvmc.UnsupportedError, "at most 65536"),
    (lambda: _loop(m=3, body_nodes=[helper.make_node("Add", ["y_in", "x0"], ["y_out"])]),
     tvmc.ParseError, "input 'x0' is not produced"),
    (lambda: _loop(m=3, body_nodes=[helper.make_node("Add", ["y_in", "x"], ["y_out"]),
                                    helper.make_node("ReduceMax", ["y_out"], ["mx"],
                                                     keepdims=0),
                                    helper.make_node("Cast", ["mx"], ["go"], to=B)],
                   cond_out="go"),
     tvmc.UnsupportedError, "run-time data"),
    # Scan
    (lambda: _scan(num_scan_inputs=0), tvmc.ParseError, "num_scan_inputs is 0"),
    (lambda: _scan(scan_input_axes=[2]), tvmc.InvalidArgumentError, "scan_input_axes"),
    (lambda: _scan(scan_input_directions=[2]), tvmc.InvalidArgumentError, "directions"),
    (lambda: _scan(scan_input_axes=[0, 1]), tvmc.ParseError, "2 values; 1 expected"),
])
def test_control_flow_bad_nodes(build, err, words):
    with tvmc.Graph():
        with pytest.raises(err, match=words):
            build()
