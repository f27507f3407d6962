/* tvmc_run — runs one ONNX model through tvmc's public API, the way an
 * application embedding tvmc would: import the file, compile, call.
 *
 *   tvmc_run MODEL.onnx INPUT.npy [--out OUT.npy] [--threads N]
 *            [--runs R] [--warmup W] [--max-seconds S] [--no-inline]
 *
 * The model must have one float32 input and one float32 output (the three
 * whole-model workloads do). Prints one JSON line on stdout:
 *   import_ms, compile_ms, first_call_ms  one each (the first call of a
 *                                         model with constant shapes only
 *                                         runs; compiling happened before)
 *   cpu_ms                                median process CPU time of a timed
 *                                         call: at 1 thread, what the call
 *                                         costs however busy the machine is
 *   median_ms, min_ms                     of R timed calls after W warm-ups
 *                                         (fewer, at least 3, once the timed
 *                                         calls have taken S seconds)
 *   kernels, workspace_bytes              tvm_function_plan
 *   rss_base_kb, peak_rss_kb              VmRSS before the import, VmHWM at
 *                                         the end (the process's peak)
 *   hwm_import_kb, hwm_compile_kb         VmHWM after the import and after
 *                                         tvm_compile (where the peak arose)
 *   rss_end_kb                            VmRSS after the timed calls (what
 *                                         the application keeps: the code,
 *                                         the weights, the workspace)
 * The compile uses TVM_COMPILE_RELEASE_CONSTANTS, as an application that
 * frees the graph right after would: weights that only feed compile-time
 * folds (packed copies) are not held twice.
 * With --out, writes the output of the first call as float32 .npy.
 * --no-inline compiles with TVM_COMPILE_NO_INLINE (every operator its own
 * kernel), to see what fusion gains or costs on a whole model.
 * Exit status 1 on any error, with the message on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tvmc.h>

#include "../../bench/bench_util.h"
#include "npy.h"

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1 where the
 * file does not exist (not Linux). */
static long proc_status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* CPU time of the whole process (every thread), in ms. */
static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void) {
    fprintf(stderr, "usage: tvmc_run MODEL.onnx INPUT.npy [--out OUT.npy] [--threads N] "
                    "[--runs R] [--warmup W] [--max-seconds S] [--no-inline]\n");
    exit(2);
}

static DLTensor dl_f32(float *data, int ndim, int64_t *shape) {
    DLTensor t = {0};
    t.data = data;
    t.device.device_type = kDLCPU;
    t.ndim = ndim;
    t.dtype.code = kDLFloat;
    t.dtype.bits = 32;
    t.dtype.lanes = 1;
    t.shape = shape;
    return t;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *input_path = NULL, *out_path = NULL;
    int threads = 0, runs = 20, warmup = 3;
    double max_ms = 1e300;
    /* the graph is destroyed right after the compile: its weights need not
     * outlive the folds that prepare the function's copies */
    uint32_t flags = TVM_COMPILE_RELEASE_CONSTANTS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--out") == 0 && i + 1 < argc) out_path = argv[++i];
        else if (strcmp(a, "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(a, "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(a, "--warmup") == 0 && i + 1 < argc) warmup = atoi(argv[++i]);
        else if (strcmp(a, "--max-seconds") == 0 && i + 1 < argc) max_ms = atof(argv[++i]) * 1e3;
        else if (strcmp(a, "--no-inline") == 0) flags |= TVM_COMPILE_NO_INLINE;
        else if (a[0] == '-') usage();
        else if (!model_path) model_path = a;
        else if (!input_path) input_path = a;
        else usage();
    }
    if (!model_path || !input_path || runs < 1 || warmup < 0 || threads < 0) usage();

    char err[512];
    npy_array in;
    if (npy_load(input_path, &in, err, sizeof err) != 0) {
        fprintf(stderr, "tvmc_run: %s\n", err);
        return 1;
    }
    long rss_base = proc_status_kb("VmRSS");

    tvm_context_options copts = {.struct_size = sizeof copts, .num_threads = threads};
    tvm_context *ctx;
    TRY(tvm_context_create(&copts, &ctx));
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) {
        fprintf(stderr, "tvmc_run: tvm_graph_create: %s\n", tvm_last_error());
        return 1;
    }

    double t0 = now_ms();
    tvm_onnx_model *m;
    TRY(tvm_onnx_import_file(g, model_path, NULL, &m));
    double t1 = now_ms();
    long hwm_import = proc_status_kb("VmHWM");
    int nin, nout;
    TRY(tvm_onnx_model_counts(m, &nin, &nout));
    if (nin != 1 || nout != 1) {
        fprintf(stderr, "tvmc_run: %s has %d inputs and %d outputs; expected 1 and 1\n",
                model_path, nin, nout);
        return 1;
    }
    tvm_onnx_value vin = {.struct_size = sizeof vin}, vout = {.struct_size = sizeof vout};
    TRY(tvm_onnx_model_input(m, 0, &vin));
    TRY(tvm_onnx_model_output(m, 0, &vout));
    if (vin.dtype != TVM_FLOAT32 || vout.dtype != TVM_FLOAT32 || vin.ndim != in.ndim) {
        fprintf(stderr, "tvmc_run: %s: expected a float32 input of rank %d\n", model_path,
                in.ndim);
        return 1;
    }
    for (int d = 0; d < in.ndim; d++)
        if (vin.shape[d] >= 0 && vin.shape[d] != in.shape[d]) {
            fprintf(stderr, "tvmc_run: %s: input dim %d is %lld, the .npy has %lld\n",
                    model_path, d, (long long)vin.shape[d], (long long)in.shape[d]);
            return 1;
        }
    tvm_function *fn;
    tvm_compile_options opts = {.struct_size = sizeof opts, .flags = flags};
    TRY(tvm_compile(g, 1, &vin.tensor, 1, &vout.tensor, &opts, &fn));
    double t2 = now_ms();
    long hwm_compile = proc_status_kb("VmHWM");
    /* The function no longer needs the graph (it holds what it compiled),
     * so an application frees the imported weights here. */
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);

    DLTensor tin = dl_f32(in.data, in.ndim, in.shape);
    DLTensor *inputs[1] = {&tin};
    int64_t oshape[TVM_MAX_NDIM];
    int ondim;
    TRY(tvm_function_output_shape(fn, inputs, 0, oshape, &ondim));
    int64_t ocount = 1;
    for (int d = 0; d < ondim; d++) ocount *= oshape[d];
    float *out = aligned_alloc(64, ((size_t)ocount * 4 + 63) / 64 * 64);
    if (!out) {
        fprintf(stderr, "tvmc_run: out of memory\n");
        return 1;
    }
    DLTensor tout = dl_f32(out, ondim, oshape);
    DLTensor *args[2] = {&tin, &tout};

    double t3 = now_ms();
    TRY(tvm_function_call(fn, args, 2));
    double first_call = now_ms() - t3;
    if (out_path && npy_save(out_path, out, ondim, oshape, err, sizeof err) != 0) {
        fprintf(stderr, "tvmc_run: %s\n", err);
        return 1;
    }
    for (int i = 0; i < warmup; i++) TRY(tvm_function_call(fn, args, 2));
    double *times = malloc(sizeof(double) * (size_t)runs);
    double *cpu = malloc(sizeof(double) * (size_t)runs);
    double spent = 0;
    for (int i = 0; i < runs; i++) {
        double s = now_ms(), c = cpu_ms();
        TRY(tvm_function_call(fn, args, 2));
        times[i] = now_ms() - s;
        cpu[i] = cpu_ms() - c;
        spent += times[i];
        if (spent > max_ms && i + 1 >= 3) runs = i + 1;
    }
    double med = median(times, runs); /* sorts: times[0] is the minimum */
    double cpu_med = median(cpu, runs);

    tvm_kernel_plan plan = {.struct_size = sizeof plan};
    TRY(tvm_function_plan(fn, &plan));
    printf("{\"threads\": %d, \"import_ms\": %.2f, \"compile_ms\": %.2f, "
           "\"first_call_ms\": %.3f, \"median_ms\": %.3f, \"min_ms\": %.3f, "
           "\"cpu_ms\": %.3f, "
           "\"runs\": %d, \"kernels\": %d, \"workspace_bytes\": %lld, "
           "\"rss_base_kb\": %ld, \"hwm_import_kb\": %ld, \"hwm_compile_kb\": %ld, "
           "\"rss_end_kb\": %ld, \"peak_rss_kb\": %ld}\n",
           tvm_context_num_threads(ctx), t1 - t0, t2 - t1, first_call, med, times[0], cpu_med,
           runs,
           plan.num_kernels, (long long)plan.workspace_bytes, rss_base, hwm_import,
           hwm_compile, proc_status_kb("VmRSS"), proc_status_kb("VmHWM"));
    free(times);
    free(cpu);
    free(out);
    npy_free(&in);
    tvm_function_release(fn);
    tvm_context_destroy(ctx);
    return 0;
}
