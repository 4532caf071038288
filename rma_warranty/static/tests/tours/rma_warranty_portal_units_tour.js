import { registry } from "@web/core/registry";

// An end user registers the unit they bought from a distributor, with a scan of the
// receipt, then redeems the extension code that came with it.
registry.category("web_tour.tours").add("rma_warranty_portal_units_tour", {
    steps: () => [
        {
            content: "Type the serial number",
            trigger: "#rma_register_serial",
            run: "edit UNITS-DIST",
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
        {
            content: "Type the code",
            trigger: "#rma_redeem_code",
            run: "edit tour-abcd-efgh-jklm",
        },
        {
            content: "Redeem it",
            trigger: ".o_rma_unit_redeem button[type='submit']",
            run: "click",
        },
        {
            content: "The extended coverage is there",
            trigger: ".o_rma_unit_success:contains('The code is redeemed')",
        },
        {
            content: "listed among the unit's periods",
            trigger: ".o_rma_unit_periods td:contains('Extended')",
        },
    ],
});
