//! The graph builder: [`Graph`], [`Expr`] (with operator overloading) and
//! [`Tensor`].
//!
//! Builder calls never return `Result`: as in C, the first error is recorded
//! on the graph ("sticky"), every later builder call yields a null handle,
//! and the error surfaces from [`Graph::compile`] (or [`Graph::status`]).

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Rem, Sub};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use crate::array::checked_numel;
use crate::context::Context;
use crate::dtype::{DType, Element};
use crate::error::{check, Error, Result, Status};
use crate::function::{CompileOptions, Function};
use crate::parallel::HostPool;
use crate::sys;

type BinFn = unsafe extern "C" fn(*mut sys::tvm_graph, sys::tvm_expr, sys::tvm_expr) -> sys::tvm_expr;
type UnFn = unsafe extern "C" fn(*mut sys::tvm_graph, sys::tvm_expr) -> sys::tvm_expr;

pub(crate) const NULL_EXPR: sys::tvm_expr = sys::tvm_expr { id: 0 };
pub(crate) const NULL_TENSOR: sys::tvm_tensor = sys::tvm_tensor { id: 0 };

/// The kind of a reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceKind {
    Sum,
    Prod,
    Min,
    Max,
}

impl ReduceKind {
    fn raw(self) -> sys::tvm_reduce_kind {
        match self {
            ReduceKind::Sum => sys::TVM_REDUCE_SUM,
            ReduceKind::Prod => sys::TVM_REDUCE_PROD,
            ReduceKind::Min => sys::TVM_REDUCE_MIN,
            ReduceKind::Max => sys::TVM_REDUCE_MAX,
        }
    }
}

/// A graph of tensor expressions under construction.
///
/// A graph borrows its [`Context`]. It is used by one thread at a time: it
/// is `Send` but not `Sync`, and the [`Expr`]s and [`Tensor`]s built in it
/// borrow it (so they are neither). Builder methods take `&self`.
///
/// Errors in builder calls are sticky (see the module docs): check
/// [`Graph::status`] or let [`Graph::compile`] report them.
pub struct Graph<'ctx> {
    raw: NonNull<sys::tvm_graph>,
    /// First error found on the Rust side (mixing graphs, bad names or
    /// counts) while the C graph was still fine.
    rust_error: RefCell<Option<Error>>,
    /// The context's host parallel-for, for the functions compiled here.
    host: Option<Arc<HostPool>>,
    _ctx: PhantomData<&'ctx Context>,
}

// SAFETY: tvmc.h: "A tvm_graph is used by one thread at a time." Moving it
// to another thread is fine; it is !Sync (NonNull, RefCell), so `&Graph`
// (and thus Expr/Tensor) never crosses threads.
unsafe impl<'ctx> Send for Graph<'ctx> {}

impl<'ctx> fmt::Debug for Graph<'ctx> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph").field("raw", &self.raw).finish()
    }
}

impl<'ctx> Drop for Graph<'ctx> {
    fn drop(&mut self) {
        // SAFETY: we own the graph; exprs borrowing it are gone.
        unsafe { sys::tvm_graph_destroy(self.raw.as_ptr()) }
    }
}

/// Something that can be an operand of an expression operator: an [`Expr`]
/// of the same graph, or a Rust scalar, which becomes a constant of the
/// other operand's dtype (so `x + 1` works for float and integer `x`; a
/// value the dtype cannot hold is a sticky `InvalidArgument` error).
pub trait Operand<'g> {
    /// The operand as an expression in `like`'s graph, with `like`'s dtype
    /// for scalars.
    fn to_expr(self, like: Expr<'g>) -> Expr<'g>;
}

impl<'g> Operand<'g> for Expr<'g> {
    fn to_expr(self, _like: Expr<'g>) -> Expr<'g> {
        self
    }
}

macro_rules! int_operand {
    ($($t:ty),*) => {$(
        impl<'g> Operand<'g> for $t {
            fn to_expr(self, like: Expr<'g>) -> Expr<'g> {
                like.g.const_int(like.dtype_or(DType::I64), self as i64)
            }
        }
    )*};
}
int_operand!(i8, i16, i32, i64, u8, u16, u32, bool);

impl<'g> Operand<'g> for f32 {
    fn to_expr(self, like: Expr<'g>) -> Expr<'g> {
        like.g.const_float(like.dtype_or(DType::F32), self as f64)
    }
}

impl<'g> Operand<'g> for f64 {
    fn to_expr(self, like: Expr<'g>) -> Expr<'g> {
        like.g.const_float(like.dtype_or(DType::F64), self)
    }
}

/// Something usable as a dimension or an index: an int64 [`Expr`] (a size
/// variable, an iteration variable, ...) or a Rust integer (an int64
/// constant).
pub trait IntoDim<'g> {
    fn into_dim(self, g: &'g Graph<'g>) -> Expr<'g>;
}

impl<'g> IntoDim<'g> for Expr<'g> {
    fn into_dim(self, _g: &'g Graph<'g>) -> Expr<'g> {
        self
    }
}

macro_rules! int_dim {
    ($($t:ty),*) => {$(
        impl<'g> IntoDim<'g> for $t {
            fn into_dim(self, g: &'g Graph<'g>) -> Expr<'g> {
                match i64::try_from(self) {
                    Ok(v) => g.i64(v),
                    Err(_) => {
                        g.fail(Status::InvalidArgument, format!("dimension {} does not fit int64", self));
                        g.null_expr()
                    }
                }
            }
        }
    )*};
}
int_dim!(i32, i64, u32, usize);

impl<'ctx> Graph<'ctx> {
    /// A new, empty graph in `ctx`.
    pub fn new(ctx: &'ctx Context) -> Result<Graph<'ctx>> {
        // SAFETY: valid context; NULL result reports through tvm_last_error.
        let g = unsafe { sys::tvm_graph_create(ctx.as_raw()) };
        match NonNull::new(g) {
            Some(raw) => {
                Ok(Graph { raw, rust_error: RefCell::new(None), host: ctx.host(), _ctx: PhantomData })
            }
            None => Err(Error::new(Status::OutOfMemory, crate::error::last_error())),
        }
    }

    /// The raw handle (stays owned by `self`).
    pub fn as_raw(&self) -> *mut sys::tvm_graph {
        self.raw.as_ptr()
    }

    pub(crate) fn ptr(&self) -> *mut sys::tvm_graph {
        self.raw.as_ptr()
    }

    /// Records a Rust-side builder error, unless an earlier one (Rust or C)
    /// is already recorded.
    pub(crate) fn fail(&self, status: Status, message: String) {
        let mut slot = self.rust_error.borrow_mut();
        // SAFETY: valid graph.
        if slot.is_none() && unsafe { sys::tvm_graph_status(self.ptr()) } == sys::TVM_OK {
            *slot = Some(Error::new(status, message));
        }
    }

    pub(crate) fn null_expr<'g>(&'g self) -> Expr<'g> {
        Expr { g: self, raw: NULL_EXPR }
    }

    pub(crate) fn expr<'g>(&'g self, raw: sys::tvm_expr) -> Expr<'g> {
        Expr { g: self, raw }
    }

    pub(crate) fn tensor<'g>(&'g self, raw: sys::tvm_tensor) -> Tensor<'g> {
        Tensor { g: self, raw }
    }

    fn is_mine(&self, other: &Graph<'_>) -> bool {
        ptr::eq(self as *const Graph<'_> as *const u8, other as *const Graph<'_> as *const u8)
    }

    /// The raw handle of `e` if it belongs to this graph; otherwise records
    /// an error and gives the null handle.
    pub(crate) fn own(&self, e: Expr<'_>, what: &str) -> sys::tvm_expr {
        if self.is_mine(e.g) {
            e.raw
        } else {
            self.fail(Status::InvalidHandle, format!("{}: the expression belongs to another graph", what));
            NULL_EXPR
        }
    }

    pub(crate) fn own_tensor(&self, t: Tensor<'_>, what: &str) -> sys::tvm_tensor {
        if self.is_mine(t.g) {
            t.raw
        } else {
            self.fail(Status::InvalidHandle, format!("{}: the tensor belongs to another graph", what));
            NULL_TENSOR
        }
    }

    pub(crate) fn cname(&self, name: &str, what: &str) -> Option<CString> {
        match CString::new(name) {
            Ok(c) => Some(c),
            Err(_) => {
                self.fail(Status::InvalidArgument, format!("{}: name {:?} contains a NUL byte", what, name));
                None
            }
        }
    }

    fn check_ndim(&self, n: usize, what: &str) -> bool {
        if n > sys::TVM_MAX_NDIM {
            self.fail(
                Status::Shape,
                format!("{}: {} dimensions; at most {} are allowed", what, n, sys::TVM_MAX_NDIM),
            );
            return false;
        }
        true
    }

    fn dims<'g, D: IntoDim<'g> + Copy>(&'g self, shape: &[D], what: &str) -> Vec<sys::tvm_expr> {
        shape.iter().map(|&d| self.own(d.into_dim(self), what)).collect()
    }

    /// The first error a builder call hit on this graph, if any.
    pub fn status(&self) -> Result<()> {
        if let Some(e) = self.rust_error.borrow().as_ref() {
            return Err(e.clone());
        }
        // SAFETY: valid graph; the message is copied to tvm_last_error.
        check(unsafe { sys::tvm_graph_status(self.ptr()) })
    }

    // --- leaves ----------------------------------------------------------

    /// An integer (or bool, or float) constant of `dtype`. The value must
    /// fit the dtype.
    pub fn const_int<'g>(&'g self, dtype: DType, value: i64) -> Expr<'g> {
        // SAFETY: valid graph (errors are sticky in C).
        self.expr(unsafe { sys::tvm_const_int(self.ptr(), dtype.raw(), value) })
    }

    /// A float constant rounded to `dtype` (integer dtypes accept integral
    /// values in range).
    pub fn const_float<'g>(&'g self, dtype: DType, value: f64) -> Expr<'g> {
        // SAFETY: as above.
        self.expr(unsafe { sys::tvm_const_float(self.ptr(), dtype.raw(), value) })
    }

    pub fn f32<'g>(&'g self, v: f32) -> Expr<'g> {
        self.const_float(DType::F32, v as f64)
    }

    pub fn f64<'g>(&'g self, v: f64) -> Expr<'g> {
        self.const_float(DType::F64, v)
    }

    pub fn i32<'g>(&'g self, v: i32) -> Expr<'g> {
        self.const_int(DType::I32, v as i64)
    }

    pub fn i64<'g>(&'g self, v: i64) -> Expr<'g> {
        self.const_int(DType::I64, v)
    }

    pub fn boolean<'g>(&'g self, v: bool) -> Expr<'g> {
        self.const_int(DType::Bool, v as i64)
    }

    /// A constant of `T`'s dtype.
    pub fn scalar<'g, T: Scalar>(&'g self, v: T) -> Expr<'g> {
        v.constant(self)
    }

    /// A symbolic dimension (int64, >= 0), bound from the shapes of the
    /// tensors the compiled function is called with.
    pub fn size_var<'g>(&'g self, name: &str) -> Expr<'g> {
        match self.cname(name, "size_var") {
            // SAFETY: valid graph and string.
            Some(c) => self.expr(unsafe { sys::tvm_size_var(self.ptr(), c.as_ptr()) }),
            None => self.null_expr(),
        }
    }

    /// An iteration variable (int64) for [`Graph::compute_with`].
    pub fn iter_var<'g>(&'g self, name: &str) -> Expr<'g> {
        match self.cname(name, "iter_var") {
            // SAFETY: valid graph and string.
            Some(c) => self.expr(unsafe { sys::tvm_iter_var(self.ptr(), c.as_ptr()) }),
            None => self.null_expr(),
        }
    }

    /// A reduction axis ranging over `[0, extent)`; `extent` is an int64
    /// expression of constants and size variables (or a Rust integer).
    pub fn reduce_axis<'g, D: IntoDim<'g>>(&'g self, name: &str, extent: D) -> Expr<'g> {
        let ext = extent.into_dim(self);
        let ext = self.own(ext, "reduce_axis");
        match self.cname(name, "reduce_axis") {
            // SAFETY: valid graph, string and handle.
            Some(c) => self.expr(unsafe { sys::tvm_reduce_axis(self.ptr(), c.as_ptr(), ext) }),
            None => self.null_expr(),
        }
    }

    /// The element of `tensor` at `indices` (one integer index per
    /// dimension). Same as [`Tensor::at`].
    pub fn load<'g, D: IntoDim<'g> + Copy>(&'g self, tensor: Tensor<'g>, indices: &[D]) -> Expr<'g> {
        let t = self.own_tensor(tensor, "load");
        if !self.check_ndim(indices.len(), "load") {
            return self.null_expr();
        }
        // Always hand C a full TVM_MAX_NDIM buffer: it reads as many indices
        // as the tensor has dimensions.
        let mut buf = [NULL_EXPR; sys::TVM_MAX_NDIM];
        for (slot, &d) in buf.iter_mut().zip(indices) {
            *slot = self.own(d.into_dim(self), "load");
        }
        let mut nd: c_int = 0;
        // SAFETY: valid graph and out pointer.
        if unsafe { sys::tvm_tensor_info(self.ptr(), t, &mut nd, ptr::null_mut()) } == sys::TVM_OK
            && nd as usize != indices.len()
        {
            self.fail(
                Status::Shape,
                format!("load: the tensor has {} dimensions but {} indices were given", nd, indices.len()),
            );
            return self.null_expr();
        }
        // SAFETY: buf holds TVM_MAX_NDIM >= ndim handles.
        self.expr(unsafe { sys::tvm_load(self.ptr(), t, buf.as_ptr()) })
    }

    // --- functions of expressions ------------------------------------------

    /// `cond ? a : b` (only the chosen side is evaluated).
    pub fn select<'g, B: Operand<'g>>(&'g self, cond: Expr<'g>, a: Expr<'g>, b: B) -> Expr<'g> {
        let b = b.to_expr(a);
        let (c, a, b) = (self.own(cond, "select"), self.own(a, "select"), self.own(b, "select"));
        // SAFETY: valid graph and handles.
        self.expr(unsafe { sys::tvm_select(self.ptr(), c, a, b) })
    }

    /// `e` converted to `dtype`.
    pub fn cast<'g>(&'g self, dtype: DType, e: Expr<'g>) -> Expr<'g> {
        let e = self.own(e, "cast");
        // SAFETY: valid graph and handle.
        self.expr(unsafe { sys::tvm_cast(self.ptr(), dtype.raw(), e) })
    }

    /// Combines `body` over every point of the reduction `axes` (made by
    /// [`Graph::reduce_axis`]).
    pub fn reduce<'g>(&'g self, kind: ReduceKind, body: Expr<'g>, axes: &[Expr<'g>]) -> Expr<'g> {
        let b = self.own(body, "reduce");
        let ax: Vec<sys::tvm_expr> = axes.iter().map(|&a| self.own(a, "reduce")).collect();
        // C checks 1 <= naxes <= TVM_MAX_NDIM before reading the axes.
        let n = c_int::try_from(ax.len()).unwrap_or(c_int::MAX);
        // SAFETY: valid graph; ax holds n handles.
        self.expr(unsafe { sys::tvm_reduce(self.ptr(), kind.raw(), b, n, ax.as_ptr()) })
    }

    /// Sum of `body` over `axes`.
    pub fn sum<'g>(&'g self, body: Expr<'g>, axes: &[Expr<'g>]) -> Expr<'g> {
        self.reduce(ReduceKind::Sum, body, axes)
    }

    /// Product of `body` over `axes`.
    pub fn prod<'g>(&'g self, body: Expr<'g>, axes: &[Expr<'g>]) -> Expr<'g> {
        self.reduce(ReduceKind::Prod, body, axes)
    }

    /// Minimum of `body` over `axes`.
    pub fn reduce_min<'g>(&'g self, body: Expr<'g>, axes: &[Expr<'g>]) -> Expr<'g> {
        self.reduce(ReduceKind::Min, body, axes)
    }

    /// Maximum of `body` over `axes`.
    pub fn reduce_max<'g>(&'g self, body: Expr<'g>, axes: &[Expr<'g>]) -> Expr<'g> {
        self.reduce(ReduceKind::Max, body, axes)
    }

    // --- tensors -----------------------------------------------------------

    /// An input tensor of `dtype` and `shape` (int64 expressions of
    /// constants and size variables, or Rust integers).
    pub fn placeholder<'g, D: IntoDim<'g> + Copy>(
        &'g self,
        name: &str,
        dtype: DType,
        shape: &[D],
    ) -> Tensor<'g> {
        if !self.check_ndim(shape.len(), "placeholder") {
            return self.tensor(NULL_TENSOR);
        }
        let dims = self.dims(shape, "placeholder");
        match self.cname(name, "placeholder") {
            // SAFETY: valid graph, string, and dims.len() handles.
            Some(c) => self.tensor(unsafe {
                sys::tvm_placeholder(self.ptr(), c.as_ptr(), dtype.raw(), dims.len() as c_int, dims.as_ptr())
            }),
            None => self.tensor(NULL_TENSOR),
        }
    }

    /// A computed tensor: element `(i0, i1, ...)` is `body(&[i0, i1, ...])`
    /// for the indices ranging over `shape`. The closure receives fresh
    /// iteration variables (int64), one per dimension. The dtype is the
    /// body's.
    ///
    /// ```no_run
    /// # fn demo() -> tvmc::Result<()> {
    /// use tvmc::{Context, DType};
    /// let ctx = Context::new()?;
    /// let g = ctx.graph()?;
    /// let n = g.size_var("n");
    /// let a = g.placeholder("A", DType::F32, &[n]);
    /// let b = g.compute("B", &[n], |i| (a.at(&[i[0]]) * 2.0).max(0.0));
    /// # Ok(()) }
    /// ```
    pub fn compute<'g, D, F>(&'g self, name: &str, shape: &[D], body: F) -> Tensor<'g>
    where
        D: IntoDim<'g> + Copy,
        F: FnOnce(&[Expr<'g>]) -> Expr<'g>,
    {
        if !self.check_ndim(shape.len(), "compute") {
            return self.tensor(NULL_TENSOR);
        }
        let iters: Vec<Expr<'g>> = (0..shape.len()).map(|k| self.iter_var(&format!("i{}", k))).collect();
        let b = body(&iters);
        self.compute_with(name, shape, &iters, b)
    }

    /// A zero-dimensional computed tensor (one element), e.g. a full
    /// reduction: `g.compute_scalar("total", g.sum(a.at(&[k]), &[k]))`.
    pub fn compute_scalar<'g>(&'g self, name: &str, body: Expr<'g>) -> Tensor<'g> {
        self.compute_with::<i64>(name, &[], &[], body)
    }

    /// A computed tensor with explicit iteration variables (made by
    /// [`Graph::iter_var`], one per dimension).
    pub fn compute_with<'g, D: IntoDim<'g> + Copy>(
        &'g self,
        name: &str,
        shape: &[D],
        iters: &[Expr<'g>],
        body: Expr<'g>,
    ) -> Tensor<'g> {
        if !self.check_ndim(shape.len(), "compute") {
            return self.tensor(NULL_TENSOR);
        }
        if iters.len() != shape.len() {
            self.fail(
                Status::InvalidArgument,
                format!("compute: {} iteration variables for {} dimensions", iters.len(), shape.len()),
            );
            return self.tensor(NULL_TENSOR);
        }
        let dims = self.dims(shape, "compute");
        let its: Vec<sys::tvm_expr> = iters.iter().map(|&e| self.own(e, "compute")).collect();
        let b = self.own(body, "compute");
        match self.cname(name, "compute") {
            // SAFETY: valid graph and string; dims and its hold ndim handles.
            Some(c) => self.tensor(unsafe {
                sys::tvm_compute(self.ptr(), c.as_ptr(), dims.len() as c_int, dims.as_ptr(), its.as_ptr(), b)
            }),
            None => self.tensor(NULL_TENSOR),
        }
    }

    /// A constant tensor (weights): `data` is row-major and copied.
    pub fn constant<'g, T: Element>(&'g self, name: &str, shape: &[i64], data: &[T]) -> Tensor<'g> {
        let bytes_len = std::mem::size_of_val(data);
        // SAFETY: Element types are plain data; we only read the bytes.
        let bytes = unsafe { std::slice::from_raw_parts(data.as_ptr() as *const u8, bytes_len) };
        self.constant_bytes(name, T::DTYPE, shape, bytes)
    }

    /// A constant tensor from raw little-endian element bytes (e.g. float16
    /// weights); `data.len()` must be the element count times the dtype size.
    pub fn constant_bytes<'g>(&'g self, name: &str, dtype: DType, shape: &[i64], data: &[u8]) -> Tensor<'g> {
        let numel = match checked_numel(shape) {
            Ok(n) => n,
            Err(e) => {
                self.fail(e.status(), format!("constant: {}", e.message()));
                return self.tensor(NULL_TENSOR);
            }
        };
        if numel.checked_mul(dtype.size()) != Some(data.len()) {
            self.fail(
                Status::Shape,
                format!(
                    "constant: shape {:?} of {} needs {} elements but {} bytes were given",
                    shape,
                    dtype,
                    numel,
                    data.len()
                ),
            );
            return self.tensor(NULL_TENSOR);
        }
        match self.cname(name, "constant") {
            // SAFETY: valid graph and string; data holds the product of shape
            // elements of dtype.
            Some(c) => self.tensor(unsafe {
                sys::tvm_constant(
                    self.ptr(),
                    c.as_ptr(),
                    dtype.raw(),
                    shape.len() as c_int,
                    shape.as_ptr(),
                    data.as_ptr() as *const c_void,
                )
            }),
            None => self.tensor(NULL_TENSOR),
        }
    }

    /// The text of the graph reachable from `tensors` (all tensors if the
    /// slice is empty).
    pub fn print(&self, tensors: &[Tensor<'_>]) -> Result<String> {
        let ts: Vec<sys::tvm_tensor> = tensors.iter().map(|&t| self.own_tensor(t, "print")).collect();
        self.status_of_rust()?;
        let n =
            c_int::try_from(ts.len()).map_err(|_| Error::new(Status::InvalidArgument, "too many tensors"))?;
        let mut text: *mut c_char = ptr::null_mut();
        // SAFETY: valid graph, n handles, out pointer.
        check(unsafe { sys::tvm_graph_print(self.ptr(), n, ts.as_ptr(), &mut text) })?;
        if text.is_null() {
            return Ok(String::new());
        }
        // SAFETY: NUL-terminated, ours until tvm_free.
        let s = unsafe { CStr::from_ptr(text).to_string_lossy().into_owned() };
        unsafe { sys::tvm_free(text as *mut c_void) };
        Ok(s)
    }

    fn status_of_rust(&self) -> Result<()> {
        match self.rust_error.borrow().as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Compiles the computation of `outputs` (computes) from `inputs`
    /// (placeholders). The function's arguments are the inputs, then the
    /// outputs. Reports the graph's first builder error, if any. The graph
    /// may be dropped afterwards; the function stays valid.
    pub fn compile(
        &self,
        inputs: &[Tensor<'_>],
        outputs: &[Tensor<'_>],
        opts: &CompileOptions,
    ) -> Result<Function> {
        let ins: Vec<sys::tvm_tensor> = inputs.iter().map(|&t| self.own_tensor(t, "compile")).collect();
        let outs: Vec<sys::tvm_tensor> = outputs.iter().map(|&t| self.own_tensor(t, "compile")).collect();
        self.status()?;
        let too_many = |_| Error::new(Status::InvalidArgument, "too many tensors");
        let nin = c_int::try_from(ins.len()).map_err(too_many)?;
        let nout = c_int::try_from(outs.len()).map_err(too_many)?;
        let mut out: *mut sys::tvm_function = ptr::null_mut();
        let s = opts.with_raw(|o| {
            // SAFETY: valid graph, handle arrays, options and out pointer.
            unsafe { sys::tvm_compile(self.ptr(), nin, ins.as_ptr(), nout, outs.as_ptr(), o, &mut out) }
        })?;
        check(s)?;
        match NonNull::new(out) {
            // SAFETY: a fresh function with one reference, now ours.
            Some(f) => unsafe { Function::from_raw(f) }.map(|f| f.with_host(self.host.clone())),
            None => Err(Error::new(Status::Internal, "tvm_compile returned no function")),
        }
    }
}

/// A Rust scalar type that can be a graph constant (see [`Graph::scalar`]).
pub trait Scalar: Copy {
    fn constant<'g>(self, g: &'g Graph<'g>) -> Expr<'g>;
}

macro_rules! scalar_int {
    ($($t:ty => $d:expr),*) => {$(
        impl Scalar for $t {
            fn constant<'g>(self, g: &'g Graph<'g>) -> Expr<'g> {
                g.const_int($d, self as i64)
            }
        }
    )*};
}
scalar_int!(i8 => DType::I8, i16 => DType::I16, i32 => DType::I32, i64 => DType::I64, u8 => DType::U8, bool => DType::Bool);

impl Scalar for f32 {
    fn constant<'g>(self, g: &'g Graph<'g>) -> Expr<'g> {
        g.const_float(DType::F32, self as f64)
    }
}

impl Scalar for f64 {
    fn constant<'g>(self, g: &'g Graph<'g>) -> Expr<'g> {
        g.const_float(DType::F64, self)
    }
}

/// A scalar expression in a graph. `Copy`; it borrows its graph.
///
/// Operators (`+ - * / % -x !x & |`) and methods build new nodes. They
/// cannot fail on the spot: a mistake (e.g. mixing dtypes) is recorded on
/// the graph and reported by [`Graph::compile`] / [`Graph::status`].
///
/// Semantics follow `tvmc.h`: both operands of a binary operator must have
/// the same dtype (use [`Expr::cast`]); a Rust scalar operand becomes a
/// constant of the other side's dtype. On integers `/` (C `tvm_div`) and
/// `%` (`Rem`, C `tvm_mod`) truncate toward zero like Rust and C;
/// [`Expr::floordiv`] / [`Expr::floormod`] round toward negative infinity
/// like Python. Division or modulo by zero gives 0. On floats `%` is C
/// `fmod` (like Rust's `%` on floats). `!`, `&`, `|` are logical and take
/// bool expressions (both sides are evaluated).
#[derive(Clone, Copy)]
pub struct Expr<'g> {
    g: &'g Graph<'g>,
    raw: sys::tvm_expr,
}

impl<'g> fmt::Debug for Expr<'g> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:#010x})", self.raw.id)
    }
}

macro_rules! binary_methods {
    ($($(#[$m:meta])* $name:ident => $cfn:ident;)*) => {$(
        $(#[$m])*
        pub fn $name<B: Operand<'g>>(self, other: B) -> Expr<'g> {
            self.binary(other, sys::$cfn, stringify!($name))
        }
    )*};
}

macro_rules! unary_methods {
    ($($(#[$m:meta])* $name:ident => $cfn:ident;)*) => {$(
        $(#[$m])*
        pub fn $name(self) -> Expr<'g> {
            self.unary(sys::$cfn, stringify!($name))
        }
    )*};
}

impl<'g> Expr<'g> {
    /// The raw handle (id 0 is the null handle left by an earlier error).
    pub fn raw(&self) -> sys::tvm_expr {
        self.raw
    }

    /// The graph this expression lives in.
    pub fn graph(&self) -> &'g Graph<'g> {
        self.g
    }

    /// Whether this is the null handle (an earlier builder error).
    pub fn is_null(&self) -> bool {
        self.raw.id == 0
    }

    /// The dtype of the expression.
    pub fn dtype(&self) -> Result<DType> {
        let mut d: sys::tvm_dtype = 0;
        // SAFETY: valid graph and out pointer.
        check(unsafe { sys::tvm_expr_dtype(self.g.ptr(), self.raw, &mut d) })?;
        DType::from_raw(d).ok_or_else(|| Error::new(Status::Unsupported, format!("unknown dtype code {}", d)))
    }

    fn dtype_or(&self, d: DType) -> DType {
        self.dtype().unwrap_or(d)
    }

    fn binary<B: Operand<'g>>(self, other: B, f: BinFn, what: &str) -> Expr<'g> {
        let o = other.to_expr(self);
        let b = self.g.own(o, what);
        // SAFETY: valid graph and handles (C checks them).
        self.g.expr(unsafe { f(self.g.ptr(), self.raw, b) })
    }

    /// `lhs op self` for a scalar `lhs` (operators with the scalar first).
    fn binary_rev<A: Operand<'g>>(self, lhs: A, f: BinFn, what: &str) -> Expr<'g> {
        let a = lhs.to_expr(self);
        let a = self.g.own(a, what);
        // SAFETY: as above.
        self.g.expr(unsafe { f(self.g.ptr(), a, self.raw) })
    }

    fn unary(self, f: UnFn, _what: &str) -> Expr<'g> {
        // SAFETY: as above.
        self.g.expr(unsafe { f(self.g.ptr(), self.raw) })
    }

    binary_methods! {
        /// Division rounding toward negative infinity (Python `//`).
        floordiv => tvm_floordiv;
        /// `a - floor(a / b) * b` (Python `%`).
        floormod => tvm_floormod;
        /// Minimum (NaN propagates, like `numpy.minimum`).
        min => tvm_min;
        /// Maximum (NaN propagates, like `numpy.maximum`).
        max => tvm_max;
        /// `self ** other`, floats only (C `pow`).
        pow => tvm_pow;
        /// `self < other` (bool).
        lt => tvm_lt;
        /// `self <= other` (bool).
        le => tvm_le;
        /// `self > other` (bool).
        gt => tvm_gt;
        /// `self >= other` (bool).
        ge => tvm_ge;
        /// `self == other` (bool).
        eq_ => tvm_eq;
        /// `self != other` (bool).
        ne_ => tvm_ne;
        /// Logical and of bools (both sides evaluated).
        and => tvm_and;
        /// Logical or of bools (both sides evaluated).
        or => tvm_or;
    }

    unary_methods! {
        /// Logical not of a bool (same as `!e`).
        not_ => tvm_not;
        exp => tvm_exp;
        log => tvm_log;
        sqrt => tvm_sqrt;
        /// `1 / sqrt(x)`.
        rsqrt => tvm_rsqrt;
        tanh => tvm_tanh;
        /// `1 / (1 + exp(-x))`.
        sigmoid => tvm_sigmoid;
        erf => tvm_erf;
        /// Absolute value (floats and integers).
        abs => tvm_abs;
        floor => tvm_floor;
        ceil => tvm_ceil;
    }

    /// `self ? a : b`; `self` is a bool expression. Only the chosen side is
    /// evaluated, so a guarded load never reads out of bounds.
    pub fn select<B: Operand<'g>>(self, a: Expr<'g>, b: B) -> Expr<'g> {
        self.g.select(self, a, b)
    }

    /// The expression converted to `dtype` (float -> int saturates, NaN ->
    /// 0; int -> int wraps; anything -> bool is `x != 0`).
    pub fn cast(self, dtype: DType) -> Expr<'g> {
        self.g.cast(dtype, self)
    }

    /// `max(self, 0)`.
    pub fn relu(self) -> Expr<'g> {
        self.max(0)
    }
}

macro_rules! binary_op {
    ($($tr:ident :: $m:ident => $cfn:ident;)*) => {$(
        impl<'g, B: Operand<'g>> $tr<B> for Expr<'g> {
            type Output = Expr<'g>;
            fn $m(self, other: B) -> Expr<'g> {
                self.binary(other, sys::$cfn, stringify!($m))
            }
        }
        binary_op!(@rev $tr :: $m => $cfn; i8 i16 i32 i64 u8 u16 u32 f32 f64);
    )*};
    (@rev $tr:ident :: $m:ident => $cfn:ident; $($t:ty)*) => {$(
        impl<'g> $tr<Expr<'g>> for $t {
            type Output = Expr<'g>;
            fn $m(self, rhs: Expr<'g>) -> Expr<'g> {
                rhs.binary_rev(self, sys::$cfn, stringify!($m))
            }
        }
    )*};
}

binary_op! {
    Add::add => tvm_add;
    Sub::sub => tvm_sub;
    Mul::mul => tvm_mul;
    Div::div => tvm_div;
    Rem::rem => tvm_mod;
}

impl<'g, B: Operand<'g>> BitAnd<B> for Expr<'g> {
    type Output = Expr<'g>;
    /// Logical and (bool operands).
    fn bitand(self, other: B) -> Expr<'g> {
        self.binary(other, sys::tvm_and, "and")
    }
}

impl<'g, B: Operand<'g>> BitOr<B> for Expr<'g> {
    type Output = Expr<'g>;
    /// Logical or (bool operands).
    fn bitor(self, other: B) -> Expr<'g> {
        self.binary(other, sys::tvm_or, "or")
    }
}

impl<'g> Neg for Expr<'g> {
    type Output = Expr<'g>;
    fn neg(self) -> Expr<'g> {
        self.unary(sys::tvm_neg, "neg")
    }
}

impl<'g> Not for Expr<'g> {
    type Output = Expr<'g>;
    /// Logical not (bool operand).
    fn not(self) -> Expr<'g> {
        self.unary(sys::tvm_not, "not")
    }
}

/// A tensor (placeholder, compute or constant) in a graph. `Copy`; it
/// borrows its graph.
#[derive(Clone, Copy)]
pub struct Tensor<'g> {
    g: &'g Graph<'g>,
    raw: sys::tvm_tensor,
}

impl<'g> fmt::Debug for Tensor<'g> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor({:#010x})", self.raw.id)
    }
}

impl<'g> Tensor<'g> {
    /// The raw handle (id 0 is the null handle left by an earlier error).
    pub fn raw(&self) -> sys::tvm_tensor {
        self.raw
    }

    pub fn graph(&self) -> &'g Graph<'g> {
        self.g
    }

    pub fn is_null(&self) -> bool {
        self.raw.id == 0
    }

    fn info(&self) -> Result<(usize, DType)> {
        let mut nd: c_int = 0;
        let mut dt: sys::tvm_dtype = 0;
        // SAFETY: valid graph and out pointers.
        check(unsafe { sys::tvm_tensor_info(self.g.ptr(), self.raw, &mut nd, &mut dt) })?;
        let dtype = DType::from_raw(dt)
            .ok_or_else(|| Error::new(Status::Unsupported, format!("unknown dtype code {}", dt)))?;
        Ok((nd.max(0) as usize, dtype))
    }

    pub fn ndim(&self) -> Result<usize> {
        self.info().map(|i| i.0)
    }

    pub fn dtype(&self) -> Result<DType> {
        self.info().map(|i| i.1)
    }

    /// The element at `indices` (one per dimension): `A.at(&[i, j])`.
    pub fn at<D: IntoDim<'g> + Copy>(&self, indices: &[D]) -> Expr<'g> {
        self.g.load(*self, indices)
    }
}
