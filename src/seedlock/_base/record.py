"""Small immutable value classes that the start-up hook can afford.

``seedlock run`` seeds every Python child at interpreter start-up, so the classes it builds on the
way (``SeedReport``, ``Change``, the framework registry's settings) cannot use
:mod:`dataclasses`: importing it pulls in ``inspect``, ``ast``, ``dis`` and ``tokenize``, about
15 ms per child. :class:`Frozen` gives a class with ``__slots__`` and its own ``__init__`` what
``@dataclass(frozen=True)`` would: a field-by-field ``repr``, equality, hash, pickling, and
refusal to assign a field.

Example:
    >>> class Point(Frozen):
    ...     __slots__ = ("x", "y")
    ...     def __init__(self, x: int, y: int = 0) -> None:
    ...         self._init(x=x, y=y)
    >>> Point(1), Point(1) == Point(1, 0), hash(Point(2)) == hash(Point(2, 0))
    (Point(x=1, y=0), True, True)
    >>> Point(1).x = 2
    Traceback (most recent call last):
    ...
    AttributeError: cannot assign to field 'x' of Point
"""

from __future__ import annotations

__all__ = ["Frozen"]


class Frozen:
    """Base of an immutable value class whose fields are its ``__slots__``, in order.

    A subclass defines ``__slots__`` and an ``__init__`` that calls :meth:`_init` with every
    field by name; positional construction in slot order must rebuild an equal object (pickling
    relies on it).
    """

    __slots__: tuple[str, ...] = ()

    def _init(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of {type(self).__name__}")

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[type[Frozen], tuple[object, ...]]:
        return (type(self), self._fields())
