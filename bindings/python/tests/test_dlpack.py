"""Zero-copy argument passing: numpy arrays, DLPack producers, np.from_dlpack."""

import ctypes

import numpy as np
import pytest

import tvmc
from tvmc import _lib, te


@pytest.fixture
def scale_fn():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    return tvmc.build([A, B])


class Wrap:
    """A non-numpy DLPack producer (delegates to numpy's legacy capsule)."""

    def __init__(self, a, device=(1, 0)):
        self.a, self.device = a, device

    def __dlpack__(self, stream=None):
        return self.a.__dlpack__()

    def __dlpack_device__(self):
        return self.device


class KeywordOnlyStream(Wrap):
    """A producer whose __dlpack__ insists on the stream keyword."""

    def __dlpack__(self, *, stream):
        return self.a.__dlpack__()


_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_VERSIONED_NAME = ctypes.create_string_buffer(b"dltensor_versioned")
_LEGACY_NAME = ctypes.create_string_buffer(b"dltensor")


class RawProducer:
    """Builds its own DLManagedTensor(Versioned) so every field can be set."""

    def __init__(self, arr, versioned=True, readonly=False, strides=None, code=None,
                 bits=None, device_type=1):
        self.arr = arr
        self.versioned = versioned
        self.m = _lib.DLManagedTensorVersioned() if versioned else _lib.DLManagedTensor()
        if versioned:
            self.m.version = _lib.DLPackVersion(1, 0)
            self.m.flags = _lib.DLPACK_FLAG_BITMASK_READ_ONLY if readonly else 0
        t = self.m.dl_tensor
        t.data = arr.ctypes.data
        t.device = _lib.DLDevice(device_type, 0)
        t.ndim = arr.ndim
        kinds = {"f": _lib.kDLFloat, "i": _lib.kDLInt, "u": _lib.kDLUInt, "b": _lib.kDLBool}
        t.dtype = _lib.DLDataType(code if code is not None else kinds[arr.dtype.kind],
                                  bits or arr.dtype.itemsize * 8, 1)
        self.shape = (ctypes.c_int64 * max(1, arr.ndim))(*arr.shape)
        t.shape = self.shape
        if strides is None:
            strides = [s // arr.itemsize for s in arr.strides]
        self.strides = (ctypes.c_int64 * max(1, arr.ndim))(*strides)
        t.strides = self.strides

    def __dlpack__(self, stream=None, max_version=None):
        name = _VERSIONED_NAME if self.versioned else _LEGACY_NAME
        return _PyCapsule_New(ctypes.addressof(self.m), ctypes.addressof(name), None)

    def __dlpack_device__(self):
        return (self.m.dl_tensor.device.device_type, 0)


def test_output_written_in_place(scale_fn):
    a = np.arange(4, dtype="float32")
    big = np.zeros(10, "float32")
    view = big[3:7]                      # a contiguous view into a larger buffer
    assert scale_fn(a, view) is None
    np.testing.assert_array_equal(big, [0, 0, 0, 0, 2, 4, 6, 0, 0, 0])


def test_dlpack_producer_input_and_output(scale_fn):
    a = np.arange(5, dtype="float32")
    out = np.zeros(5, "float32")
    scale_fn(Wrap(a), Wrap(out))          # zero-copy both ways
    np.testing.assert_array_equal(out, a * 2)
    np.testing.assert_array_equal(scale_fn.run(Wrap(a)), a * 2)
    out2 = np.zeros(5, "float32")
    scale_fn(KeywordOnlyStream(a), KeywordOnlyStream(out2))   # retry with stream=None
    np.testing.assert_array_equal(out2, a * 2)


def test_versioned_and_legacy_raw_capsules(scale_fn):
    a = np.arange(6, dtype="float32")
    for versioned in (True, False):
        out = np.zeros(6, "float32")
        scale_fn(RawProducer(a, versioned), RawProducer(out, versioned))
        np.testing.assert_array_equal(out, a * 2)


def test_dlpack_read_only_output_rejected(scale_fn):
    a = np.arange(3, dtype="float32")
    out = np.zeros(3, "float32")
    scale_fn(RawProducer(a, readonly=True), out)                   # read-only input: fine
    with pytest.raises(ValueError, match="read-only"):
        scale_fn(a, RawProducer(out, readonly=True))
    ro = np.zeros(3, "float32")
    ro.setflags(write=False)
    with pytest.raises((ValueError, BufferError)):                # numpy refuses to export
        scale_fn(a, Wrap(ro))


def test_dlpack_errors(scale_fn):
    a = np.arange(8, dtype="float32")
    out = np.zeros(4, "float32")
    with pytest.raises(ValueError, match="compact row-major"):
        scale_fn(RawProducer(a[::2], strides=[2]), out)
    with pytest.raises(tvmc.DTypeError, match="int32"):
        scale_fn(RawProducer(np.zeros(4, "int32")), out)
    with pytest.raises(tvmc.ShapeError):
        scale_fn(RawProducer(np.zeros((2, 2), "float32")), out)
    with pytest.raises(tvmc.DeviceError):
        scale_fn(Wrap(a[:4], device=(2, 0)), out)
    with pytest.raises(tvmc.DeviceError):
        scale_fn(RawProducer(a[:4], device_type=2), out)
    assert not out.any()

    class NotACapsule:
        def __dlpack__(self, stream=None):
            return 42

    with pytest.raises(TypeError, match="capsule"):
        scale_fn(NotACapsule(), out)


def test_bool_dlpack_codes():
    n = te.var("n")
    A = te.placeholder((n,), "bool", name="A")
    B = te.compute((n,), lambda i: ~A[i], name="B")
    f = tvmc.build([A, B])
    a = np.array([True, False, True])
    for code in (_lib.kDLBool, _lib.kDLUInt):     # both spellings of bool
        out = np.zeros(3, bool)
        f(RawProducer(a, code=code, bits=8), out)
        np.testing.assert_array_equal(out, ~a)
    with pytest.raises(tvmc.DTypeError):      # numpy uint8 is not bool for numpy arrays
        f.run(a.view(np.uint8))


def test_outputs_convert_with_from_dlpack(scale_fn):
    out = scale_fn.run(np.ones(3, "float32"))
    back = np.from_dlpack(out)
    assert np.shares_memory(back, out)
    np.testing.assert_array_equal(back, [2, 2, 2])


def test_torch_interop():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed on this machine; "
                                                "DLPack interop is covered by raw producers")
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1.0, name="B")
    f = tvmc.build([A, B])
    a = torch.arange(5, dtype=torch.float32)
    out = torch.zeros(5, dtype=torch.float32)
    f(a, out)
    assert torch.equal(out, a + 1)
    with pytest.raises(ValueError):
        f(a, torch.zeros(10)[::2])
