/* test_cli_parsers.c — the command line's .npy / .npz readers and writers
 * (tools/tvmc/npy.c, npz.c) on images built here: round trips of every
 * dtype, hand-made headers, and malformed input — every truncation, every
 * single-byte corruption of a small archive, claimed sizes past the file —
 * which must come back as an error line, never a crash (this test is in the
 * core suite, so the ASan+UBSan build runs it). The numpy side of the
 * format is tested in test_cli.py. */
#define _GNU_SOURCE /* memmem */
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "cli.h"

static const tvm_dtype all_dtypes[] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_INT8,
                                       TVM_INT16,   TVM_INT32,   TVM_INT64,   TVM_UINT8,
                                       TVM_BOOL};

static cli_tensor make(tvm_dtype dt, int ndim, const int64_t *shape, const char *name) {
    cli_tensor t = {.dtype = dt, .ndim = ndim};
    if (ndim) memcpy(t.shape, shape, (size_t)ndim * sizeof *shape);
    CHECK(cli_tensor_alloc(&t) == 0);
    for (size_t i = 0; i < t.nbytes; i++)
        ((uint8_t *)t.data)[i] = dt == TVM_BOOL ? (uint8_t)(i & 1) : (uint8_t)(i * 37 + 1);
    t.name = strdup(name);
    return t;
}

/* parse must fail with a message naming `what` and containing needle */
static void expect_npy_error(const void *buf, size_t len, const char *needle) {
    cli_error_clear();
    cli_tensor t;
    int rc = npy_parse(buf, len, "case.npy", &t);
    CHECK(rc == -1);
    if (rc == 0) {
        fprintf(stderr, "  accepted a bad image expecting '%s'\n", needle);
        cli_tensor_free(&t);
        return;
    }
    CHECK_STR_CONTAINS(cli_error_text(), "case.npy");
    CHECK_STR_CONTAINS(cli_error_text(), needle);
    CHECK(strchr(cli_error_text(), '\n') == NULL);
}

static size_t header_image(uint8_t *buf, const char *dict, const void *data, size_t nbytes) {
    size_t hl = strlen(dict) + 1;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)hl;
    buf[9] = (uint8_t)(hl >> 8);
    memcpy(buf + 10, dict, hl - 1);
    buf[10 + hl - 1] = '\n';
    if (nbytes) memcpy(buf + 10 + hl, data, nbytes);
    return 10 + hl + nbytes;
}

TEST(npy_round_trip_every_dtype) {
    int64_t shape[3] = {2, 3, 5};
    for (size_t k = 0; k < sizeof all_dtypes / sizeof all_dtypes[0]; k++) {
        cli_tensor t = make(all_dtypes[k], 3, shape, "t");
        uint8_t *img;
        size_t len;
        CHECK_OR_RETURN(npy_encode(&t, &img, &len) == 0);
        CHECK(len % 64 == t.nbytes % 64); /* header padded to 64 bytes */
        cli_tensor u;
        CHECK(npy_parse(img, len, "rt.npy", &u) == 0);
        CHECK(u.dtype == t.dtype && u.ndim == 3 && u.shape[2] == 5);
        CHECK(u.nbytes == t.nbytes && memcmp(u.data, t.data, t.nbytes) == 0);
        free(img);
        cli_tensor_free(&u);
        cli_tensor_free(&t);
    }
}

TEST(npy_scalar_and_empty) {
    cli_tensor s = make(TVM_FLOAT64, 0, NULL, "s");
    uint8_t *img;
    size_t len;
    CHECK_OR_RETURN(npy_encode(&s, &img, &len) == 0);
    CHECK(memmem(img, len, "'shape': ()", 11) != NULL);
    cli_tensor u;
    CHECK(npy_parse(img, len, "s.npy", &u) == 0 && u.ndim == 0 && u.nbytes == 8);
    free(img);
    cli_tensor_free(&u);
    cli_tensor_free(&s);
    int64_t shape[2] = {0, 4};
    cli_tensor e = make(TVM_INT32, 2, shape, "e");
    CHECK_OR_RETURN(npy_encode(&e, &img, &len) == 0);
    CHECK(memmem(img, len, "(0, 4)", 6) != NULL);
    CHECK(npy_parse(img, len, "e.npy", &u) == 0 && u.nbytes == 0);
    free(img);
    cli_tensor_free(&u);
    cli_tensor_free(&e);
}

TEST(npy_headers_numpy_may_write) {
    uint8_t buf[512];
    float v[3] = {1, 2, 3};
    /* python 2 long suffix, double quotes, no trailing comma, extra spaces */
    const char *ok[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3,)}",
        "{ 'shape' : ( 3 , ) , 'fortran_order' : False , 'descr' : '=f4' }",
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        size_t len = header_image(buf, ok[k], v, sizeof v);
        cli_tensor t;
        cli_error_clear();
        CHECK(npy_parse(buf, len, "ok.npy", &t) == 0);
        if (cli_error_text()[0]) fprintf(stderr, "  %s\n", cli_error_text());
        CHECK(t.ndim == 1 && t.shape[0] == 3 && ((float *)t.data)[2] == 3.0f);
        cli_tensor_free(&t);
    }
    /* bools other than 0/1 are normalised */
    uint8_t b[2] = {0, 7};
    size_t len = header_image(buf, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
                              b, 2);
    cli_tensor t;
    CHECK(npy_parse(buf, len, "b.npy", &t) == 0 && ((uint8_t *)t.data)[1] == 1);
    cli_tensor_free(&t);
}

TEST(npy_malformed) {
    uint8_t buf[1024];
    float v[4] = {0};
    static const struct { const char *dict; size_t data; const char *needle; } cases[] = {
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", 16, "big-endian"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", 16, "Fortran"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (4,), }", 32, "<c8"},
        {"{'descr': '<u4', 'fortran_order': False, 'shape': (4,), }", 16, "<u4"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", 16, "structured"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", 16, "'x'"},
        {"{'descr': '<f4', 'shape': (4,), }", 16, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 12, "truncated"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 20, "after its data"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0,
         "too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }", 0,
         "too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, -1), }", 0, "non-negative"},
        {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }", 16, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': 4, }", 16, "tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } x", 16, "after the dict"},
        {"('descr', '<f4')", 16, "dict"},
        {"{'descr': '<f4\\'', 'fortran_order': False, 'shape': (4,), }", 16, "string"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t data[32] = {0};
        size_t len = header_image(buf, cases[k].dict, data, cases[k].data);
        expect_npy_error(buf, len, cases[k].needle);
    }
    expect_npy_error("", 0, "magic");
    expect_npy_error("\x93NUMPX\x01\x00\x00\x00", 10, "magic");
    size_t len = header_image(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                              v, sizeof v);
    buf[6] = 4;
    expect_npy_error(buf, len, "version");
    buf[6] = 1;
    buf[len - sizeof v - 1] = ' '; /* header not ended by a newline */
    expect_npy_error(buf, len, "newline");
    /* header length past the end, and over the limit (version 2) */
    memcpy(buf, "\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 13);
    expect_npy_error(buf, 13, "larger");
    memcpy(buf, "\x93NUMPY\x01\x00\xff\x0f{", 11);
    expect_npy_error(buf, 11, "truncated");
    /* more than TVM_MAX_NDIM dims */
    char dict[400] = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (int d = 0; d < 40; d++) strcat(dict, "1, ");
    strcat(dict, "), }");
    len = header_image(buf, dict, v, 4);
    expect_npy_error(buf, len, "dimensions");
}

/* Every prefix of a valid image fails cleanly, and so does every image with
 * one byte changed, or parses to something self-consistent. */
static void torture(const uint8_t *img, size_t len, bool npz) {
    uint8_t *copy = malloc(len);
    for (size_t cut = 0; cut < len; cut++) {
        cli_error_clear();
        cli_tensor t, *ts;
        int n;
        int rc = npz ? npz_parse(img, cut, "t", &ts, &n) : npy_parse(img, cut, "t", &t);
        CHECK(rc == -1 && cli_error_text()[0]);
        if (rc == 0) {
            fprintf(stderr, "  prefix of %zu bytes accepted\n", cut);
            if (npz) cli_tensors_free(ts, n); else cli_tensor_free(&t);
        }
    }
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, img, len);
            copy[i] ^= (uint8_t)(1u << bit);
            cli_error_clear();
            cli_tensor t, *ts;
            int n;
            int rc = npz ? npz_parse(copy, len, "t", &ts, &n) : npy_parse(copy, len, "t", &t);
            if (rc == 0) {
                if (npz) {
                    for (int k = 0; k < n; k++)
                        CHECK(ts[k].nbytes ==
                              (size_t)cli_numel(ts[k].ndim, ts[k].shape) * cli_dtype_size(ts[k].dtype));
                    cli_tensors_free(ts, n);
                } else {
                    CHECK(t.nbytes == (size_t)cli_numel(t.ndim, t.shape) * cli_dtype_size(t.dtype));
                    cli_tensor_free(&t);
                }
            } else {
                CHECK(cli_error_text()[0] != '\0');
            }
        }
    free(copy);
}

TEST(npy_every_truncation_and_byte_flip) {
    int64_t shape[2] = {3, 4};
    cli_tensor t = make(TVM_FLOAT32, 2, shape, "t");
    uint8_t *img;
    size_t len;
    CHECK_OR_RETURN(npy_encode(&t, &img, &len) == 0);
    torture(img, len, false);
    free(img);
    cli_tensor_free(&t);
}

static int write_and_read(const cli_tensor *ts, int n, uint8_t **img, size_t *len) {
    char path[] = "/tmp/tvmc_test_npz_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    int rc = npz_write_file(path, ts, n);
    if (rc == 0) rc = cli_read_file(path, 1 << 24, img, len);
    unlink(path);
    return rc;
}

TEST(npz_round_trip) {
    int64_t s1[2] = {2, 3}, s2[1] = {7};
    cli_tensor ts[3] = {make(TVM_FLOAT32, 2, s1, "a"), make(TVM_INT64, 1, s2, "b.with:odd/name"),
                        make(TVM_BOOL, 1, s2, "c")};
    uint8_t *img;
    size_t len;
    CHECK_OR_RETURN(write_and_read(ts, 3, &img, &len) == 0);
    cli_tensor *got;
    int n;
    CHECK_OR_RETURN(npz_parse(img, len, "rt.npz", &got, &n) == 0);
    CHECK(n == 3);
    for (int k = 0; k < 3 && k < n; k++) {
        CHECK(strcmp(got[k].name, ts[k].name) == 0);
        CHECK(got[k].dtype == ts[k].dtype && got[k].nbytes == ts[k].nbytes);
        CHECK(memcmp(got[k].data, ts[k].data, ts[k].nbytes) == 0);
    }
    cli_tensors_free(got, n);
    torture(img, len, true);
    free(img);
    for (int k = 0; k < 3; k++) cli_tensor_free(&ts[k]);
}

/* A deflated archive built here with zlib, as numpy.savez_compressed does. */
static size_t deflated_npz(uint8_t *out, const uint8_t *npy, size_t n, uint32_t claim) {
    uint8_t comp[4096];
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)npy;
    z.avail_in = (uInt)n;
    z.next_out = comp;
    z.avail_out = sizeof comp;
    deflate(&z, Z_FINISH);
    size_t clen = sizeof comp - z.avail_out;
    deflateEnd(&z);
    uint32_t crc = (uint32_t)crc32(0, npy, (uInt)n);
    size_t p = 0;
#define W16(v) (out[p++] = (uint8_t)(v), out[p++] = (uint8_t)((v) >> 8))
#define W32(v) (W16((v) & 0xffff), W16((uint32_t)(v) >> 16))
    W32(0x04034b50u); W16(20); W16(0); W16(8); W16(0); W16(0); W32(crc); W32(clen); W32(n);
    W16(5); W16(0);
    memcpy(out + p, "x.npy", 5); p += 5;
    memcpy(out + p, comp, clen); p += clen;
    size_t cd = p;
    W32(0x02014b50u); W16(20); W16(20); W16(0); W16(8); W16(0); W16(0); W32(crc); W32(clen);
    W32(claim); W16(5); W16(0); W16(0); W16(0); W16(0); W32(0); W32(0);
    memcpy(out + p, "x.npy", 5); p += 5;
    size_t cdlen = p - cd;
    W32(0x06054b50u); W16(0); W16(0); W16(1); W16(1); W32(cdlen); W32(cd); W16(0);
#undef W16
#undef W32
    return p;
}

TEST(npz_deflate_and_bombs) {
    int64_t shape[1] = {300};
    cli_tensor t = make(TVM_INT16, 1, shape, "x");
    memset(t.data, 0, t.nbytes); /* compresses well */
    uint8_t *npy;
    size_t nlen;
    CHECK_OR_RETURN(npy_encode(&t, &npy, &nlen) == 0);
    uint8_t img[8192];
    size_t len = deflated_npz(img, npy, nlen, (uint32_t)nlen);
    cli_tensor *got;
    int n;
    cli_error_clear();
    CHECK(npz_parse(img, len, "d.npz", &got, &n) == 0 && n == 1 && got[0].nbytes == 600);
    if (cli_error_text()[0]) fprintf(stderr, "  %s\n", cli_error_text());
    cli_tensors_free(got, n);
    torture(img, len, true);
    /* claims fewer bytes than it inflates to, more, more than deflate can
     * make of the compressed bytes (refused before any allocation), and
     * past the limit */
    uint32_t claims[4] = {(uint32_t)nlen - 1, (uint32_t)nlen + 1, 1u << 30, 0xFFFFFFFEu};
    const char *needles[4] = {"inflate", "inflate", "deflate can produce", "allowed"};
    for (int k = 0; k < 4; k++) {
        len = deflated_npz(img, npy, nlen, claims[k]);
        cli_error_clear();
        CHECK(npz_parse(img, len, "d.npz", &got, &n) == -1);
        CHECK_STR_CONTAINS(cli_error_text(), needles[k]);
    }
    free(npy);
    cli_tensor_free(&t);
}

/* The archive of npz_write_file rewritten in ZIP64 form: the end record's
 * counts and offsets 0xFFFF.../ the 64-bit record and its locator carry
 * them, and the central entry's sizes and offset move to a ZIP64 extra
 * field, as zip tools write archives past 4 GiB. */
TEST(npz_zip64_records) {
    int64_t shape[1] = {5};
    cli_tensor t = make(TVM_INT32, 1, shape, "z");
    uint8_t *img;
    size_t len;
    CHECK_OR_RETURN(write_and_read(&t, 1, &img, &len) == 0);
    size_t eocd = len - 22, cd = img[eocd + 16] | img[eocd + 17] << 8 |
                                 (size_t)img[eocd + 18] << 16 | (size_t)img[eocd + 19] << 24;
    size_t cdlen = eocd - cd, extra = 4 + 24;
    uint8_t *z = calloc(len + extra + 56 + 20, 1);
    /* data and local header as they are, then the central entry + extra */
    memcpy(z, img, cd + cdlen);
    size_t p = cd + cdlen;
    uint8_t *c = z + cd;
    uint64_t usize = (uint64_t)(c[24] | c[25] << 8 | c[26] << 16 | (uint32_t)c[27] << 24);
    uint64_t csize = usize, off = 0;
    memset(c + 20, 0xFF, 8);  /* csize, usize */
    memset(c + 42, 0xFF, 4);  /* local header offset */
    c[30] = (uint8_t)extra;   /* extra field length */
    uint8_t x[28] = {1, 0, 24, 0};
    for (int i = 0; i < 8; i++) {
        x[4 + i] = (uint8_t)(usize >> (8 * i));
        x[12 + i] = (uint8_t)(csize >> (8 * i));
        x[20 + i] = (uint8_t)(off >> (8 * i));
    }
    memcpy(z + p, x, extra); /* the entry's name is last in it, so the extra follows */
    p += extra;
    size_t cd64len = cdlen + extra, rec = p;
    uint8_t r[56] = {0x50, 0x4b, 0x06, 0x06, 44};
    r[12] = 45;
    r[14] = 45;
    r[24] = 1; /* entries on this disk */
    r[32] = 1; /* entries */
    for (int i = 0; i < 8; i++) {
        r[40 + i] = (uint8_t)(cd64len >> (8 * i));
        r[48 + i] = (uint8_t)((uint64_t)cd >> (8 * i));
    }
    memcpy(z + p, r, 56);
    p += 56;
    uint8_t loc[20] = {0x50, 0x4b, 0x06, 0x07};
    for (int i = 0; i < 8; i++) loc[8 + i] = (uint8_t)((uint64_t)rec >> (8 * i));
    loc[16] = 1;
    memcpy(z + p, loc, 20);
    p += 20;
    uint8_t e[22] = {0x50, 0x4b, 0x05, 0x06};
    memset(e + 8, 0xFF, 12); /* counts, directory size and offset: see ZIP64 */
    memcpy(z + p, e, 22);
    p += 22;
    cli_tensor *got;
    int n;
    cli_error_clear();
    CHECK(npz_parse(z, p, "z64.npz", &got, &n) == 0);
    if (cli_error_text()[0]) fprintf(stderr, "  %s\n", cli_error_text());
    if (cli_error_text()[0] == '\0') {
        CHECK(n == 1 && strcmp(got[0].name, "z") == 0 && got[0].nbytes == 20);
        CHECK(memcmp(got[0].data, t.data, 20) == 0);
        cli_tensors_free(got, n);
    }
    torture(z, p, true);
    free(z);
    free(img);
    cli_tensor_free(&t);
}

TEST(shape_option_parsing) {
    char *name = NULL;
    int ndim;
    int64_t shape[TVM_MAX_NDIM];
    CHECK(cli_parse_shape("data=1x3x224x224", &name, &ndim, shape) == 0);
    CHECK(name && strcmp(name, "data") == 0 && ndim == 4 && shape[3] == 224);
    free(name);
    CHECK(cli_parse_shape("a=b=2", &name, &ndim, shape) == 0 && strcmp(name, "a=b") == 0);
    free(name);
    CHECK(cli_parse_shape("s=scalar", &name, &ndim, shape) == 0 && ndim == 0);
    free(name);
    const char *bad[] = {"noequals", "=3", "x=3x", "x=-1", "x=3y4", "x=99999999999999999999"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cli_error_clear();
        CHECK(cli_parse_shape(bad[k], &name, &ndim, shape) == -1);
        CHECK_STR_CONTAINS(cli_error_text(), "--shape");
    }
}

CHECK_MAIN()
