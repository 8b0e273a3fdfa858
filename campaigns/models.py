"""Campaigns, their runs (one per campaign and scheduled time) and each run's items (one per
product and variant), and the facts each finished ad showed (for stale ads)."""

from __future__ import annotations

from django.db import models

from accounts.models import WorkspaceOwned


class Campaign(WorkspaceOwned):
    """A set of products made into ads on a schedule: which products (chosen, or every
    product of an import batch, read again each run), what to make of each (templates or
    auto, languages, formats, lengths, variants), when (``schedule``: wall-clock times in
    ``timezone``, or the workspace's zone when blank; see campaigns/schedule.py), and how much
    one run may spend."""

    class Source(models.TextChoices):
        PRODUCTS = "products"  # the products chosen
        BATCH = "batch"  # every product of an import batch (a feed or a list of links)

    class Regenerate(models.TextChoices):
        CHANGED = "changed"  # only where the facts the ad shows changed since the last run
        ALWAYS = "always"

    name = models.CharField(max_length=120)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PRODUCTS)
    products = models.ManyToManyField("products.Product", blank=True, related_name="+")
    batch = models.ForeignKey(
        "products.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    templates = models.JSONField(default=list, blank=True)  # slugs; [] = auto
    languages = models.JSONField(default=list)
    formats = models.JSONField(default=list)
    lengths = models.JSONField(default=list)  # seconds
    variants = models.PositiveSmallIntegerField(
        default=1
    )  # per product, language, length and template
    market = models.CharField(max_length=4, blank=True)  # "" = the workspace's default market
    schedule = models.JSONField()  # Schedule.to_json(): local wall-clock times
    timezone = models.CharField(max_length=64, blank=True)  # "" = the workspace's zone
    enabled = models.BooleanField(default=True)
    budget_credits = models.PositiveIntegerField(null=True, blank=True)  # per run; None = no cap
    regenerate = models.CharField(
        max_length=10, choices=Regenerate.choices, default=Regenerate.CHANGED
    )
    # Run at once (not waiting for the schedule) when one of the campaign's ads goes stale.
    regenerate_stale = models.BooleanField(default=False)
    # The next scheduled run, and the zone it was computed in (a zone change recomputes it).
    next_run_at = models.DateTimeField(null=True, blank=True)
    next_run_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # campaigns_due(): enabled campaigns whose next run time has come.
            models.Index(fields=["enabled", "next_run_at"], name="campaign_due"),
            # campaigns_for_workspace(): a workspace's campaigns, newest first.
            models.Index(fields=["workspace", "-created_at"], name="campaign_ws_created"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignRun(WorkspaceOwned):
    """One run of a campaign for one slot (its scheduled time, or the minute "run now" was
    pressed). Unique per (campaign, slot): two schedulers, a retried task or a double click
    find the run that exists instead of starting another."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        MANUAL = "manual"  # "run now"
        STALE = "stale"  # one of its ads went stale (Campaign.regenerate_stale)

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"  # reading products and queuing jobs, or waiting for its jobs
        COMPLETED = "completed"  # every item has its outcome
        FAILED = "failed"  # the run itself could not go on (its products could not be listed)

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    slot = models.DateTimeField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Set once every item is decided and every job queued: the last job's end completes the run.
    queuing_done = models.BooleanField(default=False)
    # Who is running it (the task id: a redelivered task keeps it; "inline:..." from the
    # command) and since when: another claimant takes over only once the claim is stale.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    quoted_credits = models.PositiveIntegerField(
        null=True, blank=True
    )  # what the regenerations would cost
    queued_credits = models.PositiveIntegerField(default=0)  # what it queued (within its budget)
    budget_credits = models.PositiveIntegerField(
        null=True, blank=True
    )  # the campaign's, when the run began
    counts = models.JSONField(
        default=dict, blank=True
    )  # {"regenerated", "unchanged", "skipped", "failed"}
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slot"], name="campaignrun_unique_slot"),
        ]
        indexes = [
            # run_reconcile(): runs still running whose jobs may all have ended.
            models.Index(fields=["state", "claimed_at"], name="campaignrun_state"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} at {self.slot:%Y-%m-%d %H:%M} ({self.state})"


class RunItem(WorkspaceOwned):
    """One product and variant of a run (variant: template, language, length and variant
    number), and what the run did with it."""

    class State(models.TextChoices):
        PENDING = "pending"  # not decided yet
        QUEUED = "queued"  # its job is queued or running
        DONE = "done"

    class Outcome(models.TextChoices):
        REGENERATED = "regenerated"
        UNCHANGED = "unchanged"
        SKIPPED = "skipped"
        FAILED = "failed"

    run = models.ForeignKey(CampaignRun, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "products.Product", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_title = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=120)  # template|language|length|variant
    template = models.CharField(max_length=80)  # a slug, or "auto"
    language = models.CharField(max_length=20)
    length = models.FloatField()
    variant = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)  # the order items are decided and queued in
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    reason_code = models.CharField(max_length=40, blank=True)  # out_of_stock, budget, changed, ...
    reason = models.TextField(blank=True)  # plain words
    facts = models.JSONField(
        default=dict, blank=True
    )  # campaigns.facts.product_facts at decision time
    changed = models.JSONField(default=list, blank=True)  # the facts that changed since the last ad
    ad = models.ForeignKey(
        "generation.Ad", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "generation.RenderJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cost = models.PositiveIntegerField(null=True, blank=True)  # the job's quoted price

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "product", "key"], name="runitem_unique_variant"
            ),
        ]
        indexes = [
            # item_previous(): the campaign's last ad for a product and variant.
            models.Index(fields=["product", "key", "-created_at"], name="runitem_previous"),
            # item_job_ended(): the item of a job that ended.
            models.Index(fields=["job"], name="runitem_job"),
        ]

    def __str__(self) -> str:
        return f"{self.product_title} {self.key} ({self.outcome or self.state})"


class AdFacts(WorkspaceOwned):
    """What a finished ad shows about its product (price, regular price, currency, title,
    availability, main photo), recorded when its first render completes. The ad is stale while
    its product's price or availability differs (``selectors.ads_stale``)."""

    ad = models.OneToOneField("generation.Ad", on_delete=models.CASCADE, related_name="shown_facts")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    regular_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    title = models.CharField(max_length=300, blank=True)
    availability = models.CharField(max_length=20, blank=True)
    main_photo = models.CharField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"facts of {self.ad_id}"
