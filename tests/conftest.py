"""Shared fixtures: small populations reused across tests (synthesis is the slow part)."""

from __future__ import annotations

import logging

import pytest

from abm.population import synthesise
from abm.scenario import load_scenario

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def plan():
    return load_scenario("plan")


@pytest.fixture(scope="session")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="session")
def small_population(plan):
    """About 1,400 agents: one agent per ~2,000 households."""
    return synthesise(plan.params, 2000, 7)
