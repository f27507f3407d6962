//! `CompileOptions::release_constants` (`TVM_COMPILE_RELEASE_CONSTANTS`): a
//! weight read only through a folded transpose loses its bytes during the
//! compile, the function still computes x + W^T + K (checked by hand loops),
//! and a later compile of the same graph that reads the weight fails with
//! `InvalidArgument` naming it, while compiles that do not need it (and the
//! identical, cached one) still work. Without the flag the same second
//! compile succeeds, so the failure is the flag's doing.

use tvmc::ops;
use tvmc::{Array, CompileOptions, Context, DType, Status};

const R: usize = 4;
const C: usize = 5;

fn data() -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let w = (0..C * R).map(|k| (k as f32 * 0.37).sin() * 2.0).collect(); // [C, R]
    let kk = (0..R * C).map(|k| (k as f32 * 0.11).cos() - 0.5).collect(); // [R, C]
    let x = (0..R * C).map(|k| k as f32 * 0.25 - 2.0).collect(); // [R, C]
    (w, kk, x)
}

/// x + w^T (+ k when given), by hand.
fn expected(x: &[f32], w: &[f32], k: Option<&[f32]>) -> Vec<f32> {
    let mut out = vec![0f32; R * C];
    for i in 0..R {
        for j in 0..C {
            out[i * C + j] = x[i * C + j] + w[j * R + i] + k.map_or(0.0, |k| k[i * C + j]);
        }
    }
    out
}

fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (n, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-6 * (1.0 + w.abs()), "element {}: got {} want {}", n, g, w);
    }
}

#[test]
fn released_weight_result_and_later_compiles() {
    let (w, k, x) = data();
    let xa = Array::from_vec(&[R as i64, C as i64], x.clone()).unwrap();
    for target in ["llvm", "interp"] {
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let xt = g.placeholder("X", DType::F32, &[R as i64, C as i64]);
        let wt = g.constant("W", &[C as i64, R as i64], &w);
        let kt = g.constant("K", &[R as i64, C as i64], &k);
        let wtt = ops::transpose(&wt, &[1, 0]).unwrap(); // from a constant only: folded
        let out = ops::add(&ops::add(&xt, &wtt).unwrap(), &kt).unwrap();
        let opts = CompileOptions::new().target(target);
        let f = g.compile(&[xt], &[out], &opts.clone().release_constants(true)).unwrap();
        close(f.run::<f32>(&[&xa]).unwrap()[0].as_slice(), &expected(&x, &w, Some(&k)));

        // the identical computation is answered from the cache
        let again = g.compile(&[xt], &[out], &opts).unwrap();
        close(again.run::<f32>(&[&xa]).unwrap()[0].as_slice(), &expected(&x, &w, Some(&k)));

        // W^T read by the kernel itself (an output: not folded) needs W's bytes
        let direct = ops::add(&xt, &wtt).unwrap();
        let e = g.compile(&[xt], &[direct], &opts).unwrap_err();
        assert_eq!(e.status(), Status::InvalidArgument, "{}", e);
        assert!(e.message().contains("constant 'W'") && e.message().contains("released"), "{}", e);
        assert!(e.message().contains("TVM_COMPILE_RELEASE_CONSTANTS"), "{}", e);

        // a computation that does not need W still compiles: the graph is fine
        let xk = ops::add(&xt, &kt).unwrap();
        let f2 = g.compile(&[xt], &[xk], &opts).unwrap();
        let want: Vec<f32> = x.iter().zip(&k).map(|(a, b)| a + b).collect();
        close(f2.run::<f32>(&[&xa]).unwrap()[0].as_slice(), &want);

        // the graph may go; the first function keeps what it needs
        drop(g);
        close(f.run::<f32>(&[&xa]).unwrap()[0].as_slice(), &expected(&x, &w, Some(&k)));
    }
}

#[test]
fn without_the_flag_the_weight_stays() {
    let (w, k, x) = data();
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let xt = g.placeholder("X", DType::F32, &[R as i64, C as i64]);
    let wt = g.constant("W", &[C as i64, R as i64], &w);
    let kt = g.constant("K", &[R as i64, C as i64], &k);
    let wtt = ops::transpose(&wt, &[1, 0]).unwrap();
    let out = ops::add(&ops::add(&xt, &wtt).unwrap(), &kt).unwrap();
    g.compile(&[xt], &[out], &CompileOptions::new().no_cache(true)).unwrap();
    let direct = ops::add(&xt, &wtt).unwrap();
    let f = g.compile(&[xt], &[direct], &CompileOptions::default()).unwrap();
    let xa = Array::from_vec(&[R as i64, C as i64], x.clone()).unwrap();
    close(f.run::<f32>(&[&xa]).unwrap()[0].as_slice(), &expected(&x, &w, None));
}
