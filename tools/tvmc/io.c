/* io.c — whole-file reads and writes with the tool's one-line errors. A
 * read is bounded (the caller's limit) and refuses non-regular files, so a
 * FIFO or /dev/zero given as an input fails instead of hanging or growing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error("cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return cli_error("%s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        fclose(f);
        return cli_error("%s is %lld bytes, more than the %zu allowed", path,
                         (long long)st.st_size, max);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return cli_error("out of memory reading %s", path);
    }
    size_t got = n ? fread(buf, 1, n, f) : 0;
    int err = ferror(f);
    fclose(f);
    if (got != n || err) {
        free(buf);
        return cli_error("cannot read %s", path);
    }
    *out = buf;
    *len = n;
    return 0;
}

int cli_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return cli_error("cannot create %s: %s", path, strerror(errno));
    size_t put = len ? fwrite(data, 1, len, f) : 0;
    int bad = put != len || fflush(f) != 0;
    if (fclose(f) != 0) bad = 1;
    if (bad) return cli_error("cannot write %s: %s", path, strerror(errno));
    return 0;
}
