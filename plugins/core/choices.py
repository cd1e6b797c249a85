"""Model field choices from the domain's enums (one spelling for every plugin)."""

from __future__ import annotations

from enum import Enum
from typing import List, Tuple, Type


def choices(enum: Type[Enum]) -> List[Tuple[str, str]]:
    """``[(value, "Title Case Name"), ...]`` for a ``str`` Enum, in its order.

    Migrations record these labels: changing the spelling here changes every
    plugin's migration state (``makemigrations --check`` shows it).
    """
    return [(member.value, member.name.replace("_", " ").title()) for member in enum]
