"""The dashboard (``/app/``): account pages, the studio (generation/studio) and billing. Workspaces and agencies by public UUID."""

from django.urls import path

from accounts import views
from billing.dashboard import views as billing_views
from campaigns import urls as campaign_urls
from generation.studio import urls as studio_urls
from products import views as product_views

app_name = "dashboard"

ws = "w/<uuid:workspace_id>/"
urlpatterns = [
    path("", views.home, name="home"),
    *studio_urls.urlpatterns,  # the studio: make, jobs, files, storyboard, library
    *campaign_urls.urlpatterns,  # campaigns: list, editor, runs, stale ads
    path(f"{ws}training/", views.workspace_training, name="workspace-training"),
    path(f"{ws}settings/", views.workspace_settings, name="workspace-settings"),
    path(f"{ws}products/", product_views.product_list, name="products"),
    path(f"{ws}products/import/", product_views.product_import, name="product-import"),
    path(f"{ws}products/imports/<uuid:batch_id>/", product_views.import_batch_page, name="product-import-batch"),
    path(f"{ws}products/<uuid:product_id>/", product_views.product_page, name="product"),
    path(f"{ws}products/<uuid:product_id>/status/", product_views.product_status, name="product-status"),
    path(f"{ws}products/<uuid:product_id>/edit/", product_views.product_edit, name="product-edit"),
    path(f"{ws}products/<uuid:product_id>/price/", product_views.product_price, name="product-price"),
    path(f"{ws}products/<uuid:product_id>/photos/", product_views.product_photos, name="product-photos"),
    path(f"{ws}products/<uuid:product_id>/photos/<uuid:image_id>/", product_views.product_photo, name="product-photo"),
    path(f"{ws}products/<uuid:product_id>/read-again/", product_views.product_rescrape, name="product-rescrape"),
    path(f"{ws}members/", views.members, name="members"),
    path(f"{ws}members/<uuid:member_id>/role/", views.member_role, name="member-role"),
    path(f"{ws}members/<uuid:member_id>/remove/", views.member_remove, name="member-remove"),
    path(f"{ws}leave/", views.leave, name="leave"),
    path(f"{ws}invitations/", views.invitation_create, name="invitation-create"),
    path(f"{ws}invitations/<uuid:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path(f"{ws}invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path(f"{ws}api-keys/", views.api_keys, name="api-keys"),
    path(f"{ws}api-keys/<uuid:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path(f"{ws}webhooks/", views.webhooks, name="webhooks"),
    path(f"{ws}webhooks/<uuid:endpoint_id>/edit/", views.webhook_edit, name="webhook-edit"),
    path(f"{ws}webhooks/<uuid:endpoint_id>/rotate/", views.webhook_rotate, name="webhook-rotate"),
    path(f"{ws}webhooks/<uuid:endpoint_id>/test/", views.webhook_ping, name="webhook-ping"),
    path(f"{ws}webhooks/<uuid:endpoint_id>/delete/", views.webhook_delete, name="webhook-delete"),
    path(f"{ws}billing/", billing_views.billing, name="billing"),
    path(f"{ws}billing/checkout/", billing_views.billing_checkout, name="billing-checkout"),
    path(f"{ws}billing/portal/", billing_views.billing_portal, name="billing-portal"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/<uuid:agency_id>/", views.agency, name="agency"),
    path("agencies/<uuid:agency_id>/clients/", views.agency_client_create, name="agency-client-create"),
    path("agencies/<uuid:agency_id>/clients/<uuid:workspace_id>/hand-over/", views.agency_hand_over, name="agency-hand-over"),
]
