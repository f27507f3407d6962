#!/usr/bin/python3
"""Where a model's time goes, in tvmc and in ONNX Runtime alike.

    breakdown.py --tvmc-run EXE --work DIR [--threads N] [--runs R] MODEL

Neither side has a per-kernel profiler that the other can match, so this
cuts the model into segments (onnx.utils.extract_model, from one tensor to
another) and runs each segment as a model of its own in both, on random
inputs of the right shape. Fusion across a cut is lost, so the segment
times are estimates of the stages' costs, not exact kernel times; the
whole model is measured too. Needs what models.py needs (run
`models.py test` once).
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnx.utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

# (label, first tensor, last tensor) for the exports of export.py; each
# segment has one input so the runners can feed it.
RELU = "/layer{0}/layer{0}.1/relu_1/Relu_output_0"  # the end of a ResNet stage
MB_ADD = "/features/features.{0}/Add_output_0"       # a MobileNetV2 residual sum
SEGMENTS = {
    "resnet18": [
        ("stem: conv 7x7/2 (3 -> 64) + ReLU + max pool", "input", "/maxpool/MaxPool_output_0"),
        ("layer1: 4 conv 3x3, 64 ch, 56x56", "/maxpool/MaxPool_output_0", RELU.format(1)),
        ("layer2: 4 conv 3x3 + 1x1 downsample, 128 ch, 28x28", RELU.format(1), RELU.format(2)),
        ("layer3: the same, 256 ch, 14x14", RELU.format(2), RELU.format(3)),
        ("layer4: the same, 512 ch, 7x7", RELU.format(3), RELU.format(4)),
        ("head: global average pool + FC 512 -> 1000", RELU.format(4), "output"),
    ],
    "mobilenet_v2": [
        ("stem + blocks 1-3 (112x112 -> 56x56)", "input", MB_ADD.format(3)),
        ("blocks 4-6 (-> 28x28, 32 ch)", MB_ADD.format(3), MB_ADD.format(6)),
        ("blocks 7-10 (-> 14x14, 64 ch)", MB_ADD.format(6), MB_ADD.format(10)),
        ("blocks 11-13 (96 ch)", MB_ADD.format(10), MB_ADD.format(13)),
        ("blocks 14-16 (-> 7x7, 160 ch)", MB_ADD.format(13), MB_ADD.format(16)),
        ("block 17, conv 1x1 -> 1280, pool, FC", MB_ADD.format(16), "output"),
    ],
    "bert_layer": [
        ("Q, K, V projections + QK^T / 8, softmax, PV (12 heads)", "input",
         "/MatMul_1_output_0"),
        ("  of which softmax (12 x 128 x 128)", "/Div_output_0", "/Softmax_output_0"),
        ("heads merged + output projection (768 x 768)", "/MatMul_1_output_0",
         "/o/Add_output_0"),
        ("LayerNorm 1 (128 x 768)", "/Add_output_0", "/ln1/Add_1_output_0"),
        ("FFN 1 (768 -> 3072) + GELU", "/ln1/Add_1_output_0", "/Mul_1_output_0"),
        ("FFN 2 (3072 -> 768)", "/Mul_1_output_0", "/ff2/Add_output_0"),
        ("LayerNorm 2 (128 x 768)", "/Add_2_output_0", "output"),
    ],
}


def shapes(model_path):
    m = onnx.shape_inference.infer_shapes(onnx.load(model_path))
    out = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        out[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tvmc-run", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("model", choices=sorted(SEGMENTS))
    args = p.parse_args()
    models.ensure_ort()
    models.ensure_models(args.work, [args.model])
    src = os.path.join(args.work, args.model + ".onnx")
    inp = os.path.join(args.work, args.model + ".input.npy")
    dims = shapes(src)
    rng = np.random.default_rng(1)

    def both(model, data):
        common = [model, data, "--threads", str(args.threads), "--runs", str(args.runs),
                  "--warmup", str(args.warmup), "--max-seconds", "3"]
        t = models.run_json([args.tvmc_run] + common)["median_ms"]
        o = models.run_json(["node", os.path.join(models.HERE, "ort_run.js")] + common)
        return t, o["median_ms"]

    print(f"{args.model}, {args.threads} thread(s), medians of {args.runs} runs")
    print("| segment | tvmc (ms) | ORT (ms) | tvmc / ORT |")
    print("|---|---|---|---|")
    for k, (label, first, last) in enumerate(SEGMENTS[args.model]):
        cut = os.path.join(args.work, f"{args.model}.seg{k}.onnx")
        data = os.path.join(args.work, f"{args.model}.seg{k}.input.npy")
        if not os.path.exists(cut):
            onnx.utils.extract_model(src, cut, [first], [last])
            np.save(data, rng.standard_normal(dims[first]).astype(np.float32))
        t, o = both(cut, data)
        print(f"| {label} | {t:.2f} | {o:.2f} | {t / o:.2f}× |", flush=True)
    t, o = both(src, inp)
    print(f"| **whole model** | {t:.2f} | {o:.2f} | {t / o:.2f}× |")


if __name__ == "__main__":
    main()
