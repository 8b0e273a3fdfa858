"""Products: read from a shop page (or entered by hand), with their photos, and their own words
in each ad language.

- ``models``: ``Product``, ``ProductImage``, ``ImportBatch`` / ``ImportBatchRow``, and
  ``ProductTranslation`` (per product, ad language and fact: the cached machine translation and
  the merchant's edit, kept apart).
- ``scraping/``: fetch, extract and normalise a page (framework-free).
- ``services/``: writes (importing, photos, manual entry, batches, and ``translations``:
  ``product_translations_ensure``, ``product_facts_localize``, ``product_translation_edit``).
- ``selectors``: reads that take the caller's workspace (``product_translations_get``,
  ``product_facts_state`` for the facts in a language and their warnings, which the API and the
  studio show).
- ``translation/``: the translation backends chosen by ``SHOPREEL_TRANSLATION`` (``none``,
  ``llm``, ``local``) and the protected-token check every translation passes (figures, units,
  prices, brand and model names unchanged). See its docstring.
- ``demo/``: the offline demo shop, and its own translations entered as merchant edits.
- ``views``: the studio's product pages (a surface): the list and "paste links" with each
  import live, a product's page with its facts editable by hand (``edited_fields``, kept when the
  page is read again), the price check and the merchant's own photos. Templates in
  ``templates/products/studio/``.
"""
