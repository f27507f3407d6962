"""topi: shape operators over the C ``tvm_op_*`` shape calls (ONNX semantics).

::

    from tvmc import te, topi
    A = te.placeholder((n, 6), name="A")
    B = topi.reshape(A, (n, 2, 3))            # ONNX Reshape (0 copies, -1 infers)
    C = topi.transpose(B, (2, 0, 1))
    D = topi.strided_slice(A, [0], [-1], [2], axes=[1])

Every function takes ``te`` tensors and returns ``te`` tensors of the same
graph.  The result's ``shape`` is worked out here the way the C operator
works it out (ints for constant dims, size-variable expressions otherwise);
the C library is the authority and raises the tvmc error classes
(ShapeError, DTypeError, InvalidArgumentError, ...) for bad arguments.

Names follow TVM's topi where TVM has the operator; ``gather`` is ONNX
Gather (``take`` along one axis), ``slice`` is ONNX Slice and ``unsqueeze``
ONNX Unsqueeze.
"""

import ctypes
import numbers

import numpy as np

from .. import _dtype, _lib, te
from ..error import InternalError, InvalidArgumentError, InvalidHandleError, LimitError
from ..expr import Expr, Operation, Tensor

__all__ = ["reshape", "transpose", "concatenate", "concat", "split", "strided_slice", "slice",
           "pad", "take", "gather", "broadcast_to", "squeeze", "expand_dims", "unsqueeze",
           "flatten", "tile", "resize", "grid_sample"]

_INT32 = (-2**31, 2**31 - 1)
_MAX_PARTS = 2**20 - 2  # a graph holds at most 2^20 - 1 tensors
_INT64 = (-2**63, 2**63 - 1)


# ---------------------------------------------------------------------------
# argument helpers
# ---------------------------------------------------------------------------

def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))


def _tensor(op, name, t):
    if not isinstance(t, Tensor):
        raise TypeError("%s: %s must be a tvmc Tensor, got %s" % (op, name, type(t).__name__))
    return t


def _ints(op, name, values, lo_hi=_INT64):
    """A sequence of Python ints within lo_hi (ctypes would wrap silently)."""
    if _is_int(values):
        values = (values,)
    if not isinstance(values, (list, tuple, np.ndarray)):
        raise TypeError("%s: %s must be a sequence of ints, got %s"
                        % (op, name, type(values).__name__))
    out = []
    for k, v in enumerate(values):
        if not _is_int(v):
            raise TypeError("%s: %s[%d] must be an int, got %s" % (op, name, k, type(v).__name__))
        v = int(v)
        if not lo_hi[0] <= v <= lo_hi[1]:
            raise InvalidArgumentError("%s: %s[%d] = %d does not fit %s"
                                       % (op, name, k, v, "int32" if lo_hi == _INT32 else "int64"))
        out.append(v)
    return out


def _int_arg(op, name, v):
    if not _is_int(v):
        raise TypeError("%s: %s must be an int, got %s" % (op, name, type(v).__name__))
    v = int(v)
    if not _INT32[0] <= v <= _INT32[1]:
        raise InvalidArgumentError("%s: %s = %d does not fit int32" % (op, name, v))
    return v


def _arr(ctype, values):
    return (ctype * max(1, len(values)))(*values)


def _result(g, fname, name, shape, *args):
    id_, nd, dt = g._call_tensor(fname, *args)
    if nd != len(shape):
        raise InternalError("%s: the result has rank %d but the binding expected %d; please "
                            "report this" % (fname, nd, len(shape)))
    return Tensor(g, id_, name, _dtype.from_code(dt), shape, Operation("compute", name))


def _shape(t):
    """t's dims with constant expressions (an int32 dim, say) as ints."""
    return tuple(int(d.value) if isinstance(d, Expr) and d.kind == "const" else d
                 for d in t.shape)


def _axis(op, axis, ndim, inclusive=False):
    hi = ndim + 1 if inclusive else ndim  # ONNX Flatten's axis may equal the rank
    if not (-ndim <= axis < hi) or (ndim == 0 and not inclusive):
        return None  # let C report it (the same message everywhere)
    return axis + ndim if axis < 0 else axis


# ---------------------------------------------------------------------------
# dims: ints for constants, expressions for symbolic dims
# ---------------------------------------------------------------------------

def _mul(a, b):
    if _is_int(a) and _is_int(b):
        return int(a) * int(b)
    for x, y in ((a, b), (b, a)):
        if _is_int(x) and x == 0:
            return 0
        if _is_int(x) and x == 1:
            return y
    return a * b


def _add(a, b):
    if _is_int(a) and _is_int(b):
        return int(a) + int(b)
    if _is_int(b) and b == 0:
        return a
    if _is_int(a) and a == 0:
        return b
    return a + b


def _factors(dims):
    """(constant product, symbolic dims) of a product of dims."""
    c, sym = 1, []
    for d in dims:
        if _is_int(d):
            c *= int(d)
        else:
            sym.append(d)
    return c, sym


def _prod(dims):
    c, sym = _factors(dims)
    out = c
    for d in sym:
        out = _mul(out, d)
    return out


def _div_dims(num, den):
    """num / den for dim lists when it cancels symbolically; else floordiv."""
    cn, sn = _factors(num)
    cd, sd = _factors(den)
    if not sn and not sd:
        return cn // cd if cd else 0  # C refuses what does not divide
    rest = list(sn)
    for d in sd:
        hit = next((k for k, x in enumerate(rest) if x.id == d.id), None)
        if hit is None:
            return te.floordiv(_prod(num), _prod(den)) if cd else 0
        del rest[hit]
    if cd and cn % cd == 0:
        return _prod([cn // cd] + rest)
    return te.floordiv(_prod(num), _prod(den)) if cd else 0


# ---------------------------------------------------------------------------
# operators
# ---------------------------------------------------------------------------

def reshape(a, newshape):
    """ONNX Reshape: ``newshape`` holds ints; 0 copies the input dim, one -1
    is inferred.  Works on symbolic shapes when the counts provably match."""
    a = _tensor("reshape", "a", a)
    shape = _ints("reshape", "newshape", newshape)
    out = []
    for k, v in enumerate(shape):
        out.append(_shape(a)[k] if v == 0 and k < a.ndim else v)
    if shape.count(-1) == 1:   # (out holds expressions: compare the ints)
        k = shape.index(-1)
        out[k] = _div_dims(list(_shape(a)), [d for j, d in enumerate(out) if j != k])
    return _result(a.graph, "tvm_op_reshape", "reshape", out, _lib.tvm_tensor(a.id),
                   len(shape), _arr(ctypes.c_int64, shape))


def transpose(a, axes=None):
    """Permutes dims: result dim k is a's dim axes[k]; None reverses them."""
    a = _tensor("transpose", "a", a)
    if axes is None:
        perm, arr = list(range(a.ndim))[::-1], None
    else:
        perm = _ints("transpose", "axes", axes, _INT32)
        if len(perm) != a.ndim:
            raise InvalidArgumentError("transpose: axes has %d entries but the tensor has rank %d"
                                       % (len(perm), a.ndim))
        arr = _arr(ctypes.c_int, perm)
    shape = [_shape(a)[p] if -a.ndim <= p < a.ndim else 1 for p in perm]
    return _result(a.graph, "tvm_op_transpose", "transpose", shape, _lib.tvm_tensor(a.id), arr)


def concatenate(a_tuple, axis=0):
    """Joins tensors of one dtype along ``axis``; other dims must match."""
    if isinstance(a_tuple, Tensor) or not isinstance(a_tuple, (list, tuple)):
        raise TypeError("concatenate: a_tuple must be a list or tuple of tensors")
    if not a_tuple:
        raise InvalidArgumentError("concatenate: a_tuple is empty; at least one tensor is needed")
    ts = [_tensor("concatenate", "a_tuple[%d]" % k, t) for k, t in enumerate(a_tuple)]
    g = ts[0].graph
    for t in ts:
        if t.graph is not g:
            raise InvalidHandleError("concatenate: tensors '%s' and '%s' come from different "
                                     "graphs" % (ts[0].name, t.name))
    axis = _int_arg("concatenate", "axis", axis)
    ax = _axis("concatenate", axis, ts[0].ndim)
    shape = list(_shape(ts[0]))
    if ax is not None and all(t.ndim == ts[0].ndim for t in ts):
        total = 0
        for t in ts:
            total = _add(total, _shape(t)[ax])
        shape[ax] = total
    arr = (_lib.tvm_tensor * len(ts))(*[_lib.tvm_tensor(t.id) for t in ts])
    return _result(g, "tvm_op_concat", "concat", shape, len(ts), arr, axis)


concat = concatenate


def split(ary, indices_or_sections, axis=0):
    """numpy/TVM split: an int n makes n equal parts; a list of increasing
    indices splits before each of them.  Needs a constant dim on ``axis``."""
    ary = _tensor("split", "ary", ary)
    axis = _int_arg("split", "axis", axis)
    ax = _axis("split", axis, ary.ndim)
    dim = _shape(ary)[ax] if ax is not None else None
    if _is_int(indices_or_sections):
        n = _int_arg("split", "indices_or_sections", indices_or_sections)
        if n > _MAX_PARTS:   # refuse before making n of anything
            raise LimitError("split: %d parts; a graph holds at most %d tensors"
                             % (n, _MAX_PARTS))
        sizes = None
        size = dim // n if _is_int(dim) and n > 0 else dim
        part_dims = [size] * max(n, 0)
    else:
        points = _ints("split", "indices_or_sections", indices_or_sections)
        if not _is_int(dim):
            sizes = None  # the C call reports the symbolic dim
            n = len(points) + 1
            part_dims = [dim] * n
        else:
            edges = [0] + points + [dim]
            for k in range(1, len(edges)):
                if not edges[k - 1] <= edges[k] <= dim:
                    raise InvalidArgumentError(
                        "split: indices_or_sections must increase within [0, %d], got %r"
                        % (dim, list(points)))
            sizes = [edges[k + 1] - edges[k] for k in range(len(edges) - 1)]
            n = len(sizes)
            part_dims = sizes
    return _split(ary, axis, n, sizes, part_dims)


def _split(ary, axis, n, sizes, part_dims):
    g = ary.graph
    if n > _MAX_PARTS:   # refuse before allocating n handles
        raise LimitError("split: %d parts; a graph holds at most %d tensors" % (n, _MAX_PARTS))
    outs = (_lib.tvm_tensor * max(1, n))()
    sz = _arr(ctypes.c_int64, sizes) if sizes is not None else None
    L = _lib.load()
    with g._lock:
        if g._error is not None:
            g._raise_failed()
        st = L.tvm_op_split(g._handle, _lib.tvm_tensor(ary.id), axis, n, sz, outs)
        if st != _lib.TVM_OK:
            raise g._fail()
    ax = _axis("split", axis, ary.ndim)
    res = []
    for k in range(n):
        shape = list(_shape(ary))
        shape[ax] = part_dims[k]
        res.append(Tensor(g, outs[k].id, "split", ary.dtype, shape, Operation("compute", "split")))
    return res


def _slice_len(dim, start, end, step):
    """ONNX Slice's clamping, as the C operator does it."""
    if start < 0:
        start += dim
    if end < 0:
        end += dim
    if step > 0:
        start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        span = max(end - start, 0)
        return -(-span // step)
    start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    span = max(start - end, 0)
    return -(-span // -step)


def slice(data, starts, ends, axes=None, steps=None):  # noqa: A001 (ONNX name)
    """ONNX Slice: for each axis (default 0, 1, ...), elements starts..ends
    by steps; negative values count from the end, out-of-range values clamp,
    steps may be negative; INT64_MAX / INT64_MIN mean "to the end"."""
    data = _tensor("slice", "data", data)
    starts = _ints("slice", "starts", starts)
    ends = _ints("slice", "ends", ends)
    if len(ends) != len(starts):
        raise InvalidArgumentError("slice: starts has %d entries but ends has %d"
                                   % (len(starts), len(ends)))
    n = len(starts)
    axes = list(range(n)) if axes is None else _ints("slice", "axes", axes, _INT32)
    steps = [1] * n if steps is None else _ints("slice", "steps", steps)
    if len(axes) != n or len(steps) != n:
        raise InvalidArgumentError("slice: starts, ends, axes and steps must have the same "
                                   "length (%d, %d, %d, %d)" % (n, len(ends), len(axes),
                                                                len(steps)))
    shape = list(_shape(data))
    for k in range(n):
        ax = _axis("slice", axes[k], data.ndim)
        if ax is not None and _is_int(shape[ax]) and steps[k] != 0:
            shape[ax] = _slice_len(shape[ax], starts[k], ends[k], steps[k])
    return _result(data.graph, "tvm_op_slice", "slice", shape, _lib.tvm_tensor(data.id), n,
                   _arr(ctypes.c_int, axes), _arr(ctypes.c_int64, starts),
                   _arr(ctypes.c_int64, ends), _arr(ctypes.c_int64, steps))


def strided_slice(a, begin, end, strides=None, axes=None):
    """TVM strided_slice with ONNX clamping (see :func:`slice`)."""
    return slice(a, begin, end, axes=axes, steps=strides)


_PAD_MODES = {"constant": _lib.TVM_PAD_CONSTANT, "edge": _lib.TVM_PAD_EDGE,
              "reflect": _lib.TVM_PAD_REFLECT}


def pad(data, pad_before, pad_after=None, pad_value=0.0, mode="constant"):
    """ONNX Pad: ``pad_before`` / ``pad_after`` per dim (negative values
    crop); mode "constant" (fill with pad_value), "edge" or "reflect"
    (pads smaller than the dim)."""
    data = _tensor("pad", "data", data)
    before = _ints("pad", "pad_before", pad_before)
    after = before if pad_after is None else _ints("pad", "pad_after", pad_after)
    if len(before) != data.ndim or len(after) != data.ndim:
        raise InvalidArgumentError("pad: pad_before and pad_after need %d entries (the rank), "
                                   "got %d and %d" % (data.ndim, len(before), len(after)))
    if mode not in _PAD_MODES:
        raise InvalidArgumentError("pad: mode must be one of %s, got %r"
                                   % (", ".join(_PAD_MODES), mode))
    if not isinstance(pad_value, (numbers.Real, np.bool_)):
        raise TypeError("pad: pad_value must be a number, got %s" % type(pad_value).__name__)
    shape = [_add(d, b + a) for d, b, a in zip(_shape(data), before, after)]
    return _result(data.graph, "tvm_op_pad", "pad", shape, _lib.tvm_tensor(data.id),
                   _arr(ctypes.c_int64, before + after), _PAD_MODES[mode], float(pad_value))


def gather(data, indices, axis=0):
    """ONNX Gather: ``data`` indexed along ``axis`` by int32/int64
    ``indices`` (a tensor, or array-like made a constant); negative indices
    count from the end, and an index out of range fails the call with
    :class:`tvmc.OutOfBoundsError`."""
    data = _tensor("gather", "data", data)
    if not isinstance(indices, Tensor):
        arr = np.asarray(indices)
        if arr.dtype.kind not in "iu":
            raise TypeError("gather: indices must be integers, got %s" % arr.dtype)
        with _graph_of(data):
            indices = te.const_tensor(arr.astype(np.int64), name="indices")
    if indices.graph is not data.graph:
        raise InvalidHandleError("gather: data and indices come from different graphs")
    axis = _int_arg("gather", "axis", axis)
    ax = _axis("gather", axis, data.ndim)
    shape = list(_shape(data))
    if ax is not None:
        shape = shape[:ax] + list(_shape(indices)) + shape[ax + 1:]
    return _result(data.graph, "tvm_op_gather", "gather", shape, _lib.tvm_tensor(data.id),
                   _lib.tvm_tensor(indices.id), axis)


class _graph_of:
    """Makes t's graph current while constants are created for it."""

    def __init__(self, t):
        self.g = t.graph

    def __enter__(self):
        return self.g.__enter__()

    def __exit__(self, *exc):
        return self.g.__exit__(*exc)


def take(a, indices, axis=None):
    """TVM take: :func:`gather` along ``axis``; with axis=None ``a`` is
    flattened first."""
    if axis is None:
        a = reshape(_tensor("take", "a", a), (-1,))
        axis = 0
    return gather(a, indices, axis)


def broadcast_to(data, shape):
    """ONNX Expand / numpy broadcast_to (dims of 1 in ``shape`` keep data's)."""
    data = _tensor("broadcast_to", "data", data)
    want = _ints("broadcast_to", "shape", shape)
    n = max(len(want), data.ndim)
    out = []
    for k in range(n):
        i, j = k - (n - data.ndim), k - (n - len(want))
        d = _shape(data)[i] if i >= 0 else 1
        w = want[j] if j >= 0 else 1
        out.append(d if (w == 1 or (_is_int(d) and d == w)) else w)
    return _result(data.graph, "tvm_op_broadcast_to", "broadcast_to", out,
                   _lib.tvm_tensor(data.id), len(want), _arr(ctypes.c_int64, want))


def squeeze(a, axis=None):
    """Removes the given size-1 axes (None: every constant size-1 axis)."""
    a = _tensor("squeeze", "a", a)
    if axis is None:
        axes = []
        drop = {k for k, d in enumerate(_shape(a)) if _is_int(d) and d == 1}
    else:
        axes = _ints("squeeze", "axis", axis, _INT32)
        drop = {x + a.ndim if x < 0 else x for x in axes}
    shape = [d for k, d in enumerate(_shape(a)) if k not in drop]
    return _result(a.graph, "tvm_op_squeeze", "squeeze", shape, _lib.tvm_tensor(a.id),
                   len(axes), _arr(ctypes.c_int, axes))


def unsqueeze(data, axes):
    """ONNX Unsqueeze: size-1 axes at the given positions of the result."""
    data = _tensor("unsqueeze", "data", data)
    axes = _ints("unsqueeze", "axes", axes, _INT32)
    r = data.ndim + len(axes)
    added = {x + r if x < 0 else x for x in axes}
    rest = iter(_shape(data))
    shape = [1 if k in added else next(rest, 1) for k in range(r)]
    return _result(data.graph, "tvm_op_unsqueeze", "unsqueeze", shape,
                   _lib.tvm_tensor(data.id), len(axes), _arr(ctypes.c_int, axes))


def expand_dims(a, axis, num_newaxis=1):
    """TVM expand_dims: ``num_newaxis`` size-1 axes at position ``axis`` of
    the input (negative: counted from the end of the input, + 1)."""
    a = _tensor("expand_dims", "a", a)
    axis = _int_arg("expand_dims", "axis", axis)
    if not _is_int(num_newaxis) or num_newaxis < 0:
        raise InvalidArgumentError("expand_dims: num_newaxis must be an int >= 0, got %r"
                                   % (num_newaxis,))
    if not -a.ndim - 1 <= axis <= a.ndim:
        raise InvalidArgumentError("expand_dims: axis %d is out of range [%d, %d]"
                                   % (axis, -a.ndim - 1, a.ndim))
    if axis < 0:
        axis += a.ndim + 1
    return unsqueeze(a, list(range(axis, axis + int(num_newaxis))))


def flatten(data, axis=1):
    """ONNX Flatten: 2-D [prod(dims[:axis]), prod(dims[axis:])]; axis may
    be the rank."""
    data = _tensor("flatten", "data", data)
    axis = _int_arg("flatten", "axis", axis)
    ax = _axis("flatten", axis, data.ndim, inclusive=True)
    shape = [1, 1] if ax is None else [_prod(_shape(data)[:ax]), _prod(_shape(data)[ax:])]
    return _result(data.graph, "tvm_op_flatten", "flatten", shape, _lib.tvm_tensor(data.id),
                   axis)


def tile(a, reps):
    """ONNX Tile: ``reps`` has one repeat count (>= 0) per dim."""
    a = _tensor("tile", "a", a)
    reps = _ints("tile", "reps", reps)
    if len(reps) != a.ndim:
        raise InvalidArgumentError("tile: reps has %d entries but the tensor has rank %d"
                                   % (len(reps), a.ndim))
    shape = [_mul(d, r) if r >= 0 else d for d, r in zip(_shape(a), reps)]
    return _result(a.graph, "tvm_op_tile", "tile", shape, _lib.tvm_tensor(a.id),
                   _arr(ctypes.c_int64, reps))


_RESIZE_METHODS = {"nearest": _lib.TVM_RESIZE_NEAREST, "nearest_neighbor": _lib.TVM_RESIZE_NEAREST,
                   "linear": _lib.TVM_RESIZE_LINEAR, "bilinear": _lib.TVM_RESIZE_LINEAR}
_COORDS = {"half_pixel": _lib.TVM_COORD_HALF_PIXEL, "asymmetric": _lib.TVM_COORD_ASYMMETRIC,
           "align_corners": _lib.TVM_COORD_ALIGN_CORNERS,
           "pytorch_half_pixel": _lib.TVM_COORD_PYTORCH_HALF_PIXEL}
_ROUNDING = {"round_prefer_floor": _lib.TVM_NEAREST_ROUND_PREFER_FLOOR,
             "round_prefer_ceil": _lib.TVM_NEAREST_ROUND_PREFER_CEIL,
             "floor": _lib.TVM_NEAREST_FLOOR, "ceil": _lib.TVM_NEAREST_CEIL}


def resize(data, size, method="nearest", coordinate_transformation_mode="half_pixel",
           rounding_method="round_prefer_floor"):
    """ONNX Resize of a float tensor to ``size`` (one int >= 1 per dim).
    method: "nearest" or "linear" (every resized dim interpolated);
    coordinate_transformation_mode: half_pixel, asymmetric, align_corners,
    pytorch_half_pixel; rounding_method (nearest): round_prefer_floor,
    round_prefer_ceil, floor, ceil."""
    data = _tensor("resize", "data", data)
    size = _ints("resize", "size", size)
    if len(size) != data.ndim:
        raise InvalidArgumentError("resize: size has %d entries but the tensor has rank %d"
                                   % (len(size), data.ndim))
    for name, value, table in (("method", method, _RESIZE_METHODS),
                               ("coordinate_transformation_mode", coordinate_transformation_mode,
                                _COORDS),
                               ("rounding_method", rounding_method, _ROUNDING)):
        if value not in table:
            raise InvalidArgumentError("resize: %s must be one of %s, got %r"
                                       % (name, ", ".join(table), value))
    return _result(data.graph, "tvm_op_resize", "resize", size, _lib.tvm_tensor(data.id),
                   _arr(ctypes.c_int64, size), _RESIZE_METHODS[method],
                   _COORDS[coordinate_transformation_mode], _ROUNDING[rounding_method])


_GRID_MODES = {"bilinear": _lib.TVM_GRID_SAMPLE_BILINEAR, "nearest": _lib.TVM_GRID_SAMPLE_NEAREST,
               "bicubic": _lib.TVM_GRID_SAMPLE_BICUBIC}
_GRID_PADDINGS = {"zeros": _lib.TVM_GRID_PAD_ZEROS, "border": _lib.TVM_GRID_PAD_BORDER,
                  "reflection": _lib.TVM_GRID_PAD_REFLECTION}


def grid_sample(data, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """ONNX GridSample (opset 16) / PyTorch grid_sample: ``data`` [N, C, H, W]
    sampled at ``grid`` [N, H_out, W_out, 2] (per location x then y,
    normalised to -1 .. 1: the corner pixels' centres when align_corners,
    their outer edges otherwise), giving [N, C, H_out, W_out] of data's dtype.
    mode: "bilinear", "nearest" (rounds half to even) or "bicubic" (cubic
    convolution, A = -0.75); padding_mode: "zeros", "border" or
    "reflection".  Both tensors are float."""
    data = _tensor("grid_sample", "data", data)
    grid = _tensor("grid_sample", "grid", grid)
    for name, value, table in (("mode", mode, _GRID_MODES),
                               ("padding_mode", padding_mode, _GRID_PADDINGS)):
        # an unhashable value would raise TypeError from the lookup itself
        if not isinstance(value, str) or value not in table:
            raise InvalidArgumentError("grid_sample: %s must be one of %s, got %r"
                                       % (name, ", ".join(table), value))
    # bool, or the ints 0 and 1 ONNX uses; anything else is a mistake, not a truth value
    if not (isinstance(align_corners, (bool, np.bool_)) or
            (_is_int(align_corners) and align_corners in (0, 1))):
        raise InvalidArgumentError("grid_sample: align_corners must be True/False (or 0/1), "
                                   "got %r" % (align_corners,))
    if data.graph is not grid.graph:
        raise InvalidHandleError("grid_sample: data '%s' and grid '%s' come from different "
                                 "graphs" % (data.name, grid.name))
    ds, gs = _shape(data), _shape(grid)
    # rank errors are C's to report; the result shape only exists for rank 4
    shape = (ds[0], ds[1], gs[1], gs[2]) if len(ds) == 4 and len(gs) == 4 else (0, 0, 0, 0)
    return _result(data.graph, "tvm_op_grid_sample", "grid_sample", shape,
                   _lib.tvm_tensor(data.id), _lib.tvm_tensor(grid.id), _GRID_MODES[mode],
                   _GRID_PADDINGS[padding_mode], int(bool(align_corners)))
