from django.urls import path

from accounts.api import brand_kit, views, webhooks

urlpatterns = [
    path("api-keys/", views.ApiKeyCollectionApi.as_view(), name="api-keys"),
    path("api-keys/<uuid:key_id>/revoke/", views.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
    path("webhooks/", webhooks.WebhookCollectionApi.as_view(), name="webhooks"),
    path("webhooks/<uuid:endpoint_id>/", webhooks.WebhookDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<uuid:endpoint_id>/rotate-secret/", webhooks.WebhookRotateSecretApi.as_view(), name="webhook-rotate-secret"),
    path("webhooks/<uuid:endpoint_id>/deliveries/", webhooks.WebhookDeliveryListApi.as_view(), name="webhook-deliveries"),
    path("webhooks/<uuid:endpoint_id>/test/", webhooks.WebhookTestApi.as_view(), name="webhook-test"),
    path("brand-kit/", brand_kit.BrandKitApi.as_view(), name="brand-kit"),
    path("members/", views.MemberListApi.as_view(), name="members"),
    path("members/<uuid:member_id>/role/", views.MemberRoleApi.as_view(), name="member-role"),
    path("members/<uuid:member_id>/remove/", views.MemberRemoveApi.as_view(), name="member-remove"),
    path("invitations/", views.InvitationCollectionApi.as_view(), name="invitations"),
    path("invitations/<uuid:invitation_id>/revoke/", views.InvitationRevokeApi.as_view(), name="invitation-revoke"),
]
