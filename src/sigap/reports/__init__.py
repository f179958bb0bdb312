"""Reports: KPI definitions (D15) and the boards built on them (issue 6)."""
