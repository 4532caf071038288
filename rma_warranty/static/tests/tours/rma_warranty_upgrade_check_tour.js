import { registry } from "@web/core/registry";

// Issue 15: a visitor checks a unit registered in time and sees its upgraded
// terms (whole unit and relay) next to the standard ones.
registry.category("web_tour.tours").add("rma_warranty_upgrade_check_tour", {
    steps: () => [
        {
            content: "Type the serial number of the registered unit",
            trigger: "input#warranty_check_serial",
            run: "edit UPS-0001",
        },
        {
            content: "Check the warranty",
            trigger: "button.o_warranty_check_submit",
            run: "click",
        },
        {
            content: "The standard terms are shown",
            trigger: ".o_warranty_check_periods tr td:contains('Standard')",
        },
        {
            content: "The upgrade of the whole unit is shown with its dates",
            trigger: ".o_warranty_check_periods tr:has(td:contains('Registration Upgrade')):has(td.o_warranty_check_component:contains('Whole unit')) td.o_warranty_check_end:not(:empty)",
        },
        {
            content: "The relay's own upgrade is shown",
            trigger: ".o_warranty_check_periods tr:has(td:contains('Registration Upgrade')):has(td.o_warranty_check_component:contains('Upg Relay'))",
        },
    ],
});
