# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack, contextmanager

from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, new_test_user
from odoo.tests.common import get_db_name
from odoo.tools import SQL

from ..models.rma_warranty_coverage import local_date


def customer_today(lot, partner=None):
    """Today where the customer of ``lot`` (or ``partner``) lives: the date the
    warranty engine judges purchases and periods by (``stock.lot._warranty_today``,
    the registration's check). The test user's own today differs from it in the
    hours around midnight when the two time zones differ."""
    tz = (partner and partner.tz) or lot._warranty_tz()
    return local_date(fields.Datetime.now(), tz)


def flush_rma_mails(env, rounds=10, **context):
    """Send the customer emails the RMA transitions queued (issue 16), as the
    scheduler does: the code of the queue's scheduled action run as its user, again
    while emails remain due (the scheduler runs it again at once when it reports
    some remaining, ``_notify_progress``). ``context``: e.g.
    ``force_report_rendering=True`` for real PDFs in tests."""
    cron = env.ref("rma_warranty.ir_cron_rma_mail_queue").sudo()
    env.flush_all()
    Queue = env["rma.mail.queue"].with_user(cron.user_id).with_context(**context)
    for _round in range(rounds):
        if not Queue._cron_rma_send():
            break
    env.flush_all()
    env.invalidate_all()


class MailQueueMixin:
    """``self.flush_rma_mails()`` for the cases that check a customer email."""

    def flush_rma_mails(self, **context):
        flush_rma_mails(self.env, **context)


class CommittedCase(BaseCase):
    """Two workers at once need really committed transactions: these cases open
    their own cursors on the test database, commit their data and remove it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    # How long a worker of these cases waits for a row another one holds before
    # it fails (LockNotAvailable): the cases run both workers in one thread, so a
    # wait would never end (issue 17).
    LOCK_TIMEOUT = "2s"

    def _env(self, cr):
        return api.Environment(cr, api.SUPERUSER_ID, {})

    @contextmanager
    def _worker_cursor(self, lock_timeout=None):
        """A cursor of its own, as ``registry.cursor()`` (committed at the end of
        the block, rolled back on an error), that waits at most ``lock_timeout``
        for a row lock: a lock the code under test no longer takes makes the
        test fail in seconds instead of hanging.

        The timeout is set for the connection's session, in a transaction of its
        own, so that it holds across the cursor's commits and rollbacks; it is
        reset before the connection goes back to Odoo's pool."""
        worker_cr = self.registry.cursor()
        try:
            timeout = lock_timeout or self.LOCK_TIMEOUT
            worker_cr.execute(
                SQL("SELECT set_config('lock_timeout', %s, false)", timeout)
            )
            worker_cr.commit()  # the setting outlives the test's rollbacks
            yield worker_cr
            worker_cr.commit()  # as the end of a ``with registry.cursor()``
        finally:
            worker_cr.rollback()
            worker_cr.execute("RESET lock_timeout")
            worker_cr.commit()
            worker_cr.close()

    @contextmanager
    def _two_workers(self, begun=False, lock_timeout=None):
        """Two workers' cursors (see ``_worker_cursor``), used in one thread.
        ``begun``: both transactions take their snapshot now, before either acts,
        as two requests already running when the first one commits."""
        with ExitStack() as stack:
            crs = [
                stack.enter_context(self._worker_cursor(lock_timeout))
                for _worker in range(2)
            ]
            if begun:
                for cr in crs:
                    cr.execute("SELECT 1")
            yield tuple(crs)

    def _delete_rma(self, cr, rma):
        """Remove a committed RMA with its transfers, moves and valuation layers.

        Done transfers cannot be deleted through the ORM, by design: SQL does it.
        """
        pickings = rma.picking_ids
        if pickings:
            moves = SQL(
                "SELECT id FROM stock_move WHERE picking_id IN %s",
                tuple(pickings.ids),
            )
            cr.execute(
                SQL(
                    "DELETE FROM stock_valuation_layer WHERE stock_move_id IN (%s)",
                    moves,
                )
            )
            cr.execute(SQL("DELETE FROM stock_move WHERE id IN (%s)", moves))
            cr.execute(
                SQL("DELETE FROM stock_picking WHERE id IN %s", tuple(pickings.ids))
            )
        cr.execute(SQL("DELETE FROM rma_order WHERE id = %s", rma.id))

    def _create_extendable_product(self, env, name, months):
        """A serial-tracked product whose warranty (``months``) may be extended
        to five years."""
        policy = env["rma.warranty.policy"].create(
            {
                "name": f"{name} policy",
                "warranty_months": months,
                "max_total_months": 60,
            }
        )
        return env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": "serial",
                "warranty_policy_id": policy.id,
            }
        )


class RmaCommon(MailQueueMixin, TransactionCase):
    """A small after-sales world: a serial-tracked product sold and invoiced to a
    distributor, an end user, an RMA user and an RMA manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.rma_user = new_test_user(
            cls.env, "rma_flow_user", groups="rma_warranty.group_rma_user"
        )
        cls.rma_manager = new_test_user(
            cls.env,
            "rma_flow_manager",
            groups="rma_warranty.group_rma_manager,account.group_account_invoice",
        )
        cls.distributor = cls.env["res.partner"].create(
            {
                "name": "Nordic Distribution Test AB",
                "is_company": True,
                "rma_reseller": True,
            }
        )
        cls.end_user = cls.env["res.partner"].create(
            {"name": "Erik End User", "email": "erik@example.com"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "NAS TS-464",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 500.0,
                "standard_price": 300.0,
                "invoice_policy": "delivery",
            }
        )
        cls.product_untracked = cls.env["product.product"].create(
            {
                "name": "Power Adapter",
                "is_storable": True,
                "list_price": 30.0,
                "standard_price": 10.0,
                "invoice_policy": "delivery",
            }
        )

    # ---- World builders -------------------------------------------------------------

    @classmethod
    def _create_lots(cls, product, names):
        return cls.env["stock.lot"].create(
            [
                {"name": name, "product_id": product.id, "company_id": cls.company.id}
                for name in names
            ]
        )

    @classmethod
    def _put_in_stock(cls, product, lots=None, qty=0.0, location=None):
        location = location or cls.stock_location
        Quant = cls.env["stock.quant"].with_context(inventory_mode=True)
        if lots:
            for lot in lots:
                Quant._update_available_quantity(product, location, 1.0, lot_id=lot)
        if qty:
            Quant._update_available_quantity(product, location, qty)

    @classmethod
    def _sell(cls, partner, product, lots=None, qty=0.0, invoice=True, price=None):
        """Sell, deliver (the given serials) and invoice; return the sale order."""
        quantity = len(lots) if lots else qty
        cls._put_in_stock(product, lots=lots, qty=0.0 if lots else qty)
        line_vals = {"product_id": product.id, "product_uom_qty": quantity}
        if price is not None:
            line_vals["price_unit"] = price
        order = cls.env["sale.order"].create(
            {"partner_id": partner.id, "order_line": [Command.create(line_vals)]}
        )
        order.action_confirm()
        picking = order.picking_ids
        move = picking.move_ids
        if lots:
            move.move_line_ids.unlink()
            cls.env["stock.move.line"].create(
                [
                    dict(
                        move._prepare_move_line_vals(quantity=1.0),
                        lot_id=lot.id,
                        location_id=cls.stock_location.id,
                    )
                    for lot in lots
                ]
            )
        else:
            move.quantity = quantity
        move.picked = True
        picking._action_done()
        if invoice:
            order._create_invoices().action_post()
        return order

    def _new_rma(self, partner=None, lines=(), user=None, **vals):
        """An RMA with ``lines``: (product, lot, qty) or dicts of line values."""
        line_cmds = []
        for spec in lines:
            if isinstance(spec, dict):
                line_cmds.append(Command.create(spec))
            else:
                product, lot, qty = spec
                line_cmds.append(
                    Command.create(
                        {
                            "product_id": product.id,
                            "lot_id": lot.id if lot else False,
                            "quantity": qty,
                        }
                    )
                )
        env = self.env(user=user) if user else self.env
        return env["rma.order"].create(
            dict(
                {
                    "partner_id": partner.id if partner else False,
                    "warehouse_id": self.warehouse.id,
                    "line_ids": line_cmds,
                },
                **vals,
            )
        )

    def _receive(self, rma, lots_qty=None):
        """Validate the RMA's open receipt; ``lots_qty`` {line: qty} for partial."""
        picking = rma.picking_ids.filtered(
            lambda p: (
                p.picking_type_id == self.warehouse.rma_in_type_id
                and p.state not in ("done", "cancel")
            )
        )
        self.assertEqual(len(picking), 1)
        if lots_qty:
            for move in picking.move_ids:
                qty = lots_qty.get(move.rma_line_id)
                if qty is not None:
                    move.move_line_ids.quantity = qty
                    move.picked = bool(qty)
        else:
            picking.move_ids.picked = True
        res = picking.button_validate()
        if (
            isinstance(res, dict)
            and res.get("res_model") == "stock.backorder.confirmation"
        ):
            wizard = (
                self.env["stock.backorder.confirmation"]
                .with_context(**res["context"])
                .create({})
            )
            wizard.process()
        return picking

    def _validate(self, pickings):
        for picking in pickings:
            picking.move_ids.picked = True
            picking.button_validate()
        return pickings
