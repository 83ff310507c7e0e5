"""Teaching with numbers and pictures.

::

    numbers.py   the numbers of a worked example (TOML file, [numbers] table, default)
      |
    worked.py    the derivation's own results evaluated at those numbers, as data
      |
    render.py    printed in a notation: LaTeX, Markdown, HTML (MathML), JSON
"""
