"""topi: elementwise, reduction and normalisation operators.

Thin wrappers over the C operator library (``tvm_op_binary``,
``tvm_op_unary``, ``tvm_op_reduce``, ``tvm_op_softmax``, ...), named as in
TVM's ``topi``.  Every function takes ``te`` tensors (binary operators also
take a Python number for one side, which becomes a 0-d constant of the other
side's dtype) and returns a new compute tensor of the same graph::

    A = te.placeholder((n, 1), name="A")
    B = te.placeholder((7,), name="B")
    C = topi.add(A, B)                # numpy broadcasting: shape (n, 7)
    D = topi.softmax(C, axis=-1)

Errors are the C library's: :class:`tvmc.ShapeError` for shapes that do not
broadcast, :class:`tvmc.DTypeError` for dtypes an operator refuses,
:class:`tvmc.InvalidArgumentError` for bad axes or attributes.  Like every
builder error they spoil the graph (see :mod:`tvmc.context`).
"""

import builtins
import ctypes
import math
import numbers

import numpy as np

from .. import _dtype, _lib
from ..error import DTypeError, InvalidArgumentError, InvalidHandleError
from ..expr import Expr, Operation, Tensor, is_literal
from .. import te

__all__ = [
    # binary
    "add", "subtract", "multiply", "divide", "power", "minimum", "maximum", "mod",
    "floor_mod", "floor_divide", "less", "less_equal", "greater", "greater_equal", "equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "where",
    # unary
    "relu", "sigmoid", "tanh", "silu", "gelu", "gelu_tanh", "hard_swish", "exp", "log",
    "sqrt", "rsqrt", "reciprocal", "abs", "negative", "floor", "ceil", "erf", "sign",
    "logical_not", "identity", "leaky_relu", "elu", "hard_sigmoid", "clip", "cast",
    # reductions and normalisation
    "sum", "mean", "max", "min", "prod", "argmax", "argmin", "softmax", "log_softmax",
    "layer_norm", "batch_norm", "group_norm",
]

_T = _lib.tvm_tensor

# tvm_op_binary_kind, tvm_op_unary_kind, tvm_op_reduce_kind (include/tvmc.h)
_BINARY = ["add", "subtract", "multiply", "divide", "power", "minimum", "maximum", "mod",
           "floor_mod", "floor_divide", "less", "less_equal", "greater", "greater_equal",
           "equal", "not_equal", "logical_and", "logical_or", "logical_xor"]
_UNARY = ["relu", "sigmoid", "tanh", "silu", "gelu", "gelu_tanh", "hard_swish", "exp", "log",
          "sqrt", "rsqrt", "reciprocal", "abs", "negative", "floor", "ceil", "erf", "sign",
          "logical_not", "identity"]
_REDUCE = ["sum", "mean", "max", "min", "prod", "argmax", "argmin"]
_INT_MAX = 2**31 - 1


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _need_tensor(fname, name, x):
    if not isinstance(x, Tensor):
        raise TypeError("topi.%s: %s must be a tvmc Tensor, got %s"
                        % (fname, name, type(x).__name__))
    return x


def _graph(fname, *tensors):
    g = None
    for t in tensors:
        if t is None:
            continue
        if g is None:
            g = t.graph
        elif t.graph is not g:
            raise InvalidHandleError("topi.%s: tensors '%s' and '%s' come from different graphs"
                                     % (fname, tensors[0].name, t.name))
    return g


def _scalar_tensor(fname, value, like):
    """A Python number as a 0-d constant tensor of ``like``'s dtype (in its
    graph); DTypeError when the dtype cannot hold the value."""
    dt = like.dtype
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if not _dtype.is_float(dt):
        fv = float(value)
        if dt == "bool":
            ok = fv in (0.0, 1.0)
        else:
            lo, hi = _dtype.INT_RANGE[dt]
            ok = math.isfinite(fv) and fv == int(fv) and lo <= int(fv) <= hi
        if not ok:
            raise DTypeError("topi.%s: the number %r is not representable as %s"
                             % (fname, value, dt))
    with like.graph:
        return te.const_tensor(np.array(value).astype(_dtype.to_numpy(dt) or np.float32),
                               name=fname + "_scalar", dtype=dt)


def _is_one(d):
    if isinstance(d, Expr):
        return d.kind == "const" and d.value == 1
    return d == 1


def _broadcast(*shapes):
    """numpy broadcast of shapes already accepted by the C library."""
    n = builtins.max(len(s) for s in shapes)
    out = []
    for k in range(n):
        dims = [s[len(s) - n + k] for s in shapes if len(s) - n + k >= 0]
        big = [d for d in dims if not _is_one(d)]
        out.append(big[0] if big else dims[0])
    return tuple(out)


def _make(g, fname, args, name, shape):
    """Calls C function ``fname`` and wraps the resulting compute tensor."""
    id_, nd, dt = g._call_tensor(fname, *args)
    shape = tuple(shape)
    assert nd == len(shape), (fname, nd, shape)
    return Tensor(g, id_, name, _dtype.from_code(dt), shape, Operation("compute", name))


def _opt(t):
    return _T(t.id if t is not None else 0)


def _int_attr(fname, name, v):
    if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, (bool, np.bool_)):
        raise TypeError("topi.%s: %s must be an int, got %s" % (fname, name, type(v).__name__))
    v = int(v)
    if not -_INT_MAX - 1 <= v <= _INT_MAX:
        raise InvalidArgumentError("topi.%s: %s %d is out of range" % (fname, name, v))
    return v


def _norm_axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


# ---------------------------------------------------------------------------
# binary operators and where
# ---------------------------------------------------------------------------

def _binary(kind, name):
    def op(lhs, rhs):
        if not isinstance(lhs, Tensor) and not isinstance(rhs, Tensor):
            raise TypeError("topi.%s needs at least one tvmc Tensor operand" % name)
        if not isinstance(lhs, Tensor):
            if not is_literal(lhs):
                raise TypeError("topi.%s: lhs must be a Tensor or a number" % name)
            lhs = _scalar_tensor(name, lhs, rhs)
        if not isinstance(rhs, Tensor):
            if not is_literal(rhs):
                raise TypeError("topi.%s: rhs must be a Tensor or a number" % name)
            rhs = _scalar_tensor(name, rhs, lhs)
        g = _graph(name, lhs, rhs)
        return _make(g, "tvm_op_binary", (kind, _T(lhs.id), _T(rhs.id)), name,
                     _broadcast(lhs.shape, rhs.shape))
    op.__name__ = name
    op.__doc__ = "Elementwise %s with numpy broadcasting (tvm_op_binary)." % name
    return op


add, subtract, multiply, divide, power, minimum, maximum, mod, floor_mod, floor_divide, \
    less, less_equal, greater, greater_equal, equal, not_equal, logical_and, logical_or, \
    logical_xor = [_binary(k, n) for k, n in enumerate(_BINARY)]


def where(condition, x, y):
    """``condition ? x : y`` elementwise; the three broadcast together."""
    for nm, t in (("condition", condition), ("x", x), ("y", y)):
        _need_tensor("where", nm, t)
    g = _graph("where", condition, x, y)
    return _make(g, "tvm_op_where", (_T(condition.id), _T(x.id), _T(y.id)), "where",
                 _broadcast(condition.shape, x.shape, y.shape))


# ---------------------------------------------------------------------------
# unary operators
# ---------------------------------------------------------------------------

def _unary(kind, name):
    def op(x):
        _need_tensor(name, "x", x)
        return _make(x.graph, "tvm_op_unary", (kind, _T(x.id)), name, x.shape)
    op.__name__ = name
    op.__doc__ = "Elementwise %s (tvm_op_unary)." % name
    return op


relu, sigmoid, tanh, silu, gelu, gelu_tanh, hard_swish, exp, log, sqrt, rsqrt, reciprocal, \
    abs, negative, floor, ceil, erf, sign, logical_not, identity = \
    [_unary(k, n) for k, n in enumerate(_UNARY)]


def leaky_relu(x, alpha=0.01):
    """``x >= 0 ? x : alpha * x``."""
    _need_tensor("leaky_relu", "x", x)
    return _make(x.graph, "tvm_op_leaky_relu", (_T(x.id), float(alpha)), "leaky_relu", x.shape)


def elu(x, alpha=1.0):
    """``x >= 0 ? x : alpha * (exp(x) - 1)``."""
    _need_tensor("elu", "x", x)
    return _make(x.graph, "tvm_op_elu", (_T(x.id), float(alpha)), "elu", x.shape)


def hard_sigmoid(x, alpha=0.2, beta=0.5):
    """``max(0, min(1, alpha * x + beta))`` (ONNX defaults)."""
    _need_tensor("hard_sigmoid", "x", x)
    return _make(x.graph, "tvm_op_hard_sigmoid", (_T(x.id), float(alpha), float(beta)),
                 "hard_sigmoid", x.shape)


def clip(x, a_min, a_max):
    """``min(max(x, a_min), a_max)``; None (or NaN) means no bound."""
    _need_tensor("clip", "x", x)
    lo = float("nan") if a_min is None else float(a_min)
    hi = float("nan") if a_max is None else float(a_max)
    return _make(x.graph, "tvm_op_clip", (_T(x.id), lo, hi), "clip", x.shape)


def cast(x, dtype):
    """Elementwise conversion with tvm_cast semantics (float -> int
    saturates, NaN -> 0; -> bool is x != 0)."""
    _need_tensor("cast", "x", x)
    code = _dtype.code(_dtype.canon(dtype))
    return _make(x.graph, "tvm_op_cast", (_T(x.id), code), "cast", x.shape)


# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------

def _axes(fname, axis):
    if axis is None:
        return []
    if isinstance(axis, (list, tuple)):
        return [_int_attr(fname, "axis", a) for a in axis]
    return [_int_attr(fname, "axis", axis)]


def _reducer(kind, name):
    def op(data, axis=None, keepdims=False):
        _need_tensor(name, "data", data)
        axes = _axes(name, axis)
        arr = (ctypes.c_int * builtins.max(1, len(axes)))(*axes)
        # the C call validates the axes; the shape is computed once it has
        nd = data.ndim
        args = (kind, _T(data.id), len(axes), arr if axes else None, 1 if keepdims else 0)
        g = data.graph
        id_, ndim, dt = g._call_tensor("tvm_op_reduce", *args)
        red = set(_norm_axis(a, nd) for a in axes) if axes else set(range(nd))
        shape = tuple((1 if keepdims else None) if k in red else d
                      for k, d in enumerate(data.shape))
        shape = tuple(d for d in shape if d is not None)
        return Tensor(g, id_, name, _dtype.from_code(dt), shape, Operation("compute", name))
    op.__name__ = name
    op.__doc__ = ("%s over ``axis`` (an int, a list of ints, or None for all axes), "
                  "keeping them as size-1 dims with keepdims=True (tvm_op_reduce)." % name)
    return op


sum, mean, max, min, prod = [_reducer(k, n) for k, n in enumerate(_REDUCE[:5])]
_argmax, _argmin = _reducer(5, "argmax"), _reducer(6, "argmin")


def argmax(data, axis, keepdims=False):
    """int64 index of the maximum along one axis (first on ties; NaN wins)."""
    return _argmax(data, axis, keepdims)


def argmin(data, axis, keepdims=False):
    """int64 index of the minimum along one axis (first on ties; NaN wins)."""
    return _argmin(data, axis, keepdims)


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------

def softmax(x, axis=-1):
    """Numerically stable softmax along ``axis``."""
    _need_tensor("softmax", "x", x)
    return _make(x.graph, "tvm_op_softmax", (_T(x.id), _int_attr("softmax", "axis", axis)),
                 "softmax", x.shape)


def log_softmax(x, axis=-1):
    """Numerically stable log(softmax(x)) along ``axis``."""
    _need_tensor("log_softmax", "x", x)
    return _make(x.graph, "tvm_op_log_softmax",
                 (_T(x.id), _int_attr("log_softmax", "axis", axis)), "log_softmax", x.shape)


def layer_norm(data, gamma=None, beta=None, axis=-1, epsilon=1e-5):
    """ONNX LayerNormalization over dims [axis, ndim); gamma and beta
    (optional) broadcast to that normalised shape."""
    _need_tensor("layer_norm", "data", data)
    for nm, t in (("gamma", gamma), ("beta", beta)):
        if t is not None:
            _need_tensor("layer_norm", nm, t)
    g = _graph("layer_norm", data, gamma, beta)
    return _make(g, "tvm_op_layer_norm",
                 (_T(data.id), _opt(gamma), _opt(beta), _int_attr("layer_norm", "axis", axis),
                  float(epsilon)), "layer_norm", data.shape)


def batch_norm(data, scale, bias, mean, var, epsilon=1e-5):
    """Inference batch norm over channel axis 1 (data is N, C, ...); the
    four parameters are [C]."""
    ts = (("data", data), ("scale", scale), ("bias", bias), ("mean", mean), ("var", var))
    for nm, t in ts:
        _need_tensor("batch_norm", nm, t)
    g = _graph("batch_norm", *[t for _, t in ts])
    return _make(g, "tvm_op_batch_norm",
                 tuple(_T(t.id) for _, t in ts) + (float(epsilon),), "batch_norm", data.shape)


def group_norm(data, gamma=None, beta=None, num_groups=1, epsilon=1e-5):
    """Group norm (data is N, C, ...; num_groups divides C); gamma and beta
    (optional) are [C]."""
    _need_tensor("group_norm", "data", data)
    for nm, t in (("gamma", gamma), ("beta", beta)):
        if t is not None:
            _need_tensor("group_norm", nm, t)
    g = _graph("group_norm", data, gamma, beta)
    return _make(g, "tvm_op_group_norm",
                 (_T(data.id), _opt(gamma), _opt(beta),
                  _int_attr("group_norm", "num_groups", num_groups), float(epsilon)),
                 "group_norm", data.shape)
