# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Rows sent per cron run; the cron runs again at once while rows remain.
MAIL_QUEUE_BATCH = 500
# Attempts of one email before it is left failed (visible to the RMA managers).
MAIL_QUEUE_MAX_ATTEMPTS = 3
# Wait before an email that failed is tried again.
MAIL_QUEUE_RETRY_DELAY = timedelta(minutes=5)


class RmaMailQueue(models.Model):
    """A customer email of an RMA transition, waiting to be posted (issue 16).

    The transitions (``rma.order._rma_send_mail``) only record what must be sent,
    one row per RMA and email in one INSERT per action, and start the scheduled
    action right after their commit (``ir.cron._trigger``). The cron posts the
    rows in batches: one composer, one template render per template of a batch,
    the PDFs rendered by Odoo's report engine, out of the user's request.

    Why not Odoo's ``mail.scheduled.message`` ("send later"): its composer renders
    the message (and the PDFs) when it is scheduled, i.e. in the request, for one
    record at a time; it posts each message on its own and, on failure, drops the
    message and notifies its author. These rows are rendered when they are sent,
    a batch at a time, and a failure stays visible here and on the RMA.

    A row is deleted in the transaction that posts it (the chatter keeps the
    message): a row is sent exactly once, as the rows are taken
    ``FOR UPDATE SKIP LOCKED``. An email that fails is retried
    ``MAIL_QUEUE_MAX_ATTEMPTS`` times, then left ``failed`` with its error.
    """

    _name = "rma.mail.queue"
    _description = "RMA Email to Send"
    _order = "id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "rma.order",
        string="RMA",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    template_id = fields.Many2one(
        "mail.template",
        string="Email",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    recipients = fields.Selection(
        [
            ("customer", "Customer only"),
            ("copy", "Distributor's copy only"),
            ("distributor", "Distributor assigned"),
        ],
        readonly=True,
        help="Empty: the customer and the copy to the distributor that filed the "
        "RMA (see the RMA's emails).",
    )
    state = fields.Selection(
        [("pending", "To Send"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    date_next_try = fields.Datetime("Next Attempt", readonly=True)
    error = fields.Text(readonly=True)

    # ---- Actions --------------------------------------------------------------------

    def action_retry(self):
        """Put failed emails back in the queue for a new round of attempts."""
        self.check_access("write")
        failed = self.filtered(lambda row: row.state == "failed")
        failed.write(
            {"state": "pending", "attempts": 0, "date_next_try": False, "error": False}
        )
        if failed:
            self._rma_trigger()
        return True

    # ---- Business methods -----------------------------------------------------------

    @api.model
    def _rma_enqueue(self, vals_list):
        """Record the emails ``vals_list`` (of ``_prepare_rma_mail_queue_vals``) in
        one INSERT and start the cron right after the commit. Called by
        ``rma.order._rma_send_mail``."""
        if not vals_list:
            return self
        # sudo: the queue is the system's; the caller ran the transition whose
        # email this is. Nobody creates rows by hand (no create right).
        rows_sudo = self.sudo().create(vals_list)
        self._rma_trigger()
        return rows_sudo.with_env(self.env)

    @api.model
    def _rma_trigger(self, at=None):
        # sudo: starting a scheduled action needs no right of the user.
        self.env.ref("rma_warranty.ir_cron_rma_mail_queue").sudo()._trigger(at)

    @api.model
    def _cron_rma_send(self, limit=MAIL_QUEUE_BATCH):
        """Post the emails waiting, the oldest first; return the rows handled.

        Rows are taken ``FOR UPDATE SKIP LOCKED``: two runs at once (two workers,
        a manual run) share them out and never post one twice. The emails of one
        RMA keep their order (submitted before approved): a row waits while an
        older row of its RMA is waiting (taken by another run, or to be retried),
        and the rows are sent in waves, the first email of each RMA, then the
        second, each wave one composer per template (and recipients and author).
        Called by the scheduled action; on a recordset, only those rows.
        """
        self.flush_model()
        now = fields.Datetime.now()
        only = SQL("AND id IN %s", tuple(self.ids)) if self else SQL()
        self.env.cr.execute(
            SQL(
                """SELECT id FROM rma_mail_queue
                    WHERE state = 'pending'
                      AND (date_next_try IS NULL OR date_next_try <= %s) %s
                    ORDER BY id
                    LIMIT %s
                      FOR UPDATE SKIP LOCKED""",
                now,
                only,
                limit,
            )
        )
        taken = [row[0] for row in self.env.cr.fetchall()]
        if not taken:
            return self.browse()
        rows = self.browse(taken)
        # Older rows of the same RMAs that this run did not take (locked by another
        # run, or waiting for their retry): the newer ones wait for them.
        self.env.cr.execute(
            SQL(
                """SELECT order_id, MIN(id) FROM rma_mail_queue
                    WHERE state = 'pending' AND order_id IN %s AND id NOT IN %s
                    GROUP BY order_id""",
                tuple(set(rows.order_id.ids)),
                tuple(taken),
            )
        )
        older = dict(self.env.cr.fetchall())
        waves = defaultdict(lambda: defaultdict(list))
        rank = defaultdict(int)
        for row in rows:
            if row.order_id.id in older and older[row.order_id.id] < row.id:
                continue
            key = (row.template_id, row.recipients or False, row.create_uid)
            waves[rank[row.order_id]][key].append(row.id)
            rank[row.order_id] += 1
        done = self.browse()
        blocked = set()  # RMAs whose email failed in this run: later ones wait
        for wave in sorted(waves):
            for (template, recipients, author), ids in waves[wave].items():
                group = self.browse(ids).filtered(
                    lambda row: row.order_id not in blocked
                )
                if not group:
                    continue
                sent = group._rma_post(template, recipients, author)
                done |= group
                blocked.update((group - sent).order_id)
        remaining = self.search_count(
            [
                ("state", "=", "pending"),
                ("id", "not in", taken),
                "|",
                ("date_next_try", "=", False),
                ("date_next_try", "<=", now),
            ]
        )
        # Report the progress: Odoo's cron runs again at once while rows remain.
        self.env["ir.cron"]._notify_progress(done=len(done), remaining=remaining)
        return done

    def _rma_post(self, template, recipients, author):
        """Post the email ``template`` of these rows' RMAs (one composer), as
        ``author`` would have, then delete the rows; on an error, try each RMA on
        its own so that one bad RMA does not hold the others. Return the rows sent.
        """
        # sudo: the author already ran the transition; his rights at sending time
        # (a portal user filing through the portal) must not stop its email.
        orders = (
            self.order_id.with_user(author)
            .sudo()
            .with_context(rma_mail_recipients=recipients)
        )
        try:
            with self.env.cr.savepoint():
                orders._rma_post_template(template)
                self.unlink()
            return self
        except Exception as error:  # noqa: BLE001 - recorded on the row, retried
            if len(self) == 1:
                self._rma_record_failure(error)
                return self.browse()
        sent = self.browse()
        for row in self:
            sent |= row._rma_post(template, recipients, author)
        return sent

    def _rma_record_failure(self, error):
        """Count a failed attempt of this row; after the last one, leave it failed
        and say so in the RMA's chatter, where its managers see it."""
        self.ensure_one()
        _logger.warning(
            "RMA email %s (%s) of %s failed: %s",
            self.id,
            self.template_id.name,
            self.order_id.name,
            error,
        )
        attempts = self.attempts + 1
        if attempts < MAIL_QUEUE_MAX_ATTEMPTS:
            retry_at = fields.Datetime.now() + MAIL_QUEUE_RETRY_DELAY
            self.write(
                {"attempts": attempts, "date_next_try": retry_at, "error": str(error)}
            )
            self._rma_trigger(retry_at)
            return
        self.write({"attempts": attempts, "state": "failed", "error": str(error)})
        self.order_id._message_log(
            body=Markup("<p>%s</p>")
            % self.env._(
                "The email %(email)s could not be sent after %(attempts)s attempts: "
                "%(error)s. It waits under RMA > Configuration > Emails to Send.",
                email=self.template_id.name,
                attempts=attempts,
                error=str(error),
            )
        )
