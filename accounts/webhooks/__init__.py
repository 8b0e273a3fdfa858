"""Outgoing webhooks: endpoints a workspace registers, events signed and POSTed to them with
retries, and a delivery log per endpoint. What receivers see (events, body, headers, how to
verify the signature) is in docs/API.md, "Webhooks".

``tasks`` is imported here so the worker registers ``accounts.deliver_webhook``: Celery's
autodiscovery only looks at ``<app>.tasks``, and ``accounts.models`` imports this package.

Models live in ``models.py`` (imported by ``accounts.models``, so the app label is
``accounts``): ``WebhookEndpoint`` (at most 20 per workspace) and one ``WebhookDelivery`` per
(event, endpoint).

Where events come from
----------------------
Webhooks are a consumer of the domain events (``accounts.events``), registered in
``AccountsConfig.ready`` for ``product.imported``, ``ad.completed`` and ``ad.failed``. The
emitting service records the event in the transaction whose conditional UPDATE finished the
work (``products.events.product_imported`` from ``product_scrape``;
``generation.events.job_finished`` from ``job_render`` and ``job_fail``), so a redelivered task
emits nothing more. ``data`` is the emitting app's own representation
(``products.representations``, ``generation.representations``: what the API shows; file
links absolute when ``SHOPREEL_SITE_URL`` is set). ``webhook_event_consume`` makes one delivery
per active endpoint subscribed to the type, in that same transaction, with the domain event's
id as the delivery's event id. A consumer that fails is logged and rolled back alone, never
failing the work. ``ping`` is made only by ``webhook_endpoint_ping``.

Delivery (services.py, sender.py)
---------------------------------
- The ``accounts.deliver_webhook`` task (the default queue) is sent after commit, by name.
  Without a broker the first attempt runs in-process after commit, and ``manage.py
  deliver_webhooks`` (run it from cron) sends due retries, picks up any delivery whose task was
  lost and prunes finished deliveries older than ``SHOPREEL_WEBHOOK_LOG_DAYS`` (30).
- ``webhook_delivery_attempt`` claims the row with one conditional UPDATE (``attempts + 1``,
  ``claimed_until`` = timeout + 30 s), so duplicates of a task never post concurrently, then
  POSTs the compact JSON body (``webhook_payload_body``) through ``WebhookSender``.
- ``WebhookSender`` is a ``core.fetch.SafeFetcher``: the same URL checks and pinned, checked
  connect as product pages (``SHOPREEL_FETCH_ALLOW_HOSTS`` is the one allow-list), redirects
  never followed, 10 s in all (``SHOPREEL_WEBHOOK_TIMEOUT``; httpx's timeouts are per read, so
  ``fetch.Watchdog`` shuts the socket at the deadline and a receiver trickling bytes cannot hold
  a worker), at most 2 KB of the answer read (500 characters kept, control characters
  replaced).
- 2xx succeeds. Anything else (3xx, 4xx, 5xx, a timeout, a connection error) is retried after
  30 s, 2 min, 10 min, 1 h, 6 h (+ up to 10 % jitter; ``SHOPREEL_WEBHOOK_RETRY_DELAYS``, the
  last repeating) with ``apply_async(countdown=...)``, up to ``SHOPREEL_WEBHOOK_MAX_ATTEMPTS``
  (6), then ``failed``. A refused address, an unreadable secret or an endpoint turned off fails
  at once. Every attempt goes into the delivery's ``attempt_log`` (status, duration, error,
  excerpt). A ``ping`` is one POST, never retried.
- An endpoint whose deliveries failed every attempt ``SHOPREEL_WEBHOOK_DISABLE_AFTER`` (15)
  times in a row is turned off (``active`` false, ``disabled_reason``); turning it on again
  (PATCH ``active: true``) clears the count. A success resets it.

Secrets (crypto.py, signing.py)
-------------------------------
``whsec_`` + 256 random bits, shown once (on create and rotate; an ``Idempotency-Key`` replay
shows null). Stored encrypted (Fernet) with ``SHOPREEL_WEBHOOK_SECRET_KEYS`` (the first
encrypts, all decrypt, so the keys can be rotated), or a key derived from ``SECRET_KEY`` when
that is empty: changing ``SECRET_KEY`` then makes stored secrets unreadable, and deliveries fail
saying "rotate the secret" (``webhook_secret_unreadable``). A rotation takes effect at once,
retries of older events included. ``signing.py`` imports no Django, so receivers may copy
``verify_signature``; docs/API.md carries a shorter equivalent that a test runs.

URLs
----
At registration and on every change, ``webhook_url_clean``: http(s), no credentials, no private,
loopback, link-local or metadata address in any spelling, no ``localhost``; https only where
``SHOPREEL_WEBHOOK_REQUIRE_HTTPS`` (on by default in production settings). No DNS lookup then:
names are resolved and every address checked at each delivery, where it matters (DNS changes).

Tests (``tests/webhooks/``): a real receiver on loopback (``tests/servers.py``) verifies
signatures the documented way; import and render end to end; 500 then 200 retried and logged;
hostile URLs at registration and at delivery; redirects not followed; a receiver trickling its
answer cut off; once per endpoint under redelivery (and four concurrent tasks on PostgreSQL);
a real Celery worker retrying through Redis (``test_worker.py``); the receiver's snippet in
docs/API.md (``test_signing.py``).
"""

from accounts.webhooks import tasks  # noqa: F401
