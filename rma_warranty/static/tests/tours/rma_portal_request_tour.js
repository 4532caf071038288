import { registry } from "@web/core/registry";

// The smallest PNG: a 1x1 pixel.
const PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

// A distributor files a return request for one of its customers: two units
// (their serials looked up live) and a photo.
registry.category("web_tour.tours").add("rma_portal_request_tour", {
    url: "/my/rmas/new",
    steps: () => [
        {
            content: "File it for one of our customers",
            trigger: "#customer_mode_contact",
            run: "check",
        },
        {
            content: "Choose the customer",
            trigger: "select[name='customer_id']",
            run: "selectByLabel Carl Customer",
        },
        {
            content: "Type the serial of the first unit",
            trigger: "input[name='unit-0-serial']",
            run: "edit PRQ-D1",
        },
        {
            content: "Describe its fault",
            trigger: "textarea[name='unit-0-fault_description']",
            run: "edit Dead on arrival",
        },
        {
            content: "The serial was looked up: product and entitlement",
            trigger: ".o_rma_request_unit[data-index='0'] .o_rma_request_lookup:contains('NAS TS-464')",
        },
        {
            content: "Add a second unit",
            trigger: ".o_rma_request_add_unit",
            run: "click",
        },
        {
            content: "Type the serial of the second unit",
            trigger: "input[name='unit-1-serial']",
            run: "edit PRQ-FREE",
        },
        {
            content: "Describe its fault",
            trigger: "textarea[name='unit-1-fault_description']",
            run: "edit Rattles when shaken",
        },
        {
            content: "The second serial was looked up too",
            trigger: ".o_rma_request_unit[data-index='1'] .o_rma_request_lookup:contains('NAS TS-464')",
        },
        {
            content: "Attach a photo",
            trigger: "input[name='attachments']",
            run() {
                const bytes = Uint8Array.from(atob(PNG), (c) => c.charCodeAt(0));
                const files = new DataTransfer();
                files.items.add(new File([bytes], "photo.png", { type: "image/png" }));
                this.anchor.files = files.files;
            },
        },
        {
            content: "Send the request",
            trigger: ".o_rma_request_submit",
            run: "click",
        },
        {
            content: "The request was filed: its portal page is shown",
            trigger: "body:not(:has(.o_rma_request_form))",
            run() {
                if (!/^\/my\/rmas\/\d+$/.test(window.location.pathname)) {
                    throw new Error(`Not on the new RMA's page: ${window.location.href}`);
                }
            },
        },
    ],
});
