"""topi: indexing, selection, quantization and bit operators.

Wrappers over the C calls of ``include/tvmc.h``'s "indexing, selection,
quantization and bit operators" section (ONNX semantics)::

    A = te.placeholder((4, 5), name="A")
    I = te.placeholder((4, 2), "int64", name="I")
    B = topi.gather_elements(A, I, axis=1)
    V, K = topi.topk(A, k=2, axis=1)          # values and int64 indices
    C = topi.einsum("ij,kj->ik", A, A)

Indices are data: an index outside ``[-dim, dim)`` fails the compiled
function's call with :class:`tvmc.OutOfBoundsError` (an ``IndexError``).
The C library only reports a result's rank and dtype, so the result's
``shape`` is worked out here from the rule the C header documents (ints for
constant dims, the operands' size expressions otherwise); the C call checks
the arguments and raises the tvmc error classes for bad ones.
"""

import ctypes

import numpy as np

from .. import _dtype, _lib, te
from ..error import InvalidArgumentError, InvalidHandleError
from ..expr import Tensor
from .elementwise import _broadcast
from .transform import _axis, _graph_of, _int_arg, _is_int, _result, _shape, _tensor

__all__ = ["gather_elements", "gather_nd", "scatter_elements", "scatter_nd", "topk",
           "einsum", "quantize", "dequantize", "quantize_linear", "dequantize_linear",
           "bitshift", "left_shift", "right_shift"]

_T = _lib.tvm_tensor

# tvm_scatter_reduction
_REDUCTIONS = {"none": 0, "update": 0, "add": 1, "mul": 2, "max": 3, "min": 4}


def _same_graph(op, a, *others):
    for t in others:
        if t is not None and t.graph is not a.graph:
            raise InvalidHandleError("%s: tensors '%s' and '%s' come from different graphs"
                                     % (op, a.name, t.name))


def _indices(op, like, indices):
    """indices as a tensor of like's graph (array-likes become int64 constants)."""
    if isinstance(indices, Tensor):
        _same_graph(op, like, indices)
        return indices
    arr = np.asarray(indices)
    if arr.dtype.kind not in "iu":
        raise TypeError("%s: indices must be integers, got %s" % (op, arr.dtype))
    with _graph_of(like):
        return te.const_tensor(arr.astype(np.int64), name="indices")


def _reduction(op, reduction):
    key = "none" if reduction is None else str(reduction).lower()
    if key not in _REDUCTIONS:
        raise InvalidArgumentError("%s: reduction must be one of %s, got %r"
                                   % (op, ", ".join(_REDUCTIONS), reduction))
    return _REDUCTIONS[key]


def gather_elements(data, indices, axis=0):
    """ONNX GatherElements (TVM ``gather``): ``out[i] = data[i with
    i[axis] := indices[i]]``; the result has indices' shape."""
    data = _tensor("gather_elements", "data", data)
    indices = _indices("gather_elements", data, indices)
    axis = _int_arg("gather_elements", "axis", axis)
    return _result(data.graph, "tvm_op_gather_elements", "gather_elements", _shape(indices),
                   _T(data.id), _T(indices.id), axis)


def gather_nd(data, indices, batch_dims=0):
    """ONNX GatherND: ``indices[..., m]`` holds index tuples into dims
    ``[batch_dims, batch_dims + m)`` of data. Note the layout is ONNX's
    (index tuples on the last axis), not TVM's (on the first)."""
    data = _tensor("gather_nd", "data", data)
    indices = _indices("gather_nd", data, indices)
    batch_dims = _int_arg("gather_nd", "batch_dims", batch_dims)
    ish = _shape(indices)
    shape = list(ish[:-1])
    if ish and _is_int(ish[-1]) and batch_dims >= 0:
        shape += list(_shape(data)[batch_dims + int(ish[-1]):])
    return _result(data.graph, "tvm_op_gather_nd", "gather_nd", shape, _T(data.id),
                   _T(indices.id), batch_dims)


def scatter_elements(data, indices, updates, axis=0, reduction="none"):
    """ONNX ScatterElements: a copy of data with ``updates[u]`` combined
    into element ``(u with u[axis] := indices[u])``. reduction: "none"
    (replace; the last update in row-major order wins), "add", "mul",
    "max" or "min"."""
    data = _tensor("scatter_elements", "data", data)
    indices = _indices("scatter_elements", data, indices)
    updates = _tensor("scatter_elements", "updates", updates)
    _same_graph("scatter_elements", data, updates)
    axis = _int_arg("scatter_elements", "axis", axis)
    red = _reduction("scatter_elements", reduction)
    return _result(data.graph, "tvm_op_scatter_elements", "scatter_elements", _shape(data),
                   _T(data.id), _T(indices.id), _T(updates.id), axis, red)


def scatter_nd(data, indices, updates, reduction="none"):
    """ONNX ScatterND: ``indices[..., m]`` addresses slices
    ``data[t0, ..., t(m-1), ...]``; updates has shape
    ``indices.shape[:-1] + data.shape[m:]``. Like TVM's ``scatter_nd``
    with ``mode`` called ``reduction`` here (ONNX's name), but with ONNX's
    index layout."""
    data = _tensor("scatter_nd", "data", data)
    indices = _indices("scatter_nd", data, indices)
    updates = _tensor("scatter_nd", "updates", updates)
    _same_graph("scatter_nd", data, updates)
    red = _reduction("scatter_nd", reduction)
    return _result(data.graph, "tvm_op_scatter_nd", "scatter_nd", _shape(data), _T(data.id),
                   _T(indices.id), _T(updates.id), red)


_RET_TYPES = ("both", "values", "indices")


def topk(data, k=1, axis=-1, ret_type="both", is_ascend=False, dtype="int64"):
    """TVM topk: the k largest (``is_ascend=False``) or smallest elements
    along axis, best first (ties in increasing position). ret_type "both"
    gives ``[values, indices]``, "values" or "indices" one tensor. Indices
    are int64 (the only dtype the C operator produces); the values are
    :func:`gather_elements` of data by them."""
    data = _tensor("topk", "data", data)
    if ret_type not in _RET_TYPES:
        raise InvalidArgumentError("topk: ret_type must be one of %s, got %r"
                                   % (", ".join(_RET_TYPES), ret_type))
    if dtype != "int64":
        raise InvalidArgumentError("topk: indices are int64, dtype %r is not supported"
                                   % (dtype,))
    if not _is_int(k):
        raise TypeError("topk: k must be an int, got %s" % type(k).__name__)
    k = int(k)
    if not -2**63 <= k < 2**63:
        raise InvalidArgumentError("topk: k = %d does not fit int64" % k)
    axis = _int_arg("topk", "axis", axis)
    shape = list(_shape(data))
    ax = _axis("topk", axis, data.ndim)
    if ax is not None:
        shape[ax] = k
    idx = _result(data.graph, "tvm_op_topk", "topk", shape, _T(data.id), ctypes.c_int64(k),
                  axis, 0 if is_ascend else 1)
    if ret_type == "indices":
        return idx
    values = gather_elements(data, idx, axis)
    return values if ret_type == "values" else [values, idx]


def _letter_id(ch):
    # the C operator's label order: a-z, then A-Z (implicit outputs follow it)
    return ord(ch) - ord("a") if "a" <= ch <= "z" else 26 + ord(ch) - ord("A")


def _einsum_shape(equation, operands):
    """The result shape of an equation the C call accepted."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        return None  # C reports it
    dims, ell, counts = {}, [], {}
    for term, t in zip(terms, operands):
        sh = _shape(t)
        head, dots, tail = term.partition("...")
        if not dots and len(term) != len(sh):
            return None
        for ch, d in zip(head, sh):
            dims.setdefault(ch, d)
        for ch, d in zip(tail, sh[len(sh) - len(tail):] if tail else ()):
            dims.setdefault(ch, d)
        for ch in head + tail:
            counts[ch] = counts.get(ch, 0) + 1
        if dots:
            ell.append(tuple(sh[len(head):len(sh) - len(tail)]))
    bshape = list(_broadcast(*ell)) if ell and any(ell) else []
    if not arrow:
        once = sorted((ch for ch, c in counts.items() if c == 1), key=_letter_id)
        return bshape + [dims[ch] for ch in once]
    head, dots, tail = out.partition("...")
    return [dims.get(ch) for ch in head] + (bshape if dots else []) + \
        [dims.get(ch) for ch in tail]


def einsum(subscripts, *operand):
    """numpy / TVM einsum over 1 to 8 tensors of one numeric dtype:
    ``einsum("ij,jk->ik", A, B)``; implicit outputs and one ``...`` per
    term as in numpy."""
    if not isinstance(subscripts, str):
        raise TypeError("einsum: subscripts must be a str, got %s" % type(subscripts).__name__)
    if len(operand) == 1 and isinstance(operand[0], (list, tuple)):
        operand = tuple(operand[0])
    if not operand:
        raise InvalidArgumentError("einsum: needs at least one operand")
    ts = [_tensor("einsum", "operand[%d]" % k, t) for k, t in enumerate(operand)]
    _same_graph("einsum", ts[0], *ts[1:])
    arr = (_T * len(ts))(*[_T(t.id) for t in ts])
    shape = None
    try:
        shape = _einsum_shape(subscripts, ts)
    except (KeyError, ValueError):
        pass
    g = ts[0].graph
    if shape is None or any(d is None for d in shape):
        # a malformed equation: the C call names the fault; the rank check in
        # _result only runs if it unexpectedly succeeds
        shape = []
    return _result(g, "tvm_op_einsum", "einsum", shape, subscripts.encode(), len(ts), arr)


def quantize(data, output_scale, output_zero_point=None, axis=-1, out_dtype=None):
    """qnn.quantize / ONNX QuantizeLinear: ``saturate(round(data / scale)
    + zero_point)`` (half to even) as int8 or uint8. scale and zero_point
    are per tensor or, as rank-1 tensors of data's dim on axis, per axis.
    out_dtype defaults to zero_point's dtype, else uint8 (ONNX's default)."""
    data = _tensor("quantize", "data", data)
    scale = _tensor("quantize", "output_scale", output_scale)
    zp = output_zero_point
    if zp is not None:
        zp = _tensor("quantize", "output_zero_point", zp)
    _same_graph("quantize", data, scale, zp)
    if out_dtype is None:
        code = 0 if zp is not None else _dtype.code("uint8")
    else:
        code = _dtype.code(_dtype.canon(out_dtype))
    axis = _int_arg("quantize", "axis", axis)
    return _result(data.graph, "tvm_op_quantize_linear", "quantize", _shape(data),
                   _T(data.id), _T(scale.id), _T(zp.id if zp is not None else 0), axis, code)


def dequantize(data, input_scale, input_zero_point=None, axis=-1):
    """qnn.dequantize / ONNX DequantizeLinear: ``(data - zero_point) *
    scale`` in scale's float dtype; data is int8, uint8 or int32."""
    data = _tensor("dequantize", "data", data)
    scale = _tensor("dequantize", "input_scale", input_scale)
    zp = input_zero_point
    if zp is not None:
        zp = _tensor("dequantize", "input_zero_point", zp)
    _same_graph("dequantize", data, scale, zp)
    axis = _int_arg("dequantize", "axis", axis)
    return _result(data.graph, "tvm_op_dequantize_linear", "dequantize", _shape(data),
                   _T(data.id), _T(scale.id), _T(zp.id if zp is not None else 0), axis)


quantize_linear = quantize
dequantize_linear = dequantize


def bitshift(x, y, direction="left"):
    """ONNX BitShift with numpy broadcasting, for integers of one dtype.
    Left shifts wrap; right shifts are logical for unsigned and arithmetic
    for signed dtypes; shifting by the bit width or more (or a negative
    amount) gives 0 (-1 for a negative x shifted right)."""
    x = _tensor("bitshift", "x", x)
    y = _tensor("bitshift", "y", y)
    _same_graph("bitshift", x, y)
    if direction not in ("left", "right"):
        raise InvalidArgumentError("bitshift: direction must be 'left' or 'right', got %r"
                                   % (direction,))
    name = direction + "_shift"
    return _result(x.graph, "tvm_op_bitshift", name, _broadcast(_shape(x), _shape(y)),
                   _T(x.id), _T(y.id), 1 if direction == "left" else 0)


def left_shift(x, y):
    """``x << y`` elementwise (see :func:`bitshift`)."""
    return bitshift(x, y, "left")


def right_shift(x, y):
    """``x >> y`` elementwise (see :func:`bitshift`)."""
    return bitshift(x, y, "right")
