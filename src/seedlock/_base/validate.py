"""The one input validator: ints in a range, bools, choices, counts and thread counts.

Messages follow JAX's style: they name the function and the parameter, show the value that was
given, say what is accepted and how to fix it. Huge ints are shown by their size, never printed
in full, so a message stays one short line.

Example:
    >>> check_int(4, func="verify", param="n", low=2, high=10)
    4
    >>> check_int(1, func="verify", param="n", low=2, high=10)
    Traceback (most recent call last):
    ...
    seedlock._errors.SeedlockError: verify(): n must be an int in [2, 10], got 1.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection

from seedlock._base import limits
from seedlock._errors import SeedlockError, SeedlockTypeError

__all__ = [
    "check_bool",
    "check_choice",
    "check_count",
    "check_int",
    "check_label",
    "check_threads",
    "describe",
    "is_int",
]


def is_int(value: object) -> bool:
    """Whether ``value`` is an integer (NumPy integer scalars too) and not a bool.

    Example:
        >>> is_int(3), is_int(True), is_int(3.0)
        (True, False, False)
    """
    return not isinstance(value, bool) and isinstance(value, (int, numbers.Integral))


def describe(value: object) -> str:
    """A short, one-line description of ``value`` for an error message.

    Example:
        >>> describe(2**200)
        'an int of 201 bits'
        >>> describe(1.5)
        '1.5 (float)'
    """
    if is_int(value):
        number = int(value)  # type: ignore[call-overload]
        if number.bit_length() > 64:
            return f"{'a negative' if number < 0 else 'an'} int of {number.bit_length()} bits"
        return str(number)
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _bound(value: int) -> str:
    return f"2**{value.bit_length()}" if value > 10**12 and (value + 1) & value == 0 else str(value)


def check_int(
    value: object,
    *,
    func: str,
    param: str,
    low: int | None = None,
    high: int | None = None,
    fix: str = "",
    accepted: str = "",
) -> int:
    """``value`` as an int if it is an int in ``[low, high]``; else a clear error.

    Args:
        value: what the caller passed.
        func: the public function's name (``"verify"``), shown as ``verify():``; ``""`` for a
            command-line flag (``param="--threads"``).
        param: the parameter's name.
        low: smallest accepted value, or ``None`` for no bound.
        high: largest accepted value, or ``None`` for no bound.
        fix: a sentence saying how to fix it (optional).
        accepted: what is accepted, in words, instead of the range (optional).

    Raises:
        SeedlockTypeError: ``value`` is not an int (bools are refused).
        SeedlockError: ``value`` is out of range.

    Example:
        >>> check_int(3, func="f", param="k", low=0)
        3
    """
    if accepted:
        pass
    elif low is not None and high is not None:
        accepted = f"an int in [{low}, {_bound(high)}]"
    elif low is not None:
        accepted = f"an int >= {low}"
    elif high is not None:
        accepted = f"an int <= {_bound(high)}"
    else:
        accepted = "an int"
    tail = f" {fix}" if fix else ""
    where = f"{func}(): {param}" if func else param
    if not is_int(value):
        hint = " Pass int(value)." if isinstance(value, float) and value.is_integer() else ""
        raise SeedlockTypeError(f"{where} must be {accepted}, got {describe(value)}.{hint}{tail}")
    number: int = int(value)  # type: ignore[call-overload]
    if (low is not None and number < low) or (high is not None and number > high):
        raise SeedlockError(f"{where} must be {accepted}, got {describe(number)}.{tail}")
    return number


def check_count(
    value: object, *, func: str, param: str, high: int, low: int = 1, fix: str = ""
) -> int:
    """A positive count (``n``, ``jobs``, ``n_resamples``) in ``[low, high]``.

    Example:
        >>> check_count(2, func="verify", param="jobs", high=8)
        2
    """
    return check_int(value, func=func, param=param, low=low, high=high, fix=fix)


def check_threads(value: object, *, func: str, param: str = "threads") -> int | None:
    """A thread count: ``None`` (leave pools alone) or an int in ``[1, MAX_THREADS]``.

    Example:
        >>> check_threads(None, func="seed_everything"), check_threads(4, func="seed_everything")
        (None, 4)
    """
    if value is None:
        return None
    return check_int(
        value,
        func=func,
        param=param,
        low=1,
        high=limits.MAX_THREADS,
        accepted=f"a positive int (at most {limits.MAX_THREADS})",
        fix="Pass e.g. 1 for the most reproducible CPU results."
        + (" None leaves the thread pools alone." if func else ""),
    )


def check_label(
    value: object, *, func: str, param: str, max_chars: int = limits.MAX_NAME_CHARS
) -> str | None:
    """A name shown in listings: ``None`` or 1-``max_chars`` printable characters, no line breaks.

    Example:
        >>> check_label("baseline", func="run_command", param="name")
        'baseline'
    """
    if value is None:
        return None
    if not (
        isinstance(value, str) and value.strip() and value.isprintable() and len(value) <= max_chars
    ):
        where = f"{func}(): {param}" if func else param
        raise SeedlockError(
            f"{where} must be 1-{max_chars} printable characters without line breaks, got "
            f"{describe(value)}. Use a plain name such as 'baseline'."
        )
    return value


def check_bool(value: object, *, func: str, param: str) -> bool:
    """``value`` if it is a bool (``0``/``1`` are refused: they hide mistakes).

    Example:
        >>> check_bool(True, func="seed_everything", param="deterministic")
        True
    """
    if not isinstance(value, bool):
        raise SeedlockTypeError(
            f"{func}(): {param} must be True or False, got {describe(value)}. Pass a bool."
        )
    return value


def check_choice(value: object, choices: Collection[str], *, func: str, param: str) -> str:
    """``value`` if it is one of ``choices``.

    Example:
        >>> check_choice("local", ("local", "ray"), func="sweep", param="backend")
        'local'
    """
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise SeedlockError(f"{func}(): {param} must be one of {listed}, got {describe(value)}.")
    return value
