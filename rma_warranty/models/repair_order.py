# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


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
        return {
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
        return {
            "repair_id": self.id,
            "repair_line_type": "add",
            "product_id": tline.product_id.id,
            "product_uom_qty": tline.quantity,
            "product_uom": tline.product_id.uom_id.id,
            "company_id": self.company_id.id,
        }

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
