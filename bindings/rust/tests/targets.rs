//! The "interp" and "llvm" targets agree.

use tvmc::{Array, CompileOptions, Context, DType, OptLevel};

#[test]
fn interp_and_llvm_agree() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let (m, n) = (g.size_var("m"), g.size_var("n"));
    let a = g.placeholder("A", DType::F32, &[m, n]);
    let b = g.placeholder("B", DType::F32, &[n]);
    let k = g.reduce_axis("k", n);
    // a softmax-like pipeline: several computes, a reduction, math, select
    let shifted = g.compute("shifted", &[m, n], |ij| a.at(ij) - b.at(&[ij[1]]));
    let mx = g.compute("mx", &[m], |i| g.reduce_max(shifted.at(&[i[0], k]), &[k]));
    let e = g.compute("e", &[m, n], |ij| (shifted.at(ij) - mx.at(&[ij[0]])).exp());
    let s = g.compute("s", &[m], |i| g.sum(e.at(&[i[0], k]), &[k]));
    let y = g.compute("y", &[m, n], |ij| {
        let p = e.at(ij) / s.at(&[ij[0]]);
        p.gt(0.1).select(p.tanh(), -p.sigmoid())
    });
    let iy = g
        .compute("iy", &[m, n], |ij| (a.at(ij) * 10.0).cast(DType::I32).floormod(7) - ij[0].cast(DType::I32));

    let x = Array::from_fn(&[5, 13], |i| ((i * 37 % 23) as f32 - 11.0) * 0.37).unwrap();
    let bias = Array::from_fn(&[13], |i| (i as f32) * 0.01).unwrap();
    let targets = [
        CompileOptions::new().target("interp"),
        CompileOptions::new().target("llvm"),
        CompileOptions::new().target("llvm").opt_level(OptLevel::O0).no_inline(true),
        CompileOptions::default(),
    ];
    let mut results = Vec::new();
    for opts in &targets {
        let f = g.compile(&[a, b], &[y, iy], opts).unwrap();
        let mut fy = Array::<f32>::zeros(&[5, 13]).unwrap();
        let mut fi = Array::<i32>::zeros(&[5, 13]).unwrap();
        f.call(&[&x, &bias], &mut [&mut fy, &mut fi]).unwrap();
        results.push((fy, fi));
    }
    let (ry, ri) = &results[0];
    for (t, (fy, fi)) in results.iter().enumerate().skip(1) {
        assert_eq!(fi, ri, "integer output of target {} differs from interp", t);
        for (k, (&p, &q)) in fy.iter().zip(ry.iter()).enumerate() {
            let tol = 1e-5 * q.abs().max(1e-6);
            assert!((p - q).abs() <= tol, "target {} element {}: {} vs interp {}", t, k, p, q);
        }
    }
    // a sanity check of the values themselves
    let mut row_sum = 0.0f32;
    for j in 0..13 {
        let v = *ry.get(&[0, j]).unwrap();
        assert!((-1.0..=1.0).contains(&v));
        row_sum += v;
    }
    assert!(row_sum.is_finite());
}
