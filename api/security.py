"""What the server does for every response and address: security headers (Talisman), the
proxies it trusts for the client's address and scheme, and the per-address login limit."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urljoin

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Pages run only the site's own scripts: no inline script, no framing, no plugins. Styles may
# set a width inline (the dashboard's bars) but never load from elsewhere.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"  # Swagger UI: its assets and one inline script
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

# Failed logins from one address (a lab behind one NAT shares it): counted apart from the
# per-account lockout, and high enough for a lab's people mistyping at once.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_limit():
    """The limit of failed logins per address, for the login views of the API and pages."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_ADDRESS_LIMIT"],
        scope="login",
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=lambda response: response.status_code == 401,
        error_message="Too many failed logins from this address; try again later.",
    )


def install(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # replacing the method is Flask's documented way to wrap its WSGI app
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.after_request(_docs_policy)  # after Talisman's headers (the last registered runs first)
    Talisman(
        app,
        force_https=False,  # HTTPS ends at the proxy; HSTS is sent on requests that came by it
        frame_options="DENY",
        content_security_policy=POLICY,
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )
    limiter.init_app(app)


def _docs_policy(response: Response) -> Response:
    """Swagger UI's page: its assets from their address (this site's, unless configured
    elsewhere), and its one inline script by hash."""
    if request.endpoint != DOCS_ENDPOINT:
        return response
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(response.get_data())
    )
    assets = urljoin(request.host_url, current_app.config["OPENAPI_SWAGGER_UI_URL"])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src {assets} {hashes}; style-src 'self' {assets}; "
        "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
    )
    return response
