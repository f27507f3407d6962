"""Reductions (topi.sum ... topi.argmin) and normalisers (softmax,
log_softmax, layer_norm, batch_norm, group_norm) of the operator library
against numpy float64 references: axis sets, keepdims, every dtype, NaN,
empty and symbolic shapes, error paths. Every build is also checked
unfused (op_check.run_both)."""

import numpy as np
import pytest

import tvmc
from tvmc import te, topi
from conftest import rand
from op_check import FLOATS, INTS, TOL, assert_close, make_input, np_erf, run_both, values

SHAPE = (3, 7, 5)
AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2), (-2,)]
NP_REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}


def _np_axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=[str(a) for a in AXES])
@pytest.mark.parametrize("name", sorted(NP_REDUCE))
def test_reduce_axes_float32(name, axis, keepdims, target, rng):
    A = te.placeholder(SHAPE, "float32", name="A")
    R = getattr(topi, name)(A, axis=axis, keepdims=keepdims)
    a = rng.uniform(0.7, 1.3, SHAPE).astype("float32")
    expect = NP_REDUCE[name](a.astype(np.float64), axis=_np_axes(axis), keepdims=keepdims)
    assert R.shape == expect.shape
    (out,) = run_both([A, R], [a], target)
    assert_close(out, expect, "float32", rtol=1e-5)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(NP_REDUCE))
def test_reduce_float_dtypes(name, dtype, target, rng):
    A = te.placeholder((17, 3), dtype, name="A")
    R = getattr(topi, name)(A, axis=0)
    lo, hi = (0.8, 1.2) if name == "prod" else (-4, 4)
    a = make_input(rng.uniform(lo, hi, (17, 3)), dtype)
    (out,) = run_both([A, R], [a], target)
    expect = NP_REDUCE[name](values(a), axis=0)
    rtol, atol = TOL[dtype]
    # float16/bfloat16 accumulate in float32: one rounding at the end
    assert_close(out, expect, dtype, rtol=rtol, atol=atol * 4)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["sum", "max", "min", "prod"])
def test_reduce_int_dtypes(name, dtype, target, rng):
    A = te.placeholder((7, 3), dtype, name="A")
    R = getattr(topi, name)(A, axis=(0,), keepdims=True)
    lo, hi = (-3, 3) if name == "prod" else (-100, 100)
    a = rand(rng, (7, 3), dtype, lo, hi)
    (out,) = run_both([A, R], [a], target)
    assert out.dtype == np.dtype(dtype)
    # integer sums and products wrap in the operand dtype
    expect = NP_REDUCE[name](a.astype(np.int64), axis=0, keepdims=True).astype(dtype)
    np.testing.assert_array_equal(out, expect)


def test_reduce_symbolic_and_empty(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "float32", name="A")
    outs = [topi.sum(A, axis=1), topi.mean(A, axis=0), topi.max(A, axis=1),
            topi.min(A, axis=(0, 1), keepdims=True), topi.mean(A)]
    assert outs[0].shape[0] is n and outs[1].shape[0] is m and outs[3].shape == (1, 1)
    fused = tvmc.build([A] + outs, target=target)
    plain = tvmc.build([A] + outs, target=target, inline=False)
    for nv, mv in ((3, 7), (1, 17), (5, 1)):
        a = rng.uniform(-1, 1, (nv, mv)).astype("float32")
        v = a.astype(np.float64)
        expect = [v.sum(1), v.mean(0), v.max(1), v.min(keepdims=True), v.mean()]
        for f in (fused, plain):
            for out, ref in zip(f.run(a), expect):
                assert_close(out, ref, "float32", rtol=1e-5)
    # empty reductions give the identity; an empty mean is NaN
    s, mean0, mx, mn, mall = fused.run(np.zeros((2, 0), "float32"))
    np.testing.assert_array_equal(s, [0, 0])
    np.testing.assert_array_equal(mx, [-np.inf, -np.inf])
    assert mean0.shape == (0,) and np.isnan(mall) and mn[0, 0] == np.inf


def test_reduce_rank0(target):
    A = te.placeholder((), "float32", name="A")
    I = te.placeholder((), "int32", name="I")
    outs = [topi.sum(A), topi.mean(A), topi.max(A, keepdims=True), topi.prod(I)]
    res = run_both([A, I] + outs, [np.array(2.5, "float32"), np.array(-3, "int32")], target)
    assert [float(r) for r in res] == [2.5, 2.5, 2.5, -3.0]
    assert all(r.shape == () for r in res)


def test_max_min_propagate_nan(target):
    A = te.placeholder((3, 5), "float32", name="A")
    MX, MN = topi.max(A, axis=1), topi.min(A, axis=1)
    a = np.arange(15, dtype="float32").reshape(3, 5)
    a[0, 2] = np.nan
    a[2, 4] = np.nan
    mx, mn = run_both([A, MX, MN], [a], target)
    np.testing.assert_array_equal(mx, np.max(a, axis=1))
    np.testing.assert_array_equal(mn, np.min(a, axis=1))
    assert np.isnan(mx[0]) and np.isnan(mn[2]) and mx[1] == 9


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reduce_ties(name, axis, keepdims, target, rng):
    A = te.placeholder((3, 7, 5), "int32", name="A")
    R = getattr(topi, name)(A, axis=axis, keepdims=keepdims)
    assert R.dtype == "int64"
    a = rng.integers(0, 3, (3, 7, 5)).astype("int32")   # ties everywhere: first index wins
    (out,) = run_both([A, R], [a], target)
    expect = getattr(np, name)(a, axis=axis)
    if keepdims:
        expect = np.expand_dims(expect, axis)
    np.testing.assert_array_equal(out, expect)


@pytest.mark.parametrize("dtype", FLOATS + INTS + ["bool"])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reduce_dtypes(name, dtype, target, rng):
    A = te.placeholder((4, 17), dtype, name="A")
    R = getattr(topi, name)(A, axis=1)
    a = make_input(rand(rng, (4, 17), "float32" if dtype == "bfloat16" else dtype, -9, 9),
                   dtype)
    (out,) = run_both([A, R], [a], target)
    np.testing.assert_array_equal(out, getattr(np, name)(values(a), axis=1))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_reduce_nan_wins(name, dtype, target):
    A = te.placeholder((4, 5), dtype, name="A")
    R = getattr(topi, name)(A, axis=1)
    a = np.array([[1, np.nan, 5, np.nan, -1],
                  [np.nan, 0, 0, 0, 0],
                  [3, 3, -3, -3, np.inf],
                  [0, 1, 2, 3, np.nan]], dtype)
    (out,) = run_both([A, R], [a], target)
    np.testing.assert_array_equal(out, getattr(np, name)(a, axis=1))   # 1, 0, ., 4


def test_arg_reduce_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "float64", name="A")
    R = topi.argmax(A, axis=0)
    S = topi.argmin(A, axis=1, keepdims=True)
    f = tvmc.build([A, R, S], target=target)
    for nv, mv in ((1, 1), (3, 7), (17, 2)):
        a = rng.uniform(-1, 1, (nv, mv))
        r, s = f.run(a)
        np.testing.assert_array_equal(r, a.argmax(0))
        np.testing.assert_array_equal(s, a.argmin(1)[:, None])


@pytest.mark.parametrize("axis", [(3,), (-4,), (0, 3), (1 << 20,)])
def test_reduce_axis_out_of_range(axis):
    A = te.placeholder((2, 3, 4), name="A")
    with pytest.raises(tvmc.InvalidArgumentError, match="out of range"):
        topi.sum(A, axis=axis)


@pytest.mark.parametrize("axis", [(0, 0), (1, -2), (0, 1, 2, 0)])
def test_reduce_duplicate_axes(axis):
    A = te.placeholder((2, 3, 4), name="A")
    with pytest.raises(tvmc.InvalidArgumentError, match="twice|naxes"):
        topi.max(A, axis=axis)


def test_reduce_dtype_errors():
    with tvmc.Graph():
        A = te.placeholder((3,), "int32", name="A")
        with pytest.raises(tvmc.DTypeError, match="mean"):
            topi.mean(A)
    with tvmc.Graph():
        B = te.placeholder((3,), "bool", name="B")
        with pytest.raises(tvmc.DTypeError, match="bool"):
            topi.sum(B)


def test_arg_reduce_needs_one_axis():
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="one axis"):
            topi.argmax(A, axis=(0, 1))
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="one axis"):
            topi.argmin(A, axis=None)


# ---------------------------------------------------------------------------
# softmax / log_softmax
# ---------------------------------------------------------------------------

def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax(axis, dtype, target, rng):
    A = te.placeholder((3, 7, 17), dtype, name="A")
    S, L = topi.softmax(A, axis=axis), topi.log_softmax(A, axis=axis)
    a = make_input(rng.uniform(-5, 5, (3, 7, 17)), dtype)
    s, l = run_both([A, S, L], [a], target)
    v = values(a)
    assert_close(s, _softmax(v, axis), dtype)
    r, at = TOL[dtype]
    assert_close(l, _log_softmax(v, axis), dtype, rtol=r, atol=at * 10)


def test_softmax_is_stable(target):
    A = te.placeholder((2, 3), "float32", name="A")
    S, L = topi.softmax(A), topi.log_softmax(A)
    a = np.array([[1000, 1001, 1002], [-1000, -1000, -1000]], "float32")
    s, l = run_both([A, S, L], [a], target)
    v = a.astype(np.float64)
    assert np.isfinite(s).all() and np.isfinite(l).all()
    assert_close(s, _softmax(v, -1), "float32")
    assert_close(l, _log_softmax(v, -1), "float32")


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_wide_rows_masked(axis, rng):
    """Rows long enough for the vectorised exp (1003: a remainder too), with
    attention-style masks (-1e9 and -inf entries, one row fully -inf) and
    spreads that push exp(x - max) into the subnormals: llvm and interp
    match numpy and each other (to the rounding of the reassociated row
    sums: the exps themselves are the same bits, see test_kernels)."""
    shape = (6, 1003) if axis == -1 else (1003, 6)
    a = rng.uniform(-20, 20, (6, 1003)).astype("float32")
    a[1, ::3] = -1e9
    a[2, 5:] = -np.inf
    a[3, :] = -np.inf
    a[4, ::2] -= 95.0  # exp(x - max) between ~1e-45 and ~1e-33
    a[5, :] = np.linspace(-110, 0, 1003)
    if axis == 0:
        a = np.ascontiguousarray(a.T)
    outs = {}
    for target in ("llvm", "interp"):
        with tvmc.Graph():
            A = te.placeholder(shape, "float32", name="A")
            S, L = topi.softmax(A, axis=axis), topi.log_softmax(A, axis=axis)
            outs[target] = tvmc.build([A, S, L], target=target).run(a)
    v = a.astype(np.float64)
    with np.errstate(invalid="ignore"):
        ref_s, ref_l = _softmax(v, axis), _log_softmax(v, axis)
    for target in ("llvm", "interp"):
        assert_close(outs[target][0], ref_s, "float32")
        assert_close(outs[target][1], ref_l, "float32")
    for k in range(2):
        assert_close(outs["llvm"][k], values(outs["interp"][k]), "float32", rtol=2e-6, atol=1e-12)


def test_softmax_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "float32", name="A")
    S = topi.softmax(A, axis=0)
    f = tvmc.build([A, S], target=target)
    for nv, mv in ((1, 1), (7, 3), (17, 1)):
        a = rng.uniform(-3, 3, (nv, mv)).astype("float32")
        assert_close(f.run(a), _softmax(a.astype(np.float64), 0), "float32")


def test_softmax_errors():
    with tvmc.Graph():
        A = te.placeholder((3, 4), "int32", name="A")
        with pytest.raises(tvmc.DTypeError, match="tvm_op_softmax"):
            topi.softmax(A)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="axis 2"):
            topi.log_softmax(A, axis=2)
    with tvmc.Graph():
        A = te.placeholder((), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="rank 0"):
            topi.softmax(A, axis=0)


# ---------------------------------------------------------------------------
# layer_norm, batch_norm, group_norm
# ---------------------------------------------------------------------------

def _layer_norm(x, axis, gamma=None, beta=None, eps=1e-5):
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_layer_norm(axis, dtype, target, rng):
    shape = (3, 7, 17)
    inner = shape[axis % 3:]
    A = te.placeholder(shape, dtype, name="A")
    G = te.placeholder(inner, dtype, name="G")
    B = te.placeholder(inner, dtype, name="B")
    Y = topi.layer_norm(A, G, B, axis=axis, epsilon=1e-3)
    Y0 = topi.layer_norm(A, axis=axis)
    a = make_input(rng.uniform(-3, 5, shape), dtype)
    g = make_input(rng.uniform(0.5, 2, inner), dtype)
    b = make_input(rng.uniform(-1, 1, inner), dtype)
    y, y0 = run_both([A, G, B, Y, Y0], [a, g, b], target)
    r, at = TOL[dtype]
    assert_close(y, _layer_norm(values(a), axis, values(g), values(b), 1e-3), dtype,
                 rtol=r, atol=at * 10)
    assert_close(y0, _layer_norm(values(a), axis), dtype, rtol=r, atol=at * 10)


def test_layer_norm_broadcast_params_and_large_mean(target, rng):
    A = te.placeholder((4, 3, 5), "float32", name="A")
    G = te.placeholder((1, 5), "float32", name="G")    # broadcasts to (3, 5)
    B = te.placeholder((), "float32", name="B")
    Y = topi.layer_norm(A, G, B, axis=1)
    # a large common offset: a one-pass E[x^2] - E[x]^2 variance would lose it
    a = (1000 + rng.uniform(-1, 1, (4, 3, 5))).astype("float32")
    g = rng.uniform(0.5, 2, (1, 5)).astype("float32")
    b = np.array(0.25, "float32")
    (y,) = run_both([A, G, B, Y], [a, g, b], target)
    assert_close(y, _layer_norm(a.astype(np.float64), 1, g, b), "float32", rtol=1e-3,
                 atol=1e-3)


def test_layer_norm_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "float32", name="A")
    G = te.placeholder((m,), "float32", name="G")
    Y = topi.layer_norm(A, G, None, axis=-1)
    f = tvmc.build([A, G, Y], target=target)
    for nv, mv in ((1, 3), (7, 17), (2, 1)):
        a = rng.uniform(-2, 2, (nv, mv)).astype("float32")
        g = rng.uniform(0.5, 2, mv).astype("float32")
        assert_close(f.run(a, g), _layer_norm(a.astype(np.float64), -1, g), "float32",
                     rtol=1e-4, atol=1e-4)


def test_layer_norm_errors():
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        G = te.placeholder((3,), name="G")
        with pytest.raises(tvmc.ShapeError, match="gamma"):
            topi.layer_norm(A, G, axis=-1)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        B = te.placeholder((4,), "float64", name="B")
        with pytest.raises(tvmc.DTypeError, match="beta"):
            topi.layer_norm(A, None, B)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="axis"):
            topi.layer_norm(A, axis=2)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="epsilon"):
            topi.layer_norm(A, epsilon=-1.0)
    with tvmc.Graph():
        A = te.placeholder((3, 4), "int32", name="A")
        with pytest.raises(tvmc.DTypeError, match="tvm_op_layer_norm"):
            topi.layer_norm(A)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 7), (1, 3, 5, 4)])
def test_batch_norm(shape, dtype, target, rng):
    c = shape[1]
    X = te.placeholder(shape, dtype, name="X")
    P = [te.placeholder((c,), dtype, name=nm) for nm in ("S", "B", "M", "V")]
    Y = topi.batch_norm(X, *P, epsilon=1e-3)
    x = make_input(rng.uniform(-3, 3, shape), dtype)
    s, b, m = (make_input(rng.uniform(lo, hi, c), dtype) for lo, hi in
               ((0.5, 2), (-1, 1), (-1, 1)))
    v = make_input(rng.uniform(0.1, 2, c), dtype)
    (y,) = run_both([X] + P + [Y], [x, s, b, m, v], target)
    bc = (1, c) + (1,) * (len(shape) - 2)
    xs, ss, bs, ms, vs = (values(t) for t in (x, s, b, m, v))
    expect = (xs - ms.reshape(bc)) / np.sqrt(vs.reshape(bc) + 1e-3) * ss.reshape(bc) + \
        bs.reshape(bc)
    r, at = TOL[dtype]
    assert_close(y, expect, dtype, rtol=r, atol=at * 10)


def test_batch_norm_symbolic_batch(target, rng):
    n, h = te.var("n"), te.var("h")
    X = te.placeholder((n, 3, h), name="X")
    P = [te.placeholder((3,), name=nm) for nm in ("S", "B", "M", "V")]
    Y = topi.batch_norm(X, *P)
    f = tvmc.build([X] + P + [Y], target=target)
    x = rng.uniform(-1, 1, (5, 3, 2)).astype("float32")
    s, b, m = (rng.uniform(-1, 1, 3).astype("float32") for _ in range(3))
    v = rng.uniform(0.5, 1, 3).astype("float32")
    y = f.run(x, s, b, m, v)
    expect = (x - m[:, None]) / np.sqrt(v[:, None] + 1e-5) * s[:, None] + b[:, None]
    assert_close(y, expect, "float32", rtol=1e-5, atol=1e-5)


def test_batch_norm_errors():
    with tvmc.Graph():
        X = te.placeholder((2, 3, 4), name="X")
        P = [te.placeholder((3,), name=nm) for nm in ("S", "B", "M")]
        V = te.placeholder((4,), name="V")
        with pytest.raises(tvmc.ShapeError, match="'var'"):
            topi.batch_norm(X, *P, V)
    with tvmc.Graph():
        X = te.placeholder((3,), name="X")
        P = [te.placeholder((3,), name=nm) for nm in ("S", "B", "M", "V")]
        with pytest.raises(tvmc.ShapeError, match="rank"):
            topi.batch_norm(X, *P)
    with tvmc.Graph():
        X = te.placeholder((2, 3), name="X")
        P = [te.placeholder((3,), name=nm) for nm in ("S", "B", "M")]
        V = te.placeholder((3,), "float64", name="V")
        with pytest.raises(tvmc.DTypeError, match="var"):
            topi.batch_norm(X, *P, V)


def _group_norm(x, groups, gamma=None, beta=None, eps=1e-5):
    n, c = x.shape[:2]
    xg = x.reshape((n, groups, -1))
    mean = xg.mean(axis=2, keepdims=True)
    var = ((xg - mean) ** 2).mean(axis=2, keepdims=True)
    y = ((xg - mean) / np.sqrt(var + eps)).reshape(x.shape)
    bc = (1, c) + (1,) * (x.ndim - 2)
    if gamma is not None:
        y = y * gamma.reshape(bc)
    if beta is not None:
        y = y + beta.reshape(bc)
    return y


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("groups", [1, 2, 3, 6])
def test_group_norm(groups, dtype, target, rng):
    shape = (2, 6, 5, 3)
    X = te.placeholder(shape, dtype, name="X")
    G = te.placeholder((6,), dtype, name="G")
    B = te.placeholder((6,), dtype, name="B")
    Y = topi.group_norm(X, G, B, num_groups=groups, epsilon=1e-3)
    Y0 = topi.group_norm(X, num_groups=groups)
    x = make_input(rng.uniform(-3, 3, shape), dtype)
    g = make_input(rng.uniform(0.5, 2, 6), dtype)
    b = make_input(rng.uniform(-1, 1, 6), dtype)
    y, y0 = run_both([X, G, B, Y, Y0], [x, g, b], target)
    r, at = TOL[dtype]
    assert_close(y, _group_norm(values(x), groups, values(g), values(b), 1e-3), dtype,
                 rtol=r, atol=at * 10)
    assert_close(y0, _group_norm(values(x), groups), dtype, rtol=r, atol=at * 10)


def test_group_norm_rank2_and_symbolic(target, rng):
    n, h = te.var("n"), te.var("h")
    X = te.placeholder((n, 4, h), name="X")
    Y = topi.group_norm(X, num_groups=2)
    X2 = te.placeholder((3, 4), name="X2")
    Y2 = topi.group_norm(X2, num_groups=4)     # one channel per group: each value alone
    f = tvmc.build([X, X2, Y, Y2], target=target)
    x = rng.uniform(-1, 1, (3, 4, 7)).astype("float32")
    x2 = rng.uniform(-1, 1, (3, 4)).astype("float32")
    y, y2 = f.run(x, x2)
    assert_close(y, _group_norm(x.astype(np.float64), 2), "float32", rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(y2, np.zeros((3, 4), "float32"))


def test_group_norm_errors():
    with tvmc.Graph():
        X = te.placeholder((2, 6, 3), name="X")
        with pytest.raises(tvmc.InvalidArgumentError, match="groups"):
            topi.group_norm(X, num_groups=4)
    with tvmc.Graph():
        X = te.placeholder((2, 6, 3), name="X")
        with pytest.raises(tvmc.InvalidArgumentError, match="groups"):
            topi.group_norm(X, num_groups=0)
    with tvmc.Graph():
        c = te.var("c")
        X = te.placeholder((2, c, 3), name="X")
        with pytest.raises(tvmc.ShapeError, match="constant"):
            topi.group_norm(X, num_groups=1)
    with tvmc.Graph():
        X = te.placeholder((2, 6, 3), name="X")
        G = te.placeholder((3,), name="G")
        with pytest.raises(tvmc.ShapeError, match="gamma|scale"):
            topi.group_norm(X, G, num_groups=3)
    with tvmc.Graph():
        X = te.placeholder((2, 6), "float16", name="X")
        B = te.placeholder((6,), "float32", name="B")
        with pytest.raises(tvmc.DTypeError, match="bias|beta"):
            topi.group_norm(X, None, B, num_groups=3)


def test_norms_are_plain_computes():
    """Each statistic is its own compute with one reduction, so the fusion
    pass sees ordinary computes."""
    A = te.placeholder((3, 7), name="A")
    topi.softmax(A)
    topi.layer_norm(A)
    text = tvmc.current_graph().text()
    for name in ("softmax_max", "softmax_sum", "layer_norm_sum", "layer_norm_sqsum"):
        assert "compute %s" % name in text


def test_norm_chain(target, rng):
    """Normalisers on operator results and feeding each other (the shapes a
    transformer block or a conv net produce), fused and unfused."""
    n = te.var("n")
    X = te.placeholder((n, 4, 6), name="X")
    G = te.placeholder((6,), name="G")
    H = topi.gelu(topi.layer_norm(X, G, None, axis=-1))
    P = topi.softmax(topi.add(H, X), axis=1)
    Q = topi.relu(topi.group_norm(topi.subtract(P, topi.mean(P, axis=2, keepdims=True)),
                                  num_groups=2))
    A = topi.argmax(Q, axis=-1)
    x = rng.uniform(-2, 2, (3, 4, 6)).astype("float32")
    g = rng.uniform(0.5, 1.5, 6).astype("float32")
    h, p, q, a = run_both([X, G, H, P, Q, A], [x, g], target)
    xv = x.astype(np.float64)
    ln = _layer_norm(xv, -1, g)
    hv = ln / 2 * (1 + np_erf(ln / np.sqrt(2)))
    pv = _softmax(hv + xv, 1)
    qv = np.maximum(_group_norm(pv - pv.mean(axis=2, keepdims=True), 2), 0)
    assert_close(h, hv, "float32", rtol=1e-4, atol=1e-5)
    assert_close(p, pv, "float32", rtol=1e-4, atol=1e-5)
    assert_close(q, qv, "float32", rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(a, q.argmax(axis=-1))
