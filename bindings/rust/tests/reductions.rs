//! Reductions and matmul built from compute + sum.

use tvmc::{Array, CompileOptions, Context, DType, ReduceKind};

#[test]
fn row_reductions() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let (m, n) = (3i64, 4i64);
    let a = g.placeholder("A", DType::F32, &[m, n]);
    let k = g.reduce_axis("k", n);
    let sum = g.compute("sum", &[m], |i| g.sum(a.at(&[i[0], k]), &[k]));
    let prod = g.compute("prod", &[m], |i| g.prod(a.at(&[i[0], k]), &[k]));
    let mn = g.compute("min", &[m], |i| g.reduce_min(a.at(&[i[0], k]), &[k]));
    let mx = g.compute("max", &[m], |i| g.reduce(ReduceKind::Max, a.at(&[i[0], k]), &[k]));
    // a reduction inside a larger expression: mean
    let mean = g.compute("mean", &[m], |i| g.sum(a.at(&[i[0], k]), &[k]) / n as f32);
    let f = g.compile(&[a], &[sum, prod, mn, mx, mean], &CompileOptions::default()).unwrap();
    let x = Array::from_fn(&[m, n], |i| (i as f32) - 5.0).unwrap();
    let out = f.run::<f32>(&[&x]).unwrap();
    for r in 0..m as usize {
        let row = &x[r * n as usize..(r + 1) * n as usize];
        assert_eq!(out[0][r], row.iter().sum::<f32>());
        assert_eq!(out[1][r], row.iter().product::<f32>());
        assert_eq!(out[2][r], row.iter().cloned().fold(f32::INFINITY, f32::min));
        assert_eq!(out[3][r], row.iter().cloned().fold(f32::NEG_INFINITY, f32::max));
        assert_eq!(out[4][r], row.iter().sum::<f32>() / n as f32);
    }
}

#[test]
fn full_reduction_to_scalar_and_empty_identity() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let a = g.placeholder("A", DType::I64, &[n]);
    let k = g.reduce_axis("k", n);
    let total = g.compute::<i64, _>("total", &[], |_| g.sum(a.at(&[k]), &[k]));
    let top = g.compute_scalar("top", g.reduce_max(a.at(&[k]), &[k]));
    let f = g.compile(&[a], &[total, top], &CompileOptions::default()).unwrap();
    let x = Array::from_fn(&[100], |i| i as i64).unwrap();
    let out = f.run::<i64>(&[&x]).unwrap();
    assert_eq!(out[0].shape(), &[] as &[i64]);
    assert_eq!(out[0][0], 4950);
    assert_eq!(out[1][0], 99);
    // an empty reduction gives the identity
    let empty = Array::<i64>::zeros(&[0]).unwrap();
    let out = f.run::<i64>(&[&empty]).unwrap();
    assert_eq!(out[0][0], 0);
    assert_eq!(out[1][0], i64::MIN);
}

#[test]
fn matmul_via_compute_and_sum() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let (m, k, n) = (g.size_var("m"), g.size_var("k"), g.size_var("n"));
    let a = g.placeholder("A", DType::F64, &[m, k]);
    let b = g.placeholder("B", DType::F64, &[k, n]);
    let r = g.reduce_axis("r", k);
    let c = g.compute("C", &[m, n], |ij| g.sum(a.at(&[ij[0], r]) * b.at(&[r, ij[1]]), &[r]));
    let f = g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap();

    for &(mm, kk, nn) in &[(1i64, 1i64, 1i64), (5, 7, 3), (17, 33, 9)] {
        let x = Array::from_fn(&[mm, kk], |i| ((i * 7 % 11) as f64) - 5.0).unwrap();
        let y = Array::from_fn(&[kk, nn], |i| ((i * 5 % 13) as f64) * 0.5).unwrap();
        assert_eq!(f.output_shape(&[&x, &y], 0).unwrap(), vec![mm, nn]);
        let mut z = Array::<f64>::zeros(&[mm, nn]).unwrap();
        f.call(&[&x, &y], &mut [&mut z]).unwrap();
        for i in 0..mm {
            for j in 0..nn {
                let want: f64 = (0..kk).map(|p| x.get(&[i, p]).unwrap() * y.get(&[p, j]).unwrap()).sum();
                // small integers and halves: exact in any summation order
                assert_eq!(*z.get(&[i, j]).unwrap(), want, "C[{}, {}] for {}x{}x{}", i, j, mm, kk, nn);
            }
        }
    }
}

#[test]
fn matmul_with_constant_weights() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let w: Vec<f32> = (0..12).map(|i| i as f32).collect(); // 4 x 3
    let wt = g.constant("W", &[4, 3], &w);
    let bias = g.constant("bias", &[3], &[1.0f32, -100.0, 0.5]);
    let batch = g.size_var("batch");
    let x = g.placeholder("X", DType::F32, &[batch, g.i64(4)]);
    let r = g.reduce_axis("r", 4);
    let y = g.compute("Y", &[batch, g.i64(3)], |ij| {
        (g.sum(x.at(&[ij[0], r]) * wt.at(&[r, ij[1]]), &[r]) + bias.at(&[ij[1]])).relu()
    });
    let f = g.compile(&[x], &[y], &CompileOptions::default()).unwrap();
    let xs = Array::from_vec(&[2, 4], vec![1.0f32, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).unwrap();
    let out = f.run::<f32>(&[&xs]).unwrap();
    assert_eq!(out[0].shape(), &[2, 3]);
    // row 0 picks W[0] = [0,1,2]; row 1 sums the columns = [18,22,26]
    assert_eq!(out[0].as_slice(), &[1.0, 0.0, 2.5, 19.0, 0.0, 26.5]);
}
