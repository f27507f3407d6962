//! ONNX import through the safe wrapper. The models are the importer fuzz
//! target's seeds (test/fuzz/corpus_onnx, written by make_onnx_corpus.py).

use tvmc::{Array, CompileOptions, Context, DType, OnnxOptions, Status};

/// y = Relu(x + w), x: [n, 3] (n symbolic), w = [1, 2, 3] an initializer.
const RELU_ADD: &[u8] = include_bytes!("../../../test/fuzz/corpus_onnx/seed-relu-add.onnx");
/// One NonMaxSuppression node, which tvmc does not import.
const UNSUPPORTED: &[u8] = include_bytes!("../../../test/fuzz/corpus_onnx/seed-unsupported-op.onnx");

fn importer_built() -> bool {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let r = g.import_onnx(RELU_ADD, &OnnxOptions::new());
    let built = match &r {
        Err(e) if e.status() == Status::Unsupported && e.message().contains("disabled") => {
            eprintln!("skipped: this build has no ONNX importer");
            false
        }
        _ => true,
    };
    built
}

#[test]
fn import_describe_compile_run() {
    if !importer_built() {
        return;
    }
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let m = g.import_onnx(RELU_ADD, &OnnxOptions::new()).unwrap();
    assert_eq!(m.counts().unwrap(), (1, 1));
    let x = m.input(0).unwrap();
    assert_eq!(x.name, "x");
    assert_eq!(x.dtype, DType::F32);
    assert_eq!(x.shape, vec![None, Some(3)]);
    assert_eq!(x.dims.len(), 2);
    let y = m.output(0).unwrap();
    assert_eq!(y.name, "y");
    assert_eq!(y.shape, vec![None, Some(3)]);
    assert_eq!(m.input(1).unwrap_err().status(), Status::InvalidArgument);
    assert_eq!(m.output(7).unwrap_err().status(), Status::InvalidArgument);
    let ins: Vec<_> = m.inputs().unwrap().iter().map(|v| v.tensor).collect();
    let outs: Vec<_> = m.outputs().unwrap().iter().map(|v| v.tensor).collect();
    let f = g.compile(&ins, &outs, &CompileOptions::new()).unwrap();
    let xv = Array::from_vec(&[2, 3], vec![-5.0f32, 0.5, -2.5, 1.0, -1.0, -3.5]).unwrap();
    let out = f.run::<f32>(&[&xv]).unwrap();
    // relu([-4, 2.5, 0.5, 2, 1, -0.5])
    assert_eq!(out[0].as_slice(), &[0.0, 2.5, 0.5, 2.0, 1.0, 0.0]);
}

#[test]
fn import_file_and_bindings() {
    if !importer_built() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tvmc-rust-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("relu_add.onnx");
    std::fs::write(&path, RELU_ADD).unwrap();
    let ctx = Context::new().unwrap();
    {
        let g = ctx.graph().unwrap();
        let m = g.import_onnx_file(&path, &OnnxOptions::new()).unwrap();
        assert_eq!(m.counts().unwrap(), (1, 1));
    }
    // x bound at import: no inputs left, the output is a constant computation
    {
        let g = ctx.graph().unwrap();
        let xv = Array::from_vec(&[1, 3], vec![-2.0f32, -2.0, -2.0]).unwrap();
        let opts = OnnxOptions::new().bind("x", &xv);
        let m = g.import_onnx(RELU_ADD, &opts).unwrap();
        assert_eq!(m.counts().unwrap(), (0, 1));
        let y = m.output(0).unwrap();
        assert_eq!(y.shape, vec![Some(1), Some(3)]);
        let f = g.compile(&[], &[y.tensor], &CompileOptions::new().target("interp")).unwrap();
        let out = f.run::<f32>(&[]).unwrap();
        assert_eq!(out[0].as_slice(), &[0.0, 0.0, 1.0]); // relu([-1, 0, 1])
    }
    {
        let g = ctx.graph().unwrap();
        let e = g.import_onnx_file(dir.join("missing.onnx"), &OnnxOptions::new()).unwrap_err();
        assert_eq!(e.status(), Status::Io);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_errors() {
    if !importer_built() {
        return;
    }
    let ctx = Context::new().unwrap();
    let e = ctx.graph().unwrap().import_onnx(UNSUPPORTED, &OnnxOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::Unsupported);
    assert!(e.message().contains("NonMaxSuppression"), "{}", e);
    let e = ctx.graph().unwrap().import_onnx(b"\xff\xff\xff\xff garbage", &OnnxOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::Parse);
    let e = ctx.graph().unwrap().import_onnx(RELU_ADD, &OnnxOptions::new().max_bytes(16)).unwrap_err();
    assert_eq!(e.status(), Status::Limit);
    let xv = Array::from_vec(&[1, 3], vec![0.0f32; 3]).unwrap();
    let e = ctx.graph().unwrap().import_onnx(RELU_ADD, &OnnxOptions::new().bind("nope", &xv)).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
}
