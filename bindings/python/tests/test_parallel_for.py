"""tvmc.Context(parallel_for=f) (tvm_context_options.parallel_for): a kernel
with a parallel loop runs its ranges through the host's executor threads,
with numpy's result and the bits of tvmc's own pool; host functions that
raise, run a range twice, run outside the loop, leave indices out or run a
range after returning make the call raise InternalError (chained to the
cause) instead of computing a wrong or racy result; a function outliving
its context still reaches the host."""

import concurrent.futures
import gc
import threading

import numpy as np
import pytest

import tvmc
from tvmc import te

ROWS, COLS = 64, 33


def _build(ctx):
    with tvmc.Graph(ctx):
        A = te.placeholder((ROWS, COLS), name="A")
        B = te.placeholder((ROWS, COLS), name="B")
        C = te.compute((ROWS, COLS), lambda i, j: A[i, j] * 2.0 + B[i, j], name="C")
        s = te.create_schedule(C.op)
        s[C].parallel(C.op.axis[0])
        return tvmc.build([A, B, C], schedule=s)


def _inputs():
    a = (np.arange(ROWS * COLS) % 19 - 9).astype("float32").reshape(ROWS, COLS)
    b = (np.arange(ROWS * COLS) % 7 * 0.5).astype("float32").reshape(ROWS, COLS)
    return a, b


class Executor:
    """A host pool: every range on an executor thread; records what it saw."""

    def __init__(self, workers=8):
        self.pool = concurrent.futures.ThreadPoolExecutor(workers)
        self.calls, self.threads, self.callers = 0, set(), set()

    def __call__(self, n, run, max_chunks):
        self.calls += 1
        self.callers.add(threading.get_ident())
        k = min(n, max_chunks)
        # every range waits for the others: k ranges on k distinct threads
        # (an idle executor thread would otherwise take several in turn)
        together = threading.Barrier(k, timeout=30)

        def one(c):
            self.threads.add(threading.get_ident())
            together.wait()
            run(n * c // k, n * (c + 1) // k)

        for fut in [self.pool.submit(one, c) for c in range(k)]:
            fut.result()


def test_loops_run_on_the_host_threads():
    host = Executor()
    ctx = tvmc.Context(num_threads=4, parallel_for=host)
    assert ctx.num_threads == 4
    f = _build(ctx)
    a, b = _inputs()
    np.testing.assert_array_equal(f.run(a, b), a * 2 + b)
    assert host.calls >= 1, "the host parallel_for was never called"
    assert host.callers == {threading.get_ident()}   # from the calling thread
    assert len(host.threads) >= 2 and threading.get_ident() not in host.threads


def test_same_bits_as_tvmc_own_pool():
    a, b = _inputs()
    own = _build(tvmc.Context(num_threads=2)).run(a, b)
    serial = _build(tvmc.Context(num_threads=4,
                                 parallel_for=lambda n, run, k: run(0, n))).run(a, b)

    def backwards(n, run, k):
        for i in reversed(range(n)):
            run(i, i + 1)
    back = _build(tvmc.Context(num_threads=4, parallel_for=backwards)).run(a, b)
    assert own.tobytes() == serial.tobytes() == back.tobytes()


class Boom(Exception):
    pass


def _raises(n, run, k):
    raise Boom("the host pool broke")


def _twice(n, run, k):
    run(0, n)
    run(n // 2, n // 2 + 1)


def _outside(n, run, k):
    run(0, n)
    run(n, n + 1)


def _leaves_out(n, run, k):
    run(1, n)


def _not_ints(n, run, k):
    run(0.0, n)


@pytest.mark.parametrize("host, cause, words", [
    (_raises, Boom, "the host pool broke"),
    (_twice, tvmc.InvalidArgumentError, "already ran"),
    (_outside, tvmc.InvalidArgumentError, "outside [0, "),
    (_leaves_out, tvmc.InternalError, "indices"),
    (_not_ints, TypeError, "begin must be an int"),
])
def test_broken_hosts_fail_the_call(host, cause, words):
    f = _build(tvmc.Context(num_threads=4, parallel_for=host))
    a, b = _inputs()
    with pytest.raises(tvmc.InternalError, match="parallel_for") as e:
        f.run(a, b)
    assert isinstance(e.value.__cause__, cause), repr(e.value.__cause__)
    assert words in str(e.value.__cause__)
    # the next call fails again the same way, with a fresh cause
    with pytest.raises(tvmc.InternalError) as e2:
        f(a, b, np.empty((ROWS, COLS), "float32"))
    assert isinstance(e2.value.__cause__, cause)


def test_a_range_run_after_returning_is_refused():
    late = []

    def host(n, run, k):
        run(0, n)
        late.append(run)

    f = _build(tvmc.Context(num_threads=4, parallel_for=host))
    a, b = _inputs()
    np.testing.assert_array_equal(f.run(a, b), a * 2 + b)
    with pytest.raises(tvmc.InvalidArgumentError, match="after parallel_for returned"):
        late[0](0, 1)


def test_returning_early_waits_for_running_ranges():
    """A host that does not wait for its workers: the call still waits for
    every range it started before the kernel's memory goes."""
    pool = concurrent.futures.ThreadPoolExecutor(2)
    started = threading.Event()

    def host(n, run, k):
        def slow():
            started.set()
            run(0, n)
        pool.submit(slow)
        started.wait()

    f = _build(tvmc.Context(num_threads=4, parallel_for=host))
    a, b = _inputs()
    # may fail when the range was not yet handed out as the host returned
    # (then it is refused and the call fails): never a wrong result
    try:
        out = f.run(a, b)
    except tvmc.InternalError:
        return
    np.testing.assert_array_equal(out, a * 2 + b)


def test_function_outlives_its_context():
    host = Executor()
    f = _build(tvmc.Context(num_threads=3, parallel_for=host))
    gc.collect()
    before = host.calls
    a, b = _inputs()
    np.testing.assert_array_equal(f.run(a, b), a * 2 + b)
    assert host.calls > before


def test_not_callable():
    with pytest.raises(TypeError, match="parallel_for must be callable"):
        tvmc.Context(parallel_for=3)
