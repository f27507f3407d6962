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

pub const TVM_OPT_DEFAULT: i32 = 0;
pub const TVM_OPT_O0: i32 = -1;
pub const TVM_OPT_O1: i32 = 1;
pub const TVM_OPT_O2: i32 = 2;
pub const TVM_OPT_O3: i32 = 3;

pub const TVM_COMPILE_FAST_MATH: u32 = 0x1;
pub const TVM_COMPILE_NO_INLINE: u32 = 0x2;
pub const TVM_COMPILE_NO_CACHE: u32 = 0x4;

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

/// Opaque `tvm_function`.
#[repr(C)]
pub struct tvm_function {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

// ---------------------------------------------------------------------------
// Structs
// ---------------------------------------------------------------------------

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct tvm_context_options {
    pub struct_size: usize,
    pub num_threads: i32,
    pub function_cache_capacity: i32,
    pub shape_cache_capacity: i32,
    pub flags: u32,
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
const _: () = assert!(std::mem::size_of::<tvm_context_options>() == 24);
const _: () = assert!(std::mem::size_of::<tvm_cache_stats>() == 48);
const _: () = assert!(std::mem::size_of::<tvm_compile_options>() == 24);

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
}
