"""The dashboard's account pages: workspace switcher, members, invitations, API keys,
agencies. Thin views: every workspace is reached through ``selectors.workspace_access`` (another
workspace's page is 404), every change is one service call, and a refused change comes back as
a message on the page it was made from."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.models import ApiKey, Membership
from accounts.webhooks import selectors as webhook_selectors
from accounts.webhooks import services as webhook_services
from accounts.webhooks.models import WebhookEvent
from billing.limits import seat_check
from core.errors import ApplicationError, InvalidInput, NotFound, PermissionDenied
from core.vocabulary import FORMATS, LANGUAGES, MARKETS

SESSION_WORKSPACE = "shopreel_workspace"
# A key just made, shown by the next page view only (POST-redirect-GET).
SESSION_NEW_KEY = "shopreel_new_key"
# Set while an invited visitor signs up: their account joins that workspace, no empty one of its own.
SESSION_INVITED = "shopreel_invited"


def dashboard_refusals(back: Callable[[HttpRequest, dict], str]):
    """A dashboard view's refusals: NotFound → 404 and PermissionDenied → 403 pages; any other
    ApplicationError → its message on the page ``back(request, kwargs)`` names (the page the
    form came from). Login required."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect(back(request, kwargs))

        return login_required(wrapper)

    return decorate


def _back(request, kwargs) -> str:
    """The page a refused form was on."""
    if "agency_id" in kwargs:
        return reverse("dashboard:agency", args=[kwargs["agency_id"]])
    if "workspace_id" in kwargs:
        if "/training/" in request.path:
            return reverse("dashboard:workspace", args=[kwargs["workspace_id"]])
        name = "dashboard:api-keys" if "/api-keys/" in request.path else "dashboard:members"
        return reverse(name, args=[kwargs["workspace_id"]])
    return reverse("dashboard:agencies")


_refusals = dashboard_refusals(_back)


def dashboard_page(request, template: str, context: dict, *, access=None, status: int = 200):
    """Render with what every page's navigation needs: the workspaces to switch between."""
    user = request.user
    nav = {
        "access": access,
        "current": access.workspace if access else None,
        "switch_workspaces": selectors.workspaces_for_user(user=user).select_related("agency"),
        "agencies": selectors.agencies_for_user(user=user),
    }
    if access is not None:
        request.session[SESSION_WORKSPACE] = str(access.workspace.id)
    return render(request, template, {**nav, **context}, status=status)


@require_GET
def landing(request):
    """``/``: what Shopreel is, for visitors (and where sign-out lands); the studio when signed in."""
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "accounts/landing.html", {"billing_on": settings.SHOPREEL_BILLING})


@require_GET
@_refusals
def home(request):
    """The last workspace this session used, else the first the user reaches."""
    workspaces = selectors.workspaces_for_user(user=request.user)
    last = request.session.get(SESSION_WORKSPACE)
    workspace = (workspaces.filter(id=last).first() if last else None) or workspaces.order_by("name").first()
    if workspace is None:
        return dashboard_page(request, "accounts/no_workspace.html", {})
    return redirect("dashboard:workspace", workspace.id)


@require_POST
@_refusals
def workspace_training(request, workspace_id):
    """The owner's opt-in to shared training (a checkbox: absent means off)."""
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    share = request.POST.get("share_for_training") == "on"
    services.workspace_training_share_set(workspace=access.workspace, share=share, actor=request.user)
    if share:
        messages.success(request, "Your products may now train the shared adapters of your vertical.")
    else:
        messages.success(
            request, "Your products are left out of every shared adapter trained from now on."
        )
    return redirect("dashboard:workspace", workspace_id)


@require_http_methods(["GET", "POST"])
@_refusals
def workspace_settings(request, workspace_id):
    """The workspace's name, time zone and the defaults a new ad starts from. Everyone in the
    workspace reads them; owners and admins change them. A refused value comes back on its
    field with everything typed kept (400), and nothing changes."""
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    workspace = access.workspace
    values = {"name": workspace.name, "timezone": workspace.timezone, "default_language": workspace.default_language,
              "default_market": workspace.default_market, "default_formats": list(workspace.default_formats)}
    error, status = {}, 200
    if request.method == "POST":
        access.require_manager()
        values = {name: request.POST.get(name, "") for name in ("name", "timezone", "default_language", "default_market")}
        values["default_formats"] = request.POST.getlist("default_formats")
        try:
            services.workspace_settings_update(workspace=workspace, actor=request.user, **values)
        except InvalidInput as exc:
            error, status = {"field": (exc.detail or {}).get("field", ""), "message": exc.message}, 400
        else:
            messages.success(request, "Settings saved.")
            return redirect("dashboard:workspace-settings", workspace_id)
    context = {
        "values": values, "error": error, "time_zones": services.workspace_time_zones(),
        "languages": LANGUAGES, "markets": MARKETS, "formats": FORMATS,
    }
    return dashboard_page(request, "accounts/settings.html", context, access=access, status=status)


# ------------------------------------------------------------------ members and invitations


@require_GET
@_refusals
def members(request, workspace_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    context = {
        "members": selectors.members_for_workspace(workspace=access.workspace),
        "invitations": selectors.invitations_for_workspace(workspace=access.workspace, open_only=True),
        "roles": Membership.Role.choices,
        "invite_roles": [(v, label) for v, label in Membership.Role.choices if access.is_owner or v != "owner"],
    }
    return dashboard_page(request, "accounts/members.html", context, access=access)


@require_POST
@_refusals
def member_role(request, workspace_id, member_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    member = services.membership_role_change(
        workspace=access.workspace, member_id=member_id, role=request.POST.get("role", ""), actor=request.user
    )
    messages.success(request, f"{member.user.email} is now {member.get_role_display().lower()}.")
    return redirect("dashboard:members", workspace_id)


@require_POST
@_refusals
def member_remove(request, workspace_id, member_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    member = services.membership_remove(workspace=access.workspace, member_id=member_id, actor=request.user)
    if member.user_id == request.user.pk:
        messages.success(request, f"You left {access.workspace.name}.")
        return redirect("dashboard:home")
    messages.success(request, f"{member.user.email} was removed from {access.workspace.name}.")
    return redirect("dashboard:members", workspace_id)


@require_POST
@_refusals
def leave(request, workspace_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    services.membership_leave(workspace=access.workspace, user=request.user)
    request.session.pop(SESSION_WORKSPACE, None)
    messages.success(request, f"You left {access.workspace.name}.")
    return redirect("dashboard:home")


@require_POST
@_refusals
def invitation_create(request, workspace_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    access.require_manager()
    seat_check(workspace=access.workspace)
    invitation = services.invitation_create(
        workspace=access.workspace, email=request.POST.get("email", ""), role=request.POST.get("role", ""),
        actor=request.user, site_url=request.build_absolute_uri("/"),
    )
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("dashboard:members", workspace_id)


@require_POST
@_refusals
def invitation_resend(request, workspace_id, invitation_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    invitation = services.invitation_resend(
        workspace=access.workspace, invitation_id=invitation_id, actor=request.user,
        site_url=request.build_absolute_uri("/"),
    )
    messages.success(request, f"Invitation sent again to {invitation.email}; the earlier link no longer works.")
    return redirect("dashboard:members", workspace_id)


@require_POST
@_refusals
def invitation_revoke(request, workspace_id, invitation_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    invitation = services.invitation_revoke(workspace=access.workspace, invitation_id=invitation_id, actor=request.user)
    messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("dashboard:members", workspace_id)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The emailed link. Anyone may see what it is for; accepting needs the invited address,
    logged in (after sign-up and verification, when new)."""
    try:
        invitation = selectors.invitation_for_token(token=token)
    except NotFound as exc:
        return render(request, "accounts/invitation.html", {"error": exc.message}, status=404)
    if request.method == "GET" or not request.user.is_authenticated:
        if not request.user.is_authenticated:
            request.session[SESSION_INVITED] = True
        return render(request, "accounts/invitation.html", {"invitation": invitation, "next": request.path})
    try:
        membership = services.invitation_accept(token=token, user=request.user)
    except ApplicationError as exc:
        return render(request, "accounts/invitation.html", {"invitation": invitation, "error": exc.message}, status=400)
    request.session.pop(SESSION_INVITED, None)
    messages.success(request, f"Welcome to {membership.workspace.name}.")
    return redirect("dashboard:workspace", membership.workspace_id)


# ------------------------------------------------------------------ API keys


@require_http_methods(["GET", "POST"])
@_refusals
def api_keys(request, workspace_id):
    """The keys (prefix, scope, last used). A key made here is shown once: the POST makes it
    and redirects (reloading never makes a second one); the next GET shows it and forgets it."""
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    if request.method == "POST":
        access.require_manager()
        key, plaintext = services.api_key_create(
            workspace=access.workspace, name=request.POST.get("name", ""), scope=request.POST.get("scope", ""),
            created_by=request.user,
        )
        request.session[SESSION_NEW_KEY] = {"id": str(key.id), "plaintext": plaintext}
        return redirect("dashboard:api-keys", workspace_id)
    context = {"scopes": ApiKey.Scope.choices, "new_key": None}
    shown = request.session.pop(SESSION_NEW_KEY, None)
    if shown:
        key = selectors.api_keys_for_workspace(workspace=access.workspace).filter(id=shown["id"]).first()
        if key is not None:
            context["new_key"], context["plaintext"] = key, shown["plaintext"]
    context["keys"] = selectors.api_keys_for_workspace(workspace=access.workspace).select_related("created_by")
    response = dashboard_page(request, "accounts/api_keys.html", context, access=access)
    response["Cache-Control"] = "no-store"  # the page with the key must not be kept anywhere
    return response


@require_POST
@_refusals
def api_key_revoke(request, workspace_id, key_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    access.require_manager()
    key = services.api_key_revoke(api_key=selectors.api_key_get(workspace=access.workspace, key_id=key_id))
    messages.success(request, f"The key {key.prefix}… was revoked.")
    return redirect("dashboard:api-keys", workspace_id)


# ------------------------------------------------------------------ agencies


@require_http_methods(["GET", "POST"])
@_refusals
def agencies(request):
    if request.method == "POST":
        agency = services.agency_create_for_user(name=request.POST.get("name", ""), user=request.user)
        messages.success(request, f"Agency {agency.name} created.")
        return redirect("dashboard:agency", agency.id)
    return dashboard_page(request, "accounts/agencies.html", {})


@require_GET
@_refusals
def agency(request, agency_id):
    agency = selectors.agency_for_user(user=request.user, agency_id=agency_id)
    context = {"agency": agency, "clients": selectors.agency_clients(agency=agency)}
    return dashboard_page(request, "accounts/agency.html", context)


@require_POST
@_refusals
def agency_client_create(request, agency_id):
    agency = selectors.agency_for_user(user=request.user, agency_id=agency_id)
    workspace = services.agency_client_create(agency=agency, name=request.POST.get("name", ""), actor=request.user)
    messages.success(request, f"Client workspace {workspace.name} created.")
    return redirect("dashboard:workspace", workspace.id)


@require_POST
@_refusals
def agency_hand_over(request, agency_id, workspace_id):
    agency = selectors.agency_for_user(user=request.user, agency_id=agency_id)
    workspace = selectors.scoped_get(selectors.agency_clients(agency=agency), object_id=workspace_id, label="Workspace")
    invitation = services.agency_hand_over_start(
        agency=agency, workspace=workspace, email=request.POST.get("email", ""), actor=request.user,
        site_url=request.build_absolute_uri("/"),
    )
    messages.success(
        request,
        f"{invitation.email} is invited as the owner of {workspace.name}; the agency's access ends when they accept.",
    )
    return redirect("dashboard:agency", agency_id)


# ------------------------------------------------------------------ webhooks

# A signing secret just made or rotated, shown by the next page view only (POST-redirect-GET).
SESSION_NEW_SECRET = "shopreel_new_webhook_secret"  # noqa: S105 (a session key's name)
_DELIVERIES_SHOWN = 10

_webhook_refusals = dashboard_refusals(lambda request, kwargs: reverse("dashboard:webhooks", args=[kwargs["workspace_id"]]))


def _webhooks_page(request, access, *, values=None, error=None, edited=None, status=200):
    """The page; ``values``/``error``: the add form's; ``edited``: (endpoint id, values, error)
    of a refused edit, shown open on that endpoint's form."""
    endpoints = list(webhook_selectors.webhook_endpoints_for_workspace(workspace=access.workspace).order_by("created_at"))
    for endpoint in endpoints:
        endpoint.recent = list(
            webhook_selectors.webhook_deliveries_for_endpoint(endpoint=endpoint).order_by("-created_at")[:_DELIVERIES_SHOWN]
        )
        if edited and edited[0] == endpoint.id:
            endpoint.edit_values, endpoint.edit_error = edited[1], edited[2]
        else:
            endpoint.edit_values = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
            endpoint.edit_error = {}
    context = {
        "endpoints": endpoints, "events": WebhookEvent.choices, "new_secret": None,
        "values": values or {"url": "", "events": [], "description": ""}, "error": error or {},
    }
    shown = request.session.pop(SESSION_NEW_SECRET, None)
    if shown:
        context["new_secret"] = next((e for e in endpoints if str(e.id) == shown["id"]), None)
        context["secret"], context["secret_why"] = shown["secret"], shown["why"]
    response = dashboard_page(request, "accounts/webhooks.html", context, access=access, status=status)
    response["Cache-Control"] = "no-store"  # the page with the secret must not be kept anywhere
    return response


@require_http_methods(["GET", "POST"])
@_webhook_refusals
def webhooks(request, workspace_id):
    """The workspace's webhook endpoints and each one's recent deliveries. Every member reads
    them (as any API key may); owners and admins add, rotate, test and delete (as a write key
    does). A new endpoint's signing secret is shown once: the POST makes it and redirects, the
    next GET shows it and forgets it. A refused URL comes back on its field (400)."""
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    if request.method == "GET":
        return _webhooks_page(request, access)
    access.require_manager()
    values = {
        "url": request.POST.get("url", "").strip(), "events": request.POST.getlist("events"),
        "description": request.POST.get("description", ""),
    }
    try:
        endpoint, secret = webhook_services.webhook_endpoint_create(workspace=access.workspace, **values)
    except InvalidInput as exc:
        error = {"field": (exc.detail or {}).get("field", ""), "message": exc.message}
        return _webhooks_page(request, access, values=values, error=error, status=400)
    request.session[SESSION_NEW_SECRET] = {"id": str(endpoint.id), "secret": secret, "why": "created"}
    return redirect("dashboard:webhooks", workspace_id)


def _endpoint_for_manager(request, workspace_id, endpoint_id):
    access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    endpoint = webhook_selectors.webhook_endpoint_get(workspace=access.workspace, endpoint_id=endpoint_id)
    access.require_manager()
    return endpoint


@require_POST
@_webhook_refusals
def webhook_edit(request, workspace_id, endpoint_id):
    """Change an endpoint's URL, events and description (``webhook_endpoint_update``, as the
    API's PATCH): a refused URL (a private or loopback address, as when adding) or no events
    comes back on that endpoint's field (400) and nothing changes. POST-redirect-GET."""
    endpoint = _endpoint_for_manager(request, workspace_id, endpoint_id)
    values = {
        "url": request.POST.get("url", "").strip(), "events": request.POST.getlist("events"),
        "description": request.POST.get("description", ""),
    }
    try:
        webhook_services.webhook_endpoint_update(endpoint=endpoint, **values)
    except InvalidInput as exc:
        access = selectors.workspace_access(user=request.user, workspace_id=workspace_id)
        error = {"field": (exc.detail or {}).get("field", ""), "message": exc.message}
        return _webhooks_page(request, access, edited=(endpoint.id, values, error), status=400)
    messages.success(request, f"The endpoint {endpoint.url} was saved.")
    return redirect("dashboard:webhooks", workspace_id)


@require_POST
@_webhook_refusals
def webhook_rotate(request, workspace_id, endpoint_id):
    endpoint = _endpoint_for_manager(request, workspace_id, endpoint_id)
    endpoint, secret = webhook_services.webhook_endpoint_rotate_secret(endpoint=endpoint)
    request.session[SESSION_NEW_SECRET] = {"id": str(endpoint.id), "secret": secret, "why": "rotated"}
    return redirect("dashboard:webhooks", workspace_id)


@require_POST
@_webhook_refusals
def webhook_delete(request, workspace_id, endpoint_id):
    endpoint = _endpoint_for_manager(request, workspace_id, endpoint_id)
    url = endpoint.url
    webhook_services.webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, f"The endpoint {url} was deleted with its delivery log.")
    return redirect("dashboard:webhooks", workspace_id)


@require_POST
@_webhook_refusals
def webhook_ping(request, workspace_id, endpoint_id):
    endpoint = _endpoint_for_manager(request, workspace_id, endpoint_id)
    webhook_services.webhook_endpoint_ping(endpoint=endpoint)
    messages.success(request, f"A test event (ping) is on its way to {endpoint.url}; its delivery appears below.")
    return redirect("dashboard:webhooks", workspace_id)
