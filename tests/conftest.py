"""Session-wide hooks: the sweep and the self-check say how many combinations they
checked; the hold-out of the six texts prints its table."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    sweep = sys.modules.get("tests.test_sweep")
    if sweep is not None and sweep.RAN:
        terminalreporter.write_line(
            f"sweep: {sum(sweep.RAN)} printed combinations checked ({len(sweep.NETWORKS)} networks)"
        )
    selfcheck = sys.modules.get("tests.test_selfcheck")
    if selfcheck is not None and selfcheck.RAN:
        terminalreporter.write_line(
            f"selfcheck: {sum(selfcheck.RAN)} printouts read back by derive check "
            f"({len(selfcheck.COMBOS)} selected of {len(selfcheck._combos())})"
        )
    # tests/check is no package: pytest imports the module by its basename
    holdout = sys.modules.get("test_holdout") or sys.modules.get("tests.check.test_holdout")
    if holdout is not None and holdout.RESULTS:
        terminalreporter.write_line(
            "hold-out of the six texts (issue 9; goal 95 % right, 0 false holds):"
        )
        for row in holdout.table(holdout.RESULTS):
            terminalreporter.write_line("  " + row)
