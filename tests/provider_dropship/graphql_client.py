"""In-process GraphQL for provider tests, JSON and multipart (Upload)."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support import gql_in_process

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def gql(query: str, variables: Optional[Dict[str, Any]] = None, token=None):
    return gql_in_process(query, variables, token)


def gql_upload(
    query: str,
    variables: Dict[str, Any],
    file_variable: str,
    content: bytes,
    name: str = "file.bin",
    token: Optional[str] = None,
):
    """A multipart request (graphql-multipart-request-spec), as Saleor reads it."""
    variables = dict(variables, **{file_variable: None})
    data = {
        "operations": json.dumps({"query": query, "variables": variables}),
        "map": json.dumps({"0": [f"variables.{file_variable}"]}),
        "0": SimpleUploadedFile(name, content),
    }
    headers = {"HTTP_AUTHORIZATION": f"JWT {token}"} if token else {}
    return Client().post("/graphql/", data, **headers).json()


def payload(answer: Dict[str, Any], field: str) -> Dict[str, Any]:
    assert "errors" not in answer, answer
    return answer["data"][field]


def codes(answer: Dict[str, Any], field: str):
    return [error["code"].lower() for error in payload(answer, field)["providerErrors"]]
