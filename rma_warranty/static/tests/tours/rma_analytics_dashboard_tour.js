import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An RMA user opens After-Sales > Reporting > Dashboard, picks a service centre,
// reads the failure rate of its product and clicks it: the failure pivot opens,
// filtered on that product.
registry.category("web_tour.tours").add("rma_analytics_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the After-Sales application",
            trigger: ".o_app[data-menu-xmlid='rma_warranty.rma_warranty_menu_root']",
            run: "click",
        },
        {
            content: "Open the Reporting menu",
            trigger: "[data-menu-xmlid='rma_warranty.rma_warranty_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the dashboard (first item of Reporting)",
            trigger:
                ".dropdown-menu .dropdown-item:first-child[data-menu-xmlid='rma_warranty.rma_report_dashboard_menu']",
            run: "click",
        },
        {
            content: "The dashboard shows open RMAs",
            trigger: ".o_rma_dashboard .o_rma_tile_open .fs-2",
        },
        {
            content: "The service-level section has its tile",
            trigger: ".o_rma_dashboard .o_rma_tile_sla:contains('87.50 %'):contains('7 met')",
        },
        {
            content: "Look at all time",
            trigger: ".o_rma_dashboard select.o_rma_dashboard_period",
            run: "selectByLabel All time",
        },
        {
            content: "Pick the service centre",
            trigger: ".o_rma_dashboard select.o_rma_dashboard_warehouse",
            run: "selectByLabel Analytics Tour Hub",
        },
        {
            content: "Its failure rate: 1 RMA unit of 4 delivered",
            trigger: ".o_rma_dashboard .o_rma_tile_failure:contains('25.00 %')",
        },
        {
            content: "Its failure rate per month",
            trigger: ".o_rma_dashboard .o_rma_dashboard_months td:contains('25.00 %')",
        },
        {
            content: "Its faults",
            trigger:
                ".o_rma_dashboard .o_rma_dashboard_components tr:contains('Tour Fan'):contains('25.00 %')",
        },
        {
            content: "Click the product's failure rate",
            trigger:
                ".o_rma_dashboard .o_rma_dashboard_product:contains('Analytics Tour NAS'):contains('25.00 %')",
            run: "click",
        },
        {
            content: "The failure pivot opens, filtered on the product",
            trigger:
                ".o_pivot_view .o_searchview .o_facet_value:contains('Analytics Tour NAS')",
        },
        {
            content: "The pivot counts the units delivered",
            trigger: ".o_pivot_view .o_pivot th:contains('Units Delivered')",
        },
    ],
});
