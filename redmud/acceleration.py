"""Anderson acceleration of recycle (tear) streams, sample by sample.

A recycle makes the route a fixed-point problem x = G(x): x is the guessed returned stream
(every tear's flows stacked), G one pass over the operations. Direct substitution contracts at
the recycle's loop gain (about the recycled fraction), so a 50 % wash-water return needs ~35
passes for 1e-11. Anderson acceleration (type II, memory m) extrapolates from the last m
residual differences:

.. math:: \\gamma_k = \\arg\\min_\\gamma \\lVert W (f_k - \\Delta F_k \\gamma) \\rVert_2, \\qquad
          x_{k+1} = g_k - \\Delta G_k \\gamma_k

with :math:`g_k = G(x_k)`, :math:`f_k = g_k - x_k`, :math:`\\Delta F_k` and :math:`\\Delta G_k`
the columns :math:`f_{i+1} - f_i` and :math:`g_{i+1} - g_i` of the last m steps, and W the
diagonal of 1 / (flow scale) so that every component weighs by its relative residual, as the
convergence test measures it (Anderson DG (1965) Iterative procedures for nonlinear integral
equations, J. ACM 12(4):547-560, doi:10.1145/321296.321305; Walker HF, Ni P (2011) Anderson
acceleration for fixed-point iterations, SIAM J. Numer. Anal. 49(4):1715-1735,
doi:10.1137/10079069X). Flows are kept non-negative. Where a sample's residual grows, its history
is dropped (a restart), so it falls back toward direct substitution.

Each sample has its own least-squares problem (a batch of m x m normal equations, solved by
elimination vectorised over the samples, :func:`solve_spd`), so samples never influence each
other's iterates.
"""

from __future__ import annotations

import numpy as np

#: Memory m: the number of past steps used (Walker & Ni 2011 use 1-50; 5 is a common choice).
DEPTH = 5
#: Tikhonov regularisation of the normal equations, relative to their largest diagonal entry,
#: so that nearly parallel history columns do not throw the step far.
REGULARISATION = 1e-12
#: A guessed flow below -OVERSHOOT x its scale rejects the accelerated step (see ``step``); a
#: judgment: far above rounding (1e-16), far below any flow that matters to a balance (1e-9).
OVERSHOOT = 1e-6
#: Fewer systems than this go to LAPACK in :func:`solve_spd` (measured: the vectorised loop's
#: ~50 us fixed cost equals LAPACK's ~0.3 us per 5 x 5 system near 150 systems).
FEW_SYSTEMS = 128


class Anderson:
    """Anderson mixing of ``x`` (shaped ``(D, N)``: D flattened tear components, N samples).

    The history is kept as ``(D, m, N)`` arrays (component, step, sample), so that gathering
    the rows (tear components) that have ever been non-zero copies whole sample vectors; the
    other rows have no history and their guess is g.
    """

    def __init__(self, size: int, n_samples: int, depth: int = DEPTH, weighted: bool = True):
        self.depth = depth
        self.dF = np.zeros((size, depth, n_samples))
        self.dG = np.zeros((size, depth, n_samples))
        self.valid = np.zeros((n_samples, depth), dtype=bool)
        self.last_f = np.zeros((size, n_samples))
        self.last_g = np.zeros((size, n_samples))
        self.rows = np.zeros(size, dtype=bool)
        self.steps = 0
        #: unweighted (W = 1, see ``step``): the Gram matrix dF^T dF (m, m, N), kept up to date
        #: one history column a step instead of recomputed
        self.gram = None if weighted else np.zeros((depth, depth, n_samples))
        #: per sample of the last step: True where the accelerated guess was rejected
        self.rejected = np.zeros(0, dtype=bool)

    def keep(self, samples: np.ndarray) -> None:
        """Keep the history of ``samples`` (indices into N) only, renumbered 0, 1, ... in their order.

        For a solver that compacts the samples still iterating: the steps then cost in
        proportion to the samples kept, where passing their indices as ``active`` gathers them
        from the full-size history at every step.
        """
        # np.take: several times faster than fancy indexing on the sample axis (measured)
        self.dF, self.dG = np.take(self.dF, samples, axis=2), np.take(self.dG, samples, axis=2)
        self.valid = self.valid[samples]
        self.last_f, self.last_g = np.take(self.last_f, samples, axis=1), np.take(self.last_g, samples, axis=1)
        if self.gram is not None:
            self.gram = np.take(self.gram, samples, axis=2)

    def step(self, x: np.ndarray, g: np.ndarray, scale: np.ndarray | None, active: np.ndarray,
             restart: np.ndarray) -> np.ndarray:
        """Next guess for the ``active`` samples (indices into N), given x and g = G(x) for them.

        ``scale`` (shaped like x) is the flow scale of each residual component; an unweighted
        accelerator (``weighted=False``) takes None, W = 1 and a scale of 1, and every sample
        active at every step (compact with ``keep``). ``restart`` (one bool per active sample)
        drops that sample's history first.
        """
        f = g - x                                                 # (D, n)
        if not self.rows.all():
            self.rows |= (f != 0).any(axis=1) | (g != 0).any(axis=1)
        row_index = np.flatnonzero(self.rows)     # rows ever non-zero; the others have no history
        rows = slice(None) if row_index.size == self.rows.size else row_index   # a slice: views, no copies
        everyone = active.size == self.valid.shape[0]
        if self.gram is not None and not everyone:
            raise ValueError("an unweighted Anderson accelerator steps every sample (see keep)")
        at = np.ix_(row_index, active) if not everyone else (rows,)
        if everyone:
            active = slice(None)

        def history(h, k):                        # (R, k, n) of the first k slots; a view if it can be
            if everyone:
                return h[rows, :k]
            return h[np.ix_(row_index, np.arange(k), active)]

        f_r, g_r = f[rows], g[rows]                               # (R, n)
        if self.steps > 0:
            slot = (self.steps - 1) % self.depth
            valid = self.valid[active]
            valid[restart] = False
            valid[:, slot] = True
            self.valid[active] = valid
            self.dF[:, slot][at] = f_r - self.last_f[at]
            self.dG[:, slot][at] = g_r - self.last_g[at]
            if self.gram is not None:             # the new column's products with the others
                k = min(self.steps, self.depth)
                products = np.einsum("rn,rjn->jn", history(self.dF, k)[:, slot], history(self.dF, k))
                self.gram[slot, :k] = self.gram[:k, slot] = products
        self.last_f[at], self.last_g[at] = f_r, g_r
        self.steps += 1
        if self.steps == 1:
            self.rejected = np.zeros(g.shape[1], dtype=bool)
            return np.maximum(g, 0.0)
        k = min(self.steps - 1, self.depth)       # history slots filled so far
        in_use = self.valid[active][:, :k].T                      # (k, n): columns in use
        if self.gram is None:
            weight = 1.0 / scale[rows]                            # (R, n)
            dF = history(self.dF, k) * (weight[:, None, :] * in_use[None])     # stale columns 0
            normal = np.einsum("rin,rjn->ijn", dF, dF)            # (k, k, n)
            rhs = np.einsum("rin,rn->in", dF, f_r * weight)       # (k, n)
        else:
            normal = self.gram[:k, :k].copy()
            if not in_use.all():                  # stale columns 0
                normal *= in_use[:, None] & in_use[None]
            rhs = np.einsum("rin,rn->in", history(self.dF, k), f_r)
        diagonal = normal[np.arange(k), np.arange(k)]             # (k, n), a copy
        ridge = REGULARISATION * diagonal.max(axis=0) + 1e-300
        normal[np.arange(k), np.arange(k)] = diagonal + np.where(in_use, ridge, 1.0)   # unused: gamma = 0
        gamma = solve_spd(normal, np.where(in_use, rhs, 0.0))     # (k, n)
        guess = g.copy()
        guess[rows] -= np.einsum("rin,in->rn", history(self.dG, k), gamma)
        # A step that would make a flow negative has left the region where the history
        # describes G: take the plain substitution step instead and start that sample's history
        # anew (a safeguard; without it the clipped guess throws the sample back toward zero).
        floor = -OVERSHOOT * (scale[rows] if self.gram is None else 1.0)
        overshoot = (guess[rows] < floor).any(axis=0)
        self.rejected = overshoot
        if overshoot.any():
            guess[:, overshoot] = g[:, overshoot]
            valid = self.valid[active]
            valid[overshoot] = False
            self.valid[active] = valid
        return np.maximum(guess, 0.0, out=guess)


def solve_spd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with a x = b for a batch of symmetric positive definite systems, a (m, m, n), b (m, n).

    Gaussian elimination without pivoting, vectorised over the n systems (the last axis, so
    each operation runs over contiguous samples); for a symmetric positive definite matrix it
    needs no pivoting to be stable (Golub GH, Van Loan CF (2013) Matrix Computations, 4th ed.,
    section 4.2). Below :data:`FEW_SYSTEMS` systems LAPACK's LU (``np.linalg.solve``), whose cost
    per system is less than the loop's fixed cost, solves them instead; the two agree to
    rounding. ``a`` may be overwritten.
    """
    m, n = b.shape
    if n < FEW_SYSTEMS:
        return np.linalg.solve(a.transpose(2, 0, 1), b.T[..., None])[..., 0].T
    x = b.copy()
    for j in range(m):
        for i in range(j + 1, m):
            factor = a[i, j] / a[j, j]
            a[i, j + 1:] -= factor * a[j, j + 1:]
            x[i] -= factor * x[j]
    for i in range(m - 1, -1, -1):
        x[i] -= (a[i, i + 1:] * x[i + 1:]).sum(axis=0)
        x[i] /= a[i, i]
    return x
