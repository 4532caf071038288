/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";

/**
 * The new-request form of the portal: looks the typed serial up (product and
 * entitlement, nothing personal) and adds units.
 */
publicWidget.registry.RmaPortalRequest = publicWidget.Widget.extend({
    selector: ".o_rma_request_form",
    events: {
        "change .o_rma_request_serial": "_onSerialChange",
        "click .o_rma_request_add_unit": "_onAddUnit",
    },

    start() {
        const res = this._super(...arguments);
        for (const input of this.el.querySelectorAll(".o_rma_request_serial")) {
            if (input.value) {
                this._lookup(input);
            }
        }
        return res;
    },

    async _lookup(input) {
        const unit = input.closest(".o_rma_request_unit");
        const output = unit.querySelector(".o_rma_request_lookup");
        const product = unit.querySelector(".o_rma_request_product");
        const serial = input.value.trim();
        output.textContent = "";
        output.classList.remove("text-danger");
        product.value = "";
        if (!serial) {
            return;
        }
        let answer;
        try {
            answer = await rpc("/my/rmas/new/lookup", { serial });
        } catch {
            output.textContent = _t("The serial number could not be checked now.");
            return;
        }
        if (input.value.trim() !== serial) {
            return; // typed on meanwhile
        }
        if (answer.error) {
            output.textContent = answer.error;
            return;
        }
        if (!answer.units.length) {
            output.classList.add("text-danger");
            output.textContent = _t("Unknown serial number: check it on the label of the unit.");
            return;
        }
        if (answer.units.length === 1) {
            product.value = answer.units[0].product_id;
        }
        output.textContent = answer.units
            .map((u) =>
                u.date_end
                    ? _t("%(product)s: %(entitlement)s until %(date)s", {
                          product: u.product,
                          entitlement: u.kind_label,
                          date: u.date_end,
                      })
                    : _t("%(product)s: %(entitlement)s", {
                          product: u.product,
                          entitlement: u.kind_label,
                      })
            )
            .join(" · ");
    },

    _onSerialChange(ev) {
        this._lookup(ev.currentTarget);
    },

    _onAddUnit() {
        const units = this.el.querySelector(".o_rma_request_units");
        const rows = units.querySelectorAll(".o_rma_request_unit");
        const index = rows.length;
        const row = rows[rows.length - 1].cloneNode(true);
        row.dataset.index = index;
        for (const field of row.querySelectorAll("[name], [id], [for]")) {
            for (const attr of ["name", "id", "for"]) {
                const value = field.getAttribute(attr);
                if (value) {
                    field.setAttribute(attr, value.replace(/^unit-\d+-/, `unit-${index}-`));
                }
            }
            if (field.matches("input, textarea")) {
                field.value = "";
            } else if (field.matches("select")) {
                field.selectedIndex = 0;
            }
        }
        row.querySelector(".o_rma_request_lookup").textContent = "";
        units.appendChild(row);
        row.querySelector(".o_rma_request_serial").focus();
    },
});

export default publicWidget.registry.RmaPortalRequest;
