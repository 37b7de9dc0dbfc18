"""Classification metrics against scikit-learn, on random and degenerate labels, plus the errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.train.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    precision,
    predictions,
    recall,
)

SCORES = {
    "precision": (precision, skm.precision_score),
    "recall": (recall, skm.recall_score),
    "f1_score": (f1_score, skm.f1_score),
}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def label_cases(rng: np.random.Generator, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(y_true, y_pred) pairs over classes 0..k-1, random and degenerate."""
    n = 40
    y_true = rng.integers(0, k, n)
    noisy = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))
    return {
        "random": (y_true, rng.integers(0, k, n)),
        "mostly_right": (y_true, noisy),
        "class_never_predicted": (y_true, np.where(noisy == k - 1, 0, noisy)),
        "class_never_true": (np.where(y_true == 0, 1, y_true), noisy),
        "all_one_class": (np.full(n, k - 1), np.full(n, k - 1)),
        "all_wrong": (np.zeros(n, int), np.full(n, k - 1)),
        "perfect": (y_true, y_true.copy()),
        "single_sample": (y_true[:1], noisy[:1]),
    }


# ----------------------------------------------------------------------------- confusion matrix
@pytest.mark.parametrize("k", [2, 3, 7])
def test_confusion_matrix_matches_sklearn(rng, k):
    for name, (y_true, y_pred) in label_cases(rng, k).items():
        expected = skm.confusion_matrix(y_true, y_pred, labels=np.arange(k))
        cm = confusion_matrix(y_true, y_pred, num_classes=k)
        assert cm.dtype == np.int64 and cm.shape == (k, k), name
        np.testing.assert_array_equal(cm, expected, err_msg=name)
        inferred = confusion_matrix(y_true, y_pred)  # K = largest label + 1
        size = max(y_true.max(), y_pred.max()) + 1
        np.testing.assert_array_equal(inferred, expected[:size, :size], err_msg=name)


def test_confusion_matrix_golden_and_input_kinds():
    expected = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    y_true, y_pred = [0, 1, 2, 2, 1], [0, 2, 2, 2, 1]
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), expected)
    as_tensors = confusion_matrix(sd.tensor(np.array(y_true)), sd.tensor(np.array(y_pred)))
    np.testing.assert_array_equal(as_tensors, expected)
    column = np.array(y_true, dtype=np.float32)[:, None]  # (N, 1) float labels, as BCE targets are
    np.testing.assert_array_equal(confusion_matrix(column, np.array(y_pred)), expected)
    bools = confusion_matrix(np.array([True, False, True]), np.array([True, True, False]))
    np.testing.assert_array_equal(bools, [[0, 1], [1, 1]])


def test_confusion_matrix_extra_classes_and_empty():
    cm = confusion_matrix([0, 1], [1, 1], num_classes=4)
    np.testing.assert_array_equal(cm, [[0, 1, 0, 0], [0, 1, 0, 0], [0] * 4, [0] * 4])
    empty = np.array([], dtype=np.int64)
    np.testing.assert_array_equal(confusion_matrix(empty, empty, num_classes=3), np.zeros((3, 3)))
    assert confusion_matrix(empty, empty).shape == (0, 0)


# ------------------------------------------------------------------------- precision / recall / F1
@pytest.mark.parametrize("metric", SCORES)
@pytest.mark.parametrize("pos_label", [1, 0])
def test_binary_scores_match_sklearn(rng, metric, pos_label):
    ours, theirs = SCORES[metric]
    for name, (y_true, y_pred) in label_cases(rng, 2).items():
        expected = theirs(y_true, y_pred, pos_label=pos_label, zero_division=0)
        got = ours(y_true, y_pred, pos_label=pos_label)
        assert type(got) is float, name
        assert got == pytest.approx(expected, abs=1e-12), name


@pytest.mark.parametrize("metric", SCORES)
@pytest.mark.parametrize("average", ["macro", "micro"])
@pytest.mark.parametrize("k", [2, 3, 6])
def test_multiclass_scores_match_sklearn(rng, metric, average, k):
    ours, theirs = SCORES[metric]
    for name, (y_true, y_pred) in label_cases(rng, k).items():
        # Without num_classes: scikit-learn's default classes, those seen in y_true or y_pred.
        expected = theirs(y_true, y_pred, average=average, zero_division=0)
        got = ours(y_true, y_pred, average=average)
        assert got == pytest.approx(expected, abs=1e-12), name
        # With num_classes: every class counts, as scikit-learn's labels=range(K + 1).
        expected = theirs(y_true, y_pred, average=average, labels=np.arange(k + 1), zero_division=0)
        got = ours(y_true, y_pred, average=average, num_classes=k + 1)
        assert got == pytest.approx(expected, abs=1e-12), name


def test_macro_skips_a_class_absent_from_both_unless_num_classes_says_otherwise():
    y_true, y_pred = [0, 2, 2], [0, 0, 2]  # class 1 never occurs
    assert f1_score(y_true, y_pred, average="macro") == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert f1_score(y_true, y_pred, average="macro", num_classes=3) == pytest.approx(4 / 9)


def test_micro_scores_equal_accuracy(rng):
    y_true, y_pred = rng.integers(0, 5, 50), rng.integers(0, 5, 50)
    acc = float(np.mean(y_true == y_pred))
    for ours, _ in SCORES.values():
        assert ours(y_true, y_pred, average="micro") == pytest.approx(acc)


def test_scores_golden_values():
    y_true, y_pred = [0, 1, 1, 1], [1, 1, 0, 1]  # tp = 2, fp = 1, fn = 1
    assert precision(y_true, y_pred) == pytest.approx(2 / 3)
    assert recall(y_true, y_pred) == pytest.approx(2 / 3)
    assert f1_score(y_true, y_pred) == pytest.approx(2 / 3)
    # Nothing predicted positive and no positive present: every denominator is 0 -> 0.0.
    assert precision([0, 0], [0, 0]) == recall([0, 0], [0, 0]) == f1_score([0, 0], [0, 0]) == 0.0


def test_scores_take_tensors_and_float_labels(rng):
    y_true, y_pred = rng.integers(0, 2, 30), rng.integers(0, 2, 30)
    expected = skm.f1_score(y_true, y_pred)
    assert f1_score(sd.tensor(y_true), sd.tensor(y_pred)) == pytest.approx(expected)
    as_float = y_true.astype(np.float32)[:, None]  # (N, 1) float32, as a BCE target
    assert f1_score(as_float, y_pred) == pytest.approx(expected)


# ------------------------------------------------------------------------- predictions / accuracy
@pytest.mark.parametrize("threshold", [0.5, 0.2, 0.9, 0.0, 1.0])
def test_binary_predictions_from_logits_equal_those_from_probabilities(rng, threshold):
    z = rng.standard_normal(200) * 3
    from_logits = predictions(z, threshold=threshold)
    from_probabilities = predictions(sigmoid(z), from_logits=False, threshold=threshold)
    np.testing.assert_array_equal(from_logits, from_probabilities)
    np.testing.assert_array_equal(from_probabilities, (sigmoid(z) > threshold).astype(int))
    assert from_logits.dtype == np.int64 and from_logits.shape == (200,)


def test_predictions_shapes_and_ties():
    np.testing.assert_array_equal(predictions(np.array([[-1.0], [0.0], [0.5]])), [0, 0, 1])
    np.testing.assert_array_equal(predictions(np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])), [0, 1])
    two_columns = predictions(np.array([[0.3, 0.7], [0.6, 0.4]]), from_logits=False)
    np.testing.assert_array_equal(two_columns, [1, 0])  # (N, 2) is a 2-class softmax: argmax


@pytest.mark.parametrize("column", [False, True])
def test_binary_accuracy_matches_sklearn(rng, column):
    z = rng.standard_normal(64).astype(np.float32)
    target = rng.integers(0, 2, 64)
    expected = skm.accuracy_score(target, z > 0)
    output = z[:, None] if column else z
    labels = target[:, None].astype(np.float32) if column else target
    assert accuracy(output, labels) == pytest.approx(expected)
    assert accuracy(sigmoid(output), labels, from_logits=False) == pytest.approx(expected)
    expected_at_07 = skm.accuracy_score(target, sigmoid(z) > 0.7)
    assert accuracy(sigmoid(output), labels, 0.7, from_logits=False) == pytest.approx(
        expected_at_07
    )
    assert accuracy(output, labels, threshold=0.7) == pytest.approx(expected_at_07)


@pytest.mark.parametrize("c", [2, 3, 10])
def test_multiclass_accuracy_matches_sklearn(rng, c):
    logits = rng.standard_normal((50, c))
    target = rng.integers(0, c, 50)
    expected = skm.accuracy_score(target, logits.argmax(axis=1))
    assert accuracy(logits, target) == pytest.approx(expected)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert accuracy(probabilities, target, from_logits=False) == pytest.approx(expected)
    assert accuracy(logits, logits.argmax(axis=1)) == 1.0


def test_accuracy_takes_tensors_and_builds_no_graph(rng):
    w = sd.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x = sd.tensor(rng.standard_normal((8, 4)))
    output = x @ w  # an op output inside the graph
    target = sd.tensor(rng.integers(0, 3, 8))
    got = accuracy(output, target)
    assert type(got) is float
    assert got == pytest.approx(np.mean(output.data.argmax(axis=1) == target.data))
    assert w.grad is None and output.grad_fn is not None
    assert type(precision(target, predictions(output), average="macro")) is float


# ----------------------------------------------------------------------------- errors
def test_accuracy_shape_errors_name_both_shapes():
    with pytest.raises(ShapeError, match=r"output shape \(4, 3\) and target shape \(5,\)"):
        accuracy(np.zeros((4, 3)), np.zeros(5, int))
    with pytest.raises(ShapeError, match=r"target shape \(4, 2\)"):
        accuracy(np.zeros((4, 1)), np.zeros((4, 2)))
    with pytest.raises(ShapeError, match=r"one-hot targets pass target.argmax\(axis=1\)"):
        accuracy(np.zeros((4, 3)), np.eye(3)[[0, 1, 2, 0]])
    with pytest.raises(ShapeError, match=r"received output shape \(2, 3, 4\)"):
        accuracy(np.zeros((2, 3, 4)), np.zeros(2, int))
    with pytest.raises(ShapeError, match=r"received output shape \(\)"):
        predictions(np.float32(1.0))


def test_accuracy_value_errors():
    with pytest.raises(ValueError, match=r"binary output \(shape \(3,\)\) needs 0/1 targets.*2"):
        accuracy(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"class index 3 outside 0..2"):
        accuracy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"whole-number class indices; received value\(s\) 0.9"):
        accuracy(np.zeros(2), np.array([0.9, 1.0]))
    with pytest.raises(ValueError, match="look like logits; pass from_logits=True"):
        accuracy(np.array([-2.0, 3.0]), np.array([0, 1]), from_logits=False)
    with pytest.raises(ValueError, match="output holds NaN"):
        accuracy(np.array([np.nan, 1.0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="received 0 samples"):
        accuracy(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(ValueError, match=r"threshold=1.5"):
        accuracy(np.zeros(2), np.array([0, 1]), threshold=1.5)
    with pytest.raises(TypeError, match=r"threshold='0.5'"):
        predictions(np.zeros(2), threshold="0.5")
    with pytest.raises(DTypeError, match="must hold real numbers"):
        predictions(np.array(["a", "b"]))


def test_label_errors():
    with pytest.raises(ShapeError, match=r"y_true shape \(3,\) and y_pred shape \(4,\)"):
        confusion_matrix([0, 1, 1], [0, 1, 1, 0])
    with pytest.raises(ShapeError, match=r"received y_pred shape \(3, 2\).*argmax"):
        f1_score([0, 1, 1], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"negative class index -1"):
        confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred holds class index 4.*num_classes=5"):
        confusion_matrix([0, 1], [0, 4], num_classes=3)
    with pytest.raises(ValueError, match="num_classes must be at least 1"):
        confusion_matrix([0], [0], num_classes=0)
    with pytest.raises(TypeError, match="num_classes must be a positive int"):
        confusion_matrix([0], [0], num_classes=2.0)
    with pytest.raises(DTypeError, match="integer class indices"):
        confusion_matrix(np.array(["a"]), np.array(["b"]))


def test_score_errors():
    with pytest.raises(ValueError, match=r"average must be one of 'binary', 'macro', 'micro'"):
        precision([0, 1], [0, 1], average="weighted")
    with pytest.raises(ValueError, match=r"y_true holds class index 2.*average='macro'"):
        recall([0, 2], [0, 1])
    with pytest.raises(ValueError, match=r"pos_label must be 0 or 1.*pos_label=2"):
        f1_score([0, 1], [0, 1], pos_label=2)
    with pytest.raises(ValueError, match=r"num_classes=3"):
        f1_score([0, 1], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="received 0 samples"):
        f1_score([], [], average="micro")
