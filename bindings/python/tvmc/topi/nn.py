"""topi: nn operators — matmul, dense, convolutions and pools.

Thin wrappers over the C ``tvm_op_*`` calls (include/tvmc.h, "Operator
library"): the C side validates everything and raises through the graph's
sticky error; this module only converts TVM-style arguments (``padding`` as
an int, a pair or a 4-tuple, layouts as strings) and works out the result
shape so the returned :class:`tvmc.te.Tensor` knows it.

Padding tuples follow TVM's ``get_pad_tuple``: an int pads every side, a
pair ``(h, w)`` pads both sides of each dim, a 4-tuple is ``(top, left,
bottom, right)``.  Strides / dilations are an int or a pair.
"""

import ctypes
import numbers

import numpy as np

from .. import _dtype, _lib
from ..error import InvalidArgumentError
from ..expr import Operation, Tensor, _same_graph

__all__ = ["matmul", "dense", "conv2d", "conv1d", "conv2d_transpose", "pool2d",
           "max_pool2d", "avg_pool2d", "global_pool2d"]

_T = _lib.tvm_tensor
_NULL = _lib.tvm_tensor(0)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _tensor(x, what, op):
    if not isinstance(x, Tensor):
        raise TypeError("%s: %s must be a tvmc Tensor, got %s" % (op, what, type(x).__name__))
    return x


def _call(op, fname, name, shape, tensors, *args):
    """Calls a tvm_op_* builder on the tensors' graph; wraps the result."""
    ts = [t for t in tensors if t is not None]
    g = _same_graph(*ts)
    cargs = [_T(t.id) if t is not None else _NULL for t in tensors]
    id_, nd, dt = g._call_tensor(fname, *cargs, *args)
    if nd != len(shape):  # the Python shape rule disagrees with C: a bug here
        raise AssertionError("%s: C made a %d-d result, expected %d-d" % (op, nd, len(shape)))
    return Tensor(g, id_, name, _dtype.from_code(dt), shape, Operation("compute", name))


def _int(v, what, op):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        raise TypeError("%s: %s must be an int, got %r" % (op, what, v))
    return int(v)


def _pair(v, what, op):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            v = (v[0], v[0])
        if len(v) != 2:
            raise InvalidArgumentError("%s: %s must be an int or a pair, got %r" % (op, what, v))
        return tuple(_int(e, what, op) for e in v)
    v = _int(v, what, op)
    return (v, v)


def _pads2d(padding, op):
    """(top, left, bottom, right) from an int, a pair or a 4-tuple."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(_int(p, "padding", op) for p in padding)
    ph, pw = _pair(padding, "padding", op)
    return (ph, pw, ph, pw)


def _pads1d(padding, op):
    """(begin, end) from an int or a pair."""
    return _pair(padding, "padding", op)


_LAYOUTS = {"NCHW": _lib.TVM_LAYOUT_NCHW, "NHWC": _lib.TVM_LAYOUT_NHWC,
            "NCW": _lib.TVM_LAYOUT_NCHW, "NWC": _lib.TVM_LAYOUT_NHWC}


def _layout(layout, op):
    if isinstance(layout, str):
        if layout.upper() not in _LAYOUTS:
            raise InvalidArgumentError("%s: layout %r; use NCHW/NHWC (NCW/NWC for 1-D)"
                                       % (op, layout))
        return _LAYOUTS[layout.upper()]
    return _int(layout, "layout", op)   # raw enum values reach C (and its checks)


def _out_dim(n, k, s, d, lo, hi, ceil_mode=False):
    """Spatial output extent (window.c's rule), or None when C rejects it."""
    if not all(isinstance(v, int) for v in (n, k)) or s < 0 or d < 0:
        return None
    s, d = s or 1, d or 1
    room = n + lo + hi - d * (k - 1) - 1
    if room < 0:
        return None
    out = room // s + 1
    if ceil_mode and room % s:
        out += 1
        if (out - 1) * s >= n + lo:
            out -= 1
    return out


def _bcast(a, b):
    """numpy broadcast of two batch shapes (C has already checked them)."""
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    return tuple(y if (isinstance(x, int) and x == 1) else x for x, y in zip(a, b))


# ---------------------------------------------------------------------------
# linear algebra
# ---------------------------------------------------------------------------

def matmul(a, b, transpose_a=False, transpose_b=False):
    """numpy.matmul(a, b) with optional transposes of the last two dims of
    2-D+ operands; 1-D operands are promoted and the added dim removed."""
    op = "topi.matmul"
    _tensor(a, "a", op), _tensor(b, "b", op)
    sa, sb = a.shape, b.shape
    shape = None
    if len(sa) >= 1 and len(sb) >= 1:
        ma = None if len(sa) == 1 else (sa[-1] if transpose_a else sa[-2])
        nb = None if len(sb) == 1 else (sb[-2] if transpose_b else sb[-1])
        shape = _bcast(sa[:-2], sb[:-2]) + tuple(d for d in (ma, nb) if d is not None)
    return _call(op, "tvm_op_matmul", "matmul", shape or (), [a, b],
                 int(bool(transpose_a)), int(bool(transpose_b)))


def dense(data, weight, bias=None):
    """data [..., K] times weight [N, K] transposed, plus bias [N]."""
    op = "topi.dense"
    _tensor(data, "data", op), _tensor(weight, "weight", op)
    if bias is not None:
        _tensor(bias, "bias", op)
    shape = tuple(data.shape[:-1]) + (weight.shape[0] if weight.ndim else 0,)
    return _call(op, "tvm_op_dense", "dense", shape if data.ndim else (), [data, weight, bias])


# ---------------------------------------------------------------------------
# convolutions
# ---------------------------------------------------------------------------

def _conv_attrs(op, nsp, strides, padding, dilation, groups, layout, output_padding=0):
    at = _lib.tvm_conv_attrs()
    at.struct_size = ctypes.sizeof(at)
    at.layout = _layout(layout, op)
    at.groups = _int(groups, "groups", op)
    if nsp == 2:
        st, dl, op_ = _pair(strides, "strides", op), _pair(dilation, "dilation", op), \
            _pair(output_padding, "output_padding", op)
        pads = _pads2d(padding, op)
    else:
        st = (_pair(strides, "strides", op)[0], 0)
        dl = (_pair(dilation, "dilation", op)[0], 0)
        op_ = (0, 0)
        pads = _pads1d(padding, op) + (0, 0)
    at.strides[:] = st
    at.dilations[:] = dl
    at.pads[:] = pads
    at.output_padding[:] = op_
    return at


def _conv(op, fname, name, nsp, data, kernel, bias, at):
    _tensor(data, "data", op), _tensor(kernel, "kernel", op)
    if bias is not None:
        _tensor(bias, "bias", op)
    shape = ()
    nhwc = at.layout == _lib.TVM_LAYOUT_NHWC
    if data.ndim == nsp + 2 and kernel.ndim == nsp + 2:
        if name == "conv_transpose2d":
            och = kernel.shape[1] * (at.groups or 1) if isinstance(kernel.shape[1], int) \
                else None
            sp = []
            for d in range(2):
                n, k = data.shape[2 + d], kernel.shape[2 + d]
                if isinstance(n, int) and isinstance(k, int):
                    s, dl = at.strides[d] or 1, at.dilations[d] or 1
                    sp.append((n - 1) * s - at.pads[d] - at.pads[2 + d] + dl * (k - 1) +
                              at.output_padding[d] + 1)
                else:
                    sp.append(None)
            shape = (data.shape[0], och) + tuple(sp)
        else:
            och = kernel.shape[-1] if nhwc else kernel.shape[0]
            ks = kernel.shape[:nsp] if nhwc else kernel.shape[2:]
            ins = data.shape[1:1 + nsp] if nhwc else data.shape[2:]
            sp = tuple(_out_dim(ins[d], ks[d], at.strides[d], at.dilations[d], at.pads[d],
                                at.pads[nsp + d]) for d in range(nsp))
            shape = (data.shape[0],) + sp + (och,) if nhwc else (data.shape[0], och) + sp
    return _call(op, fname, name, shape, [data, kernel, bias], ctypes.byref(at))


# tvm_conv_algorithm
_CONV_ALGORITHMS = {"auto": _lib.TVM_CONV_ALGO_AUTO, "direct": _lib.TVM_CONV_ALGO_DIRECT,
                    "winograd": _lib.TVM_CONV_ALGO_WINOGRAD}


def conv2d(data, kernel, strides=1, padding=0, dilation=1, groups=1, data_layout="NCHW",
           bias=None, algorithm="auto"):
    """2-D convolution: data NCHW with kernel OIHW, or NHWC with HWIO;
    ``groups == channels`` is depthwise. bias [O] is optional.

    ``algorithm`` matters only for 3x3, stride-1, undilated, ungrouped NCHW
    float32 layers with constant weights: "auto" uses Winograd F(4x4, 3x3)
    where it is faster (both channel counts >= 64, >= 16 output tiles),
    "winograd" always, "direct" never (results then match a direct sum bit
    for bit; Winograd's differ by rounding, see tvm_conv_algorithm)."""
    op = "topi.conv2d"
    at = _conv_attrs(op, 2, strides, padding, dilation, groups, data_layout)
    if algorithm not in _CONV_ALGORITHMS:
        raise ValueError("%s: algorithm must be one of %s, not %r"
                         % (op, ", ".join(_CONV_ALGORITHMS), algorithm))
    at.algorithm = _CONV_ALGORITHMS[algorithm]
    return _conv(op, "tvm_op_conv2d", "conv2d", 2, data, kernel, bias, at)


def conv1d(data, kernel, strides=1, padding=0, dilation=1, groups=1, data_layout="NCW",
           bias=None):
    """1-D convolution: data NCW with kernel OIW, or NWC with WIO."""
    op = "topi.conv1d"
    at = _conv_attrs(op, 1, strides, padding, dilation, groups, data_layout)
    return _conv(op, "tvm_op_conv1d", "conv1d", 1, data, kernel, bias, at)


def conv2d_transpose(data, kernel, strides=1, padding=0, output_padding=0, dilation=1,
                     groups=1, bias=None):
    """ONNX ConvTranspose, NCHW: kernel [C, O/groups, KH, KW]."""
    op = "topi.conv2d_transpose"
    at = _conv_attrs(op, 2, strides, padding, dilation, groups, "NCHW", output_padding)
    return _conv(op, "tvm_op_conv_transpose2d", "conv_transpose2d", 2, data, kernel, bias, at)


# ---------------------------------------------------------------------------
# pools
# ---------------------------------------------------------------------------

def pool2d(data, kernel, stride=1, dilation=1, padding=0, pool_type="max", ceil_mode=False,
           layout="NCHW", count_include_pad=True):
    """Max or average pooling (TVM's topi.nn.pool2d argument order)."""
    op = "topi.pool2d"
    _tensor(data, "data", op)
    if pool_type not in ("max", "avg"):
        raise InvalidArgumentError("%s: pool_type %r; use 'max' or 'avg'" % (op, pool_type))
    at = _lib.tvm_pool_attrs()
    at.struct_size = ctypes.sizeof(at)
    at.layout = _layout(layout, op)
    at.ceil_mode = int(bool(ceil_mode))
    at.count_include_pad = int(bool(count_include_pad))
    at.kernel[:] = _pair(kernel, "kernel", op)
    at.strides[:] = _pair(stride, "stride", op)
    at.dilations[:] = _pair(dilation, "dilation", op)
    at.pads[:] = _pads2d(padding, op)
    shape = ()
    if data.ndim == 4:
        nhwc = at.layout == _lib.TVM_LAYOUT_NHWC
        ins = data.shape[1:3] if nhwc else data.shape[2:]
        sp = tuple(_out_dim(ins[d], at.kernel[d], at.strides[d], at.dilations[d], at.pads[d],
                            at.pads[2 + d], bool(ceil_mode)) for d in range(2))
        ch = data.shape[3] if nhwc else data.shape[1]
        shape = (data.shape[0],) + sp + (ch,) if nhwc else (data.shape[0], ch) + sp
    fname, name = ("tvm_op_max_pool2d", "max_pool2d") if pool_type == "max" else \
        ("tvm_op_avg_pool2d", "avg_pool2d")
    return _call(op, fname, name, shape, [data], ctypes.byref(at))


def max_pool2d(data, pool_size, strides=1, padding=0, dilation=1, layout="NCHW",
               ceil_mode=False):
    return pool2d(data, pool_size, strides, dilation, padding, "max", ceil_mode, layout)


def avg_pool2d(data, pool_size, strides=1, padding=0, dilation=1, layout="NCHW",
               ceil_mode=False, count_include_pad=True):
    return pool2d(data, pool_size, strides, dilation, padding, "avg", ceil_mode, layout,
                  count_include_pad)


def global_pool2d(data, pool_type="max", layout="NCHW"):
    """Max or mean over H and W; the result keeps them as size-1 dims."""
    op = "topi.global_pool2d"
    _tensor(data, "data", op)
    kinds = {"max": _lib.TVM_OP_MAX, "avg": _lib.TVM_OP_MEAN, "mean": _lib.TVM_OP_MEAN}
    if pool_type not in kinds:
        raise InvalidArgumentError("%s: pool_type %r; use 'max' or 'avg'" % (op, pool_type))
    lay = _layout(layout, op)
    shape = ()
    if data.ndim == 4:
        n, c = data.shape[0], data.shape[3 if lay == _lib.TVM_LAYOUT_NHWC else 1]
        shape = (n, 1, 1, c) if lay == _lib.TVM_LAYOUT_NHWC else (n, c, 1, 1)
    return _call(op, "tvm_op_global_pool2d", "global_pool2d", shape, [data], kinds[pool_type],
                 lay)
