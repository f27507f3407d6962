//! Element types: [`DType`] (the C `tvm_dtype`), the [`Element`] trait for
//! Rust types that can live in tensors, and the storage types [`F16`] and
//! [`BF16`].

use std::fmt;

use crate::sys;

/// A tensor or expression element type (`tvm_dtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    /// IEEE half: a storage type, computed in float32.
    F16,
    /// bfloat16: a storage type, computed in float32.
    BF16,
    I8,
    I16,
    I32,
    I64,
    U8,
    /// One byte, 0 or 1.
    Bool,
}

impl DType {
    /// All dtypes, in the order of their C codes.
    pub const ALL: [DType; 10] = [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::Bool,
    ];

    /// The C code (`tvm_dtype`).
    pub fn raw(self) -> sys::tvm_dtype {
        match self {
            DType::F32 => sys::TVM_FLOAT32,
            DType::F64 => sys::TVM_FLOAT64,
            DType::F16 => sys::TVM_FLOAT16,
            DType::BF16 => sys::TVM_BFLOAT16,
            DType::I8 => sys::TVM_INT8,
            DType::I16 => sys::TVM_INT16,
            DType::I32 => sys::TVM_INT32,
            DType::I64 => sys::TVM_INT64,
            DType::U8 => sys::TVM_UINT8,
            DType::Bool => sys::TVM_BOOL,
        }
    }

    /// The dtype for a C code; `None` for codes this crate does not know.
    pub fn from_raw(code: sys::tvm_dtype) -> Option<DType> {
        DType::ALL.iter().copied().find(|d| d.raw() == code)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64 | DType::F16 | DType::BF16)
    }

    /// Integer dtypes (not bool).
    pub fn is_int(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8)
    }

    /// The DLPack dtype of tensors holding this dtype (bool is `kDLBool`,
    /// which tvmc accepts only for bool arguments).
    pub fn dl(self) -> sys::DLDataType {
        let (code, bits) = match self {
            DType::F32 => (sys::kDLFloat, 32),
            DType::F64 => (sys::kDLFloat, 64),
            DType::F16 => (sys::kDLFloat, 16),
            DType::BF16 => (sys::kDLBfloat, 16),
            DType::I8 => (sys::kDLInt, 8),
            DType::I16 => (sys::kDLInt, 16),
            DType::I32 => (sys::kDLInt, 32),
            DType::I64 => (sys::kDLInt, 64),
            DType::U8 => (sys::kDLUInt, 8),
            DType::Bool => (sys::kDLBool, 8),
        };
        sys::DLDataType { code, bits, lanes: 1 }
    }

    /// The numpy-style name ("float32", "bool", ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::Bool => "bool",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Rust type that can be a tensor element.
///
/// # Safety
/// `Self` must have exactly the size and in-memory representation of
/// `DTYPE`, and every bit pattern tvmc may write for `DTYPE` must be a valid
/// `Self` (for bool the library writes only 0 and 1).
pub unsafe trait Element: Copy + Default + Send + Sync + 'static {
    const DTYPE: DType;
}

unsafe impl Element for f32 {
    const DTYPE: DType = DType::F32;
}
unsafe impl Element for f64 {
    const DTYPE: DType = DType::F64;
}
unsafe impl Element for F16 {
    const DTYPE: DType = DType::F16;
}
unsafe impl Element for BF16 {
    const DTYPE: DType = DType::BF16;
}
unsafe impl Element for i8 {
    const DTYPE: DType = DType::I8;
}
unsafe impl Element for i16 {
    const DTYPE: DType = DType::I16;
}
unsafe impl Element for i32 {
    const DTYPE: DType = DType::I32;
}
unsafe impl Element for i64 {
    const DTYPE: DType = DType::I64;
}
unsafe impl Element for u8 {
    const DTYPE: DType = DType::U8;
}
unsafe impl Element for bool {
    const DTYPE: DType = DType::Bool;
}

/// An IEEE 754 half-precision number (storage only; convert with
/// [`F16::from_f32`] / [`F16::to_f32`]).
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
pub struct F16(u16);

/// A bfloat16 number (storage only; convert with [`BF16::from_f32`] /
/// [`BF16::to_f32`]).
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
pub struct BF16(u16);

impl F16 {
    pub const fn from_bits(bits: u16) -> F16 {
        F16(bits)
    }

    pub const fn to_bits(self) -> u16 {
        self.0
    }

    /// Rounds to nearest, ties to even (as tvmc does).
    pub fn from_f32(x: f32) -> F16 {
        let b = x.to_bits();
        let sign = ((b >> 16) & 0x8000) as u16;
        let exp = ((b >> 23) & 0xff) as i32;
        let man = b & 0x007f_ffff;
        if exp == 0xff {
            // infinity or NaN (NaN stays quiet NaN)
            let nan = if man != 0 { 0x0200 | (man >> 13) as u16 } else { 0 };
            return F16(sign | 0x7c00 | nan);
        }
        let e = exp - 127 + 15;
        if e >= 0x1f {
            return F16(sign | 0x7c00);
        }
        let (q, rem, half) = if e <= 0 {
            if e < -10 {
                return F16(sign);
            }
            // subnormal: value = m24 * 2^(e - 14 - 10)
            let m = man | 0x0080_0000;
            let shift = (14 - e) as u32;
            (m >> shift, m & ((1u32 << shift) - 1), 1u32 << (shift - 1))
        } else {
            (((e as u32) << 10) | (man >> 13), man & 0x1fff, 0x1000)
        };
        let q = if rem > half || (rem == half && q & 1 == 1) { q + 1 } else { q };
        // a carry out of the mantissa correctly bumps the exponent (to
        // infinity at the top)
        F16(sign | q as u16)
    }

    pub fn to_f32(self) -> f32 {
        let h = self.0 as u32;
        let sign = (h & 0x8000) << 16;
        let exp = (h >> 10) & 0x1f;
        let man = h & 0x3ff;
        if exp == 0 {
            let v = man as f32 * (1.0 / 16_777_216.0); // 2^-24
            if sign != 0 {
                -v
            } else {
                v
            }
        } else if exp == 0x1f {
            f32::from_bits(sign | 0x7f80_0000 | (man << 13))
        } else {
            f32::from_bits(sign | ((exp + 112) << 23) | (man << 13))
        }
    }
}

impl BF16 {
    pub const fn from_bits(bits: u16) -> BF16 {
        BF16(bits)
    }

    pub const fn to_bits(self) -> u16 {
        self.0
    }

    /// Rounds to nearest, ties to even (as tvmc does).
    pub fn from_f32(x: f32) -> BF16 {
        let b = x.to_bits();
        if x.is_nan() {
            return BF16(((b >> 16) as u16) | 0x0040);
        }
        let rounded = b.wrapping_add(0x7fff + ((b >> 16) & 1));
        BF16((rounded >> 16) as u16)
    }

    pub fn to_f32(self) -> f32 {
        f32::from_bits((self.0 as u32) << 16)
    }
}

impl PartialEq for F16 {
    /// Compares the values (as `f32` does: NaN != NaN, -0 == +0).
    fn eq(&self, other: &F16) -> bool {
        self.to_f32() == other.to_f32()
    }
}

impl PartialEq for BF16 {
    /// Compares the values (as `f32` does: NaN != NaN, -0 == +0).
    fn eq(&self, other: &BF16) -> bool {
        self.to_f32() == other.to_f32()
    }
}

impl fmt::Debug for F16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_f32(), f)
    }
}

impl fmt::Debug for BF16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_f32(), f)
    }
}

impl From<F16> for f32 {
    fn from(h: F16) -> f32 {
        h.to_f32()
    }
}

impl From<BF16> for f32 {
    fn from(h: BF16) -> f32 {
        h.to_f32()
    }
}
