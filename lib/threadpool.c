/* threadpool.c — see threadpool.h for the policy. The hand-off:
 *   gen    bumped by the caller to publish a job; a worker joins the job
 *          whose generation it has not seen yet;
 *   claim  (generation tag << 40) | next chunk: a chunk is taken with a
 *          compare-and-swap that also checks the tag, so a worker that
 *          wakes late cannot take a chunk of a finished job (the job's
 *          fields it read are only used after a successful claim, and a job
 *          is finished only when every chunk has been claimed and run);
 *   done   chunks finished; the caller returns at nchunks.
 * The caller never waits for a worker that took no chunk: on a loaded
 * machine (workers descheduled) it simply runs every chunk itself.
 * Waits spin for at most TP_SPIN_NS and then sleep in the kernel on the
 * word they wait for (a futex: workers on `gen`, the caller on `done`), so
 * publishing a job to sleeping workers is one system call that wakes them
 * all, with no mutex for them to queue on afterwards. The sleeper counts
 * (`sleepers`, `caller_sleeping`) are written before the word is re-read,
 * and the waker reads them after changing it (both sequentially
 * consistent), so a wake-up is never lost (and the futex itself re-checks
 * the word atomically), while the common case (everyone spinning) makes no
 * system call. The tag has
 * 24 bits: a worker would have to sleep between reading gen and its
 * compare-and-swap while 2^24 jobs run for a stale claim to succeed. */
#include "threadpool.h"

#include <hwloc.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include "fpenv.h"

struct tp_pool {
    int nthreads;                 /* participants, the caller included */
    tvm_parallel_for_fn host_fn;  /* the host's parallel-for, or NULL */
    void *host_user;

    pthread_t *threads;
    int nworkers;                 /* started (nthreads - 1 once started) */
    hwloc_topology_t topo;        /* for binding; loaded with the workers, read-only */
    bool topo_ok;
    unsigned fork_gen;            /* g_fork_gen when the workers were made */

    atomic_flag busy;             /* a caller owns the pool (one job at a time) */
    atomic_uint gen;              /* job generation (workers sleep on it) */
    atomic_ullong claim;          /* tag << 40 | next chunk */
    atomic_uint done;             /* chunks of the current job finished (the
                                     caller sleeps on it) */
    atomic_int sleepers;          /* workers asleep on gen */
    atomic_int caller_sleeping;
    atomic_bool stop;
    uint64_t last_end;            /* when the caller saw the last job finish
                                     (written under the busy flag) */
    atomic_bool back_to_back;     /* the current job came within TP_SPIN_NS
                                     of the previous one's end */

    /* the current job (atomics: a late worker may read them while the
     * next job is written; it then fails its claim and ignores them) */
    _Atomic(tp_chunk_fn) fn;
    _Atomic(void *) job;
    atomic_llong nchunks;
    atomic_int parts;             /* participants: the caller and workers 1..parts-1 */
};

#define TAG_SHIFT 40
#define TAG_MASK 0xffffffull
#define IDX_MASK ((1ull << TAG_SHIFT) - 1)

/* Set on pool workers and on a caller while it runs a job: a parallel-for
 * issued here is nested and runs serially. */
static _Thread_local bool in_parallel;

/* ---- fork ---------------------------------------------------------------- */

static atomic_uint g_fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void on_fork_child(void) { atomic_fetch_add(&g_fork_gen, 1); }
static void install_atfork(void) { pthread_atfork(NULL, NULL, on_fork_child); }

/* In a child of fork the workers are gone: start over (the parent's memory
 * for the thread ids is ours to free). The child may have started threads
 * of its own since, so the reset runs under the busy flag the caller holds.
 * (A child forked while a job was running inherits a set busy flag: its
 * kernels then run serially.) */
static void reset_after_fork(tp_pool *pool) {
    free(pool->threads);
    pool->threads = NULL;
    pool->nworkers = 0;
    atomic_store(&pool->done, 0);
    atomic_store(&pool->claim, 0);
    atomic_store(&pool->sleepers, 0);
    atomic_store(&pool->caller_sleeping, 0);
    atomic_store(&pool->stop, false);
    pool->fork_gen = atomic_load(&g_fork_gen);
}

/* ---- topology ------------------------------------------------------------ */

/* Loads the machine's topology (I/O discovery off: it costs milliseconds
 * and we only need cores). */
static bool load_topology(hwloc_topology_t *t) {
    if (hwloc_topology_init(t) != 0) return false;
    hwloc_topology_set_io_types_filter(*t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(*t) != 0) {
        hwloc_topology_destroy(*t);
        return false;
    }
    return true;
}

static int count_cores(hwloc_topology_t t) {
    int c = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
    if (c <= 0) c = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
    return c > 0 ? c : 1;
}

/* Read once per process and the topology freed at once: a library that is
 * dlopen'd and dlclose'd must not keep it. */
static pthread_once_t cores_once = PTHREAD_ONCE_INIT;
static int g_cores = 1;
static void read_cores(void) {
    hwloc_topology_t t;
    if (!load_topology(&t)) return;
    g_cores = count_cores(t);
    hwloc_topology_destroy(t);
}

int tp_physical_cores(void) {
    pthread_once(&cores_once, read_cores);
    return g_cores;
}

/* The largest data or unified cache of the machine (the last level), read
 * once like the core count; 32 MiB when hwloc cannot tell. */
static pthread_once_t llc_once = PTHREAD_ONCE_INIT;
static int64_t g_llc = 32ll << 20;
static void read_llc(void) {
    hwloc_topology_t t;
    if (!load_topology(&t)) return;
    int64_t best = 0;
    for (int d = 0; d < hwloc_topology_get_depth(t); d++) {
        hwloc_obj_t o = hwloc_get_obj_by_depth(t, d, 0);
        if (o && hwloc_obj_type_is_dcache(o->type) && o->attr &&
            (int64_t)o->attr->cache.size > best)
            best = (int64_t)o->attr->cache.size;
    }
    if (best > 0) g_llc = best;
    hwloc_topology_destroy(t);
}

int64_t tp_llc_bytes(void) {
    pthread_once(&llc_once, read_llc);
    return g_llc;
}

/* Binds the calling worker to physical core `w` (modulo the cores), one PU
 * of it within the allowed cpuset (cgroups, taskset), so workers never
 * share a core while cores are free. Worker w gets core w: core 0 is left to
 * the caller's usual place, which the OS picks. A failure to bind
 * (containers without the right) only costs locality. */
static void bind_worker(tp_pool *pool, int w) {
    if (!pool->topo_ok) return;
    hwloc_topology_t t = pool->topo;
    int cores = count_cores(t);
    if (cores <= 1) return;
    hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, (unsigned)(w % cores));
    if (!core || !core->cpuset) return;
    hwloc_bitmap_t set = hwloc_bitmap_dup(core->cpuset);
    if (!set) return;
    hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(t));
    if (!hwloc_bitmap_iszero(set)) {
        hwloc_bitmap_singlify(set);
        (void)hwloc_set_cpubind(t, set, HWLOC_CPUBIND_THREAD);
    }
    hwloc_bitmap_free(set);
}

/* ---- sleeping ------------------------------------------------------------ */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Sleeps while *w == expect (returns at once if it differs; may return
 * spuriously: callers loop). A process-private futex on Linux. Elsewhere a
 * 50 µs nap: correct, only slower to wake. */
static void word_wait(atomic_uint *w, unsigned expect) {
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, expect, NULL, NULL, 0);
#else
    if (atomic_load(w) == expect) nanosleep(&(struct timespec){0, 50000}, NULL);
#endif
}

/* Wakes every thread sleeping on w (after w was changed). */
static void word_wake_all(atomic_uint *w) {
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)w;
#endif
}

/* ---- workers ------------------------------------------------------------- */

/* Takes and runs chunks of job generation g as participant `worker` until
 * none is left (at once when the job wants fewer participants). */
static void run_chunks(tp_pool *pool, unsigned g, int worker) {
    unsigned long long tag = (unsigned long long)(g & TAG_MASK) << TAG_SHIFT;
    for (;;) {
        unsigned long long c = atomic_load(&pool->claim);
        if ((c & ~IDX_MASK) != tag) return; /* another job by now */
        int64_t idx = (int64_t)(c & IDX_MASK);
        tp_chunk_fn fn = atomic_load_explicit(&pool->fn, memory_order_relaxed);
        void *job = atomic_load_explicit(&pool->job, memory_order_relaxed);
        int64_t n = atomic_load_explicit(&pool->nchunks, memory_order_relaxed);
        if (idx >= n || worker >= atomic_load_explicit(&pool->parts, memory_order_relaxed))
            return;
        if (!atomic_compare_exchange_weak(&pool->claim, &c, c + 1)) continue;
        fn(job, idx, idx + 1, worker);
        if ((int64_t)atomic_fetch_add(&pool->done, 1) + 1 == n &&
            atomic_load(&pool->caller_sleeping))
            word_wake_all(&pool->done);
    }
}

typedef struct worker_arg {
    tp_pool *pool;
    int index;
    unsigned seen; /* the generation before the worker's first job: read at
                      creation, since the first job is published before the
                      thread gets to run */
} worker_arg;

static void *worker_main(void *arg) {
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    tp_pool *pool = wa.pool;
    bind_worker(pool, wa.index);
    in_parallel = true; /* anything a chunk starts runs serially here */
    unsigned seen = wa.seen;
    uint64_t spin_ns = TP_SPIN_NS;
    for (;;) {
        /* wait for a new generation: spin briefly, then sleep */
        uint64_t t0 = now_ns();
        unsigned g;
        while ((g = atomic_load(&pool->gen)) == seen && !atomic_load(&pool->stop)) {
            if (now_ns() - t0 < spin_ns) {
                cpu_relax();
                continue;
            }
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->gen) == seen && !atomic_load(&pool->stop))
                word_wait(&pool->gen, seen);
            atomic_fetch_sub(&pool->sleepers, 1);
        }
        if (atomic_load(&pool->stop)) break;
        seen = g;
        /* Spin after this job only if it came within the spin window of the
         * previous job's end: jobs arriving back to back find the worker
         * awake, while a host that launches now and then (a frame every few
         * ms) burns no spin per launch, as it would pay the wake-up anyway.
         * The caller measures that gap: this worker's own wait also holds
         * the others' last chunks and its wake-up, and counting them made
         * a model's next loops (which follow at once) find it asleep. A
         * value read from a later job only misjudges one spin. */
        spin_ns = atomic_load_explicit(&pool->back_to_back, memory_order_relaxed) ? TP_SPIN_NS
                                                                                 : 0;
        /* kernels expect the default FP environment; a host function called
         * by a kernel may have changed ours, so set it per job (cheap when
         * unchanged). This thread's MXCSR is never the host's. */
        fpenv env;
        fpenv_enter(&env);
        run_chunks(pool, g, wa.index);
    }
    return NULL;
}

/* Starts the workers; false if none could start (then the caller runs
 * serially). Called with the busy flag held. */
static bool start_workers(tp_pool *pool) {
    int want = pool->nthreads - 1;
    pool->threads = calloc((size_t)want, sizeof *pool->threads);
    if (!pool->threads) return false;
    /* the workers read it while binding; freed in tp_destroy (a fork child
     * keeps its copy of the parent's, which describes the same machine) */
    if (!pool->topo_ok) pool->topo_ok = load_topology(&pool->topo);
    /* workers take no async signals: block everything while creating them
     * (they inherit the mask) and give the caller its own mask back */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int made = 0;
    for (; made < want; made++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa) break;
        *wa = (worker_arg){pool, made + 1, atomic_load(&pool->gen)};
        if (pthread_create(&pool->threads[made], NULL, worker_main, wa) != 0) {
            free(wa);
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pool->nworkers = made;
    pool->fork_gen = atomic_load(&g_fork_gen);
    return made > 0;
}

tp_pool *tp_create(int nthreads, tvm_parallel_for_fn host_fn, void *host_user) {
    pthread_once(&atfork_once, install_atfork);
    tp_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->nthreads = nthreads < 1 ? 1 : nthreads;
    pool->host_fn = host_fn;
    pool->host_user = host_user;
    atomic_flag_clear(&pool->busy);
    pool->fork_gen = atomic_load(&g_fork_gen);
    return pool;
}

void tp_destroy(tp_pool *pool) {
    if (!pool) return;
    if (pool->fork_gen == atomic_load(&g_fork_gen) && pool->nworkers > 0) {
        /* a worker between its check of stop and its sleep sees gen move */
        atomic_store(&pool->stop, true);
        atomic_fetch_add(&pool->gen, 1);
        word_wake_all(&pool->gen);
        for (int i = 0; i < pool->nworkers; i++) pthread_join(pool->threads[i], NULL);
    }
    /* in a child of fork the parent's workers are not ours to join */
    if (pool->topo_ok) hwloc_topology_destroy(pool->topo);
    free(pool->threads);
    free(pool);
}

int tp_num_threads(const tp_pool *pool) { return pool ? pool->nthreads : 1; }

int tp_live_workers(const tp_pool *pool) {
    if (!pool || pool->fork_gen != atomic_load(&g_fork_gen)) return 0;
    return pool->nworkers;
}

static void run_serial(int64_t nchunks, tp_chunk_fn fn, void *job) {
    bool was = in_parallel;
    in_parallel = true;
    fn(job, 0, nchunks, 0);
    in_parallel = was;
}

/* The host's tvm_parallel_task: our chunk function has the same shape. */
typedef struct host_job {
    tp_chunk_fn fn;
    void *job;
} host_job;

static void host_task(void *task, int64_t begin, int64_t end) {
    host_job *h = task;
    /* a host thread may run with another FP environment: kernels may not */
    fpenv env;
    fpenv_enter(&env);
    bool was = in_parallel;
    in_parallel = true;
    if (begin < end) h->fn(h->job, begin, end, -1);
    in_parallel = was;
    fpenv_leave(&env);
}

int tp_run(tp_pool *pool, int64_t nchunks, tp_chunk_fn fn, void *job, int parts) {
    if (nchunks <= 0) return 0;
    if (!pool || nchunks == 1 || pool->nthreads <= 1 || in_parallel) {
        run_serial(nchunks, fn, job);
        return 0;
    }
    if (pool->host_fn) {
        host_job h = {fn, job};
        in_parallel = true; /* the host may run ranges on this thread */
        int max = nchunks > INT32_MAX ? INT32_MAX : (int)nchunks;
        int rc = pool->host_fn(pool->host_user, nchunks, host_task, &h, max);
        in_parallel = false;
        return rc == 0 ? 0 : -1;
    }
    if (atomic_flag_test_and_set(&pool->busy)) { /* another host thread's job */
        run_serial(nchunks, fn, job);
        return 0;
    }
    if (pool->fork_gen != atomic_load(&g_fork_gen)) reset_after_fork(pool);
    if (pool->nworkers == 0 && !start_workers(pool)) {
        atomic_flag_clear(&pool->busy);
        run_serial(nchunks, fn, job);
        return 0;
    }
    if (nchunks > INT32_MAX) nchunks = INT32_MAX; /* (never: <= slots) */
    atomic_store_explicit(&pool->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&pool->job, job, memory_order_relaxed);
    atomic_store_explicit(&pool->nchunks, nchunks, memory_order_relaxed);
    atomic_store_explicit(&pool->parts, parts < 1 ? 1 : parts, memory_order_relaxed);
    atomic_store(&pool->done, 0);
    atomic_store_explicit(&pool->back_to_back, now_ns() - pool->last_end <= TP_SPIN_NS,
                          memory_order_relaxed);
    unsigned g = atomic_load(&pool->gen) + 1;
    atomic_store(&pool->claim, (unsigned long long)(g & TAG_MASK) << TAG_SHIFT);
    atomic_store(&pool->gen, g); /* publishes the job (seq_cst) */
    if (atomic_load(&pool->sleepers) > 0) word_wake_all(&pool->gen);
    in_parallel = true;
    run_chunks(pool, g, 0);
    in_parallel = false;
    /* every chunk must be finished before the job's memory goes */
    uint64_t t0 = now_ns();
    while ((int64_t)atomic_load(&pool->done) < nchunks) {
        if (now_ns() - t0 < TP_SPIN_NS) {
            cpu_relax();
            continue;
        }
        atomic_store(&pool->caller_sleeping, 1);
        unsigned d;
        while ((int64_t)(d = atomic_load(&pool->done)) < nchunks) word_wait(&pool->done, d);
        atomic_store(&pool->caller_sleeping, 0);
    }
    pool->last_end = now_ns();
    atomic_flag_clear(&pool->busy);
    return 0;
}

/* ---- the kernel-facing parallel loop -------------------------------------- */

typedef struct loop_job {
    tp_loop_body body;
    void *closure;
    int64_t n, per, nchunks; /* chunk c covers [c * per, min(n, (c+1) * per)) */
    int32_t *rc;             /* per chunk: 0 or the failed check id */
} loop_job;

/* The slot of a chunk: the participant's index on the pool (one thread
 * runs its chunks one after another in its slot); the chunk's own index on
 * the host's parallel-for (worker -1), where at most `slots` chunks exist. */
static void loop_chunks(void *job, int64_t begin, int64_t end, int worker) {
    loop_job *L = job;
    for (int64_t c = begin; c < end; c++) {
        int64_t lo = c * L->per, hi = lo + L->per;
        if (hi > L->n) hi = L->n;
        L->rc[c] = lo < hi ? L->body(L->closure, lo, hi, worker >= 0 ? worker : c) : 0;
    }
}

int32_t tp_parallel_loop(void *rt, tp_loop_body body, void *closure, int64_t n, int64_t slots,
                         int64_t quantum) {
    if (n <= 0) return 0;
    if (quantum < 1) quantum = 1;
    if (slots < 1) slots = 1;
    tp_pool *pool = rt;
    int64_t threads = pool ? pool->nthreads : 1;
    int64_t parts = slots < threads ? slots : threads;
    if (parts <= 1 || in_parallel) return body(closure, 0, n, 0);
    /* chunks: equal shares of whole quanta; on the pool a few per
     * participant (claimed as they come), on the host one per slot */
    int64_t want = pool->host_fn ? parts : parts * TP_CHUNKS_PER_THREAD;
    int64_t quanta = n / quantum + (n % quantum != 0);
    int64_t nchunks = quanta < want ? quanta : want;
    if (nchunks <= 1) return body(closure, 0, n, 0);
    int64_t per = (quanta / nchunks + (quanta % nchunks != 0)) * quantum;
    nchunks = n / per + (n % per != 0);
    int32_t small[256]; /* every chunk that runs sets its entry */
    int32_t *rc = nchunks <= 256 ? small : calloc((size_t)nchunks, sizeof *rc);
    if (!rc) return body(closure, 0, n, 0); /* no memory for results: serially */
    loop_job L = {body, closure, n, per, nchunks, rc};
    int32_t r = tp_run(pool, nchunks, loop_chunks, &L, (int)parts) == 0 ? 0 : TP_HOST_FAILED;
    for (int64_t c = 0; c < nchunks && r == 0; c++) r = rc[c];
    if (rc != small) free(rc);
    return r;
}
