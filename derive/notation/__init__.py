"""Notation as one model: how a text names each quantity, and its conventions.

A :class:`Notation` is data (see :mod:`derive.notation.model`): for every
:class:`~derive.model.quantities.Kind` of quantity a glyph, a rule for naming
layers, and the conventions of its text.  Presets live in one table
(:mod:`derive.notation.presets`); a user's notation file (TOML) extends one
(:mod:`derive.notation.files`).

Public API (for the printers and for the checker)
-------------------------------------------------
``PRESETS``                          name -> Notation, every preset.
``load_notation(path_or_name)``      a preset by name or a ``.toml`` notation file
                                     (``extends = "nielsen"``); bad files raise
                                     :class:`derive.errors.InputError` naming the key.
``notation_from_front_matter(text)`` the ``[notation]`` table of a note's front matter
                                     (``+++`` TOML in Markdown, ``%`` lines in .tex), or None.
``front_matter(text)``               the whole front matter as a table ([notation], [numbers]).
``notation.glyph(kind)``             the glyph of a quantity kind (``Kind.PREACT`` -> ``z``).
``notation.symbol(quantity, depth)`` the LaTeX name of a typed quantity at a layer,
                                     layer label included, node indices excluded
                                     (``Quantity(WEIGHT, 2)`` -> ``w^{L}`` in nielsen,
                                     ``w`` in doc004).
``notation.layer_label(layer, depth)`` the label a layer gets (``"L"``, ``"2"``, None
                                     for notations that name layers by letters).
``notation.letter(layer, depth, focus)`` the node letter of a layer in an equation whose
                                     left side is about layer ``focus``.
``notation.conventions``             a :class:`Conventions`: ``delta_sign`` (-1: δ = -∂E/∂net,
                                     +1: δ = +∂E/∂net, 0: no δ, ∇ instead),
                                     ``weight_order`` ("sender_first" w_{jk} j -> k, or
                                     "receiver_first" w_{kj}), ``layout`` ("column"/"row"),
                                     ``index_base`` (0/1), ``loss`` (the loss row), ``batch_mean``,
                                     ``update`` (what Δw means), ``bias`` ("b" or "w0").
``notation.quantity_of_glyph(glyph, sup, subs, depth)``
                                     the reverse: which typed Quantity a glyph with a
                                     superscript (a layer label or None) and subscripts
                                     names, or None.
``network_for(notation, **options)`` the network the notation's text assumes.
``closest_preset(glyphs)``           the preset whose glyphs a note uses most (for a hint).
"""

from __future__ import annotations

from .model import (
    DEEP_LETTERS,
    Conventions,
    Notation,
    for_depth,
    network_for,
    update_scale,
)
from .presets import PRESETS, preset


def closest_preset(glyphs) -> str | None:
    """The name of the preset that writes most of ``glyphs`` (bare LaTeX such as
    ``z``, ``\\delta``, ``C``), or None when no preset writes any of them."""
    wanted = set(glyphs)
    best = max(PRESETS.values(), key=lambda n: len(wanted & n.glyphs()))
    return best.name if wanted & best.glyphs() else None


def front_matter(text: str) -> dict | None:
    """A note's whole TOML front matter (``[notation]``, ``[numbers]``), or None."""
    from .files import front_matter as _front

    return _front(text)


def load_notation(path_or_name: str) -> Notation:
    """A preset by name, or a notation file (TOML) by path."""
    from .files import load_notation as _load

    return _load(path_or_name)


def notation_from_front_matter(text: str) -> Notation | None:
    """The notation a note declares in its front matter, or None."""
    from .files import notation_from_front_matter as _front

    return _front(text)


__all__ = [
    "DEEP_LETTERS",
    "closest_preset",
    "PRESETS",
    "Conventions",
    "Notation",
    "for_depth",
    "front_matter",
    "load_notation",
    "network_for",
    "notation_from_front_matter",
    "preset",
    "update_scale",
]
