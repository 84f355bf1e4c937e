"""Question-set runs, their reports, refusal calibration and feedback candidates."""
