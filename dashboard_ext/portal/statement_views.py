"""Portal pages for settlement statements: the provider's own, as a table and
as CSV (``provider_dropship.settlement``)."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from plugins.provider_dropship import settlement

from .access import provider_required
from .pages import page


def own_statements(request):
    # statements_visible_to gives staff every provider's: the portal shows
    # only the signed-in provider's, whoever the user is besides.
    return settlement.statements_visible_to(request.user).filter(
        provider_id=request.membership.provider_id
    )


@provider_required
def statement_list(request):
    statements = own_statements(request).order_by("-period_end")
    return page(request, "statements.html", "statements", statements=statements)


@provider_required
def statement_csv(request, statement_id):
    statement = own_statements(request).filter(pk=statement_id).first()
    if statement is None:
        raise Http404("No such statement")
    response = HttpResponse(
        settlement.statement_csv(statement), content_type="text/csv; charset=utf-8"
    )
    name = f"statement-{statement.period_start:%Y%m%d}-{statement.period_end:%Y%m%d}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
