//! Errors: a [`Status`] (the C `tvm_status`) plus the message the library
//! gave for the failure.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

use crate::sys;

/// The status of a failed call: one variant per `tvm_status` error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// NULL pointer, bad count, bad enum, ... (`TVM_ERR_INVALID_ARGUMENT`)
    InvalidArgument,
    /// dtype mismatch or dtype not allowed (`TVM_ERR_DTYPE`)
    Dtype,
    /// wrong rank, mismatched or negative dims (`TVM_ERR_SHAPE`)
    Shape,
    /// a read would fall outside a tensor (`TVM_ERR_OUT_OF_BOUNDS`)
    OutOfBounds,
    /// a valid request this build cannot do (`TVM_ERR_UNSUPPORTED`)
    Unsupported,
    /// `TVM_ERR_OUT_OF_MEMORY`
    OutOfMemory,
    /// the backend failed to generate code (`TVM_ERR_COMPILE`)
    Compile,
    /// device memory / wrong device (`TVM_ERR_DEVICE`)
    Device,
    /// `TVM_ERR_PARSE`
    Parse,
    /// `TVM_ERR_IO`
    Io,
    /// a bug in tvmc (`TVM_ERR_INTERNAL`)
    Internal,
    /// a resource limit was exceeded (`TVM_ERR_LIMIT`)
    Limit,
    /// options struct newer than the library (`TVM_ERR_VERSION`)
    Version,
    /// handle from another graph, stale or forged (`TVM_ERR_INVALID_HANDLE`)
    InvalidHandle,
    /// A code this crate does not know (a newer library).
    Unknown(i32),
}

impl Status {
    /// The status for a C code; `None` for `TVM_OK`.
    pub fn from_code(code: sys::tvm_status) -> Option<Status> {
        Some(match code {
            sys::TVM_OK => return None,
            sys::TVM_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::TVM_ERR_DTYPE => Status::Dtype,
            sys::TVM_ERR_SHAPE => Status::Shape,
            sys::TVM_ERR_OUT_OF_BOUNDS => Status::OutOfBounds,
            sys::TVM_ERR_UNSUPPORTED => Status::Unsupported,
            sys::TVM_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::TVM_ERR_COMPILE => Status::Compile,
            sys::TVM_ERR_DEVICE => Status::Device,
            sys::TVM_ERR_PARSE => Status::Parse,
            sys::TVM_ERR_IO => Status::Io,
            sys::TVM_ERR_INTERNAL => Status::Internal,
            sys::TVM_ERR_LIMIT => Status::Limit,
            sys::TVM_ERR_VERSION => Status::Version,
            sys::TVM_ERR_INVALID_HANDLE => Status::InvalidHandle,
            other => Status::Unknown(other),
        })
    }

    /// The C code (`tvm_status`).
    pub fn code(self) -> sys::tvm_status {
        match self {
            Status::InvalidArgument => sys::TVM_ERR_INVALID_ARGUMENT,
            Status::Dtype => sys::TVM_ERR_DTYPE,
            Status::Shape => sys::TVM_ERR_SHAPE,
            Status::OutOfBounds => sys::TVM_ERR_OUT_OF_BOUNDS,
            Status::Unsupported => sys::TVM_ERR_UNSUPPORTED,
            Status::OutOfMemory => sys::TVM_ERR_OUT_OF_MEMORY,
            Status::Compile => sys::TVM_ERR_COMPILE,
            Status::Device => sys::TVM_ERR_DEVICE,
            Status::Parse => sys::TVM_ERR_PARSE,
            Status::Io => sys::TVM_ERR_IO,
            Status::Internal => sys::TVM_ERR_INTERNAL,
            Status::Limit => sys::TVM_ERR_LIMIT,
            Status::Version => sys::TVM_ERR_VERSION,
            Status::InvalidHandle => sys::TVM_ERR_INVALID_HANDLE,
            Status::Unknown(c) => c,
        }
    }

    /// The library's name for the status, e.g. `"TVM_ERR_DTYPE"`.
    pub fn name(self) -> &'static str {
        // SAFETY: tvm_status_string returns a static string, never NULL.
        unsafe { static_str(sys::tvm_status_string(self.code())) }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error from tvmc: the status and the library's message (which names
/// the offending argument).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    /// Makes an error (used for checks done on the Rust side as well).
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    /// The error for a failed C call: `code` with the calling thread's
    /// `tvm_last_error()`. Call it right after the failing call, on the same
    /// thread. Never call it with `TVM_OK`.
    pub(crate) fn from_last(code: sys::tvm_status) -> Error {
        let status = Status::from_code(code).unwrap_or(Status::Internal);
        Error { status, message: last_error() }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{}: {}", self.status, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Turns a C status into a `Result`, reading the message on failure.
pub(crate) fn check(code: sys::tvm_status) -> Result<()> {
    if code == sys::TVM_OK {
        Ok(())
    } else {
        Err(Error::from_last(code))
    }
}

/// The calling thread's `tvm_last_error()`, copied.
pub(crate) fn last_error() -> String {
    // SAFETY: never NULL; valid until the next failing call on this thread,
    // and we copy it at once.
    unsafe {
        let p = sys::tvm_last_error();
        if p.is_null() {
            String::new()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

/// SAFETY: `p` must be NULL or a NUL-terminated string that lives forever.
pub(crate) unsafe fn static_str(p: *const c_char) -> &'static str {
    if p.is_null() {
        return "";
    }
    CStr::from_ptr(p).to_str().unwrap_or("")
}
