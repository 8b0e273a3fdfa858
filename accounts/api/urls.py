from django.urls import path

from accounts.api import views

urlpatterns = [
    path("api-keys/", views.ApiKeyCollectionApi.as_view(), name="api-keys"),
    path("api-keys/<uuid:key_id>/revoke/", views.ApiKeyRevokeApi.as_view(), name="api-key-revoke"),
]
