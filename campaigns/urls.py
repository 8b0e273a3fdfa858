"""The studio's campaign pages, included in the dashboard's URLs (``accounts/urls.py``,
namespace ``dashboard``), under the workspace's public id."""

from django.urls import path

from campaigns import views

ws = "w/<uuid:workspace_id>/"
urlpatterns = [
    path(f"{ws}campaigns/", views.campaign_list, name="campaigns"),
    path(f"{ws}campaigns/new/", views.campaign_edit, name="campaign-new"),
    path(f"{ws}campaigns/stale-ads/", views.stale_ads, name="stale-ads"),
    path(f"{ws}campaigns/<uuid:campaign_id>/", views.campaign_page, name="campaign"),
    path(f"{ws}campaigns/<uuid:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path(f"{ws}campaigns/<uuid:campaign_id>/run/", views.campaign_run_now, name="campaign-run-now"),
    path(
        f"{ws}campaigns/<uuid:campaign_id>/delete/",
        views.campaign_delete_view,
        name="campaign-delete",
    ),
    path(
        f"{ws}campaigns/<uuid:campaign_id>/runs/<uuid:run_id>/", views.run_page, name="campaign-run"
    ),
]
