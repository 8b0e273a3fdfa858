"""The product's own words in the ad's language: features, description snippets, variant names.

A template's fixed lines are written per language; a product's facts come from its page, in
the page's language. This package puts them into the ad's language, or says plainly that it
did not.

- ``facts``: which texts of a product are translated, each under a stable key
  (``features.0``, ``description.1``, ``variants.0.options.color``, ``title``), and how the
  translated texts go back into the product dict the script builder reads.
- ``protect``: the figures and names a translation must carry over unchanged (prices, numbers
  with units, percentages, model names, acronyms, the brand) and the check that proves it, run
  on every translation whatever made it, and on every merchant edit.
- ``engine``: the backend chosen by ``SHOPREEL_TRANSLATION`` and ``translate_checked``, which
  wraps any backend with the rules (mask figures for an LLM, refuse hostile or changed
  answers, keep the source with the reason).
- Backends: ``none`` (the page's words, with a warning on the ad), ``llm`` (``llm.py``: any
  OpenAI-compatible chat endpoint through ``core.llm``) and ``local`` (``local.py``: a
  transformers seq2seq model from a local folder, never downloaded).
- ``state``: which words an ad uses for each fact (the merchant's edit, the machine's
  translation, the page's words) and the warning, stored on ``Ad.translation``.

Storage and services live with the rest of the app: ``ProductTranslation`` (one row per
product, language and key: the cached machine translation and the merchant's edit, kept
apart, so a rescrape retranslates the one and never overwrites the other),
``products.services.translations`` (``product_translations_ensure``,
``product_facts_localize``, ``product_translation_edit``) and ``products.selectors``
(``product_translations_get``, ``product_facts_state``). Everything here but ``engine``'s
settings lookup is framework-free.
"""
