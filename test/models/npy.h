/* npy.h — reads and writes float32 .npy files (numpy's format, versions 1-3,
 * little-endian, C order), the exchange format between the exporter, ONNX
 * Runtime's runner and tvmc's runner. Only what the model runners need. */
#ifndef TVMC_MODELS_NPY_H
#define TVMC_MODELS_NPY_H

#include <stdint.h>

#define NPY_MAX_NDIM 8

typedef struct npy_array {
    int ndim;
    int64_t shape[NPY_MAX_NDIM];
    int64_t count; /* elements */
    float *data;   /* malloc'd, 64-byte aligned */
} npy_array;

/* Loads path into *a. Returns 0, or -1 with a message in err (the file
 * cannot be read, is not a float32 C-order .npy, or is truncated). */
int npy_load(const char *path, npy_array *a, char *err, int errlen);
/* Writes a float32 .npy file. Returns 0, or -1 with a message in err. */
int npy_save(const char *path, const float *data, int ndim, const int64_t *shape,
             char *err, int errlen);
void npy_free(npy_array *a);

#endif
