"""Every dtype numpy shares with tvmc, plus bfloat16 through tvmc.nd."""

import numpy as np
import pytest

import tvmc
from tvmc import te
from conftest import rand

NUMPY_DTYPES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8",
                "bool"]


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_roundtrip_and_arith(dtype, target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), dtype, name="A")
    B = te.placeholder((n, m), dtype, name="B")
    Copy = te.compute((n, m), lambda i, j: A[i, j], name="Copy")
    if dtype == "bool":
        Op = te.compute((n, m), lambda i, j: A[i, j] & ~B[i, j], name="Op")
        ref = lambda a, b: a & ~b  # noqa: E731
    else:
        Op = te.compute((n, m), lambda i, j: te.max(A[i, j], B[i, j]) + A[i, j] * 1, name="Op")
        ref = lambda a, b: np.maximum(a, b) + a  # noqa: E731
    Cmp = te.compute((n, m), lambda i, j: A[i, j] <= B[i, j], name="Cmp")
    f = tvmc.build([A, B, Copy, Op, Cmp], target=target)
    assert f.arg_dtypes == (dtype,) * 4 + ("bool",)
    a = rand(rng, (4, 9), dtype, -20, 20)
    b = rand(rng, (4, 9), dtype, -20, 20)
    copy, op, cmp = f.run(a, b)
    for x in (copy, op):
        assert x.dtype == np.dtype(dtype) and x.shape == (4, 9)
    np.testing.assert_array_equal(copy, a)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(op, ref(a, b).astype(dtype))
    np.testing.assert_array_equal(cmp, a <= b)


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_sum_reduction_per_dtype(dtype, target, rng):
    n = te.var("n")
    A = te.placeholder((n,), dtype, name="A")
    k = te.reduce_axis((0, n), name="k")
    if dtype == "bool":   # bool is not a number: count by casting
        S = te.compute((), lambda: te.sum(A[k].astype("int32"), axis=k), name="S")
    else:
        S = te.compute((), lambda: te.sum(A[k], axis=k), name="S")
    a = rand(rng, 10, dtype, 0, 5)
    out = tvmc.build([A, S], target=target).run(a)
    if dtype == "bool":
        assert out.dtype == np.int32 and out == a.sum()
        return
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, a.sum(dtype=a.dtype), rtol=1e-3)


def test_float16_rounds_to_nearest_even(target):
    n = te.var("n")
    A = te.placeholder((n,), "float32", name="A")
    H = te.compute((n,), lambda i: A[i].astype("float16"), name="H")
    f = tvmc.build([A, H], target=target)
    a = np.array([1.0 + 2**-11, 1.0 + 3 * 2**-11, 65520.0, 1e-8, -0.0], "float32")
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(f.run(a), a.astype(np.float16))


def test_bfloat16_through_nd(target):
    n = te.var("n")
    A = te.placeholder((n,), "bfloat16", name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0 + 1.0, name="B")
    F = te.compute((n,), lambda i: A[i].astype("float32"), name="F")
    f = tvmc.build([A, B, F], target=target)
    vals = np.array([1.0, -2.5, 3.140625, 1e30], "float32")
    a = tvmc.nd.array(vals, dtype="bfloat16")
    assert a.dtype == "bfloat16" and a.storage.dtype == np.uint16
    b, fl = f.run(a)
    assert isinstance(b, tvmc.nd.NDArray) and b.dtype == "bfloat16"
    np.testing.assert_array_equal(fl, np.asarray(a))
    np.testing.assert_allclose(b.numpy(), np.asarray(a) * 2 + 1, rtol=2**-7)
    out = tvmc.nd.empty((4,), "bfloat16")
    out2 = np.empty(4, "float32")
    f(a, out, out2)
    np.testing.assert_array_equal(out.storage, b.storage)
    with pytest.raises(TypeError, match="bfloat16"):
        f(np.zeros(4, np.uint16), out, out2)


def test_nd_array_roundtrip():
    x = np.arange(6, dtype="int16").reshape(2, 3)
    a = tvmc.nd.array(x)
    assert a.dtype == "int16" and a.shape == (2, 3) and a.ndim == 2 and a.size == 6
    np.testing.assert_array_equal(a.numpy(), x)
    assert np.asarray(a).base is not None or np.shares_memory(np.asarray(a), a.storage)
    e = tvmc.nd.empty((3,), "float32").copyfrom([1, 2, 3])
    np.testing.assert_array_equal(e.asnumpy(), [1, 2, 3])
    np.testing.assert_array_equal(np.from_dlpack(e), [1, 2, 3])
    bf = tvmc.nd.array([1.0, np.nan, 3.0], "bfloat16")
    assert np.isnan(bf.numpy()[1]) and bf.numpy()[2] == 3.0
    assert "bfloat16" in repr(bf)


def test_dtype_spellings():
    for spec in ("float32", np.float32, np.dtype("float32"), "float"):
        assert te.placeholder((2,), spec).dtype == "float32"
    assert te.placeholder((2,), bool).dtype == "bool"
    assert te.placeholder((2,), np.int8).dtype == "int8"
    with pytest.raises(tvmc.DTypeError):
        te.placeholder((2,), "complex64")
    with pytest.raises(TypeError):
        te.placeholder((2,), np.dtype(">f4"))
    assert set(tvmc.DTYPES) == set(NUMPY_DTYPES) | {"bfloat16"}
