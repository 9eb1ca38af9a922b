"""The reports' colours: one per risk band and one per kind of figure, shared by every chart."""

from __future__ import annotations

RISK_COLORS = {"high": "#d64545", "medium": "#e8a33d", "low": "#3f9c6d", "none": "#9aa5b1"}
TOPDOWN_COLOR = "#3b5b92"
ACCOUNTS_COLOR = "#7fb3d5"
QUOTAS_COLOR = "#f0a35e"
CAPACITY_COLOR = "#5aa58a"
PRIOR_COLOR = "#9aa5b1"
#: The simulation's charts: below the flag line, above it, inside and above the healthy band.
FLAG_COLOR = "#d64545"
SAFE_COLOR = "#7fb3d5"
HEALTHY_COLOR = "#3f9c6d"
ABOVE_BAND_COLOR = "#e8a33d"
