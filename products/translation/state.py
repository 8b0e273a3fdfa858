"""Which words an ad uses for each fact, and why: the merchant's edit, the machine's
translation, or the page's own words (with a warning). Framework-free: rows are anything with
``ProductTranslation``'s fields.

The order, for each key of ``facts.source_facts``:

1. the merchant's edit. Written for the page's current text, it is used as it is. Written for
   an older text (a rescrape changed the page), it is still used, marked ``outdated``, when
   its figures and names still match the page's; otherwise the next step applies and the
   warning says why the edit was passed over. An edit is never overwritten.
2. the machine translation, when it was made from the current text;
3. the page's words: on purpose when the ad is in the page's language, or for the title
   (names are not machine-translated); otherwise with a warning naming why (translation off,
   the check refused the answer, the backend failed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from products.translation import protect

MACHINE, MERCHANT, SOURCE = "machine", "merchant", "source"
OFF_REASON = "translation is off (SHOPREEL_TRANSLATION=none)"


@dataclass(frozen=True)
class FactState:
    key: str
    source: str  # the page's current text
    text: str  # what the ad uses
    origin: str  # MACHINE, MERCHANT or SOURCE
    translated: bool  # text is in the ad's language (machine, merchant, or same language)
    outdated: bool = False  # the merchant's edit was written for an older page text
    warning: str = ""
    machine_text: str = ""
    edited_text: str = ""
    edited_source: str = ""
    edited_by: str = ""
    edited_at: Any = None


@dataclass(frozen=True)
class FactsInLanguage:
    language: str
    source_language: str
    backend: str  # the configured backend's name, "none", or "" when no translation is needed
    same_language: bool
    facts: list[FactState] = field(default_factory=list)

    @property
    def texts(self) -> dict[str, str]:
        return {f.key: f.text for f in self.facts}

    @property
    def untranslated(self) -> list[FactState]:
        return [f for f in self.facts if not f.translated]

    def warning(self, *, product_id: Any) -> str:
        """One sentence for the ad and the studio; "" when every fact is in the ad's language."""
        missing = self.untranslated
        outdated = [f for f in self.facts if f.outdated]
        parts = []
        if missing:
            reasons = sorted({f.warning for f in missing if f.warning})
            parts.append(
                f"{len(missing)} of the product's {len(self.facts)} facts are in the page's language "
                f"({self.source_language or 'unknown'}), not {self.language}: {'; '.join(reasons)}"
            )
        if outdated:
            parts.append(
                f"{len(outdated)} edited fact(s) were written for an older version of the page"
            )
        if not parts:
            return ""
        return (
            ". ".join(parts)
            + f". Review them with PUT /api/v1/products/{product_id}/translations/{self.language}/."
        )

    def record(self, *, product_id: Any) -> dict:
        """What ``Ad.translation`` stores: the languages, the backend, which facts stayed in the
        page's words and why, which were the merchant's, and the warning."""
        return {
            "language": self.language,
            "source_language": self.source_language,
            "backend": self.backend,
            "untranslated": [
                {"key": f.key, "source": f.source, "reason": f.warning} for f in self.untranslated
            ],
            "edited": [f.key for f in self.facts if f.origin == MERCHANT],
            "outdated_edits": [f.key for f in self.facts if f.outdated],
            "warning": self.warning(product_id=product_id),
        }

    def as_dict(self) -> dict:
        return {**asdict(self), "texts": self.texts}


def resolve(
    *,
    language: str,
    source_language: str,
    sources: dict[str, str],
    rows: dict[str, Any],
    backend: str,
    same_language: bool,
    keep: tuple[str, ...] = (),
) -> FactsInLanguage:
    """The state of every fact; ``rows`` maps key → ProductTranslation (missing keys: none yet)."""
    states = [
        _fact(key, source, rows.get(key), backend=backend, same_language=same_language, keep=keep)
        for key, source in sources.items()
    ]
    return FactsInLanguage(
        language, source_language, "" if same_language else backend, same_language, states
    )


def _fact(
    key: str, source: str, row: Any, *, backend: str, same_language: bool, keep: tuple[str, ...]
) -> FactState:
    edit = {}
    passed_over = ""
    machine_text = ""
    if row is not None:
        edit = {
            "edited_text": row.edited_text,
            "edited_source": row.edited_source,
            "edited_by": row.edited_by,
            "edited_at": row.edited_at,
        }
        machine_text = row.text if row.status == "translated" and row.source == source else ""
        if row.edited_text:
            if row.edited_source == source:
                return FactState(
                    key, source, row.edited_text, MERCHANT, True, machine_text=machine_text, **edit
                )
            problems = protect.check(source, row.edited_text, keep=keep)
            if not problems:
                return FactState(
                    key,
                    source,
                    row.edited_text,
                    MERCHANT,
                    True,
                    outdated=True,
                    machine_text=machine_text,
                    warning="the page's text changed after this edit; check that it still says the same",
                    **edit,
                )
            passed_over = (
                f"the edit was written for an older text of the page and no longer matches it "
                f"({'; '.join(problems)})"
            )
    outdated = bool(passed_over)
    if machine_text:
        return FactState(
            key,
            source,
            machine_text,
            MACHINE,
            True,
            outdated=outdated,
            warning=passed_over,
            machine_text=machine_text,
            **edit,
        )
    if same_language:
        return FactState(
            key, source, source, SOURCE, True, outdated=outdated, warning=passed_over, **edit
        )
    if key == "title" or protect.only_protected(source, keep=keep):  # names; "XL", "350 ml"
        return FactState(
            key, source, source, SOURCE, True, outdated=outdated, warning=passed_over, **edit
        )
    if backend == "none":
        why = OFF_REASON
    elif row is not None and row.source == source and row.reason:
        why = row.reason
    else:
        why = "not translated yet"
    why = f"{passed_over}; {why}" if passed_over else why
    return FactState(key, source, source, SOURCE, False, outdated=outdated, warning=why, **edit)
