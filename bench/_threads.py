"""Pin BLAS threads from ``--threads N`` (default 1) before NumPy loads its BLAS.

Import this first in a benchmark: NumPy and SciPy each ship an OpenBLAS, and
two thread pools competing on two busy cores make timings meaningless.
"""

import os
import sys


def threads_from_argv() -> str:
    for n, arg in enumerate(sys.argv):
        if arg == "--threads" and n + 1 < len(sys.argv):
            return sys.argv[n + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


def pin() -> None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads_from_argv()
