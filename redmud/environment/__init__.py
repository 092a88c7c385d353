"""Environmental footprint beside the economics: inventory, impact factors, indicators.

:func:`evaluate_environment` turns a :class:`redmud.api.RunResult` into an inventory (energy,
reagents, water, residues, effluents, emissions, Th/U/Ra by stream) and indicators per kg of
product (kg CO2e by mass and by value allocation, water, solid waste, reagent intensity, activity
concentrations against the IAEA exemption level). Factors live in
``redmud/data/impact_factors.toml`` with their sources.
"""

from redmud.environment.footprint import environment_metrics, evaluate_environment

__all__ = ["evaluate_environment", "environment_metrics"]
