"""Scoring a registered model on a generated cohort: discrimination, localisation, calibration."""
