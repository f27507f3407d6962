//! `Context::with_parallel_for` (`tvm_context_options.parallel_for`): a
//! kernel with a parallel loop runs its ranges on the host's threads (the
//! pool is called, from the calling thread, with ranges run on other
//! threads) and gives exactly the values worked out by hand; pools that
//! fail, panic, run a range twice, run outside the loop or leave part of
//! it out make the call fail with `Status::Internal` instead of a wrong or
//! racy result; a function outliving its context still reaches the pool.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};

use tvmc::{
    Array, CompileOptions, Context, ContextOptions, DType, Function, ParallelFor, ParallelTask, Schedule,
    Status,
};

const ROWS: i64 = 64;
const COLS: i64 = 33;

/// What each pool saw: calls, and the threads that ran ranges.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    threads: Mutex<HashSet<ThreadId>>,
}

/// Splits each loop into max_chunks ranges, each on its own scoped thread.
struct Chunks(Arc<Seen>);

impl ParallelFor for Chunks {
    fn parallel_for(&self, task: &ParallelTask<'_>, max_chunks: usize) -> bool {
        self.0.calls.fetch_add(1, Ordering::SeqCst);
        let n = task.len();
        let k = (max_chunks as i64).min(n);
        thread::scope(|s| {
            let handles: Vec<_> = (0..k)
                .map(|c| {
                    let seen = &self.0;
                    s.spawn(move || {
                        seen.threads.lock().unwrap().insert(thread::current().id());
                        task.run(n * c / k, n * (c + 1) / k).is_ok()
                    })
                })
                .collect();
            handles.into_iter().all(|h| h.join().unwrap_or(false))
        })
    }
}

/// C[i, j] = 2 A[i, j] + B[i, j] with its row loop run in parallel.
fn build(ctx: &Context) -> Function {
    let g = ctx.graph().unwrap();
    let a = g.placeholder("A", DType::F32, &[ROWS, COLS]);
    let b = g.placeholder("B", DType::F32, &[ROWS, COLS]);
    let (i, j) = (g.iter_var("i"), g.iter_var("j"));
    let c = g.compute_with("C", &[ROWS, COLS], &[i, j], a.at(&[i, j]) * 2.0 + b.at(&[i, j]));
    let mut s = Schedule::new(&g, &[c]).unwrap();
    s.parallel(c, i).unwrap();
    g.compile(&[a, b], &[c], &CompileOptions::new().schedule(&s)).unwrap()
}

fn inputs() -> (Array<f32>, Array<f32>) {
    let a = Array::from_fn(&[ROWS, COLS], |e| (e % 19) as f32 - 9.0).unwrap();
    let b = Array::from_fn(&[ROWS, COLS], |e| (e % 7) as f32 * 0.5).unwrap();
    (a, b)
}

fn run(f: &Function) -> tvmc::Result<Vec<f32>> {
    let (a, b) = inputs();
    let mut c = Array::<f32>::full(&[ROWS, COLS], f32::NAN).unwrap();
    f.call(&[&a, &b], &mut [&mut c])?;
    Ok(c.as_slice().to_vec())
}

fn expected() -> Vec<f32> {
    (0..ROWS * COLS).map(|e| ((e % 19) as f32 - 9.0) * 2.0 + (e % 7) as f32 * 0.5).collect()
}

#[test]
fn loops_run_on_the_host_threads() {
    let seen = Arc::new(Seen::default());
    let ctx =
        Context::with_parallel_for(&ContextOptions::new().num_threads(4), Chunks(seen.clone())).unwrap();
    assert_eq!(ctx.num_threads(), 4);
    let f = build(&ctx);
    assert_eq!(run(&f).unwrap(), expected());
    assert!(seen.calls.load(Ordering::SeqCst) >= 1, "the pool was never called");
    let threads = seen.threads.lock().unwrap();
    assert!(threads.len() >= 2, "ranges ran on {} thread(s)", threads.len());
    assert!(!threads.contains(&thread::current().id()), "a range ran on the calling thread");
}

#[test]
fn same_bits_as_tvmc_own_pool_and_serially() {
    struct Serial;
    impl ParallelFor for Serial {
        fn parallel_for(&self, task: &ParallelTask<'_>, _: usize) -> bool {
            task.run(0, task.len()).is_ok()
        }
    }
    /// One index at a time, last first.
    struct Backwards;
    impl ParallelFor for Backwards {
        fn parallel_for(&self, task: &ParallelTask<'_>, _: usize) -> bool {
            (0..task.len()).rev().all(|k| task.run(k, k + 1).is_ok())
        }
    }
    let own = run(&build(&Context::with_options(&ContextOptions::new().num_threads(2)).unwrap())).unwrap();
    let serial =
        run(&build(&Context::with_parallel_for(&ContextOptions::new().num_threads(4), Serial).unwrap()))
            .unwrap();
    let back =
        run(&build(&Context::with_parallel_for(&ContextOptions::new().num_threads(4), Backwards).unwrap()))
            .unwrap();
    assert_eq!(own, expected());
    assert_eq!(serial, own);
    assert_eq!(back, own);
}

/// A pool doing one of the things the contract forbids.
#[derive(Clone, Copy, Debug)]
enum Bad {
    ReturnsFalse,
    Panics,
    RunsTwice,
    Outside,
    LeavesOut,
    Reversed,
}

struct BadPool(Bad, Arc<Mutex<Vec<String>>>);

impl ParallelFor for BadPool {
    fn parallel_for(&self, task: &ParallelTask<'_>, _: usize) -> bool {
        let n = task.len();
        let mut errors = Vec::new();
        let mut note = |r: tvmc::Result<()>| {
            if let Err(e) = r {
                assert_eq!(e.status(), Status::InvalidArgument);
                errors.push(e.message().to_string());
            }
        };
        match self.0 {
            Bad::ReturnsFalse => {
                note(task.run(0, n));
                self.1.lock().unwrap().extend(errors);
                return false;
            }
            Bad::Panics => panic!("the host pool broke"),
            Bad::RunsTwice => {
                note(task.run(0, n));
                note(task.run(n / 2, n / 2 + 1));
            }
            Bad::Outside => {
                note(task.run(0, n));
                note(task.run(n, n + 1));
            }
            Bad::LeavesOut => note(task.run(1, n)),
            Bad::Reversed => {
                note(task.run(n, 0));
                note(task.run(0, n));
            }
        }
        self.1.lock().unwrap().extend(errors);
        true
    }
}

#[test]
fn broken_pools_fail_the_call() {
    for bad in [Bad::ReturnsFalse, Bad::Panics, Bad::RunsTwice, Bad::Outside, Bad::LeavesOut, Bad::Reversed] {
        let errors = Arc::new(Mutex::new(Vec::new()));
        let ctx =
            Context::with_parallel_for(&ContextOptions::new().num_threads(4), BadPool(bad, errors.clone()))
                .unwrap();
        let f = build(&ctx);
        let e = run(&f).unwrap_err();
        assert_eq!(e.status(), Status::Internal, "{:?}: {}", bad, e);
        assert!(e.message().contains("parallel_for"), "{:?}: {}", bad, e);
        let errors = errors.lock().unwrap();
        match bad {
            Bad::RunsTwice => assert!(errors[0].contains("overlaps the range 0.."), "{:?}", errors),
            Bad::Outside | Bad::Reversed => assert!(errors[0].contains("outside [0, "), "{:?}", errors),
            _ => assert!(errors.is_empty(), "{:?}", errors),
        }
    }
}

#[test]
fn function_outlives_its_context_and_keeps_the_pool() {
    let seen = Arc::new(Seen::default());
    let f = {
        let ctx =
            Context::with_parallel_for(&ContextOptions::new().num_threads(3), Chunks(seen.clone())).unwrap();
        build(&ctx)
    };
    let before = seen.calls.load(Ordering::SeqCst);
    let g = f.clone();
    drop(f);
    assert_eq!(run(&g).unwrap(), expected());
    assert!(seen.calls.load(Ordering::SeqCst) > before, "the pool was not called after the context went");
}
