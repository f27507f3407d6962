/* threadpool.h — the context's thread pool and the parallel-for runtime that
 * generated kernels call.
 *
 * Pool. Persistent workers (num_threads - 1 of them: the calling thread is
 * the last participant), created on the first parallel-for that needs them,
 * each bound with hwloc to one physical core of the allowed cpuset, with all
 * signals blocked (async signals go to host threads) and the default FP
 * environment of fpenv.h. After a job a worker spins for at most
 * TP_SPIN_NS, then sleeps in the kernel (a futex on the job generation, so
 * one system call wakes every sleeping worker): an idle pool burns no
 * CPU, and back-to-back kernels still find their workers awake. The spin is
 * adaptive: after a job that came more than TP_SPIN_NS after the previous
 * one ended (the caller measures the gap) workers sleep at once (sporadic
 * launches spin for nothing).
 *
 * Concurrency policy (no oversubscription): the pool runs one job at a time.
 * A host thread that finds it busy runs its whole range itself, serially,
 * rather than queueing: queueing would add latency and the busy pool's
 * workers already occupy the cores. A parallel-for issued from inside a
 * chunk (a nested call, e.g. tvm_call_extern calling tvm_function_call)
 * also runs serially on the thread that issued it.
 *
 * fork: a pthread_atfork handler bumps a generation; a pool whose generation
 * is stale (we are in a child, where the workers do not exist) forgets its
 * workers and synchronisation objects and starts afresh on next use.
 *
 * Results never depend on the thread count: chunk boundaries only decide
 * which thread runs which iterations, and kernels never split a reduction. */
#ifndef TVMC_THREADPOOL_H
#define TVMC_THREADPOOL_H

#include <stdint.h>

#include "common.h"

#define TP_SPIN_NS 50000 /* idle spin after a job before sleeping */
/* Chunks per participant of a parallel loop on the pool: enough that a
 * participant slowed down (another process on its core, a late wake-up)
 * leaves its share to the others, few enough that a claim (one atomic
 * operation) and a call of the loop body per chunk stay negligible. */
#define TP_CHUNKS_PER_THREAD 4

typedef struct tp_pool tp_pool;

/* Runs chunks [begin, end) of a job on participant `worker`: on the pool,
 * 0 for the caller and 1.. for the workers, stable for the whole job (a
 * participant that runs several chunks runs them all under one index); 0
 * when the job runs serially; -1 on the host's parallel-for, whose threads
 * tvmc cannot name. */
typedef void (*tp_chunk_fn)(void *job, int64_t begin, int64_t end, int worker);

/* A pool of nthreads participants (>= 1); starts no thread. A host
 * parallel-for (fn != NULL) replaces the workers entirely. NULL when out of
 * memory. */
tp_pool *tp_create(int nthreads, tvm_parallel_for_fn host_fn, void *host_user);
/* Joins the workers (they must be idle: no call is running). Accepts NULL. */
void tp_destroy(tp_pool *pool);
int tp_num_threads(const tp_pool *pool);
/* Number of worker threads currently alive (tests: 0 before first use). */
int tp_live_workers(const tp_pool *pool);

/* Runs fn(job, c, c + 1, worker)-style chunk ranges covering [0, nchunks):
 * on the pool, where participants (the caller and the workers with an
 * index below `parts`) claim chunks one at a time until none is left, on
 * the host's parallel-for, or serially (nested call, busy pool, one chunk,
 * pool of one). Returns 0, or -1 when the host's parallel-for reported
 * failure (then some chunks may not have run). */
int tp_run(tp_pool *pool, int64_t nchunks, tp_chunk_fn fn, void *job, int parts);

/* ---- the kernel-facing runtime -------------------------------------------
 * A parallel loop body outlined by a backend: runs iterations [begin, end)
 * with private workspace slot `slot` (< the loop's slot count); returns 0 or
 * the id of a failed bounds check. */
typedef int32_t (*tp_loop_body)(void *closure, int64_t begin, int64_t end, int64_t slot);

#define TP_HOST_FAILED (-2) /* tp_parallel_loop: the host's parallel-for failed */

/* Runs iterations [0, n) of an outlined loop in chunks whose boundaries are
 * multiples of `quantum` (>= 1), each chunk with a slot below `slots` that
 * no other thread uses meanwhile. On the pool: up to TP_CHUNKS_PER_THREAD
 * chunks per participant, claimed dynamically (a participant slowed by
 * another process on its core takes fewer), at most `slots` participants,
 * and a participant's index is its slot. On the host's parallel-for: at most
 * `slots` chunks and chunk c uses slot c (the host's threads are not ours
 * to number). Returns 0 or the failed check id of the lowest-numbered
 * failing chunk; TP_HOST_FAILED when the host's parallel-for failed. `rt`
 * is the pool passed to the kernel (NULL: run serially). Called from
 * generated code. */
int32_t tp_parallel_loop(void *rt, tp_loop_body body, void *closure, int64_t n, int64_t slots,
                         int64_t quantum);

/* Physical cores of the allowed cpuset (hwloc), read once; >= 1. */
int tp_physical_cores(void);
/* Bytes of the last-level cache (hwloc), read once; > 0. */
int64_t tp_llc_bytes(void);

#endif
