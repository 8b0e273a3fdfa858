"""The words every layer shares: verticals, copy languages, output formats and markets.

Framework-free, so the lowest app (accounts: a workspace's defaults) and the highest (the API's
choices) name the same values. Each app that gives a word meaning (the vertical classifier, the
copy library, the renderer's frame sizes) keeps that meaning next to its code and takes the
list from here; a test checks they agree (tests/architecture/test_vocabulary.py).
"""

from __future__ import annotations

# Product verticals: the template library's folders and the classifier's answers.
VERTICALS: tuple[str, ...] = (
    "apparel", "beauty", "electronics", "home", "food", "jewellery",
    "sports", "toys", "pets", "other",
)

# Copy languages (BCP 47), the template library's and the voice's.
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant", "ja", "ko", "de", "fr", "es", "pt", "it", "ar")
# Written right to left; the renderer shapes and orders these lines (raqm).
RTL_LANGUAGES: frozenset[str] = frozenset({"ar"})

# Output formats by aspect ratio, each laid out for its own frame (generation.render.spec).
FORMATS: tuple[str, ...] = ("9:16", "1:1", "4:5", "16:9")

# Advertising markets whose claim rules the compliance check knows (templates_engine.compliance).
MARKETS: tuple[str, ...] = ("CN", "US", "EU")
