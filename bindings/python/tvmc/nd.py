"""``tvmc.nd``: small host arrays, mainly for bfloat16 (which numpy lacks).

``tvmc.nd.array(x, dtype=None)`` copies ``x`` into a new C-contiguous
array; ``tvmc.nd.empty(shape, dtype)`` allocates one.  Functions accept
these exactly like numpy arrays (zero-copy).  ``np.asarray(a)`` is a
zero-copy view for every dtype but bfloat16 (converted to float32);
``a.numpy()`` returns a copy, as in TVM.  bfloat16 values are stored as
their uint16 bit patterns (``a.storage``), rounded to nearest even.
"""

import numpy as np

from . import _dtype
from .error import UnsupportedError


def _to_bf16_bits(x):
    f = np.ascontiguousarray(x, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(f), np.uint16(0x7FC0), rounded).astype(np.uint16)


def _from_bf16_bits(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


class NDArray:
    """A C-contiguous host array with a tvmc dtype."""

    __slots__ = ("_storage", "dtype")

    def __init__(self, storage, dtype):
        self._storage = storage
        self.dtype = dtype

    @property
    def shape(self):
        return self._storage.shape

    @property
    def ndim(self):
        return self._storage.ndim

    @property
    def size(self):
        return self._storage.size

    @property
    def storage(self):
        """The numpy array holding the bytes (uint16 bit patterns for bfloat16)."""
        return self._storage

    def numpy(self):
        """A numpy copy (float32 for bfloat16)."""
        if self.dtype == "bfloat16":
            return _from_bf16_bits(self._storage).copy()
        return self._storage.copy()

    asnumpy = numpy

    def __array__(self, dtype=None):
        a = _from_bf16_bits(self._storage) if self.dtype == "bfloat16" else self._storage
        return a if dtype is None else a.astype(dtype, copy=False)

    def copyfrom(self, src):
        """Copies values from an array-like of the same shape."""
        src = np.asarray(src)
        if src.shape != self.shape:
            raise ValueError("copyfrom: shape %s does not match %s" % (src.shape, self.shape))
        if self.dtype == "bfloat16":
            self._storage[...] = _to_bf16_bits(src)
        else:
            self._storage[...] = src
        return self

    def __dlpack__(self, stream=None):
        if self.dtype == "bfloat16":
            raise UnsupportedError("bfloat16 tvmc.nd arrays cannot be exported through numpy's "
                                   "DLPack")
        return self._storage.__dlpack__()

    def __dlpack_device__(self):
        return (1, 0)

    def __repr__(self):
        return "tvmc.nd.NDArray(%s, dtype=%s)" % (np.asarray(self), self.dtype)


def empty(shape, dtype="float32"):
    dtype = _dtype.canon(dtype)
    npd = _dtype.to_numpy(dtype) or np.dtype(np.uint16)
    return NDArray(np.empty(shape, dtype=npd), dtype)


def array(obj, dtype=None):
    """A new array holding a copy of ``obj``."""
    if isinstance(obj, NDArray):
        obj = np.asarray(obj)
        if dtype is None:
            dtype = obj.dtype
    if dtype is None:
        obj = np.asarray(obj)
        dtype = obj.dtype
    dtype = _dtype.canon(dtype)
    if dtype == "bfloat16":
        return NDArray(_to_bf16_bits(obj).copy(), dtype)
    return NDArray(np.array(obj, dtype=_dtype.to_numpy(dtype), order="C", copy=True), dtype)
