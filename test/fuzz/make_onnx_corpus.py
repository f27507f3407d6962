#!/usr/bin/python3
"""Writes the seed corpus of fuzz_onnx (test/fuzz/corpus_onnx/seed-*.onnx):
small valid models made with onnx.helper (Debian's python3-onnx), each
covering a different part of the importer, plus a few deliberately broken
ones. Run with /usr/bin/python3 test/fuzz/make_onnx_corpus.py."""
import os

from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_onnx")
F, I64 = TensorProto.FLOAT, TensorProto.INT64


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def seeds():
    yield "relu-add", model(
        [helper.make_node("Add", ["x", "w"], ["t"]), helper.make_node("Relu", ["t"], ["y"])],
        [vi("x", F, ["n", 3])], [vi("y", F, ["n", 3])],
        [helper.make_tensor("w", F, [3], [1, 2, 3])])
    yield "conv-pool", model(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
         helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
        [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 2, 2, 2])],
        [helper.make_tensor("w", F, [2, 1, 3, 3], [0.5] * 18)])
    yield "shape-reshape", model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("Gather", ["s", "i"], ["d"], axis=0),
         helper.make_node("Concat", ["d", "m"], ["shape"], axis=0),
         helper.make_node("Reshape", ["x", "shape"], ["y"])],
        [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 12])],
        [helper.make_tensor("i", I64, [1], [0]), helper.make_tensor("m", I64, [1], [-1])])
    yield "gemm-softmax", model(
        [helper.make_node("Gemm", ["a", "b", "c"], ["t"], alpha=0.5, transB=1),
         helper.make_node("Softmax", ["t"], ["y"], axis=1)],
        [vi("a", F, [2, 3])], [vi("y", F, [2, 4])],
        [helper.make_tensor("b", F, [4, 3], [0.1] * 12), helper.make_tensor("c", F, [4], [1] * 4)],
        opset=11)
    yield "slice-pad-clip", model(
        [helper.make_node("Slice", ["x", "st", "en"], ["s"]),
         helper.make_node("Pad", ["s"], ["q"], mode="reflect", pads=[1, 1, 1, 1]),
         helper.make_node("Clip", ["q"], ["y"], min=-1.0, max=1.0)],
        [vi("x", F, [4, 4])], [vi("y", F, [4, 4])],
        [helper.make_tensor("st", I64, [2], [1, 1]), helper.make_tensor("en", I64, [2], [3, 3])],
        opset=10)
    yield "reduce-argmax-cast", model(
        [helper.make_node("ReduceMean", ["x"], ["r"], axes=[1], keepdims=0),
         helper.make_node("ArgMax", ["x"], ["a"], axis=1),
         helper.make_node("Cast", ["a"], ["y"], to=F)],
        [vi("x", F, ["batch", 5])], [vi("r", F, ["batch"]), vi("y", F, ["batch", 1])])
    yield "nll-layernorm", model(
        [helper.make_node("LayerNormalization", ["x", "s"], ["n", "m", "r"], axis=-1),
         helper.make_node("NegativeLogLikelihoodLoss", ["n", "t"], ["y"], ignore_index=1)],
        [vi("x", F, [2, 3]), vi("t", I64, [2])], [vi("y", F, []), vi("m", F, [2, 1])],
        [helper.make_tensor("s", F, [3], [1, 1, 1])], opset=17)
    yield "conv3d-onehot-range", model(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1] * 6),
         helper.make_node("Range", ["a", "b", "d"], ["r"]),
         helper.make_node("OneHot", ["r", "depth", "v"], ["y"], axis=0)],
        [vi("x", F, [1, 1, 2, 2, 2])], [vi("c", F, [1, 1, 2, 2, 2]), vi("y", F, [3, 3])],
        [helper.make_tensor("w", F, [1, 1, 3, 3, 3], [0.25] * 27),
         helper.make_tensor("a", I64, [], [0]), helper.make_tensor("b", I64, [], [3]),
         helper.make_tensor("d", I64, [], [1]), helper.make_tensor("depth", I64, [], [3]),
         helper.make_tensor("v", F, [2], [0, 1])])
    yield "unsupported-op", model(
        [helper.make_node("NonMaxSuppression", ["x", "x"], ["y"])],
        [vi("x", F, [1, 1, 4])], [vi("y", I64, [1, 3])])
    yield "dangling", model(
        [helper.make_node("Relu", ["nowhere"], ["y"])], [vi("x", F, [1])], [vi("y", F, [1])])
    ext = helper.make_tensor("w", F, [2], [1, 2])
    ext.ClearField("float_data")
    ext.data_location = TensorProto.EXTERNAL
    entry = ext.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    yield "external-data", model(
        [helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])], [ext])


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, m in seeds():
        with open(os.path.join(OUT, "seed-%s.onnx" % name), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
