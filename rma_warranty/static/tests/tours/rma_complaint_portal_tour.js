import { registry } from "@web/core/registry";

// Issue 14: on the page of one of its RMAs, the customer disagrees with the
// diagnosis of a unit and files a complaint about it.
registry.category("web_tour.tours").add("rma_complaint_disagree_tour", {
    steps: () => [
        {
            content: "Disagree with the diagnosis of the unit",
            trigger: "#rma_units .o_rma_disagree_unit",
            run: "click",
        },
        {
            content: "The form is about that unit",
            trigger: ".o_rma_complaint_about:contains('SN-PORTAL-A1')",
        },
        {
            content: "The complaint is a diagnosis dispute",
            trigger: "select[name='complaint_type']:has(option[value='diagnosis']:selected)",
        },
        {
            content: "Say why",
            trigger: "textarea[name='description']",
            run: "edit The unit was never dropped: the dent was there on delivery.",
        },
        {
            content: "Send it",
            trigger: ".o_rma_complaint_submit",
            run: "click",
        },
        {
            content: "The complaint's page, new, with its deadline",
            trigger: ".o_portal_complaint_sidebar .o_rma_complaint_state:contains('New')",
        },
        {
            content: "Its text is shown",
            trigger: "#complaint_content:contains('the dent was there on delivery')",
        },
    ],
});

// Issue 14: from the portal home, a customer files a complaint that concerns no
// unit at all.
registry.category("web_tour.tours").add("rma_complaint_new_tour", {
    steps: () => [
        {
            content: "Open My complaints from the portal home",
            trigger: "a[href='/my/complaints']",
            run: "click",
        },
        {
            content: "File a complaint",
            trigger: ".o_rma_complaint_new",
            run: "click",
        },
        {
            content: "It is about a delay",
            trigger: "select[name='complaint_type']",
            run: "selectByLabel Delay",
        },
        {
            content: "Say what happened",
            trigger: "textarea[name='description']",
            run: "edit Nobody has answered my three emails this month.",
        },
        {
            content: "Send it",
            trigger: ".o_rma_complaint_submit",
            run: "click",
        },
        {
            content: "The complaint's page",
            trigger: "#complaint_content:contains('Nobody has answered my three emails')",
        },
    ],
});
