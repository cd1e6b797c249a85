"""Helpers for tests that talk to a real multi-process API server over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from typing import Any, Dict, Optional

from saleor_flash import devenv


@dataclass
class ApiServer:
    base_url: str
    process: subprocess.Popen
    workers: int

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql/"

    def gql(
        self,
        query: str,
        variables: Optional[Dict[str, Any]] = None,
        token: Optional[str] = None,
    ) -> Dict[str, Any]:
        """POST a GraphQL document; return the decoded JSON body."""
        return post_graphql(self.graphql_url, query, variables, token)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def post_graphql(url, query, variables=None, token=None, timeout=30.0):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"JWT {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def database_url_from_settings(db: Dict[str, Any]) -> str:
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def start_api_server(
    database_url: str,
    workers: int = 2,
    extra_env: Optional[Dict[str, str]] = None,
    threads: Optional[int] = None,
) -> ApiServer:
    """gunicorn with ``workers`` processes on a free port, against
    ``database_url`` (``threads`` per worker: default FLASH_THREADS)."""
    port = devenv.free_port()
    env = devenv.base_env(
        database_url, os.environ["REDIS_URL"], "saleor_flash.test_settings"
    )
    env.update(extra_env or {})
    process = subprocess.Popen(
        devenv.api_server_argv(port, workers, threads),
        env=env,
        cwd=str(devenv.config.PROJECT_DIR),
    )
    base_url = f"http://127.0.0.1:{port}"
    devenv.wait_for_http(f"{base_url}/graphql/", process)
    return ApiServer(base_url=base_url, process=process, workers=workers)


def start_celery_worker(
    database_url: str,
    extra_env: Optional[Dict[str, str]] = None,
    queues: Optional[str] = None,
) -> subprocess.Popen:
    """A real Celery worker process consuming from the test broker
    (``queues``: only these, comma separated; default: the default queue)."""
    env = devenv.base_env(
        database_url, os.environ["REDIS_URL"], "saleor_flash.test_settings"
    )
    env.update(extra_env or {})
    return subprocess.Popen(
        [
            devenv.PYTHON,
            "-m",
            "celery",
            "-A",
            "saleor_flash",
            "worker",
            "--pool",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
        ]
        + (["-Q", queues] if queues else []),
        env=env,
        cwd=str(devenv.config.PROJECT_DIR),
    )


def gql_in_process(
    query: str,
    variables: Optional[Dict[str, Any]] = None,
    token: Optional[str] = None,
    **headers: str,
) -> Dict[str, Any]:
    """POST a GraphQL document to our /graphql/ in this process (Django's test
    client, no server); return the decoded JSON body."""
    from django.test import Client

    if token:
        headers["HTTP_AUTHORIZATION"] = f"JWT {token}"
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    return response.json()
