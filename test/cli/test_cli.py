"""The tvmc command line, end to end: run / bench / dump on the shipped model
and on models from models.py, outputs read back with numpy.load and compared
with numpy computing the model by hand; .npy/.npz written by numpy and read
by the tool and the reverse, every dtype; malformed files and command lines
give one error line and a non-zero exit, never a crash.

Environment (set by meson): TVMC_CLI, the tool; TVMC_DEMO_MODEL, the shipped
examples/models/tiny_cnn.onnx."""
import io
import os
import struct
import subprocess
import warnings
import zipfile
import zlib

import numpy as np
import pytest

import models

TVMC = os.environ["TVMC_CLI"]
DEMO = os.environ["TVMC_DEMO_MODEL"]
DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.bool_]


def tvmc(*args, ok=True):
    p = subprocess.run([TVMC, *map(str, args)], capture_output=True, text=True, timeout=300)
    if ok:
        assert p.returncode == 0, f"tvmc {args} failed ({p.returncode}): {p.stderr}"
    return p


def expect_error(*args, mentions=()):
    """One line on stderr, 'tvmc: error: ...', exit 1 or 2 (not a signal)."""
    p = tvmc(*args, ok=False)
    assert p.returncode in (1, 2), f"exit {p.returncode}: {p.stderr}"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tvmc: error: "), p.stderr
    for m in mentions:
        assert m in lines[0], f"'{m}' not in: {lines[0]}"
    return lines[0]


def write_model(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---- help -------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [[], ["run"], ["bench"], ["dump"]])
def test_help(cmd):
    for flag in ["--help", "-h"]:
        p = tvmc(*cmd, flag)
        assert p.stdout.startswith("usage: tvmc"), p.stdout
        assert p.stderr == ""
        if cmd:
            assert "--target" in p.stdout and "--help" in p.stdout


def test_version():
    assert tvmc("--version").stdout.startswith("tvmc 0.")


def test_no_arguments_is_a_usage_error():
    p = tvmc(ok=False)
    assert p.returncode == 2 and "usage" in p.stderr


# ---- the shipped model ----------------------------------------------------------

def test_run_shipped_model_matches_numpy(tmp_path):
    image = np.random.RandomState(1).standard_normal((1, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "image.npy", image)
    out = tmp_path / "out.npz"
    p = tvmc("run", DEMO, "--inputs", tmp_path / "image.npy", "--outputs", out, "--print-time")
    assert "output 'probs': shape 1x10, float32" in p.stdout
    assert "compile" in p.stdout and "first call" in p.stdout
    p = tvmc("run", DEMO, "--print-time", "--repeat", "4")
    assert "3 more runs: mean" in p.stdout and "median" in p.stdout
    got = np.load(out)
    assert list(got.keys()) == ["probs"]
    ref = models.tiny_cnn_reference(DEMO)(image)["probs"]
    np.testing.assert_allclose(got["probs"], ref, rtol=1e-5, atol=1e-6)


def test_run_random_inputs_are_seeded(tmp_path):
    a, b, c = tmp_path / "a.npy", tmp_path / "b.npy", tmp_path / "c.npy"
    tvmc("run", DEMO, "--outputs", a)
    tvmc("run", DEMO, "--outputs", b, "--seed", "0")
    tvmc("run", DEMO, "--outputs", c, "--seed", "5")
    assert np.array_equal(np.load(a), np.load(b))
    assert not np.array_equal(np.load(a), np.load(c))


def test_run_interp_matches_llvm(tmp_path):
    tvmc("run", DEMO, "--outputs", tmp_path / "l.npz", "--repeat", "3")
    p = tvmc("run", DEMO, "--outputs", tmp_path / "i.npz", "--target", "interp")
    assert "output 'probs'" in p.stdout
    np.testing.assert_allclose(np.load(tmp_path / "i.npz")["probs"],
                               np.load(tmp_path / "l.npz")["probs"], rtol=1e-5, atol=1e-7)


def test_bench_shipped_model():
    p = tvmc("bench", DEMO, "--repeat", "20", "--warmup", "2", "--threads", "1")
    out = p.stdout
    assert "1 thread)" in out
    for word in ["compile", "(cold)", "median", "p99", "20 runs after 2 warm-up",
                 "workspace", "kernel"]:
        assert word in out, out


@pytest.mark.parametrize("stage,needle", [("graph", "placeholder image"),
                                          ("fused", "kernel 0:"),
                                          ("loop", "image"),
                                          ("llvm", "define"),
                                          ("asm", ".text")])
def test_dump_stages(stage, needle, tmp_path):
    p = tvmc("dump", DEMO, "--stage", stage)
    assert needle in p.stdout, p.stdout[:500]
    tvmc("dump", DEMO, "--stage", stage, "--output", tmp_path / "d.txt")
    text = (tmp_path / "d.txt").read_text()
    if stage in ("llvm", "asm"):  # JIT code embeds host addresses, which vary per process
        assert needle in text and abs(len(text.splitlines()) - len(p.stdout.splitlines())) < 3
    else:
        assert text.rstrip("\n") == p.stdout.rstrip("\n")


def test_dump_errors():
    expect_error("dump", DEMO, "--stage", "bogus", mentions=["bogus"])
    expect_error("dump", DEMO, "--stage", "asm", "--target", "interp", mentions=["interp"])


# ---- models with numpy references ------------------------------------------------

@pytest.mark.parametrize("target", ["llvm", "interp"])
def test_mlp_dynamic_batch(tmp_path, target):
    data, ref = models.mlp()
    model = write_model(tmp_path, "mlp.onnx", data)
    rng = np.random.RandomState(3)
    x = rng.standard_normal((5, 6)).astype(np.float32)
    scale = rng.standard_normal((1, 5)).astype(np.float32)
    np.savez_compressed(tmp_path / "in.npz", x=x, scale=scale)  # deflated entries
    out = tmp_path / "out.npz"
    p = tvmc("run", model, "--inputs", tmp_path / "in.npz", "--outputs", out,
             "--target", target, "--print-time")
    assert "first call" in p.stdout
    got = np.load(out)
    want = ref(x, scale)
    assert sorted(got.keys()) == ["s", "y"]
    assert got["y"].shape == (5, 3) and got["s"].shape == (5,)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-5)


def test_mlp_inputs_by_name_and_shape_option(tmp_path):
    data, ref = models.mlp()
    model = write_model(tmp_path, "mlp.onnx", data)
    x = np.random.RandomState(4).standard_normal((2, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "o.npz"
    # x from a file, scale random: its shape is constant
    tvmc("run", model, "--inputs", f"x={tmp_path / 'x.npy'}", "--outputs", out)
    assert np.load(out)["y"].shape == (2, 3)
    # every input random: the dynamic dim comes from --shape
    p = tvmc("run", model, "--shape", "x=7x6", "--outputs", out)
    assert np.load(out)["y"].shape == (7, 3)
    assert "input 'x': shape 7x6" in p.stdout
    tvmc("bench", model, "--shape", "x=4x6", "--repeat", "5")
    assert "define" in tvmc("dump", model, "--stage", "llvm", "--shape", "x=3x6").stdout
    # without shapes the loop IR is the symbolic template
    assert tvmc("dump", model, "--stage", "loop").stdout
    expect_error("run", model, mentions=["'x'", "--shape"])
    expect_error("dump", model, "--stage", "asm", mentions=["'x'", "dynamic"])
    expect_error("dump", model, "--stage", "loop", "--shape", "x=3x5", mentions=["'x'", "3x5"])
    expect_error("run", model, "--shape", "x=3x7", mentions=["'x'", "3x7", "?x6"])
    expect_error("run", model, "--shape", "nope=3", mentions=["'nope'", "'x'"])
    expect_error("run", model, "--shape", "x=3xq", mentions=["--shape"])
    expect_error("run", model, "--shape", "x=99999999999x6", mentions=["'x'", "too large"])
    expect_error("run", model, "--inputs", tmp_path / "x.npy", mentions=["2 inputs"])


def test_int_and_bool_outputs(tmp_path):
    data, ref = models.int_ops()
    model = write_model(tmp_path, "int.onnx", data)
    a = np.array([[1, -2, 3], [4, 5, -6]], np.int32)
    b = np.array([[3, 2, 1], [-4, 5, 6]], np.int32)
    np.savez(tmp_path / "in.npz", a=a, b=b)
    tvmc("run", model, "--inputs", tmp_path / "in.npz", "--outputs", tmp_path / "o.npz")
    got = np.load(tmp_path / "o.npz")
    want = ref(a, b)
    assert got["q"].dtype == np.int32 and got["gt"].dtype == np.bool_
    np.testing.assert_array_equal(got["q"], want["q"])
    np.testing.assert_array_equal(got["gt"], want["gt"])


def test_input_mismatches_name_the_input(tmp_path):
    data, _ = models.int_ops()
    model = write_model(tmp_path, "int.onnx", data)
    np.savez(tmp_path / "f.npz", a=np.zeros((2, 3), np.float32), b=np.zeros((2, 3), np.int32))
    expect_error("run", model, "--inputs", tmp_path / "f.npz",
                 mentions=["'a'", "float32", "int32"])
    np.savez(tmp_path / "s.npz", a=np.zeros((3, 2), np.int32), b=np.zeros((2, 3), np.int32))
    expect_error("run", model, "--inputs", tmp_path / "s.npz", mentions=["'a'", "3x2", "2x3"])
    np.savez(tmp_path / "x.npz", c=np.zeros((2, 3), np.int32))
    expect_error("run", model, "--inputs", tmp_path / "x.npz", mentions=["'c'", "'a'", "'b'"])
    np.save(tmp_path / "a.npy", np.zeros((2, 3), np.int32))
    expect_error("run", model, "--inputs", tmp_path / "f.npz", "--inputs",
                 f"a={tmp_path / 'a.npy'}", mentions=["twice"])


# ---- .npy / .npz with numpy on the other side --------------------------------------

def sample(dtype, shape):
    rng = np.random.RandomState(11)
    if dtype == np.bool_:
        return rng.randint(0, 2, shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.randint(info.min, info.max, shape, dtype=np.int64).astype(dtype)
    a = rng.standard_normal(shape).astype(dtype)
    if a.size > 3:
        a.flat[0], a.flat[1], a.flat[2] = np.inf, -0.0, np.nan
    return a


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_npy_round_trip_every_dtype(tmp_path, dtype):
    shape = (3, 4)
    model = write_model(tmp_path, "id.onnx", models.identity(dtype, list(shape)))
    a = sample(dtype, shape)
    for version in [(1, 0), (2, 0), (3, 0)]:
        src = tmp_path / f"a{version[0]}.npy"
        with open(src, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        dst = tmp_path / "b.npy"
        tvmc("run", model, "--inputs", src, "--outputs", dst)
        b = np.load(dst)
        assert b.dtype == a.dtype and b.shape == a.shape
        assert a.tobytes() == b.tobytes()  # bit for bit, NaN and -0.0 included
    # the same arrays through .npz, stored and deflated, both ways
    for save in [np.savez, np.savez_compressed]:
        save(tmp_path / "in.npz", x=a)
        tvmc("run", model, "--inputs", tmp_path / "in.npz", "--outputs", tmp_path / "o.npz")
        with np.load(tmp_path / "o.npz") as z:
            assert z["y"].dtype == a.dtype and z["y"].tobytes() == a.tobytes()
        with zipfile.ZipFile(tmp_path / "o.npz") as z:
            assert z.testzip() is None  # CRCs the tool wrote are right
    # random values of this dtype, written out and read back by numpy
    tvmc("run", model, "--outputs", tmp_path / "r.npy", "--seed", "3")
    r = np.load(tmp_path / "r.npy")
    assert r.dtype == a.dtype and r.shape == shape


@pytest.mark.parametrize("shape", [(), (0, 3), (1,), (2, 1, 3, 1)])
def test_npy_odd_shapes(tmp_path, shape):
    model = write_model(tmp_path, "id.onnx", models.identity(np.float32, list(shape)))
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    np.save(tmp_path / "a.npy", a)
    tvmc("run", model, "--inputs", tmp_path / "a.npy", "--outputs", tmp_path / "b.npy")
    b = np.load(tmp_path / "b.npy")
    assert b.shape == a.shape and np.array_equal(a, b)


# ---- malformed files --------------------------------------------------------------

def npy_bytes(a, version=(1, 0)):
    f = io.BytesIO()
    np.lib.format.write_array(f, a, version=version)
    return f.getvalue()


def npy_with_header(header, data=b"", major=1):
    h = header.encode() + b"\n"
    if major == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<I", len(h)) + h + data


GOOD = np.arange(12, dtype=np.float32).reshape(3, 4)
GOOD_BYTES = npy_bytes(GOOD)

BAD_NPY = {
    "empty": (b"", "magic"),
    "wrong_magic": (b"\x93NUMPX" + GOOD_BYTES[6:], "magic"),
    "truncated_header": (GOOD_BYTES[:20], "truncated"),
    "truncated_data": (GOOD_BYTES[:-5], "truncated"),
    "trailing_bytes": (GOOD_BYTES + b"xx", "after its data"),
    "version_9": (GOOD_BYTES[:6] + b"\x09" + GOOD_BYTES[7:], "version"),
    "not_a_dict": (npy_with_header("['descr', '<f4']"), "dict"),
    "no_newline": (GOOD_BYTES[:10] + GOOD_BYTES[10:10 + 117] + b"x" + GOOD_BYTES[128:],
                   "newline"),
    "unknown_key": (npy_with_header("{'descr': '<f4', 'fortran_order': False, "
                                    "'shape': (3, 4), 'x': 1}"), "'x'"),
    "missing_shape": (npy_with_header("{'descr': '<f4', 'fortran_order': False}"), "shape"),
    "repeated_key": (npy_with_header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False,"
                                     " 'shape': (3, 4)}"), "repeats"),
    "fortran_order": (npy_bytes(np.asfortranarray(GOOD)), "Fortran"),
    "big_endian": (npy_bytes(GOOD.astype(">f4")), "big-endian"),
    "unsupported_dtype": (npy_bytes(GOOD.astype(np.complex64)), "<c8"),
    "structured": (npy_bytes(np.zeros(3, dtype=[("a", "<f4")])), "structured"),
    "huge_shape": (npy_with_header("{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (1099511627776, 1099511627776)}"), "too large"),
    "overflowing_dim": (npy_with_header("{'descr': '<f4', 'fortran_order': False, "
                                        "'shape': (99999999999999999999999,)}"), "too large"),
    "negative_dim": (npy_with_header("{'descr': '<f4', 'fortran_order': False, "
                                     "'shape': (-3, 4)}"), "non-negative"),
    "too_many_dims": (npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': ("
                                      + "1, " * 40 + ")}"), "dimensions"),
    "header_too_long": (b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 30) + b"{", "larger"),
    "header_past_end": (b"\x93NUMPY\x01\x00" + struct.pack("<H", 5000) + b"{", "truncated"),
    "unterminated_string": (npy_with_header("{'descr: '<f4'}"), "header"),
    "nul_in_header": (npy_with_header("{'descr': '<f4'\0}"), "header"),
}


@pytest.mark.parametrize("name", sorted(BAD_NPY))
def test_malformed_npy(tmp_path, name):
    data, needle = BAD_NPY[name]
    model = write_model(tmp_path, "id.onnx", models.identity(np.float32, [3, 4]))
    (tmp_path / "bad.npy").write_bytes(data)
    expect_error("run", model, "--inputs", tmp_path / "bad.npy", mentions=["bad.npy", needle])


def npz_stored(entries):
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate-name case is on purpose
        for name, data in entries:
            z.writestr(name, data)
    return bytearray(f.getvalue())


def npz_deflated(entries):
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return bytearray(f.getvalue())


def central_offset(buf):
    return buf.rindex(b"PK\x01\x02")


def bad_npz_cases():
    good = npz_stored([("x.npy", GOOD_BYTES)])
    cases = {}
    cases["not_a_zip"] = (bytes(GOOD_BYTES), "zip")
    cases["truncated"] = (bytes(good[:len(good) // 2]), "zip")
    b = bytearray(good)
    b[60] ^= 0xFF  # a byte of the stored array
    cases["wrong_crc"] = (bytes(b), "CRC")
    b = bytearray(good)
    cd = central_offset(b)
    struct.pack_into("<I", b, cd + 24, 0x7FFFFFFF)  # uncompressed size: 2 GiB
    struct.pack_into("<I", b, cd + 20, 0x7FFFFFFF)
    cases["size_past_file"] = (bytes(b), "truncated")
    # a deflated entry that claims to inflate to far more than it does
    d = npz_deflated([("x.npy", GOOD_BYTES + bytes(100000))])
    cd = central_offset(d)
    struct.pack_into("<I", d, cd + 24, 4000)
    cases["deflate_longer_than_declared"] = (bytes(d), "inflate")
    # zip bomb: a claimed size over the limit is refused before inflating
    d = npz_deflated([("x.npy", bytes(1 << 20))])
    cd = central_offset(d)
    struct.pack_into("<I", d, cd + 24, 0xFFFFFFFE)
    cases["bomb_claim"] = (bytes(d), "allowed")
    # a ZIP64 size field claiming 2^60 bytes
    d = npz_deflated([("x.npy", bytes(1000))])
    cd = central_offset(d)
    struct.pack_into("<I", d, cd + 24, 0xFFFFFFFF)
    name_len, extra_len = struct.unpack_from("<HH", d, cd + 28)
    extra = struct.pack("<HHQ", 1, 8, 1 << 60)
    d = d[:cd + 46 + name_len] + extra + d[cd + 46 + name_len + extra_len:]
    struct.pack_into("<H", d, cd + 30, len(extra))
    eocd = d.rindex(b"PK\x05\x06")
    struct.pack_into("<I", d, eocd + 12, struct.unpack_from("<I", d, eocd + 12)[0] + len(extra))
    cases["zip64_huge"] = (bytes(d), "allowed")
    d = npz_deflated([("x.npy", GOOD_BYTES)])
    d[45] ^= 0x55  # inside the deflate stream
    cases["corrupt_deflate"] = (bytes(d), "x")
    cases["not_npy_entry"] = (bytes(npz_stored([("x.txt", b"hi")])), "not a .npy")
    cases["bad_npy_inside"] = (bytes(npz_stored([("x.npy", b"garbage")])), "magic")
    cases["duplicate"] = (bytes(npz_stored([("x.npy", GOOD_BYTES), ("x.npy", GOOD_BYTES)])),
                          "twice")
    b = bytearray(good)
    struct.pack_into("<H", b, central_offset(b) + 10, 12)  # bzip2
    cases["method_bzip2"] = (bytes(b), "method")
    b = bytearray(good)
    eocd = b.rindex(b"PK\x05\x06")
    struct.pack_into("<I", b, eocd + 16, 0x7FFFFFF0)
    cases["directory_outside"] = (bytes(b), "outside")
    b = bytearray(good)
    struct.pack_into("<I", b, central_offset(b) + 42, 0x10000000)
    cases["local_header_outside"] = (bytes(b), "local header")
    return cases


BAD_NPZ = bad_npz_cases()


@pytest.mark.parametrize("name", sorted(BAD_NPZ))
def test_malformed_npz(tmp_path, name):
    data, needle = BAD_NPZ[name]
    model = write_model(tmp_path, "id.onnx", models.identity(np.float32, [3, 4]))
    (tmp_path / "bad.npz").write_bytes(data)
    expect_error("run", model, "--inputs", tmp_path / "bad.npz", mentions=["bad.npz", needle])


def test_every_truncation_of_an_npz_fails_cleanly(tmp_path):
    model = write_model(tmp_path, "id.onnx", models.identity(np.float32, [3, 4]))
    f = io.BytesIO()
    np.savez_compressed(f, x=GOOD)
    good = f.getvalue()
    for cut in range(0, len(good), 7):
        (tmp_path / "t.npz").write_bytes(good[:cut])
        expect_error("run", model, "--inputs", tmp_path / "t.npz")


# ---- command-line errors ------------------------------------------------------------

def test_command_line_errors(tmp_path):
    expect_error("frob", mentions=["frob"])
    expect_error("run", mentions=["MODEL"])
    expect_error("run", DEMO, DEMO, mentions=["unexpected"])
    expect_error("run", DEMO, "--bogus", mentions=["--bogus"])
    expect_error("run", DEMO, "--repeat", "0", mentions=["--repeat"])
    expect_error("run", DEMO, "--repeat", mentions=["--repeat"])
    expect_error("bench", DEMO, "--threads", "-1", mentions=["--threads"])
    expect_error("run", DEMO, "--target", "cuda9", mentions=["cuda9"])
    expect_error("run", tmp_path / "missing.onnx", mentions=["missing.onnx"])
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x07junk" * 10)
    expect_error("run", tmp_path / "junk.onnx", mentions=["junk.onnx"])
    expect_error("run", DEMO, "--inputs", tmp_path / "none.npy", mentions=["none.npy"])
    expect_error("run", DEMO, "--inputs", tmp_path, mentions=["regular file"])
    expect_error("run", DEMO, "--outputs", tmp_path / "no" / "dir.npz", mentions=["dir.npz"])
