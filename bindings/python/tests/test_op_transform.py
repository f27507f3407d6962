"""Shape operators (topi.transform over the C tvm_op_* shape calls) against
numpy, and resize against a reference written here from the ONNX spec
formulas. Both targets; symbolic dims; no-fusion builds; error classes."""

import math

import numpy as np
import pytest

import tvmc
from tvmc import te, topi
from conftest import rand

DTYPES = ["float32", "float16", "int8", "int64", "bool"]
I64_MAX, I64_MIN = 2**63 - 1, -2**63


def build_run(inputs, outputs, arrays, target, inline=True):
    """Builds inputs -> outputs, runs on arrays; a list of result arrays."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    f = tvmc.build(list(inputs) + outputs, target=target, inline=inline)
    res = f.run(*arrays)
    return list(res) if isinstance(res, tuple) else [res]


def check(inputs, outputs, arrays, expected, target):
    """Results equal the references with and without fusion."""
    expected = expected if isinstance(expected, list) else [expected]
    for inline in (True, False):
        got = build_run(inputs, outputs, arrays, target, inline)
        for g_, e in zip(got, expected):
            assert g_.shape == e.shape, (g_.shape, e.shape)
            assert g_.dtype == e.dtype
            np.testing.assert_array_equal(g_, e)


# ---------------------------------------------------------------------------
# reshape / flatten / squeeze / unsqueeze
# ---------------------------------------------------------------------------

RESHAPES = [((), (1,)), ((1, 1), ()), ((3, 5), (5, 3)), ((2, 3, 4), (4, -1)),
            ((2, 3, 4), (0, -1)), ((2, 3, 4), (0, 0, -1)), ((6,), (2, 3)), ((7,), (7, 1, 1)),
            ((4, 6), (2, 2, 2, 3)), ((4, 6), (3, 8)), ((0, 5), (2, 0, -1)), ((0, 5), (-1, 10)),
            ((2, 1, 3), (3, 1, 2)), ((5, 1), (-1,)), ((3, 4, 5), (5, 4, 3))]


@pytest.mark.parametrize("shape,newshape", RESHAPES)
def test_reshape_constant(target, rng, shape, newshape):
    A = te.placeholder(shape, "float32", name="A")
    B = topi.reshape(A, newshape)
    np_shape = [shape[k] if v == 0 else v for k, v in enumerate(newshape)]
    a = rand(rng, shape, "float32")
    want = a.reshape(np_shape)
    assert B.shape == want.shape
    check([A], [B], [a], want, target)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_dtypes(target, rng, dtype):
    A = te.placeholder((3, 4), dtype, name="A")
    B = topi.reshape(A, (2, -1, 3))
    a = rand(rng, (3, 4), dtype)
    check([A], [B], [a], a.reshape(2, 2, 3), target)


def test_reshape_symbolic(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 6), name="A")
    B = topi.reshape(A, (0, 2, 3))
    C = topi.reshape(A, (-1,))
    D = topi.reshape(A, (-1, 3))
    E = topi.reshape(topi.transpose(A), (3, -1))     # [6, n] -> [3, 2n]
    assert B.shape[1:] == (2, 3) and D.shape[1] == 3
    f = tvmc.build([A, B, C, D, E], target=target)
    for rows in (1, 4, 5, 0):
        a = rand(rng, (rows, 6), "float32")
        b, c, d, e = f.run(a)
        np.testing.assert_array_equal(b, a.reshape(rows, 2, 3))
        np.testing.assert_array_equal(c, a.reshape(-1))
        np.testing.assert_array_equal(d, a.reshape(-1, 3))
        np.testing.assert_array_equal(e, a.T.reshape(3, -1))


def test_reshape_symbolic_chain_cancels(target, rng):
    # flatten then split the count again: n*m elements back to [m, n]
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), "int64", name="A")
    B = topi.reshape(topi.flatten(A, 0), (0, -1))    # [1, n*m] -> [1, n*m]
    C = topi.reshape(topi.reshape(A, (-1,)), (-1,))
    f = tvmc.build([A, B, C], target=target)
    a = rand(rng, (3, 5), "int64")
    b, c = f.run(a)
    np.testing.assert_array_equal(b, a.reshape(1, -1))
    np.testing.assert_array_equal(c, a.reshape(-1))


def test_reshape_errors():
    A = te.placeholder((3, 4), name="A")
    with pytest.raises(tvmc.ShapeError, match="tvm_op_reshape.*12.*10"):
        topi.reshape(A, (2, 5))
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="both -1"):
            topi.reshape(A, (-1, -1))
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match=r"shape\[0\] is -2"):
            topi.reshape(A, (-2, 6))
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="rank 2"):
            topi.reshape(A, (12, 1, 0))
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="divisible"):
            topi.reshape(A, (5, -1))
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="provably"):
            topi.reshape(A, (3, -1))
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="provably"):
            topi.reshape(A, (4, 4))
    with tvmc.Graph():
        A = te.placeholder((0, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="cannot be inferred"):
            topi.reshape(A, (0, -1))


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4), (3, 1, 5, 2)])
def test_flatten(target, rng, shape):
    a = rand(rng, shape, "int8")
    for axis in range(-len(shape), len(shape) + 1):
        with tvmc.Graph():
            A = te.placeholder(shape, "int8", name="A")
            B = topi.flatten(A, axis)
            ax = axis + len(shape) if axis < 0 else axis
            want = a.reshape(int(np.prod(shape[:ax])), int(np.prod(shape[ax:])))
            assert B.shape == want.shape
            check([A], [B], [a], want, target)


def test_flatten_symbolic_and_errors(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 3, 4), name="A")
    B = topi.flatten(A)
    f = tvmc.build([A, B], target=target)
    a = rand(rng, (5, 3, 4), "float32")
    np.testing.assert_array_equal(f.run(a), a.reshape(5, 12))
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_flatten.*axis 3"):
            topi.flatten(A, 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_squeeze(target, rng, dtype):
    shape = (1, 3, 1, 2, 1)
    a = rand(rng, shape, dtype)
    for axis in [None, (0,), (-1,), (0, 2), (4, 0, 2)]:
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            B = topi.squeeze(A, axis)
            want = np.squeeze(a, axis)
            assert B.shape == want.shape
            check([A], [B], [a], want, target)


def test_squeeze_rank0_and_errors(target):
    A = te.placeholder((1,), "float32", name="A")
    B = topi.squeeze(A)
    check([A], [B], [np.array([2.5], "float32")], np.array(2.5, "float32"), target)
    with tvmc.Graph():
        A = te.placeholder((2, 1), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_squeeze.*is 2, not 1"):
            topi.squeeze(A, (0,))
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 1), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="symbolic"):
            topi.squeeze(A, (0,))
    with tvmc.Graph():
        A = te.placeholder((1, 1), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="repeats"):
            topi.squeeze(A, (0, -2))
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 1), name="A")
        B = topi.squeeze(A)                     # only the constant 1 goes
        assert len(B.shape) == 1


def test_unsqueeze_expand_dims(target, rng):
    a = rand(rng, (3, 4), "int64")
    cases = [((0,), (1, 3, 4)), ((-1,), (3, 4, 1)), ((1, 3), (3, 1, 4, 1)), ((0, 1, 2), None)]
    for axes, want_shape in cases:
        with tvmc.Graph():
            A = te.placeholder((3, 4), "int64", name="A")
            B = topi.unsqueeze(A, axes)
            want = np.expand_dims(a, axes)
            if want_shape:
                assert want.shape == want_shape
            assert B.shape == want.shape
            check([A], [B], [a], want, target)
    for axis, num in [(0, 1), (2, 1), (-1, 2), (1, 3), (-3, 1)]:
        with tvmc.Graph():
            A = te.placeholder((3, 4), "int64", name="A")
            B = topi.expand_dims(A, axis, num)
            ax = axis + 3 if axis < 0 else axis
            want = a
            for _ in range(num):
                want = np.expand_dims(want, ax)
            check([A], [B], [a], want, target)
    with tvmc.Graph():
        A = te.placeholder((), "float32", name="A")
        B = topi.unsqueeze(A, (0, 1))
        check([A], [B], [np.array(7, "float32")], np.full((1, 1), 7, "float32"), target)
    with tvmc.Graph():
        A = te.placeholder((3,), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_unsqueeze.*repeats"):
            topi.unsqueeze(A, (1, 1))
    with tvmc.Graph():
        A = te.placeholder((3,), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="out of range"):
            topi.unsqueeze(A, (3,))


# ---------------------------------------------------------------------------
# transpose / broadcast_to / tile
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose(target, rng, dtype):
    for shape, perm in [((), None), ((5,), None), ((5,), (0,)), ((3, 4), None),
                        ((2, 3, 5), (1, 2, 0)), ((2, 3, 5), (-1, 0, -2)),
                        ((2, 1, 3, 4), (3, 1, 0, 2))]:
        a = rand(rng, shape, dtype)
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            B = topi.transpose(A, perm)
            np_perm = None if perm is None else [p % len(shape) for p in perm]
            want = np.transpose(a, np_perm)
            assert B.shape == want.shape
            check([A], [B], [a], want, target)


def test_transpose_symbolic_and_errors(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, 3, m), name="A")
    B = topi.transpose(A, (2, 0, 1))
    f = tvmc.build([A, B], target=target)
    for shape in [(2, 3, 5), (1, 3, 1), (0, 3, 2)]:
        a = rand(rng, shape, "float32")
        np.testing.assert_array_equal(f.run(a), a.transpose(2, 0, 1))
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="not a permutation"):
            topi.transpose(A, (1, 1))
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match=r"perm\[1\] is 2"):
            topi.transpose(A, (0, 2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcast_to(target, rng, dtype):
    for shape, to in [((), (2, 3)), ((3,), (4, 3)), ((3, 1), (2, 3, 4)), ((1, 1), (1, 5)),
                      ((4, 3), (4, 3)), ((4, 3), (1, 1)), ((4, 3), (3,)), ((1, 3), (0, 3))]:
        a = rand(rng, shape, dtype)
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            B = topi.broadcast_to(A, to)
            want = a * np.ones(to, dtype=a.dtype) if dtype != "bool" else \
                np.logical_and(a, np.ones(to, bool))
            assert B.shape == want.shape
            check([A], [B], [a], want, target)


def test_broadcast_to_symbolic_and_errors(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 1), name="A")
    B = topi.broadcast_to(A, (2, 1, 4))
    f = tvmc.build([A, B], target=target)
    a = rand(rng, (3, 1), "float32")
    np.testing.assert_array_equal(f.run(a), np.broadcast_to(a, (2, 3, 4)))
    with tvmc.Graph():
        A = te.placeholder((3,), name="A")
        with pytest.raises(tvmc.ShapeError, match="tvm_op_broadcast_to"):
            topi.broadcast_to(A, (4,))
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n,), name="A")
        with pytest.raises(tvmc.ShapeError, match="symbolic"):
            topi.broadcast_to(A, (4,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tile(target, rng, dtype):
    for shape, reps in [((), ()), ((3,), (4,)), ((2, 3), (2, 1)), ((2, 3), (1, 3)),
                        ((2, 1, 3), (2, 5, 1)), ((2, 3), (0, 2)), ((0, 3), (3, 2))]:
        a = rand(rng, shape, dtype)
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            B = topi.tile(A, reps)
            want = np.tile(a, reps) if shape else a.copy()
            assert B.shape == want.shape
            check([A], [B], [a], want, target)


def test_tile_symbolic_and_errors(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 2), name="A")
    B = topi.tile(A, (3, 2))
    f = tvmc.build([A, B], target=target)
    for rows in (1, 4, 0):
        a = rand(rng, (rows, 2), "float32")
        np.testing.assert_array_equal(f.run(a), np.tile(a, (3, 2)))
    with tvmc.Graph():
        A = te.placeholder((2,), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match=r"repeats\[0\] is negative"):
            topi.tile(A, (-1,))
    with tvmc.Graph():
        A = te.placeholder((2**40,), name="A")
        with pytest.raises(tvmc.ShapeError, match="overflows"):
            topi.tile(A, (2**30,))


# ---------------------------------------------------------------------------
# concatenate / split
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_concatenate(target, rng, dtype):
    for shapes, axis in [([(3,)], 0), ([(3,), (5,)], 0), ([(2, 3), (2, 1), (2, 4)], 1),
                         ([(2, 3), (5, 3)], -2), ([(1, 2, 3), (1, 2, 0), (1, 2, 7)], -1),
                         ([(3, 2)] * 5, 0)]:
        arrays = [rand(rng, s, dtype) for s in shapes]
        with tvmc.Graph():
            ins = [te.placeholder(s, dtype, name="A%d" % k) for k, s in enumerate(shapes)]
            B = topi.concatenate(ins, axis)
            want = np.concatenate(arrays, axis)
            assert B.shape == want.shape
            check(ins, [B], arrays, want, target)


def test_concatenate_many_parts(target, rng):
    # 70 parts: the select tree is balanced, so deep chains do not hit the
    # nesting limit
    A = te.placeholder((2, 3), "int8", name="A")
    B = topi.concatenate([A] * 70, 1)
    a = rand(rng, (2, 3), "int8")
    check([A], [B], [a], np.concatenate([a] * 70, 1), target)


def test_concatenate_symbolic(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, 3), name="A")
    B = te.placeholder((m, 3), name="B")
    C = topi.concatenate([A, B, A], 0)
    f = tvmc.build([A, B, C], target=target)
    for rn, rm in [(2, 3), (0, 1), (1, 0), (0, 0)]:
        a, b = rand(rng, (rn, 3), "float32"), rand(rng, (rm, 3), "float32")
        np.testing.assert_array_equal(f.run(a, b), np.concatenate([a, b, a], 0))


def test_concatenate_errors():
    A = te.placeholder((2, 3), "float32", name="A")
    B = te.placeholder((2, 3), "int8", name="B")
    with pytest.raises(tvmc.DTypeError, match=r"tvm_op_concat: xs\[1\] is int8"):
        topi.concatenate([A, B], 0)
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        B = te.placeholder((4, 2), name="B")
        with pytest.raises(tvmc.ShapeError, match=r"dim 1 of xs\[1\] is 2 but 3"):
            topi.concatenate([A, B], 0)
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        B = te.placeholder((2, 3, 1), name="B")
        with pytest.raises(tvmc.ShapeError, match="rank"):
            topi.concatenate([A, B], 0)
    with tvmc.Graph():
        n, m = te.var("n"), te.var("m")
        A = te.placeholder((n, 3), name="A")
        B = te.placeholder((m, 3), name="B")
        with pytest.raises(tvmc.ShapeError):
            topi.concatenate([A, B], 1)         # n vs m cannot be proven equal
    with tvmc.Graph():
        A = te.placeholder((2, 3), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="axis 2"):
            topi.concatenate([A], 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_split(target, rng, dtype):
    for shape, ios, axis in [((6,), 3, 0), ((6,), 1, 0), ((4, 6), [1, 4], 1), ((5, 2), [0, 5], 0),
                             ((5, 2, 3), [2, 3], -3), ((3, 4), 2, -1), ((4,), [2, 2], 0)]:
        a = rand(rng, shape, dtype)
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            parts = topi.split(A, ios, axis)
            want = np.split(a, ios, axis)
            assert [p.shape for p in parts] == [w.shape for w in want]
            check([A], parts, [a], want, target)


def test_split_errors(target, rng):
    A = te.placeholder((7, 2), name="A")
    with pytest.raises(tvmc.ShapeError, match="tvm_op_split.*7.*3 equal"):
        topi.split(A, 3, 0)
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 2), name="A")
        with pytest.raises(tvmc.ShapeError, match="symbolic.*constant dim"):
            topi.split(A, 2, 0)
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 4), name="A")
        parts = topi.split(A, 2, 1)              # symbolic elsewhere is fine
        f = tvmc.build([A] + parts, target=target)
        a = rand(rng, (3, 4), "float32")
        for got, want in zip(f.run(a), np.split(a, 2, 1)):
            np.testing.assert_array_equal(got, want)
    with tvmc.Graph():
        A = te.placeholder((0,), name="A")
        with pytest.raises(tvmc.LimitError):
            topi.split(A, 2**30, 0)
    # sizes that do not sum to the dim, straight through the C call
    from tvmc.topi.transform import _split
    with tvmc.Graph():
        A = te.placeholder((6,), name="A")
        with pytest.raises(tvmc.ShapeError, match="sum to 5 but dim 0 of x is 6"):
            _split(A, 0, 2, [2, 3], [2, 3])
    with tvmc.Graph():
        A = te.placeholder((6,), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match=r"sizes\[1\] is negative"):
            _split(A, 0, 2, [2, -1], [2, -1])


# ---------------------------------------------------------------------------
# slice
# ---------------------------------------------------------------------------

def onnx_slice_ref(a, starts, ends, axes, steps):
    """ONNX Slice from the operator's text: adjust negatives by the dim,
    clamp to [0, dim] (step > 0) or [0, dim-1] / [-1, dim-1] (step < 0)."""
    out = a
    for s, e, ax, st in zip(starts, ends, axes, steps):
        dim = a.shape[ax]
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
        else:
            s, e = min(max(s, 0), dim - 1), min(max(e, -1), dim - 1)
        out = np.take(out, np.arange(s, e, st, dtype=np.int64), axis=ax)
    return out


SLICES = [
    ((10,), [2], [7], [0], [1]), ((10,), [-3], [I64_MAX], [0], [1]),
    ((10,), [I64_MAX], [I64_MIN], [0], [-1]), ((10,), [-1], [-11], [0], [-1]),
    ((10,), [8], [1], [0], [-3]), ((10,), [0], [10], [0], [4]),
    ((10,), [20], [30], [0], [1]), ((10,), [-100], [100], [0], [3]),
    ((10,), [5], [5], [0], [1]), ((10,), [5], [2], [0], [1]),
    ((10,), [0], [1], [0], [I64_MAX]), ((10,), [9], [0], [0], [I64_MIN]),
    ((4, 7), [1, -1], [3, 0], [0, 1], [1, -2]), ((4, 7), [0], [-1], [-1], [2]),
    ((3, 5, 4), [2, 1], [-10, 4], [0, 2], [-1, 1]), ((5,), [1], [4], [0], [1]),
    ((0, 3), [0], [2], [1], [1]),
]


@pytest.mark.parametrize("shape,starts,ends,axes,steps", SLICES)
def test_slice(target, rng, shape, starts, ends, axes, steps):
    a = rand(rng, shape, "int64", -1000, 1000)
    A = te.placeholder(shape, "int64", name="A")
    B = topi.slice(A, starts, ends, axes, steps)
    want = onnx_slice_ref(a, starts, ends, [x % len(shape) for x in axes], steps)
    assert B.shape == want.shape
    check([A], [B], [a], want, target)


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_slice_matches_numpy(target, rng, dtype):
    a = rand(rng, (6, 5), dtype)
    cases = [(([1], [-1], [1], [0]), a[1:-1]), (([0], [I64_MAX], [2], [1]), a[:, ::2]),
             (([-1, -1], [I64_MIN, I64_MIN], [-1, -1], [0, 1]), a[::-1, ::-1]),
             (([4, 3], [0, 1], [-2, -1], [0, 1]), a[4:0:-2, 3:1:-1])]
    for (begin, end, strides, axes), want in cases:
        with tvmc.Graph():
            A = te.placeholder((6, 5), dtype, name="A")
            B = topi.strided_slice(A, begin, end, strides, axes)
            check([A], [B], [a], want, target)


def test_slice_symbolic_other_axis(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 6), name="A")
    B = topi.slice(A, [-1], [0], [1], [-2])
    f = tvmc.build([A, B], target=target)
    for rows in (1, 3):
        a = rand(rng, (rows, 6), "float32")
        np.testing.assert_array_equal(f.run(a), a[:, 5:0:-2])


def test_slice_errors():
    A = te.placeholder((4, 5), name="A")
    with pytest.raises(tvmc.InvalidArgumentError, match=r"tvm_op_slice: steps\[0\] is 0"):
        topi.slice(A, [0], [3], [0], [0])
    with tvmc.Graph():
        A = te.placeholder((4, 5), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="repeats"):
            topi.slice(A, [0, 1], [3, 3], [1, -1])
    with tvmc.Graph():
        A = te.placeholder((4, 5), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match=r"axes\[0\] is 2"):
            topi.slice(A, [0], [3], [2])
    with tvmc.Graph():
        n = te.var("n")
        A = te.placeholder((n, 5), name="A")
        with pytest.raises(tvmc.ShapeError, match="symbolic.*constant dims"):
            topi.slice(A, [0], [3], [0])


# ---------------------------------------------------------------------------
# pad
# ---------------------------------------------------------------------------

def pad_ref(a, before, after, mode, value=0):
    """numpy pad for the positive pads, then crop for the negative ones."""
    widths = [(max(b, 0), max(e, 0)) for b, e in zip(before, after)]
    kw = {"constant_values": value} if mode == "constant" else {}
    out = np.pad(a, widths, mode=mode, **kw) if a.ndim else a.copy()
    idx = tuple(np.s_[max(-b, 0):out.shape[k] - max(-e, 0)]
                for k, (b, e) in enumerate(zip(before, after)))
    return out[idx]


PADS = [((), (), ()), ((5,), (2,), (3,)), ((5,), (0,), (1,)), ((3, 4), (1, 2), (2, 1)),
        ((3, 4), (-1, 0), (0, -2)), ((5, 4), (-2, 3), (2, -1)), ((2, 3, 5), (1, 0, 4), (0, 2, 4)),
        ((6,), (-6, ), (0,)), ((4, 1), (3, 0), (0, 0))]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
@pytest.mark.parametrize("shape,before,after", PADS)
def test_pad(target, rng, mode, shape, before, after):
    if mode == "reflect" and any(p >= d for d, b, e in zip(shape, before, after)
                                 for p in (b, e) if p > 0):
        pytest.skip("reflect needs pads smaller than the dim")
    a = rand(rng, shape, "float32")
    A = te.placeholder(shape, "float32", name="A")
    B = topi.pad(A, before, after, 2.5, mode=mode)
    want = pad_ref(a, before, after, mode, 2.5)
    assert B.shape == want.shape
    check([A], [B], [a], want, target)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_pad_dtypes(target, rng, dtype, mode):
    a = rand(rng, (4, 3), dtype)
    A = te.placeholder((4, 3), dtype, name="A")
    value = 1 if dtype != "float16" else 1.5
    B = topi.pad(A, (2, 1), (3, -1), value, mode=mode)
    check([A], [B], [a], pad_ref(a, (2, 1), (3, -1), mode, value).astype(a.dtype), target)


def test_pad_symbolic(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 4), name="A")
    outs = [topi.pad(A, (1, 2), (2, -1), 0.5, mode=m) for m in ("constant", "edge", "reflect")]
    f = tvmc.build([A] + outs, target=target)
    for rows in (3, 5):
        a = rand(rng, (rows, 4), "float32")
        for got, mode in zip(f.run(a), ("constant", "edge", "reflect")):
            np.testing.assert_array_equal(got, pad_ref(a, (1, 2), (2, -1), mode, 0.5))
    # a symbolic dim too small for the reflection is caught at call time
    with pytest.raises(tvmc.OutOfBoundsError):
        f.run(rand(rng, (2, 4), "float32"))


def test_pad_errors():
    A = te.placeholder((3, 4), "int8", name="A")
    with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_pad: value 300"):
        topi.pad(A, (1, 1), pad_value=300)
    with tvmc.Graph():
        A = te.placeholder((3, 4), "int8", name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="value 0.5"):
            topi.pad(A, (1, 1), pad_value=0.5)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="reflect padding of dim 0"):
            topi.pad(A, (3, 0), (0, 0), mode="reflect")
    with tvmc.Graph():
        A = te.placeholder((0, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="edge padding.*non-empty"):
            topi.pad(A, (1, 0), (0, 0), mode="edge")
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="below zero"):
            topi.pad(A, (-2, 0), (-2, 0))


# ---------------------------------------------------------------------------
# gather / take
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("idx_dtype", ["int32", "int64"])
def test_gather(target, rng, dtype, idx_dtype):
    a = rand(rng, (4, 5, 3), dtype)
    for axis, ishape in [(0, (6,)), (1, (2, 3)), (-1, ()), (2, (1, 4)), (-3, (0,))]:
        dim = a.shape[axis]
        idx = rng.integers(-dim, dim, size=ishape).astype(idx_dtype)
        with tvmc.Graph():
            A = te.placeholder(a.shape, dtype, name="A")
            I = te.placeholder(ishape, idx_dtype, name="I")
            B = topi.gather(A, I, axis)
            want = np.take(a, idx, axis)
            assert B.shape == want.shape
            check([A, I], [B], [a, idx], want, target)


def test_take_flat_and_constant_indices(target, rng):
    a = rand(rng, (3, 4), "float32")
    A = te.placeholder((3, 4), name="A")
    B = topi.take(A, [0, 11, -1, 5])
    C = topi.take(A, np.array([[2, -3]]), axis=0)
    check([A], [B, C], [a], [np.take(a, [0, 11, -1, 5]), np.take(a, [[2, -3]], 0)], target)


def test_gather_symbolic(target, rng):
    n, k = te.var("n"), te.var("k")
    A = te.placeholder((n, 3), name="A")
    I = te.placeholder((k,), "int64", name="I")
    B = topi.gather(A, I, 0)
    f = tvmc.build([A, I, B], target=target)
    for rows, cnt in [(5, 7), (1, 2), (3, 0)]:
        a = rand(rng, (rows, 3), "float32")
        idx = rng.integers(-rows, rows, size=cnt).astype("int64")
        np.testing.assert_array_equal(f.run(a, idx), np.take(a, idx, 0))


@pytest.mark.parametrize("bad", [5, -6, 2**40, -2**40, I64_MIN])
def test_gather_out_of_range_fails_at_call(target, bad):
    A = te.placeholder((5, 2), name="A")
    I = te.placeholder((3,), "int64", name="I")
    B = topi.gather(A, I, 0)
    for inline in (True, False):
        f = tvmc.build([A, I, B], target=target, inline=inline)
        a = np.arange(10, dtype="float32").reshape(5, 2)
        with pytest.raises(tvmc.OutOfBoundsError, match="A"):
            f.run(a, np.array([0, bad, 1], "int64"))
        with pytest.raises(IndexError):             # the builtin class too
            f.run(a, np.array([bad, 0, 0], "int64"))
        # the function stays usable
        np.testing.assert_array_equal(f.run(a, np.array([4, -5, -1], "int64")),
                                      a[[4, 0, 4]])


class GuardedArray:
    """A float32 array flush against a PROT_NONE page (after its end, or
    before its start): a read one element outside it faults the process."""

    def __init__(self, values, guard_after=True):
        import ctypes
        import mmap
        page = mmap.PAGESIZE
        nbytes = len(values) * 4
        assert nbytes <= page
        self.mem = mmap.mmap(-1, 2 * page)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self.mem))
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        guard = base + page if guard_after else base
        assert libc.mprotect(guard, page, 0) == 0          # PROT_NONE
        offset = page - nbytes if guard_after else page
        self.array = np.frombuffer(self.mem, "float32", len(values), offset)
        self.array[:] = values


@pytest.mark.parametrize("guard_after", [True, False])
def test_gather_out_of_range_never_reads(target, guard_after):
    # an unchecked read of index 8 (or -9, which wraps to -1) would fault
    g = GuardedArray(np.arange(8, dtype="float32"), guard_after)
    A = te.placeholder((8,), name="A")
    I = te.placeholder((2,), "int64", name="I")
    B = topi.gather(A, I, 0)
    for inline in (True, False):
        f = tvmc.build([A, I, B], target=target, inline=inline)
        bad = 8 if guard_after else -9
        with pytest.raises(tvmc.OutOfBoundsError):
            f.run(g.array, np.array([0, bad], "int64"))
        edge = 7 if guard_after else -8
        np.testing.assert_array_equal(f.run(g.array, np.array([edge, 3], "int64")),
                                      [g.array[edge], 3])


@pytest.mark.parametrize("guard_after", [True, False])
def test_guarded_boundaries_never_read_outside(target, guard_after):
    # padding and concatenation guards: even a speculated read stays inside
    g1 = GuardedArray(np.arange(1, 8, dtype="float32"), guard_after)
    g2 = GuardedArray(-np.arange(1, 6, dtype="float32"), not guard_after)
    A = te.placeholder((7,), name="A")
    B = te.placeholder((5,), name="B")
    outs = [topi.pad(A, (3,), (4,), 9.0), topi.pad(A, (3,), (4,), mode="edge"),
            topi.pad(A, (3,), (4,), mode="reflect"), topi.concatenate([A, B, A], 0),
            topi.slice(topi.pad(B, (2,), (2,), -1.0), [-1], [I64_MIN], [0], [-1])]
    a, b = g1.array, g2.array
    want = [np.pad(a, (3, 4), constant_values=9), np.pad(a, (3, 4), mode="edge"),
            np.pad(a, (3, 4), mode="reflect"), np.concatenate([a, b, a]),
            np.pad(b, 2, constant_values=-1)[::-1]]
    check([A, B], outs, [a, b], want, target)


def test_gather_int32_out_of_range(target):
    A = te.placeholder((3,), "int8", name="A")
    I = te.placeholder((2,), "int32", name="I")
    B = topi.gather(A, I, 0)
    f = tvmc.build([A, I, B], target=target)
    with pytest.raises(tvmc.OutOfBoundsError):
        f.run(np.arange(3, dtype="int8"), np.array([2**31 - 1, 0], "int32"))
    with pytest.raises(tvmc.OutOfBoundsError):
        f.run(np.arange(3, dtype="int8"), np.array([0, -4], "int32"))


def test_gather_errors():
    A = te.placeholder((3, 4), name="A")
    I = te.placeholder((2,), "float32", name="I")
    with pytest.raises(tvmc.DTypeError, match="tvm_op_gather: indices is float32"):
        topi.gather(A, I, 0)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        I = te.placeholder((2,), "uint8", name="I")
        with pytest.raises(tvmc.DTypeError, match="int32 or int64"):
            topi.gather(A, I, 0)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        I = te.placeholder((2,), "int32", name="I")
        with pytest.raises(tvmc.InvalidArgumentError, match="axis -3"):
            topi.gather(A, I, -3)
    with tvmc.Graph():
        A = te.placeholder((), name="A")
        I = te.placeholder((2,), "int32", name="I")
        with pytest.raises(tvmc.InvalidArgumentError, match="rank 0"):
            topi.gather(A, I, 0)


# ---------------------------------------------------------------------------
# resize: a reference from the ONNX spec formulas
# ---------------------------------------------------------------------------

def ref_coord(x, n, m, mode):
    """x_original for output index x, input length n, output length m."""
    scale = m / n
    if mode == "half_pixel":
        return (x + 0.5) / scale - 0.5
    if mode == "asymmetric":
        return x / scale
    if mode == "align_corners":
        return 0.0 if m == 1 else x * (n - 1) / (m - 1)
    if mode == "pytorch_half_pixel":
        return (x + 0.5) / scale - 0.5 if m > 1 else 0.0
    raise ValueError(mode)


def ref_round(c, rounding):
    f = math.floor(c)
    if rounding == "round_prefer_floor":
        return f + 1 if c - f > 0.5 else f
    if rounding == "round_prefer_ceil":
        return f + 1 if c - f >= 0.5 else f
    if rounding == "floor":
        return f
    return math.ceil(c)


def ref_resize(a, size, method, coord, rounding):
    """Separable ONNX Resize in float64; indices clamped to the input (the
    reference's edge padding)."""
    out = a.astype(np.float64)
    for d in range(a.ndim):
        n, m = out.shape[d], size[d]
        clamp = lambda i: min(max(i, 0), n - 1)  # noqa: E731
        cols = []
        for x in range(m):
            c = ref_coord(x, n, m, coord)
            if method == "nearest":
                cols.append(np.take(out, clamp(ref_round(c, rounding)), axis=d))
            else:
                f = math.floor(c)
                t = c - f
                cols.append((1 - t) * np.take(out, clamp(f), axis=d) +
                            t * np.take(out, clamp(f + 1), axis=d))
        out = np.stack(cols, axis=d)
    return out


COORDS = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"]
ROUNDINGS = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
SIZES = [((5,), (9,)), ((7,), (3,)), ((4,), (1,)), ((1,), (4,)), ((3, 5), (7, 2)),
         ((2, 3, 4, 5), (2, 3, 8, 3)), ((2, 6, 3), (5, 6, 7))]


@pytest.mark.parametrize("coord", COORDS)
@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_resize_nearest(target, rng, coord, rounding):
    for shape, size in SIZES:
        a = rand(rng, shape, "float32")
        with tvmc.Graph():
            A = te.placeholder(shape, name="A")
            B = topi.resize(A, size, "nearest", coord, rounding)
            want = ref_resize(a, size, "nearest", coord, rounding).astype("float32")
            check([A], [B], [a], want, target)


@pytest.mark.parametrize("coord", COORDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_resize_linear(target, rng, coord, dtype):
    tol = {"float32": 1e-5, "float64": 1e-12, "float16": 2e-3}[dtype]
    for shape, size in SIZES:
        a = rand(rng, shape, dtype)
        with tvmc.Graph():
            A = te.placeholder(shape, dtype, name="A")
            B = topi.resize(A, size, "linear", coord)
            want = ref_resize(a, size, "linear", coord, None)
            for inline in (True, False):
                got = build_run([A], [B], [a], target, inline)[0]
                assert got.dtype == a.dtype and got.shape == tuple(size)
                np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol * 10)


def test_resize_known_values(target):
    # the ONNX operator examples for 2x2 -> 4x4 (and 2x2 -> 4x6 nearest)
    a = np.array([[1, 2], [3, 4]], "float32")
    A = te.placeholder((2, 2), name="A")
    lin = topi.resize(A, (4, 4), "linear", "half_pixel")
    ac = topi.resize(A, (4, 4), "linear", "align_corners")
    near = topi.resize(A, (4, 6), "nearest", "half_pixel", "round_prefer_floor")
    got = build_run([A], [lin, ac, near], [a], target)
    np.testing.assert_allclose(got[0], [[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5],
                                        [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]], rtol=1e-6)
    t = 1 / 3
    np.testing.assert_allclose(got[1], [[1, 1 + t, 1 + 2 * t, 2], [1 + 2 * t, 2, 2 + t, 2 + 2 * t],
                                        [2 + t, 2 + 2 * t, 3, 3 + t], [3, 3 + t, 3 + 2 * t, 4]],
                               rtol=1e-6)
    np.testing.assert_array_equal(got[2], [[1, 1, 1, 2, 2, 2], [1, 1, 1, 2, 2, 2],
                                           [3, 3, 3, 4, 4, 4], [3, 3, 3, 4, 4, 4]])


def test_resize_symbolic_input(target, rng):
    n = te.var("n")
    A = te.placeholder((n, 3), name="A")
    B = topi.resize(A, (6, 5), "linear", "half_pixel")
    C = topi.resize(A, (6, 5), "nearest", "asymmetric", "floor")
    f = tvmc.build([A, B, C], target=target)
    for rows in (2, 4, 9):
        a = rand(rng, (rows, 3), "float32")
        b, c = f.run(a)
        np.testing.assert_allclose(b, ref_resize(a, (6, 5), "linear", "half_pixel", None),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(c, ref_resize(a, (6, 5), "nearest", "asymmetric",
                                                    "floor").astype("float32"))


def test_resize_errors():
    A = te.placeholder((3, 4), "int32", name="A")
    with pytest.raises(tvmc.DTypeError, match="tvm_op_resize: x is int32"):
        topi.resize(A, (6, 8))
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match=r"out_shape\[1\] is 0"):
            topi.resize(A, (6, 0))
    with tvmc.Graph():
        A = te.placeholder((0, 4), name="A")
        with pytest.raises(tvmc.ShapeError, match="dim 0 of x is 0"):
            topi.resize(A, (2, 4))
    with tvmc.Graph():
        A = te.placeholder((2,) * 9, name="A")
        with pytest.raises(tvmc.UnsupportedError, match="more than 8"):
            topi.resize(A, (3,) * 9, "linear")


def test_resize_rank0_and_identity(target, rng):
    A = te.placeholder((), name="A")
    B = topi.resize(A, ())
    check([A], [B], [np.array(1.5, "float32")], np.array(1.5, "float32"), target)
    with tvmc.Graph():
        a = rand(rng, (3, 4), "float32")
        A = te.placeholder((3, 4), name="A")
        B = topi.resize(A, (3, 4), "linear", "align_corners")
        check([A], [B], [a], a, target)


# ---------------------------------------------------------------------------
# chains: fused and unfused builds agree with numpy
# ---------------------------------------------------------------------------

def test_chain_fused_and_unfused(target, rng):
    a = rand(rng, (4, 6, 5), "float32")
    A = te.placeholder((4, 6, 5), name="A")
    B = topi.transpose(A, (2, 0, 1))                                # 5, 4, 6
    C = topi.pad(B, (0, 1, 2), (1, 1, -1), mode="reflect")          # 6, 6, 7
    D = topi.reshape(C, (3, 2, -1))                                 # 3, 2, 42
    E = topi.slice(D, [-1, 40], [I64_MIN, 2], [0, 2], [-1, -3])     # 3, 2, 13
    F = topi.concatenate([E, E], -1)                                 # 3, 2, 26
    G = topi.tile(topi.squeeze(topi.slice(F, [0], [1], [1])), (1, 2))   # 3, 52
    b = a.transpose(2, 0, 1)
    c = pad_ref(b, (0, 1, 2), (1, 1, -1), "reflect")
    d = c.reshape(3, 2, -1)
    e = d[::-1, :, 40:2:-3]
    f = np.concatenate([e, e], -1)
    g = np.tile(f[:, 0, :], (1, 2))
    check([A], [G, E], [a], [g, e], target)
    fn = tvmc.build([A, G], target=target, inline=False)
    assert fn.source("loop").count("for (") > tvmc.build([A, G], target=target).source(
        "loop").count("for (")


def test_results_feed_te_compute(target, rng):
    # Python shapes of the results work in hand-written computes
    n = te.var("n")
    A = te.placeholder((n, 4), name="A")
    B = topi.pad(A, (1, 0), (1, 0))
    C = te.compute(B.shape, lambda i, j: B[i, j] * 2.0, name="C")
    f = tvmc.build([A, C], target=target)
    a = rand(rng, (3, 4), "float32")
    np.testing.assert_array_equal(f.run(a), np.pad(a, ((1, 1), (0, 0))) * 2)


def test_int32_dims_of_a_compute(target, rng):
    # a compute whose dims are int32 constants: operators index in int64
    a = rand(rng, (4, 6), "float32")
    A = te.placeholder((4, 6), name="A")
    B = te.compute((te.const(4, "int32"), te.const(6, "int32")), lambda i, j: A[i, j] + 1.0,
                   name="B")
    C = te.compute((te.const(1, "int32"), te.const(6, "int32")), lambda i, j: A[3, j], name="C")
    outs = [topi.reshape(B, (-1,)), topi.pad(B, (1, 1), mode="edge"), topi.tile(B, (2, 1)),
            topi.concatenate([B, B], 0), topi.gather(B, [3, -1], 1), topi.squeeze(C),
            topi.resize(B, (4, 3), "nearest", "asymmetric", "floor")]
    b = a + 1
    want = [b.reshape(-1), np.pad(b, 1, mode="edge"), np.tile(b, (2, 1)),
            np.concatenate([b, b]), np.take(b, [3, -1], 1), a[3], b[:, ::2]]
    assert outs[5].shape == (6,)
    check([A], outs, [a], want, target)


def test_symbolic_crop_below_zero_fails_the_call(target):
    n = te.var("n")
    A = te.placeholder((n, 4), name="A")
    B = topi.pad(A, (-3, 0), (0, 0))
    f = tvmc.build([A, B], target=target)
    assert f.run(np.ones((4, 4), "float32")).shape == (1, 4)
    with pytest.raises(tvmc.ShapeError):
        f(np.ones((2, 4), "float32"), np.empty((0, 4), "float32"))


def test_random_slices_and_pads(target):
    # random ONNX slices and pads (any mode, crops included) on odd shapes,
    # fused and unfused, against the references above
    rng = np.random.default_rng(2024)
    for trial in range(25):
        rank = int(rng.integers(1, 4))
        shape = tuple(int(d) for d in rng.integers(1, 7, size=rank))
        a = rand(rng, shape, "int8")
        naxes = int(rng.integers(1, rank + 1))
        axes = [int(x) for x in rng.permutation(rank)[:naxes]]
        starts = [int(x) for x in rng.integers(-9, 9, size=naxes)]
        ends = [int(x) for x in rng.integers(-9, 9, size=naxes)]
        steps = [int(x) for x in rng.choice([-3, -2, -1, 1, 2, 3], size=naxes)]
        mode = ["constant", "edge", "reflect"][trial % 3]
        before = [int(x) for x in rng.integers(-1, 3, size=rank)]
        after = [int(x) for x in rng.integers(-1, 3, size=rank)]
        if mode == "reflect":
            before = [min(b, d - 1) for b, d in zip(before, shape)]
            after = [min(e, d - 1) for e, d in zip(after, shape)]
        after = [max(e, -d - b) for b, e, d in zip(before, after, shape)]  # no negative dims
        with tvmc.Graph():
            A = te.placeholder(shape, "int8", name="A")
            S = topi.slice(A, starts, ends, axes, steps)
            P = topi.pad(A, before, after, -7, mode=mode)
            PS = topi.slice(P, starts, ends, axes, steps)
            p = pad_ref(a, before, after, mode, -7)
            check([A], [S, P, PS], [a],
                  [onnx_slice_ref(a, starts, ends, axes, steps), p,
                   onnx_slice_ref(p, starts, ends, axes, steps)], target)


def test_random_reshape_transpose_chains(target):
    # reshape -> transpose -> reshape through random factorisations of the
    # element count (the grouping of dims must not change the order)
    rng = np.random.default_rng(77)

    def factorise(n):
        dims = []
        for p in (2, 2, 3, 2, 5, 3):
            if n % p == 0 and rng.random() < 0.6:
                dims.append(p)
                n //= p
        dims.append(n)
        return [int(d) for d in rng.permutation(dims)] + [1] * int(rng.integers(0, 2))

    for trial in range(20):
        shape = factorise(360)
        a = rand(rng, shape, "int64", -10**6, 10**6)
        s1, s2 = factorise(360), factorise(360)
        perm = [int(x) for x in rng.permutation(len(s1))]
        with tvmc.Graph():
            A = te.placeholder(shape, "int64", name="A")
            B = topi.reshape(topi.transpose(topi.reshape(A, s1), perm), s2)
            check([A], [B], [a], a.reshape(s1).transpose(perm).reshape(s2), target)


def test_symbolic_reshape_through_products(target):
    # element counts are compared through products of earlier shape maths:
    # [n, 6m] -> [-1, 6] is [n*m, 6]; tile's 2n*m regroups as [2, n*m, 6]
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m, 6), name="A")
    B = topi.reshape(A, (0, -1))
    C = topi.reshape(B, (-1, 6))
    D = topi.reshape(C, (-1, 3, 2))
    E = topi.flatten(topi.tile(A, (2, 1, 1)), 2)
    F = topi.reshape(E, (2, -1, 6))
    f = tvmc.build([A, B, C, D, E, F], target=target)
    for s in [(2, 3, 6), (1, 5, 6), (0, 2, 6)]:
        a = np.arange(np.prod(s), dtype="float32").reshape(s)
        b, c, d, e, g_ = f.run(a)
        t = np.tile(a, (2, 1, 1)).reshape(2 * s[0] * s[1], 6)
        for got, want in [(b, a.reshape(s[0], s[1] * 6)), (c, a.reshape(s[0] * s[1], 6)),
                          (d, a.reshape(s[0] * s[1], 3, 2)), (e, t),
                          (g_, t.reshape(2, s[0] * s[1], 6))]:
            np.testing.assert_array_equal(got, want)


def test_bfloat16(target):
    # bfloat16 moves bits unchanged; linear resize computes in float32
    vals = np.array([[1, 2, 3], [4, 5, 6]], "float32")  # exact in bfloat16
    a = tvmc.nd.array(vals, "bfloat16")
    A = te.placeholder((2, 3), "bfloat16", name="A")
    outs = [topi.transpose(A), topi.pad(A, (1, 0), (0, 1), -2.0),
            topi.resize(A, (2, 5), "linear", "align_corners")]
    f = tvmc.build([A] + outs, target=target)
    t, p, r = [o.numpy() for o in f.run(a)]
    np.testing.assert_array_equal(t, vals.T)
    np.testing.assert_array_equal(p, np.pad(vals, ((1, 0), (0, 1)), constant_values=-2))
    np.testing.assert_array_equal(r, ref_resize(vals, (2, 5), "linear", "align_corners", None))
