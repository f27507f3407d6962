"""Error paths: every mistake raises a Python exception, never a crash, and
argument problems are caught before the C library is called."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import tvmc
from tvmc import te


@pytest.fixture
def add_fn():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    return tvmc.build([A, B, C])


def f32(*shape):
    return np.zeros(shape, "float32")


# --- call-time argument checks -------------------------------------------------

def test_wrong_dtype_array(add_fn):
    c = f32(4)
    with pytest.raises(TypeError, match=r"input 'B' \(argument 1\) has dtype float64"):
        add_fn(f32(4), np.zeros(4), c)
    with pytest.raises(tvmc.DTypeError):
        add_fn.run(f32(4), np.zeros(4, "int32"))
    with pytest.raises(tvmc.DTypeError):
        add_fn(f32(4), f32(4), np.zeros(4, "float64"))
    with pytest.raises(tvmc.DTypeError):    # non-native byte order is another dtype
        add_fn.run(f32(4), np.zeros(4, ">f4"))


def test_wrong_ndim(add_fn):
    with pytest.raises(ValueError, match="has 2 dimensions but the function expects 1"):
        add_fn.run(f32(2, 2), f32(4))
    with pytest.raises(tvmc.ShapeError):
        add_fn(f32(4), f32(4), f32(4, 1))


def test_non_contiguous_never_copied(add_fn):
    a = np.arange(8, dtype="float32")
    with pytest.raises(ValueError, match="not C-contiguous"):
        add_fn.run(a[::2], f32(4))
    with pytest.raises(tvmc.InvalidArgumentError, match="C-contiguous"):
        add_fn.run(a[::-2], f32(4))
    out = np.zeros(8, "float32")
    with pytest.raises(ValueError):
        add_fn(f32(4), f32(4), out[::2])
    assert not out.any()


def test_non_contiguous_2d():
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] + 1.0, name="B")
    f = tvmc.build([A, B])
    x = np.arange(12, dtype="float32").reshape(3, 4)
    for bad in (x.T, x[:, :1], np.asfortranarray(x), x[:, 1:]):
        with pytest.raises(ValueError, match="C-contiguous"):
            f.run(bad)
    # a row slice is compact (a size-1 dimension may have any stride)
    np.testing.assert_array_equal(f.run(x[1:2, :]), x[1:2, :] + 1)


def test_read_only_output(add_fn):
    out = f32(4)
    out.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        add_fn(f32(4), f32(4), out)
    ro_in = f32(4)
    ro_in.setflags(write=False)
    add_fn.run(ro_in, ro_in)     # read-only inputs are fine


def test_mismatched_sizes(add_fn):
    with pytest.raises(tvmc.ShapeError, match="size variable 'n'"):
        add_fn.run(f32(3), f32(4))
    with pytest.raises(ValueError):
        add_fn(f32(4), f32(4), f32(5))


def test_wrong_argument_count_and_types(add_fn):
    with pytest.raises(TypeError, match="takes 3 arguments"):
        add_fn(f32(4), f32(4))
    with pytest.raises(TypeError, match="2 inputs"):
        add_fn.run(f32(4))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        add_fn.run([1.0, 2.0], f32(2))
    with pytest.raises(TypeError):
        add_fn.run(np.float32(1), f32(1))
    with pytest.raises(TypeError):
        add_fn.run(None, f32(1))


def test_overlapping_output(add_fn):
    a = f32(4)
    with pytest.raises(tvmc.InvalidArgumentError, match="overlaps"):
        add_fn(a, f32(4), a)


def test_out_of_bounds(target):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i + 1], name="B")
    f = tvmc.build([A, B], target=target)
    with pytest.raises(tvmc.OutOfBoundsError):
        f.run(f32(4))
    with pytest.raises(IndexError):
        f.run(f32(4))


_GATHER = r"""
import sys
import numpy as np
import tvmc
from tvmc import te
n, m = te.var("n"), te.var("m")
A = te.placeholder((n,), name="A")
I = te.placeholder((m,), "int64", name="I")
G = te.compute((m,), lambda i: A[I[i]], name="G")
f = tvmc.build([A, I, G], target=sys.argv[1])
a = np.arange(5, dtype="float32")
np.testing.assert_array_equal(f.run(a, np.array([4, 0, 2])), [4, 0, 2])
for bad in ([0, 5], [-1]):
    try:
        f.run(a, np.array(bad, "int64"))
        raise SystemExit("no error for %r" % (bad,))
    except tvmc.OutOfBoundsError:
        pass
print("OK")
"""


def test_data_dependent_out_of_bounds(target):
    """A gather with an index read from a tensor is checked where it happens.

    Runs in a subprocess, so a crash (there was a use-after-free in the
    bounds pass here, seen under MALLOC_PERTURB_) fails this test instead of
    killing the whole run."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))] +
        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-c", _GATHER, target], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr


# --- build-time checks ----------------------------------------------------------

def test_bad_target():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i], name="B")
    with pytest.raises(tvmc.UnsupportedError, match="nonsense"):
        tvmc.build([A, B], target="nonsense")
    with pytest.raises(tvmc.InvalidArgumentError, match="unknown CPU"):
        tvmc.build([A, B], target="llvm -mcpu=not-a-cpu")
    with pytest.raises(TypeError):
        tvmc.build([A, B], target=None)
    with pytest.raises(tvmc.InvalidArgumentError):
        tvmc.build([A, B], opt_level=7)
    with pytest.raises(tvmc.TVMError):
        tvmc.build([A, B], target="llvm\0x")


def test_build_argument_order_and_kinds():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    with pytest.raises(tvmc.InvalidArgumentError, match="comes after an output"):
        tvmc.build([A, C, B])
    with pytest.raises(tvmc.InvalidArgumentError, match="placeholder 'B'"):
        tvmc.build([A, C])                       # C needs B (checked by C library)
    with pytest.raises(tvmc.InvalidArgumentError, match="no outputs"):
        tvmc.build([A, B])
    with pytest.raises(tvmc.InvalidArgumentError, match="twice"):
        tvmc.build([A, B, C, C])
    with pytest.raises(tvmc.InvalidArgumentError):
        tvmc.build([])
    with pytest.raises(TypeError):
        tvmc.build([A, B, "C"])
    W = te.const_tensor(np.ones(3, "float32"), name="W")
    with pytest.raises(tvmc.InvalidArgumentError, match="constant"):
        tvmc.build([A, W])
    f = tvmc.build([A, B, C])               # the graph is still fine after all of that
    np.testing.assert_array_equal(f.run(np.ones(2, "float32"), np.ones(2, "float32")), [2, 2])


# --- expression checks (before C: the graph stays usable) --------------------------

def test_dtype_mismatch_in_expression(graph):
    A = te.placeholder((4,), "float32", name="A")
    B = te.placeholder((4,), "int32", name="B")
    with pytest.raises(tvmc.DTypeError, match="different dtypes"):
        A[0] + B[0]
    with pytest.raises(TypeError):
        te.compute((4,), lambda i: A[i] * B[i])
    with pytest.raises(tvmc.DTypeError):
        te.if_then_else(A[0] > 0.0, A[0], B[0])
    with pytest.raises(tvmc.DTypeError, match="bool"):
        te.if_then_else(B[0], A[0], A[0])
    assert graph.failed is None
    C = te.compute((4,), lambda i: A[i] * B[i].astype("float32"), name="C")
    assert C.dtype == "float32"


def test_literal_rules():
    i = te.var("n")
    x = te.placeholder((1,), "float32", name="x")[0]
    b = te.placeholder((1,), "int8", name="b")[0]
    assert (x + 1).dtype == "float32"            # int literal -> float const
    assert (i * 2.0).dtype == "int64"            # integral float -> int const
    with pytest.raises(TypeError, match="not representable as int64"):
        i * 0.5
    with pytest.raises(tvmc.DTypeError, match="int8"):
        b + 300
    with pytest.raises(TypeError):
        x + "1"
    with pytest.raises(TypeError):
        x + 1j
    with pytest.raises(tvmc.DTypeError):
        te.const(256, "uint8")
    with pytest.raises(tvmc.DTypeError):
        te.const(float("nan"), "int32")


def test_operator_dtype_rules():
    f = te.placeholder((1,), "float32", name="f")[0]
    i = te.placeholder((1,), "int32", name="i")[0]
    b = te.placeholder((1,), "bool", name="b")[0]
    with pytest.raises(tvmc.DTypeError, match="bool"):
        b + b
    with pytest.raises(tvmc.DTypeError, match="floating-point"):
        te.exp(i)
    with pytest.raises(tvmc.DTypeError):
        i ** 2
    with pytest.raises(tvmc.DTypeError, match="bool"):
        f & f
    with pytest.raises(tvmc.DTypeError):
        ~i
    with pytest.raises(tvmc.DTypeError):
        i ^ i
    with pytest.raises(tvmc.DTypeError):
        -b
    with pytest.raises(TypeError):
        te.exp(1.0)


def test_expressions_have_no_truth_value_but_hash():
    x, y = te.var("x"), te.var("y")
    with pytest.raises(TypeError, match="truth value"):
        if x == y:
            pass
    with pytest.raises(TypeError):
        bool(x < 3)
    assert len({x, y, x}) == 2                  # identity hash
    assert {x: 1}[x] == 1
    assert (x == None) is False                 # noqa: E711 (unknown types: identity)
    assert (x != "x") is True
    with pytest.raises(TypeError):
        list(x)
    with pytest.raises(TypeError):
        range(x)


def test_reduction_errors():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    with pytest.raises(ValueError, match="lower bound must be 0"):
        te.reduce_axis((1, n))
    with pytest.raises(ValueError):
        te.reduce_axis((0, 1, 2))
    k = te.reduce_axis((0, n), name="k")
    with pytest.raises(tvmc.InvalidArgumentError, match="not a reduction axis"):
        te.sum(A[k], axis=[n])
    with pytest.raises(tvmc.InvalidArgumentError, match="empty"):
        te.sum(A[k], axis=[])
    with pytest.raises(tvmc.InvalidArgumentError, match="twice"):
        te.sum(A[k], axis=[k, k])
    with pytest.raises(tvmc.DTypeError, match="bool"):
        te.sum(A[k] > 0.0, axis=k)
    with pytest.raises(TypeError, match="axis"):
        te.sum(A[k])
    with pytest.raises(tvmc.DTypeError):
        te.sum(A[k], axis=k, where=A[k])


def test_indexing_errors():
    A = te.placeholder((2, 3), name="A")
    with pytest.raises(tvmc.ShapeError, match="2 dimensions but 1"):
        A[0]
    with pytest.raises(tvmc.DTypeError, match="integers"):
        A[0, te.const(1.0)]
    with pytest.raises(tvmc.DTypeError):
        A[0, 1.5]
    with pytest.raises(TypeError, match="slices"):
        A[0, 0:2]
    with pytest.raises(TypeError):
        iter(A)
    with pytest.raises(TypeError):
        A + 1


def test_shape_and_name_errors():
    with pytest.raises(tvmc.ShapeError, match="negative"):
        te.placeholder((-1,))
    with pytest.raises(TypeError):
        te.placeholder((2.0,))
    with pytest.raises(tvmc.ShapeError):
        te.placeholder((te.const(1.0),))
    with pytest.raises(tvmc.ShapeError):
        te.placeholder((1,) * 33)
    with pytest.raises(tvmc.InvalidArgumentError):
        te.placeholder((1,), name="x" * 5000)
    with pytest.raises(tvmc.InvalidArgumentError):
        te.placeholder((1,), name="a\0b")
    with pytest.raises(TypeError):
        te.placeholder((1,), name=3)
    with pytest.raises(tvmc.UnsupportedError):
        te.var("n", dtype="int32")
    with pytest.raises(tvmc.InvalidArgumentError, match="2 dimensions but fcompute takes 1"):
        te.compute((2, 2), lambda i: i)
    with pytest.raises(tvmc.UnsupportedError):
        te.compute((2,), lambda i: (i, i))
    with pytest.raises(TypeError):
        te.compute((2,), lambda i: "x")
    with pytest.raises(tvmc.InvalidArgumentError):
        tvmc.Context(num_threads=-1)
    with pytest.raises(tvmc.InvalidArgumentError):
        tvmc.Context(num_threads=2**40)
    with pytest.raises(TypeError):
        tvmc.Graph(ctx="ctx")


def test_mixing_graphs_raises():
    g1, g2 = tvmc.Graph(), tvmc.Graph()
    with g1:
        A = te.placeholder((4,), name="A")
        x = te.var("x")
    with g2:
        B = te.placeholder((4,), name="B")
        with pytest.raises(tvmc.InvalidHandleError):
            te.compute((4,), lambda i: A[i])        # i lives in g2, A in g1
        with pytest.raises(tvmc.InvalidHandleError):
            B[x]
        y = te.var("y")
        with pytest.raises(tvmc.InvalidHandleError, match="different graphs"):
            x + y
        C = te.compute((4,), lambda i: B[i] * 2.0, name="C")
    with pytest.raises(tvmc.InvalidHandleError):
        tvmc.build([A, C])
    with pytest.raises(tvmc.InvalidHandleError):
        g1.text(C)
    # both graphs stay usable
    assert g1.failed is None and g2.failed is None
    tvmc.build([B, C])


def test_c_library_rejects_foreign_handles():
    """The C library itself refuses a handle from another graph."""
    from tvmc import _lib
    L = _lib.load()
    g1, g2 = tvmc.Graph(), tvmc.Graph()
    with g1:
        A = te.placeholder((4,), name="A")
    with g2:
        i = te.var("i")
    idx = (_lib.tvm_expr * 1)(_lib.tvm_expr(i.id))
    assert L.tvm_load(g1._handle, _lib.tvm_tensor(A.id), idx).id == 0
    assert L.tvm_graph_status(g1._handle) == _lib.TVM_ERR_INVALID_HANDLE
    with pytest.raises(tvmc.InvalidHandleError, match="not a tensor of this graph|not an "):
        g1.status()


def test_sticky_c_error_spoils_graph_and_is_reported(graph):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i], name="B")
    # the body uses B's iteration variable, which is not an axis of C: only the
    # C library sees this
    with pytest.raises(tvmc.InvalidArgumentError, match="not one of its axes"):
        te.compute((n,), lambda j: A[B.axis[0]], name="C")
    assert isinstance(graph.failed, tvmc.InvalidArgumentError)
    with pytest.raises(tvmc.InvalidArgumentError, match="already failed"):
        te.placeholder((n,), name="D")
    with pytest.raises(tvmc.InvalidArgumentError, match="already failed"):
        tvmc.build([A, B])
    with pytest.raises(tvmc.InvalidArgumentError):
        graph.status()


def test_default_graph_recovers_after_c_error():
    """Outside any `with Graph()` (here: a fresh thread), a default graph
    spoiled by a C-side error is replaced by a fresh one."""
    result = {}

    def work():
        try:
            n = te.var("n")
            A = te.placeholder((n,), name="A")
            B = te.compute((n,), lambda i: A[i], name="B")
            g_old = tvmc.current_graph()
            try:
                te.compute((n,), lambda j: A[B.axis[0]], name="C")
            except tvmc.InvalidArgumentError:
                result["raised"] = True
            result["replaced"] = tvmc.current_graph() is not g_old
            try:
                A[0] + 1.0
            except tvmc.InvalidArgumentError as e:
                result["old_msg"] = str(e)
            n2 = te.var("n")
            A2 = te.placeholder((n2,), name="A")
            B2 = te.compute((n2,), lambda i: A2[i] + 1.0, name="B")
            result["out"] = tvmc.build([A2, B2]).run(np.zeros(2, "float32"))
        except BaseException as e:  # reported below
            result["error"] = e

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert "error" not in result, result.get("error")
    assert result["raised"] and result["replaced"]
    assert "already failed" in result["old_msg"]
    np.testing.assert_array_equal(result["out"], [1, 1])


def test_library_load_failure_is_an_exception():
    env = dict(os.environ, TVMC_LIBRARY="/nonexistent/libtvmc.so",
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import tvmc\ntry:\n    tvmc.te.var('n')\nexcept OSError as e:\n"
            "    print('OSERROR', e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert "OSERROR TVMC_LIBRARY=/nonexistent/libtvmc.so cannot be loaded" in out.stdout


def test_exception_hierarchy():
    from tvmc import error
    expected = {
        1: (tvmc.InvalidArgumentError, ValueError), 2: (tvmc.DTypeError, TypeError),
        3: (tvmc.ShapeError, ValueError), 4: (tvmc.OutOfBoundsError, IndexError),
        5: (tvmc.UnsupportedError, NotImplementedError),
        6: (tvmc.OutOfMemoryError, MemoryError), 7: (tvmc.CompileError, tvmc.TVMError),
        8: (tvmc.DeviceError, tvmc.TVMError), 9: (tvmc.ParseError, ValueError),
        10: (tvmc.TVMIOError, OSError), 11: (tvmc.InternalError, RuntimeError),
        12: (tvmc.LimitError, tvmc.TVMError), 13: (tvmc.VersionError, tvmc.TVMError),
        14: (tvmc.InvalidHandleError, ValueError),
    }
    from tvmc import _lib
    L = _lib.load()
    for status, (cls, base) in expected.items():
        assert error.error_class(status) is cls
        assert issubclass(cls, tvmc.TVMError) and issubclass(cls, base)
        e = error.make_error(status, "msg %d" % status)
        assert isinstance(e, cls) and e.status == status and str(e) == "msg %d" % status
        assert e.status_name == L.tvm_status_string(status).decode()
        with pytest.raises(tvmc.TVMError):
            raise e
    assert error.error_class(99) is tvmc.TVMError
    e = tvmc.ShapeError("plain message")
    assert e.status == 3 and str(e) == "plain message"


def test_expression_depth_limit(graph):
    A = te.placeholder((1,), name="A")
    e = A[0]
    with pytest.raises(tvmc.LimitError, match="nest deeper"):
        for _ in range(2000):
            e = e + 1.0
    assert isinstance(graph.failed, tvmc.LimitError)


def test_missing_c_function_is_an_exception():
    from tvmc import _lib
    with pytest.raises(tvmc.UnsupportedError, match="tvm_not_there"):
        _lib._Missing("tvm_not_there")()
    names = [row[0] for row in _lib._FUNCTIONS]
    assert len(names) == len(set(names))
    for name in names:                       # every declared function is exported
        assert not isinstance(getattr(_lib.load(), name), _lib._Missing), name


def test_table_covers_the_header():
    """Every function of include/tvmc.h has a row in tvmc._lib._FUNCTIONS."""
    import re
    from tvmc import _lib
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "include", "tvmc.h")
    if not os.path.exists(header):
        pytest.skip("include/tvmc.h not found next to this checkout")
    text = open(header).read()
    declared = set(re.findall(r"TVMC_API\s+[\w\s\*]*?\b(tvm_\w+)\s*\(", text))
    assert len(declared) > 50
    missing = declared - {row[0] for row in _lib._FUNCTIONS}
    assert not missing, "add these to tvmc/_lib.py _FUNCTIONS: %s" % sorted(missing)


def _header_constants(text):
    """{name: value} of the header's TVM_* #defines and enum members."""
    import re
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)

    def num(v):
        return int(v.strip().strip("()").rstrip("uU"), 0)
    out = {m.group(1): num(m.group(2)) for m in
           re.finditer(r"#define\s+(TVM_\w+)\s+(\(?-?(?:0x[0-9a-fA-F]+|\d+)u?\)?)\s*$", text,
                       flags=re.M)}
    for body in re.findall(r"typedef\s+enum\s+\w+\s*\{(.*?)\}", text, flags=re.S):
        nxt = 0
        for item in filter(None, (i.strip() for i in body.split(","))):
            name, _, value = item.partition("=")
            nxt = num(value) if value else nxt
            out[name.strip()] = nxt
            nxt += 1
    return out


def test_constants_match_the_header():
    """Every TVM_* constant of include/tvmc.h (compile flags, enums) is in
    tvmc._lib with the header's value; only the operator kinds, which the
    topi modules map by name themselves, are left out."""
    from tvmc import _lib
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "include", "tvmc.h")
    if not os.path.exists(header):
        pytest.skip("include/tvmc.h not found next to this checkout")
    consts = _header_constants(open(header).read())
    # spot checks of the parser itself, values written in the header
    assert consts["TVM_COMPILE_RELEASE_CONSTANTS"] == 0x8 and consts["TVM_OPT_O0"] == -1
    assert consts["TVM_GRID_PAD_REFLECTION"] == 2 and consts["TVM_ERR_INVALID_HANDLE"] == 14
    wrong = {n: (v, getattr(_lib, n, None)) for n, v in consts.items()
             if not n.startswith(("TVM_OP_", "TVM_SCATTER_")) or n in
             ("TVM_OP_SUM", "TVM_OP_MEAN", "TVM_OP_MAX", "TVM_OP_MIN", "TVM_OP_PROD",
              "TVM_OP_ARGMAX", "TVM_OP_ARGMIN")
             if getattr(_lib, n, None) != v}
    assert not wrong, "tvmc/_lib.py lacks or misnumbers (header, _lib): %s" % wrong


def test_structs_match_the_header():
    """Every struct of include/tvmc.h has a ctypes twin in tvmc._lib with the
    same fields in the same order (a missing appended field silently reads
    as its default in C: the struct_size rule)."""
    import re
    from tvmc import _lib
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                          "include", "tvmc.h")
    if not os.path.exists(header):
        pytest.skip("include/tvmc.h not found next to this checkout")
    text = re.sub(r"/\*.*?\*/", "", open(header).read(), flags=re.S)
    structs = re.findall(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}", text, flags=re.S)
    assert len(structs) >= 10
    for name, body in structs:
        fields = [re.sub(r"\[.*\]", "", d.split()[-1]).lstrip("*")
                  for d in body.split(";") if d.strip()]
        assert hasattr(_lib, name), "tvmc/_lib.py lacks struct %s" % name
        assert [f[0] for f in getattr(_lib, name)._fields_] == fields, name
