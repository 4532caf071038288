// Steps shared by the tours of My units: register a unit, redeem a code on it.

// On the registration form: the serial, today as the purchase date, a receipt.
export function registerSteps(serial) {
    return [
        {
            content: "Type the serial number",
            trigger: "#rma_register_serial",
            run: `edit ${serial}`,
        },
        {
            content: "Give the purchase date: today",
            trigger: "#rma_register_date",
            run() {
                this.anchor.value = this.anchor.max;
            },
        },
        {
            content: "Attach the receipt",
            trigger: "#rma_register_proof",
            run() {
                const receipt = new File(["%PDF-1.4\n%%EOF\n"], "receipt.pdf", {
                    type: "application/pdf",
                });
                const transfer = new DataTransfer();
                transfer.items.add(receipt);
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Register",
            trigger: ".o_rma_register_submit",
            run: "click",
        },
        {
            content: "The unit is registered",
            trigger: ".o_rma_unit_success:contains('Your unit is registered')",
        },
    ];
}

// On a unit's page: redeem ``code``, and find the extended coverage listed.
export function redeemSteps(code) {
    return [
        {
            content: "Type the code",
            trigger: "#rma_redeem_code",
            run: `edit ${code}`,
        },
        {
            content: "Redeem it",
            trigger: ".o_rma_unit_redeem button[type='submit']",
            run: "click",
        },
        {
            content: "The code is redeemed",
            trigger: ".o_rma_unit_success:contains('The code is redeemed')",
        },
        {
            content: "and the extended coverage is listed among the unit's periods",
            trigger: ".o_rma_unit_periods td:contains('Extended')",
        },
    ];
}
