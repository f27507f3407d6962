"""ONNX Compress through the importer: slices along an axis, the flattened
input without one, a condition shorter than the dim, and the errors (a
condition only known at run time, a true past the dim), against numpy's
compress."""
import numpy as np
import pytest

import tvmc
from tvmc import frontend

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def _model(shape, cond, axis=None, cond_as_input=False):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    attrs = {} if axis is None else {"axis": axis}
    node = helper.make_node("Compress", ["x", "c"], ["y"], **attrs)
    inits, inputs = [], [x]
    if cond_as_input:
        inputs.append(helper.make_tensor_value_info("c", TensorProto.BOOL, [len(cond)]))
    else:
        inits.append(helper.make_tensor("c", TensorProto.BOOL, [len(cond)],
                                        [bool(v) for v in cond]))
    graph = helper.make_graph([node], "compress", inputs, [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return model.SerializeToString()


def _run(shape, cond, axis=None):
    with tvmc.Graph():
        try:
            ins, outs = frontend.from_onnx(_model(shape, cond, axis))
        except tvmc.UnsupportedError as e:
            if "without the ONNX importer" in str(e):
                pytest.skip("libtvmc built without the ONNX importer")
            raise
        f = tvmc.build(ins + outs)
    x = np.arange(np.prod(shape), dtype="float32").reshape(shape) * 0.5 - 3
    return f.run(x), np.compress(np.array(cond, dtype=bool), x, axis=axis)


@pytest.mark.parametrize("shape,cond,axis", [
    ((3, 2), [0, 1, 1], 0),           # ONNX's example: rows 1 and 2
    ((3, 2), [0, 1], 1),              # columns
    ((2, 4, 3), [1, 0, 1, 1], -2),    # a middle axis, negative
    ((3, 2), [0, 1, 0, 0, 1], None),  # flattened, condition shorter than 6
    ((2, 3), [1, 1], 0),              # everything
    ((2, 3), [0, 0, 0], 1),           # nothing: an empty result
])
def test_compress_matches_numpy(shape, cond, axis):
    got, want = _run(shape, cond, axis)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_compress_condition_must_be_constant():
    with tvmc.Graph():
        with pytest.raises(tvmc.UnsupportedError, match="must be known at import time"):
            frontend.from_onnx(_model((3, 2), [0, 1, 1], 0, cond_as_input=True))


def test_compress_true_past_the_dim():
    with tvmc.Graph():
        with pytest.raises(tvmc.ShapeError, match="past the input's dim 3"):
            frontend.from_onnx(_model((3, 2), [0, 1, 1, 1], 0))
