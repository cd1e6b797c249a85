"""The app's models, one module per part: providers (applications, users,
invitations), their listings and assets, stock audit, sub-orders and
settlement."""

from .listings import *  # noqa: F401,F403
from .providers import *  # noqa: F401,F403
from .settlement import *  # noqa: F401,F403
from .stock import *  # noqa: F401,F403
from .sub_orders import *  # noqa: F401,F403
