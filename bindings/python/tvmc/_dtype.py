"""dtype names <-> tvm_dtype <-> numpy <-> DLPack."""

import numpy as np

from . import _lib
from .error import DTypeError

# name -> (tvm_dtype, numpy dtype or None, DLPack (code, bits), kind)
# kind: "f" float, "i" signed int, "u" unsigned int, "b" bool
_TABLE = {
    "float32": (_lib.TVM_FLOAT32, np.dtype("float32"), (_lib.kDLFloat, 32), "f"),
    "float64": (_lib.TVM_FLOAT64, np.dtype("float64"), (_lib.kDLFloat, 64), "f"),
    "float16": (_lib.TVM_FLOAT16, np.dtype("float16"), (_lib.kDLFloat, 16), "f"),
    "bfloat16": (_lib.TVM_BFLOAT16, None, (_lib.kDLBfloat, 16), "f"),
    "int8": (_lib.TVM_INT8, np.dtype("int8"), (_lib.kDLInt, 8), "i"),
    "int16": (_lib.TVM_INT16, np.dtype("int16"), (_lib.kDLInt, 16), "i"),
    "int32": (_lib.TVM_INT32, np.dtype("int32"), (_lib.kDLInt, 32), "i"),
    "int64": (_lib.TVM_INT64, np.dtype("int64"), (_lib.kDLInt, 64), "i"),
    "uint8": (_lib.TVM_UINT8, np.dtype("uint8"), (_lib.kDLUInt, 8), "u"),
    "bool": (_lib.TVM_BOOL, np.dtype("bool"), (_lib.kDLBool, 8), "b"),
}

DTYPES = tuple(_TABLE)
_BY_CODE = {v[0]: k for k, v in _TABLE.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int32",
            "bool_": "bool", "bf16": "bfloat16"}

INT_RANGE = {"int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1),
             "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1),
             "uint8": (0, 255), "bool": (0, 1)}


def canon(dtype):
    """Normalises a dtype spec (string, numpy dtype, numpy scalar type) to a
    tvmc dtype name such as "float32"; DTypeError if tvmc has no such dtype."""
    if isinstance(dtype, str):
        name = _ALIASES.get(dtype, dtype)
        if name in _TABLE:
            return name
    else:
        if dtype is bool:
            return "bool"
        try:
            nd = np.dtype(dtype)
        except TypeError:
            nd = None
        if nd is not None and nd.isnative and nd.name in _TABLE:
            return nd.name
    raise DTypeError("dtype %r is not supported by tvmc (supported: %s)"
                     % (dtype, ", ".join(DTYPES)))


def code(name):
    return _TABLE[name][0]


def from_code(c):
    try:
        return _BY_CODE[c]
    except KeyError:
        raise DTypeError("unknown tvm_dtype %d" % c) from None


def to_numpy(name):
    """numpy dtype for a tvmc dtype name; None for bfloat16."""
    return _TABLE[name][1]


def dlpack(name):
    return _TABLE[name][2]


def kind(name):
    return _TABLE[name][3]


def is_float(name):
    return _TABLE[name][3] == "f"


def is_int(name):
    return _TABLE[name][3] in "iu"


def dlpack_matches(name, code_, bits, lanes):
    """Mirrors the C library's check: bool is {kDLUInt,8} or {kDLBool,8}."""
    if lanes != 1:
        return False
    if name == "bool":
        return code_ in (_lib.kDLUInt, _lib.kDLBool) and bits == 8
    return (code_, bits) == _TABLE[name][2]


def dlpack_name(code_, bits, lanes):
    names = {0: "int", 1: "uint", 2: "float", 3: "handle", 4: "bfloat", 5: "complex", 6: "bool"}
    s = "%s%d" % (names.get(code_, "code%d_" % code_), bits)
    return s if lanes == 1 else "%sx%d" % (s, lanes)
