/* main.c — test_diff: the differential test of tvmc (RELIABILITY.md G1, G5).
 *
 *   test_diff [--cases N] [--seconds T] [--seed S] [--case K] [--min-cases M]
 *             [--jobs J] [--chunk C] [--max-ops N] [--max-dim D] [--variant V]
 *             [--no-systematic] [--regress FILE] [--no-regress] [--no-coverage]
 *             [--no-shrink] [--emit-c] [--verbose] [--no-fork]
 *
 * Runs until N valid (not mistrusted) cases or T seconds, whichever comes
 * first, and fails if fewer than M valid cases completed, if any case failed
 * or crashed, or if the coverage floor was missed (every legal op kind x
 * dtype pair, every cast, every op kind at every vector-tail extent, every
 * builder function). The first cases of every run are the systematic ones
 * (one per legal pair); then random cases. Cases from the regression list
 * (regress.txt) are replayed before everything else.
 *
 * Cases run in forked worker processes (--jobs of them, each taking chunks
 * of --chunk cases), so a crash in the library is caught: the worker writes
 * the case it is running to shared memory, and the parent names it, prints
 * its graph and goes on with the rest of the chunk in a new worker. A case
 * that runs longer than 120 s is killed and reported as a hang.
 *
 * The seed is TVMC_SEED when set, else derived from the git commit of the
 * source tree (so every commit explores new programs), else from the time.
 * --case K replays one case of a run with --seed S; --max-ops / --max-dim /
 * --variant name the shrunk variants a failure report prints; --emit-c adds
 * a standalone C program that rebuilds the case through the public API.
 *
 * Cost (2 cores, 2 jobs, LLVM 19): the standard tier (5,000 valid cases,
 * about 6,300 generated, ~20% of them mistrusted) took 343-411 s of wall time
 * in two runs. About 90% of the worker time is LLVM at O3 (tvm_compile, and
 * the specialisations compiled on the first call of symbolic graphs). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <ucontext.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"

#ifndef TVMC_DIFF_DIR
#define TVMC_DIFF_DIR "test/diff"
#endif
#ifndef TVMC_SOURCE_DIR
#define TVMC_SOURCE_DIR "."
#endif

#define CHUNK_MAX 256
#define MAX_JOBS 16

/* failure kinds counted separately in the summary (oracle.c names them) */
static const char *const KINDS[] = {"mismatch", "nondeterministic", "compile", "call",
                                    "output-shape", "cache", "input-modified", "arg-info",
                                    "builder", "print", "harness"};
#define NKINDS ((int)(sizeof KINDS / sizeof KINDS[0]))

static int kind_index(const char *k) {
    for (int i = 0; i < NKINDS; i++)
        if (!strcmp(k, KINDS[i])) return i;
    return NKINDS - 1;
}

typedef struct item {
    uint64_t seed, index;
    int max_ops, max_dim, variant;
    bool systematic;
    bool regress;
} item;

typedef struct slot {
    volatile int32_t cur;  /* item being run */
    volatile int32_t done; /* items finished */
    volatile int32_t stop; /* parent: stop after the current item */
    volatile int32_t valid, mistrusted, failed;
    int32_t by_kind[16];
    double compile_s[NTIMES], call_s[NTIMES];
    volatile double case_start;
    int32_t nitems;
    item items[CHUNK_MAX];
    coverage cov;
    char progress[DIFF_PROGRESS_LEN];
    char where[128];
    /* parent side */
    pid_t pid;
    int active;
    double started;
} slot;

typedef struct options {
    long cases, min_cases;
    double seconds;
    uint64_t seed;
    bool have_case;
    uint64_t the_case;
    int jobs, chunk;
    int max_ops, max_dim, variant;
    double case_timeout;
    bool systematic, regress, coverage, shrink, emit_c, verbose, fork, show_mistrusted;
    const char *regress_file;
} options;

static void usage(void) {
    fprintf(stderr,
            "usage: test_diff [--cases N] [--seconds T] [--seed S] [--case K] [--min-cases M]\n"
            "                 [--jobs J] [--chunk C] [--case-timeout S] [--max-ops N] [--max-dim D]\n"
            "                 [--variant V]\n"
            "                 [--no-systematic] [--regress FILE] [--no-regress] [--no-coverage]\n"
            "                 [--no-shrink] [--emit-c] [--verbose] [--no-fork]\n");
}

/* ---- the default seed ------------------------------------------------------------ */

static bool read_line(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    if (ok) buf[strcspn(buf, "\r\n")] = 0;
    return ok;
}

static bool hex_to_seed(const char *h, uint64_t *out) {
    uint64_t s = 0;
    int n = 0;
    for (; *h && n < 16; h++, n++) {
        int v;
        if (*h >= '0' && *h <= '9') v = *h - '0';
        else if (*h >= 'a' && *h <= 'f') v = *h - 'a' + 10;
        else if (*h >= 'A' && *h <= 'F') v = *h - 'A' + 10;
        else return false;
        s = s << 4 | (uint64_t)v;
    }
    if (n < 16) return false;
    *out = s;
    return true;
}

/* The commit hash from .git (a directory, or a file naming the gitdir). */
static bool git_seed(uint64_t *out, char *desc, size_t cap) {
    char gitdir[2048], line[512], path[4096];
    snprintf(gitdir, sizeof gitdir, "%s/.git", TVMC_SOURCE_DIR);
    if (read_line(gitdir, line, sizeof line) && strncmp(line, "gitdir: ", 8) == 0) {
        if (line[8] == '/') snprintf(gitdir, sizeof gitdir, "%.500s", line + 8);
        else snprintf(gitdir, sizeof gitdir, "%.1000s/%.500s", TVMC_SOURCE_DIR, line + 8);
    }
    snprintf(path, sizeof path, "%s/HEAD", gitdir);
    if (!read_line(path, line, sizeof line)) return false;
    char hash[128] = "";
    if (strncmp(line, "ref: ", 5) == 0) {
        char ref[512];
        snprintf(ref, sizeof ref, "%.500s", line + 5);
        snprintf(path, sizeof path, "%s/%s", gitdir, ref);
        if (!read_line(path, hash, sizeof hash)) {
            /* packed refs */
            snprintf(path, sizeof path, "%s/packed-refs", gitdir);
            FILE *f = fopen(path, "r");
            if (!f) return false;
            while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\r\n")] = 0;
                char *sp = strchr(line, ' ');
                if (sp && strcmp(sp + 1, ref) == 0) {
                    *sp = 0;
                    snprintf(hash, sizeof hash, "%.100s", line);
                    break;
                }
            }
            fclose(f);
        }
    } else {
        snprintf(hash, sizeof hash, "%.100s", line);
    }
    if (!hex_to_seed(hash, out)) return false;
    snprintf(desc, cap, "git commit %.12s", hash);
    return true;
}

static uint64_t default_seed(char *desc, size_t cap) {
    const char *env = getenv("TVMC_SEED");
    if (env && *env) {
        snprintf(desc, cap, "TVMC_SEED");
        return strtoull(env, NULL, 0);
    }
    uint64_t s;
    if (git_seed(&s, desc, cap)) return s;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(desc, cap, "time");
    return splitmix64((uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                      (uint64_t)getpid() << 32);
}

/* ---- the regression list ------------------------------------------------------------ */

/* Lines: SEED CASE [--max-ops N] [--max-dim D] [--variant V] [--no-systematic]
 * [# why]. Lines starting with '#' are comments (and disabled entries). */
static int load_regress(const char *path, item *out, int cap) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    int n = 0, lineno = 0;
    while (fgets(line, sizeof line, f) && n < cap) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *tok[16];
        int nt = 0;
        for (char *p = strtok(line, " \t\r\n"); p && nt < 16; p = strtok(NULL, " \t\r\n"))
            tok[nt++] = p;
        if (nt == 0) continue;
        if (nt < 2) {
            fprintf(stderr, "%s:%d: want 'SEED CASE [options]'\n", path, lineno);
            continue;
        }
        item it = {.seed = strtoull(tok[0], NULL, 0), .index = strtoull(tok[1], NULL, 0),
                   .systematic = true, .regress = true};
        for (int i = 2; i < nt; i++) {
            if (!strcmp(tok[i], "--max-ops") && i + 1 < nt) it.max_ops = atoi(tok[++i]);
            else if (!strcmp(tok[i], "--max-dim") && i + 1 < nt) it.max_dim = atoi(tok[++i]);
            else if (!strcmp(tok[i], "--variant") && i + 1 < nt) it.variant = atoi(tok[++i]);
            else if (!strcmp(tok[i], "--no-systematic")) it.systematic = false;
            else fprintf(stderr, "%s:%d: unknown option '%s'\n", path, lineno, tok[i]);
        }
        out[n++] = it;
    }
    fclose(f);
    return n;
}

/* ---- crash attribution ---------------------------------------------------------------- */

/* A worker records where a fatal signal hit (the module holding the faulting
 * instruction: JIT-compiled code has none) before dying of it, so a report
 * can tell a kernel fault from a compiler crash. The test installs these
 * handlers in its own worker processes; the library never does. */
static char *crash_where;

static void on_fatal(int sig, siginfo_t *si, void *uc_) {
    if (crash_where) {
        void *pc = NULL;
#if defined(__x86_64__)
        pc = (void *)((ucontext_t *)uc_)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
        pc = (void *)((ucontext_t *)uc_)->uc_mcontext.pc;
#endif
        Dl_info info;
        const char *mod = "JIT-compiled code";
        if (pc && dladdr(pc, &info) && info.dli_fname) {
            mod = strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname;
        }
        snprintf(crash_where, 120, "%s at %p in %s (fault address %p)", strsignal(sig), pc, mod,
                 si ? si->si_addr : NULL);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fatal_handlers(char *where) {
    crash_where = where;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

/* "SIGSEGV in libLLVM.so.19.1": the part of crash_where a shrinker compares */
static void crash_kind(const char *where, char *out, size_t cap) {
    const char *in = strstr(where, " in ");
    const char *paren = strstr(where, " (fault");
    size_t n = 0;
    const char *sp = strstr(where, " at ");
    if (sp) n = (size_t)(sp - where);
    snprintf(out, cap, "%.*s%.*s", (int)n, where,
             in && paren && paren > in ? (int)(paren - in) : 0, in ? in : "");
}

/* ---- workers ----------------------------------------------------------------------- */

static tvm_context *make_context(int fcache, int scache) {
    tvm_context_options o = {.struct_size = sizeof o, .num_threads = 1,
                             .function_cache_capacity = fcache,
                             .shape_cache_capacity = scache};
    tvm_context *ctx = NULL;
    if (tvm_context_create(&o, &ctx) != TVM_OK) {
        fprintf(stderr, "test_diff: tvm_context_create: %s\n", tvm_last_error());
        return NULL;
    }
    return ctx;
}

static volatile int *run_failures; /* shared by the workers and the parent */
static volatile uint8_t *sys_seen;  /* systematic case k finished (or crashed) */

static gen_params params_of(const item *it) {
    return (gen_params){.seed = it->seed, .index = it->index, .max_ops = it->max_ops,
                        .max_dim = it->max_dim, .variant = it->variant,
                        .systematic = it->systematic};
}

static void worker(slot *s, const options *o) {
    run_env env = {.verbose = o->verbose, .emit_c = o->emit_c, .shrink = o->shrink,
                   .shrink_seconds = 20, .show_mistrusted = o->show_mistrusted,
                   .failures = run_failures};
    env.ctx = make_context(0, 0);
    env.small_ctx = make_context(4, 1);
    if (!env.ctx || !env.small_ctx) _exit(3);
    diff_progress = s->progress;
    install_fatal_handlers(s->where);
    int nsys = systematic_count();
    for (int i = 0; i < s->nitems; i++) {
        if (s->stop) break;
        s->case_start = now_seconds();
        snprintf(s->progress, sizeof s->progress, "generating");
        __atomic_store_n(&s->cur, i, __ATOMIC_SEQ_CST);
        case_result res;
        gen_params p = params_of(&s->items[i]);
        run_case(&env, &p, &res);
        coverage_merge(&s->cov, &res.cov);
        for (int t = 0; t < NTIMES; t++) {
            s->compile_s[t] += res.compile_s[t];
            s->call_s[t] += res.call_s[t];
        }
        if (res.status == CASE_VALID) s->valid++;
        else if (res.status == CASE_MISTRUSTED) s->mistrusted++;
        else {
            s->failed++;
            s->by_kind[kind_index(res.kind)]++;
        }
        if (!s->items[i].regress && s->items[i].systematic && s->items[i].index < (uint64_t)nsys)
            sys_seen[s->items[i].index] = 1;
        __atomic_store_n(&s->done, i + 1, __ATOMIC_SEQ_CST);
    }
    tvm_context_destroy(env.small_ctx);
    tvm_context_destroy(env.ctx);
    fflush(stdout);
    _exit(0);
}

/* In a fresh process: the graph of a case whose worker died. */
static void describe_crashed(const item *it, const options *o, const char *title) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60);
        run_env env = {.verbose = o->verbose, .emit_c = o->emit_c};
        env.ctx = make_context(0, 0);
        env.small_ctx = make_context(4, 1);
        if (!env.ctx || !env.small_ctx) _exit(3);
        gen_params p = params_of(it);
        print_case(&env, &p, title);
        fflush(stdout);
        _exit(0);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

/* Runs one item in a fresh process with its output discarded; returns the
 * signal that killed it (0 if none), -1 on a timeout. */
static int crash_signal(const item *it, double timeout, char *where) {
    fflush(stdout);
    where[0] = 0;
    pid_t pid = fork();
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        install_fatal_handlers(where);
        run_env env = {0};
        env.ctx = make_context(0, 0);
        env.small_ctx = make_context(4, 1);
        if (!env.ctx || !env.small_ctx) _exit(3);
        gen_params p = params_of(it);
        case_result res;
        run_case(&env, &p, &res);
        _exit(0);
    }
    if (pid < 0) return 0;
    double t0 = now_seconds();
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (now_seconds() - t0 > timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(2000);
    }
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* The crash shrinker: the same case number with fewer operations, smaller
 * dims or another random stream, smallest one that still crashes. */
static void shrink_crash(const item *it, const options *o, int sig, const char *where,
                         double budget) {
    double t0 = now_seconds();
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return;
    char want[128], got_kind[128];
    crash_kind(where, want, sizeof want);
    static const int dims[] = {9, 17, 33, 0};
    for (int ops = 1; ops <= 11; ops++)
        for (int v = 0; v < 6; v++)
            for (int di = 0; di < 4; di++) {
                if (now_seconds() - t0 > budget) {
                    printf("--- no smaller variant crashing the same way found in %.0f s\n",
                           budget);
                    munmap(shared, 4096);
                    return;
                }
                item t = *it;
                t.max_ops = ops;
                t.max_dim = dims[di];
                t.variant = v;
                int got = crash_signal(&t, 20, shared);
                crash_kind(shared, got_kind, sizeof got_kind);
                if (got == sig && strcmp(got_kind, want) == 0) {
                    char title[256];
                    snprintf(title, sizeof title, "--- shrunk to (also %s)", got_kind);
                    describe_crashed(&t, o, title);
                    munmap(shared, 4096);
                    return;
                }
            }
    printf("--- no smaller variant crashing the same way found\n");
    munmap(shared, 4096);
}

/* ---- the parent ---------------------------------------------------------------------- */

typedef struct totals {
    long valid, mistrusted, failed, crashes, hangs, sys_done;
    long by_kind[16];
    double compile_s[NTIMES], call_s[NTIMES];
    long regress_run, regress_failed;
    coverage cov;
} totals;

static void account(totals *t, const slot *s) {
    t->valid += s->valid;
    t->mistrusted += s->mistrusted;
    t->failed += s->failed;
    for (int i = 0; i < NKINDS; i++) t->by_kind[i] += s->by_kind[i];
    for (int i = 0; i < NTIMES; i++) {
        t->compile_s[i] += s->compile_s[i];
        t->call_s[i] += s->call_s[i];
    }
    coverage_merge(&t->cov, &s->cov);
}

static int run_parent(const options *o, item *regress, int nregress) {
    int jobs = o->jobs;
    slot *slots = mmap(NULL, sizeof(slot) * (size_t)jobs, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    memset(slots, 0, sizeof(slot) * (size_t)jobs);
    totals T = {0};
    int nsys = o->systematic ? systematic_count() : 0;
    /* work sources: requeued items (after a crash), regression items, the run */
    item *pending = malloc(sizeof(item) * CHUNK_MAX * (size_t)jobs + sizeof(item));
    int npending = 0, next_regress = 0;
    uint64_t next_index = 0;
    double t0 = now_seconds();
    bool stopping = false;
    for (;;) {
        /* live progress */
        long live_valid = T.valid;
        int active = 0;
        for (int j = 0; j < jobs; j++)
            if (slots[j].active) {
                live_valid += slots[j].valid;
                active++;
            }
        long main_valid = live_valid; /* replayed regression cases count too */
        T.sys_done = 0;
        for (int k = 0; k < nsys; k++) T.sys_done += sys_seen[k];
        bool sys_complete = T.sys_done >= nsys;
        if (!stopping && now_seconds() - t0 > o->seconds) {
            stopping = true;
            printf("diff: time limit of %.0f s reached\n", o->seconds);
        }
        if (!stopping && main_valid >= o->cases && sys_complete && next_regress >= nregress &&
            npending == 0)
            stopping = true;
        if (stopping)
            for (int j = 0; j < jobs; j++)
                if (slots[j].active) slots[j].stop = 1;
        /* launch */
        for (int j = 0; j < jobs && !stopping; j++) {
            slot *s = &slots[j];
            if (s->active) continue;
            int want = o->chunk;
            long remaining = o->cases - main_valid;
            if (remaining < (long)want * jobs) {
                long w = remaining / jobs + 4;
                if (w < want) want = (int)(w < 8 ? 8 : w);
            }
            if (want > CHUNK_MAX) want = CHUNK_MAX;
            int n = 0;
            while (n < want && npending > 0) s->items[n++] = pending[--npending];
            while (n < want && next_regress < nregress) s->items[n++] = regress[next_regress++];
            while (n < want && n < CHUNK_MAX) {
                item it = {.seed = o->seed, .index = next_index++, .systematic = o->systematic,
                           .max_ops = o->max_ops, .max_dim = o->max_dim, .variant = o->variant};
                s->items[n++] = it;
            }
            s->nitems = n;
            s->cur = -1;
            s->done = 0;
            s->stop = 0;
            s->valid = s->mistrusted = s->failed = 0;
            memset(s->compile_s, 0, sizeof s->compile_s);
            memset(s->by_kind, 0, sizeof s->by_kind);
            memset(s->call_s, 0, sizeof s->call_s);
            memset(&s->cov, 0, sizeof s->cov);
            s->case_start = now_seconds();
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0) {
                perror("fork");
                return 2;
            }
            if (pid == 0) worker(s, o);
            s->pid = pid;
            s->active = 1;
            s->started = now_seconds();
            active++;
        }
        if (stopping && active == 0) break;
        /* reap */
        for (int j = 0; j < jobs; j++) {
            slot *s = &slots[j];
            if (!s->active) continue;
            int status;
            pid_t r = waitpid(s->pid, &status, WNOHANG);
            if (r == 0) {
                int cur = s->cur;
                if (cur >= 0 && cur < s->nitems && now_seconds() - s->case_start > o->case_timeout) {
                    kill(s->pid, SIGKILL);
                    waitpid(s->pid, &status, 0);
                    r = s->pid;
                    status = -1; /* hang */
                } else {
                    continue;
                }
            }
            s->active = 0;
            account(&T, s);
            for (int i = 0; i < s->done; i++)
                if (s->items[i].regress) T.regress_run++;
            bool clean = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!clean) {
                int cur = s->cur;
                if (cur < 0) cur = 0;
                item *it = &s->items[cur];
                char title[400];
                if (status == -1) {
                    T.hangs++;
                    snprintf(title, sizeof title, "\n=== HANG (killed after %.0f s) while %s, in",
                             o->case_timeout, s->progress);
                } else {
                    T.crashes++;
                    if (WIFSIGNALED(status))
                        snprintf(title, sizeof title, "\n=== CRASH (signal %d) %s while %s, in",
                                 WTERMSIG(status), s->where[0] ? s->where : strsignal(WTERMSIG(status)),
                                 s->progress);
                    else
                        snprintf(title, sizeof title, "\n=== CRASH (worker exit status %d) while "
                                 "%s, in", WEXITSTATUS(status), s->progress);
                }
                if (it->regress) T.regress_failed++;
                int nth = __atomic_fetch_add(run_failures, 1, __ATOMIC_SEQ_CST);
                if (nth < FULL_REPORTS) {
                    describe_crashed(it, o, title);
                    if (o->shrink && nth < SHRINK_REPORTS && status != -1 && WIFSIGNALED(status))
                        shrink_crash(it, o, WTERMSIG(status), s->where, 30);
                    printf("=== END FAILURE\n");
                } else {
                    printf("%s seed 0x%016llx case %llu\n", title + 1,
                           (unsigned long long)it->seed, (unsigned long long)it->index);
                }
                if (!it->regress && it->systematic && it->index < (uint64_t)nsys)
                    sys_seen[it->index] = 1;
                /* the rest of the chunk goes to another worker */
                for (int i = cur + 1; i < s->nitems && !stopping; i++)
                    pending[npending++] = s->items[i];
            }
        }
        usleep(5000);
    }
    double dt = now_seconds() - t0;
    int rc = 0;
    T.sys_done = 0;
    for (int k = 0; k < nsys; k++) T.sys_done += sys_seen[k];
    long mism = T.failed;
    printf("diff: %ld valid cases (%ld mistrusted), %ld mismatches, %ld crashes%s, "
           "seed 0x%016llx, %.1f s, %d jobs\n",
           T.valid, T.mistrusted, mism, T.crashes + T.hangs, T.hangs ? " (incl. hangs)" : "",
           (unsigned long long)o->seed, dt, jobs);
    if (mism) {
        printf("diff: failures by kind:");
        for (int i = 0; i < NKINDS; i++)
            if (T.by_kind[i]) printf(" %s %ld", KINDS[i], T.by_kind[i]);
        printf("\n");
    }
    if (nregress)
        printf("diff: %ld of %d regression cases replayed\n", T.regress_run, nregress);
    printf("diff: worker time %.1f s: compile interp %.1f, llvm O0 %.1f, llvm O3 %.1f, other %.1f; "
           "calls interp %.1f, O0 %.1f, O3 %.1f, other %.1f\n",
           T.compile_s[T_TOTAL], T.compile_s[T_REF], T.compile_s[T_O0], T.compile_s[T_O3],
           T.compile_s[T_OTHER], T.call_s[T_REF], T.call_s[T_O0], T.call_s[T_O3],
           T.call_s[T_OTHER]);
    if (mism || T.crashes || T.hangs) rc = 1;
    if (T.valid < o->min_cases) {
        printf("diff: FAILED: only %ld valid cases, fewer than --min-cases %ld\n", T.valid,
               o->min_cases);
        rc = 1;
    }
    if (o->coverage && o->systematic) {
        if (T.sys_done < nsys) {
            printf("diff: FAILED: the run ended before its %d systematic cases (%ld done); "
                   "coverage floor not reached; not run:", nsys, T.sys_done);
            for (int k = 0, shown = 0; k < nsys && shown < 20; k++)
                if (!sys_seen[k]) printf(" %d", k), shown++;
            printf("\n");
            rc = 1;
        } else {
            char buf[16384];
            int miss = coverage_missing(&T.cov, buf, sizeof buf);
            if (miss) {
                printf("diff: FAILED: coverage floor: %d items never exercised:\n%s", miss, buf);
                rc = 1;
            } else {
                printf("diff: coverage floor met (all legal op x dtype pairs, casts, vector "
                       "tails, builder functions)\n");
            }
        }
    }
    free(pending);
    munmap(slots, sizeof(slot) * (size_t)jobs);
    return rc;
}

/* One case, in a forked child unless --no-fork. */
static int run_single(const options *o) {
    item it = {.seed = o->seed, .index = o->the_case, .max_ops = o->max_ops,
               .max_dim = o->max_dim, .variant = o->variant, .systematic = o->systematic};
    options o2 = *o;
    if (!o->fork) {
        run_env env = {.verbose = true, .emit_c = o->emit_c, .shrink = o->shrink,
                       .shrink_seconds = 60};
        env.ctx = make_context(0, 0);
        env.small_ctx = make_context(4, 1);
        if (!env.ctx || !env.small_ctx) return 2;
        case_result res;
        gen_params p = params_of(&it);
        run_case(&env, &p, &res);
        tvm_context_destroy(env.small_ctx);
        tvm_context_destroy(env.ctx);
        printf("diff: case %llu: %s\n", (unsigned long long)it.index,
               res.status == CASE_VALID ? "valid" : res.status == CASE_MISTRUSTED ? "mistrusted"
                                                                                  : "FAILED");
        return res.status == CASE_FAILED;
    }
    o2.jobs = 1;
    o2.verbose = true;
    slot *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) return 2;
    memset(s, 0, sizeof *s);
    s->nitems = 1;
    s->items[0] = it;
    s->cur = -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) worker(s, &o2);
    int status = 0;
    waitpid(pid, &status, 0);
    int rc;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = s->failed != 0;
        printf("diff: case %llu: %s\n", (unsigned long long)it.index,
               s->valid ? "valid" : s->mistrusted ? "mistrusted" : "FAILED");
    } else {
        char title[400];
        snprintf(title, sizeof title, "\n=== CRASH (%s %d) %s while %s, in",
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), s->where,
                 s->progress);
        describe_crashed(&it, o, title);
        if (o->shrink && WIFSIGNALED(status))
            shrink_crash(&it, o, WTERMSIG(status), s->where, 60);
        rc = 1;
    }
    munmap(s, sizeof *s);
    return rc;
}

int main(int argc, char **argv) {
    options o = {.cases = 5000, .seconds = 600, .min_cases = 0, .chunk = 200, .case_timeout = 120,
                 .systematic = true, .regress = true, .coverage = true, .shrink = true,
                 .fork = true, .regress_file = NULL};
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = nproc > 0 ? (int)(nproc < 4 ? nproc : 4) : 1;
    if (getenv("TVMC_DIFF_JOBS")) o.jobs = atoi(getenv("TVMC_DIFF_JOBS"));
    bool have_seed = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEXT()                                                          \
    do {                                                                \
        if (!v) {                                                       \
            fprintf(stderr, "test_diff: %s needs a value\n", a);        \
            usage();                                                    \
            return 2;                                                   \
        }                                                               \
        i++;                                                            \
    } while (0)
        if (!strcmp(a, "--cases")) { NEXT(); o.cases = strtol(v, NULL, 0); }
        else if (!strcmp(a, "--seconds")) { NEXT(); o.seconds = strtod(v, NULL); }
        else if (!strcmp(a, "--seed")) { NEXT(); o.seed = strtoull(v, NULL, 0); have_seed = true; }
        else if (!strcmp(a, "--case")) { NEXT(); o.the_case = strtoull(v, NULL, 0); o.have_case = true; }
        else if (!strcmp(a, "--min-cases")) { NEXT(); o.min_cases = strtol(v, NULL, 0); }
        else if (!strcmp(a, "--jobs")) { NEXT(); o.jobs = atoi(v); }
        else if (!strcmp(a, "--chunk")) { NEXT(); o.chunk = atoi(v); }
        else if (!strcmp(a, "--case-timeout")) { NEXT(); o.case_timeout = strtod(v, NULL); }
        else if (!strcmp(a, "--max-ops")) { NEXT(); o.max_ops = atoi(v); }
        else if (!strcmp(a, "--max-dim")) { NEXT(); o.max_dim = atoi(v); }
        else if (!strcmp(a, "--variant")) { NEXT(); o.variant = atoi(v); }
        else if (!strcmp(a, "--regress")) { NEXT(); o.regress_file = v; }
        else if (!strcmp(a, "--no-systematic")) o.systematic = false;
        else if (!strcmp(a, "--no-regress")) o.regress = false;
        else if (!strcmp(a, "--no-coverage")) o.coverage = false;
        else if (!strcmp(a, "--no-shrink")) o.shrink = false;
        else if (!strcmp(a, "--emit-c")) o.emit_c = true;
        else if (!strcmp(a, "--verbose")) o.verbose = true;
        else if (!strcmp(a, "--show-mistrusted")) o.show_mistrusted = true;
        else if (!strcmp(a, "--no-fork")) o.fork = false;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        else {
            fprintf(stderr, "test_diff: unknown argument '%s'\n", a);
            usage();
            return 2;
        }
#undef NEXT
    }
    if (o.jobs < 1) o.jobs = 1;
    if (o.jobs > MAX_JOBS) o.jobs = MAX_JOBS;
    if (o.chunk < 1) o.chunk = 1;
    if (o.chunk > CHUNK_MAX) o.chunk = CHUNK_MAX;
    char desc[64] = "--seed";
    if (!have_seed) o.seed = default_seed(desc, sizeof desc);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("diff: seed 0x%016llx (%s), tvmc %s\n", (unsigned long long)o.seed, desc,
           tvm_version());
    run_failures = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    if (run_failures == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    *run_failures = 0;
    sys_seen = mmap(NULL, (size_t)systematic_count() + 1, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sys_seen == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    if (o.have_case) return run_single(&o);

    item regress[512];
    int nregress = 0;
    if (o.regress) {
        char path[1024];
        const char *file = o.regress_file ? o.regress_file : getenv("TVMC_DIFF_REGRESS");
        if (!file) {
            snprintf(path, sizeof path, "%s/regress.txt", TVMC_DIFF_DIR);
            file = path;
        }
        nregress = load_regress(file, regress, 512);
        if (nregress < 0) {
            printf("diff: no regression list at %s\n", file);
            nregress = 0;
        } else {
            printf("diff: replaying %d regression cases from %s\n", nregress, file);
        }
    }
    printf("diff: until %ld valid cases or %.0f s (at least %ld), %d systematic cases first, "
           "%d jobs\n", o.cases, o.seconds, o.min_cases, o.systematic ? systematic_count() : 0,
           o.jobs);
    return run_parent(&o, regress, nregress);
}
