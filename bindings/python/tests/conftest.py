"""Shared fixtures for the tvmc Python tests.

Run: TVMC_LIBRARY=build/libtvmc.so /usr/bin/python3 -m pytest bindings/python/tests
(the package falls back to <repo>/build/libtvmc.so without TVMC_LIBRARY)."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tvmc  # noqa: E402

TARGETS = ["llvm", "interp"]


@pytest.fixture(params=TARGETS)
def target(request):
    return request.param


@pytest.fixture(autouse=True)
def graph():
    """Every test builds in its own graph."""
    with tvmc.Graph() as g:
        yield g


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def rand(rng, shape, dtype, lo=-10, hi=10):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(lo, info.min), min(hi, info.max) + 1, size=shape).astype(dtype)
    return rng.uniform(lo, hi, size=shape).astype(dtype)
