import { registry } from "@web/core/registry";

// Return reasons (issue 17): the dashboard lists the reasons with the most units;
// a click opens the unit analysis filtered on that reason.
registry.category("web_tour.tours").add("rma_reason_dashboard_tour", {
    url: "/odoo/action-rma_warranty.rma_report_dashboard_action",
    steps: () => [
        {
            content: "The dashboard lists the return reason with its units",
            trigger: ".o_rma_dashboard .o_rma_dashboard_reasons tr:contains('RSN Tour reason'):contains('2')",
            run: "click",
        },
        {
            content: "The unit analysis opens, filtered on the reason",
            trigger: ".o_searchview_facet:contains('RSN Tour reason')",
        },
    ],
});
