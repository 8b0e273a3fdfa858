"""The options an ad is made with: one typed, immutable ``JobOptions``, checked once.

Every way in builds it with ``JobOptions.from_input`` (the API's ``POST /ads/``, ``manage.py
make_ad``, the services given a plain dict), which fills the defaults and raises the project's
``InvalidInput`` naming what is wrong; ``to_json`` is what ``RenderJob.options`` stores and
``from_json`` reads it back.

A frozen dataclass rather than a pydantic model: the checks are the contract (their codes and
messages reach users through the API and the command line), most of them need our own
vocabulary (formats, templates, markets, platforms, tones) and would be custom validators
anyway, and pydantic's lax coercions ("yes" → True, 3.9 → 3 refused, ...) would be one more
set of input rules next to the API's own parsing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from core.errors import InvalidInput
from core.vocabulary import LANGUAGES
from generation.render.spec import FORMATS
from templates_engine import builder, compliance, library
from templates_engine.languages import resolve_language


@dataclass(frozen=True)
class JobOptions:
    """What to make: the template ("auto" picks one for the product), the script's language,
    the output formats, the ad's length in seconds, the seed, voice-over and music."""

    template: str = "auto"
    language: str = "en"
    formats: tuple[str, ...] = ("9:16",)
    length: float = 15.0
    seed: int = 0
    voice: bool = True
    music: bool = True
    # Honest claims: the market whose rules the copy is checked against (CN, US, EU), and
    # whether blocking findings may go through anyway: True, or the name of who decided
    # (recorded on the Ad with the findings let through).
    market: str = "US"
    override_compliance: bool | str = False
    # How the copy is written: where it runs (builder.PLATFORMS), its tone (friendly,
    # energetic, premium, playful; "" = the template's own) and the call to action
    # (None = the language's default, "" = no end card).
    platform: str = ""
    tone: str = ""
    cta: str | None = None
    # Which of N variants of the script (templates_engine.builder: another hook and order of
    # the middle scenes for each k > 0); the studio makes several side by side.
    variant: int = 0
    # Generative (GPU) shots allowed: billing turns it off for plans without them, and the
    # shots then use the motion backend from the photos. Not a user option.
    generative: bool = True

    MIN_LENGTH: ClassVar[float] = 3
    MAX_LENGTH: ClassVar[float] = 60
    MAX_SEED: ClassVar[int] = 2**31 - 1
    MAX_LANGUAGE: ClassVar[int] = 20  # Ad.language
    MAX_CTA: ClassVar[int] = 60
    MAX_DECIDED_BY: ClassVar[int] = 150
    MAX_VARIANT: ClassVar[int] = 9  # builder.variants makes at most 10

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_input(cls, options: Mapping[str, Any] | None = None) -> JobOptions:
        """The user's options (a missing or None value takes the default), checked before any
        work. An ``InvalidInput`` carries the first problem's code and message and, in
        ``detail``, every problem by option name."""
        checker = _Checker(dict(options or {}))
        clean = checker.run()
        if checker.errors:
            code, message = checker.first
            raise InvalidInput(message, code=code, detail=checker.errors)
        return cls(**clean)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobOptions:
        """Options stored by ``to_json`` (checked when they were made); names this version does
        not know are left out, ones it misses take their defaults."""
        known = {name: data[name] for name in cls.names() if name in data}
        if "formats" in known:
            known["formats"] = tuple(known["formats"])
        return cls(**known)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["formats"] = list(self.formats)
        return data


class _Checker:
    """Each option's check, in a fixed order; problems are collected, not raised one by one."""

    def __init__(self, given: dict[str, Any]) -> None:
        self.given = given
        self.errors: dict[str, list[str]] = {}
        self.first: tuple[str, str] | None = None

    def fail(self, name: str, message: str, code: str = InvalidInput.code) -> None:
        self.errors.setdefault(name, []).append(message)
        if self.first is None:
            self.first = (code, message)

    def run(self) -> dict[str, Any]:
        defaults = JobOptions()
        unknown = sorted(set(self.given) - set(JobOptions.names()))
        if unknown:
            message = f"Unknown option(s): {', '.join(unknown)}."
            for name in unknown:
                self.fail(name, message)
        values = {
            name: self.given[name] if self.given.get(name) is not None else getattr(defaults, name)
            for name in JobOptions.names()
        }
        clean: dict[str, Any] = {}
        for name in ("formats", "length", "template", "seed", "market", "platform", "tone",
                     "override_compliance", "language", "voice", "music", "cta", "generative", "variant"):  # fmt: skip
            value = getattr(self, f"_{name}")(name, values[name])
            if name not in self.errors:
                clean[name] = value
        return clean

    def _formats(self, name: str, value) -> tuple[str, ...] | None:
        formats = list(dict.fromkeys(value)) if isinstance(value, list | tuple) else [value]
        bad = [f for f in formats if not isinstance(f, str) or f not in FORMATS]
        if not formats or bad:
            self.fail(name, f"Unknown format(s) {bad}; choose from {', '.join(FORMATS)}.")
            return None
        return tuple(formats)

    def _length(self, name: str, value) -> float | None:
        try:
            if isinstance(value, bool):
                raise TypeError
            length = float(value)
        except (TypeError, ValueError):
            self.fail(name, "The length must be a number of seconds.")
            return None
        if not JobOptions.MIN_LENGTH <= length <= JobOptions.MAX_LENGTH:
            self.fail(name, f"The length must be between {JobOptions.MIN_LENGTH:g} and {JobOptions.MAX_LENGTH:g} seconds.")
        return length

    def _template(self, name: str, value) -> str | None:
        if value == "auto":
            return value
        try:
            library.get_template(str(value))
        except library.UnknownTemplate as exc:
            self.fail(name, str(exc), code="unknown_template")
        return str(value)

    def _seed(self, name: str, value) -> int | None:
        seed = None
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole or (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and value.strip().isdigit()
        ):
            seed = int(value)
        if seed is None or not 0 <= seed <= JobOptions.MAX_SEED:
            self.fail(name, f"The seed must be a whole number from 0 to {JobOptions.MAX_SEED}.")
        return seed

    def _market(self, name: str, value) -> str | None:
        try:
            return compliance.normalise_market(str(value))
        except ValueError:
            self.fail(name, f"Unknown market {value!r}; choose from {', '.join(compliance.MARKETS)}.")
            return None

    def _platform(self, name: str, value) -> str | None:
        platform = str(value).lower()
        if platform not in builder.PLATFORMS:
            self.fail(name, f"Unknown platform {value!r}; choose from {', '.join(p for p in builder.PLATFORMS if p)}.")
        return platform

    def _tone(self, name: str, value) -> str | None:
        tone = str(value).lower()
        if tone and tone not in builder.TONES:
            self.fail(name, f"Unknown tone {value!r}; choose from {', '.join(builder.TONES)}.")
        return tone

    def _override_compliance(self, name: str, value) -> bool | str | None:
        if not isinstance(value, bool | str):
            self.fail(name, "override_compliance must be true/false or the name of who decided.")
            return None
        return value.strip()[: JobOptions.MAX_DECIDED_BY] if isinstance(value, str) else value

    def _language(self, name: str, value) -> str | None:
        if not isinstance(value, str) or not value.strip() or len(value) > JobOptions.MAX_LANGUAGE:
            self.fail(name, f"The language must be a language code such as en or pt-BR (at most {JobOptions.MAX_LANGUAGE} characters).")
            return None
        try:  # refused now, not after the product was read (regional tags map: es-MX → es)
            resolve_language(value, list(LANGUAGES))
        except LookupError:
            self.fail(
                name, f"Ads are written in {', '.join(LANGUAGES)} (or a regional tag of one, such as "
                f"es-MX); not in {value.strip()!r}.", code="unsupported_language",
            )
            return None
        return value.strip()

    def _voice(self, name: str, value) -> bool | None:
        if not isinstance(value, bool):
            self.fail(name, f"{name} must be true or false.")
        return value

    _music = _voice
    _generative = _voice

    def _variant(self, name: str, value) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= JobOptions.MAX_VARIANT:
            self.fail(name, f"The variant must be a whole number from 0 to {JobOptions.MAX_VARIANT}.")
            return None
        return value

    def _cta(self, name: str, value) -> str | None:
        if value is None:  # the language's default
            return None
        if not isinstance(value, str) or len(value) > JobOptions.MAX_CTA:
            self.fail(name, f"The call to action must be text of at most {JobOptions.MAX_CTA} characters.")
            return None
        return value
