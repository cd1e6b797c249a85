"""The host's own pages."""

from django.http import HttpResponse

LANDING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Saleor Flash</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Saleor Flash</h1>
<p>Flash sales, partner channels with single sign-on and channel prices, a
herd-proof checkout, points payments (a ledger, a Saleor payment gateway and a
signed channel API), drop-ship providers (onboarding, listings, sub-orders,
settlement), storefront statistics, newsletter sign-up and customer support,
on Saleor 2.10.1.</p>
<ul>
  <li><a href="/graphql/">GraphQL API</a> (POST queries; GET opens the playground)</li>
  <li><a href="/dashboard-ext/">Merchandiser console</a> (Saleor staff sign-in)</li>
  <li><a href="/provider/">Provider portal</a> (provider users;
    <a href="/provider/apply/">apply to become a provider</a>)</li>
  <li>Points API for channel systems (<code>/points/v1/</code>, signed REST;
    <a href="/points/v1/openapi.json">OpenAPI</a>)</li>
</ul>
</body></html>"""


def landing(_request):
    return HttpResponse(LANDING)
