"""Schedules, TVM ``te`` style: how a graph's loop nests run.

::

    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    s[C].cache_write(jo)          # the accumulator block (TVM: s.cache_write + compute_at)
    s[C].vectorize(ji)
    s[C].parallel(io)
    f = tvmc.build([A, B, C], schedule=s)

A schedule never changes results (see include/tvmc.h, "Schedules"); illegal
schedules raise at the primitive or at ``tvmc.build``.
"""

import ctypes
import weakref

from . import _lib
from .error import InvalidArgumentError, check
from .expr import Expr, Operation, Tensor


class IterVar:
    """A loop axis made by split, tile or fuse (valid in its schedule only)."""

    __slots__ = ("id", "name")

    def __init__(self, id_, name):
        self.id, self.name = id_, name

    def __repr__(self):
        return "IterVar(%s)" % self.name


def _axis(a, what):
    if isinstance(a, IterVar):
        return _lib.tvm_expr(a.id)
    if isinstance(a, Expr) and a.kind in ("iter_var", "reduce_axis"):
        return _lib.tvm_expr(a.id)
    raise InvalidArgumentError("%s: %r is not a loop axis (use a compute's axis, a "
                               "te.reduce_axis, or an axis a primitive returned)" % (what, a))


def _tensor(t, what):
    if isinstance(t, Operation):
        t = t.output
    if t is None or not hasattr(t, "id"):
        raise InvalidArgumentError("%s: expected a tensor or its .op" % what)
    return t


def _release(handle):
    _lib.load().tvm_schedule_destroy(handle)


class Schedule:
    """``te.create_schedule(ops)``; ``s[tensor]`` is that compute's :class:`Stage`."""

    def __init__(self, outputs):
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        tensors = [_tensor(o, "te.create_schedule") for o in outputs]
        if not tensors:
            raise InvalidArgumentError("te.create_schedule: no outputs")
        self.graph = tensors[0].graph
        self.outputs = tensors
        arr = (_lib.tvm_tensor * len(tensors))(*[_lib.tvm_tensor(t.id) for t in tensors])
        h = ctypes.c_void_p()
        with self.graph._lock:
            check(_lib.load().tvm_schedule_create(self.graph._handle, len(tensors), arr,
                                                  ctypes.byref(h)))
        self._handle = h.value
        # the schedule must not outlive its graph: hold it, free the schedule first
        self._finalizer = weakref.finalize(self, _release, h.value)
        self._stages = {}

    def __getitem__(self, t):
        t = _tensor(t, "Schedule[]")
        st = self._stages.get(t.id)
        if st is None:
            st = self._stages[t.id] = Stage(self, t)
        return st

    def _call(self, fname, *args):
        with self.graph._lock:
            check(getattr(_lib.load(), fname)(self._handle, *args))


class Stage:
    """The loops of one compute inside a :class:`Schedule`."""

    def __init__(self, sched, tensor):
        self.sched, self.tensor = sched, tensor
        self._t = _lib.tvm_tensor(tensor.id)

    def __repr__(self):
        return "Stage(%s)" % self.tensor.name

    @staticmethod
    def _name(a):
        return a.name if getattr(a, "name", None) else "axis"

    def split(self, parent, factor=None, nparts=None):
        """(outer, inner) with parent = outer * factor + inner."""
        if factor is None or nparts is not None:
            raise InvalidArgumentError("Stage.split: give factor= (nparts is not supported)")
        o, i = _lib.tvm_expr(), _lib.tvm_expr()
        self.sched._call("tvm_sched_split", self._t, _axis(parent, "split"), int(factor),
                         ctypes.byref(o), ctypes.byref(i))
        n = self._name(parent)
        return IterVar(o.id, n + ".outer"), IterVar(i.id, n + ".inner")

    def tile(self, x_parent, y_parent, x_factor, y_factor):
        """(x_outer, y_outer, x_inner, y_inner)."""
        r = [_lib.tvm_expr() for _ in range(4)]
        self.sched._call("tvm_sched_tile", self._t, _axis(x_parent, "tile"),
                         _axis(y_parent, "tile"), int(x_factor), int(y_factor),
                         *[ctypes.byref(e) for e in r])
        xn, yn = self._name(x_parent), self._name(y_parent)
        return (IterVar(r[0].id, xn + ".outer"), IterVar(r[1].id, yn + ".outer"),
                IterVar(r[2].id, xn + ".inner"), IterVar(r[3].id, yn + ".inner"))

    def reorder(self, *axes):
        arr = (_lib.tvm_expr * max(1, len(axes)))(*[_axis(a, "reorder") for a in axes])
        self.sched._call("tvm_sched_reorder", self._t, len(axes), arr)

    def fuse(self, *axes):
        """Fuses adjacent axes, outermost first; returns the fused axis."""
        if len(axes) < 2:
            raise InvalidArgumentError("Stage.fuse: give at least two axes")
        cur = axes[0]
        for nxt in axes[1:]:
            f = _lib.tvm_expr()
            self.sched._call("tvm_sched_fuse", self._t, _axis(cur, "fuse"), _axis(nxt, "fuse"),
                             ctypes.byref(f))
            cur = IterVar(f.id, self._name(cur) + "." + self._name(nxt))
        return cur

    def vectorize(self, axis):
        self.sched._call("tvm_sched_vectorize", self._t, _axis(axis, "vectorize"))

    def parallel(self, axis):
        self.sched._call("tvm_sched_parallel", self._t, _axis(axis, "parallel"))

    def unroll(self, axis):
        self.sched._call("tvm_sched_unroll", self._t, _axis(axis, "unroll"))

    def compute_inline(self):
        self.sched._call("tvm_sched_compute_inline", self._t)

    def compute_at(self, parent, axis):
        """Computes this stage inside loop ``axis`` of stage ``parent``."""
        if not isinstance(parent, Stage):
            raise InvalidArgumentError("Stage.compute_at: parent must be a Stage (s[T])")
        self.sched._call("tvm_sched_compute_at", self._t, parent._t, _axis(axis, "compute_at"))

    def cache_write(self, axis):
        """Accumulates this stage's reduction in a local block covering the
        spatial loops inside ``axis`` (TVM: ``s.cache_write(C, "local")``
        then ``compute_at`` of the cache at ``axis``)."""
        self.sched._call("tvm_sched_cache_write", self._t, _axis(axis, "cache_write"))

    def pack(self, operand, dim, block):
        """Re-lays input/constant ``operand`` into panels of ``block`` along
        ``dim`` before this stage reads it; returns the panels' tensor."""
        if not isinstance(operand, Tensor):
            raise InvalidArgumentError("Stage.pack: operand must be a tensor")
        p = _lib.tvm_tensor()
        self.sched._call("tvm_sched_pack", self._t, _lib.tvm_tensor(operand.id), int(dim),
                         int(block), ctypes.byref(p))
        name = operand.name + "_packed"
        return Tensor(self.sched.graph, p.id, name, operand.dtype, (),
                      Operation("compute", name))


def create_schedule(ops):
    """A schedule for the computes ``ops`` (tensors or their ``.op``) need."""
    return Schedule(ops)
