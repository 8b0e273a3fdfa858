"""Reading a product from its page: framework-free, no Django imports.

``extract.py`` (layers merged), ``structured.py`` (JSON-LD, microdata, RDFa), ``platforms.py``
(Shopify and WooCommerce endpoints), ``heuristics/`` (the visible page, one module per field),
``browser.py`` (the Chromium fallback), ``verticals.py``, ``catalog.py`` (CSV and Merchant
feeds), ``scoring.py`` (the corpus benchmark's F1). The network goes through
``core.fetch.SafeFetcher`` (address checks on every hop, connect to the checked address, one
hard deadline, a byte cap); the Django side that drives all this is ``products/services/``
(``pages.page_extract``, ``importing.product_scrape``).

The static page first
---------------------
The page comes from ``SafeFetcher``; a product page that fails transiently (timeout, refused
connection, 429, 5xx) is tried again after ``SHOPREEL_FETCH_RETRY_DELAYS``, while a 404 or a
blocked address fails at once. ``extract_product`` then reads its layers, most trusted first:
the shop platform's own endpoint when the page shows Shopify (``/products/<handle>.js``, the
``?variant=`` chosen) or WooCommerce (Store API ``/wp-json/wc/store/v1/products/<id>``, same
host only; ``SHOPREEL_PLATFORM_API``), JSON-LD, microdata, RDFa, OpenGraph, then visible-page
heuristics. Each field comes from the most trusted layer that has it; price, currency and list
price travel together.

The page checks the markup's price:

- when the markup lists several offers and the page shows a lower one of them as its main
  price (a sale), that one wins and the other becomes the regular price;
- a markup price the page never shows gives way to a confident visible price (kept as the
  regular price when higher), except on a sold-out page;
- a markup price the page labels as an auction's starting price or opening bid gives way to a
  higher confident visible price (the current bid).

Visible prices are scored by closeness to the title (the ``<h1>``, or without one the element
holding the ``<title>``'s product name), price-ish attributes, currency marks (also one written
just outside a bare number: ``<b>294</b><span>元</span>``) and a price word introducing the
amount ("Price:", "特價"); a price shape repeated with several amounts (product tiles,
swatches) loses ground, and a price labelled as excluding VAT gives way to the VAT-inclusive one
beside it. The words around an amount reject it as a candidate, in ten languages: a saving ("Save
$75", "-$15", "Sie sparen", "お得"), an earlier price written as words ("Was", "Statt",
"通常価格"; also a ``line-through`` class), an add-on (shipping, a protection plan, a deposit,
a per-unit price, a "from" amount) when the page shows a larger current amount, and a total
("Total:", "billed yearly", "合計") when it shows a smaller one. Titles lose a shop name in
square brackets in front ("[Shop] Name") and a selling tail ("- Buy ... on Shop.com, keywords").

The chosen price comes with ``price_evidence`` (``source``: markup, visible text or platform
endpoint; ``confidence`` 0-1; ``rejected``: each amount passed over with a short why) and
``price_needs_confirmation`` when the markup and the visible page disagree, the page's two best
amounts are close, or the confidence is low; ``Product`` stores both, and an ad is not rendered
with such a price until it is confirmed (``POST /products/{id}/price/confirm/``) or the job
overrides. Availability: the offer for this URL, else in stock if any offer is; else a short
stock message in an element named for it, disabled or enabled buy buttons, stock words near the
title. Brand and SKU fall back to labelled rows of a details block (Brand, SKU, Item number, in
several languages) and the item number in the URL. Variants (size, colour, ...) come from the
platform endpoint, ``ProductGroup.hasVariant`` or several named offers.

The rating comes from the product's ``aggregateRating`` (JSON-LD, microdata, RDFa): ``rating``
(ratingValue), ``rating_scale`` (bestRating, 5 when absent) and ``review_count``
(reviewCount, else ratingCount; None when the page states neither), on ``ExtractedProduct``,
``Product`` and ``as_script_input()``. A value off its scale or "from 0 reviews" is dropped;
nothing is ever estimated.

The browser, only when needed
-----------------------------
Only when the static page lacks the product (no product, no price or no photo) is it rendered
in headless Chromium (``browser.py``; ``SHOPREEL_BROWSER_FALLBACK``, ``_PATH``, ``_TIMEOUT``),
and the richer of the two results is kept. One warm browser per worker process, on its own
thread (Playwright's sync API runs an event loop in its thread, and Django refuses ORM calls
there), a fresh context per page, restarted if it crashed, closed at exit. Chromium opens no
connection itself: every request (document, redirects, scripts, XHR, frames) is intercepted
and fetched by the same ``SafeFetcher``; WebSockets get a closed mock, service workers are
blocked, images, fonts and CSS are not loaded, its resolver maps every name to "not found";
a deadline, a request cap and a total byte cap bound a page.

``Product.fetched_with`` records the path: ``http``, ``platform-api``, ``browser`` or ``manual``.

Other ways in
-------------
- By hand: ``product_create_manual`` (no page fetched; photo URLs through ``SafeFetcher``,
  uploaded bytes validated the same way) and ``product_complete`` (fills in a partial product;
  it becomes imported once it has a title, a price and a photo).
- Catalogues (``catalog.py``): a CSV of links, or a Google Merchant feed (RSS/Atom XML with the
  ``g:`` namespace through defusedxml, or TSV). ``manage.py import_catalog FILE --json`` and
  the API's ``POST /products/batch/`` run the same batch (``products/services/batches.py``); a
  feed's items are made from the feed's own data (``product_create_from_feed_item``), never by
  reading the product page.
- ``manage.py scrape URL --json`` (or ``--html FILE``) prints what is read; nothing is stored.

Photos (``products/services/photos.py``, ``core.images``) are validated before decoding,
de-duplicated by perceptual hash and cut out where the background is plain. An apparel photo
worn by a person (some skin visible, and clearly more on a plain-background packshot) is flagged
``ProductImage.on_model``.
"""
