"""Fusion and memory planning through the operator library: how many
kernels each pattern compiles to (Function.plan()), that fused and unfused
(inline=False) builds agree with each other and with numpy, and that the
planned workspace lies between the live peak and the unshared sum."""
import math

import numpy as np
import pytest

import tvmc
from tvmc import te, topi

TARGETS = ["llvm", "interp"]


def _erf(x):
    return np.vectorize(math.erf)(x)


def _run(inputs, out, arrays, target, inline):
    f = tvmc.build(list(inputs) + [out], target=target, inline=inline)
    res = np.zeros(tuple(int(d) for d in out.shape), dtype=out.dtype)
    f(*arrays, res)
    plan = f.plan()
    assert plan["peak_live_bytes"] <= plan["workspace_bytes"] <= plan["intermediate_bytes"]
    return res, plan


def _check(inputs, out, arrays, ref, kernels, target, rtol=1e-4, atol=1e-5):
    fused, pf = _run(inputs, out, arrays, target, True)
    unfused, pu = _run(inputs, out, arrays, target, False)
    np.testing.assert_allclose(fused, ref, rtol=rtol, atol=atol)
    np.testing.assert_allclose(unfused, ref, rtol=rtol, atol=atol)
    assert pf["num_kernels"] == kernels, pf
    assert pu["num_kernels"] >= pf["num_kernels"]
    return pf, pu


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_ops_are_one_kernel(target, op, rng):
    x = te.placeholder((13, 57), name="x")
    y = getattr(topi, op)(x, axis=-1)
    a = rng.standard_normal((13, 57)).astype(np.float32) * 4
    e = np.exp(a - a.max(axis=1, keepdims=True))
    ref = e / e.sum(axis=1, keepdims=True)
    if op == "log_softmax":
        ref = np.log(ref)
    _check([x], y, [a], ref, 1, target)


@pytest.mark.parametrize("target", TARGETS)
def test_softmax_over_a_middle_axis(target, rng):
    x = te.placeholder((3, 11, 5), name="x")
    y = topi.softmax(x, axis=1)
    a = rng.standard_normal((3, 11, 5)).astype(np.float32)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    _check([x], y, [a], e / e.sum(axis=1, keepdims=True), 1, target)


@pytest.mark.parametrize("target", TARGETS)
def test_layer_norm_is_one_kernel(target, rng):
    x = te.placeholder((9, 64), name="x")
    g = te.placeholder((64,), name="g")
    b = te.placeholder((64,), name="b")
    y = topi.layer_norm(x, g, b, axis=-1, epsilon=1e-5)
    a = rng.standard_normal((9, 64)).astype(np.float32) + 3
    ga = rng.uniform(0.5, 2, 64).astype(np.float32)
    ba = rng.standard_normal(64).astype(np.float32)
    mu = a.mean(axis=1, keepdims=True)
    var = ((a - mu) ** 2).mean(axis=1, keepdims=True)
    ref = (a - mu) / np.sqrt(var + 1e-5) * ga + ba
    pf, _ = _check([x, g, b], y, [a, ga, ba], ref, 1, target)
    assert pf["workspace_bytes"] == 0


@pytest.mark.parametrize("target", TARGETS)
def test_dense_bias_gelu_is_one_kernel(target, rng):
    x = te.placeholder((7, 24), name="x")
    w = te.placeholder((40, 24), name="w")
    b = te.placeholder((40,), name="b")
    y = topi.gelu(topi.dense(x, w, b))
    a = rng.standard_normal((7, 24)).astype(np.float32)
    wa = rng.standard_normal((40, 24)).astype(np.float32) * 0.2
    ba = rng.standard_normal(40).astype(np.float32)
    h = a.astype(np.float64) @ wa.T + ba
    ref = 0.5 * h * (1 + _erf(h / math.sqrt(2)))
    pf, pu = _check([x, w, b], y, [a, wa, ba], ref, 1, target)
    assert pf["workspace_bytes"] == 0


@pytest.mark.parametrize("target", TARGETS)
def test_conv_bias_bn_relu_is_one_kernel(target, rng):
    x = te.placeholder((1, 3, 10, 10), name="x")
    w = te.placeholder((8, 3, 3, 3), name="w")
    bias = te.placeholder((8,), name="bias")
    s, sh, m, v = (te.placeholder((8,), name=n) for n in ("s", "sh", "m", "v"))
    y = topi.relu(topi.batch_norm(topi.conv2d(x, w, padding=1, bias=bias), s, sh, m, v,
                                  epsilon=1e-5))
    a = rng.standard_normal((1, 3, 10, 10)).astype(np.float32)
    wa = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3
    bias_a = rng.standard_normal(8).astype(np.float32)
    arrs = [rng.standard_normal(8).astype(np.float32) for _ in range(4)]
    arrs[3] = np.abs(arrs[3]) + 0.5
    ap = np.pad(a.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    conv = np.zeros((1, 8, 10, 10))
    for kh in range(3):
        for kw in range(3):
            conv += np.einsum("nchw,oc->nohw", ap[:, :, kh:kh + 10, kw:kw + 10], wa[:, :, kh, kw])
    ss, shh, mm, vv = (q.reshape(1, 8, 1, 1) for q in arrs)
    pre = conv + bias_a.reshape(1, 8, 1, 1)
    ref = np.maximum((pre - mm) / np.sqrt(vv + 1e-5) * ss + shh, 0)
    _check([x, w, bias, s, sh, m, v], y, [a, wa, bias_a] + arrs, ref, 1, target)


@pytest.mark.parametrize("target", TARGETS)
def test_two_matmuls_are_two_kernels(target, rng):
    # a kernel holds one contraction: a chain of two matmuls stays two kernels
    x = te.placeholder((6, 10), name="x")
    w1 = te.placeholder((12, 10), name="w1")
    w2 = te.placeholder((5, 12), name="w2")
    y = topi.dense(topi.relu(topi.dense(x, w1)), w2)
    a = rng.standard_normal((6, 10)).astype(np.float32)
    wa = rng.standard_normal((12, 10)).astype(np.float32)
    wb = rng.standard_normal((5, 12)).astype(np.float32)
    ref = np.maximum(a.astype(np.float64) @ wa.T, 0) @ wb.T
    pf, pu = _check([x, w1, w2], y, [a, wa, wb], ref, 2, target)
    assert pu["num_kernels"] > pf["num_kernels"]


def test_unfused_chain_reuses_workspace(rng):
    # every stage of a long elementwise chain stored (inline=False): only
    # two are ever alive, and the plan shares memory accordingly
    x = te.placeholder((4096,), name="x")
    y = x
    for _ in range(8):
        y = topi.tanh(y)
    a = rng.standard_normal(4096).astype(np.float32)
    _, plan = _run([x], y, [a], "llvm", False)
    assert plan["num_kernels"] == 8
    assert plan["num_intermediates"] == 7
    assert plan["intermediate_bytes"] == 7 * 4096 * 4
    assert plan["workspace_bytes"] == plan["peak_live_bytes"] == 2 * 4096 * 4


def test_constant_weight_transpose_is_folded(rng):
    w = rng.standard_normal((6, 9)).astype(np.float32)
    x = te.placeholder((4, 9), name="x")
    y = topi.matmul(x, topi.transpose(te.const_tensor(w, name="w")))
    a = rng.standard_normal((4, 9)).astype(np.float32)
    res, plan = _run([x], y, [a], "llvm", False)
    assert plan["num_kernels"] == 1  # the transpose ran at compile time
    np.testing.assert_allclose(res, a.astype(np.float64) @ w.T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("target", TARGETS)
def test_norm_read_under_a_pad_guard_is_stored(target, rng):
    # pad adds rows past the input: layer_norm's row statistics, if fused
    # into the padded consumer, would run for those rows too and read past
    # the input; they are stored instead (found by test_fusion_random)
    x = te.placeholder((2, 7), name="x")
    y = topi.pad(topi.layer_norm(x, axis=-1, epsilon=1e-2), [0, 0], [1, 0], pad_value=0.5)
    a = rng.standard_normal((2, 7)).astype(np.float32)
    mu = a.mean(axis=1, keepdims=True)
    ln = (a - mu) / np.sqrt(((a - mu) ** 2).mean(axis=1, keepdims=True) + 1e-2)
    ref = np.concatenate([ln, np.full((1, 7), 0.5)], axis=0)
    fused, pf = _run([x], y, [a], target, True)
    np.testing.assert_allclose(fused, ref, rtol=1e-4, atol=1e-5)
    assert pf["num_kernels"] == 2
