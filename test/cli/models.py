"""ONNX models for the command-line tests, each with a numpy function that
computes it by hand (the independent reference the tool's outputs are
compared with). Weights come from fixed seeds."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

ONNX_TYPES = {
    np.float16: TensorProto.FLOAT16, np.float32: TensorProto.FLOAT,
    np.float64: TensorProto.DOUBLE, np.int8: TensorProto.INT8,
    np.int16: TensorProto.INT16, np.int32: TensorProto.INT32,
    np.int64: TensorProto.INT64, np.uint8: TensorProto.UINT8, np.bool_: TensorProto.BOOL,
}


def _model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "m", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m.SerializeToString()


def identity(dtype, shape):
    """y = x for one dtype: the tool reads x from .npy and writes y back."""
    t = ONNX_TYPES[dtype]
    return _model([helper.make_node("Identity", ["x"], ["y"])],
                  [helper.make_tensor_value_info("x", t, shape)],
                  [helper.make_tensor_value_info("y", t, shape)])


def mlp():
    """Two inputs, a dynamic batch N, two outputs:
    h = relu(x @ w1 + b1) * scale ; y = h @ w2 ; s = sum(h, axis=1)."""
    rng = np.random.RandomState(7)
    w1 = rng.standard_normal((6, 5)).astype(np.float32)
    b1 = rng.standard_normal(5).astype(np.float32)
    w2 = rng.standard_normal((5, 3)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["xw"]),
        helper.make_node("Add", ["xw", "b1"], ["xb"]),
        helper.make_node("Relu", ["xb"], ["r"]),
        helper.make_node("Mul", ["r", "scale"], ["h"]),
        helper.make_node("MatMul", ["h", "w2"], ["y"]),
        helper.make_node("ReduceSum", ["h", "axes"], ["s"], keepdims=0),
    ]
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"),
             numpy_helper.from_array(np.array([1], np.int64), "axes")]
    data = _model(nodes,
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6]),
                   helper.make_tensor_value_info("scale", TensorProto.FLOAT, [1, 5])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3]),
                   helper.make_tensor_value_info("s", TensorProto.FLOAT, ["N"])],
                  inits)

    def ref(x, scale):
        h = np.maximum(x.astype(np.float64) @ w1 + b1, 0) * scale
        return {"y": h @ w2, "s": h.sum(axis=1)}
    return data, ref


def int_ops():
    """Integer and bool outputs: q = a * b + 3 (int32), gt = a > b (bool)."""
    three = numpy_helper.from_array(np.array(3, np.int32), "three")
    nodes = [helper.make_node("Mul", ["a", "b"], ["ab"]),
             helper.make_node("Add", ["ab", "three"], ["q"]),
             helper.make_node("Greater", ["a", "b"], ["gt"])]
    data = _model(nodes,
                  [helper.make_tensor_value_info("a", TensorProto.INT32, [2, 3]),
                   helper.make_tensor_value_info("b", TensorProto.INT32, [2, 3])],
                  [helper.make_tensor_value_info("q", TensorProto.INT32, [2, 3]),
                   helper.make_tensor_value_info("gt", TensorProto.BOOL, [2, 3])],
                  [three])

    def ref(a, b):
        return {"q": a * b + 3, "gt": a > b}
    return data, ref


def tiny_cnn_reference(model_path):
    """numpy version of examples/models/tiny_cnn.onnx, weights read from the
    file: conv 3x3 pad 1, relu, maxpool 2x2, flatten, gemm, softmax."""
    import onnx
    m = onnx.load(model_path)
    w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}

    def ref(image):
        x = np.pad(image.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
        n, c, hh, ww = image.shape
        conv = np.zeros((n, 4, hh, ww))
        for o in range(4):
            for i in range(3):
                for j in range(3):
                    conv[:, o] += w["conv_w"][o, 0, i, j] * x[:, 0, i:i + hh, j:j + ww]
            conv[:, o] += w["conv_b"][o]
        r = np.maximum(conv, 0)
        pool = r.reshape(n, 4, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
        logits = pool.reshape(n, -1) @ w["fc_w"].T + w["fc_b"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return {"probs": e / e.sum(axis=1, keepdims=True)}
    return ref
