//! Elementwise kernels: operators, scalars, math, casts, bool logic and the
//! half-precision storage types.

use tvmc::{Array, CompileOptions, Context, DType, Function, Graph, BF16, F16};

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * b.abs().max(1e-30)
}

/// Compiles a unary f32 map `x -> f(x)` over a 1-d tensor of size n.
fn unary_f32<'c>(g: &Graph<'c>, n: i64, f: impl Fn(tvmc::Expr) -> tvmc::Expr) -> Function {
    let a = g.placeholder("A", DType::F32, &[n]);
    let b = g.compute("B", &[n], |i| f(a.at(i)));
    g.compile(&[a], &[b], &CompileOptions::default()).expect("compile")
}

#[test]
fn relu_of_sum() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[2, 3]);
    let b = g.placeholder("B", DType::F32, &[2, 3]);
    let c = g.compute("C", &[2, 3], |ij| (a.at(ij) + b.at(ij)).relu());
    let f = g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap();
    assert_eq!(f.num_inputs(), 2);
    assert_eq!(f.num_outputs(), 1);
    assert_eq!(f.arg_info(2).unwrap(), (DType::F32, 2));

    let x = Array::from_vec(&[2, 3], vec![1.0f32, -2.0, 3.0, -4.0, 5.0, -6.0]).unwrap();
    let y = Array::from_vec(&[2, 3], vec![0.5f32, 0.5, 0.5, 0.5, 0.5, 0.5]).unwrap();
    let mut z = Array::<f32>::full(&[2, 3], f32::NAN).unwrap();
    f.call(&[&x, &y], &mut [&mut z]).unwrap();
    assert_eq!(z.as_slice(), &[1.5, 0.0, 3.5, 0.0, 5.5, 0.0]);
    assert_eq!(z.get(&[1, 2]), Some(&0.0));

    // the same function through borrowed views over plain slices
    let xs = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut out = vec![0.0f32; 6];
    {
        let xv = tvmc::TensorView::new(&xs, &[2, 3]).unwrap();
        let mut ov = tvmc::TensorViewMut::new(&mut out, &[2, 3]).unwrap();
        f.call(&[&xv, &y.view()], &mut [&mut ov]).unwrap();
    }
    assert_eq!(out, vec![1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
}

#[test]
fn operators_and_scalars() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = 5;
    let a = g.placeholder("A", DType::F64, &[n]);
    let b = g.placeholder("B", DType::F64, &[n]);
    let outs = [
        g.compute("add", &[n], |i| a.at(i) + b.at(i) * 2.0),
        g.compute("sub", &[n], |i| 1.0 - a.at(i) - b.at(i)),
        g.compute("div", &[n], |i| a.at(i) / b.at(i)),
        g.compute("neg", &[n], |i| -a.at(i)),
        g.compute("rem", &[n], |i| a.at(i) % b.at(i)),
        g.compute("fmod", &[n], |i| a.at(i).floormod(b.at(i))),
        g.compute("pow", &[n], |i| a.at(i).abs().pow(b.at(i))),
        g.compute("sel", &[n], |i| a.at(i).gt(b.at(i)).select(a.at(i), 10.0)),
        g.compute("minmax", &[n], |i| a.at(i).min(b.at(i)) + a.at(i).max(b.at(i))),
        g.compute("scalar_left", &[n], |i| 3 * a.at(i) + 0.5),
    ];
    let f = g.compile(&[a, b], &outs, &CompileOptions::default()).unwrap();
    let xa = vec![-3.5f64, -1.0, 0.0, 2.5, 7.0];
    let xb = vec![2.0f64, 0.5, 1.5, -2.0, 3.0];
    let x = Array::from_vec(&[n], xa.clone()).unwrap();
    let y = Array::from_vec(&[n], xb.clone()).unwrap();
    let got = f.run::<f64>(&[&x, &y]).unwrap();
    for k in 0..n as usize {
        let (p, q) = (xa[k], xb[k]);
        let want = [
            p + q * 2.0,
            1.0 - p - q,
            p / q,
            -p,
            p % q,
            p - (p / q).floor() * q,
            p.abs().powf(q),
            if p > q { p } else { 10.0 },
            p.min(q) + p.max(q),
            3.0 * p + 0.5,
        ];
        for (o, w) in want.iter().enumerate() {
            assert!(close(got[o][k], *w, 1e-12), "output {} element {}: {} vs {}", o, k, got[o][k], w);
        }
    }
}

#[test]
fn integer_division_semantics() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = 8;
    let a = g.placeholder("A", DType::I32, &[n]);
    let b = g.placeholder("B", DType::I32, &[n]);
    let outs = [
        g.compute("div", &[n], |i| a.at(i) / b.at(i)),
        g.compute("rem", &[n], |i| a.at(i) % b.at(i)),
        g.compute("floordiv", &[n], |i| a.at(i).floordiv(b.at(i))),
        g.compute("floormod", &[n], |i| a.at(i).floormod(b.at(i))),
    ];
    let f = g.compile(&[a, b], &outs, &CompileOptions::default()).unwrap();
    let xa = vec![7, -7, 7, -7, 5, i32::MIN, 3, 0];
    let xb = vec![2, 2, -2, -2, 0, -1, 7, 5];
    let got = f
        .run::<i32>(&[
            &Array::from_vec(&[n], xa.clone()).unwrap(),
            &Array::from_vec(&[n], xb.clone()).unwrap(),
        ])
        .unwrap();
    for k in 0..n as usize {
        let (p, q) = (xa[k], xb[k]);
        let div = if q == 0 { 0 } else { p.wrapping_div(q) };
        let rem = if q == 0 { 0 } else { p.wrapping_rem(q) };
        let fdiv = if q == 0 {
            0
        } else if rem != 0 && ((rem < 0) != (q < 0)) {
            div - 1
        } else {
            div
        };
        let fmod = if q == 0 {
            0
        } else if rem != 0 && ((rem < 0) != (q < 0)) {
            rem + q
        } else {
            rem
        };
        assert_eq!(got[0][k], div, "div {} {}", p, q);
        assert_eq!(got[1][k], rem, "rem {} {}", p, q);
        assert_eq!(got[2][k], fdiv, "floordiv {} {}", p, q);
        assert_eq!(got[3][k], fmod, "floormod {} {}", p, q);
    }
}

#[test]
fn math_functions() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let xs = vec![0.25f32, 0.5, 1.0, 1.5, 2.0, 3.75, 10.0];
    let n = xs.len() as i64;
    let x = Array::from_vec(&[n], xs.clone()).unwrap();
    type Case = (&'static str, fn(tvmc::Expr) -> tvmc::Expr, fn(f32) -> f32);
    let cases: Vec<Case> = vec![
        ("exp", |e| e.exp(), |v| v.exp()),
        ("log", |e| e.log(), |v| v.ln()),
        ("sqrt", |e| e.sqrt(), |v| v.sqrt()),
        ("rsqrt", |e| e.rsqrt(), |v| 1.0 / v.sqrt()),
        ("tanh", |e| e.tanh(), |v| v.tanh()),
        ("sigmoid", |e| e.sigmoid(), |v| 1.0 / (1.0 + (-v).exp())),
        ("floor", |e| e.floor(), |v| v.floor()),
        ("ceil", |e| (-e).ceil(), |v| (-v).ceil()),
        ("abs", |e| (-e).abs(), |v| v),
        ("erf", |e| e.erf(), erf_ref),
    ];
    for (name, build, reference) in cases {
        let f = unary_f32(&g, n, build);
        let y = f.run::<f32>(&[&x]).unwrap();
        for (k, &v) in xs.iter().enumerate() {
            let w = reference(v);
            assert!(close(y[0][k] as f64, w as f64, 1e-5), "{}({}) = {}, want {}", name, v, y[0][k], w);
        }
    }
}

/// erf by its Taylor series (fine for |x| <= 10 in f64 for our points).
fn erf_ref(x: f32) -> f32 {
    let x = x as f64;
    if x > 5.0 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut term = x;
    let mut n = 0.0;
    while term.abs() > 1e-17 {
        sum += term / (2.0 * n + 1.0);
        n += 1.0;
        term *= -x * x / n;
    }
    (sum * 2.0 / std::f64::consts::PI.sqrt()) as f32
}

#[test]
fn casts_and_bool_logic() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = 6;
    let a = g.placeholder("A", DType::F32, &[n]);
    let m = g.placeholder("M", DType::Bool, &[n]);
    let to_int = g.compute("to_int", &[n], |i| a.at(i).cast(DType::I8));
    let logic = g.compute("logic", &[n], |i| {
        let pos = a.at(i).gt(0.0);
        (pos & m.at(i)) | !(a.at(i).eq_(0.0).not_() | m.at(i))
    });
    let count =
        g.compute("count", &[n], |i| m.at(i).cast(DType::I32) + a.at(i).ne_(a.at(i)).cast(DType::I32));
    let f = g.compile(&[a, m], &[to_int, logic, count], &CompileOptions::default()).unwrap();

    let xa = vec![1e9f32, -1e9, 2.7, -2.7, f32::NAN, 0.0];
    let xm = vec![true, false, true, false, true, false];
    let x = Array::from_vec(&[n], xa.clone()).unwrap();
    let mm = Array::from_vec(&[n], xm.clone()).unwrap();
    let mut o1 = Array::<i8>::zeros(&[n]).unwrap();
    let mut o2 = Array::<bool>::zeros(&[n]).unwrap();
    let mut o3 = Array::<i32>::zeros(&[n]).unwrap();
    f.call(&[&x, &mm], &mut [&mut o1, &mut o2, &mut o3]).unwrap();
    // float -> int saturates, NaN -> 0, truncation toward zero
    assert_eq!(o1.as_slice(), &[127, -128, 2, -2, 0, 0]);
    for k in 0..n as usize {
        let pos = xa[k] > 0.0;
        let want = (pos && xm[k]) || !((xa[k] != 0.0) || xm[k]);
        assert_eq!(o2[k], want, "logic at {}", k);
        assert_eq!(o3[k], xm[k] as i32 + xa[k].is_nan() as i32, "count at {}", k);
    }
}

#[test]
fn half_precision_storage() {
    // the conversions themselves
    assert_eq!(F16::from_f32(1.0).to_bits(), 0x3c00);
    assert_eq!(F16::from_f32(-2.0).to_bits(), 0xc000);
    assert_eq!(F16::from_f32(65504.0).to_bits(), 0x7bff);
    assert_eq!(F16::from_f32(65520.0).to_bits(), 0x7c00); // rounds to inf
    assert_eq!(F16::from_f32(5.960_464_5e-8).to_bits(), 0x0001); // smallest subnormal
    assert_eq!(F16::from_f32(2.980_232_2e-8).to_bits(), 0x0000); // tie to even
    assert!(F16::from_f32(f32::NAN).to_f32().is_nan());
    assert_eq!(F16::from_bits(0x3555).to_f32(), 0.333_251_95);
    assert_eq!(BF16::from_f32(1.0).to_bits(), 0x3f80);
    assert_eq!(BF16::from_f32(1.0 + 1.0 / 256.0).to_bits(), 0x3f80); // tie to even
    assert_eq!(BF16::from_f32(1.0 + 3.0 / 256.0).to_bits(), 0x3f82); // tie to even (up)

    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = 4;
    let a = g.placeholder("A", DType::F16, &[n]);
    let b = g.placeholder("B", DType::BF16, &[n]);
    let c = g.compute("C", &[n], |i| a.at(i) * 3.0);
    let d = g.compute("D", &[n], |i| b.at(i).cast(DType::F32) + 0.5);
    let f = g.compile(&[a, b], &[c, d], &CompileOptions::default()).unwrap();
    let vals = [0.1f32, 1.0, -7.25, 1000.0];
    let x = Array::from_vec(&[n], vals.iter().map(|&v| F16::from_f32(v)).collect()).unwrap();
    let y = Array::from_vec(&[n], vals.iter().map(|&v| BF16::from_f32(v)).collect()).unwrap();
    let mut oc = Array::<F16>::zeros(&[n]).unwrap();
    let mut od = Array::<f32>::zeros(&[n]).unwrap();
    f.call(&[&x, &y], &mut [&mut oc, &mut od]).unwrap();
    for k in 0..n as usize {
        // computed in f32 from the stored half, rounded once when stored
        let want = F16::from_f32(x[k].to_f32() * 3.0);
        assert_eq!(oc[k].to_bits(), want.to_bits(), "f16 at {}", k);
        assert_eq!(od[k], y[k].to_f32() + 0.5, "bf16 at {}", k);
    }
}

#[test]
fn constants_and_scalars_by_type() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let w = g.constant("W", &[3], &[10i64, 20, 30]);
    let a = g.placeholder("A", DType::I64, &[3]);
    let c = g.compute("C", &[3], |i| a.at(i) * w.at(i) + g.scalar(1i64) - g.i64(1));
    let f = g.compile(&[a], &[c], &CompileOptions::default()).unwrap();
    let out = f.run::<i64>(&[&Array::from_vec(&[3], vec![1i64, 2, 3]).unwrap()]).unwrap();
    assert_eq!(out[0].as_slice(), &[10, 40, 90]);
    assert_eq!(w.dtype().unwrap(), DType::I64);
    assert_eq!(w.ndim().unwrap(), 1);
    assert_eq!(g.f32(1.0).dtype().unwrap(), DType::F32);
    assert_eq!(g.boolean(true).dtype().unwrap(), DType::Bool);
    // scalar operands take the dtype of the expression
    assert_eq!((a.at(&[0]) + 1).dtype().unwrap(), DType::I64);
    assert_eq!((g.f64(1.0) * 2).dtype().unwrap(), DType::F64);
    assert_eq!(a.at(&[0]).lt(3).dtype().unwrap(), DType::Bool);
    g.status().unwrap();
}

#[test]
fn direct_entry_matches_call() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[300]);
    let b = g.placeholder("B", DType::F32, &[300]);
    let c = g.compute("C", &[300], |i| (a.at(i) * b.at(i)).relu());
    let f = g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap();
    let x = Array::from_fn(&[300], |k| k as f32 * 0.25 - 30.0).unwrap();
    let y = Array::from_fn(&[300], |k| 1.5 - k as f32 * 0.01).unwrap();
    let mut want = Array::<f32>::zeros(&[300]).unwrap();
    f.call(&[&x, &y], &mut [&mut want]).unwrap();
    let e = f.entry().unwrap();
    drop(f); // the entry keeps the function alive
    let mut got = Array::<f32>::zeros(&[300]).unwrap();
    let ptrs = [
        x.as_slice().as_ptr() as *mut std::ffi::c_void,
        y.as_slice().as_ptr() as *mut std::ffi::c_void,
        got.as_mut_slice().as_mut_ptr() as *mut std::ffi::c_void,
    ];
    // SAFETY: each pointer addresses a whole [300] f32 tensor; got is separate.
    unsafe { e.call(&ptrs) }.unwrap();
    assert_eq!(got.as_slice(), want.as_slice());
    // symbolic shapes have no direct entry
    let n = g.size_var("n");
    let s = g.placeholder("S", DType::F32, &[n]);
    let t = g.compute("T", &[n], |i| s.at(i).relu());
    let h = g.compile(&[s], &[t], &CompileOptions::default()).unwrap();
    assert_eq!(h.entry().err().map(|e| e.status()), Some(tvmc::Status::Unsupported));
}
