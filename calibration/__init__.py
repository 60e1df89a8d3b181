"""Calibration against observed data (see README, "Calibration")."""
