"""The mention-satisfaction index: pure formulas, periods, alerts and stored snapshots."""
