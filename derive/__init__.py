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

__all__ = ["build", "derive", "example", "explain", "Network", "PRESETS"]


def explain(notation="doc004", steps: bool = False, lang: str = "en", **network):
    """The derivation a notation's notes would show, for a network built from
    ``network`` options (``activation``, ``output_activation``, ``loss``,
    ``widths``, ``bias``).  Returns an :class:`~derive.teach.api.Explanation`
    with ``.latex()``, ``.markdown()``, ``.html()``, ``.equation(name)`` and
    ``.delta(layer)``; in Jupyter it displays itself::

        import derive
        derive.explain("doc004", steps=True, lang="zh", activation="tanh")

    An unknown notation, language or option raises :class:`derive.errors.InputError`
    (a ``ValueError``) naming the choices.
    """
    from .teach.api import explain as _explain

    return _explain(notation, steps=steps, lang=lang, **network)


def example(numbers=None, notation="doc004", lang: str = "en", digits: int = 6):
    """A worked example with numbers: ``numbers`` is a dict with the keys of a
    numbers file (``layers``, ``x``, ``d``, ``W``, ...), the path of a TOML
    numbers file, or None for the built-in 2-3-2 network.  Returns an
    :class:`~derive.teach.api.Example` with ``.latex()``, ``.markdown()``,
    ``.html()``, ``.json()`` and ``.data`` (every value)::

        derive.example({"layers": [2, 2, 2], "x": [0.05, 0.1], "d": [0.01, 0.99],
                        "W": [[[0.15, 0.25], [0.2, 0.3]], [[0.4, 0.5], [0.45, 0.55]]],
                        "b": [0.35, 0.6], "eta": 0.5}).data["E"]
    """
    from .teach.api import example as _example

    return _example(numbers, notation=notation, lang=lang, digits=digits)


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
