/* run.c — `tvmc run MODEL`: compile, bind the inputs, call the function
 * (--repeat times), print each output's summary and save them (--outputs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { R_OUTPUTS, R_REPEAT, R_PRINT_TIME, R_VALUES };

static const cli_option run_options[] = {
    [R_OUTPUTS] = {"--outputs", "FILE", "save the outputs: FILE.npz (by output name), or "
                                        "FILE.npy for a single-output model"},
    [R_REPEAT] = {"--repeat", "N", "call the function N times (default 1)"},
    [R_PRINT_TIME] = {"--print-time", NULL, "print import and compile time and per-run latency"},
    [R_VALUES] = {"--print-values", "N", "values printed per output (default 10)"},
};

static const char run_usage[] =
    "usage: tvmc run MODEL.onnx [--inputs FILE]... [--outputs FILE] [--target TARGET]\n"
    "                [--repeat N] [--print-time] [--shape NAME=DIMS]...\n"
    "\n"
    "Compiles the model, runs it on the given inputs (random values, seeded, for\n"
    "inputs not given), prints each output's shape, dtype, first values and\n"
    "statistics, and optionally saves the outputs.";

static int save_outputs(const char *path, const cli_model *m, cli_tensor *outs) {
    size_t len = strlen(path);
    if (len > 4 && strcmp(path + len - 4, ".npy") == 0) {
        if (m->nout != 1)
            return cli_error("--outputs %s: the model has %d outputs; use an .npz", path,
                             m->nout);
        return npy_write_file(path, &outs[0]);
    }
    return npz_write_file(path, outs, m->nout);
}

int cmd_run(int argc, char **argv) {
    cli_config cfg = {0};
    cli_arg *args = NULL;
    int nargs = 0;
    bool help;
    cli_model m = {0};
    cli_tensor *ins = NULL, *outs = NULL;
    double *times = NULL;
    int rc = cli_parse_command(run_usage, argc, argv, run_options,
                               (int)(sizeof run_options / sizeof run_options[0]), &cfg, &args,
                               &nargs, &help);
    if (rc != 0 || help) goto done;
    const char *out_path = NULL;
    long long repeat = 1, nvalues = 10;
    bool print_time = false;
    for (int i = 0; i < nargs && rc == 0; i++) {
        switch (args[i].opt) {
        case R_OUTPUTS: out_path = args[i].value; break;
        case R_REPEAT: rc = cli_parse_int("--repeat", args[i].value, 1, 1000000, &repeat); break;
        case R_PRINT_TIME: print_time = true; break;
        case R_VALUES:
            rc = cli_parse_int("--print-values", args[i].value, 0, 1000000, &nvalues);
            break;
        }
    }
    if (rc != 0) {
        rc = -2;
        goto done;
    }
    rc = -1;
    if (model_load(&cfg, &m) != 0) goto done;
    bool random;
    if (model_inputs(&cfg, &m, &ins, &random) != 0) goto done;
    if (model_outputs(&m, ins, &outs) != 0) goto done;
    times = calloc((size_t)repeat, sizeof *times);
    if (!times) {
        cli_error("out of memory");
        goto done;
    }
    /* the first call of a model with dynamic dims also compiles its kernel */
    progress_begin(m.symbolic ? "specialising and running" : "running");
    for (long long r = 0; r < repeat; r++) {
        double t0 = cli_now_ms();
        if (model_call(&m, ins, outs) != 0) {
            progress_end();
            goto done;
        }
        times[r] = cli_now_ms() - t0;
        progress_count(r + 1, repeat);
    }
    progress_end();

    if (random)
        printf("inputs: random values (seed %llu) for inputs not given\n",
               (unsigned long long)cfg.seed);
    for (int i = 0; i < m.nin; i++) {
        char sh[512];
        printf("input '%s': shape %s, %s\n", m.in[i].name,
               cli_shape_str(ins[i].ndim, ins[i].shape, sh, sizeof sh),
               cli_dtype_name(ins[i].dtype));
    }
    for (int k = 0; k < m.nout; k++) cli_tensor_print(&outs[k], (int)nvalues);
    if (print_time) {
        char a[32], b[32], c[32], d[32];
        printf("time: import %s, compile %s (target %s)\n", cli_fmt_ms(m.import_ms, a),
               cli_fmt_ms(m.compile_ms, b), cfg.target ? cfg.target : "llvm");
        /* the first call also starts the thread pool and, with dynamic
         * dims, compiles the kernel for these shapes: reported apart */
        printf("time: first call %s%s\n", cli_fmt_ms(times[0], a),
               m.symbolic ? " (compiles the kernel for these shapes)" : "");
        if (repeat > 1) {
            long long n = repeat - 1;
            double *t = times + 1, sum = 0;
            cli_sort_ms(t, n);
            for (long long r = 0; r < n; r++) sum += t[r];
            printf("time: %lld more run%s: mean %s, median %s, min %s, max %s\n", n,
                   n == 1 ? "" : "s", cli_fmt_ms(sum / (double)n, a), cli_fmt_ms(t[n / 2], b),
                   cli_fmt_ms(t[0], c), cli_fmt_ms(t[n - 1], d));
        }
    }
    if (out_path) {
        if (save_outputs(out_path, &m, outs) != 0) goto done;
        printf("outputs saved to %s\n", out_path);
    }
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
