//! Safe Rust bindings to **tvmc**, an embeddable tensor JIT compiler.
//!
//! Build tensor expressions in a [`Graph`], compile them into a
//! [`Function`], and call it on CPU tensors ([`Array`], or borrowed
//! [`TensorView`]s over slices and foreign DLPack memory, without copies).
//!
//! ```no_run
//! use tvmc::{Array, CompileOptions, Context, DType};
//!
//! # fn main() -> tvmc::Result<()> {
//! let ctx = Context::new()?;
//! let g = ctx.graph()?;
//! let n = g.size_var("n");
//! let a = g.placeholder("A", DType::F32, &[n]);
//! let b = g.placeholder("B", DType::F32, &[n]);
//! let c = g.compute("C", &[n], |i| (a.at(i) + b.at(i)).max(0.0));
//! let f = g.compile(&[a, b], &[c], &CompileOptions::default())?;
//!
//! let x = Array::from_vec(&[3], vec![1.0f32, -5.0, 2.0])?;
//! let y = Array::from_vec(&[3], vec![1.0f32, 1.0, 1.0])?;
//! let mut z = Array::<f32>::zeros(&[3])?;
//! f.call(&[&x, &y], &mut [&mut z])?;
//! assert_eq!(z.as_slice(), &[2.0, 0.0, 3.0]);
//! # Ok(()) }
//! ```
//!
//! # Errors
//! Fallible calls return [`Result`]; an [`Error`] carries the [`Status`]
//! and the library's message. Graph-building calls cannot fail on the spot
//! (operators return [`Expr`], not `Result`): as in the C API, the first
//! error is recorded on the graph, later builder calls yield null handles,
//! and the error comes out of [`Graph::compile`] or [`Graph::status`].
//! The [`ops`] functions build whole tensors and do return `Result`: the
//! error the C call recorded comes back at once (and stays on the graph).
//!
//! # Threads
//! Following `tvmc.h`: a [`Context`] is `Send + Sync`; a [`Graph`] is used
//! by one thread at a time (`Send`, not `Sync`), and its [`Expr`]s and
//! [`Tensor`]s borrow it; a [`Function`] is immutable, `Send + Sync`, and
//! cheap to clone (an atomic reference count). A function stays valid after
//! its graph and context are dropped.
//!
//! # Operators
//! The [`ops`] module wraps the operator library (softmax, conv2d, dense,
//! reshape, ...): functions on [`Tensor`]s returning `Result<Tensor>`.
//! Host functions can be called inside expressions with
//! [`Graph::call_extern`], and [`Function::plan`] tells how a compiled
//! function was fused into kernels.
//!
//! The raw C declarations are in [`sys`].

pub mod sys;

mod array;
mod context;
mod dtype;
mod error;
mod extern_fn;
mod function;
mod graph;
mod onnx;
pub mod ops;
mod parallel;
mod schedule;

pub use array::{Array, AsDlTensor, AsDlTensorMut, TensorView, TensorViewMut};
pub use context::{CacheStats, Context, ContextOptions};
pub use dtype::{DType, Element, BF16, F16};
pub use error::{Error, Result, Status};
pub use extern_fn::{ExternFn, ExternScalar};
pub use function::{CompileOptions, Entry, Function, KernelPlan, OptLevel};
pub use graph::{Expr, Graph, IntoDim, Operand, ReduceKind, Scalar, Tensor};
pub use onnx::{OnnxModel, OnnxOptions, OnnxValue};
pub use parallel::{ParallelFor, ParallelTask};
pub use schedule::{Axis, Schedule, Tiles};

/// Compile-time checks of the borrow and thread rules (doctests that must
/// not compile).
///
/// A graph is not `Sync`:
/// ```compile_fail
/// fn needs_sync<T: Sync>() {}
/// needs_sync::<tvmc::Graph<'static>>();
/// ```
/// Expressions and tensors borrow their graph, so they do not cross threads:
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// let ctx = tvmc::Context::new().unwrap();
/// let g = ctx.graph().unwrap();
/// needs_send(g.f32(1.0));
/// ```
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// let ctx = tvmc::Context::new().unwrap();
/// let g = ctx.graph().unwrap();
/// needs_send(g.placeholder("A", tvmc::DType::F32, &[2]));
/// ```
/// An expression cannot outlive its graph:
/// ```compile_fail
/// let ctx = tvmc::Context::new().unwrap();
/// let e = {
///     let g = ctx.graph().unwrap();
///     g.f32(1.0)
/// };
/// ```
/// A graph cannot outlive its context:
/// ```compile_fail
/// let g = {
///     let ctx = tvmc::Context::new().unwrap();
///     ctx.graph().unwrap()
/// };
/// ```
/// A schedule cannot outlive its graph:
/// ```compile_fail
/// let ctx = tvmc::Context::new().unwrap();
/// let s = {
///     let g = ctx.graph().unwrap();
///     let a = g.placeholder("A", tvmc::DType::F32, &[2]);
///     let c = g.compute("C", &[2], |i| a.at(i) + 1.0);
///     tvmc::Schedule::new(&g, &[c]).unwrap()
/// };
/// ```
/// and, like its graph, stays on one thread:
/// ```compile_fail
/// fn needs_send<T: Send>() {}
/// needs_send::<tvmc::Schedule<'static>>();
/// ```
/// Options that borrow a schedule cannot outlive it:
/// ```compile_fail
/// let ctx = tvmc::Context::new().unwrap();
/// let g = ctx.graph().unwrap();
/// let a = g.placeholder("A", tvmc::DType::F32, &[2]);
/// let c = g.compute("C", &[2], |i| a.at(i) + 1.0);
/// let o = {
///     let s = tvmc::Schedule::new(&g, &[c]).unwrap();
///     tvmc::CompileOptions::new().schedule(&s)
/// };
/// g.compile(&[a], &[c], &o).unwrap();
/// ```
/// A function needs neither (this one compiles):
/// ```no_run
/// let f = {
///     let ctx = tvmc::Context::new().unwrap();
///     let g = ctx.graph().unwrap();
///     let a = g.placeholder("A", tvmc::DType::F32, &[2]);
///     let c = g.compute("C", &[2], |i| a.at(i) + 1.0);
///     g.compile(&[a], &[c], &tvmc::CompileOptions::default()).unwrap()
/// };
/// fn needs_send_sync<T: Send + Sync + 'static>(_: T) {}
/// needs_send_sync(f);
/// ```
#[doc(hidden)]
pub mod compile_checks {}

/// The runtime library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> &'static str {
    // SAFETY: a static string.
    unsafe { error::static_str(sys::tvm_version()) }
}
