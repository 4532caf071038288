# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast

from odoo import api, fields, models

from .rma_order import CLOSED_STATES


class RmaTeam(models.Model):
    """An after-sales team (issue 17): the people who handle some of the RMAs
    of a company, and an email address of its own.

    Like ``crm.team`` and ``helpdesk.team``, a team owns an alias
    (``mail.alias.mixin``): an email sent to it becomes a request of the team's
    company assigned to the team (``rma.order.message_new``). A request without
    a team gets one when it is submitted (``rma.order._rma_route_team``): the
    first team, by sequence, whose routing criteria it all meets (channel,
    country of the customer, category of a product), else the company's default
    team (``res.company.rma_team_id``), which also owns the company's RMA
    address. A team without criteria gets requests by email or by hand only.
    Members and responsible follow the requests of their team.
    """

    _name = "rma.team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _description = "After-Sales Team"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(
        default=10,
        help="Routing tries the teams in this order; the first whose criteria a "
        "request meets gets it.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        tracking=True,
        help="Follows every request of the team, as its members do.",
    )
    member_ids = fields.Many2many(
        comodel_name="res.users",
        relation="rma_team_res_users_rel",
        column1="team_id",
        column2="user_id",
        string="Members",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Follow the requests of the team: they are notified of each new one "
        "and of the customer's messages.",
    )
    # ---- Routing criteria: all those set must match; none set: no routing ----
    route_channel = fields.Selection(
        selection="_selection_route_channel",
        string="Channel",
        help="Requests filed through this channel (empty: any channel).",
    )
    route_country_ids = fields.Many2many(
        comodel_name="res.country",
        relation="rma_team_res_country_rel",
        column1="team_id",
        column2="country_id",
        string="Customer Countries",
        help="Requests of customers in these countries (empty: any country).",
    )
    route_categ_ids = fields.Many2many(
        comodel_name="product.category",
        relation="rma_team_product_category_rel",
        column1="team_id",
        column2="categ_id",
        string="Product Categories",
        help="Requests with a product of these categories or of their "
        "subcategories (empty: any product).",
    )
    rma_order_ids = fields.One2many(
        comodel_name="rma.order", inverse_name="team_id", string="RMAs"
    )
    rma_open_count = fields.Integer(
        string="Open RMAs", compute="_compute_rma_open_count"
    )
    is_default = fields.Boolean(
        string="Default Team",
        compute="_compute_is_default",
        help="The team of the company's requests that no other team's criteria "
        "match; its alias is the company's RMA address.",
    )

    @api.model
    def _selection_route_channel(self):
        return self.env["rma.order"]._fields["channel"]._description_selection(self.env)

    def _compute_rma_open_count(self):
        groups = self.env["rma.order"]._read_group(
            [
                ("team_id", "in", self.ids),
                ("state", "not in", ("draft", *CLOSED_STATES)),
            ],
            ["team_id"],
            ["__count"],
        )
        counts = {team.id: count for team, count in groups}
        for team in self:
            team.rma_open_count = counts.get(team.id, 0)

    def _compute_is_default(self):
        # sudo: only which team the companies of these teams default to is read.
        defaults = self.company_id.sudo().rma_team_id
        for team in self:
            team.is_default = team in defaults

    # ---- Mail gateway ---------------------------------------------------------------

    def _alias_get_creation_values(self):
        """The team's alias files RMA requests of the team's company, assigned
        to the team, with the email channel (as ``crm.team`` files leads)."""
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("rma.order")
        if self.id:
            defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults.update(
                team_id=self.id, company_id=self.company_id.id, channel="email"
            )
            values["alias_defaults"] = repr(defaults)
        return values

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals:
            # The alias's defaults name the company: keep them in step.
            for team in self:
                defaults = team._alias_get_creation_values()["alias_defaults"]
                # sudo: the team's own alias, written as the mixin writes it.
                team.alias_id.sudo().write({"alias_defaults": defaults})
        if {"member_ids", "user_id"} & vals.keys():
            self.rma_order_ids.filtered(
                lambda order: order.state not in CLOSED_STATES
            )._rma_team_subscribe()
        return res

    # ---- Routing --------------------------------------------------------------------

    def _rma_team_partners(self):
        """The partners who follow the requests of these teams: their members
        and responsibles."""
        return (self.member_ids | self.user_id).partner_id

    def _rma_route_matches(self, order):
        """Whether ``order`` (an RMA being submitted, sudo) meets every routing
        criterion of this team; a team without criteria matches none. Called by
        ``rma.order._rma_team_decide``."""
        self.ensure_one()
        if not (self.route_channel or self.route_country_ids or self.route_categ_ids):
            return False
        if self.route_channel and order.channel != self.route_channel:
            return False
        if (
            self.route_country_ids
            and order._rma_route_address().country_id not in self.route_country_ids
        ):
            return False
        if self.route_categ_ids:
            categories = {
                int(categ_id)
                for categ in order.line_ids.product_id.categ_id
                for categ_id in (categ.parent_path or "").split("/")
                if categ_id
            }
            if not categories & set(self.route_categ_ids.ids):
                return False
        return True
