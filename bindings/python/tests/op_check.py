"""Shared helpers of the operator-library tests (test_op_*.py).

``run_both`` compiles a computation twice, with fusion and with
TVM_COMPILE_NO_INLINE (every compute its own kernel), runs both on the same
inputs and checks they agree, so each operator test also covers the
unfused lowering. References are computed independently in numpy, in
float64 for floating-point dtypes."""

import math

import numpy as np

import tvmc
from tvmc import nd

FLOATS = ["float32", "float64", "float16", "bfloat16"]
INTS = ["int8", "int16", "int32", "int64", "uint8"]

# (rtol, atol) for comparing a result of dtype against a float64 reference
TOL = {"float32": (2e-5, 1e-6), "float64": (1e-12, 1e-13), "float16": (2e-3, 2e-3),
       "bfloat16": (1.6e-2, 1.6e-2)}


def make_input(x, dtype):
    """An argument array of ``dtype`` holding ``x`` (rounded to it)."""
    if dtype == "bfloat16":
        return nd.array(np.asarray(x, dtype=np.float32), "bfloat16")
    return np.asarray(x).astype(dtype)


def values(a):
    """The values an argument or result holds, as float64 for floats (bf16
    through tvmc.nd) and unchanged otherwise."""
    arr = np.asarray(a)
    return arr.astype(np.float64) if arr.dtype.kind == "f" else arr


def as_dtype(ref, dtype):
    """A float64 reference rounded to ``dtype`` (bf16 via tvmc.nd)."""
    if dtype == "bfloat16":
        return np.asarray(nd.array(np.asarray(ref, np.float32), "bfloat16")).astype(np.float64)
    return np.asarray(ref).astype(dtype).astype(np.float64)


def _same(a, b):
    # fused and unfused kernels may combine a reduction in another order, so
    # floats agree to a few ulps of their dtype, not bit for bit
    dtype = a.dtype if isinstance(a, nd.NDArray) else np.asarray(a).dtype.name
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    if a.dtype.kind == "f":
        rtol, atol = TOL[dtype]
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def run_both(tensors, inputs, target):
    """Builds [inputs..., outputs...] fused and unfused, runs both, checks
    they agree and returns the fused results (a list)."""
    fused = tvmc.build(tensors, target=target)
    plain = tvmc.build(tensors, target=target, inline=False)
    r1, r2 = fused.run(*inputs), plain.run(*inputs)
    if fused.num_outputs == 1:
        r1, r2 = [r1], [r2]
    for a, b in zip(r1, r2):
        _same(a, b)
    return list(r1)


def assert_close(out, ref, dtype, rtol=None, atol=None):
    """``out`` (of ``dtype``) against a float64 reference, NaN == NaN."""
    r, a = TOL[dtype]
    out = values(out)
    ref = np.asarray(ref, dtype=np.float64)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    np.testing.assert_allclose(out, ref, rtol=rtol if rtol is not None else r,
                               atol=atol if atol is not None else a, equal_nan=True)


def np_erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)
