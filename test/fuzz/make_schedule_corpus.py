#!/usr/bin/python3
"""Writes test/fuzz/corpus_schedule/seed-*.bin, the seeds of fuzz_schedule
(input format at the top of fuzz_schedule.c). Run with /usr/bin/python3."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17]
FACTORS = [1, 2, 3, 4, 5, 7, 8, 16, 17, 0, -1, 32, 2**31, 2**31 + 1, 2**63 - 1, 1000]
SPLIT, TILE, REORDER, FUSE, VEC, PAR, UNROLL, CACHE, INLINE, AT, PACK, NULLS = range(12)


def d(v):
    return DIMS.index(v)


def f(v):
    return FACTORS.index(v)


def seed(header, slots, inputs, stages, ops, values=(1, 2, 3, 4)):
    """inputs: lists of slot numbers; stages: byte lists; ops: byte lists."""
    b = [header] + [d(x) for x in slots] + [len(inputs) - 1]
    for shape in inputs:
        b += [len(shape) - 1] + list(shape)
    b += [len(stages) - 1]
    for st in stages:
        b += st
    b += [len(ops)]
    for op in ops:
        b += op
    return bytes(b + list(values))


# Axis handles are numbered in the order the harness remembers them: each
# tensor's iteration variables then its reduction axis, then the handles
# successful primitives return.
SEEDS = {
    # C[16,16] = A[16,8] @ B[8,16]: the header's blocked-matmul example
    "matmul_blocked": seed(0x00, [16, 8, 4, 3], [[0, 1], [1, 0]], [[4, 0, 1]], [
        [TILE, 2, 0, 1, f(4), f(8)],          # io=3 jo=4 ii=5 ji=6
        [SPLIT, 2, 2, f(4)],                  # ko=7 ki=8
        [REORDER, 2, 6, 3, 4, 7, 8, 5, 6],
        [CACHE, 2, 4],
        [VEC, 2, 6],
        [PAR, 2, 3],
        [PACK, 2, 1, 1, f(8)],
    ]),
    # i32 matmul with non-dividing tiles and an O3 compile
    "matmul_ragged_i32": seed(0x03, [9, 7, 5, 3], [[0, 1], [1, 2]], [[4, 0, 1]], [
        [TILE, 2, 0, 1, f(4), f(3)],
        [SPLIT, 2, 2, f(2)],
        [REORDER, 2, 6, 3, 4, 7, 5, 8, 6],
        [CACHE, 2, 4],
        [UNROLL, 2, 8],
    ]),
    # producer -> stencil -> elementwise, compute_at and a split consumer
    "stencil_compute_at": seed(0x01, [8, 4, 2, 1], [[0, 1]], [
        [1, 0, 2], [5, 1], [0, 2, 0, 0]], [
        [AT, 1, 2, 2],
        [SPLIT, 3, 5, f(3)],                  # 6, 7
        [VEC, 3, 7],
        [UNROLL, 2, 3],
    ]),
    # elementwise chain with compute_inline and a fused, parallel loop
    "inline_fuse": seed(0x00, [4, 5, 7, 1], [[0, 1], [1]], [
        [1, 0, 1], [0, 2, 1, 2], [0, 3, 0, 4]], [
        [INLINE, 2],
        [FUSE, 4, 4, 5],                      # S4's i, j -> fused
        [PAR, 4, 8],
        [INLINE, 3],
    ]),
    # reduction of a rank-3 input, hostile factors and axes
    "reduce_hostile": seed(0x00, [4, 5, 7, 16], [[0, 1, 2]], [[3, 0, 0]], [
        [SPLIT, 1, 2, f(2**31)],
        [SPLIT, 1, 2, f(0)],
        [SPLIT, 1, 2, f(-1)],
        [FUSE, 1, 0, 1],
        [PAR, 1, 3],
        [REORDER, 1, 7, 0, 0, 1, 2, 3, 4, 5],
        [VEC, 1, 2],
        [UNROLL, 1, 0xF1],
        [CACHE, 0, 0],
        [NULLS, 1, 0],
    ]),
    # min-reduction, transpose, a second output, a stale axis reused
    "transpose_two_outputs": seed(0x08, [3, 16, 2, 1], [[0, 1]], [
        [2, 0], [3, 1, 1]], [
        [SPLIT, 1, 0, f(5)],                  # 3, 4; axis 0 is now stale
        [SPLIT, 1, 0, f(2)],
        [TILE, 1, 3, 1, f(2), f(4)],
        [CACHE, 2, 2],
        [VEC, 2, 3],
    ]),
    # a constant operand packed, and another graph's schedule at compile
    "pack_constant_foreign": seed(0x04, [8, 4, 2, 1], [[0, 1]], [
        [6, 1, 1, 0], [4, 0, 1]], [
        [PACK, 2, 1, 0, f(2)],
        [PACK, 2, 1, 3, f(2)],
        [PACK, 2, 0, 1, f(1000)],
    ]),
    # the packed stage itself scheduled, NO_CACHE compiles
    "pack_input_scheduled": seed(0x10, [8, 16, 4, 1], [[0, 1], [1, 2]], [[4, 0, 1]], [
        [PACK, 2, 1, 1, f(4)],                 # packed tensor becomes stage 3
        [SPLIT, 2, 1, f(4)],
        [PAR, 3, 0],
    ]),
}


# Findings, written to regress/schedule/ (see LEDGER.md): rebuilt here in
# readable form rather than kept as the fuzzer's raw artifacts.
REGRESS = {
    # 001: a split by 2^31 of a 16-point loop ran 2^31 guarded inner
    # iterations per outer one (the kernel never returned on interp)
    "001-split-factor-beyond-extent": seed(0x01, [16, 8, 4, 3], [[0, 1], [1, 0]], [[4, 0, 1]], [
        [SPLIT, 2, 1, f(2**31)],              # j by 2^31
        [SPLIT, 2, 2, f(2**31)],              # k by 2^31
    ]),
}


def write(folder, prefix, table):
    out = os.path.join(HERE, folder)
    os.makedirs(out, exist_ok=True)
    for name, data in table.items():
        with open(os.path.join(out, "%s%s.bin" % (prefix, name)), "wb") as fh:
            fh.write(data)


def main():
    write("corpus_schedule", "seed-", SEEDS)
    write(os.path.join("regress", "schedule"), "", REGRESS)


if __name__ == "__main__":
    main()
