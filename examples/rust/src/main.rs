//! A small tvmc program: relu(a + b) over vectors of any length, and a dot
//! product, each compiled once and called on Rust arrays.
//!
//! Run from the repository root after building libtvmc (`ninja -C build`):
//!     cargo run --manifest-path examples/rust/Cargo.toml

use tvmc::{ops, Array, CompileOptions, Context, DType};

fn main() -> tvmc::Result<()> {
    println!("tvmc {}", tvmc::version());
    let ctx = Context::new()?;
    println!("worker threads: {}", ctx.num_threads());

    // relu(a + b) for vectors of a symbolic length n
    let relu_add = {
        let g = ctx.graph()?;
        let n = g.size_var("n");
        let a = g.placeholder("a", DType::F32, &[n]);
        let b = g.placeholder("b", DType::F32, &[n]);
        let c = g.compute("c", &[n], |i| (a.at(i) + b.at(i)).max(0.0));
        g.compile(&[a, b], &[c], &CompileOptions::default())?
    };
    let a = Array::from_vec(&[6], vec![1.0f32, -2.0, 3.5, -0.5, 0.0, 10.0])?;
    let b = Array::from_vec(&[6], vec![0.5f32, 1.0, -4.0, 0.25, 2.0, -3.0])?;
    let mut c = Array::<f32>::zeros(&[6])?;
    relu_add.call(&[&a, &b], &mut [&mut c])?;
    println!("a            = {:?}", a.as_slice());
    println!("b            = {:?}", b.as_slice());
    println!("relu(a + b)  = {:?}", c.as_slice());

    // dot product: a scalar output summed over a reduction axis
    let dot = {
        let g = ctx.graph()?;
        let n = g.size_var("n");
        let x = g.placeholder("x", DType::F64, &[n]);
        let y = g.placeholder("y", DType::F64, &[n]);
        let k = g.reduce_axis("k", n);
        let d = g.compute_scalar("dot", g.sum(x.at(&[k]) * y.at(&[k]), &[k]));
        g.compile(&[x, y], &[d], &CompileOptions::default())?
    };
    let x = Array::from_fn(&[1000], |i| i as f64)?;
    let y = Array::from_fn(&[1000], |i| if i % 2 == 0 { 1.0 } else { -1.0 })?;
    let out = dot.run::<f64>(&[&x, &y])?;
    let want: f64 = x.iter().zip(y.iter()).map(|(p, q)| p * q).sum();
    println!("dot(x, y)    = {} (expected {})", out[0][0], want);

    // a small classifier head from the operator library: softmax(relu(x w^T + b)),
    // fused into few kernels (Function::plan tells how many)
    let head = {
        let g = ctx.graph()?;
        let x = g.placeholder("x", DType::F32, &[2, 3]);
        let w = g.constant("w", &[4, 3], &[1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        let b = g.constant("b", &[4], &[0.0f32, 0.0, 0.0, -3.0]);
        let h = ops::relu(&ops::dense(&x, &w, Some(&b))?)?;
        let p = ops::softmax(&h, -1)?;
        g.compile(&[x], &[p], &CompileOptions::default())?
    };
    let xs = Array::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 0.5, -1.0, 0.0])?;
    let probs = head.run::<f32>(&[&xs])?;
    let plan = head.plan()?;
    println!("softmax head = {:?}", probs[0].as_slice());
    println!(
        "plan: {} kernels, {} intermediates, {} workspace bytes",
        plan.num_kernels, plan.num_intermediates, plan.workspace_bytes
    );
    let row_sums_ok = probs[0].chunks(4).all(|r| (r.iter().sum::<f32>() - 1.0).abs() < 1e-5);

    if c.as_slice() != [1.5, 0.0, 0.0, 0.0, 2.0, 7.0] || out[0][0] != want || !row_sums_ok {
        eprintln!("unexpected result");
        std::process::exit(1);
    }
    println!("\nloop IR of the dot product:\n{}", dot.source("loop")?);
    Ok(())
}
