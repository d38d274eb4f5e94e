"""Business rules as verb_noun functions. They flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import wraps


class ServiceError(Exception):
    """A rule the request breaks; `message` is Chinese and `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def bulk(fn):
    """For reading or applying a whole workbook: CPython's cyclic collector is paused while it runs.

    Such work makes millions of short-lived objects and almost no reference cycles, and the
    collector would walk them again and again (a fifth of a dry run's time, measured); it resumes
    afterwards and picks up whatever is left.
    """

    @wraps(fn)
    def paused(*args, **kwargs):
        with _gc_paused():
            return fn(*args, **kwargs)

    return paused
