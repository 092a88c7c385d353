"""Analyses: parameter grids, distributions, Monte Carlo, sensitivity, and how samples execute.

Analyses only choose the samples and collect the metrics; the model is evaluated in vectorised
chunks by :mod:`redmud.analysis.executor`.
"""
