/* test_pool.c — the pool's parallel loop itself: every iteration runs
 * exactly once, a slot is never shared by two threads within a loop, a
 * participant that is held up leaves its share to the others (chunks are
 * claimed as they come), and the host's parallel-for gets chunk-numbered
 * slots. Compiles lib/threadpool.c into itself because the pool's symbols
 * are hidden in libtvmc (as bench_pool does). */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "lib/threadpool.c"

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum { N = 4096, MAXSLOTS = 8 };

typedef struct rec {
    atomic_int hits[N];          /* runs of each iteration */
    atomic_int slot_of[N];       /* the slot each iteration ran in */
    _Atomic(uintptr_t) owner[MAXSLOTS]; /* the thread seen in each slot */
    atomic_int bad_owner;        /* a slot used by two threads */
    int64_t slots;
    atomic_int bad_slot;         /* a slot outside [0, slots) */
    atomic_llong done_iters;     /* iterations finished */
    atomic_int held;             /* a held-up chunk waited in vain */
    atomic_int worker_started;   /* a held-up chunk has begun */
    atomic_llong worker_iters;   /* iterations run by non-caller threads */
    bool hold_workers;           /* chunks of non-caller threads wait */
} rec;

static _Thread_local bool is_caller;

static int32_t body(void *closure, int64_t begin, int64_t end, int64_t slot) {
    rec *r = closure;
    if (slot < 0 || slot >= r->slots || slot >= MAXSLOTS) {
        atomic_store(&r->bad_slot, 1);
        return 0;
    }
    uintptr_t me = (uintptr_t)pthread_self(), none = 0;
    if (!atomic_compare_exchange_strong(&r->owner[slot], &none, me) && none != me)
        atomic_store(&r->bad_owner, 1);
    if (r->hold_workers && is_caller) {
        /* let the worker take its first chunk (2 s: it may never come on a
         * loaded machine, and then the caller simply runs everything) */
        uint64_t t0 = now_ns();
        while (!atomic_load(&r->worker_started) && now_ns() - t0 < 2000000000ull)
            ;
    }
    if (r->hold_workers && !is_caller) {
        /* wait until every other iteration is done: only possible when the
         * caller can claim everything but this chunk (5 s: a safety net
         * against a hang, not a timing) */
        atomic_fetch_add(&r->worker_iters, end - begin);
        atomic_store(&r->worker_started, 1);
        uint64_t t0 = now_ns();
        while (atomic_load(&r->done_iters) < N - (end - begin))
            if (now_ns() - t0 > 5000000000ull) {
                atomic_store(&r->held, 1);
                break;
            }
    }
    for (int64_t i = begin; i < end; i++) {
        atomic_fetch_add(&r->hits[i], 1);
        atomic_store(&r->slot_of[i], (int)slot);
    }
    atomic_fetch_add(&r->done_iters, end - begin);
    return 0;
}

static void reset(rec *r, int64_t slots) {
    memset(r, 0, sizeof *r);
    r->slots = slots;
}

static void check_ran_once(rec *r) {
    for (int i = 0; i < N; i++) CHECK_EQ_INT(atomic_load(&r->hits[i]), 1);
    CHECK_EQ_INT(atomic_load(&r->bad_slot), 0);
    CHECK_EQ_INT(atomic_load(&r->bad_owner), 0);
}

static rec R;

TEST(every_iteration_once_slots_private) {
    for (int threads = 2; threads <= 4; threads++)
        for (int64_t slots = 1; slots <= 4; slots++)
            for (int rep = 0; rep < 20; rep++) {
                tp_pool *pool = tp_create(threads, NULL, NULL);
                CHECK(pool != NULL);
                reset(&R, slots);
                CHECK_EQ_INT(tp_parallel_loop(pool, body, &R, N, slots, 8), 0);
                check_ran_once(&R);
                /* quantum 8: a chunk covers whole multiples of 8 */
                for (int i = 0; i + 1 < N; i++)
                    if ((i + 1) % 8 != 0)
                        CHECK_EQ_INT(atomic_load(&R.slot_of[i]), atomic_load(&R.slot_of[i + 1]));
                tp_destroy(pool);
            }
}

/* A worker held up inside its first chunk (as if another process had its
 * core) does not keep the rest of the loop waiting: the caller claims every
 * other chunk. With one fixed half per thread this could not finish. */
TEST(held_up_worker_leaves_its_share) {
    tp_pool *pool = tp_create(2, NULL, NULL);
    CHECK(pool != NULL);
    for (int rep = 0; rep < 10; rep++) {
        reset(&R, 2);
        R.hold_workers = true;
        CHECK_EQ_INT(tp_parallel_loop(pool, body, &R, N, 2, 1), 0);
        check_ran_once(&R);
        CHECK_EQ_INT(atomic_load(&R.held), 0);
        /* the held-up worker ran one small chunk, not half the loop */
        CHECK(atomic_load(&R.worker_iters) <= N / 4);
    }
    tp_destroy(pool);
}

/* A host parallel-for that runs every chunk on a thread of its own at
 * once: chunk c must use slot c, and there are no more chunks than slots. */
typedef struct host_arg {
    tvm_parallel_task fn;
    void *task;
    int64_t c;
} host_arg;

static void *host_thread(void *p) {
    host_arg *a = p;
    a->fn(a->task, a->c, a->c + 1);
    return NULL;
}

static atomic_int host_max_n;

static int spawn_host(void *user, int64_t n, tvm_parallel_task fn, void *task, int max) {
    (void)user;
    if (n > max || n > 16) return -1;
    if (n > atomic_load(&host_max_n)) atomic_store(&host_max_n, (int)n);
    pthread_t t[16];
    host_arg a[16];
    for (int64_t c = 0; c < n; c++) {
        a[c] = (host_arg){fn, task, c};
        if (pthread_create(&t[c], NULL, host_thread, &a[c]) != 0) return -1;
    }
    for (int64_t c = 0; c < n; c++) pthread_join(t[c], NULL);
    return 0;
}

TEST(host_parallel_for_slots_are_chunks) {
    tp_pool *pool = tp_create(4, spawn_host, NULL);
    CHECK(pool != NULL);
    for (int64_t slots = 2; slots <= 4; slots++) {
        reset(&R, slots);
        atomic_store(&host_max_n, 0);
        CHECK_EQ_INT(tp_parallel_loop(pool, body, &R, N, slots, 1), 0);
        check_ran_once(&R);
        CHECK_EQ_INT(atomic_load(&host_max_n), (int)slots);
    }
    tp_destroy(pool);
}

int main(int argc, char **argv) {
    is_caller = true;
    return check_run_all(argc, argv);
}
