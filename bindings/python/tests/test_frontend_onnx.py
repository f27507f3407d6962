"""tvmc.frontend.from_onnx: a tiny model end to end, errors as exceptions."""
import numpy as np
import pytest

import tvmc
from tvmc import frontend

# y = relu(x + w), x [n, 3] float32, w an initializer {1, 2, 3} (opset 13),
# serialised by onnx.helper.
TINY = bytes([
    8, 8, 18, 1, 116, 58, 100, 10, 14, 10, 1, 120, 10, 1, 119, 18, 1, 116, 34, 3, 65, 100,
    100, 10, 12, 10, 1, 116, 18, 1, 121, 34, 4, 82, 101, 108, 117, 18, 1, 103, 42, 21, 8, 3,
    16, 1, 34, 12, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 66, 1, 119, 90, 20, 10, 1, 120,
    18, 15, 10, 13, 8, 1, 18, 9, 10, 3, 18, 1, 110, 10, 2, 8, 3, 98, 20, 10, 1, 121, 18, 15,
    10, 13, 8, 1, 18, 9, 10, 3, 18, 1, 110, 10, 2, 8, 3, 66, 4, 10, 0, 16, 13])


def _import(model):
    try:
        return frontend.from_onnx(model)
    except tvmc.UnsupportedError as e:
        if "without the ONNX importer" in str(e):
            pytest.skip("libtvmc built without the ONNX importer")
        raise


def test_tiny_model_runs(tmp_path):
    for model in (TINY, str(tmp_path / "m.onnx")):
        if isinstance(model, str):
            (tmp_path / "m.onnx").write_bytes(TINY)
        with tvmc.Graph():
            ins, outs = _import(model)
            assert [t.name for t in ins] == ["x"] and [t.name for t in outs] == ["y"]
            assert ins[0].dtype == "float32" and ins[0].shape[1] == 3
            assert isinstance(ins[0].shape[0], tvmc.Expr)  # dim_param "n"
            f = tvmc.build(ins + outs)
        x = np.array([[-5, 0, 1], [1, -2.5, -4]], dtype="float32")
        y = f.run(x)
        np.testing.assert_array_equal(y, np.maximum(x + [1, 2, 3], 0))


def test_errors_are_exceptions():
    with tvmc.Graph():
        try:
            frontend.from_onnx(TINY[:-9])
        except tvmc.UnsupportedError:
            pytest.skip("libtvmc built without the ONNX importer")
        except tvmc.ParseError as e:
            assert "onnx" in str(e)
        else:
            raise AssertionError("a truncated model imported")
    with tvmc.Graph():
        bad = bytearray(TINY)
        bad[34] = ord("x")  # Relu -> Rxlu
        with pytest.raises(tvmc.UnsupportedError, match="Rxlu"):
            frontend.from_onnx(bytes(bad))
    with pytest.raises(TypeError):
        frontend.from_onnx(42)


def test_shared_dim_param_is_one_size_variable():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    vi = helper.make_tensor_value_info
    # a + b broadcasts only if both "batch" dims are the same size variable
    g = helper.make_graph([helper.make_node("Add", ["a", "b"], ["c"])], "g",
                          [vi("a", TensorProto.FLOAT, ["batch", 2]),
                           vi("b", TensorProto.FLOAT, ["batch", 2])],
                          [vi("c", TensorProto.FLOAT, ["batch", 2])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    with tvmc.Graph():
        ins, outs = _import(m.SerializeToString())
        assert ins[0].shape[0].id == ins[1].shape[0].id
        f = tvmc.build(ins + outs)
    a = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_array_equal(f.run(a, a), a + a)


@pytest.mark.parametrize("op,attrs", [
    ("Softmax", {"axis": 2**32}),          # wrapped to axis 0 before
    ("Softmax", {"axis": -(2**32) - 1}),   # wrapped to -1
    ("Concat", {"axis": 2**32 + 1}),       # wrapped to 1
    ("Transpose", {"perm": [2**32 + 1, 0]}),
    ("ReduceSum", {"axes": [2**32], "keepdims": 1}),
])
def test_int64_axes_outside_int_are_rejected(op, attrs):
    """An axis attribute is an int64: one that does not fit an int must be
    refused, not truncated onto a valid axis."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    graph = helper.make_graph([node], "axis", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    with tvmc.Graph():
        with pytest.raises(tvmc.TVMError):
            _import(model.SerializeToString())
