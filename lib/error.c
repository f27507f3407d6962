/* error.c — status names and the thread-local last-error message. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

/* One message slot per thread: a failing call writes it, tvm_last_error()
 * reads it. Messages are capped at 1 KiB. */
static _Thread_local char last_error[1024];

tvm_status err_set(tvm_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return s;
}

void err_set_msg(const char *msg) {
    snprintf(last_error, sizeof last_error, "%s", msg ? msg : "");
}

TVMC_API const char *tvm_last_error(void) { return last_error; }

TVMC_API const char *tvm_status_string(tvm_status s) {
    switch (s) {
    case TVM_OK: return "TVM_OK";
    case TVM_ERR_INVALID_ARGUMENT: return "TVM_ERR_INVALID_ARGUMENT";
    case TVM_ERR_DTYPE: return "TVM_ERR_DTYPE";
    case TVM_ERR_SHAPE: return "TVM_ERR_SHAPE";
    case TVM_ERR_OUT_OF_BOUNDS: return "TVM_ERR_OUT_OF_BOUNDS";
    case TVM_ERR_UNSUPPORTED: return "TVM_ERR_UNSUPPORTED";
    case TVM_ERR_OUT_OF_MEMORY: return "TVM_ERR_OUT_OF_MEMORY";
    case TVM_ERR_COMPILE: return "TVM_ERR_COMPILE";
    case TVM_ERR_DEVICE: return "TVM_ERR_DEVICE";
    case TVM_ERR_PARSE: return "TVM_ERR_PARSE";
    case TVM_ERR_IO: return "TVM_ERR_IO";
    case TVM_ERR_INTERNAL: return "TVM_ERR_INTERNAL";
    case TVM_ERR_LIMIT: return "TVM_ERR_LIMIT";
    case TVM_ERR_VERSION: return "TVM_ERR_VERSION";
    case TVM_ERR_INVALID_HANDLE: return "TVM_ERR_INVALID_HANDLE";
    }
    return "unknown status";
}

TVMC_API void tvm_free(void *p) { free(p); }

TVMC_API const char *tvm_version(void) { return "0.1.0"; }
