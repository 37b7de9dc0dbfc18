"""Special functions NumPy lacks, written in NumPy: the error function erf.

``_erf`` is the erf behind the exact GELU in ``gelu.py``: Φ(x) = (1 + erf(x / √2)) / 2.
It works on plain arrays, not Tensors, and has no backward of its own: the op that calls it
writes its derivative in closed form (GELU's uses φ(x) = exp(-x²/2) / √(2π)).
"""

from __future__ import annotations

import numpy as np

# W. J. Cody's coefficients for float64 (netlib SPECFUN, routine CALERF), as published.
_CODY_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
           3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
           2.84423683343917062e03)  # fmt: skip
_CODY_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_CODY_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_CODY_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip
_INV_SQRT_PI = 0.5641895835477563  # 1/√π

# Eigen's float32 rational approximation (highest power first): erf(x) ≈ x * P(x²) / Q(x²).
_FAST_P = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
           -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
           -1.60960333262415e-02)  # fmt: skip
_FAST_Q = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
           -7.37332916720468e-03, -1.42647390514189e-02)  # fmt: skip


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function erf(x) = 2/√π ∫₀ˣ exp(-t²) dt, elementwise, in x's dtype (a new array).

    float64: W. J. Cody, "Rational Chebyshev approximations for the error function",
    Mathematics of Computation 23 (1969) 631-638, as coded in his netlib SPECFUN routine
    CALERF; relative error below 1e-15 (about 4e-16 measured against math.erf). erf is odd, so
    the work is on a = |x| and the sign is restored at the end. Three intervals of a, each
    evaluated only on its own elements (gathered by index: NumPy is slow with random masks):

        a <= 0.46875:      erf(a)  = a * A(a²) / B(a²)                        (degree 4 / 4)
        0.46875 < a <= 4:  erfc(a) = exp(-a²) * C(a) / D(a)                   (degree 8 / 8)
        a > 4:             erfc(a) = exp(-a²) / a * (1/√π - z * P(z) / Q(z)),  z = 1/a²

    with erf(a) = 1 - erfc(a) in the last two. Above a = 6, erfc(a) < 2e-17 and 1 - erfc(a)
    rounds to 1, so a is capped at 6 there (which also keeps a² finite).

    float32 (and float16): one branch-free rational function on x clamped to [-4, 4],
    erf(x) ≈ x * P(x²) / Q(x²) (degrees 6 / 4 in x²), the approximation of Eigen's
    ``generic_fast_erf_float`` (also used by XLA and TVM). The approximation is within about
    1 ulp; evaluated in float32 (no FMA in NumPy) the error stays below 5e-7, a few ulp near
    ±1. erf(±4) rounds to ±1 in float32, so the clamp is exact.
    """
    x = np.asarray(x)  # NumPy turns 0-d results into scalars
    if x.dtype != np.float64:
        return _erf_fast(x)
    flat = x.reshape(-1)  # a copy if x is not contiguous
    a = np.abs(flat)
    small = a <= 0.46875
    up_to_4 = a <= 4.0
    for index, erf_of in (
        (np.flatnonzero(small), _cody_small),
        (np.flatnonzero(up_to_4 ^ small), _cody_middle),  # 0.46875 < a <= 4
        (np.flatnonzero(~up_to_4), _cody_large),  # a > 4, and NaN (which stays NaN)
    ):
        a[index] = erf_of(a[index])
    return np.copysign(a, flat, out=a).reshape(x.shape)


def _cody_small(a: np.ndarray) -> np.ndarray:
    """erf(a) for 0 <= a <= 0.46875 (Cody's first interval); ``a`` may be overwritten."""
    z = a * a
    num, den = z * _CODY_A[4], z.copy()
    for i in range(3):
        num += _CODY_A[i]
        num *= z
        den += _CODY_B[i]
        den *= z
    num += _CODY_A[3]
    den += _CODY_B[3]
    num *= a
    num /= den
    return num


def _cody_middle(a: np.ndarray) -> np.ndarray:
    """erf(a) = 1 - erfc(a) for 0.46875 < a <= 4 (Cody's second interval)."""
    num, den = a * _CODY_C[8], a.copy()
    for i in range(7):
        num += _CODY_C[i]
        num *= a
        den += _CODY_D[i]
        den *= a
    num += _CODY_C[7]
    den += _CODY_D[7]
    num /= den  # erfc(a) * exp(a²)
    return _one_minus_erfc(num, a, work=den)


def _cody_large(a: np.ndarray) -> np.ndarray:
    """erf(a) = 1 - erfc(a) for a > 4 (Cody's third interval); ``a`` is overwritten."""
    np.minimum(a, 6.0, out=a)
    z = a * a
    np.reciprocal(z, out=z)  # z = 1/a²
    num, den = z * _CODY_P[5], z.copy()
    for i in range(4):
        num += _CODY_P[i]
        num *= z
        den += _CODY_Q[i]
        den *= z
    num += _CODY_P[4]
    den += _CODY_Q[4]
    num /= den
    num *= z
    np.subtract(_INV_SQRT_PI, num, out=num)
    num /= a  # erfc(a) * exp(a²)
    return _one_minus_erfc(num, a, work=den)


def _one_minus_erfc(scaled: np.ndarray, a: np.ndarray, work: np.ndarray) -> np.ndarray:
    """1 - scaled * exp(-a²), in place in ``scaled``, with ``work`` as scratch memory."""
    np.multiply(a, a, out=work)
    np.negative(work, out=work)
    np.exp(work, out=work)
    scaled *= work
    return np.subtract(1.0, scaled, out=scaled)


def _erf_fast(x: np.ndarray) -> np.ndarray:
    """Eigen's rational approximation of erf for float32 (see ``_erf``), computed in x's dtype."""
    v = np.clip(x, -4.0, 4.0, out=np.empty_like(x))
    z = np.multiply(v, v, out=np.empty_like(x))
    p = np.multiply(z, _FAST_P[0], out=np.empty_like(x))  # Horner's rule, highest power first
    p += _FAST_P[1]
    for c in _FAST_P[2:]:
        p *= z
        p += c
    p *= v
    q = np.multiply(z, _FAST_Q[0], out=v)  # v is free now: reuse its memory for Q(x²)
    q += _FAST_Q[1]
    for c in _FAST_Q[2:]:
        q *= z
        q += c
    p /= q
    return np.clip(p, -1.0, 1.0, out=p)  # rounding in float32 can exceed 1 by an ulp
