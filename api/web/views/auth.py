"""Logging in and out with the session cookie, and the home page."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from repository.errors import Forbidden

from ...context import csrf_ok, log_in, log_out, principal
from ...policy import Permission, allowed, require
from ...security import login_limit
from ..pages import back, safe_next, show


def login() -> Response | tuple[str, int]:
    if request.method == "GET":
        return show("login.html", next=safe_next(request.args.get("next")))
    if not csrf_ok():  # an anonymous form: the check the context does for sessions
        raise Forbidden(_("The form has expired; please try again."))
    email = request.form.get("email", "").strip()
    target = safe_next(request.form.get("next"))
    if log_in(email, request.form.get("password", "")) is None:
        message = _("Wrong email or password.")
        return show("login.html", 401, errors={"": [message]}, form=request.form, next=target)
    if target == url_for("web.home") and allowed(principal(), Permission.INVENTORY_READ):
        target = url_for("web.due")  # the staff's home after logging in: what is due
    return redirect(target, code=303)


def logout() -> Response:
    log_out()
    return back("web.login")


def home() -> Response | tuple[str, int]:
    if principal().anonymous:
        return back("web.login")
    require(Permission.ACCOUNT)
    return show("home.html")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/login", "login", login_limit()(login), methods=["GET", "POST"])
    web.add_url_rule("/logout", "logout", logout, methods=["POST"])
    web.add_url_rule("/", "home", home)
