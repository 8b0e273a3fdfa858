"""The text to post with an ad: a title, a caption and hashtags, built from the ad's script and
its product. Framework-free: plain data in, plain data out.

- title: the product's title as the page gives it (brand first when the title lacks it), at
  most ``TITLE_CHARS``;
- caption: the script's captions in scene order, each once, then the call to action (what the
  viewer reads in the video, so the post never claims more than the ad);
- hashtags: the brand, the vertical and up to three words of the title, each once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TITLE_CHARS = 100
MAX_TITLE_TAGS = 3
# Title words that say nothing as a hashtag.
_STOP = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "size",
        "pack",
        "set",
        "new",
        "from",
        "your",
        "this",
        "that",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "les",
        "des",
        "pour",
        "avec",
        "los",
        "las",
        "con",
        "para",
    }
)


@dataclass(frozen=True)
class PostText:
    title: str
    caption: str
    hashtags: tuple[str, ...]

    @property
    def text(self) -> str:
        """The whole post, ready to paste."""
        return "\n\n".join(
            part for part in (self.title, self.caption, " ".join(self.hashtags)) if part
        )


def _tag(word: str) -> str:
    """``#word``: letters and digits only (any script), or "" when nothing is left."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", word) if ch.isalnum())
    return f"#{kept.lower()}" if kept else ""


def post_text(*, script: dict, product: dict) -> PostText:
    """``script``: the AdScript JSON stored on the ad; ``product``: ``Product.as_script_input()``."""
    title = " ".join(str(product.get("title") or "").split())
    brand = " ".join(str(product.get("brand") or "").split())
    if brand and brand.lower() not in title.lower():
        title = f"{brand} {title}".strip()
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    lines: list[str] = []
    for scene in script.get("scenes") or []:
        caption = " ".join(str(scene.get("caption") or "").split())
        if caption and caption not in lines:
            lines.append(caption)
    cta = " ".join(str(script.get("cta") or "").split())
    if cta and cta not in lines:
        lines.append(cta)
    tags: list[str] = []
    words = [brand.replace(" ", ""), str(product.get("vertical") or "")]
    title_words = [
        w
        for w in re.split(r"[\s,/|\u2013\u2014-]+", str(product.get("title") or ""))
        if len(w) > 3 and w.lower() not in _STOP
    ]
    words += title_words[:MAX_TITLE_TAGS]
    for word in words:
        tag = _tag(word) if word not in ("other", "generic") else ""
        if tag and tag not in tags:
            tags.append(tag)
    return PostText(title=title, caption="\n".join(lines), hashtags=tuple(tags))
