import { registry } from "@web/core/registry";

// The smallest PNG: a 1x1 pixel.
const PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

// Intake checklist (issue 17): an end user types the serial of a unit, answers
// the questions of its product category that appear, and files the request.
registry.category("web_tour.tours").add("rma_intake_checklist_tour", {
    url: "/my/rmas/new",
    steps: () => [
        {
            content: "Type the serial of the unit",
            trigger: "input[name='unit-0-serial']",
            run: "edit PRQ-E1",
        },
        {
            content: "Describe its fault",
            trigger: "textarea[name='unit-0-fault_description']",
            run: "edit Does not boot",
        },
        {
            content: "The questions of the unit's category appear",
            trigger:
                ".o_rma_request_unit[data-index='0'] .o_rma_request_question:contains('Firmware version') input[required]",
        },
        {
            content: "Give the firmware version",
            trigger: ".o_rma_request_question:contains('Firmware version') input",
            run: "edit 2.1.0",
        },
        {
            content: "Say the factory reset was done",
            trigger: ".o_rma_request_question:contains('factory reset') select",
            run: "select yes",
        },
        {
            content: "Give the hours of use",
            trigger: ".o_rma_request_question:contains('Hours of use') input",
            run: "edit 6",
        },
        {
            content: "Attach a photo of the label",
            trigger: ".o_rma_request_question:contains('Photo of the label') input[type='file']",
            run() {
                const bytes = Uint8Array.from(atob(PNG), (c) => c.charCodeAt(0));
                const files = new DataTransfer();
                files.items.add(new File([bytes], "label.png", { type: "image/png" }));
                this.anchor.files = files.files;
            },
        },
        {
            content: "Send the request",
            trigger: ".o_rma_request_submit",
            run: "click",
        },
        {
            content: "The request was filed: its page shows the answers",
            trigger: "#rma_intake_answers:contains('2.1.0')",
            run() {
                if (!/^\/my\/rmas\/\d+$/.test(window.location.pathname)) {
                    throw new Error(`Not on the new RMA's page: ${window.location.href}`);
                }
            },
        },
    ],
});
