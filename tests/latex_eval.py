"""A small evaluator for the index-form LaTeX the tool prints, written for the tests.

It knows nothing of derive: a test says what each printed glyph means (a NumPy
array and which index letter goes where), and this reads the printed text
literally -- products by juxtaposition, ``\\left( \\right)``, ``\\frac``,
``\\sum_{k}`` over the rest of a product, powers, ``f\\left(...\\right)`` and
``f'\\left(...\\right)`` -- so a lost parenthesis or a wrong sign shows.
"""

from __future__ import annotations

import math
import re

_TOKEN = re.compile(r"\\left\(|\\right\)|\\[A-Za-z]+|[A-Za-z]|\d+(?:\.\d+)?|[{}^_()'+\-=]|\\,|\s+")
_SKIP = {r"\cdot", r"\,"}


def tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos : pos + 20]!r}")
        pos = m.end()
        tok = m.group(0)
        if not tok.isspace() and tok not in _SKIP:
            out.append(tok)
    return out


class Reader:
    """``resolve(glyph, sup, subs)`` -> (array, subs in array order) or None for a
    glyph with no meaning (then ``^`` after it is a power); ``funcs[name]`` for f, f'."""

    def __init__(self, resolve, funcs: dict, indices: dict[str, int] | None = None):
        self.resolve = resolve
        self.funcs = funcs
        self.env = dict(indices or {})
        self.size: dict[str, int] = {}

    def value(self, text: str) -> float:
        self.toks = tokens(text)
        self.pos = 0
        node = self.expr()
        if self.pos != len(self.toks):
            raise ValueError(f"unread: {self.toks[self.pos :]}")
        return self.ev(node)

    # -- parsing --------------------------------------------------------------------

    def peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.toks[self.pos]
        if want is not None and tok != want:
            raise ValueError(f"expected {want}, got {tok} in {self.toks}")
        self.pos += 1
        return tok

    def group(self) -> list[str]:
        self.take("{")
        depth, out = 1, []
        while True:
            tok = self.take()
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0:
                return out
            out.append(tok)

    def expr(self):
        terms = []
        sign = 1
        if self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
        terms.append((sign, self.product()))
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            terms.append((sign, self.product()))
        return ("add", terms)

    def product(self):
        factors = []
        while self.peek() not in (None, "+", "-", r"\right)", "}", "="):
            if self.peek() == r"\sum":
                self.take()
                self.take("_")
                idx = "".join(self.group())
                factors.append(("sum", idx, self.product()))
                break
            factors.append(self.power())
        if not factors:
            raise ValueError(f"empty product at {self.toks[self.pos :]}")
        return ("mul", factors)

    def power(self):
        base = self.atom()
        if self.peek() == "^":
            self.take()
            exp = self.group()
            base = ("pow", base, float("".join(exp)))
        return base

    def atom(self):
        tok = self.take()
        if tok == r"\left(":
            inner = self.expr()
            self.take(r"\right)")
            return inner
        if tok == r"\frac":
            num = self.sub_expr()
            den = self.sub_expr()
            return ("frac", num, den)
        if tok[0].isdigit():
            return ("num", float(tok))
        if tok == r"\log":  # \log{\left(p_k \right)}
            self.take("{")
            self.take(r"\left(")
            arg = self.expr()
            self.take(r"\right)")
            self.take("}")
            return ("call", tok, arg)
        if tok == r"\mathrm":
            tok = "".join(self.group())
        if tok == "{":  # {h_{2}}'(a): a braced function name
            self.pos -= 1
            tok = "".join(self.group())
            if self.peek() != "'":
                raise ValueError("a braced glyph is not index form")
        sup, subs = None, ()
        while self.peek() in ("^", "_"):
            mark = self.pos
            which = self.take()
            body = self.group()
            if which == "^":
                if self.resolve(tok, "".join(body), ()) is None and sup is None:
                    self.pos = mark  # a power, not a label
                    break
                sup = "".join(body)
            else:
                subs = tuple(_with_primes(body))
        prime = ""
        while self.peek() == "'":
            self.take()
            prime += "'"
        if self.peek() == r"\left(" and (tok + prime) in self.funcs:
            self.take()
            arg = self.expr()
            self.take(r"\right)")
            return ("call", tok + prime, arg)
        return ("var", tok, sup, subs)

    def sub_expr(self):
        saved_toks, saved_pos = self.toks, self.pos
        body = self.group()
        self.toks, self.pos = body, 0
        node = self.expr()
        self.toks, self.pos = saved_toks, saved_pos + len(body) + 2
        return node

    # -- evaluation -----------------------------------------------------------------

    def ev(self, node) -> float:
        kind = node[0]
        if kind == "add":
            return sum(s * self.ev(t) for s, t in node[1])
        if kind == "mul":
            out = 1.0
            for f in node[1]:
                out *= self.ev(f)
            return out
        if kind == "pow":
            return self.ev(node[1]) ** node[2]
        if kind == "frac":
            return self.ev(node[1]) / self.ev(node[2])
        if kind == "num":
            return node[1]
        if kind == "call":
            fn = math.log if node[1] == r"\log" else self.funcs[node[1]]
            return fn(self.ev(node[2]))
        if kind == "sum":
            idx, body = node[1], node[2]
            n = self.range_of(idx, body)
            saved = self.env.get(idx)
            total = 0.0
            for i in range(n):
                self.env[idx] = i
                total += self.ev(body)
            if saved is None:
                self.env.pop(idx)
            else:
                self.env[idx] = saved
            return total
        if kind == "var":
            _, glyph, sup, subs = node
            found = self.resolve(glyph, sup, subs)
            if found is None:
                raise KeyError(f"{glyph}^{sup}_{subs} means nothing here")
            array, order = found
            return float(array[tuple(self.env[s] for s in order)])
        raise ValueError(kind)

    def range_of(self, idx: str, node) -> int:
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple) and item and item[0] == "var" and idx in item[3]:
                array, order = self.resolve(item[1], item[2], item[3])
                return array.shape[list(order).index(idx)]
            if isinstance(item, (tuple, list)):
                stack.extend(x for x in item if isinstance(x, (tuple, list)))
        raise ValueError(f"no range for {idx}")


def _with_primes(body: list[str]) -> list[str]:
    """``k ' `` -> ``k'``: a primed index letter is one index."""
    out: list[str] = []
    for tok in body:
        if tok == "'" and out:
            out[-1] += "'"
        else:
            out.append(tok)
    return out


def equation_sides(line: str) -> list[str]:
    """``\\[ a = b = c \\]`` -> [a, b, c] (top-level = only)."""
    body = line.strip()
    body = body.removeprefix(r"\[").removesuffix(r"\]").strip()
    parts, depth, cur = [], 0, ""
    for tok in re.split(r"(\\left\(|\\right\)|[{}]| = )", body):
        if tok in ("{", r"\left("):
            depth += 1
        elif tok in ("}", r"\right)"):
            depth -= 1
        if tok == " = " and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += tok
    parts.append(cur.strip())
    return parts
