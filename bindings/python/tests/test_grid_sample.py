"""topi.grid_sample against a float64 numpy reference written here from the
ONNX GridSample / PyTorch grid_sample definitions (unnormalise, pad the
coordinate or each bicubic tap, interpolate, read 0 outside the image):
every mode, padding and align_corners on both targets, grid points well
outside [-1, 1], symbolic image size; bad arguments raise before the C
library sees them."""

import math

import numpy as np
import pytest

import tvmc
from tvmc import te, topi

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]
A = -0.75  # cubic convolution parameter of both definitions


# ---------------------------------------------------------------------------
# reference
# ---------------------------------------------------------------------------

def _unnormalise(v, size, align):
    return (v + 1) / 2 * (size - 1) if align else ((v + 1) * size - 1) / 2


def _reflect(v, lo, hi):
    """v mirrored back into [lo, hi] (every crossing of an edge flips)."""
    span = hi - lo
    if span == 0:
        return 0.0
    a = abs(v - lo)
    flips, extra = divmod(a, span)
    return lo + extra if flips % 2 == 0 else lo + span - extra


def _pad(v, size, padding, align):
    if padding == "zeros":
        return v
    if padding == "reflection":
        v = _reflect(v, 0.0, size - 1.0) if align else _reflect(v, -0.5, size - 0.5)
    return min(max(v, 0.0), size - 1.0)


def _read(img, y, x):
    h, w = img.shape
    if 0 <= y < h and 0 <= x < w:
        return float(img[int(y), int(x)])
    return 0.0


def _cubic(d):
    d = abs(d)
    if d <= 1:
        return (A + 2) * d ** 3 - (A + 3) * d ** 2 + 1
    if d < 2:
        return A * d ** 3 - 5 * A * d ** 2 + 8 * A * d - 4 * A
    return 0.0


def _sample(img, gx, gy, mode, padding, align):
    h, w = img.shape
    ix, iy = _unnormalise(gx, w, align), _unnormalise(gy, h, align)
    if mode == "bicubic":
        x0, y0 = math.floor(ix), math.floor(iy)
        tx, ty = ix - x0, iy - y0
        out = 0.0
        for i in range(-1, 3):
            for j in range(-1, 3):
                wgt = _cubic(ty - i) * _cubic(tx - j)
                out += wgt * _read(img, _pad(y0 + i, h, padding, align),
                                   _pad(x0 + j, w, padding, align))
        return out
    ix, iy = _pad(ix, w, padding, align), _pad(iy, h, padding, align)
    if mode == "nearest":
        return _read(img, np.rint(iy), np.rint(ix))  # rint: half to even
    x0, y0 = math.floor(ix), math.floor(iy)
    tx, ty = ix - x0, iy - y0
    return ((1 - ty) * (1 - tx) * _read(img, y0, x0) + (1 - ty) * tx * _read(img, y0, x0 + 1) +
            ty * (1 - tx) * _read(img, y0 + 1, x0) + ty * tx * _read(img, y0 + 1, x0 + 1))


def reference(x, grid, mode, padding, align):
    n, c, _, _ = x.shape
    _, ho, wo, _ = grid.shape
    out = np.zeros((n, c, ho, wo))
    xs, gs = x.astype(np.float64), grid.astype(np.float64)
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    out[b, ch, i, j] = _sample(xs[b, ch], gs[b, i, j, 0], gs[b, i, j, 1],
                                               mode, padding, align)
    return out


def test_reference_matches_hand_values():
    """The reference itself on a 2x2 image, values worked out by hand."""
    img = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    g = np.array([[[[-1, -1], [0, 0], [1, 1], [3, 0]]]], dtype=np.float64)
    # align_corners: -1 and 1 are the corner centres, 0 the middle of all four
    assert reference(img, g, "bilinear", "zeros", True)[0, 0, 0].tolist() == [1, 2.5, 4, 0]
    # border clamps x = 3 (pixel 4) to the right column at mid height: (2 + 4) / 2
    assert reference(img, g, "bilinear", "border", True)[0, 0, 0, 3] == 3.0
    # reflection folds pixel x = 2 over [0, 1] back to 0 (two flips): (1 + 3) / 2
    assert reference(img, g, "bilinear", "reflection", True)[0, 0, 0, 3] == 2.0
    # without align_corners -1 is the outer edge: half a pixel of zeros on two sides
    assert reference(img, g[:, :, :1], "bilinear", "zeros", False)[0, 0, 0, 0] == 0.25
    # cubic weights sum to 1, so bicubic at a pixel centre is that pixel
    assert abs(reference(img, g[:, :, 2:3], "bicubic", "border", True)[0, 0, 0, 0] - 4) < 1e-12


# ---------------------------------------------------------------------------
# tvmc against the reference
# ---------------------------------------------------------------------------

def _data(rng, dtype, n=2, c=3, h=5, w=7, ho=4, wo=6, spread=1.6):
    x = rng.uniform(-4, 4, size=(n, c, h, w)).astype(dtype)
    grid = rng.uniform(-spread, spread, size=(n, ho, wo, 2)).astype(dtype)
    return x, grid


def _build(x, grid, target, **kw):
    X = te.placeholder(x.shape, dtype=str(x.dtype), name="x")
    G = te.placeholder(grid.shape, dtype=str(grid.dtype), name="grid")
    Y = topi.grid_sample(X, G, **kw)
    assert Y.dtype == str(x.dtype)
    assert tuple(Y.shape) == (x.shape[0], x.shape[1], grid.shape[1], grid.shape[2])
    return tvmc.build([X, G, Y], target=target)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("align", [False, True])
def test_interpolating_modes_float32(target, rng, mode, padding, align):
    x, grid = _data(rng, "float32")
    f = _build(x, grid, target, mode=mode, padding_mode=padding, align_corners=align)
    got = f.run(x, grid)
    want = reference(x, grid, mode, padding, align)
    # float32 coordinates and weights; |x| <= 4 and the weights' |sum| <= ~1.3
    np.testing.assert_allclose(got, want, rtol=0, atol=4e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("align", [False, True])
def test_every_mode_float64(target, rng, mode, padding, align):
    # float64 computes coordinates in float64: nearest's rounding matches the
    # reference's exactly (no float32 coordinate lands across a half)
    x, grid = _data(rng, "float64")
    f = _build(x, grid, target, mode=mode, padding_mode=padding, align_corners=align)
    got = f.run(x, grid)
    want = reference(x, grid, mode, padding, align)
    if mode == "nearest":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("align", [False, True])
def test_nearest_rounds_half_to_even(target, align):
    # one row; grid x chosen so that the pixel coordinate is exactly k + 0.5
    # (widths 5 and 8 keep every step of the unnormalisation exact in float32)
    w = 5 if align else 8
    x = np.arange(w, dtype="float32").reshape(1, 1, 1, w) + 10
    coords = np.array([0.5, 1.5, 2.5, 3.5])
    gx = (coords * 2 / (w - 1) - 1) if align else ((2 * coords + 1) / w - 1)
    grid = np.zeros((1, 1, 4, 2), "float32")
    grid[0, 0, :, 0] = gx
    grid[0, 0, :, 1] = 1.0 if align else 0.0  # y: the only row (its centre either way)
    f = _build(x, grid, target, mode="nearest", align_corners=align)
    # 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4
    np.testing.assert_array_equal(f.run(x, grid)[0, 0, 0], [10, 12, 12, 14])


def test_float32_image_float64_grid(rng):
    x, _ = _data(rng, "float32")
    _, grid = _data(rng, "float64")
    f = _build(x, grid, "llvm", mode="bilinear", padding_mode="border", align_corners=True)
    got = f.run(x, grid)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, reference(x, grid, "bilinear", "border", True), atol=4e-5)


def test_align_corners_accepts_onnx_ints(rng):
    x, grid = _data(rng, "float64", n=1, c=1)
    f = _build(x, grid, "interp", mode="bilinear", align_corners=1)
    np.testing.assert_allclose(f.run(x, grid), reference(x, grid, "bilinear", "zeros", True),
                               atol=1e-12)


def test_symbolic_image_size(target, rng):
    h, w = te.var("h"), te.var("w")
    X = te.placeholder((1, 2, h, w), dtype="float64", name="x")
    G = te.placeholder((1, 3, 4, 2), dtype="float64", name="grid")
    Y = topi.grid_sample(X, G, mode="bicubic", padding_mode="reflection")
    f = tvmc.build([X, G, Y], target=target)
    for hh, ww in ((3, 4), (6, 2)):
        x = rng.uniform(-1, 1, size=(1, 2, hh, ww))
        grid = rng.uniform(-1.5, 1.5, size=(1, 3, 4, 2))
        np.testing.assert_allclose(f.run(x, grid),
                                   reference(x, grid, "bicubic", "reflection", False),
                                   atol=1e-12)


# ---------------------------------------------------------------------------
# bad arguments
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kw, words", [
    ({"mode": "linear"}, ["mode", "bilinear, nearest, bicubic", "'linear'"]),
    ({"mode": "Bilinear"}, ["mode", "'Bilinear'"]),
    ({"mode": 0}, ["mode", "0"]),
    ({"mode": ["bilinear"]}, ["mode"]),
    ({"padding_mode": "reflect"}, ["padding_mode", "zeros, border, reflection", "'reflect'"]),
    ({"padding_mode": None}, ["padding_mode", "None"]),
    ({"align_corners": 2}, ["align_corners", "2"]),
    ({"align_corners": "yes"}, ["align_corners", "'yes'"]),
    ({"align_corners": 0.5}, ["align_corners", "0.5"]),
])
def test_bad_strings_and_flags_raise_valueerror(graph, kw, words):
    X = te.placeholder((1, 1, 2, 2), name="x")
    G = te.placeholder((1, 1, 1, 2), name="grid")
    with pytest.raises(ValueError) as e:
        topi.grid_sample(X, G, **kw)
    assert isinstance(e.value, tvmc.InvalidArgumentError)
    for w in words:
        assert w in str(e.value)
    # refused before the C library: the graph is still usable
    Y = topi.grid_sample(X, G)
    x = np.ones((1, 1, 2, 2), "float32")
    np.testing.assert_allclose(tvmc.build([X, G, Y]).run(x, np.zeros((1, 1, 1, 2), "float32")),
                               [[[[1.0]]]])


def test_non_tensor_operands():
    G = te.placeholder((1, 1, 1, 2), name="grid")
    with pytest.raises(TypeError, match="data"):
        topi.grid_sample(np.zeros((1, 1, 2, 2), "float32"), G)
    with pytest.raises(TypeError, match="grid"):
        topi.grid_sample(G, [[0.0, 0.0]])


def test_tensors_of_two_graphs():
    X = te.placeholder((1, 1, 2, 2), name="x")
    with tvmc.Graph():
        G = te.placeholder((1, 1, 1, 2), name="grid")
    with pytest.raises(tvmc.InvalidHandleError, match="different graphs"):
        topi.grid_sample(X, G)


@pytest.mark.parametrize("xshape, xdt, gshape, gdt, err, words", [
    ((1, 1, 2), "float32", (1, 1, 1, 2), "float32", tvmc.ShapeError, ["x has rank 3"]),
    ((1, 1, 2, 2), "float32", (1, 1, 1, 3), "float32", tvmc.ShapeError, ["last dim of grid"]),
    ((2, 1, 2, 2), "float32", (1, 1, 1, 2), "float32", tvmc.ShapeError,
     ["batch 2", "batch 1"]),
    ((1, 1, 2, 2), "int32", (1, 1, 1, 2), "float32", tvmc.DTypeError, ["'x'", "int32"]),
    ((1, 1, 2, 2), "float32", (1, 1, 1, 2), "int64", tvmc.DTypeError, ["'grid'", "int64"]),
])
def test_shapes_and_dtypes_the_library_refuses(xshape, xdt, gshape, gdt, err, words):
    X = te.placeholder(xshape, dtype=xdt, name="x")
    G = te.placeholder(gshape, dtype=gdt, name="grid")
    with pytest.raises(err) as e:
        topi.grid_sample(X, G)
    assert "tvm_op_grid_sample" in str(e.value)
    for w in words:
        assert w in str(e.value)
