"""Products read from a shop page (or entered by hand) and their photos."""

from __future__ import annotations

from django.db import models

from accounts.models import WorkspaceOwned


def product_media_path(instance: ProductImage, filename: str) -> str:
    return f"workspaces/{instance.workspace_id}/products/{instance.product_id}/{filename}"


class Product(WorkspaceOwned):
    class Status(models.TextChoices):
        PENDING = "pending"
        IMPORTED = "imported"
        PARTIAL = "partial"  # read, but something the ad needs is missing; the user completes it
        FAILED = "failed"

    class FetchedWith(models.TextChoices):
        HTTP = "http"  # the static page
        BROWSER = "browser"  # rendered in headless Chromium (the static page lacked the product)
        PLATFORM_API = "platform-api"  # the shop platform's product endpoint (Shopify, WooCommerce)
        MANUAL = "manual"  # entered by hand or from a catalogue feed; no page read

    source_url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)  # plain words for the merchant

    title = models.CharField(max_length=300, blank=True)
    brand = models.CharField(max_length=120, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    regular_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.TextField(blank=True)
    features = models.JSONField(default=list, blank=True)
    availability = models.CharField(max_length=20, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=20, blank=True)
    vertical = models.CharField(max_length=20, default="other")
    breadcrumbs = models.JSONField(default=list, blank=True)
    image_urls = models.JSONField(default=list, blank=True)  # as found on the page, main first
    scrape_sources = models.JSONField(default=list, blank=True)  # json-ld, microdata, ...
    variants = models.JSONField(default=list, blank=True)  # [{name, options, sku, price, availability}]
    fetched_with = models.CharField(max_length=12, choices=FetchedWith.choices, blank=True)
    # The page's aggregateRating as stated (never estimated): 4.7 of 5 from 1284 reviews.
    rating = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    rating_scale = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    review_count = models.PositiveIntegerField(null=True, blank=True)
    # How the scraper chose the price (ExtractedProduct.price_evidence): source, layer,
    # confidence 0-1 and the amounts it passed over with why; {} for products entered by hand.
    price_evidence = models.JSONField(default=dict, blank=True)
    # The scraper's doubt (markup and page disagree, two close amounts, low confidence); an ad
    # is not rendered with such a price until it is confirmed (or the job overrides).
    price_needs_confirmation = models.BooleanField(default=False)
    price_confirmed_at = models.DateTimeField(null=True, blank=True)
    price_confirmed_by = models.CharField(max_length=200, blank=True)  # the API key's name, or a user
    # Facts the merchant set by hand ({"price": {"at": iso time, "by": who}, ...}): reading the
    # page again keeps them (products.services.importing.product_apply_extracted skips them).
    edited_fields = models.JSONField(default=dict, blank=True)
    # Photo links that gave no usable photo, each with why in plain words
    # ([{"url": ..., "error": ...}]): a product entered by hand keeps its facts and good photos.
    photo_errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # products_for_workspace(): a workspace's products, newest first.
            models.Index(fields=["workspace", "-created_at"], name="product_ws_created"),
        ]

    def __str__(self) -> str:
        return self.title or self.source_url or str(self.id)

    @property
    def price_unconfirmed(self) -> bool:
        """The scraper doubted the price and nobody has confirmed it since it was read."""
        return self.price_needs_confirmation and self.price_confirmed_at is None

    def as_script_input(self) -> dict:
        """The product in the shape the template engine reads (ExtractedProduct.to_json())."""
        return {
            "url": self.source_url,
            "title": self.title,
            "brand": self.brand,
            "price": str(self.price) if self.price is not None else None,
            "currency": self.currency,
            "regular_price": str(self.regular_price) if self.regular_price is not None else None,
            "description": self.description,
            "features": list(self.features),
            "images": [image.file.name for image in self.images.all()],
            "availability": self.availability,
            "sku": self.sku,
            "language": self.language,
            "vertical": self.vertical,
            "breadcrumbs": list(self.breadcrumbs),
            "variants": list(self.variants),
            "fetched_with": self.fetched_with,
            "rating": _plain(self.rating),
            "rating_scale": _plain(self.rating_scale),
            "review_count": self.review_count,
        }


def _plain(value) -> str | None:
    """A stored rating as the page wrote it: 4.70 -> "4.7", 5.00 -> "5"."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ProductImage(WorkspaceOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()  # 0 = main image
    source_url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to=product_media_path, max_length=300)
    cutout = models.FileField(upload_to=product_media_path, max_length=300, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    phash = models.CharField(max_length=16, blank=True)  # hex perceptual hash, for de-duplication
    plain_background = models.BooleanField(default=False)
    # An apparel photo worn by a person (skin visible, not a packshot): lifestyle shots use it.
    on_model = models.BooleanField(default=False)

    class Meta:
        ordering = ["product", "position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "position"], name="productimage_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.product} #{self.position}"


class ImportBatch(WorkspaceOwned):
    """Many products imported at once through the API: a list of links, or a catalogue feed
    (uploaded, or fetched from ``feed_url`` by the worker). Each input line is an
    :class:`ImportBatchRow`; the counts are kept up to date as rows finish."""

    class Source(models.TextChoices):
        URLS = "urls"  # {"urls": [...]} in the request
        FILE = "file"  # an uploaded CSV of links or Google Merchant feed (XML or TSV)
        FEED_URL = "feed_url"  # a feed the worker fetches through the safe fetcher

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"  # every row finished (each with its own outcome)
        FAILED = "failed"  # the feed itself could not be read: no rows

    source = models.CharField(max_length=10, choices=Source.choices)
    feed_url = models.URLField(max_length=2000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # rows finished, whatever their outcome
    failed = models.PositiveIntegerField(default=0)  # rows finished failed or skipped
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)  # why the feed could not be read (state failed)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # import_batches_for_workspace(): a workspace's batches, newest first.
            models.Index(fields=["workspace", "-created_at"], name="importbatch_ws_created"),
        ]

    def __str__(self) -> str:
        return f"batch {self.id} ({self.state}, {self.done}/{self.total})"


class ImportBatchRow(WorkspaceOwned):
    """One line of a batch: its input (a link, or a feed item's fields), and once run, its
    outcome and product. Rows are claimed one at a time (pending → running) so a redelivered
    task never imports a row twice."""

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"

    class Outcome(models.TextChoices):
        IMPORTED = "imported"
        PARTIAL = "partial"  # the product exists but lacks something (see message)
        FAILED = "failed"
        SKIPPED = "skipped"  # the line could not be read (no link, no title)
        DUPLICATE = "duplicate"  # the same product as an earlier row: one product for both

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()  # 1-based, in input order
    url = models.URLField(max_length=2000, blank=True)  # a link row: the page to import
    item = models.JSONField(default=dict, blank=True)  # a feed row: FeedItem fields
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error_code = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)  # plain words for the merchant
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="importbatchrow_unique_position"),
        ]
        indexes = [
            # _batch_row_claim() (products.services.batches): the batch's next pending (or stale running) row by position.
            models.Index(fields=["batch", "state", "position"], name="importbatchrow_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} row {self.position} ({self.outcome or self.state})"


class ProductTranslation(WorkspaceOwned):
    """One translatable fact of a product (``products.translation.facts`` key: ``features.0``,
    ``description.1``, ``variants.0.name``, ``title``) in one ad language: the backend's
    translation of ``source`` (the cache) and the merchant's edit, kept apart.

    The machine part is fresh while ``source`` equals the product's current text for the key;
    a rescrape that changes the text makes it retranslated on next use. The edit is never
    overwritten by a rescrape or a retranslation: ``edited_source`` is the text it was written
    for, so a changed page marks it possibly outdated (``products.selectors``)."""

    class Status(models.TextChoices):
        TRANSLATED = "translated"
        REFUSED = "refused"  # the answer failed the checks (figures, names, hostile): source kept
        FAILED = "failed"  # the backend was unreachable or answered nonsense: tried again next time
        NONE = "none"  # no machine translation (translation off when the merchant edited)

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=20)  # the ad's copy language (core.vocabulary.LANGUAGES)
    key = models.CharField(max_length=60)
    source = models.TextField()  # the page's text the machine part was made from
    text = models.TextField(blank=True)  # the machine translation; "" unless translated
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NONE)
    reason = models.TextField(blank=True)  # why not translated, in plain words
    backend = models.CharField(max_length=80, blank=True)  # "llm:<model>", "local:<folder>"
    edited_text = models.TextField(blank=True)  # the merchant's words; "" when not edited
    edited_source = models.TextField(blank=True)  # the page's text when the merchant edited
    edited_by = models.CharField(max_length=200, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product", "language", "key"]
        constraints = [
            # Also the index of product_translation_rows(): a product's rows for one language.
            models.UniqueConstraint(fields=["product", "language", "key"], name="producttranslation_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.language} {self.key}"
