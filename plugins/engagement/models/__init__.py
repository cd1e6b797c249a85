"""The app's models, one module per part: statistics (events and roll-ups),
newsletter, feedback and support requests."""

from .events import *  # noqa: F401,F403
from .newsletter import *  # noqa: F401,F403
from .support import *  # noqa: F401,F403
