"""Bench-only routes: everything of the host, plus ``/bench/bare-events``,
which checks nothing and inserts the batch's rows with one INSERT (the
baseline of bench/engagement.py). Never in production urls."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from django.conf.urls import url
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from psycopg2.extras import execute_values

from saleor_flash.urls import urlpatterns as host_urlpatterns


@csrf_exempt
def bare_events(request):
    body = json.loads(request.body)
    now = datetime.now(timezone.utc)
    rows = [
        (
            e["event_id"],
            e["timestamp"],
            now,
            e["kind"],
            e["client_id"],
            e.get("page", ""),
        )
        for e in body["events"]
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "INSERT INTO engagement_event (event_id, occurred_at, received_at, kind, "
            "client_id, page) VALUES %s ON CONFLICT DO NOTHING",
            rows,
        )
    return JsonResponse({"inserted": len(rows)}, status=202)


urlpatterns = [url(r"^bench/bare-events$", bare_events)] + host_urlpatterns
