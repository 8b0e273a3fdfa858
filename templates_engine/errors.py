"""Errors the template engine raises, each with a message a merchant or a template author can act on."""

from __future__ import annotations

from jinja2.exceptions import SecurityError


class ScriptError(ValueError):
    """The requested ad cannot be written (wrong language, length, missing price...).

    A ``ValueError`` so API layers can turn it into a 400 with ``str(exc)`` as the message.
    """


class UnknownTemplate(KeyError):
    """No template has this slug. The message lists the valid slugs so a typo is easy to fix."""

    def __init__(self, slug: str, valid: list[str]):
        self.slug = slug
        self.valid = valid
        super().__init__(slug)

    def __str__(self) -> str:  # KeyError would repr() the key; we want a sentence.
        return f"unknown template {self.slug!r}; valid templates: {', '.join(self.valid)}"


class TemplateLoadError(ValueError):
    """A template file is malformed. The message names the file and the field at fault."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class UnsafeTemplate(SecurityError, ValueError):
    """A copy template tries to reach Python internals or anything but product data.

    Both a Jinja ``SecurityError`` (what it is) and a ``ValueError`` (so pydantic reports it
    against the exact field while a template file is validated).
    """
