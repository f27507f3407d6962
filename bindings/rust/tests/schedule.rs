//! Schedules: every primitive through the safe wrapper, results checked
//! against values computed here by hand (plain loops), and the errors.

use tvmc::{Array, Axis, CompileOptions, Context, DType, Schedule, Status};

/// A[m, k] with A[i][k] = i * k + 1 - k, B[k, n] with B[k][j] = (k + 2 * j) % 5 - 2:
/// small integers, so every order of summation gives the same f32 bits.
fn inputs(m: i64, n: i64, k: i64) -> (Array<f32>, Array<f32>) {
    let a = Array::from_fn(&[m, k], |e| {
        let (i, kk) = (e as i64 / k, e as i64 % k);
        (i * kk + 1 - kk) as f32
    })
    .unwrap();
    let b = Array::from_fn(&[k, n], |e| {
        let (kk, j) = (e as i64 / n, e as i64 % n);
        ((kk + 2 * j) % 5 - 2) as f32
    })
    .unwrap();
    (a, b)
}

fn matmul_by_hand(a: &Array<f32>, b: &Array<f32>, m: i64, n: i64, k: i64) -> Vec<f32> {
    let mut c = vec![0.0f32; (m * n) as usize];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f32;
            for kk in 0..k {
                s += a.as_slice()[(i * k + kk) as usize] * b.as_slice()[(kk * n + j) as usize];
            }
            c[(i * n + j) as usize] = s;
        }
    }
    c
}

#[test]
fn blocked_matmul_every_loop_primitive() {
    let ctx = Context::new().unwrap();
    let (m, n, k) = (13i64, 10i64, 9i64);
    let (av, bv) = inputs(m, n, k);
    let want = matmul_by_hand(&av, &bv, m, n, k);
    for target in ["interp", "llvm"] {
        let g = ctx.graph().unwrap();
        let a = g.placeholder("A", DType::F32, &[m, k]);
        let b = g.placeholder("B", DType::F32, &[k, n]);
        let (i, j, r) = (g.iter_var("i"), g.iter_var("j"), g.reduce_axis("k", k));
        let c = g.compute_with("C", &[m, n], &[i, j], g.sum(a.at(&[i, r]) * b.at(&[r, j]), &[r]));
        let mut s = Schedule::new(&g, &[c]).unwrap();
        let t = s.tile(c, i, j, 4, 4).unwrap();
        let (ko, ki) = s.split(c, r, 2).unwrap();
        s.reorder(c, &[t.x_outer, t.y_outer, ko, ki, t.x_inner, t.y_inner]).unwrap();
        s.cache_write(c, t.y_outer).unwrap();
        s.vectorize(c, t.y_inner).unwrap();
        s.parallel(c, t.x_outer).unwrap();
        s.unroll(c, ki).unwrap();
        let bp = s.pack(c, b, 1, 4).unwrap();
        assert!(!bp.is_null());
        let opts = CompileOptions::new().target(target).schedule(&s);
        let f = g.compile(&[a, b], &[c], &opts).unwrap();
        let out = f.run::<f32>(&[&av, &bv]).unwrap();
        assert_eq!(out[0].shape(), &[m, n]);
        assert_eq!(out[0].as_slice(), &want[..], "target {}", target);
        // the loop IR shows the scheduled loops
        let ir = f.dump("loop").unwrap();
        assert!(ir.contains("i.outer") && ir.contains("k.inner"), "{}", ir);
    }
}

#[test]
fn fuse_split_parallel_elementwise() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::I32, &[6, 7]);
    let (i, j) = (g.iter_var("i"), g.iter_var("j"));
    let b = g.compute_with("B", &[6, 7], &[i, j], a.at(&[i, j]) * 3 + 1);
    let mut s = Schedule::new(&g, &[b]).unwrap();
    let fused = s.fuse(b, i, j).unwrap();
    let (fo, fi) = s.split(b, fused, 8).unwrap(); // 42 points: the last block is guarded
    s.parallel(b, fo).unwrap();
    s.vectorize(b, fi).unwrap();
    let f = g.compile(&[a], &[b], &CompileOptions::new().schedule(&s)).unwrap();
    let x = Array::from_fn(&[6, 7], |e| e as i32 - 20).unwrap();
    let out = f.run::<i32>(&[&x]).unwrap();
    let want: Vec<i32> = (0..42).map(|e| (e - 20) * 3 + 1).collect();
    assert_eq!(out[0].as_slice(), &want[..]);
}

#[test]
fn compute_inline_and_compute_at() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[8, 4]);
    // P = A + 1 (computed per block of C), Q = 2 * A (inlined),
    // C[i, j] = P[i, j] * P[i, j] + Q[i, j]
    let p = g.compute("P", &[8, 4], |ix| a.at(ix) + 1.0);
    let q = g.compute("Q", &[8, 4], |ix| a.at(ix) * 2.0);
    let (i, j) = (g.iter_var("i"), g.iter_var("j"));
    let c = g.compute_with("C", &[8, 4], &[i, j], p.at(&[i, j]) * p.at(&[i, j]) + q.at(&[i, j]));
    let mut s = Schedule::new(&g, &[c]).unwrap();
    s.compute_inline(q).unwrap();
    let (io, _ii) = s.split(c, i, 3).unwrap();
    // P's box per i.outer is 3 x 4 (2 x 4 in the last, clipped block)
    s.compute_at(p, c, io).unwrap();
    for target in ["interp", "llvm"] {
        let opts = CompileOptions::new().target(target).schedule(&s);
        let f = g.compile(&[a], &[c], &opts).unwrap();
        assert!(f.dump("loop").unwrap().contains("P_local"));
        let x = Array::from_fn(&[8, 4], |e| e as f32 * 0.5).unwrap();
        let out = f.run::<f32>(&[&x]).unwrap();
        for e in 0..32 {
            let v = e as f32 * 0.5;
            assert_eq!(out[0].as_slice()[e], (v + 1.0) * (v + 1.0) + 2.0 * v, "{} [{}]", target, e);
        }
    }
}

#[test]
fn primitive_errors_change_nothing() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[16]);
    let i = g.iter_var("i");
    let b = g.compute_with("B", &[16], &[i], a.at(&[i]) + 1.0);
    let mut s = Schedule::new(&g, &[b]).unwrap();
    // factors outside [1, 2^31]
    for bad in [0i64, -1, (1i64 << 31) + 1, i64::MAX] {
        let e = s.split(b, i, bad).unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument, "{}", e);
        assert!(e.message().contains("factor"), "{}", e);
    }
    // a placeholder is not a stage
    assert_eq!(s.split(a, i, 2).unwrap_err().status(), Status::InvalidHandle);
    // a forged axis
    let e = s.unroll(b, Axis::from_raw(tvmc::sys::tvm_expr { id: 0xFFFF_FFFF })).unwrap_err();
    assert_eq!(e.status(), Status::InvalidHandle);
    // a split axis is stale afterwards
    let (o, _) = s.split(b, i, 4).unwrap();
    assert_eq!(s.split(b, i, 2).unwrap_err().status(), Status::InvalidHandle);
    // the same axis twice in a reorder
    assert_eq!(s.reorder(b, &[o, o]).unwrap_err().status(), Status::InvalidArgument);
    // the failures changed nothing: a split by 4 of 16 points still computes A + 1
    let f = g.compile(&[a], &[b], &CompileOptions::new().schedule(&s)).unwrap();
    let x = Array::from_fn(&[16], |e| e as f32).unwrap();
    let out = f.run::<f32>(&[&x]).unwrap();
    let want: Vec<f32> = (0..16).map(|e| e as f32 + 1.0).collect();
    assert_eq!(out[0].as_slice(), &want[..]);
}

#[test]
fn compile_time_errors() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[4, 4]);
    let (i, j, r) = (g.iter_var("i"), g.iter_var("j"), g.reduce_axis("k", 4));
    let c = g.compute_with("C", &[4], &[i], g.sum(a.at(&[i, r]), &[r]));
    let _ = j;
    // vectorising the reduction loop is refused at compile, naming the axis
    let mut s = Schedule::new(&g, &[c]).unwrap();
    s.vectorize(c, r).unwrap();
    let e = g.compile(&[a], &[c], &CompileOptions::new().schedule(&s)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("'k'"), "{}", e);
    // another graph's schedule
    let g2 = ctx.graph().unwrap();
    let a2 = g2.placeholder("A", DType::F32, &[4]);
    let c2 = g2.compute("C", &[4], |ix| a2.at(ix) * 2.0);
    let s2 = Schedule::new(&g2, &[c2]).unwrap();
    let e = g.compile(&[a], &[c], &CompileOptions::new().schedule(&s2)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("another graph"), "{}", e);
    // a tensor of another graph passed to a primitive
    let e = Schedule::new(&g, &[c2]).unwrap_err();
    assert_eq!(e.status(), Status::InvalidHandle);
}
