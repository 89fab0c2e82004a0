"""An animal's page: what it is (line, sex, birth, generation, protocol, litter, cage), its
pedigree (ancestors and descendants with their generation codes), its body weights with the
humane-endpoint alert, its genotypes, and the forms to weigh it, genotype it and record its
exit; and the import of a genotyping lab's file, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from repository.errors import NotFound, ValidationFailed
from repository.exchange.problems import ImportRejected, Report
from repository.models import Item, Litter, Protocol
from repository.schemas.colonies import ExitIn, WeightIn
from repository.schemas.genotypes import GenotypeIn
from repository.services import colonies, genotypes, storage
from repository.services.colonies import Endpoint, Relative
from repository.vocabulary import GONE

from ...context import database
from ...policy import Permission, require
from ...resources.colonies import PedigreeQuery
from .. import forms, uploads
from ..inputs import labelled
from ..pages import attempt, back, for_form, refused, show

LABELS: dict[str, Any] = {
    "weighed_on": _l("Weighed on"),
    "grams": _l("Weight (g)"),
    "condition_score": _l("Body condition score (1–5)"),
    "gene": _l("Gene"),
    "allele1": _l("Allele 1"),
    "allele2": _l("Allele 2"),
    "method": _l("Method"),
    "genotyped_on": _l("Genotyped on"),
    "exit": _l("How it left"),
    "exit_on": _l("Left on"),
    "by": _l("Seen to by"),
    "reason": _l("Reason"),
}
EXIT_LABELS = {**LABELS, "method": _l("Euthanasia method")}
WEIGHT_FIELDS = ["weighed_on", "grams", "condition_score"]
GENOTYPE_FIELDS = ["gene", "allele1", "allele2", "method", "genotyped_on"]
EXIT_FIELDS = ["exit", "exit_on", "by", "method", "reason"]
IMPORTED = "genotypes_imported"  # the session's key for the last import's count, shown once


def endpoint_said(reached: Endpoint) -> str:
    """Why a weight reaches the humane endpoint, in the page's language."""
    reasons = []
    if reached.loss_pct is not None and reached.baseline is not None:
        loss, baseline = f"{reached.loss_pct:g}", f"{reached.baseline:g}"
        reasons.append(
            _("%(loss)s %% below the baseline of %(baseline)s g", loss=loss, baseline=baseline)
        )
    if reached.condition_score is not None:
        reasons.append(_("body condition score %(n)d", n=reached.condition_score))
    return _("; ").join(reasons)


def _relatives(animal: Item, found: list[Relative]) -> list[dict[str, Any]]:
    """A pedigree's relatives as rows: the animal's parents named sire and dam."""
    parents = {}
    if animal.animal is not None:
        parents = {animal.animal.sire_id: _("Sire"), animal.animal.dam_id: _("Dam")}
    return [
        {
            "item": r.item,
            "distance": r.distance,
            "role": parents.get(r.item.id) if r.distance == 1 else None,
            "generation": (r.item.animal.generation if r.item.animal else None)
            or r.item.lot.generation,
        }
        for r in found
    ]


def _depth() -> int:
    try:
        query = PedigreeQuery().load({k: v for k, v in request.args.items() if k == "depth"})
    except ValidationError as error:
        raise ValidationFailed(error.normalized_messages()) from None
    return int(query["depth"])


def _values(db: Session, barcode: str) -> dict[str, Any]:
    depth = _depth()
    family = colonies.pedigree(db, barcode, depth)
    item: Item = family["animal"]
    animal = item.animal
    assert animal is not None
    weighed = colonies.weights(db, barcode)
    latest = weighed[-1].endpoint if weighed else None
    cage = item.container_id
    path = storage.path_rows(db, [cage]).get(cage, []) if cage is not None else []
    litter = db.get(Litter, animal.litter_id) if animal.litter_id is not None else None
    return {
        "i": item,
        "animal": animal,
        "line": item.lot.material,
        "generation": animal.generation or item.lot.generation,
        "protocol": db.get(Protocol, animal.protocol_id) if animal.protocol_id else None,
        "litter": litter,
        "path": path,
        "depth": depth,
        "depths": [(str(n), str(n)) for n in range(1, colonies.PEDIGREE_DEPTH + 1)],
        "ancestors": _relatives(item, family["ancestors"]),
        "descendants": _relatives(item, family["descendants"]),
        "weights": [(w.weight, endpoint_said(w.endpoint) if w.endpoint else None) for w in weighed],
        "alert": endpoint_said(latest) if latest is not None else None,
        "genotypes": genotypes.genotypes(db, barcode),
        "in_colony": animal.exit is None and item.status not in GONE,
        "weight_inputs": labelled(WeightIn, WEIGHT_FIELDS, LABELS),
        "genotype_inputs": labelled(GenotypeIn, GENOTYPE_FIELDS, LABELS),
        "exit_inputs": labelled(ExitIn, EXIT_FIELDS, EXIT_LABELS),
        "today": date.today().isoformat(),
    }


def animal_page(barcode: str) -> tuple[str, int]:
    require(Permission.INVENTORY_READ)
    return show("animal.html", **_values(database(), barcode))


def _weigh(db: Session, barcode: str) -> None:
    colonies.weigh(db, barcode, forms.load(WeightIn))


def _genotype(db: Session, barcode: str) -> None:
    genotypes.record_genotype(db, barcode, forms.load(GenotypeIn))


def _exit(db: Session, barcode: str) -> None:
    colonies.leave(db, barcode, forms.load(ExitIn))


ACTIONS: dict[str, Callable[[Session, str], None]] = {
    "weigh": _weigh,
    "genotype": _genotype,
    "exit": _exit,
}


def animal_action(barcode: str, action: str) -> Response | tuple[str, int]:
    require(Permission.INVENTORY_WRITE)
    if action not in ACTIONS:
        raise NotFound(_("No such action."))
    db = database()
    item = colonies.pedigree(db, barcode, 1)["animal"]  # an animal, or the page's 404 or 409
    error = attempt(lambda: ACTIONS[action](db, item.barcode))
    if error is not None:
        error = for_form(error, request.form)
        return refused("animal.html", error, action=action, **_values(db, item.barcode))
    return back("web.animal", barcode=item.barcode, done=action)


# --- a genotyping lab's file -------------------------------------------------------------------


def genotype_import() -> Response | tuple[str, int]:
    """The upload form (with the last import's count, once); posted, the file checked and,
    with no problem and not a dry run, imported: all of it or nothing."""
    require(Permission.INVENTORY_WRITE)
    if request.method == "GET":
        done = session.pop(IMPORTED, None)
        return show("genotype_import.html", form={}, done=done)
    dry_run = request.form.get("dry_run") == "true"
    kept = {"dry_run": "true"} if dry_run else {}
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        missing = ValidationFailed({"file": [_("Choose the genotyping lab's file.")]})
        return refused("genotype_import.html", missing, form_values=kept)
    found: list[tuple[int, Report]] = []
    with uploads.saved(upload, "genotypes.csv") as path:
        error = attempt(
            lambda: found.append(
                genotypes.import_file(database(), path, dry_run=dry_run, name=path.name)
            )
        )
    if isinstance(error, ImportRejected):
        return show("genotype_import.html", 422, form=kept, report=error.report)
    if error is not None:
        return refused("genotype_import.html", error, form_values=kept)
    count, report = found[0]
    if dry_run:
        return show("genotype_import.html", form=kept, report=report, count=count)
    session[IMPORTED] = {"file": report.file, "count": count}
    return back("web.genotype_import")


def routes(web: Blueprint) -> None:
    web.add_url_rule("/colony/animals/<string:barcode>", "animal", animal_page)
    web.add_url_rule(
        "/colony/animals/<string:barcode>/<action>",
        "animal_action",
        animal_action,
        methods=["POST"],
    )
    web.add_url_rule(
        "/colony/genotypes/import", "genotype_import", genotype_import, methods=["GET", "POST"]
    )
