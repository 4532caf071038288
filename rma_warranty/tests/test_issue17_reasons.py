# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RmaCommon


class ReasonCommon(RmaCommon):
    """Two reasons of the company (one allowing a swap or a refund only, one
    allowing everything), a reason of another company, and two units sold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Reason = cls.env["rma.reason"]
        cls.reason_doa = Reason.create(
            {"name": "RSN Dead on arrival", "allow_replace": True, "allow_refund": True}
        )
        cls.reason_any = Reason.create({"name": "RSN Anything", "sequence": 20})
        cls.company_b = cls.env["res.company"].create({"name": "RSN Company B"})
        cls.reason_b = Reason.create(
            {"name": "RSN Company B reason", "company_id": cls.company_b.id}
        )
        cls.lots = cls._create_lots(cls.product, ["RSN-1", "RSN-2"])
        cls._sell(cls.end_user, cls.product, lots=cls.lots)

    def _unit(self, lot, reason=None, **vals):
        return {
            "product_id": self.product.id,
            "lot_id": lot.id,
            "quantity": 1.0,
            "reason_id": reason.id if reason else False,
            **vals,
        }

    def _rma(self, *units, user=None):
        return self._new_rma(self.end_user, list(units), user=user or self.rma_user)


@tagged("post_install", "-at_install")
class TestIssue17ReasonResolutions(ReasonCommon):
    def test_reason_allows_its_resolutions_and_a_rejection(self):
        rma = self._rma(self._unit(self.lots[0], self.reason_doa))
        line = rma.line_ids.with_user(self.rma_user)
        for resolution in ("replace", "refund", "reject"):
            line.write({"resolution": resolution})
            self.assertEqual(line.resolution, resolution)
        for resolution in ("repair", "return", "scrap"):
            with self.subTest(resolution=resolution):
                with (
                    self.assertRaisesRegex(UserError, "does not allow the resolution"),
                    self.cr.savepoint(),
                ):
                    line.write({"resolution": resolution})
                line.invalidate_recordset()
                self.assertEqual(line.resolution, "reject")
        self.assertEqual(
            self.reason_doa.allowed_resolutions_label, "Refund, Replace, Reject"
        )

    def test_reason_without_ticks_allows_everything(self):
        rma = self._rma(self._unit(self.lots[0], self.reason_any))
        line = rma.line_ids.with_user(self.rma_user)
        selection = line._fields["resolution"].selection
        for resolution, _label in selection:
            line.write({"resolution": resolution})
        self.assertEqual(
            self.reason_any._rma_allowed_resolutions(), {key for key, _ in selection}
        )

    def test_refused_on_create_and_when_the_reason_changes(self):
        with self.assertRaisesRegex(UserError, "does not allow the resolution"):
            self._rma(self._unit(self.lots[0], self.reason_doa, resolution="repair"))
        rma = self._rma(self._unit(self.lots[0], resolution="repair"))
        line = rma.line_ids.with_user(self.rma_user)
        with self.assertRaisesRegex(UserError, "does not allow the resolution"):
            line.write({"reason_id": self.reason_doa.id})
        # A batch: one wrong unit refuses the whole write.
        rma2 = self._rma(
            self._unit(self.lots[0], self.reason_any, resolution="scrap"),
            self._unit(self.lots[1], self.reason_any, resolution="replace"),
        )
        with self.assertRaisesRegex(UserError, "RSN-1"):
            rma2.line_ids.with_user(self.rma_user).write(
                {"reason_id": self.reason_doa.id}
            )

    def test_backend_form_refuses_a_resolution_the_reason_forbids(self):
        rma = self._rma(self._unit(self.lots[0]))
        form = Form(rma.with_user(self.rma_user))
        with form.line_ids.edit(0) as line:
            line.reason_id = self.reason_doa
            line.resolution = "repair"
        with self.assertRaisesRegex(UserError, "does not allow the resolution"):
            form.save()
        form = Form(rma.with_user(self.rma_user))
        with form.line_ids.edit(0) as line:
            line.reason_id = self.reason_doa
            line.resolution = "replace"
        form.save()
        self.assertEqual(rma.line_ids.reason_id, self.reason_doa)

    def test_refused_quote_actions_follow_the_reason(self):
        """The buttons of a refused repair quote set the resolution (return as-is,
        scrap): refused when the unit's reason does not allow it."""
        repair_only = self.env["rma.reason"].create(
            {"name": "RSN Repair only", "allow_repair": True}
        )
        rma = self._rma(
            self._unit(self.lots[0], repair_only, resolution="repair"),
            self._unit(self.lots[1], self.reason_any, resolution="repair"),
        )
        rma = rma.with_user(self.rma_user)
        rma.action_submit()
        rma.action_approve()
        self._receive(rma)
        rma.line_ids.sudo().repair_refused = True
        strict, free = rma.line_ids
        self.assertEqual(strict.repair_status, "refused")
        for action in ("action_rma_refused_scrap", "action_rma_refused_return"):
            with self.subTest(action=action):
                with (
                    self.assertRaisesRegex(UserError, "does not allow the resolution"),
                    self.cr.savepoint(),
                ):
                    getattr(strict, action)()
                strict.invalidate_recordset()
                self.assertEqual(strict.resolution, "repair")
        free.action_rma_refused_scrap()
        self.assertEqual(free.resolution, "scrap")

    def test_sudo_paths_are_refused_too(self):
        """Business methods write the resolution in sudo (the quote refusal's
        actions): the constraint holds there as well."""
        rma = self._rma(self._unit(self.lots[0], self.reason_doa))
        with self.assertRaisesRegex(UserError, "does not allow the resolution"):
            rma.line_ids.sudo().write({"resolution": "scrap"})


@tagged("post_install", "-at_install")
class TestIssue17ReasonRequired(ReasonCommon):
    def _require(self, value=True):
        settings = self.env["res.config.settings"].create(
            {"rma_reason_required": value}
        )
        settings.execute()
        self.assertEqual(self.company.rma_reason_required, value)

    def test_not_required_by_default(self):
        self.assertFalse(self.company.rma_reason_required)
        rma = self._rma(self._unit(self.lots[0]))
        rma.with_user(self.rma_user).action_submit()
        self.assertEqual(rma.state, "submitted")

    def test_required_on_submission(self):
        self._require()
        rma = self._rma(
            self._unit(self.lots[0], self.reason_any), self._unit(self.lots[1])
        )
        with self.assertRaisesRegex(UserError, "Choose the return reason of .*RSN-2"):
            rma.with_user(self.rma_user).action_submit()
        self.assertEqual(rma.state, "draft")
        rma.line_ids[1].with_user(self.rma_user).reason_id = self.reason_doa
        rma.with_user(self.rma_user).action_submit()
        self.assertEqual(rma.state, "submitted")

    def test_required_on_approval(self):
        """A request that came in without one (an email, before the setting) gets
        its reason before it is approved."""
        rma = self._rma(self._unit(self.lots[0]))
        rma.with_user(self.rma_user).action_submit()
        self._require()
        with self.assertRaisesRegex(UserError, "Choose the return reason"):
            rma.with_user(self.rma_user).action_approve()
        self.assertEqual(rma.state, "submitted")
        rma.line_ids.with_user(self.rma_user).reason_id = self.reason_any
        rma.with_user(self.rma_user).action_approve()
        self.assertEqual(rma.state, "approved")

    def test_only_the_company_requiring_it(self):
        self.company_b.rma_reason_required = True
        rma = self._rma(self._unit(self.lots[0]))
        rma.with_user(self.rma_user).action_submit()
        self.assertEqual(rma.state, "submitted")


@tagged("post_install", "-at_install")
class TestIssue17ReasonCatalogue(ReasonCommon):
    def test_catalogue_per_company(self):
        Reason = self.env["rma.reason"].with_user(self.rma_user)
        seen = Reason.search([("name", "like", "RSN ")])
        self.assertEqual(seen, self.reason_doa | self.reason_any)
        with self.assertRaises(AccessError):
            self.reason_b.with_user(self.rma_user).read(["name"])
        # A manager of both companies sees each catalogue in its company only.
        manager = self.rma_manager
        manager.company_ids |= self.company_b
        in_b = (
            self.env["rma.reason"]
            .with_user(manager)
            .with_context(allowed_company_ids=[self.company_b.id])
            .search([("name", "like", "RSN ")])
        )
        self.assertEqual(in_b, self.reason_b)

    def test_unit_takes_a_reason_of_its_company_only(self):
        with self.assertRaises(UserError):
            self._new_rma(
                self.end_user, [self._unit(self.lots[0], self.reason_b)]
            )  # as admin: the company check, not the access rules
        rma = self._rma(self._unit(self.lots[0]))
        with self.assertRaises(UserError):
            rma.line_ids.write({"reason_id": self.reason_b.id})

    def test_managers_write_users_read(self):
        Reason = self.env["rma.reason"]
        reason = Reason.with_user(self.rma_manager).create({"name": "RSN Mgr"})
        reason.with_user(self.rma_manager).write({"allow_scrap": True})
        self.assertEqual(reason.company_id, self.company)
        self.assertEqual(reason.with_user(self.rma_user).name, "RSN Mgr")
        with self.assertRaises(AccessError):
            Reason.with_user(self.rma_user).create({"name": "RSN User"})
        with self.assertRaises(AccessError):
            reason.with_user(self.rma_user).write({"name": "RSN Renamed"})
        with self.assertRaises(AccessError):
            reason.with_user(self.rma_user).unlink()

    def test_translatable_name_and_archive(self):
        self.assertTrue(self.env["rma.reason"]._fields["name"].translate)
        self.reason_any.active = False
        rma = self._rma(self._unit(self.lots[0]))
        # Archived: no longer offered, kept on the units that carry it.
        self.assertNotIn(
            self.reason_any,
            self.env["rma.reason"].search([]),
        )
        rma.line_ids.reason_id = self.reason_any
        self.assertEqual(rma.line_ids.reason_id, self.reason_any)


@tagged("post_install", "-at_install")
class TestIssue17ReasonAnalytics(ReasonCommon):
    def test_reports_group_by_reason(self):
        # A service centre of its own: the dashboard's top reasons are this RMA's,
        # not the demo's.
        warehouse = self.env["stock.warehouse"].create(
            {"name": "RSN Service Centre", "code": "RSNW"}
        )
        rma = self._new_rma(
            self.end_user,
            [
                self._unit(self.lots[0], self.reason_doa),
                self._unit(self.lots[1], self.reason_any),
            ],
            user=self.rma_user,
            warehouse_id=warehouse.id,
        )
        rma.with_user(self.rma_user).action_submit()
        domain = [("order_id", "=", rma.id)]
        by_reason = dict(
            self.env["rma.report.unit"]
            .with_user(self.rma_user)
            ._read_group(domain, ["reason_id"], ["quantity:sum"])
        )
        self.assertEqual(by_reason, {self.reason_doa: 1.0, self.reason_any: 1.0})
        failure = dict(
            self.env["rma.report.failure"]
            .with_user(self.rma_user)
            ._read_group(
                [("source", "=", "rma"), ("lot_id", "in", self.lots.ids)],
                ["reason_id"],
                ["qty_rma:sum"],
            )
        )
        self.assertEqual(failure, {self.reason_doa: 1.0, self.reason_any: 1.0})
        # Deliveries have no reason.
        deliveries = self.env["rma.report.failure"].search(
            [("source", "=", "delivery"), ("lot_id", "in", self.lots.ids)]
        )
        self.assertTrue(deliveries)
        self.assertFalse(deliveries.reason_id)
        data = (
            self.env["rma.report.dashboard"]
            .with_user(self.rma_user)
            .get_dashboard_data(warehouse_id=warehouse.id)
        )
        rows = data["sections"]["faults"]["reasons"]
        reasons = {row["id"]: row["units"] for row in rows}
        self.assertEqual(reasons.get(self.reason_doa.id), 1.0)
        self.assertEqual(reasons.get(self.reason_any.id), 1.0)

    def test_search_views_group_by_reason(self):
        for model in ("rma.report.unit", "rma.report.failure", "rma.order.line"):
            with self.subTest(model=model):
                arch = self.env[model].get_view(view_type="search")["arch"]
                self.assertIn('name="group_reason"', arch)

    def test_line_and_form_views_show_the_reason(self):
        arch = self.env["rma.order"].get_view(view_type="form")["arch"]
        self.assertIn('name="reason_id"', arch)
        arch = self.env["rma.order.line"].get_view(view_type="form")["arch"]
        self.assertIn('name="reason_id"', arch)


@tagged("post_install", "-at_install")
class TestIssue17ReasonDemo(RmaCommon):
    def test_demo_reasons_and_rmas(self):
        reasons = [
            self.env.ref(
                f"rma_warranty.demo_rma_reason_{key}", raise_if_not_found=False
            )
            for key in ("doa", "defective", "wrong_item", "transit")
        ]
        if not all(reasons):
            self.skipTest("No demo data")
        lines = self.env["rma.order.line"].search(
            [("reason_id", "in", [r.id for r in reasons])]
        )
        self.assertGreaterEqual(len(lines.order_id), 5)
        for line in lines:
            self.assertTrue(line.reason_id._rma_allows_resolution(line.resolution))
