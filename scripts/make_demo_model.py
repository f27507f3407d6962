#!/usr/bin/python3
"""Writes examples/models/tiny_cnn.onnx, the small model `tvmc run` is shown on.

A digit-sized classifier: image [1, 1, 8, 8] -> Conv 3x3 (4 channels, pad 1)
-> Relu -> MaxPool 2x2 -> Flatten -> Gemm (64 -> 10) -> Softmax -> probs
[1, 10]. The weights come from a fixed seed, so running this again writes the
same bytes; the model is a few KB and committed.

usage: /usr/bin/python3 scripts/make_demo_model.py [OUT.onnx]
"""
import os
import sys

import numpy as np
from onnx import TensorProto, checker, helper, numpy_helper


def tiny_cnn():
    rng = np.random.RandomState(20240607)
    conv_w = (rng.standard_normal((4, 1, 3, 3)) * 0.5).astype(np.float32)
    conv_b = (rng.standard_normal(4) * 0.1).astype(np.float32)
    fc_w = (rng.standard_normal((10, 64)) * 0.2).astype(np.float32)
    fc_b = (rng.standard_normal(10) * 0.1).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(conv_w, "conv_w"), (conv_b, "conv_b"), (fc_w, "fc_w"), (fc_b, "fc_b")]]
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"],
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        inits)
    model = helper.make_model(graph, producer_name="tvmc make_demo_model.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    checker.check_model(model)
    return model


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "models",
                                                              "tiny_cnn.onnx")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "wb") as f:
        f.write(tiny_cnn().SerializeToString())
    print(out)


if __name__ == "__main__":
    main()
