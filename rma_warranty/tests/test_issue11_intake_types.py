# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 11, item 17: wrong-typed arguments from RPC get a clear answer, not a
traceback; public actions take no arguments."""

import inspect

from odoo import api
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from .common import RmaCommon


@tagged("post_install", "-at_install")
class TestIntakeWrongTypes(RmaCommon):
    """Item 17: wrong-typed arguments get a clear error, not a traceback."""

    WRONG = [5, {"state": "draft"}, 1.5, True, ["draft"]]

    def _assert_finds_nothing(self, model, fname, value):
        """As core does for a stored selection field: a value of the wrong type is
        compared as text, a code no record has."""
        with self.subTest(model=model._name, fname=fname, value=value):
            everything = model.search([])
            # .ids: a search runs its query when its records are first used.
            if not isinstance(value, list):  # "=" a list means "in" that list
                self.assertFalse(model.search([(fname, "=", value)]).ids)
                self.assertEqual(model.search([(fname, "!=", value)]), everything)
            self.assertFalse(model.search([(fname, "in", [value])]).ids)
            self.assertEqual(model.search([(fname, "not in", [value])]), everything)

    def test_search_selection_with_wrong_type(self):
        self._new_rma(self.end_user, [(self.product_untracked, None, 1)])
        lot = self._create_lots(self.product, ["SN-WRONG-TYPE"])
        self._sell(self.end_user, self.product, lots=lot)
        self.env["rma.warranty.code"].create({"months": 12})
        user = self.rma_user
        for value in self.WRONG:
            self._assert_finds_nothing(
                self.env["rma.order"].with_user(user), "state", value
            )
            self._assert_finds_nothing(
                self.env["rma.order.line"].with_user(user), "order_id.state", value
            )
            self._assert_finds_nothing(
                self.env["stock.lot"].with_user(user), "warranty_kind", value
            )
            self._assert_finds_nothing(
                self.env["rma.warranty.code"].with_user(self.rma_manager),
                "state",
                value,
            )

    def test_search_selection_with_right_type_still_works(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1)])
        Order = self.env["rma.order"].with_user(self.rma_user)
        self.assertIn(rma, Order.search([("state", "=", "draft")]))
        self.assertIn(rma, Order.search([("state", "in", ["draft", False])]))
        self.assertNotIn(rma, Order.search([("state", "!=", "draft")]))
        lot = self._create_lots(self.product, ["SN-RIGHT-TYPE"])
        self._sell(self.end_user, self.product, lots=lot)
        Lot = self.env["stock.lot"].with_user(self.rma_user)
        kind = lot.warranty_kind
        self.assertTrue(kind)
        self.assertIn(lot, Lot.search([("warranty_kind", "in", [kind, False])]))
        self.assertNotIn(lot, Lot.search([("warranty_kind", "!=", kind)]))
        code = self.env["rma.warranty.code"].create({"months": 12})
        Code = self.env["rma.warranty.code"]
        self.assertIn(code, Code.search([("state", "=", "available")]))
        self.assertNotIn(code, Code.search([("state", "not in", ["available"])]))

    def _rpc(self, records, method, *args):
        """Call ``method`` as XML-RPC and /web/dataset/call_kw do."""
        get_public_method(records, method)
        return api.call_kw(records, method, [records.ids, *args], {})

    def test_rpc_reject_with_wrong_argument(self):
        rma = self._new_rma(self.end_user, [(self.product_untracked, None, 1)])
        rma.action_submit()
        rma = rma.with_user(self.rma_user)
        with self.assertRaisesRegex(AttributeError, "does not exist"):
            self._rpc(rma, "action_reject", 123)
        with self.assertRaisesRegex(AccessError, "Private methods"):
            self._rpc(rma, "_reject", "Not covered.")
        self.assertEqual(rma.state, "submitted")

    def test_public_actions_take_no_arguments(self):
        offenders = []
        for model_name in self.env.registry:
            for cls in type(self.env[model_name]).mro():
                if not cls.__module__.startswith("odoo.addons.rma_warranty."):
                    continue
                for name, member in vars(cls).items():
                    if not (name.startswith("action_") and callable(member)):
                        continue
                    params = list(inspect.signature(member).parameters)[1:]
                    if params:
                        offenders.append(f"{model_name}.{name}({', '.join(params)})")
        self.assertEqual(sorted(set(offenders)), [])

    def test_code_with_wrong_type(self):
        Code = self.env["rma.warranty.code"].with_user(self.rma_manager)
        for value in (123, ["ABC"], {"code": "ABC"}, 12.5):
            with (
                self.subTest(value=value),
                self.env.cr.savepoint(),
                self.assertRaisesRegex(UserError, "warranty code"),
            ):
                Code.create({"code": value, "months": 12})
        code = Code.create({"code": " abcd-2345 ", "months": 12})
        self.assertEqual(code.code, "ABCD-2345")
        with self.assertRaisesRegex(UserError, "warranty code"):
            code.write({"code": 42})
        self.assertEqual(code.code, "ABCD-2345")

    def test_qc_is_recorded_through_its_buttons(self):
        line_model = self.env["rma.order.line"].with_user(self.rma_user)
        with self.assertRaisesRegex(AttributeError, "does not exist"):
            get_public_method(line_model, "action_rma_qc")
        get_public_method(line_model, "action_rma_qc_pass")
        get_public_method(line_model, "action_rma_qc_fail")
