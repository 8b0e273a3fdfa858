"""The studio's tests use the accounts world: one member of each role, an outsider, an agency."""

from tests.accounts.conftest import team  # noqa: F401  (the shared fixture)
