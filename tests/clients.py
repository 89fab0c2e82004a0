"""Talking to the app in tests: a test client that takes a bearer token, a JSON or multipart
request in one call, a browser-like client logged in through the login form, the CSRF token
of a page, and a runner of the `biorepo` command."""

from __future__ import annotations

import io
import re
from typing import Any

import click.testing
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api.cli import main
from tests.world import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ApiClient(FlaskClient):
    """Flask's test client; `token=` sends it as a bearer token."""

    def open(self, *args: Any, token: str | None = None, **kwargs: Any) -> TestResponse:
        if token:
            kwargs["headers"] = {
                **dict(kwargs.get("headers") or {}),
                "Authorization": f"Bearer {token}",
            }
        return super().open(*args, **kwargs)


def call(
    app: Flask,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """One JSON request (with a bearer token if given) on a new client."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return app.test_client().open(path, method=method, json=body, headers=headers)


def send(
    app: Flask, method: str, path: str, token: str | None = None, form: dict | None = None
) -> TestResponse:
    """A request with a multipart body (the fields, the file as `file`: (bytes, name))."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form is not None:
        data = dict(form)
        if "file" in data:
            content, name = data["file"]
            data["file"] = (io.BytesIO(content), name)
    return app.test_client().open(
        path, method=method, data=data, headers=headers, content_type="multipart/form-data"
    )


def upload(
    fmt: str, content: bytes, name: str, collection: str | None = "API", dry_run: bool = True
) -> dict[str, Any]:
    """The form of an import upload."""
    form = {"format": fmt, "file": (content, name), "dry_run": str(dry_run).lower()}
    return form | ({"collection": collection} if collection else {})


def client_at(app: Flask, address: str) -> FlaskClient:
    """A client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def token_in(page: bytes) -> str:
    """The CSRF token of a page's form."""
    return CSRF.search(page.decode()).group(1)


def logged_in(app: Flask, role: str | None) -> FlaskClient:
    """A client logged in through the form as the world's user of `role` (anonymous for
    None), from an address of its own."""
    client = client_at(app, f"10.9.{len(role or '')}.{hash(role) % 250}")
    if role is None:
        return client
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": f"{role}@example.org",
            "password": PASSWORD,
            "csrf_token": token_in(form.data),
        },
    )
    assert response.status_code == 303, response.data
    return client


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of the client's session."""
    return token_in(client.get("/").data)


class CliRunner(click.testing.CliRunner):
    """Click's test runner bound to the `biorepo` command: `invoke(["import", ...])`."""

    def invoke(self, args: list[str], **kwargs: Any) -> click.testing.Result:  # type: ignore[override]
        return super().invoke(main, args, **kwargs)
