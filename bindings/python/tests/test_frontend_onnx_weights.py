"""ONNX import paths that whole models take: large initializers (made graph
constants during the import, in each encoding ONNX allows) and Pow by 2
(the variance of an exported LayerNorm), checked against numpy."""
import numpy as np
import pytest

import tvmc
from tvmc import frontend

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _run(model, *inputs):
    try:
        with tvmc.Graph():
            ins, outs = frontend.from_onnx(model.SerializeToString())
            f = tvmc.build(ins + outs)
    except tvmc.UnsupportedError as e:
        if "without the ONNX importer" in str(e):
            pytest.skip("libtvmc built without the ONNX importer")
        raise
    return f.run(*inputs)


def _model(nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


vi = helper.make_tensor_value_info


@pytest.mark.parametrize("encoding", ["raw", "float_data"])
def test_large_float_initializer(encoding):
    # 300 x 300 = 90000 elements: above what the importer keeps as host data
    rng = np.random.default_rng(3)
    w = rng.standard_normal((300, 300)).astype(np.float32)
    if encoding == "raw":
        init = numpy_helper.from_array(w, "w")
    else:
        init = helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.ravel().tolist())
    m = _model([helper.make_node("Add", ["x", "w"], ["y"])],
               [vi("x", TensorProto.FLOAT, [300, 300])],
               [vi("y", TensorProto.FLOAT, [300, 300])], [init])
    x = rng.standard_normal((300, 300)).astype(np.float32)
    np.testing.assert_array_equal(_run(m, x), x + w)


def test_large_bool_initializer_is_normalised():
    # raw bool bytes other than 0/1 still mean true
    mask = (np.arange(70000) % 3).astype(np.uint8)
    init = helper.make_tensor("m", TensorProto.BOOL, [70000], mask.tobytes(), raw=True)
    m = _model([helper.make_node("Where", ["m", "x", "z"], ["y"])],
               [vi("x", TensorProto.FLOAT, [70000]), vi("z", TensorProto.FLOAT, [70000])],
               [vi("y", TensorProto.FLOAT, [70000])], [init])
    x = np.arange(70000, dtype=np.float32)
    z = -x
    np.testing.assert_array_equal(_run(m, x, z), np.where(mask != 0, x, z))


def test_large_initializer_shared_by_two_nodes():
    w = np.linspace(-1, 1, 80000, dtype=np.float32)
    m = _model([helper.make_node("Add", ["x", "w"], ["a"]),
                helper.make_node("Mul", ["a", "w"], ["y"])],
               [vi("x", TensorProto.FLOAT, [80000])], [vi("y", TensorProto.FLOAT, [80000])],
               [numpy_helper.from_array(w, "w")])
    x = np.full(80000, 0.5, dtype=np.float32)
    np.testing.assert_array_equal(_run(m, x), (x + w) * w)


@pytest.mark.parametrize("exp", [np.float32(2.0), np.int64(2), np.full((1, 4), 2.0, np.float32)])
def test_pow_two_is_exact_square(exp):
    e = numpy_helper.from_array(np.asarray(exp), "e")
    m = _model([helper.make_node("Pow", ["x", "e"], ["y"])],
               [vi("x", TensorProto.FLOAT, [3, 4])], [vi("y", TensorProto.FLOAT, [3, 4])], [e])
    x = np.array([[1.5, -2.0, 0.0, -0.0], [np.inf, -np.inf, np.nan, 1e30],
                  [3e-39, -7.25, 1e-20, 123.456]], dtype=np.float32)
    # the square of a float32 is exact in float64, so rounding it once gives
    # the correctly rounded result (numpy's float32 power is 1 ulp off on
    # 123.456, for one)
    with np.errstate(over="ignore", under="ignore"):
        ref = (x.astype(np.float64) ** 2).astype(np.float32)
    np.testing.assert_array_equal(_run(m, x), ref)


def test_pow_two_that_broadcasts_the_base():
    # the exponent's shape widens the result: not a plain square of x
    e = numpy_helper.from_array(np.full((2, 3), 2.0, np.float32), "e")
    m = _model([helper.make_node("Pow", ["x", "e"], ["y"])],
               [vi("x", TensorProto.FLOAT, [3])], [vi("y", TensorProto.FLOAT, [2, 3])], [e])
    x = np.array([1.5, -2.0, 4.0], dtype=np.float32)
    np.testing.assert_array_equal(_run(m, x), np.broadcast_to(x * x, (2, 3)))


def test_pow_other_exponents_unchanged():
    e = numpy_helper.from_array(np.array([2.0, 3.0, 0.5], np.float32), "e")
    m = _model([helper.make_node("Pow", ["x", "e"], ["y"])],
               [vi("x", TensorProto.FLOAT, [3])], [vi("y", TensorProto.FLOAT, [3])], [e])
    x = np.array([1.5, 2.0, 4.0], dtype=np.float32)
    np.testing.assert_allclose(_run(m, x), np.power(x, [2.0, 3.0, 0.5]), rtol=1e-6)
