"""HTML pages: Jinja2 templates in ``geo_industry/templates/api``, interface text in vi and en.

Pages link our own assets under ``/static`` (no CDN); data texts (layer titles, feature
names) come from the data in the page's language.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from geo_industry.api.links import Urls
from geo_industry.models import Bilingual

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "site": "Lào Cai industrial investment — geodata API",
        "home": "Home", "collections": "Collections", "conformance": "Conformance", "api": "API definition",
        "api_doc": "API documentation", "items": "Features", "records": "Records", "feature": "Feature",
        "record": "Record", "queryables": "Queryables", "json": "JSON", "download": "Download",
        "language": "Language", "matched": "{matched} matched, {returned} shown (from {start})",
        "previous": "Previous page", "next": "Next page", "properties": "Properties", "sources": "Sources",
        "statistics": "Statistics", "chart": "Statistics by year", "no_location": "Location unknown",
        "extent": "Extent", "crs": "Coordinate reference systems", "storage_crs": "Storage CRS",
        "licence": "Licence", "attribution": "Attribution", "keywords": "Keywords", "years": "Years",
        "indicator": "Indicator", "year": "Year", "value": "Value", "unit": "Unit", "basis": "Basis",
        "period": "Period", "entity": "Entity", "source": "Source", "name": "Name", "type": "Type",
        "title": "Title", "sort_hint": "Click a column heading to sort", "operations": "Operations",
        "parameters": "Parameters", "map": "Map", "no_items": "No features match this request.",
        "description": "Description", "item_type": "Item type", "links": "Links",
        "intro": "OGC API – Features service for the industrial zones, mines, processing plants, "
                 "hydropower, border gates and transport of Lào Cai province, with output statistics.",
        "derived": "derived", "maps": "Interactive maps", "schema": "Feature schema",
    },
    "vi": {
        "site": "Đầu tư công nghiệp Lào Cai — API dữ liệu địa lý",
        "home": "Trang chủ", "collections": "Tập dữ liệu", "conformance": "Tiêu chuẩn tuân thủ",
        "api": "Định nghĩa API", "api_doc": "Tài liệu API", "items": "Đối tượng", "records": "Bản ghi",
        "feature": "Đối tượng", "record": "Bản ghi", "queryables": "Thuộc tính truy vấn", "json": "JSON",
        "download": "Tải về", "language": "Ngôn ngữ",
        "matched": "{matched} kết quả, hiển thị {returned} (từ {start})",
        "previous": "Trang trước", "next": "Trang sau", "properties": "Thuộc tính", "sources": "Nguồn",
        "statistics": "Số liệu thống kê", "chart": "Số liệu theo năm", "no_location": "Chưa rõ vị trí",
        "extent": "Phạm vi", "crs": "Hệ quy chiếu toạ độ", "storage_crs": "Hệ toạ độ lưu trữ",
        "licence": "Giấy phép", "attribution": "Ghi công", "keywords": "Từ khoá", "years": "Năm",
        "indicator": "Chỉ tiêu", "year": "Năm", "value": "Giá trị", "unit": "Đơn vị", "basis": "Loại số liệu",
        "period": "Kỳ", "entity": "Đối tượng", "source": "Nguồn", "name": "Tên", "type": "Kiểu",
        "title": "Tiêu đề", "sort_hint": "Bấm vào tiêu đề cột để sắp xếp", "operations": "Thao tác",
        "parameters": "Tham số", "map": "Bản đồ", "no_items": "Không có đối tượng nào phù hợp.",
        "description": "Mô tả", "item_type": "Loại bản ghi", "links": "Liên kết",
        "intro": "Dịch vụ OGC API – Features về khu công nghiệp, mỏ, nhà máy chế biến, thuỷ điện, "
                 "cửa khẩu và giao thông của tỉnh Lào Cai, kèm số liệu thống kê sản xuất.",
        "derived": "suy ra", "maps": "Bản đồ tương tác", "schema": "Lược đồ đối tượng",
    },
}

_ENV = Environment(
    loader=PackageLoader("geo_industry", "templates/api"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


#: online basemaps, used only when ``settings.basemap`` names one (the default is offline: no tiles)
BASEMAPS = {
    "osm": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap contributors"},
    "carto": {"url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
              "attribution": "© OpenStreetMap contributors © CARTO"},
}


def text(lang: str, key: str, **values: Any) -> str:
    """Interface text ``key`` in ``lang``."""
    message = TEXT[lang].get(key) or TEXT["en"][key]
    return message.format(**values) if values else message


def bilingual(value: Bilingual | None, lang: str) -> str:
    """A data text in the page language."""
    return "" if value is None else value.in_language(lang)


def render(template: str, *, urls: Urls, lang: str, title: str, **context: Any) -> HTMLResponse:
    """Render a page with the shared chrome (navigation, language switch, JSON link)."""
    page = _ENV.get_template(template).render(
        lang=lang,
        title=title,
        t=lambda key, **values: text(lang, key, **values),
        urls=urls,
        lang_urls={code: urls.current(lang=code) for code in TEXT},
        json_url=urls.current(f="json", lang=None),
        tiles=BASEMAPS.get(urls.basemap),
        **context,
    )
    return HTMLResponse(page, headers={"Content-Language": lang})
