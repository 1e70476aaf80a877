"""The registry of artifact readers: artifact kind -> reader class.

It sits in this leaf module (it imports nothing of ``artifacts``): each reader module registers its
class with :func:`reader`, and ``artifacts/_inspect`` imports the reader modules. The built-in kinds are
recognised by content in ``_sniff.py``; a reader of another kind says which files are its own with
``claims(head)`` (see :class:`~._base.LayoutReader`), which the sniffer asks first.
"""

from __future__ import annotations

from typing import Any

from .._registry import Registry

READERS: Registry[Any] = Registry("artifact kind")  # kind -> a LayoutReader or MeasurementReader subclass


def reader(kind: str, *, order: float | None = None):
    """Class decorator: register the reader of artifact ``kind`` (and set its ``kind``).

    Args:
        kind: the kind's id, as ``Observation.kind`` and ``InspectResult.artifacts`` report it.
        order: its place in :data:`READERS` (lower first); the sniffer asks readers in this order.
    """

    def deco(cls):
        cls.kind = kind
        return READERS.add(kind, cls, order=order)

    return deco
