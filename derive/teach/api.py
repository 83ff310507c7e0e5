"""The public Python objects behind :func:`derive.explain` and :func:`derive.example`.

Each wraps data (a :class:`~derive.report.Report`, a worked example) and prints
it on request: ``.latex()``, ``.markdown()``, ``.html()``; in Jupyter it
displays itself.  The ``repr`` is one line saying what it is and what to call.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

LANGS = ("en", "zh")
NETWORK_OPTIONS = ("activation", "output_activation", "loss", "widths", "bias")


def check_choice(what: str, value: str, choices) -> None:
    if value not in choices:
        raise InputError(f"unknown {what} {value!r}; choose from {', '.join(choices)}")


def notation_named(name):
    from ..notation import PRESETS

    if not isinstance(name, str):
        return name  # a Notation object
    check_choice("notation", name, tuple(PRESETS))
    return PRESETS[name]


class Formula(str):
    """One equation's LaTeX: a ``str`` that Jupyter displays as math."""

    def _repr_latex_(self) -> str:
        return f"$${self}$$"


class Explanation:
    """The derivation of a network in a notation, ready to print.

    ``.latex(document=False)``, ``.markdown()``, ``.html()`` return text;
    ``.names()`` lists the equations, ``.equation(name)`` prints one,
    ``.delta(layer)`` prints δ of a layer (the last by default).
    """

    def __init__(self, report, steps: bool) -> None:
        self.report = report
        self.steps = steps

    @property
    def lang(self) -> str:
        return self.report.lang

    @property
    def network(self):
        return self.report.derivation.network

    def latex(self, document: bool = False) -> str:
        from ..printing import report_latex

        if document:
            return report_latex.document(self.report, self.lang)
        return report_latex.render(self.report, self.lang)

    def markdown(self) -> str:
        from ..printing import markdown

        return markdown.render(self.report, self.lang)

    def html(self) -> str:
        """A whole self-contained page (MathML, no script)."""
        from ..printing import html

        return html.render(self.report, self.lang)

    def _equations(self) -> dict:
        return {b.key: b for b in self.report.blocks if hasattr(b, "key") and hasattr(b, "lhs")}

    def names(self) -> tuple[str, ...]:
        """The names of the equations shown, in order (``net1``, ``delta2``, ``grad_W2`` ...)."""
        return tuple(self._equations())

    def equation(self, name: str) -> Formula:
        """One equation as LaTeX (a :class:`Formula`, displayed as math in Jupyter)."""
        from ..printing.report_latex import equation_latex

        eqs = self._equations()
        check_choice("equation", name, tuple(eqs))
        return Formula(equation_latex(self.report, eqs[name]))

    def delta(self, layer: int | None = None) -> Formula:
        """δ of weight layer ``layer`` (1 = first hidden layer; default: the output layer)."""
        depth = self.network.depth
        layer = depth if layer is None else layer
        if not isinstance(layer, int) or not 1 <= layer <= depth:
            raise InputError(f"layer must be 1 to {depth}, not {layer!r}")
        return self.equation(f"delta{layer}")

    def _repr_latex_(self) -> str:
        return self.report._repr_latex_()

    def _repr_html_(self) -> str:
        return self.report._repr_html_()

    def __repr__(self) -> str:
        net = self.network
        acts = "/".join(dict.fromkeys(a.name for a in net.activations))
        widths = "-".join(str(w) for w in net.widths)
        return (
            f"<derive.Explanation: notation {self.report.notation.name}, network {widths} "
            f"{acts}, loss {net.loss.name}{', biases' if net.bias else ''}, lang {self.lang}"
            f"{', steps' if self.steps else ''}; {len(self.names())} equations; "
            ".latex() .markdown() .html() .equation(name) .delta(layer)>"
        )


def explain(notation="doc004", steps: bool = False, lang: str = "en", **network) -> Explanation:
    from ..derivation import derive
    from ..notation import network_for
    from ..report import build

    preset = notation_named(notation)
    check_choice("language", lang, LANGS)
    for key in network:
        check_choice("network option", key, NETWORK_OPTIONS)
    report = build(derive(network_for(preset, **network)), preset, steps=steps, lang=lang)
    return Explanation(report, steps)


class Example:
    """A worked example with numbers, ready to print.

    ``.latex(document=False)``, ``.markdown()``, ``.html()``, ``.json()`` return
    text; ``.data`` is every value as a dict (the JSON's content); ``.E`` the loss.
    """

    def __init__(self, worked, notation, lang: str, digits: int) -> None:
        self.worked = worked
        self.notation = notation
        self.lang = lang
        self.digits = digits

    @property
    def data(self) -> dict:
        from .render import data

        return data(self.worked, self.notation)

    @property
    def E(self) -> float:
        return self.worked.E

    def latex(self, document: bool = False) -> str:
        from . import render

        make = render.document if document else render.latex
        return make(self.worked, self.notation, self.lang, self.digits)

    def markdown(self) -> str:
        from . import render

        return render.markdown(self.worked, self.notation, self.lang, self.digits)

    def html(self) -> str:
        from . import render

        return render.html_page(self.worked, self.notation, self.lang, self.digits)

    def json(self) -> str:
        from . import render

        return render.as_json(self.worked, self.notation)

    def _repr_html_(self) -> str:
        from . import render

        return render.html_page(self.worked, self.notation, self.lang, self.digits, fragment=True)

    def __repr__(self) -> str:
        n = self.worked.numbers
        net = self.worked.network
        acts = "/".join(dict.fromkeys(a.name for a in net.activations))
        widths = "-".join(str(w) for w in n.widths)
        return (
            f"<derive.Example: network {widths} {acts}, loss {net.loss.name}, "
            f"eta {n.eta:g}, E = {self.E:.{self.digits}g}; notation {self.notation.name}; "
            ".latex() .markdown() .html() .json() .data>"
        )


def example(
    numbers: dict | str | Path | None = None,
    notation="doc004",
    lang: str = "en",
    digits: int = 6,
) -> Example:
    from . import numbers as N
    from .worked import work

    preset = notation_named(notation)
    check_choice("language", lang, LANGS)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise InputError(f"digits must be a whole number from 1 to 17, not {digits!r}")
    if numbers is None:
        values = N.from_table(N.DEFAULT)
    elif isinstance(numbers, dict):
        values = N.from_table(numbers)
    else:
        values = N.read(Path(numbers))
    return Example(work(values), preset, lang, digits)
