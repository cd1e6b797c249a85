"""The provider portal at ``/provider/``: provider users (Saleor accounts linked
to one provider) sign in with a session and work their own listings, stock,
sub-orders and statements.

Host-side like the console (it may import any plugin), but its own sign-in
and guard: who gets in is decided by ``provider_dropship``'s
``provider_for_user``, never by staff flags or permissions.
"""
