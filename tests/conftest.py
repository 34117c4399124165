"""Shared by every test: the seed forms as fixtures, and hypothesis profiles.

HYPOTHESIS_PROFILE=quick (the default, what .ci/run uses) tries few examples of each property;
HYPOTHESIS_PROFILE=thorough (a nightly run: ``HYPOTHESIS_PROFILE=thorough python3 -m pytest``)
tries fifty times as many.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.support import seed as seed_module

settings.register_profile("quick", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(scope="session")
def seed():
    """The seed forms' module (:mod:`tests.support.seed`): paths, texts, truth and read forms."""
    return seed_module


@pytest.fixture
def seed_xlsx_forms():
    """The 13 seed workbooks' forms, read and scored afresh for this test."""
    return seed_module.scored_xlsx_forms()
