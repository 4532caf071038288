import { registry } from "@web/core/registry";

// Issue 14, backend: on a submitted RMA the service user closes it as solved
// without return (the wizard asks how), then files a complaint from its form and
// starts handling it.
registry.category("web_tour.tours").add("rma_complaint_backend_tour", {
    steps: () => [
        {
            content: "Solve the request remotely",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_solve_remotely']",
            run: "click",
        },
        {
            content: "Say how it was solved",
            trigger: ".modal .o_field_widget[name='solution'] textarea",
            run: "edit A firmware update fixed the boot loop.",
        },
        {
            content: "Close it as solved",
            trigger: ".modal button[name='action_solve']",
            run: "click",
        },
        {
            content: "The RMA is solved, not rejected",
            trigger: ".o_form_view .ribbon span:contains('Solved')",
        },
        {
            content: "File a complaint about this RMA",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_new_complaint']",
            run: "click",
        },
        {
            content: "Write what the customer complains about",
            trigger: ".o_form_view .o_field_widget[name='description'] textarea",
            run: "edit The customer waited two weeks for the firmware.",
        },
        {
            content: "Save it",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved with its reference",
            trigger: ".o_form_view .o_field_widget[name='name']:contains('CMP/')",
        },
        {
            content: "Start handling it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_start']",
            run: "click",
        },
        {
            content: "It is in progress",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('In Progress')",
        },
    ],
});
