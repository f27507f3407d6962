#!/usr/bin/env python3
"""make_corpus.py — writes the seed corpus of fuzz_builder (test/fuzz/corpus/).

Each seed is a small program in fuzz_builder's byte format (see the comment at
the top of fuzz_builder.c). The Prog class below mirrors the harness' handle
bookkeeping so that a "pick" byte names the intended handle.

    python3 test/fuzz/make_corpus.py [OUTDIR]    (default: test/fuzz/corpus)

Existing seed-*.bin files in OUTDIR are replaced; other files (inputs merged
in from fuzzing campaigns) are left alone.
"""
import os
import struct
import sys

# opcodes (fuzz_builder.c: enum OP_*)
(END, CONST_INT, CONST_FLOAT, SIZE_VAR, ITER_VAR, REDUCE_AXIS, LOAD, BINARY, UNARY,
 SELECT, CAST, REDUCE, SUM, PLACEHOLDER, COMPUTE, CONSTANT, QUERY, NULL_GRAPH,
 MID_COMPILE) = range(19)

# opcode bytes of the operator library (fuzz_builder.c: OP_X_*, bytes 247..255)
(OPX_EXTERN, OPX_ELEM, OPX_REDUCE, OPX_LINALG, OPX_CONV, OPX_POOL, OPX_NORM, OPX_SHAPE,
 OPX_SHAPE2) = range(247, 256)

# dtypes (tvmc.h)
F32, F64, F16, BF16, I8, I16, I32, I64, U8, BOOL = range(1, 11)
INTS = (I8, I16, I32, I64, U8)
SIZES = {F32: 4, F64: 8, F16: 2, BF16: 2, I8: 1, I16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1}

BIN = {n: i for i, n in enumerate(
    "add sub mul div mod floordiv floormod min max pow lt le gt ge eq ne and or".split())}
UN = {n: i for i, n in enumerate(
    "neg not exp log sqrt rsqrt tanh sigmoid erf abs floor ceil".split())}
COMPARE = {"lt", "le", "gt", "ge", "eq", "ne"}

NAMES = ["A", "B", "C", "x", "y", "i", "j", "k", "n", "m", None, "", "fmt", "quote"]
NAME_LONG300, NAME_LONG5000 = 0xFE, 0xFF

# fuzz_builder.c ext_sigs: name, ret dtype, arg dtypes
EXTERN_SIGS = [("fz_half_plus_one", 1, [1]), ("fz_scale", 2, [2, 7]), ("fz_table", 7, [8]),
               ("fz_xor8", 9, [9, 5]), ("fz_not", 10, [10]), ("fz_answer", 8, []),
               ("fz_mix", 6, [6, 1, 2])]

TARGETS = ["llvm -mcpu=x86-64", "llvm -mcpu=generic", "interp", "llvm ", " llvm",
           "llvm -mcpu=bogus", "llvm -mattr=-sse2", "llvm -mattr=-avx", "cuda", "",
           "llvm -mtriple=aarch64-linux-gnu", "llvm -mcpu=x86-64 -mattr=+sse4.2", "llvm -foo",
           "interp -mcpu=x86-64", "llvm -mcpu=", "llvm\t-mcpu=x86-64",
           "llvm -mtriple=x86_64-pc-linux-gnu", "llvm -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64",
           "llvm -mtriple=x86_64-linux-musl", "llvm -mtriple=garbage -mattr=+sse2"]

FAST_MATH, NO_INLINE, NO_CACHE = 4, 8, 16


class X:
    """Shadow of one expression handle (what the harness tracks)."""

    def __init__(self, kind, dtype, shape=False, var=None, freev=frozenset()):
        self.kind, self.dtype, self.shape, self.var, self.freev = kind, dtype, shape, var, freev


class Prog:
    def __init__(self, target="llvm", flags=0, opt=None, hostile=None):
        self.b = bytearray()
        self.xs = []   # shadow expressions
        self.ts = []   # shadow tensors: (kind, dtype, ndim, dims)
        self.nvars = 0
        h = flags
        extra = []
        if target == "llvm":
            h |= 0
        elif target == "interp":
            h |= 1
        elif target is None:
            h |= 2
        else:
            h |= 3
            extra.append(TARGETS.index(target))
        if opt is not None:  # 0 O1, 1 O2, 2 O3, 3 default
            h |= 0x60
            extra.append(opt)
        if hostile is not None:
            h |= 0x80
            extra.append(hostile)
        self.b.append(h)
        self.b.extend(extra)

    # ---- picks ------------------------------------------------------------
    def _nth(self, target, pred):
        matches = [i for i in range(len(self.xs) - 1, -1, -1) if pred(self.xs[i])]
        assert target in matches, "handle does not fit the operand"
        return matches.index(target)

    def pick(self, e, pred=lambda x: True):
        """Byte(s) naming expression e (an index) for an operand with pred."""
        if isinstance(e, bytes):  # a hostile pick written out
            return e
        k = self._nth(e, pred)
        assert k < 0xF0
        return bytes([k])

    def tpick(self, t):
        if isinstance(t, bytes):
            return t
        return bytes([len(self.ts) - 1 - t])

    def emit(self, *parts):
        for p in parts:
            if isinstance(p, int):
                self.b.append(p)
            else:
                self.b.extend(p)

    def _push(self, x):
        self.xs.append(x)
        return len(self.xs) - 1

    # ---- builder ops ----------------------------------------------------------
    def const_int(self, dtype, v):
        if -8 <= v <= 55:
            enc = bytes([v + 8])
        else:
            enc = bytes([0x80]) + struct.pack("<q", v)
        self.emit(CONST_INT, dtype - 1, enc)
        return self._push(X("const", dtype, shape=dtype in INTS))

    def const_float(self, dtype, v):
        if -8 <= v <= 23.5 and v * 2 == int(v * 2):
            enc = bytes([int(v * 2) + 16])
        else:
            enc = bytes([0x80]) + struct.pack("<d", v)
        self.emit(CONST_FLOAT, dtype - 1, enc)
        return self._push(X("fconst", dtype, shape=dtype in INTS))

    def size_var(self, name=8, value=3):
        # the harness binds value byte b to b % 6, or to 6 + (b - 0xF0) for b >= 0xF0
        assert 0 <= value <= 21
        self.emit(SIZE_VAR, name, value if value < 6 else 0xF0 + value - 6)
        return self._push(X("size", I64, shape=True))

    def iter_var(self, name=5):
        self.emit(ITER_VAR, name)
        v = self.nvars
        self.nvars += 1
        return self._push(X("iter", I64, var=v, freev=frozenset([v])))

    def reduce_axis(self, extent, name=7):
        self.emit(REDUCE_AXIS, self.pick(extent, lambda x: x.shape), name)
        v = self.nvars
        self.nvars += 1
        return self._push(X("raxis", I64, var=v, freev=frozenset([v])))

    def load(self, t, idx, mode=0):
        self.emit(LOAD, self.tpick(t), mode)
        fv = set()
        for e in idx:
            self.emit(self.pick(e, lambda x: x.dtype in INTS))
            fv |= self.xs[e].freev if not isinstance(e, bytes) else set()
        dtype = self.ts[t][1] if not isinstance(t, bytes) else F32
        return self._push(X("load", dtype, freev=frozenset(fv)))

    def binary(self, op, a, b):
        da = self.xs[a].dtype
        self.emit(BINARY, BIN[op], self.pick(a), self.pick(b, lambda x: x.dtype == da))
        dtype = BOOL if op in COMPARE else da
        sh = dtype in INTS and self.xs[a].shape and self.xs[b].shape
        return self._push(X("bin", dtype, shape=sh, freev=self.xs[a].freev | self.xs[b].freev))

    def unary(self, op, a):
        self.emit(UNARY, UN[op], self.pick(a))
        x = self.xs[a]
        return self._push(X("un", x.dtype, shape=x.dtype in INTS and x.shape, freev=x.freev))

    def select(self, c, a, b):
        da = self.xs[a].dtype
        self.emit(SELECT, self.pick(c, lambda x: x.dtype == BOOL), self.pick(a),
                  self.pick(b, lambda x: x.dtype == da))
        fv = self.xs[c].freev | self.xs[a].freev | self.xs[b].freev
        return self._push(X("select", da, freev=fv))

    def cast(self, dtype, a):
        self.emit(CAST, dtype - 1, self.pick(a))
        if self.xs[a].dtype == dtype:
            return a  # tvm_cast returns its operand
        x = self.xs[a]
        return self._push(X("cast", dtype, shape=dtype in INTS and x.shape, freev=x.freev))

    def reduce(self, kind, body, extent=None, sum_op=False):
        """Auto mode: reduces over the body's free reduction axes (or a new
        axis over extent when it has none)."""
        if sum_op:
            self.emit(SUM)
        else:
            self.emit(REDUCE, kind)
        self.emit(self.pick(body, lambda x: x.dtype != BOOL), 0)
        raxes = [i for i, x in enumerate(self.xs)
                 if x.kind == "raxis" and x.var in self.xs[body].freev]
        self.emit(self.pick(extent, lambda x: x.shape) if extent is not None else 0)
        if not raxes:
            self.emit(7)  # name of the new axis
            v = self.nvars
            self.nvars += 1
            self._push(X("raxis", I64, var=v, freev=frozenset([v])))
            raxes = [len(self.xs) - 1]
        bound = {self.xs[i].var for i in raxes}
        return self._push(X("reduce", self.xs[body].dtype,
                            freev=frozenset(self.xs[body].freev - bound)))

    def sum(self, body, extent=None):
        return self.reduce(0, body, extent, sum_op=True)

    def placeholder(self, dtype, dims, name=0, ndim_byte=None):
        nd = len(dims)
        self.emit(PLACEHOLDER, name, dtype - 1, nd if ndim_byte is None else ndim_byte)
        for d in dims:
            self.emit(self.pick(d, lambda x: x.shape))
        self.ts.append(("ph", dtype, nd, list(dims)))
        return len(self.ts) - 1

    def compute(self, body, dims=(), copy_from=None, extra=0, name=2):
        """Auto mode: axes are the body's free iteration variables (in creation
        order) plus `extra` new ones; dims are picks for the axes not copied
        from tensor copy_from."""
        x = self.xs[body]
        assert not any(self.xs[i].kind == "raxis" and self.xs[i].var in x.freev
                       for i in range(len(self.xs))), "reduce the body first"
        spec = extra | (4 if copy_from is not None else 0)
        self.emit(COMPUTE, name, 0, self.pick(body), spec)
        iters = [i for i, y in enumerate(self.xs) if y.kind == "iter" and y.var in x.freev]
        for _ in range(extra):
            self.emit(5)
            v = self.nvars
            self.nvars += 1
            self._push(X("iter", I64, var=v, freev=frozenset([v])))
        nd = len(iters) + extra
        ncopied = 0
        if copy_from is not None:
            self.emit(self.tpick(copy_from))
            ncopied = min(nd, self.ts[copy_from][2])
            if self.ts[copy_from][0] == "const":  # the harness makes int64 constants
                for _ in range(ncopied):
                    self._push(X("const", I64, shape=True))
        dims = list(dims)
        assert len(dims) == nd - ncopied, "need %d dims" % (nd - ncopied)
        for d in dims:
            self.emit(self.pick(d, lambda y: y.shape))
        self.ts.append(("comp", x.dtype, nd, dims))
        return len(self.ts) - 1

    def constant(self, dtype, shape, data=None, name=1):
        self.emit(CONSTANT, name, dtype - 1, len(shape))
        for s in shape:
            assert 0 <= s < 5
            self.emit(s)
        n = 1
        for s in shape:
            n *= s
        nbytes = n * SIZES[dtype]
        self.emit(0)
        if data is None:
            data = bytes((i * 37 + 11) & 0xFF for i in range(nbytes))
        assert len(data) == nbytes
        self.emit(data)
        self.ts.append(("const", dtype, len(shape), list(shape)))
        return len(self.ts) - 1

    def raw(self, *parts):
        self.emit(*parts)

    # ---- operator library and tvm_call_extern (opcode bytes 247..255) --------------
    def xop(self, family, *parts, dtype=F32, ndim=0, results=1):
        """One tvm_op_* call: family byte (OPX_*) and its operand bytes (tensor
        operands as tpick(...) bytes); the result(s) are recorded as computes."""
        self.emit(family, *parts)
        for _ in range(results):
            self.ts.append(("op", dtype, ndim, []))
        return len(self.ts) - 1

    def extern(self, sig, args, mode=0):
        """tvm_call_extern of EXTERN_SIGS[sig] on expressions args (dtypes must
        already match unless mode bit 1 asks the harness to cast)."""
        name, ret, dts = EXTERN_SIGS[sig]
        self.emit(OPX_EXTERN, sig, mode)
        fv = set()
        for e, d in zip(args, dts):
            self.emit(self.pick(e, lambda x, d=d: x.dtype == d))
            fv |= self.xs[e].freev
        return self._push(X("call", ret, freev=frozenset(fv)))

    # ---- compile / call section -----------------------------------------------------
    def end(self, compile_mode=0, call=None):
        """call: bytes of the call section (None: all defaults)."""
        self.emit(END, compile_mode)
        if call is not None:
            self.emit(call)
        return bytes(self.b)


# ============================================================================
# Seeds
# ============================================================================

def elementwise(target="llvm", flags=0, opt=None, op="add", dtype=F32):
    p = Prog(target, flags, opt)
    n = p.size_var()
    a = p.placeholder(dtype, [n], name=0)
    b = p.placeholder(dtype, [n], name=1)
    i = p.iter_var()
    s = p.binary(op, p.load(a, [i]), p.load(b, [i]))
    p.compute(s, copy_from=a)
    return p.end()


def relu_add():
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n], name=0)
    b = p.placeholder(F32, [n], name=1)
    i = p.iter_var()
    s = p.binary("add", p.load(a, [i]), p.load(b, [i]))
    z = p.const_float(F32, 0.0)
    r = p.binary("max", s, z)
    p.compute(r, copy_from=a)
    return p.end()


def broadcast_2d():
    p = Prog()
    n = p.size_var(value=3)
    m = p.size_var(name=9, value=4)
    a = p.placeholder(F32, [n, m], name=0)
    b = p.placeholder(F32, [m], name=1)
    i = p.iter_var()
    j = p.iter_var(name=6)
    s = p.binary("mul", p.load(a, [i, j]), p.load(b, [j]))
    p.compute(s, copy_from=a)
    return p.end()


def row_reduce(kind=0, target="llvm", dtype=F32):
    p = Prog(target)
    n = p.size_var(value=3)
    m = p.size_var(name=9, value=5)
    a = p.placeholder(dtype, [n, m])
    i = p.iter_var()
    k = p.reduce_axis(m)
    r = p.reduce(kind, p.load(a, [i, k]))
    p.compute(r, dims=[n])
    return p.end()


def softmax(target="llvm", flags=0):
    p = Prog(target, flags)
    n = p.size_var(value=2)
    m = p.size_var(name=9, value=4)
    a = p.placeholder(F32, [n, m])
    i = p.iter_var()
    j = p.iter_var(name=6)
    k = p.reduce_axis(m)
    mx = p.compute(p.reduce(3, p.load(a, [i, k])), dims=[n], name=9)
    e = p.compute(p.unary("exp", p.binary("sub", p.load(a, [i, j]), p.load(mx, [i]))),
                  copy_from=a, name=4)
    k2 = p.reduce_axis(m)
    s = p.compute(p.sum(p.load(e, [i, k2])), dims=[n], name=3)
    p.compute(p.binary("div", p.load(e, [i, j]), p.load(s, [i])), copy_from=a, name=2)
    return p.end()


def matmul():
    p = Prog()
    n = p.size_var(value=2)
    kk = p.size_var(name=7, value=3)
    m = p.size_var(name=9, value=4)
    a = p.placeholder(F32, [n, kk], name=0)
    b = p.placeholder(F32, [kk, m], name=1)
    i = p.iter_var()
    j = p.iter_var(name=6)
    k = p.reduce_axis(kk)
    prod = p.binary("mul", p.load(a, [i, k]), p.load(b, [k, j]))
    p.compute(p.sum(prod), dims=[n, m])
    return p.end()


def int_division(dtype=I32, target="llvm"):
    p = Prog(target)
    n = p.size_var(value=8)
    a = p.placeholder(dtype, [n], name=0)
    b = p.placeholder(dtype, [n], name=1)
    i = p.iter_var()
    la, lb = p.load(a, [i]), p.load(b, [i])
    q = p.binary("div", la, lb)
    r = p.binary("mod", la, lb)
    fq = p.binary("floordiv", la, lb)
    fr = p.binary("floormod", la, lb)
    s = p.binary("add", p.binary("sub", q, r), p.binary("mul", fq, fr))
    p.compute(s, copy_from=a)
    return p.end()


def cast_chain(target="llvm"):
    p = Prog(target)
    n = p.size_var(value=5)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    x = p.load(a, [i])
    for d in (I8, F16, BF16, F64, U8, I64, BOOL, I16, F32):
        x = p.cast(d, x)
    p.compute(x, copy_from=a)
    return p.end()


def guarded_shift():
    p = Prog()
    n = p.size_var(value=6)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    one = p.const_int(I64, 1)
    zero = p.const_int(I64, 0)
    cond = p.binary("gt", i, zero)
    prev = p.load(a, [p.binary("sub", i, one)])
    p.compute(p.select(cond, prev, p.const_float(F32, 0.0)), copy_from=a)
    return p.end()


def gather(call=None):
    p = Prog()
    n = p.size_var(value=4)
    m = p.size_var(name=9, value=3)
    a = p.placeholder(F32, [n], name=0)
    idx = p.placeholder(I32, [m], name=1)
    i = p.iter_var()
    ix = p.cast(I64, p.load(idx, [i]))
    p.compute(p.load(a, [ix]), copy_from=idx)
    return p.end(call=call)


def constant_weights(target="llvm"):
    p = Prog(target)
    four = p.const_int(I64, 4)
    a = p.placeholder(F32, [four])
    w = p.constant(F32, [4], struct.pack("<4f", 1.5, -2.0, 0.25, 3.0))
    i = p.iter_var()
    p.compute(p.binary("mul", p.load(a, [i]), p.load(w, [i])), copy_from=a)
    return p.end()


def bool_logic():
    p = Prog()
    n = p.size_var(value=7)
    a = p.placeholder(I16, [n], name=0)
    b = p.placeholder(I16, [n], name=1)
    i = p.iter_var()
    la, lb = p.load(a, [i]), p.load(b, [i])
    c1 = p.binary("lt", la, lb)
    c2 = p.binary("ne", la, lb)
    c3 = p.binary("or", p.binary("and", c1, c2), p.unary("not", c2))
    p.compute(p.cast(U8, c3), copy_from=a)
    return p.end()


def float16_math(dtype=F16, target="llvm"):
    p = Prog(target)
    n = p.size_var(value=5)
    a = p.placeholder(dtype, [n])
    i = p.iter_var()
    x = p.load(a, [i])
    for op in ("abs", "sqrt", "exp", "log", "tanh", "sigmoid", "erf", "rsqrt", "floor", "ceil",
               "neg"):
        x = p.unary(op, x)
    p.compute(x, copy_from=a)
    return p.end()


def power(dtype=F64):
    p = Prog()
    n = p.size_var(value=4)
    a = p.placeholder(dtype, [n], name=0)
    b = p.placeholder(dtype, [n], name=1)
    i = p.iter_var()
    p.compute(p.binary("pow", p.load(a, [i]), p.load(b, [i])), copy_from=a)
    return p.end()


def symbolic_expr_shape():
    p = Prog()
    n = p.size_var(value=3)
    two = p.const_int(I64, 2)
    n2 = p.binary("mul", n, two)
    a = p.placeholder(F32, [n2], name=0)
    b = p.placeholder(F32, [n], name=1)
    i = p.iter_var()
    # C[i] = A[2*i] + A[2*i+1] + B[i], shape [n]
    i2 = p.binary("mul", i, two)
    one = p.const_int(I64, 1)
    s = p.binary("add", p.load(a, [i2]), p.load(a, [p.binary("add", i2, one)]))
    p.compute(p.binary("add", s, p.load(b, [i])), copy_from=b)
    return p.end()


def two_outputs(flags=0):
    p = Prog(flags=flags)
    n = p.size_var(value=3)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    x = p.load(a, [i])
    p.compute(p.binary("mul", x, x), copy_from=a, name=1)
    p.compute(p.binary("add", x, x), copy_from=a, name=2)
    return p.end(compile_mode=2)


def chain_no_inline(flags=NO_INLINE, target="llvm"):
    p = Prog(target, flags)
    n = p.size_var(value=4)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    t = a
    for name in (1, 2, 3):
        x = p.load(t, [i])
        t = p.compute(p.binary("add", x, p.const_float(F32, 1.5)), copy_from=a, name=name)
    return p.end()


def hostile_handle(which):
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    x = p.load(a, [i])
    p.raw(BINARY, BIN["add"], p.pick(x), which)  # b is hostile
    p.compute(x, copy_from=a)
    return p.end()


def forged_tensor_load():
    p = Prog()
    n = p.size_var()
    p.placeholder(F32, [n])
    i = p.iter_var()
    p.raw(LOAD, 0xF1, 0x05, 1, p.pick(i))  # mode 1: one index
    return p.end()


def rank(ndim_byte):
    p = Prog()
    one = p.const_int(I64, 1)
    p.raw(PLACEHOLDER, 0, F32 - 1, ndim_byte)
    nd = 28 + (ndim_byte - 0xF0)
    for _ in range(nd):
        p.raw(p.pick(one, lambda x: x.shape))
    return p.end()


def negative_dim():
    p = Prog()
    m = p.const_int(I64, -1)
    p.placeholder(F32, [m])
    return p.end()


def negative_computed_dim(target="llvm"):
    p = Prog(target)
    three = p.const_int(I64, 3)
    five = p.const_int(I64, 5)
    d = p.binary("sub", three, five)  # -2, not a constant node
    a = p.placeholder(F32, [d])
    i = p.iter_var()
    p.compute(p.load(a, [i]), copy_from=a)
    return p.end()


def long_name():
    p = Prog()
    p.raw(SIZE_VAR, NAME_LONG5000, 3)
    p.raw(ITER_VAR, NAME_LONG300)
    return p.end()


def bad_dtype_const():
    p = Prog()
    p.raw(CONST_INT, 0xF9, 1)  # dtype 11
    return p.end()


def missing_input():
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n], name=0)
    b = p.placeholder(F32, [n], name=1)
    i = p.iter_var()
    p.compute(p.binary("add", p.load(a, [i]), p.load(b, [i])), copy_from=a)
    return p.end(compile_mode=0x0C)  # drops an input


def raw_compile_lists():
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    p.compute(p.load(a, [i]), copy_from=a)
    # raw: nin 2 (the compute twice), nout 1 (the placeholder)
    return p.end(compile_mode=0x03, call=bytes([2, 1, 0, 0, 1]))


def malformed_call(mal):
    p = Prog()
    n = p.size_var(value=4)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    p.compute(p.unary("neg", p.load(a, [i])), copy_from=a)
    # call section: 1 call; input malformed; 16 data bytes; output normal
    return p.end(call=bytes([0, 0xE8 + mal]) + bytes(range(16)) + bytes([0, 0, 0]))


def queries():
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    p.compute(p.load(a, [i]), copy_from=a)
    # QUERY sub byte: bits 0-2 pick the call, bits 3-7 the variant
    p.raw(QUERY, 2)              # graph_print all
    p.raw(QUERY, 2 | 8, 0)       # graph_print one
    p.raw(QUERY, 0, 0)           # tensor_info
    p.raw(QUERY, 1, 0xF3, 1)     # expr_dtype of a foreign handle
    p.raw(QUERY, 4)              # context_stats
    p.raw(QUERY, 5, 0x11)        # status_string
    # call: 1 call, input (3 floats), output, no pointer tricks, then the
    # source of stage "loop" and a retain/release pair
    return p.end(call=bytes([0, 0]) + bytes(12) + bytes([0, 0, 0x01 | 0x02 | 0x20]))


def null_graph_calls():
    p = Prog()
    x = p.const_float(F32, 1.0)
    for f in range(16):
        p.raw(NULL_GRAPH, f, p.pick(x))
    return p.end()


def mid_compile():
    p = Prog()
    n = p.size_var()
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    c = p.compute(p.load(a, [i]), copy_from=a)
    p.raw(MID_COMPILE, 0)
    p.compute(p.binary("mul", p.load(c, [i]), p.load(a, [i])), copy_from=a)
    return p.end()


def empty_reduction(target="llvm"):
    p = Prog(target)
    n = p.size_var(value=3)
    m = p.size_var(name=9, value=0)
    a = p.placeholder(F32, [n, m])
    i = p.iter_var()
    k = p.reduce_axis(m)
    p.compute(p.reduce(2, p.load(a, [i, k])), dims=[n])  # min over nothing: +inf
    return p.end()


def zero_size():
    p = Prog()
    n = p.size_var(value=0)
    a = p.placeholder(I8, [n])
    i = p.iter_var()
    p.compute(p.unary("abs", p.load(a, [i])), copy_from=a)
    return p.end()


def int_wrap(dtype=I8):
    p = Prog()
    n = p.size_var(value=4)
    a = p.placeholder(dtype, [n])
    i = p.iter_var()
    x = p.load(a, [i])
    mn = p.const_int(dtype, -128 if dtype == I8 else -2147483648)
    m1 = p.const_int(dtype, -1)
    s = p.binary("add", p.binary("div", mn, m1), p.binary("mod", mn, m1))
    p.compute(p.binary("mul", p.binary("add", x, s), x), copy_from=a)
    return p.end()


def scalar():
    p = Prog()
    a = p.placeholder(F64, [])
    x = p.load(a, [])
    p.compute(p.binary("add", x, p.const_float(F64, 0.5)))
    return p.end()


def output_only_size_var():
    p = Prog()
    m = p.size_var(name=9, value=3)
    i = p.iter_var()
    p.compute(p.cast(F32, i), dims=[m])
    return p.end()


def four_d():
    p = Prog()
    d = [p.const_int(I64, v) for v in (2, 1, 3, 2)]
    a = p.placeholder(F32, d)
    its = [p.iter_var(name=5 + k) for k in range(3)] + [p.iter_var(name=3)]
    x = p.load(a, its)
    p.compute(p.unary("sigmoid", x), copy_from=a)
    return p.end()


def nested_reduction():
    p = Prog()
    n = p.size_var(value=2)
    m = p.size_var(name=9, value=3)
    a = p.placeholder(F32, [n, m, m])
    i = p.iter_var()
    k = p.reduce_axis(m)
    l = p.reduce_axis(m, name=3)
    inner = p.reduce(3, p.load(a, [i, k, l]))  # max over l and k together
    p.compute(inner, dims=[n])
    return p.end()


def stencil(target="llvm"):
    p = Prog(target)
    n = p.size_var(value=6)
    one = p.const_int(I64, 1)
    two = p.const_int(I64, 2)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    out_n = p.binary("sub", n, two)
    s = p.binary("add", p.load(a, [i]), p.load(a, [p.binary("add", i, one)]))
    s = p.binary("add", s, p.load(a, [p.binary("add", i, two)]))
    p.compute(s, dims=[out_n])
    return p.end()


def reduce_prod_int():
    p = Prog()
    n = p.size_var(value=3)
    a = p.placeholder(I64, [n, n])
    i = p.iter_var()
    k = p.reduce_axis(n)
    p.compute(p.reduce(1, p.load(a, [i, k])), dims=[n])
    return p.end()


def transpose():
    p = Prog()
    n = p.size_var(value=2)
    m = p.size_var(name=9, value=3)
    a = p.placeholder(BF16, [n, m])
    i = p.iter_var()
    j = p.iter_var(name=6)
    p.compute(p.load(a, [j, i]), dims=[m, n])  # axes i, j: shape [m, n]
    return p.end()


def select_nan_minmax():
    p = Prog()
    n = p.size_var(value=4)
    a = p.placeholder(F32, [n], name=0)
    b = p.placeholder(F32, [n], name=1)
    i = p.iter_var()
    la, lb = p.load(a, [i]), p.load(b, [i])
    nan = p.const_float(F32, float("nan"))
    mn = p.binary("min", la, nan)
    mx = p.binary("max", lb, p.const_float(F32, float("inf")))
    p.compute(p.select(p.binary("eq", la, lb), mn, mx), copy_from=a)
    return p.end()


def compare_select(target="llvm"):
    p = Prog(target)
    n = p.size_var(value=5)
    a = p.placeholder(I32, [n], name=0)
    b = p.placeholder(I32, [n], name=1)
    i = p.iter_var()
    la, lb = p.load(a, [i]), p.load(b, [i])
    le = p.binary("le", la, lb)
    ge = p.binary("ge", la, lb)
    eq = p.binary("eq", le, ge)  # bool == bool
    p.compute(p.select(eq, p.binary("max", la, lb), p.binary("min", la, lb)), copy_from=a)
    return p.end()


def with_source(kind, target="llvm", symbolic=True):
    """An elementwise function, one call, then tvm_function_source(kind index
    into fuzz_builder's table: graph, loop, llvm, asm, "", LOOP, NULL)."""
    p = Prog(target)
    n = p.size_var(value=3) if symbolic else p.const_int(I64, 3)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    p.compute(p.unary("tanh", p.load(a, [i])), copy_from=a)
    return p.end(call=bytes([0, 0]) + bytes(12) + bytes([0, 0, 0x01 | (kind << 1)]))


def hostile_options(x):
    p = Prog(hostile=x)
    n = p.size_var()
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    p.compute(p.load(a, [i]), copy_from=a)
    return p.end()


def pooling(target="llvm", opt=None):
    """B[i] = A[floordiv(i, 2)] + A[floormod(i + 1 + 2, n)]: floordiv / floormod
    in indices, chains of constants for the simplifier."""
    p = Prog(target, opt=opt)
    n = p.size_var(value=4)
    two = p.const_int(I64, 2)
    one = p.const_int(I64, 1)
    a = p.placeholder(F32, [n])
    i = p.iter_var()
    x = p.load(a, [p.binary("floordiv", i, two)])
    j = p.binary("floormod", p.binary("add", p.binary("add", i, one), two), n)
    p.compute(p.binary("add", x, p.load(a, [j])), copy_from=a)
    return p.end()


SEEDS = {
    "add_f32": elementwise(),
    "add_f32_interp": elementwise("interp"),
    "add_i64_interp": elementwise("interp", op="sub", dtype=I64),
    "mul_f16": elementwise(op="mul", dtype=F16),
    "min_u8": elementwise(op="min", dtype=U8),
    "add_fastmath_O2": elementwise(flags=FAST_MATH, opt=1),
    "add_mcpu": elementwise(target="llvm -mcpu=x86-64"),
    "add_bad_target": elementwise(target="llvm -mcpu=bogus"),
    "relu_add": relu_add(),
    "broadcast_2d": broadcast_2d(),
    "row_sum": row_reduce(0),
    "row_max_interp": row_reduce(3, "interp"),
    "row_prod_i32": row_reduce(1, dtype=I32),
    "row_min_bf16": row_reduce(2, dtype=BF16),
    "softmax": softmax(),
    "softmax_interp_noinline": softmax("interp", NO_INLINE),
    "matmul": matmul(),
    "int_division_i32": int_division(),
    "int_division_i8_interp": int_division(I8, "interp"),
    "cast_chain": cast_chain(),
    "cast_chain_interp": cast_chain("interp"),
    "guarded_shift": guarded_shift(),
    "gather": gather(),
    # A = 4 floats, Idx = {3, 0, 2}: in bounds
    "gather_inbounds": gather(call=bytes([0, 0]) + struct.pack("<4f", 1, 2, 3, 4) + bytes([0]) +
                              struct.pack("<3i", 3, 0, 2) + bytes([0, 0, 0])),
    # A (4 floats), then Idx = {1, 127, 0}: a data-dependent read out of bounds
    "gather_oob": gather(call=bytes([0, 0]) + bytes(16) + bytes([0]) +
                         struct.pack("<3i", 1, 127, 0) + bytes([0, 0, 0])),
    "constant_weights": constant_weights(),
    "constant_weights_interp": constant_weights("interp"),
    "bool_logic": bool_logic(),
    "f16_math": float16_math(),
    "bf16_math_interp": float16_math(BF16, "interp"),
    "f64_math": float16_math(F64),
    "pow_f64": power(),
    "symbolic_expr_shape": symbolic_expr_shape(),
    "two_outputs": two_outputs(),
    "two_outputs_nocache": two_outputs(NO_CACHE),
    "chain_noinline": chain_no_inline(),
    "chain_inline_interp": chain_no_inline(0, "interp"),
    "foreign_handle": hostile_handle(bytes([0xF3, 0])),
    "stale_handle": hostile_handle(bytes([0xF4, 0])),
    "null_handle": hostile_handle(bytes([0xF0])),
    "forged_tag": hostile_handle(bytes([0xF1, 0x11])),
    "forged_index": hostile_handle(bytes([0xF2])),
    "tensor_as_expr": hostile_handle(bytes([0xF5])),
    "forged_tensor_load": forged_tensor_load(),
    "rank_32": rank(0xF4),
    "rank_33": rank(0xF5),
    "negative_dim": negative_dim(),
    "negative_computed_dim": negative_computed_dim(),
    "long_names": long_name(),
    "bad_dtype_const": bad_dtype_const(),
    "missing_input": missing_input(),
    "raw_compile_lists": raw_compile_lists(),
    "queries": queries(),
    "null_graph_calls": null_graph_calls(),
    "mid_compile": mid_compile(),
    "empty_reduction": empty_reduction(),
    "empty_reduction_interp": empty_reduction("interp"),
    "zero_size": zero_size(),
    "int8_wrap": int_wrap(),
    "int32_wrap": int_wrap(I32),
    "scalar": scalar(),
    "output_only_size_var": output_only_size_var(),
    "four_d": four_d(),
    "nested_reduction": nested_reduction(),
    "stencil": stencil(),
    "stencil_interp": stencil("interp"),
    "reduce_prod_int": reduce_prod_int(),
    "transpose_bf16": transpose(),
    "nan_min_max": select_nan_minmax(),
}
SEEDS["compare_select"] = compare_select()
SEEDS["pooling"] = pooling()
SEEDS["pooling_interp"] = pooling("interp")
SEEDS["pooling_O2"] = pooling(opt=1)
for k, t in enumerate(["llvm -mtriple=x86_64-pc-linux-gnu", "llvm -mtriple=aarch64-linux-gnu",
                       "llvm -mtriple=garbage -mattr=+sse2"]):
    SEEDS["triple_%d" % k] = elementwise(target=t)
SEEDS["compare_select_interp"] = compare_select("interp")
for k, name in enumerate(["graph", "loop", "llvm", "asm", "empty", "LOOP", "null"]):
    SEEDS["source_" + name] = with_source(k)
SEEDS["source_loop_interp"] = with_source(1, "interp")
SEEDS["source_asm_fixed_shape"] = with_source(3, symbolic=False)
for x, name in enumerate(["struct_size_0", "struct_size_big", "opt_7", "opt_minus2",
                          "bad_flags", "null_opts_O3"]):
    SEEDS["options_" + name] = hostile_options(x)
for k in range(24):
    SEEDS["malformed_call_%02d" % k] = malformed_call(k)


# ---- operator library seeds ---------------------------------------------------------
# operand encodings: sel_attr v in -1..6 -> v + 1; sel_axis v in -5..5 -> v + 5;
# sel_count(lo) c -> c - lo; sel_float v (halves in -8..23.5) -> 2 v + 16; 0xEF: absent.

def A(v):
    assert -1 <= v <= 6
    return v + 1


def AX(v):
    assert -5 <= v <= 5
    return v + 5


def FL(v):
    return int(2 * v + 16)


ABSENT = 0xEF


def op_mlp(target="llvm", flags=0):
    """x[n, 4] -> dense(W[3, 4], b[3]) -> relu -> softmax(-1)."""
    p = Prog(target, flags)
    n = p.size_var(value=2)
    four = p.const_int(I64, 4)
    x = p.placeholder(F32, [n, four])
    w = p.constant(F32, [3, 4])
    b = p.constant(F32, [3])
    d = p.xop(OPX_LINALG, 0, p.tpick(x), p.tpick(w), p.tpick(b), ndim=2)
    r = p.xop(OPX_ELEM, 2, 0, p.tpick(d), ndim=2)
    p.xop(OPX_NORM, 0, p.tpick(r), AX(-1), ndim=2)
    return p.end()


def op_conv_pool(target="llvm", k=0):
    """x[1, 1, 4, 4] -> conv2d(W[1, 1, 3, 3], pads 1) -> max/avg pool 2x2 stride 2."""
    p = Prog(target)
    c1, c4 = p.const_int(I64, 1), p.const_int(I64, 4)
    x = p.placeholder(F32, [c1, c1, c4, c4])
    w = p.constant(F32, [1, 1, 3, 3])
    b = p.constant(F32, [1])
    # conv2d: k, x, w, bias, struct_size, layout, groups, which (pads), pads
    c = p.xop(OPX_CONV, 0, p.tpick(x), p.tpick(w), p.tpick(b), 0, 0, 1, 4,
              A(1), A(1), A(1), A(1), ndim=4)
    # pool: k, x, struct_size, layout, flags, kernel[2], which (strides), strides
    p.xop(OPX_POOL, k, p.tpick(c), 0, 0, 2 * k, A(2), A(2), 1, A(2), A(2), ndim=4)
    return p.end()


def op_conv1d_transpose():
    """conv1d of x[1, 2, 4] with W[2, 2, 2], then conv_transpose2d of y[1, 2, 3, 3]."""
    p = Prog()
    c1, c2, c3, c4 = (p.const_int(I64, v) for v in (1, 2, 3, 4))
    x = p.placeholder(F32, [c1, c2, c4])
    w = p.constant(F32, [2, 2, 2])
    p.xop(OPX_CONV, 1, p.tpick(x), p.tpick(w), ABSENT, 0, 0, 0, 1, A(2), A(2), ndim=3)
    y = p.placeholder(F32, [c1, c2, c3, c3], name=1)
    wt = p.constant(F32, [2, 1, 2, 2])
    # stride 2, output_padding 1
    p.xop(OPX_CONV, 2, p.tpick(y), p.tpick(wt), ABSENT, 0, 0, 0, 9, A(2), A(1), A(2), A(1),
          ndim=4)
    return p.end(compile_mode=2)


def op_shapes():
    """x[2, 3] -> reshape [3, 2] -> transpose -> concat(axis 0) -> slice -> pad -> tile."""
    p = Prog()
    c2, c3 = p.const_int(I64, 2), p.const_int(I64, 3)
    x = p.placeholder(F32, [c2, c3])
    r = p.xop(OPX_SHAPE, 0, p.tpick(x), 2, A(3), A(-1), ndim=2)
    t = p.xop(OPX_SHAPE, 1, p.tpick(r), 0, ndim=2)
    c = p.xop(OPX_SHAPE, 2, p.tpick(t), 1, p.tpick(t), AX(0), ndim=2)
    s = p.xop(OPX_SHAPE, 4, p.tpick(c), 1, 0, AX(1), A(0), A(2), ndim=2)
    d = p.xop(OPX_SHAPE, 5, p.tpick(s), 1, FL(0), A(1), A(0), A(0), A(1), ndim=2)
    p.xop(OPX_SHAPE2, 4, p.tpick(d), A(2), A(1), ndim=2)
    return p.end(compile_mode=1, call=struct.pack("<H", 0x3F))


def op_shapes2(target="llvm"):
    """broadcast_to, unsqueeze, squeeze, flatten, resize, gather with int32 indices."""
    p = Prog(target)
    c1, c3 = p.const_int(I64, 1), p.const_int(I64, 3)
    x = p.placeholder(F32, [c1, c3])
    bc = p.xop(OPX_SHAPE2, 0, p.tpick(x), 2, A(2), A(3), ndim=2)
    u = p.xop(OPX_SHAPE2, 2, p.tpick(bc), 1, AX(0), ndim=3)
    q = p.xop(OPX_SHAPE2, 1, p.tpick(u), 1, AX(0), ndim=2)
    f = p.xop(OPX_SHAPE2, 3, p.tpick(q), AX(1), ndim=2)
    rs = p.xop(OPX_SHAPE2, 5, p.tpick(f), A(4), A(6), 1, 0, 0, ndim=2)
    idx = p.constant(I32, [2], data=struct.pack("<2i", 1, -1))
    p.xop(OPX_SHAPE, 6, p.tpick(rs), p.tpick(idx), AX(1), ndim=2)
    return p.end()


def op_reductions(target="llvm"):
    """reduce mean, argmax, layer/batch/group norm, split into 2."""
    p = Prog(target)
    n = p.size_var(value=3)
    c2, c4 = p.const_int(I64, 2), p.const_int(I64, 4)
    x = p.placeholder(F32, [n, c4, c2])
    p.xop(OPX_REDUCE, 1, p.tpick(x), 2, AX(1), AX(-1), 1, ndim=3)
    p.xop(OPX_REDUCE, 5, p.tpick(x), 1, AX(1), 0, dtype=I64, ndim=2)
    g = p.constant(F32, [2])
    p.xop(OPX_NORM, 2, p.tpick(x), p.tpick(g), ABSENT, AX(-1), 0x80,
          struct.pack("<d", 1e-5), ndim=3)
    sc = p.constant(F32, [4])
    p.xop(OPX_NORM, 3, p.tpick(x), p.tpick(sc), p.tpick(sc), p.tpick(sc), p.tpick(sc), FL(0.5),
          ndim=3)
    p.xop(OPX_NORM, 4, p.tpick(x), ABSENT, ABSENT, A(2), FL(0.5), ndim=3)
    p.xop(OPX_SHAPE, 3, p.tpick(x), AX(1), 1, 0, ndim=3, results=2)
    return p.end(compile_mode=1, call=struct.pack("<H", 0xFFFF))


def op_broadcast_binary(target="llvm"):
    """a[n, 1] + b[3] -> where(a > 0, sum, clip(sum)) -> cast to float16."""
    p = Prog(target)
    n = p.size_var(value=2)
    c1, c3 = p.const_int(I64, 1), p.const_int(I64, 3)
    a = p.placeholder(F32, [n, c1])
    b = p.placeholder(F32, [c3], name=1)
    s = p.xop(OPX_ELEM, 0, 0, p.tpick(a), p.tpick(b), ndim=2)
    z = p.constant(F32, [])
    gt = p.xop(OPX_ELEM, 0, 12, p.tpick(a), p.tpick(z), dtype=BOOL, ndim=2)
    cl = p.xop(OPX_ELEM, 6, p.tpick(s), FL(-1), FL(1), ndim=2)
    w = p.xop(OPX_ELEM, 1, p.tpick(gt), p.tpick(s), p.tpick(cl), ndim=2)
    p.xop(OPX_ELEM, 7, p.tpick(w), F16 - 1, dtype=F16, ndim=2)
    return p.end()


def op_matmul_batched():
    """a[2, n, 3] @ b[3, 2] (transpose flags 0), then leaky_relu and hard_sigmoid."""
    p = Prog()
    n = p.size_var(value=2)
    c2, c3 = p.const_int(I64, 2), p.const_int(I64, 3)
    a = p.placeholder(F32, [c2, n, c3])
    b = p.constant(F32, [3, 2])
    m = p.xop(OPX_LINALG, 1, p.tpick(a), p.tpick(b), ndim=3)
    l = p.xop(OPX_ELEM, 3, p.tpick(m), FL(0.5), ndim=3)
    p.xop(OPX_ELEM, 5, p.tpick(l), FL(0.5), FL(0.5), ndim=3)
    return p.end()


def op_extern_calls(target="llvm"):
    """C[i] = fz_scale(double(fz_table(Idx[i])), int32 Idx[i]) + fz_answer()."""
    p = Prog(target)
    n = p.size_var(value=4)
    idx = p.placeholder(I64, [n])
    i = p.iter_var()
    ld = p.load(idx, [i])
    t = p.extern(2, [ld])
    td = p.cast(F64, t)
    k = p.cast(I32, ld)
    sc = p.extern(1, [td, k])
    ans = p.cast(F64, p.extern(5, []))
    p.compute(p.binary("add", sc, ans), copy_from=idx)
    return p.end()


def op_extern_small(target="llvm"):
    """fz_half_plus_one on float32, fz_xor8 (uint8, int8 via the harness cast), fz_not,
    fz_mix."""
    p = Prog(target)
    n = p.size_var(value=3)
    x = p.placeholder(F32, [n])
    i = p.iter_var()
    ld = p.load(x, [i])
    h = p.extern(0, [ld])
    u = p.cast(U8, h)
    s8 = p.cast(I8, h)
    xo = p.extern(3, [u, s8])
    bl = p.binary("gt", xo, p.const_int(U8, 3))
    nb = p.extern(4, [bl])
    i16 = p.cast(I16, nb)
    mix = p.extern(6, [i16, h, p.cast(F64, h)])
    p.compute(mix, copy_from=x)
    return p.end()


# Absurd attributes, one call per seed (errors are sticky): reshape to 2^62 x
# INT64_MAX, tile by INT64_MAX, conv stride INT64_MIN with groups 2^40, pool
# kernel {-1, 0} with ceil_mode 7, softmax axis INT32_MIN, split into -1, pad by
# INT64_MIN, resize to 2^40, broadcast_to 2^62, slice step 0, transpose with a
# repeated axis.
HOSTILE_ATTRS = [
    (OPX_SHAPE, 0, 0, 2, 0xCE, 0xC6),
    (OPX_SHAPE2, 4, 0, 0xC6, 0xC7),
    (OPX_CONV, 0, 0, 0, ABSENT, 0, 0, 0xF3, 0xC8, 1, 0xC7, 0xC2),
    (OPX_POOL, 0, 0, 0, 1, 0xE1, A(-1), A(0), 0),
    (OPX_NORM, 0, 0, 0xE0),
    (OPX_SHAPE, 3, 0, AX(0), 0xF0, 0),
    (OPX_SHAPE, 5, 0, 0, FL(0), 0xC7, A(0), A(0), A(0)),
    (OPX_SHAPE2, 5, 0, 0xC8, A(1), 1, 2, 0),
    (OPX_SHAPE2, 0, 0, 2, 0xCE, A(2)),
    (OPX_SHAPE, 4, 0, 1, 1, AX(0), A(0), A(2), A(0)),
    (OPX_SHAPE, 1, 0, 0xC0, AX(0), AX(0)),
]


def op_hostile_attr(parts):
    p = Prog()
    c2 = p.const_int(I64, 2)
    p.placeholder(F32, [c2] * (4 if parts[0] in (OPX_CONV, OPX_POOL) else 2))
    p.raw(*parts)
    return p.end()


# tvm_call_extern: 9 args, a float16 ret dtype, a bfloat16 arg dtype, a mismatched
# argument dtype (int32 for int64), a NULL name.
HOSTILE_EXTERN = [(2, 5 << 2, 1, 0), (0, 6 << 2, 0, 0), (1, 7 << 2, 0x11, 0, 0), (2, 0, 0),
                  (0, 1, 10, 0)]


def op_hostile_extern(parts):
    p = Prog()
    p.const_int(I32, 3)
    p.raw(OPX_EXTERN, *parts)
    return p.end()


SEEDS.update({
    "op_mlp": op_mlp(),
    "op_mlp_interp_noinline": op_mlp("interp", NO_INLINE),
    "op_conv_maxpool": op_conv_pool(),
    "op_conv_avgpool_interp": op_conv_pool("interp", 1),
    "op_conv1d_transpose": op_conv1d_transpose(),
    "op_shapes": op_shapes(),
    "op_shapes2": op_shapes2(),
    "op_shapes2_interp": op_shapes2("interp"),
    "op_reductions": op_reductions(),
    "op_reductions_interp": op_reductions("interp"),
    "op_broadcast_binary": op_broadcast_binary(),
    "op_matmul_batched": op_matmul_batched(),
    "op_extern_calls": op_extern_calls(),
    "op_extern_calls_interp": op_extern_calls("interp"),
    "op_extern_small": op_extern_small(),
    "op_extern_small_interp": op_extern_small("interp"),
})
for k, parts in enumerate(HOSTILE_ATTRS):
    SEEDS["op_hostile_attr_%02d" % k] = op_hostile_attr(parts)
for k, parts in enumerate(HOSTILE_EXTERN):
    SEEDS["op_hostile_extern_%d" % k] = op_hostile_extern(parts)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("seed-"):
            os.remove(os.path.join(out, f))
    for name, data in SEEDS.items():
        assert len(data) < 1024, name
        with open(os.path.join(out, "seed-%s.bin" % name), "wb") as fh:
            fh.write(data)
    print("%d seeds written to %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
