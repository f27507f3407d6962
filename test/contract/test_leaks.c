/* test_leaks.c — G9: memory stays flat over long compile/call/release runs.
 *
 *     test_leaks [CYCLES]      (default 10,000; 1,000 in the ASan build)
 *
 * Two threads share one context and run CYCLES compile -> call -> release
 * cycles in all over 50 distinct graphs (B = A * c + d with c, d depending
 * on the graph; every odd graph compiles with TVM_COMPILE_NO_CACHE, so a new
 * function and its kernels are built and freed each time; every fifth graph
 * (k % 5 == 4) targets interp). Each function is called on two shapes, so two
 * specialisations live in its shape cache. Results are checked on every call.
 *
 * After the first 10% of the cycles (warm-up) the RSS (/proc/self/statm) is
 * the reference: at the end it may have grown by at most 8 MiB, and the
 * least-squares slope over samples taken every 1% must stay at or below
 * 0.5 KiB/cycle. After everything is released (context destroyed) the
 * anonymous executable mappings in /proc/self/maps (JIT code) must be back
 * to their count before the first context, +-2. In the ASan build RSS is
 * dominated by the allocator's quarantine, so the RSS figures are printed
 * but not checked there; LSan checks for leaks at exit instead.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tensor_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define LEAKS_ASAN 1
#define DEFAULT_CYCLES 1000
#else
#define LEAKS_ASAN 0
#define DEFAULT_CYCLES 10000
#endif

#define NUM_GRAPHS 50
#define NUM_THREADS 2
#define MAX_RSS_GROWTH_KIB (8 * 1024)
#define MAX_SLOPE_KIB_PER_CYCLE 0.5
#define EXEC_MAPPING_SLACK 2
#define NUM_SAMPLES 100 /* one per 1% of the measured cycles */

static int total_cycles = DEFAULT_CYCLES;

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long size = 0, resident = 0;
    int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    if (n != 2) return -1;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Anonymous executable mappings: JIT code pages (no backing file). */
static int exec_anon_mappings(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char perms[8] = "";
        unsigned long inode = 0;
        int path_at = 0;
        if (sscanf(line, "%*s %7s %*s %*s %lu %n", perms, &inode, &path_at) < 2) continue;
        if (perms[2] != 'x') continue;
        const char *path = line + path_at;
        bool anon = inode == 0 && (path[0] == '\0' || path[0] == '\n');
        if (anon) n++;
    }
    fclose(f);
    return n;
}

/* ---- one cycle ----------------------------------------------------------- */

static tvm_context *ctx;
static atomic_int next_cycle;
static atomic_int failures;
static atomic_int measured_done; /* cycles completed after the warm-up */
static int warmup;
static pthread_barrier_t warm_barrier;

typedef struct sample {
    int cycle;
    long rss;
} sample;
static sample samples[NUM_SAMPLES + 2];
static atomic_int num_samples;

static void fail_once(const char *what, int cycle, int graph) {
    if (atomic_fetch_add(&failures, 1) < 5)
        fprintf(stderr, "cycle %d (graph %d): %s: %s\n", cycle, graph, what, tvm_last_error());
}

static void one_cycle(int cycle) {
    int k = cycle % NUM_GRAPHS;
    float c = 1.0f + 0.25f * (float)k, d = (float)(k % 7) - 3.0f;
    const char *target = k % 5 == 4 ? "interp" : "llvm"; /* cached and uncached */
    uint32_t flags = (k & 1) ? TVM_COMPILE_NO_CACHE : 0;
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) {
        fail_once("graph_create", cycle, k);
        return;
    }
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr body = tvm_add(g, tvm_mul(g, tvm_load(g, A, &i), tvm_const_float(g, TVM_FLOAT32, c)),
                            tvm_const_float(g, TVM_FLOAT32, d));
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i, body);
    tvm_compile_options o = tt_options(target, TVM_OPT_O3, flags);
    tvm_function *fn = NULL;
    if (tvm_compile(g, 1, &A, 1, &B, &o, &fn) != TVM_OK) {
        fail_once("compile", cycle, k);
        tvm_graph_destroy(g);
        return;
    }
    tvm_graph_destroy(g);
    static const int64_t lens[2] = {8, 13}; /* two entries in the shape cache */
    for (int s = 0; s < 2; s++) {
        float x[13], y[13];
        for (int e = 0; e < lens[s]; e++) {
            x[e] = (float)(e - 5);
            y[e] = -1.0f;
        }
        int64_t shape[1] = {lens[s]};
        DLTensor tx = {.data = x, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1},
                       .shape = shape};
        DLTensor ty = tx;
        ty.data = y;
        if (tvm_function_call(fn, (DLTensor *[]){&tx, &ty}, 2) != TVM_OK) {
            fail_once("call", cycle, k);
            break;
        }
        for (int e = 0; e < lens[s]; e++) {
            float want = x[e] * c + d;
            if (y[e] != want) {
                if (atomic_fetch_add(&failures, 1) < 5)
                    fprintf(stderr, "cycle %d (graph %d): B[%d] = %g, want %g\n", cycle, k, e,
                            y[e], want);
                break;
            }
        }
    }
    tvm_function_release(fn);
}

static void *worker(void *arg) {
    (void)arg;
    for (;;) { /* warm-up */
        int cyc = atomic_fetch_add(&next_cycle, 1);
        if (cyc >= warmup) break;
        one_cycle(cyc);
    }
    pthread_barrier_wait(&warm_barrier); /* main reads the reference RSS */
    pthread_barrier_wait(&warm_barrier);
    int measured = total_cycles - warmup;
    int every = measured / NUM_SAMPLES > 0 ? measured / NUM_SAMPLES : 1;
    for (;;) {
        int cyc = atomic_fetch_add(&next_cycle, 1);
        if (cyc >= total_cycles) break;
        one_cycle(cyc);
        int done = atomic_fetch_add(&measured_done, 1) + 1;
        if (done % every == 0) {
            int slot = atomic_fetch_add(&num_samples, 1);
            if (slot < (int)(sizeof samples / sizeof samples[0]))
                samples[slot] = (sample){warmup + done, rss_kib()};
        }
    }
    return NULL;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Least-squares slope of RSS (KiB) over cycles. */
static double slope(const sample *s, int n) {
    if (n < 2) return 0;
    double mx = 0, my = 0;
    for (int k = 0; k < n; k++) {
        mx += s[k].cycle;
        my += (double)s[k].rss;
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0;
    for (int k = 0; k < n; k++) {
        sxy += (s[k].cycle - mx) * ((double)s[k].rss - my);
        sxx += (s[k].cycle - mx) * (s[k].cycle - mx);
    }
    return sxx > 0 ? sxy / sxx : 0;
}

TEST(compile_call_release_soak) {
    warmup = total_cycles / 10;
    int exec_base = exec_anon_mappings();
    long rss_start = rss_kib();
    CHECK_OR_RETURN(exec_base >= 0 && rss_start > 0);
    ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    atomic_store(&next_cycle, 0);
    CHECK_OR_RETURN(pthread_barrier_init(&warm_barrier, NULL, NUM_THREADS + 1) == 0);
    pthread_t th[NUM_THREADS];
    double t0 = now_s();
    for (int t = 0; t < NUM_THREADS; t++) CHECK_OR_RETURN(pthread_create(&th[t], NULL, worker, NULL) == 0);
    pthread_barrier_wait(&warm_barrier);
    /* every warm-up cycle is done; the counter overshot by one per thread */
    atomic_store(&next_cycle, warmup);
    double t_warm = now_s();
    long rss_warm = rss_kib();
    int exec_warm = exec_anon_mappings();
    pthread_barrier_wait(&warm_barrier);
    for (int t = 0; t < NUM_THREADS; t++) pthread_join(th[t], NULL);
    double t_end = now_s();
    long rss_end = rss_kib();
    int exec_peak = exec_anon_mappings();
    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(tvm_context_stats(ctx, &st));
    tvm_context_destroy(ctx);
    ctx = NULL;
    int exec_end = exec_anon_mappings();
    long rss_freed = rss_kib();
    pthread_barrier_destroy(&warm_barrier);

    int ns = atomic_load(&num_samples);
    if (ns > (int)(sizeof samples / sizeof samples[0])) ns = (int)(sizeof samples / sizeof samples[0]);
    double sl = slope(samples, ns);
    long growth = rss_end - rss_warm;
    int measured = total_cycles - warmup;
    printf("  %d cycles (%d warm-up) on %d threads over %d graphs in %.1f s (%.2f ms/cycle; "
           "warm-up %.1f s)\n", total_cycles, warmup, NUM_THREADS, NUM_GRAPHS, t_end - t0,
           (t_end - t_warm) * 1e3 / (measured > 0 ? measured : 1), t_warm - t0);
    printf("  functions compiled %llu, function cache hits %llu, kernels compiled %llu, kernel "
           "cache hits %llu, evictions %llu\n", (unsigned long long)st.functions_compiled,
           (unsigned long long)st.function_cache_hits, (unsigned long long)st.kernels_compiled,
           (unsigned long long)st.kernel_cache_hits, (unsigned long long)st.kernel_cache_evictions);
    printf("  RSS: start %ld KiB, after warm-up %ld KiB, end %ld KiB, after destroy %ld KiB\n",
           rss_start, rss_warm, rss_end, rss_freed);
    printf("  RSS growth after warm-up: %ld KiB over %d cycles; slope %.4f KiB/cycle (%d samples)%s\n",
           growth, measured, sl, ns, LEAKS_ASAN ? " [ASan: not checked]" : "");
    printf("  anonymous executable mappings: %d before the context, %d after warm-up, %d at the "
           "end, %d after destroy\n", exec_base, exec_warm, exec_peak, exec_end);

    CHECK_EQ_INT(atomic_load(&failures), 0);
    CHECK(atomic_load(&measured_done) == measured);
    if (exec_end > exec_base + EXEC_MAPPING_SLACK || exec_end < exec_base - EXEC_MAPPING_SLACK)
        check_fail(__FILE__, __LINE__, "executable mappings after freeing everything: %d, "
                   "baseline %d (+-%d allowed)", exec_end, exec_base, EXEC_MAPPING_SLACK);
    if (!LEAKS_ASAN) {
        if (growth > MAX_RSS_GROWTH_KIB)
            check_fail(__FILE__, __LINE__, "RSS grew by %ld KiB after the warm-up (at most %d)",
                       growth, MAX_RSS_GROWTH_KIB);
        if (sl > MAX_SLOPE_KIB_PER_CYCLE)
            check_fail(__FILE__, __LINE__, "RSS slope %.4f KiB/cycle (at most %.1f)", sl,
                       MAX_SLOPE_KIB_PER_CYCLE);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9') {
        total_cycles = atoi(argv[1]);
        if (total_cycles < 20) total_cycles = 20;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    unsetenv("TVMC_DUMP_IR");
    return check_run_all(argc, argv);
}
