/* test_hygiene.c — G13: tvmc leaves the host process as it found it.
 *
 * One API sequence (context, builder, compile, cache hit, queries, source,
 * calls on two shapes, error calls, teardown) runs on both targets while each
 * test watches one kind of global state:
 *   - signal dispositions of every signal, the signal mask, the alternate
 *     signal stack;
 *   - the floating-point environment around every single API call: MXCSR
 *     control bits, the x87 control word and fegetround(), first with the
 *     default environment, then with FE_UPWARD + FTZ + DAZ set by the host
 *     and every exception flag raised (the library must neither change the
 *     controls nor clear the host's flags). Raw fegetenv() bytes are not
 *     compared: they hold the x87 last-instruction pointer and opcode, which
 *     any x87 instruction anywhere changes. Kernel results under the host's
 *     odd modes are compared with the default ones as well: the header
 *     promises round-to-nearest-even, which both targets miss today
 *     (known_fp_failures[], printed on every run);
 *   - the locale (setlocale(LC_ALL, NULL) and the thread's uselocale);
 *   - the thread count (/proc/self/task): no thread before the first
 *     parallel call (create and compile start none), at most num_threads - 1
 *     workers after it, and back to the starting count after destroy;
 *   - bytes written to fds 1 and 2 (none unless TVMC_DUMP_IR is set; a
 *     re-executed child with TVMC_DUMP_IR=1 checks the capture itself);
 *   - dlopen/dlclose of the library 100 times (hygiene_dlopen, a helper not
 *     linked with tvmc, so the library really unloads; LSan checks it in the
 *     ASan build);
 *   - fork after init: 100 children each build a fresh context, compile and
 *     call (a deadlock is caught by alarm()).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "check.h"
#include "tensor_util.h"

extern char **environ;

/* ========================================================================= */
/* FP environment checks around every call                                    */
/* ========================================================================= */

typedef struct fp_state {
    int round;
    unsigned mxcsr;      /* full register */
    unsigned x87_cw;     /* x87 control word */
    int flags;           /* fetestexcept(FE_ALL_EXCEPT) */
} fp_state;

static fp_state fp_read(void) {
    fp_state s;
    memset(&s, 0, sizeof s);
    s.round = fegetround();
    s.flags = fetestexcept(FE_ALL_EXCEPT);
#if defined(__x86_64__)
    s.mxcsr = _mm_getcsr();
    fenv_t env;
    fegetenv(&env);
    s.x87_cw = env.__control_word;
#endif
    return s;
}

#define MXCSR_FLAGS 0x3fu /* sticky exception flags; the rest are controls */

static int fp_mode;          /* 0: off, 1: default env, 2: FE_UPWARD + FTZ + DAZ + flags raised */
static fp_state fp_host;     /* controls the host set for this mode */
static int fp_checked;       /* calls checked */
static int fp_bad;           /* calls that changed the environment */

static void fp_before(void) {
    if (!fp_mode) return;
    if (fp_mode == 2) {
        feraiseexcept(FE_ALL_EXCEPT); /* traps are masked: only sets the flags */
#if defined(__x86_64__)
        _mm_setcsr(_mm_getcsr() | MXCSR_FLAGS); /* every SSE flag, denormal included */
#endif
    } else {
        feclearexcept(FE_ALL_EXCEPT);
    }
}

static void fp_after(const char *call, int line) {
    if (!fp_mode) return;
    fp_state s = fp_read();
    fp_checked++;
    bool ok = s.round == fp_host.round && s.x87_cw == fp_host.x87_cw &&
              (s.mxcsr & ~MXCSR_FLAGS) == (fp_host.mxcsr & ~MXCSR_FLAGS);
    if (fp_mode == 2 && (s.flags != FE_ALL_EXCEPT || (s.mxcsr & MXCSR_FLAGS) != MXCSR_FLAGS))
        ok = false; /* the host's flags were cleared */
    if (!ok && fp_bad++ < 10)
        check_fail(__FILE__, line, "%s changed the FP environment: round %d->%d, MXCSR "
                   "0x%04x->0x%04x, x87 CW 0x%04x->0x%04x, flags 0x%x after (mode %d)", call,
                   fp_host.round, s.round, fp_host.mxcsr, s.mxcsr, fp_host.x87_cw, s.x87_cw,
                   s.flags, fp_mode);
    /* restore so one bad call is reported once */
    if (!ok) {
        fesetround(fp_host.round);
#if defined(__x86_64__)
        _mm_setcsr(fp_host.mxcsr);
#endif
    }
}

/* Wraps one API call: the FP environment is checked around it. */
#define API(call)                                                              \
    __extension__({                                                            \
        fp_before();                                                           \
        __typeof__(call) api_r_ = (call);                                      \
        fp_after(#call, __LINE__);                                             \
        api_r_;                                                                \
    })
#define API_VOID(call)                                                         \
    do {                                                                       \
        fp_before();                                                           \
        call;                                                                  \
        fp_after(#call, __LINE__);                                             \
    } while (0)

/* ========================================================================= */
/* The API sequence                                                           */
/* ========================================================================= */

typedef struct seq_result {
    bool ok;
    float sum_rounding;   /* 1 + 2^-30 in float32: 1 under round-to-nearest */
    float denormal;       /* 1e-40f + 0: a denormal unless DAZ/FTZ apply */
} seq_result;

/* Runs every kind of API call once or more on target; returns false (after
 * recording a check failure) if a call that must succeed did not. */
static seq_result run_sequence(const char *target, int num_threads) {
    seq_result res = {false, 0, 0};
    (void)API(tvm_version());
    (void)API(tvm_status_string(TVM_ERR_SHAPE));
    tvm_context_options co;
    memset(&co, 0, sizeof co);
    co.struct_size = sizeof co;
    co.num_threads = num_threads;
    tvm_context *ctx = NULL;
    if (!CHECK_OK(API(tvm_context_create(&co, &ctx)))) return res;
    (void)API(tvm_context_num_threads(ctx));

    tvm_graph *g = API(tvm_graph_create(ctx));
    if (!g) {
        check_fail(__FILE__, __LINE__, "tvm_graph_create failed");
        tvm_context_destroy(ctx);
        return res;
    }
    tvm_expr n = API(tvm_size_var(g, "n"));
    tvm_expr i = API(tvm_iter_var(g, "i"));
    tvm_tensor A = API(tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n));
    tvm_tensor B = API(tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n));
    tvm_expr a = API(tvm_load(g, A, &i)), b = API(tvm_load(g, B, &i));
    tvm_expr third = API(tvm_const_float(g, TVM_FLOAT32, 1.0 / 3.0));
    tvm_expr half = API(tvm_const_float(g, TVM_FLOAT16, 0.1));
    tvm_expr e1 = API(tvm_mul(g, API(tvm_div(g, a, third)), third));
    tvm_expr e2 = API(tvm_add(g, API(tvm_exp(g, API(tvm_neg(g, API(tvm_abs(g, b)))))),
                              API(tvm_sqrt(g, API(tvm_abs(g, a))))));
    tvm_expr e3 = API(tvm_add(g, API(tvm_tanh(g, a)), API(tvm_sigmoid(g, b))));
    tvm_expr e4 = API(tvm_add(g, API(tvm_erf(g, a)),
                              API(tvm_pow(g, API(tvm_abs(g, a)), API(tvm_const_float(g, TVM_FLOAT32, 0.5))))));
    tvm_expr e5 = API(tvm_cast(g, TVM_FLOAT32, API(tvm_mul(g, API(tvm_cast(g, TVM_FLOAT16, a)), half))));
    tvm_expr cond = API(tvm_lt(g, a, b));
    tvm_expr sel = API(tvm_select(g, cond, API(tvm_log(g, API(tvm_add(g, API(tvm_abs(g, a)),
                                                                          third)))),
                                  API(tvm_rsqrt(g, API(tvm_add(g, API(tvm_abs(g, b)), third))))));
    tvm_expr mix = API(tvm_add(g, API(tvm_add(g, e1, e2)), API(tvm_add(g, API(tvm_add(g, e3, e4)),
                                                                       API(tvm_add(g, e5, sel))))));
    tvm_expr fl = API(tvm_add(g, API(tvm_floor(g, mix)), API(tvm_ceil(g, mix))));
    tvm_tensor C = API(tvm_compute(g, "C", 1, &n, &i, API(tvm_add(g, mix, fl))));
    tvm_tensor S = API(tvm_compute(g, "S", 1, &n, &i, API(tvm_add(g, a, b)))); /* exact sum */
    tvm_expr k = API(tvm_reduce_axis(g, "k", n));
    tvm_expr j = API(tvm_iter_var(g, "j"));
    tvm_expr one = API(tvm_const_int(g, TVM_INT64, 1));
    tvm_tensor R = API(tvm_compute(g, "R", 1, &one, &j, API(tvm_sum(g, API(tvm_load(g, A, &k)), 1, &k))));
    tvm_tensor M = API(tvm_compute(g, "M", 1, &one, &j,
                                   API(tvm_reduce(g, TVM_REDUCE_MAX, API(tvm_load(g, B, &k)), 1, &k))));
    float wdata[3] = {0.5f, 0.25f, 0.125f};
    tvm_tensor W = API(tvm_constant(g, "W", TVM_FLOAT32, 1, (const int64_t[]){3}, wdata));
    tvm_expr three = API(tvm_const_int(g, TVM_INT64, 3));
    tvm_tensor WC = API(tvm_compute(g, "WC", 1, &three, &j,
                                    API(tvm_mul(g, API(tvm_load(g, W, &j)), API(tvm_const_float(g, TVM_FLOAT32, 3))))));
    int nd = 0;
    tvm_dtype dt;
    (void)API(tvm_tensor_info(g, C, &nd, &dt));
    (void)API(tvm_expr_dtype(g, mix, &dt));
    char *text = NULL;
    if (API(tvm_graph_print(g, 0, NULL, &text)) == TVM_OK) API_VOID(tvm_free(text));
    (void)API(tvm_graph_status(g));
    (void)API(tvm_iter_var(g, "unused"));
    (void)API(tvm_const_int(g, TVM_BOOL, 1));
    (void)API(tvm_and(g, cond, cond));
    (void)API(tvm_or(g, cond, API(tvm_not(g, cond))));
    (void)API(tvm_le(g, a, b));
    (void)API(tvm_gt(g, a, b));
    (void)API(tvm_ge(g, a, b));
    (void)API(tvm_eq(g, a, b));
    (void)API(tvm_ne(g, a, b));
    (void)API(tvm_sub(g, a, b));
    (void)API(tvm_mod(g, a, b));
    (void)API(tvm_floordiv(g, a, b));
    (void)API(tvm_floormod(g, a, b));
    (void)API(tvm_min(g, a, b));
    (void)API(tvm_max(g, a, b));

    tvm_compile_options opts = tt_options(target, TVM_OPT_O3, 0);
    tvm_function *fn = NULL, *again = NULL, *fresh = NULL, *fixed = NULL;
    tvm_tensor outs[4] = {C, S, R, M};
    bool compiled = CHECK_OK(API(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 4, outs, &opts, &fn)));
    (void)API(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 4, outs, &opts, &again)); /* cache hit */
    tvm_compile_options o0 = tt_options(target, TVM_OPT_O0, TVM_COMPILE_NO_CACHE | TVM_COMPILE_NO_INLINE);
    (void)API(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &S, &o0, &fresh));
    CHECK_OK(API(tvm_compile(g, 0, NULL, 1, &WC, &opts, &fixed))); /* kernel built here */
    /* error paths */
    tvm_compile_options bad = tt_options(target, 9, 0);
    tvm_function *none = NULL;
    (void)API(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &bad, &none));
    tvm_graph *scratch = API(tvm_graph_create(ctx));
    (void)API(tvm_const_int(scratch, (tvm_dtype)0, 1));
    (void)API(tvm_graph_status(scratch));
    (void)API(tvm_last_error());
    API_VOID(tvm_graph_destroy(scratch));

    if (compiled && fn) {
        int nin = 0, nout = 0;
        (void)API(tvm_function_num_args(fn, &nin, &nout));
        (void)API(tvm_function_arg_info(fn, 0, &dt, &nd));
        static const char *const kinds[4] = {"graph", "loop", "llvm", "asm"};
        for (int s = 0; s < 2; s++) {
            int64_t len = s == 0 ? 5 : 17; /* two shapes: two specialisations */
            tt_tensor *ta = tt_alloc(TVM_FLOAT32, 1, &len), *tb = tt_alloc(TVM_FLOAT32, 1, &len);
            tt_tensor *tc = tt_alloc(TVM_FLOAT32, 1, &len), *ts = tt_alloc(TVM_FLOAT32, 1, &len);
            tt_tensor *tr = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(1)), *tm = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(1));
            tt_fill_random(ta, 11 + (uint64_t)s, -3, 3);
            tt_fill_random(tb, 17 + (uint64_t)s, -3, 3);
            ((float *)ta->dl.data)[0] = 1.0f;
            ((float *)tb->dl.data)[0] = 0x1p-30f;          /* rounding probe */
            ((float *)ta->dl.data)[1] = 1e-40f;            /* denormal probe */
            ((float *)tb->dl.data)[1] = 0.0f;
            DLTensor *args[6] = {&ta->dl, &tb->dl, &tc->dl, &ts->dl, &tr->dl, &tm->dl};
            int64_t shape[TVM_MAX_NDIM];
            (void)API(tvm_function_output_shape(fn, args, 0, shape, &nd));
            if (CHECK_OK(API(tvm_function_call(fn, args, 6))) && s == 0) {
                res.sum_rounding = ((float *)ts->dl.data)[0];
                res.denormal = ((float *)ts->dl.data)[1];
            }
            (void)API(tvm_function_call(fn, args, 5)); /* error: nargs */
            if (fresh) (void)API(tvm_function_call(fresh, (DLTensor *[]){&ta->dl, &tb->dl, &ts->dl}, 3));
            tt_free(ta);
            tt_free(tb);
            tt_free(tc);
            tt_free(ts);
            tt_free(tr);
            tt_free(tm);
        }
        for (int q = 0; q < 4; q++) {
            char *src = NULL;
            if (API(tvm_function_source(fn, kinds[q], &src)) == TVM_OK) API_VOID(tvm_free(src));
        }
        (void)API(tvm_function_retain(fn));
        API_VOID(tvm_function_release(fn));
    }
    if (fixed) {
        tt_tensor *w = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        CHECK_OK(API(tvm_function_call(fixed, (DLTensor *[]){&w->dl}, 1)));
        tt_free(w);
    }
    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    (void)API(tvm_context_stats(ctx, &st));
    API_VOID(tvm_function_release(fn));
    API_VOID(tvm_function_release(again));
    API_VOID(tvm_function_release(fresh));
    API_VOID(tvm_graph_destroy(g));
    API_VOID(tvm_context_destroy(ctx)); /* fixed outlives its context */
    API_VOID(tvm_function_release(fixed));
    res.ok = compiled;
    return res;
}

/* Both targets, default thread count and one thread. */
static bool run_all_sequences(void) {
    bool ok = true;
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int nt = 0; nt <= 1; nt++) ok &= run_sequence(tt_targets[t], nt).ok;
    return ok;
}

/* ========================================================================= */
/* (a) signal dispositions                                                    */
/* ========================================================================= */

typedef struct sig_snapshot {
    int valid[NSIG];
    struct sigaction sa[NSIG];
    sigset_t mask;
    stack_t altstack;
} sig_snapshot;

static void sig_read(sig_snapshot *s) {
    memset(s, 0, sizeof *s);
    for (int sig = 1; sig < NSIG; sig++)
        s->valid[sig] = sigaction(sig, NULL, &s->sa[sig]) == 0;
    sigprocmask(SIG_SETMASK, NULL, &s->mask);
    sigaltstack(NULL, &s->altstack);
}

/* glibc fills only the kernel's part of a sigset_t returned by sigaction;
 * the rest is stack garbage, so masks are compared signal by signal. */
static bool same_sigset(const sigset_t *x, const sigset_t *y) {
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(x, sig) != sigismember(y, sig)) return false;
    return true;
}

static int sig_compare(const sig_snapshot *a, const sig_snapshot *b) {
    int diffs = 0;
    for (int sig = 1; sig < NSIG; sig++) {
        if (a->valid[sig] != b->valid[sig]) {
            check_fail(__FILE__, __LINE__, "signal %d: sigaction query changed", sig);
            diffs++;
            continue;
        }
        if (!a->valid[sig]) continue;
        const struct sigaction *x = &a->sa[sig], *y = &b->sa[sig];
        if ((void *)x->sa_handler != (void *)y->sa_handler || x->sa_flags != y->sa_flags ||
            !same_sigset(&x->sa_mask, &y->sa_mask)) {
            check_fail(__FILE__, __LINE__, "signal %d (%s): disposition changed (handler %p -> "
                       "%p, flags 0x%x -> 0x%x)", sig, strsignal(sig), (void *)x->sa_handler,
                       (void *)y->sa_handler, (unsigned)x->sa_flags, (unsigned)y->sa_flags);
            diffs++;
        }
    }
    if (!same_sigset(&a->mask, &b->mask)) {
        check_fail(__FILE__, __LINE__, "the signal mask changed");
        diffs++;
    }
    if (a->altstack.ss_sp != b->altstack.ss_sp || a->altstack.ss_size != b->altstack.ss_size ||
        a->altstack.ss_flags != b->altstack.ss_flags) {
        check_fail(__FILE__, __LINE__, "the alternate signal stack changed (%p/%zu -> %p/%zu)",
                   a->altstack.ss_sp, a->altstack.ss_size, b->altstack.ss_sp, b->altstack.ss_size);
        diffs++;
    }
    return diffs;
}

TEST(signal_dispositions_unchanged) {
    static sig_snapshot before, after;
    sig_read(&before);
    CHECK(run_all_sequences());
    sig_read(&after);
    int diffs = sig_compare(&before, &after);
    int n = 0;
    for (int sig = 1; sig < NSIG; sig++) n += before.valid[sig];
    printf("  %d signal dispositions, mask and alternate stack compared: %d differences\n", n,
           diffs);
}

/* ========================================================================= */
/* (b) FP environment                                                         */
/* ========================================================================= */

static void fp_run(int mode, seq_result *out) {
    fenv_t saved;
    fegetenv(&saved);
#if defined(__x86_64__)
    unsigned saved_csr = _mm_getcsr();
#endif
    if (mode == 2) {
        fesetround(FE_UPWARD);
#if defined(__x86_64__)
        _mm_setcsr(_mm_getcsr() | 0x8000u /* FTZ */ | 0x0040u /* DAZ */);
#endif
    }
    fp_host = fp_read();
    fp_mode = mode;
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        seq_result r = run_sequence(tt_targets[t], 0);
        CHECK(r.ok);
        out[t] = r;
    }
    fp_mode = 0;
    fesetenv(&saved);
#if defined(__x86_64__)
    _mm_setcsr(saved_csr);
#endif
}

/* Targets whose kernels compute in the caller's rounding mode and FTZ/DAZ
 * setting instead of the documented round-to-nearest-even with denormals.
 * Listed, not failed: the fix (run kernels, and compile-time constant
 * folding, under a fixed MXCSR/fenv and restore the host's afterwards) is a
 * design decision beyond this suite. They still print on every run. */
/* Targets whose kernels are known to follow the host's FP modes (empty:
 * kernels, folding and the interpreter run under fpenv_enter since 0.1). */
static const char *const known_fp_failures[] = {NULL};

static bool is_known_fp_failure(const char *target) {
    for (size_t k = 0; k < sizeof known_fp_failures / sizeof known_fp_failures[0]; k++)
        if (known_fp_failures[k] && strcmp(known_fp_failures[k], target) == 0) return true;
    return false;
}

TEST(fp_environment_unchanged_by_every_call) {
    fp_checked = fp_bad = 0;
    seq_result plain[TT_NUM_TARGETS], odd[TT_NUM_TARGETS];
    fp_run(1, plain);
    int checked_plain = fp_checked;
    fp_run(2, odd);
    printf("  %d calls checked with the default environment, %d with FE_UPWARD + FTZ + DAZ and "
           "all flags raised: %d changed it\n", checked_plain, fp_checked - checked_plain, fp_bad);
    CHECK(checked_plain > 100);
    /* The header promises round-to-nearest-even and IEEE denormals whatever
     * the host's modes; see known_fp_failures[]. */
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        bool same = memcmp(&plain[t].sum_rounding, &odd[t].sum_rounding, sizeof(float)) == 0 &&
                    memcmp(&plain[t].denormal, &odd[t].denormal, sizeof(float)) == 0;
        char what[320];
        snprintf(what, sizeof what, "[%s] 1 + 2^-30 = %a (default env) vs %a (host FE_UPWARD); "
                 "1e-40 + 0 = %a vs %a (host FTZ+DAZ)", tt_targets[t], plain[t].sum_rounding,
                 odd[t].sum_rounding, plain[t].denormal, odd[t].denormal);
        bool known = is_known_fp_failure(tt_targets[t]);
        if (!same && known)
            printf("  known failure (kernels follow the host's FP modes): %s\n", what);
        else if (!same)
            check_fail(__FILE__, __LINE__, "kernel results depend on the host's FP modes: %s",
                       what);
        else if (known)
            check_fail(__FILE__, __LINE__, "target %s is listed in known_fp_failures[] but its "
                       "kernels now ignore the host's FP modes: remove it from the list",
                       tt_targets[t]);
    }
}

/* ========================================================================= */
/* (c) locale                                                                 */
/* ========================================================================= */

TEST(locale_unchanged) {
    char before[512], after[512];
    /* a non-default host locale, so a library that resets it is seen */
    const char *host = setlocale(LC_ALL, "C.UTF-8") ? "C.UTF-8" : "C";
    snprintf(before, sizeof before, "%s", setlocale(LC_ALL, NULL));
    locale_t thread_before = uselocale((locale_t)0);
    struct lconv *lc = localeconv();
    char dp_before = lc->decimal_point[0];
    CHECK(run_all_sequences());
    snprintf(after, sizeof after, "%s", setlocale(LC_ALL, NULL));
    CHECK(strcmp(before, after) == 0);
    if (strcmp(before, after) != 0)
        check_fail(__FILE__, __LINE__, "setlocale(LC_ALL, NULL): \"%s\" -> \"%s\"", before, after);
    CHECK(uselocale((locale_t)0) == thread_before);
    CHECK(localeconv()->decimal_point[0] == dp_before);
    printf("  host locale %s: unchanged (\"%s\")\n", host, after);
    setlocale(LC_ALL, "C");
}

/* ========================================================================= */
/* (d) threads                                                                */
/* ========================================================================= */

static int count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* The pool starts lazily: no thread before the first parallel call, at most
 * num_threads - 1 workers during the context's life, none after destroy
 * (the workers are joined). */
TEST(no_threads_leaked) {
    int before = count_threads();
    CHECK_OR_RETURN(before > 0);
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int nt = 0; nt <= 1; nt++) {
            tvm_context_options co = {.struct_size = sizeof co, .num_threads = nt};
            tvm_context *ctx = NULL;
            CHECK_OK_OR_RETURN(tvm_context_create(&co, &ctx));
            int after_create = count_threads();
            int workers = tvm_context_num_threads(ctx) - 1;
            tvm_graph *g = tvm_graph_create(ctx);
            tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
            tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
            tvm_tensor B = tvm_compute(g, "B", 1, &n, &i, tvm_exp(g, tvm_load(g, A, &i)));
            tvm_compile_options o = tt_options(tt_targets[t], 0, TVM_COMPILE_NO_CACHE);
            tvm_function *fn = NULL;
            CHECK_OK(tvm_compile(g, 1, &A, 1, &B, &o, &fn));
            int after_compile = count_threads();
            tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(100000));
            tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(100000));
            if (fn) CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl}, 2));
            int after_call = count_threads();
            tvm_function_release(fn);
            tvm_graph_destroy(g);
            tvm_context_destroy(ctx);
            int after_destroy = count_threads();
            tt_free(a);
            tt_free(b);
            if (after_create != before || after_compile != before ||
                after_call > before + workers || (nt == 1 && after_call != before) ||
                after_destroy != before)
                check_fail(__FILE__, __LINE__, "[%s, num_threads %d] threads: %d before, %d after "
                           "create, %d after compile, %d after call, %d after destroy",
                           tt_targets[t], nt, before, after_create, after_compile, after_call,
                           after_destroy);
        }
    printf("  %d thread(s) before and after every context\n", before);
}

/* ========================================================================= */
/* (e) nothing written to stdout / stderr                                     */
/* ========================================================================= */

typedef struct capture {
    int saved[2];
    int pipes[2][2];
} capture;

static bool capture_start(capture *c) {
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 2; k++) {
        if (pipe2(c->pipes[k], O_CLOEXEC) != 0) return false;
        /* a full pipe drops bytes instead of blocking the test */
        fcntl(c->pipes[k][1], F_SETFL, O_NONBLOCK);
        fcntl(c->pipes[k][0], F_SETFL, O_NONBLOCK);
        c->saved[k] = dup(k + 1);
        dup2(c->pipes[k][1], k + 1);
    }
    return true;
}

/* Restores fds 1 and 2; returns the bytes written to each. */
static void capture_stop(capture *c, size_t got[2], char first[2][256]) {
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 2; k++) {
        dup2(c->saved[k], k + 1);
        close(c->saved[k]);
        close(c->pipes[k][1]);
        got[k] = 0;
        first[k][0] = '\0';
        char buf[4096];
        ssize_t r;
        while ((r = read(c->pipes[k][0], buf, sizeof buf)) > 0) {
            if (got[k] == 0) snprintf(first[k], 256, "%.*s", (int)(r < 255 ? r : 255), buf);
            got[k] += (size_t)r;
        }
        close(c->pipes[k][0]);
    }
}

TEST(nothing_written_to_stdio) {
    capture c;
    CHECK_OR_RETURN(capture_start(&c));
    bool ok = run_all_sequences();
    size_t got[2];
    char first[2][256];
    capture_stop(&c, got, first);
    CHECK(ok);
    for (int k = 0; k < 2; k++)
        if (got[k])
            check_fail(__FILE__, __LINE__, "%zu bytes written to %s: \"%s\"", got[k],
                       k ? "stderr" : "stdout", first[k]);
    printf("  stdout %zu bytes, stderr %zu bytes over 4 sequences\n", got[0], got[1]);
}

/* The capture works, and the IR dump is what TVMC_DUMP_IR turns on: a
 * re-executed child with TVMC_DUMP_IR=1 must write to stderr. The variable
 * is read once per process, hence exec rather than fork. */
TEST(ir_dump_is_opt_in) {
    int pipefd[2];
    CHECK_OR_RETURN(pipe2(pipefd, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    setenv("TVMC_DUMP_IR", "1", 1);
    char *argv[] = {(char *)"test_hygiene", (char *)"--dump-ir-child", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    unsetenv("TVMC_DUMP_IR");
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    CHECK_OR_RETURN(rc == 0);
    size_t total = 0;
    char buf[4096];
    ssize_t r;
    while ((r = read(pipefd[0], buf, sizeof buf)) > 0) total += (size_t)r;
    close(pipefd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(total > 0);
    printf("  with TVMC_DUMP_IR=1 the child wrote %zu bytes\n", total);
}

static int dump_ir_child(void) {
    seq_result r = run_sequence("interp", 1);
    return r.ok ? 0 : 1;
}

/* ========================================================================= */
/* (f) dlopen / dlclose                                                       */
/* ========================================================================= */

TEST(dlopen_dlclose_100_times) {
    const char *helper = getenv("HYGIENE_DLOPEN_HELPER");
    const char *lib = getenv("TVMC_LIBRARY");
    if (!helper || !lib)
        TEST_SKIP_RETURN("set HYGIENE_DLOPEN_HELPER and TVMC_LIBRARY (meson test does)");
    char *argv[] = {(char *)helper, (char *)lib, (char *)"100", NULL};
    pid_t pid;
    fflush(stdout);
    CHECK_OR_RETURN(posix_spawn(&pid, helper, NULL, NULL, argv, environ) == 0);
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        check_fail(__FILE__, __LINE__, "hygiene_dlopen killed by signal %d (%s)", WTERMSIG(st),
                   strsignal(WTERMSIG(st)));
    else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        check_fail(__FILE__, __LINE__, "hygiene_dlopen exited with %d", WEXITSTATUS(st));
}

/* ========================================================================= */
/* (g) fork after init                                                        */
/* ========================================================================= */

#define FORK_TRIALS 100

/* In the child: a fresh context, compile, call, check. Exit code 0 = fine. */
static int fork_child(tvm_function *inherited, int trial) {
    alarm(60); /* a deadlock ends as SIGALRM instead of a hung suite */
    const char *target = tt_targets[trial % TT_NUM_TARGETS];
    tvm_context *ctx = NULL;
    if (tvm_context_create(NULL, &ctx) != TVM_OK) return 2;
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 1, &n);
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                               tvm_mul(g, tvm_load(g, A, &i), tvm_const_int(g, TVM_INT32, trial + 2)));
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_function *fn = NULL;
    if (tvm_compile(g, 1, &A, 1, &B, &o, &fn) != TVM_OK) return 3;
    tt_tensor *a = tt_alloc(TVM_INT32, 1, TT_SHAPE(9)), *b = tt_alloc(TVM_INT32, 1, TT_SHAPE(9));
    for (int k = 0; k < 9; k++) tt_seti(a, k, k - 4);
    if (tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl}, 2) != TVM_OK) return 4;
    for (int k = 0; k < 9; k++)
        if (tt_geti(b, k) != (k - 4) * (trial + 2)) return 5;
    /* the function compiled before the fork still works in the child */
    if (tvm_function_call(inherited, (DLTensor *[]){&a->dl, &b->dl}, 2) != TVM_OK) return 6;
    for (int k = 0; k < 9; k++)
        if (tt_geti(b, k) != (k - 4) * 7) return 7;
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
    tt_free(a);
    tt_free(b);
    return 0;
}

TEST(fork_after_init) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 1, &n);
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                               tvm_mul(g, tvm_load(g, A, &i), tvm_const_int(g, TVM_INT32, 7)));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &A, 1, &B, NULL, &fn));
    tt_tensor *a = tt_alloc(TVM_INT32, 1, TT_SHAPE(9)), *b = tt_alloc(TVM_INT32, 1, TT_SHAPE(9));
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl}, 2)); /* specialise n = 9 */
    int ok = 0;
    for (int trial = 0; trial < FORK_TRIALS; trial++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        CHECK_OR_RETURN(pid >= 0);
        if (pid == 0) _exit(fork_child(fn, trial));
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            ok++;
        } else if (WIFSIGNALED(st)) {
            check_fail(__FILE__, __LINE__, "fork trial %d: child killed by signal %d (%s)%s",
                       trial, WTERMSIG(st), strsignal(WTERMSIG(st)),
                       WTERMSIG(st) == SIGALRM ? " - deadlock or hang" : "");
        } else {
            check_fail(__FILE__, __LINE__, "fork trial %d: child failed at step %d", trial,
                       WEXITSTATUS(st));
        }
    }
    printf("  %d/%d forked children compiled and called correctly\n", ok, FORK_TRIALS);
    tt_free(a);
    tt_free(b);
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--dump-ir-child") == 0) return dump_ir_child();
    unsetenv("TVMC_DUMP_IR"); /* read once per process, before any compile */
    return check_run_all(argc, argv);
}
