"""Demo data for a local Saleor Flash: run ``manage.py seed_demo``.

The data itself (and the documented demo passwords and secrets) is in
``data.py``; ``seed.py`` puts it in the database, idempotently.
"""

from .seed import seed_demo
from .summary import DemoSummary

__all__ = ["DemoSummary", "seed_demo"]
