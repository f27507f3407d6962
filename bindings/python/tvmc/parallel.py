"""A host-provided parallel-for (``tvm_context_options.parallel_for``).

``tvmc.Context(parallel_for=f)`` runs the context's parallel loops through
``f(n, run, max_chunks)`` instead of tvmc's own thread pool: ``f`` calls
``run(begin, end)`` for ranges that together cover ``range(n)`` exactly once,
from any threads (a ``concurrent.futures`` executor, say), and returns once
they have all run.  ``run`` releases the GIL while the kernel works, so the
ranges really run in parallel.

The C contract would make a range run twice, or one run after ``f``
returned, a data race inside the kernel; from Python that must be an
exception, never a crash.  So ``run`` refuses (InvalidArgumentError) a range
outside ``[0, n)``, one that overlaps a range already run, and any call
after ``f`` returned; ``f`` returning while a range still runs waits for it;
and the kernel call fails (InternalError, with ``f``'s exception as its
``__cause__``) when ``f`` raised, refused a range or left indices out.
"""

import ctypes
import threading

from .error import InternalError, InvalidArgumentError

# void (*tvm_parallel_task)(void *task, int64_t begin, int64_t end)
TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
# int (*tvm_parallel_for_fn)(void *user, int64_t n, tvm_parallel_task fn, void *task,
#                            int max_chunks); fn arrives as an address
PARALLEL_FOR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                ctypes.c_void_p, ctypes.c_int)


class _Loop:
    """One parallel loop: hands out each index once, counts what ran."""

    def __init__(self, fn, task, n):
        self._fn, self._task, self.n = fn, task, n
        self._cond = threading.Condition()
        self._taken = bytearray(n)   # 1 where an index has been handed out
        self._done = 0               # indices handed out
        self._active = 0             # ranges running now
        self._closed = False         # the host's parallel_for has returned
        self.refused = None          # the first refusal's message

    def _refuse(self, msg):
        if self.refused is None:
            self.refused = msg
        raise InvalidArgumentError(msg)

    def run(self, begin, end):
        """Runs indices ``begin .. end - 1`` of the loop."""
        for name, v in (("begin", begin), ("end", end)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError("run: %s must be an int, got %s" % (name, type(v).__name__))
        with self._cond:
            if self._closed:
                self._refuse("run(%d, %d): called after parallel_for returned" % (begin, end))
            if not 0 <= begin <= end <= self.n:
                self._refuse("run(%d, %d): outside [0, %d)" % (begin, end, self.n))
            if begin == end:
                return
            hit = self._taken.find(1, begin, end)
            if hit >= 0:
                self._refuse("run(%d, %d): index %d already ran" % (begin, end, hit))
            self._taken[begin:end] = b"\x01" * (end - begin)
            self._done += end - begin
            self._active += 1
        try:
            self._fn(self._task, begin, end)   # a foreign call: the GIL is released
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def close(self):
        """No more ranges; waits for those still running (the kernel's
        memory must outlive them)."""
        with self._cond:
            self._closed = True
            while self._active:
                self._cond.wait()


def make_callback(host, errors):
    """The C callback running ``host(n, run, max_chunks)``; a failure's
    exception goes to ``errors.exc`` (thread-local: tvmc calls the callback
    on the thread that called the function)."""

    def parallel_for(user, n, fn, task, max_chunks):
        try:
            if not fn:
                raise InternalError("parallel_for: tvmc passed no task function")
            loop = _Loop(TASK(fn), task, n)
            try:
                host(n, loop.run, max_chunks)
            finally:
                loop.close()
            if loop.refused is not None:
                raise InvalidArgumentError(loop.refused)
            if loop._done != n:
                raise InternalError("parallel_for ran %d of the loop's %d indices" % (loop._done, n))
            return 0
        except BaseException as e:  # never let an exception unwind into C
            errors.exc = e
            return 1

    return PARALLEL_FOR(parallel_for)
