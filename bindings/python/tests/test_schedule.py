"""te.create_schedule: TVM-style schedules against numpy (results never change)."""

import numpy as np
import pytest

import tvmc
from tvmc import te


def matmul(M, N, K):
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C, k


def ints(rng, shape):
    # small integers: every sum is exact, in any order
    return rng.integers(-4, 5, size=shape).astype("float32")


@pytest.mark.parametrize("M,N,K", [(64, 64, 32), (50, 37, 23)])
def test_tutorial_blocked_matmul(M, N, K, target, rng):
    A, B, C, k = matmul(M, N, K)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    s[C].cache_write(jo)
    s[C].vectorize(ji)
    s[C].parallel(io)
    s[C].unroll(ki)
    f = tvmc.build([A, B, C], target=target, schedule=s)
    a, b = ints(rng, (M, K)), ints(rng, (K, N))
    np.testing.assert_array_equal(f.run(a, b), a @ b)
    assert "C_block" in f.source("loop")


def test_symbolic_shapes_and_fuse(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2.0 + 1.0, name="B")
    s = te.create_schedule(B.op)
    f_ax = s[B].fuse(B.op.axis[0], B.op.axis[1])
    fo, fi = s[B].split(f_ax, factor=8)
    s[B].parallel(fo)
    s[B].vectorize(fi)
    f = tvmc.build([A, B], target=target, schedule=s)
    for shape in [(5, 7), (16, 16), (1, 3)]:
        a = ints(rng, shape)
        np.testing.assert_array_equal(f.run(a), a * 2 + 1)


def test_compute_inline_and_compute_at(target, rng):
    A = te.placeholder((21,), name="A")
    P = te.compute((21,), lambda x: A[x] * 3.0, name="P")
    Q = te.compute((21,), lambda x: A[x] + 1.0, name="Q")
    C = te.compute((20,), lambda i: P[i] + P[i + 1] + Q[i], name="C")
    s = te.create_schedule(C)
    io, ii = s[C].split(C.op.axis[0], factor=8)
    s[P].compute_at(s[C], io)
    s[Q].compute_inline()
    f = tvmc.build([A, C], target=target, schedule=s)
    a = ints(rng, (21,))
    np.testing.assert_array_equal(f.run(a), a[:20] * 3 + a[1:] * 3 + a[:20] + 1)
    assert "P_local" in f.source("loop")


def test_pack(target, rng):
    A, B, C, k = matmul(13, 37, 9)
    s = te.create_schedule(C.op)
    s[C].pack(B, 1, 16)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 16)
    s[C].reorder(jo, io, k, ii, ji)
    s[C].cache_write(io)
    s[C].vectorize(ji)
    f = tvmc.build([A, B, C], target=target, schedule=s)
    a, b = ints(rng, (13, 9)), ints(rng, (9, 37))
    np.testing.assert_array_equal(f.run(a, b), a @ b)


def test_illegal_schedules_raise():
    A, B, C, k = matmul(16, 16, 16)
    s = te.create_schedule(C.op)
    with pytest.raises(tvmc.InvalidArgumentError, match="factor"):
        s[C].split(C.op.axis[0], factor=0)
    ko, ki = s[C].split(k, factor=4)
    with pytest.raises(tvmc.InvalidHandleError, match="no longer a loop"):
        s[C].split(k, factor=2)
    with pytest.raises(tvmc.InvalidArgumentError, match="once"):
        s[C].reorder(ko, ko)
    s[C].reorder(ko, C.op.axis[0], C.op.axis[1])
    s[C].parallel(ko)
    with pytest.raises(tvmc.InvalidArgumentError, match="reduction"):
        tvmc.build([A, B, C], target="interp", schedule=s)
    s2 = te.create_schedule(C.op)
    s2[C].vectorize(C.op.axis[1])
    with pytest.raises(tvmc.InvalidArgumentError, match="innermost"):
        tvmc.build([A, B, C], target="interp", schedule=s2)


def test_pack_symbolic_shapes(target, rng):
    M, N, K = te.var("M"), te.var("N"), te.var("K")
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    s[C].pack(B, 1, 8)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 8)
    s[C].reorder(jo, io, k, ii, ji)
    s[C].cache_write(io)
    s[C].vectorize(ji)
    s[C].parallel(jo)
    f = tvmc.build([A, B, C], target=target, schedule=s)
    for m, n, kk in [(5, 13, 3), (16, 32, 8), (1, 1, 1)]:
        a, b = ints(rng, (m, kk)), ints(rng, (kk, n))
        np.testing.assert_array_equal(f.run(a, b), a @ b)
