import { registry } from "@web/core/registry";

// Whether the signature canvas has anything drawn on it.
function signatureDrawn(canvas) {
    if (!canvas?.width || !canvas.height) {
        return false;
    }
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let alpha = 3; alpha < pixels.length; alpha += 4) {
        if (pixels[alpha]) {
            return true;
        }
    }
    return false;
}

// An end user buys one more year of warranty for a unit from its page in My units,
// signs and pays the quotation in Sale's portal with Odoo's demo provider, and
// finds the unit covered to the end of the new period.
registry.category("web_tour.tours").add("rma_portal_extension_tour", {
    steps: () => [
        {
            content: "Open the unit",
            trigger: "a.o_rma_unit_serial:contains('UNITS-DIRECT')",
            run: "click",
        },
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
            trigger: "#quote_content:contains('UNITS-DIRECT')",
        },
        {
            content: "Sign & Pay",
            trigger: ".o_portal_sale_sidebar a[data-bs-target='#modalaccept']",
            run() {
                // The signature form redraws the signature once the dialog is
                // shown: mark that moment for the next steps to wait on.
                const dialog = document.querySelector("#modalaccept");
                dialog.addEventListener(
                    "shown.bs.modal",
                    () => dialog.classList.add("o_rma_tour_shown"),
                    { once: true }
                );
                this.anchor.click();
            },
        },
        {
            content: "The signature is the customer's name",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Erik End User)",
        },
        {
            content: "The dialog is shown and the signature drawn in it",
            trigger: "#modalaccept.o_rma_tour_shown canvas.o_web_sign_signature",
            async run() {
                for (let attempt = 0; !signatureDrawn(this.anchor); attempt++) {
                    if (attempt > 600) {
                        throw new Error("The signature was never drawn.");
                    }
                    await new Promise((resolve) => requestAnimationFrame(resolve));
                }
            },
        },
        {
            content: "Sign",
            trigger: "#modalaccept .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "Pay with the demo provider",
            trigger:
                ".modal input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Type test card details",
            trigger: ".modal #customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: ".modal button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the order, paid: a sales order now",
            trigger: "#introduction h2:contains('Sales Order')",
            run() {
                window.location.href = "/my/units";
            },
        },
        {
            content: "Open the unit again",
            trigger: "a.o_rma_unit_serial:contains('UNITS-DIRECT')",
            run: "click",
        },
        {
            content: "The extended period is listed",
            trigger: ".o_rma_unit_periods tr:contains('Extended')",
            run() {
                const periodEnd = this.anchor.querySelector("td:last-child").textContent.trim();
                const coveredUntil = document
                    .querySelector(".o_rma_unit_today .o_rma_unit_date_end")
                    .textContent.trim();
                if (periodEnd !== coveredUntil) {
                    throw new Error(
                        `The unit is covered until ${coveredUntil}, not to the end of its extension (${periodEnd}).`
                    );
                }
            },
        },
    ],
});
