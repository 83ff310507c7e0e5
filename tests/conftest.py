"""Session-wide hooks: the sweep says how many printed combinations it checked."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    sweep = sys.modules.get("tests.test_sweep")
    if sweep is not None and sweep.RAN:
        terminalreporter.write_line(
            f"sweep: {sum(sweep.RAN)} printed combinations checked ({len(sweep.NETWORKS)} networks)"
        )
