"""Material transfer agreements: each collection's templates in hashed versions, the one a
request must accept (the SMTA for seeds of the multilateral system), and the access and
benefit-sharing and IP terms that travel with each distributed item."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..models import AgreementTemplate, AgreementVersion, Collection, Material, Seed
from ..schemas.sharing import CreateAgreement, NewVersion
from ..vocabulary import AbsStatus, AgreementKind
from ..words import Words as W
from ..words import words
from .collections import get_collection


def create_template(session: Session, command: CreateAgreement) -> AgreementTemplate:
    """A new agreement of the collection, with its text as version 1."""
    collection = get_collection(session, command.collection)
    if session.scalar(
        select(AgreementTemplate.id).where(
            AgreementTemplate.collection_id == collection.id,
            AgreementTemplate.name == command.name,
        )
    ):
        raise Conflict(f"{collection.code} has an agreement named {command.name!r}.", field="name")
    template = AgreementTemplate(collection=collection, name=command.name, kind=command.kind)
    session.add(template)
    session.flush()
    _add_version(session, template, command.text)
    return template


def add_version(
    session: Session, template: AgreementTemplate, command: NewVersion
) -> AgreementVersion:
    """A new version of the agreement's text; requests accept the latest from now on."""
    return _add_version(session, template, command.text)


def _add_version(session: Session, template: AgreementTemplate, text: str) -> AgreementVersion:
    number = (
        session.scalar(
            select(func.max(AgreementVersion.number)).where(
                AgreementVersion.template_id == template.id
            )
        )
        or 0
    ) + 1
    version = AgreementVersion(
        template=template,
        number=number,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    session.add(version)
    session.flush()
    session.refresh(template, ["versions"])
    return version


def get_template(session: Session, template_id: int) -> AgreementTemplate:
    template = session.get(AgreementTemplate, template_id)
    if template is None or not template.versions:
        raise NotFound(f"No agreement with id {template_id}.", field="agreement")
    return template


def templates(session: Session, collection_code: str | None = None) -> list[AgreementTemplate]:
    query = select(AgreementTemplate).join(Collection).order_by(AgreementTemplate.id)
    if collection_code:
        query = query.where(Collection.code == collection_code)
    return list(session.scalars(query))


def required_kind(materials: Iterable[Material]) -> AgreementKind:
    """Seeds of the multilateral system travel under the standard agreement (SMTA)."""
    in_mls = any(isinstance(m, Seed) and m.in_mls for m in materials)
    return AgreementKind.SMTA if in_mls else AgreementKind.MTA


def applicable(
    session: Session, collection_id: int, materials: Iterable[Material]
) -> AgreementTemplate | None:
    """The agreement a request for these materials accepts: the collection's newest of the
    required kind."""
    return session.scalar(
        select(AgreementTemplate)
        .where(
            AgreementTemplate.collection_id == collection_id,
            AgreementTemplate.kind == required_kind(materials),
        )
        .order_by(AgreementTemplate.id.desc())
        .limit(1)
    )


# The lines of the terms in both languages; {value} is the material's own text.
TERM_LINES = {
    "abs_status": W("Nagoya/ABS status: {value}", "名古屋议定书/ABS 状态：{value}"),
    "abs_permits": W("ABS permits: {value}", "ABS 许可：{value}"),
    "no_permits": W("ABS permits: none recorded", "ABS 许可：未记录"),
    "ipr": W("Intellectual property: {value}", "知识产权：{value}"),
    "restrictions_on_use": W("Restrictions on use: {value}", "使用限制：{value}"),
    "mls": W(
        "Multilateral System (ITPGRFA): distributed under the SMTA",
        "多边系统（ITPGRFA）：依照标准材料转让协议（SMTA）提供",
    ),
}


def terms(material: Material, locale: str = "en") -> list[str]:
    """The access-and-benefit-sharing, IP and use terms that travel with the material (on the
    catalogue, the packing list and in exports), in `locale` ("en" or "zh")."""

    def line(key: str, value: object = None) -> str:
        return TERM_LINES[key].said(locale).format(value=value)

    status = words(material.abs_status)
    lines = [line("abs_status", status.said(locale) if status else material.abs_status.value)]
    if material.abs_permits:
        lines.append(line("abs_permits", material.abs_permits))
    elif material.abs_status is AbsStatus.IN_SCOPE:
        lines.append(line("no_permits"))
    if material.ipr:
        lines.append(line("ipr", material.ipr))
    if material.restrictions_on_use:
        lines.append(line("restrictions_on_use", material.restrictions_on_use))
    if isinstance(material, Seed) and material.in_mls:
        lines.append(line("mls"))
    return lines
