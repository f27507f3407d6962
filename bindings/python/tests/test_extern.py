"""te.call_extern: Python callbacks (ctypes.CFUNCTYPE) and libm functions
called from kernels, against numpy / math references computed with the
same function, on both targets."""

import ctypes
import ctypes.util
import gc
import math

import numpy as np
import pytest

import tvmc
from tvmc import te
from conftest import rand

F32 = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float)


def _act(x):
    return x * 1.5 + 0.25 if x > 0 else x * x * 0.125 - 1.0


def _ref_unary(fn, a, dtype):
    # ctypes hands the callback a double and rounds its result to the C type
    return np.array([fn(float(x)) for x in a.ravel()], dtype=dtype).reshape(a.shape)


def test_callback_activation(target, rng):
    act = F32(_act)
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.call_extern("act", act, "float32", A[i]), name="B")
    f = tvmc.build([A, B], target=target)
    for size in (0, 1, 37):
        a = rand(rng, (size,), "float32", -3, 3)
        out = f.run(a)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, _ref_unary(_act, a, np.float32))
    assert "extern act(" in f.source("loop")


def test_two_args_double_int32(target, rng):
    fn = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_int32)(
        lambda x, k: x * k + (k % 3) / 7.0)
    A = te.placeholder((4, 6), "float64", name="A")
    K = te.placeholder((6,), "int32", name="K")
    C = te.compute((4, 6), lambda i, j: te.call_extern("f", fn, "float64", A[i, j], K[j]),
                   name="C")
    f = tvmc.build([A, K, C], target=target)
    a = rand(rng, (4, 6), "float64", -10, 10)
    k = rand(rng, (6,), "int32", -100, 100)
    want = np.array([[a[i, j] * int(k[j]) + (int(k[j]) % 3) / 7.0 for j in range(6)]
                     for i in range(4)])
    np.testing.assert_array_equal(f.run(a, k), want)


def test_table_lookup_bool_and_literals(target, rng):
    table = [7, -3, 11, 0, 42, -100, 5, 9]
    lut = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64)(lambda k: table[k % 8])
    odd = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_int32, ctypes.c_bool)(
        lambda v, flip: (v % 2 == 1) != flip)
    n = te.var("n")
    A = te.placeholder((n,), "int64", name="A")
    L = te.compute((n,), lambda i: te.call_extern("lut", lut, "int32", A[i]), name="L")
    # literal arguments take the parameter dtypes (int32, bool)
    O = te.compute((n,), lambda i: te.call_extern("odd", odd, "bool",
                                                  te.call_extern("lut", lut, "int32", A[i]),
                                                  True), name="O")
    H = te.compute((n,), lambda i: te.call_extern("lut", lut, "int32", 3), name="H")
    f = tvmc.build([A, L, O, H], target=target)
    a = rand(rng, (50,), "int64", 0, 1000)
    lv, ov, hv = f.run(a)
    want_l = np.array([table[x % 8] for x in a], dtype=np.int32)
    np.testing.assert_array_equal(lv, want_l)
    np.testing.assert_array_equal(ov, np.array([not (v % 2 == 1) for v in want_l]))
    np.testing.assert_array_equal(hv, np.full(50, table[3], dtype=np.int32))


def test_inside_reduction_and_guarded_select(target, rng):
    seen = []

    def sq(k):
        seen.append(k)
        return k * k

    sqf = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(sq)
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "int64", name="A")
    a = rand(rng, (3, 5), "int64", -20, 20)
    a[0, 0] = -7  # at least one value the guard keeps from the function
    # only values the guard admits ever reach the function
    G = te.compute((n, m), lambda i, j: te.if_then_else(
        A[i, j] >= 0, te.call_extern("sq", sqf, "int64", A[i, j]), -1), name="G")
    gv = tvmc.build([A, G], target=target).run(a)
    np.testing.assert_array_equal(gv, np.where(a >= 0, a * a, -1))
    assert seen and min(seen) >= 0
    r = te.reduce_axis((0, m), name="r")
    S = te.compute((n,), lambda i: te.sum(te.call_extern("sq", sqf, "int64", A[i, r]), axis=r),
                   name="S")
    np.testing.assert_array_equal(tvmc.build([A, S], target=target).run(a),
                                  (a * a).sum(axis=1))
    assert -7 in seen


def test_libm_function(target, rng):
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    cos = libm.cos
    cos.restype, cos.argtypes = ctypes.c_double, [ctypes.c_double]
    A = te.placeholder((20,), "float64", name="A")
    B = te.compute((20,), lambda i: te.call_extern("cos", cos, "float64", A[i]), name="B")
    f = tvmc.build([A, B], target=target)
    a = rand(rng, (20,), "float64", -10, 10)
    np.testing.assert_array_equal(f.run(a), np.array([math.cos(x) for x in a]))
    # the same function as a raw address (no ctypes signature: the argument
    # dtypes are the C parameter types)
    addr = ctypes.cast(cos, ctypes.c_void_p).value
    C = te.compute((20,), lambda i: te.call_extern("cos2", addr, "float64", A[i]), name="C")
    g = tvmc.build([A, C], target=target)
    np.testing.assert_array_equal(g.run(a), np.array([math.cos(x) for x in a]))


def test_callback_kept_alive(target, rng):
    def make():
        with tvmc.Graph():
            cb = F32(lambda x: x * 2.0 + 1.0)
            A = te.placeholder((16,), name="A")
            B = te.compute((16,), lambda i: te.call_extern("twice", cb, "float32", A[i]),
                           name="B")
            return tvmc.build([A, B], target=target, cache=False)

    f = make()  # graph, callback and tensors are unreachable now
    gc.collect()
    a = rand(rng, (16,), "float32", -5, 5)
    np.testing.assert_array_equal(f.run(a), (a * np.float32(2) + np.float32(1)))


def test_graphs_differing_only_in_callee(target, rng):
    a = rand(rng, (9,), "float32", -2, 2)
    outs = []
    for k in range(3):
        cb = F32(lambda x, k=k: x + k)
        with tvmc.Graph():
            A = te.placeholder((9,), name="A")
            B = te.compute((9,), lambda i: te.call_extern("add_k", cb, "float32", A[i]),
                           name="B")
            outs.append(tvmc.build([A, B], target=target).run(a))
    for k in range(3):
        np.testing.assert_array_equal(outs[k], a + np.float32(k))


def test_errors(graph):
    act = F32(_act)
    A = te.placeholder((4,), name="A")
    D = te.placeholder((4,), "float64", name="D")
    with pytest.raises(tvmc.DTypeError, match="argument 0"):
        te.call_extern("act", act, "float32", D[0])          # float64 for c_float
    with pytest.raises(tvmc.DTypeError, match="returns float32"):
        te.call_extern("act", act, "float64", A[0])
    with pytest.raises(tvmc.InvalidArgumentError, match="takes 1 arguments"):
        te.call_extern("act", act, "float32", A[0], A[1])
    with pytest.raises(tvmc.InvalidArgumentError, match="at most 8"):
        te.call_extern("f", 0x1234, "float32", *([A[0]] * 9))
    with pytest.raises(tvmc.InvalidArgumentError, match="NULL"):
        te.call_extern("f", ctypes.c_void_p(None), "float32", A[0])
    with pytest.raises(tvmc.DTypeError, match="float16"):
        te.call_extern("f", 0x1234, "float16", A[0])
    with pytest.raises(tvmc.DTypeError, match="float16"):
        te.call_extern("f", 0x1234, "float32", A[0].astype("float16"))
    with pytest.raises(TypeError, match="ctypes function"):
        te.call_extern("f", _act, "float32", A[0])
    with pytest.raises(tvmc.DTypeError, match="parameter 0 is c_ushort"):
        te.call_extern("f", ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_uint16)(lambda x: 0.0),
                       "float32", A[0])
    # the checks ran before C: the graph is still usable
    assert graph.failed is None
    B = te.compute((4,), lambda i: te.call_extern("act", act, "float32", A[i]), name="B")
    assert B.dtype == "float32"
    assert "extern act(A[i" in graph.text(B)
