"""Errors raised by the routing solver layer.

Every error a caller can cause with bad input is a `ValueError` subclass with a message that
names the fault, so an API layer can map it to a 422 without catching anything broader.
Orders that are valid but cannot be served are never errors: they come back in
`Plan.unassigned` with a reason.
"""

from __future__ import annotations


class InvalidProblem(ValueError):
    """The problem description itself is wrong (negative demand, unknown hub, bad window...)."""


class TsplibError(ValueError):
    """A TSPLIB file could not be read (missing section, unsupported edge weight type...)."""


class MatrixError(ValueError):
    """A travel matrix does not fit the points it is used for."""
