//! [`Context`]: the compiler instance (thread pool, caches).

use std::os::raw::c_void;
use std::ptr::{self, NonNull};
use std::sync::Arc;

use crate::error::{check, Error, Result, Status};
use crate::graph::Graph;
use crate::parallel::{trampoline, HostPool, ParallelFor};
use crate::sys;

/// Options for [`Context::with_options`]. Zero means "the default" for
/// every field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextOptions {
    /// Worker threads; 0 = one per physical core.
    pub num_threads: usize,
    /// Compiled graphs kept in the function cache; 0 = 256.
    pub function_cache_capacity: usize,
    /// Shape specialisations kept per function; 0 = 64.
    pub shape_cache_capacity: usize,
}

impl ContextOptions {
    pub fn new() -> ContextOptions {
        ContextOptions::default()
    }

    pub fn num_threads(mut self, n: usize) -> ContextOptions {
        self.num_threads = n;
        self
    }

    pub fn function_cache_capacity(mut self, n: usize) -> ContextOptions {
        self.function_cache_capacity = n;
        self
    }

    pub fn shape_cache_capacity(mut self, n: usize) -> ContextOptions {
        self.shape_cache_capacity = n;
        self
    }
}

/// The context's cache counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// `compile` calls that built a function.
    pub functions_compiled: u64,
    /// `compile` calls answered from the cache.
    pub function_cache_hits: u64,
    /// Shape specialisations compiled.
    pub kernels_compiled: u64,
    /// Calls that found their specialisation.
    pub kernel_cache_hits: u64,
    pub kernel_cache_evictions: u64,
}

/// A tvmc context: worker threads and compilation caches.
///
/// A context is shared by all threads (`Send + Sync`); wrap it in an `Arc`
/// or borrow it from scoped threads. [`Graph`]s borrow it, so it outlives
/// them; compiled [`Function`](crate::Function)s do not borrow it and stay
/// valid after it is dropped.
#[derive(Debug)]
pub struct Context {
    raw: NonNull<sys::tvm_context>,
    /// The host parallel-for, if any: graphs hand it to the functions they
    /// compile, since the C context (and its calls into the host) outlives
    /// this object while functions are alive.
    host: Option<Arc<HostPool>>,
}

// SAFETY: tvm.h: "A tvm_context is shared by all threads; every call taking
// one is safe to make concurrently."
unsafe impl Send for Context {}
unsafe impl Sync for Context {}

fn to_i32(v: usize, what: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| {
        Error::new(Status::InvalidArgument, format!("ContextOptions::{} ({}) is too large", what, v))
    })
}

impl Context {
    /// A context with default options.
    pub fn new() -> Result<Context> {
        Context::with_options(&ContextOptions::default())
    }

    /// A context with the given options.
    pub fn with_options(opts: &ContextOptions) -> Result<Context> {
        Context::create(opts, None)
    }

    /// A context whose parallel loops run on the host's threads through
    /// `pool` (`tvm_context_options.parallel_for`) instead of tvmc's own
    /// pool; `opts.num_threads` is then the most ranges a loop is split
    /// into (0: one per physical core). See [`ParallelFor`] for what the
    /// pool must do; a pool that fails, panics or does not cover a loop
    /// exactly once makes the kernel call fail with `Status::Internal`.
    ///
    /// ```
    /// use tvmc::{Context, ContextOptions, ParallelFor, ParallelTask};
    /// /// Two scoped threads, each running half of every loop.
    /// struct Halves;
    /// impl ParallelFor for Halves {
    ///     fn parallel_for(&self, task: &ParallelTask<'_>, _max_chunks: usize) -> bool {
    ///         let mid = task.len() / 2;
    ///         std::thread::scope(|s| {
    ///             let a = s.spawn(|| task.run(0, mid).is_ok());
    ///             let b = task.run(mid, task.len()).is_ok();
    ///             a.join().unwrap_or(false) && b
    ///         })
    ///     }
    /// }
    /// let ctx = Context::with_parallel_for(&ContextOptions::new().num_threads(2), Halves)?;
    /// assert_eq!(ctx.num_threads(), 2);
    /// # Ok::<(), tvmc::Error>(())
    /// ```
    pub fn with_parallel_for<P: ParallelFor + 'static>(opts: &ContextOptions, pool: P) -> Result<Context> {
        Context::create(opts, Some(Arc::new(HostPool { pool: Box::new(pool) })))
    }

    fn create(opts: &ContextOptions, host: Option<Arc<HostPool>>) -> Result<Context> {
        let o = sys::tvm_context_options {
            struct_size: std::mem::size_of::<sys::tvm_context_options>(),
            num_threads: to_i32(opts.num_threads, "num_threads")?,
            function_cache_capacity: to_i32(opts.function_cache_capacity, "function_cache_capacity")?,
            shape_cache_capacity: to_i32(opts.shape_cache_capacity, "shape_cache_capacity")?,
            flags: 0,
            parallel_for: host.as_ref().map(|_| trampoline as _),
            parallel_user: host.as_ref().map_or(ptr::null_mut(), |h| Arc::as_ptr(h) as *mut c_void),
        };
        let mut out: *mut sys::tvm_context = ptr::null_mut();
        // SAFETY: valid options struct and out pointer.
        check(unsafe { sys::tvm_context_create(&o, &mut out) })?;
        NonNull::new(out)
            .map(|raw| Context { raw, host })
            .ok_or_else(|| Error::new(Status::Internal, "tvm_context_create returned NULL"))
    }

    /// The raw handle (stays owned by `self`).
    pub fn as_raw(&self) -> *mut sys::tvm_context {
        self.raw.as_ptr()
    }

    /// Number of worker threads the context uses.
    pub fn num_threads(&self) -> usize {
        // SAFETY: valid context.
        let n = unsafe { sys::tvm_context_num_threads(self.raw.as_ptr()) };
        if n < 0 {
            0
        } else {
            n as usize
        }
    }

    /// The cache counters.
    pub fn stats(&self) -> Result<CacheStats> {
        let mut s = sys::tvm_cache_stats {
            struct_size: std::mem::size_of::<sys::tvm_cache_stats>(),
            ..Default::default()
        };
        // SAFETY: valid context and struct with struct_size set.
        check(unsafe { sys::tvm_context_stats(self.raw.as_ptr(), &mut s) })?;
        Ok(CacheStats {
            functions_compiled: s.functions_compiled,
            function_cache_hits: s.function_cache_hits,
            kernels_compiled: s.kernels_compiled,
            kernel_cache_hits: s.kernel_cache_hits,
            kernel_cache_evictions: s.kernel_cache_evictions,
        })
    }

    pub(crate) fn host(&self) -> Option<Arc<HostPool>> {
        self.host.clone()
    }

    /// A new, empty graph in this context (same as [`Graph::new`]).
    pub fn graph(&self) -> Result<Graph<'_>> {
        Graph::new(self)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: we own the handle; graphs borrowing it are gone (lifetimes),
        // functions keep their own reference to the code.
        unsafe { sys::tvm_context_destroy(self.raw.as_ptr()) }
    }
}
