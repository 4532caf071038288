import { registry } from "@web/core/registry";
import { redeemSteps, registerSteps } from "@rma_warranty/../tests/tours/rma_portal_unit_steps";

// An end user registers the unit they bought from a distributor, with a scan of the
// receipt, then redeems the extension code that came with it.
registry.category("web_tour.tours").add("rma_warranty_portal_units_tour", {
    steps: () => [
        ...registerSteps("UNITS-DIST"),
        ...redeemSteps("tour-abcd-efgh-jklm"),
    ],
});
