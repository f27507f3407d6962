"""``tvmc.build`` and compiled functions."""

import ctypes
import weakref

import numpy as np

from . import _dtype, _lib, _marshal
from .error import InvalidArgumentError, InvalidHandleError, TVMError, check
from .expr import Tensor

_OPT = {0: _lib.TVM_OPT_O0, 1: _lib.TVM_OPT_O1, 2: _lib.TVM_OPT_O2, 3: _lib.TVM_OPT_O3}
SOURCE_KINDS = ("graph", "loop", "llvm", "asm")
DUMP_STAGES = ("graph", "fused", "loop", "llvm", "asm")


def build(tensors, target="llvm", opt_level=3, fast_math=False, inline=True, cache=True,
          schedule=None, release_constants=False):
    """Compiles ``tensors`` = inputs (placeholders) then outputs (computes),
    TVM's argument order, into a :class:`Function`.

    target: "llvm" (host CPU), "llvm -mcpu=NAME -mattr=+a,-b" or "interp".
    opt_level: 0..3.  fast_math relaxes IEEE rules.  inline=False
    materialises every compute.  cache=False skips the context's cache of
    identical graphs.  schedule: a ``te.create_schedule`` of these outputs.
    release_constants=True (TVM_COMPILE_RELEASE_CONSTANTS) frees, during the
    compile, the bytes of every graph constant the function does not read
    itself because all that is computed from it was folded (a weight whose
    transposed copy the function holds instead): for "build once, drop the
    graph" use.  Those constants stay in the graph without their data; a
    later build of this graph that reads one raises InvalidArgumentError
    naming it."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if not isinstance(tensors, (list, tuple)):
        raise TypeError("tvmc.build takes a list of tensors [inputs..., outputs...], got %s"
                        % type(tensors).__name__)
    tensors = list(tensors)
    for k, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError("tvmc.build: item %d is %s, not a tvmc Tensor"
                            % (k, type(t).__name__))
    if not tensors:
        raise InvalidArgumentError("tvmc.build: the tensor list is empty")
    g = tensors[0].graph
    for t in tensors:
        if t.graph is not g:
            raise InvalidHandleError("tvmc.build: tensors '%s' and '%s' come from different "
                                     "graphs" % (tensors[0].name, t.name))
    for k, t in enumerate(tensors):
        for u in tensors[:k]:
            if u is t:
                raise InvalidArgumentError("tvmc.build: tensor '%s' is listed twice" % t.name)
    inputs, outputs = [], []
    for t in tensors:
        kind = t.op.kind
        if kind == "placeholder":
            if outputs:
                raise InvalidArgumentError(
                    "tvmc.build: placeholder '%s' comes after an output; list the inputs "
                    "(placeholders) first, then the outputs (computes)" % t.name)
            inputs.append(t)
        elif kind == "compute":
            outputs.append(t)
        else:
            raise InvalidArgumentError("tvmc.build: %s tensor '%s' cannot be an argument"
                                       % (kind, t.name))
    if not outputs:
        raise InvalidArgumentError("tvmc.build: no outputs; put at least one te.compute "
                                   "tensor after the placeholders")
    if not isinstance(target, str):
        raise TypeError("target must be a str such as 'llvm' or 'interp'")
    tb = target.encode("utf-8")
    if b"\0" in tb:
        raise InvalidArgumentError("target contains a NUL character")
    if opt_level not in _OPT or isinstance(opt_level, bool):
        raise InvalidArgumentError("opt_level must be 0, 1, 2 or 3, got %r" % (opt_level,))
    flags = 0
    if fast_math:
        flags |= _lib.TVM_COMPILE_FAST_MATH
    if not inline:
        flags |= _lib.TVM_COMPILE_NO_INLINE
    if not cache:
        flags |= _lib.TVM_COMPILE_NO_CACHE
    if release_constants:
        flags |= _lib.TVM_COMPILE_RELEASE_CONSTANTS
    opts = _lib.tvm_compile_options(ctypes.sizeof(_lib.tvm_compile_options), tb,
                                    _OPT[opt_level], flags)
    if schedule is not None:
        if getattr(schedule, "graph", None) is not g or not hasattr(schedule, "_handle"):
            raise InvalidArgumentError("tvmc.build: schedule was not made for these tensors' "
                                       "graph (te.create_schedule of their outputs)")
        opts.schedule = schedule._handle
    tin = (_lib.tvm_tensor * max(1, len(inputs)))(*[_lib.tvm_tensor(t.id) for t in inputs])
    tout = (_lib.tvm_tensor * len(outputs))(*[_lib.tvm_tensor(t.id) for t in outputs])
    out = ctypes.c_void_p()
    L = _lib.load()
    with g._lock:
        if g._error is not None:
            g._raise_failed()
        check(L.tvm_compile(g._handle, len(inputs), tin, len(outputs), tout,
                            ctypes.byref(opts), ctypes.byref(out)))
    f = Function(out.value, g.ctx, [t.name for t in inputs + outputs], target)
    f._keepalive = tuple(g._keepalive)  # te.call_extern callees: the kernel calls them
    return f


def _release(handle, ctx):
    # ctx is an argument only to keep the context alive until the function is gone.
    _lib.load().tvm_function_release(handle)


class Function:
    """A compiled function.  Thread-safe; arguments are inputs then outputs.

    ``f(a, b, c)`` writes the outputs into the given arrays in place;
    ``f.run(a, b)`` allocates the outputs and returns them."""

    def __init__(self, handle, ctx, names, target):
        L = _lib.load()
        self._handle = handle
        self._finalizer = weakref.finalize(self, _release, handle, ctx)
        self._finalizer.atexit = False
        self.ctx = ctx
        self.target = target
        self._keepalive = ()
        nin, nout = ctypes.c_int(), ctypes.c_int()
        check(L.tvm_function_num_args(handle, ctypes.byref(nin), ctypes.byref(nout)))
        self.num_inputs, self.num_outputs = nin.value, nout.value
        dts, nds = [], []
        for k in range(nin.value + nout.value):
            dt, nd = ctypes.c_int(), ctypes.c_int()
            check(L.tvm_function_arg_info(handle, k, ctypes.byref(dt), ctypes.byref(nd)))
            dts.append(_dtype.from_code(dt.value))
            nds.append(nd.value)
        self.arg_dtypes, self.arg_ndims = tuple(dts), tuple(nds)
        self.arg_names = tuple(names) if len(names) == len(dts) else \
            tuple("arg%d" % k for k in range(len(dts)))
        self._labels = tuple("%s '%s' (argument %d)" % (
            "input" if k < self.num_inputs else "output", self.arg_names[k], k)
            for k in range(len(dts)))

    def __repr__(self):
        def sig(k):
            return "%s: %s[%dd]" % (self.arg_names[k], self.arg_dtypes[k], self.arg_ndims[k])
        ins = ", ".join(sig(k) for k in range(self.num_inputs))
        outs = ", ".join(sig(k) for k in range(self.num_inputs, len(self.arg_dtypes)))
        return "<tvmc.Function (%s) -> (%s) target=%r>" % (ins, outs, self.target)

    def _arg(self, k, obj):
        return _marshal.dltensor(obj, self.arg_dtypes[k], self.arg_ndims[k], self._labels[k],
                                 k >= self.num_inputs)

    def __call__(self, *args):
        n = len(self.arg_dtypes)
        if len(args) != n:
            raise TypeError("this function takes %d arguments (%d inputs, then %d outputs: %s), "
                            "%d given" % (n, self.num_inputs, self.num_outputs,
                                          ", ".join(self.arg_names), len(args)))
        ptrs, keep = [], []
        for k, a in enumerate(args):
            p, kp = self._arg(k, a)
            ptrs.append(p)
            keep.append(kp)
        arr = _marshal.pointer_array(ptrs)
        self._check_call(_lib.load().tvm_function_call(self._handle, arr, n))
        del keep

    def _check_call(self, status):
        """check() of a call's status, chained to the exception of the host
        parallel-for (tvmc.Context(parallel_for=...)) when that failed it."""
        cause = self.ctx._take_parallel_error() if status != _lib.TVM_OK else None
        if cause is None:
            check(status)
            return
        try:
            check(status)
        except TVMError as e:
            raise e from cause

    def output_shape(self, *inputs, index=0):
        """The shape output ``index`` has for these inputs."""
        ptrs, keep = self._inputs(inputs)
        return self._out_shape(_marshal.pointer_array(ptrs), index)

    def _inputs(self, inputs):
        if len(inputs) != self.num_inputs:
            raise TypeError("run() takes the %d inputs (%s), %d given"
                            % (self.num_inputs, ", ".join(self.arg_names[:self.num_inputs]),
                               len(inputs)))
        ptrs, keep = [], []
        for k, a in enumerate(inputs):
            p, kp = self._arg(k, a)
            ptrs.append(p)
            keep.append(kp)
        return ptrs, keep

    def _out_shape(self, arr, index):
        if not 0 <= index < self.num_outputs:
            raise IndexError("output index %d out of range (%d outputs)"
                             % (index, self.num_outputs))
        shape = (ctypes.c_int64 * _lib.TVM_MAX_NDIM)()
        nd = ctypes.c_int()
        check(_lib.load().tvm_function_output_shape(self._handle, arr, index, shape,
                                                    ctypes.byref(nd)))
        return tuple(shape[i] for i in range(nd.value))

    def run(self, *inputs):
        """Runs on the inputs; returns the new output array (a tuple if the
        function has several outputs).  Outputs are numpy arrays, except
        bfloat16 outputs, which are tvmc.nd.NDArray."""
        from . import nd
        ptrs, keep = self._inputs(inputs)
        arr_in = _marshal.pointer_array(ptrs)
        outs = []
        for j in range(self.num_outputs):
            k = self.num_inputs + j
            shape = self._out_shape(arr_in, j)
            dt = self.arg_dtypes[k]
            npd = _dtype.to_numpy(dt)
            o = nd.empty(shape, dt) if npd is None else np.empty(shape, dtype=npd)
            p, kp = self._arg(k, o)
            ptrs.append(p)
            keep.append(kp)
            outs.append(o)
        arr = _marshal.pointer_array(ptrs)
        self._check_call(_lib.load().tvm_function_call(self._handle, arr, len(ptrs)))
        del keep
        return outs[0] if len(outs) == 1 else tuple(outs)

    def source(self, kind="loop"):
        """Code of the function at a stage: "graph" (tensor IR), "loop" (loop IR),
        "llvm" (optimised LLVM IR) or "asm" (machine assembly).  Loop, LLVM
        and assembly show the latest shape specialisation (the symbolic
        template before the first call of a function with size variables)."""
        if not isinstance(kind, str):
            raise TypeError("kind must be one of %s" % ", ".join(SOURCE_KINDS))
        kb = kind.encode("utf-8")
        if b"\0" in kb:
            raise InvalidArgumentError("kind contains a NUL character")
        out = ctypes.c_void_p()
        check(_lib.load().tvm_function_source(self._handle, kb, ctypes.byref(out)))
        return _lib.take_string(out.value)

    def dump(self, stage="loop"):
        """Text of one compilation stage (``tvm_function_dump``): "graph" (the
        tensor graph as compiled), "fused" (one line per kernel: the stored
        tensor and the computes evaluated inside it, then the computes folded
        into constants), "loop" (loop IR), "llvm" (optimised LLVM IR) or "asm"
        (native assembly).  "llvm" and "asm" need the llvm target
        (UnsupportedError on interp) and, for a function with size variables,
        a first call (InvalidArgumentError before).  The formats are for
        reading, not a stable interface."""
        if not isinstance(stage, str):
            raise TypeError("stage must be one of %s" % ", ".join(DUMP_STAGES))
        sb = stage.encode("utf-8")
        if b"\0" in sb:
            raise InvalidArgumentError("stage contains a NUL character")
        L = _lib.load()
        needed = ctypes.c_size_t(0)
        check(L.tvm_function_dump(self._handle, sb, None, 0, ctypes.byref(needed)))
        # Another thread's call may add a larger specialisation between the
        # size query and the copy: TVM_ERR_LIMIT then, and a retry with the
        # new size.
        while True:
            cap = needed.value
            buf = ctypes.create_string_buffer(cap)
            st = L.tvm_function_dump(self._handle, sb, buf, cap, ctypes.byref(needed))
            if st != _lib.TVM_ERR_LIMIT or needed.value <= cap:
                check(st)
                return buf.value.decode("utf-8", errors="replace")

    def plan(self):
        """How the latest specialisation runs: a dict with ``num_kernels``
        (fused loop nests), ``num_intermediates``, ``workspace_bytes`` (the
        planned peak; intermediates share memory by liveness) and
        ``intermediate_bytes`` (their sizes summed) and ``peak_live_bytes``
        (the most bytes alive at once: no plan can use less)."""
        p = _lib.tvm_kernel_plan(struct_size=ctypes.sizeof(_lib.tvm_kernel_plan))
        check(_lib.load().tvm_function_plan(self._handle, ctypes.byref(p)))
        return {"num_kernels": p.num_kernels, "num_intermediates": p.num_intermediates,
                "workspace_bytes": p.workspace_bytes,
                "intermediate_bytes": p.intermediate_bytes,
                "peak_live_bytes": p.peak_live_bytes}

    # TVM's runtime.Module spelling
    def get_source(self, fmt="llvm"):
        return self.source(fmt)
