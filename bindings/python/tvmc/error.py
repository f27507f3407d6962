"""Exceptions: one class per tvm_status.

Every class derives from :class:`TVMError`; where a builtin exception has the
same meaning the class also derives from it, so ``except TypeError`` catches
a dtype error and ``except ValueError`` a shape error::

    TVMError                      .status (int), .status_name, .message
      InvalidArgumentError        + ValueError
      DTypeError                  + TypeError
      ShapeError                  + ValueError
      OutOfBoundsError            + IndexError
      UnsupportedError            + NotImplementedError
      OutOfMemoryError            + MemoryError
      CompileError
      DeviceError
      ParseError                  + ValueError
      TVMIOError                  + OSError
      InternalError               + RuntimeError
      LimitError
      VersionError
      InvalidHandleError          + ValueError
"""

from . import _lib


class TVMError(Exception):
    """An error reported by tvmc; ``status`` is the C tvm_status value."""

    status = -1
    status_name = "TVM_ERR_UNKNOWN"

    def __init__(self, status, message=""):
        if isinstance(status, str) and not message:  # TVMError("message")
            status, message = type(self).status, status
        super().__init__(message)
        self.status = status
        self.message = message
        self.status_name = _STATUS_NAMES.get(status, "TVM_ERR_UNKNOWN")

    def __str__(self):
        return self.message


def _cls(name, code, sname, *bases, doc=""):
    cls = type(name, (TVMError,) + bases, {"status": code, "status_name": sname,
                                          "__doc__": doc, "__module__": __name__})
    return cls


InvalidArgumentError = _cls("InvalidArgumentError", _lib.TVM_ERR_INVALID_ARGUMENT,
                            "TVM_ERR_INVALID_ARGUMENT", ValueError,
                            doc="A bad argument (bad count, bad option, bad layout...).")
DTypeError = _cls("DTypeError", _lib.TVM_ERR_DTYPE, "TVM_ERR_DTYPE", TypeError,
                  doc="dtype mismatch or dtype not allowed.")
ShapeError = _cls("ShapeError", _lib.TVM_ERR_SHAPE, "TVM_ERR_SHAPE", ValueError,
                  doc="Wrong rank, mismatched or negative dimensions.")
OutOfBoundsError = _cls("OutOfBoundsError", _lib.TVM_ERR_OUT_OF_BOUNDS,
                        "TVM_ERR_OUT_OF_BOUNDS", IndexError,
                        doc="A read would fall outside a tensor.")
UnsupportedError = _cls("UnsupportedError", _lib.TVM_ERR_UNSUPPORTED, "TVM_ERR_UNSUPPORTED",
                        NotImplementedError, doc="A valid request this build cannot do.")
OutOfMemoryError = _cls("OutOfMemoryError", _lib.TVM_ERR_OUT_OF_MEMORY,
                        "TVM_ERR_OUT_OF_MEMORY", MemoryError, doc="Memory exhausted.")
CompileError = _cls("CompileError", _lib.TVM_ERR_COMPILE, "TVM_ERR_COMPILE",
                    doc="The backend failed to generate code.")
DeviceError = _cls("DeviceError", _lib.TVM_ERR_DEVICE, "TVM_ERR_DEVICE",
                   doc="Device memory or wrong device.")
ParseError = _cls("ParseError", _lib.TVM_ERR_PARSE, "TVM_ERR_PARSE", ValueError,
                  doc="Malformed input text or file.")
TVMIOError = _cls("TVMIOError", _lib.TVM_ERR_IO, "TVM_ERR_IO", OSError,
                  doc="An I/O failure.")
InternalError = _cls("InternalError", _lib.TVM_ERR_INTERNAL, "TVM_ERR_INTERNAL", RuntimeError,
                     doc="A bug in tvmc: please report it.")
LimitError = _cls("LimitError", _lib.TVM_ERR_LIMIT, "TVM_ERR_LIMIT",
                  doc="A resource limit was exceeded.")
VersionError = _cls("VersionError", _lib.TVM_ERR_VERSION, "TVM_ERR_VERSION",
                    doc="Options struct newer than the library.")
InvalidHandleError = _cls("InvalidHandleError", _lib.TVM_ERR_INVALID_HANDLE,
                          "TVM_ERR_INVALID_HANDLE", ValueError,
                          doc="A handle from another graph, stale or forged.")

_BY_STATUS = {c.status: c for c in (
    InvalidArgumentError, DTypeError, ShapeError, OutOfBoundsError, UnsupportedError,
    OutOfMemoryError, CompileError, DeviceError, ParseError, TVMIOError, InternalError,
    LimitError, VersionError, InvalidHandleError)}
_STATUS_NAMES = {c.status: c.status_name for c in _BY_STATUS.values()}


def error_class(status):
    """The exception class for a tvm_status value (TVMError if unknown)."""
    return _BY_STATUS.get(status, TVMError)


def make_error(status, message):
    return error_class(status)(status, message)


def check(status):
    """Raises the exception for a non-zero status with tvm_last_error()."""
    if status != _lib.TVM_OK:
        raise make_error(status, _lib.last_error() or _lib.load().tvm_status_string(status)
                         .decode())
