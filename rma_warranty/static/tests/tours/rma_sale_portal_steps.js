// Steps shared by the tours that sign and pay a quotation on Sale's portal page
// (repair quotes, extensions) with Odoo's demo payment provider.

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

// Open "Sign & Pay", wait for the dialog to be shown and the name (``signer``) to be
// drawn as the signature (clicked earlier, the signature is empty), sign.
export function signSteps(signer) {
    return [
        {
            content: "Sign & Pay",
            trigger: ".o_portal_sale_sidebar a[data-bs-target='#modalaccept']:contains('Sign & Pay')",
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
            trigger: `.modal .o_web_sign_name_and_signature input:value(${signer})`,
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
    ];
}

// Once signed, the payment form opens: pay with the demo provider.
export function payDemoSteps() {
    return [
        {
            content: "Pay with the demo provider",
            trigger: ".modal.show input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Type test card details",
            trigger: ".modal.show #customer_input",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: ".modal.show button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
    ];
}
