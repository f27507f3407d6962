"""Zero-copy DLTensor views of numpy arrays, tvmc.nd arrays and DLPack producers.

Nothing here copies data: an argument that cannot be passed as it is
(wrong dtype, rank, layout, device, read-only output) raises before the C
library is called.
"""

import ctypes

import numpy as np

from . import _dtype, _lib
from .error import DeviceError, DTypeError, InvalidArgumentError, ShapeError

_DLTensor = _lib.DLTensor
_PDL = ctypes.POINTER(_lib.DLTensor)
_CPU = _lib.DLDevice(_lib.kDLCPU, 0)

_api = ctypes.pythonapi
_api.PyCapsule_IsValid.restype = ctypes.c_int
_api.PyCapsule_IsValid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

_VERSIONED_OFFSET = _lib.DLManagedTensorVersioned.dl_tensor.offset


def _describe(obj):
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else "%s.%s" % (t.__module__, t.__name__)


_DLTYPES = {}


def _dl_dtype(code, bits):
    t = _DLTYPES.get((code, bits))
    if t is None:
        t = _DLTYPES[(code, bits)] = _lib.DLDataType(code, bits, 1)
    return t


def _from_buffer(arr, dtype, ndim, label, writable, dl_dtype=None):
    """DLTensor over a numpy array's memory (arr already has the right dtype)."""
    if arr.ndim != ndim:
        raise ShapeError("%s has %d dimensions but the function expects %d (shape %s)"
                         % (label, arr.ndim, ndim, arr.shape))
    fl = arr.flags
    if not fl.c_contiguous:
        raise InvalidArgumentError(
            "%s is not C-contiguous (strides %s); tvmc never copies silently: pass "
            "numpy.ascontiguousarray(x)" % (label, arr.strides))
    if not fl.aligned:
        raise InvalidArgumentError("%s is not aligned to its element size" % label)
    if writable and not fl.writeable:
        raise InvalidArgumentError("%s is read-only but is an output of the function" % label)
    shape = (ctypes.c_int64 * ndim)(*arr.shape) if ndim else None
    # strides NULL: compact row-major (checked above)
    t = _DLTensor(arr.ctypes.data, _CPU, ndim,
                  _dl_dtype(*(dl_dtype or _dtype.dlpack(dtype))), shape, None, 0)
    return ctypes.pointer(t), (arr, t, shape)


def _from_numpy(arr, dtype, ndim, label, writable):
    want = _dtype.to_numpy(dtype)
    if want is None:
        raise DTypeError("%s must be bfloat16, which numpy has no dtype for: pass "
                         "tvmc.nd.array(x, dtype='bfloat16') or a DLPack producer" % label)
    if arr.dtype != want:
        raise DTypeError("%s has dtype %s but the function expects %s (convert explicitly: "
                         "x.astype('%s'))" % (label, arr.dtype, dtype, want.name))
    return _from_buffer(arr, dtype, ndim, label, writable)


def _from_dlpack(obj, dtype, ndim, label, writable):
    dev = getattr(obj, "__dlpack_device__", None)
    if dev is not None:
        dev = dev()
        if int(dev[0]) != _lib.kDLCPU:
            raise DeviceError("%s lives on DLPack device %s; tvmc functions run on the CPU "
                              "(kDLCPU)" % (label, tuple(dev)))
    try:
        cap = obj.__dlpack__()
    except TypeError:
        cap = obj.__dlpack__(stream=None)
    if _api.PyCapsule_IsValid(cap, b"dltensor"):
        ptr = _api.PyCapsule_GetPointer(cap, b"dltensor")
        readonly = False
        tptr = ptr
    elif _api.PyCapsule_IsValid(cap, b"dltensor_versioned"):
        ptr = _api.PyCapsule_GetPointer(cap, b"dltensor_versioned")
        m = _lib.DLManagedTensorVersioned.from_address(ptr)
        if m.version.major != 1:
            raise InvalidArgumentError("%s: DLPack version %d.%d is not supported"
                                       % (label, m.version.major, m.version.minor))
        readonly = bool(m.flags & _lib.DLPACK_FLAG_BITMASK_READ_ONLY)
        tptr = ptr + _VERSIONED_OFFSET
    else:
        raise TypeError("%s: __dlpack__() did not return a DLPack capsule (got %s)"
                        % (label, _describe(cap)))
    if not tptr:
        raise InvalidArgumentError("%s: the DLPack capsule holds a NULL tensor" % label)
    # The capsule stays unconsumed (not renamed): its own destructor releases
    # the tensor when `cap` is dropped after the call.
    t = _DLTensor.from_address(tptr)
    if t.device.device_type != _lib.kDLCPU:
        raise DeviceError("%s lives on DLPack device type %d; tvmc functions run on the CPU"
                          % (label, t.device.device_type))
    d = t.dtype
    if not _dtype.dlpack_matches(dtype, d.code, d.bits, d.lanes):
        raise DTypeError("%s has DLPack dtype %s but the function expects %s"
                         % (label, _dtype.dlpack_name(d.code, d.bits, d.lanes), dtype))
    if t.ndim != ndim:
        raise ShapeError("%s has %d dimensions but the function expects %d"
                         % (label, t.ndim, ndim))
    if ndim and not t.shape:
        raise InvalidArgumentError("%s: the DLPack tensor has a NULL shape" % label)
    if ndim and t.strides:
        expect = 1
        for k in range(ndim - 1, -1, -1):
            n = t.shape[k]
            if n != 1 and t.strides[k] != expect:
                raise InvalidArgumentError(
                    "%s is not compact row-major (strides %s for shape %s); tvmc never copies "
                    "silently: make it contiguous first" % (
                        label, tuple(t.strides[i] for i in range(ndim)),
                        tuple(t.shape[i] for i in range(ndim))))
            expect *= n
    if writable and readonly:
        raise InvalidArgumentError("%s is read-only (DLPack flag) but is an output of the "
                                   "function" % label)
    return ctypes.cast(tptr, _PDL), (obj, cap)


def dltensor(obj, dtype, ndim, label, writable):
    """(POINTER(DLTensor), keepalive) for one function argument."""
    if isinstance(obj, np.ndarray):
        return _from_numpy(obj, dtype, ndim, label, writable)
    from .nd import NDArray
    if isinstance(obj, NDArray):
        if obj.dtype != dtype:
            raise DTypeError("%s has dtype %s but the function expects %s"
                             % (label, obj.dtype, dtype))
        return _from_buffer(obj._storage, dtype, ndim, label, writable)
    if hasattr(type(obj), "__dlpack__"):
        return _from_dlpack(obj, dtype, ndim, label, writable)
    raise TypeError("%s must be a numpy.ndarray, a tvmc.nd.NDArray or an object with "
                    "__dlpack__, got %s (tvmc does not convert other objects; use "
                    "numpy.asarray(x, dtype=...))" % (label, _describe(obj)))


def pointer_array(ptrs):
    return (_PDL * max(1, len(ptrs)))(*ptrs)
