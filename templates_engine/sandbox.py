"""Render ad copy with Jinja in a sandbox that only sees product data.

Template files are data that people outside the core team will write (and agencies may one
day upload), so copy is rendered with ``ImmutableSandboxedEnvironment``: no Python internals,
no mutation, no globals, a short list of filters. Each source is also checked statically when
a template file loads, so a bad template fails at start-up with the file and field named,
not halfway through a customer's render.
"""

# ruff: noqa: RUF001 - full-width and typographic punctuation here is deliberate (CJK text)

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, meta, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from templates_engine.errors import UnsafeTemplate
from templates_engine.textfit import squash

# Everything a copy template may name. Grouped so the builder knows which scenes depend on
# data the product may not have.
PRICE_VARS = frozenset({"price"})
SALE_VARS = frozenset({"regular_price", "discount_percent", "savings"})
FEATURE_VARS = frozenset({"feature"})
# The page's rating (a template using it declares ``needs: {rating: true}``) and its review
# count (present only when the page states one; scenes citing it need a fallback).
RATING_VARS = frozenset({"rating", "rating_scale"})
REVIEW_VARS = frozenset({"review_count"})
ALWAYS_VARS = frozenset(
    {"title", "short_title", "brand", "currency", "features", "cta", "has_sale", "in_stock"}
)
ALLOWED_VARS = ALWAYS_VARS | PRICE_VARS | SALE_VARS | FEATURE_VARS | RATING_VARS | REVIEW_VARS

_SAFE_FILTERS = (
    "upper", "lower", "capitalize", "title", "trim", "default", "d", "join",
    "first", "last", "length", "round", "int", "replace",
)
_SAFE_TESTS = ("defined", "undefined", "none", "number", "string", "eq", "ne", "gt", "lt", "ge", "le")

# Node types a copy template has no business using: code reuse, calls and macros are how
# sandbox escapes usually start, and plain copy never needs them.
_FORBIDDEN_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Call, nodes.Macro, nodes.CallBlock, nodes.Include, nodes.Extends,
    nodes.Import, nodes.FromImport, nodes.Block, nodes.Scope, nodes.OverlayScope,
    nodes.EvalContextModifier, nodes.ScopedEvalContextModifier,
)


def _make_env() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters = {name: env.filters[name] for name in _SAFE_FILTERS}
    env.tests = {name: env.tests[name] for name in _SAFE_TESTS}
    env.globals.clear()
    return env


ENV = _make_env()
_DOUBLE_STOP = re.compile(r"([.!?。！？…])[.。]+")

# A product with every field filled, used to try-render each template when it loads.
SAMPLE_CONTEXT: dict[str, Any] = {
    "title": "Sample Product Name With Many Words",
    "short_title": "Sample Product",
    "brand": "Brand",
    "currency": "USD",
    "features": ["First feature", "Second feature"],
    "cta": "Shop now",
    "has_sale": True,
    "in_stock": True,
    "price": "$19.99",
    "regular_price": "$29.99",
    "discount_percent": 33,
    "savings": "$10.00",
    "feature": "First feature",
    "rating": "4.7",
    "rating_scale": "5",
    "review_count": "1,284",
}


# Per-source caches. A template library repeats many copy strings ("{{ cta }}", a price line)
# and the builder asks for the same strings' variables on every script, so each source is
# parsed, checked and analysed once per process. Results are frozensets (immutable), failures
# are not cached (``lru_cache`` re-raises on every call), and the analysis depends only on the
# source and this module's constants. Bounded, as sources may one day come from outside.
_CACHE_SIZE = 16384


@lru_cache(maxsize=_CACHE_SIZE)
def check_source(source: str) -> frozenset[str]:
    """Parse ``source``, refuse anything unsafe or unknown, try-render it; return its variables.

    Raises ``UnsafeTemplate`` for internals or forbidden constructs and ``ValueError`` for
    syntax errors and unknown variables — both name the problem in plain words. Cached per
    source: a source that passed once passes again without being re-parsed or re-rendered.
    """
    try:
        ast = ENV.parse(source)
    except TemplateError as exc:
        raise ValueError(f"template syntax error: {exc}") from exc
    for node in ast.find_all(_FORBIDDEN_NODES):
        raise UnsafeTemplate(f"{type(node).__name__} is not allowed in copy templates")
    for node in ast.find_all(nodes.Getattr):
        _refuse_private(node.attr)
    for node in ast.find_all(nodes.Getitem):
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            _refuse_private(node.arg.value)
    for node in ast.find_all(nodes.Filter):
        if node.name not in ENV.filters:
            raise ValueError(f"filter {node.name!r} is not allowed; allowed: {', '.join(_SAFE_FILTERS)}")
    names = variables(source)  # parses once more, and fills the cache the builder reads
    unknown = sorted(names - ALLOWED_VARS)
    if unknown:
        raise ValueError(
            f"unknown variable(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ALLOWED_VARS))}"
        )
    render(source, SAMPLE_CONTEXT)  # type errors in filters show up now, not in production
    return names


def _refuse_private(attr: str) -> None:
    if attr.startswith("_"):
        raise UnsafeTemplate(f"access to {attr!r} is not allowed: templates see product data only")


@lru_cache(maxsize=4096)
def _compile(source: str):
    return ENV.from_string(source)


@lru_cache(maxsize=_CACHE_SIZE)
def variables(source: str) -> frozenset[str]:
    """The context names ``source`` uses (cached per source string: cheap after the first call).

    The result is a frozenset shared between callers; combine it (``|``, ``&``), never mutate it.
    """
    return frozenset(meta.find_undeclared_variables(ENV.parse(source)))


def render(source: str, context: dict[str, Any]) -> str:
    """Render one copy string; whitespace is collapsed so optional parts leave no gaps.

    ``SecurityError`` propagates as is; a missing variable raises ``UndefinedError`` with its name.
    """
    text = squash(_compile(source).render(**context))
    # "{{ cta }}." with a CTA that ends in "!" must not read "Shop now!."
    return _DOUBLE_STOP.sub(r"\1", text)
