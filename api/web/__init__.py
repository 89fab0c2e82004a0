"""The web pages: server-rendered Flask/Jinja views over the same services as the API."""

from __future__ import annotations

from flask import Blueprint, Flask

from repository.models.storage import position_label, row_name

from ..context import csrf_token
from . import history, i18n, inputs, nav, pages, terms
from .views import (
    animals,
    auth,
    batch_edits,
    bench,
    catalogue,
    colony,
    dashboard,
    desk,
    due,
    imports,
    labels,
    material_batch_edits,
    rooms,
    scan,
    search,
    sequences,
    sharing,
    storage,
    str_search,
)


def install(app: Flask) -> None:
    """Mount the pages at / (with Flask, not flask-smorest: they are not in the OpenAPI
    document), with translations, the navigation and HTML error pages. A blueprint per app,
    since a blueprint takes no routes once registered."""
    web = Blueprint(
        "web",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static/web",
    )
    for module in (
        auth,
        scan,
        search,
        batch_edits,
        material_batch_edits,
        storage,
        catalogue,
        sharing,
        desk,
        bench,
        imports,
        labels,
        dashboard,
        due,
        colony,
        animals,
        rooms,
        str_search,
        sequences,
    ):
        module.routes(web)
    i18n.routes(web)
    pages.register_errors(web)
    web.context_processor(nav.context)
    web.add_app_template_filter(terms.term, "term")
    web.add_app_template_global(history.event_sentence, "event_sentence")
    web.add_app_template_global(history.step_sentence, "step_sentence")
    web.add_app_template_filter(pages.number_break, "number_break")
    web.add_app_template_global(csrf_token, "csrf_token")
    web.add_app_template_global(inputs.label_of, "field_label")
    web.add_app_template_global(position_label, "position")
    web.add_app_template_global(row_name, "row_name")
    app.register_blueprint(web)
    i18n.install(app)
