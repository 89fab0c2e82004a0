"""Bulk registration from files for curators: upload, a dry run with the full problem report
or the counts, then a commit of the same upload."""

from __future__ import annotations

import codecs
from typing import Any

from flask import Blueprint, current_app, request, session
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from repository.errors import DomainError, NotFound, ValidationFailed
from repository.exchange import bulk
from repository.exchange.imports import FORMATS, Written, check_files, in_two_passes
from repository.exchange.problems import ImportRejected
from repository.models import Collection, Lot, Material
from repository.vocabulary import CollectionKind

from ...context import database, principal
from ...policy import Permission, require
from .. import uploads
from ..pages import attempt, back, collection_options, refused, show

PENDING = "import"  # the session's key for the upload awaiting its commit
DONE = "imported"  # and for the last commit's counts, shown once
LISTED = 20  # the new materials and lots the page links after a commit (the session is small)


def _values() -> dict[str, Any]:
    return {
        "collections": collection_options(Permission.REGISTER),
        "formats": [
            ("csv", _("CSV (one row per item)")),
            ("xlsx", _("XLSX (one row per item, or sheets)")),
            ("mcpd", _("MCPD passport data (seed collections)")),
        ],
    }


def _collection(code: str) -> Collection:
    """The collection, if the user curates it (otherwise it does not exist for them)."""
    found = database().query(Collection).filter_by(code=code).one_or_none()
    if found is None:
        raise NotFound(_("No collection %(code)s.", code=code))
    require(Permission.REGISTER, found.id)
    return found


def _checked() -> dict[str, str]:
    """The form's choices, or ValidationFailed naming the fields."""
    chosen = {k: request.form.get(k, "").strip() for k in ("collection", "format", "encoding")}
    errors: dict[str, list[str]] = {}
    if not chosen["collection"]:
        errors["collection"] = [_("Choose a collection.")]
    if chosen["format"] not in FORMATS:
        errors["format"] = [_("Choose a format.")]
    if chosen["encoding"]:
        try:
            codecs.lookup(chosen["encoding"])
        except LookupError:
            errors["encoding"] = [_("Unknown encoding.")]
    if not [f for f in request.files.getlist("files") if f.filename]:
        errors["files"] = [_("Choose one or more files.")]
    if errors:
        raise ValidationFailed(errors)
    collection = _collection(chosen["collection"])
    if chosen["format"] == "mcpd" and collection.kind is not CollectionKind.SEED_BANK:
        raise ValidationFailed({"format": [_("MCPD files are for seed collections.")]})
    return chosen


def _options(chosen: dict[str, str], dry_run: bool) -> bulk.Options:
    return bulk.Options(chosen["collection"], dry_run=dry_run, encoding=chosen["encoding"] or None)


def _in_two_passes(
    paths: list, fmt: str, options: bulk.Options, written: Written | None = None
) -> bulk.Outcome:
    """The import's check pass without SQLite's write lock, then its write in a unit of its
    own (the request's look-ups are committed first, so it holds no lock the import waits for)
    running `written` too."""
    database().commit()
    factory = current_app.extensions["biorepo"]
    return in_two_passes(
        factory,
        principal().user_id,
        lambda db: check_files(db, paths, fmt, options),
        written=written,
    )


def page() -> tuple[str, int]:
    """The upload form (with the last commit's counts, once); posted, the dry run."""
    require(Permission.REGISTER)
    if request.method == "POST":
        return _dry_run()
    return show("imports.html", form={}, done=session.pop(DONE, None), **_values())


def _dry_run() -> tuple[str, int]:
    """Check the upload, write nothing; keep it for the commit only if it is clean."""
    try:
        chosen = _checked()
    except DomainError as error:
        return refused("imports.html", error, **_values())
    uploads.drop(session.pop(PENDING, {}).get("token"))
    with uploads.keep([f for f in request.files.getlist("files") if f.filename]) as (token, paths):
        outcome = _in_two_passes(paths, chosen["format"], _options(chosen, True))
    names = [p.name for p in paths]
    if outcome.report.ok:
        session[PENDING] = {**chosen, "token": token, "files": names}
    else:
        uploads.drop(token)
    return show("imports.html", form=chosen, outcome=outcome, token=token, files=names, **_values())


def commit() -> Response | tuple[str, int]:
    """Import the upload the dry run checked, for real: all of it or nothing."""
    require(Permission.REGISTER)
    pending = session.pop(PENDING, None) or {}
    token = str(pending.get("token", ""))
    done: list[bulk.Outcome] = []
    with uploads.kept(token if request.form.get("token") == token else None) as paths:
        if paths is None:
            return refused("imports.html", _expired(), form_values={}, **_values())
        _collection(pending["collection"])
        options = _options(pending, False)
        error = attempt(
            lambda: done.append(
                _in_two_passes(paths, pending["format"], options, uploads.taken(token))
            )
        )
    uploads.drop(token)
    if isinstance(error, ImportRejected):
        outcome = bulk.Outcome(False, report=error.report)
        return show(
            "imports.html", 422, form=pending, outcome=outcome, files=pending["files"], **_values()
        )
    if error is not None:
        return refused("imports.html", error, form_values=pending, **_values())
    counts = done[0]
    session[DONE] = {
        "collection": pending["collection"],
        "files": pending["files"],
        **{k: getattr(counts, k) for k in ("rows", "materials", "lots", "items")},
        **_created(counts),
    }
    return back("web.imports")


def _expired() -> ValidationFailed:
    message = _("This upload is unknown or expired (after an hour); upload the files again.")
    return ValidationFailed({"": [message]})


def _created(outcome: bulk.Outcome) -> dict[str, list]:
    """The first new materials (id, accession number) and lots (id, accession number, lot
    number) of a commit, for the page to link them and the labels of their items."""
    created = outcome.created
    if created is None:
        return {"new_materials": [], "new_lots": []}
    lots = database().execute(
        select(Lot.id, Material.accession_number, Lot.number)
        .join(Material, Lot.material_id == Material.id)
        .where(Lot.id.in_(created.lots[:LISTED]))
        .order_by(Lot.id)
    )
    return {
        "new_materials": [list(m) for m in created.materials[:LISTED]],
        "new_lots": [list(lot) for lot in lots],
    }


def routes(web: Blueprint) -> None:
    web.add_url_rule("/imports", "imports", page, methods=["GET", "POST"])
    web.add_url_rule("/imports/commit", "import_commit", commit, methods=["POST"])
