"""Elementwise operators of the operator library (topi.add ... topi.cast)
against numpy: every dtype, broadcasting corners, symbolic shapes, NaN, and
the error paths. Every build is checked fused and unfused (op_check)."""

import numpy as np
import pytest

import tvmc
from tvmc import te, topi
from conftest import rand
from op_check import (FLOATS, INTS, TOL, as_dtype, assert_close, make_input, np_erf, run_both,
                      values)


def _np_floor_mod(a, b):
    return a - np.floor(a / b) * b


# name -> (float64 reference, input range for a, range for b)
FLOAT_BINARY = {
    "add": (np.add, (-10, 10), (-10, 10)),
    "subtract": (np.subtract, (-10, 10), (-10, 10)),
    "multiply": (np.multiply, (-10, 10), (-10, 10)),
    "divide": (np.divide, (-10, 10), (0.5, 4)),
    "power": (np.power, (0.1, 4), (-2, 2)),
    "minimum": (np.minimum, (-10, 10), (-10, 10)),
    "maximum": (np.maximum, (-10, 10), (-10, 10)),
    "mod": (np.fmod, (-10, 10), (0.5, 4)),
    "floor_mod": (_np_floor_mod, (-10, 10), (0.5, 4)),
    "floor_divide": (lambda a, b: np.floor(a / b), (-10, 10), (0.5, 4)),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(FLOAT_BINARY))
def test_binary_float(name, dtype, target, rng):
    ref, ra, rb = FLOAT_BINARY[name]
    A = te.placeholder((3, 1, 7), dtype, name="A")
    B = te.placeholder((5, 1), dtype, name="B")
    C = getattr(topi, name)(A, B)
    assert C.shape == (3, 5, 7) and C.dtype == dtype
    a = make_input(rng.uniform(*ra, (3, 1, 7)), dtype)
    b = make_input(rng.uniform(*rb, (5, 1)), dtype)
    if name in ("divide", "mod", "floor_mod", "floor_divide"):
        b = make_input(values(b) * np.where(rng.random((5, 1)) < 0.5, -1, 1), dtype)
    (out,) = run_both([A, B, C], [a, b], target)
    expect = ref(values(a), values(b))
    rtol, atol = TOL[dtype]
    if name in ("mod", "floor_mod"):
        # a - floor(a/b)*b loses up to an ulp of a, not of the (small) result
        atol = 10 * rtol
    assert_close(out, expect, dtype, atol=atol)


def _int_ref(name, a, b):
    a, b = a.astype(np.int64), b.astype(np.int64)
    safe = np.where(b == 0, 1, b)
    q = np.fix(a / safe).astype(np.int64)        # C truncation (small values: exact)
    fq = np.floor_divide(a, safe)
    r = {"add": a + b, "subtract": a - b, "multiply": a * b, "divide": q,
         "mod": a - q * safe, "floor_divide": fq, "floor_mod": a - fq * safe,
         "minimum": np.minimum(a, b), "maximum": np.maximum(a, b)}[name]
    if name in ("divide", "mod", "floor_divide", "floor_mod"):
        r = np.where(b == 0, 0, r)               # division by zero yields 0
    return r


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "mod", "floor_mod",
                                  "floor_divide", "minimum", "maximum"])
def test_binary_int(name, dtype, target, rng):
    A = te.placeholder((17,), dtype, name="A")
    B = te.placeholder((3, 1), dtype, name="B")
    C = getattr(topi, name)(A, B)
    lo = 0 if dtype == "uint8" else -100
    a = rand(rng, (17,), dtype, lo, 100)
    b = rand(rng, (3, 1), dtype, lo // 10, 10)
    b[0, 0] = 0
    (out,) = run_both([A, B, C], [a, b], target)
    assert out.dtype == np.dtype(dtype)
    # integer arithmetic wraps: the int64 reference is reduced modulo 2^bits
    np.testing.assert_array_equal(out, _int_ref(name, a, b).astype(dtype))


def test_int_division_edge_cases(target):
    A = te.placeholder((4,), "int32", name="A")
    B = te.placeholder((4,), "int32", name="B")
    outs = [topi.divide(A, B), topi.mod(A, B), topi.floor_divide(A, B), topi.floor_mod(A, B)]
    a = np.array([-7, 7, -2**31, 5], "int32")
    b = np.array([2, -2, -1, 0], "int32")
    d, m, fd, fm = run_both([A, B] + outs, [a, b], target)
    np.testing.assert_array_equal(d, [-3, -3, -2**31, 0])
    np.testing.assert_array_equal(m, [-1, 1, 0, 0])
    np.testing.assert_array_equal(fd, [-4, -4, -2**31, 0])
    np.testing.assert_array_equal(fm, [1, -1, 0, 0])


COMPARE = {"less": np.less, "less_equal": np.less_equal, "greater": np.greater,
           "greater_equal": np.greater_equal, "equal": np.equal, "not_equal": np.not_equal}


@pytest.mark.parametrize("dtype", FLOATS + INTS + ["bool"])
@pytest.mark.parametrize("name", sorted(COMPARE))
def test_compare(name, dtype, target, rng):
    A = te.placeholder((7, 3), dtype, name="A")
    B = te.placeholder((3,), dtype, name="B")
    C = getattr(topi, name)(A, B)
    assert C.dtype == "bool"
    a = rand(rng, (7, 3), "float32" if dtype == "bfloat16" else dtype, -3, 3)
    b = rand(rng, (3,), "float32" if dtype == "bfloat16" else dtype, -3, 3)
    if dtype.startswith("float") or dtype == "bfloat16":
        a = np.round(a)              # many ties, so == and <= are exercised
        b = np.round(b)
        a[0, 0] = np.nan             # NaN compares false, except !=
        b[1] = np.nan
    a, b = make_input(a, dtype), make_input(b, dtype)
    (out,) = run_both([A, B, C], [a, b], target)
    np.testing.assert_array_equal(out, COMPARE[name](values(a), values(b)))


@pytest.mark.parametrize("name,ref", [("logical_and", np.logical_and),
                                      ("logical_or", np.logical_or),
                                      ("logical_xor", np.logical_xor)])
def test_logical(name, ref, target):
    A = te.placeholder((2, 1), "bool", name="A")
    B = te.placeholder((2,), "bool", name="B")
    C = getattr(topi, name)(A, B)
    N = topi.logical_not(C)
    a = np.array([[False], [True]])
    b = np.array([False, True])
    c, n = run_both([A, B, C, N], [a, b], target)
    np.testing.assert_array_equal(c, ref(a, b))
    np.testing.assert_array_equal(n, ~ref(a, b))


BROADCAST_CASES = [
    ((), ()), ((), (3,)), ((3,), ()), ((1,), (7,)), ((7,), (1,)), ((3, 1), (1, 17)),
    ((2, 1, 3), (7, 1)), ((1, 1, 1), (3,)), ((17,), (3, 1)), ((1,), ()), ((0, 3), (3,)),
    ((2, 0), (1, 1)), ((1, 3, 1, 7), (3, 5, 1)),
]


@pytest.mark.parametrize("sa,sb", BROADCAST_CASES, ids=[str(c) for c in BROADCAST_CASES])
def test_broadcast_corners(sa, sb, target, rng):
    A = te.placeholder(sa, "float32", name="A")
    B = te.placeholder(sb, "float32", name="B")
    C = topi.subtract(A, B)      # not commutative: catches swapped operands
    expect = np.zeros(sa) - np.zeros(sb)
    assert C.shape == expect.shape
    a = rng.uniform(-5, 5, sa).astype("float32")
    b = rng.uniform(-5, 5, sb).astype("float32")
    (out,) = run_both([A, B, C], [a, b], target)
    assert out.shape == expect.shape
    np.testing.assert_array_equal(out, a - b)


def test_broadcast_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, 1), name="A")
    B = te.placeholder((m,), name="B")
    C = te.placeholder((n, m), name="C")
    D = topi.multiply(topi.add(A, B), C)
    assert D.shape[0] is n and D.shape[1] is m
    f = tvmc.build([A, B, C, D], target=target)
    g = tvmc.build([A, B, C, D], target=target, inline=False)
    for nv, mv in ((3, 7), (1, 1), (17, 2), (0, 5)):
        a = rng.uniform(-1, 1, (nv, 1)).astype("float32")
        b = rng.uniform(-1, 1, (mv,)).astype("float32")
        c = rng.uniform(-1, 1, (nv, mv)).astype("float32")
        expect = (a.astype(np.float64) + b) * c
        np.testing.assert_allclose(f.run(a, b, c), expect, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g.run(a, b, c), expect, rtol=1e-6, atol=1e-7)


def test_scalar_operands(target):
    A = te.placeholder((3,), "int32", name="A")
    B = topi.subtract(10, A)
    C = topi.multiply(A, 2)
    a = np.array([1, -2, 3], "int32")
    b, c = run_both([A, B, C], [a], target)
    np.testing.assert_array_equal(b, 10 - a)
    np.testing.assert_array_equal(c, a * 2)
    with pytest.raises(tvmc.DTypeError):
        topi.add(A, 0.5)


def test_where(target, rng):
    C = te.placeholder((3, 1), "bool", name="C")
    A = te.placeholder((1, 7), "float32", name="A")
    B = te.placeholder((), "float32", name="B")
    W = topi.where(C, A, B)
    assert W.shape == (3, 7)
    c = np.array([[True], [False], [True]])
    a = rng.uniform(-1, 1, (1, 7)).astype("float32")
    b = np.array(42.0, "float32")
    (out,) = run_both([C, A, B, W], [c, a, b], target)
    np.testing.assert_array_equal(out, np.where(c, a, b))


@pytest.mark.parametrize("dtype", FLOATS + INTS + ["bool"])
def test_where_dtypes_symbolic(dtype, target, rng):
    n = te.var("n")
    C = te.placeholder((n,), "bool", name="C")
    A = te.placeholder((n,), dtype, name="A")
    B = te.placeholder((1,), dtype, name="B")
    W = topi.where(C, A, B)
    f = tvmc.build([C, A, B, W], target=target)
    for nv in (1, 3, 17):
        c = rng.integers(0, 2, nv).astype(bool)
        a = make_input(rand(rng, (nv,), "float32" if dtype == "bfloat16" else dtype), dtype)
        b = make_input(rand(rng, (1,), "float32" if dtype == "bfloat16" else dtype), dtype)
        out = f.run(c, a, b)
        np.testing.assert_array_equal(values(out), np.where(c, values(a), values(b)))


def test_where_errors():
    C = te.placeholder((3,), "float32", name="C")
    A = te.placeholder((3,), "float32", name="A")
    with pytest.raises(tvmc.DTypeError, match="cond"):
        topi.where(C, A, A)
    with tvmc.Graph():
        C = te.placeholder((3,), "bool", name="C")
        A = te.placeholder((3,), "float32", name="A")
        B = te.placeholder((3,), "float64", name="B")
        with pytest.raises(tvmc.DTypeError, match="float64"):
            topi.where(C, A, B)
    with tvmc.Graph():
        C = te.placeholder((3,), "bool", name="C")
        A = te.placeholder((4,), "float32", name="A")
        with pytest.raises(tvmc.ShapeError, match="broadcast"):
            topi.where(C, A, A)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name -> (float64 reference, input range)
FLOAT_UNARY = {
    "relu": (lambda x: np.maximum(x, 0), (-5, 5)),
    "sigmoid": (_sigmoid, (-8, 8)),
    "tanh": (np.tanh, (-4, 4)),
    "silu": (lambda x: x * _sigmoid(x), (-8, 8)),
    "gelu": (lambda x: x / 2 * (1 + np_erf(x / np.sqrt(2))), (-5, 5)),
    "gelu_tanh": (lambda x: x / 2 * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
                  (-5, 5)),
    "hard_swish": (lambda x: x * np.clip(x / 6 + 0.5, 0, 1), (-8, 8)),
    "exp": (np.exp, (-5, 5)),
    "log": (np.log, (0.01, 50)),
    "sqrt": (np.sqrt, (0, 50)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.01, 50)),
    "reciprocal": (lambda x: 1 / x, (0.1, 10)),
    "abs": (np.abs, (-5, 5)),
    "negative": (np.negative, (-5, 5)),
    "floor": (np.floor, (-5, 5)),
    "ceil": (np.ceil, (-5, 5)),
    "erf": (np_erf, (-3, 3)),
    "sign": (np.sign, (-3, 3)),
    "identity": (lambda x: x, (-5, 5)),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
def test_unary_float(name, dtype, target, rng):
    ref, rng_ = FLOAT_UNARY[name]
    A = te.placeholder((3, 17), dtype, name="A")
    B = getattr(topi, name)(A)
    assert B.shape == (3, 17) and B.dtype == dtype
    x = rng.uniform(*rng_, (3, 17))
    if name in ("sign", "relu", "abs", "floor", "ceil"):
        x[0, :4] = [0.0, -0.0, 2.0, -2.0]
    a = make_input(x, dtype)
    (out,) = run_both([A, B], [a], target)
    rtol, atol = TOL[dtype]
    if dtype == "float32" and name in ("gelu", "gelu_tanh", "silu", "hard_swish"):
        atol = 1e-5  # x * f(x) loses absolute accuracy where f(x) is near 0
    assert_close(out, ref(values(a)), dtype, atol=atol)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "abs", "negative", "sign", "exp",
                                  "floor", "sqrt", "identity", "hard_swish", "silu"])
def test_unary_special_values(name, target):
    ref = FLOAT_UNARY[name][0]
    A = te.placeholder((5,), "float64", name="A")
    B = getattr(topi, name)(A)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
    (out,) = run_both([A, B], [x], target)
    with np.errstate(all="ignore"):
        expect = ref(x)
    np.testing.assert_array_equal(out, expect)   # NaN == NaN for assert_array_equal


INT_UNARY = {"relu": lambda x: np.maximum(x, 0), "abs": np.abs, "negative": np.negative,
             "sign": np.sign, "identity": lambda x: x}


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", sorted(INT_UNARY))
def test_unary_int(name, dtype, target, rng):
    A = te.placeholder((17,), dtype, name="A")
    B = getattr(topi, name)(A)
    a = rand(rng, (17,), dtype, -100, 100)
    info = np.iinfo(dtype)
    a[:2] = [info.min, info.max]
    (out,) = run_both([A, B], [a], target)
    assert out.dtype == np.dtype(dtype)
    with np.errstate(over="ignore"):
        # abs and negative of the minimum wrap to the minimum, as numpy's do
        np.testing.assert_array_equal(out, INT_UNARY[name](a).astype(dtype))


def test_unary_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "float32", name="A")
    outs = [topi.relu(A), topi.tanh(A), topi.leaky_relu(A, 0.25), topi.clip(A, -0.5, 0.5),
            topi.hard_sigmoid(A), topi.cast(A, "int8")]
    assert all(o.shape[0] is n and o.shape[1] is m for o in outs)
    fused = tvmc.build([A] + outs, target=target)
    plain = tvmc.build([A] + outs, target=target, inline=False)
    for nv, mv in ((1, 1), (3, 17), (7, 0)):
        a = rng.uniform(-3, 3, (nv, mv)).astype("float32")
        v = a.astype(np.float64)
        expect = [np.maximum(v, 0), np.tanh(v), np.where(v >= 0, v, 0.25 * v),
                  np.clip(v, -0.5, 0.5), np.clip(0.2 * v + 0.5, 0, 1)]
        for f in (fused, plain):
            res = f.run(a)
            for out, ref in zip(res, expect):
                assert_close(out, ref, "float32")
            np.testing.assert_array_equal(res[-1], np.trunc(a).astype("int8"))


def test_operator_chain(target, rng):
    """Operators feeding operators, with an intermediate also an output."""
    n = te.var("n")
    A = te.placeholder((n, 1), "float32", name="A")
    B = te.placeholder((5,), "float32", name="B")
    S = topi.add(A, B)
    R = topi.where(topi.greater(S, topi.multiply(A, 0.0)), topi.sigmoid(S), topi.negative(S))
    M = topi.max(R, axis=1, keepdims=True)
    Y = topi.divide(R, M)
    a = rng.uniform(-2, 2, (7, 1)).astype("float32")
    b = rng.uniform(-2, 2, (5,)).astype("float32")
    s, y = run_both([A, B, S, Y], [a, b], target)
    sv = a.astype(np.float64) + b
    rv = np.where(sv > 0, 1 / (1 + np.exp(-sv)), -sv)
    assert_close(s, sv, "float32")
    assert_close(y, rv / rv.max(axis=1, keepdims=True), "float32")


def test_identity_and_not_on_bool(target):
    A = te.placeholder((3,), "bool", name="A")
    B, C = topi.identity(A), topi.logical_not(A)
    a = np.array([True, False, True])
    b, c = run_both([A, B, C], [a], target)
    np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(c, ~a)


@pytest.mark.parametrize("name,dtype", [("sigmoid", "int32"), ("exp", "uint8"),
                                        ("gelu", "int64"), ("reciprocal", "int8"),
                                        ("relu", "bool"), ("negative", "bool"),
                                        ("logical_not", "float32"), ("floor", "int16")])
def test_unary_dtype_errors(name, dtype):
    A = te.placeholder((3,), dtype, name="A")
    with pytest.raises(tvmc.DTypeError, match=name):
        getattr(topi, name)(A)


@pytest.mark.parametrize("name,dtype", [("power", "int32"), ("add", "bool"),
                                        ("logical_and", "int8"), ("logical_xor", "float32"),
                                        ("floor_mod", "bool")])
def test_binary_dtype_errors(name, dtype):
    A = te.placeholder((3,), dtype, name="A")
    with pytest.raises(tvmc.DTypeError, match=dtype):
        getattr(topi, name)(A, A)


def test_binary_mismatched_dtypes():
    A = te.placeholder((3,), "float32", name="A")
    B = te.placeholder((3,), "float16", name="B")
    with pytest.raises(tvmc.DTypeError, match="float16"):
        topi.add(A, B)


@pytest.mark.parametrize("sa,sb", [((3,), (4,)), ((2, 3), (3, 2)), ((5, 1, 3), (2, 2))])
def test_binary_shape_errors(sa, sb):
    A = te.placeholder(sa, name="A")
    B = te.placeholder(sb, name="B")
    with pytest.raises(tvmc.ShapeError, match="tvm_op_binary"):
        topi.add(A, B)


def test_binary_symbolic_mismatch():
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((m,), name="B")
    with pytest.raises(tvmc.ShapeError, match="symbolic"):
        topi.add(A, B)


def test_error_is_sticky():
    A = te.placeholder((3,), name="A")
    B = te.placeholder((4,), name="B")
    with pytest.raises(tvmc.ShapeError):
        topi.add(A, B)
    with pytest.raises(tvmc.ShapeError):
        topi.relu(A)            # the graph keeps its first error


@pytest.mark.parametrize("dtype", FLOATS)
def test_leaky_relu_elu_hard_sigmoid(dtype, target, rng):
    A = te.placeholder((7, 3), dtype, name="A")
    L = topi.leaky_relu(A, 0.1)
    E = topi.elu(A, 0.7)
    H = topi.hard_sigmoid(A)
    H2 = topi.hard_sigmoid(A, 0.5, -0.25)
    x = rng.uniform(-6, 6, (7, 3))
    x[0, 0] = 0.0
    a = make_input(x, dtype)
    v = values(a)
    l, e, h, h2 = run_both([A, L, E, H, H2], [a], target)
    alpha = values(make_input(0.1, dtype))  # the constant is of x's dtype
    assert_close(l, np.where(v >= 0, v, alpha * v), dtype)
    assert_close(e, np.where(v >= 0, v, 0.7 * np.expm1(v)), dtype,
                 atol=TOL[dtype][1] * 10 if dtype == "float32" else None)
    assert_close(h, np.clip(0.2 * v + 0.5, 0, 1), dtype)
    assert_close(h2, np.clip(0.5 * v - 0.25, 0, 1), dtype)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "hard_sigmoid"])
def test_activation_dtype_errors(name):
    A = te.placeholder((3,), "int32", name="A")
    with pytest.raises(tvmc.DTypeError, match="tvm_op_" + name):
        getattr(topi, name)(A)


@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_float(dtype, target, rng):
    A = te.placeholder((17,), dtype, name="A")
    outs = [topi.clip(A, -1.5, 2.25), topi.clip(A, None, 0.5), topi.clip(A, -0.5, None),
            topi.clip(A, 3.0, -3.0), topi.clip(A, -np.inf, np.inf)]
    x = rng.uniform(-5, 5, 17)
    x[0] = np.nan
    a = make_input(x, dtype)
    v = values(a)
    res = run_both([A] + outs, [a], target)
    expect = [np.clip(v, -1.5, 2.25), np.minimum(v, 0.5), np.maximum(v, -0.5),
              np.full_like(v, -3.0), v]
    expect[3][0] = np.nan          # NaN propagates through min/max
    for out, ref in zip(res, expect):
        assert_close(out, ref, dtype, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", INTS)
def test_clip_int(dtype, target, rng):
    A = te.placeholder((17,), dtype, name="A")
    outs = [topi.clip(A, 1.5, 7.5), topi.clip(A, -1e30, 1e30), topi.clip(A, 3, 3)]
    a = rand(rng, (17,), dtype, -20, 20)
    res = run_both([A] + outs, [a], target)
    np.testing.assert_array_equal(res[0], np.clip(a, 2, 7))   # bounds round inwards
    np.testing.assert_array_equal(res[1], a)
    np.testing.assert_array_equal(res[2], np.full_like(a, 3))


def test_clip_bool_refused():
    A = te.placeholder((3,), "bool", name="A")
    with pytest.raises(tvmc.DTypeError, match="tvm_op_clip"):
        topi.clip(A, 0, 1)


def _sat_cast(v, dtype):
    """tvm_cast float -> int: saturate, NaN -> 0, truncate toward zero."""
    info = np.iinfo(dtype)
    v = np.where(np.isnan(v), 0, v)
    return np.clip(np.trunc(v), info.min, info.max).astype(dtype)


@pytest.mark.parametrize("src", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int32", "int64", "bool", "float32",
                                 "float64", "float16", "bfloat16"])
def test_cast_from_float(src, dst, target, rng):
    A = te.placeholder((7,), src, name="A")
    B = topi.cast(A, dst)
    assert B.dtype == dst
    x = np.array([np.nan, 300.7, -300.7, -1.5, 0.0, 2.5, -0.0])
    a = make_input(x, src)
    v = values(a)
    (out,) = run_both([A, B], [a], target)
    if dst == "bool":
        np.testing.assert_array_equal(out, v != 0)
    elif dst in ("int8", "uint8", "int32", "int64"):
        np.testing.assert_array_equal(out, _sat_cast(v, dst))
    else:
        np.testing.assert_array_equal(values(out), as_dtype(v, dst))


@pytest.mark.parametrize("src", ["int8", "uint8", "int32", "int64", "bool"])
@pytest.mark.parametrize("dst", ["int8", "uint8", "int16", "int64", "float32", "float16",
                                 "bool"])
def test_cast_from_int(src, dst, target, rng):
    A = te.placeholder((17,), src, name="A")
    B = topi.cast(A, dst)
    a = rand(rng, (17,), src, -200, 200)
    (out,) = run_both([A, B], [a], target)
    if dst == "bool":
        np.testing.assert_array_equal(out, a != 0)
    else:
        # int -> int wraps, like numpy's astype
        np.testing.assert_array_equal(out, a.astype(dst))


def test_cast_symbolic_and_rank0(target):
    n = te.var("n")
    A = te.placeholder((n, 3), "float32", name="A")
    S = te.placeholder((), "int32", name="S")
    B = topi.cast(A, "int16")
    C = topi.cast(S, "float64")
    f = tvmc.build([A, S, B, C], target=target)
    a = np.arange(12, dtype="float32").reshape(4, 3) - 5.5
    b, c = f.run(a, np.array(-7, "int32"))
    np.testing.assert_array_equal(b, np.trunc(a).astype("int16"))
    assert c.shape == () and float(c) == -7.0


def test_cast_bad_dtype():
    A = te.placeholder((3,), name="A")
    with pytest.raises(tvmc.DTypeError):
        topi.cast(A, "complex64")


def test_results_are_named_after_the_op():
    A = te.placeholder((3,), name="A")
    assert topi.add(A, A).name == "add"
    assert topi.relu(A).name == "relu"
    text = tvmc.current_graph().text()
    assert "compute add" in text and "compute relu" in text
