//! Function::dump: the text of each compilation stage.

use tvmc::{Array, CompileOptions, Context, DType, Status};

#[test]
fn every_stage_on_llvm() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[8]);
    let b = g.compute("B", &[8], |i| a.at(i) + 1.0);
    let c = g.compute("C", &[8], |i| b.at(i) * 2.0);
    let f = g.compile(&[a], &[c], &CompileOptions::new()).unwrap();
    assert_eq!(f.dump("graph").unwrap(), f.source("graph").unwrap());
    let fused = f.dump("fused").unwrap();
    let kernels: Vec<&str> = fused.lines().filter(|l| l.starts_with("kernel ")).collect();
    assert_eq!(kernels, ["kernel 0: C <- B"]);
    assert_eq!(f.dump("loop").unwrap(), f.source("loop").unwrap());
    assert!(f.dump("llvm").unwrap().contains("define"));
    assert!(f.dump("asm").unwrap().contains(".text"));
    // dumping does not disturb the function: (x + 1) * 2
    let x = Array::from_fn(&[8], |e| e as f32).unwrap();
    let out = f.run::<f32>(&[&x]).unwrap();
    let want: Vec<f32> = (0..8).map(|e| (e as f32 + 1.0) * 2.0).collect();
    assert_eq!(out[0].as_slice(), &want[..]);
}

#[test]
fn no_inline_gives_one_kernel_per_compute() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[8]);
    let b = g.compute("B", &[8], |i| a.at(i) + 1.0);
    let c = g.compute("C", &[8], |i| b.at(i) * 2.0);
    let opts = CompileOptions::new().target("interp").no_inline(true);
    let f = g.compile(&[a], &[c], &opts).unwrap();
    let fused = f.dump("fused").unwrap();
    let kernels: Vec<&str> = fused.lines().filter(|l| l.starts_with("kernel ")).collect();
    assert_eq!(kernels, ["kernel 0: B", "kernel 1: C"]);
}

#[test]
fn errors() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let a = g.placeholder("A", DType::F32, &[n]);
    let b = g.compute("B", &[n], |i| a.at(i) + 1.0);
    let interp = g.compile(&[a], &[b], &CompileOptions::new().target("interp")).unwrap();
    interp.run::<f32>(&[&Array::<f32>::zeros(&[3]).unwrap()]).unwrap();
    assert_eq!(interp.dump("asm").unwrap_err().status(), Status::Unsupported);
    let f = g.compile(&[a], &[b], &CompileOptions::new()).unwrap();
    // symbolic: llvm needs a first call
    assert_eq!(f.dump("llvm").unwrap_err().status(), Status::InvalidArgument);
    f.run::<f32>(&[&Array::<f32>::zeros(&[5]).unwrap()]).unwrap();
    assert!(f.dump("llvm").unwrap().contains("define"));
    let e = f.dump("bogus").unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("bogus"), "{}", e);
    assert_eq!(f.dump("lo\0op").unwrap_err().status(), Status::InvalidArgument);
}
