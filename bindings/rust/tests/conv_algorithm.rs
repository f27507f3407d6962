//! `ConvAttrs::algorithm` (`tvm_conv_attrs.algorithm`): forced Winograd on a
//! layer too small for `Auto` stays within its documented rounding bound of
//! a float64 reference and is not bit-equal to direct summation; `Direct`
//! and `Auto` on this layer give exactly the bits of a convolution whose
//! weights are a placeholder (always summed directly).

use tvmc::ops::{self, ConvAlgorithm, ConvAttrs};
use tvmc::{Array, CompileOptions, Context, DType};

const N: usize = 2;
const C: usize = 8;
const H: usize = 10;
const W: usize = 9;
const O: usize = 12;

/// 3x3, stride 1, padding 1, NCHW / OIHW, in float64.
fn reference(x: &[f32], w: &[f32]) -> Vec<f64> {
    let mut out = vec![0f64; N * O * H * W];
    for n in 0..N {
        for o in 0..O {
            for i in 0..H {
                for j in 0..W {
                    let mut acc = 0f64;
                    for c in 0..C {
                        for p in 0..3 {
                            for q in 0..3 {
                                let (y, z) = (i as isize + p as isize - 1, j as isize + q as isize - 1);
                                if y < 0 || z < 0 || y >= H as isize || z >= W as isize {
                                    continue;
                                }
                                acc += x[((n * C + c) * H + y as usize) * W + z as usize] as f64
                                    * w[((o * C + c) * 3 + p) * 3 + q] as f64;
                            }
                        }
                    }
                    out[((n * O + o) * H + i) * W + j] = acc;
                }
            }
        }
    }
    out
}

fn values(n: usize, mul: usize, modulo: usize) -> Vec<f32> {
    (0..n).map(|k| ((k * mul) % modulo) as f32 / (modulo - 1) as f32 * 2.0 - 1.0).collect()
}

#[test]
fn algorithm_choice_is_honoured() {
    let xd = values(N * C * H * W, 37, 101);
    let wd = values(O * C * 9, 53, 97);
    let xs = [N as i64, C as i64, H as i64, W as i64];
    let ws = [O as i64, C as i64, 3, 3];
    let xa = Array::from_vec(&xs, xd.clone()).unwrap();
    let wa = Array::from_vec(&ws, wd.clone()).unwrap();
    let want = reference(&xd, &wd);
    // Winograd's error grows with max|x| * sum|w| over an output channel
    let xmax = xd.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
    let wsum = (0..O)
        .map(|o| wd[o * C * 9..(o + 1) * C * 9].iter().map(|v| v.abs() as f64).sum::<f64>())
        .fold(0f64, f64::max);
    let bound = 4e-6 * xmax * wsum;
    for target in ["llvm", "interp"] {
        let opts = CompileOptions::new().target(target);
        // placeholder weights: never Winograd
        let ctx = Context::new().unwrap();
        let g = ctx.graph().unwrap();
        let (x, wp) = (g.placeholder("x", DType::F32, &xs), g.placeholder("w", DType::F32, &ws));
        let y = ops::conv2d(&x, &wp, None, &ConvAttrs::new().padding(1)).unwrap();
        let direct = g.compile(&[x, wp], &[y], &opts).unwrap().run::<f32>(&[&xa, &wa]).unwrap();
        let direct: Vec<u32> = direct[0].as_slice().iter().map(|v| v.to_bits()).collect();

        for algo in [ConvAlgorithm::Auto, ConvAlgorithm::Direct, ConvAlgorithm::Winograd] {
            let g = ctx.graph().unwrap();
            let x = g.placeholder("x", DType::F32, &xs);
            let wc = g.constant("w", &ws, &wd);
            let y = ops::conv2d(&x, &wc, None, &ConvAttrs::new().padding(1).algorithm(algo)).unwrap();
            let out = g.compile(&[x], &[y], &opts).unwrap().run::<f32>(&[&xa]).unwrap();
            let got = out[0].as_slice();
            let err = got.iter().zip(&want).map(|(g, w)| (*g as f64 - w).abs()).fold(0f64, f64::max);
            assert!(err <= bound, "{} {:?}: error {} over bound {}", target, algo, err, bound);
            let same = got.iter().map(|v| v.to_bits()).eq(direct.iter().cloned());
            assert_eq!(same, algo != ConvAlgorithm::Winograd, "{} {:?}", target, algo);
        }
    }
}

#[test]
fn default_attrs_are_auto() {
    assert_eq!(ConvAttrs::new().algorithm, ConvAlgorithm::Auto);
    assert_eq!(ConvAttrs::new().algorithm(ConvAlgorithm::Direct).algorithm, ConvAlgorithm::Direct);
}
