"""Reductions over 1-3 axes, where=, matmul, softmax, elementwise te.max/te.min."""

import numpy as np
import pytest

import tvmc
from tvmc import te
from conftest import rand

REDUCERS = [("sum", te.sum, np.sum), ("prod", te.prod, np.prod), ("max", te.max, np.max),
            ("min", te.min, np.min)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("name,red,ref", REDUCERS, ids=[r[0] for r in REDUCERS])
def test_reduce_last_axis(name, red, ref, dtype, target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), dtype, name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: red(A[i, k], axis=k), name="B")
    f = tvmc.build([A, B], target=target)
    lo, hi = (-3, 3) if name == "prod" else (-50, 50)
    a = rand(rng, (5, 7), dtype, lo, hi)
    if name == "prod" and dtype.startswith("float"):
        a = rng.uniform(0.5, 1.5, (5, 7)).astype(dtype)
    out = f.run(a)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, ref(a, axis=1).astype(dtype), rtol=1e-5)


@pytest.mark.parametrize("name,red,ref", REDUCERS, ids=[r[0] for r in REDUCERS])
def test_reduce_two_and_three_axes(name, red, ref, target, rng):
    n, m, p = te.var("n"), te.var("m"), te.var("p")
    A = te.placeholder((n, m, p), name="A")
    j = te.reduce_axis((0, m), name="j")
    k = te.reduce_axis((0, p), name="k")
    B = te.compute((n,), lambda i: red(A[i, j, k], axis=[j, k]), name="B")
    a = rng.uniform(0.8, 1.2, (3, 4, 5)).astype("float32")
    f = tvmc.build([A, B], target=target)
    np.testing.assert_allclose(f.run(a), ref(a, axis=(1, 2)), rtol=1e-5)
    # all three axes: a 0-d result
    i2 = te.reduce_axis((0, n), name="i2")
    j2 = te.reduce_axis((0, m), name="j2")
    k2 = te.reduce_axis((0, p), name="k2")
    C = te.compute((), lambda: red(A[i2, j2, k2], axis=(i2, j2, k2)), name="C")
    g = tvmc.build([A, C], target=target)
    out = g.run(a)
    assert out.shape == ()
    np.testing.assert_allclose(out, ref(a), rtol=1e-5)


def test_reduce_where(target, rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    k = te.reduce_axis((0, n), name="k")
    S = te.compute((), lambda: te.sum(A[k], axis=k, where=A[k] > 0.0), name="S")
    M = te.compute((), lambda: te.max(A[k], axis=k, where=A[k] < 0.0), name="M")
    f = tvmc.build([A, S, M], target=target)
    a = rng.uniform(-1, 1, 33).astype("float32")
    s, m = f.run(a)
    np.testing.assert_allclose(s, a[a > 0].sum(), rtol=1e-5)
    np.testing.assert_allclose(m, a[a < 0].max())


def test_empty_reduction_is_identity(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    I = te.placeholder((n,), "int32", name="I")
    outs = []
    for red in (te.sum, te.prod, te.min, te.max):
        k = te.reduce_axis((0, n), name="k")
        outs.append(te.compute((), lambda: red(A[k], axis=k), name="F" + red.__name__))
    for red in (te.min, te.max):
        k = te.reduce_axis((0, n), name="k")
        outs.append(te.compute((), lambda: red(I[k], axis=k), name="I" + red.__name__))
    f = tvmc.build([A, I] + outs, target=target)
    res = f.run(np.zeros(0, "float32"), np.zeros(0, "int32"))
    assert [float(r) for r in res[:4]] == [0.0, 1.0, np.inf, -np.inf]
    assert int(res[4]) == np.iinfo(np.int32).max and int(res[5]) == np.iinfo(np.int32).min


def test_elementwise_max_min(target, rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.min(te.max(A[i], -1.0), 1.0), name="B")
    a = rng.uniform(-3, 3, 20).astype("float32")
    np.testing.assert_array_equal(tvmc.build([A, B], target=target).run(a), np.clip(a, -1, 1))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_matmul(dtype, target, rng):
    n, m, p = te.var("n"), te.var("m"), te.var("p")
    A = te.placeholder((n, p), dtype, name="A")
    B = te.placeholder((p, m), dtype, name="B")
    k = te.reduce_axis((0, p), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    f = tvmc.build([A, B, C], target=target)
    for shape in [(4, 5, 6), (17, 3, 33), (1, 1, 1)]:
        a = rand(rng, shape[:2], dtype)
        b = rand(rng, shape[1:], dtype)
        out = f.run(a, b)
        np.testing.assert_allclose(out, a @ b, rtol=1e-5)
        c = np.empty((shape[0], shape[2]), dtype)
        f(a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_matmul_bias_relu_fused(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 16), name="A")
    W = te.placeholder((16, 8), name="W")
    b = te.placeholder((8,), name="b")
    k = te.reduce_axis((0, 16), name="k")
    Y = te.compute((n, 8), lambda i, j: te.max(te.sum(A[i, k] * W[k, j], axis=k) + b[j], 0.0),
                   name="Y")
    f = tvmc.build([A, W, b, Y], target=target)
    a = rng.standard_normal((9, 16)).astype("float32")
    w = rng.standard_normal((16, 8)).astype("float32")
    bb = rng.standard_normal(8).astype("float32")
    np.testing.assert_allclose(f.run(a, w, bb), np.maximum(a @ w + bb, 0), rtol=1e-4, atol=1e-5)


def softmax_fn(target):
    n, m = te.var("n"), te.var("m")
    X = te.placeholder((n, m), name="X")
    k1 = te.reduce_axis((0, m), name="k1")
    mx = te.compute((n,), lambda i: te.max(X[i, k1], axis=k1), name="mx")
    E = te.compute((n, m), lambda i, j: te.exp(X[i, j] - mx[i]), name="E")
    k2 = te.reduce_axis((0, m), name="k2")
    S = te.compute((n,), lambda i: te.sum(E[i, k2], axis=k2), name="S")
    Y = te.compute((n, m), lambda i, j: E[i, j] / S[i], name="Y")
    return tvmc.build([X, Y], target=target)


def ref_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax(target, rng):
    f = softmax_fn(target)
    for shape in [(4, 10), (3, 1000), (1, 1)]:
        x = (rng.standard_normal(shape) * 5).astype("float32")
        y = f.run(x)
        np.testing.assert_allclose(y, ref_softmax(x), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(y.sum(axis=1), 1, rtol=1e-5)


def test_no_inline_gives_same_result(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    C = te.compute((n,), lambda i: B[i] + 1.0, name="C")
    a = rng.standard_normal(50).astype("float32")
    for kw in ({"inline": False}, {"opt_level": 0}, {"opt_level": 1}, {"opt_level": 2},
               {"cache": False}):
        np.testing.assert_array_equal(tvmc.build([A, C], **kw).run(a), a * 2 + 1)


def test_reduction_deterministic(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    k = te.reduce_axis((0, n), name="k")
    S = te.compute((), lambda: te.sum(A[k], axis=k), name="S")
    f = tvmc.build([A, S])
    a = rng.standard_normal(100003).astype("float32")
    first = f.run(a)
    for _ in range(3):
        assert f.run(a).tobytes() == first.tobytes()
    np.testing.assert_allclose(first, a.astype(np.float64).sum(), rtol=1e-4)
