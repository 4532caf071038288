# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 14, service levels of repairs: free repair shipped, quote sent and paid
repair shipped, each met or missed when it happens."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from . import test_repair_flow


@tagged("post_install", "-at_install")
class TestIssue14SlaRepair(test_repair_flow.TestRepairFlow):
    """The repair world of TestRepairFlow (its own tests are not run again here)."""

    def _step(self, rma, key):
        steps = rma.sla_step_ids.filtered(lambda s: s.step == key)
        self.assertEqual(len(steps), 1, f"one {key} step")
        return steps

    def test_sla_free_repair_met(self):
        self.policy.shipping_in_warranty = "vendor"
        lot = self._unit("SLA-IN-1", months_ago=2)
        rma, line = self._received_repair(lot)
        self.assertTrue(line.entitlement_free_repair)
        free = self._step(rma, "free_repair")
        self.assertEqual(free.line_id, line)
        self.assertEqual(free.status, "running")
        self.assertGreater(free.date_deadline, free.date_start)
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.step == "quote"))
        self._diagnose(line)
        line.action_rma_quote()
        self._repair_and_ship(rma, line)
        self.assertEqual((free.status, free.hit), ("met", 1))

    def test_sla_quote_and_paid_repair(self):
        lot = self._unit("SLA-OUT-1", months_ago=40)
        rma, line = self._received_repair(lot)
        quote_step = self._step(rma, "quote")
        self.assertEqual(quote_step.status, "running")
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.step == "free_repair"))
        self._diagnose(line)
        line.action_rma_quote()
        self.assertEqual((quote_step.status, quote_step.hit), ("met", 1))
        self.assertFalse(rma.sla_step_ids.filtered(lambda s: s.step == "paid_repair"))
        line.quote_id.action_confirm()
        paid = self._step(rma, "paid_repair")
        self.assertEqual(paid.status, "running")
        # 10 working days after the acceptance: at least two weeks of calendar.
        self.assertGreaterEqual(
            paid.date_deadline - paid.date_start, timedelta(days=13)
        )
        self._repair_and_ship(rma, line)
        self.assertEqual((paid.status, paid.hit), ("met", 1))

    def test_sla_quote_missed(self):
        lot = self._unit("SLA-OUT-2", months_ago=40)
        rma, line = self._received_repair(lot)
        quote_step = self._step(rma, "quote")
        with freeze_time(fields.Datetime.now() + relativedelta(days=30)):
            self._diagnose(line)
            line.action_rma_quote()
        self.assertEqual((quote_step.status, quote_step.hit), ("missed", 0))


# Only the service-level tests above run in this class, not those it inherits.
for _name, _value in vars(test_repair_flow.TestRepairFlow).items():
    if _name.startswith("test_") and callable(_value):
        setattr(TestIssue14SlaRepair, _name, None)
