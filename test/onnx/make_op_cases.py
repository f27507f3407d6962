#!/usr/bin/python3
"""Writes test/onnx/op_cases/node/*: ONNX models for operators and options
the ONNX backend test data covers thinly or not at all (GridSample in every
mode x padding x align_corners with sampling points far outside the image;
RNN / GRU / LSTM with per-batch sequence_lens and clip), each with one
test_data_set_0 whose outputs come from the numpy references below, written
from the operator definitions in the ONNX specification. onnx_conformance
runs them like the backend test data.

Run from the repository root: /usr/bin/python3 test/onnx/make_op_cases.py
"""
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_cases", "node")

# ---- GridSample (opset 16) --------------------------------------------------

CUBIC_A = -0.75


def unnormalize(v, size, align):
    return (v + 1) / 2 * (size - 1) if align else ((v + 1) * size - 1) / 2


def reflect(v, twice_lo, twice_hi):
    if twice_lo == twice_hi:
        return 0.0
    lo, span = twice_lo / 2, (twice_hi - twice_lo) / 2
    v = abs(v - lo)
    extra, flips = np.fmod(v, span), np.floor(v / span)
    return extra + lo if flips % 2 == 0 else span - extra + lo


def pad_coord(v, size, padding, align):
    if padding == "border":
        return min(size - 1, max(v, 0))
    if padding == "reflection":
        v = reflect(v, 0, 2 * (size - 1)) if align else reflect(v, -1, 2 * size - 1)
        return min(size - 1, max(v, 0))
    return v


def cubic_weights(t):
    a = CUBIC_A
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(x, grid, mode, padding, align):
    n_, c_, h_, w_ = x.shape
    ho, wo = grid.shape[1:3]
    y = np.zeros((n_, c_, ho, wo))

    def at(n, c, yy, xx):
        yy, xx = int(np.floor(yy)), int(np.floor(xx))
        return float(x[n, c, yy, xx]) if 0 <= yy < h_ and 0 <= xx < w_ else 0.0

    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                gx, gy = float(grid[n, i, j, 0]), float(grid[n, i, j, 1])
                ix, iy = unnormalize(gx, w_, align), unnormalize(gy, h_, align)
                for c in range(c_):
                    if mode == "bicubic":
                        x0, y0 = np.floor(ix), np.floor(iy)
                        wx, wy = cubic_weights(ix - x0), cubic_weights(iy - y0)
                        y[n, c, i, j] = sum(
                            wy[a] * wx[b] * at(n, c, pad_coord(y0 - 1 + a, h_, padding, align),
                                               pad_coord(x0 - 1 + b, w_, padding, align))
                            for a in range(4) for b in range(4))
                        continue
                    px, py = pad_coord(ix, w_, padding, align), pad_coord(iy, h_, padding, align)
                    if mode == "nearest":
                        y[n, c, i, j] = at(n, c, np.rint(py), np.rint(px))
                        continue
                    x0, y0 = np.floor(px), np.floor(py)
                    tx, ty = px - x0, py - y0
                    y[n, c, i, j] = ((1 - tx) * (1 - ty) * at(n, c, y0, x0)
                                     + tx * (1 - ty) * at(n, c, y0, x0 + 1)
                                     + (1 - tx) * ty * at(n, c, y0 + 1, x0)
                                     + tx * ty * at(n, c, y0 + 1, x0 + 1))
    return y.astype(x.dtype)


def save_case(name, node, feeds, outs, opset, dtypes=None):
    ttype = lambda v: helper.np_dtype_to_tensor_dtype(v.dtype) \
        if hasattr(helper, "np_dtype_to_tensor_dtype") else \
        onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype]
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(k, ttype(v), v.shape) for k, v in feeds],
        [helper.make_tensor_value_info(k, ttype(v), v.shape) for k, v in outs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    onnx.save(model, os.path.join(d, "model.onnx"))
    for k, (n, v) in enumerate(feeds):
        with open(os.path.join(d, "test_data_set_0", "input_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.ascontiguousarray(v), n).SerializeToString())
    for k, (n, v) in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", "output_%d.pb" % k), "wb") as fh:
            fh.write(numpy_helper.from_array(np.ascontiguousarray(v), n).SerializeToString())


def gridsample_case(mode, padding, align, shape=(2, 2, 3, 4), out_hw=(3, 5), dtype=np.float32,
                    seed=0, spread=2.5, suffix=""):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape).astype(dtype)
    grid = rng.uniform(-spread, spread, (shape[0],) + out_hw + (2,)).astype(dtype)
    y = grid_sample(x, grid, mode, padding, align)
    node = helper.make_node("GridSample", ["X", "grid"], ["Y"], mode=mode,
                            padding_mode=padding, align_corners=align)
    name = "test_gridsample_%s_%s_align%d%s" % (mode, padding, align, suffix)
    save_case(name, node, [("X", x), ("grid", grid)], [("Y", y)], 16)


def gridsample_cases():
    seed = 10
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (0, 1):
                gridsample_case(mode, padding, align, seed=seed)
                seed += 1
    # a 1-pixel-wide image: reflection's span is 0 under align_corners
    gridsample_case("bilinear", "reflection", 1, shape=(1, 2, 3, 1), seed=40, suffix="_width1")
    gridsample_case("bicubic", "reflection", 0, shape=(1, 1, 2, 1), seed=41, suffix="_width1")
    gridsample_case("bicubic", "border", 1, dtype=np.float64, seed=42, suffix="_float64")


def main():
    gridsample_cases()


if __name__ == "__main__":
    main()
