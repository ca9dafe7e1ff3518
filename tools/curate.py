#!/usr/bin/env python3
# ruff: noqa: E501  (curation tables hold long URLs and quoted facts)
"""Curate the research notes into the project's embedded data.

Usage (from the repository root)::

    .venv/bin/python tools/curate.py --research ../shared/research --out .
    .venv/bin/python tools/curate.py --research ../shared/research --out . --check

Reads ``lao-cai-sites.csv``, ``lao-cai-stats.csv``, ``investor-facts.csv`` and ``zone-outlines.geojson`` from the
research folder and writes (see docs/data-model.md):

* ``data/geo/<layer>.geojson`` for the seven layers, one feature per CSV row (CSV order);
* ``data/geo/catalog.json`` and ``data/geo/README.md``;
* ``data/statistics.csv``, ``data/entities.csv`` and ``data/investor_facts.csv``;
* a dated section on top of ``data/CHANGES.md`` listing what changed against the committed files
  (``tools/curation_changes.py``; not compared by ``--check``: it is the history).

Everything is deterministic: the same research gives byte-identical files.  ``--check``
regenerates in memory, compares with the files under ``--out``, prints a diff and exits 1 when
they differ.

Curation tables below (alternatives, zone facts, as_of dates, ...) are transcribed from
``lao-cai-facts.md``; each entry carries the URL the facts file gives for it.  Nothing here is
invented: where the research gives nothing, the value is null and a note says so.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import re
import sys
import unicodedata
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from curation_changes import CHANGES_FILE, changes_section, with_section  # tools/, beside this file
from shapely.geometry import Point, Polygon, shape

from geo_industry.catalog import LAYER_IDS

LAYERS = list(LAYER_IDS)  # the layer ids are defined once, in the package's catalog module
KIND_TO_LAYER = {
    "industrial_zone": "industrial_zones",
    "economic_zone": "industrial_zones",
    "industrial_cluster": "industrial_clusters",
    "mine": "mines",
    "processing_plant": "processing_plants",
    "hydropower": "hydropower_plants",
    "border_gate": "border_gates",
    "transport": "transport",
}

LICENCE = (
    "The facts are public information compiled from the cited pages; zone outlines come from "
    "published decisions via the cited repository. The project's own compilation is offered "
    "under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)
ATTRIBUTION = "geo-industry, compiled from the cited sources"
ZONE_LAYERS = ("industrial_zones", "industrial_clusters")
OUTLINE_LAYER = "zone_outlines"

# --------------------------------------------------------------------------------------------
# Source URLs used by the curation tables (all quoted in lao-cai-facts.md)
# --------------------------------------------------------------------------------------------
SKILL = "https://github.com/Trangsct/skill-sct/blob/3821ed3bb6381b6340da81feaa135a329b025137"
U_APX = f"{SKILL}/quy-hoach-ct-vn/sources/qht-laocai-2026-phuluc.txt"
U_RPT = f"{SKILL}/quy-hoach-ct-vn/sources/qht-laocai-2026-baocao-thuyetminh.txt"
U_T32 = f"{SKILL}/quy-hoach-ct-vn/references/03-dien-lao-cai.md"
U_QD525 = f"{SKILL}/kccn-sct-vn/skills/kccn-sct-vn/references/13-qd525-quy-hoach-tinh.md"
U_CCN = f"{SKILL}/kcn-ccn-vn/references/15-hien-trang-ccn-bao-cao-18-6-2026.md"
U_QD866 = f"{SKILL}/quy-hoach-ct-vn/sources/qd866-dieuchinh-2026-phuluc.txt"
U_MTDT = "http://quanly.moitruongvadothi.vn/PrintPreview/25578/"
U_VNVN_IZ = "https://www.vietnam.vn/en/thu-hut-dau-tu-khu-cong-nghiep-o-lao-cai"
U_VNVN_GATES = (
    "https://www.vietnam.vn/en/tao-co-so-phap-ly-cho-cong-tac-thu-hut-dau-tu-thuc-day-hoat-dong-"
    "giao-thuong-quoc-te"
)
U_PLAN358 = (
    "http://www.laocai.gov.vn/khu-cong-nghiep--thuong-mai/ke-hoach-phat-trien-cac-kcn-moi-tren-"
    "dia-ban-den-nam-2030-thuc-hien-den-thang-5-nam-2023-1188006"
)
U_LAOCAITV = "http://laocaitv.vn/kinh-te-moi-truong/den-nam-2030-lao-cai-se-co-3-khu-cong-nghiep-moi"
U_VNECONOMY_2009 = "https://vneconomy.vn/lao-cai-da-cap-phep-dau-tu-84-du-an-thuy-dien.htm"
U_VOV_NGOIPHAT = "https://vov.vn/kinh-te/khanh-thanh-nha-may-thuy-dien-ngoi-phat-lao-cai-374385.vov"
U_SEO_VCCI = (
    "https://www.vccinews.com/news/44754/vietnam-china-power-investment-co-ltd-scaling-up-seo-"
    "chong-ho-hydropower-plant.html"
)
U_SEO_VNP = "https://www.vietnamplus.vn/nha-may-thuy-dien-seo-chong-ho-chinh-thuc-hoat-dong-post191764.vnp"
U_TL_DECISION = (
    "https://laocai.gov.vn/khu-cong-nghiep--thuong-mai/thanh-lap-khu-cong-nghiep-tang-loong-tinh-"
    "lao-cai-926489"
)
U_VTM_2012 = "http://vietnambusiness.asia/high-volumes-of-iron-ore-being-shipped-to-china"
U_VTM_2025 = "https://baolaocai.vn/nha-may-gang-thep-lao-cai-khai-lo-cao-tro-lai-post400856.html"
U_YB_IZ_PAGE = "https://yenbai.gov.vn/Pages/chi-tiet-thong-tin-khu-cum-cong-nghiep.aspx?ItemID=7"
U_TCCT_YB = "https://tapchicongthuong.vn/yen-bai-quy-hoach-moi-5-khu-cong-nghiep-109657.htm"
U_DNHN = (
    "https://doanhnghiephoinhap.vn/xay-dung-khu-kinh-te-cua-khau-tro-thanh-vung-kinh-te-dong-luc-"
    "cua-tinh-lao-cai.html"
)
U_HTDN25 = "http://htdn.laocai.gov.vn/Content/sach/files/basic-html/page25.html"
U_WRI_YB = (
    "https://github.com/wri/global-power-plant-database/blob/7a91cfbb2a4e272597acbc00506d61fc1ec73b3d"
    "/raw_source_files/WRI/Vietnam.csv"
)
U_SAPA_VNP = "https://en.vietnamplus.vn/construction-on-sa-pa-airport-begins/222975.vnp"
U_SAPA_SGGP = (
    "https://www.sggpnews.org.vn/national/sa-pa-airport-starts-construction-with-investment-of-"
    "us306-mln-97680.html"
)
U_DAP_VINACHEM = (
    "http://www.vinachem.com.vn/news/highlights-vnc/inauguration-ceremony-of-dap-no-2-lao-cai-"
    "fertilizer-production-plant.html"
)
U_DAP_DDDN = (
    "https://diendandoanhnghiep.vn/diem-mat-13-dai-du-an-thua-lo-cua-nganh-cong-thuong-ky-11-dap-"
    "lao-cai-con-te-hon-dap-dinh-vu-10075027.html"
)
FACTS = "research: lao-cai-facts.md"

# --------------------------------------------------------------------------------------------
# Curation tables (transcribed from lao-cai-facts.md)
# --------------------------------------------------------------------------------------------


def alt(value, source, note):
    return OrderedDict([("value", value), ("source", source), ("note", note)])


AREA_ALTERNATIVES = {
    "tang-loong-iz": [alt(914, U_MTDT, "2023 article (moitruongvadothi); facts: Disagreements")],
    "bac-duyen-hai-iz": [alt(66, U_MTDT, "2023 article (moitruongvadothi); facts: Disagreements")],
    "coc-my-trinh-tuong-iz": [
        alt(897, U_PLAN358, "Plan 358/KH-UBND (2022)"),
        alt(1100, U_LAOCAITV, "2023 Lào Cai TV report"),
    ],
    "ban-qua-iz": [
        alt(76, U_VNVN_GATES, "about 76 ha in the revised border-gate economic zone plan"),
        alt(76.39, f"{SKILL}/kccn-sct-vn/skills/kccn-sct-vn/van-ban-goc/QD-2170-2026-CTDT-KCN-Ban-Qua.pdf",
            "approved project area, QĐ 2170/QĐ-UBND of 23 Jun 2026 (within the 107 ha phase 1)"),
    ],
    "vo-lao-iz": [
        alt(482.6, f"{SKILL}/kccn-sct-vn/skills/kccn-sct-vn/van-ban-goc/QD-2463-2026-CTDT-KCN-Vo-Lao.pdf",
            "whole approved project, QĐ 2463/QĐ-UBND of 16 Jul 2026 (200 ha phase 1 + 282.6 ha "
            "after 2030)"),
    ],
    "yb-minh-quan-iz": [
        alt(112, U_YB_IZ_PAGE, "2008 planning decision 2077/QĐ-UBND of 25 Dec 2008"),
        alt(195.89, U_QD525, "area before the QĐ 525 decrease"),
    ],
    "yb-thinh-hung-iz": [alt(184, U_TCCT_YB, "earlier Yên Bái plan draft (phase 1 is 104 ha in QĐ 525)")],
    "yb-au-lau-iz": [alt(120, U_QD525, "area before the QĐ 525 increase")],
    "yb-ccn-bao-hung-2": [alt(75, U_CCN, "earlier planned area, cut to 50 ha where it overlapped the "
                                        "VietQuartz project")],
    "yb-ccn-yen-hop": [alt(75, U_CCN, "earlier planned area (75 → 12 ha)")],
    "dap-no2-lao-cai": [alt(70.85, f"{U_DAP_VINACHEM} ; {U_DAP_DDDN}",
                            "site area given by 'another source' in the facts file, which does not "
                            "say which of the row's pages prints it")],
    "sa-pa-airport": [alt(370, f"{U_SAPA_VNP} ; {U_SAPA_SGGP}",
                          "the facts give 370–371 ha across these sources")],
}

CAPACITY_ALTERNATIVES = {
    "bac-ha-hpp": [alt(70, U_VNECONOMY_2009, "MW, 2009 article")],
    "ngoi-phat-hpp": [
        alt(57, U_VNECONOMY_2009, "MW, 2009 article (2009 plan)"),
        alt(72, U_VOV_NGOIPHAT, "MW as built in 2014, before the 12 MW expansion of May 2020"),
    ],
    "seo-chong-ho-hpp": [
        alt(21, f"{U_SEO_VCCI} ; {U_SEO_VNP}",
            "MW; the facts give '21 / 21.7' for these two pages without saying which prints 21"),
        alt(30, U_APX, "MW in appendix 27 of the provincial plan adjustment, including an 8 MW "
                       "expansion"),
    ],
    "nam-toong-hpp": [alt(34, U_APX, "MW in appendix 27 of the provincial plan adjustment")],
    "thai-nien-hpp": [alt(75, U_T32, "MW under QĐ 768/QĐ-TTg (plan table 32)")],
    "bao-ha-hpp": [alt(75, U_T32, "MW under QĐ 768/QĐ-TTg (plan table 32)")],
    "lao-cai-iron-steel-plant": [
        alt(1000000, U_TL_DECISION, "t/yr: iron & steel project as listed for Tằng Loỏng IZ"),
        alt(330500, U_VTM_2025, "t billet: 2025 output target after the blast-furnace restart, "
                                "not a capacity"),
    ],
    "sin-quyen-concentrator-1": [alt(1.2, "https://vccinews.com/news/6363/.html",
                                     "Mt ore/yr: upper end of the 1.1–1.2 range")],
}

START_YEAR_ALTERNATIVES = {
    "yb-ho-bon-hpp": [alt(2012, U_WRI_YB, "WRI / Open Development Vietnam table (appendix 27: 2010)")],
    "yb-ngoi-hut-2-hpp": [alt(2014, U_WRI_YB, "WRI / Open Development Vietnam table (appendix 27: "
                                              "2015)")],
}

RESERVES_NOTES = {
    "sin-quyen-copper-mine": (
        "53.5 Mt @0.95% Cu (baolaocai); 52 Mt ≈550 kt Cu (doingoai); 45 Mt @1.01% (CNMC); >100 Mt "
        "including forecast (2013 report)"),
    "quy-xa-iron-mine": "112 / 120 / 124 Mt (various sources); ~100 Mt remaining (MOIT 2022)",
    "apatite-lao-cai-belt": "2.1–2.5 bn t total (sources differ); ~736 Mt minable, rest forecast",
    "o-quy-ho-molybdenum": "154,000 t (industrialzone.vn) vs 15.4 kt (arit.gov.vn)",
    "ta-phoi-copper-mine": "~35 Mt ore (estimate)",
}

# Zone facts for the key zones.  Every key is a layer-specific field; "sources" are added to the
# feature's sources.
ZONE_FACTS = {
    "tang-loong-iz": {
        "establishment_decision": "601/QĐ-UBND, 2011-03-15 (UBND tỉnh Lào Cai)",
        "priority_sectors": "mineral beneficiation, metallurgy, fertiliser, chemicals",
        "zone_note": ("29 registered projects, ~20,000 bn VND (21 operating, 3 under construction, "
                      "3 suspended); 22 enterprises (2025). Anchor tenants: copper smelter, apatite "
                      "concentrator, DAP No.2, Đức Giang complex, yellow-phosphorus plants."),
        "sources": [U_TL_DECISION, "https://diendandoanhnghiep.vn/print/10151442.html", U_VNVN_IZ],
    },
    "dong-pho-moi-iz": {
        "in_economic_zone": "lao-cai-bgez",
        "priority_sectors": "clean industry: processing, packaging, warehousing for import–export",
        "zone_note": ("42 projects; 2024 output 259 bn VND. Site of the new Lào Cai station of the "
                      "standard-gauge railway (groundbreaking 19 Dec 2025); firms are being moved "
                      "out to a Bản Qua site."),
        "sources": [U_VNVN_IZ, "https://viglaceraip.com/?p=46721"],
    },
    "bac-duyen-hai-iz": {
        "in_economic_zone": "lao-cai-bgez",
        "priority_sectors": "clean industry: processing, packaging, warehousing for import–export",
        "zone_note": "63 projects; 2024 output 166 bn VND.",
        "sources": [U_VNVN_IZ],
    },
    "lao-cai-bgez": {
        "establishment_decision": "100/QĐ-TTg, 1998-05-26",
        "planning_decision": ("40/2016/QĐ-TTg (area 15,929.8 ha); master plan 1627/QĐ-TTg, "
                              "2018-11-23 (revised later)"),
        "zone_note": ("Contains Bắc Duyên Hải and Đông Phố Mới IZs and the Kim Thành area (184 ha). "
                      "One of 8 border-gate economic zones prioritised 2021–2025. Earlier extents: "
                      "5,000+ ha, 6,513.8 ha, 7,900 ha (2008). 2022: 159 projects, 12,821 bn VND "
                      "registered. Founding also given as 'formed from 2001' in one article."),
        "sources": [U_DNHN, U_HTDN25],
    },
    "kim-thanh-trade-zone": {
        "in_economic_zone": "lao-cai-bgez",
        "zone_note": ("Logistics and warehousing at border gate No. II; the Kim Thành – Bản Vược "
                      "logistics zone is planned."),
        "sources": [U_VNVN_IZ, U_DNHN],
    },
    "vo-lao-iz": {
        "investment_policy_decision": "2463/QĐ-UBND, 2026-07-16",
        "investment_capital_bn_vnd": 5171.344,
        "operating_term_years": 70,
        "priority_sectors": "general industry, including downstream processing of Tằng Loỏng products",
        "zone_note": ("482.6 ha in xã Võ Lao and xã Tằng Loỏng: phase 1 (200 ha) due Q3 2029, the "
                      "remaining 282.6 ha after 2030. Infrastructure investment approved 2024 "
                      "(1,807 bn VND); ~20 km from the expressway's Phố Lu interchange."),
        "sources": [],
    },
    "coc-my-trinh-tuong-iz": {
        "in_economic_zone": "lao-cai-bgez",
        "zone_note": ("Planned; target operation 2025 in Plan 358/KH-UBND; added to the border-gate "
                      "economic zone plan. Plan 358 expects 25,000–30,000 bn VND/yr output "
                      "(2010 constant prices)."),
        "sources": [U_PLAN358, U_VNVN_GATES],
    },
    "ban-qua-iz": {
        "investment_policy_decision": "2170/QĐ-UBND, 2026-06-23",
        "investment_capital_bn_vnd": 1360.668,
        "operating_term_years": 50,
        "in_economic_zone": "lao-cai-bgez",
        "priority_sectors": "processing and packaging for import–export",
        "zone_note": ("76.39 ha approved within the 107 ha phase 1 of the plan; designed as an "
                      "eco-industrial park; completion due Q4 2027; relocation site for firms "
                      "moving out of Đông Phố Mới. Plan 358 expects 6,000–8,200 bn VND/yr output "
                      "(2010 constant prices)."),
        "sources": [U_PLAN358, U_VNVN_GATES],
    },
    "cam-con-iz": {
        "zone_note": ("Planned, operation 2026; inside the Red River corridor plan (Decision "
                      "321/QĐ-UBND, 16 Feb 2023). Plan 358 expects 5,000–6,000 bn VND/yr output "
                      "(2010 constant prices)."),
        "sources": [U_PLAN358],
    },
    "phu-xuan-iz": {
        "investment_policy_decision": "2336/QĐ-UBND, 2026-07-02",
        "investment_capital_bn_vnd": 3277,
        "operating_term_years": 70,
        "zone_note": "xã Gia Phú; infrastructure works planned for 2027, operation from Q1 2028.",
        "sources": [],
    },
    "phu-xuan-1-iz": {
        "investment_policy_decision": "2338/QĐ-UBND, 2026-07-02",
        "investment_capital_bn_vnd": 2185,
        "operating_term_years": 70,
        "zone_note": "xã Gia Phú; infrastructure works planned for 2027, operation from Q1 2028.",
        "sources": [],
    },
    "yb-phia-nam-iz": {
        "zone_note": ("First IZ of Yên Bái, founded 2005. Central wastewater plant under "
                      "construction (due 2025)."),
        "sources": [],
    },
    "yb-minh-quan-iz": {
        "planning_decision": "2077/QĐ-UBND, 2008-12-25 (112 ha); adjusted to 160 ha by QĐ 525/QĐ-UBND",
        "priority_sectors": ("building materials, mineral processing, agro-forestry processing, "
                             "chemicals, consumer goods"),
        "sources": [U_YB_IZ_PAGE],
    },
    "yb-tran-yen-iz": {
        "zone_note": ("Listed as established in QĐ 525 but not among the three operating zones in "
                      "2025; next to Âu Cơ road and IC12."),
        "sources": [],
    },
    "yb-thinh-hung-iz": {"zone_note": "Phase 1; +80 ha after 2030.", "sources": []},
    "yb-luc-yen-iz": {"zone_note": "Phase 1; +79 ha after 2030.", "sources": []},
}

# Per-cluster status from the cluster report of 18 Jun 2026 (former Yên Bái).
# id: (industrial_land_ha, occupancy_pct, occupancy_note)
CLUSTER_FACTS = {
    "yb-ccn-au-lau": (31.2, 95, "more than 95%; 13 projects"),
    "yb-ccn-dam-hong": (11.99, 100, "100%; 23 firms"),
    "yb-ccn-bao-dap": (14, 23.29, "23.29%; 4 projects"),
    "yb-ccn-hung-khanh": (14, 49.3, "49.3%; 3 projects"),
    "yb-ccn-minh-quan": (53.5, None, None),
    "yb-ccn-y-can": (52, None, None),
    "yb-ccn-thinh-hung": (37.14, 87.75, "87.75%; 5 projects"),
    "yb-ccn-phu-thinh-1": (52.5, None, None),
    "yb-ccn-phu-thinh-2": (52.5, None, None),
    "yb-ccn-phu-thinh-3": (52.5, None, None),
    "yb-ccn-son-thinh": (41.13, 37.88, "37.88%; 4 projects; 2 large projects halted"),
    "yb-ccn-yen-the": (27.98, 40.24, "40.24%; 3 projects"),
    "yb-ccn-bac-van-yen": (38.5, 88.05, "88.05%; 6 projects"),
    "yb-ccn-dong-an": (23.04, 48.35, "48.35%; 1 project"),
    "yb-ccn-yen-hop": (None, 78.87, "78.87%"),
    "yb-ccn-tay-cau-mau-a": (24.5, 45.55, "45.55%"),
}

AREA_BASIS = {
    "tang-loong-iz": "established",
    "lao-cai-bgez": "adjusted",
    "vo-lao-iz": "planned",
    "coc-my-trinh-tuong-iz": "planned",
    "ban-qua-iz": "planned",
    "cam-con-iz": "planned",
    "phu-xuan-iz": "established",
    "phu-xuan-1-iz": "established",
    "yb-phia-nam-iz": "established",
    "yb-au-lau-iz": "adjusted",
    "yb-minh-quan-iz": "adjusted",
    "yb-tran-yen-iz": "established",
    "yb-ccn-bao-hung-2": "adjusted",
    "yb-ccn-yen-hop": "adjusted",
    "sin-quyen-copper-mine": "licensed",
    "kip-tuoc-iron-mine": "licensed",
    "ben-den-rare-earth": "planned",
    "muong-hum-nam-pung-ree": "planned",
    "kin-tchang-ho-molybdenum": "planned",
    "nam-thi-graphite-mine": "planned",
    "bao-ha-graphite-mine": "planned",
    "yb-van-yen-graphite-area": "planned",
}

# Mines: commodity slug (domain.md §c.4, extended where noted in the catalog) and mineral group.
COMMODITY_RULES = [  # (regex on commodity_or_sector, slug) — first match wins
    (r"copper", "copper_ore"),
    (r"rare earth", "rare_earth"),
    (r"iron ore", "iron_ore"),
    (r"apatite", "apatite"),
    (r"molybdenum", "molybdenum"),
    (r"graphite", "graphite"),
    (r"feldspar", "feldspar"),
    (r"kaolin", "kaolin"),
    (r"cement raw material", "limestone_cement"),
    (r"white (marble|limestone)", "white_marble_limestone"),
    (r"ruby|gemstone|corundum", "gemstone"),
    (r"lead|zinc", "lead_zinc"),
    (r"gold", "gold"),
]
MINERAL_GROUP = {
    "copper_ore": "I", "iron_ore": "I", "apatite": "I", "molybdenum": "I", "rare_earth": "I",
    "gemstone": "I", "lead_zinc": "I", "gold": "I", "limestone_cement": "II",
}
COMMODITY_VOCAB = {
    "apatite": ("quặng apatit", "apatite ore"),
    "copper_ore": ("quặng đồng", "copper ore"),
    "iron_ore": ("quặng sắt", "iron ore"),
    "molybdenum": ("quặng molipđen", "molybdenum ore"),
    "gold": ("vàng", "gold"),
    "graphite": ("graphit", "graphite"),
    "feldspar": ("fenspat", "feldspar"),
    "kaolin": ("cao lanh", "kaolin"),
    "limestone_cement": ("đá vôi xi măng", "cement limestone"),
    "white_marble_limestone": ("đá hoa, đá vôi trắng", "white marble / white limestone "
                               "(ornamental stone, CaCO3 powder)"),
    "rare_earth": ("quặng đất hiếm", "rare-earth ore"),
    "gemstone": ("đá quý", "gemstones (ruby, spinel, sapphire)"),
    "lead_zinc": ("quặng chì-kẽm", "lead-zinc ore"),
    "construction_stone": ("đá xây dựng", "construction stone"),
    "sand_gravel": ("cát, sỏi", "sand and gravel"),
    "other": ("khác", "other"),
}

PLANT_TYPE = {
    "tang-loong-copper-smelter": "smelter",
    "ban-qua-copper-smelter": "smelter",
    "sin-quyen-concentrator-1": "concentrator",
    "sin-quyen-concentrator-2": "concentrator",
    "dap-no2-lao-cai": "fertiliser",
    "dap2-gypsum-recycling": "other",
    "duc-giang-lao-cai-complex": "chemical",
    "lao-cai-iron-steel-plant": "steel",
    "tang-loong-apatite-concentrator": "concentrator",
    "cam-duong-apatite-concentrator": "concentrator",
    "bac-nhac-son-apatite-concentrator": "concentrator",
    "yb-yen-binh-cement": "building_materials",
    "yb-yen-bai-cement": "building_materials",
    "yb-ybb-caco3": "non_metallic_minerals",
    "yb-yen-bai-copper-smelter-son-thinh": "smelter",
    "yb-yen-bai-copper-smelter-phia-nam": "smelter",
    "yb-yen-bai-polymetal-plant": "smelter",
    "yb-van-yen-graphite-plant": "concentrator",
    "yb-rk-marble-plant": "non_metallic_minerals",
    "yb-yen-bai-paper-mill": "agro_forest",
    "yb-an-tien-masterbatch": "other",
    "yb-vietquartz-plant": "non_metallic_minerals",
    "yb-daeseung-garment": "other",
    "yb-bmc-yen-bai": "other",
    "yb-son-ha-spice": "agro_forest",
}
PLANT_ZONE = {
    "tang-loong-copper-smelter": "tang-loong-iz",
    "dap-no2-lao-cai": "tang-loong-iz",
    "dap2-gypsum-recycling": "tang-loong-iz",
    "duc-giang-lao-cai-complex": "tang-loong-iz",
    "lao-cai-iron-steel-plant": "tang-loong-iz",
    "tang-loong-apatite-concentrator": "tang-loong-iz",
    "yb-yen-bai-copper-smelter-son-thinh": "yb-ccn-son-thinh",
    "yb-yen-bai-polymetal-plant": "yb-ccn-son-thinh",
    "yb-yen-bai-copper-smelter-phia-nam": "yb-phia-nam-iz",
    "yb-an-tien-masterbatch": "yb-phia-nam-iz",
    "yb-rk-marble-plant": "yb-ccn-yen-the",
    "yb-yen-bai-paper-mill": "yb-minh-quan-iz",
    "yb-daeseung-garment": "yb-ccn-thinh-hung",
    "yb-bmc-yen-bai": "yb-ccn-dong-an",
    "yb-son-ha-spice": "yb-ccn-yen-hop",
}

RIVER = {
    "bac-ha-hpp": "Chảy",
    "ngoi-phat-hpp": "Ngòi Phát",
    "ta-thang-hpp": "Ngòi Bo",
    "su-pan-2-hpp": "Ngòi Bo",
    "su-pan-1-hpp": "Ngòi Bo",
    "nam-cun-hpp": "Ngòi Bo",
    "muong-hum-hpp": "Mường Hum (upper Ngòi Phát)",
    "nam-toong-hpp": "Nậm Toóng / Nậm Trung Hồ",
    "si-ma-cai-hpp": "Chảy",
    "thai-nien-hpp": "Hồng (Red River)",
    "bao-ha-hpp": "Hồng (Red River)",
    "coc-san-hpp": "Ngòi Đum",
    "nam-phang-hpp": "Nậm Phàng",
    "nam-phang-b-hpp": "Nậm Phàng",
    "bao-nhai-1-hpp": "Chảy",
    "bao-nhai-2-hpp": "Chảy",
    "yb-thac-ba-hpp": "Chảy",
}
DESIGN_GWH = {  # mean annual generation (design), GWh/yr, from facts §4
    "bac-ha-hpp": 378,
    "nam-cun-hpp": 162.26,
    "nam-toong-hpp": 151,
    "seo-chong-ho-hpp": 99.4,
    "muong-khuong-hpp": 37.94,
}

# Border gates: id -> (gate_class, counterpart_cn, mode, gate_note)
GATES = {
    "lao-cai-intl-road-gate": ("international", "Hà Khẩu (Hekou)", "road",
                               "Hồ Kiều bridge over the Nậm Thi; reopened 18 May 1993; reopened "
                               "8 Jan 2023 after COVID, 07:00–22:00"),
    "lao-cai-intl-rail-gate": ("international", "Hà Khẩu (Hekou)", "rail",
                               "metre-gauge freight into China; containers transfer at Hekou North "
                               "station (standard gauge)"),
    "kim-thanh-intl-road-gate-2": ("international", None, "road",
                                   "freight, 07:00–19:00; Decision 1199/QĐ-TTg (2023) lists Kim "
                                   "Thành among the 7 clearance points of the province"),
    "muong-khuong-intl-gate": ("international", "Kiều Đầu", None,
                               "international gate under Decision 1199/QĐ-TTg (14 Oct 2023); "
                               "being upgraded"),
    "ban-vuoc-intl-gate": ("international", "Pả Sa (Bá Sái)", None,
                           "international gate under Decision 1199/QĐ-TTg (14 Oct 2023); "
                           "being upgraded"),
    "ban-quan-crossing": ("clearance_point", None, None, "clearance point, Decision 1199/QĐ-TTg"),
    "lung-po-crossing": ("clearance_point", None, None, "clearance point, Decision 1199/QĐ-TTg"),
    "y-ty-crossing": ("clearance_point", None, None, "clearance point, Decision 1199/QĐ-TTg"),
    "na-loc-crossing": ("clearance_point", None, None, "clearance point, Decision 1199/QĐ-TTg"),
    "lo-co-chin-crossing": ("clearance_point", None, None, "clearance point, Decision 1199/QĐ-TTg"),
    "hoa-chu-phung-crossing": ("clearance_point", None, None,
                               "clearance point, Decision 1199/QĐ-TTg"),
}
TRANSPORT_TYPE = {
    "lao-cai-station": "rail_station",
    "noi-bai-lao-cai-expressway": "expressway",
    "hanoi-lao-cai-railway": "railway",
    "lao-cai-hanoi-haiphong-railway": "railway",
    "sa-pa-airport": "airport",
    "yb-yen-bai-airport": "airport",
    "yb-yen-bai-station": "rail_station",
    "yb-ic12": "expressway_ic",
    "yb-ic14": "expressway_ic",
    "yb-ic15": "expressway_ic",
    "yb-thac-ba-ports": "inland_port",
}
LINE_IDS = {"noi-bai-lao-cai-expressway", "hanoi-lao-cai-railway", "lao-cai-hanoi-haiphong-railway"}

# as_of ------------------------------------------------------------------------------------
# Dated documents whose facts (status, areas, capacities) the rows carry.
DOC_DATES = [  # (substring of URL, date, label, kinds/ids it is a fact source for or None=all)
    ("QD-2463-2026", "2026-07-16", "QĐ 2463/QĐ-UBND", None),
    ("QD-2170-2026", "2026-06-23", "QĐ 2170/QĐ-UBND", None),
    ("QD-2336-2026", "2026-07-02", "QĐ 2336/QĐ-UBND", None),
    ("QD-2338-2026", "2026-07-02", "QĐ 2338/QĐ-UBND", None),
    ("18-hien-trang-cap-nhat", "2026-07-02", "cluster status update of 2 Jul 2026", None),
    ("15-hien-trang-ccn-bao-cao-18-6-2026", "2026-06-18", "cluster report of 18 Jun 2026", None),
    ("qht-laocai-2026-baocao-thuyetminh", "2026-06-07",
     "provincial plan adjustment report (working version of 7 Jun 2026)", None),
    ("qht-laocai-2026-phuluc", "2026-06-07",
     "provincial plan adjustment appendices (working version of 7 Jun 2026)", "APX"),
    ("03-dien-lao-cai", "2026-06-07", "plan table 32 of the 2026 provincial plan adjustment", None),
    ("qd866-dieuchinh-2026-phuluc", "2026-03",
     "draft adjustment of QĐ 866/QĐ-TTg (March 2026, unsigned)", "QD866"),
    ("13-qd525-quy-hoach-tinh", "2026-02-25", "QĐ 525/QĐ-UBND of 25 Feb 2026", None),
    ("17-qd525-quy-hoach-tinh", "2026-02-25", "QĐ 525/QĐ-UBND of 25 Feb 2026", None),
    ("ds-gp-khai-thac-31-10-2025", "2025-10-31", "mining licence list of 31 Oct 2025", None),
]
# Where a URL is only a coordinate anchor for a row, it is not a fact source for as_of:
APX_FACT_IDS = {"yb-luc-yen-gem-nuoc-ngop", "yb-tan-huong-gem", "yb-thac-ba-ports", "yb-ybb-caco3"}

AS_OF_MANUAL = {  # id: (as_of, as_of_note)
    "tang-loong-iz": ("2025", "tenant count of 2025 (vietnam.vn); area per the 2011 decision, "
                              "repeated 2025; outline from the plan map of 30 Dec 2024"),
    "dong-pho-moi-iz": ("2025", "2024 output and 2025 reports; railway groundbreaking Dec 2025"),
    "bac-duyen-hai-iz": ("2025", "area as given in 2025 (vietnam.vn)"),
    "lao-cai-bgez": ("2016", "area per Decision 40/2016/QĐ-TTg"),
    "kim-thanh-trade-zone": ("2025", "2025 article (vietnam.vn)"),
    "coc-my-trinh-tuong-iz": ("2023", "Plan 358 (2022) and the 2023 reports"),
    "cam-con-iz": ("2023-05", "Plan 358 implementation to May 2023 (laocai.gov.vn)"),
    "ccn-son-man": ("2023", "existing clusters named in 2023 (moitruongvadothi)"),
    "ccn-pho-rang": ("2023", "existing clusters named in 2023 (moitruongvadothi)"),
    "ccn-khanh-yen-thuong": ("2023", "existing clusters named in 2023 (moitruongvadothi)"),
    "ccn-pho-rang-1": ("2024", "approved for investment in 2024"),
    "ccn-pho-lu": ("2024", "approved for investment in 2024"),
    "ccn-son-ha": ("2024", "approved for investment in 2024"),
    "ccn-ban-phung": ("2024", "approved for investment in 2024"),
    "apatite-lao-cai-belt": ("2017", "capacity value is the 2017 output"),
    "o-quy-ho-molybdenum": ("2015", "newest source (arit.gov.vn) reports c.2015"),
    "tang-loong-copper-smelter": ("2011", "capacity and output reports of 2008–2011"),
    "ban-qua-copper-smelter": ("2024", "Jan–Apr 2024 output report (baolaocai)"),
    "sin-quyen-concentrator-1": ("2024", "newest source: CNMC news of March 2024"),
    "sin-quyen-concentrator-2": ("2019", "commercial operation Jan 2019 (nhandan)"),
    "dap-no2-lao-cai": ("2016", "output reports to H1 2016"),
    "dap2-gypsum-recycling": ("2025", "phase 1 due by end 2025 (baolaocai)"),
    "duc-giang-lao-cai-complex": ("2021", "2021 revenue report (vccinews)"),
    "lao-cai-iron-steel-plant": ("2025-04-26", "blast furnace restarted 26 Apr 2025"),
    "tang-loong-apatite-concentrator": ("2011", "listed in the 2011 IZ decision page"),
    "si-ma-cai-hpp": ("2023", "construction from Jan 2023 (baolaocai)"),
    "lao-cai-intl-road-gate": ("2023", "reopened 8 Jan 2023; gate system of Decision 1199/QĐ-TTg "
                                       "(14 Oct 2023)"),
    "lao-cai-intl-rail-gate": ("2023", "gate system of Decision 1199/QĐ-TTg (14 Oct 2023)"),
    "kim-thanh-intl-road-gate-2": ("2023", "reopening reports of 2023"),
    "noi-bai-lao-cai-expressway": ("2025", "widening of Yên Bái–Lào Cai began 1 Oct 2025"),
    "hanoi-lao-cai-railway": ("2018", "newest source: 2018 cross-border rail freight report"),
    "lao-cai-hanoi-haiphong-railway": ("2025-12-19", "groundbreaking of sub-project 1"),
    "sa-pa-airport": ("2022-03-03", "groundbreaking; completion status after 2022 not found"),
    "yb-an-tien-masterbatch": ("2023", "named as a tenant in a Dec 2023 article (stockbiz)"),
    "yb-yen-bai-airport": ("2022-12", "civil-use proposal of Dec 2022"),
}
for _gid in ("muong-khuong-intl-gate", "ban-vuoc-intl-gate", "ban-quan-crossing",
             "lung-po-crossing", "y-ty-crossing", "na-loc-crossing", "lo-co-chin-crossing",
             "hoa-chu-phung-crossing"):
    AS_OF_MANUAL[_gid] = ("2023-10-14", "gate system of Decision 1199/QĐ-TTg (14 Oct 2023)")

# Status ----------------------------------------------------------------------------------
STATUS_ENUM = ["planned", "approved", "under_construction", "operating", "licensed", "suspended",
               "closed", "removed", "unknown"]
STATUS_MAP = {
    "": "unknown",
    "operating": "operating",
    "planned": "planned",
    "approved": "approved",
    "under_construction": "under_construction",
    "suspended": "suspended",
    "planned (draft 2026 adjustment of QĐ 866)": "planned",
    "licensed, not yet mining": "licensed",
    "licensed, under construction": "under_construction",
    "removed from provincial mineral plan": "removed",
    "licensed project (draft QĐ 866 list)": "licensed",
    "operating (licensed area 8.4 ha; expansion to 134.2 ha in draft plan)": "operating",
    "operating (withdrawn from plan; to be relocated)": "operating",
    "operating (withdrawn from plan)": "operating",
    "licence expired 2022 (reported mining output in 2022)": "unknown",
    "suspended (licence expired Jul 2025)": "suspended",
    "first investment project in Minh Quân IZ (status not confirmed)": "unknown",
    "project (termination recommended Jun 2026)": "unknown",
    "operating (military); civil use proposed": "operating",
}

COORD_LABELS = OrderedDict([
    ("source-exact", "coordinate printed by the cited source"),
    ("source-derived", "computed from a source's numbers (centroid of a VN-2000 licence or "
                       "planning polygon, centre of a bounding box)"),
    ("estimated-Nkm", "placed by the research from a textual location; N km is the honest radius "
                      "(the anchor point itself is sourced)"),
    ("proxy-district", "published coordinate of the district seat or district containing the "
                       "site, not the site"),
    ("none", "no coordinate; geometry is null"),
])

NULL_TEXT = {"not confirmed in sources read", "not stated in source"}

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def name_search(*names: str) -> str:
    text = " ".join(n for n in names if n)
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"\s+", " ", text).strip()


def num(text: str):
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def clean(text):
    text = (text or "").strip()
    return unicodedata.normalize("NFC", text) if text else None


def split_unit(raw: str):
    """'Mt ore/yr (design)' -> ('Mt ore/yr', 'design')."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    m = re.match(r"^(.*?)\s*\((.*)\)\s*$", raw)
    unit, note = (m.group(1), m.group(2)) if m else (raw, None)
    if unit == "km mainline":
        unit, note = "km", "mainline"
    if unit == "kt/yr ore":
        unit = "kt ore/yr"
    return unit, note


# Capacity units of one kind, each with its exact factor to the kind's base unit.  The mass
# units may name what is weighed ("t cathode/yr", "Mt ore/yr", "t/yr ore"); km (a length) and
# units that are missing or of another kind give null in every normalised field.
CAPACITY_KINDS = OrderedDict([
    ("capacity_t_per_year", (re.compile(r"^(t|kt|Mt)(?: [^/]+)?/yr(?: [a-z ]+)?$"),
                             {"t": 1, "kt": 1000, "Mt": 1000000})),
    ("capacity_m3_per_year", (re.compile(r"^(m3|m³)/yr$"), {"m3": 1, "m³": 1})),
    ("capacity_mw", (re.compile(r"^(MW|GW)$"), {"MW": 1, "GW": 1000})),
    ("capacity_passengers_per_year", (re.compile(r"^(passengers|million passengers)/yr$"),
                                      {"passengers": 1, "million passengers": 1000000})),
])


def normalised_capacity(value, unit):
    """capacity_value in the base unit of its kind (exact factors only), null for other kinds.

    >>> normalised_capacity(1.2, "Mt ore/yr")["capacity_t_per_year"]
    1200000
    """
    out = OrderedDict((field, None) for field in CAPACITY_KINDS)
    if value is None or not unit:
        return out
    for field, (pattern, factors) in CAPACITY_KINDS.items():
        m = pattern.match(unit)
        if m:
            exact = Decimal(str(value)) * factors[m.group(1)]
            out[field] = int(exact) if exact == exact.to_integral_value() else float(exact)
    return out


def radius_km(label: str):
    m = re.fullmatch(r"estimated-(\d+(?:\.\d+)?)km", label or "")
    return num(m.group(1)) if m else None


def rnd(x: float) -> float:
    return round(x, 6)


def split_urls(text: str):
    return [u.strip() for u in re.split(r"\s+;\s+|\s+", text or "") if u.strip()]


def uniq(seq):
    out = []
    for x in seq:
        if x and x not in out:
            out.append(x)
    return out


# --------------------------------------------------------------------------------------------
# features
# --------------------------------------------------------------------------------------------


def as_of_for(row, sources):
    rid = row["id"]
    if rid in AS_OF_MANUAL:
        return AS_OF_MANUAL[rid]
    best = None
    for url in sources:
        for sub, date, label, scope in DOC_DATES:
            if sub not in url:
                continue
            if scope == "APX" and not (row["kind"] == "hydropower" or rid in APX_FACT_IDS):
                continue
            if scope == "QD866" and not (row["kind"] == "mine" or rid.startswith("yb-")):
                continue
            if best is None or date > best[0]:
                best = (date, f"newest dated source cited for the row: {label}")
    if best:
        return best
    return None, "no datable source for this row in the research"


def outline_polygon(outline):
    """The outline's polygon, 6 decimals, RFC 7946 ring order (exterior counter-clockwise)."""
    geom = outline["geometry"]
    rings = []
    for i, ring in enumerate(geom["coordinates"]):
        ring = [[rnd(x), rnd(y)] for x, y in ring]
        if Polygon(ring).exterior.is_ccw != (i == 0):
            ring = ring[::-1]
        rings.append(ring)
    return {"type": geom["type"], "coordinates": rings}


def outline_point(polygon, lon, lat):
    """The site's point inside its surveyed outline.

    The research's point when it lies inside the outline (it does for every outline so far:
    they are centroids of the same corner tables), else shapely's representative point.
    """
    outline = shape(polygon)
    if lon and lat and outline.contains(Point(float(lon), float(lat))):
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}, "the research's point"
    point = outline.representative_point()
    lon_r, lat_r = rnd(point.x), rnd(point.y)
    assert outline.contains(Point(lon_r, lat_r)), "rounded representative point left the outline"
    return {"type": "Point", "coordinates": [lon_r, lat_r]}, "representative point"


def geometry_for(row, outline, layer):
    """Point (or null) geometry of a site, its quality, how it was made, outline facts.

    Zones and clusters are points like every other site: a surveyed outline gives the point
    inside it (the outline itself is a feature of ``zone_outlines``); an estimated site keeps
    the research's point, and its declared area stays a number, never a shape.
    """
    lat, lon = row["lat"].strip(), row["lon"].strip()
    label = row["coord_precision"].strip()
    area = num(row["area_ha"])
    extra = OrderedDict()
    if outline is not None:
        p = outline["properties"]
        extra["published_area_ha"] = p.get("published_area_ha")
        extra["computed_area_ha"] = p.get("computed_area_ha")
        extra["outline_id"] = outline_id(row["id"].strip())
        point, how = outline_point(outline_polygon(outline), lon, lat)
        note = (f"{how} (labelled {label}), inside the surveyed outline {extra['outline_id']} "
                f"(collection {OUTLINE_LAYER}): {p['note']}")
        return point, "surveyed", note, extra
    if not lat or not lon:
        if row["id"] in LINE_IDS:
            return None, None, ("line feature; the research gives no coordinates for the line, "
                                "so the geometry is null"), extra
        return None, None, "no coordinate in the research; geometry is null", extra
    geom = {"type": "Point", "coordinates": [float(lon), float(lat)]}
    note = f"point labelled {label} ({label_meaning(label)})"
    if layer in ZONE_LAYERS and area:
        note += f"; declared area {fmt_num(area)} ha, outline not published"
    return geom, "approximate", note, extra


def fmt_num(x):
    return f"{x:g}" if isinstance(x, float) else str(x)


def label_meaning(label):
    if label.startswith("estimated-"):
        return f"placed from a textual location, honest radius {radius_km(label)} km"
    return COORD_LABELS.get(label, label)


def area_basis(row, sources):
    rid = row["id"]
    if rid in AREA_BASIS:
        return AREA_BASIS[rid]
    if row["kind"] in ("industrial_zone", "industrial_cluster") and any(
            "qd525" in u for u in sources):
        return "planned"  # area as listed in the provincial plan QĐ 525/QĐ-UBND
    if row["kind"] == "mine" and any("ds-gp-khai-thac" in u for u in sources):
        return "licensed"  # area of the mining licence (licence list of 31 Oct 2025)
    return "unknown"


def build_feature(row, outlines):
    rid = row["id"].strip()
    kind = row["kind"].strip()
    layer = KIND_TO_LAYER[kind]
    district = clean(row["district"])
    former = ("yen_bai" if (district and "(former Yên Bái)" in district) or rid.startswith("yb-")
              else "lao_cai")
    sources = split_urls(row["source_urls"])
    outline = outlines.get(rid)
    geom, quality, gnote, gextra = geometry_for(row, outline, layer)
    if outline is not None:
        sources += split_urls(outline["properties"]["source_url"])
    status_raw = row["status"].strip()
    status = STATUS_MAP[status_raw]
    status_note = status_raw if status_raw and status_raw != status else None
    unit, cap_note = split_unit(row["capacity_unit"])
    cap = num(row["capacity_value"])
    operator = clean(row["operator"])
    if operator in NULL_TEXT:
        operator = None
    area = num(row["area_ha"])
    label = row["coord_precision"].strip()

    zf = ZONE_FACTS.get(rid, {})
    for alts in (AREA_ALTERNATIVES.get(rid, []), CAPACITY_ALTERNATIVES.get(rid, []),
                 START_YEAR_ALTERNATIVES.get(rid, [])):
        for a in alts:
            sources += split_urls(a["source"]) if a["source"].startswith("http") else []
    sources += zf.get("sources", [])
    if rid in CLUSTER_FACTS:
        sources.append(U_CCN)
    sources = uniq(sources)
    as_of, as_of_note = as_of_for(row, sources)

    p = OrderedDict()
    p["id"] = rid
    p["kind"] = kind
    p["name_vi"] = clean(row["name_vi"])
    p["name_en"] = clean(row["name_en"])
    p["name_search"] = name_search(p["name_vi"], p["name_en"])
    p["former_province"] = former
    p["province_code"] = "15"
    p["admin_vintage"] = "2025-07-01"
    p["legacy_province_code"] = "15" if former == "yen_bai" else "10"
    p["district"] = district
    p["status"] = status
    p["status_note"] = status_note
    p["operator"] = operator
    p["sector"] = clean(row["commodity_or_sector"])
    p["capacity_value"] = cap
    p["capacity_unit"] = unit
    p["capacity_note"] = cap_note
    p["capacity_alternatives"] = CAPACITY_ALTERNATIVES.get(rid)
    p.update(normalised_capacity(cap, unit))
    p["area_ha"] = area
    p["area_basis"] = area_basis(row, sources) if area is not None else None
    p["area_ha_alternatives"] = AREA_ALTERNATIVES.get(rid)
    p["start_year"] = num(row["start_year"])
    p["start_year_alternatives"] = START_YEAR_ALTERNATIVES.get(rid)
    p["sources"] = sources
    p["as_of"] = as_of
    p["as_of_note"] = as_of_note
    p["coord_precision"] = label
    p["coord_radius_km"] = radius_km(label)
    p["geometry_quality"] = quality
    p["geometry_note"] = gnote
    p["research_note"] = clean(row.get("note"))

    if layer in ("industrial_zones", "industrial_clusters"):
        p["zone_type"] = {"economic_zone": "border_economic_zone"}.get(kind, kind)
        if rid == "kim-thanh-trade-zone":
            p["zone_type"] = "border_ez_subzone"
        p["in_economic_zone"] = zf.get("in_economic_zone")
        p["establishment_decision"] = zf.get("establishment_decision")
        p["investment_policy_decision"] = zf.get("investment_policy_decision")
        p["planning_decision"] = zf.get("planning_decision")
        p["priority_sectors"] = zf.get("priority_sectors")
        p["investment_capital_bn_vnd"] = zf.get("investment_capital_bn_vnd")
        p["operating_term_years"] = zf.get("operating_term_years")
        land, occ, occ_note = CLUSTER_FACTS.get(rid, (None, None, None))
        p["industrial_land_ha"] = land
        p["occupancy_pct"] = occ
        p["occupancy_note"] = occ_note
        p["occupancy_as_of"] = "2026-06-18" if occ is not None else None
        p["zone_note"] = zf.get("zone_note")
        p["published_area_ha"] = gextra.get("published_area_ha")
        p["computed_area_ha"] = gextra.get("computed_area_ha")
        p["outline_id"] = gextra.get("outline_id")
    elif layer == "mines":
        text = (row["commodity_or_sector"] or "").lower()
        slug = next((s for rx, s in COMMODITY_RULES if re.search(rx, text)), "other")
        p["commodity"] = slug
        p["mineral_group"] = MINERAL_GROUP.get(slug)
        p["reserves_note"] = RESERVES_NOTES.get(rid)
    elif layer == "processing_plants":
        p["plant_type"] = PLANT_TYPE[rid]
        prod = clean(row["commodity_or_sector"])
        p["product"] = None if prod in NULL_TEXT else prod
        p["zone_id"] = PLANT_ZONE.get(rid)
    elif layer == "hydropower_plants":
        p["installed_mw"] = cap if unit == "MW" else None
        p["river"] = RIVER.get(rid)
        p["design_gwh_yr"] = DESIGN_GWH.get(rid)
    elif layer == "border_gates":
        gc, cn, mode, gnote2 = GATES[rid]
        p["gate_class"] = gc
        p["counterpart_cn"] = cn
        p["mode"] = mode
        p["gate_note"] = gnote2
    elif layer == "transport":
        p["transport_type"] = TRANSPORT_TYPE[rid]
        p["length_km"] = cap if unit == "km" else None

    feature = OrderedDict([("type", "Feature"), ("id", rid), ("properties", p),
                           ("geometry", geom)])
    return layer, feature


def outline_id(site_id):
    return f"{site_id}-outline"


OUTLINE_COPIED = ("name_vi", "name_en", "name_search", "former_province", "province_code",
                  "admin_vintage", "legacy_province_code", "district", "status", "start_year")


def build_outline_feature(outline, site_layer, site):
    """The ``zone_outlines`` feature of a surveyed outline: its polygon, site and provenance."""
    sp, op = site["properties"], outline["properties"]
    sources = split_urls(op["source_url"])
    p = OrderedDict()
    p["id"] = outline_id(sp["id"])
    p["kind"] = "zone_outline"
    p["site_id"] = sp["id"]
    p["site_layer"] = site_layer
    for key in OUTLINE_COPIED:
        p[key] = sp[key]
    p["published_area_ha"] = op.get("published_area_ha")
    p["computed_area_ha"] = op.get("computed_area_ha")
    p["source_crs"] = op["source_crs"]
    p["sources"] = sources
    p["as_of"], p["as_of_note"] = as_of_for({"id": sp["id"], "kind": sp["kind"]}, sources)
    p["coord_precision"] = sp["coord_precision"]
    p["coord_radius_km"] = None
    p["geometry_quality"] = "surveyed"
    p["geometry_note"] = (f"Surveyed outline: {op['note']} Source CRS: {op['source_crs']}. "
                          f"Source: {op['source_url']}")
    return OrderedDict([("type", "Feature"), ("id", p["id"]), ("properties", p),
                        ("geometry", outline_polygon(outline))])


# --------------------------------------------------------------------------------------------
# catalog
# --------------------------------------------------------------------------------------------


REQUIRED = {"id", "kind", "name_vi", "name_search", "former_province", "province_code",
            "admin_vintage", "legacy_province_code", "status", "sources", "coord_precision"}


def F(name, ftype, vi, en, unit=None, enum=None, items=None):
    d = OrderedDict([("name", name), ("type", ftype), ("unit", unit), ("enum", enum),
                     ("title", OrderedDict([("vi", vi), ("en", en)]))])
    if items:
        d["description"] = f"list of {items}"
    d["required"] = name in REQUIRED
    return d


ALT_ITEMS = "object {value: number, source: string (URL or research reference), note: string}"

COMMON_FIELDS = [
    F("id", "string", "Mã định danh", "Identifier"),
    F("kind", "string", "Loại đối tượng", "Research kind",
      enum=list(KIND_TO_LAYER)),
    F("name_vi", "string", "Tên tiếng Việt", "Vietnamese name"),
    F("name_en", "string", "Tên tiếng Anh", "English name"),
    F("name_search", "string", "Tên không dấu để tìm kiếm", "ASCII search name"),
    F("former_province", "string", "Tỉnh trước 1/7/2025", "Province before 1 July 2025",
      enum=["lao_cai", "yen_bai"]),
    F("province_code", "string", "Mã tỉnh", "Province code", enum=["15"]),
    F("admin_vintage", "string", "Thời điểm mã hành chính", "Admin code vintage",
      enum=["2025-07-01"]),
    F("legacy_province_code", "string", "Mã tỉnh cũ (trước 1/7/2025)",
      "Legacy province code (before 2025-07-01)", enum=["10", "15"]),
    F("district", "string", "Địa bàn (tên huyện cũ)", "Location text (historic district names)"),
    F("status", "string", "Tình trạng", "Status", enum=STATUS_ENUM),
    F("status_note", "string", "Ghi chú tình trạng (nguyên văn)", "Status as worded by the research"),
    F("operator", "string", "Đơn vị vận hành / chủ đầu tư", "Operator / developer"),
    F("sector", "string", "Ngành / khoáng sản (nguyên văn)", "Sector or commodity text"),
    F("capacity_value", "number", "Công suất", "Capacity"),
    F("capacity_unit", "string", "Đơn vị công suất", "Capacity unit"),
    F("capacity_note", "string", "Ghi chú công suất", "Capacity qualifier"),
    F("capacity_alternatives", "array", "Công suất khác đã công bố",
      "Other published capacities", items=ALT_ITEMS),
    F("capacity_t_per_year", "number", "Công suất quy đổi (tấn/năm)",
      "Capacity in tonnes per year (from t, kt or Mt per year)", unit="t/yr"),
    F("capacity_m3_per_year", "number", "Công suất quy đổi (m³/năm)",
      "Capacity in cubic metres per year", unit="m3/yr"),
    F("capacity_mw", "number", "Công suất quy đổi (MW)", "Capacity in megawatts", unit="MW"),
    F("capacity_passengers_per_year", "number", "Công suất quy đổi (hành khách/năm)",
      "Capacity in passengers per year", unit="passengers/yr"),
    F("area_ha", "number", "Diện tích", "Area", unit="ha"),
    F("area_basis", "string", "Cơ sở diện tích", "Area basis",
      enum=["planned", "established", "adjusted", "licensed", "computed", "unknown"]),
    F("area_ha_alternatives", "array", "Diện tích khác đã công bố", "Other published areas",
      unit="ha", items=ALT_ITEMS),
    F("start_year", "integer", "Năm thành lập / vận hành", "Year established / commissioned",
      unit="year"),
    F("start_year_alternatives", "array", "Năm khác đã công bố", "Other published years",
      unit="year", items=ALT_ITEMS),
    F("sources", "array", "Nguồn", "Sources", items="string (URL)"),
    F("as_of", "string", "Thời điểm số liệu", "As of (ISO year, year-month or date)"),
    F("as_of_note", "string", "Cơ sở của thời điểm", "How as_of was chosen"),
    F("coord_precision", "string", "Độ chính xác toạ độ", "Coordinate precision label",
      enum=None),  # filled per layer with the labels present (estimated-Nkm spelled out)
    F("coord_radius_km", "number", "Bán kính sai số", "Honest radius of estimated-Nkm", unit="km"),
    F("geometry_quality", "string", "Chất lượng hình học", "Geometry quality",
      enum=["surveyed", "digitised", "approximate"]),
    F("geometry_note", "string", "Cách tạo hình học", "How the geometry was made"),
    F("research_note", "string", "Ghi chú của nghiên cứu", "Note of the research (sites table)"),
]

ZONE_FIELDS = [
    F("zone_type", "string", "Loại khu", "Zone type",
      enum=["industrial_zone", "border_economic_zone", "border_ez_subzone", "industrial_cluster"]),
    F("in_economic_zone", "string", "Thuộc khu kinh tế", "Inside economic zone (feature id)"),
    F("establishment_decision", "string", "Quyết định thành lập", "Establishment decision"),
    F("investment_policy_decision", "string", "Quyết định chủ trương đầu tư",
      "Investment-policy decision"),
    F("planning_decision", "string", "Quyết định quy hoạch", "Planning decision"),
    F("priority_sectors", "string", "Ngành ưu tiên", "Priority sectors"),
    F("investment_capital_bn_vnd", "number", "Vốn đầu tư hạ tầng", "Infrastructure capital",
      unit="bn_vnd"),
    F("operating_term_years", "integer", "Thời hạn hoạt động", "Operating term", unit="year"),
    F("industrial_land_ha", "number", "Đất công nghiệp", "Industrial land", unit="ha"),
    F("occupancy_pct", "number", "Tỷ lệ lấp đầy", "Occupancy", unit="percent"),
    F("occupancy_note", "string", "Ghi chú lấp đầy", "Occupancy qualifier"),
    F("occupancy_as_of", "string", "Thời điểm lấp đầy", "Occupancy as of"),
    F("zone_note", "string", "Thông tin khác", "Other facts"),
    F("published_area_ha", "number", "Diện tích công bố của ranh giới",
      "Published area of the surveyed outline", unit="ha"),
    F("computed_area_ha", "number", "Diện tích tính từ ranh giới",
      "Ellipsoidal area computed from the outline", unit="ha"),
    F("outline_id", "string", "Ranh giới đo đạc (mã trong zone_outlines)",
      "Surveyed outline (feature id in zone_outlines)"),
]
OUTLINE_FIELDS = [
    F("id", "string", "Mã định danh", "Identifier"),
    F("kind", "string", "Loại đối tượng", "Kind", enum=["zone_outline"]),
    F("site_id", "string", "Mã khu/cụm", "Zone or cluster (feature id)"),
    F("site_layer", "string", "Lớp của khu/cụm", "Layer of the zone or cluster",
      enum=list(ZONE_LAYERS)),
] + [next(f for f in COMMON_FIELDS if f["name"] == name) for name in OUTLINE_COPIED] + [
    F("published_area_ha", "number", "Diện tích công bố của ranh giới",
      "Published area of the surveyed outline", unit="ha"),
    F("computed_area_ha", "number", "Diện tích tính từ ranh giới",
      "Ellipsoidal area computed from the outline", unit="ha"),
    F("source_crs", "string", "Hệ toạ độ của bảng toạ độ gốc", "CRS of the source corner table"),
] + [next(f for f in COMMON_FIELDS if f["name"] == name) for name in (
    "sources", "as_of", "as_of_note", "coord_precision", "coord_radius_km", "geometry_quality",
    "geometry_note")]
for _spec in OUTLINE_FIELDS[2:4]:
    _spec["required"] = True  # site_id, site_layer
LAYER_FIELDS = {
    "industrial_zones": ZONE_FIELDS,
    "industrial_clusters": ZONE_FIELDS,
    OUTLINE_LAYER: OUTLINE_FIELDS,
    "mines": [
        F("commodity", "string", "Khoáng sản (mã)", "Commodity (controlled slug)",
          enum=sorted(COMMODITY_VOCAB)),
        F("mineral_group", "string", "Nhóm khoáng sản (Luật 2024)", "Mineral group (Law 2024)",
          enum=["I", "II", "III", "IV"]),
        F("reserves_note", "string", "Trữ lượng (các nguồn)", "Reserves as given by the sources"),
    ],
    "processing_plants": [
        F("plant_type", "string", "Loại nhà máy", "Plant type",
          enum=["smelter", "concentrator", "fertiliser", "chemical", "steel",
                "building_materials", "non_metallic_minerals", "agro_forest", "other"]),
        F("product", "string", "Sản phẩm", "Product"),
        F("zone_id", "string", "Nằm trong khu/cụm", "Zone or cluster (feature id)"),
    ],
    "hydropower_plants": [
        F("installed_mw", "number", "Công suất lắp máy", "Installed capacity", unit="MW"),
        F("river", "string", "Sông / suối", "River or stream"),
        F("design_gwh_yr", "number", "Điện lượng thiết kế", "Design mean annual generation",
          unit="GWh/yr"),
    ],
    "border_gates": [
        F("gate_class", "string", "Cấp cửa khẩu", "Gate class",
          enum=["international", "main", "secondary", "clearance_point"]),
        F("counterpart_cn", "string", "Cửa khẩu đối diện (Trung Quốc)", "Chinese counterpart"),
        F("mode", "string", "Phương thức", "Mode", enum=["road", "rail", "both"]),
        F("gate_note", "string", "Ghi chú", "Gate facts"),
    ],
    "transport": [
        F("transport_type", "string", "Loại công trình", "Transport type",
          enum=sorted(set(TRANSPORT_TYPE.values()))),
        F("length_km", "number", "Chiều dài", "Length", unit="km"),
    ],
}

LAYER_META = {
    "industrial_zones": (
        ("Khu công nghiệp và khu kinh tế", "Industrial zones and economic zones"),
        ("Các khu công nghiệp (KCN) đang hoạt động và quy hoạch, khu kinh tế cửa khẩu Lào Cai và "
         "khu thương mại công nghiệp Kim Thành, trên địa bàn tỉnh Lào Cai mới (gồm Yên Bái cũ). "
         "Mỗi khu là một điểm: điểm bên trong ranh giới đo đạc (lớp zone_outlines) khi có bảng "
         "toạ độ góc đã công bố, nếu không là điểm ước tính kèm bán kính sai số.",
         "Operating and planned industrial zones (KCN), the Lào Cai border-gate economic zone and "
         "the Kim Thành trade and industrial area in the merged Lào Cai province (including former "
         "Yên Bái). Each zone is a point: the point inside its surveyed outline (layer "
         "zone_outlines) where a corner table was published, else an estimated point with its "
         "uncertainty radius."),
        ["khu công nghiệp", "KCN", "industrial zone", "industrial park",
         "khu kinh tế cửa khẩu", "border-gate economic zone", "Lào Cai", "Yên Bái"],
    ),
    "industrial_clusters": (
        ("Cụm công nghiệp", "Industrial clusters"),
        ("Các cụm công nghiệp (CCN) hiện có và quy hoạch. Tỷ lệ lấp đầy theo báo cáo của Sở Công "
         "Thương ngày 18/6/2026 (chỉ khu vực Yên Bái cũ).",
         "Existing and planned industrial clusters (CCN). Occupancy per the Department of Industry "
         "and Trade report of 18 Jun 2026 (former Yên Bái clusters only)."),
        ["cụm công nghiệp", "CCN", "industrial cluster", "Lào Cai", "Yên Bái"],
    ),
    OUTLINE_LAYER: (
        ("Ranh giới khu, cụm (đo đạc)", "Zone outlines (surveyed)"),
        ("Ranh giới khu công nghiệp và cụm công nghiệp từ bảng toạ độ góc VN-2000 đã công bố; "
         "mỗi ranh giới ghi mã khu/cụm (site_id) và nguồn. Khu không có bảng toạ độ không có ranh "
         "giới ở đây.",
         "Outlines of industrial zones and clusters from published VN-2000 corner tables; each "
         "names its zone or cluster (site_id) and its source. Zones without a published corner "
         "table have no outline here."),
        ["ranh giới", "khu công nghiệp", "cụm công nghiệp", "outline", "boundary", "VN-2000"],
    ),
    "mines": (
        ("Mỏ và khu vực khoáng sản", "Mines and mineral areas"),
        ("Mỏ đồng, sắt, apatit, đất hiếm, molipđen, graphit, đá hoa, fenspat và đá quý. Điểm là "
         "tâm vùng cấp phép/quy hoạch hoặc vị trí ước tính; không phải ranh giới mỏ.",
         "Copper, iron, apatite, rare-earth, molybdenum, graphite, marble, feldspar and gem sites. "
         "Points are licence or planning-polygon centroids or estimated positions, not mine "
         "boundaries."),
        ["mỏ", "khoáng sản", "mine", "mineral", "copper", "apatite", "iron ore", "rare earth"],
    ),
    "processing_plants": (
        ("Nhà máy chế biến", "Processing plants"),
        ("Nhà máy luyện đồng, tuyển quặng, phân bón, hoá chất, gang thép, xi măng và chế biến "
         "khác.",
         "Copper smelters, concentrators, fertiliser, chemical, steel, cement and other "
         "processing plants."),
        ["nhà máy", "luyện đồng", "smelter", "fertiliser", "DAP", "phosphorus", "steel", "cement"],
    ),
    "hydropower_plants": (
        ("Nhà máy thủy điện", "Hydropower plants"),
        ("Các nhà máy thủy điện đang vận hành (theo phụ lục 27 của báo cáo điều chỉnh quy hoạch "
         "tỉnh, bản làm việc 7/6/2026), đang xây dựng và quy hoạch.",
         "Operating hydropower plants (per appendix 27 of the provincial plan adjustment, working "
         "version of 7 Jun 2026), plus plants under construction and planned."),
        ["thủy điện", "hydropower", "MW", "Lào Cai", "Yên Bái"],
    ),
    "border_gates": (
        ("Cửa khẩu và điểm thông quan", "Border gates and clearance points"),
        ("Cửa khẩu quốc tế và các điểm thông quan với Vân Nam (Trung Quốc) theo Quyết định "
         "1199/QĐ-TTg (14/10/2023).",
         "International border gates and clearance points with Yunnan (China) under Decision "
         "1199/QĐ-TTg (14 Oct 2023)."),
        ["cửa khẩu", "border gate", "Hekou", "Hà Khẩu", "Kim Thành"],
    ),
    "transport": (
        ("Giao thông", "Transport"),
        ("Đường cao tốc, đường sắt, ga, sân bay, nút giao và cảng. Các tuyến không có toạ độ "
         "trong nghiên cứu nên hình học để trống.",
         "Expressway, railways, stations, airports, interchanges and ports. Lines have no "
         "coordinates in the research, so their geometry is null."),
        ["giao thông", "transport", "expressway", "railway", "airport", "CT.05"],
    ),
}


LAYER_GEOMETRY_TYPE = dict.fromkeys(LAYERS, "Point") | {OUTLINE_LAYER: "Polygon"}
"""The one geometry type of each layer (null geometries aside)."""
GEOMETRY_NOTES = {
    "industrial_zones": (
        " A zone with a surveyed outline is the point inside it (the outline is in "
        "zone_outlines, see outline_id); the others are the research's point with its precision "
        "label and radius; a declared area is a number (area_ha), never a shape."),
    "industrial_clusters": (
        " A cluster with a surveyed outline is the point inside it (the outline is in "
        "zone_outlines, see outline_id); the others are the research's point with its precision "
        "label and radius; a declared area is a number (area_ha), never a shape."),
    OUTLINE_LAYER: (
        " Surveyed outlines only, from published corner tables; each names its zone or cluster "
        "(site_id, site_layer)."),
}


def build_catalog(layer_features):
    layers = []
    for layer in LAYERS:
        feats = layer_features[layer]
        gcount = Counter((f["geometry"] or {}).get("type", "null") for f in feats)
        gtype = LAYER_GEOMETRY_TYPE[layer]
        gnote = ", ".join(f"{k}: {gcount[k]}" for k in sorted(gcount))
        as_ofs = sorted(f["properties"]["as_of"] for f in feats if f["properties"]["as_of"])
        srcs = sorted({s for f in feats for s in f["properties"]["sources"]})
        (tvi, ten), (dvi, den), kws = LAYER_META[layer]
        entry = OrderedDict()
        entry["id"] = layer
        entry["title"] = OrderedDict([("vi", tvi), ("en", ten)])
        entry["description"] = OrderedDict([("vi", dvi), ("en", den)])
        entry["keywords"] = kws
        entry["geometry_type"] = gtype
        entry["geometry_types_present"] = OrderedDict((k, gcount[k]) for k in sorted(gcount))
        entry["geometry_note"] = (
            f"Geometry counts: {gnote}. One geometry type per layer ({gtype}); null geometry "
            "means the research gives no coordinate." + GEOMETRY_NOTES.get(layer, ""))
        entry["feature_count"] = len(feats)
        entry["crs"] = "OGC:CRS84"
        entry["as_of"] = as_ofs[-1][:4] if as_ofs else None
        entry["licence"] = LICENCE
        entry["attribution"] = ATTRIBUTION
        entry["sources"] = srcs
        entry["temporal_field"] = "start_year"
        specs = LAYER_FIELDS[layer] if layer == OUTLINE_LAYER else COMMON_FIELDS + LAYER_FIELDS[layer]
        fields = [OrderedDict(f) for f in specs]
        labels = sorted({f["properties"]["coord_precision"] for f in feats},
                        key=lambda x: (x.startswith("estimated-"), radius_km(x) or 0, x))
        for spec in fields:
            if spec["name"] == "coord_precision":
                spec["enum"] = labels
                spec["description"] = ("research label: source-exact, source-derived, "
                                       "estimated-Nkm (N = honest radius in km), proxy-district, "
                                       "none")
        entry["fields"] = fields
        if layer == "mines":
            entry["commodity_vocabulary"] = OrderedDict(
                (k, OrderedDict([("vi", v[0]), ("en", v[1])]))
                for k, v in sorted(COMMODITY_VOCAB.items()))
        layers.append(entry)
    return OrderedDict([("layers", layers)])


# --------------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------------

SEED_SOURCE = ('vietnamplus.vn (2022), "Lào Cai đặt mục tiêu giá trị sản xuất công nghiệp trên '
               '46.000 tỷ đồng" (text in seed-000_5fe2c348c2262560.txt)')
SEED_ROWS = [  # facts of the seed article; added only if no row already cites the article
    ("industrial_production_value", "province", "2021", "FY", "41200", "bn_vnd", "actual",
     "unknown", "2021 value as stated in the vietnamplus 2022 article (seed-000); the research row "
                "with the same value cites laocai24h"),
    ("industrial_production_value_growth", "province", "2021", "FY", "11.2", "percent", "actual",
     "unknown", "change vs 2020 as stated in the vietnamplus 2022 article (seed-000)"),
    ("industrial_production_value", "province", "2022", "FY", "46000", "bn_vnd", "target",
     "unknown", "target 'over 46,000', nearly 5,000 above 2021, as stated in the vietnamplus 2022 "
                "article (seed-000)"),
    ("copper_cathode_output", "ban-qua-copper-smelter",  # Luyện đồng số 2 = the Bản Qua smelter
     "2022", "FY", "18000", "t", "target", "n/a",
     "Nhà máy Luyện đồng số 2 (VIMICO) target of 18,000 t finished cathode copper for 2022, per the "
     "vietnamplus article"),
]

ORGS = OrderedDict([
    ("TKV / Vinacomin group (all units)",
     ("org:tkv", "Tập đoàn TKV (Vinacomin) – toàn tập đoàn", "TKV / Vinacomin group (all units)",
      "group totals from TKV monthly reports; cathode comes from the Lào Cai smelters")),
    ("Công ty TNHH MTV Apatit Việt Nam",
     ("org:apatit-viet-nam", "Công ty TNHH MTV Apatit Việt Nam", "Apatit Viet Nam Co. (Vinachem)",
      "operator of apatite-lao-cai-belt and the apatite concentrators")),
    ("Chi nhánh Luyện đồng Lào Cai - VIMICO (tang-loong-copper-smelter + ban-qua-copper-smelter)",
     ("org:vimico-luyen-dong-lao-cai", "Chi nhánh Luyện đồng Lào Cai - VIMICO",
      "VIMICO Lào Cai copper smelting branch",
      "both smelters together: features tang-loong-copper-smelter + ban-qua-copper-smelter")),
    ("VIMICO (Tổng công ty Khoáng sản TKV, all units)",
     ("org:vimico", "Tổng công ty Khoáng sản TKV (VIMICO)", "VIMICO (TKV minerals corporation), "
      "all units", "whole corporation totals")),
])
ADMIN = [
    ("admin:10:pre-2025-07-01", "admin_unit", "Tỉnh Lào Cai (cũ)", "Lào Cai province (former)",
     "10", "pre-2025-07-01", "old Lào Cai province before the 1 July 2025 merger; research entity "
                             "'province' unless the row describes the merged province"),
    ("admin:15:pre-2025-07-01", "admin_unit", "Tỉnh Yên Bái (cũ)", "Yên Bái province (former)",
     "15", "pre-2025-07-01", "former Yên Bái province; research entity 'former_yen_bai_province'"),
    ("admin:15:2025-07-01", "admin_unit", "Tỉnh Lào Cai (mới)", "Lào Cai province (merged)",
     "15", "2025-07-01", "merged province (old Lào Cai + Yên Bái) from 1 July 2025; research rows "
                         "whose note says NEW province or merged province"),
]

STAT_COLUMNS = ["indicator", "entity", "year", "period", "value", "unit", "basis", "price_basis",
                "source", "note", "derivation", "variant"]


def map_entity(raw, note, feature_ids):
    if raw == "province":
        return "admin:15:2025-07-01" if "NEW province" in note else "admin:10:pre-2025-07-01"
    if raw == "former_yen_bai_province":
        return ("admin:15:2025-07-01" if "merged-province" in note
                else "admin:15:pre-2025-07-01")
    if raw in ORGS:
        return ORGS[raw][0]
    if raw in feature_ids:
        return raw
    raise SystemExit(f"statistics entity does not resolve: {raw!r}")


def build_statistics(research: Path, feature_ids):
    with open(research / "lao-cai-stats.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cited_seed = {(r["indicator"], r["entity"], r["year"], r["period"], r["value"])
                  for r in rows if "seed-000" in r["source_url"] or "vietnamplus.vn (2022)" in
                  r["source_url"]}
    out = []
    for r in rows:
        out.append([r["indicator"], map_entity(r["entity"], r["note"], feature_ids), r["year"],
                    r["period"], r["value"], r["unit"], r["basis"], r["price_basis"],
                    r["source_url"], r["note"], r.get("derivation", "").strip()])
    for ind, ent, year, period, value, unit, basis, pb, note in SEED_ROWS:
        if (ind, ent, year, period, value) in cited_seed:
            continue
        out.append([ind, map_entity(ent, note, feature_ids), year, period, value, unit, basis, pb,
                    SEED_SOURCE, note, ""])
    seen = Counter()
    for row in out:
        key = (row[0], row[1], row[2], row[3], row[6])
        row.append(str(seen[key]))
        seen[key] += 1
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STAT_COLUMNS)
    w.writerows(out)
    used = Counter(row[1] for row in out)
    return buf.getvalue(), out, used


# --------------------------------------------------------------------------------------------
# investor facts
# --------------------------------------------------------------------------------------------

INVESTOR_FACT_COLUMNS = ["entity", "field", "value_vi", "value_en", "source_url", "as_of"]
AS_OF_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def investor_entity(raw, as_of, feature_ids):
    """Zone facts use feature ids; 'province' (incentive rules, contacts) is the merged province
    for facts dated from the merger on or undated (the research gives them as current), else
    the former Lào Cai province."""
    if raw == "province":
        return "admin:10:pre-2025-07-01" if as_of and as_of < "2025-07" else "admin:15:2025-07-01"
    if raw in feature_ids:
        return raw
    raise SystemExit(f"investor-facts.csv: entity does not resolve: {raw!r}")


def build_investor_facts(research: Path, feature_ids):
    with open(research / "investor-facts.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INVESTOR_FACT_COLUMNS)
    for n, r in enumerate(rows, start=2):
        as_of = r["as_of"].strip()
        url = r["source_url"].strip()
        if not url.startswith(("http://", "https://")):
            raise SystemExit(f"investor-facts.csv row {n}: source_url is not an http(s) URL: {url!r}")
        if as_of and not AS_OF_PATTERN.match(as_of):
            raise SystemExit(f"investor-facts.csv row {n}: as_of is not YYYY[-MM[-DD]]: {as_of!r}")
        if not (r["value_vi"].strip() or r["value_en"].strip()):
            raise SystemExit(f"investor-facts.csv row {n}: no value in either language")
        w.writerow([investor_entity(r["entity_id"].strip(), as_of, feature_ids), r["field"].strip(),
                    clean(r["value_vi"]) or "", clean(r["value_en"]) or "", url, as_of])
    return buf.getvalue(), len(rows)


def build_entities():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["entity", "entity_type", "name_vi", "name_en", "admin_code", "admin_vintage",
                "note"])
    for row in ADMIN:
        w.writerow(row)
    for raw, (eid, vi, en, note) in ORGS.items():
        w.writerow([eid, "organisation", vi, en, "", "", f'{note}; research entity text: "{raw}"'])
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def geojson_text(layer, feats):
    lines = ['{"type": "FeatureCollection", "name": ' + dumps(layer) + ', "features": [']
    for i, f in enumerate(feats):
        lines.append(dumps(f) + ("," if i < len(feats) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def readme_text(layer_features, stats_rows, used_entities, n_facts):
    lines = [
        "# data/geo — curated layers",
        "",
        "Generated by `tools/curate.py` from the research notes in `../shared/research/` "
        "(`lao-cai-sites.csv`, `lao-cai-stats.csv`, `zone-outlines.geojson`, `lao-cai-facts.md`, "
        "`domain.md`, the seed article `seed-000_5fe2c348c2262560.txt`). Do not edit by hand: "
        "change the research or the curation tables in `tools/curate.py` and rerun; "
        "`tools/curate.py --check` fails when the committed data and the research are out of step.",
        "",
        "## Licence and attribution",
        "",
        "- The facts are public information compiled from the pages cited in each feature's "
        "`sources` (and each statistics row's `source`).",
        "- The surveyed zone outlines come from published decisions and planning tables, via the "
        "public repositories `Trangsct/skill-sct` (commit 3821ed3) and `Trangsct/ccn-laocai` "
        "(commit 7400965); each outline's URL is in the feature's `sources` and `geometry_note`.",
        "- The project's own compilation (selection, structure, curation) is offered under "
        "**CC BY 4.0**, attribution: **\"geo-industry, compiled from the cited sources\"**.",
        "",
        "## Files",
        "",
        "| file | source | features / rows |",
        "| --- | --- | --- |",
    ]
    for layer in LAYERS:
        feats = layer_features[layer]
        kinds = Counter(f["properties"]["kind"] for f in feats)
        ks = ", ".join(f"{k} {kinds[k]}" for k in sorted(kinds))
        src = "lao-cai-sites.csv"
        if layer == OUTLINE_LAYER:
            src = "zone-outlines.geojson (+ the site's names and status from lao-cai-sites.csv)"
        elif layer in ZONE_LAYERS:
            src += " + zone-outlines.geojson + lao-cai-facts.md (zone facts)"
        else:
            src += " + lao-cai-facts.md"
        lines.append(f"| `{layer}.geojson` | {src} | {len(feats)} ({ks}) |")
    lines += [
        f"| `catalog.json` | layer metadata and field schemas | {len(LAYERS)} layers |",
        f"| `../statistics.csv` | lao-cai-stats.csv (+ seed article) | {len(stats_rows)} rows |",
        f"| `../entities.csv` | admin units and organisations used by the statistics | "
        f"{len(ADMIN) + len(ORGS)} rows |",
        f"| `../investor_facts.csv` | investor-facts.csv (entity 'province' → the merged province "
        f"`admin:15:2025-07-01`, or the former one for facts dated before the merger) | {n_facts} rows |",
        "",
        "Every feature lists the URLs the research cites for it in `sources`.",
        "",
        "## Geometry counts",
        "",
        "| layer | Point | Polygon | null |",
        "| --- | --- | --- | --- |",
    ]
    tot = Counter()
    for layer in LAYERS:
        c = Counter((f["geometry"] or {}).get("type", "null") for f in layer_features[layer])
        tot.update(c)
        lines.append(f"| {layer} | {c['Point']} | {c['Polygon']} | {c['null']} |")
    lines.append(f"| **total** | {tot['Point']} | {tot['Polygon']} | {tot['null']} |")
    c_outlines = len(layer_features[OUTLINE_LAYER])
    lines += [
        "",
        "Each layer holds one geometry type (null aside): every layer is points except "
        f"`{OUTLINE_LAYER}`, which holds the {c_outlines} surveyed outlines as polygons. A zone "
        "or cluster with an outline is the point inside it (`outline_id` names the outline); an "
        "estimated zone is its research point with `coord_radius_km`, and its declared `area_ha` "
        "is never drawn or stored as a shape.",
        "",
        "## Coordinate precision (`coord_precision`)",
        "",
        "| label | meaning |",
        "| --- | --- |",
    ]
    for k, v in COORD_LABELS.items():
        lines.append(f"| `{k}` | {v} |")
    lines += [
        "",
        "`coord_radius_km` holds N for `estimated-Nkm`. Features with a surveyed outline keep "
        "the research's label for their representative point.",
        "",
        "## Geometry quality (`geometry_quality`)",
        "",
        "| value | meaning |",
        "| --- | --- |",
        "| `surveyed` | outline from a published VN-2000 corner table (zone-outlines.geojson), "
        f"or the point inside such an outline (zones and clusters; the outline is in "
        f"`{OUTLINE_LAYER}`); the decision and source are in `geometry_note` |",
        "| `digitised` | traced line (none yet: the research gives no line coordinates) |",
        "| `approximate` | a point from a precision label (`coord_precision`, radius in "
        "`coord_radius_km`); maps draw it with a dashed ring of that radius, never a shape of "
        "its declared area |",
        "| null | no geometry |",
        "",
        "Coordinates are WGS 84 lon/lat (OGC:CRS84), at most 6 decimals; points are exactly as "
        "the research gives them.",
        "",
        "## Statistics entities",
        "",
        "| entity | rows |",
        "| --- | --- |",
    ]
    for ent in sorted(used_entities):
        lines.append(f"| `{ent}` | {used_entities[ent]} |")
    lines += [
        "",
        "`variant` numbers rows that share (indicator, entity, year, period, basis): sources "
        "disagree or restate a figure; every row is kept. `derivation` says how a computed figure "
        "was computed from printed ones (empty: the figure is printed by the source). A row with an "
        "empty `year` has a period the source does not date, stated in words in `period`.",
        "",
        "Changes between curation runs are listed in `../CHANGES.md`.",
        "",
    ]
    return "\n".join(lines)


def generate(research: Path):
    with open(research / "lao-cai-sites.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(research / "zone-outlines.geojson", encoding="utf-8") as fh:
        outlines = {f["properties"]["id"]: f for f in json.load(fh)["features"]}
    layer_features = {layer: [] for layer in LAYERS}
    for row in rows:
        layer, feat = build_feature(row, outlines)
        layer_features[layer].append(feat)
        if feat["id"] in outlines:
            layer_features[OUTLINE_LAYER].append(
                build_outline_feature(outlines[feat["id"]], layer, feat))
    missing = set(outlines) - {f["properties"]["site_id"] for f in layer_features[OUTLINE_LAYER]}
    if missing:
        raise SystemExit(f"outlines without a zone or cluster row: {sorted(missing)}")
    validate(rows, layer_features)
    feature_ids = {f["id"] for fs in layer_features.values() for f in fs}
    stats_text, stats_rows, used = build_statistics(research, feature_ids)
    facts_text, n_facts = build_investor_facts(research, feature_ids)
    files = OrderedDict()
    for layer in LAYERS:
        files[f"data/geo/{layer}.geojson"] = geojson_text(layer, layer_features[layer])
    files["data/geo/catalog.json"] = (
        json.dumps(build_catalog(layer_features), ensure_ascii=False, indent=1) + "\n")
    files["data/geo/README.md"] = readme_text(layer_features, stats_rows, used, n_facts)
    files["data/statistics.csv"] = stats_text
    files["data/entities.csv"] = build_entities()
    files["data/investor_facts.csv"] = facts_text
    return files


def validate(rows, layer_features):
    feats = [f for fs in layer_features.values() for f in fs]
    sites = [f for layer, fs in layer_features.items() if layer != OUTLINE_LAYER for f in fs]
    assert len(sites) == len(rows), "every CSV row must become exactly one feature"
    for layer, fs in layer_features.items():
        present = {f["geometry"]["type"] for f in fs if f["geometry"]}
        assert present <= {LAYER_GEOMETRY_TYPE[layer]}, f"{layer} mixes geometry types: {present}"
    assert len({f["id"] for f in feats}) == len(feats), "duplicate ids"
    for f in feats:
        g = f["geometry"]
        if g is None:
            continue
        geom = shape(g)
        assert geom.is_valid, f"invalid geometry: {f['id']}"
        coords = [g["coordinates"]] if g["type"] == "Point" else [
            c for ring in g["coordinates"] for c in ring]
        for c in coords:
            for v in c:
                assert round(v, 6) == v, f"more than 6 decimals: {f['id']}"
        if g["type"] == "Polygon":
            assert isinstance(geom, Polygon) and geom.exterior.is_ccw, f"ring order: {f['id']}"


def feature_diff(old_text, new_text):
    """Field-level differences between two layer files (None if either is not JSON)."""
    try:
        old = {f["id"]: f for f in json.loads(old_text)["features"]}
        new = {f["id"]: f for f in json.loads(new_text)["features"]}
    except (ValueError, KeyError, TypeError):
        return None
    out = []
    for fid in sorted(set(old) - set(new)):
        out.append(f"- feature {fid} (not produced by the research)")
    for fid in sorted(set(new) - set(old)):
        out.append(f"+ feature {fid} (missing from the committed file)")
    for fid in [i for i in new if i in old]:
        a, b = old[fid], new[fid]
        if a.get("geometry") != b.get("geometry"):
            out.append(f"~ feature {fid}: geometry differs")
        pa, pb = a.get("properties") or {}, b.get("properties") or {}
        for key in sorted(set(pa) | set(pb)):
            if pa.get(key) != pb.get(key):
                out.append(f"~ feature {fid}: {key}: committed {json.dumps(pa.get(key), ensure_ascii=False)}"
                           f" -> research {json.dumps(pb.get(key), ensure_ascii=False)}")
    if not out and old_text != new_text:
        out.append("~ formatting or feature order differs")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--research", default="../shared/research", type=Path)
    ap.add_argument("--out", default=".", type=Path)
    ap.add_argument("--check", action="store_true",
                    help="compare with the files under --out; exit 1 and print a diff "
                         "if they differ")
    ap.add_argument("--compare-with", type=Path, default=None,
                    help="folder holding the previous data/ for the changelog (default: --out)")
    ap.add_argument("--date", default=datetime.now(UTC).date().isoformat(),
                    help="date of the changelog section (default: today, UTC)")
    args = ap.parse_args(argv)
    files = generate(args.research)
    if args.check:
        bad = 0
        for rel, text in files.items():
            path = args.out / rel
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != text:
                bad += 1
                diff = feature_diff(old, text) if rel.endswith(".geojson") and old else None
                diff = diff or list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                                 f"committed/{rel}", f"research/{rel}",
                                                 lineterm="", n=0))
                print(f"DIFFERS: {rel}" + ("" if path.exists() else " (missing)"))
                for line in diff[:60]:
                    print(line[:300])
                if len(diff) > 60:
                    print(f"... {len(diff) - 60} more diff lines")
        if bad:
            print(f"{bad} file(s) out of step with the research; run tools/curate.py to regenerate")
            return 1
        print(f"OK: {len(files)} files match the research")
        return 0
    previous = args.compare_with or args.out
    old_files = {rel: (previous / rel).read_text(encoding="utf-8") if (previous / rel).exists() else ""
                 for rel in files}
    section = changes_section(old_files, files, date=args.date)
    if section:
        changelog = args.out / CHANGES_FILE
        old_log = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
        files = OrderedDict([*files.items(), (CHANGES_FILE, with_section(old_log, section))])
    for rel, text in files.items():
        path = args.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    print(f"wrote {len(files)} files under {args.out}" + (f"; changes in {CHANGES_FILE}" if section else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
