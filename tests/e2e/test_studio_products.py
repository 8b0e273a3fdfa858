"""The studio's product side in a real Chromium against a live server: paste a product link,
watch its import row appear under the form and turn "Imported" by itself (htmx, no page load),
the list below showing the new product, open the product, see the price the scraper
doubted with the other amounts the page showed, confirm one, then set the price by hand and see
it marked as set by hand; "Make ad" leads to the studio with the product chosen. Screenshots at
1280 px and 390 px go to $SHOPREEL_TEST_ARTIFACTS (else a temporary folder).

The product page is served on loopback (tests/servers.py). The test settings have no broker:
the import task queued on commit is recorded, and the test runs the batch in-process
(``import_batch_run``) against the database the live server shares.

Skipped where /usr/bin/chromium is missing, except where SHOPREEL_TEST_REQUIRE_SERVICES=1."""

from __future__ import annotations

import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from products.models import ImportBatch, Product
from products.services import import_batch_run
from tests.accounts.conftest import verified_user
from tests.factories import MembershipFactory, ProductFactory, WorkspaceFactory
from tests.servers import serve

pytestmark = pytest.mark.slow

WIDTHS = {"desktop": 1280, "phone": 390}
PAGE = """<html lang="en"><head><title>Aurora Desk Lamp</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
"name": "Aurora Desk Lamp", "image": ["/lamp.png"], "description": "A warm desk lamp.",
"brand": {"@type": "Brand", "name": "Northwind"}, "offers": {"@type": "Offer", "price": "59.00",
"priceCurrency": "USD", "availability": "https://schema.org/InStock"}}</script></head>
<body><h1>Aurora Desk Lamp</h1><div class="product-price"><span class="price">$49.00</span></div>
<p>Save $10.00 today</p><ul><li>Warm white light</li><li>USB-C powered</li></ul></body></html>"""


def _lamp_png() -> bytes:
    image = Image.new("RGB", (640, 640), (255, 255, 255))
    image.paste((230, 170, 40), (220, 120, 420, 300))
    image.paste((60, 60, 60), (310, 300, 330, 520))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def artifacts() -> Path:
    folder = Path(
        os.environ.get("SHOPREEL_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="shopreel-products-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def queued_imports(monkeypatch) -> list[tuple[str, str]]:
    """Product tasks sent on commit (through the outbox), recorded at the broker's edge: no
    broker in the test settings."""
    from accounts import outbox

    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(outbox, "publish", lambda sig: sent.append((sig.task, sig.args[0])))
    return sent


def _screenshots(page, artifacts: Path, name: str) -> None:
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts / f"products-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def test_paste_a_link_watch_it_import_confirm_the_price_and_edit_it(
    page, live_server, settings, queued_imports, artifacts
):
    settings.SHOPREEL_BROWSER_FALLBACK = False
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Northwind")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    base = live_server.url
    routes = {
        "/products/lamp": (200, "text/html; charset=utf-8", PAGE.encode()),
        "/lamp.png": (200, "image/png", _lamp_png()),
    }
    with serve(routes) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        link = f"http://{host}/products/lamp"

        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", "pw")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        page.get_by_role("link", name="Products", exact=True).click()
        page.wait_for_url(f"{base}/app/w/{workspace.id}/products/")

        # htmx is loaded, from our own static files
        assert page.evaluate("() => window.htmx && window.htmx.version").startswith("2.")
        # paste the link: the import's row appears under the form, waiting (no page load)
        page.get_by_label("Product links").fill(link)
        _screenshots(page, artifacts, "paste")
        page.evaluate("() => { window.samePage = true; }")
        page.get_by_role("button", name="Import", exact=True).click()
        page.locator("#import-rows").wait_for()
        batch = ImportBatch.objects.get(workspace=workspace)
        assert page.url == f"{base}/app/w/{workspace.id}/products/"
        assert queued_imports == [("products.import_batch", str(batch.id))]
        assert "Waiting" in page.inner_text("#import-rows")
        assert page.get_by_label("Product links").input_value() == ""  # ready for the next links
        _screenshots(page, artifacts, "importing")

        # the import runs (in-process here); the row turns "Imported" without a reload, and
        # the list below shows the new product
        import_batch_run(batch_id=batch.id, browser=False)
        page.wait_for_function(
            "() => document.querySelector('#import-rows').dataset.finished === '1'", timeout=15_000
        )
        assert "Imported" in page.inner_text(
            "#import-rows"
        ) and "Aurora Desk Lamp" in page.inner_text("#import-rows")
        assert page.locator("#refresh").count() == 0  # the polling stopped
        assert page.locator("#import-rows[hx-trigger]").count() == 0
        page.locator("#product-results", has_text="Aurora Desk Lamp").wait_for(timeout=15_000)
        assert page.evaluate("() => window.samePage === true")  # all of it without a page load
        _screenshots(page, artifacts, "imported")

    # the product page: its photo, facts and the price to check, with the page's other amounts
    with page.expect_navigation():
        page.get_by_role("link", name="Open", exact=True).click()
    product = Product.objects.get(workspace=workspace)
    assert product.price == Decimal("49.00") and product.price_unconfirmed
    check = page.locator("#price-check")
    assert "49.00 USD" in check.inner_text() and "59.00 USD" in check.inner_text()
    assert "Save $10.00 today" in check.inner_text()
    assert (
        page.locator("#photos img").first.evaluate("img => img.naturalWidth") > 0
    )  # the private photo loads
    _screenshots(page, artifacts, "product")

    # confirm the markup's amount
    page.get_by_label("59.00 USD").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm price").click()
    assert page.locator("#price-check").count() == 0
    assert "59.00 USD" in page.inner_text("#shown-price")
    assert "Price confirmed by merchant@example.com" in page.inner_text("#price-confirmed")

    # set the price by hand: saved, and marked as set by hand
    page.get_by_label("Price", exact=True).fill("54.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert "54.00 USD" in page.inner_text("#shown-price")
    price_term = page.locator("#facts dt", has_text="Price").first
    assert "set by you" in price_term.inner_text()
    product.refresh_from_db()
    assert product.price == Decimal("54.00") and set(product.edited_fields) == {"price"}
    _screenshots(page, artifacts, "edited")

    # a typo is shown on the field, with what was typed kept
    page.get_by_label("Price", exact=True).fill("54,00 dollars")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_label("Price", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Price", exact=True).input_value() == "54,00 dollars"
    assert "must be a number" in page.inner_text("#price-error")
    _screenshots(page, artifacts, "error")

    # "Make ad" leads to the studio with the product chosen
    page.goto(f"{base}/app/w/{workspace.id}/products/{product.id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Make ad").click()
    assert page.url == f"{base}/app/w/{workspace.id}/?product={product.id}"

    # the list shows the product with its photo, title and price
    page.goto(f"{base}/app/w/{workspace.id}/products/")
    row = page.locator("table.products tbody tr").first
    assert (
        "Aurora Desk Lamp" in row.inner_text()
        and "54.00 USD" in row.inner_text()
        and "Ready" in row.inner_text()
    )
    assert row.locator("img").evaluate("img => img.naturalWidth") > 0
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    assert (
        row.locator("img").evaluate("img => img.getBoundingClientRect().width") >= 40
    )  # seen on a phone too
    _screenshots(page, artifacts, "list")

    # the workspace's settings: a time zone nobody knows is refused on its field
    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("Time zone").fill("Europe/Atlantis")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    assert page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("1:1").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    assert "Settings saved." in page.inner_text("main")
    workspace.refresh_from_db()
    assert workspace.timezone == "Europe/Berlin" and "1:1" in workspace.default_formats
    _screenshots(page, artifacts, "settings")


NO_PRICE_PAGE = """<html lang="en"><head><title>Walnut Tray</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
"name": "Walnut Tray", "image": ["/tray.png"], "description": "An oiled walnut tray."}</script>
</head><body><h1>Walnut Tray</h1><p>Ask us for a price.</p></body></html>"""


def test_a_page_without_a_price_is_completed_by_hand(
    page, live_server, settings, queued_imports, artifacts
):
    settings.SHOPREEL_BROWSER_FALLBACK = False
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Northwind")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    base = live_server.url
    routes = {
        "/products/tray": (200, "text/html; charset=utf-8", NO_PRICE_PAGE.encode()),
        "/tray.png": (200, "image/png", _lamp_png()),
    }
    with serve(routes) as host:
        settings.SHOPREEL_FETCH_ALLOW_HOSTS = [host]
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", "pw")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        page.goto(f"{base}/app/w/{workspace.id}/products/")
        page.get_by_label("Product links").fill(f"http://{host}/products/tray\nftp://{host}/nope")
        page.get_by_role("button", name="Import", exact=True).click()
        page.locator("#import-rows").wait_for()
        batch = ImportBatch.objects.get(workspace=workspace)
        import_batch_run(batch_id=batch.id, browser=False)
        page.wait_for_function(
            "() => document.querySelector('#import-rows').dataset.finished === '1'"
        )
        rows = page.inner_text("#import-rows")
        assert "Needs completing" in rows and "Skipped" in rows and "Not a web link" in rows
        _screenshots(page, artifacts, "needs-completing")

    # the form holds what the page gave; the merchant adds the price
    with page.expect_navigation():
        page.get_by_role("link", name="Complete by hand").click()
    assert "The page did not give a price" in page.inner_text("#product")
    assert page.get_by_label("Title").input_value() == "Walnut Tray"
    assert page.get_by_role("link", name="Make ad").count() == 0
    _screenshots(page, artifacts, "complete-by-hand")
    page.get_by_label("Price", exact=True).fill("39.00")
    page.get_by_label("Currency").fill("EUR")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert "39.00 EUR" in page.inner_text("#shown-price")
    assert page.get_by_role("link", name="Make ad").is_visible()
    product = Product.objects.get(workspace=workspace)
    assert product.price == Decimal("39.00") and {"price", "currency"} <= set(product.edited_fields)


def test_the_product_list_searches_and_pages_in_place(page, live_server, artifacts):
    """Thirty products: the list shows 24, the search narrows it as one types and the page links
    keep the search, all in place (htmx) with the address following; and without JavaScript the
    same form and links load the pages."""
    user = verified_user("merchant")
    workspace = WorkspaceFactory(name="Northwind")
    MembershipFactory(workspace=workspace, user=user, role="owner")
    for n in range(30):
        ProductFactory(
            workspace=workspace,
            title=f"{'Walnut' if n % 3 == 0 else 'Oak'} tray {n}",
            brand="Northwind",
            price=Decimal("19.00"),
            currency="EUR",
        )
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.goto(f"{base}/app/w/{workspace.id}/products/")
    assert page.evaluate("() => window.htmx && window.htmx.version").startswith("2.")
    rows = page.locator("table.products tbody tr")
    assert rows.count() == 24 and "Page 1 of 2" in page.inner_text("#product-results")
    _screenshots(page, artifacts, "list-paged")

    page.evaluate("() => { window.samePage = true; }")
    page.get_by_label("Search").fill("walnut")  # typed: the results follow, no page load
    page.locator("#count", has_text="10 products match").wait_for()
    assert rows.count() == 10 and page.url.endswith("/products/?q=walnut&state=")
    page.get_by_label("Search").fill("")
    page.locator("#count", has_text="30 products").wait_for()
    with page.expect_request(lambda r: "page=2" in r.url):
        page.get_by_role("link", name="Older →").click()
    page.locator("#product-results", has_text="Page 2 of 2").wait_for()
    assert rows.count() == 6 and page.url.endswith("page=2")
    assert page.evaluate("() => window.samePage === true")
    _screenshots(page, artifacts, "list-page-2")

    # without JavaScript: the same search is a plain GET form and the page links plain links
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(f"{base}/accounts/login/")
        plain.fill("input[name=login]", user.email)
        plain.fill("input[name=password]", "pw")
        with plain.expect_navigation():
            plain.locator("main form button[type=submit]").first.click()
        plain.goto(f"{base}/app/w/{workspace.id}/products/")
        plain.get_by_label("Search").fill("oak")
        with plain.expect_navigation():
            plain.get_by_role("button", name="Search").click()
        assert "20 products match" in plain.inner_text("#count")
        assert plain.locator("table.products tbody tr").count() == 20
    finally:
        context.close()
