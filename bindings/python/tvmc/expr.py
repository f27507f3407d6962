"""Expressions and tensors with Python operators.

Operator semantics (same dtype on both sides, as in the C library):

======================  =====================================================
``a + b, a - b, a * b``  tvm_add / tvm_sub / tvm_mul (integers wrap)
``a / b``                tvm_div: float division; on integers C-style
                         *truncating* division (-7 / 2 == -3)
``a // b``               tvm_floordiv: rounds toward -inf like Python
``a % b``                tvm_floormod: sign of the divisor like Python
                         (``te.truncdiv`` / ``te.truncmod`` give C semantics)
``a ** b``               tvm_pow (floats only)
``-a, abs(a)``           tvm_neg, tvm_abs
``< <= > >= == !=``      comparisons; the result is a bool expression
``a & b, a | b, ~a``     logical and / or / not on bool expressions
``a ^ b``                logical xor on bool expressions (a != b)
======================  =====================================================

Integer division or modulo by zero yields 0 (no trap).

Python literals: an ``int``/``float``/``bool`` next to an expression becomes
a constant of the *expression's* dtype when the value is representable in it
(``x + 1`` with float32 ``x`` is ``x + 1.0f``; ``i * 2.0`` with int64 ``i``
is ``i * 2``); otherwise :class:`tvmc.DTypeError` (a ``TypeError``) is
raised: ``i * 0.5`` or ``int8_expr + 300``.  Mixing two expressions of
different dtypes raises ``DTypeError``: convert with ``te.cast`` or
``expr.astype``.

Because ``==`` builds an expression, ``Expr.__hash__`` is the identity hash
(``object.__hash__``) and expressions have no truth value: ``if a == b:``
raises ``TypeError``.  Use them as dict keys/set members by identity only.
"""

import numbers

import numpy as np

from . import _dtype, _lib
from .context import current_graph
from .error import DTypeError, InvalidArgumentError, InvalidHandleError, ShapeError

E = _lib.tvm_expr

_TEXT_MAX = 240


def _clip(s):
    return s if len(s) <= _TEXT_MAX else s[:_TEXT_MAX - 3] + "..."


def is_literal(v):
    return isinstance(v, (numbers.Integral, numbers.Real, np.bool_)) and \
        not isinstance(v, (Expr, complex, np.complexfloating))


class Expr:
    """A scalar expression handle inside a :class:`tvmc.Graph`.

    Attributes: ``dtype`` (a string such as "float32"), ``graph``, ``kind``
    ("const", "size_var", "iter_var", "reduce_axis" or "expr") and, for
    variables, ``name``."""

    __slots__ = ("graph", "id", "dtype", "kind", "name", "value", "dom", "_text",
                 "__weakref__")
    __hash__ = object.__hash__   # __eq__ builds an expression; hash by identity
    __array_ufunc__ = None       # numpy scalars defer to our reflected operators

    def __init__(self, graph, id_, dtype, kind="expr", name=None, text=None, value=None):
        self.graph = graph
        self.id = id_
        self.dtype = dtype
        self.kind = kind
        self.name = name
        self.value = value   # the Python value of a constant
        self.dom = None      # (0, extent) of a reduction axis
        self._text = text if text is not None else (name or "?")

    def __repr__(self):
        return "Expr(%s: %s)" % (self._text, self.dtype)

    def __str__(self):
        return self._text

    def __bool__(self):
        raise TypeError("a tvmc expression has no truth value: it is evaluated by the "
                        "kernel, not by Python; use &, |, ~ and te.if_then_else")

    def __iter__(self):
        raise TypeError("a tvmc expression is not iterable")

    def __index__(self):
        raise TypeError("a tvmc expression cannot be used as a Python integer")

    def astype(self, dtype):
        """Converts to another dtype (tvm_cast)."""
        return cast(self, dtype)

    # arithmetic
    def __add__(self, o): return _binary_op("tvm_add", "+", self, o)
    def __radd__(self, o): return _binary_op("tvm_add", "+", o, self)
    def __sub__(self, o): return _binary_op("tvm_sub", "-", self, o)
    def __rsub__(self, o): return _binary_op("tvm_sub", "-", o, self)
    def __mul__(self, o): return _binary_op("tvm_mul", "*", self, o)
    def __rmul__(self, o): return _binary_op("tvm_mul", "*", o, self)
    def __truediv__(self, o): return _binary_op("tvm_div", "/", self, o)
    def __rtruediv__(self, o): return _binary_op("tvm_div", "/", o, self)
    def __floordiv__(self, o): return _binary_op("tvm_floordiv", "//", self, o)
    def __rfloordiv__(self, o): return _binary_op("tvm_floordiv", "//", o, self)
    def __mod__(self, o): return _binary_op("tvm_floormod", "%", self, o)
    def __rmod__(self, o): return _binary_op("tvm_floormod", "%", o, self)
    def __pow__(self, o): return _binary_op("tvm_pow", "**", self, o)
    def __rpow__(self, o): return _binary_op("tvm_pow", "**", o, self)
    def __neg__(self): return unary_op("tvm_neg", self, "-")
    def __pos__(self): return self
    def __abs__(self): return unary_op("tvm_abs", self, "abs")

    # comparisons
    def __lt__(self, o): return _binary_op("tvm_lt", "<", self, o)
    def __le__(self, o): return _binary_op("tvm_le", "<=", self, o)
    def __gt__(self, o): return _binary_op("tvm_gt", ">", self, o)
    def __ge__(self, o): return _binary_op("tvm_ge", ">=", self, o)
    def __eq__(self, o): return _binary_op("tvm_eq", "==", self, o)
    def __ne__(self, o): return _binary_op("tvm_ne", "!=", self, o)

    # logic (bool operands)
    def __and__(self, o): return _binary_op("tvm_and", "&", self, o)
    def __rand__(self, o): return _binary_op("tvm_and", "&", o, self)
    def __or__(self, o): return _binary_op("tvm_or", "|", self, o)
    def __ror__(self, o): return _binary_op("tvm_or", "|", o, self)
    def __xor__(self, o): return _xor(self, o)
    def __rxor__(self, o): return _xor(o, self)
    def __invert__(self): return unary_op("tvm_not", self, "~")


# ---------------------------------------------------------------------------
# dtype rules (mirror lib/builder.c so bad input never reaches C)
# ---------------------------------------------------------------------------

_FLOAT_ONLY = {"tvm_pow", "tvm_exp", "tvm_log", "tvm_sqrt", "tvm_rsqrt", "tvm_tanh",
               "tvm_sigmoid", "tvm_erf", "tvm_floor", "tvm_ceil"}
_BOOL_ONLY = {"tvm_and", "tvm_or", "tvm_not"}
_ANY = {"tvm_lt", "tvm_le", "tvm_gt", "tvm_ge", "tvm_eq", "tvm_ne"}


def _check_allowed(fname, sym, dtype):
    if fname in _ANY:
        return
    if fname in _FLOAT_ONLY:
        ok, want = _dtype.is_float(dtype), "floating-point"
    elif fname in _BOOL_ONLY:
        ok, want = dtype == "bool", "bool"
    else:
        ok, want = dtype != "bool", "numeric (not bool)"
    if not ok:
        hint = ""
        if want == "bool":
            hint = " (&, |, ~ are logical operators; tvmc has no bitwise operators)"
        elif dtype == "bool":
            hint = " (cast it first: x.astype('int32'))"
        elif want == "floating-point":
            hint = " (cast it first: x.astype('float32'))"
        raise DTypeError("%s: operand is %s but must be %s%s" % (sym, dtype, want, hint))


def _same_graph(*exprs):
    g = None
    for e in exprs:
        if isinstance(e, (Expr, Tensor)):
            if g is None:
                g = e.graph
            elif e.graph is not g:
                raise InvalidHandleError(
                    "expressions from different graphs cannot be combined (%s and %s); build "
                    "one computation in one tvmc.Graph" % (_desc(exprs[0]), _desc(e)))
    return g


def _desc(e):
    if isinstance(e, Tensor):
        return "tensor '%s'" % e.name
    if isinstance(e, Expr):
        return "'%s'" % _clip(e._text)
    return repr(e)


def const(graph, value, dtype):
    """A constant of ``dtype`` in ``graph``; DTypeError if ``value`` is not
    representable in it."""
    dtype = _dtype.canon(dtype)
    if isinstance(value, Expr) or not is_literal(value):
        raise TypeError("a constant must be a Python or numpy number, got %s"
                        % type(value).__name__)
    code = _dtype.code(dtype)
    if isinstance(value, (bool, np.bool_)):
        value = int(value)
    if _dtype.is_float(dtype):
        v = float(value)
        if isinstance(value, numbers.Integral) and abs(value) < 2**63:
            args = ("tvm_const_int", code, int(value))
        else:
            args = ("tvm_const_float", code, v)
        text = repr(v)
    else:
        lo, hi = _dtype.INT_RANGE[dtype]
        if isinstance(value, numbers.Integral):
            iv = int(value)
        else:
            fv = float(value)
            if fv != fv or fv in (float("inf"), float("-inf")) or fv != int(fv):
                raise DTypeError("the literal %r is not representable as %s" % (value, dtype))
            iv = int(fv)
        if not lo <= iv <= hi:
            raise DTypeError("the literal %r is not representable as %s (range [%d, %d])"
                             % (value, dtype, lo, hi))
        args = ("tvm_const_int", code, iv)
        text = ("True" if iv else "False") if dtype == "bool" else str(iv)
    id_, dt = graph._call_expr(*args)
    return Expr(graph, id_, _dtype.from_code(dt), "const", text=text, value=value)


def default_dtype(value):
    """TVM's dtype for a bare Python literal: bool, int32 or float32."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, np.generic):
        return _dtype.canon(value.dtype)
    if isinstance(value, numbers.Integral):
        return "int32" if -2**31 <= value < 2**31 else "int64"
    return "float32"


def as_expr(value, like=None, graph=None):
    """``value`` as an Expr: expressions pass through, literals become
    constants of ``like``'s dtype (or their default dtype)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, Tensor):
        raise TypeError("tensor '%s' used as a scalar; index it: %s[i, ...]"
                        % (value.name, value.name))
    if not is_literal(value):
        raise TypeError("expected a tvmc expression or a number, got %s" % type(value).__name__)
    if like is not None:
        return const(like.graph, value, like.dtype)
    return const(graph if graph is not None else current_graph(), value,
                 default_dtype(value))


def coerce(*values):
    """Expressions for values that must share a dtype: literals take the dtype
    of the first expression among them."""
    g = _same_graph(*values)
    like = next((v for v in values if isinstance(v, Expr)), None)
    return [as_expr(v, like, g) for v in values]


def _wrap(graph, res, text):
    id_, dt = res
    return Expr(graph, id_, _dtype.from_code(dt), text=_clip(text))


def binary(fname, sym, a, b, infix=True):
    """Builds a binary expression, literals converted; raises before C on
    dtype mismatch or disallowed dtype."""
    a, b = coerce(a, b)
    if a.dtype != b.dtype:
        raise DTypeError("%s: operands have different dtypes (%s and %s); convert one with "
                         "te.cast(x, dtype) or x.astype(dtype)" % (sym, a.dtype, b.dtype))
    _check_allowed(fname, sym, a.dtype)
    text = "(%s %s %s)" % (a._text, sym, b._text) if infix else \
        "%s(%s, %s)" % (sym, a._text, b._text)
    return _wrap(a.graph, a.graph._call_expr(fname, E(a.id), E(b.id)), text)


def _binary_op(fname, sym, a, b):
    # operator protocol: unknown operand types give NotImplemented
    for v in (a, b):
        if not isinstance(v, Expr) and not is_literal(v):
            return NotImplemented
    return binary(fname, sym, a, b)


def _xor(a, b):
    for v in (a, b):
        if not isinstance(v, Expr) and not is_literal(v):
            return NotImplemented
    a, b = coerce(a, b)
    if a.dtype != "bool" or b.dtype != "bool":
        raise DTypeError("^: operands are %s and %s but must be bool (tvmc has no bitwise "
                         "operators)" % (a.dtype, b.dtype))
    return binary("tvm_ne", "^", a, b)


def unary_op(fname, a, sym):
    if not isinstance(a, Expr):
        a = as_expr(a)
    _check_allowed(fname, sym, a.dtype)
    text = "%s%s" % (sym, a._text) if sym in ("-", "~") else "%s(%s)" % (sym, a._text)
    return _wrap(a.graph, a.graph._call_expr(fname, E(a.id)), text)


def cast(value, dtype):
    dtype = _dtype.canon(dtype)
    if not isinstance(value, Expr):
        return const(current_graph(), value, dtype)
    if value.dtype == dtype:
        return value
    g = value.graph
    return _wrap(g, g._call_expr("tvm_cast", _dtype.code(dtype), E(value.id)),
                 "%s(%s)" % (dtype, value._text))


def select(cond, a, b):
    g = _same_graph(cond, a, b)
    if not isinstance(cond, Expr):
        if not isinstance(cond, (bool, np.bool_)):
            raise DTypeError("if_then_else: the condition must be a bool expression or a "
                             "Python bool, got %s" % type(cond).__name__)
        cond = const(g if g is not None else current_graph(), bool(cond), "bool")
        g = cond.graph
    if cond.dtype != "bool":
        raise DTypeError("if_then_else: the condition is %s but must be bool (compare it: "
                         "x != 0)" % cond.dtype)
    if isinstance(a, Expr) or isinstance(b, Expr):
        a, b = coerce(a, b)
    else:
        a = as_expr(a, graph=g)
        b = as_expr(b, like=a)
    if a.dtype != b.dtype:
        raise DTypeError("if_then_else: the branches have different dtypes (%s and %s)"
                         % (a.dtype, b.dtype))
    return _wrap(g, g._call_expr("tvm_select", E(cond.id), E(a.id), E(b.id)),
                 "select(%s, %s, %s)" % (cond._text, a._text, b._text))


def reduce(kind, name, body, axes, where=None):
    """tvm_reduce of ``body`` over reduction axes ``axes`` (an axis or a list)."""
    if isinstance(axes, Expr):
        axes = [axes]
    axes = list(axes)
    if not axes:
        raise InvalidArgumentError("te.%s: axis is empty; give one or more te.reduce_axis"
                                   % name)
    if len(axes) > _lib.TVM_MAX_NDIM:
        raise InvalidArgumentError("te.%s: %d axes; at most %d" % (name, len(axes),
                                                                   _lib.TVM_MAX_NDIM))
    for k, ax in enumerate(axes):
        if not isinstance(ax, Expr) or ax.kind != "reduce_axis":
            raise InvalidArgumentError("te.%s: axis %d is not a reduction axis (make it with "
                                       "te.reduce_axis((0, n)))" % (name, k))
        for other in axes[:k]:
            if other is ax:
                raise InvalidArgumentError("te.%s: axis '%s' is listed twice" % (name, ax.name))
    if not isinstance(body, Expr):
        raise TypeError("te.%s: the body must be an expression, got %s"
                        % (name, type(body).__name__))
    g = _same_graph(body, *axes)
    if where is not None:
        g = _same_graph(body, where) or g
        if not isinstance(where, Expr) or where.dtype != "bool":
            raise DTypeError("te.%s: where= must be a bool expression" % name)
    if body.dtype == "bool":
        raise DTypeError("te.%s: the body is bool; reduce a number (cast it first: "
                         "x.astype('int32'))" % name)
    if where is not None:
        body = select(where, body, _identity(kind, body))
    arr = (E * len(axes))(*[E(a.id) for a in axes])
    res = g._call_expr("tvm_reduce", kind, E(body.id), len(axes), arr)
    return _wrap(g, res, "%s(%s, axis=[%s])" % (name, body._text,
                                                ", ".join(a.name or "?" for a in axes)))


def _identity(kind, like):
    dt = like.dtype
    if kind == _lib.TVM_REDUCE_SUM:
        v = 0
    elif kind == _lib.TVM_REDUCE_PROD:
        v = 1
    elif _dtype.is_float(dt):
        v = float("inf") if kind == _lib.TVM_REDUCE_MIN else float("-inf")
    else:
        lo, hi = _dtype.INT_RANGE[dt]
        v = hi if kind == _lib.TVM_REDUCE_MIN else lo
    return const(like.graph, v, dt)


# ---------------------------------------------------------------------------
# Tensors
# ---------------------------------------------------------------------------

class Operation:
    """What made a tensor: ``kind`` ("placeholder", "compute", "constant"),
    ``axis`` (a compute's iteration variables) and ``body``."""

    __slots__ = ("kind", "name", "axis", "body", "output")

    def __init__(self, kind, name, axis=(), body=None):
        self.kind, self.name, self.axis, self.body = kind, name, tuple(axis), body
        self.output = None   # the tensor it made (te.create_schedule(C.op) finds C)

    def __repr__(self):
        return "Operation(%s %s)" % (self.kind, self.name)


class Tensor:
    """A tensor handle: a placeholder, a compute or a constant.

    ``A[i, j]`` (or ``A(i, j)``) loads an element; ``shape`` is a tuple of
    ints and expressions, ``dtype`` a string, ``ndim``, ``name``, ``op``."""

    __slots__ = ("graph", "id", "name", "dtype", "shape", "op", "__weakref__")
    __array_ufunc__ = None

    def __init__(self, graph, id_, name, dtype, shape, op):
        self.graph, self.id, self.name, self.dtype = graph, id_, name, dtype
        self.shape, self.op = tuple(shape), op
        if op is not None and op.output is None:
            op.output = self

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def axis(self):
        return self.op.axis

    def __repr__(self):
        dims = ", ".join(str(d) for d in self.shape)
        return "Tensor(%s %s, shape=(%s%s), dtype=%s)" % (
            self.op.kind, self.name, dims, "," if len(self.shape) == 1 else "", self.dtype)

    def __iter__(self):
        raise TypeError("a tvmc tensor is not iterable; index it with A[i, ...]")

    def __len__(self):
        raise TypeError("len() of a tvmc tensor is undefined; use .shape")

    def __bool__(self):
        return True

    def __call__(self, *indices):
        return self[indices]

    def __getitem__(self, indices):
        if not isinstance(indices, tuple):
            indices = (indices,)
        if len(indices) != self.ndim:
            raise ShapeError("tensor '%s' has %d dimensions but %d indices were given"
                             % (self.name, self.ndim, len(indices)))
        g = self.graph
        idx = []
        for k, i in enumerate(indices):
            if isinstance(i, Expr):
                if i.graph is not g:
                    raise InvalidHandleError("index %d of tensor '%s' comes from another graph"
                                             % (k, self.name))
                if not _dtype.is_int(i.dtype):
                    raise DTypeError("index %d of tensor '%s' is %s; indices must be integers"
                                     % (k, self.name, i.dtype))
            elif isinstance(i, (numbers.Integral, np.integer)) and \
                    not isinstance(i, (bool, np.bool_)):
                i = const(g, int(i), "int64")
            elif isinstance(i, slice):
                raise TypeError("tensor '%s': slices are not supported; index with integer "
                                "expressions" % self.name)
            else:
                raise DTypeError("index %d of tensor '%s' is %s; indices must be integer "
                                 "expressions or ints" % (k, self.name, type(i).__name__))
            idx.append(i)
        arr = (E * max(1, len(idx)))(*[E(i.id) for i in idx])
        res = g._call_expr("tvm_load", _lib.tvm_tensor(self.id), arr)
        return _wrap(g, res, "%s[%s]" % (self.name, ", ".join(i._text for i in idx)))
