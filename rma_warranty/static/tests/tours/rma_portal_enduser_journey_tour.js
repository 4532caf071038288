import { registry } from "@web/core/registry";
import { redeemSteps, registerSteps } from "@rma_warranty/../tests/tours/rma_portal_unit_steps";
import { payDemoSteps, signSteps } from "@rma_warranty/../tests/tours/rma_sale_portal_steps";

// The smallest PNG: a 1x1 pixel.
const PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

// One end user's whole path through the portal, for a unit bought from a reseller
// and not registered yet: the public warranty check, a repair request with a photo
// (logging in on the way), the registration of the unit with a receipt, a warranty
// code, and an extension bought, signed and paid with Odoo's demo provider.
registry.category("web_tour.tours").add("rma_portal_enduser_journey_tour", {
    steps: () => [
        // 1. The public warranty check, not logged in.
        {
            content: "Type the serial number printed on the unit",
            trigger: "input#warranty_check_serial",
            run: "edit JRN-0001",
        },
        {
            content: "Check the warranty",
            trigger: "button.o_warranty_check_submit",
            run: "click",
        },
        {
            content: "The unit's product is shown",
            trigger: ".o_warranty_check_unit .o_warranty_check_product:contains('NAS TS-464')",
        },
        {
            content: "with its coverage per component and its end",
            trigger: ".o_warranty_check_periods tr:has(td.o_warranty_check_component:contains('Units LCD')) td.o_warranty_check_end:not(:empty)",
        },
        {
            content: "Request a repair",
            trigger: ".o_warranty_check_unit a.o_warranty_check_request",
            run: "click",
        },
        // 2. Log in on the way, file the request with a photo.
        {
            content: "Type the login",
            trigger: ".oe_login_form input[name='login']",
            run: "edit journey_end",
        },
        {
            content: "Type the password",
            trigger: ".oe_login_form input[name='password']",
            run: "edit journey_end",
        },
        {
            content: "Log in",
            trigger: ".oe_login_form button[type='submit']",
            run: "click",
        },
        {
            content: "The request form has the serial filled in",
            trigger: ".o_rma_request_form input[name='unit-0-serial']:value(JRN-0001)",
        },
        {
            content: "and looked up: the product is shown",
            trigger: ".o_rma_request_unit[data-index='0'] .o_rma_request_lookup:contains('NAS TS-464')",
        },
        {
            content: "Describe the fault",
            trigger: "textarea[name='unit-0-fault_description']",
            run: "edit The screen stays black",
        },
        {
            content: "Attach a photo",
            trigger: "input[name='attachments']",
            run() {
                const bytes = Uint8Array.from(atob(PNG), (c) => c.charCodeAt(0));
                const files = new DataTransfer();
                files.items.add(new File([bytes], "black-screen.png", { type: "image/png" }));
                this.anchor.files = files.files;
            },
        },
        {
            content: "Send the request",
            trigger: ".o_rma_request_submit",
            run: "click",
        },
        {
            content: "The request was filed: its page shows the unit",
            trigger: "body:not(:has(.o_rma_request_form)) #wrap:contains('JRN-0001')",
            run() {
                if (!/^\/my\/rmas\/\d+$/.test(window.location.pathname)) {
                    throw new Error(`Not on the new RMA's page: ${window.location.href}`);
                }
            },
        },
        // 3. Register the unit with the receipt.
        {
            content: "Go to the portal's home",
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
        },
        {
            content: "Register a unit",
            trigger: ".o_portal_index_card a[href='/my/units/register']",
            run: "click",
        },
        ...registerSteps("JRN-0001"),
        {
            content: "on its own page",
            trigger: "h3.o_rma_unit_serial:contains('JRN-0001')",
        },
        // 4. Redeem the code that came with it.
        ...redeemSteps("jrny-abcd-efgh-jklm"),
        // 5. Buy an extension, sign and pay it.
        {
            content: "The extension is offered with its price",
            trigger: ".o_rma_unit_offer:contains('NAS Care +1 year') .o_rma_unit_offer_price",
        },
        {
            content: "Buy it",
            trigger: ".o_rma_unit_offer:contains('NAS Care +1 year') .o_rma_unit_extend button",
            run: "click",
        },
        {
            content: "The quotation is for the unit's serial number",
            trigger: "#quote_content:contains('JRN-0001')",
        },
        ...signSteps("Jana Journey"),
        ...payDemoSteps(),
        {
            content: "Back on the order, paid: a sales order now",
            trigger: "#introduction h2:contains('Sales Order')",
        },
        // Back to the unit, the way a person goes there.
        {
            content: "Go to the portal's home",
            trigger: ".o_portal_submenu a[href='/my/home']",
            run: "click",
        },
        {
            content: "Open My Units",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/units']",
            run: "click",
        },
        {
            content: "Open the unit",
            trigger: "a.o_rma_unit_serial:contains('JRN-0001')",
            run: "click",
        },
        {
            content: "The unit is covered to the end of the extension bought",
            trigger: ".o_rma_unit_periods tr:contains('Extended'):last",
            run() {
                const periodEnd = this.anchor.querySelector("td:last-child").textContent.trim();
                const coveredUntil = document
                    .querySelector(".o_rma_unit_today .o_rma_unit_date_end")
                    .textContent.trim();
                const ends = [...document.querySelectorAll(".o_rma_unit_periods tbody tr")]
                    .filter((row) => row.textContent.includes("Extended"))
                    .map((row) => row.querySelector("td:last-child").textContent.trim());
                if (ends.length !== 2) {
                    throw new Error(`Expected two extended periods (code, purchase): ${ends}`);
                }
                if (periodEnd !== coveredUntil) {
                    throw new Error(
                        `The unit is covered until ${coveredUntil}, not to the end of its extension (${periodEnd}).`
                    );
                }
            },
        },
    ],
});
