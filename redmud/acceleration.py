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

Each sample has its own least-squares problem (a batch of m x m normal equations), so samples
never influence each other's iterates.
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


class Anderson:
    """Anderson mixing of ``x`` (shaped ``(D, N)``: D flattened tear components, N samples).

    The history is kept as ``(D, m, N)`` arrays (component, step, sample), so that gathering
    the rows (tear components) that have ever been non-zero copies whole sample vectors; the
    other rows have no history and their guess is g.
    """

    def __init__(self, size: int, n_samples: int, depth: int = DEPTH):
        self.depth = depth
        self.dF = np.zeros((size, depth, n_samples))
        self.dG = np.zeros((size, depth, n_samples))
        self.valid = np.zeros((n_samples, depth), dtype=bool)
        self.last_f = np.zeros((size, n_samples))
        self.last_g = np.zeros((size, n_samples))
        self.rows = np.zeros(size, dtype=bool)
        self.steps = 0
        #: per sample of the last step: True where the accelerated guess was rejected
        self.rejected = np.zeros(0, dtype=bool)

    def keep(self, samples: np.ndarray) -> None:
        """Keep the history of ``samples`` (indices into N) only, renumbered 0, 1, ... in their order.

        For a solver that compacts the samples still iterating: the steps then cost in
        proportion to the samples kept, where passing their indices as ``active`` gathers them
        from the full-size history at every step.
        """
        self.dF, self.dG = self.dF[:, :, samples], self.dG[:, :, samples]
        self.valid = self.valid[samples]
        self.last_f, self.last_g = self.last_f[:, samples], self.last_g[:, samples]

    def step(self, x: np.ndarray, g: np.ndarray, scale: np.ndarray, active: np.ndarray,
             restart: np.ndarray) -> np.ndarray:
        """Next guess for the ``active`` samples (indices into N), given x and g = G(x) for them.

        ``scale`` (shaped like x) is the flow scale of each residual component; ``restart``
        (one bool per active sample) drops that sample's history first.
        """
        f = g - x                                                 # (D, n)
        self.rows |= (f != 0).any(axis=1) | (g != 0).any(axis=1)
        rows = np.flatnonzero(self.rows)          # rows ever non-zero; the others have no history
        everyone = active.size == self.valid.shape[0]
        at = np.ix_(rows, active) if not everyone else (rows,)
        if everyone:
            active = slice(None)
        f_r, g_r = f[rows], g[rows]                               # (R, n)
        if self.steps > 0:
            slot = (self.steps - 1) % self.depth
            valid = self.valid[active]
            valid[restart] = False
            valid[:, slot] = True
            self.valid[active] = valid
            self.dF[:, slot][at] = f_r - self.last_f[at]
            self.dG[:, slot][at] = g_r - self.last_g[at]
        self.last_f[at], self.last_g[at] = f_r, g_r
        self.steps += 1
        if self.steps == 1:
            self.rejected = np.zeros(g.shape[1], dtype=bool)
            return np.maximum(g, 0.0)
        valid = self.valid[active]                                # (n, m)
        weight = 1.0 / scale[rows]                                # (R, n)
        history = (lambda h: h[rows]) if everyone else (lambda h: h[np.ix_(rows, np.arange(self.depth), active)])
        dF = history(self.dF) * weight[:, None, :] * valid.T[None, :, :]    # (R, m, n); stale columns 0
        normal = np.einsum("rin,rjn->nij", dF, dF)                # (n, m, m)
        rhs = np.einsum("rin,rn->ni", dF, f_r * weight)           # (n, m)
        m = np.arange(self.depth)
        ridge = REGULARISATION * normal[:, m, m].max(axis=1, keepdims=True) + 1e-300
        normal[:, m, m] += np.where(valid, ridge, 1.0)            # unused columns: gamma = 0
        gamma = np.linalg.solve(normal, np.where(valid, rhs, 0.0)[..., None])[..., 0]   # (n, m)
        guess = g.copy()
        guess[rows] -= np.einsum("rin,ni->rn", history(self.dG), gamma)
        # A step that would make a flow negative has left the region where the history
        # describes G: take the plain substitution step instead and start that sample's history
        # anew (a safeguard; without it the clipped guess throws the sample back toward zero).
        overshoot = (guess[rows] < -OVERSHOOT * scale[rows]).any(axis=0)
        self.rejected = overshoot
        if overshoot.any():
            guess[:, overshoot] = g[:, overshoot]
            valid[overshoot] = False
            self.valid[active] = valid
        return np.maximum(guess, 0.0, out=guess)
