"""Scheduled campaigns: a set of products made into ads again and again, with the prices the
shop shows that day, so the ads stay true to the page over time.

- ``models``: Campaign (products chosen or an import batch's; templates or auto, languages,
  formats, lengths, variants; a schedule in a time zone; on/off; a budget per run; regenerate
  always or on change), CampaignRun (unique per campaign and slot), RunItem (one per product
  and variant, with its outcome: regenerated, unchanged, skipped or failed, and why), AdFacts
  (what a finished ad shows, for stale ads).
- ``schedule``: once / weekly / cron in a zone, as wall-clock times (DST-correct, croniter).
- ``facts``: the facts an ad shows, compared between runs.
- ``services``: campaign writes; a run per slot exactly once (``run_start``,
  ``campaigns_run_due``); items ended as their jobs end (a domain-event consumer).
- ``engine``: a run's work: read each product again at its source, decide, quote, queue
  within the budget (paid through ``billing.jobs``), resumable.
- ``selectors``: reads, and stale ads (price or availability changed since the ad was made).
- ``events``: ``campaign.run.started`` and ``campaign.run.completed`` (also webhooks).
- ``tasks`` / ``beat``: ``campaigns.run_due`` every SHOPREEL_CAMPAIGN_TICK_SECONDS from
  django-celery-beat's database scheduler (one beat process); ``manage.py campaigns_run_due``
  does the same where there is no broker.

Campaigns sits above billing: it calls down into products, generation and billing and hears
their events; none of them imports it.
"""
