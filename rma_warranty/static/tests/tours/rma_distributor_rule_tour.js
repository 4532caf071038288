import { registry } from "@web/core/registry";

// Distributor channel (issue 14): an RMA manager gives a region to a distributor
// (After-Sales > Configuration > Distributor Regions).
registry.category("web_tour.tours").add("rma_distributor_rule_tour", {
    steps: () => [
        {
            content: "Create a region",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            content: "Type the country",
            trigger: ".o_form_view .o_field_widget[name='country_id'] input",
            run: "edit Luxembourg",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Luxembourg')",
            run: "click",
        },
        {
            content: "Type the zip prefix",
            trigger: ".o_form_view .o_field_widget[name='zip_prefix'] input",
            run: "edit L-1",
        },
        {
            content: "Type the distributor",
            trigger: ".o_form_view .o_field_widget[name='distributor_id'] input",
            run: "edit Region Distributor zip",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Region Distributor zip')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
