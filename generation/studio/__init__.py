"""The merchant studio's ad side: the dashboard pages where a merchant makes ads, watches them
being made, edits them scene by scene and downloads them (``views/``, one module per page; URLs
in ``urls.py``; templates in ``generation/templates/studio/``).

- ``views.make``: the workspace overview (``/app/w/<id>/``) with the "Product link" form, and for
  an imported product (``?product=<id>``) the template gallery (``gallery.py``: each template
  previewed with the first words it would write for this product over the photo its first scene
  uses, and why the picker recommends its default) with language, length, formats, platform,
  tone, call to action, market and 1-4 variants; the price before confirming (billing on);
- ``views.jobs``: a job's page (live progress by a polled fragment, cancel, the poster and a
  player per format, the post text from ``posttext.py`` with a copy button, render again) and the
  variants of one request side by side;
- ``views.downloads``: each file, or all of them as one zip streamed as it is written; members
  only (``X-Accel-Redirect`` for single files in production);
- ``views.storyboard``: one card per scene, reorder/add/remove (``storyboard.py``), the claims
  check's findings marked on their words with the rewrite one click away, saved through the
  API's ``ad_script_update`` with its errors on the fields;
- ``views.library``: the workspace's ads by product, state, language and format, with search.

``views/`` and ``urls.py`` are surfaces; ``gallery.py``, ``storyboard.py`` and ``posttext.py``
sit in the generation layer (no Django; they import nothing above it).
"""
