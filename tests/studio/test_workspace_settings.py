"""The workspace's settings page (``/app/w/<id>/settings/``) and ``workspace_settings_update``:
name, time zone (checked against zoneinfo), default language, market and formats. Owners and
admins change them; editors and viewers read them; an outsider gets 404."""

from __future__ import annotations

import pytest

from accounts.services import workspace_settings_update
from core.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Northwind Shop",
    "timezone": "Europe/Berlin",
    "default_language": "de",
    "default_market": "EU",
    "default_formats": ["1:1", "9:16"],
}


def _url(team) -> str:
    return f"/app/w/{team.workspace.id}/settings/"


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_managers_change_the_settings(client, team, who):
    team.login(client, who)
    response = client.post(_url(team), GOOD)
    assert response.status_code == 302 and response["Location"] == _url(team)
    team.workspace.refresh_from_db()
    w = team.workspace
    assert (w.name, w.timezone, w.default_language, w.default_market) == (
        "Northwind Shop",
        "Europe/Berlin",
        "de",
        "EU",
    )
    assert w.default_formats == ["9:16", "1:1"]  # the vocabulary's order
    page = client.get(_url(team)).text
    assert "Settings saved." in page and 'value="Europe/Berlin"' in page


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editors_and_viewers_read_but_cannot_change(client, team, who):
    team.login(client, who)
    page = client.get(_url(team))
    assert page.status_code == 200 and "Save settings" not in page.text and "UTC" in page.text
    assert client.post(_url(team), GOOD).status_code == 403
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Northwind"


def test_an_outsider_gets_404_and_a_wrong_method_405(client, team):
    team.login(client, "outsider")
    assert client.get(_url(team)).status_code == 404
    assert client.post(_url(team), GOOD).status_code == 404
    team.login(client, "owner")
    assert client.put(_url(team)).status_code == 405


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"default_language": "xx"}, "default_language"),
        ({"default_market": "MARS"}, "default_market"),
        ({"default_formats": ["2:1"]}, "default_formats"),
    ],
)
def test_a_bad_value_comes_back_on_its_field_and_nothing_changes(client, team, change, field):
    team.login(client, "owner")
    response = client.post(_url(team), {**GOOD, **change})
    assert response.status_code == 400 and 'role="alert"' in response.text
    if field in ("name", "timezone"):
        assert f'aria-describedby="{field}-error"' in response.text
    assert 'value="Northwind Shop"' in response.text or field == "name"  # what was typed is kept
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Northwind" and team.workspace.timezone == "UTC"


def test_the_service_refuses_a_non_manager(team):
    with pytest.raises(PermissionDenied):
        workspace_settings_update(workspace=team.workspace, actor=team.users["editor"], **GOOD)


def test_the_service_names_the_field(team):
    with pytest.raises(InvalidInput) as caught:
        workspace_settings_update(
            workspace=team.workspace, actor=team.users["owner"], **{**GOOD, "timezone": "Nowhere"}
        )
    assert caught.value.detail == {"field": "timezone"}


def test_a_nul_byte_in_the_name_is_dropped(team):
    workspace = workspace_settings_update(
        workspace=team.workspace, actor=team.users["owner"], **{**GOOD, "name": "North\x00wind"}
    )
    assert workspace.name == "Northwind"


def test_the_make_ad_form_starts_from_the_saved_defaults(client, team):
    team.login(client, "owner")
    client.post(_url(team), {**GOOD, "default_formats": ["1:1"]})
    studio = client.get(f"/app/w/{team.workspace.id}/").text
    assert '<option value="de" selected>' in studio
    assert 'value="1:1" checked' in studio and 'value="9:16" checked' not in studio
