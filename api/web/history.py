"""History as sentences in the page's language: an event of an item, lot or material from its
kind and data, and a step of a request's timeline from its status and the request's records."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from repository.models import MaterialRequest, RequestStep
from repository.vocabulary import EventType, RequestStatus
from repository.words import Words

from .inputs import LABELS
from .terms import language, term

W = Words

# The animal colony's events (annotations of animals, and of protocols), by their data.
COLONY_SENTENCES: list[tuple[frozenset[str], Words]] = [
    (
        frozenset({"protocol", "expires_on"}),
        W(
            "Protocol {protocol} registered, valid until {expires_on}.",
            "登记动物实验方案 {protocol}，有效期至 {expires_on}。",
        ),
    ),
    (
        frozenset({"mated", "set_up_on"}),
        W("Set up in mating {mated} on {set_up_on}.", "{set_up_on} 配入交配组 {mated}。"),
    ),
    (
        frozenset({"retired_from", "retired_on"}),
        W(
            "Mating {retired_from} retired on {retired_on}.",
            "交配组 {retired_from} 于 {retired_on} 淘汰。",
        ),
    ),
    (
        frozenset({"plug_check", "checked_on", "plug"}),
        W(
            "Plug check of mating {plug_check} on {checked_on}: {plug}.",
            "{checked_on} 检查交配组 {plug_check} 的阴道栓：{plug}。",
        ),
    ),
    (
        frozenset({"litter", "born_on", "born_alive"}),
        W(
            "Gave birth to litter {litter} on {born_on}: {born_alive} alive, {born_dead} dead.",
            "{born_on} 产下窝 {litter}：活仔 {born_alive} 只，死仔 {born_dead} 只。",
        ),
    ),
    (
        frozenset({"litter_losses", "died"}),
        W(
            "{died} pup(s) of litter {litter_losses} died before weaning.",
            "窝 {litter_losses} 有 {died} 只幼仔在离乳前死亡。",
        ),
    ),
    (
        frozenset({"weaned_from", "generation", "protocol"}),
        W(
            "Weaned from litter {weaned_from}, generation {generation}, under protocol {protocol}.",
            "由窝 {weaned_from} 离乳，世代 {generation}，属动物实验方案 {protocol}。",
        ),
    ),
    (
        frozenset({"weaned_from", "protocol"}),
        W(
            "Weaned from litter {weaned_from} under protocol {protocol}.",
            "由窝 {weaned_from} 离乳，属动物实验方案 {protocol}。",
        ),
    ),
    (
        frozenset({"weight_g", "weighed_on", "humane_endpoint"}),
        W(
            "Weighed {weight_g} g on {weighed_on}: humane endpoint reached ({humane_endpoint}).",
            "{weighed_on} 称重 {weight_g} 克：已达人道终点（{humane_endpoint}）。",
        ),
    ),
    (
        frozenset({"weight_g", "weighed_on"}),
        W("Weighed {weight_g} g on {weighed_on}.", "{weighed_on} 称重 {weight_g} 克。"),
    ),
    (
        frozenset({"exit", "exit_on", "by", "euthanasia_method", "reason"}),
        W(
            "{exit} on {exit_on} by {by} ({euthanasia_method}): {reason}",
            "{exit_on} 由 {by} 实施{exit}（{euthanasia_method}），原因：{reason}",
        ),
    ),
    (
        frozenset({"exit", "exit_on", "by"}),
        W(
            "Left the colony on {exit_on} ({exit}), seen to by {by}.",
            "{exit_on} 离开种群（{exit}），经办人 {by}。",
        ),
    ),
    (
        frozenset({"genotype", "alleles", "genotyped_on"}),
        W(
            "Genotyped at {genotype} on {genotyped_on}: {alleles}.",
            "{genotyped_on} 鉴定 {genotype} 基因型：{alleles}。",
        ),
    ),
    (
        frozenset({"health_report", "room", "result", "reported_on"}),
        W(
            "Health monitoring of {room} on {reported_on}: {health_report} {result}.",
            "{reported_on} {room} 健康监测：{health_report} {result}。",
        ),
    ),
]

# Per kind of event, its sentences: the first whose data keys are all given (not None) is used;
# the last of each needs no data.
EVENT_SENTENCES: dict[EventType, list[tuple[frozenset[str], Words]]] = {
    EventType.COLLECTED: [(frozenset(), W("Collected.", "已采集。"))],
    EventType.RECEIVED: [(frozenset(), W("Received.", "已接收。"))],
    EventType.ACCESSIONED: [
        (
            frozenset({"accession_number", "collection"}),
            W(
                "Accessioned as {accession_number} in {collection}.",
                "登记入库：{collection} {accession_number}。",
            ),
        ),
        (frozenset(), W("Accessioned.", "已登记入库。")),
    ],
    EventType.PRESERVED: [
        (
            frozenset({"lot", "method", "quantity", "unit"}),
            W(
                "Preserved in lot {lot} ({method}), {quantity} {unit}.",
                "保藏于批次 {lot}（{method}），{quantity} {unit}。",
            ),
        ),
        (frozenset(), W("Preserved.", "已保藏。")),
    ],
    EventType.REGISTERED: [
        (
            frozenset({"lot", "method", "quantity", "unit", "place"}),
            W(
                "Registered in lot {lot} ({method}), {quantity} {unit}, placed in {place}.",
                "登记于批次 {lot}（{method}），{quantity} {unit}，放入 {place}。",
            ),
        ),
        (
            frozenset({"lot", "method", "quantity", "unit"}),
            W(
                "Registered in lot {lot} ({method}), {quantity} {unit}.",
                "登记于批次 {lot}（{method}），{quantity} {unit}。",
            ),
        ),
        (frozenset(), W("Registered.", "已登记。")),
    ],
    EventType.QC: [
        (
            frozenset({"germination_pct", "viability_pct", "seeds", "replicates", "tested_on"}),
            W(
                "Germination test of {seeds} seeds in {replicates} replicate(s): "
                "{germination_pct} % germinated, {viability_pct} % viable (tested on "
                "{tested_on}).",
                "发芽试验 {seeds} 粒（{replicates} 次重复）：发芽率 {germination_pct}%，"
                "生活力 {viability_pct}%（检测日期 {tested_on}）。",
            ),
        ),
        (
            frozenset({"test", "outcome", "value", "tested_on"}),
            W(
                "{test}: {outcome}, {value} {value_unit} (tested on {tested_on}).",
                "{test}：{outcome}，{value} {value_unit}（检测日期 {tested_on}）。",
            ),
        ),
        (
            frozenset({"test", "outcome", "tested_on"}),
            W(
                "{test}: {outcome} (tested on {tested_on}).",
                "{test}：{outcome}（检测日期 {tested_on}）。",
            ),
        ),
        (frozenset(), W("QC recorded.", "已记录质检结果。")),
    ],
    EventType.PASSAGED: [
        (
            frozenset({"from_lot", "to_lot", "passage_number", "beyond_limit", "override_reason"}),
            W(
                "Passaged from lot {from_lot} to lot {to_lot} (passage {passage_number}), beyond "
                "the passage limit of {beyond_limit}: {override_reason}",
                "由批次 {from_lot} 传代为批次 {to_lot}（第 {passage_number} 代），超出传代上限 "
                "{beyond_limit} 代，理由：{override_reason}",
            ),
        ),
        (
            frozenset({"from_lot", "to_lot", "passage_number", "thawed"}),
            W(
                "Passaged from lot {from_lot} to lot {to_lot} (passage {passage_number}), "
                "thawing {thawed}.",
                "由批次 {from_lot} 传代为批次 {to_lot}（第 {passage_number} 代），复苏 {thawed}。",
            ),
        ),
        (
            frozenset({"from_lot", "to_lot", "passage_number"}),
            W(
                "Passaged from lot {from_lot} to lot {to_lot} (passage {passage_number}).",
                "由批次 {from_lot} 传代为批次 {to_lot}（第 {passage_number} 代）。",
            ),
        ),
        (frozenset(), W("Passaged.", "已传代。")),
    ],
    EventType.ALIQUOTED: [
        (
            frozenset({"taken", "children"}),
            W("{taken} {unit} divided into {children}.", "取 {taken} {unit} 分装为 {children}。"),
        ),
        (
            frozenset({"parent", "quantity"}),
            W(
                "Aliquoted from {parent}, {quantity} {unit}.",
                "由 {parent} 分装而来，{quantity} {unit}。",
            ),
        ),
        (frozenset(), W("Aliquoted.", "已分装。")),
    ],
    EventType.DERIVED: [
        (
            frozenset({"taken", "children"}),
            W("{taken} {unit} used to derive {children}.", "取 {taken} {unit} 制备了 {children}。"),
        ),
        (
            frozenset({"parent", "quantity"}),
            W(
                "Derived from {parent}, {quantity} {unit}.",
                "由 {parent} 制备而来，{quantity} {unit}。",
            ),
        ),
        (frozenset(), W("Derived.", "已制备衍生物。")),
    ],
    EventType.PLACED: [
        (frozenset({"to"}), W("Placed in {to}.", "放入 {to}。")),
        (frozenset(), W("Placed.", "已放置。")),
    ],
    EventType.MOVED: [
        (
            frozenset({"with", "from", "to"}),
            W("Moved with {with} from {from} to {to}.", "随 {with} 从 {from} 移到 {to}。"),
        ),
        (frozenset({"from", "to"}), W("Moved from {from} to {to}.", "从 {from} 移到 {to}。")),
        (frozenset({"from"}), W("Taken out of {from}.", "从 {from} 取出。")),
        (frozenset({"to"}), W("Put in {to}.", "放入 {to}。")),
        (frozenset(), W("Moved.", "已移动。")),
    ],
    EventType.RESERVED: [
        (frozenset({"request"}), W("Reserved for request {request}.", "为申请 {request} 预留。")),
        (frozenset(), W("Reserved.", "已预留。")),
    ],
    EventType.SHIPPED: [
        (frozenset({"request"}), W("Shipped for request {request}.", "随申请 {request} 发出。")),
        (frozenset(), W("Shipped.", "已发出。")),
    ],
    EventType.RETURNED: [(frozenset(), W("Returned.", "已退回。"))],
    EventType.CONSUMED: [
        (
            frozenset({"quantity", "left"}),
            W(
                "{quantity} {unit} used, {left} {unit} left.",
                "用去 {quantity} {unit}，剩余 {left} {unit}。",
            ),
        ),
        (frozenset(), W("Used up.", "已用完。")),
    ],
    EventType.DESTROYED: [(frozenset(), W("Destroyed.", "已销毁。"))],
    EventType.MISSING: [(frozenset(), W("Marked missing.", "标记为丢失。"))],
    EventType.FOUND: [(frozenset(), W("Found again.", "已找回。"))],
    EventType.ANNOTATED: [
        (
            frozenset({"quarantined", "str_test", "verdict"}),
            W(
                "Quarantined after the STR test of {str_test} of lot {quarantined} ({verdict}).",
                "因批次 {quarantined} {str_test} 的 STR 检测（{verdict}）而隔离。",
            ),
        ),
        (
            frozenset({"quarantined", "test"}),
            W(
                "Quarantined: the {test} test of lot {quarantined} failed.",
                "已隔离：批次 {quarantined} 的{test}不合格。",
            ),
        ),
        (
            frozenset({"regenerated_from", "regeneration_cycle", "site", "harvested_on"}),
            W(
                "Regenerated from lot {regenerated_from} at {site} (cycle "
                "{regeneration_cycle}), harvested on {harvested_on}: {seeds_harvested} seeds.",
                "由批次 {regenerated_from} 在 {site} 繁殖更新（第 {regeneration_cycle} 轮），"
                "{harvested_on} 收获 {seeds_harvested} 粒。",
            ),
        ),
        (
            frozenset({"safety_duplicate", "sent_on"}),
            W(
                "Safety duplicate sent to {safety_duplicate} {institute} on {sent_on}.",
                "安全备份于 {sent_on} 送交 {safety_duplicate} {institute}。",
            ),
        ),
        (
            frozenset({"quarantine_lifted", "reason"}),
            W(
                "Quarantine lifted (with lot {quarantine_lifted}): {reason}",
                "解除隔离（随批次 {quarantine_lifted}）：{reason}",
            ),
        ),
        (
            frozenset({"released"}),
            W("Released from request {released}.", "已从申请 {released} 释放。"),
        ),
        (
            frozenset({"sequence", "placed_in", "identity", "identified_as"}),
            W(
                "Sequence {sequence} places it in {placed_in}: {identity} % identity to "
                "{identified_as}.",
                "序列 {sequence} 将其归入 {placed_in} 属：与 {identified_as} 的一致性为 "
                "{identity} %。",
            ),
        ),
        (
            frozenset({"taxon_kept", "sequence"}),
            W(
                "Taxon {taxon_kept} kept after review of sequence {sequence}.",
                "复核序列 {sequence} 后保留分类 {taxon_kept}。",
            ),
        ),
        (
            frozenset({"sequence", "marker", "length"}),
            W(
                "Sequence {sequence} filed ({marker}, {length} bases).",
                "登记序列 {sequence}（{marker}，{length} 个碱基）。",
            ),
        ),
        (
            frozenset({"batch_undone"}),
            W("Batch edit {batch_undone} undone.", "批量编辑 {batch_undone} 已撤销。"),
        ),
        (
            frozenset({"tube_code"}),
            W("Tube code {tube_code} attached.", "关联管码 {tube_code}。"),
        ),
        (
            frozenset({"tube_code_removed"}),
            W("Tube code {tube_code_removed} removed.", "移除管码 {tube_code_removed}。"),
        ),
        (frozenset({"changed"}), W("Changed: {changed}.", "修改了：{changed}。")),
        *COLONY_SENTENCES,
        (frozenset(), W("Annotated.", "已备注。")),
    ],
}


PLUG_FOUND, PLUG_NONE = W("plug found", "见栓"), W("no plug", "未见栓")


def _said(key: str, value: Any, lang: str) -> str:
    """A value of an event's data in words: lists joined, numbers without trailing zeros,
    changed fields by their labels, vocabulary values by their words."""
    if isinstance(value, list | tuple):
        parts = [_said(key, part, lang) for part in value]
        return ("、" if lang == "zh" else ", ").join(parts)
    if key == "changed":
        return str(LABELS.get(value, str(value).replace("_", " ")))
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return f"{Decimal(str(value)).normalize():f}"
    if key == "plug":
        return (PLUG_FOUND if value == "found" else PLUG_NONE).said(lang)
    if key in ("method", "unit", "value_unit", "test", "outcome", "exit", "result", "verdict"):
        return term(value, key)
    return str(value)


def event_sentence(kind: EventType | str, data: Mapping[str, Any] | None, unit: Any = None) -> str:
    """What happened, in a sentence of the page's language; `unit` is the item's (for
    quantities of aliquots and uses, whose data carries none)."""
    lang = language()
    given = {k: v for k, v in (data or {}).items() if v is not None and v != ""}
    if unit is not None:
        given.setdefault("unit", unit)
    given.setdefault("value_unit", "")
    for needs, words in EVENT_SENTENCES[EventType(kind)]:
        if needs <= given.keys():
            values = {k: _said(k, v, lang) for k, v in given.items()}
            text = words.said(lang).format_map(_Blank(values))
            return " ".join(text.split()).replace(" ,", ",").replace(" )", ")").replace(" ）", "）")
    raise AssertionError(f"{kind} has no sentence without data")  # every kind has one


class _Blank(dict):
    """Format values where a missing one reads as nothing (never "None")."""

    def __missing__(self, key: str) -> str:
        return ""


# What each step of a request's timeline says, beyond its status, from the request's records.
STEP_SENTENCES: dict[RequestStatus, Words] = {
    RequestStatus.DRAFT: W("The lab started the request.", "申请实验室创建了申请。"),
    RequestStatus.SUBMITTED: W("The lab sent the request.", "申请实验室提交了申请。"),
    RequestStatus.UNDER_REVIEW: W("The collection started the review.", "保藏机构开始审核。"),
    RequestStatus.APPROVED: W("The collection approved every line.", "保藏机构批准了全部条目。"),
    RequestStatus.PARTLY_APPROVED: W(
        "The collection approved some of the lines.", "保藏机构批准了部分条目。"
    ),
    RequestStatus.REJECTED: W("The collection rejected the request.", "保藏机构拒绝了申请。"),
    RequestStatus.AGREEMENT_SIGNED: W(
        "{signer} accepted {agreement} v{version} for {organisation}.",
        "{signer} 代表 {organisation} 接受了 {agreement} 第 {version} 版。",
    ),
    RequestStatus.BEING_PREPARED: W(
        "The collection is preparing the shipment.", "保藏机构正在备货。"
    ),
    RequestStatus.SHIPPED: W(
        "Sent with {courier}, tracking number {tracking}.",
        "已交 {courier} 寄出，运单号 {tracking}。",
    ),
    RequestStatus.DELIVERED: W("The lab confirmed the delivery.", "申请实验室确认收货。"),
    RequestStatus.CLOSED: W("The request is closed.", "申请已关闭。"),
    RequestStatus.CANCELLED: W("The request was cancelled.", "申请已取消。"),
}
FEEDBACK = W("The lab rated it {rating} of 5.", "申请实验室评分：{rating}/5。")


def step_sentence(step: RequestStep, request: MaterialRequest) -> str:
    """What a step of the timeline means, in a sentence of the page's language."""
    lang = language()
    values: dict[str, Any] = {}
    acceptance = request.acceptance
    if step.status is RequestStatus.AGREEMENT_SIGNED and acceptance is not None:
        version = acceptance.version
        values = {
            "signer": acceptance.signer_name,
            "agreement": version.template.name,
            "version": version.number,
            "organisation": request.organisation.name,
        }
    elif step.status is RequestStatus.SHIPPED and request.shipment is not None:
        values = {
            "courier": request.shipment.courier,
            "tracking": request.shipment.tracking_number,
        }
    if step.status is RequestStatus.CLOSED and request.feedback is not None:
        return FEEDBACK.said(lang).format(rating=request.feedback.rating)
    words = STEP_SENTENCES[step.status]
    if "{" in words.en and not values:
        return ""  # the records it would tell of are not there
    return words.said(lang).format(**values)
