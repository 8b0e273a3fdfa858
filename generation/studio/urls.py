"""The studio's URLs, included in the dashboard's (``accounts/urls.py``, namespace
``dashboard``); every one is under the workspace's public id."""

from django.urls import path

from generation.studio.views import brand, downloads, jobs, library, make, storyboard

ws = "w/<uuid:workspace_id>/"
urlpatterns = [
    path(ws, make.overview, name="workspace"),
    path(f"{ws}ads/", make.ad_make, name="ad-make"),
    path(f"{ws}ads/quote/", make.ad_quote, name="ad-quote"),
    path(f"{ws}ads/library/", library.library, name="library"),
    path(f"{ws}ads/<uuid:ad_id>/storyboard/", storyboard.storyboard_page, name="storyboard"),
    path(f"{ws}ads/<uuid:ad_id>/render/", jobs.ad_rerender, name="ad-rerender"),
    path(f"{ws}ads/<uuid:ad_id>/frame/", storyboard.scene_frame_view, name="scene-frame"),
    path(f"{ws}brand/", brand.brand_kit, name="brand-kit"),
    path(f"{ws}brand/preview.png", brand.brand_preview, name="brand-preview"),
    path(f"{ws}brand/logo/", brand.brand_logo, name="brand-logo"),
    path(f"{ws}jobs/compare/", jobs.jobs_compare, name="jobs-compare"),
    path(f"{ws}jobs/<uuid:job_id>/", jobs.job_page, name="job"),
    path(f"{ws}jobs/<uuid:job_id>/cancel/", jobs.job_cancel_view, name="job-cancel"),
    path(f"{ws}jobs/<uuid:job_id>/files.zip", downloads.job_zip, name="job-zip"),
    path(
        f"{ws}jobs/<uuid:job_id>/files/<str:format_name>/<str:kind>/",
        downloads.job_file,
        name="job-file",
    ),
]
