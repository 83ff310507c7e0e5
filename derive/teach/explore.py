"""An explorable worked example: one offline HTML page that recomputes itself.

Every line of the worked example (:mod:`derive.teach.worked`) is printed once
more by SymPy's JavaScript printer, from the same concrete expression the text
shows: ``V.net1[0] = V.W1[0][0]*V.O0[0] + ...;``.  The page runs those lines in
order whenever the reader edits an input, a target, a weight or η, so every
downstream number follows -- no table of numbers is baked in.  Steps appear one
at a time (Next / Back / All); hovering a line says what it computes; the
notation and the language can be switched (each notation's MathML is in the
page, one shown at a time).  No script or style is loaded from anywhere.
"""

from __future__ import annotations

import html
import json

import numpy as np
import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from .. import symbols as S
from ..functions import x as ARG
from ..notation import PRESETS
from .worked import NewValue, Worked

NOTATIONS = tuple(PRESETS)  # every preset: the page switches between all of them

HOVER = {
    "net": {
        "en": "the weighted input of node {n} of {layer}",
        "zh": "{layer}结点 {n} 的加权输入",
    },
    "O": {"en": "the output of node {n} of {layer}", "zh": "{layer}结点 {n} 的输出"},
    "E": {"en": "the error of the network on this example", "zh": "网络在此样本上的误差"},
    "delta": {
        "en": "δ of node {n} of {layer}: how the error changes with its weighted input",
        "zh": "{layer}结点 {n} 的 δ：误差随其加权输入的变化",
    },
    "grad": {
        "en": "the gradient of the error with respect to a weight into {layer}",
        "zh": "误差对进入{layer}的某个权重的梯度",
    },
    "update": {
        "en": "the change of a weight into {layer}",
        "zh": "进入{layer}的某个权重的改变量",
    },
    "new": {"en": "a weight into {layer} after the update", "zh": "更新后进入{layer}的权重"},
}

UI = {
    "next": {"en": "Next step", "zh": "下一步"},
    "back": {"en": "Back", "zh": "上一步"},
    "all": {"en": "Show all", "zh": "全部显示"},
    "inputs": {"en": "Numbers (edit any)", "zh": "数字（可编辑）"},
    "notation": {"en": "Notation", "zh": "记号"},
    "language": {"en": "Language", "zh": "语言"},
}


class ValuePrinter(JavascriptCodePrinter):
    """JavaScript for a concrete expression: quantities are ``V.<name>[i][j]``,
    each layer's activation its own expression, ``eta`` is ``V.eta``."""

    def __init__(self, activations, settings=None) -> None:
        super().__init__(settings or {})
        self.activations = activations

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        idx = "".join(f"[{int(i)}]" for i in expr.indices)
        return f"V.{expr.base}{idx}"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr == S.eta:
            return "V.eta"
        return super()._print_Symbol(expr)

    def _print_Function(self, expr) -> str:
        name = str(expr.func)
        for prefix, derivative in (("df", True), ("f", False)):
            layer = name[len(prefix) :]
            if name.startswith(prefix) and layer.isdigit():
                act = self.activations[int(layer) - 1]
                body = sp.diff(act.expr, ARG) if derivative else act.expr
                return f"({self._print(body.xreplace({ARG: expr.args[0]}))})"
        return super()._print_Function(expr)

    def _print_Heaviside(self, expr) -> str:
        return f"(({self._print(expr.args[0])}) > 0 ? 1 : 0)"


def _expr(form) -> sp.Expr:
    if isinstance(form, NewValue):
        return sp.Add(form.old, form.change)
    return getattr(form, "expr", form)


def path_of(line) -> str:
    """Where a line's value lives in ``V``: ``net1.0``, ``gradW2.0.1``, ``E``."""
    lhs, key = line.lhs, line.key
    if key == "E":
        return "E"
    if key.startswith("grad_"):
        name, lhs = "grad" + key[5:], lhs.variables[0]
    elif key.startswith("update_"):
        name = "Delta" + key[7:]
    else:
        name = key  # net1, O1, delta2, newW2
    return ".".join([name, *(str(int(i)) for i in lhs.indices)])


def _js_target(path: str) -> str:
    name, *idx = path.split(".")
    return f"V.{name}" + "".join(f"[{i}]" for i in idx)


def program(worked: Worked) -> list[str]:
    """One JavaScript statement per line of the example, in order."""
    pr = ValuePrinter(worked.network.activations)
    return [
        f"{_js_target(path_of(ln))} = {pr.doprint(_expr(ln.forms[0]))};"
        for section in worked.sections
        for ln in section.lines
    ]


def _hover(line, lang: str, depth: int) -> str:
    key = line.key
    kind = next(k for k in ("net", "delta", "grad", "update", "new", "O", "E") if key.startswith(k))
    layer = int("".join(ch for ch in key if ch.isdigit()) or 0)
    lhs = line.lhs
    node = ""
    if isinstance(lhs, sp.Indexed) and len(lhs.indices) == 1:
        node = int(lhs.indices[0]) + 1
    from .render import layer_role

    return HOVER[kind][lang].format(n=node, layer=layer_role(layer, depth, lang))


def page(worked: Worked, digits: int = 6) -> str:
    """The whole page."""
    from ..templating import render_template
    from .render import TEXT, Printed, _converter, layer_role

    convert = _converter()
    shown = [n for n in NOTATIONS if n in PRESETS]
    steps = []
    code = program(worked)
    for section in worked.sections:
        for line in section.lines:
            steps.append(
                {
                    "path": path_of(line),
                    "section": {
                        lang: TEXT[section.key][lang].format(
                            layer=layer_role(section.layer, worked.depth, lang)
                        )
                        for lang in ("en", "zh")
                    },
                    "hover": {lang: _hover(line, lang, worked.depth) for lang in ("en", "zh")},
                    "math": {},
                    "flip": [],
                }
            )
    for name in shown:
        pr = Printed(worked, PRESETS[name], digits)
        n = 0
        for section in worked.sections:
            for line in section.lines:
                lhs, rel, symbolic, _ = pr.split(line)
                steps[n]["math"][name] = convert(f"{lhs} {rel} {symbolic}")
                if pr.flip and line.key.startswith("delta"):
                    steps[n]["flip"].append(name)  # this notation's δ is +∂E/∂net
                n += 1
    inputs = _inputs(worked)
    return render_template(
        "teach/explore.html.j2",
        steps=steps,
        notations=shown,
        ui=UI,
        inputs=inputs,
        program="\n".join(code),
        start=json.dumps(_start(worked)),
        digits=digits,
        title={"en": TEXT["title"]["en"], "zh": TEXT["title"]["zh"]},
        e=html.escape,
    )


def _start(worked: Worked) -> dict:
    """The editable numbers (and empty arrays for everything computed)."""
    a = worked.arrays
    out = {"eta": worked.numbers.eta}
    for name, array in a.items():
        out[name] = array.tolist() if name in _editable(worked) else (array * 0).tolist()
    return out


def _editable(worked: Worked) -> set[str]:
    names = {"O0", "d"}
    for layer in range(1, worked.depth + 1):
        names.add(f"W{layer}")
        if worked.numbers.b is not None:
            names.add(f"b{layer}")
    return names


def _inputs(worked: Worked) -> list[dict]:
    """One row of number fields per editable quantity."""
    rows = [{"label": "η", "fields": [{"path": "eta", "value": worked.numbers.eta}]}]
    labels = {"O0": "x", "d": "d"}
    for name in sorted(_editable(worked), key=lambda s: (s[0] not in "Od", s)):
        array = worked.arrays[name]
        label = labels.get(name, f"{name[0]}[{int(name[1:]) - 1}]" if name[0] == "W" else name)
        fields = []
        for where in np.ndindex(*array.shape):
            path = name + "".join(f".{i}" for i in where)
            fields.append({"path": path, "value": float(array[where])})
        rows.append({"label": label, "fields": fields})
    return rows
