"""Session-wide hooks: the sweep says how many printed combinations it checked; the\nhold-out of the six texts prints its table."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    sweep = sys.modules.get("tests.test_sweep")
    if sweep is not None and sweep.RAN:
        terminalreporter.write_line(
            f"sweep: {sum(sweep.RAN)} printed combinations checked ({len(sweep.NETWORKS)} networks)"
        )
    # tests/check is no package: pytest imports the module by its basename
    holdout = sys.modules.get("test_holdout") or sys.modules.get("tests.check.test_holdout")
    if holdout is not None and holdout.RESULTS:
        terminalreporter.write_line(
            "hold-out of the six texts (issue 9; goal 95 % right, 0 false holds):"
        )
        for row in holdout.table(holdout.RESULTS):
            terminalreporter.write_line("  " + row)
