import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// From a delivered picking, Create RMA opens a prefilled RMA form; everything then
// happens from that form (its action context rides along on every button): submit,
// approve, validate the receipt (and come back), choose a refund and a replacement,
// Process Resolutions.
registry.category("web_tour.tours").add("rma_issue11_money_tour", {
    steps: () => [
        {
            content: "Create an RMA from the delivery",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_create_rma']",
            run: "click",
        },
        {
            content: "The new RMA has both delivered serials",
            trigger:
                ".o_form_view div[name='line_ids'] .o_data_row:contains('SN-MONEY-T0') ~ .o_data_row:contains('SN-MONEY-T1')",
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
            content: "Approved",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Approved')",
        },
        {
            content: "Open the receipt",
            trigger: "button[name='action_view_pickings']:contains('1')",
            run: "click",
        },
        {
            content: "Validate the receipt",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_validate']",
            run: "click",
        },
        {
            content: "The units are in",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
        {
            content: "Back to the RMA",
            trigger: ".o_breadcrumb .breadcrumb-item.o_back_button a",
            run: "click",
        },
        {
            content: "The RMA is received",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Received')",
        },
        {
            content: "Edit the first unit's resolution",
            trigger: "div[name='line_ids'] .o_data_row:contains('SN-MONEY-T0') td[name='resolution']",
            run: "click",
        },
        {
            content: "Refund it",
            trigger: "div[name='line_ids'] .o_selected_row td[name='resolution'] select",
            run: "selectByLabel Refund",
        },
        {
            content: "Edit the second unit's resolution",
            trigger: "div[name='line_ids'] .o_data_row:contains('SN-MONEY-T1') td[name='resolution']",
            run: "click",
        },
        {
            content: "Replace it",
            trigger:
                "div[name='line_ids'] .o_selected_row:contains('SN-MONEY-T1') td[name='resolution'] select",
            run: "selectByLabel Replace",
        },
        ...stepUtils.saveForm(),
        {
            content: "Process the resolutions",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_process']",
            run: "click",
        },
        {
            content: "In progress: the replacement is on its way",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "The replacement delivery is linked",
            trigger: "button[name='action_view_pickings'] .o_stat_value:contains('2')",
        },
        {
            content: "The credit note is linked",
            trigger: "button[name='action_view_refunds'] .o_stat_value:contains('1')",
        },
    ],
});
