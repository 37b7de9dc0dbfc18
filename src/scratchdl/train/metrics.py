"""Classification metrics: accuracy, precision, recall, F1 and the confusion matrix.

Metrics measure a model; nothing is trained on them. So every function here reads the numbers
(``Tensor.data`` or an array), never records an autograd graph, and returns a Python float (an
int64 array for the confusion matrix). A training loop calls them on a batch's or an epoch's
outputs.

Two kinds of input:

* raw model **outputs**, for ``accuracy`` and ``predictions``: one score per sample, shape (N,) or
  (N, 1), for a binary classifier (a logit, or a probability with ``from_logits=False``), or C >= 2
  scores per sample, shape (N, C), for a multi-class one (logits or probabilities: the argmax is
  the same);
* **labels**, for ``confusion_matrix``, ``precision``, ``recall`` and ``f1_score``: 0-based class
  indices 0..K-1, shape (N,) or (N, 1), as integers, bools or whole-number floats (binary targets
  are often float for the BCE loss). ``predictions(output)`` turns outputs into labels.

Precision, recall and F1 follow scikit-learn's definitions, including its zero-division rule: a
score whose denominator is 0 is 0.0 (scikit-learn's ``zero_division=0``, without the warning).
All of them are read off the confusion matrix ``cm`` (rows = true class, columns = predicted):

    tp[k] = cm[k, k]               (samples of class k predicted as k)
    predicted[k] = cm[:, k].sum()  (= tp + fp: samples predicted as k)
    actual[k] = cm[k, :].sum()     (= tp + fn: samples whose true class is k)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from scratchdl.errors import DTypeError, ShapeError
from scratchdl.tensor import Tensor

__all__ = ["accuracy", "confusion_matrix", "f1_score", "precision", "predictions", "recall"]

ArrayOrTensor = Any  # a Tensor, an ndarray, or anything np.asarray accepts (nested lists, ...)

_AVERAGES = ("binary", "macro", "micro")


# ----------------------------------------------------------------------------- input helpers
def _as_array(x: ArrayOrTensor) -> np.ndarray:
    """The numbers inside x, without copying and without touching autograd."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _shown(values: np.ndarray) -> str:
    """Up to five distinct offending values, for an error message."""
    return ", ".join(str(v) for v in np.unique(values)[:5])  # str(np.float32(0.9)) is "0.9"


def _labels(fn: str, name: str, y: ArrayOrTensor) -> np.ndarray:
    """Class indices as a 1-D int64 array: (N,) or (N, 1) integers, bools or whole-number floats."""
    a = _as_array(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]  # (N, 1) -> (N,)
    if a.ndim != 1:
        raise ShapeError(
            f"{fn}: {name} must hold one class index per sample, shape (N,) or (N, 1); received "
            f"{name} shape {a.shape}. help: for one-hot rows or per-class scores pass "
            f"{name}.argmax(axis=1); for model outputs use predictions(output)."
        )
    kind = a.dtype.kind
    if kind == "b" or kind in "iu":
        labels = a.astype(np.int64, copy=False)
    elif kind == "f":
        fractional = a != np.round(a)  # NaN counts as fractional: NaN != NaN
        if fractional.any():
            raise ValueError(
                f"{fn}: {name} must hold whole-number class indices; received value(s) "
                f"{_shown(a[fractional])} (dtype {a.dtype}). help: if these are probabilities or "
                "logits, turn them into labels first with predictions(output)."
            )
        labels = a.astype(np.int64)
    else:
        raise DTypeError(
            f"{fn}: {name} must hold integer class indices; received dtype {a.dtype} "
            f"(shape {a.shape}). Convert it, for example with {name}.astype('int64')."
        )
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"{fn}: {name} holds negative class index {_shown(labels[labels < 0])}; labels must "
            "be 0-based class indices 0..K-1."
        )
    return labels


def _label_pair(fn: str, y_true: ArrayOrTensor, y_pred: ArrayOrTensor):
    """y_true and y_pred as 1-D int64 arrays of the same length."""
    t, p = _labels(fn, "y_true", y_true), _labels(fn, "y_pred", y_pred)
    if t.shape != p.shape:
        raise ShapeError(
            f"{fn}: y_true and y_pred must have one label per sample each; received y_true shape "
            f"{_as_array(y_true).shape} and y_pred shape {_as_array(y_pred).shape}."
        )
    return t, p


def _num_classes(fn: str, t: np.ndarray, p: np.ndarray, num_classes: int | None) -> int:
    """K: num_classes when given (checked against the labels), else the largest label + 1."""
    largest = max(int(t.max(initial=-1)), int(p.max(initial=-1)))
    if num_classes is None:
        return largest + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(
            f"{fn}: num_classes must be a positive int or None; received num_classes="
            f"{num_classes!r}."
        )
    if num_classes < 1:
        raise ValueError(
            f"{fn}: num_classes must be at least 1; received num_classes={num_classes!r}."
        )
    if largest >= num_classes:
        name = "y_true" if int(t.max(initial=-1)) == largest else "y_pred"
        raise ValueError(
            f"{fn}: {name} holds class index {largest}, but num_classes={num_classes} allows only "
            f"0..{num_classes - 1}. Pass num_classes={largest + 1} or more, or num_classes=None "
            "to infer it from the labels."
        )
    return int(num_classes)


def _confusion(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    # The pair (true i, predicted j) is bin i*K + j of one flat histogram of K*K bins.
    counts = np.bincount(t * k + p, minlength=k * k)  # (K*K,)
    return counts.reshape(k, k).astype(np.int64, copy=False)  # (K*K,) -> (K, K)


def _output_array(fn: str, output: ArrayOrTensor) -> np.ndarray:
    """A model output as an array of shape (N,), (N, 1) or (N, C), real-valued and NaN-free."""
    out = _as_array(output)
    if out.dtype.kind not in "biuf":
        raise DTypeError(
            f"{fn}: output must hold real numbers (logits or probabilities); received dtype "
            f"{out.dtype} (shape {out.shape})."
        )
    if out.ndim not in (1, 2) or (out.ndim == 2 and out.shape[1] == 0):
        raise ShapeError(
            f"{fn}: output must have shape (N,) or (N, 1) for a binary classifier, or (N, C) with "
            f"C >= 2 for a multi-class one; received output shape {out.shape}. help: flatten any "
            "extra axes into the batch axis, e.g. output.reshape(-1, C)."
        )
    if out.dtype.kind == "f" and np.isnan(out).any():
        raise ValueError(
            f"{fn}: output holds NaN (shape {out.shape}), so its predictions are undefined. "
            "help: the model has probably diverged; check the loss and lower the learning rate."
        )
    return out


def _is_binary(out: np.ndarray) -> bool:
    return out.ndim == 1 or out.shape[1] == 1


def _logit(p: float) -> float:
    """log(p / (1 - p)), with logit(0) = -inf and logit(1) = +inf."""
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    return math.log(p / (1 - p))


# ----------------------------------------------------------------------------- public functions
def predictions(
    output: ArrayOrTensor, from_logits: bool = True, threshold: float = 0.5
) -> npt.NDArray[np.int64]:
    """Class predictions (labels) from a classifier's outputs.

    * Binary output, shape (N,) or (N, 1): ``pred = (output > threshold)`` for probabilities
      (``from_logits=False``), and for logits the same test on the sigmoid,
      ``sigmoid(output) > threshold``, done as ``output > log(threshold / (1 - threshold))``,
      which is ``output > 0`` at the default threshold 0.5.
    * Multi-class output, shape (N, C) with C >= 2: ``pred = argmax_c output[:, c]``, the same for
      logits and probabilities (softmax keeps the order). Ties go to the first class, as in
      ``np.argmax``.

    Parameters
    ----------
    output : Tensor or array_like
        Logits or probabilities, shape (N,), (N, 1) or (N, C).
    from_logits : bool
        Whether a binary output is a logit (default) or a probability in [0, 1].
    threshold : float
        Probability above which a binary prediction is class 1; in [0, 1].

    Returns
    -------
    ndarray of int64, shape (N,)
        0/1 for a binary output, class indices 0..C-1 for a multi-class one.

    Examples
    --------
    >>> import numpy as np
    >>> from scratchdl.train.metrics import predictions
    >>> predictions(np.array([-1.5, 0.2, 3.0]))
    array([0, 1, 1])
    >>> predictions(np.array([[0.2], [0.7]]), from_logits=False, threshold=0.8)
    array([0, 0])
    >>> predictions(np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 1.0]]))
    array([1, 0])
    """
    out = _output_array("predictions", output)
    if not _is_binary(out):
        return np.argmax(out, axis=1).astype(np.int64, copy=False)  # (N, C) -> (N,)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise TypeError(
            f"predictions: threshold must be a number in [0, 1]; received threshold={threshold!r}."
        )
    if not 0 <= threshold <= 1:
        raise ValueError(
            "predictions: threshold is a probability and must be in [0, 1]; received "
            f"threshold={threshold!r}. With from_logits=True it still applies to sigmoid(output)."
        )
    scores = out.reshape(-1)  # (N, 1) -> (N,)
    if from_logits:
        return (scores > _logit(float(threshold))).astype(np.int64)
    if scores.size and (scores.min() < 0 or scores.max() > 1):
        raise ValueError(
            f"predictions: from_logits=False expects probabilities in [0, 1]; received values in "
            f"[{scores.min()}, {scores.max()}]. help: these look like logits; "
            "pass from_logits=True (the default)."
        )
    return (scores > float(threshold)).astype(np.int64)


def accuracy(
    output: ArrayOrTensor,
    target: ArrayOrTensor,
    threshold: float = 0.5,
    from_logits: bool = True,
) -> float:
    """The fraction of samples whose predicted class equals the target.

    ``accuracy = (1 / N) * sum_i [pred_i == target_i]``, with ``pred = predictions(output,
    from_logits, threshold)``:

    * binary, output of shape (N,) or (N, 1) and 0/1 targets: ``pred = output > 0`` for logits,
      ``output > threshold`` for probabilities (``from_logits=False``);
    * multi-class, output of shape (N, C) with C >= 2 and integer targets in 0..C-1:
      ``pred = argmax_c output[:, c]``.

    Parameters
    ----------
    output : Tensor or array_like
        The model's logits or probabilities, shape (N,), (N, 1) or (N, C).
    target : Tensor or array_like
        The true labels, shape (N,) or (N, 1): 0/1 for a binary output, class indices for a
        multi-class one (integers, or whole-number floats).
    threshold : float
        Probability above which a binary prediction is class 1 (see ``predictions``).
    from_logits : bool
        Whether a binary output is a logit (default) or a probability.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from scratchdl.train.metrics import accuracy
    >>> accuracy(np.array([-2.0, 0.5, 1.0, -0.1]), np.array([0, 1, 0, 0]))
    0.75
    >>> accuracy(np.array([[0.9], [0.4]]), np.array([[1.0], [1.0]]), from_logits=False)
    0.5
    >>> accuracy(np.array([[2.0, 0.1, 0.0], [0.3, 0.2, 1.5]]), np.array([0, 1]))
    0.5
    """
    out = _output_array("accuracy", output)
    t = _as_array(target)
    n = out.shape[0]
    binary = _is_binary(out)
    expected = "(N,) or (N, 1) of 0/1 labels" if binary else "(N,) of class indices"
    if not (t.ndim in (1, 2) and t.shape[0] == n and (t.ndim == 1 or t.shape[1] == 1)):
        hint = ""
        if not binary and t.ndim == 2 and t.shape == out.shape:
            hint = " help: for one-hot targets pass target.argmax(axis=1)."
        raise ShapeError(
            f"accuracy: target must have shape {expected}, with N matching the output; received "
            f"output shape {out.shape} and target shape {t.shape}.{hint}"
        )
    if n == 0:
        raise ValueError(
            f"accuracy: received 0 samples (output shape {out.shape}); the accuracy of an empty "
            "batch is undefined."
        )
    labels = _labels("accuracy", "target", t)
    num_classes = 2 if binary else out.shape[1]
    if labels.max() >= num_classes:
        bad = _shown(labels[labels >= num_classes])
        if binary:
            raise ValueError(
                f"accuracy: a binary output (shape {out.shape}) needs 0/1 targets; received target "
                f"value(s) {bad}. help: for more classes the model needs one output column per "
                "class, shape (N, C)."
            )
        raise ValueError(
            f"accuracy: target holds class index {bad} outside 0..{num_classes - 1} (output "
            f"shape {out.shape} has C={num_classes} classes on axis 1)."
        )
    pred = predictions(out, from_logits=from_logits, threshold=threshold)
    return float(np.mean(pred == labels))


def confusion_matrix(
    y_true: ArrayOrTensor, y_pred: ArrayOrTensor, num_classes: int | None = None
) -> npt.NDArray[np.int64]:
    """Count every (true class, predicted class) pair.

    ``cm[i, j] = number of samples with y_true == i and y_pred == j``: rows are the true class,
    columns the predicted one, so the diagonal holds the correct predictions. It is one
    ``np.bincount`` of the flat index ``y_true * K + y_pred`` over K*K bins, reshaped to (K, K).
    scikit-learn's ``confusion_matrix(y_true, y_pred, labels=range(K))`` gives the same matrix.

    Parameters
    ----------
    y_true, y_pred : Tensor or array_like
        Class indices 0..K-1, shape (N,) or (N, 1).
    num_classes : int, optional
        K. Default: the largest label in either array, plus 1.

    Returns
    -------
    ndarray of int64, shape (K, K)

    Examples
    --------
    >>> from scratchdl.train.metrics import confusion_matrix
    >>> confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 2]])
    """
    t, p = _label_pair("confusion_matrix", y_true, y_pred)
    return _confusion(t, p, _num_classes("confusion_matrix", t, p, num_classes))


def _counts(fn: str, y_true, y_pred, average: str, pos_label: int, num_classes: int | None):
    """(tp, predicted, actual) for the positive class (binary), summed over classes (micro), or
    per class (macro: every class when num_classes is given, else those seen in y_true or y_pred,
    as scikit-learn does)."""
    if average not in _AVERAGES:
        raise ValueError(
            f"{fn}: average must be one of {', '.join(map(repr, _AVERAGES))}; received "
            f"average={average!r}."
        )
    t, p = _label_pair(fn, y_true, y_pred)
    if t.size == 0:
        raise ValueError(f"{fn}: received 0 samples; the score of an empty set is undefined.")
    if average == "binary":
        if isinstance(pos_label, bool) or pos_label not in (0, 1):
            raise ValueError(
                f"{fn}: pos_label must be 0 or 1 with average='binary'; received "
                f"pos_label={pos_label!r}."
            )
        if num_classes not in (None, 2):
            raise ValueError(
                f"{fn}: average='binary' is for two classes; received num_classes={num_classes!r}. "
                "Use average='macro' or 'micro' for more classes."
            )
        largest = max(t.max(), p.max())
        if largest > 1:
            name = "y_true" if t.max() == largest else "y_pred"
            raise ValueError(
                f"{fn}: average='binary' needs labels 0 and 1 only; {name} holds class index "
                f"{largest}. help: for more than two classes use average='macro' or 'micro'."
            )
        cm = _confusion(t, p, 2)
    else:
        cm = _confusion(t, p, _num_classes(fn, t, p, num_classes))
    tp = np.diag(cm)  # (K,)
    predicted = cm.sum(axis=0)  # (K,) column sums: tp + fp
    actual = cm.sum(axis=1)  # (K,) row sums: tp + fn
    if average == "binary":
        return tp[pos_label], predicted[pos_label], actual[pos_label]
    if average == "micro":
        return tp.sum(), predicted.sum(), actual.sum()
    if num_classes is None:
        seen = (predicted + actual) > 0
        tp, predicted, actual = tp[seen], predicted[seen], actual[seen]
    return tp, predicted, actual


def _score(numerator, denominator) -> float:
    """mean(numerator / denominator), with 0.0 wherever a denominator is 0 (zero_division=0)."""
    numerator, denominator = np.asarray(numerator), np.asarray(denominator)
    ratio = np.divide(numerator, denominator, out=np.zeros(numerator.shape), where=denominator != 0)
    return float(ratio.mean())


def precision(
    y_true: ArrayOrTensor,
    y_pred: ArrayOrTensor,
    average: str = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
) -> float:
    """Precision: of the samples predicted as a class, the fraction that truly are.

    ``precision = tp / (tp + fp)`` (0.0 when nothing is predicted as the class). ``"micro"``
    sums tp and fp over the classes first, which gives the accuracy for single-label data.

    Parameters
    ----------
    y_true, y_pred : Tensor or array_like
        Class indices 0..K-1, shape (N,) or (N, 1) (see ``predictions`` for model outputs).
    average : {"binary", "macro", "micro"}
        ``"binary"``: the score of class ``pos_label`` (labels must be 0/1). ``"macro"``: the
        unweighted mean of the per-class scores, over every class when ``num_classes`` is given,
        else over the classes that occur in y_true or y_pred (scikit-learn's default).
        ``"micro"``: one score from tp, fp and fn summed over the classes.
    pos_label : int
        The positive class (0 or 1) for ``average="binary"``.
    num_classes : int, optional
        K, for ``"macro"`` and ``"micro"``. Default: inferred from the labels.
    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> from scratchdl.train.metrics import precision
    >>> precision([0, 1, 1, 1], [1, 1, 0, 1])
    0.6666666666666666
    >>> precision([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 2/3) / 3
    0.5555555555555555
    """
    tp, predicted, _ = _counts("precision", y_true, y_pred, average, pos_label, num_classes)
    return _score(tp, predicted)


def recall(
    y_true: ArrayOrTensor,
    y_pred: ArrayOrTensor,
    average: str = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
) -> float:
    """Recall (sensitivity): of the samples truly in a class, the fraction predicted as it.

    ``recall = tp / (tp + fn)`` (0.0 when the class never occurs in y_true). ``"micro"`` sums tp
    and fn over the classes first, which gives the accuracy for single-label data.

    Parameters
    ----------
    y_true, y_pred : Tensor or array_like
        Class indices 0..K-1, shape (N,) or (N, 1).
    average, pos_label, num_classes
        As in ``precision``: ``"binary"`` (default, the score of class ``pos_label``),
        ``"macro"`` or ``"micro"``.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> from scratchdl.train.metrics import recall
    >>> recall([0, 1, 1, 1], [1, 1, 0, 1])
    0.6666666666666666
    >>> recall([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 1) / 3
    0.6666666666666666
    """
    tp, _, actual = _counts("recall", y_true, y_pred, average, pos_label, num_classes)
    return _score(tp, actual)


def f1_score(
    y_true: ArrayOrTensor,
    y_pred: ArrayOrTensor,
    average: str = "binary",
    pos_label: int = 1,
    num_classes: int | None = None,
) -> float:
    """F1: the harmonic mean of precision and recall.

    ``f1 = 2 * precision * recall / (precision + recall) = 2 tp / (2 tp + fp + fn)``, computed
    in the second form (0.0 when the class is neither predicted nor present). ``"macro"``
    averages the per-class F1 scores (not the F1 of the averaged precision and recall, as in
    scikit-learn); ``"micro"`` sums tp, fp and fn over the classes first.

    Parameters
    ----------
    y_true, y_pred : Tensor or array_like
        Class indices 0..K-1, shape (N,) or (N, 1).
    average, pos_label, num_classes
        As in ``precision``: ``"binary"`` (default, the score of class ``pos_label``),
        ``"macro"`` or ``"micro"``.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> from scratchdl.train.metrics import f1_score
    >>> f1_score([0, 1, 1, 1], [1, 1, 0, 1])  # 2*2 / (2*2 + 1 + 1)
    0.6666666666666666
    >>> f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="micro")  # 3 right out of 4
    0.75
    """
    tp, predicted, actual = _counts("f1_score", y_true, y_pred, average, pos_label, num_classes)
    return _score(2 * tp, predicted + actual)
