"""Model importers: ``tvmc.frontend.from_onnx``.

::

    import tvmc
    from tvmc import frontend

    with tvmc.Graph() as g:
        inputs, outputs = frontend.from_onnx("model.onnx")
        f = tvmc.build(inputs + outputs)

Graph inputs come back as placeholders and graph outputs as computes, in the
model's order; symbolic dims (``dim_param``) are size variables, shared by
the dims that name the same parameter.
"""
import ctypes
import os

from . import _dtype, _lib
from .context import current_graph
from .error import check
from .expr import Expr, Operation, Tensor

__all__ = ["from_onnx"]


def _tensor(g, v, kind):
    dims = []
    for k in range(v.ndim):
        if v.shape[k] >= 0:
            dims.append(int(v.shape[k]))
        else:
            dims.append(Expr(g, v.dims[k].id, "int64", "size_var"))
    name = v.name.decode("utf-8", "replace")
    return Tensor(g, v.tensor.id, name, _dtype.from_code(v.dtype), dims,
                  Operation(kind, name))


def from_onnx(model, graph=None):
    """Imports an ONNX model (a path, or the serialised bytes) into ``graph``
    (default: the current graph). Returns ``(inputs, outputs)``, two lists of
    :class:`tvmc.Tensor`. Raises ``UnsupportedError`` naming every operator
    the importer lacks, ``ParseError`` for malformed bytes."""
    g = graph if graph is not None else current_graph()
    L = _lib.load()
    out = ctypes.c_void_p()
    with g._lock:
        if g._error is not None:
            g._raise_failed()
        if isinstance(model, (bytes, bytearray, memoryview)):
            buf = bytes(model)
            check(L.tvm_onnx_import(g._handle, buf, len(buf), None, ctypes.byref(out)))
        elif isinstance(model, (str, os.PathLike)):
            check(L.tvm_onnx_import_file(g._handle, os.fsencode(model), None,
                                         ctypes.byref(out)))
        else:
            raise TypeError("model must be a path or bytes, got %s" % type(model).__name__)
    try:
        nin, nout = ctypes.c_int(), ctypes.c_int()
        check(L.tvm_onnx_model_counts(out, ctypes.byref(nin), ctypes.byref(nout)))
        ins, outs = [], []
        for k in range(nin.value):
            v = _lib.tvm_onnx_value(struct_size=ctypes.sizeof(_lib.tvm_onnx_value))
            check(L.tvm_onnx_model_input(out, k, ctypes.byref(v)))
            ins.append(_tensor(g, v, "placeholder"))
        for k in range(nout.value):
            v = _lib.tvm_onnx_value(struct_size=ctypes.sizeof(_lib.tvm_onnx_value))
            check(L.tvm_onnx_model_output(out, k, ctypes.byref(v)))
            outs.append(_tensor(g, v, "compute"))
        return ins, outs
    finally:
        L.tvm_onnx_model_free(out)
