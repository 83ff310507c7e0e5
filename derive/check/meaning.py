"""What a parsed formula means in a notation: parsed names -> the network's quantities.

``World(notation)`` knows a note's symbols (``w_{jk}`` is the weight from
hidden node j to output k, ``t_k`` the book's target ...).  ``translate``
maps a parsed SymPy expression onto the internal symbols of
:mod:`derive.symbols`; ``resolve`` then computes every ``∂A/∂B`` from the
network's *definitions* (forward pass and loss), by unrolling A down to B's
layer and differentiating with SymPy — it never looks at the derivation's
results, so a check is an independent computation.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count

import sympy as sp

from .. import symbols as S
from ..calculus import contract, derivative
from ..functions import Loss
from ..model.quantities import Kind
from ..network import Network
from ..notation import Notation, network_for
from ..notation.model import bare
from .evaluate import BATCH_SIZE, OverBatch, Partial

REAL_VARIABLES = frozenset({"x", "y", "z", "u"})
"""Bare letters that stand for a real variable in calculus facts (a note's f(x))."""


def net_def(layer: int, node: sp.Expr, bias: bool) -> sp.Expr:
    """``net^l_q = Σ_p W^l_{pq} O^{l-1}_p (+ b^l_q)``: the forward pass's definition."""
    p = sp.Symbol(f"{S.index(layer - 1)}'{next(_fresh)}")
    total = sp.Sum(S.W(layer)[p, node] * S.O(layer - 1)[p], (p, 0, S.width(layer - 1) - 1))
    return total + S.b(layer)[node] if bias else total


def activated(layer: int, node: sp.Expr, act) -> sp.Expr:
    """``O^l_q`` in terms of ``net^l``: the layer's function (softmax over the layer)."""
    if act.vector:
        a = sp.Symbol(f"{S.index(layer)}'{next(_fresh)}")
        norm = sp.Sum(sp.exp(S.net(layer)[a]), (a, 0, S.width(layer) - 1))
        return sp.exp(S.net(layer)[node]) / norm
    return S.f(layer)(S.net(layer)[node])


def loss_of(loss: Loss, depth: int) -> sp.Expr:
    """E from the row of the loss table: its term summed over the output nodes."""
    from ..functions import d, o

    m = sp.Symbol(f"{S.index(depth)}'{next(_fresh)}")
    coeff, term = loss.term.xreplace({d: S.d[m], o: S.O(depth)[m]}).as_coeff_Mul()
    total = coeff * sp.Sum(term, (m, 0, S.width(depth) - 1))
    return total / S.width(depth) if loss.mean else total


def _squares(weight: sp.IndexedBase) -> sp.Expr:
    """Σ_p Σ_q W_{pq}², over fresh dummies."""
    layer = S.layer_of(weight)
    p = sp.Symbol(f"{S.index(layer - 1)}'{next(_fresh)}")
    q = sp.Symbol(f"{S.index(layer)}'{next(_fresh)}")
    rows, cols = S.width(layer - 1) - 1, S.width(layer) - 1
    return sp.Sum(sp.Sum(weight[p, q] ** 2, (q, 0, cols)), (p, 0, rows))


class NotDefined(ValueError):
    """A symbol or construct the notation does not give a meaning to."""


_fresh = count()


def _strip_braces(name: str) -> str:
    return name.replace("{", "").replace("}", "").replace("\\", "")


def _one_letter(indices: tuple) -> bool:
    """Are these indices one letter, primed or not (j, j'): nodes of one layer?"""
    letters = {str(i).rstrip("'") for i in indices if isinstance(i, sp.Symbol)}
    return len(letters) == 1 and all(isinstance(i, sp.Symbol) for i in indices)


def _layer_name(name: str) -> str:
    """A glyph's layer label as the parser writes it: ``W^1``, ``W^(1)`` -> ``W^(1)``."""
    base, sep, label = name.partition("^")
    if not sep or label.startswith("("):
        return name
    return f"{base}^({label})"


@dataclass
class World:
    notation: Notation
    network: Network = None
    letters: dict = field(default_factory=dict)
    """index letter -> layer (i: 0, j: 1, k: 2; n and m run over outputs)."""
    _partials: dict = field(default_factory=dict)
    numbers_only: bool = False
    """Leave every derivative to forward mode (:class:`Partial`), as on deep networks: set
    while a diagnosis tries variants of a relation, which need values, not formulas."""
    _letter_layers: dict = field(default_factory=dict)
    """node letter -> the layers it ran over as a sum's dummy (this relation)."""
    _bias_written: bool = False
    """Does this relation write a bias w_{j0} itself (then no sum holds it)?"""
    _translations: dict = field(default_factory=dict)
    """(parsed expression, _bias_written, numbers_only) -> (its translation, the letter
    layers its sums recorded): an expression met again (the right side of a continued
    formula, tried against each left side it may continue; a side shared by two links of
    a chain) is translated once."""
    _translating: bool = False

    def __post_init__(self) -> None:
        if self.network is None:
            self.network = network_for(self.notation)
        L = self.network.depth
        self.letters = {letter: n for n, letter in enumerate(self.notation.letters)}
        self.letters.setdefault("n", L)
        self.letters.setdefault("m", L)
        n = self.notation
        self.lr_names = {_strip_braces(n.lr), "eta", "alpha"}
        decay = _strip_braces(n.conventions.weight_decay).replace("mathrm", "")
        self.decay_names = {"lambda"} | ({decay} if decay else set())
        self.output_names = {o for o in (*n.outputs, *n.vectors)}
        names = [_layer_name(_strip_braces(w)) for w in n.weights]
        # a name used for every layer (the book's W) is told apart by its indices
        self.weight_names = {
            w: layer for layer, w in enumerate(names, start=1) if names.count(w) == 1
        }
        # names of whole weight matrices in matrix forms -> the name of their elements
        self.weight_symbols = {w: w for w in names} | {  # W_ih, W_ho: layers 1 and 2
            _strip_braces(m).replace("text", ""): f"{names[layer].split('^(')[0]}^({layer + 1})"
            for layer, m in enumerate(n.matrix_weights)
        }
        # the vocabulary of the notation model: which glyph names which kind
        glyph = lambda g: _strip_braces(g).replace("mathrm", "").split("^")[0]  # noqa: E731
        self.loss_names = {"E", glyph(n.loss_glyph)}
        text = re.sub(r"\\text\{(\w+)\}", r"\1", n.loss_glyph)  # E_{\text{total}}: E_total
        self.loss_names.add(text.replace("{", "").replace("}", ""))
        self.lr_names.add(glyph(n.lr))  # \mathrm{step\_size}
        self.output_glyphs = {"O", "h"} | {glyph(o) for o in (*n.outputs, *n.vectors)}
        if n.input:
            self.output_glyphs.add(glyph(n.input))
        self.net_glyphs = {"net", glyph(n.net)}
        self.delta_glyphs = {"delta", glyph(n.delta)}
        self.weight_glyphs = {"W", "w", "v"} | {glyph(w) for w in n.weights}
        self.activation_names = {"f", "g", "Phi", "phi"} | {
            glyph(a) for a in (*n.activation, n.hidden_activation) if a
        }
        # a layer's own activation where layers differ (σ_2, σ^{(3)}, σ^{(L)}): name -> label
        self.layer_functions = {}
        for a in self.activation_names:
            for label in [*map(str, range(n.first_layer, n.first_layer + L + 1)), "L"]:
                if label.isdigit():
                    self.layer_functions[f"{a}_{label}"] = label
                self.layer_functions[f"{a}^({label})"] = label
        # a letter the notation uses for a quantity is no free real variable (Nielsen's y, z)
        self.quantity_glyphs = (
            self.output_glyphs | self.net_glyphs | {glyph(n.target)} | self.loss_names
        ) - {glyph(o) for o in n.outputs[:1]}
        self.delta_sign = n.conventions.delta_sign
        self.receiver_first = n.conventions.weight_order == "receiver_first"
        self.example_letters = {n.example_index} if n.example_index else set()
        # names declared per layer (CS231n's h, scores, dscores, b2; aliases f, p)
        self.code_names = n.code_names()
        self.net_glyphs |= {c for c, (k, _) in self.code_names.items() if k == Kind.PREACT}
        self.delta_glyphs |= {c for c, (k, _) in self.code_names.items() if k == Kind.DELTA}
        aliases = {bare(a) for a, _ in n.aliases}
        self.output_names |= {
            c for c, (k, _) in self.code_names.items() if k in (Kind.OUTPUT, Kind.INPUT)
        } & aliases
        # the names read here (outputs and weights by their own tables, as before)
        self.own_names = {
            c
            for c, (k, _) in self.code_names.items()
            if k in (Kind.PREACT, Kind.DELTA, Kind.BIAS) or c in aliases
        }
        self.batch = n.conventions.batch_mean
        """The objective is the mean over a batch of examples (conventions.batch_mean)."""
        self.example_loss_glyph = _scripted(n.example_loss) if self.batch else None
        self.class_label = _scripted(n.class_label)

    def vocabulary(self) -> frozenset[str]:
        """Multi-letter names the parser keeps whole: code names (hidden, dscores, W2) and
        the gradients named with ``grad_prefix`` (dW2, dhidden), the decay glyph (reg)."""
        n = self.notation
        names = set(self.code_names)
        if n.grad_prefix:
            names |= {n.grad_prefix + c for c, (k, _) in self.code_names.items()}
        names |= self.decay_names
        return frozenset(c for c in names if len(c) > 1 and c.isalnum())

    def matrices(self) -> frozenset[str]:
        """Row layout with a batch: the names that, written without indices, are matrices
        (a batch of a layer's values, one example per row; a weight matrix; its gradient)."""
        if not (self.batch and self.notation.conventions.layout == "row"):
            return frozenset()
        names = {c for c in self.vocabulary() if c not in self.decay_names}
        names |= set(self.code_names) | {bare(self.notation.target)}
        names |= {  # ΔW2, Δb2: the updates of whole weight matrices and bias rows
            f"Delta {c}" for c, (k, _) in self.code_names.items() if k in (Kind.WEIGHT, Kind.BIAS)
        }
        return frozenset(names)

    def code_quantity(self, name: str, indices: tuple) -> sp.Expr | None:
        """A per-layer code name or its alias at ``indices`` (``scores_k``, ``f_k``,
        ``dscores_k``, ``b2_k``), a gradient name (``dW2_{jk}`` = ∂E/∂W2_{jk}), or None."""
        n = self.notation
        found = self.code_names.get(name) if name in self.own_names else None
        grad = None
        if found is None:
            grad = n.gradient_of(name)
            if grad is None:
                return None
            found = grad
        kind, layer = found
        glyph = next(c for c, q in self.code_names.items() if q == found and c in _declared(n))
        if kind == Kind.WEIGHT:
            q = self._weight(glyph, indices)
        elif len(indices) != 1:
            raise NotDefined(f"{name} takes one index (a node of its layer)")
        elif kind in (Kind.OUTPUT, Kind.INPUT):
            q = S.O(layer)[indices[0]]
        elif kind == Kind.PREACT:
            q = S.net(layer)[indices[0]]
        elif kind == Kind.BIAS:
            if not self.network.bias:
                raise NotDefined("this network has no biases (give --bias)")
            q = S.b(layer)[indices[0]]
        else:  # Kind.DELTA: δ = delta_sign ∂E/∂net
            if grad is not None:
                raise NotDefined(f"{name}: the gradient of an error term")
            return self.delta_sign * self.partial(S.E, S.net(layer)[indices[0]])
        return self.partial(S.E, q) if grad is not None else q

    def _numbered(self, name: str, indices: tuple) -> sp.Expr:
        """Mazur's names: a node is its layer's letter and its number from 1 (net_{h1},
        out_{o2}, b_{h1}, i_{1}); weights are numbered w_1, w_2, ... receiver by receiver
        through the network (w_5: h1 -> o1 in the 2-2-2 network)."""
        n, widths = self.notation, self.network.widths
        update = name.startswith("Delta ")
        base = name.removeprefix("Delta ")
        if base == n.weights[-1] and len(indices) == 1 and indices[0].is_Integer:
            number = int(indices[0]) - 1
            for layer in range(1, len(widths)):
                size = widths[layer - 1] * widths[layer]
                if number < size:
                    receiver, sender = divmod(number, widths[layer - 1])
                    q = S.W(layer)[sender, receiver]
                    break
                number -= size
            else:
                raise NotDefined(f"{name}_{indices[0]}: the network has fewer weights")
        elif base == n.letters[0] and len(indices) == 1 and indices[0].is_Integer:
            q = S.O(0)[int(indices[0]) - 1]  # the inputs i_1, i_2
        elif len(indices) == 2 and str(indices[0]) in n.letters and indices[1].is_Integer:
            layer, node = n.letters.index(str(indices[0])), int(indices[1]) - 1
            if not 0 <= node < widths[layer]:
                raise NotDefined(f"{name}_{indices[0]}{indices[1]}: no such node")
            if base == n.outputs[-1]:
                q = S.O(layer)[node]
            elif base in self.net_glyphs:
                q = S.net(layer)[node]
            elif base == n.target and layer == len(widths) - 1:
                q = S.d[node]
            elif base in self.delta_glyphs and not update:
                return self.delta_sign * self.partial(S.E, S.net(layer)[node])
            elif base == "b" and self.network.bias and layer >= 1:
                q = S.b(layer)[node]
            else:
                raise NotDefined(f"{name}_{{{indices[0]}{indices[1]}}} in notation {n.name}")
        else:
            raise NotDefined(f"{name} with indices {indices} in notation {n.name}")
        if update:
            return -S.eta * self.update_scale() * self.partial(S.E, q)
        return q

    def is_loss(self, parsed: sp.Expr) -> bool:
        """Is the parsed ``parsed`` the notation's loss: E, J, or the loss of the current
        example written with the example index (E_n, E_d, E_p)?"""
        if isinstance(parsed, sp.Symbol):
            return parsed.name in self.loss_names
        return (
            isinstance(parsed, sp.Indexed)
            and str(parsed.base) in self.loss_names
            and all(str(i) in self.example_letters for i in parsed.indices)
        )

    def label_layer(self, label: str) -> int | None:
        """Our layer number of a layer label written in the notation (``L``, ``L-1``,
        ``2`` where the notation numbers the input layer ``first_layer``)."""
        L = self.network.depth
        if label.isdigit():
            return int(label) - self.notation.first_layer
        if label == "L" or (label[:1] == "L" and label[1:2] in "+-" and label[2:].isdigit()):
            return L + (int(label[1:]) if len(label) > 1 else 0)
        return None

    # -- layers ------------------------------------------------------------------

    def layer_of_letter(self, idx) -> int:
        name = str(idx).rstrip("'")
        if name in self.letters:
            return self.letters[name]
        raise NotDefined(f"index {idx} names no layer of notation {self.notation.name}")

    def _output_layer(self, base: str, indices) -> int:
        outs = self.notation.outputs
        if base == self.notation.unit_output and indices and str(indices[0]) != "0":
            return self.layer_of_letter(indices[0])  # Bishop's z_i: unit i's, on i's layer
        if outs.count(base) == 1 and base not in (self.notation.vectors or ()):
            return outs.index(base)
        if not indices:
            raise NotDefined(f"{base} without an index")
        return self.layer_of_letter(indices[0])

    def _weight(self, name: str, indices) -> sp.Expr:
        L = self.network.depth
        if "^(" in name and name.endswith(")"):
            layer = self.label_layer(name.split("^(", 1)[1][:-1])
            if layer is None:
                raise NotDefined(f"weight {name}")
            if self.receiver_first and len(indices) == 2:  # w^l_{jk}: k sends, j receives
                indices = indices[::-1]
        elif name in self.weight_names:
            layer = self.weight_names[name]
        elif name in ("W", "w") and len(indices) == 2:
            if self.receiver_first:  # w_{kj}: j sends, k receives
                indices = indices[::-1]
            layer = self.layer_of_letter(indices[1])
        else:
            raise NotDefined(f"weight {name}")
        if not 1 <= layer <= L:
            raise NotDefined(f"weight layer {layer}")
        if len(indices) == 1 and layer == L and self.network.scalar_output:
            indices = (indices[0], 0)
        if len(indices) != 2:
            raise NotDefined(f"weight {name} needs two indices")
        if self.notation.conventions.bias == "w0" and indices[0] == 0:
            # w_{j0}: the weight on the constant input x_0 = 1 is the bias (nodes count from 1)
            if not self.network.bias:
                raise NotDefined(f"{name} with index 0 is a bias; this network has none")
            return S.b(layer)[indices[1]]
        return S.W(layer)[indices]

    # -- translation ---------------------------------------------------------------

    def indexed(self, name: str, indices: tuple) -> sp.Expr:
        n = self.notation
        L = self.network.depth
        if n.layers == "numbered":  # a worked example's out_{h1}, w_{5}, i_{1}
            return self._numbered(name, indices)
        code = self.code_quantity(name, indices)
        if code is not None:
            return code
        if self.example_loss_glyph and (name, tuple(map(str, indices))) == self.example_loss_glyph:
            return self.example_loss()  # L_i: the loss of example i alone
        if "^(" in name and name.split("^(")[0][:-1] in self.activation_names:
            return self._labelled_prime(name, indices)  # note 003's {\Phi^{(3)}}'_l
        if "^(" in name and not name.startswith("Delta "):
            if name.split("^(")[0] in self.weight_glyphs:
                return self._weight(name, indices)
            return self._labelled(name, indices)
        if name in self.loss_names and all(str(i) in self.example_letters for i in indices):
            return S.E  # E_d, E_n: the loss of the current example
        if name == "x" and len(indices) == 2 and "x" in n.outputs[:1]:
            # Mitchell's x_{ji}: the input from unit i into unit j, i's output
            sender = indices[1] if self.receiver_first else indices[0]
            return S.O(self.layer_of_letter(sender))[sender]
        if name in self.output_names or name == "x":
            layer = (
                0 if name == "x" and "x" not in n.outputs[1:] else self._output_layer(name, indices)
            )
            if layer == L and self.network.scalar_output:
                return S.O(L)[0]
            return S.O(layer)[indices[0]]
        if name in self.net_glyphs and len(indices) == 1:
            return S.net(self.layer_of_letter(indices[0]))[indices[0]]
        if name == n.target:
            return S.d[indices[0]]
        if (
            name == "delta"
            and len(indices) == 2
            and (name not in n.local_names or _one_letter(indices))
        ):  # δ_{jj'}: Kronecker's (note 003's own δ_{ij} joins two layers)
            return sp.KroneckerDelta(*indices)
        if name in self.delta_glyphs and (name not in n.local_names or len(indices) == 1):
            # (note 003's own δ_{ij} has two indices; δ_j is the network's error term)
            if self.delta_sign == 0:
                raise NotDefined(f"notation {n.name} has no δ")
            layer = self.layer_of_letter(indices[0])
            return self.delta_sign * self.partial(S.E, S.net(layer)[indices[0]])
        if name.startswith("Delta b"):
            bias = self.indexed(name[6:], indices)
            return -S.eta * self.update_scale() * self.partial(S.E, bias)
        if name.startswith("Delta "):
            weight = self._weight(name[6:], indices)
            return -S.eta * self.update_scale() * self.partial(S.E, weight)
        if name in (n.error, n.matrix_error):  # the output error d - O (the book's e_k, E_k)
            layer = self.layer_of_letter(indices[0])
            out = S.d[indices[0]] - S.O(L)[indices[0]]
            if layer == L:
                return out
            m = sp.Symbol(f"k'{next(_fresh)}")
            return sp.Sum(
                S.W(L)[indices[0], m] * out.xreplace({indices[0]: m}), (m, 0, S.width(L) - 1)
            )
        if n.prime == "subscript" and name.endswith("'"):  # note 003's \Phi'_j
            if _strip_braces(name[:-1]) in {_strip_braces(a) for a in n.activation}:
                if len(indices) == 1 and indices[0].is_Integer:  # {\Phi_2}': layer 2's, at
                    layer = int(indices[0])  # its one node
                    if layer != L or not self.network.scalar_output:
                        raise NotDefined(f"{name[:-1]}_{layer}' without its argument")
                    return S.fprime(layer, S.net(layer)[0])
                layer = self.layer_of_letter(indices[0])
                return S.fprime(layer, S.net(layer)[indices[0]])
        if name == "b":
            return S.b(self.layer_of_letter(indices[0]))[indices[0]]
        if name in ("w", "v", "W") or name.startswith("W^(") or name in self.weight_names:
            return self._weight(name, indices)
        raise self.undefined(f"{name}_{{{','.join(map(str, indices))}}}", name)

    def _labelled_prime(self, name: str, indices: tuple) -> sp.Expr:
        r"""``{\Phi^{(3)}}'_l``: layer 3's f' at node l; ``{\Phi^{(4)}}'`` at the one output."""
        glyph, label = name.split("^(", 1)
        layer = self.label_layer(label.rstrip(")"))
        if self.notation.prime != "subscript" or not glyph.endswith("'") or layer is None:
            raise self.undefined(name, glyph)
        if not 1 <= layer <= self.network.depth or len(indices) > 1:
            raise NotDefined(f"{name} names no layer of this network")
        if not indices:
            if layer != self.network.depth or not self.network.scalar_output:
                raise NotDefined(f"{name} without the node it is taken at")
            indices = (0,)
        return S.fprime(layer, S.net(layer)[indices[0]])

    def _labelled(self, name: str, indices: tuple) -> sp.Expr:
        """``delta^(2)_j``, ``net^(3)_k``, ``O^(1)_j``, ``b^(2)_k``: layers by number."""
        kind, label = name.split("^(", 1)
        label = label.rstrip(")")
        L = self.network.depth
        layer = self.label_layer(label)
        if layer is None or not 0 <= layer <= L or len(indices) != 1:
            raise NotDefined(f"{name} names no layer of this network")
        (idx,) = indices
        if kind in self.output_glyphs or kind in self.output_names:
            return S.O(layer)[idx]
        if layer == 0:
            raise NotDefined(f"layer 0 has no {kind}")
        if kind in self.net_glyphs:
            return S.net(layer)[idx]
        if kind in self.delta_glyphs:
            if self.delta_sign == 0:
                raise NotDefined(f"notation {self.notation.name} has no δ")
            return self.delta_sign * self.partial(S.E, S.net(layer)[idx])
        if kind == "b":
            if not self.network.bias:
                raise NotDefined("this network has no biases (give --bias)")
            return S.b(layer)[idx]
        raise self.undefined(name, kind)

    def symbol(self, sym: sp.Symbol) -> sp.Expr:
        name = sym.name
        n = self.notation
        L = self.network.depth
        if name in self.loss_names:
            return S.E
        if name in self.lr_names:
            return S.eta
        if name in self.decay_names:
            return S.lam
        if self.batch and name == bare(n.batch_size):
            return BATCH_SIZE
        if self.network.scalar_output and name == "net":
            return S.net(L)[0]  # note 003's one output node
        if self.network.scalar_output and name in (n.outputs[-1], n.target):
            return S.O(L)[0] if name == n.outputs[-1] else S.d[0]  # note 003's y and d
        if "^(" in name and name.split("^(")[0][:-1] in self.activation_names:
            return self._labelled_prime(name, ())
        if n.prime == "subscript" and name[:-1] in self.activation_names and name[-1:] == "'":
            return self._labelled_prime(f"{name}^({L})", ())  # \Phi': the one output's
        if self.network.scalar_output and name == "Delta b" and self.network.bias:
            return -S.eta * self.update_scale() * self.partial(S.E, S.b(L)[0])
        if self.network.scalar_output and name == "b" and self.network.bias:
            return S.b(L)[0]  # the one output's bias
        if self.network.scalar_output and name in self.delta_glyphs and self.delta_sign:
            return self.delta_sign * self.partial(S.E, S.net(L)[0])  # the one output's δ
        if name in n.width_names and len(n.width_names) == L + 1:
            return S.width(n.width_names.index(name))  # Bishop's D, M, K
        if len(name) == 1 and name.isupper() and name.lower() in self.letters:
            return S.width(self.letters[name.lower()])
        if len(name) == 1 and name.isupper() and name.lower() in self._node_letters():
            return sp.Symbol(f"_count_{name.lower()}")  # J: how many nodes j runs over
        if name.rstrip("'") in self.letters:
            return sym  # an index
        if name in REAL_VARIABLES and name not in self.quantity_glyphs:
            return sp.Symbol(name, real=True)  # the x of f(x) = 1/(1 + e^{-x})
        if name == "pi":
            return sp.pi  # GELU's derivative: e^{-x^2/2} / sqrt(2 pi)
        raise self.undefined(f"symbol {name}", name)

    def activation_layer(self, name: str, arg: sp.Expr) -> int:
        """The layer whose activation ``name`` is: the one its own label names
        (σ_2, σ^{(L)}), else the layer of the pre-activation it is applied to."""
        if name not in self.layer_functions:
            if not any(isinstance(e, sp.Indexed) for e in sp.preorder_traversal(arg)):
                return self._layer_named(name)  # f(x) of a real variable
            return self._layer_of_argument(arg)
        layer = self.label_layer(self.layer_functions[name])
        if layer is None or not 1 <= layer <= self.network.depth:
            raise NotDefined(f"{name}: layer {self.layer_functions[name]} has no activation")
        return layer

    def _layer_named(self, name: str) -> int:
        """The first layer whose activation the notation writes ``name`` (f where f and
        g differ, ReLU in CS231n, Bishop's h); the output layer's otherwise (g)."""
        n, L = self.notation, self.network.depth
        for layer in range(1, L + 1):
            own = n.hidden_activation if n.hidden_activation and layer < L else None
            own = own or n.activation[min(layer, len(n.activation)) - 1]
            if _strip_braces(own).replace("mathrm", "").split("^")[0] == name:
                return layer
        return 1 if name == "f" else L  # the notes' f is the first layer's, g the output's

    def function(self, name: str, args: tuple, written: tuple = ()) -> sp.Expr:
        if len(args) != 1:
            raise NotDefined(
                f"{name} with {len(args)} arguments (the notation's functions take one)"
            )
        (arg,) = args
        if name in self.decay_names:  # \mathrm{reg} \cdot (...): a product, read as a call
            return S.lam * arg
        if name in self.activation_names or name in self.layer_functions:
            self._check_argument(name, arg, *written)
            return S.f(self.activation_layer(name, arg))(arg)
        if name in ("sigmoid", "S", "sigma"):
            # built unevaluated: SymPy's 1/(1 + e^-a) asks assumptions of every term of a,
            # which took a sixth of checking a note in Rashid's matrix notation
            return sp.Pow(sp.Add(1, sp.exp(-arg)), -1, evaluate=False)
        if name in ("f", "g", "Phi", "phi"):
            self._check_argument(name, arg, *written)
            layer = self._layer_of_argument(arg)
            return S.f(layer)(arg)
        if name in ("transpose",):
            return arg
        raise NotDefined(f"function {name}")

    def _check_argument(self, name: str, arg: sp.Expr, written: sp.Expr | None = None) -> None:
        """A layer's activation applies to that layer's pre-activation (``f(net_k)``)
        or, in a calculus fact, to a real variable (``f(x)``); not to a width."""
        if any(isinstance(e, sp.Indexed) for e in sp.preorder_traversal(arg)):
            return
        if arg.free_symbols and all(
            s.name in REAL_VARIABLES for s in arg.free_symbols if isinstance(s, sp.Symbol)
        ):
            return
        raise NotDefined(
            f"{name}({arg if written is None else written}): an activation applies to "
            "a pre-activation such as net_k, or to a real variable x"
        )

    def _layer_of_argument(self, arg: sp.Expr) -> int:
        for e in sp.preorder_traversal(arg):
            if isinstance(e, sp.Indexed) and S.kind_of(e.base) in ("net", "W"):
                return S.layer_of(e.base)
        return self.network.depth

    def _node_letters(self) -> tuple[str, ...]:
        return self.notation.node_letters if self.notation.layers == "labels" else ()

    def translate_relation(self, plhs: sp.Expr, prhs: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        """Both sides of a relation, translated; where node letters are relative to
        the layer (labels), a capital letter (J) is the width of the layer its node
        letter (j) runs over in this relation, as a sum's bound or as an index."""
        self._letter_layers = {}
        self._bias_written = any(
            isinstance(e, sp.Indexed) and sp.Integer(0) in e.indices
            for side in (plhs, prhs)
            if isinstance(side, sp.Basic)
            for e in side.atoms(sp.Indexed)
        )
        lhs = self.translate(plhs)
        # the same expression on both sides: translated twice, as two expressions (its sums
        # over dummies of their own), not one object minus itself
        rhs = self.translate(prhs, again=prhs == plhs)
        lhs, rhs = self.batch_sums(lhs, rhs)
        counts = {s for s in lhs.free_symbols | rhs.free_symbols if s.name.startswith("_count_")}
        if not counts:
            return lhs, rhs
        both = sp.Tuple(lhs, rhs)
        widths = {}
        for count_ in counts:
            letter = count_.name.removeprefix("_count_")
            layers = self._letter_layers.get(letter, set()) | index_layers(
                both, sp.Symbol(letter), self.network.depth
            )
            if len(layers) != 1:
                raise NotDefined(
                    f"{letter.upper()}: the number of nodes {letter} runs over, "
                    f"but {letter} runs over {'no layer' if not layers else 'several layers'} here"
                )
            widths[count_] = S.width(layers.pop())
        return lhs.xreplace(widths), rhs.xreplace(widths)

    def translate(self, expr: sp.Expr, again: bool = False) -> sp.Expr:
        """The parsed ``expr`` in the network's internal symbols (once per world: see
        :attr:`_translations`; ``again``: anew)."""
        if self._translating:  # a part of the expression being translated
            return self._translate(expr)
        key = (expr, self._bias_written, self.numbers_only)
        try:
            done = None if again else self._translations.get(key)
        except TypeError:  # not hashable (a mutable matrix): not kept
            key, done = None, None
        if done is None:
            outer, self._letter_layers = self._letter_layers, {}
            self._translating = True
            try:
                done = (self._translate(expr), self._letter_layers)
            finally:
                self._translating = False
                recorded, self._letter_layers = self._letter_layers, outer
                _merge_layers(outer, recorded)
            if key is not None and not again:
                self._translations[key] = done
        else:
            _merge_layers(self._letter_layers, done[1])
        return done[0]

    def _translate(self, expr: sp.Expr) -> sp.Expr:
        if isinstance(expr, sp.Indexed) and any(self._is_label(i) for i in expr.indices):
            return self._at_label(expr)
        if isinstance(expr, sp.Piecewise) and self._label_indicator(expr) is not None:
            return self._label_indicator(expr)
        if isinstance(expr, sp.Indexed):
            indices = expr.indices
            if self.example_letters and len(indices) > 1:  # o_{pj}: example p, node j
                kept = tuple(i for i in indices if str(i) not in self.example_letters)
                indices = kept if kept else indices
            return self.indexed(
                str(expr.base),
                tuple(self.translate(i) if not i.is_Symbol else i for i in indices),
            )
        if isinstance(expr, sp.Symbol):
            return self.symbol(expr)
        if isinstance(expr, sp.Derivative):
            inner = expr.expr
            var = expr.variables[0]
            if (
                len(expr.variables) == 1
                and isinstance(inner, sp.Function)
                and inner.args == (var,)
                and str(inner.func) in self.activation_names | set(self.layer_functions)
            ):
                arg = self.translate(var)
                self._check_argument(f"{inner.func}'", arg, var)
                return S.fprime(self.activation_layer(str(inner.func), arg), arg)
            if len(expr.variables) != 1:
                raise NotDefined("higher derivatives")
            a = self.translate(inner)
            b = (
                var
                if var.is_Symbol and var.name not in self.letters and _free_variable(var, self)
                else self.translate(var)
            )
            return self.partial(a, b)
        if isinstance(expr, sp.Sum):
            body = self.translate(expr.function)
            for limit in expr.limits:  # \sum_{j} \sum_{k} w_{jk}^2: innermost first
                body = self._sum(body, *limit)
            return body
        if isinstance(expr, sp.MatrixBase):
            raise NotDefined("matrices are not checked element by element yet")
        if isinstance(expr, sp.Function) and type(expr).__name__ == "batchsum":
            if not self.batch:
                raise NotDefined("a sum over a batch, in a notation without batches")
            return OverBatch(self.translate(expr.args[0]))  # Σ_rows (check/rows.py)
        if isinstance(expr, sp.Function) and type(expr).__name__ == "hadamard":
            return sp.Mul(*[self.translate(a) for a in expr.args])
        if isinstance(expr, sp.Function) and isinstance(
            type(expr), sp.core.function.UndefinedFunction
        ):
            return self.function(
                str(expr.func), tuple(self.translate(a) for a in expr.args), expr.args
            )
        if not expr.args:
            return expr
        args = [self.translate(a) for a in expr.args]
        if self.numbers_only and isinstance(expr, (sp.Add, sp.Mul)):
            return expr.func(*args, evaluate=False)  # only evaluated: no need to simplify
        return expr.func(*args)

    # -- an example's class (CS231n's y_i) ---------------------------------------------

    def _is_label(self, e) -> bool:
        return (
            self.class_label is not None
            and isinstance(e, sp.Indexed)
            and (str(e.base), tuple(map(str, e.indices))) == self.class_label
        )

    def _at_label(self, expr: sp.Indexed) -> sp.Expr:
        """``f_{y_i}``: the component at the example's class, with one-hot targets
        ``Σ_m y_m f_m``."""
        if len(expr.indices) != 1:
            raise NotDefined(f"{expr}: one index, the class")
        L = self.network.depth
        m = sp.Symbol(f"{S.index(L)}'{next(_fresh)}")
        body = self.translate(expr.base[m])
        if index_layers(body, m, L) != {L}:
            raise NotDefined(f"{expr.base} indexed by a class is not an output-layer quantity")
        return sp.Sum(S.d[m] * body, (m, 0, S.width(L) - 1))

    def _label_indicator(self, expr: sp.Piecewise) -> sp.Expr | None:
        """``\\mathbb{1}(y_i = k)``: 1 where k is the example's class: with one-hot
        targets, y_k; ``\\mathbb{1}(j = k)`` of two indices is Kronecker's δ."""
        if len(expr.args) != 2 or expr.args[1].cond is not sp.true:
            return None
        (one, cond), (zero, _) = expr.args
        if one != 1 or zero != 0 or not isinstance(cond, sp.Eq):
            return None
        a, b = cond.args
        if self._is_label(b):
            a, b = b, a
        if self._is_label(a) and isinstance(b, sp.Symbol):
            return S.d[b] if self.layer_of_letter(b) == self.network.depth else None
        if all(isinstance(x, sp.Symbol) and x.name.rstrip("'") in self.letters for x in (a, b)):
            return sp.KroneckerDelta(a, b)
        return None

    def batch_sums(self, lhs: sp.Expr, rhs: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        """With a batch: an example's values written without the example's index, in a
        relation about the whole batch (a weight's gradient, the loss), are summed over
        the batch (``dW2_{jk} = hidden_j dscores_k + reg W2_{jk}``: Σ over the rows, as
        ``hidden^T dscores`` does).  Relations about one example stay as they are."""
        if not self.batch:
            return lhs, rhs
        one_l, one_r = _per_example(lhs), _per_example(rhs)
        if one_l == one_r:
            return lhs, rhs
        return (lhs, _over_batch(rhs)) if one_r else (_over_batch(lhs), rhs)

    def _sum(self, body: sp.Expr, dummy, lo, hi) -> sp.Expr:
        """The sum over ``dummy`` of ``body`` (already translated), over its layer's nodes."""
        fresh = sp.Symbol(f"{dummy.name}'{next(_fresh)}")
        body = body.xreplace({dummy: fresh})
        layers = index_layers(body, fresh, self.network.depth) or {self.layer_of_letter(dummy)}
        self._letter_layers.setdefault(dummy.name, set()).update(layers)
        layer = max(layers)
        w0 = self.notation.conventions.bias == "w0"
        bias = sp.Integer(0)
        if str(lo) == "_lo" or not (lo.free_symbols or hi.free_symbols):
            # the layer's nodes; where the indices disagree (a slip), the nodes all share
            lo, hi = sp.Integer(0), sp.Min(*[S.width(n) for n in layers]) - 1
            if w0 and self.network.bias and not self._bias_written:
                # Σ_i w_{ji} x_{ji} over the inputs of unit j: x_{j0} = 1 is one of them
                bias = _bias_input(body, fresh) or sp.Integer(0)
        else:
            lo, hi = self.translate(lo), self.translate(hi)
            whole = lo == 1 and hi in {S.width(n) for n in layers}  # \sum_{k=1}^{K}
            if whole or self.notation.conventions.index_base == 1:
                lo, hi = lo - 1, hi - 1  # nodes counted from 1
            if lo == -1:  # \sum_{i=0}^{D}: term 0 is the bias's, w_{j0} x_0 with x_0 = 1
                bias = _bias_input(body, fresh) if w0 else None
                if bias is None:
                    raise NotDefined(f"{dummy} = 0 names no node (nodes count from 1)")
                if not self.network.bias:
                    raise NotDefined("term 0 of this sum is a bias; this network has none")
                lo = sp.Integer(0)
        if self.network.scalar_output and layer == self.network.depth:
            return body.xreplace({fresh: 0}) + bias
        return sp.Sum(body, (fresh, lo, hi)) + bias

    # -- calculus from the definitions ------------------------------------------------

    def unroll(self, expr: sp.Expr, wrt: sp.Expr | None) -> sp.Expr:
        """Write E, O and net through the forward pass down to ``wrt``'s layer."""
        L = self.network.depth
        bias = self.network.bias
        kind = S.kind_of(wrt.base) if isinstance(wrt, sp.Indexed) else None
        floor = S.layer_of(wrt.base) if kind else 0
        if expr.has(S.E):
            expr = expr.xreplace({S.E: self.loss()})
        for layer in range(L, 0, -1):
            if kind in ("O",) and layer <= floor:
                break
            act = self.network.activations[layer - 1]
            expr = expr.replace(
                lambda e, layer=layer: isinstance(e, sp.Indexed) and e.base == S.O(layer),
                lambda e, layer=layer, act=act: activated(layer, e.indices[0], act),
            )
            if kind == "net" and layer == floor:
                break
            expr = expr.replace(
                lambda e, layer=layer: isinstance(e, sp.Indexed) and e.base == S.net(layer),
                lambda e, layer=layer: _fresh_sums(net_def(layer, e.indices[0], bias)),
            )
            if kind in ("W", "b") and layer == floor:
                break
        return expr

    def update_scale(self) -> sp.Expr:
        from ..notation import update_scale

        return update_scale(self.notation, self.network.loss)

    def example_loss(self) -> sp.Expr:
        """One example's loss from the loss's row of the table (built once per world)."""
        if "example_loss" not in self._partials:
            expr = loss_of(self.network.loss, self.network.depth)
            if self.network.scalar_output:
                expr = expr.replace(
                    lambda e: isinstance(e, sp.Sum),
                    lambda e: e.function.xreplace({e.limits[0][0]: 0}),
                )
            self._partials["example_loss"] = expr
        return self._partials["example_loss"]

    def loss(self) -> sp.Expr:
        """E: the example's loss, or its mean over a batch (conventions.batch_mean), plus
        the weight-decay term where the network has one."""
        if "loss" not in self._partials:
            expr = self.example_loss()
            if self.batch:
                expr = OverBatch(expr) / BATCH_SIZE
            if self.network.weight_decay:
                expr += self._decay()
            self._partials["loss"] = expr
        return self._partials["loss"]

    def _decay(self) -> sp.Expr:
        """(λ/2) Σ w² over every weight, from the model."""
        L = self.network.depth
        return S.lam / 2 * sum(_squares(S.W(n)) for n in range(1, L + 1))

    @contextmanager
    def numbers(self) -> Iterator[None]:
        """Within: derivatives by forward mode only (see :attr:`numbers_only`)."""
        old, self.numbers_only = self.numbers_only, True
        try:
            yield
        finally:
            self.numbers_only = old

    def undefined(self, shown: str, name: str) -> NotDefined:
        """The error for a symbol the notation lacks: its own symbols, and the nearest."""
        n = self.notation
        glyphs = sorted(n.glyphs(), key=lambda g: (g.lstrip("\\").lower(), g))
        bare_glyph = {_strip_braces(g).lstrip("\\"): g for g in glyphs}
        wanted = _strip_braces(name).lstrip("\\")
        if wanted in bare_glyph and shown.startswith("symbol "):
            return NotDefined(f"{shown} without an index is not defined in notation {n.name}")
        near = [g for g in bare_glyph if g.lower() == wanted.lower() and g != wanted]
        near = near or difflib.get_close_matches(wanted, bare_glyph, n=2)
        hint = f"; did you mean {' or '.join(bare_glyph[g] for g in near)}?" if near else ""
        return NotDefined(
            f"{shown} is not defined in notation {n.name} (its symbols: {', '.join(glyphs)}{hint})"
        )

    def partial(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """∂a/∂b, computed from the network's definitions (memoised)."""
        key = (a, b, self.numbers_only)
        if key not in self._partials:
            self._partials[key] = self._partial(a, b)
        return self._partials[key]

    def _partial(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        if isinstance(b, sp.Symbol):
            return sp.diff(a, b)
        if self.batch and a.has(S.E):
            return self._batch_partial(a, b)
        if self.batch and isinstance(a, sp.Add):
            # term by term: a term of one example's values is summed over the batch, the
            # weight-decay term is not (batch_sums); one Partial of the sum would be both
            return sp.Add(*[self.partial(t, b) for t in a.args])
        if not isinstance(b, sp.Indexed) or S.kind_of(b.base) not in ("O", "net", "W", "b"):
            raise NotDefined(f"derivative with respect to {b}")
        if a.has(Partial):
            raise NotDefined("a derivative of a derivative")
        if self.network.depth > 2 or self.numbers_only:
            # unrolling a deep network for SymPy takes seconds per derivative;
            # forward-mode differentiation at each point takes one forward pass
            return Partial(a, b)
        return self.reroll(S.name_fprimes(contract(derivative(self.unroll(a, b), b))))

    def _batch_partial(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """∂E/∂b where E is the batch mean: an example's own value (O, net) moves only its
        own loss, (1/N) ∂ℓ/∂b; a parameter moves every example's, (1/N) Σ_batch ∂ℓ/∂b."""
        if a != S.E:
            raise NotDefined("a derivative of an expression of the batch's loss")
        if not isinstance(b, sp.Indexed) or S.kind_of(b.base) not in ("O", "net", "W", "b"):
            raise NotDefined(f"derivative with respect to {b}")
        mean = OverBatch(self.example_loss()) / BATCH_SIZE
        rest = self.loss() - mean  # the objective's other terms (weight decay)
        data = self.partial(self.example_loss(), b)
        if S.kind_of(b.base) in ("W", "b"):
            data = OverBatch(data)
        return data / BATCH_SIZE + (contract(derivative(rest, b)) if rest != 0 else 0)

    def reroll(self, expr: sp.Expr) -> sp.Expr:
        """Undo :meth:`unroll` where it survived differentiation: a weighted sum
        becomes ``net_l``, ``f_l(net_l)`` becomes ``O_l`` (values a forward pass has)."""
        bias = self.network.bias
        for _ in range(2 * self.network.depth + 1):
            before = expr
            expr = expr.replace(
                lambda e: isinstance(e, sp.Sum) and _is_net(e, bias) is not None,
                lambda e: _is_net(e, bias),
            )
            if bias:
                expr = expr.replace(
                    lambda e: isinstance(e, sp.Add) and _net_plus_bias(e) is not None,
                    lambda e: _net_plus_bias(e),
                )
            expr = expr.replace(
                lambda e: (
                    isinstance(e, sp.Function)
                    and isinstance(e.args[0], sp.Indexed)
                    and str(e.func).startswith("f")
                    and str(e.func)[1:].isdigit()
                    and e.args[0].base == S.net(int(str(e.func)[1:]))
                ),
                lambda e: S.O(int(str(e.func)[1:]))[e.args[0].indices[0]],
            )
            if expr == before:
                break
        return expr


def _merge_layers(into: dict, layers: dict) -> None:
    for letter, found in layers.items():
        into.setdefault(letter, set()).update(found)


def _bias_input(body: sp.Expr, p: sp.Symbol) -> sp.Expr | None:
    """The term of the constant input x_0 = 1 in ``body``, a term ``W_l[p, q] O_{l-1}[p]``
    of a weighted sum of a unit's inputs over ``p``: its weight w_{q0} is the bias
    ``b_l[q]``.  None where ``body`` is no such term."""
    on_p = [e for e in body.atoms(sp.Indexed) if p in e.indices]
    weights = [e for e in on_p if S.kind_of(e.base) == "W" and e.indices[0] == p]
    inputs = [e for e in on_p if S.kind_of(e.base) == "O" and e.indices == (p,)]
    if len(weights) != 1 or len(inputs) != 1 or len(on_p) != 2:
        return None
    (w,), (o,) = weights, inputs
    layer = S.layer_of(w.base)
    if not isinstance(layer, int) or o.base != S.O(layer - 1) or w.indices[1] == p:
        return None
    term = body.xreplace({w: S.b(layer)[w.indices[1]], o: sp.Integer(1)})
    return None if term.has(p) else term


def _scripted(glyph: str) -> tuple[str, tuple[str, ...]] | None:
    """``L_i`` -> ("L", ("i",)): a declared glyph with its subscript, as parsed."""
    if not glyph:
        return None
    base, _, sub = glyph.partition("_")
    return bare(base), tuple(sub.strip("{}").split(",")) if sub else ()


def _declared(n: Notation) -> set[str]:
    """The glyphs a notation declares per layer (not its aliases)."""
    return {bare(c) for c in (*n.outputs, *n.weights, *n.nets, *n.deltas, *n.biases)}


def _per_example(expr: sp.Expr) -> bool:
    """Does ``expr`` hold an example's own value (an input, an output, a pre-activation,
    a target) outside a sum over the batch?"""
    if isinstance(expr, OverBatch):
        return False
    if isinstance(expr, sp.Indexed):
        return S.kind_of(expr.base) in ("O", "net", "d")
    return any(_per_example(a) for a in expr.args)


def _over_batch(expr: sp.Expr) -> sp.Expr:
    """The terms of ``expr`` that hold an example's values, summed over the batch."""
    if not _per_example(expr):
        return expr
    if isinstance(expr, sp.Add):
        return sp.Add(*[_over_batch(t) for t in expr.args])
    if isinstance(expr, sp.Mul):
        fixed = [f for f in expr.args if not _per_example(f)]
        moving = [f for f in expr.args if _per_example(f)]
        if len(moving) == 1 and isinstance(moving[0], sp.Add):
            return sp.Mul(*fixed) * _over_batch(moving[0])
        return sp.Mul(*fixed) * OverBatch(sp.Mul(*moving))
    return OverBatch(expr)


def _weighted_sum(summed: sp.Sum):
    """``Σ_p W_l[p, q] O_{l-1}[p]`` -> (l, q), else None."""
    ((p, lo, hi),) = summed.limits
    factors = sp.Mul.make_args(summed.function)
    if len(factors) != 2 or lo != 0:
        return None
    w = [f for f in factors if isinstance(f, sp.Indexed) and S.kind_of(f.base) == "W"]
    o = [f for f in factors if isinstance(f, sp.Indexed) and S.kind_of(f.base) == "O"]
    if len(w) != 1 or len(o) != 1:
        return None
    (w,), (o,) = w, o
    layer = S.layer_of(w.base)
    if (
        w.indices[0] != p
        or o.indices != (p,)
        or S.layer_of(o.base) != layer - 1
        or hi != S.width(layer - 1) - 1
    ):
        return None
    return layer, w.indices[1]


def _is_net(summed: sp.Sum, bias: bool):
    found = _weighted_sum(summed)
    return None if (found is None or bias) else S.net(found[0])[found[1]]


def _net_plus_bias(expr: sp.Add):
    """``Σ_p W_l[p, q] O_{l-1}[p] + b_l[q] + rest`` -> ``net_l[q] + rest``, else None."""
    terms = list(expr.args)
    for t in terms:
        found = _weighted_sum(t) if isinstance(t, sp.Sum) else None
        if found and S.b(found[0])[found[1]] in terms:
            rest = [u for u in terms if u is not t and u != S.b(found[0])[found[1]]]
            return sp.Add(S.net(found[0])[found[1]], *rest)
    return None


def _free_variable(var: sp.Symbol, world: World) -> bool:
    try:
        world.symbol(var)
    except NotDefined:
        return True
    return False


def index_layers(expr: sp.Expr, idx: sp.Symbol, depth: int) -> set[int]:
    """Every layer whose nodes ``idx`` runs over where it is used in ``expr``
    (``W_l[idx, ·]`` runs over layer l-1, ``W_l[·, idx]`` and ``O_l[idx]`` over l)."""
    layers = set()
    for e in sp.preorder_traversal(expr):
        if isinstance(e, sp.Indexed):
            kind, layer = S.kind_of(e.base), S.layer_of(e.base)
            for pos, i in enumerate(e.indices):
                if i != idx:
                    continue
                if kind == "W":
                    layers.add(layer - 1 if pos == 0 else layer)
                elif kind in ("O", "net", "delta", "b"):
                    layers.add(layer)
                elif kind == "d":
                    layers.add(depth)
    return layers


def _fresh_sums(expr: sp.Expr) -> sp.Expr:
    """Give every summation dummy a fresh name, so a free j never meets a bound j."""
    return expr.replace(
        lambda e: isinstance(e, sp.Sum),
        lambda e: sp.Sum(
            e.function.xreplace(
                {
                    e.limits[0][0]: (
                        f := sp.Symbol(f"{e.limits[0][0].name.rstrip(chr(39))}'{next(_fresh)}")
                    )
                }
            ),
            (f, *e.limits[0][1:]),
        ),
    )


def _vector_index(expr: sp.Expr):
    """The node index of a vector written ``O_j`` (None when there is none or several)."""
    found = {i for e in expr.atoms(sp.Indexed) for i in e.indices if i.is_Symbol}
    return found.pop() if len(found) == 1 else None


def elementwise(plhs: sp.Expr, prhs: sp.Expr, world: World) -> tuple | None:
    """A relation in matrix form (``Δw = η O_j δ_kᵀ``, ``δ_j = O_j ∘ (1 - O_j) ∘ (w δ_k)``)
    as the same relation for one element, or None when it is not in matrix form.

    A vector is named by its node index (``O_j``), so an element of ``u vᵀ`` is
    ``u_j v_k``, ``∘`` multiplies elements, and ``w δ_k`` is ``Σ_k w_{jk} δ_k``
    for the free index j of the other side.  In the book's layout a weight
    matrix is (next layer) × (previous layer), so its element (k, j) is ``W_{j,k}``.
    """
    has = lambda e, name: any(type(f).__name__ == name for f in e.atoms(sp.Function))  # noqa: E731
    if not (has(prhs, "transpose") or has(prhs, "hadamard")):
        return None
    book = world.notation.book_layout
    row_layout = world.notation.conventions.layout == "row"
    rows = [
        f.args[0]
        for f in prhs.atoms(sp.Function)
        if type(f).__name__ == "transpose" and isinstance(f.args[0], sp.Indexed)
    ]
    errors = {world.notation.error, world.notation.matrix_error}
    base, _, word = plhs.name.partition("_") if isinstance(plhs, sp.Symbol) else ("", "", "")
    layer = {"hidden": world.network.depth - 1, "output": world.network.depth}.get(word)
    if base in errors and layer is not None:  # the book's e_hidden: the hidden layer's errors
        plhs = sp.IndexedBase(base)[sp.Symbol(world.notation.letters[layer])]
    whole = None  # the element's index, for a whole matrix in another term (-η λ W)
    if isinstance(plhs, sp.Symbol) and not (base in errors and layer is not None):
        # a matrix: its element from the outer product (the term that has one)
        outer = [t for t in sp.Add.make_args(prhs) if t.has(*rows)] if rows else []
        product = outer[0] if len(outer) == 1 else prhs
        cols = [e for e in sp.Mul.make_args(product) if isinstance(e, sp.Indexed)]
        cols += [
            c
            for f in sp.Mul.make_args(product)
            if type(f).__name__ == "hadamard"
            for c in [f]
            if _vector_index(f) is not None
        ]
        if len(rows) != 1 or not cols:
            return None
        col, row = _vector_index(cols[0]), _vector_index(rows[0])
        if col is None or row is None:
            return None
        # u vᵀ: (u's, v's) index; the book's (next, previous) and row vectors' uᵀ v: (v's, u's)
        index = (row, col) if book or row_layout else (col, row)
        base = plhs.name
        plhs = sp.IndexedBase(base)[index]
        whole = index
    free = {i for e in plhs.atoms(sp.Indexed) for i in e.indices if i.is_Symbol}

    def matvec(term: sp.Expr) -> sp.Expr:
        factors = list(sp.Mul.make_args(term))
        mats = [f for f in factors if isinstance(f, sp.Symbol) and f.name in world.weight_symbols]
        mats += [
            f
            for f in factors
            if type(f).__name__ == "transpose"
            and isinstance(f.args[0], sp.Symbol)
            and f.args[0].name in world.weight_symbols
        ]
        if len(mats) != 1:
            return term
        (m,) = mats
        transposed = type(m).__name__ == "transpose"
        name = world.weight_symbols[(m.args[0] if transposed else m).name]
        rest = sp.Mul(*[f for f in factors if f is not m])
        if whole is not None and not transposed and not rest.atoms(sp.Indexed):
            return rest * sp.IndexedBase(name)[whole]  # λ W: the same element of W
        k = _vector_index(rest)
        (j,) = free - {k} if len(free - {k}) == 1 else (None,)
        if k is None or j is None:
            return term
        if book:
            transposed = not transposed
        if row_layout:  # v W: the vector's index runs over the matrix's rows
            transposed = not transposed
        element = sp.IndexedBase(name)[(k, j) if transposed else (j, k)]
        return sp.Sum(element * rest, (k, sp.Symbol("_lo"), sp.Symbol("_hi")))

    def strip(e: sp.Expr) -> sp.Expr:
        if type(e).__name__ == "transpose" and getattr(e.args[0], "name", None) in (
            world.weight_symbols
        ):
            return e  # Wᵀ u: matvec reads the transpose
        if type(e).__name__ in ("transpose", "hadamard"):
            return sp.Mul(*[strip(a) for a in e.args])
        if isinstance(e, sp.Mul):
            return matvec(sp.Mul(*[strip(a) for a in e.args]))
        if e.args and not isinstance(e, (sp.Indexed, sp.Sum)):
            return e.func(*[strip(a) for a in e.args])
        return e

    return plhs, strip(prhs)
