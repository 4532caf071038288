import { registry } from "@web/core/registry";

// A service user opens an RMA: its units list shows each serial in full, not
// truncated ("HBT156-…") by too many columns.
registry.category("web_tour.tours").add("rma_warranty_units_tour", {
    steps: () => [
        {
            content: "The units list shows the unit's serial",
            trigger: "div[name='line_ids'] .o_data_row td[name='lot_id']:contains('HBT156-2401')",
            run() {
                const cell = this.anchor;
                if (cell.scrollWidth > cell.clientWidth + 1) {
                    throw new Error(
                        `The serial is truncated: ${cell.scrollWidth}px of text in ${cell.clientWidth}px`
                    );
                }
            },
        },
        {
            content: "The product is there too",
            trigger: "div[name='line_ids'] .o_data_row td[name='product_id']:contains('Panel')",
        },
    ],
});
