import { registry } from "@web/core/registry";
import { payDemoSteps, signSteps } from "@rma_warranty/../tests/tours/rma_sale_portal_steps";

// Paid swap (issue 15). The customer of an RMA whose replacement is charged opens
// it from My RMAs, follows the link to the swap quote (Sale's portal page), signs
// and pays it with Odoo's demo provider, and comes back to the RMA.
registry.category("web_tour.tours").add("rma_portal_swap_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open Returns & Repairs from the portal home",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/rmas']",
            run: "click",
        },
        {
            content: "Open the RMA whose replacement is quoted",
            trigger: "tr.o_portal_rma_row:contains('SN-MONEY-P2') td:first-child a",
            run: "click",
        },
        {
            content: "Open the swap quote",
            trigger: "#rma_documents a[href*='/quote/']",
            run: "click",
        },
        {
            content: "The quote says which unit it replaces, and that the new one ships once paid",
            trigger: "#rma_quote_unit:contains('The replacement of') .o_rma_quote_serial:contains('SN-MONEY-P2')",
        },
        ...signSteps("Erik End User"),
        ...payDemoSteps(),
        {
            content: "Paid: back on the quote, now a confirmed order; go back to the RMA",
            trigger: "a#o_rma_quote_back",
            run: "click",
        },
        {
            content: "The RMA's page lists the paid quote",
            trigger: "#rma_documents a[href*='/quote/']",
        },
    ],
});
