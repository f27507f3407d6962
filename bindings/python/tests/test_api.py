"""Function/Graph/Context API: source(), metadata, threads, lifetimes."""

import gc
import threading

import numpy as np
import pytest

import tvmc
from tvmc import te


def relu_fn(target="llvm"):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.max(A[i], 0.0), name="B")
    return tvmc.build([A, B], target=target)


def test_versions_and_library():
    assert tvmc.runtime_version().count(".") == 2
    assert tvmc.__version__ == "0.1.0"
    assert "libtvmc" in tvmc.library_path()


def test_source_llvm_target():
    f = relu_fn("llvm")
    assert "placeholder A" in f.source("graph")
    assert "B" in f.source("loop")          # the symbolic template before the first call
    f.run(np.zeros(16, "float32"))
    loop = f.source("loop")
    assert "for" in loop and "16" in loop
    llvm = f.source("llvm")
    assert "define" in llvm and "target triple" in llvm
    asm = f.source("asm")
    assert ".text" in asm
    assert f.get_source("asm") == asm
    with pytest.raises(tvmc.InvalidArgumentError, match="kind"):
        f.source("bogus")
    with pytest.raises(TypeError):
        f.source(3)


def test_source_interp_target():
    f = relu_fn("interp")
    f.run(np.zeros(4, "float32"))
    assert "for" in f.source("loop")
    assert "compute B" in f.source("graph")
    with pytest.raises(tvmc.UnsupportedError):
        f.source("llvm")


def test_source_constant_shapes_compile_at_build():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1.0, name="B")
    f = tvmc.build([A, B])
    assert "define" in f.source("llvm")


def test_function_metadata():
    n = te.var("n")
    A = te.placeholder((n, 2), "int32", name="A")
    B = te.compute((n,), lambda i: A[i, 0] > A[i, 1], name="B")
    f = tvmc.build([A, B], target="interp")
    assert f.num_inputs == 1 and f.num_outputs == 1
    assert f.arg_dtypes == ("int32", "bool") and f.arg_ndims == (2, 1)
    assert f.arg_names == ("A", "B") and f.target == "interp"
    assert "A: int32[2d]" in repr(f)
    assert f.output_shape(np.zeros((5, 2), "int32")) == (5,)
    with pytest.raises(IndexError):
        f.output_shape(np.zeros((5, 2), "int32"), index=1)


def test_targets_agree(rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: te.sum(te.tanh(A[i, k]) * A[i, k], axis=k), name="B")
    C = te.compute((n, m), lambda i, j: te.if_then_else(A[i, j] > B[i], A[i, j] - B[i],
                                                        te.sigmoid(A[i, j])), name="C")
    fl, fi = tvmc.build([A, B, C], target="llvm"), tvmc.build([A, B, C], target="interp")
    a = rng.standard_normal((7, 13)).astype("float32")
    for x, y in zip(fl.run(a), fi.run(a)):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_llvm_target_options():
    f = relu_fn("llvm -mcpu=x86-64 -mattr=+sse2")
    np.testing.assert_array_equal(f.run(np.array([-1, 2], "float32")), [0, 2])


def test_function_cache_returns_equal_function():
    ctx = tvmc.Context(num_threads=1)
    for _ in range(2):
        with tvmc.Graph(ctx):
            relu_fn()
    st = ctx.stats()
    assert st["functions_compiled"] == 1 and st["function_cache_hits"] == 1


def test_concurrent_calls_of_one_function(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    k = te.reduce_axis((0, n), name="k")
    S = te.compute((), lambda: te.sum(A[k] * A[k], axis=k), name="S")
    f = tvmc.build([A, S])
    errors = []

    def work(seed):
        r = np.random.default_rng(seed)
        try:
            for _ in range(50):
                a = r.standard_normal(int(r.integers(1, 300))).astype("float32")
                np.testing.assert_allclose(f.run(a), (a.astype(np.float64) ** 2).sum(),
                                           rtol=1e-4)
        except BaseException as e:  # collected and re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_shared_graph_from_threads_is_serialised(graph):
    """Several threads building into one graph: the per-graph lock keeps the
    single-threaded C graph safe."""
    A = te.placeholder((64,), name="A")
    errors = []

    def work():
        try:
            e = A[0]
            for _ in range(300):
                e = e + 1.0
                e = e * 1.0
        except BaseException as ex:
            errors.append(ex)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and graph.failed is None


def test_default_graph_is_per_thread():
    seen = []

    def work():
        seen.append(tvmc.current_graph())
        seen.append(tvmc.current_graph())

    t1, t2 = threading.Thread(target=work), threading.Thread(target=work)
    t1.start(), t1.join(), t2.start(), t2.join()
    assert seen[0] is seen[1] and seen[2] is seen[3] and seen[0] is not seen[2]


def test_graph_context_manager_nesting(graph):
    assert tvmc.current_graph() is graph
    with tvmc.Graph() as inner:
        assert tvmc.current_graph() is inner
        x = te.var("x")
        assert x.graph is inner
    assert tvmc.current_graph() is graph
    # operands choose their graph, not the current one
    y = x + 1
    assert y.graph is inner and y.dtype == "int64"
    assert "x" in str(y) and "int64" in repr(y)
    tvmc.reset_default_graph()


def test_function_outlives_graph_and_context():
    ctx = tvmc.Context()
    g = tvmc.Graph(ctx)
    with g:
        f = relu_fn()
    del g, ctx
    gc.collect()
    np.testing.assert_array_equal(f.run(np.array([-3, 3], "float32")), [0, 3])


def test_many_graphs_and_functions_are_freed():
    for k in range(50):
        with tvmc.Graph():
            f = relu_fn("interp")
            f.run(np.zeros(3, "float32"))
    gc.collect()


def test_te_var_is_size_var():
    v, s = te.var("v"), te.size_var("s")
    assert v.kind == s.kind == "size_var" and v.dtype == s.dtype == "int64"
    assert v.name == "v"
