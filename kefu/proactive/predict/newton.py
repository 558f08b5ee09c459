"""Finishing a maximum-likelihood fit on all customers after starting points were found on
a sample: Newton steps with the sample's Hessian. The mean log-likelihood of a large random
sample curves like that of the whole, so a handful of passes over all the data replace the
dozens a fresh optimiser run needs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]  # θ → (value, gradient)


def hessian(fun: Objective, theta, *, h: float = 1e-5) -> np.ndarray:
    """The Hessian by central differences of the analytic gradient, symmetrised."""
    theta = np.asarray(theta, dtype=np.float64)
    cols = []
    for k in range(theta.size):
        step = np.zeros(theta.size)
        step[k] = h
        cols.append((fun(theta + step)[1] - fun(theta - step)[1]) / (2 * h))
    H = np.array(cols)
    return (H + H.T) / 2


def polish(fun: Objective, theta, H, *, bound: float, tol: float = 1e-9,
           max_steps: int = 50) -> tuple[np.ndarray, bool]:
    """(θ, converged): damped Newton steps θ ← θ − H⁻¹ g within ±``bound``, halving a step
    that does not lower the objective. Stops when the gradient is below ``tol`` or the
    decrease a step promises (gᵀH⁻¹g/2) is at the objective's rounding level. Not
    converged when H is not positive definite or the gradient stays above 1e-6 (the caller
    then runs a general optimiser from θ)."""
    theta = np.asarray(theta, dtype=np.float64)
    try:
        if not np.all(np.linalg.eigvalsh(H) > 0):
            return theta, False
        H_inv = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return theta, False
    value, grad = fun(theta)
    for _ in range(max_steps):
        step = -H_inv @ grad
        rounding = 1e-14 * (1 + abs(value))
        if np.max(np.abs(grad)) < tol or -(grad @ step) / 2 < rounding:
            return theta, bool(np.max(np.abs(grad)) <= 1e-6)
        for _halving in range(20):
            trial = np.clip(theta + step, -bound, bound)
            t_value, t_grad = fun(trial)
            if t_value <= value + rounding:
                break
            step = step / 2
        else:
            break
        theta, value, grad = trial, t_value, t_grad
    return theta, bool(np.max(np.abs(grad)) <= 1e-6)
