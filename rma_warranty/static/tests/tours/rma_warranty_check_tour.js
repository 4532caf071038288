import { registry } from "@web/core/registry";

// A visitor, not logged in, opens the public warranty check, types the serial of
// a unit and sees its product and its coverage per component.
registry.category("web_tour.tours").add("rma_warranty_check_tour", {
    steps: () => [
        {
            content: "Type the serial number",
            trigger: "input#warranty_check_serial",
            run: "edit CHK-0001",
        },
        {
            content: "Check the warranty",
            trigger: "button.o_warranty_check_submit",
            run: "click",
        },
        {
            content: "The unit's product is shown",
            trigger: ".o_warranty_check_unit .o_warranty_check_product:contains('Check Panel PC')",
        },
        {
            content: "The LCD's coverage is shown with its dates",
            trigger: ".o_warranty_check_periods tr:has(td.o_warranty_check_component:contains('Chk LCD')) td.o_warranty_check_end:not(:empty)",
        },
        {
            content: "A repair can be requested from the result",
            trigger: "a.o_warranty_check_request[href*='%2Fmy%2Frmas%2Fnew']",
        },
    ],
});
