import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const { DateTime } = luxon;

/**
 * After-Sales > Reporting > Dashboard: tiles and small tables from ONE call,
 * rma.report.dashboard.get_dashboard_data. A tile is shown when its section is in
 * the result (e.g. "sla", added by the service levels). Clicks open the analyses.
 */
export class RmaDashboard extends Component {
    static template = "rma_warranty.RmaDashboard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.periods = [
            { days: 30, label: _t("Last 30 days") },
            { days: 90, label: _t("Last 90 days") },
            { days: 365, label: _t("Last 365 days") },
            { days: 0, label: _t("All time") },
        ];
        this.state = useState({ days: 90, warehouseId: false, data: null });
        onWillStart(() => this.load());
    }

    async load() {
        const dateFrom = this.state.days
            ? DateTime.local().minus({ days: this.state.days }).toISODate()
            : false;
        this.state.data = await this.orm.call("rma.report.dashboard", "get_dashboard_data", [], {
            date_from: dateFrom,
            warehouse_id: this.state.warehouseId || false,
        });
    }

    get sections() {
        return this.state.data.sections;
    }

    onPeriodChange(ev) {
        this.state.days = parseInt(ev.target.value, 10);
        return this.load();
    }

    onWarehouseChange(ev) {
        this.state.warehouseId = parseInt(ev.target.value, 10) || false;
        return this.load();
    }

    money(amount) {
        return formatCurrency(amount || 0, this.state.data.currency.id);
    }

    percent(value) {
        return value === null || value === undefined ? "-" : `${formatFloat(value)} %`;
    }

    monthLabel(isoDate) {
        return isoDate ? DateTime.fromISO(isoDate).toFormat("MMMM yyyy") : "-";
    }

    hours(value) {
        return value === null || value === undefined ? "-" : formatFloat(value, { digits: [0, 1] });
    }

    _context(extra = {}) {
        const context = { ...extra };
        if (this.state.warehouseId) {
            context.search_default_warehouse_id = this.state.warehouseId;
        }
        return context;
    }

    openRmas(kind) {
        const overview = this.sections.overview;
        return this.action.doAction({
            type: "ir.actions.act_window",
            name: kind === "late" ? _t("Late RMAs") : _t("Open RMAs"),
            res_model: "rma.order",
            domain: kind === "late" ? overview.late_domain : overview.open_domain,
            views: [
                [false, "list"],
                [false, "form"],
            ],
        });
    }

    openFailure(productId) {
        const extra = productId ? { search_default_product_id: productId } : {};
        return this.action.doAction("rma_warranty.rma_report_failure_action", {
            additionalContext: this._context(extra),
        });
    }

    openUnits(extra = {}) {
        return this.action.doAction("rma_warranty.rma_report_unit_action", {
            additionalContext: this._context(extra),
        });
    }
}

registry.category("actions").add("rma_warranty.dashboard", RmaDashboard);
