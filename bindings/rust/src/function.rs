//! [`Function`]: a compiled graph, and [`CompileOptions`].

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use crate::array::{Array, AsDlTensor, AsDlTensorMut};
use crate::dtype::{DType, Element};
use crate::error::{check, Error, Result, Status};
use crate::parallel::HostPool;
use crate::schedule::Schedule;
use crate::sys;

/// Optimisation level (`TVM_OPT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptLevel {
    /// The library's default (O3).
    Default,
    O0,
    O1,
    O2,
    O3,
}

// (manual impl: `#[default]` on enum variants needs Rust 1.62)
#[allow(clippy::derivable_impls)]
impl Default for OptLevel {
    fn default() -> OptLevel {
        OptLevel::Default
    }
}

impl OptLevel {
    fn raw(self) -> i32 {
        match self {
            OptLevel::Default => sys::TVM_OPT_DEFAULT,
            OptLevel::O0 => sys::TVM_OPT_O0,
            OptLevel::O1 => sys::TVM_OPT_O1,
            OptLevel::O2 => sys::TVM_OPT_O2,
            OptLevel::O3 => sys::TVM_OPT_O3,
        }
    }
}

/// Options for [`Graph::compile`](crate::Graph::compile). The default
/// compiles for the host CPU ("llvm") at O3 with IEEE semantics and the
/// default schedules. The lifetime is that of the [`Schedule`] the options
/// may borrow (`'static` when there is none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions<'s> {
    /// `None` or `"llvm"` (host CPU), `"llvm -mcpu=NAME -mattr=+a,-b"`, or
    /// `"interp"` (the reference interpreter).
    pub target: Option<String>,
    pub opt_level: OptLevel,
    /// `TVM_COMPILE_*` bits.
    pub flags: u32,
    /// A schedule of the compiled graph for these outputs, or `None`.
    pub schedule: Option<&'s Schedule<'s>>,
}

impl<'s> CompileOptions<'s> {
    pub fn new() -> CompileOptions<'s> {
        CompileOptions::default()
    }

    pub fn target(mut self, target: &str) -> CompileOptions<'s> {
        self.target = Some(target.to_string());
        self
    }

    pub fn opt_level(mut self, level: OptLevel) -> CompileOptions<'s> {
        self.opt_level = level;
        self
    }

    /// Compile with `schedule` (made for the compiled graph and outputs;
    /// [`Graph::compile`](crate::Graph::compile) reports
    /// [`Status::InvalidArgument`] for another graph's).
    pub fn schedule<'t>(self, schedule: &'t Schedule<'t>) -> CompileOptions<'t>
    where
        's: 't,
    {
        CompileOptions {
            target: self.target,
            opt_level: self.opt_level,
            flags: self.flags,
            schedule: Some(schedule),
        }
    }

    fn flag(mut self, bit: u32, on: bool) -> CompileOptions<'s> {
        if on {
            self.flags |= bit;
        } else {
            self.flags &= !bit;
        }
        self
    }

    /// Relax the IEEE rules (no NaN/Inf guarantees, reassociation and
    /// contraction allowed).
    pub fn fast_math(self, on: bool) -> CompileOptions<'s> {
        self.flag(sys::TVM_COMPILE_FAST_MATH, on)
    }

    /// Materialise every compute (no fusion).
    pub fn no_inline(self, on: bool) -> CompileOptions<'s> {
        self.flag(sys::TVM_COMPILE_NO_INLINE, on)
    }

    /// Do not reuse an identical compiled graph from the context's cache.
    pub fn no_cache(self, on: bool) -> CompileOptions<'s> {
        self.flag(sys::TVM_COMPILE_NO_CACHE, on)
    }

    /// `TVM_COMPILE_RELEASE_CONSTANTS`, for "compile once, then drop the
    /// graph": while compiling, free the bytes of every graph constant the
    /// function does not read itself because everything computed from it
    /// was folded (a weight whose transposed or packed copy the function
    /// holds instead). The constant stays in the graph without its data; a
    /// later compile of the graph that reads it fails with
    /// `Status::InvalidArgument` naming it (an identical compile still finds
    /// the cached function). Functions compiled earlier are unaffected.
    pub fn release_constants(self, on: bool) -> CompileOptions<'s> {
        self.flag(sys::TVM_COMPILE_RELEASE_CONSTANTS, on)
    }

    /// Calls `f` with the C options struct (valid during the call).
    pub(crate) fn with_raw<R>(&self, f: impl FnOnce(&sys::tvm_compile_options) -> R) -> Result<R> {
        let target =
            match &self.target {
                Some(t) => Some(CString::new(t.as_str()).map_err(|_| {
                    Error::new(Status::InvalidArgument, "the target string contains a NUL byte")
                })?),
                None => None,
            };
        let raw = sys::tvm_compile_options {
            struct_size: std::mem::size_of::<sys::tvm_compile_options>(),
            target: target.as_ref().map_or(ptr::null(), |t| t.as_ptr()),
            opt_level: self.opt_level.raw(),
            flags: self.flags,
            schedule: self.schedule.map_or(ptr::null(), |s| s.as_raw() as *const sys::tvm_schedule),
        };
        Ok(f(&raw))
    }
}

/// How a compiled function is laid out (`tvm_kernel_plan`): the kernels
/// (fused loop nests) one call runs and the memory its intermediates need.
/// Useful to see what fusion did: compiling with
/// [`CompileOptions::no_inline`] gives one kernel per compute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KernelPlan {
    /// Loop nests run per call.
    pub num_kernels: usize,
    /// Tensors stored between kernels.
    pub num_intermediates: usize,
    /// Planned peak workspace: intermediates share memory by liveness.
    pub workspace_bytes: u64,
    /// The sum of every intermediate's size (no sharing).
    pub intermediate_bytes: u64,
    /// The most bytes of intermediates alive at one time: no plan can use
    /// less than this.
    pub peak_live_bytes: u64,
}

/// A compiled function. Immutable: it may be called from any number of
/// threads at once (`Send + Sync`), and cloning it takes another reference
/// (`tvm_function_retain`). It does not borrow the context or the graph it
/// came from.
///
/// Arguments are the compile-time inputs, then the outputs.
#[derive(Debug)]
pub struct Function {
    raw: NonNull<sys::tvm_function>,
    nin: usize,
    nout: usize,
    /// The host parallel-for of the context, which its calls may use.
    host: Option<Arc<HostPool>>,
}

// SAFETY: tvmc.h: "A tvm_function is immutable and callable from any thread
// at once; retain/release are atomic."
unsafe impl Send for Function {}
unsafe impl Sync for Function {}

impl Function {
    /// Takes ownership of one reference to `raw`.
    ///
    /// # Safety
    /// `raw` must be a valid function handle whose reference the caller
    /// gives away. A function of a context made with
    /// [`Context::with_parallel_for`](crate::Context::with_parallel_for)
    /// calls that context's pool, which this function does not keep alive:
    /// take such functions from [`Graph::compile`](crate::Graph::compile).
    pub unsafe fn from_raw(raw: NonNull<sys::tvm_function>) -> Result<Function> {
        let mut nin: c_int = 0;
        let mut nout: c_int = 0;
        let s = sys::tvm_function_num_args(raw.as_ptr(), &mut nin, &mut nout);
        if s != sys::TVM_OK {
            let e = Error::from_last(s);
            sys::tvm_function_release(raw.as_ptr());
            return Err(e);
        }
        Ok(Function { raw, nin: nin.max(0) as usize, nout: nout.max(0) as usize, host: None })
    }

    pub(crate) fn with_host(mut self, host: Option<Arc<HostPool>>) -> Function {
        self.host = host;
        self
    }

    /// The raw handle (the reference stays owned by `self`).
    pub fn as_raw(&self) -> *mut sys::tvm_function {
        self.raw.as_ptr()
    }

    pub fn num_inputs(&self) -> usize {
        self.nin
    }

    pub fn num_outputs(&self) -> usize {
        self.nout
    }

    /// dtype and rank of argument `index` (inputs, then outputs).
    pub fn arg_info(&self, index: usize) -> Result<(DType, usize)> {
        let idx = c_int::try_from(index).unwrap_or(c_int::MAX);
        let mut dt: sys::tvm_dtype = 0;
        let mut nd: c_int = 0;
        // SAFETY: valid handle and out pointers; the index is checked in C.
        check(unsafe { sys::tvm_function_arg_info(self.raw.as_ptr(), idx, &mut dt, &mut nd) })?;
        let dtype = DType::from_raw(dt).ok_or_else(|| {
            Error::new(Status::Unsupported, format!("argument {} has unknown dtype code {}", index, dt))
        })?;
        Ok((dtype, nd.max(0) as usize))
    }

    fn check_counts(&self, nin: usize, nout: Option<usize>) -> Result<()> {
        if nin != self.nin || nout.map_or(false, |n| n != self.nout) {
            let got = match nout {
                Some(n) => format!("{} inputs and {} outputs", nin, n),
                None => format!("{} inputs", nin),
            };
            return Err(Error::new(
                Status::InvalidArgument,
                format!(
                    "the function takes {} inputs and {} outputs but was given {}",
                    self.nin, self.nout, got
                ),
            ));
        }
        Ok(())
    }

    /// Runs the function: reads `inputs`, writes `outputs` in place.
    ///
    /// ```no_run
    /// # fn demo(f: &tvmc::Function) -> tvmc::Result<()> {
    /// use tvmc::Array;
    /// let a = Array::from_vec(&[3], vec![1.0f32, -2.0, 3.0])?;
    /// let b = Array::from_vec(&[3], vec![1.0f32, 1.0, 1.0])?;
    /// let mut c = Array::<f32>::zeros(&[3])?;
    /// f.call(&[&a, &b], &mut [&mut c])?;
    /// # Ok(()) }
    /// ```
    ///
    /// Every check (counts, dtypes, ranks, shapes, size variables, bounds)
    /// happens before any kernel runs; on error nothing is written.
    pub fn call(&self, inputs: &[&dyn AsDlTensor], outputs: &mut [&mut dyn AsDlTensorMut]) -> Result<()> {
        self.check_counts(inputs.len(), Some(outputs.len()))?;
        let mut dls: Vec<sys::DLTensor> = Vec::with_capacity(inputs.len() + outputs.len());
        dls.extend(inputs.iter().map(|t| t.as_dl_tensor()));
        dls.extend(outputs.iter_mut().map(|t| t.as_dl_tensor_mut()));
        let ptrs: Vec<*mut sys::DLTensor> = dls.iter_mut().map(|d| d as *mut sys::DLTensor).collect();
        let n = c_int::try_from(ptrs.len())
            .map_err(|_| Error::new(Status::InvalidArgument, "too many arguments"))?;
        // SAFETY: exactly nin read-only inputs then nout exclusive outputs, all
        // valid while `inputs`/`outputs` are borrowed (trait contracts).
        check(unsafe { sys::tvm_function_call(self.raw.as_ptr(), ptrs.as_ptr(), n) })
    }

    /// The shape of output `index` for inputs of these shapes (only their
    /// shapes are read). `Status::Shape` if a size variable of that output
    /// is not determined by the inputs.
    pub fn output_shape(&self, inputs: &[&dyn AsDlTensor], index: usize) -> Result<Vec<i64>> {
        self.check_counts(inputs.len(), None)?;
        let mut dls: Vec<sys::DLTensor> = inputs.iter().map(|t| t.as_dl_tensor()).collect();
        let ptrs: Vec<*mut sys::DLTensor> = dls.iter_mut().map(|d| d as *mut sys::DLTensor).collect();
        let idx = c_int::try_from(index).unwrap_or(c_int::MAX);
        let mut shape = [0i64; sys::TVM_MAX_NDIM];
        let mut nd: c_int = 0;
        // SAFETY: nin input pointers, a TVM_MAX_NDIM shape buffer.
        check(unsafe {
            sys::tvm_function_output_shape(self.raw.as_ptr(), ptrs.as_ptr(), idx, shape.as_mut_ptr(), &mut nd)
        })?;
        let nd = (nd.max(0) as usize).min(sys::TVM_MAX_NDIM);
        Ok(shape[..nd].to_vec())
    }

    /// Runs the function on `inputs` and returns newly allocated outputs,
    /// which must all have element type `T` (`Status::Dtype` otherwise).
    pub fn run<T: Element>(&self, inputs: &[&dyn AsDlTensor]) -> Result<Vec<Array<T>>> {
        self.check_counts(inputs.len(), None)?;
        let mut outs = Vec::with_capacity(self.nout);
        for k in 0..self.nout {
            let (dt, _) = self.arg_info(self.nin + k)?;
            if dt != T::DTYPE {
                return Err(Error::new(
                    Status::Dtype,
                    format!("output {} has dtype {} but run::<{}> was asked for", k, dt, T::DTYPE),
                ));
            }
            outs.push(Array::<T>::zeros(&self.output_shape(inputs, k)?)?);
        }
        {
            let mut out_refs: Vec<&mut dyn AsDlTensorMut> =
                outs.iter_mut().map(|a| a as &mut dyn AsDlTensorMut).collect();
            self.call(inputs, &mut out_refs)?;
        }
        Ok(outs)
    }

    /// The layout of the latest shape specialisation (or the only one, for
    /// constant shapes): kernels, intermediates, workspace.
    /// `Status::InvalidArgument` when the function has size variables and
    /// has not been called yet (there is no specialisation to describe).
    ///
    /// ```no_run
    /// # fn main() -> tvmc::Result<()> {
    /// use tvmc::{ops, CompileOptions, Context, DType};
    /// let ctx = Context::new()?;
    /// let g = ctx.graph()?;
    /// let x = g.placeholder("x", DType::F32, &[4, 8]);
    /// let y = ops::relu(&ops::exp(&x)?)?;
    /// let fused = g.compile(&[x], &[y], &CompileOptions::default())?;
    /// assert_eq!(fused.plan()?.num_kernels, 1);
    /// # Ok(()) }
    /// ```
    pub fn plan(&self) -> Result<KernelPlan> {
        let mut p = sys::tvm_kernel_plan {
            struct_size: std::mem::size_of::<sys::tvm_kernel_plan>(),
            ..Default::default()
        };
        // SAFETY: valid handle; p is a plan struct with its size set.
        check(unsafe { sys::tvm_function_plan(self.raw.as_ptr(), &mut p) })?;
        let bytes = |v: i64| v.max(0) as u64;
        Ok(KernelPlan {
            num_kernels: p.num_kernels.max(0) as usize,
            num_intermediates: p.num_intermediates.max(0) as usize,
            workspace_bytes: bytes(p.workspace_bytes),
            intermediate_bytes: bytes(p.intermediate_bytes),
            peak_live_bytes: bytes(p.peak_live_bytes),
        })
    }

    /// Source at a stage: `"graph"` (tensor IR), `"loop"` (loop IR),
    /// `"llvm"` (optimised LLVM IR) or `"asm"` (machine assembly).
    pub fn source(&self, kind: &str) -> Result<String> {
        let kind = CString::new(kind)
            .map_err(|_| Error::new(Status::InvalidArgument, "the source kind contains a NUL byte"))?;
        let mut text: *mut c_char = ptr::null_mut();
        // SAFETY: valid handle, string and out pointer.
        check(unsafe { sys::tvm_function_source(self.raw.as_ptr(), kind.as_ptr(), &mut text) })?;
        if text.is_null() {
            return Ok(String::new());
        }
        // SAFETY: NUL-terminated text owned by us until tvm_free.
        let s = unsafe { CStr::from_ptr(text).to_string_lossy().into_owned() };
        unsafe { sys::tvm_free(text as *mut c_void) };
        Ok(s)
    }
}

impl Function {
    /// The text of one compilation stage (`tvm_function_dump`): `"graph"`
    /// (the tensor graph as compiled), `"fused"` (one line per kernel: the
    /// stored tensor and the computes evaluated inside it), `"loop"` (loop
    /// IR), `"llvm"` (optimised LLVM IR) or `"asm"` (native assembly).
    /// `"llvm"` and `"asm"` need the llvm target ([`Status::Unsupported`] on
    /// interp) and, with size variables, a first call
    /// ([`Status::InvalidArgument`] before). The formats are for reading.
    ///
    /// ```
    /// use tvmc::{CompileOptions, Context, DType};
    /// let ctx = Context::new()?;
    /// let g = ctx.graph()?;
    /// let a = g.placeholder("A", DType::F32, &[4]);
    /// let b = g.compute("B", &[4], |i| a.at(i) * 2.0);
    /// let c = g.compute("C", &[4], |i| b.at(i) + 1.0);
    /// let f = g.compile(&[a], &[c], &CompileOptions::new().target("interp"))?;
    /// assert!(f.dump("fused")?.contains("kernel 0: C <- B"));
    /// assert!(f.dump("loop")?.contains("for"));
    /// # Ok::<(), tvmc::Error>(())
    /// ```
    pub fn dump(&self, stage: &str) -> Result<String> {
        let stage = CString::new(stage)
            .map_err(|_| Error::new(Status::InvalidArgument, "the stage name contains a NUL byte"))?;
        let mut needed: usize = 0;
        // SAFETY: valid handle and string; a NULL buffer of capacity 0 asks
        // for the size only.
        check(unsafe {
            sys::tvm_function_dump(self.raw.as_ptr(), stage.as_ptr(), ptr::null_mut(), 0, &mut needed)
        })?;
        loop {
            let mut buf = vec![0u8; needed.max(1)];
            let cap = buf.len();
            // SAFETY: buf holds cap writable bytes.
            let s = unsafe {
                sys::tvm_function_dump(
                    self.raw.as_ptr(),
                    stage.as_ptr(),
                    buf.as_mut_ptr() as *mut c_char,
                    cap,
                    &mut needed,
                )
            };
            // Another thread's call may have made a larger specialisation
            // between the two calls: try again with the new size.
            if s == sys::TVM_ERR_LIMIT && needed > cap {
                continue;
            }
            check(s)?;
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            buf.truncate(end);
            return Ok(String::from_utf8_lossy(&buf).into_owned());
        }
    }
}

impl Clone for Function {
    fn clone(&self) -> Function {
        // SAFETY: valid handle; retain is atomic.
        let s = unsafe { sys::tvm_function_retain(self.raw.as_ptr()) };
        if s != sys::TVM_OK {
            panic!("tvm_function_retain failed: {}", Error::from_last(s));
        }
        Function { raw: self.raw, nin: self.nin, nout: self.nout, host: self.host.clone() }
    }
}

/// A constant-shape function's kernel behind a plain C function with one
/// data pointer per argument (inputs, then outputs) and no checks: see
/// `tvm_function_entry` in tvmc.h for what the caller must guarantee.
/// Holds a reference to its function.
pub struct Entry {
    raw: NonNull<sys::tvm_entry>,
    code: unsafe extern "C" fn(),
    nargs: usize,
    /// Kept alive like a [`Function`]'s: the kernel may call the host pool.
    _host: Option<Arc<HostPool>>,
}

// SAFETY: tvmc.h: "an entry may be called from any thread, concurrently".
unsafe impl Send for Entry {}
unsafe impl Sync for Entry {}

impl Function {
    /// The direct entry point (`Status::Unsupported` for functions with size
    /// variables).
    pub fn entry(&self) -> Result<Entry> {
        let mut raw: *mut sys::tvm_entry = ptr::null_mut();
        let mut code: sys::tvm_entry_fn = None;
        // SAFETY: valid handle and out pointers.
        check(unsafe { sys::tvm_function_entry(self.raw.as_ptr(), &mut raw, &mut code) })?;
        match (NonNull::new(raw), code) {
            (Some(raw), Some(code)) => {
                Ok(Entry { raw, code, nargs: self.nin + self.nout, _host: self.host.clone() })
            }
            _ => Err(Error::new(Status::Internal, "tvm_function_entry returned no entry")),
        }
    }
}

impl Entry {
    /// The kernel's address, to be transmuted to
    /// `unsafe extern "C" fn(*mut T0, ..., *mut Tn) -> i32`.
    pub fn code(&self) -> unsafe extern "C" fn() {
        self.code
    }

    /// Calls the kernel with `ptrs[i]` the data of argument i.
    ///
    /// # Safety
    /// Every pointer addresses the whole tensor of argument i's compiled
    /// shape and dtype; outputs overlap nothing else.
    pub unsafe fn call(&self, ptrs: &[*mut c_void]) -> Result<()> {
        type P = *mut c_void;
        let c = self.code as *const ();
        let rc: i32 = match *ptrs {
            _ if ptrs.len() != self.nargs => {
                return Err(Error::new(Status::InvalidArgument, "Entry::call: wrong number of pointers"))
            }
            [a] => std::mem::transmute::<*const (), unsafe extern "C" fn(P) -> i32>(c)(a),
            [a, b] => std::mem::transmute::<*const (), unsafe extern "C" fn(P, P) -> i32>(c)(a, b),
            [a, b, d] => {
                std::mem::transmute::<*const (), unsafe extern "C" fn(P, P, P) -> i32>(c)(a, b, d)
            }
            [a, b, d, e] => std::mem::transmute::<*const (), unsafe extern "C" fn(P, P, P, P) -> i32>(c)(
                a, b, d, e,
            ),
            _ => {
                return Err(Error::new(Status::Unsupported, "Entry::call: more than 4 arguments: use code()"))
            }
        };
        check(rc)
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: we own the entry.
        unsafe { sys::tvm_entry_destroy(self.raw.as_ptr()) }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::tvm_function_release(self.raw.as_ptr()) }
    }
}
