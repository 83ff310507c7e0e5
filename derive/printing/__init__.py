"""Printers: one per output language, all printing the derivation's data."""
