"""Paired comparison of runs and the regression gate built on it."""
