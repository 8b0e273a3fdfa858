"""A file that is not a table is a plain ``CatalogError``, never the csv module's own error."""

from __future__ import annotations

import os

import pytest

from products.scraping.catalog import CatalogError, parse_catalog


@pytest.mark.parametrize(
    "data",
    [
        b"a" * 200_000 + b",b\n",  # one "cell" past the csv module's field limit
        b'"' + b"x" * 200_000,  # an unclosed quote running on
        b"url\n\x00http://a.example/\n" + os.urandom(64),
    ],
)
def test_an_unreadable_table_is_a_catalog_error(data):
    try:
        rows = parse_catalog(data)
    except CatalogError as exc:
        assert "CSV" in str(exc) or "empty" in str(exc)
    else:  # the csv module read it after all: rows, each with its own error if bad
        assert all(row.error or row.url for row in rows)


def test_a_field_past_the_limit_says_so():
    with pytest.raises(CatalogError, match="not a CSV or TSV"):
        parse_catalog(b"a" * 200_000 + b",b\n")
