"""Raw ctypes declarations of the tvmc C API (include/tvmc.h).

This is the only module that knows C signatures.  Every C function is one
row of ``_FUNCTIONS``; adding a function to the C API means adding one line
here.  Functions missing from the loaded library (an older build) are bound
to a stub that raises :class:`tvmc.UnsupportedError` when called, so the
package still imports.

Library lookup order (first hit wins):

1. ``$TVMC_LIBRARY`` (a full path to ``libtvmc.so``);
2. the meson build tree of this checkout, ``<repo>/build/libtvmc.so``
   (``../../build`` relative to ``bindings/python``);
3. ``ctypes.util.find_library("tvmc")``, then ``libtvmc.so.0`` through the
   normal dynamic loader (an installed library).
"""

import ctypes
import ctypes.util
import os
import threading
from ctypes import (POINTER, Structure, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_size_t, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)
from pathlib import Path

# ---------------------------------------------------------------------------
# DLPack (layout identical in every DLPack version, 0.6 .. 1.x)
# ---------------------------------------------------------------------------

kDLCPU = 1
kDLInt, kDLUInt, kDLFloat, kDLOpaqueHandle, kDLBfloat, kDLComplex, kDLBool = range(7)


class DLDevice(Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class DLDataType(Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class DLTensor(Structure):
    _fields_ = [("data", c_void_p),
                ("device", DLDevice),
                ("ndim", c_int32),
                ("dtype", DLDataType),
                ("shape", POINTER(c_int64)),
                ("strides", POINTER(c_int64)),
                ("byte_offset", c_uint64)]


class DLManagedTensor(Structure):
    """Legacy capsule payload ("dltensor")."""


DLManagedTensor._fields_ = [("dl_tensor", DLTensor),
                            ("manager_ctx", c_void_p),
                            ("deleter", c_void_p)]


class DLPackVersion(Structure):
    _fields_ = [("major", c_uint32), ("minor", c_uint32)]


class DLManagedTensorVersioned(Structure):
    """DLPack >= 1.0 capsule payload ("dltensor_versioned")."""
    _fields_ = [("version", DLPackVersion),
                ("manager_ctx", c_void_p),
                ("deleter", c_void_p),
                ("flags", c_uint64),
                ("dl_tensor", DLTensor)]


DLPACK_FLAG_BITMASK_READ_ONLY = 1

# ---------------------------------------------------------------------------
# tvmc types
# ---------------------------------------------------------------------------

TVM_MAX_NDIM = 32

# tvm_status
TVM_OK = 0
TVM_ERR_INVALID_ARGUMENT = 1
TVM_ERR_DTYPE = 2
TVM_ERR_SHAPE = 3
TVM_ERR_OUT_OF_BOUNDS = 4
TVM_ERR_UNSUPPORTED = 5
TVM_ERR_OUT_OF_MEMORY = 6
TVM_ERR_COMPILE = 7
TVM_ERR_DEVICE = 8
TVM_ERR_PARSE = 9
TVM_ERR_IO = 10
TVM_ERR_INTERNAL = 11
TVM_ERR_LIMIT = 12
TVM_ERR_VERSION = 13
TVM_ERR_INVALID_HANDLE = 14

# tvm_dtype
TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16 = 1, 2, 3, 4
TVM_INT8, TVM_INT16, TVM_INT32, TVM_INT64, TVM_UINT8, TVM_BOOL = 5, 6, 7, 8, 9, 10

# tvm_reduce_kind
TVM_REDUCE_SUM, TVM_REDUCE_PROD, TVM_REDUCE_MIN, TVM_REDUCE_MAX = 0, 1, 2, 3

# tvm_pad_mode, tvm_resize_mode, tvm_resize_coord, tvm_resize_nearest
TVM_PAD_CONSTANT, TVM_PAD_EDGE, TVM_PAD_REFLECT = 0, 1, 2
TVM_RESIZE_NEAREST, TVM_RESIZE_LINEAR = 0, 1
TVM_COORD_HALF_PIXEL, TVM_COORD_ASYMMETRIC, TVM_COORD_ALIGN_CORNERS, \
    TVM_COORD_PYTORCH_HALF_PIXEL = 0, 1, 2, 3
TVM_NEAREST_ROUND_PREFER_FLOOR, TVM_NEAREST_ROUND_PREFER_CEIL, TVM_NEAREST_FLOOR, \
    TVM_NEAREST_CEIL = 0, 1, 2, 3

# tvm_grid_sample_mode, tvm_grid_sample_padding
TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_SAMPLE_NEAREST, TVM_GRID_SAMPLE_BICUBIC = 0, 1, 2
TVM_GRID_PAD_ZEROS, TVM_GRID_PAD_BORDER, TVM_GRID_PAD_REFLECTION = 0, 1, 2

# opt levels and compile flags
TVM_OPT_DEFAULT, TVM_OPT_O0, TVM_OPT_O1, TVM_OPT_O2, TVM_OPT_O3 = 0, -1, 1, 2, 3
TVM_COMPILE_FAST_MATH = 0x1
TVM_COMPILE_NO_INLINE = 0x2
TVM_COMPILE_NO_CACHE = 0x4
TVM_COMPILE_RELEASE_CONSTANTS = 0x8


class tvm_expr(Structure):
    _fields_ = [("id", c_uint32)]


class tvm_tensor(Structure):
    _fields_ = [("id", c_uint32)]


class tvm_context_options(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("num_threads", c_int32),
                ("function_cache_capacity", c_int32),
                ("shape_cache_capacity", c_int32),
                ("flags", c_uint32),
                # appended in 0.1: a host parallel-for (tvmc.parallel) and its user pointer
                ("parallel_for", c_void_p),
                ("parallel_user", c_void_p)]


class tvm_cache_stats(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("functions_compiled", c_uint64),
                ("function_cache_hits", c_uint64),
                ("kernels_compiled", c_uint64),
                ("kernel_cache_hits", c_uint64),
                ("kernel_cache_evictions", c_uint64)]


class tvm_kernel_plan(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("num_kernels", c_int32),
                ("num_intermediates", c_int32),
                ("workspace_bytes", c_int64),
                ("intermediate_bytes", c_int64),
                ("peak_live_bytes", c_int64)]


class tvm_compile_options(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("target", c_char_p),
                ("opt_level", c_int32),
                ("flags", c_uint32),
                ("schedule", c_void_p)]


# tvm_layout
TVM_LAYOUT_NCHW, TVM_LAYOUT_NHWC = 0, 1

# tvm_conv_algorithm
TVM_CONV_ALGO_AUTO, TVM_CONV_ALGO_DIRECT, TVM_CONV_ALGO_WINOGRAD = 0, 1, 2

# tvm_op_reduce_kind
TVM_OP_SUM, TVM_OP_MEAN, TVM_OP_MAX, TVM_OP_MIN, TVM_OP_PROD, TVM_OP_ARGMAX, TVM_OP_ARGMIN = \
    range(7)


class tvm_conv_attrs(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("layout", c_int32),
                ("groups", c_int32),
                ("strides", c_int64 * 2),
                ("dilations", c_int64 * 2),
                ("pads", c_int64 * 4),
                ("output_padding", c_int64 * 2),
                ("algorithm", c_int32)]


class tvm_pool_attrs(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("layout", c_int32),
                ("ceil_mode", c_int32),
                ("count_include_pad", c_int32),
                ("pad_", c_int32),
                ("kernel", c_int64 * 2),
                ("strides", c_int64 * 2),
                ("dilations", c_int64 * 2),
                ("pads", c_int64 * 4)]


class tvm_onnx_binding(Structure):
    _fields_ = [("name", c_char_p),
                ("value", POINTER(DLTensor))]


class tvm_onnx_options(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("max_bytes", c_int64),
                ("max_nodes", c_int32),
                ("flags", c_uint32),
                ("nbindings", c_int32),
                ("reserved_", c_int32),
                ("bindings", POINTER(tvm_onnx_binding))]


class tvm_onnx_value(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("name", c_char_p),
                ("tensor", tvm_tensor),
                ("dtype", c_int),
                ("ndim", c_int32),
                ("shape", c_int64 * TVM_MAX_NDIM),
                ("dims", tvm_expr * TVM_MAX_NDIM)]


# Opaque handles travel as void pointers.
ctx_p = c_void_p
graph_p = c_void_p
fn_p = c_void_p
sched_p = c_void_p
status = c_int
dtype = c_int
E = tvm_expr
T = tvm_tensor
PE = POINTER(tvm_expr)
PT = POINTER(tvm_tensor)
PDL = POINTER(POINTER(DLTensor))

# ---------------------------------------------------------------------------
# The function table: (name, restype, argtypes).  One line per C function.
# ---------------------------------------------------------------------------

_FUNCTIONS = [
    # version, errors, memory
    ("tvm_version", c_char_p, []),
    ("tvm_status_string", c_char_p, [status]),
    ("tvm_last_error", c_char_p, []),
    ("tvm_free", None, [c_void_p]),
    # context
    ("tvm_context_create", status, [POINTER(tvm_context_options), POINTER(ctx_p)]),
    ("tvm_context_destroy", None, [ctx_p]),
    ("tvm_context_num_threads", c_int, [ctx_p]),
    ("tvm_context_stats", status, [ctx_p, POINTER(tvm_cache_stats)]),
    # graph
    ("tvm_graph_create", graph_p, [ctx_p]),
    ("tvm_graph_destroy", None, [graph_p]),
    ("tvm_graph_status", status, [graph_p]),
    ("tvm_graph_print", status, [graph_p, c_int, PT, POINTER(c_void_p)]),
    # leaves
    ("tvm_const_int", E, [graph_p, dtype, c_int64]),
    ("tvm_const_float", E, [graph_p, dtype, c_double]),
    ("tvm_size_var", E, [graph_p, c_char_p]),
    ("tvm_iter_var", E, [graph_p, c_char_p]),
    ("tvm_reduce_axis", E, [graph_p, c_char_p, E]),
    ("tvm_load", E, [graph_p, T, PE]),
    # arithmetic
    ("tvm_add", E, [graph_p, E, E]),
    ("tvm_sub", E, [graph_p, E, E]),
    ("tvm_mul", E, [graph_p, E, E]),
    ("tvm_div", E, [graph_p, E, E]),
    ("tvm_mod", E, [graph_p, E, E]),
    ("tvm_floordiv", E, [graph_p, E, E]),
    ("tvm_floormod", E, [graph_p, E, E]),
    ("tvm_min", E, [graph_p, E, E]),
    ("tvm_max", E, [graph_p, E, E]),
    ("tvm_pow", E, [graph_p, E, E]),
    ("tvm_neg", E, [graph_p, E]),
    # comparisons
    ("tvm_lt", E, [graph_p, E, E]),
    ("tvm_le", E, [graph_p, E, E]),
    ("tvm_gt", E, [graph_p, E, E]),
    ("tvm_ge", E, [graph_p, E, E]),
    ("tvm_eq", E, [graph_p, E, E]),
    ("tvm_ne", E, [graph_p, E, E]),
    # logic, select, cast
    ("tvm_and", E, [graph_p, E, E]),
    ("tvm_or", E, [graph_p, E, E]),
    ("tvm_not", E, [graph_p, E]),
    ("tvm_select", E, [graph_p, E, E, E]),
    ("tvm_cast", E, [graph_p, dtype, E]),
    # math
    ("tvm_exp", E, [graph_p, E]),
    ("tvm_log", E, [graph_p, E]),
    ("tvm_sqrt", E, [graph_p, E]),
    ("tvm_rsqrt", E, [graph_p, E]),
    ("tvm_tanh", E, [graph_p, E]),
    ("tvm_sigmoid", E, [graph_p, E]),
    ("tvm_erf", E, [graph_p, E]),
    ("tvm_abs", E, [graph_p, E]),
    ("tvm_floor", E, [graph_p, E]),
    ("tvm_ceil", E, [graph_p, E]),
    # reductions
    ("tvm_reduce", E, [graph_p, c_int, E, c_int, PE]),
    ("tvm_sum", E, [graph_p, E, c_int, PE]),
    # user functions
    ("tvm_call_extern", E, [graph_p, c_char_p, c_void_p, dtype, c_int, POINTER(dtype), PE]),
    # tensors
    ("tvm_placeholder", T, [graph_p, c_char_p, dtype, c_int, PE]),
    ("tvm_compute", T, [graph_p, c_char_p, c_int, PE, PE, E]),
    ("tvm_constant", T, [graph_p, c_char_p, dtype, c_int, POINTER(c_int64), c_void_p]),
    ("tvm_tensor_info", status, [graph_p, T, POINTER(c_int), POINTER(dtype)]),
    ("tvm_expr_dtype", status, [graph_p, E, POINTER(dtype)]),
    # operator library: elementwise, reductions, normalisation
    ("tvm_op_binary", T, [graph_p, c_int, T, T]),
    ("tvm_op_where", T, [graph_p, T, T, T]),
    ("tvm_op_unary", T, [graph_p, c_int, T]),
    ("tvm_op_leaky_relu", T, [graph_p, T, c_double]),
    ("tvm_op_elu", T, [graph_p, T, c_double]),
    ("tvm_op_hard_sigmoid", T, [graph_p, T, c_double, c_double]),
    ("tvm_op_clip", T, [graph_p, T, c_double, c_double]),
    ("tvm_op_cast", T, [graph_p, T, dtype]),
    ("tvm_op_reduce", T, [graph_p, c_int, T, c_int, POINTER(c_int), c_int]),
    ("tvm_op_softmax", T, [graph_p, T, c_int]),
    ("tvm_op_log_softmax", T, [graph_p, T, c_int]),
    ("tvm_op_layer_norm", T, [graph_p, T, T, T, c_int, c_double]),
    ("tvm_op_batch_norm", T, [graph_p, T, T, T, T, T, c_double]),
    ("tvm_op_group_norm", T, [graph_p, T, T, T, c_int, c_double]),
    # operator library: shape operators
    ("tvm_op_reshape", T, [graph_p, T, c_int, POINTER(c_int64)]),
    ("tvm_op_transpose", T, [graph_p, T, POINTER(c_int)]),
    ("tvm_op_concat", T, [graph_p, c_int, PT, c_int]),
    ("tvm_op_split", status, [graph_p, T, c_int, c_int, POINTER(c_int64), PT]),
    ("tvm_op_slice", T, [graph_p, T, c_int, POINTER(c_int), POINTER(c_int64),
                         POINTER(c_int64), POINTER(c_int64)]),
    ("tvm_op_pad", T, [graph_p, T, POINTER(c_int64), c_int, c_double]),
    ("tvm_op_gather", T, [graph_p, T, T, c_int]),
    ("tvm_op_broadcast_to", T, [graph_p, T, c_int, POINTER(c_int64)]),
    ("tvm_op_squeeze", T, [graph_p, T, c_int, POINTER(c_int)]),
    ("tvm_op_unsqueeze", T, [graph_p, T, c_int, POINTER(c_int)]),
    ("tvm_op_flatten", T, [graph_p, T, c_int]),
    ("tvm_op_tile", T, [graph_p, T, POINTER(c_int64)]),
    ("tvm_op_resize", T, [graph_p, T, POINTER(c_int64), c_int, c_int, c_int]),
    ("tvm_op_grid_sample", T, [graph_p, T, T, c_int, c_int, c_int]),
    # operator library: index, quantisation and bit operators
    ("tvm_op_gather_elements", T, [graph_p, T, T, c_int]),
    ("tvm_op_gather_nd", T, [graph_p, T, T, c_int]),
    ("tvm_op_scatter_elements", T, [graph_p, T, T, T, c_int, c_int]),
    ("tvm_op_scatter_nd", T, [graph_p, T, T, T, c_int]),
    ("tvm_op_topk", T, [graph_p, T, c_int64, c_int, c_int]),
    ("tvm_op_einsum", T, [graph_p, c_char_p, c_int, PT]),
    ("tvm_op_quantize_linear", T, [graph_p, T, T, T, c_int, dtype]),
    ("tvm_op_dequantize_linear", T, [graph_p, T, T, T, c_int]),
    ("tvm_op_bitshift", T, [graph_p, T, T, c_int]),
    # schedules
    ("tvm_schedule_create", status, [graph_p, c_int, PT, POINTER(sched_p)]),
    ("tvm_schedule_destroy", None, [sched_p]),
    ("tvm_sched_split", status, [sched_p, T, E, c_int64, PE, PE]),
    ("tvm_sched_tile", status, [sched_p, T, E, E, c_int64, c_int64, PE, PE, PE, PE]),
    ("tvm_sched_reorder", status, [sched_p, T, c_int, PE]),
    ("tvm_sched_fuse", status, [sched_p, T, E, E, PE]),
    ("tvm_sched_vectorize", status, [sched_p, T, E]),
    ("tvm_sched_parallel", status, [sched_p, T, E]),
    ("tvm_sched_unroll", status, [sched_p, T, E]),
    ("tvm_sched_compute_inline", status, [sched_p, T]),
    ("tvm_sched_compute_at", status, [sched_p, T, T, E]),
    ("tvm_sched_cache_write", status, [sched_p, T, E]),
    ("tvm_sched_pack", status, [sched_p, T, T, c_int, c_int64, PT]),
    # compilation and calls
    ("tvm_compile", status, [graph_p, c_int, PT, c_int, PT, POINTER(tvm_compile_options),
                             POINTER(fn_p)]),
    ("tvm_function_call", status, [fn_p, PDL, c_int]),
    ("tvm_function_retain", status, [fn_p]),
    ("tvm_function_release", None, [fn_p]),
    ("tvm_function_num_args", status, [fn_p, POINTER(c_int), POINTER(c_int)]),
    ("tvm_function_arg_info", status, [fn_p, c_int, POINTER(dtype), POINTER(c_int)]),
    ("tvm_function_output_shape", status, [fn_p, PDL, c_int, POINTER(c_int64),
                                           POINTER(c_int)]),
    ("tvm_function_source", status, [fn_p, c_char_p, POINTER(c_void_p)]),
    ("tvm_function_plan", status, [fn_p, POINTER(tvm_kernel_plan)]),
    ("tvm_function_dump", status, [fn_p, c_char_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    # direct entry: code is a C function pointer, callable with ctypes.CFUNCTYPE
    ("tvm_function_entry", status, [fn_p, POINTER(c_void_p), POINTER(c_void_p)]),
    ("tvm_entry_destroy", None, [c_void_p]),
    # operator library: linear algebra, convolutions, pools
    ("tvm_op_matmul", T, [graph_p, T, T, c_int, c_int]),
    ("tvm_op_dense", T, [graph_p, T, T, T]),
    ("tvm_op_conv2d", T, [graph_p, T, T, T, POINTER(tvm_conv_attrs)]),
    ("tvm_op_conv1d", T, [graph_p, T, T, T, POINTER(tvm_conv_attrs)]),
    ("tvm_op_conv_transpose2d", T, [graph_p, T, T, T, POINTER(tvm_conv_attrs)]),
    ("tvm_op_max_pool2d", T, [graph_p, T, POINTER(tvm_pool_attrs)]),
    ("tvm_op_avg_pool2d", T, [graph_p, T, POINTER(tvm_pool_attrs)]),
    ("tvm_op_global_pool2d", T, [graph_p, T, c_int, c_int]),
    # ONNX import
    ("tvm_onnx_import", status, [graph_p, c_void_p, c_size_t, POINTER(tvm_onnx_options),
                                 POINTER(c_void_p)]),
    ("tvm_onnx_import_file", status, [graph_p, c_char_p, POINTER(tvm_onnx_options),
                                      POINTER(c_void_p)]),
    ("tvm_onnx_model_free", None, [c_void_p]),
    ("tvm_onnx_model_counts", status, [c_void_p, POINTER(c_int), POINTER(c_int)]),
    ("tvm_onnx_model_input", status, [c_void_p, c_int, POINTER(tvm_onnx_value)]),
    ("tvm_onnx_model_output", status, [c_void_p, c_int, POINTER(tvm_onnx_value)]),
]

# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _candidates():
    env = os.environ.get("TVMC_LIBRARY")
    if env:
        yield env, True
    root = Path(__file__).resolve().parent.parent.parent.parent  # <repo>
    for name in ("libtvmc.so", "libtvmc.so.0"):
        p = root / "build" / name
        if p.exists():
            yield str(p), False
    found = ctypes.util.find_library("tvmc")
    if found:
        yield found, False
    yield "libtvmc.so.0", False


class _Missing:
    """Stands in for a C function the loaded library does not export."""

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args):
        from .error import UnsupportedError
        raise UnsupportedError(TVM_ERR_UNSUPPORTED,
                               "%s is not exported by the loaded libtvmc (%s); "
                               "rebuild the library" % (self.__name__, path))


class _Lib:
    pass


lib = None      # the bound functions (attributes named like the C functions)
path = None     # the path the library was loaded from
_lock = threading.Lock()


def load():
    """Loads libtvmc once and binds every function of the table."""
    global lib, path
    if lib is not None:
        return lib
    with _lock:
        if lib is not None:
            return lib
        errors = []
        handle = None
        for cand, explicit in _candidates():
            try:
                handle = ctypes.CDLL(cand)
                path = cand
                break
            except OSError as e:
                errors.append("%s: %s" % (cand, e))
                if explicit:
                    raise OSError("TVMC_LIBRARY=%s cannot be loaded: %s" % (cand, e)) from None
        if handle is None:
            raise OSError("libtvmc not found; build it (ninja -C build) or set TVMC_LIBRARY. "
                          "Tried: " + "; ".join(errors))
        ns = _Lib()
        ns._handle = handle
        for name, restype, argtypes in _FUNCTIONS:
            try:
                f = getattr(handle, name)
            except AttributeError:
                setattr(ns, name, _Missing(name))
                continue
            f.restype = restype
            f.argtypes = argtypes
            setattr(ns, name, f)
        lib = ns
        return lib


def last_error():
    return load().tvm_last_error().decode("utf-8", "replace")


def take_string(ptr):
    """Copies a NUL-terminated string the library allocated and frees it."""
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        load().tvm_free(ptr)
