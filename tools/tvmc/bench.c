/* bench.c — `tvmc bench MODEL`: cold compile time, latency median and p99
 * over N runs after a warm-up, the planned workspace and the thread count.
 * Compilation bypasses the function cache so the time is a cold compile. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

enum { B_RUNS, B_WARMUP };

static const cli_option bench_options[] = {
    [B_RUNS] = {"--repeat", "N", "timed runs (default 100)"},
    [B_WARMUP] = {"--warmup", "N", "untimed runs first (default 10)"},
};

static const char bench_usage[] =
    "usage: tvmc bench MODEL.onnx [--repeat N] [--warmup N] [--threads N] [--target TARGET]\n"
    "                  [--inputs FILE]... [--shape NAME=DIMS]...\n"
    "\n"
    "Measures cold compile time, then latency over N runs after a warm-up, and\n"
    "reports median, p99, min and mean, the kernels and the planned workspace.";

/* nearest-rank percentile of sorted values */
static double percentile(const double *v, long long n, double p) {
    long long k = (long long)(p / 100.0 * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

int cmd_bench(int argc, char **argv) {
    cli_config cfg = {0};
    cli_arg *args = NULL;
    int nargs = 0;
    bool help;
    cli_model m = {0};
    cli_tensor *ins = NULL, *outs = NULL;
    double *times = NULL;
    int rc = cli_parse_command(bench_usage, argc, argv, bench_options,
                               (int)(sizeof bench_options / sizeof bench_options[0]), &cfg, &args,
                               &nargs, &help);
    if (rc != 0 || help) goto done;
    long long runs = 100, warmup = 10;
    for (int i = 0; i < nargs && rc == 0; i++)
        rc = args[i].opt == B_RUNS
                 ? cli_parse_int("--repeat", args[i].value, 1, 10000000, &runs)
                 : cli_parse_int("--warmup", args[i].value, 0, 10000000, &warmup);
    if (rc != 0) {
        rc = -2;
        goto done;
    }
    rc = -1;
    cfg.no_cache = true;
    if (model_load(&cfg, &m) != 0) goto done;
    bool random;
    if (model_inputs(&cfg, &m, &ins, &random) != 0) goto done;
    if (model_outputs(&m, ins, &outs) != 0) goto done;
    double first_ms = 0;
    if (m.symbolic) { /* the kernel for these shapes compiles on the first call */
        double t0 = cli_now_ms();
        progress_begin("compiling the kernel for the input shapes");
        int r = model_call(&m, ins, outs);
        progress_end();
        if (r != 0) goto done;
        first_ms = cli_now_ms() - t0;
    }
    times = calloc((size_t)runs, sizeof *times);
    if (!times) {
        cli_error("out of memory");
        goto done;
    }
    progress_begin("warming up");
    for (long long r = 0; r < warmup; r++) {
        if (model_call(&m, ins, outs) != 0) {
            progress_end();
            goto done;
        }
        progress_count(r + 1, warmup);
    }
    progress_end();
    progress_begin("benchmarking");
    for (long long r = 0; r < runs; r++) {
        double t0 = cli_now_ms();
        if (model_call(&m, ins, outs) != 0) {
            progress_end();
            goto done;
        }
        times[r] = cli_now_ms() - t0;
        progress_count(r + 1, runs);
    }
    progress_end();
    tvm_kernel_plan plan = {.struct_size = sizeof plan};
    tvm_status st = tvm_function_plan(m.fn, &plan);
    if (st != TVM_OK) {
        cli_tvm_error(st, "cannot read the kernel plan");
        goto done;
    }
    cli_sort_ms(times, runs);
    double sum = 0;
    for (long long r = 0; r < runs; r++) sum += times[r];

    char sh[512];
    printf("model: %s (target %s, %d thread%s)\n", cfg.model_path,
           cfg.target ? cfg.target : "llvm", tvm_context_num_threads(m.ctx),
           tvm_context_num_threads(m.ctx) == 1 ? "" : "s");
    for (int i = 0; i < m.nin; i++)
        printf("input '%s': shape %s, %s%s\n", m.in[i].name,
               cli_shape_str(ins[i].ndim, ins[i].shape, sh, sizeof sh),
               cli_dtype_name(ins[i].dtype), random ? "" : " (from file)");
    char a[32], b[32], c[32], d[32];
    printf("compile: import %s, compile %s (cold)", cli_fmt_ms(m.import_ms, a),
           cli_fmt_ms(m.compile_ms, b));
    if (m.symbolic) printf(", kernel for these shapes %s (first call)", cli_fmt_ms(first_ms, a));
    printf("\n");
    printf("latency: median %s, p99 %s, min %s, mean %s (%lld runs after %lld warm-up)\n",
           cli_fmt_ms(times[runs / 2], a), cli_fmt_ms(percentile(times, runs, 99.0), b),
           cli_fmt_ms(times[0], c), cli_fmt_ms(sum / (double)runs, d), runs, warmup);
    printf("plan: %d kernel%s, %d intermediate%s, workspace %lld bytes (peak live %lld, "
           "unshared %lld)\n",
           plan.num_kernels, plan.num_kernels == 1 ? "" : "s", plan.num_intermediates,
           plan.num_intermediates == 1 ? "" : "s", (long long)plan.workspace_bytes,
           (long long)plan.peak_live_bytes, (long long)plan.intermediate_bytes);
    rc = 0;
done:
    free(times);
    cli_tensors_free(ins, m.nin);
    cli_tensors_free(outs, m.nout);
    model_free(&m);
    free(args);
    cli_config_free(&cfg);
    return rc;
}
