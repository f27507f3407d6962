/* cli.h — what the files of the tvmc command line share: host tensors, the
 * one-line error convention, option parsing, progress and the loaded model.
 *
 * Errors: a function that can fail returns 0 or -1; on -1 it has called
 * cli_error() once with the whole reason, and main() prints that line as
 * "tvmc: error: ..." and exits with status 1 (2 for usage errors: the
 * subcommands return -2 for those). */
#ifndef TVMC_CLI_H
#define TVMC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tvmc.h>

/* ---- errors (error.c) ------------------------------------------------------ */

/* Records the error line (the first one wins until cli_error_clear) and
 * returns -1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cli_error_text(void);
void cli_error_clear(void);
/* cli_error with tvm_last_error() appended: "what: library message". */
int cli_tvm_error(tvm_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- host tensors (tensor.c) ---------------------------------------------- */

typedef struct cli_tensor {
    char *name;                 /* owned; NULL for an unnamed .npy */
    tvm_dtype dtype;
    int ndim;
    int64_t shape[TVM_MAX_NDIM];
    void *data;                 /* owned, 64-byte aligned, nbytes long */
    size_t nbytes;
    DLTensor dl;                /* views data (set by cli_tensor_dl) */
} cli_tensor;

size_t cli_dtype_size(tvm_dtype dt);
const char *cli_dtype_name(tvm_dtype dt); /* numpy's spelling: "float32" */
/* Element count of a shape, or -1 when it overflows int64 / size limits. */
int64_t cli_numel(int ndim, const int64_t *shape);
/* Allocates data for the tensor's dtype and shape (zeroed); -1 on overflow
 * or out of memory. */
int cli_tensor_alloc(cli_tensor *t);
void cli_tensor_free(cli_tensor *t);
void cli_tensors_free(cli_tensor *t, int n);
/* Points t->dl at t's data and shape. */
DLTensor *cli_tensor_dl(cli_tensor *t);
/* "1x3x224x224" ("scalar" for rank 0) into buf. */
const char *cli_shape_str(int ndim, const int64_t *shape, char *buf, size_t cap);
/* Fills with deterministic pseudo-random values: floats uniform in
 * [-1, 1), integers in [0, 10), bools 0/1. */
void cli_tensor_random(cli_tensor *t, uint64_t *state);
/* Element i as a double (float16 / bfloat16 widened). */
double cli_tensor_get(const cli_tensor *t, int64_t i);
/* A one-tensor summary block: name, shape, dtype, first values, stats. */
void cli_tensor_print(const cli_tensor *t, int max_values);

/* ---- .npy and .npz (npy.c, npz.c) ----------------------------------------- */

/* Parses a whole .npy image (versions 1-3, little-endian, C order) into t
 * (data copied). what names the source in errors. */
int npy_parse(const uint8_t *buf, size_t len, const char *what, cli_tensor *t);
/* Serialises t as .npy version 1 (version 2 if the header needs it) into a
 * malloc'd buffer. bfloat16 is written as float32 (numpy has no bfloat16). */
int npy_encode(const cli_tensor *t, uint8_t **out, size_t *len);
int npy_read_file(const char *path, cli_tensor *t);
int npy_write_file(const char *path, const cli_tensor *t);

/* Largest array the readers accept (decompressed bytes per entry). */
#define CLI_MAX_ARRAY_BYTES ((size_t)1 << 31) /* 2 GiB */

/* Parses a whole .npz (zip) image: every entry must be NAME.npy, stored or
 * deflated; *ts gets n tensors named NAME. */
int npz_parse(const uint8_t *buf, size_t len, const char *what, cli_tensor **ts, int *n);
int npz_read_file(const char *path, cli_tensor **ts, int *n);
/* Writes the tensors (named) as an uncompressed .npz. */
int npz_write_file(const char *path, const cli_tensor *ts, int n);

/* Reads a whole file (at most max bytes) into a malloc'd buffer. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len);
int cli_write_file(const char *path, const void *data, size_t len);

/* ---- options (args.c) ----------------------------------------------------- */

typedef struct cli_option {
    const char *name;    /* "--target" */
    const char *metavar; /* NULL: a flag without a value */
    const char *help;
} cli_option;

/* One parsed argument: opt >= 0 indexes the option table, -1 is a
 * positional argument. */
typedef struct cli_arg {
    int opt;
    const char *value;
} cli_arg;

/* Splits argv by the option table ("--name value" or "--name=value");
 * unknown options and missing values are errors. *args is malloc'd. */
int cli_parse_args(int argc, char **argv, const cli_option *opts, int nopts,
                   cli_arg **args, int *nargs);
void cli_print_options(const cli_option *opts, int nopts);
int cli_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out);
/* "NAME=1x3x224x224" */
int cli_parse_shape(const char *s, char **name, int *ndim, int64_t *shape);

/* ---- progress (progress.c) ------------------------------------------------ */

/* Starts a step; if it is still running after one second a line
 * "tvmc: <what>..." goes to stderr (updated with done/total on a terminal),
 * and its end prints the elapsed time. Steps do not nest. */
void progress_begin(const char *what);
void progress_count(int64_t done, int64_t total);
void progress_end(void);
double cli_now_ms(void);
/* A duration for people: "12.345 ms", "3.21 us", "1.500 s". */
const char *cli_fmt_ms(double ms, char buf[32]);
/* Sorts n timings ascending (for medians and percentiles). */
void cli_sort_ms(double *v, long long n);

/* ---- the model (model.c) -------------------------------------------------- */

typedef struct cli_config {
    const char *model_path;
    const char *target;        /* NULL = llvm */
    int threads;               /* 0 = library default */
    int opt_level;             /* tvm_compile_options.opt_level */
    bool no_cache;
    /* input sources, in order of the command line */
    const char **input_files;  /* FILE.npz | FILE.npy | NAME=FILE.npy */
    int ninput_files;
    char **shape_names;        /* --shape NAME=DIMS */
    int nshapes;
    int shape_ndim[64];
    int64_t shape_dims[64][TVM_MAX_NDIM];
    uint64_t seed;
} cli_config;

typedef struct cli_model {
    tvm_context *ctx;
    tvm_graph *g;
    tvm_onnx_model *onnx;
    tvm_function *fn;
    int nin, nout;
    tvm_onnx_value *in, *out;  /* descriptions, nin + nout */
    double import_ms, compile_ms;
    bool symbolic;             /* some input dim is a size variable */
} cli_model;

/* Imports and compiles the model (progress shown). */
int model_load(const cli_config *cfg, cli_model *m);
void model_free(cli_model *m);
/* The inputs for a call, from the configured files or random values, in
 * the model's input order, checked against it (names, dtypes, ranks,
 * constant dims, shared size variables). *random is set when any input was
 * generated. */
int model_inputs(const cli_config *cfg, const cli_model *m, cli_tensor **ins, bool *random);
/* Output tensors for those inputs (shapes from tvm_function_output_shape). */
int model_outputs(const cli_model *m, cli_tensor *ins, cli_tensor **outs);
/* One call: inputs then outputs. */
int model_call(const cli_model *m, cli_tensor *ins, cli_tensor *outs);

/* ---- subcommands ---------------------------------------------------------- */

/* Options every subcommand that loads a model accepts; the parsers of run,
 * bench and dump share them (model.c). */
extern const cli_option cli_model_options[];
extern const int cli_num_model_options;
int cli_model_option(cli_config *cfg, int opt, const char *value);
void cli_config_free(cli_config *cfg);
/* Parses a subcommand's arguments: the model options go into cfg, the one
 * positional argument is the model, the command's own options (indices into
 * own) come back in *rest. --help prints usage and the options and sets
 * *help. Returns 0, or -2 for a bad command line (error recorded). */
int cli_parse_command(const char *usage, int argc, char **argv, const cli_option *own, int nown,
                      cli_config *cfg, cli_arg **rest, int *nrest, bool *help);

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_dump(int argc, char **argv);

#endif
