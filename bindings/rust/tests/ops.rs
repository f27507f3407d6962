//! The operator library (`tvmc::ops`), `Graph::call_extern` and
//! `Function::plan`, checked against values computed by hand or by plain
//! Rust loops.

use tvmc::ops::{self, BinaryOp, ConvAttrs, PadMode, PoolAttrs, ReduceOp, UnaryOp};
use tvmc::{Array, CompileOptions, Context, DType, Status};

fn close(got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len());
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * (1.0 + w.abs()), "element {}: got {} want {}", k, g, w);
    }
}

#[test]
fn softmax_rows_sum_to_one_and_match_reference() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[3, 5]);
    let y = ops::softmax(&x, -1).unwrap();
    let ly = ops::log_softmax(&x, 1).unwrap();
    let f = g.compile(&[x], &[y, ly], &CompileOptions::default()).unwrap();

    let data: Vec<f32> = (0..15).map(|i| ((i * 7) % 11) as f32 * 0.5 - 2.0).collect();
    let xa = Array::from_vec(&[3, 5], data.clone()).unwrap();
    let out = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(out[0].shape(), &[3, 5]);

    let mut want = vec![0f32; 15];
    let mut want_log = vec![0f32; 15];
    for r in 0..3 {
        let row = &data[r * 5..r * 5 + 5];
        let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let s: f64 = row.iter().map(|&v| ((v - m) as f64).exp()).sum();
        for c in 0..5 {
            want[r * 5 + c] = (((row[c] - m) as f64).exp() / s) as f32;
            want_log[r * 5 + c] = ((row[c] - m) as f64 - s.ln()) as f32;
        }
        let sum: f32 = out[0].as_slice()[r * 5..r * 5 + 5].iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "row {} sums to {}", r, sum);
    }
    close(out[0].as_slice(), &want, 1e-5);
    close(out[1].as_slice(), &want_log, 1e-5);
}

#[test]
fn dense_with_and_without_bias() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    let w = g.placeholder("w", DType::F32, &[2, 3]);
    let b = g.placeholder("b", DType::F32, &[2]);
    let y = ops::dense(&x, &w, Some(&b)).unwrap();
    let y0 = ops::dense(&x, &w, None).unwrap();
    let f = g.compile(&[x, w, b], &[y, y0], &CompileOptions::default()).unwrap();

    // x = [[1,2,3],[4,5,6]], w = [[1,0,-1],[2,1,0]], b = [10, 20]
    let xa = Array::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let wa = Array::from_vec(&[2, 3], vec![1.0f32, 0.0, -1.0, 2.0, 1.0, 0.0]).unwrap();
    let ba = Array::from_vec(&[2], vec![10.0f32, 20.0]).unwrap();
    let out = f.run::<f32>(&[&xa, &wa, &ba]).unwrap();
    // x.w^T = [[1-3, 2+2], [4-6, 8+5]] = [[-2, 4], [-2, 13]]
    assert_eq!(out[1].as_slice(), &[-2.0, 4.0, -2.0, 13.0]);
    assert_eq!(out[0].as_slice(), &[8.0, 24.0, 8.0, 33.0]);
}

#[test]
fn matmul_transposed_and_broadcast_binary() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("a", DType::F64, &[2, 2]);
    let b = g.placeholder("b", DType::F64, &[2, 2]);
    let row = g.placeholder("row", DType::F64, &[2]);
    let m = ops::matmul(&a, &b, false, true).unwrap(); // a . b^T
    let s = ops::binary(BinaryOp::Sub, &m, &row).unwrap(); // broadcast over rows
    let lt = ops::binary(BinaryOp::Less, &m, &row).unwrap();
    let f = g.compile(&[a, b, row], &[s], &CompileOptions::default()).unwrap();
    let fl = g.compile(&[a, b, row], &[lt], &CompileOptions::default()).unwrap();

    let aa = Array::from_vec(&[2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
    let ba = Array::from_vec(&[2, 2], vec![5.0f64, 6.0, 7.0, 8.0]).unwrap();
    let ra = Array::from_vec(&[2], vec![1.0f64, 100.0]).unwrap();
    // a . b^T = [[5+12, 7+16], [15+24, 21+32]] = [[17, 23], [39, 53]]
    let out = f.run::<f64>(&[&aa, &ba, &ra]).unwrap();
    assert_eq!(out[0].as_slice(), &[16.0, -77.0, 38.0, -47.0]);
    let out = fl.run::<bool>(&[&aa, &ba, &ra]).unwrap();
    assert_eq!(out[0].as_slice(), &[false, true, false, true]);
}

/// Naive NCHW conv2d (one batch, groups 1) with zero padding and strides.
#[allow(clippy::too_many_arguments)]
fn conv2d_ref(
    x: &[f32],
    c: usize,
    h: usize,
    w: usize,
    wt: &[f32],
    o: usize,
    kh: usize,
    kw: usize,
    bias: &[f32],
    pad: usize,
    stride: usize,
) -> (Vec<f32>, usize, usize) {
    let oh = (h + 2 * pad - kh) / stride + 1;
    let ow = (w + 2 * pad - kw) / stride + 1;
    let mut out = vec![0f32; o * oh * ow];
    for oc in 0..o {
        for i in 0..oh {
            for j in 0..ow {
                let mut acc = bias[oc];
                for ic in 0..c {
                    for p in 0..kh {
                        for q in 0..kw {
                            let y = (i * stride + p) as isize - pad as isize;
                            let z = (j * stride + q) as isize - pad as isize;
                            if y < 0 || z < 0 || y >= h as isize || z >= w as isize {
                                continue;
                            }
                            acc += x[(ic * h + y as usize) * w + z as usize]
                                * wt[((oc * c + ic) * kh + p) * kw + q];
                        }
                    }
                }
                out[(oc * oh + i) * ow + j] = acc;
            }
        }
    }
    (out, oh, ow)
}

#[test]
fn conv2d_with_padding_matches_naive_loop() {
    let (c, h, w, o, k) = (2usize, 5usize, 4usize, 3usize, 3usize);
    let xd: Vec<f32> = (0..c * h * w).map(|i| ((i * 5) % 7) as f32 - 3.0).collect();
    let wd: Vec<f32> = (0..o * c * k * k).map(|i| ((i * 3) % 5) as f32 * 0.5 - 1.0).collect();
    let bd = vec![0.5f32, -1.0, 2.0];

    for &(pad, stride) in &[(1usize, 1usize), (1, 2), (0, 1)] {
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let x = g.placeholder("x", DType::F32, &[1, c as i64, h as i64, w as i64]);
        let wt = g.constant("w", &[o as i64, c as i64, k as i64, k as i64], &wd);
        let b = g.constant("b", &[o as i64], &bd);
        let attrs = ConvAttrs::new().padding(pad as i64).strides([stride as i64, stride as i64]);
        let y = ops::conv2d(&x, &wt, Some(&b), &attrs).unwrap();
        let f = g.compile(&[x], &[y], &CompileOptions::default()).unwrap();

        let xa = Array::from_vec(&[1, c as i64, h as i64, w as i64], xd.clone()).unwrap();
        let out = f.run::<f32>(&[&xa]).unwrap();
        let (want, oh, ow) = conv2d_ref(&xd, c, h, w, &wd, o, k, k, &bd, pad, stride);
        assert_eq!(out[0].shape(), &[1, o as i64, oh as i64, ow as i64], "pad {} stride {}", pad, stride);
        close(out[0].as_slice(), &want, 1e-5);
    }
}

#[test]
fn pooling_small_input() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[1, 1, 4, 4]);
    let mx = ops::max_pool2d(&x, &PoolAttrs::new([2, 2]).strides([2, 2])).unwrap();
    let av = ops::avg_pool2d(&x, &PoolAttrs::new([2, 2]).strides([2, 2])).unwrap();
    let gm = ops::global_pool2d(&x, ReduceOp::Mean, ops::Layout::Nchw).unwrap();
    let f = g.compile(&[x], &[mx, av, gm], &CompileOptions::default()).unwrap();
    let xa = Array::from_fn(&[1, 1, 4, 4], |i| i as f32).unwrap();
    let out = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(out[0].as_slice(), &[5.0, 7.0, 13.0, 15.0]);
    assert_eq!(out[1].as_slice(), &[2.5, 4.5, 10.5, 12.5]);
    assert_eq!(out[2].shape(), &[1, 1, 1, 1]);
    assert_eq!(out[2].as_slice(), &[7.5]);
}

#[test]
fn reshape_transpose_concat_split() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::I32, &[6]);
    let r = ops::reshape(&x, &[2, -1]).unwrap(); // [[0,1,2],[3,4,5]]
    let t = ops::transpose(&r, &[1, 0]).unwrap(); // [[0,3],[1,4],[2,5]]
    let tr = ops::transpose_reversed(&r).unwrap();
    let cat = ops::concat(&[&t, &tr], 1).unwrap(); // 3 x 4
    let parts = ops::split(&r, 1, &[1, 2]).unwrap();
    assert_eq!(parts.len(), 2);
    let halves = ops::split_equal(&x, 0, 3).unwrap();
    assert_eq!(halves.len(), 3);
    let fl = ops::flatten(&ops::unsqueeze(&t, &[0]).unwrap(), 1).unwrap(); // [1, 6]
    let outs = [t, cat, parts[0], parts[1], halves[2], fl];
    let f = g.compile(&[x], &outs, &CompileOptions::default()).unwrap();

    let xa = Array::from_vec(&[6], vec![0i32, 1, 2, 3, 4, 5]).unwrap();
    let o = f.run::<i32>(&[&xa]).unwrap();
    assert_eq!(o[0].shape(), &[3, 2]);
    assert_eq!(o[0].as_slice(), &[0, 3, 1, 4, 2, 5]);
    assert_eq!(o[1].shape(), &[3, 4]);
    assert_eq!(o[1].as_slice(), &[0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5]);
    assert_eq!(o[2].shape(), &[2, 1]);
    assert_eq!(o[2].as_slice(), &[0, 3]);
    assert_eq!(o[3].as_slice(), &[1, 2, 4, 5]);
    assert_eq!(o[4].as_slice(), &[4, 5]);
    assert_eq!(o[5].shape(), &[1, 6]);
    assert_eq!(o[5].as_slice(), &[0, 3, 1, 4, 2, 5]);
}

#[test]
fn slice_pad_tile_gather_reduce() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]); // [[1,2,3],[4,5,6]]
    let idx = g.constant("idx", &[2], &[2i64, 0]);
    let sl = ops::slice(&x, &[1], &[-1], &[-4], Some(&[-1])).unwrap(); // columns reversed
    let pd = ops::pad(&x, &[0, 1, 0, 0], PadMode::Constant, 9.0).unwrap(); // one column in front
    let tl = ops::tile(&x, &[1, 2]).unwrap();
    let ga = ops::gather(&x, &idx, 1).unwrap();
    let sm = ops::sum(&x, &[0], false).unwrap();
    let mx = ops::reduce(ReduceOp::Max, &x, &[], true).unwrap();
    let cl = ops::clip(&x, 2.0, 5.0).unwrap();
    let f = g.compile(&[x], &[sl, pd, tl, ga, sm, mx, cl], &CompileOptions::default()).unwrap();
    let am = ops::argmax(&x, 1, false).unwrap();
    let fa = g.compile(&[x], &[am], &CompileOptions::default()).unwrap();

    let xa = Array::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let o = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(o[0].as_slice(), &[3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
    assert_eq!(o[1].shape(), &[2, 4]);
    assert_eq!(o[1].as_slice(), &[9.0, 1.0, 2.0, 3.0, 9.0, 4.0, 5.0, 6.0]);
    assert_eq!(o[2].as_slice(), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 4.0, 5.0, 6.0]);
    assert_eq!(o[3].as_slice(), &[3.0, 1.0, 6.0, 4.0]);
    assert_eq!(o[4].as_slice(), &[5.0, 7.0, 9.0]);
    assert_eq!(o[5].shape(), &[1, 1]);
    assert_eq!(o[5].as_slice(), &[6.0]);
    assert_eq!(o[6].as_slice(), &[2.0, 2.0, 3.0, 4.0, 5.0, 5.0]);
    let ia = Array::from_vec(&[2, 3], vec![1.0f32, 7.0, 7.0, -1.0, -2.0, 0.0]).unwrap();
    assert_eq!(fa.run::<i64>(&[&ia]).unwrap()[0].as_slice(), &[1, 2]);
}

#[test]
fn unary_kinds_and_layer_norm() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[4]);
    let r = ops::unary(UnaryOp::Relu, &x).unwrap();
    let s = ops::unary(UnaryOp::Sign, &x).unwrap();
    let lr = ops::leaky_relu(&x, 0.5).unwrap();
    let ln = ops::layer_norm(&x, None, None, -1, 0.0).unwrap();
    let f = g.compile(&[x], &[r, s, lr, ln], &CompileOptions::default()).unwrap();
    let xa = Array::from_vec(&[4], vec![-2.0f32, 0.0, 1.0, 5.0]).unwrap();
    let o = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(o[0].as_slice(), &[0.0, 0.0, 1.0, 5.0]);
    assert_eq!(o[1].as_slice(), &[-1.0, 0.0, 1.0, 1.0]);
    assert_eq!(o[2].as_slice(), &[-1.0, 0.0, 1.0, 5.0]);
    // mean 1, variance (9 + 1 + 0 + 16) / 4 = 6.5
    let sd = 6.5f32.sqrt();
    close(o[3].as_slice(), &[-3.0 / sd, -1.0 / sd, 0.0, 4.0 / sd], 1e-5);
}

#[test]
fn plan_counts_kernels_fused_and_unfused() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[8, 16]);
    let a = ops::exp(&x).unwrap();
    let b = ops::relu(&a).unwrap();
    let y = ops::sigmoid(&b).unwrap();
    let fused = g.compile(&[x], &[y], &CompileOptions::default()).unwrap();
    let unfused = g.compile(&[x], &[y], &CompileOptions::default().no_inline(true)).unwrap();

    let pf = fused.plan().unwrap();
    let pu = unfused.plan().unwrap();
    assert_eq!(pf.num_kernels, 1, "{:?}", pf);
    assert_eq!(pf.num_intermediates, 0, "{:?}", pf);
    assert_eq!(pf.workspace_bytes, 0, "{:?}", pf);
    assert_eq!(pu.num_kernels, 3, "{:?}", pu);
    assert_eq!(pu.num_intermediates, 2, "{:?}", pu);
    // each intermediate is 8 * 16 f32 = 512 bytes
    assert_eq!(pu.intermediate_bytes, 1024, "{:?}", pu);
    assert!(pu.peak_live_bytes >= 512 && pu.peak_live_bytes <= pu.workspace_bytes, "{:?}", pu);
    assert!(pu.workspace_bytes <= pu.intermediate_bytes, "{:?}", pu);

    // both compute the same thing
    let xa = Array::from_fn(&[8, 16], |i| (i as f32) * 0.01 - 0.6).unwrap();
    assert_eq!(
        fused.run::<f32>(&[&xa]).unwrap()[0].as_slice(),
        unfused.run::<f32>(&[&xa]).unwrap()[0].as_slice()
    );
}

#[test]
fn plan_of_symbolic_function_needs_a_call() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let x = g.placeholder("x", DType::F32, &[n]);
    let y = ops::relu(&x).unwrap();
    let f = g.compile(&[x], &[y], &CompileOptions::default()).unwrap();
    assert_eq!(f.plan().unwrap_err().status(), Status::InvalidArgument);
    let xa = Array::from_vec(&[3], vec![-1.0f32, 0.0, 1.0]).unwrap();
    f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(f.plan().unwrap().num_kernels, 1);
}

extern "C" fn affine(x: f64, k: i32) -> f64 {
    x * k as f64 + 0.5
}

extern "C" fn is_odd(v: i64) -> bool {
    v % 2 != 0
}

#[test]
fn call_extern_on_both_backends() {
    for target in &["llvm", "interp"] {
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let a = g.placeholder("a", DType::F64, &[4]);
        let b = g.placeholder("b", DType::I64, &[4]);
        // SAFETY: affine and is_odd are pure, thread-safe and never panic.
        let c = g.compute("c", &[4], |i| unsafe {
            let odd = g.call_extern("is_odd", is_odd as extern "C" fn(i64) -> bool, &[b.at(i)]);
            let y = g.call_extern("affine", affine as extern "C" fn(f64, i32) -> f64, &[a.at(i), g.i32(3)]);
            odd.select(y, 0.0)
        });
        let f = g.compile(&[a, b], &[c], &CompileOptions::default().target(target)).unwrap();
        let aa = Array::from_vec(&[4], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
        let ba = Array::from_vec(&[4], vec![1i64, 2, -3, 4]).unwrap();
        let out = f.run::<f64>(&[&aa, &ba]).unwrap();
        assert_eq!(out[0].as_slice(), &[3.5, 0.0, 9.5, 0.0], "target {}", target);
    }
}

#[test]
fn call_extern_argument_errors() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("a", DType::F32, &[2]);
    // SAFETY: affine is pure; the call is refused before anything runs.
    let e = unsafe { g.call_extern("affine", affine as extern "C" fn(f64, i32) -> f64, &[a.at(&[0])]) };
    assert!(e.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::InvalidArgument);

    let g = ctx.graph().unwrap();
    let a = g.placeholder("a", DType::F32, &[2]);
    // f32 argument where the function takes f64
    let e =
        unsafe { g.call_extern("affine", affine as extern "C" fn(f64, i32) -> f64, &[a.at(&[0]), g.i32(1)]) };
    assert!(e.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::Dtype);
}

#[test]
fn op_errors_have_the_right_kind_and_stick() {
    let ctx = Context::new().unwrap();

    // axis out of range
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    let err = ops::softmax(&x, 2).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument, "{}", err);
    assert!(!err.message().is_empty());
    // sticky: later ops and compile report the first error
    assert_eq!(ops::relu(&x).unwrap_err(), err);
    assert_eq!(
        g.compile(&[x], &[x], &CompileOptions::default()).unwrap_err().status(),
        Status::InvalidArgument
    );

    // incompatible broadcast
    let g = ctx.graph().unwrap();
    let a = g.placeholder("a", DType::F32, &[2, 3]);
    let b = g.placeholder("b", DType::F32, &[4]);
    assert_eq!(ops::add(&a, &b).unwrap_err().status(), Status::Shape);

    // dtype mismatch
    let g = ctx.graph().unwrap();
    let a = g.placeholder("a", DType::F32, &[3]);
    let b = g.placeholder("b", DType::I32, &[3]);
    assert_eq!(ops::mul(&a, &b).unwrap_err().status(), Status::Dtype);

    // float-only unary on integers
    let g = ctx.graph().unwrap();
    let b = g.placeholder("b", DType::I32, &[3]);
    assert_eq!(ops::exp(&b).unwrap_err().status(), Status::Dtype);

    // slices of the wrong length are refused before C reads them
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    assert_eq!(ops::transpose(&x, &[0]).unwrap_err().status(), Status::InvalidArgument);
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    assert_eq!(ops::pad(&x, &[1, 1], PadMode::Edge, 0.0).unwrap_err().status(), Status::InvalidArgument);
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    assert_eq!(ops::slice(&x, &[0], &[0, 1], &[1], None).unwrap_err().status(), Status::InvalidArgument);

    // groups that do not divide the channels
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[1, 3, 4, 4]);
    let w = g.placeholder("w", DType::F32, &[2, 3, 1, 1]);
    let err = ops::conv2d(&x, &w, None, &ConvAttrs::new().groups(2)).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument, "{}", err);

    // split sizes that do not add up
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[5]);
    assert!(ops::split(&x, 0, &[2, 2]).is_err());

    // a tensor of another graph
    let g1 = ctx.graph().unwrap();
    let g2 = ctx.graph().unwrap();
    let a = g1.placeholder("a", DType::F32, &[3]);
    let b = g2.placeholder("b", DType::F32, &[3]);
    assert_eq!(ops::add(&a, &b).unwrap_err().status(), Status::InvalidHandle);

    // argmax takes one axis (through reduce)
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[2, 3]);
    assert!(ops::reduce(ReduceOp::ArgMax, &x, &[0, 1], false).is_err());
}

#[test]
fn where_batch_norm_conv1d_conv_transpose_resize() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[1, 2, 3]); // N C W
    let zero = g.constant("zero", &[1], &[0.0f32]);
    let cond = ops::binary(BinaryOp::Greater, &x, &zero).unwrap();
    let wh = ops::where_(&cond, &x, &zero).unwrap();
    let sc = g.constant("sc", &[2], &[2.0f32, 1.0]);
    let bi = g.constant("bi", &[2], &[0.0f32, 10.0]);
    let mu = g.constant("mu", &[2], &[1.0f32, 0.0]);
    let va = g.constant("va", &[2], &[4.0f32, 1.0]);
    let bn = ops::batch_norm(&x, &sc, &bi, &mu, &va, 0.0).unwrap();
    // conv1d: one output channel summing both channels over a window of 2
    let w1 = g.constant("w1", &[1, 2, 2], &[1.0f32; 4]);
    let c1 = ops::conv1d(&x, &w1, None, &ConvAttrs::new().pads_1d(0, 1)).unwrap();
    let f = g.compile(&[x], &[wh, bn, c1], &CompileOptions::default()).unwrap();
    let xa = Array::from_vec(&[1, 2, 3], vec![-1.0f32, 3.0, 5.0, 2.0, -4.0, 6.0]).unwrap();
    let o = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(o[0].as_slice(), &[0.0, 3.0, 5.0, 2.0, 0.0, 6.0]);
    // channel 0: 2 * (x - 1) / 2; channel 1: x + 10
    assert_eq!(o[1].as_slice(), &[-2.0, 2.0, 4.0, 12.0, 6.0, 16.0]);
    // windows: (-1+3+2-4), (3+5-4+6), (5+6) with the end padding
    assert_eq!(o[2].shape(), &[1, 1, 3]);
    assert_eq!(o[2].as_slice(), &[0.0, 10.0, 11.0]);

    // conv_transpose2d with a 1x1 input and a 2x2 kernel is the kernel
    // scaled; nearest resize doubles each pixel
    let g = ctx.graph().unwrap();
    let x = g.placeholder("x", DType::F32, &[1, 1, 1, 1]);
    let w = g.constant("w", &[1, 1, 2, 2], &[1.0f32, 2.0, 3.0, 4.0]);
    let ct = ops::conv_transpose2d(&x, &w, None, &ConvAttrs::new()).unwrap();
    let rs = ops::resize(
        &ct,
        &[1, 1, 4, 4],
        ops::ResizeMode::Nearest,
        ops::ResizeCoord::Asymmetric,
        ops::ResizeNearest::Floor,
    )
    .unwrap();
    let f = g.compile(&[x], &[ct, rs], &CompileOptions::default()).unwrap();
    let xa = Array::from_vec(&[1, 1, 1, 1], vec![3.0f32]).unwrap();
    let o = f.run::<f32>(&[&xa]).unwrap();
    assert_eq!(o[0].shape(), &[1, 1, 2, 2]);
    assert_eq!(o[0].as_slice(), &[3.0, 6.0, 9.0, 12.0]);
    assert_eq!(
        o[1].as_slice(),
        &[3.0, 3.0, 6.0, 6.0, 3.0, 3.0, 6.0, 6.0, 9.0, 9.0, 12.0, 12.0, 9.0, 9.0, 12.0, 12.0]
    );
}
