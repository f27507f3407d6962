//! Symbolic shapes: one function specialised for several sizes.

use tvmc::{Array, CompileOptions, Context, ContextOptions, DType};

#[test]
fn one_function_three_sizes() {
    let ctx = Context::with_options(&ContextOptions::new().num_threads(2)).unwrap();
    assert_eq!(ctx.num_threads(), 2);
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let a = g.placeholder("A", DType::F32, &[n]);
    let b = g.placeholder("B", DType::F32, &[n]);
    let c = g.compute("C", &[n], |i| (a.at(i) - b.at(i)) * (a.at(i) - b.at(i)));
    let f = g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap();
    let before = ctx.stats().unwrap();

    for &len in &[1i64, 1000, 100_003] {
        let x = Array::from_fn(&[len], |i| i as f32 * 0.5).unwrap();
        let y = Array::from_fn(&[len], |i| (i % 7) as f32).unwrap();
        assert_eq!(f.output_shape(&[&x, &y], 0).unwrap(), vec![len]);
        let mut z = Array::<f32>::zeros(&[len]).unwrap();
        f.call(&[&x, &y], &mut [&mut z]).unwrap();
        for i in 0..len as usize {
            let d = x[i] - y[i];
            assert_eq!(z[i], d * d, "n = {}, i = {}", len, i);
        }
        // calling again with the same size reuses the specialisation
        f.call(&[&x, &y], &mut [&mut z]).unwrap();
    }
    let after = ctx.stats().unwrap();
    assert_eq!(after.kernels_compiled - before.kernels_compiled, 3);
    assert!(after.kernel_cache_hits - before.kernel_cache_hits >= 3);
}

#[test]
fn size_var_only_in_output_is_bound_from_the_output() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let m = g.size_var("m");
    let a = g.placeholder("A", DType::I32, &[n]);
    // out[i, j] = a[i] + j: m is known only from the output
    let c = g.compute("C", &[n, m], |ij| a.at(&[ij[0]]) + ij[1].cast(DType::I32));
    let f = g.compile(&[a], &[c], &CompileOptions::default()).unwrap();
    let x = Array::from_vec(&[2], vec![10, 20]).unwrap();
    let err = f.output_shape(&[&x], 0).unwrap_err();
    assert_eq!(err.status(), tvmc::Status::Shape);
    let mut out = Array::<i32>::zeros(&[2, 3]).unwrap();
    f.call(&[&x], &mut [&mut out]).unwrap();
    assert_eq!(out.as_slice(), &[10, 11, 12, 20, 21, 22]);
}

#[test]
fn compile_cache_and_sources() {
    let ctx = Context::new().unwrap();
    let build = |ctx: &Context| {
        let g = ctx.graph().unwrap();
        let n = g.size_var("n");
        let a = g.placeholder("A", DType::F32, &[n]);
        let c = g.compute("C", &[n], |i| a.at(i).exp());
        let text = g.print(&[c]).unwrap();
        assert!(!text.is_empty());
        g.compile(&[a], &[c], &CompileOptions::default()).unwrap()
        // the graph is dropped here; the function stays valid
    };
    let f1 = build(&ctx);
    let f2 = build(&ctx);
    let s = ctx.stats().unwrap();
    assert_eq!(s.functions_compiled, 1);
    assert_eq!(s.function_cache_hits, 1);
    let out = f2.run::<f32>(&[&Array::from_vec(&[2], vec![0.0f32, 1.0]).unwrap()]).unwrap();
    assert_eq!(out[0][0], 1.0);
    for kind in &["graph", "loop", "llvm", "asm"] {
        let src = f1.source(kind).unwrap();
        assert!(!src.is_empty(), "source({}) is empty", kind);
    }
    assert!(f1.source("nonsense").is_err());
    assert!(!tvmc::version().is_empty());
}
