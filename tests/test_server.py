"""The served instance: login page, demo logins and what each of them reaches."""

import pytest
from conftest import Client

APP_MENU = "rma_warranty.rma_warranty_menu_root"


def _menu_xmlids(client):
    resp = client.get("/web/webclient/load_menus/any")
    assert resp.status_code == 200
    return {menu.get("xmlid") for menu in resp.json().values()}


def test_login_page_served(client):
    resp = client.get("/web/login")
    assert resp.status_code == 200
    assert 'name="login"' in resp.text


def test_every_demo_login_works(base_url, db, demo_logins):
    assert {login for login, _pw in demo_logins} >= {
        "admin",
        "service",
        "distributor",
        "enduser",
    }
    for login, password in demo_logins:
        client = Client(base_url, db)
        result = client.login(login, password)
        assert "error" not in result, (login, result.get("error"))
        assert result["result"]["uid"], login


@pytest.mark.parametrize("login", ["admin", "service"])
def test_internal_users_reach_the_after_sales_app(client, demo_logins, login):
    password = dict(demo_logins)[login]
    info = client.login(login, password)["result"]
    assert info["is_internal_user"] is True
    assert APP_MENU in _menu_xmlids(client)


@pytest.mark.parametrize("login", ["distributor", "enduser"])
def test_portal_users_get_the_portal_not_the_backend(client, demo_logins, login):
    password = dict(demo_logins)[login]
    info = client.login(login, password)["result"]
    assert info["is_internal_user"] is False
    home = client.get("/my")
    assert home.status_code == 200
    assert "o_portal" in home.text
    # The backend sends portal users back to their portal.
    backend = client.get("/odoo", allow_redirects=False)
    assert backend.status_code in (302, 303)
    assert "/my" in backend.headers["Location"]


def test_wrong_password_is_refused(client):
    result = client.login("service", "not-the-password")
    assert "error" in result
    assert "Access Denied" in result["error"]["data"]["message"]
