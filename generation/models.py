"""Ads, their shots, the jobs that make them and the files they produce."""

from __future__ import annotations

import uuid

from django.db import models

from accounts.models import WorkspaceOwned


def ad_media_path(instance: RenderOutput, filename: str) -> str:
    return f"workspaces/{instance.workspace_id}/ads/{instance.ad_id}/{filename}"


class Ad(WorkspaceOwned):
    """One ad for one product: its script (AdScript JSON, editable) and its options."""

    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="ads")
    template = models.CharField(max_length=80)
    language = models.CharField(max_length=20, default="en")
    length = models.FloatField(default=15)
    formats = models.JSONField(default=list)  # ["9:16", "1:1", ...]
    seed = models.PositiveIntegerField(default=0)
    script = models.JSONField()  # templates_engine.schema.AdScript
    # Generative (GPU) shots allowed (off: the plan has none; shots use the motion backend).
    generative = models.BooleanField(default=True)
    voice = models.BooleanField(default=True)
    music = models.BooleanField(default=True)
    # Honest claims (templates_engine.compliance): the market the copy was checked for, the
    # findings of the last check (Finding.as_dict() each), and, when the user let blocking
    # findings through, who, when and which ({"by", "at", "job", "findings"}).
    market = models.CharField(max_length=4, default="US")
    compliance = models.JSONField(default=list, blank=True)
    compliance_override = models.JSONField(default=dict, blank=True)
    # The product's facts in the ad's language (products.translation.state record): language,
    # source_language, backend, untranslated [{key, source, reason}], edited, outdated_edits and
    # the warning ("" when every fact the builder got was in the ad's language).
    translation = models.JSONField(default=dict, blank=True)
    # Who wrote the copy (generation.copywriting, SHOPREEL_COPYWRITER): {"source": "llm" |
    # "template", "model", "angle" (the hook angle asked of the model), "rejected": [{"scene",
    # "field", "reason"}] (why the model's copy was refused; scene "" = its whole answer)}.
    copy = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # ads_for_workspace(): a workspace's ads, newest first.
            models.Index(fields=["workspace", "-created_at"], name="ad_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.template} for {self.product}"

    def compliance_unresolved(self) -> list[dict]:
        """Blocking findings the recorded override does not cover (same rule, place and text)."""
        covered = {
            (f["rule"], f["scene"], f["field"], f["text"])
            for f in (self.compliance_override or {}).get("findings", [])
        }
        return [
            f for f in self.compliance
            if f.get("severity") == "block" and (f["rule"], f["scene"], f["field"], f["text"]) not in covered
        ]


class Shot(WorkspaceOwned):
    """One scene's footage, made by a backend (motion today; diffusion and try-on later)."""

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="shots")
    index = models.PositiveSmallIntegerField()
    scene_id = models.CharField(max_length=40)
    shot_type = models.CharField(max_length=20)
    backend = models.CharField(max_length=20, blank=True)  # which backend made it
    backend_reason = models.CharField(max_length=200, blank=True)  # and why that one
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    asset = models.JSONField(default=dict, blank=True)  # what the renderer needs, see backends
    # Fidelity gate score (0-1) of a generated shot against the product photo; null for motion.
    fidelity = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Who is making the shot (the Celery task id; a redelivered task keeps its id) and since
    # when: a running shot is claimed by no one else until the hard time limit has passed.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ad", "index"]
        constraints = [
            models.UniqueConstraint(fields=["ad", "index"], name="shot_unique_index_per_ad"),
        ]

    def __str__(self) -> str:
        return f"{self.ad} shot {self.index} ({self.shot_type})"


class RenderJob(WorkspaceOwned):
    """One run of the pipeline, product URL → finished files; what the dashboard and API show."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Stage(models.TextChoices):
        SCRAPE = "scrape"
        SCRIPT = "script"
        SHOTS = "shots"
        RENDER = "render"
        DONE = "done"

    # Credits (billing on): held when the job was queued, and spent once it ended (what was
    # delivered: formats rendered, generative footage made). None: billing was off.
    cost = models.PositiveIntegerField(null=True, blank=True)
    charged = models.PositiveIntegerField(null=True, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    product = models.ForeignKey("products.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ad = models.ForeignKey(Ad, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    options = models.JSONField(default=dict, blank=True)  # template, language, formats, length, ...
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.SCRAPE)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)  # plain words for the merchant, never a traceback
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written when a step claims the job and every few seconds while a worker makes shots or
    # renders (generation.watchdog): a job whose heartbeat stops was lost with its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times the watchdog has put a lost job back on its queue.
    resumes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # jobs_for_workspace(): a workspace's jobs, newest first.
            models.Index(fields=["workspace", "-created_at"], name="renderjob_ws_created"),
            # watchdog.jobs_stalled(): unfinished jobs whose heartbeat is old.
            models.Index(fields=["state", "heartbeat_at"], name="renderjob_state_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"job {self.id} ({self.state}, {self.progress}%)"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED, self.State.CANCELLED)


class RenderOutput(WorkspaceOwned):
    """The files of one format of one rendered ad."""

    ad = models.ForeignKey(Ad, on_delete=models.CASCADE, related_name="outputs")
    job = models.ForeignKey(RenderJob, on_delete=models.CASCADE, related_name="outputs")
    format = models.CharField(max_length=8)
    video = models.FileField(upload_to=ad_media_path, max_length=300)
    poster = models.FileField(upload_to=ad_media_path, max_length=300)
    srt = models.FileField(upload_to=ad_media_path, max_length=300)
    vtt = models.FileField(upload_to=ad_media_path, max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration = models.FloatField()
    size_bytes = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["job", "format"]
        constraints = [
            models.UniqueConstraint(fields=["job", "format"], name="renderoutput_unique_format_per_job"),
        ]

    def __str__(self) -> str:
        return f"{self.ad} {self.format}"


class ModelAdapter(models.Model):
    """A LoRA adapter for the video model's denoiser, fine-tuned on a vertical's products, or
    on one workspace's products in that vertical (generation/training/).

    Not WorkspaceOwned: ``workspace`` is null for a vertical-wide adapter, trained on every
    workspace's products of the vertical and used for all of them. Only operators make those
    (``manage.py finetune`` without ``--workspace``, or the task queued by staff code); no
    merchant-facing API creates adapters. The row is made queued before its run is queued; the
    run claims it (queued → training) once, so a redelivered task trains nothing. The diffusion backend picks the newest ready adapter
    of the shot's workspace and vertical, else the newest vertical-wide one, for the loaded
    pipeline class and base weights (``selectors.adapter_for_shot``).
    """

    class State(models.TextChoices):
        QUEUED = "queued"  # made by the service that queues the run; claimed by one worker
        TRAINING = "training"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    vertical = models.CharField(max_length=20)
    pipeline = models.CharField(max_length=60)  # diffusers class of the base
    base_weights_dir = models.CharField(max_length=500)
    base_fingerprint = models.CharField(max_length=64)  # training.fingerprint.weights_fingerprint
    rank = models.PositiveSmallIntegerField()
    steps = models.PositiveIntegerField()
    learning_rate = models.FloatField()
    final_loss = models.FloatField(null=True, blank=True)  # mean of the last steps' losses
    losses = models.JSONField(default=list, blank=True)  # per step
    # {"products", "product_ids", "images", "clips", "items"} (training.dataset.DatasetSummary)
    dataset = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=500, blank=True)  # the peft adapter folder, absolute
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)  # plain words, never a traceback
    cancel_requested = models.BooleanField(default=False)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # adapter_for_shot(): the newest ready adapter of a vertical (and a workspace, or
            # none) for one base model.
            models.Index(
                fields=["vertical", "state", "pipeline", "base_fingerprint", "-created_at"],
                name="modeladapter_pick",
            ),
        ]

    def __str__(self) -> str:
        scope = f"workspace {self.workspace_id}" if self.workspace_id else "vertical-wide"
        return f"{self.vertical} adapter ({scope}, {self.state})"

    @property
    def peft_name(self) -> str:
        """The adapter's name inside the denoiser (unique per row, so a retrain never reuses one)."""
        return f"adapter-{self.id.hex}"
