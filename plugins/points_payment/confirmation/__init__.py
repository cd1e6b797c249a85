"""Payment confirmation before any points move (one-time code or payment
password), ending in a single-use token the gateway consumes.

Modules: ``rules`` (pure), ``quotes`` (what a member's checkout costs in
points), ``codes``, ``passwords``, ``tokens``, ``senders`` (where a code
goes: the channel's webhook, e-mail, or the log).
"""
