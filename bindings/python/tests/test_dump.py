"""Function.dump(stage): the text of each compilation stage (tvm_function_dump)."""

import numpy as np
import pytest

import tvmc
from tvmc import te


def two_kernels(target="llvm", n=None):
    """B = exp(A) + 1 fused into C = sum_k B[i, k]; D = C * 2 (elementwise)."""
    m = 8 if n is None else n
    A = te.placeholder((m, 4), name="A")
    B = te.compute((m, 4), lambda i, j: A[i, j] + 1.0, name="B")
    k = te.reduce_axis((0, 4), name="k")
    C = te.compute((m,), lambda i: te.sum(B[i, k], axis=k), name="C")
    D = te.compute((m,), lambda i: C[i] * 2.0, name="D")
    return tvmc.build([A, D], target=target)


def test_dump_every_stage_llvm():
    f = two_kernels("llvm")
    graph = f.dump("graph")
    assert graph == f.source("graph")
    assert "placeholder A" in graph and "compute D" in graph
    fused = f.dump("fused")
    assert fused.startswith("// fusion:")
    kernels = [line for line in fused.splitlines() if line.startswith("kernel ")]
    # one kernel stores D; B and C are evaluated inside it
    assert kernels == ["kernel 0: D <- B, C"]
    assert f.dump("loop") == f.source("loop")
    assert "for" in f.dump("loop")
    llvm = f.dump("llvm")
    assert "define" in llvm
    assert ".text" in f.dump("asm")
    assert f.dump() == f.dump("loop")


def test_dump_fused_without_inlining():
    A = te.placeholder((8, 4), name="A")
    B = te.compute((8, 4), lambda i, j: A[i, j] + 1.0, name="B")
    D = te.compute((8, 4), lambda i, j: B[i, j] * 2.0, name="D")
    f = tvmc.build([A, D], target="interp", inline=False)
    kernels = [line for line in f.dump("fused").splitlines() if line.startswith("kernel ")]
    assert kernels == ["kernel 0: B", "kernel 1: D"]


def test_dump_result_matches_run():
    # the dump must not disturb the function: it still computes sum(A+1)*2
    f = two_kernels("llvm")
    f.dump("asm")
    a = np.arange(32, dtype="float32").reshape(8, 4)
    out = f.run(a)
    np.testing.assert_array_equal(out, ((a + 1.0).sum(axis=1) * 2.0).astype("float32"))


def test_dump_interp_has_no_machine_code():
    f = two_kernels("interp")
    assert "for" in f.dump("loop")
    assert f.dump("fused").startswith("// fusion:")
    for stage in ("llvm", "asm"):
        with pytest.raises(tvmc.UnsupportedError, match="tvm_function_dump"):
            f.dump(stage)


def test_dump_symbolic_needs_a_call_for_llvm():
    n = te.var("n")
    f = two_kernels("llvm", n)
    assert "for" in f.dump("loop")          # the symbolic template
    with pytest.raises(tvmc.InvalidArgumentError, match="tvm_function_dump"):
        f.dump("llvm")
    f.run(np.zeros((5, 4), "float32"))
    assert "define" in f.dump("llvm")
    assert "5" in f.dump("loop")


def test_dump_bad_stage():
    f = two_kernels("interp")
    with pytest.raises(tvmc.InvalidArgumentError, match="bogus"):
        f.dump("bogus")
    with pytest.raises(tvmc.InvalidArgumentError, match="NUL"):
        f.dump("loop\0")
    with pytest.raises(TypeError):
        f.dump(3)
    with pytest.raises(TypeError):
        f.dump(None)
