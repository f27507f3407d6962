"""Indexing, selection, quantization and bit operators (topi.index over the
C tvm_op_gather_elements ... tvm_op_bitshift calls) against references
written here in numpy; both targets, fused and unfused; error classes of
bad arguments and of out-of-range indices at call time."""

import numpy as np
import pytest

import tvmc
from tvmc import te, topi
from conftest import rand


def check(inputs, outputs, arrays, expected, target):
    """Results equal the references with and without fusion."""
    outputs = outputs if isinstance(outputs, list) else [outputs]
    expected = expected if isinstance(expected, list) else [expected]
    for inline in (True, False):
        f = tvmc.build(list(inputs) + outputs, target=target, inline=inline)
        got = f.run(*arrays)
        got = list(got) if isinstance(got, tuple) else [got]
        for t, g_, e in zip(outputs, got, expected):
            g_ = np.asarray(g_)
            assert g_.shape == e.shape == tuple(t.shape), (g_.shape, e.shape, t.shape)
            assert g_.dtype == e.dtype, (g_.dtype, e.dtype)
            if e.dtype.kind == "f":
                np.testing.assert_allclose(g_, e, rtol=1e-5, atol=1e-5)
            else:
                np.testing.assert_array_equal(g_, e)


# ---------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------

def ref_gather_nd(x, idx, b):
    m = idx.shape[-1]
    out = np.empty(idx.shape[:-1] + x.shape[b + m:], x.dtype)
    for pos in np.ndindex(*idx.shape[:-1]):
        t = tuple(int(v) for v in idx[pos])
        out[pos] = x[pos[:b] + t]
    return out


def ref_scatter_elements(x, idx, upd, axis, red):
    out = x.copy()
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[axis] = int(idx[pos])
        tgt = tuple(tgt)
        out[tgt] = _combine(out[tgt], upd[pos], red)
    return out


def ref_scatter_nd(x, idx, upd, red):
    out = x.copy()
    for pos in np.ndindex(*idx.shape[:-1]):
        t = tuple(int(v) for v in idx[pos])
        out[t] = _combine(out[t], upd[pos], red)
    return out


def _combine(a, b, red):
    return {"none": lambda: b, "add": lambda: a + b, "mul": lambda: a * b,
            "max": lambda: np.maximum(a, b), "min": lambda: np.minimum(a, b)}[red]()


def ref_topk(x, k, axis, largest):
    # stable sort keeps equal values in increasing position, as ONNX asks
    key = -x.astype(np.float64) if largest else x
    idx = np.take(np.argsort(key, axis=axis, kind="stable"), np.arange(k), axis=axis)
    return np.take_along_axis(x, idx, axis), idx.astype(np.int64)


# ---------------------------------------------------------------------------
# gather_elements / gather_nd
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("idtype", ["int32", "int64"])
def test_gather_elements(target, rng, axis, idtype):
    a = rand(rng, (4, 5), "float32")
    ish = (3, 5) if axis == 0 else (4, 3)
    dim = a.shape[axis]
    idx = rng.integers(-dim, dim, size=ish).astype(idtype)
    A = te.placeholder(a.shape, name="A")
    I = te.placeholder(ish, idtype, name="I")
    B = topi.gather_elements(A, I, axis)
    want = np.take_along_axis(a, np.where(idx < 0, idx + dim, idx), axis)
    check([A, I], B, [a, idx], want, target)


@pytest.mark.parametrize("xshape,ishape,b", [((4, 5, 3), (6, 2), 0), ((4, 5, 3), (2, 3), 0),
                                              ((4, 5), (7, 1), 0), ((3, 4, 5), (3, 2, 1), 1)])
def test_gather_nd(target, rng, xshape, ishape, b):
    a = rand(rng, xshape, "int32")
    m = ishape[-1]
    dims = np.array(xshape[b:b + m])
    idx = rng.integers(-dims, dims, size=ishape).astype("int64")
    A = te.placeholder(xshape, "int32", name="A")
    I = te.placeholder(ishape, "int64", name="I")
    B = topi.gather_nd(A, I, b)
    check([A, I], B, [a, idx], ref_gather_nd(a, idx, b), target)


def test_gather_elements_constant_indices(target, rng):
    a = rand(rng, (3, 4), "float32")
    A = te.placeholder(a.shape, name="A")
    B = topi.gather_elements(A, [[3, 0], [-1, 1], [2, 2]], axis=1)
    check([A], B, [a], a[np.arange(3)[:, None], [[3, 0], [3, 1], [2, 2]]], target)


# ---------------------------------------------------------------------------
# scatters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("red", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("axis", [0, 1])
def test_scatter_elements(target, rng, red, axis):
    a = rand(rng, (4, 5), "int32")
    ish = (3, 5) if axis == 0 else (4, 3)
    dim = a.shape[axis]
    idx = rng.integers(-dim, dim, size=ish).astype("int64")
    u = rand(rng, ish, "int32")
    A = te.placeholder(a.shape, "int32", name="A")
    I = te.placeholder(ish, "int64", name="I")
    U = te.placeholder(ish, "int32", name="U")
    B = topi.scatter_elements(A, I, U, axis, red)
    want = ref_scatter_elements(a, np.where(idx < 0, idx + dim, idx), u, axis, red)
    check([A, I, U], B, [a, idx, u], want, target)


@pytest.mark.parametrize("red", ["none", "add", "max"])
@pytest.mark.parametrize("xshape,ishape", [((5, 3), (4, 1)), ((4, 5, 2), (3, 2)),
                                           ((4, 5), (2, 3, 2))])
def test_scatter_nd(target, rng, red, xshape, ishape):
    a = rand(rng, xshape, "float32")
    m = ishape[-1]
    dims = np.array(xshape[:m])
    idx = rng.integers(0, dims, size=ishape).astype("int64")
    ush = ishape[:-1] + xshape[m:]
    u = rand(rng, ush, "float32")
    A = te.placeholder(xshape, name="A")
    I = te.placeholder(ishape, "int64", name="I")
    U = te.placeholder(ush, name="U")
    B = topi.scatter_nd(A, I, U, red)
    check([A, I, U], B, [a, idx, u], ref_scatter_nd(a, idx, u, red), target)


# ---------------------------------------------------------------------------
# topk
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("axis,k,ascend", [(1, 3, False), (0, 2, True), (-1, 0, False),
                                           (1, 6, True)])
def test_topk(target, rng, axis, k, ascend):
    a = rand(rng, (4, 6), "int32", -3, 3)   # many ties
    A = te.placeholder(a.shape, "int32", name="A")
    V, I = topi.topk(A, k, axis, ret_type="both", is_ascend=ascend)
    wv, wi = ref_topk(a, k, axis, not ascend)
    check([A], [V, I], [a], [wv, wi], target)


def test_topk_ret_types(target, rng):
    a = rand(rng, (3, 7), "float32")
    A = te.placeholder(a.shape, name="A")
    I = topi.topk(A, 2, ret_type="indices")
    V = topi.topk(A, 2, ret_type="values")
    wv, wi = ref_topk(a, 2, 1, True)
    assert I.dtype == "int64" and V.dtype == "float32"
    check([A], [V, I], [a], [wv, wi], target)


# ---------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------

EINSUMS = [("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]),
           ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ii->i", [(4, 4)]),
           ("ii", [(4, 4)]), ("ji", [(3, 4)]), ("...ij,...jk->...ik", [(2, 3, 4), (1, 4, 2)]),
           ("i,j->ij", [(3,), (4,)]), ("ij->", [(3, 4)]), ("bA,Ab", [(2, 3), (3, 2)]),
           ("Ba,aC->CB", [(2, 3), (3, 4)]), ("i j , j k -> i k", [(2, 3), (3, 2)]),
           ("...i->i...", [(2, 3, 4)])]


@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum(target, rng, eq, shapes):
    arrays = [rand(rng, s, "float32", -2, 2) for s in shapes]
    ts = [te.placeholder(s, name="X%d" % k) for k, s in enumerate(shapes)]
    out = topi.einsum(eq, *ts)
    want = np.einsum(eq.replace(" ", ""), *[x.astype(np.float64) for x in arrays])
    check(ts, out, arrays, np.asarray(want).astype(np.float32), target)


def test_einsum_int(target, rng):
    a, b = rand(rng, (3, 4), "int64"), rand(rng, (4, 2), "int64")
    A, B = te.placeholder(a.shape, "int64", name="A"), te.placeholder(b.shape, "int64", name="B")
    check([A, B], topi.einsum("ij,jk->ik", [A, B]), [a, b], a @ b, target)


# ---------------------------------------------------------------------------
# quantize / dequantize
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("out_dtype", ["int8", "uint8"])
def test_quantize_per_tensor(target, rng, out_dtype):
    x = rand(rng, (4, 6), "float32", -40, 40)
    x[0, :4] = [np.nan, 1e9, -1e9, 0.25]      # NaN -> 0, saturation
    s, z = np.float32(0.37), np.array(3 if out_dtype == "int8" else 128, out_dtype)
    X = te.placeholder(x.shape, name="X")
    S = te.const_tensor(np.array(s, "float32"), name="S")
    Z = te.const_tensor(z, name="Z")
    Q = topi.quantize(X, S, Z)
    info = np.iinfo(out_dtype)
    with np.errstate(invalid="ignore"):
        q = np.round(x / s) + z.astype(np.float32)
    want = np.clip(np.nan_to_num(q, nan=0.0), info.min, info.max).astype(out_dtype)
    want[0, 0] = 0
    check([X], Q, [x], want, target)


def test_quantize_per_axis_and_default_dtype(target, rng):
    x = rand(rng, (3, 4), "float32", -5, 5)
    s = np.array([0.1, 0.5, 0.05], "float32")
    X = te.placeholder(x.shape, name="X")
    S = te.placeholder((3,), name="S")
    Q = topi.quantize(X, S, axis=0)                # no zero point: uint8
    want = np.clip(np.round(x / s[:, None]), 0, 255).astype("uint8")
    assert Q.dtype == "uint8"
    check([X, S], Q, [x, s], want, target)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32"])
def test_dequantize(target, rng, dtype):
    x = rand(rng, (2, 5), dtype, -100, 100)
    s = np.array([0.5, 0.25], "float32")
    z = np.array([3, 7], dtype)
    X = te.placeholder(x.shape, dtype, name="X")
    S = te.placeholder((2,), name="S")
    Z = te.placeholder((2,), dtype, name="Z")
    D = topi.dequantize(X, S, Z, axis=0)
    want = ((x.astype(np.int64) - z[:, None]).astype(np.float32) * s[:, None]).astype("float32")
    check([X, S, Z], D, [x, s, z], want, target)


# ---------------------------------------------------------------------------
# bit shifts
# ---------------------------------------------------------------------------

def ref_shift(x, y, left):
    bits = x.dtype.itemsize * 8
    x64, y64 = np.broadcast_arrays(x.astype(np.int64), y.astype(np.int64))
    out = np.empty(x64.shape, np.int64)
    for pos in np.ndindex(*x64.shape):
        v, s = int(x64[pos]), int(y64[pos])
        if s < 0 or s >= bits:
            r = -1 if (not left and v < 0) else 0
        elif left:
            r = (v << s) & ((1 << bits) - 1)
            if x.dtype.kind == "i" and r >= 1 << (bits - 1):
                r -= 1 << bits
        else:
            r = v >> s                            # Python: toward -infinity
        out[pos] = r
    return out.astype(x.dtype)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("left", [True, False])
def test_bitshift(target, rng, dtype, left):
    info = np.iinfo(dtype)
    x = rng.integers(max(info.min, -1000), min(info.max, 1000) + 1, size=(3, 5)).astype(dtype)
    bits = info.bits
    lo = -2 if info.min < 0 else 0
    y = rng.integers(lo, bits + 3, size=(5,)).astype(dtype)
    X = te.placeholder(x.shape, dtype, name="X")
    Y = te.placeholder(y.shape, dtype, name="Y")
    Z = topi.left_shift(X, Y) if left else topi.right_shift(X, Y)
    check([X, Y], Z, [x, y], ref_shift(x, y, left), target)


# ---------------------------------------------------------------------------
# symbolic dims: the shapes worked out in Python carry the size variables
# ---------------------------------------------------------------------------

def test_symbolic_shapes(target, rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, 6), name="A")
    B = te.placeholder((6, m), name="B")
    V, I = topi.topk(A, 2, axis=1)
    C = topi.einsum("ij,jk->ik", A, B)
    assert V.shape[1] == 2 and I.shape[1] == 2
    assert C.ndim == 2 and C.shape[0] is A.shape[0] and C.shape[1] is B.shape[1]
    f = tvmc.build([A, B, V, I, C], target=target)
    for rows, cols in [(3, 2), (1, 5)]:
        a, b = rand(rng, (rows, 6), "float32"), rand(rng, (6, cols), "float32")
        v, i, c = f.run(a, b)
        wv, wi = ref_topk(a, 2, 1, True)
        np.testing.assert_array_equal(np.asarray(v), wv)
        np.testing.assert_array_equal(np.asarray(i), wi)
        np.testing.assert_allclose(np.asarray(c), a.astype(np.float64) @ b, rtol=1e-5,
                                   atol=1e-4)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

def test_bad_axis_errors():
    A = te.placeholder((3, 4), name="A")
    I = te.placeholder((3, 4), "int64", name="I")
    with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_gather_elements"):
        topi.gather_elements(A, I, 2)
    for build in (lambda A, I: topi.scatter_elements(A, I, A, -3),
                  lambda A, I: topi.topk(A, 1, axis=5),
                  lambda A, I: topi.quantize(A, te.placeholder((4,), name="S"), axis=7)):
        with tvmc.Graph():
            A = te.placeholder((3, 4), name="A")
            I = te.placeholder((3, 4), "int64", name="I")
            with pytest.raises(tvmc.InvalidArgumentError):
                build(A, I)


def test_argument_errors():
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="tvm_op_topk"):
            topi.topk(A, 5, axis=1)               # k above a constant dim
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.DTypeError):
            topi.gather_elements(A, te.placeholder((3, 4), "float32", name="I"), 0)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.TVMError, match="tvm_op_einsum"):
            topi.einsum("ij,jk->ik", A)           # one operand for two terms
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.DTypeError):
            topi.left_shift(A, A)                 # floats do not shift
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
        with pytest.raises(tvmc.InvalidArgumentError, match="reduction"):
            topi.scatter_nd(A, [[0]], A, "sum")
        with pytest.raises(tvmc.InvalidArgumentError, match="ret_type"):
            topi.topk(A, 1, ret_type="all")
        with pytest.raises(TypeError):
            topi.einsum(3, A)
    with tvmc.Graph():
        A = te.placeholder((3, 4), name="A")
    with tvmc.Graph():
        I = te.placeholder((3, 4), "int64", name="I")
        with pytest.raises(tvmc.InvalidHandleError):
            topi.gather_elements(A, I, 0)


@pytest.mark.parametrize("which", ["gather_elements", "gather_nd", "scatter_elements",
                                   "scatter_nd"])
def test_index_out_of_range_fails_at_call(target, which):
    a = np.arange(12, dtype="float32").reshape(3, 4)
    A = te.placeholder((3, 4), name="A")
    if which == "gather_elements":
        I = te.placeholder((2, 4), "int64", name="I")
        B = topi.gather_elements(A, I, 0)
        good, bad = np.zeros((2, 4), "int64"), np.full((2, 4), -1, "int64")
        bad[1, 2] = 3
        ref = lambda i: np.take_along_axis(a, i % 3, 0)  # noqa: E731
        args = lambda i: [a, i]                          # noqa: E731
        inputs = [A, I]
    elif which == "gather_nd":
        I = te.placeholder((2, 2), "int64", name="I")
        B = topi.gather_nd(A, I)
        good, bad = np.array([[0, 3], [-3, -4]], "int64"), np.array([[0, 0], [1, 4]], "int64")
        ref = lambda i: ref_gather_nd(a, i, 0)   # noqa: E731
        args = lambda i: [a, i]                  # noqa: E731
        inputs = [A, I]
    elif which == "scatter_elements":
        I = te.placeholder((1, 4), "int64", name="I")
        U = te.placeholder((1, 4), name="U")
        u = np.full((1, 4), 50, "float32")
        B = topi.scatter_elements(A, I, U, 0)
        good, bad = np.array([[0, 1, 2, -1]], "int64"), np.array([[0, -4, 0, 0]], "int64")
        ref = lambda i: ref_scatter_elements(a, i % 3, u, 0, "none")  # noqa: E731
        args = lambda i: [a, i, u]                                  # noqa: E731
        inputs = [A, I, U]
    else:
        I = te.placeholder((2, 1), "int64", name="I")
        U = te.placeholder((2, 4), name="U")
        u = np.full((2, 4), 50, "float32")
        B = topi.scatter_nd(A, I, U)
        good, bad = np.array([[2], [0]], "int64"), np.array([[1], [2**40]], "int64")
        ref = lambda i: ref_scatter_nd(a, i, u, "none")  # noqa: E731
        args = lambda i: [a, i, u]                       # noqa: E731
        inputs = [A, I, U]
    for inline in (True, False):
        f = tvmc.build(inputs + [B], target=target, inline=inline)
        with pytest.raises(tvmc.OutOfBoundsError):
            f.run(*args(bad))
        with pytest.raises(IndexError):           # the builtin class too
            f.run(*args(bad))
        np.testing.assert_array_equal(f.run(*args(good)), ref(good))  # still usable
