import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const { DateTime } = luxon;

// An RMA manager opens After-Sales > Warranty > Serial Numbers, finds a panel PC sold
// fourteen months ago, reads its coverage (whole unit, LCD and motherboard) and gives
// its LCD six months of goodwill coverage, with the reason.
registry.category("web_tour.tours").add("rma_warranty_screens_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the After-Sales application",
            trigger: ".o_app[data-menu-xmlid='rma_warranty.rma_warranty_menu_root']",
            run: "click",
        },
        {
            content: "Open the Warranty menu",
            trigger: "[data-menu-xmlid='rma_warranty.rma_warranty_menu_warranty']",
            run: "click",
        },
        {
            content: "Open the serial numbers",
            trigger: ".dropdown-item[data-menu-xmlid='rma_warranty.stock_lot_menu_warranty']",
            run: "click",
        },
        {
            content: "Search the serial number",
            trigger: ".o_control_panel .o_searchview_input",
            run: "edit HBT156-2401 && press Enter",
        },
        {
            content: "Open it",
            trigger: ".o_list_view .o_data_row:contains('HBT156-2401') td[name='name']",
            run: "click",
        },
        {
            content: "Open its Warranty page",
            trigger: ".o_form_view .o_notebook .nav-link:contains('Warranty')",
            run: "click",
        },
        {
            content: "It is covered today",
            trigger: ".o_form_view [name='warranty_kind']:contains('Warranty')",
        },
        {
            content: "The LCD has its own period",
            trigger: "div[name='warranty_coverage_ids'] .o_data_row:contains('LCD')",
        },
        {
            content: "So has the motherboard, which has ended",
            trigger:
                "div[name='warranty_coverage_ids'] .o_data_row.text-muted:contains('Motherboard')",
        },
        {
            content: "Add a period",
            trigger: "div[name='warranty_coverage_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "For the LCD",
            trigger: "div[name='warranty_coverage_ids'] .o_selected_row [name='component_id'] input",
            run: "edit LCD",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item:contains('LCD')",
            run: "click",
        },
        {
            content: "Until six months from now",
            trigger: "div[name='warranty_coverage_ids'] .o_selected_row [name='date_end'] input",
            run: `edit ${formatDate(DateTime.now().plus({ months: 6 }))}`,
        },
        {
            content: "Say why",
            trigger: "div[name='warranty_coverage_ids'] .o_selected_row [name='reason'] input",
            run: "edit Dead pixels two months after the LCD warranty",
        },
        ...stepUtils.saveForm(),
        {
            content: "The goodwill period is in the timeline",
            trigger:
                "div[name='warranty_coverage_ids'] .o_data_row:contains('Goodwill'):contains('Dead pixels')",
        },
    ],
});
