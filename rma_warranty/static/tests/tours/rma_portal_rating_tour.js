import { registry } from "@web/core/registry";

// The customer follows a rating link of the done email of their RMA, picks a
// smiley, writes feedback and sends it.
registry.category("web_tour.tours").add("rma_portal_rating_tour", {
    steps: () => [
        {
            content: "The smiley of the link is chosen",
            trigger: ".o_rating_page_submit input#rate_5:checked",
        },
        {
            content: "Pick Okay instead",
            trigger: ".o_rating_page_submit label[for='rate_3']",
            run: "click",
        },
        {
            content: "Okay is chosen",
            trigger: ".o_rating_page_submit input#rate_3:checked",
        },
        {
            content: "Write feedback",
            trigger: ".o_rating_page_submit textarea[name='feedback']",
            run: "edit Fast service, but nobody called me back.",
        },
        {
            content: "Send it",
            trigger: ".o_rating_page_submit button[type='submit']",
            run: "click",
        },
        {
            content: "The service thanks the customer",
            trigger: ".o_rating_page_thank_you:contains('Thank you for your feedback')",
        },
    ],
});
