"""Notation files: a preset's fields as TOML, ``extends`` another preset.

::

    extends = "nielsen"      # start from a preset; change only what differs
    loss_glyph = "J"
    [conventions]
    delta_sign = -1

The same table can sit in a note's front matter: between ``+++`` lines at the
top of a Markdown note (under ``[notation]``), or in ``%`` comment lines at the
top of a .tex file.  Anything wrong is one line naming the key and the problem
(:class:`derive.errors.InputError`).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from ..errors import InputError
from ..model.quantities import Kind
from .model import (
    BIAS_STYLES,
    LAYER_STYLES,
    LAYOUTS,
    SIGNS,
    UPDATES,
    WEIGHT_ORDERS,
    Conventions,
    Notation,
    bare,
)
from .presets import PRESETS, preset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_BYTES = 64_000
"""A notation file is a few lines; anything longer is refused before parsing."""

_FIELDS = {f.name: f for f in dataclasses.fields(Notation)}
_CONVENTIONS = {f.name: f for f in dataclasses.fields(Conventions)}
_CHOICES = {
    "delta_sign": SIGNS,
    "weight_order": WEIGHT_ORDERS,
    "layout": LAYOUTS,
    "update": UPDATES,
    "bias": BIAS_STYLES,
    "index_base": (0, 1),
}


def load_notation(path_or_name: str) -> Notation:
    """A preset by name, or a notation file (TOML) by path."""
    if path_or_name in PRESETS:
        return PRESETS[path_or_name]
    if not path_or_name.endswith(".toml"):
        return preset(path_or_name)  # one line listing the presets
    path = Path(path_or_name)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path_or_name}: a notation file is at most {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read notation file {path_or_name}: {err}") from None
    return from_toml(text, source=path_or_name, default_name=path.stem)


def from_toml(text: str, source: str = "notation", default_name: str = "custom") -> Notation:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{source}: not valid TOML ({err})") from None
    return from_table(data, source, default_name)


def from_table(data: dict, source: str = "notation", default_name: str = "custom") -> Notation:
    """A Notation from a parsed TOML table (``extends`` and the fields to change)."""
    data = dict(data)
    base_name = data.pop("extends", None)
    if base_name is None:
        missing = [
            name
            for name, f in _FIELDS.items()
            if f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
            and name not in data
            and name != "name"
        ]
        if missing:
            raise InputError(
                f"{source}: missing field '{missing[0]}' (or give extends = one of "
                f"{', '.join(PRESETS)})"
            )
        base = None
    else:
        if not isinstance(base_name, str) or base_name not in PRESETS:
            raise InputError(f"{source}: extends: unknown preset; choose from {', '.join(PRESETS)}")
        base = PRESETS[base_name]
    changes: dict = {}
    for key, value in data.items():
        if key == "conventions":
            changes[key] = _conventions(value, base, source)
            continue
        if key not in _FIELDS:
            raise InputError(
                f"{source}: unknown key '{key}'; keys are extends, conventions, "
                + ", ".join(sorted(_FIELDS))
            )
        changes[key] = _value(key, value, _FIELDS[key], source)
    changes.setdefault("name", default_name if base is None else f"{base.name}+{default_name}")
    if base is None:
        changes.setdefault("title", changes["name"])
        try:
            notation = Notation(**changes)
        except TypeError as err:
            raise InputError(f"{source}: {err}") from None
    else:
        notation = dataclasses.replace(base, **changes)
    check(notation, source)
    return notation


def _conventions(value: object, base: Notation | None, source: str) -> Conventions:
    if not isinstance(value, dict):
        raise InputError(f"{source}: conventions must be a table")
    for key, item in value.items():
        if key not in _CONVENTIONS:
            raise InputError(
                f"{source}: unknown key 'conventions.{key}'; keys are " + ", ".join(_CONVENTIONS)
            )
        choices = _CHOICES.get(key)
        if choices is not None and item not in choices:
            raise InputError(
                f"{source}: conventions.{key} = {item!r}; choose from "
                + ", ".join(map(str, choices))
            )
        expected = type(getattr(Conventions(), key))
        if not isinstance(item, expected) or isinstance(item, bool) != (expected is bool):
            raise InputError(f"{source}: conventions.{key} must be a {expected.__name__}")
    start = base.conventions if base is not None else Conventions()
    return dataclasses.replace(start, **value)


def _value(key: str, value: object, f: dataclasses.Field, source: str) -> object:
    kind = str(f.type)
    if kind.startswith("tuple"):
        if not isinstance(value, list):
            raise InputError(f"{source}: {key} must be a list")
        if "tuple[tuple" in kind:
            if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value):
                raise InputError(f"{source}: {key} must be a list of lists of strings")
            return tuple(tuple(v) for v in value)
        if "tuple[int" in kind:
            from ..network import MAX_DEPTH, MAX_WIDTH

            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
                raise InputError(f"{source}: {key} must be a list of positive integers")
            if len(value) > MAX_DEPTH + 1 or any(v > MAX_WIDTH for v in value):
                raise InputError(
                    f"{source}: {key}: at most {MAX_DEPTH + 1} layers of {MAX_WIDTH:,} nodes"
                )
            return tuple(value)
        if not all(isinstance(v, str) for v in value):
            raise InputError(f"{source}: {key} must be a list of strings")
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise InputError(f"{source}: {key} must be true or false")
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"{source}: {key} must be an integer")
        return value
    if not isinstance(value, str) and not (value is None and "None" in kind):
        raise InputError(f"{source}: {key} must be a string")
    if key == "layers" and value not in LAYER_STYLES:
        raise InputError(f"{source}: layers = {value!r}; choose from {', '.join(LAYER_STYLES)}")
    if key == "label" and value.count("%s") != 1:
        raise InputError(f"{source}: label must contain %s once (where the layer goes)")
    return value


def check(n: Notation, source: str = "notation") -> None:
    """A notation must tell its quantities apart: no two kinds with one glyph."""
    if not n.outputs or not n.weights or not n.activation:
        raise InputError(f"{source}: outputs, weights and activation need at least one name")
    if n.layers == "letters" and len(set(n.letters)) != len(n.letters):
        raise InputError(f"{source}: letters: two layers share a letter")
    seen: dict[str, str] = {}
    glyphs = [
        ("outputs", n.glyph(Kind.OUTPUT)),
        ("net", n.net),
        ("weights", n.glyph(Kind.WEIGHT)),
        ("target", n.target),
        ("loss_glyph", n.loss_glyph),
        ("delta", n.delta),
        ("lr", n.lr),
    ]
    if n.input:
        glyphs.append(("input", n.input))
    for key, glyph in glyphs:
        if glyph in seen:
            raise InputError(
                f"{source}: {key} and {seen[glyph]} both use the glyph '{glyph}'; "
                "two quantities need two glyphs"
            )
        seen[glyph] = key
    _check_aliases(n, source)
    if n.output_activation_fixed and not n.output_activation_default:
        raise InputError(
            f"{source}: output_activation_fixed = true keeps the text's output layer, "
            "but output_activation_default names none; give it (e.g. 'identity', 'softmax')"
        )


def _check_aliases(n: Notation, source: str) -> None:
    """Each alias is a pair [alias, glyph] naming a glyph declared per layer."""
    declared = dataclasses.replace(n, aliases=()).code_names()
    for pair in n.aliases:
        if len(pair) != 2:
            raise InputError(f"{source}: aliases: each entry is [alias, glyph], not {list(pair)}")
        alias, glyph = pair
        if bare(glyph) not in declared:
            raise InputError(
                f"{source}: aliases: '{glyph}' is no glyph of this notation's layers; "
                f"choose from {', '.join(sorted(declared)) or 'none (layers = letters only)'}"
            )
        if bare(alias) in declared:
            raise InputError(
                f"{source}: aliases: '{alias}' is already a glyph; two quantities need two glyphs"
            )


def notation_from_front_matter(text: str) -> Notation | None:
    """The ``[notation]`` table of a note's front matter, or None.

    Markdown: TOML between a first line ``+++`` and the next ``+++``.  LaTeX: the
    leading ``%`` comment lines (the ``%`` and one space removed) as TOML.
    """
    table = front_matter(text)
    if table is None or "notation" not in table:
        return None
    value = table["notation"]
    if isinstance(value, str):  # notation = "nielsen"
        return load_notation(value)
    if not isinstance(value, dict):
        raise InputError("front matter: notation must be a preset name or a table")
    return from_table(value, "front matter [notation]", "note")


def front_matter(text: str) -> dict | None:
    """The TOML front matter of a note as a table (all of it: [notation], [numbers]),
    or None when the note has none."""
    lines = text[:MAX_BYTES].splitlines()
    if lines and lines[0].strip() == "+++":
        try:
            end = next(n for n in range(1, len(lines)) if lines[n].strip() == "+++")
        except StopIteration:
            raise InputError("front matter: no closing +++ line") from None
        body = "\n".join(lines[1:end])
    elif lines and lines[0].startswith("%"):
        comment = []
        for line in lines:
            if not line.startswith("%"):
                break
            comment.append(line[2:] if line.startswith("% ") else line[1:])
        body = "\n".join(comment)
        if "[notation]" not in body and "notation" not in body:
            return None
    else:
        return None
    try:
        return tomllib.loads(body)
    except tomllib.TOMLDecodeError as err:
        if lines[0].startswith("%"):
            return None  # ordinary comments, not front matter
        raise InputError(f"front matter: not valid TOML ({err})") from None


def to_toml(n: Notation) -> str:
    """A notation as a complete notation file (every field), which loads back to it."""
    lines = [
        f"# notation {n.name}: {n.source or n.title}",
        "# edit and use with --notation FILE.toml",
    ]
    tables = []
    for f in dataclasses.fields(Notation):
        value = getattr(n, f.name)
        if f.name == "conventions":
            tables.append("")
            tables.append("[conventions]")
            for c in dataclasses.fields(Conventions):
                tables.append(f"{c.name} = {_toml_value(getattr(value, c.name))}")
            continue
        if value is None:
            continue
        lines.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value)
    if "'" not in text and "\n" not in text:
        return f"'{text}'"  # a literal string: backslashes stay as written
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
