import { registry } from "@web/core/registry";
import { payDemoSteps, signSteps } from "@rma_warranty/../tests/tours/rma_sale_portal_steps";

// Spare parts (issue 15): an end user orders two fans for a unit from its page in
// My units, signs and pays the quotation in Sale's portal with Odoo's demo
// provider, and finds it a sales order.
registry.category("web_tour.tours").add("rma_portal_spare_parts_tour", {
    steps: () => [
        {
            content: "Open the unit",
            trigger: "a.o_rma_unit_serial:contains('UNITS-DIRECT')",
            run: "click",
        },
        {
            content: "The fan is listed with its price",
            trigger: ".o_rma_unit_part:contains('Units fan') .o_rma_unit_part_price",
        },
        {
            content: "Two fans",
            trigger: ".o_rma_unit_part:contains('Units fan') input.o_rma_unit_part_qty",
            run: "edit 2",
        },
        {
            content: "Order them",
            trigger: "button.o_rma_unit_parts_order",
            run: "click",
        },
        {
            content: "The quotation is for the unit's serial number",
            trigger: "#quote_content:contains('UNITS-DIRECT'):contains('Units fan')",
        },
        ...signSteps("Erik End User"),
        ...payDemoSteps(),
        {
            content: "Back on the order, paid: a sales order now",
            trigger: "#introduction h2:contains('Sales Order')",
        },
    ],
});
