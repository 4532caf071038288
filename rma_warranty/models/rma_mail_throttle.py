# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class RmaMailThrottle(models.Model):
    """How many RMA requests each sender address mailed in each hour.

    The count lives in PostgreSQL so that every worker and every mail server of the
    database shares it: one statement counts a request and returns the count
    (``_hit``). Rows of past hours are removed by the daily autovacuum.
    """

    _name = "rma.mail.throttle"
    _description = "RMA Requests by Email per Sender and Hour"
    _log_access = False

    email = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(required=True, readonly=True)
    count = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "email_window_unique",
            "UNIQUE(email, window_start)",
            "One count per sender and hour.",
        ),
    ]

    @api.model
    def _hit(self, email):
        """Count one more request from ``email`` (normalised) in the current hour
        and return how many it sent in that hour, this one included; None for an
        address allowed on the mail gateway (``mail.gateway.allowed``), which is
        not counted.

        Concurrent hits on one sender wait for each other on the row; the later
        transaction then fails to serialise and Odoo retries it (XML-RPC,
        mailgate), so no count is lost between workers. Invoked by
        ``rma.order._rma_mail_request_allowed``.
        """
        self.env["mail.gateway.allowed"].flush_model(["email_normalized"])
        window = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO rma_mail_throttle (email, window_start, count)
                SELECT %(email)s, %(window)s, 1
                 WHERE NOT EXISTS (
                       SELECT 1 FROM mail_gateway_allowed
                        WHERE email_normalized = %(email)s
                 )
                ON CONFLICT (email, window_start)
                DO UPDATE SET count = rma_mail_throttle.count + 1
                RETURNING count
                """,
                email=email,
                window=window,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.autovacuum
    def _gc_past_windows(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM rma_mail_throttle WHERE window_start < %s",
                fields.Datetime.now() - timedelta(days=1),
            )
        )
