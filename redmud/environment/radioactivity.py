"""Activity concentrations of Th-232, U-238 and Ra-226 from element contents.

The specific activity of a nuclide follows from its half-life and atomic mass:

.. math:: A = \\frac{\\ln 2 \\, N_A}{t_{1/2} \\, M} \\quad [\\mathrm{Bq/g}]

(Th-232: 4.07 Bq/mg, U-238: 12.4 Bq/mg, Ra-226: 3.66e10 Bq/g, with the NUBASE2020 half-lives and
AME2020 masses in ``impact_factors.toml``). The activity concentration of a material holding a
mass fraction ``w`` of the element, of which the nuclide is a mass fraction ``f``, is
``w f A``. The IAEA exemption level for each nuclide of the natural series is 1 Bq/g
(RS-G-1.7, GSR Part 3): about 246 ppm Th or 81 ppm U.
"""

from __future__ import annotations

import math

import numpy as np

from redmud.environment.factors import factor_data

AVOGADRO = 6.02214076e23          # 1/mol, exact (SI 2019)
#: s; Julian year. Tables differ on the year (365.2422 d tropical vs 365.25 d): 2e-5 relative.
SECONDS_PER_JULIAN_YEAR = 365.25 * 86400.0
#: The nuclides reported, by record name in impact_factors.toml [radionuclide].
NUCLIDES = ("Th232", "U238", "Ra226")


def specific_activity(half_life_years: float, atomic_mass_u: float) -> float:
    """Specific activity [Bq/g] of a pure nuclide: ``ln2 N_A / (t1/2 M)``.

    Parameters
    ----------
    half_life_years : half-life [a] (Julian years)
    atomic_mass_u : atomic mass [g/mol]
    """
    return math.log(2.0) * AVOGADRO / (half_life_years * SECONDS_PER_JULIAN_YEAR * atomic_mass_u)


def nuclide_record(nuclide: str) -> dict:
    return factor_data()["radionuclide"][nuclide]


def element_specific_activity(nuclide: str) -> float:
    """Activity [Bq] of the nuclide per gram of its element as found in nature.

    The nuclide's mass fraction of the element is its atom fraction (``abundance``) times its
    mass over the element's standard atomic weight (from :mod:`redmud.chemistry`).
    """
    from redmud.chemistry import ATOMIC_WEIGHTS

    rec = nuclide_record(nuclide)
    mass_fraction = rec["abundance"] * rec["atomic_mass_u"] / ATOMIC_WEIGHTS[rec["element"]]
    return specific_activity(rec["half_life_years"], rec["atomic_mass_u"]) * min(mass_fraction, 1.0)


def activity_concentration(ppm, nuclide: str) -> np.ndarray:
    """Activity concentration [Bq/g] of a material with ``ppm`` [mg/kg] of the nuclide's element."""
    return np.asarray(ppm, dtype=float) * 1e-6 * element_specific_activity(nuclide)
