import { registry } from "@web/core/registry";

// Issue 15, advance replacement: on an approved RMA whose unit is replaced, the RMA
// user ticks Advance Replacement on the unit, saves and processes the resolutions:
// the replacement ships before the faulty unit has arrived.
registry.category("web_tour.tours").add("rma_advance_tour", {
    steps: () => [
        {
            content: "The unit to replace is listed",
            trigger: ".o_form_view div[name='line_ids'] .o_data_row:contains('SN-ADV-0')",
        },
        {
            content: "Open the units' optional columns",
            trigger: ".o_form_view div[name='line_ids'] i.o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: "Show the Advance Replacement column",
            trigger: "input[name='advance_replacement']",
            run: function (actions) {
                if (!this.anchor.checked) {
                    actions.click();
                }
            },
        },
        {
            content: "The column is shown",
            trigger: ".o_form_view div[name='line_ids'] th[data-name='advance_replacement']",
        },
        {
            content: "Close the optional columns",
            trigger: ".o_form_view div[name='line_ids'] i.o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            content: "Edit the unit's row",
            trigger:
                ".o_form_view div[name='line_ids'] .o_data_row:contains('SN-ADV-0') td[name='advance_replacement']",
            run: "click",
        },
        {
            content: "Tick Advance Replacement",
            trigger:
                ".o_form_view div[name='line_ids'] .o_data_row.o_selected_row .o_field_widget[name='advance_replacement'] input:not(:disabled)",
            run: "check",
        },
        {
            content: "Save the RMA",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Process the resolutions before the unit arrives",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_process']",
            run: "click",
        },
        {
            content: "The RMA is in progress: the replacement is on its way",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('In Progress')",
        },
    ],
});
