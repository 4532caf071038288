# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..chatter import log_notes
from ..locking import lock_rows_nowait


class RepairOrder(models.Model):
    _inherit = "repair.order"

    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="RMA Unit",
        index="btree_not_null",
        copy=False,
        check_company=True,
        readonly=True,
    )
    rma_order_id = fields.Many2one(
        related="rma_line_id.order_id", string="RMA", store=True, index=True
    )
    # ---- On-site repair (issue 15): fields ----
    rma_onsite = fields.Boolean(
        string="On-Site Repair",
        readonly=True,
        copy=False,
        help="Repaired at the customer's: no receipt, no return delivery; the parts "
        "go from stock to the customer's site.",
    )
    rma_visit_date = fields.Datetime(
        string="Visit Date", copy=False, help="When the technician visits the customer."
    )
    rma_visit_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        copy=False,
        domain=[("share", "=", False)],
    )
    rma_visit_result = fields.Text(
        string="Visit Result",
        copy=False,
        help="What the technician found and did on site: printed on the service "
        "report.",
    )
    # ---- Spare parts (issue 15) ----
    rma_spare_part_ids = fields.One2many(
        related="product_id.product_tmpl_id.rma_spare_part_ids",
        string="Spare Parts",
    )

    # ---- Actions ---------------------------------------------------------------------

    def action_repair_done(self):
        res = super().action_repair_done()
        self._rma_after_repair_done()
        return res

    # ---- Repair orders of RMA units (P6) ---------------------------------------------

    @api.model
    def _prepare_rma_repair_vals(self, unit, quote, under_warranty):
        """Values of the repair order of RMA ``unit``, in the RMA location of its
        warehouse: linked to ``quote`` (its repair quote, or none for a repair at
        our cost), with the diagnosis as internal notes. Called by
        ``sale.order._rma_create_repair_quotes`` and ``_prepare_rma_rework_vals``;
        may be overridden."""
        warehouse = unit.order_id.warehouse_id
        if not warehouse.repair_type_id:
            raise UserError(
                self.env._(
                    "Warehouse %(warehouse)s has no repair operation type.",
                    warehouse=warehouse.display_name,
                )
            )
        rma_location = warehouse.rma_loc_id
        vals = {
            "rma_line_id": unit.id,
            "company_id": unit.company_id.id,
            "partner_id": unit.order_id.partner_id.id,
            "picking_type_id": warehouse.repair_type_id.id,
            "product_id": unit.product_id.id,
            "product_qty": unit.quantity,
            "product_uom": unit.product_uom_id.id,
            "lot_id": unit.lot_id.id,
            "product_location_src_id": rma_location.id,
            "product_location_dest_id": rma_location.id,
            "under_warranty": under_warranty,
            "sale_order_id": quote.id if quote else False,
            "internal_notes": unit.diagnosis and Markup("<p>%s</p>") % unit.diagnosis,
        }
        if unit.repair_onsite:
            vals.update(self._rma_onsite_repair_vals(unit))
        return vals

    @api.model
    def _prepare_rma_rework_vals(self, unit, note):
        """Values of the rework order of RMA ``unit`` after its failed quality check
        (``note``: what failed): a repair at our cost. Called by
        ``_rma_quality_check``; may be overridden."""
        return {
            **self._prepare_rma_repair_vals(unit, None, True),
            "internal_notes": Markup("<p>%s</p>")
            % self.env._("Rework after failed quality check: %(note)s", note=note),
        }

    @api.model
    def _rma_create_repairs(self, vals_list):
        """Create the repair orders of RMA units from ``vals_list``, their names and
        procurement groups made at once (``_rma_prefill_name_and_group``)."""
        return self.create(self._rma_prefill_name_and_group(vals_list))

    @api.model
    def _rma_prefill_name_and_group(self, vals_list):
        """``vals_list`` with the ``name`` and ``procurement_group_id`` that
        ``repair.order.create`` would give each of them, made for all at once.

        A shortcut around core's private behaviour: Odoo's ``repair.order.create``
        (addons/repair/models/repair.py) takes the next number of the operation
        type's sequence as the name of an order without one (or named "New"), and
        creates a procurement group of that name for an order without one, one
        ``create`` per order. Here the names are taken in the same order and the
        groups created in one batch. ``TestRepairFlow.
        test_repair_name_and_group_shortcut_equals_core`` checks that the result
        equals core's, so that an upgrade changing it fails loudly.
        Values given already are kept, as core keeps them.
        """
        PickingType = self.env["stock.picking.type"]
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == "New":
                picking_type = PickingType.browse(vals["picking_type_id"])
                vals["name"] = picking_type.sequence_id.next_by_id()
        grouped = [vals for vals in vals_list if not vals.get("procurement_group_id")]
        groups = self.env["procurement.group"].create(
            [self._prepare_rma_procurement_group_vals(vals) for vals in grouped]
        )
        for vals, group in zip(grouped, groups, strict=True):
            vals["procurement_group_id"] = group.id
        return vals_list

    @api.model
    def _prepare_rma_procurement_group_vals(self, vals):
        """Values of the procurement group of the repair order of ``vals``, as
        ``repair.order.create`` makes it (named after the order). Called by
        ``_rma_prefill_name_and_group``."""
        return {"name": vals["name"]}

    def _prepare_rma_part_move_vals(self, tline):
        """Values of the part move (a repair line, which Odoo also writes on the
        repair quote) of this repair order of an RMA unit, from tariff line
        ``tline``. Called by ``sale.order._rma_add_quote_parts``; may be
        overridden."""
        self.ensure_one()
        vals = {
            "repair_id": self.id,
            "repair_line_type": "add",
            "product_id": tline.product_id.id,
            "product_uom_qty": tline.quantity,
            "product_uom": tline.product_id.uom_id.id,
            "company_id": self.company_id.id,
        }
        if self.rma_onsite:
            # On site (issue 15): the part leaves stock for the customer's site.
            vals["location_dest_id"] = self._rma_onsite_location().id
        return vals

    # ---- Repair work and quality check of RMA units (P6) -----------------------------

    @api.model
    def _rma_start_repairs(self, units):
        """Start the repair of RMA ``units`` (locked by the caller), whose repair
        orders must be confirmed. Invoked by
        ``rma.order.line.action_rma_repair_start``."""
        repairs = units.repair_id.filtered(lambda r: r.state == "confirmed")
        if len(repairs) != len(units):
            raise UserError(
                self.env._(
                    "Only confirmed repairs can start: accept (or confirm) the quote "
                    "first."
                )
            )
        repairs.action_repair_start()
        return True

    @api.model
    def _rma_end_repairs(self, units):
        """End the repair of RMA ``units`` (locked by the caller), whose repair
        orders must be under way. Invoked by
        ``rma.order.line.action_rma_repair_end``."""
        repairs = units.repair_id.filtered(lambda r: r.state == "under_repair")
        if len(repairs) != len(units):
            raise UserError(self.env._("Only repairs under way can end."))
        repairs.action_repair_end()
        return True

    def _rma_after_repair_done(self):
        """These repair orders are done: the quality check of their RMA units is
        due. Invoked by ``action_repair_done``."""
        self.rma_line_id._write_decision(
            {"qc_result": False, "qc_date": False, "qc_user_id": False}
        )

    @api.model
    def _rma_quality_check(self, units, result, note=None):
        """Record the quality check of the repaired RMA ``units`` (locked by the
        caller): ``result`` "pass" or "fail", ``note`` the QC notes (kept when
        None). A failed check sends the unit back to repair (a rework order, at our
        cost). Everything is checked before anything is written. Invoked by
        ``rma.order.line._rma_qc``."""
        wrong = units.filtered(lambda unit: unit.repair_status != "to_check")
        if wrong:
            raise UserError(
                self.env._(
                    "%(units)s: no finished repair waits for a quality check.",
                    units=", ".join(wrong.mapped("display_name")),
                )
            )
        notes = {unit: unit.qc_note if note is None else note for unit in units}
        rework_vals = []
        if result == "fail":
            if not all(notes.values()):
                raise UserError(self.env._("Write in the QC notes what failed."))
            rework_vals = [
                self._prepare_rma_rework_vals(unit, notes[unit]) for unit in units
            ]
        vals = {
            "qc_result": result,
            "qc_date": fields.Datetime.now(),
            "qc_user_id": self.env.uid,
        }
        if note is not None:
            vals["qc_note"] = note
        units._write_decision(vals)
        if rework_vals:
            self._rma_create_repairs(rework_vals)._action_repair_confirm()
        label = dict(units._fields["qc_result"].selection)[result]
        units._rma_log_on_orders(
            {
                unit: self.env._(
                    "Quality check of %(unit)s: %(result)s. %(note)s",
                    unit=unit.display_name,
                    result=label,
                    note=unit.qc_note or "",
                )
                for unit in units
            }
        )
        return True

    # ---- On-site repair (issue 15) ----

    @api.model
    def _rma_onsite_location(self):
        """Where an on-site repair happens: the customers' location, where the unit
        already is and where its parts go."""
        return self.env.ref("stock.stock_location_customers")

    @api.model
    def _rma_onsite_repair_vals(self, unit):
        """What differs in the repair order of on-site ``unit``: the unit stays at
        the customer's (no receipt, no return delivery), so Odoo's repaired-product
        move stays in the customers' location. Called by
        ``_prepare_rma_repair_vals``; may be overridden."""
        customers = self._rma_onsite_location()
        return {
            "rma_onsite": True,
            "product_location_src_id": customers.id,
            "product_location_dest_id": customers.id,
        }

    def _rma_default_visit_date(self):
        """The visit date proposed for this on-site repair: the end of the first
        working period of the second working day of its service centre's calendar
        (closures and holidays excluded), counting today; now without a
        calendar."""
        self.ensure_one()
        now = fields.Datetime.now()
        calendar = self.rma_line_id.order_id.warehouse_id._get_rma_calendar()
        if not calendar:
            return now
        # Naive UTC in, naive UTC out (resource.calendar.plan_days).
        return calendar.plan_days(2, now, compute_leaves=True) or now

    def _rma_check_onsite(self, states):
        wrong = self.filtered(lambda r: not r.rma_onsite or r.state not in states)
        if wrong:
            raise UserError(
                self.env._(
                    "%(repairs)s: only open on-site repairs of RMA units have a visit.",
                    repairs=", ".join(wrong.mapped("name")),
                )
            )

    def action_rma_plan_visit(self):
        """Plan (or plan again) the technician's visit of these on-site repairs: the
        visit date and technician given on the form, else the next working day of
        the service centre and the RMA's responsible. The technician gets one
        activity *On-Site Visit* on the repair order, due that day (a new plan
        replaces it), and the RMA's chatter says when."""
        self.check_access("write")
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "Someone else is planning the visit of %(repairs)s right now: reload "
                "it and try again.",
                repairs=", ".join(self.mapped("name")),
            ),
        )
        self.invalidate_recordset()
        self._rma_check_onsite(("draft", "confirmed", "under_repair"))
        activity_type = self.env.ref("rma_warranty.mail_activity_type_rma_visit")
        for repair in self:
            repair.write(repair._prepare_rma_visit_vals())
        self.activity_ids.filtered(
            lambda act: act.activity_type_id == activity_type
        ).unlink()
        for repair in self:
            repair.activity_schedule(**repair._prepare_rma_visit_activity_vals())
        log_notes(
            (
                repair.rma_order_id,
                Markup("<p>%s</p>")
                % self.env._(
                    "%(unit)s: on-site visit planned on %(date)s (%(technician)s).",
                    unit=repair.rma_line_id.display_name,
                    date=format_datetime(self.env, repair.rma_visit_date),
                    technician=repair.rma_visit_user_id.name,
                ),
            )
            for repair in self
        )
        return True

    def _prepare_rma_visit_vals(self):
        """Visit date and technician of this on-site repair: those set, else the
        defaults. Called by ``action_rma_plan_visit``; may be overridden."""
        self.ensure_one()
        return {
            "rma_visit_date": self.rma_visit_date or self._rma_default_visit_date(),
            "rma_visit_user_id": (
                self.rma_visit_user_id
                or self.rma_line_id.order_id.user_id
                or self.env.user
            ).id,
        }

    def _prepare_rma_visit_activity_vals(self):
        """Values (``activity_schedule``'s) of the activity of the technician of
        this on-site repair, due on the visit day (in the technician's time zone).
        Called by ``action_rma_plan_visit``; may be overridden."""
        self.ensure_one()
        user = self.rma_visit_user_id
        local = fields.Datetime.context_timestamp(
            self.with_context(tz=user.tz or self.env.user.tz or "UTC"),
            self.rma_visit_date,
        )
        return {
            "act_type_xmlid": "rma_warranty.mail_activity_type_rma_visit",
            "date_deadline": local.date(),
            "user_id": user.id,
            "summary": self.env._(
                "On-site visit at %(partner)s",
                partner=self.partner_id.display_name,
            ),
            "note": Markup("<p>%s</p>")
            % self.env._(
                "Repair %(unit)s at the customer's on %(date)s; write the visit "
                "result on the repair order, then press Visit Done.",
                unit=self.rma_line_id.display_name,
                date=format_datetime(self.env, self.rma_visit_date),
            ),
        }

    def action_rma_visit_done(self):
        """The technician repaired the unit on site: the repair ends (Odoo moves the
        parts from stock to the customer's site), the visit result is the unit's
        passed quality check, the visit activity is done and the unit resolved (no
        return delivery). Exactly once: a second click is refused."""
        self.check_access("write")
        lock_rows_nowait(
            self,
            lambda: self.env._(
                "Someone else is closing the visit of %(repairs)s right now: reload "
                "it and try again.",
                repairs=", ".join(self.mapped("name")),
            ),
        )
        self.invalidate_recordset()
        self._rma_check_onsite(("confirmed", "under_repair"))
        missing = self.filtered(
            lambda r: not r.rma_visit_date or not (r.rma_visit_result or "").strip()
        )
        if missing:
            raise UserError(
                self.env._(
                    "%(repairs)s: plan the visit and write its result first.",
                    repairs=", ".join(missing.mapped("name")),
                )
            )
        customers = self._rma_onsite_location()
        # Parts added by hand on the form go to the customer's site too.
        self.move_ids.filtered(
            lambda m: (
                m.repair_line_type == "add"
                and m.state not in ("done", "cancel")
                and m.location_dest_id != customers
            )
        ).location_dest_id = customers
        self.filtered(lambda r: r.state == "confirmed").action_repair_start()
        self.action_repair_end()
        units = self.rma_line_id
        for repair in self:
            self._rma_quality_check(repair.rma_line_id, "pass", repair.rma_visit_result)
        activity_type = self.env.ref("rma_warranty.mail_activity_type_rma_visit")
        self.activity_ids.filtered(
            lambda act: act.activity_type_id == activity_type
        ).action_feedback(feedback=self.env._("Visit done."))
        units._rma_onsite_resolved()
        return True
