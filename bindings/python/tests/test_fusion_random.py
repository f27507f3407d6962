"""Random operator graphs, fused against unfused: each case chains 3-8 ops
from the operator library (elementwise with broadcasting, activations,
reductions with keepdims, softmax, layer_norm, matmul, transpose, reshape,
slice, pad, concat, expensive producers read several times) on random
shapes, then compiles it fused (default) and unfused (inline=False) on llvm
and fused on interp, and runs all three on the same inputs. Every output
must agree (a loose float32 tolerance: differently ordered sums of ill-conditioned
rows differ in the last bits; structural bugs give errors of order one), and the fused plan must never use more
workspace than the unfused one sums up. The numpy reference of each op is
tested elsewhere; this file hunts bugs in fusion, staging, hoisting and
memory planning, which only show on combinations. The seed is fixed per
case so a failure names its case."""
import numpy as np
import pytest

import tvmc
from tvmc import te, topi


def _shape(t):
    return tuple(int(d) for d in t.shape)


class Builder:
    """Grows a random graph; keeps (tensor, shape) pairs of float32 values."""

    def __init__(self, rng):
        self.rng = rng
        self.inputs = []
        self.pool = []

    def new_input(self, shape):
        t = te.placeholder(shape, name="in%d" % len(self.inputs))
        self.inputs.append(t)
        self.pool.append(t)
        return t

    def pick(self):
        # prefer recent tensors so graphs form chains with some branching
        k = len(self.pool)
        i = int(k - 1 - min(k - 1, self.rng.geometric(0.5) - 1))
        return self.pool[i]

    def step(self):
        r = self.rng
        x = self.pick()
        s = _shape(x)
        kind = r.integers(0, 13)
        if kind == 0:  # binary with broadcasting against a fresh or reduced operand
            bs = tuple(d if r.random() < 0.6 else 1 for d in s)
            y = self.new_input(bs) if r.random() < 0.5 else topi.max(x, axis=len(s) - 1,
                                                                      keepdims=True)
            op = [topi.add, topi.subtract, topi.multiply, topi.maximum][r.integers(0, 4)]
            out = op(x, y)
        elif kind == 1:
            out = [topi.relu, topi.tanh, topi.sigmoid, topi.gelu, topi.exp][r.integers(0, 5)](
                topi.clip(x, -4.0, 4.0))
        elif kind == 2 and len(s) >= 1:
            ax = int(r.integers(0, len(s)))
            red = [topi.sum, topi.max, topi.mean][r.integers(0, 3)]
            out = red(x, axis=ax, keepdims=bool(r.random() < 0.7))
        elif kind == 3 and len(s) >= 1:
            out = topi.softmax(x, axis=int(r.integers(0, len(s))))
        elif kind == 4 and len(s) >= 1:
            out = topi.layer_norm(x, axis=-1, epsilon=1e-2)  # bounded amplification
        elif kind == 5 and len(s) == 2:
            k = s[1]
            w = self.new_input((int(r.integers(1, 9)), k))
            out = topi.dense(x, w)
        elif kind == 6 and len(s) >= 2:
            perm = list(r.permutation(len(s)))
            out = topi.transpose(x, [int(p) for p in perm])
        elif kind == 7 and len(s) >= 1:
            n = int(np.prod(s))
            out = topi.reshape(x, (n,)) if r.random() < 0.5 else topi.reshape(x, (-1, s[-1]))
        elif kind == 8 and len(s) >= 1:
            ax = int(r.integers(0, len(s)))
            if s[ax] >= 2:
                out = topi.strided_slice(x, [1], [s[ax]], axes=[ax])
            else:
                out = topi.negative(x)
        elif kind == 9 and len(s) >= 1:
            before = [int(r.integers(0, 2)) for _ in s]
            after = [int(r.integers(0, 2)) for _ in s]
            out = topi.pad(x, before, after, pad_value=0.5)
        elif kind == 10 and len(s) >= 1:
            out = topi.concatenate([x, topi.exp(topi.clip(x, -3.0, 3.0))], axis=len(s) - 1)
        elif kind == 11:
            # an expensive producer read at several places and broadcast
            e = topi.exp(topi.clip(x, -3.0, 3.0))
            out = topi.add(e, topi.sum(e, axis=len(s) - 1, keepdims=True)) if s else e
        else:
            out = topi.multiply(x, x)
        if int(np.prod(_shape(out))) > 4096 or len(_shape(out)) == 0:
            return
        self.pool.append(out)


def _case(seed):
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    nd = int(rng.integers(1, 4))
    b.new_input(tuple(int(rng.integers(1, 9)) for _ in range(nd)))
    for _ in range(int(rng.integers(3, 9))):
        b.step()
    outs = [b.pool[-1]]
    if len(b.pool) > 3 and rng.random() < 0.3 and b.pool[-2] not in b.inputs:
        outs.append(b.pool[-2])  # an intermediate that is also an output
    arrays = [rng.uniform(-2, 2, _shape(t)).astype(np.float32) for t in b.inputs]
    return b.inputs, outs, arrays


def _run(inputs, outs, arrays, **kw):
    f = tvmc.build(list(inputs) + list(outs), **kw)
    res = [np.zeros(_shape(o), np.float32) for o in outs]
    f(*arrays, *res)
    return res, f.plan()


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("TVMC_FUSION_CASES", "200"))))
def test_random_graph_fused_equals_unfused(seed):
    inputs, outs, arrays = _case(seed)
    fused, pf = _run(inputs, outs, arrays)
    unfused, pu = _run(inputs, outs, arrays, inline=False)
    interp, _ = _run(inputs, outs, arrays, target="interp")
    for a, b, c in zip(fused, unfused, interp):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)
        np.testing.assert_allclose(a, c, rtol=1e-3, atol=1e-3)
    assert pf["num_kernels"] <= pu["num_kernels"]
    assert pf["peak_live_bytes"] <= pf["workspace_bytes"] <= pf["intermediate_bytes"]
    assert pu["peak_live_bytes"] <= pu["workspace_bytes"] <= pu["intermediate_bytes"]
