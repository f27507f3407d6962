//! Host functions inside expressions: [`Graph::call_extern`] and the
//! [`ExternFn`] trait that ties a Rust function pointer's signature to the
//! dtypes tvmc is told about.

use std::os::raw::{c_int, c_void};

use crate::dtype::DType;
use crate::error::Status;
use crate::graph::{Expr, Graph};
use crate::sys;

/// A scalar type a host function may take or return: the C types of
/// `tvm_call_extern` (`float`, `double`, `int8_t` .. `int64_t`, `uint8_t`,
/// `bool`). float16 / bfloat16 are not allowed by C, so there is no
/// implementation for them.
pub trait ExternScalar: Copy + private::Sealed {
    const DTYPE: DType;
}

mod private {
    pub trait Sealed {}
}

macro_rules! extern_scalar {
    ($($t:ty => $d:ident),*) => {$(
        impl private::Sealed for $t {}
        impl ExternScalar for $t {
            const DTYPE: DType = DType::$d;
        }
    )*};
}
extern_scalar!(f32 => F32, f64 => F64, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, bool => Bool);

/// An `extern "C" fn` of up to 8 [`ExternScalar`] arguments returning one:
/// the types of its signature give the dtypes passed to `tvm_call_extern`,
/// so the signature tvmc calls always matches the function's.
pub trait ExternFn: Copy + private::Sealed {
    /// The return dtype.
    const RET: DType;
    /// The argument dtypes, in order.
    fn arg_dtypes() -> Vec<DType>;
    /// The code address.
    fn addr(self) -> *mut c_void;
}

macro_rules! extern_fn {
    ($($a:ident),*) => {
        impl<R: ExternScalar, $($a: ExternScalar),*> private::Sealed for extern "C" fn($($a),*) -> R {}
        impl<R: ExternScalar, $($a: ExternScalar),*> ExternFn for extern "C" fn($($a),*) -> R {
            const RET: DType = R::DTYPE;
            fn arg_dtypes() -> Vec<DType> {
                vec![$($a::DTYPE),*]
            }
            fn addr(self) -> *mut c_void {
                self as *const () as *mut c_void
            }
        }
    };
}
extern_fn!();
extern_fn!(A0);
extern_fn!(A0, A1);
extern_fn!(A0, A1, A2);
extern_fn!(A0, A1, A2, A3);
extern_fn!(A0, A1, A2, A3, A4);
extern_fn!(A0, A1, A2, A3, A4, A5);
extern_fn!(A0, A1, A2, A3, A4, A5, A6);
extern_fn!(A0, A1, A2, A3, A4, A5, A6, A7);

impl<'ctx> Graph<'ctx> {
    /// A call of the host function `f` on the scalar expressions `args`, as
    /// Halide's `define_extern` / TVM's extern calls. The argument and
    /// return dtypes come from `f`'s type; each of `args` must have its
    /// parameter's dtype (a sticky `Dtype` error otherwise), and a wrong
    /// count is a sticky `InvalidArgument` error. `name` appears in printed
    /// IR and, with `f`, identifies the call in the function cache.
    ///
    /// Pass the function with its type spelled out, e.g.
    /// `square as extern "C" fn(f64) -> f64` (a plain `square` is a unique
    /// fn-item type, not a pointer).
    ///
    /// ```no_run
    /// use tvmc::{CompileOptions, Context, DType};
    ///
    /// extern "C" fn square_plus_one(x: f64) -> f64 {
    ///     x * x + 1.0
    /// }
    ///
    /// # fn main() -> tvmc::Result<()> {
    /// let ctx = Context::new()?;
    /// let g = ctx.graph()?;
    /// let a = g.placeholder("A", DType::F64, &[3]);
    /// // SAFETY: square_plus_one is pure, thread-safe and cannot panic.
    /// let c = g.compute("C", &[3], |i| unsafe {
    ///     g.call_extern("square_plus_one", square_plus_one as extern "C" fn(f64) -> f64, &[a.at(i)])
    /// });
    /// let f = g.compile(&[a], &[c], &CompileOptions::default())?;
    /// let x = tvmc::Array::from_vec(&[3], vec![1.0f64, 2.0, -3.0])?;
    /// assert_eq!(f.run::<f64>(&[&x])?[0].as_slice(), &[2.0, 5.0, 10.0]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Safety
    /// tvmc calls `f` from compiled code with no Rust frame around it, any
    /// number of times, in any order, from any of its worker threads (or not
    /// at all for elements nobody reads). The caller guarantees that `f`:
    /// - never unwinds: a panic escaping an `extern "C" fn` is undefined
    ///   behaviour on the Rust versions this crate supports (1.63; later
    ///   compilers abort instead), so catch panics inside it or make it
    ///   panic-free;
    /// - is pure and thread-safe: its result depends on its arguments only
    ///   (otherwise results are unspecified, since calls may be repeated,
    ///   skipped or reordered by fusion), and any state it touches is safe
    ///   to access from several threads at once;
    /// - stays valid while any function compiled from this graph is alive
    ///   (true of every function of the program itself; not of one in a
    ///   library that is unloaded).
    pub unsafe fn call_extern<'g, F: ExternFn>(&'g self, name: &str, f: F, args: &[Expr<'g>]) -> Expr<'g> {
        let dtypes: Vec<sys::tvm_dtype> = F::arg_dtypes().iter().map(|d| d.raw()).collect();
        if args.len() != dtypes.len() {
            self.fail(
                Status::InvalidArgument,
                format!(
                    "call_extern {}: the function takes {} arguments but {} were given",
                    name,
                    dtypes.len(),
                    args.len()
                ),
            );
            return self.null_expr();
        }
        let raws: Vec<sys::tvm_expr> = args.iter().map(|&e| self.own(e, "call_extern")).collect();
        let c = match self.cname(name, "call_extern") {
            Some(c) => c,
            None => return self.null_expr(),
        };
        // SAFETY: valid graph and string; dtypes and raws hold nargs (<= 8)
        // entries; f's C signature is exactly (dtypes) -> RET by ExternFn;
        // the caller vouches for the rest (see # Safety).
        self.expr(sys::tvm_call_extern(
            self.ptr(),
            c.as_ptr(),
            f.addr(),
            F::RET.raw(),
            dtypes.len() as c_int,
            dtypes.as_ptr(),
            raws.as_ptr(),
        ))
    }
}
