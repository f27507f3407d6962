//! Tensors passed to compiled functions: the [`AsDlTensor`] /
//! [`AsDlTensorMut`] traits (anything that can describe itself as a DLPack
//! `DLTensor`), the owned [`Array`], and the borrowed [`TensorView`] /
//! [`TensorViewMut`] over slices or foreign DLPack memory (zero copy).

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::os::raw::{c_int, c_void};
use std::ptr;

use crate::dtype::{DType, Element};
use crate::error::{Error, Result, Status};
use crate::sys;

/// Something a compiled function can read: it describes its memory as a
/// DLPack tensor.
///
/// # Safety
/// The returned `DLTensor` must describe memory that stays valid for reads
/// for as long as `self` is borrowed: `data` (plus `byte_offset`) points to
/// the bytes of every element its `dtype`, `shape` and `strides` address;
/// `shape` (and `strides`, unless NULL) point to `ndim` valid `i64`s that
/// live as long as the borrow.
pub unsafe trait AsDlTensor {
    fn as_dl_tensor(&self) -> sys::DLTensor;
}

/// Something a compiled function can write (an output).
///
/// # Safety
/// As [`AsDlTensor`], and in addition the memory is valid for writes, is
/// not reachable through any other live reference while `self` is mutably
/// borrowed, and any value of the described dtype written to it is valid.
pub unsafe trait AsDlTensorMut {
    fn as_dl_tensor_mut(&mut self) -> sys::DLTensor;
}

/// The number of elements of a shape, with the shape checked (no negative
/// dims, no overflow, at most `TVM_MAX_NDIM` dims).
pub(crate) fn checked_numel(shape: &[i64]) -> Result<usize> {
    if shape.len() > sys::TVM_MAX_NDIM {
        return Err(Error::new(
            Status::Shape,
            format!("shape has {} dimensions; at most {} are allowed", shape.len(), sys::TVM_MAX_NDIM),
        ));
    }
    let mut n: usize = 1;
    for (i, &d) in shape.iter().enumerate() {
        if d < 0 {
            return Err(Error::new(Status::Shape, format!("shape[{}] is negative ({})", i, d)));
        }
        n = usize::try_from(d)
            .ok()
            .and_then(|d| n.checked_mul(d))
            .ok_or_else(|| Error::new(Status::Shape, "the element count overflows usize"))?;
    }
    Ok(n)
}

fn cpu_tensor(data: *mut c_void, dtype: DType, shape: &[i64]) -> sys::DLTensor {
    sys::DLTensor {
        data,
        device: sys::DLDevice { device_type: sys::kDLCPU, device_id: 0 },
        ndim: shape.len() as c_int,
        dtype: dtype.dl(),
        shape: shape.as_ptr() as *mut i64,
        strides: ptr::null_mut(),
        byte_offset: 0,
    }
}

/// An owned, compact, row-major n-dimensional array on the CPU.
///
/// It dereferences to its elements as a flat slice (`a[3]`, `a.iter()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Array<T> {
    shape: Vec<i64>,
    data: Vec<T>,
}

impl<T: Element> Array<T> {
    /// An array of the given shape holding `data` (row-major);
    /// `Status::Shape` if the lengths disagree or a dim is negative.
    pub fn from_vec(shape: &[i64], data: Vec<T>) -> Result<Array<T>> {
        let n = checked_numel(shape)?;
        if n != data.len() {
            return Err(Error::new(
                Status::Shape,
                format!("shape {:?} has {} elements but data has {}", shape, n, data.len()),
            ));
        }
        Ok(Array { shape: shape.to_vec(), data })
    }

    /// An array filled with `value`.
    pub fn full(shape: &[i64], value: T) -> Result<Array<T>> {
        let n = checked_numel(shape)?;
        Ok(Array { shape: shape.to_vec(), data: vec![value; n] })
    }

    /// An array filled with `T::default()` (zero / false).
    pub fn zeros(shape: &[i64]) -> Result<Array<T>> {
        Array::full(shape, T::default())
    }

    /// An array whose element at flat (row-major) index `i` is `f(i)`.
    pub fn from_fn<F: FnMut(usize) -> T>(shape: &[i64], f: F) -> Result<Array<T>> {
        let n = checked_numel(shape)?;
        Ok(Array { shape: shape.to_vec(), data: (0..n).map(f).collect() })
    }

    /// A zero-dimensional array.
    pub fn scalar(value: T) -> Array<T> {
        Array { shape: Vec::new(), data: vec![value] }
    }

    pub fn shape(&self) -> &[i64] {
        &self.shape
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// The flat index of a multi-index, if it is inside the array.
    pub fn offset(&self, index: &[i64]) -> Option<usize> {
        if index.len() != self.shape.len() {
            return None;
        }
        let mut off: usize = 0;
        for (&i, &d) in index.iter().zip(&self.shape) {
            if i < 0 || i >= d {
                return None;
            }
            off = off * d as usize + i as usize;
        }
        Some(off)
    }

    /// The element at a multi-index.
    pub fn get(&self, index: &[i64]) -> Option<&T> {
        self.offset(index).map(|o| &self.data[o])
    }

    /// The element at a multi-index, mutably.
    pub fn get_mut(&mut self, index: &[i64]) -> Option<&mut T> {
        match self.offset(index) {
            Some(o) => Some(&mut self.data[o]),
            None => None,
        }
    }

    /// A read-only view (for passing where a `TensorView` is wanted).
    pub fn view(&self) -> TensorView<'_> {
        TensorView {
            dl: cpu_tensor(self.data.as_ptr() as *mut c_void, T::DTYPE, &self.shape),
            shape: None,
            _borrow: PhantomData,
        }
    }

    /// A writable view.
    pub fn view_mut(&mut self) -> TensorViewMut<'_> {
        let dl = cpu_tensor(self.data.as_mut_ptr() as *mut c_void, T::DTYPE, &self.shape);
        TensorViewMut { dl, shape: None, _borrow: PhantomData }
    }
}

impl<T> Deref for Array<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.data
    }
}

impl<T> DerefMut for Array<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

// SAFETY: the Vec holds exactly numel(shape) elements of T::DTYPE, compact
// and aligned; shape lives in the array.
unsafe impl<T: Element> AsDlTensor for Array<T> {
    fn as_dl_tensor(&self) -> sys::DLTensor {
        cpu_tensor(self.data.as_ptr() as *mut c_void, T::DTYPE, &self.shape)
    }
}

// SAFETY: as above; `&mut self` makes the borrow exclusive and Element
// guarantees every value tvmc writes is valid.
unsafe impl<T: Element> AsDlTensorMut for Array<T> {
    fn as_dl_tensor_mut(&mut self) -> sys::DLTensor {
        cpu_tensor(self.data.as_mut_ptr() as *mut c_void, T::DTYPE, &self.shape)
    }
}

/// A read-only tensor borrowed from a slice (with a shape) or from foreign
/// DLPack memory, without copying.
#[derive(Debug)]
pub struct TensorView<'a> {
    dl: sys::DLTensor,
    /// Owned shape for views made from slices (`dl.shape` points into it
    /// once handed out).
    shape: Option<Vec<i64>>,
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> TensorView<'a> {
    /// A view of `data` as a compact row-major tensor of `shape`.
    pub fn new<T: Element>(data: &'a [T], shape: &[i64]) -> Result<TensorView<'a>> {
        let n = checked_numel(shape)?;
        if n != data.len() {
            return Err(Error::new(
                Status::Shape,
                format!("shape {:?} has {} elements but the slice has {}", shape, n, data.len()),
            ));
        }
        let dl = cpu_tensor(data.as_ptr() as *mut c_void, T::DTYPE, &[]);
        Ok(TensorView {
            dl: sys::DLTensor { ndim: shape.len() as c_int, ..dl },
            shape: Some(shape.to_vec()),
            _borrow: PhantomData,
        })
    }

    /// A view of memory described by a DLPack tensor (e.g. one exported by
    /// another framework).
    ///
    /// # Safety
    /// For `'a`, `dl` must satisfy the contract of [`AsDlTensor`]: its data,
    /// shape and strides are valid for reads and not written by anyone else.
    pub unsafe fn from_raw(dl: sys::DLTensor) -> TensorView<'a> {
        TensorView { dl, shape: None, _borrow: PhantomData }
    }
}

// SAFETY: built from a checked slice and shape, or from a DLTensor whose
// validity the caller of `from_raw` promised.
unsafe impl<'a> AsDlTensor for TensorView<'a> {
    fn as_dl_tensor(&self) -> sys::DLTensor {
        let mut dl = self.dl;
        if let Some(s) = &self.shape {
            dl.shape = s.as_ptr() as *mut i64;
        }
        dl
    }
}

/// A writable tensor borrowed from a mutable slice (with a shape) or from
/// foreign DLPack memory, without copying.
#[derive(Debug)]
pub struct TensorViewMut<'a> {
    dl: sys::DLTensor,
    shape: Option<Vec<i64>>,
    _borrow: PhantomData<&'a mut [u8]>,
}

impl<'a> TensorViewMut<'a> {
    /// A writable view of `data` as a compact row-major tensor of `shape`.
    pub fn new<T: Element>(data: &'a mut [T], shape: &[i64]) -> Result<TensorViewMut<'a>> {
        let n = checked_numel(shape)?;
        if n != data.len() {
            return Err(Error::new(
                Status::Shape,
                format!("shape {:?} has {} elements but the slice has {}", shape, n, data.len()),
            ));
        }
        let dl = cpu_tensor(data.as_mut_ptr() as *mut c_void, T::DTYPE, &[]);
        Ok(TensorViewMut {
            dl: sys::DLTensor { ndim: shape.len() as c_int, ..dl },
            shape: Some(shape.to_vec()),
            _borrow: PhantomData,
        })
    }

    /// A writable view of memory described by a DLPack tensor.
    ///
    /// # Safety
    /// For `'a`, `dl` must satisfy the contract of [`AsDlTensorMut`]: its
    /// memory is valid for reads and writes and nobody else accesses it.
    pub unsafe fn from_raw(dl: sys::DLTensor) -> TensorViewMut<'a> {
        TensorViewMut { dl, shape: None, _borrow: PhantomData }
    }
}

// SAFETY: as for TensorView; an exclusive borrow.
unsafe impl<'a> AsDlTensor for TensorViewMut<'a> {
    fn as_dl_tensor(&self) -> sys::DLTensor {
        let mut dl = self.dl;
        if let Some(s) = &self.shape {
            dl.shape = s.as_ptr() as *mut i64;
        }
        dl
    }
}

// SAFETY: made from `&'a mut [T]` (exclusive, T: Element) or promised by the
// caller of `from_raw`.
unsafe impl<'a> AsDlTensorMut for TensorViewMut<'a> {
    fn as_dl_tensor_mut(&mut self) -> sys::DLTensor {
        self.as_dl_tensor()
    }
}
