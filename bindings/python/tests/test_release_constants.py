"""tvmc.build(release_constants=True) (TVM_COMPILE_RELEASE_CONSTANTS): a
weight read only through a folded transpose loses its bytes during the
build, the function still computes x + W^T + K (numpy), and a later build of
the same graph that reads the weight raises InvalidArgumentError naming it,
while builds that do not need it (or the identical, cached one) still work.
Without the flag the same second build succeeds, so the failure is the
flag's doing."""

import numpy as np
import pytest

import tvmc
from tvmc import te, topi

R, C = 4, 5


def _model(rng):
    w = rng.uniform(-2, 2, size=(C, R)).astype("float32")
    k = rng.uniform(-2, 2, size=(R, C)).astype("float32")
    X = te.placeholder((R, C), name="X")
    W = te.const_tensor(w, name="W")
    K = te.const_tensor(k, name="K")
    WT = topi.transpose(W)   # computed from a constant only: folded at compile time
    out = topi.add(topi.add(X, WT), K)
    return X, WT, K, out, w, k


@pytest.mark.parametrize("target", ["llvm", "interp"])
def test_result_is_right(rng, target):
    X, _, _, out, w, k = _model(rng)
    f = tvmc.build([X, out], target=target, release_constants=True, cache=False)
    x = rng.uniform(-2, 2, size=(R, C)).astype("float32")
    np.testing.assert_allclose(f.run(x), x + w.T + k, rtol=1e-6, atol=1e-6)


def test_second_build_needing_the_released_weight_fails(rng):
    X, WT, K, out, w, k = _model(rng)
    f = tvmc.build([X, out], release_constants=True)
    # the identical computation is answered from the cache: no bytes needed
    again = tvmc.build([X, out])
    x = rng.uniform(-2, 2, size=(R, C)).astype("float32")
    np.testing.assert_allclose(again.run(x), x + w.T + k, rtol=1e-6, atol=1e-6)
    # W^T read by the kernel itself (an output: not folded) needs W's bytes
    direct = topi.add(X, WT)
    with pytest.raises(tvmc.InvalidArgumentError) as e:
        tvmc.build([X, direct])
    assert e.value.status == 1  # TVM_ERR_INVALID_ARGUMENT
    msg = str(e.value)
    assert "constant 'W'" in msg and "released" in msg, msg
    assert "TVM_COMPILE_RELEASE_CONSTANTS" in msg, msg
    # a computation that does not need W still builds: the graph is not failed
    xk = topi.add(X, K)
    np.testing.assert_allclose(tvmc.build([X, xk]).run(x), x + k, rtol=1e-6)
    # the first function is unaffected
    np.testing.assert_allclose(f.run(x), x + w.T + k, rtol=1e-6, atol=1e-6)


def test_without_the_flag_the_weight_stays(rng):
    X, WT, _, out, w, _ = _model(rng)
    tvmc.build([X, out], cache=False)
    direct = topi.add(X, WT)
    x = rng.uniform(-2, 2, size=(R, C)).astype("float32")
    np.testing.assert_allclose(tvmc.build([X, direct]).run(x), x + w.T, rtol=1e-6)
