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


def _one_node_model(node, inputs, inits=(), out_type=None):
    from onnx import TensorProto, helper
    y = helper.make_tensor_value_info("y", out_type or TensorProto.FLOAT, None)
    graph = helper.make_graph([node], "m", inputs, [y], initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)])


@pytest.mark.parametrize("outputs", [[], ["k", "k2"]])
@pytest.mark.parametrize("in_branch", [False, True])
def test_constant_node_needs_exactly_one_output(outputs, in_branch):
    """A Constant node without an output read output[0] of an empty list
    (fuzz_onnx finding O-008: UBSan null pointer, a crash in the release
    build), in the main graph or an If branch; it is refused, and a
    well-formed one still gives its value."""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    F = TensorProto.FLOAT
    x = helper.make_tensor_value_info("x", F, [2])
    y = helper.make_tensor_value_info("y", F, [2])

    def model(outs):
        const = helper.make_node("Constant", [], outs,
                                 value=helper.make_tensor("v", F, [2], [1.5, -2]))
        nodes = [const, helper.make_node("Add", ["x", "k" if outs else "x"], ["y"])]
        if in_branch:
            br = helper.make_graph(nodes, "b", [], [y])
            nodes = [helper.make_node("If", ["c"], ["y"], then_branch=br, else_branch=br)]
        g = helper.make_graph(nodes, "m", [x], [y],
                              [helper.make_tensor("c", TensorProto.BOOL, [], [1])])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])

    with tvmc.Graph():
        with pytest.raises(tvmc.ParseError, match=f"one output, not {len(outputs)}"):
            _import(model(outputs).SerializeToString())
    with tvmc.Graph():
        ins, outs = _import(model(["k"]).SerializeToString())
        f = tvmc.build(ins + outs)
    xs = np.array([1, 2], "float32")
    np.testing.assert_array_equal(f.run(xs), xs + np.array([1.5, -2], "float32"))


@pytest.mark.parametrize("dtype,lambd,bias", [
    ("int32", 0.5, 2.0), ("int32", 2.9, -1.0),  # truncated toward zero: 0, 2, -1
    ("int32", float("nan"), 3.0),               # NaN: lambd 0
    ("int64", 1e30, 7.0), ("int64", float("inf"), 1.0),  # +-2^62: nothing is outside
    ("int32", 1e30, 7.0),                       # 2^62 does not fit int32: an error
])
def test_shrink_of_integers_saturates_its_float_attributes(dtype, lambd, bias):
    """Shrink on an integer input compares with lambd and adds bias as
    integers: the float attributes are truncated, saturated to +-2^62 rather
    than converted outside int64 (undefined behaviour)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    et = TensorProto.INT32 if dtype == "int32" else TensorProto.INT64
    x = helper.make_tensor_value_info("x", et, [7])
    node = helper.make_node("Shrink", ["x"], ["y"], lambd=lambd, bias=bias)
    model = _one_node_model(node, [x], out_type=et).SerializeToString()
    lam = 0 if lambd != lambd else int(min(max(lambd, -2.0**62), 2.0**62))
    with tvmc.Graph():
        if dtype == "int32" and lam > 2**31:
            with pytest.raises(tvmc.TVMError, match="does not fit int32"):
                _import(model)
            return
        ins, outs = _import(model)
        f = tvmc.build(ins + outs)
    xs = np.array([-9, -3, -2, 0, 1, 3, 9], dtype=dtype)
    b = int(bias)
    want = np.where(xs < -lam, xs + b, np.where(xs > lam, xs - b, 0)).astype(dtype)
    np.testing.assert_array_equal(f.run(xs), want)


@pytest.mark.parametrize("depth,ok", [
    (3.7, True), (1.0, True),
    (0.5, False), (0.0, False), (-2.0, False), (float("nan"), False),
    (float("inf"), False), (float("-inf"), False), (1e300, False),
    (2.0**32, False),
])
def test_one_hot_depth_is_truncated_and_range_checked(depth, ok):
    """OneHot's depth (a float input here) is truncated to an integer; a
    depth below 1, above 2^31, infinite or NaN is refused."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    idx = helper.make_tensor_value_info("i", TensorProto.INT64, [4])
    inits = [helper.make_tensor("depth", TensorProto.FLOAT, [], [depth]),
             helper.make_tensor("values", TensorProto.FLOAT, [2], [0.5, 4.0])]
    node = helper.make_node("OneHot", ["i", "depth", "values"], ["y"], axis=-1)
    model = _one_node_model(node, [idx], inits).SerializeToString()
    with tvmc.Graph():
        if not ok:
            with pytest.raises(tvmc.TVMError, match="depth"):
                _import(model)
            return
        ins, outs = _import(model)
        f = tvmc.build(ins + outs)
    n = int(depth)
    i = np.array([0, n - 1, -1, n], dtype="int64")  # -1 counts back; n is out of range
    want = np.full((4, n), 0.5, dtype="float32")
    for r, v in enumerate(i):
        if -n <= v < n:
            want[r, v % n] = 4.0
    np.testing.assert_array_equal(f.run(i), want)


@pytest.mark.parametrize("bshape,ok", [
    ((4,), True), ((1, 4), False), ((4, 1, 1, 1, 1), False), ((3,), False),
])
def test_conv3d_bias_must_be_one_value_per_channel(bshape, ok):
    """A 3-D Conv's bias is read with the output channel alone: a bias of
    another rank or length is refused (a rank-5 one read past the index list,
    fuzz_onnx finding O-003)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    rng = np.random.default_rng(3)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 4, 4])
    w = rng.uniform(-1, 1, (4, 2, 2, 2, 2)).astype(np.float32)
    b = rng.uniform(-1, 1, bshape).astype(np.float32)
    inits = [helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.ravel()),
             helper.make_tensor("b", TensorProto.FLOAT, b.shape, b.ravel())]
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"])
    model = _one_node_model(node, [x], inits).SerializeToString()
    with tvmc.Graph():
        if not ok:
            with pytest.raises(tvmc.ShapeError, match="bias B must be 1-D with 4 elements"):
                _import(model)
            return
        ins, outs = _import(model)
        f = tvmc.build(ins + outs)
    xs = rng.uniform(-1, 1, (1, 2, 3, 4, 4)).astype(np.float32)
    want = np.zeros((1, 4, 2, 3, 3))
    for o in range(4):
        for d in range(2):
            for h in range(3):
                for v in range(3):
                    want[0, o, d, h, v] = (xs[0, :, d:d + 2, h:h + 2, v:v + 2] * w[o]).sum() + b[o]
    np.testing.assert_allclose(f.run(xs), want, rtol=1e-5, atol=1e-5)
