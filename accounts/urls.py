"""The dashboard (``/app/``): account pages, the studio (generation/studio) and billing. Workspaces and agencies by public UUID."""

from django.urls import path

from accounts import views
from billing.dashboard import views as billing_views
from generation.studio import views as studio_views

app_name = "dashboard"

ws = "w/<uuid:workspace_id>/"
urlpatterns = [
    path("", views.home, name="home"),
    path(ws, studio_views.overview, name="workspace"),
    path(f"{ws}ads/", studio_views.ad_make, name="ad-make"),
    path(f"{ws}jobs/<uuid:job_id>/", studio_views.job_page, name="job"),
    path(f"{ws}jobs/<uuid:job_id>/progress/", studio_views.job_progress, name="job-progress"),
    path(f"{ws}jobs/<uuid:job_id>/cancel/", studio_views.job_cancel_view, name="job-cancel"),
    path(f"{ws}jobs/<uuid:job_id>/files/<str:format_name>/<str:kind>/", studio_views.job_file, name="job-file"),
    path(f"{ws}training/", views.workspace_training, name="workspace-training"),
    path(f"{ws}members/", views.members, name="members"),
    path(f"{ws}members/<uuid:member_id>/role/", views.member_role, name="member-role"),
    path(f"{ws}members/<uuid:member_id>/remove/", views.member_remove, name="member-remove"),
    path(f"{ws}leave/", views.leave, name="leave"),
    path(f"{ws}invitations/", views.invitation_create, name="invitation-create"),
    path(f"{ws}invitations/<uuid:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path(f"{ws}invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path(f"{ws}api-keys/", views.api_keys, name="api-keys"),
    path(f"{ws}api-keys/<uuid:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path(f"{ws}billing/", billing_views.billing, name="billing"),
    path(f"{ws}billing/checkout/", billing_views.billing_checkout, name="billing-checkout"),
    path(f"{ws}billing/portal/", billing_views.billing_portal, name="billing-portal"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/<uuid:agency_id>/", views.agency, name="agency"),
    path("agencies/<uuid:agency_id>/clients/", views.agency_client_create, name="agency-client-create"),
    path("agencies/<uuid:agency_id>/clients/<uuid:workspace_id>/hand-over/", views.agency_hand_over, name="agency-hand-over"),
]
