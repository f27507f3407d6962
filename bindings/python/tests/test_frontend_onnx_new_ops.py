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
