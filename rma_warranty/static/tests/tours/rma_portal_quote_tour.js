import { registry } from "@web/core/registry";
import { payDemoSteps, signSteps } from "@rma_warranty/../tests/tours/rma_sale_portal_steps";

// The customer of a pay-before-shipping RMA opens it from My RMAs, follows the link
// to its repair quote (Sale's portal page), signs and pays it with Odoo's demo
// provider, comes back to the RMA through the quote's link and finds the label.
registry.category("web_tour.tours").add("rma_portal_quote_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open Returns & Repairs from the portal home",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/rmas']",
            run: "click",
        },
        {
            content: "Open the RMA waiting for its quote to be paid",
            trigger: "tr.o_portal_rma_row:contains('SN-MONEY-P0') td:first-child a",
            run: "click",
        },
        {
            content: "The RMA says the quote must be paid first, and offers no label",
            trigger: "#rma_next_step:contains('Accept and pay the repair quote')",
        },
        {
            content: "No label yet, nor shipping instructions",
            trigger:
                ".o_portal_rma_sidebar:not(:has(#rma_shipping_instructions)):not(:has(a[href*='/authorisation']))",
        },
        {
            content: "Open the repair quote",
            trigger: "#rma_documents a[href*='/quote/']",
            run: "click",
        },
        {
            content: "The quote says which unit it repairs",
            trigger: "#rma_quote_unit .o_rma_quote_serial:contains('SN-MONEY-P0')",
        },
        {
            content: "and why its return shipping costs nothing",
            trigger: "#sales_order_table .o_rma_covered_badge",
        },
        ...signSteps("Erik End User"),
        ...payDemoSteps(),
        {
            content: "Paid: back on the quote, now a confirmed order; go back to the RMA",
            trigger: "a#o_rma_quote_back",
            run: "click",
        },
        {
            content: "The RMA now tells to ship the unit",
            trigger: "#rma_next_step:contains('Ship the units to our service centre')",
        },
        {
            content: "with the shipping instructions",
            trigger: "#rma_shipping_instructions",
        },
        {
            content: "and the RMA authorisation and label",
            trigger: "#rma_sidebar_documents a[href*='/authorisation']",
        },
    ],
});
