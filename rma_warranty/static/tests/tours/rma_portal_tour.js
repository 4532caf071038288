import { registry } from "@web/core/registry";

// An end user opens My RMAs from the portal home, opens their RMA, reads the next
// step and writes to the service centre in the RMA's chatter.
registry.category("web_tour.tours").add("rma_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Open Returns & Repairs from the portal home",
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/rmas']",
            run: "click",
        },
        {
            content: "Open the RMA from the list",
            trigger: "tr.o_portal_rma_row:contains('SN-PORTAL-TOUR') td:first-child a",
            run: "click",
        },
        {
            content: "The page says what happens next",
            trigger: "#rma_next_step:contains('Our after-sales team is reviewing your request')",
        },
        {
            content: "The unit is listed",
            trigger: "#rma_units td:contains('SN-PORTAL-TOUR')",
        },
        {
            content: "Write a message to the service centre",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit The unit still beeps at start-up.",
        },
        {
            content: "Send it",
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The message is in the chatter",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('The unit still beeps at start-up.')",
        },
    ],
});
