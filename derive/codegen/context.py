"""The one context builder: a derivation turned into printed statements for the template.

:func:`context` turns the :class:`~derive.derivation.Derivation` of a
:class:`~derive.codegen.spec.Combo` into statements (``target = code``) printed
by :class:`~derive.printing.numpy.NumPyCodePrinter`; ``templates/numpy/module.py.j2``
only arranges them into functions.  Nothing about an activation or a loss is
typed here or in the template: forward pass, deltas, gradients and loss are the
derivation's expressions.  What this module adds is code structure: rows are
samples, a softmax is shifted by its row maximum, a loss involving ``log O`` is
written through ``net``, and each function keeps only the statements it needs.

Note 004's two-layer module is the same module with the notes' names (weights
``v, w``, no biases, ``update`` in place returning None); every other network
numbers its parameters ``W1, b1, W2, ...`` and ``update`` returns them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sympy as sp

from .. import matrix as M
from .. import symbols as S
from ..derivation import Derivation, activated, derive, net_def
from ..functions import x as _x
from ..notation import PRESETS, for_depth
from ..printing.numpy import NOT_IN_ARRAY_API, NumPyCodePrinter
from ..printing.numpy import printer as numpy_printer
from ..record import ParamStep
from .spec import Combo
from .statements import Statement, needed, wrap

NUMPY_KERNELS = {"expit": "_expit"}
"""Functions the module writes itself for NumPy arrays (faster than SciPy's ufunc)."""


@dataclass(frozen=True)
class Layer:
    """Code names of one weight layer l (from layer l-1 to layer l)."""

    number: int
    weight: str
    inputs: str
    net: str
    outputs: str
    delta: str


def code_names(depth: int, numbered: bool = False) -> tuple[dict, list[Layer]]:
    """Names from note 004: O_i = x, net_j, O_j, delta_k; weights v, w (W1... deeper).

    ``numbered``: parameters are ``W1, b1, W2, ...`` at any depth (the deep module).
    """
    notation = for_depth(PRESETS["doc004"], depth)
    letters = notation.letters
    numbered = numbered or depth != 2
    weights = tuple(f"W{n}" for n in range(1, depth + 1)) if numbered else ("v", "w")
    names: dict = {S.d: "d"}
    layers = []
    for layer in range(depth + 1):
        names[S.O(layer)] = f"O_{letters[layer]}"
    for layer in range(1, depth + 1):
        c = letters[layer]
        names.update(
            {
                S.W(layer): weights[layer - 1],
                S.b(layer): f"b{layer}" if numbered else f"b_{c}",
                S.net(layer): f"net_{c}",
                S.delta(layer): f"delta_{c}",
                _df(layer): f"df_{c}",
                _exp_net(layer): f"exp_net_{c}",
            }
        )
        layers.append(
            Layer(
                layer,
                weights[layer - 1],
                names[S.O(layer - 1)],
                names[S.net(layer)],
                names[S.O(layer)],
                names[S.delta(layer)],
            )
        )
    return names, layers


def _df(layer: int) -> sp.IndexedBase:
    """f'(net) of a layer as an array (when it has no form in the layer's outputs)."""
    return sp.IndexedBase(f"df{layer}", real=True)


def _exp_net(layer: int) -> sp.IndexedBase:
    """``exp(net - max(net))`` of a softmax layer, one row per sample."""
    return sp.IndexedBase(f"expnet{layer}", real=True)


def _vector_code(p: NumPyCodePrinter, expr: sp.Expr, index: sp.Symbol) -> str:
    """A sum of vector terms (``O_i @ v + b_j``) or one vector expression."""
    if isinstance(expr, sp.Add) and expr.has(sp.Sum):
        terms = sorted(expr.args, key=lambda term: not term.has(sp.Sum))  # O @ W + b
        return " + ".join(p.code(M.vector(term, index)) for term in terms)
    return p.code(M.vector(expr, index))


def _forward(deriv: Derivation, p: NumPyCodePrinter, layers: list[Layer]) -> list[Statement]:
    net = deriv.network
    out = [Statement(layers[0].inputs, "x", "the input layer has no activation: O_i = x_i")]
    for layer in layers:
        n = layer.number
        q = S.index(n)
        act = net.activations[n - 1]
        out.append(Statement(layer.net, _vector_code(p, net_def(n, q, net.bias), q)))
        if act.vector:  # softmax: shifted by the row maximum, which cancels
            value = activated(n, q, act)
            value = value.replace(
                lambda e: isinstance(e, sp.exp) and isinstance(e.args[0], sp.Indexed),
                lambda e, n=n: _exp_net(n)[e.args[0].indices[0]],
            )
            row_max = f"{p.function('numpy.max')}({layer.net}, axis=-1, keepdims=True)"
            shift = f"{layer.net} - {row_max}"
            out.append(Statement(p.code(_exp_net(n)), f"{p.function('numpy.exp')}({shift})"))
            out.append(Statement(layer.outputs, p.code(value)))
        else:
            out.append(Statement(layer.outputs, p.code(act.expr.xreplace({_x: S.net(n)[q]}))))
    return out


def _fprime_statement(deriv: Derivation, p: NumPyCodePrinter, n: int) -> Statement:
    act = deriv.network.activations[n - 1]
    slope = sp.diff(act.expr, _x).xreplace({_x: S.net(n)[S.index(n)]})
    return Statement(p.code(_df(n)), p.code(slope), f"f'(net) of layer {n}")


def _named_fprimes(expr: sp.Expr, n: int) -> sp.Expr:
    return expr.replace(
        lambda e: getattr(e, "func", None) == S.df(n),
        lambda e: _df(n)[e.args[0].indices[0]],
    )


def _deltas(deriv: Derivation, p: NumPyCodePrinter, layers: list[Layer]) -> list[Statement]:
    """δ of every layer, output first, in the factor form the notes write."""
    out = []
    for layer in reversed(layers):
        n = layer.number
        form = deriv.delta(n).shown
        value = M.of_factors(form, S.index(n))
        if sp.expand(form.expr - deriv.delta(n).value) != 0:
            raise AssertionError(f"display form of delta{n} differs from its value")
        if deriv.delta(n).value.has(S.df(n)):
            out.append(_fprime_statement(deriv, p, n))
            value = _map_vec(value, lambda e, n=n: _named_fprimes(e, n))
        out.append(Statement(layer.delta, p.code(value)))
    return out


def _map_vec(node, fn):
    if isinstance(node, M.Vec):
        return M.Vec(fn(node.expr), node.index)
    if isinstance(node, M.Hadamard):
        return M.Hadamard(tuple(_map_vec(part, fn) for part in node.parts))
    if isinstance(node, M.MatVec):
        return M.MatVec(node.weight, _map_vec(node.vec, fn), node.transpose)
    return node


def _outer(form, n: int) -> M.Outer:
    """A gradient's or update's product of layer n as an outer product."""
    return M.outer(form, S.index(n - 1), S.index(n))


def _stableloss_of(deriv: Derivation) -> sp.Expr:
    """E with every ``log`` of an output written through ``net`` (never log(0))."""
    net = deriv.network
    L = deriv.depth
    act = net.activations[-1]

    def through_net(e: sp.Expr) -> sp.Expr:
        arg = e.args[0].replace(
            lambda a: isinstance(a, sp.Indexed) and a.base == S.O(L),
            lambda a: activated(L, a.indices[0], act),
        )
        if not act.vector:
            arg = arg.replace(
                lambda a: getattr(a, "func", None) == S.f(L),
                lambda a: act.expr.xreplace({_x: a.args[0]}),
            )
        return sp.expand_log(sp.log(sp.together(arg)), force=True)

    return deriv.loss_expr.replace(lambda e: isinstance(e, sp.log) and e.has(S.O(L)), through_net)


def context(combo: Combo, header: str) -> dict:
    """Everything the template needs, as printed code and plain strings (no SymPy objects).

    ``combo`` must be canonical (:meth:`Combo.canonical`): its activation text
    is printed into the module.
    """
    network = combo.network()
    deriv = derive(network)
    L = network.depth
    notes = not combo.deep
    names, layers = code_names(L, numbered=not notes)
    out = layers[-1].outputs
    mean = network.loss.mean
    scalars = {S.eta: "eta", S.width(L): f"{out}.size" if mean else f"{out}.shape[-1]"}
    p = numpy_printer(names, scalars, namespace="xp")
    total = p.function("numpy.sum")  # the template's own code: bias rows,
    p.function("numpy.reshape")  # one sample as a batch of one
    forward = _forward(deriv, p, layers)
    deltas = _deltas(deriv, p, layers)
    params, biases, grads, updates = [], [], [], []
    for layer in layers:
        n = layer.number
        weight_grad = p.code(_outer(deriv.gradient(S.W(n)).shown, n))
        grads.append(Statement(f"dE_d{layer.weight}", weight_grad))
        node = _outer(deriv.update(S.W(n)).shown, n)
        if node.scale != S.eta:
            raise AssertionError(f"update of {layer.weight} is not eta times an outer product")
        params.append(layer.weight)
        updates.append(("_add_outer", layer.weight, f"{p.code(node.col)}, {p.code(node.row)}"))
        if network.bias:
            bias = names[S.b(n)]
            biases.append(bias)
            row = p.code(_bias_row(deriv.gradient(S.b(n)), n, sp.S.NegativeOne))
            grads.append(Statement(f"dE_d{bias}", f"-{total}({row}, axis=0)"))
            row = p.code(_bias_row(deriv.update(S.b(n)), n, S.eta))
            params.append(bias)
            updates.append(("_add_rows", bias, row))
    loss_printer = numpy_printer(names, scalars, total_sums=True, namespace="xp")
    loss_statement = Statement("E", loss_printer.code(_stableloss_of(deriv)))
    for module, items in loss_printer.module_imports.items():
        p.module_imports[module] |= items
    for api, local in loss_printer.namespace_names.items():
        p.namespace_names.setdefault(api, local)
    for api, kernel in NUMPY_KERNELS.items():  # written in the module, not imported
        local = p.namespace_names.get(api)
        if local is not None:
            p.namespace_names[api] = kernel
            module = next(m for m, items in p.module_imports.items() if local in items)
            p.module_imports[module].discard(local)
            if not p.module_imports[module]:
                del p.module_imports[module]
    outputs = [layer.outputs for layer in layers]
    inputs_of = [layer.inputs for layer in layers]
    acts = network.activations
    return {
        "header": header,
        "notes": notes,
        "depth": L,
        "bias": network.bias,
        "widths": list(network.widths),
        "layer_titles": [_title(a, text) for a, text in zip(acts, combo.activations, strict=True)],
        "loss_title": network.loss.title,
        "docstring_rules": latex_rules(deriv),
        "activations": list(combo.activations),
        "activation": combo.activations[0] if L > 1 else combo.activations[-1],
        "output_activation": combo.activations[-1],
        "loss": combo.loss,
        "mean": mean,
        "softmax": acts[-1].vector,
        "imports": p.imports(),
        "namespace": sorted(p.namespace_names.items()),
        "kernels": sorted(set(NUMPY_KERNELS) & set(p.namespace_names)),
        "portable": sorted(set(p.namespace_names) & set(NOT_IN_ARRAY_API)),
        "standard": sorted(set(p.namespace_names) - set(NOT_IN_ARRAY_API)),
        "params": params,
        "weights": [layer.weight for layer in layers],
        "biases": biases,
        "forward": needed(forward, set(outputs)),
        "outputs": outputs,
        "loss_statements": needed(forward, loss_statement.uses) + [loss_statement],
        "backward": needed(forward + deltas, set(inputs_of) | {la.delta for la in layers}),
        "inputs_of": inputs_of,
        "deltas": [layer.delta for layer in layers],
        "gradients": grads,
        "updates": updates,
        "quoted": {
            "activations": [pystr(a) for a in combo.activations],
            "params": [pystr(p) for p in params],
            "standard": [pystr(n) for n in sorted(set(p.namespace_names) - set(NOT_IN_ARRAY_API))],
        },
        "wrap": wrap,
        "pystr": pystr,
    }


def pystr(text: object) -> str:
    """A Python string literal (JSON's escaping is valid Python)."""
    return json.dumps(str(text), ensure_ascii=False)


def _title(act, text: str) -> str:
    """A layer's title: the table's, or the expression printed from its parsed form."""
    return act.title if text == act.name and act.title else f"user expression {text}"


def _bias_row(step: ParamStep, n: int, scale: sp.Expr) -> M.Vec:
    """The δ row of a bias gradient or update: ``scale · Σ_rows δ`` (∂net/∂b = 1)."""
    node = _outer(step.shown, n)
    if node.scale != scale or node.col != M.Vec(sp.S.One, S.index(n - 1)):
        raise AssertionError(f"{step.kind} of b{n} is not {scale} times a row sum of delta{n}")
    return node.row


def latex_rules(deriv: Derivation) -> list[str]:
    """The update rules in note 004's LaTeX, one equation a line, for the docstring."""
    from ..printing.latex import printer

    p = printer(for_depth(PRESETS["doc004"], deriv.depth))
    keys = ["E"]
    for layer in range(deriv.depth, 0, -1):
        keys += [f"delta{layer}", f"update_W{layer}"]
        if deriv.network.bias:
            keys.append(f"update_b{layer}")
    lines = []
    for key in keys:
        eq = deriv.equation(key)
        lhs = p.doprint(eq.lhs)
        for n, rhs in enumerate(eq.rhs):
            lines.append(f"{lhs if n == 0 else ' ' * len(lhs)} = {p.doprint(rhs)}")
    return lines
