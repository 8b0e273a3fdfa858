"""What every studio page shares: refusals as pages or messages, the writer check, ids from
query strings."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import reverse

from accounts.views import dashboard_refusals
from core.errors import PermissionDenied

# What a merchant can do about a failed job, whatever its cause.
FAILED_NEXT = (
    "Check that the link opens the product's own page (not a category or the home page), then make the "
    "ad again. A failed ad costs nothing."
)

# What to do next where the cause is known.
FAILED_NEXT_BY_CODE = {
    "compliance_blocked": (
        "Open the storyboard: the words at fault are marked, each with a rewrite one click away. "
        "Save, then render again. A failed ad costs nothing."
    ),
    "price_unconfirmed": (
        "Confirm the product's price on its page (or set the right one), then render again. A failed ad costs nothing."
    ),
}

# Another workspace or object: 404. A viewer writing: 403. Any other refusal: its message on
# the studio (the workspace overview).
refusals = dashboard_refusals(
    lambda request, kwargs: reverse("dashboard:workspace", args=[kwargs["workspace_id"]])
)


def refusals_to(name: str, *keys: str):
    """Refusals whose message goes back to the page ``name`` (its URL arguments: the
    workspace, then ``keys`` from the view's arguments)."""
    return dashboard_refusals(
        lambda request, kwargs: reverse(
            name, args=[kwargs["workspace_id"], *(kwargs[k] for k in keys)]
        )
    )


def require_writer(access) -> None:
    if not access.can_write:
        raise PermissionDenied(
            "Viewers see the ads; editors, admins and owners make and change them."
        )


def uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("Not found.") from None
