"""Tests of ops/shape.py: reshape transpose swapaxes flatten squeeze unsqueeze broadcast_to."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.tables import table_tests


def _torch():
    import torch

    return torch


# (name, input shape, scratchdl function, NumPy reference, torch function). Shapes cover 0-d,
# size-1 axes and negative axes; the "T" cases transpose the input first (non-contiguous).
# fmt: off
_CASES = [
    ("reshape", (2, 3), lambda x: sd.reshape(x, (3, 2)), lambda a: a.reshape(3, 2),
     lambda x: _torch().reshape(x, (3, 2))),
    ("reshape -1", (2, 1, 3), lambda x: x.reshape(3, -1), lambda a: a.reshape(3, -1),
     lambda x: x.reshape(3, -1)),
    ("reshape 0-d", (), lambda x: x.reshape(1, 1), lambda a: a.reshape(1, 1),
     lambda x: x.reshape(1, 1)),
    ("reshape to 0-d", (1, 1), lambda x: x.reshape(()), lambda a: a.reshape(()),
     lambda x: x.reshape(())),
    ("reshape T", (3, 4), lambda x: x.T.reshape(-1), lambda a: a.T.reshape(-1),
     lambda x: x.T.reshape(-1)),
    ("transpose", (2, 3, 4), lambda x: sd.transpose(x), lambda a: a.transpose(),
     lambda x: x.permute(2, 1, 0)),
    ("permute", (2, 1, 4), lambda x: x.transpose(1, -1, 0), lambda a: a.transpose(1, -1, 0),
     lambda x: x.permute(1, -1, 0)),
    ("transpose 0-d", (), lambda x: sd.transpose(x), lambda a: a.transpose(),
 lambda x: x.reshape(())),
    ("swapaxes", (2, 3, 4), lambda x: sd.swapaxes(x, -1, 0), lambda a: a.swapaxes(-1, 0),
     lambda x: _torch().transpose(x, -1, 0)),
    ("swapaxes T", (3, 4), lambda x: x.T.swapaxes(0, 1), lambda a: a.T.swapaxes(0, 1),
     lambda x: x.T.transpose(0, 1)),
    ("flatten", (2, 3, 1, 4), lambda x: sd.flatten(x), lambda a: a.reshape(-1),
     lambda x: _torch().flatten(x)),
    ("flatten middle", (2, 3, 1, 4), lambda x: x.flatten(1, -2),
     lambda a: a.reshape(2, 3, 4), lambda x: x.flatten(1, -2)),
    ("flatten 0-d", (), lambda x: sd.flatten(x), lambda a: a.reshape(1),
     lambda x: _torch().flatten(x)),
    ("squeeze all", (1, 3, 1), lambda x: sd.squeeze(x), lambda a: a.squeeze(),
     lambda x: x.squeeze()),
    ("squeeze axis", (1, 3, 1), lambda x: sd.squeeze(x, -1), lambda a: a.squeeze(-1),
     lambda x: x.squeeze(-1)),
    ("squeeze tuple", (1, 3, 1), lambda x: x.squeeze((0, 2)), lambda a: a.squeeze((0, 2)),
     lambda x: x.squeeze((0, 2))),
    ("unsqueeze", (2, 3), lambda x: sd.unsqueeze(x, 1), lambda a: np.expand_dims(a, 1),
     lambda x: x.unsqueeze(1)),
    ("unsqueeze -1", (2, 3), lambda x: x.unsqueeze(-1), lambda a: a[..., None],
     lambda x: x.unsqueeze(-1)),
    ("expand_dims tuple", (3,), lambda x: sd.expand_dims(x, (0, -1)),
     lambda a: np.expand_dims(a, (0, -1)), lambda x: x[None, :, None]),
    ("unsqueeze 0-d", (), lambda x: sd.unsqueeze(x, 0), lambda a: a.reshape(1),
     lambda x: x.unsqueeze(0)),
    ("broadcast_to", (3, 1), lambda x: sd.broadcast_to(x, (2, 3, 4)),
     lambda a: np.broadcast_to(a, (2, 3, 4)), lambda x: x.expand(2, 3, 4)),
    ("broadcast 0-d", (), lambda x: sd.broadcast_to(x, (2, 2)),
     lambda a: np.broadcast_to(a, (2, 2)), lambda x: x.expand(2, 2)),
    ("expand -1", (1, 3), lambda x: x.expand(4, -1), lambda a: np.broadcast_to(a, (4, 3)),
     lambda x: x.expand(4, -1)),
]
# fmt: on

test_forward_matches_numpy, test_gradients, test_matches_torch = table_tests(_CASES)


def test_reshape_and_transpose_return_views():
    data = np.arange(6.0)
    x = sd.from_numpy(data)
    assert np.shares_memory(x.reshape(2, 3).data, data)
    assert np.shares_memory(x.reshape(2, 3).T.data, data)
    assert np.shares_memory(sd.squeeze(x.reshape(1, 6)).data, data)


# ----------------------------------------------------------------------------- bad input
BAD = [
    (lambda x: x.reshape(4, 2), ShapeError, r"reshape: .*shape \(2, 3\) \(6 elements\).*\(4, 2\)"),
    (lambda x: x.reshape(-1, -1), ShapeError, r"reshape: .*only one size may be -1"),
    (lambda x: x.reshape(4, -1), ShapeError, r"reshape: .*\(2, 3\).*no size for -1"),
    (lambda x: x.transpose(0, 0), ShapeError, r"transpose: axes=\(0, 0\).*\(2, 3\).*swapaxes"),
    (lambda x: sd.swapaxes(x, 0, 2), ShapeError, r"swapaxes: axis 2 .*\(2, 3\).*\[-2, 1\]"),
    (lambda x: sd.flatten(x, 1, 0), ShapeError, r"flatten: start_axis=1 .*end_axis=0"),
    (lambda x: sd.squeeze(x, 1), ShapeError, r"squeeze: .*axis 1 .*\(2, 3\).*size is 3"),
    (lambda x: sd.unsqueeze(x, 3), ShapeError, r"unsqueeze: axis 3 .*\(2, 3\)"),
    (lambda x: sd.broadcast_to(x, (3, 3)), ShapeError, r"broadcast_to: .*\(2, 3\) to shape"),
    (lambda x: sd.broadcast_to(x, (3,)), ShapeError, r"broadcast_to: .*fewer axes"),
    (lambda x: sd.reshape(x, 2.5), TypeError, r"reshape: shape must be an integer"),
]


@pytest.mark.parametrize("fn, error, message", BAD)
def test_bad_input_is_explained(fn, error, message):
    with pytest.raises(error, match=message):
        fn(sd.zeros(2, 3))


def test_permute_is_transpose_with_explicit_axes(rng):
    x = rng.standard_normal((2, 3, 4))
    check_gradients(lambda t: sd.permute(t, (2, 0, 1)), x, double=True)
    np.testing.assert_array_equal(sd.permute(sd.tensor(x), (2, 0, 1)).data, x.transpose(2, 0, 1))
    with pytest.raises(ShapeError, match="not a permutation"):
        sd.permute(sd.tensor(x), (0, 0, 1))
