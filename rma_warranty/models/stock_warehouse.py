# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockWarehouse(models.Model):
    """Each warehouse can be a service centre: an RMA location and two operation
    types (receipt of returned units into it, deliveries out of it), created with
    the warehouse like its other locations and types."""

    _inherit = "stock.warehouse"

    rma_loc_id = fields.Many2one(
        comodel_name="stock.location",
        string="RMA Location",
        check_company=True,
        copy=False,
    )
    rma_in_type_id = fields.Many2one(
        comodel_name="stock.picking.type",
        string="RMA Receipt Type",
        check_company=True,
        copy=False,
    )
    rma_out_type_id = fields.Many2one(
        comodel_name="stock.picking.type",
        string="RMA Delivery Type",
        check_company=True,
        copy=False,
    )
    # ---- Service levels (issue 14) ----
    rma_resource_calendar_id = fields.Many2one(
        comodel_name="resource.calendar",
        string="Service Calendar",
        check_company=True,
        help="Working days, hours and public holidays (global time off) of this "
        "service centre, for its service-level deadlines. Empty: the company's "
        "service calendar (Settings).",
    )

    def _get_rma_calendar(self):
        """Calendar that counts this service centre's working time for its
        deadlines: its own, else the company's (``res.company._get_rma_calendar``)."""
        self.ensure_one()
        return self.rma_resource_calendar_id or self.company_id._get_rma_calendar()

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        company_id = vals.get(
            "company_id", self.default_get(["company_id"])["company_id"]
        )
        values["rma_loc_id"] = {
            "name": self.env._("RMA"),
            "usage": "internal",
            "active": True,
            "company_id": company_id,
        }
        return values

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        name = name or self.name
        code = code or self.code
        for field, suffix, label in (
            ("rma_in_type_id", "RMA/IN", self.env._("Sequence RMA receipt")),
            ("rma_out_type_id", "RMA/OUT", self.env._("Sequence RMA delivery")),
        ):
            values[field] = {
                "name": f"{name} {label}",
                "prefix": f"{code}/{self[field].sequence_code or suffix}/",
                "padding": 5,
                "company_id": self.company_id.id,
            }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        customers = self.env.ref("stock.stock_location_customers")
        data.update(
            {
                "rma_in_type_id": {
                    "name": self.env._("RMA Receipts"),
                    "code": "incoming",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": customers.id,
                    "default_location_dest_id": self.rma_loc_id.id,
                    "sequence": next_sequence + 1,
                    "sequence_code": "RMA/IN",
                    "company_id": self.company_id.id,
                },
                "rma_out_type_id": {
                    "name": self.env._("RMA Deliveries"),
                    "code": "outgoing",
                    "use_create_lots": False,
                    "use_existing_lots": True,
                    "default_location_src_id": self.rma_loc_id.id,
                    "default_location_dest_id": customers.id,
                    "sequence": next_sequence + 2,
                    "sequence_code": "RMA/OUT",
                    "company_id": self.company_id.id,
                },
            }
        )
        return data, next_sequence + 3

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        data.update(
            {
                "rma_in_type_id": {
                    "active": self.active,
                    "default_location_dest_id": self.rma_loc_id.id,
                },
                "rma_out_type_id": {
                    "active": self.active,
                    "default_location_src_id": self.rma_loc_id.id,
                },
            }
        )
        return data

    def _rma_setup_missing(self):
        """Give warehouses created before this module its location and types."""
        for warehouse in self.with_context(active_test=False):
            warehouse._create_missing_locations({})
            if not (warehouse.rma_in_type_id and warehouse.rma_out_type_id):
                values = warehouse._create_or_update_sequences_and_picking_types()
                if values:
                    warehouse.write(values)

    def _rma_get_picking_types(self):
        """(receipt type, delivery type), set up on the fly if they went missing."""
        self.ensure_one()
        if not (self.rma_loc_id and self.rma_in_type_id and self.rma_out_type_id):
            # sudo: the caller may read this warehouse; creating its RMA location
            # and picking types is configuration an RMA user has no rights to.
            self.sudo()._rma_setup_missing()
        return self.rma_in_type_id, self.rma_out_type_id
