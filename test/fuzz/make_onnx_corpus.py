#!/usr/bin/python3
"""Writes the seed corpus of fuzz_onnx (test/fuzz/corpus_onnx/seed-*.onnx):
small valid models made with onnx.helper (Debian's python3-onnx), each
covering a different part of the importer, plus a few deliberately broken
ones. Run with /usr/bin/python3 test/fuzz/make_onnx_corpus.py."""
import os

from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_onnx")
F, I64 = TensorProto.FLOAT, TensorProto.INT64
I32, U8, I8 = TensorProto.INT32, TensorProto.UINT8, TensorProto.INT8


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
    # The index, quantisation and recurrent operators, a model or two each
    # (few nodes, a handful of elements: the mutator finds the attributes).
    yield "gatherelements-scatterelements", model(
        [helper.make_node("GatherElements", ["x", "i"], ["g"], axis=1),
         helper.make_node("ScatterElements", ["x", "i", "g"], ["y"], axis=1, reduction="add")],
        [vi("x", F, [2, 3])], [vi("y", F, [2, 3])],
        [helper.make_tensor("i", I64, [2, 2], [0, 2, 1, -1])], opset=16)
    yield "gathernd-scatternd", model(
        [helper.make_node("GatherND", ["x", "i"], ["g"], batch_dims=0),
         helper.make_node("ScatterND", ["x", "i", "g"], ["y"])],
        [vi("x", F, [2, 2, 3])], [vi("y", F, [2, 2, 3])],
        [helper.make_tensor("i", I64, [2, 2], [0, 1, 1, 0])])
    yield "topk-einsum", model(
        [helper.make_node("TopK", ["x", "k"], ["v", "ix"], axis=-1, largest=1, sorted=1),
         helper.make_node("Einsum", ["v", "w"], ["y"], equation="ij,jk->ik")],
        [vi("x", F, [2, 4])], [vi("y", F, [2, 2]), vi("ix", I64, [2, 2])],
        [helper.make_tensor("k", I64, [1], [2]), helper.make_tensor("w", F, [2, 2], [1, 2, 3, 4])])
    yield "quantize-dequantize", model(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1),
         helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1)],
        [vi("x", F, [2, 2])], [vi("y", F, [2, 2])],
        [helper.make_tensor("s", F, [2], [0.5, 0.25]), helper.make_tensor("z", U8, [2], [128, 3])])
    yield "dynamicquantize-bitshift", model(
        [helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "s", "z"]),
         helper.make_node("BitShift", ["q", "b"], ["y"], direction="RIGHT")],
        [vi("x", F, [4])], [vi("y", U8, [4]), vi("s", F, []), vi("z", U8, [])],
        [helper.make_tensor("b", U8, [1], [1])])
    yield "rnn", model(
        [helper.make_node("RNN", ["x", "w", "r", "b"], ["y", "h"], hidden_size=2,
                          activations=["Tanh"], direction="forward")],
        [vi("x", F, [2, 1, 3])], [vi("y", F, [2, 1, 1, 2]), vi("h", F, [1, 1, 2])],
        [helper.make_tensor("w", F, [1, 2, 3], [0.1] * 6), helper.make_tensor("r", F, [1, 2, 2], [0.2] * 4),
         helper.make_tensor("b", F, [1, 4], [0.0] * 4)], opset=14)
    yield "gru", model(
        [helper.make_node("GRU", ["x", "w", "r"], ["y"], hidden_size=2, linear_before_reset=1,
                          direction="bidirectional")],
        [vi("x", F, [2, 1, 3])], [vi("y", F, [2, 2, 1, 2])],
        [helper.make_tensor("w", F, [2, 6, 3], [0.1] * 36), helper.make_tensor("r", F, [2, 6, 2], [0.2] * 24)],
        opset=14)
    yield "lstm", model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y", "h", "c"], hidden_size=2, layout=1)],
        [vi("x", F, [1, 2, 3])], [vi("y", F, [1, 2, 1, 2])],
        [helper.make_tensor("w", F, [1, 8, 3], [0.1] * 24), helper.make_tensor("r", F, [1, 8, 2], [0.2] * 16)],
        opset=14)
    yield "matmulinteger-convinteger", model(
        [helper.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["m"]),
         helper.make_node("ConvInteger", ["x", "w", "xz"], ["c"], pads=[1, 1])],
        [vi("a", U8, [2, 3]), vi("x", U8, [1, 1, 3])], [vi("m", I32, [2, 2]), vi("c", I32, [1, 1, 3])],
        [helper.make_tensor("b", I8, [3, 2], [1, -2, 3, -4, 5, -6]), helper.make_tensor("az", U8, [], [1]),
         helper.make_tensor("bz", I8, [], [0]), helper.make_tensor("w", U8, [1, 1, 3], [1, 2, 3]),
         helper.make_tensor("xz", U8, [], [2])])
    yield "qlinearmatmul-qlinearconv", model(
        [helper.make_node("QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["m"]),
         helper.make_node("QLinearConv", ["x", "sa", "za", "w", "sb", "zb", "sy", "zy"], ["c"],
                          kernel_shape=[1, 1], strides=[1, 1])],
        [vi("a", U8, [2, 2]), vi("x", U8, [1, 2, 2, 2])], [vi("m", U8, [2, 2]), vi("c", U8, [1, 1, 2, 2])],
        [helper.make_tensor("sa", F, [], [0.1]), helper.make_tensor("za", U8, [], [128]),
         helper.make_tensor("b", U8, [2, 2], [1, 2, 3, 4]), helper.make_tensor("w", U8, [1, 2, 1, 1], [5, 6]),
         helper.make_tensor("sb", F, [], [0.2]), helper.make_tensor("zb", U8, [], [0]),
         helper.make_tensor("sy", F, [], [0.3]), helper.make_tensor("zy", U8, [], [10])])
    yield "upsample", model(
        [helper.make_node("Upsample", ["x", "sc"], ["y"], mode="nearest")],
        [vi("x", F, [1, 1, 2, 2])], [vi("y", F, [1, 1, 4, 4])],
        [helper.make_tensor("sc", F, [4], [1, 1, 2, 2])], opset=9)
    yield "unsupported-op", model(
        [helper.make_node("NonMaxSuppression", ["x", "x"], ["y"])],
        [vi("x", F, [1, 1, 4])], [vi("y", I64, [1, 3])])
    yield "dangling", model(
        [helper.make_node("Relu", ["nowhere"], ["y"])], [vi("x", F, [1])], [vi("y", F, [1])])
    yield "gridsample", model(
        [helper.make_node("GridSample", ["x", "grid"], ["a"], mode="bicubic",
                          padding_mode="reflection", align_corners=1),
         helper.make_node("GridSample", ["x", "gc"], ["b"], mode="nearest", padding_mode="border")],
        [vi("x", F, [1, 2, 3, 4]), vi("grid", F, [1, 2, 2, 2])],
        [vi("a", F, [1, 2, 2, 2]), vi("b", F, [1, 2, 1, 2])],
        [helper.make_tensor("gc", F, [1, 1, 2, 2], [-1.5, 0.25, 3.0, -0.75])], opset=16)
    yield "lstm-seqlens-clip", model(
        [helper.make_node("LSTM", ["x", "w", "r", "", "lens"], ["y", "yh"], hidden_size=2,
                          clip=0.5, direction="bidirectional"),
         helper.make_node("GRU", ["x", "wg", "rg", "", "lc"], ["yg"], hidden_size=2,
                          direction="reverse")],
        [vi("x", F, [3, 2, 1]), vi("lens", I32, [2])],
        [vi("y", F, [3, 2, 2, 2]), vi("yh", F, [2, 2, 2]), vi("yg", F, [3, 1, 2, 2])],
        [helper.make_tensor("w", F, [2, 8, 1], [0.1] * 16),
         helper.make_tensor("r", F, [2, 8, 2], [0.2] * 32),
         helper.make_tensor("wg", F, [1, 6, 1], [0.3] * 6),
         helper.make_tensor("rg", F, [1, 6, 2], [-0.1] * 12),
         helper.make_tensor("lc", I32, [2], [2, 3])], opset=14)
    B = TensorProto.BOOL
    neg = helper.make_graph([helper.make_node("Neg", ["x"], ["n"])], "neg", [], [vi("n", F, [2])])
    absb = helper.make_graph([helper.make_node("Abs", ["x"], ["a"])], "abs", [], [vi("a", F, [2])])
    loop_body = helper.make_graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"]),
         helper.make_node("Add", ["y_in", "x"], ["y_out"]),
         helper.make_node("If", ["c_in"], ["w"], then_branch=neg, else_branch=absb)],
        "body", [vi("i", I64, []), vi("c_in", B, []), vi("y_in", F, [2])],
        [vi("c_out", B, []), vi("y_out", F, [2]), vi("w", F, [2])])
    scan_body = helper.make_graph(
        [helper.make_node("Add", ["s", "xt"], ["s_out"])], "scan",
        [vi("s", F, [2]), vi("xt", F, [2])], [vi("s_out", F, [2]), vi("s_out", F, [2])])
    yield "if-loop-scan", model(
        [helper.make_node("If", ["c"], ["a"], then_branch=neg, else_branch=absb),
         helper.make_node("Loop", ["m", "", "x"], ["l", "ls"], body=loop_body),
         helper.make_node("Scan", ["x", "xs"], ["s", "ss"], body=scan_body, num_scan_inputs=1,
                          scan_output_directions=[1])],
        [vi("c", B, []), vi("x", F, [2]), vi("xs", F, [3, 2])],
        [vi("a", F, [2]), vi("l", F, [2]), vi("ls", F, [3, 2]), vi("s", F, [2]),
         vi("ss", F, [3, 2])],
        [helper.make_tensor("m", I64, [], [3])])
    yield "scan8", model(
        [helper.make_node("Scan", ["", "s0", "xs"], ["s", "ss"], body=scan_body,
                          num_scan_inputs=1, directions=[1])],
        [vi("s0", F, [2, 2]), vi("xs", F, [2, 3, 2])], [vi("s", F, [2, 2]), vi("ss", F, [2, 3, 2])],
        opset=8)
    # More of the session-6 operators, one variant each that the seeds
    # above do not reach: GridSample bilinear / zeros with a run-time grid;
    # RNN with clip, import-time sequence_lens and initial_h; GRU with
    # run-time sequence_lens; If on a run-time condition (both branches
    # imported and selected) with a nested If on a Constant; a Loop whose
    # body condition stops it early; Scan-16 over axis 1 with two states, a
    # reversed input and an output stacked on axis 1; Scan-8 with full
    # sequence_lens.
    yield "gridsample-bilinear-zeros", model(
        [helper.make_node("GridSample", ["x", "grid"], ["y"], mode="bilinear",
                          padding_mode="zeros", align_corners=0)],
        [vi("x", F, [1, 1, 2, 3]), vi("grid", F, [1, 2, 2, 2])], [vi("y", F, [1, 1, 2, 2])],
        opset=16)
    yield "rnn-clip-seqlens", model(
        [helper.make_node("RNN", ["x", "w", "r", "b", "lens", "h0"], ["y", "h"], hidden_size=2,
                          activations=["Relu", "Tanh"], clip=0.75, direction="bidirectional"),
         helper.make_node("GRU", ["x", "wg", "rg", "", "lx"], ["yg", "hg"], hidden_size=1)],
        [vi("x", F, [3, 2, 1]), vi("lx", I32, [2])],
        [vi("y", F, [3, 2, 2, 2]), vi("h", F, [2, 2, 2]), vi("yg", F, [3, 1, 2, 1]),
         vi("hg", F, [1, 2, 1])],
        [helper.make_tensor("w", F, [2, 2, 1], [0.5, -0.5, 1, 2]),
         helper.make_tensor("r", F, [2, 2, 2], [0.1] * 8),
         helper.make_tensor("b", F, [2, 4], [0.0] * 8),
         helper.make_tensor("lens", I32, [2], [3, 1]),
         helper.make_tensor("h0", F, [2, 2, 2], [0.25] * 8),
         helper.make_tensor("wg", F, [1, 3, 1], [0.3, 0.2, 0.1]),
         helper.make_tensor("rg", F, [1, 3, 1], [0.4, 0.5, 0.6])], opset=14)
    one = helper.make_tensor("one", B, [], [1])
    inner = helper.make_graph(
        [helper.make_node("Constant", [], ["k"], value=one),
         helper.make_node("If", ["k"], ["m"], then_branch=neg, else_branch=absb)],
        "inner", [], [vi("m", F, [2])])
    yield "if-runtime-nested", model(
        [helper.make_node("ReduceMin", ["x"], ["r"], keepdims=0),
         helper.make_node("Greater", ["r", "z"], ["c"]),
         helper.make_node("If", ["c"], ["a"], then_branch=neg, else_branch=inner)],
        [vi("x", F, [2])], [vi("a", F, [2])], [helper.make_tensor("z", F, [], [0])])
    stop_body = helper.make_graph(
        [helper.make_node("Less", ["i", "lim"], ["c_out"]),
         helper.make_node("Mul", ["y_in", "x"], ["y_out"]),
         helper.make_node("Cast", ["i"], ["fi"], to=F)],
        "stop", [vi("i", I64, []), vi("c_in", B, []), vi("y_in", F, [2])],
        [vi("c_out", B, []), vi("y_out", F, [2]), vi("fi", F, [])])
    yield "loop-early-stop", model(
        [helper.make_node("Loop", ["m", "t", "x"], ["l", "ls"], body=stop_body)],
        [vi("x", F, [2])], [vi("l", F, [2]), vi("ls", F, [3])],
        [helper.make_tensor("m", I64, [], [10]), helper.make_tensor("t", B, [], [1]),
         helper.make_tensor("lim", I64, [], [2])], opset=16)
    two_state = helper.make_graph(
        [helper.make_node("Add", ["s1", "xt"], ["s1o"]),
         helper.make_node("Mul", ["s2", "xt"], ["s2o"]),
         helper.make_node("Sub", ["s1o", "s2o"], ["d"])],
        "two", [vi("s1", F, [2]), vi("s2", F, [2]), vi("xt", F, [2])],
        [vi("s1o", F, [2]), vi("s2o", F, [2]), vi("d", F, [2])])
    yield "scan-axes-reverse", model(
        [helper.make_node("Scan", ["a", "b", "xs"], ["fa", "fb", "ds"], body=two_state,
                          num_scan_inputs=1, scan_input_axes=[1], scan_input_directions=[1],
                          scan_output_axes=[1], scan_output_directions=[0])],
        [vi("a", F, [2]), vi("xs", F, [2, 3])],
        [vi("fa", F, [2]), vi("fb", F, [2]), vi("ds", F, [2, 3])],
        [helper.make_tensor("b", F, [2], [1, 1])], opset=16)
    yield "scan8-seqlens", model(
        [helper.make_node("Scan", ["sl", "s0", "xs"], ["s", "ss"], body=scan_body,
                          num_scan_inputs=1)],
        [vi("s0", F, [2, 2]), vi("xs", F, [2, 3, 2])], [vi("s", F, [2, 2]), vi("ss", F, [2, 3, 2])],
        [helper.make_tensor("sl", TensorProto.INT32, [2], [3, 3])], opset=8)
    ext = helper.make_tensor("w", F, [2], [1, 2])
    ext.ClearField("float_data")
    ext.data_location = TensorProto.EXTERNAL
    entry = ext.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    yield "external-data", model(
        [helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", F, [2])], [vi("y", F, [2])], [ext])


def regressions():
    """Findings rebuilt by hand (LEDGER.md); the replay runs them."""
    # a scale whose product with the dim is beyond int64 (UB conversion)
    yield "upsample-huge-scale", model(
        [helper.make_node("Upsample", ["x", "sc"], ["y"])],
        [vi("x", F, [1, 2])], [vi("y", F, [1, 2])],
        [helper.make_tensor("sc", F, [2], [1, 9.2e24])], opset=9)
    # scales of shape [2, 0]: shape[0] matches the rank, but no values
    yield "resize-empty-scales", model(
        [helper.make_node("Resize", ["x", "sc"], ["y"])],
        [vi("x", F, [1, 2])], [vi("y", F, [1, 2])],
        [helper.make_tensor("sc", F, [2, 0], [])], opset=10)
    # float attributes / constants converted to int64 without a range check
    yield "onehot-huge-float-depth", model(
        [helper.make_node("OneHot", ["i", "depth", "v"], ["y"])],
        [vi("i", I64, [2])], [vi("y", F, [2, 3])],
        [helper.make_tensor("depth", F, [], [1e30]), helper.make_tensor("v", F, [2], [0, 1])], opset=11)
    yield "shrink-int-huge-lambd", model(
        [helper.make_node("Shrink", ["x"], ["y"], lambd=1e30, bias=-1e30)],
        [vi("x", I32, [2])], [vi("y", I32, [2])])
    # O-004..O-006 (unrolling): test_onnx_unroll_limits.c checks each.
    B = TensorProto.BOOL
    # a 512 KiB constant carried through 65536 iterations of an empty body:
    # each iteration copied it (32 GiB)
    empty = helper.make_graph([], "empty", [vi("i", I64, []), vi("c", B, []), vi("y", I64, None)],
                              [vi("c", B, []), vi("y", I64, None)])
    yield "loop-copies-big-constant", model(
        [helper.make_node("ConstantOfShape", ["shp"], ["big"],
                          value=helper.make_tensor("v", I64, [1], [7])),
         helper.make_node("Loop", ["m", "", "big"], ["l"], body=empty)],
        [], [vi("l", I64, None)],
        [helper.make_tensor("shp", I64, [1], [65536]), helper.make_tensor("m", I64, [], [65536])],
        opset=16)
    # 65536 unrolled Adds reading an outer value: the graph the caller's
    # max_nodes allows, times 16
    add_w = helper.make_graph([helper.make_node("Add", ["y", "w"], ["yo"])], "add",
                              [vi("i", I64, []), vi("c", B, []), vi("y", F, [1])],
                              [vi("c", B, []), vi("yo", F, [1])])
    yield "loop-unrolled-beyond-max-nodes", model(
        [helper.make_node("Loop", ["m", "", "x"], ["l"], body=add_w)],
        [vi("x", F, [1])], [vi("l", F, [1])],
        [helper.make_tensor("w", F, [1], [1]), helper.make_tensor("m", I64, [], [65536])],
        opset=16)
    # the same on constants: 1000 folded Adds, each of which compiled the
    # whole chain before it (minutes); within fuzz_onnx's max_nodes, so it
    # imports, and l is 1000
    yield "loop-folded-constant-chain", model(
        [helper.make_node("Loop", ["m", "", "x0"], ["l"], body=add_w)],
        [], [vi("l", F, [1])],
        [helper.make_tensor("x0", F, [1], [0]), helper.make_tensor("w", F, [1], [1]),
         helper.make_tensor("m", I64, [], [1000])], opset=16)
    # O-007: Scan-8 over a batch of 2^62 and 4 steps: the unroll bound
    # multiplied the two in int64 (UBSan signed-integer-overflow)
    sb = helper.make_graph([helper.make_node("Add", ["s", "xt"], ["s_out"])], "b",
                           [vi("s", F, [2]), vi("xt", F, [2])], [vi("s_out", F, [2])])
    yield "scan8-huge-batch-times-length", model(
        [helper.make_node("Scan", ["", "s0", "xs"], ["s"], body=sb, num_scan_inputs=1)],
        [vi("s0", F, [2 ** 62, 2]), vi("xs", F, [2 ** 62, 4, 2])], [vi("s", F, None)], opset=8)
    # an LSTM over 4096 steps: a 2-byte mutation of a seed, minutes to build
    yield "lstm-long-sequence", model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2)],
        [vi("x", F, [4096, 1, 1])], [vi("y", F, None)],
        [helper.make_tensor("w", F, [1, 8, 1], [0.1] * 8),
         helper.make_tensor("r", F, [1, 8, 2], [0.1] * 16)], opset=14)


def main():
    os.makedirs(OUT, exist_ok=True)
    for prefix, gen in (("seed", seeds), ("regress", regressions)):
        for name, m in gen():
            with open(os.path.join(OUT, "%s-%s.onnx" % (prefix, name)), "wb") as f:
                f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
