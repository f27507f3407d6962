"""Elementwise operators, literals, comparisons, logic, select and casts vs numpy."""

import operator

import numpy as np
import pytest

import tvmc
from tvmc import te
from conftest import rand


def binary_fn(op, dtype, target, dtype_b=None):
    n = te.var("n")
    A = te.placeholder((n,), dtype, name="A")
    B = te.placeholder((n,), dtype_b or dtype, name="B")
    C = te.compute((n,), lambda i: op(A[i], B[i]), name="C")
    return tvmc.build([A, B, C], target=target)


def unary_fn(op, dtype, target):
    n = te.var("n")
    A = te.placeholder((n,), dtype, name="A")
    C = te.compute((n,), lambda i: op(A[i]), name="C")
    return tvmc.build([A, C], target=target)


def trunc_div(a, b):
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    safe = np.where(b64 == 0, 1, b64)
    q = np.abs(a64) // np.abs(safe) * np.sign(a64) * np.sign(safe)
    return np.where(b64 == 0, 0, q).astype(a.dtype)


def trunc_mod(a, b):
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    return np.where(b64 == 0, 0, a64 - trunc_div(a64, b64) * b64).astype(a.dtype)


def floor_div(a, b):
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0, np.floor_divide(a, safe)).astype(a.dtype)


def floor_mod(a, b):
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0, np.mod(a, safe)).astype(a.dtype)


FLOAT_OPS = [
    ("add", operator.add, np.add),
    ("sub", operator.sub, np.subtract),
    ("mul", operator.mul, np.multiply),
    ("truediv", operator.truediv, np.divide),
    ("floordiv", operator.floordiv, np.floor_divide),
    ("mod", operator.mod, np.mod),
    ("pow", operator.pow, np.power),
    ("min", te.min, np.minimum),
    ("max", te.max, np.maximum),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,op,ref", FLOAT_OPS, ids=[o[0] for o in FLOAT_OPS])
def test_float_binary(name, op, ref, dtype, target, rng):
    a = rand(rng, 37, dtype)
    b = rand(rng, 37, dtype)
    if name == "pow":
        a = np.abs(a) + 0.5
        b = b / 4
    if name in ("truediv", "floordiv", "mod"):
        b = np.where(np.abs(b) < 0.5, 1.5, b).astype(dtype)
    f = binary_fn(op, dtype, target)
    out = f.run(a, b)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, ref(a, b), rtol=1e-5 if dtype == "float32" else 1e-12,
                               atol=1e-5)


INT_OPS = [
    ("add", operator.add, lambda a, b: a + b),
    ("sub", operator.sub, lambda a, b: a - b),
    ("mul", operator.mul, lambda a, b: a * b),
    ("truediv_is_trunc", operator.truediv, trunc_div),
    ("floordiv", operator.floordiv, floor_div),
    ("mod_is_floormod", operator.mod, floor_mod),
    ("truncdiv", te.truncdiv, trunc_div),
    ("truncmod", te.truncmod, trunc_mod),
    ("floormod", te.floormod, floor_mod),
    ("min", te.min, np.minimum),
    ("max", te.max, np.maximum),
]


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
@pytest.mark.parametrize("name,op,ref", INT_OPS, ids=[o[0] for o in INT_OPS])
def test_int_binary(name, op, ref, dtype, target, rng):
    a = rand(rng, 64, dtype, -50, 50)
    b = rand(rng, 64, dtype, -7, 7)          # includes zeros: x / 0 == 0
    b[:4] = [0, 1, -1, 3]
    a[:4] = [5, -7, -7, -7]
    f = binary_fn(op, dtype, target)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(f.run(a, b), ref(a, b))


def test_int_wraps_and_never_traps(target):
    f = binary_fn(operator.add, "int8", target)
    np.testing.assert_array_equal(f.run(np.array([127, -128], "int8"), np.array([1, -1], "int8")),
                                  np.array([-128, 127], "int8"))
    g = binary_fn(operator.truediv, "int32", target)
    imin = np.iinfo(np.int32).min
    out = g.run(np.array([imin, 9], "int32"), np.array([-1, 0], "int32"))
    np.testing.assert_array_equal(out, [imin, 0])
    h = binary_fn(te.truncmod, "int32", target)
    np.testing.assert_array_equal(h.run(np.array([imin], "int32"), np.array([-1], "int32")), [0])


COMPARE = [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt), ("ge", operator.ge),
           ("eq", operator.eq), ("ne", operator.ne)]


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name,op", COMPARE, ids=[c[0] for c in COMPARE])
def test_comparisons(name, op, dtype, target, rng):
    a = rand(rng, 50, dtype, 0, 3)
    b = rand(rng, 50, dtype, 0, 3)
    f = binary_fn(op, dtype, target)
    out = f.run(a, b)
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out, op(a, b))


def test_logic(target, rng):
    a = rand(rng, 40, "bool")
    b = rand(rng, 40, "bool")
    for op, ref in [(operator.and_, np.logical_and), (operator.or_, np.logical_or),
                    (operator.xor, np.logical_xor)]:
        np.testing.assert_array_equal(binary_fn(op, "bool", target).run(a, b), ref(a, b))
    np.testing.assert_array_equal(unary_fn(operator.invert, "bool", target).run(a), ~a)
    n = te.var("n")
    A = te.placeholder((n,), "bool", name="A")
    B = te.placeholder((n,), "bool", name="B")
    C = te.compute((n,), lambda i: te.all(A[i], B[i], ~A[i]) | te.any(A[i], B[i]), name="C")
    np.testing.assert_array_equal(tvmc.build([A, B, C], target=target).run(a, b), a | b)


def test_logic_with_literals(target, rng):
    a = rand(rng, 10, "bool")
    n = te.var("n")
    A = te.placeholder((n,), "bool", name="A")
    C = te.compute((n,), lambda i: (A[i] & True) | False, name="C")
    np.testing.assert_array_equal(tvmc.build([A, C], target=target).run(a), a)


def test_select_guarded_read(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    # A[i - 1] is never read for i == 0, so no bounds error
    B = te.compute((n,), lambda i: te.if_then_else(i > 0, A[i - 1], -1.0), name="B")
    f = tvmc.build([A, B], target=target)
    a = np.arange(5, dtype="float32")
    np.testing.assert_array_equal(f.run(a), [-1, 0, 1, 2, 3])


def test_select_both_literals(target):
    n = te.var("n")
    A = te.placeholder((n,), "int32", name="A")
    B = te.compute((n,), lambda i: te.if_then_else(A[i] > 0, 1.5, 2.5), name="B")
    f = tvmc.build([A, B], target=target)
    out = f.run(np.array([1, -1, 0], "int32"))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.5, 2.5, 2.5])


def test_unary_minus_abs(target, rng):
    for dtype in ("float32", "int32", "int16"):
        a = rand(rng, 30, dtype)
        np.testing.assert_array_equal(unary_fn(operator.neg, dtype, target).run(a), -a)
        np.testing.assert_array_equal(unary_fn(abs, dtype, target).run(a), np.abs(a))
        np.testing.assert_array_equal(unary_fn(te.abs, dtype, target).run(a), np.abs(a))
        np.testing.assert_array_equal(unary_fn(lambda x: +x, dtype, target).run(a), a)


REFLECTED = [
    ("radd", lambda x: 3 + x, lambda a: 3 + a),
    ("rsub", lambda x: 3 - x, lambda a: 3 - a),
    ("rmul", lambda x: 3 * x, lambda a: 3 * a),
    ("rtruediv", lambda x: 3 / x, lambda a: 3 / a),
    ("rfloordiv", lambda x: 7 // x, lambda a: np.floor_divide(7, a)),
    ("rmod", lambda x: 7 % x, lambda a: np.mod(7, a)),
    ("rpow", lambda x: 2 ** x, lambda a: np.power(2, a)),
    ("add_float_lit", lambda x: x + 0.25, lambda a: a + 0.25),
    ("mul_int_lit", lambda x: x * 2, lambda a: a * 2),
]


@pytest.mark.parametrize("name,op,ref", REFLECTED, ids=[r[0] for r in REFLECTED])
def test_float_literals_and_reflected(name, op, ref, target):
    a = np.array([0.5, 1.5, -2.5, 4.0, 3.0], "float32")
    np.testing.assert_allclose(unary_fn(op, "float32", target).run(a),
                               ref(a).astype("float32"), rtol=1e-6)


def test_int_literals_and_reflected(target):
    a = np.array([1, -2, 3, 7, -9], "int64")
    f = unary_fn(lambda x: (10 - x) * 2 + 7 // x - 7 % x + x * 3.0, "int64", target)
    np.testing.assert_array_equal(f.run(a), (10 - a) * 2 + 7 // a - 7 % a + a * 3)
    g = unary_fn(lambda x: te.if_then_else(x < 0, 0, x), "int64", target)
    np.testing.assert_array_equal(g.run(a), np.maximum(a, 0))


def test_uint8_arithmetic_wraps(target):
    a = np.array([250, 3, 0], "uint8")
    f = unary_fn(lambda x: x + 10, "uint8", target)
    np.testing.assert_array_equal(f.run(a), (a + np.uint8(10)).astype("uint8"))


CASTS = [
    ("float32", "int32"), ("float32", "int8"), ("float32", "uint8"), ("float64", "int64"),
    ("int32", "float32"), ("int64", "float64"), ("int8", "int32"), ("int32", "int8"),
    ("float32", "bool"), ("int32", "bool"), ("bool", "float32"), ("bool", "int32"),
    ("float32", "float16"), ("float16", "float64"), ("float64", "float32"), ("uint8", "int8"),
]


def ref_cast(a, to):
    to = np.dtype(to)
    if to == np.bool_:
        return a != 0
    if a.dtype.kind == "f" and to.kind in "iu":
        info = np.iinfo(to)
        x = np.nan_to_num(a.astype(np.float64), nan=0.0)
        x = np.trunc(x)
        hi, lo = float(info.max) + 1.0, float(info.min)   # exact powers of two
        inner = np.where((x < hi) & (x >= lo), x, 0).astype(to)
        return np.where(x >= hi, info.max, np.where(x < lo, info.min, inner)).astype(to)
    return a.astype(to)


@pytest.mark.parametrize("src,dst", CASTS, ids=["%s-%s" % c for c in CASTS])
def test_cast(src, dst, target):
    if np.dtype(src).kind == "f":
        with np.errstate(over="ignore"):
            a = np.array([0.0, 1.7, -1.7, 300.5, -300.5, 1e20, -1e20, np.nan, 2.5],
                         src)
    elif src == "bool":
        a = np.array([True, False, True])
    else:
        a = np.array([0, 1, -1, 100, -100, 127, -128, 5], src) if src != "uint8" else \
            np.array([0, 1, 127, 128, 255], src)
    f1 = unary_fn(lambda x: te.cast(x, dst), src, target)
    f2 = unary_fn(lambda x: x.astype(dst), src, target)
    with np.errstate(all="ignore"):
        want = ref_cast(a, dst)
    for f in (f1, f2):
        out = f.run(a)
        assert out.dtype == np.dtype(dst)
        np.testing.assert_array_equal(out, want)


def test_cast_same_dtype_is_identity():
    x = te.var("n")
    assert x.astype("int64") is x


def test_const(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    C = te.compute((n,), lambda i: A[i] * te.const(2, "float32") + te.const(1.5), name="C")
    np.testing.assert_array_equal(tvmc.build([A, C], target=target).run(
        np.array([1, 2], "float32")), [3.5, 5.5])
    assert te.const(1).dtype == "int32"
    assert te.const(2**40).dtype == "int64"
    assert te.const(1.0).dtype == "float32"
    assert te.const(True).dtype == "bool"
    assert te.const(3, "uint8").value == 3
    assert te.const(np.float64(2.0)).dtype == "float64"


def test_compute_returning_literal(target):
    D = te.compute((3,), lambda i: 7, name="D")
    out = tvmc.build([D], target=target).run()
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [7, 7, 7])


def test_index_arithmetic_and_iter_var_in_body(target):
    n = te.var("n")
    C = te.compute((n,), lambda i: (i * 3 + 1).astype("float32"), name="C")
    A = te.placeholder((n,), name="A")
    D = te.compute((n,), lambda i: A[i] + C[i], name="D")
    f = tvmc.build([A, D], target=target)
    np.testing.assert_array_equal(f.run(np.ones(4, "float32")), [2, 5, 8, 11])


def test_multiple_outputs(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    C = te.compute((n,), lambda i: B[i] + 1.0, name="C")
    f = tvmc.build([A, B, C], target=target)
    a = np.arange(4, dtype="float32")
    b, c = f.run(a)
    np.testing.assert_array_equal(b, a * 2)
    np.testing.assert_array_equal(c, a * 2 + 1)
    b2, c2 = np.empty(4, "float32"), np.empty(4, "float32")
    f(a, b2, c2)
    np.testing.assert_array_equal(c2, c)
