//! `ops::grid_sample` against a float64 reference written here from the
//! ONNX GridSample / PyTorch grid_sample definitions (unnormalise, pad the
//! coordinate or each bicubic tap, interpolate, read 0 outside the image),
//! for every mode, padding and `align_corners` on both targets, with grid
//! points well outside [-1, 1]; values worked out by hand; bad mode names
//! and the shapes and dtypes the library refuses.

use std::str::FromStr;

use tvmc::ops::{self, GridSampleMode, GridSamplePadding};
use tvmc::{Array, CompileOptions, Context, DType, Element, Status};

const MODES: [GridSampleMode; 3] =
    [GridSampleMode::Bilinear, GridSampleMode::Nearest, GridSampleMode::Bicubic];
const PADDINGS: [GridSamplePadding; 3] =
    [GridSamplePadding::Zeros, GridSamplePadding::Border, GridSamplePadding::Reflection];
const A: f64 = -0.75; // cubic convolution parameter of both definitions

// ---------------------------------------------------------------------------
// reference
// ---------------------------------------------------------------------------

fn unnormalise(v: f64, size: usize, align: bool) -> f64 {
    let s = size as f64;
    if align {
        (v + 1.0) / 2.0 * (s - 1.0)
    } else {
        ((v + 1.0) * s - 1.0) / 2.0
    }
}

/// v mirrored back into [lo, hi]: every crossing of an edge flips.
fn reflect(v: f64, lo: f64, hi: f64) -> f64 {
    let span = hi - lo;
    if span == 0.0 {
        return 0.0;
    }
    let a = (v - lo).abs();
    let flips = (a / span).floor();
    let extra = a - flips * span;
    if flips % 2.0 == 0.0 {
        lo + extra
    } else {
        lo + span - extra
    }
}

fn pad(v: f64, size: usize, padding: GridSamplePadding, align: bool) -> f64 {
    let last = size as f64 - 1.0;
    match padding {
        GridSamplePadding::Zeros => v,
        GridSamplePadding::Border => v.max(0.0).min(last),
        GridSamplePadding::Reflection => {
            let r = if align { reflect(v, 0.0, last) } else { reflect(v, -0.5, last + 0.5) };
            r.max(0.0).min(last)
        }
    }
}

/// One image `[h, w]` row-major.
struct Image<'a> {
    data: &'a [f64],
    h: usize,
    w: usize,
}

impl Image<'_> {
    fn read(&self, y: f64, x: f64) -> f64 {
        if y >= 0.0 && y < self.h as f64 && x >= 0.0 && x < self.w as f64 {
            self.data[y as usize * self.w + x as usize]
        } else {
            0.0
        }
    }
}

fn cubic(d: f64) -> f64 {
    let d = d.abs();
    if d <= 1.0 {
        (A + 2.0) * d * d * d - (A + 3.0) * d * d + 1.0
    } else if d < 2.0 {
        A * d * d * d - 5.0 * A * d * d + 8.0 * A * d - 4.0 * A
    } else {
        0.0
    }
}

/// Round half to even.
fn round_even(v: f64) -> f64 {
    let r = v.round(); // half away from zero
    if (r - v).abs() == 0.5 && r % 2.0 != 0.0 {
        r - (r - v).signum()
    } else {
        r
    }
}

fn sample(
    img: &Image,
    gx: f64,
    gy: f64,
    mode: GridSampleMode,
    padding: GridSamplePadding,
    align: bool,
) -> f64 {
    let (ix, iy) = (unnormalise(gx, img.w, align), unnormalise(gy, img.h, align));
    if mode == GridSampleMode::Bicubic {
        let (x0, y0) = (ix.floor(), iy.floor());
        let (tx, ty) = (ix - x0, iy - y0);
        let mut out = 0.0;
        for i in -1..3 {
            for j in -1..3 {
                let (fi, fj) = (i as f64, j as f64);
                let wgt = cubic(ty - fi) * cubic(tx - fj);
                out +=
                    wgt * img.read(pad(y0 + fi, img.h, padding, align), pad(x0 + fj, img.w, padding, align));
            }
        }
        return out;
    }
    let (ix, iy) = (pad(ix, img.w, padding, align), pad(iy, img.h, padding, align));
    if mode == GridSampleMode::Nearest {
        return img.read(round_even(iy), round_even(ix));
    }
    let (x0, y0) = (ix.floor(), iy.floor());
    let (tx, ty) = (ix - x0, iy - y0);
    (1.0 - ty) * (1.0 - tx) * img.read(y0, x0)
        + (1.0 - ty) * tx * img.read(y0, x0 + 1.0)
        + ty * (1.0 - tx) * img.read(y0 + 1.0, x0)
        + ty * tx * img.read(y0 + 1.0, x0 + 1.0)
}

/// x `[n, c, h, w]`, grid `[n, ho, wo, 2]` -> `[n, c, ho, wo]`.
fn reference(
    x: &[f64],
    xs: [usize; 4],
    grid: &[f64],
    gs: [usize; 4],
    mode: GridSampleMode,
    padding: GridSamplePadding,
    align: bool,
) -> Vec<f64> {
    let [n, c, h, w] = xs;
    let (ho, wo) = (gs[1], gs[2]);
    let mut out = Vec::with_capacity(n * c * ho * wo);
    for b in 0..n {
        for ch in 0..c {
            let base = (b * c + ch) * h * w;
            let img = Image { data: &x[base..base + h * w], h, w };
            for i in 0..ho {
                for j in 0..wo {
                    let p = ((b * ho + i) * wo + j) * 2;
                    out.push(sample(&img, grid[p], grid[p + 1], mode, padding, align));
                }
            }
        }
    }
    out
}

#[test]
fn reference_matches_hand_values() {
    // a 2x2 image 1 2 / 3 4; points (x, y): (-1, -1), (0, 0), (1, 1), (3, 0)
    let img = [1.0, 2.0, 3.0, 4.0];
    let grid = [-1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 3.0, 0.0];
    let r = |m, p, a| reference(&img, [1, 1, 2, 2], &grid, [1, 1, 4, 2], m, p, a);
    use GridSampleMode::*;
    use GridSamplePadding::*;
    // align_corners: -1 and 1 are the corner centres, 0 the middle of all four
    assert_eq!(r(Bilinear, Zeros, true), vec![1.0, 2.5, 4.0, 0.0]);
    // border clamps pixel x = 2 to the right column, at mid height: (2 + 4) / 2
    assert_eq!(r(Bilinear, Border, true)[3], 3.0);
    // reflection folds pixel x = 2 over [0, 1] back to 0 (two flips): (1 + 3) / 2
    assert_eq!(r(Bilinear, Reflection, true)[3], 2.0);
    // without align_corners -1 is the outer edge: a quarter of the corner pixel
    assert_eq!(r(Bilinear, Zeros, false)[0], 0.25);
    // cubic weights sum to 1: bicubic at a pixel centre is that pixel
    assert!((r(Bicubic, Border, true)[2] - 4.0).abs() < 1e-12);
    assert_eq!(round_even(0.5), 0.0);
    assert_eq!(round_even(1.5), 2.0);
    assert_eq!(round_even(-0.5), 0.0);
    assert_eq!(round_even(2.4), 2.0);
}

// ---------------------------------------------------------------------------
// tvmc against the reference
// ---------------------------------------------------------------------------

/// Deterministic uniform values in [lo, hi) (a 64-bit LCG; no crates).
fn uniform(seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

const XS: [usize; 4] = [2, 3, 5, 7];
const GS: [usize; 4] = [2, 4, 6, 2];

fn numel(s: [usize; 4]) -> usize {
    s.iter().product()
}

fn dims(s: [usize; 4]) -> Vec<i64> {
    s.iter().map(|&d| d as i64).collect()
}

/// Builds grid_sample for element type T on target, runs it on (x, grid).
fn run<T: Element>(
    target: &str,
    x: &[T],
    grid: &[T],
    mode: GridSampleMode,
    padding: GridSamplePadding,
    align: bool,
) -> Vec<T> {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let xt = g.placeholder("x", T::DTYPE, &dims(XS));
    let gt = g.placeholder("grid", T::DTYPE, &dims(GS));
    let y = ops::grid_sample(&xt, &gt, mode, padding, align).unwrap();
    assert_eq!(y.dtype().unwrap(), T::DTYPE);
    let f = g.compile(&[xt, gt], &[y], &CompileOptions::new().target(target)).unwrap();
    let xa = Array::from_vec(&dims(XS), x.to_vec()).unwrap();
    let ga = Array::from_vec(&dims(GS), grid.to_vec()).unwrap();
    let out = f.run::<T>(&[&xa, &ga]).unwrap();
    assert_eq!(out[0].shape(), &[2, 3, 4, 6]);
    out[0].as_slice().to_vec()
}

#[test]
fn every_mode_padding_and_alignment_float64() {
    let x = uniform(1, numel(XS), -4.0, 4.0);
    let grid = uniform(2, numel(GS), -1.6, 1.6);
    for target in ["llvm", "interp"] {
        for mode in MODES {
            for padding in PADDINGS {
                for align in [false, true] {
                    let got = run(target, &x, &grid, mode, padding, align);
                    let want = reference(&x, XS, &grid, GS, mode, padding, align);
                    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                        // float64 coordinates: nearest picks the reference's pixel
                        let tol = if mode == GridSampleMode::Nearest { 0.0 } else { 1e-12 };
                        assert!(
                            (g - w).abs() <= tol,
                            "{} {:?} {:?} align {}: element {} got {} want {}",
                            target,
                            mode,
                            padding,
                            align,
                            k,
                            g,
                            w
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn interpolating_modes_float32() {
    let x: Vec<f32> = uniform(3, numel(XS), -4.0, 4.0).iter().map(|&v| v as f32).collect();
    let grid: Vec<f32> = uniform(4, numel(GS), -1.6, 1.6).iter().map(|&v| v as f32).collect();
    let (x64, g64): (Vec<f64>, Vec<f64>) =
        (x.iter().map(|&v| v as f64).collect(), grid.iter().map(|&v| v as f64).collect());
    for target in ["llvm", "interp"] {
        for mode in [GridSampleMode::Bilinear, GridSampleMode::Bicubic] {
            for padding in PADDINGS {
                for align in [false, true] {
                    let got = run(target, &x, &grid, mode, padding, align);
                    let want = reference(&x64, XS, &g64, GS, mode, padding, align);
                    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                        // float32 coordinates and weights, |x| <= 4
                        assert!(
                            (*g as f64 - w).abs() <= 4e-5,
                            "{} {:?} {:?} align {}: element {} got {} want {}",
                            target,
                            mode,
                            padding,
                            align,
                            k,
                            g,
                            w
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_configurations_are_told_apart() {
    // the data above distinguishes every (mode, padding, align): a swapped
    // mapping to the C enums could not pass the comparisons
    let x = uniform(1, numel(XS), -4.0, 4.0);
    let grid = uniform(2, numel(GS), -1.6, 1.6);
    let mut all = Vec::new();
    for mode in MODES {
        for padding in PADDINGS {
            for align in [false, true] {
                all.push(reference(&x, XS, &grid, GS, mode, padding, align));
            }
        }
    }
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            let d = all[i].iter().zip(&all[j]).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            assert!(d > 1e-3, "configurations {} and {} agree", i, j);
        }
    }
}

#[test]
fn nearest_rounds_half_to_even() {
    for align in [false, true] {
        // one row; x chosen so the pixel coordinate is exactly k + 0.5
        // (widths 5 and 8 keep every step exact in float32)
        let w: usize = if align { 5 } else { 8 };
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let xt = g.placeholder("x", DType::F32, &[1, 1, 1, w as i64]);
        let gt = g.placeholder("grid", DType::F32, &[1, 1, 4, 2]);
        let y = ops::grid_sample(&xt, &gt, GridSampleMode::Nearest, GridSamplePadding::Zeros, align).unwrap();
        let f = g.compile(&[xt, gt], &[y], &CompileOptions::default()).unwrap();
        let mut grid = Vec::new();
        for c in [0.5f32, 1.5, 2.5, 3.5] {
            let gx = if align { c * 2.0 / (w as f32 - 1.0) - 1.0 } else { (2.0 * c + 1.0) / w as f32 - 1.0 };
            grid.extend([gx, if align { 1.0 } else { 0.0 }]);
        }
        let xa = Array::from_vec(&[1, 1, 1, w as i64], (0..w).map(|k| 10.0 + k as f32).collect()).unwrap();
        let ga = Array::from_vec(&[1, 1, 4, 2], grid).unwrap();
        let out = f.run::<f32>(&[&xa, &ga]).unwrap();
        assert_eq!(out[0].as_slice(), &[10.0, 12.0, 12.0, 14.0], "align {}", align);
    }
}

// ---------------------------------------------------------------------------
// bad arguments
// ---------------------------------------------------------------------------

#[test]
fn names_parse_and_bad_names_are_invalid_argument() {
    assert_eq!(GridSampleMode::from_str("bicubic").unwrap(), GridSampleMode::Bicubic);
    assert_eq!("nearest".parse::<GridSampleMode>().unwrap(), GridSampleMode::Nearest);
    assert_eq!("reflection".parse::<GridSamplePadding>().unwrap(), GridSamplePadding::Reflection);
    assert_eq!("border".parse::<GridSamplePadding>().unwrap(), GridSamplePadding::Border);
    let e = "linear".parse::<GridSampleMode>().unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(
        e.message().contains("bilinear, nearest, bicubic") && e.message().contains("\"linear\""),
        "{}",
        e
    );
    let e = "reflect".parse::<GridSamplePadding>().unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(
        e.message().contains("zeros, border, reflection") && e.message().contains("\"reflect\""),
        "{}",
        e
    );
}

/// x shape and dtype, grid shape and dtype, the status, words of the message.
type Refused = (&'static [i64], DType, &'static [i64], DType, Status, &'static [&'static str]);

#[test]
fn shapes_and_dtypes_the_library_refuses() {
    let cases: [Refused; 5] = [
        (&[1, 1, 2], DType::F32, &[1, 1, 1, 2], DType::F32, Status::Shape, &["x has rank 3"]),
        (&[1, 1, 2, 2], DType::F32, &[1, 1, 1, 3], DType::F32, Status::Shape, &["last dim of grid"]),
        (&[2, 1, 2, 2], DType::F32, &[1, 1, 1, 2], DType::F32, Status::Shape, &["batch 2", "batch 1"]),
        (&[1, 1, 2, 2], DType::I32, &[1, 1, 1, 2], DType::F32, Status::Dtype, &["'x'", "int32"]),
        (&[1, 1, 2, 2], DType::F32, &[1, 1, 1, 2], DType::I64, Status::Dtype, &["'grid'", "int64"]),
    ];
    for (xs, xd, gs, gd, status, words) in cases {
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let xt = g.placeholder("x", xd, xs);
        let gt = g.placeholder("grid", gd, gs);
        let e = ops::grid_sample(&xt, &gt, GridSampleMode::Bilinear, GridSamplePadding::Zeros, false)
            .unwrap_err();
        assert_eq!(e.status(), status, "{}", e);
        assert!(e.message().contains("tvm_op_grid_sample"), "{}", e);
        for w in words {
            assert!(e.message().contains(w), "{:?} not in {}", w, e);
        }
        // sticky, like every builder error
        assert_eq!(g.status().unwrap_err().status(), status);
    }
}

#[test]
fn tensor_of_another_graph_is_refused() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    let h = ctx.graph().unwrap();
    let xt = g.placeholder("x", DType::F32, &[1, 1, 2, 2]);
    let gt = h.placeholder("grid", DType::F32, &[1, 1, 1, 2]);
    let e =
        ops::grid_sample(&xt, &gt, GridSampleMode::Bilinear, GridSamplePadding::Zeros, false).unwrap_err();
    assert_eq!(e.status(), Status::InvalidHandle, "{}", e);
}
