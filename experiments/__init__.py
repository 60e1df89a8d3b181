"""Scenarios and batch experiments.

``run_experiment(spec, runner=...)`` runs an experiment file (sweeps, ensembles, sensitivity)
on a local Dask cluster, in-process or on an existing Dask scheduler, resumably; see
``docs/experiments.md``.
"""

from experiments.core import load_result, run_experiment
from experiments.result import ExperimentResult
from experiments.spec import ExperimentError, ExperimentSpec, load_experiment, parse_experiment

__all__ = ["ExperimentError", "ExperimentResult", "ExperimentSpec", "load_experiment",
           "load_result", "parse_experiment", "run_experiment"]
