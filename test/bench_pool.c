/* bench_pool.c — launch overhead of the thread pool's parallel-for: the
 * median time of tp_parallel_loop over an empty loop body split into one
 * chunk per thread, next to a direct call of the body. Built with the
 * tests, not run by `meson test`:
 *   ninja -C build test/bench_pool && ./build/test/bench_pool [threads]
 * It compiles lib/threadpool.c into itself because the pool's symbols are
 * hidden in libtvmc. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/threadpool.c"

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static _Thread_local bool is_caller;
static int64_t by_workers;

static int32_t empty_body(void *closure, int64_t begin, int64_t end, int64_t slot) {
    (void)begin, (void)end, (void)slot;
    __atomic_fetch_add((int64_t *)closure, 1, __ATOMIC_RELAXED);
    if (!is_caller) __atomic_fetch_add(&by_workers, 1, __ATOMIC_RELAXED);
    return 0;
}

/* Waits (up to 1 ms) until every chunk has started: forces the split over
 * all threads, so the time is the hand-off to every worker and back. */
static int64_t started;
static int64_t want_started;
static int32_t meet_body(void *closure, int64_t begin, int64_t end, int64_t slot) {
    (void)closure, (void)begin, (void)end, (void)slot;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    uint64_t t0 = now_ns();
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < want_started && now_ns() - t0 < 1000000)
        ;
    return 0;
}

/* The caller's chunk runs 200 us, the others return at once. */
static int32_t tail_body(void *closure, int64_t begin, int64_t end, int64_t slot) {
    (void)closure, (void)begin, (void)end, (void)slot;
    if (is_caller) {
        uint64_t t0 = now_ns();
        while (now_ns() - t0 < 200000)
            ;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    is_caller = true;
    int threads = argc > 1 ? atoi(argv[1]) : tp_physical_cores();
    if (threads < 1) threads = 1;
    tp_pool *pool = tp_create(threads, NULL, NULL);
    if (!pool) return 1;
    enum { SAMPLES = 2001 };
    static uint64_t t[SAMPLES];
    int64_t chunks = 0;
    for (int r = 0; r < 1000; r++) /* start and warm the workers */
        tp_parallel_loop(pool, empty_body, &chunks, threads, threads, 1);
    chunks = 0;
    by_workers = 0;
    for (int s = 0; s < SAMPLES; s++) {
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, empty_body, &chunks, threads, threads, 1);
        t[s] = now_ns() - t0;
    }
    if (chunks != (int64_t)SAMPLES * threads) {
        fprintf(stderr, "ran %lld chunks, expected %lld\n", (long long)chunks,
                (long long)SAMPLES * threads);
        return 1;
    }
    qsort(t, SAMPLES, sizeof t[0], cmp_u64);
    printf("parallel-for launch, empty body, %d threads (%d workers): median %.2f us, "
           "p90 %.2f us, min %.2f us (%d back-to-back launches; %.0f %% of chunks run by "
           "workers, the caller takes the rest when they are late)\n",
           threads, tp_live_workers(pool), t[SAMPLES / 2] / 1e3, t[SAMPLES * 9 / 10] / 1e3,
           t[0] / 1e3, SAMPLES, 100.0 * (double)by_workers / (double)chunks);
    /* a loop long enough for TP_CHUNKS_PER_THREAD chunks per thread: the
     * cost of the dynamic claims on top of the hand-off */
    int64_t many = (int64_t)threads * TP_CHUNKS_PER_THREAD;
    chunks = 0;
    for (int s = 0; s < SAMPLES; s++) {
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, empty_body, &chunks, many, threads, 1);
        t[s] = now_ns() - t0;
    }
    qsort(t, SAMPLES, sizeof t[0], cmp_u64);
    printf("parallel-for launch, empty body, %lld chunks claimed dynamically: median %.2f us, "
           "p90 %.2f us (%lld chunks ran per launch)\n", (long long)many, t[SAMPLES / 2] / 1e3,
           t[SAMPLES * 9 / 10] / 1e3, (long long)(chunks / SAMPLES));
    want_started = threads;
    for (int s = 0; s < SAMPLES; s++) {
        started = 0;
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, meet_body, NULL, threads, threads, 1);
        t[s] = now_ns() - t0;
    }
    qsort(t, SAMPLES, sizeof t[0], cmp_u64);
    printf("parallel-for launch, every chunk on its own thread (a meeting body): median "
           "%.2f us, p90 %.2f us\n", t[SAMPLES / 2] / 1e3, t[SAMPLES * 9 / 10] / 1e3);
    /* a loop whose chunks end unevenly (the caller's lasts 200 us longer),
     * then at once a meeting loop: does the next loop of a model find the
     * worker awake after it waited for the caller's last chunk? */
    for (int s = 0; s < 201; s++) {
        tp_parallel_loop(pool, tail_body, NULL, threads, threads, 1);
        started = 0;
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, meet_body, NULL, threads, threads, 1);
        t[s] = now_ns() - t0;
    }
    qsort(t, 201, sizeof t[0], cmp_u64);
    printf("parallel-for launch right after a loop whose last chunk ran 200 us longer, every "
           "chunk on its own thread: median %.2f us, p90 %.2f us\n", t[100] / 1e3, t[180] / 1e3);
    /* after the workers have gone to sleep: the cost of waking them */
    for (int s = 0; s < 101; s++) {
        struct timespec nap = {0, 2000000}; /* 2 ms > TP_SPIN_NS */
        nanosleep(&nap, NULL);
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, empty_body, &chunks, threads, threads, 1);
        t[s] = now_ns() - t0;
    }
    qsort(t, 101, sizeof t[0], cmp_u64);
    printf("parallel-for launch after the workers slept: median %.2f us (the caller's "
           "cost: the wake-up call, then it runs the chunks itself)\n", t[50] / 1e3);
    /* the same, but every chunk waits for its own thread: the time until the
     * sleeping workers are actually running (the VM's wake-up latency) */
    for (int s = 0; s < 101; s++) {
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
        started = 0;
        uint64_t t0 = now_ns();
        tp_parallel_loop(pool, meet_body, NULL, threads, threads, 1);
        t[s] = now_ns() - t0;
    }
    qsort(t, 101, sizeof t[0], cmp_u64);
    printf("parallel-for launch after the workers slept, every chunk on its own thread: "
           "median %.2f us, p90 %.2f us\n", t[50] / 1e3, t[90] / 1e3);
    /* CPU burnt by the workers for sporadic launches (one every 1 ms, as a
     * host with its own rhythm would): whatever they spin after each job */
    struct timespec p0, c0, p1, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    enum { SPORADIC = 300 };
    for (int s = 0; s < SPORADIC; s++) {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
        tp_parallel_loop(pool, empty_body, &chunks, threads, threads, 1);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    double proc = (p1.tv_sec - p0.tv_sec) * 1e9 + (p1.tv_nsec - p0.tv_nsec);
    double caller = (c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec);
    printf("sporadic launches (1 every 1 ms): workers' CPU time %.1f us per launch\n",
           (proc - caller) / 1e3 / SPORADIC);
    tp_destroy(pool);
    return 0;
}
