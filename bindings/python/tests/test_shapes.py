"""Symbolic shapes reused across sizes, broadcasting through index arithmetic,
shape expressions, 0-d and empty tensors."""

import numpy as np
import pytest

import tvmc
from tvmc import te


def test_symbolic_shapes_reused_across_sizes(target, rng):
    n, m = te.var("n"), te.size_var("m")
    A = te.placeholder((n, m), name="A")
    B = te.placeholder((n, m), name="B")
    C = te.compute((n, m), lambda i, j: A[i, j] * B[i, j] - 1.0, name="C")
    f = tvmc.build([A, B, C], target=target)
    for shape in [(1, 1), (3, 5), (64, 33), (0, 4), (7, 1), (3, 5)]:
        a = rng.standard_normal(shape).astype("float32")
        b = rng.standard_normal(shape).astype("float32")
        np.testing.assert_array_equal(f.run(a, b), a * b - 1)
        assert f.output_shape(a, b) == shape


def test_shape_cache_stats():
    ctx = tvmc.Context(num_threads=1)
    with tvmc.Graph(ctx):
        n = te.var("n")
        A = te.placeholder((n,), name="A")
        B = te.compute((n,), lambda i: A[i] + 1.0, name="B")
        f = tvmc.build([A, B])
    for size in (3, 4, 5, 3, 4, 5):
        f.run(np.zeros(size, "float32"))
    st = ctx.stats()
    assert st["functions_compiled"] == 1
    assert st["kernels_compiled"] == 3
    assert st["kernel_cache_hits"] >= 3
    assert ctx.num_threads == 1


def test_broadcast_row_and_column(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    row = te.placeholder((m,), name="row")
    col = te.placeholder((n, 1), name="col")
    C = te.compute((n, m), lambda i, j: A[i, j] + row[j] * col[i, 0], name="C")
    f = tvmc.build([A, row, col, C], target=target)
    for shape in [(2, 3), (5, 8), (1, 9)]:
        a = rng.standard_normal(shape).astype("float32")
        r = rng.standard_normal(shape[1]).astype("float32")
        c = rng.standard_normal((shape[0], 1)).astype("float32")
        np.testing.assert_allclose(f.run(a, r, c), a + r * c, rtol=1e-6)


def test_broadcast_scalar_tensor(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    s = te.placeholder((), name="s")
    C = te.compute((n,), lambda i: A[i] * s[()], name="C")
    f = tvmc.build([A, s, C], target=target)
    np.testing.assert_array_equal(f.run(np.arange(4, dtype="float32"),
                                        np.array(3, "float32")), [0, 3, 6, 9])


def test_index_arithmetic_transpose_reverse(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    T = te.compute((m, n), lambda i, j: A[j, i], name="T")
    R = te.compute((n, m), lambda i, j: A[n - 1 - i, m - 1 - j], name="R")
    f = tvmc.build([A, T, R], target=target)
    a = rng.standard_normal((4, 6)).astype("float32")
    t, r = f.run(a)
    np.testing.assert_array_equal(t, a.T)
    np.testing.assert_array_equal(r, a[::-1, ::-1])


def test_output_shape_expressions(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    D = te.compute((n - 1,), lambda i: A[i + 1] - A[i], name="D")           # np.diff
    P = te.compute((n * 2,), lambda i: A[i // 2], name="P")                 # repeat
    f = tvmc.build([A, D, P], target=target)
    a = np.array([1, 4, 9, 16], "float32")
    d, p = f.run(a)
    np.testing.assert_array_equal(d, np.diff(a))
    np.testing.assert_array_equal(p, np.repeat(a, 2))


def test_concat_with_select(target):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((m,), name="B")
    C = te.compute((n + m,), lambda i: te.if_then_else(i < n, A[te.min(i, n - 1)],
                                                       B[te.max(i - n, 0)]), name="C")
    f = tvmc.build([A, B, C], target=target)
    a, b = np.arange(3, dtype="float32"), np.arange(10, 15, dtype="float32")
    np.testing.assert_array_equal(f.run(a, b), np.concatenate([a, b]))


def test_constant_shape_and_constant_tensor(target):
    W = te.const_tensor(np.array([[1, 2], [3, 4]], "float32"), name="W")
    assert W.shape == (2, 2) and W.dtype == "float32" and W.op.kind == "constant"
    A = te.placeholder((2, 2), name="A")
    C = te.compute((2, 2), lambda i, j: A[i, j] + W[j, i], name="C")
    f = tvmc.build([A, C], target=target)
    np.testing.assert_array_equal(f.run(np.zeros((2, 2), "float32")), [[1, 3], [2, 4]])


def test_size_var_only_in_output(target):
    # a size variable bound from the output array only
    n = te.var("n")
    C = te.compute((n,), lambda i: i.astype("float32"), name="C")
    f = tvmc.build([C], target=target)
    c = np.empty(5, "float32")
    f(c)
    np.testing.assert_array_equal(c, np.arange(5))
    with pytest.raises(tvmc.ShapeError):
        f.run()          # n is not determined by the inputs


def test_high_rank(target, rng):
    dims = [te.var("d%d" % k) for k in range(5)]
    A = te.placeholder(dims, name="A")
    B = te.compute(dims, lambda a, b, c, d, e: A[a, b, c, d, e] * 2.0, name="B")
    f = tvmc.build([A, B], target=target)
    a = rng.standard_normal((2, 1, 3, 2, 2)).astype("float32")
    np.testing.assert_array_equal(f.run(a), a * 2)


def test_tensor_attributes():
    n = te.var("n")
    A = te.placeholder((n, 3), "int16", name="A")
    assert A.shape[1] == 3 and A.shape[0] is n
    assert A.dtype == "int16" and A.ndim == 2 and A.name == "A"
    B = te.compute((n, 3), lambda row, col: A[row, col], name="B")
    assert [v.name for v in B.op.axis] == ["row", "col"]
    assert [v.kind for v in B.axis] == ["iter_var", "iter_var"]
    assert B.op.kind == "compute" and A.op.kind == "placeholder"
    assert "A" in repr(A) and "int16" in repr(A)
    C = te.compute((n, 3), lambda *idx: A[idx], name="C")
    assert [v.name for v in C.axis] == ["i0", "i1"]
    assert "B" in B.graph.text(B) and "A" in B.graph.text()
    k = te.reduce_axis((0, n), name="k")
    assert k.dom == (0, n) and k.kind == "reduce_axis" and k.dtype == "int64"
    assert A(n - 1, 0).dtype == "int16"
