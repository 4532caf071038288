# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import datetime
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.rma_warranty_coverage import period_end
from .common import CommittedCase, RmaCommon, customer_today

ONE_DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestWarrantyExtensionSale(RmaCommon):
    """Extensions sold on sale orders: checked on confirmation, coverage given once
    when the order is confirmed (also by an online payment), taken back when it is
    cancelled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["rma.warranty.policy"].create(
            {"name": "NAS: 2 years, 5 in all", "warranty_months": 24}
        )
        cls.policy.max_total_months = 60
        cls.categ_storage = cls.env["product.category"].create({"name": "Storage"})
        cls.categ_nas = cls.env["product.category"].create(
            {"name": "NAS", "parent_id": cls.categ_storage.id}
        )
        cls.product.write(
            {"warranty_policy_id": cls.policy.id, "categ_id": cls.categ_nas.id}
        )
        cls.product_switch = cls.env["product.product"].create(
            {
                "name": "Switch 8-port",
                "is_storable": True,
                "tracking": "serial",
                "warranty_policy_id": cls.policy.id,
            }
        )
        # One year, for the NAS product by name; three years, for its parent category.
        cls.ext_1y = cls._create_extension(
            "Extended Warranty +1 year", 12, 79.0, templates=cls.product.product_tmpl_id
        )
        cls.ext_3y = cls._create_extension(
            "Extended Warranty +3 years", 36, 199.0, categories=cls.categ_storage
        )
        cls.lot_end_user, cls.lot_distributor, cls.lot_switch = cls._create_lots(
            cls.product, ["EXT-EU-1", "EXT-DIST-1"]
        ) + cls._create_lots(cls.product_switch, ["EXT-SW-1"])
        cls._sell(cls.end_user, cls.product, lots=cls.lot_end_user)
        cls._sell(cls.distributor, cls.product, lots=cls.lot_distributor)
        cls._sell(cls.end_user, cls.product_switch, lots=cls.lot_switch)
        cls.salesman = new_test_user(
            cls.env, "ext_salesman", groups="sales_team.group_sale_salesman"
        )

    @classmethod
    def _create_extension(cls, name, months, price, templates=None, categories=None):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": price,
                "is_warranty_extension": True,
                "warranty_extension_months": months,
                "warranty_extension_product_tmpl_ids": [
                    Command.set(templates.ids if templates else [])
                ],
                "warranty_extension_categ_ids": [
                    Command.set(categories.ids if categories else [])
                ],
            }
        )

    def _order(self, partner, lines, user=None):
        """A quotation for ``partner`` of (extension, serial) lines."""
        env = self.env(user=user) if user else self.env
        return env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "warranty_lot_id": lot.id if lot else False,
                        }
                    )
                    for product, lot in lines
                ],
            }
        )

    def _extended(self, lots):
        return self.env["rma.warranty.coverage"].search(
            [("lot_id", "in", lots.ids), ("kind", "=", "extended")],
            order="date_start",
        )

    def _standard_end(self, lot):
        return lot.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        ).date_end

    def _notes(self, lot):
        return lot.message_ids.filtered(lambda m: m.message_type == "notification")

    # ---- Products -------------------------------------------------------------------

    def test_extension_is_a_service_of_some_months(self):
        with self.assertRaises(ValidationError):
            self._create_extension("Boxed extension", 12, 10.0).type = "consu"
        with self.assertRaises(ValidationError):
            self._create_extension("Empty extension", 0, 10.0)

    def test_extension_product_form(self):
        action = self.env.ref("rma_warranty.product_template_action_warranty_extension")
        form = Form(
            self.env["product.template"].with_context(**safe_eval(action.context)),
            view="product.product_template_form_view",
        )
        form.name = "Extended Warranty +2 years"
        form.warranty_extension_months = 24
        form.warranty_extension_categ_ids.add(self.categ_storage)
        extension = form.save()
        self.assertRecordValues(
            extension,
            [{"type": "service", "is_warranty_extension": True}],
        )
        self.assertIn(
            extension,
            self.env["product.template"].search(safe_eval(action.domain)),
        )

    def test_eligible_products(self):
        products = self.product | self.product_switch
        self.assertEqual(
            self.ext_1y.product_tmpl_id._get_warranty_extension_eligible(products),
            self.product,
        )
        # The category of the extension matches its sub-categories.
        self.assertEqual(
            self.ext_3y.product_tmpl_id._get_warranty_extension_eligible(products),
            self.product,
        )
        anything = self._create_extension("Any extension", 12, 10.0)
        self.assertEqual(
            anything.product_tmpl_id._get_warranty_extension_eligible(products),
            products,
        )
        # ... but not a product whose policy allows no extension.
        self.product_switch.warranty_policy_id = self.env["rma.warranty.policy"].create(
            {"name": "No extension", "warranty_months": 12}
        )
        self.assertEqual(
            anything.product_tmpl_id._get_warranty_extension_eligible(products),
            self.product,
        )
        self.assertFalse(
            self.product.product_tmpl_id._get_warranty_extension_eligible(products)
        )

    # ---- Confirmation ----------------------------------------------------------------

    def test_confirm_extends_after_standard_warranty_once(self):
        order = self._order(
            self.end_user, [(self.ext_1y, self.lot_end_user)], user=self.salesman
        )
        line = order.order_line
        self.assertIn("EXT-EU-1", line.name)
        order.action_confirm()
        start = self._standard_end(self.lot_end_user) + ONE_DAY
        periods = self._extended(self.lot_end_user)
        self.assertRecordValues(
            periods,
            [
                {
                    "origin": "sale",
                    "sale_line_id": line.id,
                    "date_start": start,
                    "date_end": period_end(start, 12),
                    "partner_id": self.end_user.id,
                    "policy_id": self.policy.id,
                }
            ],
        )
        answer = self.lot_end_user._get_warranty_entitlement()[self.lot_end_user]
        self.assertEqual(answer.date_end, period_end(start, 12))
        self.assertIn(order.name, self._notes(self.lot_end_user)[:1].body)
        # Confirmation is guarded by the order's state: a second one is refused...
        with self.assertRaises(UserError):
            order.action_confirm()
        # ... and the hook itself gives nothing twice.
        order._action_confirm()
        self.assertEqual(self._extended(self.lot_end_user), periods)
        # The period follows the line: its serial no longer changes.
        with self.assertRaises(UserError):
            line.write({"warranty_lot_id": self.lot_distributor.id})

    def test_two_lines_of_one_serial_follow_each_other(self):
        order = self._order(
            self.end_user,
            [(self.ext_1y, self.lot_end_user), (self.ext_1y, self.lot_end_user)],
        )
        order.action_confirm()
        first, second = self._extended(self.lot_end_user)
        self.assertEqual(
            first.date_start, self._standard_end(self.lot_end_user) + ONE_DAY
        )
        self.assertEqual(second.date_start, first.date_end + ONE_DAY)
        self.assertEqual(second.date_end, period_end(second.date_start, 12))
        self.assertEqual(
            (first | second).sale_line_id.sorted("sequence"), order.order_line
        )
        # One note per period on the serial, the second one logged after the first.
        notes = self._notes(self.lot_end_user).filtered(
            lambda m: "Warranty extended" in m.body
        )
        self.assertEqual(len(notes), 2)
        self.assertIn(str(second.date_start), notes[0].body)
        self.assertIn(str(first.date_start), notes[1].body)

    def test_up_to_the_policy_maximum(self):
        """24 months standard + 36 of extension: exactly the 60 months allowed."""
        order = self._order(self.end_user, [(self.ext_3y, self.lot_end_user)])
        order.action_confirm()
        standard = self.lot_end_user.warranty_coverage_ids.filtered(
            lambda p: p.kind == "standard" and not p.component_id
        )
        self.assertEqual(
            self._extended(self.lot_end_user).date_end,
            period_end(standard.date_start, 60),
        )

    def test_over_the_maximum_refused_nothing_written(self):
        order = self._order(
            self.end_user,
            [(self.ext_3y, self.lot_end_user), (self.ext_1y, self.lot_end_user)],
        )
        notes = self._notes(self.lot_end_user)
        with self.assertRaisesRegex(UserError, "60 months in all"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._extended(self.lot_end_user))
        self.assertEqual(self._notes(self.lot_end_user), notes)

    def test_ineligible_product_refused(self):
        order = self._order(self.end_user, [(self.ext_1y, self.lot_switch)])
        with self.assertRaisesRegex(UserError, "does not apply to Switch 8-port"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._extended(self.lot_switch))

    def test_serial_of_another_customer_refused(self):
        order = self._order(self.end_user, [(self.ext_1y, self.lot_distributor)])
        with self.assertRaisesRegex(UserError, "does not belong to Erik End User"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._extended(self.lot_distributor))

    def test_distributor_extends_the_unit_of_its_customer(self):
        customer = self.env["res.partner"].create({"name": "Customer of Nordic"})
        proof = self.env["ir.attachment"].create(
            {"name": "receipt.pdf", "datas": base64.b64encode(b"%PDF-1.4 receipt")}
        )
        self.env["rma.warranty.registration"].create(
            {
                "lot_id": self.lot_distributor.id,
                "partner_id": customer.id,
                "purchase_date": customer_today(self.lot_distributor, customer),
                "proof_attachment_ids": [Command.set(proof.ids)],
            }
        )
        self.assertEqual(self.lot_distributor.warranty_owner_id, customer)
        self.assertEqual(self.lot_distributor.warranty_sold_to_id, self.distributor)
        # A contact of the distributor orders for the distributor's entity.
        buyer = self.env["res.partner"].create(
            {"name": "Nordic Purchasing", "parent_id": self.distributor.id}
        )
        order = self._order(buyer, [(self.ext_1y, self.lot_distributor)])
        order.action_confirm()
        self.assertRecordValues(
            self._extended(self.lot_distributor),
            [{"sale_line_id": order.order_line.id, "partner_id": customer.id}],
        )
        # The distributor's other customer cannot.
        other = self._order(self.end_user, [(self.ext_1y, self.lot_distributor)])
        with self.assertRaises(UserError):
            other.action_confirm()

    def test_line_needs_one_serial(self):
        order = self._order(self.end_user, [(self.ext_1y, None)])
        with self.assertRaisesRegex(UserError, "give the serial number"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        with self.assertRaises(ValidationError):
            order.order_line.write(
                {"warranty_lot_id": self.lot_end_user.id, "product_uom_qty": 2}
            )
        with self.assertRaises(ValidationError):
            self._order(self.end_user, [(self.product_untracked, self.lot_end_user)])

    def test_onchange_warns_of_a_refused_serial(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.end_user
        with order_form.order_line.new() as line:
            line.product_id = self.ext_1y
            with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
                line.warranty_lot_id = self.lot_distributor
            self.assertIn("does not belong", logs.output[0])
            line.warranty_lot_id = self.lot_end_user
        order = order_form.save()
        self.assertEqual(order.order_line.warranty_lot_id, self.lot_end_user)

    # ---- Cancellation ----------------------------------------------------------------

    def test_cancel_removes_and_reconfirm_gives_again(self):
        order = self._order(
            self.end_user, [(self.ext_1y, self.lot_end_user)], user=self.salesman
        )
        order.action_confirm()
        given = self._extended(self.lot_end_user)
        dates = given.read(["date_start", "date_end"])[0]
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(given.exists())
        self.assertIn("removed", self._notes(self.lot_end_user)[:1].body)
        order.action_draft()
        order.action_confirm()
        self.assertRecordValues(
            self._extended(self.lot_end_user),
            [
                {
                    "sale_line_id": order.order_line.id,
                    "date_start": dates["date_start"],
                    "date_end": dates["date_end"],
                }
            ],
        )

    # ---- Online payment --------------------------------------------------------------

    def test_online_payment_confirms_and_extends(self):
        """As on the portal: a done transaction's post-processing confirms the order
        (sale.payment.transaction._check_amount_and_confirm_order)."""
        method = self.env.ref("payment.payment_method_unknown")
        provider = self.env["payment.provider"].create(
            {
                "name": "Extension Test Provider",
                "code": "none",
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        order = self._order(self.end_user, [(self.ext_1y, self.lot_end_user)])
        # sudo: the payment provider's side of the test, as the server records a
        # transaction for a customer's online payment.
        tx = (
            self.env["payment.transaction"]
            .sudo()  # sudo: see the comment above
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "amount": order.amount_total,
                    "currency_id": order.currency_id.id,
                    "partner_id": self.end_user.id,
                    "reference": order.name,
                    "operation": "online_redirect",
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )
        # As payment's own tests (PaymentCommon): the accounting of the payment is
        # not set up for a test provider; sale's post-processing runs unchanged.
        with patch(
            "odoo.addons.account_payment.models.payment_transaction"
            ".PaymentTransaction._post_process"
        ):
            tx._set_done()
            tx._post_process()
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            self._extended(self.lot_end_user),
            [{"origin": "sale", "sale_line_id": order.order_line.id}],
        )


@tagged("post_install", "-at_install")
class TestWarrantyExtensionSaleConcurrency(CommittedCase):
    """Two workers confirm one extension order at once (a salesperson and the
    payment's post-processing): the serial's lock lets one of them give the
    coverage; the other is refused and its retry finds the order confirmed.
    Commits its own data, removes it."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            product = self._create_extendable_product(env, "Concurrency NAS", 24)
            policy = product.warranty_policy_id
            extension = env["product.product"].create(
                {
                    "name": "Concurrency +1 year",
                    "type": "service",
                    "is_warranty_extension": True,
                    "warranty_extension_months": 12,
                }
            )
            partner = env["res.partner"].create({"name": "Concurrent Buyer"})
            lot = env["stock.lot"].create(
                {
                    "name": "CONC-EXT-1",
                    "product_id": product.id,
                    "company_id": env.company.id,
                }
            )
            # The standard period a delivery today would give.
            today = lot._warranty_today()[lot]
            env["rma.warranty.coverage"].create(
                {
                    "lot_id": lot.id,
                    "product_id": product.id,
                    "company_id": env.company.id,
                    "policy_id": policy.id,
                    "kind": "standard",
                    "origin": "delivery",
                    "date_start": today,
                    "date_end": period_end(today, 24),
                }
            )
            lot.write(
                {"warranty_owner_id": partner.id, "warranty_sold_to_id": partner.id}
            )
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {"product_id": extension.id, "warranty_lot_id": lot.id}
                        )
                    ],
                }
            )
            # As once the quotation was sent: confirming subscribes no one more.
            order.message_subscribe([partner.id])
            self.ids = {
                "order": order.id,
                "lot": lot.id,
                "products": (product | extension).ids,
                "policy": policy.id,
                "partner": partner.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            order = env["sale.order"].browse(self.ids["order"]).exists()
            if order.state == "sale":
                order.with_context(disable_cancel_warning=True).action_cancel()
            order.unlink()
            lot = env["stock.lot"].browse(self.ids["lot"])
            env["rma.warranty.coverage"].search([("lot_id", "=", lot.id)]).unlink()
            lot.unlink()
            products = env["product.product"].browse(self.ids["products"])
            templates = products.product_tmpl_id
            products.unlink()
            templates.exists().unlink()
            env["rma.warranty.policy"].browse(self.ids["policy"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _periods(self, env):
        return env["rma.warranty.coverage"].search(
            [("sale_line_id.order_id", "=", self.ids["order"])]
        )

    def test_two_workers_confirm_once(self):
        with self._two_workers() as (cr1, cr2):
            order1 = self._env(cr1)["sale.order"].browse(self.ids["order"])
            order2 = self._env(cr2)["sale.order"].browse(self.ids["order"])
            # Both workers loaded the quotation before either acted.
            self.assertEqual(order1.state, "draft")
            self.assertEqual(order2.state, "draft")
            order1.action_confirm()
            cr1.commit()
            # The second worker still sees a quotation; extending the serial the
            # first one extended since this transaction began is refused (the
            # serial's row lock), and its periods go with its transaction.
            with self.assertRaisesRegex(UserError, "being updated by someone else"):
                order2.action_confirm()
                order2.env.flush_all()
            cr2.rollback()
        with self.registry.cursor() as cr3:
            env = self._env(cr3)
            order3 = env["sale.order"].browse(self.ids["order"])
            # The retry (a new transaction) sees the confirmed order and refuses.
            with self.assertRaisesRegex(UserError, "not in a state requiring"):
                order3.action_confirm()
            self.assertEqual(order3.state, "sale")
            self.assertEqual(len(self._periods(env)), 1)
