//! Indexing, selection, quantization and bit operators (`ops::gather_elements`
//! ... `ops::bitshift`) against values worked out by hand, and their errors:
//! a bad axis at build time, an out-of-range index when the function runs.

use tvmc::ops::{self, ScatterReduction};
use tvmc::{Array, CompileOptions, Context, DType, Status};

#[test]
fn gathers_and_scatters() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]); // [[1,2,3],[4,5,6]]
    let i = g.placeholder("i", DType::I64, &[2, 2]);
    let ge = ops::gather_elements(&x, &i, 1).unwrap();
    let gn = ops::gather_nd(&x, &i, 0).unwrap(); // rows of i are (r, c) pairs
    let u = g.constant("u", &[2, 2], &[10.0f32, 20.0, 30.0, 40.0]);
    let se = ops::scatter_elements(&x, &i, &u, 1, ScatterReduction::Add).unwrap();
    let ni = g.constant("ni", &[2, 1], &[1i64, 1]);
    let nu = g.constant("nu", &[2, 3], &[1.0f32, 1.0, 1.0, 7.0, 8.0, 9.0]);
    let sn = ops::scatter_nd(&x, &ni, &nu, ScatterReduction::None).unwrap();
    let f = g.compile(&[x, i], &[ge, gn, se, sn], &CompileOptions::default()).unwrap();

    let xa = Array::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let ia = Array::from_vec(&[2, 2], vec![1i64, -1, 0, 2]).unwrap();
    let o = f.run::<f32>(&[&xa, &ia]).unwrap();
    assert_eq!(o[0].shape(), &[2, 2]);
    assert_eq!(o[0].as_slice(), &[2.0, 3.0, 4.0, 6.0]);
    assert_eq!(o[1].shape(), &[2]);
    assert_eq!(o[1].as_slice(), &[6.0, 3.0]); // x[1][-1], x[0][2]
                                              // row 0: +10 at col 1, +20 at col 2; row 1: +30 at col 0, +40 at col 2
    assert_eq!(o[2].as_slice(), &[1.0, 12.0, 23.0, 34.0, 5.0, 46.0]);
    // both updates land on row 1: the last one wins
    assert_eq!(o[3].as_slice(), &[1.0, 2.0, 3.0, 7.0, 8.0, 9.0]);

    // an index out of range fails the call, and the function stays usable
    let bad = Array::from_vec(&[2, 2], vec![0i64, 3, 0, 0]).unwrap();
    assert_eq!(f.run::<f32>(&[&xa, &bad]).unwrap_err().status(), Status::OutOfBounds);
    assert_eq!(f.run::<f32>(&[&xa, &ia]).unwrap()[0].as_slice(), &[2.0, 3.0, 4.0, 6.0]);
}

#[test]
fn topk_einsum_quantize_shift() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    let (v, k) = ops::topk(&x, 2, 1, true).unwrap();
    let small = ops::topk_indices(&x, 1, 0, false).unwrap();
    let mm = ops::einsum("ij,kj->ik", &[&x, &x]).unwrap();
    let s = g.constant("s", &[], &[0.5f32]);
    let z = g.constant("z", &[], &[10i8]);
    let q = ops::quantize_linear(&x, &s, Some(&z), 0, None).unwrap();
    let dq = ops::dequantize_linear(&q, &s, Some(&z), 0).unwrap();
    let fv = g.compile(&[x], &[v, mm, dq], &CompileOptions::default()).unwrap();
    let fk = g.compile(&[x], &[k, small], &CompileOptions::default()).unwrap();
    let fq = g.compile(&[x], &[q], &CompileOptions::default()).unwrap();

    let xa = Array::from_vec(&[2, 3], vec![1.0f32, 5.0, 5.0, -2.0, 0.25, 100.0]).unwrap();
    let o = fv.run::<f32>(&[&xa]).unwrap();
    assert_eq!(o[0].as_slice(), &[5.0, 5.0, 100.0, 0.25]);
    assert_eq!(o[1].shape(), &[2, 2]);
    assert_eq!(o[1].as_slice(), &[51.0, 499.25, 499.25, 10004.0625]);
    // quantized: round(x / 0.5) + 10 saturated to int8, then back
    assert_eq!(o[2].as_slice(), &[1.0, 5.0, 5.0, -2.0, 0.0, 58.5]);
    let ok = fk.run::<i64>(&[&xa]).unwrap();
    assert_eq!(ok[0].as_slice(), &[1, 2, 2, 1]); // the tie keeps position order
    assert_eq!(ok[1].as_slice(), &[1, 1, 0]);
    let oq = fq.run::<i8>(&[&xa]).unwrap();
    assert_eq!(oq[0].as_slice(), &[12, 20, 20, 6, 10, 127]); // 0.5 rounds to even 0

    let h = ctx.graph().unwrap();
    let a = h.placeholder("a", DType::I8, &[4]);
    let b = h.constant("b", &[4], &[1i8, 3, 8, -1]);
    let l = ops::bitshift(&a, &b, true).unwrap();
    let r = ops::bitshift(&a, &b, false).unwrap();
    let fs = h.compile(&[a], &[l, r], &CompileOptions::default()).unwrap();
    let aa = Array::from_vec(&[4], vec![-5i8, 100, -1, 7]).unwrap();
    let os = fs.run::<i8>(&[&aa]).unwrap();
    assert_eq!(os[0].as_slice(), &[-10, 32, 0, 0]); // 100 << 3 wraps to 32
    assert_eq!(os[1].as_slice(), &[-3, 12, -1, 0]);
}

#[test]
fn errors() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    let i = g.placeholder("i", DType::I64, &[2, 3]);
    let e = ops::gather_elements(&x, &i, 2).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("tvm_op_gather_elements"), "{}", e.message());

    let h = ctx.graph().unwrap();
    let y = h.placeholder("y", DType::F32, &[2, 3]);
    assert_eq!(ops::topk(&y, 4, 1, true).unwrap_err().status(), Status::InvalidArgument);

    let h = ctx.graph().unwrap();
    let y = h.placeholder("y", DType::F32, &[2, 3]);
    assert_eq!(ops::bitshift(&y, &y, true).unwrap_err().status(), Status::Dtype);

    let h = ctx.graph().unwrap();
    let y = h.placeholder("y", DType::F32, &[2, 3]);
    assert_eq!(ops::einsum("ij\0", &[&y]).unwrap_err().status(), Status::InvalidArgument);
    assert!(ops::einsum("ij,jk->ik", &[]).is_err());
}
