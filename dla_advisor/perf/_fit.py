"""A small bounded least-squares fit (numpy only), for the few parameters of the device model."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np


def least_squares(residuals: Callable[[np.ndarray], np.ndarray], x0: Sequence[float],
                  bounds: Sequence[tuple[float, float]], max_evals: int = 600,
                  tol: float = 1e-6) -> tuple[np.ndarray, float, int]:
    """Minimise ``sum(residuals(x)**2)`` within box ``bounds`` (Levenberg-Marquardt, numpy only).

    The search runs on the unit cube (each parameter scaled to its bounds) and clips every trial into
    it, so a parameter never leaves the range where it keeps its physical meaning. The Jacobian
    is taken by forward differences (one evaluation per parameter), which for a dozen parameters
    converges in far fewer evaluations than a simplex.

    Returns:
        (best point, best sum of squares, evaluations used).
    """
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    span = np.where(hi > lo, hi - lo, 1.0)

    def r(u: np.ndarray) -> np.ndarray:
        return np.asarray(residuals(lo + np.clip(u, 0.0, 1.0) * span), dtype=float)

    u = np.clip((np.asarray(x0, dtype=float) - lo) / span, 0.0, 1.0)
    n = len(u)
    res = r(u)
    cost = float(res @ res)
    evals, lam, h = 1, 1e-2, 1e-3
    while evals + n + 1 <= max_evals:
        jac = np.empty((len(res), n))
        for i in range(n):
            step = h if u[i] + h <= 1.0 else -h
            du = u.copy()
            du[i] += step
            jac[:, i] = (r(du) - res) / step
        evals += n
        grad = jac.T @ res
        jtj = jac.T @ jac
        improved = False
        while evals < max_evals:
            delta = np.linalg.solve(jtj + lam * (np.diag(np.diag(jtj)) + 1e-9 * np.eye(n)), -grad)
            trial = np.clip(u + delta, 0.0, 1.0)
            tres = r(trial)
            evals += 1
            tcost = float(tres @ tres)
            if tcost < cost:
                done = cost - tcost <= tol * max(cost, tol)
                u, res, cost, lam, improved = trial, tres, tcost, max(lam / 3.0, 1e-7), True
                break
            lam *= 4.0
            if lam > 1e7:
                break
        if not improved or done:
            break
    return lo + np.clip(u, 0.0, 1.0) * span, cost, evals
