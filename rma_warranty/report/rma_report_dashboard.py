# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# RMAs still being handled, and the number of rows of the dashboard's top lists.
OPEN_STATES = ("submitted", "approved", "received", "in_progress")
TOP = 5


class RmaReportDashboard(models.AbstractModel):
    """The after-sales dashboard (After-Sales > Reporting > Dashboard).

    One public method, ``get_dashboard_data``, returns every tile of the dashboard
    from a few grouped queries on the report models, whatever the number of RMAs.
    Each tile is a section built by a method of ``_dashboard_sections``: a module
    adds a tile by adding a section (e.g. ``sla``, read from ``rma.sla.step``); the
    dashboard renders the tiles whose section is in the result.
    """

    _name = "rma.report.dashboard"
    _description = "After-Sales Dashboard"

    # ---- Public entry point ---------------------------------------------------------

    @api.model
    def get_dashboard_data(self, date_from=None, date_to=None, warehouse_id=None):
        """Data of the dashboard for the RMAs submitted (units delivered, ratings
        given) from ``date_from`` to ``date_to`` (dates or ``YYYY-MM-DD``, both
        included, both optional) in service centre ``warehouse_id`` (a warehouse
        id, optional): ``{"filters": ..., "warehouses": ..., "currency": ...,
        "sections": {name: data}}``. Called by the dashboard client action."""
        self._dashboard_check_access()
        params = self._dashboard_params(date_from, date_to, warehouse_id)
        currency = self.env.company.currency_id
        return {
            "filters": {
                "date_from": params["date_from"] and str(params["date_from"]),
                "date_to": params["date_to"] and str(params["date_to"]),
                "warehouse_id": params["warehouse"].id or False,
            },
            "warehouses": [
                {"id": wh.id, "name": wh.display_name}
                for wh in self.env["stock.warehouse"].search([])
            ],
            "currency": {
                "id": currency.id,
                "symbol": currency.symbol,
                "position": currency.position,
                "digits": currency.decimal_places,
            },
            "sections": {
                name: method(params)
                for name, method in self._dashboard_sections().items()
            },
        }

    # ---- Arguments and access -------------------------------------------------------

    @api.model
    def _dashboard_check_access(self):
        """Only RMA users see the dashboard (a portal or other internal user is
        refused, whatever the report models' access rights say)."""
        if not self.env.user.has_group("rma_warranty.group_rma_user"):
            raise AccessError(
                self.env._("Only RMA users may open the after-sales dashboard.")
            )

    @api.model
    def _dashboard_date(self, value, label):
        if value in (None, False, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        message = self.env._(
            "The %(field)s of the dashboard must be a date (YYYY-MM-DD).", field=label
        )
        if not isinstance(value, str):
            raise UserError(message)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as error:
            raise UserError(message) from error

    @api.model
    def _dashboard_params(self, date_from, date_to, warehouse_id):
        """The validated filters of the dashboard; wrong types or an unknown
        service centre give a UserError."""
        date_from = self._dashboard_date(date_from, self.env._("start date"))
        date_to = self._dashboard_date(date_to, self.env._("end date"))
        if date_from and date_to and date_from > date_to:
            raise UserError(
                self.env._("The start date of the dashboard is after its end date.")
            )
        warehouse = self.env["stock.warehouse"]
        if warehouse_id not in (None, False):
            if not isinstance(warehouse_id, int) or isinstance(warehouse_id, bool):
                raise UserError(
                    self.env._("The service centre of the dashboard must be an id.")
                )
            warehouse = warehouse.search([("id", "=", warehouse_id)])
            if not warehouse:
                raise UserError(
                    self.env._("The service centre of the dashboard does not exist.")
                )
        return {"date_from": date_from, "date_to": date_to, "warehouse": warehouse}

    @api.model
    def _dashboard_domain(self, params, date_field="date", warehouse="warehouse_id"):
        """Domain of the period and service centre of ``params`` on a model whose
        date is the datetime ``date_field`` and service centre ``warehouse``."""
        domain = []
        start, end = params["date_from"], params["date_to"]
        if start and date_field:
            domain.append(
                (date_field, ">=", datetime.datetime.combine(start, datetime.time.min))
            )
        if end and date_field:
            end = datetime.datetime.combine(end, datetime.time.min)
            domain.append((date_field, "<", end + datetime.timedelta(days=1)))
        if params["warehouse"] and warehouse:
            domain.append((warehouse, "=", params["warehouse"].id))
        return domain

    # ---- Sections -------------------------------------------------------------------

    @api.model
    def _dashboard_sections(self):
        """{section name: method(params) -> data} of the dashboard's tiles. Extend
        it to add a tile."""
        return {
            "overview": self._dashboard_overview,
            "failure": self._dashboard_failure,
            "faults": self._dashboard_faults,
            "turnaround": self._dashboard_turnaround,
            "cost": self._dashboard_cost,
            "rating": self._dashboard_rating,
            "sla": self._dashboard_sla,
        }

    @api.model
    def _dashboard_late_domain(self):
        """Domain of the late RMAs among the open ones: a service-level step
        running past its deadline (the *Late (Service Level)* filter of the RMAs).
        May be overridden."""
        return [("sla_is_late", "=", True)]

    @api.model
    def _dashboard_overview(self, params):
        """Open and late RMAs now (in the service centre), and RMAs submitted and
        done in the period."""
        Rma = self.env["rma.order"]
        where = []
        if params["warehouse"]:
            where = [("warehouse_id", "=", params["warehouse"].id)]
        open_domain = [*where, ("state", "in", OPEN_STATES)]
        by_state = dict(
            Rma._read_group(
                [
                    *self._dashboard_domain(params, "date_submitted"),
                    ("state", "!=", "draft"),
                ],
                ["state"],
                ["__count"],
            )
        )
        return {
            "open": Rma.search_count(open_domain),
            "late": Rma.search_count([*open_domain, *self._dashboard_late_domain()]),
            "submitted": sum(by_state.values()),
            "done": by_state.get("done", 0),
            "open_domain": open_domain,
            "late_domain": [*open_domain, *self._dashboard_late_domain()],
        }

    @api.model
    def _dashboard_failure(self, params):
        """Failure rate: the RMA units of the period against the units delivered
        up to its end (the installed base, so that a unit sold years ago and
        returned now counts in both), overall, of the products with the highest
        rate, per month (against the units delivered up to the month's end) and
        per failed component (against the units delivered of its products)."""
        Report = self.env["rma.report.failure"]
        period = self._dashboard_domain(params)
        to_date = self._dashboard_domain({**params, "date_from": None})
        installed = dict(
            Report._read_group(
                [*to_date, ("source", "=", "delivery")],
                ["product_id"],
                ["qty_delivered:sum"],
            )
        )
        failed = dict(
            Report._read_group(
                [*period, ("source", "=", "rma")], ["product_id"], ["qty_rma:sum"]
            )
        )
        products = [
            {
                "id": product.id,
                "name": product.display_name,
                "delivered": installed.get(product, 0.0),
                "rma": units,
                "rate": self._dashboard_rate(units, installed.get(product, 0.0)),
            }
            for product, units in failed.items()
        ]
        products.sort(key=lambda p: (p["rate"] is None, -(p["rate"] or 0), -p["rma"]))
        delivered = sum(installed.values())
        rma = sum(failed.values())
        return {
            "delivered": delivered,
            "rma": rma,
            "rate": self._dashboard_rate(rma, delivered),
            "products": products[:TOP],
            "months": self._dashboard_failure_months(params, to_date),
            "component_rates": self._dashboard_component_rates(period, installed),
        }

    @api.model
    def _dashboard_failure_months(self, params, to_date):
        """Per month of the period: units delivered in it, RMA units of it and
        their rate against the units delivered up to the month's end."""
        start = params["date_from"] and params["date_from"].replace(day=1)
        months, base = [], 0.0
        for month, delivered, rma in self.env["rma.report.failure"]._read_group(
            to_date,
            ["date:month"],
            ["qty_delivered:sum", "qty_rma:sum"],
            order="date:month",
        ):
            base += delivered
            month = fields.Date.to_date(month)
            if start and month < start:
                continue
            months.append(
                {
                    "month": fields.Date.to_string(month),
                    "delivered": delivered,
                    "installed": base,
                    "rma": rma,
                    "rate": self._dashboard_rate(rma, base),
                }
            )
        return months

    @api.model
    def _dashboard_component_rates(self, period, installed):
        """{component id: failure rate}: the RMA units of the period whose
        component failed against the units delivered (``installed``: {product:
        units}) of the products they belong to."""
        failed, exposed = defaultdict(float), defaultdict(float)
        for product, component, units in self.env["rma.report.failure"]._read_group(
            [*period, ("component_id", "!=", False)],
            ["product_id", "component_id"],
            ["qty_rma:sum"],
        ):
            failed[component] += units
            exposed[component] += installed.get(product, 0.0)
        return {
            component.id: self._dashboard_rate(units, exposed[component])
            for component, units in failed.items()
        }

    @api.model
    def _dashboard_rate(self, rma, delivered):
        """Percentage of ``rma`` units in ``delivered`` ones (None when none was
        delivered), rounded to 2 decimals."""
        return round(100.0 * rma / delivered, 2) if delivered else None

    @api.model
    def _dashboard_faults(self, params):
        """The failed components, damage classes, damage levels and return
        reasons with the most units."""
        Report = self.env["rma.report.unit"]
        domain = self._dashboard_domain(params)
        result = {}
        for key, fname in (
            ("components", "component_id"),
            ("damage_classes", "damage_class"),
            ("damage_levels", "damage_level_id"),
            ("reasons", "reason_id"),  # return reasons (issue 17)
        ):
            field = Report._fields[fname]
            labels = (
                dict(field._description_selection(self.env))
                if field.type == "selection"
                else {}
            )
            rows = Report._read_group(
                [*domain, (fname, "!=", False)],
                [fname],
                ["quantity:sum"],
                order="quantity:sum desc",
                limit=TOP,
            )
            result[key] = [
                {
                    "id": value.id if field.type == "many2one" else value,
                    "name": value.display_name
                    if field.type == "many2one"
                    else labels.get(value, value),
                    "units": units,
                }
                for value, units in rows
            ]
        return result

    @api.model
    def _dashboard_turnaround(self, params):
        """Average hours per step over the units of the period (a step counts the
        units that went through it)."""
        steps = ("hours_to_approve", "hours_to_receive", "hours_to_ship", "hours_total")
        [values] = self.env["rma.report.unit"]._read_group(
            self._dashboard_domain(params), [], [f"{step}:avg" for step in steps]
        )
        return {
            step: None if value is None else round(value, 1)
            for step, value in zip(steps, values, strict=True)
        }

    @api.model
    def _dashboard_cost(self, params):
        """Warranty cost (parts, labour, swaps, credit notes, goodwill coupons)
        against paid-repair revenue of the units of the period, in the current
        company's currency: units of companies in another currency are left out,
        not added up."""
        measures = (
            "cost_parts",
            "cost_labour",
            "cost_swap",
            "cost_refund",
            "cost_goodwill",  # goodwill coupons (issue 17)
            "warranty_cost",
            "repair_revenue",
        )
        [values] = self.env["rma.report.unit"]._read_group(
            [
                *self._dashboard_domain(params),
                ("currency_id", "=", self.env.company.currency_id.id),
            ],
            [],
            [f"{m}:sum" for m in measures],
        )
        return {m: value or 0.0 for m, value in zip(measures, values, strict=True)}

    @api.model
    def _dashboard_rating(self, params):
        """Average rating (1 to 5) and number of the customers' ratings of the RMAs
        of the service centre given in the period."""
        rma_domain = []
        if params["warehouse"]:
            rma_domain = [("warehouse_id", "=", params["warehouse"].id)]
        domain = [
            ("res_model", "=", "rma.order"),
            ("consumed", "=", True),
            ("rating", ">=", 1),
            ("res_id", "in", self.env["rma.order"]._search(rma_domain)),
            *self._dashboard_domain(params, "write_date", None),
        ]
        [(average, count)] = self.env["rating.rating"]._read_group(
            domain, [], ["rating:avg", "__count"]
        )
        return {"average": round(average, 2) if count else None, "count": count}

    @api.model
    def _dashboard_sla(self, params):
        """Service levels of the steps closed in the period (in the service
        centre): the hit rate (%) over all steps and per step, from one grouped
        query on ``rma.sla.step``."""
        Step = self.env["rma.sla.step"]
        rows = Step._read_group(
            [
                *self._dashboard_domain(params, "date_done"),
                ("status", "in", ("met", "missed")),
            ],
            ["step", "status"],
            ["__count"],
        )
        labels = dict(Step._fields["step"]._description_selection(self.env))
        per_step = {}
        for step, status, count in rows:
            per_step.setdefault(step, {"met": 0, "missed": 0})[status] += count
        met = sum(counts["met"] for counts in per_step.values())
        missed = sum(counts["missed"] for counts in per_step.values())
        return {
            "hit_rate": self._dashboard_hit_rate(met, missed),
            "met": met,
            "missed": missed,
            "steps": [
                {
                    "step": step,
                    "label": labels[step],
                    "hit_rate": self._dashboard_hit_rate(
                        counts["met"], counts["missed"]
                    ),
                    **counts,
                }
                for step, counts in sorted(
                    per_step.items(), key=lambda item: list(labels).index(item[0])
                )
            ],
        }

    @api.model
    def _dashboard_hit_rate(self, met, missed):
        """Percentage of ``met`` among the closed steps, None with none closed."""
        return round(100.0 * met / (met + missed), 1) if met + missed else None
