//! ONNX import (`tvm_onnx_import`): builds a model into a [`Graph`] with the
//! operator library and describes its run-time inputs and outputs
//! ([`OnnxModel`]), ready for [`Graph::compile`].

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_int, c_void};
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::array::AsDlTensor;
use crate::dtype::DType;
use crate::error::{check, Error, Result, Status};
use crate::graph::{Expr, Graph, Tensor};
use crate::sys;

/// Options for [`Graph::import_onnx`] (`tvm_onnx_options`). The default
/// takes models up to 2 GiB and 1,000,000 nodes and binds nothing.
#[derive(Default)]
pub struct OnnxOptions<'a> {
    /// Largest model accepted in bytes; 0 = 2 GiB.
    pub max_bytes: i64,
    /// Most nodes (plus initializers); 0 = 1,000,000.
    pub max_nodes: i32,
    bindings: Vec<(String, &'a dyn AsDlTensor)>,
}

impl<'a> fmt::Debug for OnnxOptions<'a> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.bindings.iter().map(|b| b.0.as_str()).collect();
        f.debug_struct("OnnxOptions")
            .field("max_bytes", &self.max_bytes)
            .field("max_nodes", &self.max_nodes)
            .field("bindings", &names)
            .finish()
    }
}

impl<'a> OnnxOptions<'a> {
    pub fn new() -> OnnxOptions<'a> {
        OnnxOptions::default()
    }

    pub fn max_bytes(mut self, n: i64) -> OnnxOptions<'a> {
        self.max_bytes = n;
        self
    }

    pub fn max_nodes(mut self, n: i32) -> OnnxOptions<'a> {
        self.max_nodes = n;
        self
    }

    /// Gives graph input `name` its value at import time: it becomes a
    /// constant (copied) and is no longer among the model's inputs.
    pub fn bind(mut self, name: &str, value: &'a dyn AsDlTensor) -> OnnxOptions<'a> {
        self.bindings.push((name.to_string(), value));
        self
    }

    /// Calls `f` with the C options (valid during the call).
    fn with_raw<R>(&self, f: impl FnOnce(&sys::tvm_onnx_options) -> R) -> Result<R> {
        let names = self
            .bindings
            .iter()
            .map(|(n, _)| {
                CString::new(n.as_str()).map_err(|_| {
                    Error::new(Status::InvalidArgument, format!("binding name {:?} contains a NUL byte", n))
                })
            })
            .collect::<Result<Vec<CString>>>()?;
        let values: Vec<sys::DLTensor> = self.bindings.iter().map(|(_, v)| v.as_dl_tensor()).collect();
        let raw: Vec<sys::tvm_onnx_binding> = names
            .iter()
            .zip(values.iter())
            .map(|(n, v)| sys::tvm_onnx_binding { name: n.as_ptr(), value: v })
            .collect();
        let nbindings = i32::try_from(raw.len())
            .map_err(|_| Error::new(Status::InvalidArgument, "too many bindings"))?;
        let o = sys::tvm_onnx_options {
            struct_size: std::mem::size_of::<sys::tvm_onnx_options>(),
            max_bytes: self.max_bytes,
            max_nodes: self.max_nodes,
            flags: 0,
            nbindings,
            reserved_: 0,
            bindings: if raw.is_empty() { ptr::null() } else { raw.as_ptr() },
        };
        Ok(f(&o))
    }
}

/// One run-time input or output of an imported model.
#[derive(Debug, Clone)]
pub struct OnnxValue<'g> {
    /// The ONNX name.
    pub name: String,
    /// A placeholder (input) or a compute (output) of the graph.
    pub tensor: Tensor<'g>,
    pub dtype: DType,
    /// Constant dims; `None` where the dim is symbolic.
    pub shape: Vec<Option<i64>>,
    /// Every dim as an int64 expression of the graph.
    pub dims: Vec<Expr<'g>>,
}

/// The description of an imported model (`tvm_onnx_model`): its run-time
/// inputs (initializers and bound inputs excluded) and outputs, in the
/// order to compile them with. Its tensors belong to the graph it was
/// imported into, which it borrows.
///
/// ```no_run
/// use tvmc::{CompileOptions, Context, OnnxOptions};
/// let ctx = Context::new()?;
/// let g = ctx.graph()?;
/// let m = g.import_onnx_file("model.onnx", &OnnxOptions::new())?;
/// let ins: Vec<_> = m.inputs()?.iter().map(|v| v.tensor).collect();
/// let outs: Vec<_> = m.outputs()?.iter().map(|v| v.tensor).collect();
/// let f = g.compile(&ins, &outs, &CompileOptions::new())?;
/// # Ok::<(), tvmc::Error>(())
/// ```
pub struct OnnxModel<'g> {
    raw: NonNull<sys::tvm_onnx_model>,
    g: &'g Graph<'g>,
}

impl<'g> fmt::Debug for OnnxModel<'g> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OnnxModel({:p})", self.raw.as_ptr())
    }
}

impl<'g> Drop for OnnxModel<'g> {
    fn drop(&mut self) {
        // SAFETY: we own the description.
        unsafe { sys::tvm_onnx_model_free(self.raw.as_ptr()) }
    }
}

type Describe = unsafe extern "C" fn(*const sys::tvm_onnx_model, c_int, *mut sys::tvm_onnx_value) -> sys::tvm_status;

impl<'g> OnnxModel<'g> {
    /// The raw handle (stays owned by `self`).
    pub fn as_raw(&self) -> *mut sys::tvm_onnx_model {
        self.raw.as_ptr()
    }

    /// (number of inputs, number of outputs).
    pub fn counts(&self) -> Result<(usize, usize)> {
        let (mut ni, mut no): (c_int, c_int) = (0, 0);
        // SAFETY: valid model and out pointers.
        check(unsafe { sys::tvm_onnx_model_counts(self.raw.as_ptr(), &mut ni, &mut no) })?;
        Ok((ni.max(0) as usize, no.max(0) as usize))
    }

    fn describe(&self, f: Describe, index: usize) -> Result<OnnxValue<'g>> {
        let index = c_int::try_from(index)
            .map_err(|_| Error::new(Status::InvalidArgument, format!("index {} is out of range", index)))?;
        // SAFETY: tvm_onnx_value is plain data; all zeros is a valid value.
        let mut v: sys::tvm_onnx_value = unsafe { std::mem::zeroed() };
        v.struct_size = std::mem::size_of::<sys::tvm_onnx_value>();
        // SAFETY: valid model; v has its size set.
        check(unsafe { f(self.raw.as_ptr(), index, &mut v) })?;
        let name = if v.name.is_null() {
            String::new()
        } else {
            // SAFETY: NUL-terminated, valid while the model lives.
            unsafe { CStr::from_ptr(v.name).to_string_lossy().into_owned() }
        };
        let n = (v.ndim.max(0) as usize).min(sys::TVM_MAX_NDIM);
        let dtype = DType::from_raw(v.dtype)
            .ok_or_else(|| Error::new(Status::Unsupported, format!("unknown dtype code {}", v.dtype)))?;
        Ok(OnnxValue {
            name,
            tensor: self.g.tensor(v.tensor),
            dtype,
            shape: v.shape[..n].iter().map(|&d| if d < 0 { None } else { Some(d) }).collect(),
            dims: v.dims[..n].iter().map(|&d| self.g.expr(d)).collect(),
        })
    }

    /// Input `index` (`Status::InvalidArgument` past the end).
    pub fn input(&self, index: usize) -> Result<OnnxValue<'g>> {
        self.describe(sys::tvm_onnx_model_input, index)
    }

    /// Output `index` (`Status::InvalidArgument` past the end).
    pub fn output(&self, index: usize) -> Result<OnnxValue<'g>> {
        self.describe(sys::tvm_onnx_model_output, index)
    }

    /// Every input, in order.
    pub fn inputs(&self) -> Result<Vec<OnnxValue<'g>>> {
        (0..self.counts()?.0).map(|i| self.input(i)).collect()
    }

    /// Every output, in order.
    pub fn outputs(&self) -> Result<Vec<OnnxValue<'g>>> {
        (0..self.counts()?.1).map(|i| self.output(i)).collect()
    }
}

impl<'ctx> Graph<'ctx> {
    /// Imports the serialised ONNX model `data` into this graph. On failure
    /// the graph may hold part of the model (and a recorded error): drop it.
    pub fn import_onnx<'g>(&'g self, data: &[u8], opts: &OnnxOptions<'_>) -> Result<OnnxModel<'g>> {
        let mut out: *mut sys::tvm_onnx_model = ptr::null_mut();
        let s = opts.with_raw(|o| {
            // SAFETY: valid graph, data of data.len() bytes, options, out pointer.
            unsafe { sys::tvm_onnx_import(self.as_raw(), data.as_ptr() as *const c_void, data.len(), o, &mut out) }
        })?;
        self.finish_import(s, out)
    }

    /// [`Graph::import_onnx`] of the file at `path`.
    pub fn import_onnx_file<'g, P: AsRef<Path>>(&'g self, path: P, opts: &OnnxOptions<'_>) -> Result<OnnxModel<'g>> {
        let p = path.as_ref();
        let cpath = p
            .to_str()
            .and_then(|s| CString::new(s).ok())
            .ok_or_else(|| Error::new(Status::InvalidArgument, format!("path {:?} is not a C string", p)))?;
        let mut out: *mut sys::tvm_onnx_model = ptr::null_mut();
        let s = opts.with_raw(|o| {
            // SAFETY: valid graph, path, options and out pointer.
            unsafe { sys::tvm_onnx_import_file(self.as_raw(), cpath.as_ptr(), o, &mut out) }
        })?;
        self.finish_import(s, out)
    }

    fn finish_import<'g>(&'g self, s: sys::tvm_status, out: *mut sys::tvm_onnx_model) -> Result<OnnxModel<'g>> {
        check(s)?;
        match NonNull::new(out) {
            Some(raw) => Ok(OnnxModel { raw, g: self }),
            None => Err(Error::new(Status::Internal, "tvm_onnx_import returned no model")),
        }
    }
}
