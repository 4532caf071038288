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
        this._renderQuestions(unit, []); // intake checklist (issue 17)
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
            this._renderQuestions(unit, answer.units[0].questions || []);
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

    // ---- Intake checklist (issue 17) ----

    /**
     * Show the questions of the unit's product category (from the lookup), with
     * the answers posted before when the form was refused.
     */
    _renderQuestions(unit, questions) {
        const box = unit.querySelector(".o_rma_request_questions");
        if (!box) {
            return;
        }
        let kept = {};
        try {
            kept = JSON.parse(box.dataset.answers || "{}");
        } catch {
            kept = {};
        }
        box.replaceChildren();
        const prefix = `unit-${unit.dataset.index}-answer-`;
        for (const question of questions) {
            const name = `${prefix}${question.id}`;
            const row = document.createElement("div");
            row.className = "mb-2 o_rma_request_question";
            row.dataset.questionId = question.id;
            const label = document.createElement("label");
            label.className = "form-label";
            label.htmlFor = name;
            label.textContent = question.name;
            if (question.required) {
                const star = document.createElement("span");
                star.className = "text-danger ms-1";
                star.textContent = "*";
                label.appendChild(star);
            }
            let input;
            if (question.answer_type === "yes_no") {
                input = document.createElement("select");
                input.className = "form-select";
                for (const [value, text] of [
                    ["", ""],
                    ["yes", _t("Yes")],
                    ["no", _t("No")],
                ]) {
                    const option = document.createElement("option");
                    option.value = value;
                    option.textContent = text;
                    input.appendChild(option);
                }
            } else {
                input = document.createElement("input");
                input.className = "form-control";
                if (question.answer_type === "photo") {
                    input.type = "file";
                    input.accept = "image/jpeg,image/png,image/gif,image/webp";
                } else {
                    input.type = "text";
                    input.maxLength = question.answer_type === "number" ? 32 : 1000;
                    if (question.answer_type === "number") {
                        input.inputMode = "decimal";
                    }
                }
            }
            input.id = name;
            input.name = name;
            input.required = Boolean(question.required);
            if (question.answer_type !== "photo" && kept[question.id]) {
                input.value = kept[question.id];
            }
            row.append(label, input);
            box.appendChild(row);
        }
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
        row.querySelector(".o_rma_request_questions").dataset.answers = "{}";
        this._renderQuestions(row, []);
        units.appendChild(row);
        row.querySelector(".o_rma_request_serial").focus();
    },
});

export default publicWidget.registry.RmaPortalRequest;
