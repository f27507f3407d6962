//! Error paths: sticky builder errors, argument checks at call time, and
//! Rust-side checks (mixing graphs, names, counts).

use tvmc::{Array, CompileOptions, Context, ContextOptions, DType, Status};

#[test]
fn dtype_mismatch_surfaces_at_compile() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[4]);
    let b = g.placeholder("B", DType::I32, &[4]);
    let c = g.compute("C", &[4], |i| a.at(i) + b.at(i)); // f32 + i32: sticky error
    assert!(c.is_null());
    let err = g.status().unwrap_err();
    assert_eq!(err.status(), Status::Dtype);
    let err = g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap_err();
    assert_eq!(err.status(), Status::Dtype);
    assert!(err.message().contains("dtype"), "message: {}", err.message());
    assert!(err.to_string().starts_with("TVM_ERR_DTYPE"), "{}", err);
    // later builder calls do nothing; the first error stays
    let _ = a.at(&[0]).sqrt() + 1.0;
    assert_eq!(g.status().unwrap_err().status(), Status::Dtype);
}

#[test]
fn shape_and_dtype_checked_at_call() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[4]);
    let c = g.compute("C", &[4], |i| a.at(i) * 2.0);
    let f = g.compile(&[a], &[c], &CompileOptions::default()).unwrap();

    let good = Array::<f32>::zeros(&[4]).unwrap();
    let mut out = Array::<f32>::full(&[4], 7.0).unwrap();
    // wrong shape
    let wrong = Array::<f32>::zeros(&[5]).unwrap();
    let err = f.call(&[&wrong], &mut [&mut out]).unwrap_err();
    assert_eq!(err.status(), Status::Shape, "{}", err);
    assert!(!err.message().is_empty());
    assert_eq!(out.as_slice(), &[7.0; 4], "nothing is written on error");
    // wrong rank
    let rank2 = Array::<f32>::zeros(&[2, 2]).unwrap();
    assert_eq!(f.call(&[&rank2], &mut [&mut out]).unwrap_err().status(), Status::Shape);
    // wrong dtype
    let ints = Array::<i32>::zeros(&[4]).unwrap();
    let err = f.call(&[&ints], &mut [&mut out]).unwrap_err();
    assert_eq!(err.status(), Status::Dtype);
    assert!(err.message().contains("dtype"), "{}", err);
    // wrong argument counts are refused before reaching C
    let err = f.call(&[&good, &good], &mut []).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(f.call(&[], &mut [&mut out]).is_err());
    assert!(f.output_shape(&[], 0).is_err());
    assert_eq!(f.output_shape(&[&good], 1).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(f.run::<i32>(&[&good]).unwrap_err().status(), Status::Dtype);
    assert!(f.arg_info(2).is_err());
    // and the function still works
    f.call(&[&good], &mut [&mut out]).unwrap();
    assert_eq!(out.as_slice(), &[0.0; 4]);
}

#[test]
fn bool_arrays_only_fit_bool_arguments() {
    // a uint8 kernel could write any byte; Array<bool> is typed kDLBool so
    // tvmc refuses it for uint8 arguments.
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::U8, &[2]);
    let c = g.compute("C", &[2], |i| a.at(i) + 200);
    let f = g.compile(&[a], &[c], &CompileOptions::default()).unwrap();
    let x = Array::from_vec(&[2], vec![1u8, 100]).unwrap();
    let mut out = Array::<bool>::zeros(&[2]).unwrap();
    assert_eq!(f.call(&[&x], &mut [&mut out]).unwrap_err().status(), Status::Dtype);
    let mut ok = Array::<u8>::zeros(&[2]).unwrap();
    f.call(&[&x], &mut [&mut ok]).unwrap();
    assert_eq!(ok.as_slice(), &[201, 44]); // wraps
}

#[test]
fn rust_side_builder_errors() {
    let ctx = Context::new().unwrap();
    let g1 = ctx.graph().unwrap();
    let g2 = ctx.graph().unwrap();
    let x1 = g1.f32(1.0);
    let x2 = g2.f32(2.0);
    let _ = x1 + x2; // expression of another graph
    let err = g1.status().unwrap_err();
    assert_eq!(err.status(), Status::InvalidHandle);
    assert!(err.message().contains("another graph"), "{}", err);
    g2.status().unwrap();

    // NUL in a name
    let g = ctx.graph().unwrap();
    let v = g.size_var("bad\0name");
    assert!(v.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::InvalidArgument);

    // wrong number of indices in a load
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[2, 2]);
    let e = a.at(&[0]);
    assert!(e.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::Shape);

    // too many dimensions
    let g = ctx.graph().unwrap();
    let t = g.placeholder("A", DType::F32, &[1i64; 33]);
    assert!(t.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::Shape);

    // constant data of the wrong length
    let g = ctx.graph().unwrap();
    let t = g.constant("W", &[2, 2], &[1.0f32, 2.0, 3.0]);
    assert!(t.is_null());
    assert_eq!(g.status().unwrap_err().status(), Status::Shape);

    // tensors of another graph at compile
    let g = ctx.graph().unwrap();
    let h = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[2]);
    let b = h.placeholder("B", DType::F32, &[2]);
    let c = h.compute("C", &[2], |i| b.at(i) + 1.0);
    assert_eq!(
        g.compile(&[a], &[c], &CompileOptions::default()).unwrap_err().status(),
        Status::InvalidHandle
    );
}

#[test]
fn c_side_checks() {
    let ctx = Context::new().unwrap();
    // a value that does not fit the dtype
    let g = ctx.graph().unwrap();
    let _ = g.const_int(DType::I8, 1000);
    assert_eq!(g.status().unwrap_err().status(), Status::InvalidArgument);
    // 1.5 as an integer operand
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::I32, &[2]);
    let _ = a.at(&[0]) + 1.5;
    assert_eq!(g.status().unwrap_err().status(), Status::InvalidArgument);
    // float-only math on integers
    let g = ctx.graph().unwrap();
    let _ = g.i32(4).sqrt();
    let err = g.status().unwrap_err();
    assert_eq!(err.status(), Status::Dtype);
    // a placeholder read outside an output's shape is caught at call time
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let a = g.placeholder("A", DType::F32, &[n]);
    let c = g.compute("C", &[n], |i| a.at(&[i[0] + 1]));
    let f = g.compile(&[a], &[c], &CompileOptions::default()).unwrap();
    let x = Array::<f32>::zeros(&[3]).unwrap();
    let mut y = Array::<f32>::zeros(&[3]).unwrap();
    assert_eq!(f.call(&[&x], &mut [&mut y]).unwrap_err().status(), Status::OutOfBounds);
    // a bad target
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[2]);
    let c = g.compute("C", &[2], |i| a.at(i));
    assert!(g.compile(&[a], &[c], &CompileOptions::new().target("no-such-target")).is_err());
    assert_eq!(
        g.compile(&[a], &[c], &CompileOptions::new().target("ll\0vm")).unwrap_err().status(),
        Status::InvalidArgument
    );
    // an input that is not a placeholder
    assert!(g.compile(&[c], &[c], &CompileOptions::default()).is_err());
}

#[test]
fn array_and_option_checks() {
    assert_eq!(Array::from_vec(&[2, 2], vec![1.0f32; 3]).unwrap_err().status(), Status::Shape);
    assert_eq!(Array::<f32>::zeros(&[-1]).unwrap_err().status(), Status::Shape);
    assert_eq!(Array::<u8>::zeros(&[i64::MAX, i64::MAX]).unwrap_err().status(), Status::Shape);
    assert!(tvmc::TensorView::new(&[1.0f32, 2.0], &[3]).is_err());
    let err = Context::with_options(&ContextOptions::new().num_threads(usize::MAX)).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert_eq!(Status::Dtype.name(), "TVM_ERR_DTYPE");
    assert_eq!(Status::from_code(0), None);
    assert_eq!(Status::from_code(3), Some(Status::Shape));
    assert_eq!(Status::from_code(99), Some(Status::Unknown(99)));
}
