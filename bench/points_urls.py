"""Bench-only routes: everything of the host, plus ``/bench/bare-spend``,
which checks nothing (no signature, nonce or idempotency) and runs one
``UPDATE ... SET balance = balance - n WHERE balance >= n`` on the single
row of the bench table ``bench_points_balance`` (the baseline of
bench/points_redeem.py; the row is as hot as a channel's quota account).
Never in production urls."""

from __future__ import annotations

import json

from django.conf.urls import url
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from saleor_flash.urls import urlpatterns as host_urlpatterns

TABLE = "bench_points_balance"


@csrf_exempt
def bare_spend(request):
    points = int(json.loads(request.body)["points"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET balance = balance - %s "
            "WHERE id = 1 AND balance >= %s RETURNING balance",
            [points, points],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"error": {"code": "insufficient_points"}}, status=409)
    return JsonResponse({"points": points, "balance": row[0]}, status=201)


urlpatterns = [url(r"^bench/bare-spend$", bare_spend)] + host_urlpatterns
