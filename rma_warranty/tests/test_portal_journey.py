# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 12: one end user's whole portal journey in a browser, from the public
warranty check to an extension paid with the demo provider."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import customer_today
from .test_portal_extension import PortalExtensionCommon
from .test_portal_request import PortalRequestCommon
from .test_portal_units import PDF


@tagged("post_install", "-at_install")
class TestPortalEndUserJourneyTour(PortalExtensionCommon):
    """A person who bought a unit from a reseller (not registered yet), with the
    warranty code that came in the box, and an extension offered for the product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journey_partner = cls.env["res.partner"].create(
            {"name": "Jana Journey", "email": "jana@example.com"}
        )
        cls.journey_user = new_test_user(
            cls.env,
            "journey_end",
            groups="base.group_portal",
            partner_id=cls.journey_partner.id,
            name=cls.journey_partner.name,
            password="journey_end",
        )
        cls.journey_lot = cls._create_lots(cls.product, ["JRN-0001"])
        cls._sell(cls.distributor, cls.product, lots=cls.journey_lot)
        cls.journey_code = cls.env["rma.warranty.code"].create(
            {"code": "JRNY-ABCD-EFGH-JKLM", "months": 12}
        )

    def setUp(self):
        super().setUp()
        module = self.env["ir.module.module"]._get("payment_demo")
        if module.state != "installed":
            self.skipTest("payment_demo is not installed")

    def test_end_user_journey_tour(self):
        """Check publicly, log in, file an RMA with a photo, register the unit with
        a receipt, redeem the code, buy and pay an extension: every record is there."""
        self.assertTrue(self.distributor.rma_reseller)
        self.assertFalse(self.journey_lot.warranty_registration_ids)
        rmas_before = self.env["rma.order"].search([])
        today = fields.Date.context_today(self.env.user)

        self.start_tour("/warranty/check", "rma_portal_enduser_journey_tour")

        # The request, filed by the end user for its own entity, with the photo.
        rma = self.env["rma.order"].search([]) - rmas_before
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.partner_id, self.journey_partner)
        self.assertEqual(rma.channel, "portal")
        # The reseller that sold the unit is the RMA's distributor: it follows it.
        self.assertEqual(rma.distributor_id, self.distributor)
        self.assertEqual(rma.line_ids.lot_id, self.journey_lot)
        self.assertEqual(rma.line_ids.fault_description, "The screen stays black")
        photo = self.env["ir.attachment"].search(
            [("res_model", "=", "rma.order"), ("res_id", "=", rma.id)]
        )
        self.assertEqual(photo.mapped("name"), ["black-screen.png"])
        self.assertEqual(photo.mimetype, "image/png")
        self.assertTrue(photo.raw.startswith(b"\x89PNG"))

        # The registration, with its receipt.
        self.journey_lot.invalidate_recordset()
        registration = self.journey_lot.warranty_registration_ids
        self.assertEqual(len(registration), 1)
        self.assertEqual(registration.partner_id, self.journey_partner)
        self.assertEqual(registration.purchase_date, today)
        self.assertEqual(registration.proof_attachment_ids.name, "receipt.pdf")
        self.assertEqual(self.journey_lot.warranty_owner_id, self.journey_partner)

        # The code, redeemed on this unit by this customer.
        self.assertEqual(self.journey_code.redeemed_lot_id, self.journey_lot)
        self.assertEqual(self.journey_code.redeemed_partner_id, self.journey_partner)
        code_period = self.journey_code.coverage_id
        self.assertEqual(code_period.kind, "extended")

        # The extension: a confirmed, signed sale order and its coverage period,
        # right after the code's, to the end of which the unit is covered.
        order = self._orders()
        self.assertEqual(len(order), 1)
        self.assertEqual(order.partner_id, self.journey_partner)
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.signature)
        self.assertEqual(order.order_line.product_id, self.ext_1y)
        self.assertEqual(order.order_line.warranty_lot_id, self.journey_lot)
        self.assertEqual(order.transaction_ids.state, "done")
        bought = self._extended(self.journey_lot) - code_period
        self.assertEqual(bought.sale_line_id, order.order_line)
        self.assertEqual(
            bought.date_start, fields.Date.add(code_period.date_end, days=1)
        )
        self.assertEqual(
            bought.date_end,
            bought.date_start + relativedelta(months=12) - relativedelta(days=1),
        )
        self.assertEqual(self.journey_lot.warranty_date_end, bought.date_end)


@tagged("post_install", "-at_install")
class TestPortalRequestResellerUnit(PortalRequestCommon):
    """The journey's first stop after the public check: the buyer of a unit a
    reseller sold on files a request for it before registering it. (The
    distributor of PortalRequestCommon is a reseller; PRQ-D2 is in its hands.)"""

    def test_buyer_files_a_resellers_unit_not_registered_yet(self):
        before = self._rmas()
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post([{"serial": "PRQ-D2", "fault_description": "Dead."}])
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(len(rma), 1)
        self.assertIn(f"/my/rmas/{rma.id}", response.headers["Location"])
        self.assertEqual(rma.partner_id, self.end_user)
        self.assertEqual(rma.channel, "portal")
        self.assertEqual(rma.distributor_id, self.distributor)
        self.assertEqual(rma.line_ids.lot_id.name, "PRQ-D2")
        # Filing moves nothing: the unit is still the reseller's until registered.
        self.assertEqual(self.dist_lots[1].warranty_owner_id, self.distributor)

    def test_not_a_unit_of_a_distributor_that_is_no_reseller(self):
        self.distributor.rma_reseller = False
        before = self._rmas()
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post([{"serial": "PRQ-D2", "fault_description": "Dead."}])
        self.assertRefused(response, "is registered to someone else")
        self.assertEqual(self._rmas(), before)

    def test_not_once_someone_else_registered_it(self):
        proof = self.env["ir.attachment"].create({"name": "p.pdf", "raw": PDF})
        self.env["rma.warranty.registration"]._register_unit(
            self.dist_lots[1],
            self.stranger,
            customer_today(self.dist_lots[1], self.stranger),
            proof,
        )
        before = self._rmas()
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post([{"serial": "PRQ-D2", "fault_description": "Dead."}])
        self.assertRefused(response, "is registered to someone else")
        self.assertEqual(self._rmas(), before)
