//! Thread safety as promised by tvmc.h: a Function is callable from many
//! threads at once; a Context is shared; a Graph moves between threads.

use std::sync::Arc;
use std::thread;

use tvmc::{Array, CompileOptions, Context, ContextOptions, DType, Function, Graph};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn marker_traits() {
    assert_send_sync::<Context>();
    assert_send_sync::<Function>();
    assert_send::<Graph<'static>>();
    assert_send_sync::<tvmc::Error>();
}

fn build(ctx: &Context) -> Function {
    let g = ctx.graph().unwrap();
    let n = g.size_var("n");
    let a = g.placeholder("A", DType::F32, &[n]);
    let b = g.placeholder("B", DType::F32, &[n]);
    let c = g.compute("C", &[n], |i| (a.at(i) * b.at(i) + 1.0).relu());
    g.compile(&[a, b], &[c], &CompileOptions::default()).unwrap()
}

#[test]
fn one_function_called_from_four_threads() {
    let ctx = Context::with_options(&ContextOptions::new().num_threads(2)).unwrap();
    let f = Arc::new(build(&ctx));
    let mut handles = Vec::new();
    for t in 0..4usize {
        // half the threads share the Arc, half get their own reference
        let f2 = Arc::clone(&f);
        let own: Function = (*f).clone();
        handles.push(thread::spawn(move || {
            let func: &Function = if t % 2 == 0 { &f2 } else { &own };
            for iter in 0..50usize {
                // every thread uses its own sizes, so specialisations are
                // compiled concurrently too
                let len = 1 + (t * 997 + iter * 131) % 5000;
                let x = Array::from_fn(&[len as i64], |i| (i % 17) as f32 - 8.0 + t as f32).unwrap();
                let y = Array::from_fn(&[len as i64], |i| (i % 5) as f32 * 0.5).unwrap();
                let mut z = Array::<f32>::full(&[len as i64], -1.0).unwrap();
                func.call(&[&x, &y], &mut [&mut z]).unwrap();
                for i in 0..len {
                    let want = (x[i] * y[i] + 1.0).max(0.0);
                    assert_eq!(z[i], want, "thread {} iter {} i {}", t, iter, i);
                }
            }
        }));
    }
    for h in handles {
        h.join().expect("a calling thread failed");
    }
}

#[test]
fn context_shared_and_function_outlives_it() {
    let ctx = Arc::new(Context::new().unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let ctx = Arc::clone(&ctx);
            thread::spawn(move || build(&ctx))
        })
        .collect();
    let fs: Vec<Function> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let s = ctx.stats().unwrap();
    assert_eq!(s.functions_compiled + s.function_cache_hits, 4);
    drop(ctx); // the functions keep what they need
    let x = Array::from_vec(&[3], vec![1.0f32, -2.0, 3.0]).unwrap();
    for f in &fs {
        let out = f.run::<f32>(&[&x, &x]).unwrap();
        assert_eq!(out[0].as_slice(), &[2.0, 5.0, 10.0]);
    }
}

#[test]
fn graph_moves_to_another_thread() {
    let ctx = Context::new().unwrap();
    let g = ctx.graph().unwrap();
    // the graph (borrowing ctx) is built and compiled on another thread
    let f = thread::scope(|s| {
        s.spawn(move || {
            let a = g.placeholder("A", DType::I64, &[4]);
            let c = g.compute("C", &[4], |i| a.at(i) * a.at(i));
            g.compile(&[a], &[c], &CompileOptions::default()).unwrap()
        })
        .join()
        .unwrap()
    });
    let out = f.run::<i64>(&[&Array::from_vec(&[4], vec![1i64, 2, 3, 4]).unwrap()]).unwrap();
    assert_eq!(out[0].as_slice(), &[1, 4, 9, 16]);
}
