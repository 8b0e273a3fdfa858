"""The dashboard's htmx requests (django-htmx's ``request.htmx``): a page's live part or a form
sent in place asks for a fragment; every other request, with or without JavaScript, gets the
whole page. One URL serves both, so both answers carry ``Vary: HX-Request``."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request swapping a part of the page in (a poll, a form sent in place). A boosted
    link and htmx restoring a page from its history want the whole page, like a plain request."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """Mark a page that also answers htmx with a fragment: a cache keeps the two apart."""
    patch_vary_headers(response, ("HX-Request",))
    return response


def fragment(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A part of a page, never cached (it is live: a job's progress, an import's rows)."""
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return vary_on_htmx(response)


class HtmxLoginMiddleware:
    """An htmx request that the session no longer covers (it expired, or the member signed out
    in another tab) opens the login page as a whole page, instead of htmx following the redirect
    and swapping the login form into a live part. The answer becomes ``HX-Redirect`` to the login
    page with ``next`` the page the browser shows (``HX-Current-URL``: a poll's or an in-place
    form's own URL is not a page to come back to). Caught: a redirect to ``LOGIN_URL``
    (``login_required``) and a 403 to a visitor not signed in (a form sent after the session
    ended). A plain request keeps its 302. After ``HtmxMiddleware``, which sets ``request.htmx``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", None):
            return response
        login = resolve_url(settings.LOGIN_URL)
        to_login = response.status_code == 302 and urlsplit(response["Location"]).path == login
        user = getattr(request, "user", None)
        signed_out = response.status_code == 403 and not (user and user.is_authenticated)
        if not (to_login or signed_out):
            return response
        page = request.htmx.current_url_abs_path  # None: not sent, or another origin's
        if page is None and request.method == "GET":
            page = request.get_full_path()
        target = redirect_to_login(page).url if page else login
        return vary_on_htmx(HttpResponseClientRedirect(target))
