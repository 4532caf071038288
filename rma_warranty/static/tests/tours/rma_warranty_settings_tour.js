import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An RMA manager with settings rights opens After-Sales > Configuration > Settings,
// picks the default service centre and saves.
registry.category("web_tour.tours").add("rma_warranty_settings_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the After-Sales application",
            trigger: ".o_app[data-menu-xmlid='rma_warranty.rma_warranty_menu_root']",
            run: "click",
        },
        {
            content: "Open the Configuration menu",
            trigger: "[data-menu-xmlid='rma_warranty.rma_warranty_menu_configuration']",
            run: "click",
        },
        {
            content: "Open the After-Sales settings",
            trigger: ".dropdown-item[data-menu-xmlid='rma_warranty.rma_warranty_menu_settings']",
            run: "click",
        },
        {
            content: "The After-Sales block is shown",
            trigger: ".app_settings_block[data-key='rma_warranty'] #rma_warehouse_setting",
        },
        {
            content: "Type the service centre",
            trigger: "#rma_warehouse_setting input[id^='rma_warehouse_id']",
            run: "edit Tour Service",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Service Centre')",
            run: "click",
        },
        {
            content: "The settings are now dirty",
            trigger: ".o_dirty_warning",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved and reloaded",
            trigger: ".o-settings-form-view:not(:has(.o_dirty_warning)) #rma_warehouse_setting",
        },
    ],
});
