/* progress.c — "tvmc: compiling model.onnx..." on stderr for a step that
 * takes more than a second, so a long compile or benchmark never looks
 * hung, while quick steps print nothing. A watcher thread waits on the
 * step with a timeout; on a terminal it redraws one line with a counter
 * every 200 ms, elsewhere it prints the line once and the time at the end. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool running, shown, tty;
    char what[256];
    int64_t done, total;
    double start_ms;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

double cli_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void cli_sort_ms(double *v, long long n) {
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_double);
}

const char *cli_fmt_ms(double ms, char buf[32]) {
    if (ms >= 1000)
        snprintf(buf, 32, "%.3f s", ms / 1e3);
    else if (ms >= 1)
        snprintf(buf, 32, "%.3f ms", ms);
    else
        snprintf(buf, 32, "%.2f us", ms * 1e3);
    return buf;
}

static void draw(void) {
    if (P.total > 0)
        fprintf(stderr, "%stvmc: %s... %lld/%lld%s", P.tty ? "\r" : "", P.what,
                (long long)P.done, (long long)P.total, P.tty ? "\033[K" : "\n");
    else
        fprintf(stderr, "%stvmc: %s...%s", P.tty ? "\r" : "", P.what, P.tty ? "\033[K" : "\n");
    fflush(stderr);
}

static void *watch(void *arg) {
    (void)arg;
    pthread_mutex_lock(&P.lock);
    double next = P.start_ms + 1000;
    while (P.running) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait = next - cli_now_ms();
        if (wait > 0) {
            long long ns = ts.tv_nsec + (long long)(wait * 1e6);
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&P.cond, &P.lock, &ts);
            continue;
        }
        if (!P.shown || P.tty) draw();
        P.shown = true;
        next = cli_now_ms() + 200;
    }
    pthread_mutex_unlock(&P.lock);
    return NULL;
}

void progress_begin(const char *what) {
    pthread_mutex_lock(&P.lock);
    snprintf(P.what, sizeof P.what, "%s", what);
    P.running = true;
    P.shown = false;
    P.tty = isatty(2);
    P.done = P.total = 0;
    P.start_ms = cli_now_ms();
    pthread_mutex_unlock(&P.lock);
    if (pthread_create(&P.thread, NULL, watch, NULL) != 0) P.running = false;
}

void progress_count(int64_t done, int64_t total) {
    pthread_mutex_lock(&P.lock);
    P.done = done;
    P.total = total;
    pthread_mutex_unlock(&P.lock);
}

void progress_end(void) {
    pthread_mutex_lock(&P.lock);
    if (!P.running) {
        pthread_mutex_unlock(&P.lock);
        return;
    }
    P.running = false;
    pthread_cond_signal(&P.cond);
    pthread_mutex_unlock(&P.lock);
    pthread_join(P.thread, NULL);
    if (P.shown) {
        fprintf(stderr, "%stvmc: %s: done in %.2f s%s\n", P.tty ? "\r" : "", P.what,
                (cli_now_ms() - P.start_ms) / 1e3, P.tty ? "\033[K" : "");
        fflush(stderr);
    }
}
