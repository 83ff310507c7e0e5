"""Check LaTeX derivations in notes: find formulas, parse them, verify them."""
