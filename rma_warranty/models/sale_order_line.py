# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..chatter import log_notes


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    is_warranty_extension = fields.Boolean(related="product_id.is_warranty_extension")
    rma_repair_kind = fields.Selection(
        selection=[
            ("part", "Part"),
            ("labour", "Labour"),
            ("shipping", "Return Shipping"),
        ],
        string="Repair Line",
        readonly=True,
        copy=False,
        help="What this line of a repair quote is, from the repair tariff.",
    )
    rma_covered_note = fields.Char(
        string="Covered Because",
        readonly=True,
        copy=False,
        help="On a free line of a repair quote: what covers it, and until when.",
    )
    warranty_lot_id = fields.Many2one(
        comodel_name="stock.lot",
        string="Serial to Extend",
        domain=[("product_id.tracking", "=", "serial")],
        check_company=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The unit whose warranty this extension extends when the order is "
        "confirmed.",
    )

    # ---- Compute ---------------------------------------------------------------------

    @api.depends("warranty_lot_id", "rma_covered_note", "order_id.rma_lot_id")
    def _compute_name(self):
        # Adds the serial to the description, so that invoices and the portal show it.
        return super()._compute_name()

    def _get_sale_order_line_multiline_description_sale(self):
        description = super()._get_sale_order_line_multiline_description_sale()
        if self.is_warranty_extension and self.warranty_lot_id:
            description += "\n" + self.env._(
                "Serial number: %(lot)s", lot=self.warranty_lot_id.name
            )
        elif self.order_id.rma_lot_id:
            # A repair quote (or refusal fee): the unit it is about.
            description += "\n" + self.env._(
                "Serial number: %(lot)s", lot=self.order_id.rma_lot_id.name
            )
        if self.rma_covered_note:
            description += "\n" + self.rma_covered_note
        return description

    # ---- Constraints and onchange ----------------------------------------------------

    @api.constrains("warranty_lot_id", "product_id", "product_uom_qty")
    def _check_warranty_lot(self):
        for line in self:
            if line.warranty_lot_id and not line.is_warranty_extension:
                raise ValidationError(
                    self.env._(
                        "%(product)s is not a warranty extension: it extends no "
                        "serial number.",
                        product=line.product_id.display_name,
                    )
                )
            if line.is_warranty_extension and float_compare(
                line.product_uom_qty,
                1.0,
                precision_rounding=line.product_uom.rounding or 0.01,
            ):
                raise ValidationError(
                    self.env._(
                        "%(product)s extends one serial number: order it once per "
                        "unit, with a quantity of 1.",
                        product=line.product_id.display_name,
                    )
                )

    @api.onchange("warranty_lot_id", "product_id")
    def _onchange_warranty_lot_id(self):
        """Tell at once what confirmation would refuse (the line stays editable)."""
        if not self.is_warranty_extension or not self.warranty_lot_id:
            return None
        message = self._get_warranty_extension_errors().get(self)
        if not message:
            lot = self.warranty_lot_id._origin
            lot.check_access("read")
            try:
                # sudo: the user may read the serial (checked above); this reads its
                # coverage to warn, and salespeople have no rights on coverage.
                lot.sudo()._warranty_extension_vals(
                    self.product_id.warranty_extension_months
                )
            except UserError as error:
                message = error.args[0]
        if not message:
            return None
        return {
            "warning": {
                "title": self.env._("Warranty extension"),
                "message": message,
            }
        }

    # ---- CRUD ------------------------------------------------------------------------

    def write(self, vals):
        res = super().write(vals)
        if "warranty_lot_id" in vals:
            # sudo: the write above checked the user's rights on these lines; this
            # only reads the coverage they already gave.
            periods = (
                self.env["rma.warranty.coverage"]
                .sudo()  # sudo: see the comment above
                .search([("sale_line_id", "in", self.ids)])
            )
            if any(p.lot_id != p.sale_line_id.warranty_lot_id for p in periods):
                raise UserError(
                    self.env._(
                        "The warranty extension was already given: cancel the order "
                        "to change its serial number."
                    )
                )
        return res

    # ---- Business methods ------------------------------------------------------------

    def _get_warranty_extension_errors(self):
        """{line: why it cannot extend its serial} for the extension lines of
        ``self``: a serial is given, the extension applies to its product, and the
        unit belongs to the ordering customer or was sold to it (a distributor
        buying the extension of its customer's unit). The policy's limit is checked
        by ``stock.lot._warranty_extension_vals``."""
        lines = self.filtered("is_warranty_extension")
        eligible = self.env["product.product"]
        for template, tmpl_lines in lines.grouped(
            lambda line: line.product_id.product_tmpl_id
        ).items():
            eligible |= template._get_warranty_extension_eligible(
                tmpl_lines.warranty_lot_id.product_id
            )
        errors = {}
        for line in lines:
            lot = line.warranty_lot_id
            customer = line.order_id.partner_id.commercial_partner_id
            if not lot:
                errors[line] = self.env._(
                    "%(order)s: give the serial number that %(product)s extends.",
                    order=line.order_id.name,
                    product=line.product_id.display_name,
                )
            elif lot.product_id not in eligible:
                errors[line] = self.env._(
                    "%(extension)s does not apply to %(product)s (serial number "
                    "%(lot)s).",
                    extension=line.product_id.display_name,
                    product=lot.product_id.display_name,
                    lot=lot.name,
                )
            elif customer not in (
                lot.warranty_owner_id.commercial_partner_id
                | lot.warranty_sold_to_id.commercial_partner_id
            ):
                errors[line] = self.env._(
                    "Serial number %(lot)s does not belong to %(customer)s and was "
                    "not sold to it.",
                    lot=lot.name,
                    customer=customer.display_name,
                )
        return errors

    def _prepare_warranty_extension_vals(self):
        """Values of the extended periods the extension lines of ``self`` give.

        Raises a UserError, before anything is written, when a line cannot extend
        its serial. Lines that already gave their period are skipped, so a second
        call creates nothing. Several extensions of one serial follow one another,
        in the order of the lines.
        """
        lines = self.filtered("is_warranty_extension")
        if not lines:
            return []
        # Extension lines need sales rights: after-sales staff change repair
        # quotes, but no extension line of them (sale_order_line_rule_rma_quotes).
        lines.order_id.check_access("write")
        lines.check_access("write")
        errors = lines._get_warranty_extension_errors()
        if errors:
            raise UserError("\n".join(errors.values()))
        # sudo: the user may confirm these orders (checked above); salespeople and
        # portal buyers have no rights on the coverage the engine reads here.
        given = set(
            self.env["rma.warranty.coverage"]
            .sudo()  # sudo: see the comment above
            .search([("sale_line_id", "in", lines.ids)])
            .sale_line_id.ids
        )
        next_start, chained = {}, {}
        vals_list = []
        for line in lines.sorted(lambda ln: (ln.order_id.id, ln.sequence, ln.id)):
            if line.id in given:
                continue
            lot = line.warranty_lot_id.sudo()  # sudo: see above
            vals = lot._warranty_extension_vals(
                line.product_id.warranty_extension_months,
                on_date=next_start.get(lot),
                extra={"origin": "sale", "sale_line_id": line.id},
                # A second extension of the serial follows the first one: chained
                # to the standard period when the first one is.
                chained=chained.get(lot),
            )
            next_start[lot] = vals["date_end"] + datetime.timedelta(days=1)
            chained[lot] = bool(vals["chain_months"])
            vals_list.append(vals)
        return vals_list

    @api.model
    def _create_warranty_extension_periods(self, vals_list):
        """Create the extended periods of confirmed extension lines, in one batch,
        and say so in the chatter of their serials."""
        if not vals_list:
            return self.env["rma.warranty.coverage"]
        # sudo: ``vals_list`` comes from _prepare_warranty_extension_vals, which
        # checked the user may confirm the orders and the lines may extend their
        # serials; salespeople and portal buyers have no rights on coverage, nor
        # may they post on serial numbers.
        periods = self.env["rma.warranty.coverage"].sudo().create(vals_list)
        log_notes(
            [
                (
                    period.lot_id,
                    self.env._(
                        "Warranty extended from %(start)s to %(end)s by %(order)s "
                        "(%(product)s).",
                        start=period.date_start,
                        end=period.date_end,
                        order=period.sale_line_id.order_id.name,
                        product=period.sale_line_id.product_id.display_name,
                    ),
                )
                for period in periods
            ]
        )
        return periods

    def _unlink_warranty_extension_periods(self):
        """Remove the periods these lines gave (their order is cancelled)."""
        if not self:
            return True
        self.order_id.check_access("write")
        # sudo: the user may cancel these orders (checked above); salespeople have
        # no rights on coverage, nor may they post on serial numbers.
        periods = (
            self.env["rma.warranty.coverage"]
            .sudo()  # sudo: see the comment above
            .search([("sale_line_id", "in", self.ids)])
        )
        log_notes(
            [
                (
                    period.lot_id,
                    self.env._(
                        "Extended warranty from %(start)s to %(end)s removed: "
                        "%(order)s was cancelled.",
                        start=period.date_start,
                        end=period.date_end,
                        order=period.sale_line_id.order_id.name,
                    ),
                )
                for period in periods
            ]
        )
        periods.unlink()
        return True
