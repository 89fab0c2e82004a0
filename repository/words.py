"""Every vocabulary value in words, English and Chinese: one table per vocabulary (an enum of
vocabulary.py, a coded list, or a field's list of choices), for pages, labels and reports."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple

from . import vocabulary as v


class Words(NamedTuple):
    """A value as people read it."""

    en: str
    zh: str

    def said(self, locale: str) -> str:
        return self.zh if locale == "zh" else self.en


W = Words

ENUMS: dict[type[StrEnum], dict[str, Words]] = {
    v.CollectionKind: {
        "culture_collection": W("culture collection", "菌种保藏中心"),
        "seed_bank": W("seed bank", "种质库"),
        "cell_bank": W("cell bank", "细胞库"),
        "animal_facility": W("animal facility", "实验动物中心"),
        "biobank": W("biobank", "生物样本库"),
    },
    v.MaterialKind: {
        "strain": W("strain", "菌株"),
        "seed": W("seed", "种子"),
        "cell_line": W("cell line", "细胞系"),
        "animal_line": W("animal line", "动物品系"),
        "specimen": W("specimen", "标本"),
    },
    v.AccessLevel: {
        "open": W("open", "公开"),
        "restricted": W("restricted", "受限"),
        "internal": W("internal", "内部"),
    },
    v.AbsStatus: {
        "out_of_scope": W("outside the Nagoya Protocol", "不属于名古屋议定书范围"),
        "in_scope": W("within the Nagoya Protocol", "属于名古屋议定书范围"),
        "unknown": W("not known", "未知"),
    },
    v.BiologicalStatus: {
        "wild": W("wild", "野生"),
        "natural_isolate": W("natural isolate", "自然分离株"),
        "landrace": W("landrace", "地方品种"),
        "breeding_material": W("breeding material", "育种材料"),
        "cultivar": W("cultivar", "栽培品种"),
        "laboratory_strain": W("laboratory strain", "实验室菌株"),
        "mutant": W("mutant", "突变体"),
        "genetically_modified": W("genetically modified", "转基因"),
        "transformed": W("transformed", "转化"),
        "primary": W("primary", "原代"),
        "other": W("other", "其他"),
    },
    v.PreservationMethod: {
        "glycerol_minus80": W("glycerol stock, −80 °C", "甘油保存，−80 °C"),
        "frozen_minus80": W("frozen, −80 °C", "冷冻，−80 °C"),
        "ln2_vapour": W("LN2 vapour", "液氮气相"),
        "ln2_liquid": W("LN2 liquid", "液氮液相"),
        "lyophilised": W("lyophilised", "冻干"),
        "dried_seed_minus18": W("dried seed, −18 °C", "干燥种子，−18 °C"),
        "dried_seed_4": W("dried seed, 4 °C", "干燥种子，4 °C"),
        "ffpe": W("FFPE", "FFPE 石蜡包埋"),
        "ambient": W("ambient", "常温"),
        "live": W("live", "活体"),
    },
    v.CellBankTier: {
        "mcb": W("master cell bank", "主细胞库"),
        "wcb": W("working cell bank", "工作细胞库"),
    },
    v.ItemForm: {
        "cryovial": W("cryovial", "冻存管"),
        "ampoule": W("ampoule", "安瓿"),
        "seed_packet": W("seed packet", "种子袋"),
        "tube": W("tube", "试管"),
        "slide": W("slide", "玻片"),
        "block": W("block", "蜡块"),
        "sheet": W("sheet", "标本纸"),
        "plate": W("plate", "平板"),
        "animal": W("animal", "动物"),
    },
    v.ItemStatus: {
        "available": W("available", "可用"),
        "reserved": W("reserved", "已预留"),
        "distributed": W("distributed", "已分发"),
        "consumed": W("consumed", "已用完"),
        "destroyed": W("destroyed", "已销毁"),
        "missing": W("missing", "丢失"),
    },
    v.Unit: {
        "ml": W("ml", "毫升"),
        "ul": W("µl", "微升"),
        "ug": W("µg", "微克"),
        "mg": W("mg", "毫克"),
        "g": W("g", "克"),
        "seeds": W("seeds", "粒"),
        "ampoule": W("ampoules", "支"),
        "cells": W("cells", "个细胞"),
        "animal": W("animals", "只"),
        "each": W("each", "个"),
    },
    v.StorageKind: {
        "site": W("site", "园区"),
        "room": W("room", "房间"),
        "freezer": W("freezer", "冰箱"),
        "ln2_tank": W("LN2 tank", "液氮罐"),
        "cold_room": W("cold room", "冷库"),
        "refrigerator": W("refrigerator", "冷藏柜"),
        "rack": W("rack", "架子"),
        "shelf": W("shelf", "层架"),
        "box": W("box", "冻存盒"),
        "cage": W("cage", "笼"),
        "container": W("container", "容器"),
    },
    v.EventType: {
        "collected": W("collected", "采集"),
        "received": W("received", "接收"),
        "accessioned": W("accessioned", "登记入库"),
        "preserved": W("preserved", "保藏"),
        "registered": W("registered", "登记"),
        "qc": W("QC", "质检"),
        "passaged": W("passaged", "传代"),
        "aliquoted": W("aliquoted", "分装"),
        "derived": W("derived", "衍生"),
        "placed": W("placed", "放置"),
        "moved": W("moved", "移动"),
        "reserved": W("reserved", "预留"),
        "shipped": W("shipped", "发货"),
        "returned": W("returned", "退回"),
        "consumed": W("consumed", "消耗"),
        "destroyed": W("destroyed", "销毁"),
        "missing": W("missing", "丢失"),
        "found": W("found", "找回"),
        "annotated": W("annotated", "备注"),
    },
    v.LabelTemplate: {
        "cryovial": W("cryovial", "冻存管"),
        "cap": W("cap", "管盖"),
        "seed-packet": W("seed packet", "种子袋"),
        "box": W("box", "冻存盒"),
        "box-map": W("box map", "冻存盒位置图"),
        "cage-card": W("cage card", "笼卡"),
        "packing-list": W("packing list", "装箱单"),
    },
    v.PrinterProtocol: {
        "zpl": W("ZPL", "ZPL"),
        "pdf": W("PDF", "PDF"),
    },
    v.PrinterTransport: {
        "tcp": W("network (TCP)", "网络（TCP）"),
        "directory": W("folder", "文件夹"),
        "cups": W("CUPS queue", "CUPS 队列"),
        "pull": W("agent (pull)", "代理（拉取）"),
    },
    v.PrintJobStatus: {
        "queued": W("queued", "排队中"),
        "sent": W("sent", "已发送"),
        "cancelled": W("cancelled", "已取消"),
    },
    v.ImportJobStatus: {
        "queued": W("queued", "排队中"),
        "running": W("running", "进行中"),
        "succeeded": W("succeeded", "已完成"),
        "failed": W("failed", "失败"),
    },
    v.QcTest: {
        "post_thaw_viability": W("post-thaw viability", "复苏活力"),
        "germination": W("germination", "发芽率"),
        "mycoplasma": W("mycoplasma", "支原体"),
        "sterility": W("sterility", "无菌检测"),
        "identity": W("identity", "鉴定"),
        "str_profile": W("STR profile", "STR 图谱"),
        "purity": W("purity", "纯度"),
        "concentration": W("concentration", "浓度"),
    },
    v.QcOutcome: {
        "pass": W("pass", "合格"),
        "fail": W("fail", "不合格"),
        "inconclusive": W("inconclusive", "无定论"),
    },
    v.StrAlgorithm: {
        "tanabe": W("Tanabe", "Tanabe 算法"),
        "masters_query": W("Masters vs query", "Masters 算法（以查询为准）"),
        "masters_reference": W("Masters vs reference", "Masters 算法（以参考为准）"),
    },
    v.StrMode: {
        "non_empty": W("markers of both profiles", "双方均有的位点"),
        "query": W("the query's markers", "查询图谱的位点"),
        "reference": W("the reference's markers", "参考图谱的位点"),
    },
    v.Authenticity: {
        "authenticated": W("authenticated", "鉴定相符"),
        "mismatch": W("mismatch", "鉴定不符"),
        "ambiguous": W("ambiguous", "不确定"),
    },
    v.StrVerdict: {
        "related": W("related", "同源"),
        "ambiguous": W("ambiguous", "不确定"),
        "unrelated": W("unrelated", "无关"),
    },
    v.Sex: {
        "female": W("female", "雌"),
        "male": W("male", "雄"),
        "unknown": W("unknown", "未知"),
    },
    v.MatingType: {
        "natural": W("natural mating", "自然交配"),
        "ivf": W("in vitro fertilisation", "体外受精"),
        "embryo_transfer": W("embryo transfer", "胚胎移植"),
        "ovary_transfer": W("ovary transfer", "卵巢移植"),
    },
    v.MatingStatus: {
        "active": W("active", "在配"),
        "retired": W("retired", "已淘汰"),
    },
    v.AnimalExit: {
        "death": W("found dead", "死亡"),
        "euthanasia": W("euthanised", "安乐死"),
        "shipped": W("shipped", "已运出"),
    },
    v.HealthResult: {
        "negative": W("negative", "阴性"),
        "positive": W("positive", "阳性"),
        "equivocal": W("equivocal", "可疑"),
    },
    v.AuditAction: {
        "insert": W("added", "新增"),
        "update": W("changed", "修改"),
        "delete": W("deleted", "删除"),
        "batch_insert": W("added in bulk", "批量新增"),
    },
    v.Role: {
        "admin": W("administrator", "管理员"),
        "curator": W("curator", "保藏管理员"),
        "technician": W("technician", "技术员"),
        "requester": W("requester", "申请人"),
        "printer": W("printer agent", "打印代理"),
    },
    v.RequestStatus: {
        "draft": W("draft", "草稿"),
        "submitted": W("submitted", "已提交"),
        "under_review": W("under review", "审核中"),
        "approved": W("approved", "已批准"),
        "partly_approved": W("partly approved", "部分批准"),
        "rejected": W("rejected", "已拒绝"),
        "agreement_signed": W("agreement signed", "已签协议"),
        "being_prepared": W("being prepared", "备货中"),
        "shipped": W("shipped", "已发货"),
        "delivered": W("delivered", "已送达"),
        "closed": W("closed", "已关闭"),
        "cancelled": W("cancelled", "已取消"),
    },
    v.Actor: {
        "lab": W("the lab", "申请实验室"),
        "collection": W("the collection", "保藏机构"),
    },
    v.LineDecision: {
        "pending": W("pending", "待定"),
        "approved": W("approved", "已批准"),
        "rejected": W("rejected", "已拒绝"),
    },
    v.IntendedUse: {
        "research": W("research", "科研"),
        "genetic_research": W("genetic research", "遗传研究"),
        "commercial_use": W("commercial use", "商业用途"),
        "teaching": W("teaching", "教学"),
    },
    v.AgreementKind: {
        "mta": W("material transfer agreement", "材料转移协议"),
        "smta": W("standard MTA (ITPGRFA)", "标准材料转移协议（ITPGRFA）"),
    },
    v.ShippingCondition: {
        "ambient": W("ambient", "常温"),
        "ice_packs": W("ice packs", "冰袋"),
        "dry_ice": W("dry ice", "干冰"),
        "ln2_dry_shipper": W("LN2 dry shipper", "液氮干式运输罐"),
    },
    v.AlertKind: {
        "regeneration": W("regenerate", "需繁殖更新"),
        "re_culture": W("re-culture", "需重新培养"),
    },
    v.SeedStore: {
        "base": W("base collection", "长期库"),
        "active": W("active collection", "中期库"),
    },
    v.IsolationMethod: {
        "none": W("no isolation", "不隔离"),
        "distance": W("isolation by distance", "空间隔离"),
        "time": W("isolation in time", "时间隔离"),
        "bagging": W("bagging", "套袋"),
        "caging": W("caging", "网室隔离"),
        "hand_pollination": W("hand pollination", "人工授粉"),
    },
    v.SeedRule: {
        "initial_test": W("never tested", "尚未检测"),
        "monitoring_interval": W("monitoring interval passed", "已到监测间隔"),
        "viability_drop": W("viability below the threshold", "生活力低于阈值"),
        "seed_count": W("too few seeds for three regenerations", "种子不足三次繁殖更新"),
        "minimum_stock": W("distributable stock under the minimum", "可分发量低于最低库存"),
    },
    v.IdentityVerdict: {
        "species": W("same species", "同种"),
        "genus": W("same genus", "同属"),
        "below_genus": W("below the genus threshold", "低于属阈值"),
        "low_coverage": W("too little of the query aligned", "查询序列比对覆盖不足"),
        "no_thresholds": W("no thresholds for the marker", "该标记未设阈值"),
        "no_hit": W("no similar sequence", "无相似序列"),
    },
    # last: a bare "missing" is an item status, not what a stocktake says of a tube
    v.Seen: {
        "matched": W("in place", "位置正确"),
        "moved": W("moved within what was counted", "在盘点范围内移位"),
        "arrived": W("from elsewhere", "来自别处"),
        "unknown": W("unknown code", "未知条码"),
        "missing": W("expected but not read", "应在但未读到"),
        "no_read": W("not read", "无法读取"),
    },
}

# MCPD v2.1 coded lists: the English meaning is vocabulary.py's; the Chinese is here.
_MCPD_ZH: dict[str, tuple[Mapping[int, str], dict[int, str]]] = {
    "sample_status": (
        v.SAMPLE_STATUS,
        {
            100: "野生",
            110: "自然",
            120: "半自然/野生",
            130: "半自然/播种",
            200: "杂草型",
            300: "传统品种/地方品种",
            400: "育种/研究材料",
            410: "育种品系",
            411: "合成群体",
            412: "杂交种",
            413: "奠基群体/基础群体",
            414: "自交系",
            415: "分离群体",
            416: "无性系选择",
            420: "遗传材料",
            421: "突变体",
            422: "细胞遗传材料",
            423: "其他遗传材料",
            500: "改良品种或育成品种",
            600: "转基因生物",
            999: "其他",
        },
    ),
    "acquisition_source": (
        v.ACQUISITION_SOURCE,
        {
            10: "野生生境",
            11: "森林或林地",
            12: "灌丛",
            13: "草地",
            14: "荒漠或冻原",
            15: "水生生境",
            20: "农田或栽培生境",
            21: "大田",
            22: "果园",
            23: "庭院、菜园或家庭园地",
            24: "休耕地",
            25: "牧场",
            26: "农家仓库",
            27: "打谷场",
            28: "公园",
            30: "市场或商店",
            40: "研究所、试验站、科研机构、种质库",
            50: "种子公司",
            60: "杂草丛生、受干扰或荒废生境",
            61: "路边",
            62: "田边",
            99: "其他",
        },
    ),
    "mls_status": (
        v.MLS_STATUS,
        {0: "不在多边系统内", 1: "在多边系统内", 99: "其他（见备注）"},
    ),
    "storage_types": (
        v.GERMPLASM_STORAGE,
        {
            10: "种子保存",
            11: "短期库",
            12: "中期库",
            13: "长期库",
            20: "田间保存",
            30: "离体保存",
            40: "超低温保存",
            50: "DNA 保存",
            99: "其他",
        },
    ),
}

# Choices a field offers without an enum (schemas.py's OneOf lists), named for the field.
FIELDS: dict[str, dict[str, Words]] = {
    "organism_type": {
        "bacterium": W("bacterium", "细菌"),
        "archaeon": W("archaeon", "古菌"),
        "yeast": W("yeast", "酵母"),
        "fungus": W("fungus", "真菌"),
        "alga": W("alga", "藻类"),
        "protist": W("protist", "原生生物"),
        "virus": W("virus", "病毒"),
        "bacteriophage": W("bacteriophage", "噬菌体"),
    },
    "oxygen_relationship": {
        "aerobe": W("aerobe", "需氧"),
        "anaerobe": W("anaerobe", "厌氧"),
        "facultative_anaerobe": W("facultative anaerobe", "兼性厌氧"),
        "microaerophile": W("microaerophile", "微需氧"),
    },
    "form_of_supply": {
        "lyophilised": W("lyophilised", "冻干"),
        "frozen": W("frozen", "冷冻"),
        "agar": W("agar culture", "琼脂培养物"),
        "liquid": W("liquid culture", "液体培养物"),
        "dna": W("DNA", "DNA"),
    },
    "donor_sex": {
        "Female": W("female", "女"),
        "Male": W("male", "男"),
        "Mixed sex": W("mixed sex", "混合性别"),
        "Sex ambiguous": W("sex ambiguous", "性别不明确"),
        "Sex unspecified": W("sex unspecified", "性别未说明"),
    },
    "growth_mode": {
        "adherent": W("adherent", "贴壁"),
        "suspension": W("suspension", "悬浮"),
        "mixed": W("mixed", "混合"),
    },
    "zygosity": {
        "homozygous": W("homozygous", "纯合"),
        "heterozygous": W("heterozygous", "杂合"),
        "hemizygous": W("hemizygous", "半合"),
        "wild_type": W("wild type", "野生型"),
    },
    "breeding_scheme": {
        "inbred": W("inbred", "近交系"),
        "outbred": W("outbred", "封闭群"),
        "congenic": W("congenic", "同源导入系"),
        "transgenic": W("transgenic", "转基因"),
        "knockout": W("knockout", "基因敲除"),
        "knock_in": W("knock-in", "基因敲入"),
        "mutant": W("mutant", "突变系"),
        "hybrid": W("hybrid", "杂交群"),
    },
    "specimen_type": {
        "whole_blood": W("whole blood", "全血"),
        "serum": W("serum", "血清"),
        "plasma": W("plasma", "血浆"),
        "buffy_coat": W("buffy coat", "白膜层"),
        "dna": W("DNA", "DNA"),
        "rna": W("RNA", "RNA"),
        "tissue_frozen": W("frozen tissue", "冷冻组织"),
        "tissue_ffpe": W("FFPE tissue", "FFPE 组织"),
        "saliva": W("saliva", "唾液"),
        "urine": W("urine", "尿液"),
        "faeces": W("faeces", "粪便"),
        "cell_pellet": W("cell pellet", "细胞沉淀"),
        "herbarium_sheet": W("herbarium sheet", "植物标本"),
        "other": W("other", "其他"),
    },
    "scope": {  # what a donor consented to
        "research": W("research", "科研"),
        "genetic_research": W("genetic research", "遗传研究"),
        "commercial_use": W("commercial use", "商业用途"),
        "data_sharing": W("data sharing", "数据共享"),
        "recontact": W("recontact", "再次联系"),
    },
    "format": {  # of a sequence file
        "fasta": W("FASTA", "FASTA 格式"),
        "genbank": W("GenBank", "GenBank 格式"),
    },
    "barcoded": {  # what a scanned code names
        "item": W("item", "样品"),
        "unit": W("storage unit", "存储单元"),
        "request": W("request", "申请"),
        "material": W("material", "资源"),
        "lot": W("lot", "批次"),
        "box": W("box", "冻存盒"),
    },
}
for _name, (_english, _chinese) in _MCPD_ZH.items():
    FIELDS[_name] = {
        str(code): W(f"{code} {meaning}", f"{code} {_chinese[code]}")
        for code, meaning in _english.items()
    }

FIELDS["verdict"] = ENUMS[v.Authenticity]  # an STR test's, in its events
_SORTED_BY = {  # an item search's sort (repository.schemas.search), each also descending
    "barcode": W("barcode", "条码"),
    "accession_number": W("accession number", "保藏编号"),
    "preserved_on": W("day preserved", "保藏日期"),
    "location": W("location", "存放位置"),
    "created_at": W("day registered", "登记时间"),
    "status": W("status", "状态"),
    "quantity": W("quantity", "数量"),
}
FIELDS["sort"] = _SORTED_BY | {
    f"-{key}": W(f"{said.en}, descending", f"{said.zh}（降序）") for key, said in _SORTED_BY.items()
}

# A bare value (a string, not an enum member) is looked up in these, in this order.
_ANY: dict[str, Words] = {}
for _table in [*ENUMS.values(), *FIELDS.values()]:
    for _value, _words in _table.items():
        _ANY.setdefault(_value, _words)


def words(value: object, vocabulary: str | None = None) -> Words | None:
    """The words of a vocabulary value: an enum member by its enum's table, a bare value by the
    named field's table, else by the first table that has it; None when no table has it."""
    if isinstance(value, StrEnum) and type(value) in ENUMS:
        return ENUMS[type(value)].get(value.value)
    key = str(getattr(value, "value", value))
    if vocabulary is not None and vocabulary in FIELDS:
        found = FIELDS[vocabulary].get(key)
        if found is not None:
            return found
    return _ANY.get(key)
