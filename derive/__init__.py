"""derive: backpropagation derived by SymPy, printed for people and machines.

The pipeline, one module per stage::

    network.py      the network as data (widths, activations, loss)
      |             functions.py: the table of activations and losses
      v
    derivation.py   SymPy differentiates in index form (calculus.py contracts
      |             the Kronecker deltas); results are display data (display.py)
      v
    report.py       what a note shows, in order (steps.py, book.py, matrix.py)
      |
      +--> printing/latex.py, printing/report_latex.py   LaTeX in a notation (notation.py)
      +--> printing/numpy.py, codegen/, templates/       NumPy update code in generated/
      +--> check/                                        verify equations written by people

Nothing here imports SymPy until it is used: ``import derive`` is cheap.
"""

from __future__ import annotations

__all__ = ["build", "derive", "explain", "Network", "PRESETS"]


def explain(notation: str = "doc004", steps: bool = False, lang: str = "en", **network):
    """The report a notation's notes would show, for a network built from
    ``network`` options (``activation``, ``output_activation``, ``loss``,
    ``widths``, ``bias``).  In Jupyter it displays itself (``_repr_latex_``,
    ``_repr_html_``)::

        import derive
        derive.explain("doc004", steps=True, lang="zh", activation="tanh")
    """
    from .derivation import derive as _derive
    from .notation import PRESETS as _presets
    from .notation import network_for
    from .report import build as _report

    preset = _presets[notation]
    return _report(_derive(network_for(preset, **network)), preset, steps=steps, lang=lang)


def __getattr__(name: str):
    if name == "derive":
        from .derivation import derive

        return derive
    if name in ("build", "Network"):
        from . import network

        return getattr(network, name)
    if name == "PRESETS":
        from .notation import PRESETS

        return PRESETS
    raise AttributeError(name)
