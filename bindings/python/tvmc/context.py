"""Contexts and graphs.

A :class:`Context` owns tvmc's thread pool and caches; one process-wide
default context is created lazily and shared by all threads (the C context
is thread-safe).

A :class:`Graph` is the builder arena every expression of one computation
lives in.  Each thread has a *current graph*: the innermost ``with
tvmc.Graph():`` block, or else a per-thread default graph created lazily in
the default context.  Leaves (placeholders, variables, constants, reduction
axes, the iteration variables of ``te.compute``) are made in the graph of
their operands if they have any, otherwise in the current graph.  Operators
use the graph of their operands; mixing handles of two graphs raises
:class:`tvmc.InvalidHandleError`.

Errors are sticky in the C builder: after a failed builder call the graph
refuses every later call.  The Python layer checks dtypes, counts and
literal ranges itself *before* calling C so that common mistakes raise
without spoiling the graph; when the C library does reject a call, the graph
is marked failed, later calls on it raise the same kind of error, and if it
was the thread's default graph a fresh default graph replaces it for the
next leaf (re-run the code that made the old expressions).
"""

import ctypes
import threading
import weakref

from . import _lib, parallel
from .error import InternalError, InvalidArgumentError, check, error_class, make_error

_INT32_MAX = 2**31 - 1


def _nonneg_int32(name, v):
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= _INT32_MAX:
        raise InvalidArgumentError("%s must be an int in [0, %d], got %r" % (name, _INT32_MAX, v))
    return v


def _destroy_context(handle, host_callback):
    # host_callback is an argument only to keep the C callback alive as long
    # as the context that calls it.
    _lib.load().tvm_context_destroy(handle)


class Context:
    """A tvmc context (thread pool, function cache, shape cache).

    ``num_threads=0`` means one worker per physical core; capacities of 0
    mean the library defaults (256 functions, 64 shape specialisations).
    ``parallel_for=f`` runs parallel loops on the host's threads instead of
    tvmc's pool: ``f(n, run, max_chunks)`` must call ``run(begin, end)`` for
    ranges covering ``range(n)`` exactly once, from any threads, and return
    when they have run (see ``tvmc.parallel``); ``num_threads`` is then the
    most ranges a loop is split into."""

    _default = None
    _default_lock = threading.Lock()

    def __init__(self, num_threads=0, function_cache_capacity=0, shape_cache_capacity=0,
                 parallel_for=None):
        L = _lib.load()
        opts = _lib.tvm_context_options(
            ctypes.sizeof(_lib.tvm_context_options),
            _nonneg_int32("num_threads", num_threads),
            _nonneg_int32("function_cache_capacity", function_cache_capacity),
            _nonneg_int32("shape_cache_capacity", shape_cache_capacity), 0)
        self._parallel_errors = threading.local()
        callback = None
        if parallel_for is not None:
            if not callable(parallel_for):
                raise TypeError("parallel_for must be callable as f(n, run, max_chunks), got %s"
                                % type(parallel_for).__name__)
            callback = parallel.make_callback(parallel_for, self._parallel_errors)
            opts.parallel_for = ctypes.cast(callback, ctypes.c_void_p).value
        out = ctypes.c_void_p()
        check(L.tvm_context_create(ctypes.byref(opts), ctypes.byref(out)))
        self._handle = out.value
        self._finalizer = weakref.finalize(self, _destroy_context, out.value, callback)
        self._finalizer.atexit = False  # never tear the JIT down during interpreter exit

    @classmethod
    def default(cls):
        """The process-wide default context (created on first use)."""
        ctx = cls._default
        if ctx is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls()
                ctx = cls._default
        return ctx

    def _take_parallel_error(self):
        """The exception of this thread's last failed host parallel-for, once."""
        exc = getattr(self._parallel_errors, "exc", None)
        self._parallel_errors.exc = None
        return exc

    @property
    def num_threads(self):
        return _lib.load().tvm_context_num_threads(self._handle)

    def stats(self):
        """Cache counters as a dict."""
        st = _lib.tvm_cache_stats()
        st.struct_size = ctypes.sizeof(st)
        check(_lib.load().tvm_context_stats(self._handle, ctypes.byref(st)))
        return {name: getattr(st, name) for name, _ in st._fields_[1:]}

    def __repr__(self):
        return "<tvmc.Context threads=%d>" % self.num_threads


def _destroy_graph(handle, ctx):
    # ctx is an argument only to keep the context alive until the graph is gone.
    _lib.load().tvm_graph_destroy(handle)


_tls = threading.local()


class Graph:
    """A builder graph.  Use as a context manager to make it the current
    graph of this thread::

        with tvmc.Graph() as g:
            A = te.placeholder((n,), name="A")
            ...
    """

    def __init__(self, ctx=None):
        if ctx is None:
            ctx = Context.default()
        if not isinstance(ctx, Context):
            raise TypeError("ctx must be a tvmc.Context, got %s" % type(ctx).__name__)
        L = _lib.load()
        h = L.tvm_graph_create(ctx._handle)
        if not h:
            raise make_error(_lib.TVM_ERR_OUT_OF_MEMORY, _lib.last_error())
        self.ctx = ctx
        self._handle = h
        self._lock = threading.Lock()  # a C graph is used by one thread at a time
        self._error = None
        # host functions called by te.call_extern: they must outlive every
        # function compiled from this graph (build copies the list)
        self._keepalive = []
        self._finalizer = weakref.finalize(self, _destroy_graph, h, ctx)
        self._finalizer.atexit = False

    # -- current-graph stack ------------------------------------------------
    def __enter__(self):
        stack = getattr(_tls, "stack", None)
        if stack is None:
            stack = _tls.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        stack = getattr(_tls, "stack", None)
        if stack and stack[-1] is self:
            stack.pop()
        return False

    # -- state --------------------------------------------------------------
    @property
    def failed(self):
        """The exception that spoiled this graph, or None."""
        return self._error

    def status(self):
        """Raises the graph's recorded error, if any."""
        with self._lock:
            st = _lib.load().tvm_graph_status(self._handle)
            if st != _lib.TVM_OK:
                raise make_error(st, _lib.last_error())

    def _raise_failed(self):
        e = self._error
        raise error_class(e.status)(
            e.status, "the graph already failed (%s); build the computation again: in a "
            "fresh tvmc.Graph(), or re-run the code that made its expressions (the default "
            "graph was replaced)" % e.message)

    def _fail(self):
        # lock held by the caller
        L = _lib.load()
        st = L.tvm_graph_status(self._handle)
        msg = _lib.last_error()
        if st == _lib.TVM_OK:
            err = InternalError(_lib.TVM_ERR_INTERNAL,
                                "a builder call returned a null handle but the graph has no "
                                "error (%s)" % msg)
        else:
            err = make_error(st, msg)
        self._error = err
        return err

    # -- builder calls ---------------------------------------------------------
    def _call_expr(self, fname, *args):
        """Calls a builder function returning tvm_expr; returns (id, dtype code)."""
        L = _lib.load()
        with self._lock:
            if self._error is not None:
                self._raise_failed()
            r = getattr(L, fname)(self._handle, *args)
            if r.id == 0:
                raise self._fail()
            dt = ctypes.c_int()
            check(L.tvm_expr_dtype(self._handle, r, ctypes.byref(dt)))
            return r.id, dt.value

    def _call_tensor(self, fname, *args):
        """Calls a builder function returning tvm_tensor; returns (id, ndim, dtype code)."""
        L = _lib.load()
        with self._lock:
            if self._error is not None:
                self._raise_failed()
            r = getattr(L, fname)(self._handle, *args)
            if r.id == 0:
                raise self._fail()
            nd, dt = ctypes.c_int(), ctypes.c_int()
            check(L.tvm_tensor_info(self._handle, r, ctypes.byref(nd), ctypes.byref(dt)))
            return r.id, nd.value, dt.value

    def text(self, *tensors):
        """The graph in the tensor-IR printer's format: everything reachable
        from the given tensors, or the whole graph when none are given."""
        from .expr import Tensor
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError("Graph.text takes tvmc Tensors, got %s" % type(t).__name__)
            if t.graph is not self:
                from .error import InvalidHandleError
                raise InvalidHandleError("tensor '%s' belongs to another graph" % t.name)
        arr = (_lib.tvm_tensor * max(1, len(tensors)))(*[_lib.tvm_tensor(t.id) for t in tensors])
        out = ctypes.c_void_p()
        with self._lock:
            check(_lib.load().tvm_graph_print(self._handle, len(tensors), arr,
                                              ctypes.byref(out)))
        return _lib.take_string(out.value)

    def __repr__(self):
        return "<tvmc.Graph%s>" % (" failed" if self._error else "")


def current_graph():
    """The graph new leaves go to on this thread (see module doc)."""
    stack = getattr(_tls, "stack", None)
    if stack:
        return stack[-1]
    g = getattr(_tls, "default", None)
    if g is None or g._error is not None:
        g = _tls.default = Graph()
    return g


def reset_default_graph():
    """Drops this thread's default graph; the next leaf starts a fresh one.
    Expressions already made keep their (old) graph alive."""
    _tls.default = None
