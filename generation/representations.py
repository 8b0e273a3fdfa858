"""How ads and jobs are shown to machines: the API's bodies and the ``ad.completed`` /
``ad.failed`` events' payloads are these representations, so receivers see one shape."""

from __future__ import annotations

from datetime import datetime

from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import media_links
from accounts.events import json_safe, site_context
from generation.models import Ad, RenderJob, RenderOutput
from generation.selectors import ad_get, ad_latest_outputs, job_get


class OutputFilesSerializer(serializers.ModelSerializer):
    """The files of one format: video (MP4), poster (JPEG), captions (SRT and WebVTT), each a
    signed link that expires at ``expires_at`` (accounts/media_links.py)."""

    video = serializers.SerializerMethodField(help_text="Signed link to the MP4, good until expires_at.")
    poster = serializers.SerializerMethodField(help_text="Signed link to the JPEG poster, good until expires_at.")
    srt = serializers.SerializerMethodField(help_text="Signed link to the SRT captions, good until expires_at.")
    vtt = serializers.SerializerMethodField(help_text="Signed link to the WebVTT captions, good until expires_at.")
    expires_at = serializers.SerializerMethodField(
        help_text="When this entry's file links stop working (410); fetch the ad or job again for fresh ones."
    )

    class Meta:
        model = RenderOutput
        fields = ["format", "video", "poster", "srt", "vtt", "expires_at", "width", "height", "duration",
                  "size_bytes"]
        read_only_fields = fields

    def _link(self, o, kind: str) -> str | None:
        if not getattr(o, kind):
            return None
        return media_links.link(
            request=self.context.get("request"), workspace_id=o.workspace_id, object_id=o.id, kind=kind,
            issued=media_links.issue_time(self.context),
        )

    def get_video(self, o) -> str | None:
        return self._link(o, "video")

    def get_poster(self, o) -> str | None:
        return self._link(o, "poster")

    def get_srt(self, o) -> str | None:
        return self._link(o, "srt")

    def get_vtt(self, o) -> str | None:
        return self._link(o, "vtt")

    def get_expires_at(self, o) -> datetime:
        return media_links.expires_at(media_links.issue_time(self.context))


class JobOutputSerializer(serializers.ModelSerializer):
    outputs = OutputFilesSerializer(many=True, read_only=True)

    class Meta:
        model = RenderJob
        fields = [
            "id", "state", "stage", "progress", "error_code", "error", "cancel_requested", "source_url",
            "product", "ad", "options", "cost", "charged", "outputs", "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields


class JobSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = RenderJob
        fields = ["id", "state", "stage", "progress", "error_code", "error", "cost", "charged", "created_at", "finished_at"]
        read_only_fields = fields


class AdOutputSerializer(serializers.ModelSerializer):
    job = serializers.SerializerMethodField(help_text="The ad's newest job: state and progress.")
    outputs = serializers.SerializerMethodField(help_text="The newest files, one entry per format.")

    class Meta:
        model = Ad
        fields = [
            "id", "product", "template", "language", "length", "formats", "market", "voice", "music",
            "script", "compliance", "compliance_override", "translation", "copy", "job", "outputs", "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    # The nested serializers are built once per list, not once per ad: building a
    # ModelSerializer's fields is most of what serialising an ad used to cost (bench/api.py).
    @cached_property
    def _job_serializer(self) -> JobSummarySerializer:
        return JobSummarySerializer()

    @cached_property
    def _outputs_serializer(self) -> serializers.ListSerializer:
        return OutputFilesSerializer(many=True, context=self.context)

    @extend_schema_field(JobSummarySerializer(allow_null=True))
    def get_job(self, ad):
        jobs = list(ad.jobs.all())  # prefetched newest first
        return self._job_serializer.to_representation(jobs[0]) if jobs else None

    @extend_schema_field(OutputFilesSerializer(many=True))
    def get_outputs(self, ad):
        return self._outputs_serializer.to_representation(ad_latest_outputs(ad))


def job_representation(*, job: RenderJob) -> dict:
    """``{"ad": <as GET /ads/{id}/, or null when the job failed before writing one>,
    "job": <as GET /jobs/{id}/>}``, JSON-safe (the payload of ad events)."""
    job = job_get(workspace=job.workspace, job_id=job.id)
    ad = ad_get(workspace=job.workspace, ad_id=job.ad_id) if job.ad_id else None
    context = site_context()
    return json_safe({
        "ad": AdOutputSerializer(ad, context=context).data if ad else None,
        "job": JobOutputSerializer(job, context=context).data,
    })
