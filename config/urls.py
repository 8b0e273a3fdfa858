from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import landing
from config.views import healthz, readyz
from generation.api.media_links import media_link

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("products.api.urls")),
    path("", include("generation.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("campaigns.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-v1:schema"), name="redoc"),
]

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api-v1"))),
    path("accounts/", include("allauth.urls")),
    path("app/", include("accounts.urls")),
    path("billing/", include("billing.urls")),
    # Signed, expiring file links handed out by the API (accounts/media_links.py).
    path("media-links/<str:token>/", media_link, name="media-link"),
]
# /media/ is served only with DEBUG (runserver); never in production, where files are private:
# the API's signed links and the studio's checked views send them.
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Unknown /api/ URLs (and malformed ids) answer in the API's error format.
handler404 = "accounts.api.errors.not_found"
handler400 = "accounts.api.errors.bad_request"
