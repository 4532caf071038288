# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 11: the fields that carry a decision (state, RMA number,
entitlement, void, QC result, owner of a serial) change only through their actions;
over RPC (``with_user(...)`` calls, as XML-RPC makes them) and imports they are
refused."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIssue11DecisionFields(RmaCommon):
    """Item 11: the fields that carry a decision change only through the action
    that decides them; a direct write (RPC, import) is refused and names it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = new_test_user(
            cls.env,
            "issue11_stock_user",
            groups="stock.group_stock_user,stock.group_production_lot",
        )
        cls.lot = cls._create_lots(cls.product, ["SN-I11-DEC-1"])[0]
        cls._sell(cls.end_user, cls.product, lots=cls.lot)
        cls.rma = cls.env["rma.order"].create(
            {
                "partner_id": cls.end_user.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "lot_id": cls.lot.id,
                            "quantity": 1,
                            "resolution": "repair",
                        }
                    )
                ],
            }
        )

    def test_rma_decision_fields_refused_over_rpc(self):
        rma = self.rma.with_user(self.rma_user)
        before = (rma.state, rma.name, rma.is_request_ref, rma.shipping_hold)
        for vals, action in (
            ({"state": "approved"}, "Approve"),
            ({"name": "RMA/FORGED/0001"}, "Approve"),
            ({"is_request_ref": False}, "Approve"),
            ({"shipping_hold": True}, "Release Shipping"),
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, action):
                rma.write(vals)
        rma.invalidate_recordset()
        self.assertEqual(
            (rma.state, rma.name, rma.is_request_ref, rma.shipping_hold), before
        )
        # Other fields stay editable, in the same call as before.
        rma.write({"troubleshooting": "Rebooted twice."})
        self.assertEqual(rma.troubleshooting, "Rebooted twice.")

    def test_rma_created_with_decision_fields_refused(self):
        Rma = self.env["rma.order"].with_user(self.rma_user)
        vals = {"partner_id": self.end_user.id, "warehouse_id": self.warehouse.id}
        for forged in (
            {"state": "approved"},
            {"name": "RMA/FORGED/0002", "is_request_ref": False},
        ):
            with (
                self.subTest(forged=forged),
                self.assertRaisesRegex(AccessError, "Approve"),
            ):
                Rma.create(dict(vals, **forged))
        # Without them, the request gets its reference as always.
        rma = Rma.create(vals)
        self.assertEqual(rma.state, "draft")
        self.assertTrue(rma.is_request_ref)
        self.assertNotEqual(rma.name, self.env._("New"))

    def test_context_defaults_decide_nothing(self):
        """The RPC caller sets the context: its defaults of decision fields are
        ignored (the fields get their own defaults)."""
        rma = (
            self.env["rma.order"]
            .with_user(self.rma_user)
            .with_context(
                default_state="approved",
                default_is_request_ref=False,
                default_shipping_hold=True,
            )
            .create(
                {
                    "partner_id": self.end_user.id,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_untracked.id,
                                "entitlement_kind": False,
                            }
                        )
                    ],
                }
            )
        )
        self.assertEqual(
            (rma.state, rma.is_request_ref, rma.shipping_hold), ("draft", True, False)
        )
        self.assertEqual(rma.line_ids.state, "draft")

    def test_import_of_decision_fields_refused(self):
        Rma = self.env["rma.order"].with_user(self.rma_user)
        count = Rma.search_count([])
        result = Rma.load(
            ["partner_id/.id", "warehouse_id/.id", "state"],
            [[str(self.end_user.id), str(self.warehouse.id), "done"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("Approve", " ".join(m["message"] for m in result["messages"]))
        self.assertEqual(Rma.search_count([]), count)

    def test_unit_decision_fields_refused_over_rpc(self):
        self.rma.action_submit()
        line = self.rma.line_ids.with_user(self.rma_user)
        before = (line.entitlement_kind, line.damage_void, line.qc_result)
        for vals, action in (
            ({"entitlement_kind": "warranty"}, "Override Entitlement"),
            ({"entitlement_override_reason": "Because."}, "Override Entitlement"),
            ({"entitlement_date_end": "2099-12-31"}, "Override Entitlement"),
            ({"damage_void": True}, "damage class"),
            ({"qc_result": "pass"}, "quality check"),
            ({"state": "done"}, "RMA"),
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, action):
                line.write(vals)
        line.invalidate_recordset()
        self.assertEqual(
            (line.entitlement_kind, line.damage_void, line.qc_result), before
        )
        self.assertEqual(line.state, "submitted")
        line.write({"diagnosis": "Fan noise."})
        self.assertEqual(line.diagnosis, "Fan noise.")

    def test_unit_created_with_entitlement_refused(self):
        Line = self.env["rma.order.line"].with_user(self.rma_user)
        with self.assertRaisesRegex(AccessError, "Override Entitlement"):
            Line.create(
                {
                    "order_id": self.rma.id,
                    "product_id": self.product_untracked.id,
                    "entitlement_kind": "swap",
                }
            )

    def test_serial_owner_refused_to_inventory_user(self):
        lot = self.lot.with_user(self.stock_user)
        owner = lot.warranty_owner_id
        self.assertEqual(owner, self.end_user)
        for fname in ("warranty_owner_id", "warranty_sold_to_id"):
            with (
                self.subTest(fname=fname),
                self.assertRaisesRegex(AccessError, "registration"),
            ):
                lot.write({fname: self.distributor.id})
        with self.assertRaisesRegex(AccessError, "registration"):
            self.env["stock.lot"].with_user(self.stock_user).create(
                {
                    "name": "SN-I11-FORGED",
                    "product_id": self.product.id,
                    "warranty_owner_id": self.distributor.id,
                }
            )
        lot.invalidate_recordset()
        self.assertEqual(lot.warranty_owner_id, self.end_user)
        lot.write({"note": "<p>Scratched housing.</p>"})

    def test_actions_still_decide_and_tracking_names_the_user(self):
        rma = self.rma.with_context(tracking_disable=False).with_user(self.rma_user)
        for action in (rma.action_submit, rma.action_approve):
            action()
            self.env.flush_all()
            self.env.cr.precommit.run()  # the tracking messages, as on commit
        self.assertEqual(rma.state, "approved")
        self.assertFalse(rma.is_request_ref)
        self.assertEqual(rma.write_uid, self.rma_user)
        self.rma.invalidate_recordset(["message_ids"])
        tracked = self.rma.message_ids.filtered(
            lambda m: "state" in m.tracking_value_ids.field_id.mapped("name")
        )
        self.assertIn(
            "Approved",
            tracked.tracking_value_ids.filtered(
                lambda t: t.field_id.name == "state"
            ).mapped("new_value_char"),
        )
        self.assertEqual(tracked.author_id, self.rma_user.partner_id)
        # The override wizard is the way to decide the entitlement by hand.
        line = rma.line_ids
        wizard = Form(
            self.env["rma.entitlement.override"]
            .with_user(self.rma_user)
            .with_context(**line.action_open_entitlement_override()["context"])
        )
        wizard.kind = "goodwill"
        wizard.reason = "Loyal customer."
        wizard.save().action_confirm()
        self.assertEqual(line.entitlement_kind, "goodwill")
        self.assertEqual(line.entitlement_override_reason, "Loyal customer.")
        # A customer-caused damage class found by the diagnosis voids coverage.
        self.product.warranty_policy_id = self.env["rma.warranty.policy"].create(
            {"name": "Voidable", "warranty_months": 24, "damage_voids": True}
        )
        line.with_user(self.rma_user).write({"damage_class": "housing"})
        self.assertTrue(line.damage_void)
        self.assertEqual(line.entitlement_kind, "none")

    def test_rma_user_form_still_saves(self):
        """The web client sends no readonly field: the form creates and edits."""
        with Form(self.env["rma.order"].with_user(self.rma_user)) as form:
            form.partner_id = self.end_user
            with form.line_ids.new() as line:
                line.product_id = self.product
                line.lot_id = self.lot
                line.resolution = "refund"
        rma = form.record
        self.assertEqual(rma.state, "draft")
        rma.action_submit()
        self.assertTrue(rma.line_ids.entitlement_date)
        with Form(rma.with_user(self.rma_user)) as form:
            form.troubleshooting = "Checked the cable."
        self.assertEqual(rma.troubleshooting, "Checked the cable.")
