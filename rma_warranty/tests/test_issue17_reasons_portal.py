# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .test_portal_request import PortalRequestCommon


class ReasonPortalCommon(PortalRequestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Reason = cls.env["rma.reason"]
        cls.reason_doa = Reason.create(
            {"name": "PRS Dead on arrival", "allow_replace": True, "allow_refund": True}
        )
        cls.reason_transit = Reason.create({"name": "PRS Damaged in transit"})
        cls.reason_archived = Reason.create({"name": "PRS Old", "active": False})
        cls.company_b = cls.env["res.company"].create({"name": "PRS Company B"})
        cls.reason_b = Reason.create(
            {"name": "PRS Other company", "company_id": cls.company_b.id}
        )


@tagged("post_install", "-at_install")
class TestIssue17ReasonPortal(ReasonPortalCommon):
    def test_form_offers_the_company_reasons(self):
        self.authenticate("prq_enduser", "prq_enduser")
        response, _csrf, _token = self._form()
        self.assertIn('name="unit-0-reason_id"', response.text)
        self.assertIn("PRS Dead on arrival", response.text)
        self.assertIn("PRS Damaged in transit", response.text)
        self.assertNotIn("PRS Other company", response.text)
        self.assertNotIn("PRS Old", response.text)

    def test_end_user_files_with_reasons_shown_on_the_page(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._post(
            [
                {
                    "serial": "PRQ-E1",
                    "fault_description": "Never started",
                    "reason_id": str(self.reason_doa.id),
                },
                {"serial": "PRQ-E2", "fault_description": "Fan noise"},
            ]
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(rma.state, "submitted")
        by_serial = {line.lot_id.name: line.reason_id for line in rma.line_ids}
        self.assertEqual(
            by_serial, {"PRQ-E1": self.reason_doa, "PRQ-E2": self.env["rma.reason"]}
        )
        page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn("PRS Dead on arrival", page.text)
        self.assertIn("o_rma_unit_reason", page.text)

    def test_distributor_files_for_its_customer_with_a_reason(self):
        self.authenticate("prq_distributor", "prq_distributor")
        before = self._rmas()
        response = self._post(
            [
                {
                    "serial": "PRQ-D1",
                    "fault_description": "Box crushed",
                    "reason_id": str(self.reason_transit.id),
                }
            ],
            customer_mode="contact",
            customer_id=str(self.dist_customer.id),
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(rma.channel, "distributor")
        self.assertEqual(rma.line_ids.reason_id, self.reason_transit)

    @mute_logger("odoo.http")
    def test_wrong_reasons_are_refused_clearly(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        for value, message in (
            (str(self.reason_b.id), "choose the reason of the return from the list"),
            (str(self.reason_archived.id), "choose the reason of the return from"),
            ("999999999", "choose the reason of the return from the list"),
            ("abc", "choose the reason of the return from the list"),
            ("1.5", "choose the reason of the return from the list"),
            ("-3", "choose the reason of the return from the list"),
            ("1e3", "choose the reason of the return from the list"),
        ):
            with self.subTest(value=value):
                response = self._post(
                    [
                        {
                            "serial": "PRQ-E1",
                            "fault_description": "Broken",
                            "reason_id": value,
                        }
                    ]
                )
                self.assertRefused(response, message)
                self.assertNotIn("PRS Other company", response.text)
        self.assertEqual(self._rmas(), before)

    @mute_logger("odoo.http")
    def test_required_reason_on_the_portal(self):
        self.company.rma_reason_required = True
        self.authenticate("prq_enduser", "prq_enduser")
        response, _csrf, _token = self._form()
        self.assertIn("Choose the reason...", response.text)
        before = self._rmas()
        response = self._post([{"serial": "PRQ-E1", "fault_description": "Broken"}])
        self.assertRefused(response, "Serial number PRQ-E1: choose the reason of the")
        self.assertEqual(self._rmas(), before)
        response = self._post(
            [
                {
                    "serial": "PRQ-E1",
                    "fault_description": "Broken",
                    "reason_id": str(self.reason_doa.id),
                }
            ]
        )
        self.assertEqual(response.status_code, 303, response.text[-800:])
        self.assertEqual((self._rmas() - before).line_ids.reason_id, self.reason_doa)

    @mute_logger("odoo.http")
    def test_refused_form_keeps_the_reason(self):
        self.authenticate("prq_enduser", "prq_enduser")
        response = self._post(
            [
                {
                    "serial": "PRQ-E1",
                    "fault_description": "",
                    "reason_id": str(self.reason_transit.id),
                }
            ]
        )
        self.assertEqual(response.status_code, 400)
        self.assertRegex(
            response.text,
            rf'<option value="{self.reason_transit.id}" selected=',
        )


@tagged("post_install", "-at_install")
class TestIssue17ReasonRpc(ReasonPortalCommon):
    @mute_logger("odoo.http")
    def test_rpc_write_of_a_forbidden_resolution_is_refused(self):
        rma = self._new_rma(
            self.end_user,
            [
                {
                    "product_id": self.product.id,
                    "lot_id": self.end_lots[0].id,
                    "quantity": 1.0,
                    "reason_id": self.reason_doa.id,
                }
            ],
            user=self.rma_user,
        )
        line = rma.line_ids
        self.authenticate(self.rma_user.login, self.rma_user.login)

        def call(method, args):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "rma.order.line",
                    "method": method,
                    "args": args,
                    "kwargs": {},
                },
            )

        with self.assertRaises(JsonRpcException) as refused:
            call("write", [line.ids, {"resolution": "repair"}])
        self.assertIn("ValidationError", str(refused.exception))
        line.invalidate_recordset()
        self.assertFalse(line.resolution)
        self.assertTrue(call("write", [line.ids, {"resolution": "replace"}]))
        line.invalidate_recordset()
        self.assertEqual(line.resolution, "replace")
        # Another company's reason over RPC: refused as well.
        with self.assertRaises(JsonRpcException):
            call("write", [line.ids, {"reason_id": self.reason_b.id}])
        # A portal user cannot write units at all.
        self.authenticate("prq_enduser", "prq_enduser")
        with self.assertRaises(JsonRpcException):
            call("write", [line.ids, {"resolution": "repair"}])
