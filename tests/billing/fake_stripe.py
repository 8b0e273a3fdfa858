"""A fake Stripe on loopback, for tests: the part of Stripe's API that Shopreel calls, spoken the
way stripe-python speaks it (form-encoded ``a[b][0][c]=…`` bodies, ``Authorization: Bearer``),
answering JSON in the shapes of Stripe's API reference (object names, id prefixes, lists).

- Endpoints: ``POST /v1/customers``, ``GET /v1/customers/{id}``, ``POST /v1/checkout/sessions``,
  ``GET /v1/checkout/sessions[?payment_intent=]``, ``GET /v1/checkout/sessions/{id}``,
  ``POST /v1/billing_portal/sessions``, ``GET /v1/subscriptions/{id}``, ``GET /v1/invoices/{id}``,
  ``GET /v1/charges/{id}``. Anything else answers Stripe's 404 error.
- Every request is recorded (``fake.requests``, ``fake.calls(method, path)``) with its decoded
  parameters, so tests assert what was sent.
- What a payer or Stripe itself does is a method: ``pay(session_id)``, ``subscription_create``,
  ``subscription_update``, ``subscription_cancel``, ``invoice_create``, ``refund``.
  ``fail(...)`` makes the next matching requests fail.
- Shapes follow the current API (``current_period_end`` on subscription items, an invoice's
  subscription under ``parent.subscription_details``, its line's price under
  ``pricing.price_details``); ``FakeStripe(legacy=True)`` answers the pre-2025-03-31 shapes
  (``current_period_end`` on the subscription, ``invoice.subscription``, ``line.price``).

Webhook events are built with :meth:`FakeStripe.event` and signed with :func:`sign`, Stripe's
scheme: ``Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_shopreel_fake"
WEBHOOK_SECRET = "whsec_test_shopreel_fake"
PERIOD = 30 * 24 * 3600


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """``line_items[0][price]=p`` → ``{"line_items": [{"price": "p"}]}``, as Stripe reads it."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


@dataclass
class Recorded:
    method: str
    path: str
    params: dict
    headers: dict = field(default_factory=dict)


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, retry: bool | None = None):
        super().__init__(message)
        self.status, self.body, self.retry = status, {"error": {
            "type": type_, "message": message, "code": code, "param": param,
            "doc_url": f"https://docs.stripe.com/error-codes/{code}" if code else None,
        }}, retry


class FakeStripe:
    """Use as a context manager; ``url`` is its base address (``STRIPE_API_BASE``)."""

    def __init__(self, *, legacy: bool = False):
        self.legacy = legacy
        self.requests: list[Recorded] = []
        self.prices: dict[str, dict] = {}
        self.objects: dict[str, dict[str, dict]] = {
            "customer": {}, "checkout.session": {}, "billing_portal.session": {}, "subscription": {},
            "invoice": {}, "charge": {},
        }
        self._failures: list[list] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.clock = int(time.time()) - 3600
        self.url = ""
        self._stack = ExitStack()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeStripe:
        # tests.servers.run_server's loop, polled faster: each test stops its own fake, and
        # serve_forever's default half-second poll would add that to every test.
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self._stack.callback(server.server_close)
        self._stack.callback(server.shutdown)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def tick(self, seconds: int = 1) -> int:
        """Stripe's clock, moved on: each change made here is later than the one before."""
        self.clock += seconds
        return self.clock

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}{hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:10]}"

    # ------------------------------------------------------------------ what tests read

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def fail(self, method: str, path_prefix: str, *, status: int = 500, times: int = 1,
             message: str = "An unknown error occurred") -> None:
        """The next ``times`` requests to ``path_prefix`` answer ``status`` (with
        ``Stripe-Should-Retry: false``, so stripe-python gives up at once)."""
        self._failures.append([method, path_prefix, status, times, message])

    def price(self, price_id: str, *, unit_amount: int, recurring: bool, currency: str = "usd") -> dict:
        self.prices[price_id] = {
            "id": price_id, "object": "price", "active": True, "currency": currency, "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount), "product": f"prod_{price_id}", "livemode": False,
            "type": "recurring" if recurring else "one_time",
            "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"} if recurring else None,
        }
        return self.prices[price_id]

    # ------------------------------------------------------------------ what payers and Stripe do

    def customer_create(self, *, name: str = "", metadata: dict | None = None) -> dict:
        customer = {
            "id": self.new_id("cus"), "object": "customer", "created": self.tick(), "name": name or None,
            "email": None, "metadata": metadata or {}, "livemode": False, "balance": 0, "currency": None,
            "delinquent": False, "description": None, "invoice_prefix": "SHOP", "preferred_locales": [],
        }
        self.objects["customer"][customer["id"]] = customer
        return customer

    def pay(self, session_id: str, *, payment_status: str = "paid") -> dict:
        """The payer completes checkout: a payment makes a PaymentIntent and its charge; a
        subscription makes the subscription and its first invoice, paid."""
        with self._lock:
            session = self.objects["checkout.session"][session_id]
            session.update(status="complete", payment_status=payment_status)
            price = self.prices[session["_price"]]
            if session["mode"] == "payment":
                payment_intent = self.new_id("pi")
                session["payment_intent"] = payment_intent
                charge = {
                    "id": self.new_id("ch"), "object": "charge", "amount": price["unit_amount"],
                    "amount_captured": price["unit_amount"], "amount_refunded": 0, "refunded": False,
                    "currency": price["currency"], "customer": session["customer"], "payment_intent": payment_intent,
                    "paid": True, "captured": True, "status": "succeeded", "created": self.tick(), "livemode": False,
                    "metadata": dict(session.get("_payment_intent_metadata") or {}),
                }
                self.objects["charge"][charge["id"]] = charge
                session["_charge"] = charge["id"]
            else:
                subscription = self.subscription_create(
                    customer=session["customer"], price=price["id"],
                    metadata=dict(session.get("_subscription_metadata") or {}),
                )
                session["subscription"] = subscription["id"]
                session["_invoice"] = self.invoice_create(
                    subscription["id"], billing_reason="subscription_create"
                )["id"]
            return self._public(session)

    def subscription_create(self, *, customer: str, price: str, status: str = "active",
                            metadata: dict | None = None) -> dict:
        now = self.tick()
        subscription_id = self.new_id("sub")
        item = {
            "id": self.new_id("si"), "object": "subscription_item", "created": now, "quantity": 1,
            "price": copy.deepcopy(self.prices[price]), "subscription": subscription_id, "metadata": {},
            "current_period_start": now, "current_period_end": now + PERIOD,
        }
        subscription = {
            "id": subscription_id, "object": "subscription", "customer": customer, "status": status,
            "created": now, "start_date": now, "cancel_at_period_end": False, "canceled_at": None,
            "ended_at": None, "metadata": metadata or {}, "livemode": False, "latest_invoice": None,
            "collection_method": "charge_automatically", "currency": self.prices[price]["currency"],
            "items": {"object": "list", "data": [item], "has_more": False,
                      "url": f"/v1/subscription_items?subscription={subscription_id}"},
        }
        self.objects["subscription"][subscription_id] = subscription
        return self._public(subscription)

    def subscription_update(self, subscription_id: str, *, status: str | None = None, price: str | None = None,
                            period_end: int | None = None) -> dict:
        with self._lock:
            subscription = self.objects["subscription"][subscription_id]
            self.tick()
            if status:
                subscription["status"] = status
            item = subscription["items"]["data"][0]
            if price:
                item["price"] = copy.deepcopy(self.prices[price])
            if period_end:
                item["current_period_end"] = period_end
            return self._public(subscription)

    def subscription_cancel(self, subscription_id: str) -> dict:
        """Cancelled at once: Stripe keeps the subscription, ``status: canceled``."""
        with self._lock:
            subscription = self.objects["subscription"][subscription_id]
            now = self.tick()
            subscription.update(status="canceled", canceled_at=now, ended_at=now)
            return self._public(subscription)

    def invoice_create(self, subscription_id: str, *, billing_reason: str = "subscription_cycle",
                       status: str = "paid") -> dict:
        with self._lock:
            subscription = self.objects["subscription"][subscription_id]
            item = subscription["items"]["data"][0]
            price = item["price"]
            now = self.tick()
            invoice_id = self.new_id("in")
            line = {
                "id": self.new_id("il"), "object": "line_item", "amount": price["unit_amount"],
                "currency": price["currency"], "description": f"1 x {price['product']}", "quantity": 1,
                "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
                "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                           "subscription_item_details": {"subscription": subscription_id,
                                                         "subscription_item": item["id"], "proration": False}},
                "pricing": {"type": "price_details", "unit_amount_decimal": price["unit_amount_decimal"],
                            "price_details": {"price": price["id"], "product": price["product"]}},
            }
            paid = status == "paid"
            invoice = {
                "id": invoice_id, "object": "invoice", "customer": subscription["customer"], "status": status,
                "billing_reason": billing_reason, "number": f"SHOP-{next(self._ids):04d}", "created": now,
                "currency": price["currency"], "amount_due": price["unit_amount"],
                "amount_paid": price["unit_amount"] if paid else 0,
                "amount_remaining": 0 if paid else price["unit_amount"], "attempt_count": 1, "livemode": False,
                "period_start": item["current_period_start"], "period_end": item["current_period_end"],
                "parent": {"type": "subscription_details", "quote_details": None,
                           "subscription_details": {"subscription": subscription_id,
                                                    "metadata": subscription["metadata"]}},
                "lines": {"object": "list", "data": [line], "has_more": False,
                          "url": f"/v1/invoices/{invoice_id}/lines"},
                "status_transitions": {"paid_at": now if paid else None},
            }
            if paid and price["unit_amount"]:
                charge = {
                    "id": self.new_id("ch"), "object": "charge", "amount": price["unit_amount"],
                    "amount_captured": price["unit_amount"], "amount_refunded": 0, "refunded": False,
                    "currency": price["currency"], "customer": subscription["customer"],
                    "payment_intent": self.new_id("pi"), "paid": True, "captured": True, "status": "succeeded",
                    "created": now, "livemode": False, "metadata": {},
                }
                self.objects["charge"][charge["id"]] = charge
                invoice["_charge"] = charge["id"]
            subscription["latest_invoice"] = invoice_id
            self.objects["invoice"][invoice_id] = invoice
            return self._public(invoice)

    def charge_of(self, obj: dict) -> dict:
        """The charge that paid a checkout session (payment mode) or an invoice."""
        kind = "checkout.session" if obj["object"] == "checkout.session" else "invoice"
        return self.get("charge", self.objects[kind][obj["id"]]["_charge"])

    def refund(self, charge_id: str, *, amount: int | None = None) -> dict:
        """Refund ``amount`` cents of the charge (all that is left by default)."""
        with self._lock:
            charge = self.objects["charge"][charge_id]
            self.tick()
            left = charge["amount"] - charge["amount_refunded"]
            charge["amount_refunded"] += left if amount is None else min(amount, left)
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return self._public(charge)

    def get(self, kind: str, object_id: str) -> dict:
        return self._public(self.objects[kind][object_id])

    def event(self, type_: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
        """A webhook event as Stripe sends it, with ``obj`` (a snapshot) as ``data.object``."""
        return {
            "id": event_id or self.new_id("evt"), "object": "event", "api_version": "2026-10-28.endive",
            "created": self.tick() if created is None else created, "type": type_, "livemode": False,
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
            "data": {"object": copy.deepcopy(obj)},
        }

    # ------------------------------------------------------------------ shapes

    def _public(self, obj: dict) -> dict:
        """The object as the API answers it: private ``_`` keys dropped, legacy shapes on request."""
        public = {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}
        if self.legacy and public["object"] == "subscription":
            item = public["items"]["data"][0]
            public["current_period_start"] = item.pop("current_period_start")
            public["current_period_end"] = item.pop("current_period_end")
            public["plan"] = {**item["price"], "object": "plan"}
        if self.legacy and public["object"] == "invoice":
            public["subscription"] = public.pop("parent")["subscription_details"]["subscription"]
            for line in public["lines"]["data"]:
                details = line.pop("parent")["subscription_item_details"]
                price_id = line.pop("pricing")["price_details"]["price"]
                line.update(type="subscription", subscription=details["subscription"],
                            proration=details["proration"], price=self._price_of(price_id))
        return public

    def _price_of(self, price_id: str) -> dict:
        return copy.deepcopy(self.prices.get(price_id) or {"id": price_id, "object": "price"})

    # ------------------------------------------------------------------ the API

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/customers":
            return 200, self.customer_create(name=params.get("name", ""), metadata=params.get("metadata"))
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._checkout_session_create(params)
        if method == "GET" and path == "/v1/checkout/sessions":
            sessions = [self._public(s) for s in self.objects["checkout.session"].values()
                        if not params.get("payment_intent") or s.get("payment_intent") == params["payment_intent"]]
            return 200, {"object": "list", "data": sessions[: int(params.get("limit", 10))], "has_more": False,
                         "url": "/v1/checkout/sessions"}
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, self._portal_session_create(params)
        found = re.fullmatch(r"/v1/(customers|checkout/sessions|subscriptions|invoices|charges)/([\w]+)", path)
        if method == "GET" and found:
            kind = {"customers": "customer", "checkout/sessions": "checkout.session", "subscriptions": "subscription",
                    "invoices": "invoice", "charges": "charge"}[found[1]]
            obj = self.objects[kind].get(found[2])
            if obj is None:
                raise StripeError(404, f"No such {kind.split('.')[-1]}: '{found[2]}'", code="resource_missing", param="id")
            return 200, self._public(obj)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _customer(self, customer_id: str | None, param: str = "customer") -> str:
        if not customer_id or customer_id not in self.objects["customer"]:
            raise StripeError(400, f"No such customer: '{customer_id}'", code="resource_missing", param=param)
        return customer_id

    def _checkout_session_create(self, params: dict) -> dict:
        mode = params.get("mode")
        if mode not in ("payment", "subscription", "setup"):
            raise StripeError(400, "Missing required param: mode.", code="parameter_missing", param="mode")
        if not params.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", code="parameter_missing", param="success_url")
        items = params.get("line_items") or []
        if len(items) != 1 or items[0].get("price") not in self.prices:
            price = items[0].get("price") if items else None
            raise StripeError(400, f"No such price: '{price}'", code="resource_missing", param="line_items[0][price]")
        price = self.prices[items[0]["price"]]
        if (mode == "subscription") != (price["type"] == "recurring"):
            raise StripeError(400, "You must specify at least one recurring price in `subscription` mode"
                              if mode == "subscription" else
                              "You specified `payment` mode but passed a recurring price.",
                              param="line_items[0][price]")
        customer = self._customer(params.get("customer")) if params.get("customer") else None
        session_id = self.new_id("cs")
        quantity = int(items[0].get("quantity", 1))
        session = {
            "id": session_id, "object": "checkout.session", "mode": mode, "status": "open",
            "payment_status": "unpaid", "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
            "customer": customer, "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {}, "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"), "subscription": None, "payment_intent": None,
            "amount_total": price["unit_amount"] * quantity, "currency": price["currency"], "created": self.tick(),
            "expires_at": self.clock + 24 * 3600, "livemode": False,
            "_price": price["id"],
            "_subscription_metadata": (params.get("subscription_data") or {}).get("metadata"),
            "_payment_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata"),
        }
        self.objects["checkout.session"][session_id] = session
        return self._public(session)

    def _portal_session_create(self, params: dict) -> dict:
        customer = self._customer(params.get("customer"))
        portal_id = self.new_id("bps")
        session = {
            "id": portal_id, "object": "billing_portal.session", "customer": customer, "created": self.tick(),
            "return_url": params.get("return_url"), "url": f"https://billing.stripe.com/p/session/{portal_id}",
            "configuration": "bpc_test_default", "flow": None, "locale": None, "on_behalf_of": None,
            "livemode": False,
        }
        self.objects["billing_portal.session"][portal_id] = session
        return self._public(session)

    def _answer(self, method: str, raw_path: str, body: bytes, headers: dict) -> tuple[int, dict, dict]:
        parts = urlsplit(raw_path)
        params = decode_form(parse_qsl(parts.query, keep_blank_values=True))
        if body:
            params.update(decode_form(parse_qsl(body.decode(), keep_blank_values=True)))
        with self._lock:
            self.requests.append(Recorded(method, parts.path, params, headers))
            try:
                if headers.get("authorization") != f"Bearer {SECRET_KEY}":
                    raise StripeError(401, "Invalid API Key provided.", code="api_key_invalid")
                for failure in self._failures:
                    if failure[0] == method and parts.path.startswith(failure[1]) and failure[3] > 0:
                        failure[3] -= 1
                        raise StripeError(failure[2], failure[4], type_="api_error", retry=False)
                status, answer = self._route(method, parts.path, params)
                return status, answer, {}
            except StripeError as exc:
                extra = {} if exc.retry is None else {"Stripe-Should-Retry": str(exc.retry).lower()}
                return exc.status, exc.body, extra

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra = fake._answer(method, self.path, body, headers)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_{next(fake._ids):08d}")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_DELETE(self):
                self._serve("DELETE")

            def log_message(self, *args):
                pass

        return Handler


def stock_prices(fake: FakeStripe) -> None:
    """The Stripe prices most tests sell (Starter, Pro, the 500-credit pack), made in ``fake``
    and set on the seeded plan and pack rows."""
    from billing.models import CreditPack, Plan

    fake.price("price_starter_m", unit_amount=2900, recurring=True)
    fake.price("price_pro_m", unit_amount=19900, recurring=True)
    fake.price("price_pack_500", unit_amount=10000, recurring=False)
    Plan.objects.filter(slug="starter").update(stripe_price_id="price_starter_m")
    Plan.objects.filter(slug="pro").update(stripe_price_id="price_pro_m")
    CreditPack.objects.filter(slug="pack-500").update(stripe_price_id="price_pack_500")


def configure(settings, fake: FakeStripe) -> None:
    """Billing on, against ``fake``, processing in the request (no broker)."""
    settings.SHOPREEL_BILLING = True
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_TOLERANCE = 300
    settings.CELERY_BROKER_URL = ""
