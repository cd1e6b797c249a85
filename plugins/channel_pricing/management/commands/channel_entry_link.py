"""Print an entry link with a fresh sign-in token, as a partner app would open it.

    python -m saleor_flash channel_entry_link wellness-app member-1 \
        [--base-url http://localhost:8000] [--name "Ann Lee"] [--lifetime 300]

For demos and manual testing: the token is signed with the channel's current
secret, lives ``--lifetime`` seconds (at most 600) and works once.
"""

import time
import uuid
from urllib.parse import quote

import jwt
from django.core.management.base import BaseCommand, CommandError

from plugins.channel_pricing.models import Channel
from plugins.channel_pricing.services import entry_path
from plugins.channel_pricing.sso import MAX_TOKEN_LIFETIME_SECONDS, SSO_ALGORITHM


class Command(BaseCommand):
    help = "Print a channel entry link with a fresh single-use sign-in token."

    def add_arguments(self, parser):
        parser.add_argument("channel", help="the channel's slug")
        parser.add_argument("member", help="the member's id in the channel's system")
        parser.add_argument("--base-url", default="http://localhost:8000")
        parser.add_argument("--name", default=None)
        parser.add_argument("--lifetime", type=int, default=300)

    def handle(self, channel, member, base_url, name, lifetime, **_options):
        found = Channel.objects.filter(slug=channel).first()
        if found is None:
            raise CommandError(f"No channel with slug {channel!r}.")
        if not 0 < lifetime <= MAX_TOKEN_LIFETIME_SECONDS:
            raise CommandError("--lifetime must be between 1 and 600 seconds.")
        now = int(time.time())
        claims = {
            "iss": found.slug,
            "sub": member,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if name:
            claims["name"] = name
        token = jwt.encode(
            claims, found.sso_secret.encode("utf-8"), algorithm=SSO_ALGORITHM
        ).decode()
        link = f"{base_url.rstrip('/')}{entry_path(found.slug)}?token={quote(token)}"
        self.stdout.write(link)
