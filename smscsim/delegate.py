"""Attributes of a whole that live in one of its parts."""

from __future__ import annotations

from typing import Self, cast, overload


class Delegated[T]:
    """A class attribute reading and writing the same-named (or ``name``) attribute of the
    part stored in ``part``: ``duplicate_window = Delegated[float]("rules")`` makes
    ``sim.duplicate_window = 0`` set ``sim.rules.duplicate_window``."""

    def __init__(self, part: str, name: str | None = None) -> None:
        self.part = part
        self.name = name or ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = self.name or name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Self | T:
        if obj is None:
            return self
        return cast(T, getattr(getattr(obj, self.part), self.name))

    def __set__(self, obj: object, value: T) -> None:
        setattr(getattr(obj, self.part), self.name, value)
