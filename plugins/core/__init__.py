"""Pieces shared by every Saleor Flash plugin, a plugin of none.

Like Saleor's own ``saleor/core``: the plugin base, error-code registration,
the database lane, and (as they land) global ids, money helpers and the
outbox with webhook signing. Nothing here imports a plugin or the host.
"""

default_app_config = "plugins.core.apps.CoreConfig"
