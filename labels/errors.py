"""The errors of label rendering and printing."""

from __future__ import annotations


class LabelError(Exception):
    """A label cannot be rendered as asked (unknown template, code too large for the stock, ...)."""


class TransportError(LabelError):
    """The rendered bytes could not be delivered (printer down, refused, queue missing, ...)."""
