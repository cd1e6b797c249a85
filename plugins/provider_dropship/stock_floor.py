"""Stock a provider may not take away: the "stock floor sources" registry.

Flash sales set warehouse stock aside (checkout_guard and sale_windows know
how much) but sit above this plugin, which may not import them. The plugin
that sets stock aside registers a source at start-up (sale_windows, in its
``AppConfig.ready``): ``variant id -> units that must stay on hand``, over all
of the variant's warehouses, beyond what orders have allocated already.
With nothing registered there is no floor but the allocations.
"""

from __future__ import annotations

from typing import Callable, List

FloorSource = Callable[[int], int]

_sources: List[FloorSource] = []


def register_stock_floor_source(source: FloorSource) -> None:
    """Add a source of set-aside units (the same one twice is a no-op)."""
    if source not in _sources:
        _sources.append(source)


def set_aside_units(variant_id: int) -> int:
    """Units of the variant every registered source keeps aside."""
    return sum(int(source(variant_id) or 0) for source in _sources)
