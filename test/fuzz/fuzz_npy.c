/* fuzz_npy.c — libFuzzer target for the tvmc command line's .npy and .npz
 * readers (tools/tvmc/npy.c, npz.c): the first byte picks the reader, the
 * rest is the file. Oracles besides the sanitizers: a failure records a
 * one-line, non-empty error; a success yields tensors whose byte count is
 * their shape's, and which encode back to .npy and parse again to the same
 * bytes. Seeds: corpus_npy/ (make_npy_corpus.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void finding(const char *what) {
    fprintf(stderr, "fuzz_npy: FINDING: %s (error line: '%s')\n", what, cli_error_text());
    __builtin_trap();
}

static void check_tensor(const cli_tensor *t) {
    int64_t n = cli_numel(t->ndim, t->shape);
    if (n < 0 || (size_t)n * cli_dtype_size(t->dtype) != t->nbytes) finding("size mismatch");
    uint8_t *img;
    size_t len;
    if (npy_encode(t, &img, &len) != 0) finding("a parsed tensor does not encode");
    cli_tensor u;
    if (npy_parse(img, len, "re", &u) != 0) finding("an encoded tensor does not parse");
    if (u.nbytes != t->nbytes || (t->nbytes && memcmp(u.data, t->data, t->nbytes) != 0))
        finding("round trip changed the bytes");
    cli_tensor_free(&u);
    free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    cli_error_clear();
    if (data[0] & 1) {
        cli_tensor *ts;
        int n;
        if (npz_parse(data + 1, size - 1, "in.npz", &ts, &n) == 0) {
            for (int k = 0; k < n; k++) check_tensor(&ts[k]);
            cli_tensors_free(ts, n);
            return 0;
        }
    } else {
        cli_tensor t;
        if (npy_parse(data + 1, size - 1, "in.npy", &t) == 0) {
            check_tensor(&t);
            cli_tensor_free(&t);
            return 0;
        }
    }
    const char *e = cli_error_text();
    if (!e[0] || strchr(e, '\n') || strlen(e) > 1500) finding("bad error line");
    return 0;
}
