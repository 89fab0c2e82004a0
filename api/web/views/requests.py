"""A sharing request as its requester and the curators see it: lines and timeline."""

from __future__ import annotations

from flask import Blueprint

from ...resources.requests import _visible as visible_request
from ..pages import show


def request_page(request_id: int) -> tuple[str, int]:
    return show("request.html", req=visible_request(request_id))


def routes(web: Blueprint) -> None:
    web.add_url_rule("/requests/<id:request_id>", "request_page", request_page)
