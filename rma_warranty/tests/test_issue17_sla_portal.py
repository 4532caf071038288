# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 17, priority on the portal: chosen when filing (normal or high; urgent is
given by staff), refused clearly when wrong, shown on the RMA's portal page to its
customer only."""

import re

from odoo.tests import tagged

from .test_portal_request import PortalRequestCommon


@tagged("post_install", "-at_install")
class TestIssue17SlaPortalPriority(PortalRequestCommon):
    def _file(self, **fields):
        return self._post(
            [{"serial": "PRQ-E1", "fault_description": "Does not boot"}], **fields
        )

    def test_form_offers_normal_and_high(self):
        self.authenticate("prq_enduser", "prq_enduser")
        response, __, __ = self._form()
        select = re.search(
            r'<select[^>]*name="priority"[^>]*>(.*?)</select>', response.text, re.DOTALL
        )
        self.assertTrue(select, "a priority select")
        self.assertEqual(re.findall(r'value="(\d)"', select.group(1)), ["0", "1"])

    def test_customer_files_a_high_priority_request(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._file(priority="1")
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(rma.priority, "1")
        page = self.url_open(f"/my/rmas/{rma.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="rma_priority"', page.text)
        self.assertIn("High", page.text)
        # Another customer does not see it.
        self.authenticate("prq_distributor", "prq_distributor")
        page = self.url_open(f"/my/rmas/{rma.id}", allow_redirects=False)
        self.assertNotEqual(page.status_code, 200)
        self.assertNotIn('id="rma_priority"', page.text)
        # Nor does a wrong token.
        self.authenticate(None, None)
        page = self.url_open(
            f"/my/rmas/{rma.id}?access_token=wrong", allow_redirects=False
        )
        self.assertNotEqual(page.status_code, 200)
        self.assertNotIn('id="rma_priority"', page.text)

    def test_no_priority_is_normal(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._file()
        self.assertEqual(response.status_code, 303, response.text[-800:])
        rma = self._rmas() - before
        self.assertEqual(rma.priority, "0")
        page = self.url_open(f"/my/rmas/{rma.id}")
        self.assertNotIn('id="rma_priority"', page.text)

    def test_urgent_or_wrong_values_are_refused(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        for value in ("2", "3", "-1", "high", "1 ", "0x1", "1e0", "[1]", "\x00"):
            response = self._file(priority=value)
            self.assertRefused(response, "Choose a priority of the list")
            # The form is shown again with its values.
            self.assertIn("PRQ-E1", response.text)
        self.assertEqual(self._rmas(), before)

    def test_wrong_csrf_files_nothing(self):
        self.authenticate("prq_enduser", "prq_enduser")
        before = self._rmas()
        response = self._file(priority="1", csrf="not-the-csrf")
        self.assertGreaterEqual(response.status_code, 400)
        self.assertLess(response.status_code, 500)
        self.assertEqual(self._rmas(), before)

    def test_model_refuses_wrong_types(self):
        Rma = self.env["rma.order"]
        self.assertEqual(Rma._portal_request_priority(None), "0")
        self.assertEqual(Rma._portal_request_priority("1"), "1")
        for value in (2, 1.0, ["1"], {"1": 1}, "2"):
            with self.assertRaisesRegex(Exception, "Choose a priority of the list"):
                Rma._portal_request_priority(value)
