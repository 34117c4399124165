"""Programs the tests run (LibreOffice, poppler, ...): a missing one fails the test in one line."""

from __future__ import annotations

import shutil

import pytest


def require(program: str, package: str) -> str:
    """The path of ``program``; when it is not installed the test fails with one line naming it."""
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is not installed (Debian package {package}); .ci/run installs it", pytrace=False)
    return found
