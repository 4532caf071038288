import { registry } from "@web/core/registry";

// Distributor channel (issue 14): the distributor's portal user opens a request
// assigned to it and escalates it to the vendor with the button of the RMA page.
registry.category("web_tour.tours").add("rma_distributor_choice_tour", {
    steps: () => [
        {
            content: "The page offers the distributor the choice",
            trigger: "#rma_distributor_choice:contains('assigned to you')",
        },
        {
            content: "Escalate to the vendor",
            trigger: "#rma_distributor_escalate",
            run: "click",
        },
        {
            content: "Back on the RMA page, the choice is made",
            trigger: "#rma_content:not(:has(#rma_distributor_choice))",
        },
    ],
});
