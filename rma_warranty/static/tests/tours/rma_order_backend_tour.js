import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An RMA user opens After-Sales > RMAs, files a return for a customer with one unit
// identified by its serial number (sold and delivered to that customer: the product and
// the original delivery are found from it), submits the request and approves it.
registry.category("web_tour.tours").add("rma_order_backend_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the After-Sales application",
            trigger: ".o_app[data-menu-xmlid='rma_warranty.rma_warranty_menu_root']",
            run: "click",
        },
        {
            content: "The RMAs open on the kanban",
            trigger: ".o_control_panel .o_switch_view.o_kanban.active",
        },
        {
            content: "Create an RMA",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new",
            run: "click",
        },
        {
            content: "A new request has a provisional reference",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Draft')",
        },
        {
            content: "Type the customer",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input",
            run: "edit Tour Buyer",
        },
        {
            content: "Pick the customer",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Buyer Oy')",
            run: "click",
        },
        {
            content: "Add a unit",
            trigger: "div[name='line_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type the serial number",
            trigger: "div[name='line_ids'] .o_selected_row [name='lot_id'] input",
            run: "edit SN-TOUR-0001",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('SN-TOUR-0001')",
            run: "click",
        },
        {
            content: "The product comes from the serial number",
            trigger: "div[name='line_ids'] .o_selected_row [name='product_id'] input:value('Tour NAS')",
        },
        {
            content: "Describe the fault",
            trigger: "div[name='line_ids'] .o_selected_row [name='fault_description'] textarea",
            run: "edit Does not boot",
        },
        ...stepUtils.saveForm(),
        {
            content: "Submit the request",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_submit']",
            run: "click",
        },
        {
            content: "Submitted",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Submitted')",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_approve']",
            run: "click",
        },
        {
            content: "Approved, with its receipt",
            trigger:
                ".o_statusbar_status .o_arrow_button_current:contains('Approved')",
        },
        {
            content: "The receipt is linked",
            trigger: "button[name='action_view_pickings'] .o_stat_value:contains('1')",
        },
        {
            content: "The RMA number is issued",
            trigger: ".o_form_view .oe_title [name='name']:contains('RMA/')",
        },
        {
            content: "Back to the RMAs",
            trigger: ".o_breadcrumb .breadcrumb-item.o_back_button a",
            run: "click",
        },
        {
            content: "The card sits in the Approved column with its unit",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Approved')) " +
                ".o_kanban_record:contains('RMA/'):contains('Tour Buyer Oy'):contains('1 unit')",
        },
        {
            content: "Analyse them in a pivot table",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot shows the RMAs by state",
            trigger: ".o_pivot table th:contains('Approved')",
        },
        {
            content: "And in a graph",
            trigger: ".o_control_panel .o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
