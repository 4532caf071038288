# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import tagged

from .test_portal_units import PDF, PortalUnitsCommon


@tagged("post_install", "-at_install")
class TestPortalRegisterWhoseUnit(PortalUnitsCommon):
    """Who may register a unit in the portal: the buyer of a unit a reseller sold
    on, or the customer we sold it to; never someone else who knows a serial we
    delivered to a customer directly (registering moves the ownership, the
    certificate and the right to extend it)."""

    def _register(self, login, serial):
        self.authenticate(login, login)
        page = self.url_open("/my/units/register")
        marker = 'name="csrf_token" value="'
        start = page.text.index(marker) + len(marker)
        return self.url_open(
            "/my/units/register",
            data={
                "serial": serial,
                "purchase_date": str(fields.Date.context_today(self.end_login)),
                "csrf_token": page.text[start : page.text.index('"', start)],
            },
            files={"proof": ("receipt.pdf", PDF)},
            allow_redirects=False,
        )

    def test_unit_sold_direct_is_not_anyone_elses_to_register(self):
        self.assertFalse(self.lot_direct.warranty_registration_ids)
        response = self._register("units_other", "UNITS-DIRECT")
        self.assertEqual(response.status_code, 400, response.text[:1000])
        self.assertIn("cannot be registered", response.text)
        self.lot_direct.invalidate_recordset()
        self.assertFalse(self.lot_direct.warranty_registration_ids)
        self.assertEqual(self.lot_direct.warranty_owner_id, self.end_user)

    def test_its_buyer_registers_it(self):
        response = self._register("units_end", "UNITS-DIRECT")
        self.assertEqual(response.status_code, 303, response.text[:1000])
        self.assertEqual(
            self.lot_direct.warranty_registration_ids.partner_id, self.end_user
        )

    def test_units_of_a_reseller_are_registered_by_their_buyer(self):
        response = self._register("units_other", "UNITS-DIST")
        self.assertEqual(response.status_code, 303, response.text[:1000])
        self.assertEqual(self.lot_stock_dist.warranty_owner_id, self.other_partner)

    def test_not_once_the_distributor_is_no_reseller(self):
        self.distributor.rma_reseller = False
        response = self._register("units_other", "UNITS-DIST")
        self.assertEqual(response.status_code, 400, response.text[:1000])
        self.assertFalse(self.lot_stock_dist.warranty_registration_ids)

    def test_the_flag_is_the_companys(self):
        self.assertTrue(self.dist_contact.rma_reseller)
        self.distributor.rma_reseller = False
        self.assertFalse(self.dist_contact.rma_reseller)
