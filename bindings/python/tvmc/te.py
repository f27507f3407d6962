"""TVM-style tensor expressions: ``tvmc.te``.

::

    from tvmc import te
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: te.max(A[i] + B[i], 0.0), name="C")
    f = tvmc.build([A, B, C])

Differences from TVM worth knowing:

* ``te.var`` and ``te.size_var`` both make an int64 *size* variable; its
  value is bound from the shapes of the arrays a function is called with.
  There are no scalar parameters.
* ``/`` on integers truncates toward zero (C); ``//`` and ``%`` follow
  Python (floor).  ``te.truncdiv`` / ``te.truncmod`` and ``te.floordiv`` /
  ``te.floormod`` name them explicitly.
* Literals take the dtype of the other operand (see :mod:`tvmc.expr`).
* ``te.max(a, b)`` / ``te.min(a, b)`` are elementwise when the second
  argument is not a reduction axis (as in TVM); with ``axis=`` they reduce.
"""

import builtins
import ctypes
import inspect
import numbers

import numpy as np

from . import _dtype, _lib
from .context import current_graph
from .error import (DTypeError, InvalidArgumentError, InvalidHandleError, ShapeError,
                    UnsupportedError)
from .expr import E, Expr, Operation, Tensor, _same_graph, binary, const as _const
from .expr import cast, is_literal, reduce as _reduce, select, unary_op
from .expr import _clip, default_dtype
from .schedule import create_schedule

__all__ = ["create_schedule", "var", "size_var", "const", "placeholder", "compute", "reduce_axis", "sum", "max",
           "min", "prod", "if_then_else", "select", "cast", "exp", "log", "sqrt", "rsqrt",
           "tanh", "sigmoid", "erf", "abs", "floor", "ceil", "pow", "power", "truncdiv",
           "truncmod", "floordiv", "floormod", "div", "all", "any", "const_tensor",
           "call_extern", "Expr", "Tensor"]

_NAME_MAX = 4095
_bmax, _bany = builtins.max, builtins.any


def _name(name, default):
    if name is None:
        name = default
    if not isinstance(name, str):
        raise TypeError("name must be a str, got %s" % type(name).__name__)
    b = name.encode("utf-8")
    if b"\0" in b or len(b) > _NAME_MAX:
        raise InvalidArgumentError("name must be at most %d bytes without NUL characters"
                                   % _NAME_MAX)
    return b


# ---------------------------------------------------------------------------
# leaves
# ---------------------------------------------------------------------------

def size_var(name="n", dtype="int64"):
    """A symbolic dimension (int64, >= 0) bound from argument shapes."""
    if _dtype.canon(dtype) != "int64":
        raise UnsupportedError("tvmc size variables are int64 (got dtype=%r)" % (dtype,))
    g = current_graph()
    nm = _name(name, "n")
    id_, dt = g._call_expr("tvm_size_var", nm)
    return Expr(g, id_, _dtype.from_code(dt), "size_var", name=nm.decode())


def var(name="n", dtype="int64"):
    """Same as :func:`size_var` (tvmc has no scalar parameters)."""
    return size_var(name, dtype)


def const(value, dtype=None):
    """A constant. Default dtype as in TVM: bool, int32 (int64 if too big)
    or float32."""
    if dtype is None:
        dtype = default_dtype(value)
    return _const(current_graph(), value, dtype)


def _dims(shape, what):
    if isinstance(shape, (Expr, numbers.Integral, np.integer)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError("%s: shape must be a tuple of ints and expressions, got %s"
                        % (what, type(shape).__name__))
    if len(shape) > _lib.TVM_MAX_NDIM:
        raise ShapeError("%s: %d dimensions; at most %d" % (what, len(shape),
                                                            _lib.TVM_MAX_NDIM))
    g = _same_graph(*shape) or current_graph()
    out, exprs = [], []
    for k, d in enumerate(shape):
        if isinstance(d, Expr):
            if not _dtype.is_int(d.dtype):
                raise ShapeError("%s: dimension %d is %s; dimensions are integer expressions"
                                 % (what, k, d.dtype))
            e = d
            out.append(d)
        elif isinstance(d, (numbers.Integral, np.integer)) and \
                not isinstance(d, (bool, np.bool_)):
            d = int(d)
            if d < 0:
                raise ShapeError("%s: dimension %d is negative (%d)" % (what, k, d))
            e = _const(g, d, "int64")
            out.append(d)
        else:
            raise TypeError("%s: dimension %d must be an int or an integer expression, got %s"
                            % (what, k, type(d).__name__))
        exprs.append(e)
    return g, tuple(out), exprs


def placeholder(shape, dtype="float32", name="placeholder"):
    """An input tensor. ``shape`` holds ints and size-variable expressions."""
    dtype = _dtype.canon(dtype)
    nm = _name(name, "placeholder")
    g, dims, exprs = _dims(shape, "te.placeholder")
    arr = (E * _bmax(1, len(exprs)))(*[E(e.id) for e in exprs])
    id_, nd, dt = g._call_tensor("tvm_placeholder", nm, _dtype.code(dtype), len(exprs), arr)
    return Tensor(g, id_, nm.decode(), _dtype.from_code(dt), dims,
                  Operation("placeholder", nm.decode()))


def _param_names(fcompute, ndim):
    try:
        sig = inspect.signature(fcompute)
    except (TypeError, ValueError):
        return ["i%d" % k for k in range(ndim)]
    names = []
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            return names + ["i%d" % k for k in range(len(names), ndim)]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    if len(names) != ndim:
        raise InvalidArgumentError("te.compute: the shape has %d dimensions but fcompute takes "
                                   "%d arguments (%s)" % (ndim, len(names), ", ".join(names)))
    return names


def compute(shape, fcompute, name="compute", tag="", attrs=None):
    """A computed tensor: element ``(i, j, ...)`` is ``fcompute(i, j, ...)``.
    The iteration variables are named after fcompute's parameters."""
    if not callable(fcompute):
        raise TypeError("te.compute: fcompute must be callable")
    nm = _name(name, "compute")
    g, dims, exprs = _dims(shape, "te.compute")
    names = _param_names(fcompute, len(dims))
    iters = []
    for pname in names:
        id_, dt = g._call_expr("tvm_iter_var", _name(pname, "i"))
        iters.append(Expr(g, id_, _dtype.from_code(dt), "iter_var", name=pname))
    body = fcompute(*iters)
    if isinstance(body, (list, tuple)):
        raise UnsupportedError("te.compute: fcompute returned %d values; tvmc computes have "
                               "one output" % len(body))
    if isinstance(body, Tensor):
        raise TypeError("te.compute: fcompute returned tensor '%s'; index it" % body.name)
    if isinstance(body, Expr):
        if not dims:
            g = body.graph   # a 0-d compute lives where its body lives
        elif body.graph is not g:
            raise InvalidHandleError("te.compute '%s': the body comes from another graph than "
                                     "the shape/iteration variables" % nm.decode())
    elif is_literal(body):
        body = _const(g, body, default_dtype(body))
    else:
        raise TypeError("te.compute: fcompute must return an expression or a number, got %s"
                        % type(body).__name__)
    n = len(exprs)
    sh = (E * _bmax(1, n))(*[E(e.id) for e in exprs])
    it = (E * _bmax(1, n))(*[E(e.id) for e in iters])
    id_, nd, dt = g._call_tensor("tvm_compute", nm, n, sh, it, E(body.id))
    return Tensor(g, id_, nm.decode(), _dtype.from_code(dt), dims,
                  Operation("compute", nm.decode(), iters, body))


def const_tensor(value, name="constant", dtype=None):
    """A constant tensor (weights) holding a copy of ``value`` (array-like)."""
    nm = _name(name, "constant")
    if dtype is None:
        arr = np.asarray(value)
        dtype = _dtype.canon(arr.dtype)
    else:
        dtype = _dtype.canon(dtype)
    if dtype == "bfloat16":
        from . import nd
        data = nd.array(value, "bfloat16")._storage
    else:
        data = np.ascontiguousarray(value, dtype=_dtype.to_numpy(dtype))
    if data.ndim > _lib.TVM_MAX_NDIM:
        raise ShapeError("te.const_tensor: %d dimensions; at most %d"
                         % (data.ndim, _lib.TVM_MAX_NDIM))
    g = current_graph()
    shape = (ctypes.c_int64 * _bmax(1, data.ndim))(*data.shape)
    id_, nd_, dt = g._call_tensor("tvm_constant", nm, _dtype.code(dtype), data.ndim, shape,
                                  data.ctypes.data)
    return Tensor(g, id_, nm.decode(), _dtype.from_code(dt), data.shape,
                  Operation("constant", nm.decode()))


def reduce_axis(dom, name="rv"):
    """A reduction axis over ``dom = (0, extent)``; the lower bound must be 0."""
    if not isinstance(dom, (tuple, list)) or len(dom) != 2:
        raise InvalidArgumentError("te.reduce_axis: dom must be a pair (0, extent), got %r"
                                   % (dom,))
    lo, hi = dom
    if not (isinstance(lo, (numbers.Integral, np.integer)) and not isinstance(lo, bool)
            and lo == 0) and not (isinstance(lo, Expr) and lo.kind == "const" and lo.value == 0):
        raise ValueError("te.reduce_axis: the lower bound must be 0 (tvmc reduction axes "
                         "range over [0, extent)); got %r — shift the index instead" % (lo,))
    nm = _name(name, "rv")
    g, dims, exprs = _dims((hi,), "te.reduce_axis")
    id_, dt = g._call_expr("tvm_reduce_axis", nm, E(exprs[0].id))
    ax = Expr(g, id_, _dtype.from_code(dt), "reduce_axis", name=nm.decode())
    ax.dom = (0, dims[0])
    return ax


# ---------------------------------------------------------------------------
# reductions (also elementwise when the second argument is not an axis)
# ---------------------------------------------------------------------------

def _is_axis_arg(axis):
    if isinstance(axis, Expr):
        return axis.kind == "reduce_axis"
    return isinstance(axis, (list, tuple))


def _reducer(kind, name, elementwise, sym):
    def reducer(expr, axis=None, where=None):
        if axis is None:
            raise TypeError("te.%s needs axis= (a te.reduce_axis or a list of them) or a "
                            "second operand" % name)
        if _is_axis_arg(axis):
            return _reduce(kind, name, expr, axis, where)
        if where is not None:
            raise TypeError("te.%s: where= only applies to reductions" % name)
        return binary(elementwise, sym, expr, axis, infix=sym in "+*")
    reducer.__name__ = name
    reducer.__doc__ = ("te.%s(expr, axis=k | [k1, k2], where=None): %s-reduction over "
                       "reduction axes; te.%s(a, b) is elementwise." % (name, name, name))
    return reducer


sum = _reducer(_lib.TVM_REDUCE_SUM, "sum", "tvm_add", "+")
prod = _reducer(_lib.TVM_REDUCE_PROD, "prod", "tvm_mul", "*")
max = _reducer(_lib.TVM_REDUCE_MAX, "max", "tvm_max", "max")
min = _reducer(_lib.TVM_REDUCE_MIN, "min", "tvm_min", "min")


# ---------------------------------------------------------------------------
# elementwise helpers
# ---------------------------------------------------------------------------

def if_then_else(cond, t, f):
    """``cond ? t : f``; only the chosen side is evaluated."""
    return select(cond, t, f)


def _unary(fname, pyname):
    def fn(x):
        if not isinstance(x, Expr):
            raise TypeError("te.%s takes an expression, got %s" % (pyname, type(x).__name__))
        return unary_op(fname, x, pyname)
    fn.__name__ = pyname
    fn.__doc__ = "Elementwise %s (%s)." % (pyname, fname)
    return fn


exp = _unary("tvm_exp", "exp")
log = _unary("tvm_log", "log")
sqrt = _unary("tvm_sqrt", "sqrt")
rsqrt = _unary("tvm_rsqrt", "rsqrt")
tanh = _unary("tvm_tanh", "tanh")
sigmoid = _unary("tvm_sigmoid", "sigmoid")
erf = _unary("tvm_erf", "erf")
abs = _unary("tvm_abs", "abs")
floor = _unary("tvm_floor", "floor")
ceil = _unary("tvm_ceil", "ceil")


def _need_expr(name, *vals):
    if not _bany(isinstance(v, Expr) for v in vals):
        raise TypeError("te.%s needs at least one expression operand" % name)


def pow(a, b):
    """a ** b (floats, C pow semantics)."""
    _need_expr("pow", a, b)
    return binary("tvm_pow", "pow", a, b, infix=False)


power = pow


def truncdiv(a, b):
    """Integer division rounding toward zero (C); float division on floats."""
    _need_expr("truncdiv", a, b)
    return binary("tvm_div", "truncdiv", a, b, infix=False)


div = truncdiv


def truncmod(a, b):
    """Remainder with the sign of the dividend (C %, fmod on floats)."""
    _need_expr("truncmod", a, b)
    return binary("tvm_mod", "truncmod", a, b, infix=False)


def floordiv(a, b):
    _need_expr("floordiv", a, b)
    return binary("tvm_floordiv", "floordiv", a, b, infix=False)


def floormod(a, b):
    _need_expr("floormod", a, b)
    return binary("tvm_floormod", "floormod", a, b, infix=False)


def all(*conds):
    """Logical and of bool expressions."""
    if len(conds) == 1 and isinstance(conds[0], (list, tuple)):
        conds = tuple(conds[0])
    if not conds:
        raise InvalidArgumentError("te.all needs at least one condition")
    out = conds[0]
    for c in conds[1:]:
        out = binary("tvm_and", "&", out, c)
    if not isinstance(out, Expr):
        raise TypeError("te.all needs expressions")
    return out


def any(*conds):
    """Logical or of bool expressions."""
    if len(conds) == 1 and isinstance(conds[0], (list, tuple)):
        conds = tuple(conds[0])
    if not conds:
        raise InvalidArgumentError("te.any needs at least one condition")
    out = conds[0]
    for c in conds[1:]:
        out = binary("tvm_or", "|", out, c)
    if not isinstance(out, Expr):
        raise TypeError("te.any needs expressions")
    return out


# ---------------------------------------------------------------------------
# user functions
# ---------------------------------------------------------------------------

_EXTERN_MAX_ARGS = 8
_INT_BY_SIZE = {1: "int8", 2: "int16", 4: "int32", 8: "int64"}


def _ctype_dtype(t, what):
    """The tvmc dtype of a ctypes scalar type (c_float, c_int32, c_bool, ...)."""
    code = getattr(t, "_type_", None)
    if isinstance(code, str) and t is not ctypes.c_char:
        if code == "f":
            return "float32"
        if code == "d":
            return "float64"
        if code == "?":
            return "bool"
        if code == "B":
            return "uint8"
        if code in "bhilq" and ctypes.sizeof(t) in _INT_BY_SIZE:
            return _INT_BY_SIZE[ctypes.sizeof(t)]
    raise DTypeError("te.call_extern: %s is %s; tvmc calls functions on c_float, c_double, "
                     "c_int8 .. c_int64, c_uint8 and c_bool" % (what, getattr(t, "__name__", t)))


def _callee(fn):
    """(address, argument dtypes or None, result dtype or None) of fn."""
    if isinstance(fn, ctypes._CFuncPtr):
        addr = ctypes.cast(fn, ctypes.c_void_p).value
        argtypes = fn.argtypes
        if argtypes is None:   # a CDLL function without a declared signature
            return addr, None, None
        if fn.restype is None:
            raise DTypeError("te.call_extern: the function returns void; it must return a "
                             "scalar")
        args = [_ctype_dtype(t, "parameter %d" % k) for k, t in enumerate(argtypes)]
        return addr, args, _ctype_dtype(fn.restype, "the result type")
    if isinstance(fn, ctypes.c_void_p):
        return fn.value, None, None
    if isinstance(fn, numbers.Integral) and not isinstance(fn, (bool, np.bool_)):
        return int(fn), None, None
    raise TypeError("te.call_extern: fn must be a ctypes function (a CFUNCTYPE instance or a "
                    "function of a ctypes.CDLL) or an address, got %s" % type(fn).__name__)


def call_extern(name, fn, ret_dtype, *args):
    """A call of the host C function ``fn`` on scalars (as TVM's
    ``call_extern`` / Halide's ``define_extern``), returning ``ret_dtype``.

    ``fn`` is a ``ctypes.CFUNCTYPE(...)`` instance wrapping a Python callable,
    a function of a ``ctypes.CDLL``, or a raw address. When its ctypes
    signature is known, literal arguments take the parameter dtypes and
    expression arguments must match them (cast first); otherwise the
    arguments' dtypes are the C parameter types. At most 8 arguments;
    float16/bfloat16 have no C type. The function must be pure and
    thread-safe: a kernel may call it any number of times, from any thread.
    The graph and every function built from it keep ``fn`` alive.

    ::

        act = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float)(lambda x: x * x)
        B = te.compute((n,), lambda i: te.call_extern("act", act, "float32", A[i]))
    """
    if not isinstance(name, str):
        raise TypeError("te.call_extern: name must be a str, got %s" % type(name).__name__)
    nm = _name(name, "extern")
    ret = _dtype.canon(ret_dtype)
    if ret in ("float16", "bfloat16"):
        raise DTypeError("te.call_extern: ret_dtype is %s, which has no C type; return "
                         "float32 and cast" % ret)
    addr, sig_args, sig_ret = _callee(fn)
    if not addr:
        raise InvalidArgumentError("te.call_extern: fn of '%s' is a NULL function pointer"
                                   % name)
    if len(args) > _EXTERN_MAX_ARGS:
        raise InvalidArgumentError("te.call_extern: %d arguments; at most %d"
                                   % (len(args), _EXTERN_MAX_ARGS))
    if sig_ret is not None and sig_ret != ret:
        raise DTypeError("te.call_extern: ret_dtype is %s but '%s' returns %s"
                         % (ret, name, sig_ret))
    if sig_args is not None and len(sig_args) != len(args):
        raise InvalidArgumentError("te.call_extern: '%s' takes %d arguments, got %d"
                                   % (name, len(sig_args), len(args)))
    g = _same_graph(*args) or current_graph()
    exprs = []
    for k, a in enumerate(args):
        want = sig_args[k] if sig_args is not None else None
        if isinstance(a, Expr):
            if want is not None and a.dtype != want:
                raise DTypeError("te.call_extern: argument %d of '%s' is %s but the function "
                                 "takes %s; convert it with te.cast" % (k, name, a.dtype, want))
            exprs.append(a)
        elif is_literal(a):
            exprs.append(_const(g, a, want if want is not None else default_dtype(a)))
        else:
            raise TypeError("te.call_extern: argument %d must be an expression or a number, "
                            "got %s" % (k, type(a).__name__))
    for k, e in enumerate(exprs):
        if e.dtype in ("float16", "bfloat16"):
            raise DTypeError("te.call_extern: argument %d of '%s' is %s, which has no C type; "
                             "cast it to float32" % (k, name, e.dtype))
    n = len(exprs)
    dts = (ctypes.c_int * _bmax(1, n))(*[_dtype.code(e.dtype) for e in exprs])
    ids = (E * _bmax(1, n))(*[E(e.id) for e in exprs])
    res = g._call_expr("tvm_call_extern", nm, ctypes.c_void_p(addr), _dtype.code(ret), n,
                       dts, ids)
    g._keepalive.append(fn)
    text = "%s(%s)" % (name, ", ".join(e._text for e in exprs))
    return Expr(g, res[0], _dtype.from_code(res[1]), text=_clip(text))
