import { registry } from "@web/core/registry";

// Issue 15, on-site repair: the technician opens the repair order of an on-site
// unit, writes the visit result on its On-Site Visit tab and presses Visit Done:
// the repair is done (its parts issued to the customer's site).
registry.category("web_tour.tours").add("rma_onsite_visit_tour", {
    steps: () => [
        {
            content: "Open the On-Site Visit tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains('On-Site Visit')",
            run: "click",
        },
        {
            content: "The planned visit names the technician",
            trigger: ".o_form_view .o_field_widget[name='rma_visit_user_id'] input",
        },
        {
            content: "Write the visit result",
            trigger: ".o_form_view .o_field_widget[name='rma_visit_result'] textarea",
            run: "edit Fan replaced on site, all tests OK.",
        },
        {
            content: "Close the visit",
            trigger: ".o_form_view .o_form_statusbar button[name='action_rma_visit_done']",
            run: "click",
        },
        {
            content: "The repair is done",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Repaired')",
        },
        {
            content: "The visit is closed: no Visit Done any more",
            trigger:
                ".o_form_view .o_form_statusbar:not(:has(button[name='action_rma_visit_done']))",
        },
    ],
});
