"""Where the tests find notes: the project's own example note, and the study
notes beside the repository (``../shared/seeds``), which a clone does not have.

A test that reads the seed notes runs when they are there; without them it is
skipped on a developer's machine but FAILS under ``CI=true``, so that CI never
passes by silently skipping them.  Tests that only need *a* note use
``examples/note004_en.md``, which the repository carries.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "note004_en.md"
SEEDS = ROOT.parent / "shared" / "seeds"
CI = os.environ.get("CI", "") not in ("", "0", "false")


def needs_seeds(test):
    """Run ``test`` with the seed notes; skip without them, fail without them in CI."""
    if SEEDS.is_dir():
        return test
    if not CI:
        return pytest.mark.skip(reason=f"the seed notes are not at {SEEDS} (CI=true fails)")(test)

    @functools.wraps(test)
    def missing(*args, **kwargs):
        pytest.fail(f"CI is set but the seed notes are missing at {SEEDS}")

    return missing


def seed_names() -> list[str]:
    """The seed notes' file names, for parametrize (one placeholder where they are missing,
    so that the test still runs, and fails under CI)."""
    return sorted(p.name for p in SEEDS.iterdir()) if SEEDS.is_dir() else ["(missing)"]


def seed(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*")
    return path
