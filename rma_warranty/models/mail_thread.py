# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _detect_loop_sender(self, message, message_dict, routes):
        """Core ignores a sender whose mails loop; a new RMA request is also ignored
        when its sender sent too many this hour (see
        ``rma.order._rma_mail_request_allowed``): no request and no reply. A new
        complaint by email (issue 14) counts against the same limit."""
        if super()._detect_loop_sender(message, message_dict, routes):
            return True
        new_request = any(
            model in ("rma.order", "rma.complaint") and not thread_id
            for model, thread_id, *_rest in routes or ()
        )
        return new_request and not self.env["rma.order"]._rma_mail_request_allowed(
            message_dict.get("email_from")
        )
