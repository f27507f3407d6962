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
