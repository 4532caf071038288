# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest import SkipTest

from odoo.tests import HttpCase, tagged

# The stories README.md tells the demo portal users to try.
DEMO_SERIAL_ENDUSER = "QN464-2503"
DEMO_CODE_ENDUSER = "FAIR-2026-NAS-12M"


@tagged("post_install", "-at_install")
class TestDemoPortalStories(HttpCase):
    """What the demo portal logins find on `./dev run`: their RMAs, their units, a
    code that redeems, the public check of a demo serial."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.enduser = cls.env.ref(
            "rma_warranty.demo_user_enduser", raise_if_not_found=False
        )
        if not cls.enduser:
            raise SkipTest("rma_warranty demo data is not installed")
        cls.distributor = cls.env.ref("rma_warranty.demo_user_distributor")
        cls.lot = cls.env["stock.lot"].search([("name", "=", DEMO_SERIAL_ENDUSER)])

    def _csrf(self, url):
        response = self.url_open(url)
        marker = 'name="csrf_token" value="'
        start = response.text.index(marker) + len(marker)
        return response.text[start : response.text.index('"', start)]

    def _rma_names(self, user):
        # What the record rules give that portal user, first page of the list.
        return (
            self.env["rma.order"]
            .with_user(user)
            .search([], limit=20, order="id desc")
            .mapped("name")
        )

    def test_enduser_finds_rmas_and_units(self):
        self.authenticate("enduser", "enduser")
        listing = self.url_open("/my/rmas")
        self.assertEqual(listing.status_code, 200)
        names = self._rma_names(self.enduser)
        self.assertGreaterEqual(len(names), 2)
        for name in names:
            self.assertIn(name, listing.text)
        units = self.url_open("/my/units")
        self.assertEqual(units.status_code, 200)
        self.assertIn(DEMO_SERIAL_ENDUSER, units.text)

    def test_enduser_redeems_the_demo_code(self):
        self.assertEqual(self.lot.warranty_owner_id, self.enduser.partner_id)
        self.authenticate("enduser", "enduser")
        url = f"/my/units/{self.lot.id}"
        response = self.url_open(
            f"{url}/redeem",
            data={"code": DEMO_CODE_ENDUSER, "csrf_token": self._csrf(url)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303, response.text[:2000])
        code = self.env["rma.warranty.code"].search([("code", "=", DEMO_CODE_ENDUSER)])
        self.assertEqual(code.redeemed_lot_id, self.lot)

    def test_enduser_is_offered_extensions(self):
        self.authenticate("enduser", "enduser")
        page = self.url_open(f"/my/units/{self.lot.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn('class="o_rma_unit_extend"', page.text)

    def test_distributor_finds_what_it_filed_and_sold(self):
        self.authenticate("distributor", "distributor")
        listing = self.url_open("/my/rmas")
        self.assertEqual(listing.status_code, 200)
        names = self._rma_names(self.distributor)
        self.assertTrue(names)
        for name in names:
            self.assertIn(name, listing.text)
        units = self.url_open("/my/units")
        self.assertEqual(units.status_code, 200)
        self.assertIn("QN464-2301", units.text)
        # Not the end user's own unit, bought elsewhere.
        self.assertNotIn(DEMO_SERIAL_ENDUSER, units.text)

    def test_public_check_of_a_demo_serial(self):
        response = self.url_open(f"/warranty/check?serial={DEMO_SERIAL_ENDUSER}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.lot.product_id.name, response.text)
        self.assertNotIn(self.enduser.name, response.text)
