//! [`Schedule`]: how the loop nests of a graph's computes run (split, tile,
//! reorder, fuse, vectorize, parallel, unroll, cache_write, compute_inline,
//! compute_at, pack), passed to [`Graph::compile`] through
//! [`CompileOptions::schedule`](crate::CompileOptions::schedule).
//!
//! A schedule never changes what is computed, only in which order and
//! where (see the "Schedules" section of `tvmc.h` for every rule). Each
//! primitive checks its arguments when called and changes nothing when it
//! fails; [`Graph::compile`] checks the schedule as a whole.

use std::fmt;
use std::os::raw::c_int;
use std::ptr::{self, NonNull};

use crate::error::{check, Error, Result, Status};
use crate::graph::{Expr, Graph, Tensor};
use crate::sys;

/// A loop of a stage: one of its iteration variables or reduction axes
/// (an [`Expr`] converts into one), or an axis a primitive returned.
/// Returned axes belong to the schedule, not to the graph: they are not
/// expressions and only name loops of the stage they came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Axis {
    raw: sys::tvm_expr,
}

impl Axis {
    /// The raw handle.
    pub fn raw(&self) -> sys::tvm_expr {
        self.raw
    }

    /// An axis from a raw handle (no check here: the primitives check it).
    pub fn from_raw(raw: sys::tvm_expr) -> Axis {
        Axis { raw }
    }
}

impl fmt::Debug for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Axis({:#010x})", self.raw.id)
    }
}

impl<'g> From<Expr<'g>> for Axis {
    fn from(e: Expr<'g>) -> Axis {
        Axis { raw: e.raw() }
    }
}

/// The four loops [`Schedule::tile`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tiles {
    pub x_outer: Axis,
    pub y_outer: Axis,
    pub x_inner: Axis,
    pub y_inner: Axis,
}

/// A schedule for the computes some outputs of a graph need
/// (`tvm_schedule`). It borrows the graph, so it cannot outlive it, and like
/// the graph it is used by one thread at a time (it is neither `Send` nor
/// `Sync`).
///
/// A blocked matmul `C[i, j] = sum_k A[i, k] * B[k, j]`:
/// ```
/// use tvmc::{Array, CompileOptions, Context, DType, Schedule};
/// let ctx = Context::new()?;
/// let g = ctx.graph()?;
/// let a = g.placeholder("A", DType::F32, &[4, 3]);
/// let b = g.placeholder("B", DType::F32, &[3, 4]);
/// let (i, j, k) = (g.iter_var("i"), g.iter_var("j"), g.reduce_axis("k", 3));
/// let c = g.compute_with("C", &[4, 4], &[i, j], g.sum(a.at(&[i, k]) * b.at(&[k, j]), &[k]));
///
/// let mut s = Schedule::new(&g, &[c])?;
/// let t = s.tile(c, i, j, 2, 2)?;
/// let (ko, ki) = s.split(c, k, 2)?;
/// s.reorder(c, &[t.x_outer, t.y_outer, ko, ki, t.x_inner, t.y_inner])?;
/// s.cache_write(c, t.y_outer)?;
/// s.vectorize(c, t.y_inner)?;
/// let f = g.compile(&[a, b], &[c], &CompileOptions::new().schedule(&s))?;
///
/// let av = Array::from_vec(&[4, 3], (0..12).map(|v| v as f32).collect())?;
/// let bv = Array::from_vec(&[3, 4], vec![1.0f32; 12])?;
/// let out = f.run::<f32>(&[&av, &bv])?;
/// // every column of C is a row sum of A: 0+1+2, 3+4+5, ...
/// assert_eq!(out[0].as_slice()[..4], [3.0, 3.0, 3.0, 3.0]);
/// assert_eq!(out[0].as_slice()[12..], [30.0, 30.0, 30.0, 30.0]);
/// # Ok::<(), tvmc::Error>(())
/// ```
pub struct Schedule<'g> {
    raw: NonNull<sys::tvm_schedule>,
    g: &'g Graph<'g>,
}

impl<'g> fmt::Debug for Schedule<'g> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:p})", self.raw.as_ptr())
    }
}

/// Two schedules are equal when they are the same object.
impl<'g> PartialEq for Schedule<'g> {
    fn eq(&self, other: &Schedule<'g>) -> bool {
        self.raw == other.raw
    }
}

impl<'g> Eq for Schedule<'g> {}

impl<'g> Drop for Schedule<'g> {
    fn drop(&mut self) {
        // SAFETY: we own the schedule; the graph outlives it (borrow).
        unsafe { sys::tvm_schedule_destroy(self.raw.as_ptr()) }
    }
}

impl<'g> Schedule<'g> {
    /// A schedule for the computes `outputs` need; every stage starts with
    /// the default loops. Reports the graph's first builder error, if any.
    pub fn new(g: &'g Graph<'g>, outputs: &[Tensor<'g>]) -> Result<Schedule<'g>> {
        g.status()?;
        let outs = own_tensors(g, outputs, "Schedule::new")?;
        let n = c_int::try_from(outs.len())
            .map_err(|_| Error::new(Status::InvalidArgument, "Schedule::new: too many outputs"))?;
        let mut out: *mut sys::tvm_schedule = ptr::null_mut();
        // SAFETY: valid graph, handle array and out pointer.
        check(unsafe { sys::tvm_schedule_create(g.as_raw(), n, outs.as_ptr(), &mut out) })?;
        match NonNull::new(out) {
            Some(raw) => Ok(Schedule { raw, g }),
            None => Err(Error::new(Status::Internal, "tvm_schedule_create returned no schedule")),
        }
    }

    /// The raw handle (stays owned by `self`).
    pub fn as_raw(&self) -> *mut sys::tvm_schedule {
        self.raw.as_ptr()
    }

    /// The graph this schedule belongs to.
    pub fn graph(&self) -> &'g Graph<'g> {
        self.g
    }

    fn stage(&self, t: Tensor<'_>, what: &str) -> Result<sys::tvm_tensor> {
        own_tensors(self.g, &[t], what).map(|v| v[0])
    }

    /// Splits `axis` of `stage` by `factor` (1 ..= 2^31): returns (outer,
    /// inner) with axis = outer * factor + inner. A factor that does not
    /// divide the extent is fine: the last iterations are guarded.
    pub fn split(&mut self, stage: Tensor<'g>, axis: impl Into<Axis>, factor: i64) -> Result<(Axis, Axis)> {
        let st = self.stage(stage, "split")?;
        let (mut o, mut i) = (sys::tvm_expr::default(), sys::tvm_expr::default());
        // SAFETY: valid schedule and out pointers.
        check(unsafe { sys::tvm_sched_split(self.as_raw(), st, axis.into().raw, factor, &mut o, &mut i) })?;
        Ok((Axis { raw: o }, Axis { raw: i }))
    }

    /// Splits `x` by `xf` and `y` by `yf` and orders the four loops x_outer,
    /// y_outer, x_inner, y_inner where x was.
    pub fn tile(
        &mut self,
        stage: Tensor<'g>,
        x: impl Into<Axis>,
        y: impl Into<Axis>,
        xf: i64,
        yf: i64,
    ) -> Result<Tiles> {
        let st = self.stage(stage, "tile")?;
        let mut r = [sys::tvm_expr::default(); 4];
        let [a, b, c, d] = &mut r;
        // SAFETY: valid schedule and four distinct out pointers.
        check(unsafe {
            sys::tvm_sched_tile(self.as_raw(), st, x.into().raw, y.into().raw, xf, yf, a, b, c, d)
        })?;
        Ok(Tiles {
            x_outer: Axis { raw: r[0] },
            y_outer: Axis { raw: r[1] },
            x_inner: Axis { raw: r[2] },
            y_inner: Axis { raw: r[3] },
        })
    }

    /// Puts the given loops (distinct, 1 ..= 64) in this order, in the
    /// positions they occupy now; the other loops stay where they are.
    pub fn reorder(&mut self, stage: Tensor<'g>, axes: &[Axis]) -> Result<()> {
        let st = self.stage(stage, "reorder")?;
        let raw: Vec<sys::tvm_expr> = axes.iter().map(|a| a.raw).collect();
        let n = c_int::try_from(raw.len())
            .map_err(|_| Error::new(Status::InvalidArgument, "reorder: too many axes"))?;
        // SAFETY: valid schedule; raw holds n handles.
        check(unsafe { sys::tvm_sched_reorder(self.as_raw(), st, n, raw.as_ptr()) })
    }

    /// Fuses `outer` and the loop immediately inside it, `inner`, into one.
    pub fn fuse(&mut self, stage: Tensor<'g>, outer: impl Into<Axis>, inner: impl Into<Axis>) -> Result<Axis> {
        let st = self.stage(stage, "fuse")?;
        let mut f = sys::tvm_expr::default();
        // SAFETY: valid schedule and out pointer.
        check(unsafe { sys::tvm_sched_fuse(self.as_raw(), st, outer.into().raw, inner.into().raw, &mut f) })?;
        Ok(Axis { raw: f })
    }

    /// Vectorizes the (innermost, spatial) loop `axis`; checked at compile.
    pub fn vectorize(&mut self, stage: Tensor<'g>, axis: impl Into<Axis>) -> Result<()> {
        let st = self.stage(stage, "vectorize")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_vectorize(self.as_raw(), st, axis.into().raw) })
    }

    /// Runs the (outermost, spatial) loop `axis` on the context's threads;
    /// checked at compile.
    pub fn parallel(&mut self, stage: Tensor<'g>, axis: impl Into<Axis>) -> Result<()> {
        let st = self.stage(stage, "parallel")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_parallel(self.as_raw(), st, axis.into().raw) })
    }

    /// Unrolls loop `axis` fully.
    pub fn unroll(&mut self, stage: Tensor<'g>, axis: impl Into<Axis>) -> Result<()> {
        let st = self.stage(stage, "unroll")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_unroll(self.as_raw(), st, axis.into().raw) })
    }

    /// Accumulates the stage's reduction in a local block covering the
    /// spatial loops inside `axis` (which lets reduction loops run outside
    /// spatial ones).
    pub fn cache_write(&mut self, stage: Tensor<'g>, axis: impl Into<Axis>) -> Result<()> {
        let st = self.stage(stage, "cache_write")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_cache_write(self.as_raw(), st, axis.into().raw) })
    }

    /// Computes `producer` (no reduction, not an output) inside the loops
    /// of each stage that reads it.
    pub fn compute_inline(&mut self, producer: Tensor<'g>) -> Result<()> {
        let p = self.stage(producer, "compute_inline")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_compute_inline(self.as_raw(), p) })
    }

    /// Computes, inside loop `axis` of `consumer`, the part of `producer`
    /// the loops inside `axis` read, into a local buffer.
    pub fn compute_at(&mut self, producer: Tensor<'g>, consumer: Tensor<'g>, axis: impl Into<Axis>) -> Result<()> {
        let p = self.stage(producer, "compute_at")?;
        let c = self.stage(consumer, "compute_at")?;
        // SAFETY: valid schedule.
        check(unsafe { sys::tvm_sched_compute_at(self.as_raw(), p, c, axis.into().raw) })
    }

    /// Re-lays `operand` (an input or constant that the output `consumer`
    /// reads) into panels of `block` elements along dimension `dim`; returns
    /// the packed stage (it may be scheduled like any stage).
    pub fn pack(&mut self, consumer: Tensor<'g>, operand: Tensor<'g>, dim: usize, block: i64) -> Result<Tensor<'g>> {
        let c = self.stage(consumer, "pack")?;
        let o = self.stage(operand, "pack")?;
        let dim = c_int::try_from(dim)
            .map_err(|_| Error::new(Status::InvalidArgument, format!("pack: dim {} is out of range", dim)))?;
        let mut packed = sys::tvm_tensor::default();
        // SAFETY: valid schedule and out pointer.
        check(unsafe { sys::tvm_sched_pack(self.as_raw(), c, o, dim, block, &mut packed) })?;
        Ok(self.g.tensor(packed))
    }
}

/// The raw handles of `ts`, or InvalidHandle if one belongs to another graph.
fn own_tensors(g: &Graph<'_>, ts: &[Tensor<'_>], what: &str) -> Result<Vec<sys::tvm_tensor>> {
    ts.iter()
        .map(|t| {
            if ptr::eq(t.graph() as *const Graph<'_> as *const u8, g as *const Graph<'_> as *const u8) {
                Ok(t.raw())
            } else {
                Err(Error::new(Status::InvalidHandle, format!("{}: the tensor belongs to another graph", what)))
            }
        })
        .collect()
}
