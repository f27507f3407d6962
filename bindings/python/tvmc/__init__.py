"""tvmc: an embeddable tensor JIT compiler, with TVM-style ``te`` names.

::

    import numpy as np
    import tvmc
    from tvmc import te

    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    f = tvmc.build([A, B, C], target="llvm")
    a = np.arange(8, dtype="float32"); b = np.ones(8, dtype="float32")
    c = np.empty(8, dtype="float32")
    f(a, b, c)            # fills c in place (zero-copy)
    c2 = f.run(a, b)      # allocates the output
    print(f.source("loop"))

The C library is found through $TVMC_LIBRARY, the build tree of this
checkout (build/libtvmc.so) or the system loader (see tvmc._lib).
"""

from . import _lib
from .context import Context, Graph, current_graph, reset_default_graph
from .error import (CompileError, DeviceError, DTypeError, InternalError, InvalidArgumentError,
                    InvalidHandleError, LimitError, OutOfBoundsError, OutOfMemoryError,
                    ParseError, ShapeError, TVMError, TVMIOError, UnsupportedError,
                    VersionError)
from .expr import Expr, Operation, Tensor
from .function import Function, build
from . import frontend, nd, te
from ._dtype import DTYPES

__version__ = "0.1.0"

__all__ = ["Context", "Graph", "current_graph", "reset_default_graph", "Expr", "Tensor",
           "Operation", "Function", "build", "nd", "te", "DTYPES", "runtime_version",
           "library_path", "TVMError", "InvalidArgumentError", "DTypeError", "ShapeError",
           "OutOfBoundsError", "UnsupportedError", "OutOfMemoryError", "CompileError",
           "DeviceError", "ParseError", "TVMIOError", "InternalError", "LimitError",
           "VersionError", "InvalidHandleError"]


def runtime_version():
    """The loaded C library's version string ("MAJOR.MINOR.PATCH")."""
    return _lib.load().tvm_version().decode()


def library_path():
    """The path libtvmc was loaded from."""
    _lib.load()
    return _lib.path
