//! The operator library (`tvm_op_*` in `tvmc.h`): neural-network operators
//! with ONNX / numpy semantics, built from the same tensor expressions as
//! hand-written computes, so fusion sees through them.
//!
//! Every operator is a free function taking the [`Tensor`]s it works on (a
//! tensor knows its graph) and returning `Result<Tensor>`:
//!
//! ```no_run
//! use tvmc::{ops, CompileOptions, Context, DType};
//! # fn main() -> tvmc::Result<()> {
//! let ctx = Context::new()?;
//! let g = ctx.graph()?;
//! let x = g.placeholder("x", DType::F32, &[2, 4]);
//! let w = g.placeholder("w", DType::F32, &[3, 4]);
//! let b = g.placeholder("b", DType::F32, &[3]);
//! let h = ops::relu(&ops::dense(&x, &w, Some(&b))?)?;
//! let y = ops::softmax(&h, -1)?;
//! let f = g.compile(&[x, w, b], &[y], &CompileOptions::default())?;
//! # Ok(()) }
//! ```
//!
//! # Errors
//! The C calls are sticky builder calls: on error they return the null
//! tensor and record the error on the graph. These wrappers turn the null
//! tensor into `Err` at once (the graph's recorded error, so the status is
//! the one C chose: `Shape` for incompatible shapes, `Dtype` for dtypes,
//! `InvalidArgument` for bad attributes such as an axis out of range), so
//! `?` stops at the operator that failed. The error also stays recorded on
//! the graph, like every builder error: a later builder call on the same
//! graph returns that first error again, and [`Graph::compile`] reports it.
//!
//! Argument lengths the C API trusts (a permutation of `ndim` entries, `2 *
//! ndim` pads, ...) are checked here first, since C would read past a short
//! slice; such a mistake is an `InvalidArgument` error, recorded on the
//! graph the same way. So is a tensor from another graph (`InvalidHandle`).
//!
//! Axes are `i32`s in `[-ndim, ndim)`; negative axes count from the end.

use std::ffi::CString;
use std::os::raw::c_int;
use std::ptr;

use crate::dtype::DType;
use crate::error::{Error, Result, Status};
use crate::graph::{Graph, Tensor, NULL_TENSOR};
use crate::sys;

// ---------------------------------------------------------------------------
// Kinds
// ---------------------------------------------------------------------------

/// An elementwise binary operator for [`binary`] (`tvm_op_binary_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Division; on integers it truncates toward zero.
    Div,
    /// Floats only.
    Pow,
    /// NaN-propagating minimum.
    Minimum,
    /// NaN-propagating maximum.
    Maximum,
    /// C `fmod` / truncated remainder (ONNX Mod with `fmod=1`).
    Mod,
    /// Python-style remainder (ONNX Mod with `fmod=0`).
    FloorMod,
    FloorDiv,
    /// Comparisons: the result is bool.
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    /// Logic on bool operands.
    And,
    Or,
    Xor,
}

impl BinaryOp {
    fn raw(self) -> sys::tvm_op_binary_kind {
        match self {
            BinaryOp::Add => sys::TVM_OP_ADD,
            BinaryOp::Sub => sys::TVM_OP_SUB,
            BinaryOp::Mul => sys::TVM_OP_MUL,
            BinaryOp::Div => sys::TVM_OP_DIV,
            BinaryOp::Pow => sys::TVM_OP_POW,
            BinaryOp::Minimum => sys::TVM_OP_MINIMUM,
            BinaryOp::Maximum => sys::TVM_OP_MAXIMUM,
            BinaryOp::Mod => sys::TVM_OP_MOD,
            BinaryOp::FloorMod => sys::TVM_OP_FLOORMOD,
            BinaryOp::FloorDiv => sys::TVM_OP_FLOORDIV,
            BinaryOp::Less => sys::TVM_OP_LESS,
            BinaryOp::LessEqual => sys::TVM_OP_LESS_EQUAL,
            BinaryOp::Greater => sys::TVM_OP_GREATER,
            BinaryOp::GreaterEqual => sys::TVM_OP_GREATER_EQUAL,
            BinaryOp::Equal => sys::TVM_OP_EQUAL,
            BinaryOp::NotEqual => sys::TVM_OP_NOT_EQUAL,
            BinaryOp::And => sys::TVM_OP_AND,
            BinaryOp::Or => sys::TVM_OP_OR,
            BinaryOp::Xor => sys::TVM_OP_XOR,
        }
    }
}

/// An elementwise unary operator for [`unary`] (`tvm_op_unary_kind`).
/// Float-only kinds on integer tensors are a `Dtype` error; `Relu`, `Abs`,
/// `Neg`, `Sign` and `Identity` also take signed integers, `Not` takes bool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Relu,
    Sigmoid,
    Tanh,
    /// `x * sigmoid(x)`.
    Silu,
    /// `x/2 * (1 + erf(x/sqrt 2))`.
    Gelu,
    /// `x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    GeluTanh,
    /// `x * max(0, min(1, x/6 + 1/2))`.
    HardSwish,
    Exp,
    Log,
    Sqrt,
    Rsqrt,
    Reciprocal,
    Abs,
    Neg,
    Floor,
    Ceil,
    Erf,
    /// -1, 0 or 1 (NaN stays NaN).
    Sign,
    /// Logical not of a bool tensor.
    Not,
    Identity,
}

impl UnaryOp {
    fn raw(self) -> sys::tvm_op_unary_kind {
        match self {
            UnaryOp::Relu => sys::TVM_OP_RELU,
            UnaryOp::Sigmoid => sys::TVM_OP_SIGMOID,
            UnaryOp::Tanh => sys::TVM_OP_TANH,
            UnaryOp::Silu => sys::TVM_OP_SILU,
            UnaryOp::Gelu => sys::TVM_OP_GELU,
            UnaryOp::GeluTanh => sys::TVM_OP_GELU_TANH,
            UnaryOp::HardSwish => sys::TVM_OP_HARD_SWISH,
            UnaryOp::Exp => sys::TVM_OP_EXP,
            UnaryOp::Log => sys::TVM_OP_LOG,
            UnaryOp::Sqrt => sys::TVM_OP_SQRT,
            UnaryOp::Rsqrt => sys::TVM_OP_RSQRT,
            UnaryOp::Reciprocal => sys::TVM_OP_RECIPROCAL,
            UnaryOp::Abs => sys::TVM_OP_ABS,
            UnaryOp::Neg => sys::TVM_OP_NEG,
            UnaryOp::Floor => sys::TVM_OP_FLOOR,
            UnaryOp::Ceil => sys::TVM_OP_CEIL,
            UnaryOp::Erf => sys::TVM_OP_ERF,
            UnaryOp::Sign => sys::TVM_OP_SIGN,
            UnaryOp::Not => sys::TVM_OP_NOT,
            UnaryOp::Identity => sys::TVM_OP_IDENTITY,
        }
    }
}

/// A reduction for [`reduce`] and [`global_pool2d`] (`tvm_op_reduce_kind`).
/// Distinct from [`ReduceKind`](crate::ReduceKind), which combines a scalar
/// expression over reduction axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    /// Floats only; an empty mean is NaN.
    Mean,
    Max,
    Min,
    Prod,
    /// Index of the maximum (int64, first index on ties, NaN wins); exactly
    /// one axis.
    ArgMax,
    /// Index of the minimum, as `ArgMax`.
    ArgMin,
}

impl ReduceOp {
    fn raw(self) -> sys::tvm_op_reduce_kind {
        match self {
            ReduceOp::Sum => sys::TVM_OP_SUM,
            ReduceOp::Mean => sys::TVM_OP_MEAN,
            ReduceOp::Max => sys::TVM_OP_MAX,
            ReduceOp::Min => sys::TVM_OP_MIN,
            ReduceOp::Prod => sys::TVM_OP_PROD,
            ReduceOp::ArgMax => sys::TVM_OP_ARGMAX,
            ReduceOp::ArgMin => sys::TVM_OP_ARGMIN,
        }
    }
}

/// Data layout of convolutions and pools (`tvm_layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Data NCHW (NCW for 1-D), weights OIHW (OIW).
    Nchw,
    /// Data NHWC (NWC), weights HWIO (WIO).
    Nhwc,
}

// (manual impl: `#[default]` on enum variants needs Rust 1.62)
#[allow(clippy::derivable_impls)]
impl Default for Layout {
    fn default() -> Layout {
        Layout::Nchw
    }
}

impl Layout {
    fn raw(self) -> sys::tvm_layout {
        match self {
            Layout::Nchw => sys::TVM_LAYOUT_NCHW,
            Layout::Nhwc => sys::TVM_LAYOUT_NHWC,
        }
    }
}

/// How [`pad`] fills the border (`tvm_pad_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PadMode {
    /// A constant value.
    Constant,
    /// Repeat the edge element (needs a non-empty dim).
    Edge,
    /// Mirror without repeating the edge (pads must be smaller than the dim).
    Reflect,
}

impl PadMode {
    fn raw(self) -> sys::tvm_pad_mode {
        match self {
            PadMode::Constant => sys::TVM_PAD_CONSTANT,
            PadMode::Edge => sys::TVM_PAD_EDGE,
            PadMode::Reflect => sys::TVM_PAD_REFLECT,
        }
    }
}

/// Interpolation of [`resize`] (`tvm_resize_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResizeMode {
    Nearest,
    /// Linear in every resized dim (at most 8 of them).
    Linear,
}

impl ResizeMode {
    fn raw(self) -> sys::tvm_resize_mode {
        match self {
            ResizeMode::Nearest => sys::TVM_RESIZE_NEAREST,
            ResizeMode::Linear => sys::TVM_RESIZE_LINEAR,
        }
    }
}

/// ONNX Resize `coordinate_transformation_mode` (`tvm_resize_coord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResizeCoord {
    HalfPixel,
    Asymmetric,
    AlignCorners,
    PytorchHalfPixel,
}

impl ResizeCoord {
    fn raw(self) -> sys::tvm_resize_coord {
        match self {
            ResizeCoord::HalfPixel => sys::TVM_COORD_HALF_PIXEL,
            ResizeCoord::Asymmetric => sys::TVM_COORD_ASYMMETRIC,
            ResizeCoord::AlignCorners => sys::TVM_COORD_ALIGN_CORNERS,
            ResizeCoord::PytorchHalfPixel => sys::TVM_COORD_PYTORCH_HALF_PIXEL,
        }
    }
}

/// ONNX Resize `nearest_mode` (`tvm_resize_nearest`); only used by
/// [`ResizeMode::Nearest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResizeNearest {
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
}

impl ResizeNearest {
    fn raw(self) -> sys::tvm_resize_nearest {
        match self {
            ResizeNearest::RoundPreferFloor => sys::TVM_NEAREST_ROUND_PREFER_FLOOR,
            ResizeNearest::RoundPreferCeil => sys::TVM_NEAREST_ROUND_PREFER_CEIL,
            ResizeNearest::Floor => sys::TVM_NEAREST_FLOOR,
            ResizeNearest::Ceil => sys::TVM_NEAREST_CEIL,
        }
    }
}

/// Interpolation of [`grid_sample`] (`tvm_grid_sample_mode`). Parses from
/// the ONNX / PyTorch names `"bilinear"`, `"nearest"`, `"bicubic"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GridSampleMode {
    Bilinear,
    /// Rounds half to even.
    Nearest,
    /// Cubic convolution (A = -0.75) over 4x4 taps.
    Bicubic,
}

impl GridSampleMode {
    fn raw(self) -> sys::tvm_grid_sample_mode {
        match self {
            GridSampleMode::Bilinear => sys::TVM_GRID_SAMPLE_BILINEAR,
            GridSampleMode::Nearest => sys::TVM_GRID_SAMPLE_NEAREST,
            GridSampleMode::Bicubic => sys::TVM_GRID_SAMPLE_BICUBIC,
        }
    }
}

impl std::str::FromStr for GridSampleMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<GridSampleMode> {
        match s {
            "bilinear" => Ok(GridSampleMode::Bilinear),
            "nearest" => Ok(GridSampleMode::Nearest),
            "bicubic" => Ok(GridSampleMode::Bicubic),
            _ => Err(Error::new(
                Status::InvalidArgument,
                format!("grid_sample: mode must be one of bilinear, nearest, bicubic, got {:?}", s),
            )),
        }
    }
}

/// What [`grid_sample`] reads outside the image (`tvm_grid_sample_padding`).
/// Parses from `"zeros"`, `"border"`, `"reflection"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GridSamplePadding {
    /// 0 outside the image.
    Zeros,
    /// Coordinates clamped into the image.
    Border,
    /// Coordinates mirrored at the image's edges.
    Reflection,
}

impl GridSamplePadding {
    fn raw(self) -> sys::tvm_grid_sample_padding {
        match self {
            GridSamplePadding::Zeros => sys::TVM_GRID_PAD_ZEROS,
            GridSamplePadding::Border => sys::TVM_GRID_PAD_BORDER,
            GridSamplePadding::Reflection => sys::TVM_GRID_PAD_REFLECTION,
        }
    }
}

impl std::str::FromStr for GridSamplePadding {
    type Err = Error;
    fn from_str(s: &str) -> Result<GridSamplePadding> {
        match s {
            "zeros" => Ok(GridSamplePadding::Zeros),
            "border" => Ok(GridSamplePadding::Border),
            "reflection" => Ok(GridSamplePadding::Reflection),
            _ => Err(Error::new(
                Status::InvalidArgument,
                format!("grid_sample: padding must be one of zeros, border, reflection, got {:?}", s),
            )),
        }
    }
}

/// How [`conv2d`] computes a 3x3, stride-1, undilated, ungrouped NCHW
/// float32 convolution with constant weights (`tvm_conv_algorithm`); every
/// other convolution is summed directly whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConvAlgorithm {
    /// Winograd F(4x4, 3x3) where it is faster (both channel counts >= 64
    /// and at least 16 output tiles), direct summation otherwise.
    Auto,
    /// Direct summation: bit for bit what other direct implementations give.
    Direct,
    /// Winograd wherever the layer qualifies; results differ from direct
    /// summation by rounding (see `tvm_conv_algorithm` in `tvmc.h`).
    Winograd,
}

impl ConvAlgorithm {
    fn raw(self) -> sys::tvm_conv_algorithm {
        match self {
            ConvAlgorithm::Auto => sys::TVM_CONV_ALGO_AUTO,
            ConvAlgorithm::Direct => sys::TVM_CONV_ALGO_DIRECT,
            ConvAlgorithm::Winograd => sys::TVM_CONV_ALGO_WINOGRAD,
        }
    }
}

/// How [`scatter_elements`] and [`scatter_nd`] combine an update with the
/// element it lands on (`tvm_scatter_reduction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScatterReduction {
    /// Replace; of several updates to one element the last in row-major
    /// order of the indices wins.
    None,
    Add,
    Mul,
    /// NaN-propagating, like `BinaryOp::Max`.
    Max,
    Min,
}

impl ScatterReduction {
    fn raw(self) -> sys::tvm_scatter_reduction {
        match self {
            ScatterReduction::None => sys::TVM_SCATTER_NONE,
            ScatterReduction::Add => sys::TVM_SCATTER_ADD,
            ScatterReduction::Mul => sys::TVM_SCATTER_MUL,
            ScatterReduction::Max => sys::TVM_SCATTER_MAX,
            ScatterReduction::Min => sys::TVM_SCATTER_MIN,
        }
    }
}

// ---------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------

/// Attributes of [`conv2d`], [`conv1d`] and [`conv_transpose2d`]
/// (`tvm_conv_attrs`). The default is stride 1, dilation 1, no padding, one
/// group, NCHW.
///
/// For 2-D ops index 0 is height and 1 width, and pads are `[top, left,
/// bottom, right]`. For 1-D ops only index 0 of strides / dilations is used
/// and pads are `[begin, end, _, _]` (see [`ConvAttrs::pads_1d`]).
///
/// ```
/// use tvmc::ops::{ConvAttrs, Layout};
/// let a = ConvAttrs::new().strides([2, 2]).padding(1).groups(4).layout(Layout::Nhwc);
/// assert_eq!(a.pads, [1, 1, 1, 1]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvAttrs {
    pub layout: Layout,
    /// Depthwise: groups == channels.
    pub groups: u32,
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
    pub pads: [i64; 4],
    /// conv_transpose2d only.
    pub output_padding: [i64; 2],
    /// conv2d only.
    pub algorithm: ConvAlgorithm,
}

impl Default for ConvAttrs {
    fn default() -> ConvAttrs {
        ConvAttrs {
            layout: Layout::Nchw,
            groups: 1,
            strides: [1, 1],
            dilations: [1, 1],
            pads: [0; 4],
            output_padding: [0; 2],
            algorithm: ConvAlgorithm::Auto,
        }
    }
}

impl ConvAttrs {
    pub fn new() -> ConvAttrs {
        ConvAttrs::default()
    }

    pub fn layout(mut self, layout: Layout) -> ConvAttrs {
        self.layout = layout;
        self
    }

    pub fn groups(mut self, groups: u32) -> ConvAttrs {
        self.groups = groups;
        self
    }

    /// `[height, width]` (1-D: `[stride, _]`).
    pub fn strides(mut self, strides: [i64; 2]) -> ConvAttrs {
        self.strides = strides;
        self
    }

    /// `[height, width]` (1-D: `[dilation, _]`).
    pub fn dilations(mut self, dilations: [i64; 2]) -> ConvAttrs {
        self.dilations = dilations;
        self
    }

    /// `[top, left, bottom, right]`.
    pub fn pads(mut self, pads: [i64; 4]) -> ConvAttrs {
        self.pads = pads;
        self
    }

    /// The same padding on every side (2-D) or both ends (1-D).
    pub fn padding(mut self, p: i64) -> ConvAttrs {
        self.pads = [p; 4];
        self
    }

    /// Padding of a 1-D op: `begin`, `end`.
    pub fn pads_1d(mut self, begin: i64, end: i64) -> ConvAttrs {
        self.pads = [begin, end, 0, 0];
        self
    }

    /// `[height, width]` added to one side of a transposed convolution's
    /// output.
    pub fn output_padding(mut self, p: [i64; 2]) -> ConvAttrs {
        self.output_padding = p;
        self
    }

    /// Direct summation or Winograd for the 3x3 convolutions that qualify
    /// (conv2d only; see [`ConvAlgorithm`]).
    pub fn algorithm(mut self, algorithm: ConvAlgorithm) -> ConvAttrs {
        self.algorithm = algorithm;
        self
    }

    fn raw(&self) -> std::result::Result<sys::tvm_conv_attrs, String> {
        let groups =
            i32::try_from(self.groups).map_err(|_| format!("groups {} is too large", self.groups))?;
        Ok(sys::tvm_conv_attrs {
            struct_size: std::mem::size_of::<sys::tvm_conv_attrs>(),
            layout: self.layout.raw(),
            groups,
            strides: self.strides,
            dilations: self.dilations,
            pads: self.pads,
            output_padding: self.output_padding,
            algorithm: self.algorithm.raw(),
        })
    }
}

/// Attributes of [`max_pool2d`] and [`avg_pool2d`] (`tvm_pool_attrs`). The
/// window size is required; the rest defaults to stride 1, dilation 1, no
/// padding, NCHW, floor mode, padding not counted.
///
/// ```
/// use tvmc::ops::PoolAttrs;
/// let a = PoolAttrs::new([2, 2]).strides([2, 2]).ceil_mode(true);
/// assert_eq!(a.kernel, [2, 2]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolAttrs {
    pub layout: Layout,
    /// The output size rounds up (windows starting in the padding are
    /// dropped).
    pub ceil_mode: bool,
    /// Average pool: divide by the full window, padding included.
    pub count_include_pad: bool,
    /// `[height, width]`, each >= 1.
    pub kernel: [i64; 2],
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
    /// `[top, left, bottom, right]`.
    pub pads: [i64; 4],
}

impl PoolAttrs {
    /// A `kernel[0] x kernel[1]` window with the defaults.
    pub fn new(kernel: [i64; 2]) -> PoolAttrs {
        PoolAttrs {
            layout: Layout::Nchw,
            ceil_mode: false,
            count_include_pad: false,
            kernel,
            strides: [1, 1],
            dilations: [1, 1],
            pads: [0; 4],
        }
    }

    pub fn layout(mut self, layout: Layout) -> PoolAttrs {
        self.layout = layout;
        self
    }

    pub fn ceil_mode(mut self, on: bool) -> PoolAttrs {
        self.ceil_mode = on;
        self
    }

    pub fn count_include_pad(mut self, on: bool) -> PoolAttrs {
        self.count_include_pad = on;
        self
    }

    pub fn strides(mut self, strides: [i64; 2]) -> PoolAttrs {
        self.strides = strides;
        self
    }

    pub fn dilations(mut self, dilations: [i64; 2]) -> PoolAttrs {
        self.dilations = dilations;
        self
    }

    /// `[top, left, bottom, right]`.
    pub fn pads(mut self, pads: [i64; 4]) -> PoolAttrs {
        self.pads = pads;
        self
    }

    /// The same padding on every side.
    pub fn padding(mut self, p: i64) -> PoolAttrs {
        self.pads = [p; 4];
        self
    }

    fn raw(&self) -> sys::tvm_pool_attrs {
        sys::tvm_pool_attrs {
            struct_size: std::mem::size_of::<sys::tvm_pool_attrs>(),
            layout: self.layout.raw(),
            ceil_mode: self.ceil_mode as i32,
            count_include_pad: self.count_include_pad as i32,
            pad_: 0,
            kernel: self.kernel,
            strides: self.strides,
            dilations: self.dilations,
            pads: self.pads,
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// The result of a sticky C op: the tensor, or the graph's recorded error
/// when C returned the null handle.
fn finish<'g>(g: &'g Graph<'g>, raw: sys::tvm_tensor) -> Result<Tensor<'g>> {
    if raw.id != 0 {
        return Ok(g.tensor(raw));
    }
    match g.status() {
        Err(e) => Err(e),
        // C returned no tensor yet recorded nothing: never expected.
        Ok(()) => Err(Error::new(Status::Internal, "operator returned the null tensor without an error")),
    }
}

/// Records a Rust-side argument error on the graph (so it is sticky like a
/// C one) and returns the graph's first error.
fn reject<'g, T>(g: &'g Graph<'g>, status: Status, message: String) -> Result<T> {
    g.fail(status, message);
    Err(g.status().err().unwrap_or_else(|| Error::new(Status::Internal, "unrecorded error")))
}

/// `x`'s raw handle, checked to be in `g`.
fn own<'g>(g: &'g Graph<'g>, x: &Tensor<'_>, what: &str) -> sys::tvm_tensor {
    g.own_tensor(*x, what)
}

fn own_opt<'g>(g: &'g Graph<'g>, x: Option<&Tensor<'_>>, what: &str) -> sys::tvm_tensor {
    x.map_or(NULL_TENSOR, |t| g.own_tensor(*t, what))
}

/// A slice length as a C count.
fn count<'g>(g: &'g Graph<'g>, n: usize, what: &str) -> Result<c_int> {
    match c_int::try_from(n) {
        Ok(n) => Ok(n),
        Err(_) => reject(g, Status::InvalidArgument, format!("{}: {} entries is too many", what, n)),
    }
}

/// `x`'s rank, for checking slices C reads `ndim` entries of. A null or
/// foreign `x` gives the graph's error.
fn rank<'g>(g: &'g Graph<'g>, raw: sys::tvm_tensor, what: &str) -> Result<usize> {
    g.status()?;
    let mut nd: c_int = 0;
    // SAFETY: valid graph and out pointer; C checks the handle.
    let s = unsafe { sys::tvm_tensor_info(g.ptr(), raw, &mut nd, ptr::null_mut()) };
    if s != sys::TVM_OK {
        let e = Error::from_last(s);
        return reject(g, e.status(), format!("{}: {}", what, e.message()));
    }
    Ok(nd.max(0) as usize)
}

fn check_len<'g>(g: &'g Graph<'g>, got: usize, want: usize, what: &str, name: &str) -> Result<()> {
    if got != want {
        return reject(
            g,
            Status::InvalidArgument,
            format!(
                "{}: {} needs {} entries (from the tensor's rank) but {} were given",
                what, name, want, got
            ),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Elementwise
// ---------------------------------------------------------------------------

/// Elementwise `a op b` with numpy broadcasting. Both operands have the
/// same dtype (use [`cast`] first).
pub fn binary<'g>(op: BinaryOp, a: &Tensor<'g>, b: &Tensor<'g>) -> Result<Tensor<'g>> {
    let g = a.graph();
    let (ra, rb) = (own(g, a, "binary"), own(g, b, "binary"));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_binary(g.ptr(), op.raw(), ra, rb) })
}

macro_rules! binary_fns {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$m])*
        pub fn $name<'g>(a: &Tensor<'g>, b: &Tensor<'g>) -> Result<Tensor<'g>> {
            binary(BinaryOp::$op, a, b)
        }
    )*};
}

binary_fns! {
    /// `a + b`, broadcasting.
    add => Add;
    /// `a - b`, broadcasting.
    sub => Sub;
    /// `a * b`, broadcasting.
    mul => Mul;
    /// `a / b`, broadcasting (integers truncate).
    div => Div;
    /// NaN-propagating elementwise minimum, broadcasting.
    minimum => Minimum;
    /// NaN-propagating elementwise maximum, broadcasting.
    maximum => Maximum;
}

/// `cond ? a : b` elementwise; `cond` is bool, all three broadcast together.
pub fn where_<'g>(cond: &Tensor<'g>, a: &Tensor<'g>, b: &Tensor<'g>) -> Result<Tensor<'g>> {
    let g = cond.graph();
    let (rc, ra, rb) = (own(g, cond, "where"), own(g, a, "where"), own(g, b, "where"));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_where(g.ptr(), rc, ra, rb) })
}

/// An elementwise unary operator.
pub fn unary<'g>(op: UnaryOp, x: &Tensor<'g>) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; C checks the handle.
    finish(g, unsafe { sys::tvm_op_unary(g.ptr(), op.raw(), x.raw()) })
}

macro_rules! unary_fns {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$m])*
        pub fn $name<'g>(x: &Tensor<'g>) -> Result<Tensor<'g>> {
            unary(UnaryOp::$op, x)
        }
    )*};
}

unary_fns! {
    /// `max(x, 0)`.
    relu => Relu;
    /// `1 / (1 + exp(-x))`.
    sigmoid => Sigmoid;
    tanh => Tanh;
    /// `x / 2 * (1 + erf(x / sqrt 2))`.
    gelu => Gelu;
    exp => Exp;
    log => Log;
    sqrt => Sqrt;
}

/// `x >= 0 ? x : alpha * x`.
pub fn leaky_relu<'g>(x: &Tensor<'g>, alpha: f64) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; C checks the handle.
    finish(g, unsafe { sys::tvm_op_leaky_relu(g.ptr(), x.raw(), alpha) })
}

/// `x >= 0 ? x : alpha * (exp(x) - 1)`.
pub fn elu<'g>(x: &Tensor<'g>, alpha: f64) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_elu(g.ptr(), x.raw(), alpha) })
}

/// `max(0, min(1, alpha * x + beta))` (ONNX defaults: 0.2, 0.5).
pub fn hard_sigmoid<'g>(x: &Tensor<'g>, alpha: f64, beta: f64) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_hard_sigmoid(g.ptr(), x.raw(), alpha, beta) })
}

/// `min(max(x, lo), hi)`; a NaN bound means no bound (pass `f64::NAN`);
/// `lo > hi` gives `hi`.
pub fn clip<'g>(x: &Tensor<'g>, lo: f64, hi: f64) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_clip(g.ptr(), x.raw(), lo, hi) })
}

/// Elementwise conversion to `dtype` ([`Expr::cast`](crate::Expr::cast)
/// semantics).
pub fn cast<'g>(x: &Tensor<'g>, dtype: DType) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_cast(g.ptr(), x.raw(), dtype.raw()) })
}

// ---------------------------------------------------------------------------
// Reductions and linear algebra
// ---------------------------------------------------------------------------

/// Reduces `x` over `axes` (empty: all axes), keeping them as size-1 dims
/// when `keepdims`. Duplicate axes are an error; `ArgMax` / `ArgMin` take
/// exactly one axis.
pub fn reduce<'g>(op: ReduceOp, x: &Tensor<'g>, axes: &[i32], keepdims: bool) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, axes.len(), "reduce")?;
    // SAFETY: valid graph; axes holds n ints.
    finish(g, unsafe { sys::tvm_op_reduce(g.ptr(), op.raw(), x.raw(), n, axes.as_ptr(), keepdims as c_int) })
}

/// Sum over `axes` (empty: all).
pub fn sum<'g>(x: &Tensor<'g>, axes: &[i32], keepdims: bool) -> Result<Tensor<'g>> {
    reduce(ReduceOp::Sum, x, axes, keepdims)
}

/// Mean over `axes` (empty: all); floats only.
pub fn mean<'g>(x: &Tensor<'g>, axes: &[i32], keepdims: bool) -> Result<Tensor<'g>> {
    reduce(ReduceOp::Mean, x, axes, keepdims)
}

/// Index (int64) of the maximum along `axis`; the first on ties.
pub fn argmax<'g>(x: &Tensor<'g>, axis: i32, keepdims: bool) -> Result<Tensor<'g>> {
    reduce(ReduceOp::ArgMax, x, &[axis], keepdims)
}

/// Index (int64) of the minimum along `axis`; the first on ties.
pub fn argmin<'g>(x: &Tensor<'g>, axis: i32, keepdims: bool) -> Result<Tensor<'g>> {
    reduce(ReduceOp::ArgMin, x, &[axis], keepdims)
}

/// `numpy.matmul`: 1-D operands are promoted (and the added dim removed),
/// leading dims broadcast. `transpose_a` / `transpose_b` swap the last two
/// dims of a 2-D+ operand first.
pub fn matmul<'g>(
    a: &Tensor<'g>,
    b: &Tensor<'g>,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<Tensor<'g>> {
    let g = a.graph();
    let (ra, rb) = (own(g, a, "matmul"), own(g, b, "matmul"));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_matmul(g.ptr(), ra, rb, transpose_a as c_int, transpose_b as c_int) })
}

/// `x [..., K]` times `w [N, K]` transposed, plus `bias [N]` when given.
pub fn dense<'g>(x: &Tensor<'g>, w: &Tensor<'g>, bias: Option<&Tensor<'g>>) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, rw, rb) = (own(g, x, "dense"), own(g, w, "dense"), own_opt(g, bias, "dense"));
    // SAFETY: valid graph; C checks the handles (0 = no bias).
    finish(g, unsafe { sys::tvm_op_dense(g.ptr(), rx, rw, rb) })
}

// ---------------------------------------------------------------------------
// Convolution and pooling
// ---------------------------------------------------------------------------

type ConvFn = unsafe extern "C" fn(
    *mut sys::tvm_graph,
    sys::tvm_tensor,
    sys::tvm_tensor,
    sys::tvm_tensor,
    *const sys::tvm_conv_attrs,
) -> sys::tvm_tensor;

fn conv<'g>(
    f: ConvFn,
    what: &str,
    x: &Tensor<'g>,
    w: &Tensor<'g>,
    bias: Option<&Tensor<'g>>,
    attrs: &ConvAttrs,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, rw, rb) = (own(g, x, what), own(g, w, what), own_opt(g, bias, what));
    let a = match attrs.raw() {
        Ok(a) => a,
        Err(m) => return reject(g, Status::InvalidArgument, format!("{}: {}", what, m)),
    };
    // SAFETY: valid graph, attrs struct with its size; C checks the handles.
    finish(g, unsafe { f(g.ptr(), rx, rw, rb, &a) })
}

/// 2-D convolution (cross-correlation, as ONNX / PyTorch). Weights have
/// `C / groups` input channels; `bias [O]` is optional.
pub fn conv2d<'g>(
    x: &Tensor<'g>,
    w: &Tensor<'g>,
    bias: Option<&Tensor<'g>>,
    attrs: &ConvAttrs,
) -> Result<Tensor<'g>> {
    conv(sys::tvm_op_conv2d, "conv2d", x, w, bias, attrs)
}

/// 1-D convolution: data NCW (or NWC), weights OIW (or WIO).
pub fn conv1d<'g>(
    x: &Tensor<'g>,
    w: &Tensor<'g>,
    bias: Option<&Tensor<'g>>,
    attrs: &ConvAttrs,
) -> Result<Tensor<'g>> {
    conv(sys::tvm_op_conv1d, "conv1d", x, w, bias, attrs)
}

/// Transposed 2-D convolution as ONNX ConvTranspose, NCHW only: weights
/// `[C, O / groups, KH, KW]`.
pub fn conv_transpose2d<'g>(
    x: &Tensor<'g>,
    w: &Tensor<'g>,
    bias: Option<&Tensor<'g>>,
    attrs: &ConvAttrs,
) -> Result<Tensor<'g>> {
    conv(sys::tvm_op_conv_transpose2d, "conv_transpose2d", x, w, bias, attrs)
}

/// 2-D max pooling.
pub fn max_pool2d<'g>(x: &Tensor<'g>, attrs: &PoolAttrs) -> Result<Tensor<'g>> {
    let g = x.graph();
    let a = attrs.raw();
    // SAFETY: valid graph and attrs struct; C checks the handle.
    finish(g, unsafe { sys::tvm_op_max_pool2d(g.ptr(), x.raw(), &a) })
}

/// 2-D average pooling.
pub fn avg_pool2d<'g>(x: &Tensor<'g>, attrs: &PoolAttrs) -> Result<Tensor<'g>> {
    let g = x.graph();
    let a = attrs.raw();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_avg_pool2d(g.ptr(), x.raw(), &a) })
}

/// Pooling over all of H and W (result N,C,1,1 or N,1,1,C); `op` is
/// [`ReduceOp::Max`] or [`ReduceOp::Mean`].
pub fn global_pool2d<'g>(x: &Tensor<'g>, op: ReduceOp, layout: Layout) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; C checks the handle and the kind.
    finish(g, unsafe { sys::tvm_op_global_pool2d(g.ptr(), x.raw(), op.raw(), layout.raw()) })
}

// ---------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------

/// Softmax along `axis` (numerically stable).
pub fn softmax<'g>(x: &Tensor<'g>, axis: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; C checks the handle and the axis.
    finish(g, unsafe { sys::tvm_op_softmax(g.ptr(), x.raw(), axis) })
}

/// Log-softmax along `axis` (numerically stable).
pub fn log_softmax<'g>(x: &Tensor<'g>, axis: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: as above.
    finish(g, unsafe { sys::tvm_op_log_softmax(g.ptr(), x.raw(), axis) })
}

/// ONNX LayerNormalization over axes `[axis, ndim)`; `gamma` and `beta`
/// (optional) have the normalised shape or broadcast to it.
pub fn layer_norm<'g>(
    x: &Tensor<'g>,
    gamma: Option<&Tensor<'g>>,
    beta: Option<&Tensor<'g>>,
    axis: i32,
    epsilon: f64,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, rg, rb) =
        (own(g, x, "layer_norm"), own_opt(g, gamma, "layer_norm"), own_opt(g, beta, "layer_norm"));
    // SAFETY: valid graph; C checks the handles (0 = absent).
    finish(g, unsafe { sys::tvm_op_layer_norm(g.ptr(), rx, rg, rb, axis, epsilon) })
}

/// Inference batch norm over channel axis 1 (`x` is N, C, ...); `scale`,
/// `bias`, `mean` and `var` are `[C]`.
pub fn batch_norm<'g>(
    x: &Tensor<'g>,
    scale: &Tensor<'g>,
    bias: &Tensor<'g>,
    mean: &Tensor<'g>,
    var: &Tensor<'g>,
    epsilon: f64,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let w = "batch_norm";
    let (rx, rs, rb, rm, rv) =
        (own(g, x, w), own(g, scale, w), own(g, bias, w), own(g, mean, w), own(g, var, w));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_batch_norm(g.ptr(), rx, rs, rb, rm, rv, epsilon) })
}

/// Group norm (`x` is N, C, ...; `groups` divides C); `scale` and `bias`
/// `[C]` are optional.
pub fn group_norm<'g>(
    x: &Tensor<'g>,
    scale: Option<&Tensor<'g>>,
    bias: Option<&Tensor<'g>>,
    groups: u32,
    epsilon: f64,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, rs, rb) =
        (own(g, x, "group_norm"), own_opt(g, scale, "group_norm"), own_opt(g, bias, "group_norm"));
    let groups = count(g, groups as usize, "group_norm")?;
    // SAFETY: valid graph; C checks the handles (0 = absent).
    finish(g, unsafe { sys::tvm_op_group_norm(g.ptr(), rx, rs, rb, groups, epsilon) })
}

// ---------------------------------------------------------------------------
// Shape operators
// ---------------------------------------------------------------------------

/// ONNX Reshape: one entry may be -1 (inferred), 0 copies the input dim.
pub fn reshape<'g>(x: &Tensor<'g>, shape: &[i64]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, shape.len(), "reshape")?;
    // SAFETY: valid graph; shape holds n entries.
    finish(g, unsafe { sys::tvm_op_reshape(g.ptr(), x.raw(), n, shape.as_ptr()) })
}

/// Permutes dims: result dim `k` is `x`'s dim `perm[k]`; `perm` has one
/// entry per dim of `x`.
pub fn transpose<'g>(x: &Tensor<'g>, perm: &[i32]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let nd = rank(g, x.raw(), "transpose")?;
    check_len(g, perm.len(), nd, "transpose", "perm")?;
    // SAFETY: valid graph; perm holds ndim entries.
    finish(g, unsafe { sys::tvm_op_transpose(g.ptr(), x.raw(), perm.as_ptr()) })
}

/// Reverses the order of the dims (numpy `x.T`).
pub fn transpose_reversed<'g>(x: &Tensor<'g>) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; NULL perm means reversed.
    finish(g, unsafe { sys::tvm_op_transpose(g.ptr(), x.raw(), ptr::null()) })
}

/// Joins `xs` (at least one, one dtype) along `axis`; other dims match.
pub fn concat<'g>(xs: &[&Tensor<'g>], axis: i32) -> Result<Tensor<'g>> {
    let first = match xs.first() {
        Some(t) => t,
        None => return Err(Error::new(Status::InvalidArgument, "concat: no tensors")),
    };
    let g = first.graph();
    let raws: Vec<sys::tvm_tensor> = xs.iter().map(|t| own(g, t, "concat")).collect();
    let n = count(g, raws.len(), "concat")?;
    // SAFETY: valid graph; raws holds n handles.
    finish(g, unsafe { sys::tvm_op_concat(g.ptr(), n, raws.as_ptr(), axis) })
}

fn split_raw<'g>(x: &Tensor<'g>, axis: i32, n: usize, sizes: Option<&[i64]>) -> Result<Vec<Tensor<'g>>> {
    let g = x.graph();
    g.status()?;
    let nc = count(g, n, "split")?;
    if n == 0 {
        return reject(g, Status::InvalidArgument, "split: zero parts".to_string());
    }
    let mut outs = vec![NULL_TENSOR; n];
    let sp = sizes.map_or(ptr::null(), |s| s.as_ptr());
    // SAFETY: valid graph; sizes (when given) and outs hold n entries.
    let s = unsafe { sys::tvm_op_split(g.ptr(), x.raw(), axis, nc, sp, outs.as_mut_ptr()) };
    if s != sys::TVM_OK {
        return Err(g.status().err().unwrap_or_else(|| Error::from_last(s)));
    }
    Ok(outs.into_iter().map(|t| g.tensor(t)).collect())
}

/// Splits `x` along `axis` into parts of the given `sizes` (summing to the
/// dim, which must be a constant).
pub fn split<'g>(x: &Tensor<'g>, axis: i32, sizes: &[i64]) -> Result<Vec<Tensor<'g>>> {
    split_raw(x, axis, sizes.len(), Some(sizes))
}

/// Splits `x` along `axis` into `n` equal parts (the dim must be a constant
/// divisible by `n`).
pub fn split_equal<'g>(x: &Tensor<'g>, axis: i32, n: usize) -> Result<Vec<Tensor<'g>>> {
    split_raw(x, axis, n, None)
}

/// ONNX Slice: for each of `axes`, elements `starts..ends` by `steps`
/// (`None`: 1; a step is never 0). Negative starts / ends count from the end
/// and are clamped as ONNX does. The sliced dims must be constants.
pub fn slice<'g>(
    x: &Tensor<'g>,
    axes: &[i32],
    starts: &[i64],
    ends: &[i64],
    steps: Option<&[i64]>,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, axes.len(), "slice")?;
    check_len(g, starts.len(), axes.len(), "slice", "starts")?;
    check_len(g, ends.len(), axes.len(), "slice", "ends")?;
    if let Some(st) = steps {
        check_len(g, st.len(), axes.len(), "slice", "steps")?;
    }
    let sp = steps.map_or(ptr::null(), |s| s.as_ptr());
    // SAFETY: valid graph; every array holds n entries (or steps is NULL).
    finish(g, unsafe {
        sys::tvm_op_slice(g.ptr(), x.raw(), n, axes.as_ptr(), starts.as_ptr(), ends.as_ptr(), sp)
    })
}

/// ONNX Pad: `pads` holds `ndim` begin counts then `ndim` end counts
/// (negative values crop). `value` (for [`PadMode::Constant`]) must be
/// representable in `x`'s dtype.
pub fn pad<'g>(x: &Tensor<'g>, pads: &[i64], mode: PadMode, value: f64) -> Result<Tensor<'g>> {
    let g = x.graph();
    let nd = rank(g, x.raw(), "pad")?;
    check_len(g, pads.len(), 2 * nd, "pad", "pads")?;
    // SAFETY: valid graph; pads holds 2 * ndim entries.
    finish(g, unsafe { sys::tvm_op_pad(g.ptr(), x.raw(), pads.as_ptr(), mode.raw(), value) })
}

/// ONNX Gather: `x` indexed along `axis` by `indices` (int32 / int64,
/// negative values count from the end; out of range is `OutOfBounds` when
/// the function runs). Result shape `x[:axis] + indices + x[axis+1:]`.
pub fn gather<'g>(x: &Tensor<'g>, indices: &Tensor<'g>, axis: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, ri) = (own(g, x, "gather"), own(g, indices, "gather"));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_gather(g.ptr(), rx, ri, axis) })
}

/// ONNX Expand: numpy broadcast of `x` and `shape`.
pub fn broadcast_to<'g>(x: &Tensor<'g>, shape: &[i64]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, shape.len(), "broadcast_to")?;
    // SAFETY: valid graph; shape holds n entries.
    finish(g, unsafe { sys::tvm_op_broadcast_to(g.ptr(), x.raw(), n, shape.as_ptr()) })
}

/// Removes the listed size-1 axes (empty: every constant size-1 axis).
pub fn squeeze<'g>(x: &Tensor<'g>, axes: &[i32]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, axes.len(), "squeeze")?;
    // SAFETY: valid graph; axes holds n entries.
    finish(g, unsafe { sys::tvm_op_squeeze(g.ptr(), x.raw(), n, axes.as_ptr()) })
}

/// Inserts size-1 axes at the listed positions of the result.
pub fn unsqueeze<'g>(x: &Tensor<'g>, axes: &[i32]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let n = count(g, axes.len(), "unsqueeze")?;
    // SAFETY: valid graph; axes holds n entries.
    finish(g, unsafe { sys::tvm_op_unsqueeze(g.ptr(), x.raw(), n, axes.as_ptr()) })
}

/// ONNX Flatten: a 2-D result `[prod(dims[:axis]), prod(dims[axis:])]`.
pub fn flatten<'g>(x: &Tensor<'g>, axis: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    // SAFETY: valid graph; C checks the handle and axis.
    finish(g, unsafe { sys::tvm_op_flatten(g.ptr(), x.raw(), axis) })
}

/// ONNX Tile: `repeats` has one entry (>= 0) per dim of `x`.
pub fn tile<'g>(x: &Tensor<'g>, repeats: &[i64]) -> Result<Tensor<'g>> {
    let g = x.graph();
    let nd = rank(g, x.raw(), "tile")?;
    check_len(g, repeats.len(), nd, "tile", "repeats")?;
    // SAFETY: valid graph; repeats holds ndim entries.
    finish(g, unsafe { sys::tvm_op_tile(g.ptr(), x.raw(), repeats.as_ptr()) })
}

/// ONNX Resize of a float `x` to `out_shape` (one constant >= 1 per dim).
/// `nearest` only matters for [`ResizeMode::Nearest`].
pub fn resize<'g>(
    x: &Tensor<'g>,
    out_shape: &[i64],
    mode: ResizeMode,
    coord: ResizeCoord,
    nearest: ResizeNearest,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let nd = rank(g, x.raw(), "resize")?;
    check_len(g, out_shape.len(), nd, "resize", "out_shape")?;
    // SAFETY: valid graph; out_shape holds ndim entries.
    finish(g, unsafe {
        sys::tvm_op_resize(g.ptr(), x.raw(), out_shape.as_ptr(), mode.raw(), coord.raw(), nearest.raw())
    })
}

/// ONNX GridSample (opset 16) / PyTorch `grid_sample`: `x` `[N, C, H, W]`
/// sampled at `grid` `[N, H_out, W_out, 2]` (per location x then y,
/// normalised so that -1 and 1 are the corner pixels' centres when
/// `align_corners`, their outer edges otherwise), giving `[N, C, H_out,
/// W_out]` of `x`'s dtype. Both are float; `N` must be the same dim in both
/// and grid's last dim the constant 2 (`Shape` error otherwise).
pub fn grid_sample<'g>(
    x: &Tensor<'g>,
    grid: &Tensor<'g>,
    mode: GridSampleMode,
    padding: GridSamplePadding,
    align_corners: bool,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, rg) = (own(g, x, "grid_sample"), own(g, grid, "grid_sample"));
    // SAFETY: valid graph; C checks the handles, ranks, dims and dtypes.
    finish(g, unsafe {
        sys::tvm_op_grid_sample(g.ptr(), rx, rg, mode.raw(), padding.raw(), c_int::from(align_corners))
    })
}

// ---------------------------------------------------------------------------
// Indexing, selection, quantization and bit operators
// ---------------------------------------------------------------------------
// Indices are int32 or int64 data and may be negative (counting from the
// end); an index outside [-dim, dim) is `OutOfBounds` when the function
// runs, never a read or write outside a tensor.

/// ONNX GatherElements: `out[i] = x[i with i[axis] := indices[i]]`; the
/// result has `indices`' shape and `x`'s dtype.
pub fn gather_elements<'g>(x: &Tensor<'g>, indices: &Tensor<'g>, axis: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, ri) = (own(g, x, "gather_elements"), own(g, indices, "gather_elements"));
    // SAFETY: valid graph; C checks the handles and axis.
    finish(g, unsafe { sys::tvm_op_gather_elements(g.ptr(), rx, ri, axis) })
}

/// ONNX GatherND: `indices[..., m]` holds index tuples into dims
/// `[batch_dims, batch_dims + m)` of `x`. Result shape
/// `indices.shape[:-1] + x.shape[batch_dims + m:]`.
pub fn gather_nd<'g>(x: &Tensor<'g>, indices: &Tensor<'g>, batch_dims: i32) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, ri) = (own(g, x, "gather_nd"), own(g, indices, "gather_nd"));
    // SAFETY: valid graph; C checks the handles and batch_dims.
    finish(g, unsafe { sys::tvm_op_gather_nd(g.ptr(), rx, ri, batch_dims) })
}

/// ONNX ScatterElements: a copy of `x` where `updates[u]` is combined into
/// element `(u with u[axis] := indices[u])`.
pub fn scatter_elements<'g>(
    x: &Tensor<'g>,
    indices: &Tensor<'g>,
    updates: &Tensor<'g>,
    axis: i32,
    reduction: ScatterReduction,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let what = "scatter_elements";
    let (rx, ri, ru) = (own(g, x, what), own(g, indices, what), own(g, updates, what));
    // SAFETY: valid graph; C checks the handles and axis.
    finish(g, unsafe { sys::tvm_op_scatter_elements(g.ptr(), rx, ri, ru, axis, reduction.raw()) })
}

/// ONNX ScatterND: `indices[..., m]` addresses slices `x[t0, .., t(m-1), ..]`;
/// `updates` has shape `indices.shape[:-1] + x.shape[m:]`.
pub fn scatter_nd<'g>(
    x: &Tensor<'g>,
    indices: &Tensor<'g>,
    updates: &Tensor<'g>,
    reduction: ScatterReduction,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let what = "scatter_nd";
    let (rx, ri, ru) = (own(g, x, what), own(g, indices, what), own(g, updates, what));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_scatter_nd(g.ptr(), rx, ri, ru, reduction.raw()) })
}

/// ONNX TopK: the int64 positions along `axis` of the `k` largest
/// (`largest`) or smallest elements, best first, ties in increasing
/// position. Use [`topk`] for the values too.
pub fn topk_indices<'g>(x: &Tensor<'g>, k: i64, axis: i32, largest: bool) -> Result<Tensor<'g>> {
    let g = x.graph();
    let rx = own(g, x, "topk");
    // SAFETY: valid graph; C checks the handle, k and axis.
    finish(g, unsafe { sys::tvm_op_topk(g.ptr(), rx, k, axis, c_int::from(largest)) })
}

/// ONNX TopK: `(values, indices)`; the values are [`gather_elements`] of `x`
/// by the indices.
pub fn topk<'g>(x: &Tensor<'g>, k: i64, axis: i32, largest: bool) -> Result<(Tensor<'g>, Tensor<'g>)> {
    let idx = topk_indices(x, k, axis, largest)?;
    let values = gather_elements(x, &idx, axis)?;
    Ok((values, idx))
}

/// numpy / ONNX einsum over 1 to 8 tensors of one numeric dtype, e.g.
/// `einsum("ij,jk->ik", &[&a, &b])`; implicit outputs and one `...` per
/// term as in numpy.
pub fn einsum<'g>(equation: &str, xs: &[&Tensor<'g>]) -> Result<Tensor<'g>> {
    let first = match xs.first() {
        Some(t) => t,
        None => return Err(Error::new(Status::InvalidArgument, "einsum: no tensors")),
    };
    let g = first.graph();
    let eq = match CString::new(equation) {
        Ok(s) => s,
        Err(_) => {
            return reject(g, Status::InvalidArgument, "einsum: the equation contains a NUL byte".to_string())
        }
    };
    let raws: Vec<sys::tvm_tensor> = xs.iter().map(|t| own(g, t, "einsum")).collect();
    let n = count(g, raws.len(), "einsum")?;
    // SAFETY: valid graph; eq is NUL-terminated; raws holds n handles.
    finish(g, unsafe { sys::tvm_op_einsum(g.ptr(), eq.as_ptr(), n, raws.as_ptr()) })
}

/// ONNX QuantizeLinear: `saturate(round(x / scale) + zero_point)` (half to
/// even) as `dtype` (`I8` or `U8`; `None`: `zero_point`'s dtype, or `U8`
/// without one). `scale` / `zero_point` are per tensor, or rank 1 with
/// `x`'s dim on `axis` (per axis).
pub fn quantize_linear<'g>(
    x: &Tensor<'g>,
    scale: &Tensor<'g>,
    zero_point: Option<&Tensor<'g>>,
    axis: i32,
    dtype: Option<DType>,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let what = "quantize_linear";
    let (rx, rs, rz) = (own(g, x, what), own(g, scale, what), own_opt(g, zero_point, what));
    let code = match (dtype, zero_point) {
        (Some(d), _) => d.raw(),
        (None, Some(_)) => 0, // C: "as zero_point"
        (None, None) => DType::U8.raw(),
    };
    // SAFETY: valid graph; C checks the handles, axis and dtype.
    finish(g, unsafe { sys::tvm_op_quantize_linear(g.ptr(), rx, rs, rz, axis, code) })
}

/// ONNX DequantizeLinear: `(x - zero_point) * scale` in `scale`'s float
/// dtype; `x` is int8, uint8 or int32.
pub fn dequantize_linear<'g>(
    x: &Tensor<'g>,
    scale: &Tensor<'g>,
    zero_point: Option<&Tensor<'g>>,
    axis: i32,
) -> Result<Tensor<'g>> {
    let g = x.graph();
    let what = "dequantize_linear";
    let (rx, rs, rz) = (own(g, x, what), own(g, scale, what), own_opt(g, zero_point, what));
    // SAFETY: valid graph; C checks the handles and axis.
    finish(g, unsafe { sys::tvm_op_dequantize_linear(g.ptr(), rx, rs, rz, axis) })
}

/// ONNX BitShift with numpy broadcasting: `x << y` (`left`) or `x >> y`,
/// integers of one dtype. Shifting by the bit width or more (or a negative
/// amount) gives 0, or -1 for a negative `x` shifted right.
pub fn bitshift<'g>(x: &Tensor<'g>, y: &Tensor<'g>, left: bool) -> Result<Tensor<'g>> {
    let g = x.graph();
    let (rx, ry) = (own(g, x, "bitshift"), own(g, y, "bitshift"));
    // SAFETY: valid graph; C checks the handles.
    finish(g, unsafe { sys::tvm_op_bitshift(g.ptr(), rx, ry, c_int::from(left)) })
}
