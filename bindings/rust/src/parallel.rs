//! A host-provided parallel-for (`tvm_context_options.parallel_for`): lets a
//! program that already owns worker threads run tvmc's parallel loops on
//! them instead of tvmc's own pool ([`Context::with_parallel_for`]).
//!
//! The C contract asks the host to run every index of `[0, n)` exactly once
//! and to return only after all ranges ran; breaking it would be a data
//! race inside a kernel. So the safe wrapper checks it: [`ParallelTask::run`]
//! refuses ranges outside `[0, n)` or overlapping one already run, and the
//! kernel call fails (`Status::Internal`, as tvmc.h says for a failed host
//! parallel-for) unless the ranges covered everything. The task is only
//! borrowed by the host, so it cannot be run after `parallel_for` returns.
//!
//! [`Context::with_parallel_for`]: crate::Context::with_parallel_for

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::{Error, Result, Status};
use crate::sys;

/// A host thread pool that runs tvmc's parallel loops.
///
/// tvmc calls [`ParallelFor::parallel_for`] from the thread that called the
/// function, once per parallel loop, with a task of `task.len() >= 2`
/// indices. The implementation calls [`ParallelTask::run`] for ranges that
/// together cover `[0, task.len())` exactly once, from any threads, in any
/// order and concurrently (at most `max_chunks` ranges are useful: that is
/// the context's thread count), and returns `true` once every range has
/// run, or `false` if it could not run them (the kernel call then fails).
/// Running all of it in one `task.run(0, task.len())` on the calling thread
/// is correct. Results are bitwise identical however the work is split.
pub trait ParallelFor: Send + Sync {
    fn parallel_for(&self, task: &ParallelTask<'_>, max_chunks: usize) -> bool;
}

/// One parallel loop handed to a [`ParallelFor`]: `run(begin, end)` runs
/// the loop's indices `begin..end`. `Sync`: share it with scoped threads.
pub struct ParallelTask<'a> {
    f: unsafe extern "C" fn(*mut c_void, i64, i64),
    task: *mut c_void,
    n: i64,
    /// begin -> end of every range run so far (the exactly-once check)
    ranges: Mutex<BTreeMap<i64, i64>>,
    refused: AtomicBool,
    _call: PhantomData<&'a ()>,
}

// SAFETY: tvmc.h: the host may call fn(task, begin, end) "from any threads,
// in any order and concurrently"; `run` hands each index out once.
unsafe impl Send for ParallelTask<'_> {}
unsafe impl Sync for ParallelTask<'_> {}

impl fmt::Debug for ParallelTask<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParallelTask").field("len", &self.n).finish()
    }
}

impl ParallelTask<'_> {
    /// The number of indices, `n`: the ranges must cover `[0, n)`.
    #[allow(clippy::len_without_is_empty)] // never empty: tvmc passes n >= 2
    pub fn len(&self) -> i64 {
        self.n
    }

    /// Runs indices `begin..end` of the loop. `InvalidArgument` (and the
    /// kernel call will fail) for a range outside `[0, len)` or one that
    /// overlaps a range already run; an empty range does nothing.
    pub fn run(&self, begin: i64, end: i64) -> Result<()> {
        if begin < 0 || end < begin || end > self.n {
            return self.refuse(format!("ParallelTask::run({}, {}): outside [0, {})", begin, end, self.n));
        }
        if begin == end {
            return Ok(());
        }
        {
            let mut ranges = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
            let before = ranges.range(..end).next_back().map(|(&b, &e)| (b, e));
            if let Some((b, e)) = before.filter(|&(_, e)| e > begin) {
                drop(ranges);
                return self.refuse(format!(
                    "ParallelTask::run({}, {}): overlaps the range {}..{} already run",
                    begin, end, b, e
                ));
            }
            ranges.insert(begin, end);
        }
        // SAFETY: f and task come from tvmc for this call, which has not
        // returned (self is borrowed from it); this range is handed out once.
        unsafe { (self.f)(self.task, begin, end) };
        Ok(())
    }

    fn refuse(&self, message: String) -> Result<()> {
        self.refused.store(true, Ordering::SeqCst);
        Err(Error::new(Status::InvalidArgument, message))
    }

    /// Every index ran exactly once and nothing was refused.
    fn complete(&self) -> bool {
        let ranges = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
        !self.refused.load(Ordering::SeqCst) && ranges.iter().map(|(b, e)| e - b).sum::<i64>() == self.n
    }
}

/// What the context's `parallel_user` points to; kept alive by the context
/// and by every function and entry compiled in it (the C context lives as
/// long as its functions and calls the host through it).
pub(crate) struct HostPool {
    pub(crate) pool: Box<dyn ParallelFor>,
}

impl fmt::Debug for HostPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostPool")
    }
}

/// The `tvm_parallel_for_fn` given to C: runs the host's pool on one loop.
/// Never unwinds into C: a panic is a failed parallel-for.
pub(crate) unsafe extern "C" fn trampoline(
    user: *mut c_void,
    n: i64,
    f: sys::tvm_parallel_task,
    task: *mut c_void,
    max_chunks: c_int,
) -> c_int {
    let f = match f {
        Some(f) if !user.is_null() => f,
        _ => return 1,
    };
    // SAFETY: user is the HostPool the context was created with, alive
    // while any function of the context is (see HostPool).
    let host = &*(user as *const HostPool);
    let t = ParallelTask {
        f,
        task,
        n,
        ranges: Mutex::new(BTreeMap::new()),
        refused: AtomicBool::new(false),
        _call: PhantomData,
    };
    let chunks = usize::try_from(max_chunks).unwrap_or(1).max(1);
    match catch_unwind(AssertUnwindSafe(|| host.pool.parallel_for(&t, chunks))) {
        Ok(true) if t.complete() => 0,
        _ => 1,
    }
}
