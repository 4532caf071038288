# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import html

from odoo.tests import HttpCase, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestPortalCheckSignup(HttpCase, RmaCommon):
    """A visitor's request starts from the public check's result: *Request a repair*
    leads to the login page, which offers to sign up (when the database lets
    customers sign up), and the new account lands on the request form with the
    serial filled in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls._create_lots(cls.product, ["SIGNUP-0001"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot)
        # sudo: test set-up of system parameters.
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("auth_signup.invitation_scope", "b2c")
        params.set_param("rma_warranty.warranty_check_rate_limit", "10000")

    def _page(self, url, **kwargs):
        response = self.url_open(url, **kwargs)
        self.assertEqual(response.status_code, 200, url)
        return response, html.fromstring(response.content)

    def test_visitor_signs_up_from_the_check_and_lands_on_the_form(self):
        # A visitor as a browser is one: no session until the server gives one
        # (HttpCase.authenticate's cookie would shadow the one signing up sets).
        _response, page = self._page(
            f"/warranty/check?{urlencode({'serial': 'SIGNUP-0001'})}"
        )
        (request_link,) = page.xpath("//a[hasclass('o_warranty_check_request')]")
        href = request_link.get("href")
        self.assertTrue(href.startswith("/web/login?"), href)
        target = parse_qs(urlsplit(href).query)["redirect"][0]
        self.assertEqual(target, "/my/rmas/new?serial=SIGNUP-0001")
        # The login page offers to sign up and keeps where to go.
        _response, login = self._page(href)
        (signup_link,) = login.xpath("//a[starts-with(@href, '/web/signup')]")
        signup_url = signup_link.get("href")
        self.assertEqual(parse_qs(urlsplit(signup_url).query)["redirect"][0], target)
        _response, signup = self._page(signup_url)
        csrf = signup.xpath("//input[@name='csrf_token']/@value")[0]
        response = self.url_open(
            signup_url,
            data={
                "login": "new.customer@example.com",
                "name": "Nina New Customer",
                "password": "a-long-enough-password",
                "confirm_password": "a-long-enough-password",
                "redirect": target,
                "csrf_token": csrf,
            },
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303), response.text[:2000])
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/my/rmas/new")
        user = self.env["res.users"].search(
            [("login", "=", "new.customer@example.com")]
        )
        self.assertTrue(user._is_portal())
        # Signed in: the form opens with the serial typed in.
        _response, form = self._page(response.headers["Location"])
        self.assertIn("SIGNUP-0001", form.xpath("//input/@value"))
        self.assertTrue(form.xpath("//form[contains(@action, '/my/rmas/new')]"))

    def test_no_signup_offered_when_the_database_refuses_it(self):
        # sudo: test set-up of a system parameter.
        self.env["ir.config_parameter"].sudo().set_param(
            "auth_signup.invitation_scope", "b2b"
        )
        self.authenticate(None, None)
        _response, page = self._page("/warranty/check?serial=SIGNUP-0001")
        (request_link,) = page.xpath("//a[hasclass('o_warranty_check_request')]")
        _response, login = self._page(request_link.get("href"))
        self.assertFalse(login.xpath("//a[starts-with(@href, '/web/signup')]"))
