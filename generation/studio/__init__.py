"""The merchant studio: the dashboard pages where a merchant pastes a product link and gets
rendered ads (``views.py``, templates in ``generation/templates/studio/``).

- the workspace overview (``/app/w/<id>/``) holds the "Make ad" form (editors and up) and the
  workspace's newest jobs; a paid job starts through ``billing.jobs.job_start_paid``;
- a job's page shows its state and progress, updated by a small inline script that fetches the
  progress fragment (no JavaScript build; a "Refresh" link without JavaScript), and the finished
  videos with their downloads;
- rendered files are private: served through a view that checks the visitor's membership, or
  handed to the web server with ``X-Accel-Redirect`` (``SHOPREEL_MEDIA_ACCEL_REDIRECT``).

A surface: it may import any domain module, and nothing below imports it.
"""
