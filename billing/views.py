"""Stripe's webhook: ``POST /billing/stripe/webhook/``.

Thin: the raw body and its ``Stripe-Signature`` are checked (``billing.stripe_client``), the
event is stored once by its id (``billing.stripe_events``), and Stripe gets its 2xx at once;
the event is processed after commit. A forged, altered or stale body answers 400 and nothing
is stored. Answers are JSON in the API's error shape.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.stripe_client import event_verify
from billing.stripe_events import stripe_event_receive
from core.errors import ApplicationError


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        row, created = stripe_event_receive(event=event)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"received": True, "id": row.id, "duplicate": not created})
