"""Verdicts: does ``lhs = rhs`` hold for the network of a notation?

A relation is first tried symbolically (both sides unrolled to the inputs,
weights and targets; ``expand`` of the difference is 0), then numerically:
at least 20 random points over three network sizes, relative error < 1e-9.
A failure comes with the difference, a counterexample and, where one fits, a
diagnosis found by computing: a constant factor, a sign, a transposed or
wrongly summed index, a missing factor, one quantity in place of another.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from .. import symbols as S
from ..notation import PRESETS, Notation, for_depth, network_for
from ..numeric import Point, forward
from . import units
from .budget import (
    BACKSTOP_S,
    Overflow,
    TimedOut,
    TooCostly,
    backstop,
    check_evaluation,
    expandable,
)
from .evaluate import Partial, batch, printable_form, values
from .extract import Relation
from .meaning import REAL_VARIABLES, NotDefined, World, elementwise, index_layers
from .parse import (
    BARE_LABEL_BASES,
    FUNCTIONS,
    WORDS,
    LatexSyntaxError,
    Unsupported,
    parse_latex,
)
from .rows import Rows, ShapeMismatch, matrix_symbols
from .vectors import BATCH, batch_glyph
from .vectors import elementwise as vector_element

LAYER_BASES = frozenset({"W", "b", "delta", "net", "O", "h"})
SIZES = {2: [(3, 4, 2), (2, 3, 3), (4, 2, 3)]}
POINTS_PER_SIZE = 7
TOLERANCE = 1e-9


@dataclass
class Verdict:
    line: int
    source: str
    lhs: str
    rhs: str
    op: str
    status: str
    """'holds', 'fails', 'definition', 'not checked'; 'approximation' for a ≈ that is
    not exact."""
    how: str = ""
    """'symbolically' or 'numerically' for holds; the reason for not checked."""
    difference: str = ""
    counterexample: dict = field(default_factory=dict)
    diagnosis: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", {}, None)}


def _sizes(world: World) -> list[tuple[int, ...]]:
    L = world.network.depth
    if world.notation.layers == "numbered":  # w_5, out_{o2}: names of this network's nodes
        return [tuple(world.network.widths)]
    sizes = SIZES.get(L) or [
        tuple([3] + [4] * (L - 1) + [2]),
        tuple([2] + [3] * L),
        tuple([4] + [2] * (L - 1) + [3]),
    ]
    if world.network.scalar_output:
        sizes = [s[:-1] + (1,) for s in sizes]
    return sizes


BATCHES = (3, 4)
"""With a batch-mean loss, the points of one size are batches of these many examples
(3 + 4 = POINTS_PER_SIZE): N differs between batches, so a missing 1/N shows."""


def _points(world: World, seed: int = 0) -> list[Point]:
    rng = np.random.default_rng(seed)
    out = []
    for widths in _sizes(world):
        for n in BATCHES if world.batch else (1,) * POINTS_PER_SIZE:
            shared = {}
            for layer in range(1, len(widths)):
                shared[f"W{layer}"] = rng.normal(0, 0.8, (widths[layer - 1], widths[layer]))
                if world.network.bias:
                    shared[f"b{layer}"] = rng.normal(0, 0.5, widths[layer])
            scalars = {S.eta: float(rng.uniform(0.05, 1.0)), S.lam: float(rng.uniform(0.05, 1.0))}
            examples = []
            for _ in range(n):
                arrays = {"O0": rng.normal(0, 1, widths[0]), **shared}
                if world.class_label and world.network.loss.name == "ce":
                    arrays["d"] = np.eye(widths[-1])[rng.integers(widths[-1])]  # a class
                elif world.network.loss.name == "ce":  # targets of cross-entropy sum to 1
                    arrays["d"] = rng.dirichlet(np.ones(widths[-1]))
                else:
                    arrays["d"] = rng.uniform(0.05, 0.95, widths[-1])
                pt = Point(widths, world.network.activations, arrays, scalars)
                forward(pt)
                examples.append(pt)
            if world.batch:
                for pt in examples:
                    pt.batch = tuple(examples)  # the examples of its batch (evaluate.batch)
            out += examples
    return out


def _free_indices(expr: sp.Expr) -> set:
    return _indices_among(expr.free_symbols)


def _indices_among(symbols: set) -> set:
    return {
        s for s in symbols if isinstance(s, sp.Symbol) and s.is_integer is None and _is_index(s)
    }


INDEX_LETTERS = set("ijklmnpq")
"""Letters that name nodes; a notation adds its own (Mitchell's hidden h)."""


def _is_index(s: sp.Symbol) -> bool:
    letter = s.name.rstrip("'0123456789")
    return len(letter) == 1 and letter in INDEX_LETTERS


def _index_layers(expr: sp.Expr, idx: sp.Symbol, world: World) -> set[int]:
    return index_layers(expr, idx, world.network.depth) or {world.layer_of_letter(idx)}


def _values(expr, env_list, points, loss=None):
    """``expr`` at every point, in float64; :class:`Overflow` where that is not finite."""
    try:
        with np.errstate(all="ignore"):
            out = values(expr, env_list, points, loss)
    except OverflowError as err:
        raise Overflow(str(err)) from None
    if out.dtype.kind == "c" or not np.all(np.isfinite(out)):
        raise Overflow("a value that is not a finite real number in float64")
    return out


class Checker:
    """Checks relations for one notation, caching identical relations."""

    def __init__(self, notation: str | Notation = "doc004", seed: int = 0, network=None) -> None:
        preset = notation if isinstance(notation, Notation) else PRESETS[notation]
        INDEX_LETTERS.update(x for x in preset.letters if len(x) == 1)
        network = network or network_for(preset)
        self.world = World(for_depth(preset, network.depth), network)
        self._points: list[Point] | None = None  # drawn when first needed
        self._preset, self._seed = preset, seed
        self._deep: tuple | None = None
        self._parser_names: tuple | None = None
        self._cache: dict = {}
        self._rng = random.Random(seed)
        self._explain = True

    @property
    def points(self) -> list[Point]:
        """The random networks and examples relations are evaluated at (the same for
        every relation), drawn on first use: a checker that only reads relations, as
        the notation hint's, never evaluates one."""
        if self._points is None:
            self._points = _points(self.world, self._seed)
        return self._points

    @points.setter
    def points(self, points: list[Point]) -> None:
        self._points = points

    def _deep_scope(self) -> tuple:
        """A world for relations about a general layer l: at least 4 weight layers, biases."""
        if self._deep is None:
            net = self.world.network
            if net.depth >= 4 and net.bias:
                self._deep = (self.world, self.points)
            else:
                from ..network import build

                hidden, out = net.activations[0], net.activations[-1]
                acts = net.activations if net.depth >= 4 else (hidden,) * 3 + (out,)
                deep = build(  # the network's own activations, layer by layer
                    widths=tuple((3, 4)[n % 2] for n in range(len(acts))) + (2,),
                    activation=acts,
                    loss=net.loss.name,
                    bias=True,
                )
                world = World(for_depth(self._preset, deep.depth), deep)
                self._deep = (world, _points(world, self._seed))
        return self._deep

    def parse(self, text: str) -> sp.Expr:
        return parse_latex(text, **self._names(self.world))

    def _names(self, w: World) -> dict[str, frozenset[str]]:
        """The names the parser is told of in world ``w``, gathered once per world (they
        were gathered again for every side parsed)."""
        if self._parser_names is not None and self._parser_names[0] is w:
            return self._parser_names[1]
        glyphs = w.output_glyphs | w.net_glyphs | w.delta_glyphs | w.weight_glyphs | {"b"}
        glyphs |= {BATCH} if batch_glyph(w) else set()  # Δ^{(l)}: a batch of δ^{(l)}
        labels = w.notation.layers == "labels"
        subscript = w.notation.prime == "subscript"  # note 003's {\Phi^{(3)}}'_l
        names = {
            "layer_bases": LAYER_BASES | glyphs | (w.activation_names if subscript else set()),
            "bare_labels": BARE_LABEL_BASES | (glyphs if labels else frozenset()),
            "functions": FUNCTIONS | w.activation_names | set(w.layer_functions) | _general(w),
            "words": WORDS | w.vocabulary(),
            "matrices": w.matrices(),
        }
        names = {k: frozenset(v) for k, v in names.items()}
        self._parser_names = (w, names)
        return names

    def check(self, rel: Relation, explain: bool = True) -> Verdict:
        """The verdict on ``rel``.  ``explain=False`` asks only whether it holds: a failure
        comes without its difference and diagnosis (the costly part of a failure), as
        where a continued formula is tried against the formulas it may continue."""
        key = (rel.lhs.strip(), rel.op, rel.rhs.strip(), rel.condition)
        if key not in self._cache:
            state = self._rng.getstate()
            self._cache[key] = (self._check(rel, explain), explain, state)
        cached, explained, state = self._cache[key]
        if explain and not explained and cached.status in ("fails", "approximation"):
            # explained now, at the random draws it had: the verdict it would have had
            now = self._rng.getstate()
            self._rng.setstate(state)
            cached = self._check(rel, explain=True)
            self._rng.setstate(now)
            self._cache[key] = (cached, True, state)
        return Verdict(
            rel.line,
            rel.source,
            rel.lhs,
            rel.rhs,
            rel.op,
            cached.status,
            cached.how,
            cached.difference,
            cached.counterexample,
            cached.diagnosis,
        )

    def _check(self, rel: Relation, explain: bool = True) -> Verdict:
        v = Verdict(rel.line, rel.source, rel.lhs, rel.rhs, rel.op, "not checked")
        self._explain = explain
        try:
            with backstop(BACKSTOP_S):
                return self._check_within_budget(rel, v)
        except TooCostly as err:
            v.how = str(err)
        except TimedOut:
            v.how = f"too costly: it took more than {BACKSTOP_S:.0f} s"
        except RecursionError:
            v.how = "too costly: nested too deeply"
        except Overflow:
            v.how = "overflow"
        v.status, v.difference, v.counterexample, v.diagnosis = "not checked", "", {}, ""
        return v

    def _check_within_budget(self, rel: Relation, v: Verdict) -> Verdict:
        if rel.op == "≈":  # judged as an equation; where it is not exact, by how much
            v = self._check_within_budget(replace(rel, op="="), v)
            if v.status == "fails" and v.counterexample:
                a, b = v.counterexample["lhs"], v.counterexample["rhs"]
                gap = abs(a - b) / max(abs(a), abs(b), 1e-300)
                v.status, v.how = (
                    "approximation",
                    f"off the exact value by up to {gap:.2g} relative",
                )
            return v
        if rel.op not in ("=", "≡"):  # ≡: a definition, judged like one
            v.how = f"relation '{rel.op}' is not an equation"
            return v
        try:
            plhs = self.parse(rel.lhs)
            # columns count in the relation as printed: "lhs op rhs"
            offset = len(f"{rel.lhs.strip()} {rel.op} ") - (len(rel.rhs) - len(rel.rhs.lstrip()))
            prhs = self.parse(rel.rhs)
        except LatexSyntaxError as err:  # TooCostly: see _check
            shift = offset if "plhs" in locals() else -(len(rel.lhs) - len(rel.lhs.lstrip()))
            v.how = f"cannot read it: {_shift_column(err, shift)}"
            return v
        except Unsupported as err:
            v.how = f"cannot read it: {err}"
            return v
        names = self.world.matrices()
        if names and (matrix_symbols(plhs, names) or matrix_symbols(prhs, names)):
            try:  # a batch in rows (CS231n's hidden^T dscores): one element
                plhs, prhs = Rows(self.world).relation(plhs, prhs)
            except ShapeMismatch as err:
                v.status, v.diagnosis = "fails", str(err)
                return v
            except ValueError as err:
                v.how = f"cannot read it as matrices: {err}"
                return v
        if self.world.notation.layers == "labels" or _labelled_vectors(plhs, prhs, self.world):
            # whole-layer vectors (delta^{(l)} in any notation): element j
            try:
                element = vector_element(plhs, prhs, self.world)
            except ValueError as err:
                v.how = f"cannot read it as vectors: {err}"
                return v
            if element is not None:
                plhs, prhs = element
        plhs, prhs = _scalar_norms(plhs), _scalar_norms(prhs)
        if all(isinstance(p, sp.Symbol) and _is_index(p) for p in (plhs, prhs)):
            v.how = f"a condition on indices ({plhs} = {prhs}), not a claim"
            return v
        labels = _general_labels(plhs) | _general_labels(prhs)
        if labels:
            return self._every_layer(v, plhs, prhs, labels)
        generic = units.generic_letters((plhs, prhs), self.world)
        allowed = {}
        if rel.condition:  # k \in \text{outputs}: the units the relation is about
            try:
                allowed = units.condition_layers(rel.condition, self.world)
            except ValueError as err:
                v.how = f"cannot read the condition {rel.condition}: {err}"
                return v
            outside = units.excluded(allowed, generic, self.world)
            if outside:
                v.how = f"the condition {rel.condition} leaves out {outside}"
                return v
        if generic:
            v = self._every_unit(v, plhs, prhs, generic, allowed)
            if allowed and v.status != "not checked":
                v.how = f"{v.how}, for {rel.condition}".lstrip(", ")
            return v
        return self._judge(v, plhs, prhs)

    def _every_unit(self, v: Verdict, plhs, prhs, generic: list, allowed=None) -> Verdict:
        """A relation about "any unit j" holds if it holds for every layer j can be on
        (and, where it states a condition such as ``k \\in \\text{outputs}``, the
        condition allows)."""
        every = units.assignments((plhs, prhs), self.world, generic, allowed)
        if not every and allowed:
            v.how = "no layer of the network fits the relation and its condition"
            return v
        if not every:
            return self._judge(v, plhs, prhs)  # no layer fits: the usual reason says why
        verdicts = []
        for at in every:
            one = Verdict(v.line, v.source, v.lhs, v.rhs, v.op, "not checked")
            try:
                lhs, rhs = units.renamed((plhs, prhs), self.world, at)
            except ValueError:  # a layer no letter of this network names
                continue
            verdicts.append((at, self._judge(one, lhs, rhs)))
        if not verdicts:
            return self._judge(v, plhs, prhs)
        if len(verdicts) == 1:
            return verdicts[0][1]
        for at, one in verdicts:
            if one.status in ("fails", "not checked", "approximation"):
                where = units.describe(at, self.world)
                one.diagnosis = (f"for {where}: " + one.diagnosis).rstrip(": ")
                if one.status == "not checked":
                    one.how = f"{one.how} (for {where})"
                return one
        first = verdicts[0][1]
        statuses = {one.status for _, one in verdicts}
        if statuses != {first.status}:  # a definition on one layer, derived on another
            first = next(one for _, one in verdicts if one.status == "holds")
        names = ", ".join(g.name for g in generic)
        pronoun = "they" if len(generic) > 1 else "it"
        first.how = f"{first.how}, for {names} on every layer {pronoun} can name"
        return first

    def _every_layer(self, v: Verdict, plhs, prhs, labels: set) -> Verdict:
        """``δ^{(l)} = ...`` holds if it holds for every layer l it can name."""
        world, points = self._deep_scope()
        saved = self.world, self.points
        self.world, self.points = world, points
        try:
            L = world.network.depth
            number = world.notation.first_layer  # the notation's number of the input layer
            letter = min(_LABEL.search(label).group(1) for label in labels)  # l, or k
            verdicts = []
            for layer in range(0, L + 1):
                rename = {}
                for label in labels:
                    value = _label_value(label, layer, L)
                    base = label.split("^(")[0]
                    lowest = 0 if base in world.output_glyphs else 1
                    if value is None or not lowest <= value <= L:
                        break
                    rename[label] = f"{base}^({value + number})"
                else:
                    one = Verdict(v.line, v.source, v.lhs, v.rhs, v.op, "not checked")
                    verdicts.append(
                        (layer, self._judge(one, _relabel(plhs, rename), _relabel(prhs, rename)))
                    )
        finally:
            self.world, self.points = saved
        if not verdicts:
            v.how = "no layer of the network fits these layer labels"
            return v
        for layer, one in verdicts:
            if one.status in ("fails", "not checked"):
                one.diagnosis = (f"for {letter} = {layer + number}: " + one.diagnosis).rstrip(": ")
                return one
        first = verdicts[0][1]
        layers = ", ".join(str(n + number) for n, _ in verdicts)
        first.how = f"{first.how}, for every {letter} = {layers} of a {L}-layer network"
        return first

    def _judge(self, v: Verdict, plhs, prhs) -> Verdict:
        if isinstance(plhs, sp.MatrixBase) and isinstance(prhs, sp.MatrixBase):
            return _matrix_identity(v, plhs, prhs)
        element = elementwise(plhs, prhs, self.world)
        if element is not None:
            plhs, prhs = element
        try:
            lhs, rhs = self.world.translate_relation(plhs, prhs)
        except NotDefined as err:
            v.how = str(err)
            return v
        except (Overflow, TooCostly):
            raise
        except (TypeError, ValueError, AttributeError) as err:
            v.how = f"construct not supported: {err}"
            return v
        if self._local_definition(plhs):
            v.status = "definition"
            v.how = f"names {plhs} for a worked example"
            return v
        definition = self._definition_kind(plhs, prhs)
        try:
            return self._decide(v, lhs, rhs, plhs, prhs, definition)
        except (Overflow, TooCostly):
            raise
        except (TypeError, KeyError, IndexError, ValueError, ZeroDivisionError) as err:
            v.how = f"cannot evaluate: {err}"
            return v

    def _definition_kind(self, plhs: sp.Expr, prhs: sp.Expr) -> bool:
        """Is ``lhs = rhs`` the notation's own definition of the symbol on the left?"""
        w = self.world
        base = str(plhs.base) if isinstance(plhs, sp.Indexed) else str(plhs)
        glyph = base.split("^(")[0]  # z^(l) -> z
        loss = lambda d: w.is_loss(d.expr)  # noqa: E731 - E, or E_n of the example n
        if isinstance(plhs, sp.Indexed) and glyph in w.delta_glyphs:
            return (
                prhs.has(sp.Derivative)
                and any(isinstance(d, sp.Derivative) and loss(d) for d in prhs.atoms(sp.Derivative))
                and len(prhs.atoms(sp.Derivative)) == 1
            )
        if isinstance(plhs, sp.Function) and (
            str(plhs.func) in w.activation_names or str(plhs.func) in w.layer_functions
        ):
            return not plhs.has(sp.Indexed)  # f(x) = ...: what the activation is
        if base.startswith("Delta "):  # Δw = -η ∂E/∂w: by the quantity it updates
            ds = prhs.atoms(sp.Derivative)
            by = lambda d: getattr(d.variables[0], "base", d.variables[0])  # noqa: E731
            return len(ds) == 1 and loss(d := next(iter(ds))) and str(by(d)) == base[6:]
        if (
            glyph in w.loss_names
            or glyph in w.net_glyphs
            or base in w.output_names
            or ("^(" in base and glyph in w.output_glyphs)
        ):
            return not prhs.has(sp.Derivative)
        return False

    def _local_definition(self, plhs: sp.Expr) -> bool:
        """``y = x`` in a worked example: a letter the notation leaves free is being named."""
        return (
            isinstance(plhs, sp.Symbol)
            and plhs.name in REAL_VARIABLES
            and not (
                self.world.network.scalar_output and plhs.name == self.world.notation.outputs[-1]
            )
        )

    def _envs(self, free: set, lhs: sp.Expr, rhs: sp.Expr) -> list[dict]:
        order = sorted(free, key=str)
        both = sp.Tuple(lhs, rhs)  # not lhs + rhs: that is 0 when they differ in sign
        layers = {idx: _index_layers(both, idx, self.world) for idx in order}  # once
        envs = []
        for pt in self.points:
            env = {}
            for idx in order:
                env[idx] = self._rng.randrange(min(pt.widths[n] for n in layers[idx]))
            envs.append(env)
        return envs

    def _decide(self, v, lhs, rhs, plhs, prhs, definition) -> Verdict:
        loss = self._loss
        lhs, rhs = _with_loss(lhs, loss), _with_loss(rhs, loss)
        symbols_l, symbols_r = lhs.free_symbols, rhs.free_symbols  # (a walk each: once)
        free_l, free_r = _indices_among(symbols_l), _indices_among(symbols_r)
        free = free_l | free_r
        # plain real variables (the x of d/dx sigmoid(x)) get random values too
        reals = {
            s
            for s in symbols_l | symbols_r
            if isinstance(s, sp.Symbol) and s.name in REAL_VARIABLES and s not in free
        }
        envs = self._envs(free, lhs, rhs)
        for env in envs:
            for s in reals:
                env[s] = self._rng.uniform(-2, 2)
        widths = self._widths()
        check_evaluation(lhs, widths)
        check_evaluation(rhs, widths)
        lv = _values(lhs, envs, self.points, self._loss)
        rv = _values(rhs, envs, self.points, self._loss)
        scale = np.maximum(np.maximum(abs(lv), abs(rv)), 1e-12)
        close = bool(np.all(abs(lv - rv) <= TOLERANCE * scale))
        if close and free_l != free_r:  # Σ_{l'} δ_{ll'} O_{l'} has no m: equal for every m?
            close = self._same_for_every(free_l ^ free_r, free, lhs, rhs, envs)
        if definition:
            v.status = "definition"
            v.how = "agrees with the notation's definition" if close else ""
            if close:
                return v
        if close:
            v.status = "holds"
            v.how = "symbolically" if _symbolic_zero(lhs - rhs) else "numerically"
            return v
        v.status = "fails"
        worst = int(np.argmax(abs(lv - rv) / scale))
        v.counterexample = {
            "sizes": list(self.points[worst].widths),
            **{
                str(k): int(val) if not isinstance(val, float) else val
                for k, val in envs[worst].items()
            },
            "lhs": float(lv[worst]),
            "rhs": float(rv[worst]),
        }
        if not self._explain:
            return v
        v.difference = self._show(lhs - rhs)
        v.diagnosis = self._diagnose(lhs, rhs, lv, rv, envs, free_l, free_r, plhs, prhs)
        return v

    def _same_for_every(self, extra: set, free: set, lhs, rhs, envs) -> bool:
        """Do the sides still agree with the indices that only one side has moved to other
        nodes?  Then that side does not depend on them, and the relation holds for each."""
        both = sp.Tuple(lhs, rhs)
        layers = {idx: _index_layers(both, idx, self.world) for idx in extra}
        moved = []
        for pt, env in zip(self.points, envs, strict=True):
            env = dict(env)
            for idx in extra:
                width = min(pt.widths[n] for n in layers[idx])
                if width > 1:  # (one node: its one value is checked already)
                    env[idx] = (env[idx] + 1 + self._rng.randrange(width - 1)) % width
            moved.append(env)
        lv = _values(lhs, moved, self.points, self._loss)
        rv = _values(rhs, moved, self.points, self._loss)
        scale = np.maximum(np.maximum(abs(lv), abs(rv)), 1e-12)
        return bool(np.all(abs(lv - rv) <= TOLERANCE * scale))

    @property
    def _loss(self) -> sp.Expr:
        return self.world.loss()

    def _widths(self) -> dict:
        """The largest width of each layer over the points: the sizes a sum runs over."""
        depth = len(self.points[0].widths)
        return {S.width(n): max(pt.widths[n] for pt in self.points) for n in range(depth)}

    def _one_term(self, plhs, rhs, envs, rv) -> str:
        """``E = (t_k - o_k)^2``: the right side is one output's term of E's sum."""
        if not (isinstance(plhs, sp.Symbol) and plhs.name == "E"):
            return ""
        loss = self.world.loss()
        sums = [s for s in sp.preorder_traversal(loss) if isinstance(s, sp.Sum)]
        free = _free_indices(rhs)
        if not sums or len(free) != 1:
            return ""
        (k,) = free
        outer = sums[0]
        term = loss.xreplace({outer: outer.function.xreplace({outer.limits[0][0]: k})})
        try:
            tv = _values(term, envs, self.points, self._loss)
        except Overflow:
            return ""
        if np.allclose(tv, rv, rtol=1e-9, atol=1e-12):
            return (
                f"E sums over every output; the right side is only the term of output {k} "
                "(the terms of the other outputs do not depend on this weight, so the "
                "derivatives agree, but the equation does not hold)"
            )
        return ""

    def _show(self, expr: sp.Expr) -> str:
        """An expression in the notation's own LaTeX (``O_{k}``, not ``O2[k]``)."""
        from ..printing.latex import printer

        depth = self.world.network.depth
        expr = _ground(expr)
        for layer, act in enumerate(self.world.network.activations, start=1):
            expr = _in_outputs(expr, layer, act)  # f'(net_k) -> O_k (1 - O_k)
        expr = expr.replace(  # the verifier's fresh dummies -> the notation's letters
            lambda e: isinstance(e, sp.Sum) and index_layers(e.function, e.limits[0][0], depth),
            lambda e: e.xreplace(
                {e.limits[0][0]: S.index(max(index_layers(e.function, e.limits[0][0], depth)), 1)}
            ),
        )
        letters = {
            i: S.index(self.world.letters[i.name])
            for i in expr.atoms(sp.Symbol)
            if i.name in self.world.letters
        }
        expr = expr.xreplace(letters)
        expr = _plain_dummies(expr)
        free = frozenset(letters.values())
        try:
            text = printer(self.world.notation, free=free).doprint(
                sp.factor_terms(printable_form(expr))
            )
        except Exception:  # noqa: BLE001 - fall back to SymPy's plain form
            text = sp.sstr(_ground(expr))
        return text if len(text) <= 300 else text[:297] + "..."

    def _holds_with(self, plhs, new_rhs, lv, envs) -> bool:
        try:
            with self.world.numbers():
                b = self.world.translate(new_rhs)
            bv = _values(b, envs, self.points, self._loss)
            return bool(np.allclose(lv, bv, rtol=1e-9, atol=1e-12))
        except (NotDefined, TypeError, KeyError, IndexError, ValueError):  # Overflow too
            return False

    def _inverted_condition(self, plhs, prhs, lv, envs) -> str:
        """A condition the wrong way round: ``\\mathbb{1}(h_j < 0)`` (or a case) where the
        relation holds with ``h_j \\ge 0``: ReLU's mask inverted."""
        for piecewise in sorted(prhs.atoms(sp.Piecewise), key=str):
            for cond, _ in ((c, e) for e, c in piecewise.args):
                if not isinstance(cond, sp.core.relational.Relational):
                    continue
                flipped = prhs.xreplace({cond: cond.negated})
                if flipped != prhs and self._holds_with(plhs, flipped, lv, envs):
                    return (
                        f"the condition {_tex_relation(cond)} is the wrong way round: the "
                        f"relation holds with {_tex_relation(cond.negated)}"
                    )
        return ""

    def _transposed(self, plhs, prhs, lv, envs) -> str:
        """A weight written w_{kj} for w_{jk}, or two index letters swapped on the right."""
        for item in sorted(prhs.atoms(sp.Indexed), key=str):
            if len(item.indices) == 2 and item.indices[0] != item.indices[1]:
                flipped = item.base[item.indices[::-1]]
                if self._holds_with(plhs, prhs.xreplace({item: flipped}), lv, envs):
                    return f"transposed index: {_tex(item)} should be {_tex(flipped)}"
        letters = sorted(
            {i for e in prhs.atoms(sp.Indexed) for i in e.indices if i.is_Symbol}
            & plhs.atoms(sp.Symbol),
            key=str,
        )
        for n, a in enumerate(letters):
            for b in letters[n + 1 :]:
                if self._holds_with(plhs, prhs.xreplace({a: b, b: a}), lv, envs):
                    return f"transposed index: {a} and {b} are swapped on the right"
        return ""

    def _quantity_swap(self, plhs, prhs, lv, rv, envs) -> str:
        for description, new_l, new_r in _variants(plhs, prhs):
            try:
                with self.world.numbers():
                    a, b = self.world.translate(new_l), self.world.translate(new_r)
                if _free_indices(a) != _free_indices(b):
                    continue
                av = _values(a, envs, self.points, self._loss)
                bv = _values(b, envs, self.points, self._loss)
            except (NotDefined, TypeError, KeyError, IndexError, ValueError):
                continue
            if np.allclose(av, bv, rtol=1e-9, atol=1e-12):
                return description
        return ""

    def _diagnose(self, lhs, rhs, lv, rv, envs, free_l, free_r, plhs, prhs) -> str:
        nonzero = abs(rv) > 1e-12
        term = self._one_term(plhs, rhs, envs, rv)
        if term:
            return term
        inverted = self._inverted_condition(plhs, prhs, lv, envs)
        if inverted:
            return inverted
        if free_l != free_r:
            extra = ", ".join(sorted(map(str, (free_r - free_l) | (free_l - free_r))))
            wrong_sum = _wrong_sum(prhs) or _wrong_sum(plhs)
            if wrong_sum:
                return wrong_sum
            swapped = self._quantity_swap(plhs, prhs, lv, rv, envs)
            return (
                swapped
                or _kept_free(plhs, prhs)
                or (f"the two sides have different free indices ({extra})")
            )
        if self.world.batch:  # N differs between batches: a factor N is no constant
            n = np.array([len(batch(pt)) for pt in self.points], dtype=float)
            glyph = self.world.notation.batch_size or "N"
            if np.allclose(lv * n, rv, rtol=1e-9, atol=1e-12):
                return f"a missing 1/{glyph}: the loss is the mean over the {glyph} examples"
            if np.allclose(lv, rv * n, rtol=1e-9, atol=1e-12):
                return f"a 1/{glyph} too many on the right: left = {glyph} × right"
        if nonzero.any():
            ratio = lv[nonzero] / rv[nonzero]
            if np.allclose(ratio, ratio[0], rtol=1e-7):
                r = ratio[0]
                if not np.allclose(lv[~nonzero], 0, atol=1e-12):  # right 0, left not
                    if np.isclose(r, 0):
                        return (
                            "the two sides are never both nonzero: where the right side "
                            "is not 0 the left side is, and the other way round (a "
                            "condition that picks the wrong points?)"
                        )
                    return (
                        "the right side is 0 at points where the left side is not (a "
                        "condition that picks too few points?)"
                    )
                if np.isclose(r, 0):
                    return (
                        "the left side is 0 here: it does not depend on what it is "
                        "differentiated by"
                    )
                if np.isclose(r, -1):
                    return "sign: the two sides differ only in sign"
                frac = sp.nsimplify(r, tolerance=1e-9, rational=True)
                return f"off by a constant factor: left = {frac} × right" + (
                    " (a factor 2 was dropped)" if frac in (2, sp.Rational(1, 2)) else ""
                )
        wrong_sum = _wrong_sum(prhs) or _wrong_sum(plhs) or _kept_free(plhs, prhs)
        if wrong_sum:
            return wrong_sum
        transposed = self._transposed(plhs, prhs, lv, envs)
        if transposed:
            return transposed
        swapped = self._quantity_swap(plhs, prhs, lv, rv, envs)
        if swapped:
            return swapped
        # a missing factor: the ratio is a simple expression of the network
        symbolic = not (lhs.has(Partial) or rhs.has(Partial))  # numbers say nothing more
        if nonzero.all() and symbolic and expandable(lhs) and expandable(rhs):
            try:
                ratio = sp.factor(sp.cancel(_ground(lhs) / _ground(rhs)))
                if sp.count_ops(ratio) <= 12 and ratio != 1:
                    return f"a missing factor: left = right × {self._show(ratio)}"
            except (sp.PolynomialError, TypeError):
                pass
        return ""


SWAPS = {
    "v": ("w",),
    "w": ("v",),
    "net": ("O", "o"),
    "O": ("net",),
    "o": ("net",),
    "W^(1)": ("W^(2)",),
    "W^(2)": ("W^(1)",),
}


def _rename(expr: sp.Expr, old: str, new: str) -> sp.Expr:
    return expr.replace(
        lambda e: isinstance(e, sp.IndexedBase) and str(e) == old, lambda e: sp.IndexedBase(new)
    )


def _variants(plhs: sp.Expr, prhs: sp.Expr):
    """(description, lhs, rhs) with one name replaced by one it is often confused with,
    or the E of a derivative replaced by the quantity the chain rule meant."""
    for side, expr in (("right", prhs), ("left", plhs)):
        for base in sorted({str(i.base) for i in expr.atoms(sp.Indexed)}):
            for other in SWAPS.get(base, ()):
                new = _rename(expr, base, other)
                yield (
                    f"a quantity in place of another: {base} is written where {other} "
                    f"belongs (on the {side})",
                    *((plhs, new) if side == "right" else (new, prhs)),
                )
        quantities = sorted(
            {v for d in (plhs, prhs) for der in d.atoms(sp.Derivative) for v in der.variables}
            | {i for d in (plhs, prhs) for i in d.atoms(sp.Indexed)},
            key=str,
        )
        for der in sorted(expr.atoms(sp.Derivative), key=str):
            # the right numerator, the wrong denominator: ∂E/∂net_j for ∂E/∂O_j
            if len(der.variables) != 1:
                continue
            for q in quantities:
                if q == der.variables[0] or not isinstance(q, sp.Indexed):
                    continue
                new = expr.xreplace({der: sp.Derivative(der.expr, q, evaluate=False)})
                yield (
                    f"a quantity in place of another: ∂{der.expr}/∂{_tex(der.variables[0])} is "
                    f"written where ∂{der.expr}/∂{_tex(q)} belongs (on the {side})",
                    *((plhs, new) if side == "right" else (new, prhs)),
                )
        for der in expr.atoms(sp.Derivative):
            if str(der.expr) == "E":
                for q in sorted(
                    {i for i in (plhs, prhs)[0].atoms(sp.Indexed)}
                    | {i for i in prhs.atoms(sp.Indexed)},
                    key=str,
                ):
                    if q == der.variables[0]:
                        continue
                    new = expr.xreplace({der: sp.Derivative(q, der.variables[0], evaluate=False)})
                    yield (
                        f"a quantity in place of another: ∂E/∂{der.variables[0]} is written "
                        f"where ∂{q}/∂{der.variables[0]} belongs (on the {side})",
                        *((plhs, new) if side == "right" else (new, prhs)),
                    )


_DUMMY = re.compile(r"([A-Za-z]+)'\d+$")


def _in_outputs(expr: sp.Expr, layer: int, act) -> sp.Expr:
    """For display: ``f_l(net_q) -> O_q`` and ``f_l'(net_q) -> g(O_q)`` where the
    activation's row has such a form (sigmoid: ``O_q (1 - O_q)``)."""
    from ..functions import y

    def on_net(e) -> bool:
        a = e.args[0] if len(e.args) == 1 else None
        return isinstance(a, sp.Indexed) and a.base == S.net(layer)

    # the functions applied in expr, once: a layer's f and f' are looked for (and f's
    # form worked out) only where expr has them
    applied = {e.func for e in expr.atoms(AppliedUndef)}
    if act.expr is not None and S.df(layer) in applied:
        form = _slope_form(act.expr)
        if form is not None:
            expr = expr.replace(
                lambda e: getattr(e, "func", None) == S.df(layer) and on_net(e),
                lambda e: form.xreplace({y: S.O(layer)[e.args[0].indices[0]]}),
            )
    if S.f(layer) not in applied:
        return expr
    return expr.replace(
        lambda e: getattr(e, "func", None) == S.f(layer) and on_net(e),
        lambda e: S.O(layer)[e.args[0].indices[0]],
    )


@cache
def _slope_form(f: sp.Expr) -> sp.Expr | None:
    """f' written in f's output y (sigmoid: ``y (1 - y)``), a constant slope as it is, or
    None: once per activation."""
    from ..functions import output_form, x

    slope = sp.diff(f, x)
    return output_form(f) if slope.has(x) else slope


def _with_loss(expr: sp.Expr, loss: sp.Expr) -> sp.Expr:
    """E replaced by the loss, except inside a numerical derivative (it prints as ∂E)."""
    masks = {p: sp.Dummy() for p in expr.atoms(Partial)}
    out = expr.xreplace(masks).xreplace({S.E: loss})
    return out.xreplace({m: p for p, m in masks.items()}) if masks else out


def _scalar_norms(expr):
    """A norm left after reading whole-layer vectors is of a scalar: its absolute value."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(lambda e: type(e).__name__ == "norm", lambda e: sp.Abs(e.args[0]))


def _shift_column(err: LatexSyntaxError, offset: int) -> str:
    text = str(err)
    head = f"column {err.column}:"
    if err.column is None or not text.startswith(head):
        return text
    return f"column {err.column + offset}:" + text[len(head) :]


def _plain_dummies(expr: sp.Expr) -> sp.Expr:
    """The verifier's fresh summation indices (``i'49``) under their written letter
    (``i``, or ``i'`` where ``i`` is taken): no internal name reaches the user."""
    dummies = [
        (sym, m) for sym in sorted(expr.atoms(sp.Symbol), key=str) if (m := _DUMMY.match(sym.name))
    ]
    if not dummies:  # (free_symbols walks the whole expression)
        return expr
    taken = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    rename = {}
    for sym, m in dummies:
        name = m.group(1)
        while name in taken:
            name += "'"
        taken.add(name)
        rename[sym] = sp.Symbol(name, integer=sym.is_integer)
    return expr.xreplace(rename) if rename else expr


def _ground(expr: sp.Expr) -> sp.Expr:
    """Re-roll f_l(net) into O_l for a readable ratio (symbolic only)."""
    return expr.replace(
        lambda e: (
            isinstance(e, sp.Function)
            and str(e.func).startswith("f")
            and str(e.func)[1:].isdigit()
            and isinstance(e.args[0], sp.Indexed)
        ),
        lambda e: S.O(int(str(e.func)[1:]))[e.args[0].indices[0]],
    )


_LABEL = re.compile(r"\^\(([a-z]|L)([+-]\d+)?\)$")
"""A layer label: a general layer (l, or Goodfellow's k), or the last one (L)."""


def _general(world: World) -> set[str]:
    """The activations of a general layer, ``f^{(l)}``, ``f^{(l+1)}`` (Goodfellow's k)."""
    return {f"{a}^({x}{o})" for a in world.activation_names for x in "lk" for o in ("", "+1", "-1")}


def _general_labels(parsed: sp.Expr) -> set[str]:
    """Names such as ``W^(l+1)``: quantities of a general layer l."""
    names = {str(b) for b in parsed.atoms(sp.IndexedBase)}
    names |= {str(f.func) for f in parsed.atoms(sp.Function)}  # f^(l)
    return {n for n in names if (m := _LABEL.search(n)) and m.group(1) != "L"}


def _label_value(label: str, layer: int, depth: int) -> int | None:
    m = _LABEL.search(label)
    if m is None:
        return None
    base = depth if m.group(1) == "L" else layer
    return base + int(m.group(2) or 0)


def _relabel(parsed: sp.Expr, rename: dict) -> sp.Expr:
    parsed = parsed.replace(
        lambda e: isinstance(e, sp.IndexedBase) and str(e) in rename,
        lambda e: sp.IndexedBase(rename[str(e)]),
    )
    return parsed.replace(  # f^{(l)}: the activation of layer l
        lambda e: isinstance(e, sp.Function) and str(e.func) in rename,
        lambda e: sp.Function(rename[str(e.func)])(*e.args),
    )


def _labelled_vectors(plhs, prhs, world: World) -> bool:
    r"""Does a side name a whole layer by its label (``\delta^{(l)}``, ``O^{(l-1)}``)?"""
    from .vectors import _kind

    return any(
        _kind(s, world) == "vector" and s.name != world.notation.target
        for side in (plhs, prhs)
        for s in side.atoms(sp.Symbol)
    )


def _matrix_identity(v: Verdict, lhs: sp.MatrixBase, rhs: sp.MatrixBase) -> Verdict:
    """Two written-out matrices (note 001's worked products): an identity in the
    symbols as written, entry by entry; the network gives them no meaning."""
    names = [e for e in lhs if isinstance(e, (sp.Symbol, sp.Indexed))]
    if len(names) == len(lhs) and not any(rhs.has(e) for e in names):
        v.status, v.how = "definition", "names the entries on the left"
        return v
    if lhs.shape != rhs.shape:
        v.status = "fails"
        v.diagnosis = f"the shapes differ: {lhs.shape[0]}×{lhs.shape[1]} and " + (
            f"{rhs.shape[0]}×{rhs.shape[1]}"
        )
        return v
    for (r, c), entry in zip(
        ((r, c) for r in range(lhs.rows) for c in range(lhs.cols)), lhs - rhs, strict=True
    ):
        if sp.simplify(entry) != 0:
            v.status = "fails"
            v.diagnosis = f"entry ({r + 1}, {c + 1}) differs"
            v.difference = sp.sstr(sp.simplify(entry))
            return v
    v.status, v.how = "holds", "symbolically, entry by entry"
    return v


def _tex_relation(rel) -> str:
    """``h_{j} < 0`` as a person writes it."""
    ops = {"<": "<", ">": ">", "<=": r"\le", ">=": r"\ge", "==": "=", "!=": r"\ne"}
    return f"{_tex(rel.lhs)} {ops.get(rel.rel_op, rel.rel_op)} {_tex(rel.rhs)}"


def _tex(item: sp.Indexed) -> str:
    if not isinstance(item, sp.Indexed):
        return str(item)
    return f"{item.base}_{{{''.join(map(str, item.indices))}}}"


def _kept_free(plhs: sp.Expr, prhs: sp.Expr) -> str:
    for one, other, side in ((prhs, plhs, "left"), (plhs, prhs, "right")):
        for summed in one.atoms(sp.Sum):
            dummy = summed.limits[0][0]
            if dummy in other.atoms(sp.Symbol) and summed.function.has(dummy):
                return (
                    f"the sum runs over {dummy}, which the {side} side keeps free: "
                    f"only the term {dummy} survives, so there is nothing to sum"
                )
    return ""


def _wrong_sum(parsed: sp.Expr) -> str:
    for s in parsed.atoms(sp.Sum):
        dummy = s.limits[0][0]
        if not s.function.has(dummy):
            others = sorted(
                {str(i) for e in s.function.atoms(sp.Indexed) for i in e.indices if i.is_Symbol}
            )
            return (
                f"wrong summation index: the sum runs over {dummy}, but its terms depend on "
                f"{', '.join(others) or 'no index'}, not on {dummy}"
            )
    return ""


def _symbolic_zero(diff: sp.Expr) -> bool:
    if not expandable(diff):
        return False
    try:
        return sp.expand(diff) == 0
    except Exception:  # noqa: BLE001 - any failure just means "not shown symbolically"
        return False
