# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import consteq


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "rma.decision.mixin"]
    # Only the quoting code links an order to an RMA unit: after-sales staff
    # without sales rights may change such orders, and no other (see
    # sale_order_rule_rma_quotes).
    _rma_decision_fields = frozenset({"rma_line_id", "rma_fee"})

    rma_order_ids = fields.One2many(
        comodel_name="rma.order", inverse_name="sale_order_id", string="RMAs"
    )
    rma_count = fields.Integer(compute="_compute_rma_count")
    rma_line_id = fields.Many2one(
        comodel_name="rma.order.line",
        string="Repair Quote of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The RMA unit whose repair this order quotes (or whose refused quote "
        "this order charges a fee for).",
    )
    rma_order_id = fields.Many2one(
        related="rma_line_id.order_id",
        string="RMA",
        help="The RMA of the unit this order quotes (or charges a fee) for.",
    )
    rma_lot_id = fields.Many2one(
        related="rma_line_id.lot_id", string="RMA Serial Number"
    )
    rma_fee = fields.Boolean(string="Refused Quote Fee", readonly=True, copy=False)

    def _compute_rma_count(self):
        counts = dict(
            self.env["rma.order"]._read_group(
                [("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"]
            )
        )
        for order in self:
            order.rma_count = counts.get(order, 0)

    # ---- CRUD ------------------------------------------------------------------------

    def _rma_decision_message(self, fname):
        if fname in ("rma_line_id", "rma_fee"):
            return self.env._(
                "An order is linked to an RMA unit only by Quote Repair on the unit "
                "(or by the fee of a refused quote)."
            )
        return super()._rma_decision_message(fname)

    # ---- Confirmation and cancellation -----------------------------------------------

    def action_confirm(self):
        # Refuse extension lines that cannot extend their serial before anything of
        # the confirmation is written.
        self.filtered(
            lambda order: order.state in ("draft", "sent")
        ).order_line._prepare_warranty_extension_vals()
        expired = self.filtered(
            lambda order: order.rma_line_id and not order.rma_fee and order.is_expired
        )
        if expired:
            raise UserError(
                self.env._(
                    "Repair quote %(quotes)s has expired: it can no longer be "
                    "accepted. Ask for a new quote.",
                    quotes=", ".join(expired.mapped("name")),
                )
            )
        return super().action_confirm()

    def _action_confirm(self):
        """Extension lines extend the warranty of their serial.

        Every confirmation goes through here (a salesperson, a signed quotation, an
        online payment). Sale confirms an order only from a quotation state, and
        lines that already gave their period give none again: the periods are
        given once per confirmation. Two workers confirming one quotation at once
        cannot both succeed: the second one's write of the state fails on
        PostgreSQL's repeatable read (the server retries it, and the retry is
        refused by the state); see TestWarrantyExtensionSaleConcurrency.
        """
        vals_list = self.order_line._prepare_warranty_extension_vals()
        res = super()._action_confirm()
        self.env["sale.order.line"]._create_warranty_extension_periods(vals_list)
        quotes = self.filtered(lambda order: order.rma_line_id and not order.rma_fee)
        quotes.rma_line_id._rma_quote_accepted(quotes)
        return res

    def _action_cancel(self):
        """A cancelled order gives no extension: its periods go (and come back if
        the order is confirmed again)."""
        res = super()._action_cancel()
        self.order_line.filtered(
            "is_warranty_extension"
        )._unlink_warranty_extension_periods()
        # A repair quote cancelled by the customer (declined in the portal) or by
        # staff is a refusal; a revision replaces it with a new one.
        if not self.env.context.get("rma_quote_revision"):
            self.filtered(
                lambda order: order.rma_line_id and not order.rma_fee
            ).rma_line_id._rma_quote_refused()
        return res

    def _rma_send_quote(self):
        """Send the repair quotes to their customers (the quotation email of Sale),
        with a copy to the distributor that filed the RMA (see
        rma.order._rma_mail_copy_partners): a recipient, not a follower, as
        Sale's portal lets the followers of an order read it."""
        template = self.env.ref(
            "sale.email_template_edi_sale", raise_if_not_found=False
        )
        for quote in self.filtered(lambda q: q.partner_id.email):
            if not template:
                continue
            quote_ctx = quote.with_context(mark_so_as_sent=True, proforma=False)
            copies = quote.rma_line_id.order_id._rma_mail_copy_partners()
            if copies:
                quote_ctx._rma_send_quote_with_copies(template, copies)
            else:
                quote_ctx.message_post_with_source(
                    template, subtype_xmlid="mail.mt_comment"
                )
        self.filtered(lambda q: q.state == "draft").write({"state": "sent"})

    def _rma_send_quote_with_copies(self, template, copies):
        """Post ``template`` on this quote to its recipients and to ``copies``, as
        ``message_post_with_source`` would (whose recipients given replace the
        template's). The customer follows the quote, as Sale's autofollow makes
        them; the copies do not. Invoked by _rma_send_quote."""
        self.ensure_one()
        self.message_subscribe(partner_ids=self.partner_id.ids)
        composer = (
            self.env["mail.compose.message"]
            .with_context(mail_post_autofollow=False)
            .create(
                {
                    "composition_mode": "comment",
                    "model": self._name,
                    "res_ids": self.ids,
                    "template_id": template.id,
                    "message_type": "notification",
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_comment"
                    ),
                }
            )
        )
        composer.partner_ids |= copies
        composer._action_send_mail()

    def action_create_rma(self):
        """Open a new RMA prefilled with what this order delivered."""
        self.ensure_one()
        moves = self.order_line.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        )
        return self.env["rma.order"]._action_new_from_moves(
            moves, partner=self.partner_id, sale_order=self
        )

    def action_view_rma(self):
        self.ensure_one()
        return self.env["rma.order"]._action_view_records(
            self.rma_order_ids, create=True
        )

    # ---- Repair quotes in the portal (issue 12) --------------------------------------

    @api.model
    def _rma_prepare_quote_portal_vals(self, prepaid):
        """How the customer accepts a repair quote on Sale's portal page: always
        signed (on behalf of their company); a pay-before-shipping quote is also
        paid in full in the same step (Sign & Pay), and that payment confirms it
        (``payment.transaction._check_amount_and_confirm_order``), which releases
        the RMA's shipping instructions. Invoked by
        ``rma.order.line._rma_create_quotes``; may be overridden."""
        vals = {"require_signature": True, "require_payment": prepaid}
        if prepaid:
            # The whole amount, whatever the company's down payment setting: the
            # shipping is released only once the quote is fully paid.
            vals["prepayment_percent"] = 1.0
        return vals

    def _rma_portal_back_url(self, user, access_token=None):
        """The way back from this repair quote's (or fee's) portal page to the
        portal page of its RMA, or False.

        ``user`` is the viewer (the portal works on documents in sudo, as the
        superuser). A user who may read the RMA (its customer, its distributor)
        gets its page; a viewer who came by this order's own access token (the
        link of the quote email, or of the RMA page) and may not read the RMA,
        e.g. without a login, gets it with the RMA's token, as the RMA's emails
        give it. Anyone else (a follower of the order, say) gets no link:
        followers never open RMAs.
        Invoked by the quote's portal page (``RmaQuotePortal``)."""
        self.ensure_one()
        # sudo: the portal page shows the order in sudo after Sale's access check;
        # only its token and its RMA are read, to check the viewer's own access.
        order_sudo = self.sudo()
        rma_sudo = order_sudo.rma_line_id.order_id
        if not rma_sudo:
            return False
        if rma_sudo.with_user(user).has_access("read"):
            return rma_sudo.access_url
        if (
            isinstance(access_token, str)
            and access_token.isascii()
            and order_sudo.access_token
            and consteq(order_sudo.access_token, access_token)
        ):
            return rma_sudo.get_portal_url()
        return False
