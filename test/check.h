/* check.h — the tiny test framework of tvmc's C tests.
 *
 * A test file defines test functions with TEST(name) { ... } and ends with
 * CHECK_MAIN(). The binary runs every test in file order (or only those whose
 * names contain one of the command-line arguments), prints one line per test
 * and exits 1 if any check failed, 77 (meson's SKIP) if every test skipped,
 * 0 otherwise.
 *
 * Checks record a failure and carry on; the _OR_RETURN variants also leave
 * the current test function (use them where going on would dereference NULL).
 * Every failure prints file:line, what was expected, what came back and
 * tvm_last_error(). The failure counter is atomic, so checks may run on any
 * thread.
 */
#ifndef TVMC_TEST_CHECK_H
#define TVMC_TEST_CHECK_H

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvmc.h"

#define CHECK_MAX_TESTS 512

typedef void (*check_test_fn)(void);

typedef struct check_test {
    const char *name;
    check_test_fn fn;
} check_test;

static check_test check_tests[CHECK_MAX_TESTS];
static int check_num_tests;
static atomic_int check_failures;  /* failures in the whole run */
static atomic_int check_skipped;   /* set by TEST_SKIP_RETURN in the current test */

__attribute__((unused)) static void check_register(const char *name, check_test_fn fn) {
    if (check_num_tests >= CHECK_MAX_TESTS) {
        fprintf(stderr, "check.h: more than %d tests; raise CHECK_MAX_TESTS\n",
                CHECK_MAX_TESTS);
        exit(2);
    }
    check_tests[check_num_tests].name = name;
    check_tests[check_num_tests].fn = fn;
    check_num_tests++;
}

/* Defines and registers a test function. Registration runs before main, in
 * the order the tests appear in the file. */
#define TEST(name)                                                             \
    static void name(void);                                                    \
    __attribute__((constructor)) static void check_register_##name(void) {    \
        check_register(#name, name);                                           \
    }                                                                          \
    static void name(void)

__attribute__((unused, format(printf, 3, 4)))
static void check_fail(const char *file, int line, const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, buf);
    atomic_fetch_add(&check_failures, 1);
}

__attribute__((unused)) static bool check_is_word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Whole-word, case-sensitive test: "A" is found in "tensor 'A'" and "A[0]"
 * but not in "Alpha" or "a". */
__attribute__((unused)) static bool check_contains_word(const char *hay, const char *word) {
    size_t n = strlen(word);
    if (!hay || n == 0) return false;
    for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word)) {
        bool left = p == hay || !check_is_word_char(p[-1]) ||
                    !check_is_word_char(word[0]);
        bool right = !check_is_word_char(p[n]) || !check_is_word_char(word[n - 1]);
        if (left && right) return true;
    }
    return false;
}

/* Case-insensitive substring test. */
__attribute__((unused)) static bool check_contains(const char *hay, const char *needle) {
    if (!hay || !needle) return false;
    size_t n = strlen(needle);
    if (n == 0) return true;
    for (const char *p = hay; *p; p++) {
        size_t k = 0;
        while (k < n && p[k] &&
               tolower((unsigned char)p[k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n) return true;
    }
    return false;
}

/* The message test of CHECK_ERROR: needles of up to two characters (tensor
 * names such as "A", dimension numbers such as "0") must appear as whole
 * words, case-sensitively; longer needles as case-insensitive substrings. */
__attribute__((unused)) static bool check_mentions(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (n <= 2) return check_contains_word(hay, needle);
    return check_contains(hay, needle);
}

__attribute__((unused)) static const char *check_status_name(int s) {
    return tvm_status_string((tvm_status)s);
}

#define CHECK(cond)                                                            \
    ((cond) ? true                                                             \
            : (check_fail(__FILE__, __LINE__, "CHECK(%s) (last error: \"%s\")", \
                          #cond, tvm_last_error()),                            \
               false))

#define CHECK_OR_RETURN(cond)                                                  \
    do {                                                                       \
        if (!CHECK(cond)) return;                                              \
    } while (0)

__attribute__((unused))
static bool check_status_impl(const char *file, int line, const char *expr, int got,
                              int expected) {
    if (got == expected) return true;
    check_fail(file, line, "%s returned %s (%d), expected %s (%d); last error: \"%s\"",
               expr, check_status_name(got), got, check_status_name(expected), expected,
               tvm_last_error());
    return false;
}

/* CHECK_STATUS(call, expected): the call returns exactly `expected`. */
#define CHECK_STATUS(call, expected)                                           \
    check_status_impl(__FILE__, __LINE__, #call, (int)(call), (int)(expected))
#define CHECK_OK(call) CHECK_STATUS(call, TVM_OK)
#define CHECK_OK_OR_RETURN(call)                                               \
    do {                                                                       \
        if (!CHECK_OK(call)) return;                                           \
    } while (0)

/* Checks that `status` equals `expected` and that the message `msg` mentions
 * every string of the NULL-terminated list (see check_mentions). */
__attribute__((unused))
static bool check_error_impl(const char *file, int line, const char *expr, int status,
                             const char *msg, int expected, const char *const *needles) {
    bool ok = true;
    if (status != expected) {
        check_fail(file, line, "%s returned %s (%d), expected %s (%d); message: \"%s\"",
                   expr, check_status_name(status), status, check_status_name(expected),
                   expected, msg);
        ok = false;
    }
    for (const char *const *n = needles; *n; n++) {
        if (!check_mentions(msg, *n)) {
            check_fail(file, line, "%s: message \"%s\" does not mention \"%s\"", expr,
                       msg, *n);
            ok = false;
        }
    }
    return ok;
}

/* Message of the last error copied right after `status` was computed. */
__attribute__((unused)) static const char *check_msg_copy(void) {
    static _Thread_local char copy[1024];
    snprintf(copy, sizeof copy, "%s", tvm_last_error());
    return copy;
}

__attribute__((unused)) static int check_status_then_copy(int s, const char **msg) {
    *msg = check_msg_copy();
    return s;
}

/* CHECK_ERROR(call, TVM_ERR_X, "word", ...): the call returns TVM_ERR_X and
 * tvm_last_error() mentions every word. */
#define CHECK_ERROR(call, expected, ...)                                       \
    do {                                                                       \
        const char *check_msg_;                                                \
        int check_st_ = check_status_then_copy((int)(call), &check_msg_);      \
        check_error_impl(__FILE__, __LINE__, #call, check_st_, check_msg_,     \
                         (int)(expected), (const char *const[]){__VA_ARGS__, NULL}); \
    } while (0)

/* CHECK_BUILD_ERROR(g, builder_call, TVM_ERR_X, "word", ...): the builder
 * call returns the null handle, the graph records TVM_ERR_X, and its message
 * mentions every word. */
#define CHECK_BUILD_ERROR(g, call, expected, ...)                              \
    do {                                                                       \
        uint32_t check_id_ = (call).id;                                        \
        if (check_id_ != 0)                                                    \
            check_fail(__FILE__, __LINE__, "%s returned id %u, expected the null handle", \
                       #call, (unsigned)check_id_);                            \
        const char *check_msg_;                                                \
        int check_st_ = check_status_then_copy((int)tvm_graph_status(g), &check_msg_); \
        check_error_impl(__FILE__, __LINE__, #call, check_st_, check_msg_,     \
                         (int)(expected), (const char *const[]){__VA_ARGS__, NULL}); \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        if (check_a_ != check_b_)                                              \
            check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,   \
                       check_a_, check_b_);                                    \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double check_a_ = (double)(a), check_b_ = (double)(b);                 \
        double check_d_ = check_a_ - check_b_;                                 \
        if (!(check_d_ <= (tol) && -check_d_ <= (tol)))                        \
            check_fail(__FILE__, __LINE__, "%s ~= %s: %.17g vs %.17g (tol %g)", \
                       #a, #b, check_a_, check_b_, (double)(tol));             \
    } while (0)

#define CHECK_STR_CONTAINS(s, needle)                                          \
    do {                                                                       \
        const char *check_s_ = (s);                                            \
        if (!check_contains(check_s_, (needle)))                               \
            check_fail(__FILE__, __LINE__, "%s does not contain \"%s\"", #s,   \
                       (needle));                                              \
    } while (0)

/* Marks the current test skipped (with a reason) and leaves it. */
#define TEST_SKIP_RETURN(reason)                                               \
    do {                                                                       \
        fprintf(stderr, "  skipped: %s\n", (reason));                          \
        atomic_store(&check_skipped, 1);                                       \
        return;                                                                \
    } while (0)

__attribute__((unused)) static int check_run_all(int argc, char **argv) {
    int ran = 0, failed = 0, skipped = 0;
    for (int t = 0; t < check_num_tests; t++) {
        const check_test *tc = &check_tests[t];
        bool selected = argc <= 1;
        for (int a = 1; a < argc; a++)
            if (strstr(tc->name, argv[a])) selected = true;
        if (!selected) continue;
        int before = atomic_load(&check_failures);
        atomic_store(&check_skipped, 0);
        printf("[ RUN  ] %s\n", tc->name);
        fflush(stdout);
        tc->fn();
        int nfail = atomic_load(&check_failures) - before;
        ran++;
        if (nfail > 0) {
            failed++;
            printf("[ FAIL ] %s (%d failed checks)\n", tc->name, nfail);
        } else if (atomic_load(&check_skipped)) {
            skipped++;
            printf("[ SKIP ] %s\n", tc->name);
        } else {
            printf("[  OK  ] %s\n", tc->name);
        }
        fflush(stdout);
    }
    printf("%d tests: %d passed, %d failed, %d skipped\n", ran, ran - failed - skipped,
           failed, skipped);
    if (failed) return 1;
    if (ran > 0 && skipped == ran) return 77;
    return 0;
}

#define CHECK_MAIN()                                                           \
    int main(int argc, char **argv) { return check_run_all(argc, argv); }

#endif
