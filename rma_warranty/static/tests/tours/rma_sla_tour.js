import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Issue 14, service levels: an RMA manager filters the RMAs that are late, opens
// the late request, reads its steps on the Service Levels page (the late first
// response in red), then opens the SLA compliance report.
registry.category("web_tour.tours").add("rma_sla_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the After-Sales application",
            trigger: ".o_app[data-menu-xmlid='rma_warranty.rma_warranty_menu_root']",
            run: "click",
        },
        {
            content: "Open the RMAs",
            trigger: "[data-menu-xmlid='rma_warranty.rma_order_menu']",
            run: "click",
        },
        {
            content: "Show the list",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list is shown",
            trigger: ".o_list_view .o_data_row:contains('SLA Tour Customer')",
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the RMAs late on a service level",
            trigger: ".o_filter_menu .o_menu_item:contains('Late (Service Level)')",
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: ".o_searchview_facet:contains('Late (Service Level)')",
        },
        {
            content: "The late request is listed, its deadline in red",
            trigger:
                ".o_list_view .o_data_row:contains('SLA Tour Customer') td[name='sla_deadline'].text-danger",
        },
        {
            content: "The request on time is not",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('SLA Tour On Time')))",
        },
        {
            content: "Open the late request",
            trigger: ".o_list_view .o_data_row:contains('SLA Tour Customer') td[name='name']",
            run: "click",
        },
        {
            content: "Open its Service Levels page",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Service Levels')",
            run: "click",
        },
        {
            content: "The late first response is in red",
            trigger:
                "div[name='sla_step_ids'] .o_data_row.text-danger:contains('First Response')",
        },
        {
            content: "Open the Reporting menu",
            trigger: "[data-menu-xmlid='rma_warranty.rma_warranty_menu_reporting']",
            run: "click",
        },
        {
            content: "Open the SLA compliance report",
            trigger: ".dropdown-item[data-menu-xmlid='rma_warranty.rma_sla_step_menu_report']",
            run: "click",
        },
        {
            content: "The hit rate per step is shown",
            trigger: ".o_pivot_view .o_pivot:contains('Review')",
        },
    ],
});
