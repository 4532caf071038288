import { registry } from "@web/core/registry";
import { payDemoSteps, signSteps } from "@rma_warranty/../tests/tours/rma_sale_portal_steps";

// An end user buys one more year of warranty for a unit from its page in My units,
// signs and pays the quotation in Sale's portal with Odoo's demo provider, and
// finds the unit covered to the end of the new period.
registry.category("web_tour.tours").add("rma_portal_extension_tour", {
    steps: () => [
        {
            content: "Open the unit",
            trigger: "a.o_rma_unit_serial:contains('UNITS-DIRECT')",
            run: "click",
        },
        {
            content: "The extension is offered with its price",
            trigger: ".o_rma_unit_offer:contains('NAS Care +1 year') .o_rma_unit_offer_price",
        },
        {
            content: "Buy it",
            trigger: ".o_rma_unit_offer:contains('NAS Care +1 year') .o_rma_unit_extend button",
            run: "click",
        },
        {
            content: "The quotation is for the unit's serial number",
            trigger: "#quote_content:contains('UNITS-DIRECT')",
        },
        ...signSteps("Erik End User"),
        ...payDemoSteps(),
        {
            content: "Back on the order, paid: a sales order now",
            trigger: "#introduction h2:contains('Sales Order')",
            run() {
                window.location.href = "/my/units";
            },
        },
        {
            content: "Open the unit again",
            trigger: "a.o_rma_unit_serial:contains('UNITS-DIRECT')",
            run: "click",
        },
        {
            content: "The extended period is listed",
            trigger: ".o_rma_unit_periods tr:contains('Extended')",
            run() {
                const periodEnd = this.anchor.querySelector("td:last-child").textContent.trim();
                const coveredUntil = document
                    .querySelector(".o_rma_unit_today .o_rma_unit_date_end")
                    .textContent.trim();
                if (periodEnd !== coveredUntil) {
                    throw new Error(
                        `The unit is covered until ${coveredUntil}, not to the end of its extension (${periodEnd}).`
                    );
                }
            },
        },
    ],
});
