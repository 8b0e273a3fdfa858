from django.urls import path

from campaigns.api import views

urlpatterns = [
    path("campaigns/", views.CampaignCollectionApi.as_view(), name="campaigns"),
    path(
        "campaigns/<uuid:campaign_id>/", views.CampaignDetailApi.as_view(), name="campaign-detail"
    ),
    path("campaigns/<uuid:campaign_id>/run/", views.CampaignRunApi.as_view(), name="campaign-run"),
    path(
        "campaigns/<uuid:campaign_id>/runs/",
        views.CampaignRunListApi.as_view(),
        name="campaign-runs",
    ),
    path(
        "campaigns/<uuid:campaign_id>/runs/<uuid:run_id>/",
        views.CampaignRunDetailApi.as_view(),
        name="campaign-run-detail",
    ),
]
