# %% [markdown]
# # tvmc from Python: a notebook-style walk-through
#
# Cells are separated by `# %%` (VS Code / Jupytext / Spyder run them one by one);
# the whole file also runs as a script from the repository root:
#
#     /usr/bin/python3 examples/notebook.py
#
# We build tensor expressions with TVM-style `te` names, look at the IR tvmc makes
# at each stage, run the JIT-compiled kernels on numpy arrays (zero-copy) and time
# them against numpy.

# %% Setup: find the package and the library in this checkout
import os
import sys
import timeit

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
os.environ.setdefault("TVMC_LIBRARY", os.path.join(REPO, "build", "libtvmc.so"))

import numpy as np  # noqa: E402

import tvmc  # noqa: E402
from tvmc import te  # noqa: E402

print("tvmc runtime", tvmc.runtime_version(), "from", tvmc.library_path())
print("worker threads:", tvmc.Context.default().num_threads)


def bench(fn, repeat=5, number=None):
    """Best time per call in milliseconds."""
    if number is None:
        t = timeit.timeit(fn, number=1)
        number = max(1, int(0.05 / max(t, 1e-7)))
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number * 1e3


# %% [markdown]
# ## 1. An elementwise expression: `C = relu(A + B)`
#
# `te.var` makes a symbolic size: one compiled function serves every length.

# %%
n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.placeholder((n,), name="B")
C = te.compute((n,), lambda i: te.max(A[i] + B[i], 0.0), name="C")
print(C, "=", C.op.body)

f = tvmc.build([A, B, C], target="llvm")   # inputs first, outputs last (TVM order)
print(f)

# %% [markdown]
# ## 2. Inspect the IR
#
# `graph` is the tensor IR; `loop` the loop IR (the symbolic template until the
# first call specialises it); `llvm` and `asm` the code of the latest specialisation.

# %%
print(f.source("graph"))
print(f.source("loop"))

# %% Run once: the call specialises the kernel for n = 1024
a = np.random.default_rng(0).standard_normal(1024).astype("float32")
b = np.random.default_rng(1).standard_normal(1024).astype("float32")
c = np.empty_like(a)
f(a, b, c)                                   # writes c in place, no copies
assert np.array_equal(c, np.maximum(a + b, 0))

print(f.source("loop"))
llvm = f.source("llvm")
print("\n".join(llvm.splitlines()[:25]), "\n  ...")
asm = f.source("asm")
print("\n".join(l for l in asm.splitlines() if l.strip() and not l.strip().startswith("."))[:1500])

# %% [markdown]
# ## 3. Run on other sizes, and allocate outputs with `run`

# %%
for size in (1, 7, 100_000):
    x = np.arange(size, dtype="float32") - size / 2
    y = np.ones(size, dtype="float32")
    out = f.run(x, y)                        # new numpy array
    assert np.array_equal(out, np.maximum(x + y, 0))
print("sizes OK; cache:", tvmc.Context.default().stats())

# %% [markdown]
# ## 4. Time it against numpy
#
# numpy makes a temporary for `a + b`; the fused tvmc kernel reads each input once.

# %%
N = 1 << 22
a = np.random.default_rng(2).standard_normal(N).astype("float32")
b = np.random.default_rng(3).standard_normal(N).astype("float32")
c = np.empty_like(a)
tmp = np.empty_like(a)


def numpy_relu_add():
    np.add(a, b, out=tmp)
    np.maximum(tmp, 0, out=c)


t_tvmc = bench(lambda: f(a, b, c))
t_np = bench(numpy_relu_add)
print("relu(a + b), %d floats: tvmc %.3f ms, numpy %.3f ms (numpy/tvmc = %.2fx)"
      % (N, t_tvmc, t_np, t_np / t_tvmc))

# %% [markdown]
# ## 5. Reductions: matrix multiply with `te.sum` over a `te.reduce_axis`

# %%
M, K, P = te.var("M"), te.var("K"), te.var("P")
X = te.placeholder((M, K), name="X")
W = te.placeholder((K, P), name="W")
k = te.reduce_axis((0, K), name="k")
Y = te.compute((M, P), lambda i, j: te.sum(X[i, k] * W[k, j], axis=k), name="Y")
matmul = tvmc.build([X, W, Y])

x = np.random.default_rng(4).standard_normal((256, 256)).astype("float32")
w = np.random.default_rng(5).standard_normal((256, 256)).astype("float32")
y = matmul.run(x, w)
np.testing.assert_allclose(y, x @ w, rtol=1e-4, atol=1e-4)
print("matmul 256^3: tvmc %.3f ms, numpy (BLAS) %.3f ms"
      % (bench(lambda: matmul(x, w, y)), bench(lambda: x @ w)))

# %% [markdown]
# ## 6. Softmax: four computes, fused by tvmc
#
# max for stability, exp, sum, divide; each row is independent.

# %%
rows, cols = te.var("rows"), te.var("cols")
S = te.placeholder((rows, cols), name="S")
k1 = te.reduce_axis((0, cols), name="k1")
row_max = te.compute((rows,), lambda i: te.max(S[i, k1], axis=k1), name="row_max")
E = te.compute((rows, cols), lambda i, j: te.exp(S[i, j] - row_max[i]), name="E")
k2 = te.reduce_axis((0, cols), name="k2")
row_sum = te.compute((rows,), lambda i: te.sum(E[i, k2], axis=k2), name="row_sum")
Soft = te.compute((rows, cols), lambda i, j: E[i, j] / row_sum[i], name="softmax")
softmax = tvmc.build([S, Soft])


def np_softmax(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


s = (np.random.default_rng(6).standard_normal((512, 1000)) * 3).astype("float32")
out = softmax.run(s)
np.testing.assert_allclose(out, np_softmax(s), rtol=1e-5, atol=1e-7)
print(softmax.source("graph"))
buf = np.empty_like(s)
# inline=False materialises E instead of recomputing exp() in both consumers
softmax_mat = tvmc.build([S, Soft], inline=False)
print("softmax 512x1000: tvmc %.3f ms (inline=False: %.3f ms), numpy %.3f ms"
      % (bench(lambda: softmax(s, buf)), bench(lambda: softmax_mat(s, buf)),
         bench(lambda: np_softmax(s))))

# %% [markdown]
# ## 7. The reference interpreter agrees

# %%
softmax_interp = tvmc.build([S, Soft], target="interp")
small = s[:8, :50].copy()
np.testing.assert_allclose(softmax_interp.run(small), softmax.run(small), rtol=1e-6)
print("interp == llvm on softmax")

# %% [markdown]
# ## 8. Mistakes are exceptions, before any copy or kernel runs

# %%
for bad, why in [((a[::2], b[::2], c[::2]), "strided views"),
                 ((a.astype("float64"), b, c), "float64 input"),
                 ((a[:10], b[:11], c[:10]), "mismatched sizes")]:
    try:
        f(*bad)
    except tvmc.TVMError as e:
        print("%-16s -> %s: %s" % (why, type(e).__name__, e))
