"""topi nn operators (matmul, dense, conv1d/2d, conv2d_transpose, pools)
against independent numpy references written here: einsum over explicitly
padded arrays for convolutions, a scatter loop for the transposed
convolution, naive window loops for pools."""

import numpy as np
import pytest

import tvmc
from tvmc import te, topi
from conftest import rand


# ---------------------------------------------------------------------------
# references (deliberately unlike the library's formulation)
# ---------------------------------------------------------------------------

def ref_conv2d_nchw(x, w, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), groups=1):
    """Cross-correlation over a zero-padded copy, one einsum per tap."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    pt, pl, pb, pr = pads
    sh, sw = stride
    dh, dw = dil
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    OH = (H + pt + pb - dh * (KH - 1) - 1) // sh + 1
    OW = (W + pl + pr - dw * (KW - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW))
    Og = O // groups
    for gi in range(groups):
        xs = xp[:, gi * Cg:(gi + 1) * Cg]
        ws = w[gi * Og:(gi + 1) * Og]
        for kh in range(KH):
            for kw in range(KW):
                patch = xs[:, :, kh * dh:kh * dh + sh * (OH - 1) + 1:sh,
                           kw * dw:kw * dw + sw * (OW - 1) + 1:sw]
                out[:, gi * Og:(gi + 1) * Og] += np.einsum("nchw,oc->nohw", patch,
                                                           ws[:, :, kh, kw])
    return out


def ref_conv_transpose2d(x, w, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), groups=1,
                         out_pad=(0, 0)):
    """Scatter every input pixel through the kernel, then crop the pads."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    N, C, H, W = x.shape
    _, Og, KH, KW = w.shape
    Cg = C // groups
    sh, sw = stride
    dh, dw = dil
    pt, pl, pb, pr = pads
    OH = (H - 1) * sh - pt - pb + dh * (KH - 1) + out_pad[0] + 1
    OW = (W - 1) * sw - pl - pr + dw * (KW - 1) + out_pad[1] + 1
    full = np.zeros((N, Og * groups, max((H - 1) * sh + dh * (KH - 1) + 1, pt + OH),
                     max((W - 1) * sw + dw * (KW - 1) + 1, pl + OW)))
    for n in range(N):
        for c in range(C):
            gi = c // Cg
            for h in range(H):
                for v in range(W):
                    for kh in range(KH):
                        for kw in range(KW):
                            full[n, gi * Og:(gi + 1) * Og, h * sh + kh * dh, v * sw + kw * dw] \
                                += x[n, c, h, v] * w[c, :, kh, kw]
    return full[:, :, pt:pt + OH, pl:pl + OW]


def pool_out(n, k, s, d, lo, hi, ceil_mode):
    span = d * (k - 1) + 1
    if ceil_mode:
        o = -(-(n + lo + hi - span) // s) + 1
        if (o - 1) * s >= n + lo:   # the last window may not start in the end padding
            o -= 1
        return o
    return (n + lo + hi - span) // s + 1


def ref_pool2d_nchw(x, kind, k, s=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), ceil_mode=False,
                    count_include_pad=True):
    """Naive loops over output positions and explicit tap lists."""
    N, C, H, W = x.shape
    pt, pl, pb, pr = pads
    OH = pool_out(H, k[0], s[0], dil[0], pt, pb, ceil_mode)
    OW = pool_out(W, k[1], s[1], dil[1], pl, pr, ceil_mode)
    out = np.zeros((N, C, OH, OW), np.float64)
    for oh in range(OH):
        th = [oh * s[0] - pt + i * dil[0] for i in range(k[0])]
        vh = [t for t in th if 0 <= t < H]
        ph = [t for t in th if -pt <= t < H + pb]
        for ow in range(OW):
            tw = [ow * s[1] - pl + i * dil[1] for i in range(k[1])]
            vw = [t for t in tw if 0 <= t < W]
            pw = [t for t in tw if -pl <= t < W + pr]
            win = x[:, :, vh][:, :, :, vw].astype(np.float64)
            if kind == "max":
                out[:, :, oh, ow] = win.max(axis=(2, 3))
            else:
                cnt = len(ph) * len(pw) if count_include_pad else len(vh) * len(vw)
                out[:, :, oh, ow] = win.sum(axis=(2, 3)) / cnt
    return out


def nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def nchw(a):
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-12, atol=1e-12),
       "float16": dict(rtol=1e-2, atol=1e-2), "int32": dict(rtol=0, atol=0)}


def build_run(ins, out, target, *arrays, inline=True):
    f = tvmc.build(list(ins) + [out], target=target, inline=inline)
    return f.run(*arrays)


# ---------------------------------------------------------------------------
# matmul / dense
# ---------------------------------------------------------------------------

MATMUL_CASES = [
    ((4,), (4,), False, False),            # 1-D x 1-D: a scalar
    ((4,), (4, 3), False, False),          # 1-D x 2-D
    ((4,), (2, 4, 3), False, False),       # 1-D x N-D
    ((2, 3, 4), (4,), False, False),       # N-D x 1-D
    ((3, 4), (4, 5), False, False),
    ((2, 1, 3, 4), (5, 4, 6), False, False),  # batch broadcast 1 vs n
    ((1, 3, 4), (2, 4, 5), False, False),
    ((4, 3), (4, 5), True, False),
    ((2, 3, 4), (5, 4), False, True),
    ((2, 4, 3), (1, 5, 4), True, True),
    ((4,), (5, 4), True, True),            # transpose flags ignored on a 1-D a
]


@pytest.mark.parametrize("sa,sb,ta,tb", MATMUL_CASES)
def test_matmul_shapes(sa, sb, ta, tb, target, rng):
    A = te.placeholder(sa, name="A")
    B = te.placeholder(sb, name="B")
    C = topi.matmul(A, B, ta, tb)
    a, b = rand(rng, sa, "float32", -2, 2), rand(rng, sb, "float32", -2, 2)
    at = np.swapaxes(a, -1, -2) if ta and a.ndim > 1 else a
    bt = np.swapaxes(b, -1, -2) if tb and b.ndim > 1 else b
    want = np.matmul(at.astype(np.float64), bt.astype(np.float64))
    assert C.shape == want.shape
    out = build_run([A, B], C, target, a, b)
    assert out.shape == want.shape
    np.testing.assert_allclose(out, want, **TOL["float32"])


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32"])
def test_matmul_dtypes(dtype, target, rng):
    A = te.placeholder((2, 3, 5), dtype, name="A")
    B = te.placeholder((5, 4), dtype, name="B")
    a, b = rand(rng, (2, 3, 5), dtype, -3, 3), rand(rng, (5, 4), dtype, -3, 3)
    out = build_run([A, B], topi.matmul(A, B), target, a, b)
    assert out.dtype == np.dtype(dtype)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(out.astype(np.float64), want, **TOL[dtype])


def test_matmul_symbolic_batch(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 3, 4), name="A")
    B = te.placeholder((4, 2), name="B")
    f = tvmc.build([A, B, topi.matmul(A, B)], target=target)
    b = rand(rng, (4, 2), "float32")
    for batch in (1, 3):
        a = rand(rng, (batch, 3, 4), "float32")
        np.testing.assert_allclose(f.run(a, b), a @ b, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_dense(with_bias, dtype, target, rng):
    n = te.var("n")
    X = te.placeholder((n, 2, 6), dtype, name="X")
    W = te.placeholder((5, 6), dtype, name="W")
    Bs = te.placeholder((5,), dtype, name="Bs") if with_bias else None
    Y = topi.dense(X, W, Bs)
    assert Y.shape[1:] == (2, 5)
    x, w, b = (rand(rng, s, dtype, -4, 4) for s in ((3, 2, 6), (5, 6), (5,)))
    want = x.astype(np.float64) @ w.astype(np.float64).T + (b if with_bias else 0)
    ins, arrs = ([X, W, Bs], (x, w, b)) if with_bias else ([X, W], (x, w))
    np.testing.assert_allclose(build_run(ins, Y, target, *arrs), want, **TOL[dtype])


# ---------------------------------------------------------------------------
# convolutions
# ---------------------------------------------------------------------------

# (N, C, H, W, O, KH, KW, stride, pads(t,l,b,r), dilation, groups)
CONV_CASES = [
    (1, 3, 7, 7, 4, 3, 3, (1, 1), (0, 0, 0, 0), (1, 1), 1),
    (2, 3, 8, 9, 4, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1), 1),
    (1, 2, 10, 11, 3, 3, 2, (3, 2), (2, 0, 1, 3), (1, 1), 1),   # asymmetric pads, stride 3
    (1, 2, 9, 9, 2, 3, 3, (1, 1), (2, 2, 2, 2), (2, 2), 1),     # dilation 2
    (1, 4, 6, 6, 6, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 2),     # groups 2
    (2, 4, 7, 5, 4, 3, 3, (2, 1), (1, 1, 1, 1), (1, 1), 4),     # depthwise
    (1, 3, 5, 5, 6, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 3),     # depthwise, multiplier 2
    (1, 5, 5, 3, 2, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1), 1),     # 1x1
    (1, 3, 6, 6, 2, 1, 1, (2, 2), (0, 0, 0, 0), (1, 1), 1),     # 1x1 strided
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_conv2d(case, layout, target, rng):
    N, C, H, W, O, KH, KW, stride, pads, dil, groups = case
    x = rand(rng, (N, C, H, W), "float32", -1, 1)
    w = rand(rng, (O, C // groups, KH, KW), "float32", -1, 1)
    want = ref_conv2d_nchw(x, w, stride, pads, dil, groups)
    if layout == "NCHW":
        X = te.placeholder(x.shape, name="X")
        Wt = te.placeholder(w.shape, name="W")
        args = (x, w)
    else:
        X = te.placeholder((N, H, W, C), name="X")
        Wt = te.placeholder((KH, KW, C // groups, O), name="W")
        args = (nhwc(x), np.ascontiguousarray(w.transpose(2, 3, 1, 0)))
        want = nhwc(want)
    Y = topi.conv2d(X, Wt, stride, pads, dil, groups, layout)
    assert Y.shape == want.shape
    np.testing.assert_allclose(build_run([X, Wt], Y, target, *args), want, **TOL["float32"])


# larger shapes for the llvm schedule (schedule_conv): channel counts that
# are and are not multiples of 16, rows longer than one register block
CONV_SCHED_CASES = CONV_CASES + [
    (1, 20, 13, 30, 40, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 1),
    (2, 3, 33, 31, 16, 7, 7, (2, 2), (3, 3, 3, 3), (1, 1), 1),
    (1, 24, 20, 37, 24, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), 24),   # depthwise
    (1, 32, 9, 40, 33, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1), 1),
]


@pytest.mark.parametrize("case", CONV_SCHED_CASES,
                         ids=[str(i) for i in range(len(CONV_SCHED_CASES))])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_conv2d_constant_weights_fused(case, layout, target, rng):
    """Weights as constants (packed at compile time) and a fused bias + batch
    norm + ReLU epilogue, the form ONNX models take."""
    N, C, H, W, O, KH, KW, stride, pads, dil, groups = case
    x = rand(rng, (N, C, H, W), "float32", -1, 1)
    w = rand(rng, (O, C // groups, KH, KW), "float32", -1, 1)
    b, sc, sh, mu = (rand(rng, (O,), "float32", -1, 1) for _ in range(4))
    var = rand(rng, (O,), "float32", 0.5, 1.5)
    want = ref_conv2d_nchw(x, w, stride, pads, dil, groups) + b[None, :, None, None]
    want = (want - mu[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5) * \
        sc[None, :, None, None] + sh[None, :, None, None]
    want = np.maximum(want, 0)
    if layout == "NCHW":
        X = te.placeholder(x.shape, name="X")
        Wt = te.const_tensor(w, name="W")
        arg = x
    else:
        X = te.placeholder((N, H, W, C), name="X")
        Wt = te.const_tensor(np.ascontiguousarray(w.transpose(2, 3, 1, 0)), name="W")
        arg = nhwc(x)
    Y = topi.conv2d(X, Wt, stride, pads, dil, groups, layout, bias=te.const_tensor(b, name="b"))
    if layout == "NHWC":
        Y = topi.transpose(Y, (0, 3, 1, 2))
    Y = topi.batch_norm(Y, *(te.const_tensor(a, name=nm) for a, nm in
                             ((sc, "scale"), (sh, "shift"), (mu, "mean"), (var, "var"))))
    Y = topi.relu(Y)
    np.testing.assert_allclose(build_run([X], Y, target, arg), want, rtol=1e-4, atol=1e-4)


def test_conv2d_schedule_matches_interp_bitwise(rng):
    """The llvm schedule keeps every output's sum order: same bits as interp."""
    x = rand(rng, (1, 20, 17, 29), "float32", -1, 1)
    w = rand(rng, (36, 20, 3, 3), "float32", -1, 1)
    outs = []
    for target in ("llvm", "interp"):
        X = te.placeholder(x.shape, name="X")
        Y = topi.relu(topi.conv2d(X, te.const_tensor(w, name="W"), 1, 1))
        outs.append(build_run([X], Y, target, x))
    assert np.array_equal(outs[0].view(np.uint32), outs[1].view(np.uint32))


@pytest.mark.parametrize("algorithm", ["auto", "direct", "winograd"])
def test_conv2d_algorithm(algorithm, target, rng):
    """Winograd (forced here on a layer too small for "auto") stays within a
    rounding bound of the float64 reference; "direct" and "auto" on this layer
    sum directly, with the same bits as placeholder weights."""
    x = rand(rng, (2, 8, 10, 9), "float32", -1, 1)
    w = rand(rng, (12, 8, 3, 3), "float32", -1, 1)
    want = ref_conv2d_nchw(x, w, (1, 1), (1, 1, 1, 1), (1, 1), 1)
    X = te.placeholder(x.shape, name="X")
    Y = topi.conv2d(X, te.const_tensor(w, name="W"), 1, 1, algorithm=algorithm)
    out = build_run([X], Y, target, x)
    # Winograd's error grows with max|x| * sum|w| (tvm_conv_algorithm)
    bound = 4e-6 * np.abs(x).max() * np.abs(w).sum(axis=(1, 2, 3)).max()
    assert np.abs(out - want).max() <= bound
    Xp, Wp = te.placeholder(x.shape, name="X"), te.placeholder(w.shape, name="W")
    direct = build_run([Xp, Wp], topi.conv2d(Xp, Wp, 1, 1), target, x, w)
    same = np.array_equal(out.view(np.uint32), direct.view(np.uint32))
    assert same == (algorithm != "winograd")


def test_conv2d_algorithm_errors():
    X = te.placeholder((1, 4, 6, 6), name="X")
    W = te.placeholder((4, 4, 3, 3), name="W")
    with pytest.raises(ValueError, match="algorithm must be one of auto, direct, winograd"):
        topi.conv2d(X, W, 1, 1, algorithm="fft")


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32"])
def test_conv2d_dtypes_and_bias(dtype, target, rng):
    x = rand(rng, (1, 4, 6, 5), dtype, -3, 3)
    w = rand(rng, (4, 2, 3, 3), dtype, -3, 3)
    b = rand(rng, (4,), dtype, -3, 3)
    X, Wt, Bs = (te.placeholder(a.shape, dtype, name=nm) for a, nm in
                 ((x, "X"), (w, "W"), (b, "B")))
    Y = topi.conv2d(X, Wt, 2, (1, 0, 1, 2), 1, 2, bias=Bs)
    want = ref_conv2d_nchw(x, w, (2, 2), (1, 0, 1, 2), (1, 1), 2) + \
        b.astype(np.float64)[None, :, None, None]
    out = build_run([X, Wt, Bs], Y, target, x, w, b)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.astype(np.float64), want, **TOL[dtype])


def test_conv2d_symbolic_batch(target, rng):
    n = te.var("n")
    X = te.placeholder((n, 3, 6, 6), name="X")
    Wt = te.placeholder((2, 3, 3, 3), name="W")
    Y = topi.conv2d(X, Wt, 1, 1)
    assert Y.shape[0] is n and Y.shape[1:] == (2, 6, 6)
    f = tvmc.build([X, Wt, Y], target=target)
    w = rand(rng, (2, 3, 3, 3), "float32", -1, 1)
    for batch in (1, 3):
        x = rand(rng, (batch, 3, 6, 6), "float32", -1, 1)
        np.testing.assert_allclose(f.run(x, w), ref_conv2d_nchw(x, w, pads=(1, 1, 1, 1)),
                                   **TOL["float32"])


# (N, C, L, O, K, stride, (begin, end), dilation, groups)
CONV1D_CASES = [
    (2, 3, 9, 4, 3, 1, (0, 0), 1, 1),
    (1, 4, 11, 2, 3, 2, (2, 1), 2, 2),
    (1, 3, 7, 3, 2, 3, (1, 0), 1, 3),
]


@pytest.mark.parametrize("case", CONV1D_CASES, ids=[str(i) for i in range(len(CONV1D_CASES))])
@pytest.mark.parametrize("layout", ["NCW", "NWC"])
def test_conv1d(case, layout, target, rng):
    N, C, L, O, K, s, (pb, pe), d, groups = case
    x = rand(rng, (N, C, L), "float32", -1, 1)
    w = rand(rng, (O, C // groups, K), "float32", -1, 1)
    want = ref_conv2d_nchw(x[:, :, None, :], w[:, :, None, :], (1, s), (0, pb, 0, pe),
                           (1, d), groups)[:, :, 0, :]
    if layout == "NCW":
        args = (x, w)
    else:
        args = (np.ascontiguousarray(x.transpose(0, 2, 1)),
                np.ascontiguousarray(w.transpose(2, 1, 0)))
        want = np.ascontiguousarray(want.transpose(0, 2, 1))
    X = te.placeholder(args[0].shape, name="X")
    Wt = te.placeholder(args[1].shape, name="W")
    Y = topi.conv1d(X, Wt, s, (pb, pe), d, groups, layout)
    assert Y.shape == want.shape
    np.testing.assert_allclose(build_run([X, Wt], Y, target, *args), want, **TOL["float32"])


# (N, C, H, W, O/groups, KH, KW, stride, pads, dilation, groups, output_padding)
CONVT_CASES = [
    (1, 2, 4, 4, 3, 3, 3, (1, 1), (0, 0, 0, 0), (1, 1), 1, (0, 0)),
    (2, 3, 3, 4, 2, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1), 1, (1, 1)),
    (1, 2, 4, 3, 2, 3, 2, (3, 2), (1, 0, 2, 1), (1, 1), 1, (2, 0)),
    (1, 4, 3, 3, 1, 2, 3, (2, 1), (0, 1, 0, 1), (2, 1), 2, (1, 0)),  # groups, dilation
    (1, 3, 3, 3, 2, 3, 3, (2, 2), (1, 1, 1, 1), (1, 1), 3, (0, 1)),  # depthwise-like
]


@pytest.mark.parametrize("case", CONVT_CASES, ids=[str(i) for i in range(len(CONVT_CASES))])
@pytest.mark.parametrize("with_bias", [False, True])
def test_conv2d_transpose(case, with_bias, target, rng):
    N, C, H, W, Og, KH, KW, stride, pads, dil, groups, op = case
    x = rand(rng, (N, C, H, W), "float32", -1, 1)
    w = rand(rng, (C, Og, KH, KW), "float32", -1, 1)
    b = rand(rng, (Og * groups,), "float32", -1, 1)
    want = ref_conv_transpose2d(x, w, stride, pads, dil, groups, op)
    X, Wt = te.placeholder(x.shape, name="X"), te.placeholder(w.shape, name="W")
    Bs = te.placeholder(b.shape, name="B") if with_bias else None
    Y = topi.conv2d_transpose(X, Wt, stride, pads, op, dil, groups, bias=Bs)
    assert Y.shape == want.shape
    if with_bias:
        want = want + b[None, :, None, None]
        out = build_run([X, Wt, Bs], Y, target, x, w, b)
    else:
        out = build_run([X, Wt], Y, target, x, w)
    np.testing.assert_allclose(out, want, **TOL["float32"])


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32"])
def test_conv2d_transpose_dtypes_symbolic_batch(dtype, target, rng):
    n = te.var("n")
    X = te.placeholder((n, 2, 3, 4), dtype, name="X")
    Wt = te.placeholder((2, 3, 2, 3), dtype, name="W")
    Y = topi.conv2d_transpose(X, Wt, 2, (1, 0, 0, 1), 1)
    assert Y.shape[0] is n and Y.shape[1:] == (3, 6, 9)
    f = tvmc.build([X, Wt, Y], target=target)
    w = rand(rng, (2, 3, 2, 3), dtype, -3, 3)
    for batch in (1, 2):
        x = rand(rng, (batch, 2, 3, 4), dtype, -3, 3)
        out = f.run(x, w)
        assert out.dtype == np.dtype(dtype)
        want = ref_conv_transpose2d(x, w, (2, 2), (1, 0, 0, 1), out_pad=(1, 1))
        np.testing.assert_allclose(out.astype(np.float64), want, **TOL[dtype])


# ---------------------------------------------------------------------------
# pools
# ---------------------------------------------------------------------------

# (H, W, kernel, stride, pads, dilation, ceil_mode)
POOL_CASES = [
    (6, 6, (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), False),
    (7, 5, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False),
    (7, 8, (3, 2), (2, 3), (1, 0, 1, 1), (1, 1), True),
    (5, 5, (2, 2), (2, 2), (1, 1, 1, 1), (1, 1), True),   # last window would start in padding
    (9, 7, (2, 3), (1, 2), (1, 1, 0, 1), (2, 2), False),  # dilation
    (8, 8, (3, 3), (3, 3), (1, 1, 1, 1), (2, 1), True),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=[str(i) for i in range(len(POOL_CASES))])
@pytest.mark.parametrize("kind,cip", [("max", True), ("avg", True), ("avg", False)])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_pool2d(case, kind, cip, layout, target, rng):
    H, W, k, s, pads, dil, ceil_mode = case
    x = rand(rng, (2, 3, H, W), "float32", -5, 5)
    want = ref_pool2d_nchw(x, kind, k, s, pads, dil, ceil_mode, cip)
    arg = x if layout == "NCHW" else nhwc(x)
    if layout == "NHWC":
        want = nhwc(want)
    X = te.placeholder(arg.shape, name="X")
    Y = topi.pool2d(X, k, s, dil, pads, kind, ceil_mode, layout, cip)
    assert Y.shape == want.shape
    np.testing.assert_allclose(build_run([X], Y, target, arg), want, **TOL["float32"])


def test_pool_ceil_mode_drops_window_in_padding():
    # PyTorch: AvgPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 gives 3x3, not 4x4
    X = te.placeholder((1, 1, 5, 5), name="X")
    assert topi.avg_pool2d(X, 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    assert topi.max_pool2d(X, 2, 2, 0, ceil_mode=True).shape == (1, 1, 3, 3)
    assert topi.max_pool2d(X, 2, 2, 0, ceil_mode=False).shape == (1, 1, 2, 2)


def test_avg_pool_divisors_by_hand(target):
    # 3x3 ones, kernel 2, stride 2, pad 1: the corner window holds one input
    # pixel of four taps
    X = te.placeholder((1, 1, 3, 3), name="X")
    x = np.ones((1, 1, 3, 3), "float32")
    inc = build_run([X], topi.avg_pool2d(X, 2, 2, 1, count_include_pad=True), target, x)
    exc = build_run([X], topi.avg_pool2d(X, 2, 2, 1, count_include_pad=False), target, x)
    np.testing.assert_array_equal(inc[0, 0], [[0.25, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(exc[0, 0], np.ones((2, 2)))


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32"])
def test_max_pool_dtypes(dtype, target, rng):
    x = rand(rng, (1, 2, 5, 5), dtype, -50, 50)
    X = te.placeholder(x.shape, dtype, name="X")
    out = build_run([X], topi.max_pool2d(X, 3, 2, 1), target, x)
    assert out.dtype == np.dtype(dtype)
    want = ref_pool2d_nchw(x, "max", (3, 3), (2, 2), (1, 1, 1, 1))
    np.testing.assert_array_equal(out.astype(np.float64), want)


def test_avg_pool_float16_and_symbolic_batch(target, rng):
    n = te.var("n")
    X = te.placeholder((n, 2, 5, 5), "float16", name="X")
    Y = topi.avg_pool2d(X, 3, 2, 1, count_include_pad=False)
    f = tvmc.build([X, Y], target=target)
    for batch in (1, 2):
        x = rand(rng, (batch, 2, 5, 5), "float16", -2, 2)
        want = ref_pool2d_nchw(x, "avg", (3, 3), (2, 2), (1, 1, 1, 1), count_include_pad=False)
        np.testing.assert_allclose(f.run(x).astype(np.float64), want, **TOL["float16"])


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_global_pool2d(kind, layout, target, rng):
    n, h = te.var("n"), te.var("h")
    shape = (n, 3, h, 5) if layout == "NCHW" else (n, h, 5, 3)
    X = te.placeholder(shape, name="X")
    Y = topi.global_pool2d(X, kind, layout)
    f = tvmc.build([X, Y], target=target)
    x = rand(rng, (2, 3, 4, 5), "float32", -5, 5)
    red = np.max if kind == "max" else np.mean
    want = red(x, axis=(2, 3), keepdims=True)
    arg = x if layout == "NCHW" else nhwc(x)
    out = f.run(arg)
    np.testing.assert_allclose(out, want if layout == "NCHW" else nhwc(want), rtol=1e-5,
                               atol=1e-6)


# ---------------------------------------------------------------------------
# fusion on and off agree
# ---------------------------------------------------------------------------

def test_no_inline_agrees(target, rng):
    X = te.placeholder((1, 4, 7, 6), name="X")
    Wt = te.placeholder((4, 2, 3, 3), name="W")
    Bs = te.placeholder((4,), name="B")
    conv = topi.conv2d(X, Wt, 1, 1, 1, 2, bias=Bs)
    relu = te.compute(conv.shape, lambda a, b, c, d: te.max(conv[a, b, c, d], 0.0), name="relu")
    pool = topi.avg_pool2d(relu, 3, 2, 1, ceil_mode=True, count_include_pad=False)
    D = te.placeholder((3, 12), name="D")
    Dw = te.placeholder((5, 12), name="Dw")
    mm = topi.matmul(topi.dense(D, Dw), Dw)
    x, w, b = (rand(rng, s, "float32", -1, 1) for s in ((1, 4, 7, 6), (4, 2, 3, 3), (4,)))
    d, dw = rand(rng, (3, 12), "float32", -1, 1), rand(rng, (5, 12), "float32", -1, 1)
    outs = []
    for inline in (True, False):
        f = tvmc.build([X, Wt, Bs, D, Dw, pool, mm], target=target, inline=inline)
        outs.append(f.run(x, w, b, d, dw))
    ref_c = np.maximum(ref_conv2d_nchw(x, w, pads=(1, 1, 1, 1), groups=2) +
                       b[None, :, None, None], 0)
    ref_p = ref_pool2d_nchw(ref_c, "avg", (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=True,
                            count_include_pad=False)
    ref_m = (d.astype(np.float64) @ dw.T) @ dw
    for p, m in outs:
        np.testing.assert_allclose(p, ref_p, **TOL["float32"])
        np.testing.assert_allclose(m, ref_m, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------
# errors: the right exception class, a message naming op and argument
# ---------------------------------------------------------------------------

def _raises(exc, match, fn):
    with tvmc.Graph():
        with pytest.raises(exc, match=match):
            fn()


def test_errors():
    ph = te.placeholder
    _raises(tvmc.InvalidArgumentError, r"tvm_op_conv2d: attrs->strides\[0\] is -1",
            lambda: topi.conv2d(ph((1, 2, 5, 5)), ph((2, 2, 3, 3)), strides=(-1, 1)))
    _raises(tvmc.InvalidArgumentError, r"tvm_op_conv2d: attrs->groups \(3\) does not divide",
            lambda: topi.conv2d(ph((1, 4, 5, 5)), ph((3, 1, 3, 3)), groups=3))
    _raises(tvmc.ShapeError, r"tvm_op_conv2d: 'x' has 3 channels.*'w'",
            lambda: topi.conv2d(ph((1, 3, 5, 5)), ph((2, 2, 3, 3))))
    _raises(tvmc.ShapeError, r"tvm_op_conv1d: 'x' has 4 dims",
            lambda: topi.conv1d(ph((1, 3, 5, 5)), ph((2, 3, 3))))
    _raises(tvmc.InvalidArgumentError, "pads must be >= 0",
            lambda: topi.conv2d(ph((1, 2, 5, 5)), ph((2, 2, 3, 3)), padding=(0, -1, 0, 0)))
    _raises(tvmc.InvalidArgumentError, "smaller than 1",
            lambda: topi.conv2d(ph((1, 2, 2, 2)), ph((2, 2, 3, 3))))
    _raises(tvmc.InvalidArgumentError, "layout is 7",
            lambda: topi.conv2d(ph((1, 2, 5, 5)), ph((2, 2, 3, 3)), data_layout=7))
    _raises(tvmc.ShapeError, "symbolic",
            lambda: topi.conv2d(ph((1, 2, te.var("h"), 5)), ph((2, 2, 3, 3))))
    _raises(tvmc.ShapeError, "'bias'",
            lambda: topi.conv2d(ph((1, 2, 5, 5)), ph((2, 2, 3, 3)), bias=ph((3,))))
    _raises(tvmc.DTypeError, r"tvm_op_conv2d: 'x' is float32 but 'w' is float64",
            lambda: topi.conv2d(ph((1, 2, 5, 5)), ph((2, 2, 3, 3), "float64")))
    _raises(tvmc.DTypeError, "bool",
            lambda: topi.matmul(ph((2, 2), "bool"), ph((2, 2), "bool")))
    _raises(tvmc.ShapeError, r"tvm_op_matmul: contracted dims differ: 4 in 'a' and 3 in 'b'",
            lambda: topi.matmul(ph((2, 4)), ph((3, 5))))
    _raises(tvmc.ShapeError, "broadcast",
            lambda: topi.matmul(ph((2, 3, 4)), ph((3, 4, 5))))
    _raises(tvmc.ShapeError, r"tvm_op_dense: contracted dims differ",
            lambda: topi.dense(ph((2, 4)), ph((3, 5))))
    _raises(tvmc.ShapeError, r"tvm_op_dense: 'w' has 3 dims",
            lambda: topi.dense(ph((2, 4)), ph((3, 4, 1))))
    _raises(tvmc.UnsupportedError, "NCHW only",
            lambda: topi.nn._call("t", "tvm_op_conv_transpose2d", "x", (), [
                ph((1, 2, 3, 3)), ph((2, 2, 3, 3)), None],
                __import__("ctypes").byref(topi.nn._conv_attrs("t", 2, 1, 0, 1, 1, "NHWC"))))
    _raises(tvmc.ShapeError, r"tvm_op_conv_transpose2d: 'x' has 2 channels",
            lambda: topi.conv2d_transpose(ph((1, 2, 3, 3)), ph((3, 2, 3, 3))))
    _raises(tvmc.InvalidArgumentError, r"tvm_op_conv_transpose2d: attrs->output_padding",
            lambda: topi.conv2d_transpose(ph((1, 2, 3, 3)), ph((2, 2, 3, 3)),
                                          output_padding=-1))
    _raises(tvmc.InvalidArgumentError, r"tvm_op_max_pool2d: attrs->kernel\[1\] is 0",
            lambda: topi.max_pool2d(ph((1, 2, 5, 5)), (2, 0)))
    _raises(tvmc.InvalidArgumentError, r"tvm_op_avg_pool2d: attrs->strides\[0\] is -2",
            lambda: topi.avg_pool2d(ph((1, 2, 5, 5)), 2, -2))
    _raises(tvmc.DTypeError, r"tvm_op_avg_pool2d: 'x' is int32",
            lambda: topi.avg_pool2d(ph((1, 2, 5, 5), "int32"), 2))
    _raises(tvmc.DTypeError, r"tvm_op_global_pool2d: 'x' is int32",
            lambda: topi.global_pool2d(ph((1, 2, 5, 5), "int32"), "avg"))
    _raises(tvmc.ShapeError, r"tvm_op_global_pool2d: 'x' has 3 dims",
            lambda: topi.global_pool2d(ph((1, 2, 5))))
