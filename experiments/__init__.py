"""Scenarios and batch experiments."""
