"""Math functions vs numpy, for float32, float64 and float16 (computed in float32)."""

import math

import numpy as np
import pytest

import tvmc
from tvmc import te


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


# name, te function, numpy reference, input domain
MATH = [
    ("exp", te.exp, np.exp, (-20, 20)),
    ("log", te.log, np.log, (1e-3, 100)),
    ("sqrt", te.sqrt, np.sqrt, (0, 100)),
    ("rsqrt", te.rsqrt, lambda x: 1 / np.sqrt(x), (1e-2, 100)),
    ("tanh", te.tanh, np.tanh, (-10, 10)),
    ("sigmoid", te.sigmoid, lambda x: 1 / (1 + np.exp(-x)), (-20, 20)),
    ("erf", te.erf, _erf, (-4, 4)),
    ("abs", te.abs, np.abs, (-10, 10)),
    ("floor", te.floor, np.floor, (-10, 10)),
    ("ceil", te.ceil, np.ceil, (-10, 10)),
]

TOL = {"float64": 1e-12, "float32": 2e-6, "float16": 2e-3}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name,fn,ref,dom", MATH, ids=[m[0] for m in MATH])
def test_math(name, fn, ref, dom, dtype, target, rng):
    n = te.var("n")
    A = te.placeholder((n,), dtype, name="A")
    B = te.compute((n,), lambda i: fn(A[i]), name="B")
    f = tvmc.build([A, B], target=target)
    a = rng.uniform(*dom, size=101).astype(dtype)
    out = f.run(a)
    assert out.dtype == np.dtype(dtype)
    want = ref(a.astype(np.float64))
    if dtype == "float16":   # stored (rounded) as float16: overflow gives inf
        with np.errstate(over="ignore"):
            want = want.astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(out.astype(np.float64), want, rtol=TOL[dtype],
                               atol=TOL[dtype] * 1e-3 if name != "erf" else TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pow(dtype, target, rng):
    n = te.var("n")
    A = te.placeholder((n,), dtype, name="A")
    B = te.placeholder((n,), dtype, name="B")
    C = te.compute((n,), lambda i: te.pow(A[i], B[i]) + A[i] ** 2.0 + te.power(2.0, B[i]),
                   name="C")
    f = tvmc.build([A, B, C], target=target)
    a = rng.uniform(0.1, 5, 50).astype(dtype)
    b = rng.uniform(-3, 3, 50).astype(dtype)
    want = np.power(a, b) + a ** 2 + np.power(2.0, b)
    np.testing.assert_allclose(f.run(a, b), want, rtol=TOL[dtype] * 4)


def test_math_special_values(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.exp(A[i]) + te.sqrt(A[i]), name="B")
    C = te.compute((n,), lambda i: te.max(A[i], 0.0), name="C")
    f = tvmc.build([A, B, C], target=target)
    with np.errstate(all="ignore"):
        a = np.array([np.inf, -1.0, np.nan, 0.0], "float32")
        b, c = f.run(a)
        np.testing.assert_array_equal(b, np.exp(a) + np.sqrt(a))
    np.testing.assert_array_equal(c, np.maximum(a, 0))   # NaN propagates like numpy


def test_fast_math_builds_and_runs(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.exp(A[i]) * 2.0 + A[i], name="B")
    f = tvmc.build([A, B], fast_math=True)
    a = rng.uniform(-3, 3, 64).astype("float32")
    np.testing.assert_allclose(f.run(a), np.exp(a) * 2 + a, rtol=1e-3)
