"""Read a catalogue file into rows: a CSV (or plain list) of product links, or a Google
Merchant product feed (RSS 2.0 / Atom XML with the ``g:`` namespace, or its TSV form).

XML is parsed with defusedxml (no entity expansion, no external entities or DTDs), so a
hostile feed cannot read local files or blow up memory. No Django here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from core.money import parse_amount

from .structured import availability_name
from .types import ScrapeError

G_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_FILE_BYTES = 20_000_000
_URL_COLUMNS = ("url", "link", "product_url", "product url", "href")


class CatalogError(ScrapeError):
    code = "catalog_invalid"


@dataclass
class FeedItem:
    """One product as a feed describes it (no page needed)."""

    id: str = ""
    title: str = ""
    description: str = ""
    link: str = ""
    price: Decimal | None = None
    regular_price: Decimal | None = None
    currency: str = ""
    images: list[str] = field(default_factory=list)
    brand: str = ""
    availability: str = ""
    category: str = ""
    variant_group: str = ""
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class CatalogRow:
    row: int  # 1-based row (CSV line after the header, or feed item number)
    url: str = ""  # a link to import from its page
    item: FeedItem | None = None  # or a product given by a feed
    error: str = ""  # the row could not be read


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _money(text: str) -> tuple[Decimal | None, str]:
    """ "15.00 USD" -> (15.00, "USD")."""
    text = (text or "").strip()
    if not text:
        return None, ""
    parts = text.split()
    code = parts[-1] if len(parts) > 1 and parts[-1].isalpha() and len(parts[-1]) == 3 else ""
    amount, symbol = parse_amount(text.removesuffix(code).strip() if code else text,
                                  currency_hint=code or None)
    return amount, (code.upper() or symbol)


def _item_from_fields(fields: dict[str, list[str]]) -> FeedItem:
    def one(*names: str) -> str:
        for name in names:
            for value in fields.get(name, []):
                if value and value.strip():
                    return " ".join(value.split())
        return ""

    price, currency = _money(one("price"))
    sale, sale_currency = _money(one("sale_price"))
    item = FeedItem(
        id=one("id"), title=one("title"), description=one("description"),
        link=one("link", "mobile_link"), brand=one("brand"),
        availability=availability_name(one("availability")),
        category=one("product_type", "google_product_category"),
        variant_group=one("item_group_id"),
    )
    if sale is not None and price is not None and sale < price:
        item.price, item.regular_price, item.currency = sale, price, sale_currency or currency
    else:
        item.price, item.currency = price if price is not None else sale, currency or sale_currency
    images = [one("image_link")]
    for value in fields.get("additional_image_link", []):
        images.extend(v.strip() for v in value.split(","))  # TSV writes them comma-separated
    item.images = [u for u in dict.fromkeys(images) if u.startswith(("http://", "https://"))]
    for name in ("size", "color", "material", "pattern"):
        if one(name):
            item.options[name] = one(name)
    return item


def _parse_xml(data: bytes, max_rows: int) -> list[CatalogRow]:
    try:
        root = SafeET.fromstring(data)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise CatalogError(f"The feed is not valid XML, or uses features Shopreel refuses ({exc}).") from None
    elements = root.findall("./channel/item") or root.findall(f"{{{ATOM_NS}}}entry") or root.iter("item")
    rows: list[CatalogRow] = []
    for number, element in enumerate(elements, start=1):
        if number > max_rows:
            break
        fields: dict[str, list[str]] = {}
        for child in element:
            tag = child.tag.split("}", 1)[-1]
            text = child.text or ""
            if tag == "link" and child.tag.startswith(f"{{{ATOM_NS}}}"):
                text = child.get("href") or text
            if tag == "shipping" or len(child):
                continue
            fields.setdefault(tag, []).append(text)
        item = _item_from_fields(fields)
        rows.append(CatalogRow(row=number, item=item, error="" if item.title else "The item has no title."))
    return rows


def _parse_table(text: str, max_rows: int) -> list[CatalogRow]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        lines = [line for line in reader if any(cell.strip() for cell in line)]
    except csv.Error as exc:  # a binary file, a NUL byte, a "cell" past the field limit
        raise CatalogError(f"The file is not a CSV or TSV Shopreel can read ({exc}).") from None
    if not lines:
        raise CatalogError("The file is empty.")
    header = [cell.strip().lower().removeprefix("g:") for cell in lines[0]]
    rows: list[CatalogRow] = []
    if "title" in header and ("price" in header or "image_link" in header):  # a Merchant feed
        for number, line in enumerate(lines[1: max_rows + 1], start=1):
            fields = {name: [line[i]] for i, name in enumerate(header) if i < len(line)}
            item = _item_from_fields(fields)
            rows.append(CatalogRow(row=number, item=item,
                                   error="" if item.title else "The row has no title."))
        return rows
    column = next((header.index(name) for name in _URL_COLUMNS if name in header), None)
    body = lines[1:] if column is not None else lines  # no header: a plain list of links
    column = column or 0
    for number, line in enumerate(body[:max_rows], start=1):
        url = line[column].strip() if column < len(line) else ""
        error = "" if url.lower().startswith(("http://", "https://")) else "The row has no web link."
        rows.append(CatalogRow(row=number, url=url, error=error))
    return rows


def parse_catalog(data: bytes, *, max_rows: int = 500) -> list[CatalogRow]:
    """Rows of a CSV/TSV of links or a Google Merchant feed (XML or TSV), at most ``max_rows``."""
    if len(data) > MAX_FILE_BYTES:
        raise CatalogError(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB.")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _parse_xml(data, max_rows)
    return _parse_table(_decode(data), max_rows)
