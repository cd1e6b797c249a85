"""Common base of the four Saleor Flash plugins."""

from __future__ import annotations

from functools import wraps

from saleor.plugins.base_plugin import BasePlugin


def when_active(hook):
    """Run a hook only for an active plugin.

    Saleor's manager calls hooks of inactive plugins too; an inactive plugin
    must hand back the previous plugin's value untouched.
    """

    @wraps(hook)
    def wrapped(self, *args, **kwargs):
        if not self.active:
            return kwargs.get("previous_value", NotImplemented)
        return hook(self, *args, **kwargs)

    return wrapped


class FlashPlugin(BasePlugin):
    """Active by default; configuration lives in Saleor's PluginConfiguration."""

    DEFAULT_ACTIVE = True
    DEFAULT_CONFIGURATION: list = []
    CONFIG_STRUCTURE: dict = {}
