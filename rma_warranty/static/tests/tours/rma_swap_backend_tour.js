import { registry } from "@web/core/registry";

// Paid swap (issue 15). On the form of a unit to replace outside its warranty
// terms, service staff press Quote Swap: the swap quote is made and sent, and the
// button is gone (a second click cannot quote again).
registry.category("web_tour.tours").add("rma_swap_backend_tour", {
    steps: () => [
        {
            content: "The unit to replace offers Quote Swap, not Quote Repair",
            trigger:
                ".o_form_view .o_statusbar_buttons:not(:has(button:contains('Quote Repair'))) button[name='action_rma_quote']:contains('Quote Swap')",
            run: "click",
        },
        {
            content: "Quoted: Quote Swap is gone",
            trigger:
                ".o_form_view .o_statusbar_buttons:not(:has(button:contains('Quote Swap')))",
        },
    ],
});
