import { registry } from "@web/core/registry";

// Distributor channel (issue 14): an RMA user hands a request we handle to a
// distributor: picks the distributor on the RMA and clicks Assign to Distributor.
registry.category("web_tour.tours").add("rma_distributor_assign_tour", {
    steps: () => [
        {
            content: "We handle the request",
            trigger: ".o_form_view .o_field_widget[name='handling']:contains('By Us')",
        },
        {
            content: "Type the distributor",
            trigger: ".o_form_view .o_field_widget[name='distributor_id'] input",
            run: "edit Region Distributor state",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Region Distributor state')",
            run: "click",
        },
        {
            content: "Assign the request to it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_distributor_assign']",
            run: "click",
        },
        {
            content: "The request awaits the distributor's choice",
            trigger: ".o_form_view .o_field_widget[name='handling']:contains('Awaiting the Distributor')",
        },
    ],
});
