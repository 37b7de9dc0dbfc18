"""Shared fixtures: one seeded generator per test, and the PyTorch oracle policy.

Oracle tests (``@pytest.mark.oracle``) compare with PyTorch. Without torch they are skipped on a
user's machine, but in CI (the ``CI`` environment variable set) a missing torch is a failure.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import scratchdl as sd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _reset_global_state():
    sd.manual_seed(0)
    sd.set_default_dtype("float32")
    yield
    sd.set_default_dtype("float32")


def pytest_collection_modifyitems(config, items):
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise pytest.UsageError(
                "CI is set but PyTorch is not installed: the oracle tests must run in CI. "
                "Install the test extra: pip install -e '.[test]'"
            ) from None
        marker = pytest.mark.skip(reason="PyTorch not installed (oracle tests need it)")
        for item in items:
            if "oracle" in item.keywords:
                item.add_marker(marker)
