//! Raw declarations of the C API in `tvmc.h` (and the DLPack structs it
//! uses), written by hand. Every item mirrors the header one to one; see
//! `include/tvmc.h` for the documentation of each function.
//!
//! C enums are declared as `c_int` type aliases with constants rather than
//! Rust enums, so that a value the library returns that this crate does not
//! know about is never undefined behaviour.
//!
//! Everything here is `unsafe` to call; the safe API lives in the crate root.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int, c_void};

// ---------------------------------------------------------------------------
// DLPack (dlpack.h, version 0.6 and later: the struct layouts are stable)
// ---------------------------------------------------------------------------

/// `DLDeviceType` (a C enum).
pub type DLDeviceType = c_int;
pub const kDLCPU: DLDeviceType = 1;
pub const kDLCUDA: DLDeviceType = 2;
pub const kDLCUDAHost: DLDeviceType = 3;
pub const kDLOpenCL: DLDeviceType = 4;
pub const kDLVulkan: DLDeviceType = 7;
pub const kDLMetal: DLDeviceType = 8;
pub const kDLVPI: DLDeviceType = 9;
pub const kDLROCM: DLDeviceType = 10;
pub const kDLROCMHost: DLDeviceType = 11;
pub const kDLExtDev: DLDeviceType = 12;
pub const kDLCUDAManaged: DLDeviceType = 13;

/// `DLDataTypeCode` values (stored as `u8` in [`DLDataType::code`]).
pub const kDLInt: u8 = 0;
pub const kDLUInt: u8 = 1;
pub const kDLFloat: u8 = 2;
pub const kDLOpaqueHandle: u8 = 3;
pub const kDLBfloat: u8 = 4;
pub const kDLComplex: u8 = 5;
/// Added in DLPack 0.8; tvmc accepts it for `TVM_BOOL`.
pub const kDLBool: u8 = 6;

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DLDevice {
    pub device_type: DLDeviceType,
    pub device_id: c_int,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DLDataType {
    pub code: u8,
    pub bits: u8,
    pub lanes: u16,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DLTensor {
    pub data: *mut c_void,
    pub device: DLDevice,
    pub ndim: c_int,
    pub dtype: DLDataType,
    pub shape: *mut i64,
    pub strides: *mut i64,
    pub byte_offset: u64,
}

// ---------------------------------------------------------------------------
// Version, status codes, errors
// ---------------------------------------------------------------------------

pub const TVMC_VERSION_MAJOR: c_int = 0;
pub const TVMC_VERSION_MINOR: c_int = 1;
pub const TVMC_VERSION_PATCH: c_int = 0;

/// `tvm_status` (a C enum).
pub type tvm_status = c_int;
pub const TVM_OK: tvm_status = 0;
pub const TVM_ERR_INVALID_ARGUMENT: tvm_status = 1;
pub const TVM_ERR_DTYPE: tvm_status = 2;
pub const TVM_ERR_SHAPE: tvm_status = 3;
pub const TVM_ERR_OUT_OF_BOUNDS: tvm_status = 4;
pub const TVM_ERR_UNSUPPORTED: tvm_status = 5;
pub const TVM_ERR_OUT_OF_MEMORY: tvm_status = 6;
pub const TVM_ERR_COMPILE: tvm_status = 7;
pub const TVM_ERR_DEVICE: tvm_status = 8;
pub const TVM_ERR_PARSE: tvm_status = 9;
pub const TVM_ERR_IO: tvm_status = 10;
pub const TVM_ERR_INTERNAL: tvm_status = 11;
pub const TVM_ERR_LIMIT: tvm_status = 12;
pub const TVM_ERR_VERSION: tvm_status = 13;
pub const TVM_ERR_INVALID_HANDLE: tvm_status = 14;

/// `tvm_dtype` (a C enum).
pub type tvm_dtype = c_int;
pub const TVM_FLOAT32: tvm_dtype = 1;
pub const TVM_FLOAT64: tvm_dtype = 2;
pub const TVM_FLOAT16: tvm_dtype = 3;
pub const TVM_BFLOAT16: tvm_dtype = 4;
pub const TVM_INT8: tvm_dtype = 5;
pub const TVM_INT16: tvm_dtype = 6;
pub const TVM_INT32: tvm_dtype = 7;
pub const TVM_INT64: tvm_dtype = 8;
pub const TVM_UINT8: tvm_dtype = 9;
pub const TVM_BOOL: tvm_dtype = 10;

pub const TVM_MAX_NDIM: usize = 32;

/// `tvm_reduce_kind` (a C enum).
pub type tvm_reduce_kind = c_int;
pub const TVM_REDUCE_SUM: tvm_reduce_kind = 0;
pub const TVM_REDUCE_PROD: tvm_reduce_kind = 1;
pub const TVM_REDUCE_MIN: tvm_reduce_kind = 2;
pub const TVM_REDUCE_MAX: tvm_reduce_kind = 3;

/// `tvm_op_binary_kind` (a C enum).
pub type tvm_op_binary_kind = c_int;
pub const TVM_OP_ADD: tvm_op_binary_kind = 0;
pub const TVM_OP_SUB: tvm_op_binary_kind = 1;
pub const TVM_OP_MUL: tvm_op_binary_kind = 2;
pub const TVM_OP_DIV: tvm_op_binary_kind = 3;
pub const TVM_OP_POW: tvm_op_binary_kind = 4;
pub const TVM_OP_MINIMUM: tvm_op_binary_kind = 5;
pub const TVM_OP_MAXIMUM: tvm_op_binary_kind = 6;
pub const TVM_OP_MOD: tvm_op_binary_kind = 7;
pub const TVM_OP_FLOORMOD: tvm_op_binary_kind = 8;
pub const TVM_OP_FLOORDIV: tvm_op_binary_kind = 9;
pub const TVM_OP_LESS: tvm_op_binary_kind = 10;
pub const TVM_OP_LESS_EQUAL: tvm_op_binary_kind = 11;
pub const TVM_OP_GREATER: tvm_op_binary_kind = 12;
pub const TVM_OP_GREATER_EQUAL: tvm_op_binary_kind = 13;
pub const TVM_OP_EQUAL: tvm_op_binary_kind = 14;
pub const TVM_OP_NOT_EQUAL: tvm_op_binary_kind = 15;
pub const TVM_OP_AND: tvm_op_binary_kind = 16;
pub const TVM_OP_OR: tvm_op_binary_kind = 17;
pub const TVM_OP_XOR: tvm_op_binary_kind = 18;

/// `tvm_op_unary_kind` (a C enum).
pub type tvm_op_unary_kind = c_int;
pub const TVM_OP_RELU: tvm_op_unary_kind = 0;
pub const TVM_OP_SIGMOID: tvm_op_unary_kind = 1;
pub const TVM_OP_TANH: tvm_op_unary_kind = 2;
pub const TVM_OP_SILU: tvm_op_unary_kind = 3;
pub const TVM_OP_GELU: tvm_op_unary_kind = 4;
pub const TVM_OP_GELU_TANH: tvm_op_unary_kind = 5;
pub const TVM_OP_HARD_SWISH: tvm_op_unary_kind = 6;
pub const TVM_OP_EXP: tvm_op_unary_kind = 7;
pub const TVM_OP_LOG: tvm_op_unary_kind = 8;
pub const TVM_OP_SQRT: tvm_op_unary_kind = 9;
pub const TVM_OP_RSQRT: tvm_op_unary_kind = 10;
pub const TVM_OP_RECIPROCAL: tvm_op_unary_kind = 11;
pub const TVM_OP_ABS: tvm_op_unary_kind = 12;
pub const TVM_OP_NEG: tvm_op_unary_kind = 13;
pub const TVM_OP_FLOOR: tvm_op_unary_kind = 14;
pub const TVM_OP_CEIL: tvm_op_unary_kind = 15;
pub const TVM_OP_ERF: tvm_op_unary_kind = 16;
pub const TVM_OP_SIGN: tvm_op_unary_kind = 17;
pub const TVM_OP_NOT: tvm_op_unary_kind = 18;
pub const TVM_OP_IDENTITY: tvm_op_unary_kind = 19;

/// `tvm_op_reduce_kind` (a C enum).
pub type tvm_op_reduce_kind = c_int;
pub const TVM_OP_SUM: tvm_op_reduce_kind = 0;
pub const TVM_OP_MEAN: tvm_op_reduce_kind = 1;
pub const TVM_OP_MAX: tvm_op_reduce_kind = 2;
pub const TVM_OP_MIN: tvm_op_reduce_kind = 3;
pub const TVM_OP_PROD: tvm_op_reduce_kind = 4;
pub const TVM_OP_ARGMAX: tvm_op_reduce_kind = 5;
pub const TVM_OP_ARGMIN: tvm_op_reduce_kind = 6;

/// `tvm_layout` (a C enum).
pub type tvm_layout = c_int;
pub const TVM_LAYOUT_NCHW: tvm_layout = 0;
pub const TVM_LAYOUT_NHWC: tvm_layout = 1;

/// `tvm_pad_mode` (a C enum).
pub type tvm_pad_mode = c_int;
pub const TVM_PAD_CONSTANT: tvm_pad_mode = 0;
pub const TVM_PAD_EDGE: tvm_pad_mode = 1;
pub const TVM_PAD_REFLECT: tvm_pad_mode = 2;

/// `tvm_resize_mode` (a C enum).
pub type tvm_resize_mode = c_int;
pub const TVM_RESIZE_NEAREST: tvm_resize_mode = 0;
pub const TVM_RESIZE_LINEAR: tvm_resize_mode = 1;

/// `tvm_resize_coord` (a C enum).
pub type tvm_resize_coord = c_int;
pub const TVM_COORD_HALF_PIXEL: tvm_resize_coord = 0;
pub const TVM_COORD_ASYMMETRIC: tvm_resize_coord = 1;
pub const TVM_COORD_ALIGN_CORNERS: tvm_resize_coord = 2;
pub const TVM_COORD_PYTORCH_HALF_PIXEL: tvm_resize_coord = 3;

/// `tvm_resize_nearest` (a C enum).
pub type tvm_resize_nearest = c_int;
pub const TVM_NEAREST_ROUND_PREFER_FLOOR: tvm_resize_nearest = 0;
pub const TVM_NEAREST_ROUND_PREFER_CEIL: tvm_resize_nearest = 1;
pub const TVM_NEAREST_FLOOR: tvm_resize_nearest = 2;
pub const TVM_NEAREST_CEIL: tvm_resize_nearest = 3;

/// `tvm_grid_sample_mode` (a C enum).
pub type tvm_grid_sample_mode = c_int;
pub const TVM_GRID_SAMPLE_BILINEAR: tvm_grid_sample_mode = 0;
pub const TVM_GRID_SAMPLE_NEAREST: tvm_grid_sample_mode = 1;
pub const TVM_GRID_SAMPLE_BICUBIC: tvm_grid_sample_mode = 2;

/// `tvm_grid_sample_padding` (a C enum).
pub type tvm_grid_sample_padding = c_int;
pub const TVM_GRID_PAD_ZEROS: tvm_grid_sample_padding = 0;
pub const TVM_GRID_PAD_BORDER: tvm_grid_sample_padding = 1;
pub const TVM_GRID_PAD_REFLECTION: tvm_grid_sample_padding = 2;

/// `tvm_conv_algorithm` (a C enum; stored in `tvm_conv_attrs::algorithm`).
pub type tvm_conv_algorithm = c_int;
pub const TVM_CONV_ALGO_AUTO: tvm_conv_algorithm = 0;
pub const TVM_CONV_ALGO_DIRECT: tvm_conv_algorithm = 1;
pub const TVM_CONV_ALGO_WINOGRAD: tvm_conv_algorithm = 2;

/// `tvm_scatter_reduction` (a C enum).
pub type tvm_scatter_reduction = c_int;
pub const TVM_SCATTER_NONE: tvm_scatter_reduction = 0;
pub const TVM_SCATTER_ADD: tvm_scatter_reduction = 1;
pub const TVM_SCATTER_MUL: tvm_scatter_reduction = 2;
pub const TVM_SCATTER_MAX: tvm_scatter_reduction = 3;
pub const TVM_SCATTER_MIN: tvm_scatter_reduction = 4;

pub const TVM_OPT_DEFAULT: i32 = 0;
pub const TVM_OPT_O0: i32 = -1;
pub const TVM_OPT_O1: i32 = 1;
pub const TVM_OPT_O2: i32 = 2;
pub const TVM_OPT_O3: i32 = 3;

pub const TVM_COMPILE_FAST_MATH: u32 = 0x1;
pub const TVM_COMPILE_NO_INLINE: u32 = 0x2;
pub const TVM_COMPILE_NO_CACHE: u32 = 0x4;
pub const TVM_COMPILE_RELEASE_CONSTANTS: u32 = 0x8;

// ---------------------------------------------------------------------------
// Opaque handles
// ---------------------------------------------------------------------------

/// Opaque `tvm_context`.
#[repr(C)]
pub struct tvm_context {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `tvm_graph`.
#[repr(C)]
pub struct tvm_graph {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `tvm_entry` (a direct entry point, see `tvm_function_entry`).
#[repr(C)]
pub struct tvm_entry {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `tvm_entry_fn`: a generic function pointer; cast it to the kernel's
/// natural signature before calling.
pub type tvm_entry_fn = Option<unsafe extern "C" fn()>;

/// Opaque `tvm_function`.
#[repr(C)]
pub struct tvm_function {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `tvm_schedule`.
#[repr(C)]
pub struct tvm_schedule {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// Opaque `tvm_onnx_model`.
#[repr(C)]
pub struct tvm_onnx_model {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

// ---------------------------------------------------------------------------
// Structs
// ---------------------------------------------------------------------------

/// `tvm_parallel_task`: one range `[begin, end)` of a parallel loop.
pub type tvm_parallel_task = Option<unsafe extern "C" fn(task: *mut c_void, begin: i64, end: i64)>;
/// `tvm_parallel_for_fn`: a host-provided parallel-for (see `tvmc.h`'s
/// contract: cover `[0, n)` exactly once, return after every range ran).
pub type tvm_parallel_for_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        n: i64,
        fn_: tvm_parallel_task,
        task: *mut c_void,
        max_chunks: c_int,
    ) -> c_int,
>;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tvm_context_options {
    pub struct_size: usize,
    pub num_threads: i32,
    pub function_cache_capacity: i32,
    pub shape_cache_capacity: i32,
    pub flags: u32,
    /// Appended in 0.1; `None` = tvmc's own thread pool.
    pub parallel_for: tvm_parallel_for_fn,
    /// Passed back as `parallel_for`'s `user`; must be NULL without it.
    pub parallel_user: *mut c_void,
}

impl Default for tvm_context_options {
    fn default() -> tvm_context_options {
        tvm_context_options {
            struct_size: 0,
            num_threads: 0,
            function_cache_capacity: 0,
            shape_cache_capacity: 0,
            flags: 0,
            parallel_for: None,
            parallel_user: std::ptr::null_mut(),
        }
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tvm_cache_stats {
    pub struct_size: usize,
    pub functions_compiled: u64,
    pub function_cache_hits: u64,
    pub kernels_compiled: u64,
    pub kernel_cache_hits: u64,
    pub kernel_cache_evictions: u64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct tvm_expr {
    pub id: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct tvm_tensor {
    pub id: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tvm_compile_options {
    pub struct_size: usize,
    pub target: *const c_char,
    pub opt_level: i32,
    pub flags: u32,
    /// Appended with the schedule API; NULL = default schedules.
    pub schedule: *const tvm_schedule,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tvm_onnx_binding {
    pub name: *const c_char,
    pub value: *const DLTensor,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tvm_onnx_options {
    pub struct_size: usize,
    pub max_bytes: i64,
    pub max_nodes: i32,
    pub flags: u32,
    pub nbindings: i32,
    pub reserved_: i32,
    pub bindings: *const tvm_onnx_binding,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tvm_onnx_value {
    pub struct_size: usize,
    pub name: *const c_char,
    pub tensor: tvm_tensor,
    pub dtype: tvm_dtype,
    pub ndim: i32,
    pub shape: [i64; TVM_MAX_NDIM],
    pub dims: [tvm_expr; TVM_MAX_NDIM],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct tvm_conv_attrs {
    pub struct_size: usize,
    pub layout: i32,
    pub groups: i32,
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
    pub pads: [i64; 4],
    pub output_padding: [i64; 2],
    /// `tvm_conv_algorithm`; conv2d only (a smaller struct_size reads AUTO).
    pub algorithm: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct tvm_pool_attrs {
    pub struct_size: usize,
    pub layout: i32,
    pub ceil_mode: i32,
    pub count_include_pad: i32,
    pub pad_: i32,
    pub kernel: [i64; 2],
    pub strides: [i64; 2],
    pub dilations: [i64; 2],
    pub pads: [i64; 4],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct tvm_kernel_plan {
    pub struct_size: usize,
    pub num_kernels: i32,
    pub num_intermediates: i32,
    pub workspace_bytes: i64,
    pub intermediate_bytes: i64,
    pub peak_live_bytes: i64,
}

// ---------------------------------------------------------------------------
// Layout checks (x86-64 / aarch64 LP64 sizes, as in the C header)
// ---------------------------------------------------------------------------

const _: () = assert!(std::mem::size_of::<DLDevice>() == 8);
const _: () = assert!(std::mem::size_of::<DLDataType>() == 4);
const _: () = assert!(std::mem::align_of::<DLDataType>() == 2);
const _: () = assert!(std::mem::size_of::<DLTensor>() == 48);
const _: () = assert!(std::mem::align_of::<DLTensor>() == 8);
const _: () = assert!(std::mem::size_of::<tvm_expr>() == 4);
const _: () = assert!(std::mem::size_of::<tvm_tensor>() == 4);
const _: () = assert!(std::mem::size_of::<tvm_context_options>() == 40);
const _: () = assert!(std::mem::size_of::<tvm_cache_stats>() == 48);
const _: () = assert!(std::mem::size_of::<tvm_compile_options>() == 32);
const _: () = assert!(std::mem::size_of::<tvm_onnx_binding>() == 16);
const _: () = assert!(std::mem::size_of::<tvm_onnx_options>() == 40);
// 8 name + 8 + 4 tensor + 4 dtype + 4 ndim + 4 padding + 32 * 8 shape + 32 * 4 dims
const _: () = assert!(std::mem::size_of::<tvm_onnx_value>() == 416);
const _: () = assert!(std::mem::align_of::<tvm_onnx_value>() == 8);
// 96 bytes of fields before algorithm, + 4, padded to 8
const _: () = assert!(std::mem::size_of::<tvm_conv_attrs>() == 104);
const _: () = assert!(std::mem::align_of::<tvm_conv_attrs>() == 8);
const _: () = assert!(std::mem::size_of::<tvm_pool_attrs>() == 104);
const _: () = assert!(std::mem::align_of::<tvm_pool_attrs>() == 8);
const _: () = assert!(std::mem::size_of::<tvm_kernel_plan>() == 40);

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

extern "C" {
    // version and errors
    pub fn tvm_version() -> *const c_char;
    pub fn tvm_status_string(s: tvm_status) -> *const c_char;
    pub fn tvm_last_error() -> *const c_char;
    pub fn tvm_free(p: *mut c_void);

    // context
    pub fn tvm_context_create(opts: *const tvm_context_options, out: *mut *mut tvm_context) -> tvm_status;
    pub fn tvm_context_destroy(ctx: *mut tvm_context);
    pub fn tvm_context_num_threads(ctx: *const tvm_context) -> c_int;
    pub fn tvm_context_stats(ctx: *const tvm_context, stats: *mut tvm_cache_stats) -> tvm_status;

    // graph
    pub fn tvm_graph_create(ctx: *mut tvm_context) -> *mut tvm_graph;
    pub fn tvm_graph_destroy(g: *mut tvm_graph);
    pub fn tvm_graph_status(g: *mut tvm_graph) -> tvm_status;
    pub fn tvm_graph_print(
        g: *mut tvm_graph,
        n: c_int,
        tensors: *const tvm_tensor,
        text: *mut *mut c_char,
    ) -> tvm_status;

    // leaves
    pub fn tvm_const_int(g: *mut tvm_graph, dtype: tvm_dtype, value: i64) -> tvm_expr;
    pub fn tvm_const_float(g: *mut tvm_graph, dtype: tvm_dtype, value: f64) -> tvm_expr;
    pub fn tvm_size_var(g: *mut tvm_graph, name: *const c_char) -> tvm_expr;
    pub fn tvm_iter_var(g: *mut tvm_graph, name: *const c_char) -> tvm_expr;
    pub fn tvm_reduce_axis(g: *mut tvm_graph, name: *const c_char, extent: tvm_expr) -> tvm_expr;
    pub fn tvm_load(g: *mut tvm_graph, tensor: tvm_tensor, indices: *const tvm_expr) -> tvm_expr;

    // arithmetic
    pub fn tvm_add(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_sub(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_mul(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_div(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_mod(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_floordiv(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_floormod(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_min(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_max(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_pow(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_neg(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;

    // comparisons
    pub fn tvm_lt(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_le(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_gt(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_ge(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_eq(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_ne(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;

    // logic
    pub fn tvm_and(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_or(g: *mut tvm_graph, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_not(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;

    pub fn tvm_select(g: *mut tvm_graph, cond: tvm_expr, a: tvm_expr, b: tvm_expr) -> tvm_expr;
    pub fn tvm_cast(g: *mut tvm_graph, dtype: tvm_dtype, e: tvm_expr) -> tvm_expr;

    // math
    pub fn tvm_exp(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_log(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_sqrt(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_rsqrt(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_tanh(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_sigmoid(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_erf(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_abs(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_floor(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;
    pub fn tvm_ceil(g: *mut tvm_graph, a: tvm_expr) -> tvm_expr;

    // reductions
    pub fn tvm_reduce(
        g: *mut tvm_graph,
        kind: tvm_reduce_kind,
        body: tvm_expr,
        naxes: c_int,
        axes: *const tvm_expr,
    ) -> tvm_expr;
    pub fn tvm_sum(g: *mut tvm_graph, body: tvm_expr, naxes: c_int, axes: *const tvm_expr) -> tvm_expr;

    // tensors
    pub fn tvm_placeholder(
        g: *mut tvm_graph,
        name: *const c_char,
        dtype: tvm_dtype,
        ndim: c_int,
        shape: *const tvm_expr,
    ) -> tvm_tensor;
    pub fn tvm_compute(
        g: *mut tvm_graph,
        name: *const c_char,
        ndim: c_int,
        shape: *const tvm_expr,
        iters: *const tvm_expr,
        body: tvm_expr,
    ) -> tvm_tensor;
    pub fn tvm_constant(
        g: *mut tvm_graph,
        name: *const c_char,
        dtype: tvm_dtype,
        ndim: c_int,
        shape: *const i64,
        data: *const c_void,
    ) -> tvm_tensor;
    pub fn tvm_tensor_info(
        g: *mut tvm_graph,
        t: tvm_tensor,
        ndim: *mut c_int,
        dtype: *mut tvm_dtype,
    ) -> tvm_status;
    pub fn tvm_expr_dtype(g: *mut tvm_graph, e: tvm_expr, dtype: *mut tvm_dtype) -> tvm_status;

    // user functions inside expressions
    pub fn tvm_call_extern(
        g: *mut tvm_graph,
        name: *const c_char,
        fn_: *mut c_void,
        ret_dtype: tvm_dtype,
        nargs: c_int,
        arg_dtypes: *const tvm_dtype,
        args: *const tvm_expr,
    ) -> tvm_expr;

    // operator library
    pub fn tvm_op_binary(
        g: *mut tvm_graph,
        op: tvm_op_binary_kind,
        a: tvm_tensor,
        b: tvm_tensor,
    ) -> tvm_tensor;
    pub fn tvm_op_where(g: *mut tvm_graph, cond: tvm_tensor, a: tvm_tensor, b: tvm_tensor) -> tvm_tensor;
    pub fn tvm_op_unary(g: *mut tvm_graph, op: tvm_op_unary_kind, x: tvm_tensor) -> tvm_tensor;
    pub fn tvm_op_leaky_relu(g: *mut tvm_graph, x: tvm_tensor, alpha: f64) -> tvm_tensor;
    pub fn tvm_op_elu(g: *mut tvm_graph, x: tvm_tensor, alpha: f64) -> tvm_tensor;
    pub fn tvm_op_hard_sigmoid(g: *mut tvm_graph, x: tvm_tensor, alpha: f64, beta: f64) -> tvm_tensor;
    pub fn tvm_op_clip(g: *mut tvm_graph, x: tvm_tensor, lo: f64, hi: f64) -> tvm_tensor;
    pub fn tvm_op_cast(g: *mut tvm_graph, x: tvm_tensor, dtype: tvm_dtype) -> tvm_tensor;
    pub fn tvm_op_reduce(
        g: *mut tvm_graph,
        op: tvm_op_reduce_kind,
        x: tvm_tensor,
        naxes: c_int,
        axes: *const c_int,
        keepdims: c_int,
    ) -> tvm_tensor;
    pub fn tvm_op_matmul(
        g: *mut tvm_graph,
        a: tvm_tensor,
        b: tvm_tensor,
        transpose_a: c_int,
        transpose_b: c_int,
    ) -> tvm_tensor;
    pub fn tvm_op_dense(g: *mut tvm_graph, x: tvm_tensor, w: tvm_tensor, bias: tvm_tensor) -> tvm_tensor;
    pub fn tvm_op_conv2d(
        g: *mut tvm_graph,
        x: tvm_tensor,
        w: tvm_tensor,
        bias: tvm_tensor,
        attrs: *const tvm_conv_attrs,
    ) -> tvm_tensor;
    pub fn tvm_op_conv1d(
        g: *mut tvm_graph,
        x: tvm_tensor,
        w: tvm_tensor,
        bias: tvm_tensor,
        attrs: *const tvm_conv_attrs,
    ) -> tvm_tensor;
    pub fn tvm_op_conv_transpose2d(
        g: *mut tvm_graph,
        x: tvm_tensor,
        w: tvm_tensor,
        bias: tvm_tensor,
        attrs: *const tvm_conv_attrs,
    ) -> tvm_tensor;
    pub fn tvm_op_max_pool2d(g: *mut tvm_graph, x: tvm_tensor, attrs: *const tvm_pool_attrs) -> tvm_tensor;
    pub fn tvm_op_avg_pool2d(g: *mut tvm_graph, x: tvm_tensor, attrs: *const tvm_pool_attrs) -> tvm_tensor;
    pub fn tvm_op_global_pool2d(
        g: *mut tvm_graph,
        x: tvm_tensor,
        op: tvm_op_reduce_kind,
        layout: tvm_layout,
    ) -> tvm_tensor;
    pub fn tvm_op_softmax(g: *mut tvm_graph, x: tvm_tensor, axis: c_int) -> tvm_tensor;
    pub fn tvm_op_log_softmax(g: *mut tvm_graph, x: tvm_tensor, axis: c_int) -> tvm_tensor;
    pub fn tvm_op_layer_norm(
        g: *mut tvm_graph,
        x: tvm_tensor,
        gamma: tvm_tensor,
        beta: tvm_tensor,
        axis: c_int,
        epsilon: f64,
    ) -> tvm_tensor;
    pub fn tvm_op_batch_norm(
        g: *mut tvm_graph,
        x: tvm_tensor,
        scale: tvm_tensor,
        bias: tvm_tensor,
        mean: tvm_tensor,
        var: tvm_tensor,
        epsilon: f64,
    ) -> tvm_tensor;
    pub fn tvm_op_group_norm(
        g: *mut tvm_graph,
        x: tvm_tensor,
        scale: tvm_tensor,
        bias: tvm_tensor,
        groups: c_int,
        epsilon: f64,
    ) -> tvm_tensor;
    pub fn tvm_op_reshape(g: *mut tvm_graph, x: tvm_tensor, ndim: c_int, shape: *const i64) -> tvm_tensor;
    pub fn tvm_op_transpose(g: *mut tvm_graph, x: tvm_tensor, perm: *const c_int) -> tvm_tensor;
    pub fn tvm_op_concat(g: *mut tvm_graph, n: c_int, xs: *const tvm_tensor, axis: c_int) -> tvm_tensor;
    pub fn tvm_op_split(
        g: *mut tvm_graph,
        x: tvm_tensor,
        axis: c_int,
        n: c_int,
        sizes: *const i64,
        outs: *mut tvm_tensor,
    ) -> tvm_status;
    pub fn tvm_op_slice(
        g: *mut tvm_graph,
        x: tvm_tensor,
        naxes: c_int,
        axes: *const c_int,
        starts: *const i64,
        ends: *const i64,
        steps: *const i64,
    ) -> tvm_tensor;
    pub fn tvm_op_pad(
        g: *mut tvm_graph,
        x: tvm_tensor,
        pads: *const i64,
        mode: tvm_pad_mode,
        value: f64,
    ) -> tvm_tensor;
    pub fn tvm_op_gather(g: *mut tvm_graph, x: tvm_tensor, indices: tvm_tensor, axis: c_int) -> tvm_tensor;
    pub fn tvm_op_broadcast_to(
        g: *mut tvm_graph,
        x: tvm_tensor,
        ndim: c_int,
        shape: *const i64,
    ) -> tvm_tensor;
    pub fn tvm_op_squeeze(g: *mut tvm_graph, x: tvm_tensor, naxes: c_int, axes: *const c_int) -> tvm_tensor;
    pub fn tvm_op_unsqueeze(g: *mut tvm_graph, x: tvm_tensor, naxes: c_int, axes: *const c_int)
        -> tvm_tensor;
    pub fn tvm_op_flatten(g: *mut tvm_graph, x: tvm_tensor, axis: c_int) -> tvm_tensor;
    pub fn tvm_op_tile(g: *mut tvm_graph, x: tvm_tensor, repeats: *const i64) -> tvm_tensor;
    pub fn tvm_op_resize(
        g: *mut tvm_graph,
        x: tvm_tensor,
        out_shape: *const i64,
        mode: tvm_resize_mode,
        coord: tvm_resize_coord,
        nearest: tvm_resize_nearest,
    ) -> tvm_tensor;
    pub fn tvm_op_grid_sample(
        g: *mut tvm_graph,
        x: tvm_tensor,
        grid: tvm_tensor,
        mode: tvm_grid_sample_mode,
        padding: tvm_grid_sample_padding,
        align_corners: c_int,
    ) -> tvm_tensor;

    // indexing, selection, quantization and bit operators
    pub fn tvm_op_gather_elements(
        g: *mut tvm_graph,
        x: tvm_tensor,
        indices: tvm_tensor,
        axis: c_int,
    ) -> tvm_tensor;
    pub fn tvm_op_gather_nd(
        g: *mut tvm_graph,
        x: tvm_tensor,
        indices: tvm_tensor,
        batch_dims: c_int,
    ) -> tvm_tensor;
    pub fn tvm_op_scatter_elements(
        g: *mut tvm_graph,
        x: tvm_tensor,
        indices: tvm_tensor,
        updates: tvm_tensor,
        axis: c_int,
        reduction: tvm_scatter_reduction,
    ) -> tvm_tensor;
    pub fn tvm_op_scatter_nd(
        g: *mut tvm_graph,
        x: tvm_tensor,
        indices: tvm_tensor,
        updates: tvm_tensor,
        reduction: tvm_scatter_reduction,
    ) -> tvm_tensor;
    pub fn tvm_op_topk(g: *mut tvm_graph, x: tvm_tensor, k: i64, axis: c_int, largest: c_int) -> tvm_tensor;
    pub fn tvm_op_einsum(
        g: *mut tvm_graph,
        equation: *const c_char,
        n: c_int,
        xs: *const tvm_tensor,
    ) -> tvm_tensor;
    pub fn tvm_op_quantize_linear(
        g: *mut tvm_graph,
        x: tvm_tensor,
        scale: tvm_tensor,
        zero_point: tvm_tensor,
        axis: c_int,
        dtype: tvm_dtype,
    ) -> tvm_tensor;
    pub fn tvm_op_dequantize_linear(
        g: *mut tvm_graph,
        x: tvm_tensor,
        scale: tvm_tensor,
        zero_point: tvm_tensor,
        axis: c_int,
    ) -> tvm_tensor;
    pub fn tvm_op_bitshift(g: *mut tvm_graph, x: tvm_tensor, y: tvm_tensor, left: c_int) -> tvm_tensor;

    // compilation and functions
    pub fn tvm_compile(
        g: *mut tvm_graph,
        nin: c_int,
        inputs: *const tvm_tensor,
        nout: c_int,
        outputs: *const tvm_tensor,
        opts: *const tvm_compile_options,
        out: *mut *mut tvm_function,
    ) -> tvm_status;
    pub fn tvm_function_call(fn_: *mut tvm_function, args: *const *mut DLTensor, nargs: c_int) -> tvm_status;
    pub fn tvm_function_retain(fn_: *mut tvm_function) -> tvm_status;
    pub fn tvm_function_release(fn_: *mut tvm_function);
    pub fn tvm_function_num_args(fn_: *mut tvm_function, nin: *mut c_int, nout: *mut c_int) -> tvm_status;
    pub fn tvm_function_arg_info(
        fn_: *mut tvm_function,
        index: c_int,
        dtype: *mut tvm_dtype,
        ndim: *mut c_int,
    ) -> tvm_status;
    pub fn tvm_function_output_shape(
        fn_: *mut tvm_function,
        inputs: *const *mut DLTensor,
        out_index: c_int,
        shape: *mut i64,
        ndim: *mut c_int,
    ) -> tvm_status;
    pub fn tvm_function_source(
        fn_: *mut tvm_function,
        kind: *const c_char,
        text: *mut *mut c_char,
    ) -> tvm_status;
    pub fn tvm_function_plan(fn_: *mut tvm_function, plan: *mut tvm_kernel_plan) -> tvm_status;
    pub fn tvm_function_dump(
        fn_: *mut tvm_function,
        stage: *const c_char,
        buf: *mut c_char,
        cap: usize,
        needed: *mut usize,
    ) -> tvm_status;
    pub fn tvm_function_entry(
        fn_: *mut tvm_function,
        entry: *mut *mut tvm_entry,
        code: *mut tvm_entry_fn,
    ) -> tvm_status;
    pub fn tvm_entry_destroy(entry: *mut tvm_entry);

    // schedules
    pub fn tvm_schedule_create(
        g: *mut tvm_graph,
        nout: c_int,
        outputs: *const tvm_tensor,
        out: *mut *mut tvm_schedule,
    ) -> tvm_status;
    pub fn tvm_schedule_destroy(s: *mut tvm_schedule);
    pub fn tvm_sched_split(
        s: *mut tvm_schedule,
        stage: tvm_tensor,
        axis: tvm_expr,
        factor: i64,
        outer: *mut tvm_expr,
        inner: *mut tvm_expr,
    ) -> tvm_status;
    #[allow(clippy::too_many_arguments)]
    pub fn tvm_sched_tile(
        s: *mut tvm_schedule,
        stage: tvm_tensor,
        x: tvm_expr,
        y: tvm_expr,
        xf: i64,
        yf: i64,
        x_outer: *mut tvm_expr,
        y_outer: *mut tvm_expr,
        x_inner: *mut tvm_expr,
        y_inner: *mut tvm_expr,
    ) -> tvm_status;
    pub fn tvm_sched_reorder(s: *mut tvm_schedule, stage: tvm_tensor, n: c_int, axes: *const tvm_expr)
        -> tvm_status;
    pub fn tvm_sched_fuse(
        s: *mut tvm_schedule,
        stage: tvm_tensor,
        outer: tvm_expr,
        inner: tvm_expr,
        fused: *mut tvm_expr,
    ) -> tvm_status;
    pub fn tvm_sched_vectorize(s: *mut tvm_schedule, stage: tvm_tensor, axis: tvm_expr) -> tvm_status;
    pub fn tvm_sched_parallel(s: *mut tvm_schedule, stage: tvm_tensor, axis: tvm_expr) -> tvm_status;
    pub fn tvm_sched_unroll(s: *mut tvm_schedule, stage: tvm_tensor, axis: tvm_expr) -> tvm_status;
    pub fn tvm_sched_compute_inline(s: *mut tvm_schedule, producer: tvm_tensor) -> tvm_status;
    pub fn tvm_sched_compute_at(
        s: *mut tvm_schedule,
        producer: tvm_tensor,
        consumer: tvm_tensor,
        axis: tvm_expr,
    ) -> tvm_status;
    pub fn tvm_sched_cache_write(s: *mut tvm_schedule, stage: tvm_tensor, axis: tvm_expr) -> tvm_status;
    pub fn tvm_sched_pack(
        s: *mut tvm_schedule,
        consumer: tvm_tensor,
        operand: tvm_tensor,
        dim: c_int,
        block: i64,
        packed: *mut tvm_tensor,
    ) -> tvm_status;

    // ONNX import
    pub fn tvm_onnx_import(
        g: *mut tvm_graph,
        data: *const c_void,
        size: usize,
        opts: *const tvm_onnx_options,
        out: *mut *mut tvm_onnx_model,
    ) -> tvm_status;
    pub fn tvm_onnx_import_file(
        g: *mut tvm_graph,
        path: *const c_char,
        opts: *const tvm_onnx_options,
        out: *mut *mut tvm_onnx_model,
    ) -> tvm_status;
    pub fn tvm_onnx_model_free(m: *mut tvm_onnx_model);
    pub fn tvm_onnx_model_counts(m: *const tvm_onnx_model, ninputs: *mut c_int, noutputs: *mut c_int)
        -> tvm_status;
    pub fn tvm_onnx_model_input(m: *const tvm_onnx_model, index: c_int, value: *mut tvm_onnx_value)
        -> tvm_status;
    pub fn tvm_onnx_model_output(m: *const tvm_onnx_model, index: c_int, value: *mut tvm_onnx_value)
        -> tvm_status;
}
