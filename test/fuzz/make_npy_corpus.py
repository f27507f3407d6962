#!/usr/bin/python3
"""Writes test/fuzz/corpus_npy/seed-*: .npy and .npz files made by numpy,
each prefixed by the byte fuzz_npy.c reads to pick the reader (0 npy, 1 npz).
usage: /usr/bin/python3 test/fuzz/make_npy_corpus.py"""
import io
import os

import numpy as np

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_npy")
os.makedirs(here, exist_ok=True)


def npy(a, version=None):
    f = io.BytesIO()
    np.lib.format.write_array(f, a, version=version)
    return f.getvalue()


def npz(compressed, **arrays):
    f = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(f, **arrays)
    return f.getvalue()


seeds = {
    "f4-2x3.npy": b"\0" + npy(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "f2-v2.npy": b"\0" + npy(np.ones(4, np.float16), (2, 0)),
    "i8-v3.npy": b"\0" + npy(np.arange(3, dtype=np.int64), (3, 0)),
    "b1-scalar.npy": b"\0" + npy(np.array(True)),
    "u1-empty.npy": b"\0" + npy(np.zeros((0, 2), np.uint8)),
    "stored.npz": b"\1" + npz(False, a=np.arange(4, dtype=np.int32), b=np.ones((2, 2))),
    "deflated.npz": b"\1" + npz(True, x=np.zeros(64, np.float32)),
}
for name, data in seeds.items():
    with open(os.path.join(here, "seed-" + name), "wb") as f:
        f.write(data)
print(len(seeds), "seeds in", here)
