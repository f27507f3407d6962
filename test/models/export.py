#!/usr/bin/python3
"""Exports the three whole-model workloads to ONNX, with one input each.

    /usr/bin/python3 test/models/export.py OUTDIR [MODEL ...]

MODEL: resnet18, mobilenet_v2, bert_layer, bert_layer_opset17 (default: all).

Writes OUTDIR/NAME.onnx and OUTDIR/NAME.input.npy (float32). Weights are
random but deterministic (a fixed seed per model), so two exports on any
machine give the same files' values. A model whose .onnx and .input.npy both
exist is left alone: exporting ResNet-18 takes seconds and the files are tens
of MB, so they are made at test time, once, and never committed.

torch 1.13's exporter is used at opset 13: every op these models produce
(Conv, BatchNorm folded into Conv in eval mode, Clip, Gemm, MatMul, Softmax,
Erf, ReduceMean, Pow, Sqrt, Div, Reshape, Transpose) is expressible there,
and it is what most exported transformers still look like (LayerNorm as
ReduceMean / Sub / Pow / Sqrt / Div). bert_layer_opset17 is the same layer
(same weights) at opset 17, where LayerNorm exports as LayerNormalization.
Opsets 14-16 export the same graphs as 13 for these models.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

OPSET = 13
SEQ = 128
HIDDEN = 768
HEADS = 12
FFN = 3072


class BertLayer(nn.Module):
    """One BERT-base encoder layer (post-norm, GELU with erf), written out
    so the export shows the graph ONNX Runtime and tvmc would both see from
    a typical transformer export: Q/K/V projections, scaled dot-product
    attention with a softmax, an output projection, residual + LayerNorm,
    the feed-forward block, residual + LayerNorm. nn.TransformerEncoderLayer
    is avoided on purpose: torch 1.13 routes it through a fused fast path
    in eval mode and exports it with a packed in_proj that hides the three
    projections behind Slice nodes, which is not what BERT exports look like."""

    def __init__(self):
        super().__init__()
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, HIDDEN)
        self.v = nn.Linear(HIDDEN, HIDDEN)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ff1 = nn.Linear(HIDDEN, FFN)
        self.ff2 = nn.Linear(FFN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x):
        b, s, _ = x.shape
        d = HIDDEN // HEADS

        def heads(t):
            return t.reshape(b, s, HEADS, d).permute(0, 2, 1, 3)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / (d ** 0.5)
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        ctx = ctx.permute(0, 2, 1, 3).reshape(b, s, HIDDEN)
        h = self.ln1(x + self.o(ctx))
        f = self.ff2(nn.functional.gelu(self.ff1(h)))
        return self.ln2(h + f)


def build(name):
    """The model in eval mode and an input of its shape, both from seeds
    fixed per model."""
    import torchvision
    torch.manual_seed(20261126)
    if name == "resnet18":
        model = torchvision.models.resnet18(weights=None)
        shape = (1, 3, 224, 224)
    elif name == "mobilenet_v2":
        model = torchvision.models.mobilenet_v2(weights=None)
        shape = (1, 3, 224, 224)
    elif name in ("bert_layer", "bert_layer_opset17"):
        model = BertLayer()
        shape = (1, SEQ, HIDDEN)
    else:
        raise SystemExit(f"export.py: unknown model {name!r}")
    model.eval()
    # Fresh, untrained BatchNorm layers have mean 0 / var 1, which makes the
    # folded convolutions trivial; random running statistics exercise the
    # folding arithmetic on both sides as a trained model would.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    return model, x


def export(name, outdir):
    onnx_path = os.path.join(outdir, name + ".onnx")
    npy_path = os.path.join(outdir, name + ".input.npy")
    if os.path.exists(onnx_path) and os.path.exists(npy_path):
        return
    model, x = build(name)
    tmp = onnx_path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, torch.from_numpy(x), tmp,
                          input_names=["input"], output_names=["output"],
                          opset_version=17 if name.endswith("opset17") else OPSET,
                          do_constant_folding=True)
    np.save(npy_path, x)
    # Renamed last, so an interrupted export never looks finished.
    os.replace(tmp, onnx_path)
    print(f"export.py: wrote {onnx_path}", flush=True)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    outdir = argv[1]
    names = argv[2:] or ["resnet18", "mobilenet_v2", "bert_layer", "bert_layer_opset17"]
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        export(name, outdir)


if __name__ == "__main__":
    main(sys.argv)
